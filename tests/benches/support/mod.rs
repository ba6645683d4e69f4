//! What the pipeline-load benches share.

/// One request-handling span with an intent and two attributes, entered and
/// ended at once: the unit of load of the throughput and profiling benches.
pub(crate) fn request_span(i: u64) {
    tracing::info_span!(
        "handle_request",
        "coresdk.intent" = "answer a support question",
        "app.route" = "/v1/answer",
        "app.request" = i as i64
    )
    .in_scope(|| {});
}

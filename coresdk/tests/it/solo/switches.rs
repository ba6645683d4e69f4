//! The standard switches through `instrument_with`: a `RUST_LOG` filter,
//! `OTEL_SDK_DISABLED` and `OTEL_PROPAGATORS`. One binary, as `instrument`
//! installs a global subscriber once per process.

use coresdk::config::ExporterKind;
use coresdk::testing::SpanCapture;

fn config(env: &[(&str, &str)], capture: &SpanCapture) -> coresdk::Config {
    coresdk::Config::builder()
        .without_config_file()
        .with_env_vars(env.iter().copied())
        .with_exporter(ExporterKind::None)
        .with_processor(capture.clone())
        .build()
        .expect("config")
}

#[test]
fn rust_log_warn_drops_info_spans_and_sdk_disabled_exports_nothing() {
    if coresdk_tests::solo::delegated() {
        return;
    }
    // Disabled first: it installs nothing, so the filtered pipeline below can.
    let unused = SpanCapture::new();
    let off = coresdk::instrument_with(config(&[("OTEL_SDK_DISABLED", "true")], &unused))
        .expect("a disabled SDK still returns a guard");
    assert!(!off.is_enabled());
    tracing::warn_span!("untraced").in_scope(|| {});
    off.flush().expect("flushing nothing succeeds");
    assert_eq!(off.stats().exported, 0);
    drop(off);
    assert!(unused.spans().is_empty());

    let capture = SpanCapture::new();
    let guard = coresdk::instrument_with(config(
        &[
            ("RUST_LOG", "warn"),
            ("OTEL_PROPAGATORS", "tracecontext"),
            ("CORESDK_BAGGAGE_KEYS", "session.id"),
        ],
        &capture,
    ))
    .expect("instrument");
    assert!(guard.is_enabled());
    tracing::info_span!("chatty").in_scope(|| {
        tracing::warn_span!("important").in_scope(|| {});
    });
    // The HTTP stacks' and provider SDKs' own spans never reach the pipeline.
    tracing::warn_span!(target: "hyper_util::client", "connect").in_scope(|| {});
    tracing::warn_span!(target: "aws_smithy_runtime", "send").in_scope(|| {});
    guard.flush().expect("flush");
    let names: Vec<String> = capture.spans().iter().map(|s| s.name.to_string()).collect();
    assert_eq!(names, ["important"]);
    assert!(unused.spans().is_empty());

    // OTEL_PROPAGATORS=tracecontext: the global propagator and the helpers
    // write trace context only, no baggage even for an opted-in key.
    let mut fields: Vec<String> =
        opentelemetry::global::get_text_map_propagator(|p| p.fields().map(str::to_owned).collect());
    fields.sort();
    assert_eq!(fields, ["traceparent", "tracestate"]);
    let mut headers = std::collections::HashMap::new();
    let _ctx = coresdk::context::enter(coresdk::context::AppContext::new().with_session_id("s"));
    tracing::warn_span!("call").in_scope(|| coresdk::propagation::inject(&mut headers));
    assert!(headers.contains_key("traceparent"), "{headers:?}");
    assert!(!headers.contains_key("baggage"), "{headers:?}");
}

#[test]
fn a_bad_filter_is_a_config_error_naming_the_key() {
    if coresdk_tests::solo::delegated() {
        return;
    }
    let err = coresdk::Config::builder()
        .without_config_file()
        .with_env_vars([("RUST_LOG", "warn,[")])
        .build()
        .expect_err("invalid filter");
    assert_eq!(err.key(), Some("filter"));
    assert!(err.to_string().contains("RUST_LOG"), "{err}");
}

#[test]
fn propagators_parse_and_bad_names_are_errors() {
    if coresdk_tests::solo::delegated() {
        return;
    }
    let build = |value: &str| {
        coresdk::Config::builder()
            .without_config_file()
            .with_env_vars([("OTEL_PROPAGATORS", value)])
            .build()
    };
    let none = build("none").expect("none");
    assert!(none.propagation().propagators().is_empty());
    let both = build("baggage, tracecontext").expect("both");
    assert_eq!(both.propagation().propagators().len(), 2);
    let err = build("b3").expect_err("unsupported");
    assert_eq!(err.key(), Some("propagation.propagators"));
    assert!(err.to_string().contains("`b3`"), "{err}");
}

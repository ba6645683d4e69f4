//! Trace context crosses a simulated job queue (a tokio mpsc channel carrying
//! `HashMap` headers) and HTTP headers, keeping one trace and the parent link.

use std::collections::HashMap;
use std::time::Duration;

use coresdk::SpanExt as _;
use coresdk::propagation::{self, HeaderExtractor, HeaderInjector};
use coresdk::testing::SpanCapture;
use opentelemetry::baggage::BaggageExt as _;
use opentelemetry::trace::TraceContextExt as _;
use tracing::Instrument as _;
use tracing_subscriber::layer::SubscriberExt as _;

struct Job {
    headers: HashMap<String, String>,
    payload: &'static str,
}

fn setup(capture: &SpanCapture) -> coresdk::Guard {
    let config = capture.config_builder().build().expect("config");
    let (layer, guard) = coresdk::layer(config).expect("layer");
    let subscriber = tracing_subscriber::registry().with(layer);
    // Global for this test binary: the consumer runs on another task.
    let _ = tracing::subscriber::set_global_default(subscriber);
    guard
}

#[tokio::test]
async fn job_queue_round_trip_keeps_one_trace_and_the_parent_link() {
    if coresdk_tests::solo::delegated() {
        return;
    }
    let capture = SpanCapture::new();
    let guard = setup(&capture);
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Job>(8);

    let consumer = tokio::spawn(async move {
        let job = rx.recv().await.expect("a job");
        let span = tracing::info_span!("process_job", "job.payload" = job.payload);
        assert!(propagation::set_parent(&span, &job.headers));
        async { tokio::time::sleep(Duration::from_millis(1)).await }
            .instrument(span)
            .await;
    });

    async {
        let mut headers = HashMap::new();
        propagation::inject(&mut headers);
        assert!(headers.contains_key("traceparent"), "{headers:?}");
        tx.send(Job {
            headers,
            payload: "resize image",
        })
        .await
        .expect("send");
    }
    .instrument(tracing::info_span!("enqueue_job"))
    .await;
    consumer.await.expect("consumer");

    guard.flush().expect("flush");
    let producer = capture.find("enqueue_job").expect("producer span");
    let worker = capture.find("process_job").expect("consumer span");
    assert_eq!(
        worker.span_context.trace_id(),
        producer.span_context.trace_id()
    );
    assert_eq!(worker.parent_span_id, producer.span_context.span_id());
    assert!(worker.parent_span_is_remote);

    // HTTP headers, with baggage.
    let span = tracing::info_span!("http_client");
    let mut headers = http::HeaderMap::new();
    let cx = opentelemetry::Context::current_with_baggage(vec![opentelemetry::KeyValue::new(
        "tenant", "acme",
    )]);
    {
        let _entered = span.enter();
        let with_span = cx.with_remote_span_context(span.context().span().span_context().clone());
        propagation::inject_context(&with_span, &mut HeaderInjector(&mut headers));
    }
    assert!(headers.contains_key("traceparent"));
    assert_eq!(
        headers.get("baggage").and_then(|v| v.to_str().ok()),
        Some("tenant=acme")
    );
    let extracted = propagation::extract(&HeaderExtractor(&headers));
    assert_eq!(
        extracted.baggage().get("tenant").map(ToString::to_string),
        Some("acme".to_owned())
    );

    // Garbage headers start a new trace instead of failing.
    let mut bad = HashMap::new();
    bad.insert("traceparent".to_owned(), "00-zzzz-yyyy-01".to_owned());
    let span = tracing::info_span!("fresh");
    assert!(!propagation::set_parent(&span, &bad));
    guard.shutdown().expect("shutdown");
}

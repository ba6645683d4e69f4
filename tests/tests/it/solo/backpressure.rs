//! The pipeline under a bad backend: stalled (accepts, never answers) and down
//! (connection refused), then back up. The application thread must not slow
//! down beyond a small constant per span, memory stays bounded by the queue
//! caps, drops are counted, and spans flow again once the backend returns.

use std::time::{Duration, Instant};

use coresdk::config::{ExporterKind, OtlpProtocol};
use coresdk_tests::otlp::{OtlpReceiver, StallingServer, Transport, free_addr};
use tracing_subscriber::layer::SubscriberExt as _;

const QUEUE: usize = 64;

fn config(endpoint: &str) -> coresdk::Config {
    coresdk::Config::builder()
        .without_env()
        .without_config_file()
        .with_service_name("backpressure")
        .with_otlp_endpoint(endpoint)
        .with_otlp_protocol(OtlpProtocol::Grpc)
        .with_otlp_timeout(Duration::from_millis(300))
        .with_queue_size(QUEUE)
        .with_batch_size(16)
        .with_batch_delay(Duration::from_millis(20))
        .with_shutdown_timeout(Duration::from_secs(1))
        .build()
        .expect("config")
}

/// Emits `n` spans with three string attributes; returns the mean time per span.
fn emit(n: usize) -> Duration {
    let start = Instant::now();
    for i in 0..n {
        tracing::info_span!(
            "work",
            "app.a" = "alpha",
            "app.b" = "beta",
            "app.i" = i as i64
        )
        .in_scope(|| {});
    }
    start.elapsed() / n as u32
}

fn baseline_per_span() -> Duration {
    let config = coresdk::Config::builder()
        .without_env()
        .without_config_file()
        .with_exporter(ExporterKind::None)
        .build()
        .expect("config");
    let (layer, guard) = coresdk::layer(config).expect("layer");
    let subscriber = tracing_subscriber::registry().with(layer);
    let per_span = tracing::subscriber::with_default(subscriber, || {
        emit(500);
        emit(5_000)
    });
    guard.shutdown().expect("shutdown");
    per_span
}

#[test]
fn stalled_backend_does_not_slow_the_app_and_drops_are_counted() {
    if coresdk_tests::solo::delegated() {
        return;
    }
    let baseline = baseline_per_span();
    let stalled = StallingServer::start();
    let (layer, guard) = coresdk::layer(config(&stalled.endpoint())).expect("layer");
    let subscriber = tracing_subscriber::registry().with(layer);
    let n = 20_000;
    let per_span = tracing::subscriber::with_default(subscriber, || emit(n));
    let stats = guard.stats();
    // Queue (64) + retry buffer (64) + one batch in flight bound what is held;
    // everything else must have been dropped and counted, not buffered.
    let held_max = (QUEUE * 2 + 16) as u64;
    assert!(
        stats.dropped >= n as u64 - held_max,
        "dropped {} of {n}: memory is not bounded by the queue caps",
        stats.dropped
    );
    assert_eq!(stats.exported, 0);
    // A small constant per span: generous for debug builds and a loaded machine.
    assert!(
        per_span <= baseline * 3 + Duration::from_micros(20),
        "stalled backend: {per_span:?} per span vs {baseline:?} baseline"
    );
    let start = Instant::now();
    let _ = guard.shutdown();
    assert!(
        start.elapsed() < Duration::from_millis(1500),
        "shutdown took {:?}",
        start.elapsed()
    );
}

#[test]
fn spans_flow_again_when_the_backend_comes_back() {
    if coresdk_tests::solo::delegated() {
        return;
    }
    let addr = free_addr();
    let (layer, guard) = coresdk::layer(config(&format!("http://{addr}"))).expect("layer");
    let subscriber = tracing_subscriber::registry().with(layer);
    let default = tracing::subscriber::set_default(subscriber);

    // Backend down: connection refused, quickly.
    emit(200);
    std::thread::sleep(Duration::from_millis(300));
    let down = guard.stats();
    assert_eq!(down.exported, 0);

    // Backend back on the same port: later spans arrive.
    let receiver = OtlpReceiver::start_on(Transport::Grpc, addr).expect("rebind");
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut arrived = Vec::new();
    while Instant::now() < deadline {
        tracing::info_span!("after_recovery", "app.phase" = "up").in_scope(|| {});
        std::thread::sleep(Duration::from_millis(50));
        arrived = receiver
            .spans()
            .into_iter()
            .filter(|s| s.name == "after_recovery")
            .collect();
        if !arrived.is_empty() {
            break;
        }
    }
    assert!(
        !arrived.is_empty(),
        "no span arrived after the backend came back"
    );
    assert_eq!(arrived[0].attr_str("app.phase"), Some("up"));
    assert!(guard.stats().exported > 0);
    drop(default);
    guard.shutdown().expect("shutdown");
}

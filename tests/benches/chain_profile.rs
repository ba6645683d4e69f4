//! Profiling driver for the full chain (not a criterion benchmark): pushes
//! `CORESDK_PROFILE_SPANS` spans (default 20 000) through masking, diagnostics,
//! tail sampling and OTLP/gRPC export to the in-process receiver as fast as the
//! application thread can, with a queue large enough that nothing is dropped,
//! then flushes. Meant for `valgrind --tool=callgrind --separate-threads=yes`:
//! each thread's instruction count divided by the span count is its cost per span.

mod support;

use std::time::{Duration, Instant};

use coresdk::config::{OtlpProtocol, TailSamplingConfig};
use coresdk_tests::otlp::{OtlpReceiver, Transport};
use support::request_span;
use tracing_subscriber::layer::SubscriberExt as _;

fn main() {
    let n: u64 = std::env::var("CORESDK_PROFILE_SPANS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20_000);
    let receiver = OtlpReceiver::start(Transport::Grpc);
    let config = coresdk::Config::builder()
        .without_env()
        .without_config_file()
        .with_service_name("throughput")
        .with_otlp_endpoint(receiver.endpoint())
        .with_otlp_protocol(OtlpProtocol::Grpc)
        .with_otlp_timeout(Duration::from_mins(1))
        .with_llm_export(true)
        .with_tail_sampling(TailSamplingConfig::new(1.0))
        .with_metrics(false)
        .with_queue_size(65_536)
        .with_batch_delay(Duration::from_millis(50))
        .build()
        .expect("config");
    let (layer, guard) = coresdk::layer(config).expect("layer");
    let subscriber = tracing_subscriber::registry().with(layer);
    let elapsed = tracing::subscriber::with_default(subscriber, || {
        // Warm-up: the exporter connects lazily on its first batch.
        for i in 0..1_000 {
            request_span(i);
        }
        let _ = guard.flush();
        let start = Instant::now();
        for i in 0..n {
            request_span(i);
        }
        let emitted = start.elapsed();
        let _ = guard.flush();
        (emitted, start.elapsed())
    });
    let stats = guard.stats();
    let _ = guard.shutdown();
    eprintln!(
        "chain_profile: {n} spans: app thread {:.0} ns/span, emitted+flushed in {:?} ({:.0} spans/s); exported {}, dropped {}, export failed {}",
        elapsed.0.as_nanos() as f64 / n as f64,
        elapsed.1,
        n as f64 / elapsed.1.as_secs_f64(),
        stats.exported,
        stats.dropped,
        stats.export_failed
    );
}

//! Sustained throughput of the full chain — PII masking, LLM diagnostics, tail
//! sampling, OTLP/gRPC export to the in-process receiver — and the application
//! thread's cost per span at that load.
//!
//! First a probe: spans are emitted at a fixed rate for two seconds per step,
//! and the highest rate with no drop is printed. Then criterion measures the
//! app-thread cost of one span (three string attributes) with the same
//! pipeline running.

mod support;

use std::time::{Duration, Instant};

use coresdk::config::{OtlpProtocol, TailSamplingConfig};
use coresdk_tests::otlp::{OtlpReceiver, Transport};
use criterion::{Criterion, criterion_group, criterion_main};
use support::request_span;
use tracing_subscriber::layer::SubscriberExt as _;

fn pipeline(
    receiver: &OtlpReceiver,
) -> (
    impl tracing_subscriber::Layer<tracing_subscriber::Registry>,
    coresdk::Guard,
) {
    let config = coresdk::Config::builder()
        .without_env()
        .without_config_file()
        .with_service_name("throughput")
        .with_otlp_endpoint(receiver.endpoint())
        .with_otlp_protocol(OtlpProtocol::Grpc)
        .with_llm_export(true)
        .with_tail_sampling(TailSamplingConfig::new(1.0))
        .with_metrics(false)
        .with_batch_delay(Duration::from_millis(50))
        .build()
        .expect("config");
    coresdk::layer(config).expect("layer")
}

/// Emits `rate` spans/s for `secs`; returns (sent, app-thread ns per span).
fn emit_at(rate: u64, secs: u64) -> (u64, f64) {
    let start = Instant::now();
    let total = rate * secs;
    let mut busy = Duration::ZERO;
    let mut sent = 0;
    while sent < total {
        // Batches of 100, paced against the wall clock.
        let due = start + Duration::from_secs_f64(sent as f64 / rate as f64);
        if let Some(wait) = due.checked_duration_since(Instant::now()) {
            std::thread::sleep(wait);
        }
        let t = Instant::now();
        for i in 0..100 {
            request_span(sent + i);
        }
        busy += t.elapsed();
        sent += 100;
    }
    (sent, busy.as_nanos() as f64 / sent as f64)
}

fn probe() {
    let mut best = None;
    for rate in [50_000, 100_000, 150_000, 200_000, 250_000, 300_000] {
        let receiver = OtlpReceiver::start(Transport::Grpc);
        let (layer, guard) = pipeline(&receiver);
        let subscriber = tracing_subscriber::registry().with(layer);
        let (sent, ns) = tracing::subscriber::with_default(subscriber, || {
            // Warm-up: the exporter connects lazily on its first batch.
            emit_at(1_000, 1);
            let _ = guard.flush();
            emit_at(rate, 2)
        });
        let _ = guard.flush();
        let stats = guard.stats();
        let _ = guard.shutdown();
        let received = receiver.span_count() as u64 - 1_000;
        eprintln!(
            "throughput probe: {rate} spans/s offered: sent {sent}, dropped {}, exported {}, received {received}, app thread {ns:.0} ns/span",
            stats.dropped, stats.exported
        );
        if stats.dropped == 0 && received == sent {
            best = Some((rate, ns));
        } else {
            break;
        }
    }
    match best {
        Some((rate, ns)) => eprintln!(
            "throughput: sustained {rate} spans/s with no drops; app thread {ns:.0} ns/span at that load"
        ),
        None => eprintln!("throughput: drops already at the lowest offered rate"),
    }
}

fn bench(c: &mut Criterion) {
    probe();
    let receiver = OtlpReceiver::start(Transport::Grpc);
    let (layer, guard) = pipeline(&receiver);
    let subscriber = tracing_subscriber::registry().with(layer);
    tracing::subscriber::with_default(subscriber, || {
        let mut i = 0;
        c.bench_function("full_chain/app_thread_span", |b| {
            b.iter(|| {
                i += 1;
                request_span(i);
            });
        });
    });
    let _ = guard.shutdown();
}

criterion_group!(benches, bench);
criterion_main!(benches);

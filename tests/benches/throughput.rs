//! Sustained throughput of the full chain — PII masking, LLM diagnostics, tail
//! sampling, OTLP/gRPC export to the in-process receiver — and the application
//! thread's cost per span at that load.
//!
//! First a probe: spans are emitted at a fixed rate for two seconds per step,
//! and the highest rate with no drop is printed, for the pipeline installed
//! by `instrument_with` (what applications use) and as `coresdk::layer()`
//! under a `Registry`. Each step runs in a process of its own (the global
//! subscriber can be installed once per process, and no step inherits the
//! previous one's heap). Then criterion measures the app-thread cost of one
//! span (three attributes) with the same pipeline running.
//!
//! `CORESDK_THROUGHPUT_RATES` (comma-separated spans/s) overrides the rates
//! tried; `CORESDK_THROUGHPUT_SECS` the seconds per step.

mod support;

use std::process::Command;
use std::time::{Duration, Instant};

use coresdk::config::{OtlpProtocol, TailSamplingConfig};
use coresdk_tests::otlp::{OtlpReceiver, Transport};
use criterion::{Criterion, criterion_group};
use support::request_span;
use tracing_subscriber::layer::SubscriberExt as _;

/// Set in a child process: `<mode>:<rate>:<secs>`.
const CHILD: &str = "CORESDK_THROUGHPUT_CHILD";
const RESULT: &str = "throughput-result";

fn config(receiver: &OtlpReceiver) -> coresdk::Config {
    coresdk::Config::builder()
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
        .expect("config")
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

/// One probe step, in this (child) process; prints its result line.
fn child(spec: &str) {
    let mut parts = spec.split(':');
    let mode = parts.next().unwrap_or("instrument");
    let rate: u64 = parts.next().and_then(|r| r.parse().ok()).expect("rate");
    let secs: u64 = parts.next().and_then(|s| s.parse().ok()).unwrap_or(2);
    let receiver = OtlpReceiver::start(Transport::Grpc);
    let run = |guard: &coresdk::Guard| {
        // Warm-up: the exporter connects lazily on its first batch.
        emit_at(1_000, 1);
        let _ = guard.flush();
        emit_at(rate, secs)
    };
    let ((sent, ns), guard) = if mode == "layer" {
        let (layer, guard) = coresdk::layer(config(&receiver)).expect("layer");
        let subscriber = tracing_subscriber::registry().with(layer);
        (
            tracing::subscriber::with_default(subscriber, || run(&guard)),
            guard,
        )
    } else {
        let guard = coresdk::instrument_with(config(&receiver)).expect("instrument");
        (run(&guard), guard)
    };
    let _ = guard.flush();
    let stats = guard.stats();
    let _ = guard.shutdown();
    let received = (receiver.span_count() as u64).saturating_sub(1_000);
    println!(
        "{RESULT} {sent} {} {} {received} {ns:.0}",
        stats.dropped, stats.exported
    );
}

/// Runs one step in a child process: (sent, dropped, received, app ns/span).
fn step(mode: &str, rate: u64, secs: u64) -> Option<(u64, u64, u64, f64)> {
    let exe = std::env::current_exe().ok()?;
    let out = Command::new(exe)
        .env(CHILD, format!("{mode}:{rate}:{secs}"))
        .output()
        .ok()?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let line = stdout.lines().find(|l| l.starts_with(RESULT))?;
    let f: Vec<&str> = line.split_whitespace().skip(1).collect();
    Some((
        f.first()?.parse().ok()?,
        f.get(1)?.parse().ok()?,
        f.get(3)?.parse().ok()?,
        f.get(4)?.parse().ok()?,
    ))
}

fn probe() {
    let rates: Vec<u64> = std::env::var("CORESDK_THROUGHPUT_RATES").ok().map_or_else(
        || vec![50_000, 100_000, 150_000, 200_000, 250_000, 300_000],
        |v| v.split(',').filter_map(|r| r.trim().parse().ok()).collect(),
    );
    let secs: u64 = std::env::var("CORESDK_THROUGHPUT_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(2);
    for mode in ["instrument", "layer"] {
        let mut best = None;
        for &rate in &rates {
            let Some((sent, dropped, received, ns)) = step(mode, rate, secs) else {
                eprintln!("throughput probe ({mode}): the step at {rate} spans/s did not report");
                break;
            };
            eprintln!(
                "throughput probe ({mode}): {rate} spans/s offered: sent {sent}, dropped {dropped}, received {received}, app thread {ns:.0} ns/span"
            );
            if dropped == 0 && received == sent {
                best = Some((rate, ns));
            } else {
                break;
            }
        }
        match best {
            Some((rate, ns)) => eprintln!(
                "throughput ({mode}): sustained {rate} spans/s with no drops; app thread {ns:.0} ns/span at that load"
            ),
            None => eprintln!("throughput ({mode}): drops already at the lowest offered rate"),
        }
    }
}

fn bench(c: &mut Criterion) {
    probe();
    let receiver = OtlpReceiver::start(Transport::Grpc);
    let (layer, guard) = coresdk::layer(config(&receiver)).expect("layer");
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

fn main() {
    if let Ok(spec) = std::env::var(CHILD) {
        child(&spec);
        return;
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}

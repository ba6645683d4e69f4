//! Overhead of `TracedClient` over the raw `aws_sdk_bedrockruntime::Client`,
//! against the same local Bedrock server (SigV4-signed requests over
//! loopback), with the full CoreSDK pipeline (handoff → masking → diagnostic
//! → discarding exporter) installed as `coresdk::instrument()` installs it
//! (`CORESDK_BENCH_COMPOSE=layer`: as `coresdk::layer()` on a registry).
//!
//! - `converse/{raw,raw_with_interceptor,traced,traced_capture}`: one
//!   `Converse` call. `raw_with_interceptor` is the raw call with a no-op
//!   per-call interceptor (`customize().interceptor(..)`), the price a
//!   per-call wire tap would add (the traced client registers its tap once).
//! - paired `InvokeModel` rounds (raw, traced): an Anthropic messages body.
//! - `converse_stream/{raw,traced}`: the recorded 16-event stream read to the end.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod support;

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use support::{
    Clients, MODEL, converse_interceptor, converse_raw, converse_traced, invoke_raw, invoke_traced,
    message,
};

fn benches(c: &mut Criterion) {
    let guard = support::install();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();

    let Clients {
        server,
        raw,
        traced,
        capture: traced_capture,
    } = Clients::start();

    let mut g = c.benchmark_group("converse");
    g.bench_function("raw", |b| {
        b.iter(|| rt.block_on(async { black_box(converse_raw(&raw).await) }));
    });
    g.bench_function("raw_with_interceptor", |b| {
        b.iter(|| rt.block_on(async { black_box(converse_interceptor(&raw).await) }));
    });
    for (name, client) in [("traced", &traced), ("traced_capture", &traced_capture)] {
        g.bench_function(name, |b| {
            b.iter(|| rt.block_on(async { black_box(converse_traced(client).await) }));
        });
    }
    g.finish();

    // Paired run: raw, traced, traced_capture and raw_with_interceptor calls
    // interleaved, so load from other processes hits all alike; prints the
    // medians. Each round of four runs in a shuffled order: with a fixed
    // order each variant always follows the same one, and what a call leaves
    // behind (the pipeline worker busy with a traced call's span, freed
    // memory, a just-returned connection) would always land on the same
    // variant (with a fixed order traced_capture measured cheaper than
    // traced, which does strictly less).
    let mut times: [Vec<f64>; 4] = [Vec::new(), Vec::new(), Vec::new(), Vec::new()];
    let mut order = [0_usize, 1, 2, 3];
    let mut rng = 0x9E37_79B9_7F4A_7C15_u64;
    rt.block_on(async {
        for _ in 0..2000 {
            shuffle(&mut order, &mut rng);
            for &which in &order {
                let start = std::time::Instant::now();
                let out = match which {
                    0 => converse_raw(&raw).await,
                    1 => converse_traced(&traced).await,
                    2 => converse_traced(&traced_capture).await,
                    _ => converse_interceptor(&raw).await,
                };
                times[which].push(start.elapsed().as_secs_f64() * 1e6);
                black_box(out);
            }
        }
    });
    // Two estimates of the added time: the difference of the medians, and
    // the median of the per-round differences (each variant against the raw
    // call of the same round, made within a millisecond of it, so a slow
    // phase of the machine weighs on both sides of each difference).
    let median = |v: &[f64]| {
        let mut v = v.to_vec();
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let paired = |v: &[f64]| {
        let d: Vec<f64> = v.iter().zip(&times[0]).map(|(t, r)| t - r).collect();
        median(&d)
    };
    let raw_m = median(&times[0]);
    let [traced_m, capture_m, intercept_m] = [1, 2, 3].map(|i| median(&times[i]));
    let [traced_d, capture_d, intercept_d] = [1, 2, 3].map(|i| paired(&times[i]));
    eprintln!(
        "converse paired medians (2000 calls each): raw {raw_m:.1} µs, raw_with_interceptor {intercept_m:.1} µs (+{:.1}), traced {traced_m:.1} µs (+{:.1}), traced_capture {capture_m:.1} µs (+{:.1})",
        intercept_m - raw_m,
        traced_m - raw_m,
        capture_m - raw_m
    );
    eprintln!(
        "converse median per-round difference from raw: raw_with_interceptor +{intercept_d:.1} µs, traced +{traced_d:.1} µs, traced_capture +{capture_d:.1} µs"
    );

    let mut invoke: [Vec<f64>; 2] = [Vec::with_capacity(1000), Vec::with_capacity(1000)];
    rt.block_on(async {
        for round in 0..1000 {
            // Alternate which goes first, so neither always follows the other.
            for k in 0..2 {
                let which = (round + k) % 2;
                let start = std::time::Instant::now();
                let out = if which == 0 {
                    invoke_raw(&raw).await
                } else {
                    invoke_traced(&traced).await
                };
                invoke[which].push(start.elapsed().as_secs_f64() * 1e6);
                black_box(out);
            }
        }
    });
    let invoke_diff: Vec<f64> = invoke[1]
        .iter()
        .zip(&invoke[0])
        .map(|(t, r)| t - r)
        .collect();
    eprintln!(
        "invoke_model paired medians (1000 calls each): raw {:.1} µs, traced {:.1} µs, median per-round difference +{:.1} µs",
        median(&invoke[0]),
        median(&invoke[1]),
        median(&invoke_diff)
    );

    let mut g = c.benchmark_group("converse_stream");
    g.bench_function("raw", |b| {
        b.iter(|| {
            rt.block_on(async {
                let mut out = raw
                    .converse_stream()
                    .model_id(MODEL)
                    .messages(message())
                    .send()
                    .await
                    .unwrap();
                let mut n = 0;
                while let Some(event) = out.stream.recv().await.unwrap() {
                    black_box(event);
                    n += 1;
                }
                assert_eq!(n, 16);
            });
        });
    });
    g.bench_function("traced", |b| {
        b.iter(|| {
            rt.block_on(async {
                let mut out = traced_capture
                    .converse_stream()
                    .model_id(MODEL)
                    .messages(message())
                    .send()
                    .await
                    .unwrap();
                let mut n = 0;
                while let Some(event) = out.stream.recv().await.unwrap() {
                    black_box(event);
                    n += 1;
                }
                assert_eq!(n, 16);
            });
        });
    });
    g.finish();

    drop(server);
    let _ = guard.shutdown();
}

/// Fisher–Yates with a xorshift generator (a fixed seed: runs are comparable).
fn shuffle(order: &mut [usize; 4], state: &mut u64) {
    for i in (1..order.len()).rev() {
        *state ^= *state << 13;
        *state ^= *state >> 7;
        *state ^= *state << 17;
        let j = usize::try_from(*state % (i as u64 + 1)).unwrap();
        order.swap(i, j);
    }
}

criterion_group!(overhead, benches);
criterion_main!(overhead);

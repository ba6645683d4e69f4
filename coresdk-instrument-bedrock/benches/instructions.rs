//! A fixed-iteration driver for instruction counting under callgrind, which is
//! deterministic where wall-clock benches on a loaded machine are not.
//!
//! With the full pipeline installed (discarding exporter; as `instrument()`
//! installs it, or `CORESDK_BENCH_COMPOSE=layer` for `layer()`), it runs one
//! `Converse` call `CORESDK_ITERS` times (default 2 000) against the local
//! Bedrock server, on a `current_thread` runtime so the client side runs on the
//! counted thread, inside a loop function named for the mode plus `_loop`:
//!
//! - `converse_raw` (default): the raw client;
//! - `converse_interceptor`: the raw client with a no-op per-call interceptor
//!   (the price of the wire tap's mechanism alone);
//! - `converse_traced` / `converse_capture`: through `TracedClient`, content
//!   capture off / on;
//! - `invoke_raw` / `invoke_traced`: one `InvokeModel` call (an Anthropic
//!   messages body) through the raw client / `TracedClient`, capture off.
//!
//! ```text
//! cargo bench -p coresdk-instrument-bedrock --bench instructions --no-run
//! CORESDK_BENCH=converse_traced CORESDK_ITERS=500 valgrind --tool=callgrind \
//!     --toggle-collect='*converse_traced_loop*' target/release/deps/instructions-<hash>
//! ```
//!
//! Instructions per call = the collected total / `CORESDK_ITERS`; traced − raw
//! is the added cost. The driver also prints the sizes of the raw and traced
//! call futures (each is copied whole when `block_on` takes it; callgrind
//! counts a large copy's `rep movsb` a byte per instruction). Spans end on the application thread; the pipeline
//! worker's processing is not counted.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod support;

use std::hint::black_box;

use aws_sdk_bedrockruntime::Client;
use coresdk_instrument_bedrock::TracedClient;
use support::{
    Clients, converse_interceptor, converse_raw, converse_traced, invoke_raw, invoke_traced,
};
use tokio::runtime::Runtime;

#[inline(never)]
fn converse_raw_loop(iters: u64, rt: &Runtime, raw: &Client) {
    for _ in 0..iters {
        black_box(rt.block_on(converse_raw(raw)));
    }
}

#[inline(never)]
fn converse_interceptor_loop(iters: u64, rt: &Runtime, raw: &Client) {
    for _ in 0..iters {
        black_box(rt.block_on(converse_interceptor(raw)));
    }
}

#[inline(never)]
fn converse_traced_loop(iters: u64, rt: &Runtime, traced: &TracedClient) {
    for _ in 0..iters {
        black_box(rt.block_on(converse_traced(traced)));
    }
}

#[inline(never)]
fn converse_capture_loop(iters: u64, rt: &Runtime, traced: &TracedClient) {
    for _ in 0..iters {
        black_box(rt.block_on(converse_traced(traced)));
    }
}

#[inline(never)]
fn invoke_raw_loop(iters: u64, rt: &Runtime, raw: &Client) {
    for _ in 0..iters {
        black_box(rt.block_on(invoke_raw(raw)));
    }
}

#[inline(never)]
fn invoke_traced_loop(iters: u64, rt: &Runtime, traced: &TracedClient) {
    for _ in 0..iters {
        black_box(rt.block_on(invoke_traced(traced)));
    }
}

fn main() {
    let iters = std::env::var("CORESDK_ITERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2_000_u64);
    let guard = support::install();
    let mode = std::env::var("CORESDK_BENCH").unwrap_or_else(|_| "converse_raw".to_owned());

    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let Clients {
        server,
        raw,
        traced,
        capture,
    } = Clients::start();
    // Warm-up outside the counted loops (connection pool, lazy statics).
    for _ in 0..5 {
        match mode.as_str() {
            "converse_raw" => drop(rt.block_on(converse_raw(&raw))),
            "converse_interceptor" => drop(rt.block_on(converse_interceptor(&raw))),
            "converse_traced" => drop(rt.block_on(converse_traced(&traced))),
            "converse_capture" => drop(rt.block_on(converse_traced(&capture))),
            "invoke_raw" => drop(rt.block_on(invoke_raw(&raw))),
            "invoke_traced" => drop(rt.block_on(invoke_traced(&traced))),
            other => panic!("unknown CORESDK_BENCH {other:?}"),
        }
    }
    // Futures are copied whole when they move (into `block_on` here): their
    // sizes are part of a call's cost.
    eprintln!(
        "future sizes: converse raw {} B, traced {} B; send() raw {} B, traced {} B",
        std::mem::size_of_val(&converse_raw(&raw)),
        std::mem::size_of_val(&converse_traced(&traced)),
        std::mem::size_of_val(&raw.converse().send()),
        std::mem::size_of_val(&traced.converse().send()),
    );
    let start = std::time::Instant::now();
    match mode.as_str() {
        "converse_raw" => converse_raw_loop(iters, &rt, &raw),
        "converse_interceptor" => converse_interceptor_loop(iters, &rt, &raw),
        "converse_traced" => converse_traced_loop(iters, &rt, &traced),
        "invoke_raw" => invoke_raw_loop(iters, &rt, &raw),
        "invoke_traced" => invoke_traced_loop(iters, &rt, &traced),
        _ => converse_capture_loop(iters, &rt, &capture),
    }
    let per_call = start.elapsed() / u32::try_from(iters.max(1)).unwrap_or(u32::MAX);
    eprintln!("{mode}: {iters} calls, {per_call:?} per call (wall clock)");
    drop(server);
    let _ = guard.shutdown();
}

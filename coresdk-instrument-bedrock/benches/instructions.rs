//! A fixed-iteration driver for instruction counting under callgrind, which is
//! deterministic where wall-clock benches on a loaded machine are not.
//!
//! With the full pipeline installed (discarding exporter; as `instrument()`
//! installs it, or `CORESDK_BENCH_COMPOSE=layer` for `layer()`), it runs one
//! `Converse` call `CORESDK_ITERS` times (default 2 000) against the local
//! Bedrock server, on a `current_thread` runtime so the client side runs on the
//! counted thread, inside `coresdk_tests::counted::counted_loop`:
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
//!     --toggle-collect='*counted_loop*' target/release/deps/instructions-<hash>
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

use coresdk_tests::counted::counted;
use support::{
    Clients, converse_interceptor, converse_raw, converse_traced, invoke_raw, invoke_traced,
};

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
    // Futures are copied whole when they move (into `block_on` here): their
    // sizes are part of a call's cost.
    eprintln!(
        "future sizes: converse raw {} B, traced {} B; send() raw {} B, traced {} B",
        std::mem::size_of_val(&converse_raw(&raw)),
        std::mem::size_of_val(&converse_traced(&traced)),
        std::mem::size_of_val(&raw.converse().send()),
        std::mem::size_of_val(&traced.converse().send()),
    );
    let mut call: Box<dyn FnMut()> = match mode.as_str() {
        "converse_raw" => Box::new(|| drop(black_box(rt.block_on(converse_raw(&raw))))),
        "converse_interceptor" => {
            Box::new(|| drop(black_box(rt.block_on(converse_interceptor(&raw)))))
        }
        "converse_traced" => Box::new(|| drop(black_box(rt.block_on(converse_traced(&traced))))),
        "converse_capture" => Box::new(|| drop(black_box(rt.block_on(converse_traced(&capture))))),
        "invoke_raw" => Box::new(|| drop(black_box(rt.block_on(invoke_raw(&raw))))),
        "invoke_traced" => Box::new(|| drop(black_box(rt.block_on(invoke_traced(&traced))))),
        other => panic!("unknown CORESDK_BENCH {other:?}"),
    };
    counted(&mode, iters, 5, &mut call);
    drop(call);
    drop(server);
    let _ = guard.shutdown();
}

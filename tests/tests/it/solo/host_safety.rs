//! CoreSDK never hurts its host: setup errors are `Err` in any context, the
//! `Guard` can be dropped or shut down on any thread (plain code, both Tokio
//! runtime flavours, inside `block_on`, a task, `spawn_blocking`), and flush
//! and shutdown keep one budget for spans and metrics together, also against
//! a collector that accepts connections and never answers. OTLP and metrics
//! are on throughout: the metrics exporter owns a runtime of its own.

use std::sync::Once;
use std::time::{Duration, Instant};

use coresdk::config::OtlpProtocol;
use coresdk::{Config, ConfigBuilder, Guard, SetupError, ShutdownError};
use coresdk_tests::otlp::{OtlpReceiver, StallingServer, Transport};
use tracing_subscriber::layer::SubscriberExt as _;

/// How much later than its budget a flush or shutdown may return.
const SLACK: Duration = Duration::from_millis(250);

fn builder(endpoint: &str) -> ConfigBuilder {
    Config::builder()
        .without_env()
        .without_config_file()
        .with_service_name("host-safety")
        .with_otlp_endpoint(endpoint)
        .with_otlp_protocol(OtlpProtocol::Grpc)
        .with_batch_delay(Duration::from_millis(20))
        .with_metrics(true)
}

/// Sets a pipeline up and ends `spans` spans through it.
fn pipeline(config: Config, spans: usize) -> Guard {
    let (layer, guard) = coresdk::layer(config).expect("layer");
    let subscriber = tracing_subscriber::registry().with(layer);
    tracing::subscriber::with_default(subscriber, || {
        for i in 0..spans {
            tracing::info_span!("work", "app.i" = i as i64).in_scope(|| {});
        }
    });
    guard
}

fn multi_thread() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime")
}

fn current_thread() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

/// Runs `f` in every context an application may drop its guard in.
fn in_every_context(f: impl Fn(&str) + Send + Sync + Clone + 'static) {
    f("sync");
    let g = f.clone();
    multi_thread().block_on(async move { g("multi_thread block_on") });
    let g = f.clone();
    current_thread().block_on(async move { g("current_thread block_on") });
    for (name, runtime) in [
        ("multi_thread", multi_thread()),
        ("current_thread", current_thread()),
    ] {
        let g = f.clone();
        runtime
            .block_on(async move { tokio::spawn(async move { g(&format!("{name} task")) }).await })
            .expect("task");
        let g = f.clone();
        runtime
            .block_on(async move {
                tokio::task::spawn_blocking(move || g(&format!("{name} spawn_blocking"))).await
            })
            .expect("spawn_blocking");
    }
}

#[test]
fn guard_drop_and_shutdown_are_safe_in_every_context() {
    if coresdk_tests::solo::delegated() {
        return;
    }
    let receiver = std::sync::Arc::new(OtlpReceiver::start(Transport::Grpc));
    let r = std::sync::Arc::clone(&receiver);
    in_every_context(move |context| {
        let before = r.spans().len();
        let guard = pipeline(builder(&r.endpoint()).build().expect("config"), 3);
        drop(guard);
        assert_eq!(r.spans().len(), before + 3, "{context}: drop flushes");
        let guard = pipeline(builder(&r.endpoint()).build().expect("config"), 2);
        guard
            .shutdown()
            .unwrap_or_else(|e| panic!("{context}: shutdown: {e}"));
        assert_eq!(r.spans().len(), before + 5, "{context}: shutdown flushes");
    });
    // The metrics pipeline ran too: its last export carries the counters.
    assert!(
        receiver
            .metrics()
            .iter()
            .any(|m| m.name == "coresdk.spans.exported"),
        "no metrics arrived"
    );
}

#[test]
fn setup_errors_are_returned_in_every_context() {
    if coresdk_tests::solo::delegated() {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let bad = dir.path().join("bad.rego");
    std::fs::write(&bad, "package acme.llm\n\nallow if {\n  input.x ==\n}\n").expect("write");
    let missing = dir.path().join("missing.rego");
    let receiver = OtlpReceiver::start(Transport::Grpc);
    let endpoint = receiver.endpoint();
    in_every_context(move |context| {
        for policy in [&bad, &missing] {
            let config = builder(&endpoint)
                .with_llm_export(true)
                .with_egress_policy("acme/llm", policy)
                .build()
                .expect("config");
            match coresdk::layer::<tracing_subscriber::Registry>(config) {
                Err(SetupError::Diagnostic(_)) => {}
                Err(other) => panic!("{context}: unexpected error {other}"),
                Ok(_) => panic!("{context}: setup must fail on {}", policy.display()),
            }
        }
    });
}

/// `instrument_with` fails after the whole pipeline (metrics included) is
/// built when another global subscriber is set: everything built is dropped
/// on the caller's thread, here an async one.
#[test]
fn a_global_subscriber_already_set_is_an_error_inside_runtimes() {
    static GLOBAL: Once = Once::new();
    if coresdk_tests::solo::delegated() {
        return;
    }
    GLOBAL.call_once(|| {
        tracing::subscriber::set_global_default(tracing_subscriber::registry())
            .expect("first global subscriber");
    });
    let receiver = OtlpReceiver::start(Transport::Grpc);
    let attempt = |context: &str| {
        let config = builder(&receiver.endpoint()).build().expect("config");
        match coresdk::instrument_with(config) {
            Err(SetupError::SubscriberExists(_)) => {}
            Err(other) => panic!("{context}: unexpected error {other}"),
            Ok(_) => panic!("{context}: a second global subscriber must be refused"),
        }
    };
    multi_thread().block_on(async { attempt("multi_thread") });
    current_thread().block_on(async { attempt("current_thread") });
}

fn check_budget(budget: Duration, protocol: OtlpProtocol) {
    let n = 2_000;
    let stalled = StallingServer::start();
    let config = builder(&stalled.endpoint())
        .with_otlp_protocol(protocol)
        .with_shutdown_timeout(budget)
        .build()
        .expect("config");
    let guard = pipeline(config, n);
    // Let the first requests reach the collector and hang there.
    std::thread::sleep(Duration::from_millis(200));
    let start = Instant::now();
    // Inside a runtime, as an application's shutdown path would.
    let result = multi_thread().block_on(async move { guard.shutdown() });
    let took = start.elapsed();
    eprintln!("shutdown with budget {budget:?} over {protocol:?}: {took:?}");
    assert!(
        took <= budget + SLACK,
        "shutdown with budget {budget:?} took {took:?}"
    );
    match result {
        Err(ShutdownError::Timeout(named)) => {
            assert_eq!(named, budget, "the error names the budget");
        }
        other => panic!("a stalled collector must time the shutdown out, got {other:?}"),
    }
}

#[test]
fn shutdown_keeps_a_zero_budget_against_a_stalled_collector() {
    if coresdk_tests::solo::delegated() {
        return;
    }
    check_budget(Duration::ZERO, OtlpProtocol::Grpc);
}

#[test]
fn shutdown_keeps_a_one_second_budget_against_a_stalled_collector() {
    if coresdk_tests::solo::delegated() {
        return;
    }
    check_budget(Duration::from_secs(1), OtlpProtocol::HttpProtobuf);
}

#[test]
fn shutdown_keeps_a_five_second_budget_against_a_stalled_collector() {
    if coresdk_tests::solo::delegated() {
        return;
    }
    check_budget(Duration::from_secs(5), OtlpProtocol::Grpc);
}

#[test]
fn flush_keeps_its_own_budget_against_a_stalled_collector() {
    if coresdk_tests::solo::delegated() {
        return;
    }
    let stalled = StallingServer::start();
    let budget = Duration::from_secs(1);
    let config = builder(&stalled.endpoint())
        .with_flush_timeout(budget)
        .with_shutdown_timeout(Duration::ZERO)
        .build()
        .expect("config");
    let guard = pipeline(config, 100);
    std::thread::sleep(Duration::from_millis(100));
    let start = Instant::now();
    let result = guard.flush();
    let took = start.elapsed();
    eprintln!("flush with budget {budget:?}: {took:?}");
    assert!(took <= budget + SLACK, "flush took {took:?}");
    assert!(
        matches!(result, Err(ShutdownError::Timeout(d)) if d == budget),
        "{result:?}"
    );
    let _ = guard.shutdown();
}

const LEDGER_CHILD: &str = "HOST_SAFETY_LEDGER_CHILD";
const LEDGER_BUDGET_MS: &str = "HOST_SAFETY_LEDGER_BUDGET_MS";
const LEDGER_AT_ONCE: &str = "HOST_SAFETY_LEDGER_AT_ONCE";

/// Runs in a child process, the only pipeline there, so the process-wide
/// counters (all that is left once `shutdown` has consumed the guard) are
/// this pipeline's.
#[test]
fn ledger_child() {
    let Ok(endpoint) = std::env::var(LEDGER_CHILD) else {
        return;
    };
    let budget = std::env::var(LEDGER_BUDGET_MS)
        .ok()
        .and_then(|ms| ms.parse().ok())
        .map_or(Duration::ZERO, Duration::from_millis);
    let n = 2_000;
    let config = builder(&endpoint)
        .with_shutdown_timeout(budget)
        .build()
        .expect("config");
    let guard = pipeline(config, n);
    if std::env::var_os(LEDGER_AT_ONCE).is_none() {
        // Let the worker take the spans and the first requests hang.
        std::thread::sleep(Duration::from_millis(200));
    }
    let result = multi_thread().block_on(async move { guard.shutdown() });
    let stats = coresdk::stats();
    println!(
        "LEDGER sent={n} exported={} dropped={} export_failed={} sampled_out={} result={result:?}",
        stats.exported, stats.dropped, stats.export_failed, stats.sampled_out
    );
}

/// The counters of a shutdown against a stalled collector, read the moment
/// it returned: `(sent, exported + dropped + failed + sampled out)`.
/// With `at_once`, the shutdown follows the spans at once, while most of
/// them are still queued.
fn ledger_at_shutdown(budget: Duration, at_once: bool) -> (u64, u64) {
    let stalled = StallingServer::start();
    let endpoint = stalled.endpoint();
    let budget_ms = budget.as_millis().to_string();
    let mut envs = vec![
        (LEDGER_CHILD, endpoint.as_str()),
        (LEDGER_BUDGET_MS, budget_ms.as_str()),
    ];
    if at_once {
        envs.push((LEDGER_AT_ONCE, "1"));
    }
    let out = coresdk_tests::solo::run_sibling(module_path!(), "ledger_child", &envs);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let line = stdout
        .lines()
        .find_map(|l| l.split_once("LEDGER ").map(|(_, rest)| rest))
        .unwrap_or_else(|| panic!("no report:\n{stdout}"));
    eprintln!("budget {budget:?}: {line}");
    let value = |name: &str| -> u64 {
        line.split_whitespace()
            .find_map(|kv| kv.strip_prefix(name)?.strip_prefix('='))
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("no {name} in {line}"))
    };
    let settled =
        value("exported") + value("dropped") + value("export_failed") + value("sampled_out");
    (value("sent"), settled)
}

#[test]
fn counters_add_up_when_a_zero_budget_shutdown_returns() {
    if coresdk_tests::solo::delegated() {
        return;
    }
    let (sent, settled) = ledger_at_shutdown(Duration::ZERO, false);
    assert_eq!(settled, sent);
}

#[test]
fn counters_add_up_when_a_zero_budget_shutdown_returns_with_spans_still_queued() {
    if coresdk_tests::solo::delegated() {
        return;
    }
    let (sent, settled) = ledger_at_shutdown(Duration::ZERO, true);
    assert_eq!(settled, sent);
}

#[test]
fn counters_add_up_when_a_one_second_shutdown_returns() {
    if coresdk_tests::solo::delegated() {
        return;
    }
    let (sent, settled) = ledger_at_shutdown(Duration::from_secs(1), false);
    assert_eq!(settled, sent);
}

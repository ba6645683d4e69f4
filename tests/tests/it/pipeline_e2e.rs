//! End to end: a small traced program → `coresdk::instrument()` → OTLP over
//! loopback → the in-process receiver, under every runtime flavour, and with the
//! receiver down.
//!
//! `instrument()` installs a process-global subscriber, so each scenario runs in
//! a child process: the parent test re-executes this test binary with
//! `CORESDK_E2E_SCENARIO` set, and only the `child` test acts on it.

use std::process::Command;
use std::time::{Duration, Instant};

use coresdk_tests::otlp::{OtlpReceiver, ReceivedSpan, Transport, free_addr};
use tracing::Instrument as _;

const SCENARIO: &str = "CORESDK_E2E_SCENARIO";

/// The traced program: a root with two children, one of which has a child of
/// its own, attributes of several types, and an error event.
fn sync_program() {
    let root = tracing::info_span!(
        "handle_order",
        "coresdk.intent" = "handle incoming order creation request",
        "order.items" = 3_i64,
        "order.express" = true
    );
    root.in_scope(|| {
        tracing::info_span!("validate_order", "coresdk.intent" = "validate the order").in_scope(
            || {
                tracing::info_span!("load_rules", "rules.version" = "v7").in_scope(|| {});
            },
        );
        tracing::info_span!(
            "save_order",
            "db.system" = "postgresql",
            "db.latency_ms" = 1.5_f64
        )
        .in_scope(|| {});
    });
}

async fn async_program() {
    async {
        async {
            tracing::info_span!("load_rules", "rules.version" = "v7").in_scope(|| {});
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        .instrument(tracing::info_span!(
            "validate_order",
            "coresdk.intent" = "validate the order"
        ))
        .await;
        // A spawned task that carries its span keeps the parent link.
        tokio::spawn(
            async {
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
            .instrument(tracing::info_span!(
                "save_order",
                "db.system" = "postgresql",
                "db.latency_ms" = 1.5_f64
            )),
        )
        .await
        .expect("task");
    }
    .instrument(tracing::info_span!(
        "handle_order",
        "coresdk.intent" = "handle incoming order creation request",
        "order.items" = 3_i64,
        "order.express" = true
    ))
    .await;
}

/// Runs in the child process: set up from the environment, run the program in
/// the requested flavour, drop the guard, report timings on stdout.
#[test]
fn child() {
    let Ok(scenario) = std::env::var(SCENARIO) else {
        return;
    };
    let guard = coresdk::instrument().expect("instrument");
    assert!(
        matches!(
            coresdk::instrument(),
            Err(coresdk::SetupError::AlreadyInstalled)
        ),
        "a second instrument() must be an error"
    );
    match scenario.as_str() {
        "none" => {
            sync_program();
            let start = Instant::now();
            drop(guard);
            println!("DROP_MS {}", start.elapsed().as_millis());
        }
        "current_thread" => tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("rt")
            .block_on(async move {
                async_program().await;
                // Dropped inside the runtime: must not deadlock it.
                let start = Instant::now();
                drop(guard);
                println!("DROP_MS {}", start.elapsed().as_millis());
            }),
        "multi_thread" => tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("rt")
            .block_on(async move {
                async_program().await;
                let start = Instant::now();
                drop(guard);
                println!("DROP_MS {}", start.elapsed().as_millis());
            }),
        other => panic!("unknown scenario {other}"),
    }
    let stats = coresdk::stats();
    println!(
        "STATS {} {} {}",
        stats.exported, stats.dropped, stats.export_failed
    );
}

struct ChildRun {
    drop_ms: u64,
    exported: u64,
    export_failed: u64,
}

fn run_child(scenario: &str, envs: &[(&str, String)]) -> ChildRun {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = dir.path().join("coresdk-sidecar.yaml");
    std::fs::write(
        &config,
        "service_name: orders-service\nservice_version: \"1.4.2\"\nenvironment: e2e\n\
         pipeline:\n  shutdown_timeout_ms: 2000\n  batch_delay_ms: 50\n",
    )
    .expect("write config");
    let mut cmd = Command::new(std::env::current_exe().expect("test binary"));
    cmd.args([
        "--exact",
        "pipeline_e2e::child",
        "--nocapture",
        "--test-threads=1",
    ])
    .env(SCENARIO, scenario)
    .env("CORESDK_CONFIG", &config)
    .env_remove("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
    .env_remove("OTEL_SERVICE_NAME");
    for (k, v) in envs {
        cmd.env(k, v);
    }
    let start = Instant::now();
    let out = cmd.output().expect("run child");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "child {scenario} failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        start.elapsed() < Duration::from_mins(1),
        "child {scenario} took too long"
    );
    let field = |prefix: &str| -> Vec<u64> {
        stdout
            .lines()
            .find_map(|l| l.split(prefix).nth(1))
            .unwrap_or_else(|| panic!("no {prefix} in child output:\n{stdout}"))
            .split_whitespace()
            .map(|n| n.parse().expect("number"))
            .collect()
    };
    let stats = field("STATS ");
    ChildRun {
        drop_ms: field("DROP_MS ")[0],
        exported: stats[0],
        export_failed: stats[2],
    }
}

fn by_name<'a>(spans: &'a [ReceivedSpan], name: &str) -> &'a ReceivedSpan {
    spans
        .iter()
        .find(|s| s.name == name)
        .unwrap_or_else(|| panic!("no span {name} in {spans:#?}"))
}

fn assert_program_spans(spans: &[ReceivedSpan]) {
    assert_eq!(spans.len(), 4, "{spans:#?}");
    let root = by_name(spans, "handle_order");
    let validate = by_name(spans, "validate_order");
    let rules = by_name(spans, "load_rules");
    let save = by_name(spans, "save_order");

    // One trace, correctly nested.
    for s in spans {
        assert_eq!(s.trace_id, root.trace_id);
    }
    assert_eq!(root.parent_span_id, "");
    assert_eq!(validate.parent_span_id, root.span_id);
    assert_eq!(rules.parent_span_id, validate.span_id);
    assert_eq!(save.parent_span_id, root.span_id);

    // Attribute values, typed, from the wire.
    assert_eq!(
        root.attr_str("coresdk.intent"),
        Some("handle incoming order creation request")
    );
    assert_eq!(root.attr("order.items"), Some(&serde_json::json!(3)));
    assert_eq!(root.attr("order.express"), Some(&serde_json::json!(true)));
    assert_eq!(save.attr("db.latency_ms"), Some(&serde_json::json!(1.5)));
    assert_eq!(rules.attr_str("rules.version"), Some("v7"));
    // Thread/target/busy attributes are turned off.
    assert!(root.attr("thread.id").is_none() && root.attr("busy_ns").is_none());

    // Resource.
    let r = &root.resource;
    assert_eq!(r["service.name"], "orders-service");
    assert_eq!(r["service.version"], "1.4.2");
    assert_eq!(r["deployment.environment"], "e2e");
    assert_eq!(r["telemetry.sdk.language"], "rust");
    assert_eq!(r["telemetry.sdk.name"], "opentelemetry");
    assert!(r.contains_key("telemetry.sdk.version"));
    assert_eq!(r["telemetry.distro.name"], "coresdk");
    assert_eq!(root.scope, "coresdk");
}

#[test]
fn grpc_multi_thread_runtime() {
    let receiver = OtlpReceiver::start(Transport::Grpc);
    let run = run_child(
        "multi_thread",
        &[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.endpoint()),
            ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc".into()),
            (
                "OTEL_EXPORTER_OTLP_HEADERS",
                "authorization=Bearer%20test-token".into(),
            ),
        ],
    );
    assert_eq!(run.exported, 4);
    assert_program_spans(&receiver.spans());
    assert_eq!(
        receiver.headers()[0]
            .get("authorization")
            .map(String::as_str),
        Some("Bearer test-token")
    );
}

#[test]
fn http_protobuf_current_thread_runtime() {
    let receiver = OtlpReceiver::start(Transport::Http);
    let run = run_child(
        "current_thread",
        &[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.endpoint()),
            ("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf".into()),
            (
                "OTEL_EXPORTER_OTLP_HEADERS",
                "authorization=Bearer%20test-token".into(),
            ),
        ],
    );
    assert_eq!(run.exported, 4);
    assert_program_spans(&receiver.spans());
    assert_eq!(
        receiver.headers()[0]
            .get("authorization")
            .map(String::as_str),
        Some("Bearer test-token")
    );
}

#[test]
fn http_signal_endpoint_used_as_is_without_runtime() {
    let receiver = OtlpReceiver::start(Transport::Http);
    // The receiver also accepts any path: the signal endpoint must be used verbatim.
    let run = run_child(
        "none",
        &[
            (
                "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
                format!("{}/custom/traces", receiver.endpoint()),
            ),
            ("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf".into()),
        ],
    );
    assert_eq!(run.exported, 4);
    assert_program_spans(&receiver.spans());
}

#[test]
fn grpc_without_runtime() {
    let receiver = OtlpReceiver::start(Transport::Grpc);
    let run = run_child(
        "none",
        &[("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.endpoint())],
    );
    assert_eq!(run.exported, 4);
    assert_program_spans(&receiver.spans());
}

#[test]
fn guard_drop_is_bounded_when_the_receiver_is_down() {
    for (flavour, protocol) in [
        ("none", "grpc"),
        ("current_thread", "http/protobuf"),
        ("multi_thread", "grpc"),
    ] {
        let down = free_addr();
        let run = run_child(
            flavour,
            &[
                ("OTEL_EXPORTER_OTLP_ENDPOINT", format!("http://{down}")),
                ("OTEL_EXPORTER_OTLP_PROTOCOL", protocol.into()),
            ],
        );
        // shutdown_timeout_ms is 2000 in the child's config file.
        assert!(
            run.drop_ms <= 2500,
            "{flavour}/{protocol}: drop took {} ms",
            run.drop_ms
        );
        assert_eq!(run.exported, 0, "{flavour}/{protocol}");
        assert_eq!(run.export_failed, 4, "{flavour}/{protocol}");
    }
}

//! The `core` binary itself: exit codes and output.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crate::common::{CORE, SEED_POLICY, Stack, builder, socket_in};
use coresdk::egress::{CloudEvent, TYPE_LLM_DIAGNOSTIC, TYPE_TRACE_SPAN};
use coresdk::genai::attributes::{CORESDK_INTENT, CORESDK_PROBLEM_STATUS};

fn payload_json(service: &str, status: u16) -> String {
    serde_json::json!({
        "sdk_version": "0.1.0",
        "service": service,
        "error": {"type": "https://coresdk.dev/errors/upstream-timeout", "title": "Upstream Timeout",
                  "status": status, "detail": "inventory service did not respond within 2000ms"},
        "call_chain": [{"module": "orders::handler", "file": "src/orders/handler.rs", "line": 42,
                        "intent": "handle incoming order creation request", "duration_ms": 2105,
                        "error": true}],
        "egress_policy": "acme/llm",
        "egress_decision": "deny",
    })
    .to_string()
}

#[test]
fn policy_test_prints_decision_and_why() {
    let dir = tempfile::tempdir().expect("tempdir");
    let policy = dir.path().join("acme_llm.rego");
    std::fs::write(&policy, SEED_POLICY).expect("policy");
    let allow = dir.path().join("allow.json");
    std::fs::write(&allow, payload_json("orders-service", 504)).expect("input");
    let deny = dir.path().join("deny.json");
    std::fs::write(&deny, payload_json("payment-service", 504)).expect("input");

    let run = |input: &std::path::Path| {
        Command::new(CORE)
            .args(["policy", "test", "--policy"])
            .arg(&policy)
            .arg("--input")
            .arg(input)
            .args(["--package", "acme/llm"])
            .output()
            .expect("run core")
    };
    let out = run(&allow);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains("decision: allow"), "{text}");
    assert!(
        text.contains("because:  data.acme.llm.allow = true"),
        "{text}"
    );
    let out = run(&deny);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("decision: deny"), "{text}");

    let bad = dir.path().join("bad.rego");
    std::fs::write(&bad, "package acme.llm\n\nallow if {\n  input.x ==\n}\n").expect("write");
    let out = Command::new(CORE)
        .args(["policy", "test", "--policy"])
        .arg(&bad)
        .arg("--input")
        .arg(&allow)
        .output()
        .expect("run core");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("bad.rego:5:1: invalid Rego"), "{err}");
}

#[test]
fn config_validate_prints_values_with_origins() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("coresdk-sidecar.yaml");
    std::fs::write(
        &file,
        "service_name: orders-service\nllm_export:\n  enabled: true\n  api_key: sk-do-not-print\n",
    )
    .expect("write");
    let out = Command::new(CORE)
        .args(["config", "validate", "--config"])
        .arg(&file)
        .env(
            "CORESDK_LLM_ENDPOINT",
            "https://llm.example.com/v1/chat/completions",
        )
        .env_remove("CORESDK_LLM_API_KEY")
        .output()
        .expect("run core");
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{text}");
    let path = file.display();
    assert!(
        text.contains(&format!("service_name = orders-service  ({path}:1)")),
        "{text}"
    );
    assert!(
        text.contains(&format!("llm_export.enabled = true  ({path}:3)")),
        "{text}"
    );
    assert!(
        text.contains("llm_export.endpoint = https://llm.example.com/v1/chat/completions  (env CORESDK_LLM_ENDPOINT)"),
        "{text}"
    );
    assert!(
        text.contains("llm_export.max_payload_bytes = 8192  (default)"),
        "{text}"
    );
    assert!(text.contains("llm_export.api_key = <redacted>"), "{text}");
    assert!(!text.contains("sk-do-not-print"));

    std::fs::write(&file, "llm_export:\n  max_payload_bytes: 10\n").expect("write");
    let out = Command::new(CORE)
        .args(["config", "validate", "--config"])
        .arg(&file)
        .output()
        .expect("run core");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(":2: invalid value for `llm_export.max_payload_bytes`"),
        "{err}"
    );
}

/// Runs `core <args> --socket S --json` and collects its stdout lines.
struct Tail {
    child: std::process::Child,
    lines: mpsc::Receiver<String>,
}

impl Tail {
    fn start(args: &[&str], socket: &std::path::Path) -> Self {
        let mut child = Command::new(CORE)
            .args(args)
            .arg("--socket")
            .arg(socket)
            .arg("--json")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn core");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let deadline = Instant::now() + Duration::from_secs(10);
        while !socket.exists() {
            assert!(Instant::now() < deadline, "core never listened");
            std::thread::sleep(Duration::from_millis(20));
        }
        Self { child, lines }
    }

    fn events(&self, ty: &str, n: usize) -> Vec<CloudEvent> {
        let deadline = Instant::now() + Duration::from_secs(10);
        let mut events = Vec::new();
        while events
            .iter()
            .filter(|e: &&CloudEvent| e.event_type == ty)
            .count()
            < n
        {
            let left = deadline.saturating_duration_since(Instant::now());
            assert!(!left.is_zero(), "only got {events:#?}");
            if let Ok(line) = self.lines.recv_timeout(left) {
                events.push(serde_json::from_str(&line).expect("a CloudEvent per line"));
            }
        }
        events
    }
}

impl Drop for Tail {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn failing_trace() {
    let root = tracing::info_span!(
        "create_order",
        { CORESDK_INTENT } = "handle order",
        otel.status_code = "ERROR"
    );
    root.in_scope(|| {
        tracing::info_span!(
            "check_inventory",
            { CORESDK_INTENT } = "call inventory",
            { CORESDK_PROBLEM_STATUS } = 504_i64,
            otel.status_code = "ERROR",
        )
        .in_scope(|| ());
    });
}

#[test]
fn trace_tail_and_llm_tail_binaries_receive_events() {
    let dir = tempfile::tempdir().expect("tempdir");
    let socket = socket_in(&dir);
    let tail = Tail::start(&["trace", "tail"], &socket);
    let stack = Stack::new(builder(&socket, "cli-service").with_llm_export(true));
    stack.run(failing_trace);
    stack.shutdown();
    let spans = tail.events(TYPE_TRACE_SPAN, 2);
    assert!(
        spans.iter().all(|e| e.event_type == TYPE_TRACE_SPAN),
        "trace tail shows spans only"
    );
    assert_eq!(spans[0].service(), "cli-service");
    drop(tail);

    let socket = dir.path().join("llm.sock");
    let tail = Tail::start(&["llm", "tail"], &socket);
    let stack = Stack::new(builder(&socket, "cli-service").with_llm_export(true));
    stack.run(failing_trace);
    stack.shutdown();
    let events = tail.events(TYPE_LLM_DIAGNOSTIC, 1);
    assert!(
        events.iter().all(|e| e.event_type != TYPE_TRACE_SPAN),
        "llm tail hides spans"
    );
    assert_eq!(events[0].data["error"]["status"], 504);
}

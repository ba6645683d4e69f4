//! End to end over loopback: traced programs → local socket → the `core` CLI's
//! library code; and the opt-in external endpoint served by a local
//! OpenAI-compatible server.

use crate::common;

use std::io::Write;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use common::{Stack, builder, count, payloads, socket_in, wait_for};
use coresdk::egress::viewer::{self, LlmTail, TailOptions, TraceTail, Viewer};
use coresdk::egress::{
    DiagnosticPayload, EgressDecision, SYSTEM_PROMPT, TYPE_LLM_ANALYSIS, TYPE_LLM_DIAGNOSTIC,
    TYPE_LLM_EGRESS_DENIED, TYPE_TRACE_SPAN,
};
use coresdk::genai::attributes::{
    CORESDK_INTENT, CORESDK_PROBLEM_DETAIL, CORESDK_PROBLEM_STATUS, CORESDK_PROBLEM_TITLE,
    CORESDK_RECOVERY_HINT,
};
use tracing::info_span;

const SECRET: &str = "sk_live_51H8zQ2eZvKYlo2C";
const ANSWER: &str = "Root cause: the inventory service is overloaded. Fix: add a circuit breaker.";

fn failing_trace(order: &str) {
    let root = info_span!(
        "create_order",
        { CORESDK_INTENT } = "handle incoming order creation request",
        order_id = order,
        otel.status_code = "ERROR",
    );
    root.in_scope(|| {
        info_span!(
            "check_inventory",
            { CORESDK_INTENT } = "call downstream inventory service",
            { CORESDK_RECOVERY_HINT } = "check inventory service health",
            { CORESDK_PROBLEM_TITLE } = "Upstream Timeout",
            { CORESDK_PROBLEM_STATUS } = 504_i64,
            { CORESDK_PROBLEM_DETAIL } = "inventory service did not respond within 2000ms",
            api_key = SECRET,
            otel.status_code = "ERROR",
            otel.status_message = SECRET,
        )
        .in_scope(|| ());
    });
}

fn ok_trace() {
    info_span!("list_orders", { CORESDK_INTENT } = "list recent orders").in_scope(|| {
        info_span!("query", { CORESDK_INTENT } = "read orders table").in_scope(|| ());
    });
}

/// Logs of the egress thread (it logs through the global dispatcher).
fn global_logs() -> &'static Arc<Mutex<Vec<u8>>> {
    static LOGS: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();
    LOGS.get_or_init(|| {
        let buf = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&buf);
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::WARN)
            .with_ansi(false)
            .with_writer(move || SharedWriter(Arc::clone(&sink)))
            .finish();
        let _ = tracing::subscriber::set_global_default(subscriber);
        buf
    })
}

struct SharedWriter(Arc<Mutex<Vec<u8>>>);

impl Write for SharedWriter {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .extend_from_slice(data);
        Ok(data.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn cli_tail_receives_spans_from_programs_started_before_and_after_it() {
    if coresdk_tests::solo::delegated() {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let socket = socket_in(&dir);
    let cfg = |service: &str| builder(&socket, service).with_llm_export(true);

    // Started before the CLI: nobody listens, events wait in the backlog.
    let early = Stack::new(cfg("early-service"));
    early.run(|| failing_trace("o-1"));
    early.flush();
    assert!(!socket.exists());

    let viewer = Viewer::listen(&socket).expect("listen");
    // Started after the CLI.
    let late = Stack::new(cfg("late-service"));
    late.run(ok_trace);
    late.flush();

    let mut trace_tail = TraceTail::new(TailOptions::new());
    let mut llm_tail = LlmTail::new(TailOptions::new());
    let (mut trace_out, mut llm_out) = (Vec::new(), Vec::new());
    let mut seen = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(10);
    while count(&seen, TYPE_TRACE_SPAN) < 4 || count(&seen, TYPE_LLM_DIAGNOSTIC) < 1 {
        assert!(Instant::now() < deadline, "events so far: {seen:#?}");
        if let Some(ev) = viewer.recv_timeout(Duration::from_millis(100)) {
            trace_tail.handle(&ev, &mut trace_out).expect("render");
            llm_tail.handle(&ev, &mut llm_out).expect("render");
            seen.push(ev);
        }
    }
    early.shutdown();
    late.shutdown();

    let services: Vec<&str> = seen
        .iter()
        .map(coresdk::egress::CloudEvent::service)
        .collect();
    assert!(services.contains(&"early-service") && services.contains(&"late-service"));
    let trace_text = String::from_utf8(trace_out).expect("utf8");
    assert!(
        trace_text.contains("[early-service] FAILED"),
        "{trace_text}"
    );
    assert!(trace_text.contains("[late-service] ok"), "{trace_text}");
    assert!(trace_text.contains("\n  create_order "), "{trace_text}");
    assert!(
        trace_text.contains("\n    check_inventory "),
        "{trace_text}"
    );
    assert!(trace_text.contains(" ✗ "), "{trace_text}");
    assert!(trace_text.contains("\n    query "), "{trace_text}");
    assert!(
        trace_text.contains("· order_id = o-1"),
        "the viewer shows values: {trace_text}"
    );
    let llm_text = String::from_utf8(llm_out).expect("utf8");
    assert!(llm_text.contains("diagnostic trace "), "{llm_text}");
    assert!(
        llm_text.contains("Upstream Timeout (status 504), egress allow"),
        "{llm_text}"
    );
    assert!(!llm_text.contains(SECRET));
}

#[test]
fn tail_filters_by_service_and_errors_and_prints_json() {
    if coresdk_tests::solo::delegated() {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let socket = socket_in(&dir);
    let viewer = Viewer::listen(&socket).expect("listen");
    for service in ["a-service", "b-service"] {
        let stack = Stack::new(builder(&socket, service));
        stack.run(|| {
            failing_trace("o-2");
            ok_trace();
        });
        stack.shutdown();
    }
    let events = wait_for(&viewer, TYPE_TRACE_SPAN, 8);
    let render = |opts: TailOptions| {
        let mut tail = TraceTail::new(opts);
        let mut out = Vec::new();
        for ev in &events {
            tail.handle(ev, &mut out).expect("render");
        }
        tail.finish(&mut out).expect("finish");
        String::from_utf8(out).expect("utf8")
    };
    let errors = render(
        TailOptions::new()
            .with_service(Some("b-service".into()))
            .with_errors_only(true),
    );
    assert_eq!(errors.matches("trace ").count(), 1, "{errors}");
    assert!(errors.contains("[b-service] FAILED"));
    let colored = render(TailOptions::new().with_color(true).with_errors_only(true));
    assert!(colored.contains("\x1b[31m"), "errors in red");
    let json = render(TailOptions::new().with_json(true));
    assert_eq!(json.lines().count(), 8);
    for line in json.lines() {
        let ev: coresdk::egress::CloudEvent = serde_json::from_str(line).expect("json line");
        assert_eq!(ev.event_type, TYPE_TRACE_SPAN);
        assert_eq!(ev.specversion, "1.0");
    }
}

#[derive(Clone, Default)]
struct Recorder {
    requests: Arc<Mutex<Vec<(HeaderMap, String)>>>,
    fail_first: Arc<AtomicUsize>,
}

async fn chat(
    State(rec): State<Recorder>,
    headers: HeaderMap,
    body: String,
) -> (StatusCode, String) {
    rec.requests
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .push((headers, body));
    if rec
        .fail_first
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
        .is_ok()
    {
        return (StatusCode::SERVICE_UNAVAILABLE, "busy".to_owned());
    }
    let answer = serde_json::json!({
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "model": "diag-model",
        "choices": [{"index": 0, "finish_reason": "stop",
                     "message": {"role": "assistant", "content": ANSWER}}],
    });
    (StatusCode::OK, answer.to_string())
}

/// A local OpenAI-compatible server on 127.0.0.1 recording every request.
fn llm_server(fail_first: usize) -> (tokio::runtime::Runtime, String, Recorder) {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let rec = Recorder::default();
    rec.fail_first.store(fail_first, Ordering::SeqCst);
    let app = Router::new()
        .route("/v1/chat/completions", post(chat))
        .with_state(rec.clone());
    let listener = rt
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    rt.spawn(async move { axum::serve(listener, app).await });
    (rt, format!("http://{addr}/v1/chat/completions"), rec)
}

#[test]
fn external_endpoint_receives_the_payload_and_nothing_else() {
    if coresdk_tests::solo::delegated() {
        return;
    }
    let (_rt, endpoint, rec) = llm_server(1);
    let dir = tempfile::tempdir().expect("tempdir");
    let socket = socket_in(&dir);
    let policy = dir.path().join("acme_llm.rego");
    std::fs::write(&policy, common::SEED_POLICY).expect("policy");
    let viewer = Viewer::listen(&socket).expect("listen");
    let cfg = builder(&socket, "orders-service")
        .with_env_vars([("CORESDK_LLM_API_KEY", "sk-test-key")])
        .with_llm_export(true)
        .with_llm_endpoint(&endpoint)
        .with_egress_policy("acme/llm", &policy)
        .with_config_yaml("llm_export:\n  model: diag-model\n");
    let stack = Stack::new(cfg);
    stack.run(|| failing_trace("o-3"));
    stack.shutdown();

    let events = wait_for(&viewer, TYPE_LLM_ANALYSIS, 1);
    let requests = rec.requests.lock().expect("lock").clone();
    assert_eq!(requests.len(), 2, "one 503, one retry");
    let (headers, body) = &requests[1];
    assert_eq!(headers["authorization"], "Bearer sk-test-key");
    assert_eq!(headers["content-type"], "application/json");
    let body: serde_json::Value = serde_json::from_str(body).expect("json body");
    assert_eq!(body["model"], "diag-model");
    let messages = body["messages"].as_array().expect("messages");
    assert_eq!(messages.len(), 2);
    assert_eq!(messages[0]["role"], "system");
    assert_eq!(messages[0]["content"], SYSTEM_PROMPT);
    assert_eq!(messages[1]["role"], "user");
    let sent: DiagnosticPayload =
        serde_json::from_str(messages[1]["content"].as_str().expect("string")).expect("payload");
    assert_eq!(sent.egress_decision, Some(EgressDecision::Allow));
    assert_eq!(sent.egress_policy.as_deref(), Some("acme/llm"));
    // The request holds the payload and nothing else from the spans.
    let local = payloads(&events).pop().expect("diagnostic event");
    assert_eq!(sent, local);
    let raw = requests[1].1.as_str();
    assert!(!raw.contains(SECRET));
    assert!(!raw.contains("o-3"), "no attribute values");
    assert_eq!(body.as_object().map(serde_json::Map::len), Some(2));

    let analysis = events
        .iter()
        .find(|e| e.event_type == TYPE_LLM_ANALYSIS)
        .expect("analysis");
    assert_eq!(analysis.data["analysis"], ANSWER);
    assert_eq!(analysis.data["model"], "diag-model");
    let diag = events
        .iter()
        .find(|e| e.event_type == TYPE_LLM_DIAGNOSTIC)
        .expect("diagnostic");
    assert_eq!(analysis.data["diagnostic_id"], diag.id.as_str());
    assert_eq!(analysis.subject, diag.subject);
}

#[test]
fn denied_payload_never_reaches_the_endpoint_and_the_denial_is_logged() {
    if coresdk_tests::solo::delegated() {
        return;
    }
    let logs = global_logs();
    let before = coresdk::stats();
    let (_rt, endpoint, rec) = llm_server(0);
    let dir = tempfile::tempdir().expect("tempdir");
    let socket = socket_in(&dir);
    let policy = dir.path().join("acme_llm.rego");
    std::fs::write(&policy, common::SEED_POLICY).expect("policy");
    let viewer = Viewer::listen(&socket).expect("listen");
    let cfg = builder(&socket, "payment-service")
        .with_llm_export(true)
        .with_llm_endpoint(&endpoint)
        .with_egress_policy("acme/llm", &policy);
    let stack = Stack::new(cfg);
    stack.run(|| failing_trace("o-4"));
    stack.shutdown();
    let events = wait_for(&viewer, TYPE_LLM_EGRESS_DENIED, 1);
    assert_eq!(count(&events, TYPE_LLM_EGRESS_DENIED), 1);
    let more = viewer.collect_until(Duration::from_millis(300), |_| false);
    assert_eq!(
        count(&events, TYPE_LLM_ANALYSIS) + count(&more, TYPE_LLM_ANALYSIS),
        0
    );
    assert!(
        rec.requests.lock().expect("lock").is_empty(),
        "nothing left the host"
    );

    let text = String::from_utf8(logs.lock().expect("lock").clone()).expect("utf8");
    assert!(text.contains("egress policy denied"), "{text}");
    assert!(text.contains("policy=acme/llm"), "{text}");
    let after = coresdk::stats();
    assert!(after.payloads_built > before.payloads_built);
    assert!(after.payloads_denied > before.payloads_denied);

    let mut llm_out = Vec::new();
    let mut tail = LlmTail::new(TailOptions::new());
    for ev in &events {
        tail.handle(ev, &mut llm_out).expect("render");
    }
    let rendered = String::from_utf8(llm_out).expect("utf8");
    assert!(
        rendered.contains("egress denied by policy `acme/llm`"),
        "{rendered}"
    );
    assert!(rendered.contains("egress deny"), "{rendered}");
}

#[test]
fn run_tail_loop_stops_and_renders() {
    if coresdk_tests::solo::delegated() {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let socket = socket_in(&dir);
    let viewer = Viewer::listen(&socket).expect("listen");
    let stack = Stack::new(builder(&socket, "loop-service"));
    stack.run(ok_trace);
    stack.shutdown();
    let mut tail = TraceTail::new(TailOptions::new());
    let buf = Arc::new(Mutex::new(Vec::new()));
    let mut out = SharedWriter(Arc::clone(&buf));
    let deadline = Instant::now() + Duration::from_secs(5);
    viewer::run_tail(&viewer, &mut tail, &mut out, || {
        Instant::now() > deadline
            || String::from_utf8_lossy(&buf.lock().expect("lock")).contains("list_orders")
    })
    .expect("tail");
    let text = String::from_utf8(buf.lock().expect("lock").clone()).expect("utf8");
    assert!(text.contains("[loop-service] ok"), "{text}");
}

#[test]
fn spans_never_go_to_a_socket_of_another_user() {
    if coresdk_tests::solo::delegated() {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let socket = socket_in(&dir);
    let viewer = Viewer::listen(&socket).expect("listen");
    // Only root can give the socket away; elsewhere there is nothing to test.
    if std::os::unix::fs::chown(&socket, Some(54_321), None).is_err() {
        return;
    }
    let stack = Stack::new(builder(&socket, "private-service"));
    stack.run(ok_trace);
    stack.flush();
    let leaked = viewer.collect_until(Duration::from_millis(700), |_| false);
    assert!(leaked.is_empty(), "{leaked:#?}");
    // Ours again: the backlog is replayed.
    let uid = std::fs::metadata(dir.path()).map(|m| std::os::unix::fs::MetadataExt::uid(&m));
    std::os::unix::fs::chown(&socket, uid.ok(), None).expect("chown back");
    let events = wait_for(&viewer, TYPE_TRACE_SPAN, 2);
    assert_eq!(count(&events, TYPE_TRACE_SPAN), 2);
    stack.shutdown();
}

/// A local server whose chat endpoint answers `307` to `target`, counting requests.
fn redirecting_server(target: &str) -> (tokio::runtime::Runtime, String, Arc<AtomicUsize>) {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let hits = Arc::new(AtomicUsize::new(0));
    let (counter, target) = (Arc::clone(&hits), target.to_owned());
    let app = Router::new().route(
        "/v1/chat/completions",
        post(move || {
            counter.fetch_add(1, Ordering::SeqCst);
            let target = target.clone();
            async move {
                (
                    StatusCode::TEMPORARY_REDIRECT,
                    [(axum::http::header::LOCATION, target)],
                    "moved",
                )
            }
        }),
    );
    let listener = rt
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    rt.spawn(async move { axum::serve(listener, app).await });
    (rt, format!("http://{addr}/v1/chat/completions"), hits)
}

#[test]
fn redirects_are_never_followed_and_endpoint_credentials_never_shown() {
    const PASSWORD: &str = "pa55w0rd-not-for-logs";
    if coresdk_tests::solo::delegated() {
        return;
    }
    let (_rt_other, other_origin, other) = llm_server(0);
    let (_rt, first, hits) = redirecting_server(&other_origin);
    let endpoint = first.replacen("http://", &format!("http://diag:{PASSWORD}@"), 1);
    let dir = tempfile::tempdir().expect("tempdir");
    let socket = socket_in(&dir);
    let viewer = Viewer::listen(&socket).expect("listen");
    let failed_before = coresdk::stats().payloads_failed;
    let cfg = || {
        builder(&socket, "orders-service")
            .with_llm_export(true)
            .with_llm_endpoint(&endpoint)
    };
    let config = cfg().build().expect("config");
    let debug = format!("{config:?}");
    assert!(!debug.contains(PASSWORD), "{debug}");
    let shown: Vec<String> = config
        .resolved_values()
        .iter()
        .map(ToString::to_string)
        .collect();
    assert!(!shown.join("\n").contains(PASSWORD), "{shown:#?}");
    let stack = Stack::new(cfg());
    stack.run(|| failing_trace("o-5"));
    stack.shutdown();

    let events = wait_for(&viewer, TYPE_LLM_ANALYSIS, 1);
    let analysis = events
        .iter()
        .find(|e| e.event_type == TYPE_LLM_ANALYSIS)
        .expect("analysis event");
    let error = analysis.data["error"].as_str().expect("a failed send");
    assert!(error.contains("307"), "{error}");
    assert_eq!(hits.load(Ordering::SeqCst), 1, "a redirect is not retried");
    assert!(
        other.requests.lock().expect("lock").is_empty(),
        "nothing reached the second origin"
    );
    for ev in &events {
        let line = ev.to_json_line();
        assert!(!line.contains(PASSWORD), "{line}");
    }
    assert!(coresdk::stats().payloads_failed > failed_before);
}

//! Payload content: what the diagnostic stage builds for failed traces, read
//! back from the local socket as a `core llm tail` listener would.

use crate::common;

use std::time::Duration;

use common::{Stack, assert_seed_shape, builder, count, payloads, socket_in, spans, wait_for};
use coresdk::egress::viewer::Viewer;
use coresdk::egress::{
    ChainEntry, EgressDecision, TYPE_LLM_DIAGNOSTIC, TYPE_LLM_EGRESS_DENIED, TYPE_TRACE_SPAN,
};
use coresdk::genai::attributes::{
    CODE_FILE_PATH, CODE_FUNCTION_NAME, CODE_LINE_NUMBER, CORESDK_INTENT, CORESDK_PROBLEM_DETAIL,
    CORESDK_PROBLEM_STATUS, CORESDK_PROBLEM_TITLE, CORESDK_PROBLEM_TYPE, CORESDK_RECOVERY_HINT,
    ERROR_TYPE, SERVER_ADDRESS,
};
use coresdk::pipeline::LlmDiagnostic;
use coresdk::pipeline::diagnostic::DiagnosticError;
use tracing::{Instrument, info_span};

const SECRET: &str = "tok_live_9f8e7d6c5b4a";

/// The seed's example: a handler calling the inventory service, which times out.
fn seed_example() {
    let handler = info_span!(
        "create_order",
        { CORESDK_INTENT } = "handle incoming order creation request",
        { CODE_FUNCTION_NAME } = "orders::handler::create_order",
        { CODE_FILE_PATH } = "src/orders/handler.rs",
        { CODE_LINE_NUMBER } = 42_i64,
        customer_token = SECRET,
        warehouse = "east-7",
        otel.status_code = "ERROR",
        otel.status_message = "inventory timeout",
    );
    handler.in_scope(|| {
        let inventory = info_span!(
            "check_inventory",
            { CORESDK_INTENT } = "call downstream inventory service",
            { CODE_FUNCTION_NAME } = "orders::inventory::check_inventory",
            { CODE_FILE_PATH } = "src/orders/inventory.rs",
            { CODE_LINE_NUMBER } = 17_i64,
            { CORESDK_RECOVERY_HINT } = "check inventory service health",
            { CORESDK_PROBLEM_TYPE } = "https://coresdk.dev/errors/upstream-timeout",
            { CORESDK_PROBLEM_TITLE } = "Upstream Timeout",
            { CORESDK_PROBLEM_STATUS } = 504_i64,
            { CORESDK_PROBLEM_DETAIL } = "inventory service did not respond within 2000ms",
            { ERROR_TYPE } = "timeout",
            sku = SECRET,
            otel.status_code = "ERROR",
            otel.status_message = format!("GET /stock?token={SECRET} timed out"),
        );
        inventory.in_scope(|| std::thread::sleep(Duration::from_millis(15)));
    });
}

#[test]
fn seed_example_payload() {
    let dir = tempfile::tempdir().expect("tempdir");
    let socket = socket_in(&dir);
    let viewer = Viewer::listen(&socket).expect("listen");
    let cfg = builder(&socket, "orders-service").with_llm_export(true);
    let stack = Stack::new(cfg);
    stack.run(seed_example);
    stack.shutdown();

    let events = wait_for(&viewer, TYPE_LLM_DIAGNOSTIC, 1);
    let found = payloads(&events);
    assert_eq!(found.len(), 1, "one failed trace, one payload");
    let p = &found[0];
    assert_eq!(p.service, "orders-service");
    assert_eq!(p.sdk_version, coresdk::egress::SDK_VERSION);
    assert_eq!(
        p.error.type_uri,
        "https://coresdk.dev/errors/upstream-timeout"
    );
    assert_eq!(p.error.title, "Upstream Timeout");
    assert_eq!(p.error.status, Some(504));
    assert_eq!(
        p.error.detail.as_deref(),
        Some("inventory service did not respond within 2000ms")
    );
    assert_eq!(p.egress_policy, None);
    assert_eq!(p.egress_decision, Some(EgressDecision::Allow));
    let frames: Vec<_> = p.frames().collect();
    assert_eq!(frames.len(), 2);
    assert_eq!(frames[0].module, "orders::handler::create_order");
    assert_eq!(frames[0].file.as_deref(), Some("src/orders/handler.rs"));
    assert_eq!(frames[0].line, Some(42));
    assert_eq!(frames[0].intent, "handle incoming order creation request");
    assert!(frames[0].error);
    assert_eq!(frames[0].recovery_hint, None);
    assert_eq!(frames[1].module, "orders::inventory::check_inventory");
    assert_eq!(frames[1].file.as_deref(), Some("src/orders/inventory.rs"));
    assert_eq!(frames[1].line, Some(17));
    assert_eq!(frames[1].intent, "call downstream inventory service");
    assert!(frames[1].error);
    assert!(frames[1].duration_ms >= 15);
    assert!(frames[0].duration_ms >= frames[1].duration_ms);
    assert_eq!(
        frames[1].recovery_hint.as_deref(),
        Some("check inventory service health")
    );

    let diag = events
        .iter()
        .find(|e| e.event_type == TYPE_LLM_DIAGNOSTIC)
        .expect("event");
    let json = serde_json::to_string(&diag.data).expect("json");
    assert_seed_shape(&json);
    assert!(
        !json.contains(SECRET),
        "no attribute value outside the whitelist"
    );
    assert!(!json.contains("stock?token"), "no status message");

    // The viewer, in contrast, shows the full (masked) spans.
    let trace_id = diag.subject.clone().expect("subject is the trace id");
    let already = count(&events, TYPE_TRACE_SPAN);
    let mut all = viewer.collect_until(Duration::from_secs(5), |evs| {
        already + count(evs, TYPE_TRACE_SPAN) >= 2
    });
    all.extend(events);
    let spans = spans(&all);
    assert_eq!(spans.len(), 2);
    assert!(spans.iter().all(|s| s.trace_id == trace_id));
    let inventory = spans
        .iter()
        .find(|s| s.name == "check_inventory")
        .expect("span");
    assert_eq!(
        inventory.attributes["sku"], SECRET,
        "the local viewer shows values"
    );
}

#[tracing::instrument(level = "info")]
fn load_stock(sku: &str) {
    let chat = info_span!(
        "chat gpt-4o",
        otel.kind = "client",
        { SERVER_ADDRESS } = "api.openai.com",
        { ERROR_TYPE } = "rate_limit_exceeded",
        prompt = sku,
        otel.status_code = "ERROR",
    );
    chat.in_scope(|| ());
}

#[test]
fn nested_trace_instrument_and_provider_spans() {
    let dir = tempfile::tempdir().expect("tempdir");
    let socket = socket_in(&dir);
    let viewer = Viewer::listen(&socket).expect("listen");
    let cfg = builder(&socket, "orders-service").with_llm_export(true);
    let stack = Stack::new(cfg);
    stack.run(|| {
        let root = info_span!(
            "restock",
            { CORESDK_INTENT } = "restock the warehouse from supplier suggestions",
            { CODE_FUNCTION_NAME } = "orders::restock::run",
            { CORESDK_PROBLEM_TYPE } = "https://coresdk.dev/errors/upstream",
            { CORESDK_PROBLEM_TITLE } = "Upstream LLM failure",
            { CORESDK_PROBLEM_STATUS } = 502_i64,
            { CORESDK_PROBLEM_DETAIL } = "the model provider rejected the request",
            otel.status_code = "ERROR",
        );
        root.in_scope(|| {
            // A sibling that succeeded is not on the chain.
            info_span!("audit", { CORESDK_INTENT } = "write audit record").in_scope(|| ());
            load_stock(SECRET);
        });
    });
    stack.shutdown();

    let events = wait_for(&viewer, TYPE_LLM_DIAGNOSTIC, 1);
    let p = payloads(&events).pop().expect("payload");
    let frames: Vec<_> = p.frames().collect();
    assert_eq!(frames.len(), 3, "{frames:#?}");
    assert_eq!(
        frames[0].intent,
        "restock the warehouse from supplier suggestions"
    );
    // `#[tracing::instrument]`: no intent, so the span name; module from its location.
    assert_eq!(frames[1].intent, "load_stock");
    assert_eq!(frames[1].module, module_path!());
    assert_eq!(frames[1].file.as_deref(), Some(file!()));
    assert!(frames[1].line.is_some());
    assert!(!frames[1].error);
    // Provider span: an intent naming the operation, never content.
    assert_eq!(frames[2].intent, "chat gpt-4o");
    assert!(frames[2].error);
    assert_eq!(p.error.status, Some(502));
    assert_eq!(p.error.title, "Upstream LLM failure");
    let json = p.to_json();
    assert!(!json.contains(SECRET));
    assert!(!json.contains("api.openai.com"));
    assert!(!json.contains("audit"));
}

#[test]
fn async_fan_out_chain_follows_the_failing_branch() {
    let dir = tempfile::tempdir().expect("tempdir");
    let socket = socket_in(&dir);
    let viewer = Viewer::listen(&socket).expect("listen");
    let cfg = builder(&socket, "orders-service").with_llm_export(true);
    let stack = Stack::new(cfg);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("runtime");
    stack.run(|| {
        let root = info_span!(
            "quote",
            { CORESDK_INTENT } = "price an order from three suppliers"
        );
        rt.block_on(
            async {
                let branch = |name: &'static str, fail: bool, ms: u64| {
                    let span = if fail {
                        info_span!(
                            "supplier",
                            { CORESDK_INTENT } = name,
                            { CORESDK_PROBLEM_TITLE } = "Supplier Unavailable",
                            { CORESDK_PROBLEM_STATUS } = 503_i64,
                            otel.status_code = "ERROR",
                        )
                    } else {
                        info_span!("supplier", { CORESDK_INTENT } = name)
                    };
                    async move {
                        tokio::time::sleep(Duration::from_millis(ms)).await;
                    }
                    .instrument(span)
                };
                tokio::join!(
                    branch("ask supplier A", false, 5),
                    branch("ask supplier B", true, 10),
                    branch("ask supplier C", false, 15),
                );
            }
            .instrument(root),
        );
    });
    stack.shutdown();

    let events = wait_for(&viewer, TYPE_LLM_DIAGNOSTIC, 1);
    let p = payloads(&events).pop().expect("payload");
    let intents: Vec<&str> = p.frames().map(|f| f.intent.as_str()).collect();
    assert_eq!(
        intents,
        ["price an order from three suppliers", "ask supplier B"]
    );
    assert_eq!(p.error.title, "Supplier Unavailable");
    assert_eq!(p.error.type_uri, "about:blank");
    assert_eq!(p.error.status, Some(503));
}

fn nest(depth: usize) {
    if depth == 0 {
        let leaf = info_span!(
            "leaf",
            { CORESDK_INTENT } = "the failing leaf",
            // A typed problem: its detail is sent as written, so it is long.
            { CORESDK_PROBLEM_TYPE } = "https://coresdk.dev/errors/test",
            { CORESDK_PROBLEM_STATUS } = 500_i64,
            { CORESDK_PROBLEM_DETAIL } = "x".repeat(3000),
            otel.status_code = "ERROR",
        );
        leaf.in_scope(|| ());
        return;
    }
    let span = info_span!(
        "level",
        { CORESDK_INTENT } = format!("level {depth} of a deliberately deep call chain"),
    );
    span.in_scope(|| nest(depth - 1));
}

#[test]
fn deep_chain_is_truncated_within_max_payload_bytes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let socket = socket_in(&dir);
    let viewer = Viewer::listen(&socket).expect("listen");
    let cfg = builder(&socket, "orders-service")
        .with_llm_export(true)
        .with_max_payload_bytes(1024);
    let stack = Stack::new(cfg);
    stack.run(|| nest(60));
    stack.shutdown();

    let events = wait_for(&viewer, TYPE_LLM_DIAGNOSTIC, 1);
    let diag = events
        .iter()
        .find(|e| e.event_type == TYPE_LLM_DIAGNOSTIC)
        .expect("event");
    let json = serde_json::to_string(&diag.data).expect("json");
    assert!(json.len() <= 1024, "{} bytes", json.len());
    assert_seed_shape(&json);
    let p = payloads(&events).pop().expect("payload");
    let ChainEntry::Frame(first) = &p.call_chain[0] else {
        panic!("root first")
    };
    assert_eq!(first.intent, "level 60 of a deliberately deep call chain");
    let ChainEntry::Elided { elided_frames } = p.call_chain[1] else {
        panic!("elision marker second: {:?}", p.call_chain)
    };
    assert_eq!(elided_frames + p.frames().count(), 61);
    let ChainEntry::Frame(last) = p.call_chain.last().expect("last") else {
        panic!("failing frame last")
    };
    assert_eq!(last.intent, "the failing leaf");
    assert!(p.error.detail.as_deref().is_some_and(|d| d.ends_with('…')));
}

/// A chain of `levels` spans under which a leaf fails, built without
/// recursion: the leaf ends first, then every level up to the root.
fn deep_chain(levels: usize) {
    let mut entered = Vec::with_capacity(levels);
    entered.push(
        info_span!(
            "level",
            { CORESDK_INTENT } = "the root of a very deep chain"
        )
        .entered(),
    );
    for _ in 1..levels {
        entered.push(
            info_span!("level", { CORESDK_INTENT } = "a level of a very deep chain").entered(),
        );
    }
    info_span!(
        "leaf",
        { CORESDK_INTENT } = "the failing leaf",
        otel.status_code = "ERROR",
    )
    .in_scope(|| ());
    while let Some(span) = entered.pop() {
        span.exit();
    }
}

/// The payload of a failed chain of `frames` frames (root and leaf included).
fn deep_payload(frames: usize, max_payload_bytes: usize) {
    let dir = tempfile::tempdir().expect("tempdir");
    let socket = socket_in(&dir);
    // The viewer reads only after the run: room for every span event and
    // the payload (a viewer holds a bounded queue for a slow reader).
    let viewer = Viewer::listen_bounded(&socket, frames * 2 + 16).expect("listen");
    let cfg = builder(&socket, "orders-service")
        .with_llm_export(true)
        .with_queue_size(frames * 2)
        // Ten thousand spans and the viewer's events through an unoptimised
        // build on a busy machine can outlast the default shutdown budget,
        // which is not what this test pins.
        .with_shutdown_timeout(Duration::from_mins(1))
        .with_max_payload_bytes(max_payload_bytes);
    let stack = Stack::new(cfg);
    stack.run(|| deep_chain(frames - 1));
    stack.shutdown();

    let events = wait_for(&viewer, TYPE_LLM_DIAGNOSTIC, 1);
    let diag = events
        .iter()
        .find(|e| e.event_type == TYPE_LLM_DIAGNOSTIC)
        .unwrap_or_else(|| panic!("no payload for a {frames}-frame chain"));
    let json = serde_json::to_string(&diag.data).expect("json");
    assert!(json.len() <= max_payload_bytes, "{} bytes", json.len());
    assert_seed_shape(&json);
    let p = payloads(&events).pop().expect("payload");
    let ChainEntry::Frame(first) = &p.call_chain[0] else {
        panic!("root first")
    };
    assert_eq!(first.intent, "the root of a very deep chain");
    let ChainEntry::Frame(last) = p.call_chain.last().expect("last") else {
        panic!("failing frame last")
    };
    assert_eq!(last.intent, "the failing leaf");
    assert!(last.error);
    let elided: usize = p
        .call_chain
        .iter()
        .map(|e| match e {
            ChainEntry::Elided { elided_frames } => *elided_frames,
            ChainEntry::Frame(_) => 0,
        })
        .sum();
    assert_eq!(
        elided + p.frames().count(),
        frames,
        "kept {} and elided {elided} of {frames}",
        p.frames().count()
    );
}

#[test]
fn chains_deeper_than_the_frame_allowance_count_their_elided_frames_exactly() {
    deep_payload(2_001, 8192);
}

#[test]
fn a_ten_thousand_deep_failing_trace_gets_a_payload_within_the_limit() {
    deep_payload(10_000, 8192);
}

#[test]
fn disabled_export_builds_no_payload_but_the_viewer_still_works() {
    let dir = tempfile::tempdir().expect("tempdir");
    let socket = socket_in(&dir);
    let viewer = Viewer::listen(&socket).expect("listen");
    let cfg = builder(&socket, "orders-service").build().expect("config");
    assert!(!cfg.llm_export().enabled());
    let stage = LlmDiagnostic::from_config(&cfg).expect("stage");
    assert!(!stage.is_enabled());
    let stack = Stack::new(builder(&socket, "orders-service"));
    let capture = stack.capture.clone();
    stack.run(seed_example);
    stack.shutdown();
    let events = wait_for(&viewer, TYPE_TRACE_SPAN, 2);
    assert_eq!(count(&events, TYPE_TRACE_SPAN), 2);
    // Give a (wrongly built) payload time to arrive.
    let more = viewer.collect_until(Duration::from_millis(300), |_| false);
    assert_eq!(
        count(&events, TYPE_LLM_DIAGNOSTIC) + count(&more, TYPE_LLM_DIAGNOSTIC),
        0
    );
    // The next stage saw every span, unchanged.
    assert_eq!(capture.spans().len(), 2);
}

#[test]
fn slow_successful_trace_builds_a_payload_when_configured() {
    let dir = tempfile::tempdir().expect("tempdir");
    let socket = socket_in(&dir);
    let viewer = Viewer::listen(&socket).expect("listen");
    let cfg = builder(&socket, "orders-service")
        .with_config_yaml("llm_export:\n  enabled: true\n  slow_threshold_ms: 200\n");
    let stack = Stack::new(cfg);
    stack.run(|| {
        info_span!("fast", { CORESDK_INTENT } = "fast request").in_scope(|| ());
        info_span!("handler", { CORESDK_INTENT } = "slow request").in_scope(|| {
            info_span!("db", { CORESDK_INTENT } = "slow query")
                .in_scope(|| std::thread::sleep(Duration::from_millis(250)));
        });
    });
    stack.shutdown();
    let events = wait_for(&viewer, TYPE_LLM_DIAGNOSTIC, 1);
    let found = payloads(&events);
    assert_eq!(found.len(), 1);
    let p = &found[0];
    assert_eq!(
        p.error.type_uri,
        coresdk::pipeline::diagnostic::SLOW_SPAN_PROBLEM_TYPE
    );
    assert_eq!(p.error.status, None);
    let intents: Vec<&str> = p.frames().map(|f| f.intent.as_str()).collect();
    assert_eq!(intents, ["slow request", "slow query"]);
    assert!(p.frames().all(|f| !f.error));
}

#[test]
fn seed_policy_denies_payment_service_and_notes_it_locally() {
    let dir = tempfile::tempdir().expect("tempdir");
    let socket = socket_in(&dir);
    let policy = dir.path().join("acme_llm.rego");
    std::fs::write(&policy, common::SEED_POLICY).expect("write policy");
    let viewer = Viewer::listen(&socket).expect("listen");
    let cfg = builder(&socket, "payment-service")
        .with_llm_export(true)
        .with_egress_policy("acme/llm", &policy);
    let stack = Stack::new(cfg);
    stack.run(seed_example);
    stack.shutdown();
    let events = wait_for(&viewer, TYPE_LLM_EGRESS_DENIED, 1);
    let p = payloads(&events)
        .pop()
        .expect("payload still shown locally");
    assert_eq!(p.egress_policy.as_deref(), Some("acme/llm"));
    assert_eq!(p.egress_decision, Some(EgressDecision::Deny));
    let denied = events
        .iter()
        .find(|e| e.event_type == TYPE_LLM_EGRESS_DENIED)
        .expect("denial event");
    assert_eq!(denied.data["policy"], "acme/llm");
    assert_eq!(denied.data["reason"], "data.acme.llm.allow = false");
}

#[test]
fn policy_setup_errors() {
    let dir = tempfile::tempdir().expect("tempdir");
    let socket = socket_in(&dir);
    let bad = dir.path().join("bad.rego");
    std::fs::write(&bad, "package acme.llm\n\nallow if {\n  input.x ==\n}\n").expect("write");
    let cfg = builder(&socket, "svc")
        .with_llm_export(true)
        .with_egress_policy("acme/llm", &bad)
        .build()
        .expect("config");
    let err = LlmDiagnostic::from_config(&cfg).expect_err("bad");
    assert!(matches!(err, DiagnosticError::InvalidPolicy(_)), "{err:?}");
    assert!(err.to_string().contains("bad.rego:5:1"), "{err}");
    // The same problem stops `coresdk::layer` / `instrument_with` at setup.
    let cfg = builder(&socket, "svc")
        .with_llm_export(true)
        .with_egress_policy("acme/llm", &bad)
        .build()
        .expect("config");
    let Err(err) = coresdk::layer::<tracing_subscriber::Registry>(cfg) else {
        panic!("setup must fail on a malformed policy")
    };
    assert!(err.to_string().contains("bad.rego:5:1"), "{err}");

    let missing = dir.path().join("missing.rego");
    let cfg = builder(&socket, "svc")
        .with_llm_export(true)
        .with_egress_policy("acme/llm", &missing)
        .build()
        .expect("config");
    let err = LlmDiagnostic::from_config(&cfg).expect_err("missing");
    assert!(matches!(err, DiagnosticError::Policy { .. }), "{err:?}");

    let cfg = builder(&socket, "svc")
        .with_llm_export(true)
        .with_config_yaml("llm_export:\n  customer_egress_policy: acme/llm\n")
        .build()
        .expect("config");
    let err = LlmDiagnostic::from_config(&cfg).expect_err("no file");
    assert!(
        matches!(err, DiagnosticError::PolicyFileMissing { .. }),
        "{err:?}"
    );

    // Export disabled: the policy is not even read.
    let cfg = builder(&socket, "svc")
        .with_egress_policy("acme/llm", &missing)
        .build()
        .expect("config");
    assert!(LlmDiagnostic::from_config(&cfg).is_ok());
}

#[test]
fn problem_detail_in_the_payload_is_the_masked_text() {
    let dir = tempfile::tempdir().expect("tempdir");
    let socket = socket_in(&dir);
    let viewer = Viewer::listen(&socket).expect("listen");
    let stack = Stack::new(builder(&socket, "billing-service").with_llm_export(true));
    stack.run(|| {
        info_span!(
            "charge",
            { CORESDK_INTENT } = "charge the customer's card",
            { CORESDK_PROBLEM_TITLE } = "Card Declined",
            { CORESDK_PROBLEM_STATUS } = 502_i64,
            { CORESDK_PROBLEM_DETAIL } =
                "card 4111 1111 1111 1111 declined for jane.doe@example.com",
            otel.status_code = "ERROR",
        )
        .in_scope(|| ());
    });
    stack.shutdown();
    let events = wait_for(&viewer, TYPE_LLM_DIAGNOSTIC, 1);
    let p = payloads(&events).pop().expect("payload");
    let detail = p.error.detail.expect("detail kept, masked");
    assert!(detail.starts_with("card "), "{detail}");
    assert!(detail.contains("declined for"), "{detail}");
    assert!(!detail.contains("4111"), "{detail}");
    assert!(!detail.contains("jane.doe@example.com"), "{detail}");
}

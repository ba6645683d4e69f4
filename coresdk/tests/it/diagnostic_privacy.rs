//! Property: traced call trees whose arguments, attributes and error messages
//! hold random secrets never leak them into a payload; every payload parses,
//! has the seed's shape and fits `max_payload_bytes`.

use crate::common;

use common::{Stack, assert_seed_shape, builder, count, socket_in, wait_for};
use coresdk::egress::viewer::Viewer;
use coresdk::egress::{DiagnosticPayload, TYPE_LLM_DIAGNOSTIC};
use coresdk::genai::attributes::{
    CODE_FUNCTION_NAME, CORESDK_INTENT, CORESDK_PROBLEM_DETAIL, CORESDK_PROBLEM_STATUS,
    CORESDK_PROBLEM_TITLE, CORESDK_RECOVERY_HINT, ERROR_TYPE,
};
use proptest::prelude::*;
use tracing::field::Empty;

/// What the masking stage leaves of an error message holding a secret.
const MASKED_DETAIL: &str = "payment gateway rejected token <REDACTED>";

const INTENTS: &[&str] = &[
    "handle incoming order creation request",
    "validate payment token before charging",
    "call downstream inventory service",
    "persist order to database",
    "ask the model for a summary",
];

#[derive(Debug, Clone)]
struct Node {
    intent: usize,
    fails: bool,
    secret: String,
    children: Vec<Node>,
}

fn secret() -> impl Strategy<Value = String> {
    "[A-Za-z0-9_+/=-]{16,40}"
}

fn tree() -> impl Strategy<Value = Node> {
    let leaf =
        (0..INTENTS.len(), any::<bool>(), secret()).prop_map(|(intent, fails, secret)| Node {
            intent,
            fails,
            secret,
            children: Vec::new(),
        });
    leaf.prop_recursive(5, 40, 4, |inner| {
        (
            0..INTENTS.len(),
            any::<bool>(),
            secret(),
            prop::collection::vec(inner, 0..4),
        )
            .prop_map(|(intent, fails, secret, children)| Node {
                intent,
                fails,
                secret,
                children,
            })
    })
}

fn secrets(node: &Node, out: &mut Vec<String>) {
    out.push(node.secret.clone());
    for c in &node.children {
        secrets(c, out);
    }
}

fn emit(node: &Node) {
    let span = tracing::info_span!(
        "step",
        { CORESDK_INTENT } = INTENTS[node.intent],
        { CODE_FUNCTION_NAME } = "orders::flow::step",
        { CORESDK_RECOVERY_HINT } = Empty,
        { CORESDK_PROBLEM_TITLE } = Empty,
        { CORESDK_PROBLEM_STATUS } = Empty,
        { CORESDK_PROBLEM_DETAIL } = Empty,
        { ERROR_TYPE } = Empty,
        token = node.secret.as_str(),
        user.email = format!("{}@example.com", node.secret),
        otel.status_code = Empty,
        otel.status_message = Empty,
    );
    span.in_scope(|| {
        for child in &node.children {
            emit(child);
        }
        if node.fails {
            tracing::error!(error = %format!("token {} rejected", node.secret), "call failed");
            span.record(CORESDK_RECOVERY_HINT, "rotate credentials");
            span.record(CORESDK_PROBLEM_TITLE, "Payment Rejected");
            span.record(CORESDK_PROBLEM_STATUS, 502_i64);
            span.record(CORESDK_PROBLEM_DETAIL, MASKED_DETAIL);
            span.record(ERROR_TYPE, "PaymentError");
            span.record("otel.status_code", "ERROR");
            span.record(
                "otel.status_message",
                format!("gateway said: token {} is invalid", node.secret).as_str(),
            );
        }
    });
}

fn any_fails(node: &Node) -> bool {
    node.fails || node.children.iter().any(any_fails)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, .. ProptestConfig::default() })]

    #[test]
    fn payloads_never_carry_secrets(mut root in tree(), max in 512_usize..4096) {
        if !any_fails(&root) {
            root.fails = true;
        }
        let dir = tempfile::tempdir().expect("tempdir");
        let socket = socket_in(&dir);
        let viewer = Viewer::listen(&socket).expect("listen");
        let cfg = builder(&socket, "orders-service")
            .with_llm_export(true)
            .with_max_payload_bytes(max)
            ;
        let stack = Stack::new(cfg);
        stack.run(|| emit(&root));
        stack.shutdown();

        let events = wait_for(&viewer, TYPE_LLM_DIAGNOSTIC, 1);
        prop_assert_eq!(count(&events, TYPE_LLM_DIAGNOSTIC), 1);
        let mut all = Vec::new();
        secrets(&root, &mut all);
        for ev in events.iter().filter(|e| e.event_type == TYPE_LLM_DIAGNOSTIC) {
            let json = serde_json::to_string(&ev.data).expect("json");
            prop_assert!(json.len() <= max, "{} > {}", json.len(), max);
            assert_seed_shape(&json);
            for s in &all {
                prop_assert!(!json.contains(s.as_str()), "secret {} leaked: {}", s, json);
            }
            let p: DiagnosticPayload = serde_json::from_str(&json).expect("payload");
            let detail = p.error.detail.clone().unwrap_or_default();
            prop_assert!(
                MASKED_DETAIL.starts_with(detail.trim_end_matches('…')),
                "detail is the masked text (maybe shortened): {}", detail
            );
            prop_assert!(p.frames().last().is_some_and(|f| f.error) || p.frames().count() == 0);
        }
    }
}

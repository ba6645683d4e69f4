//! The payload's `error.detail` is value-free by construction: an arbitrary
//! error's `Display` text is reduced to its template, whatever values it holds
//! and wherever they sit; a typed `Problem` keeps its own detail; the local
//! span keeps the (masked) full text.

use crate::common;

use std::fmt;

use common::{Stack, builder, payloads, socket_in, wait_for};
use coresdk::egress::TYPE_LLM_DIAGNOSTIC;
use coresdk::egress::viewer::Viewer;
use coresdk::genai::attributes::CORESDK_PROBLEM_DETAIL;
use coresdk::{Problem, trace};
use opentelemetry::Value;
use proptest::prelude::*;

#[trace(intent = "look the order up")]
fn lookup(message: String) -> Result<(), String> {
    Err(message)
}

#[derive(Debug)]
struct UpstreamTimeout;

impl fmt::Display for UpstreamTimeout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("inventory service did not respond within 2000ms")
    }
}

impl Problem for UpstreamTimeout {
    fn problem_type(&self) -> &'static str {
        "https://coresdk.dev/errors/upstream-timeout"
    }
    fn title(&self) -> &'static str {
        "Upstream Timeout"
    }
    fn status(&self) -> u16 {
        504
    }
}

#[trace(intent = "call downstream inventory service")]
fn check_inventory() -> Result<u64, UpstreamTimeout> {
    Err(UpstreamTimeout)
}

/// Runs `f` in a fresh pipeline and returns the one payload's detail and the
/// `coresdk.problem.detail` the local span kept.
fn detail_of(f: impl FnOnce()) -> (String, Option<String>) {
    let dir = tempfile::tempdir().expect("tempdir");
    let socket = socket_in(&dir);
    let viewer = Viewer::listen(&socket).expect("listen");
    let stack = Stack::new(builder(&socket, "orders-service").with_llm_export(true));
    stack.run(f);
    let capture = stack.capture.clone();
    stack.shutdown();
    let events = wait_for(&viewer, TYPE_LLM_DIAGNOSTIC, 1);
    let payload = payloads(&events).pop().expect("one payload");
    let local = capture.spans().iter().find_map(|s| {
        s.attributes
            .iter()
            .find(|kv| kv.key.as_str() == CORESDK_PROBLEM_DETAIL)
            .map(|kv| match &kv.value {
                Value::String(s) => s.as_str().to_owned(),
                other => other.to_string(),
            })
    });
    (payload.error.detail.unwrap_or_default(), local)
}

#[test]
fn display_detail_is_templated_and_the_span_keeps_the_text() {
    let message = "lookup failed for user_id=u-98765, order=ORD-20250101";
    let (detail, local) = detail_of(|| {
        let _ = lookup(message.to_owned());
    });
    assert_eq!(detail, "lookup failed for user_id=<*>, order=<*>");
    assert_eq!(local.as_deref(), Some(message));
}

#[test]
fn a_typed_problem_keeps_the_seed_detail() {
    let (detail, _) = detail_of(|| {
        let _ = check_inventory();
    });
    assert_eq!(detail, "inventory service did not respond within 2000ms");
}

/// A value that must never reach the payload, in one of many shapes.
fn value() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z]{1,4}[-_]?[0-9]{3,9}",
        "[A-Z]{2,4}-[0-9]{6,10}",
        "-?[1-9][0-9]{3,9}(\\.[0-9]{1,3})?",
        "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",
        "[0-9a-f]{12,40}",
        "[a-z]{3,8}\\.[a-z]{3,8}\\.(internal|com|io)",
        "[a-z]{3,8}@[a-z]{3,8}\\.(com|org)",
        "(/[a-z0-9_]{2,8}){2,4}",
        "https://[a-z]{3,6}:[a-z0-9]{6,10}@[a-z]{3,8}\\.com/[a-z]{2,6}",
        "(1[0-9]{2}|2[0-4][0-9])\\.[0-9]{1,3}\\.[0-9]{1,3}\\.[0-9]{1,3}",
        "[A-Za-z0-9+/]{26,40}",
    ]
}

/// A plain-word value (a name, a tenant) that only its position gives away.
fn word_value() -> impl Strategy<Value = String> {
    "[a-z]{6,12}"
}

/// One way of embedding `v` in a sentence.
fn embed(shape: usize, key: &str, v: &str) -> String {
    match shape % 9 {
        0 => format!("{key}={v}"),
        1 => format!("{key}={v},"),
        2 => format!("'{v}'"),
        3 => format!("\"{v}\""),
        4 => format!("({v})"),
        5 => format!("{v}:"),
        6 => format!("{key} = {v}"),
        7 => format!("`{v}`."),
        _ => format!("[{v}]"),
    }
}

const WORDS: &[&str] = &[
    "lookup", "failed", "for", "while", "the", "request", "to", "service", "was", "rejected",
    "because", "of", "an", "invalid", "state", "in", "after", "retrying",
];
const KEYS: &[&str] = &[
    "user_id", "order", "tenant", "api_key", "host", "path", "name",
];

/// An error message: prose words with values embedded in random shapes.
fn message() -> impl Strategy<Value = (String, Vec<String>)> {
    (
        prop::collection::vec(0..WORDS.len(), 2..10),
        prop::collection::vec((value(), 0..KEYS.len(), 0usize..9, 0usize..10), 1..4),
        prop::collection::vec(
            (word_value(), 0..KEYS.len(), any::<bool>(), 0usize..10),
            0..2,
        ),
    )
        .prop_map(|(words, values, named)| {
            let mut parts: Vec<String> = words.iter().map(|&w| WORDS[w].to_owned()).collect();
            let mut secrets = Vec::new();
            for (v, key, shape, at) in values {
                let at = at.min(parts.len());
                parts.insert(at, embed(shape, KEYS[key], &v));
                secrets.push(v);
            }
            // Plain words are only values where the sentence says so: after
            // `key=`, `key = `, or between quotes.
            for (v, key, quoted, at) in named {
                let at = at.min(parts.len());
                let shape = if quoted { 3 } else { 0 };
                parts.insert(at, embed(shape, KEYS[key], &v));
                secrets.push(v);
            }
            (parts.join(" "), secrets)
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 40, .. ProptestConfig::default() })]

    #[test]
    fn no_value_reaches_the_payload((message, secrets) in message()) {
        let (detail, _) = detail_of(|| {
            let _ = lookup(message.clone());
        });
        prop_assert!(!detail.is_empty());
        for s in &secrets {
            prop_assert!(!detail.contains(s.as_str()), "{s:?} in {detail:?} (from {message:?})");
        }
        // Prose survives.
        prop_assert!(WORDS.iter().any(|w| detail.contains(w)), "{detail:?}");
    }
}

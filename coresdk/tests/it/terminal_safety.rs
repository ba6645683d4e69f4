//! Every human-readable output escapes control characters: span names,
//! attributes, events, error details, policy reasons and the remote LLM's
//! analysis cannot drive the terminal; `--json` stays exact JSON.

use coresdk::egress::viewer::{LlmTail, TailOptions, TraceTail};
use coresdk::egress::{
    CloudEvent, SpanEventRecord, SpanRecord, TYPE_LLM_ANALYSIS, TYPE_LLM_DIAGNOSTIC,
    TYPE_LLM_EGRESS_DENIED, TYPE_TRACE_SPAN,
};
use serde_json::{Map, json};

/// Clear screen, window title, OSC 52 clipboard, OSC 8 link, 8-bit CSI, a
/// forged line and a bidi override.
const HOSTILE: &str = "\x1b[2J\x1b]0;owned\x07\x1b]52;c;aGk=\x07\x1b]8;;http://x\x1b\\link\u{9b}31m\nforged line\u{202e}";

fn assert_inert(text: &str) {
    for bad in ['\x1b', '\x07', '\u{9b}', '\u{202e}'] {
        assert!(!text.contains(bad), "{bad:?} in {text:?}");
    }
    assert!(!text.contains("\nforged line"), "a forged line: {text:?}");
}

fn hostile_span() -> CloudEvent {
    let mut attributes = Map::new();
    attributes.insert(format!("key{HOSTILE}"), json!(HOSTILE));
    attributes.insert("n".to_owned(), json!(["\u{9b}", 1]));
    let mut event_attributes = Map::new();
    event_attributes.insert("exception.message".to_owned(), json!(HOSTILE));
    let record = SpanRecord {
        trace_id: "4bf92f3577b34da6a3ce929d0e0e4736".to_owned(),
        span_id: "00f067aa0ba902b7".to_owned(),
        parent_span_id: None,
        parent_is_remote: false,
        name: format!("span {HOSTILE}"),
        kind: "internal".to_owned(),
        start_unix_nano: 1_000_000,
        end_unix_nano: 3_000_000,
        duration_ms: 2.0,
        status: "error".to_owned(),
        status_message: Some(HOSTILE.to_owned()),
        attributes,
        events: vec![SpanEventRecord {
            name: format!("exception{HOSTILE}"),
            time_unix_nano: 2_000_000,
            attributes: event_attributes,
        }],
    };
    CloudEvent::new(
        TYPE_TRACE_SPAN,
        &format!("svc{HOSTILE}"),
        Some(record.trace_id.clone()),
        serde_json::to_value(&record).expect("record json"),
    )
}

fn llm_events() -> Vec<CloudEvent> {
    let service = format!("svc{HOSTILE}");
    vec![
        CloudEvent::new(
            TYPE_LLM_DIAGNOSTIC,
            &service,
            Some(HOSTILE.to_owned()),
            json!({"error": {"title": HOSTILE, "status": 500, "detail": HOSTILE},
                   "egress_decision": HOSTILE, "call_chain": []}),
        ),
        CloudEvent::new(
            TYPE_LLM_EGRESS_DENIED,
            &service,
            Some("t".to_owned()),
            json!({"policy": HOSTILE, "reason": HOSTILE}),
        ),
        CloudEvent::new(
            TYPE_LLM_ANALYSIS,
            &service,
            Some("t".to_owned()),
            json!({"model": HOSTILE, "analysis": format!("Root cause:\n{HOSTILE}")}),
        ),
        CloudEvent::new(
            TYPE_LLM_ANALYSIS,
            &service,
            Some("t".to_owned()),
            json!({"model": "m", "error": HOSTILE}),
        ),
    ]
}

#[test]
fn trace_tail_text_is_inert_and_shows_events() {
    let mut tail = TraceTail::new(TailOptions::new());
    let mut out = Vec::new();
    tail.handle(&hostile_span(), &mut out).expect("render");
    let text = String::from_utf8(out).expect("utf8");
    assert_inert(&text);
    assert!(text.contains("! exception"), "events are shown: {text}");
    assert!(text.contains("exception.message="), "{text}");
}

#[test]
fn llm_tail_text_is_inert() {
    let mut tail = LlmTail::new(TailOptions::new());
    let mut out = Vec::new();
    for ev in llm_events() {
        tail.handle(&ev, &mut out).expect("render");
    }
    let text = String::from_utf8(out).expect("utf8");
    assert_inert(&text);
    assert!(
        text.contains("\n  Root cause:\n  "),
        "analysis keeps its lines, indented: {text}"
    );
}

#[test]
fn json_output_is_inert_and_exact() {
    let mut events = llm_events();
    events.push(hostile_span());
    let mut trace_tail = TraceTail::new(TailOptions::new().with_json(true));
    let mut llm_tail = LlmTail::new(TailOptions::new().with_json(true));
    let mut out = Vec::new();
    for ev in &events {
        trace_tail.handle(ev, &mut out).expect("render");
        llm_tail.handle(ev, &mut out).expect("render");
    }
    let text = String::from_utf8(out).expect("utf8");
    for bad in ['\x1b', '\x07', '\u{9b}', '\u{202e}'] {
        assert!(!text.contains(bad), "{bad:?} in json output");
    }
    let back: Vec<CloudEvent> = text
        .lines()
        .map(|l| serde_json::from_str(l).expect("each line is JSON"))
        .collect();
    assert_eq!(back.len(), events.len());
    for ev in &events {
        assert!(back.contains(ev), "the same event, exactly");
    }
}

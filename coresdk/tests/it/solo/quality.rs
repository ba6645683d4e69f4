//! Quality scores through the full pipeline: on the current span, on a held
//! span, and late feedback as a linked `score {name}` span.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::time::Duration;

use crate::support::find;
use coresdk::quality::{self, ScoreError, ScoreTarget};
use coresdk::testing::SpanCapture;
use opentelemetry::trace::{SpanId, SpanKind, TraceId};
use opentelemetry_sdk::trace::SpanData;
use tracing_subscriber::layer::SubscriberExt as _;

fn run<F: FnOnce()>(f: F) -> Vec<SpanData> {
    let capture = SpanCapture::new();
    let config = capture
        .config_builder()
        .with_pii_masking(false)
        // Same in every test of this binary: the GenAI settings are process-wide.
        .with_capture_content(true)
        .build()
        .expect("config");
    let (layer, guard) = coresdk::layer(config).expect("layer");
    let subscriber = tracing_subscriber::registry().with(layer);
    tracing::subscriber::with_default(subscriber, f);
    guard.shutdown().expect("shutdown");
    capture.wait_for(1, Duration::from_secs(2))
}

fn attribute_map(span: &SpanData) -> BTreeMap<String, String> {
    span.attributes
        .iter()
        .filter(|kv| !kv.key.as_str().starts_with("code."))
        .map(|kv| (kv.key.to_string(), kv.value.to_string()))
        .collect()
}

fn event_map(span: &SpanData, index: usize) -> (String, BTreeMap<String, String>) {
    let event = &span.events[index];
    (
        event.name.to_string(),
        event
            .attributes
            .iter()
            .map(|kv| (kv.key.to_string(), kv.value.to_string()))
            .collect(),
    )
}

fn map(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

#[test]
fn scores_land_on_the_current_span_under_the_key_rule() {
    if coresdk_tests::solo::delegated() {
        return;
    }
    let spans = run(|| {
        let root = tracing::info_span!("rag-pipeline");
        let _g = root.enter();
        coresdk::score(quality::DEFAULT_SCORE_NAME, 0.88).unwrap();
        coresdk::score("faithfulness", 0.75).unwrap();
        let child = tracing::info_span!("quality-scoring");
        child.in_scope(|| coresdk::score("relevance", 1.0).unwrap());
        // Rejected scores leave no trace on the span.
        assert!(matches!(
            coresdk::score("faithfulness", 1.2),
            Err(ScoreError::OutOfRange { .. })
        ));
        assert!(matches!(
            coresdk::score("bad name", 0.5),
            Err(ScoreError::InvalidName { .. })
        ));
    });
    let root = find(&spans, "rag-pipeline");
    assert_eq!(
        attribute_map(root),
        map(&[
            ("llm.quality_score", "0.88"),
            ("llm.quality.faithfulness", "0.75"),
        ])
    );
    // Per score: CoreSDK's event and the conventions' evaluation event.
    assert_eq!(root.events.len(), 4);
    assert_eq!(
        event_map(root, 0),
        (
            "quality_scored".to_owned(),
            map(&[
                ("coresdk.score.name", "quality"),
                ("coresdk.score.value", "0.88")
            ])
        )
    );
    assert_eq!(
        event_map(root, 3),
        (
            "gen_ai.evaluation.result".to_owned(),
            map(&[
                ("gen_ai.evaluation.name", "faithfulness"),
                ("gen_ai.evaluation.score.value", "0.75")
            ])
        )
    );
    let child = find(&spans, "quality-scoring");
    assert_eq!(attribute_map(child), map(&[("llm.quality.relevance", "1")]));
}

#[test]
fn score_span_with_source_records_the_source_on_the_event() {
    if coresdk_tests::solo::delegated() {
        return;
    }
    let spans = run(|| {
        let root = tracing::info_span!("answer");
        quality::score_span_from(&root, "quality", 0.25, "llm_judge").unwrap();
    });
    let root = find(&spans, "answer");
    assert_eq!(attribute_map(root), map(&[("llm.quality_score", "0.25")]));
    assert_eq!(
        event_map(root, 0).1,
        map(&[
            ("coresdk.score.name", "quality"),
            ("coresdk.score.value", "0.25"),
            ("coresdk.score.source", "llm_judge"),
        ])
    );
}

#[test]
fn late_feedback_is_a_root_span_linked_to_the_scored_span() {
    if coresdk_tests::solo::delegated() {
        return;
    }
    let mut target = None;
    let spans = run(|| {
        let request = tracing::info_span!("rag-pipeline");
        request.in_scope(|| target = ScoreTarget::current());
        drop(request);
        let target = target.expect("a recorded span");
        // The feedback arrives later, inside another request's span: the
        // score span must not join that trace.
        let handler = tracing::info_span!("POST /feedback");
        handler.in_scope(|| {
            coresdk::score_trace(
                target.to_string().parse::<ScoreTarget>().unwrap(),
                "user_feedback",
                0.0,
            )
            .unwrap();
        });
    });
    let target = target.unwrap();
    let scored = find(&spans, "rag-pipeline");
    assert_eq!(target.trace_id(), scored.span_context.trace_id());
    assert_eq!(target.span_id(), Some(scored.span_context.span_id()));

    let feedback = find(&spans, "score user_feedback");
    let handler = find(&spans, "POST /feedback");
    assert_eq!(feedback.span_kind, SpanKind::Internal);
    assert_eq!(feedback.parent_span_id, SpanId::INVALID);
    assert_ne!(
        feedback.span_context.trace_id(),
        scored.span_context.trace_id()
    );
    assert_ne!(
        feedback.span_context.trace_id(),
        handler.span_context.trace_id()
    );
    let links: Vec<_> = feedback.links.iter().collect();
    assert_eq!(links.len(), 1);
    assert_eq!(
        links[0].span_context.trace_id(),
        scored.span_context.trace_id()
    );
    assert_eq!(
        links[0].span_context.span_id(),
        scored.span_context.span_id()
    );
    assert_eq!(
        attribute_map(feedback),
        map(&[
            ("llm.quality.user_feedback", "0"),
            ("coresdk.score.name", "user_feedback"),
            ("coresdk.score.value", "0"),
            ("coresdk.score.source", "feedback"),
            (
                "coresdk.score.trace_id",
                &scored.span_context.trace_id().to_string()
            ),
            (
                "coresdk.score.span_id",
                &scored.span_context.span_id().to_string()
            ),
        ])
    );
}

#[test]
fn feedback_for_a_bare_trace_id_records_the_id_without_a_link() {
    if coresdk_tests::solo::delegated() {
        return;
    }
    let trace = TraceId::from_hex("4bf92f3577b34da6a3ce929d0e0e4736").unwrap();
    let spans = run(|| {
        quality::score_trace_from(trace, "quality", 0.5, "support_ticket").unwrap();
        assert!(coresdk::score_trace(trace, "quality", -1.0).is_err());
    });
    assert_eq!(spans.len(), 1);
    let feedback = find(&spans, "score quality");
    assert!(feedback.links.is_empty());
    assert_eq!(
        attribute_map(feedback),
        map(&[
            ("llm.quality_score", "0.5"),
            ("coresdk.score.name", "quality"),
            ("coresdk.score.value", "0.5"),
            ("coresdk.score.source", "support_ticket"),
            ("coresdk.score.trace_id", "4bf92f3577b34da6a3ce929d0e0e4736"),
        ])
    );
}

#[test]
fn an_evaluation_event_per_score_with_label_and_explanation() {
    if coresdk_tests::solo::delegated() {
        return;
    }
    let mut target = None;
    let spans = run(|| {
        let span = tracing::info_span!("answer");
        span.in_scope(|| target = ScoreTarget::current());
        let eval = quality::Evaluation::new("relevance", 0.5)
            .with_label("partly relevant")
            .with_explanation("misses the second question")
            .with_source("llm_judge");
        quality::record_evaluation(&span, &eval).unwrap();
        quality::score_span(&span, "quality", 1.0).unwrap();
        drop(span);
        coresdk::score_trace(target.expect("recorded"), "user_feedback", 0.0).unwrap();
    });
    let answer = find(&spans, "answer");
    let evaluations: Vec<_> = (0..answer.events.len())
        .map(|i| event_map(answer, i))
        .filter(|(name, _)| name == "gen_ai.evaluation.result")
        .map(|(_, attrs)| attrs)
        .collect();
    assert_eq!(
        evaluations,
        [
            map(&[
                ("gen_ai.evaluation.name", "relevance"),
                ("gen_ai.evaluation.score.value", "0.5"),
                ("gen_ai.evaluation.score.label", "partly relevant"),
                (
                    "gen_ai.evaluation.explanation",
                    "misses the second question"
                ),
            ]),
            map(&[
                ("gen_ai.evaluation.name", "quality"),
                ("gen_ai.evaluation.score.value", "1"),
            ]),
        ]
    );
    let feedback = find(&spans, "score user_feedback");
    assert_eq!(
        event_map(feedback, 0),
        (
            "gen_ai.evaluation.result".to_owned(),
            map(&[
                ("gen_ai.evaluation.name", "user_feedback"),
                ("gen_ai.evaluation.score.value", "0"),
            ])
        )
    );
}

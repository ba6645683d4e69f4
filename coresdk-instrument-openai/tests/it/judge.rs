//! `LlmJudge` against the local OpenAI-compatible server: scripted judge
//! replies (a score, prose, an out-of-range number, an API error) and what
//! each records on the scored span.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::float_cmp)] // scores are parsed exactly

use crate::support::{Harness, settings, span};
use coresdk::config::MessageFormat;
use coresdk_instrument_openai::{JudgeError, JudgeSample, LlmJudge};
use coresdk_tests::openai_server::{Canned, fixtures};
use opentelemetry::trace::Status;
use opentelemetry_sdk::trace::SpanData;
use tracing::Instrument as _;

/// The chat fixture with its answer replaced by `content`.
fn reply(content: &str) -> Canned {
    let mut body: serde_json::Value = serde_json::from_str(fixtures::CHAT_COMPLETION).unwrap();
    body["choices"][0]["message"]["content"] = content.into();
    Canned::json(200, body.to_string())
}

fn sample() -> JudgeSample<'static> {
    JudgeSample::new("When does the Acme contract expire?", "On 30 June 2025.")
        .with_context("The agreement terminates on 30 June 2025.")
}

fn attr(span: &SpanData, key: &str) -> Option<String> {
    span.attributes
        .iter()
        .find(|kv| kv.key.as_str() == key)
        .map(|kv| kv.value.to_string())
}

fn event(span: &SpanData, name: &str) -> Vec<(String, String)> {
    let e = span
        .events
        .iter()
        .find(|e| e.name == name)
        .unwrap_or_else(|| panic!("no event {name} in {:?}", span.events));
    e.attributes
        .iter()
        .map(|kv| (kv.key.to_string(), kv.value.to_string()))
        .collect()
}

/// Runs the judge inside a `quality-scoring` span; returns the result and spans.
async fn judge_once(
    canned: Canned,
    name: Option<&str>,
) -> (
    Result<f64, JudgeError>,
    Vec<SpanData>,
    Vec<serde_json::Value>,
) {
    let h = Harness::new();
    h.server.push(canned);
    let mut judge = LlmJudge::new(
        h.client(settings(false, MessageFormat::Indexed)),
        "gpt-4o-mini",
    );
    if let Some(name) = name {
        judge = judge.with_score_name(name);
    }
    let result = judge
        .score(&sample())
        .instrument(tracing::info_span!("quality-scoring"))
        .await;
    let bodies = h.server.requests().into_iter().map(|r| r.body).collect();
    (result, h.finish(), bodies)
}

#[tokio::test]
async fn a_score_is_recorded_on_the_current_span() {
    let (result, spans, bodies) = judge_once(reply(r#"{"score": 0.9}"#), None).await;
    assert_eq!(result.unwrap(), 0.9);

    let scoring = span(&spans, "quality-scoring");
    assert_eq!(attr(scoring, "llm.quality_score").as_deref(), Some("0.9"));
    assert_eq!(attr(scoring, "coresdk.score.error"), None);
    assert_eq!(
        event(scoring, "quality_scored"),
        [
            ("coresdk.score.name".to_owned(), "quality".to_owned()),
            ("coresdk.score.value".to_owned(), "0.9".to_owned()),
            ("coresdk.score.source".to_owned(), "llm_judge".to_owned()),
        ]
    );
    assert_eq!(
        event(scoring, "gen_ai.evaluation.result"),
        [
            ("gen_ai.evaluation.name".to_owned(), "quality".to_owned()),
            ("gen_ai.evaluation.score.value".to_owned(), "0.9".to_owned()),
        ]
    );
    // The judge's own call is a traced chat span under the scoring span.
    let chat = span(&spans, "chat gpt-4o-mini");
    assert_eq!(chat.parent_span_id, scoring.span_context.span_id());
    assert_eq!(
        attr(chat, "gen_ai.request.temperature").as_deref(),
        Some("0")
    );

    // What the judge asked.
    assert_eq!(bodies.len(), 1);
    let body = &bodies[0];
    assert_eq!(body["model"], "gpt-4o-mini");
    assert_eq!(body["response_format"]["type"], "json_object");
    assert_eq!(body["max_completion_tokens"], 50);
    let system = body["messages"][0]["content"].as_str().unwrap();
    assert!(
        system.contains(r#"{"score": <number from 0 to 1>}"#),
        "{system}"
    );
    assert_eq!(
        body["messages"][1]["content"],
        "QUESTION:\nWhen does the Acme contract expire?\n\nCONTEXT:\nThe agreement terminates on 30 June 2025.\n\nANSWER:\nOn 30 June 2025."
    );
}

#[tokio::test]
async fn a_named_score_uses_its_own_key() {
    let (result, spans, _) = judge_once(reply("0.4"), Some("faithfulness")).await;
    assert_eq!(result.unwrap(), 0.4);
    let scoring = span(&spans, "quality-scoring");
    assert_eq!(
        attr(scoring, "llm.quality.faithfulness").as_deref(),
        Some("0.4")
    );
    assert_eq!(attr(scoring, "llm.quality_score"), None);
}

#[tokio::test]
async fn a_non_numeric_reply_is_recorded_as_a_failure_never_a_score() {
    let (result, spans, _) =
        judge_once(reply("The answer is accurate and well grounded."), None).await;
    let err = result.unwrap_err();
    assert!(matches!(err, JudgeError::Unparseable { .. }), "{err:?}");
    assert_eq!(
        err.to_string(),
        "judge gpt-4o-mini reply is not a score: \"The answer is accurate and well grounded.\""
    );
    let scoring = span(&spans, "quality-scoring");
    assert_eq!(attr(scoring, "llm.quality_score"), None);
    assert_eq!(
        attr(scoring, "coresdk.score.error").as_deref(),
        Some("unparseable_score")
    );
    assert!(scoring.events.iter().all(|e| e.name != "quality_scored"));
    assert_eq!(
        event(scoring, "quality_score_failed"),
        [
            ("coresdk.score.name".to_owned(), "quality".to_owned()),
            (
                "coresdk.score.error".to_owned(),
                "unparseable_score".to_owned()
            ),
            ("coresdk.score.source".to_owned(), "llm_judge".to_owned()),
        ]
    );
    // Scoring failed, the request did not: no error status.
    assert_eq!(scoring.status, Status::Unset);
}

#[tokio::test]
async fn an_out_of_range_number_is_not_clamped() {
    let (result, spans, _) = judge_once(reply(r#"{"score": 8}"#), None).await;
    assert!(matches!(
        result,
        Err(JudgeError::OutOfRange { value, .. }) if value == 8.0
    ));
    let scoring = span(&spans, "quality-scoring");
    assert_eq!(attr(scoring, "llm.quality_score"), None);
    assert_eq!(
        attr(scoring, "coresdk.score.error").as_deref(),
        Some("out_of_range")
    );
}

#[tokio::test]
async fn a_failed_judge_call_is_recorded_on_both_spans() {
    let (result, spans, _) = judge_once(Canned::error_400(), None).await;
    assert!(matches!(result, Err(JudgeError::Call { .. })), "{result:?}");
    let scoring = span(&spans, "quality-scoring");
    assert_eq!(
        attr(scoring, "coresdk.score.error").as_deref(),
        Some("judge_call_failed")
    );
    let chat = span(&spans, "chat gpt-4o-mini");
    assert!(matches!(chat.status, Status::Error { .. }));
}

#[tokio::test]
async fn an_empty_reply_is_a_failure() {
    let (result, spans, _) = judge_once(reply("  "), None).await;
    assert!(matches!(result, Err(JudgeError::EmptyReply { .. })));
    assert_eq!(
        attr(span(&spans, "quality-scoring"), "coresdk.score.error").as_deref(),
        Some("empty_reply")
    );
}

#[tokio::test]
async fn an_invalid_score_name_is_rejected_before_calling() {
    let h = Harness::new();
    let judge = LlmJudge::new(h.client(settings(false, MessageFormat::Indexed)), "m")
        .with_score_name("not valid");
    let result = judge.score(&sample()).await;
    assert!(matches!(result, Err(JudgeError::InvalidScoreName(_))));
    assert!(h.server.requests().is_empty());
    drop(h.finish());
}

//! [`LlmJudge`]: rate an answer from 0 to 1 with a model behind a
//! [`TracedClient`], and record the score with [`coresdk::quality`].
//!
//! The judge lives here rather than in `coresdk` because it calls a provider
//! (`coresdk` depends on no provider SDK). Its chat call is an ordinary traced
//! `chat {model}` span, child of the current span.

use async_openai::config::Config;
use async_openai::error::OpenAIError;
use async_openai::types::chat::{
    ChatCompletionRequestSystemMessage, ChatCompletionRequestUserMessage,
    CreateChatCompletionRequestArgs, ResponseFormat,
};
use coresdk::quality::{self, ScoreError};
use serde_json::Value;

use crate::client::TracedClient;

/// `coresdk.score.source` of judge scores.
pub const JUDGE_SOURCE: &str = "llm_judge";

/// Default instructions: what the judge rates and how it must answer.
pub const DEFAULT_CRITERIA: &str = "Rate how well the ANSWER responds to the QUESTION: it must be correct, \
complete and, when CONTEXT is given, supported by the CONTEXT alone.";

const OUTPUT_RULE: &str = "Reply with a JSON object and nothing else: {\"score\": <number from 0 to 1>}, \
where 0 is useless or wrong and 1 is fully correct and complete.";

/// One sample to rate: the question, the answer and, for RAG, the retrieved context.
///
/// ```
/// use coresdk_instrument_openai::JudgeSample;
///
/// let sample = JudgeSample::new("When does the contract expire?", "On 30 June 2025.")
///     .with_context("The agreement terminates on 30 June 2025.");
/// # let _ = sample;
/// ```
#[derive(Debug, Clone, Copy)]
pub struct JudgeSample<'a> {
    question: &'a str,
    answer: &'a str,
    context: Option<&'a str>,
}

impl<'a> JudgeSample<'a> {
    /// A question and the answer to rate.
    pub fn new(question: &'a str, answer: &'a str) -> Self {
        Self {
            question,
            answer,
            context: None,
        }
    }

    /// The context the answer had to be grounded in.
    #[must_use]
    pub fn with_context(mut self, context: &'a str) -> Self {
        self.context = Some(context);
        self
    }

    fn prompt(&self) -> String {
        let (question, answer) = (self.question, self.answer);
        match self.context {
            Some(context) => {
                format!("QUESTION:\n{question}\n\nCONTEXT:\n{context}\n\nANSWER:\n{answer}")
            }
            None => format!("QUESTION:\n{question}\n\nANSWER:\n{answer}"),
        }
    }
}

/// Why the judge produced no score. Every variant but
/// [`InvalidScoreName`](Self::InvalidScoreName) is also recorded on the
/// scored span (`coresdk.score.error` + a `quality_score_failed` event).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum JudgeError {
    /// The score name is not valid (see [`coresdk::quality::score_key`]).
    #[error("invalid judge score name: {0}")]
    InvalidScoreName(#[source] ScoreError),
    /// The chat call failed.
    #[error("judge call to {model} failed: {source}")]
    Call {
        /// The judge model.
        model: String,
        /// The client error.
        #[source]
        source: OpenAIError,
    },
    /// The reply had no text.
    #[error("judge {model} returned no text")]
    EmptyReply {
        /// The judge model.
        model: String,
    },
    /// The reply was not a number or a `{"score": n}` object.
    #[error("judge {model} reply is not a score: {excerpt:?}")]
    Unparseable {
        /// The judge model.
        model: String,
        /// The start of the reply (at most 200 characters).
        excerpt: String,
    },
    /// The reply was a number outside `0..=1`.
    #[error("judge {model} score {value} is outside 0..=1")]
    OutOfRange {
        /// The judge model.
        model: String,
        /// The number the judge gave.
        value: f64,
    },
}

impl JudgeError {
    /// The `coresdk.score.error` value recorded for this failure.
    ///
    /// ```
    /// use coresdk_instrument_openai::JudgeError;
    ///
    /// let e = JudgeError::EmptyReply { model: "gpt-4o-mini".into() };
    /// assert_eq!(e.reason(), "empty_reply");
    /// assert_eq!(e.to_string(), "judge gpt-4o-mini returned no text");
    /// ```
    pub fn reason(&self) -> &'static str {
        match self {
            JudgeError::InvalidScoreName(_) => "invalid_score_name",
            JudgeError::Call { .. } => "judge_call_failed",
            JudgeError::EmptyReply { .. } => "empty_reply",
            JudgeError::Unparseable { .. } => "unparseable_score",
            JudgeError::OutOfRange { .. } => "out_of_range",
        }
    }
}

/// What a judge reply means.
#[derive(Debug, Clone, PartialEq)]
enum Parsed {
    Score(f64),
    OutOfRange(f64),
    Unparseable,
}

/// A reply as JSON, unwrapped from a Markdown code fence when it has one.
fn reply_json(reply: &str) -> Option<Value> {
    let mut text = reply.trim();
    if let Some(inner) = text.strip_prefix("```") {
        let inner = inner.strip_prefix("json").unwrap_or(inner);
        text = inner.strip_suffix("```").unwrap_or(inner).trim();
    }
    serde_json::from_str(text).ok()
}

/// Reads a judge reply: a bare number, or a JSON object with a numeric
/// `score` (optionally inside a Markdown code fence). Anything else —
/// prose, several numbers, `NaN` — does not parse: the judge never guesses.
fn parse_reply(reply: &str) -> Parsed {
    let value = match reply_json(reply) {
        Some(Value::Number(n)) => n.as_f64(),
        Some(Value::Object(map)) => match map.get("score") {
            Some(Value::Number(n)) => n.as_f64(),
            Some(Value::String(s)) => s.trim().parse::<f64>().ok(),
            _ => None,
        },
        _ => None,
    };
    match value {
        Some(v) if !v.is_finite() => Parsed::Unparseable,
        Some(v) if (0.0..=1.0).contains(&v) => Parsed::Score(v),
        Some(v) => Parsed::OutOfRange(v),
        None => Parsed::Unparseable,
    }
}

/// The `explanation` a judge may give beside its score (`{"score": 0.4,
/// "explanation": "..."}`); recorded on the evaluation event when content
/// capture is on.
fn explanation_of(reply: &str) -> Option<String> {
    match reply_json(reply)?.get_mut("explanation")?.take() {
        Value::String(s) if !s.trim().is_empty() => Some(s),
        _ => None,
    }
}

/// Asks a model to rate an answer from 0 to 1 and records the score.
///
/// The score goes on the current span (or the span given to
/// [`score_span`](Self::score_span)) under the key rule of
/// [`coresdk::quality`]: `llm.quality_score` for the default name `quality`,
/// `llm.quality.<name>` otherwise, with `coresdk.score.source = llm_judge` on
/// its `quality_scored` event, plus the conventions' `gen_ai.evaluation.result`
/// event (with the judge's `explanation`, if its reply has one and content
/// capture is on). A reply that is not a score in `0..=1` is never
/// turned into one: it is recorded as `coresdk.score.error` plus a
/// `quality_score_failed` event, and returned as a [`JudgeError`].
///
/// ```no_run
/// use coresdk_instrument_openai::{JudgeSample, LlmJudge};
///
/// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
/// let client = coresdk_instrument_openai::instrument(async_openai::Client::new());
/// let judge = LlmJudge::new(client, "gpt-4o-mini").with_score_name("faithfulness");
/// let sample = JudgeSample::new("When does the contract expire?", "On 30 June 2025.")
///     .with_context("The agreement terminates on 30 June 2025.");
/// let score = judge.score(&sample).await?; // llm.quality.faithfulness on the current span
/// # let _ = score;
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct LlmJudge<C: Config> {
    client: TracedClient<C>,
    model: String,
    score_name: String,
    criteria: String,
    max_tokens: u32,
}

impl<C: Config> LlmJudge<C> {
    /// A judge asking `model` through `client`, scoring under the default name `quality`.
    pub fn new(client: TracedClient<C>, model: impl Into<String>) -> Self {
        Self {
            client,
            model: model.into(),
            score_name: quality::DEFAULT_SCORE_NAME.to_owned(),
            criteria: DEFAULT_CRITERIA.to_owned(),
            max_tokens: 50,
        }
    }

    /// The score's name (default `quality`, i.e. `llm.quality_score`).
    #[must_use]
    pub fn with_score_name(mut self, name: impl Into<String>) -> Self {
        self.score_name = name.into();
        self
    }

    /// What the judge rates (default [`DEFAULT_CRITERIA`]); the output rule
    /// (`{"score": n}`) is always appended.
    #[must_use]
    pub fn with_criteria(mut self, criteria: impl Into<String>) -> Self {
        self.criteria = criteria.into();
        self
    }

    /// Token limit of the judge's reply (default 50).
    #[must_use]
    pub fn with_max_tokens(mut self, tokens: u32) -> Self {
        self.max_tokens = tokens;
        self
    }

    /// The judge model.
    pub fn model(&self) -> &str {
        &self.model
    }

    /// Rates `sample` and records the score on the current span.
    pub async fn score(&self, sample: &JudgeSample<'_>) -> Result<f64, JudgeError> {
        self.score_span(&tracing::Span::current(), sample).await
    }

    /// Rates `sample` and records the score (or the failure) on `span`.
    pub async fn score_span(
        &self,
        span: &tracing::Span,
        sample: &JudgeSample<'_>,
    ) -> Result<f64, JudgeError> {
        quality::score_key(&self.score_name).map_err(JudgeError::InvalidScoreName)?;
        match self.rate(sample).await {
            Ok((value, explanation)) => {
                let mut evaluation =
                    quality::Evaluation::new(&self.score_name, value).with_source(JUDGE_SOURCE);
                if let Some(explanation) = explanation {
                    evaluation = evaluation.with_explanation(explanation);
                }
                // The name and value were validated: this cannot fail.
                let _ = quality::record_evaluation(span, &evaluation);
                Ok(value)
            }
            Err(error) => {
                quality::record_failure(span, &self.score_name, error.reason(), JUDGE_SOURCE);
                Err(error)
            }
        }
    }

    async fn rate(&self, sample: &JudgeSample<'_>) -> Result<(f64, Option<String>), JudgeError> {
        let system = format!("{}\n{OUTPUT_RULE}", self.criteria);
        let request = CreateChatCompletionRequestArgs::default()
            .model(self.model.clone())
            .messages([
                ChatCompletionRequestSystemMessage::from(system.as_str()).into(),
                ChatCompletionRequestUserMessage::from(sample.prompt().as_str()).into(),
            ])
            .temperature(0.0)
            .max_completion_tokens(self.max_tokens)
            .response_format(ResponseFormat::JsonObject)
            .build()
            .map_err(|source| self.call_error(source))?;
        let response = self
            .client
            .chat()
            .create(request)
            .await
            .map_err(|source| self.call_error(source))?;
        let reply = response
            .choices
            .first()
            .and_then(|c| c.message.content.as_deref())
            .filter(|t| !t.trim().is_empty())
            .ok_or_else(|| JudgeError::EmptyReply {
                model: self.model.clone(),
            })?;
        match parse_reply(reply) {
            Parsed::Score(value) => Ok((value, explanation_of(reply))),
            Parsed::OutOfRange(value) => Err(JudgeError::OutOfRange {
                model: self.model.clone(),
                value,
            }),
            Parsed::Unparseable => Err(JudgeError::Unparseable {
                model: self.model.clone(),
                excerpt: reply.chars().take(200).collect(),
            }),
        }
    }

    fn call_error(&self, source: OpenAIError) -> JudgeError {
        JudgeError::Call {
            model: self.model.clone(),
            source,
        }
    }
}

/// The examples of `docs/quality.md` (they use this crate and `coresdk`),
/// run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../../docs/quality.md")]
struct QualityGuide;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_numbers_and_score_objects_only() {
        assert_eq!(parse_reply("0.8"), Parsed::Score(0.8));
        assert_eq!(parse_reply(" 1 \n"), Parsed::Score(1.0));
        assert_eq!(parse_reply(r#"{"score": 0.25}"#), Parsed::Score(0.25));
        assert_eq!(
            parse_reply(r#"{"score": "0.5", "reason": "partly grounded"}"#),
            Parsed::Score(0.5)
        );
        assert_eq!(
            parse_reply("```json\n{\"score\": 0}\n```"),
            Parsed::Score(0.0)
        );
        assert_eq!(parse_reply("7"), Parsed::OutOfRange(7.0));
        assert_eq!(parse_reply(r#"{"score": -0.1}"#), Parsed::OutOfRange(-0.1));
        for bad in [
            "The answer looks good, I'd say 0.8",
            "score: 0.8",
            r#"{"rating": 0.8}"#,
            r#"{"score": "high"}"#,
            r#"{"score": "NaN"}"#,
            "[0.8]",
            "",
            "0.8 0.9",
        ] {
            assert_eq!(parse_reply(bad), Parsed::Unparseable, "{bad:?}");
        }
    }

    #[test]
    fn an_explanation_beside_the_score_is_kept() {
        assert_eq!(
            explanation_of(r#"{"score": 0.4, "explanation": "misses a date"}"#).as_deref(),
            Some("misses a date")
        );
        assert_eq!(explanation_of(r#"{"score": 0.4}"#), None);
        assert_eq!(explanation_of("0.4"), None);
    }

    #[test]
    fn prompt_lays_out_question_context_answer() {
        let s = JudgeSample::new("Q?", "A.").with_context("C.");
        assert_eq!(s.prompt(), "QUESTION:\nQ?\n\nCONTEXT:\nC.\n\nANSWER:\nA.");
        assert_eq!(
            JudgeSample::new("Q?", "A.").prompt(),
            "QUESTION:\nQ?\n\nANSWER:\nA."
        );
    }
}

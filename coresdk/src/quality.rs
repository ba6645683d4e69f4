//! Quality scores: make "was the answer good?" as queryable as latency.
//!
//! A score is a number from 0 (worst) to 1 (best) with a name, from an LLM
//! judge, a heuristic or a user's feedback:
//!
//! - [`score`] records it on the current span (use it inside the request);
//! - [`score_span`] on a span you hold;
//! - [`score_trace`] when the feedback arrives after the trace ended: it
//!   emits a short `score {name}` span, linked to the scored trace.
//!
//! **Key rule.** The score named [`DEFAULT_SCORE_NAME`] (`"quality"`) is
//! written as `llm.quality_score`; any other name `n` as `llm.quality.<n>`
//! (so `faithfulness` becomes `llm.quality.faithfulness`). Every recorded score
//! also adds a `quality_scored` event carrying `coresdk.score.name`,
//! `coresdk.score.value` and, when known, `coresdk.score.source`, and the
//! OTel GenAI conventions' `gen_ai.evaluation.result` event
//! (`gen_ai.evaluation.name`, `gen_ai.evaluation.score.value`, and with an
//! [`Evaluation`] a `gen_ai.evaluation.score.label` and — when content capture
//! is on — a `gen_ai.evaluation.explanation`).
//!
//! Names are 1 to 64 ASCII letters, digits, `_`, `-` or `.` (not at either
//! end); values must be finite and within `0.0..=1.0` — normalise other scales
//! before scoring. Invalid input is rejected with a [`ScoreError`], never
//! clamped. Without a recording span (no CoreSDK subscriber, or the span is
//! not sampled) scoring is a no-op that returns `Ok`.
//!
//! ```
//! # fn main() -> Result<(), coresdk::quality::ScoreError> {
//! let span = tracing::info_span!("rag-pipeline");
//! let _entered = span.enter();
//! coresdk::score(coresdk::quality::DEFAULT_SCORE_NAME, 0.88)?; // llm.quality_score = 0.88
//! coresdk::score("faithfulness", 0.75)?; // llm.quality.faithfulness = 0.75
//! assert!(coresdk::score("faithfulness", 1.5).is_err()); // out of range: not recorded
//!
//! // Keep a handle to the trace, e.g. in the response to the user...
//! let target = coresdk::quality::ScoreTarget::current();
//! # drop(_entered);
//! // ...and later, when the thumbs-down arrives:
//! if let Some(target) = target {
//!     coresdk::score_trace(target, "user_feedback", 0.0)?;
//! }
//! # Ok(())
//! # }
//! ```

use std::fmt;
use std::str::FromStr;

use opentelemetry::KeyValue;
use opentelemetry::trace::{SpanContext, SpanId, TraceContextExt, TraceFlags, TraceId, TraceState};

use crate::genai::attributes::{
    CORESDK_SCORE_ERROR, CORESDK_SCORE_NAME, CORESDK_SCORE_SOURCE, CORESDK_SCORE_SPAN_ID,
    CORESDK_SCORE_TRACE_ID, CORESDK_SCORE_VALUE, GEN_AI_EVALUATION_EXPLANATION,
    GEN_AI_EVALUATION_NAME, GEN_AI_EVALUATION_RESULT_EVENT, GEN_AI_EVALUATION_SCORE_LABEL,
    GEN_AI_EVALUATION_SCORE_VALUE, LLM_QUALITY_PREFIX, LLM_QUALITY_SCORE,
    QUALITY_SCORE_FAILED_EVENT, QUALITY_SCORED_EVENT,
};
use crate::layer::SpanExt as _;

/// The default score name, written as `llm.quality_score`.
pub const DEFAULT_SCORE_NAME: &str = "quality";
/// Longest accepted score name, in bytes.
pub const MAX_SCORE_NAME_LEN: usize = 64;
/// `coresdk.score.source` of scores given through [`score_trace`].
pub const FEEDBACK_SOURCE: &str = "feedback";

/// Why a score was not recorded.
///
/// ```
/// use coresdk::quality::ScoreError;
///
/// let err = coresdk::score("faithfulness", 1.5).unwrap_err();
/// assert!(matches!(err, ScoreError::OutOfRange { .. }));
/// assert_eq!(err.to_string(), "score \"faithfulness\" = 1.5 is outside 0.0..=1.0");
/// ```
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum ScoreError {
    /// The name is empty, too long, or has characters other than ASCII
    /// letters, digits, `_`, `-` and inner `.`.
    #[error(
        "invalid score name {name:?}: use 1 to {MAX_SCORE_NAME_LEN} ASCII letters, digits, '_', '-' or inner '.'"
    )]
    InvalidName {
        /// The rejected name.
        name: String,
    },
    /// The value is not a finite number within `0.0..=1.0`.
    #[error("score {name:?} = {value} is outside 0.0..=1.0")]
    OutOfRange {
        /// The score's name.
        name: String,
        /// The rejected value.
        value: f64,
    },
    /// A score target string is not `<32 hex trace id>` or `<trace id>-<16 hex span id>`.
    #[error(
        "invalid score target {input:?}: expected a 32-hex-digit trace id, optionally followed by '-' and a 16-hex-digit span id"
    )]
    InvalidTarget {
        /// The rejected text.
        input: String,
    },
}

/// The attribute key a score named `name` is written under:
/// `llm.quality_score` for [`DEFAULT_SCORE_NAME`], `llm.quality.<name>` otherwise.
///
/// ```
/// use coresdk::quality::score_key;
/// assert_eq!(score_key("quality").unwrap(), "llm.quality_score");
/// assert_eq!(score_key("faithfulness").unwrap(), "llm.quality.faithfulness");
/// assert!(score_key("has space").is_err());
/// ```
pub fn score_key(name: &str) -> Result<String, ScoreError> {
    validate_name(name)?;
    if name == DEFAULT_SCORE_NAME {
        Ok(LLM_QUALITY_SCORE.to_owned())
    } else {
        Ok(format!("{LLM_QUALITY_PREFIX}.{name}"))
    }
}

fn validate_name(name: &str) -> Result<(), ScoreError> {
    let ok = !name.is_empty()
        && name.len() <= MAX_SCORE_NAME_LEN
        && !name.starts_with('.')
        && !name.ends_with('.')
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'));
    if ok {
        Ok(())
    } else {
        Err(ScoreError::InvalidName {
            name: name.to_owned(),
        })
    }
}

fn validate(name: &str, value: f64) -> Result<String, ScoreError> {
    let key = score_key(name)?;
    if value.is_finite() && (0.0..=1.0).contains(&value) {
        Ok(key)
    } else {
        Err(ScoreError::OutOfRange {
            name: name.to_owned(),
            value,
        })
    }
}

/// Records the score `name = value` on the current span (see the
/// [module docs](self) for the key rule and validation).
///
/// ```
/// let span = tracing::info_span!("answer");
/// span.in_scope(|| coresdk::score("relevance", 0.9)).unwrap();
/// ```
pub fn score(name: &str, value: f64) -> Result<(), ScoreError> {
    score_span(&tracing::Span::current(), name, value)
}

/// Records the score `name = value` on `span`.
///
/// ```
/// let root = tracing::info_span!("rag-pipeline");
/// coresdk::quality::score_span(&root, "quality", 0.8).unwrap();
/// ```
pub fn score_span(span: &tracing::Span, name: &str, value: f64) -> Result<(), ScoreError> {
    record(span, name, value, None)
}

/// Records a score with its source (`coresdk.score.source`, e.g. `llm_judge`)
/// on `span`: the attribute and the `quality_scored` event.
///
/// ```
/// let span = tracing::info_span!("quality-scoring");
/// coresdk::quality::score_span_from(&span, "quality", 0.7, "heuristic").unwrap();
/// ```
pub fn score_span_from(
    span: &tracing::Span,
    name: &str,
    value: f64,
    source: &str,
) -> Result<(), ScoreError> {
    record(span, name, value, Some(source))
}

/// Records that a score could not be produced (a judge reply that did not
/// parse, a failed judge call, ...): the attribute `coresdk.score.error =
/// reason` on `span` and a `quality_score_failed` event with
/// `coresdk.score.{name,error,source}`. No score value is written.
///
/// ```
/// let span = tracing::info_span!("quality-scoring");
/// coresdk::quality::record_failure(&span, "quality", "unparseable_score", "llm_judge");
/// ```
pub fn record_failure(span: &tracing::Span, name: &str, reason: &str, source: &str) {
    if span.is_disabled() {
        return;
    }
    span.set_attribute(CORESDK_SCORE_ERROR, reason.to_owned());
    span.add_event(
        QUALITY_SCORE_FAILED_EVENT,
        vec![
            KeyValue::new(CORESDK_SCORE_NAME, name.to_owned()),
            KeyValue::new(CORESDK_SCORE_ERROR, reason.to_owned()),
            KeyValue::new(CORESDK_SCORE_SOURCE, source.to_owned()),
        ],
    );
}

/// A score with the optional parts of the conventions'
/// `gen_ai.evaluation.result` event: a label and the evaluator's explanation.
///
/// ```
/// use coresdk::quality::{self, Evaluation};
///
/// let span = tracing::info_span!("answer");
/// let eval = Evaluation::new("relevance", 0.9)
///     .with_label("relevant")
///     .with_explanation("cites the contract clause asked about")
///     .with_source("llm_judge");
/// quality::record_evaluation(&span, &eval).unwrap();
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
#[must_use]
pub struct Evaluation {
    name: String,
    value: f64,
    label: Option<String>,
    explanation: Option<String>,
    source: Option<String>,
}

impl Evaluation {
    /// The score `name = value` (validated when recorded).
    pub fn new(name: impl Into<String>, value: f64) -> Self {
        Self {
            name: name.into(),
            value,
            label: None,
            explanation: None,
            source: None,
        }
    }
    /// A human-readable label for the score (`gen_ai.evaluation.score.label`).
    pub fn with_label(mut self, label: impl Into<String>) -> Self {
        self.label = Some(label.into());
        self
    }
    /// Why the evaluator gave the score (`gen_ai.evaluation.explanation`).
    /// It is free text, so it is recorded only when content capture is on.
    pub fn with_explanation(mut self, explanation: impl Into<String>) -> Self {
        self.explanation = Some(explanation.into());
        self
    }
    /// Who scored (`coresdk.score.source`, e.g. `llm_judge`).
    pub fn with_source(mut self, source: impl Into<String>) -> Self {
        self.source = Some(source.into());
        self
    }
}

/// Records `evaluation` on `span`: the score attribute, the `quality_scored`
/// event and the `gen_ai.evaluation.result` event.
pub fn record_evaluation(span: &tracing::Span, evaluation: &Evaluation) -> Result<(), ScoreError> {
    let key = validate(&evaluation.name, evaluation.value)?;
    if span.is_disabled() {
        return Ok(());
    }
    span.set_attribute(key, evaluation.value);
    span.add_event(
        QUALITY_SCORED_EVENT,
        event_attributes(
            &evaluation.name,
            evaluation.value,
            evaluation.source.as_deref(),
        ),
    );
    span.add_event(
        GEN_AI_EVALUATION_RESULT_EVENT,
        evaluation_attributes(evaluation),
    );
    Ok(())
}

fn record(
    span: &tracing::Span,
    name: &str,
    value: f64,
    source: Option<&str>,
) -> Result<(), ScoreError> {
    let mut evaluation = Evaluation::new(name, value);
    evaluation.source = source.map(str::to_owned);
    record_evaluation(span, &evaluation)
}

/// The attributes of the conventions' `gen_ai.evaluation.result` event.
fn evaluation_attributes(evaluation: &Evaluation) -> Vec<KeyValue> {
    let mut attrs = vec![
        KeyValue::new(GEN_AI_EVALUATION_NAME, evaluation.name.clone()),
        KeyValue::new(GEN_AI_EVALUATION_SCORE_VALUE, evaluation.value),
    ];
    if let Some(label) = &evaluation.label {
        attrs.push(KeyValue::new(GEN_AI_EVALUATION_SCORE_LABEL, label.clone()));
    }
    if let Some(explanation) = &evaluation.explanation
        && crate::genai::settings().capture_content()
    {
        let max = crate::genai::settings().content_max_chars();
        attrs.push(KeyValue::new(
            GEN_AI_EVALUATION_EXPLANATION,
            crate::genai::truncate_content(explanation, max).into_owned(),
        ));
    }
    attrs
}

fn event_attributes(name: &str, value: f64, source: Option<&str>) -> Vec<KeyValue> {
    let mut attrs = vec![
        KeyValue::new(CORESDK_SCORE_NAME, name.to_owned()),
        KeyValue::new(CORESDK_SCORE_VALUE, value),
    ];
    if let Some(source) = source {
        attrs.push(KeyValue::new(CORESDK_SCORE_SOURCE, source.to_owned()));
    }
    attrs
}

/// The trace (and, when known, the span) a late score is about.
///
/// Capture it while the request runs ([`current`](Self::current)), hand it to
/// whoever may send feedback later (its [`Display`](fmt::Display) form
/// `<trace id>-<span id>` parses back with [`FromStr`]), then pass it to
/// [`score_trace`].
///
/// ```
/// use coresdk::quality::ScoreTarget;
///
/// let target: ScoreTarget = "4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7".parse().unwrap();
/// assert_eq!(target.to_string(), "4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7");
/// let trace_only: ScoreTarget = "4bf92f3577b34da6a3ce929d0e0e4736".parse().unwrap();
/// assert!(trace_only.span_id().is_none());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScoreTarget {
    trace_id: TraceId,
    span_id: Option<SpanId>,
}

impl ScoreTarget {
    /// A trace, without a span to link to (the feedback span then records the
    /// trace id as `coresdk.score.trace_id` only: an OTel link needs a span id).
    pub fn trace(trace_id: TraceId) -> Self {
        Self {
            trace_id,
            span_id: None,
        }
    }

    /// A span of a trace: the feedback span links to it.
    pub fn span(trace_id: TraceId, span_id: SpanId) -> Self {
        Self {
            trace_id,
            span_id: Some(span_id),
        }
    }

    /// The current span, if one is recorded by CoreSDK's layer.
    pub fn current() -> Option<Self> {
        Self::of(&tracing::Span::current())
    }

    /// `span`, if it is recorded by CoreSDK's layer.
    pub fn of(span: &tracing::Span) -> Option<Self> {
        if span.is_disabled() {
            return None;
        }
        let cx = span.context();
        let sc = cx.span().span_context().clone();
        sc.is_valid().then(|| Self::from(sc))
    }

    /// The trace id.
    pub fn trace_id(&self) -> TraceId {
        self.trace_id
    }

    /// The span id, when known.
    pub fn span_id(&self) -> Option<SpanId> {
        self.span_id
    }
}

impl From<TraceId> for ScoreTarget {
    fn from(trace_id: TraceId) -> Self {
        Self::trace(trace_id)
    }
}

impl From<SpanContext> for ScoreTarget {
    fn from(sc: SpanContext) -> Self {
        Self::from(&sc)
    }
}

impl From<&SpanContext> for ScoreTarget {
    fn from(sc: &SpanContext) -> Self {
        let span_id = sc.span_id();
        Self {
            trace_id: sc.trace_id(),
            span_id: (span_id != SpanId::INVALID).then_some(span_id),
        }
    }
}

impl fmt::Display for ScoreTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.span_id {
            Some(span_id) => write!(f, "{}-{}", self.trace_id, span_id),
            None => write!(f, "{}", self.trace_id),
        }
    }
}

impl FromStr for ScoreTarget {
    type Err = ScoreError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let invalid = || ScoreError::InvalidTarget {
            input: s.to_owned(),
        };
        let hex = |part: &str, len: usize| {
            part.len() == len && part.bytes().all(|b| b.is_ascii_hexdigit())
        };
        let (trace, span) = match s.split_once('-') {
            Some((trace, span)) => (trace, Some(span)),
            None => (s, None),
        };
        if !hex(trace, 32) {
            return Err(invalid());
        }
        let trace_id = TraceId::from_hex(trace).map_err(|_| invalid())?;
        if trace_id == TraceId::INVALID {
            return Err(invalid());
        }
        let span_id = match span {
            None => None,
            Some(span) if hex(span, 16) => {
                let id = SpanId::from_hex(span).map_err(|_| invalid())?;
                if id == SpanId::INVALID {
                    return Err(invalid());
                }
                Some(id)
            }
            Some(_) => return Err(invalid()),
        };
        Ok(Self { trace_id, span_id })
    }
}

/// Records feedback that arrives after the scored trace ended: a short root
/// span `score {name}` (kind INTERNAL) carrying the score under its usual key,
/// `coresdk.score.{name,value,source,trace_id,span_id}`, and — when the target
/// names a span — an OTel link to it. `coresdk.score.source` is `feedback`.
///
/// The feedback span is a trace of its own (it does not join the caller's
/// current trace), so backends show it next to the scored trace through the
/// link, and queries on `coresdk.score.trace_id` find it.
///
/// ```
/// use coresdk::quality::ScoreTarget;
///
/// let target: ScoreTarget = "4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7".parse().unwrap();
/// coresdk::score_trace(target, "helpfulness", 1.0).unwrap();
/// ```
pub fn score_trace(
    target: impl Into<ScoreTarget>,
    name: &str,
    value: f64,
) -> Result<(), ScoreError> {
    score_trace_from(target, name, value, FEEDBACK_SOURCE)
}

/// Like [`score_trace`] with an explicit `coresdk.score.source`
/// (e.g. `thumbs`, `support_ticket`, `offline_eval`).
///
/// ```
/// use opentelemetry::trace::TraceId;
///
/// let trace = TraceId::from_hex("4bf92f3577b34da6a3ce929d0e0e4736").unwrap();
/// coresdk::quality::score_trace_from(trace, "quality", 0.2, "support_ticket").unwrap();
/// ```
pub fn score_trace_from(
    target: impl Into<ScoreTarget>,
    name: &str,
    value: f64,
    source: &str,
) -> Result<(), ScoreError> {
    let key = validate(name, value)?;
    let target = target.into();
    let span = tracing::info_span!(
        target: "coresdk::quality",
        parent: None,
        "quality_feedback",
        otel.name = format!("score {name}"),
        otel.kind = "internal",
    );
    if span.is_disabled() {
        return Ok(());
    }
    if let Some(span_id) = target.span_id {
        span.add_link(SpanContext::new(
            target.trace_id,
            span_id,
            TraceFlags::SAMPLED,
            true,
            TraceState::default(),
        ));
    }
    span.set_attribute(key, value);
    span.set_attribute(CORESDK_SCORE_NAME, name.to_owned());
    span.set_attribute(CORESDK_SCORE_VALUE, value);
    span.set_attribute(CORESDK_SCORE_SOURCE, source.to_owned());
    span.set_attribute(CORESDK_SCORE_TRACE_ID, target.trace_id.to_string());
    if let Some(span_id) = target.span_id {
        span.set_attribute(CORESDK_SCORE_SPAN_ID, span_id.to_string());
    }
    span.add_event(
        GEN_AI_EVALUATION_RESULT_EVENT,
        evaluation_attributes(&Evaluation::new(name, value)),
    );
    drop(span);
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn key_rule() {
        assert_eq!(score_key("quality").as_deref(), Ok("llm.quality_score"));
        assert_eq!(
            score_key("answer.relevance").as_deref(),
            Ok("llm.quality.answer.relevance")
        );
        for bad in ["", ".x", "x.", "a b", "é", &"x".repeat(65)] {
            assert!(
                matches!(score_key(bad), Err(ScoreError::InvalidName { .. })),
                "{bad:?}"
            );
        }
        assert!(score_key(&"x".repeat(64)).is_ok());
    }

    #[test]
    fn values_outside_unit_interval_are_rejected() {
        for v in [-0.01, 1.01, f64::NAN, f64::INFINITY] {
            assert!(matches!(
                validate("q", v),
                Err(ScoreError::OutOfRange { .. })
            ));
        }
        assert!(validate("q", 0.0).is_ok());
        assert!(validate("q", 1.0).is_ok());
    }

    #[test]
    fn error_messages_name_the_input() {
        let e = validate("faithfulness", 2.0).unwrap_err();
        assert_eq!(
            e.to_string(),
            "score \"faithfulness\" = 2 is outside 0.0..=1.0"
        );
        let e = "nope".parse::<ScoreTarget>().unwrap_err();
        assert!(e.to_string().starts_with("invalid score target \"nope\""));
        let e = score_key("a b").unwrap_err();
        assert!(e.to_string().starts_with("invalid score name \"a b\""));
    }

    #[test]
    fn target_round_trips_and_rejects_garbage() {
        let t: ScoreTarget = "4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7"
            .parse()
            .unwrap();
        assert_eq!(
            t.trace_id(),
            TraceId::from_hex("4bf92f3577b34da6a3ce929d0e0e4736").unwrap()
        );
        assert_eq!(t.to_string().parse::<ScoreTarget>(), Ok(t));
        for bad in [
            "",
            "00000000000000000000000000000000",
            "4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000",
            "4bf92f3577b34da6a3ce929d0e0e473",
            "4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b",
            "4bf92f3577b34da6a3ce929d0e0e473g",
            "+bf92f3577b34da6a3ce929d0e0e4736",
        ] {
            assert!(bad.parse::<ScoreTarget>().is_err(), "{bad:?}");
        }
    }

    #[test]
    fn without_subscriber_scoring_is_a_no_op() {
        assert_eq!(score("quality", 0.5), Ok(()));
        assert_eq!(ScoreTarget::current(), None);
        assert_eq!(
            score_trace(
                TraceId::from_hex("4bf92f3577b34da6a3ce929d0e0e4736").unwrap(),
                "q",
                0.5
            ),
            Ok(())
        );
    }
}

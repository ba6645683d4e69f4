//! PII masking: the first stage after the handoff.
//!
//! It is the first `Stage` of the worker's chain, so
//! the spans every later stage (and every exporter) sees are the masked ones.
//!
//! The stage masks every string value and string-array element of span, event
//! and link attributes, event names, the status description and the span
//! name, handles attributes named by key rules whole, and records how many
//! values it replaced as `coresdk.pii.masked`. The rules live in
//! [`pii`](super::pii).

use std::borrow::Cow;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use opentelemetry::trace::Status;
use opentelemetry::{Array, KeyValue, StringValue, Value};
use opentelemetry_sdk::trace::SpanData;

use super::stage::{Stage, Verdict};

use crate::config::{PiiAction, PiiConfig};
use crate::genai::attributes::{CORESDK_PII_MASKED, PII_NEVER_MASKED_KEYS};
use crate::pipeline::pii::PiiMasker;

/// A problem with the PII configuration, found at setup.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MaskingError {
    /// A custom rule's regular expression does not compile (or is unusable).
    #[error("PII rule `{rule}`: invalid regex: {reason}")]
    InvalidRule {
        /// The rule's name.
        rule: String,
        /// What the regex compiler reported.
        reason: String,
    },
    /// `pii.disabled_rules` names neither a built-in rule nor a default key glob.
    #[error("pii.disabled_rules: unknown rule `{name}`")]
    UnknownRule {
        /// The unknown name.
        name: String,
    },
    /// A `pii.keys` glob is unusable.
    #[error("pii.keys: invalid glob `{glob}`: {reason}")]
    InvalidKeyGlob {
        /// The glob.
        glob: String,
        /// Why it was rejected.
        reason: String,
    },
}

/// The PII masking stage. Runs on the pipeline's worker thread.
///
/// If masking a span ever panicked, the span is dropped (never forwarded
/// half-masked) and counted; see [`PiiMasking::failures`].
#[derive(Debug)]
pub struct PiiMasking {
    masker: Option<PiiMasker>,
    failures: AtomicU64,
    logged: AtomicBool,
}

impl PiiMasking {
    /// Builds the stage from the `pii` configuration block.
    /// The configuration is validated even when `pii.enabled` is false.
    pub fn from_config(config: &PiiConfig) -> Result<Self, MaskingError> {
        let masker = PiiMasker::from_config(config)?;
        Ok(Self::with_masker(config.enabled().then_some(masker)))
    }

    /// The stage with an explicit rule set.
    pub fn new(masker: PiiMasker) -> Self {
        Self::with_masker(Some(masker))
    }

    fn with_masker(masker: Option<PiiMasker>) -> Self {
        Self {
            masker,
            failures: AtomicU64::new(0),
            logged: AtomicBool::new(false),
        }
    }

    /// The rule set, unless masking is disabled.
    pub fn masker(&self) -> Option<&PiiMasker> {
        self.masker.as_ref()
    }

    /// Spans dropped because masking them failed.
    pub fn failures(&self) -> u64 {
        self.failures.load(Ordering::Relaxed)
    }

    /// Masks `span` in place; returns how many values were replaced (also
    /// added to `coresdk.pii.masked` when non-zero).
    pub fn mask_span(&self, span: &mut SpanData) -> u32 {
        let Some(masker) = &self.masker else {
            return 0;
        };
        let mut count = mask_attributes(masker, &mut span.attributes);
        count += mask_cow(masker, &mut span.name);
        if let Status::Error { description } = &mut span.status {
            count += mask_cow(masker, description);
        }
        for event in &mut span.events.events {
            count += mask_cow(masker, &mut event.name);
            count += mask_attributes(masker, &mut event.attributes);
        }
        for link in &mut span.links.links {
            count += mask_attributes(masker, &mut link.attributes);
        }
        if count > 0 {
            let previous = span
                .attributes
                .iter()
                .position(|kv| kv.key.as_str() == CORESDK_PII_MASKED);
            let total = match previous {
                Some(i) => {
                    let kv = span.attributes.swap_remove(i);
                    if let Value::I64(n) = kv.value { n } else { 0 }
                }
                None => 0,
            };
            span.attributes
                .push(KeyValue::new(CORESDK_PII_MASKED, total + i64::from(count)));
        }
        count
    }
}

/// Masks a name-like string (no key, nothing to drop).
fn mask_cow(masker: &PiiMasker, text: &mut Cow<'static, str>) -> u32 {
    let masked = masker.mask_value(None, text);
    let count = masked.count;
    if let Cow::Owned(new) = masked.text {
        *text = Cow::Owned(new);
    }
    count
}

/// Masks a list of attributes in place, removing dropped ones.
fn mask_attributes(masker: &PiiMasker, attributes: &mut Vec<KeyValue>) -> u32 {
    let mut count = 0;
    attributes.retain_mut(|kv| {
        if let Some(n) = mask_key_value(masker, kv) {
            count += n;
            true
        } else {
            count += 1;
            false
        }
    });
    count
}

/// Masks one attribute; `None` means drop it.
fn mask_key_value(masker: &PiiMasker, kv: &mut KeyValue) -> Option<u32> {
    let key = kv.key.as_str();
    if key == CORESDK_PII_MASKED || PII_NEVER_MASKED_KEYS.contains(&key) {
        return Some(0);
    }
    if let Some(action) = masker.key_action(key) {
        if action == PiiAction::Drop {
            return None;
        }
        let text = kv.value.as_str();
        return Some(match masker.key_token(action, &text) {
            Some(token) => {
                kv.value = Value::String(token.into());
                1
            }
            None => 0,
        });
    }
    match &mut kv.value {
        Value::String(s) => {
            let masked = masker.mask_value(Some(key), s.as_str());
            if masked.drop {
                return None;
            }
            let count = masked.count;
            if let Cow::Owned(new) = masked.text {
                *s = StringValue::from(new);
            }
            Some(count)
        }
        Value::Array(Array::String(items)) => {
            let mut count = 0;
            for item in items.iter_mut() {
                let masked = masker.mask_value(Some(key), item.as_str());
                if masked.drop {
                    return None;
                }
                count += masked.count;
                if let Cow::Owned(new) = masked.text {
                    *item = StringValue::from(new);
                }
            }
            Some(count)
        }
        _ => Some(0),
    }
}

impl Stage for PiiMasking {
    fn on_span(&mut self, span: SpanData) -> Verdict {
        let this: &Self = self;
        let masked = catch_unwind(AssertUnwindSafe(move || {
            let mut span = span;
            this.mask_span(&mut span);
            span
        }));
        if let Ok(span) = masked {
            Verdict::Forward(span)
        } else {
            self.failures.fetch_add(1, Ordering::Relaxed);
            if !self.logged.swap(true, Ordering::Relaxed) {
                tracing::warn!(
                    target: "coresdk::pipeline",
                    "PII masking failed on a span; the span was dropped (further failures are counted, not logged)"
                );
            }
            Verdict::Drop
        }
    }
}

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
use opentelemetry::{Array, Key, KeyValue, StringValue, Value};
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
    /// Values the worker found clean (see [`CleanMemo`]).
    memo: CleanMemo,
}

/// Attribute values found clean, so a value that repeats span after span (a
/// route, a model name, a code path, an intent) is scanned once.
///
/// Masking is a pure function of the key and the value, so a value seen
/// clean under a key stays clean. Direct-mapped and bounded: at most
/// [`CleanMemo::SLOTS`] entries of at most [`CleanMemo::MAX_LEN`] bytes; a
/// colliding value replaces the one in its slot. Only the worker's stage
/// uses it (`on_span` has `&mut self`); `mask_span` does not.
#[derive(Default)]
struct CleanMemo {
    slots: Vec<Option<(u64, Key, Box<str>)>>,
}

impl std::fmt::Debug for CleanMemo {
    // The values are application data: shown by count, never by content.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CleanMemo")
            .field("remembered", &self.slots.iter().flatten().count())
            .finish()
    }
}

impl CleanMemo {
    const SLOTS: usize = 1024;
    /// Longer values are rarely repeated (prompts, completions, documents).
    const MAX_LEN: usize = 256;

    fn hash(key: &str, text: &str) -> u64 {
        use std::hash::BuildHasher as _;
        foldhash::fast::FixedState::with_seed(0x5eed).hash_one((key, text))
    }

    fn is_clean(&self, hash: u64, key: &str, text: &str) -> bool {
        self.slots
            .get(hash as usize % Self::SLOTS)
            .and_then(Option::as_ref)
            .is_some_and(|(h, k, t)| *h == hash && k.as_str() == key && &**t == text)
    }

    /// [`mask_key_value`] through the memo: a string value seen clean
    /// under its key is not scanned again; one found clean (and left as it
    /// was) is remembered.
    fn mask_key_value(&mut self, masker: &PiiMasker, kv: &mut KeyValue) -> Option<u32> {
        let Value::String(s) = &kv.value else {
            return mask_key_value(masker, kv);
        };
        let hash = Self::hash(kv.key.as_str(), s.as_str());
        if self.is_clean(hash, kv.key.as_str(), s.as_str()) {
            return Some(0);
        }
        let result = mask_key_value(masker, kv);
        if result == Some(0)
            && let Value::String(s) = &kv.value
            && Self::hash(kv.key.as_str(), s.as_str()) == hash
        {
            self.remember(hash, &kv.key, s.as_str());
        }
        result
    }

    /// [`mask_cow`] through the memo, for span names (remembered under no
    /// key): they repeat more than anything.
    fn mask_name(&mut self, masker: &PiiMasker, name: &mut Cow<'static, str>) -> u32 {
        let hash = Self::hash("", name);
        if self.is_clean(hash, "", name) {
            return 0;
        }
        let count = mask_cow(masker, name);
        if count == 0 && Self::hash("", name) == hash {
            self.remember(hash, &Key::from_static_str(""), name);
        }
        count
    }

    fn remember(&mut self, hash: u64, key: &Key, text: &str) {
        if text.len() > Self::MAX_LEN {
            return;
        }
        if self.slots.is_empty() {
            self.slots.resize_with(Self::SLOTS, || None);
        }
        self.slots[hash as usize % Self::SLOTS] = Some((hash, key.clone(), text.into()));
    }
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
            memo: CleanMemo::default(),
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
        self.mask_span_with(span, None)
    }

    fn mask_span_with(&self, span: &mut SpanData, mut memo: Option<&mut CleanMemo>) -> u32 {
        let Some(masker) = &self.masker else {
            return 0;
        };
        let mut count = match memo.as_deref_mut() {
            Some(memo) => {
                mask_attributes(&mut span.attributes, |kv| memo.mask_key_value(masker, kv))
            }
            None => mask_attributes(&mut span.attributes, |kv| mask_key_value(masker, kv)),
        };
        count += match memo {
            Some(memo) => memo.mask_name(masker, &mut span.name),
            None => mask_cow(masker, &mut span.name),
        };
        if let Status::Error { description } = &mut span.status {
            count += mask_cow(masker, description);
        }
        for event in &mut span.events.events {
            count += mask_cow(masker, &mut event.name);
            count += mask_attributes(&mut event.attributes, |kv| mask_key_value(masker, kv));
        }
        for link in &mut span.links.links {
            count += mask_attributes(&mut link.attributes, |kv| mask_key_value(masker, kv));
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

/// Masks a list of attributes in place with `mask` (one attribute, `None`
/// to drop it), removing dropped ones.
fn mask_attributes(
    attributes: &mut Vec<KeyValue>,
    mut mask: impl FnMut(&mut KeyValue) -> Option<u32>,
) -> u32 {
    let mut count = 0;
    attributes.retain_mut(|kv| {
        if let Some(n) = mask(kv) {
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
        // Taken out for the call: a panic loses it, and it starts empty again.
        let mut memo = std::mem::take(&mut self.memo);
        let this: &Self = self;
        let masked = catch_unwind(AssertUnwindSafe(|| {
            let mut span = span;
            this.mask_span_with(&mut span, Some(&mut memo));
            span
        }));
        if masked.is_ok() {
            self.memo = memo;
        }
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

#[cfg(test)]
mod tests {
    use opentelemetry::InstrumentationScope;
    use opentelemetry::trace::{SpanContext, SpanId, SpanKind};
    use opentelemetry_sdk::trace::{SpanEvents, SpanLinks};

    use super::*;

    fn span(route: &str, contact: &str) -> SpanData {
        SpanData {
            span_context: SpanContext::empty_context(),
            parent_span_id: SpanId::INVALID,
            parent_span_is_remote: false,
            span_kind: SpanKind::Internal,
            name: "handle jane@example.com".into(),
            start_time: std::time::SystemTime::UNIX_EPOCH,
            end_time: std::time::SystemTime::UNIX_EPOCH,
            attributes: vec![
                KeyValue::new("app.route", route.to_owned()),
                KeyValue::new("app.contact", contact.to_owned()),
                KeyValue::new("app.note", "nothing to see"),
            ],
            dropped_attributes_count: 0,
            events: SpanEvents::default(),
            links: SpanLinks::default(),
            status: Status::Unset,
            instrumentation_scope: InstrumentationScope::builder("t").build(),
        }
    }

    fn masked(stage: &mut PiiMasking, span: SpanData) -> SpanData {
        match stage.on_span(span) {
            Verdict::Forward(span) => span,
            other => panic!("masking did not forward the span: {other:?}"),
        }
    }

    /// The worker's memo of clean values changes no result: repeated clean
    /// values stay as they are, repeated PII is masked every time.
    #[test]
    fn remembered_values_mask_exactly_as_a_fresh_masker_does() {
        let mut stage = PiiMasking::from_config(&PiiConfig::default()).expect("valid");
        let fresh = PiiMasking::from_config(&PiiConfig::default()).expect("valid");
        for i in 0..50 {
            let input = span(
                "/v1/answer",
                if i % 2 == 0 { "bob@example.org" } else { "ok" },
            );
            let mut expected = input.clone();
            fresh.mask_span(&mut expected);
            let got = masked(&mut stage, input);
            assert_eq!(got.attributes, expected.attributes, "round {i}");
            assert_eq!(got.name, expected.name, "round {i}");
        }
        let last = masked(&mut stage, span("/v1/answer", "bob@example.org"));
        let contact = last
            .attributes
            .iter()
            .find(|kv| kv.key.as_str() == "app.contact")
            .map(|kv| kv.value.as_str().into_owned());
        assert_ne!(contact.as_deref(), Some("bob@example.org"));
        assert!(!last.name.contains("jane@example.com"), "{}", last.name);
        assert!(stage.memo.slots.iter().flatten().count() >= 2);
        // Debug output shows how many values, never which.
        let shown = format!("{stage:?}");
        assert!(!shown.contains("/v1/answer"), "{shown}");
    }
}

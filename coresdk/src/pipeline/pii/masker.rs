//! The compiled rule set: built-in detectors, custom rules, key rules and the
//! hash key, applied to one string or one attribute at a time.

use std::borrow::Cow;
use std::fmt;

use crate::config::{PiiAction, PiiConfig, PiiRule};
use crate::pipeline::masking::MaskingError;

use super::hash::{Hasher, KeySource};
use super::keys::{Glob, KeyRules};
use super::replace::{Kind, Match, merge, splice};
use super::rules::{BuiltinRule, Builtins, CustomRule};
use super::scan::find_builtins;
use super::secrets::Literals;

/// What a key rule with [`PiiAction::Redact`] leaves in place of the value.
pub const REDACTED_TOKEN: &str = "<REDACTED>";
/// The word of the token a key rule with [`PiiAction::Hash`] leaves
/// (`<HASH:…16 hex…>`).
const KEY_HASH_WORD: &str = "HASH";
/// Hash bytes shown in value tokens (`<EMAIL:1a2b3c4d>`).
const VALUE_HASH_BYTES: usize = 4;
/// Hash bytes shown for hashed keys: ids must not collide within a tenant.
const KEY_HASH_BYTES: usize = 8;

/// The result of masking one string.
#[derive(Debug)]
pub(crate) struct Masked<'a> {
    /// The masked text (borrowed when nothing matched).
    pub(crate) text: Cow<'a, str>,
    /// How many ranges were replaced (1 for a drop).
    pub(crate) count: u32,
    /// A rule with [`PiiAction::Drop`] matched: remove the attribute.
    pub(crate) drop: bool,
}

/// The PII rule set, compiled: masks strings with the built-in detectors and
/// custom rules, and decides what key rules do with an attribute.
///
/// ```
/// use coresdk::pipeline::pii::PiiMasker;
///
/// let masker = PiiMasker::builder().with_hash_key("k").build()?;
/// assert_eq!(masker.mask("mail bob@example.com"), "mail <EMAIL>");
/// assert_eq!(masker.mask("nothing to see"), "nothing to see");
/// # Ok::<(), coresdk::pipeline::masking::MaskingError>(())
/// ```
pub struct PiiMasker {
    builtins: Builtins,
    literals: Option<Literals>,
    custom: Vec<CustomRule>,
    keys: KeyRules,
    hasher: Hasher,
}

impl fmt::Debug for PiiMasker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let on: Vec<&str> = BuiltinRule::ALL
            .iter()
            .filter(|r| self.builtins.is_on(**r))
            .map(|r| r.name())
            .collect();
        f.debug_struct("PiiMasker")
            .field("builtins", &on)
            .field("custom", &self.custom)
            .field("keys", &self.keys)
            .field("hasher", &self.hasher)
            .finish_non_exhaustive()
    }
}

impl PiiMasker {
    /// A builder starting from the defaults (every built-in rule and default
    /// key rule on, random hash key).
    pub fn builder() -> PiiMaskerBuilder {
        PiiMaskerBuilder::default()
    }

    /// Compiles the `pii` configuration block. An unknown name in
    /// `pii.disabled_rules`, a bad regex or an empty glob is an error naming it.
    pub fn from_config(config: &PiiConfig) -> Result<Self, MaskingError> {
        let mut builder = Self::builder();
        for rule in config.rules() {
            builder = builder.with_rule(rule.clone());
        }
        for (glob, action) in config.keys() {
            builder = builder.with_key(glob.clone(), *action);
        }
        for name in config.disabled_builtins() {
            builder = builder.without_rule(name.clone());
        }
        if let Some(key) = config.hash_key() {
            builder = builder.with_hash_key(key.expose());
        }
        builder.build()
    }

    /// Whether the `hash` key is random for this process (no
    /// `CORESDK_PII_HASH_KEY` / `pii.hash_key`): hashes then differ across
    /// restarts.
    pub fn hash_key_is_ephemeral(&self) -> bool {
        self.hasher.source() == KeySource::Random
    }

    /// Masks one string with the value rules (built-in and custom rules that
    /// are not limited to keys). Borrows, and allocates nothing, when
    /// nothing matches. A match of a `drop` rule is redacted here, since
    /// there is no attribute to drop.
    pub fn mask<'a>(&self, text: &'a str) -> Cow<'a, str> {
        self.mask_value(None, text).text
    }

    /// Masks the value of the attribute `key` (`None` for span names, event
    /// names and status descriptions).
    pub(crate) fn mask_value<'a>(&self, key: Option<&str>, text: &'a str) -> Masked<'a> {
        let mut matches = Vec::new();
        find_builtins(text, &self.builtins, self.literals.as_ref(), &mut matches);
        if !self.custom.is_empty() {
            self.find_custom(key, text, &mut matches);
        }
        if matches.is_empty() {
            return Masked {
                text: Cow::Borrowed(text),
                count: 0,
                drop: false,
            };
        }
        if key.is_some()
            && matches
                .iter()
                .any(|m| self.action(m.kind) == PiiAction::Drop)
        {
            return Masked {
                text: Cow::Borrowed(text),
                count: 1,
                drop: true,
            };
        }
        merge(&mut matches);
        let count = u32::try_from(matches.len()).unwrap_or(u32::MAX);
        let text = splice(text, &matches, |m, found, out| {
            self.write_token(m.kind, found, out);
        });
        Masked {
            text: Cow::Owned(text),
            count,
            drop: false,
        }
    }

    /// What a key rule does with the attribute `key`, if one covers it.
    pub(crate) fn key_action(&self, key: &str) -> Option<PiiAction> {
        self.keys.action_for(key)
    }

    /// The token replacing a whole value under a key rule, or `None` when
    /// `value` already is that kind of token (masking is idempotent).
    pub(crate) fn key_token(&self, action: PiiAction, value: &str) -> Option<String> {
        match action {
            PiiAction::Hash => {
                if is_token(value, Some(KEY_HASH_WORD)) {
                    return None;
                }
                let mut out = String::with_capacity(8 + 2 * KEY_HASH_BYTES);
                out.push('<');
                out.push_str(KEY_HASH_WORD);
                out.push(':');
                self.hasher
                    .write_hex(value.as_bytes(), KEY_HASH_BYTES, &mut out);
                out.push('>');
                Some(out)
            }
            _ => (value != REDACTED_TOKEN).then(|| REDACTED_TOKEN.to_owned()),
        }
    }

    fn action(&self, kind: Kind) -> PiiAction {
        match kind {
            Kind::Builtin(rule) => self.builtins.action(rule),
            Kind::Custom(i) => self.custom.get(i).map_or(PiiAction::Redact, |r| r.action),
        }
    }

    fn write_token(&self, kind: Kind, found: &str, out: &mut String) {
        let word = match kind {
            Kind::Builtin(rule) => rule.token(),
            Kind::Custom(i) => self.custom.get(i).map_or("PII", |r| r.token.as_str()),
        };
        out.push('<');
        out.push_str(word);
        if self.action(kind) == PiiAction::Hash {
            out.push(':');
            self.hasher
                .write_hex(found.as_bytes(), VALUE_HASH_BYTES, out);
        }
        out.push('>');
    }

    fn find_custom(&self, key: Option<&str>, text: &str, out: &mut Vec<Match>) {
        // Tokens already in the text are never matched again, whatever the
        // custom regex: that keeps masking idempotent.
        let tokens = token_spans(text);
        for (index, rule) in self.custom.iter().enumerate() {
            if !rule.applies_to(key) {
                continue;
            }
            for m in rule.regex.find_iter(text) {
                let inside_token = tokens.iter().any(|&(s, e)| m.start() < e && s < m.end());
                if !inside_token && rule.validates(m.as_str()) {
                    out.push(Match {
                        start: m.start(),
                        end: m.end(),
                        kind: Kind::Custom(index),
                    });
                }
            }
        }
    }
}

/// Whether `text` is a replacement token: `<WORD>` or `<WORD:hex>`, `WORD`
/// of `A-Z0-9_` (and equal to `word` when given).
fn is_token(text: &str, word: Option<&str>) -> bool {
    let Some(inner) = text.strip_prefix('<').and_then(|t| t.strip_suffix('>')) else {
        return false;
    };
    let (w, hash) = inner
        .split_once(':')
        .map_or((inner, None), |(w, h)| (w, Some(h)));
    !w.is_empty()
        && w.bytes()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == b'_')
        && word.is_none_or(|want| want == w)
        && hash.is_none_or(|h| {
            !h.is_empty()
                && h.bytes()
                    .all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(&c))
        })
}

/// Byte ranges of the replacement tokens in `text`.
fn token_spans(text: &str) -> Vec<(usize, usize)> {
    let b = text.as_bytes();
    let mut spans = Vec::new();
    for open in memchr::memchr_iter(b'<', b) {
        let Some(len) = b[open..].iter().take(64).position(|&c| c == b'>') else {
            continue;
        };
        if is_token(&text[open..=open + len], None) {
            spans.push((open, open + len + 1));
        }
    }
    spans
}

/// Builds a [`PiiMasker`].
#[derive(Clone, Default)]
#[must_use = "call `.build()` to compile the rules"]
pub struct PiiMaskerBuilder {
    rules: Vec<PiiRule>,
    keys: Vec<(String, PiiAction)>,
    disabled: Vec<String>,
    actions: Vec<(BuiltinRule, PiiAction)>,
    hash_key: Option<Vec<u8>>,
}

impl fmt::Debug for PiiMaskerBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PiiMaskerBuilder")
            .field("rules", &self.rules)
            .field("keys", &self.keys)
            .field("disabled", &self.disabled)
            .field("actions", &self.actions)
            .field("hash_key", &self.hash_key.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

impl PiiMaskerBuilder {
    /// Adds a custom value rule (after the built-in ones).
    pub fn with_rule(mut self, rule: PiiRule) -> Self {
        self.rules.push(rule);
        self
    }

    /// Handles attributes whose key matches `glob` with `action`, whatever
    /// their value; wins over the default key rules.
    pub fn with_key(mut self, glob: impl Into<String>, action: PiiAction) -> Self {
        self.keys.push((glob.into(), action));
        self
    }

    /// Switches off a built-in value rule (by [`BuiltinRule::name`]) or a
    /// default key rule (by its glob, e.g. `*token*`).
    pub fn without_rule(mut self, name: impl Into<String>) -> Self {
        self.disabled.push(name.into());
        self
    }

    /// What a built-in rule does with its matches (default
    /// [`PiiAction::Redact`]).
    pub fn with_builtin_action(mut self, rule: BuiltinRule, action: PiiAction) -> Self {
        self.actions.push((rule, action));
        self
    }

    /// The HMAC key for the `hash` action. Without one (or with an empty
    /// one), a random key is drawn from the OS for this process, so hashes do
    /// not match across restarts.
    pub fn with_hash_key(mut self, key: impl AsRef<[u8]>) -> Self {
        self.hash_key = Some(key.as_ref().to_vec());
        self
    }

    /// Compiles the rules.
    pub fn build(self) -> Result<PiiMasker, MaskingError> {
        let mut builtins = Builtins::default();
        for name in &self.disabled {
            match BuiltinRule::from_name(name) {
                Some(rule) => builtins.set_enabled(rule, false),
                None if KeyRules::is_default_glob(name) => {}
                None => return Err(MaskingError::UnknownRule { name: name.clone() }),
            }
        }
        for (rule, action) in &self.actions {
            builtins.set_action(*rule, *action);
        }
        let custom = self
            .rules
            .iter()
            .map(CustomRule::compile)
            .collect::<Result<Vec<_>, _>>()?;
        let mut keys = KeyRules::with_defaults(&self.disabled);
        for (glob, action) in self.keys {
            let compiled = Glob::new(&glob).map_err(|reason| MaskingError::InvalidKeyGlob {
                glob: glob.clone(),
                reason,
            })?;
            keys.push(compiled, action);
        }
        Ok(PiiMasker {
            literals: Literals::new(&builtins),
            builtins,
            custom,
            keys,
            hasher: Hasher::new(self.hash_key.as_deref()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::PiiValidator;

    fn masker() -> PiiMasker {
        PiiMasker::builder()
            .with_hash_key("test-key")
            .build()
            .expect("valid")
    }

    #[test]
    fn masks_and_borrows_clean_text() {
        let m = masker();
        assert!(matches!(
            m.mask("all clear, 42 items at 12:30"),
            Cow::Borrowed(_)
        ));
        assert_eq!(
            m.mask("ssn 123-45-6789, card 4111-1111-1111-1111"),
            "ssn <SSN>, card <CREDIT_CARD>"
        );
    }

    #[test]
    fn hash_action_gives_stable_tokens() {
        let m = PiiMasker::builder()
            .with_hash_key("k")
            .with_builtin_action(BuiltinRule::Email, PiiAction::Hash)
            .build()
            .expect("valid");
        let a = m.mask("a@example.com");
        let b = m.mask("x a@example.com y");
        assert!(
            a.starts_with("<EMAIL:") && a.len() == "<EMAIL:12345678>".len(),
            "{a}"
        );
        assert!(b.contains(a.as_ref()));
        assert_eq!(m.mask(&a), a);
    }

    #[test]
    fn custom_rules_drop_and_skip_tokens() {
        let m = PiiMasker::builder()
            .with_rule(PiiRule::new("order", r"ORD-\d{6}"))
            .with_rule(PiiRule::new("caps", r"[A-Z]{4,}"))
            .with_rule(
                PiiRule::new("acct", r"\b\d{16}\b")
                    .with_validator(PiiValidator::Luhn)
                    .with_action(PiiAction::Drop),
            )
            .build()
            .expect("valid");
        assert_eq!(m.mask("see ORD-123456"), "see <ORDER>");
        let once = m.mask("mail a@b.io and SHOUT");
        assert_eq!(once, "mail <EMAIL> and <CAPS>");
        assert_eq!(m.mask(&once), once);
        let out = m.mask_value(Some("x"), "n 4111111111111111");
        assert!(out.drop);
        // The 16 digits also match the built-in card rule; redacted without a key.
        assert_eq!(m.mask("n 4111111111111111"), "n <CREDIT_CARD>");
    }

    #[test]
    fn unknown_names_and_bad_globs_are_errors() {
        let err = PiiMasker::builder()
            .without_rule("emial")
            .build()
            .expect_err("unknown");
        assert_eq!(err.to_string(), "pii.disabled_rules: unknown rule `emial`");
        let err = PiiMasker::builder()
            .with_key("", PiiAction::Redact)
            .build()
            .expect_err("empty glob");
        assert!(err.to_string().contains("pii.keys"), "{err}");
        let m = PiiMasker::builder()
            .without_rule("email")
            .without_rule("*token*")
            .build()
            .expect("valid");
        assert_eq!(m.mask("a@example.com"), "a@example.com");
        assert_eq!(m.key_action("auth_token"), None);
    }

    #[test]
    fn key_tokens_are_idempotent() {
        let m = masker();
        let hashed = m.key_token(PiiAction::Hash, "user-42").expect("hashed");
        assert!(
            hashed.starts_with("<HASH:") && hashed.len() == 23,
            "{hashed}"
        );
        assert_eq!(m.key_token(PiiAction::Hash, &hashed), None);
        assert_eq!(
            m.key_token(PiiAction::Redact, "pw").as_deref(),
            Some(REDACTED_TOKEN)
        );
        assert_eq!(m.key_token(PiiAction::Redact, REDACTED_TOKEN), None);
    }
}

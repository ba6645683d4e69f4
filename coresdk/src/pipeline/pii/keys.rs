//! Key rules: attributes whose key matches a glob are handled whole,
//! whatever their value.

use std::sync::{Mutex, PoisonError};

use crate::config::PiiAction;
use crate::genai::attributes::{
    PII_HASH_KEY_GLOBS, PII_KEY_RULE_EXEMPT_GLOBS, PII_REDACT_KEY_GLOBS,
};

/// A key glob: `*` matches any run of characters, `?` one character; ASCII
/// case is ignored. Common shapes (`*word*`, `prefix*`, exact) skip the general
/// matcher.
#[derive(Clone)]
pub(crate) struct Glob {
    source: String,
    shape: Shape,
}

#[derive(Debug, Clone)]
enum Shape {
    Exact(String),
    Prefix(String),
    Suffix(String),
    Contains(String),
    General(Vec<u8>),
}

impl Glob {
    /// Compiles `pattern`; an empty pattern is an error.
    pub(crate) fn new(pattern: &str) -> Result<Self, String> {
        if pattern.is_empty() {
            return Err("empty glob".to_owned());
        }
        let lower = pattern.to_ascii_lowercase();
        let inner_wild = |s: &str| s.contains(['*', '?']);
        let shape = match (lower.strip_prefix('*'), lower.strip_suffix('*')) {
            _ if !inner_wild(&lower) => Shape::Exact(lower.clone()),
            (Some(rest), _) if rest.ends_with('*') && !inner_wild(&rest[..rest.len() - 1]) => {
                Shape::Contains(rest[..rest.len() - 1].to_owned())
            }
            (Some(rest), _) if !inner_wild(rest) => Shape::Suffix(rest.to_owned()),
            (_, Some(rest)) if !inner_wild(rest) => Shape::Prefix(rest.to_owned()),
            _ => Shape::General(lower.clone().into_bytes()),
        };
        Ok(Self {
            source: pattern.to_owned(),
            shape,
        })
    }

    /// Whether `key` matches.
    pub(crate) fn matches(&self, key: &str) -> bool {
        match &self.shape {
            Shape::Exact(s) => key.eq_ignore_ascii_case(s),
            Shape::Prefix(s) => key
                .get(..s.len())
                .is_some_and(|head| head.eq_ignore_ascii_case(s)),
            Shape::Suffix(s) => key
                .len()
                .checked_sub(s.len())
                .and_then(|at| key.get(at..))
                .is_some_and(|tail| tail.eq_ignore_ascii_case(s)),
            Shape::Contains(s) => contains_ignore_case(key.as_bytes(), s.as_bytes()),
            Shape::General(p) => glob_match(p, key.as_bytes()),
        }
    }
}

impl std::fmt::Debug for Glob {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Glob({:?})", self.source)
    }
}

fn contains_ignore_case(hay: &[u8], needle: &[u8]) -> bool {
    needle.is_empty()
        || hay
            .windows(needle.len())
            .any(|w| w.eq_ignore_ascii_case(needle))
}

/// Iterative wildcard match with single-star backtracking (linear in
/// practice, `O(n·m)` worst case). `pattern` is lower-case.
fn glob_match(pattern: &[u8], text: &[u8]) -> bool {
    let (mut p, mut t) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        match pattern.get(p) {
            Some(b'*') => {
                star = Some((p, t));
                p += 1;
            }
            Some(&c) if c == b'?' || c == text[t].to_ascii_lowercase() => {
                p += 1;
                t += 1;
            }
            _ => match star {
                Some((sp, st)) => {
                    p = sp + 1;
                    t = st + 1;
                    star = Some((sp, st + 1));
                }
                None => return false,
            },
        }
    }
    pattern[p..].iter().all(|&c| c == b'*')
}

/// Distinct keys whose decision is remembered; past it the memory restarts.
const DECISION_MEMORY: usize = 4096;

/// The key rules in force: the user's first, then the defaults not switched off.
///
/// Attribute keys repeat endlessly (most are constants), so each key's decision
/// is remembered: matching every glob against every key of every span was the
/// largest cost of the masking stage.
#[derive(Debug, Default)]
pub(crate) struct KeyRules {
    user: Vec<(Glob, PiiAction)>,
    defaults: Vec<(Glob, PiiAction)>,
    exempt: Vec<Glob>,
    /// Decisions by key, hashed with foldhash: a lookup per attribute of
    /// every span, where SipHash cost more than the lookup itself.
    decided: Mutex<foldhash::HashMap<Box<str>, Option<PiiAction>>>,
}

impl Clone for KeyRules {
    fn clone(&self) -> Self {
        Self {
            user: self.user.clone(),
            defaults: self.defaults.clone(),
            exempt: self.exempt.clone(),
            decided: Mutex::default(),
        }
    }
}

impl KeyRules {
    /// The default rules, minus those whose glob is listed in `disabled`.
    pub(crate) fn with_defaults(disabled: &[String]) -> Self {
        let defaults = PII_REDACT_KEY_GLOBS
            .iter()
            .map(|g| (g, PiiAction::Redact))
            .chain(PII_HASH_KEY_GLOBS.iter().map(|g| (g, PiiAction::Hash)))
            .filter(|(g, _)| !disabled.iter().any(|d| d == *g))
            .filter_map(|(g, a)| Some((Glob::new(g).ok()?, a)))
            .collect();
        let exempt = PII_KEY_RULE_EXEMPT_GLOBS
            .iter()
            .filter_map(|g| Glob::new(g).ok())
            .collect();
        Self {
            user: Vec::new(),
            defaults,
            exempt,
            decided: Mutex::default(),
        }
    }

    /// Whether `name` is one of the default key globs (so it may be disabled).
    pub(crate) fn is_default_glob(name: &str) -> bool {
        PII_REDACT_KEY_GLOBS.contains(&name) || PII_HASH_KEY_GLOBS.contains(&name)
    }

    /// Adds a user rule; user rules win over the defaults.
    pub(crate) fn push(&mut self, glob: Glob, action: PiiAction) {
        self.user.push((glob, action));
        self.decided
            .get_mut()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
    }

    /// What to do with the attribute called `key`, if a key rule covers it.
    pub(crate) fn action_for(&self, key: &str) -> Option<PiiAction> {
        let mut decided = self.decided.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(action) = decided.get(key) {
            return *action;
        }
        let action = self.decide(key);
        if decided.len() >= DECISION_MEMORY {
            decided.clear();
        }
        decided.insert(key.into(), action);
        action
    }

    fn decide(&self, key: &str) -> Option<PiiAction> {
        if let Some((_, action)) = self.user.iter().find(|(g, _)| g.matches(key)) {
            return Some(*action);
        }
        let (_, action) = self.defaults.iter().find(|(g, _)| g.matches(key))?;
        if self.exempt.iter().any(|g| g.matches(key)) {
            return None;
        }
        Some(*action)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::genai::attributes;

    fn glob(p: &str) -> Glob {
        Glob::new(p).expect("valid glob")
    }

    #[test]
    fn glob_shapes() {
        assert!(glob("*password*").matches("db.PASSWORD.hash"));
        assert!(glob("user.id").matches("User.Id"));
        assert!(!glob("user.id").matches("user.idx"));
        assert!(glob("http.*").matches("http.method"));
        assert!(glob("*_key").matches("stripe_key"));
        assert!(glob("a*b?c").matches("axxbyc"));
        assert!(!glob("a*b?c").matches("axxbc"));
        assert!(glob("*.*.secret").matches("x.y.secret"));
        assert!(glob("*").matches(""));
        assert!(Glob::new("").is_err());
    }

    #[test]
    fn defaults_cover_secrets_but_not_token_counts() {
        let rules = KeyRules::with_defaults(&[]);
        assert_eq!(rules.action_for("db.password"), Some(PiiAction::Redact));
        assert_eq!(rules.action_for("client_secret"), Some(PiiAction::Redact));
        assert_eq!(
            rules.action_for("auth.refresh_token"),
            Some(PiiAction::Redact)
        );
        assert_eq!(rules.action_for("openai_api_key"), Some(PiiAction::Redact));
        assert_eq!(
            rules.action_for("http.request.header.authorization"),
            Some(PiiAction::Redact)
        );
        assert_eq!(
            rules.action_for("http.request.header.cookie"),
            Some(PiiAction::Redact)
        );
        assert_eq!(rules.action_for("user.id"), Some(PiiAction::Hash));
        assert_eq!(rules.action_for("session.id"), None);
        assert_eq!(rules.action_for(attributes::GEN_AI_CONVERSATION_ID), None);
        assert_eq!(
            rules.action_for(attributes::GEN_AI_USAGE_INPUT_TOKENS),
            None
        );
        assert_eq!(
            rules.action_for(attributes::GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS),
            None
        );
        assert_eq!(
            rules.action_for(attributes::GEN_AI_REQUEST_MAX_TOKENS),
            None
        );
        assert_eq!(
            rules.action_for(attributes::LLM_TIME_TO_FIRST_TOKEN_MS),
            None
        );
        assert_eq!(
            rules.action_for(attributes::GEN_AI_REQUEST_USER),
            Some(PiiAction::Hash)
        );
        assert_eq!(rules.action_for("llm.time_to_first_token_ms"), None);
        let content = format!(
            "{}.0.{}",
            attributes::GEN_AI_PROMPT,
            attributes::SUFFIX_CONTENT
        );
        assert_eq!(rules.action_for(&content), None);
    }

    #[test]
    fn user_rules_win_and_defaults_can_be_disabled() {
        let mut rules = KeyRules::with_defaults(&["*token*".to_owned()]);
        assert_eq!(rules.action_for("auth.token"), None);
        rules.push(glob("user.id"), PiiAction::Drop);
        assert_eq!(rules.action_for("user.id"), Some(PiiAction::Drop));
        assert!(KeyRules::is_default_glob("*secret*"));
        assert!(!KeyRules::is_default_glob("*nope*"));
    }
}

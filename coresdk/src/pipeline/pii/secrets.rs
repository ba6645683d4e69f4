//! Detectors for secrets that start with a fixed literal: API keys and
//! tokens, JWTs, `Bearer` credentials and PEM private key blocks. One
//! multi-literal searcher finds the literals; a matcher per family checks the
//! rest of the shape. Pairs whose key names a secret are [`super::pairs`]'.

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, Input, MatchKind, packed};

use super::replace::Match;
use super::rules::{BuiltinRule, Builtins};
use super::scan::{at, is_word};

/// What follows a literal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Family {
    Sk,
    Aws,
    Jwt,
    GithubClassic,
    GithubPat,
    Slack,
    Google,
    Bearer,
    Pem,
    Stripe,
}

const LITERALS: [(&str, Family); 17] = [
    ("sk-", Family::Sk),
    ("AKIA", Family::Aws),
    ("ASIA", Family::Aws),
    ("eyJ", Family::Jwt),
    ("ghp_", Family::GithubClassic),
    ("gho_", Family::GithubClassic),
    ("ghu_", Family::GithubClassic),
    ("ghs_", Family::GithubClassic),
    ("ghr_", Family::GithubClassic),
    ("github_pat_", Family::GithubPat),
    ("xox", Family::Slack),
    ("AIza", Family::Google),
    ("Bearer ", Family::Bearer),
    ("bearer ", Family::Bearer),
    ("-----BEGIN ", Family::Pem),
    // `sk_live_`, `rk_test_`, …: the `s`/`r` before is checked.
    ("k_live_", Family::Stripe),
    ("k_test_", Family::Stripe),
];

impl Family {
    fn rules(self) -> &'static [BuiltinRule] {
        match self {
            Self::Sk => &[BuiltinRule::OpenAiKey, BuiltinRule::AnthropicKey],
            Self::Aws => &[BuiltinRule::AwsAccessKey],
            Self::Jwt => &[BuiltinRule::Jwt],
            Self::GithubClassic | Self::GithubPat => &[BuiltinRule::GithubToken],
            Self::Slack => &[BuiltinRule::SlackToken],
            Self::Google => &[BuiltinRule::GoogleApiKey],
            Self::Bearer => &[BuiltinRule::BearerToken],
            Self::Pem => &[BuiltinRule::PrivateKey],
            Self::Stripe => &[BuiltinRule::StripeKey],
        }
    }
}

/// The literal searcher for the families that are switched on.
#[derive(Debug, Clone)]
pub(crate) struct Literals {
    finder: Finder,
    families: Vec<Family>,
}

/// Finds the leftmost-first literal from a position.
#[derive(Debug, Clone)]
enum Finder {
    /// The SIMD "Teddy" searcher on its own: the same leftmost-first
    /// answers as the automaton, without its per-call set-up (about two
    /// thirds of the literal search's cost on a 64-byte value).
    Packed(packed::Searcher),
    /// Where Teddy is unavailable (no SSSE3/AVX2 or NEON).
    Automaton(AhoCorasick),
}

impl Finder {
    /// `(pattern index, start, end)` of the leftmost-first literal in
    /// `b[pos..]`.
    #[inline]
    fn find(&self, b: &[u8], pos: usize) -> Option<(usize, usize, usize)> {
        match self {
            Self::Packed(searcher) => searcher
                .find_in(b, aho_corasick::Span::from(pos..b.len()))
                .map(|m| (m.pattern().as_usize(), m.start(), m.end())),
            Self::Automaton(automaton) => automaton
                .find(Input::new(b).range(pos..))
                .map(|m| (m.pattern().as_usize(), m.start(), m.end())),
        }
    }
}

impl Literals {
    /// `None` when every literal-led rule is off.
    pub(crate) fn new(on: &Builtins) -> Option<Self> {
        let (patterns, families): (Vec<&str>, Vec<Family>) = LITERALS
            .iter()
            .filter(|(_, f)| on.any_on(f.rules()))
            .copied()
            .unzip();
        if patterns.is_empty() {
            return None;
        }
        let packed = packed::Config::new()
            .match_kind(packed::MatchKind::LeftmostFirst)
            .builder()
            .extend(&patterns)
            .build();
        let finder = match packed {
            Some(searcher) => Finder::Packed(searcher),
            None => Finder::Automaton(
                AhoCorasickBuilder::new()
                    .match_kind(MatchKind::LeftmostFirst)
                    .build(&patterns)
                    .ok()?,
            ),
        };
        Some(Self { finder, families })
    }

    /// Appends the secrets found in `b` to `out`.
    pub(crate) fn scan(&self, b: &[u8], on: &Builtins, out: &mut Vec<Match>) {
        let mut pos = 0;
        // A `sk-`/`eyJ` inside the base64url run of one that failed fails the
        // same way (its run ends at the same place): skip those, so input
        // like `eyJ-eyJ-eyJ-…` stays linear.
        let (mut sk_dead, mut jwt_dead) = (0, 0);
        while pos < b.len() {
            let Some((pattern, start, end)) = self.finder.find(b, pos) else {
                return;
            };
            let family = self.families[pattern];
            let dead = match family {
                Family::Sk => start < sk_dead,
                Family::Jwt => start < jwt_dead,
                _ => false,
            };
            match (!dead).then(|| match_family(b, start, end, family, on)) {
                Some(Some(m)) => {
                    pos = m.end.max(start + 1);
                    out.push(m);
                }
                Some(None) if family == Family::Sk => {
                    sk_dead = run(b, end, is_b64url);
                    pos = start + 1;
                }
                Some(None) if family == Family::Jwt => {
                    jwt_dead = run(b, end, is_b64url);
                    pos = start + 1;
                }
                _ => pos = start + 1,
            }
        }
    }
}

fn is_b64url(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c == b'-'
}

/// End of the run of bytes in `class` from `i`.
fn run(b: &[u8], mut i: usize, class: impl Fn(u8) -> bool) -> usize {
    while i < b.len() && class(b[i]) {
        i += 1;
    }
    i
}

fn match_family(
    b: &[u8],
    start: usize,
    lit_end: usize,
    family: Family,
    on: &Builtins,
) -> Option<Match> {
    let found =
        |s: usize, e: usize, rule: BuiltinRule| on.is_on(rule).then(|| Match::builtin(s, e, rule));
    // `k_live_` follows the `s` (secret) or `r` (restricted) of its key.
    if family == Family::Stripe {
        let s = start.checked_sub(1)?;
        if !matches!(b[s], b's' | b'r') || (s > 0 && is_word(b[s - 1])) {
            return None;
        }
        let end = run(b, lit_end, |c| c.is_ascii_alphanumeric());
        (end - lit_end >= 16 && !is_word(at(b, end))).then_some(())?;
        return found(s, end, BuiltinRule::StripeKey);
    }
    let prev = if start > 0 { b[start - 1] } else { 0 };
    if is_word(prev) {
        return None;
    }
    match family {
        Family::Sk => {
            let end = run(b, lit_end, is_b64url);
            if end - lit_end < 20 {
                return None;
            }
            let rule = if b[lit_end..].starts_with(b"ant-") {
                BuiltinRule::AnthropicKey
            } else {
                BuiltinRule::OpenAiKey
            };
            found(start, end, rule)
        }
        Family::Aws => {
            let end = run(b, lit_end, |c| c.is_ascii_uppercase() || c.is_ascii_digit());
            (end - lit_end == 16 && !is_word(at(b, end))).then_some(())?;
            found(start, end, BuiltinRule::AwsAccessKey)
        }
        Family::Jwt => {
            let head = run(b, lit_end, is_b64url);
            if head - start < 10 || at(b, head) != b'.' {
                return None;
            }
            let payload = run(b, head + 1, is_b64url);
            if payload - head - 1 < 2 || at(b, payload) != b'.' {
                return None;
            }
            let end = run(b, payload + 1, is_b64url);
            found(start, end, BuiltinRule::Jwt)
        }
        Family::GithubClassic => {
            let end = run(b, lit_end, |c| c.is_ascii_alphanumeric());
            (end - lit_end >= 30 && !is_word(at(b, end))).then_some(())?;
            found(start, end, BuiltinRule::GithubToken)
        }
        Family::GithubPat => {
            let end = run(b, lit_end, is_word);
            (end - lit_end >= 22).then_some(())?;
            found(start, end, BuiltinRule::GithubToken)
        }
        Family::Slack => {
            if !matches!(at(b, lit_end), b'a' | b'b' | b'p' | b'o' | b's' | b'r')
                || at(b, lit_end + 1) != b'-'
            {
                return None;
            }
            let end = run(b, lit_end + 2, |c| c.is_ascii_alphanumeric() || c == b'-');
            (end - lit_end - 2 >= 10).then_some(())?;
            found(start, end, BuiltinRule::SlackToken)
        }
        Family::Google => {
            let end = run(b, lit_end, is_b64url);
            (end - lit_end >= 30).then_some(())?;
            found(start, end, BuiltinRule::GoogleApiKey)
        }
        Family::Bearer => {
            bearer(b, lit_end).and_then(|(s, e)| found(s, e, BuiltinRule::BearerToken))
        }
        Family::Pem => {
            pem(b, start, lit_end).and_then(|e| found(start, e, BuiltinRule::PrivateKey))
        }
        Family::Stripe => None,
    }
}

/// The RFC 6750 `b64token` after `Bearer `: at least eight characters with a
/// digit, or twenty mixing cases (so prose like "Bearer authentication" stays).
fn bearer(b: &[u8], lit_end: usize) -> Option<(usize, usize)> {
    let s = run(b, lit_end, |c| c == b' ' || c == b'\t');
    let body = run(b, s, |c| {
        c.is_ascii_alphanumeric() || matches!(c, b'-' | b'.' | b'_' | b'~' | b'+' | b'/')
    });
    let e = run(b, body, |c| c == b'=');
    let token = &b[s..body];
    let digit = token.iter().any(u8::is_ascii_digit);
    let mixed =
        token.iter().any(u8::is_ascii_uppercase) && token.iter().any(u8::is_ascii_lowercase);
    ((token.len() >= 8 && digit) || (token.len() >= 20 && mixed)).then_some((s, e))
}

/// `-----BEGIN … PRIVATE KEY-----` through the matching `-----END …-----`, or
/// to the end of the text when the block is cut off.
fn pem(b: &[u8], start: usize, lit_end: usize) -> Option<usize> {
    let header_len = b[lit_end..].iter().take(40).position(|&c| c == b'-')?;
    let label = &b[lit_end..lit_end + header_len];
    if !label.ends_with(b"PRIVATE KEY") || !b[lit_end + header_len..].starts_with(b"-----") {
        return None;
    }
    let body = lit_end + header_len + 5;
    let Some(end_at) = memchr::memmem::find(&b[body..], b"-----END ") else {
        return Some(b.len());
    };
    let tail = body + end_at + 9;
    let close = memchr::memmem::find(&b[tail..], b"-----").map_or(b.len(), |k| tail + k + 5);
    debug_assert!(close > start);
    Some(close)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scan(text: &str) -> Vec<(String, BuiltinRule)> {
        let on = Builtins::default();
        let lit = Literals::new(&on).expect("literals");
        let mut out = Vec::new();
        lit.scan(text.as_bytes(), &on, &mut out);
        out.iter()
            .map(|m| (text[m.start..m.end].to_owned(), m.rule().expect("builtin")))
            .collect()
    }

    #[test]
    fn keys_and_tokens() {
        let cases = [
            (
                "key=sk-proj-abcdefghij0123456789XYZ",
                "sk-proj-abcdefghij0123456789XYZ",
                BuiltinRule::OpenAiKey,
            ),
            (
                "sk-ant-api03-abcdefghij0123456789_x",
                "sk-ant-api03-abcdefghij0123456789_x",
                BuiltinRule::AnthropicKey,
            ),
            (
                "id AKIAIOSFODNN7EXAMPLE.",
                "AKIAIOSFODNN7EXAMPLE",
                BuiltinRule::AwsAccessKey,
            ),
            (
                "t ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789",
                "ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789",
                BuiltinRule::GithubToken,
            ),
            (
                "xoxb-1234567890-abcdefghij",
                "xoxb-1234567890-abcdefghij",
                BuiltinRule::SlackToken,
            ),
            (
                "AIzaSyA1bC2dE3fG4hI5jK6lM7nO8pQ9rS0tU1v",
                "AIzaSyA1bC2dE3fG4hI5jK6lM7nO8pQ9rS0tU1v",
                BuiltinRule::GoogleApiKey,
            ),
            (
                "Authorization: Bearer abc123DEF456ghi=",
                "abc123DEF456ghi=",
                BuiltinRule::BearerToken,
            ),
            (
                "jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig-_sig",
                "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig-_sig",
                BuiltinRule::Jwt,
            ),
        ];
        for (text, want, rule) in cases {
            assert_eq!(scan(text), [(want.to_owned(), rule)], "{text}");
        }
        for clean in [
            "task-based sk-short",
            "Bearer authentication",
            "ASIAN markets",
            "xoxo hugs",
            "eyJust",
        ] {
            assert!(scan(clean).is_empty(), "{clean}");
        }
    }

    #[test]
    fn repeated_failing_literals_stay_linear() {
        let on = Builtins::default();
        let lit = Literals::new(&on).expect("literals");
        for unit in ["eyJ-", "sk-a-", "-----BEGIN ", "Bearer "] {
            let text = unit.repeat(100_000);
            let started = std::time::Instant::now();
            let mut out = Vec::new();
            lit.scan(text.as_bytes(), &on, &mut out);
            assert!(
                started.elapsed() < std::time::Duration::from_secs(5),
                "{unit:?} is slow"
            );
        }
    }

    #[test]
    fn stripe_keys() {
        let stripe = "charge with sk_live_51H8zQ2eZvKYlo2CabcDEF now";
        assert_eq!(
            scan(stripe),
            [(
                "sk_live_51H8zQ2eZvKYlo2CabcDEF".to_owned(),
                BuiltinRule::StripeKey
            )]
        );
        assert_eq!(
            scan("rk_test_4eC39HqLyjWDarjtT1zdp7dc")[0].1,
            BuiltinRule::StripeKey
        );
        assert!(scan("ask_live_ sk_test_short pk_live_4eC39HqLyjWDarjtT1zdp7dc").is_empty());
    }

    #[test]
    fn pem_blocks() {
        let pem = "-----BEGIN RSA PRIVATE KEY-----\nMIIEow\n-----END RSA PRIVATE KEY-----";
        assert_eq!(
            scan(&format!("k={pem} after")),
            [(pem.to_owned(), BuiltinRule::PrivateKey)]
        );
        let cut = "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBg";
        assert_eq!(scan(cut), [(cut.to_owned(), BuiltinRule::PrivateKey)]);
        assert!(scan("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----").is_empty());
    }
}

//! The prefilter and scan driver: proves a string clean without allocating,
//! and hands candidate positions to the detectors.
//!
//! Two passes over the bytes:
//!
//! 1. an Aho–Corasick search (SIMD "Teddy" prefilter) for the literal
//!    prefixes of secrets (`sk-`, `AKIA`, `eyJ`, `-----BEGIN `, …), see
//!    [`super::secrets`];
//! 2. a word-at-a-time (SWAR, 8 bytes per step, safe Rust) search for the
//!    only bytes every other kind must contain: an ASCII digit, `:` or `@`.
//!    Each hit goes to a hand-written detector that either matches or tells
//!    the scan where to resume (past the whole word it examined), so
//!    ordinary numbers, times and hex ids cost a few comparisons each.
//!
//! Pass 2 runs only when the clean-value gate ([`super::gate`]) cannot
//! prove that none of its rules matches: most short values with digits and
//! colons (timestamps, versions, ids) never reach the detectors.
//!
//! Every detector matches ASCII only, so match bounds are always UTF-8 char
//! boundaries; non-ASCII bytes count as word boundaries (ASCII `\b`
//! semantics), which keeps non-ASCII prose on the fast path.

use super::gate;
use super::network;
use super::numbers;
use super::pairs;
use super::replace::Match;
use super::rules::{BuiltinRule, Builtins};
use super::secrets::Literals;
use super::short_gate;

const LO: u64 = 0x0101_0101_0101_0101;
const HI: u64 = 0x8080_8080_8080_8080;

/// High bit set in each byte lane of `w` holding `0`–`9` or `:` (exact per
/// lane), or `@` (exact for the lowest flagged lane).
#[inline]
fn trigger_lanes(w: u64) -> u64 {
    // bytes strictly between 0x2F and 0x3B: `0`..=`9` and `:` (Hacker's
    // Delight / "hasbetween"; no carries cross lanes, bytes >= 0x80 excluded).
    let low7 = w & (LO * 0x7F);
    let between =
        (LO * (127 + 0x3B)).wrapping_sub(low7) & !w & low7.wrapping_add(LO * (127 - 0x2F)) & HI;
    let at = w ^ (LO * u64::from(b'@'));
    let at = at.wrapping_sub(LO) & !at & HI;
    between | at
}

/// ASCII letter, digit or `_`.
#[inline]
pub(super) const fn is_word(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

/// ASCII hex digit.
#[inline]
pub(super) fn is_hex(c: u8) -> bool {
    c.is_ascii_hexdigit()
}

/// The byte at `i`, or 0 past the end (0 is no class's member).
#[inline]
pub(super) fn at(b: &[u8], i: usize) -> u8 {
    b.get(i).copied().unwrap_or(0)
}

/// The end of the run of word bytes starting at `i`.
#[inline]
pub(super) fn word_end(b: &[u8], mut i: usize) -> usize {
    while i < b.len() && is_word(b[i]) {
        i += 1;
    }
    i
}

/// Rules found by the byte scan (pass 2).
const BYTE_RULES: [BuiltinRule; 9] = [
    BuiltinRule::Email,
    BuiltinRule::UrlCredentials,
    BuiltinRule::Phone,
    BuiltinRule::Ssn,
    BuiltinRule::CreditCard,
    BuiltinRule::Iban,
    BuiltinRule::Ipv4,
    BuiltinRule::Ipv6,
    BuiltinRule::MacAddress,
];

/// Appends every built-in match in `text` to `out` (unordered, possibly
/// overlapping). Allocates nothing when there is no match.
pub(crate) fn find_builtins(
    text: &str,
    on: &Builtins,
    literals: Option<&Literals>,
    out: &mut Vec<Match>,
) {
    let b = text.as_bytes();
    let pairs_on = on.is_on(BuiltinRule::SecretPair);
    let bytes_on = on.any_on(&BYTE_RULES);
    if b.len() <= short_gate::MAX_LEN {
        // One set of class masks serves the three gates: the literal
        // search's, the pair separators and the byte scan's.
        if literals.is_some() || pairs_on || bytes_on {
            let masks = short_gate::masks(b);
            if let Some(literals) = literals
                && short_gate::may_hold_literal_secret(&masks)
            {
                literals.scan(b, on, out);
            }
            if pairs_on {
                pairs::scan_separators(b, short_gate::separators(&masks), out);
            }
            if bytes_on && short_gate::may_match_masks(b, &masks) {
                byte_scan(b, on, out);
            }
        }
        return;
    }
    if let Some(literals) = literals {
        literals.scan(b, on, out);
    }
    if pairs_on {
        pairs::scan(b, out);
    }
    if bytes_on && gate::walk(b) {
        byte_scan(b, on, out);
    }
}

/// Pass 2 on its own (without the gate).
pub(super) fn byte_scan(b: &[u8], on: &Builtins, out: &mut Vec<Match>) {
    let n = b.len();
    let mut colon_checked = 0;
    let mut i = 0;
    while i < n {
        if let Some(chunk) = b.get(i..i + 8) {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            let lanes = trigger_lanes(u64::from_le_bytes(word));
            if lanes == 0 {
                i += 8;
                continue;
            }
            i += (lanes.trailing_zeros() / 8) as usize;
        }
        let (found, next) = match b[i] {
            b'0'..=b'9' => numbers::at_digit_run(b, i, on),
            b':' => network::at_colon(b, i, on, &mut colon_checked),
            b'@' => network::at_sign(b, i, on),
            _ => (None, i + 1),
        };
        if let Some(m) = found {
            out.push(m);
        }
        i = next.max(i + 1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Short values built from pieces of every literal family's shape.
    fn short_values(count: usize) -> Vec<String> {
        const PIECES: [&str; 30] = [
            "sk-",
            "sk_live_",
            "rk_test_",
            "AKIA",
            "eyJ",
            "ghp_",
            "github_pat_",
            "xoxb-",
            "AIza",
            "Bearer ",
            "bearer ",
            "-----BEGIN ",
            " PRIVATE KEY-----",
            "-----END ",
            " ",
            "  ",
            "\t",
            ".",
            "-",
            "_",
            "=",
            "/",
            "~",
            "abcdefgh",
            "Z9",
            "0123456789",
            "QRSTUVWXYZ",
            "é",
            "\"",
            "x",
        ];
        let mut state = 0x9E37_79B9_7F4A_7C15_u64;
        let mut next = |bound: usize| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            usize::try_from(state % bound as u64).expect("small")
        };
        (0..count)
            .map(|_| {
                let len = 1 + next(short_gate::MAX_LEN);
                let mut value = String::new();
                while value.len() < len {
                    value.push_str(PIECES[next(PIECES.len())]);
                }
                let mut end = len;
                while !value.is_char_boundary(end) {
                    end -= 1;
                }
                value.truncate(end);
                value
            })
            .collect()
    }

    #[test]
    fn literal_gate_passes_every_short_value_with_a_literal_secret() {
        let on = Builtins::default();
        let literals = Literals::new(&on).expect("literals");
        let mut values = short_values(200_000);
        values.extend(
            [
                "key=sk-proj-abcdefghij0123456789XYZ",
                "id AKIAIOSFODNN7EXAMPLE.",
                "xoxb-1234567890-abcdefghij",
                "Authorization: Bearer abc123DEF456ghi=",
                "Bearer \t  abc123DEF456ghi",
                "bearer abc.def/ghi~jkl+mno",
                "jwt eyJhbGciOi.eyJzdWIiOiIxIn0.sig",
                "eyJhbGciOi.ab.",
                "sk_live_51H8zQ2eZvKYlo2C",
                "rk_test_4eC39HqLyjWDarjt",
                "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBg",
            ]
            .map(String::from),
        );
        // Each family at its least.
        let least = [
            "sk-abcdefghij0123456789",
            "sk-ant-abcdefghij01234567",
            "ASIA0123456789ABCDEF",
            "xoxp-0123456789",
            "ghp_abcdefghij0123456789ABCDEFGHIJ",
            "github_pat_abcdefghij0123456789AB",
            "AIza0123456789abcdefghij0123456789",
            "AIza-_-_-_-_-_-_-_-_-_-_-_-_-_-_-_",
            "sk_test_0123456789abcdef",
            "eyJabcdefg.12.",
            "Bearer 1234abcd",
        ];
        for value in least {
            let mut out = Vec::new();
            literals.scan(value.as_bytes(), &on, &mut out);
            assert!(!out.is_empty(), "{value}");
        }
        values.extend(least.map(String::from));
        let mut found = 0;
        for value in &values {
            let b = value.as_bytes();
            let mut out = Vec::new();
            literals.scan(b, &on, &mut out);
            if !out.is_empty() {
                found += 1;
                assert!(
                    short_gate::may_hold_literal_secret(&short_gate::masks(b)),
                    "{value:?}: {out:?}"
                );
            }
        }
        assert!(found > 10_000, "{found}");
        // And it turns clean values away.
        for clean in [
            "2024-05-01T12:34:56.789Z INFO order 12345 shipped to warehouse 7",
            "db.query took 12.5ms rows=250 pool=3/10 host=db-primary:5432 ok",
            "Bearer auth ok",
            "trace=4bf92f3577b34da6a3ce929d0e0e4736 span=00f067aa0ba902b7 ok",
            "550e8400-e29b-41d4-a716-446655440000 retry 2 of 5 after 1500ms.",
        ] {
            let b = clean.as_bytes();
            assert!(
                !short_gate::may_hold_literal_secret(&short_gate::masks(b)),
                "{clean}"
            );
        }
    }

    #[test]
    fn trigger_lanes_is_exact_for_the_lowest_lane() {
        // Every byte value in every lane, with varied neighbours.
        for fill in [b'a', 0xE2, b'0', b'@', b' ', 0xFF] {
            for lane in 0..8 {
                for v in 0..=255u8 {
                    let mut w = [fill; 8];
                    w[lane] = v;
                    let lanes = trigger_lanes(u64::from_le_bytes(w));
                    let expected = w
                        .iter()
                        .position(|&c| c.is_ascii_digit() || c == b':' || c == b'@');
                    let got = (lanes != 0).then(|| (lanes.trailing_zeros() / 8) as usize);
                    assert_eq!(got, expected, "fill {fill:#x} lane {lane} value {v:#x}");
                }
            }
        }
    }
}

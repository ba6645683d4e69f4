//! Detectors for the digit-run family: phone numbers, SSNs, payment cards,
//! IBANs, IPv4 addresses, and MAC addresses written with dashes or dots.
//!
//! Each is a small hand-written matcher called at the first digit of a digit
//! run. They share ASCII word-boundary rules: a match neither starts nor ends
//! inside a word, and does not continue a number (`1.555-…`, `…-01`).

// Byte-level parsers: `b` is the text, `p`/`s`/`i`/`e` positions, `n` counts.
#![allow(clippy::many_single_char_names)]

use super::replace::Match;
use super::rules::{BuiltinRule, Builtins};
use super::scan::{at, is_hex, is_word, word_end};
use super::validators::{iban_length, luhn, mod97, nanp_valid, ssn_valid};

/// Called at the first digit `p` of a digit run: the match found there, if
/// any, and where the scan resumes.
pub(super) fn at_digit_run(b: &[u8], p: usize, on: &Builtins) -> (Option<Match>, usize) {
    let before = if p > 0 { b[p - 1] } else { 0 };
    // Fast path: inside a lower-case word (`v2`, `rc1`, a hex id) only a
    // dashed or dotted MAC could involve these digits.
    if (before.is_ascii_lowercase() || before == b'_')
        && !(is_hex(before) && mac_separator_near(b, p))
    {
        return (None, word_end(b, p));
    }
    let hit = |start, end, rule| (Some(Match::builtin(start, end, rule)), end);
    let r = run_len(b, p);
    let after = at(b, p + r);
    // Fast path: a one- or two-digit number on its own (`3 `, `77`, `2d`).
    let may_start_shape = matches!(after, b'.' | b'-' | b':' | b' ' | b')')
        || matches!(before, b'+' | b'(' | b'.' | b'-' | b':')
        || before.is_ascii_uppercase()
        || ((is_hex(after) || is_hex(before)) && mac_separator_near(b, p));
    if r <= 2 && !may_start_shape {
        return (None, word_end(b, p));
    }

    // IBAN: two capitals right before the check digits.
    if on.is_on(BuiltinRule::Iban)
        && p >= 2
        && b[p - 2].is_ascii_uppercase()
        && b[p - 1].is_ascii_uppercase()
        && (p == 2 || !is_word(b[p - 3]))
    {
        match iban_at(b, p - 2) {
            Iban::Valid(end) => return hit(p - 2, end, BuiltinRule::Iban),
            // IBAN-shaped but failing mod-97: nothing else starts inside it.
            Iban::Shaped(end) => return (None, end),
            Iban::No => {}
        }
    }
    // Colon-separated MACs are the `:` handler's; dashed and dotted ones
    // are found from their digits.
    let mac_sep = |c: u8| matches!(c, b'-' | b'.');
    if on.is_on(BuiltinRule::MacAddress)
        && r <= 4
        && (mac_sep(after)
            || mac_sep(before)
            || ((is_hex(after) || is_hex(before)) && mac_separator_near(b, p)))
        && let Some((start, end)) = mac_around(b, p)
    {
        return hit(start, end, BuiltinRule::MacAddress);
    }
    // No match starts inside this chain of digit runs (`2024-05-01`,
    // `1.2.3`, `v2`, a hex id) once none starts at its head.
    if !left_ok(b, p) {
        return (None, word_end(b, chain_end(b, p)));
    }
    let joiner = matches!(after, b' ' | b'-' | b'.');
    if on.is_on(BuiltinRule::Phone) {
        if before == b'+'
            && left_ok(b, p - 1)
            && let Some(end) = international_at(b, p - 1)
        {
            return hit(p - 1, end, BuiltinRule::Phone);
        }
        if before == b'('
            && r == 3
            && after == b')'
            && left_ok(b, p - 1)
            && let Some(end) = nanp_at(b, p - 1)
        {
            return hit(p - 1, end, BuiltinRule::Phone);
        }
        if joiner
            && (r == 3 || (r == 1 && b[p] == b'1'))
            && let Some(end) = nanp_at(b, p)
        {
            return hit(p, end, BuiltinRule::Phone);
        }
    }
    if on.is_on(BuiltinRule::Ssn)
        && r == 3
        && matches!(after, b'-' | b' ')
        && let Some(end) = ssn_at(b, p)
    {
        return hit(p, end, BuiltinRule::Ssn);
    }
    if on.is_on(BuiltinRule::Ipv4)
        && r <= 3
        && after == b'.'
        && let Some(end) = ipv4_at(b, p)
    {
        return hit(p, end, BuiltinRule::Ipv4);
    }
    if on.is_on(BuiltinRule::CreditCard)
        && (r >= 13 || (r == 4 && matches!(after, b' ' | b'-')))
        && let Some(end) = card_at(b, p)
    {
        return hit(p, end, BuiltinRule::CreditCard);
    }
    // Last, as the costliest: national numbers of other regions.
    if on.is_on(BuiltinRule::Phone)
        && (before == b'(' || (joiner && super::gate::national_chain(b, p)))
        && let Some((start, end)) = super::phone::national_at(b, p, |e| right_ok(b, e))
    {
        return hit(start, end, BuiltinRule::Phone);
    }
    (None, word_end(b, chain_end(b, p)))
}

/// The end of the digit runs joined by single `.`, `-` or `/` from `p`.
#[inline]
fn chain_end(b: &[u8], p: usize) -> usize {
    let mut i = p + run_len(b, p);
    while matches!(at(b, i), b'.' | b'-' | b'/') && at(b, i + 1).is_ascii_digit() {
        i += 1 + run_len(b, i + 1);
    }
    i
}

/// A number-shaped match may start at `s`: not inside a word, not continuing
/// a number through `.`, `-` or `/`.
#[inline]
pub(super) fn left_ok(b: &[u8], s: usize) -> bool {
    if s == 0 {
        return true;
    }
    let c = b[s - 1];
    !(is_word(c) || (matches!(c, b'.' | b'-' | b'/') && s >= 2 && b[s - 2].is_ascii_digit()))
}

/// A number-shaped match may end at `e` (mirror of [`left_ok`]).
#[inline]
pub(super) fn right_ok(b: &[u8], e: usize) -> bool {
    let c = at(b, e);
    !(is_word(c) || (matches!(c, b'.' | b'-' | b'/') && at(b, e + 1).is_ascii_digit()))
}

/// Number of ASCII digits from `i`.
#[inline]
fn run_len(b: &[u8], i: usize) -> usize {
    b.get(i..).map_or(0, |rest| {
        rest.iter().take_while(|c| c.is_ascii_digit()).count()
    })
}

/// `ddd-dd-dddd` or `ddd dd dddd`, SSA-valid.
fn ssn_at(b: &[u8], p: usize) -> Option<usize> {
    let sep = at(b, p + 3);
    if run_len(b, p) != 3 || !matches!(sep, b'-' | b' ') {
        return None;
    }
    if run_len(b, p + 4) != 2 || at(b, p + 6) != sep || run_len(b, p + 7) != 4 {
        return None;
    }
    let end = p + 11;
    (right_ok(b, end) && ssn_valid(&b[p..p + 3], &b[p + 4..p + 6], &b[p + 7..p + 11]))
        .then_some(end)
}

/// North-American numbers: `[1 ](ddd) ddd-dddd`, `[1-]ddd-ddd-dddd`,
/// `ddd.ddd.dddd`, `ddd ddd dddd`, with NANP-valid area code and exchange.
/// A bare ten-digit run is not taken (it is as likely a Unix time or an id).
fn nanp_at(b: &[u8], s: usize) -> Option<usize> {
    let mut i = s;
    if at(b, i) == b'1'
        && run_len(b, i) == 1
        && matches!(at(b, i + 1), b' ' | b'-' | b'.')
        && (at(b, i + 2).is_ascii_digit() || at(b, i + 2) == b'(')
    {
        i += 2;
    }
    let area;
    if at(b, i) == b'(' {
        if run_len(b, i + 1) != 3 || at(b, i + 4) != b')' {
            return None;
        }
        area = i + 1;
        i += 5;
        if matches!(at(b, i), b' ' | b'-') {
            i += 1;
        }
    } else {
        if run_len(b, i) != 3 || !matches!(at(b, i + 3), b' ' | b'-' | b'.') {
            return None;
        }
        area = i;
        i += 4;
    }
    let exchange = i;
    if run_len(b, i) != 3 || !matches!(at(b, i + 3), b' ' | b'-' | b'.') {
        return None;
    }
    i += 4;
    if run_len(b, i) != 4 {
        return None;
    }
    i += 4;
    (right_ok(b, i) && nanp_valid(&b[area..area + 3], &b[exchange..exchange + 3])).then_some(i)
}

/// `+CC …`: a `+`, a country code starting 1–9, then digit groups separated by
/// single spaces, dashes or dots, optionally a parenthesised group (`(0)` is
/// not counted); 8–15 digits in all. The longest such prefix ending at a
/// group boundary wins.
fn international_at(b: &[u8], s: usize) -> Option<usize> {
    let mut i = s + 1;
    if !matches!(at(b, i), b'1'..=b'9') {
        return None;
    }
    let mut count = 0usize;
    let mut best = None;
    loop {
        let c = at(b, i);
        if c.is_ascii_digit() {
            let r = run_len(b, i);
            count += r;
            i += r;
            if count > 15 {
                break;
            }
            if count >= 8 && right_ok(b, i) {
                best = Some(i);
            }
        } else if matches!(c, b' ' | b'-' | b'.')
            && i > s + 1
            && (at(b, i + 1).is_ascii_digit() || at(b, i + 1) == b'(')
        {
            i += 1;
        } else if c == b'(' && i > s + 1 {
            let r = run_len(b, i + 1);
            if !(1..=4).contains(&r) || at(b, i + 1 + r) != b')' {
                break;
            }
            if !(r == 1 && at(b, i + 1) == b'0') {
                count += r;
            }
            i += r + 2;
            if !matches!(at(b, i), b' ' | b'-' | b'.') && !at(b, i).is_ascii_digit() {
                break;
            }
        } else {
            break;
        }
    }
    best
}

/// Dotted quad, each part 0–255, not part of a longer dotted number.
fn ipv4_at(b: &[u8], p: usize) -> Option<usize> {
    let mut i = p;
    for part in 0..4 {
        let r = run_len(b, i);
        if r == 0 || r > 3 || super::validators::number(&b[i..i + r]) > 255 {
            return None;
        }
        i += r;
        if part < 3 {
            if at(b, i) != b'.' {
                return None;
            }
            i += 1;
        }
    }
    right_ok(b, i).then_some(i)
}

/// 13–19 digits, contiguous or grouped with one kind of separator (space or
/// dash) as 4-4-4-4(-3), 4-4-4-1..4, 4-6-5 or 4-6-4, Luhn-valid. The longest
/// valid prefix ending at a group boundary wins.
fn card_at(b: &[u8], p: usize) -> Option<usize> {
    let mut digits = [0u8; 19];
    let mut groups = [0usize; 8];
    let (mut n, mut ng) = (0usize, 0usize);
    let mut sep = 0u8;
    let mut i = p;
    let mut best = None;
    loop {
        let r = run_len(b, i);
        if r == 0 || n + r > 19 {
            break;
        }
        digits[n..n + r].copy_from_slice(&b[i..i + r]);
        n += r;
        groups[ng] = r;
        ng += 1;
        i += r;
        if n >= 13 && card_grouping(&groups[..ng]) && right_ok(b, i) && luhn(&digits[..n]) {
            best = Some(i);
        }
        let c = at(b, i);
        if matches!(c, b' ' | b'-')
            && (sep == 0 || sep == c)
            && at(b, i + 1).is_ascii_digit()
            && ng < groups.len()
        {
            sep = c;
            i += 1;
        } else {
            break;
        }
    }
    best
}

fn card_grouping(groups: &[usize]) -> bool {
    match groups {
        [_] | [4, 6, 4 | 5] => true,
        [head @ .., last] => head.iter().all(|&g| g == 4) && (1..=4).contains(last),
        [] => false,
    }
}

enum Iban {
    /// Valid; ends here.
    Valid(usize),
    /// Right country, length and shape, bad checksum; ends here.
    Shaped(usize),
    No,
}

/// `CCdd` + BBAN, contiguous or in groups of four separated by single
/// spaces, exactly the country's length, then mod-97.
fn iban_at(b: &[u8], s: usize) -> Iban {
    let Some(len) = iban_length([b[s], b[s + 1]]) else {
        return Iban::No;
    };
    if run_len(b, s + 2) < 2 {
        return Iban::No;
    }
    let mut chars = [0u8; 34];
    let (mut n, mut i) = (0usize, s);
    while n < len {
        let c = at(b, i);
        if c.is_ascii_uppercase() || c.is_ascii_digit() {
            chars[n] = c;
            n += 1;
            i += 1;
        } else if c == b' ' && n % 4 == 0 && n > 0 && {
            let d = at(b, i + 1);
            d.is_ascii_uppercase() || d.is_ascii_digit()
        } {
            i += 1;
        } else {
            break;
        }
    }
    if n < len || is_word(at(b, i)) {
        return Iban::No;
    }
    if mod97(&chars[..n]) {
        Iban::Valid(i)
    } else {
        Iban::Shaped(i)
    }
}

/// Whether a MAC separator is close enough to `p` for a MAC to contain it.
fn mac_separator_near(b: &[u8], p: usize) -> bool {
    (p.saturating_sub(2)..p + 5)
        .filter(|&i| i != p)
        .any(|i| matches!(at(b, i), b'-' | b'.'))
}

/// A MAC address containing position `p`: `hh:hh:hh:hh:hh:hh`,
/// `hh-hh-hh-hh-hh-hh` or `hhhh.hhhh.hhhh`.
pub(super) fn mac_around(b: &[u8], p: usize) -> Option<(usize, usize)> {
    let mut q0 = p;
    while q0 > 0 && p - q0 < 16 && (is_hex(b[q0 - 1]) || matches!(b[q0 - 1], b':' | b'-' | b'.')) {
        q0 -= 1;
    }
    (q0..=p)
        .filter(|&q| is_hex(b[q]) && (q == 0 || !is_hex(b[q - 1])))
        .find_map(|q| mac_at(b, q).map(|end| (q, end)))
}

/// A MAC address starting exactly at `q`.
pub(super) fn mac_at(b: &[u8], q: usize) -> Option<usize> {
    let hex = |i: usize, n: usize| (i..i + n).all(|k| is_hex(at(b, k)));
    let sep_like = |c: u8| matches!(c, b':' | b'-' | b'.');
    if q > 0 {
        let c = b[q - 1];
        if is_word(c) || (sep_like(c) && q >= 2 && is_hex(b[q - 2])) {
            return None;
        }
    }
    let end = if hex(q, 2) && matches!(at(b, q + 2), b':' | b'-') {
        let sep = at(b, q + 2);
        (1..6)
            .all(|k| hex(q + 3 * k, 2) && (k == 5 || at(b, q + 3 * k + 2) == sep))
            .then_some(q + 17)?
    } else if hex(q, 4)
        && at(b, q + 4) == b'.'
        && hex(q + 5, 4)
        && at(b, q + 9) == b'.'
        && hex(q + 10, 4)
    {
        q + 14
    } else {
        return None;
    };
    let c = at(b, end);
    (!(is_word(c) || (sep_like(c) && is_hex(at(b, end + 1))))).then_some(end)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn first(text: &str) -> Option<(String, BuiltinRule)> {
        let b = text.as_bytes();
        let on = Builtins::default();
        let mut i = 0;
        while i < b.len() {
            if b[i].is_ascii_digit() {
                let (m, next) = at_digit_run(b, i, &on);
                if let Some(m) = m {
                    return Some((text[m.start..m.end].to_owned(), m.rule()?));
                }
                i = next.max(i + 1);
            } else {
                i += 1;
            }
        }
        None
    }

    #[test]
    fn phones() {
        for (text, want) in [
            ("call (415) 555-0132 now", "(415) 555-0132"),
            ("call 415-555-0132.", "415-555-0132"),
            ("call 415.555.0132", "415.555.0132"),
            ("call 1-800-555-0199", "1-800-555-0199"),
            ("tel +1 (415) 555-0132", "+1 (415) 555-0132"),
            ("uk +44 20 7946 0958 ok", "+44 20 7946 0958"),
            ("de +49 (0)30 901820", "+49 (0)30 901820"),
            ("fr +33612345678", "+33612345678"),
        ] {
            assert_eq!(
                first(text),
                Some((want.to_owned(), BuiltinRule::Phone)),
                "{text}"
            );
        }
        for text in [
            "1700000000",
            "123-456-7890",
            "v415-555-0132",
            "2024-01-05 12:30",
            "+12",
        ] {
            assert_eq!(first(text), None, "{text}");
        }
    }

    #[test]
    fn ssns_cards_ipv4() {
        assert_eq!(
            first("ssn 123-45-6789"),
            Some(("123-45-6789".into(), BuiltinRule::Ssn))
        );
        assert_eq!(
            first("ssn 123 45 6789"),
            Some(("123 45 6789".into(), BuiltinRule::Ssn))
        );
        assert_eq!(first("ssn 666-45-6789"), None);
        assert_eq!(first("id 123-45-6789-01"), None);
        assert_eq!(
            first("pay 4111 1111 1111 1111 exp"),
            Some(("4111 1111 1111 1111".into(), BuiltinRule::CreditCard))
        );
        assert_eq!(
            first("amex 3782-822463-10005"),
            Some(("3782-822463-10005".into(), BuiltinRule::CreditCard))
        );
        assert_eq!(first("n 4111111111111112"), None);
        assert_eq!(
            first("ip 10.0.0.1:80"),
            Some(("10.0.0.1".into(), BuiltinRule::Ipv4))
        );
        assert_eq!(first("v 1.2.3.4.5"), None);
        assert_eq!(first("ip 256.1.1.1"), None);
    }

    #[test]
    fn ibans_and_macs() {
        assert_eq!(
            first("to DE89 3704 0044 0532 0130 00."),
            Some(("DE89 3704 0044 0532 0130 00".into(), BuiltinRule::Iban))
        );
        assert_eq!(
            first("GB82WEST12345698765432"),
            Some(("GB82WEST12345698765432".into(), BuiltinRule::Iban))
        );
        assert_eq!(first("DE89 3704 0044 0532 0130 01"), None);
        assert_eq!(
            first("mac 0a-1b-2c-3d-4e-5f up"),
            Some(("0a-1b-2c-3d-4e-5f".into(), BuiltinRule::MacAddress))
        );
        // The only decimal digit is the last one: the whole MAC is 16 bytes back.
        assert_eq!(
            first(" eb-ab-af-ef-ed-b8  "),
            Some(("eb-ab-af-ef-ed-b8".into(), BuiltinRule::MacAddress))
        );
        assert_eq!(
            first("\neb-ab-af-ef-ed-b8\n "),
            Some(("eb-ab-af-ef-ed-b8".into(), BuiltinRule::MacAddress))
        );
        assert_eq!(
            first("mac AB-CD-EF-12-34-56 up"),
            Some(("AB-CD-EF-12-34-56".into(), BuiltinRule::MacAddress))
        );
        assert_eq!(
            first("mac 0011.22aa.bbcc"),
            Some(("0011.22aa.bbcc".into(), BuiltinRule::MacAddress))
        );
    }
}

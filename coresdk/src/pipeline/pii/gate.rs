//! The clean-value gate: a single cheap pass that proves no rule of the byte
//! scan (e-mail, URL credentials, phone, SSN, card, IBAN, IPv4, IPv6, MAC)
//! can match, so the detectors need not run.
//!
//! Short attribute values full of digits and colons (timestamps, versions,
//! durations, ids) are the common case, and the detectors examine every
//! digit run of them in depth. The gate instead checks, for each kind, a
//! *necessary* shape that timestamps, versions and ids lack. It is exact in
//! one direction only: `false` means no byte-scan rule matches anywhere in
//! the text; `true` means "maybe" and the detectors decide. Every condition
//! below is implied by the detector it stands for (see each comment), and the
//! unit tests check that against the detectors on planted values, random
//! mutations of them and random trigger soup.
//!
//! Values of at most 64 bytes go to [`short_gate`](super::short_gate), which checks the same
//! conditions (or weaker ones) at every position at once with bit masks;
//! longer ones are walked here, 64 bytes of flags at a time.
//!
//! The literal-led secrets (`sk-`, `AKIA`, …) are not gated here: their
//! literal search is already the prefilter. Custom rules are never gated.

use wide::u8x16;

use super::phone;
use super::scan::{at, is_hex, is_word};
#[cfg(test)]
use super::short_gate;

/// Bit `i` set for each byte `b[i]` (of at most 64) that is `-` `.` `/`
/// `0`–`9` `:` or `@`: 16 bytes per SIMD comparison and movemask (an
/// 8-byte SWAR word before: the clean 4 KiB prose benchmark ran about a third
/// fewer instructions with this).
#[inline]
fn gate_bits(b: &[u8]) -> u64 {
    debug_assert!(b.len() <= 64);
    // Whole blocks are read in place; only the text's tail is copied (zero
    // padding flags nothing).
    let mut padded = [0u8; 64];
    let block: &[u8; 64] = if let Ok(whole) = b.try_into() {
        whole
    } else {
        padded[..b.len()].copy_from_slice(b);
        &padded
    };
    let mut bits = 0u64;
    for (k, chunk) in block.chunks_exact(16).enumerate() {
        let mut lanes = [0u8; 16];
        lanes.copy_from_slice(chunk);
        let v = u8x16::new(lanes);
        // `-` (0x2D) to `:` (0x3A): one subtraction, a minimum, an equality.
        let x = v - u8x16::splat(b'-');
        let hit = x.min(u8x16::splat(b':' - b'-')).simd_eq(x) | v.simd_eq(u8x16::splat(b'@'));
        bits |= u64::from(hit.to_bitmask()) << (16 * k);
    }
    bits
}

/// Number of ASCII digits from `i`.
#[inline]
fn run_len(b: &[u8], i: usize) -> usize {
    let mut j = i;
    while j < b.len() && b[j].is_ascii_digit() {
        j += 1;
    }
    j - i
}

/// [`is_word`] as a table: one load per byte on the word skips.
static WORD: [bool; 256] = {
    let mut t = [false; 256];
    let mut c = 0;
    while c < 256 {
        t[c] = is_word(c as u8);
        c += 1;
    }
    t
};

/// The end of the run of word bytes starting at `i`.
#[inline]
fn word_end(b: &[u8], mut i: usize) -> usize {
    while i < b.len() && WORD[usize::from(b[i])] {
        i += 1;
    }
    i
}

/// Whether some rule of the byte scan might match in `b`; `false` proves
/// none does. (The scan dispatches on length itself, sharing the short
/// gate's masks with the pair scan.)
#[cfg(test)]
pub(super) fn may_match(b: &[u8]) -> bool {
    if b.len() <= short_gate::MAX_LEN {
        short_gate::may_match(b)
    } else {
        walk(b)
    }
}

/// [`may_match`] by walking the text: each digit run, `-`, `.`, `:` and `@`
/// in turn (the reference for [`short_gate`](super::short_gate), which tests all positions at
/// once).
pub(super) fn walk(b: &[u8]) -> bool {
    let n = b.len();
    // The last `:` and how many colons chain to it with gaps of 2–5 bytes;
    // the last `-` and how many dashes chain to it every third byte.
    let (mut last_colon, mut colons) = (None::<usize>, 0u32);
    let (mut last_dash, mut dashes) = (None::<usize>, 0u32);
    let mut base = 0;
    'blocks: while base < n {
        // 64 bytes at a time; every flagged byte is visited in order without
        // recomputing the block's bits.
        let end = (base + 64).min(n);
        let mut lanes = gate_bits(&b[base..end]);
        while lanes != 0 {
            let i = base + lanes.trailing_zeros() as usize;
            let next = match b[i] {
                b'0'..=b'9' => match digit_run(b, i) {
                    Some(next) => next,
                    None => return true,
                },
                // E-mail and URL credentials both need an `@`.
                b'@' => return true,
                b':' => {
                    // IPv6: `std::net::Ipv6Addr` takes `::`, or else 8 groups
                    // (7 colons) or 6 groups and a dotted quad (6 colons),
                    // each group 1–4 hex digits, so consecutive colons 2–5
                    // bytes apart. A colon MAC has 5 colons 3 bytes apart
                    // (`numbers::mac_at`).
                    if at(b, i + 1) == b':' {
                        return true;
                    }
                    colons = match last_colon {
                        Some(last) if (2..=5).contains(&(i - last)) => colons + 1,
                        _ => 1,
                    };
                    if colons >= 5 {
                        return true;
                    }
                    last_colon = Some(i);
                    i + 1
                }
                b'-' => {
                    // A dashed MAC has 5 dashes 3 bytes apart (`mac_at`).
                    dashes = match last_dash {
                        Some(last) if i - last == 3 => dashes + 1,
                        _ => 1,
                    };
                    if dashes >= 5 {
                        return true;
                    }
                    last_dash = Some(i);
                    i + 1
                }
                b'.' => {
                    // A dotted MAC, `hhhh.hhhh.hhhh`: hex around the first
                    // dot, the second dot five bytes on (`mac_at`).
                    if i > 0 && is_hex(b[i - 1]) && is_hex(at(b, i + 1)) && at(b, i + 5) == b'.' {
                        return true;
                    }
                    i + 1
                }
                // `/`, or a lane above a real `@` (never reached: that
                // returned).
                _ => i + 1,
            };
            let skip = next - base;
            if skip >= 64 {
                base = next;
                continue 'blocks;
            }
            lanes &= u64::MAX << skip;
        }
        base = end;
    }
    false
}

/// The digit run starting at `p` (always a whole run: the byte before is not
/// a digit): `None` if a phone number, SSN, card, IBAN or IPv4 address might
/// involve it, else where the gate resumes.
///
/// Every such match contains a run the detectors reach at a word boundary:
/// they check `numbers::left_ok` (no word byte before) at the first run of a
/// phone number, SSN, card or IPv4 address, and the runs after its
/// separators follow non-word bytes; only an IBAN's check digits follow
/// letters, the two capitals of its country code.
#[inline]
fn digit_run(b: &[u8], p: usize) -> Option<usize> {
    let before = if p > 0 { b[p - 1] } else { 0 };
    if WORD[usize::from(before)] {
        // IBAN: `CCdd…` (`numbers::iban_at` needs two capitals before the
        // check digits). Later runs of the same word are preceded by word
        // bytes and by no word start two bytes back, so skip the word.
        if before.is_ascii_uppercase() && p >= 2 && b[p - 2].is_ascii_uppercase() {
            return None;
        }
        return Some(word_end(b, p));
    }
    let r = run_len(b, p);
    // `+CC …` (`international_at` starts at a `+` before a digit); 13–19
    // contiguous digits (`card_at`, one group).
    if before == b'+' || r >= 13 {
        return None;
    }
    // A national number's area code in parentheses (`phone::national_at`).
    if before == b'(' {
        return None;
    }
    let after = at(b, p + r);
    let q = p + r + 1;
    if matches!(after, b' ' | b'-' | b'.') && at(b, q).is_ascii_digit() {
        // National numbers (`phone::national_at`): at least 9 digits in
        // groups joined as `phone::joins` says.
        if phone::joins(b, p + r, r, true) && national_chain(b, p) {
            return None;
        }
        let r2 = run_len(b, q);
        // NANP `… ddd-dddd` (`nanp_at`: a 3-digit exchange, one of ` -.`, a
        // 4-digit line) and SSN `ddd-dd-dddd` (`ssn_at`: 2 digits, ` ` or
        // `-`, 4 digits).
        if (r == 2 || r == 3) && r2 == 4 {
            return None;
        }
        // Grouped cards (`card_at`, `card_grouping`): a first group of 4,
        // then 4 or 6 and the same separator again (13+ digits need a third
        // group).
        if r == 4 && after != b'.' && (r2 == 4 || r2 == 6) && at(b, q + r2) == after {
            return None;
        }
        // IPv4 (`ipv4_at`): four dotted runs of 1–3 digits.
        if after == b'.' && r <= 3 && r2 <= 3 && at(b, q + r2) == b'.' {
            let q3 = q + r2 + 1;
            let r3 = run_len(b, q3);
            if (1..=3).contains(&r3)
                && at(b, q3 + r3) == b'.'
                && at(b, q3 + r3 + 1).is_ascii_digit()
            {
                return None;
            }
        }
    }
    // National phone numbers (`phone::national_at`): an area code in
    // parentheses, or at least 9 digits in groups joined by `phone::joins`.
    Some(p + r)
}

/// Whether the digit groups from `p`, joined as `phone::joins` says, hold
/// at least `phone::MIN_DIGITS` digits with at least one join.
pub(super) fn national_chain(b: &[u8], mut i: usize) -> bool {
    let mut digits = 0;
    let mut joined = false;
    loop {
        let r = run_len(b, i);
        digits += r;
        i += r;
        if !phone::joins(b, i, r, !joined) {
            return joined && digits >= phone::MIN_DIGITS;
        }
        joined = true;
        i += 1;
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::pipeline::pii::replace::Match;
    use crate::pipeline::pii::rules::Builtins;
    use crate::pipeline::pii::scan::byte_scan;

    /// What the detectors find in `text`.
    fn detected(text: &str) -> Vec<Match> {
        let mut out = Vec::new();
        byte_scan(text.as_bytes(), &Builtins::default(), &mut out);
        out
    }

    /// The gate's promise: when it says "clean", the detectors agree. Both
    /// gates are checked; the short one must also flag all the walking one
    /// flags (its conditions are the same or weaker).
    fn check(text: &str) {
        let b = text.as_bytes();
        let walked = walk(b);
        let short = (b.len() <= short_gate::MAX_LEN).then(|| short_gate::may_match(b));
        assert!(
            short.is_none_or(|short| short || !walked),
            "the short gate skipped {text:?}, which the walking gate flags"
        );
        assert_eq!(may_match(b), short.unwrap_or(walked), "{text:?}");
        if !walked || short == Some(false) {
            let found = detected(text);
            assert!(
                found.is_empty(),
                "gate skipped {text:?}, detectors found {:?}",
                found
                    .iter()
                    .map(|m| &text[m.start..m.end])
                    .collect::<Vec<_>>()
            );
        }
    }

    /// One value of each byte-scan kind, in the shapes the detectors take.
    const PLANTED: &[&str] = &[
        "jane.doe@example.com",
        "https://admin:hunter2@db.internal/x",
        "(415) 555-0132",
        "415-555-0132",
        "415.555.0199",
        "415 555 0199",
        "1-800-555-0199",
        "1 (800) 555-0199",
        "(415)555-0132",
        "+44 20 7946 0958",
        "+1 (415) 555-0132",
        "+49 (0)30 901820",
        "+33612345678",
        "123-45-6789",
        "123 45 6789",
        "4111 1111 1111 1111",
        "4111-1111-1111-1111",
        "4111111111111111",
        "3782 822463 10005",
        "3056-930902-5904",
        "6011 0009 9013 9424 123",
        "DE89 3704 0044 0532 0130 00",
        "DE89370400440532013000",
        "GB82WEST12345698765432",
        "192.168.10.24",
        "10.0.0.1",
        "2001:db8::8a2e:370:7334",
        "2001:0db8:85a3:0000:0000:8a2e:0370:7334",
        "1:2:3:4:5:6:1.2.3.4",
        "fe80::1ff:fe23:4567:890a",
        "::1",
        "00:1a:2b:3c:4d:5e",
        "00-1a-2b-3c-4d-5e",
        "aa-bb-cc-dd-ee-f1",
        "001a.2b3c.4d5e",
    ];

    /// Edge shapes near what the detectors take (checked, not required to
    /// match).
    const EDGES: &[&str] = &[
        ":aa-bb-cc-dd-ee-ff",
        "aa-bb-cc-dd-ee-ff--1",
        "x:aa:bb:cc:dd:ee:ff",
        "1.2.3.4.5",
        "GB82 WEST 1234 5698 7654 32",
        "+1-800-555-0199",
        "4111 1111 1111 1111 111",
        "a1b2:c3d4::e5f6",
    ];

    /// Clean values the gate must pass (the benchmark's short values).
    const CLEAN: &[&str] = &[
        "2024-05-01T12:34:56.789Z INFO order 12345 shipped to warehouse 7",
        "GET /api/v2/orders/98765?page=3 HTTP/1.1 200 OK in 0.042s total",
        "trace=4bf92f3577b34da6a3ce929d0e0e4736 span=00f067aa0ba902b7 ok",
        "v1.24.3-rc1 build 20240501.3 commit 9fceb02d0ae598e95dc970b747",
        "db.query took 12.5ms rows=250 pool=3/10 host=db-primary:5432 ok",
        "550e8400-e29b-41d4-a716-446655440000 retry 2 of 5 after 1500ms.",
        "price: $1,299.00 qty: 3 subtotal: $3,897.00 tax: 8.25% ship: 2d",
        "ts=1714566896 level=warn msg=\"slow request\" duration=2.31s id=77",
        "took 12:30:45 on 2024-01-05 at 10.5.3 - 1.2.3 - 4-5-6",
    ];

    const NEIGHBOURS: &[&str] = &[
        "", " ", "x", "X", "_", "-", ".", ":", "/", "+", "(", ")", "@", "1", "a", "é", "„", "=",
        ",", "\n", "AB", "0.", "-1", "::",
    ];

    #[test]
    fn planted_values_are_never_skipped() {
        for value in PLANTED {
            assert!(!detected(value).is_empty(), "{value:?} is not detected");
            for before in NEIGHBOURS {
                for after in NEIGHBOURS {
                    check(&format!("{before}{value}{after}"));
                    check(&format!("note {before}{value}{after} end"));
                }
            }
        }
        for value in EDGES {
            for before in NEIGHBOURS {
                for after in NEIGHBOURS {
                    check(&format!("{before}{value}{after}"));
                }
            }
        }
    }

    #[test]
    fn clean_values_pass_the_gate() {
        for value in CLEAN {
            assert!(!walk(value.as_bytes()), "{value:?}");
            assert!(!short_gate::may_match(value.as_bytes()), "{value:?}");
            assert!(detected(value).is_empty(), "{value:?}");
        }
    }

    #[test]
    fn gate_bits_are_exact_for_every_byte_and_length() {
        for fill in [b'a', 0xE2, b'0', b'@', b' ', 0xFF, b','] {
            for lane in 0..64 {
                for v in 0..=255u8 {
                    let mut w = [fill; 64];
                    w[lane] = v;
                    for len in [lane + 1, 64] {
                        let expected = w[..len]
                            .iter()
                            .enumerate()
                            .filter(|(_, c)| (b'-'..=b':').contains(c) || **c == b'@')
                            .fold(0u64, |acc, (i, _)| acc | 1 << i);
                        assert_eq!(gate_bits(&w[..len]), expected, "{fill:#x} {lane} {v:#x}");
                    }
                }
            }
        }
    }

    /// A planted value with random edits: characters replaced, inserted or
    /// deleted from the alphabet the detectors care about.
    fn mutated() -> impl Strategy<Value = String> {
        let edits = proptest::collection::vec(
            (0..3u8, any::<prop::sample::Index>(), 0..EDIT_ALPHABET.len()),
            0..4,
        );
        (
            0..PLANTED.len() + EDGES.len(),
            0..NEIGHBOURS.len(),
            0..NEIGHBOURS.len(),
            edits,
        )
            .prop_map(|(v, before, after, edits)| {
                let mut chars: Vec<char> = format!(
                    "{}{}{}",
                    NEIGHBOURS[before],
                    PLANTED
                        .iter()
                        .chain(EDGES)
                        .nth(v)
                        .copied()
                        .unwrap_or_default(),
                    NEIGHBOURS[after]
                )
                .chars()
                .collect();
                for (op, at, c) in edits {
                    let c = EDIT_ALPHABET[c];
                    match op {
                        0 if !chars.is_empty() => {
                            let i = at.index(chars.len());
                            chars[i] = c;
                        }
                        1 => {
                            let i = at.index(chars.len() + 1);
                            chars.insert(i, c);
                        }
                        _ if !chars.is_empty() => {
                            let i = at.index(chars.len());
                            chars.remove(i);
                        }
                        _ => {}
                    }
                }
                chars.into_iter().collect()
            })
    }

    const EDIT_ALPHABET: &[char] = &[
        '0', '1', '4', '5', '9', 'a', 'f', 'A', 'D', 'E', 'Z', 'x', ' ', '-', '.', ':', '/', '+',
        '(', ')', '@', '_', 'é',
    ];

    proptest! {
        #![proptest_config(ProptestConfig { cases: 4096, ..ProptestConfig::default() })]

        #[test]
        fn mutated_planted_values(text in mutated()) {
            check(&text);
        }

        #[test]
        fn several_mutated_values(parts in proptest::collection::vec(mutated(), 1..4)) {
            check(&parts.join(" "));
        }

        #[test]
        fn trigger_soup(text in "[0-9a-fA-FxX :.\\-/+()@_]{0,48}") {
            check(&text);
        }

        #[test]
        fn digits_and_separators(text in "([0-9]{1,5}[ .:\\-()+]{1,2}){1,8}[0-9]{0,5}") {
            check(&text);
        }

        #[test]
        fn arbitrary_text(text in "\\PC{0,80}") {
            check(&text);
        }
    }
}

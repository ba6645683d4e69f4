//! National phone numbers of several regions (`020 7946 0958`,
//! `(030) 1234567`, `06 12 34 56 78`, `03-1234-5678`, `(11) 91234-5678`,
//! `98765 43210`), validated per region with libphonenumber's metadata
//! (the `phonenumber` crate).
//!
//! The shape check here is cheap and runs on digit runs the byte scan
//! reaches; only shapes that pass it (at least 9 digits in single-separated
//! groups, or an area code in parentheses) are parsed, once per region until
//! one accepts the number. NANP and `+CC …` numbers are matched earlier by
//! [`super::numbers`].

// Byte-level parser: `b` is the text, `p`/`i` positions, `n` counts.
#![allow(clippy::many_single_char_names)]

use phonenumber::country::Id;

use super::scan::at;

/// Regions a national number is tried in, in order. A number is a phone
/// number when it is valid in one of them.
pub(super) const REGIONS: [Id; 13] = [
    Id::GB,
    Id::DE,
    Id::FR,
    Id::IT,
    Id::ES,
    Id::NL,
    Id::JP,
    Id::AU,
    Id::BR,
    Id::IN,
    Id::MX,
    Id::CN,
    Id::US,
];

/// Fewest and most digits of a national number taken here.
pub(super) const MIN_DIGITS: usize = 9;
const MAX_DIGITS: usize = 13;

/// Number of ASCII digits from `i`.
fn run_len(b: &[u8], i: usize) -> usize {
    b[i.min(b.len())..]
        .iter()
        .take_while(|c| c.is_ascii_digit())
        .count()
}

/// Whether the separator at `i`, after a group of `group` digits (the
/// chain's `first`), joins the next group: one ` `, `-` or `.` followed by
/// two digits, and not a `-` after a first group of exactly four digits
/// (`2024-05-01` is a date). The clean-value gates use the same rule
/// (`gate::digit_run`, `short_gate`).
#[inline]
pub(super) fn joins(b: &[u8], i: usize, group: usize, first: bool) -> bool {
    let c = at(b, i);
    matches!(c, b' ' | b'-' | b'.')
        && at(b, i + 1).is_ascii_digit()
        && at(b, i + 2).is_ascii_digit()
        && !(c == b'-' && group == 4 && first)
}

/// A chain of digit groups: where it ends and its group sizes.
struct Chain {
    end: usize,
    groups: [usize; MAX_DIGITS],
    count: usize,
}

/// The digits of the group chain from the run at `i` (appended to
/// `digits`), where it ends, and its groups.
fn chain(
    b: &[u8],
    mut i: usize,
    after_area: bool,
    digits: &mut [u8; MAX_DIGITS],
    n: &mut usize,
) -> Option<Chain> {
    let mut out = Chain {
        end: i,
        groups: [0; MAX_DIGITS],
        count: 0,
    };
    loop {
        let r = run_len(b, i);
        if r == 0 || *n + r > MAX_DIGITS {
            return None;
        }
        digits[*n..*n + r].copy_from_slice(&b[i..i + r]);
        *n += r;
        i += r;
        out.groups[out.count] = r;
        out.count += 1;
        // After `(03)` the first group is not the number's first: no date.
        if !joins(b, i, r, out.count == 1 && !after_area) {
            out.end = i;
            return Some(out);
        }
        i += 1;
    }
}

/// A national phone number whose first digit run starts at `p` (the caller
/// checked the left boundary): its start (the `(` of an area code, or `p`)
/// and end.
pub(super) fn national_at(
    b: &[u8],
    p: usize,
    right_ok: impl Fn(usize) -> bool,
) -> Option<(usize, usize)> {
    // The middle of a longer grouped number (`2 114 230 189`) is not one.
    if p >= 2 && matches!(b[p - 1], b' ' | b'-' | b'.') && b[p - 2].is_ascii_digit() {
        return None;
    }
    let mut digits = [0u8; MAX_DIGITS];
    let mut n = 0;
    let mut start = p;
    let mut i = p;
    let mut parens = false;
    if p > 0 && b[p - 1] == b'(' {
        let r = run_len(b, p);
        if !(1..=5).contains(&r) || at(b, p + r) != b')' {
            return None;
        }
        // `(030)`, `(02)`: a trunk prefix; `(11)`: a two-digit area code.
        // `(415)` is NANP's, matched (or refused) before this.
        if !(b[p] == b'0' || r == 2) {
            return None;
        }
        digits[..r].copy_from_slice(&b[p..p + r]);
        n = r;
        start = p - 1;
        i = p + r + 1;
        if matches!(at(b, i), b' ' | b'-') {
            i += 1;
        }
        if !at(b, i).is_ascii_digit() {
            return None;
        }
        parens = true;
    }
    let chain = chain(b, i, parens, &mut digits, &mut n)?;
    let (end, groups) = (chain.end, &chain.groups[..chain.count]);
    if n < MIN_DIGITS || !(groups.len() > 1 || parens) || !right_ok(end) {
        return None;
    }
    if !parens && !national_shape(b, p, end, groups) {
        return None;
    }
    let text = std::str::from_utf8(&digits[..n]).ok()?;
    valid_somewhere(text).then_some((start, end))
}

/// Group shapes of national numbers written without a trunk `0` (ES
/// `612 34 56 78`, `612 345 678`; IT mobiles `347 123 4567`; IN
/// `98765 43210`; CN `138 0013 8000`; MX `55 1234 5678`; BR mobiles
/// `11 91234 5678`).
const NO_TRUNK_SHAPES: [&[usize]; 7] = [
    &[2, 5, 4],
    &[3, 2, 2, 2],
    &[3, 3, 3],
    &[3, 3, 4],
    &[5, 5],
    &[3, 4, 4],
    &[2, 4, 4],
];

/// Whether the groups `b[p..end]` (sizes `groups`) are written as national
/// numbers are: with a trunk `0` (`020 7946 0958`, `0412 345 678`, at most
/// 12 digits, groups of 2–8 after an area code of 2–5, not card-like
/// fours), as French pairs with dots (`06.12.34.56.78`), or in one of
/// [`NO_TRUNK_SHAPES`] with spaces or dashes. Decimals, dotted quads, ZIP+4
/// codes and card fragments are none of these; NANP and SSN shapes are the
/// US rules' to accept or refuse.
fn national_shape(b: &[u8], p: usize, end: usize, groups: &[usize]) -> bool {
    let text = &b[p..end];
    let digits: usize = groups.iter().sum();
    if text.contains(&b'.') {
        return b[p] == b'0'
            && groups.len() == 5
            && groups.iter().all(|&g| g == 2)
            && !text.iter().any(|&c| matches!(c, b' ' | b'-'));
    }
    // `ddd-ddd-dddd` and `ddd-dd-dddd` (any separator) are NANP and SSN
    // shapes, accepted or refused by the US rules' own checks.
    let dashed = text.contains(&b'-');
    if groups.starts_with(&[3, 2, 4]) || (dashed && groups.starts_with(&[3, 3, 4])) {
        return false;
    }
    if b[p] == b'0' {
        return digits <= 12
            && (2..=5).contains(&groups[0])
            && groups[1..].iter().all(|g| (2..=8).contains(g))
            && !groups.iter().all(|&g| g == 4);
    }
    NO_TRUNK_SHAPES.contains(&groups)
}

/// Whether the national number `digits` is valid in one of [`REGIONS`].
pub(super) fn valid_somewhere(digits: &str) -> bool {
    REGIONS.iter().any(|&region| {
        phonenumber::parse(Some(region), digits).is_ok_and(|number| number.is_valid())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(text: &str) -> Option<&str> {
        let b = text.as_bytes();
        let p = b.iter().position(u8::is_ascii_digit)?;
        national_at(b, p, |e| !at(b, e).is_ascii_alphanumeric()).map(|(s, e)| &text[s..e])
    }

    #[test]
    fn national_numbers_of_several_regions() {
        for (text, want) in [
            ("call 020 7946 0958 now", "020 7946 0958"),
            ("mobile 07700 900123", "07700 900123"),
            ("Büro (030) 12345678", "(030) 12345678"),
            ("tél. 01 23 45 67 89", "01 23 45 67 89"),
            ("tel 06 12 34 56 78", "06 12 34 56 78"),
            ("電話 03-1234-5678", "03-1234-5678"),
            ("cel (11) 91234-5678", "(11) 91234-5678"),
            ("ph 0412 345 678", "0412 345 678"),
            ("móvil 612 34 56 78", "612 34 56 78"),
        ] {
            assert_eq!(found(text), Some(want), "{text}");
        }
    }

    #[test]
    fn look_alikes_are_not_numbers() {
        for text in [
            "on 2024-05-01 at noon",
            "build 20240501.3",
            "ids 12 34 56",
            "total 1234567890",
            "version 10.24.3",
        ] {
            assert_eq!(found(text), None, "{text}");
        }
    }
}

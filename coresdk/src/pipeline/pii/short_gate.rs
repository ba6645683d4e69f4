//! The clean-value gate for values of at most 64 bytes — most attribute
//! values — evaluated at every position at once.
//!
//! [`super::gate`] walks the text and stops at every digit, `-`, `.` and
//! `:`, and short values with timestamps, versions and ids are full of them.
//! Here each byte class (digit, word byte, capital, `:`, `-`, `.`, space,
//! `@`/`+`) becomes one 64-bit mask, bit `i` for byte `i`, from SIMD
//! comparisons and a movemask (`wide`: std has these only as `unsafe`
//! intrinsics, which the workspace forbids), and each of the walking gate's
//! conditions becomes shifts and ANDs of those masks: `m << k` holds at `i`
//! what `m` holds at `i - k` (nothing before the start, like `gate`'s "no
//! byte before"), `m >> k` what it holds at `i + k` (nothing past the end,
//! like [`super::scan::at`]).
//!
//! Every condition here holds wherever the walking gate's holds (some are
//! weaker), so `false` still proves that no byte-scan rule matches; the
//! unit tests check both against each other and against the detectors.

// Mask algebra: `d`, `w`, `u` are the digit, word-byte and capital masks.
#![allow(clippy::many_single_char_names)]

use wide::u8x16;

use super::scan::{at, is_hex};

/// The longest text this gate takes.
pub(super) const MAX_LEN: usize = 64;

/// The byte classes, in the order of [`masks`]'s result.
const DIGIT: usize = 0;
const WORD: usize = 1;
const UPPER: usize = 2;
const COLON: usize = 3;
const DASH: usize = 4;
const DOT: usize = 5;
const SPACE: usize = 6;
/// `@`, `+` or `(`, all rare in clean values; told apart from the bytes.
const RARE: usize = 7;
/// `:` or `=`: not used by the gate; the separators of secret pairs
/// ([`super::pairs`]), found in the same pass (one class, not an `=` class
/// ORed with [`COLON`] later: a movemask, a shift and an OR fewer per chunk).
const PAIR_SEP: usize = 8;

/// The class masks of a short value.
pub(super) type Masks = [u64; 9];

/// Lanes of `v` holding `lo..lo + len` (set to all ones).
#[inline]
fn in_range(v: u8x16, lo: u8, len: u8) -> u8x16 {
    let x = v - u8x16::splat(lo);
    x.min(u8x16::splat(len - 1)).simd_eq(x)
}

/// One mask per class: `masks(b)[class]` has bit `i` set when byte `i` of
/// `b` is in `class` (zero past the end). 16 bytes at a time: a comparison
/// per class and a movemask.
// Always inlined: called out of line, the nine masks go through memory
// (measured: more instructions than the whole unrolled load saves).
#[allow(clippy::inline_always)]
#[inline(always)]
pub(super) fn masks(b: &[u8]) -> Masks {
    debug_assert!(b.len() <= MAX_LEN);
    let mut masks = [0u64; 9];
    let n = b.len();
    if n < 16 {
        let mut lanes = [0u8; 16];
        lanes[..n].copy_from_slice(b);
        add_chunk(&mut masks, lanes, 0);
        return masks;
    }
    // Loaded where they stand, no copy into a padded buffer: whole chunks,
    // then the window of the last 16 bytes when `n` is no multiple of 16
    // (its bytes an earlier chunk covered set the same bits again).
    // Unrolled by hand: as a loop this costs more than the copy did.
    let mut lanes = [0u8; 16];
    lanes.copy_from_slice(&b[..16]);
    add_chunk(&mut masks, lanes, 0);
    if n >= 32 {
        lanes.copy_from_slice(&b[16..32]);
        add_chunk(&mut masks, lanes, 16);
    }
    if n >= 48 {
        lanes.copy_from_slice(&b[32..48]);
        add_chunk(&mut masks, lanes, 32);
    }
    if n >= 64 {
        lanes.copy_from_slice(&b[48..64]);
        add_chunk(&mut masks, lanes, 48);
    }
    if !n.is_multiple_of(16) {
        lanes.copy_from_slice(&b[n - 16..]);
        add_chunk(&mut masks, lanes, n - 16);
    }
    masks
}

/// ORs the class bits of the 16 bytes `lanes` into `masks`: lane `j`
/// becomes bit `at + j`.
#[allow(clippy::inline_always)]
#[inline(always)]
fn add_chunk(masks: &mut Masks, lanes: [u8; 16], at: usize) {
    let v = u8x16::new(lanes);
    let eq = |c: u8| v.simd_eq(u8x16::splat(c));
    let digit = in_range(v, b'0', 10);
    let upper = in_range(v, b'A', 26);
    let mut classes = [u8x16::splat(0); 9];
    classes[DIGIT] = digit;
    classes[WORD] = digit | upper | in_range(v, b'a', 26) | eq(b'_');
    classes[UPPER] = upper;
    classes[COLON] = eq(b':');
    classes[DASH] = eq(b'-');
    classes[DOT] = eq(b'.');
    classes[SPACE] = eq(b' ');
    classes[RARE] = eq(b'@') | eq(b'+') | eq(b'(');
    classes[PAIR_SEP] = classes[COLON] | eq(b'=');
    for (mask, class) in masks.iter_mut().zip(classes) {
        *mask |= u64::from(class.to_bitmask()) << at;
    }
}

/// Whether some rule of the byte scan might match in `b` (at most
/// [`MAX_LEN`] bytes); `false` proves none does. The conditions are
/// [`super::gate::may_match`]'s, each cited there with the detector that
/// implies it.
#[cfg(test)]
pub(super) fn may_match(b: &[u8]) -> bool {
    may_match_masks(b, &masks(b))
}

/// `:` and `=` bits of a short value's masks where a secret pair's key can
/// end: not right after a digit, `-`, `.` or `:` (a key's last three bytes
/// are letters, or a quote or blank comes between, see `pairs::pair_at`).
/// Times, ratios and URLs (`12:34`, `:5432`, `::`) are dropped here.
pub(super) fn separators(m: &Masks) -> u64 {
    m[PAIR_SEP] & !((m[DIGIT] | m[DASH] | m[DOT] | m[COLON]) << 1)
}

/// Whether a rule of [`super::secrets`] might match in the short value
/// whose masks are `m`; `false` proves that the literal search finds
/// nothing, so most values skip it. Below, "letters" are word bytes other
/// than digits (`_` included) and "base64url bytes" word bytes and `-`.
/// Each family's match holds its own of:
/// - `sk-`: two letters, `-`, 20 base64url bytes;
/// - `AKIA`/`ASIA`: two capitals starting 20 capitals or digits;
/// - `xoxb-`: four letters, `-`, 10 base64url bytes;
/// - GitHub (`ghp_`, `github_pat_`): four letters, then 22 word bytes;
/// - `AIza`: two capitals, two bytes, then 30 base64url bytes;
/// - Stripe (`sk_live_`): eight letters, then 16 word bytes;
/// - a JWT: 10 base64url bytes right before a `.` (`eyJ…` to the header's
///   end);
/// - a PEM block: five `-` in a row (`-----BEGIN `);
/// - `Bearer `: six letters, a space, then a byte that is no base64url byte
///   (a blank before the credential, or its `.`, `/`, `~`, `+`) or 8 bytes
///   that are no space (the credential's least).
///
/// All but the last three hold 15 base64url bytes in a row, so values
/// without such a run skip their checks.
#[inline]
pub(super) fn may_hold_literal_secret(m: &Masks) -> bool {
    let (d, w, u) = (m[DIGIT], m[WORD], m[UPPER]);
    let (dash, dot, space) = (m[DASH], m[DOT], m[SPACE]);
    // `xk` marks `k` base64url bytes in a row from each bit; `wk`, `lk`,
    // `udk` the same for word bytes, letters, capitals or digits.
    let x = w | dash;
    let x2 = x & (x >> 1);
    let x4 = x2 & (x2 >> 2);
    let x8 = x4 & (x4 >> 4);
    let l = w & !d;
    let l2 = l & (l >> 1);
    let l4 = l2 & (l2 >> 2);
    if x8 & (x8 >> 7) != 0 {
        let x10 = x8 & (x2 >> 8);
        let x16 = x8 & (x8 >> 8);
        let x20 = x16 & (x4 >> 16);
        let x30 = x16 & (x16 >> 14);
        let w2 = w & (w >> 1);
        let w4 = w2 & (w2 >> 2);
        let w8 = w4 & (w4 >> 4);
        let w16 = w8 & (w8 >> 8);
        let w22 = w16 & (w4 >> 16) & (w2 >> 20);
        let ud = u | d;
        let ud2 = ud & (ud >> 1);
        let ud4 = ud2 & (ud2 >> 2);
        let ud8 = ud4 & (ud4 >> 4);
        let ud20 = ud8 & (ud8 >> 8) & (ud4 >> 16);
        let u2 = u & (u >> 1);
        let l8 = l4 & (l4 >> 4);
        let sk = l2 & (dash >> 2) & (x20 >> 3);
        let aws = u2 & ud20;
        let slack = l4 & (dash >> 4) & (x10 >> 5);
        let github = l4 & (w22 >> 4);
        let google = u2 & (x30 >> 4);
        let stripe = l8 & (w16 >> 8);
        if sk | aws | slack | github | google | stripe != 0 {
            return true;
        }
    }
    if x8 & (x2 >> 8) & (dot >> 10) != 0 {
        return true;
    }
    let dash2 = dash & (dash >> 1);
    if dash2 & (dash2 >> 2) & (dash >> 4) != 0 {
        return true;
    }
    // Spaces right after six letters.
    let after = space & (l4 << 6) & (l2 << 2);
    if after == 0 {
        return false;
    }
    // Past the end `!space` and `!x` are set: that only lets more through.
    let solid = !space;
    let solid2 = solid & (solid >> 1);
    let solid4 = solid2 & (solid2 >> 2);
    let solid8 = solid4 & (solid4 >> 4);
    after & ((solid8 | !x) >> 1) != 0
}

/// [`may_match`] on masks already computed (inlined into its one caller,
/// which shares the masks with the pair scan).
#[inline]
pub(super) fn may_match_masks(b: &[u8], m: &Masks) -> bool {
    debug_assert!(b.len() <= MAX_LEN);
    let (d, w, u) = (m[DIGIT], m[WORD], m[UPPER]);
    let (colon, dash, dot, space, rare) = (m[COLON], m[DASH], m[DOT], m[SPACE], m[RARE]);

    // `@` (e-mail, URL credentials), `+` before a digit (`+CC …`), or `(`
    // before a digit (a national number's area code, `phone::national_at`).
    if rare & (d >> 1) != 0 || (rare != 0 && memchr::memchr(b'@', b).is_some()) {
        return true;
    }
    // IPv6 `::`, or five colons each 2–5 bytes after the one before (IPv6
    // groups, colon MAC). `near(x)` marks colons with an `x` 2–5 bytes on;
    // without `::`, the next colon is one of them whenever any is.
    if colon & (colon >> 1) != 0 {
        return true;
    }
    let near = |x: u64| colon & ((x >> 2) | (x >> 3) | (x >> 4) | (x >> 5));
    let linked = near(colon);
    if linked != 0 && near(near(near(linked))) != 0 {
        return true;
    }
    // Dashed MAC: five dashes three bytes apart.
    if dash & (dash >> 3) & (dash >> 6) & (dash >> 9) & (dash >> 12) != 0 {
        return true;
    }
    // Dotted MAC: a dot between hex digits and another five bytes on.
    let mut dots = dot & (dot >> 5);
    while dots != 0 {
        let i = dots.trailing_zeros() as usize;
        if i > 0 && is_hex(b[i - 1]) && is_hex(at(b, i + 1)) {
            return true;
        }
        dots &= dots - 1;
    }

    // Digit runs: where each starts, and whether a word byte precedes it.
    let start = d & !(d << 1);
    // IBAN: two capitals right before a run.
    if start & (u << 1) & (u << 2) != 0 {
        return true;
    }
    let free = start & !(w << 1);
    // 13 or more digits from a free start (a one-group card).
    let d2 = d & (d >> 1);
    let d4 = d2 & (d2 >> 2);
    let d8 = d4 & (d4 >> 4);
    if free & d8 & (d8 >> 5) != 0 {
        return true;
    }
    // At a separator `s` (` `, `-`, `.`) after a free run: NANP/SSN, a free
    // run of 2–3 digits, then exactly 4.
    let four_after = (d >> 1) & (d >> 2) & (d >> 3) & (d >> 4);
    let two_or_three_before = (d << 1) & (d << 2) & (!(w << 3) | ((d << 3) & !(w << 4)));
    if (space | dash | dot) & two_or_three_before & four_after & !(d >> 5) != 0 {
        return true;
    }
    // Grouped card: a free run of exactly 4, ` ` or `-`, 4 or 6 digits and
    // the same separator again.
    let four_before = (d << 1) & (d << 2) & (d << 3) & (d << 4) & !(w << 5);
    let six_after = four_after & (d >> 5) & (d >> 6);
    let regrouped = |sep: u64| sep & ((four_after & (sep >> 5)) | (six_after & (sep >> 7)));
    if four_before & (regrouped(space) | regrouped(dash)) != 0 {
        return true;
    }
    // IPv4: a free run of 1–3 digits, then `.` and 1–3 digits twice, then
    // `.` and a digit. `hop(x)` marks dots followed by 1–3 digits and a dot
    // in `x`.
    let one = dot & (d >> 1);
    let hop = |x: u64| one & ((x >> 2) | ((d >> 2) & ((x >> 3) | ((d >> 3) & (x >> 4)))));
    let one_to_three_before =
        (d << 1) & (!(w << 2) | ((d << 2) & (!(w << 3) | ((d << 3) & !(w << 4)))));
    if hop(hop(one)) & one_to_three_before != 0 {
        return true;
    }
    // National numbers (`phone::national_at`): 9 or more digits in groups
    // joined by `phone::joins` (a ` `, `-` or `.` between a digit and two
    // more, but not a `-` after a first group of exactly four digits), the
    // first group not glued to a word. Here: a run of 9 or more
    // digit-or-join bytes holding a join whose left digit is not glued to
    // a word (digits glued to a letter, up to 8 of them, are marked).
    let sep = space | dash | dot;
    // First without the glued and date-dash exclusions, which only remove
    // joins: no run here, no run below (most values stop here).
    let loose = d | (sep & (d << 1) & (d >> 1) & (d >> 2));
    if !has_run9(loose) {
        return false;
    }
    let mut glued = d & ((w & !d) << 1);
    glued |= (glued << 1) & d;
    glued |= (glued << 2) & d & (d << 1);
    glued |= (glued << 4) & d & (d << 1) & (d << 2) & (d << 3);
    let exactly_four_before = (d << 1) & (d << 2) & (d << 3) & (d << 4) & !(d << 5);
    let first_group = !((sep & (d << 1)) << 5);
    let date_dash = dash & exactly_four_before & first_group;
    let join = sep & (d << 1) & !(glued << 1) & (d >> 1) & (d >> 2) & !date_dash;
    let c = d | join;
    let run9 = run9_starts(c);
    let j2 = join | (join >> 1);
    let j4 = j2 | (j2 >> 2);
    let j8 = j4 | (j4 >> 4);
    let join_within9 = j8 | (join >> 8);
    run9 & join_within9 != 0
}

/// Bits of `c` that start a run of 9 or more set bits.
#[inline]
fn run9_starts(c: u64) -> u64 {
    let c2 = c & (c >> 1);
    let c4 = c2 & (c2 >> 2);
    let c8 = c4 & (c4 >> 4);
    c8 & (c >> 8)
}

/// Whether `c` holds 9 set bits in a row.
#[inline]
fn has_run9(c: u64) -> bool {
    run9_starts(c) != 0
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What [`masks`] must compute, byte by byte.
    fn expected(text: &[u8]) -> Masks {
        let classes: [fn(u8) -> bool; 9] = [
            |c| c.is_ascii_digit(),
            |c| c.is_ascii_alphanumeric() || c == b'_',
            |c| c.is_ascii_uppercase(),
            |c| c == b':',
            |c| c == b'-',
            |c| c == b'.',
            |c| c == b' ',
            |c| c == b'@' || c == b'+' || c == b'(',
            |c| c == b':' || c == b'=',
        ];
        classes.map(|f| {
            text.iter()
                .enumerate()
                .filter(|(_, c)| f(**c))
                .fold(0u64, |acc, (i, _)| acc | 1 << i)
        })
    }

    #[test]
    fn masks_hold_every_byte_value_at_every_position() {
        for v in 0..=255u8 {
            for i in 0..MAX_LEN {
                let mut text = [b'#'; MAX_LEN];
                text[i] = v;
                assert_eq!(masks(&text), expected(&text), "byte {v:#x} at {i}");
                assert_eq!(
                    masks(&text[..=i]),
                    expected(&text[..=i]),
                    "byte {v:#x} ending a text of {}",
                    i + 1
                );
            }
        }
        let text = b"aZ_9:-. @+\xC3\xA9x{`/[";
        for end in 0..=text.len() {
            assert_eq!(masks(&text[..end]), expected(&text[..end]));
        }
    }
}

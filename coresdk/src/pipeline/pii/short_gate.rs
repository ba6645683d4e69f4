//! The clean-value gate for values of at most 64 bytes — most attribute
//! values — evaluated at every position at once.
//!
//! [`super::gate`] walks the text and stops at every digit, `-`, `.` and
//! `:`, and short values with timestamps, versions and ids are full of them.
//! Here each byte class (digit, word byte, capital, `:`, `-`, `.`, space,
//! `@`/`+`) becomes one 64-bit mask, bit `i` for byte `i`, and each of the
//! walking gate's conditions becomes shifts and ANDs of those masks: `m << k`
//! holds at `i` what `m` holds at `i - k` (nothing before the start, like
//! `gate`'s "no byte before"), `m >> k` what it holds at `i + k` (nothing past
//! the end, like [`super::scan::at`]).
//!
//! Every condition here holds wherever the walking gate's holds (some are
//! weaker), so `false` still proves that no byte-scan rule matches; the
//! unit tests check both against each other and against the detectors.

use super::scan::{at, is_hex};

/// The longest text this gate takes.
pub(super) const MAX_LEN: usize = 64;

// One bit per class in a byte's class code.
const DIGIT: u8 = 1;
const WORD: u8 = 1 << 1;
const UPPER: u8 = 1 << 2;
const COLON: u8 = 1 << 3;
const DASH: u8 = 1 << 4;
const DOT: u8 = 1 << 5;
const SPACE: u8 = 1 << 6;
/// `@` or `+`, both rare in clean values; told apart from the bytes.
const RARE: u8 = 1 << 7;

/// The class code of `c` (branch-free, so the loop over a value vectorises).
#[inline(always)]
fn class(c: u8) -> u8 {
    let digit = c.wrapping_sub(b'0') < 10;
    let upper = c.wrapping_sub(b'A') < 26;
    let lower = c.wrapping_sub(b'a') < 26;
    u8::from(digit) * DIGIT
        | u8::from(digit | upper | lower | (c == b'_')) * WORD
        | u8::from(upper) * UPPER
        | u8::from(c == b':') * COLON
        | u8::from(c == b'-') * DASH
        | u8::from(c == b'.') * DOT
        | u8::from(c == b' ') * SPACE
        | u8::from((c == b'@') | (c == b'+')) * RARE
}

/// One delta swap on every row: the bits under `mask` trade places with
/// those `shift` above them. Three of these transpose each row's 8×8 bit
/// matrix (Hacker's Delight, `transpose8`). Written as whole-array steps so
/// it vectorises.
#[inline(always)]
fn swap_bits(rows: &mut [u64; 8], shift: u32, mask: u64) {
    let t: [u64; 8] = std::array::from_fn(|i| (rows[i] ^ (rows[i] >> shift)) & mask);
    for (x, t) in rows.iter_mut().zip(t) {
        *x ^= t ^ (t << shift);
    }
}

/// For each row `a` in `low`: trades its bytes under `mask` with those
/// `shift` bits below them in row `a + step`. Three of these transpose the
/// rows' 8×8 byte matrix.
#[inline(always)]
fn swap_bytes(rows: &mut [u64; 8], low: [usize; 4], step: usize, shift: u32, mask: u64) {
    let t: [u64; 4] =
        std::array::from_fn(|i| ((rows[low[i]] >> shift) ^ rows[low[i] + step]) & mask);
    for (a, t) in low.into_iter().zip(t) {
        rows[a + step] ^= t;
        rows[a] ^= t << shift;
    }
}

/// One mask per class bit: `masks(b)[k]` has bit `i` set when byte `i` of
/// `b` is in class `1 << k`.
#[inline]
fn masks(b: &[u8]) -> [u64; 8] {
    let mut bytes = [0u8; MAX_LEN];
    bytes[..b.len()].copy_from_slice(b);
    let classes: [u8; MAX_LEN] = std::array::from_fn(|i| class(bytes[i]));
    // Row `j`: the class codes of bytes `8j..8j+8` (byte `i`, bit `k`).
    let mut rows: [u64; 8] = std::array::from_fn(|j| {
        let mut row = [0u8; 8];
        row.copy_from_slice(&classes[8 * j..8 * j + 8]);
        u64::from_le_bytes(row)
    });
    // Transposing each row's bits puts class `k` of its 8 bytes in byte `k`.
    swap_bits(&mut rows, 7, 0x00AA_00AA_00AA_00AA);
    swap_bits(&mut rows, 14, 0x0000_CCCC_0000_CCCC);
    swap_bits(&mut rows, 28, 0x0000_0000_F0F0_F0F0);
    // Transposing the rows' bytes gathers class `k` of all 64 bytes in row
    // `k`.
    swap_bytes(&mut rows, [0, 1, 2, 3], 4, 32, 0x0000_0000_FFFF_FFFF);
    swap_bytes(&mut rows, [0, 1, 4, 5], 2, 16, 0x0000_FFFF_0000_FFFF);
    swap_bytes(&mut rows, [0, 2, 4, 6], 1, 8, 0x00FF_00FF_00FF_00FF);
    rows
}

/// The mask of class `bit` out of [`masks`].
#[inline(always)]
fn of(m: &[u64; 8], bit: u8) -> u64 {
    m[bit.trailing_zeros() as usize]
}

/// Whether some rule of the byte scan might match in `b` (at most
/// [`MAX_LEN`] bytes); `false` proves none does. The conditions are
/// [`super::gate::may_match`]'s, each cited there with the detector that
/// implies it.
pub(super) fn may_match(b: &[u8]) -> bool {
    debug_assert!(b.len() <= MAX_LEN);
    let m = masks(b);
    let (d, w, u) = (of(&m, DIGIT), of(&m, WORD), of(&m, UPPER));
    let (colon, dash, dot, space) = (of(&m, COLON), of(&m, DASH), of(&m, DOT), of(&m, SPACE));
    let rare = of(&m, RARE);

    // `@` (e-mail, URL credentials), or `+` before a digit (`+CC …`).
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
    hop(hop(one)) & one_to_three_before != 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_hold_each_class() {
        let text = b"aZ_9:-. @+\xC3\xA9x";
        let m = masks(text);
        let want = |f: fn(u8) -> bool| {
            text.iter()
                .enumerate()
                .filter(|(_, c)| f(**c))
                .fold(0u64, |acc, (i, _)| acc | 1 << i)
        };
        assert_eq!(of(&m, DIGIT), want(|c| c.is_ascii_digit()));
        assert_eq!(
            of(&m, WORD),
            want(|c| c.is_ascii_alphanumeric() || c == b'_')
        );
        assert_eq!(of(&m, UPPER), want(|c| c.is_ascii_uppercase()));
        assert_eq!(of(&m, COLON), want(|c| c == b':'));
        assert_eq!(of(&m, DASH), want(|c| c == b'-'));
        assert_eq!(of(&m, DOT), want(|c| c == b'.'));
        assert_eq!(of(&m, SPACE), want(|c| c == b' '));
        assert_eq!(of(&m, RARE), want(|c| c == b'@' || c == b'+'));
    }

    #[test]
    fn masks_cover_all_64_bytes_and_every_byte_value() {
        for v in 0..=255u8 {
            for i in 0..MAX_LEN {
                let mut text = [b'#'; MAX_LEN];
                text[i] = v;
                let m = masks(&text);
                for (k, mask) in m.iter().enumerate() {
                    let want = if class(v) & (1 << k) != 0 {
                        1u64 << i
                    } else {
                        0
                    };
                    assert_eq!(*mask, want, "byte {v:#x} at {i}, class bit {k}");
                }
            }
        }
    }
}

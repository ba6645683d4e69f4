//! Secrets in free text found by their key: the value of a `key=value`,
//! `key: value` or JSON `"key": "value"` pair whose key names a secret
//! (`password`, `api_key`, `client_secret`, …).
//!
//! The scan starts from the separators, found with one SIMD byte search;
//! each one costs a look at the byte before it unless a key ends there.

use super::replace::Match;
use super::rules::BuiltinRule;
use super::scan::at;

/// Appends the values of secret-naming pairs in `b` to `out`. Driven by
/// the separators (`=`, `:`), which prose rarely holds, so clean text costs
/// one SIMD byte search.
pub(super) fn scan(b: &[u8], out: &mut Vec<Match>) {
    let found = |sep: usize| {
        // Most separators follow keys like `id`, `ts`, `level`: two bytes
        // looked up in a bitmap turn them away before any other work.
        if sep >= 3
            && ends_like_secret(b[sep - 2], b[sep - 1])
            && let Some((s, e)) = pair_at(b, sep)
        {
            out.push(Match::builtin(s, e, BuiltinRule::SecretPair));
        }
    };
    memchr::memchr2_iter(b'=', b':', b).for_each(found);
}

/// [`scan`] for a short value whose `:`/`=` positions are the bits of
/// `separators` (from the clean-value gate's masks, computed once).
#[inline]
pub(super) fn scan_separators(b: &[u8], separators: u64, out: &mut Vec<Match>) {
    // Bit `i` here is the separator at `i + 3`, after the key's last three
    // bytes `b[i..i + 3]` (a key has three bytes or more: separators at
    // 0..3 end none). Counting from the key keeps the slice in bounds
    // without an underflow check.
    let mut keys = separators >> 3;
    while keys != 0 {
        let i = keys.trailing_zeros() as usize;
        keys &= keys - 1;
        let Some(&[third, second, last]) = b.get(i..i + 3) else {
            continue;
        };
        // Right after a letter the key ends at the separator, and its last
        // letters are checked here as `pair_at` would: `subtotal:` and
        // `duration=` stop without a call (a quote or blank before the
        // separator leaves the key's end to `pair_at`).
        if ends_like_secret(second, last)
            && (!last.is_ascii_alphabetic()
                || (is_secret_ending(third, second, last) && letters_end_with_secret(b, i + 3)))
            && let Some((s, e)) = pair_at(b, i + 3)
        {
            out.push(Match::builtin(s, e, BuiltinRule::SecretPair));
        }
    }
}

/// Bit `(a | 0x20) << 8 | (b | 0x20)` is set for the last two letters of a
/// name in [`SECRET_KEYS`] (either case), and for a closing quote or space
/// after one (`"password": …`, `password = …`), where [`pair_at`] looks further.
static ENDINGS: [u64; 1024] = {
    let mut bits = [0u64; 1024];
    let mut k = 0;
    while k < SECRET_ENDINGS.len() {
        let e = SECRET_ENDINGS[k];
        let w = ((e[1] as usize) << 8) | e[2] as usize;
        bits[w >> 6] |= 1 << (w & 63);
        k += 1;
    }
    // After a quote or a space the key ends earlier: always look.
    // The bytes as `ends_like_secret` sees them (`| 0x20`).
    let lasts = [b'"', b'\'', b' ', b'\t' | 0x20];
    let mut first = 0;
    while first < 256 {
        let mut j = 0;
        while j < lasts.len() {
            let w = (first << 8) | lasts[j] as usize;
            bits[w >> 6] |= 1 << (w & 63);
            j += 1;
        }
        first += 1;
    }
    bits
};

#[inline]
fn ends_like_secret(a: u8, b: u8) -> bool {
    let w = (usize::from(a | 0x20) << 8) | usize::from(b | 0x20);
    ENDINGS[w >> 6] >> (w & 63) & 1 != 0
}

/// The value of the pair whose separator is at `sep`: `key=value`,
/// `key: value`, `key := value`, `key => value`, `"key": "value"`,
/// `key='value'`. Quoted values end at their closing quote; bare ones at
/// whitespace or `,` `;` `&` `)` `]` `}` and quotes. For `authorization`, a
/// scheme word (`Basic …`) takes the credential after it.
fn pair_at(b: &[u8], sep: usize) -> Option<(usize, usize)> {
    // The key ends before optional spaces and a closing quote.
    let mut ke = sep;
    while ke > 0 && matches!(b[ke - 1], b' ' | b'\t') {
        ke -= 1;
    }
    let quote = (ke > 0 && matches!(b[ke - 1], b'"' | b'\'')).then(|| b[ke - 1]);
    if quote.is_some() {
        ke -= 1;
    }
    // Cheap rejection: the last three letters of every name in
    // `SECRET_KEYS`, so `ts=`, `level=`, `12:30` cost one comparison.
    if ke < 3 || !is_secret_ending(b[ke - 3], b[ke - 2], b[ke - 1]) {
        return None;
    }
    // Keys sharing an ending with a name (`duration`, `subtotal`) are
    // turned away letter by letter before the key is split into words.
    if !letters_end_with_secret(b, ke) {
        return None;
    }
    let mut ks = ke;
    while ks > 0 && is_key_byte(b[ks - 1]) {
        ks -= 1;
    }
    let key = &b[ks..ke];
    if key.len() > 64 || !names_secret(key) {
        return None;
    }
    if let Some(q) = quote
        && (ks == 0 || b[ks - 1] != q)
    {
        return None;
    }
    let mut i = sep;
    match (b[i], at(b, i + 1)) {
        (b'=', b'=' | b'~') => return None,
        (b'=', b'>') | (b':', b'=') => i += 2,
        _ => i += 1,
    }
    // `scheme://` after a key is a URL, handled by the URL rules.
    if at(b, i) == b'/' {
        return None;
    }
    while matches!(at(b, i), b' ' | b'\t') {
        i += 1;
    }
    let open = at(b, i);
    if matches!(open, b'"' | b'\'' | b'`') {
        let vs = i + 1;
        let mut j = vs;
        while j < b.len() && b[j] != open && b[j] != b'\n' {
            j += if b[j] == b'\\' { 2 } else { 1 };
        }
        let ve = j.min(b.len());
        return (ve > vs && !is_token_at(b, vs, ve)).then_some((vs, ve));
    }
    let bare_end = |from: usize| {
        let mut j = from;
        while j < b.len()
            && !b[j].is_ascii_whitespace()
            && !matches!(b[j], b',' | b';' | b'&' | b')' | b']' | b'}' | b'"' | b'\'')
        {
            j += 1;
        }
        j
    };
    let vs = i;
    if matches!(at(b, vs), b'{' | b'[') {
        return None;
    }
    let mut ve = bare_end(vs);
    // `Authorization: Basic dXNlcjpw…`: the credential follows the scheme.
    let scheme = &b[vs..ve];
    if scheme.eq_ignore_ascii_case(b"bearer") {
        // The `Bearer ` literal's own rule takes the credential.
        return None;
    }
    if ve > vs
        && scheme.len() <= 10
        && scheme.iter().all(u8::is_ascii_alphabetic)
        && at(b, ve) == b' '
        && key.len() >= 13
        && key[key.len() - 13..].eq_ignore_ascii_case(b"authorization")
    {
        let cred_end = bare_end(ve + 1);
        if cred_end > ve + 1 {
            ve = cred_end;
        }
    }
    (ve > vs && !is_token_at(b, vs, ve)).then_some((vs, ve))
}

/// Key names (lower case, separators removed) whose values are secrets; a
/// key names a secret when its last one, two or three words spell one of
/// these (`client_secret`, `X-Api-Key`, `dbPassword`; not `max_tokens`).
const SECRET_KEYS: &[&str] = &[
    "password",
    "passwd",
    "pwd",
    "passphrase",
    "secret",
    "token",
    "apikey",
    "accesskey",
    "privatekey",
    "secretkey",
    "signingkey",
    "encryptionkey",
    "authorization",
    "credential",
    "credentials",
];

/// The last three letters of the names in [`SECRET_KEYS`].
const SECRET_ENDINGS: [[u8; 3]; 10] = [
    *b"ord", *b"swd", *b"pwd", *b"ase", *b"ret", *b"ken", *b"key", *b"ion", *b"ial", *b"als",
];

/// Whether three bytes, case-insensitively, are one of [`SECRET_ENDINGS`]:
/// one word compare per ending.
#[inline]
fn is_secret_ending(a: u8, b: u8, c: u8) -> bool {
    // `| 0x20` lower-cases letters; no other byte maps onto a lower-case letter.
    let word = u32::from_le_bytes([a | 0x20, b | 0x20, c | 0x20, 0]);
    SECRET_ENDINGS
        .iter()
        .any(|e| u32::from_le_bytes([e[0], e[1], e[2], 0]) == word)
}

/// Whether the key ending at `ke` may name a secret: its last eight
/// letters and digits (`_`, `-`, `.` left out, lower-cased) end like a name
/// in [`SECRET_KEYS`]. Necessary for [`names_secret`], and a few word
/// operations instead of its word split: keys sharing an ending with a name
/// (`duration`, `subtotal`) stop here.
#[inline]
fn letters_end_with_secret(b: &[u8], ke: usize) -> bool {
    const LO: u64 = 0x0101_0101_0101_0101;
    let has = |w: u64, c: u8| {
        let x = w ^ (LO * u64::from(c));
        x.wrapping_sub(LO) & !x & (LO << 7) != 0
    };
    // Byte 7 of `tail` is the last letter, byte 6 the one before, ….
    let mut word = [0u8; 8];
    let raw = match ke.checked_sub(8).and_then(|s| b.get(s..ke)) {
        Some(w) => {
            word.copy_from_slice(w);
            Some(u64::from_le_bytes(word))
        }
        None => None,
    };
    let tail = match raw {
        // No `_`, `-`, `.` among the last eight bytes: they are the tail as
        // they stand (`| 0x20` lower-cases letters and maps no other byte
        // onto one, so bytes before the key cannot pass for a name's).
        Some(w) if !has(w, b'_') && !has(w, b'-') && !has(w, b'.') => w | (LO * 0x20),
        _ => {
            let mut tail = 0u64;
            let mut n = 0;
            let mut i = ke;
            while n < 8 && i > 0 {
                i -= 1;
                let c = b[i];
                if c.is_ascii_alphanumeric() {
                    tail |= u64::from(c | 0x20) << (56 - 8 * n);
                    n += 1;
                } else if !matches!(c, b'_' | b'-' | b'.') {
                    break;
                }
            }
            tail
        }
    };
    // Only the names with the key's last letter: `duration` meets
    // `token` and `authorization`, not all fifteen.
    let (from, to) = TAIL_GROUPS[tail_group(tail)];
    SECRET_TAILS[usize::from(from)..usize::from(to)]
        .iter()
        .any(|&(name, mask)| (tail ^ name) & mask == 0)
}

/// The group in [`TAIL_GROUPS`] of a packed tail: its last letter's low five
/// bits (digits share groups with letters; the compare tells them apart).
#[inline]
const fn tail_group(tail: u64) -> usize {
    // Five bits kept: no truncation.
    #[allow(clippy::cast_possible_truncation)]
    let group = (tail >> 56 & 31) as usize;
    group
}

/// Each name of [`SECRET_KEYS`] as [`letters_end_with_secret`] packs a key
/// (last letter in the high byte, at most eight), with the mask of its
/// bytes; ordered by [`tail_group`], so each group is one range.
static SECRET_TAILS: [(u64, u64); SECRET_KEYS.len()] = {
    let mut tails = [(0u64, 0u64); SECRET_KEYS.len()];
    let mut at = 0;
    let mut group = 0;
    while group < 32 {
        let mut k = 0;
        while k < SECRET_KEYS.len() {
            let name = SECRET_KEYS[k].as_bytes();
            let mut tail = (0u64, 0u64);
            let mut n = 0;
            while n < 8 && n < name.len() {
                tail.0 |= (name[name.len() - 1 - n] as u64) << (56 - 8 * n);
                tail.1 |= 0xFF << (56 - 8 * n);
                n += 1;
            }
            if tail_group(tail.0) == group {
                tails[at] = tail;
                at += 1;
            }
            k += 1;
        }
        group += 1;
    }
    tails
};

/// The range of [`SECRET_TAILS`] holding each [`tail_group`].
// Indices below `SECRET_KEYS.len()`, far from `u8::MAX`.
#[allow(clippy::cast_possible_truncation)]
static TAIL_GROUPS: [(u8, u8); 32] = {
    let mut groups = [(0u8, 0u8); 32];
    let mut k = 0;
    while k < SECRET_TAILS.len() {
        let group = tail_group(SECRET_TAILS[k].0);
        if groups[group].1 == 0 {
            groups[group].0 = k as u8;
        }
        groups[group].1 = k as u8 + 1;
        k += 1;
    }
    groups
};

/// A byte of a key: ASCII letters, digits, `_`, `-`, `.`.
fn is_key_byte(c: u8) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-' | b'.')
}

/// Whether `key` names a secret (see [`SECRET_KEYS`]).
fn names_secret(key: &[u8]) -> bool {
    // Word starts, last first: after `_`, `-`, `.` and at lower→upper case
    // changes. Only the last three words matter.
    let mut starts = [0usize; 3];
    let mut n = 0;
    let mut end = key.len();
    let mut i = key.len();
    while i > 0 && n < 3 {
        i -= 1;
        let c = key[i];
        if matches!(c, b'_' | b'-' | b'.') {
            if end > i + 1 {
                starts[n] = i + 1;
                n += 1;
            }
            end = i;
        } else if i > 0 && c.is_ascii_uppercase() && key[i - 1].is_ascii_lowercase() && end > i {
            starts[n] = i;
            n += 1;
            end = i;
        } else if i == 0 && end > 0 {
            starts[n] = 0;
            n += 1;
        }
    }
    let mut joined = [0u8; 48];
    for &from in &starts[..n] {
        let mut len = 0;
        for &c in &key[from..] {
            if matches!(c, b'_' | b'-' | b'.') {
                continue;
            }
            if len == joined.len() {
                return false;
            }
            joined[len] = c.to_ascii_lowercase();
            len += 1;
        }
        if SECRET_KEYS.iter().any(|k| k.as_bytes() == &joined[..len]) {
            return true;
        }
    }
    false
}

/// Whether `b[s..e]` is a replacement token (`<SECRET>`), so masking twice
/// changes nothing.
fn is_token_at(b: &[u8], s: usize, e: usize) -> bool {
    b[s] == b'<'
        && b[e - 1] == b'>'
        && b[s + 1..e - 1].iter().all(|&c| {
            c.is_ascii_uppercase()
                || c.is_ascii_digit()
                || matches!(c, b'_' | b':')
                || c.is_ascii_hexdigit()
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scan(text: &str) -> Vec<(String, BuiltinRule)> {
        let mut out = Vec::new();
        super::scan(text.as_bytes(), &mut out);
        out.iter()
            .map(|m| (text[m.start..m.end].to_owned(), m.rule().expect("builtin")))
            .collect()
    }

    #[test]
    fn letter_check_passes_every_key_that_names_a_secret() {
        // Keys whose last words spell a name, cased and split every way,
        // behind the bytes a pair puts before a key.
        let mut keys = Vec::new();
        for name in SECRET_KEYS {
            for i in 0..name.len() {
                for sep in ["", "_", "-", "."] {
                    let split = format!("{}{sep}{}", &name[..i], &name[i..]);
                    keys.push(split.clone());
                    keys.push(split.to_ascii_uppercase());
                    for prefix in ["db_", "x-", "my.", "a", "Client", "very_long_prefix_"] {
                        keys.push(format!("{prefix}{split}"));
                    }
                }
            }
            let mut camel = name.to_string();
            camel[..1].make_ascii_uppercase();
            keys.push(format!("db{camel}"));
        }
        let mut passed = 0;
        for key in &keys {
            for before in ["", " ", "\"", "{\"", "x=1&", "__", "-."] {
                let text = format!("{before}{key}");
                let b = text.as_bytes();
                let ks = before.len();
                if names_secret(&b[ks..]) {
                    passed += 1;
                    assert!(letters_end_with_secret(b, b.len()), "{text}");
                }
            }
        }
        assert!(passed > 1000, "{passed}");
        // And it turns away keys that only share an ending.
        for key in [
            "duration",
            "subtotal",
            "ticket_price_key2",
            "broken",
            "records",
        ] {
            assert!(!letters_end_with_secret(key.as_bytes(), key.len()), "{key}");
        }
    }

    #[test]
    fn every_secret_key_ending_is_listed() {
        for key in SECRET_KEYS {
            let b = key.as_bytes();
            let last3 = [b[b.len() - 3], b[b.len() - 2], b[b.len() - 1]];
            assert!(SECRET_ENDINGS.contains(&last3), "{key}");
        }
    }

    #[test]
    fn secret_pairs() {
        let cases = [
            ("password=hunter2 next", "hunter2"),
            ("db_password: 's3cr3t pass' ok", "s3cr3t pass"),
            (r#"{"client_secret": "abc\"def", "n": 1}"#, r#"abc\"def"#),
            ("X-Api-Key: 9f8e7d6c5b4a", "9f8e7d6c5b4a"),
            ("apiKey=AbCdEf&page=2", "AbCdEf"),
            ("API_KEY := xyz123;", "xyz123"),
            ("Authorization: Basic dXNlcjpwYXNz", "Basic dXNlcjpwYXNz"),
            ("access_token => tok", "tok"),
            ("PWD=abc", "abc"),
            ("pass_word=abc", "abc"),
            ("user.auth-orization=xyz", "xyz"),
        ];
        for (text, want) in cases {
            let found = scan(text);
            assert!(
                found
                    .iter()
                    .any(|(s, r)| s == want && *r == BuiltinRule::SecretPair),
                "{text}: {found:?}"
            );
        }
        for clean in [
            "max_tokens=512",
            "total_tokens: 900",
            "the token was broken: retry",
            "password == other",
            "secret: <SECRET>",
            "Key: {\"a\": 1}",
            "reset your password, then log in",
            "token_count=3",
            "duration=2.31s",
            "migration: done",
        ] {
            assert!(scan(clean).is_empty(), "{clean}: {:?}", scan(clean));
        }
    }
}

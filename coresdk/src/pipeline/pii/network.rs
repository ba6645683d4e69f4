//! Detectors triggered by `:` and `@`: IPv6 and colon-separated MAC
//! addresses, e-mail addresses, and credentials in URLs.

use std::net::Ipv6Addr;

use super::numbers::mac_at;
use super::replace::Match;
use super::rules::{BuiltinRule, Builtins};
use super::scan::{at, is_hex, is_word};

/// Longest IPv6 text (`ffff:…:255.255.255.255`).
const MAX_V6: usize = 45;

/// Called at a `:`: the IPv6 or MAC address around it, if any, and where the
/// scan resumes.
///
/// `checked_until` is the end of the last whole colon token examined: every
/// `:` inside it expands to the same token, so it is not examined again (and
/// a long run of `:`/hex is examined once, keeping the scan linear).
pub(super) fn at_colon(
    b: &[u8],
    i: usize,
    on: &Builtins,
    checked_until: &mut usize,
) -> (Option<Match>, usize) {
    let miss = (None, i + 1);
    if i < *checked_until {
        return miss;
    }
    let prev = if i > 0 { b[i - 1] } else { 0 };
    let next = at(b, i + 1);
    // Both sides must be hex or `:` (`::1` starts with `:`).
    if !(is_hex(next) || next == b':') || !(is_hex(prev) || prev == b':' || next == b':') {
        return miss;
    }
    let v6 = |c: u8| is_hex(c) || c == b':' || c == b'.';
    let mut s = i;
    while s > 0 && v6(b[s - 1]) {
        s -= 1;
    }
    let mut e = i + 1;
    while e < b.len() && v6(b[e]) {
        e += 1;
    }
    *checked_until = e;
    if e - s > MAX_V6 + 2 {
        // A hex/colon run longer than any address (a hex dump): not one.
        return miss;
    }
    while s < i && b[s] == b'.' {
        s += 1;
    }
    while e > i + 1 && b[e - 1] == b'.' {
        e -= 1;
    }
    if (s > 0 && is_word(b[s - 1])) || is_word(at(b, e)) {
        return miss;
    }
    // A single `:` at either end is punctuation (`addr: …`, `…:`), not `::`.
    if e - s > 2 && b[e - 1] == b':' && (b[e - 2] != b':' || (e - s > 3 && b[e - 3] == b':')) {
        e -= 1;
    }
    if e - s > 2 && b[s] == b':' && (b[s + 1] != b':' || (e - s > 3 && b[s + 2] == b':')) {
        s += 1;
    }
    if on.is_on(BuiltinRule::MacAddress)
        && let Some(end) = mac_at(b, s)
    {
        return (Some(Match::builtin(s, end, BuiltinRule::MacAddress)), end);
    }
    let token = &b[s..e];
    if on.is_on(BuiltinRule::Ipv6)
        && memchr::memchr_iter(b':', token).count() >= 2
        && is_ipv6(token)
    {
        return (Some(Match::builtin(s, e, BuiltinRule::Ipv6)), e);
    }
    miss
}

/// A valid IPv6 address that looks like one rather than a `a::b` path: it has
/// a decimal digit or at least three groups.
fn is_ipv6(token: &[u8]) -> bool {
    let groups = token
        .split(|&c| c == b':')
        .filter(|g| !g.is_empty())
        .count();
    (groups >= 3 || token.iter().any(u8::is_ascii_digit))
        && std::str::from_utf8(token).is_ok_and(|t| t.parse::<Ipv6Addr>().is_ok())
}

/// Called at an `@`: URL credentials or an e-mail address around it, and
/// where the scan resumes.
pub(super) fn at_sign(b: &[u8], i: usize, on: &Builtins) -> (Option<Match>, usize) {
    if on.is_on(BuiltinRule::UrlCredentials)
        && let Some(s) = url_userinfo(b, i)
    {
        return (
            Some(Match::builtin(s, i, BuiltinRule::UrlCredentials)),
            i + 1,
        );
    }
    if on.is_on(BuiltinRule::Email)
        && let Some((s, e)) = email_around(b, i)
    {
        return (Some(Match::builtin(s, e, BuiltinRule::Email)), e);
    }
    (None, i + 1)
}

/// `scheme://user:pass@`: the start of `user:pass` when the `@` at `i` ends
/// one.
fn url_userinfo(b: &[u8], i: usize) -> Option<usize> {
    let stop = |c: u8| {
        c.is_ascii_whitespace()
            || matches!(c, b'/' | b'"' | b'\'' | b'<' | b'>' | b'`' | b'(' | b')')
    };
    // A password may hold a raw `@`, but not many: stop at the third, so a
    // run of `@`s stays linear.
    let limit = i.saturating_sub(256);
    let mut s = i;
    let mut ats = 0;
    while s > limit && !stop(b[s - 1]) {
        s -= 1;
        if b[s] == b'@' {
            ats += 1;
            if ats == 3 {
                return None;
            }
        }
    }
    let scheme_ok = s >= 4 && &b[s - 3..s] == b"://" && b[s - 4].is_ascii_alphanumeric();
    (scheme_ok && s < i && b[s..i].contains(&b':')).then_some(s)
}

fn is_local(c: u8) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, b'.' | b'_' | b'%' | b'+' | b'-')
}

fn is_domain(c: u8) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, b'.' | b'-')
}

/// `local@domain.tld`: ASCII local part (≤ 64), dotted domain with an
/// alphabetic TLD of two or more letters.
fn email_around(b: &[u8], i: usize) -> Option<(usize, usize)> {
    let mut s = i;
    while s > 0 && i - s < 64 && is_local(b[s - 1]) {
        s -= 1;
    }
    while s < i && b[s] == b'.' {
        s += 1;
    }
    if s == i {
        return None;
    }
    let mut e = i + 1;
    while e < b.len() && e - i <= 253 && is_domain(b[e]) {
        e += 1;
    }
    while e > i + 1 && matches!(b[e - 1], b'.' | b'-') {
        e -= 1;
    }
    let domain = &b[i + 1..e];
    let tld = domain.rsplit(|&c| c == b'.').next()?;
    let labels_ok = domain
        .split(|&c| c == b'.')
        .all(|l| !l.is_empty() && l[0] != b'-');
    let ok = domain.contains(&b'.')
        && labels_ok
        && tld.len() >= 2
        && tld.iter().all(u8::is_ascii_alphabetic);
    ok.then_some((s, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scan(text: &str) -> Vec<(String, BuiltinRule)> {
        let b = text.as_bytes();
        let on = Builtins::default();
        let mut out = Vec::new();
        let mut checked = 0;
        let mut i = 0;
        while i < b.len() {
            let (m, next) = match b[i] {
                b':' => at_colon(b, i, &on, &mut checked),
                b'@' => at_sign(b, i, &on),
                _ => (None, i + 1),
            };
            if let Some(m) = m {
                out.push((text[m.start..m.end].to_owned(), m.rule().expect("builtin")));
            }
            i = next.max(i + 1);
        }
        out
    }

    #[test]
    fn ipv6_and_mac() {
        assert_eq!(
            scan(":92:ce:f3:7c:8f:8a:"),
            [("92:ce:f3:7c:8f:8a".into(), BuiltinRule::MacAddress)]
        );
        assert_eq!(
            scan("from 2001:db8::1 ok"),
            [("2001:db8::1".into(), BuiltinRule::Ipv6)]
        );
        assert_eq!(
            scan("[fe80::1ff:fe23:4567:890a]:443"),
            [("fe80::1ff:fe23:4567:890a".into(), BuiltinRule::Ipv6)]
        );
        assert_eq!(scan("lo ::1."), [("::1".into(), BuiltinRule::Ipv6)]);
        assert_eq!(
            scan("m 00:1a:2b:3c:4d:5e"),
            [("00:1a:2b:3c:4d:5e".into(), BuiltinRule::MacAddress)]
        );
        for clean in [
            "at 12:34:56",
            "std::fmt::Display",
            "use a::b;",
            "dead::beef",
            "Note: fine",
            "http://x.io",
        ] {
            assert!(scan(clean).is_empty(), "{clean}");
        }
    }

    #[test]
    fn email_and_url_credentials() {
        assert_eq!(
            scan("mail bob.smith+x@example.co.uk."),
            [("bob.smith+x@example.co.uk".into(), BuiltinRule::Email)]
        );
        assert_eq!(
            scan("db postgres://admin:hunter2@db.internal:5432/x"),
            [("admin:hunter2".into(), BuiltinRule::UrlCredentials)]
        );
        for clean in [
            "@mention",
            "a@b",
            "x@host.c0m",
            "@Override",
            "user@localhost",
        ] {
            assert!(scan(clean).is_empty(), "{clean}");
        }
    }
}

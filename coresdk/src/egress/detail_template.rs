//! The template of an error message: what is left of a `Display` text once
//! every value in it is replaced by a placeholder.
//!
//! An application's own [`Problem`](crate::Problem) detail is written for the
//! payload and is sent as is (after masking). An arbitrary error's `Display`
//! text is not: it routinely carries ids, amounts, hosts and paths
//! (`lookup failed for user_id=u-98765, order=ORD-20250101`). Masking only
//! knows the shapes of PII; the template keeps the words and drops every value,
//! whatever its shape (`lookup failed for user_id=<*>, order=<*>`).
//!
//! Replaced by [`PLACEHOLDER`]:
//! - quoted text (`"…"`, `` `…` ``, and `'…'` opened at a word start);
//! - the value of `key=value` and `key:value` (the key stays), and the word
//!   after a lone `=`;
//! - every word with a digit (numbers, ids, hex, UUIDs, IPs, versions, times);
//! - URLs (`scheme://…`), emails, paths (a `/` or `\`), hosts and other dotted
//!   names (`db.internal`), and hex runs of 8 or more characters;
//! - words longer than [`MAX_WORD_CHARS`] (tokens, base64).
//!
//! Words are the text between whitespace; punctuation around a word stays.

/// What a value becomes.
pub(crate) const PLACEHOLDER: &str = "<*>";

/// Words longer than this are values (tokens, base64), not prose.
pub(crate) const MAX_WORD_CHARS: usize = 24;

/// Punctuation that may wrap a word without being part of its value.
fn is_wrapper(c: char) -> bool {
    matches!(
        c,
        '(' | ')'
            | '['
            | ']'
            | '{'
            | '}'
            | '<'
            | '>'
            | ','
            | ';'
            | '.'
            | '!'
            | '?'
            | ':'
            | '"'
            | '\''
            | '`'
    )
}

/// The template of `text`: every value replaced by [`PLACEHOLDER`].
#[must_use]
pub(crate) fn template_detail(text: &str) -> String {
    let unquoted = replace_quoted(text);
    let mut out = String::with_capacity(unquoted.len());
    let mut after_equals = false;
    let mut rest = unquoted.as_str();
    while !rest.is_empty() {
        let ws = rest.len() - rest.trim_start().len();
        out.push_str(&rest[..ws]);
        rest = &rest[ws..];
        let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
        let word = &rest[..end];
        rest = &rest[end..];
        if word.is_empty() {
            continue;
        }
        if word == "=" || word == ":=" {
            out.push_str(word);
            after_equals = true;
            continue;
        }
        if after_equals {
            after_equals = false;
            push_wrapped(word, &mut out, |_| true);
            continue;
        }
        template_word(word, &mut out);
    }
    out
}

/// Replaces quoted runs with a quoted placeholder. A `'` only opens a quote
/// at the start of a word, so apostrophes (`didn't`) stay.
fn replace_quoted(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.char_indices().peekable();
    let mut prev: Option<char> = None;
    while let Some((i, c)) = chars.next() {
        let opens = match c {
            '"' | '`' => true,
            '\'' => prev.is_none_or(|p| !p.is_alphanumeric()),
            _ => false,
        };
        if opens && let Some(close) = text[i + 1..].find(c) {
            out.push(c);
            out.push_str(PLACEHOLDER);
            out.push(c);
            let end = i + 1 + close;
            while chars.peek().is_some_and(|&(j, _)| j <= end) {
                chars.next();
            }
            prev = Some(c);
            continue;
        }
        out.push(c);
        prev = Some(c);
    }
    out
}

/// Templates one whitespace-free word into `out`.
fn template_word(word: &str, out: &mut String) {
    // `key=value` / `key:value`: keep the key, drop the value.
    let core = word.trim_matches(is_wrapper);
    if !core.contains("://")
        && let Some(at) = core.find(['=', ':'])
    {
        let (key, value) = core.split_at(at);
        let sep_len = if value.starts_with(":=") { 2 } else { 1 };
        // `host:port` is a value: a key before `:` has no dots.
        let dotted_colon = value.starts_with(':') && sep_len == 1 && key.contains('.');
        if is_key(key) && !dotted_colon && value.len() > sep_len {
            let lead = word.len() - word.trim_start_matches(is_wrapper).len();
            let trail = word.trim_end_matches(is_wrapper).len();
            out.push_str(&word[..lead]);
            out.push_str(key);
            out.push_str(&value[..sep_len]);
            out.push_str(PLACEHOLDER);
            out.push_str(&word[trail..]);
            return;
        }
    }
    push_wrapped(word, out, is_value);
}

/// Writes `word`, with its core replaced when `replace(core)` says so.
fn push_wrapped(word: &str, out: &mut String, replace: impl Fn(&str) -> bool) {
    let trimmed_front = word.trim_start_matches(is_wrapper);
    let lead = word.len() - trimmed_front.len();
    let core = trimmed_front.trim_end_matches(is_wrapper);
    if core.is_empty() || core == PLACEHOLDER || !replace(core) {
        out.push_str(word);
        return;
    }
    out.push_str(&word[..lead]);
    out.push_str(PLACEHOLDER);
    out.push_str(&word[lead + core.len()..]);
}

/// A key of `key=value`: a dotted/dashed identifier without digits-only parts.
fn is_key(key: &str) -> bool {
    !key.is_empty()
        && key.len() <= 64
        && key
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.'))
        && key.chars().next().is_some_and(char::is_alphabetic)
}

/// Whether a word (without its wrapping punctuation) is a value.
fn is_value(core: &str) -> bool {
    if core.chars().any(|c| c.is_ascii_digit()) || core.chars().count() > MAX_WORD_CHARS {
        return true;
    }
    if core.contains("://") || core.contains(['/', '\\', '@', '=', '%', '#', '&', '~']) {
        return true;
    }
    // A dot inside a word: a host, a file or a dotted name, not a sentence end.
    if core.contains('.') {
        return true;
    }
    core.len() >= 8 && core.chars().all(|c| c.is_ascii_hexdigit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issue_example() {
        assert_eq!(
            template_detail("lookup failed for user_id=u-98765, order=ORD-20250101"),
            "lookup failed for user_id=<*>, order=<*>"
        );
    }

    #[test]
    fn values_of_every_shape() {
        let cases = [
            (
                "connection to db.internal:5432 refused",
                "connection to <*> refused",
            ),
            (
                "file /var/lib/app/orders.db not found",
                "file <*> not found",
            ),
            ("user 'alice smith' not allowed", "user '<*>' not allowed"),
            ("invalid name \"Bob\"", "invalid name \"<*>\""),
            (
                "timeout after 2000ms (attempt 3)",
                "timeout after <*> (attempt <*>)",
            ),
            (
                "request 550e8400-e29b-41d4-a716-446655440000 failed",
                "request <*> failed",
            ),
            ("mail to jane@example.com bounced", "mail to <*> bounced"),
            (
                "GET https://user:pw@api.example.com/v1/x failed",
                "GET <*> failed",
            ),
            ("user = alice", "user = <*>"),
            ("tenant:acme denied", "tenant:<*> denied"),
            ("hash deadbeefcafe mismatch", "hash <*> mismatch"),
            ("didn't work", "didn't work"),
            ("connection reset by peer", "connection reset by peer"),
        ];
        for (input, want) in cases {
            assert_eq!(template_detail(input), want, "{input}");
        }
    }

    #[test]
    fn keeps_whitespace_and_prose() {
        let text = "the  inventory service\tdid not respond";
        assert_eq!(template_detail(text), text);
        assert_eq!(template_detail(""), "");
        assert_eq!(template_detail("x: <*>"), "x: <*>");
    }
}

//! Content capture: whether message content is recorded, and its truncation.

use std::borrow::Cow;

/// Appended to content cut at the `content_max_chars` limit.
pub const TRUNCATION_MARKER: &str = "…[truncated]";

/// `text` when message content is captured, else an empty string: a
/// provider translation keeps the part (its type is structure) without the
/// words.
///
/// ```
/// use coresdk::genai::captured;
/// assert_eq!(captured(true, "hi"), "hi");
/// assert_eq!(captured(false, "hi"), "");
/// ```
pub fn captured(capture: bool, text: &str) -> String {
    if capture {
        text.to_owned()
    } else {
        String::new()
    }
}

/// Cuts `text` to at most `max_chars` characters (Unicode scalar values), on a
/// char boundary, and appends [`TRUNCATION_MARKER`] when anything was cut.
///
/// Text within the limit is borrowed unchanged. The result is always valid
/// UTF-8: the cut never splits a character.
///
/// ```
/// use coresdk::genai::truncate_content;
/// assert_eq!(truncate_content("héllo wörld", 5), "héllo…[truncated]");
/// assert_eq!(truncate_content("short", 5), "short");
/// ```
#[inline]
pub fn truncate_content(text: &str, max_chars: usize) -> Cow<'_, str> {
    // Fast path: a string with no more bytes than the limit has no more chars.
    if text.len() <= max_chars {
        return Cow::Borrowed(text);
    }
    match text.char_indices().nth(max_chars) {
        None => Cow::Borrowed(text),
        Some((cut, _)) => {
            let mut out = String::with_capacity(cut + TRUNCATION_MARKER.len());
            out.push_str(&text[..cut]);
            out.push_str(TRUNCATION_MARKER);
            Cow::Owned(out)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn within_limit_is_borrowed() {
        assert!(matches!(truncate_content("abc", 3), Cow::Borrowed("abc")));
        // 3 chars but 9 bytes: still within a 3-char limit.
        assert!(matches!(truncate_content("日本語", 3), Cow::Borrowed(_)));
    }

    #[test]
    fn cuts_on_char_boundary_with_marker() {
        assert_eq!(truncate_content("日本語テキスト", 3), "日本語…[truncated]");
        assert_eq!(truncate_content("abcdef", 0), "…[truncated]");
        // Emoji (4-byte) and combining sequences stay valid UTF-8.
        let s = "👍🏽👍🏽👍🏽";
        let cut = truncate_content(s, 3);
        assert_eq!(cut, "👍🏽👍…[truncated]");
    }

    proptest::proptest! {
        #[test]
        fn truncation_is_valid_and_bounded(s in "\\PC{0,64}", max in 0usize..40) {
            let out = truncate_content(&s, max);
            let n = s.chars().count();
            if n <= max {
                proptest::prop_assert_eq!(out.as_ref(), s.as_str());
            } else {
                let body = out.strip_suffix(TRUNCATION_MARKER);
                proptest::prop_assert!(body.is_some());
                let body = body.unwrap_or_default();
                proptest::prop_assert_eq!(body.chars().count(), max);
                proptest::prop_assert!(s.starts_with(body));
            }
        }
    }
}

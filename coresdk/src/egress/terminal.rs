//! Text for a terminal: values from spans, error details, remote LLM answers
//! and configuration are data, never terminal commands.
//!
//! Every C0 control (including ESC), DEL, every C1 control (U+0080–U+009F,
//! which some terminals read as 8-bit CSI/OSC) and the Unicode bidi
//! overrides are written as visible escapes (`\x1b`, `\u{9b}`), so a value
//! cannot clear the screen, set the title, write the clipboard (OSC 52), hide a
//! link (OSC 8) or forge a line.

use std::borrow::Cow;
use std::fmt::Write as _;

/// Whether `c` must not reach a terminal raw.
fn is_unsafe(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

fn escape(text: &str, keep_newlines: bool) -> Cow<'_, str> {
    let keep = |c: char| keep_newlines && matches!(c, '\n' | '\t');
    if !text.chars().any(|c| is_unsafe(c) && !keep(c)) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if !is_unsafe(c) || keep(c) {
            out.push(c);
            continue;
        }
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x80 => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
        }
    }
    Cow::Owned(out)
}

/// `text` on one line with every control character escaped (newlines too).
#[must_use]
pub fn escape_controls(text: &str) -> Cow<'_, str> {
    escape(text, false)
}

/// `text` with every control character escaped except `\n` and `\t`: for
/// multi-line text such as an LLM's analysis.
#[must_use]
pub fn escape_controls_multiline(text: &str) -> Cow<'_, str> {
    escape(text, true)
}

/// A JSON line with the C1 controls and bidi overrides inside its strings
/// written as `\u00XX` escapes: the same JSON value, but no raw byte a
/// terminal reads as a command (serde already escapes C0 controls).
#[must_use]
pub fn escape_json_line(line: &str) -> Cow<'_, str> {
    let unsafe_in_json = |c: char| matches!(c, '\u{7f}'..='\u{9f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}');
    if !line.chars().any(unsafe_in_json) {
        return Cow::Borrowed(line);
    }
    let mut out = String::with_capacity(line.len() + 8);
    for c in line.chars() {
        if unsafe_in_json(c) {
            // Outside strings JSON has only ASCII structure, so these are in strings.
            let _ = write!(out, "\\u{:04x}", c as u32);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_are_visible_escapes() {
        assert_eq!(escape_controls("plain text"), "plain text");
        assert!(matches!(escape_controls("plain"), Cow::Borrowed(_)));
        assert_eq!(escape_controls("a\x1b[2Jb"), "a\\x1b[2Jb");
        assert_eq!(
            escape_controls("\x1b]52;c;aGk=\x07"),
            "\\x1b]52;c;aGk=\\x07"
        );
        assert_eq!(escape_controls("x\u{9b}31m"), "x\\u{9b}31m");
        assert_eq!(escape_controls("line\nforged"), "line\\nforged");
        assert_eq!(escape_controls("rtl\u{202e}txt"), "rtl\\u{202e}txt");
        assert_eq!(escape_controls("del\x7f"), "del\\x7f");
        assert_eq!(escape_controls_multiline("a\nb\x1b"), "a\nb\\x1b");
    }

    #[test]
    fn json_lines_stay_the_same_json() {
        let value = serde_json::json!({"name": "a\u{1b}[2J\u{9b}1m\u{202e}"});
        let line = serde_json::to_string(&value).expect("json");
        let safe = escape_json_line(&line);
        assert!(
            !safe.contains('\u{1b}') && !safe.contains('\u{9b}'),
            "{safe}"
        );
        let back: serde_json::Value = serde_json::from_str(&safe).expect("still json");
        assert_eq!(back, value);
    }
}

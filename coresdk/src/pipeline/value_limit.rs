//! The attribute value length limit: string values (and each string of a
//! string array) longer than it are cut on a character boundary and end with
//! [`TRUNCATION_MARKER`], like captured message content.
//!
//! On the application thread the cut happens before a value is copied (a
//! `&str` field, a `Debug` or `Display` value written through [`LimitedText`]),
//! so a huge value costs no more than the limit; a value within the limit
//! costs one length comparison. Spans that arrive already built (through the
//! OpenTelemetry API) are cut on the worker ([`limit_span`]).
//!
//! The limit counts characters (Unicode scalar values), as OpenTelemetry's
//! `OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT` does.

use std::borrow::Cow;
use std::fmt;

use opentelemetry::{Array, KeyValue, StringValue, Value};
use opentelemetry_sdk::trace::SpanData;

use crate::genai::{TRUNCATION_MARKER, truncate_content};

/// `text` cut at `limit` characters (with the marker), or borrowed whole.
#[inline]
pub(crate) fn limit_str(text: &str, limit: usize) -> Cow<'_, str> {
    truncate_content(text, limit)
}

/// Cuts a string value, or the strings of a string array, at `limit`
/// characters in place. Returns how many strings were cut.
pub(crate) fn limit_value(value: &mut Value, limit: usize) -> u32 {
    match value {
        Value::String(s) => u32::from(limit_string(s, limit)),
        Value::Array(Array::String(items)) => {
            let mut cut = 0u32;
            for s in items {
                cut = cut.saturating_add(u32::from(limit_string(s, limit)));
            }
            cut
        }
        _ => 0,
    }
}

fn limit_string(s: &mut StringValue, limit: usize) -> bool {
    match limit_str(s.as_str(), limit) {
        Cow::Borrowed(_) => false,
        Cow::Owned(cut) => {
            *s = StringValue::from(cut);
            true
        }
    }
}

/// Cuts every value in `attributes`; returns how many strings were cut.
pub(crate) fn limit_list(attributes: &mut [KeyValue], limit: usize) -> u32 {
    attributes.iter_mut().fold(0u32, |cut, kv| {
        cut.saturating_add(limit_value(&mut kv.value, limit))
    })
}

/// Cuts the values of a span built elsewhere: its attributes, its events'
/// and its links' attributes. Returns how many strings were cut.
pub(crate) fn limit_span(span: &mut SpanData, limit: usize) -> u32 {
    let mut cut = limit_list(&mut span.attributes, limit);
    for event in &mut span.events.events {
        cut = cut.saturating_add(limit_list(&mut event.attributes, limit));
    }
    for link in &mut span.links.links {
        cut = cut.saturating_add(limit_list(&mut link.attributes, limit));
    }
    cut
}

/// The bytes of the strings a value holds (what it costs beyond its slot).
pub(crate) fn value_bytes(value: &Value) -> usize {
    match value {
        Value::String(s) => s.as_str().len(),
        Value::Array(Array::String(items)) => items
            .iter()
            .map(|s| s.as_str().len() + std::mem::size_of::<StringValue>())
            .sum(),
        Value::Array(Array::Bool(items)) => items.len(),
        Value::Array(Array::I64(items)) => items.len() * 8,
        Value::Array(Array::F64(items)) => items.len() * 8,
        _ => 0,
    }
}

/// The bytes of the strings a list of attributes holds.
pub(crate) fn list_bytes(attributes: &[KeyValue]) -> usize {
    attributes.iter().map(|kv| value_bytes(&kv.value)).sum()
}

/// What a span built elsewhere holds on the heap, roughly: its lists and
/// their strings.
pub(crate) fn span_bytes(span: &SpanData) -> usize {
    let slot = std::mem::size_of::<KeyValue>();
    let mut bytes = std::mem::size_of::<SpanData>()
        + span.attributes.len() * slot
        + list_bytes(&span.attributes);
    for event in &span.events.events {
        bytes += std::mem::size_of_val(event)
            + event.name.len()
            + event.attributes.len() * slot
            + list_bytes(&event.attributes);
    }
    for link in &span.links.links {
        bytes += std::mem::size_of_val(link)
            + link.attributes.len() * slot
            + list_bytes(&link.attributes);
    }
    bytes
}

/// A `fmt::Write` target that keeps at most `limit` characters and then the
/// marker. Once full it fails the write, which stops the formatting: a
/// `Debug` value of ten megabytes is never rendered whole.
#[derive(Debug)]
pub(crate) struct LimitedText {
    text: String,
    limit: usize,
    /// The exact character count, once the byte length alone no longer
    /// proves the text is within the limit.
    chars: Option<usize>,
    cut: bool,
}

impl LimitedText {
    /// Renders `args` within `limit` characters; `true` when it was cut.
    pub(crate) fn render(args: fmt::Arguments<'_>, limit: usize) -> (String, bool) {
        let mut out = Self {
            text: String::new(),
            limit,
            chars: None,
            cut: false,
        };
        // An error is either our cut or the value's own formatting failure;
        // either way what was written so far is the value.
        let _ = fmt::write(&mut out, args);
        (out.text, out.cut)
    }
}

impl fmt::Write for LimitedText {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        if self.cut {
            return Err(fmt::Error);
        }
        let chars = match self.chars {
            // No more bytes than the limit means no more characters.
            None if self.text.len() + s.len() <= self.limit => {
                self.text.push_str(s);
                return Ok(());
            }
            None => self.text.chars().count(),
            Some(chars) => chars,
        };
        let room = self.limit.saturating_sub(chars);
        match s.char_indices().nth(room) {
            None => {
                // `s` has at most `room` characters, so this count is short.
                self.chars = Some(chars + s.chars().count());
                self.text.push_str(s);
                Ok(())
            }
            Some((at, _)) => {
                self.text.push_str(&s[..at]);
                self.text.push_str(TRUNCATION_MARKER);
                self.cut = true;
                Err(fmt::Error)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Pieces(&'static [&'static str]);

    impl fmt::Debug for Pieces {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            for piece in self.0 {
                f.write_str(piece)?;
            }
            Ok(())
        }
    }

    #[test]
    fn rendering_cuts_like_truncate_content() {
        for (pieces, limit) in [
            (&["ab", "cd", "ef"][..], 4),
            (&["日本", "語テ", "キスト"][..], 3),
            (&["abc"][..], 3),
            (&["ab", "c"][..], 3),
            (&["ééé", "éé"][..], 4),
            (&["👍🏽👍🏽", "👍🏽"][..], 3),
            (&[][..], 2),
        ] {
            let whole: String = pieces.concat();
            let (text, cut) = LimitedText::render(format_args!("{:?}", Pieces(pieces)), limit);
            assert_eq!(
                text,
                truncate_content(&whole, limit),
                "{pieces:?} at {limit}"
            );
            assert_eq!(cut, whole.chars().count() > limit);
        }
    }

    #[test]
    fn a_huge_debug_value_is_not_rendered_whole() {
        let big = "x".repeat(1 << 20);
        let (text, cut) = LimitedText::render(format_args!("{big:?}"), 100);
        assert!(cut);
        assert_eq!(text.len(), 100 + TRUNCATION_MARKER.len());
        assert!(text.starts_with("\"xxx"));
    }

    #[test]
    fn strings_and_string_arrays_are_cut_in_place() {
        let mut value = Value::from("abcdef".to_owned());
        assert_eq!(limit_value(&mut value, 3), 1);
        assert_eq!(value.as_str(), format!("abc{TRUNCATION_MARKER}"));
        let mut list = Value::Array(Array::String(vec![
            StringValue::from("ok"),
            StringValue::from("too long"),
        ]));
        assert_eq!(limit_value(&mut list, 3), 1);
        assert_eq!(
            list,
            Value::Array(Array::String(vec![
                StringValue::from("ok"),
                StringValue::from(format!("too{TRUNCATION_MARKER}")),
            ]))
        );
        let mut number = Value::I64(7);
        assert_eq!(limit_value(&mut number, 0), 0);
    }
}

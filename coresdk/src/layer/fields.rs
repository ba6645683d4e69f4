//! How `tracing` field values become a span's attributes and events.
//!
//! Keys are the callsite's `&'static str` field names, so a key never
//! allocates; string values are copied once, after they are cut at the
//! attribute value length limit (see `pipeline::value_limit`). The `otel.*`
//! fields that `tracing-opentelemetry` users know (`otel.name`, `otel.kind`,
//! `otel.status_code`, `otel.status_description`) set the span's name, kind
//! and status instead of becoming attributes.

use std::borrow::Cow;
use std::fmt;

use opentelemetry::trace::{Event, SpanKind, Status};
use opentelemetry::{Key, KeyValue, Value};
use tracing_core::field::{Field, Visit};

use crate::genai::attributes::{
    CODE_FUNCTION_NAME, CORESDK_INTENT, EXCEPTION_EVENT, EXCEPTION_MESSAGE, OTEL_KIND_FIELD,
    OTEL_NAME_FIELD, OTEL_STATUS_CODE_FIELD, OTEL_STATUS_DESCRIPTION_FIELD,
};
use crate::pipeline::record::{Labels, SpanRecord};

/// What every `otel.*` field name starts with.
const OTEL_FIELD_PREFIX: &str = "otel.";

/// The field that names an event.
const MESSAGE_FIELD: &str = "message";
/// An event field recorded as an `exception` event.
const ERROR_FIELD: &str = "error";

/// Records a span's fields into its record.
pub(crate) struct SpanFields<'a>(pub(crate) &'a mut SpanRecord);

impl SpanFields<'_> {
    /// Handles the `otel.*` fields; `false` for any other field. `value` is
    /// already within the value length limit.
    #[inline]
    fn special(&mut self, name: &str, value: &str) -> bool {
        if !name.starts_with(OTEL_FIELD_PREFIX) {
            return false;
        }
        match name {
            OTEL_NAME_FIELD => self.0.extras().name = Some(Cow::Owned(value.to_owned())),
            OTEL_KIND_FIELD => {
                if let Some(kind) = span_kind(value) {
                    self.0.kind = kind;
                }
            }
            OTEL_STATUS_CODE_FIELD => {
                if let Some(status) = status_code(value) {
                    self.0.set_status(status);
                }
            }
            OTEL_STATUS_DESCRIPTION_FIELD => self.0.set_status(Status::error(value.to_owned())),
            _ => return false,
        }
        true
    }
}

impl Visit for SpanFields<'_> {
    fn record_f64(&mut self, field: &Field, value: f64) {
        self.0.push_attribute(KeyValue::new(key(field), value));
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        self.0.push_attribute(KeyValue::new(key(field), value));
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.0
            .push_attribute(KeyValue::new(key(field), u64_value(value)));
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        self.0.push_attribute(KeyValue::new(key(field), value));
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        match field.name() {
            // Under this layer a `#[trace]` span's function name came with
            // its labels (`coresdk.intent`): nothing to copy.
            CODE_FUNCTION_NAME if self.0.labels.is_some() => {}
            name if name.starts_with(OTEL_FIELD_PREFIX) => {
                let text = self.0.text(value);
                if !self.special(name, &text) {
                    self.0.push_attribute(KeyValue::new(key(field), text));
                }
            }
            _ => self.0.push_text(field, value),
        }
    }

    fn record_error(&mut self, field: &Field, value: &(dyn std::error::Error + 'static)) {
        if field.name() == CORESDK_INTENT
            && let Some(labels) = value.downcast_ref::<Labels>()
        {
            self.0.labels = Some(*labels);
            return;
        }
        let text = self.0.rendered(format_args!("{value}"));
        self.0.push_attribute(KeyValue::new(key(field), text));
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        let text = self.0.rendered(format_args!("{value:?}"));
        if !self.special(field.name(), &text) {
            self.0.push_attribute(KeyValue::new(key(field), text));
        }
    }
}

/// Records an event's fields: `message` names it, `error` makes it an
/// `exception` event, the rest become its attributes.
pub(crate) struct EventFields<'a> {
    /// The span's record: its value length limit and counts.
    pub(crate) record: &'a mut SpanRecord,
    pub(crate) event: &'a mut Event,
    /// Set when an `error` field asks for the span's status to be Error.
    pub(crate) error: Option<String>,
}

impl EventFields<'_> {
    fn push(&mut self, field: &Field, value: Value) {
        self.event.attributes.push(KeyValue::new(key(field), value));
    }

    fn text(&mut self, field: &Field, text: String) {
        match field.name() {
            MESSAGE_FIELD => self.event.name = Cow::Owned(text),
            ERROR_FIELD if self.event.name.is_empty() => {
                self.event.name = Cow::Borrowed(EXCEPTION_EVENT);
                self.event
                    .attributes
                    .push(KeyValue::new(EXCEPTION_MESSAGE, text.clone()));
                self.error = Some(text);
            }
            _ => self.push(field, Value::from(text)),
        }
    }
}

impl Visit for EventFields<'_> {
    fn record_f64(&mut self, field: &Field, value: f64) {
        self.push(field, Value::F64(value));
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        self.push(field, Value::I64(value));
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.push(field, u64_value(value));
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        self.push(field, Value::Bool(value));
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        let text = self.record.text(value);
        self.text(field, text);
    }

    fn record_error(&mut self, field: &Field, value: &(dyn std::error::Error + 'static)) {
        let text = self.record.rendered(format_args!("{value}"));
        self.text(field, text);
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        let text = self.record.rendered(format_args!("{value:?}"));
        self.text(field, text);
    }
}

#[inline]
fn key(field: &Field) -> Key {
    Key::from_static_str(field.name())
}

/// A `u64` as an integer attribute when it fits, else as text (OTLP has no
/// unsigned integers).
fn u64_value(value: u64) -> Value {
    i64::try_from(value).map_or_else(|_| Value::from(value.to_string()), Value::I64)
}

fn span_kind(text: &str) -> Option<SpanKind> {
    let kind = match text {
        s if s.eq_ignore_ascii_case("client") => SpanKind::Client,
        s if s.eq_ignore_ascii_case("server") => SpanKind::Server,
        s if s.eq_ignore_ascii_case("producer") => SpanKind::Producer,
        s if s.eq_ignore_ascii_case("consumer") => SpanKind::Consumer,
        s if s.eq_ignore_ascii_case("internal") => SpanKind::Internal,
        _ => return None,
    };
    Some(kind)
}

fn status_code(text: &str) -> Option<Status> {
    if text.eq_ignore_ascii_case("error") {
        Some(Status::error(""))
    } else if text.eq_ignore_ascii_case("ok") {
        Some(Status::Ok)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_and_status_codes_are_read_case_blind() {
        assert_eq!(span_kind("CLIENT"), Some(SpanKind::Client));
        assert_eq!(span_kind("Internal"), Some(SpanKind::Internal));
        assert_eq!(span_kind("sideways"), None);
        assert_eq!(status_code("ERROR"), Some(Status::error("")));
        assert_eq!(status_code("ok"), Some(Status::Ok));
        assert_eq!(status_code("unset"), None);
    }

    #[test]
    fn large_unsigned_values_become_text() {
        assert_eq!(u64_value(7), Value::I64(7));
        assert_eq!(u64_value(u64::MAX), Value::from(u64::MAX.to_string()));
    }
}

//! Checks GenAI spans against the official semantic-conventions JSON schemas
//! of `gen_ai.input.messages`, `gen_ai.output.messages` and
//! `gen_ai.system_instructions` (copies in `tests/fixtures/semconv/`).
//!
//! The schemas accept any part through their catch-all `GenericPart`, so the
//! whole-document check alone would pass a `text` part without content or a
//! `blob` without a modality. Each part whose `type` names a schema
//! definition (`text`, `tool_call`, `blob`, ...) is therefore checked against
//! that definition too: in full when content is captured, and without its
//! content field (`content`, `response`, `uri`) when it carries none, which is
//! the shape the conventions ask for with capture off.

use std::sync::LazyLock;

use opentelemetry::Value as OtelValue;
use opentelemetry_sdk::trace::SpanData;
use serde_json::{Value, json};

use crate::json_schema::Schema;

/// `(attribute, schema file)` of every JSON message attribute.
const SCHEMAS: [(&str, &str); 3] = [
    (
        "gen_ai.input.messages",
        include_str!("../fixtures/semconv/gen-ai-input-messages.json"),
    ),
    (
        "gen_ai.output.messages",
        include_str!("../fixtures/semconv/gen-ai-output-messages.json"),
    ),
    (
        "gen_ai.system_instructions",
        include_str!("../fixtures/semconv/gen-ai-system-instructions.json"),
    ),
];

/// Part type → (schema definition, its content field when it has one).
const PART_DEFS: [(&str, &str, Option<&str>); 7] = [
    ("text", "TextPart", Some("content")),
    ("reasoning", "ReasoningPart", Some("content")),
    ("tool_call", "ToolCallRequestPart", None),
    (
        "tool_call_response",
        "ToolCallResponsePart",
        Some("response"),
    ),
    ("blob", "BlobPart", Some("content")),
    ("uri", "UriPart", Some("uri")),
    ("file", "FilePart", None),
];

/// Key prefixes the latest conventions no longer write.
const LEGACY_PREFIXES: [&str; 5] = [
    "gen_ai.prompt.",
    "gen_ai.completion.",
    "gen_ai.request.tools.",
    "gen_ai.openai.",
    "gen_ai.bedrock.",
];

/// Attributes the conventions type as integers: written as `I64`, never as
/// a double (`top_k = 250`, not `250.0`).
const INTEGER_KEYS: [&str; 9] = [
    "gen_ai.request.top_k",
    "gen_ai.request.max_tokens",
    "gen_ai.request.seed",
    "gen_ai.request.choice.count",
    "gen_ai.usage.input_tokens",
    "gen_ai.usage.output_tokens",
    "gen_ai.usage.cache_read.input_tokens",
    "gen_ai.usage.cache_creation.input_tokens",
    "gen_ai.usage.reasoning.output_tokens",
];

struct Compiled {
    attribute: &'static str,
    document: Schema,
    /// Part type → (full definition, definition without its content field).
    parts: Vec<(&'static str, Schema, Schema, Option<&'static str>)>,
}

fn compile(schema: &Value, pointer: &str, strip: Option<&str>) -> Schema {
    let mut def = schema
        .pointer(pointer)
        .cloned()
        .unwrap_or_else(|| panic!("schema has no {pointer}"));
    if let (Some(field), Some(Value::Array(required))) = (strip, def.get_mut("required")) {
        required.retain(|r| r != field);
    }
    let wrapped = json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$defs": schema["$defs"],
        "allOf": [def],
    });
    Schema::new(wrapped).expect("schema loads")
}

static COMPILED: LazyLock<Vec<Compiled>> = LazyLock::new(|| {
    SCHEMAS
        .iter()
        .map(|(attribute, text)| {
            let schema: Value = serde_json::from_str(text).expect("schema is JSON");
            let document = Schema::new(schema.clone()).expect("schema loads");
            let defs = schema["$defs"].as_object().expect("schema has $defs");
            let parts = PART_DEFS
                .iter()
                .filter(|(_, def, _)| defs.contains_key(*def))
                .map(|(kind, def, field)| {
                    let pointer = format!("/$defs/{def}");
                    (
                        *kind,
                        compile(&schema, &pointer, None),
                        compile(&schema, &pointer, *field),
                        *field,
                    )
                })
                .collect();
            Compiled {
                attribute,
                document,
                parts,
            }
        })
        .collect()
});

fn string_attribute<'a>(span: &'a SpanData, key: &str) -> Option<&'a OtelValue> {
    span.attributes
        .iter()
        .find(|kv| kv.key.as_str() == key)
        .map(|kv| &kv.value)
}

/// Every problem of `span`'s JSON message attributes, empty when they are
/// valid. A span without them has none.
pub fn schema_problems(span: &SpanData) -> Vec<String> {
    let mut problems = Vec::new();
    for compiled in COMPILED.iter() {
        let Some(value) = string_attribute(span, compiled.attribute) else {
            continue;
        };
        let OtelValue::String(text) = value else {
            problems.push(format!("{}: not a string: {value:?}", compiled.attribute));
            continue;
        };
        let document: Value = match serde_json::from_str(text.as_str()) {
            Ok(document) => document,
            Err(e) => {
                problems.push(format!("{}: not JSON ({e}): {text}", compiled.attribute));
                continue;
            }
        };
        for error in compiled.document.errors(&document) {
            problems.push(format!("{}: {error}", compiled.attribute));
        }
        for part in parts_of(&document) {
            problems.extend(part_problems(compiled, part));
        }
    }
    problems
}

/// The parts of a message list, or the list itself for system instructions.
fn parts_of(document: &Value) -> Vec<&Value> {
    let Value::Array(items) = document else {
        return Vec::new();
    };
    items
        .iter()
        .flat_map(|item| match item.get("parts") {
            Some(Value::Array(parts)) => parts.iter().collect::<Vec<_>>(),
            _ => vec![item],
        })
        .collect()
}

fn part_problems(compiled: &Compiled, part: &Value) -> Vec<String> {
    let kind = part.get("type").and_then(Value::as_str).unwrap_or_default();
    let Some((_, full, bare, field)) = compiled.parts.iter().find(|(k, ..)| *k == kind) else {
        return Vec::new();
    };
    let validator = match field {
        Some(field) if part.get(*field).is_none() => bare,
        _ => full,
    };
    validator
        .errors(part)
        .into_iter()
        .map(|error| format!("{}: `{kind}` part {part}: {error}", compiled.attribute))
        .collect()
}

/// Panics with every problem when a span's JSON message attributes do not
/// follow the schemas, when an integer attribute is not an integer, or when
/// a span that follows the latest conventions (a provider span without
/// `gen_ai.system`) still carries a legacy key.
pub fn assert_spans_follow_schemas(spans: &[SpanData]) {
    let mut problems = Vec::new();
    for span in spans {
        for problem in schema_problems(span) {
            problems.push(format!("span `{}`: {problem}", span.name));
        }
        for kv in &span.attributes {
            if INTEGER_KEYS.contains(&kv.key.as_str()) && !matches!(kv.value, OtelValue::I64(_)) {
                problems.push(format!(
                    "span `{}`: {} is not an integer: {:?}",
                    span.name, kv.key, kv.value
                ));
            }
        }
        let latest = string_attribute(span, "gen_ai.provider.name").is_some()
            && string_attribute(span, "gen_ai.system").is_none();
        if latest {
            for kv in &span.attributes {
                let key = kv.key.as_str();
                if key == "gen_ai.system" || LEGACY_PREFIXES.iter().any(|p| key.starts_with(p)) {
                    problems.push(format!(
                        "span `{}`: legacy key {key} under the latest conventions",
                        span.name
                    ));
                }
            }
        }
    }
    assert!(
        problems.is_empty(),
        "GenAI JSON attributes break the semantic-conventions schemas:\n{}",
        problems.join("\n")
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(attribute: &str, document: &Value) -> Vec<String> {
        let compiled = COMPILED
            .iter()
            .find(|c| c.attribute == attribute)
            .expect("known attribute");
        let mut problems = compiled.document.errors(document);
        for part in parts_of(document) {
            problems.extend(part_problems(compiled, part));
        }
        problems
    }

    #[test]
    fn well_formed_messages_pass_with_and_without_content() {
        let captured = json!([{"role": "user", "parts": [
            {"type": "text", "content": "hi"},
            {"type": "uri", "modality": "image", "uri": "https://x/y.png"},
            {"type": "tool_call_response", "id": "c1", "response": "21C"}]}]);
        assert_eq!(
            check("gen_ai.input.messages", &captured),
            Vec::<String>::new()
        );
        let bare = json!([{"role": "user", "parts": [
            {"type": "text"}, {"type": "uri", "modality": "image"}]}]);
        assert_eq!(check("gen_ai.input.messages", &bare), Vec::<String>::new());
    }

    #[test]
    fn malformed_parts_and_messages_fail() {
        // A blob without its modality, a text whose content is not a string,
        // an output message without a finish reason.
        let parts = json!([{"role": "user", "parts": [
            {"type": "blob", "content": "aGk="}, {"type": "text", "content": 3}]}]);
        assert_eq!(check("gen_ai.input.messages", &parts).len(), 2);
        let output = json!([{"role": "assistant", "parts": []}]);
        assert!(!check("gen_ai.output.messages", &output).is_empty());
        let instructions = json!({"type": "text"});
        assert!(!check("gen_ai.system_instructions", &instructions).is_empty());
    }

    fn span(attributes: Vec<opentelemetry::KeyValue>) -> SpanData {
        use opentelemetry::trace::{SpanContext, SpanId, SpanKind, Status};
        SpanData {
            span_context: SpanContext::empty_context(),
            parent_span_id: SpanId::INVALID,
            parent_span_is_remote: false,
            span_kind: SpanKind::Client,
            name: "chat m".into(),
            start_time: std::time::SystemTime::UNIX_EPOCH,
            end_time: std::time::SystemTime::UNIX_EPOCH,
            attributes,
            dropped_attributes_count: 0,
            events: opentelemetry_sdk::trace::SpanEvents::default(),
            links: opentelemetry_sdk::trace::SpanLinks::default(),
            status: Status::Unset,
            instrumentation_scope: opentelemetry::InstrumentationScope::builder("t").build(),
        }
    }

    fn fails(attributes: Vec<opentelemetry::KeyValue>) -> bool {
        let spans = [span(attributes)];
        std::panic::catch_unwind(|| assert_spans_follow_schemas(&spans)).is_err()
    }

    #[test]
    fn span_checks_catch_doubles_legacy_keys_and_bad_json() {
        use opentelemetry::KeyValue;
        let provider = || KeyValue::new("gen_ai.provider.name", "openai");
        assert!(!fails(vec![
            provider(),
            KeyValue::new("gen_ai.request.top_k", 250_i64),
            KeyValue::new("gen_ai.system_instructions", r#"[{"type":"text"}]"#),
        ]));
        assert!(fails(vec![
            provider(),
            KeyValue::new("gen_ai.request.top_k", 250.0)
        ]));
        // A latest-convention span (no gen_ai.system) with an indexed key.
        assert!(fails(vec![
            provider(),
            KeyValue::new("gen_ai.prompt.0.role", "user")
        ]));
        assert!(!fails(vec![
            provider(),
            KeyValue::new("gen_ai.system", "openai"),
            KeyValue::new("gen_ai.prompt.0.role", "user"),
        ]));
        assert!(fails(vec![KeyValue::new("gen_ai.input.messages", "[{")]));
    }
}

//! Writes the neutral model as span attributes: the indexed layout
//! (`gen_ai.prompt.N.*`, llm-tracekit / OpenLLMetry), the OTel v1.37+ JSON
//! layout (`gen_ai.input.messages`, ...), or both.
//!
//! Attributes are collected into a `Vec<KeyValue>` and applied to the span in
//! one call by [`GenAiSpan`](super::GenAiSpan).

use std::borrow::Cow;

use opentelemetry::{Array, Key, KeyValue, StringValue, Value};
use serde_json::{Map, Value as Json, json};

use crate::config::MessageFormat;

use super::attributes::{
    GEN_AI_INPUT_MESSAGES, GEN_AI_OPENAI_REQUEST_PREVIOUS_RESPONSE_ID,
    GEN_AI_OPENAI_REQUEST_RESPONSE_FORMAT, GEN_AI_OPENAI_REQUEST_SEED,
    GEN_AI_OPENAI_REQUEST_SERVICE_TIER, GEN_AI_OPENAI_REQUEST_USER,
    GEN_AI_OPENAI_RESPONSE_SERVICE_TIER, GEN_AI_OUTPUT_MESSAGES, GEN_AI_REQUEST_TOOLS,
    GEN_AI_SYSTEM_INSTRUCTIONS, GEN_AI_TOOL_DEFINITIONS, OPENAI_REQUEST_PREVIOUS_RESPONSE_ID,
    OPENAI_REQUEST_SERVICE_TIER, OPENAI_RESPONSE_SERVICE_TIER,
};
use super::capture::truncate_content;
use super::keys::{self, MessageKeys, ToolField, ToolKeys};
use super::message::{
    Completion, ContentPart, FinishReason, Media, MediaSource, Message, Role, ToolCall,
    ToolDefinition,
};
use super::settings::GenAiSettings;

/// A string array attribute value.
pub(crate) fn string_array<I, S>(items: I) -> Value
where
    I: IntoIterator<Item = S>,
    S: Into<StringValue>,
{
    Value::Array(Array::String(items.into_iter().map(Into::into).collect()))
}

/// The JSON finish reason of a completion whose provider gave none.
const UNKNOWN_FINISH_REASON: &str = "unknown";

/// The kind of tool almost every call and definition has.
const FUNCTION_KIND: &str = "function";

/// A role as an attribute value (well-known roles are not copied).
pub(crate) fn role_value(role: &Role) -> Value {
    match role.static_str() {
        Some(name) => Value::from(name),
        None => Value::from(role.as_str().to_owned()),
    }
}

/// A finish reason as a string value (well-known reasons are not copied).
pub(crate) fn finish_reason_value(reason: &FinishReason) -> StringValue {
    match reason.static_str() {
        Some(name) => StringValue::from(name),
        None => StringValue::from(reason.as_str().to_owned()),
    }
}

/// A finish reason in the conventions' enum as a string value (not copied
/// unless the provider's word has no enum value).
pub(crate) fn convention_reason_value(reason: &FinishReason) -> StringValue {
    match reason.convention_static() {
        Some(word) => StringValue::from(word),
        None => StringValue::from(reason.as_str().to_owned()),
    }
}

/// A tool kind as an attribute value (`function` is not copied).
fn kind_value(kind: &str) -> Value {
    if kind == FUNCTION_KIND {
        Value::from(FUNCTION_KIND)
    } else {
        Value::from(kind.to_owned())
    }
}

/// A provider attribute under the latest conventions: legacy
/// `gen_ai.openai.*` keys move to their current names, or are dropped when a
/// neutral attribute already says the same (`gen_ai.request.seed`,
/// `gen_ai.output.type`, ...).
pub(crate) fn latest_attribute(kv: KeyValue) -> Option<KeyValue> {
    let key = match kv.key.as_str() {
        GEN_AI_OPENAI_REQUEST_SERVICE_TIER => OPENAI_REQUEST_SERVICE_TIER,
        GEN_AI_OPENAI_RESPONSE_SERVICE_TIER => OPENAI_RESPONSE_SERVICE_TIER,
        GEN_AI_OPENAI_REQUEST_PREVIOUS_RESPONSE_ID => OPENAI_REQUEST_PREVIOUS_RESPONSE_ID,
        GEN_AI_OPENAI_REQUEST_USER
        | GEN_AI_OPENAI_REQUEST_SEED
        | GEN_AI_OPENAI_REQUEST_RESPONSE_FORMAT => return None,
        _ => return Some(kv),
    };
    Some(KeyValue::new(key, kv.value))
}

/// Records messages, tools and completions per the settings.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Recorder<'a> {
    settings: &'a GenAiSettings,
}

impl<'a> Recorder<'a> {
    pub(crate) fn new(settings: &'a GenAiSettings) -> Self {
        Self { settings }
    }

    fn indexed_form(self) -> bool {
        matches!(
            self.settings.effective_message_format(),
            MessageFormat::Indexed | MessageFormat::Both
        )
    }

    fn json_form(self) -> bool {
        matches!(
            self.settings.effective_message_format(),
            MessageFormat::Json | MessageFormat::Both
        )
    }

    /// Captured (and truncated) content, or `None` when capture is off.
    fn content(self, text: &str) -> Option<Cow<'_, str>> {
        self.settings
            .capture_content
            .then(|| truncate_content(text, self.settings.content_max_chars))
    }

    /// Pushes `text` (truncated) under `key` when content is captured; the
    /// key is only built then.
    fn push_content(self, out: &mut Vec<KeyValue>, key: impl FnOnce() -> Key, text: Cow<'_, str>) {
        if !self.settings.capture_content {
            return;
        }
        let value = match truncate_content(&text, self.settings.content_max_chars) {
            Cow::Owned(truncated) => truncated,
            Cow::Borrowed(_) => text.into_owned(),
        };
        out.push(KeyValue::new(key(), value));
    }

    /// Capacity to reserve for the indexed attributes of `messages` and `tools`.
    pub(crate) fn indexed_estimate(self, messages: usize, tools: usize, aliases: usize) -> usize {
        if self.indexed_form() {
            3 * messages + 4 * tools * (1 + aliases)
        } else {
            3
        }
    }

    /// Prompt messages, system instructions and tool definitions.
    /// `tools_alias` is a provider prefix the tools are also written under.
    pub(crate) fn request(
        self,
        system_instructions: &[String],
        messages: &[Message],
        tools: &[ToolDefinition],
        tools_alias: Option<&str>,
        out: &mut Vec<KeyValue>,
    ) {
        if self.indexed_form() {
            // Separate system instructions come first, as system prompts.
            let keys = &keys::PROMPT;
            let mut index = 0;
            for text in system_instructions {
                out.push(KeyValue::new(
                    keys.role.get(index),
                    role_value(&Role::System),
                ));
                self.push_content(out, || keys.content.get(index), Cow::Borrowed(text));
                index += 1;
            }
            for message in messages {
                self.indexed_message(keys, index, message, out);
                index += 1;
            }
            if !tools.is_empty() {
                for prefix in std::iter::once(GEN_AI_REQUEST_TOOLS).chain(tools_alias) {
                    let keys = ToolKeys::new(prefix);
                    for (i, tool) in tools.iter().enumerate() {
                        indexed_tool_definition(keys, i, tool, out);
                    }
                }
            }
        }
        if self.json_form() {
            // Like messages, instructions keep their part types without capture.
            if !system_instructions.is_empty() {
                let parts: Vec<Json> = system_instructions
                    .iter()
                    .map(|t| self.text_part(t))
                    .collect();
                out.push(KeyValue::new(
                    GEN_AI_SYSTEM_INSTRUCTIONS,
                    Json::Array(parts).to_string(),
                ));
            }
            if !messages.is_empty() {
                let list: Vec<Json> = messages.iter().map(|m| self.json_message(m)).collect();
                out.push(KeyValue::new(
                    GEN_AI_INPUT_MESSAGES,
                    Json::Array(list).to_string(),
                ));
            }
            if !tools.is_empty() {
                let list: Vec<Json> = tools.iter().map(json_tool_definition).collect();
                out.push(KeyValue::new(
                    GEN_AI_TOOL_DEFINITIONS,
                    Json::Array(list).to_string(),
                ));
            }
        }
    }

    /// The generated choices.
    pub(crate) fn completions(self, completions: &[Completion], out: &mut Vec<KeyValue>) {
        if self.indexed_form() {
            let keys = &keys::COMPLETION;
            for (index, completion) in completions.iter().enumerate() {
                self.indexed_message(keys, index, &completion.message, out);
                if let Some(reason) = &completion.finish_reason {
                    out.push(KeyValue::new(
                        keys.finish_reason.get(index),
                        finish_reason_value(reason),
                    ));
                }
            }
        }
        if self.json_form() && !completions.is_empty() {
            let list: Vec<Json> = completions
                .iter()
                .map(|c| {
                    let mut message = self.json_message(&c.message);
                    // The JSON layout speaks the conventions' enum, whatever the
                    // provider's word; the schema requires a reason, so a
                    // completion without one (a cancelled stream) says `unknown`.
                    if let Json::Object(map) = &mut message {
                        let reason = c
                            .finish_reason
                            .as_ref()
                            .map_or(UNKNOWN_FINISH_REASON, FinishReason::convention_str);
                        map.insert("finish_reason".into(), reason.into());
                    }
                    message
                })
                .collect();
            out.push(KeyValue::new(
                GEN_AI_OUTPUT_MESSAGES,
                Json::Array(list).to_string(),
            ));
        }
    }

    fn indexed_message(
        self,
        keys: &MessageKeys,
        index: usize,
        message: &Message,
        out: &mut Vec<KeyValue>,
    ) {
        out.push(KeyValue::new(
            keys.role.get(index),
            role_value(&message.role),
        ));
        if self.settings.capture_content
            && let Some(text) = message.joined_text_cow()
        {
            self.push_content(out, || keys.content.get(index), text);
        }
        // One pass over the parts finds what tool parts there are: most
        // messages have none, and pay only this loop.
        let mut answered = message.tool_call_id.as_ref();
        let mut part_calls = false;
        for part in &message.content {
            match part {
                ContentPart::ToolCallResponse { id: Some(id), .. } if answered.is_none() => {
                    answered = Some(id);
                }
                ContentPart::ToolCall(_) => part_calls = true,
                _ => {}
            }
        }
        if let Some(id) = answered {
            out.push(KeyValue::new(keys.tool_call_id.get(index), id.clone()));
        }
        for (m, call) in message.tool_calls.iter().enumerate() {
            self.indexed_tool_call(keys, index, m, call, out);
        }
        // Calls written as content parts follow the message's own calls.
        if part_calls {
            let calls = message.content.iter().filter_map(|part| match part {
                ContentPart::ToolCall(call) => Some(call),
                _ => None,
            });
            for (m, call) in calls.enumerate() {
                self.indexed_tool_call(keys, index, message.tool_calls.len() + m, call, out);
            }
        }
    }

    fn indexed_tool_call(
        self,
        keys: &MessageKeys,
        index: usize,
        m: usize,
        call: &ToolCall,
        out: &mut Vec<KeyValue>,
    ) {
        if let Some(id) = &call.id {
            out.push(KeyValue::new(keys.call_id.get(index, m), id.clone()));
        }
        out.push(KeyValue::new(
            keys.call_type.get(index, m),
            kind_value(&call.kind),
        ));
        out.push(KeyValue::new(
            keys.call_name.get(index, m),
            call.name.clone(),
        ));
        self.push_content(
            out,
            || keys.call_arguments.get(index, m),
            Cow::Borrowed(&call.arguments),
        );
    }

    fn text_part(self, text: &str) -> Json {
        let mut part = Map::new();
        part.insert("type".into(), "text".into());
        if let Some(content) = self.content(text) {
            part.insert("content".into(), content.into_owned().into());
        }
        Json::Object(part)
    }

    /// A part holding `text` under `field` when content is captured.
    fn content_part(self, kind: &'static str, field: &'static str, text: &str) -> Json {
        let mut part = Map::new();
        part.insert("type".into(), kind.into());
        if let Some(content) = self.content(text) {
            part.insert(field.into(), content.into_owned().into());
        }
        Json::Object(part)
    }

    fn tool_call_part(self, call: &ToolCall) -> Json {
        let mut part = Map::new();
        part.insert("type".into(), "tool_call".into());
        if let Some(id) = &call.id {
            part.insert("id".into(), id.clone().into());
        }
        part.insert("name".into(), call.name.clone().into());
        if let Some(args) = self.content(&call.arguments) {
            // Well-formed (untruncated) JSON arguments are embedded as JSON.
            let value = serde_json::from_str::<Json>(&args)
                .unwrap_or_else(|_| Json::String(args.into_owned()));
            part.insert("arguments".into(), value);
        }
        Json::Object(part)
    }

    fn tool_call_response_part(self, id: Option<&String>, response: Option<&str>) -> Json {
        let mut part = Map::new();
        part.insert("type".into(), "tool_call_response".into());
        if let Some(id) = id {
            part.insert("id".into(), id.clone().into());
        }
        if let Some(content) = response.and_then(|text| self.content(text)) {
            part.insert("response".into(), content.into_owned().into());
        }
        Json::Object(part)
    }

    fn media_part(self, media: &Media) -> Json {
        let mut part = Map::new();
        part.insert("type".into(), media.source.type_name().into());
        part.insert("modality".into(), media.modality.clone().into());
        if let Some(mime_type) = &media.mime_type {
            part.insert("mime_type".into(), mime_type.clone().into());
        }
        match &media.source {
            // A provider file id names an upload, it is not the content.
            MediaSource::FileId(id) => {
                part.insert("file_id".into(), id.clone().into());
            }
            MediaSource::Uri(uri) => {
                if let Some(uri) = self.content(uri) {
                    part.insert("uri".into(), uri.into_owned().into());
                }
            }
            MediaSource::Base64(data) => {
                if let Some(data) = self.content(data) {
                    part.insert("content".into(), data.into_owned().into());
                }
            }
        }
        Json::Object(part)
    }

    fn json_part(self, part: &ContentPart) -> Json {
        match part {
            ContentPart::Text(text) => self.text_part(text),
            ContentPart::Refusal(text) => self.content_part("refusal", "content", text),
            ContentPart::Reasoning(text) => self.content_part("reasoning", "content", text),
            // The data was not kept: the part says what it was.
            ContentPart::Blob { modality } => json!({ "type": "blob", "modality": modality }),
            ContentPart::Media(media) => self.media_part(media),
            ContentPart::ToolCall(call) => self.tool_call_part(call),
            ContentPart::ToolCallResponse { id, response } => {
                self.tool_call_response_part(id.as_ref(), Some(response))
            }
        }
    }

    /// One message in the OTel JSON form: `{"role", "parts": [...]}`.
    fn json_message(self, message: &Message) -> Json {
        let mut parts = Vec::with_capacity(message.content.len() + message.tool_calls.len());
        let has_response_parts = message
            .content
            .iter()
            .any(|part| matches!(part, ContentPart::ToolCallResponse { .. }));
        match (&message.role, &message.tool_call_id) {
            // A chat-completions tool message: its text is the call's response.
            (Role::Tool, Some(id)) if !has_response_parts => {
                let text = message.joined_text_cow();
                parts.push(self.tool_call_response_part(Some(id), text.as_deref()));
            }
            _ => parts.extend(message.content.iter().map(|part| self.json_part(part))),
        }
        parts.extend(
            message
                .tool_calls
                .iter()
                .map(|call| self.tool_call_part(call)),
        );
        json!({ "role": message.role.as_str(), "parts": parts })
    }
}

fn indexed_tool_definition(
    keys: ToolKeys<'_>,
    i: usize,
    tool: &ToolDefinition,
    out: &mut Vec<KeyValue>,
) {
    out.push(KeyValue::new(
        keys.get(ToolField::Kind, i),
        kind_value(&tool.kind),
    ));
    out.push(KeyValue::new(
        keys.get(ToolField::Name, i),
        tool.name.clone(),
    ));
    if let Some(description) = &tool.description {
        out.push(KeyValue::new(
            keys.get(ToolField::Description, i),
            description.clone(),
        ));
    }
    if let Some(parameters) = &tool.parameters {
        out.push(KeyValue::new(
            keys.get(ToolField::Parameters, i),
            parameters.clone(),
        ));
    }
}

fn json_tool_definition(tool: &ToolDefinition) -> Json {
    let mut def = Map::new();
    def.insert("type".into(), tool.kind.clone().into());
    def.insert("name".into(), tool.name.clone().into());
    if let Some(description) = &tool.description {
        def.insert("description".into(), description.clone().into());
    }
    if let Some(parameters) = &tool.parameters {
        let value = serde_json::from_str::<Json>(parameters)
            .unwrap_or_else(|_| Json::String(parameters.clone()));
        def.insert("parameters".into(), value);
    }
    Json::Object(def)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::genai::attributes::GEN_AI_BEDROCK_REQUEST_TOOLS;
    use crate::genai::message::FinishReason;

    fn map(attrs: &[KeyValue]) -> BTreeMap<String, String> {
        attrs
            .iter()
            .map(|kv| (kv.key.as_str().to_owned(), kv.value.as_str().into_owned()))
            .collect()
    }

    /// `key = value` lines (the wire names, spelled out as test data).
    fn expected(block: &str) -> BTreeMap<String, String> {
        block
            .lines()
            .filter_map(|l| l.trim().split_once(" = "))
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect()
    }

    fn settings(capture: bool, format: MessageFormat) -> GenAiSettings {
        GenAiSettings::builder()
            .with_capture_content(capture)
            .with_message_format(format)
            .with_content_max_chars(10)
            .build()
    }

    fn conversation() -> (Vec<Message>, Vec<ToolDefinition>, Vec<Completion>) {
        let messages = vec![
            Message::text(Role::System, "Be brief."),
            Message::text(Role::User, "Weather in Tokyo, please?"),
            Message::new(Role::Assistant).with_tool_call(ToolCall::function(
                Some("call_1".into()),
                "get_temperature",
                r#"{"city":"Tokyo"}"#,
            )),
            Message::text(Role::Tool, "21C").with_tool_call_id("call_1"),
        ];
        let tools = vec![
            ToolDefinition::function("get_temperature")
                .with_description("Current temperature")
                .with_parameters(r#"{"type":"object"}"#),
        ];
        let completions = vec![Completion {
            message: Message::text(Role::Assistant, "It is 21C."),
            finish_reason: Some(FinishReason::Stop),
        }];
        (messages, tools, completions)
    }

    fn record(s: &GenAiSettings) -> BTreeMap<String, String> {
        let (messages, tools, completions) = conversation();
        let mut out = Vec::new();
        let r = Recorder::new(s);
        r.request(&[], &messages, &tools, None, &mut out);
        r.completions(&completions, &mut out);
        map(&out)
    }

    #[test]
    fn indexed_with_content_truncates_at_the_limit() {
        let got = record(&settings(true, MessageFormat::Indexed));
        let want = expected(
            r#"
            gen_ai.prompt.0.role = system
            gen_ai.prompt.0.content = Be brief.
            gen_ai.prompt.1.role = user
            gen_ai.prompt.1.content = Weather in…[truncated]
            gen_ai.prompt.2.role = assistant
            gen_ai.prompt.2.tool_calls.0.id = call_1
            gen_ai.prompt.2.tool_calls.0.type = function
            gen_ai.prompt.2.tool_calls.0.function.name = get_temperature
            gen_ai.prompt.2.tool_calls.0.function.arguments = {"city":"T…[truncated]
            gen_ai.prompt.3.role = tool
            gen_ai.prompt.3.content = 21C
            gen_ai.prompt.3.tool_call_id = call_1
            gen_ai.request.tools.0.type = function
            gen_ai.request.tools.0.function.name = get_temperature
            gen_ai.request.tools.0.function.description = Current temperature
            gen_ai.request.tools.0.function.parameters = {"type":"object"}
            gen_ai.completion.0.role = assistant
            gen_ai.completion.0.content = It is 21C.
            gen_ai.completion.0.finish_reason = stop
            "#,
        );
        assert_eq!(got, want);
    }

    #[test]
    fn without_capture_no_content_or_arguments() {
        let got = record(&settings(false, MessageFormat::Indexed));
        let want = expected(
            r#"
            gen_ai.prompt.0.role = system
            gen_ai.prompt.1.role = user
            gen_ai.prompt.2.role = assistant
            gen_ai.prompt.2.tool_calls.0.id = call_1
            gen_ai.prompt.2.tool_calls.0.type = function
            gen_ai.prompt.2.tool_calls.0.function.name = get_temperature
            gen_ai.prompt.3.role = tool
            gen_ai.prompt.3.tool_call_id = call_1
            gen_ai.request.tools.0.type = function
            gen_ai.request.tools.0.function.name = get_temperature
            gen_ai.request.tools.0.function.description = Current temperature
            gen_ai.request.tools.0.function.parameters = {"type":"object"}
            gen_ai.completion.0.role = assistant
            gen_ai.completion.0.finish_reason = stop
            "#,
        );
        assert_eq!(got, want);
    }

    fn json_of(got: &BTreeMap<String, String>, key: &str) -> Json {
        got.get(key)
            .and_then(|s| serde_json::from_str(s).ok())
            .unwrap_or_default()
    }

    #[test]
    fn json_form_follows_otel_shapes() {
        let s = GenAiSettings::builder()
            .with_capture_content(true)
            .with_message_format(MessageFormat::Json)
            .build();
        let got = record(&s);
        assert_eq!(got.len(), 3, "{got:?}");
        assert_eq!(
            json_of(&got, GEN_AI_INPUT_MESSAGES),
            json!([
                {"role": "system", "parts": [{"type": "text", "content": "Be brief."}]},
                {"role": "user", "parts": [{"type": "text", "content": "Weather in Tokyo, please?"}]},
                {"role": "assistant", "parts": [
                    {"type": "tool_call", "id": "call_1", "name": "get_temperature",
                     "arguments": {"city": "Tokyo"}}]},
                {"role": "tool", "parts": [
                    {"type": "tool_call_response", "id": "call_1", "response": "21C"}]},
            ])
        );
        assert_eq!(
            json_of(&got, GEN_AI_OUTPUT_MESSAGES),
            json!([{"role": "assistant", "parts": [{"type": "text", "content": "It is 21C."}],
                    "finish_reason": "stop"}])
        );
        assert_eq!(
            json_of(&got, GEN_AI_TOOL_DEFINITIONS),
            json!([{"type": "function", "name": "get_temperature",
                    "description": "Current temperature", "parameters": {"type": "object"}}])
        );
    }

    #[test]
    fn json_form_without_capture_keeps_structure_only() {
        let got = record(&settings(false, MessageFormat::Json));
        let input = json_of(&got, GEN_AI_INPUT_MESSAGES);
        assert_eq!(
            input[1],
            json!({"role": "user", "parts": [{"type": "text"}]})
        );
        assert_eq!(
            input[2]["parts"][0],
            json!({"type": "tool_call", "id": "call_1", "name": "get_temperature"})
        );
        assert_eq!(
            input[3]["parts"][0],
            json!({"type": "tool_call_response", "id": "call_1"})
        );
        assert_eq!(
            json_of(&got, GEN_AI_OUTPUT_MESSAGES),
            json!([{"role": "assistant", "parts": [{"type": "text"}], "finish_reason": "stop"}])
        );
    }

    #[test]
    fn both_forms_and_separate_system_instructions() {
        let s = settings(true, MessageFormat::Both);
        let mut out = Vec::new();
        let tools = [ToolDefinition::function("f")];
        Recorder::new(&s).request(
            &["Be kind.".to_owned()],
            &[Message::text(Role::User, "hi")],
            &tools,
            Some(GEN_AI_BEDROCK_REQUEST_TOOLS),
            &mut out,
        );
        let mut got = map(&out);
        let input = got.remove(GEN_AI_INPUT_MESSAGES).unwrap_or_default();
        // serde_json writes object keys sorted.
        assert_eq!(
            input,
            r#"[{"parts":[{"content":"hi","type":"text"}],"role":"user"}]"#
        );
        let tools = got.remove(GEN_AI_TOOL_DEFINITIONS).unwrap_or_default();
        assert_eq!(tools, r#"[{"name":"f","type":"function"}]"#);
        let want = expected(
            r#"
            gen_ai.prompt.0.role = system
            gen_ai.prompt.0.content = Be kind.
            gen_ai.prompt.1.role = user
            gen_ai.prompt.1.content = hi
            gen_ai.request.tools.0.type = function
            gen_ai.request.tools.0.function.name = f
            gen_ai.bedrock.request.tools.0.type = function
            gen_ai.bedrock.request.tools.0.function.name = f
            gen_ai.system_instructions = [{"content":"Be kind.","type":"text"}]
            "#,
        );
        assert_eq!(got, want);
    }

    #[test]
    fn tool_parts_render_in_both_layouts() {
        // A Responses-style history: calls and outputs as content parts.
        let messages = [
            Message::new(Role::Assistant)
                .with_part(ContentPart::reasoning("Look it up."))
                .with_part(ContentPart::ToolCall(ToolCall::function(
                    Some("c1".into()),
                    "get_capital",
                    r#"{"country":"FR"}"#,
                ))),
            Message::new(Role::Tool)
                .with_part(ContentPart::tool_call_response(Some("c1".into()), "Paris")),
        ];
        let s = GenAiSettings::builder()
            .with_capture_content(true)
            .with_message_format(MessageFormat::Both)
            .build();
        let mut out = Vec::new();
        Recorder::new(&s).request(&[], &messages, &[], None, &mut out);
        let mut got = map(&out);
        let input = json_of(&got, GEN_AI_INPUT_MESSAGES);
        got.remove(GEN_AI_INPUT_MESSAGES);
        assert_eq!(
            input,
            json!([
                {"role": "assistant", "parts": [
                    {"type": "reasoning", "content": "Look it up."},
                    {"type": "tool_call", "id": "c1", "name": "get_capital",
                     "arguments": {"country": "FR"}}]},
                {"role": "tool", "parts": [
                    {"type": "tool_call_response", "id": "c1", "response": "Paris"}]},
            ])
        );
        let want = expected(
            r#"
            gen_ai.prompt.0.role = assistant
            gen_ai.prompt.0.tool_calls.0.id = c1
            gen_ai.prompt.0.tool_calls.0.type = function
            gen_ai.prompt.0.tool_calls.0.function.name = get_capital
            gen_ai.prompt.0.tool_calls.0.function.arguments = {"country":"FR"}
            gen_ai.prompt.1.role = tool
            gen_ai.prompt.1.content = Paris
            gen_ai.prompt.1.tool_call_id = c1
            "#,
        );
        assert_eq!(got, want);
    }

    #[test]
    fn latest_conventions_write_json_only_with_enum_finish_reasons() {
        let s = GenAiSettings::builder()
            .with_capture_content(false)
            .with_message_format(MessageFormat::Both)
            .with_conventions(crate::config::Conventions::Latest)
            .build();
        let mut out = Vec::new();
        let r = Recorder::new(&s);
        r.request(
            &["Be brief.".to_owned()],
            &[Message::text(Role::User, "hi")],
            &[],
            Some(GEN_AI_BEDROCK_REQUEST_TOOLS),
            &mut out,
        );
        r.completions(
            &[
                Completion {
                    message: Message::text(Role::Assistant, "a"),
                    finish_reason: Some(FinishReason::Other("max_tokens".into())),
                },
                Completion {
                    message: Message::new(Role::Assistant),
                    finish_reason: None,
                },
            ],
            &mut out,
        );
        let got = map(&out);
        assert_eq!(
            got.keys().map(String::as_str).collect::<Vec<_>>(),
            [
                GEN_AI_INPUT_MESSAGES,
                GEN_AI_OUTPUT_MESSAGES,
                GEN_AI_SYSTEM_INSTRUCTIONS
            ]
        );
        assert_eq!(
            json_of(&got, GEN_AI_SYSTEM_INSTRUCTIONS),
            json!([{"type": "text"}])
        );
        assert_eq!(
            json_of(&got, GEN_AI_OUTPUT_MESSAGES),
            json!([
                {"role": "assistant", "parts": [{"type": "text"}], "finish_reason": "length"},
                {"role": "assistant", "parts": [], "finish_reason": "unknown"},
            ])
        );
    }

    #[test]
    fn legacy_provider_keys_move_or_go_under_the_latest_conventions() {
        let moved = latest_attribute(KeyValue::new(GEN_AI_OPENAI_REQUEST_SERVICE_TIER, "flex"));
        assert_eq!(
            moved.map(|kv| (kv.key.as_str().to_owned(), kv.value.to_string())),
            Some((OPENAI_REQUEST_SERVICE_TIER.to_owned(), "flex".to_owned()))
        );
        assert!(latest_attribute(KeyValue::new(GEN_AI_OPENAI_REQUEST_SEED, 7_i64)).is_none());
        let kept = latest_attribute(KeyValue::new("openai.response.system_fingerprint", "fp"));
        assert_eq!(
            kept.map(|kv| kv.key.as_str().to_owned()).as_deref(),
            Some("openai.response.system_fingerprint")
        );
    }
}

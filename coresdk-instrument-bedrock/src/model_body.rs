//! InvokeModel bodies per model family → the neutral model.
//!
//! Families: Anthropic Claude (messages API and legacy text completions),
//! Amazon Nova (messages), Amazon Titan text and embeddings, Meta Llama,
//! Mistral (prompt and chat forms), Cohere Command R (chat), Command (text)
//! and Embed. The family comes from the model id (a cross-region prefix such as
//! `us.` is ignored) or, for ARNs and unknown ids, from the body's shape.
//! Anything else is [`Decoded::Opaque`]: the span keeps model, status, sizes
//! and header usage.

use coresdk::genai::{
    ChatRequest, ChatResponse, Completion, ContentPart, EmbeddingsRequest, Message, Operation,
    Role, ToolCall, ToolDefinition, Usage,
};
use serde_json::Value as Json;

use crate::convert::finish_reason_str;

/// A model family with its own body schema.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Family {
    Anthropic,
    Nova,
    TitanText,
    TitanEmbed,
    Llama,
    Mistral,
    CohereChat,
    CohereText,
    CohereEmbed,
    Unknown,
}

/// The family of `model_id`, falling back to the request body's shape.
pub(crate) fn family(model_id: &str, body: Option<&Json>) -> Family {
    let id = model_id.rsplit('/').next().unwrap_or(model_id);
    let id = match id.split_once('.') {
        Some((prefix, rest)) if !rest.is_empty() && is_region_prefix(prefix) => rest,
        _ => id,
    };
    let by_id = if id.starts_with("anthropic.") {
        Family::Anthropic
    } else if id.starts_with("amazon.nova") {
        Family::Nova
    } else if id.starts_with("amazon.titan-embed") {
        Family::TitanEmbed
    } else if id.starts_with("amazon.titan-text") || id.starts_with("amazon.titan-tg") {
        Family::TitanText
    } else if id.starts_with("meta.llama") {
        Family::Llama
    } else if id.starts_with("mistral.") {
        Family::Mistral
    } else if id.starts_with("cohere.embed") {
        Family::CohereEmbed
    } else if id.starts_with("cohere.command-r") {
        Family::CohereChat
    } else if id.starts_with("cohere.command") {
        Family::CohereText
    } else {
        Family::Unknown
    };
    if by_id != Family::Unknown {
        return by_id;
    }
    let Some(body) = body else {
        return Family::Unknown;
    };
    if body.get("anthropic_version").is_some() {
        Family::Anthropic
    } else if body.get("schemaVersion").is_some() || body.get("inferenceConfig").is_some() {
        Family::Nova
    } else if body.get("textGenerationConfig").is_some() {
        Family::TitanText
    } else if body.get("max_gen_len").is_some() {
        Family::Llama
    } else if body.get("chat_history").is_some() || body.get("preamble").is_some() {
        Family::CohereChat
    } else {
        Family::Unknown
    }
}

fn is_region_prefix(prefix: &str) -> bool {
    matches!(
        prefix,
        "us" | "eu" | "apac" | "jp" | "au" | "ca" | "global" | "us-gov"
    )
}

// --- JSON access ----------------------------------------------------------------

fn s<'a>(v: &'a Json, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Json::as_str)
}
fn u(v: &Json, key: &str) -> Option<u64> {
    v.get(key).and_then(Json::as_u64)
}
fn f(v: &Json, key: &str) -> Option<f64> {
    v.get(key).and_then(Json::as_f64)
}
fn arr<'a>(v: &'a Json, key: &str) -> &'a [Json] {
    v.get(key)
        .and_then(Json::as_array)
        .map_or(&[], Vec::as_slice)
}
fn strings(v: &Json, key: &str) -> Vec<String> {
    arr(v, key)
        .iter()
        .filter_map(|s| s.as_str().map(str::to_owned))
        .collect()
}

fn role(name: &str) -> Role {
    match name {
        "user" | "USER" => Role::User,
        "assistant" | "CHATBOT" => Role::Assistant,
        "system" | "SYSTEM" => Role::System,
        "tool" | "TOOL" => Role::Tool,
        other => Role::Other(other.to_owned()),
    }
}

/// Text kept only when content is captured.
fn text(capture: bool, t: &str) -> ContentPart {
    ContentPart::Text(if capture { t.to_owned() } else { String::new() })
}

fn json_text(capture: bool, v: Option<&Json>) -> String {
    match (capture, v) {
        (true, Some(v)) => v.to_string(),
        _ => String::new(),
    }
}

fn blob(kind: &str) -> ContentPart {
    ContentPart::Blob {
        modality: kind.to_owned(),
    }
}

/// Input tokens including cache reads and writes (Bedrock reports them apart).
fn usage(input: Option<u64>, output: Option<u64>, read: Option<u64>, write: Option<u64>) -> Usage {
    Usage {
        input_tokens: input.map(|i| i + read.unwrap_or(0) + write.unwrap_or(0)),
        output_tokens: output,
        cache_read_input_tokens: read,
        cache_creation_input_tokens: write,
        reasoning_output_tokens: None,
    }
}

// --- Requests -------------------------------------------------------------------

/// A decoded request body.
#[derive(Debug)]
pub(crate) enum Decoded {
    /// A chat or text-completion request.
    Chat(Operation, ChatRequest),
    /// An embeddings request.
    Embeddings(EmbeddingsRequest),
    /// A body of an unknown family: only its operation is guessed.
    Opaque(Operation),
}

impl Decoded {
    pub(crate) fn operation(&self) -> Operation {
        match self {
            Decoded::Chat(op, _) | Decoded::Opaque(op) => *op,
            Decoded::Embeddings(_) => Operation::Embeddings,
        }
    }
}

/// Decodes a request body of `family` (`body` is `None` when it is not JSON).
pub(crate) fn decode_request(
    family: Family,
    model: &str,
    body: Option<&Json>,
    capture: bool,
) -> Decoded {
    let Some(body) = body else {
        return Decoded::Opaque(guess_operation(model, None));
    };
    let mut request = ChatRequest {
        model: model.to_owned(),
        ..ChatRequest::default()
    };
    let op = match family {
        Family::Anthropic => anthropic_request(body, capture, &mut request),
        Family::Nova => {
            nova_request(body, capture, &mut request);
            Operation::Chat
        }
        Family::TitanText => {
            let config = body.get("textGenerationConfig").unwrap_or(&Json::Null);
            request.max_tokens = u(config, "maxTokenCount");
            request.temperature = f(config, "temperature");
            request.top_p = f(config, "topP");
            request.stop_sequences = strings(config, "stopSequences");
            prompt_message(body, "inputText", capture, &mut request);
            Operation::TextCompletion
        }
        Family::Llama => {
            request.max_tokens = u(body, "max_gen_len");
            request.temperature = f(body, "temperature");
            request.top_p = f(body, "top_p");
            prompt_message(body, "prompt", capture, &mut request);
            Operation::TextCompletion
        }
        Family::Mistral => {
            request.max_tokens = u(body, "max_tokens");
            request.temperature = f(body, "temperature");
            request.top_p = f(body, "top_p");
            request.top_k = u(body, "top_k");
            request.stop_sequences = strings(body, "stop");
            if body.get("messages").is_some() {
                for m in arr(body, "messages") {
                    let mut message = Message::new(role(s(m, "role").unwrap_or("user")));
                    if let Some(t) = s(m, "content") {
                        message.content.push(text(capture, t));
                    }
                    if let Some(id) = s(m, "tool_call_id") {
                        message.tool_call_id = Some(id.to_owned());
                    }
                    request.messages.push(message);
                }
                Operation::Chat
            } else {
                prompt_message(body, "prompt", capture, &mut request);
                Operation::TextCompletion
            }
        }
        Family::CohereChat => {
            request.max_tokens = u(body, "max_tokens");
            request.temperature = f(body, "temperature");
            request.top_p = f(body, "p");
            request.top_k = u(body, "k");
            request.stop_sequences = strings(body, "stop_sequences");
            if let Some(preamble) = s(body, "preamble") {
                request.system_instructions.push(if capture {
                    preamble.to_owned()
                } else {
                    String::new()
                });
            }
            for m in arr(body, "chat_history") {
                let mut message = Message::new(role(s(m, "role").unwrap_or("USER")));
                message
                    .content
                    .push(text(capture, s(m, "message").unwrap_or_default()));
                request.messages.push(message);
            }
            prompt_message(body, "message", capture, &mut request);
            for tool in arr(body, "tools") {
                let mut def = ToolDefinition::function(s(tool, "name").unwrap_or_default());
                def.description = s(tool, "description").map(str::to_owned);
                def.parameters = tool.get("parameter_definitions").map(Json::to_string);
                request.tools.push(def);
            }
            Operation::Chat
        }
        Family::CohereText => {
            request.max_tokens = u(body, "max_tokens");
            request.temperature = f(body, "temperature");
            request.top_p = f(body, "p");
            request.top_k = u(body, "k");
            request.stop_sequences = strings(body, "stop_sequences");
            prompt_message(body, "prompt", capture, &mut request);
            Operation::TextCompletion
        }
        Family::TitanEmbed => {
            return Decoded::Embeddings(EmbeddingsRequest {
                model: model.to_owned(),
                input_count: u64::from(body.get("inputText").is_some()),
                dimensions: u(body, "dimensions"),
                ..EmbeddingsRequest::default()
            });
        }
        Family::CohereEmbed => {
            return Decoded::Embeddings(EmbeddingsRequest {
                model: model.to_owned(),
                input_count: arr(body, "texts").len() as u64,
                encoding_format: strings(body, "embedding_types").into_iter().next(),
                ..EmbeddingsRequest::default()
            });
        }
        Family::Unknown => return Decoded::Opaque(guess_operation(model, Some(body))),
    };
    Decoded::Chat(op, request)
}

/// The operation of a body no decoder knows.
fn guess_operation(model: &str, body: Option<&Json>) -> Operation {
    if model.contains("embed") {
        Operation::Embeddings
    } else if body.is_some_and(|b| b.get("messages").is_some()) {
        Operation::Chat
    } else {
        Operation::TextCompletion
    }
}

fn prompt_message(body: &Json, key: &str, capture: bool, request: &mut ChatRequest) {
    if let Some(prompt) = s(body, key) {
        request
            .messages
            .push(Message::new(Role::User).with_part(text(capture, prompt)));
    }
}

fn anthropic_request(body: &Json, capture: bool, request: &mut ChatRequest) -> Operation {
    request.max_tokens = u(body, "max_tokens").or_else(|| u(body, "max_tokens_to_sample"));
    request.temperature = f(body, "temperature");
    request.top_p = f(body, "top_p");
    request.top_k = u(body, "top_k");
    request.stop_sequences = strings(body, "stop_sequences");
    if body.get("messages").is_none() {
        prompt_message(body, "prompt", capture, request);
        return Operation::TextCompletion;
    }
    match body.get("system") {
        Some(Json::String(system)) => request.system_instructions.push(if capture {
            system.clone()
        } else {
            String::new()
        }),
        Some(Json::Array(blocks)) => {
            for block in blocks {
                if let Some(t) = s(block, "text") {
                    request.system_instructions.push(if capture {
                        t.to_owned()
                    } else {
                        String::new()
                    });
                }
            }
        }
        _ => {}
    }
    for m in arr(body, "messages") {
        let mut message = Message::new(role(s(m, "role").unwrap_or("user")));
        let mut has_rest = false;
        match m.get("content") {
            Some(Json::String(t)) => {
                has_rest = true;
                message.content.push(text(capture, t));
            }
            Some(Json::Array(blocks)) => {
                for block in blocks {
                    match s(block, "type").unwrap_or_default() {
                        "text" => {
                            has_rest = true;
                            message
                                .content
                                .push(text(capture, s(block, "text").unwrap_or_default()));
                        }
                        "tool_use" => {
                            has_rest = true;
                            message.tool_calls.push(ToolCall::function(
                                s(block, "id").map(str::to_owned),
                                s(block, "name").unwrap_or_default(),
                                json_text(capture, block.get("input")),
                            ));
                        }
                        "tool_result" => {
                            let mut tool = Message::new(Role::Tool);
                            tool.tool_call_id = s(block, "tool_use_id").map(str::to_owned);
                            match block.get("content") {
                                Some(Json::String(t)) => tool.content.push(text(capture, t)),
                                Some(Json::Array(parts)) => {
                                    for part in parts {
                                        if let Some(t) = s(part, "text") {
                                            tool.content.push(text(capture, t));
                                        }
                                    }
                                }
                                _ => {}
                            }
                            request.messages.push(tool);
                        }
                        "image" => {
                            has_rest = true;
                            message.content.push(blob("image"));
                        }
                        "document" => {
                            has_rest = true;
                            message.content.push(blob("file"));
                        }
                        _ => {}
                    }
                }
            }
            _ => has_rest = true,
        }
        if has_rest {
            request.messages.push(message);
        }
    }
    for tool in arr(body, "tools") {
        let mut def = ToolDefinition::function(s(tool, "name").unwrap_or_default());
        def.description = s(tool, "description").map(str::to_owned);
        def.parameters = tool.get("input_schema").map(Json::to_string);
        request.tools.push(def);
    }
    Operation::Chat
}

/// Nova messages: the Converse shapes in JSON.
fn nova_message(m: &Json, capture: bool, out: &mut Vec<Message>) {
    let mut message = Message::new(role(s(m, "role").unwrap_or("user")));
    let mut has_rest = false;
    for block in arr(m, "content") {
        if let Some(t) = s(block, "text") {
            has_rest = true;
            message.content.push(text(capture, t));
        } else if let Some(tool_use) = block.get("toolUse") {
            has_rest = true;
            message.tool_calls.push(ToolCall::function(
                s(tool_use, "toolUseId").map(str::to_owned),
                s(tool_use, "name").unwrap_or_default(),
                json_text(capture, tool_use.get("input")),
            ));
        } else if let Some(result) = block.get("toolResult") {
            let mut tool = Message::new(Role::Tool);
            tool.tool_call_id = s(result, "toolUseId").map(str::to_owned);
            for part in arr(result, "content") {
                if let Some(t) = s(part, "text") {
                    tool.content.push(text(capture, t));
                } else if let Some(j) = part.get("json") {
                    tool.content
                        .push(ContentPart::Text(json_text(capture, Some(j))));
                }
            }
            out.push(tool);
        } else if block.get("image").is_some() {
            has_rest = true;
            message.content.push(blob("image"));
        } else if block.get("video").is_some() {
            has_rest = true;
            message.content.push(blob("video"));
        } else if block.get("document").is_some() {
            has_rest = true;
            message.content.push(blob("file"));
        }
    }
    if has_rest || arr(m, "content").is_empty() {
        out.push(message);
    }
}

fn nova_request(body: &Json, capture: bool, request: &mut ChatRequest) {
    let config = body.get("inferenceConfig").unwrap_or(&Json::Null);
    request.max_tokens = u(config, "maxTokens").or_else(|| u(config, "max_new_tokens"));
    request.temperature = f(config, "temperature");
    request.top_p = f(config, "topP").or_else(|| f(config, "top_p"));
    request.top_k = u(config, "topK").or_else(|| u(config, "top_k"));
    request.stop_sequences = strings(config, "stopSequences");
    for block in arr(body, "system") {
        if let Some(t) = s(block, "text") {
            request
                .system_instructions
                .push(if capture { t.to_owned() } else { String::new() });
        }
    }
    for m in arr(body, "messages") {
        nova_message(m, capture, &mut request.messages);
    }
    let tools = body.get("toolConfig").unwrap_or(&Json::Null);
    for tool in arr(tools, "tools") {
        if let Some(spec) = tool.get("toolSpec") {
            let mut def = ToolDefinition::function(s(spec, "name").unwrap_or_default());
            def.description = s(spec, "description").map(str::to_owned);
            def.parameters = spec
                .get("inputSchema")
                .and_then(|schema| schema.get("json"))
                .map(Json::to_string);
            request.tools.push(def);
        }
    }
}

// --- Responses ------------------------------------------------------------------

fn completion(message: Message, reason: Option<&str>) -> Completion {
    Completion {
        message,
        finish_reason: reason.map(finish_reason_str),
    }
}

fn assistant_text(capture: bool, t: &str) -> Message {
    Message::new(Role::Assistant).with_part(text(capture, t))
}

/// Decodes a response body of `family` (`None`: nothing to record from it).
pub(crate) fn decode_response(family: Family, body: &Json, capture: bool) -> Option<ChatResponse> {
    let mut response = ChatResponse::default();
    match family {
        Family::Anthropic => {
            response.id = s(body, "id").map(str::to_owned);
            response.model = s(body, "model").map(str::to_owned);
            let mut message = Message::new(role(s(body, "role").unwrap_or("assistant")));
            if let Some(t) = s(body, "completion") {
                message.content.push(text(capture, t));
            }
            for block in arr(body, "content") {
                match s(block, "type").unwrap_or_default() {
                    "text" => message
                        .content
                        .push(text(capture, s(block, "text").unwrap_or_default())),
                    "tool_use" => message.tool_calls.push(ToolCall::function(
                        s(block, "id").map(str::to_owned),
                        s(block, "name").unwrap_or_default(),
                        json_text(capture, block.get("input")),
                    )),
                    _ => {}
                }
            }
            response
                .completions
                .push(completion(message, s(body, "stop_reason")));
            if let Some(usage_json) = body.get("usage") {
                response.usage = usage(
                    u(usage_json, "input_tokens"),
                    u(usage_json, "output_tokens"),
                    u(usage_json, "cache_read_input_tokens"),
                    u(usage_json, "cache_creation_input_tokens"),
                );
            }
        }
        Family::Nova => {
            let message_json = body
                .get("output")
                .and_then(|o| o.get("message"))
                .unwrap_or(&Json::Null);
            let mut messages = Vec::with_capacity(1);
            nova_message(message_json, capture, &mut messages);
            let message = messages
                .into_iter()
                .find(|m| m.role == Role::Assistant)
                .unwrap_or_else(|| Message::new(Role::Assistant));
            response
                .completions
                .push(completion(message, s(body, "stopReason")));
            if let Some(usage_json) = body.get("usage") {
                response.usage = usage(
                    u(usage_json, "inputTokens"),
                    u(usage_json, "outputTokens"),
                    u(usage_json, "cacheReadInputTokenCount"),
                    u(usage_json, "cacheWriteInputTokenCount"),
                );
            }
        }
        Family::TitanText => {
            let mut output = None;
            for result in arr(body, "results") {
                output = Some(output.unwrap_or(0) + u(result, "tokenCount").unwrap_or(0));
                response.completions.push(completion(
                    assistant_text(capture, s(result, "outputText").unwrap_or_default()),
                    s(result, "completionReason"),
                ));
            }
            response.usage = usage(u(body, "inputTextTokenCount"), output, None, None);
        }
        Family::Llama => {
            response.completions.push(completion(
                assistant_text(capture, s(body, "generation").unwrap_or_default()),
                s(body, "stop_reason"),
            ));
            response.usage = usage(
                u(body, "prompt_token_count"),
                u(body, "generation_token_count"),
                None,
                None,
            );
        }
        Family::Mistral => {
            for output in arr(body, "outputs") {
                response.completions.push(completion(
                    assistant_text(capture, s(output, "text").unwrap_or_default()),
                    s(output, "stop_reason"),
                ));
            }
            for choice in arr(body, "choices") {
                let m = choice.get("message").unwrap_or(&Json::Null);
                let mut message = Message::new(role(s(m, "role").unwrap_or("assistant")));
                if let Some(t) = s(m, "content") {
                    message.content.push(text(capture, t));
                }
                for call in arr(m, "tool_calls") {
                    let function = call.get("function").unwrap_or(&Json::Null);
                    message.tool_calls.push(ToolCall::function(
                        s(call, "id").map(str::to_owned),
                        s(function, "name").unwrap_or_default(),
                        if capture {
                            s(function, "arguments").unwrap_or_default().to_owned()
                        } else {
                            String::new()
                        },
                    ));
                }
                response
                    .completions
                    .push(completion(message, s(choice, "finish_reason")));
            }
        }
        Family::CohereChat => {
            response.id = s(body, "response_id").map(str::to_owned);
            let mut message = assistant_text(capture, s(body, "text").unwrap_or_default());
            for call in arr(body, "tool_calls") {
                message.tool_calls.push(ToolCall::function(
                    None,
                    s(call, "name").unwrap_or_default(),
                    json_text(capture, call.get("parameters")),
                ));
            }
            response
                .completions
                .push(completion(message, s(body, "finish_reason")));
        }
        Family::CohereText => {
            response.id = s(body, "id").map(str::to_owned);
            for generation in arr(body, "generations") {
                response.completions.push(completion(
                    assistant_text(capture, s(generation, "text").unwrap_or_default()),
                    s(generation, "finish_reason"),
                ));
            }
        }
        Family::TitanEmbed | Family::CohereEmbed | Family::Unknown => return None,
    }
    Some(response)
}

/// Input tokens reported by an embeddings response body.
pub(crate) fn embeddings_usage(family: Family, body: &Json) -> Usage {
    match family {
        Family::TitanEmbed => usage(u(body, "inputTextTokenCount"), None, None, None),
        _ => Usage::default(),
    }
}

// --- Streams ----------------------------------------------------------------------

/// Usage from `amazon-bedrock-invocationMetrics`, which Bedrock adds to the
/// last chunk of every family's stream.
fn invocation_metrics(chunk: &Json) -> Option<Usage> {
    let metrics = chunk.get("amazon-bedrock-invocationMetrics")?;
    Some(usage(
        u(metrics, "inputTokenCount"),
        u(metrics, "outputTokenCount"),
        u(metrics, "cacheReadInputTokenCount"),
        u(metrics, "cacheWriteInputTokenCount"),
    ))
}

#[derive(Debug)]
enum Block {
    Text(String),
    Tool {
        id: Option<String>,
        name: String,
        input: String,
    },
}

/// Accumulates the decoded chunks of an InvokeModelWithResponseStream body.
#[derive(Debug)]
pub(crate) struct StreamDecoder {
    family: Family,
    capture: bool,
    id: Option<String>,
    model: Option<String>,
    blocks: Vec<(u64, Block)>,
    finish_reason: Option<String>,
    usage: Usage,
    metrics: Option<Usage>,
}

impl StreamDecoder {
    pub(crate) fn new(family: Family, capture: bool) -> Self {
        Self {
            family,
            capture,
            id: None,
            model: None,
            blocks: Vec::new(),
            finish_reason: None,
            usage: Usage::default(),
            metrics: None,
        }
    }

    fn block(&mut self, index: u64) -> &mut Block {
        let pos = if let Some(pos) = self.blocks.iter().position(|(i, _)| *i == index) {
            pos
        } else {
            self.blocks.push((index, Block::Text(String::new())));
            self.blocks.len() - 1
        };
        &mut self.blocks[pos].1
    }

    fn push_text(&mut self, index: u64, t: &str) {
        let capture = self.capture;
        if let Block::Text(acc) = self.block(index)
            && capture
        {
            acc.push_str(t);
        }
    }

    /// Folds one decoded chunk in; returns whether it carried generated content.
    pub(crate) fn add(&mut self, chunk: &Json) -> bool {
        if let Some(metrics) = invocation_metrics(chunk) {
            self.metrics = Some(metrics);
        }
        match self.family {
            Family::Anthropic => self.add_anthropic(chunk),
            Family::Nova => {
                if let Some(delta) = chunk.get("contentBlockDelta") {
                    let index = u(delta, "contentBlockIndex").unwrap_or(0);
                    if let Some(t) = delta.get("delta").and_then(|d| s(d, "text")) {
                        self.push_text(index, t);
                        return true;
                    }
                }
                if let Some(stop) = chunk.get("messageStop") {
                    self.finish_reason = s(stop, "stopReason").map(str::to_owned);
                }
                if let Some(usage_json) = chunk.get("metadata").and_then(|m| m.get("usage")) {
                    self.usage = usage(
                        u(usage_json, "inputTokens"),
                        u(usage_json, "outputTokens"),
                        u(usage_json, "cacheReadInputTokenCount"),
                        u(usage_json, "cacheWriteInputTokenCount"),
                    );
                }
                false
            }
            Family::TitanText => {
                self.set_reason(s(chunk, "completionReason"));
                self.add_text(s(chunk, "outputText"))
            }
            Family::Llama => {
                self.set_reason(s(chunk, "stop_reason"));
                self.add_text(s(chunk, "generation"))
            }
            Family::Mistral => {
                let mut token = false;
                for output in arr(chunk, "outputs") {
                    self.set_reason(s(output, "stop_reason"));
                    token |= self.add_text(s(output, "text"));
                }
                token
            }
            Family::CohereChat | Family::CohereText => {
                if s(chunk, "event_type") == Some("stream-end")
                    || chunk.get("is_finished") == Some(&Json::Bool(true))
                {
                    self.set_reason(s(chunk, "finish_reason"));
                }
                if s(chunk, "event_type") == Some("stream-start") {
                    self.id = s(chunk, "generation_id").map(str::to_owned);
                }
                self.add_text(s(chunk, "text"))
            }
            Family::TitanEmbed | Family::CohereEmbed | Family::Unknown => false,
        }
    }

    fn set_reason(&mut self, reason: Option<&str>) {
        if let Some(reason) = reason {
            self.finish_reason = Some(reason.to_owned());
        }
    }

    fn add_text(&mut self, t: Option<&str>) -> bool {
        match t {
            Some(t) if !t.is_empty() => {
                self.push_text(0, t);
                true
            }
            _ => false,
        }
    }

    fn add_anthropic(&mut self, chunk: &Json) -> bool {
        let index = u(chunk, "index").unwrap_or(0);
        match s(chunk, "type").unwrap_or_default() {
            "message_start" => {
                let message = chunk.get("message").unwrap_or(&Json::Null);
                self.id = s(message, "id").map(str::to_owned);
                self.model = s(message, "model").map(str::to_owned);
                if let Some(usage_json) = message.get("usage") {
                    self.usage = usage(
                        u(usage_json, "input_tokens"),
                        u(usage_json, "output_tokens"),
                        u(usage_json, "cache_read_input_tokens"),
                        u(usage_json, "cache_creation_input_tokens"),
                    );
                }
                false
            }
            "content_block_start" => {
                let block = chunk.get("content_block").unwrap_or(&Json::Null);
                if s(block, "type") == Some("tool_use") {
                    *self.block(index) = Block::Tool {
                        id: s(block, "id").map(str::to_owned),
                        name: s(block, "name").unwrap_or_default().to_owned(),
                        input: String::new(),
                    };
                    return true;
                }
                false
            }
            "content_block_delta" => {
                let delta = chunk.get("delta").unwrap_or(&Json::Null);
                if let Some(t) = s(delta, "text") {
                    self.push_text(index, t);
                    return true;
                }
                if let Some(part) = s(delta, "partial_json") {
                    let capture = self.capture;
                    if let Block::Tool { input, .. } = self.block(index)
                        && capture
                    {
                        input.push_str(part);
                    }
                    return true;
                }
                false
            }
            "message_delta" => {
                if let Some(reason) = chunk.get("delta").and_then(|d| s(d, "stop_reason")) {
                    self.finish_reason = Some(reason.to_owned());
                }
                if let Some(output) = chunk.get("usage").and_then(|u_| u(u_, "output_tokens")) {
                    self.usage.output_tokens = Some(output);
                }
                false
            }
            // Legacy text completions stream `{"completion": ..., "stop_reason": ...}`.
            _ => {
                self.set_reason(s(chunk, "stop_reason"));
                self.add_text(s(chunk, "completion"))
            }
        }
    }

    /// The response so far (what arrived, if the stream was cut short).
    pub(crate) fn response(&mut self) -> ChatResponse {
        self.blocks.sort_by_key(|(i, _)| *i);
        let mut message = Message::new(Role::Assistant);
        for (_, block) in std::mem::take(&mut self.blocks) {
            match block {
                Block::Text(t) => message.content.push(ContentPart::Text(t)),
                Block::Tool { id, name, input } => {
                    message.tool_calls.push(ToolCall::function(id, name, input));
                }
            }
        }
        let completions = if message.content.is_empty()
            && message.tool_calls.is_empty()
            && self.finish_reason.is_none()
        {
            Vec::new()
        } else {
            vec![completion(message, self.finish_reason.as_deref())]
        };
        // The body's own counts first; the invocation metrics fill the gaps.
        let mut usage = self.usage;
        if let Some(metrics) = self.metrics {
            if usage.input_tokens.is_none() {
                usage = Usage {
                    output_tokens: usage.output_tokens.or(metrics.output_tokens),
                    ..metrics
                };
            }
            usage.output_tokens = usage.output_tokens.or(metrics.output_tokens);
        }
        ChatResponse {
            id: self.id.take(),
            model: self.model.take(),
            completions,
            usage,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn families_from_ids_prefixes_and_bodies() {
        assert_eq!(
            family("us.anthropic.claude-3-5-haiku-20241022-v1:0", None),
            Family::Anthropic
        );
        assert_eq!(family("us.amazon.nova-lite-v1:0", None), Family::Nova);
        assert_eq!(
            family("amazon.titan-text-express-v1", None),
            Family::TitanText
        );
        assert_eq!(
            family("amazon.titan-embed-text-v2:0", None),
            Family::TitanEmbed
        );
        assert_eq!(family("meta.llama3-70b-instruct-v1:0", None), Family::Llama);
        assert_eq!(family("cohere.command-r-v1:0", None), Family::CohereChat);
        assert_eq!(family("cohere.command-text-v14", None), Family::CohereText);
        assert_eq!(family("ai21.jamba-1-5-mini-v1:0", None), Family::Unknown);
        let body: Json = serde_json::json!({"anthropic_version": "bedrock-2023-05-31"});
        assert_eq!(
            family(
                "arn:aws:bedrock:us-east-1:123:inference-profile/x",
                Some(&body)
            ),
            Family::Anthropic
        );
    }

    #[test]
    fn unknown_bodies_guess_the_operation() {
        let body = serde_json::json!({"messages": []});
        assert_eq!(
            decode_request(Family::Unknown, "ai21.jamba", Some(&body), true).operation(),
            Operation::Chat
        );
        assert_eq!(
            decode_request(Family::Unknown, "x.embed-v1", None, true).operation(),
            Operation::Embeddings
        );
    }
}

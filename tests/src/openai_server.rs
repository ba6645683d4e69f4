//! A local OpenAI-compatible HTTP server on 127.0.0.1 speaking the recorded
//! wire shapes of `fixtures/openai/` (JSON bodies, SSE streams ending in
//! `data: [DONE]`, error bodies and headers).
//!
//! Each test scripts it with a queue of [`Canned`] responses and reads back the
//! [`RecordedRequest`]s. With an empty queue it answers like a healthy API:
//! the chat fixture (or the stream fixture when `"stream": true`) on
//! `/v1/chat/completions`, the Responses fixture (or its event stream) on
//! `/v1/responses`, the embeddings fixture on `/v1/embeddings`, and the
//! recorded legacy completion, image generation, file upload and file
//! deletion on `/v1/completions`, `/v1/images/generations`, `/v1/files`
//! and `/v1/files/{id}`.
//! It runs on its own thread and runtime, so it works from sync tests, any
//! tokio runtime flavour, and benches.

use std::fmt::Write as _;
use std::sync::Mutex;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::http::{Request, Response};
use serde_json::Value;

use crate::scripted::{self, Script, ScriptedServer};

/// The recorded OpenAI wire fixtures (see `fixtures/README` in the shared set).
pub mod fixtures {
    /// `POST /v1/chat/completions` (gpt-4o-2024-08-06).
    pub const CHAT_COMPLETION: &str = include_str!("../fixtures/openai/chat_completion.json");
    /// A tool-call response (gpt-4.1-mini).
    pub const CHAT_COMPLETION_TOOL_CALL: &str =
        include_str!("../fixtures/openai/chat_completion_tool_call.json");
    /// `n = 2`, the second choice cut off with `length`.
    pub const CHAT_COMPLETION_N2_LENGTH: &str =
        include_str!("../fixtures/openai/chat_completion_n2_length.json");
    /// A streamed chat (with `include_usage`).
    pub const CHAT_STREAM: &str = include_str!("../fixtures/openai/chat_stream.sse");
    /// Headers of a streamed chat.
    pub const CHAT_STREAM_HEADERS: &str =
        include_str!("../fixtures/openai/chat_stream.headers.txt");
    /// A streamed tool call (with `include_usage`).
    pub const CHAT_STREAM_TOOL_CALL: &str =
        include_str!("../fixtures/openai/chat_stream_tool_call.sse");
    /// `POST /v1/embeddings` (text-embedding-3-small, vector cut to 8 floats).
    pub const EMBEDDINGS: &str = include_str!("../fixtures/openai/embeddings.json");
    /// Headers of the embeddings response.
    pub const EMBEDDINGS_HEADERS: &str = include_str!("../fixtures/openai/embeddings.headers.txt");
    /// A 400 error body.
    pub const ERROR_400: &str = include_str!("../fixtures/openai/error_400.json");
    /// Headers of the 400.
    pub const ERROR_400_HEADERS: &str = include_str!("../fixtures/openai/error_400.headers.txt");
    /// A 429 error body.
    pub const ERROR_429: &str = include_str!("../fixtures/openai/error_429.json");
    /// Headers of the 429 (with `retry-after: 1`).
    pub const ERROR_429_HEADERS: &str = include_str!("../fixtures/openai/error_429.headers.txt");
    /// `POST /v1/responses` (gpt-4o-2024-08-06, one output message).
    pub const RESPONSES_CREATE: &str = include_str!("../fixtures/openai/responses_create.json");
    /// A Responses `function_call` output item (gpt-4o).
    pub const RESPONSES_TOOL_CALL: &str =
        include_str!("../fixtures/openai/responses_tool_call.json");
    /// The answer after the `function_call_output` went back.
    pub const RESPONSES_TOOL_RESULT: &str =
        include_str!("../fixtures/openai/responses_tool_result.json");
    /// A streamed Responses call: instructions, a file search, text deltas, usage.
    pub const RESPONSES_STREAM: &str = include_str!("../fixtures/openai/responses_stream.sse");
    /// A streamed Responses call: reasoning, a function call, reasoning tokens.
    pub const RESPONSES_STREAM_TOOL_USAGE: &str =
        include_str!("../fixtures/openai/responses_stream_tool_usage.sse");
    /// A Responses stream ending in `response.failed`.
    pub const RESPONSES_STREAM_FAILED: &str =
        include_str!("../fixtures/openai/responses_stream_failed.sse");
    /// A Responses 400 (`decimal_below_min_value`).
    pub const RESPONSES_ERROR_400: &str =
        include_str!("../fixtures/openai/responses_error_400.json");
    /// `POST /v1/completions` (babbage-002, `length`).
    pub const COMPLETIONS: &str = include_str!("../fixtures/openai/completions.json");
    /// `POST /v1/images/generations` (gpt-image-1-mini, a URL, no usage).
    pub const IMAGES_GENERATE: &str = include_str!("../fixtures/openai/images_generate.json");
    /// `POST /v1/files`.
    pub const FILES_CREATE: &str = include_str!("../fixtures/openai/files_create.json");
    /// `DELETE /v1/files/{id}`.
    pub const FILES_DELETE: &str = include_str!("../fixtures/openai/files_delete.json");
}

#[derive(Debug, Clone)]
enum CannedBody {
    Full(Bytes),
    Sse {
        events: Vec<Bytes>,
        delay: Duration,
        hang_after: Option<usize>,
    },
}

/// One scripted response.
#[derive(Debug, Clone)]
pub struct Canned {
    status: u16,
    headers: Vec<(String, String)>,
    body: CannedBody,
}

impl Canned {
    /// A JSON body with `status`.
    pub fn json(status: u16, body: impl Into<String>) -> Self {
        Self {
            status,
            headers: vec![("content-type".into(), "application/json".into())],
            body: CannedBody::Full(Bytes::from(body.into())),
        }
    }

    /// A `text/event-stream` body from raw SSE text; each `\n\n`-terminated
    /// event is written as its own chunk.
    pub fn sse(raw: &str) -> Self {
        let events = raw
            .split_inclusive("\n\n")
            .map(|e| Bytes::copy_from_slice(e.as_bytes()))
            .collect();
        Self {
            status: 200,
            headers: vec![(
                "content-type".into(),
                "text/event-stream; charset=utf-8".into(),
            )],
            body: CannedBody::Sse {
                events,
                delay: Duration::ZERO,
                hang_after: None,
            },
        }
    }

    /// The chat completion fixture.
    pub fn chat_completion() -> Self {
        Self::json(200, fixtures::CHAT_COMPLETION)
    }
    /// The tool-call fixture.
    pub fn chat_completion_tool_call() -> Self {
        Self::json(200, fixtures::CHAT_COMPLETION_TOOL_CALL)
    }
    /// The `n = 2` / `length` fixture.
    pub fn chat_completion_n2_length() -> Self {
        Self::json(200, fixtures::CHAT_COMPLETION_N2_LENGTH)
    }
    /// The streamed chat fixture, with its recorded headers.
    pub fn chat_stream() -> Self {
        Self::sse(fixtures::CHAT_STREAM).with_headers_file(fixtures::CHAT_STREAM_HEADERS)
    }
    /// The streamed tool-call fixture.
    pub fn chat_stream_tool_call() -> Self {
        Self::sse(fixtures::CHAT_STREAM_TOOL_CALL)
    }
    /// The embeddings fixture, with its recorded headers.
    pub fn embeddings() -> Self {
        Self::json(200, fixtures::EMBEDDINGS).with_headers_file(fixtures::EMBEDDINGS_HEADERS)
    }
    /// The 400 fixture, with its recorded headers.
    pub fn error_400() -> Self {
        Self::json(400, fixtures::ERROR_400).with_headers_file(fixtures::ERROR_400_HEADERS)
    }
    /// The 429 fixture, with its recorded headers (`retry-after: 1`).
    pub fn error_429() -> Self {
        Self::json(429, fixtures::ERROR_429).with_headers_file(fixtures::ERROR_429_HEADERS)
    }
    /// The Responses fixture.
    pub fn responses_create() -> Self {
        Self::json(200, fixtures::RESPONSES_CREATE)
    }
    /// The Responses `function_call` fixture.
    pub fn responses_tool_call() -> Self {
        Self::json(200, fixtures::RESPONSES_TOOL_CALL)
    }
    /// The Responses answer to a `function_call_output`.
    pub fn responses_tool_result() -> Self {
        Self::json(200, fixtures::RESPONSES_TOOL_RESULT)
    }
    /// The streamed Responses fixture (text deltas, usage).
    pub fn responses_stream() -> Self {
        Self::sse(fixtures::RESPONSES_STREAM)
    }
    /// The streamed Responses function call with reasoning tokens.
    pub fn responses_stream_tool_usage() -> Self {
        Self::sse(fixtures::RESPONSES_STREAM_TOOL_USAGE)
    }
    /// The Responses stream ending in `response.failed`.
    pub fn responses_stream_failed() -> Self {
        Self::sse(fixtures::RESPONSES_STREAM_FAILED)
    }
    /// The Responses 400.
    pub fn responses_error_400() -> Self {
        Self::json(400, fixtures::RESPONSES_ERROR_400)
    }
    /// A 500 with OpenAI's server-error body.
    pub fn error_500() -> Self {
        Self::json(
            500,
            "{\n    \"error\": {\n        \"message\": \"The server had an error while processing your request. Sorry about that!\",\n        \"type\": \"server_error\",\n        \"param\": null,\n        \"code\": null\n    }\n}\n",
        )
    }

    /// Adds the headers of a recorded `*.headers.txt` file (comments, the
    /// status line and `content-length` are skipped).
    #[must_use]
    pub fn with_headers_file(mut self, text: &str) -> Self {
        for line in text.lines() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') || line.starts_with("HTTP/") {
                continue;
            }
            if let Some((name, value)) = line.split_once(':') {
                let name = name.trim().to_ascii_lowercase();
                if name == "content-length" {
                    continue;
                }
                self.headers.retain(|(n, _)| *n != name);
                self.headers.push((name, value.trim().to_owned()));
            }
        }
        self
    }

    /// Sets or replaces a header.
    #[must_use]
    pub fn with_header(mut self, name: &str, value: &str) -> Self {
        let name = name.to_ascii_lowercase();
        self.headers.retain(|(n, _)| *n != name);
        self.headers.push((name, value.to_owned()));
        self
    }

    /// Removes a header.
    #[must_use]
    pub fn without_header(mut self, name: &str) -> Self {
        let name = name.to_ascii_lowercase();
        self.headers.retain(|(n, _)| *n != name);
        self
    }

    /// SSE only: waits this long before each event.
    #[must_use]
    pub fn with_event_delay(mut self, delay: Duration) -> Self {
        if let CannedBody::Sse { delay: d, .. } = &mut self.body {
            *d = delay;
        }
        self
    }

    /// SSE only: sends the first `events` events, then keeps the response open
    /// without sending more (for clients that drop a stream half-way).
    #[must_use]
    pub fn hang_after(mut self, events: usize) -> Self {
        if let CannedBody::Sse { hang_after, .. } = &mut self.body {
            *hang_after = Some(events);
        }
        self
    }

    /// The status code.
    pub fn status(&self) -> u16 {
        self.status
    }
}

/// A synthetic chat stream of `chunks` one-word content chunks, a finish chunk,
/// a usage chunk and `data: [DONE]`, in the fixture's shape.
pub fn synthetic_chat_stream(chunks: usize) -> String {
    let head = r#"{"id":"chatcmpl-synthetic","object":"chat.completion.chunk","created":1759436814,"model":"gpt-4o-2024-08-06","service_tier":"default","system_fingerprint":"fp_cbf1785567","choices":["#;
    let mut out = String::with_capacity(chunks * 260 + 1024);
    out.push_str("data: ");
    out.push_str(head);
    out.push_str(r#"{"index":0,"delta":{"role":"assistant","content":"","refusal":null},"logprobs":null,"finish_reason":null}],"usage":null}"#);
    out.push_str("\n\n");
    for _ in 0..chunks {
        out.push_str("data: ");
        out.push_str(head);
        out.push_str(r#"{"index":0,"delta":{"content":" token"},"logprobs":null,"finish_reason":null}],"usage":null}"#);
        out.push_str("\n\n");
    }
    out.push_str("data: ");
    out.push_str(head);
    out.push_str(r#"{"index":0,"delta":{},"logprobs":null,"finish_reason":"stop"}],"usage":null}"#);
    out.push_str("\n\n");
    out.push_str("data: ");
    out.push_str(head);
    let usage = format!(
        r#"],"usage":{{"prompt_tokens":14,"completion_tokens":{chunks},"total_tokens":{},"prompt_tokens_details":{{"cached_tokens":0,"audio_tokens":0}},"completion_tokens_details":{{"reasoning_tokens":0,"audio_tokens":0,"accepted_prediction_tokens":0,"rejected_prediction_tokens":0}}}}}}"#,
        chunks + 14
    );
    out.push_str(&usage);
    out.push_str("\n\ndata: [DONE]\n\n");
    out
}

/// A synthetic Responses event stream of `deltas` one-word
/// `response.output_text.delta` events between the recorded stream's opening
/// events and a `response.completed` with usage, in the fixture's shape.
pub fn synthetic_responses_stream(deltas: usize) -> String {
    const ID: &str = "resp_synthetic";
    const ITEM: &str = "msg_synthetic";
    let response = |status: &str, output: &str, usage: &str| {
        format!(
            r#"{{"id":"{ID}","object":"response","created_at":1764874070,"status":"{status}","background":false,"error":null,"incomplete_details":null,"instructions":null,"max_output_tokens":null,"max_tool_calls":null,"model":"gpt-4o-2024-08-06","output":[{output}],"parallel_tool_calls":true,"previous_response_id":null,"prompt_cache_key":null,"reasoning":{{"effort":null,"summary":null}},"safety_identifier":null,"service_tier":"default","store":true,"temperature":1.0,"text":{{"format":{{"type":"text"}},"verbosity":"medium"}},"tool_choice":"auto","tools":[],"top_logprobs":0,"top_p":1.0,"truncation":"disabled","usage":{usage},"user":null,"metadata":{{}}}}"#
        )
    };
    let mut out = String::with_capacity(deltas * 240 + 4096);
    let mut seq = 0;
    let mut event = |out: &mut String, name: &str, body: &str| {
        // Writing to a String cannot fail.
        let _ = write!(
            out,
            "event: {name}\ndata: {{\"type\":\"{name}\",\"sequence_number\":{seq},{body}}}\n\n"
        );
        seq += 1;
    };
    let created = format!(r#""response":{}"#, response("in_progress", "", "null"));
    event(&mut out, "response.created", &created);
    event(
        &mut out,
        "response.output_item.added",
        &format!(
            r#""output_index":0,"item":{{"id":"{ITEM}","type":"message","status":"in_progress","content":[],"role":"assistant"}}"#
        ),
    );
    for _ in 0..deltas {
        event(
            &mut out,
            "response.output_text.delta",
            &format!(
                r#""item_id":"{ITEM}","output_index":0,"content_index":0,"delta":" token","logprobs":[],"obfuscation":"ccp2zCh6hoV22""#
            ),
        );
    }
    let text = " token".repeat(deltas);
    let message = format!(
        r#"{{"id":"{ITEM}","type":"message","status":"completed","content":[{{"type":"output_text","annotations":[],"logprobs":[],"text":"{text}"}}],"role":"assistant"}}"#
    );
    let usage = format!(
        r#"{{"input_tokens":14,"input_tokens_details":{{"cached_tokens":0}},"output_tokens":{deltas},"output_tokens_details":{{"reasoning_tokens":0}},"total_tokens":{}}}"#,
        deltas + 14
    );
    let completed = format!(r#""response":{}"#, response("completed", &message, &usage));
    event(&mut out, "response.completed", &completed);
    out
}

/// One request the server received.
#[derive(Debug, Clone)]
pub struct RecordedRequest {
    /// HTTP method.
    pub method: String,
    /// Path (without query).
    pub path: String,
    /// Header names (lowercase) and values.
    pub headers: Vec<(String, String)>,
    /// The JSON body (`Null` when empty or not JSON).
    pub body: Value,
}

impl RecordedRequest {
    /// A header's value.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// The running server; stops when dropped. Scripting and recording
/// ([`push`](ScriptedServer::push), [`requests`](ScriptedServer::requests),
/// ...) come from the shared [`ScriptedServer`] it derefs to.
#[derive(Debug)]
pub struct OpenAiServer(ScriptedServer<Canned, RecordedRequest>);

impl OpenAiServer {
    /// Binds 127.0.0.1 on a free port and starts serving.
    pub fn start() -> std::io::Result<Self> {
        ScriptedServer::serve("openai-server", |script, req| async move {
            handle(&script, req).await
        })
        .map(Self)
    }

    /// The API base to give a client: `http://127.0.0.1:PORT/v1`.
    pub fn base_url(&self) -> String {
        format!("http://{}/v1", self.addr())
    }
}

impl std::ops::Deref for OpenAiServer {
    type Target = ScriptedServer<Canned, RecordedRequest>;

    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

async fn handle(
    script: &Mutex<Script<Canned, RecordedRequest>>,
    req: Request<Body>,
) -> Response<Body> {
    let (parts, body) = req.into_parts();
    let bytes = axum::body::to_bytes(body, 64 << 20)
        .await
        .unwrap_or_default();
    let json: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    let path = parts.uri.path().to_owned();
    let recorded = RecordedRequest {
        method: parts.method.to_string(),
        path: path.clone(),
        headers: parts
            .headers
            .iter()
            .map(|(n, v)| {
                (
                    n.as_str().to_owned(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect(),
        body: json.clone(),
    };
    let canned = scripted::lock(script).answer(recorded);
    let canned = canned.unwrap_or_else(|| default_for(&path, &json));
    respond(canned)
}

fn default_for(path: &str, body: &Value) -> Canned {
    let stream = body.get("stream").and_then(Value::as_bool) == Some(true);
    if path.ends_with("/embeddings") {
        Canned::embeddings()
    } else if path.ends_with("/responses") {
        if stream {
            Canned::responses_stream()
        } else {
            Canned::responses_create()
        }
    } else if path.ends_with("/completions") && !path.ends_with("/chat/completions") {
        Canned::json(200, fixtures::COMPLETIONS)
    } else if path.ends_with("/images/generations") {
        Canned::json(200, fixtures::IMAGES_GENERATE)
    } else if path.ends_with("/files") {
        Canned::json(200, fixtures::FILES_CREATE)
    } else if path.contains("/files/") {
        Canned::json(200, fixtures::FILES_DELETE)
    } else if path.ends_with("/chat/completions") {
        if stream {
            Canned::chat_stream()
        } else {
            Canned::chat_completion()
        }
    } else {
        Canned::json(
            404,
            format!(
                "{{\n    \"error\": {{\n        \"message\": \"Invalid URL (POST {path})\",\n        \"type\": \"invalid_request_error\",\n        \"param\": null,\n        \"code\": null\n    }}\n}}\n"
            ),
        )
    }
}

fn respond(canned: Canned) -> Response<Body> {
    let body = match canned.body {
        CannedBody::Full(bytes) => Body::from(bytes),
        CannedBody::Sse {
            events,
            delay,
            hang_after,
        } => scripted::paced_body(events, delay, hang_after),
    };
    scripted::response(body, canned.status, &canned.headers)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn synthetic_stream_has_the_fixture_shape() {
        let s = synthetic_chat_stream(3);
        let events: Vec<&str> = s.split_inclusive("\n\n").collect();
        assert_eq!(events.len(), 3 + 4);
        assert_eq!(events.last().copied(), Some("data: [DONE]\n\n"));
        for e in &events[..events.len() - 1] {
            let json = e.trim().strip_prefix("data: ").unwrap_or_default();
            assert!(serde_json::from_str::<Value>(json).is_ok(), "{e}");
        }
    }

    #[test]
    fn synthetic_responses_stream_is_json_events() {
        let s = synthetic_responses_stream(3);
        let events: Vec<&str> = s.split_inclusive("\n\n").collect();
        assert_eq!(events.len(), 3 + 3);
        for e in events {
            let (name, data) = e.trim().split_once('\n').unwrap_or_default();
            let json: Value =
                serde_json::from_str(data.strip_prefix("data: ").unwrap_or_default()).expect(e);
            assert_eq!(
                Some(json["type"].as_str().unwrap_or_default()),
                name.strip_prefix("event: ")
            );
        }
    }

    #[test]
    fn headers_file_skips_status_and_length() {
        let c = Canned::error_429();
        assert!(
            c.headers
                .iter()
                .any(|(n, v)| n == "retry-after" && v == "1")
        );
        assert!(!c.headers.iter().any(|(n, _)| n == "content-length"));
        assert!(!c.headers.iter().any(|(n, _)| n.starts_with("http/")));
        assert_eq!(c.status(), 429);
    }
}

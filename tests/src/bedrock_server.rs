//! A local Bedrock-Runtime-compatible HTTP server on 127.0.0.1 speaking the
//! recorded wire shapes of `fixtures/bedrock/`: Converse JSON,
//! ConverseStream and InvokeModelWithResponseStream as real
//! `application/vnd.amazon.eventstream` frames (written with
//! `aws-smithy-eventstream`), InvokeModel bodies per model family, and the
//! restJson1 error shapes (`{"message"}` body + `x-amzn-ErrorType` header).
//!
//! Every request must carry a well-formed SigV4 `Authorization` header
//! (`AWS4-HMAC-SHA256 Credential=AKID/date/region/bedrock/aws4_request,
//! SignedHeaders=..., Signature=<64 hex>`); one that does not gets a 403
//! `InvalidSignatureException`. Tests script responses with a queue of
//! [`Canned`] values and read back [`BedrockRequest`]s. With an empty queue it
//! answers like a healthy service: the fixture for the operation (and, for
//! InvokeModel, the model family). It runs on its own thread and runtime.

use std::sync::Mutex;
use std::time::Duration;

use aws_smithy_types::event_stream::{Header, HeaderValue, Message};
use axum::body::{Body, Bytes};
use axum::http::{Request, Response};
use serde_json::Value;

use crate::scripted::{self, Script, ScriptedServer};

/// The recorded Bedrock wire fixtures (see the fixtures README in the shared set).
pub mod fixtures {
    /// Converse response (claude-sonnet-4-5, cache write).
    pub const CONVERSE: &str = include_str!("../fixtures/bedrock/converse.json");
    /// Converse response with a `toolUse` block (nova-micro).
    pub const CONVERSE_TOOL_USE: &str = include_str!("../fixtures/bedrock/converse_tool_use.json");
    /// ConverseStream events (claude-3-5-sonnet, text).
    pub const CONVERSE_STREAM_EVENTS: &str =
        include_str!("../fixtures/bedrock/converse_stream_events.json");
    /// The same stream as recorded on the wire.
    pub const CONVERSE_STREAM_RAW: &[u8] =
        include_bytes!("../fixtures/bedrock/converse_stream.eventstream");
    /// ConverseStream events with a tool use.
    pub const CONVERSE_STREAM_TOOL_USE_EVENTS: &str =
        include_str!("../fixtures/bedrock/converse_stream_tool_use_events.json");
    /// The same stream as recorded on the wire.
    pub const CONVERSE_STREAM_TOOL_USE_RAW: &[u8] =
        include_bytes!("../fixtures/bedrock/converse_stream_tool_use.eventstream");
    /// InvokeModelWithResponseStream chunks (Anthropic).
    pub const INVOKE_STREAM_ANTHROPIC: &str =
        include_str!("../fixtures/bedrock/invoke_stream_anthropic_chunks.json");
    /// The same stream as recorded on the wire.
    pub const INVOKE_STREAM_ANTHROPIC_RAW: &[u8] =
        include_bytes!("../fixtures/bedrock/invoke_stream_anthropic.eventstream");
    /// Error statuses, headers and bodies.
    pub const ERRORS: &str = include_str!("../fixtures/bedrock/errors.json");
    /// InvokeModel: Anthropic Claude messages API (prompt cache).
    pub const INVOKE_ANTHROPIC: &str =
        include_str!("../fixtures/bedrock/invoke_model_bodies/anthropic_claude.json");
    /// InvokeModel: Anthropic Claude with a `tool_use` block.
    pub const INVOKE_ANTHROPIC_TOOL_USE: &str =
        include_str!("../fixtures/bedrock/invoke_model_bodies/anthropic_claude_tool_use.json");
    /// InvokeModel: Amazon Nova.
    pub const INVOKE_NOVA: &str =
        include_str!("../fixtures/bedrock/invoke_model_bodies/amazon_nova.json");
    /// InvokeModel: Amazon Titan text.
    pub const INVOKE_TITAN_TEXT: &str =
        include_str!("../fixtures/bedrock/invoke_model_bodies/amazon_titan_text.json");
    /// InvokeModel: Meta Llama 3.
    pub const INVOKE_LLAMA: &str =
        include_str!("../fixtures/bedrock/invoke_model_bodies/meta_llama3.json");
    /// InvokeModel: Mistral.
    pub const INVOKE_MISTRAL: &str =
        include_str!("../fixtures/bedrock/invoke_model_bodies/mistral.json");
    /// InvokeModel: Cohere Command R.
    pub const INVOKE_COHERE: &str =
        include_str!("../fixtures/bedrock/invoke_model_bodies/cohere_command_r.json");
}

/// The request id the server sends with responses whose fixture recorded none.
pub const SYNTHETIC_REQUEST_ID: &str = "5b3f2a1e-7c4d-4e8f-9a6b-0c1d2e3f4a5b";

/// `application/vnd.amazon.eventstream`.
pub const EVENTSTREAM_CONTENT_TYPE: &str = "application/vnd.amazon.eventstream";

/// Removes the whitespace between JSON tokens, keeping key order and string
/// contents: the fixtures are pretty-printed, the wire is compact.
pub fn compact_json(pretty: &str) -> String {
    let mut out = String::with_capacity(pretty.len());
    let mut in_string = false;
    let mut escaped = false;
    for c in pretty.chars() {
        if in_string {
            out.push(c);
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_string = false;
            }
        } else if c == '"' {
            in_string = true;
            out.push(c);
        } else if !c.is_whitespace() {
            out.push(c);
        }
    }
    out
}

/// The compact text of the top-level `key`'s value in a compact JSON object.
fn member<'a>(compact: &'a str, key: &str) -> Option<&'a str> {
    let needle = format!("\"{key}\":");
    let start = compact.find(&needle)? + needle.len();
    let bytes = compact.as_bytes();
    let (mut depth, mut in_string, mut escaped) = (0i32, false, false);
    for (i, &b) in bytes.iter().enumerate().skip(start) {
        if in_string {
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                in_string = false;
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'{' | b'[' => depth += 1,
            b'}' | b']' => {
                depth -= 1;
                if depth == 0 {
                    return Some(&compact[start..=i]);
                }
            }
            _ => {}
        }
    }
    None
}

/// One event-stream frame to send.
#[derive(Debug, Clone)]
pub struct Frame {
    headers: Vec<(&'static str, String)>,
    payload: Bytes,
}

impl Frame {
    /// An `:message-type event` frame with a JSON payload.
    pub fn event(event_type: &str, payload: &str) -> Self {
        Self {
            headers: vec![
                (":event-type", event_type.to_owned()),
                (":content-type", "application/json".to_owned()),
                (":message-type", "event".to_owned()),
            ],
            payload: Bytes::copy_from_slice(payload.as_bytes()),
        }
    }

    /// An InvokeModelWithResponseStream `chunk` whose `bytes` carry `json`.
    pub fn chunk(json: &str) -> Self {
        let payload = serde_json::json!({ "bytes": aws_smithy_types::base64::encode(json) });
        Self::event("chunk", &payload.to_string())
    }

    /// An in-stream exception (`:message-type exception`), e.g.
    /// `throttlingException`, with the `{"message"}` payload.
    pub fn exception(exception_type: &str, message: &str) -> Self {
        Self {
            headers: vec![
                (":exception-type", exception_type.to_owned()),
                (":content-type", "application/json".to_owned()),
                (":message-type", "exception".to_owned()),
            ],
            payload: Bytes::from(serde_json::json!({ "message": message }).to_string()),
        }
    }

    /// The frame's bytes (prelude, headers, payload, CRCs).
    pub fn encode(&self) -> Bytes {
        let mut message = Message::new(self.payload.clone());
        for (name, value) in &self.headers {
            message = message.add_header(Header::new(
                *name,
                HeaderValue::String(value.clone().into()),
            ));
        }
        let mut out = Vec::with_capacity(self.payload.len() + 128);
        // Writing to a Vec cannot fail for well-formed headers.
        let _ = aws_smithy_eventstream::frame::write_message_to(&message, &mut out);
        Bytes::from(out)
    }
}

/// The frames of a recorded ConverseStream events file
/// (`[{event_type, headers, payload}]`), payloads compact in their key order.
pub fn converse_frames(events_json: &str) -> Vec<Frame> {
    let events: Vec<Value> = serde_json::from_str(events_json).unwrap_or_default();
    events
        .iter()
        .map(|e| {
            let event_type = e["event_type"].as_str().unwrap_or_default();
            Frame::event(event_type, &e["payload"].to_string())
        })
        .collect()
}

/// The frames of the recorded InvokeModelWithResponseStream file.
pub fn invoke_stream_frames(chunks_json: &str) -> Vec<Frame> {
    let file: Value = serde_json::from_str(chunks_json).unwrap_or_default();
    file["events"]
        .as_array()
        .map(|events| {
            events
                .iter()
                .map(|e| Frame::event("chunk", &e["payload"].to_string()))
                .collect()
        })
        .unwrap_or_default()
}

#[derive(Debug, Clone)]
enum CannedBody {
    Full(Bytes),
    Frames {
        frames: Vec<Bytes>,
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

fn recorded_headers(file: &Value) -> Vec<(String, String)> {
    file["response_headers"]
        .as_object()
        .map(|h| {
            h.iter()
                .filter(|(k, _)| {
                    !matches!(
                        k.to_ascii_lowercase().as_str(),
                        "content-length" | "connection" | "transfer-encoding"
                    )
                })
                .map(|(k, v)| {
                    (
                        k.to_ascii_lowercase(),
                        v.as_str().unwrap_or_default().to_owned(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

impl Canned {
    /// A JSON body (sent as given) with `status`.
    pub fn json(status: u16, body: impl Into<String>) -> Self {
        Self {
            status,
            headers: vec![
                ("content-type".into(), "application/json".into()),
                ("x-amzn-requestid".into(), SYNTHETIC_REQUEST_ID.into()),
            ],
            body: CannedBody::Full(Bytes::from(body.into())),
        }
    }

    /// A raw body with a content type.
    pub fn raw(status: u16, content_type: &str, body: impl Into<Bytes>) -> Self {
        Self {
            status,
            headers: vec![
                ("content-type".into(), content_type.into()),
                ("x-amzn-requestid".into(), SYNTHETIC_REQUEST_ID.into()),
            ],
            body: CannedBody::Full(body.into()),
        }
    }

    /// An event-stream body, one HTTP chunk per frame.
    pub fn frames(frames: &[Frame]) -> Self {
        Self {
            status: 200,
            headers: vec![
                ("content-type".into(), EVENTSTREAM_CONTENT_TYPE.into()),
                ("x-amzn-requestid".into(), SYNTHETIC_REQUEST_ID.into()),
            ],
            body: CannedBody::Frames {
                frames: frames.iter().map(Frame::encode).collect(),
                delay: Duration::ZERO,
                hang_after: None,
            },
        }
    }

    /// The Converse fixture (compact, alphabetical keys as on the wire).
    pub fn converse() -> Self {
        Self::json(200, compact_json(fixtures::CONVERSE))
    }
    /// The Converse tool-use fixture.
    pub fn converse_tool_use() -> Self {
        Self::json(200, compact_json(fixtures::CONVERSE_TOOL_USE))
    }
    /// The ConverseStream fixture (text).
    pub fn converse_stream() -> Self {
        Self::frames(&converse_frames(fixtures::CONVERSE_STREAM_EVENTS))
    }
    /// The ConverseStream tool-use fixture.
    pub fn converse_stream_tool_use() -> Self {
        Self::frames(&converse_frames(fixtures::CONVERSE_STREAM_TOOL_USE_EVENTS))
    }
    /// The InvokeModelWithResponseStream fixture (Anthropic), with its headers.
    pub fn invoke_stream_anthropic() -> Self {
        let file: Value =
            serde_json::from_str(fixtures::INVOKE_STREAM_ANTHROPIC).unwrap_or_default();
        let mut canned = Self::frames(&invoke_stream_frames(fixtures::INVOKE_STREAM_ANTHROPIC));
        canned.headers = recorded_headers(&file);
        canned
    }

    /// An InvokeModel fixture file (`invoke_model_bodies/*.json`): its
    /// response body (compact, in recorded key order) and headers.
    pub fn invoke_fixture(file_text: &str) -> Self {
        let file: Value = serde_json::from_str(file_text).unwrap_or_default();
        let compact = compact_json(file_text);
        let body = member(&compact, "response").unwrap_or("{}").to_owned();
        let mut canned = Self::json(200, body);
        canned.headers = recorded_headers(&file);
        canned
    }

    /// The recorded (or, for codes without a recording, modeled) HTTP error
    /// of `error_type` (`ThrottlingException`, ...), from `errors.json`.
    pub fn aws_error(error_type: &str) -> Self {
        let file: Value = serde_json::from_str(fixtures::ERRORS).unwrap_or_default();
        let recorded = file["http_errors"]
            .as_array()
            .and_then(|errors| errors.iter().find(|e| e["error_type"] == error_type));
        if let Some(e) = recorded {
            let status = e["http_status"].as_u64().unwrap_or(500) as u16;
            let body = e["body"].to_string();
            let mut canned = Self::json(status, body);
            canned.headers = e["headers"]
                .as_object()
                .map(|h| {
                    h.iter()
                        .filter(|(k, _)| {
                            !matches!(
                                k.to_ascii_lowercase().as_str(),
                                "content-length" | "connection"
                            )
                        })
                        .map(|(k, v)| {
                            (
                                k.to_ascii_lowercase(),
                                v.as_str().unwrap_or_default().to_owned(),
                            )
                        })
                        .collect()
                })
                .unwrap_or_default();
            return canned;
        }
        let status = file["other_modeled_errors"]
            .as_array()
            .and_then(|errors| errors.iter().find(|e| e["error_type"] == error_type))
            .and_then(|e| e["http_status"].as_u64())
            .unwrap_or(500) as u16;
        Self::json(
            status,
            serde_json::json!({ "message": format!("{error_type} (scripted)") }).to_string(),
        )
        .with_header(
            "x-amzn-errortype",
            &format!("{error_type}:http://internal.amazon.com/coral/com.amazon.bedrock/"),
        )
    }

    /// Sets or replaces a header.
    #[must_use]
    pub fn with_header(mut self, name: &str, value: &str) -> Self {
        let name = name.to_ascii_lowercase();
        self.headers.retain(|(n, _)| *n != name);
        self.headers.push((name, value.to_owned()));
        self
    }

    /// Frames only: waits this long before each frame.
    #[must_use]
    pub fn with_frame_delay(mut self, delay: Duration) -> Self {
        if let CannedBody::Frames { delay: d, .. } = &mut self.body {
            *d = delay;
        }
        self
    }

    /// Frames only: sends the first `frames` frames, then keeps the response
    /// open (for clients that drop a stream half-way).
    #[must_use]
    pub fn hang_after(mut self, frames: usize) -> Self {
        if let CannedBody::Frames { hang_after, .. } = &mut self.body {
            *hang_after = Some(frames);
        }
        self
    }

    /// The status code.
    pub fn status(&self) -> u16 {
        self.status
    }
}

/// One request the server received.
#[derive(Debug, Clone)]
pub struct BedrockRequest {
    /// HTTP method.
    pub method: String,
    /// Path as sent (model id percent-encoded).
    pub path: String,
    /// The decoded model id.
    pub model_id: String,
    /// The operation path segment (`converse`, `converse-stream`, `invoke`,
    /// `invoke-with-response-stream`).
    pub operation: String,
    /// Header names (lowercase) and values.
    pub headers: Vec<(String, String)>,
    /// The raw body.
    pub body: Bytes,
    /// Whether the `Authorization` header was a well-formed SigV4 header.
    pub signed: bool,
}

impl BedrockRequest {
    /// A header's value.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The body as JSON (`Null` when it is not JSON).
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }
}

/// Whether `value` is a well-formed SigV4 `Authorization` header for the
/// `bedrock` service.
pub fn is_sigv4_authorization(value: &str) -> bool {
    let Some(rest) = value.strip_prefix("AWS4-HMAC-SHA256 ") else {
        return false;
    };
    let mut credential = None;
    let mut signed_headers = None;
    let mut signature = None;
    for part in rest.split(", ") {
        match part.split_once('=') {
            Some(("Credential", v)) => credential = Some(v),
            Some(("SignedHeaders", v)) => signed_headers = Some(v),
            Some(("Signature", v)) => signature = Some(v),
            _ => return false,
        }
    }
    let (Some(credential), Some(signed_headers), Some(signature)) =
        (credential, signed_headers, signature)
    else {
        return false;
    };
    let scope: Vec<&str> = credential.split('/').collect();
    let scope_ok = scope.len() == 5
        && !scope[0].is_empty()
        && scope[1].len() == 8
        && scope[1].bytes().all(|b| b.is_ascii_digit())
        && !scope[2].is_empty()
        && scope[3] == "bedrock"
        && scope[4] == "aws4_request";
    let headers: Vec<&str> = signed_headers.split(';').collect();
    let headers_ok = headers.contains(&"host")
        && headers.contains(&"x-amz-date")
        && headers.iter().all(|h| {
            !h.is_empty()
                && h.bytes()
                    .all(|b| b.is_ascii_lowercase() || b == b'-' || b.is_ascii_digit())
        });
    let signature_ok = signature.len() == 64
        && signature
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    scope_ok && headers_ok && signature_ok
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let Ok(v) = u8::from_str_radix(&s[i + 1..i + 3], 16)
        {
            out.push(v);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The running server; stops when dropped. Scripting and recording
/// ([`push`](ScriptedServer::push), [`requests`](ScriptedServer::requests),
/// ...) come from the shared [`ScriptedServer`] it derefs to.
#[derive(Debug)]
pub struct BedrockServer(ScriptedServer<Canned, BedrockRequest>);

impl BedrockServer {
    /// Binds 127.0.0.1 on a free port and starts serving.
    pub fn start() -> std::io::Result<Self> {
        ScriptedServer::serve("bedrock-server", |script, req| async move {
            handle(&script, req).await
        })
        .map(Self)
    }

    /// The endpoint URL to give the SDK: `http://127.0.0.1:PORT`.
    pub fn endpoint_url(&self) -> String {
        format!("http://{}", self.addr())
    }
}

impl std::ops::Deref for BedrockServer {
    type Target = ScriptedServer<Canned, BedrockRequest>;

    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

async fn handle(
    script: &Mutex<Script<Canned, BedrockRequest>>,
    req: Request<Body>,
) -> Response<Body> {
    let (parts, body) = req.into_parts();
    let body = axum::body::to_bytes(body, 64 << 20)
        .await
        .unwrap_or_default();
    let path = parts.uri.path().to_owned();
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let (model_id, operation) = match segments.as_slice() {
        ["model", model, op] => (percent_decode(model), (*op).to_owned()),
        _ => (String::new(), String::new()),
    };
    let signed = parts
        .headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .is_some_and(is_sigv4_authorization);
    let recorded = BedrockRequest {
        method: parts.method.to_string(),
        path: path.clone(),
        model_id: model_id.clone(),
        operation: operation.clone(),
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
        body,
        signed,
    };
    let canned = {
        let mut script = scripted::lock(script);
        if signed {
            script.answer(recorded)
        } else {
            // Refused before any scripted answer is spent.
            script.record_only(recorded);
            None
        }
    };
    let canned = match canned {
        Some(canned) => canned,
        None if !signed => Canned::json(
            403,
            r#"{"message":"The request signature we calculated does not match the signature you provided."}"#,
        )
        .with_header(
            "x-amzn-errortype",
            "InvalidSignatureException:http://internal.amazon.com/coral/com.amazon.coral.service/",
        ),
        None => default_for(&operation, &model_id),
    };
    respond(canned)
}

fn default_for(operation: &str, model_id: &str) -> Canned {
    match operation {
        "converse" => Canned::converse(),
        "converse-stream" => Canned::converse_stream(),
        "invoke-with-response-stream" => Canned::invoke_stream_anthropic(),
        "invoke" => {
            let id = model_id.trim_start_matches("us.");
            let fixture = if id.starts_with("anthropic.") {
                fixtures::INVOKE_ANTHROPIC
            } else if id.starts_with("amazon.nova") {
                fixtures::INVOKE_NOVA
            } else if id.starts_with("amazon.titan-text") {
                fixtures::INVOKE_TITAN_TEXT
            } else if id.starts_with("meta.llama") {
                fixtures::INVOKE_LLAMA
            } else if id.starts_with("mistral.") {
                fixtures::INVOKE_MISTRAL
            } else if id.starts_with("cohere.command-r") {
                fixtures::INVOKE_COHERE
            } else {
                return Canned::aws_error("ValidationException");
            };
            Canned::invoke_fixture(fixture)
        }
        _ => Canned::json(404, r#"{"message":"Unknown operation"}"#).with_header(
            "x-amzn-errortype",
            "UnknownOperationException:http://internal.amazon.com/coral/com.amazon.coral.service/",
        ),
    }
}

fn respond(canned: Canned) -> Response<Body> {
    let body = match canned.body {
        CannedBody::Full(bytes) => Body::from(bytes),
        CannedBody::Frames {
            frames,
            delay,
            hang_after,
        } => scripted::paced_body(frames, delay, hang_after),
    };
    scripted::response(body, canned.status, &canned.headers)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encoded(frames: &[Frame]) -> Vec<u8> {
        frames.iter().flat_map(|f| f.encode().to_vec()).collect()
    }

    #[test]
    fn re_encoded_streams_match_the_recorded_bytes() {
        assert_eq!(
            encoded(&converse_frames(fixtures::CONVERSE_STREAM_EVENTS)),
            fixtures::CONVERSE_STREAM_RAW
        );
        assert_eq!(
            encoded(&converse_frames(fixtures::CONVERSE_STREAM_TOOL_USE_EVENTS)),
            fixtures::CONVERSE_STREAM_TOOL_USE_RAW
        );
        assert_eq!(
            encoded(&invoke_stream_frames(fixtures::INVOKE_STREAM_ANTHROPIC)),
            fixtures::INVOKE_STREAM_ANTHROPIC_RAW
        );
    }

    #[test]
    fn compact_bodies_have_the_recorded_lengths() {
        assert_eq!(compact_json(fixtures::CONVERSE).len(), 321);
        assert_eq!(compact_json(fixtures::CONVERSE_TOOL_USE).len(), 553);
        for (file, len) in [
            (fixtures::INVOKE_ANTHROPIC, 557),
            (fixtures::INVOKE_ANTHROPIC_TOOL_USE, 533),
            (fixtures::INVOKE_NOVA, 463),
            (fixtures::INVOKE_TITAN_TEXT, 195),
            (fixtures::INVOKE_LLAMA, 236),
        ] {
            let compact = compact_json(file);
            assert_eq!(member(&compact, "response").map(str::len), Some(len));
        }
    }

    #[test]
    fn sigv4_headers_are_checked() {
        let good = "AWS4-HMAC-SHA256 Credential=AKIDTEST/20261121/us-east-1/bedrock/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
        assert!(is_sigv4_authorization(good));
        assert!(!is_sigv4_authorization(&good.replace("bedrock", "s3")));
        assert!(!is_sigv4_authorization(
            &good.replace("Signature=0", "Signature=")
        ));
        assert!(!is_sigv4_authorization(&good.replace(";host", "")));
        assert!(!is_sigv4_authorization("Bearer abc"));
    }

    #[test]
    fn errors_come_from_the_fixture() {
        let c = Canned::aws_error("ThrottlingException");
        assert_eq!(c.status(), 429);
        assert!(
            c.headers
                .iter()
                .any(|(n, v)| n == "x-amzn-errortype" && v.starts_with("ThrottlingException:"))
        );
        assert_eq!(Canned::aws_error("ModelErrorException").status(), 424);
    }
}

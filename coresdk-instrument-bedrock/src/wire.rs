//! [`WireTap`]: a per-call smithy interceptor that reads what only the wire
//! shows — the server the signed request went to, the HTTP status, body sizes
//! and Bedrock's `X-Amzn-Bedrock-*` usage headers — for the call's span.
//!
//! It only reads: it never changes the request or the response.

use std::sync::{Arc, Mutex, PoisonError};

use aws_sdk_bedrockruntime::config::http::HttpResponse;
use aws_sdk_bedrockruntime::config::interceptors::{
    BeforeDeserializationInterceptorContextRef, BeforeTransmitInterceptorContextRef,
};
use aws_sdk_bedrockruntime::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_sdk_bedrockruntime::error::{BoxError, SdkError};
use aws_sdk_bedrockruntime::operation::RequestId;
use coresdk::genai::attributes::{AWS_REQUEST_ID, HTTP_RESPONSE_STATUS_CODE};
use coresdk::genai::{CallError, GenAiSpan, Usage};

const INPUT_TOKENS: &str = "x-amzn-bedrock-input-token-count";
const OUTPUT_TOKENS: &str = "x-amzn-bedrock-output-token-count";
const CACHE_READ_TOKENS: &str = "x-amzn-bedrock-cache-read-input-token-count";
const CACHE_WRITE_TOKENS: &str = "x-amzn-bedrock-cache-write-input-token-count";
const REQUEST_ID: &str = "x-amzn-requestid";
/// The HTTP status Bedrock's Converse API models for success.
const SUCCESS_STATUS: u16 = 200;

/// What the last attempt of a call showed on the wire.
#[derive(Debug, Default, Clone)]
pub(crate) struct WireFacts {
    /// Shared with the client's remembered server: recorded on every call's
    /// span without a copy.
    pub(crate) host: Option<Arc<str>>,
    pub(crate) port: Option<u16>,
    pub(crate) status: Option<u16>,
    pub(crate) request_id: Option<String>,
    pub(crate) request_body_size: Option<u64>,
    pub(crate) header_usage: Usage,
}

impl WireFacts {
    /// What a call to a known server shows without the tap: the request id
    /// of the output or error, the HTTP status of an error response, and the
    /// modeled success status (200) of an output.
    pub(crate) fn of_result<O, E>(
        host: &Arc<str>,
        port: Option<u16>,
        result: &Result<O, SdkError<E, HttpResponse>>,
    ) -> Self
    where
        O: RequestId,
    {
        let status = match result {
            Ok(_) => Some(SUCCESS_STATUS),
            Err(error) => error.raw_response().map(|raw| raw.status().as_u16()),
        };
        Self {
            host: Some(Arc::clone(host)),
            port,
            status,
            request_id: result.request_id().map(str::to_owned),
            ..Self::default()
        }
    }

    /// Records `server.address` / `server.port` and `aws.request_id` on
    /// `span`, and the HTTP status unless `error` records one. The request id
    /// moves to the span.
    pub(crate) fn record(&mut self, span: &mut GenAiSpan, error: Option<&CallError>) {
        if let Some(host) = &self.host {
            span.set_server_address(Arc::clone(host), self.port);
        }
        if let Some(id) = self.request_id.take() {
            span.set_attribute(AWS_REQUEST_ID, id);
        }
        if let Some(status) = self.status
            && error.is_none_or(|e| e.status().is_none())
        {
            span.set_attribute(HTTP_RESPONSE_STATUS_CODE, i64::from(status));
        }
    }
}

/// The interceptor; clones share one [`WireFacts`].
#[derive(Debug, Default, Clone)]
pub(crate) struct WireTap {
    facts: Arc<Mutex<WireFacts>>,
}

impl WireTap {
    pub(crate) fn facts(&self) -> WireFacts {
        self.facts
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    fn update(&self, f: impl FnOnce(&mut WireFacts)) {
        f(&mut self.facts.lock().unwrap_or_else(PoisonError::into_inner));
    }
}

/// Host and port (explicit, else the scheme's default) of an absolute URI.
fn host_port(uri: &str) -> Option<(&str, Option<u16>)> {
    let (scheme, rest) = uri.split_once("://")?;
    let authority = rest.split(['/', '?', '#']).next()?;
    let authority = authority.rsplit_once('@').map_or(authority, |(_, a)| a);
    let (host, port) = if let Some(bracketed) = authority.strip_prefix('[') {
        let (host, rest) = bracketed.split_once(']')?;
        (host, rest.strip_prefix(':').and_then(|p| p.parse().ok()))
    } else {
        match authority.rsplit_once(':') {
            Some((host, port)) => (host, port.parse().ok()),
            None => (authority, None),
        }
    };
    let port = port.or(match scheme {
        "https" => Some(443),
        "http" => Some(80),
        _ => None,
    });
    (!host.is_empty()).then_some((host, port))
}

fn header_count(response: &HttpResponse, name: &str) -> Option<u64> {
    response
        .headers()
        .get(name)
        .and_then(|v| v.trim().parse().ok())
}

impl Intercept for WireTap {
    fn name(&self) -> &'static str {
        "CoreSdkWireTap"
    }

    fn read_before_transmit(
        &self,
        context: &BeforeTransmitInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let request = context.request();
        let server = host_port(request.uri());
        let size = request.body().content_length();
        self.update(|facts| {
            if let Some((host, port)) = server {
                facts.host = Some(Arc::from(host));
                facts.port = port;
            }
            facts.request_body_size = size;
        });
        Ok(())
    }

    fn read_after_transmit(
        &self,
        context: &BeforeDeserializationInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let response = context.response();
        let input = header_count(response, INPUT_TOKENS);
        let output = header_count(response, OUTPUT_TOKENS);
        let read = header_count(response, CACHE_READ_TOKENS);
        let write = header_count(response, CACHE_WRITE_TOKENS);
        let usage = Usage {
            input_tokens: input.map(|i| i + read.unwrap_or(0) + write.unwrap_or(0)),
            output_tokens: output,
            cache_read_input_tokens: read,
            cache_creation_input_tokens: write,
            reasoning_output_tokens: None,
        };
        let status = response.status().as_u16();
        let request_id = response.headers().get(REQUEST_ID).map(str::to_owned);
        self.update(|facts| {
            facts.status = Some(status);
            facts.request_id = request_id;
            facts.header_usage = usage;
        });
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::host_port;

    #[test]
    fn host_and_port_of_request_uris() {
        assert_eq!(
            host_port("https://bedrock-runtime.us-east-1.amazonaws.com/model/x/converse"),
            Some(("bedrock-runtime.us-east-1.amazonaws.com", Some(443)))
        );
        assert_eq!(
            host_port("http://127.0.0.1:8123/model/x/invoke?a=b"),
            Some(("127.0.0.1", Some(8123)))
        );
        assert_eq!(host_port("http://[::1]:9000/"), Some(("::1", Some(9000))));
        assert_eq!(host_port("not a uri"), None);
    }
}

//! [`WireTap`]: a read-only smithy interceptor, registered once on the
//! traced client, that notes what only the wire shows — the server the
//! signed requests go to, each response's HTTP status and Bedrock's
//! `X-Amzn-Bedrock-*` token-count headers — for the calls' spans.
//!
//! Responses are matched to calls by their request id (`x-amzn-RequestId`,
//! which the SDK also hands back with every output and error), so a call
//! records the status that was observed, never one it assumes.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use aws_sdk_bedrockruntime::config::http::HttpResponse;
use aws_sdk_bedrockruntime::config::interceptors::{
    BeforeDeserializationInterceptorContextRef, BeforeTransmitInterceptorContextRef,
};
use aws_sdk_bedrockruntime::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_sdk_bedrockruntime::error::{BoxError, ProvideErrorMetadata, SdkError};
use aws_sdk_bedrockruntime::operation::RequestId;
use coresdk::genai::attributes::AWS_REQUEST_ID;
use coresdk::genai::{Outcome, Server, Usage};
use opentelemetry::KeyValue;

use crate::error::call_error;

const INPUT_TOKENS: &str = "x-amzn-bedrock-input-token-count";
const OUTPUT_TOKENS: &str = "x-amzn-bedrock-output-token-count";
const CACHE_READ_TOKENS: &str = "x-amzn-bedrock-cache-read-input-token-count";
const CACHE_WRITE_TOKENS: &str = "x-amzn-bedrock-cache-write-input-token-count";
const REQUEST_ID: &str = "x-amzn-requestid";
/// Responses kept for their calls to collect. Entries nobody collects
/// (earlier attempts of a retried call, calls through an untraced clone of
/// the client) fall out once this many newer ones arrived.
const KEPT_RESPONSES: usize = 32;

/// What one response showed.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Seen {
    pub(crate) status: u16,
    /// The token counts of the response headers.
    pub(crate) usage: Usage,
}

#[derive(Debug, Default)]
struct Observed {
    server: OnceLock<Server>,
    responses: Mutex<VecDeque<(String, Seen)>>,
}

/// The interceptor; clones share what it observed.
#[derive(Debug, Default, Clone)]
pub(crate) struct WireTap {
    observed: Arc<Observed>,
}

impl WireTap {
    /// The server requests go to, once one was sent.
    ///
    /// The endpoint follows from the client's configuration (region,
    /// `endpoint_url`, FIPS / dual-stack), which traced calls do not
    /// override, so one request's server is every request's.
    pub(crate) fn server(&self) -> Option<Server> {
        self.observed.server.get().cloned()
    }

    /// Takes what the response with `request_id` showed.
    fn take(&self, request_id: &str) -> Option<Seen> {
        let mut responses = self
            .observed
            .responses
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let pos = responses.iter().rposition(|(id, _)| id == request_id)?;
        responses.remove(pos).map(|(_, seen)| seen)
    }

    /// What a finished call showed on the wire: server, request id, the
    /// observed status, and the error; plus the header token counts.
    pub(crate) fn outcome<O, E>(
        &self,
        result: &Result<O, SdkError<E, HttpResponse>>,
    ) -> (Outcome, Usage)
    where
        O: RequestId,
        E: ProvideErrorMetadata + std::error::Error + 'static,
    {
        let request_id = result.request_id();
        let seen = request_id.and_then(|id| self.take(id));
        let mut outcome = Outcome {
            server: self.server(),
            http_status: seen.map(|s| s.status),
            attributes: request_id
                .map(|id| vec![KeyValue::new(AWS_REQUEST_ID, id.to_owned())])
                .unwrap_or_default(),
            ..Outcome::default()
        };
        if let Err(error) = result {
            outcome.error = Some(call_error(error, |raw| Some(raw.status().as_u16())));
        }
        (outcome, seen.map(|s| s.usage).unwrap_or_default())
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
        if self.observed.server.get().is_none()
            && let Some((host, port)) = host_port(context.request().uri())
        {
            let _ = self.observed.server.set(Server::new(host, port));
        }
        Ok(())
    }

    fn read_after_transmit(
        &self,
        context: &BeforeDeserializationInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let response = context.response();
        let Some(request_id) = response.headers().get(REQUEST_ID) else {
            return Ok(());
        };
        let input = header_count(response, INPUT_TOKENS);
        let read = header_count(response, CACHE_READ_TOKENS);
        let write = header_count(response, CACHE_WRITE_TOKENS);
        let seen = Seen {
            status: response.status().as_u16(),
            usage: Usage {
                input_tokens: input.map(|i| i + read.unwrap_or(0) + write.unwrap_or(0)),
                output_tokens: header_count(response, OUTPUT_TOKENS),
                cache_read_input_tokens: read,
                cache_creation_input_tokens: write,
                reasoning_output_tokens: None,
            },
        };
        let mut responses = self
            .observed
            .responses
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if responses.len() == KEPT_RESPONSES {
            responses.pop_front();
        }
        responses.push_back((request_id.to_owned(), seen));
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

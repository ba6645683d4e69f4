//! [`WireTap`]: a read-only smithy interceptor, registered once on the
//! traced client, that notes what only the wire shows — the server the
//! signed requests go to, each response's HTTP status and Bedrock's
//! `X-Amzn-Bedrock-*` token-count headers — for the calls' spans.
//!
//! The interceptor runs inside the poll of the call's own request future,
//! so it hands the response to that call through the GenAI driver
//! ([`observe_response`]): a call records the status that was observed,
//! never one it assumes, and only recorded calls pay for reading it.

use std::sync::{Arc, OnceLock};

use aws_sdk_bedrockruntime::config::http::HttpResponse;
use aws_sdk_bedrockruntime::config::interceptors::{
    BeforeDeserializationInterceptorContextRef, BeforeTransmitInterceptorContextRef,
};
use aws_sdk_bedrockruntime::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_sdk_bedrockruntime::error::{BoxError, ProvideErrorMetadata, SdkError};
use aws_sdk_bedrockruntime::operation::RequestId;
use coresdk::genai::attributes::AWS_REQUEST_ID;
use coresdk::genai::{Outcome, Server, WireObservation, observe_response};
use opentelemetry::KeyValue;

use crate::convert::usage;
use crate::error::call_error;

/// Bedrock's token-count headers (`http` keeps header names lowercase):
/// this prefix, then one of the names below.
const TOKEN_COUNT_PREFIX: &str = "x-amzn-bedrock-";
const INPUT_TOKENS: &str = "input-token-count";
const OUTPUT_TOKENS: &str = "output-token-count";
const CACHE_READ_TOKENS: &str = "cache-read-input-token-count";
const CACHE_WRITE_TOKENS: &str = "cache-write-input-token-count";

/// The interceptor; clones share the server it observed.
#[derive(Debug, Default, Clone)]
pub(crate) struct WireTap {
    server: Arc<OnceLock<Server>>,
}

impl WireTap {
    /// What a finished call showed: the server, the request id the SDK
    /// hands back with every output and error, and the error. The status
    /// comes from the driver's wire observation.
    pub(crate) fn outcome<O, E>(&self, result: &Result<O, SdkError<E, HttpResponse>>) -> Outcome
    where
        O: RequestId,
        E: ProvideErrorMetadata + std::error::Error + 'static,
    {
        Outcome {
            // The endpoint follows from the client's configuration (region,
            // `endpoint_url`, FIPS / dual-stack), which traced calls do not
            // override, so one request's server is every request's.
            server: self.server.get().cloned(),
            attributes: result
                .request_id()
                .map(|id| vec![KeyValue::new(AWS_REQUEST_ID, id.to_owned())])
                .unwrap_or_default(),
            error: result
                .as_ref()
                .err()
                .map(|error| call_error(error, |raw| Some(raw.status().as_u16()))),
            ..Outcome::default()
        }
    }
}

/// Host and port (explicit, else the scheme's default) of an absolute URI.
fn host_port(uri: &str) -> Option<(String, Option<u16>)> {
    let url = url::Url::parse(uri).ok()?;
    let host = match url.host()? {
        url::Host::Domain(name) => name.to_owned(),
        url::Host::Ipv4(ip) => ip.to_string(),
        url::Host::Ipv6(ip) => ip.to_string(),
    };
    Some((host, url.port_or_known_default()))
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
        if self.server.get().is_none()
            && let Some((host, port)) = host_port(context.request().uri())
        {
            let _ = self.server.set(Server::new(host, port));
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
        observe_response(|| {
            // One pass over the headers: a lookup by name parses and hashes
            // the name, four of them cost more than the whole walk.
            let [mut input, mut output, mut read, mut write] = [None; 4];
            for (name, value) in response.headers() {
                let Some(count) = name.strip_prefix(TOKEN_COUNT_PREFIX) else {
                    continue;
                };
                let slot = match count {
                    INPUT_TOKENS => &mut input,
                    OUTPUT_TOKENS => &mut output,
                    CACHE_READ_TOKENS => &mut read,
                    CACHE_WRITE_TOKENS => &mut write,
                    _ => continue,
                };
                *slot = value.trim().parse().ok();
            }
            WireObservation {
                status: Some(response.status().as_u16()),
                usage: usage(input, output, read, write),
            }
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
            Some(("bedrock-runtime.us-east-1.amazonaws.com".into(), Some(443)))
        );
        assert_eq!(
            host_port("http://127.0.0.1:8123/model/x/invoke?a=b"),
            Some(("127.0.0.1".into(), Some(8123)))
        );
        assert_eq!(
            host_port("http://[::1]:9000/"),
            Some(("::1".into(), Some(9000)))
        );
        assert_eq!(host_port("not a uri"), None);
    }
}

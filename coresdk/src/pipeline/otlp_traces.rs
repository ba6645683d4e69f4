//! The OTLP traces client: sends a request encoded by `otlp_wire` over
//! gRPC (a tonic channel with a codec that passes the bytes through) or
//! HTTP/protobuf (reqwest), and reads the answer the way the OTLP rules need
//! it: the status decides what may be retried (`retry.rs`), a partial success
//! names the spans the collector rejected.
//!
//! A success answer that is not an OTLP response (a proxy, a captive portal
//! or another service on the collector's port answering `200 OK` with a page
//! of its own) is a failure: counting it as exported would lose spans
//! without a trace.

use std::time::Duration;

use bytes::{BufMut as _, Bytes};
use http::uri::PathAndQuery;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceResponse;
use prost::Message as _;
use tonic::Status;
use tonic::codec::{Codec, DecodeBuf, Decoder, EncodeBuf, Encoder};
use tonic::metadata::MetadataMap;
use tonic::transport::Channel;

use super::retry::{self, Advice};
use crate::config::{OtlpConfig, OtlpProtocol};

/// The media type of OTLP/HTTP protobuf requests and responses.
const PROTOBUF: &str = "application/x-protobuf";
/// The OTLP/gRPC trace export method.
const GRPC_EXPORT: &str = "/opentelemetry.proto.collector.trace.v1.TraceService/Export";

/// A request that did not deliver its spans.
#[derive(Debug)]
pub(crate) struct Failure {
    /// Whether and when it may be sent again.
    pub(crate) advice: Advice,
    /// What went wrong, for the failure report (no span content).
    pub(crate) message: String,
}

impl Failure {
    fn transient(message: String) -> Self {
        Self {
            advice: Advice::Backoff,
            message,
        }
    }
}

/// A delivered request: spans the collector still rejected, and why.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Accepted {
    /// Spans rejected by a partial success (not to be retried).
    pub(crate) rejected: u64,
    /// The collector's message, empty if none.
    pub(crate) message: String,
}

impl Accepted {
    fn from(response: ExportTraceServiceResponse) -> Self {
        response
            .partial_success
            .map(|partial| Accepted {
                rejected: u64::try_from(partial.rejected_spans).unwrap_or(0),
                message: partial.error_message,
            })
            .unwrap_or_default()
    }
}

/// Why an `https://` endpoint cannot be used by a build without TLS.
pub(crate) const NO_TLS: &str =
    "https needs coresdk's `rustls` feature (a default feature), which this build turned off";

/// `true` when `endpoint` is `https://` and this build has no TLS (the
/// `rustls` feature is off): the HTTP client would fail every request, so
/// the exporter is refused when it is built instead.
pub(crate) fn lacks_tls(endpoint: &str) -> bool {
    cfg!(not(feature = "rustls"))
        && endpoint
            .get(..8)
            .is_some_and(|scheme| scheme.eq_ignore_ascii_case("https://"))
}

/// Why the client could not be built.
#[derive(Debug, thiserror::Error)]
pub(crate) enum BuildError {
    #[error("not a valid gRPC endpoint: {0}")]
    Endpoint(#[from] tonic::transport::Error),
    #[error(
        "OTLP/gRPC over TLS (https) is not built in; use `otlp.protocol = \"http/protobuf\"` \
         for an https endpoint, or a collector on plain http"
    )]
    GrpcTls,
    #[error("{NO_TLS}")]
    HttpTls,
    #[error("cannot build the HTTP client: {0}")]
    Http(#[from] reqwest::Error),
    #[error("header `{0}` is not a valid HTTP header")]
    Header(String),
}

/// Sends encoded trace requests to one collector. `Debug` shows no header
/// value and no credentials of the endpoint URL.
#[derive(Clone)]
pub(crate) enum TracesClient {
    /// OTLP/gRPC.
    Grpc {
        grpc: tonic::client::Grpc<Channel>,
        metadata: MetadataMap,
    },
    /// OTLP/HTTP with protobuf bodies.
    Http {
        client: reqwest::Client,
        url: String,
        headers: http::HeaderMap,
    },
}

impl std::fmt::Debug for TracesClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Grpc { metadata, .. } => f
                .debug_struct("Grpc")
                .field("metadata", &metadata.keys().count())
                .finish_non_exhaustive(),
            Self::Http { url, headers, .. } => f
                .debug_struct("Http")
                .field("url", &crate::config::redact_url_text(url))
                .field("headers", &headers.keys().collect::<Vec<_>>())
                .finish_non_exhaustive(),
        }
    }
}

impl TracesClient {
    /// A client for `endpoint`. Must run inside the Tokio runtime that will
    /// send the requests (the gRPC channel starts its worker there).
    pub(crate) fn new(otlp: &OtlpConfig, endpoint: &str) -> Result<Self, BuildError> {
        let mut headers = http::HeaderMap::new();
        for (k, v) in otlp.headers() {
            let (Ok(name), Ok(mut value)) = (
                http::HeaderName::from_bytes(k.as_bytes()),
                http::HeaderValue::from_str(v),
            ) else {
                return Err(BuildError::Header(k.clone()));
            };
            // Headers carry credentials (`authorization`, API keys): never
            // shown by `Debug`.
            value.set_sensitive(true);
            headers.insert(name, value);
        }
        match otlp.protocol() {
            OtlpProtocol::Grpc => {
                let endpoint = tonic::transport::Endpoint::from_shared(endpoint.to_owned())?;
                if endpoint.uri().scheme() == Some(&http::uri::Scheme::HTTPS) {
                    return Err(BuildError::GrpcTls);
                }
                let channel = endpoint.timeout(otlp.timeout()).connect_lazy();
                Ok(Self::Grpc {
                    grpc: tonic::client::Grpc::new(channel),
                    metadata: MetadataMap::from_headers(headers),
                })
            }
            OtlpProtocol::HttpProtobuf => {
                if lacks_tls(endpoint) {
                    return Err(BuildError::HttpTls);
                }
                headers.insert(
                    http::header::CONTENT_TYPE,
                    http::HeaderValue::from_static(PROTOBUF),
                );
                Ok(Self::Http {
                    client: reqwest::Client::builder().timeout(otlp.timeout()).build()?,
                    url: endpoint.to_owned(),
                    headers,
                })
            }
        }
    }

    /// Sends one encoded `ExportTraceServiceRequest`, waiting at most `timeout`.
    pub(crate) async fn send(
        &self,
        request: Bytes,
        timeout: Duration,
    ) -> Result<Accepted, Failure> {
        match tokio::time::timeout(timeout, self.send_inner(request)).await {
            Ok(result) => result,
            Err(_) => Err(Failure::transient(format!(
                "no answer within {} ms",
                timeout.as_millis()
            ))),
        }
    }

    async fn send_inner(&self, request: Bytes) -> Result<Accepted, Failure> {
        match self {
            Self::Grpc { grpc, metadata } => {
                let mut grpc = grpc.clone();
                grpc.ready()
                    .await
                    .map_err(|e| Failure::transient(format!("cannot reach the collector: {e}")))?;
                let mut call = tonic::Request::new(request);
                *call.metadata_mut() = metadata.clone();
                match grpc
                    .unary(call, PathAndQuery::from_static(GRPC_EXPORT), PassThrough)
                    .await
                {
                    Ok(response) => Ok(Accepted::from(response.into_inner())),
                    Err(status) => Err(Failure {
                        advice: retry::grpc(status.code()),
                        message: format!(
                            "the collector answered gRPC status {:?}: {}",
                            status.code(),
                            status.message()
                        ),
                    }),
                }
            }
            Self::Http {
                client,
                url,
                headers,
            } => {
                let response = client
                    .post(url.as_str())
                    .headers(headers.clone())
                    .body(request)
                    .send()
                    .await
                    .map_err(|e| Failure::transient(format!("request failed: {e}")))?;
                let status = response.status();
                if !status.is_success() {
                    let retry_after = response
                        .headers()
                        .get(http::header::RETRY_AFTER)
                        .and_then(|v| v.to_str().ok());
                    return Err(Failure {
                        advice: retry::http(status.as_u16(), retry_after),
                        message: format!("the collector answered {status}"),
                    });
                }
                let content_type = response
                    .headers()
                    .get(http::header::CONTENT_TYPE)
                    .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
                let body = response
                    .bytes()
                    .await
                    .map_err(|e| Failure::transient(format!("reading the answer failed: {e}")))?;
                http_answer(status, content_type.as_deref(), &body)
                    .map_err(|not_otlp| Failure::transient(not_otlp.to_string()))
            }
        }
    }
}

/// A success answer that is not an OTLP response.
#[derive(Debug, thiserror::Error)]
enum NotOtlp {
    /// The answer is of another media type.
    #[error(
        "the server answered {status} with content type `{content_type}`, \
         not an OTLP response ({PROTOBUF})"
    )]
    ContentType {
        status: http::StatusCode,
        content_type: String,
    },
    /// The body does not decode as an `ExportTraceServiceResponse`.
    #[error("the server answered {status} with a body that is not an OTLP response: {source}")]
    Body {
        status: http::StatusCode,
        #[source]
        source: prost::DecodeError,
    },
}

/// Reads a success answer of the OTLP/HTTP exporter.
fn http_answer(
    status: http::StatusCode,
    content_type: Option<&str>,
    body: &[u8],
) -> Result<Accepted, NotOtlp> {
    let protobuf = content_type.is_some_and(|ct| {
        ct.split(';')
            .next()
            .is_some_and(|media| media.trim().eq_ignore_ascii_case(PROTOBUF))
    });
    // An empty answer without a media type is a valid empty response.
    let empty = body.is_empty() && content_type.is_none();
    if !protobuf && !empty {
        return Err(NotOtlp::ContentType {
            status,
            content_type: content_type.unwrap_or_default().to_owned(),
        });
    }
    ExportTraceServiceResponse::decode(body)
        .map(Accepted::from)
        .map_err(|source| NotOtlp::Body { status, source })
}

/// The gRPC codec: the request is already encoded, the answer is decoded.
#[derive(Debug, Clone, Copy, Default)]
struct PassThrough;

impl Codec for PassThrough {
    type Encode = Bytes;
    type Decode = ExportTraceServiceResponse;
    type Encoder = Self;
    type Decoder = Self;

    fn encoder(&mut self) -> Self {
        *self
    }

    fn decoder(&mut self) -> Self {
        *self
    }
}

impl Encoder for PassThrough {
    type Item = Bytes;
    type Error = Status;

    fn encode(&mut self, item: Bytes, dst: &mut EncodeBuf<'_>) -> Result<(), Status> {
        dst.put_slice(&item);
        Ok(())
    }
}

impl Decoder for PassThrough {
    type Item = ExportTraceServiceResponse;
    type Error = Status;

    fn decode(&mut self, src: &mut DecodeBuf<'_>) -> Result<Option<Self::Item>, Status> {
        ExportTraceServiceResponse::decode(src)
            .map(Some)
            .map_err(|e| Status::internal(format!("not an OTLP response: {e}")))
    }
}

#[cfg(test)]
mod tests {
    use opentelemetry_proto::tonic::collector::trace::v1::ExportTracePartialSuccess;

    use super::*;

    #[test]
    fn https_is_refused_only_without_the_rustls_feature() {
        let tls = cfg!(feature = "rustls");
        assert_eq!(lacks_tls("https://collector:4318/v1/traces"), !tls);
        assert_eq!(lacks_tls("HTTPS://collector:4318/v1/traces"), !tls);
        assert!(!lacks_tls("http://127.0.0.1:4318/v1/traces"));
        assert!(!lacks_tls("http"));
    }

    #[test]
    fn otlp_answers_pass_and_others_name_what_they_were() {
        let ok = http::StatusCode::OK;
        assert_eq!(
            http_answer(ok, Some(PROTOBUF), b"").ok(),
            Some(Accepted::default())
        );
        assert!(http_answer(ok, Some("application/x-protobuf; charset=binary"), b"").is_ok());
        assert!(http_answer(ok, None, b"").is_ok());
        let html = http_answer(ok, Some("text/html"), b"<html>welcome</html>")
            .expect_err("a web page is not an OTLP response");
        assert_eq!(
            html.to_string(),
            "the server answered 200 OK with content type `text/html`, \
             not an OTLP response (application/x-protobuf)"
        );
        assert!(http_answer(ok, None, b"OK").is_err());
        let garbage = http_answer(ok, Some(PROTOBUF), b"<html>").expect_err("not protobuf");
        assert!(
            garbage.to_string().contains("not an OTLP response"),
            "{garbage}"
        );
    }

    /// Neither a header value nor the URL's credentials show in `Debug`.
    #[test]
    fn debug_shows_no_credentials() {
        for protocol in [OtlpProtocol::Grpc, OtlpProtocol::HttpProtobuf] {
            let config = crate::Config::builder()
                .without_env()
                .without_config_file()
                .with_otlp_protocol(protocol)
                .with_otlp_header("authorization", "Bearer s3cr3t-token")
                .build()
                .expect("config");
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            let _entered = runtime.enter();
            let client = TracesClient::new(config.otlp(), "http://alice:pa55word@127.0.0.1:4318")
                .expect("client");
            let shown = format!("{client:?}");
            assert!(!shown.contains("s3cr3t"), "{shown}");
            assert!(!shown.contains("pa55word"), "{shown}");
        }
    }

    #[test]
    fn a_partial_success_names_the_rejected_spans() {
        let body = ExportTraceServiceResponse {
            partial_success: Some(ExportTracePartialSuccess {
                rejected_spans: 3,
                error_message: "span name too long".into(),
            }),
        }
        .encode_to_vec();
        let accepted = http_answer(http::StatusCode::OK, Some(PROTOBUF), &body).expect("OTLP");
        assert_eq!(accepted.rejected, 3);
        assert_eq!(accepted.message, "span name too long");
    }
}

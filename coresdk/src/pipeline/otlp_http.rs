//! The HTTP client of the OTLP/HTTP span exporter: reqwest, plus a check that
//! a success answer really is an OTLP response.
//!
//! A proxy, a captive portal or another service on the collector's port can
//! answer `200 OK` with a page of its own; counting that as exported would
//! lose spans without a trace. Such an answer is turned into an error, so the
//! export stage retries, counts and reports it like any other failure.

use std::sync::Arc;
use std::time::Duration;

use opentelemetry_http::{Bytes, HttpClient, HttpError, Request, Response};
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceResponse;
use prost::Message as _;

use super::failure_report::FailureReporter;
use super::retry;

/// The media type of OTLP/HTTP protobuf requests and responses.
const PROTOBUF: &str = "application/x-protobuf";

/// Why an `https://` endpoint cannot be used by a build without TLS.
pub(crate) const NO_TLS: &str =
    "https needs coresdk's `rustls` feature (a default feature), which this build turned off";

/// `true` when `endpoint` is `https://` and this build has no TLS (the
/// `rustls` feature is off): the client would fail every request, so the
/// exporter is refused when it is built instead.
pub(crate) fn lacks_tls(endpoint: &str) -> bool {
    cfg!(not(feature = "rustls"))
        && endpoint
            .get(..8)
            .is_some_and(|scheme| scheme.eq_ignore_ascii_case("https://"))
}

/// reqwest with the OTLP response check.
#[derive(Debug)]
pub(crate) struct OtlpHttpClient {
    inner: reqwest::Client,
    /// The OTLP exporter reports a client error as a bare "network error":
    /// what was wrong with the answer is reported here.
    reporter: Arc<FailureReporter>,
}

impl OtlpHttpClient {
    /// A client whose requests time out after `timeout`.
    pub(crate) fn new(
        timeout: Duration,
        reporter: Arc<FailureReporter>,
    ) -> Result<Self, reqwest::Error> {
        Ok(Self {
            inner: reqwest::Client::builder().timeout(timeout).build()?,
            reporter,
        })
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

fn check(response: &Response<Bytes>) -> Result<(), NotOtlp> {
    let status = response.status();
    let content_type = response
        .headers()
        .get(http::header::CONTENT_TYPE)
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
    let protobuf = content_type.as_deref().is_some_and(|ct| {
        ct.split(';')
            .next()
            .is_some_and(|media| media.trim().eq_ignore_ascii_case(PROTOBUF))
    });
    // An empty answer without a media type is a valid empty response.
    let empty = response.body().is_empty() && content_type.is_none();
    if !protobuf && !empty {
        return Err(NotOtlp::ContentType {
            status,
            content_type: content_type.unwrap_or_default(),
        });
    }
    ExportTraceServiceResponse::decode(response.body().as_ref())
        .map(|_| ())
        .map_err(|source| NotOtlp::Body { status, source })
}

#[async_trait::async_trait]
impl HttpClient for OtlpHttpClient {
    async fn send_bytes(&self, request: Request<Bytes>) -> Result<Response<Bytes>, HttpError> {
        let response = self.inner.send_bytes(request).await?;
        if !response.status().is_success() {
            let retry_after = response
                .headers()
                .get(http::header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok());
            retry::note_answer(retry::http(response.status().as_u16(), retry_after));
        }
        if response.status().is_success()
            && let Err(not_otlp) = check(&response)
        {
            self.reporter.report(&format_args!("failed: {not_otlp}"));
            return Err(Box::new(not_otlp));
        }
        Ok(response)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(content_type: Option<&str>, body: &'static [u8]) -> Response<Bytes> {
        let mut builder = Response::builder().status(200);
        if let Some(ct) = content_type {
            builder = builder.header(http::header::CONTENT_TYPE, ct);
        }
        builder
            .body(Bytes::from_static(body))
            .unwrap_or_else(|_| Response::new(Bytes::new()))
    }

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
        assert!(check(&answer(Some(PROTOBUF), b"")).is_ok());
        assert!(check(&answer(Some("application/x-protobuf; charset=binary"), b"")).is_ok());
        assert!(check(&answer(None, b"")).is_ok());
        let html = check(&answer(Some("text/html"), b"<html>welcome</html>"))
            .expect_err("a web page is not an OTLP response");
        assert_eq!(
            html.to_string(),
            "the server answered 200 OK with content type `text/html`, \
             not an OTLP response (application/x-protobuf)"
        );
        assert!(check(&answer(None, b"OK")).is_err());
        let garbage = check(&answer(Some(PROTOBUF), b"<html>")).expect_err("not protobuf");
        assert!(
            garbage.to_string().contains("not an OTLP response"),
            "{garbage}"
        );
    }
}

//! The export stage's retry rules against real OTLP peers on loopback: a
//! permanent error (HTTP 400, gRPC `InvalidArgument`) is not retried, a
//! throttling answer (503 with `Retry-After`) is retried no sooner than asked,
//! a transient one (502, gRPC `Unavailable`) is retried.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use axum::Router;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::routing::post;
use coresdk::config::{ExporterKind, OtlpProtocol};
use tracing_subscriber::layer::SubscriberExt as _;

/// What the collector answers to the n-th request (the last answer repeats).
#[derive(Clone, Copy)]
enum Answer {
    Status(u16),
    Throttle {
        retry_after_secs: u64,
    },
    Ok,
    /// `200 OK` with a partial success rejecting this many spans.
    Partial(i64),
}

/// A scripted OTLP/HTTP collector; records when each request arrived.
struct Collector {
    addr: std::net::SocketAddr,
    arrivals: Arc<Mutex<Vec<Instant>>>,
}

impl Collector {
    async fn start(script: Vec<Answer>) -> Self {
        let arrivals = Arc::new(Mutex::new(Vec::new()));
        let seen = Arc::clone(&arrivals);
        let app = Router::new().route(
            "/v1/traces",
            post(move || {
                let seen = Arc::clone(&seen);
                let script = script.clone();
                async move {
                    let n = {
                        let mut seen = seen.lock().unwrap_or_else(PoisonError::into_inner);
                        seen.push(Instant::now());
                        seen.len() - 1
                    };
                    let answer = script[n.min(script.len() - 1)];
                    let mut headers = HeaderMap::new();
                    let mut body = Vec::new();
                    let status = match answer {
                        Answer::Status(code) => StatusCode::from_u16(code).expect("a status code"),
                        Answer::Throttle { retry_after_secs } => {
                            headers.insert("retry-after", HeaderValue::from(retry_after_secs));
                            StatusCode::SERVICE_UNAVAILABLE
                        }
                        Answer::Ok => {
                            headers.insert(
                                "content-type",
                                HeaderValue::from_static("application/x-protobuf"),
                            );
                            StatusCode::OK
                        }
                        Answer::Partial(rejected_spans) => {
                            use opentelemetry_proto::tonic::collector::trace::v1::{
                                ExportTracePartialSuccess, ExportTraceServiceResponse,
                            };
                            use prost::Message as _;
                            headers.insert(
                                "content-type",
                                HeaderValue::from_static("application/x-protobuf"),
                            );
                            body = ExportTraceServiceResponse {
                                partial_success: Some(ExportTracePartialSuccess {
                                    rejected_spans,
                                    error_message: "attribute value too long".into(),
                                }),
                            }
                            .encode_to_vec();
                            StatusCode::OK
                        }
                    };
                    (status, headers, body)
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        tokio::spawn(async move { axum::serve(listener, app).await });
        Self { addr, arrivals }
    }

    fn arrivals(&self) -> Vec<Instant> {
        self.arrivals
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    async fn wait_for(&self, n: usize, timeout: Duration) -> Vec<Instant> {
        let until = Instant::now() + timeout;
        while self.arrivals().len() < n && Instant::now() < until {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        self.arrivals()
    }
}

/// Sends `spans` spans to `endpoint` through an OTLP pipeline of its own
/// (batch delay 20 ms unless `configure` says otherwise), without a flush
/// (a flush makes every failure final).
fn send_spans(
    protocol: OtlpProtocol,
    endpoint: String,
    spans: usize,
    configure: impl FnOnce(coresdk::ConfigBuilder) -> coresdk::ConfigBuilder,
) -> coresdk::Guard {
    let builder = coresdk::Config::builder()
        .without_env()
        .without_config_file()
        .with_exporter(ExporterKind::Otlp)
        .with_otlp_protocol(protocol)
        .with_otlp_endpoint(endpoint)
        .with_batch_delay(Duration::from_millis(20));
    let config = configure(builder).build().expect("config");
    let (layer, guard) = coresdk::layer(config).expect("layer");
    let subscriber = tracing_subscriber::registry().with(layer);
    tracing::subscriber::with_default(subscriber, || {
        for _ in 0..spans {
            tracing::info_span!("exported").in_scope(|| {});
        }
    });
    guard
}

/// Sends one span to `collector` over OTLP/HTTP.
fn send_one_span(collector: &Collector) -> coresdk::Guard {
    let endpoint = format!("http://{}", collector.addr);
    send_spans(OtlpProtocol::HttpProtobuf, endpoint, 1, |builder| builder)
}

/// A partial success is final: the rejected spans count as failed, the rest
/// as exported, and the request is not sent again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_partial_success_counts_the_rejected_spans_and_is_not_retried() {
    let collector = Collector::start(vec![Answer::Partial(2)]).await;
    let endpoint = format!("http://{}", collector.addr);
    let guard = send_spans(OtlpProtocol::HttpProtobuf, endpoint, 3, |builder| {
        builder
            .with_batch_delay(Duration::from_mins(1))
            .with_metrics(false)
    });
    let flushed = tokio::task::spawn_blocking(move || {
        let flushed = guard.flush();
        (flushed, guard)
    })
    .await
    .expect("flush");
    let (flushed, guard) = flushed;
    assert!(flushed.is_ok(), "{flushed:?}");
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        collector.arrivals().len(),
        1,
        "a partial success was retried"
    );
    let stats = guard.stats();
    assert_eq!((stats.exported, stats.export_failed), (1, 2), "{stats:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_400_from_the_collector_is_not_retried() {
    let collector = Collector::start(vec![Answer::Status(400)]).await;
    let guard = send_one_span(&collector);
    assert_eq!(collector.wait_for(1, Duration::from_secs(5)).await.len(), 1);
    // Retried, the batch would be sent again after 100, 200, 400 ms, ...
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(
        collector.arrivals().len(),
        1,
        "a permanent error was retried"
    );
    let stats = guard.stats();
    assert_eq!(stats.export_failed, 1, "{stats:?}");
    assert_eq!(stats.exported, 0, "{stats:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_503_with_retry_after_is_retried_no_sooner_than_asked() {
    let collector = Collector::start(vec![
        Answer::Throttle {
            retry_after_secs: 1,
        },
        Answer::Ok,
    ])
    .await;
    let guard = send_one_span(&collector);
    let arrivals = collector.wait_for(2, Duration::from_secs(10)).await;
    assert_eq!(arrivals.len(), 2, "the throttled batch was not retried");
    let waited = arrivals[1] - arrivals[0];
    assert!(waited >= Duration::from_secs(1), "retried after {waited:?}");
    tokio::time::sleep(Duration::from_millis(100)).await;
    let stats = guard.stats();
    assert_eq!(stats.exported, 1, "{stats:?}");
    assert_eq!(stats.export_failed, 0, "{stats:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_502_is_retried_with_backoff() {
    let collector = Collector::start(vec![Answer::Status(502), Answer::Ok]).await;
    let guard = send_one_span(&collector);
    let arrivals = collector.wait_for(2, Duration::from_secs(5)).await;
    assert_eq!(arrivals.len(), 2, "a transient error was not retried");
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(guard.stats().exported, 1);
}

/// An OTLP/gRPC collector that answers every export with `code`.
#[derive(Clone)]
struct GrpcCollector {
    code: tonic::Code,
    arrivals: Arc<Mutex<Vec<Instant>>>,
}

#[tonic::async_trait]
impl opentelemetry_proto::tonic::collector::trace::v1::trace_service_server::TraceService
    for GrpcCollector
{
    async fn export(
        &self,
        _request: tonic::Request<
            opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest,
        >,
    ) -> Result<
        tonic::Response<
            opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceResponse,
        >,
        tonic::Status,
    > {
        self.arrivals
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(Instant::now());
        Err(tonic::Status::new(self.code, "scripted"))
    }
}

/// Starts a gRPC collector answering `code`; returns its endpoint and arrivals.
async fn grpc_collector(code: tonic::Code) -> (String, Arc<Mutex<Vec<Instant>>>) {
    use opentelemetry_proto::tonic::collector::trace::v1::trace_service_server::TraceServiceServer;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let arrivals = Arc::new(Mutex::new(Vec::new()));
    let service = GrpcCollector {
        code,
        arrivals: Arc::clone(&arrivals),
    };
    let incoming = futures_util::stream::unfold(listener, |listener| async move {
        let accepted = listener.accept().await.map(|(s, _)| s);
        Some((accepted, listener))
    });
    tokio::spawn(async move {
        tonic::transport::Server::builder()
            .add_service(TraceServiceServer::new(service))
            .serve_with_incoming(incoming)
            .await
    });
    (format!("http://{addr}"), arrivals)
}

fn send_one_span_grpc(endpoint: String) -> coresdk::Guard {
    send_spans(OtlpProtocol::Grpc, endpoint, 1, |builder| builder)
}

fn count(arrivals: &Mutex<Vec<Instant>>) -> usize {
    arrivals
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .len()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn grpc_invalid_argument_is_not_retried_and_unavailable_is() {
    let (rejecting, rejected) = grpc_collector(tonic::Code::InvalidArgument).await;
    let (busy, unavailable) = grpc_collector(tonic::Code::Unavailable).await;
    let rejecting = send_one_span_grpc(rejecting);
    let busy = send_one_span_grpc(busy);
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(count(&rejected), 1, "InvalidArgument was retried");
    assert_eq!(rejecting.stats().export_failed, 1);
    assert!(count(&unavailable) >= 3, "Unavailable was not retried");
    assert_eq!(busy.stats().export_failed, 0);
}

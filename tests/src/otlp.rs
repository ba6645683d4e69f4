//! An in-process OTLP trace receiver built on the official protobuf definitions
//! (`opentelemetry-proto`), speaking OTLP/gRPC (tonic) or OTLP/HTTP-protobuf
//! (axum) on 127.0.0.1. It runs on its own thread and runtime, so tests work
//! with any runtime flavour or none.
//!
//! gRPC trace requests are kept as received and decoded when a test reads
//! them: the receiver shares the machine with the pipeline under test, and
//! decoding every span as it arrives (an allocation per string) cost more
//! than the whole export side of the pipeline, which made throughput
//! benchmarks measure the receiver. A request that does not decode fails
//! the test that reads it.

use std::collections::BTreeMap;
use std::net::{SocketAddr, TcpListener as StdListener};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use opentelemetry_proto::tonic::collector::metrics::v1::metrics_service_server::{
    MetricsService, MetricsServiceServer,
};
use opentelemetry_proto::tonic::collector::metrics::v1::{
    ExportMetricsServiceRequest, ExportMetricsServiceResponse,
};
use opentelemetry_proto::tonic::collector::trace::v1::{
    ExportTraceServiceRequest, ExportTraceServiceResponse,
};
use opentelemetry_proto::tonic::common::v1::{AnyValue, KeyValue, any_value};
use opentelemetry_proto::tonic::metrics::v1::{metric, number_data_point};
use prost::Message as _;
use serde_json::Value;

/// Which OTLP transport the receiver speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    /// OTLP/gRPC.
    Grpc,
    /// OTLP/HTTP with protobuf bodies at `POST /v1/traces`.
    Http,
}

/// One received span, flattened for assertions.
#[derive(Debug, Clone, PartialEq)]
pub struct ReceivedSpan {
    /// Span name.
    pub name: String,
    /// Trace id, lowercase hex.
    pub trace_id: String,
    /// Span id, lowercase hex.
    pub span_id: String,
    /// Parent span id, lowercase hex; empty for a root.
    pub parent_span_id: String,
    /// OTLP span kind number (1 internal, 2 server, 3 client, ...).
    pub kind: i32,
    /// Span attributes as JSON values.
    pub attributes: BTreeMap<String, Value>,
    /// Resource attributes of the batch the span came in.
    pub resource: BTreeMap<String, Value>,
    /// Instrumentation scope name.
    pub scope: String,
    /// Status code (0 unset, 1 ok, 2 error).
    pub status_code: i32,
    /// Status message.
    pub status_message: String,
    /// Events: name and attributes.
    pub events: Vec<(String, BTreeMap<String, Value>)>,
    /// Start and end, in Unix nanoseconds.
    pub start_end_ns: (u64, u64),
}

impl ReceivedSpan {
    /// An attribute's value.
    pub fn attr(&self, key: &str) -> Option<&Value> {
        self.attributes.get(key)
    }

    /// An attribute's value as a string slice.
    pub fn attr_str(&self, key: &str) -> Option<&str> {
        self.attributes.get(key).and_then(Value::as_str)
    }
}

#[derive(Debug, Default)]
struct Store {
    /// gRPC trace requests not decoded yet, in arrival order.
    raw: Vec<bytes::Bytes>,
    requests: Vec<ExportTraceServiceRequest>,
    headers: Vec<BTreeMap<String, String>>,
    metrics: Vec<ExportMetricsServiceRequest>,
}

/// One data point of a received metric, flattened for assertions.
#[derive(Debug, Clone, PartialEq)]
pub struct ReceivedPoint {
    /// Data point attributes.
    pub attributes: BTreeMap<String, Value>,
    /// Sum value (counters) or histogram sum.
    pub value: f64,
    /// Histogram count (0 for sums).
    pub count: u64,
    /// Histogram bucket boundaries (empty for sums).
    pub bounds: Vec<f64>,
}

/// One received metric (the latest export of it wins), flattened.
#[derive(Debug, Clone, PartialEq)]
pub struct ReceivedMetric {
    /// Metric name.
    pub name: String,
    /// Unit.
    pub unit: String,
    /// `histogram` or `sum` (or `gauge`).
    pub kind: &'static str,
    /// Data points.
    pub points: Vec<ReceivedPoint>,
    /// Resource attributes.
    pub resource: BTreeMap<String, Value>,
}

type Shared = Arc<Mutex<Store>>;

fn lock(store: &Shared) -> std::sync::MutexGuard<'_, Store> {
    store.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The store with every trace request decoded.
fn decoded(store: &Shared) -> std::sync::MutexGuard<'_, Store> {
    let mut store = lock(store);
    let raw = std::mem::take(&mut store.raw);
    for body in raw {
        let request = ExportTraceServiceRequest::decode(body)
            .unwrap_or_else(|e| panic!("the receiver got a malformed OTLP/gRPC request: {e}"));
        store.requests.push(request);
    }
    store
}

/// Just enough of `ExportTraceServiceRequest` to count its spans: each span
/// stays an undecoded slice of the request.
mod count {
    #[derive(Clone, PartialEq, prost::Message)]
    pub(super) struct Request {
        #[prost(message, repeated, tag = "1")]
        pub(super) resource_spans: Vec<ResourceSpans>,
    }

    #[derive(Clone, PartialEq, prost::Message)]
    pub(super) struct ResourceSpans {
        #[prost(message, repeated, tag = "2")]
        pub(super) scope_spans: Vec<ScopeSpans>,
    }

    #[derive(Clone, PartialEq, prost::Message)]
    pub(super) struct ScopeSpans {
        #[prost(bytes = "bytes", repeated, tag = "2")]
        pub(super) spans: Vec<bytes::Bytes>,
    }
}

/// A running receiver. Dropping it stops the server.
#[derive(Debug)]
pub struct OtlpReceiver {
    addr: SocketAddr,
    transport: Transport,
    store: Shared,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl OtlpReceiver {
    /// Starts a receiver on a free loopback port.
    pub fn start(transport: Transport) -> Self {
        // Port 0: the OS picks the port at bind time. Asking for a free port
        // first and binding it after (`free_addr`) races with the other
        // tests binding ports meanwhile.
        let any_port = SocketAddr::from(([127, 0, 0, 1], 0));
        Self::start_on(transport, any_port).expect("bind a loopback port")
    }

    /// Starts a receiver on `addr` (e.g. to bring a "down" backend back up).
    pub fn start_on(transport: Transport, addr: SocketAddr) -> std::io::Result<Self> {
        let listener = StdListener::bind(addr)?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        let store: Shared = Arc::default();
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let thread_store = Arc::clone(&store);
        let thread = std::thread::Builder::new()
            .name(format!("otlp-receiver-{}", addr.port()))
            .spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("receiver runtime");
                rt.block_on(async move {
                    let listener =
                        tokio::net::TcpListener::from_std(listener).expect("tokio listener");
                    let stop = async {
                        let _ = stop_rx.await;
                    };
                    match transport {
                        Transport::Grpc => {
                            let incoming = tokio_stream_from(listener);
                            // HTTP/2 windows as a collector's: grpc-go (the
                            // OpenTelemetry Collector) grows them with the
                            // bandwidth-delay product; h2's 64 KiB default
                            // makes every batch of a few hundred spans wait
                            // on this thread for window updates.
                            let _ = tonic::transport::Server::builder()
                                .initial_stream_window_size(Some(4 << 20))
                                .initial_connection_window_size(Some(8 << 20))
                                .add_service(RawTraceServer {
                                    store: Arc::clone(&thread_store),
                                })
                                .add_service(MetricsServiceServer::new(GrpcService {
                                    store: thread_store,
                                }))
                                .serve_with_incoming_shutdown(incoming, stop)
                                .await;
                        }
                        Transport::Http => {
                            let app = axum::Router::new()
                                .route("/v1/traces", axum::routing::post(http_export))
                                .route("/v1/metrics", axum::routing::post(http_metrics))
                                .route("/{*path}", axum::routing::post(http_export))
                                .with_state(thread_store);
                            let _ = axum::serve(listener, app)
                                .with_graceful_shutdown(stop)
                                .await;
                        }
                    }
                });
            })?;
        Ok(Self {
            addr,
            transport,
            store,
            stop: Some(stop_tx),
            thread: Some(thread),
        })
    }

    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The transport it speaks.
    pub fn transport(&self) -> Transport {
        self.transport
    }

    /// `http://127.0.0.1:PORT`: the OTLP base endpoint.
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Every export request received so far.
    pub fn requests(&self) -> Vec<ExportTraceServiceRequest> {
        decoded(&self.store).requests.clone()
    }

    /// How many spans arrived so far, without decoding them (cheap enough to
    /// call after a throughput run of millions of spans).
    pub fn span_count(&self) -> usize {
        let store = lock(&self.store);
        let count = |request: &count::Request| -> usize {
            request
                .resource_spans
                .iter()
                .flat_map(|rs| &rs.scope_spans)
                .map(|ss| ss.spans.len())
                .sum()
        };
        let raw: usize = store
            .raw
            .iter()
            .map(|body| {
                count(&count::Request::decode(body.clone()).unwrap_or_else(|e| {
                    panic!("the receiver got a malformed OTLP/gRPC request: {e}")
                }))
            })
            .sum();
        let decoded: usize = store
            .requests
            .iter()
            .flat_map(|r| &r.resource_spans)
            .flat_map(|rs| &rs.scope_spans)
            .map(|ss| ss.spans.len())
            .sum();
        raw + decoded
    }

    /// The headers (gRPC metadata) of every request, lower-case names.
    pub fn headers(&self) -> Vec<BTreeMap<String, String>> {
        lock(&self.store).headers.clone()
    }

    /// Every span received so far, flattened.
    pub fn spans(&self) -> Vec<ReceivedSpan> {
        flatten(&decoded(&self.store).requests)
    }

    /// The latest export of every metric received so far.
    pub fn metrics(&self) -> Vec<ReceivedMetric> {
        let store = lock(&self.store);
        let mut latest: BTreeMap<String, ReceivedMetric> = BTreeMap::new();
        for request in &store.metrics {
            for rm in &request.resource_metrics {
                let resource = rm
                    .resource
                    .as_ref()
                    .map(|r| attributes(&r.attributes))
                    .unwrap_or_default();
                for sm in &rm.scope_metrics {
                    for m in &sm.metrics {
                        let (kind, points) = match &m.data {
                            Some(metric::Data::Histogram(h)) => (
                                "histogram",
                                h.data_points
                                    .iter()
                                    .map(|p| ReceivedPoint {
                                        attributes: attributes(&p.attributes),
                                        value: p.sum.unwrap_or_default(),
                                        count: p.count,
                                        bounds: p.explicit_bounds.clone(),
                                    })
                                    .collect(),
                            ),
                            Some(metric::Data::Sum(s)) => ("sum", number_points(&s.data_points)),
                            Some(metric::Data::Gauge(g)) => {
                                ("gauge", number_points(&g.data_points))
                            }
                            _ => ("other", Vec::new()),
                        };
                        latest.insert(
                            m.name.clone(),
                            ReceivedMetric {
                                name: m.name.clone(),
                                unit: m.unit.clone(),
                                kind,
                                points,
                                resource: resource.clone(),
                            },
                        );
                    }
                }
            }
        }
        latest.into_values().collect()
    }

    /// Waits until at least `n` spans arrived or `timeout` passed.
    pub fn wait_for_spans(&self, n: usize, timeout: Duration) -> Vec<ReceivedSpan> {
        let deadline = Instant::now() + timeout;
        loop {
            let spans = self.spans();
            if spans.len() >= n || Instant::now() >= deadline {
                return spans;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// Stops the server and waits for its thread.
    pub fn stop(mut self) {
        self.shutdown();
    }

    /// Stops the server and returns every span it received.
    pub fn stop_with_spans(mut self) -> Vec<ReceivedSpan> {
        self.shutdown();
        self.spans()
    }

    fn shutdown(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for OtlpReceiver {
    fn drop(&mut self) {
        self.shutdown();
    }
}

fn tokio_stream_from(
    listener: tokio::net::TcpListener,
) -> impl futures_core_stream::Stream<Item = std::io::Result<tokio::net::TcpStream>> {
    futures_core_stream::unfold(listener, |listener| async move {
        let accepted = listener.accept().await.map(|(s, _)| s);
        Some((accepted, listener))
    })
}

/// Minimal stream helpers, so the receiver needs no extra stream crate.
mod futures_core_stream {
    pub(crate) use futures_util::stream::{Stream, unfold};
}

#[derive(Debug)]
struct GrpcService {
    store: Shared,
}

/// The OTLP/gRPC trace service, keeping each request's bytes as received
/// (see the module docs). Written out because the generated server decodes
/// the request before the handler sees it.
#[derive(Debug, Clone)]
struct RawTraceServer {
    store: Shared,
}

impl tonic::server::NamedService for RawTraceServer {
    const NAME: &'static str = "opentelemetry.proto.collector.trace.v1.TraceService";
}

impl<B> tonic::codegen::Service<http::Request<B>> for RawTraceServer
where
    B: tonic::codegen::Body + Send + 'static,
    B::Error: Into<tonic::codegen::StdError> + Send + 'static,
{
    type Response = http::Response<tonic::body::Body>;
    type Error = std::convert::Infallible;
    type Future = tonic::codegen::BoxFuture<Self::Response, Self::Error>;

    fn poll_ready(
        &mut self,
        _cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Result<(), Self::Error>> {
        std::task::Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: http::Request<B>) -> Self::Future {
        let store = Arc::clone(&self.store);
        if req.uri().path() != "/opentelemetry.proto.collector.trace.v1.TraceService/Export" {
            return Box::pin(async { Ok(tonic::Status::unimplemented("only Export").into_http()) });
        }
        Box::pin(async move {
            let mut grpc = tonic::server::Grpc::new(RawCodec);
            Ok(grpc.unary(KeepRaw { store }, req).await)
        })
    }
}

/// The unary handler: stores the request's metadata and bytes.
struct KeepRaw {
    store: Shared,
}

impl tonic::server::UnaryService<bytes::Bytes> for KeepRaw {
    type Response = ExportTraceServiceResponse;
    type Future = tonic::codegen::BoxFuture<tonic::Response<Self::Response>, tonic::Status>;

    fn call(&mut self, request: tonic::Request<bytes::Bytes>) -> Self::Future {
        let store = Arc::clone(&self.store);
        Box::pin(async move {
            let headers = request
                .metadata()
                .clone()
                .into_headers()
                .iter()
                .map(|(k, v)| {
                    (
                        k.as_str().to_owned(),
                        v.to_str().unwrap_or_default().to_owned(),
                    )
                })
                .collect();
            let mut store = lock(&store);
            store.headers.push(headers);
            store.raw.push(request.into_inner());
            Ok(tonic::Response::new(ExportTraceServiceResponse {
                partial_success: None,
            }))
        })
    }
}

/// Decodes nothing: the request body as received; encodes the response.
#[derive(Debug, Clone, Copy)]
struct RawCodec;

impl tonic::codec::Codec for RawCodec {
    type Encode = ExportTraceServiceResponse;
    type Decode = bytes::Bytes;
    type Encoder = RawCodec;
    type Decoder = RawCodec;

    fn encoder(&mut self) -> Self::Encoder {
        *self
    }

    fn decoder(&mut self) -> Self::Decoder {
        *self
    }
}

impl tonic::codec::Encoder for RawCodec {
    type Item = ExportTraceServiceResponse;
    type Error = tonic::Status;

    fn encode(
        &mut self,
        item: Self::Item,
        dst: &mut tonic::codec::EncodeBuf<'_>,
    ) -> Result<(), Self::Error> {
        item.encode(dst)
            .map_err(|e| tonic::Status::internal(e.to_string()))
    }
}

impl tonic::codec::Decoder for RawCodec {
    type Item = bytes::Bytes;
    type Error = tonic::Status;

    fn decode(
        &mut self,
        src: &mut tonic::codec::DecodeBuf<'_>,
    ) -> Result<Option<Self::Item>, Self::Error> {
        use bytes::Buf as _;
        Ok(Some(src.copy_to_bytes(src.remaining())))
    }
}

fn number_points(
    points: &[opentelemetry_proto::tonic::metrics::v1::NumberDataPoint],
) -> Vec<ReceivedPoint> {
    points
        .iter()
        .map(|p| ReceivedPoint {
            attributes: attributes(&p.attributes),
            value: match p.value {
                Some(number_data_point::Value::AsDouble(d)) => d,
                Some(number_data_point::Value::AsInt(i)) => i as f64,
                None => 0.0,
            },
            count: 0,
            bounds: Vec::new(),
        })
        .collect()
}

#[tonic::async_trait]
impl MetricsService for GrpcService {
    async fn export(
        &self,
        request: tonic::Request<ExportMetricsServiceRequest>,
    ) -> Result<tonic::Response<ExportMetricsServiceResponse>, tonic::Status> {
        lock(&self.store).metrics.push(request.into_inner());
        Ok(tonic::Response::new(ExportMetricsServiceResponse {
            partial_success: None,
        }))
    }
}

async fn http_metrics(
    axum::extract::State(store): axum::extract::State<Shared>,
    body: bytes::Bytes,
) -> Result<(http::HeaderMap, Vec<u8>), (http::StatusCode, String)> {
    let request = ExportMetricsServiceRequest::decode(body)
        .map_err(|e| (http::StatusCode::BAD_REQUEST, e.to_string()))?;
    lock(&store).metrics.push(request);
    let mut out = http::HeaderMap::new();
    out.insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("application/x-protobuf"),
    );
    Ok((
        out,
        ExportMetricsServiceResponse {
            partial_success: None,
        }
        .encode_to_vec(),
    ))
}

async fn http_export(
    axum::extract::State(store): axum::extract::State<Shared>,
    headers: http::HeaderMap,
    body: bytes::Bytes,
) -> Result<(http::HeaderMap, Vec<u8>), (http::StatusCode, String)> {
    let request = ExportTraceServiceRequest::decode(body)
        .map_err(|e| (http::StatusCode::BAD_REQUEST, e.to_string()))?;
    {
        let mut store = lock(&store);
        store.headers.push(
            headers
                .iter()
                .map(|(k, v)| {
                    (
                        k.as_str().to_owned(),
                        v.to_str().unwrap_or_default().to_owned(),
                    )
                })
                .collect(),
        );
        store.requests.push(request);
    }
    let mut out = http::HeaderMap::new();
    out.insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("application/x-protobuf"),
    );
    Ok((
        out,
        ExportTraceServiceResponse {
            partial_success: None,
        }
        .encode_to_vec(),
    ))
}

/// A loopback port nothing listens on (bound once, then released), for a
/// backend that is down and may be brought up on it later.
///
/// Picked at random below the ephemeral ranges (Linux 32768–60999, macOS and
/// Windows 49152–65535): a port the OS handed out for port 0 could be handed
/// out again to another test's server while this one is still "down".
pub fn free_addr() -> SocketAddr {
    use std::hash::{BuildHasher as _, RandomState};
    static PICKS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    loop {
        let pick = PICKS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let random = RandomState::new().hash_one((pick, std::process::id()));
        let port = 20_000 + (random % 12_000) as u16;
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        if let Ok(listener) = StdListener::bind(addr) {
            return listener.local_addr().expect("local addr");
        }
    }
}

/// A server that accepts TCP connections and never answers: a stalled backend.
#[derive(Debug)]
pub struct StallingServer {
    addr: SocketAddr,
    stop: Arc<std::sync::atomic::AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl StallingServer {
    /// Starts on a free loopback port.
    pub fn start() -> Self {
        let listener = StdListener::bind("127.0.0.1:0").expect("bind");
        listener.set_nonblocking(true).expect("nonblocking");
        let addr = listener.local_addr().expect("addr");
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let thread_stop = Arc::clone(&stop);
        let thread = std::thread::spawn(move || {
            let mut held = Vec::new();
            while !thread_stop.load(std::sync::atomic::Ordering::Relaxed) {
                match listener.accept() {
                    // Held open, never read from or written to.
                    Ok((socket, _)) => held.push(socket),
                    Err(_) => std::thread::sleep(Duration::from_millis(5)),
                }
            }
        });
        Self {
            addr,
            stop,
            thread: Some(thread),
        }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }
}

impl Drop for StallingServer {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn flatten(requests: &[ExportTraceServiceRequest]) -> Vec<ReceivedSpan> {
    let mut out = Vec::new();
    for request in requests {
        for rs in &request.resource_spans {
            let resource = rs
                .resource
                .as_ref()
                .map(|r| attributes(&r.attributes))
                .unwrap_or_default();
            for ss in &rs.scope_spans {
                let scope = ss
                    .scope
                    .as_ref()
                    .map(|s| s.name.clone())
                    .unwrap_or_default();
                for span in &ss.spans {
                    let status = span.status.clone().unwrap_or_default();
                    out.push(ReceivedSpan {
                        name: span.name.clone(),
                        trace_id: hex(&span.trace_id),
                        span_id: hex(&span.span_id),
                        parent_span_id: hex(&span.parent_span_id),
                        kind: span.kind,
                        attributes: attributes(&span.attributes),
                        resource: resource.clone(),
                        scope: scope.clone(),
                        status_code: status.code,
                        status_message: status.message,
                        events: span
                            .events
                            .iter()
                            .map(|e| (e.name.clone(), attributes(&e.attributes)))
                            .collect(),
                        start_end_ns: (span.start_time_unix_nano, span.end_time_unix_nano),
                    });
                }
            }
        }
    }
    out
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes.iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

/// OTLP key-values as a JSON map.
pub fn attributes(kvs: &[KeyValue]) -> BTreeMap<String, Value> {
    kvs.iter()
        .map(|kv| (kv.key.clone(), any_value(kv.value.as_ref())))
        .collect()
}

fn any_value(v: Option<&AnyValue>) -> Value {
    match v.and_then(|v| v.value.as_ref()) {
        Some(any_value::Value::StringValue(s)) => Value::String(s.clone()),
        Some(any_value::Value::BoolValue(b)) => Value::Bool(*b),
        Some(any_value::Value::IntValue(i)) => Value::from(*i),
        Some(any_value::Value::DoubleValue(d)) => Value::from(*d),
        Some(any_value::Value::ArrayValue(a)) => {
            Value::Array(a.values.iter().map(|v| any_value(Some(v))).collect())
        }
        Some(any_value::Value::KvlistValue(l)) => Value::Object(
            l.values
                .iter()
                .map(|kv| (kv.key.clone(), any_value(kv.value.as_ref())))
                .collect(),
        ),
        Some(any_value::Value::BytesValue(b)) => Value::String(hex(b)),
        Some(any_value::Value::StringValueStrindex(i)) => Value::String(format!("<strindex {i}>")),
        None => Value::Null,
    }
}

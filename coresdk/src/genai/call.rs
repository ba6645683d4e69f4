//! [`GenAiCall`]: the driver of one model call. A provider hands it plain
//! data — where the call goes ([`Endpoint`]), what was asked
//! ([`RequestSummary`]), what came back ([`Outcome`]) — and the driver owns
//! the span: it starts it, polls the provider's future inside it, records the
//! outcome and ends it, or records `coresdk.cancelled` when the caller drops
//! the call first. Streams continue in a [`StreamCall`](super::StreamCall).

use std::cell::Cell;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};

use opentelemetry::{KeyValue, StringValue};

use super::attributes::HTTP_RESPONSE_STATUS_CODE;
use super::error::CallError;
use super::message::{ChatRequest, ChatResponse, EmbeddingsRequest, EmbeddingsResponse, Usage};
use super::operation::{Operation, Provider};
use super::recorder::latest_attribute;
use super::settings::GenAiSettings;
use super::span::GenAiSpan;
use super::stream::{StreamCall, StreamMapping, TextLayout};

/// The server a call went to (`server.address`, `server.port`). Cheap to
/// clone: a client keeps one and every call records it without a copy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Server {
    address: StringValue,
    port: Option<u16>,
}

impl Server {
    /// A server host name or address and its port.
    pub fn new(address: impl Into<Arc<str>>, port: Option<u16>) -> Self {
        Self {
            address: StringValue::from(address.into()),
            port,
        }
    }

    /// The host name or address.
    pub fn address(&self) -> &str {
        self.address.as_str()
    }

    /// The port, when known.
    pub fn port(&self) -> Option<u16> {
        self.port
    }
}

/// Who a client calls: the provider, the server when it is known up front,
/// and the settings its calls record with (the process-wide ones if none).
#[derive(Debug, Clone)]
pub struct Endpoint {
    provider: Provider,
    server: Option<Server>,
    settings: Option<Arc<GenAiSettings>>,
}

impl Endpoint {
    /// Calls to `provider`, with the installed [settings](super::settings).
    pub fn new(provider: Provider) -> Self {
        Self {
            provider,
            server: None,
            settings: None,
        }
    }

    /// The server every call goes to.
    #[must_use]
    pub fn with_server(mut self, server: Server) -> Self {
        self.server = Some(server);
        self
    }

    /// Settings of this endpoint's calls instead of the process-wide ones.
    #[must_use]
    pub fn with_settings(mut self, settings: Arc<GenAiSettings>) -> Self {
        self.settings = Some(settings);
        self
    }

    /// The settings this endpoint's calls record with.
    pub fn settings(&self) -> Arc<GenAiSettings> {
        self.settings.clone().unwrap_or_else(super::settings)
    }

    /// Starts one call: a CLIENT span `{operation} {model}`, child of the
    /// current span. `request` describes the request and is only asked for
    /// when the span is recorded; its argument says whether message content
    /// is captured (when not, content may be left out).
    pub fn start(
        &self,
        operation: Operation,
        model: &str,
        request: impl FnOnce(bool) -> RequestSummary,
    ) -> GenAiCall {
        // The process-wide settings are only read when the span is recorded.
        let mut span = match &self.settings {
            Some(settings) => {
                GenAiSpan::start_with_settings(self.provider, operation, model, settings.clone())
            }
            None => GenAiSpan::start(self.provider, operation, model),
        };
        if span.is_recording() {
            if let Some(server) = &self.server {
                span.set_server_address(server.address.clone(), server.port);
            }
            let summary = request(span.captures_content());
            record_request(&mut span, summary);
        }
        GenAiCall { span, wire: None }
    }
}

/// What a provider's transport hook saw of the response to the call being
/// polled (of its last attempt, when the client retried).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WireObservation {
    /// The response's HTTP status.
    pub status: Option<u16>,
    /// Token counts the response headers carried.
    pub usage: Usage,
}

thread_local! {
    /// The observation of the wire-watching call being polled on this thread.
    /// Calls are matched to responses by where the hook runs — inside the
    /// poll of the call's own future — so nothing is allocated, locked or
    /// looked up per call, and calls that do not watch pay nothing.
    static WATCHED: Cell<Option<WireObservation>> = const { Cell::new(None) };
}

/// Puts the outer call's observation back, also when a poll unwinds.
struct RestoreWatched(Option<WireObservation>);

impl Drop for RestoreWatched {
    fn drop(&mut self) {
        WATCHED.set(self.0);
    }
}

/// For a provider's transport hook (an HTTP interceptor or middleware that
/// runs inside the request future): notes what the response showed for the
/// call being polled on this thread, if it [watches the
/// wire](GenAiCall::watch_wire). `observe` runs only then, so responses of
/// untraced or unrecorded calls cost one thread-local read.
pub fn observe_response(observe: impl FnOnce() -> WireObservation) {
    WATCHED.with(|slot| {
        if slot.get().is_some() {
            slot.set(Some(observe()));
        }
    });
}

/// What was asked, in the neutral model.
// Not boxed: one value per call, moved once into the recorder; a box would
// add an allocation to every call.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub enum Request {
    /// A chat or text-completion request.
    Chat(ChatRequest),
    /// An embeddings request.
    Embeddings(EmbeddingsRequest),
    /// A request the provider could not describe (only its operation is known).
    #[default]
    Opaque,
}

/// The request side of one call, as plain data.
#[derive(Debug, Clone, Default)]
pub struct RequestSummary {
    /// The request in the neutral model.
    pub request: Request,
    /// Provider-specific request attributes (keys from
    /// [`attributes`](super::attributes)).
    pub attributes: Vec<KeyValue>,
}

impl RequestSummary {
    /// A summary of `request` alone.
    pub fn new(request: Request) -> Self {
        Self {
            request,
            attributes: Vec::new(),
        }
    }
}

/// What came back, in the neutral model.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub enum Response {
    /// A chat response.
    Chat(ChatResponse),
    /// An embeddings response.
    Embeddings(EmbeddingsResponse),
    /// Nothing to record (a failure, or a body the provider could not read).
    #[default]
    None,
}

/// The outcome of one call (or of opening a stream), as plain data.
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    /// The response.
    pub response: Response,
    /// The server the call went to, when only the call showed it.
    pub server: Option<Server>,
    /// The HTTP status observed (recorded unless `error` carries one).
    pub http_status: Option<u16>,
    /// Provider-specific response attributes (keys from
    /// [`attributes`](super::attributes)).
    pub attributes: Vec<KeyValue>,
    /// The failure, when the call failed.
    pub error: Option<CallError>,
}

impl Outcome {
    /// A successful call's outcome.
    pub fn response(response: Response) -> Self {
        Self {
            response,
            ..Self::default()
        }
    }

    /// A failed call's outcome.
    pub fn error(error: CallError) -> Self {
        Self {
            error: Some(error),
            ..Self::default()
        }
    }
}

/// One model call in flight; from [`Endpoint::start`].
///
/// [`run`](Self::run) drives a request future to its outcome;
/// [`open`](Self::open) drives one whose success continues as a stream.
/// Dropped before its outcome is recorded, the call ends with
/// `coresdk.cancelled = true`.
#[must_use = "the call's span ends when dropped"]
pub struct GenAiCall {
    span: GenAiSpan,
    /// `Some` while the call watches the wire: what the transport hook saw.
    wire: Option<WireObservation>,
}

impl fmt::Debug for GenAiCall {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GenAiCall")
            .field("span", &self.span)
            .field("wire", &self.wire)
            .finish()
    }
}

impl GenAiCall {
    /// Whether the call is recorded (CoreSDK's layer samples its span).
    /// Providers can skip describing outcomes when it is not.
    pub fn is_recording(&self) -> bool {
        self.span.is_recording()
    }

    /// The provider's responses name no model: record the requested model
    /// as the response model (see [`GenAiSpan::set_request_model_answers`]).
    pub fn with_request_model_as_response_model(mut self) -> Self {
        self.span.set_request_model_answers();
        self
    }

    /// Whether message content is recorded.
    pub fn captures_content(&self) -> bool {
        self.span.captures_content()
    }

    /// The call's `tracing` span.
    pub fn span(&self) -> &tracing::Span {
        self.span.span()
    }

    /// Collects what the provider's transport hook reports with
    /// [`observe_response`] while the driver polls the call's future (only
    /// when the call is recorded). The observed status is recorded unless the
    /// outcome or its error gives one; [`wire`](Self::wire) reads the rest.
    pub fn watch_wire(mut self) -> Self {
        if self.span.is_recording() {
            self.wire = Some(WireObservation::default());
        }
        self
    }

    /// What the transport hook observed so far (nothing unless the call
    /// [watches the wire](Self::watch_wire)).
    pub fn wire(&self) -> WireObservation {
        self.wire.unwrap_or_default()
    }

    /// Polls `future` inside the call's span, then records what `outcome`
    /// makes of its result (asked only when recording; its `bool` says
    /// whether content is captured) and ends the call.
    pub fn run<T, E, F, O>(self, future: F, outcome: O) -> Run<F, O>
    where
        F: Future<Output = Result<T, E>>,
        O: FnOnce(&Result<T, E>, bool) -> Outcome,
    {
        Run {
            open: self.open(future),
            outcome: Some(outcome),
        }
    }

    /// Polls `future` inside the call's span and hands the call back with its
    /// output, to [`finish`](Self::finish) or continue as a
    /// [`stream`](Self::stream).
    pub fn open<F: Future>(self, future: F) -> Open<F> {
        Open {
            call: Some(self),
            inner: Some(future),
        }
    }

    /// The outcome with the observed status when it has none of its own.
    fn observed(&self, mut outcome: Outcome) -> Outcome {
        if outcome.http_status.is_none() {
            outcome.http_status = self.wire.and_then(|w| w.status);
        }
        outcome
    }

    /// Records `outcome` and ends the call.
    pub fn finish(mut self, outcome: Outcome) {
        let outcome = self.observed(outcome);
        record_outcome(&mut self.span, outcome);
        self.span.end();
    }

    /// Polls `future`, which opens a stream, inside the call's span. On
    /// success the call continues as a [`stream`](Self::stream) folded by
    /// `mapping`, handed back with the stream; on failure it ends. Either way
    /// `outcome` (asked only when recording) describes what opening showed.
    pub fn open_stream<T, E, F, O, M>(
        self,
        future: F,
        outcome: O,
        layout: TextLayout,
        mapping: M,
    ) -> OpenStream<F, O, M>
    where
        F: Future<Output = Result<T, E>>,
        O: FnOnce(&Result<T, E>) -> Outcome,
        M: StreamMapping,
    {
        OpenStream {
            open: self.open(future),
            then: Some((outcome, layout, mapping)),
        }
    }

    /// Records what opening the stream showed (`outcome`: server, status,
    /// attributes) and continues the call as a stream folded by `mapping`
    /// into one response; the call ends with the stream.
    pub fn stream<M: StreamMapping>(
        mut self,
        outcome: Outcome,
        layout: TextLayout,
        mapping: M,
    ) -> StreamCall<M> {
        let outcome = self.observed(outcome);
        record_outcome(&mut self.span, outcome);
        StreamCall::new(self.span, layout, mapping)
    }
}

fn record_request(span: &mut GenAiSpan, summary: RequestSummary) {
    match &summary.request {
        Request::Chat(request) => span.record_chat_request(request),
        Request::Embeddings(request) => span.record_embeddings_request(request),
        Request::Opaque => {}
    }
    push_provider_attributes(span, summary.attributes);
}

/// Records provider attributes, under their latest names when the span
/// follows the latest conventions.
fn push_provider_attributes(span: &mut GenAiSpan, attributes: Vec<KeyValue>) {
    let latest = span
        .recording_settings()
        .is_some_and(GenAiSettings::latest_conventions);
    for kv in attributes {
        if latest {
            if let Some(kv) = latest_attribute(kv) {
                span.push_attribute(kv);
            }
        } else {
            span.push_attribute(kv);
        }
    }
}

/// Records an outcome on the span (a no-op when it is not recording).
pub(crate) fn record_outcome(span: &mut GenAiSpan, outcome: Outcome) {
    if !span.is_recording() {
        return;
    }
    let Outcome {
        response,
        server,
        http_status,
        attributes,
        error,
    } = outcome;
    if let Some(server) = server {
        span.set_server_address(server.address, server.port);
    }
    push_provider_attributes(span, attributes);
    if let Some(status) = http_status
        && error.as_ref().is_none_or(|e| e.status().is_none())
    {
        span.push_attribute(KeyValue::new(HTTP_RESPONSE_STATUS_CODE, i64::from(status)));
    }
    match &response {
        Response::Chat(response) => span.record_chat_response(response),
        Response::Embeddings(response) => span.record_embeddings_response(response),
        Response::None => {}
    }
    if let Some(error) = &error {
        span.record_error(error);
    }
}

pin_project_lite::pin_project! {
    /// The future of [`GenAiCall::open`]: the provider's future polled
    /// inside the call's span. It drops the finished future during its last
    /// poll, so dropping it does not enter the span again; a future dropped
    /// unfinished is dropped inside the span and the call is cancelled.
    #[must_use = "futures do nothing unless polled"]
    pub struct Open<F> {
        call: Option<GenAiCall>,
        #[pin]
        inner: Option<F>,
    }

    impl<F> PinnedDrop for Open<F> {
        fn drop(this: Pin<&mut Self>) {
            let mut this = this.project();
            if this.inner.is_some()
                && let Some(call) = this.call.as_ref()
            {
                let _entered = call.span().enter();
                this.inner.set(None);
            }
        }
    }
}

impl<F: Future> Future for Open<F> {
    type Output = (F::Output, GenAiCall);

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut this = self.project();
        // Polled again after completion: nothing more will come.
        let (Some(inner), Some(call)) = (this.inner.as_mut().as_pin_mut(), this.call.as_mut())
        else {
            return Poll::Pending;
        };
        let output = {
            let _entered = call.span.span().enter();
            let poll = match call.wire {
                None => inner.poll(cx),
                Some(wire) => {
                    // This call's observation is the thread's while its
                    // future runs (the previous one is put back: an outer
                    // call may be polling this one).
                    let outer = RestoreWatched(WATCHED.replace(Some(wire)));
                    let poll = inner.poll(cx);
                    call.wire = WATCHED.get().or(call.wire);
                    drop(outer);
                    poll
                }
            };
            let output = ready!(poll);
            this.inner.set(None);
            output
        };
        match this.call.take() {
            Some(call) => Poll::Ready((output, call)),
            None => Poll::Pending,
        }
    }
}

pin_project_lite::pin_project! {
    /// The future of [`GenAiCall::run`]: the call's outcome is recorded when
    /// the provider's future completes.
    #[must_use = "futures do nothing unless polled"]
    pub struct Run<F, O> {
        #[pin]
        open: Open<F>,
        outcome: Option<O>,
    }
}

impl<T, E, F, O> Future for Run<F, O>
where
    F: Future<Output = Result<T, E>>,
    O: FnOnce(&Result<T, E>, bool) -> Outcome,
{
    type Output = Result<T, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let (result, call) = ready!(this.open.poll(cx));
        let outcome = match this.outcome.take() {
            Some(outcome) if call.is_recording() => outcome(&result, call.captures_content()),
            _ => Outcome::default(),
        };
        call.finish(outcome);
        Poll::Ready(result)
    }
}

pin_project_lite::pin_project! {
    /// The future of [`GenAiCall::open_stream`] (a named future, so the
    /// provider's future is stored once, not beside its own argument).
    #[must_use = "futures do nothing unless polled"]
    pub struct OpenStream<F, O, M> {
        #[pin]
        open: Open<F>,
        then: Option<(O, TextLayout, M)>,
    }
}

impl<T, E, F, O, M> Future for OpenStream<F, O, M>
where
    F: Future<Output = Result<T, E>>,
    O: FnOnce(&Result<T, E>) -> Outcome,
    M: StreamMapping,
{
    type Output = Result<(T, StreamCall<M>), E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let (result, call) = ready!(this.open.poll(cx));
        let Some((outcome, layout, mapping)) = this.then.take() else {
            return Poll::Pending;
        };
        let outcome = if call.is_recording() {
            outcome(&result)
        } else {
            Outcome::default()
        };
        Poll::Ready(match result {
            Ok(output) => Ok((output, call.stream(outcome, layout, mapping))),
            Err(error) => {
                call.finish(outcome);
                Err(error)
            }
        })
    }
}

impl<F, O, M> fmt::Debug for OpenStream<F, O, M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OpenStream")
            .field("open", &self.open)
            .finish_non_exhaustive()
    }
}

impl<F, O> fmt::Debug for Run<F, O> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Run")
            .field("open", &self.open)
            .finish_non_exhaustive()
    }
}

impl<F> fmt::Debug for Open<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Open")
            .field("call", &self.call)
            .field("finished", &self.inner.is_none())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::pin::pin;
    use std::task::Waker;

    use opentelemetry_sdk::trace::SpanData;

    use super::*;
    use crate::genai::attributes::{
        CORESDK_CANCELLED, ERROR_TYPE, GEN_AI_RESPONSE_MODEL, HTTP_RESPONSE_STATUS_CODE,
        SERVER_ADDRESS, SERVER_PORT,
    };
    use crate::genai::{CallErrorKind, ChunkAccumulator};

    fn capture<F: FnOnce()>(f: F) -> Vec<SpanData> {
        crate::testing::capture_spans(f)
    }

    fn attrs(span: &SpanData) -> BTreeMap<String, String> {
        crate::testing::attribute_map(span)
    }

    fn endpoint() -> Endpoint {
        Endpoint::new(Provider::OPENAI)
            .with_server(Server::new("models.internal", Some(8443)))
            .with_settings(Arc::new(GenAiSettings::builder().build()))
    }

    #[test]
    fn run_polls_inside_the_span_and_records_the_outcome() {
        let spans = capture(|| {
            let call = endpoint().start(Operation::Chat, "m", |_| RequestSummary::default());
            let future = call.run(
                async {
                    tracing::info_span!("http").in_scope(|| {});
                    Err::<(), _>("boom")
                },
                |result, _| Outcome {
                    response: Response::Chat(ChatResponse {
                        model: Some("m-1".into()),
                        ..ChatResponse::default()
                    }),
                    http_status: Some(503),
                    error: result
                        .err()
                        .map(|e| CallError::new(super::super::CallErrorKind::Other, e)),
                    ..Outcome::default()
                },
            );
            let mut future = pin!(future);
            let poll = future
                .as_mut()
                .poll(&mut Context::from_waker(Waker::noop()));
            assert_eq!(poll, Poll::Ready(Err("boom")));
        });
        let [http, chat] = &spans[..] else {
            panic!("two spans: {spans:?}");
        };
        assert_eq!(http.parent_span_id, chat.span_context.span_id());
        let a = attrs(chat);
        assert_eq!(a[SERVER_ADDRESS], "models.internal");
        assert_eq!(a[SERVER_PORT], "8443");
        assert_eq!(a[GEN_AI_RESPONSE_MODEL], "m-1");
        // The error has no status of its own: the observed one is recorded.
        assert_eq!(a[HTTP_RESPONSE_STATUS_CODE], "503");
        assert_eq!(a[ERROR_TYPE], "other");
        assert!(!a.contains_key(CORESDK_CANCELLED));
    }

    #[test]
    fn a_watching_call_gets_what_the_transport_hook_saw_in_its_future() {
        let seen = WireObservation {
            status: Some(201),
            usage: Usage {
                input_tokens: Some(7),
                ..Usage::default()
            },
        };
        let spans = capture(|| {
            // Outside any watching call the hook's closure is not even run.
            observe_response(|| panic!("no call watches the wire"));
            let call = endpoint().start(Operation::Chat, "m", |_| RequestSummary::default());
            let future = call.watch_wire().open(async move {
                observe_response(|| seen);
                Ok::<_, ()>(())
            });
            let mut future = pin!(future);
            let Poll::Ready((result, call)) = future
                .as_mut()
                .poll(&mut Context::from_waker(Waker::noop()))
            else {
                panic!("the future is ready");
            };
            assert_eq!(result, Ok(()));
            assert_eq!(call.wire(), seen);
            call.finish(Outcome::default());
            // The slot was handed back: nothing watches any more.
            observe_response(|| panic!("the call has finished"));
        });
        assert_eq!(attrs(&spans[0])[HTTP_RESPONSE_STATUS_CODE], "201");
    }

    /// Words as stream events; `oops` reports a failure of its own.
    struct Words<const ENDS_ON_ERROR: bool>;

    impl<const ENDS: bool> StreamMapping for Words<ENDS> {
        type Event = str;
        type Error = str;
        const ENDS_ON_ERROR: bool = ENDS;

        fn event(&mut self, word: &str, acc: &mut ChunkAccumulator) -> bool {
            acc.text(0, 0, word);
            true
        }

        fn event_error(&self, word: &str) -> Option<CallError> {
            (word == "oops")
                .then(|| CallError::new(CallErrorKind::Stream, word).with_error_type(word))
        }

        fn error(&self, error: &str) -> CallError {
            CallError::new(CallErrorKind::Stream, error).with_error_type(error)
        }
    }

    #[test]
    fn a_stream_error_ends_the_call_when_the_mapping_says_so() {
        let spans = capture(|| {
            let call = endpoint().start(Operation::Chat, "m", |_| RequestSummary::default());
            let mut stream = call.stream(Outcome::default(), TextLayout::Blocks, Words::<true>);
            stream.item(Some(Ok("hi")));
            stream.item(Some(Err("cut")));
            assert!(!stream.is_recording(), "the error ended the call");
        });
        let a = attrs(&spans[0]);
        assert_eq!(a[ERROR_TYPE], "cut");
        assert!(!a.contains_key(CORESDK_CANCELLED));
    }

    #[test]
    fn an_event_reporting_a_failure_fails_the_call_which_goes_on() {
        let spans = capture(|| {
            let call = endpoint().start(Operation::Chat, "m", |_| RequestSummary::default());
            let mut stream = call.stream(Outcome::default(), TextLayout::Blocks, Words::<false>);
            stream.item(Some(Ok("oops")));
            assert!(stream.is_recording(), "the failure does not end the call");
        });
        let a = attrs(&spans[0]);
        assert_eq!(a[ERROR_TYPE], "oops");
        assert_eq!(a[CORESDK_CANCELLED], "true");
    }

    #[test]
    fn dropping_an_unfinished_call_cancels_it() {
        let spans = capture(|| {
            let call = endpoint().start(Operation::Chat, "m", |_| RequestSummary::default());
            let mut open = Box::pin(call.open(std::future::pending::<()>()));
            let poll = open.as_mut().poll(&mut Context::from_waker(Waker::noop()));
            assert!(poll.is_pending());
        });
        assert_eq!(attrs(&spans[0])[CORESDK_CANCELLED], "true");
    }
}

//! GenAI semantic conventions shared by every provider instrumentation.
//!
//! Provider crates translate their SDK types into this module's neutral model
//! ([`ChatRequest`], [`Message`], [`ToolCall`], [`Usage`], ...) and hand it to
//! the call driver; attribute naming, content capture, truncation, cost and
//! the span's lifecycle live here, once.
//!
//! ## The call driver
//!
//! A client keeps an [`Endpoint`] (provider, server, settings). Each call:
//!
//! 1. [`Endpoint::start`] with the operation, the model and a closure giving
//!    the [`RequestSummary`] (asked only when the span is recorded);
//! 2. [`GenAiCall::run`] with the provider's request future and a closure
//!    turning its result into an [`Outcome`] (response, observed server and
//!    HTTP status, provider attributes, [`CallError`]); the future is polled
//!    inside the span, and dropping it cancels the call;
//! 3. for a stream, [`GenAiCall::open_stream`] with a [`StreamMapping`] that
//!    folds each event into the [`ChunkAccumulator`] and maps the stream's
//!    errors; a provider's `futures` stream is wrapped whole in a
//!    [`TracedStream`], any other reader hands each read to
//!    [`StreamCall::item`].
//!
//! A provider whose HTTP layer has a hook (an interceptor, a middleware)
//! can let the driver record the status it observed: the call
//! [watches the wire](GenAiCall::watch_wire) and the hook, which runs inside
//! the call's future, reports with [`observe_response`].
//!
//! A new provider API is therefore a request translation, an outcome
//! translation, and for streams one event mapping: no span calls.
//! [`GenAiSpan`] remains for calls that fit no driver shape.
//!
//! Application steps around the model calls have their own spans:
//! [`RetrievalSpan`] (`retrieval {data_source}`) and [`ToolSpan`]
//! (`execute_tool {name}`), sharing the same capture and truncation rules.
//!
//! Settings (content capture, `content_max_chars`, message format, prices) are
//! process-wide: the pipeline setup installs them with [`set_settings`] and
//! every span reads them through [`settings`] when it starts.

pub mod attributes;
mod call;
mod capture;
mod error;
mod facts;
mod keys;
mod message;
mod operation;
mod param;
mod pricing;
mod pricing_file;
mod recorder;
mod retrieval;
mod settings;
mod span;
mod stream;
mod summary;
mod tool;

pub use call::{
    Endpoint, GenAiCall, Open, OpenStream, Outcome, Request, RequestSummary, Response, Run, Server,
    WireObservation, observe_response,
};
pub use capture::{TRUNCATION_MARKER, captured, truncate_content};
pub use error::{CallError, CallErrorKind, PROBLEM_TYPE_BASE, recovery};
pub use message::{
    ChatRequest, ChatResponse, Completion, ContentPart, EmbeddingsRequest, EmbeddingsResponse,
    FinishReason, Media, MediaSource, Message, OutputType, Role, ToolCall, ToolDefinition, Usage,
};
pub use operation::{Operation, Provider};
pub use param::f32_param;
pub use pricing::{ModelPrice, PricingTable};
pub use pricing_file::{PricingFileError, pricing_from_config};
pub use retrieval::{RetrievalSpan, RetrievedDocument};
pub use settings::{
    DEFAULT_CONTENT_MAX_CHARS, GenAiSettings, GenAiSettingsBuilder, set_settings, settings,
};
pub use span::GenAiSpan;
pub use stream::{ChunkAccumulator, StreamCall, StreamMapping, TextLayout, TracedStream};
pub(crate) use summary::CallSummary;
pub use tool::{ToolSpan, ToolType};

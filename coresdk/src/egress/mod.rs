//! LLM diagnostic egress: the value-free payload of a failed trace, the Rego
//! egress gate, and the sinks (the local socket read by the `core` CLI, and an
//! opt-in external OpenAI-compatible endpoint).
//!
//! ```text
//! LlmDiagnostic (worker) ──try_send──► egress thread: truncate ─► policy ─► socket
//!                                                                  └─ allow + endpoint ─► LLM ─► socket (analysis)
//! ```

mod cloudevent;
mod llm;
mod payload;
mod policy;
mod sink;
mod socket;
mod span_record;
pub mod viewer;

pub use cloudevent::{
    CloudEvent, SPEC_VERSION, TYPE_LLM_ANALYSIS, TYPE_LLM_DIAGNOSTIC, TYPE_LLM_EGRESS_DENIED,
    TYPE_TRACE_SPAN,
};
pub use llm::{LlmClient, LlmError, MAX_RETRIES, SYSTEM_PROMPT};
pub use payload::{
    ChainEntry, DiagnosticPayload, EgressDecision, Frame, MIN_PAYLOAD_BYTES, ProblemDetail,
    SDK_VERSION,
};
pub use policy::{ALLOW_RULE, EgressPolicy, PolicyDecision, PolicyError};
pub use sink::{DEFAULT_QUEUE, EgressCounts, MAX_REQUESTS_IN_FLIGHT};
pub(crate) use sink::{EgressSink, SinkSettings};
pub use socket::{
    DEFAULT_BACKLOG_EVENTS, RECONNECT_INTERVAL, SOCKET_FILE_NAME, SocketError, bind_listener,
    default_socket_path, resolve_socket_path,
};
pub use span_record::{SpanEventRecord, SpanRecord};

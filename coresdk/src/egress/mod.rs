//! LLM diagnostic egress: the value-free payload of a failed trace, the Rego
//! egress gate, and the sinks (the local socket read by the `core` CLI, and an
//! opt-in external OpenAI-compatible endpoint).
//!
//! ```text
//! LlmDiagnostic (worker) ──try_send──► egress thread: truncate ─► policy ─► socket
//!                                                                  └─ allow + endpoint ─► LLM ─► socket (analysis)
//! ```
//!
//! - **Payload** ([`DiagnosticPayload`]): built only when `llm_export.enabled`,
//!   from a whitelist of structural span fields; at most
//!   `llm_export.max_payload_bytes` of JSON (middle frames elided first).
//! - **Gate** ([`EgressPolicy`]): `llm_export.customer_egress_policy` names the
//!   Rego package (`acme/llm` → `data.acme.llm.allow`), `llm_export.policy_file`
//!   / `CORESDK_LLM_EGRESS_POLICY` the file. Bad files fail setup; at run time
//!   anything but `true` denies.
//! - **Local socket**: CloudEvents JSON lines ([`TYPE_TRACE_SPAN`] for every
//!   span, whether or not LLM export is on; [`TYPE_LLM_DIAGNOSTIC`],
//!   [`TYPE_LLM_EGRESS_DENIED`], [`TYPE_LLM_ANALYSIS`]) to `CORESDK_SOCKET` or
//!   [`default_socket_path`]. The `core` CLI listens there
//!   (`core trace tail`, `core llm tail`, side by side: every listener gets
//!   every event); events wait in bounded backlogs while nobody listens
//!   (payloads in their own), and only a listener running as the same user,
//!   in a directory only that user can write, is used. Unix only: elsewhere
//!   no local events are written and listening fails with
//!   [`SocketError::Unsupported`].
//! - **External LLM** ([`LlmClient`]): only with `CORESDK_LLM_ENDPOINT` /
//!   `llm_export.endpoint`; an OpenAI-compatible chat-completions POST whose
//!   user message is the payload JSON.

mod cloudevent;
mod detail_template;
mod llm;
mod payload;
mod payload_counts;
mod policy;
mod sink;
mod socket;
mod span_record;
mod terminal;
pub mod viewer;

pub use cloudevent::{
    CloudEvent, SPEC_VERSION, TYPE_LLM_ANALYSIS, TYPE_LLM_DIAGNOSTIC, TYPE_LLM_EGRESS_DENIED,
    TYPE_TRACE_SPAN,
};
pub(crate) use detail_template::template_detail;
pub use llm::{LlmClient, LlmError, MAX_RETRIES, SYSTEM_PROMPT};
pub use payload::{
    ChainEntry, DiagnosticPayload, EgressDecision, Frame, MIN_PAYLOAD_BYTES, ProblemDetail,
    SDK_VERSION,
};
pub(crate) use payload_counts::payload_totals;
pub use policy::{ALLOW_RULE, EgressPolicy, PolicyDecision, PolicyError};
pub use sink::{DEFAULT_QUEUE, EgressCounts, MAX_REQUESTS_IN_FLIGHT};
pub(crate) use sink::{EgressSink, SinkSettings};
pub use socket::{
    DEFAULT_BACKLOG_EVENTS, DEFAULT_PAYLOAD_BACKLOG, RECONNECT_INTERVAL, SOCKET_FILE_NAME,
    SocketError, default_socket_path, resolve_socket_path,
};
#[cfg(unix)]
pub use socket::{bind_listener, bind_shared_listener};
pub use span_record::{SpanEventRecord, SpanRecord};
pub use terminal::{escape_controls, escape_controls_multiline, escape_json_line};

//! The LLM-diagnostic stage: observes masked spans and, for failed traces,
//! assembles the value-free call-chain payload.
//!
//! On the worker thread it only copies whitelisted facts of each span into a
//! bounded per-trace table and, when a failed trace's local root ends, builds
//! the [`DiagnosticPayload`](crate::egress::DiagnosticPayload). Everything
//! else — the local viewer's span events, truncation, the Rego gate, the socket
//! and the external LLM — runs on the egress thread, fed by `try_send`.
//!
//! With `llm_export.enabled = false` no payload is built at all; the local
//! viewer (`dev.coresdk.trace.span` events) works either way.

use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use opentelemetry_sdk::error::{OTelSdkError, OTelSdkResult};
use opentelemetry_sdk::trace::SpanData;

use super::stage::{Stage, Verdict};
use super::trace_table::{TableStats, TraceTable};
use crate::config::Config;
use crate::egress::{
    EgressCounts, EgressPolicy, EgressSink, LlmClient, LlmError, PolicyError, SinkSettings,
    resolve_socket_path,
};

pub use super::trace_table::{DiagnosticLimits, SLOW_SPAN_PROBLEM_TYPE};

/// How long a periodic `force_flush` waits for the egress thread.
const FLUSH_WAIT: Duration = Duration::from_secs(1);

/// A problem with the diagnostic / egress configuration, found at setup.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DiagnosticError {
    /// The egress policy file could not be read.
    #[error("cannot read egress policy {path}: {reason}")]
    Policy {
        /// The policy file.
        path: String,
        /// What went wrong.
        reason: String,
    },
    /// The egress policy file is invalid (syntax, package, missing `allow`).
    #[error(transparent)]
    InvalidPolicy(PolicyError),
    /// `llm_export.customer_egress_policy` is set but no policy file is.
    #[error(
        "llm_export.customer_egress_policy is `{package}` but no policy file is set (llm_export.policy_file or CORESDK_LLM_EGRESS_POLICY)"
    )]
    PolicyFileMissing {
        /// The configured package.
        package: String,
    },
    /// The external endpoint is not acceptable (e.g. plain http to a remote host).
    #[error(transparent)]
    Endpoint(LlmError),
    /// The egress thread could not be started.
    #[error("cannot start the egress thread: {source}")]
    Thread {
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
}

/// The egress side of a configuration, checked: the policy file loaded and
/// compiled for its package, the external endpoint's client built. The
/// diagnostic stage and `core config validate` both go through this.
#[derive(Debug, Default)]
pub(crate) struct EgressSetup {
    pub(crate) policy: Option<EgressPolicy>,
    pub(crate) llm: Option<LlmClient>,
}

impl EgressSetup {
    /// Loads what `llm_export` names; nothing when export is disabled.
    pub(crate) fn from_config(config: &Config) -> Result<Self, DiagnosticError> {
        let export = config.llm_export();
        if !export.enabled() {
            return Ok(Self::default());
        }
        let policy = match (export.policy_file(), export.customer_egress_policy()) {
            (Some(file), package) => {
                Some(EgressPolicy::load(file, package).map_err(|e| match e {
                    PolicyError::Io { path, source } => DiagnosticError::Policy {
                        path: path.display().to_string(),
                        reason: source.to_string(),
                    },
                    other => DiagnosticError::InvalidPolicy(other),
                })?)
            }
            (None, Some(package)) => {
                return Err(DiagnosticError::PolicyFileMissing {
                    package: package.to_owned(),
                });
            }
            (None, None) => None,
        };
        let llm = LlmClient::from_config(export).map_err(DiagnosticError::Endpoint)?;
        Ok(Self { policy, llm })
    }
}

/// The diagnostic stage. Runs on the pipeline's worker thread, after masking.
#[derive(Debug)]
pub struct LlmDiagnostic {
    table: Option<Mutex<TraceTable>>,
    sink: EgressSink,
    service: String,
    policy_name: Option<String>,
    slow_threshold: Option<Duration>,
}

impl LlmDiagnostic {
    /// Builds the stage.
    pub fn from_config(config: &Config) -> Result<Self, DiagnosticError> {
        Self::with_limits(config, DiagnosticLimits::default())
    }

    /// Builds the stage with explicit bounds on its per-trace state.
    pub fn with_limits(config: &Config, limits: DiagnosticLimits) -> Result<Self, DiagnosticError> {
        let export = config.llm_export();
        let mut settings =
            SinkSettings::new(resolve_socket_path(config.socket()), config.service_name());
        settings.max_payload_bytes = export.max_payload_bytes();
        let slow_threshold = export.slow_threshold_ms().map(Duration::from_millis);
        let egress = EgressSetup::from_config(config)?;
        let policy_name = egress.policy.as_ref().map(|p| p.name().to_owned());
        settings.policy = egress.policy;
        settings.llm = egress.llm;
        let sink =
            EgressSink::start(settings).map_err(|source| DiagnosticError::Thread { source })?;
        Ok(Self {
            table: export
                .enabled()
                .then(|| Mutex::new(TraceTable::new(limits, slow_threshold))),
            sink,
            service: config.service_name().to_owned(),
            policy_name,
            slow_threshold,
        })
    }

    /// Whether diagnostic payloads are built (`llm_export.enabled`).
    pub fn is_enabled(&self) -> bool {
        self.table.is_some()
    }

    /// The per-trace table's current size and counters (zero when disabled).
    pub fn table_stats(&self) -> TableStats {
        self.table.as_ref().map_or_else(TableStats::default, |t| {
            t.lock().unwrap_or_else(PoisonError::into_inner).stats()
        })
    }

    /// The egress side's counters.
    pub fn egress_counts(&self) -> EgressCounts {
        self.sink.stats()
    }
}

impl LlmDiagnostic {
    /// Takes one span: to the local viewer, and into the trace table, which
    /// builds a payload when a failed trace's local root ends.
    fn observe(&self, span: &SpanData) {
        self.sink.send_span(span);
        if let Some(table) = &self.table {
            let completed = table
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .observe(span, Instant::now());
            if let Some(trace) = completed {
                let payload = trace.into_payload(
                    &self.service,
                    self.policy_name.as_deref(),
                    self.slow_threshold,
                );
                if let Some(payload) = payload {
                    self.sink
                        .send_payload(payload, span.span_context.trace_id().to_string());
                }
            }
        }
    }

    fn sweep_and_flush(&self, wait: Duration) -> OTelSdkResult {
        if let Some(table) = &self.table {
            table
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .sweep(Instant::now());
        }
        if self.sink.flush(wait) {
            Ok(())
        } else {
            Err(OTelSdkError::Timeout(wait))
        }
    }

    fn stop(&self, budget: Duration) -> OTelSdkResult {
        if self.sink.shutdown(budget) {
            Ok(())
        } else {
            Err(OTelSdkError::Timeout(budget))
        }
    }
}

/// Driving the stage by hand, as the worker does, for tests and soaks.
#[cfg(feature = "testing")]
impl LlmDiagnostic {
    /// Runs one span through the stage (taking it, as the worker gives it).
    #[allow(clippy::needless_pass_by_value)]
    pub fn on_end(&self, span: SpanData) {
        self.observe(&span);
        // The worker hands span events over when its queue runs empty.
        self.sink.send_spans();
    }

    /// Forgets idle traces and waits (bounded) for the egress thread.
    pub fn force_flush(&self) -> OTelSdkResult {
        self.sweep_and_flush(FLUSH_WAIT)
    }

    /// Stops the egress thread within `timeout`.
    pub fn shutdown_with_timeout(&self, timeout: Duration) -> OTelSdkResult {
        self.stop(timeout)
    }
}

impl Stage for LlmDiagnostic {
    fn on_span(&mut self, span: SpanData) -> Verdict {
        self.observe(&span);
        Verdict::Forward(span)
    }

    fn idle(&mut self) {
        self.sink.send_spans();
    }

    fn flush(&mut self, deadline: Instant) -> (Vec<SpanData>, OTelSdkResult) {
        let wait = FLUSH_WAIT.min(deadline.saturating_duration_since(Instant::now()));
        (Vec::new(), self.sweep_and_flush(wait))
    }

    fn shutdown(&mut self, deadline: Instant) -> (Vec<SpanData>, OTelSdkResult) {
        // Half of what is left: the stages after this one need the rest.
        let budget = deadline.saturating_duration_since(Instant::now()) / 2;
        (Vec::new(), self.stop(budget))
    }
}

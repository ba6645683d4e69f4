//! Shared helpers: the `core` binary under test and a traced program that
//! sends to a local socket.

use std::path::{Path, PathBuf};

use coresdk::Config;
use coresdk::config::{ConfigBuilder, ExporterKind};
use coresdk::testing::SpanCapture;
use tracing_subscriber::layer::SubscriberExt;

/// The `core` binary built for these tests.
pub(crate) const CORE: &str = env!("CARGO_BIN_EXE_core");

/// The seed's policy, verbatim.
pub(crate) const SEED_POLICY: &str = r#"package acme.llm

import future.keywords.if

default allow = false

# Only export LLM diagnostics for errors — not slow-but-successful spans
allow if {
    input.error.status >= 500
    not contains(input.service, "payment") # payment service exports nothing externally
}
"#;

/// A config builder isolated from the environment and any file, exporting nowhere.
pub(crate) fn builder(socket: &Path, service: &str) -> ConfigBuilder {
    Config::builder()
        .without_env()
        .without_config_file()
        .with_exporter(ExporterKind::None)
        .with_service_name(service)
        .with_socket(socket)
}

/// A traced program: the real pipeline (`coresdk::layer`: handoff →
/// masking → diagnostic → capture).
pub(crate) struct Stack {
    guard: Option<coresdk::Guard>,
    dispatch: tracing::Dispatch,
}

impl Stack {
    /// The real pipeline, through `coresdk::layer`.
    pub(crate) fn new(builder: ConfigBuilder) -> Self {
        let config = builder
            .with_processor(SpanCapture::new())
            .build()
            .expect("config");
        let (layer, guard) = coresdk::layer(config).expect("pipeline starts");
        let dispatch = tracing::Dispatch::new(tracing_subscriber::registry().with(layer));
        Self {
            guard: Some(guard),
            dispatch,
        }
    }

    /// Runs `f` with this pipeline as the thread's subscriber.
    pub(crate) fn run<R>(&self, f: impl FnOnce() -> R) -> R {
        tracing::dispatcher::with_default(&self.dispatch, f)
    }

    /// Pushes everything ended so far through the chain (egress thread included).
    pub(crate) fn flush(&self) {
        if let Some(g) = &self.guard {
            g.flush().expect("flush");
        }
    }

    /// Flushes the chain (egress thread included) and stops it.
    pub(crate) fn shutdown(mut self) {
        if let Some(g) = self.guard.take() {
            g.shutdown().expect("pipeline shuts down");
        }
    }
}

/// A socket path in a fresh subdirectory of `dir`.
pub(crate) fn socket_in(dir: &tempfile::TempDir) -> PathBuf {
    dir.path().join("run").join("core.sock")
}

//! [`ExportFilter`], the filter in front of [`CoreLayer`](super::CoreLayer):
//! it keeps the HTTP stacks' and provider SDKs' own spans out.

use tracing::Metadata;
use tracing::subscriber::Interest;
use tracing_subscriber::layer::{self, Filter};

/// Targets whose spans never reach CoreSDK's layer: the HTTP/gRPC stacks under
/// our exporters and the provider SDKs, which emit their own `tracing` spans.
const INTERNAL_TARGETS: &[&str] = &[
    "h2",
    "hyper",
    "tonic",
    "tower",
    "reqwest",
    "rustls",
    "opentelemetry",
    "aws_smithy",
    "aws_sdk",
    "aws_config",
    "aws_runtime",
    "aws_sigv4",
];

/// CoreSDK's per-layer filter in [`layer`](crate::layer), so the
/// application's own layers still see those targets. Under
/// [`instrument`](crate::instrument) the layer applies the same rule as a
/// global filter itself (the callsites are disabled once).
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct ExportFilter;

impl<S> Filter<S> for ExportFilter {
    fn enabled(&self, meta: &Metadata<'_>, _: &layer::Context<'_, S>) -> bool {
        is_exported(meta)
    }

    fn callsite_enabled(&self, meta: &'static Metadata<'static>) -> Interest {
        interest(meta)
    }
}

/// The decision depends on the metadata alone, so it is cached per callsite.
fn interest(meta: &Metadata<'_>) -> Interest {
    if is_exported(meta) {
        Interest::always()
    } else {
        Interest::never()
    }
}

/// Whether spans and events of this callsite go to CoreSDK's layer.
pub(crate) fn is_exported(meta: &Metadata<'_>) -> bool {
    !is_internal_target(meta.target())
}

fn is_internal_target(target: &str) -> bool {
    INTERNAL_TARGETS.iter().any(|p| {
        target
            .strip_prefix(p)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with(':') || rest.starts_with('_'))
    })
}

#[cfg(test)]
mod tests {
    use super::is_internal_target;

    #[test]
    fn internal_targets() {
        assert!(is_internal_target("hyper"));
        assert!(is_internal_target("hyper_util::client"));
        assert!(is_internal_target("aws_smithy_runtime::client"));
        assert!(!is_internal_target("hyperion"));
        assert!(!is_internal_target("my_app::handler"));
    }
}

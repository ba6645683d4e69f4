//! [`ExportFilter`], CoreSDK's filter in front of `tracing-opentelemetry`'s
//! layer: it keeps the HTTP stacks' and provider SDKs' own spans out, and
//! marks a subscriber as CoreSDK's.

use tracing::Metadata;
use tracing::subscriber::Interest;
use tracing_subscriber::layer::{self, Filter, Layer};

/// Targets whose spans never reach the OTel layer: the HTTP/gRPC stacks under
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

/// CoreSDK's filter in front of its OpenTelemetry layer: a global filter
/// under [`instrument`](crate::instrument), a per-layer one in
/// [`layer`](crate::layer).
///
/// Being a named type it also marks a subscriber as CoreSDK's:
/// `Dispatch::downcast_ref::<ExportFilter>()` finds it through any layering,
/// and `#[trace]` then leaves its labels for the pipeline to add (see
/// [`Labels`](crate::telemetry::labels::Labels)).
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

impl<S: tracing::Subscriber> Layer<S> for ExportFilter {
    fn enabled(&self, meta: &Metadata<'_>, _: layer::Context<'_, S>) -> bool {
        is_exported(meta)
    }

    fn register_callsite(&self, meta: &'static Metadata<'static>) -> Interest {
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

/// Whether spans and events of this callsite go to the OpenTelemetry layer.
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

//! The two parts CoreSDK adds to `tracing-opentelemetry`'s layer:
//! [`ExportFilter`], which keeps the HTTP stacks' and provider SDKs' own spans
//! out of it and marks a subscriber as CoreSDK's, and [`CoreTracer`], which
//! turns a `#[trace]` span's callsite id into its labels.

use opentelemetry::Context;
use opentelemetry::trace::{SpanBuilder, Tracer};
use opentelemetry_sdk::trace::{SdkTracer, Span};
use tracing::Metadata;
use tracing::subscriber::Interest;
use tracing_subscriber::layer::{self, Filter, Layer};

use crate::telemetry::labels;

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
/// and `#[trace]` then leaves its labels for [`CoreTracer`] to add.
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

/// The tracer behind CoreSDK's OpenTelemetry layer: the SDK's tracer, plus a
/// `#[trace]` span's `coresdk.intent` and `code.function.name`, added just
/// before the span is built (see [`Labels`](crate::telemetry::labels::Labels)).
#[derive(Debug, Clone)]
pub(crate) struct CoreTracer {
    inner: SdkTracer,
}

impl CoreTracer {
    pub(crate) fn new(inner: SdkTracer) -> Self {
        Self { inner }
    }
}

impl Tracer for CoreTracer {
    type Span = Span;

    #[inline]
    fn build_with_context(&self, mut builder: SpanBuilder, parent_cx: &Context) -> Span {
        labels::resolve(&builder.name, &mut builder.attributes);
        self.inner.build_with_context(builder, parent_cx)
    }
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

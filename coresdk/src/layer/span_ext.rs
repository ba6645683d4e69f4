//! [`SpanExt`]: the OpenTelemetry side of a `tracing` span recorded by
//! [`CoreLayer`](super::CoreLayer) — its context for propagation, a remote
//! parent, links, attributes and status.
//!
//! It replaces `tracing_opentelemetry::OpenTelemetrySpanExt` for spans of a
//! CoreSDK pipeline; the methods have the same names.

use std::borrow::Cow;

use opentelemetry::trace::{Event, Link, SpanContext, Status, TraceContextExt as _};
use opentelemetry::{Context, Key, KeyValue, Value};
use tracing::span::Id;
use tracing::{Dispatch, Span};
use tracing_subscriber::Registry;
use tracing_subscriber::registry::{LookupSpan as _, SpanData as _};

use super::core_layer::CoreLayer;
use super::subscriber::CoreSubscriber;
use crate::pipeline::record::SpanRecord;

/// Why [`SpanExt::set_parent`] did not take the parent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SetParentError {
    /// The span is not recorded by CoreSDK's layer: it is disabled, or the
    /// subscriber is neither the one [`instrument`](crate::instrument)
    /// installs nor a `Registry` with a [`CoreLayer`](super::CoreLayer).
    #[error("the span is not recorded by CoreSDK's layer")]
    NotRecorded,
    /// The context carries no valid span context.
    #[error("the context carries no valid span context")]
    InvalidContext,
}

/// OpenTelemetry operations on a `tracing` span recorded by CoreSDK's layer.
///
/// On a span CoreSDK does not record (disabled, or another subscriber) the
/// setters do nothing and [`context`](Self::context) is the current
/// OpenTelemetry context.
///
/// ```
/// use coresdk::SpanExt as _;
///
/// let span = tracing::info_span!("handle");
/// span.set_attribute("order.items", 3_i64);
/// let cx = span.context(); // for an outgoing request: coresdk::propagation::inject_context
/// # let _ = cx;
/// ```
pub trait SpanExt {
    /// An OpenTelemetry context whose span is this span (and whose baggage is
    /// the current context's): what to inject into an outgoing request.
    fn context(&self) -> Context;

    /// Makes the span a child of the span in `cx` (typically a remote parent
    /// extracted from an incoming request). Call it before the span has
    /// children: they keep the trace they started in. The head sampler is
    /// asked again with the new parent.
    fn set_parent(&self, cx: &Context) -> Result<(), SetParentError>;

    /// Links the span to another span context.
    fn add_link(&self, cx: SpanContext) {
        self.add_link_with_attributes(cx, Vec::new());
    }

    /// Links the span to another span context, with attributes on the link.
    fn add_link_with_attributes(&self, cx: SpanContext, attributes: Vec<KeyValue>);

    /// Sets an attribute (no `tracing` field needs to be declared for it).
    fn set_attribute(&self, key: impl Into<Key>, value: impl Into<Value>);

    /// Sets the status: `Ok` is final, an error replaces `Unset` or an error.
    fn set_status(&self, status: Status);

    /// Adds an event with attributes, timestamped now.
    fn add_event(&self, name: impl Into<Cow<'static, str>>, attributes: Vec<KeyValue>);
}

impl SpanExt for Span {
    fn context(&self) -> Context {
        match with_record(self, |r| r.span_context()) {
            Some(sc) => Context::current().with_remote_span_context(sc),
            None => Context::current(),
        }
    }

    fn set_parent(&self, cx: &Context) -> Result<(), SetParentError> {
        let parent = cx.span().span_context().clone();
        if !parent.is_valid() {
            return Err(SetParentError::InvalidContext);
        }
        self.with_subscriber(|(id, dispatch)| {
            let layer = core_layer(dispatch)?;
            record_in(dispatch, id, |r| {
                r.trace_id = parent.trace_id();
                r.parent_span_id = parent.span_id();
                r.parent_is_remote = parent.is_remote();
                r.extras().trace_state = parent.trace_state().clone();
                r.sampled = layer
                    .sampler()
                    .sample(parent.trace_id(), Some(parent.is_sampled()));
            })
        })
        .flatten()
        .ok_or(SetParentError::NotRecorded)
    }

    fn add_link_with_attributes(&self, cx: SpanContext, attributes: Vec<KeyValue>) {
        if cx.is_valid() {
            with_sampled(self, |r| r.push_link(Link::new(cx, attributes, 0)));
        }
    }

    fn set_attribute(&self, key: impl Into<Key>, value: impl Into<Value>) {
        let kv = KeyValue::new(key, value);
        with_sampled(self, |r| r.set_attribute(kv));
    }

    fn set_status(&self, status: Status) {
        with_sampled(self, |r| r.set_status(status));
    }

    fn add_event(&self, name: impl Into<Cow<'static, str>>, attributes: Vec<KeyValue>) {
        let event = Event::new(name, std::time::SystemTime::now(), attributes, 0);
        with_sampled(self, |r| r.add_event(event));
    }
}

/// Runs `f` on the record of `span`, if CoreSDK's layer keeps one.
pub(crate) fn with_record<R>(span: &Span, f: impl FnOnce(&mut SpanRecord) -> R) -> Option<R> {
    span.with_subscriber(|(id, dispatch)| record_in(dispatch, id, f))
        .flatten()
}

/// Like [`with_record`], only for sampled spans (the ones that are kept).
pub(crate) fn with_sampled<R>(span: &Span, f: impl FnOnce(&mut SpanRecord) -> R) -> Option<R> {
    with_record(span, |r| r.sampled.then(|| f(r))).flatten()
}

/// CoreSDK's layer in `dispatch`: the one [`CoreSubscriber`] runs, or one on
/// a registry.
pub(crate) fn core_layer(dispatch: &Dispatch) -> Option<&CoreLayer> {
    match dispatch.downcast_ref::<CoreSubscriber>() {
        Some(subscriber) => Some(subscriber.layer()),
        None => dispatch.downcast_ref::<CoreLayer>(),
    }
}

/// Runs `f` on the record of span `id` in `dispatch`: in CoreSDK's own
/// subscriber, or in a registry's extensions.
pub(crate) fn record_in<R>(
    dispatch: &Dispatch,
    id: &Id,
    f: impl FnOnce(&mut SpanRecord) -> R,
) -> Option<R> {
    if let Some(subscriber) = dispatch.downcast_ref::<CoreSubscriber>() {
        return subscriber.with_record(id, f);
    }
    let registry = dispatch.downcast_ref::<Registry>()?;
    let data = registry.span_data(id)?;
    let mut extensions = data.extensions_mut();
    extensions.get_mut::<SpanRecord>().map(f)
}

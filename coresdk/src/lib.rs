//! CoreSDK: make LLM applications debuggable.
//!
//! Call [`instrument`] once at startup: every `tracing` span becomes an
//! OpenTelemetry span that passes PII masking and the LLM-diagnostic stage on a
//! worker thread before it is exported over OTLP.
//!
//! ```no_run
//! fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     let _guard = coresdk::instrument()?; // coresdk-sidecar.yaml + env; flushes on drop
//!     let span = tracing::info_span!("handle_request", "coresdk.intent" = "answer a question");
//!     span.in_scope(|| { /* your code */ });
//!     Ok(())
//! }
//! ```
#![warn(missing_docs, missing_debug_implementations, unreachable_pub)]

mod check;
pub mod config;
pub mod context;
pub mod egress;
pub mod genai;
#[cfg(doctest)]
mod guides;
mod layer;
pub mod metrics;
pub mod pipeline;
pub mod propagation;
pub mod quality;
mod setup;
pub mod telemetry;
#[cfg(feature = "testing")]
pub mod testing;

#[doc(hidden)]
#[path = "private.rs"]
pub mod __private;

pub use check::check_config;
pub use config::{Config, ConfigBuilder, ConfigError};
/// Opens a span around every call of the function it is on, recording what
/// the function is for and where it is — and, unlike
/// `#[tracing::instrument]`, **no argument value** unless you name it.
///
/// Each span records `coresdk.intent`, `code.function.name` (module path +
/// fn name, e.g. `orders::db::save_order`; for a method, the module of the
/// `impl` + the method name, as an attribute cannot see the `impl`'s type),
/// `code.file.path` and `code.line.number` (the line of the `fn`, not of the
/// attribute; these two come from the callsite metadata). When the function fails it
/// also records, on the same span: status Error, `error.type`, an
/// `exception` event (`exception.type`, `exception.message` = the `Display`
/// text), the RFC 9457 fields `coresdk.problem.{type,title,status,detail}`
/// (see [`Problem`]) and the recovery hint. A panic ends the span with status
/// Error and `error.type = "panic"` and keeps unwinding; a future dropped
/// before it completes ends the span with `coresdk.cancelled = true`.
///
/// With no subscriber (or one that does not want the span) a call costs one
/// atomic load and allocates nothing; `attrs(...)` is not evaluated.
///
/// Under [`instrument`], `coresdk.intent` and `code.function.name` are
/// `&'static str` constants of the callsite that the span's record keeps; the
/// pipeline's worker adds them as attributes, so the application thread
/// copies neither. Beside other layers ([`layer`]) and under any other
/// subscriber (a plain `tracing-opentelemetry` layer, `fmt` alone) they are
/// ordinary `tracing` fields that every layer sees.
///
/// ## Arguments
///
/// - `intent = "<literal>"` — **required**: what the function is trying to do,
///   in words an operator (or a diagnosing LLM) understands.
/// - `on_error = <expr>` — default none: a [`RecoveryHint`] recorded when the
///   function fails. The function must return a `Result`. The expression is
///   evaluated only on failure and may not capture arguments.
/// - `recovery_hint = "<literal>"` — default none: shorthand for
///   `on_error = RecoveryHint::custom("<literal>")`.
/// - `name = "<literal>"` — default the function's name: the span name.
/// - `attrs(key = value, …)` — default none: the **only** way an argument
///   value enters a span. Keys are dotted identifiers (`user.tier`) or string
///   literals; values are `tracing` values, `%expr` (`Display`) or `?expr`
///   (`Debug`). Keys under `coresdk.`, `code.`, `error.`, `exception.` and
///   `otel.` are reserved.
/// - `crate = <path>` — default `::coresdk`: where to find this crate when it
///   is re-exported under another path.
///
/// Works on sync and `async fn`, methods (`&self`, `&mut self`, `self`),
/// associated and generic fns, `impl Trait` arguments and returns, trait
/// impls (including `#[async_trait]` ones: put `#[trace]` on the method inside
/// the `#[async_trait]` impl), `unsafe fn`; `?` and early `return` reach the
/// error recording. Other attributes (`#[must_use]`, docs) are kept. `const fn`
/// and non-function items are rejected at compile time.
///
/// ## Examples
///
/// ```
/// use coresdk::{RecoveryHint, trace};
///
/// #[derive(Debug)]
/// struct DbError;
/// impl std::fmt::Display for DbError {
///     fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
///         f.write_str("connection reset")
///     }
/// }
///
/// #[trace(intent = "persist order to database", on_error = RecoveryHint::RetryWithBackoff)]
/// async fn save_order(order_id: u64, body: &str) -> Result<String, DbError> {
///     // neither `order_id` nor `body` is recorded
///     Ok(format!("order-{order_id}"))
/// }
///
/// #[trace(
///     intent = "price a cart",
///     recovery_hint = "check the pricing table",
///     attrs(cart.items = items.len() as i64, currency = %currency),
/// )]
/// fn price(items: &[u64], currency: &str) -> Result<u64, DbError> {
///     Ok(items.iter().sum())
/// }
///
/// assert_eq!(price(&[1, 2], "EUR").ok(), Some(3));
/// ```
///
/// An `unsafe fn` stays unsafe to call, and unsafe methods work the same way:
///
/// ```
/// use coresdk::trace;
///
/// #[trace(intent = "read through a raw pointer")]
/// unsafe fn read(ptr: *const u32) -> u32 {
///     // SAFETY: the caller passes a valid pointer.
///     unsafe { *ptr }
/// }
///
/// struct Buf(Vec<u8>);
///
/// impl Buf {
///     #[trace(intent = "unchecked access")]
///     unsafe fn get_unchecked(&self, i: usize) -> u8 {
///         // SAFETY: the caller checks `i`.
///         unsafe { *self.0.get_unchecked(i) }
///     }
/// }
///
/// let x = 7;
/// // SAFETY: `x` is alive.
/// assert_eq!(unsafe { read(&x) }, 7);
/// // SAFETY: index 1 exists.
/// assert_eq!(unsafe { Buf(vec![1, 2]).get_unchecked(1) }, 2);
/// ```
pub use coresdk_macros::trace;
pub use layer::{CoreLayer, SetParentError, SpanExt};
pub use pipeline::{Stats, stats};
pub use quality::{score, score_trace};
pub use setup::{
    Guard, SDK_VERSION, SetupError, ShutdownError, instrument, instrument_with, layer,
};
pub use telemetry::{Problem, RecoveryHint};

//! Span-level telemetry: the `#[trace]` runtime, [`RecoveryHint`] and
//! RFC 9457 [`Problem`] details.
//!
//! A `#[trace]` span carries `coresdk.intent`, `code.function.name`,
//! `code.file.path`, `code.line.number` and the explicit `attrs(...)`. When the
//! function fails it also carries status Error, `error.type`, an `exception`
//! event, `coresdk.problem.{type,title,status,detail}` and
//! `coresdk.recovery_hint`; a traced future dropped before completion carries
//! `coresdk.cancelled = true`.

pub(crate) mod outcome;
mod problem;
mod recovery_hint;
pub(crate) mod span_fields;
pub(crate) mod traced_future;
pub(crate) mod traced_sync;

pub use problem::{ABOUT_BLANK, Problem};
pub use recovery_hint::RecoveryHint;

/// The `#[trace]` attribute, also reachable here so that
/// `use coresdk::telemetry::{trace, RecoveryHint};` works:
///
/// ```
/// use coresdk::telemetry::{trace, RecoveryHint};
///
/// #[derive(Debug)]
/// struct DbError;
/// impl std::fmt::Display for DbError {
///     fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
///         f.write_str("connection reset")
///     }
/// }
/// #[derive(Debug)]
/// struct PaymentError;
/// impl std::fmt::Display for PaymentError {
///     fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
///         f.write_str("card declined")
///     }
/// }
/// struct Order;
///
/// mod payment_gateway {
///     pub async fn verify(_token: &str, amount: u64) -> Result<bool, super::PaymentError> {
///         Ok(amount > 0)
///     }
/// }
/// mod db {
///     pub async fn insert(_table: &str, _order: &super::Order) -> Result<String, super::DbError> {
///         Ok("order-1".to_owned())
///     }
/// }
///
/// #[trace(intent = "validate payment token before charging")]
/// async fn validate_payment(token: &str, amount: u64) -> Result<bool, PaymentError> {
///     // intent appears in the LLM payload call chain
///     // `token` is never captured as a span attribute
///     payment_gateway::verify(token, amount).await
/// }
///
/// #[trace(
///     intent = "persist order to database",
///     on_error = RecoveryHint::RetryWithBackoff,
/// )]
/// async fn save_order(order: &Order) -> Result<String, DbError> {
///     db::insert("orders", order).await
/// }
///
/// # fn main() {
/// // Built-in hints
/// let _ = RecoveryHint::RetryWithBackoff;
/// let _ = RecoveryHint::CheckDownstreamHealth;
/// let _ = RecoveryHint::ValidateInputSchema;
/// let _ = RecoveryHint::RotateCredentials;
/// // Custom hint
/// let hint = RecoveryHint::Custom("ensure the tenant ID header is present on all requests");
/// assert_eq!(hint.as_str(), "ensure the tenant ID header is present on all requests");
///
/// # let _ = (validate_payment("t", 1), save_order(&Order));
/// # }
/// ```
pub use coresdk_macros::trace;

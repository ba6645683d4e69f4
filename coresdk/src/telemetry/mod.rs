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

//! The PII rule set behind [`PiiMasking`](super::PiiMasking).
//!
//! Clean strings, the common case, are proven clean by a byte-level
//! prefilter that allocates nothing (`scan`); candidates go to small
//! hand-written detectors per family (`numbers`, `network`,
//! `secrets`) with checksums where the format has one (`validators`).
//! Custom rules are regexes (`rules`); key rules are globs (`keys`);
//! the `hash` action is a keyed HMAC-SHA256 (`hash`).

mod hash;
mod keys;
mod masker;
mod network;
mod numbers;
mod replace;
mod rules;
mod scan;
mod secrets;
mod validators;

pub use masker::{PiiMasker, PiiMaskerBuilder, REDACTED_TOKEN};
pub use rules::BuiltinRule;

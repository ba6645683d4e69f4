//! The Rust examples of the `docs/` guides, compiled and run as doctests so
//! the guides cannot drift from the API.

#[doc = include_str!("../../docs/configuration.md")]
struct Configuration;

#[doc = include_str!("../../docs/sampling.md")]
struct Sampling;

#[doc = include_str!("../../docs/diagnostic-payload.md")]
struct DiagnosticPayload;

#[doc = include_str!("../../docs/privacy.md")]
struct Privacy;

#[doc = include_str!("../../docs/backends.md")]
struct Backends;

//! [`Problem`]: RFC 9457 problem details for errors that end a traced span.

use std::fmt;

/// The RFC 9457 `type` of a problem that has no more specific type.
pub const ABOUT_BLANK: &str = "about:blank";

/// RFC 9457 ("Problem Details for HTTP APIs") details of an error.
///
/// When a `#[trace]` function returns `Err(e)`, the span records
/// `coresdk.problem.type`, `.title`, `.status` and `.detail`. If the error type
/// implements `Problem`, these come from it. Errors that do not implement it
/// need nothing: they get type `about:blank`, their type name as title (the
/// last path segment of [`std::any::type_name`], e.g. `Error` for
/// `std::io::Error`, `Wrapper<my::Inner>` for a generic type), status 500 and
/// their `Display` text as detail (or no detail when the error is not
/// `Display`). No nightly feature is involved: the macro picks the most
/// specific of these at compile time.
///
/// The detail (like the `exception.message` event attribute) may carry
/// user data; it passes through PII masking before any export.
///
/// ```
/// use coresdk::Problem;
/// use std::fmt;
///
/// #[derive(Debug)]
/// struct UpstreamTimeout { after_ms: u64 }
///
/// impl fmt::Display for UpstreamTimeout {
///     fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
///         write!(f, "inventory service did not respond within {}ms", self.after_ms)
///     }
/// }
///
/// impl Problem for UpstreamTimeout {
///     fn problem_type(&self) -> &'static str { "https://coresdk.dev/errors/upstream-timeout" }
///     fn title(&self) -> &'static str { "Upstream Timeout" }
///     fn status(&self) -> u16 { 504 }
/// }
///
/// let e = UpstreamTimeout { after_ms: 2000 };
/// assert_eq!(e.status(), 504);
/// assert_eq!(e.detail(), "inventory service did not respond within 2000ms");
/// ```
pub trait Problem: fmt::Display {
    /// A URI identifying the problem type (RFC 9457 `type`).
    fn problem_type(&self) -> &str;

    /// A short, human-readable summary of the problem type (RFC 9457
    /// `title`); it should not change between occurrences.
    fn title(&self) -> &str;

    /// The HTTP status code that best describes the problem. Default: 500.
    fn status(&self) -> u16 {
        500
    }

    /// An explanation specific to this occurrence (RFC 9457 `detail`).
    /// Default: the `Display` text.
    fn detail(&self) -> String {
        self.to_string()
    }
}

/// The last path segment of a type name, keeping any generic arguments:
/// `std::io::error::Error` → `Error`, `a::Wrapper<b::Inner>` → `Wrapper<b::Inner>`.
pub(crate) fn short_type_name(full: &str) -> &str {
    let head_end = full.find('<').unwrap_or(full.len());
    let start = full[..head_end].rfind("::").map_or(0, |i| i + 2);
    &full[start..]
}

#[cfg(test)]
mod tests {
    use super::short_type_name;

    #[test]
    fn short_type_names() {
        assert_eq!(short_type_name("std::io::error::Error"), "Error");
        assert_eq!(short_type_name("Plain"), "Plain");
        assert_eq!(
            short_type_name("a::Wrapper<b::c::Inner>"),
            "Wrapper<b::c::Inner>"
        );
        assert_eq!(short_type_name("&str"), "&str");
    }
}

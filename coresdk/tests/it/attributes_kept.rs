//! Doc comments, `#[must_use]`, `#[allow]` and inner attributes survive
//! `#[trace]`. The module is public and denies `missing_docs` and
//! `unused_variables`: if the expansion dropped the function's doc comment
//! or its inner `#![allow(unused_variables)]`, this test binary would not
//! compile. (That `#[must_use]` is kept is pinned by the compile-fail case
//! `coresdk-macros/tests/ui/fail/must_use_kept.rs`.)
#![deny(missing_docs, unused_variables)]
// Inner and outer attributes on one function are the shape under test.
#![allow(clippy::mixed_attributes_style)]

use coresdk::trace;

/// Documented.
#[must_use]
#[allow(clippy::needless_return)]
#[trace(intent = "documented")]
pub fn documented() -> u32 {
    #![allow(unused_variables)]
    let unused = 1;
    return 2;
}

#[test]
fn doc_comments_and_attributes_survive() {
    let (v, spans) = crate::support::capture(documented);
    assert_eq!(v, 2);
    spans.one("documented");
}

#![deny(missing_docs)]
//! Doc comments, `#[must_use]`, `#[allow]` and inner attributes survive.

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

fn main() {
    assert_eq!(documented(), 2);
}

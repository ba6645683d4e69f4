#![deny(unused_must_use)]

use coresdk::trace;

/// Documented and `#[must_use]`: `#[trace]` keeps both.
#[must_use = "the order id is needed"]
#[trace(intent = "create an order")]
fn create() -> u64 {
    1
}

fn main() {
    create();
}

use coresdk::{RecoveryHint, trace};

#[trace(intent = "work", on_error = RecoveryHint::RetryWithBackoff)]
fn work() -> u32 {
    1
}

fn main() {
    work();
}

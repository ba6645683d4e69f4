use coresdk::{RecoveryHint, trace};

#[trace(intent = "work", on_error = RecoveryHint::RetryWithBackoff, recovery_hint = "also this")]
fn work() -> Result<(), std::io::Error> {
    Ok(())
}

fn main() {
    let _ = work();
}

use coresdk::{RecoveryHint, trace};

#[trace(intent = "work", on_error = RecoveryHint::RetryLater)]
fn work() -> Result<(), std::io::Error> {
    Ok(())
}

fn main() {
    let _ = work();
}

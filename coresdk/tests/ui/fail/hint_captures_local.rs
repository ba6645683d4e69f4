use coresdk::{RecoveryHint, trace};

#[trace(intent = "work", on_error = RecoveryHint::custom(reason))]
fn work(reason: &'static str) -> Result<(), std::io::Error> {
    let _ = reason;
    Ok(())
}

fn main() {
    let _ = work("why");
}

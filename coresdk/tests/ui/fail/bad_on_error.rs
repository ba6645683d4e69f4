use coresdk::trace;

#[trace(intent = "work", on_error = "retry later")]
fn work() -> Result<(), std::io::Error> {
    Ok(())
}

fn main() {
    let _ = work();
}

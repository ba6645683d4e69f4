use coresdk::trace;

#[trace(intent = "first", intent = "second")]
fn work() {}

fn main() {
    work();
}

use coresdk::trace;

#[trace(intent = "  ")]
fn work() {}

fn main() {
    work();
}

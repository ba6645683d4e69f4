use coresdk::trace;

const INTENT: &str = "not a literal";

#[trace(intent = INTENT)]
fn work() {}

fn main() {
    work();
}

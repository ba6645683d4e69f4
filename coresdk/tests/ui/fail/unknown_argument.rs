use coresdk::trace;

#[trace(intent = "work", level = "debug")]
fn work() {}

fn main() {
    work();
}

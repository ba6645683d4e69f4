use coresdk::trace;

#[trace(name = "no intent here")]
fn work() {}

fn main() {
    work();
}

use coresdk::trace;

#[trace(intent = "work", attrs(coresdk.intent = "sneaky"))]
fn work() {}

fn main() {
    work();
}

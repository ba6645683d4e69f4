use coresdk::trace;

#[trace(intent = "compute at compile time")]
const fn answer() -> u32 {
    42
}

fn main() {
    let _ = answer();
}

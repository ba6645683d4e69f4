use coresdk::trace;

#[trace(intent = "not a function")]
struct Order {
    id: u64,
}

fn main() {
    let _ = Order { id: 1 }.id;
}

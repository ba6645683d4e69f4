use coresdk::trace;

#[trace(intent = "work", attrs(user.id = id, user.id = id))]
fn work(id: u64) -> u64 {
    id
}

fn main() {
    work(1);
}

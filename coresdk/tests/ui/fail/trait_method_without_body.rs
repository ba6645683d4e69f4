use coresdk::trace;

trait Store {
    #[trace(intent = "declared only")]
    fn put(&mut self, key: &str);
}

fn main() {}

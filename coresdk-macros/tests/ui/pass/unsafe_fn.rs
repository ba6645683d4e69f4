//! `unsafe fn` keeps its unsafety and works (the workspace forbids
//! `unsafe_code`, so this shape is tested here rather than in `tests/`).
use coresdk::trace;

#[trace(intent = "read through a raw pointer")]
unsafe fn read(ptr: *const u32) -> u32 {
    // SAFETY: the caller passes a valid pointer.
    unsafe { *ptr }
}

struct Buf(Vec<u8>);

impl Buf {
    #[trace(intent = "unchecked access")]
    unsafe fn get_unchecked(&self, i: usize) -> u8 {
        // SAFETY: the caller checks `i`.
        unsafe { *self.0.get_unchecked(i) }
    }
}

fn main() {
    let x = 7;
    // SAFETY: `x` is alive.
    assert_eq!(unsafe { read(&x) }, 7);
    // SAFETY: index 1 exists.
    assert_eq!(unsafe { Buf(vec![1, 2]).get_unchecked(1) }, 2);
}

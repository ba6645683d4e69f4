//! The expansion names everything through `::coresdk::__private`.
#![no_implicit_prelude]

extern crate coresdk;
extern crate std;

#[::coresdk::trace(intent = "sync", on_error = ::coresdk::RecoveryHint::ValidateInputSchema, attrs(n = n, shown = %n))]
fn parse(n: i64) -> ::std::result::Result<i64, ::std::num::ParseIntError> {
    let v: i64 = "12".parse()?;
    ::std::result::Result::Ok(v + n)
}

#[::coresdk::trace(intent = "async", recovery_hint = "try again")]
async fn later(n: u8) -> ::std::result::Result<u8, ()> {
    ::std::result::Result::Ok(n)
}

struct S;

impl S {
    #[::coresdk::trace(intent = "method")]
    fn get(&self) -> &Self {
        self
    }
}

fn main() {
    ::std::assert_eq!(parse(1), ::std::result::Result::Ok(13));
    let _ = later(1);
    let _ = S.get();
}

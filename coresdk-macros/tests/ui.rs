//! Compile-time behaviour of `#[trace]`: what must compile, and the exact
//! compiler messages for what must not (committed `.stderr` files).
//! Regenerate with `TRYBUILD=overwrite cargo test -p coresdk-macros --test ui`, then
//! read the diff: every message must point at the offending token.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.pass("tests/ui/pass/*.rs");
    t.compile_fail("tests/ui/fail/*.rs");
}

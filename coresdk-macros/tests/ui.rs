//! Compile-time behaviour of `#[trace]`: the exact compiler messages for
//! what must not compile (committed `.stderr` files), each pointing at the
//! offending token. Regenerate with
//! `TRYBUILD=overwrite cargo test -p coresdk-macros --test ui`, then read the
//! diff.
//!
//! Compile-fail cases only: trybuild then type-checks its test project
//! (`cargo check`) instead of building and linking `coresdk`'s dependency
//! tree a second time, which a single pass case would make it do. What must
//! compile and run is tested in `coresdk`: `tests/it/trace_hygiene.rs` (every
//! argument at once, `#[no_implicit_prelude]`), `tests/it/attributes_kept.rs`
//! (docs and attributes survive) and the `trace` docs (`unsafe fn`).

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/fail/*.rs");
}

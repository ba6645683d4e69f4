//! `compiler_args!()`: the command line of the `rustc` that compiles the
//! calling crate, as a constant.
//!
//! The compile-fail (UI) tests of `#[trace]` compile small crates against the
//! `coresdk` that `cargo test` has just built. Cargo tells a test where that
//! build's `coresdk` rlib is only on the compiler's command line
//! (`--extern coresdk=…/libcoresdk-<hash>.rlib`, `-L dependency=…`). A
//! procedural macro runs inside that compiler, so it can read the command
//! line and hand it to the test. The alternative, trybuild, builds a project
//! of its own and type-checks `coresdk`'s whole dependency tree a second time
//! in a second target directory, which was most of a fresh
//! `cargo test --workspace`.

use proc_macro::{Delimiter, Group, Literal, Punct, Spacing, TokenStream, TokenTree};

/// Expands to a `(&str, &[&str])`: the path of the running compiler and its
/// arguments, with `@file` argument files (which cargo uses when a command
/// line is too long) expanded.
///
/// Takes no input. Paths that are not UTF-8 are passed lossily; a test
/// that needs them will then fail to find the file and say so.
#[proc_macro]
pub fn compiler_args(input: TokenStream) -> TokenStream {
    if !input.is_empty() {
        return "::core::compile_error!(\"`compiler_args!` takes no arguments\")"
            .parse()
            .unwrap_or_default();
    }
    // The compiler itself, not the rustup proxy that may have started it:
    // the test can run it without rustup's environment.
    let program = std::env::current_exe().map_or_else(
        |_| "rustc".to_owned(),
        |path| path.to_string_lossy().into_owned(),
    );
    let mut args = Vec::new();
    for arg in std::env::args_os().skip(1) {
        let arg = arg.to_string_lossy().into_owned();
        match arg.strip_prefix('@').map(std::fs::read_to_string) {
            Some(Ok(file)) => args.extend(file.lines().map(str::to_owned)),
            // Not an argument file (or unreadable): pass it on as it is.
            _ => args.push(arg),
        }
    }

    let mut list = TokenStream::new();
    for arg in &args {
        list.extend([
            TokenTree::Literal(Literal::string(arg)),
            TokenTree::Punct(Punct::new(',', Spacing::Alone)),
        ]);
    }
    let mut slice = TokenStream::new();
    slice.extend([
        TokenTree::Punct(Punct::new('&', Spacing::Alone)),
        TokenTree::Group(Group::new(Delimiter::Bracket, list)),
    ]);
    let mut tuple = TokenStream::new();
    tuple.extend([
        TokenTree::Literal(Literal::string(&program)),
        TokenTree::Punct(Punct::new(',', Spacing::Alone)),
    ]);
    tuple.extend(slice);
    TokenStream::from(TokenTree::Group(Group::new(Delimiter::Parenthesis, tuple)))
}

//! The `#[trace]` attribute macro of CoreSDK. Use it as `coresdk::trace`: the
//! expansion refers to `::coresdk::__private`, so this crate is not useful on
//! its own. Documentation lives on the re-export.
#![warn(missing_docs, missing_debug_implementations, unreachable_pub)]

use proc_macro::TokenStream;

mod args;
mod expand;

/// Opens a span around every call of the function. See `coresdk::trace`.
#[proc_macro_attribute]
pub fn trace(args: TokenStream, item: TokenStream) -> TokenStream {
    let item = proc_macro2::TokenStream::from(item);
    let expanded = syn::parse::<args::TraceArgs>(args).and_then(|args| {
        let parsed = syn::parse2::<syn::Item>(item.clone())?;
        expand::trace(&args, parsed)
    });
    expanded
        .unwrap_or_else(|error| {
            // Keep the item, so one bad attribute does not cascade into
            // "cannot find function" errors elsewhere.
            let mut out = error.into_compile_error();
            out.extend(item);
            out
        })
        .into()
}

//! Code generation for `#[trace]`.
//!
//! Every path in the output is absolute, into `::coresdk::__private` (or
//! `<crate = path>::__private`), and every local is prefixed `__coresdk_`, so
//! the expansion compiles under `#![no_implicit_prelude]` and cannot collide
//! with user names. The output builds the span and hands the body to one
//! `__private` function (`run_sync`, or `TracedFuture` for async bodies).

use proc_macro2::TokenStream;
use quote::{ToTokens, quote, quote_spanned};
use syn::ext::IdentExt as _;
use syn::visit_mut::VisitMut;
use syn::{
    AttrStyle, Attribute, Block, Expr, ExprAsync, ExprCall, Item, ItemFn, ReturnType, Stmt, Type,
};

use crate::args::{AttrFormat, HintArg, TraceArgs};

/// Expands `#[trace(args)] item`.
pub(crate) fn trace(args: &TraceArgs, item: Item) -> syn::Result<TokenStream> {
    let item_fn = into_fn(item)?;
    if let Some(constness) = &item_fn.sig.constness {
        return Err(syn::Error::new(
            constness.span,
            "`#[trace]` cannot be applied to a `const fn`: a span cannot be opened in a const context",
        ));
    }
    Ok(expand_fn(args, item_fn))
}

/// The function `#[trace]` is on, or an error pointing at what it is on instead.
fn into_fn(item: Item) -> syn::Result<ItemFn> {
    let head = match item {
        Item::Fn(item_fn) => return Ok(item_fn),
        Item::Struct(s) => {
            let (token, ident) = (s.struct_token, s.ident);
            quote!(#token #ident)
        }
        Item::Enum(e) => {
            let (token, ident) = (e.enum_token, e.ident);
            quote!(#token #ident)
        }
        Item::Union(u) => {
            let (token, ident) = (u.union_token, u.ident);
            quote!(#token #ident)
        }
        Item::Trait(t) => {
            let (token, ident) = (t.trait_token, t.ident);
            quote!(#token #ident)
        }
        Item::Impl(i) => {
            let (token, ty) = (i.impl_token, i.self_ty);
            quote!(#token #ty)
        }
        Item::Mod(m) => {
            let (token, ident) = (m.mod_token, m.ident);
            quote!(#token #ident)
        }
        Item::Const(c) => {
            let (token, ident) = (c.const_token, c.ident);
            quote!(#token #ident)
        }
        Item::Static(s) => {
            let (token, ident) = (s.static_token, s.ident);
            quote!(#token #ident)
        }
        Item::Type(t) => {
            let (token, ident) = (t.type_token, t.ident);
            quote!(#token #ident)
        }
        Item::Verbatim(tokens) => {
            // A function without a body (`fn f(&self);` in a trait) lands here.
            if syn::parse2::<syn::TraitItemFn>(tokens.clone()).is_ok() {
                return Err(syn::Error::new_spanned(
                    tokens,
                    "`#[trace]` needs a function with a body; put it on the implementations",
                ));
            }
            tokens
        }
        other => other.into_token_stream(),
    };
    Err(syn::Error::new_spanned(
        head,
        "`#[trace]` can only be applied to functions",
    ))
}

/// Paths and pieces shared by the sync and async expansions.
struct Parts {
    /// `::coresdk::__private`, or `<crate>::__private`.
    private: TokenStream,
    /// The callsite statics.
    statics: TokenStream,
    /// `let __coresdk_hint = …; let __coresdk_span = …;`
    prologue: TokenStream,
    /// The closure that records an `Err` result on the span.
    classify: TokenStream,
}

fn expand_fn(args: &TraceArgs, item_fn: ItemFn) -> TokenStream {
    let l_span = local("__coresdk_span");
    let l_hint = local("__coresdk_hint");
    let ItemFn {
        attrs,
        vis,
        sig,
        block,
    } = item_fn;
    let (outer, inner): (Vec<Attribute>, Vec<Attribute>) = attrs
        .into_iter()
        .partition(|a| matches!(a.style, AttrStyle::Outer));
    let parts = parts(args, &sig);
    let Parts {
        private,
        statics,
        prologue,
        classify,
    } = &parts;

    let body = if sig.asyncness.is_some() {
        let fake_return = fake_return_edge(&sig.output);
        let stmts = &block.stmts;
        let future = quote!(async move { #fake_return #(#stmts)* });
        instrument_future(private, &future, classify)
    } else if let Some((before, call, future)) = async_trait_body(&block) {
        // `#[async_trait]` already turned `async fn` into
        // `fn … -> Pin<Box<dyn Future>> { Box::pin(async move { … }) }`:
        // instrument the future it builds.
        let instrumented = instrument_future(private, &future.to_token_stream(), classify);
        let func = &call.func;
        quote! {
            #(#before)*
            #func(async move { #instrumented })
        }
    } else {
        let ret = closure_return(&sig.output);
        quote! {
            #private::run_sync(
                #l_span,
                #l_hint,
                move || #ret #block,
                #classify,
            )
        }
    };

    quote! {
        #(#outer)*
        #vis #sig {
            #(#inner)*
            #statics
            #prologue
            #body
        }
    }
}

/// `pin!` the future and await it inside a `TracedFuture`.
fn instrument_future(
    private: &TokenStream,
    future: &TokenStream,
    classify: &TokenStream,
) -> TokenStream {
    let l_span = local("__coresdk_span");
    let l_hint = local("__coresdk_hint");
    let l_future = local("__coresdk_future");
    quote! {
        let #l_future = #future;
        let #l_future = #private::pin!(#l_future);
        #private::TracedFuture::new(#l_span, #l_hint, #l_future, #classify).await
    }
}

fn parts(args: &TraceArgs, sig: &syn::Signature) -> Parts {
    let l_span = local("__coresdk_span");
    let l_hint = local("__coresdk_hint");
    let l_hint_fn = local("__coresdk_hint_fn");
    let l_value = local("__coresdk_value");
    let krate = args
        .krate
        .as_ref()
        .map_or_else(|| quote!(::coresdk), ToTokens::to_token_stream);
    let private = quote!(#krate::__private);
    let ident = &sig.ident;
    let ident_span = ident.span();
    let fn_name = ident.unraw().to_string();
    let span_name = args
        .name
        .as_ref()
        .map_or_else(|| fn_name.clone(), syn::LitStr::value);
    let function_suffix = format!("::{fn_name}");

    // `file!()`/`line!()` spanned at the fn name: the span's code location is
    // the user's function, not the attribute.
    let located = respan(private.clone(), ident_span);
    let file = quote_spanned!(ident_span=> #located::file!());
    let line = quote_spanned!(ident_span=> #located::line!());
    let keys = args.attrs.iter().map(|a| &a.key);
    let intent = &args.intent;
    let span_name = syn::LitStr::new(&span_name, ident_span);
    let statics = quote! {
        static __CORESDK_LABELS: #private::Labels = #private::Labels::new(
            #intent,
            #private::concat!(#private::module_path!(), #function_suffix),
        );
        static __CORESDK_CALLSITE: #private::DefaultCallsite =
            #private::DefaultCallsite::new(&__CORESDK_META);
        static __CORESDK_META: #private::Metadata<'static> = #private::Metadata::new(
            #span_name,
            #private::module_path!(),
            #private::LEVEL,
            #private::Option::Some(#file),
            #private::Option::Some(#line),
            #private::Option::Some(#private::module_path!()),
            #private::field_set!(&__CORESDK_CALLSITE; #(#keys),*),
            #private::Kind::SPAN,
        );
    };

    let hint = match &args.hint {
        None => quote!(#private::Option::None),
        Some(HintArg::OnError { expr, .. }) => {
            let hint_fn = quote_spanned!(expr_span(expr)=> || #expr);
            quote! {{
                let #l_hint_fn: fn() -> #private::RecoveryHint = #hint_fn;
                #private::Option::Some(#l_hint_fn)
            }}
        }
        Some(HintArg::Text { text, .. }) => quote! {{
            let #l_hint_fn: fn() -> #private::RecoveryHint =
                || #private::RecoveryHint::Custom(#private::Cow::Borrowed(#text));
            #private::Option::Some(#l_hint_fn)
        }},
    };

    let values = args.attrs.iter().map(|attr| {
        let value = &attr.value;
        let span = expr_span(value);
        match attr.format {
            AttrFormat::Value => quote_spanned!(span=> &(#value)),
            AttrFormat::Display => quote_spanned!(span=> &#private::display(&(#value))),
            AttrFormat::Debug => quote_spanned!(span=> &#private::debug(&(#value))),
        }
    });
    let prologue = quote! {
        let #l_hint: #private::Hint = #hint;
        let #l_span = if #private::enabled(&__CORESDK_CALLSITE) {
            #private::new_span(
                &__CORESDK_META,
                &__CORESDK_LABELS,
                #private::span_values!(#(#values),*),
            )
        } else {
            #private::Span::none()
        };
    };

    let require_result = args.hint.as_ref().map(|hint| {
        // The same hygienic local, located at the `on_error` key so the
        // "needs a `Result`" error points there.
        let key_span = hint.key_span();
        let value = proc_macro2::Ident::new(
            "__coresdk_value",
            proc_macro2::Span::mixed_site().located_at(key_span),
        );
        let call = quote_spanned!(key_span=> #private::require_result);
        quote_spanned!(key_span=> #call(#value);)
    });
    let classify = quote! {
        |#l_value, #l_span, #l_hint| {
            #require_result
            #[allow(unused_imports)]
            use #private::{
                DisplayOutcome as _, PlainOutcome as _, ProblemOutcome as _, ResultOutcome as _,
            };
            #private::record_outcome(
                #l_span,
                (&&&&#private::Outcome(#l_value)).__coresdk_error(),
                #l_hint,
            );
        }
    };

    Parts {
        private,
        statics,
        prologue,
        classify,
    }
}

/// A local of the expansion: `mixed_site` hygiene, so the user's body can
/// neither see nor shadow it.
fn local(name: &str) -> proc_macro2::Ident {
    proc_macro2::Ident::new(name, proc_macro2::Span::mixed_site())
}

/// `tokens` with every span set to `span`.
fn respan(tokens: TokenStream, span: proc_macro2::Span) -> TokenStream {
    tokens
        .into_iter()
        .map(|mut token| {
            if let proc_macro2::TokenTree::Group(group) = &token {
                let mut new =
                    proc_macro2::Group::new(group.delimiter(), respan(group.stream(), span));
                new.set_span(span);
                token = proc_macro2::TokenTree::Group(new);
            } else {
                token.set_span(span);
            }
            token
        })
        .collect()
}

/// The span of an expression's first token (stable Rust cannot join spans).
fn expr_span(expr: &Expr) -> proc_macro2::Span {
    expr.to_token_stream()
        .into_iter()
        .next()
        .map_or_else(proc_macro2::Span::call_site, |t| t.span())
}

/// `-> R` for the body closure of a sync fn, with every `impl Trait` in `R`
/// replaced by `_` (closures cannot name opaque types; `_` is inferred).
fn closure_return(output: &ReturnType) -> TokenStream {
    match output {
        ReturnType::Default => TokenStream::new(),
        ReturnType::Type(arrow, ty) => {
            let mut ty = (**ty).clone();
            InferImplTrait.visit_type_mut(&mut ty);
            quote!(#arrow #ty)
        }
    }
}

/// A never-taken `return` of the declared type, so `?` and `return` inside
/// the async block infer the function's return type.
fn fake_return_edge(output: &ReturnType) -> TokenStream {
    let l_fake_return = local("__coresdk_fake_return");
    let ty = match output {
        ReturnType::Default => quote!(()),
        ReturnType::Type(_, ty) => {
            if matches!(**ty, Type::ImplTrait(_)) {
                return TokenStream::new();
            }
            let mut ty = (**ty).clone();
            InferImplTrait.visit_type_mut(&mut ty);
            ty.into_token_stream()
        }
    };
    quote! {
        #[allow(
            unknown_lints,
            unreachable_code,
            clippy::diverging_sub_expression,
            clippy::empty_loop,
            clippy::let_unit_value,
            clippy::let_with_type_underscore,
            clippy::needless_return,
            clippy::unreachable
        )]
        if false {
            let #l_fake_return: #ty = loop {};
            return #l_fake_return;
        }
    }
}

struct InferImplTrait;

impl VisitMut for InferImplTrait {
    fn visit_type_mut(&mut self, ty: &mut Type) {
        if let Type::ImplTrait(impl_trait) = ty {
            *ty = Type::Infer(syn::TypeInfer {
                underscore_token: syn::Token![_](impl_trait.impl_token.span),
            });
            return;
        }
        syn::visit_mut::visit_type_mut(self, ty);
    }
}

/// `(statements before, Box::pin(...) call, async block)` when the body is an
/// `#[async_trait]` expansion: its last expression is
/// `Box::pin(async move { … })`.
fn async_trait_body(block: &Block) -> Option<(&[Stmt], &ExprCall, &ExprAsync)> {
    let (last, before) = block.stmts.split_last()?;
    let Stmt::Expr(Expr::Call(call), None) = last else {
        return None;
    };
    let Expr::Path(path) = &*call.func else {
        return None;
    };
    let segments: Vec<String> = path
        .path
        .segments
        .iter()
        .map(|s| s.ident.to_string())
        .collect();
    if !segments.ends_with(&["Box".to_owned(), "pin".to_owned()]) || call.args.len() != 1 {
        return None;
    }
    let Some(Expr::Async(future)) = call.args.first() else {
        return None;
    };
    future.capture?;
    Some((before, call, future))
}

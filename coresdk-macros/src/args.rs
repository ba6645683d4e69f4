//! Parsing and validation of `#[trace(...)]` arguments.

use proc_macro2::Span;
use syn::ext::IdentExt as _;
use syn::parse::{Parse, ParseStream};
use syn::punctuated::Punctuated;
use syn::{Expr, Ident, LitStr, Path, Token};

/// The most `attrs(...)` entries: tracing allows 32 fields per callsite and
/// `#[trace]` declares 9 of its own (`coresdk::__private::FIXED_FIELDS`).
const MAX_ATTRS: usize = 23;

/// Keys `attrs(...)` may not use: the fields `#[trace]` records itself.
const RESERVED_PREFIXES: &[&str] = &["coresdk.", "code.", "error.", "exception.", "otel."];

pub(crate) mod kw {
    syn::custom_keyword!(intent);
    syn::custom_keyword!(on_error);
    syn::custom_keyword!(recovery_hint);
    syn::custom_keyword!(name);
    syn::custom_keyword!(attrs);
}

/// `#[trace(...)]`, parsed and validated.
pub(crate) struct TraceArgs {
    pub(crate) intent: LitStr,
    pub(crate) hint: Option<HintArg>,
    pub(crate) name: Option<LitStr>,
    pub(crate) attrs: Vec<AttrField>,
    pub(crate) krate: Option<Path>,
}

/// How the recovery hint was given.
pub(crate) enum HintArg {
    /// `on_error = <expr>` (an expression of type `RecoveryHint`).
    OnError { key: kw::on_error, expr: Box<Expr> },
    /// `recovery_hint = "<text>"`.
    Text {
        key: kw::recovery_hint,
        text: LitStr,
    },
}

impl HintArg {
    /// The span of the argument's key, for errors about the argument as a whole.
    pub(crate) fn key_span(&self) -> Span {
        match self {
            Self::OnError { key, .. } => key.span,
            Self::Text { key, .. } => key.span,
        }
    }
}

/// How an `attrs(...)` value is recorded.
#[derive(Clone, Copy)]
pub(crate) enum AttrFormat {
    /// As its `tracing::Value`.
    Value,
    /// `%expr`: with `Display`.
    Display,
    /// `?expr`: with `Debug`.
    Debug,
}

/// One `key = value` of `attrs(...)`.
pub(crate) struct AttrField {
    pub(crate) key: LitStr,
    pub(crate) format: AttrFormat,
    pub(crate) value: Expr,
}

impl Parse for AttrField {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let key = if input.peek(LitStr) {
            input.parse::<LitStr>()?
        } else {
            // `a.b.c`: dotted identifiers (keywords allowed, like `type`).
            let first = input.call(Ident::parse_any)?;
            let mut text = first.unraw().to_string();
            let mut span = first.span();
            while input.peek(Token![.]) {
                input.parse::<Token![.]>()?;
                let next = input.call(Ident::parse_any)?;
                text.push('.');
                text.push_str(&next.unraw().to_string());
                span = span.join(next.span()).unwrap_or(span);
            }
            LitStr::new(&text, span)
        };
        input.parse::<Token![=]>()?;
        let format = if input.peek(Token![%]) {
            input.parse::<Token![%]>()?;
            AttrFormat::Display
        } else if input.peek(Token![?]) {
            input.parse::<Token![?]>()?;
            AttrFormat::Debug
        } else {
            AttrFormat::Value
        };
        let value = input.parse::<Expr>()?;
        Ok(Self { key, format, value })
    }
}

/// Parses a string literal, with a clear error for anything else.
fn parse_lit_str(input: ParseStream<'_>, what: &str) -> syn::Result<LitStr> {
    if input.peek(LitStr) {
        return input.parse();
    }
    let tokens: proc_macro2::TokenStream = if input.peek(Token![,]) || input.is_empty() {
        return Err(input.error(format!("expected a string literal for `{what}`")));
    } else {
        // Take everything up to the next comma, to point at the whole expression.
        let expr: Expr = input.parse()?;
        quote::ToTokens::into_token_stream(expr)
    };
    Err(syn::Error::new_spanned(
        tokens,
        format!("`{what}` must be a string literal"),
    ))
}

fn duplicate(span: Span, what: &str) -> syn::Error {
    syn::Error::new(span, format!("duplicate `{what}` argument"))
}

impl Parse for TraceArgs {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let mut intent: Option<LitStr> = None;
        let mut hint: Option<HintArg> = None;
        let mut name: Option<LitStr> = None;
        let mut attrs: Option<(kw::attrs, Vec<AttrField>)> = None;
        let mut krate: Option<Path> = None;

        while !input.is_empty() {
            let lookahead = input.lookahead1();
            if lookahead.peek(kw::intent) {
                let key = input.parse::<kw::intent>()?;
                input.parse::<Token![=]>()?;
                let value = parse_lit_str(input, "intent")?;
                if intent.is_some() {
                    return Err(duplicate(key.span, "intent"));
                }
                if value.value().trim().is_empty() {
                    return Err(syn::Error::new(value.span(), "`intent` must not be empty"));
                }
                intent = Some(value);
            } else if lookahead.peek(kw::on_error) {
                let key = input.parse::<kw::on_error>()?;
                input.parse::<Token![=]>()?;
                let expr = Box::new(input.parse::<Expr>()?);
                if let Some(previous) = &hint {
                    return Err(hint_conflict(key.span, previous));
                }
                hint = Some(HintArg::OnError { key, expr });
            } else if lookahead.peek(kw::recovery_hint) {
                let key = input.parse::<kw::recovery_hint>()?;
                input.parse::<Token![=]>()?;
                let text = parse_lit_str(input, "recovery_hint")?;
                if let Some(previous) = &hint {
                    return Err(hint_conflict(key.span, previous));
                }
                hint = Some(HintArg::Text { key, text });
            } else if lookahead.peek(kw::name) {
                let key = input.parse::<kw::name>()?;
                input.parse::<Token![=]>()?;
                let value = parse_lit_str(input, "name")?;
                if name.is_some() {
                    return Err(duplicate(key.span, "name"));
                }
                if value.value().is_empty() {
                    return Err(syn::Error::new(value.span(), "`name` must not be empty"));
                }
                name = Some(value);
            } else if lookahead.peek(kw::attrs) {
                let key = input.parse::<kw::attrs>()?;
                let content;
                syn::parenthesized!(content in input);
                let fields = Punctuated::<AttrField, Token![,]>::parse_terminated(&content)?;
                if attrs.is_some() {
                    return Err(duplicate(key.span, "attrs"));
                }
                attrs = Some((key, validate_attrs(fields.into_iter().collect())?));
            } else if lookahead.peek(Token![crate]) {
                let key = input.parse::<Token![crate]>()?;
                input.parse::<Token![=]>()?;
                let path = input.call(Path::parse_mod_style)?;
                if krate.is_some() {
                    return Err(duplicate(key.span, "crate"));
                }
                krate = Some(path);
            } else {
                return Err(lookahead.error());
            }
            if input.is_empty() {
                break;
            }
            input.parse::<Token![,]>()?;
        }

        let Some(intent) = intent else {
            return Err(syn::Error::new(
                Span::call_site(),
                "missing `intent`: write `#[trace(intent = \"what this function is for\")]`",
            ));
        };
        Ok(Self {
            intent,
            hint,
            name,
            attrs: attrs.map(|(_, fields)| fields).unwrap_or_default(),
            krate,
        })
    }
}

fn hint_conflict(span: Span, previous: &HintArg) -> syn::Error {
    let what = match previous {
        HintArg::OnError { .. } => "on_error",
        HintArg::Text { .. } => "recovery_hint",
    };
    let mut error = syn::Error::new(
        span,
        format!(
            "a recovery hint is already given by `{what}`: use one of `on_error` and `recovery_hint`"
        ),
    );
    error.combine(syn::Error::new(previous.key_span(), "first given here"));
    error
}

fn validate_attrs(fields: Vec<AttrField>) -> syn::Result<Vec<AttrField>> {
    if let Some(extra) = fields.get(MAX_ATTRS) {
        return Err(syn::Error::new(
            extra.key.span(),
            format!("too many `attrs`: at most {MAX_ATTRS} are supported"),
        ));
    }
    for (i, field) in fields.iter().enumerate() {
        let key = field.key.value();
        if key.is_empty() {
            return Err(syn::Error::new(
                field.key.span(),
                "attribute key must not be empty",
            ));
        }
        if let Some(prefix) = RESERVED_PREFIXES.iter().find(|p| key.starts_with(**p)) {
            return Err(syn::Error::new(
                field.key.span(),
                format!("`{prefix}*` keys are recorded by `#[trace]` itself; pick another key"),
            ));
        }
        if fields[..i].iter().any(|f| f.key.value() == key) {
            return Err(syn::Error::new(
                field.key.span(),
                format!("duplicate attribute key `{key}`"),
            ));
        }
    }
    Ok(fields)
}

//! The expansion's hygiene: absolute `__private` paths only (works under
//! `#[no_implicit_prelude]`), `crate = path`, `__coresdk_` locals, and the
//! callsite's field names are exactly the attribute constants.

use crate::support;

use std::sync::{Arc, Mutex};

use coresdk::genai::attributes;
use support::capture;
use tracing::span;
use tracing_subscriber::layer::{Context, SubscriberExt as _};
use tracing_subscriber::{Layer, Registry};

#[no_implicit_prelude]
mod bare {
    #[::coresdk::trace(intent = "no prelude in scope", on_error = ::coresdk::RecoveryHint::RotateCredentials, attrs(n = n))]
    pub(crate) fn sync_fn(n: i64) -> ::std::result::Result<i64, ::std::string::String> {
        if n < 0 {
            return ::std::result::Result::Err(::std::string::ToString::to_string("negative"));
        }
        ::std::result::Result::Ok(n)
    }

    #[::coresdk::trace(intent = "async without prelude")]
    pub(crate) async fn async_fn(n: u8) -> ::std::option::Option<u8> {
        ::std::option::Option::Some(n)
    }

    #[::coresdk::trace(intent = "`?`, a Display attr and a hint without prelude", on_error = ::coresdk::RecoveryHint::ValidateInputSchema, attrs(n = n, shown = %n))]
    pub(crate) fn parse(n: i64) -> ::std::result::Result<i64, ::std::num::ParseIntError> {
        let v: i64 = "12".parse()?;
        ::std::result::Result::Ok(v + n)
    }

    #[::coresdk::trace(
        intent = "async with a hint, without prelude",
        recovery_hint = "try again"
    )]
    pub(crate) async fn later(n: u8) -> ::std::result::Result<u8, ()> {
        ::std::result::Result::Ok(n)
    }

    pub(crate) struct S;

    impl S {
        #[::coresdk::trace(intent = "method without prelude")]
        pub(crate) fn get(&self) -> &Self {
            self
        }
    }
}

mod reexported {
    pub(crate) use ::coresdk as sdk;
}

#[coresdk::trace(crate = reexported::sdk, intent = "through a re-exported path")]
fn via_crate_path(__coresdk_span: u32, __coresdk_hint: u32) -> u32 {
    // Parameters named like the expansion's own locals still work: the
    // expansion's bindings live outside the body closure.
    __coresdk_span + __coresdk_hint
}

#[test]
fn works_under_no_implicit_prelude() {
    let ((ok, err), spans) = capture(|| (bare::sync_fn(3), bare::sync_fn(-1)));
    assert_eq!(ok, Ok(3));
    assert!(err.is_err());
    assert_eq!(spans.0.len(), 2);
    assert!(spans.0.iter().any(support::is_error));
    let (v, spans) = support::capture_async(|| bare::async_fn(4));
    assert_eq!(v, Some(4));
    spans.one("async_fn");
    let (v, spans) = capture(|| bare::parse(1));
    assert_eq!(v, Ok(13));
    spans.one("parse");
    let (v, spans) = support::capture_async(|| bare::later(5));
    assert_eq!(v, Ok(5));
    spans.one("later");
    let ((), spans) = capture(|| {
        let _ = bare::S.get();
    });
    spans.one("get");
}

fn computed_hint() -> coresdk::RecoveryHint {
    coresdk::RecoveryHint::Custom("computed")
}

#[coresdk::trace(
    intent = "every argument at once",
    name = "renamed",
    on_error = computed_hint(),
    attrs(order.id = id, "quoted.key" = %id, dbg = ?(id, id), r#type = "raw"),
    crate = ::coresdk,
)]
fn everything(id: u64) -> Result<u64, String> {
    Ok(id)
}

#[test]
fn every_argument_at_once() {
    let (v, spans) = capture(|| everything(3));
    assert_eq!(v, Ok(3));
    spans.one("renamed");
}

#[test]
fn crate_argument_and_shadowing_parameters() {
    let (v, spans) = capture(|| via_crate_path(1, 2));
    assert_eq!(v, 3);
    spans.one("via_crate_path");
}

/// Records the field names of every new span.
#[derive(Clone, Default)]
struct FieldNames(Arc<Mutex<Vec<SpanFields>>>);

/// A span name and its field names.
type SpanFields = (String, Vec<String>);

impl<S: tracing::Subscriber> Layer<S> for FieldNames {
    fn on_new_span(&self, attrs: &span::Attributes<'_>, _: &span::Id, _: Context<'_, S>) {
        let meta = attrs.metadata();
        let names = meta.fields().iter().map(|f| f.name().to_owned()).collect();
        self.0
            .lock()
            .expect("not poisoned")
            .push((meta.name().to_owned(), names));
    }
}

#[coresdk::trace(intent = "fields", attrs(user.tier = "gold", "literal.key" = 1))]
fn with_fields() {}

#[test]
fn callsite_fields_are_the_attribute_constants() {
    let names = FieldNames::default();
    let subscriber = Registry::default().with(names.clone());
    tracing::subscriber::with_default(subscriber, with_fields);
    let recorded = names.0.lock().expect("not poisoned").clone();
    assert_eq!(
        recorded,
        vec![(
            "with_fields".to_owned(),
            [
                attributes::CORESDK_INTENT,
                attributes::CODE_FUNCTION_NAME,
                attributes::CORESDK_RECOVERY_HINT,
                attributes::ERROR_TYPE,
                attributes::CORESDK_PROBLEM_TYPE,
                attributes::CORESDK_PROBLEM_TITLE,
                attributes::CORESDK_PROBLEM_STATUS,
                attributes::CORESDK_PROBLEM_DETAIL,
                attributes::CORESDK_CANCELLED,
                "user.tier",
                "literal.key",
            ]
            .map(str::to_owned)
            .to_vec()
        )]
    );
}

#[test]
fn attrs_limit_matches_the_macro() {
    // `coresdk-macros` rejects more than 23 `attrs(...)`: tracing allows 32
    // fields per callsite and `#[trace]` declares 9 itself.
    assert_eq!(coresdk::__private::FIXED_FIELDS, 9);
    assert_eq!(coresdk::__private::MAX_ATTRS, 23);
}

#[coresdk::trace(
    intent = "as many attrs as allowed",
    attrs(
        a0 = 0,
        a1 = 1,
        a2 = 2,
        a3 = 3,
        a4 = 4,
        a5 = 5,
        a6 = 6,
        a7 = 7,
        a8 = 8,
        a9 = 9,
        a10 = 10,
        a11 = 11,
        a12 = 12,
        a13 = 13,
        a14 = 14,
        a15 = 15,
        a16 = 16,
        a17 = 17,
        a18 = 18,
        a19 = 19,
        a20 = 20,
        a21 = 21,
        a22 = 22
    )
)]
fn max_attrs() {}

#[test]
fn the_maximum_number_of_attrs_is_recorded() {
    let ((), spans) = capture(max_attrs);
    let span = spans.one("max_attrs");
    for i in 0..23_i64 {
        assert_eq!(
            support::attr(span, &format!("a{i}")),
            Some(&opentelemetry::Value::I64(i))
        );
    }
}

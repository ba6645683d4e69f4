//! `#[trace]` on every function shape: each one opens a span with the intent
//! and the code location of the user's function, and nests correctly.

use crate::support;

use std::fmt::Display;

use coresdk::genai::attributes::{
    CODE_FILE_PATH, CODE_FUNCTION_NAME, CODE_LINE_NUMBER, CORESDK_INTENT,
};
use coresdk::trace;
use opentelemetry::Value;
use support::{attr, attr_count, attr_str, capture, capture_async};
use tracing::Instrument as _;

/// Line of the `fn` of a traced function declared right after `line!()`'s
/// attribute line: `const L: u32 = line!();` then `#[trace]`, then `fn`.
const fn fn_line(marker: u32) -> i64 {
    marker as i64 + 2
}

const FREE_LINE: u32 = line!();
#[trace(intent = "add two numbers")]
fn free(a: u32, b: u32) -> u32 {
    a + b
}

#[test]
fn sync_free_fn_records_intent_and_location() {
    let (sum, spans) = capture(|| free(2, 3));
    assert_eq!(sum, 5);
    let span = spans.one("free");
    assert_eq!(attr_str(span, CORESDK_INTENT), "add two numbers");
    assert_eq!(
        attr_str(span, CODE_FUNCTION_NAME),
        "it::trace_shapes::free",
        "module path + fn name"
    );
    assert!(attr_str(span, CODE_FILE_PATH).ends_with("tests/it/trace_shapes.rs"));
    assert_eq!(
        attr(span, CODE_LINE_NUMBER),
        Some(&Value::I64(fn_line(FREE_LINE))),
        "the line of the fn, not of the attribute"
    );
    // Location is recorded once (by the OTel layer from the callsite).
    assert_eq!(attr_count(span, CODE_FILE_PATH), 1);
    assert_eq!(attr_count(span, CODE_LINE_NUMBER), 1);
    assert!(span.status == opentelemetry::trace::Status::Unset);
}

mod nested {
    use coresdk::trace;

    #[trace(intent = "in a module", name = "custom span name")]
    pub(crate) fn renamed() -> &'static str {
        "ok"
    }
}

#[test]
fn name_argument_and_module_path() {
    let (_, spans) = capture(nested::renamed);
    let span = spans.one("custom span name");
    assert_eq!(
        attr_str(span, CODE_FUNCTION_NAME),
        "it::trace_shapes::nested::renamed"
    );
}

const ASYNC_LINE: u32 = line!();
#[trace(intent = "async free fn")]
async fn async_free(x: u32) -> u32 {
    tokio::task::yield_now().await;
    x * 2
}

#[test]
fn async_fn() {
    let (v, spans) = capture_async(|| async_free(21));
    assert_eq!(v, 42);
    let span = spans.one("async_free");
    assert_eq!(attr_str(span, CORESDK_INTENT), "async free fn");
    assert_eq!(
        attr(span, CODE_LINE_NUMBER),
        Some(&Value::I64(fn_line(ASYNC_LINE)))
    );
}

#[derive(Debug, Default)]
struct Account {
    balance: i64,
    name: String,
}

impl Account {
    #[trace(intent = "create an account")]
    fn open(name: &str) -> Self {
        Self {
            balance: 0,
            name: name.to_owned(),
        }
    }

    #[trace(intent = "read the name")]
    fn name(&self) -> &str {
        &self.name
    }

    #[trace(intent = "deposit money")]
    fn deposit(&mut self, amount: i64) -> &mut i64 {
        self.balance += amount;
        &mut self.balance
    }

    #[trace(intent = "close the account")]
    fn close(self) -> i64 {
        self.balance
    }

    #[trace(intent = "async method")]
    async fn refresh(&mut self) -> i64 {
        tokio::task::yield_now().await;
        self.balance += 1;
        self.balance
    }
}

#[test]
fn methods_and_associated_fns() {
    let (closed, spans) = capture(|| {
        let mut account = Account::open("alice");
        assert_eq!(account.name(), "alice");
        *account.deposit(5) += 1;
        account.close()
    });
    assert_eq!(closed, 6);
    for (name, intent) in [
        ("open", "create an account"),
        ("name", "read the name"),
        ("deposit", "deposit money"),
        ("close", "close the account"),
    ] {
        let span = spans.one(name);
        assert_eq!(attr_str(span, CORESDK_INTENT), intent);
        assert_eq!(
            attr_str(span, CODE_FUNCTION_NAME),
            format!("it::trace_shapes::{name}")
        );
    }
    let (v, spans) = capture_async(|| async {
        let mut account = Account::default();
        account.refresh().await
    });
    assert_eq!(v, 1);
    spans.one("refresh");
}

#[trace(intent = "describe anything displayable")]
fn describe<T, U>(left: T, right: U) -> String
where
    T: Display,
    U: Display + Clone,
{
    format!("{left}/{right}")
}

#[trace(intent = "sum an iterator")]
fn sum_all(items: impl IntoIterator<Item = u32>) -> impl Display {
    items.into_iter().sum::<u32>()
}

#[trace(intent = "async impl trait")]
async fn async_impl(items: impl IntoIterator<Item = u32>) -> impl Display {
    tokio::task::yield_now().await;
    items.into_iter().count()
}

#[test]
fn generics_where_clauses_and_impl_trait() {
    let ((d, s), spans) = capture(|| (describe(1, "x"), sum_all(vec![1, 2, 3]).to_string()));
    assert_eq!(d, "1/x");
    assert_eq!(s, "6");
    spans.one("describe");
    spans.one("sum_all");
    let (n, spans) = capture_async(|| async { async_impl([1, 2]).await.to_string() });
    assert_eq!(n, "2");
    spans.one("async_impl");
}

trait Store {
    fn put(&mut self, key: &str) -> usize;
}

#[derive(Default)]
struct MemStore(Vec<String>);

impl Store for MemStore {
    #[trace(intent = "store a key")]
    fn put(&mut self, key: &str) -> usize {
        self.0.push(key.to_owned());
        self.0.len()
    }
}

#[async_trait::async_trait]
trait Fetch {
    async fn fetch(&self, id: u32) -> Result<u32, std::io::Error>;
}

struct Fetcher;

const ASYNC_TRAIT_LINE: u32 = line!();
#[async_trait::async_trait]
impl Fetch for Fetcher {
    #[trace(intent = "fetch through async-trait")]
    async fn fetch(&self, id: u32) -> Result<u32, std::io::Error> {
        tokio::task::yield_now().await;
        if id == 0 {
            return Err(std::io::Error::other("no such id"));
        }
        Ok(id + 1)
    }
}

#[test]
fn trait_impls_and_async_trait() {
    let (n, spans) = capture(|| MemStore::default().put("k"));
    assert_eq!(n, 1);
    spans.one("put");

    let (r, spans) = capture_async(|| async {
        let f: &dyn Fetch = &Fetcher;
        (f.fetch(1).await.ok(), f.fetch(0).await.is_err())
    });
    assert_eq!(r, (Some(2), true));
    assert_eq!(spans.0.iter().filter(|s| s.name == "fetch").count(), 2);
    for span in spans.0.iter().filter(|s| s.name == "fetch") {
        assert_eq!(attr_str(span, CORESDK_INTENT), "fetch through async-trait");
        assert_eq!(
            attr(span, CODE_LINE_NUMBER),
            Some(&Value::I64(i64::from(ASYNC_TRAIT_LINE) + 4))
        );
    }
    let failed: Vec<_> = spans
        .0
        .iter()
        .filter(|s| s.name == "fetch" && support::is_error(s))
        .collect();
    assert_eq!(
        failed.len(),
        1,
        "the Err return of the async-trait fn is recorded"
    );
}

#[derive(Debug)]
struct ParseError(String);

impl Display for ParseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "cannot parse {}", self.0)
    }
}

impl From<std::num::ParseIntError> for ParseError {
    fn from(e: std::num::ParseIntError) -> Self {
        Self(e.to_string())
    }
}

#[trace(intent = "parse and double")]
fn parse_double(input: &str) -> Result<i64, ParseError> {
    if input.is_empty() {
        return Err(ParseError("<empty>".into()));
    }
    let n: i64 = input.parse()?;
    Ok(n * 2)
}

#[trace(intent = "async question mark")]
async fn parse_async(input: &str) -> Result<i64, ParseError> {
    tokio::task::yield_now().await;
    if input == "early" {
        return Ok(-1);
    }
    Ok(parse_double(input)? + 1)
}

#[test]
fn result_with_question_mark_and_early_return() {
    let (results, spans) = capture(|| {
        [
            parse_double("21").ok(),
            parse_double("").ok(),
            parse_double("x").ok(),
        ]
    });
    assert_eq!(results, [Some(42), None, None]);
    let errors = spans.0.iter().filter(|s| support::is_error(s)).count();
    assert_eq!(errors, 2, "both the early return and the `?` are recorded");

    let (r, spans) = capture_async(|| async {
        (
            parse_async("early").await.ok(),
            parse_async("x").await.is_err(),
            parse_async("1").await.ok(),
        )
    });
    assert_eq!(r, (Some(-1), true, Some(3)));
    let failed: Vec<_> = spans
        .0
        .iter()
        .filter(|s| s.name == "parse_async" && support::is_error(s))
        .collect();
    assert_eq!(failed.len(), 1);
}

/// Documented, must_use: both attributes are kept (see also the UI test
/// `pass/attributes_kept.rs`).
#[must_use]
#[trace(intent = "non-result return")]
fn plain() -> Vec<u8> {
    vec![1, 2, 3]
}

#[trace(intent = "unit return")]
fn unit(v: &mut Vec<u8>) {
    v.push(1);
}

#[test]
fn non_result_returns_never_error() {
    let ((v, w), spans) = capture(|| {
        let mut w = Vec::new();
        unit(&mut w);
        (plain(), w)
    });
    assert_eq!(v, [1, 2, 3]);
    assert_eq!(w, [1]);
    for name in ["plain", "unit"] {
        assert!(!support::is_error(spans.one(name)));
    }
}

#[trace(intent = "outer")]
async fn outer() -> u32 {
    let a = inner_async().await;
    let b = tokio::spawn(spawned().in_current_span())
        .await
        .expect("task completes");
    a + b + instrumented_by_tracing()
}

#[trace(intent = "inner")]
async fn inner_async() -> u32 {
    tokio::task::yield_now().await;
    innermost()
}

#[trace(intent = "innermost")]
fn innermost() -> u32 {
    1
}

#[trace(intent = "spawned task")]
async fn spawned() -> u32 {
    tokio::task::yield_now().await;
    10
}

#[tracing::instrument(skip_all)]
fn instrumented_by_tracing() -> u32 {
    under_tracing()
}

#[trace(intent = "under a tracing::instrument span")]
fn under_tracing() -> u32 {
    100
}

#[test]
fn spans_nest_across_await_spawn_and_tracing_instrument() {
    let (v, spans) = capture_async(outer);
    assert_eq!(v, 111);
    spans.assert_root("outer");
    spans.assert_parent("inner_async", "outer");
    spans.assert_parent("innermost", "inner_async");
    spans.assert_parent("spawned", "outer");
    spans.assert_parent("instrumented_by_tracing", "outer");
    spans.assert_parent("under_tracing", "instrumented_by_tracing");
}

#[test]
fn spawned_task_carrying_a_span_with_instrument() {
    let (v, spans) = capture_async(|| async {
        let parent = tracing::info_span!("request");
        tokio::spawn(spawned().instrument(parent))
            .await
            .expect("task completes")
    });
    assert_eq!(v, 10);
    spans.assert_parent("spawned", "request");
}

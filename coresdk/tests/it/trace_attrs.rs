//! Privacy by construction: argument values reach a span only through
//! `attrs(...)`, and `attrs(...)` is evaluated only when the span is enabled.

use crate::support;

use std::cell::Cell;
use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};

use coresdk::trace;
use opentelemetry::Value;
use support::{all_text, attr, attr_str, capture, capture_async};
use tracing_subscriber::layer::SubscriberExt as _;

/// A fresh random string (process-random hasher keys, mixed with a counter).
fn random_secret(tag: &str) -> String {
    thread_local!(static COUNTER: Cell<u64> = const { Cell::new(0) });
    let n = COUNTER.with(|c| {
        c.set(c.get() + 1);
        c.get()
    });
    let mut hasher = RandomState::new().build_hasher();
    hasher.write_u64(n);
    format!(
        "{tag}-{:016x}{:016x}",
        hasher.finish(),
        RandomState::new().hash_one(n)
    )
}

#[derive(Debug)]
struct Card {
    number: String,
}

#[trace(intent = "validate payment token before charging")]
fn validate(token: &str, amount: u64, card: &Card) -> Result<bool, String> {
    if token.is_empty() || card.number.is_empty() {
        return Ok(false);
    }
    Err(format!("declined: amount {amount} over limit"))
}

#[trace(intent = "charge a customer", attrs(customer.tier = tier, amount = amount))]
async fn charge(token: String, tier: &str, amount: i64) -> bool {
    tokio::task::yield_now().await;
    !token.is_empty()
}

struct Session {
    secret: String,
}

impl Session {
    #[trace(intent = "use a session", attrs(session.len = self.secret.len() as i64))]
    fn touch(&self, note: &str) -> usize {
        self.secret.len() + note.len()
    }
}

#[test]
fn argument_values_never_reach_spans_unless_named() {
    for _ in 0..20 {
        let token = random_secret("tok");
        let card_number = random_secret("card");
        let charge_token = random_secret("charge");
        let tier = random_secret("tier");
        let session_secret = random_secret("sess");
        let note = random_secret("note");
        let card = Card {
            number: card_number.clone(),
        };
        let (_, spans) = capture(|| {
            let _ = validate(&token, 42, &card);
            Session {
                secret: session_secret.clone(),
            }
            .touch(&note)
        });
        let (_, async_spans) = capture_async(|| charge(charge_token.clone(), &tier, 99));

        let everything: String = spans.0.iter().chain(&async_spans.0).map(all_text).collect();
        for secret in [&token, &card_number, &charge_token, &session_secret, &note] {
            assert!(
                !everything.contains(secret.as_str()),
                "{secret} leaked into {everything}"
            );
        }
        // Named in attrs(...): recorded.
        let span = async_spans.one("charge");
        assert_eq!(attr_str(span, "customer.tier"), tier);
        assert_eq!(attr(span, "amount"), Some(&Value::I64(99)));
        let span = spans.one("touch");
        assert_eq!(
            attr(span, "session.len"),
            Some(&Value::I64(session_secret.len() as i64))
        );
    }
}

thread_local!(static EVALUATIONS: Cell<u32> = const { Cell::new(0) });

fn counted(v: i64) -> i64 {
    EVALUATIONS.with(|c| c.set(c.get() + 1));
    v
}

#[trace(intent = "count attribute evaluations", attrs(value = counted(x), shown = %x, debugged = ?Some(x)))]
fn observed(x: i64) -> i64 {
    x + 1
}

#[test]
fn attrs_are_evaluated_only_when_the_span_is_enabled() {
    EVALUATIONS.with(|c| c.set(0));
    // No subscriber. (Set explicitly: in this shared test process another
    // test's subscriber can make a callsite's cached interest "always"
    // while this thread has none; a registered no-op subscriber keeps the
    // interest "sometimes" so this thread's own answer counts.)
    tracing::subscriber::with_default(tracing::subscriber::NoSubscriber::default(), || {
        assert_eq!(observed(1), 2);
    });
    assert_eq!(EVALUATIONS.with(Cell::get), 0);

    // A subscriber that does not want INFO spans.
    let quiet = tracing_subscriber::registry().with(tracing_subscriber::filter::LevelFilter::WARN);
    tracing::subscriber::with_default(quiet, || assert_eq!(observed(2), 3));
    assert_eq!(EVALUATIONS.with(Cell::get), 0);

    // Enabled: evaluated exactly once per call, values recorded with their format.
    let (v, spans) = capture(|| observed(41));
    assert_eq!(v, 42);
    assert_eq!(EVALUATIONS.with(Cell::get), 1);
    let span = spans.one("observed");
    assert_eq!(attr(span, "value"), Some(&Value::I64(41)));
    assert_eq!(attr_str(span, "shown"), "41");
    assert_eq!(attr_str(span, "debugged"), "Some(41)");
}

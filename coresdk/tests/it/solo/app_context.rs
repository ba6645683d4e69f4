//! The application context through the public API: every span of a request
//! scope carries the ids, they cross a real loopback HTTP call as W3C baggage
//! when opted in, and two pipelines (or processes) with the same hash key
//! export the same values.

use std::sync::Arc;

use crate::support::{attr, find};
use axum::Router;
use axum::http::HeaderMap;
use axum::routing::get;
use coresdk::context::{self, AppContext};
use coresdk::propagation::{self, HeaderExtractor, HeaderInjector};
use coresdk::testing::SpanCapture;
use opentelemetry::Value;
use opentelemetry_sdk::trace::SpanData;
use tracing::Dispatch;
use tracing_subscriber::layer::SubscriberExt as _;

/// Every pipeline of this binary opts in the same keys: the propagation
/// settings are process-wide.
const BAGGAGE_KEYS: [&str; 3] = ["session.id", "gen_ai.conversation.id", "app.feature"];

/// One simulated process: its own pipeline, subscriber and capture.
struct Service {
    dispatch: Dispatch,
    capture: SpanCapture,
    guard: coresdk::Guard,
}

impl Service {
    /// A pipeline hashing with `hash_key`; an empty key leaves it unset (a
    /// random key per process).
    fn new(hash_key: &str) -> Self {
        let capture = SpanCapture::new();
        let mut builder = capture.config_builder().with_baggage_keys(BAGGAGE_KEYS);
        if !hash_key.is_empty() {
            builder = builder.with_pii_hash_key(hash_key);
        }
        let config = builder.build().expect("config");
        let (layer, guard) = coresdk::layer(config).expect("layer");
        Self {
            dispatch: Dispatch::new(tracing_subscriber::registry().with(layer)),
            capture,
            guard,
        }
    }

    fn run<R>(&self, f: impl FnOnce() -> R) -> R {
        tracing::dispatcher::with_default(&self.dispatch, f)
    }

    fn spans(&self) -> Vec<SpanData> {
        self.guard.flush().expect("flush");
        self.capture.spans()
    }
}

fn request_context() -> AppContext {
    AppContext::new()
        .with_user_id("u-42")
        .with_session_id("sess-789")
        .with_feature("faq")
        .with_prompt_name("answer")
        .with_prompt_version("v3")
        .with_conversation_id("conv-1")
}

#[test]
fn a_child_span_of_a_request_scope_carries_the_ids() {
    if coresdk_tests::solo::delegated() {
        return;
    }
    let service = Service::new("k");
    service.run(|| {
        let _ctx = context::enter(request_context());
        tracing::info_span!("handle_request").in_scope(|| {
            tracing::debug_span!(target: "app::db", "load_history").in_scope(|| {});
        });
    });
    tracing::info_span!("outside").in_scope(|| {});
    service.run(|| tracing::info_span!("after_the_scope").in_scope(|| {}));
    let spans = service.spans();
    let child = find(&spans, "load_history");
    assert_eq!(attr(child, "session.id"), Some(&Value::from("sess-789")));
    assert_eq!(attr(child, "app.feature"), Some(&Value::from("faq")));
    assert_eq!(attr(child, "app.prompt.name"), Some(&Value::from("answer")));
    assert_eq!(attr(child, "app.prompt.version"), Some(&Value::from("v3")));
    assert_eq!(
        attr(child, "gen_ai.conversation.id"),
        Some(&Value::from("conv-1"))
    );
    // user.id is hashed by masking, never exported as is.
    let user = attr(child, "user.id").expect("user.id").as_str();
    assert!(user.starts_with("<HASH:"), "{user}");
    assert!(attr(find(&spans, "handle_request"), "session.id").is_some());
    assert!(attr(find(&spans, "after_the_scope"), "session.id").is_none());
}

/// The exported `(session.id, user.id)` of a span in a request scope.
fn exported_ids(service: &Service) -> (Option<Value>, Option<Value>) {
    service.run(|| {
        let _ctx = context::enter(request_context());
        tracing::info_span!("work").in_scope(|| {});
    });
    let spans = service.spans();
    let work = find(&spans, "work");
    (
        attr(work, "session.id").cloned(),
        attr(work, "user.id").cloned(),
    )
}

#[test]
fn the_same_ids_export_the_same_values_from_two_pipelines_with_one_key() {
    if coresdk_tests::solo::delegated() {
        return;
    }
    let a = exported_ids(&Service::new("shared-key"));
    let b = exported_ids(&Service::new("shared-key"));
    assert_eq!(a, b);
    assert_eq!(a.0, Some(Value::from("sess-789")));
    let other = exported_ids(&Service::new("another-key"));
    assert_eq!(other.0, a.0, "session ids are not hashed");
    assert_ne!(other.1, a.1, "user ids are hashed with the key");
}

/// The hash key of an `export_child` process; unset in the test process.
const EXPORT_CHILD: &str = "CORESDK_APP_CONTEXT_EXPORT_KEY";

/// Runs in a child process (`ids_from_a_process`): prints what one
/// process exports.
#[test]
fn export_child() {
    let Ok(key) = std::env::var(EXPORT_CHILD) else {
        return;
    };
    let (session, user) = exported_ids(&Service::new(&key));
    let shown = |value: Option<Value>| value.map_or_else(|| "-".to_owned(), |v| v.to_string());
    // Own line: libtest has already printed `test … ` on this one.
    println!("\nIDS session={} user={}", shown(session), shown(user));
}

/// What a process of its own, hashing with `key` ("" for none), exports.
fn ids_from_a_process(key: &str) -> String {
    let out =
        coresdk_tests::solo::run_sibling(module_path!(), "export_child", &[(EXPORT_CHILD, key)]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    stdout
        .lines()
        .find_map(|line| line.split_once("IDS ").map(|(_, ids)| ids))
        .unwrap_or_else(|| panic!("no ids in:\n{stdout}"))
        .to_owned()
}

#[test]
fn the_same_session_exports_the_same_values_from_two_processes() {
    let first = ids_from_a_process("shared-key");
    assert!(first.contains("sess-789"), "{first}");
    assert_eq!(ids_from_a_process("shared-key"), first);
    // Without a configured key each process hashes with its own random
    // key: the session id is still the same, the user id is not.
    let (a, b) = (ids_from_a_process(""), ids_from_a_process(""));
    let session = |ids: &str| ids.split(" user=").next().map(str::to_owned);
    assert_eq!(session(&a), session(&first));
    assert_eq!(session(&b), session(&first));
    assert_ne!(a, b, "user ids hashed with per-process keys differ");
}

/// A loopback HTTP service that runs each request in the caller's
/// application context, read from the baggage header.
async fn serve(callee: Arc<Service>) -> std::net::SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let app = Router::new().route(
        "/answer",
        get(move |headers: HeaderMap| {
            let callee = Arc::clone(&callee);
            async move {
                let baggage = headers
                    .get("baggage")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or_default()
                    .to_owned();
                callee.run(|| {
                    let extractor = HeaderExtractor(&headers);
                    let span = tracing::info_span!("serve_answer");
                    assert!(propagation::set_parent(&span, &extractor));
                    let _ctx = context::enter(propagation::app_context(&extractor));
                    span.in_scope(|| tracing::info_span!("lookup").in_scope(|| {}));
                });
                baggage
            }
        }),
    );
    tokio::spawn(async move { axum::serve(listener, app).await });
    addr
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_propagated_request_carries_baggage_and_the_callee_spans_carry_the_ids() {
    if coresdk_tests::solo::delegated() {
        return;
    }
    let callee = Arc::new(Service::new("k"));
    let addr = serve(Arc::clone(&callee)).await;
    let caller = Service::new("k");

    let headers = caller.run(|| {
        let _ctx = context::enter(request_context());
        let span = tracing::info_span!("call_service");
        let _entered = span.enter();
        let mut headers = http::HeaderMap::new();
        propagation::inject(&mut HeaderInjector(&mut headers));
        headers
    });
    let baggage = reqwest::Client::new()
        .get(format!("http://{addr}/answer"))
        .headers(headers)
        .send()
        .await
        .expect("request")
        .text()
        .await
        .expect("body");
    // Only the opted-in keys travel.
    assert!(baggage.contains("session.id=sess-789"), "{baggage}");
    assert!(
        baggage.contains("gen_ai.conversation.id=conv-1"),
        "{baggage}"
    );
    assert!(!baggage.contains("user.id"), "{baggage}");

    let spans = callee.spans();
    let lookup = find(&spans, "lookup");
    assert_eq!(attr(lookup, "session.id"), Some(&Value::from("sess-789")));
    assert_eq!(
        attr(lookup, "gen_ai.conversation.id"),
        Some(&Value::from("conv-1"))
    );
    assert_eq!(attr(lookup, "app.feature"), Some(&Value::from("faq")));
    assert!(attr(lookup, "user.id").is_none());
    let served = find(&spans, "serve_answer");
    let call = find(&caller.spans(), "call_service").clone();
    assert_eq!(served.span_context.trace_id(), call.span_context.trace_id());
    assert_eq!(served.parent_span_id, call.span_context.span_id());
}

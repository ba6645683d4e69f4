//! The diagnostic payload of spans opened by `#[trace]`,
//! through the real pipeline (`coresdk::layer`).

use crate::common;

use std::fmt;
use std::time::Duration;

use common::{Stack, assert_seed_shape, builder, payloads, socket_in, wait_for};
use coresdk::egress::viewer::Viewer;
use coresdk::egress::{EgressDecision, TYPE_LLM_DIAGNOSTIC};
use coresdk::{Problem, RecoveryHint, trace};

const SECRET_SKU: &str = "sku-7f3a9c1e-private";

#[derive(Debug)]
struct UpstreamTimeout {
    after_ms: u64,
}

impl fmt::Display for UpstreamTimeout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "inventory service did not respond within {}ms",
            self.after_ms
        )
    }
}

impl Problem for UpstreamTimeout {
    fn problem_type(&self) -> &'static str {
        "https://coresdk.dev/errors/upstream-timeout"
    }
    fn title(&self) -> &'static str {
        "Upstream Timeout"
    }
    fn status(&self) -> u16 {
        504
    }
}

#[trace(
    intent = "call downstream inventory service",
    recovery_hint = "check inventory service health"
)]
fn check_inventory(sku: &str) -> Result<u32, UpstreamTimeout> {
    std::thread::sleep(Duration::from_millis(5));
    let _ = sku;
    Err(UpstreamTimeout { after_ms: 2000 })
}

#[trace(intent = "handle incoming order creation request")]
fn create_order(sku: &str) -> Result<(), UpstreamTimeout> {
    check_inventory(sku)?;
    Ok(())
}

#[tracing::instrument(skip_all)]
fn reserve_stock() -> Result<(), UpstreamTimeout> {
    Err(UpstreamTimeout { after_ms: 100 })
}

#[trace(intent = "reserve stock for an order", on_error = RecoveryHint::RetryWithBackoff)]
fn reserve(sku: &str) -> Result<(), UpstreamTimeout> {
    let _ = sku;
    reserve_stock()
}

#[trace(intent = "ask a supplier for a quote")]
async fn quote(supplier: u8) -> Result<u32, UpstreamTimeout> {
    tokio::time::sleep(Duration::from_millis(u64::from(supplier) * 3)).await;
    if supplier == 2 {
        Err(UpstreamTimeout { after_ms: 300 })
    } else {
        Ok(100)
    }
}

#[trace(intent = "price an order from three suppliers")]
async fn price_order() -> Result<u32, UpstreamTimeout> {
    let (a, b, c) = tokio::join!(quote(1), quote(2), quote(3));
    Ok(a? + b? + c?)
}

#[test]
fn seed_example_with_trace_macro() {
    let dir = tempfile::tempdir().expect("tempdir");
    let socket = socket_in(&dir);
    let viewer = Viewer::listen(&socket).expect("listen");
    let stack = Stack::new(builder(&socket, "orders-service").with_llm_export(true));
    stack.run(|| {
        let _ = create_order(SECRET_SKU);
    });
    stack.shutdown();

    let events = wait_for(&viewer, TYPE_LLM_DIAGNOSTIC, 1);
    let p = payloads(&events).pop().expect("payload");
    assert_seed_shape(&p.to_json());
    assert_eq!(p.egress_decision, Some(EgressDecision::Allow));
    assert_eq!(
        p.error.type_uri,
        "https://coresdk.dev/errors/upstream-timeout"
    );
    assert_eq!(p.error.title, "Upstream Timeout");
    assert_eq!(p.error.status, Some(504));
    assert_eq!(
        p.error.detail.as_deref(),
        Some("inventory service did not respond within 2000ms")
    );
    let frames: Vec<_> = p.frames().collect();
    assert_eq!(frames.len(), 2, "{frames:#?}");
    assert_eq!(frames[0].intent, "handle incoming order creation request");
    assert_eq!(frames[0].module, concat!(module_path!(), "::create_order"));
    assert_eq!(frames[0].file.as_deref(), Some(file!()));
    assert!(frames[0].line.is_some());
    assert!(frames[0].error);
    assert_eq!(frames[1].intent, "call downstream inventory service");
    assert_eq!(
        frames[1].module,
        concat!(module_path!(), "::check_inventory")
    );
    assert_eq!(
        frames[1].recovery_hint.as_deref(),
        Some("check inventory service health")
    );
    assert!(frames[1].duration_ms >= 5);
    assert!(!p.to_json().contains(SECRET_SKU));
}

#[test]
fn trace_over_tracing_instrument() {
    let dir = tempfile::tempdir().expect("tempdir");
    let socket = socket_in(&dir);
    let viewer = Viewer::listen(&socket).expect("listen");
    let stack = Stack::new(builder(&socket, "orders-service").with_llm_export(true));
    stack.run(|| {
        let _ = reserve(SECRET_SKU);
    });
    stack.shutdown();
    let events = wait_for(&viewer, TYPE_LLM_DIAGNOSTIC, 1);
    let p = payloads(&events).pop().expect("payload");
    let frames: Vec<_> = p.frames().collect();
    // `reserve_stock` (#[tracing::instrument]) does not fail its span: the
    // failing span is the #[trace] one.
    assert_eq!(frames.len(), 1, "{frames:#?}");
    assert_eq!(frames[0].intent, "reserve stock for an order");
    assert!(frames[0].recovery_hint.is_some());
    assert_eq!(p.error.status, Some(504));
}

#[test]
fn async_fan_out_with_trace_macro() {
    let dir = tempfile::tempdir().expect("tempdir");
    let socket = socket_in(&dir);
    let viewer = Viewer::listen(&socket).expect("listen");
    let stack = Stack::new(builder(&socket, "orders-service").with_llm_export(true));
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("runtime");
    stack.run(|| {
        let _ = rt.block_on(price_order());
    });
    stack.shutdown();
    let events = wait_for(&viewer, TYPE_LLM_DIAGNOSTIC, 1);
    let found = payloads(&events);
    assert_eq!(found.len(), 1);
    let p = &found[0];
    let intents: Vec<&str> = p.frames().map(|f| f.intent.as_str()).collect();
    assert_eq!(
        intents,
        [
            "price an order from three suppliers",
            "ask a supplier for a quote"
        ]
    );
    assert!(p.frames().all(|f| f.error));
    assert_eq!(
        p.error.detail.as_deref(),
        Some("inventory service did not respond within 300ms")
    );
}

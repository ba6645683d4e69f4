//! The Rego egress gate in front of the opt-in LLM diagnosis.
//!
//! The same failure — an order that cannot reserve stock because the
//! inventory service answers 503 — happens in two services. Both pipelines opt
//! in to sending the value-free diagnostic payload to an external LLM, and
//! both are governed by the policy below (`data.acme.llm.allow`): errors with
//! a 5xx status may leave the host, except from payment services. The
//! `orders-service` payload is sent and the LLM's analysis comes back to the
//! local socket; the `payment-service` payload is denied, never leaves the
//! host, and the denial is noted locally. The output is what `core llm tail`
//! prints.
//!
//! Offline by default: the "external" LLM is an embedded OpenAI-compatible
//! server on 127.0.0.1. Set `CORESDK_LLM_ENDPOINT` (and `CORESDK_LLM_API_KEY`)
//! to ask a real chat-completions endpoint instead.
//!
//! ```text
//! cargo run --example egress_policy
//! ```

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use coresdk::config::ExporterKind;
use coresdk::egress::viewer::{LlmTail, TailOptions, Viewer};
use coresdk::egress::{TYPE_LLM_ANALYSIS, TYPE_LLM_EGRESS_DENIED};
use coresdk::{Problem, RecoveryHint};
use coresdk_tests::openai_server::{Canned, OpenAiServer, fixtures};
use tracing_subscriber::layer::SubscriberExt as _;

type Error = Box<dyn std::error::Error + Send + Sync>;

/// The customer's egress policy (the one of the CoreSDK LLM-export page):
/// errors with a 5xx status may leave the host, except from payment services.
const POLICY: &str = include_str!("policies/acme_llm.rego");

fn main() -> Result<(), Error> {
    let dir = std::env::temp_dir().join(format!("coresdk-egress-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let policy = dir.join("acme_llm.rego");
    std::fs::write(&policy, POLICY)?;
    // The local socket `core llm tail` reads: payloads, denials, analyses.
    // With CORESDK_SOCKET set (a `core llm tail` running), the events go
    // there too: this example listens beside it on the same socket.
    let configured = std::env::var_os(coresdk::config::CORESDK_SOCKET).map(PathBuf::from);
    let socket = configured.clone().unwrap_or_else(|| dir.join("core.sock"));
    let viewer = Viewer::listen(&socket)?;

    let llm = if std::env::var_os("CORESDK_LLM_ENDPOINT").is_some() {
        None
    } else {
        let server = OpenAiServer::start()?;
        server.set_default(analysis(
            "Root cause: the inventory service answered 503 to reserve_stock. \
             Fix: check the inventory service's health and add a circuit breaker \
             with retries and backoff around the reservation call.",
        ));
        Some(server)
    };

    for service in ["orders-service", "payment-service"] {
        let mut builder = coresdk::Config::builder()
            .with_service_name(service)
            .with_exporter(ExporterKind::None)
            .with_llm_export(true)
            .with_egress_policy("acme/llm", &policy);
        if configured.is_none() {
            builder = builder.with_socket(&socket);
        }
        if let Some(server) = &llm {
            builder = builder.with_llm_endpoint(format!("{}/chat/completions", server.base_url()));
        }
        // One pipeline per service in one process: `layer()` instead of the
        // global `instrument()`.
        let (layer, guard) = coresdk::layer(builder.build()?)?;
        tracing::subscriber::with_default(tracing_subscriber::registry().with(layer), || {
            if let Err(e) = create_order("o-1042") {
                println!("[{service}] create_order failed: {e}");
            }
        });
        guard.shutdown()?;
    }

    // Wait for both outcomes: one analysis, one denial.
    let events = viewer.collect_until(Duration::from_secs(30), |events| {
        let has = |ty: &str| events.iter().any(|e| e.event_type == ty);
        has(TYPE_LLM_ANALYSIS) && has(TYPE_LLM_EGRESS_DENIED)
    });
    println!("\n--- core llm tail ---");
    let mut tail = LlmTail::new(TailOptions::new());
    let mut out = std::io::stdout().lock();
    for event in &events {
        tail.handle(event, &mut out)?;
    }
    drop(out);
    if let Some(server) = &llm {
        println!(
            "\nrequests that left the host: {} (orders-service only)",
            server.requests().len()
        );
    }
    std::fs::remove_dir_all(&dir).ok();
    Ok(())
}

/// The inventory service is unavailable.
#[derive(Debug)]
struct InventoryUnavailable;

impl fmt::Display for InventoryUnavailable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("inventory service answered 503 Service Unavailable")
    }
}

impl std::error::Error for InventoryUnavailable {}

impl Problem for InventoryUnavailable {
    fn problem_type(&self) -> &'static str {
        "https://example.com/problems/inventory-unavailable"
    }
    fn title(&self) -> &'static str {
        "Inventory Unavailable"
    }
    fn status(&self) -> u16 {
        503
    }
}

#[coresdk::trace(intent = "handle incoming order creation request")]
fn create_order(order_id: &str) -> Result<(), InventoryUnavailable> {
    reserve_stock(order_id)
}

#[coresdk::trace(
    intent = "reserve stock in the inventory service",
    on_error = RecoveryHint::CheckDownstreamHealth
)]
fn reserve_stock(_order_id: &str) -> Result<(), InventoryUnavailable> {
    Err(InventoryUnavailable)
}

/// The recorded chat completion with the analysis as its answer.
fn analysis(text: &str) -> Canned {
    let mut body: serde_json::Value =
        serde_json::from_str(fixtures::CHAT_COMPLETION).unwrap_or_default();
    body["choices"][0]["message"]["content"] = text.into();
    Canned::json(200, body.to_string())
}

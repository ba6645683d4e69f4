//! CoreSDK quickstart: a small traced order handler, exported as a span tree on
//! stdout. Runs offline. Set `OTEL_EXPORTER_OTLP_ENDPOINT` to send the same
//! spans to a collector instead.
//!
//! ```text
//! cargo run --example quickstart
//! ```

use std::time::Duration;

use coresdk::config::ExporterKind;
use tracing::Instrument as _;

#[derive(Debug)]
struct Order {
    sku: &'static str,
    quantity: u32,
}

async fn check_inventory(order: &Order) -> u32 {
    tokio::time::sleep(Duration::from_millis(3)).await;
    order.quantity + 10
}

async fn save_order(order: &Order) -> String {
    tokio::time::sleep(Duration::from_millis(2)).await;
    format!("ord-{}-{}", order.sku, order.quantity)
}

async fn handle_order(order: Order) -> String {
    let stock = check_inventory(&order)
        .instrument(tracing::info_span!(
            "check_inventory",
            "coresdk.intent" = "call downstream inventory service"
        ))
        .await;
    tracing::info!(stock, "inventory checked");
    save_order(&order)
        .instrument(tracing::info_span!(
            "save_order",
            "coresdk.intent" = "persist order to database",
            "db.system" = "postgresql"
        ))
        .await
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut builder = coresdk::Config::builder().with_service_name("quickstart");
    if std::env::var_os("OTEL_EXPORTER_OTLP_ENDPOINT").is_none() {
        // Offline by default: print the span tree instead of exporting.
        builder = builder.with_exporter(ExporterKind::Stdout);
    }
    let guard = coresdk::instrument_with(builder.build()?)?;

    let id = handle_order(Order {
        sku: "book-42",
        quantity: 2,
    })
    .instrument(tracing::info_span!(
        "handle_order",
        "coresdk.intent" = "handle incoming order creation request"
    ))
    .await;
    println!("created {id}");

    guard.shutdown()?;
    let stats = coresdk::stats();
    println!(
        "pipeline: {} spans exported, {} dropped, {} failed",
        stats.exported, stats.dropped, stats.export_failed
    );
    Ok(())
}

//! Trace propagation across a job queue: a producer task enqueues jobs with
//! W3C `traceparent` headers; a worker task continues each job's trace.
//! Prints the span trees (offline).
//!
//! ```text
//! cargo run --example propagation
//! ```

use std::collections::HashMap;

use coresdk::config::ExporterKind;
use tracing::Instrument as _;

struct Job {
    id: u32,
    headers: HashMap<String, String>,
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let guard = coresdk::instrument_with(
        coresdk::Config::builder()
            .with_service_name("propagation-example")
            .with_exporter(ExporterKind::Stdout)
            .build()?,
    )?;
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Job>(16);

    let worker = tokio::spawn(async move {
        while let Some(job) = rx.recv().await {
            let span = tracing::info_span!("process_job", "job.id" = job.id);
            // Continue the producer's trace: same trace id, producer span as parent.
            coresdk::propagation::set_parent(&span, &job.headers);
            async { tokio::task::yield_now().await }
                .instrument(span)
                .await;
        }
    });

    for id in 1..=2 {
        async {
            let mut headers = HashMap::new();
            coresdk::propagation::inject(&mut headers);
            println!("job {id}: traceparent {}", headers["traceparent"]);
            // A send error only means the worker has stopped; nothing to trace then.
            let _ = tx.send(Job { id, headers }).await;
        }
        .instrument(tracing::info_span!("enqueue_job", "job.id" = id))
        .await;
    }
    drop(tx);
    worker.await?;
    guard.shutdown()?;
    Ok(())
}

//! Tail sampling: decide per whole trace, after it ended, what to keep.
//!
//! Generates 1,000 request traces — some failed, some slow, some from
//! enterprise users, some whose completion was cut off at the token limit
//! (`llm.truncated`, through the traced OpenAI client and the embedded
//! server) and the ordinary rest — and counts what leaves the pipeline.
//! Every interesting trace is kept whole; about 10 % of the ordinary ones are.
//!
//! ```text
//! cargo run --example tail_sampling
//! ```

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use async_openai::config::OpenAIConfig;
use async_openai::types::chat::{
    ChatCompletionRequestUserMessage, CreateChatCompletionRequestArgs,
};
use coresdk::config::{ExporterKind, KeepCondition, KeepRule, TailSamplingConfig};
use coresdk_tests::openai_server::{Canned, OpenAiServer};
use opentelemetry::trace::SpanId;
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::trace::{Span, SpanData, SpanProcessor};
use tracing::Instrument as _;

type Error = Box<dyn std::error::Error + Send + Sync>;

const TRACES: usize = 1_000;

/// What kind of request trace `i` is.
fn kind(i: usize) -> &'static str {
    match i % 100 {
        0 => "error",
        1 if i % 200 == 1 => "slow",
        2 | 3 => "enterprise",
        4 if i % 300 == 4 => "truncated",
        _ => "ordinary",
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    let counter = KeptCounter::default();
    let tail = TailSamplingConfig::new(0.10)
        .with_latency_threshold(Duration::from_millis(20))
        .with_keep_rule(KeepRule::new(
            "user.tier",
            KeepCondition::Equals("enterprise".into()),
        ));
    let guard = coresdk::instrument_with(
        coresdk::Config::builder()
            .with_service_name("tail-sampling-example")
            .with_exporter(ExporterKind::None) // count instead of printing 1,000 trees
            .with_tail_sampling(tail)
            .with_processor(counter.clone())
            .build()?,
    )?;

    let server = OpenAiServer::start()?;
    server.set_default(Canned::chat_completion_n2_length());
    let client = coresdk_instrument_openai::instrument(async_openai::Client::with_config(
        OpenAIConfig::new()
            .with_api_base(server.base_url())
            .with_api_key("sk-offline"),
    ));

    let mut generated: BTreeMap<&str, usize> = BTreeMap::new();
    for i in 0..TRACES {
        let kind = kind(i);
        *generated.entry(kind).or_default() += 1;
        let tier = if kind == "enterprise" {
            "enterprise"
        } else {
            "free"
        };
        let span = tracing::info_span!(
            "handle_request",
            "example.kind" = kind,
            "user.tier" = tier,
            otel.status_code = tracing::field::Empty,
        );
        let work = async {
            match kind {
                "error" => {
                    tracing::Span::current().record("otel.status_code", "error");
                }
                "slow" => tokio::time::sleep(Duration::from_millis(25)).await,
                "truncated" => {
                    let request = CreateChatCompletionRequestArgs::default()
                        .model("gpt-4o")
                        .messages([
                            ChatCompletionRequestUserMessage::from("Write a long poem.").into()
                        ])
                        .max_completion_tokens(5_u32)
                        .build()?;
                    // The reply stops at the token limit: `llm.truncated = true`.
                    client.chat().create(request).await?;
                }
                _ => {}
            }
            Ok::<_, Error>(())
        };
        work.instrument(span).await?;
    }

    guard.shutdown()?;
    let kept = counter.kept();
    println!("{:<12} {:>9} {:>6}", "trace kind", "generated", "kept");
    for (kind, n) in &generated {
        println!(
            "{kind:<12} {n:>9} {:>6}",
            kept.get(*kind).copied().unwrap_or(0)
        );
    }
    let stats = coresdk::stats();
    println!(
        "\npipeline: {} spans exported, {} sampled out, {} dropped",
        stats.exported, stats.sampled_out, stats.dropped
    );
    Ok(())
}

/// Counts kept traces by the `example.kind` of their root span.
#[derive(Debug, Clone, Default)]
struct KeptCounter {
    kept: Arc<Mutex<BTreeMap<String, usize>>>,
}

impl KeptCounter {
    fn kept(&self) -> BTreeMap<String, usize> {
        self.kept
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

impl SpanProcessor for KeptCounter {
    fn on_start(&self, _span: &mut Span, _cx: &opentelemetry::Context) {}

    fn on_end(&self, span: SpanData) {
        if span.parent_span_id != SpanId::INVALID {
            return;
        }
        if let Some(kind) = span
            .attributes
            .iter()
            .find(|kv| kv.key.as_str() == "example.kind")
        {
            *self
                .kept
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .entry(kind.value.to_string())
                .or_default() += 1;
        }
    }

    fn force_flush(&self) -> OTelSdkResult {
        Ok(())
    }

    fn shutdown_with_timeout(&self, _timeout: Duration) -> OTelSdkResult {
        Ok(())
    }
}

//! A streamed chat completion, then a streamed Responses API call, through the
//! traced OpenAI client: tokens are printed as they arrive, and each
//! `chat {model}` span stays open until its stream ends, with the time to
//! first token and the final usage and cost.
//!
//! Offline by default (the embedded OpenAI-compatible server replays
//! recorded streams, one event every 30 ms); against the OpenAI API when
//! `OPENAI_API_KEY` is set.
//!
//! ```text
//! cargo run --example openai_stream
//! ```

use std::io::Write as _;
use std::time::Duration;

use async_openai::config::OpenAIConfig;
use async_openai::types::chat::{
    ChatCompletionRequestUserMessage, ChatCompletionStreamOptions, CreateChatCompletionRequestArgs,
};
use async_openai::types::responses::{CreateResponseArgs, InputParam, ResponseStreamEvent};
use coresdk::config::ExporterKind;
use coresdk_tests::openai_server::{Canned, OpenAiServer};
use futures_util::StreamExt as _;
use tracing::Instrument as _;

type Error = Box<dyn std::error::Error + Send + Sync>;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    let guard = coresdk::instrument_with(
        coresdk::Config::builder()
            .with_service_name("openai-stream-example")
            .with_exporter(ExporterKind::Stdout)
            .build()?,
    )?;

    let (config, server, model) = match std::env::var("OPENAI_API_KEY") {
        Ok(key) if !key.is_empty() => (OpenAIConfig::new().with_api_key(key), None, "gpt-4o-mini"),
        _ => {
            let server = OpenAiServer::start()?;
            // The recorded stream, paced like a real one.
            server.push(Canned::chat_stream().with_event_delay(Duration::from_millis(30)));
            server.push(Canned::responses_stream().with_event_delay(Duration::from_millis(30)));
            let config = OpenAIConfig::new()
                .with_api_base(server.base_url())
                .with_api_key("sk-offline");
            (config, Some(server), "gpt-4o")
        }
    };
    let client = coresdk_instrument_openai::instrument(async_openai::Client::with_config(config));

    let request = CreateChatCompletionRequestArgs::default()
        .model(model)
        .messages([ChatCompletionRequestUserMessage::from("What is the capital of Mexico?").into()])
        // Ask for the final usage chunk: the span then carries tokens and cost.
        .stream_options(ChatCompletionStreamOptions {
            include_usage: Some(true),
            include_obfuscation: None,
        })
        .build()?;

    async {
        let mut stream = client.chat().create_stream(request).await?;
        print!("answer: ");
        while let Some(chunk) = stream.next().await {
            for choice in chunk?.choices {
                if let Some(text) = choice.delta.content {
                    print!("{text}");
                    std::io::stdout().flush()?;
                }
            }
        }
        println!("\n");
        Ok::<_, Error>(())
    }
    .instrument(tracing::info_span!(
        "ask",
        "coresdk.intent" = "stream an answer to the user"
    ))
    .await?;

    // Export the first trace now, so its printout comes before the next answer.
    guard.flush()?;

    // The Responses API streams typed events; usage comes with `response.completed`.
    let request = CreateResponseArgs::default()
        .model(model)
        .instructions("You are a helpful assistant.")
        .input(InputParam::Text("What is the capital of France?".into()))
        .build()?;
    async {
        let mut stream = client.responses().create_stream(request).await?;
        print!("answer: ");
        while let Some(event) = stream.next().await {
            if let ResponseStreamEvent::ResponseOutputTextDelta(delta) = event? {
                print!("{}", delta.delta);
                std::io::stdout().flush()?;
            }
        }
        println!("\n");
        Ok::<_, Error>(())
    }
    .instrument(tracing::info_span!(
        "ask-responses",
        "coresdk.intent" = "stream an answer through the Responses API"
    ))
    .await?;

    guard.shutdown()?;
    drop(server);
    Ok(())
}

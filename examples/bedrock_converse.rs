//! AWS Bedrock `Converse` and `ConverseStream` through the traced client:
//! the same fluent calls as the AWS SDK (`traced.converse().model_id(..)
//! .messages(..).send()`), each one a `chat {modelId}` span nested under the
//! `#[trace]`ed function that made it, with usage, cache tokens, cost and —
//! for the stream — the time to first token.
//!
//! Offline by default: an embedded Bedrock endpoint on 127.0.0.1 answers with
//! recorded Converse JSON and event-stream frames, and the SDK signs every
//! request with SigV4 using static test credentials. With
//! `AWS_ACCESS_KEY_ID` and `AWS_SECRET_ACCESS_KEY` set (optionally
//! `AWS_SESSION_TOKEN`, `AWS_REGION`, `BEDROCK_MODEL_ID`), the same code calls
//! the real Bedrock runtime.
//!
//! ```text
//! cargo run --example bedrock_converse
//! ```

use std::io::Write as _;

use aws_sdk_bedrockruntime::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_bedrockruntime::types::{
    ContentBlock, ContentBlockDelta, ConversationRole, ConverseStreamOutput,
    InferenceConfiguration, Message, SystemContentBlock,
};
use coresdk::RecoveryHint;
use coresdk::config::ExporterKind;
use coresdk_instrument_bedrock::TracedClient;
use coresdk_tests::bedrock_server::{BedrockServer, Canned};

type Error = Box<dyn std::error::Error + Send + Sync>;

/// The model of the recorded fixtures.
const OFFLINE_MODEL: &str = "us.anthropic.claude-sonnet-4-5-20250929-v1:0";

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    let guard = coresdk::instrument_with(
        coresdk::Config::builder()
            .with_service_name("bedrock-example")
            // Record prompts and completions (masked for PII before export).
            .with_capture_content(true)
            .with_exporter(ExporterKind::Stdout)
            .build()?,
    )?;

    let (client, model, server) = connect()?;
    println!(
        "mode: {}\n",
        if server.is_some() {
            "offline (embedded Bedrock endpoint, SigV4 with test credentials)"
        } else {
            "AWS Bedrock"
        }
    );

    let answer = answer_in_one_call(&client, &model).await?;
    println!("converse answer: {answer}");
    let streamed = answer_streamed(&client, &model).await?;
    println!("\nstreamed {} characters\n", streamed.len());

    // Flushes the spans: the stdout exporter prints them as a tree.
    guard.shutdown()?;
    Ok(())
}

/// The real Bedrock runtime when AWS credentials are in the environment,
/// else the embedded endpoint scripted with the recorded answers.
fn connect() -> Result<(TracedClient, String, Option<BedrockServer>), Error> {
    let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    let builder =
        aws_sdk_bedrockruntime::Config::builder().behavior_version(BehaviorVersion::latest());
    if let (Some(id), Some(secret)) = (env("AWS_ACCESS_KEY_ID"), env("AWS_SECRET_ACCESS_KEY")) {
        let config = builder
            .region(Region::new(
                env("AWS_REGION").unwrap_or_else(|| "us-east-1".into()),
            ))
            .credentials_provider(Credentials::new(
                id,
                secret,
                env("AWS_SESSION_TOKEN"),
                None,
                "environment",
            ))
            .build();
        let model = env("BEDROCK_MODEL_ID").unwrap_or_else(|| OFFLINE_MODEL.into());
        let client = aws_sdk_bedrockruntime::Client::from_conf(config);
        return Ok((coresdk_instrument_bedrock::instrument(client), model, None));
    }
    let server = BedrockServer::start()?;
    server.push(Canned::converse());
    server.push(Canned::converse_stream());
    let config = builder
        .endpoint_url(server.endpoint_url())
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new(
            "AKIDEXAMPLECORESDK",
            "example-secret-key",
            None,
            None,
            "coresdk-example",
        ))
        .build();
    let client = aws_sdk_bedrockruntime::Client::from_conf(config);
    Ok((
        coresdk_instrument_bedrock::instrument(client),
        OFFLINE_MODEL.into(),
        Some(server),
    ))
}

fn user(text: &str) -> Result<Message, Error> {
    Ok(Message::builder()
        .role(ConversationRole::User)
        .content(ContentBlock::Text(text.into()))
        .build()?)
}

/// One `Converse` call: system prompt, inference parameters, the text of the
/// first content block back.
#[coresdk::trace(intent = "answer an arithmetic question", on_error = RecoveryHint::RetryWithBackoff)]
async fn answer_in_one_call(client: &TracedClient, model: &str) -> Result<String, Error> {
    let output = client
        .converse()
        .model_id(model)
        .system(SystemContentBlock::Text(
            "Answer with a number only.".into(),
        ))
        .messages(user("What is 3 times 7?")?)
        .inference_config(
            InferenceConfiguration::builder()
                .max_tokens(64)
                .temperature(0.0)
                .build(),
        )
        .send()
        .await?;
    let text = output
        .output()
        .and_then(|o| o.as_message().ok())
        .and_then(|m| m.content().first())
        .and_then(|c| c.as_text().ok())
        .cloned()
        .unwrap_or_default();
    Ok(text)
}

/// One `ConverseStream` call, printing text deltas as they arrive; the span
/// ends when the stream does.
#[coresdk::trace(intent = "stream a greeting to the user", on_error = RecoveryHint::RetryWithBackoff)]
async fn answer_streamed(client: &TracedClient, model: &str) -> Result<String, Error> {
    let mut output = client
        .converse_stream()
        .model_id(model)
        .messages(user("Hello, how are you?")?)
        .send()
        .await?;
    let mut text = String::new();
    print!("stream: ");
    while let Some(event) = output.stream.recv().await? {
        if let ConverseStreamOutput::ContentBlockDelta(delta) = event
            && let Some(ContentBlockDelta::Text(t)) = delta.delta
        {
            print!("{t}");
            std::io::stdout().flush()?;
            text.push_str(&t);
        }
    }
    println!();
    Ok(text)
}

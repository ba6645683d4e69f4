//! CoreSDK instrumentation for the AWS Bedrock Runtime SDK
//! ([`aws_sdk_bedrockruntime`]): every `Converse`, `ConverseStream`,
//! `InvokeModel` and `InvokeModelWithResponseStream` call becomes one GenAI
//! client span (`chat {modelId}`, `text_completion {modelId}`,
//! `embeddings {modelId}`; kind CLIENT) nested under the current `tracing`
//! span, with the llm-tracekit attribute layout and the OTel GenAI conventions
//! (see [`coresdk::genai`]).
//!
//! ```no_run
//! use aws_sdk_bedrockruntime::types::{ContentBlock, ConversationRole, Message};
//!
//! # async fn demo(sdk: aws_sdk_bedrockruntime::Client) -> Result<(), Box<dyn std::error::Error>> {
//! let _guard = coresdk::instrument()?;
//! let client = coresdk_instrument_bedrock::instrument(sdk);
//! let response = client
//!     .converse() // the SDK's fluent builder, traced
//!     .model_id("us.anthropic.claude-sonnet-4-5-20250929-v1:0")
//!     .messages(
//!         Message::builder()
//!             .role(ConversationRole::User)
//!             .content(ContentBlock::Text("Write a haiku about tracing.".into()))
//!             .build()?,
//!     )
//!     .send()
//!     .await?; // one `chat us.anthropic.claude-sonnet-4-5-…` span
//! # let _ = response;
//! # Ok(())
//! # }
//! ```
//!
//! ## How it hooks in
//!
//! The traced builders wrap the SDK's fluent builders (typed access to the
//! request and the response, a span whose lifetime is the call's, streams
//! that carry their span) and hand what they read to CoreSDK's GenAI call
//! driver. The traced client registers one read-only smithy interceptor for
//! what only the wire shows: the endpoint the signed requests go to, each
//! response's HTTP status and the `X-Amzn-Bedrock-*-Token-Count` headers
//! (the only usage some InvokeModel families report), handed to the call
//! whose request future it runs in.
//!
//! Streams ([`ConverseEventStream`], [`InvokeEventStream`]) keep their span
//! open until the stream ends; dropping one early ends the span with
//! `coresdk.cancelled = true`.
#![warn(missing_docs, missing_debug_implementations, unreachable_pub)]

mod builder;
mod client;
mod converse;
mod convert;
mod error;
mod invoke;
mod model_body;
mod setters;
mod stream;
mod wire;

pub use client::{TracedClient, instrument};
pub use converse::{
    ConverseEventStream, TracedConverse, TracedConverseStream, TracedConverseStreamOutput,
};
pub use invoke::{
    InvokeEventStream, TracedInvokeModel, TracedInvokeModelWithResponseStream,
    TracedInvokeModelWithResponseStreamOutput,
};
pub use stream::EventStream;

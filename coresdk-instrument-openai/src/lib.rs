//! CoreSDK instrumentation for [`async_openai`]: every chat, Responses and
//! embeddings call becomes one GenAI client span (`chat {model}` /
//! `embeddings {model}`, kind CLIENT) nested under the current `tracing`
//! span, with the llm-tracekit attribute layout and the OTel GenAI
//! conventions (see [`coresdk::genai`]). Legacy completions, images, audio,
//! moderations, files and batches (feature `endpoints`, on by default) get
//! client spans too, and `TracedClient::call` traces any other call; the
//! `endpoints` module docs say why these are wrappers rather than an HTTP
//! middleware.
//!
//! ```no_run
//! use async_openai::types::chat::CreateChatCompletionRequestArgs;
//!
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let _guard = coresdk::instrument()?;
//! let client = coresdk_instrument_openai::instrument(async_openai::Client::new());
//! let request = CreateChatCompletionRequestArgs::default()
//!     .model("gpt-4o-mini")
//!     .messages([async_openai::types::chat::ChatCompletionRequestUserMessage::from(
//!         "Write a haiku about tracing.",
//!     )
//!     .into()])
//!     .build()?;
//! let response = client.chat().create(request).await?; // one `chat gpt-4o-mini` span
//! # let _ = response;
//! # Ok(())
//! # }
//! ```
//!
//! [`LlmJudge`] rates answers from 0 to 1 with a model behind a
//! [`TracedClient`] and records the score with [`coresdk::quality`].
//!
//! Streams ([`TracedChat::create_stream`], [`TracedResponses::create_stream`])
//! keep their span open until the stream ends; dropping a stream early ends
//! the span with `coresdk.cancelled = true`.
#![warn(missing_docs, missing_debug_implementations, unreachable_pub)]

mod chat;
mod client;
mod convert;
mod embeddings;
#[cfg(feature = "endpoints")]
pub mod endpoints;
mod error;
mod judge;
mod responses;
mod responses_convert;
mod responses_stream;
mod stream;

pub use chat::TracedChat;
pub use client::{TracedClient, instrument};
pub use embeddings::TracedEmbeddings;
pub use error::call_error;
pub use judge::{DEFAULT_CRITERIA, JUDGE_SOURCE, JudgeError, JudgeSample, LlmJudge};
pub use responses::TracedResponses;
pub use responses_stream::TracedResponseStream;
pub use stream::TracedChatStream;

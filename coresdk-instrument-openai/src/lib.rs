//! CoreSDK instrumentation for [`async_openai`]: every chat and embeddings call
//! becomes one GenAI client span (`chat {model}` / `embeddings {model}`, kind
//! CLIENT) nested under the current `tracing` span, with the llm-tracekit
//! attribute layout and the OTel GenAI conventions (see [`coresdk::genai`]).
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
//! Streams ([`TracedChat::create_stream`]) keep their span open until the
//! stream ends; dropping a stream early ends the span with
//! `coresdk.cancelled = true`.
#![warn(missing_docs, missing_debug_implementations, unreachable_pub)]

mod chat;
mod client;
mod convert;
mod embeddings;
mod error;
mod judge;
mod stream;

pub use chat::TracedChat;
pub use client::{TracedClient, instrument};
pub use embeddings::TracedEmbeddings;
pub use error::call_error;
pub use judge::{DEFAULT_CRITERIA, JUDGE_SOURCE, JudgeError, JudgeSample, LlmJudge};
pub use stream::TracedChatStream;

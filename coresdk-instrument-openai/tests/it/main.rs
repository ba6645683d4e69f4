//! The integration tests of `coresdk-instrument-openai`: one test binary, a
//! module per behaviour, so the workspace links the OpenAI stack into one
//! binary here instead of one per file.
//!
//! Every test installs its pipeline as the thread's default subscriber and
//! passes its GenAI settings to its own client, so none of them touches
//! process-wide state and all of them can share a process.

mod support;

mod chat;
mod embeddings;
mod endpoints;
mod errors;
mod judge;
mod responses;
mod responses_latest;
mod streaming;
mod truncation;

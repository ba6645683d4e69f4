//! The integration tests of `coresdk-instrument-bedrock`: one test binary, a
//! module per behaviour, so the workspace links the AWS SDK into one binary
//! here instead of one per file.
//!
//! Every test installs its pipeline as the thread's default subscriber and
//! passes its GenAI settings to its own client, so none of them touches
//! process-wide state and all of them can share a process.

mod support;

mod converse;
mod converse_stream;
mod errors;
mod invoke_model;
mod mixed_trace;

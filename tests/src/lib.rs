//! Loopback test peers shared by CoreSDK's tests, examples and benches:
//! an OTLP receiver (gRPC and HTTP/protobuf) and provider-compatible servers.
//! Everything binds 127.0.0.1 only.
#![warn(missing_docs, missing_debug_implementations)]
#![allow(clippy::missing_panics_doc, clippy::expect_used)]

pub mod attrs;
pub mod bedrock_server;
pub mod counted;
pub mod json_schema;
pub mod openai_server;
pub mod otlp;
pub mod scripted;
pub mod semconv;
pub mod solo;

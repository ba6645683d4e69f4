//! [`RetrievalSpan`]: one retrieval from a vector store or search system, as a
//! `retrieval {data_source}` span (kind CLIENT, OTel GenAI conventions).
//!
//! Structural facts are always recorded: `gen_ai.data_source.id`,
//! `gen_ai.request.top_k`, and every document's id and relevance score in
//! `gen_ai.retrieval.documents`. The query text and the documents' text are
//! content: recorded only when content capture is on, truncated at
//! `content_max_chars` like message content.

use std::sync::Arc;

use opentelemetry::KeyValue;

use super::attributes::{
    GEN_AI_DATA_SOURCE_ID, GEN_AI_REQUEST_TOP_K, GEN_AI_RETRIEVAL_DOCUMENTS,
    GEN_AI_RETRIEVAL_QUERY_TEXT,
};
use super::capture::truncate_content;
use super::error::CallError;
use super::operation::{Operation, Provider};
use super::settings::{GenAiSettings, settings};
use super::span::{GenAiSpan, SpanShape};

/// One retrieved document: its id, its relevance score and (optionally) its text.
///
/// ```
/// use coresdk::genai::RetrievedDocument;
///
/// let doc = RetrievedDocument::new("acme-msa-2023", 0.91).with_content("The term ends on 30 June 2025.");
/// assert_eq!((doc.id(), doc.score()), ("acme-msa-2023", 0.91));
/// assert!(doc.content().is_some()); // recorded only when content capture is on
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct RetrievedDocument {
    id: String,
    score: f64,
    content: Option<String>,
}

impl RetrievedDocument {
    /// A document with its id and relevance score.
    pub fn new(id: impl Into<String>, score: f64) -> Self {
        Self {
            id: id.into(),
            score,
            content: None,
        }
    }

    /// Adds the document's text (recorded only when content capture is on).
    #[must_use]
    pub fn with_content(mut self, content: impl Into<String>) -> Self {
        self.content = Some(content.into());
        self
    }

    /// The document id.
    pub fn id(&self) -> &str {
        &self.id
    }
    /// The relevance score.
    pub fn score(&self) -> f64 {
        self.score
    }
    /// The document text, if given.
    pub fn content(&self) -> Option<&str> {
        self.content.as_deref()
    }
}

/// A retrieval step of a RAG pipeline, recorded as `retrieval {data_source}`.
///
/// Start it, record the query, top-k and documents (or the error), then
/// [`end`](Self::end) it; run the search inside [`span`](Self::span) so nested
/// spans (an embeddings call, a database client) parent to it. Dropping it
/// without `end` marks it `coresdk.cancelled`. Without an OpenTelemetry layer
/// every method is a no-op.
///
/// ```
/// use coresdk::genai::{RetrievalSpan, RetrievedDocument};
///
/// let mut span = RetrievalSpan::start("contracts-index");
/// span.set_top_k(2);
/// span.record_query("When does the Acme contract expire?"); // content: only if captured
/// span.record_documents(&[
///     RetrievedDocument::new("acme-msa-2023", 0.91).with_content("The term ends on 2025-06-30."),
///     RetrievedDocument::new("acme-sow-7", 0.42),
/// ]);
/// span.end();
/// ```
#[must_use = "the span ends when dropped"]
#[derive(Debug)]
pub struct RetrievalSpan {
    inner: GenAiSpan,
}

impl RetrievalSpan {
    /// Starts `retrieval {data_source}` as a CLIENT child of the current span,
    /// with the installed [settings](super::settings()).
    pub fn start(data_source: &str) -> Self {
        Self::start_with_settings(data_source, None, settings())
    }

    /// Like [`start`](Self::start), for a retrieval served by a GenAI provider
    /// (`gen_ai.provider.name`, e.g. an OpenAI vector store), with explicit settings.
    pub fn start_with_settings(
        data_source: &str,
        provider: Option<Provider>,
        settings: Arc<GenAiSettings>,
    ) -> Self {
        let name = if data_source.is_empty() {
            Operation::Retrieval.as_str().to_owned()
        } else {
            format!("{} {data_source}", Operation::Retrieval.as_str())
        };
        let mut inner = GenAiSpan::start_span(SpanShape {
            name,
            internal: false,
            operation: Operation::Retrieval,
            provider,
            model: "",
            settings,
        });
        if !data_source.is_empty() {
            inner.set_attribute(GEN_AI_DATA_SOURCE_ID, data_source.to_owned());
        }
        Self { inner }
    }

    /// The `tracing` span, to instrument the search with.
    pub fn span(&self) -> &tracing::Span {
        self.inner.span()
    }

    /// Whether attributes are being recorded.
    pub fn is_recording(&self) -> bool {
        self.inner.is_recording()
    }

    /// Records `server.address` and `server.port` of the search service.
    pub fn set_server(&mut self, address: &str, port: Option<u16>) {
        self.inner.set_server(address, port);
    }

    /// Records the model behind the retrieval (`gen_ai.request.model`), e.g.
    /// the embedding model of a vector search.
    pub fn set_model(&mut self, model: &str) {
        self.inner
            .set_attribute(super::attributes::GEN_AI_REQUEST_MODEL, model.to_owned());
    }

    /// Records how many documents were asked for (`gen_ai.request.top_k`).
    pub fn set_top_k(&mut self, top_k: u64) {
        self.inner.set_attribute(
            GEN_AI_REQUEST_TOP_K,
            i64::try_from(top_k).unwrap_or(i64::MAX),
        );
    }

    /// Records the query text (`gen_ai.retrieval.query.text`) when content
    /// capture is on, truncated at `content_max_chars`.
    pub fn record_query(&mut self, query: &str) {
        let Some(settings) = self.inner.recording_settings() else {
            return;
        };
        if !settings.capture_content() {
            return;
        }
        let text = truncate_content(query, settings.content_max_chars()).into_owned();
        self.inner
            .push_content_attribute(KeyValue::new(GEN_AI_RETRIEVAL_QUERY_TEXT, text));
    }

    /// Records the retrieved documents, in rank order, as the JSON array
    /// `gen_ai.retrieval.documents`: `id` and `score` always, `content` only
    /// when content capture is on (each text truncated at `content_max_chars`).
    /// Non-finite scores are written as `null`.
    pub fn record_documents(&mut self, documents: &[RetrievedDocument]) {
        let Some(settings) = self.inner.recording_settings() else {
            return;
        };
        let capture = settings.capture_content();
        let max = settings.content_max_chars();
        let items: Vec<serde_json::Value> = documents
            .iter()
            .map(|doc| {
                let mut item = serde_json::Map::with_capacity(3);
                item.insert("id".into(), doc.id.clone().into());
                item.insert(
                    "score".into(),
                    serde_json::Number::from_f64(doc.score)
                        .map_or(serde_json::Value::Null, serde_json::Value::Number),
                );
                if capture && let Some(content) = &doc.content {
                    item.insert(
                        "content".into(),
                        truncate_content(content, max).into_owned().into(),
                    );
                }
                serde_json::Value::Object(item)
            })
            .collect();
        let json = serde_json::Value::Array(items).to_string();
        if capture {
            self.inner
                .push_content_attribute(KeyValue::new(GEN_AI_RETRIEVAL_DOCUMENTS, json));
        } else {
            // Ids and scores only: structural, recorded among the core attributes.
            self.inner.set_attribute(GEN_AI_RETRIEVAL_DOCUMENTS, json);
        }
    }

    /// Records a failed search: status Error, `error.type` (e.g. `timeout`),
    /// an `exception` event and the RFC 9457 defaults of
    /// [`ToolSpan::record_error`](crate::genai::ToolSpan::record_error).
    pub fn record_error(&mut self, error_type: &str, message: &str) {
        self.inner.record_failure(error_type, message);
    }

    /// Records a failed call to a GenAI provider's retrieval API, with the
    /// `coresdk.problem.*` attributes of [`GenAiSpan::record_error`].
    pub fn record_call_error(&mut self, error: &CallError) {
        self.inner.record_error(error);
    }

    /// Ends the span, applying every buffered attribute.
    pub fn end(self) {
        self.inner.end();
    }
}

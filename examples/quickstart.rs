//! CoreSDK quickstart: the RAG pipeline of "Tracing LLM Applications" —
//! `rag-pipeline` → `embed-query`, `vector-retrieval`, `chat`,
//! `quality-scoring`, `suggest-follow-up` (the Responses API) — plus a
//! downstream call that fails, traced end to end.
//!
//! Offline by default: an embedded OpenAI-compatible server on 127.0.0.1
//! answers every call in the recorded wire shapes. With `OPENAI_API_KEY` set,
//! the same code talks to the real OpenAI API. Set
//! `OTEL_EXPORTER_OTLP_ENDPOINT` to send the spans to a collector instead of
//! printing them, and `OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=true`
//! to record prompts, completions and retrieved text.
//!
//! ```text
//! cargo run --example quickstart
//! ```
//!
//! It prints each trace as a span tree, then a summary: the cost, the quality
//! score and the failed call.

use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use async_openai::config::OpenAIConfig;
use async_openai::types::chat::{
    ChatCompletionRequestSystemMessage, ChatCompletionRequestUserMessage,
    CreateChatCompletionRequestArgs,
};
use async_openai::types::embeddings::CreateEmbeddingRequestArgs;
use async_openai::types::responses::{
    CreateResponseArgs, InputParam, OutputItem, OutputMessageContent,
};
use coresdk::config::ExporterKind;
use coresdk::context::{self, AppContext};
use coresdk::egress::viewer::Viewer;
use coresdk::genai::attributes::{LLM_COST_USD, LLM_QUALITY_PREFIX, LLM_QUALITY_SCORE};
use coresdk::genai::{RetrievalSpan, RetrievedDocument, ToolSpan, ToolType};
use coresdk::quality::ScoreTarget;
use coresdk_instrument_openai::{JudgeSample, LlmJudge, TracedClient};
use coresdk_tests::openai_server::{Canned, OpenAiServer, fixtures};
use opentelemetry::trace::Status;
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::trace::{Span, SpanData, SpanProcessor};
use tracing::Instrument as _;

const CHAT_MODEL: &str = "gpt-4o-mini";
const EMBEDDING_MODEL: &str = "text-embedding-3-small";
const TOP_K: usize = 2;
const QUESTION: &str = "When does the Acme contract expire?";

/// The knowledge base: contract excerpts.
const DOCUMENTS: [(&str, &str); 3] = [
    (
        "acme-msa-2023",
        "Master services agreement with Acme Corp. The initial term ends on 30 June 2025 \
         and renews only by written notice.",
    ),
    (
        "acme-sow-7",
        "Statement of work 7 for Acme Corp: data migration, delivered in March 2024.",
    ),
    (
        "globex-msa-2022",
        "Master services agreement with Globex. The term ends on 31 December 2027.",
    ),
];

type Error = Box<dyn std::error::Error + Send + Sync>;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    let summary = Summary::default();
    // The local viewer socket (what `core llm tail` listens on): the
    // diagnostic payload of a failed trace arrives here and never leaves the host.
    // With CORESDK_SOCKET set (a `core llm tail` running), the events go
    // there too: this example listens beside it on the same socket.
    let socket_dir =
        std::env::temp_dir().join(format!("coresdk-quickstart-{}", std::process::id()));
    let configured = std::env::var_os(coresdk::config::CORESDK_SOCKET).map(PathBuf::from);
    let socket = configured
        .clone()
        .unwrap_or_else(|| socket_dir.join("core.sock"));
    let viewer = Viewer::listen(&socket)?;
    let mut builder = coresdk::Config::builder()
        .with_service_name("quickstart")
        .with_llm_export(true)
        .with_processor(summary.clone());
    if configured.is_none() {
        builder = builder.with_socket(&socket);
    }
    if std::env::var_os("OTEL_EXPORTER_OTLP_ENDPOINT").is_none() {
        // Offline by default: print each trace as a span tree.
        builder = builder.with_exporter(ExporterKind::Stdout);
    }
    let guard = coresdk::instrument_with(builder.build()?)?;

    // Real OpenAI when a key is set, else the embedded server.
    let (client, server) = match std::env::var("OPENAI_API_KEY") {
        Ok(key) if !key.is_empty() => (
            coresdk_instrument_openai::instrument(async_openai::Client::with_config(
                OpenAIConfig::new().with_api_key(key),
            )),
            None,
        ),
        _ => {
            let server = OpenAiServer::start()?;
            script_offline_answers(&server);
            let config = OpenAIConfig::new()
                .with_api_base(server.base_url())
                .with_api_key("sk-offline");
            (
                coresdk_instrument_openai::instrument(async_openai::Client::with_config(config)),
                Some(server),
            )
        }
    };
    println!(
        "mode: {}\n",
        if server.is_some() {
            "offline (embedded OpenAI-compatible server)"
        } else {
            "OpenAI API"
        }
    );

    let index = build_index(&client)
        .instrument(tracing::info_span!(
            "build-index",
            "coresdk.intent" = "embed the knowledge base"
        ))
        .await?;

    let root = tracing::info_span!(
        "rag-pipeline",
        "coresdk.intent" = "answer a contract question from the knowledge base",
        otel.status_code = tracing::field::Empty,
        otel.status_description = tracing::field::Empty,
    );
    // Who asked and from which feature: recorded on every GenAI span inside.
    let app = AppContext::new()
        .with_user_id("user-42")
        .with_session_id("sess-789")
        .with_feature("contract-qa");
    let (answer, follow_up) = context::scope(app, rag_pipeline(&client, &index, QUESTION, &root))
        .instrument(root.clone())
        .await?;
    let target = ScoreTarget::of(&root);
    drop(root);
    println!("Q: {QUESTION}\nA: {answer}\nfollow-up: {follow_up}\n");

    // Feedback that arrives after the trace ended: a thumbs-up from the user.
    if let Some(target) = target {
        coresdk::score_trace(target, "user_feedback", 1.0)?;
    }

    guard.shutdown()?;
    drop(server);
    summary.print();
    print_diagnostic_payloads(&viewer);
    drop(viewer);
    let _ = std::fs::remove_dir(&socket_dir);
    let stats = coresdk::stats();
    println!(
        "pipeline: {} spans exported, {} dropped, {} failed",
        stats.exported, stats.dropped, stats.export_failed
    );
    Ok(())
}

/// The pipeline of one request. Each step is a span; model calls inside
/// are traced by the instrumented client.
async fn rag_pipeline(
    client: &TracedClient<OpenAIConfig>,
    index: &[IndexedDocument],
    question: &str,
    root: &tracing::Span,
) -> Result<(String, String), Error> {
    let query = embed(client, &[question])
        .instrument(tracing::info_span!(
            "embed-query",
            "coresdk.intent" = "embed the user question"
        ))
        .await?
        .pop()
        .ok_or("no query embedding")?;

    let hits = async { retrieve(index, question, &query) }
        .instrument(tracing::info_span!(
            "vector-retrieval",
            "coresdk.intent" = "find the contract excerpts closest to the question"
        ))
        .await;
    let context: String = hits
        .iter()
        .map(|d| format!("[{}] {}", d.id, d.text))
        .collect::<Vec<_>>()
        .join("\n");

    let answer = generate_answer(client, question, &context).await?;

    // Rate the answer with an LLM judge; the score lands on the root span.
    let judge = LlmJudge::new(client.clone(), CHAT_MODEL).with_score_name("quality");
    let sample = JudgeSample::new(question, &answer).with_context(&context);
    match judge
        .score_span(root, &sample)
        .instrument(tracing::info_span!(
            "quality-scoring",
            "coresdk.intent" = "rate the answer's faithfulness to the retrieved context"
        ))
        .await
    {
        Ok(score) => tracing::info!(score, "answer scored"),
        // Recorded on the span as coresdk.score.error; never a made-up score.
        Err(error) => tracing::warn!(%error, "answer not scored"),
    }

    let follow_up = suggest_follow_up(client, question, &answer)
        .instrument(tracing::info_span!(
            "suggest-follow-up",
            "coresdk.intent" = "offer the user a next question"
        ))
        .await?;

    // A downstream call that fails: logging the answer to the CRM.
    if let Err(error) = log_to_crm(&hits)
        .instrument(tracing::info_span!(
            "update-crm",
            "coresdk.intent" = "record which contracts the answer cited"
        ))
        .await
    {
        tracing::error!(%error, "CRM update failed; the answer is still returned");
        root.record("otel.status_code", "error");
        root.record("otel.status_description", "CRM update failed");
    }
    Ok((answer, follow_up))
}

/// One Responses API call (`POST /responses`): traced like a chat call, its
/// `instructions` recorded as the system instructions.
async fn suggest_follow_up(
    client: &TracedClient<OpenAIConfig>,
    question: &str,
    answer: &str,
) -> Result<String, Error> {
    let request = CreateResponseArgs::default()
        .model(CHAT_MODEL)
        .instructions("Suggest one short follow-up question the user may ask next.")
        .input(InputParam::Text(format!("Q: {question}\nA: {answer}")))
        .max_output_tokens(60_u32)
        .build()?;
    let response = client.responses().create(request).await?; // span `chat gpt-4o-mini`
    Ok(response
        .output
        .iter()
        .filter_map(|item| match item {
            OutputItem::Message(message) => Some(&message.content),
            _ => None,
        })
        .flatten()
        .filter_map(|part| match part {
            OutputMessageContent::OutputText(text) => Some(text.text.as_str()),
            OutputMessageContent::Refusal(_) => None,
        })
        .collect())
}

async fn generate_answer(
    client: &TracedClient<OpenAIConfig>,
    question: &str,
    context: &str,
) -> Result<String, Error> {
    let request = CreateChatCompletionRequestArgs::default()
        .model(CHAT_MODEL)
        .messages([
            ChatCompletionRequestSystemMessage::from(
                "Answer from the CONTEXT only and cite the document id in brackets. \
                 If the context does not say, answer \"I don't know\".",
            )
            .into(),
            ChatCompletionRequestUserMessage::from(format!(
                "CONTEXT:\n{context}\n\nQUESTION: {question}"
            ))
            .into(),
        ])
        .temperature(0.0)
        .max_completion_tokens(200_u32)
        .build()?;
    let response = client.chat().create(request).await?; // span `chat gpt-4o-mini`
    Ok(response
        .choices
        .first()
        .and_then(|c| c.message.content.clone())
        .unwrap_or_default())
}

struct IndexedDocument {
    id: &'static str,
    text: &'static str,
    vector: Vec<f32>,
}

async fn build_index(client: &TracedClient<OpenAIConfig>) -> Result<Vec<IndexedDocument>, Error> {
    let texts: Vec<&str> = DOCUMENTS.iter().map(|(_, text)| *text).collect();
    let vectors = embed(client, &texts).await?;
    Ok(DOCUMENTS
        .iter()
        .zip(vectors)
        .map(|(&(id, text), vector)| IndexedDocument { id, text, vector })
        .collect())
}

/// One `embeddings text-embedding-3-small` call.
async fn embed(
    client: &TracedClient<OpenAIConfig>,
    texts: &[&str],
) -> Result<Vec<Vec<f32>>, Error> {
    let request = CreateEmbeddingRequestArgs::default()
        .model(EMBEDDING_MODEL)
        .input(texts.iter().map(|t| (*t).to_owned()).collect::<Vec<_>>())
        .build()?;
    let mut data = client.embeddings().create(request).await?.data;
    data.sort_by_key(|e| e.index);
    Ok(data.into_iter().map(|e| e.embedding).collect())
}

/// Cosine search over the in-memory index, recorded as `retrieval contracts-index`.
fn retrieve<'a>(
    index: &'a [IndexedDocument],
    question: &str,
    query: &[f32],
) -> Vec<&'a IndexedDocument> {
    let mut span = RetrievalSpan::start("contracts-index");
    span.set_model(EMBEDDING_MODEL);
    span.set_top_k(TOP_K as u64);
    span.record_query(question); // recorded only with content capture on
    let mut scored: Vec<(f64, &IndexedDocument)> = index
        .iter()
        .map(|d| (cosine(query, &d.vector), d))
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0));
    scored.truncate(TOP_K);
    span.record_documents(
        &scored
            .iter()
            .map(|(score, d)| RetrievedDocument::new(d.id, *score).with_content(d.text))
            .collect::<Vec<_>>(),
    );
    span.end();
    scored.into_iter().map(|(_, d)| d).collect()
}

fn cosine(a: &[f32], b: &[f32]) -> f64 {
    let dot: f64 = a
        .iter()
        .zip(b)
        .map(|(x, y)| f64::from(*x) * f64::from(*y))
        .sum();
    let norm = |v: &[f32]| v.iter().map(|x| f64::from(*x).powi(2)).sum::<f64>().sqrt();
    let denominator = norm(a) * norm(b);
    if denominator == 0.0 {
        0.0
    } else {
        (dot / denominator * 1e4).round() / 1e4
    }
}

/// The CRM is down: the connection is refused (a port nothing listens on).
async fn log_to_crm(cited: &[&IndexedDocument]) -> Result<(), Error> {
    let mut tool = ToolSpan::start("crm.log_answer");
    tool.set_type(ToolType::Extension);
    tool.set_description("Records the contracts an answer cited in the CRM");
    let ids: Vec<&str> = cited.iter().map(|d| d.id).collect();
    tool.record_arguments(&serde_json::json!({ "cited": ids }).to_string());
    let closed_port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
        listener.local_addr()?.port()
    };
    let result = tokio::time::timeout(
        Duration::from_secs(2),
        tokio::net::TcpStream::connect(("127.0.0.1", closed_port)),
    )
    .instrument(tool.span().clone())
    .await;
    let outcome: Result<(), Error> = match result {
        Ok(Ok(_stream)) => {
            tool.record_result("{\"logged\":true}");
            Ok(())
        }
        Ok(Err(e)) => {
            tool.record_error(
                "connection",
                &format!("CRM at 127.0.0.1:{closed_port}: {e}"),
            );
            Err(e.into())
        }
        Err(_) => {
            tool.record_error("timeout", "CRM did not answer within 2s");
            Err("CRM timeout".into())
        }
    };
    tool.end();
    outcome
}

/// Prints the diagnostic payloads that reached the local socket: the
/// value-free call chain an LLM would be asked to analyse (only if you opt in
/// with `CORESDK_LLM_ENDPOINT`; here it stays on the host).
fn print_diagnostic_payloads(viewer: &Viewer) {
    let events = viewer.collect_until(Duration::from_secs(2), |events| {
        events
            .iter()
            .any(|e| e.event_type == coresdk::egress::TYPE_LLM_DIAGNOSTIC)
    });
    for event in events
        .iter()
        .filter(|e| e.event_type == coresdk::egress::TYPE_LLM_DIAGNOSTIC)
    {
        // Through the typed payload, so the fields print in the documented order.
        let pretty =
            serde_json::from_value::<coresdk::egress::DiagnosticPayload>(event.data.clone())
                .ok()
                .and_then(|payload| serde_json::to_string_pretty(&payload).ok())
                .unwrap_or_else(|| event.data.to_string());
        println!("\ndiagnostic payload (local only):\n{pretty}");
    }
}

// --- Offline answers -----------------------------------------------------------

/// Queues the embedded server's answers, in call order, in OpenAI's wire shapes.
fn script_offline_answers(server: &OpenAiServer) {
    // build-index: one vector per document.
    server.push(embeddings(&[
        [0.9, 0.1, 0.0, 0.2, 0.0, 0.1, 0.0, 0.3],
        [0.5, 0.6, 0.1, 0.0, 0.2, 0.0, 0.1, 0.0],
        [0.1, 0.0, 0.9, 0.1, 0.0, 0.4, 0.0, 0.1],
    ]));
    // embed-query: close to the Acme agreement.
    server.push(embeddings(&[[0.8, 0.2, 0.0, 0.2, 0.1, 0.1, 0.0, 0.2]]));
    // chat: the answer.
    server.push(chat(
        "The initial term of the Acme contract ends on 30 June 2025 [acme-msa-2023].",
    ));
    // quality-scoring: the judge's verdict.
    server.push(chat(r#"{"score": 0.92}"#));
    // suggest-follow-up: the Responses API answer.
    server.push(response("Does the Acme agreement renew automatically?"));
}

/// The recorded Responses API answer with its text and model replaced.
fn response(text: &str) -> Canned {
    let mut body: serde_json::Value =
        serde_json::from_str(fixtures::RESPONSES_CREATE).unwrap_or_default();
    body["model"] = "gpt-4o-mini-2024-07-18".into();
    body["output"][0]["content"][0]["text"] = text.into();
    Canned::json(200, body.to_string())
}

/// The recorded chat completion with its answer and model replaced.
fn chat(content: &str) -> Canned {
    let mut body: serde_json::Value =
        serde_json::from_str(fixtures::CHAT_COMPLETION).unwrap_or_default();
    body["model"] = "gpt-4o-mini-2024-07-18".into();
    body["choices"][0]["message"]["content"] = content.into();
    Canned::json(200, body.to_string())
}

/// The recorded embeddings response with these vectors.
fn embeddings<const N: usize>(vectors: &[[f32; N]]) -> Canned {
    let mut body: serde_json::Value =
        serde_json::from_str(fixtures::EMBEDDINGS).unwrap_or_default();
    body["data"] = vectors
        .iter()
        .enumerate()
        .map(|(index, v)| serde_json::json!({"object": "embedding", "index": index, "embedding": v.as_slice()}))
        .collect();
    Canned::json(200, body.to_string())
}

// --- A user span processor: the summary -----------------------------------------

/// Runs after masking, like any exporter: sums cost, keeps the quality score
/// and the failed spans of every trace it sees.
#[derive(Debug, Clone, Default)]
struct Summary {
    seen: Arc<Mutex<SummaryData>>,
}

#[derive(Debug, Default)]
struct SummaryData {
    cost_usd: f64,
    priced_calls: usize,
    scores: Vec<(String, String)>,
    errors: Vec<(String, String)>,
}

impl Summary {
    fn print(&self) {
        let data = self.seen.lock().unwrap_or_else(PoisonError::into_inner);
        println!("\n── summary ─────────────────────────────────────────────");
        println!(
            "cost:          ${:.6} over {} priced model calls (llm.cost_usd)",
            data.cost_usd, data.priced_calls
        );
        for (span, score) in &data.scores {
            println!("quality score: {score} (on `{span}`)");
        }
        for (span, message) in &data.errors {
            println!("failed:        `{span}`: {message}");
        }
    }
}

impl SpanProcessor for Summary {
    fn on_start(&self, _span: &mut Span, _cx: &opentelemetry::Context) {}

    fn on_end(&self, span: SpanData) {
        let mut data = self.seen.lock().unwrap_or_else(PoisonError::into_inner);
        for kv in &span.attributes {
            match kv.key.as_str() {
                LLM_COST_USD => {
                    if let opentelemetry::Value::F64(cost) = kv.value {
                        data.cost_usd += cost;
                        data.priced_calls += 1;
                    }
                }
                key if key == LLM_QUALITY_SCORE
                    || key
                        .strip_prefix(LLM_QUALITY_PREFIX)
                        .is_some_and(|rest| rest.starts_with('.')) =>
                {
                    data.scores
                        .push((span.name.to_string(), format!("{key} = {}", kv.value)));
                }
                _ => {}
            }
        }
        if let Status::Error { description } = &span.status {
            data.errors
                .push((span.name.to_string(), description.to_string()));
        }
    }

    fn force_flush(&self) -> OTelSdkResult {
        Ok(())
    }

    fn shutdown_with_timeout(&self, _timeout: Duration) -> OTelSdkResult {
        Ok(())
    }
}

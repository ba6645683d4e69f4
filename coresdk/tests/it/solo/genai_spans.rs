//! Retrieval and tool spans through the full pipeline (`coresdk::layer`):
//! exact attribute maps, names, kinds, parents and content capture.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use crate::support::find;
use coresdk::genai::attributes::LLM_LATENCY_MS;
use coresdk::genai::{
    GenAiSettings, Provider, RetrievalSpan, RetrievedDocument, ToolCall, ToolSpan, ToolType,
};
use coresdk::testing::SpanCapture;
use opentelemetry::trace::{SpanKind, Status};
use opentelemetry_sdk::trace::SpanData;
use tracing_subscriber::layer::SubscriberExt as _;

/// Runs `f` under a CoreSDK pipeline and returns every exported span.
fn run<F: FnOnce()>(f: F) -> Vec<SpanData> {
    run_with(|config| config, f)
}

/// Like [`run`], with the pipeline's config adjusted by `configure`.
fn run_with<F: FnOnce()>(
    configure: impl FnOnce(coresdk::ConfigBuilder) -> coresdk::ConfigBuilder,
    f: F,
) -> Vec<SpanData> {
    let capture = SpanCapture::new();
    let config = configure(capture.config_builder().with_pii_masking(false))
        .build()
        .expect("config");
    let (layer, guard) = coresdk::layer(config).expect("layer");
    let subscriber = tracing_subscriber::registry().with(layer);
    tracing::subscriber::with_default(subscriber, f);
    guard.shutdown().expect("shutdown");
    capture.wait_for(1, Duration::from_secs(2))
}

fn settings(capture: bool, max_chars: usize) -> Arc<GenAiSettings> {
    Arc::new(
        GenAiSettings::builder()
            .with_capture_content(capture)
            .with_content_max_chars(max_chars)
            .build(),
    )
}

/// Attributes as strings, without the `code.*` location attributes; the
/// latency (checked to be a non-negative number) becomes `*`.
fn attribute_map(span: &SpanData) -> BTreeMap<String, String> {
    let mut map = BTreeMap::new();
    for kv in &span.attributes {
        let key = kv.key.as_str();
        if key.starts_with("code.") {
            continue;
        }
        let mut value = kv.value.to_string();
        if key == LLM_LATENCY_MS {
            let ms: f64 = value.parse().expect("latency is a number");
            assert!(ms >= 0.0);
            value = "*".into();
        }
        assert!(
            map.insert(key.to_owned(), value).is_none(),
            "duplicate {key}"
        );
    }
    map
}

/// `key = value` lines, spelled out as test data.
fn expected(text: &str) -> BTreeMap<String, String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|l| {
            let (k, v) = l.split_once(" = ").expect("key = value");
            (k.to_owned(), v.to_owned())
        })
        .collect()
}

fn documents() -> Vec<RetrievedDocument> {
    vec![
        RetrievedDocument::new("acme-msa-2023", 0.91)
            .with_content("The agreement terminates on 30 June 2025."),
        RetrievedDocument::new("acme-sow-7", 0.5),
    ]
}

#[test]
fn retrieval_without_content_records_ids_and_scores_only() {
    if coresdk_tests::solo::delegated() {
        return;
    }
    let spans = run(|| {
        let parent = tracing::info_span!("rag-pipeline");
        let _g = parent.enter();
        let mut span =
            RetrievalSpan::start_with_settings("contracts-index", None, settings(false, 100));
        span.set_top_k(2);
        span.record_query("When does the Acme contract expire?");
        span.record_documents(&documents());
        span.end();
    });
    assert_eq!(spans.len(), 2);
    let retrieval = find(&spans, "retrieval contracts-index");
    let root = find(&spans, "rag-pipeline");
    assert_eq!(retrieval.span_kind, SpanKind::Client);
    assert_eq!(retrieval.parent_span_id, root.span_context.span_id());
    assert_eq!(retrieval.status, Status::Unset);
    assert_eq!(
        attribute_map(retrieval),
        expected(
            r#"
            gen_ai.operation.name = retrieval
            gen_ai.data_source.id = contracts-index
            gen_ai.request.top_k = 2
            gen_ai.retrieval.documents = [{"id":"acme-msa-2023","score":0.91},{"id":"acme-sow-7","score":0.5}]
            llm.latency_ms = *
            "#
        )
    );
}

#[test]
fn retrieval_with_content_records_truncated_query_and_texts() {
    if coresdk_tests::solo::delegated() {
        return;
    }
    let spans = run(|| {
        let mut span = RetrievalSpan::start_with_settings(
            "contracts-index",
            Some(Provider::OPENAI),
            settings(true, 12),
        );
        span.set_server("127.0.0.1", Some(8080));
        span.set_model("text-embedding-3-small");
        span.set_top_k(2);
        span.record_query("When does the Acme contract expire?");
        span.record_documents(&documents());
        span.end();
    });
    let retrieval = find(&spans, "retrieval contracts-index");
    assert_eq!(
        attribute_map(retrieval),
        expected(
            r#"
            gen_ai.operation.name = retrieval
            gen_ai.provider.name = openai
            gen_ai.system = openai
            gen_ai.data_source.id = contracts-index
            server.address = 127.0.0.1
            server.port = 8080
            gen_ai.request.model = text-embedding-3-small
            gen_ai.request.top_k = 2
            gen_ai.retrieval.query.text = When does th…[truncated]
            gen_ai.retrieval.documents = [{"content":"The agreemen…[truncated]","id":"acme-msa-2023","score":0.91},{"id":"acme-sow-7","score":0.5}]
            llm.latency_ms = *
            "#
        )
    );
    // Content goes last, after the core attributes.
    let keys: Vec<&str> = retrieval
        .attributes
        .iter()
        .map(|kv| kv.key.as_str())
        .collect();
    let latency = keys.iter().position(|k| *k == LLM_LATENCY_MS).unwrap();
    let query = keys
        .iter()
        .position(|k| *k == "gen_ai.retrieval.query.text")
        .unwrap();
    assert!(query > latency, "{keys:?}");
}

#[test]
fn retrieval_failure_sets_error_status_type_and_event() {
    if coresdk_tests::solo::delegated() {
        return;
    }
    let spans = run(|| {
        let mut span = RetrievalSpan::start_with_settings("pgvector", None, settings(false, 100));
        span.record_error("timeout", "vector store did not answer within 2s");
        span.end();
    });
    let retrieval = find(&spans, "retrieval pgvector");
    assert_eq!(
        retrieval.status,
        Status::error("vector store did not answer within 2s")
    );
    assert_eq!(
        attribute_map(retrieval),
        expected(
            r"
            gen_ai.operation.name = retrieval
            gen_ai.data_source.id = pgvector
            error.type = timeout
            coresdk.problem.type = about:blank
            coresdk.problem.title = timeout
            coresdk.problem.status = 500
            coresdk.problem.detail = vector store did not answer within 2s
            llm.latency_ms = *
            "
        )
    );
    assert_eq!(retrieval.events.len(), 1);
    assert_eq!(retrieval.events[0].name, "exception");
}

#[test]
fn tool_span_from_a_model_call_with_content() {
    if coresdk_tests::solo::delegated() {
        return;
    }
    let spans = run(|| {
        let parent = tracing::info_span!("agent");
        let _g = parent.enter();
        let call = ToolCall::function(
            Some("call_7".into()),
            "get_contract_status",
            r#"{"contract":"acme-msa-2023"}"#,
        );
        let mut tool = ToolSpan::for_call(&call);
        tool.set_description("Looks a contract up in the CRM");
        tool.record_result(r#"{"status":"active"}"#);
        tool.end();
    });
    let tool = find(&spans, "execute_tool get_contract_status");
    assert_eq!(tool.span_kind, SpanKind::Internal);
    assert_eq!(
        tool.parent_span_id,
        find(&spans, "agent").span_context.span_id()
    );
    // The process-wide settings (installed by the pipeline) do not capture content.
    assert_eq!(
        attribute_map(tool),
        expected(
            r"
            gen_ai.operation.name = execute_tool
            gen_ai.tool.name = get_contract_status
            gen_ai.tool.call.id = call_7
            gen_ai.tool.type = function
            gen_ai.tool.description = Looks a contract up in the CRM
            llm.latency_ms = *
            "
        )
    );
}

#[test]
fn tool_span_captures_arguments_and_result_when_enabled() {
    if coresdk_tests::solo::delegated() {
        return;
    }
    let spans = run(|| {
        let mut tool = ToolSpan::start_with_settings("calculator", settings(true, 100));
        tool.set_type(ToolType::Function);
        tool.record_arguments(r#"{"a":2,"b":3}"#);
        tool.record_result("5");
        tool.end();
    });
    assert_eq!(
        attribute_map(find(&spans, "execute_tool calculator")),
        expected(
            r#"
            gen_ai.operation.name = execute_tool
            gen_ai.tool.name = calculator
            gen_ai.tool.type = function
            llm.latency_ms = *
            gen_ai.tool.call.arguments = {"a":2,"b":3}
            gen_ai.tool.call.result = 5
            "#
        )
    );
}

#[test]
fn failed_and_dropped_tools() {
    if coresdk_tests::solo::delegated() {
        return;
    }
    let spans = run(|| {
        let mut tool = ToolSpan::start_with_settings("crm_update", settings(true, 100));
        tool.record_error("connection", "connection refused by crm.internal:443");
        tool.end();
        let abandoned = ToolSpan::start_with_settings("slow_tool", settings(false, 100));
        drop(abandoned);
    });
    let failed = find(&spans, "execute_tool crm_update");
    assert_eq!(
        failed.status,
        Status::error("connection refused by crm.internal:443")
    );
    let map = attribute_map(failed);
    assert_eq!(map["error.type"], "connection");
    assert_eq!(map["coresdk.problem.type"], "about:blank");
    assert_eq!(map["coresdk.problem.title"], "connection");
    assert_eq!(map["coresdk.problem.status"], "500");
    assert_eq!(
        map["coresdk.problem.detail"],
        "connection refused by crm.internal:443"
    );
    let exception = &failed.events[0];
    assert_eq!(exception.name, "exception");
    let attrs: BTreeMap<String, String> = exception
        .attributes
        .iter()
        .map(|kv| (kv.key.to_string(), kv.value.to_string()))
        .collect();
    assert_eq!(attrs["exception.type"], "connection");
    assert_eq!(
        attrs["exception.message"],
        "connection refused by crm.internal:443"
    );
    let dropped = find(&spans, "execute_tool slow_tool");
    assert_eq!(attribute_map(dropped)["coresdk.cancelled"], "true");
}

#[test]
fn without_a_subscriber_nothing_is_recorded() {
    if coresdk_tests::solo::delegated() {
        return;
    }
    let mut span = RetrievalSpan::start("idx");
    assert!(!span.is_recording());
    span.record_documents(&documents());
    span.end();
    let mut tool = ToolSpan::start("t");
    assert!(!tool.is_recording());
    tool.record_result("x");
    tool.end();
}

#[test]
fn a_span_ends_when_it_is_ended_not_at_its_last_exit() {
    if coresdk_tests::solo::delegated() {
        return;
    }
    let spans = run(|| {
        let span = RetrievalSpan::start_with_settings("idx", None, settings(false, 100));
        // Entered once (the request), then held while results stream in.
        span.span().in_scope(|| {});
        std::thread::sleep(Duration::from_millis(30));
        span.end();
    });
    let s = find(&spans, "retrieval idx");
    let duration = s.end_time.duration_since(s.start_time).unwrap();
    assert!(duration >= Duration::from_millis(30), "{duration:?}");
}

/// A chat call's attributes reach the pipeline with the span's end, under
/// the configured attribute count limit: the first ones (the call's facts,
/// then its messages) are kept, the rest counted as dropped.
#[test]
fn the_attribute_limit_keeps_the_facts_and_counts_what_it_drops() {
    use coresdk::genai::{ChatRequest, GenAiSpan, Message, Operation, Role};

    if coresdk_tests::solo::delegated() {
        return;
    }
    let call = || {
        let mut span = GenAiSpan::start_with_settings(
            Provider::OPENAI,
            Operation::Chat,
            "gpt-4o",
            Arc::new(
                GenAiSettings::builder()
                    .with_capture_content(true)
                    .with_message_format(coresdk::config::MessageFormat::Indexed)
                    .build(),
            ),
        );
        span.record_chat_request(&ChatRequest {
            model: "gpt-4o".into(),
            messages: (0..10)
                .map(|i| Message::text(Role::User, format!("question {i}")))
                .collect(),
            max_tokens: Some(64),
            ..ChatRequest::default()
        });
        span.end();
    };
    let full = run(call);
    let full = find(&full, "chat gpt-4o");
    let keys = |span: &SpanData| -> Vec<String> {
        span.attributes
            .iter()
            .map(|kv| kv.key.as_str().to_owned())
            .collect()
    };
    let all = keys(full);
    assert_eq!(full.dropped_attributes_count, 0);
    assert!(all.len() > 20, "{all:?}");
    assert!(all.iter().any(|k| k == "gen_ai.prompt.9.content"));

    let limited = run_with(|config| config.with_span_attribute_count_limit(6), call);
    let limited = find(&limited, "chat gpt-4o");
    assert_eq!(keys(limited), all[..6]);
    assert_eq!(
        limited.dropped_attributes_count as usize,
        all.len() - 6,
        "every attribute past the limit is counted"
    );
    assert_eq!(keys(limited)[0], "gen_ai.operation.name");
}

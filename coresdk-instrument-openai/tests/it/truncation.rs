//! Unicode content cut at `content_max_chars` stays valid UTF-8, on the wire
//! of a real call, in both message formats.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::needless_raw_string_hashes
)]

use crate::support::{Harness, attribute_map, span};
use async_openai::types::chat::{
    ChatCompletionRequestUserMessage, CreateChatCompletionRequestArgs,
};
use coresdk::config::MessageFormat;
use coresdk::genai::attributes::{
    GEN_AI_COMPLETION, GEN_AI_INPUT_MESSAGES, GEN_AI_PROMPT, SUFFIX_CONTENT, SUFFIX_ROLE,
};
use coresdk::genai::{GenAiSettings, TRUNCATION_MARKER};

#[tokio::test]
async fn unicode_prompt_is_cut_on_a_char_boundary() {
    let h = Harness::new();
    // Mixed 1-, 2-, 3- and 4-byte characters, plus a skin-tone modifier.
    let prompt = "Ünïcødé 日本語のテキスト 👍🏽 emoji ".repeat(20);
    let client = h.client(
        GenAiSettings::builder()
            .with_capture_content(true)
            .with_content_max_chars(17)
            .with_message_format(MessageFormat::Both)
            .build(),
    );
    let request = CreateChatCompletionRequestArgs::default()
        .model("gpt-4o")
        .messages(vec![
            ChatCompletionRequestUserMessage::from(prompt.as_str()).into(),
        ])
        .build()
        .unwrap();
    client.chat().create(request).await.unwrap();
    // The request itself went out untruncated.
    assert_eq!(
        h.server.requests()[0].body["messages"][0]["content"],
        prompt.as_str()
    );
    let port = h.port();
    let spans = h.finish();
    let got = attribute_map(span(&spans, "chat gpt-4o"), port);
    let cut: String = prompt.chars().take(17).collect();
    assert_eq!(
        got[&format!("{GEN_AI_PROMPT}.0.{SUFFIX_CONTENT}")],
        format!("{cut}{TRUNCATION_MARKER}")
    );
    let input: serde_json::Value = serde_json::from_str(&got[GEN_AI_INPUT_MESSAGES]).unwrap();
    assert_eq!(
        input[0]["parts"][0]["content"],
        format!("{cut}{TRUNCATION_MARKER}")
    );
    // The completion (37 chars) is cut too; the role (short) is untouched.
    assert_eq!(
        got[&format!("{GEN_AI_COMPLETION}.0.{SUFFIX_CONTENT}")],
        format!("The capital of Me{TRUNCATION_MARKER}")
    );
    assert_eq!(
        got[&format!("{GEN_AI_COMPLETION}.0.{SUFFIX_ROLE}")],
        "assistant"
    );
}

//! Which [`Codec`] decodes a model's bodies.

use coresdk::genai::{Operation, Request};
use serde_json::Value as Json;

use super::codec::{Codec, Decoded};
use super::{anthropic, cohere, llama, mistral, nova, titan};

/// Every family, in lookup order (a longer model id prefix before a shorter
/// one it starts with).
pub(super) const FAMILIES: &[&dyn Codec] = &[
    &anthropic::Anthropic,
    &nova::Nova,
    &titan::TitanEmbed,
    &titan::TitanText,
    &llama::Llama,
    &mistral::Mistral,
    &cohere::CohereEmbed,
    &cohere::CohereChat,
    &cohere::CohereText,
];

/// The codec of `model_id`, falling back to the request body's shape, then
/// to an opaque decoder.
pub(crate) fn codec_for(model_id: &str, body: Option<&Json>) -> &'static dyn Codec {
    let id = model_id.rsplit('/').next().unwrap_or(model_id);
    let id = match id.split_once('.') {
        Some((prefix, rest)) if !rest.is_empty() && is_region_prefix(prefix) => rest,
        _ => id,
    };
    let by_id = FAMILIES.iter().find(|codec| {
        codec
            .model_prefixes()
            .iter()
            .any(|prefix| id.starts_with(prefix))
    });
    let by_shape = || body.and_then(|body| FAMILIES.iter().find(|codec| codec.has_shape(body)));
    by_id.or_else(by_shape).copied().unwrap_or(&Opaque)
}

fn is_region_prefix(prefix: &str) -> bool {
    matches!(
        prefix,
        "us" | "eu" | "apac" | "jp" | "au" | "ca" | "global" | "us-gov"
    )
}

/// Bodies of a model no codec knows: only the operation is guessed.
#[derive(Debug)]
struct Opaque;

impl Codec for Opaque {
    fn model_prefixes(&self) -> &'static [&'static str] {
        &[]
    }

    fn request(&self, model: &str, body: &Json, _capture: bool) -> Decoded {
        (guess_operation(model, Some(body)), Request::Opaque)
    }
}

/// The operation of a body no codec decodes (`None`: not JSON).
pub(crate) fn guess_operation(model: &str, body: Option<&Json>) -> Operation {
    if model.contains("embed") {
        Operation::Embeddings
    } else if body.is_some_and(|b| b.get("messages").is_some()) {
        Operation::Chat
    } else {
        Operation::TextCompletion
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(model: &str, body: Option<&Json>) -> String {
        format!("{:?}", codec_for(model, body))
    }

    #[test]
    fn families_from_ids_prefixes_and_bodies() {
        assert_eq!(
            name("us.anthropic.claude-3-5-haiku-20241022-v1:0", None),
            "Anthropic"
        );
        assert_eq!(name("us.amazon.nova-lite-v1:0", None), "Nova");
        assert_eq!(name("amazon.titan-text-express-v1", None), "TitanText");
        assert_eq!(name("amazon.titan-embed-text-v2:0", None), "TitanEmbed");
        assert_eq!(name("meta.llama3-70b-instruct-v1:0", None), "Llama");
        assert_eq!(name("cohere.command-r-v1:0", None), "CohereChat");
        assert_eq!(name("cohere.command-text-v14", None), "CohereText");
        assert_eq!(name("ai21.jamba-1-5-mini-v1:0", None), "Opaque");
        let body: Json = serde_json::json!({"anthropic_version": "bedrock-2023-05-31"});
        assert_eq!(
            name(
                "arn:aws:bedrock:us-east-1:123:inference-profile/x",
                Some(&body)
            ),
            "Anthropic"
        );
    }

    #[test]
    fn unknown_bodies_guess_the_operation() {
        let body = serde_json::json!({"messages": []});
        assert_eq!(
            codec_for("ai21.jamba", Some(&body))
                .request("ai21.jamba", &body, true)
                .0,
            Operation::Chat
        );
        assert_eq!(guess_operation("x.embed-v1", None), Operation::Embeddings);
    }
}

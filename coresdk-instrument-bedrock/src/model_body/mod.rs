//! InvokeModel bodies per model family → the neutral model.
//!
//! Each family is one [`Codec`] in its own file: Anthropic Claude (messages
//! API and legacy text completions), Amazon Nova (messages), Amazon Titan
//! text and embeddings, Meta Llama, Mistral (prompt and chat forms), Cohere
//! Command R (chat), Command (text) and Embed. The family comes from the
//! model id (a cross-region prefix such as `us.` is ignored) or, for ARNs and
//! unknown ids, from the body's shape ([`codec_for`]). Anything else is
//! decoded as opaque: the span keeps model, status, sizes and header usage.
//!
//! Adding a family: a file with a [`Codec`] and one line in
//! [`FAMILIES`](family::FAMILIES).

mod anthropic;
mod codec;
mod cohere;
mod family;
mod json;
mod llama;
mod mistral;
mod nova;
mod titan;

pub(crate) use codec::Codec;
pub(crate) use family::{codec_for, guess_operation};

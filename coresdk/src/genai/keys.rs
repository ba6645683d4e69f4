//! Interned keys of the indexed attribute layout (`gen_ai.prompt.{N}.role`,
//! `gen_ai.completion.{N}.tool_calls.{M}.id`, `gen_ai.request.tools.{N}.type`, ...).
//!
//! Formatting a key costs an allocation and a trip through `core::fmt` per
//! attribute per call. The keys of small indices are instead built once, on
//! first use, and kept for the life of the process (a bounded set: at most
//! [`CACHED_INDICES`] per field, [`CACHED_CALLS`] tool calls per message), so
//! recording one is a load and a `&'static str` [`Key`] that clones and drops
//! for free on any thread. Larger indices fall back to formatting.

use std::sync::OnceLock;

use opentelemetry::Key;

use super::attributes::{
    GEN_AI_BEDROCK_REQUEST_TOOLS, GEN_AI_COMPLETION, GEN_AI_OPENAI_REQUEST_TOOLS, GEN_AI_PROMPT,
    GEN_AI_REQUEST_TOOLS, SUFFIX_CONTENT, SUFFIX_FINISH_REASON, SUFFIX_FUNCTION_ARGUMENTS,
    SUFFIX_FUNCTION_DESCRIPTION, SUFFIX_FUNCTION_NAME, SUFFIX_FUNCTION_PARAMETERS, SUFFIX_ID,
    SUFFIX_ROLE, SUFFIX_TOOL_CALL_ID, SUFFIX_TOOL_CALLS, SUFFIX_TYPE,
};

/// Indices `N` whose keys are interned.
pub(crate) const CACHED_INDICES: usize = 64;
/// Message indices whose tool-call keys are interned.
const CACHED_CALL_MESSAGES: usize = 16;
/// Tool-call indices `M` (per message) whose keys are interned.
pub(crate) const CACHED_CALLS: usize = 8;

type Slot = OnceLock<&'static str>;

fn leak(key: String) -> &'static str {
    Box::leak(key.into_boxed_str())
}

fn interned(slot: &Slot, build: impl FnOnce() -> String) -> Key {
    Key::from_static_str(slot.get_or_init(|| leak(build())))
}

/// `{prefix}.{N}.{suffix}`.
fn indexed(prefix: &str, index: usize, suffix: &str) -> String {
    let mut key = String::with_capacity(prefix.len() + suffix.len() + 8);
    key.push_str(prefix);
    key.push('.');
    push_index(&mut key, index);
    key.push('.');
    key.push_str(suffix);
    key
}

/// `{prefix}.{N}.tool_calls.{M}.{suffix}`.
fn indexed_call(prefix: &str, index: usize, call: usize, suffix: &str) -> String {
    let mut key = indexed(prefix, index, SUFFIX_TOOL_CALLS);
    key.push('.');
    push_index(&mut key, call);
    key.push('.');
    key.push_str(suffix);
    key
}

fn push_index(out: &mut String, index: usize) {
    use std::fmt::Write as _;
    // Writing to a String cannot fail.
    let _ = write!(out, "{index}");
}

/// The keys `{prefix}.{N}.{suffix}` of one field.
pub(crate) struct IndexedKey {
    prefix: &'static str,
    suffix: &'static str,
    cache: [Slot; CACHED_INDICES],
}

impl IndexedKey {
    const fn new(prefix: &'static str, suffix: &'static str) -> Self {
        Self {
            prefix,
            suffix,
            cache: [const { OnceLock::new() }; CACHED_INDICES],
        }
    }

    /// The key of index `index`.
    pub(crate) fn get(&self, index: usize) -> Key {
        let build = || indexed(self.prefix, index, self.suffix);
        match self.cache.get(index) {
            Some(slot) => interned(slot, build),
            None => Key::from(build()),
        }
    }
}

/// The keys `{prefix}.{N}.tool_calls.{M}.{suffix}` of one tool-call field.
pub(crate) struct ToolCallKey {
    prefix: &'static str,
    suffix: &'static str,
    cache: [[Slot; CACHED_CALLS]; CACHED_CALL_MESSAGES],
}

impl ToolCallKey {
    const fn new(prefix: &'static str, suffix: &'static str) -> Self {
        Self {
            prefix,
            suffix,
            cache: [const { [const { OnceLock::new() }; CACHED_CALLS] }; CACHED_CALL_MESSAGES],
        }
    }

    /// The key of tool call `call` of message `index`.
    pub(crate) fn get(&self, index: usize, call: usize) -> Key {
        let build = || indexed_call(self.prefix, index, call, self.suffix);
        match self.cache.get(index).and_then(|row| row.get(call)) {
            Some(slot) => interned(slot, build),
            None => Key::from(build()),
        }
    }
}

/// The keys of one message list (`gen_ai.prompt` or `gen_ai.completion`).
pub(crate) struct MessageKeys {
    pub(crate) role: IndexedKey,
    pub(crate) content: IndexedKey,
    pub(crate) tool_call_id: IndexedKey,
    pub(crate) finish_reason: IndexedKey,
    pub(crate) call_id: ToolCallKey,
    pub(crate) call_type: ToolCallKey,
    pub(crate) call_name: ToolCallKey,
    pub(crate) call_arguments: ToolCallKey,
}

impl MessageKeys {
    const fn new(prefix: &'static str) -> Self {
        Self {
            role: IndexedKey::new(prefix, SUFFIX_ROLE),
            content: IndexedKey::new(prefix, SUFFIX_CONTENT),
            tool_call_id: IndexedKey::new(prefix, SUFFIX_TOOL_CALL_ID),
            finish_reason: IndexedKey::new(prefix, SUFFIX_FINISH_REASON),
            call_id: ToolCallKey::new(prefix, SUFFIX_ID),
            call_type: ToolCallKey::new(prefix, SUFFIX_TYPE),
            call_name: ToolCallKey::new(prefix, SUFFIX_FUNCTION_NAME),
            call_arguments: ToolCallKey::new(prefix, SUFFIX_FUNCTION_ARGUMENTS),
        }
    }
}

/// `gen_ai.prompt.{N}.*`.
pub(crate) static PROMPT: MessageKeys = MessageKeys::new(GEN_AI_PROMPT);
/// `gen_ai.completion.{N}.*`.
pub(crate) static COMPLETION: MessageKeys = MessageKeys::new(GEN_AI_COMPLETION);

/// A field of a tool definition.
#[derive(Debug, Clone, Copy)]
pub(crate) enum ToolField {
    /// `.type`
    Kind,
    /// `.function.name`
    Name,
    /// `.function.description`
    Description,
    /// `.function.parameters`
    Parameters,
}

impl ToolField {
    fn suffix(self) -> &'static str {
        match self {
            ToolField::Kind => SUFFIX_TYPE,
            ToolField::Name => SUFFIX_FUNCTION_NAME,
            ToolField::Description => SUFFIX_FUNCTION_DESCRIPTION,
            ToolField::Parameters => SUFFIX_FUNCTION_PARAMETERS,
        }
    }
}

/// The interned keys of one known tool-definition list.
pub(crate) struct InternedToolKeys {
    kind: IndexedKey,
    name: IndexedKey,
    description: IndexedKey,
    parameters: IndexedKey,
}

impl InternedToolKeys {
    const fn new(prefix: &'static str) -> Self {
        Self {
            kind: IndexedKey::new(prefix, SUFFIX_TYPE),
            name: IndexedKey::new(prefix, SUFFIX_FUNCTION_NAME),
            description: IndexedKey::new(prefix, SUFFIX_FUNCTION_DESCRIPTION),
            parameters: IndexedKey::new(prefix, SUFFIX_FUNCTION_PARAMETERS),
        }
    }
}

/// The keys `{prefix}.{N}.{field}` of one tool-definition list
/// (`gen_ai.request.tools` or a provider alias): interned for the known
/// lists, formatted for any other prefix.
#[derive(Clone, Copy)]
pub(crate) enum ToolKeys<'a> {
    Interned(&'static InternedToolKeys),
    Formatted(&'a str),
}

impl<'a> ToolKeys<'a> {
    /// The keys of tool list `prefix`.
    pub(crate) fn new(prefix: &'a str) -> Self {
        static REQUEST: InternedToolKeys = InternedToolKeys::new(GEN_AI_REQUEST_TOOLS);
        static OPENAI: InternedToolKeys = InternedToolKeys::new(GEN_AI_OPENAI_REQUEST_TOOLS);
        static BEDROCK: InternedToolKeys = InternedToolKeys::new(GEN_AI_BEDROCK_REQUEST_TOOLS);
        match prefix {
            GEN_AI_REQUEST_TOOLS => ToolKeys::Interned(&REQUEST),
            GEN_AI_OPENAI_REQUEST_TOOLS => ToolKeys::Interned(&OPENAI),
            GEN_AI_BEDROCK_REQUEST_TOOLS => ToolKeys::Interned(&BEDROCK),
            _ => ToolKeys::Formatted(prefix),
        }
    }

    /// The key of `field` of tool `index`.
    pub(crate) fn get(self, field: ToolField, index: usize) -> Key {
        match self {
            ToolKeys::Interned(keys) => match field {
                ToolField::Kind => keys.kind.get(index),
                ToolField::Name => keys.name.get(index),
                ToolField::Description => keys.description.get(index),
                ToolField::Parameters => keys.parameters.get(index),
            },
            ToolKeys::Formatted(prefix) => Key::from(indexed(prefix, index, field.suffix())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interned_and_formatted_keys_agree() {
        for n in [0, 1, 9, 10, CACHED_INDICES - 1, CACHED_INDICES, 1_000] {
            assert_eq!(
                PROMPT.content.get(n).as_str(),
                format!("{GEN_AI_PROMPT}.{n}.{SUFFIX_CONTENT}")
            );
            // Twice: the second read comes from the cache.
            assert_eq!(PROMPT.content.get(n), PROMPT.content.get(n));
            for m in [0, 3, CACHED_CALLS - 1, CACHED_CALLS, 99] {
                assert_eq!(
                    COMPLETION.call_arguments.get(n, m).as_str(),
                    format!(
                        "{GEN_AI_COMPLETION}.{n}.{SUFFIX_TOOL_CALLS}.{m}.{SUFFIX_FUNCTION_ARGUMENTS}"
                    )
                );
            }
        }
        for prefix in [GEN_AI_OPENAI_REQUEST_TOOLS, "acme.tools"] {
            let keys = ToolKeys::new(prefix);
            for (field, suffix) in [
                (ToolField::Kind, SUFFIX_TYPE),
                (ToolField::Parameters, SUFFIX_FUNCTION_PARAMETERS),
            ] {
                assert_eq!(keys.get(field, 2).as_str(), format!("{prefix}.2.{suffix}"));
            }
        }
        assert!(matches!(
            ToolKeys::new(GEN_AI_REQUEST_TOOLS),
            ToolKeys::Interned(_)
        ));
        assert!(matches!(
            ToolKeys::new("acme.tools"),
            ToolKeys::Formatted(_)
        ));
    }
}

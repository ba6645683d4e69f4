//! [`Operation`] and [`Provider`]: what a GenAI span is a call of.

use super::attributes::{GEN_AI_BEDROCK_REQUEST_TOOLS, GEN_AI_OPENAI_REQUEST_TOOLS};

/// The GenAI operation (`gen_ai.operation.name`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Operation {
    /// Chat completion.
    Chat,
    /// Legacy text completion.
    TextCompletion,
    /// Multimodal content generation.
    GenerateContent,
    /// Embeddings.
    Embeddings,
    /// Retrieval from a vector store or search system (see [`RetrievalSpan`](super::RetrievalSpan)).
    Retrieval,
    /// Execution of a tool the model asked for (see [`ToolSpan`](super::ToolSpan)).
    ExecuteTool,
    /// A provider API call the conventions name no operation for, by the
    /// provider's method name (`images.generate`, `files.create`, ...).
    Other(&'static str),
}

impl Operation {
    /// The operation name as written on spans.
    pub fn as_str(self) -> &'static str {
        match self {
            Operation::Chat => "chat",
            Operation::TextCompletion => "text_completion",
            Operation::GenerateContent => "generate_content",
            Operation::Embeddings => "embeddings",
            Operation::Retrieval => "retrieval",
            Operation::ExecuteTool => "execute_tool",
            Operation::Other(name) => name,
        }
    }
}

/// The GenAI provider (`gen_ai.provider.name`, `gen_ai.system`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Provider {
    name: &'static str,
    tools_alias: Option<&'static str>,
}

impl Provider {
    /// OpenAI (tools also under `gen_ai.openai.request.tools.N.*`).
    pub const OPENAI: Provider = Provider {
        name: "openai",
        tools_alias: Some(GEN_AI_OPENAI_REQUEST_TOOLS),
    };
    /// Amazon Bedrock (tools also under `gen_ai.bedrock.request.tools.N.*`).
    pub const AWS_BEDROCK: Provider = Provider {
        name: "aws.bedrock",
        tools_alias: Some(GEN_AI_BEDROCK_REQUEST_TOOLS),
    };

    /// Another provider.
    pub const fn new(name: &'static str) -> Self {
        Self {
            name,
            tools_alias: None,
        }
    }

    /// The provider name.
    pub fn name(self) -> &'static str {
        self.name
    }

    /// The provider prefix tool definitions are also written under.
    pub(crate) fn tools_alias(self) -> Option<&'static str> {
        self.tools_alias
    }
}

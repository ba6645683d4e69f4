//! Delegating setters: the traced builders keep the SDK's fluent API.

/// Generates `pub fn name(mut self, args..) -> Self` methods that forward to
/// the wrapped SDK fluent builder (`self.inner`), documented by a link to it.
macro_rules! delegate_setters {
    ($builder:literal; $( $name:ident ( $($arg:ident : $ty:ty),* ); )*) => {
        $(
            #[doc = concat!("Same as the SDK builder's [`", stringify!($name), "`](aws_sdk_bedrockruntime::", $builder, "::", stringify!($name), ").")]
            #[inline]
            pub fn $name(mut self, $($arg: $ty),*) -> Self {
                self.inner = self.inner.$name($($arg),*);
                self
            }
        )*
    };
}

/// The setters of `Converse` and `ConverseStream`, which differ only in the
/// guardrail configuration's type.
macro_rules! converse_setters {
    ($builder:literal, $guardrail:ty) => {
        $crate::setters::delegate_setters! {
            $builder;
            model_id(input: impl Into<String>);
            set_model_id(input: Option<String>);
            messages(input: Message);
            set_messages(input: Option<Vec<Message>>);
            system(input: SystemContentBlock);
            set_system(input: Option<Vec<SystemContentBlock>>);
            inference_config(input: InferenceConfiguration);
            set_inference_config(input: Option<InferenceConfiguration>);
            tool_config(input: ToolConfiguration);
            set_tool_config(input: Option<ToolConfiguration>);
            guardrail_config(input: $guardrail);
            set_guardrail_config(input: Option<$guardrail>);
            additional_model_request_fields(input: Document);
            set_additional_model_request_fields(input: Option<Document>);
            prompt_variables(k: impl Into<String>, v: PromptVariableValues);
            set_prompt_variables(input: Option<HashMap<String, PromptVariableValues>>);
            additional_model_response_field_paths(input: impl Into<String>);
            set_additional_model_response_field_paths(input: Option<Vec<String>>);
            request_metadata(k: impl Into<String>, v: impl Into<String>);
            set_request_metadata(input: Option<HashMap<String, String>>);
            performance_config(input: PerformanceConfiguration);
            set_performance_config(input: Option<PerformanceConfiguration>);
            service_tier(input: ServiceTier);
            set_service_tier(input: Option<ServiceTier>);
            output_config(input: OutputConfig);
            set_output_config(input: Option<OutputConfig>);
        }
    };
}

/// The setters of `InvokeModel` and `InvokeModelWithResponseStream`.
macro_rules! invoke_setters {
    ($builder:literal) => {
        $crate::setters::delegate_setters! {
            $builder;
            body(input: Blob);
            set_body(input: Option<Blob>);
            content_type(input: impl Into<String>);
            set_content_type(input: Option<String>);
            accept(input: impl Into<String>);
            set_accept(input: Option<String>);
            model_id(input: impl Into<String>);
            set_model_id(input: Option<String>);
            trace(input: Trace);
            set_trace(input: Option<Trace>);
            guardrail_identifier(input: impl Into<String>);
            set_guardrail_identifier(input: Option<String>);
            guardrail_version(input: impl Into<String>);
            set_guardrail_version(input: Option<String>);
            performance_config_latency(input: PerformanceConfigLatency);
            set_performance_config_latency(input: Option<PerformanceConfigLatency>);
            service_tier(input: ServiceTierType);
            set_service_tier(input: Option<ServiceTierType>);
            request_metadata(input: impl Into<String>);
            set_request_metadata(input: Option<String>);
        }
    };
}

pub(crate) use {converse_setters, delegate_setters, invoke_setters};

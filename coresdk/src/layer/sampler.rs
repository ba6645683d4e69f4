//! [`HeadSampler`]: the head sampling decision, made once per local root on
//! the application thread. Children in the same process inherit it.

use opentelemetry::trace::TraceId;

use crate::config::SamplerConfig;

/// The configured head sampler (`OTEL_TRACES_SAMPLER`), in the form the layer
/// evaluates: no context, attributes or links are built for it.
#[derive(Debug, Clone)]
pub(crate) enum HeadSampler {
    AlwaysOn,
    AlwaysOff,
    /// Keeps a trace when the trace id's low 63 bits fall under the bound:
    /// the OpenTelemetry SDK's `TraceIdRatioBased` rule, so services agree.
    Ratio(u64),
    /// A remote parent's decision wins; roots use the inner sampler.
    ParentBased(Box<HeadSampler>),
}

impl HeadSampler {
    /// The sampler for a configuration.
    pub(crate) fn from_config(config: SamplerConfig) -> Self {
        match config {
            SamplerConfig::AlwaysOff => Self::AlwaysOff,
            SamplerConfig::TraceIdRatio(r) => Self::ratio(r),
            SamplerConfig::ParentBasedAlwaysOn => Self::ParentBased(Box::new(Self::AlwaysOn)),
            SamplerConfig::ParentBasedAlwaysOff => Self::ParentBased(Box::new(Self::AlwaysOff)),
            SamplerConfig::ParentBasedTraceIdRatio(r) => {
                Self::ParentBased(Box::new(Self::ratio(r)))
            }
            // `AlwaysOn` and any future variant.
            _ => Self::AlwaysOn,
        }
    }

    fn ratio(ratio: f64) -> Self {
        if ratio >= 1.0 {
            Self::AlwaysOn
        } else if ratio <= 0.0 || ratio.is_nan() {
            Self::AlwaysOff
        } else {
            Self::Ratio((ratio * (1_u64 << 63) as f64) as u64)
        }
    }

    /// Whether a trace is sampled. `parent` is a remote parent's sampled
    /// flag, if the span continues one.
    #[inline]
    pub(crate) fn sample(&self, trace_id: TraceId, parent: Option<bool>) -> bool {
        match self {
            Self::AlwaysOn => true,
            Self::AlwaysOff => false,
            Self::Ratio(bound) => {
                let bytes = trace_id.to_bytes();
                let mut low = [0_u8; 8];
                low.copy_from_slice(&bytes[8..]);
                (u64::from_be_bytes(low) >> 1) < *bound
            }
            Self::ParentBased(root) => parent.unwrap_or_else(|| root.sample(trace_id, None)),
        }
    }
}

#[cfg(test)]
mod tests {
    use opentelemetry::trace::{SpanKind, TraceId};
    use opentelemetry_sdk::trace::{Sampler, SamplingDecision, ShouldSample};

    use super::*;

    #[test]
    fn ratio_agrees_with_the_sdk_sampler() {
        let ours = HeadSampler::ratio(0.3);
        let sdk = Sampler::TraceIdRatioBased(0.3);
        let mut kept = 0;
        for i in 0..2_000_u64 {
            let id = TraceId::from(
                u128::from(i).wrapping_mul(0x9e37_79b9_7f4a_7c15_f39c_c060_5ced_c835),
            );
            let sdk_keeps = sdk
                .should_sample(None, id, "s", &SpanKind::Internal, &[], &[])
                .decision
                == SamplingDecision::RecordAndSample;
            assert_eq!(ours.sample(id, None), sdk_keeps, "{id}");
            kept += usize::from(sdk_keeps);
        }
        assert!((400..800).contains(&kept), "{kept}");
    }

    #[test]
    fn parent_based_follows_a_remote_parent() {
        let s = HeadSampler::from_config(SamplerConfig::ParentBasedAlwaysOff);
        let id = TraceId::from(7_u128);
        assert!(s.sample(id, Some(true)));
        assert!(!s.sample(id, Some(false)));
        assert!(!s.sample(id, None));
        assert!(HeadSampler::AlwaysOn.sample(id, Some(false)));
    }
}

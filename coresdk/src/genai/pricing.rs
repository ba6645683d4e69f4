//! Model prices and the cost of a call (`llm.cost_usd`).
//!
//! The built-in table holds public list prices (USD per million tokens) of
//! current OpenAI and Amazon Bedrock (on-demand, us-east-1) models, as of
//! late 2025. Prices change: override or extend the table with
//! [`PricingTable::with_price`]. A model missing from the table gets **no**
//! cost rather than a guess.

use std::cell::RefCell;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};

use super::message::Usage;

/// Prices of one model, in US dollars per million tokens.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub struct ModelPrice {
    /// Uncached input tokens.
    pub input: f64,
    /// Output tokens (reasoning included).
    pub output: f64,
    /// Input tokens read from the prompt cache; `None` bills them as input.
    pub cached_input: Option<f64>,
    /// Input tokens written to the prompt cache; `None` bills them as input.
    pub cache_write: Option<f64>,
}

impl ModelPrice {
    /// Input and output prices per million tokens.
    pub const fn new(input: f64, output: f64) -> Self {
        Self {
            input,
            output,
            cached_input: None,
            cache_write: None,
        }
    }

    /// Sets the cached-input (cache read) price per million tokens.
    #[must_use]
    pub const fn with_cached_input(mut self, price: f64) -> Self {
        self.cached_input = Some(price);
        self
    }

    /// Sets the cache-write price per million tokens.
    #[must_use]
    pub const fn with_cache_write(mut self, price: f64) -> Self {
        self.cache_write = Some(price);
        self
    }

    /// The cost in USD of `usage` at these prices; `None` without token counts.
    pub fn cost(&self, usage: &Usage) -> Option<f64> {
        if usage.input_tokens.is_none() && usage.output_tokens.is_none() {
            return None;
        }
        let input = usage.input_tokens.unwrap_or(0);
        let read = usage.cache_read_input_tokens.unwrap_or(0).min(input);
        let write = usage
            .cache_creation_input_tokens
            .unwrap_or(0)
            .min(input - read);
        let plain = input - read - write;
        let output = usage.output_tokens.unwrap_or(0);
        let micro = plain as f64 * self.input
            + read as f64 * self.cached_input.unwrap_or(self.input)
            + write as f64 * self.cache_write.unwrap_or(self.input)
            + output as f64 * self.output;
        Some(micro / 1_000_000.0)
    }
}

/// Model id (without date or version suffix) → price.
#[derive(Clone)]
pub struct PricingTable {
    entries: Vec<(String, ModelPrice)>,
    /// Unique per content: a new one on every change (clones share it, as
    /// they share the content). Keys the per-thread lookup memo.
    revision: u64,
}

impl PartialEq for PricingTable {
    fn eq(&self, other: &Self) -> bool {
        self.entries == other.entries
    }
}

fn next_revision() -> u64 {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

/// Model ids longer than this are looked up without the memo.
const MEMO_MAX_MODEL_LEN: usize = 128;

/// One remembered lookup: table revision, model id, index of its entry.
type Memo = (u64, String, Option<usize>);

thread_local! {
    /// The last two lookups on this thread (a call prices its response model
    /// and sometimes its request model): the same few model ids repeat, and a
    /// hit costs a comparison instead of a scan of the table.
    static LOOKUPS: RefCell<[Memo; 2]> =
        const { RefCell::new([(0, String::new(), None), (0, String::new(), None)]) };
}

impl fmt::Debug for PricingTable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PricingTable")
            .field("models", &self.entries.len())
            .finish_non_exhaustive()
    }
}

impl Default for PricingTable {
    /// The built-in table.
    fn default() -> Self {
        Self::builtin()
    }
}

/// Bedrock cross-region inference profile prefixes (`us.anthropic...`).
const REGION_PREFIXES: &[&str] = &["us.", "eu.", "apac.", "jp.", "au.", "ca.", "global."];

#[rustfmt::skip]
const BUILTIN: &[(&str, ModelPrice)] = &[
    // --- OpenAI (platform.openai.com/docs/pricing, standard tier) ---------------
    ("gpt-5",              ModelPrice::new(1.25, 10.00).with_cached_input(0.125)),
    ("gpt-5-mini",         ModelPrice::new(0.25, 2.00).with_cached_input(0.025)),
    ("gpt-5-nano",         ModelPrice::new(0.05, 0.40).with_cached_input(0.005)),
    ("gpt-5-chat-latest",  ModelPrice::new(1.25, 10.00).with_cached_input(0.125)),
    ("gpt-4.1",            ModelPrice::new(2.00, 8.00).with_cached_input(0.50)),
    ("gpt-4.1-mini",       ModelPrice::new(0.40, 1.60).with_cached_input(0.10)),
    ("gpt-4.1-nano",       ModelPrice::new(0.10, 0.40).with_cached_input(0.025)),
    ("gpt-4o",             ModelPrice::new(2.50, 10.00).with_cached_input(1.25)),
    ("gpt-4o-mini",        ModelPrice::new(0.15, 0.60).with_cached_input(0.075)),
    ("chatgpt-4o-latest",  ModelPrice::new(5.00, 15.00)),
    ("gpt-4-turbo",        ModelPrice::new(10.00, 30.00)),
    ("gpt-4",              ModelPrice::new(30.00, 60.00)),
    ("gpt-3.5-turbo",      ModelPrice::new(0.50, 1.50)),
    ("o1",                 ModelPrice::new(15.00, 60.00).with_cached_input(7.50)),
    ("o1-mini",            ModelPrice::new(1.10, 4.40).with_cached_input(0.55)),
    ("o3",                 ModelPrice::new(2.00, 8.00).with_cached_input(0.50)),
    ("o3-mini",            ModelPrice::new(1.10, 4.40).with_cached_input(0.55)),
    ("o4-mini",            ModelPrice::new(1.10, 4.40).with_cached_input(0.275)),
    ("text-embedding-3-small", ModelPrice::new(0.02, 0.0)),
    ("text-embedding-3-large", ModelPrice::new(0.13, 0.0)),
    ("text-embedding-ada-002", ModelPrice::new(0.10, 0.0)),
    // --- Amazon Bedrock (aws.amazon.com/bedrock/pricing, on-demand) ---------------
    ("anthropic.claude-opus-4-1",   ModelPrice::new(15.00, 75.00).with_cached_input(1.50).with_cache_write(18.75)),
    ("anthropic.claude-opus-4",     ModelPrice::new(15.00, 75.00).with_cached_input(1.50).with_cache_write(18.75)),
    ("anthropic.claude-sonnet-4-5", ModelPrice::new(3.00, 15.00).with_cached_input(0.30).with_cache_write(3.75)),
    ("anthropic.claude-sonnet-4",   ModelPrice::new(3.00, 15.00).with_cached_input(0.30).with_cache_write(3.75)),
    ("anthropic.claude-haiku-4-5",  ModelPrice::new(1.00, 5.00).with_cached_input(0.10).with_cache_write(1.25)),
    ("anthropic.claude-3-7-sonnet", ModelPrice::new(3.00, 15.00).with_cached_input(0.30).with_cache_write(3.75)),
    ("anthropic.claude-3-5-sonnet", ModelPrice::new(3.00, 15.00).with_cached_input(0.30).with_cache_write(3.75)),
    ("anthropic.claude-3-5-haiku",  ModelPrice::new(0.80, 4.00).with_cached_input(0.08).with_cache_write(1.00)),
    ("anthropic.claude-3-haiku",    ModelPrice::new(0.25, 1.25)),
    ("anthropic.claude-3-opus",     ModelPrice::new(15.00, 75.00)),
    ("amazon.nova-premier",   ModelPrice::new(2.50, 12.50).with_cached_input(0.625)),
    ("amazon.nova-pro",       ModelPrice::new(0.80, 3.20).with_cached_input(0.20)),
    ("amazon.nova-lite",      ModelPrice::new(0.06, 0.24).with_cached_input(0.015)),
    ("amazon.nova-micro",     ModelPrice::new(0.035, 0.14).with_cached_input(0.00875)),
    ("amazon.titan-text-premier", ModelPrice::new(0.50, 1.50)),
    ("amazon.titan-text-express", ModelPrice::new(0.20, 0.60)),
    ("amazon.titan-text-lite",    ModelPrice::new(0.15, 0.20)),
    ("amazon.titan-embed-text",   ModelPrice::new(0.02, 0.0)),
    ("meta.llama3-70b-instruct",  ModelPrice::new(2.65, 3.50)),
    ("meta.llama3-8b-instruct",   ModelPrice::new(0.30, 0.60)),
    ("meta.llama3-1-405b-instruct", ModelPrice::new(2.40, 2.40)),
    ("meta.llama3-1-70b-instruct",  ModelPrice::new(0.72, 0.72)),
    ("meta.llama3-1-8b-instruct",   ModelPrice::new(0.22, 0.22)),
    ("meta.llama3-3-70b-instruct",  ModelPrice::new(0.72, 0.72)),
    ("mistral.mistral-large-2407",  ModelPrice::new(2.00, 6.00)),
    ("mistral.mistral-large-2402",  ModelPrice::new(4.00, 12.00)),
    ("mistral.mistral-small-2402",  ModelPrice::new(1.00, 3.00)),
    ("mistral.mixtral-8x7b-instruct", ModelPrice::new(0.45, 0.70)),
    ("mistral.mistral-7b-instruct", ModelPrice::new(0.15, 0.20)),
    ("cohere.command-r-plus",     ModelPrice::new(3.00, 15.00)),
    ("cohere.command-r",          ModelPrice::new(0.50, 1.50)),
];

impl PricingTable {
    /// The built-in table of OpenAI and Bedrock list prices.
    pub fn builtin() -> Self {
        let mut table = Self::empty();
        for (model, price) in BUILTIN {
            table = table.with_price(*model, *price);
        }
        table
    }

    /// A table with no prices (every cost is absent).
    pub fn empty() -> Self {
        Self {
            entries: Vec::new(),
            revision: next_revision(),
        }
    }

    /// Adds or replaces the price of `model`. The id is matched exactly and
    /// also with a date or version suffix (`gpt-4o` prices `gpt-4o-2024-08-06`;
    /// `anthropic.claude-sonnet-4-5` prices `us.anthropic.claude-sonnet-4-5-20250929-v1:0`).
    #[must_use]
    pub fn with_price(mut self, model: impl Into<String>, price: ModelPrice) -> Self {
        let model = model.into();
        if let Some(entry) = self.entries.iter_mut().find(|(m, _)| *m == model) {
            entry.1 = price;
        } else {
            self.entries.push((model, price));
            // Longest id first, so `gpt-4o-mini` wins over `gpt-4o`.
            self.entries
                .sort_by_key(|(id, _)| std::cmp::Reverse(id.len()));
        }
        self.revision = next_revision();
        self
    }

    /// Removes `model`'s price, so calls to it get no cost.
    #[must_use]
    pub fn without_price(mut self, model: &str) -> Self {
        self.entries.retain(|(m, _)| m != model);
        self.revision = next_revision();
        self
    }

    /// The price of `model`, if known.
    pub fn price(&self, model: &str) -> Option<&ModelPrice> {
        let index = if model.len() <= MEMO_MAX_MODEL_LEN {
            self.memoized_index(model)
        } else {
            self.index(model)
        };
        index
            .and_then(|i| self.entries.get(i))
            .map(|(_, price)| price)
    }

    fn memoized_index(&self, model: &str) -> Option<usize> {
        let hit = LOOKUPS
            .try_with(|memo| {
                memo.borrow()
                    .iter()
                    .find(|(revision, id, _)| *revision == self.revision && id == model)
                    .map(|(_, _, index)| *index)
            })
            .ok()
            .flatten();
        if let Some(index) = hit {
            return index;
        }
        let index = self.index(model);
        let _ = LOOKUPS.try_with(|memo| {
            let mut memo = memo.borrow_mut();
            // Keep the most recent first.
            memo.swap(0, 1);
            let (revision, id, slot) = &mut memo[0];
            *revision = self.revision;
            id.clear();
            id.push_str(model);
            *slot = index;
        });
        index
    }

    /// The index of the entry pricing `model`.
    fn index(&self, model: &str) -> Option<usize> {
        let model = REGION_PREFIXES
            .iter()
            .find_map(|p| strip_prefix(model, p))
            .unwrap_or(model);
        self.entries
            .iter()
            .position(|(id, _)| strip_prefix(model, id).is_some_and(is_version_suffix))
    }

    /// The cost of `usage` on `model`; `None` for an unknown model or no counts.
    pub fn cost(&self, model: &str, usage: &Usage) -> Option<f64> {
        self.price(model)?.cost(usage)
    }
}

/// `s.strip_prefix(prefix)`, rejecting on the first byte before comparing
/// the rest: most of the table differs from a model id right there.
fn strip_prefix<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    match (s.as_bytes().first(), prefix.as_bytes().first()) {
        (Some(a), Some(b)) if a != b => None,
        _ => s.strip_prefix(prefix),
    }
}

/// What may follow a priced model id: nothing, a date (`-2024-08-06`,
/// `-20250929-v1:0`), a version (`-v1:0`, `:0`) or `-latest`.
fn is_version_suffix(rest: &str) -> bool {
    if rest.is_empty() || rest.starts_with(':') {
        return true;
    }
    let Some(rest) = rest.strip_prefix('-') else {
        return false;
    };
    let rest = rest.strip_prefix('v').unwrap_or(rest);
    rest.starts_with(|c: char| c.is_ascii_digit()) || rest == "latest"
}

#[cfg(test)]
mod tests {
    use super::*;

    fn usage(input: u64, output: u64) -> Usage {
        Usage {
            input_tokens: Some(input),
            output_tokens: Some(output),
            ..Usage::default()
        }
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-12
    }

    #[test]
    fn dated_openai_ids_match_their_family() {
        let t = PricingTable::builtin();
        assert_eq!(t.price("gpt-4o-2024-08-06"), t.price("gpt-4o"));
        assert_eq!(t.price("gpt-4o-mini-2024-07-18"), t.price("gpt-4o-mini"));
        assert_ne!(t.price("gpt-4o-mini"), t.price("gpt-4o"));
        assert_eq!(t.price("gpt-4.1-mini-2025-04-14"), t.price("gpt-4.1-mini"));
        assert!(t.price("gpt-4o-custom-finetune").is_none());
        assert!(t.price("gpt-4oo").is_none());
        assert!(t.price("my-local-llama").is_none());
    }

    #[test]
    fn bedrock_profiles_and_versions_match() {
        let t = PricingTable::builtin();
        let sonnet = t.price("anthropic.claude-sonnet-4-5");
        assert!(sonnet.is_some());
        assert_eq!(
            t.price("us.anthropic.claude-sonnet-4-5-20250929-v1:0"),
            sonnet
        );
        assert_eq!(
            t.price("us.amazon.nova-micro-v1:0"),
            t.price("amazon.nova-micro")
        );
        assert_eq!(
            t.price("meta.llama3-70b-instruct-v1:0"),
            t.price("meta.llama3-70b-instruct")
        );
    }

    #[test]
    fn cost_of_the_chat_fixture() {
        // gpt-4o-2024-08-06: 14 in, 8 out at $2.50 / $10.00 per Mtok.
        let cost = PricingTable::builtin().cost("gpt-4o-2024-08-06", &usage(14, 8));
        assert!(close(cost.unwrap_or_default(), 0.000_115), "{cost:?}");
    }

    #[test]
    fn cached_input_is_billed_at_the_cached_price() {
        let u = Usage {
            cache_read_input_tokens: Some(1_000_000),
            ..usage(2_000_000, 0)
        };
        let cost = PricingTable::builtin()
            .cost("gpt-4o", &u)
            .unwrap_or_default();
        assert!(close(cost, 2.50 + 1.25), "{cost}");
        let u = Usage {
            cache_read_input_tokens: Some(1_000_000),
            cache_creation_input_tokens: Some(1_000_000),
            ..usage(3_000_000, 1_000_000)
        };
        let cost = PricingTable::builtin()
            .cost("anthropic.claude-sonnet-4-5", &u)
            .unwrap_or_default();
        assert!(close(cost, 3.00 + 0.30 + 3.75 + 15.00), "{cost}");
    }

    #[test]
    fn repeated_lookups_follow_table_changes() {
        let a = PricingTable::builtin();
        let b = a.clone().with_price("gpt-4o", ModelPrice::new(1.0, 1.0));
        let c = b.clone().without_price("gpt-4o");
        for _ in 0..3 {
            assert_eq!(a.price("gpt-4o-2024-08-06"), a.price("gpt-4o"));
            assert_eq!(
                b.price("gpt-4o-2024-08-06"),
                Some(&ModelPrice::new(1.0, 1.0))
            );
            assert_eq!(c.price("gpt-4o-2024-08-06"), None);
            assert_eq!(a.clone().price("gpt-4o-mini"), a.price("gpt-4o-mini"));
            assert_ne!(a.price("gpt-4o-mini"), a.price("gpt-4o"));
        }
        assert_eq!(a, PricingTable::builtin());
        assert_ne!(a, b);
    }

    #[test]
    fn unknown_model_or_no_usage_has_no_cost() {
        let t = PricingTable::builtin();
        assert_eq!(t.cost("acme-llm-1", &usage(10, 10)), None);
        assert_eq!(t.cost("gpt-4o", &Usage::default()), None);
    }

    #[test]
    fn overrides_replace_and_extend() {
        let t = PricingTable::builtin()
            .with_price("gpt-4o", ModelPrice::new(1.0, 2.0))
            .with_price("acme-llm", ModelPrice::new(1.0, 1.0))
            .without_price("gpt-4o-mini");
        assert!(close(
            t.cost("gpt-4o-2024-08-06", &usage(1_000_000, 1_000_000))
                .unwrap_or_default(),
            3.0
        ));
        assert!(t.cost("acme-llm", &usage(1, 1)).is_some());
        assert_eq!(t.cost("gpt-4o-mini", &usage(1, 1)), None);
        assert_eq!(PricingTable::empty().cost("gpt-4o", &usage(1, 1)), None);
    }
}

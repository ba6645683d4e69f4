//! Property tests: planted values of every built-in kind, in random UTF-8
//! text with multibyte and punctuation neighbours or at the start/end of the
//! string, never survive masking; output is valid UTF-8; masking is
//! idempotent; nothing panics on arbitrary input.

use crate::pii_support;

use std::borrow::Cow;

use coresdk::pipeline::pii::{BuiltinRule, PiiMasker};
use pii_support::{NEIGHBOURS, Rng, plant};
use proptest::prelude::*;

fn masker() -> PiiMasker {
    PiiMasker::builder()
        .with_hash_key("props")
        .build()
        .expect("rules compile")
}

/// One side of the planted value: `filler` text, a space, then the neighbour
/// right next to the value (or nothing at all: start/end of string).
fn side() -> impl Strategy<Value = String> {
    prop_oneof![
        1 => Just(String::new()),
        4 => ("\\PC{0,24}", 0..NEIGHBOURS.len(), any::<bool>()).prop_map(|(filler, n, with_filler)| {
            if with_filler { format!("{filler} {}", NEIGHBOURS[n]) } else { NEIGHBOURS[n].to_owned() }
        }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn planted_values_never_survive(kind in 0..BuiltinRule::ALL.len(), seed in any::<u64>(), before in side(), after in side()) {
        let masker = masker();
        let rule = BuiltinRule::ALL[kind];
        let planted = plant(rule, &mut Rng::new(seed));
        let suffix: String = after.chars().rev().collect();
        let text = format!("{before}{}{suffix}", planted.text);
        let once = masker.mask(&text);
        for secret in &planted.secrets {
            prop_assert!(!once.contains(secret.as_str()), "{} survived: {text:?} -> {once:?}", rule.name());
        }
        prop_assert!(std::str::from_utf8(once.as_bytes()).is_ok());
        let twice = masker.mask(&once);
        prop_assert_eq!(&twice, &once, "not idempotent on {:?}", text);
    }

    #[test]
    fn several_planted_values_in_one_string(seeds in proptest::collection::vec((0..BuiltinRule::ALL.len(), any::<u64>(), 0..NEIGHBOURS.len()), 1..6)) {
        let masker = masker();
        let mut text = String::new();
        let mut secrets = Vec::new();
        for (kind, seed, n) in seeds {
            let planted = plant(BuiltinRule::ALL[kind], &mut Rng::new(seed));
            text.push_str(NEIGHBOURS[n]);
            text.push_str(&planted.text);
            text.push_str(NEIGHBOURS[n]);
            text.push(' ');
            secrets.extend(planted.secrets);
        }
        let once = masker.mask(&text);
        for secret in &secrets {
            prop_assert!(!once.contains(secret.as_str()), "{secret:?} survived: {text:?} -> {once:?}");
        }
        prop_assert_eq!(masker.mask(&once), once.clone());
    }

    #[test]
    fn arbitrary_text_is_safe_and_idempotent(text in "\\PC{0,200}") {
        let masker = masker();
        let once = masker.mask(&text);
        prop_assert_eq!(masker.mask(&once), once.clone());
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        let masker = masker();
        let text = String::from_utf8_lossy(&bytes);
        let once = masker.mask(&text);
        prop_assert_eq!(masker.mask(&once), once.clone());
    }

    #[test]
    fn dense_trigger_soup_is_idempotent(text in "[0-9a-fA-F:.@ +()\\-/_xkAIS]{0,120}") {
        let masker = masker();
        let once = masker.mask(&text);
        prop_assert_eq!(masker.mask(&once), once.clone());
    }

    #[test]
    fn clean_text_is_borrowed(text in "[^0-9:@]{0,200}") {
        let masker = masker();
        let lowered = text.replace("sk-", "s k").replace("eyJ", "e yJ").replace("-----BEGIN", "- BEGIN")
            .replace("AKIA", "AK IA").replace("ASIA", "AS IA").replace("AIza", "AI za").replace("xox", "x ox")
            .replace("gh", "g h").replace("earer", "ea rer");
        prop_assert!(matches!(masker.mask(&lowered), Cow::Borrowed(_)));
    }
}

//! A labelled corpus, generated deterministically: ≥ 500 planted PII values
//! over every built-in kind and ≥ 500 clean look-alikes, each embedded in
//! assorted sentences. Prints recall and precision per kind and asserts the
//! acceptance thresholds.

use crate::pii_support;

use std::collections::BTreeMap;

use coresdk::pipeline::pii::{BuiltinRule, PiiMasker};
use pii_support::{Rng, TEMPLATES, embed, look_alike, plant};

const PER_KIND: usize = 40;
const CLEAN: usize = 800;

/// Kinds whose recall must be exactly 1.0.
const EXACT_RECALL: &[BuiltinRule] = &[
    BuiltinRule::Email,
    BuiltinRule::Ssn,
    BuiltinRule::CreditCard,
    BuiltinRule::Iban,
    BuiltinRule::Jwt,
    BuiltinRule::AwsAccessKey,
    BuiltinRule::OpenAiKey,
    BuiltinRule::AnthropicKey,
    BuiltinRule::GithubToken,
    BuiltinRule::SlackToken,
    BuiltinRule::GoogleApiKey,
    BuiltinRule::BearerToken,
    BuiltinRule::PrivateKey,
    BuiltinRule::UrlCredentials,
    BuiltinRule::SecretPair,
    BuiltinRule::StripeKey,
];

/// Pairs whose key only looks like a secret's: never masked.
const CLEAN_PAIRS: &[&str] = &[
    "max_tokens=512",
    "total_tokens: 900",
    "prompt_tokens=37",
    "token_count=3",
    "tokenizer=cl100k_base",
    "password_reset=true",
    "passwordless: enabled",
    "secret_santa=ann",
    "key=value",
    "KeyError: 'x'",
    "the token expired: refresh it",
    "forgot password? click here",
    "primary_key=id",
    "pk_live_abcdefghijklmnopqrstuvwx",
    "task_live_mode=on",
];

#[derive(Default)]
struct Score {
    items: usize,
    caught: usize,
    predicted: usize,
    correct: usize,
}

/// The `<WORD>` tokens in `text`.
fn tokens(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(open) = rest.find('<') {
        let tail = &rest[open + 1..];
        match tail.find('>') {
            Some(close)
                if tail[..close]
                    .bytes()
                    .all(|c| c.is_ascii_uppercase() || c == b'_' || c.is_ascii_digit())
                    && close > 0 =>
            {
                out.push(&tail[..close]);
                rest = &tail[close + 1..];
            }
            _ => rest = tail,
        }
    }
    out
}

#[test]
fn corpus_recall_and_precision() {
    let masker = PiiMasker::builder()
        .with_hash_key("corpus")
        .build()
        .expect("rules compile");
    let mut rng = Rng::new(4);
    let mut scores: BTreeMap<&'static str, Score> = BTreeMap::new();
    let mut misses = Vec::new();
    let mut false_positives = Vec::new();
    let mut total_items = 0;

    for rule in BuiltinRule::ALL {
        for i in 0..PER_KIND {
            let planted = plant(rule, &mut rng);
            let text = embed(TEMPLATES[i % TEMPLATES.len()], &planted.text);
            let masked = masker.mask(&text);
            total_items += 1;
            let found = tokens(&masked);
            let survived = planted.secrets.iter().any(|s| masked.contains(s.as_str()));
            let caught = !survived && found.contains(&rule.token());
            let score = scores.entry(rule.token()).or_default();
            score.items += 1;
            if caught {
                score.caught += 1;
            } else {
                misses.push(format!("{}: {text:?} -> {masked:?}", rule.name()));
            }
            for token in found {
                let s = scores.entry(token_static(token)).or_default();
                s.predicted += 1;
                if token == rule.token() {
                    s.correct += 1;
                } else {
                    false_positives.push(format!("{token} in {text:?} -> {masked:?}"));
                }
            }
        }
    }

    let mut clean_items = 0;
    for i in 0..CLEAN + CLEAN_PAIRS.len() * 4 {
        let value = if i < CLEAN {
            look_alike(i, &mut rng)
        } else {
            CLEAN_PAIRS[(i - CLEAN) % CLEAN_PAIRS.len()].to_owned()
        };
        let text = embed(TEMPLATES[(i / 40) % TEMPLATES.len()], &value);
        clean_items += 1;
        let masked = masker.mask(&text);
        for token in tokens(&masked) {
            scores.entry(token_static(token)).or_default().predicted += 1;
            false_positives.push(format!("{token} in clean {text:?} -> {masked:?}"));
        }
        if masked != text && tokens(&masked).is_empty() {
            false_positives.push(format!("changed clean {text:?} -> {masked:?}"));
        }
    }

    println!(
        "\n{:<16} {:>6} {:>7} {:>9} {:>10}",
        "kind", "items", "recall", "predicted", "precision"
    );
    let (mut predicted, mut correct) = (0, 0);
    for (kind, s) in &scores {
        let recall = if s.items == 0 {
            f64::NAN
        } else {
            s.caught as f64 / s.items as f64
        };
        let precision = if s.predicted == 0 {
            1.0
        } else {
            s.correct as f64 / s.predicted as f64
        };
        println!(
            "{kind:<16} {:>6} {recall:>7.3} {:>9} {precision:>10.3}",
            s.items, s.predicted
        );
        predicted += s.predicted;
        correct += s.correct;
    }
    let overall = correct as f64 / predicted as f64;
    println!(
        "PII items {total_items}, clean look-alikes {clean_items}, overall precision {overall:.4}"
    );
    for m in &misses {
        println!("MISS {m}");
    }
    for fp in &false_positives {
        println!("FALSE POSITIVE {fp}");
    }

    assert!(total_items >= 500 && clean_items >= 500);
    for rule in EXACT_RECALL {
        let s = &scores[rule.token()];
        assert_eq!(s.caught, s.items, "recall of {} must be 1.0", rule.name());
    }
    for rule in BuiltinRule::ALL {
        let s = &scores[rule.token()];
        assert!(
            s.caught as f64 / s.items as f64 >= 0.95,
            "recall of {} below 0.95",
            rule.name()
        );
    }
    assert!(overall >= 0.99, "overall precision {overall} < 0.99");
}

fn token_static(token: &str) -> &'static str {
    BuiltinRule::ALL
        .iter()
        .map(|r| r.token())
        .find(|t| *t == token)
        .unwrap_or("OTHER")
}

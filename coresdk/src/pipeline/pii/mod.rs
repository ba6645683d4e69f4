//! The PII rule set behind [`PiiMasking`](super::PiiMasking).
//!
//! Clean strings, the common case, are proven clean by a byte-level
//! prefilter that allocates nothing (`scan`, with a cheaper exact gate in
//! front for the digit/colon kinds, `gate`); candidates go to small
//! hand-written detectors per family (`numbers`, `network`,
//! `secrets`) with checksums where the format has one (`validators`).
//! Custom rules are regexes (`rules`); key rules are globs (`keys`);
//! the `hash` action is a keyed HMAC-SHA256 (`hash`).
//!
//! # Built-in value rules
//!
//! | name (`pii.disabled_rules`) | token | matches |
//! |---|---|---|
//! | `email` | `<EMAIL>` | `local@domain.tld`, ASCII, alphabetic TLD |
//! | `phone` | `<PHONE>` | NANP with separators (`(415) 555-0132`, `415.555.0132`, `1-800-…`), `+CC …` with 8–15 digits, and national numbers of GB, DE, FR, IT, ES, NL, JP, AU, BR, IN, MX, CN (9–13 digits in single-separated groups, or with an area code in parentheses) valid in one of those regions per libphonenumber's metadata |
//! | `ssn` | `<SSN>` | `ddd-dd-dddd` / `ddd dd dddd`, SSA area/group/serial rules |
//! | `credit_card` | `<CREDIT_CARD>` | 13–19 digits, contiguous or 4-4-4-4 / 4-6-5 / 4-6-4 groups, Luhn-valid |
//! | `iban` | `<IBAN>` | country length from the IBAN registry, mod-97, contiguous or grouped by four |
//! | `ipv4`, `ipv6` | `<IPV4>`, `<IPV6>` | dotted quads ≤ 255; anything `std::net::Ipv6Addr` parses (not `a::b` paths) |
//! | `mac_address` | `<MAC_ADDRESS>` | `hh:hh:…`, `hh-hh-…`, `hhhh.hhhh.hhhh` |
//! | `jwt` | `<JWT>` | `eyJ….….…` |
//! | `aws_access_key` | `<AWS_ACCESS_KEY>` | `AKIA`/`ASIA` + 16 |
//! | `openai_key`, `anthropic_key` | `<OPENAI_KEY>`, `<ANTHROPIC_KEY>` | `sk-…`, `sk-ant-…` (≥ 20 after `sk-`) |
//! | `github_token` | `<GITHUB_TOKEN>` | `ghp_`/`gho_`/`ghu_`/`ghs_`/`ghr_`, `github_pat_` |
//! | `slack_token` | `<SLACK_TOKEN>` | `xox[abposr]-…` |
//! | `google_api_key` | `<GOOGLE_API_KEY>` | `AIza…` |
//! | `bearer_token` | `<BEARER_TOKEN>` | the credential after `Bearer ` |
//! | `private_key` | `<PRIVATE_KEY>` | PEM `… PRIVATE KEY` blocks (to the end of the text if cut off) |
//! | `url_credentials` | `<URL_CREDENTIALS>` | `user:pass` in `scheme://user:pass@host` |
//! | `secret_pair` | `<SECRET>` | the value of `key=value`, `key: value`, `key := value`, `"key": "value"` whose key's last words name a secret (`password`, `passwd`, `pwd`, `passphrase`, `secret`, `token`, `api_key`/`apiKey`/`X-Api-Key`, `access_key`, `private_key`, `secret_key`, `authorization`, `credentials`, …; not `max_tokens`); quoted values to the closing quote, bare ones to whitespace or `,;&)]}` |
//! | `stripe_key` | `<STRIPE_KEY>` | `sk_live_`/`sk_test_`/`rk_live_`/`rk_test_` + ≥ 16 alphanumerics |
//!
//! Matches never start or end inside an ASCII word (non-ASCII characters
//! count as boundaries), and a number does not match in the middle of a longer
//! dotted/dashed number. Deliberately not matched, because they are as likely
//! ids or times: bare 9-digit SSNs, bare 10-digit NANP numbers, lower-case
//! IBANs, dashed MACs without any decimal digit. The `hash` action writes
//! `<TOKEN:8 hex>` for values and `<HASH:16 hex>` for whole keys. Tokens never
//! match a built-in rule, and custom rules skip text inside tokens, so masking
//! is idempotent.

mod gate;
mod hash;
mod keys;
mod masker;
mod network;
mod numbers;
mod pairs;
mod phone;
mod replace;
mod rules;
mod scan;
mod secrets;
mod short_gate;
mod validators;

pub use masker::{PiiMasker, PiiMaskerBuilder, REDACTED_TOKEN};
pub use rules::BuiltinRule;

//! The catalogue of built-in value rules and the compiled custom rules.

use std::fmt;

use regex::Regex;

use crate::config::{PiiAction, PiiRule, PiiValidator};
use crate::pipeline::masking::MaskingError;

use super::keys::Glob;
use super::validators::{luhn, mod97};

/// A built-in value rule. Each can be switched off by name
/// (`pii.disabled_rules`) and given its own action.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum BuiltinRule {
    /// E-mail addresses (`<EMAIL>`).
    Email,
    /// Phone numbers: NANP formats and `+CC …` international ones (`<PHONE>`).
    Phone,
    /// US social security numbers, dashed or spaced, SSA-valid (`<SSN>`).
    Ssn,
    /// Luhn-valid payment card numbers, 13–19 digits (`<CREDIT_CARD>`).
    CreditCard,
    /// IBANs with a valid country length and mod-97 check (`<IBAN>`).
    Iban,
    /// Dotted-quad IPv4 addresses (`<IPV4>`).
    Ipv4,
    /// IPv6 addresses (`<IPV6>`).
    Ipv6,
    /// MAC addresses (`<MAC_ADDRESS>`).
    MacAddress,
    /// JSON web tokens (`<JWT>`).
    Jwt,
    /// AWS access key ids, `AKIA…`/`ASIA…` (`<AWS_ACCESS_KEY>`).
    AwsAccessKey,
    /// OpenAI-style `sk-…` keys (`<OPENAI_KEY>`).
    OpenAiKey,
    /// Anthropic `sk-ant-…` keys (`<ANTHROPIC_KEY>`).
    AnthropicKey,
    /// GitHub tokens, `ghp_…`/`github_pat_…` (`<GITHUB_TOKEN>`).
    GithubToken,
    /// Slack tokens, `xox?-…` (`<SLACK_TOKEN>`).
    SlackToken,
    /// Google API keys, `AIza…` (`<GOOGLE_API_KEY>`).
    GoogleApiKey,
    /// The credential after `Bearer ` (`<BEARER_TOKEN>`).
    BearerToken,
    /// PEM private key blocks (`<PRIVATE_KEY>`).
    PrivateKey,
    /// `user:password` in URLs (`scheme://<URL_CREDENTIALS>@host`).
    UrlCredentials,
    /// The value of a `key=value`, `key: value` or JSON pair whose key names
    /// a secret (`password`, `api_key`, `client_secret`, …) (`<SECRET>`).
    SecretPair,
    /// Stripe secret and restricted keys, `sk_live_…`/`sk_test_…`/`rk_…`
    /// (`<STRIPE_KEY>`).
    StripeKey,
}

impl BuiltinRule {
    /// Every built-in rule.
    pub const ALL: [BuiltinRule; 20] = [
        Self::Email,
        Self::Phone,
        Self::Ssn,
        Self::CreditCard,
        Self::Iban,
        Self::Ipv4,
        Self::Ipv6,
        Self::MacAddress,
        Self::Jwt,
        Self::AwsAccessKey,
        Self::OpenAiKey,
        Self::AnthropicKey,
        Self::GithubToken,
        Self::SlackToken,
        Self::GoogleApiKey,
        Self::BearerToken,
        Self::PrivateKey,
        Self::UrlCredentials,
        Self::SecretPair,
        Self::StripeKey,
    ];

    /// The name used in `pii.disabled_rules`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Email => "email",
            Self::Phone => "phone",
            Self::Ssn => "ssn",
            Self::CreditCard => "credit_card",
            Self::Iban => "iban",
            Self::Ipv4 => "ipv4",
            Self::Ipv6 => "ipv6",
            Self::MacAddress => "mac_address",
            Self::Jwt => "jwt",
            Self::AwsAccessKey => "aws_access_key",
            Self::OpenAiKey => "openai_key",
            Self::AnthropicKey => "anthropic_key",
            Self::GithubToken => "github_token",
            Self::SlackToken => "slack_token",
            Self::GoogleApiKey => "google_api_key",
            Self::BearerToken => "bearer_token",
            Self::PrivateKey => "private_key",
            Self::UrlCredentials => "url_credentials",
            Self::SecretPair => "secret_pair",
            Self::StripeKey => "stripe_key",
        }
    }

    /// The word inside the replacement token (`EMAIL` in `<EMAIL>`).
    pub fn token(self) -> &'static str {
        match self {
            Self::Email => "EMAIL",
            Self::Phone => "PHONE",
            Self::Ssn => "SSN",
            Self::CreditCard => "CREDIT_CARD",
            Self::Iban => "IBAN",
            Self::Ipv4 => "IPV4",
            Self::Ipv6 => "IPV6",
            Self::MacAddress => "MAC_ADDRESS",
            Self::Jwt => "JWT",
            Self::AwsAccessKey => "AWS_ACCESS_KEY",
            Self::OpenAiKey => "OPENAI_KEY",
            Self::AnthropicKey => "ANTHROPIC_KEY",
            Self::GithubToken => "GITHUB_TOKEN",
            Self::SlackToken => "SLACK_TOKEN",
            Self::GoogleApiKey => "GOOGLE_API_KEY",
            Self::BearerToken => "BEARER_TOKEN",
            Self::PrivateKey => "PRIVATE_KEY",
            Self::UrlCredentials => "URL_CREDENTIALS",
            Self::SecretPair => "SECRET",
            Self::StripeKey => "STRIPE_KEY",
        }
    }

    /// The rule called `name`, if any.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.name() == name)
    }

    fn index(self) -> usize {
        self as usize
    }
}

impl fmt::Display for BuiltinRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Which built-in rules are on, and what each does with a match.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Builtins {
    enabled: u32,
    actions: [PiiAction; BuiltinRule::ALL.len()],
}

impl Default for Builtins {
    fn default() -> Self {
        Self {
            enabled: (1u32 << BuiltinRule::ALL.len()) - 1,
            actions: [PiiAction::Redact; BuiltinRule::ALL.len()],
        }
    }
}

impl Builtins {
    pub(crate) fn is_on(&self, rule: BuiltinRule) -> bool {
        self.enabled & (1 << rule.index()) != 0
    }
    pub(crate) fn any_on(&self, rules: &[BuiltinRule]) -> bool {
        rules.iter().any(|r| self.is_on(*r))
    }
    pub(crate) fn set_enabled(&mut self, rule: BuiltinRule, on: bool) {
        if on {
            self.enabled |= 1 << rule.index();
        } else {
            self.enabled &= !(1 << rule.index());
        }
    }
    pub(crate) fn action(&self, rule: BuiltinRule) -> PiiAction {
        self.actions[rule.index()]
    }
    pub(crate) fn set_action(&mut self, rule: BuiltinRule, action: PiiAction) {
        self.actions[rule.index()] = action;
    }
}

/// A user rule, compiled.
pub(crate) struct CustomRule {
    pub(crate) token: String,
    pub(crate) regex: Regex,
    pub(crate) action: PiiAction,
    pub(crate) validator: Option<PiiValidator>,
    pub(crate) keys: Vec<Glob>,
}

impl fmt::Debug for CustomRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CustomRule")
            .field("token", &self.token)
            .field("regex", &self.regex.as_str())
            .field("action", &self.action)
            .field("validator", &self.validator)
            .field("keys", &self.keys)
            .finish()
    }
}

impl CustomRule {
    /// Compiles a configured rule; a bad regex or key glob names the rule.
    pub(crate) fn compile(rule: &PiiRule) -> Result<Self, MaskingError> {
        if rule.name().trim().is_empty() {
            return Err(MaskingError::InvalidRule {
                rule: rule.name().to_owned(),
                reason: "the rule has no name".to_owned(),
            });
        }
        let regex = Regex::new(rule.regex()).map_err(|e| MaskingError::InvalidRule {
            rule: rule.name().to_owned(),
            reason: e.to_string(),
        })?;
        if regex.is_match("") {
            return Err(MaskingError::InvalidRule {
                rule: rule.name().to_owned(),
                reason: "the regex matches the empty string".to_owned(),
            });
        }
        let keys = rule
            .keys()
            .iter()
            .map(|g| {
                Glob::new(g).map_err(|reason| MaskingError::InvalidRule {
                    rule: rule.name().to_owned(),
                    reason: format!("key glob `{g}`: {reason}"),
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self {
            token: token_word(rule.name()),
            regex,
            action: rule.action(),
            validator: rule.validator(),
            keys,
        })
    }

    /// Whether the rule applies to an attribute with this key (`None`: a
    /// span name, event name or status description).
    pub(crate) fn applies_to(&self, key: Option<&str>) -> bool {
        match key {
            _ if self.keys.is_empty() => true,
            Some(key) => self.keys.iter().any(|g| g.matches(key)),
            None => false,
        }
    }

    /// Whether a match passes the rule's checksum, if it has one.
    pub(crate) fn validates(&self, matched: &str) -> bool {
        match self.validator {
            None => true,
            Some(PiiValidator::Luhn) => luhn(matched.as_bytes()),
            Some(PiiValidator::Mod97) => mod97(matched.as_bytes()),
        }
    }
}

/// `credit-card id` → `CREDIT_CARD_ID`: the word of a custom rule's token.
fn token_word(name: &str) -> String {
    name.trim()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '_'
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_are_unique() {
        for rule in BuiltinRule::ALL {
            assert_eq!(BuiltinRule::from_name(rule.name()), Some(rule));
        }
        assert_eq!(BuiltinRule::from_name("nope"), None);
        assert!(
            BuiltinRule::ALL
                .iter()
                .enumerate()
                .all(|(i, r)| r.index() == i)
        );
    }

    #[test]
    fn custom_rule_token_and_errors() {
        let rule = CustomRule::compile(&PiiRule::new("order id", r"ORD-\d{6}")).expect("valid");
        assert_eq!(rule.token, "ORDER_ID");
        let err = CustomRule::compile(&PiiRule::new("broken", "(")).expect_err("bad regex");
        assert!(err.to_string().contains("`broken`"), "{err}");
        let err = CustomRule::compile(&PiiRule::new("empty", "x*")).expect_err("empty match");
        assert!(err.to_string().contains("empty string"), "{err}");
    }

    #[test]
    fn custom_rule_keys_and_validator() {
        let rule = CustomRule::compile(
            &PiiRule::new("acct", r"\d{16}")
                .with_validator(PiiValidator::Luhn)
                .with_keys(["billing.*"]),
        )
        .expect("valid");
        assert!(rule.applies_to(Some("billing.card")));
        assert!(!rule.applies_to(Some("order.id")));
        assert!(!rule.applies_to(None));
        assert!(rule.validates("4111111111111111"));
        assert!(!rule.validates("4111111111111112"));
    }
}

//! Deterministic generators of planted PII and clean look-alikes, shared by
//! the property tests and the labelled corpus.
#![allow(dead_code, unreachable_pub)]

use std::net::Ipv6Addr;

use coresdk::pipeline::pii::BuiltinRule;

/// splitmix64: small, fast, reproducible.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed ^ 0x9E37_79B9_7F4A_7C15)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }
    pub fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + self.below(hi - lo + 1)
    }
    pub fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len())]
    }
    pub fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
    pub fn string(&mut self, alphabet: &[u8], n: usize) -> String {
        (0..n).map(|_| char::from(*self.pick(alphabet))).collect()
    }
    pub fn string_range(&mut self, alphabet: &[u8], lo: usize, hi: usize) -> String {
        let n = self.range(lo, hi);
        self.string(alphabet, n)
    }
    pub fn digits_range(&mut self, lo: usize, hi: usize) -> String {
        let n = self.range(lo, hi);
        self.digits(n)
    }
    pub fn digits(&mut self, n: usize) -> String {
        self.string(DIGITS, n)
    }
}

pub const DIGITS: &[u8] = b"0123456789";
pub const LOWER: &[u8] = b"abcdefghijklmnopqrstuvwxyz";
pub const UPPER: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ";
pub const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
pub const B64URL: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
pub const B64: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// A planted value: the text to embed and the fragments that must not
/// survive masking.
#[derive(Debug, Clone)]
pub struct Planted {
    pub text: String,
    pub secrets: Vec<String>,
}

impl Planted {
    fn whole(text: String) -> Self {
        Self {
            secrets: vec![text.clone()],
            text,
        }
    }
}

fn luhn_complete(prefix: &str, len: usize, rng: &mut Rng) -> String {
    let mut s = prefix.to_owned();
    s.push_str(&rng.digits(len - prefix.len() - 1));
    let mut sum = 0;
    for (i, c) in s.bytes().rev().enumerate() {
        let mut d = u32::from(c - b'0');
        if i % 2 == 0 {
            d *= 2;
            if d > 9 {
                d -= 9;
            }
        }
        sum += d;
    }
    s.push(char::from(b'0' + ((10 - sum % 10) % 10) as u8));
    s
}

fn group(digits: &str, sizes: &[usize], sep: &str) -> String {
    let mut out = Vec::new();
    let mut at = 0;
    for &n in sizes {
        out.push(&digits[at..at + n]);
        at += n;
    }
    out.join(sep)
}

/// A Luhn-valid card number, formatted one of the usual ways.
pub fn card(rng: &mut Rng) -> String {
    let (prefix, len) = *rng.pick(&[
        ("4", 16),
        ("4", 13),
        ("4", 19),
        ("51", 16),
        ("55", 16),
        ("34", 15),
        ("37", 15),
        ("6011", 16),
        ("36", 14),
    ]);
    let digits = luhn_complete(prefix, len, rng);
    let sep = *rng.pick(&[" ", "-"]);
    match (len, rng.below(2)) {
        (16, 0) => group(&digits, &[4, 4, 4, 4], sep),
        (15, 0) => group(&digits, &[4, 6, 5], sep),
        (14, 0) => group(&digits, &[4, 6, 4], sep),
        (19, 0) => group(&digits, &[4, 4, 4, 4, 3], sep),
        _ => digits,
    }
}

fn iban_check(cc: &str, bban: &str) -> String {
    let rearranged = format!("{bban}{cc}00");
    let mut rem = 0u32;
    for c in rearranged.bytes() {
        let v = if c.is_ascii_digit() {
            u32::from(c - b'0')
        } else {
            u32::from(c - b'A') + 10
        };
        rem = if v >= 10 {
            (rem * 100 + v) % 97
        } else {
            (rem * 10 + v) % 97
        };
    }
    format!("{:02}", 98 - rem)
}

/// A valid IBAN (and whether to print it grouped).
pub fn iban(rng: &mut Rng) -> String {
    let (cc, bban) = match rng.below(8) {
        0 => ("DE", rng.digits(18)),
        1 => ("GB", format!("{}{}", rng.string(UPPER, 4), rng.digits(14))),
        2 => ("FR", rng.digits(23)),
        3 => ("NL", format!("{}{}", rng.string(UPPER, 4), rng.digits(10))),
        4 => ("ES", rng.digits(20)),
        5 => ("IT", format!("{}{}", rng.string(UPPER, 1), rng.digits(22))),
        6 => ("NO", rng.digits(11)),
        _ => ("CH", rng.digits(17)),
    };
    let raw = format!("{cc}{}{bban}", iban_check(cc, &bban));
    if rng.chance(50) {
        raw.as_bytes()
            .chunks(4)
            .map(|c| String::from_utf8_lossy(c).into_owned())
            .collect::<Vec<_>>()
            .join(" ")
    } else {
        raw
    }
}

fn nanp(rng: &mut Rng) -> (String, String, String) {
    (
        format!("{}{}", rng.range(2, 9), rng.digits(2)),
        format!("{}{}", rng.range(2, 9), rng.digits(2)),
        rng.digits(4),
    )
}

pub fn phone(rng: &mut Rng) -> String {
    let (a, e, l) = nanp(rng);
    match rng.below(9) {
        0 => format!("({a}) {e}-{l}"),
        1 => format!("{a}-{e}-{l}"),
        2 => format!("{a}.{e}.{l}"),
        3 => format!("{a} {e} {l}"),
        4 => format!("1-{a}-{e}-{l}"),
        5 => format!("+1 {a} {e} {l}"),
        6 => format!("+1 ({a}) {e}-{l}"),
        7 => format!(
            "+{} {} {} {}",
            rng.range(20, 99),
            rng.digits(2),
            rng.digits(4),
            rng.digits(4)
        ),
        _ => format!("+{}{}", rng.range(30, 49), rng.digits_range(8, 11)),
    }
}

pub fn ssn(rng: &mut Rng) -> String {
    let area = loop {
        let a = rng.range(1, 899);
        if a != 666 {
            break a;
        }
    };
    let sep = *rng.pick(&["-", " "]);
    format!(
        "{area:03}{sep}{:02}{sep}{:04}",
        rng.range(1, 99),
        rng.range(1, 9999)
    )
}

pub fn email(rng: &mut Rng) -> String {
    let mut local = rng.string_range(LOWER, 2, 10);
    if rng.chance(40) {
        local.push('.');
        local.push_str(&rng.string_range(LOWER, 2, 8));
    }
    if rng.chance(30) {
        local.push_str(&rng.digits_range(1, 4));
    }
    if rng.chance(15) {
        local.push('+');
        local.push_str(&rng.string(LOWER, 4));
    }
    let tld = *rng.pick(&["com", "org", "net", "io", "de", "co.uk", "dev", "example"]);
    format!("{local}@{}.{tld}", rng.string_range(LOWER, 3, 12))
}

pub fn ipv6(rng: &mut Rng) -> String {
    loop {
        let mut groups = [0u16; 8];
        groups[0] = 0x2001;
        for g in groups.iter_mut().skip(1) {
            *g = if rng.chance(25) {
                0
            } else {
                rng.next_u64() as u16
            };
        }
        let text = Ipv6Addr::from(groups).to_string();
        if text.bytes().any(|c| c.is_ascii_digit()) {
            return text;
        }
    }
}

pub fn mac(rng: &mut Rng) -> String {
    let sep = *rng.pick(&[":", "-"]);
    let upper = rng.chance(50);
    (0..6)
        .map(|_| {
            let b = rng.next_u64() as u8;
            if upper {
                format!("{b:02X}")
            } else {
                format!("{b:02x}")
            }
        })
        .collect::<Vec<_>>()
        .join(sep)
}

/// Generates a planted value of `rule`.
pub fn plant(rule: BuiltinRule, rng: &mut Rng) -> Planted {
    let whole = Planted::whole;
    match rule {
        BuiltinRule::Email => whole(email(rng)),
        BuiltinRule::Phone => whole(phone(rng)),
        BuiltinRule::Ssn => whole(ssn(rng)),
        BuiltinRule::CreditCard => whole(card(rng)),
        BuiltinRule::Iban => whole(iban(rng)),
        BuiltinRule::Ipv4 => whole(format!(
            "{}.{}.{}.{}",
            rng.range(1, 255),
            rng.below(256),
            rng.below(256),
            rng.range(1, 254)
        )),
        BuiltinRule::Ipv6 => whole(ipv6(rng)),
        BuiltinRule::MacAddress => whole(mac(rng)),
        BuiltinRule::Jwt => whole(format!(
            "eyJ{}.eyJ{}.{}",
            rng.string_range(B64URL, 17, 40),
            rng.string_range(B64URL, 20, 80),
            rng.string(B64URL, 43)
        )),
        BuiltinRule::AwsAccessKey => {
            let prefix = *rng.pick(&["AKIA", "ASIA"]);
            whole(format!(
                "{prefix}{}",
                rng.string(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16)
            ))
        }
        BuiltinRule::OpenAiKey => {
            let kind = *rng.pick(&["", "proj-", "svcacct-"]);
            whole(format!("sk-{kind}{}", rng.string(ALNUM, 48)))
        }
        BuiltinRule::AnthropicKey => whole(format!("sk-ant-api03-{}AA", rng.string(B64URL, 93))),
        BuiltinRule::GithubToken => {
            if rng.chance(70) {
                let p = *rng.pick(&["ghp_", "gho_", "ghu_", "ghs_", "ghr_"]);
                whole(format!("{p}{}", rng.string(ALNUM, 36)))
            } else {
                whole(format!(
                    "github_pat_{}_{}",
                    rng.string(ALNUM, 22),
                    rng.string(ALNUM, 59)
                ))
            }
        }
        BuiltinRule::SlackToken => {
            let t = *rng.pick(&["b", "p", "a", "o"]);
            whole(format!(
                "xox{t}-{}-{}-{}",
                rng.digits(11),
                rng.digits(12),
                rng.string(ALNUM, 24)
            ))
        }
        BuiltinRule::GoogleApiKey => whole(format!("AIza{}", rng.string(B64URL, 35))),
        BuiltinRule::BearerToken => {
            let mut token = rng.string_range(ALNUM, 16, 40);
            let at = rng.below(token.len());
            token.insert(at, char::from(b'0' + rng.below(10) as u8));
            if rng.chance(30) {
                token.push_str("==");
            }
            Planted {
                text: format!("Bearer {token}"),
                secrets: vec![token],
            }
        }
        BuiltinRule::PrivateKey => {
            let label = *rng.pick(&["RSA ", "EC ", "OPENSSH ", ""]);
            let lines: Vec<String> = (0..rng.range(2, 5)).map(|_| rng.string(B64, 64)).collect();
            Planted {
                text: format!(
                    "-----BEGIN {label}PRIVATE KEY-----\n{}\n-----END {label}PRIVATE KEY-----",
                    lines.join("\n")
                ),
                secrets: lines,
            }
        }
        BuiltinRule::UrlCredentials => {
            let scheme = *rng.pick(&["https", "postgres", "mysql", "redis", "amqp", "ftp"]);
            let user = rng.string_range(LOWER, 3, 8);
            let pass = format!(
                "{}{}",
                rng.string_range(ALNUM, 6, 16),
                rng.pick(&["", "!", "$", "*", "%21"])
            );
            let host = format!(
                "{}.{}",
                rng.string_range(LOWER, 3, 10),
                rng.pick(&["internal", "example.com", "local"])
            );
            Planted {
                text: format!(
                    "{scheme}://{user}:{pass}@{host}:{}/db",
                    rng.range(1000, 9999)
                ),
                secrets: vec![format!("{user}:{pass}"), pass],
            }
        }
        BuiltinRule::SecretPair => {
            let key = *rng.pick(&[
                "password",
                "passwd",
                "pwd",
                "secret",
                "api_key",
                "apikey",
                "apiKey",
                "X-Api-Key",
                "access_key",
                "private_key",
                "client_secret",
                "access_token",
                "token",
                "DB_PASSWORD",
                "AWS_SECRET_ACCESS_KEY",
            ]);
            let value = rng.string_range(ALNUM, 10, 28);
            let text = match rng.below(6) {
                0 => format!("{key}={value}"),
                1 => format!("{key}: {value}"),
                2 => format!("\"{key}\": \"{value}\""),
                3 => format!("{key}='{value}'"),
                4 => format!("{key} = {value}"),
                _ => format!("?user=ann&{key}={value}&page=2"),
            };
            Planted {
                text,
                secrets: vec![value],
            }
        }
        BuiltinRule::StripeKey => {
            let prefix = *rng.pick(&["sk_live_", "sk_test_", "rk_live_", "rk_test_"]);
            let len = rng.range(24, 99);
            whole(format!("{prefix}{}", rng.string(ALNUM, len)))
        }
        _ => whole(String::new()),
    }
}

/// Characters that may sit right next to a planted value: non-ASCII letters
/// and symbols, punctuation and whitespace (no ASCII letters, digits or `_`,
/// which would make the value part of a longer word).
pub const NEIGHBOURS: &[&str] = &[
    " ", "  ", "\n", "\t", ",", ".", ";", ":", "!", "?", "(", ")", "[", "]", "{", "}", "\"", "'",
    "<", ">", "=", "/", "|", "*", "#", "é", "ü", "ñ", "中", "文", "日本", "—", "–", "…", "“", "”",
    "«", "»", "’", "€", "😀", "·", "\u{a0}",
];

/// Clean text that looks like PII but is not: every string must come out of
/// masking unchanged.
pub fn look_alike(i: usize, rng: &mut Rng) -> String {
    let hex = |rng: &mut Rng, n| rng.string(b"0123456789abcdef", n);
    match i % 40 {
        0 => format!(
            "{}-{:02}-{:02}",
            rng.range(1990, 2030),
            rng.range(1, 12),
            rng.range(1, 28)
        ),
        1 => format!(
            "{}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
            rng.range(1990, 2030),
            rng.range(1, 12),
            rng.range(1, 28),
            rng.below(24),
            rng.below(60),
            rng.below(60)
        ),
        2 => format!(
            "{}-{:02}-{:02} {:02}:{:02}:{:02}.{:03}+02:00",
            rng.range(1990, 2030),
            rng.range(1, 12),
            rng.range(1, 28),
            rng.below(24),
            rng.below(60),
            rng.below(60),
            rng.below(1000)
        ),
        3 => format!("v{}.{}.{}", rng.below(30), rng.below(100), rng.below(100)),
        4 => format!(
            "{}.{}.{}-beta.{}",
            rng.below(10),
            rng.below(30),
            rng.below(30),
            rng.below(9)
        ),
        5 => format!("ORD-{}-{:06}", rng.range(2019, 2026), rng.below(1_000_000)),
        6 => format!("order #{}", rng.range(10_000, 99_999_999)),
        7 => hex(rng, 32),
        8 => format!(
            "{}-{}-4{}-a{}-{}",
            hex(rng, 8),
            hex(rng, 4),
            hex(rng, 3),
            hex(rng, 3),
            hex(rng, 12)
        ),
        9 => format!(
            "${},{:03}.{:02}",
            rng.range(1, 999),
            rng.below(1000),
            rng.below(100)
        ),
        10 => format!("{}", rng.range(1_500_000_000, 1_900_000_000)),
        11 => {
            // Luhn-invalid 16 digits.
            let valid = luhn_complete("4", 16, rng);
            let last = valid.as_bytes()[15] - b'0';
            let bad = format!("{}{}", &valid[..15], (last + 1 + rng.below(8) as u8) % 10);
            if rng.chance(50) {
                group(&bad, &[4, 4, 4, 4], " ")
            } else {
                bad
            }
        }
        12 => format!(
            "{}-{:02}-{:04}",
            rng.pick(&["000", "666", "900", "987"]),
            rng.range(1, 99),
            rng.range(1, 9999)
        ),
        13 => format!("{:03}-00-{:04}", rng.range(1, 665), rng.range(1, 9999)),
        14 => format!(
            "{}{}-{}-{}",
            rng.range(0, 1),
            rng.digits(2),
            rng.digits(3),
            rng.digits(4)
        ),
        15 => format!(
            "({}) {}{}-{}",
            rng.range(200, 999),
            rng.range(0, 1),
            rng.digits(2),
            rng.digits(4)
        ),
        16 => {
            // IBAN with a wrong check digit pair.
            let good = iban(rng).replace(' ', "");
            let check: u32 = good[2..4].parse().unwrap_or(0);
            format!(
                "{}{:02}{}",
                &good[..2],
                (check + 1 + rng.below(90) as u32) % 97 + 2,
                &good[4..]
            )
        }
        17 => format!(
            "{}.{}.{}.{}",
            rng.range(256, 999),
            rng.below(256),
            rng.below(256),
            rng.below(256)
        ),
        18 => format!("{}.{}.{}", rng.below(256), rng.below(256), rng.below(256)),
        19 => format!(
            "{:02}:{:02}:{:02}",
            rng.below(24),
            rng.below(60),
            rng.below(60)
        ),
        20 => format!(
            "{}::{}::{}",
            rng.pick(&["std", "tokio", "crate"]),
            rng.pick(&["sync", "io", "fmt"]),
            rng.pick(&["Mutex", "Read", "Display"])
        ),
        21 => format!(
            "{}@{}",
            rng.string(LOWER, 5),
            rng.pick(&["localhost", "host", "server1"])
        ),
        22 => format!("@{}", rng.string(LOWER, 8)),
        23 => format!("sk-{}", rng.string_range(ALNUM, 1, 12)),
        24 => format!("task-{}", rng.string(LOWER, 30)),
        25 => format!("AKIA{}", rng.string_range(UPPER, 2, 10)),
        26 => "Bearer authentication is described in RFC 6750".to_owned(),
        27 => format!(
            "-----BEGIN CERTIFICATE-----\n{}\n-----END CERTIFICATE-----",
            rng.string(B64, 64)
        ),
        28 => format!(
            "https://{}.example.com:{}/v{}/items?page={}",
            rng.string(LOWER, 6),
            rng.range(1000, 9999),
            rng.below(4),
            rng.below(50)
        ),
        29 => hex(rng, 40),
        30 => format!("{}.{}%", rng.below(100), rng.below(10)),
        31 => format!("{}", rng.range(10_000, 99_999)),
        32 => format!("{}-{}", rng.range(10_000, 99_999), rng.range(1000, 9999)),
        33 => format!("{} {} {}", rng.digits(4), rng.digits(4), rng.digits(4)),
        34 => format!("3.{}", rng.digits_range(10, 18)),
        35 => rng.digits_range(20, 30),
        36 => format!("#{}", rng.string(b"0123456789ABCDEF", 6)),
        37 => format!(
            "{}:{}:{}:{}:{}",
            hex(rng, 2),
            hex(rng, 2),
            hex(rng, 2),
            hex(rng, 2),
            hex(rng, 2)
        ),
        38 => format!(
            "978-{}-{}-{}-{}",
            rng.below(10),
            rng.digits(2),
            rng.digits(6),
            rng.below(10)
        ),
        _ => format!(
            "{:02}/{:02}/{}",
            rng.range(1, 12),
            rng.range(1, 28),
            rng.range(1990, 2030)
        ),
    }
}

/// Sentences a value is embedded in (`{}` marks the spot).
pub const TEMPLATES: &[&str] = &[
    "{}",
    "Contact: {} for details.",
    "value={} (from the request)",
    "The customer wrote “{}” in the form — please check.",
    "备注：{}。",
    "Ärger mit {}, bitte prüfen.",
    "[{}]",
    "log line 42: user said {}\nnext line",
    "{\"field\": \"{}\", \"n\": 3}",
    "```\nconfig = '{}'\n```",
];

pub fn embed(template: &str, value: &str) -> String {
    template.replacen("{}", value, 1)
}

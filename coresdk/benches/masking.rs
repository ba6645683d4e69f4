//! PII masking throughput: clean prose (ASCII and non-ASCII), PII-dense prose,
//! and short realistic attribute values.
//!
//! Targets: ≥ 1 GB/s on both clean proses, ≥ 150 MB/s PII-dense,
//! ≤ 60 ns per 64-byte clean value.

use std::hint::black_box;

use coresdk::pipeline::pii::PiiMasker;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

const ASCII_PROSE: &str = "The quarterly review covered the migration of the billing service to the new \
cluster. Latency improved by 35% after the cache layer was introduced, and the team closed 128 tickets \
in the last sprint. Release v2.14.3 shipped on 2024-05-01 at 09:30 UTC; the rollback plan was never \
needed. Customers in the EU region reported faster checkout, while the mobile app still waits on the \
API gateway upgrade. Next steps: finish the schema change, review the on-call rotation, and write the \
post-mortem for incident 4471 before Friday. ";

const UNICODE_PROSE: &str = "Die Überprüfung des Quartals — „nichts Neues“, sagte Zoë — ergab, dass \
die Latenz um 35 % sank. L’équipe a livré la version 2.14 ; « très bien », dit René. Ñandú y café \
para todos. 本季度的迁移工作已经完成，延迟降低了百分之三十五，团队在上个冲刺中关闭了一百多个工单。 \
次のステップはスキーマの変更とオンコールの見直しです。 “Smart quotes” and em dashes — everywhere… \
Ça va très bien, merci. ";

const PII_ITEMS: [&str; 20] = [
    "jane.doe@example.com",
    "(415) 555-0132",
    "+44 20 7946 0958",
    "123-45-6789",
    "4111 1111 1111 1111",
    "DE89 3704 0044 0532 0130 00",
    "192.168.10.24",
    "2001:db8::8a2e:370:7334",
    "00:1a:2b:3c:4d:5e",
    "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.dBjftJeZ4CVP",
    "AKIAIOSFODNN7EXAMPLE",
    "sk-proj-abcdefghij0123456789XYZ",
    "ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789",
    "xoxb-1234567890-abcdefghij",
    "AIzaSyA1bC2dE3fG4hI5jK6lM7nO8pQ9rS0tU1v",
    "Bearer abc123DEF456ghi789",
    "https://admin:hunter2@db.internal/x",
    "sk-ant-api03-abcdefghij0123456789_x",
    "john+tag@mail.co.uk",
    "415.555.0199",
];

/// Realistic short attribute values: clean, with digits and colons.
const SHORT_VALUES: [&str; 8] = [
    "2024-05-01T12:34:56.789Z INFO order 12345 shipped to warehouse 7",
    "GET /api/v2/orders/98765?page=3 HTTP/1.1 200 OK in 0.042s total",
    "trace=4bf92f3577b34da6a3ce929d0e0e4736 span=00f067aa0ba902b7 ok",
    "v1.24.3-rc1 build 20240501.3 commit 9fceb02d0ae598e95dc970b747",
    "db.query took 12.5ms rows=250 pool=3/10 host=db-primary:5432 ok",
    "550e8400-e29b-41d4-a716-446655440000 retry 2 of 5 after 1500ms.",
    "price: $1,299.00 qty: 3 subtotal: $3,897.00 tax: 8.25% ship: 2d",
    "ts=1714566896 level=warn msg=\"slow request\" duration=2.31s id=77",
];

/// The "plain RegexSet gate" the issue compares against (ASCII boundaries).
const REFERENCE_GATE: &[&str] = &[
    r"(?-u:\b)[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}",
    r"(?-u:\b)\d{3}[- ]\d{2}[- ]\d{4}(?-u:\b)",
    r"\+\d[\d .()-]{7,}\d|\(?\d{3}\)?[ .-]\d{3}[ .-]\d{4}",
    r"(?-u:\b)(?:\d[ -]?){13,19}(?-u:\b)",
    r"(?-u:\b)[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}",
    r"(?-u:\b)\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}(?-u:\b)",
    r"[0-9a-fA-F]{1,4}::?[0-9a-fA-F]{1,4}:[0-9a-fA-F:]+",
    r"(?-u:\b)[0-9a-fA-F]{2}(?:[:-][0-9a-fA-F]{2}){5}(?-u:\b)",
    r"eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.",
    r"(?:AKIA|ASIA)[A-Z0-9]{16}",
    r"sk-[A-Za-z0-9_-]{20,}",
    r"gh[pousr]_[A-Za-z0-9]{30,}|github_pat_\w{22,}",
    r"xox[abposr]-[A-Za-z0-9-]{10,}",
    r"AIza[0-9A-Za-z_-]{30,}",
    r"[Bb]earer\s+[A-Za-z0-9._~+/-]{8,}",
    r"-----BEGIN [A-Z ]*PRIVATE KEY-----",
    r"[a-z][a-z0-9+.-]*://[^/\s:@]+:[^/\s@]+@",
];

fn repeat_to(seed: &str, len: usize) -> String {
    let mut s = String::new();
    while s.len() < len {
        s.push_str(seed);
    }
    let mut end = len;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    s.truncate(end);
    s
}

fn dense() -> String {
    let filler = repeat_to(ASCII_PROSE, 4096);
    let mut out = String::new();
    let chunk = filler.len() / PII_ITEMS.len();
    for (i, item) in PII_ITEMS.iter().enumerate() {
        let piece = &filler[i * chunk..(i + 1) * chunk - item.len() - 2];
        out.push_str(piece);
        out.push(' ');
        out.push_str(item);
        out.push(' ');
    }
    out
}

fn bench(c: &mut Criterion) {
    let masker = PiiMasker::builder()
        .with_hash_key("bench")
        .build()
        .expect("rules compile");
    let ascii = repeat_to(ASCII_PROSE, 4096);
    let unicode = repeat_to(UNICODE_PROSE, 4096);
    let dense = dense();
    for (name, text) in [("clean_ascii_4k", &ascii), ("clean_unicode_4k", &unicode)] {
        assert_eq!(masker.mask(text), text.as_str(), "{name} must be clean");
    }
    assert_ne!(masker.mask(&dense), dense.as_str());
    for value in SHORT_VALUES {
        assert_eq!(masker.mask(value), value, "short value must be clean");
    }

    let mut group = c.benchmark_group("masking");
    for (name, text) in [
        ("clean_ascii_4k", &ascii),
        ("clean_unicode_4k", &unicode),
        ("pii_dense_4k", &dense),
    ] {
        group.throughput(Throughput::Bytes(text.len() as u64));
        group.bench_function(name, |b| b.iter(|| black_box(masker.mask(black_box(text)))));
    }
    group.throughput(Throughput::Elements(SHORT_VALUES.len() as u64));
    group.bench_function("short_values_x8", |b| {
        b.iter(|| {
            for v in SHORT_VALUES {
                black_box(masker.mask(black_box(v)));
            }
        });
    });
    // Reference: a plain RegexSet gate over roughly the same kinds, run on
    // the same inputs in the same process, to normalise for machine load.
    let gate = regex::RegexSet::new(REFERENCE_GATE).expect("reference patterns compile");
    for (name, text) in [
        ("regexset_gate_ascii_4k", &ascii),
        ("regexset_gate_unicode_4k", &unicode),
    ] {
        group.throughput(Throughput::Bytes(text.len() as u64));
        group.bench_function(name, |b| {
            b.iter(|| black_box(gate.is_match(black_box(text))));
        });
    }
    group.throughput(Throughput::Elements(SHORT_VALUES.len() as u64));
    group.bench_function("regexset_gate_short_values_x8", |b| {
        b.iter(|| {
            for v in SHORT_VALUES {
                black_box(gate.is_match(black_box(v)));
            }
        });
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);

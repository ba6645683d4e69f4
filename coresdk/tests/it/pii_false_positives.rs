//! Ordinary text full of numbers must come out of masking unchanged: ISO
//! dates and timestamps, version strings, order numbers, 32-hex trace ids,
//! UUIDs, prices, 10-digit Unix times, Luhn-invalid 16-digit numbers, and
//! other everyday look-alikes.

use std::borrow::Cow;

use coresdk::pipeline::pii::PiiMasker;

const CLEAN: &[&str] = &[
    // Dates and timestamps.
    "Deployed on 2024-05-17 at 08:15:30 UTC.",
    "2024-05-17T08:15:30.123456Z",
    "2024-05-17T08:15:30+02:00 and 2023-12-31T23:59:59-05:00",
    "Mon, 17 May 2024 08:15:30 GMT",
    "Due 05/17/2024, renewed 17.05.2024, expires 2025/05/17.",
    "uptime 12:34:56, elapsed 00:00:01.250",
    "Q3 2024 vs Q3 2023: +12.5% (from 1,234,567 to 1,388,888)",
    // Versions and builds.
    "Upgraded from v1.24.3 to v1.25.0-rc.1 (build 20240501.3)",
    "python 3.12.4, rustc 1.94.1 (4eb161250 2026-03-24), node v20.11.1",
    "chart version 0.18.2, appVersion 2.0.0-beta.1+build.5",
    "kernel 6.8.0-45-generic #45-Ubuntu SMP",
    // Order numbers and ids.
    "Order ORD-2024-004217 shipped; invoice INV-000123; ticket #48213.",
    "order 987654321 for customer 12345, sku 4006381333931 qty 2",
    "PO number 2024-0042-17, batch 77-123-4567-XY",
    "ISBN 978-3-16-148410-0 and ISSN 0317-8471",
    // Trace ids, UUIDs, hashes.
    "trace_id=4bf92f3577b34da6a3ce929d0e0e4736 span_id=00f067aa0ba902b7",
    "traceparent: 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
    "request 550e8400-e29b-41d4-a716-446655440000 retried",
    "commit 9fceb02d0ae598e95dc970b74767f19372d61af8",
    "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    // Prices and quantities.
    "Total: $1,299.99 + $45.00 shipping = $1,344.99",
    "Preis 1.299,00 € inkl. 19 % MwSt.",
    "price: $1,299.00 qty: 3 subtotal: $3,897.00 tax: 8.25%",
    "latency p50=12.5ms p99=250.75ms over 1000000 requests",
    // Unix times and big numbers.
    "created_at=1714566896 updated_at=1714567000",
    "epoch ms 1714566896123, ns 1714566896123456789",
    "population 8045311447 and 7951000000",
    // Luhn-invalid 16-digit numbers, and 12-digit groups.
    "ref 4111111111111112 and 1234567812345678",
    "account 1234 5678 9012 3456 is not a card",
    "reference 1234-5678-9012",
    // Phone-shaped but invalid or ambiguous.
    "Use 123-456-7890 as a placeholder.",
    "extension 4567, room 555-01",
    "zip 94103-1234 and 10001",
    // SSN-shaped but invalid.
    "000-12-3456, 666-12-3456, 912-34-5678, 123-00-4567, 123-45-0000",
    // IP-shaped but not addresses.
    "versions 1.2.3 and 10.0.0, ratio 16:9, score 3:1",
    "999.10.10.10 is not an address, neither is 1.2.3.4.5",
    // Code and URLs.
    "use std::collections::HashMap; let x = a::b::<u8>(3);",
    "GET /api/v2/orders/98765?page=3 HTTP/1.1 200 OK",
    "https://example.com:8443/path?q=1#frag and http://localhost:3000/",
    "fn main() { let port: u16 = 8080; println!(\"{port}\"); }",
    "color #FF5733, rgba(255, 87, 51, 0.5)",
    "git@github.com-style remotes are not parsed here; @mentions like @alice stay",
    "user@localhost and root@server1",
    // Secret-shaped prose.
    "Bearer authentication is described in RFC 6750.",
    "The task-based scheduler (sk-short) handles ASIAN markets.",
    "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIU\n-----END CERTIFICATE-----",
    "xoxo, hugs; ghost_writer; eyJust kidding",
    // Non-ASCII prose with numbers.
    "本季度延迟降低了35%，共处理1234567个请求，版本2.14.3。",
    "Die Lieferung Nr. 2024-0042 kommt am 17.05.2024 — „pünktlich“.",
    "Стоимость 1 299 ₽, заказ № 12345 от 17.05.2024.",
];

#[test]
fn ordinary_numeric_text_is_unchanged() {
    let masker = PiiMasker::builder()
        .with_hash_key("fp")
        .build()
        .expect("rules compile");
    let mut changed = Vec::new();
    for text in CLEAN {
        let masked = masker.mask(text);
        if !matches!(masked, Cow::Borrowed(_)) || masked != *text {
            changed.push(format!("{text:?} -> {masked:?}"));
        }
    }
    assert!(
        changed.is_empty(),
        "false positives:\n{}",
        changed.join("\n")
    );
}

/// Pathological inputs (long runs of trigger bytes) stay roughly linear.
#[test]
fn pathological_inputs_finish_quickly() {
    let masker = PiiMasker::builder()
        .with_hash_key("fp")
        .build()
        .expect("rules compile");
    for unit in [
        "@",
        "a@",
        ":",
        "1:",
        "1.",
        "1-",
        "1 ",
        "eyJ-",
        "sk-a-",
        "ab:",
        "+1",
        "(1",
        "AB12",
        "-----BEGIN ",
        "x://a:b@",
    ] {
        let text = unit.repeat(200_000 / unit.len());
        let started = std::time::Instant::now();
        let once = masker.mask(&text);
        let elapsed = started.elapsed();
        println!("{unit:?}: {elapsed:?}");
        assert!(
            elapsed < std::time::Duration::from_secs(10),
            "{unit:?} x {} took {elapsed:?}",
            text.len() / unit.len()
        );
        assert_eq!(masker.mask(&once), once, "{unit:?} not idempotent");
    }
}

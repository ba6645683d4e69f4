//! Attribute-map helpers shared by the provider crates' tests: expected maps
//! written as `key = value` lines, a diff-printing comparison, and span lookup.

use std::collections::BTreeMap;

use opentelemetry_sdk::trace::SpanData;

/// Parses `key = value` lines (blank lines skipped, surrounding space trimmed).
pub fn expected_lines<'a>(lines: impl IntoIterator<Item = &'a str>) -> BTreeMap<String, String> {
    lines
        .into_iter()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|l| {
            let (k, v) = l.split_once(" = ").unwrap_or((l, ""));
            (k.to_owned(), v.to_owned())
        })
        .collect()
}

/// Asserts two maps are equal, printing only the differences.
pub fn assert_attributes(got: &BTreeMap<String, String>, want: &BTreeMap<String, String>) {
    let mut diff = Vec::new();
    for (k, v) in want {
        match got.get(k) {
            None => diff.push(format!("missing  {k} = {v}")),
            Some(g) if g != v => diff.push(format!("differs  {k} = {g}   (want {v})")),
            _ => {}
        }
    }
    for (k, v) in got {
        if !want.contains_key(k) {
            diff.push(format!("extra    {k} = {v}"));
        }
    }
    assert!(
        diff.is_empty(),
        "attribute map differs:\n{}",
        diff.join("\n")
    );
}

/// The only span with this name.
pub fn span<'a>(spans: &'a [SpanData], name: &str) -> &'a SpanData {
    let found: Vec<&SpanData> = spans.iter().filter(|s| s.name == name).collect();
    assert_eq!(
        found.len(),
        1,
        "spans named {name}: {:?}",
        spans.iter().map(|s| &s.name).collect::<Vec<_>>()
    );
    found[0]
}

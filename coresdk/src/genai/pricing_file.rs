//! `genai.pricing_file`: model prices from a YAML or JSON file, merged over
//! the built-in table so a user can correct or add a price without a release.
//!
//! ```yaml
//! # USD per million tokens
//! models:
//!   gpt-4o:                       # replaces the built-in price
//!     input: 2.50
//!     output: 10.00
//!     cached_input: 1.25
//!   acme-large:                   # a model the table does not know
//!     input: 1.00
//!     output: 4.00
//!     effective_date: 2026-01-01  # ignored until that day (UTC)
//!   gpt-5:                        # several prices: the latest in effect wins
//!     - { input: 1.25, output: 10.00 }
//!     - { input: 1.00, output: 8.00, effective_date: 2027-01-01 }
//! ```
//!
//! JSON is YAML too, so `{"models": {"gpt-4o": {"input": 2.5, "output": 10}}}`
//! reads the same way. Keys per price: `input`, `output` (required),
//! `cached_input`, `cache_write`, `effective_date` (`YYYY-MM-DD`). A model
//! found in neither the file nor the table gets no cost.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use saphyr::{LoadableYamlNode, MarkedYaml, Scalar, YamlData};

use super::pricing::{ModelPrice, PricingTable};
use crate::config::GenAiConfig;

/// Why a pricing file could not be used; each variant names the file and,
/// where it applies, the line and model.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PricingFileError {
    /// The file could not be read.
    #[error("cannot read pricing file {}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The file is not valid YAML or JSON.
    #[error("{}:{line}:{column}: invalid pricing file: {message}", path.display())]
    Syntax {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What the parser reported.
        message: String,
    },
    /// A value is missing, of the wrong type or out of range.
    #[error("{}:{line}: {}{reason}", path.display(), model.as_ref().map(|m| format!("model `{m}`: ")).unwrap_or_default())]
    Invalid {
        /// The file.
        path: PathBuf,
        /// 1-based line of the offending value.
        line: usize,
        /// The model whose price is wrong, if the problem is in one.
        model: Option<String>,
        /// What is wrong.
        reason: String,
    },
}

/// One price read from the file, with the day it takes effect.
#[derive(Debug, Clone, PartialEq)]
struct Dated {
    price: ModelPrice,
    effective: Option<SystemTime>,
}

/// The prices a file sets: per model, the one in effect at `now`.
/// Models whose every price takes effect later are left out.
fn read(path: &Path, now: SystemTime) -> Result<Vec<(String, ModelPrice)>, PricingFileError> {
    let text = std::fs::read_to_string(path).map_err(|source| PricingFileError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    parse(&text, path, now)
}

fn parse(
    text: &str,
    path: &Path,
    now: SystemTime,
) -> Result<Vec<(String, ModelPrice)>, PricingFileError> {
    let docs = MarkedYaml::load_from_str(text).map_err(|e| PricingFileError::Syntax {
        path: path.to_path_buf(),
        line: e.marker().line(),
        column: e.marker().col() + 1,
        message: e.info().to_owned(),
    })?;
    let invalid =
        |node: &MarkedYaml<'_>, model: Option<&str>, reason: &str| PricingFileError::Invalid {
            path: path.to_path_buf(),
            line: node.span.start.line(),
            model: model.map(str::to_owned),
            reason: reason.to_owned(),
        };
    let Some(doc) = docs.first() else {
        return Ok(Vec::new());
    };
    let YamlData::Mapping(top) = &doc.data else {
        return Err(invalid(doc, None, "expected a mapping with a `models` key"));
    };
    let mut out = Vec::new();
    for (key, value) in top {
        match text_of(key) {
            Some("models") => {}
            Some(other) => {
                return Err(invalid(
                    key,
                    None,
                    &format!("unknown key `{other}` (expected `models`)"),
                ));
            }
            None => return Err(invalid(key, None, "keys must be strings")),
        }
        let YamlData::Mapping(models) = &value.data else {
            return Err(invalid(
                value,
                None,
                "`models` must map model ids to prices",
            ));
        };
        for (model, prices) in models {
            let Some(id) = text_of(model).filter(|id| !id.trim().is_empty()) else {
                return Err(invalid(model, None, "model ids must be non-empty strings"));
            };
            let dated: Vec<Dated> = match &prices.data {
                YamlData::Sequence(items) => items
                    .iter()
                    .map(|item| price(item, id, path))
                    .collect::<Result<_, _>>()?,
                _ => vec![price(prices, id, path)?],
            };
            // The latest price already in effect; undated prices always are.
            let current = dated
                .into_iter()
                .filter(|d| d.effective.is_none_or(|at| at <= now))
                .max_by_key(|d| d.effective.unwrap_or(UNIX_EPOCH));
            if let Some(current) = current {
                out.push((id.to_owned(), current.price));
            }
        }
    }
    Ok(out)
}

fn text_of<'a>(node: &'a MarkedYaml<'_>) -> Option<&'a str> {
    match &node.data {
        YamlData::Value(Scalar::String(s)) | YamlData::Representation(s, _, _) => Some(s),
        _ => None,
    }
}

fn price(node: &MarkedYaml<'_>, model: &str, path: &Path) -> Result<Dated, PricingFileError> {
    let invalid = |at: &MarkedYaml<'_>, reason: String| PricingFileError::Invalid {
        path: path.to_path_buf(),
        line: at.span.start.line(),
        model: Some(model.to_owned()),
        reason,
    };
    let YamlData::Mapping(fields) = &node.data else {
        return Err(invalid(
            node,
            "expected a mapping such as `{ input: 2.5, output: 10 }`".into(),
        ));
    };
    let (mut input, mut output, mut cached, mut write, mut effective) =
        (None, None, None, None, None);
    for (key, value) in fields {
        let name = text_of(key).unwrap_or_default();
        let number = || -> Result<f64, PricingFileError> {
            let n = match &value.data {
                YamlData::Value(Scalar::Integer(i)) => *i as f64,
                YamlData::Value(Scalar::FloatingPoint(f)) => f.into_inner(),
                YamlData::Representation(s, _, _) => s.trim().parse().unwrap_or(f64::NAN),
                _ => f64::NAN,
            };
            if n.is_finite() && n >= 0.0 {
                Ok(n)
            } else {
                Err(invalid(
                    value,
                    format!("`{name}` must be a price in USD per million tokens, 0 or more"),
                ))
            }
        };
        match name {
            "input" => input = Some(number()?),
            "output" => output = Some(number()?),
            "cached_input" => cached = Some(number()?),
            "cache_write" => write = Some(number()?),
            "effective_date" => {
                let day = text_of(value).and_then(parse_day).ok_or_else(|| {
                    invalid(value, "`effective_date` must be a date `YYYY-MM-DD`".into())
                })?;
                effective = Some(day);
            }
            other => {
                return Err(invalid(
                    key,
                    format!(
                        "unknown key `{other}` (expected input, output, cached_input, \
                         cache_write, effective_date)"
                    ),
                ));
            }
        }
    }
    let (Some(input), Some(output)) = (input, output) else {
        return Err(invalid(node, "`input` and `output` are required".into()));
    };
    let mut price = ModelPrice::new(input, output);
    if let Some(cached) = cached {
        price = price.with_cached_input(cached);
    }
    if let Some(write) = write {
        price = price.with_cache_write(write);
    }
    Ok(Dated { price, effective })
}

/// Midnight UTC of a `YYYY-MM-DD` day.
fn parse_day(text: &str) -> Option<SystemTime> {
    let mut parts = text.trim().splitn(3, '-');
    let year: i64 = parts.next()?.parse().ok()?;
    let month: i64 = parts.next()?.parse().ok()?;
    let day: i64 = parts.next()?.parse().ok()?;
    if !(1970..=9999).contains(&year) || !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return None;
    }
    // Days since 1970-01-01 in the proleptic Gregorian calendar (the
    // "days from civil" algorithm).
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = u64::try_from(era * 146_097 + doe - 719_468).ok()?;
    Some(UNIX_EPOCH + Duration::from_secs(days * 86_400))
}

impl PricingTable {
    /// This table with the prices of a pricing file merged over it (see the
    /// file format of `genai.pricing_file`: a `models` map of model id to `input`, `output`, `cached_input`, `cache_write` in USD per million tokens and an optional `effective_date`).
    pub fn with_file(self, path: impl AsRef<Path>) -> Result<Self, PricingFileError> {
        let mut table = self;
        for (model, price) in read(path.as_ref(), SystemTime::now())? {
            table = table.with_price(model, price);
        }
        Ok(table)
    }
}

/// The built-in prices with `genai.pricing_file` merged over them, if one is
/// configured. `core config validate` calls this to check the file.
pub fn pricing_from_config(config: &GenAiConfig) -> Result<PricingTable, PricingFileError> {
    match config.pricing_file() {
        Some(path) => PricingTable::builtin().with_file(path),
        None => Ok(PricingTable::builtin()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(day: &str) -> SystemTime {
        parse_day(day).expect("a valid day")
    }

    #[test]
    fn days_are_midnight_utc() {
        assert_eq!(parse_day("1970-01-01"), Some(UNIX_EPOCH));
        assert_eq!(
            at("2000-03-01").duration_since(UNIX_EPOCH).ok(),
            Some(Duration::from_hours(264_408))
        );
        assert!(parse_day("2026-13-01").is_none());
        assert!(parse_day("yesterday").is_none());
    }

    #[test]
    fn yaml_and_json_read_alike() {
        let yaml = "models:\n  acme: { input: 1, output: 4.5, cached_input: 0.5 }\n";
        let json = r#"{"models": {"acme": {"input": 1, "output": 4.5, "cached_input": 0.5}}}"#;
        let now = at("2026-06-01");
        let a = parse(yaml, Path::new("p.yaml"), now).expect("yaml");
        let b = parse(json, Path::new("p.json"), now).expect("json");
        assert_eq!(a, b);
        assert_eq!(
            a,
            [(
                "acme".to_owned(),
                ModelPrice::new(1.0, 4.5).with_cached_input(0.5)
            )]
        );
    }

    #[test]
    fn the_latest_price_in_effect_wins() {
        let src = "models:\n  m:\n    - { input: 1, output: 1 }\n    - { input: 2, output: 2, effective_date: 2026-01-01 }\n    - { input: 3, output: 3, effective_date: 2027-01-01 }\n  later: { input: 9, output: 9, effective_date: 2030-01-01 }\n";
        let prices = parse(src, Path::new("p.yaml"), at("2026-06-01")).expect("valid");
        assert_eq!(prices, [("m".to_owned(), ModelPrice::new(2.0, 2.0))]);
    }

    #[test]
    fn errors_name_file_line_and_model() {
        let err = parse(
            "models:\n  acme:\n    input: 1\n    output: -2\n",
            Path::new("p.yaml"),
            UNIX_EPOCH,
        )
        .expect_err("negative price");
        assert_eq!(
            err.to_string(),
            "p.yaml:4: model `acme`: `output` must be a price in USD per million tokens, 0 or more"
        );
        let err = parse(
            "models:\n  acme: { input: 1 }\n",
            Path::new("p.yaml"),
            UNIX_EPOCH,
        )
        .expect_err("no output");
        assert!(
            err.to_string()
                .contains("`input` and `output` are required"),
            "{err}"
        );
        let err = parse("prices: {}\n", Path::new("p.yaml"), UNIX_EPOCH).expect_err("key");
        assert!(err.to_string().contains("unknown key `prices`"), "{err}");
        let err = parse("models: [\n", Path::new("p.yaml"), UNIX_EPOCH).expect_err("syntax");
        assert!(matches!(err, PricingFileError::Syntax { .. }), "{err}");
    }
}

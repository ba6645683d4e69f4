//! The `coresdk-sidecar.yaml` reader: YAML in, flat `(key, value, line)` entries out.
//!
//! The file is flattened into dotted keys (`otlp.endpoint`) so that file, environment
//! and builder values all pass through one validation path (`keys.rs`), and every
//! error can name the key and the line it sits on.

use std::path::Path;

use saphyr::{LoadableYamlNode, MarkedYaml, Scalar, YamlData};
use serde_json::Value;

use super::error::{ConfigError, Origin};
use super::keys::is_section;

/// One leaf of the configuration file.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Entry {
    /// Dotted key path.
    pub(crate) key: String,
    /// The value; structured leaves (lists, maps) stay structured.
    pub(crate) value: Value,
    /// 1-based line of the key.
    pub(crate) line: usize,
}

/// Parses a YAML document into flat entries.
pub(crate) fn parse(src: &str, path: &Path) -> Result<Vec<Entry>, ConfigError> {
    let docs = MarkedYaml::load_from_str(src).map_err(|e| ConfigError::Yaml {
        path: path.to_path_buf(),
        line: e.marker().line(),
        column: e.marker().col() + 1,
        message: e.info().to_owned(),
    })?;
    let mut entries = Vec::new();
    let Some(doc) = docs.first() else {
        return Ok(entries);
    };
    if docs.len() > 1 {
        return Err(ConfigError::Yaml {
            path: path.to_path_buf(),
            line: docs[1].span.start.line(),
            column: 1,
            message: "expected one YAML document, found several".into(),
        });
    }
    match &doc.data {
        YamlData::Mapping(_) => flatten(doc, "", path, &mut entries)?,
        YamlData::Value(Scalar::Null) => {}
        _ => {
            return Err(ConfigError::Yaml {
                path: path.to_path_buf(),
                line: doc.span.start.line(),
                column: doc.span.start.col() + 1,
                message: "the top level must be a mapping of `key: value`".into(),
            });
        }
    }
    Ok(entries)
}

fn flatten(
    node: &MarkedYaml<'_>,
    prefix: &str,
    path: &Path,
    out: &mut Vec<Entry>,
) -> Result<(), ConfigError> {
    let YamlData::Mapping(map) = &node.data else {
        return Ok(());
    };
    for (k, v) in map {
        let line = k.span.start.line();
        let name = match &k.data {
            YamlData::Value(Scalar::String(s)) | YamlData::Representation(s, _, _) => s.to_string(),
            _ => {
                return Err(ConfigError::Yaml {
                    path: path.to_path_buf(),
                    line,
                    column: k.span.start.col() + 1,
                    message: "keys must be plain strings".into(),
                });
            }
        };
        let key = if prefix.is_empty() {
            name
        } else {
            format!("{prefix}.{name}")
        };
        if is_section(&key) && matches!(v.data, YamlData::Mapping(_)) {
            flatten(v, &key, path, out)?;
        } else {
            let value = to_json(v, &key, path)?;
            out.push(Entry { key, value, line });
        }
    }
    Ok(())
}

fn to_json(node: &MarkedYaml<'_>, key: &str, path: &Path) -> Result<Value, ConfigError> {
    let origin = || Origin::File {
        path: path.to_path_buf(),
        line: node.span.start.line(),
    };
    Ok(match &node.data {
        YamlData::Value(Scalar::Null) => Value::Null,
        YamlData::Value(Scalar::Boolean(b)) => Value::Bool(*b),
        YamlData::Value(Scalar::Integer(i)) => Value::from(*i),
        YamlData::Value(Scalar::FloatingPoint(f)) => serde_json::Number::from_f64(f.into_inner())
            .map(Value::Number)
            .ok_or_else(|| ConfigError::InvalidValue {
                key: key.to_owned(),
                origin: origin(),
                reason: "numbers must be finite".into(),
            })?,
        YamlData::Value(Scalar::String(s)) | YamlData::Representation(s, _, _) => {
            Value::String(s.to_string())
        }
        YamlData::Sequence(items) => Value::Array(
            items
                .iter()
                .map(|item| to_json(item, key, path))
                .collect::<Result<_, _>>()?,
        ),
        YamlData::Mapping(map) => {
            let mut obj = serde_json::Map::new();
            for (k, v) in map {
                let name = match &k.data {
                    YamlData::Value(Scalar::String(s)) | YamlData::Representation(s, _, _) => {
                        s.to_string()
                    }
                    YamlData::Value(Scalar::Integer(i)) => i.to_string(),
                    _ => {
                        return Err(ConfigError::InvalidValue {
                            key: key.to_owned(),
                            origin: origin(),
                            reason: "mapping keys must be strings".into(),
                        });
                    }
                };
                obj.insert(name, to_json(v, key, path)?);
            }
            Value::Object(obj)
        }
        YamlData::Tagged(_, inner) => to_json(inner, key, path)?,
        YamlData::Alias(_) => {
            return Err(ConfigError::InvalidValue {
                key: key.to_owned(),
                origin: origin(),
                reason: "YAML aliases are not supported".into(),
            });
        }
        YamlData::BadValue => {
            return Err(ConfigError::InvalidValue {
                key: key.to_owned(),
                origin: origin(),
                reason: "unreadable value".into(),
            });
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flattens_sections_and_keeps_lines() {
        let src = "service_name: orders\notlp:\n  endpoint: \"http://127.0.0.1:4317\"\n  protocol: grpc\npii: { enabled: true, rules: [] }\n";
        let entries = parse(src, Path::new("c.yaml")).expect("valid yaml");
        let keys: Vec<_> = entries.iter().map(|e| (e.key.as_str(), e.line)).collect();
        assert_eq!(
            keys,
            [
                ("service_name", 1),
                ("otlp.endpoint", 3),
                ("otlp.protocol", 4),
                ("pii.enabled", 5),
                ("pii.rules", 5)
            ]
        );
        assert_eq!(entries[4].value, Value::Array(vec![]));
    }

    #[test]
    fn syntax_error_has_line() {
        let err = parse("a: b\nc: [1, 2\n", Path::new("c.yaml")).expect_err("bad yaml");
        assert!(matches!(err, ConfigError::Yaml { .. }), "{err}");
        assert!(err.to_string().starts_with("c.yaml:"), "{err}");
    }

    #[test]
    fn empty_file_is_fine() {
        assert!(parse("", Path::new("c.yaml")).expect("empty").is_empty());
        assert!(
            parse("# only a comment\n", Path::new("c.yaml"))
                .expect("comment")
                .is_empty()
        );
    }

    #[test]
    fn top_level_list_is_rejected() {
        let err = parse("- a\n- b\n", Path::new("c.yaml")).expect_err("list");
        assert!(err.to_string().contains("top level"), "{err}");
    }
}

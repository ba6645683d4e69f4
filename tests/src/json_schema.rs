//! A JSON Schema (draft 2020-12) validator for the keywords that the vendored
//! GenAI semantic-conventions schemas (`tests/fixtures/semconv/`) use:
//! `type`, `properties`, `required`, `additionalProperties`, `items`,
//! `anyOf`, `oneOf`, `allOf`, `enum`, `const` and local `$ref`s into
//! `$defs`; `title`, `description`, `default` and `format` are annotations
//! (2020-12 does not assert `format` by default).
//!
//! Written here rather than taken from the `jsonschema` crate because that
//! crate and the 28 crates only it needs were about 14 CPU-seconds of every
//! fresh `cargo test --workspace` (6 % of the build) to check three small
//! files. It is complete for those files, not an approximation: loading a
//! schema with any other keyword is an error naming the keyword and where it
//! is, so a newer copy of the schemas cannot be checked halfway.

use serde_json::Value;

/// Keywords that only annotate: accepted and not asserted.
const ANNOTATIONS: [&str; 10] = [
    "$schema",
    "$id",
    "$comment",
    "title",
    "description",
    "default",
    "examples",
    "format",
    "deprecated",
    "readOnly",
];

/// Keywords this validator asserts (and `$defs`, which holds subschemas).
const ASSERTIONS: [&str; 12] = [
    "$ref",
    "$defs",
    "type",
    "properties",
    "required",
    "additionalProperties",
    "items",
    "anyOf",
    "oneOf",
    "allOf",
    "enum",
    "const",
];

/// A loaded schema document; `$ref`s resolve within it.
#[derive(Debug, Clone)]
pub struct Schema {
    root: Value,
}

impl Schema {
    /// Loads `root`, refusing keywords this validator does not implement and
    /// `$ref`s that do not resolve within the document.
    pub fn new(root: Value) -> Result<Self, String> {
        check_keywords(&root, &root, "#")?;
        Ok(Self { root })
    }

    /// Every way `instance` breaks the schema, each with the JSON pointer of
    /// the offending value; empty when it is valid.
    pub fn errors(&self, instance: &Value) -> Vec<String> {
        let mut errors = Vec::new();
        self.validate(&self.root, instance, "", &mut errors);
        errors
    }

    fn is_valid(&self, schema: &Value, instance: &Value) -> bool {
        let mut errors = Vec::new();
        self.validate(schema, instance, "", &mut errors);
        errors.is_empty()
    }

    fn validate(&self, schema: &Value, instance: &Value, at: &str, errors: &mut Vec<String>) {
        let schema = match schema {
            Value::Object(schema) => schema,
            Value::Bool(false) => {
                errors.push(format!("{at}: no value is allowed here"));
                return;
            }
            // `true`; anything else is refused when loading.
            _ => return,
        };
        if let Some(resolved) = schema
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(|target| resolve(&self.root, target))
        {
            self.validate(resolved, instance, at, errors);
        }
        if let Some(expected) = schema.get("type") {
            let names: Vec<&str> = match expected {
                Value::String(name) => vec![name.as_str()],
                Value::Array(names) => names.iter().filter_map(Value::as_str).collect(),
                _ => Vec::new(),
            };
            if !names.iter().any(|name| has_type(instance, name)) {
                errors.push(format!("{at}: {instance} is not of type {expected}"));
            }
        }
        if let Some(constant) = schema.get("const")
            && !json_eq(constant, instance)
        {
            errors.push(format!("{at}: {instance} is not {constant}"));
        }
        if let Some(Value::Array(options)) = schema.get("enum")
            && !options.iter().any(|option| json_eq(option, instance))
        {
            errors.push(format!(
                "{at}: {instance} is not one of {}",
                Value::Array(options.clone())
            ));
        }
        if let Value::Object(object) = instance {
            let properties = schema.get("properties").and_then(Value::as_object);
            if let Some(Value::Array(required)) = schema.get("required") {
                for name in required.iter().filter_map(Value::as_str) {
                    if !object.contains_key(name) {
                        errors.push(format!("{at}: \"{name}\" is a required property"));
                    }
                }
            }
            for (name, value) in object {
                let child = format!("{at}/{}", name.replace('~', "~0").replace('/', "~1"));
                match properties.and_then(|properties| properties.get(name)) {
                    Some(property) => self.validate(property, value, &child, errors),
                    None => {
                        if let Some(additional) = schema.get("additionalProperties") {
                            self.validate(additional, value, &child, errors);
                        }
                    }
                }
            }
        }
        if let (Value::Array(items), Some(item_schema)) = (instance, schema.get("items")) {
            for (index, item) in items.iter().enumerate() {
                self.validate(item_schema, item, &format!("{at}/{index}"), errors);
            }
        }
        if let Some(Value::Array(all)) = schema.get("allOf") {
            for sub in all {
                self.validate(sub, instance, at, errors);
            }
        }
        if let Some(Value::Array(any)) = schema.get("anyOf")
            && !any.iter().any(|sub| self.is_valid(sub, instance))
        {
            errors.push(format!(
                "{at}: {instance} is not valid under any of the schemas of anyOf"
            ));
        }
        if let Some(Value::Array(one)) = schema.get("oneOf") {
            let valid = one
                .iter()
                .filter(|sub| self.is_valid(sub, instance))
                .count();
            if valid != 1 {
                errors.push(format!(
                    "{at}: {instance} is valid under {valid} of the schemas of oneOf, not exactly one"
                ));
            }
        }
    }
}

/// `#/json/pointer` within `root`.
fn resolve<'a>(root: &'a Value, target: &str) -> Option<&'a Value> {
    root.pointer(target.strip_prefix('#')?)
}

fn has_type(instance: &Value, name: &str) -> bool {
    match name {
        "null" => instance.is_null(),
        "boolean" => instance.is_boolean(),
        "string" => instance.is_string(),
        "array" => instance.is_array(),
        "object" => instance.is_object(),
        "number" => instance.is_number(),
        // 2020-12: a number with a zero fractional part is an integer (1.0).
        "integer" => {
            instance.is_i64()
                || instance.is_u64()
                || instance.as_f64().is_some_and(|n| n.fract() == 0.0)
        }
        _ => false,
    }
}

/// JSON equality: numbers by value (`1` equals `1.0`), the rest structurally.
fn json_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => match (x.as_i64(), y.as_i64()) {
            (Some(x), Some(y)) => x == y,
            _ => x.as_f64() == y.as_f64(),
        },
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(x, y)| json_eq(x, y))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(key, x)| y.get(key).is_some_and(|y| json_eq(x, y)))
        }
        _ => a == b,
    }
}

/// Every keyword of every subschema is one this validator knows, and every
/// `$ref` resolves.
fn check_keywords(root: &Value, schema: &Value, at: &str) -> Result<(), String> {
    let schema = match schema {
        Value::Bool(_) => return Ok(()),
        Value::Object(schema) => schema,
        other => {
            return Err(format!(
                "{at}: a schema must be an object or a boolean, not {other}"
            ));
        }
    };
    for (keyword, value) in schema {
        let here = format!("{at}/{keyword}");
        if ANNOTATIONS.contains(&keyword.as_str()) {
            continue;
        }
        if !ASSERTIONS.contains(&keyword.as_str()) {
            return Err(format!(
                "{here}: keyword `{keyword}` is not supported by this validator"
            ));
        }
        match (keyword.as_str(), value) {
            ("$ref", Value::String(target)) => {
                if resolve(root, target).is_none() {
                    return Err(format!(
                        "{here}: `{target}` does not resolve within the document"
                    ));
                }
            }
            ("$defs" | "properties", Value::Object(subschemas)) => {
                for (name, sub) in subschemas {
                    check_keywords(root, sub, &format!("{here}/{name}"))?;
                }
            }
            ("additionalProperties" | "items", sub) => check_keywords(root, sub, &here)?,
            ("anyOf" | "oneOf" | "allOf", Value::Array(subschemas)) => {
                for (index, sub) in subschemas.iter().enumerate() {
                    check_keywords(root, sub, &format!("{here}/{index}"))?;
                }
            }
            ("type" | "enum" | "const" | "required", _) => {}
            (_, other) => return Err(format!("{here}: unexpected value {other}")),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::Schema;

    fn errors(schema: serde_json::Value, instance: &serde_json::Value) -> Vec<String> {
        Schema::new(schema).expect("schema loads").errors(instance)
    }

    #[test]
    fn types_required_and_additional_properties() {
        let schema = json!({"type": "object", "required": ["a"],
            "properties": {"a": {"type": "integer"}}, "additionalProperties": false});
        assert!(errors(schema.clone(), &json!({"a": 1})).is_empty());
        assert!(errors(schema.clone(), &json!({"a": 1.0})).is_empty());
        assert_eq!(errors(schema.clone(), &json!({"a": 1.5})).len(), 1);
        assert_eq!(errors(schema.clone(), &json!({})).len(), 1);
        assert_eq!(errors(schema.clone(), &json!({"a": 1, "b": 2})).len(), 1);
        assert_eq!(errors(schema, &json!([])).len(), 1);
    }

    #[test]
    fn refs_items_any_one_enum_const() {
        let schema = json!({"$defs": {"Kind": {"enum": ["a", "b"]}},
            "type": "array", "items": {"anyOf": [{"$ref": "#/$defs/Kind"}, {"const": 3}]}});
        assert!(errors(schema.clone(), &json!(["a", 3, "b", 3.0])).is_empty());
        let bad = errors(schema, &json!(["a", "c", 4]));
        assert_eq!(bad.len(), 2, "{bad:?}");
        assert!(bad[0].starts_with("/1:"), "{bad:?}");
        let one_of = json!({"oneOf": [{"type": "string"}, {"const": "x"}]});
        assert!(errors(one_of.clone(), &json!("y")).is_empty());
        assert_eq!(errors(one_of.clone(), &json!("x")).len(), 1);
        assert_eq!(errors(one_of, &json!(1)).len(), 1);
    }

    #[test]
    fn unknown_keywords_and_dangling_refs_are_refused() {
        let unknown = Schema::new(json!({"properties": {"a": {"minLength": 1}}}));
        assert!(unknown.is_err_and(|e| e.contains("#/properties/a/minLength")));
        let dangling = Schema::new(json!({"items": {"$ref": "#/$defs/Missing"}}));
        assert!(dangling.is_err_and(|e| e.contains("does not resolve")));
    }
}

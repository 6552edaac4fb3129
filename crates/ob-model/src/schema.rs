//! JSON Schema for the models (feature `schemars`): each generated type describes itself from
//! the spec it came from, including its constraints, so a schema printed by `schemars` is as
//! strict as `validate()`.

use std::borrow::Cow;

use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde_json::{json, Map, Value};

use crate::{Amount, DateTime, JsonObject};

/// Use-site constraints of a property, from the spec.
#[derive(Clone, Copy, Debug, Default)]
pub struct Constraints {
    /// `minLength`
    pub min_len: Option<u64>,
    /// `maxLength`
    pub max_len: Option<u64>,
    /// `pattern`
    pub pattern: Option<&'static str>,
    /// `minItems`
    pub min_items: Option<u64>,
    /// `maxItems`
    pub max_items: Option<u64>,
    /// `minimum`
    pub minimum: Option<i64>,
    /// A profile's allowed values (`x-allowed-values`), emitted as `enum`.
    pub allowed: &'static [&'static str],
    /// Constraints on each array element.
    pub items: Option<&'static Constraints>,
}

fn apply(target: &mut Map<String, Value>, c: &Constraints) {
    let mut put = |k: &str, v: Value| {
        target.insert(k.to_owned(), v);
    };
    if let Some(v) = c.min_len {
        put("minLength", json!(v));
    }
    if let Some(v) = c.max_len {
        put("maxLength", json!(v));
    }
    if let Some(v) = c.pattern {
        put("pattern", json!(v));
    }
    if let Some(v) = c.min_items {
        put("minItems", json!(v));
    }
    if let Some(v) = c.max_items {
        put("maxItems", json!(v));
    }
    if let Some(v) = c.minimum {
        put("minimum", json!(v));
    }
    if !c.allowed.is_empty() {
        put("enum", json!(c.allowed));
    }
}

/// Adds constraints to a property schema; a `$ref` is wrapped in `allOf` so that they apply.
pub fn constrain(schema: Schema, c: &Constraints) -> Schema {
    let mut value = schema.to_value();
    let Value::Object(map) = &mut value else {
        return Schema::try_from(value).unwrap_or_default();
    };
    if map.contains_key("$ref") {
        let mut wrapped = Map::new();
        wrapped.insert(
            "allOf".into(),
            Value::Array(vec![Value::Object(map.clone())]),
        );
        apply(&mut wrapped, c);
        return Schema::from(wrapped);
    }
    apply(map, c);
    if let (Some(items), Some(Value::Object(item_schema))) = (c.items, map.get_mut("items")) {
        if item_schema.contains_key("$ref") {
            let inner = Value::Object(std::mem::take(item_schema));
            item_schema.insert("allOf".into(), Value::Array(vec![inner]));
        }
        apply(item_schema, items);
    }
    Schema::try_from(value).unwrap_or_default()
}

/// An object schema with a description; properties are added with [`property`].
pub fn object(description: &str, open: bool) -> Schema {
    let mut m = Map::new();
    m.insert("type".into(), json!("object"));
    if !description.is_empty() {
        m.insert("description".into(), json!(description));
    }
    m.insert("properties".into(), Value::Object(Map::new()));
    m.insert("required".into(), Value::Array(Vec::new()));
    if !open {
        m.insert("additionalProperties".into(), json!(false));
    }
    Schema::from(m)
}

/// Adds a property (with its description) to an [`object`] schema.
pub fn property(
    object: &mut Schema,
    name: &str,
    required: bool,
    description: &str,
    schema: Schema,
) {
    let mut value = schema.to_value();
    if !description.is_empty() {
        if let Value::Object(m) = &mut value {
            if m.contains_key("$ref") {
                let inner = Value::Object(std::mem::take(m));
                m.insert("allOf".into(), Value::Array(vec![inner]));
            }
            m.insert("description".into(), json!(description));
        }
    }
    let obj = object.ensure_object();
    if let Some(Value::Object(props)) = obj.get_mut("properties") {
        props.insert(name.to_owned(), value);
    }
    if required {
        if let Some(Value::Array(req)) = obj.get_mut("required") {
            req.push(json!(name));
        }
    }
}

/// The schema of an open code list: any string, with the spec's codes listed.
pub fn codes(description: &str, codes: &[&str]) -> Schema {
    let mut m = Map::new();
    m.insert("description".into(), json!(description));
    m.insert(
        "anyOf".into(),
        json!([{ "type": "string", "enum": codes }, { "type": "string" }]),
    );
    Schema::from(m)
}

impl JsonSchema for Amount {
    fn schema_name() -> Cow<'static, str> {
        "Amount".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        Schema::try_from(json!({
            "type": "string",
            "description": "A decimal amount as a string, such as \"150.0000\".",
            "pattern": r"^-?\d+(\.\d+)?$"
        }))
        .unwrap_or_default()
    }

    fn inline_schema() -> bool {
        true
    }
}

impl JsonSchema for DateTime {
    fn schema_name() -> Cow<'static, str> {
        "DateTime".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        Schema::try_from(json!({ "type": "string", "format": "date-time" })).unwrap_or_default()
    }

    fn inline_schema() -> bool {
        true
    }
}

impl JsonSchema for JsonObject {
    fn schema_name() -> Cow<'static, str> {
        "JsonObject".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        Schema::try_from(json!({ "type": "object" })).unwrap_or_default()
    }

    fn inline_schema() -> bool {
        true
    }
}

//! JSON Schema for the models (feature `schemars`): each generated type describes itself from
//! the spec it came from, including its constraints, so a schema printed by `schemars` is as
//! strict as `validate()`.

use std::borrow::Cow;

use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde_json::{json, Map, Value};

use crate::{Amount, DateTime, JsonObject, Number, Object, Rules};

/// How to describe one field of an object: its type's schema and its [`Rules`] (see
/// [`object_of`]).
pub type Field = (fn(&mut SchemaGenerator) -> Schema, &'static Rules);

/// The [`Field`] of a field of type `T` with `rules`.
pub fn field<T: JsonSchema>(rules: &'static Rules) -> Field {
    fn sub<T: JsonSchema>(g: &mut SchemaGenerator) -> Schema {
        g.subschema_for::<T>()
    }
    (sub::<T>, rules)
}

/// The schema of the generated object type `T`: its description, and each of its fields in
/// spec order with its name and whether it is required (from [`Object`]), its description
/// (`docs`, one per field) and its type and rules (`fields`).
pub fn object_of<T: Object>(
    g: &mut SchemaGenerator,
    description: &str,
    docs: &[&str],
    fields: &[Field],
) -> Schema {
    let mut s = object(description, T::OPEN);
    for (i, (name, (schema, rules))) in T::FIELDS.iter().zip(fields).enumerate() {
        let required = T::REQUIRED & (1 << i) != 0;
        let doc = docs.get(i).copied().unwrap_or_default();
        property(&mut s, name, required, doc, constrain(schema(g), rules));
    }
    s
}

fn apply(target: &mut Map<String, Value>, c: &Rules) {
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
        put("pattern", json!(v.source()));
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

/// Adds a field's [`Rules`] to its schema; a `$ref` is wrapped in `allOf` so that they apply.
pub fn constrain(schema: Schema, c: &Rules) -> Schema {
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

/// The schema of a closed code list: one of the spec's codes.
pub fn closed_codes(description: &str, codes: &[&str]) -> Schema {
    let mut m = Map::new();
    m.insert("description".into(), json!(description));
    m.insert("type".into(), json!("string"));
    m.insert("enum".into(), json!(codes));
    Schema::from(m)
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

impl JsonSchema for Number {
    fn schema_name() -> Cow<'static, str> {
        "Number".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        Schema::try_from(json!({ "type": "number" })).unwrap_or_default()
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

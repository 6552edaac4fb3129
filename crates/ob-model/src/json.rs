//! `JsonObject`: a free-form JSON object (`SupplementaryData` and other open objects), kept as
//! its compact JSON text.
//!
//! The spec says nothing about these objects' contents, so decoding does not build a map: it
//! checks the value is an object and keeps its text (whitespace removed). That is exact (numbers
//! keep their digits, keys their order), cheap to decode, and turned into a map or a typed value
//! on request.

use std::fmt;

use serde::de::{self, DeserializeOwned, Deserializer};
use serde::{Deserialize, Serialize, Serializer};
use serde_json::value::RawValue;
use serde_json::{Map, Value};

/// A free-form JSON object, kept as compact JSON text.
///
/// ```
/// use ob_model::JsonObject;
/// let o: JsonObject = serde_json::from_str(r#"{ "Declined": false, "Rate": 1.10 }"#).unwrap();
/// assert_eq!(o.as_json(), r#"{"Declined":false,"Rate":1.10}"#);
/// assert_eq!(o.get("Declined"), Some(serde_json::Value::Bool(false)));
/// assert_eq!(serde_json::to_string(&o).unwrap(), r#"{"Declined":false,"Rate":1.10}"#);
/// ```
#[derive(Clone)]
pub struct JsonObject(Box<RawValue>);

impl JsonObject {
    /// An empty object, `{}`.
    pub fn new() -> Self {
        Self::default()
    }

    /// The object's compact JSON text.
    pub fn as_json(&self) -> &str {
        self.0.get()
    }

    /// Whether the object has no members.
    pub fn is_empty(&self) -> bool {
        self.as_json() == "{}"
    }

    /// The object as a map, members in document order.
    pub fn to_map(&self) -> Map<String, Value> {
        // The text was checked to be an object when this value was made.
        serde_json::from_str(self.as_json()).unwrap_or_default()
    }

    /// The value of one member.
    pub fn get(&self, key: &str) -> Option<Value> {
        self.to_map().remove(key)
    }

    /// Decodes the object into a type of the caller's (for instance Monzo's typed
    /// `SupplementaryData`).
    pub fn to_typed<T: DeserializeOwned>(&self) -> Result<T, serde_json::Error> {
        serde_json::from_str(self.as_json())
    }

    /// An object from a map.
    pub fn from_map(map: &Map<String, Value>) -> Self {
        let text = serde_json::to_string(map).unwrap_or_else(|_| "{}".to_owned());
        Self::from_compact(text)
    }

    /// An object from any value that encodes as a JSON object.
    pub fn from_serialize<T: Serialize + ?Sized>(value: &T) -> Result<Self, serde_json::Error> {
        let text = serde_json::to_string(value)?;
        if !text.starts_with('{') {
            return Err(<serde_json::Error as de::Error>::custom(
                "expected a value that encodes as a JSON object",
            ));
        }
        Ok(Self::from_compact(text))
    }

    fn from_compact(text: String) -> Self {
        Self(RawValue::from_string(text).unwrap_or_else(|_| empty_raw()))
    }
}

fn empty_raw() -> Box<RawValue> {
    RawValue::from_string("{}".to_owned()).expect("{} is JSON")
}

impl Default for JsonObject {
    fn default() -> Self {
        Self(empty_raw())
    }
}

impl PartialEq for JsonObject {
    fn eq(&self, other: &Self) -> bool {
        self.as_json() == other.as_json()
    }
}

impl Eq for JsonObject {}

impl std::hash::Hash for JsonObject {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.as_json().hash(state);
    }
}

impl fmt::Debug for JsonObject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_json())
    }
}

impl fmt::Display for JsonObject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_json())
    }
}

impl From<Map<String, Value>> for JsonObject {
    fn from(map: Map<String, Value>) -> Self {
        Self::from_map(&map)
    }
}

impl From<JsonObject> for Map<String, Value> {
    fn from(o: JsonObject) -> Self {
        o.to_map()
    }
}

/// `text` without insignificant whitespace, or `None` when it has none (valid JSON in, one pass,
/// allocating only when something is removed).
fn minify(text: &str) -> Option<String> {
    let mut out: Option<String> = None;
    let mut in_string = false;
    let mut escaped = false;
    for (i, c) in text.char_indices() {
        let drop = if in_string {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_string = false;
            }
            false
        } else {
            in_string = c == '"';
            matches!(c, ' ' | '\n' | '\r' | '\t')
        };
        match (&mut out, drop) {
            (None, true) => out = Some(text[..i].to_owned()),
            (Some(o), false) => o.push(c),
            _ => {}
        }
    }
    out
}

impl<'de> Deserialize<'de> for JsonObject {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = Box::<RawValue>::deserialize(deserializer)?;
        let text = raw.get();
        if !text.starts_with('{') {
            let found = match text.as_bytes().first() {
                Some(b'[') => "sequence",
                Some(b'"') => "string",
                Some(b't' | b'f') => "boolean",
                Some(b'n') => "null",
                _ => "number",
            };
            return Err(de::Error::custom(format_args!(
                "invalid type: {found}, expected a JSON object"
            )));
        }
        Ok(match minify(text) {
            Some(compact) => Self::from_compact(compact),
            None => Self(raw),
        })
    }
}

impl Serialize for JsonObject {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_text_and_order_without_whitespace() {
        let o: JsonObject =
            serde_json::from_str("{\n  \"b\": [1, 2.50, \"x y\"],\n  \"a\": {\"c\": null}\n}")
                .unwrap();
        assert_eq!(o.as_json(), r#"{"b":[1,2.50,"x y"],"a":{"c":null}}"#);
        assert_eq!(o.to_map().keys().collect::<Vec<_>>(), ["b", "a"]);
    }

    #[test]
    fn escaped_quotes_stay_in_strings() {
        let o: JsonObject = serde_json::from_str(r#"{ "k": "a \" b \\", "n" : 1 }"#).unwrap();
        assert_eq!(o.as_json(), r#"{"k":"a \" b \\","n":1}"#);
    }

    #[test]
    fn rejects_non_objects() {
        for text in ["[]", "1", "\"x\"", "null", "true"] {
            let err = serde_json::from_str::<JsonObject>(text)
                .unwrap_err()
                .to_string();
            assert!(err.contains("expected a JSON object"), "{text}: {err}");
        }
    }
}

//! `JsonObject`: a free-form JSON object (`SupplementaryData` and other open objects), kept as
//! its compact JSON text.
//!
//! The spec says nothing about these objects' contents, so decoding does not build a map: it
//! checks the value is an object and keeps its text (whitespace removed). That is exact (numbers
//! keep their digits, keys their order), cheap to decode, and turned into a map or a typed value
//! on request. Decoding refuses what typed decoding refuses: a member twice in one object (at
//! any depth) and nesting deeper than [`JsonObject::MAX_DEPTH`] levels.

use std::fmt;

use serde_core::de::{self, DeserializeOwned, Deserializer};
use serde_core::{Deserialize, Serialize, Serializer};
use serde_json::value::RawValue;
use serde_json::{Map, Value};

const MAX_DEPTH: usize = JsonObject::MAX_DEPTH;

/// A free-form JSON object, kept as compact JSON text.
///
/// ```
/// use ob_model_runtime::JsonObject;
/// let o: JsonObject = serde_json::from_str(r#"{ "Declined": false, "Rate": 1.10 }"#).unwrap();
/// assert_eq!(o.as_json(), r#"{"Declined":false,"Rate":1.10}"#);
/// assert_eq!(o.get("Declined").unwrap(), Some(serde_json::Value::Bool(false)));
/// assert_eq!(serde_json::to_string(&o).unwrap(), r#"{"Declined":false,"Rate":1.10}"#);
/// // A member twice is refused, as typed decoding refuses it.
/// assert!(serde_json::from_str::<JsonObject>(r#"{"a":1,"a":2}"#).is_err());
/// ```
#[derive(Clone)]
pub struct JsonObject(Box<RawValue>);

impl JsonObject {
    /// How deep a free-form object may nest, itself included: as deep as serde_json's typed
    /// decoding (and [`to_map`](Self::to_map)) reads, so that what decodes can be read.
    pub const MAX_DEPTH: usize = 127;

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

    /// The object as a map. An error, never an empty map, for content a `serde_json::Value`
    /// cannot hold (a number beyond `f64`, which the object itself keeps exactly).
    ///
    /// The members are in document order when serde_json's `preserve_order` feature is on in
    /// the build (turn it on in your own `serde_json` dependency); without it a `Map` sorts its
    /// keys. The model crates do not turn it on, so that it builds without `indexmap`. The object
    /// itself ([`as_json`](Self::as_json), encoding) keeps document order either way.
    pub fn to_map(&self) -> Result<Map<String, Value>, serde_json::Error> {
        serde_json::from_str(self.as_json())
    }

    /// The value of one member (`None` when it has none); an error as for
    /// [`to_map`](Self::to_map).
    pub fn get(&self, key: &str) -> Result<Option<Value>, serde_json::Error> {
        Ok(self.to_map()?.remove(key))
    }

    /// Decodes the object into a type of the caller's (for instance Monzo's typed
    /// `SupplementaryData`).
    pub fn to_typed<T: DeserializeOwned>(&self) -> Result<T, serde_json::Error> {
        serde_json::from_str(self.as_json())
    }

    /// An object from a map, its members in the map's order (the order they were inserted in
    /// when serde_json's `preserve_order` feature is on in the build, else sorted by key).
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

impl TryFrom<JsonObject> for Map<String, Value> {
    type Error = serde_json::Error;

    fn try_from(o: JsonObject) -> Result<Self, Self::Error> {
        o.to_map()
    }
}

/// Checks a JSON value's text (valid JSON) for what typed decoding refuses: a member twice in
/// one object, and nesting deeper than [`JsonObject::MAX_DEPTH`]. One pass; keys are compared
/// as borrowed slices (decoded only when they hold an escape), linearly within small objects
/// and through a hash set beyond [`LINEAR_KEYS`] members, so the common small object costs
/// no allocation beyond the two scratch vectors.
fn check_members(text: &str) -> Result<(), String> {
    if let Some(verdict) = check_flat(text) {
        return verdict;
    }
    use std::borrow::Cow;
    use std::collections::HashSet;
    struct Frame<'t> {
        object: bool,
        expect_key: bool,
        /// Where this object's keys start in `keys`.
        start: usize,
        /// All of this object's keys, once it has more than [`LINEAR_KEYS`].
        set: Option<HashSet<Cow<'t, str>>>,
    }
    let bytes = text.as_bytes();
    let mut stack: Vec<Frame<'_>> = Vec::new();
    let mut keys: Vec<Cow<'_, str>> = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'{' | b'[' => {
                if stack.len() >= MAX_DEPTH {
                    return Err(format!("nested deeper than {MAX_DEPTH} levels"));
                }
                stack.push(Frame {
                    object: bytes[i] == b'{',
                    expect_key: bytes[i] == b'{',
                    start: keys.len(),
                    set: None,
                });
            }
            b'}' | b']' => {
                if let Some(f) = stack.pop() {
                    keys.truncate(f.start);
                }
            }
            b',' => {
                if let Some(f) = stack.last_mut() {
                    f.expect_key = f.object;
                }
            }
            b'"' => {
                let start = i;
                let has_escape;
                (i, has_escape) = string_end(bytes, start);
                let Some(f) = stack.last_mut() else {
                    i += 1;
                    continue;
                };
                if f.expect_key {
                    f.expect_key = false;
                    let raw = &text[start..=i.min(text.len() - 1)];
                    let key: Cow<'_, str> = if has_escape {
                        Cow::Owned(serde_json::from_str::<String>(raw).map_err(|e| e.to_string())?)
                    } else {
                        Cow::Borrowed(&raw[1..raw.len() - 1])
                    };
                    let duplicate = match &mut f.set {
                        Some(set) => !set.insert(key.clone()),
                        None => {
                            let dup = keys[f.start..].contains(&key);
                            if !dup && keys.len() - f.start >= LINEAR_KEYS {
                                let mut set: HashSet<Cow<'_, str>> =
                                    keys[f.start..].iter().cloned().collect();
                                set.insert(key.clone());
                                f.set = Some(set);
                            }
                            dup
                        }
                    };
                    if duplicate {
                        return Err(format!(
                            "duplicate field `{}`",
                            crate::validate::excerpt(&key)
                        ));
                    }
                    keys.push(key);
                }
            }
            _ => {}
        }
        i += 1;
    }
    Ok(())
}

/// [`check_members`] without allocating, for the common case: one object of at most
/// [`FLAT_KEYS`] members, none of them an object or array and no key holding an escape (what
/// `SupplementaryData` usually is). `None` when the text is not such an object.
fn check_flat(text: &str) -> Option<Result<(), String>> {
    let bytes = text.as_bytes();
    if bytes.first() != Some(&b'{') {
        return None;
    }
    let mut keys: [&str; FLAT_KEYS] = [""; FLAT_KEYS];
    let mut n = 0;
    let mut expect_key = true;
    let mut i = 1;
    while i < bytes.len() {
        match bytes[i] {
            b'{' | b'[' => return None,
            b',' => expect_key = true,
            b'"' => {
                let start = i + 1;
                let has_escape;
                (i, has_escape) = string_end(bytes, i);
                if expect_key {
                    expect_key = false;
                    if has_escape || n == FLAT_KEYS {
                        return None;
                    }
                    let key = text.get(start..i)?;
                    if keys[..n].contains(&key) {
                        return Some(Err(format!(
                            "duplicate field `{}`",
                            crate::validate::excerpt(key)
                        )));
                    }
                    keys[n] = key;
                    n += 1;
                }
            }
            _ => {}
        }
        i += 1;
    }
    Some(Ok(()))
}

/// The end of the JSON string whose opening quote is at `open`: the index of its closing quote
/// (the text's length when there is none), and whether it holds an escape.
fn string_end(bytes: &[u8], open: usize) -> (usize, bool) {
    let mut escaped = false;
    let mut has_escape = false;
    let mut i = open + 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' if !escaped => {
                escaped = true;
                has_escape = true;
            }
            b'"' if !escaped => break,
            _ => escaped = false,
        }
        i += 1;
    }
    (i, has_escape)
}

/// A JSON value's raw text, refused as typed decoding refuses it ([`check_members`]) and kept
/// compact: what free-form objects and unknown members store.
pub(crate) fn compact_checked(raw: Box<RawValue>) -> Result<Box<RawValue>, String> {
    check_members(raw.get())?;
    match minify(raw.get()) {
        Some(compact) => RawValue::from_string(compact).map_err(|e| e.to_string()),
        None => Ok(raw),
    }
}

/// The most members [`check_flat`] handles.
const FLAT_KEYS: usize = 8;

/// How many members an object has before duplicates are looked for through a hash set.
const LINEAR_KEYS: usize = 16;

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
        compact_checked(raw).map(Self).map_err(de::Error::custom)
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
        // A `Map` keeps insertion order only with serde_json's `preserve_order` (on when the
        // whole workspace is built, off for the model alone): expect what this build's `Map` does.
        let mut probe = Map::new();
        probe.insert("b".into(), Value::Null);
        probe.insert("a".into(), Value::Null);
        let expected: Vec<&String> = probe.keys().collect();
        assert_eq!(o.to_map().unwrap().keys().collect::<Vec<_>>(), expected);
        assert_eq!(o.to_map().unwrap().len(), 2);
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

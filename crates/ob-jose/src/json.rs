//! JSON objects for JOSE headers and claims, refusing duplicate members: a header with two
//! `alg` members means different things to different parsers.

use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, Visitor};
use serde_json::{Map, Value};

use crate::JoseError;

struct UniqueObject;

impl<'de> Visitor<'de> for UniqueObject {
    type Value = Map<String, Value>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Self::Value, A::Error> {
        let mut map = Map::new();
        while let Some(key) = access.next_key::<String>()? {
            if map.contains_key(&key) {
                return Err(de::Error::custom(format_args!("duplicate member {key:?}")));
            }
            let value: Value = access.next_value()?;
            map.insert(key, value);
        }
        Ok(map)
    }
}

impl<'de> DeserializeSeed<'de> for UniqueObject {
    type Value = Map<String, Value>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_map(self)
    }
}

/// Parses `bytes` as one JSON object whose top-level members are unique; `what` names it in
/// the error.
pub(crate) fn parse_object(bytes: &[u8], what: &str) -> Result<Map<String, Value>, JoseError> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let map = UniqueObject
        .deserialize(&mut de)
        .and_then(|m| de.end().map(|()| m))
        .map_err(|e| JoseError::Malformed {
            reason: format!("{what} is not a JSON object with unique members ({e})"),
        })?;
    Ok(map)
}

//! Lenient, lossless JSON objects: the machinery behind every generated struct.
//!
//! Decoding accepts fields the spec does not name and tolerates missing required fields; both are
//! recorded in the struct's [`Extra`] so that nothing is lost: re-encoding writes unknown fields
//! back and leaves out what was missing, and [`crate::Validate`] reports both. Type errors
//! (a number where a string is due) and duplicate keys are still errors. A document whose
//! fields are not in spec order keeps its order, so re-encoding gives back the same bytes.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;
use std::marker::PhantomData;

use serde_core::de::{
    self, Deserialize, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor,
};
use serde_core::ser::{Serialize, SerializeMap, Serializer};
use serde_json::value::RawValue;
use serde_json::Value;

/// Unknown members: name to exact compact JSON text, in document order.
///
/// A document rarely has more than a few, so they are a list searched in order; from
/// [`Members::INDEXED_FROM`] members on, a hash index keeps decoding linear in the document (a
/// body of thousands of unknown members must not cost their square). Equality is a map's: the
/// same names with the same values, in any order.
#[derive(Clone, Default)]
struct Members {
    entries: Vec<(String, ExactJson)>,
    /// Position of each name in `entries`, once there are `INDEXED_FROM` of them.
    index: Option<HashMap<String, usize>>,
}

impl Members {
    /// How many members a list holds before lookups go through a hash index.
    const INDEXED_FROM: usize = 16;

    fn len(&self) -> usize {
        self.entries.len()
    }

    fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    fn iter(&self) -> impl Iterator<Item = (&String, &ExactJson)> {
        self.entries.iter().map(|(k, v)| (k, v))
    }

    fn position(&self, name: &str) -> Option<usize> {
        match &self.index {
            Some(index) => index.get(name).copied(),
            None => self.entries.iter().position(|(k, _)| k == name),
        }
    }

    fn get(&self, name: &str) -> Option<&ExactJson> {
        self.position(name).map(|i| &self.entries[i].1)
    }

    /// Sets `name` (in place if present, else last); returns the previous value.
    fn insert(&mut self, name: String, value: ExactJson) -> Option<ExactJson> {
        if let Some(i) = self.position(&name) {
            return Some(std::mem::replace(&mut self.entries[i].1, value));
        }
        if let Some(index) = self.index.as_mut() {
            index.insert(name.clone(), self.entries.len());
        }
        self.entries.push((name, value));
        if self.index.is_none() && self.entries.len() >= Self::INDEXED_FROM {
            self.index = Some(self.reindexed());
        }
        None
    }

    /// Removes `name`, keeping the others' order; returns its value.
    fn shift_remove(&mut self, name: &str) -> Option<ExactJson> {
        let i = self.position(name)?;
        let (_, value) = self.entries.remove(i);
        if self.index.is_some() {
            self.index = (self.entries.len() >= Self::INDEXED_FROM).then(|| self.reindexed());
        }
        Some(value)
    }

    fn reindexed(&self) -> HashMap<String, usize> {
        let mut index = HashMap::with_capacity(self.entries.len());
        for (i, (k, _)) in self.entries.iter().enumerate() {
            index.insert(k.clone(), i);
        }
        index
    }
}

impl PartialEq for Members {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().all(|(k, v)| other.get(k) == Some(v))
    }
}

impl fmt::Debug for Members {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

/// A JSON value kept as its exact compact text (numbers keep their digits, even beyond `f64`).
#[derive(Clone)]
pub(crate) struct ExactJson(Box<RawValue>);

impl ExactJson {
    fn text(&self) -> &str {
        self.0.get()
    }
}

impl PartialEq for ExactJson {
    fn eq(&self, other: &Self) -> bool {
        self.text() == other.text()
    }
}

impl fmt::Debug for ExactJson {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.text())
    }
}

impl Serialize for ExactJson {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for ExactJson {
    /// Any JSON value, refused as typed decoding refuses it (a member twice, too deep), kept as
    /// its compact text.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = Box::<RawValue>::deserialize(deserializer)?;
        crate::json::compact_checked(raw)
            .map(Self)
            .map_err(de::Error::custom)
    }
}

/// What a decoded object carried beyond its spec: unknown fields and missing required fields.
///
/// Empty (and allocation-free) for a document that matches the spec.
#[derive(Clone, Default, PartialEq)]
pub struct Extra(Option<Box<ExtraInner>>);

#[derive(Clone, Default, PartialEq)]
struct ExtraInner {
    fields: Members,
    missing: Vec<&'static str>,
    /// The document's field order, kept only when it differs from spec order (known fields
    /// first in spec order, then unknown ones), so that re-encoding reproduces it.
    order: Option<Vec<Slot>>,
}

/// A field position in a decoded document: a spec field by index, or the n-th unknown field.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Slot {
    Known(u8),
    Unknown(u32),
}

impl Extra {
    /// Whether there is nothing beyond the spec.
    pub fn is_empty(&self) -> bool {
        self.0.is_none()
    }

    fn inner(&mut self) -> &mut ExtraInner {
        self.0.get_or_insert_with(Default::default)
    }

    /// Fields the spec does not name, in document order: each name with its value's exact
    /// compact JSON text (numbers keep their digits).
    pub fn fields(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0
            .iter()
            .flat_map(|i| i.fields.iter().map(|(k, v)| (k.as_str(), v.text())))
    }

    /// The exact compact JSON text of a field the spec does not name.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .as_ref()
            .and_then(|i| i.fields.get(name))
            .map(ExactJson::text)
    }

    /// The value of a field the spec does not name, as a [`Value`]: an error, never a wrong
    /// value, for what a `Value` cannot hold (a number beyond `f64`; [`get`](Self::get) has
    /// its exact text). Its objects' members are in document order when serde_json's
    /// `preserve_order` feature is on in the build, else sorted by key.
    pub fn get_value(&self, name: &str) -> Option<Result<Value, serde_json::Error>> {
        self.get(name).map(serde_json::from_str)
    }

    /// Adds a field the spec does not name; returns the previous value's JSON text.
    ///
    /// An object in `value` is written in its `Map`'s order: the order it was built in when
    /// serde_json's `preserve_order` feature is on in the build, else sorted by key.
    pub fn insert(&mut self, name: impl Into<String>, value: Value) -> Option<String> {
        let text = serde_json::to_string(&value).unwrap_or_else(|_| "null".to_owned());
        let raw = RawValue::from_string(text).ok()?;
        self.inner()
            .fields
            .insert(name.into(), ExactJson(raw))
            .map(|old| old.text().to_owned())
    }

    /// Removes a field the spec does not name; returns its JSON text.
    pub fn remove(&mut self, name: &str) -> Option<String> {
        let inner = self.0.as_mut()?;
        // Positions of later unknown fields shift: forget the recorded order.
        inner.order = None;
        let v = inner.fields.shift_remove(name);
        self.normalize();
        v.map(|v| v.text().to_owned())
    }

    /// Required fields that the decoded document left out.
    pub fn missing(&self) -> &[&'static str] {
        self.0.as_ref().map_or(&[], |i| &i.missing)
    }

    /// Whether the decoded document's field order differed from spec order (and is kept).
    pub fn keeps_document_order(&self) -> bool {
        self.0.as_ref().is_some_and(|i| i.order.is_some())
    }

    /// Forgets the decoded document's field order: encoding then writes spec order.
    pub fn forget_document_order(&mut self) {
        if let Some(inner) = self.0.as_mut() {
            inner.order = None;
        }
        self.normalize();
    }

    /// Whether the required field `name` was left out of the decoded document.
    #[inline]
    pub fn is_missing(&self, name: &str) -> bool {
        self.0.as_ref().is_some_and(|i| i.missing.contains(&name))
    }

    /// Records that the required field `name` was left out.
    pub fn mark_missing(&mut self, name: &'static str) {
        let inner = self.inner();
        if !inner.missing.contains(&name) {
            inner.missing.push(name);
        }
    }

    /// Forgets that the required field `name` was left out (after setting it).
    pub fn clear_missing(&mut self, name: &str) {
        if let Some(inner) = self.0.as_mut() {
            inner.missing.retain(|m| *m != name);
        }
        self.normalize();
    }

    fn normalize(&mut self) {
        if self
            .0
            .as_ref()
            .is_some_and(|i| i.fields.is_empty() && i.missing.is_empty() && i.order.is_none())
        {
            self.0 = None;
        }
    }
}

impl fmt::Debug for Extra {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            None => f.write_str("{}"),
            Some(i) => f
                .debug_struct("Extra")
                .field("fields", &i.fields)
                .field("missing", &i.missing)
                .field("order", &i.order)
                .finish(),
        }
    }
}

/// A generated object type. Implemented by generated code; not meant to be implemented by hand.
pub trait Object: Default {
    /// The schema name, for error messages.
    const NAME: &'static str;
    /// Field names in spec order.
    const FIELDS: &'static [&'static str];
    /// Bit `i` is set when `FIELDS[i]` is required.
    const REQUIRED: u128;
    /// Whether the spec allows fields it does not name (`additionalProperties` not `false`).
    const OPEN: bool;

    /// Index into [`Object::FIELDS`] of a JSON key.
    fn field_index(key: &str) -> Option<usize>;

    /// Decodes the value of field `index` from `map` into `self`.
    fn decode_field<'de, A: MapAccess<'de>>(
        &mut self,
        index: usize,
        map: &mut A,
    ) -> Result<(), A::Error>;

    /// Encodes the spec's fields in spec order (not the extra ones): each of
    /// [`encode_field`](Object::encode_field) in turn.
    fn encode_fields<M: SerializeMap>(&self, map: &mut M) -> Result<(), M::Error> {
        for index in 0..Self::FIELDS.len() {
            self.encode_field(index, map)?;
        }
        Ok(())
    }

    /// Encodes the spec field `index` (nothing when it is absent).
    fn encode_field<M: SerializeMap>(&self, index: usize, map: &mut M) -> Result<(), M::Error>;

    /// The unknown and missing fields.
    fn extra(&self) -> &Extra;

    /// The unknown and missing fields, mutably.
    fn extra_mut(&mut self) -> &mut Extra;
}

/// A JSON object key, borrowed from the input where possible.
struct Key<'de>(Cow<'de, str>);

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a field name")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v)))
            }
        }
        deserializer.deserialize_str(KeyVisitor)
    }
}

struct ObjectVisitor<T>(PhantomData<T>);

impl<'de, T: Object> Visitor<'de> for ObjectVisitor<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "a JSON object ({})", T::NAME)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<T, A::Error> {
        let mut out = T::default();
        fill(&mut out, map)?;
        Ok(out)
    }
}

/// Decodes a JSON object's members into `out` (a default value of `T`).
fn fill<'de, T: Object, A: MapAccess<'de>>(out: &mut T, mut map: A) -> Result<(), A::Error> {
    let mut seen: u128 = 0;
    // While the document follows spec order (known fields ascending, unknown ones after
    // them) nothing is recorded; at the first departure the order so far is rebuilt.
    let mut next_known = 0usize;
    let mut unknown = 0u32;
    let mut order: Option<Vec<Slot>> = None;
    while let Some(Key(key)) = map.next_key::<Key<'de>>()? {
        match T::field_index(&key) {
            Some(i) => {
                let bit = 1u128 << i;
                if seen & bit != 0 {
                    return Err(de::Error::custom(format_args!(
                        "duplicate field `{}` in {}",
                        T::FIELDS[i],
                        T::NAME
                    )));
                }
                if order.is_none() && (i < next_known || unknown > 0) {
                    order = Some(in_order_so_far(seen, unknown));
                }
                if let Some(o) = order.as_mut() {
                    o.push(Slot::Known(i as u8));
                }
                next_known = i + 1;
                seen |= bit;
                out.decode_field(i, &mut map)?;
            }
            None => {
                let value: ExactJson = map.next_value()?;
                if out
                    .extra_mut()
                    .inner()
                    .fields
                    .insert(key.to_string(), value)
                    .is_some()
                {
                    return Err(de::Error::custom(format_args!(
                        "duplicate field `{}` in {}",
                        crate::validate::excerpt(&key),
                        T::NAME
                    )));
                }
                if let Some(o) = order.as_mut() {
                    o.push(Slot::Unknown(unknown));
                }
                unknown += 1;
            }
        }
    }
    if let Some(o) = order {
        out.extra_mut().inner().order = Some(o);
    }
    let absent = T::REQUIRED & !seen;
    if absent != 0 {
        for (i, name) in T::FIELDS.iter().enumerate() {
            if absent & (1u128 << i) != 0 {
                out.extra_mut().mark_missing(name);
            }
        }
    }
    Ok(())
}

/// Decodes an object into an existing (default) value, so large structs are not moved.
struct InPlace<'a, T>(&'a mut T);

impl<'de, T: Object> Visitor<'de> for InPlace<'_, T> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "a JSON object ({})", T::NAME)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<(), A::Error> {
        fill(self.0, map)
    }
}

impl<'de, T: Object> DeserializeSeed<'de> for InPlace<'_, T> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_map(self)
    }
}

/// Decodes an array of generated objects, each in place in the vector. Used by generated code
/// for `Vec<Struct>` fields.
pub struct ObjectVec<T>(PhantomData<T>);

impl<T> ObjectVec<T> {
    /// The seed.
    pub const fn new() -> Self {
        Self(PhantomData)
    }
}

impl<T> Default for ObjectVec<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<'de, T: Object> Visitor<'de> for ObjectVec<T> {
    type Value = Vec<T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "an array of {}", T::NAME)
    }

    fn visit_seq<S: SeqAccess<'de>>(self, mut seq: S) -> Result<Vec<T>, S::Error> {
        let mut out: Vec<T> = Vec::new();
        loop {
            let i = out.len();
            out.push(T::default());
            if seq.next_element_seed(InPlace(&mut out[i]))?.is_none() {
                out.pop();
                return Ok(out);
            }
        }
    }
}

impl<'de, T: Object> DeserializeSeed<'de> for ObjectVec<T> {
    type Value = Vec<T>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Vec<T>, D::Error> {
        deserializer.deserialize_seq(self)
    }
}

/// An optional array of generated objects (absent or `null` is `None`).
pub struct OptionObjectVec<T>(PhantomData<T>);

impl<T> OptionObjectVec<T> {
    /// The seed.
    pub const fn new() -> Self {
        Self(PhantomData)
    }
}

impl<T> Default for OptionObjectVec<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<'de, T: Object> Visitor<'de> for OptionObjectVec<T> {
    type Value = Option<Vec<T>>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "an array of {} or null", T::NAME)
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        ObjectVec::new().deserialize(deserializer).map(Some)
    }
}

impl<'de, T: Object> DeserializeSeed<'de> for OptionObjectVec<T> {
    type Value = Option<Vec<T>>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_option(self)
    }
}

/// The slots of a document that so far followed spec order: `seen` known fields ascending, then
/// `unknown` unknown ones.
fn in_order_so_far(seen: u128, unknown: u32) -> Vec<Slot> {
    let mut v: Vec<Slot> = (0..128u8)
        .filter(|i| seen & (1u128 << i) != 0)
        .map(Slot::Known)
        .collect();
    v.extend((0..unknown).map(Slot::Unknown));
    v
}

/// Decodes a generated object. Used by generated `Deserialize` impls.
pub fn deserialize_object<'de, T: Object, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<T, D::Error> {
    deserializer.deserialize_map(ObjectVisitor(PhantomData))
}

/// Encodes a generated object: spec fields in spec order, then unknown fields in document order.
pub fn serialize_object<T: Object, S: Serializer>(
    value: &T,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    let mut map = serializer.serialize_map(None)?;
    let extra = value.extra();
    match extra
        .0
        .as_ref()
        .and_then(|i| i.order.as_ref().map(|o| (i, o)))
    {
        None => {
            value.encode_fields(&mut map)?;
            if let Some(inner) = extra.0.as_ref() {
                for (k, v) in inner.fields.iter() {
                    map.serialize_entry(k, v)?;
                }
            }
        }
        Some((inner, order)) => {
            // The document's order; then anything set since decoding, in spec order.
            let mut done_known: u128 = 0;
            let mut done_unknown = vec![false; inner.fields.len()];
            for slot in order {
                match *slot {
                    Slot::Known(i) => {
                        let i = usize::from(i);
                        if i < T::FIELDS.len() && done_known & (1u128 << i) == 0 {
                            done_known |= 1u128 << i;
                            value.encode_field(i, &mut map)?;
                        }
                    }
                    Slot::Unknown(j) => {
                        let j = j as usize;
                        if let Some((k, v)) = inner.fields.entries.get(j) {
                            if !done_unknown[j] {
                                done_unknown[j] = true;
                                map.serialize_entry(k, v)?;
                            }
                        }
                    }
                }
            }
            for i in 0..T::FIELDS.len() {
                if done_known & (1u128 << i) == 0 {
                    value.encode_field(i, &mut map)?;
                }
            }
            for (j, (k, v)) in inner.fields.iter().enumerate() {
                if !done_unknown[j] {
                    map.serialize_entry(k, v)?;
                }
            }
        }
    }
    map.end()
}

/// Encodes a required field unless the decoded document left it out.
#[inline]
pub fn encode_required<M: SerializeMap, V: Serialize + ?Sized>(
    map: &mut M,
    name: &'static str,
    value: &V,
    extra: &Extra,
) -> Result<(), M::Error> {
    if extra.is_missing(name) {
        return Ok(());
    }
    map.serialize_entry(name, value)
}

/// Encodes an optional field when present.
#[inline]
pub fn encode_optional<M: SerializeMap, V: Serialize>(
    map: &mut M,
    name: &'static str,
    value: &Option<V>,
) -> Result<(), M::Error> {
    match value {
        Some(v) => map.serialize_entry(name, v),
        None => Ok(()),
    }
}

/// For generated code: encodes the required field `index` of `object` (its name from
/// [`Object::FIELDS`]), unless the document left it out.
#[inline]
pub fn ereq<T: Object, M: SerializeMap, V: Serialize + ?Sized>(
    map: &mut M,
    object: &T,
    index: usize,
    value: &V,
) -> Result<(), M::Error> {
    match T::FIELDS.get(index) {
        Some(name) => encode_required(map, name, value, object.extra()),
        None => Ok(()),
    }
}

/// For generated code: encodes the optional field `index` of an object of type `T` when
/// present.
#[inline]
pub fn eopt<T: Object, M: SerializeMap, V: Serialize>(
    map: &mut M,
    index: usize,
    value: &Option<V>,
) -> Result<(), M::Error> {
    match T::FIELDS.get(index) {
        Some(name) => encode_optional(map, name, value),
        None => Ok(()),
    }
}

/// The impls every generated object type has in the same form: `Serialize` and `Deserialize`
/// through [`serialize_object`] and [`deserialize_object`], and [`CheckRules`](crate::CheckRules)
/// (objects have no field rules of their own). Generated code only.
#[doc(hidden)]
#[macro_export]
macro_rules! __object_impls {
    ($name:ident) => {
        impl $crate::__private::serde::Serialize for $name {
            fn serialize<S: $crate::__private::serde::Serializer>(
                &self,
                serializer: S,
            ) -> ::std::result::Result<S::Ok, S::Error> {
                $crate::__private::serialize_object(self, serializer)
            }
        }

        impl<'de> $crate::__private::serde::Deserialize<'de> for $name {
            fn deserialize<D: $crate::__private::serde::Deserializer<'de>>(
                deserializer: D,
            ) -> ::std::result::Result<Self, D::Error> {
                $crate::__private::deserialize_object(deserializer)
            }
        }

        impl $crate::CheckRules for $name {}
    };
}

/// The `extra`/`extra_mut` accessors of [`Object`] for a generated type whose unknown and
/// missing fields are in its `extra` field. Generated code only.
#[doc(hidden)]
#[macro_export]
macro_rules! __object_extra {
    () => {
        fn extra(&self) -> &$crate::Extra {
            &self.extra
        }

        fn extra_mut(&mut self) -> &mut $crate::Extra {
            &mut self.extra
        }
    };
}

/// `schema_name` and `schema_id` of a generated type's `JsonSchema` impl (its spec name, and
/// that name in its module). Generated code only.
#[doc(hidden)]
#[macro_export]
macro_rules! __schema_names {
    ($name:literal) => {
        fn schema_name() -> ::std::borrow::Cow<'static, str> {
            $name.into()
        }

        fn schema_id() -> ::std::borrow::Cow<'static, str> {
            concat!(module_path!(), "::", $name).into()
        }
    };
}

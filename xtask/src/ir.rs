//! The intermediate model: an OpenAPI document reduced to named types and operations.
//!
//! Inline object and enum schemas get names from their parent (`OBReadTransaction6` + `Data`);
//! structurally identical inline schemas (and inline schemas identical to a named one) share one
//! type. Primitive named schemas become aliases whose constraints are checked where they are used.

use std::collections::{BTreeMap, HashMap};

use serde_json::{Map, Value};

/// Constraints checked by `validate()`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Checks {
    pub min_len: Option<u64>,
    pub max_len: Option<u64>,
    pub pattern: Option<String>,
    pub min_items: Option<u64>,
    pub max_items: Option<u64>,
    pub minimum: Option<i64>,
    /// A profile's narrowing (`x-allowed-values`): the only values a bank accepts.
    pub allowed: Vec<String>,
    pub items: Option<Box<Checks>>,
}

impl Checks {
    pub fn is_empty(&self) -> bool {
        *self == Checks::default()
    }

    /// Adds `other`'s constraints where `self` has none.
    fn fold(&mut self, other: &Checks) {
        self.min_len = self.min_len.or(other.min_len);
        self.max_len = self.max_len.or(other.max_len);
        self.pattern = self.pattern.clone().or_else(|| other.pattern.clone());
        self.min_items = self.min_items.or(other.min_items);
        self.max_items = self.max_items.or(other.max_items);
        self.minimum = self.minimum.or(other.minimum);
        if self.allowed.is_empty() {
            self.allowed = other.allowed.clone();
        }
        if self.items.is_none() {
            self.items = other.items.clone();
        }
    }
}

/// A field or alias type.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Ty {
    /// A named type in the same module.
    Ref(String),
    String,
    Amount,
    DateTime,
    Bool,
    I32,
    I64,
    Number,
    /// Any JSON value.
    Json,
    /// A free-form JSON object.
    JsonObject,
    Vec(Box<Ty>),
}

impl Ty {
    pub fn refs(&self, out: &mut Vec<String>) {
        match self {
            Ty::Ref(n) => out.push(n.clone()),
            Ty::Vec(t) => t.refs(out),
            _ => {}
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Field {
    pub json: String,
    pub doc: String,
    pub ty: Ty,
    pub required: bool,
    pub checks: Checks,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Schema {
    Struct {
        doc: String,
        fields: Vec<Field>,
        open: bool,
        extension: bool,
    },
    Enum {
        doc: String,
        codes: Vec<String>,
        extension: bool,
        /// An open code list (`x-namespaced-enum`, or a Monzo list marked `x-open-enum`): a code
        /// it does not list is a note of `validate()`, not a violation.
        open: bool,
    },
    Alias {
        doc: String,
        ty: Ty,
        checks: Checks,
    },
}

impl Schema {
    pub fn refs(&self) -> Vec<String> {
        let mut out = Vec::new();
        match self {
            Schema::Struct { fields, .. } => fields.iter().for_each(|f| f.ty.refs(&mut out)),
            Schema::Alias { ty, .. } => ty.refs(&mut out),
            Schema::Enum { .. } => {}
        }
        out
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Param {
    pub name: String,
    pub location: String,
    pub required: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Response {
    pub status: u16,
    pub body: Option<String>,
    pub signed: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Op {
    pub id: String,
    pub summary: String,
    pub method: String,
    pub path: String,
    pub request_body: Option<String>,
    pub request_content_types: Vec<String>,
    pub params: Vec<Param>,
    pub responses: Vec<Response>,
    pub scopes: Vec<String>,
    pub idempotent: bool,
    pub signed: bool,
    pub extension: bool,
}

/// One spec reduced to types and operations.
#[derive(Clone, Debug, Default)]
pub struct Module {
    pub title: String,
    /// Named types, sorted by name.
    pub schemas: BTreeMap<String, Schema>,
    pub ops: Vec<Op>,
    /// A profile's narrowing per type name (see `narrow`): empty for OBIE's own modules.
    pub narrowing: BTreeMap<String, crate::narrow::Node>,
}

/// Patterns the spec writes in a form the regex engine cannot take, and their equivalents.
const PATTERN_FIXES: &[(&str, &str, &str)] = &[
    (
        r"^(?!\s)(.*)(\S)$",
        r"^\S(?:.*\S)?$",
        "same language without look-ahead",
    ),
    (r"^\\w{0,4}$", r"^\w{0,4}$", "the spec escapes \\w twice"),
];

/// Patterns whose strings are decimals: these fields are typed `Amount`.
const DECIMAL_PATTERNS: &[&str] = &[
    r"^\d{1,13}$|^\d{1,13}\.\d{1,5}$",
    r"^(-?\d{1,14}){1}(\.\d{1,4}){0,1}$",
    r"^(-?\d{1,3}){1}(\.\d{1,4}){0,1}$",
];

pub fn fix_pattern(p: &str) -> Result<String, String> {
    let fixed = PATTERN_FIXES
        .iter()
        .find(|(from, _, _)| *from == p)
        .map_or(p, |(_, to, _)| *to);
    // The model matches patterns with its own engine: a pattern it cannot parse is refused
    // here, so that generated code holds none.
    crate::pattern::Matcher::new(fixed)
        .map_err(|e| format!("pattern {p:?} is not supported: {e}"))?;
    Ok(fixed.to_owned())
}

pub fn pascal(s: &str) -> String {
    let mut out = String::new();
    for part in s
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|p| !p.is_empty())
    {
        let mut cs = part.chars();
        if let Some(c) = cs.next() {
            out.push(c.to_ascii_uppercase());
            out.extend(cs);
        }
    }
    out
}

fn clean_doc(s: Option<&str>) -> String {
    let s = s.unwrap_or("").replace('\r', "");
    s.lines()
        .map(str::trim)
        .collect::<Vec<_>>()
        .join("\n")
        .trim()
        .to_owned()
}

struct Builder<'a> {
    spec: &'a Value,
    components: &'a Map<String, Value>,
    schemas: BTreeMap<String, Schema>,
    /// Canonical JSON of an inline (or named) object/enum schema -> its type name.
    interned: HashMap<String, String>,
    taken: std::collections::HashSet<String>,
}

fn ref_name(r: &str) -> Result<String, String> {
    r.strip_prefix("#/components/schemas/")
        .map(str::to_owned)
        .ok_or_else(|| format!("unsupported $ref {r:?}"))
}

/// Reduces `allOf` forms the specs use: a `$ref` plus description-only parts becomes the `$ref`;
/// several object parts merge into one object.
fn normalize<'s>(b: &Builder<'s>, s: &'s Value) -> Result<std::borrow::Cow<'s, Value>, String> {
    let Some(parts) = s.get("allOf").and_then(Value::as_array) else {
        return Ok(std::borrow::Cow::Borrowed(s));
    };
    let refs: Vec<&Value> = parts.iter().filter(|p| p.get("$ref").is_some()).collect();
    let shaped = |p: &Value| p.get("properties").is_some() || p.get("type").is_some();
    let others_shapeless = parts
        .iter()
        .filter(|p| p.get("$ref").is_none())
        .all(|p| !shaped(p));
    if refs.len() == 1 && others_shapeless {
        let mut out = Map::new();
        out.insert("$ref".into(), refs[0]["$ref"].clone());
        if let Some(d) = parts.iter().chain([s]).find_map(|p| p.get("description")) {
            out.insert("description".into(), d.clone());
        }
        return Ok(std::borrow::Cow::Owned(Value::Object(out)));
    }
    let mut props = Map::new();
    let mut required: Vec<Value> = Vec::new();
    for p in parts {
        let p = match p.get("$ref").and_then(Value::as_str) {
            Some(r) => b.component(&ref_name(r)?)?,
            None => p,
        };
        let p = normalize(b, p)?;
        if let Some(m) = p.get("properties").and_then(Value::as_object) {
            for (k, v) in m {
                props.insert(k.clone(), v.clone());
            }
        }
        if let Some(r) = p.get("required").and_then(Value::as_array) {
            required.extend(r.iter().cloned());
        }
    }
    let mut out = Map::new();
    out.insert("type".into(), Value::String("object".into()));
    if let Some(d) = s.get("description") {
        out.insert("description".into(), d.clone());
    }
    out.insert("required".into(), Value::Array(required));
    out.insert("properties".into(), Value::Object(props));
    out.insert("additionalProperties".into(), Value::Bool(false));
    Ok(std::borrow::Cow::Owned(Value::Object(out)))
}

fn canonical_key(kind: &str, s: &Value) -> String {
    let mut s = s.clone();
    if let Some(m) = s.as_object_mut() {
        m.shift_remove("description");
    }
    format!("{kind}:{s}")
}

fn is_enum(s: &Value) -> bool {
    s.get("enum").is_some() || s.get("x-namespaced-enum").is_some()
}

fn is_struct(s: &Value) -> bool {
    s.get("properties")
        .and_then(Value::as_object)
        .is_some_and(|p| !p.is_empty())
}

impl<'a> Builder<'a> {
    fn component(&self, name: &str) -> Result<&'a Value, String> {
        self.components
            .get(name)
            .ok_or_else(|| format!("$ref to unknown schema {name}"))
    }

    fn fresh_name(&mut self, base: &str) -> String {
        let mut name = base.to_owned();
        let mut n = 2;
        while self.taken.contains(&name) {
            name = format!("{base}{n}");
            n += 1;
        }
        self.taken.insert(name.clone());
        name
    }

    fn checks(&self, s: &Value) -> Result<Checks, String> {
        let u = |k: &str| s.get(k).and_then(Value::as_u64);
        let mut c = Checks {
            min_len: u("minLength"),
            max_len: u("maxLength"),
            pattern: s
                .get("pattern")
                .and_then(Value::as_str)
                .map(fix_pattern)
                .transpose()?,
            min_items: u("minItems"),
            max_items: u("maxItems"),
            minimum: s.get("minimum").and_then(Value::as_i64),
            allowed: s
                .get("x-allowed-values")
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(Value::as_str)
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default(),
            items: None,
        };
        if let Some(items) = s.get("items") {
            let items = normalize(self, items)?;
            let mut ic = self.checks(&items)?;
            if let Some(r) = items.get("$ref").and_then(Value::as_str) {
                ic.fold(&self.alias_checks(&ref_name(r)?)?);
            }
            if !ic.is_empty() {
                c.items = Some(Box::new(ic));
            }
        }
        Ok(c)
    }

    /// The constraints of a named primitive or array schema (folded along alias chains).
    fn alias_checks(&self, name: &str) -> Result<Checks, String> {
        let s = normalize(self, self.component(name)?)?;
        if is_struct(&s) || is_enum(&s) || s.get("type").and_then(Value::as_str) == Some("object") {
            return Ok(Checks::default());
        }
        let mut c = self.checks(&s)?;
        if let Some(r) = s.get("$ref").and_then(Value::as_str) {
            c.fold(&self.alias_checks(&ref_name(r)?)?);
        }
        Ok(c)
    }

    fn doc_of_ref(&self, name: &str) -> String {
        self.components
            .get(name)
            .map(|s| clean_doc(s.get("description").and_then(Value::as_str)))
            .unwrap_or_default()
    }

    /// The type of a property or item schema; inline objects and enums become named types.
    fn ty_of(&mut self, context: &str, s: &Value) -> Result<(Ty, Checks), String> {
        let s = normalize(self, s)?.into_owned();
        if let Some(r) = s.get("$ref").and_then(Value::as_str) {
            let name = ref_name(r)?;
            self.component(&name)?;
            let mut checks = self.checks(&s)?;
            checks.fold(&self.alias_checks(&name)?);
            return Ok((Ty::Ref(name), checks));
        }
        let checks = self.checks(&s)?;
        if is_enum(&s) {
            let mut plain = s.clone();
            if let Some(m) = plain.as_object_mut() {
                m.shift_remove("x-allowed-values");
            }
            let name = self.intern(context, "enum", &plain)?;
            return Ok((
                Ty::Ref(name),
                Checks {
                    allowed: checks.allowed,
                    ..Checks::default()
                },
            ));
        }
        let ty = match s.get("type").and_then(Value::as_str) {
            Some("object") | None if is_struct(&s) => {
                let name = self.intern(context, "struct", &s)?;
                return Ok((Ty::Ref(name), Checks::default()));
            }
            Some("object") => Ty::JsonObject,
            Some("string") => match (
                s.get("format").and_then(Value::as_str),
                checks.pattern.as_deref(),
            ) {
                (Some("date-time"), _) => Ty::DateTime,
                (_, Some(p)) if DECIMAL_PATTERNS.contains(&p) => Ty::Amount,
                _ => Ty::String,
            },
            Some("integer") => match s.get("format").and_then(Value::as_str) {
                Some("int32") => Ty::I32,
                _ => Ty::I64,
            },
            Some("number") => Ty::Number,
            Some("boolean") => Ty::Bool,
            Some("array") => {
                let items = s
                    .get("items")
                    .ok_or_else(|| format!("{context}: array without items"))?;
                let (item, _) = self.ty_of(context, items)?;
                Ty::Vec(Box::new(item))
            }
            None => Ty::Json,
            Some(other) => return Err(format!("{context}: unsupported type {other:?}")),
        };
        Ok((ty, checks))
    }

    fn intern(&mut self, context: &str, kind: &str, s: &Value) -> Result<String, String> {
        let key = canonical_key(kind, s);
        if let Some(name) = self.interned.get(&key) {
            return Ok(name.clone());
        }
        let name = self.fresh_name(context);
        self.interned.insert(key, name.clone());
        let def = self.define(&name, s)?;
        self.schemas.insert(name.clone(), def);
        Ok(name)
    }

    fn define(&mut self, name: &str, s: &Value) -> Result<Schema, String> {
        let s = normalize(self, s)?.into_owned();
        let doc = clean_doc(s.get("description").and_then(Value::as_str));
        let extension = s
            .get("x-monzo-extension")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        if let Some(r) = s.get("$ref").and_then(Value::as_str) {
            let target = ref_name(r)?;
            let doc = if doc.is_empty() {
                self.doc_of_ref(&target)
            } else {
                doc
            };
            return Ok(Schema::Alias {
                doc,
                ty: Ty::Ref(target),
                checks: Checks::default(),
            });
        }
        if is_enum(&s) {
            let list = s
                .get("enum")
                .or_else(|| s.get("x-namespaced-enum"))
                .and_then(Value::as_array);
            let codes = list
                .ok_or_else(|| format!("{name}: enum is not an array"))?
                .iter()
                .map(|v| {
                    v.as_str()
                        .map(str::to_owned)
                        .ok_or_else(|| format!("{name}: non-string code {v}"))
                })
                .collect::<Result<Vec<_>, _>>()?;
            let open = s.get("x-namespaced-enum").is_some()
                || s.get("x-open-enum").and_then(Value::as_bool) == Some(true);
            return Ok(Schema::Enum {
                doc,
                codes,
                extension,
                open,
            });
        }
        if is_struct(&s) {
            let required: Vec<&str> = s
                .get("required")
                .and_then(Value::as_array)
                .map(|r| r.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            let props = s["properties"].as_object().cloned().unwrap_or_default();
            if props.len() > 128 {
                return Err(format!("{name}: more than 128 properties"));
            }
            // A spec may require a field it never defines (OBCharge2 in VRP v3.1.10): such a
            // name cannot be typed, so it is noted in the docs instead.
            let undefined: Vec<&str> = required
                .iter()
                .copied()
                .filter(|r| !props.contains_key(*r))
                .collect();
            let doc = if undefined.is_empty() {
                doc
            } else {
                format!(
                    "{doc}\n\nThe spec also lists {} as required without defining {}; they are kept in `extra` when present.",
                    undefined.iter().map(|u| format!("`{u}`")).collect::<Vec<_>>().join(", "),
                    if undefined.len() == 1 { "it" } else { "them" }
                )
            };
            let mut fields = Vec::new();
            for (prop, ps) in &props {
                let ctx = format!("{name}{}", pascal(prop));
                let (ty, checks) = self.ty_of(&ctx, ps)?;
                let ps = normalize(self, ps)?;
                let mut doc = clean_doc(ps.get("description").and_then(Value::as_str));
                if doc.is_empty() {
                    if let Ty::Ref(t) = &ty {
                        doc = self.doc_of_ref(t);
                    }
                }
                fields.push(Field {
                    json: prop.clone(),
                    doc,
                    ty,
                    required: required.contains(&prop.as_str()),
                    checks,
                });
            }
            let open = !matches!(s.get("additionalProperties"), Some(Value::Bool(false)));
            return Ok(Schema::Struct {
                doc,
                fields,
                open,
                extension,
            });
        }
        let (ty, checks) = self.ty_of(name, &s)?;
        Ok(Schema::Alias { doc, ty, checks })
    }

    fn resolve<'v>(&self, v: &'v Value, kind: &str) -> Result<&'v Value, String>
    where
        'a: 'v,
    {
        match v.get("$ref").and_then(Value::as_str) {
            Some(r) => {
                let prefix = format!("#/components/{kind}/");
                let name = r
                    .strip_prefix(&prefix)
                    .ok_or_else(|| format!("unsupported $ref {r:?}"))?;
                self.spec["components"][kind]
                    .get(name)
                    .ok_or_else(|| format!("$ref to unknown {kind} {name}"))
            }
            None => Ok(v),
        }
    }

    fn body_type(
        &mut self,
        context: &str,
        content: Option<&Value>,
    ) -> Result<(Option<String>, Vec<String>), String> {
        let Some(content) = content.and_then(Value::as_object) else {
            return Ok((None, Vec::new()));
        };
        let types: Vec<String> = content.keys().cloned().collect();
        let json = content
            .iter()
            .find(|(k, _)| k.starts_with("application/json"))
            .map(|(_, v)| v);
        let body = match json.and_then(|m| m.get("schema")) {
            Some(s) => match self.ty_of(context, s)?.0 {
                Ty::Ref(n) => Some(n),
                _ => None,
            },
            None => None,
        };
        Ok((body, types))
    }

    fn operations(&mut self) -> Result<Vec<Op>, String> {
        let mut ops = Vec::new();
        let paths = self
            .spec
            .get("paths")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        for (path, item) in &paths {
            let item = item
                .as_object()
                .ok_or_else(|| format!("path {path} is not an object"))?;
            let shared: Vec<Value> = item
                .get("parameters")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            for (method, op) in item {
                if !["get", "post", "put", "delete", "patch"].contains(&method.as_str()) {
                    continue;
                }
                let id = op
                    .get("operationId")
                    .and_then(Value::as_str)
                    .map(str::to_owned)
                    .unwrap_or_else(|| format!("{}{}", pascal(method), pascal(path)));
                let mut params = Vec::new();
                for p in shared.iter().chain(
                    op.get("parameters")
                        .and_then(Value::as_array)
                        .into_iter()
                        .flatten(),
                ) {
                    let p = self.resolve(p, "parameters")?;
                    let location = p["in"].as_str().unwrap_or("query").to_owned();
                    params.push(Param {
                        name: p["name"].as_str().unwrap_or_default().to_owned(),
                        required: location == "path"
                            || p.get("required").and_then(Value::as_bool).unwrap_or(false),
                        location,
                    });
                }
                let (request_body, request_content_types) = match op.get("requestBody") {
                    Some(rb) => {
                        let rb = self.resolve(rb, "requestBodies")?.clone();
                        self.body_type(&format!("{}Request", pascal(&id)), rb.get("content"))?
                    }
                    None => (None, Vec::new()),
                };
                let mut responses = Vec::new();
                if let Some(rs) = op.get("responses").and_then(Value::as_object) {
                    for (status, r) in rs {
                        let Ok(status) = status.parse::<u16>() else {
                            continue;
                        };
                        let r = self.resolve(r, "responses")?.clone();
                        let (body, _) =
                            self.body_type(&format!("{}Response", pascal(&id)), r.get("content"))?;
                        let signed = r
                            .get("headers")
                            .and_then(|h| h.get("x-jws-signature"))
                            .is_some();
                        responses.push(Response {
                            status,
                            body,
                            signed,
                        });
                    }
                }
                let scopes = op
                    .get("security")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_object)
                    .flat_map(|m| m.values())
                    .filter_map(Value::as_array)
                    .flatten()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect();
                let has = |n: &str| {
                    params
                        .iter()
                        .any(|p: &Param| p.name.eq_ignore_ascii_case(n))
                };
                ops.push(Op {
                    idempotent: has("x-idempotency-key"),
                    signed: has("x-jws-signature"),
                    summary: op
                        .get("summary")
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_owned(),
                    method: method.to_uppercase(),
                    path: path.clone(),
                    extension: op
                        .get("x-monzo-extension")
                        .and_then(Value::as_bool)
                        .unwrap_or(false),
                    id,
                    request_body,
                    request_content_types,
                    params,
                    responses,
                    scopes,
                });
            }
        }
        Ok(ops)
    }
}

/// Builds the intermediate model of one spec.
pub fn build(spec: &Value) -> Result<Module, String> {
    static EMPTY: std::sync::LazyLock<Map<String, Value>> = std::sync::LazyLock::new(Map::new);
    let components = spec
        .get("components")
        .and_then(|c| c.get("schemas"))
        .and_then(Value::as_object)
        .unwrap_or(&EMPTY);
    let mut b = Builder {
        spec,
        components,
        schemas: BTreeMap::new(),
        interned: HashMap::new(),
        taken: components.keys().cloned().collect(),
    };
    // Named object and enum schemas are interned first, so identical inline ones reuse them.
    for (name, s) in components {
        if is_struct(s) {
            b.interned
                .entry(canonical_key("struct", s))
                .or_insert_with(|| name.clone());
        } else if is_enum(s) {
            b.interned
                .entry(canonical_key("enum", s))
                .or_insert_with(|| name.clone());
        }
    }
    for (name, s) in components {
        let def = b
            .define(name, s)
            .map_err(|e| format!("schema {name}: {e}"))?;
        b.schemas.insert(name.clone(), def);
    }
    let ops = b.operations()?;
    // Every referenced type must exist.
    for (name, s) in &b.schemas {
        for r in s.refs() {
            if !b.schemas.contains_key(&r) {
                return Err(format!("schema {name} refers to missing {r}"));
            }
        }
    }
    let mut schemas = b.schemas;
    merge_same_shapes(&mut schemas);
    Ok(Module {
        title: spec["info"]["title"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
        schemas,
        ops,
        narrowing: BTreeMap::new(),
    })
}

/// A type's shape: everything that decides its layout and its checks, docs aside, with the
/// types it refers to named by their representatives in `rep`. `None` for aliases.
fn shape_key(s: &Schema, rep: &BTreeMap<String, String>) -> Option<String> {
    fn ty(t: &Ty, rep: &BTreeMap<String, String>) -> String {
        match t {
            Ty::Ref(n) => format!("Ref({})", rep.get(n).unwrap_or(n)),
            Ty::Vec(t) => format!("Vec({})", ty(t, rep)),
            other => format!("{other:?}"),
        }
    }
    match s {
        Schema::Struct {
            fields,
            open,
            extension,
            ..
        } => {
            let mut key = format!("struct {open} {extension}");
            for f in fields {
                key.push_str(&format!(
                    "|{}:{}:{}:{:?}",
                    f.json,
                    ty(&f.ty, rep),
                    f.required,
                    f.checks
                ));
            }
            Some(key)
        }
        Schema::Enum {
            codes,
            extension,
            open,
            ..
        } => Some(format!("enum {open} {extension} {codes:?}")),
        Schema::Alias { .. } => None,
    }
}

/// Types of one spec with the same shape, docs aside (OBIE's
/// `OBActiveOrHistoricCurrencyAndAmount_0` to `_11` differ only in their descriptions), become
/// one type: the first name keeps the definition, the others become aliases of it with their
/// own description. Computed to a fixed point, so types that differ only in which of those
/// they refer to merge too.
fn merge_same_shapes(schemas: &mut BTreeMap<String, Schema>) {
    let mut rep: BTreeMap<String, String> =
        schemas.keys().map(|n| (n.clone(), n.clone())).collect();
    loop {
        let mut first_of: HashMap<String, String> = HashMap::new();
        let mut next = rep.clone();
        for (name, s) in schemas.iter() {
            if let Some(key) = shape_key(s, &rep) {
                let first = first_of.entry(key).or_insert_with(|| name.clone());
                next.insert(name.clone(), first.clone());
            }
        }
        if next == rep {
            break;
        }
        rep = next;
    }
    for (name, target) in rep {
        if name == target {
            continue;
        }
        if let Some(s) = schemas.get_mut(&name) {
            let doc = match s {
                Schema::Struct { doc, .. }
                | Schema::Enum { doc, .. }
                | Schema::Alias { doc, .. } => doc.clone(),
            };
            let doc = if doc.is_empty() {
                format!("The same type as `{target}` (the spec names it apart).")
            } else {
                format!("{doc}\n\nThe same type as `{target}`, whose shape it has (the spec names it apart).")
            };
            *s = Schema::Alias {
                doc,
                ty: Ty::Ref(target),
                checks: Checks::default(),
            };
        }
    }
}

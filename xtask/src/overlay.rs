//! The Monzo extension pass: merge an extension OpenAPI document into an upstream spec, then apply
//! an OpenAPI Overlay 1.0 document to it.
//!
//! Overlay targets are JSONPath expressions; we support the subset the overlays need: `$`,
//! `.name`, `['name']` / `["name"]` and `[*]` (every element or member). Actions `update`
//! (merge: objects recursively, arrays appended, anything else replaced) and `remove`. A target
//! that selects nothing is an error, so a spec change cannot silently disable an overlay action.

use serde_json::{Map, Value};

#[derive(Debug, Clone, PartialEq)]
enum Step {
    Name(String),
    Wildcard,
}

fn parse_path(expr: &str) -> Result<Vec<Step>, String> {
    let err = |why: &str| format!("unsupported JSONPath {expr:?}: {why}");
    let mut rest = expr
        .strip_prefix('$')
        .ok_or_else(|| err("must start with $"))?;
    let mut steps = Vec::new();
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix("[*]").or_else(|| rest.strip_prefix(".*")) {
            steps.push(Step::Wildcard);
            rest = r;
        } else if let Some(r) = rest.strip_prefix("['").or_else(|| rest.strip_prefix("[\"")) {
            let quote = if rest.starts_with("['") { "']" } else { "\"]" };
            let end = r.find(quote).ok_or_else(|| err("unclosed bracket"))?;
            steps.push(Step::Name(r[..end].to_owned()));
            rest = &r[end + 2..];
        } else if let Some(r) = rest.strip_prefix('.') {
            let end = r.find(['.', '[']).unwrap_or(r.len());
            if end == 0 {
                return Err(err("empty name"));
            }
            steps.push(Step::Name(r[..end].to_owned()));
            rest = &r[end..];
        } else {
            return Err(err("expected .name or ['name']"));
        }
    }
    Ok(steps)
}

fn select_mut<'a>(root: &'a mut Value, steps: &[Step], out: &mut Vec<&'a mut Value>) {
    let Some((first, rest)) = steps.split_first() else {
        out.push(root);
        return;
    };
    match (first, root) {
        (Step::Name(n), Value::Object(m)) => {
            if let Some(v) = m.get_mut(n) {
                select_mut(v, rest, out);
            }
        }
        (Step::Wildcard, Value::Object(m)) => {
            for v in m.values_mut() {
                select_mut(v, rest, out);
            }
        }
        (Step::Wildcard, Value::Array(a)) => {
            for v in a.iter_mut() {
                select_mut(v, rest, out);
            }
        }
        _ => {}
    }
}

/// Merges `update` into `target` as Overlay 1.0 `update` does.
pub fn merge(target: &mut Value, update: &Value) {
    match (target, update) {
        (Value::Object(t), Value::Object(u)) => {
            for (k, v) in u {
                match t.get_mut(k) {
                    Some(existing) => merge(existing, v),
                    None => {
                        t.insert(k.clone(), v.clone());
                    }
                }
            }
        }
        (Value::Array(t), Value::Array(u)) => t.extend(u.iter().cloned()),
        (Value::Array(t), u) => t.push(u.clone()),
        (t, u) => *t = u.clone(),
    }
}

/// Applies an Overlay 1.0 document to `spec`.
pub fn apply_overlay(spec: &mut Value, overlay: &Value, name: &str) -> Result<(), String> {
    if overlay.get("overlay").and_then(Value::as_str) != Some("1.0.0") {
        return Err(format!(
            "{name}: not an Overlay 1.0.0 document (missing `overlay: 1.0.0`)"
        ));
    }
    let actions = overlay
        .get("actions")
        .and_then(Value::as_array)
        .ok_or_else(|| format!("{name}: `actions` must be an array"))?;
    for (i, action) in actions.iter().enumerate() {
        let target = action
            .get("target")
            .and_then(Value::as_str)
            .ok_or_else(|| format!("{name}: action {i} has no target"))?;
        let steps = parse_path(target).map_err(|e| format!("{name}: action {i}: {e}"))?;
        let remove = action
            .get("remove")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        if remove {
            let (last, parent_steps) = steps
                .split_last()
                .ok_or_else(|| format!("{name}: action {i}: cannot remove the root"))?;
            let Step::Name(last) = last else {
                return Err(format!(
                    "{name}: action {i}: remove needs a named last step"
                ));
            };
            let mut parents = Vec::new();
            select_mut(spec, parent_steps, &mut parents);
            let mut removed = 0;
            for p in parents {
                if let Value::Object(m) = p {
                    if m.shift_remove(last).is_some() {
                        removed += 1;
                    }
                }
            }
            if removed == 0 {
                return Err(format!(
                    "{name}: action {i}: remove target {target} selects nothing"
                ));
            }
            continue;
        }
        let update = action
            .get("update")
            .ok_or_else(|| format!("{name}: action {i} has neither update nor remove"))?;
        let mut nodes = Vec::new();
        select_mut(spec, &steps, &mut nodes);
        if nodes.is_empty() {
            return Err(format!(
                "{name}: action {i}: target {target} selects nothing"
            ));
        }
        for node in nodes {
            merge(node, update);
        }
    }
    Ok(())
}

/// Merges an extension OpenAPI document (new paths and components) into `spec`, marking every
/// added operation and schema with `x-monzo-extension: true`. A name the spec already has is an
/// error: changes to existing items belong in the overlay.
pub fn merge_extension(spec: &mut Value, ext: &Value, name: &str) -> Result<(), String> {
    fn obj<'v>(v: &'v mut Value, name: &str) -> Result<&'v mut Map<String, Value>, String> {
        v.as_object_mut()
            .ok_or_else(|| format!("{name}: expected an object"))
    }
    if let Some(paths) = ext.get("paths").and_then(Value::as_object) {
        let spec_paths = obj(
            spec.get_mut("paths")
                .ok_or_else(|| format!("{name}: spec has no paths"))?,
            name,
        )?;
        for (p, item) in paths {
            if spec_paths.contains_key(p) {
                return Err(format!(
                    "{name}: path {p} already exists in the spec; change it in the overlay"
                ));
            }
            let mut item = item.clone();
            if let Some(m) = item.as_object_mut() {
                for (method, op) in m.iter_mut() {
                    if method != "parameters" {
                        if let Some(op) = op.as_object_mut() {
                            op.insert("x-monzo-extension".into(), Value::Bool(true));
                        }
                    }
                }
            }
            spec_paths.insert(p.clone(), item);
        }
    }
    if let Some(components) = ext.get("components").and_then(Value::as_object) {
        let spec_components = obj(
            spec.get_mut("components")
                .ok_or_else(|| format!("{name}: spec has no components"))?,
            name,
        )?;
        for (kind, items) in components {
            let items = items
                .as_object()
                .ok_or_else(|| format!("{name}: components.{kind} must be an object"))?;
            let target = obj(
                spec_components
                    .entry(kind.clone())
                    .or_insert_with(|| Value::Object(Map::new())),
                name,
            )?;
            for (k, v) in items {
                if target.contains_key(k) {
                    return Err(format!(
                        "{name}: components.{kind}.{k} already exists in the spec; change it in the overlay"
                    ));
                }
                let mut v = v.clone();
                if kind == "schemas" {
                    if let Some(m) = v.as_object_mut() {
                        m.insert("x-monzo-extension".into(), Value::Bool(true));
                    }
                }
                target.insert(k.clone(), v);
            }
        }
    }
    Ok(())
}

/// Validation keywords that OpenAPI 3.0 ignores beside a `$ref` (a Reference Object has no
/// siblings), and that the profile puts there.
const REF_SIBLING_CHECKS: &[&str] = &[
    "enum",
    "pattern",
    "not",
    "minLength",
    "maxLength",
    "minimum",
    "maximum",
];

/// Rewrites the profile's own keywords as standard JSON Schema, so that any OpenAPI 3.0 tool
/// (a fuzzer, a validator, a client generator) enforces Monzo's narrowing: `x-allowed-values`
/// becomes `enum` (intersected with an `enum` already there), and a `$ref` with constraints
/// beside it becomes `allOf: [{"$ref": ...}]` plus those constraints. The generator reads the
/// profile's own form; this is for the documents `cargo xtask specs profiled` writes.
///
/// # Errors
///
/// When `x-allowed-values` and the `enum` beside it share no value (the profile would allow
/// nothing), naming the JSON path of the schema.
pub fn as_json_schema(node: &mut Value) -> Result<(), String> {
    rewrite(node, "$")
}

fn rewrite(node: &mut Value, at: &str) -> Result<(), String> {
    match node {
        Value::Object(m) => {
            if let Some(Value::Array(allowed)) = m.shift_remove("x-allowed-values") {
                let narrowed: Vec<Value> = match m.get("enum").and_then(Value::as_array) {
                    Some(codes) => allowed.into_iter().filter(|a| codes.contains(a)).collect(),
                    None => allowed,
                };
                if narrowed.is_empty() {
                    return Err(format!(
                        "{at}: x-allowed-values shares no value with the schema's enum"
                    ));
                }
                m.insert("enum".into(), Value::Array(narrowed));
            }
            let constrained_ref =
                m.contains_key("$ref") && REF_SIBLING_CHECKS.iter().any(|k| m.contains_key(*k));
            if constrained_ref {
                if let Some(r) = m.shift_remove("$ref") {
                    let mut target = Map::new();
                    target.insert("$ref".into(), r);
                    // Keep any allOf already there: the $ref joins it.
                    match m.get_mut("allOf") {
                        Some(Value::Array(all)) => all.insert(0, Value::Object(target)),
                        _ => {
                            m.insert("allOf".into(), Value::Array(vec![Value::Object(target)]));
                        }
                    }
                }
            }
            for (k, v) in m.iter_mut() {
                rewrite(v, &format!("{at}[{k:?}]"))?;
            }
        }
        Value::Array(a) => {
            for (i, v) in a.iter_mut().enumerate() {
                rewrite(v, &format!("{at}[{i}]"))?;
            }
        }
        _ => {}
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn paths() {
        assert_eq!(
            parse_path("$.paths['/a/{b}'].get.parameters").unwrap(),
            vec![
                Step::Name("paths".into()),
                Step::Name("/a/{b}".into()),
                Step::Name("get".into()),
                Step::Name("parameters".into())
            ]
        );
        assert!(parse_path("paths").is_err());
        assert!(parse_path("$..x").is_err());
    }

    #[test]
    fn update_and_remove() {
        let mut spec = json!({"a": {"b": [1], "c": {"d": 1}}, "e": 1});
        let overlay = json!({"overlay": "1.0.0", "actions": [
            {"target": "$.a.b", "update": [2]},
            {"target": "$.a.c", "update": {"d": 2, "x": 3}},
            {"target": "$.e", "remove": true}
        ]});
        apply_overlay(&mut spec, &overlay, "t").unwrap();
        assert_eq!(spec, json!({"a": {"b": [1, 2], "c": {"d": 2, "x": 3}}}));
    }

    #[test]
    fn missing_target_is_an_error() {
        let mut spec = json!({"a": {}});
        let overlay = json!({"overlay": "1.0.0", "actions": [{"target": "$.nope", "update": {}}]});
        let err = apply_overlay(&mut spec, &overlay, "t").unwrap_err();
        assert!(err.contains("selects nothing"), "{err}");
    }

    #[test]
    fn profile_keywords_become_json_schema() {
        let mut doc = json!({"properties": {
            "Currency": {"$ref": "#/c", "x-allowed-values": ["GBP"], "description": "d"},
            "Type": {"type": "string", "enum": ["A", "B", "C"], "x-allowed-values": ["C", "A", "Z"]},
            "Name": {"type": "string", "x-allowed-values": ["x"]},
            "Amount": {"$ref": "#/a", "pattern": "^1$", "not": {"pattern": "^0$"}},
            "Plain": {"$ref": "#/p", "description": "only docs"}
        }});
        as_json_schema(&mut doc).unwrap();
        assert_eq!(
            doc,
            json!({"properties": {
                "Currency": {"description": "d", "enum": ["GBP"], "allOf": [{"$ref": "#/c"}]},
                "Type": {"type": "string", "enum": ["C", "A"]},
                "Name": {"type": "string", "enum": ["x"]},
                "Amount": {"pattern": "^1$", "not": {"pattern": "^0$"}, "allOf": [{"$ref": "#/a"}]},
                "Plain": {"$ref": "#/p", "description": "only docs"}
            }})
        );
    }

    #[test]
    fn profile_keywords_keep_an_existing_all_of_and_refuse_an_empty_enum() {
        let mut doc = json!({"A": {"$ref": "#/a", "allOf": [{"required": ["x"]}], "maxLength": 3}});
        as_json_schema(&mut doc).unwrap();
        assert_eq!(
            doc,
            json!({"A": {"allOf": [{"$ref": "#/a"}, {"required": ["x"]}], "maxLength": 3}})
        );
        let mut doc = json!({"p": {"B": {"enum": ["A"], "x-allowed-values": ["Z"]}}});
        let err = as_json_schema(&mut doc).unwrap_err();
        assert!(err.contains(r#"$["p"]["B"]"#), "{err}");
    }

    #[test]
    fn extension_names_must_be_new() {
        let mut spec = json!({"paths": {"/a": {}}, "components": {"schemas": {"A": {}}}});
        let ext = json!({"components": {"schemas": {"A": {}}}});
        assert!(merge_extension(&mut spec, &ext, "t").is_err());
        let ext = json!({"paths": {"/b": {"get": {}}}, "components": {"schemas": {"B": {}}}});
        merge_extension(&mut spec, &ext, "t").unwrap();
        assert_eq!(spec["paths"]["/b"]["get"]["x-monzo-extension"], json!(true));
    }
}

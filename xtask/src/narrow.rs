//! Monzo's narrowing as validation data instead of copied types.
//!
//! Monzo's profile of an OBIE spec (`specs/monzo/`) mostly narrows OBIE's types: fewer allowed
//! values (`x-allowed-values`), a stricter pattern, a field OBIE makes optional made required,
//! other descriptions. Such a type has OBIE's layout, so it is OBIE's type: this pass pairs each
//! Monzo type with the OBIE type it narrows (by name, then field by field down the tree), keeps
//! the OBIE type in the Monzo module (so planning re-exports it), and records what Monzo adds as
//! a [`Node`]: per field, Monzo's rules, whether Monzo requires it, and the narrowing of the
//! field's own type. Only a real layout change (a typed `SupplementaryData`, a new member, a
//! member typed by Monzo's own code list, an enum with Monzo's codes) keeps a Monzo type, and
//! such a type carries the narrowing of the OBIE types below it.
//!
//! Pairing is the greatest fixed point: a pair holds while every field pairs, assuming the
//! pairs it leads to hold; pairs whose fields do not match are dropped until none is.

use std::collections::{BTreeMap, BTreeSet};

use crate::ir::{Checks, Field, Module, Schema, Ty};

/// Monzo's narrowing of one OBIE object type at one place of a document.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Node {
    /// The fields Monzo narrows, in field order.
    pub fields: Vec<FieldNode>,
}

/// Monzo's narrowing of one field.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct FieldNode {
    /// The field's index in the object's field table.
    pub index: usize,
    /// The field's JSON name.
    pub json: String,
    /// Monzo requires a field OBIE makes optional.
    pub required: bool,
    /// Monzo's rules for the field, in place of OBIE's (`None`: OBIE's).
    pub checks: Option<Checks>,
    /// OBIE's rules for the field (to say what Monzo changes).
    pub obie_checks: Checks,
    /// Monzo's description of the field, where it differs from OBIE's.
    pub doc: String,
    /// The narrowing of the field's type (of each element, for an array).
    pub inner: Option<Box<Node>>,
}

/// A Monzo type name and the OBIE type name it narrows (both resolved past plain aliases).
type Pair = (String, String);

/// The type a plain alias (`X = Y`, no rules) stands for; other names stand for themselves.
fn resolve<'m>(m: &'m Module, name: &'m str) -> &'m str {
    let mut n = name;
    for _ in 0..32 {
        match m.schemas.get(n) {
            Some(Schema::Alias {
                ty: Ty::Ref(t),
                checks,
                ..
            }) if checks.is_empty() => n = t,
            _ => break,
        }
    }
    n
}

fn is_named_type(m: &Module, name: &str) -> bool {
    matches!(
        m.schemas.get(name),
        Some(Schema::Struct { .. } | Schema::Enum { .. })
    )
}

/// Normalized checks: an empty element rule is no element rule.
fn norm(c: &Checks) -> Checks {
    let mut c = c.clone();
    if c.items.as_ref().is_some_and(|i| norm(i).is_empty()) {
        c.items = None;
    }
    if let Some(i) = c.items.as_mut() {
        **i = norm(i);
    }
    c
}

/// Whether Monzo's checks `m` narrow OBIE's `o` (or equal them): every bound at least as
/// tight, every OBIE rule kept, allowed values a subset. A pattern Monzo replaces is taken as
/// Monzo's (the profile's patterns are OBIE's with fewer decimals or a fixed form).
fn narrows(m: &Checks, o: &Checks) -> bool {
    fn lower(m: Option<u64>, o: Option<u64>) -> bool {
        match (m, o) {
            (_, None) => true,
            (Some(m), Some(o)) => m >= o,
            (None, Some(_)) => false,
        }
    }
    fn upper(m: Option<u64>, o: Option<u64>) -> bool {
        match (m, o) {
            (_, None) => true,
            (Some(m), Some(o)) => m <= o,
            (None, Some(_)) => false,
        }
    }
    let minimum = match (m.minimum, o.minimum) {
        (_, None) => true,
        (Some(m), Some(o)) => m >= o,
        (None, Some(_)) => false,
    };
    let items = match (&m.items, &o.items) {
        (_, None) => true,
        (Some(mi), Some(oi)) => narrows(mi, oi),
        (None, Some(_)) => false,
    };
    lower(m.min_len, o.min_len)
        && upper(m.max_len, o.max_len)
        && lower(m.min_items, o.min_items)
        && upper(m.max_items, o.max_items)
        && minimum
        && (o.pattern.is_none() || m.pattern.is_some())
        && (o.allowed.is_empty() || m.allowed.iter().all(|a| o.allowed.contains(a)))
        && items
}

struct Pass<'a> {
    monzo: &'a Module,
    obie: &'a Module,
    /// OBIE names no pair may use (a Monzo type of that name keeps its own definition).
    blocked: BTreeSet<String>,
}

impl Pass<'_> {
    /// The pair two field types lead to, or whether they are the same primitive.
    fn ty_pairs(&self, m: &Ty, o: &Ty, out: &mut Vec<Pair>) -> bool {
        match (m, o) {
            (Ty::Vec(m), Ty::Vec(o)) => self.ty_pairs(m, o, out),
            (Ty::Ref(a), Ty::Ref(b)) => {
                let (ra, rb) = (resolve(self.monzo, a), resolve(self.obie, b));
                match (is_named_type(self.monzo, ra), is_named_type(self.obie, rb)) {
                    (true, true) => {
                        out.push((ra.to_owned(), rb.to_owned()));
                        true
                    }
                    // Primitive aliases: their rules are folded into the field's.
                    (false, false) => {
                        prim(self.monzo, ra).is_some()
                            && prim(self.monzo, ra) == prim(self.obie, rb)
                    }
                    _ => false,
                }
            }
            (Ty::Ref(a), p) => prim(self.monzo, resolve(self.monzo, a)) == Some(p.clone()),
            (p, Ty::Ref(b)) => prim(self.obie, resolve(self.obie, b)) == Some(p.clone()),
            (a, b) => a == b,
        }
    }

    /// Whether `m` (Monzo) has `o`'s (OBIE) layout, given that the pairs it leads to hold;
    /// those pairs go to `out`.
    fn matches(&self, m: &str, o: &str, out: &mut Vec<Pair>) -> bool {
        let layout = match (&self.monzo.schemas[m], &self.obie.schemas[o]) {
            (
                Schema::Struct {
                    fields: mf,
                    open: mo,
                    extension: false,
                    ..
                },
                Schema::Struct {
                    fields: of,
                    open: oo,
                    ..
                },
            ) => {
                // Every field is tried, so that the fields of a Monzo type that keeps its own
                // layout still pair with OBIE's (they become OBIE's types, narrowed).
                let mut all = mo == oo && mf.len() == of.len();
                for (i, a) in mf.iter().enumerate() {
                    let Some(b) = of.iter().find(|b| b.json == a.json) else {
                        all = false;
                        continue;
                    };
                    let same_ty = self.ty_pairs(&a.ty, &b.ty, out);
                    all &= of.get(i).is_some_and(|c| c.json == a.json)
                        && same_ty
                        && (a.required || !b.required)
                        && narrows(&norm(&a.checks), &norm(&b.checks));
                }
                all
            }
            (
                Schema::Enum {
                    codes: mc,
                    open: mo,
                    extension: false,
                    ..
                },
                Schema::Enum {
                    codes: oc,
                    open: oo,
                    ..
                },
            ) => mc == oc && mo == oo,
            _ => false,
        };
        layout && !self.blocked.contains(o)
    }

    /// The pairs that hold: from each Monzo type named as an OBIE type, down the fields.
    fn pairs(&self) -> BTreeSet<Pair> {
        let mut edges: BTreeMap<Pair, Vec<Pair>> = BTreeMap::new();
        let mut failed: BTreeSet<Pair> = BTreeSet::new();
        let mut todo: Vec<Pair> = self
            .monzo
            .schemas
            .keys()
            .filter(|n| is_named_type(self.monzo, n) && is_named_type(self.obie, n))
            .map(|n| (n.clone(), n.clone()))
            .collect();
        while let Some(p) = todo.pop() {
            if edges.contains_key(&p) || failed.contains(&p) {
                continue;
            }
            let mut out = Vec::new();
            let ok = self.matches(&p.0, &p.1, &mut out);
            todo.extend(out.iter().cloned());
            if ok {
                edges.insert(p, out);
            } else {
                failed.insert(p);
            }
        }
        // Greatest fixed point: drop pairs leading to a pair that does not hold.
        loop {
            let drop: Vec<Pair> = edges
                .iter()
                .filter(|(_, to)| to.iter().any(|t| !edges.contains_key(t)))
                .map(|(p, _)| p.clone())
                .collect();
            if drop.is_empty() {
                break;
            }
            for p in drop {
                edges.remove(&p);
            }
        }
        edges.into_keys().collect()
    }
}

/// The primitive type behind a name (an alias chain ending in a primitive), if any.
fn prim(m: &Module, name: &str) -> Option<Ty> {
    match m.schemas.get(name) {
        Some(Schema::Alias { ty: Ty::Ref(t), .. }) => prim(m, t),
        Some(Schema::Alias { ty, .. }) => Some(ty.clone()),
        _ => None,
    }
}

/// The named type a field's type refers to, through arrays.
fn target(ty: &Ty) -> Option<&str> {
    match ty {
        Ty::Ref(n) => Some(n),
        Ty::Vec(t) => target(t),
        _ => None,
    }
}

fn retarget(ty: &Ty, to: &str) -> Ty {
    match ty {
        Ty::Ref(_) => Ty::Ref(to.to_owned()),
        Ty::Vec(t) => Ty::Vec(Box::new(retarget(t, to))),
        other => other.clone(),
    }
}

struct Build<'a> {
    monzo: &'a Module,
    obie: &'a Module,
    pairs: &'a BTreeSet<Pair>,
    memo: BTreeMap<Pair, Option<Node>>,
}

impl Build<'_> {
    /// Monzo's narrowing of the OBIE type `o`, as the Monzo type `m` states it.
    fn node(&mut self, m: &str, o: &str) -> Option<Node> {
        let key = (m.to_owned(), o.to_owned());
        if let Some(n) = self.memo.get(&key) {
            return n.clone();
        }
        // A cycle reads as no narrowing (OBIE's types have none).
        self.memo.insert(key.clone(), None);
        let node = match (&self.monzo.schemas[m], &self.obie.schemas[o]) {
            (Schema::Struct { fields: mf, .. }, Schema::Struct { fields: of, .. }) => {
                let fields: Vec<FieldNode> = mf
                    .iter()
                    .zip(of)
                    .enumerate()
                    .filter_map(|(index, (a, b))| self.field(index, a, b))
                    .collect();
                (!fields.is_empty()).then_some(Node { fields })
            }
            _ => None,
        };
        self.memo.insert(key, node.clone());
        node
    }

    fn field(&mut self, index: usize, a: &Field, b: &Field) -> Option<FieldNode> {
        let (ca, cb) = (norm(&a.checks), norm(&b.checks));
        let checks = (ca != cb).then_some(ca);
        let required = a.required && !b.required;
        let inner = match (target(&a.ty), target(&b.ty)) {
            (Some(x), Some(y)) => {
                let (rx, ry) = (
                    resolve(self.monzo, x).to_owned(),
                    resolve(self.obie, y).to_owned(),
                );
                if self.pairs.contains(&(rx.clone(), ry.clone())) {
                    self.node(&rx, &ry).map(Box::new)
                } else {
                    None
                }
            }
            _ => None,
        };
        (checks.is_some() || required || inner.is_some()).then(|| FieldNode {
            index,
            json: a.json.clone(),
            required,
            checks,
            obie_checks: cb,
            doc: if a.doc != b.doc {
                a.doc.clone()
            } else {
                String::new()
            },
            inner,
        })
    }
}

/// Rewrites the Monzo module `monzo` against the OBIE module `obie` it profiles.
/// The result is the Monzo module to plan, with its `narrowing`: per type name, of an OBIE type
/// Monzo narrows (as a whole document or object), or of a Monzo type whose fields are OBIE types
/// Monzo narrows.
pub fn against(monzo: &Module, obie: &Module) -> Result<Module, String> {
    let mut blocked = BTreeSet::new();
    for _ in 0..64 {
        let pass = Pass {
            monzo,
            obie,
            blocked: blocked.clone(),
        };
        let pairs = pass.pairs();
        match rewrite(monzo, obie, &pairs)? {
            Ok(n) => return Ok(n),
            Err(conflict) => {
                // No pair may need OBIE's type of that name (nor what it stands for).
                blocked.insert(resolve(obie, &conflict).to_owned());
                blocked.insert(conflict);
            }
        }
    }
    Err("narrowing: no stable pairing after 64 rounds".into())
}

/// The rewritten module, or the OBIE name that clashes with a Monzo type kept as its own.
fn rewrite(
    monzo: &Module,
    obie: &Module,
    pairs: &BTreeSet<Pair>,
) -> Result<Result<Module, String>, String> {
    // The OBIE type each paired Monzo type stands for where its own fields are rewritten (the
    // same name when it has one, else the first).
    let mut canon: BTreeMap<&str, &str> = BTreeMap::new();
    for (m, o) in pairs {
        let e = canon.entry(m.as_str()).or_insert(o.as_str());
        if m == o {
            *e = o.as_str();
        }
    }
    let mut build = Build {
        monzo,
        obie,
        pairs,
        memo: BTreeMap::new(),
    };
    let mut out = Module {
        title: monzo.title.clone(),
        schemas: BTreeMap::new(),
        ops: monzo.ops.clone(),
        narrowing: BTreeMap::new(),
    };
    let mut nodes = BTreeMap::new();
    // OBIE types the module must hold: those standing for Monzo types, and what they refer to.
    let mut needed: Vec<String> = canon.values().map(|s| (*s).to_owned()).collect();
    for (name, s) in &monzo.schemas {
        let item = match canon.get(name.as_str()) {
            Some(o) if pairs.contains(&(name.clone(), name.clone())) => {
                // Monzo's type is OBIE's, narrowed.
                if let Some(n) = build.node(name, o) {
                    nodes.insert(name.clone(), n);
                }
                obie.schemas[*o].clone()
            }
            Some(o) => {
                // A Monzo copy of an OBIE type under another name: an alias of it.
                let doc = match s {
                    Schema::Struct { doc, .. }
                    | Schema::Enum { doc, .. }
                    | Schema::Alias { doc, .. } => doc.clone(),
                };
                let note = format!(
                    "The OBIE type `{o}`: Monzo's profile names it apart and narrows it where it is used (`validate_monzo()` checks that)."
                );
                Schema::Alias {
                    doc: if doc.is_empty() {
                        note
                    } else {
                        format!("{doc}\n\n{note}")
                    },
                    ty: Ty::Ref((*o).to_owned()),
                    checks: Checks::default(),
                }
            }
            None => match s {
                Schema::Struct {
                    doc,
                    fields,
                    open,
                    extension,
                } => {
                    // A Monzo type of its own: fields of paired types become the OBIE types,
                    // with their narrowing.
                    let mut node = Vec::new();
                    let fields = fields
                        .iter()
                        .enumerate()
                        .map(|(index, f)| {
                            let mut f = f.clone();
                            if let Some(t) = target(&f.ty).map(|t| resolve(monzo, t).to_owned()) {
                                if let Some(o) = canon.get(t.as_str()) {
                                    f.ty = retarget(&f.ty, o);
                                    if let Some(inner) = build.node(&t, o) {
                                        node.push(FieldNode {
                                            index,
                                            json: f.json.clone(),
                                            required: false,
                                            checks: None,
                                            obie_checks: Checks::default(),
                                            doc: String::new(),
                                            inner: Some(Box::new(inner)),
                                        });
                                    }
                                }
                            }
                            f
                        })
                        .collect();
                    if !node.is_empty() {
                        nodes.insert(name.clone(), Node { fields: node });
                    }
                    Schema::Struct {
                        doc: doc.clone(),
                        fields,
                        open: *open,
                        extension: *extension,
                    }
                }
                Schema::Alias { doc, ty, checks } => {
                    let mut ty = ty.clone();
                    if let Some(t) = target(&ty).map(|t| resolve(monzo, t).to_owned()) {
                        if let Some(o) = canon.get(t.as_str()) {
                            ty = retarget(&ty, o);
                        }
                    }
                    Schema::Alias {
                        doc: doc.clone(),
                        ty,
                        checks: checks.clone(),
                    }
                }
                other => other.clone(),
            },
        };
        out.schemas.insert(name.clone(), item);
    }
    // Bring in the OBIE types the kept OBIE types refer to.
    let mut seen = BTreeSet::new();
    while let Some(n) = needed.pop() {
        if !seen.insert(n.clone()) {
            continue;
        }
        let Some(def) = obie.schemas.get(&n) else {
            return Err(format!("narrowing: OBIE type {n} is missing"));
        };
        match out.schemas.get(&n) {
            Some(have) if have == def => {}
            None => {
                out.schemas.insert(n.clone(), def.clone());
            }
            Some(Schema::Alias { .. }) if same_alias(monzo, obie, &canon, &n) => {
                // An alias standing for the same type (or primitive) in both: OBIE's serves
                // (a primitive's rules live on the fields that use it).
                out.schemas.insert(n.clone(), def.clone());
            }
            Some(_) => return Ok(Err(n)),
        }
        needed.extend(def.refs());
    }
    out.narrowing = nodes;
    Ok(Ok(out))
}

/// Whether the alias `n` stands for the same thing in the Monzo and the OBIE module: the same
/// primitive, or a Monzo type paired with the OBIE type OBIE's alias stands for.
fn same_alias(monzo: &Module, obie: &Module, canon: &BTreeMap<&str, &str>, n: &str) -> bool {
    if let (Some(a), Some(b)) = (prim(monzo, n), prim(obie, n)) {
        return a == b;
    }
    let (rm, ro) = (resolve(monzo, n), resolve(obie, n));
    rm == ro || canon.get(rm) == Some(&ro)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(json: &str, ty: Ty, required: bool, checks: Checks) -> Field {
        Field {
            json: json.into(),
            doc: String::new(),
            ty,
            required,
            checks,
        }
    }

    fn strukt(fields: Vec<Field>) -> Schema {
        Schema::Struct {
            doc: String::new(),
            fields,
            open: false,
            extension: false,
        }
    }

    fn module(types: Vec<(&str, Schema)>) -> Module {
        Module {
            schemas: types.into_iter().map(|(n, s)| (n.to_owned(), s)).collect(),
            ..Module::default()
        }
    }

    fn allowed(v: &[&str]) -> Checks {
        Checks {
            allowed: v.iter().map(|s| (*s).to_owned()).collect(),
            ..Checks::default()
        }
    }

    /// Monzo's copy of OBIE's `Amt` with the currency narrowed to GBP.
    fn gbp_payment_amount() -> (&'static str, Schema) {
        (
            "PaymentAmount",
            strukt(vec![field(
                "Currency",
                Ty::String,
                true,
                Checks {
                    max_len: Some(3),
                    ..allowed(&["GBP"])
                },
            )]),
        )
    }

    /// OBIE: `Payment { Amount: Amt }`, `Amt { Currency }`.
    fn obie() -> Module {
        module(vec![
            (
                "Payment",
                strukt(vec![
                    field("Amount", Ty::Ref("Amt".into()), true, Checks::default()),
                    field("Note", Ty::String, false, Checks::default()),
                ]),
            ),
            (
                "Amt",
                strukt(vec![field(
                    "Currency",
                    Ty::String,
                    true,
                    Checks {
                        max_len: Some(3),
                        ..Checks::default()
                    },
                )]),
            ),
        ])
    }

    #[test]
    fn a_narrowed_copy_under_another_name_becomes_the_obie_type_with_data() {
        let monzo = module(vec![
            (
                "Payment",
                strukt(vec![
                    field(
                        "Amount",
                        Ty::Ref("PaymentAmount".into()),
                        true,
                        Checks::default(),
                    ),
                    // Monzo requires what OBIE leaves optional: still OBIE's layout.
                    field("Note", Ty::String, true, Checks::default()),
                ]),
            ),
            gbp_payment_amount(),
        ]);
        let out = against(&monzo, &obie()).unwrap();
        assert_eq!(out.schemas["Payment"], obie().schemas["Payment"]);
        assert_eq!(out.schemas["Amt"], obie().schemas["Amt"]);
        assert!(
            matches!(&out.schemas["PaymentAmount"], Schema::Alias { ty: Ty::Ref(t), .. } if t == "Amt")
        );
        let node = &out.narrowing["Payment"];
        assert_eq!(node.fields.len(), 2);
        let amount = &node.fields[0];
        assert_eq!((amount.index, amount.required), (0, false));
        let currency = &amount.inner.as_ref().unwrap().fields[0];
        assert_eq!(currency.checks.as_ref().unwrap().allowed, vec!["GBP"]);
        assert_eq!(currency.obie_checks.max_len, Some(3));
        assert_eq!((node.fields[1].index, node.fields[1].required), (1, true));
    }

    #[test]
    fn a_layout_change_keeps_the_monzo_type_which_narrows_the_obie_types_below_it() {
        let monzo = module(vec![
            (
                "Payment",
                strukt(vec![
                    field(
                        "Amount",
                        Ty::Ref("PaymentAmount".into()),
                        true,
                        Checks::default(),
                    ),
                    field("Note", Ty::String, false, Checks::default()),
                    field("SupplementaryData", Ty::Bool, false, Checks::default()),
                ]),
            ),
            gbp_payment_amount(),
        ]);
        let out = against(&monzo, &obie()).unwrap();
        let Schema::Struct { fields, .. } = &out.schemas["Payment"] else {
            panic!("Payment stays Monzo's struct");
        };
        assert_eq!(fields.len(), 3);
        assert_eq!(fields[0].ty, Ty::Ref("Amt".into()));
        let node = &out.narrowing["Payment"];
        assert_eq!(node.fields.len(), 1);
        assert!(node.fields[0].inner.is_some());
    }

    #[test]
    fn relaxing_a_rule_or_a_required_field_is_not_a_narrowing() {
        // A longer maximum than OBIE's.
        let monzo = module(vec![
            ("Payment", obie().schemas["Payment"].clone()),
            (
                "Amt",
                strukt(vec![field(
                    "Currency",
                    Ty::String,
                    true,
                    Checks {
                        max_len: Some(4),
                        ..Checks::default()
                    },
                )]),
            ),
        ]);
        let out = against(&monzo, &obie()).unwrap();
        assert_eq!(out.schemas["Amt"], monzo.schemas["Amt"]);
        assert!(out.narrowing.is_empty());
        // An optional field OBIE requires.
        let monzo = module(vec![
            (
                "Payment",
                strukt(vec![
                    field("Amount", Ty::Ref("Amt".into()), false, Checks::default()),
                    field("Note", Ty::String, false, Checks::default()),
                ]),
            ),
            ("Amt", obie().schemas["Amt"].clone()),
        ]);
        let out = against(&monzo, &obie()).unwrap();
        assert_eq!(out.schemas["Payment"], monzo.schemas["Payment"]);
        assert_eq!(out.schemas["Amt"], obie().schemas["Amt"]);
    }

    #[test]
    fn an_obie_name_taken_by_a_monzo_type_of_its_own_is_not_brought_in() {
        // Monzo's `Amt` has a new member; its `Other` narrows OBIE's `Amt` by position, but
        // OBIE's `Amt` cannot join the module under a name Monzo's own type holds.
        let monzo = module(vec![
            (
                "Payment",
                strukt(vec![
                    field("Amount", Ty::Ref("Other".into()), true, Checks::default()),
                    field("Note", Ty::String, false, Checks::default()),
                ]),
            ),
            ("Other", obie().schemas["Amt"].clone()),
            (
                "Amt",
                strukt(vec![
                    field("Currency", Ty::String, true, Checks::default()),
                    field("Extra", Ty::String, true, Checks::default()),
                ]),
            ),
        ]);
        let out = against(&monzo, &obie()).unwrap();
        assert_eq!(out.schemas["Amt"], monzo.schemas["Amt"]);
        assert_eq!(out.schemas["Payment"], monzo.schemas["Payment"]);
    }
}

//! Deciding where each type lives: shared types go to `common`, a later spec version reuses the
//! earlier version's identical types, and the Monzo profile reuses every OBIE type it leaves
//! unchanged. A type is reused only when it and everything it refers to are identical.

use std::collections::{BTreeMap, BTreeSet};

use crate::ir::Module;

/// Where a type is defined: (crate path of the module, type name).
pub type Canon = (String, String);

/// A module ready to print.
pub struct Planned {
    /// Rust path of the module, such as `crate::accounts` or `ob_model::accounts`.
    pub path: String,
    pub module: Module,
    /// Types defined here.
    pub own: BTreeSet<String>,
    /// Types re-exported from another module: name -> that module's path.
    pub reexports: BTreeMap<String, String>,
}

impl Planned {
    pub fn canon(&self, name: &str, all: &[&Planned]) -> Canon {
        match self.reexports.get(name) {
            Some(from) => {
                let base = all
                    .iter()
                    .find(|p| &p.path == from)
                    .expect("re-export from a planned module");
                base.canon(name, all)
            }
            None => (self.path.clone(), name.to_owned()),
        }
    }
}

/// Plans `module` at `path`, reusing identical types from `bases` (tried in order).
pub fn plan_with_bases(
    path: &str,
    module: Module,
    bases: &[&Planned],
    all: &[&Planned],
) -> Planned {
    // Per type, the bases defining it identically (tried in order), and the one in use.
    let mut candidates: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (name, s) in &module.schemas {
        let same: Vec<usize> = (0..bases.len())
            .filter(|&i| bases[i].module.schemas.get(name) == Some(s))
            .collect();
        if !same.is_empty() {
            candidates.insert(name.clone(), same);
        }
    }
    let mut inherit: BTreeMap<String, usize> =
        candidates.iter().map(|(n, c)| (n.clone(), c[0])).collect();
    loop {
        // A type whose references would resolve elsewhere than in its base moves on to its
        // next base, or is defined here when none is left.
        let mut moves = Vec::new();
        for (name, &bi) in &inherit {
            for r in module.schemas[name].refs() {
                let mine = match inherit.get(&r) {
                    Some(&ri) => bases[ri].canon(&r, all),
                    None => (path.to_owned(), r.clone()),
                };
                if mine != bases[bi].canon(&r, all) {
                    let next = candidates[name].iter().copied().find(|&c| c > bi);
                    moves.push((name.clone(), next));
                    break;
                }
            }
        }
        if moves.is_empty() {
            break;
        }
        for (name, next) in moves {
            match next {
                Some(b) => inherit.insert(name, b),
                None => inherit.remove(&name),
            };
        }
    }
    let reexports: BTreeMap<String, String> = inherit
        .iter()
        .map(|(n, &i)| (n.clone(), bases[i].path.clone()))
        .collect();
    let own = module
        .schemas
        .keys()
        .filter(|n| !reexports.contains_key(*n))
        .cloned()
        .collect();
    Planned {
        path: path.to_owned(),
        module,
        own,
        reexports,
    }
}

/// Splits the types that several modules define identically into a `common` module.
/// Returns the common module and, per input module, the names it takes from common.
pub fn common(modules: &[&Module]) -> (Module, Vec<BTreeSet<String>>) {
    // name -> modules (indices) that agree with the first definition seen.
    let mut members: BTreeMap<String, BTreeSet<usize>> = BTreeMap::new();
    let mut names: BTreeSet<&String> = BTreeSet::new();
    for m in modules {
        names.extend(m.schemas.keys());
    }
    for name in names {
        let defs: Vec<(usize, _)> = modules
            .iter()
            .enumerate()
            .filter_map(|(i, m)| m.schemas.get(name).map(|s| (i, s)))
            .collect();
        // The largest group of identical definitions (first wins a tie).
        let mut best: BTreeSet<usize> = BTreeSet::new();
        for (_, s) in &defs {
            let group: BTreeSet<usize> = defs
                .iter()
                .filter(|(_, t)| t == s)
                .map(|(i, _)| *i)
                .collect();
            if group.len() > best.len() {
                best = group;
            }
        }
        if best.len() >= 2 {
            members.insert(name.clone(), best);
        }
    }
    loop {
        let mut changed = false;
        let names: Vec<String> = members.keys().cloned().collect();
        for name in names {
            let Some(set) = members.get(&name).cloned() else {
                continue;
            };
            let first = *set.iter().next().expect("non-empty");
            let refs = modules[first].schemas[&name].refs();
            let mut keep = set.clone();
            for m in &set {
                for r in &refs {
                    if !members.get(r).is_some_and(|s| s.contains(m)) {
                        keep.remove(m);
                    }
                }
            }
            if keep.len() < 2 {
                members.remove(&name);
                changed = true;
            } else if keep != set {
                members.insert(name, keep);
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    let mut common = Module {
        title: "Types shared by several OBIE APIs".into(),
        ..Module::default()
    };
    let mut taken = vec![BTreeSet::new(); modules.len()];
    for (name, set) in &members {
        let first = *set.iter().next().expect("non-empty");
        common
            .schemas
            .insert(name.clone(), modules[first].schemas[name].clone());
        for m in set {
            taken[*m].insert(name.clone());
        }
    }
    (common, taken)
}

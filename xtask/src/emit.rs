//! Printing planned modules as Rust: structs with lenient decoders, open enums, aliases,
//! validation, operation tables and typed endpoints.

use std::collections::BTreeMap;

use proc_macro2::{Ident, Span, TokenStream};
use quote::{format_ident, quote};

use crate::ir::{pascal, Checks, Op, Schema, Ty};
use crate::narrow::Node;
use crate::plan::Planned;

/// How generated code reaches the model runtime: `crate` inside ob-model, `ob_model` elsewhere.
pub struct Emit {
    pub rt: TokenStream,
    /// This crate's absolute prefix (`ob_model`, `monzo_model`), replaced by `crate` in paths.
    pub crate_prefix: String,
    /// Inner doc of the module.
    pub doc: String,
    /// Header comment naming the command and sources.
    pub header: String,
    /// A profile crate (monzo-model): modules carry a `narrowing` lookup.
    pub profile: bool,
}

const KEYWORDS: &[&str] = &[
    "as", "async", "await", "box", "break", "const", "continue", "crate", "dyn", "else", "enum",
    "extern", "false", "fn", "for", "gen", "if", "impl", "in", "let", "loop", "match", "mod",
    "move", "mut", "priv", "pub", "ref", "return", "self", "static", "struct", "super", "trait",
    "true", "try", "type", "unsafe", "use", "where", "while", "yield", "abstract", "become", "do",
    "final", "macro", "override", "typeof", "unsized", "virtual", "extra",
];

pub fn snake(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if !c.is_ascii_alphanumeric() {
            if !out.ends_with('_') && !out.is_empty() {
                out.push('_');
            }
            continue;
        }
        if c.is_ascii_uppercase() && i > 0 {
            let prev = chars[i - 1];
            let next_lower = chars.get(i + 1).is_some_and(|n| n.is_ascii_lowercase());
            if (prev.is_ascii_lowercase()
                || prev.is_ascii_digit()
                || (prev.is_ascii_uppercase() && next_lower))
                && !out.ends_with('_')
            {
                out.push('_');
            }
        }
        out.push(c.to_ascii_lowercase());
    }
    let mut out = out.trim_matches('_').to_owned();
    if out.is_empty() || out.starts_with(|c: char| c.is_ascii_digit()) {
        out = format!("f_{out}");
    }
    if KEYWORDS.contains(&out.as_str()) {
        out.push('_');
    }
    out
}

fn ident(s: &str) -> Ident {
    Ident::new(s, Span::call_site())
}

fn doc_attr(doc: &str) -> TokenStream {
    if doc.is_empty() {
        return quote!();
    }
    // Escape what rustdoc would take for markup it cannot resolve.
    let text = doc
        .replace('[', "\\[")
        .replace(']', "\\]")
        .replace('<', "&lt;")
        .replace('>', "&gt;");
    let lines = text.lines().map(|l| format!(" {l}"));
    quote!(#(#[doc = #lines])*)
}

/// Variant names for an enum's codes. The OBIE namespace `UK.OBIE.` is dropped and another
/// `UK.<NS>.` namespace becomes a title-cased prefix (`UK.MONZO.Generic` -> `MonzoGeneric`), so a
/// code's variant name does not depend on the other codes of its list.
pub fn variant_names(codes: &[String]) -> Vec<String> {
    let mut seen = BTreeMap::<String, usize>::new();
    codes
        .iter()
        .map(|c| {
            let rest = c.strip_prefix("UK.OBIE.").unwrap_or(c);
            let mut v = match rest.strip_prefix("UK.").and_then(|r| r.split_once('.')) {
                Some((ns, tail)) if ns.chars().all(|ch| ch.is_ascii_uppercase()) => {
                    let mut ns_title: String = ns[..1].to_owned();
                    ns_title.push_str(&ns[1..].to_ascii_lowercase());
                    format!("{ns_title}{}", pascal(tail))
                }
                _ => pascal(rest),
            };
            if v.is_empty() || v.starts_with(|ch: char| ch.is_ascii_digit()) {
                v = format!("V{v}");
            }
            if v == "Unknown" {
                v = "UnknownCode".into();
            }
            let n = seen.entry(v.clone()).or_insert(0);
            *n += 1;
            if *n > 1 {
                v = format!("{v}{n}");
            }
            v
        })
        .collect()
}

struct Ctx<'a> {
    p: &'a Planned,
    rt: TokenStream,
    patterns: Vec<String>,
    /// Distinct field rules of the module: (key, `static RULES_n` item).
    rules: Vec<(String, TokenStream)>,
    /// Distinct narrowings of the module: (key, `static NARROW_n` item).
    narrowings: Vec<(String, TokenStream)>,
}

impl Ctx<'_> {
    fn pattern(&mut self, p: &str) -> Ident {
        let i = match self.patterns.iter().position(|x| x == p) {
            Some(i) => i,
            None => {
                self.patterns.push(p.to_owned());
                self.patterns.len() - 1
            }
        };
        format_ident!("PATTERN_{}", i)
    }

    fn ty(&self, ty: &Ty) -> TokenStream {
        let rt = &self.rt;
        match ty {
            Ty::Ref(n) => {
                let id = ident(n);
                quote!(#id)
            }
            Ty::String => quote!(#rt::Text),
            Ty::Amount => quote!(#rt::Amount),
            Ty::DateTime => quote!(#rt::DateTime),
            Ty::Bool => quote!(bool),
            Ty::I32 => quote!(i32),
            Ty::I64 => quote!(i64),
            Ty::Number => quote!(#rt::Number),
            Ty::Json => quote!(#rt::__private::serde_json::Value),
            Ty::JsonObject => quote!(#rt::JsonObject),
            Ty::Vec(t) => {
                let t = self.ty(t);
                quote!(Vec<#t>)
            }
        }
    }

    /// The underlying type behind aliases.
    fn resolve<'t>(&'t self, ty: &'t Ty) -> &'t Ty {
        match ty {
            Ty::Ref(n) => match self.p.module.schemas.get(n) {
                Some(Schema::Alias { ty, .. }) => self.resolve(ty),
                _ => ty,
            },
            _ => ty,
        }
    }

    fn is_struct(&self, ty: &Ty) -> bool {
        match self.resolve(ty) {
            Ty::Ref(n) => matches!(self.p.module.schemas.get(n), Some(Schema::Struct { .. })),
            _ => false,
        }
    }

    /// The `Rules` of a field: `&rt::Rules::NONE`, or a module `static` holding only the rules
    /// it has (one per distinct set, shared by every field that has it).
    fn rules(&mut self, c: &Checks) -> TokenStream {
        let rt = self.rt.clone();
        if c.is_empty() {
            return quote!(&#rt::Rules::NONE);
        }
        let key = format!("{c:?}");
        if let Some(i) = self.rules.iter().position(|(k, _)| *k == key) {
            let id = format_ident!("RULES_{}", i);
            return quote!(&#id);
        }
        let mut members = Vec::new();
        for (name, v) in [
            ("min_len", c.min_len),
            ("max_len", c.max_len),
            ("min_items", c.min_items),
            ("max_items", c.max_items),
        ] {
            if let Some(n) = v {
                let id = ident(name);
                members.push(quote!(#id: Some(#n)));
            }
        }
        if let Some(p) = &c.pattern {
            let id = self.pattern(p);
            members.push(quote!(pattern: Some(&#id)));
        }
        if let Some(m) = c.minimum {
            members.push(quote!(minimum: Some(#m)));
        }
        if !c.allowed.is_empty() {
            let allowed = &c.allowed;
            members.push(quote!(allowed: &[#(#allowed),*]));
        }
        if let Some(i) = &c.items {
            let items = self.rules(i);
            members.push(quote!(items: Some(#items)));
        }
        let i = self.rules.len();
        let id = format_ident!("RULES_{}", i);
        self.rules.push((
            key,
            quote!(static #id: #rt::Rules = #rt::Rules { #(#members,)* ..#rt::Rules::NONE };),
        ));
        quote!(&#id)
    }
}

impl Ctx<'_> {
    /// The `static NARROW_n` holding a profile's narrowing (one per distinct tree).
    fn narrowing(&mut self, node: &Node) -> Ident {
        let key = format!("{node:?}");
        if let Some(i) = self.narrowings.iter().position(|(k, _)| *k == key) {
            return format_ident!("NARROW_{}", i);
        }
        let rt = self.rt.clone();
        let fields: Vec<TokenStream> = node
            .fields
            .iter()
            .map(|f| {
                let (index, required) = (f.index, f.required);
                let rules = match &f.checks {
                    Some(c) => {
                        let r = self.rules(c);
                        quote!(Some(#r))
                    }
                    None => quote!(None),
                };
                let inner = match &f.inner {
                    Some(n) => {
                        let id = self.narrowing(n);
                        quote!(Some(&#id))
                    }
                    None => quote!(None),
                };
                quote!(#rt::FieldNarrowing { index: #index, required: #required, rules: #rules, inner: #inner })
            })
            .collect();
        let i = self.narrowings.len();
        let id = format_ident!("NARROW_{}", i);
        self.narrowings.push((
            key,
            quote!(static #id: #rt::Narrowing = #rt::Narrowing { fields: &[#(#fields),*] };),
        ));
        id
    }
}

/// What a profile's narrowing adds, as Markdown lines for a type's docs: one per field it
/// narrows, by path below the type.
pub fn describe_narrowing(node: &Node, prefix: &str, out: &mut Vec<String>) {
    for f in &node.fields {
        let path = format!("{prefix}{}", f.json);
        let mut what = Vec::new();
        if f.required {
            what.push("required".to_owned());
        }
        if let Some(c) = &f.checks {
            let o = &f.obie_checks;
            if !c.allowed.is_empty() && c.allowed != o.allowed {
                let list: Vec<String> = c.allowed.iter().map(|a| format!("`{a}`")).collect();
                what.push(format!("only {}", list.join(", ")));
            }
            if c.pattern.is_some() && c.pattern != o.pattern {
                what.push(format!(
                    "pattern `{}`",
                    c.pattern.as_deref().unwrap_or_default()
                ));
            }
            if c.min_len != o.min_len {
                if let Some(n) = c.min_len {
                    what.push(format!("at least {n} characters"));
                }
            }
            if c.max_len != o.max_len {
                if let Some(n) = c.max_len {
                    what.push(format!("at most {n} characters"));
                }
            }
            if c.minimum != o.minimum {
                if let Some(m) = c.minimum {
                    what.push(format!("at least {m}"));
                }
            }
            if c.items != o.items || c.min_items != o.min_items || c.max_items != o.max_items {
                what.push("rules on its items".to_owned());
            }
        }
        let monzo: Vec<&str> = f
            .doc
            .split("\n\n")
            .filter(|para| para.contains("Monzo"))
            .collect();
        if !what.is_empty() || !monzo.is_empty() {
            let mut line = format!("- `{path}`");
            if !what.is_empty() {
                line.push_str(&format!(": {}", what.join("; ")));
            }
            if !monzo.is_empty() {
                line.push_str(&format!(". {}", monzo.join(" ").replace('\n', " ")));
            }
            out.push(line);
        }
        if let Some(inner) = &f.inner {
            describe_narrowing(inner, &format!("{path}."), out);
        }
    }
}

/// One field of a struct being printed: its spec field, Rust name and the rules `static` its
/// checks use.
struct FieldOut<'f> {
    index: usize,
    spec: &'f crate::ir::Field,
    rust: Ident,
    rules: TokenStream,
}

/// A struct being printed: what every one of its impls needs.
struct StructOut<'f> {
    id: Ident,
    name: &'f str,
    /// The type's description (with its notes).
    doc: String,
    open: bool,
    fields: Vec<FieldOut<'f>>,
    /// A profile's narrowing of the spec types below it.
    narrowing: Option<Node>,
}

fn emit_struct(
    cx: &mut Ctx,
    name: &str,
    doc: &str,
    fields: &[crate::ir::Field],
    open: bool,
    ext: bool,
) -> TokenStream {
    let mut doc = if doc.is_empty() {
        format!("`{name}` (the spec gives no description).")
    } else {
        doc.to_owned()
    };
    if ext {
        doc.push_str("\n\nMonzo extension: not part of the OBIE specification.");
    }
    let narrowing = cx.p.module.narrowing.get(name).cloned();
    if let Some(node) = &narrowing {
        let mut lines = Vec::new();
        describe_narrowing(node, "", &mut lines);
        doc.push_str(&format!(
            "\n\nMonzo narrows the OBIE types of these fields (`validate()` checks it):\n{}",
            lines.join("\n")
        ));
    }
    let mut used = std::collections::BTreeSet::new();
    let fields = fields
        .iter()
        .enumerate()
        .map(|(index, spec)| {
            let mut n = snake(&spec.json);
            while !used.insert(n.clone()) {
                n.push('_');
            }
            FieldOut {
                index,
                spec,
                rust: ident(&n),
                rules: cx.rules(&spec.checks),
            }
        })
        .collect();
    let s = StructOut {
        id: ident(name),
        name,
        doc,
        open,
        fields,
        narrowing,
    };
    let decl = struct_decl(cx, &s);
    let object = object_impl(cx, &s);
    let validate = validate_impl(cx, &s);
    let schema = schema_impl(cx, &s);
    let rt = &cx.rt;
    let id = &s.id;
    quote! {
        #decl
        #object
        #rt::__object_impls!(#id);
        #validate
        #schema
    }
}

/// The struct itself: a documented field per spec field (the JSON name leading the doc where
/// it is not the Rust name), optional ones as `Option` (boxed for objects), and `extra`.
fn struct_decl(cx: &Ctx, s: &StructOut) -> TokenStream {
    let rt = &cx.rt;
    let decls = s.fields.iter().map(|f| {
        let (json, r) = (&f.spec.json, &f.rust);
        let mut fdoc = f.spec.doc.clone();
        if !f.spec.required && fdoc.is_empty() {
            fdoc = "Optional.".into();
        }
        if fdoc.is_empty() {
            fdoc = format!("The `{json}` field (the spec gives no description).");
        }
        if !(*r == snake(json) && json.chars().next().is_some_and(|c| c.is_lowercase())) {
            fdoc = format!("`{json}`: {fdoc}");
        }
        let fdoc = doc_attr(&fdoc);
        let ty = cx.ty(&f.spec.ty);
        let ty = match (f.spec.required, cx.is_struct(&f.spec.ty)) {
            (true, _) => ty,
            (false, true) => quote!(Option<Box<#ty>>),
            (false, false) => quote!(Option<#ty>),
        };
        quote!(#fdoc pub #r: #ty,)
    });
    let doc = doc_attr(&s.doc);
    let id = &s.id;
    quote! {
        #doc
        #[derive(Clone, Debug, Default, PartialEq)]
        pub struct #id {
            #(#decls)*
            /// Fields the spec does not name, and required fields the document left out: kept so
            /// that re-encoding loses nothing, and reported by `validate()`.
            pub extra: #rt::Extra,
        }
    }
}

/// `Object`: the spec's names and required fields, the key-to-index map, and decoding and
/// encoding by index (the generic decoder and encoder in `object.rs` do the rest).
fn object_impl(cx: &Ctx, s: &StructOut) -> TokenStream {
    let rt = &cx.rt;
    let (id, name, open) = (&s.id, s.name, s.open);
    let jsons: Vec<&str> = s.fields.iter().map(|f| f.spec.json.as_str()).collect();
    let idx = 0..jsons.len();
    let mut required_bits: u128 = 0;
    let mut decode = Vec::new();
    let mut encode = Vec::new();
    for f in &s.fields {
        let (i, r) = (f.index, &f.rust);
        if f.spec.required {
            required_bits |= 1 << i;
            encode.push(quote!(#i => #rt::__private::ereq(map, self, #i, &self.#r),));
        } else {
            encode.push(quote!(#i => #rt::__private::eopt::<Self, _, _>(map, #i, &self.#r),));
        }
        // Arrays of objects decode each element in place (no move of large structs).
        let object_items = match cx.resolve(&f.spec.ty) {
            Ty::Vec(item) if cx.is_struct(item) => Some(cx.ty(item)),
            _ => None,
        };
        decode.push(match object_items {
            Some(item) if f.spec.required => {
                quote!(#i => self.#r = map.next_value_seed(#rt::__private::ObjectVec::<#item>::new())?,)
            }
            Some(item) => {
                quote!(#i => self.#r = map.next_value_seed(#rt::__private::OptionObjectVec::<#item>::new())?,)
            }
            None => quote!(#i => self.#r = map.next_value()?,),
        });
    }
    let required = proc_macro2::Literal::u128_unsuffixed(required_bits);
    quote! {
        impl #rt::Object for #id {
            const NAME: &'static str = #name;
            const FIELDS: &'static [&'static str] = &[#(#jsons),*];
            const REQUIRED: u128 = #required;
            const OPEN: bool = #open;

            #[inline]
            fn field_index(key: &str) -> Option<usize> {
                match key {
                    #(#jsons => Some(#idx),)*
                    _ => None,
                }
            }

            fn decode_field<'de, A: #rt::__private::serde::de::MapAccess<'de>>(
                &mut self,
                index: usize,
                map: &mut A,
            ) -> Result<(), A::Error> {
                match index {
                    #(#decode)*
                    _ => {}
                }
                Ok(())
            }

            fn encode_field<M: #rt::__private::serde::ser::SerializeMap>(
                &self,
                index: usize,
                map: &mut M,
            ) -> Result<(), M::Error> {
                match index {
                    #(#encode)*
                    _ => Ok(()),
                }
            }

            #rt::__object_extra!();
        }
    }
}

/// `Validate`: missing and unexpected fields, then each field present against its rules.
fn validate_impl(cx: &mut Ctx, s: &StructOut) -> TokenStream {
    let own = s.narrowing.as_ref().map(|node| cx.narrowing(node));
    let rt = &cx.rt;
    let id = &s.id;
    let checks = s.fields.iter().map(|f| {
        let (i, r, rules) = (f.index, &f.rust, &f.rules);
        if f.spec.required {
            quote!(#rt::__private::vreq(r, self, #i, &self.#r, #rules);)
        } else {
            quote!(#rt::__private::vopt::<Self, _>(r, #i, &self.#r, #rules);)
        }
    });
    let checks: Vec<TokenStream> = checks.collect();
    match own {
        None => quote! {
            impl #rt::Validate for #id {
                #[inline]
                fn validate_at(&self, r: &mut #rt::__private::Report) {
                    #rt::__private::check_extra::<Self>(r, &self.extra);
                    #(#checks)*
                }
            }
        },
        // A profile type whose fields are spec types it narrows: it walks them with its
        // narrowing.
        Some(n) => quote! {
            impl #rt::Validate for #id {
                fn validate_at(&self, r: &mut #rt::__private::Report) {
                    let outer = #rt::__private::enter(r, &#n);
                    #rt::__private::check_extra::<Self>(r, &self.extra);
                    #(#checks)*
                    r.narrowing = outer;
                }
            }
        },
    }
}

/// `JsonSchema` (feature `schemars`): the descriptions and the field table for `object_of`.
fn schema_impl(cx: &Ctx, s: &StructOut) -> TokenStream {
    let rt = &cx.rt;
    let (id, name, doc) = (&s.id, s.name, s.doc.as_str());
    let docs = s.fields.iter().map(|f| f.spec.doc.as_str());
    let fields = s.fields.iter().map(|f| {
        let plain = cx.ty(&f.spec.ty);
        let rules = &f.rules;
        quote!(#rt::schema::field::<#plain>(#rules))
    });
    quote! {
        #[cfg(feature = "schemars")]
        impl #rt::__private::schemars::JsonSchema for #id {
            #rt::__schema_names!(#name);

            fn json_schema(g: &mut #rt::__private::schemars::SchemaGenerator) -> #rt::__private::schemars::Schema {
                const DOCS: &[&str] = &[#(#docs),*];
                #rt::schema::object_of::<Self>(g, #doc, DOCS, &[#(#fields),*])
            }
        }
    }
}

fn emit_enum(
    cx: &Ctx,
    name: &str,
    doc: &str,
    codes: &[String],
    ext: bool,
    open: bool,
) -> TokenStream {
    let rt = &cx.rt;
    let id = ident(name);
    let mut doc = if doc.is_empty() {
        format!("`{name}` (the spec gives no description).")
    } else {
        doc.to_owned()
    };
    if ext {
        doc.push_str("\n\nMonzo extension: not part of the OBIE specification.");
    }
    doc.push_str(if open {
        "\n\nAn open code list: a code it does not list decodes as `Unknown`, re-encodes unchanged, and is a note of `validate_all()`, not a violation."
    } else {
        "\n\nA closed code list: a code it does not list decodes as `Unknown`, re-encodes unchanged, and is a violation."
    });
    let doc = doc_attr(&doc);
    let variants: Vec<Ident> = variant_names(codes)
        .into_iter()
        .map(|v| ident(&v))
        .collect();
    let vdocs = codes.iter().map(|c| format!(" `{c}`"));
    let openness = if open { quote!(open) } else { quote!(closed) };
    quote! {
        #doc
        #[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum #id {
            #(#[doc = #vdocs] #variants,)*
            /// A code the spec does not list, kept exactly as sent.
            Unknown(String),
        }

        impl #id {
            /// Every code the spec lists, in spec order.
            pub const CODES: &'static [&'static str] = &[#(#codes),*];

            /// The code as it appears on the wire.
            #[inline]
            pub fn as_str(&self) -> &str {
                match self {
                    #(Self::#variants => #codes,)*
                    Self::Unknown(code) => code,
                }
            }

            /// The variant for a wire code; codes the spec does not list become `Unknown`.
            #[inline]
            pub fn from_code(code: &str) -> Self {
                match code {
                    #(#codes => Self::#variants,)*
                    other => Self::Unknown(String::from(other)),
                }
            }

            /// Whether the code is one the spec lists.
            pub fn is_known(&self) -> bool {
                !matches!(self, Self::Unknown(_))
            }
        }

        #rt::open_enum_traits!(#id, #openness);
    }
}

fn emit_ops(cx: &Ctx, ops: &[Op]) -> TokenStream {
    let rt = &cx.rt;
    let opt_str = |s: &Option<String>| match s {
        Some(s) => quote!(Some(#s)),
        None => quote!(None),
    };
    let entries = ops.iter().map(|op| {
        let (id, summary, path) = (&op.id, &op.summary, &op.path);
        let method = format_ident!("{}", pascal(&op.method.to_lowercase()));
        let body = opt_str(&op.request_body);
        let cts = &op.request_content_types;
        let params = op.params.iter().map(|p| {
            let (n, req) = (&p.name, p.required);
            let loc = format_ident!("{}", pascal(&p.location));
            quote!(#rt::Param { name: #n, location: #rt::ParamLocation::#loc, required: #req })
        });
        let responses = op.responses.iter().map(|r| {
            let (status, signed) = (r.status, r.signed);
            let body = opt_str(&r.body);
            quote!(#rt::Response { status: #status, body: #body, signed: #signed })
        });
        let scopes = &op.scopes;
        let (idem, signed, ext) = (op.idempotent, op.signed, op.extension);
        quote! {
            #rt::Operation {
                id: #id,
                summary: #summary,
                method: #rt::Method::#method,
                path: #path,
                request_body: #body,
                request_content_types: &[#(#cts),*],
                params: &[#(#params),*],
                responses: &[#(#responses),*],
                scopes: &[#(#scopes),*],
                idempotent: #idem,
                signed: #signed,
                extension: #ext,
            }
        }
    });
    let mut used = std::collections::BTreeSet::new();
    let endpoints = ops.iter().enumerate().map(|(i, op)| {
        let mut n = pascal(&op.id);
        while !used.insert(n.clone()) {
            n.push('_');
        }
        let id = ident(&n);
        let doc = format!(" `{} {}`: {}", op.method, op.path, op.summary);
        let req = match &op.request_body {
            Some(b) => {
                let b = ident(b);
                quote!(#b)
            }
            None => quote!(()),
        };
        let resp = match op
            .responses
            .iter()
            .find(|r| (200..300).contains(&r.status))
            .and_then(|r| r.body.as_ref())
        {
            Some(b) => {
                let b = ident(b);
                quote!(#b)
            }
            None => quote!(()),
        };
        quote! {
            #[doc = #doc]
            #[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
            pub struct #id;
            impl #rt::Endpoint for #id {
                type Request = #req;
                type Response = #resp;
                const OPERATION: &'static #rt::Operation = &super::OPERATIONS[#i];
            }
        }
    });
    let mut bodies = std::collections::BTreeSet::new();
    for op in ops {
        bodies.extend(op.request_body.iter().cloned());
        bodies.extend(op.responses.iter().filter_map(|r| r.body.clone()));
    }
    let body_names = bodies.iter().map(String::as_str);
    let body_types = bodies.iter().map(|b| ident(b));
    let allow = if bodies.is_empty() {
        quote!(#[allow(unreachable_code, unused_variables)])
    } else {
        quote!()
    };
    quote! {
        /// Decodes `body` as the request or response body type named `type_name` (a spec name such
        /// as `"OBReadTransaction6"`), re-encodes and validates it. `None` when no operation of
        /// this API uses a type of that name. Feature `dynamic`.
        #[cfg(feature = "dynamic")]
        #allow
        pub fn check_json(
            type_name: &str,
            body: &[u8],
        ) -> Option<Result<#rt::decode::Checked, #rt::decode::DecodeError>> {
            Some(match type_name {
                #(#body_names => #rt::decode::check_as::<#body_types>(body),)*
                _ => return None,
            })
        }

        /// Every operation of this API, in spec order.
        pub const OPERATIONS: &[#rt::Operation] = &[#(#entries),*];

        /// One typed endpoint per operation: its request and success-response body types.
        pub mod ops {
            #[allow(unused_imports)]
            use super::*;
            #(#endpoints)*
        }
    }
}

/// Prints a planned module as formatted Rust.
pub fn module(p: &Planned, e: &Emit, with_ops: bool) -> Result<String, String> {
    // The runtime is reached through a short private alias (`use crate as rt;` in ob-model,
    // `use ob_model as rt;` elsewhere): the same paths, in fewer lines.
    let runtime = e.rt.clone();
    let mut cx = Ctx {
        p,
        rt: quote!(rt),
        patterns: Vec::new(),
        rules: Vec::new(),
        narrowings: Vec::new(),
    };
    let mut items = Vec::new();
    // Re-exports, grouped by source module.
    let mut by_source: BTreeMap<&str, Vec<Ident>> = BTreeMap::new();
    let mut roots = Vec::new();
    for (name, from) in &p.reexports {
        match p.module.narrowing.get(name) {
            // An OBIE type the profile narrows: re-exported on its own, with what it adds.
            Some(node) => roots.push((name, from, node)),
            None => by_source
                .entry(from.as_str())
                .or_default()
                .push(ident(name)),
        }
    }
    for (from, names) in by_source {
        let path = match from.strip_prefix(&e.crate_prefix) {
            Some(rest) => format!("crate{rest}"),
            None => from.to_owned(),
        };
        let path: syn::Path =
            syn::parse_str(&path).map_err(|err| format!("bad path {path}: {err}"))?;
        items.push(quote!(pub use #path::{#(#names),*};));
    }
    let mut lookup = Vec::new();
    for (name, from, node) in roots {
        let path = match from.strip_prefix(&e.crate_prefix) {
            Some(rest) => format!("crate{rest}::{name}"),
            None => format!("{from}::{name}"),
        };
        let path: syn::Path =
            syn::parse_str(&path).map_err(|err| format!("bad path {path}: {err}"))?;
        let mut lines = Vec::new();
        describe_narrowing(node, "", &mut lines);
        let doc = doc_attr(&format!(
            "Monzo's profile narrows this OBIE type (checked by `validate_monzo()`, not by `validate()`):\n{}",
            lines.join("\n")
        ));
        items.push(quote!(#doc pub use #path;));
        let n = cx.narrowing(node);
        lookup.push(quote!(#name => Some(&#n),));
    }
    for name in &p.own {
        let item = match &p.module.schemas[name] {
            Schema::Struct {
                doc,
                fields,
                open,
                extension,
            } => emit_struct(&mut cx, name, doc, fields, *open, *extension),
            Schema::Enum {
                doc,
                codes,
                extension,
                open,
            } => emit_enum(&cx, name, doc, codes, *extension, *open),
            Schema::Alias { doc, ty, .. } => {
                let id = ident(name);
                let d = if doc.is_empty() {
                    doc_attr(&format!("`{name}` (the spec gives no description)."))
                } else {
                    doc_attr(doc)
                };
                let t = cx.ty(ty);
                quote!(#d pub type #id = #t;)
            }
        };
        items.push(item);
    }
    if with_ops {
        items.push(emit_ops(&cx, &p.module.ops));
    }
    if e.profile && with_ops {
        let rt = &cx.rt;
        items.push(quote! {
            /// Monzo's narrowing of an OBIE type this module re-exports (by its spec name), as a
            /// document's root: what `validate_monzo()` checks beyond `validate()`. `None` for a
            /// type Monzo leaves as OBIE defines it, and for Monzo's own types (their
            /// `validate()` applies Monzo's rules).
            pub fn narrowing(type_name: &str) -> Option<&'static #rt::Narrowing> {
                match type_name {
                    #(#lookup)*
                    _ => None,
                }
            }
        });
    }
    let rt = &cx.rt;
    let patterns = cx.patterns.iter().enumerate().map(|(i, src)| {
        let id = format_ident!("PATTERN_{}", i);
        let doc = format!(" Spec pattern `{src}`.");
        quote!(#[doc = #doc] static #id: #rt::__private::Pattern = #rt::__private::Pattern::new(#src);)
    });
    let rules = cx.rules.iter().map(|(_, item)| item);
    let narrowings = cx.narrowings.iter().map(|(_, item)| item);
    let doc_lines = e.doc.lines().map(|l| format!(" {l}"));
    let file = quote! {
        #(#![doc = #doc_lines])*
        #![allow(non_camel_case_types, clippy::all, rustdoc::bare_urls, rustdoc::broken_intra_doc_links, rustdoc::invalid_html_tags)]
        use #runtime as rt;
        #(#items)*
        #(#patterns)*
        #(#rules)*
        #(#narrowings)*
    };
    format_file(&e.header, file)
}

/// Formats tokens as a file, after a header comment.
pub fn format_file(header: &str, tokens: TokenStream) -> Result<String, String> {
    let file: syn::File =
        syn::parse2(tokens).map_err(|e| format!("generated code does not parse: {e}"))?;
    let body = prettyplease::unparse(&file);
    let header: String = header.lines().map(|l| format!("// {l}\n")).collect();
    Ok(format!("{header}\n{body}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variant_names_are_stable() {
        let codes: Vec<String> = [
            "UK.OBIE.Field.Missing",
            "UK.MONZO.Generic",
            "UK.CASS.NotSwitched",
            "flexible_savings",
            "3dsecure",
            "Unknown",
        ]
        .map(String::from)
        .into();
        assert_eq!(
            variant_names(&codes),
            [
                "FieldMissing",
                "MonzoGeneric",
                "CassNotSwitched",
                "FlexibleSavings",
                "V3dsecure",
                "UnknownCode"
            ]
        );
    }

    #[test]
    fn snake_case_names() {
        for (json, rust) in [
            ("AccountId", "account_id"),
            ("TransactionInformation", "transaction_information"),
            ("AERType", "aer_type"),
            ("Type", "type_"),
            ("client_id", "client_id"),
            (
                "http://openbanking.org.uk/iat",
                "http_openbanking_org_uk_iat",
            ),
            (
                "urn:uk:org:openbanking:events:resource-update",
                "urn_uk_org_openbanking_events_resource_update",
            ),
            ("extra", "extra_"),
        ] {
            assert_eq!(snake(json), rust);
        }
    }
}

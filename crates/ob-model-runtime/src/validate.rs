//! Strict validation against the spec: every violation, each with its JSON path.
//!
//! Decoding is lenient (see [`crate::object`]); `validate()` is where the spec's rules are
//! enforced: required fields, unknown fields on closed objects, string lengths, patterns, code
//! lists, array sizes and date-time forms. Request builders and servers call it before trusting a
//! document.

use std::fmt;

use crate::{Amount, DateTime, Extra, JsonObject, Object};

/// One step of a JSON path.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Segment {
    Field(&'static str),
    Key(String),
    Index(usize),
}

/// A JSON path being walked, such as `$.Data.Transaction[3].Amount`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Path(Vec<Segment>);

impl Path {
    /// The root, `$`.
    pub fn root() -> Self {
        Self::default()
    }

    /// Steps into a field named by the spec.
    pub fn push_field(&mut self, name: &'static str) {
        self.0.push(Segment::Field(name));
    }

    /// Steps into a field named by the document.
    pub fn push_key(&mut self, name: &str) {
        self.0.push(Segment::Key(name.to_owned()));
    }

    /// Steps into an array element.
    pub fn push_index(&mut self, index: usize) {
        self.0.push(Segment::Index(index));
    }

    /// Steps back out.
    pub fn pop(&mut self) {
        self.0.pop();
    }
}

impl fmt::Display for Path {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("$")?;
        for s in &self.0 {
            match s {
                Segment::Field(n) => write_member(f, n)?,
                Segment::Key(n) => write_member(f, n)?,
                Segment::Index(i) => write!(f, "[{i}]")?,
            }
        }
        Ok(())
    }
}

/// Appends a member to a JSON path: `.name` for a name RFC 9535 allows in shorthand (a letter
/// or `_`, then letters, digits or `_`), else `['name']` with `'`, `\` and control characters
/// escaped as in RFC 9535's normalized paths, so that a name holding `.`, `[`, `]` or a quote
/// cannot make the path ambiguous (`$['a.b']`, `$['']`, `$['it\'s']`).
pub fn write_member(out: &mut impl fmt::Write, name: &str) -> fmt::Result {
    let mut chars = name.chars();
    let shorthand = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
    if shorthand {
        out.write_char('.')?;
        return out.write_str(name);
    }
    out.write_str("['")?;
    for c in name.chars() {
        match c {
            '\\' => out.write_str("\\\\")?,
            '\'' => out.write_str("\\'")?,
            '\u{8}' => out.write_str("\\b")?,
            '\u{c}' => out.write_str("\\f")?,
            '\n' => out.write_str("\\n")?,
            '\r' => out.write_str("\\r")?,
            '\t' => out.write_str("\\t")?,
            c if (c as u32) < 0x20 => write!(out, "\\u{:04x}", c as u32)?,
            c => out.write_char(c)?,
        }
    }
    out.write_str("']")
}

/// The longest part of an offending value a message quotes, in characters.
pub const EXCERPT_CHARS: usize = 64;

/// What a message quotes of an offending value: the value itself when short, else its first
/// [`EXCERPT_CHARS`] characters and how long it was, so that a 50 MB bad value does not make a
/// 50 MB message.
pub fn excerpt(text: &str) -> String {
    match text.char_indices().nth(EXCERPT_CHARS) {
        None => text.to_owned(),
        Some((end, _)) => format!("{}... ({} bytes in all)", &text[..end], text.len()),
    }
}

/// What is wrong at a path.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Problem {
    /// A required field is absent.
    Missing,
    /// A field the spec does not allow on this object.
    Unexpected,
    /// A string shorter than `minLength` (in characters).
    TooShort {
        /// The spec's minimum.
        min: u64,
        /// The length found.
        found: u64,
    },
    /// A string longer than `maxLength` (in characters).
    TooLong {
        /// The spec's maximum.
        max: u64,
        /// The length found.
        found: u64,
    },
    /// A string that does not match the spec's `pattern`.
    Pattern {
        /// The spec's pattern.
        pattern: &'static str,
        /// The text found.
        found: String,
    },
    /// A code outside the spec's closed code list.
    UnknownCode {
        /// The code found.
        found: String,
    },
    /// A code outside an open code list (OBIE's namespaced enumerations, Monzo's open lists):
    /// a note, not a violation ([`Problem::is_note`]), since the list's owner may add codes.
    UnlistedCode {
        /// The code found.
        found: String,
    },
    /// An array with fewer than `minItems` elements.
    TooFewItems {
        /// The spec's minimum.
        min: u64,
        /// The count found.
        found: u64,
    },
    /// An array with more than `maxItems` elements.
    TooManyItems {
        /// The spec's maximum.
        max: u64,
        /// The count found.
        found: u64,
    },
    /// A number below `minimum`.
    BelowMinimum {
        /// The spec's minimum.
        min: String,
        /// The number found.
        found: String,
    },
    /// A string that is not an amount at all (it decoded, and keeps its text).
    NotAnAmount {
        /// Why.
        reason: &'static str,
        /// The text found.
        found: String,
    },
    /// A string that is not a date-time at all (it decoded, and keeps its text).
    NotADateTime {
        /// Why.
        reason: &'static str,
        /// The text found.
        found: String,
    },
    /// A date-time without a time zone.
    NoTimeZone {
        /// The text found.
        found: String,
    },
    /// A bare date where a date-time is due.
    DateOnly {
        /// The text found.
        found: String,
    },
    /// A rule beyond the spec's schema (a profile's narrowing, such as GBP only).
    Rule {
        /// What the rule requires.
        expected: String,
        /// What was found.
        found: String,
    },
}

impl Problem {
    /// The problem with any value it quotes cut to an [`excerpt`].
    fn shortened(self) -> Self {
        let cut = |s: String| {
            if s.len() > EXCERPT_CHARS * 4 || s.chars().nth(EXCERPT_CHARS).is_some() {
                excerpt(&s)
            } else {
                s
            }
        };
        match self {
            Problem::Pattern { pattern, found } => Problem::Pattern {
                pattern,
                found: cut(found),
            },
            Problem::UnknownCode { found } => Problem::UnknownCode { found: cut(found) },
            Problem::UnlistedCode { found } => Problem::UnlistedCode { found: cut(found) },
            Problem::NoTimeZone { found } => Problem::NoTimeZone { found: cut(found) },
            Problem::NotADateTime { reason, found } => Problem::NotADateTime {
                reason,
                found: cut(found),
            },
            Problem::NotAnAmount { reason, found } => Problem::NotAnAmount {
                reason,
                found: cut(found),
            },
            Problem::DateOnly { found } => Problem::DateOnly { found: cut(found) },
            Problem::BelowMinimum { min, found } => Problem::BelowMinimum {
                min,
                found: cut(found),
            },
            Problem::Rule { expected, found } => Problem::Rule {
                expected,
                found: cut(found),
            },
            other => other,
        }
    }

    /// Whether this is a note rather than a violation: something a stricter reader may refuse
    /// but the spec allows (a code outside an open code list). [`Validate::validate`] leaves
    /// notes out; [`Validate::validate_all`] and [`Validate::validate_strict`] keep them.
    pub fn is_note(&self) -> bool {
        matches!(self, Problem::UnlistedCode { .. })
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Problem::Missing => f.write_str("missing required field"),
            Problem::Unexpected => f.write_str("field not allowed by the spec"),
            Problem::TooShort { min, found } => {
                write!(
                    f,
                    "too short: expected at least {min} characters, found {found}"
                )
            }
            Problem::TooLong { max, found } => {
                write!(
                    f,
                    "too long: expected at most {max} characters, found {found}"
                )
            }
            Problem::Pattern { pattern, found } => {
                write!(f, "does not match pattern {pattern}: found {found:?}")
            }
            Problem::UnknownCode { found } => {
                write!(f, "not a code the spec lists: found {found:?}")
            }
            Problem::UnlistedCode { found } => {
                write!(
                    f,
                    "not a code the spec lists (the list is open: a newer code may be valid): found {found:?}"
                )
            }
            Problem::TooFewItems { min, found } => {
                write!(f, "too few items: expected at least {min}, found {found}")
            }
            Problem::TooManyItems { max, found } => {
                write!(f, "too many items: expected at most {max}, found {found}")
            }
            Problem::BelowMinimum { min, found } => {
                write!(f, "too small: expected at least {min}, found {found}")
            }
            Problem::NotAnAmount { reason, found } => {
                write!(f, "not a decimal amount ({reason}): found {found:?}")
            }
            Problem::NotADateTime { reason, found } => {
                write!(f, "not an RFC 3339 date-time ({reason}): found {found:?}")
            }
            Problem::NoTimeZone { found } => {
                write!(
                    f,
                    "date-time without a time zone: expected one such as \"Z\", found {found:?}"
                )
            }
            Problem::DateOnly { found } => {
                write!(f, "date where a date-time is due: found {found:?}")
            }
            Problem::Rule { expected, found } => write!(f, "expected {expected}, found {found}"),
        }
    }
}

/// One violation: where and what.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Violation {
    /// The JSON path, such as `$.Data.Transaction[0].Amount.Currency`.
    pub path: String,
    /// What is wrong there.
    pub problem: Problem,
}

impl Violation {
    /// Whether its problem is a note ([`Problem::is_note`]).
    pub fn is_note(&self) -> bool {
        self.problem.is_note()
    }
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.problem)
    }
}

/// Every violation found in a document (never empty).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Violations(pub Vec<Violation>);

impl fmt::Display for Violations {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} spec violation(s)", self.0.len())?;
        for v in &self.0 {
            write!(f, "\n  {v}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Violations {}

impl Violations {
    /// `Ok` when `all` holds nothing that counts, else the violations: notes
    /// ([`Problem::is_note`]) count only when `strict`.
    pub fn check(mut all: Vec<Violation>, strict: bool) -> Result<(), Violations> {
        if !strict {
            all.retain(|v| !v.is_note());
        }
        if all.is_empty() {
            Ok(())
        } else {
            Err(Violations(all))
        }
    }
}

/// The collector that `validate_at` implementations write into.
#[derive(Debug, Default)]
pub struct Report {
    /// The path being walked.
    pub path: Path,
    /// Violations found so far.
    pub violations: Vec<Violation>,
    /// A profile's narrowing of the object being validated, if any ([`Narrowing`]).
    pub narrowing: Option<&'static Narrowing>,
}

impl Report {
    /// A report that validates a document in a profile: `narrowing` is what the profile adds
    /// to the rules of the document's root type.
    pub fn narrowed(narrowing: Option<&'static Narrowing>) -> Self {
        Self {
            narrowing,
            ..Self::default()
        }
    }

    /// Records a problem at the current path (a value it quotes cut to an [`excerpt`]).
    pub fn add(&mut self, problem: Problem) {
        self.violations.push(Violation {
            path: self.path.to_string(),
            problem: problem.shortened(),
        });
    }

    /// Records a problem at the field `name` of the current path.
    pub fn add_at(&mut self, name: &str, problem: Problem) {
        self.path.push_key(name);
        let path = self.path.to_string();
        self.path.pop();
        self.violations.push(Violation {
            path,
            problem: problem.shortened(),
        });
    }
}

/// Checks a value against its spec. Generated for every model type.
pub trait Validate {
    /// Writes every violation into `report`, with paths under `report.path`.
    fn validate_at(&self, report: &mut Report);

    /// Every violation, or `Ok` when the value follows the spec. Notes (a code outside an
    /// open code list) are not violations: see [`validate_all`](Validate::validate_all).
    fn validate(&self) -> Result<(), Violations> {
        Violations::check(self.validate_all(), false)
    }

    /// Every violation and every note, in document order (filter with
    /// [`Violation::is_note`]).
    fn validate_all(&self) -> Vec<Violation> {
        let mut report = Report::default();
        self.validate_at(&mut report);
        report.violations
    }

    /// As [`validate`](Validate::validate), with notes counted as violations: for a reader
    /// that accepts only the codes it lists (a bank refusing a code it does not support).
    fn validate_strict(&self) -> Result<(), Violations> {
        Violations::check(self.validate_all(), true)
    }
}

impl<T: Validate> Validate for Option<T> {
    fn validate_at(&self, report: &mut Report) {
        if let Some(v) = self {
            v.validate_at(report);
        }
    }
}

impl<T: Validate> Validate for Box<T> {
    fn validate_at(&self, report: &mut Report) {
        (**self).validate_at(report);
    }
}

impl<T: Validate> Validate for Vec<T> {
    fn validate_at(&self, report: &mut Report) {
        for (i, v) in self.iter().enumerate() {
            report.path.push_index(i);
            v.validate_at(report);
            report.path.pop();
        }
    }
}

macro_rules! no_rules {
    ($($t:ty),*) => {$(
        impl Validate for $t {
            fn validate_at(&self, _: &mut Report) {}
        }
    )*};
}

no_rules!(
    String,
    crate::Text,
    bool,
    i32,
    i64,
    f64,
    serde_json::Value,
    JsonObject
);

impl Validate for Amount {
    fn validate_at(&self, report: &mut Report) {
        if let Some(e) = self.invalid() {
            report.add(Problem::NotAnAmount {
                reason: e.reason(),
                found: excerpt(e.text()),
            });
        }
    }
}

impl Validate for DateTime {
    fn validate_at(&self, report: &mut Report) {
        if let Some((text, reason)) = self.invalid_text() {
            report.add(Problem::NotADateTime {
                reason,
                found: excerpt(text),
            });
        } else if self.is_date_only() {
            report.add(Problem::DateOnly {
                found: self.to_string(),
            });
        } else if !self.has_time_zone() {
            report.add(Problem::NoTimeZone {
                found: self.to_string(),
            });
        }
    }
}

/// A compiled `pattern` from the spec, built on first use.
pub struct Pattern {
    source: &'static str,
    regex: std::sync::OnceLock<Option<crate::pattern::Matcher>>,
}

impl Pattern {
    /// A pattern from its source; compiled lazily.
    pub const fn new(source: &'static str) -> Self {
        Self {
            source,
            regex: std::sync::OnceLock::new(),
        }
    }

    /// The pattern's source text.
    pub fn source(&self) -> &'static str {
        self.source
    }

    /// Whether `text` matches (anywhere, unless the pattern is anchored). The generator checks
    /// that the model's engine parses every pattern, so `None` (a pattern it refuses) cannot
    /// happen for generated patterns; it matches nothing.
    pub fn is_match(&self, text: &str) -> bool {
        self.regex
            .get_or_init(|| crate::pattern::Matcher::new(self.source).ok())
            .as_ref()
            .is_some_and(|r| r.is_match(text))
    }
}

impl fmt::Debug for Pattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Pattern({:?})", self.source)
    }
}

/// Checks for generated code: string length in characters and pattern.
pub fn check_text(
    report: &mut Report,
    text: &str,
    min: Option<u64>,
    max: Option<u64>,
    pattern: Option<&Pattern>,
) {
    if min.is_some() || max.is_some() {
        let n = text.chars().count() as u64;
        if let Some(min) = min.filter(|m| n < *m) {
            report.add(Problem::TooShort { min, found: n });
        }
        if let Some(max) = max.filter(|m| n > *m) {
            report.add(Problem::TooLong { max, found: n });
        }
    }
    if let Some(p) = pattern {
        if !p.is_match(text) {
            report.add(Problem::Pattern {
                pattern: p.source(),
                found: excerpt(text),
            });
        }
    }
}

/// Checks for generated code: an amount's text against the spec's pattern.
pub fn check_amount(report: &mut Report, amount: &Amount, pattern: Option<&Pattern>) {
    if let Some(p) = pattern {
        let text = amount.to_string();
        if !p.is_match(&text) {
            report.add(Problem::Pattern {
                pattern: p.source(),
                found: text,
            });
        }
    }
}

/// Checks for generated code: array size.
pub fn check_items(report: &mut Report, len: usize, min: Option<u64>, max: Option<u64>) {
    let n = len as u64;
    if let Some(min) = min.filter(|m| n < *m) {
        report.add(Problem::TooFewItems { min, found: n });
    }
    if let Some(max) = max.filter(|m| n > *m) {
        report.add(Problem::TooManyItems { max, found: n });
    }
}

/// Checks for generated code: an integer's `minimum`.
pub fn check_minimum(report: &mut Report, value: i64, min: Option<i64>) {
    if let Some(min) = min.filter(|m| value < *m) {
        report.add(Problem::BelowMinimum {
            min: min.to_string(),
            found: value.to_string(),
        });
    }
}

/// Checks for generated code: missing required fields and, on closed objects, unknown ones.
pub fn check_extra<T: Object>(report: &mut Report, extra: &Extra) {
    for name in extra.missing() {
        report.add_at(name, Problem::Missing);
    }
    if !T::OPEN {
        for (name, _) in extra.fields() {
            report.add_at(name, Problem::Unexpected);
        }
    }
}

/// The spec's rules on one field beyond its type's own (generated as one `static` per distinct
/// set, shared by every field that has it): `validate()` checks them through [`CheckRules`], and the
/// JSON Schema of the field (feature `schemars`) states them.
#[derive(Clone, Copy, Debug)]
pub struct Rules {
    /// `minLength`, in characters.
    pub min_len: Option<u64>,
    /// `maxLength`, in characters.
    pub max_len: Option<u64>,
    /// `pattern`.
    pub pattern: Option<&'static Pattern>,
    /// `minItems`.
    pub min_items: Option<u64>,
    /// `maxItems`.
    pub max_items: Option<u64>,
    /// `minimum`.
    pub minimum: Option<i64>,
    /// A profile's allowed values (`x-allowed-values`).
    pub allowed: &'static [&'static str],
    /// The rules of each array element.
    pub items: Option<&'static Rules>,
}

impl Rules {
    /// No rule: what most fields have (generated code spells out only the rules a field has,
    /// `Rules { pattern: Some(&PATTERN_0), ..Rules::NONE }`).
    pub const NONE: Rules = Rules {
        min_len: None,
        max_len: None,
        pattern: None,
        min_items: None,
        max_items: None,
        minimum: None,
        allowed: &[],
        items: None,
    };

    fn has_text_rules(&self) -> bool {
        self.min_len.is_some() || self.max_len.is_some() || self.pattern.is_some()
    }
}

/// A field value checked against the field's [`Rules`], then validated as its type: what the
/// generated `validate_at` of an object calls for each field present. The checks run in a fixed
/// order (allowed values, then length and pattern, or the amount's pattern, or the minimum, or
/// the array's size and each element), so the first problem reported is stable.
pub trait CheckRules: Validate {
    /// Checks `self` against `rules`, writing problems at the current path, then validates it.
    /// The default (objects) has no field rules of its own.
    fn check_rules(&self, _rules: &Rules, report: &mut Report) {
        self.validate_at(report);
    }
}

fn check_string(text: &str, rules: &Rules, report: &mut Report) {
    if !rules.allowed.is_empty() {
        check_allowed(report, text, rules.allowed);
    }
    if rules.has_text_rules() {
        check_text(report, text, rules.min_len, rules.max_len, rules.pattern);
    }
}

impl CheckRules for crate::Text {
    fn check_rules(&self, rules: &Rules, report: &mut Report) {
        check_string(self, rules, report);
    }
}

impl CheckRules for String {
    fn check_rules(&self, rules: &Rules, report: &mut Report) {
        check_string(self, rules, report);
    }
}

impl CheckRules for Amount {
    fn check_rules(&self, rules: &Rules, report: &mut Report) {
        if !self.is_valid() {
            // Not an amount at all: that, rather than its pattern.
            return self.validate_at(report);
        }
        if !rules.allowed.is_empty() {
            check_allowed(report, &self.to_string(), rules.allowed);
        }
        if rules.pattern.is_some() {
            check_amount(report, self, rules.pattern);
        }
    }
}

impl CheckRules for i32 {
    fn check_rules(&self, rules: &Rules, report: &mut Report) {
        check_minimum(report, i64::from(*self), rules.minimum);
    }
}

impl CheckRules for i64 {
    fn check_rules(&self, rules: &Rules, report: &mut Report) {
        check_minimum(report, *self, rules.minimum);
    }
}

impl CheckRules for bool {}
impl CheckRules for f64 {}
impl CheckRules for DateTime {}
impl CheckRules for JsonObject {}
impl CheckRules for serde_json::Value {}

impl<T: CheckRules> CheckRules for Box<T> {
    fn check_rules(&self, rules: &Rules, report: &mut Report) {
        (**self).check_rules(rules, report);
    }
}

impl<T: CheckRules> CheckRules for Vec<T> {
    fn check_rules(&self, rules: &Rules, report: &mut Report) {
        if rules.min_items.is_some() || rules.max_items.is_some() {
            check_items(report, self.len(), rules.min_items, rules.max_items);
        }
        match rules.items {
            Some(item_rules) => {
                for (i, item) in self.iter().enumerate() {
                    report.path.push_index(i);
                    item.check_rules(item_rules, report);
                    report.path.pop();
                }
            }
            None => self.validate_at(report),
        }
    }
}

/// For generated code: checks the required field `name` (unless the document left it out,
/// which [`check_extra`] reports).
pub fn check_required<T: CheckRules>(
    report: &mut Report,
    extra: &Extra,
    name: &'static str,
    value: &T,
    rules: &Rules,
) {
    if !extra.is_missing(name) {
        report.path.push_field(name);
        value.check_rules(rules, report);
        report.path.pop();
    }
}

/// For generated code: checks the optional field `name` when present.
pub fn check_optional<T: CheckRules>(
    report: &mut Report,
    name: &'static str,
    value: &Option<T>,
    rules: &Rules,
) {
    if let Some(v) = value {
        report.path.push_field(name);
        v.check_rules(rules, report);
        report.path.pop();
    }
}

/// A profile's narrowing of one object type at one place of a document: what a bank's profile
/// (Monzo's, in `monzo-model`) adds to the spec's rules without changing the type's layout.
///
/// A profile that only narrows a spec type (fewer allowed values, a stricter pattern, a field
/// the spec makes optional made required) uses the spec's type, and states what it adds as data:
/// per field, the profile's rules in place of the spec's, whether the profile requires the
/// field, and the narrowing of the field's own type (of each element, for an array). The same
/// spec type can be narrowed differently in different places (an amount in GBP only in a
/// domestic payment, in any currency in an international one), so narrowing hangs from the
/// document's root down, not from the type. `validate()` applies it while walking: a
/// [`Report`] holds the narrowing of the object being validated, and the generated field
/// checks ([`vreq`], [`vopt`]) hand each field's narrowing on.
#[derive(Debug)]
pub struct Narrowing {
    /// The fields the profile narrows, by field index.
    pub fields: &'static [FieldNarrowing],
}

impl Narrowing {
    /// The narrowing of the field `index`, if the profile narrows it.
    pub fn field(&self, index: usize) -> Option<&'static FieldNarrowing> {
        // A 'static narrowing's fields are 'static: re-borrow them as such.
        let fields: &'static [FieldNarrowing] = self.fields;
        fields.iter().find(|f| f.index == index)
    }
}

/// A profile's narrowing of one field ([`Narrowing`]).
#[derive(Debug)]
pub struct FieldNarrowing {
    /// The field's index in its object's field table ([`Object::FIELDS`]).
    pub index: usize,
    /// The profile requires a field the spec makes optional.
    pub required: bool,
    /// The profile's rules for the field, in place of the spec's (`None`: the spec's).
    pub rules: Option<&'static Rules>,
    /// The narrowing of the field's type, or of each element of an array.
    pub inner: Option<&'static Narrowing>,
}

/// For generated code: [`check_required`] for the field `index` of `object` (its name from
/// [`Object::FIELDS`]), with the field's narrowing when the report carries one.
pub fn vreq<T: Object, V: CheckRules>(
    report: &mut Report,
    object: &T,
    index: usize,
    value: &V,
    rules: &Rules,
) {
    if let Some(name) = T::FIELDS.get(index) {
        let node = report.narrowing.take();
        let mut rules = rules;
        if let Some(f) = node.and_then(|n| n.field(index)) {
            report.narrowing = f.inner;
            rules = f.rules.unwrap_or(rules);
        }
        check_required(report, object.extra(), name, value, rules);
        report.narrowing = node;
    }
}

/// For generated code: [`check_optional`] for the field `index` of an object of type `T`, with
/// the field's narrowing when the report carries one (a profile may require the field).
pub fn vopt<T: Object, V: CheckRules>(
    report: &mut Report,
    index: usize,
    value: &Option<V>,
    rules: &Rules,
) {
    if let Some(name) = T::FIELDS.get(index) {
        let node = report.narrowing.take();
        let mut rules = rules;
        if let Some(f) = node.and_then(|n| n.field(index)) {
            report.narrowing = f.inner;
            rules = f.rules.unwrap_or(rules);
            if f.required && value.is_none() {
                report.add_at(name, Problem::Missing);
            }
        }
        check_optional(report, name, value, rules);
        report.narrowing = node;
    }
}

/// For generated code: a profile type's `validate_at` starts with its own narrowing (of the
/// spec types below it) and hands back the one it replaced, to restore at its end.
pub fn enter(report: &mut Report, narrowing: &'static Narrowing) -> Option<&'static Narrowing> {
    report.narrowing.replace(narrowing)
}

/// Checks for generated code: a profile's narrowing to a few allowed values (`x-allowed-values`).
pub fn check_allowed(report: &mut Report, text: &str, allowed: &[&str]) {
    if !allowed.contains(&text) {
        let expected = match allowed {
            [one] => format!("{one:?} (the only value this profile accepts)"),
            _ => format!("one of {allowed:?} (the values this profile accepts)"),
        };
        report.add(Problem::Rule {
            expected,
            found: format!("{:?}", excerpt(text)),
        });
    }
}

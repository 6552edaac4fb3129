//! `Number`: a JSON number kept as its exact text.
//!
//! The spec's `number` fields (`ControlSum`, `ExchangeRate`, product fee caps) would lose digits
//! through `f64` (`1.10` written back as `1.1`, `0.1 + 0.2`-style surprises, a value beyond `f64`
//! gone): the text is kept as sent and read as `f64` or a decimal on request.

use std::fmt;
use std::str::FromStr;

use serde_core::de::{self, Deserialize, Deserializer};
use serde_core::ser::{Serialize, Serializer};
use serde_json::value::RawValue;

/// A JSON number as it was written: `1.10` stays `1.10`, `1e400` keeps its value.
///
/// It is read and written through serde_json's raw values, so it keeps its text with
/// serde_json (the format of every model here); another serde format cannot carry it.
///
/// ```
/// use ob_model_runtime::Number;
/// let n: Number = serde_json::from_str("1.10").unwrap();
/// assert_eq!(n.as_str(), "1.10");
/// assert_eq!(serde_json::to_string(&n).unwrap(), "1.10");
/// assert_eq!(n.as_f64(), Some(1.1));
/// assert_eq!(n.to_decimal().unwrap().to_string(), "1.10");
/// let big: Number = "1e400".parse().unwrap();
/// assert_eq!(big.as_f64(), None);
/// assert!("1.".parse::<Number>().is_err());
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Number(Box<str>);

impl Number {
    /// The number's JSON text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The number as an `f64` (rounded as `f64` rounds), or `None` beyond its range.
    pub fn as_f64(&self) -> Option<f64> {
        self.0.parse::<f64>().ok().filter(|f| f.is_finite())
    }

    /// The number as an `i64`, if it is an integer written without a fraction or exponent.
    pub fn as_i64(&self) -> Option<i64> {
        self.0.parse().ok()
    }

    /// The number as an exact decimal, or `None` when a 96-bit decimal cannot hold it.
    pub fn to_decimal(&self) -> Option<rust_decimal::Decimal> {
        rust_decimal::Decimal::from_str_exact(&self.0)
            .ok()
            .or_else(|| rust_decimal::Decimal::from_scientific(&self.0).ok())
    }
}

/// Whether `s` is a JSON number (RFC 8259 §6: `-? int frac? exp?`).
fn is_json_number(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = usize::from(b.first() == Some(&b'-'));
    let digits = |i: &mut usize| {
        let start = *i;
        while *i < b.len() && b[*i].is_ascii_digit() {
            *i += 1;
        }
        *i - start
    };
    match b.get(i) {
        Some(b'0') => i += 1,
        Some(b'1'..=b'9') => {
            digits(&mut i);
        }
        _ => return false,
    }
    if b.get(i) == Some(&b'.') {
        i += 1;
        if digits(&mut i) == 0 {
            return false;
        }
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return false;
        }
    }
    i == b.len()
}

/// A text that is not a JSON number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NumberError(String);

impl fmt::Display for NumberError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "not a JSON number: {:?}",
            crate::validate::excerpt(&self.0)
        )
    }
}

impl std::error::Error for NumberError {}

impl FromStr for Number {
    type Err = NumberError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if is_json_number(s) {
            Ok(Self(s.into()))
        } else {
            Err(NumberError(s.to_owned()))
        }
    }
}

impl Default for Number {
    /// `0`.
    fn default() -> Self {
        Self("0".into())
    }
}

impl From<i64> for Number {
    fn from(v: i64) -> Self {
        Self(v.to_string().into())
    }
}

impl From<rust_decimal::Decimal> for Number {
    fn from(v: rust_decimal::Decimal) -> Self {
        Self(v.to_string().into())
    }
}

impl TryFrom<f64> for Number {
    type Error = NumberError;

    /// The shortest text that reads back as `v`; NaN and the infinities are not JSON numbers.
    fn try_from(v: f64) -> Result<Self, Self::Error> {
        if !v.is_finite() {
            return Err(NumberError(v.to_string()));
        }
        let text = serde_json::to_string(&v).map_err(|_| NumberError(v.to_string()))?;
        Ok(Self(text.into()))
    }
}

impl fmt::Display for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Number({})", self.0)
    }
}

impl Serialize for Number {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match RawValue::from_string(self.0.to_string()) {
            Ok(raw) => raw.serialize(serializer),
            Err(e) => Err(serde_core::ser::Error::custom(e)),
        }
    }
}

impl<'de> Deserialize<'de> for Number {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = Box::<RawValue>::deserialize(deserializer)?;
        let text = raw.get().trim();
        if is_json_number(text) {
            Ok(Self(text.into()))
        } else {
            let found = match text.as_bytes().first() {
                Some(b'[') => "sequence",
                Some(b'{') => "map",
                Some(b'"') => "string",
                Some(b't' | b'f') => "boolean",
                Some(b'n') => "null",
                _ => "value",
            };
            Err(de::Error::custom(format_args!(
                "invalid type: {found}, expected a JSON number"
            )))
        }
    }
}

impl crate::Validate for Number {
    fn validate_at(&self, _: &mut crate::validate::Report) {}
}

impl crate::CheckRules for Number {
    fn check_rules(&self, rules: &crate::Rules, report: &mut crate::validate::Report) {
        if let (Some(min), Some(v)) = (rules.minimum, self.to_decimal()) {
            if v < rust_decimal::Decimal::from(min) {
                report.add(crate::Problem::BelowMinimum {
                    min: min.to_string(),
                    found: self.to_string(),
                });
            }
        }
    }
}

//! Code lists: OBIE enumerations that never fail to decode.
//!
//! A bank may send a code newer than the spec this crate was generated from; it decodes as the
//! `Unknown(String)` variant and re-encodes unchanged. What `validate()` makes of it depends on
//! the list: a **closed** list (a plain `enum` in the spec, such as a status) reports it as a
//! violation ([`Problem::UnknownCode`](crate::Problem::UnknownCode)); an **open** list (OBIE's
//! `x-namespaced-enum` lists, which OBIE maintains apart from the specs, and Monzo's lists it
//! documents as open, such as its proprietary transaction codes and pot types) reports it as a
//! note ([`Problem::UnlistedCode`](crate::Problem::UnlistedCode)), which
//! [`Validate::validate`](crate::Validate::validate) leaves out and
//! [`Validate::validate_all`](crate::Validate::validate_all) and
//! [`Validate::validate_strict`](crate::Validate::validate_strict) keep.

use std::fmt;

use serde_core::de::{self, Deserializer, Visitor};

/// Decodes a code from a JSON string with `from_code`. Used by [`crate::open_enum!`].
pub fn deserialize_code<'de, D: Deserializer<'de>, T>(
    deserializer: D,
    what: &'static str,
    from_code: fn(&str) -> T,
) -> Result<T, D::Error> {
    struct CodeVisitor<T> {
        what: &'static str,
        from_code: fn(&str) -> T,
    }
    impl<T> Visitor<'_> for CodeVisitor<T> {
        type Value = T;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            write!(f, "a {} code as a JSON string", self.what)
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<T, E> {
            Ok((self.from_code)(v))
        }
    }
    deserializer.deserialize_str(CodeVisitor { what, from_code })
}

/// Declares an open code list: a variant per listed code plus `Unknown(String)`.
///
/// ```
/// ob_model_runtime::open_enum! {
///     /// Whether money came in or went out.
///     Direction {
///         /// Money in.
///         In = "In",
///         /// Money out.
///         Out = "Out",
///     }
/// }
/// assert_eq!(Direction::from_code("In"), Direction::In);
/// assert_eq!(Direction::from_code("Sideways").as_str(), "Sideways");
/// assert!(!Direction::from_code("Sideways").is_known());
/// ```
#[macro_export]
macro_rules! open_enum {
    (
        $(#[$meta:meta])*
        $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = $code:literal, )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )*
            /// A code the spec does not list, kept exactly as sent.
            Unknown(::std::string::String),
        }

        impl $name {
            /// Every code the spec lists, in spec order.
            pub const CODES: &'static [&'static str] = &[$($code),*];

            /// The code as it appears on the wire.
            pub fn as_str(&self) -> &str {
                match self {
                    $(Self::$variant => $code,)*
                    Self::Unknown(code) => code,
                }
            }

            /// The variant for a wire code; codes the spec does not list become `Unknown`.
            pub fn from_code(code: &str) -> Self {
                match code {
                    $($code => Self::$variant,)*
                    other => Self::Unknown(::std::string::String::from(other)),
                }
            }

            /// Whether the code is one the spec lists.
            pub fn is_known(&self) -> bool {
                !matches!(self, Self::Unknown(_))
            }
        }

        $crate::open_enum_traits!($name);
    };
}

/// The trait impls of an open code list whose type and inherent `CODES`, `as_str`, `from_code`
/// and `is_known` exist already (what the code generator writes out in full).
#[doc(hidden)]
#[macro_export]
macro_rules! open_enum_traits {
    // A closed list: an unlisted code is a violation.
    ($name:ident) => {
        $crate::open_enum_traits!($name, closed);
    };
    ($name:ident, closed) => {
        $crate::open_enum_traits!(@common $name, closed);

        impl $crate::Validate for $name {
            fn validate_at(&self, report: &mut $crate::validate::Report) {
                if let Self::Unknown(code) = self {
                    report.add($crate::validate::Problem::UnknownCode {
                        found: $crate::validate::excerpt(code),
                    });
                }
            }
        }
    };
    // An open list (OBIE's namespaced enumerations, Monzo's open lists): an unlisted code is a
    // note, which `validate()` does not count.
    ($name:ident, open) => {
        $crate::open_enum_traits!(@common $name, open);

        impl $crate::Validate for $name {
            fn validate_at(&self, report: &mut $crate::validate::Report) {
                if let Self::Unknown(code) = self {
                    report.add($crate::validate::Problem::UnlistedCode {
                        found: $crate::validate::excerpt(code),
                    });
                }
            }
        }
    };
    (@schema $name:ident, open) => {
        $crate::schema::codes(
            concat!(
                "Open code list `",
                stringify!($name),
                "`: one of the listed codes, or a newer one."
            ),
            Self::CODES,
        )
    };
    (@schema $name:ident, closed) => {
        $crate::schema::closed_codes(
            concat!("Code list `", stringify!($name), "`: one of the listed codes."),
            Self::CODES,
        )
    };
    (@common $name:ident, $open:tt) => {
        impl ::std::default::Default for $name {
            /// An empty unknown code (what a decoder fills in for a missing required field).
            fn default() -> Self {
                Self::Unknown(::std::string::String::new())
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = ::std::convert::Infallible;
            fn from_str(s: &str) -> ::std::result::Result<Self, Self::Err> {
                Ok(Self::from_code(s))
            }
        }

        impl ::std::convert::From<&str> for $name {
            fn from(s: &str) -> Self {
                Self::from_code(s)
            }
        }

        impl $crate::__private::serde::Serialize for $name {
            fn serialize<S: $crate::__private::serde::Serializer>(
                &self,
                serializer: S,
            ) -> ::std::result::Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> $crate::__private::serde::Deserialize<'de> for $name {
            fn deserialize<D: $crate::__private::serde::Deserializer<'de>>(
                deserializer: D,
            ) -> ::std::result::Result<Self, D::Error> {
                $crate::__private::deserialize_code(
                    deserializer,
                    stringify!($name),
                    Self::from_code,
                )
            }
        }

        #[cfg(feature = "schemars")]
        impl $crate::__private::schemars::JsonSchema for $name {
            fn schema_name() -> ::std::borrow::Cow<'static, str> {
                stringify!($name).into()
            }

            fn schema_id() -> ::std::borrow::Cow<'static, str> {
                concat!(module_path!(), "::", stringify!($name)).into()
            }

            fn json_schema(
                _: &mut $crate::__private::schemars::SchemaGenerator,
            ) -> $crate::__private::schemars::Schema {
                $crate::open_enum_traits!(@schema $name, $open)
            }
        }

        impl $crate::CheckRules for $name {
            fn check_rules(&self, rules: &$crate::Rules, report: &mut $crate::validate::Report) {
                if !rules.allowed.is_empty() {
                    $crate::__private::check_allowed(report, self.as_str(), rules.allowed);
                }
                $crate::Validate::validate_at(self, report);
            }
        }
    };
}

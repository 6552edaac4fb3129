//! JWT time claims (RFC 7519 §4.1): `exp`, `nbf`, `iat` as seconds since the epoch, checked
//! against a `now` the caller gives.
//!
//! ```
//! use chrono::{TimeZone, Utc};
//! use ob_jose::jwt::{check_times, TimeRules};
//!
//! let now = Utc.with_ymd_and_hms(2025, 3, 1, 9, 0, 0).unwrap();
//! let claims = serde_json::json!({"iat": now.timestamp(), "exp": now.timestamp() + 300});
//! check_times(claims.as_object().unwrap(), &TimeRules::at(now))?;
//! let later = TimeRules::at(now + chrono::Duration::minutes(10));
//! assert!(check_times(claims.as_object().unwrap(), &later).is_err());
//! # Ok::<(), ob_jose::JoseError>(())
//! ```

use chrono::Duration;
use serde_json::Value;

use crate::jws::{claim_error, Object};
use crate::{Instant, JoseError};

/// How to judge a JWT's time claims.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TimeRules {
    /// The time to judge at.
    pub now: Instant,
    /// Clock skew tolerated in both directions.
    pub leeway: Duration,
    /// Whether `exp` must be present.
    pub require_exp: bool,
    /// Whether `iat` must be present.
    pub require_iat: bool,
    /// The longest lifetime accepted, if limited: `exp - nbf` when `nbf` is present (FAPI 1
    /// Advanced: "an exp claim that has a lifetime of no longer than 60 minutes after the nbf
    /// claim"), else `exp - iat`, else `exp - now`.
    pub max_lifetime: Option<Duration>,
    /// Whether `nbf` must be present (FAPI 1 Advanced request objects).
    pub require_nbf: bool,
    /// How far in the past `nbf` may be, if limited (FAPI 1 Advanced: "an nbf claim that is no
    /// longer than 60 minutes in the past").
    pub max_nbf_age: Option<Duration>,
}

impl TimeRules {
    /// `exp` required, `iat` optional, one minute of leeway, no lifetime limit.
    pub fn at(now: Instant) -> Self {
        TimeRules {
            now,
            leeway: Duration::minutes(1),
            require_exp: true,
            require_iat: false,
            max_lifetime: None,
            require_nbf: false,
            max_nbf_age: None,
        }
    }
}

/// Largest magnitude accepted for a time in seconds: beyond 2^53 a float no longer holds whole
/// seconds.
const MAX_SECONDS: f64 = 9_007_199_254_740_992.0;

/// A JSON number as whole seconds: an integer, or a finite float (rounded down) within
/// ±2^53; anything else is `None`.
pub fn seconds(value: &Value) -> Option<i64> {
    value.as_i64().or_else(|| {
        value
            .as_f64()
            .filter(|f| f.is_finite() && f.abs() <= MAX_SECONDS)
            .map(|f| f.floor() as i64)
    })
}

/// A NumericDate claim as whole seconds, if present.
pub fn numeric_date(claims: &Object, name: &str) -> Result<Option<i64>, JoseError> {
    match claims.get(name) {
        None => Ok(None),
        Some(v @ Value::Number(n)) => seconds(v).map(Some).ok_or_else(|| {
            claim_error(name, format!("expected seconds since the epoch, found {n}"))
        }),
        Some(other) => Err(claim_error(
            name,
            format!("expected seconds since the epoch, found {other}"),
        )),
    }
}

/// Checks `exp` (must be after `now - leeway`), `nbf` and `iat` (must not be after
/// `now + leeway`), presence as the rules require, and the lifetime limit.
pub fn check_times(claims: &Object, rules: &TimeRules) -> Result<(), JoseError> {
    let now = rules.now.timestamp();
    let leeway = rules.leeway.num_seconds().max(0);
    let exp = numeric_date(claims, "exp")?;
    let nbf = numeric_date(claims, "nbf")?;
    let iat = numeric_date(claims, "iat")?;
    if rules.require_exp && exp.is_none() {
        return Err(JoseError::MissingClaim { name: "exp".into() });
    }
    if rules.require_iat && iat.is_none() {
        return Err(JoseError::MissingClaim { name: "iat".into() });
    }
    if rules.require_nbf && nbf.is_none() {
        return Err(JoseError::MissingClaim { name: "nbf".into() });
    }
    if let Some(exp) = exp {
        if exp <= now.saturating_sub(leeway) {
            return Err(claim_error(
                "exp",
                format!("expired at {exp}, now is {now}"),
            ));
        }
    }
    if let Some(nbf) = nbf {
        if nbf > now.saturating_add(leeway) {
            return Err(claim_error(
                "nbf",
                format!("not valid before {nbf}, now is {now}"),
            ));
        }
        if let Some(max) = rules.max_nbf_age {
            let oldest = now.saturating_sub(max.num_seconds()).saturating_sub(leeway);
            if nbf < oldest {
                return Err(claim_error(
                    "nbf",
                    format!(
                        "more than {} s in the past ({nbf}, now is {now})",
                        max.num_seconds()
                    ),
                ));
            }
        }
    }
    if let Some(iat) = iat {
        if iat > now.saturating_add(leeway) {
            return Err(claim_error(
                "iat",
                format!("issued in the future ({iat}), now is {now}"),
            ));
        }
    }
    if let (Some(max), Some(exp)) = (rules.max_lifetime, exp) {
        let from = nbf.or(iat).unwrap_or(now);
        if exp.saturating_sub(from) > max.num_seconds() {
            return Err(claim_error(
                "exp",
                format!(
                    "lifetime of {} s is over the limit of {} s",
                    exp.saturating_sub(from),
                    max.num_seconds()
                ),
            ));
        }
    }
    Ok(())
}

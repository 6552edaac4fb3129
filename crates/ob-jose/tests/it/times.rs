//! JWT time claims.

use chrono::Duration;
use ob_jose::jwt::{check_times, TimeRules};
use ob_jose::JoseError;
use serde_json::{json, Value};

use crate::now;

fn claims(v: Value) -> serde_json::Map<String, Value> {
    v.as_object().unwrap().clone()
}

#[test]
fn exp_nbf_iat_and_lifetime() {
    let t = now().timestamp();
    let rules = TimeRules::at(now());
    check_times(&claims(json!({"exp": t + 600, "iat": t, "nbf": t})), &rules).unwrap();
    let err = |v: Value, r: &TimeRules| check_times(&claims(v), r).unwrap_err();
    assert_eq!(
        err(json!({"iat": t}), &rules),
        JoseError::MissingClaim { name: "exp".into() }
    );
    assert!(
        matches!(err(json!({"exp": t - 61}), &rules), JoseError::InvalidClaim { ref name, .. } if name == "exp")
    );
    // Within the leeway.
    check_times(&claims(json!({"exp": t - 30})), &rules).unwrap();
    assert!(
        matches!(err(json!({"exp": t + 600, "nbf": t + 120}), &rules), JoseError::InvalidClaim { ref name, .. } if name == "nbf")
    );
    assert!(
        matches!(err(json!({"exp": t + 600, "iat": t + 120}), &rules), JoseError::InvalidClaim { ref name, .. } if name == "iat")
    );
    assert!(
        matches!(err(json!({"exp": "soon"}), &rules), JoseError::InvalidClaim { ref name, .. } if name == "exp")
    );
    let fapi = TimeRules {
        max_lifetime: Some(Duration::minutes(60)),
        require_iat: true,
        ..rules
    };
    check_times(&claims(json!({"exp": t + 3600, "iat": t})), &fapi).unwrap();
    assert!(
        matches!(err(json!({"exp": t + 3601, "iat": t}), &fapi), JoseError::InvalidClaim { ref name, .. } if name == "exp")
    );
    assert_eq!(
        err(json!({"exp": t + 60}), &fapi),
        JoseError::MissingClaim { name: "iat".into() }
    );
    // FAPI 1 Advanced request objects: nbf required, exp - nbf at most 60 minutes, nbf at most
    // 60 minutes in the past.
    let fapi_ro = TimeRules {
        max_lifetime: Some(Duration::minutes(60)),
        require_nbf: true,
        max_nbf_age: Some(Duration::minutes(60)),
        ..rules
    };
    check_times(&claims(json!({"exp": t + 3000, "nbf": t - 300})), &fapi_ro).unwrap();
    assert_eq!(
        err(json!({"exp": t + 600}), &fapi_ro),
        JoseError::MissingClaim { name: "nbf".into() }
    );
    assert!(
        matches!(err(json!({"exp": t + 3301, "nbf": t - 300}), &fapi_ro), JoseError::InvalidClaim { ref name, .. } if name == "exp"),
        "exp - nbf over 60 minutes, though exp - now is not"
    );
    assert!(
        matches!(err(json!({"exp": t + 60, "nbf": t - 3600 - 61}), &fapi_ro), JoseError::InvalidClaim { ref name, .. } if name == "nbf")
    );
    // Far-off numbers do not overflow; floats beyond whole seconds are refused.
    check_times(&claims(json!({"exp": i64::MAX, "iat": i64::MIN})), &rules).unwrap();
    check_times(&claims(json!({"exp": (t + 600) as f64 + 0.5})), &rules).unwrap();
    assert!(
        matches!(err(json!({"exp": 1e300}), &rules), JoseError::InvalidClaim { ref name, .. } if name == "exp")
    );
    assert!(
        matches!(err(json!({"exp": t + 600, "iat": -1e300}), &rules), JoseError::InvalidClaim { ref name, .. } if name == "iat")
    );
}

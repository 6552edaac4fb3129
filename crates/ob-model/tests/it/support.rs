//! Shared test helpers: where the example fixtures are, and dispatch by module name.

use std::path::PathBuf;

#[cfg(feature = "dynamic")]
use ob_model::decode::{Checked, DecodeError};
use ob_model::Operation;

/// The shared examples directory: `$OB_EXAMPLES_DIR`, else `../shared/examples` beside the repo.
#[cfg_attr(not(feature = "dynamic"), allow(dead_code))]
pub fn examples_dir() -> PathBuf {
    if let Some(d) = std::env::var_os("OB_EXAMPLES_DIR") {
        return PathBuf::from(d);
    }
    let d = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/examples");
    assert!(
        d.is_dir(),
        "example fixtures not found at {}: set OB_EXAMPLES_DIR to the shared examples directory",
        d.display()
    );
    d
}

#[cfg_attr(not(feature = "dynamic"), allow(dead_code))]
pub fn operations(module: &str) -> &'static [Operation] {
    match module {
        "accounts" => ob_model::accounts::OPERATIONS,
        "payments" => ob_model::payments::OPERATIONS,
        "payments_v3_1_11" => ob_model::payments_v3_1_11::OPERATIONS,
        "vrp" => ob_model::vrp::OPERATIONS,
        "funds" => ob_model::funds::OPERATIONS,
        "events" => ob_model::events::OPERATIONS,
        "event_notifications" => ob_model::event_notifications::OPERATIONS,
        "registration" => ob_model::registration::OPERATIONS,
        other => panic!("no module {other}"),
    }
}

#[cfg(feature = "dynamic")]
pub fn check_json(module: &str, ty: &str, body: &[u8]) -> Option<Result<Checked, DecodeError>> {
    match module {
        "accounts" => ob_model::accounts::check_json(ty, body),
        "payments" => ob_model::payments::check_json(ty, body),
        "payments_v3_1_11" => ob_model::payments_v3_1_11::check_json(ty, body),
        "vrp" => ob_model::vrp::check_json(ty, body),
        "funds" => ob_model::funds::check_json(ty, body),
        "events" => ob_model::events::check_json(ty, body),
        "event_notifications" => ob_model::event_notifications::check_json(ty, body),
        "registration" => ob_model::registration::check_json(ty, body),
        other => panic!("no module {other}"),
    }
}

/// Whether a concrete path (`/accounts/123/transactions`) fits a template (`/accounts/{AccountId}/transactions`).
#[cfg_attr(not(feature = "dynamic"), allow(dead_code))]
pub fn path_matches(template: &str, path: &str) -> bool {
    let t: Vec<&str> = template.trim_end_matches('/').split('/').collect();
    let p: Vec<&str> = path
        .split('?')
        .next()
        .unwrap_or("")
        .trim_end_matches('/')
        .split('/')
        .collect();
    t.len() == p.len()
        && t.iter()
            .zip(&p)
            .all(|(a, b)| a == b || (a.starts_with('{') && a.ends_with('}')))
}

//! The redirect back from the ASPSP. With `response_type=code id_token` (the only response type
//! of the Open Banking profile) the result is in the URL fragment
//! (`#code=...&id_token=...&state=...`), and the id_token is required: its `c_hash` and
//! `s_hash` are what bind the code and state to the bank ([`validate_callback`]). Errors come
//! in the fragment (`#error=access_denied&error_description=...&state=...`) or, when the bank
//! could not tell the response mode, in the query.
//!
//! ```
//! use ob_oidc::callback::parse_callback;
//! let c = parse_callback("https://tpp.example/cb#code=abc&id_token=h.p.s&state=st-1", "st-1")?;
//! assert_eq!(c.code.expose(), "abc");
//! // A code in the query is not accepted: it would come without the id_token that binds it.
//! assert!(parse_callback("https://tpp.example/cb?code=abc&state=st-1", "st-1").is_err());
//! # Ok::<(), ob_oidc::OidcError>(())
//! ```
//!
//! [`validate_callback`]: crate::id_token::validate_callback

use crate::{form, OidcError};

/// A successful callback, `state` checked.
#[derive(Clone, PartialEq, Eq)]
pub struct Callback {
    /// The authorization code.
    pub code: crate::AuthorizationCode,
    /// The id_token from the authorization endpoint (validate it with
    /// [`crate::id_token::validate_callback`]).
    pub id_token: String,
    /// The state, as sent.
    pub state: String,
}

impl std::fmt::Debug for Callback {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Callback")
            .field("code", &"<redacted>")
            .field("id_token", &"<redacted>")
            .field("state", &self.state)
            .finish()
    }
}

/// Reads the callback URL (or just its fragment) and checks `state` against the one sent. A
/// result must come in the fragment with an id_token; an error response (fragment or query)
/// becomes [`OidcError::AuthorizationDenied`] once its state matches.
pub fn parse_callback(url: &str, expected_state: &str) -> Result<Callback, OidcError> {
    let fragment = url.split_once('#').map(|(_, f)| f);
    let query = url
        .split_once('?')
        .map(|(_, q)| q.split('#').next().unwrap_or_default());
    let (params, in_fragment) = match (fragment, query) {
        (Some(f), _) if !f.is_empty() => (f, true),
        (_, Some(q)) if !q.is_empty() => (q, false),
        _ if !url.contains(['?', '#', '/']) && url.contains('=') => (url, true),
        _ => {
            return Err(OidcError::MalformedCallback {
                reason: "no parameters in the fragment or the query".into(),
            })
        }
    };
    let pairs = form::decode_pairs(params).ok_or_else(|| OidcError::MalformedCallback {
        reason: "parameters are not form-encoded".into(),
    })?;
    let get = |name: &str| -> Result<Option<String>, OidcError> {
        let mut found = pairs.iter().filter(|(k, _)| k == name);
        let first = found.next().map(|(_, v)| v.clone());
        if found.next().is_some() {
            return Err(OidcError::MalformedCallback {
                reason: format!("{name} appears more than once"),
            });
        }
        Ok(first)
    };
    let state = get("state")?;
    if state.as_deref() != Some(expected_state) {
        return Err(OidcError::StateMismatch {
            expected: expected_state.to_owned(),
            found: state,
        });
    }
    if let Some(error) = get("error")? {
        return Err(OidcError::AuthorizationDenied {
            error,
            description: get("error_description")?,
        });
    }
    if !in_fragment {
        return Err(OidcError::MalformedCallback {
            reason: "a result in the query: expected the fragment (response_type code id_token)"
                .into(),
        });
    }
    let code =
        get("code")?
            .filter(|c| !c.is_empty())
            .ok_or_else(|| OidcError::MalformedCallback {
                reason: "no code and no error".into(),
            })?;
    let id_token =
        get("id_token")?
            .filter(|t| !t.is_empty())
            .ok_or_else(|| OidcError::MalformedCallback {
                reason: "no id_token: the hybrid flow returns one with the code".into(),
            })?;
    Ok(Callback {
        code: crate::AuthorizationCode::new(code),
        id_token,
        state: expected_state.to_owned(),
    })
}

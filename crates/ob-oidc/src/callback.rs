//! The redirect back from the ASPSP. With `response_type=code id_token` the result is in the
//! URL fragment (`#code=...&id_token=...&state=...`); errors come the same way
//! (`#error=access_denied&error_description=...&state=...`), or in the query.

use crate::{form, OidcError};

/// A successful callback, `state` checked.
#[derive(Clone, PartialEq, Eq)]
pub struct Callback {
    /// The authorization code.
    pub code: String,
    /// The id_token from the authorization endpoint (validate it with
    /// [`crate::id_token::validate`], with `code` and `state`).
    pub id_token: Option<String>,
    /// The state, as sent.
    pub state: String,
}

impl std::fmt::Debug for Callback {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Callback")
            .field("code", &"<redacted>")
            .field("id_token", &self.id_token.as_ref().map(|_| "<redacted>"))
            .field("state", &self.state)
            .finish()
    }
}

/// Reads the callback URL (or just its fragment or query) and checks `state` against the one
/// sent. An error response becomes [`OidcError::AuthorizationDenied`] once its state matches.
pub fn parse_callback(url: &str, expected_state: &str) -> Result<Callback, OidcError> {
    let fragment = url.split_once('#').map(|(_, f)| f);
    let query = url
        .split_once('?')
        .map(|(_, q)| q.split('#').next().unwrap_or_default());
    let params = match (fragment, query) {
        (Some(f), _) if !f.is_empty() => f,
        (_, Some(q)) if !q.is_empty() => q,
        _ if !url.contains(['?', '#', '/']) && url.contains('=') => url,
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
    let code =
        get("code")?
            .filter(|c| !c.is_empty())
            .ok_or_else(|| OidcError::MalformedCallback {
                reason: "no code and no error".into(),
            })?;
    Ok(Callback {
        code,
        id_token: get("id_token")?,
        state: expected_state.to_owned(),
    })
}

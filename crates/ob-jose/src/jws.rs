//! Compact JWS (RFC 7515 §7.1) signed with PS256: request objects, id_tokens, software
//! statements, registration requests.
//!
//! [`verify`] accepts only `alg` PS256 with a `kid` that the [`Verifier`] knows; it refuses
//! `none`, every other algorithm, keys carried in the header (`jwk`, `jku`, `x5u`, `x5c`),
//! `b64`, duplicate header members, and `crit` entries the caller did not declare understood.
//! A successful verification returns [`Verified`], which only this module can make.
//!
//! ```
//! use ob_jose::jws::{self, Object};
//! use ob_jose::{JoseError, Jwks, SigningKey};
//!
//! let key = SigningKey::generate("k1", 2048)?;
//! let token = jws::sign_json(&key, &Object::new(), &serde_json::json!({"sub": "aac_1"}))?;
//! let verified = jws::verify(&token, &Jwks { keys: vec![key.public_jwk()] })?;
//! assert_eq!(verified.claims()?["sub"], "aac_1");
//!
//! // An unsecured token is refused whatever it says.
//! let unsecured = ob_jose::dangerous::encode_unsecured(&Object::new(), b"{}")?;
//! assert_eq!(jws::verify(&unsecured, &Jwks::default()).unwrap_err(), JoseError::UnsecuredRefused);
//! # Ok::<(), JoseError>(())
//! ```

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{Map, Value};

use crate::json::parse_object;
use crate::{b64, JoseError, Signer, Verifier, PS256};

/// Header parameters that carry or point to a key; refused by every verifier here.
pub const EMBEDDED_KEY_PARAMS: &[&str] = &["jwk", "jku", "x5u", "x5c"];

/// A JOSE header or a set of JWT claims.
pub type Object = Map<String, Value>;

pub(crate) fn claim_error(name: &str, reason: impl Into<String>) -> JoseError {
    JoseError::InvalidClaim {
        name: name.into(),
        reason: reason.into(),
    }
}

/// Checks `alg` is PS256.
pub(crate) fn check_alg(header: &Object) -> Result<(), JoseError> {
    match header.get("alg") {
        None => Err(JoseError::MissingClaim { name: "alg".into() }),
        Some(Value::String(a)) if a == PS256 => Ok(()),
        Some(Value::String(a)) if a.eq_ignore_ascii_case("none") => {
            Err(JoseError::UnsecuredRefused)
        }
        Some(Value::String(a)) => Err(JoseError::AlgorithmNotAllowed { alg: a.clone() }),
        Some(other) => Err(claim_error(
            "alg",
            format!("expected a string, found {other}"),
        )),
    }
}

/// Checks the header carries no key of its own.
pub(crate) fn check_no_embedded_key(header: &Object) -> Result<(), JoseError> {
    match EMBEDDED_KEY_PARAMS
        .iter()
        .find(|p| header.contains_key(**p))
    {
        Some(p) => Err(JoseError::EmbeddedKeyRefused {
            param: (*p).to_owned(),
        }),
        None => Ok(()),
    }
}

/// The header's `kid`.
pub(crate) fn kid(header: &Object) -> Result<&str, JoseError> {
    match header.get("kid") {
        None => Err(JoseError::MissingClaim { name: "kid".into() }),
        Some(Value::String(k)) if !k.is_empty() => Ok(k),
        Some(other) => Err(claim_error(
            "kid",
            format!("expected a non-empty string, found {other}"),
        )),
    }
}

/// The three parts of a compact JWS.
pub(crate) fn split3<'a>(token: &'a str, what: &str) -> Result<[&'a str; 3], JoseError> {
    let mut parts = token.split('.');
    match (parts.next(), parts.next(), parts.next(), parts.next()) {
        (Some(h), Some(p), Some(s), None) => Ok([h, p, s]),
        _ => Err(JoseError::Malformed {
            reason: format!("{what} is not three base64url parts separated by dots"),
        }),
    }
}

/// The `crit` list of a header, if present: a non-empty array of distinct strings (RFC 7515
/// §4.1.11: "Producers MUST NOT include ... duplicate names ... Producers MUST NOT use the
/// empty list"; every verifier here refuses both).
pub(crate) fn crit(header: &Object) -> Result<Option<Vec<String>>, JoseError> {
    let Some(value) = header.get("crit") else {
        return Ok(None);
    };
    let list: Option<Vec<String>> = value.as_array().and_then(|items| {
        items
            .iter()
            .map(|v| v.as_str().map(str::to_owned))
            .collect()
    });
    if let Some(l) = &list {
        if let Some((i, dup)) = l
            .iter()
            .enumerate()
            .find(|(i, name)| l[..*i].contains(name))
        {
            return Err(claim_error(
                "crit",
                format!("expected distinct entries, found {dup:?} twice (entry {i})"),
            ));
        }
    }
    match list {
        Some(l) if !l.is_empty() => Ok(Some(l)),
        _ => Err(claim_error(
            "crit",
            format!("expected a non-empty array of strings, found {value}"),
        )),
    }
}

fn header_with(signer: &impl Signer, extra: &Object) -> Result<Object, JoseError> {
    let mut header = Object::new();
    header.insert("alg".into(), Value::String(PS256.into()));
    header.insert("kid".into(), Value::String(signer.key_id().into()));
    for (k, v) in extra {
        if matches!(k.as_str(), "alg" | "kid" | "b64") || EMBEDDED_KEY_PARAMS.contains(&k.as_str())
        {
            return Err(JoseError::Misuse {
                reason: format!("header parameter {k:?} is set by the signer, not the caller"),
            });
        }
        header.insert(k.clone(), v.clone());
    }
    Ok(header)
}

/// Signs `payload` as a compact JWS: header `{"alg":"PS256","kid":<signer's kid>}` plus
/// `extra_header` (for example `typ`), which may not set `alg`, `kid`, `b64` or a key.
pub fn sign(
    signer: &impl Signer,
    extra_header: &Object,
    payload: &[u8],
) -> Result<String, JoseError> {
    let header = header_with(signer, extra_header)?;
    let header_json = serde_json::to_vec(&header).map_err(|e| JoseError::Misuse {
        reason: format!("header encoding: {e}"),
    })?;
    let input = format!("{}.{}", b64::encode(&header_json), b64::encode(payload));
    let sig = signer.sign_ps256(input.as_bytes())?;
    Ok(format!("{input}.{}", b64::encode(&sig)))
}

/// Signs a JSON value (JWT claims) as a compact JWS; see [`sign`].
pub fn sign_json<T: Serialize + ?Sized>(
    signer: &impl Signer,
    extra_header: &Object,
    claims: &T,
) -> Result<String, JoseError> {
    let payload = serde_json::to_vec(claims).map_err(|e| JoseError::Misuse {
        reason: format!("claims encoding: {e}"),
    })?;
    sign(signer, extra_header, &payload)
}

/// What a verification accepts beyond the defaults.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Validation {
    /// Header parameters the caller handles, which may therefore appear in `crit`.
    pub understood_crit: Vec<String>,
    /// The `typ` the header must have (compared without case), if any.
    pub typ: Option<String>,
}

/// A JWS whose PS256 signature has been checked. Only [`verify`] and [`verify_with`] make one.
#[derive(Clone, Debug, PartialEq)]
pub struct Verified {
    header: Object,
    payload: Vec<u8>,
}

impl Verified {
    /// The protected header.
    pub fn header(&self) -> &Object {
        &self.header
    }

    /// The `kid` of the key that signed it.
    pub fn kid(&self) -> &str {
        self.header
            .get("kid")
            .and_then(Value::as_str)
            .unwrap_or_default()
    }

    /// The payload bytes.
    pub fn payload(&self) -> &[u8] {
        &self.payload
    }

    /// The payload as a JSON object (JWT claims), refusing duplicate members.
    pub fn claims(&self) -> Result<Object, JoseError> {
        parse_object(&self.payload, "JWT claims")
    }

    /// The payload decoded as `T`.
    pub fn claims_as<T: DeserializeOwned>(&self) -> Result<T, JoseError> {
        serde_json::from_slice(&self.payload).map_err(|e| JoseError::Malformed {
            reason: format!("JWT claims: {e}"),
        })
    }
}

/// Parses a compact JWS without checking anything but its form: header, payload, signing input
/// and signature.
pub(crate) fn parse(token: &str) -> Result<(Object, Vec<u8>, String, Vec<u8>), JoseError> {
    let [h, p, s] = split3(token, "the JWS")?;
    let header = parse_object(&b64::decode(h, "the JWS header")?, "the JWS header")?;
    let payload = b64::decode(p, "the JWS payload")?;
    let sig = b64::decode(s, "the JWS signature")?;
    Ok((header, payload, format!("{h}.{p}"), sig))
}

/// Verifies a compact JWS with the default [`Validation`] (no `crit`, any `typ`).
pub fn verify(token: &str, verifier: &impl Verifier) -> Result<Verified, JoseError> {
    verify_with(token, verifier, &Validation::default())
}

/// Verifies a compact JWS: PS256 only, a `kid` the verifier knows, no embedded keys, no `b64`,
/// `crit` limited to `validation.understood_crit` (and each listed parameter present), `typ`
/// as required, then the signature.
pub fn verify_with(
    token: &str,
    verifier: &impl Verifier,
    validation: &Validation,
) -> Result<Verified, JoseError> {
    let (header, payload, input, sig) = parse(token)?;
    check_alg(&header)?;
    check_no_embedded_key(&header)?;
    if header.contains_key("b64") {
        return Err(claim_error(
            "b64",
            "unencoded payloads are not accepted here",
        ));
    }
    if let Some(list) = crit(&header)? {
        for name in &list {
            if !validation.understood_crit.iter().any(|u| u == name) {
                return Err(JoseError::CritMismatch {
                    expected: validation.understood_crit.clone(),
                    found: list.clone(),
                });
            }
            if !header.contains_key(name) {
                return Err(JoseError::MissingClaim { name: name.clone() });
            }
        }
    }
    if let Some(want) = &validation.typ {
        match header.get("typ").and_then(Value::as_str) {
            Some(t) if t.eq_ignore_ascii_case(want) => {}
            Some(t) => {
                return Err(claim_error(
                    "typ",
                    format!("expected {want:?}, found {t:?}"),
                ))
            }
            None => return Err(JoseError::MissingClaim { name: "typ".into() }),
        }
    }
    let kid = kid(&header)?;
    verifier.verify_ps256(kid, input.as_bytes(), &sig)?;
    Ok(Verified { header, payload })
}

//! The detached JWS of the `x-jws-signature` header (OBIE Read/Write API v3.1.4 and later).
//!
//! The header value is `BASE64URL(header)..BASE64URL(signature)`: a compact JWS whose payload
//! (the exact HTTP body bytes) is left out (RFC 7515 Appendix F). The protected header holds
//! `alg` (PS256), `kid`, optionally `typ` (`JOSE`) and `cty` (`json` or `application/json`:
//! every body signed here is JSON), and three claims that must be listed, exactly and once
//! each, in `crit`:
//!
//! | claim | value |
//! |---|---|
//! | `http://openbanking.org.uk/iat` | when it was signed, seconds since the epoch, not in the future |
//! | `http://openbanking.org.uk/iss` | the signer: `{org-id}/{software-statement-id}` for a TPP, `{org-id}` for an ASPSP |
//! | `http://openbanking.org.uk/tan` | the trust anchor, `openbanking.org.uk` |
//!
//! Since v3.1.4 the payload is base64url-encoded like any JWS; the `b64: false` of v3.1.2 and
//! v3.1.3 is refused unless [`DetachedVerifier::allow_legacy_b64`] is called.

use chrono::Duration;
use serde_json::Value;

use crate::json::parse_object;
use crate::jws::{check_alg, check_no_embedded_key, claim_error, crit, kid, split3, Object};
use crate::{b64, Instant, JoseError, Signer, Verifier, PS256};

/// The `iat` claim's name.
pub const IAT: &str = "http://openbanking.org.uk/iat";
/// The `iss` claim's name.
pub const ISS: &str = "http://openbanking.org.uk/iss";
/// The `tan` claim's name.
pub const TAN: &str = "http://openbanking.org.uk/tan";
/// The Open Banking directory's trust anchor.
pub const OPEN_BANKING_TAN: &str = "openbanking.org.uk";
/// The HTTP header that carries the signature.
pub const HEADER: &str = "x-jws-signature";

/// Signs HTTP bodies for `x-jws-signature`.
#[derive(Clone, Debug)]
pub struct DetachedSigner<S> {
    signer: S,
    iss: String,
    tan: String,
    typ: bool,
    cty: Option<String>,
}

impl<S: Signer> DetachedSigner<S> {
    /// A signer for the issuer `iss` (`{org-id}/{software-statement-id}` for a TPP), with trust
    /// anchor `openbanking.org.uk`, `typ` `JOSE` and `cty` `application/json`.
    pub fn new(signer: S, iss: impl Into<String>) -> Self {
        DetachedSigner {
            signer,
            iss: iss.into(),
            tan: OPEN_BANKING_TAN.into(),
            typ: true,
            cty: Some("application/json".into()),
        }
    }

    /// Uses another trust anchor.
    pub fn trust_anchor(mut self, tan: impl Into<String>) -> Self {
        self.tan = tan.into();
        self
    }

    /// Leaves out `typ`.
    pub fn without_typ(mut self) -> Self {
        self.typ = false;
        self
    }

    /// Sets `cty`, or leaves it out with `None`.
    pub fn content_type(mut self, cty: Option<String>) -> Self {
        self.cty = cty;
        self
    }

    /// The `x-jws-signature` value for `body` (the exact bytes sent), signed at `now`.
    pub fn sign(&self, body: &[u8], now: Instant) -> Result<String, JoseError> {
        let mut header = Object::new();
        header.insert("alg".into(), Value::String(PS256.into()));
        header.insert("kid".into(), Value::String(self.signer.key_id().into()));
        if self.typ {
            header.insert("typ".into(), Value::String("JOSE".into()));
        }
        if let Some(cty) = &self.cty {
            header.insert("cty".into(), Value::String(cty.clone()));
        }
        header.insert(IAT.into(), Value::from(now.timestamp()));
        header.insert(ISS.into(), Value::String(self.iss.clone()));
        header.insert(TAN.into(), Value::String(self.tan.clone()));
        header.insert(
            "crit".into(),
            Value::from(vec![IAT.to_owned(), ISS.to_owned(), TAN.to_owned()]),
        );
        let header_json = serde_json::to_vec(&header).map_err(|e| JoseError::Misuse {
            reason: format!("header encoding: {e}"),
        })?;
        let h = b64::encode(&header_json);
        let input = format!("{h}.{}", b64::encode(body));
        let sig = self.signer.sign_ps256(input.as_bytes())?;
        Ok(format!("{h}..{}", b64::encode(&sig)))
    }
}

/// A checked `x-jws-signature`. Only [`DetachedVerifier::verify`] makes one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifiedSignature {
    kid: String,
    iss: String,
    iat: i64,
    legacy_b64: bool,
}

impl VerifiedSignature {
    /// The `kid` of the key that signed.
    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// The signer, from `http://openbanking.org.uk/iss`.
    pub fn issuer(&self) -> &str {
        &self.iss
    }

    /// When it was signed (`http://openbanking.org.uk/iat`), seconds since the epoch.
    pub fn issued_at(&self) -> i64 {
        self.iat
    }

    /// Whether it was a legacy `b64: false` signature.
    pub fn is_legacy_b64(&self) -> bool {
        self.legacy_b64
    }
}

/// Checks `x-jws-signature` headers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DetachedVerifier {
    tan: String,
    iss: String,
    legacy_b64: bool,
    clock_skew: Duration,
}

impl DetachedVerifier {
    /// A verifier for signatures by `iss` (a client's `{org-id}/{software-statement-id}`, or a
    /// bank's `{org-id}`): the issuer is always required, so that one party's key cannot
    /// vouch for another's messages. Trust anchor `openbanking.org.uk`, `b64` refused, 60
    /// seconds of clock skew tolerated on `iat`.
    pub fn new(iss: impl Into<String>) -> Self {
        DetachedVerifier {
            tan: OPEN_BANKING_TAN.into(),
            iss: iss.into(),
            legacy_b64: false,
            clock_skew: Duration::seconds(60),
        }
    }

    /// Requires another trust anchor.
    pub fn trust_anchor(mut self, tan: impl Into<String>) -> Self {
        self.tan = tan.into();
        self
    }

    /// Also accepts the `b64: false` (unencoded payload) signatures of v3.1.2 and v3.1.3, for
    /// older peers. Off by default.
    pub fn allow_legacy_b64(mut self) -> Self {
        self.legacy_b64 = true;
        self
    }

    /// Sets how far in the future `iat` may be (clock skew between the parties).
    pub fn clock_skew(mut self, skew: Duration) -> Self {
        self.clock_skew = skew;
        self
    }

    /// Checks the `x-jws-signature` value `header_value` (`None` when the header is absent)
    /// against `body`, the exact bytes received, with keys from `verifier`, at `now`.
    pub fn verify(
        &self,
        header_value: Option<&str>,
        body: &[u8],
        verifier: &impl Verifier,
        now: Instant,
    ) -> Result<VerifiedSignature, JoseError> {
        let value = header_value.map(str::trim).ok_or(JoseError::Missing)?;
        if value.is_empty() {
            return Err(JoseError::Missing);
        }
        let [h, payload, s] = split3(value, "x-jws-signature")?;
        if !payload.is_empty() {
            return Err(JoseError::Malformed {
                reason: "x-jws-signature must be detached: expected an empty middle part".into(),
            });
        }
        if h.is_empty() || s.is_empty() {
            return Err(JoseError::Malformed {
                reason: "x-jws-signature has an empty header or signature part".into(),
            });
        }
        let header = parse_object(&b64::decode(h, "the JWS header")?, "the JWS header")?;
        let sig = b64::decode(s, "the JWS signature")?;

        check_alg(&header)?;
        check_no_embedded_key(&header)?;
        let kid = kid(&header)?.to_owned();
        let legacy = self.check_b64(&header)?;
        for name in header.keys() {
            let allowed = matches!(name.as_str(), "alg" | "kid" | "typ" | "cty" | "crit")
                || name == IAT
                || name == ISS
                || name == TAN
                || (legacy && name == "b64");
            if !allowed {
                return Err(claim_error(name, "unexpected header parameter"));
            }
        }
        if let Some(typ) = header.get("typ") {
            if !typ.as_str().is_some_and(|t| t.eq_ignore_ascii_case("JOSE")) {
                return Err(claim_error(
                    "typ",
                    format!("expected \"JOSE\", found {typ}"),
                ));
            }
        }
        if let Some(cty) = header.get("cty") {
            // OBIE (Read/Write Data API profile, "Process for Signing a Payload", step 2):
            // "If it is specified, it must be set to the value json or application/json for
            // json payloads", and the verifier "must validate that the cty header to ensure
            // that the payload is of the expected mime type". Every body signed here is JSON.
            let json = cty.as_str().is_some_and(|c| {
                matches!(c.to_ascii_lowercase().as_str(), "json" | "application/json")
            });
            if !json {
                return Err(claim_error(
                    "cty",
                    format!("expected \"json\" or \"application/json\", found {cty}"),
                ));
            }
        }
        let iat = self.check_iat(&header, now)?;
        let iss = text_claim(&header, ISS)?;
        if iss != self.iss {
            return Err(claim_error(
                ISS,
                format!("expected {:?}, found {iss:?}", self.iss),
            ));
        }
        let tan = text_claim(&header, TAN)?;
        if tan != self.tan {
            return Err(claim_error(
                TAN,
                format!("expected {:?}, found {tan:?}", self.tan),
            ));
        }
        self.check_crit(&header, legacy)?;

        let mut input = Vec::with_capacity(h.len() + 1 + body.len() * 4 / 3 + 4);
        input.extend_from_slice(h.as_bytes());
        input.push(b'.');
        if legacy {
            input.extend_from_slice(body);
        } else {
            input.extend_from_slice(b64::encode(body).as_bytes());
        }
        verifier.verify_ps256(&kid, &input, &sig)?;
        Ok(VerifiedSignature {
            kid,
            iss: iss.to_owned(),
            iat,
            legacy_b64: legacy,
        })
    }

    /// Whether the header uses `b64: false`, refusing `b64` unless legacy mode is on.
    fn check_b64(&self, header: &Object) -> Result<bool, JoseError> {
        match header.get("b64") {
            None => Ok(false),
            Some(_) if !self.legacy_b64 => Err(claim_error(
                "b64",
                "not allowed since v3.1.4: the payload must be base64url-encoded",
            )),
            Some(Value::Bool(false)) => Ok(true),
            Some(other) => Err(claim_error("b64", format!("expected false, found {other}"))),
        }
    }

    fn check_iat(&self, header: &Object, now: Instant) -> Result<i64, JoseError> {
        let value = header
            .get(IAT)
            .ok_or_else(|| JoseError::MissingClaim { name: IAT.into() })?;
        let iat = crate::jwt::seconds(value).ok_or_else(|| {
            claim_error(
                IAT,
                format!("expected seconds since the epoch, found {value}"),
            )
        })?;
        let latest = now
            .timestamp()
            .saturating_add(self.clock_skew.num_seconds().max(0));
        if iat > latest {
            return Err(claim_error(
                IAT,
                format!(
                    "expected a time in the past, found {iat} (now is {})",
                    now.timestamp()
                ),
            ));
        }
        Ok(iat)
    }

    fn check_crit(&self, header: &Object, legacy: bool) -> Result<(), JoseError> {
        let mut expected = vec![IAT.to_owned(), ISS.to_owned(), TAN.to_owned()];
        if legacy {
            expected.insert(0, "b64".to_owned());
        }
        let found = crit(header)?.ok_or_else(|| JoseError::MissingClaim {
            name: "crit".into(),
        })?;
        let mut sorted_found = found.clone();
        sorted_found.sort();
        let mut sorted_expected = expected.clone();
        sorted_expected.sort();
        if sorted_found != sorted_expected {
            return Err(JoseError::CritMismatch { expected, found });
        }
        Ok(())
    }
}

fn text_claim<'a>(header: &'a Object, name: &str) -> Result<&'a str, JoseError> {
    match header.get(name) {
        None => Err(JoseError::MissingClaim { name: name.into() }),
        Some(Value::String(s)) if !s.is_empty() => Ok(s),
        Some(other) => Err(claim_error(
            name,
            format!("expected a non-empty string, found {other}"),
        )),
    }
}

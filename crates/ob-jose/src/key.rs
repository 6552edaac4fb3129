//! RSA keys for PS256: a private [`SigningKey`], a public [`VerifyingKey`], and their JSON
//! forms [`Jwk`] and [`Jwks`] (RFC 7517), with selection by `kid`.

use std::fmt;

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::{KeyPair, KeyPairComponents, KeySize, PublicKeyComponents};
use aws_lc_rs::signature::{self, KeyPair as _};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::{b64, pem, JoseError, Signer, Verifier, PS256};

/// The shortest RSA key Open Banking accepts.
pub const MIN_RSA_BITS: usize = 2048;

fn rejected(reason: impl Into<String>) -> JoseError {
    JoseError::KeyRejected {
        reason: reason.into(),
    }
}

fn strip_zeros(bytes: &[u8]) -> &[u8] {
    let first = bytes.iter().position(|b| *b != 0).unwrap_or(bytes.len());
    &bytes[first..]
}

fn bit_len(n: &[u8]) -> usize {
    let n = strip_zeros(n);
    match n.first() {
        None => 0,
        Some(top) => n.len() * 8 - top.leading_zeros() as usize,
    }
}

/// An RSA private key that signs PS256, with the `kid` it is published under.
///
/// `Debug` never shows key material.
///
/// ```
/// use ob_jose::{Jwks, Signer, SigningKey, Verifier};
///
/// let key = SigningKey::generate("signing-1", 2048)?;
/// // Store it as PKCS#8 PEM; publish its public half in a JWKS.
/// let pem = key.to_pkcs8_pem()?;
/// let again = SigningKey::from_pem("signing-1", &pem)?;
/// let jwks = Jwks { keys: vec![key.public_jwk()] };
/// let published = jwks.to_public_json()?;
///
/// // Anyone with the JWKS verifies by kid.
/// let sig = again.sign_ps256(b"message")?;
/// Jwks::from_json(&published)?.verify_ps256("signing-1", b"message", &sig)?;
/// # Ok::<(), ob_jose::JoseError>(())
/// ```
pub struct SigningKey {
    kid: String,
    pair: KeyPair,
    rng: SystemRandom,
    public: VerifyingKey,
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKey")
            .field("kid", &self.kid)
            .field("bits", &self.bits())
            .finish_non_exhaustive()
    }
}

impl SigningKey {
    fn new(kid: impl Into<String>, pair: KeyPair) -> Result<Self, JoseError> {
        let kid = kid.into();
        let public = {
            let p = pair.public_key();
            VerifyingKey::from_components(
                Some(kid.clone()),
                p.modulus().big_endian_without_leading_zero(),
                p.exponent().big_endian_without_leading_zero(),
            )?
        };
        Ok(SigningKey {
            kid,
            pair,
            rng: SystemRandom::new(),
            public,
        })
    }

    /// A new random key of `bits` bits (2048, 3072 or 4096).
    pub fn generate(kid: impl Into<String>, bits: usize) -> Result<Self, JoseError> {
        let size = match bits {
            2048 => KeySize::Rsa2048,
            3072 => KeySize::Rsa3072,
            4096 => KeySize::Rsa4096,
            other if other < MIN_RSA_BITS => return Err(JoseError::WeakKey { bits: other }),
            other => {
                return Err(JoseError::Misuse {
                    reason: format!("RSA key size {other}: expected 2048, 3072 or 4096"),
                })
            }
        };
        let pair = KeyPair::generate(size).map_err(|_| JoseError::Signing {
            reason: "RSA key generation failed".into(),
        })?;
        Self::new(kid, pair)
    }

    /// A key from PKCS#8 DER (`PrivateKeyInfo`).
    pub fn from_pkcs8_der(kid: impl Into<String>, der: &[u8]) -> Result<Self, JoseError> {
        let pair = KeyPair::from_pkcs8(der).map_err(|e| rejected(format!("PKCS#8: {e}")))?;
        Self::new(kid, pair)
    }

    /// A key from PEM: `PRIVATE KEY` (PKCS#8) or `RSA PRIVATE KEY` (PKCS#1).
    pub fn from_pem(kid: impl Into<String>, text: &str) -> Result<Self, JoseError> {
        let (label, der) = pem::decode(text)?;
        let pair = match label.as_str() {
            "PRIVATE KEY" => KeyPair::from_pkcs8(&der),
            "RSA PRIVATE KEY" => KeyPair::from_der(&der),
            other => {
                return Err(rejected(format!(
                    "PEM label {other:?}: expected PRIVATE KEY or RSA PRIVATE KEY"
                )))
            }
        }
        .map_err(|e| rejected(format!("{label}: {e}")))?;
        Self::new(kid, pair)
    }

    /// A key from a private RSA JWK (`n`, `e`, `d`, `p`, `q`, `dp`, `dq`, `qi`); its `kid` is
    /// required.
    pub fn from_jwk(jwk: &Jwk) -> Result<Self, JoseError> {
        if jwk.kty != "RSA" {
            return Err(rejected(format!("kty {:?}: expected RSA", jwk.kty)));
        }
        let kid = jwk.kid.clone().ok_or_else(|| rejected("JWK without kid"))?;
        let member = |name: &str, v: &Option<String>| -> Result<Vec<u8>, JoseError> {
            let text = v
                .as_deref()
                .ok_or_else(|| rejected(format!("private JWK without {name}")))?;
            b64::decode(text, name).map_err(|_| rejected(format!("JWK {name} is not base64url")))
        };
        let n = member("n", &jwk.n)?;
        let e = member("e", &jwk.e)?;
        let d = member("d", &jwk.d)?;
        let p = member("p", &jwk.p)?;
        let q = member("q", &jwk.q)?;
        let dp = member("dp", &jwk.dp)?;
        let dq = member("dq", &jwk.dq)?;
        let qi = member("qi", &jwk.qi)?;
        if bit_len(&n) < MIN_RSA_BITS {
            return Err(JoseError::WeakKey { bits: bit_len(&n) });
        }
        let components = KeyPairComponents {
            public_key: PublicKeyComponents {
                n: n.as_slice(),
                e: e.as_slice(),
            },
            d: d.as_slice(),
            p: p.as_slice(),
            q: q.as_slice(),
            dP: dp.as_slice(),
            dQ: dq.as_slice(),
            qInv: qi.as_slice(),
        };
        let pair = KeyPair::from_components(&components)
            .map_err(|e| rejected(format!("private JWK: {e}")))?;
        Self::new(kid, pair)
    }

    /// The key as PKCS#8 PEM (`PRIVATE KEY`), for storing it. This is secret material.
    pub fn to_pkcs8_pem(&self) -> Result<String, JoseError> {
        let der = self.pair.as_der().map_err(|_| JoseError::Signing {
            reason: "PKCS#8 encoding failed".into(),
        })?;
        Ok(pem::encode("PRIVATE KEY", der.as_ref()))
    }

    /// The key's size in bits.
    pub fn bits(&self) -> usize {
        self.public.bits()
    }

    /// The public half.
    pub fn verifying_key(&self) -> VerifyingKey {
        self.public.clone()
    }

    /// The public half as a JWK to publish: `kty` RSA, `kid`, `use` sig, `alg` PS256, `n`, `e`.
    pub fn public_jwk(&self) -> Jwk {
        self.verifying_key().to_jwk()
    }
}

impl Signer for SigningKey {
    fn key_id(&self) -> &str {
        &self.kid
    }

    fn sign_ps256(&self, message: &[u8]) -> Result<Vec<u8>, JoseError> {
        let mut sig = vec![0; self.pair.public_modulus_len()];
        self.pair
            .sign(&signature::RSA_PSS_SHA256, &self.rng, message, &mut sig)
            .map_err(|_| JoseError::Signing {
                reason: "RSA-PSS signing failed".into(),
            })?;
        Ok(sig)
    }
}

/// An RSA public key that verifies PS256, with the `kid` it is known by (if any). The key is
/// parsed once, when made, not at every verification.
#[derive(Clone)]
pub struct VerifyingKey {
    kid: Option<String>,
    n: Vec<u8>,
    e: Vec<u8>,
    parsed: signature::ParsedPublicKey,
}

impl PartialEq for VerifyingKey {
    fn eq(&self, other: &Self) -> bool {
        self.kid == other.kid && self.n == other.n && self.e == other.e
    }
}

impl Eq for VerifyingKey {}

impl fmt::Debug for VerifyingKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VerifyingKey")
            .field("kid", &self.kid)
            .field("bits", &self.bits())
            .finish()
    }
}

impl VerifyingKey {
    /// A key from its modulus and exponent (big-endian bytes).
    pub fn from_components(kid: Option<String>, n: &[u8], e: &[u8]) -> Result<Self, JoseError> {
        let (n, e) = (strip_zeros(n), strip_zeros(e));
        if e.is_empty() {
            return Err(rejected("RSA exponent is zero"));
        }
        if bit_len(n) < MIN_RSA_BITS {
            return Err(JoseError::WeakKey { bits: bit_len(n) });
        }
        let parsed = PublicKeyComponents { n, e }
            .to_parsed_public_key(&signature::RSA_PSS_2048_8192_SHA256)
            .map_err(|e| rejected(format!("RSA public key: {e}")))?;
        Ok(VerifyingKey {
            kid,
            n: n.to_vec(),
            e: e.to_vec(),
            parsed,
        })
    }

    /// A key from DER: `SubjectPublicKeyInfo` (RFC 5280) or `RSAPublicKey` (PKCS#1).
    pub fn from_der(kid: Option<String>, der: &[u8]) -> Result<Self, JoseError> {
        let public = aws_lc_rs::rsa::PublicKey::from_der(der)
            .map_err(|e| rejected(format!("RSA public key DER: {e}")))?;
        Self::from_components(
            kid,
            public.modulus().big_endian_without_leading_zero(),
            public.exponent().big_endian_without_leading_zero(),
        )
    }

    /// A key from PEM: `PUBLIC KEY` or `RSA PUBLIC KEY`.
    pub fn from_pem(kid: Option<String>, text: &str) -> Result<Self, JoseError> {
        let (label, der) = pem::decode(text)?;
        if label != "PUBLIC KEY" && label != "RSA PUBLIC KEY" {
            return Err(rejected(format!(
                "PEM label {label:?}: expected PUBLIC KEY or RSA PUBLIC KEY"
            )));
        }
        Self::from_der(kid, &der)
    }

    /// A key from a public RSA JWK (`n`, `e`). Private members, if any, are ignored.
    pub fn from_jwk(jwk: &Jwk) -> Result<Self, JoseError> {
        if jwk.kty != "RSA" {
            return Err(rejected(format!("kty {:?}: expected RSA", jwk.kty)));
        }
        let get = |name: &str, v: &Option<String>| -> Result<Vec<u8>, JoseError> {
            let text = v
                .as_deref()
                .ok_or_else(|| rejected(format!("RSA JWK without {name}")))?;
            b64::decode(text, name).map_err(|_| rejected(format!("JWK {name} is not base64url")))
        };
        Self::from_components(jwk.kid.clone(), &get("n", &jwk.n)?, &get("e", &jwk.e)?)
    }

    /// The key's `kid`, if it has one.
    pub fn key_id(&self) -> Option<&str> {
        self.kid.as_deref()
    }

    /// The key's size in bits.
    pub fn bits(&self) -> usize {
        bit_len(&self.n)
    }

    /// Checks a PS256 signature of `message`.
    pub fn check(&self, message: &[u8], sig: &[u8]) -> Result<(), JoseError> {
        self.parsed
            .verify_sig(message, sig)
            .map_err(|_| JoseError::BadSignature)
    }

    /// The key as a public JWK: `kty` RSA, `kid` (if any), `use` sig, `alg` PS256, `n`, `e`.
    pub fn to_jwk(&self) -> Jwk {
        Jwk {
            kty: "RSA".into(),
            kid: self.kid.clone(),
            use_: Some("sig".into()),
            alg: Some(PS256.into()),
            n: Some(b64::encode(&self.n)),
            e: Some(b64::encode(&self.e)),
            ..Jwk::default()
        }
    }
}

impl Verifier for VerifyingKey {
    fn verify_ps256(&self, kid: &str, message: &[u8], sig: &[u8]) -> Result<(), JoseError> {
        if self.kid.as_deref().is_some_and(|k| k != kid) {
            return Err(JoseError::UnknownKey { kid: kid.into() });
        }
        self.check(message, sig)
    }
}

/// A JSON Web Key (RFC 7517), as far as RSA signing keys need; other members are kept.
///
/// `Debug` hides the private members.
#[derive(Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Jwk {
    /// Key type (`RSA`).
    pub kty: String,
    /// Key id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kid: Option<String>,
    /// Intended use (`sig` or `enc`).
    #[serde(default, rename = "use", skip_serializing_if = "Option::is_none")]
    pub use_: Option<String>,
    /// Algorithm the key is for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alg: Option<String>,
    /// Modulus (base64url).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub n: Option<String>,
    /// Public exponent (base64url).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub e: Option<String>,
    /// Private exponent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub d: Option<String>,
    /// First prime.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub p: Option<String>,
    /// Second prime.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub q: Option<String>,
    /// First CRT exponent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dp: Option<String>,
    /// Second CRT exponent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dq: Option<String>,
    /// CRT coefficient.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub qi: Option<String>,
    /// Certificate chain (base64 DER), as the Open Banking directory publishes it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub x5c: Option<Vec<String>>,
    /// Other members, kept as they are.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

impl fmt::Debug for Jwk {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Jwk")
            .field("kty", &self.kty)
            .field("kid", &self.kid)
            .field("use", &self.use_)
            .field("alg", &self.alg)
            .field("private", &self.is_private())
            .finish_non_exhaustive()
    }
}

impl Jwk {
    /// Whether the JWK carries private or secret key material (RSA `d`, `p`, `q`, `dp`, `dq`,
    /// `qi`, `oth`; EC/OKP `d`; symmetric `k`).
    pub fn is_private(&self) -> bool {
        [&self.d, &self.p, &self.q, &self.dp, &self.dq, &self.qi]
            .iter()
            .any(|m| m.is_some())
            || ["k", "oth"].iter().any(|m| self.other.contains_key(*m))
    }

    /// Whether the key may verify PS256 signatures: RSA, not marked for encryption, and no
    /// other algorithm named.
    pub fn is_ps256_signing_key(&self) -> bool {
        self.kty == "RSA"
            && self.use_.as_deref().is_none_or(|u| u == "sig")
            && self.alg.as_deref().is_none_or(|a| a == PS256)
    }
}

/// A JSON Web Key Set (RFC 7517 §5).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Jwks {
    /// The keys.
    pub keys: Vec<Jwk>,
}

impl Jwks {
    /// Parses a JWKS document.
    pub fn from_json(bytes: &[u8]) -> Result<Self, JoseError> {
        serde_json::from_slice(bytes).map_err(|e| rejected(format!("JWKS: {e}")))
    }

    /// The JWKS as JSON, for publishing. Refuses a set holding private keys.
    pub fn to_public_json(&self) -> Result<Vec<u8>, JoseError> {
        if self.keys.iter().any(Jwk::is_private) {
            return Err(JoseError::Misuse {
                reason: "a published JWKS must not hold private keys".into(),
            });
        }
        serde_json::to_vec(self).map_err(|e| JoseError::Misuse {
            reason: format!("JWKS encoding: {e}"),
        })
    }

    /// The PS256 signing key named `kid`: an RSA key with that `kid`, not for encryption, and
    /// not for another algorithm.
    pub fn key(&self, kid: &str) -> Result<VerifyingKey, JoseError> {
        let jwk = self
            .keys
            .iter()
            .find(|k| k.kid.as_deref() == Some(kid) && k.is_ps256_signing_key())
            .ok_or_else(|| JoseError::UnknownKey { kid: kid.into() })?;
        VerifyingKey::from_jwk(jwk)
    }
}

impl Verifier for Jwks {
    /// Parses the key named `kid` at each call; for many verifications, parse once with
    /// [`Jwks::verifying_keys`].
    fn verify_ps256(&self, kid: &str, message: &[u8], sig: &[u8]) -> Result<(), JoseError> {
        self.key(kid)?.check(message, sig)
    }
}

impl Jwks {
    /// Every PS256 signing key of the set that has a `kid`, parsed once. Keys that cannot be
    /// read (too short, malformed) are left out and returned with their error, so that one bad
    /// key in a published set does not stop the others.
    pub fn verifying_keys(&self) -> (VerifyingKeys, Vec<(Option<String>, JoseError)>) {
        let mut keys = Vec::new();
        let mut rejected = Vec::new();
        for jwk in self.keys.iter().filter(|k| k.is_ps256_signing_key()) {
            match (&jwk.kid, VerifyingKey::from_jwk(jwk)) {
                (Some(_), Ok(k)) => keys.push(k),
                (None, Ok(_)) => rejected.push((None, rejected_kidless())),
                (kid, Err(e)) => rejected.push((kid.clone(), e)),
            }
        }
        (VerifyingKeys(keys), rejected)
    }
}

fn rejected_kidless() -> JoseError {
    rejected("JWK without kid")
}

/// Parsed PS256 keys, selected by `kid`: the fast [`Verifier`] for a JWKS used many times.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct VerifyingKeys(Vec<VerifyingKey>);

impl VerifyingKeys {
    /// The key named `kid`.
    pub fn get(&self, kid: &str) -> Option<&VerifyingKey> {
        self.0.iter().find(|k| k.key_id() == Some(kid))
    }

    /// How many keys.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there is none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl Verifier for VerifyingKeys {
    fn verify_ps256(&self, kid: &str, message: &[u8], sig: &[u8]) -> Result<(), JoseError> {
        self.get(kid)
            .ok_or_else(|| JoseError::UnknownKey { kid: kid.into() })?
            .check(message, sig)
    }
}

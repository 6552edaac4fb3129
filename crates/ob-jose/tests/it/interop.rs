//! Interop both ways with an independent JOSE implementation (Python joserfc, pinned in
//! `tests/peer/requirements.txt`, installed by `tests/peer/setup.sh` on first use): what we sign,
//! it verifies; what it signs, we verify; tampered variants fail on both sides.
//!
//! Needs `python3` with `venv` and access to PyPI the first time. Set `OB_SKIP_INTEROP=1` to skip
//! these tests on a machine without them (CI never sets it).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use ob_jose::detached::{DetachedSigner, DetachedVerifier};
use ob_jose::{jws, JoseError, Jwk, Jwks, SigningKey};
use serde_json::Map;

use crate::{jwks, key};

const ISSUER: &str = "0015800001041REAAY/2kiXQyo0tedjW2somjSgH7";
const BODY: &[u8] = br#"{"Data":{"ConsentId":"obpispdomesticpaymentconsent_1"},"Risk":{}}"#;

fn peer_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/peer")
}

/// The real time: the peer checks `iat` against its own clock.
fn wall_clock() -> ob_jose::Instant {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    chrono::DateTime::from_timestamp(secs as i64, 0).unwrap()
}

/// The peer's Python, set up once per test run; `None` when skipped.
fn python() -> Option<&'static Path> {
    static PYTHON: OnceLock<Option<PathBuf>> = OnceLock::new();
    PYTHON
        .get_or_init(|| {
            if std::env::var("OB_SKIP_INTEROP").is_ok_and(|v| v == "1") {
                eprintln!("OB_SKIP_INTEROP=1: interop tests skipped");
                return None;
            }
            let venv = Path::new(env!("CARGO_TARGET_TMPDIR")).join("jose-peer-venv");
            let status = Command::new("bash")
                .arg(peer_dir().join("setup.sh"))
                .arg(&venv)
                .status()
                .expect("run bash");
            assert!(
                status.success(),
                "installing the interop peer failed (crates/ob-jose/tests/peer/setup.sh {}): it needs \
                 python3 with venv and PyPI; set OB_SKIP_INTEROP=1 to skip these tests",
                venv.display()
            );
            Some(venv.join("bin/python"))
        })
        .as_deref()
}

/// Runs a peer command; returns whether it succeeded and what it printed.
fn peer(py: &Path, args: &[&str]) -> (bool, String) {
    let out = Command::new(py)
        .arg(peer_dir().join("peer.py"))
        .args(args)
        .output()
        .expect("run the peer");
    let stdout = String::from_utf8_lossy(&out.stdout).trim_end().to_owned();
    assert!(
        out.status.code().is_some_and(|c| c == 0 || c == 1),
        "peer {args:?} crashed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), stdout)
}

/// A scratch directory for one test.
fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("jose-interop-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> String {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path.to_string_lossy().into_owned()
}

#[test]
fn what_we_sign_the_peer_verifies() {
    let Some(py) = python() else { return };
    let dir = scratch("ours");
    let jwks_path = write(&dir, "jwks.json", &jwks().to_public_json().unwrap());
    let body = write(&dir, "body.json", BODY);
    let mut tampered = BODY.to_vec();
    tampered[10] ^= 0x20;
    let tampered = write(&dir, "tampered.json", &tampered);

    // Detached x-jws-signature, signed now (the peer checks iat against its clock).
    let sig = DetachedSigner::new(key(), ISSUER)
        .sign(BODY, wall_clock())
        .unwrap();
    assert_eq!(
        peer(py, &["verify-detached", &jwks_path, &body, &sig, ISSUER]),
        (true, "ok".into())
    );
    let (ok, why) = peer(
        py,
        &["verify-detached", &jwks_path, &tampered, &sig, ISSUER],
    );
    assert!(!ok && why.contains("BadSignature"), "{why}");
    let (ok, _) = peer(
        py,
        &["verify-detached", &jwks_path, &body, &sig, "another/issuer"],
    );
    assert!(!ok);

    // Compact JWS.
    let token = jws::sign(key(), &Map::new(), BODY).unwrap();
    assert_eq!(
        peer(py, &["verify-compact", &jwks_path, &token]),
        (true, String::from_utf8(BODY.to_vec()).unwrap())
    );
    let mut parts: Vec<String> = token.split('.').map(str::to_owned).collect();
    parts[1] = parts[1].replacen('e', "f", 1);
    let (ok, _) = peer(py, &["verify-compact", &jwks_path, &parts.join(".")]);
    assert!(!ok);
}

#[test]
fn what_the_peer_signs_we_verify() {
    let Some(py) = python() else { return };
    let dir = scratch("theirs");
    let pem = dir.join("key.pem").to_string_lossy().into_owned();
    let jwk_path = dir.join("key.jwk").to_string_lossy().into_owned();
    assert!(peer(py, &["gen-key", &pem, &jwk_path, "peer-key-1"]).0);
    let private: Jwk = serde_json::from_slice(&std::fs::read(&jwk_path).unwrap()).unwrap();
    let mut public = private.clone();
    for m in [
        &mut public.d,
        &mut public.p,
        &mut public.q,
        &mut public.dp,
        &mut public.dq,
        &mut public.qi,
    ] {
        *m = None;
    }
    let their_jwks = Jwks { keys: vec![public] };
    let body = write(&dir, "body.json", BODY);
    let verifier = DetachedVerifier::new(ISSUER);
    let now = wall_clock();

    let (ok, sig) = peer(py, &["sign-detached", &pem, "peer-key-1", ISSUER, &body]);
    assert!(ok, "{sig}");
    let v = verifier.verify(Some(&sig), BODY, &their_jwks, now).unwrap();
    assert_eq!(v.kid(), "peer-key-1");
    let mut tampered = BODY.to_vec();
    tampered[10] ^= 0x20;
    assert_eq!(
        verifier
            .verify(Some(&sig), &tampered, &their_jwks, now)
            .unwrap_err(),
        JoseError::BadSignature
    );
    // Our keys do not verify it.
    assert!(matches!(
        verifier.verify(Some(&sig), BODY, &jwks(), now),
        Err(JoseError::UnknownKey { .. })
    ));

    // Legacy b64:false from the peer: refused by default, accepted when allowed.
    let (ok, legacy) = peer(
        py,
        &[
            "sign-detached",
            &pem,
            "peer-key-1",
            ISSUER,
            &body,
            "--legacy",
        ],
    );
    assert!(ok, "{legacy}");
    assert!(matches!(
        verifier.verify(Some(&legacy), BODY, &their_jwks, now),
        Err(JoseError::InvalidClaim { .. })
    ));
    assert!(verifier
        .clone()
        .allow_legacy_b64()
        .verify(Some(&legacy), BODY, &their_jwks, now)
        .unwrap()
        .is_legacy_b64());

    // Compact.
    let (ok, token) = peer(py, &["sign-compact", &pem, "peer-key-1", &body]);
    assert!(ok, "{token}");
    assert_eq!(jws::verify(&token, &their_jwks).unwrap().payload(), BODY);

    // Its key files load here, as PEM and as a private JWK, into the same key, which it trusts.
    let from_pem =
        SigningKey::from_pem("peer-key-1", &std::fs::read_to_string(&pem).unwrap()).unwrap();
    let from_jwk = SigningKey::from_jwk(&private).unwrap();
    assert_eq!(from_pem.verifying_key(), from_jwk.verifying_key());
    assert_eq!(
        their_jwks.key("peer-key-1").unwrap(),
        from_jwk.verifying_key()
    );
    let ours = DetachedSigner::new(&from_jwk, ISSUER)
        .sign(BODY, now)
        .unwrap();
    let their_jwks_path = write(&dir, "jwks.json", &their_jwks.to_public_json().unwrap());
    assert_eq!(
        peer(
            py,
            &["verify-detached", &their_jwks_path, &body, &ours, ISSUER]
        ),
        (true, "ok".into())
    );
}

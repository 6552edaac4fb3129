"""The interop peer: Open Banking JWS operations done by joserfc, an independent implementation.

Commands (files are paths; results go to stdout; exit status 0 = ok, 1 = refused):
  gen-key PEM_OUT JWK_OUT KID          new RSA-2048 key: PKCS#8 PEM and private JWK
  sign-detached PEM KID ISS BODY [--legacy]   x-jws-signature value for BODY
  verify-detached JWKS BODY SIG ISS [--legacy]  check an x-jws-signature value
  sign-compact PEM KID PAYLOAD         compact PS256 JWS of PAYLOAD
  verify-compact JWKS TOKEN            check a compact PS256 JWS; prints the payload
"""
import json
import sys
import time

from joserfc import jws
from joserfc.errors import JoseError
from joserfc.jwk import KeySet, RSAKey
from joserfc.jws import JWSRegistry
from joserfc.registry import HeaderParameter

IAT = "http://openbanking.org.uk/iat"
ISS = "http://openbanking.org.uk/iss"
TAN = "http://openbanking.org.uk/tan"
CRIT = [IAT, ISS, TAN]


def registry():
    return JWSRegistry(
        header_registry={
            IAT: HeaderParameter("Open Banking iat", "int", True),
            ISS: HeaderParameter("Open Banking iss", "str", True),
            TAN: HeaderParameter("Open Banking tan", "str", True),
        },
        algorithms=["PS256"],
    )


def read(path):
    with open(path, "rb") as f:
        return f.read()


def gen_key(pem_out, jwk_out, kid):
    key = RSAKey.generate_key(2048, parameters={"kid": kid}, private=True)
    with open(pem_out, "wb") as f:
        f.write(key.as_pem(private=True))
    with open(jwk_out, "w") as f:
        json.dump(key.as_dict(private=True), f)


def sign_detached(pem, kid, iss, body, legacy):
    key = RSAKey.import_key(read(pem))
    header = {"alg": "PS256", "kid": kid, "typ": "JOSE", "cty": "application/json",
              IAT: int(time.time()) - 5, ISS: iss, TAN: "openbanking.org.uk", "crit": list(CRIT)}
    if legacy:
        header["b64"] = False
        header["crit"] = ["b64"] + CRIT
    value = jws.serialize_compact(header, read(body), key, algorithms=["PS256"], registry=registry())
    print(jws.detach_content(value))


def verify_detached(jwks, body, sig, iss, legacy):
    keys = KeySet.import_key_set(json.loads(read(jwks)))
    obj = jws.deserialize_compact(sig, keys, algorithms=["PS256"], registry=registry(), payload=read(body))
    h = obj.headers()
    want = ["b64"] + CRIT if legacy else CRIT
    if sorted(h.get("crit", [])) != sorted(want):
        raise JoseError("crit must be exactly " + ",".join(want))
    if ("b64" in h) != legacy:
        raise JoseError("b64 present" if "b64" in h else "b64 missing")
    if h[ISS] != iss or h[TAN] != "openbanking.org.uk" or h[IAT] > time.time() + 60:
        raise JoseError("bad Open Banking claim")
    print("ok")


def sign_compact(pem, kid, payload):
    key = RSAKey.import_key(read(pem))
    print(jws.serialize_compact({"alg": "PS256", "kid": kid}, read(payload), key, algorithms=["PS256"]))


def verify_compact(jwks, token):
    keys = KeySet.import_key_set(json.loads(read(jwks)))
    obj = jws.deserialize_compact(token, keys, algorithms=["PS256"])
    sys.stdout.buffer.write(obj.payload)


def main(argv):
    cmd, args = argv[1], argv[2:]
    legacy = "--legacy" in args
    args = [a for a in args if a != "--legacy"]
    try:
        if cmd == "gen-key":
            gen_key(*args)
        elif cmd == "sign-detached":
            sign_detached(*args, legacy)
        elif cmd == "verify-detached":
            verify_detached(*args, legacy)
        elif cmd == "sign-compact":
            sign_compact(*args)
        elif cmd == "verify-compact":
            verify_compact(*args)
        else:
            raise SystemExit(f"unknown command {cmd}")
    except (JoseError, ValueError, KeyError) as e:
        print(f"refused: {type(e).__name__}: {e}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

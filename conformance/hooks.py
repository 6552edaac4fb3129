"""Conformance hooks: what a TPP adds to every request so that schemathesis' generated cases
reach the emulator's logic instead of stopping at authentication.

A case generated from the specs alone cannot carry a valid detached signature, a fresh
idempotency key or the right kind of access token. Just before each request is sent (after
schemathesis has serialised it, so the exact body bytes are known), this module:

- signs the body into `x-jws-signature` whenever the request carries that header (a case that
  tests the header's absence does not carry it, and is left alone): PS256 with the TPP's key,
  `kid`, `http://openbanking.org.uk/iat|iss|tan` in `crit` (OBIE Read/Write Data API profile,
  "Process for Signing a Payload");
- gives `x-idempotency-key` a fresh value whenever the generated one is valid (so that two
  schema-valid cases never collide on one key with different bodies; an invalid key, which a
  negative case sends on purpose, is kept);
- swaps the access token for the kind the operation takes, but only when the request carries
  the run's default token (a case without credentials, or with generated ones, is left alone,
  so the authentication checks still see what schemathesis sent): a client-credentials token
  for consents and event subscriptions, the consent's token for account information.

Environment (set by conformance/run.sh): CONFORMANCE_SIGNING_KEY (PEM), CONFORMANCE_KID,
CONFORMANCE_ISS (`{org-id}/{software-id}`), CONFORMANCE_DEFAULT_TOKEN, and the tokens
CONFORMANCE_TOKEN_AIS, CONFORMANCE_TOKEN_AIS_CC, CONFORMANCE_TOKEN_PIS_CC,
CONFORMANCE_TOKEN_CBPII_CC.
"""

import base64
import json
import os
import re
import time
import uuid
from urllib.parse import urlsplit

import requests.adapters
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding

IAT = "http://openbanking.org.uk/iat"
ISS = "http://openbanking.org.uk/iss"
TAN = "http://openbanking.org.uk/tan"

_KEY = serialization.load_pem_private_key(
    open(os.environ["CONFORMANCE_SIGNING_KEY"], "rb").read(), password=None
)
_KID = os.environ["CONFORMANCE_KID"]
_ISS = os.environ["CONFORMANCE_ISS"]
_DEFAULT = "Bearer " + os.environ["CONFORMANCE_DEFAULT_TOKEN"]


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def detached_signature(body: bytes) -> str:
    """The `x-jws-signature` of `body`: `BASE64URL(header)..BASE64URL(signature)`."""
    header = {
        "alg": "PS256",
        "kid": _KID,
        "typ": "JOSE",
        "cty": "application/json",
        IAT: int(time.time()) - 1,
        ISS: _ISS,
        TAN: "openbanking.org.uk",
        "crit": [IAT, ISS, TAN],
    }
    h = _b64(json.dumps(header, separators=(",", ":")).encode())
    signing_input = f"{h}.{_b64(body)}".encode()
    # RFC 7518 §3.5: PS256 is RSASSA-PSS with SHA-256, MGF1 with SHA-256, a 32-byte salt.
    sig = _KEY.sign(
        signing_input,
        padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32),
        hashes.SHA256(),
    )
    return f"{h}..{_b64(sig)}"


def valid_idempotency_key(key: str) -> bool:
    """The specs' `maxLength: 40` and `^(?!\\s)(.*)(\\S)$`."""
    return (
        0 < len(key) <= 40
        and "\n" not in key
        and "\r" not in key
        and not key[0].isspace()
        and not key[-1].isspace()
    )


# Which token each operation takes, by path (after /open-banking/v3.1).
_TOKENS = [
    (re.compile(r"^/aisp/account-access-consents(/|$)"), "CONFORMANCE_TOKEN_AIS_CC"),
    (re.compile(r"^/aisp/"), "CONFORMANCE_TOKEN_AIS"),
    (re.compile(r"^/pisp/"), "CONFORMANCE_TOKEN_PIS_CC"),
    (re.compile(r"^/cbpii/"), "CONFORMANCE_TOKEN_CBPII_CC"),
    (re.compile(r"^/(event-subscriptions|events)(/|$)"), "CONFORMANCE_TOKEN_AIS_CC"),
]


def _token_for(url: str):
    path = urlsplit(url).path
    path = path[len("/open-banking/v3.1") :] if path.startswith("/open-banking/v3.1") else path
    for pattern, var in _TOKENS:
        if pattern.search(path):
            return os.environ.get(var)
    return None


def _prepare(request) -> None:
    headers = request.headers
    if headers.get("Authorization") == _DEFAULT:
        token = _token_for(request.url)
        if token:
            headers["Authorization"] = "Bearer " + token
    key = headers.get("x-idempotency-key")
    if key is not None and valid_idempotency_key(key):
        headers["x-idempotency-key"] = str(uuid.uuid4())
    if "x-jws-signature" in headers:
        body = request.body or b""
        if isinstance(body, str):
            body = body.encode()
        headers["x-jws-signature"] = detached_signature(body)


_send = requests.adapters.HTTPAdapter.send


def _send_prepared(self, request, *args, **kwargs):
    _prepare(request)
    return _send(self, request, *args, **kwargs)


# Every request schemathesis sends goes through requests' HTTP adapter, after the body is
# serialised: the one place where the bytes to sign are final.
requests.adapters.HTTPAdapter.send = _send_prepared

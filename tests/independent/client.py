#!/usr/bin/env python3
"""An independent client of the Monzo Open Banking emulator, written from the public specs alone.

It uses none of this project's code: the client logic comes from the upstream OBIE OpenAPI specs
(Read/Write API v3.1.10, international payments v3.1.11, DCR v3.2), the OBIE standard text,
OpenID Connect Core / Discovery, FAPI 1.0 Advanced, RFC 6749 / 6750 / 8705 / 9110 and Monzo's
Open Banking documentation. Of the emulator it knows only what a sandbox user is told: the state
directory's development CA (to issue itself a client certificate) and the sandbox directory
endpoint that signs software statements.

    client.py --base https://127.0.0.1:PORT --state STATE_DIR --specs OBIE_SPECS_DIR \
              --monzo-specs REPO/specs/monzo

Every check prints nothing when it passes; each step prints one summary line; failures print
what was sent back (status, body). Exit status 1 when any check failed.
"""

from __future__ import annotations

import argparse
import base64
import copy
import datetime as dt
import hashlib
import json
import re
import secrets
import sqlite3
import string
import sys
import tempfile
import time
import traceback
import uuid
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlparse

import jsonschema
import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from joserfc import jws, jwt
from joserfc.jwk import KeySet, RSAKey
from joserfc.registry import HeaderParameter
from referencing import Registry
from referencing.jsonschema import DRAFT4

# Monzo's sandbox users (Monzo docs, "Sandbox Users": Heavy User).
HEAVY_USER = "user_0000A4C4ZChWNMEvew2U77"
HEAVY_ACCOUNT = "acc_0000A4C4ZSskDOixqNPfpR"
MEDIUM_ACCOUNT = "acc_0000A4C4o66FCYJoERQhHN"

# Monzo docs, "Open Banking Errors" > "Status Codes": "The error prefix of OBErrorResponse1.Code
# will always be paired with a status code as follows".
PREFIX_STATUS = {
    "bad_request": 400,
    "bad_response": 406,
    "forbidden": 403,
    "internal_service": 500,
    "not_found": 404,
    "precondition_failed": 412,
    "timeout": 504,
    "unauthorized": 401,
    "rate_limited": 429,
}
# Monzo docs, "Custom Codes": the two ErrorCodes Monzo adds to OBErrorResponseError1Code.
MONZO_ERROR_CODES = {"UK.MONZO.Generic", "UK.MONZO.Forbidden"}

# Monzo docs (FACTS.md, _ais.md): the ProprietaryBankTransactionCode.Code values Monzo lists.
MONZO_TRANSACTION_CODES = {
    "3dsecure",
    "account_interest",
    "bacs",
    "card_delivery",
    "chaps",
    "collections_settlement",
    "emergency_cash",
    "faster_payments",
    "instalment_loan",
    "ledger_adjustment",
    "locked_money",
    "mastercard",
    "monzo_business_account_billing",
    "monzo_flex",
    "monzo_paid",
    "overdraft",
    "p2p_payment",
    "payport_faster_payments",
    "rbs_cheque",
    "sepa",
    "signup_referral",
    "spread_the_cost",
    "topup",
    "uk_business_pot",
    "uk_cash_deposits_paypoint",
    "uk_retail_pot",
}

# OBIE x-jws-signature (read-write-data-api-profile, "Process for signing a payload"): the
# three protected header claims, all of them in crit.
OB_IAT = "http://openbanking.org.uk/iat"
OB_ISS = "http://openbanking.org.uk/iss"
OB_TAN = "http://openbanking.org.uk/tan"
OB_CRIT = [OB_IAT, OB_ISS, OB_TAN]
OB_TAN_VALUE = "openbanking.org.uk"

# RFC 6749 4.1.2.1 and OpenID Connect Core 3.1.2.6: the authorization endpoint's error codes.
AUTHORIZATION_ERRORS = {
    "invalid_request",
    "unauthorized_client",
    "access_denied",
    "unsupported_response_type",
    "invalid_scope",
    "server_error",
    "temporarily_unavailable",
    "interaction_required",
    "login_required",
    "account_selection_required",
    "consent_required",
    "invalid_request_uri",
    "invalid_request_object",
    "request_not_supported",
    "request_uri_not_supported",
    "registration_not_supported",
}
ACR_VALUES = ["urn:openbanking:psd2:sca", "urn:openbanking:psd2:ca"]
REDIRECT_URI = "https://tpp.independent.example/callback"
UUID_RE = re.compile(
    r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[1-5][0-9a-fA-F]{3}-[89abAB][0-9a-fA-F]{3}-[0-9a-fA-F]{12}$"
)
BASE62 = string.ascii_letters + string.digits
SKEW = 120  # seconds of clock skew tolerated on iat / exp
VERBOSE = False


def b62(n: int) -> str:
    return "".join(secrets.choice(BASE62) for _ in range(n))


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def now_s() -> int:
    return int(time.time())


def rfc3339(t: dt.datetime) -> str:
    return t.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def parse_rfc3339(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


def short(body, limit: int = 700) -> str:
    if isinstance(body, (bytes, bytearray)):
        body = body.decode("utf-8", "replace")
    text = body if isinstance(body, str) else json.dumps(body)
    return text if len(text) <= limit else text[:limit] + f"... ({len(text)} chars)"


# ---------------------------------------------------------------------------------------------
# Checks and their bookkeeping


class StepAborted(Exception):
    """A check the rest of a step depends on failed."""


class Checks:
    def __init__(self) -> None:
        self.passed = 0
        self.failed = 0
        self.failures: list[str] = []
        self.repeats: dict = {}
        self.step_name = ""
        self.step_passed = 0
        self.step_failed = 0

    def ok(self, cond: bool, what: str, resp: Resp | None = None, detail: str | None = None) -> bool:
        if cond:
            self.passed += 1
            self.step_passed += 1
            return True
        self.step_failed += 1
        self.failed += 1
        # The same check failing again (another page, another item) is counted, not repeated.
        key = re.sub(r"\d+", "#", what)
        if key in self.repeats:
            self.repeats[key][1] += 1
            return False
        lines = [f"[{self.step_name}] {what}"]
        if detail:
            lines.append(f"    {detail}")
        if resp is not None:
            lines.append(f"    request: {resp.method} {resp.url}")
            lines.append(f"    response: HTTP {resp.status} {short(resp.body)}")
        message = "\n".join(lines)
        self.repeats[key] = [len(self.failures), 1]
        self.failures.append(message)
        print("  FAIL " + message.replace("\n", "\n  "), flush=True)
        return False

    def need(self, cond: bool, what: str, resp: Resp | None = None, detail: str | None = None) -> None:
        if not self.ok(cond, what, resp, detail):
            raise StepAborted(what)

    def begin(self, name: str) -> None:
        self.step_name, self.step_passed, self.step_failed = name, 0, 0

    def end(self, aborted: str | None = None) -> None:
        state = "ok" if not self.step_failed else f"{self.step_failed} FAILED"
        tail = f" (stopped: {aborted})" if aborted else ""
        print(f"== {self.step_name}: {self.step_passed} checks passed, {state}{tail}", flush=True)


CHECK = Checks()


class Step:
    """`with Step("name"):` runs a step; a failed prerequisite (need) ends the step only."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __enter__(self):
        CHECK.begin(self.name)
        return self

    def __exit__(self, kind, value, tb):
        if kind is StepAborted:
            CHECK.end(str(value))
            return True
        if kind is not None and kind is not KeyboardInterrupt:
            CHECK.ok(False, f"unexpected client error: {kind.__name__}: {value}")
            CHECK.end("client error")
            traceback.print_exception(kind, value, tb)
            return True
        CHECK.end()
        return False


# ---------------------------------------------------------------------------------------------
# The upstream specs: operations by method and path template, schemas by $ref


def _date_time(value) -> bool:
    # read-write-data-api-profile, "Date Formats": "All dates in the JSON payloads are
    # represented in ISO-8601 date-time format. All date-time fields in responses must include
    # the timezone."
    if not isinstance(value, str):
        return True
    return bool(re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})", value))


def _uri(value) -> bool:
    # format "uri" (RFC 3986 absolute URI): a scheme and something after it.
    if not isinstance(value, str):
        return True
    return bool(re.fullmatch(r"[A-Za-z][A-Za-z0-9+.-]*:[^\s]+", value))


def _int32(value) -> bool:
    return not isinstance(value, int) or -(2**31) <= value < 2**31


FORMATS = jsonschema.FormatChecker(formats=())
FORMATS.checks("date-time")(_date_time)
FORMATS.checks("uri")(_uri)
FORMATS.checks("int32")(_int32)


class Spec:
    """One OpenAPI document: its operations under a server base path, and a schema registry."""

    def __init__(self, name: str, doc: dict, base: str) -> None:
        self.name, self.doc, self.base = name, doc, base
        self.uri = f"urn:spec:{name}"
        self.registry = Registry().with_resource(self.uri, DRAFT4.create_resource(doc))
        self.ops = []
        for template, item in doc["paths"].items():
            regex = re.compile("^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template)) + "$")
            for method, op in item.items():
                if method in ("get", "post", "put", "delete", "patch"):
                    self.ops.append((method.upper(), template, regex, op))

    def find(self, method: str, path: str):
        """The operation for METHOD PATH (PATH below the base), the least templated match."""
        hits = [(t.count("{"), t, op) for m, t, rx, op in self.ops if m == method and rx.match(path)]
        if not hits:
            return None, None
        hits.sort(key=lambda h: h[0])
        return hits[0][1], hits[0][2]

    def deref(self, node: dict) -> dict:
        while isinstance(node, dict) and "$ref" in node:
            ref = node["$ref"]
            assert ref.startswith("#/"), ref
            target = self.doc
            for part in ref[2:].split("/"):
                target = target[part]
            node = target
        return node

    def validator(self, schema: dict) -> jsonschema.Draft4Validator:
        # The schema's $refs are "#/components/..." of this document: resolve them in it.
        return jsonschema.Draft4Validator(
            self._anchor(schema), registry=self.registry, format_checker=FORMATS
        )

    def _anchor(self, schema: dict) -> dict:
        if "$ref" in schema and schema["$ref"].startswith("#/"):
            return {"$ref": self.uri + schema["$ref"]}
        # An inline schema: give it this document as its base so that its $refs resolve.
        return {"allOf": [_rebase(schema, self.uri)]}

    def schema_ref(self, name: str) -> dict:
        return {"$ref": f"#/components/schemas/{name}"}


def _rebase(node, uri):
    if isinstance(node, dict):
        return {
            k: (uri + v if k == "$ref" and isinstance(v, str) and v.startswith("#/") else _rebase(v, uri))
            for k, v in node.items()
        }
    if isinstance(node, list):
        return [_rebase(v, uri) for v in node]
    return node


class Specs:
    """The upstream specs, each under the base path Monzo serves it at."""

    def __init__(self, obie_dir: Path, monzo_dir: Path) -> None:
        load = lambda p: json.loads(Path(p).read_text())  # noqa: E731
        ais = load(obie_dir / "v3.1.10/account-info-openapi.json")
        # Monzo's extensions (GET /pots, and the proposed GET /pots/{PotId}/transactions) are
        # fragments referring to the account-info components: merge them in.
        for ext_name in ("account-info.extension.json", "pot-transactions.extension.json"):
            ext = load(monzo_dir / ext_name)
            for path, item in ext.get("paths", {}).items():
                assert path not in ais["paths"], path
                ais["paths"][path] = item
            for kind, members in ext.get("components", {}).items():
                for key, value in members.items():
                    assert key not in ais["components"].setdefault(kind, {}), key
                    ais["components"][kind][key] = value
        self.ais = Spec("account-info", ais, "/open-banking/v3.1/aisp")
        self.pis = Spec(
            "payment-initiation",
            load(obie_dir / "v3.1.10/payment-initiation-openapi.json"),
            "/open-banking/v3.1/pisp",
        )
        # Monzo: "We've implemented version 3.1.11 of the Open Banking International Payments
        # specification."
        self.pis11 = Spec(
            "payment-initiation-3.1.11",
            load(obie_dir / "v3.1.11/payment-initiation-openapi.json"),
            "/open-banking/v3.1/pisp",
        )
        self.vrp = Spec("vrp", load(obie_dir / "v3.1.10/vrp-openapi.json"), "/open-banking/v3.1/pisp")
        self.cof = Spec(
            "confirmation-funds",
            load(obie_dir / "v3.1.10/confirmation-funds-openapi.json"),
            "/open-banking/v3.1/cbpii",
        )
        self.dcr = Spec("dcr", load(obie_dir / "dcr-v3.2/client-registration-openapi.json"), "/open-banking")

    def for_path(self, path: str):
        """(spec, path below its base) for a request path, or (None, None)."""
        if path.startswith("/open-banking/v3.1/aisp/"):
            return self.ais, path[len(self.ais.base) :]
        if path.startswith("/open-banking/v3.1/pisp/"):
            rest = path[len(self.pis.base) :]
            if rest.startswith("/international-"):
                return self.pis11, rest
            if rest.startswith("/domestic-vrp"):
                return self.vrp, rest
            return self.pis, rest
        if path.startswith("/open-banking/v3.1/cbpii/"):
            return self.cof, path[len(self.cof.base) :]
        if path.startswith("/open-banking/register"):
            return self.dcr, path[len(self.dcr.base) :]
        return None, None


# ---------------------------------------------------------------------------------------------
# HTTP


class Resp:
    def __init__(self, method: str, url: str, r: requests.Response) -> None:
        self.method, self.url, self.status = method, url, r.status_code
        self.headers = r.headers
        self.body = r.content
        self._json = None

    @property
    def json(self):
        if self._json is None:
            try:
                self._json = json.loads(self.body)
            except ValueError:
                self._json = {}
        return self._json

    def header(self, name: str):
        return self.headers.get(name)


def session(ca_file: str, cert: tuple[str, str] | None) -> requests.Session:
    s = requests.Session()
    # Loopback, the development CA only: no proxies, and no CA bundle from the environment
    # (REQUESTS_CA_BUNDLE would otherwise replace the session's verify).
    s.trust_env = False
    s.verify = ca_file
    s.cert = cert
    return s


class Bank:
    """What the client knows of the bank: discovery, its keys, its organisation id."""

    def __init__(self) -> None:
        self.discovery: dict = {}
        self.jwks: KeySet | None = None
        self.org_id: str | None = None


class Client:
    """The HTTP side: mutual TLS, headers, and the checks every response gets."""

    def __init__(self, base: str, specs: Specs, ca_file: str, cert: tuple[str, str]) -> None:
        self.base = base.rstrip("/")
        self.specs = specs
        self.ca_file = ca_file
        self.mtls = session(ca_file, cert)
        self.browser = session(ca_file, None)  # the PSU's browser: no client certificate
        self.bank = Bank()
        self.tpp: Tpp | None = None

    # -- sending --------------------------------------------------------------------------

    def call(
        self,
        method: str,
        url: str,
        *,
        token: str | None = None,
        json_body=None,
        data: bytes | str | None = None,
        form: dict | None = None,
        content_type: str | None = None,
        accept: str | None = "application/json",
        headers: dict | None = None,
        interaction_id: bool = True,
        sign: bool = False,
        idempotency_key: str | None = None,
        session: requests.Session | None = None,
        expect: int | tuple[int, ...] | None = None,
        what: str = "",
        redirects: bool = False,
    ) -> Resp:
        if not url.startswith("http"):
            url = self.base + url
        h = {}
        if accept:
            h["Accept"] = accept
        if token:
            h["Authorization"] = f"Bearer {token}"
        sent_id = None
        if interaction_id:
            sent_id = str(uuid.uuid4())
            h["x-fapi-interaction-id"] = sent_id
        body = None
        if json_body is not None:
            body = json.dumps(json_body).encode()
            h["Content-Type"] = content_type or "application/json"
        elif form is not None:
            body = urlencode(form).encode()
            h["Content-Type"] = content_type or "application/x-www-form-urlencoded"
        elif data is not None:
            body = data.encode() if isinstance(data, str) else data
            if content_type:
                h["Content-Type"] = content_type
        if sign:
            assert self.tpp is not None and body is not None
            h["x-jws-signature"] = self.tpp.sign_detached(body)
        if idempotency_key:
            h["x-idempotency-key"] = idempotency_key
        h.update(headers or {})
        s = session or self.mtls
        r = s.request(method, url, data=body, headers=h, allow_redirects=redirects, timeout=30)
        resp = Resp(method, url, r)
        if VERBOSE:
            parts = urlparse(url)
            query = "?" + parts.query[:60] if parts.query else ""
            tail = short(resp.body, 160) if resp.status >= 300 else ""
            print(f"    {method} {parts.path}{query} -> {resp.status} {tail}", flush=True)
        self._check_response(resp, sent_id, what or f"{method} {urlparse(url).path}")
        if expect is not None:
            wanted = (expect,) if isinstance(expect, int) else expect
            CHECK.ok(
                resp.status in wanted,
                f"{what or method + ' ' + url}: HTTP {' or '.join(map(str, wanted))}",
                resp,
            )
        return resp

    # -- what every response gets ---------------------------------------------------------

    def _check_response(self, resp: Resp, sent_id: str | None, what: str) -> None:
        path = urlparse(resp.url).path
        # read-write-data-api-profile, "Response Headers": "The ASPSP must set the response header
        # x-fapi-interaction-id to the value received from the corresponding fapi client request
        # header or to a RFC4122 UUID value if the request header was not provided ... The header
        # must be returned for both successful and error responses." Checked on every response.
        got = resp.header("x-fapi-interaction-id")
        if sent_id:
            CHECK.ok(
                got == sent_id, f"{what}: x-fapi-interaction-id echoed", resp, f"sent {sent_id}, got {got!r}"
            )
        else:
            CHECK.ok(
                bool(got) and bool(UUID_RE.match(got or "")),
                f"{what}: x-fapi-interaction-id generated (RFC 4122 UUID)",
                resp,
                f"got {got!r}",
            )

        spec, rest = self.specs.for_path(path)
        template, op = spec.find(resp.method, rest) if spec else (None, None)
        if op is not None:
            self._check_against_operation(resp, spec, template, op, what)
        elif resp.status >= 400 and spec is not None and resp.body:
            # A path or method the spec does not have: an error body, if any, is Monzo's
            # OBErrorResponse1 ("Our Open Banking APIs return errors in line with the Open
            # Banking specification").
            self._check_obie_error(resp, spec, what)

    def _check_against_operation(self, resp: Resp, spec: Spec, template: str, op: dict, what: str) -> None:
        label = f"{what} [{spec.name} {resp.method} {template} -> {resp.status}]"
        responses = op.get("responses", {})
        entry = responses.get(str(resp.status)) or responses.get("default")
        if not CHECK.ok(
            entry is not None,
            f"{label}: status documented for the operation",
            resp,
            f"documented: {sorted(responses)}",
        ):
            if resp.status >= 400 and resp.body and spec is not self.specs.dcr:
                self._check_obie_error(resp, spec, what)
            return
        entry = spec.deref(entry)
        # Every header the spec marks required on this response (x-fapi-interaction-id,
        # x-jws-signature on the payment APIs).
        for name, header in entry.get("headers", {}).items():
            header = spec.deref(header)
            if header.get("required"):
                CHECK.ok(
                    resp.header(name) is not None,
                    f"{label}: header {name} present (required by the spec)",
                    resp,
                )
        if resp.header("x-jws-signature") is not None and resp.body:
            self.verify_bank_signature(resp, label)
        content = entry.get("content")
        if not content:
            if resp.body:
                if resp.status < 400:
                    CHECK.ok(False, f"{label}: no body documented, but one was sent", resp)
                elif spec is not self.specs.dcr:
                    # The spec documents no body; Monzo's errors carry OBErrorResponse1 with a
                    # prefix for each status (docs, "Status Codes": bad_response 406, ...).
                    self._check_obie_error(resp, spec, what)
                # DCR 3.2 documents no body for 401/403 (RFC 7592 neither): any is the bank's.
            return
        ctype = (resp.header("Content-Type") or "").strip()
        media = None
        for m in content:
            if m.replace(" ", "").lower() == ctype.replace(" ", "").lower():
                media = m
        if media is None:
            base_type = ctype.split(";")[0].strip().lower()
            media = next((m for m in content if m.split(";")[0].strip().lower() == base_type), None)
        if not CHECK.ok(
            media is not None,
            f"{label}: Content-Type is one the spec lists",
            resp,
            f"got {ctype!r}, spec: {list(content)}",
        ):
            return
        try:
            body = json.loads(resp.body)
        except ValueError:
            CHECK.ok(False, f"{label}: body is JSON", resp)
            return
        self.validate(spec, content[media]["schema"], body, label, resp)
        if resp.status >= 400 and spec is not self.specs.dcr:
            self._check_obie_error(resp, spec, what, schema_done=True)

    def validate(self, spec: Spec, schema: dict, body, label: str, resp: Resp | None = None) -> bool:
        errors = sorted(spec.validator(schema).iter_errors(body), key=lambda e: list(e.absolute_path))
        detail = "; ".join(
            f"$.{'.'.join(map(str, e.absolute_path))}: {e.message[:300]}" for e in errors[:5]
        ) + (f"; ... {len(errors)} errors in all" if len(errors) > 5 else "")
        return CHECK.ok(not errors, f"{label}: body valid against the upstream schema", resp, detail)

    def _check_obie_error(self, resp: Resp, spec: Spec, what: str, schema_done: bool = False) -> None:
        label = f"{what} -> {resp.status}"
        try:
            body = json.loads(resp.body)
        except ValueError:
            CHECK.ok(False, f"{label}: error body is JSON (OBErrorResponse1)", resp)
            return
        if not schema_done:
            self.validate(spec, spec.schema_ref("OBErrorResponse1"), body, f"{label}: OBErrorResponse1", resp)
        code = body.get("Code", "") if isinstance(body, dict) else ""
        # Monzo docs, OBErrorResponse1.Code: "Custom error code with a format of <prefix.type>".
        m = re.fullmatch(r"([a-z_]+)\.([a-z0-9_.]+)", code or "")
        CHECK.ok(m is not None, f"{label}: Code has the form <prefix>.<type>", resp, f"Code {code!r}")
        if m:
            prefix = m.group(1)
            CHECK.ok(
                PREFIX_STATUS.get(prefix) == resp.status,
                f"{label}: Code prefix paired with its HTTP status (Monzo 'Status Codes')",
                resp,
                f"prefix {prefix!r} pairs with {PREFIX_STATUS.get(prefix)}, status {resp.status}",
            )
        errors = body.get("Errors") if isinstance(body, dict) else None
        # Monzo docs: "Errors []OBError1 Array with one OBError1 element"; ErrorCode "OBIE error
        # code (UK.OBIE.XYZ) or custom error code (UK.MONZO.XYZ)".
        CHECK.ok(
            isinstance(errors, list) and len(errors) == 1, f"{label}: Errors holds one OBError1 (Monzo)", resp
        )
        obie_codes = set(
            spec.deref(spec.schema_ref("OBError1"))["properties"]["ErrorCode"].get("x-namespaced-enum", [])
        )
        for e in errors or []:
            ec = e.get("ErrorCode") if isinstance(e, dict) else None
            CHECK.ok(
                ec in obie_codes or ec in MONZO_ERROR_CODES,
                f"{label}: ErrorCode is an OBIE or Monzo code",
                resp,
                f"ErrorCode {ec!r}",
            )

    # -- the bank's signature ---------------------------------------------------------------

    def verify_bank_signature(self, resp: Resp, label: str) -> None:
        """OBIE read-write-data-api-profile, "Process for verifying a signature": a detached JWS
        (RFC 7515 Appendix F) of the body, PS256, kid, and the three openbanking.org.uk claims in
        crit; the ASPSP's iss is its organisation id."""
        sig = resp.header("x-jws-signature") or ""
        parts = sig.split(".")
        if not CHECK.ok(
            len(parts) == 3 and parts[1] == "",
            f"{label}: x-jws-signature is a detached JWS",
            resp,
            f"got {sig[:80]!r}",
        ):
            return
        try:
            header = json.loads(base64.urlsafe_b64decode(parts[0] + "=" * (-len(parts[0]) % 4)))
        except ValueError:
            CHECK.ok(False, f"{label}: x-jws-signature header decodes", resp)
            return
        CHECK.ok(header.get("alg") == "PS256", f"{label}: signature alg PS256", resp, f"header {header}")
        CHECK.ok(
            isinstance(header.get("kid"), str) and header.get("kid"),
            f"{label}: signature has a kid",
            resp,
            f"header {header}",
        )
        CHECK.ok("b64" not in header, f"{label}: no b64 claim (removed in v3.1.4)", resp, f"header {header}")
        CHECK.ok(
            sorted(header.get("crit", [])) == sorted(OB_CRIT),
            f"{label}: crit names iat, iss, tan",
            resp,
            f"header {header}",
        )
        iat = header.get(OB_IAT)
        CHECK.ok(
            isinstance(iat, int) and iat <= now_s() + SKEW,
            f"{label}: {OB_IAT} a number in the past",
            resp,
            f"iat {iat!r}",
        )
        CHECK.ok(
            header.get(OB_TAN) == OB_TAN_VALUE,
            f"{label}: {OB_TAN} is {OB_TAN_VALUE}",
            resp,
            f"header {header}",
        )
        if self.bank.org_id:
            CHECK.ok(
                header.get(OB_ISS) == self.bank.org_id,
                f"{label}: {OB_ISS} is the bank's organisation id",
                resp,
                f"iss {header.get(OB_ISS)!r}, bank org id {self.bank.org_id!r}",
            )
        if "typ" in header:
            CHECK.ok(header["typ"] == "JOSE", f"{label}: typ, when present, is JOSE", resp)
        if "cty" in header:
            CHECK.ok(
                header["cty"] in ("json", "application/json"), f"{label}: cty, when present, is json", resp
            )
        try:
            jws.deserialize_compact(
                sig, self.bank.jwks, algorithms=["PS256"], registry=OB_JWS_REGISTRY, payload=resp.body
            )
            good = True
            err = None
        except Exception as e:  # noqa: BLE001 - any refusal is the check failing
            good, err = False, f"{type(e).__name__}: {e}"
        CHECK.ok(good, f"{label}: x-jws-signature verifies with the bank's JWKS", resp, err)


OB_JWS_REGISTRY = jws.JWSRegistry(
    header_registry={
        OB_IAT: HeaderParameter("OB iat", "int"),
        OB_ISS: HeaderParameter("OB iss", "str"),
        OB_TAN: HeaderParameter("OB tan", "str"),
    },
    algorithms=["PS256"],
)


# ---------------------------------------------------------------------------------------------
# The TPP: its organisation, software, keys and certificate


class Tpp:
    def __init__(self, state_dir: Path, work: Path) -> None:
        self.org_id = "0015800001" + b62(8)  # an OB directory org id: Base62, 18 characters
        self.software_id = b62(22)  # DCR 3.2 software_id: ^[0-9a-zA-Z]{1,22}$
        self.kid = b62(27)
        self.ssa = ""  # the software statement, once the directory has signed it
        self.aspsp_org_id: str | None = None  # the bank's organisation id, from the directory
        self.signing_key = RSAKey.generate_key(
            2048, parameters={"kid": self.kid, "use": "sig", "alg": "PS256"}, private=True
        )
        self.cert_file, self.key_file, self.ca_file, self.subject_dn = self._issue_certificate(
            state_dir, work, self.software_id
        )

    def jwks(self) -> dict:
        return {"keys": [self.signing_key.as_dict(private=False)]}

    def _issue_certificate(self, state_dir: Path, work: Path, cn: str, tag: str = "client"):
        """A client certificate from the emulator's development CA (its state's meta table)."""
        dbs = [p for p in state_dir.iterdir() if p.suffix in (".sqlite", ".sqlite3", ".db")]
        assert dbs, f"no SQLite database in {state_dir}"
        con = sqlite3.connect(dbs[0])
        meta = dict(con.execute("SELECT key, value FROM meta WHERE key IN ('ca_key', 'ca_cert')").fetchall())
        con.close()
        ca_key = serialization.load_pem_private_key(meta["ca_key"].encode(), None)
        ca_cert = x509.load_pem_x509_certificate(meta["ca_cert"].encode())
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        # OB certificate subject: OU = organisation id, CN = software id.
        subject = x509.Name(
            [
                x509.NameAttribute(NameOID.COUNTRY_NAME, "GB"),
                x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Independent TPP"),
                x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, self.org_id),
                x509.NameAttribute(NameOID.COMMON_NAME, cn),
            ]
        )
        t = dt.datetime.now(dt.UTC)
        cert = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(ca_cert.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(t - dt.timedelta(minutes=5))
            .not_valid_after(t + dt.timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=True,
                    key_encipherment=True,
                    content_commitment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=False,
                    crl_sign=False,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False
            )
            .sign(ca_key, hashes.SHA256())
        )
        cert_file, key_file, ca_file = work / f"{tag}.pem", work / f"{tag}.key", work / "ca.pem"
        cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        key_file.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        )
        ca_file.write_text(meta["ca_cert"])
        # RFC 8705 2.1.2: tls_client_auth_subject_dn "in the format defined in [RFC4514]".
        return str(cert_file), str(key_file), str(ca_file), subject.rfc4514_string()

    def other_certificate(self, state_dir: Path, work: Path):
        """A second certificate of the same CA and organisation, for another software."""
        cert, key, _, dn = self._issue_certificate(state_dir, work, b62(22), tag="other")
        return (cert, key), dn

    def sign_detached(self, body: bytes, iss: str | None = None) -> str:
        """OBIE read-write-data-api-profile, "Process for signing a payload": a detached JWS of
        the body; PS256; kid; http://openbanking.org.uk/iat (number), iss ("{org-id}/{software-
        statement-id}" for a TPP), tan ("openbanking.org.uk"), all three in crit; no b64 claim
        (removed in v3.1.4: the payload is base64url-encoded)."""
        header = {
            "alg": "PS256",
            "kid": self.kid,
            "typ": "JOSE",
            "cty": "application/json",
            OB_IAT: now_s() - 1,
            OB_ISS: iss or f"{self.org_id}/{self.software_id}",
            OB_TAN: OB_TAN_VALUE,
            "crit": OB_CRIT,
        }
        compact = jws.serialize_compact(
            header, body, self.signing_key, algorithms=["PS256"], registry=OB_JWS_REGISTRY
        )
        h, _, s = compact.split(".")
        return f"{h}..{s}"

    def jwt(self, claims: dict, typ: str = "JWT") -> str:
        return jwt.encode(
            {"alg": "PS256", "kid": self.kid, "typ": typ}, claims, self.signing_key, algorithms=["PS256"]
        )


# ---------------------------------------------------------------------------------------------
# OAuth / OIDC pieces


def token_checks(resp: Resp, what: str, refresh: bool = False) -> dict:
    """RFC 6749 5.1: a successful token response."""
    body = resp.json if isinstance(resp.json, dict) else {}
    CHECK.ok(bool(body.get("access_token")), f"{what}: access_token", resp)
    CHECK.ok(str(body.get("token_type", "")).lower() == "bearer", f"{what}: token_type Bearer", resp)
    CHECK.ok(
        isinstance(body.get("expires_in"), int) and body["expires_in"] > 0,
        f"{what}: expires_in a positive integer",
        resp,
    )
    if refresh:
        CHECK.ok(bool(body.get("refresh_token")), f"{what}: refresh_token", resp)
    # RFC 6749 5.1: "The authorization server MUST include the HTTP "Cache-Control" response
    # header field with a value of "no-store" in any response containing tokens ... as well as
    # the "Pragma" response header field with a value of "no-cache"."
    CHECK.ok(
        "no-store" in (resp.header("Cache-Control") or ""),
        "token response: Cache-Control: no-store (RFC 6749 5.1)",
        resp,
        f"Cache-Control {resp.header('Cache-Control')!r}",
    )
    CHECK.ok(
        "no-cache" in (resp.header("Pragma") or ""),
        "token response: Pragma: no-cache (RFC 6749 5.1)",
        resp,
        f"Pragma {resp.header('Pragma')!r}",
    )
    return body


def oauth_error_checks(
    resp: Resp, what: str, codes: tuple[str, ...], monzo_codes: tuple[str, ...] = ()
) -> None:
    """RFC 6749 5.2: an error response is 400 (401 for invalid_client) with an `error` member.
    Monzo documents some token errors in its own `Code` form (e.g. bad_request.refresh_token.
    invalid); either shape is accepted where Monzo documents one."""
    body = resp.json if isinstance(resp.json, dict) else {}
    if "error" in body:
        CHECK.ok(body["error"] in codes, f"{what}: error is {' or '.join(codes)}", resp)
    else:
        CHECK.ok(
            bool(monzo_codes) and body.get("Code") in monzo_codes,
            f"{what}: RFC 6749 error (or Monzo's documented Code)",
            resp,
        )


def half_hash(value: str) -> str:
    """OIDC Core 3.3.2.11: c_hash / s_hash, the left half of the SHA-256 (PS256) of the value."""
    digest = hashlib.sha256(value.encode("ascii")).digest()
    return b64url(digest[: len(digest) // 2])


def check_id_token(
    c: Client,
    token: str,
    *,
    client_id: str,
    nonce: str,
    intent_id: str,
    what: str,
    code: str | None = None,
    state: str | None = None,
    resp: Resp | None = None,
) -> dict:
    """OIDC Core 3.3.2.12 / 3.1.3.7 (hybrid flow ID Token validation) and FAPI 1 Advanced
    5.2.2.1 (the ID Token as a detached signature: c_hash and s_hash), OBIE's
    openbanking_intent_id and acr."""
    try:
        header = json.loads(base64.urlsafe_b64decode(token.split(".")[0] + "==="))
    except (ValueError, IndexError):
        CHECK.ok(False, f"{what}: id_token is a JWS", resp)
        return {}
    # The client registered id_token_signed_response_alg PS256.
    CHECK.ok(header.get("alg") == "PS256", f"{what}: id_token alg PS256", resp, f"header {header}")
    try:
        decoded = jwt.decode(token, c.bank.jwks, algorithms=["PS256"])
        claims = decoded.claims
        CHECK.ok(True, f"{what}: id_token signature")
    except Exception as e:  # noqa: BLE001
        CHECK.ok(
            False,
            f"{what}: id_token signature verifies with jwks_uri's keys",
            resp,
            f"{type(e).__name__}: {e}",
        )
        return {}
    t = now_s()
    CHECK.ok(
        claims.get("iss") == c.bank.discovery.get("issuer"),
        f"{what}: id_token iss is the issuer",
        resp,
        f"iss {claims.get('iss')!r}",
    )
    aud = claims.get("aud")
    auds = aud if isinstance(aud, list) else [aud]
    CHECK.ok(client_id in auds, f"{what}: id_token aud contains client_id", resp, f"aud {aud!r}")
    if isinstance(aud, list) and len(aud) > 1:
        CHECK.ok(
            claims.get("azp") == client_id, f"{what}: id_token azp is client_id (several audiences)", resp
        )
    CHECK.ok(
        isinstance(claims.get("exp"), int) and claims["exp"] > t - SKEW,
        f"{what}: id_token not expired",
        resp,
        f"exp {claims.get('exp')}",
    )
    CHECK.ok(
        isinstance(claims.get("iat"), int) and t - 600 < claims["iat"] <= t + SKEW,
        f"{what}: id_token iat recent",
        resp,
        f"iat {claims.get('iat')}",
    )
    CHECK.ok(claims.get("nonce") == nonce, f"{what}: id_token nonce", resp, f"nonce {claims.get('nonce')!r}")
    CHECK.ok(bool(claims.get("sub")), f"{what}: id_token sub", resp)
    if code is not None:
        CHECK.ok(
            claims.get("c_hash") == half_hash(code), f"{what}: id_token c_hash (OIDC Core 3.3.2.11)", resp
        )
    if state is not None:
        CHECK.ok(
            claims.get("s_hash") == half_hash(state),
            f"{what}: id_token s_hash (FAPI 1 Advanced 5.2.2.1)",
            resp,
        )
    CHECK.ok(
        claims.get("openbanking_intent_id") == intent_id,
        f"{what}: openbanking_intent_id is the consent id",
        resp,
        f"openbanking_intent_id {claims.get('openbanking_intent_id')!r}",
    )
    # acr was requested as essential with these values (OIDC Core 5.5.1.1).
    CHECK.ok(
        claims.get("acr") in ACR_VALUES,
        f"{what}: acr one of the requested values",
        resp,
        f"acr {claims.get('acr')!r}",
    )
    return claims


def request_object(
    c: Client, client_id: str, scope: str, consent_id: str, state: str, nonce: str, **overrides
) -> str:
    """FAPI 1 Advanced 5.2.2: a signed request object (PS256) carrying every authorization
    parameter, aud = the issuer, with nbf and exp (exp - nbf <= 60 minutes), iat and jti;
    OBIE: claims.id_token.openbanking_intent_id essential with the consent id, acr essential."""
    t = now_s()
    claims = {
        "iss": client_id,
        "aud": c.bank.discovery["issuer"],
        "response_type": "code id_token",
        "client_id": client_id,
        "redirect_uri": REDIRECT_URI,
        "scope": scope,
        "state": state,
        "nonce": nonce,
        "iat": t,
        "nbf": t,
        "exp": t + 300,
        "jti": str(uuid.uuid4()),
        "claims": {
            "id_token": {
                "openbanking_intent_id": {"value": consent_id, "essential": True},
                "acr": {"essential": True, "values": ACR_VALUES},
            },
            "userinfo": {"openbanking_intent_id": {"value": consent_id, "essential": True}},
        },
    }
    signing = overrides.pop("_signing", "registered")
    for k, v in overrides.items():
        if v is None:
            claims.pop(k, None)
        else:
            claims[k] = v
    if signing == "none":
        # An unsecured JWS (RFC 7515 / JWT "alg": "none").
        head = b64url(json.dumps({"alg": "none", "typ": "JWT"}).encode())
        return f"{head}.{b64url(json.dumps(claims).encode())}."
    if signing == "unregistered":
        # A PS256 signature by a key the client never registered, under its registered kid.
        stranger = RSAKey.generate_key(2048, parameters={"kid": c.tpp.kid}, private=True)
        return jwt.encode(
            {"alg": "PS256", "kid": c.tpp.kid, "typ": "JWT"}, claims, stranger, algorithms=["PS256"]
        )
    return c.tpp.jwt(claims, typ="JWT")


def authorize(
    c: Client, client_id: str, scope: str, consent_id: str, what: str, **overrides
) -> tuple[Resp, dict, str, str]:
    state, nonce = b62(24), b62(24)
    ro = request_object(c, client_id, scope, consent_id, state, nonce, **overrides)
    params = {
        "response_type": overrides.get("response_type") or "code id_token",
        "client_id": client_id,
        "scope": scope,
        "redirect_uri": overrides.get("redirect_uri") or REDIRECT_URI,
        "state": state,
        "nonce": nonce,
        "request": ro,
    }
    url = c.bank.discovery["authorization_endpoint"] + "?" + urlencode(params)
    resp = c.call("GET", url, session=c.browser, accept="text/html,application/json", what=what)
    fragment = {}
    loc = resp.header("Location") or ""
    if "#" in loc:
        fragment = {k: v[0] for k, v in parse_qs(loc.split("#", 1)[1]).items()}
    # read-write-data-api-profile, "HTTP Status Codes": "ASPSPs must respond with error response
    # in the OAuth/OIDC flow with mandatory alignment of the error codes to those specified in
    # OpenID Connect Core Specification Section 3.1.2.6" (and RFC 6749 4.1.2.1).
    if "error" in fragment:
        CHECK.ok(
            fragment["error"] in AUTHORIZATION_ERRORS,
            f"{what}: error redirect with an OIDC Core 3.1.2.6 code",
            resp,
        )
    elif resp.status >= 400 and resp.body:
        body = resp.json if isinstance(resp.json, dict) else {}
        CHECK.ok(
            body.get("error") in AUTHORIZATION_ERRORS,
            f"{what}: error with an OIDC Core 3.1.2.6 / RFC 6749 4.1.2.1 code",
            resp,
        )
    return resp, fragment, state, nonce


def hybrid_flow(c: Client, client_id: str, scope: str, consent_id: str, label: str) -> dict:
    """The FAPI 1 Advanced hybrid flow with automatic approval; returns the token response."""
    resp, frag, state, nonce = authorize(c, client_id, scope, consent_id, f"{label}: GET /authorize")
    CHECK.need(resp.status in (302, 303), f"{label}: /authorize redirects back", resp)
    loc = resp.header("Location") or ""
    CHECK.ok(
        loc.startswith(REDIRECT_URI + "#"),
        f"{label}: redirect to the registered redirect_uri with a fragment (response_mode fragment)",
        resp,
        f"Location {loc[:120]!r}",
    )
    CHECK.need(
        "code" in frag and "id_token" in frag,
        f"{label}: fragment has code and id_token",
        resp,
        f"fragment {frag}",
    )
    CHECK.ok(frag.get("state") == state, f"{label}: state returned", resp)
    front = check_id_token(
        c,
        frag["id_token"],
        client_id=client_id,
        nonce=nonce,
        intent_id=consent_id,
        what=f"{label}: front-channel id_token",
        code=frag["code"],
        state=state,
        resp=resp,
    )
    form = {
        "grant_type": "authorization_code",
        "code": frag["code"],
        "redirect_uri": REDIRECT_URI,
        "client_id": client_id,
    }
    tok = c.call(
        "POST", c.bank.discovery["token_endpoint"], form=form, expect=200, what=f"{label}: code exchange"
    )
    CHECK.need(tok.status == 200, f"{label}: code exchanged", tok)
    body = token_checks(tok, f"{label}: code exchange", refresh=True)
    if body.get("id_token"):
        back = check_id_token(
            c,
            body["id_token"],
            client_id=client_id,
            nonce=nonce,
            intent_id=consent_id,
            what=f"{label}: token-endpoint id_token",
            resp=tok,
        )
        # OIDC Core 3.3.3.6: "its iss and sub Claim Values MUST be identical" to the
        # Authorization Endpoint's ID Token.
        CHECK.ok(
            back.get("iss") == front.get("iss") and back.get("sub") == front.get("sub"),
            f"{label}: both id_tokens have the same iss and sub (OIDC Core 3.3.3.6)",
            tok,
        )
    else:
        CHECK.ok(False, f"{label}: token response has an id_token (OIDC Core 3.3.3.3)", tok)
    # RFC 6749 4.1.2: "If an authorization code is used more than once, the authorization
    # server MUST deny the request".
    again = c.call(
        "POST", c.bank.discovery["token_endpoint"], form=form, expect=400, what=f"{label}: code used twice"
    )
    oauth_error_checks(again, f"{label}: code used twice", ("invalid_grant",))
    return body


def client_credentials(
    c: Client, client_id: str, scope: str | None, label: str, expect_ok: bool = True
) -> Resp:
    form = {"grant_type": "client_credentials", "client_id": client_id}
    if scope is not None:
        form["scope"] = scope
    resp = c.call(
        "POST",
        c.bank.discovery["token_endpoint"],
        form=form,
        expect=200 if expect_ok else None,
        what=f"{label}: client credentials (scope {scope!r})",
    )
    if resp.status == 200:
        token_checks(resp, f"{label}: client credentials")
    return resp


# ---------------------------------------------------------------------------------------------
# The steps


def step_discovery(c: Client) -> None:
    with Step("discovery"):
        r = c.call("GET", "/open-banking/.well-known/openid-configuration", expect=200, what="discovery")
        d = r.json if isinstance(r.json, dict) else {}
        c.bank.discovery = d
        # OpenID Connect Discovery 1.0, section 3: the REQUIRED metadata.
        for key in (
            "issuer",
            "authorization_endpoint",
            "token_endpoint",
            "jwks_uri",
            "response_types_supported",
            "subject_types_supported",
            "id_token_signing_alg_values_supported",
        ):
            CHECK.ok(key in d, f"discovery: {key} present (OIDC Discovery 3, REQUIRED)", r)
        # OIDC Discovery 4.3: "The issuer value returned MUST be identical to the Issuer URL
        # that was used as the prefix to /.well-known/openid-configuration".
        CHECK.ok(
            d.get("issuer") == c.base + "/open-banking",
            "discovery: issuer is the URL discovery was fetched from",
            r,
        )
        CHECK.ok(
            "code id_token" in d.get("response_types_supported", []),
            "discovery: code id_token supported (FAPI 1 Advanced)",
            r,
        )
        # Monzo: "We only support the tls_client_auth authentication method."
        CHECK.ok(
            d.get("token_endpoint_auth_methods_supported") == ["tls_client_auth"],
            "discovery: tls_client_auth only (Monzo)",
            r,
        )
        CHECK.ok(
            "PS256" in d.get("id_token_signing_alg_values_supported", []), "discovery: PS256 id_tokens", r
        )
        CHECK.ok(
            "PS256" in d.get("request_object_signing_alg_values_supported", []),
            "discovery: PS256 request objects",
            r,
        )
        # OIDC Discovery 3: request_parameter_supported "If omitted, the default value is false";
        # FAPI 1 Advanced requires the request parameter, so it must be advertised.
        CHECK.ok(
            d.get("request_parameter_supported") is True,
            "discovery: request_parameter_supported true (FAPI requires request objects)",
            r,
        )
        # OIDC Discovery 3: claims_parameter_supported "If omitted, the default value is false";
        # OBIE needs the claims parameter (openbanking_intent_id).
        CHECK.ok(
            d.get("claims_parameter_supported") is True,
            "discovery: claims_parameter_supported true (openbanking_intent_id)",
            r,
        )
        CHECK.need(
            "registration_endpoint" in d,
            "discovery: registration_endpoint (OIDC Dynamic Registration / OB DCR)",
            r,
        )
        k = c.call("GET", d["jwks_uri"], expect=200, what="bank JWKS")
        try:
            c.bank.jwks = KeySet.import_key_set(k.json)
            good = all(key.get("kid") for key in k.json.get("keys", []))
        except Exception:  # noqa: BLE001 - any refusal is the check failing
            good = False
        CHECK.need(good and c.bank.jwks is not None, "bank JWKS: RSA keys each with a kid", k)


def step_registration(c: Client, tpp: Tpp) -> dict:
    """Software statement from the sandbox directory, then DCR 3.2 registrations."""
    clients: dict = {}
    with Step("software statement"):
        # The sandbox's own directory (the emulator's docs): it signs a statement for our
        # software and keeps our JWKS.
        claims = {
            "software_id": tpp.software_id,
            "org_id": tpp.org_id,
            "org_name": "Independent TPP",
            "org_status": "Active",
            "software_client_name": "Independent client",
            "software_client_description": "An independent client test",
            "software_version": "1.0",
            "software_environment": "sandbox",
            "software_mode": "Test",
            "software_redirect_uris": [REDIRECT_URI],
            "software_roles": ["AISP", "PISP"],
        }
        r = c.call(
            "POST",
            "/open-banking/sandbox/software-statements",
            json_body={"software_statement_claims": claims, "jwks": tpp.jwks()},
            expect=201,
            what="sandbox directory",
        )
        CHECK.need(
            r.status == 201 and isinstance(r.json.get("software_statement"), str),
            "a software statement is issued",
            r,
        )
        tpp.ssa = r.json["software_statement"]
        tpp.aspsp_org_id = r.json.get("aspsp_org_id")
        try:
            ssa = json.loads(base64.urlsafe_b64decode(tpp.ssa.split(".")[1] + "==="))
        except ValueError:
            ssa = {}
        CHECK.ok(
            ssa.get("software_id") == tpp.software_id and ssa.get("org_id") == tpp.org_id,
            "the statement names our software and organisation",
            r,
            f"claims {ssa}",
        )

    with Step("registration (DCR 3.2)"):

        def registration_jwt(scope: str, aud: str, **extra) -> str:
            t = now_s()
            claims = {
                # DCR 3.2 OBClientRegistration1: iss "Unique identifier for the TPP" (the
                # software id for OB directory statements), aud "the unique identifier for the
                # ASPSP issued by the issuer of the software statement", jti a UUID v4.
                "iss": tpp.software_id,
                "iat": t,
                "exp": t + 300,
                "aud": aud,
                "jti": str(uuid.uuid4()),
                "redirect_uris": [REDIRECT_URI],
                "token_endpoint_auth_method": "tls_client_auth",
                "tls_client_auth_subject_dn": tpp.subject_dn,
                "grant_types": ["client_credentials", "authorization_code", "refresh_token"],
                "response_types": ["code id_token"],
                "software_id": tpp.software_id,
                "scope": scope,
                "software_statement": tpp.ssa,
                "application_type": "web",
                "id_token_signed_response_alg": "PS256",
                "request_object_signing_alg": "PS256",
            }
            claims.update(extra)
            return tpp.jwt(claims)

        reg_url = c.bank.discovery["registration_endpoint"]
        # The bank's organisation id (the registration aud): DCR 3.2 says it "should be the
        # unique identifier for the ASPSP issued by the issuer of the software statement".
        # The emulator publishes it in discovery (`registration_audience`, an extension member
        # OIDC Discovery allows) and in its directory's answer (`aspsp_org_id`); both must agree.
        aud = c.bank.discovery.get("registration_audience")
        CHECK.ok(
            isinstance(aud, str) and aud == tpp.aspsp_org_id,
            "the registration aud is discoverable (discovery and the directory agree)",
        )
        probe = c.call(
            "POST",
            reg_url,
            data=registration_jwt("openid accounts", "issuer"),
            content_type="application/jwt",
            expect=400,
            what="register with an unknown aud",
        )
        # DCR 3.2: 400 RegistrationError {error, error_description}.
        CHECK.ok(
            probe.json.get("error")
            in ("invalid_client_metadata", "invalid_software_statement", "unapproved_software_statement"),
            "register with an unknown aud: RFC 7591 error",
            probe,
        )
        CHECK.need(bool(aud), "the bank's organisation id is known", probe)
        c.bank.org_id = aud

        # DCR negative: a redirect URI that is not in the software statement (DCR 3.2:
        # "invalid_redirect_uri").
        bad = c.call(
            "POST",
            reg_url,
            data=registration_jwt("openid accounts", aud, redirect_uris=["https://elsewhere.example/cb"]),
            content_type="application/jwt",
            expect=400,
            what="register a redirect URI not in the statement",
        )
        CHECK.ok(
            bad.json.get("error") == "invalid_redirect_uri",
            "redirect URI not in the statement: invalid_redirect_uri",
            bad,
        )

        for kind, scope in (("ais", "openid accounts"), ("pis", "openid payments")):
            r = c.call(
                "POST",
                reg_url,
                data=registration_jwt(scope, aud),
                content_type="application/jwt",
                expect=201,
                what=f"register the {kind.upper()} client",
            )
            CHECK.need(r.status == 201, f"{kind.upper()} client registered", r)
            reg = r.json
            CHECK.ok(bool(reg.get("client_id")), f"{kind}: client_id issued", r)
            CHECK.ok(
                reg.get("token_endpoint_auth_method") == "tls_client_auth", f"{kind}: tls_client_auth", r
            )
            CHECK.ok(reg.get("redirect_uris") == [REDIRECT_URI], f"{kind}: redirect_uris as asked", r)
            CHECK.ok(
                set(str(reg.get("scope", "")).split()) == set(scope.split()), f"{kind}: scope as asked", r
            )
            CHECK.ok(
                reg.get("tls_client_auth_subject_dn") == tpp.subject_dn, f"{kind}: subject DN as asked", r
            )
            clients[kind] = reg["client_id"]

        # A replayed registration request (same jti) must be refused (DCR: "jti ... unique").
        once = registration_jwt("openid accounts", aud)
        c.call(
            "POST",
            reg_url,
            data=once,
            content_type="application/jwt",
            expect=201,
            what="register (jti first use)",
        )
        c.call(
            "POST",
            reg_url,
            data=once,
            content_type="application/jwt",
            expect=400,
            what="register with a replayed jti",
        )

        # GET /register/{ClientId} with a client-credentials token. DCR 3.2 TPPOAuth2Security:
        # "TPP client credential authorisation flow with the ASPSP. No scopes defined as per
        # specification": a token asked for without a scope.
        for kind, client_id in clients.items():
            r0 = client_credentials(c, client_id, None, f"{kind}: registration token (no scope, DCR 3.2)")
            token = r0.json.get("access_token") if r0.status == 200 else None
            if not token:
                scoped = client_credentials(
                    c, client_id, "accounts" if kind == "ais" else "payments", f"{kind}: scoped token"
                )
                token = scoped.json.get("access_token")
            g = c.call(
                "GET",
                f"{reg_url}/{client_id}",
                token=token,
                expect=200,
                what=f"{kind}: GET /register/{{ClientId}}",
            )
            CHECK.ok(g.json.get("client_id") == client_id, f"{kind}: registration read back", g)
            # RFC 7592 / DCR: another client's registration is not readable with this token.
            other = clients["pis" if kind == "ais" else "ais"]
            c.call(
                "GET",
                f"{reg_url}/{other}",
                token=token,
                expect=(401, 403),
                what=f"{kind}: GET another client's registration",
            )
    return clients


def consent_body(permissions: list[str]) -> dict:
    return {
        "Data": {
            "Permissions": permissions,
            # Monzo sandbox: "set some specific fields in the Data/SupplementaryData object".
            "SupplementaryData": {"DesiredStatus": "Authorised", "UserID": HEAVY_USER},
        },
        "Risk": {},
    }


AIS_PERMISSIONS = [
    "ReadAccountsDetail",
    "ReadBalances",
    "ReadTransactionsCredits",
    "ReadTransactionsDebits",
    "ReadTransactionsDetail",
    "ReadParty",
    "ReadPartyPSU",
    "ReadDirectDebits",
    "ReadStandingOrdersDetail",
    "ReadScheduledPaymentsDetail",
]


def paged(c: Client, url: str, token: str, what: str, max_pages: int = 500) -> tuple[list, list[Resp]]:
    """Every page of a paged read, following Links.Next (OBIE read-write-data-api-profile,
    "Pagination": "Next ... present iff there is a next page")."""
    items, pages, seen = [], [], set()
    while url and len(pages) < max_pages:
        CHECK.ok(url not in seen, f"{what}: Links.Next does not loop", None, url)
        if url in seen:
            break
        seen.add(url)
        r = c.call("GET", url, token=token, expect=200, what=f"{what} page {len(pages) + 1}")
        if r.status != 200:
            break
        pages.append(r)
        data = r.json.get("Data", {})
        key = next(iter(data), None)
        items.extend(data.get(key, []) if key else [])
        links = r.json.get("Links", {})
        # "Links ... Self must be an absolute URI" (format uri, schema-checked) on our host.
        CHECK.ok(
            str(links.get("Self", "")).startswith(c.base + "/"),
            f"{what}: Links.Self absolute on the bank's host",
            r,
            f"Self {links.get('Self')!r}",
        )
        url = links.get("Next")
        if url:
            CHECK.ok(
                url.startswith(c.base + "/"),
                f"{what}: Links.Next absolute on the bank's host",
                r,
                f"Next {url!r}",
            )
    total = pages[0].json.get("Meta", {}).get("TotalPages") if pages else None
    if total is not None:
        CHECK.ok(
            total == len(pages),
            f"{what}: Meta.TotalPages is the number of pages",
            pages[0],
            f"TotalPages {total}, pages {len(pages)}",
        )
    if pages:
        CHECK.ok(
            "Next" not in pages[-1].json.get("Links", {}), f"{what}: last page has no Links.Next", pages[-1]
        )
    return items, pages


def amount(a: dict, indicator: str | None = None) -> float:
    v = float(a["Amount"])
    return -v if indicator == "Debit" else v


def step_ais(c: Client, tpp: Tpp, ais_client: str, state_dir: Path, work: Path) -> None:
    aisp = "/open-banking/v3.1/aisp"
    token_ep = c.bank.discovery["token_endpoint"]
    ctx: dict = {}

    with Step("AIS consent"):
        cc = client_credentials(c, ais_client, "accounts", "ais")
        CHECK.need(cc.status == 200, "ais: client-credentials token", cc)
        ctx["cc"] = cc_token = cc.json["access_token"]
        r = c.call(
            "POST",
            f"{aisp}/account-access-consents",
            token=cc_token,
            json_body=consent_body(AIS_PERMISSIONS),
            expect=201,
            what="create account-access consent",
        )
        CHECK.need(r.status == 201, "account-access consent created", r)
        data = r.json.get("Data", {})
        ctx["consent"] = consent_id = data.get("ConsentId")
        # OBIE account-access-consents: "The account-access-consent resource that is created
        # successfully must have the following Status code-list enumeration: AwaitingAuthorisation".
        CHECK.ok(data.get("Status") == "AwaitingAuthorisation", "new consent is AwaitingAuthorisation", r)
        CHECK.ok(
            sorted(data.get("Permissions", [])) == sorted(AIS_PERMISSIONS),
            "consent keeps the permissions asked for",
            r,
        )
        CHECK.ok(
            str(r.json.get("Links", {}).get("Self", "")).endswith(f"/account-access-consents/{consent_id}"),
            "consent Links.Self names the consent",
            r,
        )
        g = c.call(
            "GET",
            f"{aisp}/account-access-consents/{consent_id}",
            token=cc_token,
            expect=200,
            what="read the consent",
        )
        CHECK.ok(g.json.get("Data", {}).get("ConsentId") == consent_id, "consent read back", g)
        # Read-write-data-api-profile: "If the ASPSP has not implemented... non-existent
        # resource": an unknown id is 400 (not 404).
        c.call(
            "GET",
            f"{aisp}/account-access-consents/aac-does-not-exist",
            token=cc_token,
            expect=400,
            what="read an unknown consent",
        )

    if "consent" not in ctx:
        return
    consent_id = ctx["consent"]

    with Step("AIS authorization: request-object rules"):
        # On a consent of its own, so that a request wrongly accepted changes nothing else.
        r = c.call(
            "POST",
            f"{aisp}/account-access-consents",
            token=ctx["cc"],
            json_body=consent_body(AIS_PERMISSIONS),
            expect=201,
            what="create a second account-access consent",
        )
        CHECK.need(r.status == 201, "second consent created", r)
        probe_id = r.json["Data"]["ConsentId"]
        # FAPI 1 Advanced 5.2.2-17: "shall require the request object to contain an nbf claim".
        # FAPI 1 Advanced 5.2.2-13: "exp claim that has a lifetime of no longer than 60 minutes
        # after the nbf claim". A refused request object never yields a code.
        t = now_s()
        for what, overrides in (
            ("without nbf", {"nbf": None}),
            ("exp - nbf of 70 minutes", {"nbf": t, "exp": t + 70 * 60}),
            ("aud not the issuer", {"aud": "https://elsewhere.example"}),
            ("without exp", {"exp": None}),
            # FAPI 1 Advanced 5.2.2-2: "shall require the response_type value
            # code id_token" (or code with JARM, which is not offered).
            ("for response_type code", {"response_type": "code"}),
            # FAPI 1 Advanced 5.2.2-1 / 8.6: request objects are signed, PS256.
            ("not signed (alg none)", {"_signing": "none"}),
            ("signed by a key the client did not register", {"_signing": "unregistered"}),
        ):
            resp, frag, _, _ = authorize(
                c,
                ais_client,
                "openid accounts",
                probe_id,
                f"authorize with a request object {what}",
                **overrides,
            )
            CHECK.ok(
                "code" not in frag and resp.status in (302, 303, 400),
                f"request object {what}: refused (no code; an error redirect or a 400)",
                resp,
                f"Location {str(resp.header('Location'))[:160]!r}",
            )
        # RFC 6749 4.1.2.1: with an invalid redirect_uri the server "MUST NOT automatically
        # redirect the user-agent to the invalid redirection URI".
        resp, frag, _, _ = authorize(
            c,
            ais_client,
            "openid accounts",
            probe_id,
            "authorize with an unregistered redirect_uri",
            redirect_uri="https://evil.example/cb",
        )
        CHECK.ok(
            not str(resp.header("Location") or "").startswith("https://evil.example"),
            "unregistered redirect_uri: no redirect to it (RFC 6749 4.1.2.1)",
            resp,
        )
        g = c.call(
            "GET",
            f"{aisp}/account-access-consents/{probe_id}",
            token=ctx["cc"],
            expect=200,
            what="consent after refused requests",
        )
        CHECK.ok(
            g.json.get("Data", {}).get("Status") == "AwaitingAuthorisation",
            "refused authorization requests leave the consent awaiting",
            g,
        )

    with Step("AIS authorization: hybrid flow"):
        tokens = hybrid_flow(c, ais_client, "openid accounts", consent_id, "ais")
        ctx["access"], ctx["refresh"] = tokens.get("access_token"), tokens.get("refresh_token")
        g = c.call(
            "GET",
            f"{aisp}/account-access-consents/{consent_id}",
            token=ctx["cc"],
            expect=200,
            what="consent after approval",
        )
        CHECK.ok(g.json.get("Data", {}).get("Status") == "Authorised", "consent Authorised after approval", g)

    if not ctx.get("access"):
        return
    token = ctx["access"]

    with Step("AIS reads"):
        r = c.call("GET", f"{aisp}/accounts", token=token, expect=200, what="GET /accounts")
        accounts = r.json.get("Data", {}).get("Account", [])
        ids = [a.get("AccountId") for a in accounts]
        CHECK.need(HEAVY_ACCOUNT in ids, "the heavy user's account is listed", r, f"accounts {ids}")
        for a in accounts:
            # Monzo: "AccountId": "acc_..."; ReadAccountsDetail includes the scheme data.
            CHECK.ok(str(a.get("AccountId", "")).startswith("acc_"), "account ids are Monzo's acc_...", r)
        heavy = next(a for a in accounts if a["AccountId"] == HEAVY_ACCOUNT)
        CHECK.ok(
            any(x.get("SchemeName") == "UK.OBIE.SortCodeAccountNumber" for x in heavy.get("Account", [])),
            "ReadAccountsDetail: sort code and account number shown (Monzo)",
            r,
        )
        # An interaction without x-fapi-interaction-id: the bank makes one up.
        c.call(
            "GET",
            f"{aisp}/accounts/{HEAVY_ACCOUNT}",
            token=token,
            interaction_id=False,
            expect=200,
            what="GET /accounts/{AccountId}",
        )

        b = c.call(
            "GET", f"{aisp}/accounts/{HEAVY_ACCOUNT}/balances", token=token, expect=200, what="GET balances"
        )
        bal = b.json.get("Data", {}).get("Balance", [])
        # Monzo: "you'll see the customer's InterimAvailable balance".
        CHECK.ok(
            [x.get("Type") for x in bal] == ["InterimAvailable"], "balances: one InterimAvailable (Monzo)", b
        )
        bp = c.call(
            "GET",
            f"{aisp}/accounts/{HEAVY_ACCOUNT}/balances?includePots=true",
            token=token,
            expect=200,
            what="GET balances includePots",
        )
        balp = bp.json.get("Data", {}).get("Balance", [])
        CHECK.ok(
            sorted(x.get("Type") for x in balp) == ["Information", "InterimAvailable"],
            "balances includePots=true: InterimAvailable and Information (Monzo)",
            bp,
        )

        p = c.call("GET", f"{aisp}/pots", token=token, expect=200, what="GET /pots (Monzo extension)")
        pots = p.json.get("Data", {}).get("Pot", [])
        # Monzo: "We'll only return open pots".
        CHECK.ok(all(x.get("Status") == "Open" for x in pots), "pots: only open pots (Monzo)", p)
        CHECK.ok(all(x.get("AccountId") in ids for x in pots), "pots: owned by consented accounts", p)
        CHECK.ok(all("Name" in x for x in pots), "pots: Name shown with ReadAccountsDetail (Monzo)", p)
        info = [x for x in balp if x.get("Type") == "Information"]
        interim = [x for x in balp if x.get("Type") == "InterimAvailable"]
        if info and interim:
            # Monzo: "the main account balance plus the balance of each pot owned by the account".
            own = sum(float(x["Balance"]["Amount"]) for x in pots if x.get("AccountId") == HEAVY_ACCOUNT)
            main = amount(interim[0]["Amount"], interim[0].get("CreditDebitIndicator"))
            total = amount(info[0]["Amount"], info[0].get("CreditDebitIndicator"))
            CHECK.ok(
                abs(main + own - total) < 0.00005,
                "includePots: Information = InterimAvailable + the account's pots (Monzo)",
                bp,
                f"{main} + {own} vs {total}",
            )

        txs, pages = paged(c, f"{aisp}/accounts/{HEAVY_ACCOUNT}/transactions", token, "transactions (asc)")
        CHECK.ok(len(txs) > 0, "transactions: the heavy user has some", pages[0] if pages else None)
        CHECK.ok(
            all(t.get("AccountId") == HEAVY_ACCOUNT for t in txs),
            "transactions: all of the account asked for",
            None,
        )
        times = [parse_rfc3339(t["BookingDateTime"]) for t in txs if "BookingDateTime" in t]
        # Monzo: "By default, we return transactions oldest to newest".
        CHECK.ok(times == sorted(times), "transactions: oldest to newest by default (Monzo)", None)
        codes = {t.get("ProprietaryBankTransactionCode", {}).get("Code") for t in txs}
        issuers = {t.get("ProprietaryBankTransactionCode", {}).get("Issuer") for t in txs}
        # Monzo: "Issuer will always be set to Monzo, and the possible values for Code are listed below".
        CHECK.ok(
            issuers <= {"Monzo"},
            "transactions: ProprietaryBankTransactionCode.Issuer is Monzo",
            None,
            f"issuers {issuers}",
        )
        CHECK.ok(
            codes <= MONZO_TRANSACTION_CODES,
            "transactions: codes among Monzo's listed ones",
            None,
            f"others {codes - MONZO_TRANSACTION_CODES}",
        )
        desc, dpages = paged(
            c, f"{aisp}/accounts/{HEAVY_ACCOUNT}/transactions?order=desc", token, "transactions (desc)"
        )
        dtimes = [parse_rfc3339(t["BookingDateTime"]) for t in desc if "BookingDateTime" in t]
        # Monzo: "Using order=desc will result in the transactions being returned newest to
        # oldest ... All Links will respect the omission or use of the order parameter."
        CHECK.ok(
            dtimes == sorted(dtimes, reverse=True), "transactions order=desc: newest to oldest (Monzo)", None
        )
        CHECK.ok(
            sorted(t.get("TransactionId", "") for t in desc)
            == sorted(t.get("TransactionId", "") for t in txs),
            "transactions order=desc: the same transactions",
            None,
        )
        for pg in dpages:
            for rel, link in pg.json.get("Links", {}).items():
                CHECK.ok(
                    "order=desc" in link,
                    f"transactions order=desc: Links.{rel} keeps order=desc (Monzo)",
                    pg,
                    link,
                )
        for pg in pages:
            for rel, link in pg.json.get("Links", {}).items():
                CHECK.ok(
                    "order=desc" not in link, f"transactions: Links.{rel} keeps the default order", pg, link
                )
        if len(times) > 2:
            mid = times[len(times) // 2]
            frm = rfc3339(mid)
            sub, subpages = paged(
                c,
                f"{aisp}/accounts/{HEAVY_ACCOUNT}/transactions?" + urlencode({"fromBookingDateTime": frm}),
                token,
                "transactions fromBookingDateTime",
            )
            CHECK.ok(
                sub
                and all(
                    parse_rfc3339(t["BookingDateTime"])
                    >= mid.replace(microsecond=(mid.microsecond // 1000) * 1000)
                    for t in sub
                ),
                "transactions fromBookingDateTime: none booked before it",
                None,
                f"from {frm}",
            )
            CHECK.ok(
                0 < len(sub) < len(txs),
                "transactions fromBookingDateTime: a part of the history",
                None,
                f"{len(sub)} of {len(txs)}",
            )
            # Monzo's example: Links.Self keeps the query ("...transactions?fromBookingDateTime=...").
            CHECK.ok(
                all("fromBookingDateTime=" in pg.json.get("Links", {}).get("Self", "") for pg in subpages),
                "transactions fromBookingDateTime: Links.Self keeps the filter (Monzo's example)",
                subpages[0] if subpages else None,
            )
        # Monzo: "you will need to provide the start and end times in RFC3339 format"; OBIE:
        # a date that cannot be read is 400 UK.OBIE.Field.InvalidDate.
        bad = c.call(
            "GET",
            f"{aisp}/accounts/{HEAVY_ACCOUNT}/transactions?fromBookingDateTime=yesterday",
            token=token,
            expect=400,
            what="transactions with an unreadable date",
        )
        CHECK.ok(
            any(e.get("ErrorCode") == "UK.OBIE.Field.InvalidDate" for e in bad.json.get("Errors", [])),
            "unreadable date: UK.OBIE.Field.InvalidDate",
            bad,
        )

        for pot in pots[:3]:
            ptx, _ = paged(
                c,
                f"{aisp}/pots/{pot['PotId']}/transactions",
                token,
                f"pot {pot['PotId']} transactions (proposed extension)",
            )
            CHECK.ok(
                all(t.get("PotId") == pot["PotId"] for t in ptx),
                "pot transactions: all of the pot asked for",
                None,
            )

        c.call("GET", f"{aisp}/party", token=token, expect=200, what="GET /party")
        c.call(
            "GET",
            f"{aisp}/accounts/{HEAVY_ACCOUNT}/party",
            token=token,
            expect=200,
            what="GET /accounts/{AccountId}/party",
        )
        c.call(
            "GET",
            f"{aisp}/accounts/{HEAVY_ACCOUNT}/parties",
            token=token,
            expect=200,
            what="GET /accounts/{AccountId}/parties",
        )
        for res in ("direct-debits", "standing-orders", "scheduled-payments"):
            paged(c, f"{aisp}/accounts/{HEAVY_ACCOUNT}/{res}", token, f"GET {res}")
        # Monzo: "We have only implemented GET /accounts/{AccountId}/direct-debits"; OBIE: "If
        # an ASPSP has not implemented an API endpoint, it must respond with a 404".
        c.call(
            "GET",
            f"{aisp}/direct-debits",
            token=token,
            expect=404,
            what="bulk GET /direct-debits (not implemented by Monzo)",
        )
        c.call(
            "GET",
            f"{aisp}/accounts/{HEAVY_ACCOUNT}/beneficiaries",
            token=token,
            expect=404,
            what="GET beneficiaries (not implemented by Monzo)",
        )
        # An account outside the consent: 403 (OBIE: "access to an account not in the consent")
        # or 400 (an id that does not exist); either is the bank's choice.
        c.call(
            "GET",
            f"{aisp}/accounts/acc_00000000000000000000000/balances",
            token=token,
            expect=(400, 403),
            what="balances of an unknown account",
        )
        # read-write-data-api-profile, "403 (Forbidden)": "The TPP tries to access an
        # account/transaction resource and the TPP does not have a consent authorisation for the
        # AccountId" -> 403. The medium sandbox user's account is not in this consent.
        c.call(
            "GET",
            f"{aisp}/accounts/{MEDIUM_ACCOUNT}/transactions",
            token=token,
            expect=403,
            what="transactions of another customer's account",
        )
        # The consent's token is not a client-credentials token: the consent endpoint refuses it
        # (OBIE: account-access-consents use "Client Credentials").
        c.call(
            "GET",
            f"{aisp}/account-access-consents/{consent_id}",
            token=token,
            expect=(401, 403),
            what="consent read with the PSU's token",
        )

    with Step("AIS sender-constrained tokens"):
        # FAPI 1 Advanced 5.2.2-5 / RFC 8705 3: a token bound to one certificate, presented with
        # another, "MUST be rejected ... using an HTTP 401 status code and the invalid_token
        # error code".
        other_cert, _ = tpp.other_certificate(state_dir, work)
        s = session(c.ca_file, other_cert)
        r = c.call(
            "GET",
            f"{aisp}/accounts",
            token=token,
            session=s,
            expect=401,
            what="GET /accounts with another certificate",
        )
        CHECK.ok(
            "invalid_token" in (r.header("WWW-Authenticate") or ""),
            "another certificate: WWW-Authenticate invalid_token (RFC 8705 3)",
            r,
            f"WWW-Authenticate {r.header('WWW-Authenticate')!r}",
        )

    with Step("AIS refresh (rotation)"):
        form = {"grant_type": "refresh_token", "refresh_token": ctx["refresh"], "client_id": ais_client}
        r = c.call("POST", token_ep, form=form, expect=200, what="refresh")
        CHECK.need(r.status == 200, "refreshed", r)
        body = token_checks(r, "refresh", refresh=True)
        CHECK.ok(
            body.get("refresh_token") != ctx["refresh"], "refresh: a new refresh token (Monzo rotates)", r
        )
        # Monzo (_ob_tokens.md): "Refresh tokens single-use, rotated on every refresh; reuse of
        # older one -> bad_request.refresh_token.invalid"; RFC 6749 5.2: invalid_grant.
        old = c.call("POST", token_ep, form=form, expect=400, what="refresh with the old refresh token")
        oauth_error_checks(
            old, "old refresh token", ("invalid_grant",), ("bad_request.refresh_token.invalid",)
        )
        ctx["access"], ctx["refresh"] = body.get("access_token"), body.get("refresh_token")
        c.call(
            "GET",
            f"{aisp}/accounts",
            token=ctx["access"],
            expect=200,
            what="GET /accounts with the refreshed token",
        )

    with Step("AIS revocation"):
        # OBIE: "If the PSU revokes consent ... the AISP must delete the account-access-consent
        # resource"; 204 No Content.
        d = c.call(
            "DELETE",
            f"{aisp}/account-access-consents/{consent_id}",
            token=ctx["cc"],
            expect=204,
            what="DELETE the consent",
        )
        CHECK.ok(d.body == b"", "DELETE: no body", d)
        c.call(
            "GET",
            f"{aisp}/accounts",
            token=ctx["access"],
            expect=(401, 403),
            what="GET /accounts after DELETE",
        )
        # read-write-data-api-profile, "Changes to an Intent's Authorized State": "When the PSU
        # revokes their consent with the TPP, the TPP must make a DELETE request to the consent
        # resource. The ASPSP must delete the resource (possibly as a "soft" delete) and respond
        # to subsequent GET requests with an Http Status of 400."
        c.call(
            "GET",
            f"{aisp}/account-access-consents/{consent_id}",
            token=ctx["cc"],
            expect=400,
            what="GET the consent after DELETE",
        )
        r = c.call(
            "POST",
            token_ep,
            form={"grant_type": "refresh_token", "refresh_token": ctx["refresh"], "client_id": ais_client},
            expect=400,
            what="refresh after DELETE",
        )
        oauth_error_checks(
            r, "refresh after DELETE", ("invalid_grant",), ("bad_request.refresh_token.invalid",)
        )
        # Same section: "the consent states are terminal ... The ASPSP must not permit any
        # authorisation code grants to be initiated with such a consent."
        resp, frag, _, _ = authorize(
            c, ais_client, "openid accounts", consent_id, "authorize a deleted consent"
        )
        CHECK.ok("code" not in frag, "a deleted consent cannot be authorised again", resp)


def payment_body(amount_text: str = "1.50", ref: str | None = None) -> dict:
    ref = ref or ("IND" + b62(10))
    return {
        "Data": {
            "ReadRefundAccount": "Yes",
            "Initiation": {
                "InstructionIdentification": ref,
                "EndToEndIdentification": "E2E" + ref,
                # Monzo: "you should provide UK.OBIE.FPS as the LocalInstrument".
                "LocalInstrument": "UK.OBIE.FPS",
                "InstructedAmount": {"Amount": amount_text, "Currency": "GBP"},
                "CreditorAccount": {
                    "SchemeName": "UK.OBIE.SortCodeAccountNumber",
                    "Identification": "08080021325698",
                    "Name": "ACME Inc",
                },
                "RemittanceInformation": {"Reference": ref[:18], "Unstructured": "Independent client test"},
                # Monzo sandbox: "add a DesiredStatus field to the Data/Initiation/
                # SupplementaryData object"; UserID and AccountID both or neither.
                "SupplementaryData": {
                    "DesiredStatus": "Authorised",
                    "UserID": HEAVY_USER,
                    "AccountID": HEAVY_ACCOUNT,
                },
            },
        },
        "Risk": {"PaymentContextCode": "PartyToParty"},
    }


def step_pis(c: Client, pis_client: str) -> None:
    pisp = "/open-banking/v3.1/pisp"
    ctx: dict = {}
    with Step("PIS consent"):
        cc = client_credentials(c, pis_client, "payments", "pis")
        CHECK.need(cc.status == 200, "pis: client-credentials token", cc)
        ctx["cc"] = cc_token = cc.json["access_token"]
        body = payment_body()
        ctx["body"] = body
        key = str(uuid.uuid4())
        r = c.call(
            "POST",
            f"{pisp}/domestic-payment-consents",
            token=cc_token,
            json_body=body,
            sign=True,
            idempotency_key=key,
            expect=201,
            what="create domestic-payment consent",
        )
        CHECK.need(r.status == 201, "domestic-payment consent created", r)
        data = r.json.get("Data", {})
        ctx["consent"] = consent_id = data.get("ConsentId")
        # OBIE domestic-payment-consents: created as AwaitingAuthorisation; the Initiation is
        # echoed unchanged ("The Initiation ... must not be changed").
        CHECK.ok(data.get("Status") == "AwaitingAuthorisation", "payment consent AwaitingAuthorisation", r)
        CHECK.ok(
            data.get("Initiation") == body["Data"]["Initiation"],
            "payment consent echoes the Initiation unchanged",
            r,
            f"sent {body['Data']['Initiation']}",
        )
        # OBIE idempotency: the same key and body within 24 hours "must not create a new
        # resource" and returns it with 201.
        again = c.call(
            "POST",
            f"{pisp}/domestic-payment-consents",
            token=cc_token,
            json_body=body,
            sign=True,
            idempotency_key=key,
            expect=201,
            what="the same consent again (same x-idempotency-key)",
        )
        CHECK.ok(
            again.json.get("Data", {}).get("ConsentId") == consent_id,
            "idempotent replay: the same ConsentId",
            again,
        )
        # "The TPP must not change the request body while using the same x-idempotency-key. If
        # the TPP changes the request body, the ASPSP must not modify the end resource." (The
        # bank may refuse the request or answer with the resource unchanged.)
        changed = copy.deepcopy(body)
        changed["Data"]["Initiation"]["InstructedAmount"]["Amount"] = "2.50"
        ch = c.call(
            "POST",
            f"{pisp}/domestic-payment-consents",
            token=cc_token,
            json_body=changed,
            sign=True,
            idempotency_key=key,
            what="the same x-idempotency-key with another body",
        )
        if ch.status == 201:
            CHECK.ok(
                ch.json.get("Data", {}).get("ConsentId") == consent_id
                and ch.json.get("Data", {}).get("Initiation") == body["Data"]["Initiation"],
                "changed body under the same key: the resource is not modified",
                ch,
            )
        else:
            CHECK.ok(
                400 <= ch.status < 500,
                "changed body under the same key: refused (4xx) or the resource unchanged",
                ch,
            )
        g = c.call(
            "GET",
            f"{pisp}/domestic-payment-consents/{consent_id}",
            token=cc_token,
            expect=200,
            what="read the payment consent",
        )
        CHECK.ok(
            g.json.get("Data", {}).get("Initiation") == body["Data"]["Initiation"],
            "the consent's Initiation is unchanged",
            g,
        )
        CHECK.ok(g.json.get("Data", {}).get("ConsentId") == consent_id, "payment consent read back", g)

    if "consent" not in ctx:
        return
    consent_id = ctx["consent"]

    with Step("PIS authorization: hybrid flow"):
        tokens = hybrid_flow(c, pis_client, "openid payments", consent_id, "pis")
        ctx["access"] = tokens.get("access_token")
        g = c.call(
            "GET",
            f"{pisp}/domestic-payment-consents/{consent_id}",
            token=ctx["cc"],
            expect=200,
            what="payment consent after approval",
        )
        CHECK.ok(g.json.get("Data", {}).get("Status") == "Authorised", "payment consent Authorised", g)

    if not ctx.get("access"):
        return

    with Step("PIS payment order"):
        f = c.call(
            "GET",
            f"{pisp}/domestic-payment-consents/{consent_id}/funds-confirmation",
            token=ctx["access"],
            expect=200,
            what="funds confirmation",
        )
        CHECK.ok(
            f.json.get("Data", {}).get("FundsAvailableResult", {}).get("FundsAvailable") is True,
            "funds available",
            f,
        )
        body = ctx["body"]
        order = {
            "Data": {"ConsentId": consent_id, "Initiation": body["Data"]["Initiation"]},
            "Risk": body["Risk"],
        }
        r = c.call(
            "POST",
            f"{pisp}/domestic-payments",
            token=ctx["access"],
            json_body=order,
            sign=True,
            idempotency_key=str(uuid.uuid4()),
            expect=201,
            what="submit the domestic payment",
        )
        CHECK.need(r.status == 201, "domestic payment created", r)
        d = r.json.get("Data", {})
        pid = d.get("DomesticPaymentId")
        CHECK.ok(d.get("ConsentId") == consent_id, "payment names its consent", r)
        # Monzo ("Refund Accounts"): with ReadRefundAccount Yes, "The refund account data will be
        # returned in the payment order creation response"; Data.Debtor is returned too.
        CHECK.ok(
            "Account" in d.get("Refund", {}),
            "payment order: Data.Refund.Account (ReadRefundAccount Yes, Monzo)",
            r,
        )
        CHECK.ok("Debtor" in d, "payment order: Data.Debtor (Monzo)", r)
        g = c.call(
            "GET",
            f"{pisp}/domestic-payments/{pid}",
            token=ctx["cc"],
            expect=200,
            what="read the domestic payment",
        )
        # read-write-data-api-profile, "400 (Bad Request) v/s 404 (Not Found)": "if a TPP tries to
        # GET /domestic-payments/22289 where 22289 is not a valid DomesticPaymentId, the ASPSP
        # must respond with a 400".
        c.call(
            "GET",
            f"{pisp}/domestic-payments/22289",
            token=ctx["cc"],
            expect=400,
            what="read an unknown domestic payment",
        )
        CHECK.ok(g.json.get("Data", {}).get("DomesticPaymentId") == pid, "payment read back", g)
        s = c.call(
            "GET",
            f"{pisp}/domestic-payment-consents/{consent_id}",
            token=ctx["cc"],
            expect=200,
            what="payment consent after the order",
        )
        # OBIE: "Authorised -> Consumed after payment order created".
        CHECK.ok(s.json.get("Data", {}).get("Status") == "Consumed", "payment consent Consumed", s)
        # A consent pays once: a second order (new idempotency key) is refused.
        c.call(
            "POST",
            f"{pisp}/domestic-payments",
            token=ctx["access"],
            json_body=order,
            sign=True,
            idempotency_key=str(uuid.uuid4()),
            expect=(400, 401, 403),
            what="a second payment on a consumed consent",
        )

    with Step("PIS negative checks"):
        cc_token = ctx["cc"]
        # GBP has two decimal places (ISO 4217); Monzo pays GBP only through Faster Payments.
        r = c.call(
            "POST",
            f"{pisp}/domestic-payment-consents",
            token=cc_token,
            json_body=payment_body("10.001"),
            sign=True,
            idempotency_key=str(uuid.uuid4()),
            expect=400,
            what="a consent for 10.001 GBP",
        )
        # OBIE read-write-data-api-profile, "Message Signing": "The ASPSP must reject any API
        # requests that should be signed but do not contain a signature in the HTTP header with
        # a 400 (Bad Request)"; error code UK.OBIE.Signature.Missing.
        r = c.call(
            "POST",
            f"{pisp}/domestic-payment-consents",
            token=cc_token,
            json_body=payment_body(),
            sign=False,
            idempotency_key=str(uuid.uuid4()),
            expect=400,
            what="a consent without x-jws-signature",
        )
        CHECK.ok(
            any(e.get("ErrorCode") == "UK.OBIE.Signature.Missing" for e in r.json.get("Errors", [])),
            "no x-jws-signature: UK.OBIE.Signature.Missing",
            r,
        )
        # A signature over another body: UK.OBIE.Signature.Invalid (400).
        body = payment_body()
        h = c.tpp.sign_detached(json.dumps(payment_body()).encode())
        r = c.call(
            "POST",
            f"{pisp}/domestic-payment-consents",
            token=cc_token,
            json_body=body,
            headers={"x-jws-signature": h},
            idempotency_key=str(uuid.uuid4()),
            expect=400,
            what="a consent with a signature of another body",
        )
        CHECK.ok(
            any(e.get("ErrorCode") == "UK.OBIE.Signature.Invalid" for e in r.json.get("Errors", [])),
            "signature of another body: UK.OBIE.Signature.Invalid",
            r,
        )
        # A signature whose http://openbanking.org.uk/iss is another TPP's: "iss ... When issued
        # by a TPP, of the form {{org-id}}/{{software-statement-id}}" of the signer.
        body = payment_body()
        raw = json.dumps(body).encode()
        h = c.tpp.sign_detached(raw, iss="0015800001OtherOrg/OtherSoftware")
        r = c.call(
            "POST",
            f"{pisp}/domestic-payment-consents",
            token=cc_token,
            data=raw,
            content_type="application/json",
            headers={"x-jws-signature": h},
            idempotency_key=str(uuid.uuid4()),
            expect=400,
            what="a consent signed with another TPP's iss",
        )
        CHECK.ok(
            any(e.get("ErrorCode", "").startswith("UK.OBIE.Signature.") for e in r.json.get("Errors", [])),
            "another TPP's iss: a UK.OBIE.Signature.* error",
            r,
        )
        # x-idempotency-key: "must be at most 40 characters in size ... reject ... 400".
        c.call(
            "POST",
            f"{pisp}/domestic-payment-consents",
            token=cc_token,
            json_body=payment_body(),
            sign=True,
            idempotency_key="k" * 41,
            expect=400,
            what="a consent with a 41-character x-idempotency-key",
        )
        # Monzo: "We don't support identification using UK.OBIE.IBAN".
        body = payment_body()
        body["Data"]["Initiation"]["CreditorAccount"] = {
            "SchemeName": "UK.OBIE.IBAN",
            "Identification": "GB29NWBK60161331926819",
            "Name": "ACME",
        }
        c.call(
            "POST",
            f"{pisp}/domestic-payment-consents",
            token=cc_token,
            json_body=body,
            sign=True,
            idempotency_key=str(uuid.uuid4()),
            expect=400,
            what="a consent to an IBAN (Monzo: not supported)",
        )
        # Monzo: "You can only make payments in GBP".
        body = payment_body()
        body["Data"]["Initiation"]["InstructedAmount"]["Currency"] = "EUR"
        c.call(
            "POST",
            f"{pisp}/domestic-payment-consents",
            token=cc_token,
            json_body=body,
            sign=True,
            idempotency_key=str(uuid.uuid4()),
            expect=400,
            what="a consent in EUR (Monzo: GBP only)",
        )


def step_http_rules(c: Client, ais_client: str) -> None:
    aisp = "/open-banking/v3.1/aisp"
    with Step("HTTP rules"):
        cc = client_credentials(c, ais_client, "accounts", "http")
        token = cc.json.get("access_token")
        # RFC 6750 3: "If the protected resource request does not include authentication
        # credentials ... the resource server MUST include the HTTP WWW-Authenticate response
        # header field"; OBIE: missing Authorization -> 401.
        r = c.call("GET", f"{aisp}/accounts", expect=401, what="GET /accounts without Authorization")
        CHECK.ok(
            (r.header("WWW-Authenticate") or "").startswith("Bearer"),
            "401: WWW-Authenticate: Bearer (RFC 6750 3)",
            r,
        )
        r = c.call(
            "GET",
            f"{aisp}/accounts",
            token="not-a-token",
            expect=401,
            what="GET /accounts with an unknown token",
        )
        CHECK.ok(
            "invalid_token" in (r.header("WWW-Authenticate") or ""),
            "unknown token: WWW-Authenticate error=invalid_token (RFC 6750 3.1)",
            r,
            f"WWW-Authenticate {r.header('WWW-Authenticate')!r}",
        )
        # OBIE read-write-data-api-profile: "If an ASPSP has not implemented an API endpoint, it
        # must respond with a 404 (Not Found)".
        c.call("GET", f"{aisp}/no-such-resource", token=token, expect=404, what="an unknown path")
        # RFC 9110 15.5.6: "The origin server MUST generate an Allow header field in a 405
        # response"; OBIE: 405 for a method the resource does not support.
        r = c.call(
            "PUT",
            f"{aisp}/account-access-consents",
            token=token,
            json_body={},
            expect=405,
            what="PUT /account-access-consents",
        )
        allow = {m.strip() for m in (r.header("Allow") or "").split(",")}
        CHECK.ok(allow == {"POST"}, "405: Allow lists the methods (POST)", r, f"Allow {r.header('Allow')!r}")
        r = c.call("DELETE", f"{aisp}/accounts", token=token, expect=405, what="DELETE /accounts")
        CHECK.ok(
            "GET" in (r.header("Allow") or ""), "405: Allow lists GET", r, f"Allow {r.header('Allow')!r}"
        )
        r = c.call(
            "POST",
            "/open-banking/.well-known/openid-configuration",
            data=b"",
            expect=405,
            what="POST to discovery",
        )
        CHECK.ok("GET" in (r.header("Allow") or ""), "405 (discovery): Allow lists GET", r)
        # OBIE read-write-data-api-profile, "Accept": "If set to an unacceptable value the ASPSP
        # must respond with a 406 (Not Acceptable)".
        c.call(
            "GET",
            f"{aisp}/account-access-consents/x",
            token=token,
            accept="application/xml",
            expect=406,
            what="Accept: application/xml",
        )
        # "Content-Type ... If set to any other value, the ASPSP must respond with a 415".
        c.call(
            "POST",
            f"{aisp}/account-access-consents",
            token=token,
            data=json.dumps(consent_body(AIS_PERMISSIONS)),
            content_type="text/plain",
            expect=415,
            what="POST with Content-Type: text/plain",
        )
        # OBIE account-access-consents rules: Permissions must contain ReadAccountsBasic or
        # ReadAccountsDetail (else 400); TransactionsDetail needs Credits or Debits.
        c.call(
            "POST",
            f"{aisp}/account-access-consents",
            token=token,
            json_body=consent_body(["ReadBalances"]),
            expect=400,
            what="a consent without ReadAccounts*",
        )
        c.call(
            "POST",
            f"{aisp}/account-access-consents",
            token=token,
            json_body=consent_body(["ReadAccountsBasic", "ReadTransactionsDetail"]),
            expect=400,
            what="a consent with ReadTransactionsDetail but neither Credits nor Debits",
        )
        # read-write-data-api-profile, "HTTP Status Codes": "Token has incorrect scope or a
        # security policy was violated" -> 403 Forbidden.
        c.call(
            "GET",
            "/open-banking/v3.1/pisp/domestic-payment-consents/x",
            token=token,
            expect=403,
            what="a payments endpoint with an accounts token",
        )


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--base", required=True, help="the emulator, e.g. https://127.0.0.1:18443")
    ap.add_argument("--state", required=True, type=Path, help="the emulator's state directory")
    ap.add_argument("--specs", required=True, type=Path, help="the upstream OBIE specs directory")
    ap.add_argument(
        "--monzo-specs", required=True, type=Path, help="the directory of Monzo's extension schemas"
    )
    ap.add_argument("-v", "--verbose", action="store_true", help="print every request and its status")
    args = ap.parse_args()
    global VERBOSE
    VERBOSE = args.verbose

    started = time.time()
    specs = Specs(args.specs, args.monzo_specs)
    with tempfile.TemporaryDirectory(prefix="independent-client-") as tmp:
        work = Path(tmp)
        tpp = Tpp(args.state, work)
        c = Client(args.base, specs, tpp.ca_file, (tpp.cert_file, tpp.key_file))
        c.tpp = tpp
        try:
            step_discovery(c)
            clients = step_registration(c, tpp) if c.bank.jwks else {}
            if "ais" in clients:
                step_ais(c, tpp, clients["ais"], args.state, work)
                step_http_rules(c, clients["ais"])
            if "pis" in clients:
                step_pis(c, clients["pis"])
        except requests.RequestException as e:
            CHECK.ok(False, f"transport error: {e}")
    elapsed = time.time() - started
    if CHECK.failures:
        print(
            f"\nindependent client: {CHECK.failed} checks FAILED ({len(CHECK.failures)} distinct), "
            f"{CHECK.passed} passed ({elapsed:.1f} s)"
        )
        counts = dict(CHECK.repeats.values())
        for i, failure in enumerate(CHECK.failures):
            first, *rest = failure.split("\n")
            more = f" (failed {counts[i]} times)" if counts.get(i, 1) > 1 else ""
            print(f" - {first}{more}")
            for line in rest:
                print(f"  {line}")
        return 1
    print(f"independent client: {CHECK.passed} checks passed ({elapsed:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env bash
# Conformance of the local emulator with OBIE's OpenAPI specs, by schemathesis (pinned in
# conformance/requirements.txt, installed into a virtualenv under the target directory):
# account information (v3.1.10), payment initiation (v3.1.10, and international at v3.1.11),
# VRP and confirmation of funds (v3.1.10), each in Monzo's profile as `cargo xtask specs
# profiled` writes it (the endpoints Monzo serves, its narrowing, pots, the pot-transactions
# proposal), and the Events API (v3.1.10) as published.
#
# It starts the emulator on loopback with a throw-away state directory, has the CLI register,
# authorise the heavy sandbox user and print tokens, then runs schemathesis with every check it
# has (`--checks all`) and the client certificate against each spec, bounded in time; the hooks
# (hooks.py) sign requests and give them fresh idempotency keys and the right token. It fails
# on any failure of any check.
#
#   conformance/run.sh                   # 45 s per spec
#   CONFORMANCE_SECONDS=300 conformance/run.sh
#
# Environment: OBIE_SPECS_DIR (default specs/.cache, else ../shared/specs/obie: see
# scripts/paths.sh), CARGO_TARGET_DIR,
# CONFORMANCE_SECONDS, CONFORMANCE_PORT (default 18760).
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
# root, target and specs
. "$here/../scripts/paths.sh"
seconds="${CONFORMANCE_SECONDS:-45}"
port="${CONFORMANCE_PORT:-18760}"
venv="$target/tmp/schemathesis-venv"
reports="$target/conformance"

if [ ! -x "$venv/bin/st" ] || ! cmp -s "$here/requirements.txt" "$venv/requirements.txt"; then
  echo "== installing schemathesis (pinned) into $venv"
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check --no-deps -r "$here/requirements.txt"
  cp "$here/requirements.txt" "$venv/requirements.txt"
fi

(cd "$root" && cargo build --quiet -p monzo-ob)
bin="$target/debug/monzo-ob"
work="$(mktemp -d)"
# No rate limit: the run sends more than Monzo's 100 requests per second per organisation at
# times, and a 429 would hide what each check looks for (the limit has its own tests).
"$bin" sandbox --listen "127.0.0.1:$port" --state "$work/state" --rate-limit 0 > "$work/sandbox.log" 2>&1 &
pid=$!
cleanup() {
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
base="https://127.0.0.1:$port"
for _ in $(seq 1 60); do
  if curl -sfk "$base/open-banking/.well-known/openid-configuration" > /dev/null; then break; fi
  sleep 1
done

profile="$work/profile"
"$bin" --profile "$profile" register --sandbox --base "$base" --sandbox-state "$work/state" > /dev/null
"$bin" --profile "$profile" authorize --user heavy > /dev/null
accounts_token="$("$bin" --profile "$profile" token)"
accounts_app_token="$("$bin" --profile "$profile" token --accounts-app)"
payments_token="$("$bin" --profile "$profile" token --payments)"
funds_token="$("$bin" --profile "$profile" token --funds)"
mkdir -p "$reports"

# The hooks sign requests, give them fresh idempotency keys and the token their operation takes
# (see conformance/hooks.py).
export CONFORMANCE_SIGNING_KEY="$profile/signing.key"
CONFORMANCE_KID="$("$venv/bin/python" -c 'import json,sys; print(json.load(open(sys.argv[1]))["kid"])' "$profile/profile.json")"
CONFORMANCE_ISS="$("$venv/bin/python" -c 'import json,sys; p=json.load(open(sys.argv[1])); print(p["org_id"] + "/" + p["software_id"])' "$profile/profile.json")"
export CONFORMANCE_KID CONFORMANCE_ISS
export CONFORMANCE_TOKEN_AIS="$accounts_token" CONFORMANCE_TOKEN_AIS_CC="$accounts_app_token"
export CONFORMANCE_TOKEN_PIS_CC="$payments_token" CONFORMANCE_TOKEN_CBPII_CC="$funds_token"
export SCHEMATHESIS_HOOKS=hooks PYTHONPATH="$here"

# Every check schemathesis has. The stateful checks (use_after_free,
# ensure_resource_availability) need the stateful phase, which needs links between operations
# that OBIE's specs do not declare; they pass vacuously. Where OBIE or Monzo refuse a
# schema-valid request for a reason JSON Schema cannot state, schemathesis.toml names the
# operation, the status and the rule.
rm -rf "$here/.schemathesis"  # no crash cache: every run is the same run, as in CI
failed=0
check() {
  local name="$1" spec="$2" path="$3" token="$4"
  echo "== $name: $spec against $base$path ($seconds s)"
  if ! (cd "$here" && CONFORMANCE_DEFAULT_TOKEN="$token" "$venv/bin/st" run "$spec" \
    --url "$base$path" \
    -H "Authorization: Bearer $token" \
    --request-cert "$profile/client.pem" --request-cert-key "$profile/client.key" \
    --tls-verify "$profile/ca.pem" \
    --checks all \
    --phases examples,coverage,fuzzing \
    --max-examples 25 --max-time "$seconds" --workers 1 --seed 1 \
    --rate-limit auto --warnings off \
    --report junit --report-junit-path "$reports/$name.xml"); then
    failed=1
  fi
}

# The emulator serves Monzo's profile: each pinned spec after the Monzo extension pass (only
# the endpoints Monzo serves, its narrowing as JSON Schema, pots and the pot-transactions
# proposal).
profiled="$work/profiled"
(cd "$root" && cargo run --quiet -p xtask -- specs profiled --out "$profiled" --specs-dir "$specs" > /dev/null)
check account-info "$profiled/account-info.json" /open-banking/v3.1/aisp "$accounts_token"
check payments "$profiled/payment-initiation.json" /open-banking/v3.1/pisp "$payments_token"
check international-3.1.11 "$profiled/payment-initiation-v3.1.11.json" /open-banking/v3.1/pisp "$payments_token"
check vrp "$profiled/vrp.json" /open-banking/v3.1/pisp "$payments_token"
check funds "$profiled/confirmation-funds.json" /open-banking/v3.1/cbpii "$funds_token"
# The Events API (which Monzo does not offer; the emulator serves it for the pot proposal), in
# JSON only, with a client-credentials token of any API scope.
check events "$profiled/events.json" /open-banking/v3.1 "$accounts_app_token"
if [ "$failed" != 0 ]; then
  echo "== conformance: FAILED (reports in $reports)"
  exit 1
fi
echo "== conformance: every check passed on every spec (reports in $reports)"

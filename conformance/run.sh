#!/usr/bin/env bash
# Conformance of the local emulator with OBIE's OpenAPI specs, by schemathesis (pinned in
# conformance/requirements.txt, installed into a virtualenv under the target directory):
# account information (v3.1.10), payment initiation (v3.1.10 and v3.1.11) and VRP (v3.1.10),
# each in Monzo's profile as `cargo xtask specs profiled` writes it (pots, the pot-transactions
# proposal, Monzo's fields), and the Events API (v3.1.10) as published.
#
# It starts the emulator on loopback with a throw-away state directory, has the CLI register,
# authorise the heavy sandbox user and print tokens, then runs schemathesis with the client
# certificate against each spec, bounded in time. It fails on any 5xx and on any response that
# does not match the spec's schema.
#
#   conformance/run.sh                   # 45 s per spec
#   CONFORMANCE_SECONDS=300 conformance/run.sh
#
# Environment: OBIE_SPECS_DIR (default ../shared/specs/obie), CARGO_TARGET_DIR,
# CONFORMANCE_SECONDS, CONFORMANCE_PORT (default 18760).
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
target="${CARGO_TARGET_DIR:-$root/target}"
case "$target" in /*) ;; *) target="$root/$target" ;; esac
specs="${OBIE_SPECS_DIR:-$(cd "$root/.." && pwd)/shared/specs/obie}"
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
"$bin" sandbox --listen "127.0.0.1:$port" --state "$work/state" > "$work/sandbox.log" 2>&1 &
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
payments_token="$("$bin" --profile "$profile" token --payments)"
mkdir -p "$reports"

check() {
  local name="$1" spec="$2" path="$3" token="$4"
  echo "== $name: $spec against $base$path ($seconds s)"
  (cd "$here" && "$venv/bin/st" run "$spec" \
    --url "$base$path" \
    -H "Authorization: Bearer $token" \
    --request-cert "$profile/client.pem" --request-cert-key "$profile/client.key" \
    --tls-verify "$profile/ca.pem" \
    --checks not_a_server_error,response_schema_conformance \
    --phases examples,coverage,fuzzing \
    --max-examples 25 --max-time "$seconds" --workers 1 --seed 1 \
    --rate-limit auto --warnings off \
    --report junit --report-junit-path "$reports/$name.xml")
}

# The emulator serves Monzo's profile: each pinned spec after the Monzo extension pass (pots,
# the pot-transactions proposal with PotId on main-account transactions, Monzo's fields).
profiled="$work/profiled"
(cd "$root" && cargo run --quiet -p xtask -- specs profiled --out "$profiled" --specs-dir "$specs" > /dev/null)
check account-info "$profiled/account-info.json" /open-banking/v3.1/aisp "$accounts_token"
check payments "$profiled/payment-initiation.json" /open-banking/v3.1/pisp "$payments_token"
check international-3.1.11 "$profiled/payment-initiation-v3.1.11.json" /open-banking/v3.1/pisp "$payments_token"
check vrp "$profiled/vrp.json" /open-banking/v3.1/pisp "$payments_token"
# The Events API (which Monzo does not offer; the emulator serves it for the pot proposal),
# as published, with a client-credentials token of any API scope.
check events "$specs/v3.1.10/events-openapi.json" /open-banking/v3.1 "$payments_token"
echo "== conformance: no 5xx, every response as the specs say (reports in $reports)"

#!/usr/bin/env bash
# Runs the independent client test (client.py) against an emulator binary: makes the venv
# (setup.sh), starts the emulator on a free loopback port with a throw-away state directory,
# waits for discovery, runs the client, stops the emulator. Exits non-zero when any check fails.
#
#   tests/independent/run.sh [EMULATOR_BINARY] [CLIENT_OPTIONS...]
#       EMULATOR_BINARY  default ${CARGO_TARGET_DIR:-target}/debug/monzo-sandbox
#       CLIENT_OPTIONS   e.g. -v (print every request)
#
# Environment: OBIE_SPECS_DIR (the upstream OBIE specs; default specs/.cache, else
# ../shared/specs/obie beside the repository: see scripts/paths.sh), CARGO_TARGET_DIR (where the venv lives: $CARGO_TARGET_DIR/tmp).
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
# root, target and specs
. "$here/../../scripts/paths.sh"
bin="${1:-$target/debug/monzo-sandbox}"
shift || true
venv="$target/tmp/independent-venv"

if [ ! -x "$bin" ]; then
  echo "run.sh: no emulator binary at $bin (build it: cargo build -p monzo-sandbox)" >&2
  exit 2
fi
if [ ! -f "$specs/v3.1.10/account-info-openapi.json" ]; then
  echo "run.sh: no OBIE specs in $specs (set OBIE_SPECS_DIR or run cargo xtask specs fetch)" >&2
  exit 2
fi
"$here/setup.sh" "$venv"
py="$venv/bin/python"

work="$(mktemp -d)"
pid=""
cleanup() {
  if [ -n "$pid" ]; then
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

port="$("$py" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
base="https://127.0.0.1:$port"
"$bin" --listen "127.0.0.1:$port" --state "$work/state" > "$work/emulator.log" 2>&1 &
pid=$!

# Discovery answers once the emulator is up (its certificate is not checked here: the client
# trusts the development CA it finds in the state directory).
ready=""
for _ in $(seq 1 150); do
  if ! kill -0 "$pid" 2>/dev/null; then
    echo "run.sh: the emulator exited:" >&2
    cat "$work/emulator.log" >&2
    exit 1
  fi
  if "$py" - "$base" <<'PY' 2> /dev/null; then
import ssl, sys, urllib.request
ctx = ssl.create_default_context()
ctx.check_hostname, ctx.verify_mode = False, ssl.CERT_NONE
urllib.request.urlopen(sys.argv[1] + "/open-banking/.well-known/openid-configuration", context=ctx, timeout=2)
PY
    ready=1
    break
  fi
  sleep 0.2
done
if [ -z "$ready" ]; then
  echo "run.sh: no discovery at $base after 30 s:" >&2
  cat "$work/emulator.log" >&2
  exit 1
fi

status=0
"$py" "$here/client.py" --base "$base" --state "$work/state" --specs "$specs" \
  --monzo-specs "$root/specs/monzo" "$@" || status=$?
if [ "$status" -ne 0 ]; then
  echo "== emulator log (last 20 lines)" >&2
  tail -n 20 "$work/emulator.log" >&2
fi
exit "$status"

#!/usr/bin/env bash
# The emulator against Prism 5 mocking the same OBIE spec, both reached the same way by the
# project's own load generator (bench/loadgen): HTTPS with the TPP's client certificate,
# keep-alive connections. The emulator terminates mutual TLS itself; Prism sits behind stunnel,
# which terminates it for Prism with the same client-certificate check (its CPU is counted with
# Prism's). The generator runs on one core; everything shares this machine.
#
# Reported, one run, side by side: GET /accounts and a page of 25 transactions at 1, 16, 64
# and 256 connections (requests/s, p50/p99/p99.9 latency, errors, each server's CPU per
# request), then signed domestic payments end to end on the emulator (consent, authorization,
# token, order) at 16 connections.
#
# Tools, pinned and installed by this script when missing: stunnel4 (Debian package, needs
# root), Prism (npm, bench/prism/package-lock.json); the generator is built from this
# workspace.
#
#   bench/loadgen.sh                      # 10 s per measurement, 2 s warm-up
#   BENCH_SECONDS=20 bench/loadgen.sh
#   BENCH_CONNECTIONS="16" bench/loadgen.sh
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
# root, target and specs
. "$here/../scripts/paths.sh"
seconds="${BENCH_SECONDS:-10}"
connection_counts="${BENCH_CONNECTIONS:-1 16 64 256}"
emu_port=18795
prism_port=18796
prism_tls_port=18797
STUNNEL_VERSION="3:5.68-2+deb12u1"

installed() { dpkg-query -W -f='${Version}' "$1" 2>/dev/null || true; }
if [ "$(installed stunnel4)" != "$STUNNEL_VERSION" ]; then
  echo "== installing stunnel4 $STUNNEL_VERSION"
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get install -y -q "stunnel4=$STUNNEL_VERSION" > /dev/null
fi
if [ ! -x "$here/prism/node_modules/.bin/prism" ]; then
  echo "== installing Prism (npm ci, pinned by bench/prism/package-lock.json)"
  (cd "$here/prism" && npm ci --no-audit --no-fund --silent)
fi

echo "== building the emulator, the CLI and the load generator (release)"
(cd "$root" && cargo build --quiet --release -p monzo-sandbox -p monzo-ob -p loadgen)

# shellcheck source=bench/emulator_setup.sh
source "$here/emulator_setup.sh"

# Prism, and stunnel in front of it: mutual TLS in (a server certificate made here, client
# certificates from the emulator's development CA, as the emulator checks them), plain HTTP out.
# A CA of its own and a P-256 server certificate from it (the emulator's is P-256 too).
ec=(-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes)
openssl req -x509 "${ec[@]}" -days 1 -keyout "$work/prism-ca.key" -out "$work/prism-ca.pem" \
  -subj "/CN=bench CA" 2> /dev/null
openssl req "${ec[@]}" -keyout "$work/prism-tls.key" -out "$work/prism-tls.csr" -subj "/CN=127.0.0.1" 2> /dev/null
printf 'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=serverAuth\n' > "$work/prism-tls.ext"
openssl x509 -req -in "$work/prism-tls.csr" -CA "$work/prism-ca.pem" -CAkey "$work/prism-ca.key" \
  -CAcreateserial -days 1 -extfile "$work/prism-tls.ext" -out "$work/prism-tls.pem" 2> /dev/null
cat > "$work/stunnel.conf" <<CONF
foreground = yes
pid =
; errors only: logging every connection would be counted against Prism
debug = 3
[prism]
accept = 127.0.0.1:$prism_tls_port
connect = 127.0.0.1:$prism_port
cert = $work/prism-tls.pem
key = $work/prism-tls.key
CAfile = $p/ca.pem
verifyChain = yes
requireCert = yes
CONF
"$here/prism/node_modules/.bin/prism" mock -p "$prism_port" -h 127.0.0.1 -v silent \
  "$specs/v3.1.10/account-info-openapi.json" > "$work/prism.log" 2>&1 &
prism_pid=$!
pids+=($prism_pid)
stunnel4 "$work/stunnel.conf" > "$work/stunnel.log" 2>&1 &
stunnel_pid=$!
pids+=($stunnel_pid)
wait_for "http://127.0.0.1:$prism_port/accounts"
for i in $(seq 1 100); do
  if curl -sf -o /dev/null --cert "$p/client.pem" --key "$p/client.key" --cacert "$work/prism-ca.pem" \
    -H "Authorization: Bearer $token" "https://127.0.0.1:$prism_tls_port/accounts"; then break; fi
  if [ "$i" = 100 ]; then echo "Prism behind stunnel does not answer" >&2; cat "$work/stunnel.log" >&2; exit 1; fi
  sleep 0.2
done

loadgen="$target/release/loadgen"
run() { # server connections path...
  local server="$1" n="$2"; shift 2
  local base ca pid_args
  if [ "$server" = emulator ]; then
    base="https://127.0.0.1:$emu_port"; ca="$p/ca.pem"; pid_args=(--pid "emulator=$emu_pid")
  else
    base="https://127.0.0.1:$prism_tls_port"; ca="$work/prism-ca.pem"
    pid_args=(--pid "prism=$prism_pid" --pid "prism=$stunnel_pid")
  fi
  local paths=()
  for path in "$@"; do paths+=(--path "$path"); done
  "$loadgen" get --base "$base" --cert "$p/client.pem" --key "$p/client.key" --ca "$ca" \
    "${paths[@]}" --header "Authorization: Bearer $token" \
    --header "x-fapi-financial-id: 0015800001ZEc3hAAD" \
    --connections "$n" --seconds "$seconds" --warmup 2 "${pid_args[@]}" --json | tee -a "$work/results.jsonl"
}
field() { python3 -c "import json,sys; v=json.loads(sys.argv[1]); print($2)" "$1"; }

echo "== ${seconds} s per measurement after 2 s of warm-up; CPU is each server's (Prism's includes stunnel's) per request"
printf '%-26s %5s | %9s %8s %8s %8s %6s %7s | %9s %8s %8s %6s %7s | %6s\n' \
  "request" "conns" "emu/s" "p50 ms" "p99 ms" "p99.9" "errors" "CPU µs" "Prism/s" "p50 ms" "p99 ms" "errors" "CPU µs" "ratio"
for case in "GET /accounts|/open-banking/v3.1/aisp/accounts|/accounts" \
            "GET transactions (25)|/open-banking/v3.1/aisp/accounts/$account/transactions?$window|/accounts/$account/transactions"; do
  IFS='|' read -r name emu_path prism_path <<< "$case"
  for n in $connection_counts; do
    e="$(run emulator "$n" "$emu_path")"
    r="$(run prism "$n" "$prism_path")"
    printf '%-26s %5s | %9.0f %8.2f %8.2f %8.2f %6d %7.0f | %9.0f %8.2f %8.2f %6d %7.0f | %5.1fx\n' \
      "$name" "$n" \
      "$(field "$e" 'v["per_second"]')" "$(field "$e" 'v["p50_ms"]')" "$(field "$e" 'v["p99_ms"]')" \
      "$(field "$e" 'v["p99_9_ms"]')" "$(field "$e" 'v["errors"]')" "$(field "$e" 'v["cpu_us_per_iteration"]["emulator"]')" \
      "$(field "$r" 'v["per_second"]')" "$(field "$r" 'v["p50_ms"]')" "$(field "$r" 'v["p99_ms"]')" \
      "$(field "$r" 'v["errors"]')" "$(field "$r" 'v["cpu_us_per_iteration"]["prism"]')" \
      "$(python3 -c "import json,sys; print(json.loads(sys.argv[1])['per_second'] / max(json.loads(sys.argv[2])['per_second'], 1e-9))" "$e" "$r")"
  done
done

if [ -n "${BENCH_KEEP:-}" ]; then cp "$work/results.jsonl" "$BENCH_KEEP"; fi
echo "== signed domestic payments end to end on the emulator (consent, authorization, token, order), 16 connections"
"$loadgen" payment --base "https://127.0.0.1:$emu_port" --profile "$p" --connections 16 \
  --seconds "$seconds" --warmup 2 --pid "emulator=$emu_pid"

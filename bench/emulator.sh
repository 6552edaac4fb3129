#!/usr/bin/env bash
# The emulator against Prism 5 mocking the same OBIE spec, side by side in one run:
# GET /accounts and GET /accounts/{AccountId}/transactions (a page of 25), 16 connections, wrk.
#
# wrk cannot present a client certificate, and the emulator requires one (tokens are bound to
# it), so wrk reaches the emulator through stunnel, which holds the TPP's certificate and speaks
# mutual TLS to it. That proxy hop is counted against the emulator; Prism is plain HTTP with no
# TLS at all. Everything shares this machine's cores.
#
# Tools, pinned and installed by this script when missing: wrk and stunnel4 (Debian packages,
# needs root), Prism (npm, bench/prism/package-lock.json).
#
#   bench/emulator.sh                 # 15 s per target
#   BENCH_SECONDS=30 bench/emulator.sh
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
# root, target and specs
. "$here/../scripts/paths.sh"
seconds="${BENCH_SECONDS:-15}"
connections=16
emu_port=18790
tunnel_port=18791
prism_port=18792
WRK_VERSION="4.1.0-3+b2"
STUNNEL_VERSION="3:5.68-2+deb12u1"

# Pinned tools.
installed() { dpkg-query -W -f='${Version}' "$1" 2>/dev/null || true; }
if [ "$(installed wrk)" != "$WRK_VERSION" ] || [ "$(installed stunnel4)" != "$STUNNEL_VERSION" ]; then
  echo "== installing wrk $WRK_VERSION and stunnel4 $STUNNEL_VERSION"
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get install -y -q "wrk=$WRK_VERSION" "stunnel4=$STUNNEL_VERSION" > /dev/null
fi
if [ ! -x "$here/prism/node_modules/.bin/prism" ]; then
  echo "== installing Prism (npm ci, pinned by bench/prism/package-lock.json)"
  (cd "$here/prism" && npm ci --no-audit --no-fund --silent)
fi

echo "== building the emulator and the CLI (release)"
(cd "$root" && cargo build --quiet --release -p monzo-sandbox -p monzo-ob)

# shellcheck source=bench/emulator_setup.sh
source "$here/emulator_setup.sh"
count="$(curl -sf --cert "$p/client.pem" --key "$p/client.key" --cacert "$p/ca.pem" \
  -H "Authorization: Bearer $token" \
  "https://127.0.0.1:$emu_port/open-banking/v3.1/aisp/accounts/$account/transactions?$window" |
  python3 -c 'import json, sys; print(len(json.load(sys.stdin)["Data"]["Transaction"]))')"

# stunnel: plain HTTP in, mutual TLS out.
cat > "$work/stunnel.conf" <<CONF
foreground = yes
pid =
[emulator]
client = yes
accept = 127.0.0.1:$tunnel_port
connect = 127.0.0.1:$emu_port
cert = $p/client.pem
key = $p/client.key
CAfile = $p/ca.pem
verifyChain = yes
CONF
stunnel4 "$work/stunnel.conf" > "$work/stunnel.log" 2>&1 &
pids+=($!)
wait_for "http://127.0.0.1:$tunnel_port/open-banking/.well-known/openid-configuration"

"$here/prism/node_modules/.bin/prism" mock -p "$prism_port" -h 127.0.0.1 -v silent \
  "$specs/v3.1.10/account-info-openapi.json" > "$work/prism.log" 2>&1 &
pids+=($!)
wait_for "http://127.0.0.1:$prism_port/accounts"

# One wrk run: prints "requests/s p99-ms".
measure() {
  local url="$1"
  wrk -t2 -c"$connections" -d2s -H "Authorization: Bearer $token" "$url" > /dev/null
  wrk -t2 -c"$connections" -d"${seconds}s" --latency -H "Authorization: Bearer $token" \
    -H "x-fapi-financial-id: 0015800001ZEc3hAAD" "$url" > "$work/wrk.out"
  local non2xx
  non2xx="$(grep -o 'Non-2xx or 3xx responses: [0-9]*' "$work/wrk.out" | grep -o '[0-9]*$' || echo 0)"
  if [ "${non2xx:-0}" != "0" ]; then echo "$url: $non2xx error answers" >&2; cat "$work/wrk.out" >&2; exit 1; fi
  python3 - "$work/wrk.out" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
m = re.search(r"99%\s+([\d.]+)(us|ms|s)\b", text)
p99 = float(m.group(1)) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[m.group(2)]
print(f"{rps:.0f} {p99:.2f}")
PY
}

emu="http://127.0.0.1:$tunnel_port/open-banking/v3.1/aisp"
prism="http://127.0.0.1:$prism_port"
echo "== $connections connections, ${seconds}s each; transactions window: $count transactions"
printf '%-34s %12s %10s %12s %10s %8s\n' "request" "emulator/s" "p99 ms" "Prism/s" "p99 ms" "ratio"
for case in "GET /accounts|/accounts|/accounts" \
            "GET transactions (page of $count)|/accounts/$account/transactions?$window|/accounts/$account/transactions"; do
  IFS='|' read -r name emu_path prism_path <<< "$case"
  read -r e_rps e_p99 <<< "$(measure "$emu$emu_path")"
  read -r p_rps p_p99 <<< "$(measure "$prism$prism_path")"
  ratio="$(python3 -c "print(f'{$e_rps / $p_rps:.1f}x')")"
  printf '%-34s %12s %10s %12s %10s %8s\n' "$name" "$e_rps" "$e_p99" "$p_rps" "$p_p99" "$ratio"
done

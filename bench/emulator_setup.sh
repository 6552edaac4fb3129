# Sourced by the emulator benchmarks (bench/emulator.sh, bench/loadgen.sh), after they built
# the release binaries: a scratch directory cleaned up on exit, and the emulator running with
# a registered TPP whose consent reads the heavy sandbox user's accounts.
#
# Needs: $target (the target directory), $emu_port. Sets: $work, $pids (killed on exit),
# wait_for URL, $emu_pid, $p (the monzo-ob profile directory), $token, $account, and $window
# (a booking window holding exactly 25 of the account's transactions: the emulator pages by
# 100).

work="$(mktemp -d)"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
wait_for() { for _ in $(seq 1 100); do if curl -sk -o /dev/null "$1"; then return 0; fi; sleep 0.3; done; echo "no answer from $1" >&2; exit 1; }

# The emulator, without Monzo's 100 requests/s limit (it would be the thing measured).
"$target/release/monzo-sandbox" --listen "127.0.0.1:$emu_port" --state "$work/state" --rate-limit 0 > "$work/emulator.log" 2>&1 &
emu_pid=$!
pids+=("$emu_pid")
wait_for "https://127.0.0.1:$emu_port/open-banking/.well-known/openid-configuration"
p="$work/profile"
cli=("$target/release/monzo-ob" --profile "$p")
"${cli[@]}" register --sandbox --base "https://127.0.0.1:$emu_port" --sandbox-state "$work/state" > /dev/null
"${cli[@]}" authorize --user heavy > /dev/null
token="$("${cli[@]}" token)"
account="acc_0000A4C4ZSskDOixqNPfpR"

window="$(curl -sf --cert "$p/client.pem" --key "$p/client.key" --cacert "$p/ca.pem" \
  -H "Authorization: Bearer $token" \
  "https://127.0.0.1:$emu_port/open-banking/v3.1/aisp/accounts/$account/transactions?order=desc" |
  python3 -c '
import json, sys
from urllib.parse import quote
tx = json.load(sys.stdin)["Data"]["Transaction"]
newest, oldest = tx[0]["BookingDateTime"], tx[24]["BookingDateTime"]
# RFC 3339 with the zone, as Monzo asks ("you will need to provide the start and end times in
# RFC3339 format").
print(f"fromBookingDateTime={quote(oldest)}&toBookingDateTime={quote(newest)}")')"

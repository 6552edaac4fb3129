#!/usr/bin/env bash
# pot-ledger's reconciliation at 10,000, 100,000 and 1,000,000 transactions (50 pots), in full
# and today's-data modes, two ways:
#
# - in one process (divan, `cargo bench -p pot-ledger`): 20 samples each; a small run reads an
#   input still in the processor's cache and writes into memory an earlier sample freed, so it
#   is cheaper per transaction than a large one, whose input comes from memory and whose output
#   (a position and a balance per transaction) is new pages each time; `read_*` is the floor,
#   a pass that only reads the input;
# - a first call in a fresh process (examples/reconcile_once.rs), the median of 7: what a tool
#   that reconciles once pays, at any size.
#
#   bench/pot_ledger.sh
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
# root, target and specs
. "$here/../scripts/paths.sh"

cd "$root"
echo "== in one process (divan)"
cargo bench -q -p pot-ledger 2>&1 | grep -v '^$' | grep -v 'running 0 tests\|test result'

echo "== first call in a fresh process (median of 7)"
cargo build -q --release -p pot-ledger --example reconcile_once
printf '%-12s %10s %12s %18s\n' "mode" "size" "ms" "us/transaction"
for mode in full todays-data; do
  for n in 10000 100000 1000000; do
    for _ in 1 2 3 4 5 6 7; do
      "$target/release/examples/reconcile_once" "$mode" "$n"
    done | sort -k3 -n | sed -n 4p | awk -v m="$mode" '{printf "%-12s %10s %12s %18s\n", m, $2, $3, $5}'
  done
done

#!/usr/bin/env bash
# PS256 sign and verify per second, side by side in one run: ob-jose (aws-lc-rs, RSASSA-PSS with
# SHA-256, 2048-bit key) against `openssl speed rsa2048` (raw RSA, PKCS#1 v1.5 over a digest-sized
# input) on the same machine, one core each. ob-jose is measured on a 64-byte input (the like of
# openssl's) and on an x-jws-signature signing input over a 1 KiB body. The target is at least 0.8 of OpenSSL's rates; the script reports, it does not fail
# on a miss.
#
#   bench/jose.sh            # SECONDS_EACH=N to change the time per measurement (default 3)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
SECONDS_EACH="${SECONDS_EACH:-3}"

command -v openssl >/dev/null || { echo "openssl not found: install it to compare" >&2; exit 1; }
echo "== build" >&2
cargo build --release -q -p ob-jose --example ps256_speed

echo "== openssl speed -seconds $SECONDS_EACH rsa2048" >&2
# Machine-readable summary (OpenSSL 3): +F2:<n>:<bits>:<signs per second>:<verifies per second>
ossl="$(openssl speed -mr -seconds "$SECONDS_EACH" rsa2048 2>/dev/null | grep '^+F2:' | tail -n 1)"
ossl_sign="$(echo "$ossl" | awk -F: '{printf "%.1f", $4}')"
ossl_verify="$(echo "$ossl" | awk -F: '{printf "%.1f", $5}')"

echo "== ob-jose (ps256_speed)" >&2
rust_json="$(cargo run --release -q -p ob-jose --example ps256_speed -- --seconds "$SECONDS_EACH" | tail -n 1)"
rust_sign="$(echo "$rust_json" | sed -E 's/.*"sign_per_s": ([0-9.]+).*/\1/')"
rust_verify="$(echo "$rust_json" | sed -E 's/.*"verify_per_s": ([0-9.]+).*/\1/')"
rust_sign_1k="$(echo "$rust_json" | sed -E 's/.*"sign_1k_per_s": ([0-9.]+).*/\1/')"
rust_verify_1k="$(echo "$rust_json" | sed -E 's/.*"verify_1k_per_s": ([0-9.]+).*/\1/')"

echo "$(openssl version)"
echo
echo "| operation | ob-jose PS256 (/s) | openssl rsa2048 (/s) | ratio |"
echo "|---|---|---|---|"
awk -v r="$rust_sign" -v o="$ossl_sign" 'BEGIN { printf "| sign, 64-byte input | %.0f | %.0f | %.2f |\n", r, o, r/o }'
awk -v r="$rust_verify" -v o="$ossl_verify" 'BEGIN { printf "| verify, 64-byte input | %.0f | %.0f | %.2f |\n", r, o, r/o }'
awk -v r="$rust_sign_1k" -v o="$ossl_sign" 'BEGIN { printf "| sign, x-jws-signature over 1 KiB | %.0f | %.0f | %.2f |\n", r, o, r/o }'
awk -v r="$rust_verify_1k" -v o="$ossl_verify" 'BEGIN { printf "| verify, x-jws-signature over 1 KiB | %.0f | %.0f | %.2f |\n", r, o, r/o }'

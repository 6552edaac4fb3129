#!/usr/bin/env bash
# Cold builds (an empty target directory: dependencies included), release, with only the
# `accounts` API: ob-model, monzo-model, and a consumer crate that decodes an
# `OBReadTransaction6` with ob-model (generated under the target directory, a path dependency
# on this checkout). The figures of BENCHMARKS.md's "Build times". Each build is run twice, in
# fresh directories; the script prints both and `cargo build --timings` of the last ob-model
# build is left in its directory.
#
#   bench/cold_build.sh
set -euo pipefail

# root, target and specs
. "$(dirname "$0")/../scripts/paths.sh"
scratch="$target/tmp/cold-build"
rm -rf "$scratch"
mkdir -p "$scratch/consumer/src"

cat > "$scratch/consumer/Cargo.toml" <<TOML
[package]
name = "cold-build-consumer"
version = "0.0.0"
edition = "2021"
publish = false

[dependencies]
ob-model = { path = "$root/crates/ob-model", default-features = false, features = ["accounts"] }

[workspace]
TOML
cat > "$scratch/consumer/src/main.rs" <<'RS'
//! Decodes a transactions page with ob-model, as a consumer crate would.
fn main() {
    let text = std::env::args().nth(1).unwrap_or_else(|| "{}".into());
    match ob_model::decode::from_slice::<ob_model::accounts::OBReadTransaction6>(text.as_bytes()) {
        Ok(page) => println!("{} transactions", page.data.transaction.map_or(0, |t| t.len())),
        Err(e) => println!("not a page: {e}"),
    }
}
RS

time_build() { # label dir args...
  local label="$1" dir="$2"; shift 2
  for run in 1 2; do
    local out="$scratch/target-$label-$run"
    rm -rf "$out"
    local start end
    start=$(date +%s.%N)
    (cd "$dir" && CARGO_TARGET_DIR="$out" cargo build -q --release "$@")
    end=$(date +%s.%N)
    printf '| %s | run %d | %.1f s |\n' "$label" "$run" "$(echo "$end - $start" | bc)"
  done
}

echo "| build | run | time |"
echo "|---|---|---:|"
time_build "ob-model accounts" "$root" -p ob-model --no-default-features --features accounts
time_build "monzo-model accounts" "$root" -p monzo-model --no-default-features --features accounts
time_build "consumer decoding OBReadTransaction6" "$scratch/consumer"
(cd "$root" && CARGO_TARGET_DIR="$scratch/timings" cargo build -q --release --timings \
  -p ob-model --no-default-features --features accounts)
echo "timings: $(ls "$scratch"/timings/cargo-timings/cargo-timing-*.html | head -1)"

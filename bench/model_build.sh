#!/usr/bin/env bash
# Release build times of the model crates on their own, dependencies already built: the
# figures of BENCHMARKS.md's "Build times". Usage: bench/model_build.sh [WORKSPACE_DIR]
# (default: this one; give another checkout to measure it the same way, e.g. an older commit
# in a `git worktree`). Each build runs after `cargo clean --release -p ob-model -p monzo-model`
# (and `-p ob-model-runtime` where the checkout has that crate: the model's runtime, part of the
# model's own build), in the workspace's own target directory (or CARGO_TARGET_DIR).
set -euo pipefail
dir="${1:-$(cd "$(dirname "$0")/.." && pwd)}"
cd "$dir"
builds=(
  "-p ob-model"
  "-p ob-model --no-default-features --features accounts"
  "-p monzo-model"
  "-p monzo-model --no-default-features --features accounts"
)
# Dependencies first, so that each timed build is the model crates alone.
for b in "${builds[@]}"; do
  # shellcheck disable=SC2086
  cargo build -q --release $b
done
model=(-p ob-model -p monzo-model)
if [ -d crates/ob-model-runtime ]; then model+=(-p ob-model-runtime); fi
echo "| build | time |"
echo "|---|---:|"
for b in "${builds[@]}"; do
  cargo clean -q --release "${model[@]}"
  start=$(date +%s.%N)
  # shellcheck disable=SC2086
  cargo build -q --release $b
  end=$(date +%s.%N)
  printf '| `%s` | %.1f s |\n' "$b" "$(echo "$end - $start" | bc)"
done

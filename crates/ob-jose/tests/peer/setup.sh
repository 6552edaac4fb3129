#!/usr/bin/env bash
# Installs the interop peer (Python joserfc, pinned in requirements.txt) into a virtualenv.
#
#   crates/ob-jose/tests/peer/setup.sh <venv-dir>
#
# The interop tests run this themselves on first use (into target/tmp/jose-peer-venv); it is
# idempotent and does nothing when the pinned versions are already installed.
set -euo pipefail
VENV="${1:?usage: setup.sh <venv-dir>}"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
STAMP="$VENV/.requirements"
if [ -x "$VENV/bin/python" ] && [ -f "$STAMP" ] && cmp -s "$STAMP" "$HERE/requirements.txt"; then
  exit 0
fi
python3 -m venv "$VENV"
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r "$HERE/requirements.txt"
cp "$HERE/requirements.txt" "$STAMP"

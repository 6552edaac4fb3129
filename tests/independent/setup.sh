#!/usr/bin/env bash
# Makes the virtualenv of the independent client test: the packages pinned in requirements.txt,
# installed with --no-deps. Idempotent: it does nothing when the venv was made from the same
# requirements.txt (a copy of it is the stamp).
#
#   tests/independent/setup.sh [VENV_DIR]    # default ${CARGO_TARGET_DIR:-target}/tmp/independent-venv
#
# Needs python3 (3.11 or later) with venv, and PyPI on the first run. PYTHON names another
# interpreter.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
target="${CARGO_TARGET_DIR:-$root/target}"
case "$target" in /*) ;; *) target="$root/$target" ;; esac
venv="${1:-$target/tmp/independent-venv}"
python="${PYTHON:-python3}"

if [ -x "$venv/bin/python" ] && cmp -s "$here/requirements.txt" "$venv/requirements.txt"; then
  exit 0
fi
if ! "$python" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)'; then
  echo "setup.sh: $python is $("$python" -V 2>&1); the pinned packages need Python 3.11 or later (set PYTHON)" >&2
  exit 2
fi
echo "== installing the independent client's packages (pinned) into $venv" >&2
rm -rf "$venv"
"$python" -m venv "$venv"
"$venv/bin/pip" install --no-deps --disable-pip-version-check -q -r "$here/requirements.txt"
# Every dependency of every package is pinned too (pip check fails on a missing one).
"$venv/bin/pip" check --disable-pip-version-check > /dev/null
cp "$here/requirements.txt" "$venv/requirements.txt"

#!/usr/bin/env bash
# The console's end-to-end test in a real browser: installs Debian's Chromium and ChromeDriver
# (pinned, tests/browser/install.sh), then runs the test that drives them
# (crates/monzo-sandbox/tests/browser), which is ignored by a plain `cargo test` for want of
# a browser. Screenshots of every console page are left in
# ${CARGO_TARGET_DIR:-target}/tmp/console-screenshots/.
#
#   tests/browser/run.sh
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
# root, target and specs
. "$here/../../scripts/paths.sh"

"$here/install.sh"
cd "$root"
cargo test -p monzo-sandbox --test browser -- --ignored
ls "$target/tmp/console-screenshots"

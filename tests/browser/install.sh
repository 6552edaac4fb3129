#!/usr/bin/env bash
# Installs the browser the console's end-to-end tests drive: Debian's Chromium and its
# ChromeDriver, at the versions pinned below (both packages come from the same source and must
# match). Idempotent: nothing happens when the pinned versions are installed. Needs root (or
# sudo) and Debian's package archive.
#
#   tests/browser/install.sh
set -euo pipefail

# Debian 12's point release (bookworm main: it stays in the archive until the next point
# release, where bookworm-security keeps only its latest build). When the archive moves on,
# the install fails naming the versions it has: update the pin here.
CHROMIUM_VERSION="150.0.7871.100-1~deb12u1"

installed() {
  dpkg-query -W -f='${Version}' "$1" 2>/dev/null || true
}

if [ "$(installed chromium)" = "$CHROMIUM_VERSION" ] && [ "$(installed chromium-driver)" = "$CHROMIUM_VERSION" ]; then
  echo "chromium and chromium-driver $CHROMIUM_VERSION are installed"
  exit 0
fi

sudo=""
if [ "$(id -u)" != 0 ]; then sudo="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
if ! apt-cache madison chromium-driver | grep -q " $CHROMIUM_VERSION "; then
  echo "chromium-driver $CHROMIUM_VERSION is no longer in the archive; it has:" >&2
  apt-cache madison chromium-driver >&2
  exit 1
fi
$sudo apt-get install -y -qq --no-install-recommends \
  "chromium=$CHROMIUM_VERSION" "chromium-common=$CHROMIUM_VERSION" "chromium-driver=$CHROMIUM_VERSION" > /dev/null
/usr/bin/chromium --version
/usr/bin/chromedriver --version

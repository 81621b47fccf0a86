#!/usr/bin/env bash
# install-chromium.sh — make Debian's Chromium available for the GUI's browser tests.
# Playwright's own browser download cannot work here (no network beyond the registries), so
# the tests drive /usr/bin/chromium through playwright-core. Idempotent; needs root (or sudo)
# only when Chromium is missing. Prints the path and version it found.
set -euo pipefail

BIN=${RUNYARD_CHROMIUM:-/usr/bin/chromium}
bash "$(dirname "$0")/../apt/apt-install.sh" "$BIN" chromium
printf '[install-chromium] %s\n' "$BIN: $("$BIN" --version 2>/dev/null || echo 'version unknown')" >&2

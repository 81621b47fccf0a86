#!/usr/bin/env bash
# install-chromium.sh — make Debian's Chromium available for the GUI's browser tests.
# Playwright's own browser download cannot work here (no network beyond the registries), so
# the tests drive /usr/bin/chromium through playwright-core. Idempotent; needs root (or sudo)
# only when Chromium is missing. Prints the path and version it found.
set -euo pipefail

log() { printf '[install-chromium] %s\n' "$*" >&2; }
BIN=${RUNYARD_CHROMIUM:-/usr/bin/chromium}

if [ ! -x "$BIN" ]; then
  SUDO=""
  if [ "$(id -u)" != 0 ]; then
    command -v sudo >/dev/null 2>&1 || { log "chromium is missing and this is not root: install the 'chromium' package"; exit 1; }
    SUDO=sudo
  fi
  export DEBIAN_FRONTEND=noninteractive
  log "installing Debian's chromium package ..."
  start=$(date +%s)
  if ! $SUDO apt-get install -y -q --no-install-recommends chromium >/tmp/install-chromium.log 2>&1; then
    log "first attempt failed; running apt-get update and retrying"
    $SUDO apt-get update -q >>/tmp/install-chromium.log 2>&1 || true
    $SUDO apt-get install -y -q --no-install-recommends chromium >>/tmp/install-chromium.log 2>&1 \
      || { tail -20 /tmp/install-chromium.log >&2; log "apt-get install chromium failed (log: /tmp/install-chromium.log)"; exit 1; }
  fi
  log "installed in $(( $(date +%s) - start ))s"
fi
log "$BIN: $("$BIN" --version 2>/dev/null || echo 'version unknown')"

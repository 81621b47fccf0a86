#!/usr/bin/env bash
# apt-install.sh NAME PACKAGE — install Debian's PACKAGE unless the file or command NAME is
# already there. Idempotent; needs root (or sudo) only when it must install. Retries once after
# `apt-get update` (a fresh machine's package lists may be missing or stale). Used by the
# scripts CI runs to get the real tools the tests drive (Chromium, zsh).
set -euo pipefail

NAME=$1
PACKAGE=$2
log() { printf '[install %s] %s\n' "$PACKAGE" "$*" >&2; }

if [ -x "$NAME" ] || command -v "$NAME" >/dev/null 2>&1; then exit 0; fi
SUDO=""
if [ "$(id -u)" != 0 ]; then
  command -v sudo >/dev/null 2>&1 || { log "$NAME is missing and this is not root: install the '$PACKAGE' package"; exit 1; }
  SUDO=sudo
fi
export DEBIAN_FRONTEND=noninteractive
LOG=/tmp/install-$PACKAGE.log
log "installing Debian's $PACKAGE package ..."
start=$(date +%s)
if ! $SUDO apt-get install -y -q --no-install-recommends "$PACKAGE" >"$LOG" 2>&1; then
  log "first attempt failed; running apt-get update and retrying"
  $SUDO apt-get update -q >>"$LOG" 2>&1 || true
  $SUDO apt-get install -y -q --no-install-recommends "$PACKAGE" >>"$LOG" 2>&1 \
    || { tail -20 "$LOG" >&2; log "apt-get install $PACKAGE failed (log: $LOG)"; exit 1; }
fi
log "installed in $(( $(date +%s) - start ))s"

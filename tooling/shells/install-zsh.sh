#!/usr/bin/env bash
# install-zsh.sh — make zsh available for the test that checks `runyard completion zsh` with
# zsh itself. Idempotent; needs root (or sudo) only when zsh is missing.
set -euo pipefail

bash "$(dirname "$0")/../apt/apt-install.sh" zsh zsh
printf '[install-zsh] %s\n' "$(zsh --version)" >&2

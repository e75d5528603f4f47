#!/usr/bin/env bash
# Makes a checkout runnable on a fresh Debian machine: system packages, npm dependencies and the
# local control plane's binaries. Idempotent and quick when everything is in place; runs before
# `npm start`, `npm test` and `npm run cluster:up`.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
log() { echo "[bootstrap] $*" >&2; }

# Debian packages, by the command each provides.
declare -A packages=([openssl]=openssl [flock]=util-linux)
missing=()
for cmd in "${!packages[@]}"; do command -v "$cmd" >/dev/null || missing+=("${packages[$cmd]}"); done
if ((${#missing[@]})); then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    log "installing ${missing[*]}"
    apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >&2
  else
    log "missing system packages: ${missing[*]} (install them, e.g. sudo apt-get install ${missing[*]})"
    exit 1
  fi
fi
command -v go >/dev/null || { log "Go 1.24 or newer is required to build the local control plane"; exit 1; }
command -v python3 >/dev/null || { log "Python 3 is required for the Jupyter test peer"; exit 1; }
if ! python3 -c 'import ensurepip, venv' 2>/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >&2
  else
    log "Python's venv module is missing (sudo apt-get install python3-venv)"; exit 1
  fi
fi

# npm dependencies, when absent or older than the lockfile. Node 24 itself comes from the `node`
# devDependency, so the system Node only has to run npm.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  log "installing npm dependencies"
  npm ci --no-audit --no-fund >&2
fi

# The control plane: built once per version set into ~/.cache/daas-operator (a cold build takes a while).
bash tools/controlplane/build.sh >/dev/null
# Real test peers (a Jupyter server from PyPI), in the same cache.
bash tools/peers/install.sh >/dev/null

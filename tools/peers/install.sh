#!/usr/bin/env bash
# Real test peers that sessions talk to, installed into the cache (never into the repository):
# a Jupyter server from PyPI in its own virtualenv. Idempotent; prints the bin directory.
set -euo pipefail
cache_root="${DAAS_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/daas-operator}"
JUPYTER_SERVER_VERSION=2.21.1
venv="$cache_root/peers/jupyter-server-$JUPYTER_SERVER_VERSION"

if [ ! -f "$venv/.complete" ]; then
  mkdir -p "$cache_root/peers"
  exec 9>"$cache_root/peers/.install.lock"
  flock 9
  if [ ! -f "$venv/.complete" ]; then
    echo "[peers] installing jupyter-server $JUPYTER_SERVER_VERSION into $venv" >&2
    rm -rf "$venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check "jupyter-server==$JUPYTER_SERVER_VERSION" >&2
    touch "$venv/.complete"
  fi
fi
echo "$venv/bin"

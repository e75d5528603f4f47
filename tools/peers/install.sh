#!/usr/bin/env bash
# Real peers that sessions talk to, for the tests and the local session runner of `npm start`,
# installed into the cache (never into the repository): jupyter-server and JupyterLab from PyPI in
# their own virtualenv, a VNC desktop from Debian (Xtigervnc, with vncpasswd, xsetroot and xev; the
# jwm window manager and xterm) and Debian's Chromium for the browser tests (apt-get when run as
# root). Idempotent; prints the Jupyter bin directory.
set -euo pipefail
cache_root="${DAAS_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/daas-operator}"
JUPYTER_SERVER_VERSION=2.21.1
JUPYTERLAB_VERSION=4.6.6
venv="$cache_root/peers/jupyter-server-$JUPYTER_SERVER_VERSION-jupyterlab-$JUPYTERLAB_VERSION"

if [ ! -f "$venv/.complete" ]; then
  mkdir -p "$cache_root/peers"
  exec 9>"$cache_root/peers/.install.lock"
  flock 9
  if [ ! -f "$venv/.complete" ]; then
    echo "[peers] installing jupyter-server $JUPYTER_SERVER_VERSION and jupyterlab $JUPYTERLAB_VERSION into $venv" >&2
    rm -rf "$venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check \
      "jupyter-server==$JUPYTER_SERVER_VERSION" "jupyterlab==$JUPYTERLAB_VERSION" >&2
    touch "$venv/.complete"
  fi
fi

# The VNC desktop peer (with a window manager and a terminal for the session runner) and the
# browser, by the command each package provides.
declare -A vnc_packages=([Xtigervnc]=tigervnc-standalone-server [vncpasswd]=tigervnc-tools
  [xsetroot]=x11-xserver-utils [xev]=x11-utils [jwm]=jwm [xterm]=xterm [chromium]=chromium)
missing=()
for cmd in "${!vnc_packages[@]}"; do command -v "$cmd" >/dev/null || missing+=("${vnc_packages[$cmd]}"); done
if ((${#missing[@]})); then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "[peers] installing ${missing[*]}" >&2
    apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
  else
    echo "[peers] the desktop and browser tests need: sudo apt-get install ${missing[*]}" >&2
  fi
fi
echo "$venv/bin"

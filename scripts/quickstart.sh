#!/usr/bin/env bash
# README command 1: create .venv, install vessels with its dev extras, install the browser the
# map tests of README command 2 drive (Debian's chromium, where apt-get is available), and run
# the main job on a sample.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e ".[dev]"
.venv/bin/vessels score ais_samples/gulf-of-california/ais.csv --out out/gulf-of-california \
    --profile gulf-of-california --overwrite
echo "open out/gulf-of-california/map.html in a browser to see the risk map"

# The map tests (README command 2) run headless Chromium at $VESSELS_CHROMIUM (default
# /usr/bin/chromium). No browser download is involved: Debian's package, where apt-get exists.
chromium="${VESSELS_CHROMIUM:-/usr/bin/chromium}"
if [ ! -x "$chromium" ]; then
  sudo=""
  if [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1; then sudo="sudo"; fi
  log="${TMPDIR:-/tmp}/vessels-apt.log"
  if command -v apt-get >/dev/null 2>&1 \
      && { $sudo apt-get update -q && $sudo apt-get install -y -q chromium; } >"$log" 2>&1 \
      && [ -x "$chromium" ]; then
    echo "installed Chromium for the map tests ($chromium)"
  else
    echo "error: the map tests of README command 2 need Chromium at $chromium, and it could" >&2
    echo "not be installed here (no apt-get, no root/sudo, or no network; see $log)." >&2
    echo "Install Chromium with your package manager and, if it is not at /usr/bin/chromium," >&2
    echo "export VESSELS_CHROMIUM=/path/to/chromium before README command 2." >&2
    exit 1
  fi
fi

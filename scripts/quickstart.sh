#!/usr/bin/env bash
# README command 1: create .venv, install vessels with its dev extras, run the main job on a sample.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e ".[dev]"
.venv/bin/vessels score ais_samples/gulf-of-california/ais.csv --out out/gulf-of-california \
    --profile gulf-of-california --overwrite
echo "open out/gulf-of-california/map.html in a browser to see the risk map"

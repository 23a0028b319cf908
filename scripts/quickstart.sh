#!/usr/bin/env bash
# README command 1: create .venv, install vessels with its dev extras, run the main job on a sample.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e ".[dev]"
.venv/bin/vessels ingest ais_samples/ --out out/quickstart --overwrite

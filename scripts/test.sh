#!/usr/bin/env bash
# Quick start 2: set up with the development tools, then lint, type-check and run every test.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh dev
bin=.venv/bin
echo "== ruff"
$bin/ruff check src tests bench
$bin/ruff format --check src tests bench
echo "== mypy"
$bin/mypy
echo "== README command reference (cog)"
$bin/cog --check README.md
echo "== pytest"
$bin/pytest "$@"

#!/usr/bin/env bash
# Quick start 1: set up, then index the shipped sample log and look around in it.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export TILBOOK_LOG="$PWD/sample-log"
tb=.venv/bin/tilbook
echo "\$ tilbook index sample-log"
$tb index "$TILBOOK_LOG"
echo
echo "\$ tilbook entries -n 8"
$tb entries -n 8
echo
echo "\$ tilbook search \"diffusion guidance\""
$tb search "diffusion guidance" -n 5
echo
echo "\$ tilbook search 검색"
$tb search 검색 -n 5
echo
echo "\$ tilbook tags"
$tb tags
echo
echo "Try: TILBOOK_LOG=sample-log .venv/bin/tilbook --help"

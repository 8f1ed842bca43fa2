#!/usr/bin/env bash
# Quick start 1: set up, index a working copy of the shipped sample log, show a few
# commands, then run the web app on it (http://127.0.0.1:8000, Ctrl+C to stop).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
demo=".demo/sample-log"
if [ ! -d "$demo" ]; then
    mkdir -p .demo
    cp -R sample-log "$demo"  # a copy: what you add or edit in the demo stays out of the repo
fi
export TILBOOK_LOG="$PWD/$demo"
tb=.venv/bin/tilbook
echo "\$ tilbook index"
$tb index
echo
echo "\$ tilbook entries -n 5"
$tb entries -n 5
echo
echo "\$ tilbook search 검색"
$tb search 검색 -n 3
echo
echo "\$ tilbook todo --stale 1"
$tb todo --stale 1
echo
echo "\$ tilbook serve --port ${PORT:-8000}"
exec $tb serve --port "${PORT:-8000}"

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
# The static-site tests load pages in a real headless Chromium (Debian's package);
# they are skipped, with the reason shown, when it is missing and cannot be installed.
if [ ! -x /usr/bin/chromium ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "== installing chromium (apt-get) for the browser tests"
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; } \
        >/dev/null 2>&1 || echo "   could not install chromium; its tests will be skipped"
fi
echo "== pytest"
$bin/pytest "$@"

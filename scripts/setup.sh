#!/usr/bin/env bash
# Create .venv (if missing or broken) and install tilbook into it. Used by the other scripts.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    echo "tilbook needs Python 3.11 or newer; '$PYTHON' is $("$PYTHON" --version 2>&1)." >&2
    echo "Install a newer Python, or run with PYTHON=/path/to/python3.11." >&2
    exit 1
fi
if ! .venv/bin/python -m pip --version >/dev/null 2>&1; then
    rm -rf .venv  # missing, or half made by a Python without venv support
    if ! "$PYTHON" -m venv .venv; then
        rm -rf .venv
        echo "Could not create a virtual environment: install Python's venv module" >&2
        echo "(on Debian or Ubuntu: apt-get install python3-venv)." >&2
        exit 1
    fi
fi
extras=${1:-}
stamp=".venv/.tilbook-installed${extras:+-$extras}"
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
    .venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip >/dev/null
    .venv/bin/python -m pip install --quiet --disable-pip-version-check -e ".${extras:+[$extras]}"
    touch "$stamp"
fi

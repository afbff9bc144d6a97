#!/usr/bin/env bash
# Installs the PyPI package `signupto` 0.1 (and its dependencies, requests and six) into a
# virtual environment beside this script. Idempotent; `partner-auth matrix` runs it first.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
venv="$here/.venv"
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv" || {
    echo "signupto-pypi setup: python3 -m venv failed (Debian: apt-get install python3-venv)" >&2
    exit 1
  }
fi
if ! "$venv/bin/python" -c 'import signupto' >/dev/null 2>&1; then
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$here/requirements.txt"
fi
"$venv/bin/python" -c 'import importlib.metadata as m; print("signupto", m.version("signupto"))'

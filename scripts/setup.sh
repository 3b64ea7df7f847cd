#!/usr/bin/env bash
# Create ./.venv (if missing) and install sktime_eeg with its test, docs, dask, moabb and deploy extras.
# torch is pinned here to the 2.13.0 build (on the project's CI machines a local CPU wheel;
# elsewhere PyPI's); the package itself only asks for torch>=2.2.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
    "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet "torch==2.13.0"
.venv/bin/python -m pip install --quiet -e ".[test,docs,dask,moabb,deploy]"
echo "sktime_eeg installed in $(pwd)/.venv"

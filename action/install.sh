#!/usr/bin/env bash
# Install chainward for the composite actions (verify mode, action.yml, and release mode,
# action/attest/action.yml) into its own virtual environment under $RUNNER_TEMP, so the
# user's Python stays untouched:
#   1. every dependency, with every extra (signing libraries included) and the build
#      backend, from action/requirements.txt, by hash, wheels only (no setup.py runs);
#   2. chainward itself from the repository root, with no dependencies and no build
#      isolation (an isolated build would fetch setuptools without a hash).
# Regenerate the lock with scripts/refresh-locks.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="${RUNNER_TEMP:?RUNNER_TEMP is not set}/chainward-venv"

if command -v python3 >/dev/null 2>&1; then
    python=python3
else
    python=python
fi
"$python" -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
    --require-hashes --only-binary :all: -r "$root/action/requirements.txt"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
    --no-deps --no-build-isolation --no-index "$root"
"$venv/bin/python" -m chainward --version
echo "python=$venv/bin/python" >>"${GITHUB_OUTPUT:?GITHUB_OUTPUT is not set}"

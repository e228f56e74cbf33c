#!/usr/bin/env bash
# Install chainward with its signing libraries for the attest action, into its own
# virtual environment under $RUNNER_TEMP (the user's Python stays untouched):
#   1. every dependency (base, sigstore, build backend) from action/attest/requirements.txt,
#      by hash, wheels only;
#   2. chainward itself from the repository root of the action, with no dependencies and
#      no build isolation (an isolated build would fetch setuptools without a hash).
set -euo pipefail

action_path="${GITHUB_ACTION_PATH:?GITHUB_ACTION_PATH is not set}"
repo_root="$(cd "$action_path/../.." && pwd)"
venv="${RUNNER_TEMP:?RUNNER_TEMP is not set}/chainward-attest-venv"

if command -v python3 >/dev/null 2>&1; then
    python=python3
else
    python=python
fi
"$python" -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
    --require-hashes --only-binary :all: -r "$action_path/requirements.txt"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
    --no-deps --no-build-isolation --no-index "$repo_root"
"$venv/bin/python" -m chainward --version
echo "python=$venv/bin/python" >>"${GITHUB_OUTPUT:?GITHUB_OUTPUT is not set}"

#!/usr/bin/env bash
set -euo pipefail
pip install --require-hashes -r requirements.txt
echo "curl is only mentioned | here"

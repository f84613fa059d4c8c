#!/usr/bin/env bash
# Attacks a release `reclab serve` as a determined client would (slow bodies from 300 and 3,000
# sockets, random-key floods, admin-key guessing with authentication off and on) while wrk plays
# a normal client, and writes benchmarks/attack.md. Needs ../shared/datasets, wrk and python3.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v wrk >/dev/null || scripts/setup.sh
swift build -c release --product reclab >/dev/null 2>&1 || { echo "the release build failed: swift build -c release --product reclab"; exit 1; }
python3 scripts/attack/attack.py benchmarks/attack.md

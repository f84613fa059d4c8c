#!/usr/bin/env bash
# Walks the lab console in real headless Chromium (Debian's), driven by Playwright from the
# repository's .venv, with axe-core checking every page: starts RecLab on a scratch database with
# the real data sets and an admin key, waits for its start-up evaluation, then runs
# scripts/console-browser.py, which fails on anything a user could not do or see; then restarts
# the server on the same data with ENABLE_AUTHENTICATION=true and walks the client-key path.
#
#   scripts/console-browser.sh                          # as the test suite runs it
#   SCREENSHOTS=docs/console scripts/console-browser.sh # the committed screenshots, regenerated
#
# RECLAB_BINARY names a built server and skips the build (the Swift test does this: it runs
# inside `swift test`, which holds the build folder).
set -euo pipefail
cd "$(dirname "$0")/.."
SHARED=${RECLAB_SHARED_DIR:-../shared}
PYTHON=${CONSOLE_PYTHON:-.venv/bin/python}
"$PYTHON" -c 'import playwright, axe_playwright_python' 2>/dev/null || { echo "console: no Playwright in $PYTHON; run scripts/setup.sh first" >&2; exit 2; }
work=$(mktemp -d)
screenshots=${SCREENSHOTS:-$work/screenshots}
AFTER_SERVER="rm -rf $work"
. scripts/scratch-server.sh
LOG_LEVEL=warning start_scratch_server console
ready() {
  [ "$(curl -s -o /dev/null -w '%{http_code}' "$base/health/ready")" = 200 ] &&
    curl -s -H "X-API-Key: $key" "$base/analytics/model-performance" | grep -q '"status":"ready"'
}
wait_for_server console ready
# A second run beside the start-up one, so two runs can be compared.
RECLAB_DATA_DIR="$SHARED/datasets" LOG_LEVEL=warning OPENBLAS_NUM_THREADS=1 "$binary" evaluate \
  --config experiments/offline/ml-latest-small-chosen.yaml --reports "$work/reports" --database "$work/reclab.sqlite" >"$work/evaluate.log" 2>&1 ||
  { tail -20 "$work/evaluate.log" >&2; echo "console: the second evaluation failed" >&2; exit 1; }
mkdir -p "$screenshots"
walk() {
  "$PYTHON" scripts/console-browser.py --base "$base" --admin-key "$key" --screenshots "$screenshots" "$@" ||
    { echo "--- server log (tail)" >&2; tail -30 "$work/server.log" >&2; exit 1; }
}
walk
# Again on the same data with keys required: the pages ask for a client's key.
kill "$server"; wait "$server" 2>/dev/null || true
client=$(API_KEYS_FILE="$work/keys.txt" "$binary" keys add console-walker | tail -1)
ENABLE_AUTHENTICATION=true API_KEYS_FILE="$work/keys.txt" LOG_LEVEL=warning start_scratch_server console
wait_for_server console ready
walk --client-key "$client"

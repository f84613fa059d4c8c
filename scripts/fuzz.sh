#!/usr/bin/env bash
# Fuzzes the running API against its own OpenAPI document with schemathesis: starts RecLab on
# a scratch database with the real data sets, lets schemathesis send generated valid and
# invalid requests to every operation of /openapi.json, and fails on a 5xx, an answer that
# breaks its documented schema, an undocumented status code or an undocumented content type.
#
#   scripts/fuzz.sh                                          # short run, as CI does (10 examples)
#   FUZZ_EXAMPLES=300 OUT=benchmarks/fuzz.md scripts/fuzz.sh  # the full run whose summary is committed
#
# schemathesis comes from the repository's .venv (scripts/setup.sh makes it); SCHEMATHESIS
# names another. RECLAB_BINARY names a built server and skips the build (the Swift test does
# this: it runs inside `swift test`, which holds the build folder). The summary goes to OUT
# (default: printed only); the full log is kept in the scratch folder named at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
EXAMPLES=${FUZZ_EXAMPLES:-10}
SEED=${FUZZ_SEED:-$RANDOM}
OUT=${OUT:-}
SHARED=${RECLAB_SHARED_DIR:-../shared}
SCHEMATHESIS=${SCHEMATHESIS:-.venv/bin/schemathesis}
[ -x "$SCHEMATHESIS" ] || { echo "fuzz: no schemathesis at $SCHEMATHESIS; run scripts/setup.sh first" >&2; exit 2; }
SCHEMATHESIS=$(realpath "$SCHEMATHESIS")
work=$(mktemp -d)
. scripts/scratch-server.sh
start_scratch_server fuzz
ready() { [ "$(curl -s -o /dev/null -w '%{http_code}' "$base/health/ready")" = 200 ]; }
wait_for_server fuzz ready

# The admin key on every request, so the admin routes and force_variant are fuzzed past 401;
# a minute per request, as a reload refits models and two cores may be shared. One worker:
# with two, Hypothesis's caches race in schemathesis 4.32 and report runtime errors of its own.
checks=not_a_server_error,response_schema_conformance,status_code_conformance,content_type_conformance
started=$(date +%s)
set +e
# From the scratch folder, where schemathesis keeps its cache of failures.
(cd "$work" && "$SCHEMATHESIS" run "$base/openapi.json" --checks "$checks" --max-examples "$EXAMPLES" --seed "$SEED" \
  --header "X-API-Key: $key" --workers 1 --request-timeout 60 --no-color --suppress-health-check too_slow,filter_too_much \
  --report junit --report-junit-path "$work/junit.xml" >"$work/schemathesis.log" 2>&1)
status=$?
set -e
seconds=$(( $(date +%s) - started ))
kill -0 "$server" 2>/dev/null && alive=yes || alive="no: it crashed"
[ "$alive" = yes ] || status=1

summary=$work/fuzz.md
{
  echo "# Fuzz run (schemathesis)"
  echo
  echo "\`scripts/fuzz.sh\` with \`FUZZ_EXAMPLES=$EXAMPLES\`: schemathesis against a release build of RecLab on the"
  echo "real data sets, every operation of \`/openapi.json\` (schemathesis leaves out \`/openapi.json\` itself, the"
  echo "document it reads), with the admin key on every request."
  echo
  echo "| | |"
  echo "| --- | --- |"
  echo "| date | $(date -u +%Y-%m-%dT%H:%M:%SZ) |"
  echo "| commit | $(git rev-parse --short HEAD 2>/dev/null || echo unknown)$(git diff --quiet 2>/dev/null || echo ' (with uncommitted changes)') |"
  echo "| schemathesis | $("$SCHEMATHESIS" --version | awk '{print $NF}') |"
  echo "| checks | ${checks//,/, } |"
  echo "| examples per operation | $EXAMPLES (seed $SEED) |"
  echo "| operations in the document | $(python3 -c 'import json,sys; print(sum(len(m) for m in json.load(sys.stdin)["paths"].values()))' < <(curl -fs "$base/openapi.json")) |"
  echo "| seconds | $seconds |"
  echo "| server alive at the end | $alive |"
  echo "| result | $([ $status = 0 ] && echo passed || echo "FAILED (exit $status)") |"
  echo
  echo "schemathesis's own summary:"
  echo
  echo '```'
  # From its summary header on: the per-phase counts, failures (if any) and totals.
  # (Less the report's scratch path, which means nothing once the run is over.)
  awk '/SUMMARY|FAILURES|ERRORS/ {on=1} on' "$work/schemathesis.log" | grep -v -e '^\s*$' -e 'Reports:' -e 'JUnit:' | cut -c1-160 | tail -80
  echo '```'
} >"$summary"
cat "$summary"
[ -z "$OUT" ] || cp "$summary" "$OUT"
echo "fuzz: log and JUnit report in $work" >&2
exit $status

#!/usr/bin/env bash
# Crash run: clients post preferences and event batches as fast as they can, the server is
# SIGKILLed mid-stream and restarted on the same database, and every write answered 2xx must
# be there (CrashSafetyTests). Runs it RUNS times (default 5) and records the figures in
# benchmarks/crash.md.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${RUNS:-5}
swift build -c release --build-tests >/dev/null
out=benchmarks/crash.md
lines=()
for run in $(seq 1 "$runs"); do
  log=$(swift test -c release --disable-testable-imports --skip-build --filter 'CrashSafetyTests/everyWrite' 2>&1) || { echo "$log"; exit 1; }
  line=$(grep -o 'crash-summary: .*' <<<"$log" | sed 's/crash-summary: //')
  echo "run $run: $line"
  lines+=("| $run | $line |")
done
{
  echo "# Crash run"
  echo
  echo "Release build, 2 cores, $(date -u +%Y-%m-%dT%H:%M:%SZ). Regenerate with \`scripts/crash.sh\` (\`RUNS=n\`)."
  echo
  echo "Four clients post preferences (each user and movie once) and two post event batches of 25,"
  echo "as fast as they can, against \`reclab serve\` on ml-latest-small; after 1.5 s the server is"
  echo "killed with SIGKILL and restarted on the same database. Every preference answered 201 must"
  echo "be there with its rating, and every batch answered 200 must be stored whole; a batch that was"
  echo "in flight must be all there or absent (posting it again reports 25 duplicates or 25 stored)."
  echo
  echo "| run | result |"
  echo "| ---: | --- |"
  printf '%s\n' "${lines[@]}"
} > "$out"
echo "wrote $out"

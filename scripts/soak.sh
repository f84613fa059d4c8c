#!/usr/bin/env bash
# Soak run: SOAK_SECONDS (default 600) of mixed traffic (scripts/soak/mixed.lua: 100,000
# distinct users, clients and search queries; recommendations, search, details, similar,
# popular, preferences and events) against a release `reclab serve` on the real data, with
# rate limits on so every per-client table fills. Samples the server's resident memory every
# 10 s and passes when it ends within 10% of where it stood after the first minute. Writes
# benchmarks/soak.md.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${SOAK_SECONDS:-600}
shared=${RECLAB_SHARED_DIR:-../shared}
swift build -c release --product reclab >/dev/null
work=$(mktemp -d)
trap 'kill $server 2>/dev/null || true; rm -rf "$work"' EXIT
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
HOST=127.0.0.1 PORT=$port DATABASE_URL="$work/soak.sqlite" RECLAB_DATA_DIR="$shared/datasets" EVALUATION_CONFIG=none \
  LOG_LEVEL=warning RATE_LIMIT_REQUESTS=1000000 RATE_LIMIT_SEARCH=1000000 RATE_LIMIT_RECOMMENDATIONS=1000000 TRUSTED_PROXIES=127.0.0.1 \
  .build/release/reclab serve >"$work/server.log" 2>&1 &
server=$!
for _ in $(seq 1 300); do curl -sf "http://127.0.0.1:$port/health/ready" >/dev/null && break; sleep 1; done
rss() { awk '/VmRSS/ {print $2}' "/proc/$server/status"; }
metric() { curl -s "http://127.0.0.1:$port/metrics" | awk -v s="$1" 'index($0, s" ") == 1 {print $2}'; }
wrk -t1 -c16 -d"${seconds}s" -s scripts/soak/mixed.lua "http://127.0.0.1:$port" >"$work/wrk.txt" &
load=$!
samples=()
started=$(date +%s)
while kill -0 $load 2>/dev/null; do
  sleep 10
  elapsed=$(( $(date +%s) - started ))
  mib() { metric "$1" | awk '{printf "%.1f", $1/1048576}'; }
  line="| $elapsed | $(( $(rss) / 1024 )) | $(mib 'reclab_process_heap_bytes{state="in_use"}') | $(mib 'reclab_process_heap_bytes{state="free"}') | $(metric 'reclab_memory_table_entries{table="recommendation_cache"}') | $(mib reclab_recommendation_cache_bytes) | $(metric 'reclab_memory_table_entries{table="clients_default"}') |"
  samples+=("$line")
  echo "$line"
done
wait $load || true
first=$(printf '%s\n' "${samples[@]}" | awk -F'|' '$2+0 >= 60 {print $3+0; exit}')
last=$(printf '%s\n' "${samples[@]}" | tail -1 | awk -F'|' '{print $3+0}')
verdict=$(awk -v a="$first" -v b="$last" 'BEGIN { if (b <= a * 1.10) print "holds"; else print "FAILS" }')
{
  echo "# Soak run"
  echo
  echo "Release build, 2 cores, $(date -u +%Y-%m-%dT%H:%M:%SZ). Regenerate with \`scripts/soak.sh\` (\`SOAK_SECONDS\`, default 600)."
  echo
  echo "$seconds s of mixed traffic from \`wrk -t1 -c16\` (scripts/soak/mixed.lua): 100,000 distinct users,"
  echo "client addresses (X-Forwarded-For through a trusted proxy) and search queries over personalized recommendations, search, details, similar,"
  echo "popular, preference writes and event writes, against \`reclab serve\` on the three data sets, with"
  echo "rate limits configured (high) so the per-client tables fill. Every 10 s: resident memory,"
  echo "the allocator's heap (jemalloc: bytes in use, and bytes resident beyond them: fragmentation"
  echo "and freed pages not yet returned), the answer cache's entries and bytes, and the default"
  echo "rate limit's tracked clients. \`benchmarks/soak-glibc.md\` is the same run on glibc's malloc."
  echo
  echo "Resident memory after the first minute: $first MiB; at the end: $last MiB. The 10% bound $verdict."
  echo
  echo '```'
  grep -E "Requests/sec|requests in|Non-2xx|Socket errors|Latency" "$work/wrk.txt" || true
  echo '```'
  echo
  echo "| seconds | RSS MiB | heap in use MiB | heap free MiB | cache entries | cache MiB | rate-limit clients |"
  echo "| ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
  printf '%s\n' "${samples[@]}"
} > benchmarks/soak.md
echo "RSS $first MiB after a minute, $last MiB at the end: $verdict"
[ "$verdict" = holds ]

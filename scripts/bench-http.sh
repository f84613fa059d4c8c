#!/usr/bin/env bash
# HTTP load benchmark: builds release, starts RecLab on the real data sets and, beside it, the
# ceiling (a bare Hummingbird route answering a fixed 10-item JSON list), loads each route with
# wrk and writes benchmarks/http.md: req/s, p50, p99 and the ratio to the ceiling.
#
#   scripts/bench-http.sh                 # 5 s a route, writes benchmarks/http.md
#   DURATION=3 OUT=/tmp/http.md scripts/bench-http.sh
#
# wrk runs on the same machine (2 threads, 32 connections): the figures are for this machine
# as a whole, server and load generator sharing its cores. The ceiling is measured right before
# every route, and each route's ratio is to that run: a shared machine's speed drifts by tens of
# percent over minutes, and a ratio to a distant measurement would carry the drift.
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-5}
OUT=${OUT:-benchmarks/http.md}
SHARED=${RECLAB_SHARED_DIR:-../shared}
. scripts/wrk-measure.sh
bench_setup
reclab_port=$(free_port)
ceiling_port=$(free_port)
# Logs as an operator runs it (a line per request, at info), formatted and written to
# /dev/null: a file would grow by hundreds of megabytes and its write-back would add noise.
PORT=$reclab_port HOST=127.0.0.1 DATABASE_URL="$work/reclab.sqlite" RECLAB_DATA_DIR="$SHARED/datasets" \
  .build/release/reclab serve >/dev/null 2>"$work/server.log" &
pids+=($!)
.build/release/reclab-bench ceiling --port "$ceiling_port" >"$work/ceiling.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 600); do
  [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$reclab_port/health/ready")" = 200 ] \
    && curl -fs "http://127.0.0.1:$ceiling_port/ceiling" >/dev/null && break
  sleep 0.5
done
curl -fs "http://127.0.0.1:$reclab_port/health/ready" >/dev/null \
  || { tail -20 "$work/server.log"; echo "RecLab did not get ready (its log went to /dev/null: run it by hand to see why)" >&2; exit 1; }

.build/release/reclab-bench search-queries --database "$work/reclab.sqlite" --count 1000 >"$work/queries.txt"
cat >"$work/mixed.lua" <<LUA
local queries = {}
for line in io.lines("$work/queries.txt") do queries[#queries + 1] = line end
local next = 0
request = function()
  next = next % #queries + 1
  return wrk.format("GET", "/movies/search?query=" .. queries[next])
end
LUA

# run NAME URL [LUA]: the ceiling, then the route; appends name, the route's figures and the
# ceiling's req/s to results.tsv.
run() {
  local name=$1 ceiling route
  ceiling=$(measure "http://127.0.0.1:$ceiling_port/ceiling" | cut -f1)
  route=$(measure "$2" "${3:-}")
  printf '%s\t%s\t%s\n' "$name" "$route" "$ceiling" | tee -a "$work/results.tsv" >&2
}

R=http://127.0.0.1:$reclab_port
run "/health" "$R/health"
run "/movies/27205 (details)" "$R/movies/27205"
run "/genres" "$R/genres"
run "/recommendations/similar/27205" "$R/recommendations/similar/27205"
run "/recommendations/genre/action" "$R/recommendations/genre/action"
run "/recommendations/popular" "$R/recommendations/popular"
run "/recommendations/top-rated" "$R/recommendations/top-rated"
run "search, mixed workload (1,000 queries)" "$R/movies/search?query=x" "$work/mixed.lua"
for query in a e s th ma the love of man nolan godfater "christopher%20nolan" "star%20wars" "dark%20knight%20rises"; do
  run "search \`$(python3 -c 'import sys, urllib.parse; print(urllib.parse.unquote(sys.argv[1]))' "$query")\`" "$R/movies/search?query=$query"
done

# The rate limiter's own cost: a second RecLab with every policy configured, too high to ever
# refuse (a million a second), against the first, interleaved so drift falls on both alike.
limited_port=$(free_port)
PORT=$limited_port HOST=127.0.0.1 DATABASE_URL="$work/limited.sqlite" RECLAB_DATA_DIR="$SHARED/datasets" EVALUATION_CONFIG=none \
  RATE_LIMIT_REQUESTS=1000000 RATE_LIMIT_SEARCH=1000000 RATE_LIMIT_RECOMMENDATIONS=1000000 RATE_LIMIT_WINDOW=1 \
  .build/release/reclab serve >/dev/null 2>"$work/limited.log" &
pids+=($!)
await_ready "$limited_port" "$!" "$work/limited.log"
L=http://127.0.0.1:$limited_port
for route in "/movies/27205" "/recommendations/popular" "/movies/search?query=love"; do
  a=$(measure "$R$route" | cut -f1); b=$(measure "$L$route" | cut -f1)
  c=$(measure "$R$route" | cut -f1); d=$(measure "$L$route" | cut -f1)
  printf '%s\t%s\t%s\n' "$route" "$(( (a + c) / 2 ))" "$(( (b + d) / 2 ))" | tee -a "$work/limiter.tsv" >&2
done

python3 - "$work/results.tsv" "$DURATION" "$CONNECTIONS" "$work/limiter.tsv" >"$OUT" <<'PY'
import datetime, os, sys
rows = [line.rstrip("\n").split("\t") for line in open(sys.argv[1])]
duration, connections = sys.argv[2], sys.argv[3]
ceilings = [float(r[5]) for r in rows]
print("# HTTP benchmark\n")
print(f"Release build, {os.cpu_count()} cores, {datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%dT%H:%M:%SZ')}. "
      f"`wrk -t2 -c{connections} -d{duration}s` per route on 127.0.0.1, RecLab and wrk sharing the cores. "
      "Regenerate with `scripts/bench-http.sh`.\n")
print("The **ceiling** is a bare Hummingbird server (no middleware) whose one route encodes a fixed 10-item JSON list "
      "(`reclab-bench ceiling`). It is measured right before each route, and each ratio is to that run "
      f"(the ceiling ranged from {min(ceilings):,.0f} to {max(ceilings):,.0f} req/s over this run). RecLab serves with its full "
      "middleware, as an operator runs it: request ids, metrics, one log line per request at the default `LOG_LEVEL=info` "
      "(written to /dev/null). The mixed search workload replays 1,000 queries (`reclab-bench search-queries`): whole titles, "
      "4-letter prefixes, typos, people, keywords, single common words, one- and two-letter prefixes.\n")
print("| route | req/s | p50 ms | p99 ms | ceiling req/s | of ceiling | non-2xx |")
print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
for name, rate, p50, p99, bad, ceiling in rows:
    print(f"| {name} | {float(rate):,.0f} | {p50} | {p99} | {float(ceiling):,.0f} | {100 * float(rate) / float(ceiling):.0f}% | {bad} |")
print("\n## Rate limiter overhead\n")
print("The table above runs without rate limits, as they are unset by default. Here a second RecLab has every policy "
      "configured (`RATE_LIMIT_REQUESTS`, `_SEARCH`, `_RECOMMENDATIONS` at a million a second, so nothing is refused: "
      "every request pays for its GCRA decisions and the `RateLimit` headers), measured against the first, "
      "interleaved twice; req/s are the means.\n")
print("| route | without limits req/s | with limits req/s | change |")
print("| --- | ---: | ---: | ---: |")
for route, plain, limited in (line.rstrip("\n").split("\t") for line in open(sys.argv[4])):
    print(f"| {route} | {float(plain):,.0f} | {float(limited):,.0f} | {100 * (float(limited) / float(plain) - 1):+.1f}% |")
PY
echo "wrote $OUT" >&2

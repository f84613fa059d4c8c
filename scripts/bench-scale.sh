#!/bin/bash
# Writes benchmarks/scale.md: `reclab synth` data sets of 10^5, 10^6 and 10^7 ratings, each
# imported into SQLite, fitted with benchmarks/scale-strategies.yaml under MODEL_MEMORY_LIMIT, and its
# requests timed (release build); at 10^6 (HTTP_SIZE) also served over HTTP with the answer
# cache off. SIZES picks a subset, e.g. SIZES="5 6".
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-6}
. scripts/wrk-measure.sh
bench_setup

# http_rows DATA: DATA imported and served over HTTP as shipped (the default strategies and
# experiments files) with the answer cache off, 3,000 users rotating, wrk beside the ceiling
# (`reclab-bench ceiling`) measured just before each row.
http_rows() {
  .build/release/reclab import "$1" --database "$work/http.sqlite" >/dev/null
  local port ceiling_port server ceiling start ready rows=""
  port=$(free_port)
  ceiling_port=$(free_port)
  .build/release/reclab-bench ceiling --port "$ceiling_port" >/dev/null 2>&1 &
  ceiling=$!
  pids+=("$ceiling")
  start=$(date +%s)
  ENABLE_CACHE=false PORT=$port HOST=127.0.0.1 DATABASE_URL="$work/http.sqlite" EVALUATION_CONFIG=none LOG_LEVEL=warning \
    .build/release/reclab serve >/dev/null 2>"$work/http.log" &
  server=$!
  pids+=("$server")
  await_ready "$port" "$server" "$work/http.log"
  ready=$(($(date +%s) - start))
  rotation_scripts 3000
  wrk -t2 -c"$CONNECTIONS" -d2s -s "$work/personalized.lua" "http://127.0.0.1:$port" >/dev/null
  for row in "personalized, 3,000 users rotating|/health|$work/personalized.lua" "hybrid (the served blend), 3,000 users rotating|/health|$work/hybrid.lua" \
    "popular|/recommendations/popular?limit=10|"; do
    IFS='|' read -r name path script <<<"$row"
    local limit figures
    limit=$(measure "http://127.0.0.1:$ceiling_port/ceiling" | cut -f1)
    figures=$(measure "http://127.0.0.1:$port$path" "$script")
    rows+="$name	$figures	$limit"$'\n'
  done
  echo "### Over HTTP, served as shipped"
  echo
  echo "\`reclab serve\` on this data with the default strategies and experiments files and the answer cache off (\`ENABLE_CACHE=false\`): ready after $ready s, $(( $(ps -o rss= -p "$server") / 1024 )) MB resident. \`wrk -t2 -c$CONNECTIONS -d${DURATION}s\` per row on 127.0.0.1, server and wrk sharing the cores, after a 2 s warm-up pass; each row's ratio is to the ceiling (a bare Hummingbird route) measured just before it."
  echo
  echo "| row | req/s | p50 ms | p99 ms | of ceiling | non-2xx |"
  echo "| --- | ---: | ---: | ---: | ---: | ---: |"
  printf '%s' "$rows" | awk -F'\t' '{ printf "| %s | %d | %s | %s | %.0f%% | %s |\n", $1, $2, $3, $4, 100 * $2 / $6, $5 }'
  echo
  kill "$server" "$ceiling" 2>/dev/null || true
  wait "$server" "$ceiling" 2>/dev/null || true
  rm -f "$work"/http.sqlite*
}
# The measured sections go between markers; the hand-written reading, the capacity note and
# bench-scale-out.sh's section around them stay.
out="$work/section.md"
{
  echo "<!-- scale:begin (scripts/bench-scale.sh writes this section) -->"
  echo
  echo "Release build, $(nproc) cores, $(date -u +%Y-%m-%dT%H:%M:%SZ). Data: \`reclab synth\` (Zipf popularity, log-normal user activity, 16 latent factors, seed 42). Regenerate with \`scripts/bench-scale.sh\`."
  echo
  echo "## What EASE^R's item cap costs"
  echo
  echo "ml-latest-small, protocol v1, EASE^R at its chosen parameters fitted on the \`max_items\` most-rated movies (\`experiments/offline/ease-item-cap.yaml\`; train holds 8,239 movies):"
  echo
  .build/release/reclab evaluate --config experiments/offline/ease-item-cap.yaml --reports "$work/reports" --database "$work/eval.sqlite" >/dev/null 2>&1
  sed -n '/^## Results on test/,/^Best value/p' "$work"/reports/*/report.md | sed '1,2d;$d'
  echo
} > "$out"
for size in ${SIZES:-5 6 7}; do
  case $size in
    5) users=2000;   items=5000;   ratings=100000 ;;
    6) users=20000;  items=20000;  ratings=1000000 ;;
    7) users=100000; items=100000; ratings=10000000 ;;
  esac
  /usr/bin/time -f "%e s, peak %M KB" -o "$work/synth.time" .build/release/reclab synth --users $users --items $items --ratings $ratings --seed 42 --output "$work/synth-$size" > "$work/synth.out"
  # GRU4Rec's epochs grow with the ratings: at 10^7 its training alone would outlast the run.
  leave_out=""
  if [ "$size" = 7 ]; then leave_out=gru4rec; fi
  /usr/bin/time -f "%M" -o "$work/bench.time" .build/release/reclab-bench scale --data "$work/synth-$size" --leave-out "$leave_out" > "$work/bench.md"
  {
    cat "$work/bench.md"
    echo "Synth: $(head -1 "$work/synth.out" | sed 's/ into .* in / in /'); $(cat "$work/synth.time"). $(tail -1 "$work/synth.out"). Whole benchmark process peak: $(( $(cat "$work/bench.time") / 1024 )) MB."
    echo
    # Served over HTTP at 10^6 (HTTP_SIZE; at 10^7 the server takes minutes to start).
    if [ "$size" = "${HTTP_SIZE:-6}" ]; then http_rows "$work/synth-$size"; fi
  } >> "$out"
  rm -rf "$work/synth-$size"
done
echo "<!-- scale:end -->" >> "$out"
python3 - "$out" benchmarks/scale.md <<'PY'
import sys
section, target = open(sys.argv[1]).read(), sys.argv[2]
text = open(target).read()
begin, end = text.find("<!-- scale:begin"), text.find("<!-- scale:end -->")
if begin < 0 or end < 0:
    raise SystemExit(f"{target}: no scale:begin/scale:end markers")
open(target, "w").write(text[:begin] + section.rstrip("\n") + text[end + len("<!-- scale:end -->"):])
PY
sed -n '/<!-- scale:begin/,/<!-- scale:end -->/p' benchmarks/scale.md

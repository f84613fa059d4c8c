#!/usr/bin/env bash
# The uncached personalized path over HTTP: RecLab with the answer cache off (ENABLE_CACHE=false),
# every row loaded with wrk beside the ceiling (`reclab-bench ceiling`, a bare Hummingbird
# route) measured right before it, for this checkout and, given BEFORE, for an earlier one.
# Writes benchmarks/personalization.md, with the pruned-B ablation from
# experiments/offline/pruned-ease.yaml.
#
#   scripts/bench-personalization.sh
#   BEFORE=../before scripts/bench-personalization.sh    # ../before: a checkout built with
#                                                        # `swift build -c release --product reclab`
#   DURATION=3 OUT=/tmp/p.md scripts/bench-personalization.sh
#
# wrk runs on the same machine (2 threads, 32 connections), so the figures are for the machine
# as a whole; each row's ratio is to the ceiling measured just before it, which carries the
# machine's drift. Servers run one at a time, each on its own fresh database.
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-6}
OUT=${OUT:-benchmarks/personalization.md}
SHARED=$(cd "${RECLAB_SHARED_DIR:-../shared}" && pwd)
BEFORE=${BEFORE:-}
. scripts/wrk-measure.sh
bench_setup
ceiling_port=$(free_port)
.build/release/reclab-bench ceiling --port "$ceiling_port" >"$work/ceiling.log" 2>&1 &
pids+=($!)

# The 610 MovieLens users in rotation, one request each in turn.
rotation_scripts 610

# serve LABEL CHECKOUT [VAR=VALUE...]: starts CHECKOUT's release build on a fresh database with
# the cache off (and no startup evaluation unless a VAR=VALUE asks for one), waits until it is
# ready and its histories are read from memory.
serve() {
  local label=$1 checkout=$2
  shift 2
  port=$(free_port)
  (cd "$checkout" && exec env PORT="$port" HOST=127.0.0.1 DATABASE_URL="$work/$label.sqlite" RECLAB_DATA_DIR="$SHARED/datasets" \
    ENABLE_CACHE=false EVALUATION_CONFIG=none LOG_LEVEL=warning "$@" .build/release/reclab serve >/dev/null 2>"$work/$label.log") &
  server=$!
  pids+=("$server")
  await_ready "$port" "$server" "$work/$label.log"
  # A warm-up pass reads every user's history once, as a server that has run a while has.
  wrk -t2 -c"$CONNECTIONS" -d2s -s "$work/personalized.lua" "http://127.0.0.1:$port" >/dev/null
}
stop() { kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; }

# run LABEL ROW URL [LUA]: the ceiling, then the row; appends to results.tsv.
run() {
  local ceiling figures
  ceiling=$(measure "http://127.0.0.1:$ceiling_port/ceiling" | cut -f1)
  figures=$(measure "$3" "${4:-}")
  printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$figures" "$ceiling" | tee -a "$work/results.tsv" >&2
}

rows() {
  local label=$1 R=http://127.0.0.1:$port
  run "$label" "personalized, 610 users rotating" "$R/health" "$work/personalized.lua"
  run "$label" "hybrid (the served blend), 610 users rotating" "$R/health" "$work/hybrid.lua"
  run "$label" "personalized, one user with 232 ratings" "$R/users/1/recommendations/personalized?limit=10"
  run "$label" "personalized, one user with 2,698 ratings" "$R/users/414/recommendations/personalized?limit=10"
  run "$label" "personalized, a user with no history" "$R/users/nobody-at-all/recommendations/personalized?limit=10"
  run "$label" "popular" "$R/recommendations/popular?limit=10"
  run "$label" "similar" "$R/recommendations/similar/27205?limit=10"
}

if [ -n "$BEFORE" ]; then
  serve before "$BEFORE"
  rows before
  stop
fi
serve after "$PWD"
rows after
stop

# Ablations, each one change against the configuration measured above.
# A fresh server's first minute: the startup evaluation (the default EVALUATION_CONFIG, about
# a minute of fitting) runs while the rows are measured, at the requests' priority and niced.
for nice in 0 10; do
  serve "evaluating-$nice" "$PWD" EVALUATION_CONFIG=experiments/offline/ml-latest-small-chosen.yaml BACKGROUND_NICE=$nice
  run ablation "personalized, startup evaluation running, BACKGROUND_NICE=$nice" "http://127.0.0.1:$port/health" "$work/personalized.lua"
  run ablation "hybrid, startup evaluation running, BACKGROUND_NICE=$nice" "http://127.0.0.1:$port/health" "$work/hybrid.lua"
  stop
done
serve store "$PWD" HISTORY_MEMORY_BYTES=0
run ablation "personalized, histories read from the store (HISTORY_MEMORY_BYTES=0)" "http://127.0.0.1:$port/health" "$work/personalized.lua"
stop
# The served file's `form: auto` prunes B only where it would be dense; these force the pruned
# form on ml-latest-small, where auto keeps the Woodbury form.
for density in 0.05 0.01; do
  sed "s/^      density: 0.05$/      density: $density\n      form: pruned/" experiments/strategies.yaml >"$work/pruned-$density.yaml"
  grep -q "form: pruned" "$work/pruned-$density.yaml" || { echo "could not force the pruned form in a copy of experiments/strategies.yaml" >&2; exit 1; }
  serve "pruned-$density" "$PWD" STRATEGIES_FILE="$work/pruned-$density.yaml"
  run ablation "personalized, B pruned to density $density (form: pruned)" "http://127.0.0.1:$port/health" "$work/personalized.lua"
  run ablation "hybrid, B pruned to density $density (form: pruned)" "http://127.0.0.1:$port/health" "$work/hybrid.lua"
  stop
done

for config in pruned-ease sparse-ease; do
  .build/release/reclab evaluate --config "experiments/offline/$config.yaml" --reports "$work/reports-$config" --database "$work/evaluation.sqlite" \
    >"$work/evaluate.log" 2>&1 || { tail -5 "$work/evaluate.log"; exit 1; }
done

python3 - "$work/results.tsv" "$DURATION" "$CONNECTIONS" "$(ls -d "$work"/reports-pruned-ease/*/)report.json" "$(ls -d "$work"/reports-sparse-ease/*/)report.json" \
  "${BEFORE:+$(git -C "$BEFORE" log -1 --format='%h %s' | cut -c1-80)}" >"$OUT" <<'PY'
import datetime, json, os, sys
results, duration, connections, pruned, sparse, before = sys.argv[1:]
rows = [line.rstrip("\n").split("\t") for line in open(results)]
goals = {"personalized, 610 users rotating": (30, 10), "hybrid (the served blend), 610 users rotating": (25, 12),
         "personalized, a user with no history": (50, None), "popular": (50, None), "similar": (50, None)}
def ratio(row): return 100 * float(row[2]) / float(row[6])
print("# The uncached personalized path\n")
print(f"Release build, {os.cpu_count()} cores, {datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%dT%H:%M:%SZ')}. "
      f"Regenerate with `scripts/bench-personalization.sh` (`BEFORE=<a built checkout>` adds its rows). ml-latest-small, "
      f"the answer cache off (`ENABLE_CACHE=false`), `wrk -t2 -c{connections} -d{duration}s` per row on 127.0.0.1, server and "
      "wrk sharing the cores, after a 2 s warm-up pass over the 610 users. Each row's ratio is to the ceiling "
      "(`reclab-bench ceiling`, a bare Hummingbird route answering a fixed 10-item list) measured just before it.\n")
if before:
    print(f"**Before**: `{before}`. **After**: this checkout.\n")
labels = [label for label in ("before", "after") if any(r[0] == label for r in rows)]
print("| row | " + " | ".join(f"{l} req/s | {l} p99 ms | {l} of ceiling" for l in labels) + " | goal |")
print("| --- | " + " | ".join("---: | ---: | ---:" for _ in labels) + " | --- |")
for name in dict.fromkeys(r[1] for r in rows if r[0] in labels):
    cells = []
    for label in labels:
        row = next((r for r in rows if r[0] == label and r[1] == name), None)
        cells.append(f"{float(row[2]):,.0f} | {row[4]} | {ratio(row):.0f}%" if row else "– | – | –")
    goal = goals.get(name)
    print(f"| {name} | " + " | ".join(cells) + " | " + (f"≥ {goal[0]}%" + (f", p99 ≤ {goal[1]} ms" if goal[1] else "") if goal else "") + " |")
ceilings = [float(r[6]) for r in rows]
print(f"\nThe ceiling ranged from {min(ceilings):,.0f} to {max(ceilings):,.0f} req/s over the run. Non-2xx answers: "
      f"{sum(int(r[5]) for r in rows)}.\n")
print("## Ablations\n")
print("One change each against the *after* configuration: the startup evaluation running in the background on a fresh "
      "database (as in a new server's first minute) with background work at the requests' priority and niced "
      "(`BACKGROUND_NICE`, 10 by default), histories read from the store on every answer, and EASE^R's B "
      "pruned to its largest weights (`form: pruned` at each `density`, the served strategies file otherwise unchanged; "
      "as served, `form: auto` keeps the Woodbury form on ml-latest-small's 610 users × 9,724 movies and prunes B to "
      "density 0.05 only where it would be held dense, as at 10^6 ratings in benchmarks/scale.md). While the startup "
      "evaluation runs, compare answers a second: it slows the ceiling measured beside them too.\n")
print("| row | req/s | p50 ms | p99 ms | of ceiling |")
print("| --- | ---: | ---: | ---: | ---: |")
for r in rows:
    if r[0] == "ablation":
        print(f"| {r[1]} | {float(r[2]):,.0f} | {r[3]} | {r[4]} | {ratio(r):.0f}% |")
def quality(report, setting, intro):
    data = json.load(open(report))
    print(intro)
    print(f"| instance | {setting} | validation ndcg@10 | test ndcg@10 | coverage@10 |")
    print("| --- | ---: | ---: | ---: | ---: |")
    settings = {}
    for s in data["strategies"]:
        if s["name"].startswith("ease-"):
            settings[s["name"][5:]] = s["parameters"].get(setting, 1) if s["parameters"].get("form") in ("pruned", "sparse") else "whole"
    for s in data["strategies"]:
        if s["name"] == "next-5":
            continue
        validation = (s.get("grid") or [{}])[0].get("validation_ndcg@10")
        print(f"| {s['name']} | {settings.get(s['name'].split('-', 1)[1], '')} | {validation:.4f} | {s['metrics']['ndcg@10']:.4f} | {s['metrics']['coverage@10']:.4f} |")
quality(pruned, "density", "\nQuality of the pruned models on protocol v1 (`reclab evaluate --config experiments/offline/pruned-ease.yaml`): "
        "the served personalized model and the served blend at each density (`whole`: B whole, as served here), "
        "validation ndcg@10 (on which a density is chosen) beside test ndcg@10 and coverage@10.\n")
quality(sparse, "neighbours", "\nQuality of B learned sparse (`form: sparse`, which `auto` takes only where B whole does not fit in "
        "MODEL_MEMORY_LIMIT, as at 10^7 ratings in benchmarks/scale.md) on protocol v1 (`reclab evaluate --config "
        "experiments/offline/sparse-ease.yaml`): each movie's column regressed on its `neighbours` most similar movies only.\n")
PY
echo "wrote $OUT" >&2

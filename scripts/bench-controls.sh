#!/usr/bin/env bash
# What the serving controls cost (issue 27), written to benchmarks/controls.md:
# - in the process, each control on the uncached personalized answer (`reclab-bench controls`);
# - over HTTP, the personalized route with each control, the answer cache off, the 610
#   MovieLens users in rotation, each row beside the ceiling (`reclab-bench ceiling`, a bare
#   Hummingbird route) measured right before it;
# - on protocol v1, MMR's and the genre cap's effect on ndcg@10, coverage@10 and intra-list
#   diversity (experiments/offline/diversity.yaml).
#
#   scripts/bench-controls.sh
#   DURATION=3 OUT=/tmp/c.md scripts/bench-controls.sh
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-6}
OUT=${OUT:-benchmarks/controls.md}
SHARED=$(cd "${RECLAB_SHARED_DIR:-../shared}" && pwd)
. scripts/wrk-measure.sh
bench_setup

.build/release/reclab-bench controls --datasets "$SHARED/datasets" >"$work/process.md"

ceiling_port=$(free_port)
.build/release/reclab-bench ceiling --port "$ceiling_port" >"$work/ceiling.log" 2>&1 &
pids+=($!)
port=$(free_port)
ENABLE_CACHE=false PORT=$port HOST=127.0.0.1 DATABASE_URL="$work/reclab.sqlite" RECLAB_DATA_DIR="$SHARED/datasets" EVALUATION_CONFIG=none \
  LOG_LEVEL=warning ADMIN_API_KEY=bench-admin .build/release/reclab serve >/dev/null 2>"$work/server.log" &
server=$!
pids+=("$server")
await_ready "$port" "$server" "$work/server.log"
# The 100 most popular movies, as what a client already shows and what an operator hid.
popular=$(curl -fs "http://127.0.0.1:$port/recommendations/popular?limit=50" | python3 -c 'import json,sys; print(",".join(str(m["movie_id"]) for m in json.load(sys.stdin)["recommendations"]))')
# rotation QUERY: a wrk script asking for the 610 users' personalized lists in turn, with QUERY.
rotation() {
  python3 - "$1" >"$work/rotation.lua" <<'PY'
import sys
print("paths = {" + ",".join('"/users/%d/recommendations/personalized?limit=10%s"' % (user, sys.argv[1]) for user in range(1, 611)) + "}")
print("n = 0\nrequest = function() n = n + 1; return wrk.format(\"GET\", paths[(n % #paths) + 1]) end")
PY
}
run() {
  local ceiling figures
  rotation "$2"
  wrk -t2 -c"$CONNECTIONS" -d2s -s "$work/rotation.lua" "http://127.0.0.1:$port" >/dev/null
  ceiling=$(measure "http://127.0.0.1:$ceiling_port/ceiling" | cut -f1)
  figures=$(measure "http://127.0.0.1:$port/health" "$work/rotation.lua")
  printf '%s\t%s\t%s\n' "$1" "$figures" "$ceiling" | tee -a "$work/http.tsv" >&2
}
# First, while the users' logs hold only this row's own answers (tens a user); again below,
# after every other row has logged hundreds a user.
run "unseen_for=1d, the log fresh" "&unseen_for=1d"
run "none" ""
run "genres=comedy" "&genres=comedy"
run "year_from=1990&year_to=1999" "&year_from=1990&year_to=1999"
run "min_rating=7.5" "&min_rating=7.5"
run "exclude= the 50 most popular" "&exclude=$popular"
run "unseen_for=1d, the log full" "&unseen_for=1d"
run "diversify=genre_cap&max_per_genre=2" "&diversify=genre_cap&max_per_genre=2"
run "diversify=mmr&diversity=0.3" "&diversify=mmr&diversity=0.3"
for movie in $(echo "$popular" | tr , ' '); do
  curl -fs -o /dev/null -X POST -H "X-API-Key: bench-admin" "http://127.0.0.1:$port/admin/movies/$movie/hide"
done
run "the 50 most popular hidden by an operator" ""
kill "$server"; wait "$server" 2>/dev/null || true

.build/release/reclab evaluate --config experiments/offline/diversity.yaml --reports "$work/reports" --database "$work/evaluation.sqlite" \
  >"$work/evaluate.log" 2>&1 || { tail -5 "$work/evaluate.log"; exit 1; }

python3 - "$work/process.md" "$work/http.tsv" "$(ls -d "$work"/reports/*/)report.json" "$DURATION" "$CONNECTIONS" >"$OUT" <<'PY'
import datetime, json, os, sys
process, http, report, duration, connections = sys.argv[1:]
print("# What the serving controls cost\n")
print(f"Release build, {os.cpu_count()} cores, {datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%dT%H:%M:%SZ')}. "
      "Regenerate with `scripts/bench-controls.sh`. ml-latest-small with TMDB 5000 and IMDB 5000, the served strategies file.\n")
print("## In the process\n")
print("The served personalized model's answer for each MovieLens user in turn (limit 10, with reasons), through `CandidateRules` "
      "as the server answers, after 200 warm-up answers (`reclab-bench controls`). The last column is each row's mean over the "
      "mean without controls.\n")
print(open(process).read())
print("## Over HTTP\n")
print(f"`GET /users/{{1…610}}/recommendations/personalized?limit=10&…` in rotation, the answer cache off, `wrk -t2 -c{connections} "
      f"-d{duration}s` per row on 127.0.0.1 after a 2 s warm-up pass, server and wrk sharing the cores; each row's ratio is to the "
      "ceiling measured just before it.\n")
print("| controls | req/s | p50 ms | p99 ms | of ceiling | non-2xx |")
print("| --- | ---: | ---: | ---: | ---: | ---: |")
shown = 0.0
for line in open(http):
    name, rate, p50, p99, bad, ceiling = line.rstrip("\n").split("\t")
    if name.startswith("unseen_for") and shown > 0:
        # Every earlier row's answers (and its warm-up pass) were logged for the same 610 users.
        name += f"; each user shown about {shown / 610:,.0f} answers in the window when the row began"
    print(f"| {name} | {float(rate):,.0f} | {p50} | {p99} | {100 * float(rate) / float(ceiling):.0f}% | {bad} |")
    shown += float(rate) * (int(duration) + 2)
print("\nEvery answer shown to a user is logged (the exposure log, written each second), and `unseen_for` reads the user's "
      "part of it back: one indexed store read a second per user (the log reuses it until its next write), plus what is not "
      "written yet. Its cost grows with what the user was shown in the window: the last `unseen_for` row's users had been "
      "shown hundreds of lists that day, far beyond a person's use, and each answer also leaves out hundreds of movies. "
      "`genre_cap` widens its candidates until the cap leaves enough, scoring the model again each time; a rare genre "
      "makes the selection ask every candidate that would lead.")
data = json.load(open(report))
print("\n## Diversifying on protocol v1\n")
print("`reclab evaluate --config experiments/offline/diversity.yaml`: the served personalized model and the served blend as served, "
      "re-ordered by maximal marginal relevance at three `diversity` values, and the blend under a cap of three movies a genre; "
      "test split, 592 users. diversity@10 is intra-list diversity, 1 − the mean likeness of each top 10's pairs (the content "
      "model's kept neighbours; two movies outside each other's 50 neighbours count as unlike, so values run high). The "
      "difference is each row's paired ndcg@10 difference from the served blend, the best, with its bootstrap interval.\n")
print("| instance | controls | ndcg@10 | coverage@10 | diversity@10 | ndcg@10 − best [interval] |")
print("| --- | --- | ---: | ---: | ---: | --- |")
controls = {"mmr-0.1": "diversify=mmr&diversity=0.1", "mmr-0.3": "diversify=mmr&diversity=0.3", "mmr-0.5": "diversify=mmr&diversity=0.5",
            "genre-cap-3": "diversify=genre_cap&max_per_genre=3"}
for s in data["strategies"]:
    if s["name"] in ("content", "sequential"):
        continue
    control = next((c for suffix, c in controls.items() if s["name"].endswith(suffix)), "none")
    versus = s.get("versus_best")
    difference = f"{versus['difference']:+.4f} [{versus['low']:+.4f}, {versus['high']:+.4f}]" if versus else "best"
    print(f"| {s['name']} | {control} | {s['metrics']['ndcg@10']:.4f} | {s['metrics']['coverage@10']:.4f} | {s['diversity@10']:.4f} | {difference} |")
PY
echo "wrote $OUT" >&2

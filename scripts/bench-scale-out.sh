#!/usr/bin/env bash
# Scale-out benchmark: SQLite against PostgreSQL for the main routes (one replica each,
# direct), then 1, 2 and 3 replicas on one PostgreSQL behind nginx (deploy/nginx/reclab.conf).
# Writes the section between the scale-out markers of benchmarks/scale.md.
#
#   scripts/bench-scale-out.sh                # 5 s a route
#   DURATION=3 scripts/bench-scale-out.sh
#
# Everything runs on this machine: PostgreSQL, the replicas, nginx and wrk (2 threads, 32
# connections) share its cores, so more replicas mostly share the same CPU.
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-5}
CONNECTIONS=${CONNECTIONS:-32}
OUT=${OUT:-benchmarks/scale.md}
SHARED=${RECLAB_SHARED_DIR:-../shared}
command -v wrk >/dev/null && command -v nginx >/dev/null && ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || scripts/setup.sh
swift build -c release --product reclab >/dev/null

work=$(mktemp -d)
chmod 755 "$work"
PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  [ -f "$work/nginx/nginx.pid" ] && kill "$(cat "$work/nginx/nginx.pid")" 2>/dev/null || true
  as_pg "$PGBIN/pg_ctl" -D "$work/pg/data" -m fast stop >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

mkdir -p "$work/pg"
[ "$(id -u)" = 0 ] && chown postgres "$work/pg"
pg_port=$(free_port)
as_pg "$PGBIN/initdb" -D "$work/pg/data" -U reclab --auth=trust >/dev/null
as_pg "$PGBIN/pg_ctl" -D "$work/pg/data" -l "$work/pg/log" -w \
  -o "-p $pg_port -k $work/pg -c listen_addresses=127.0.0.1 -c max_connections=200" start >/dev/null
as_pg "$PGBIN/createdb" -h 127.0.0.1 -p "$pg_port" -U reclab reclab
POSTGRES=postgres://reclab@127.0.0.1:$pg_port/reclab?sslmode=disable

# serve DATABASE_URL: starts a replica on a free port and waits until it is ready; sets `port`.
serve() {
  port=$(free_port)
  PORT=$port HOST=127.0.0.1 DATABASE_URL="$1" RECLAB_DATA_DIR="$SHARED/datasets" EVALUATION_CONFIG=none TRUSTED_PROXIES=127.0.0.1 \
    .build/release/reclab serve >/dev/null 2>"$work/replica-$port.log" &
  pids+=($!)
  await_ready "$port" "$!" "$work/replica-$port.log"
}

cat >"$work/personalized.lua" <<'LUA'
local n = 0
request = function()
  n = n + 1
  return wrk.format("GET", "/users/" .. (n % 610 + 1) .. "/recommendations/personalized?limit=10")
end
LUA
cat >"$work/preference.lua" <<'LUA'
local movies = {27205, 157336, 155, 550, 680, 13, 603, 278, 238, 120, 121, 122, 1891, 11, 85}
local n = 0
request = function()
  n = n + 1
  local body = '{"movie_id": ' .. movies[n % #movies + 1] .. ', "rating": ' .. (n % 10 + 1) / 2 .. '}'
  return wrk.format("POST", "/users/bench-" .. math.random(1, 1000000) .. "/preferences", {["Content-Type"] = "application/json"}, body)
end
LUA

. scripts/wrk-measure.sh

# routes BASE SETUP: every route of the comparison against BASE, a line each into results.tsv.
routes() {
  local base=$1 setup=$2
  for route in "details|/movies/27205|" "search|/movies/search?query=love|" "similar|/recommendations/similar/27205|" \
               "personalized (610 users)|/users/1/recommendations/personalized?limit=10|$work/personalized.lua" \
               "preferences of a user|/users/1/preferences|" "post a preference|/users/x/preferences|$work/preference.lua"; do
    IFS='|' read -r name path script <<<"$route"
    printf '%s\t%s\t%s\n' "$setup" "$name" "$(measure "$base$path" "$script")" | tee -a "$work/results.tsv" >&2
  done
}

serve "$work/reclab.sqlite"
routes "http://127.0.0.1:$port" "SQLite, 1 replica"
kill "${pids[-1]}"; wait "${pids[-1]}" 2>/dev/null || true

serve "$POSTGRES"     # the first imports the data sets into PostgreSQL
replica_ports=("$port")
routes "http://127.0.0.1:${replica_ports[0]}" "PostgreSQL, 1 replica"
for replicas in 1 2 3; do
  while [ ${#replica_ports[@]} -lt $replicas ]; do serve "$POSTGRES"; replica_ports+=("$port"); done
  [ -f "$work/nginx/nginx.pid" ] && { kill "$(cat "$work/nginx/nginx.pid")"; sleep 1; }
  mkdir -p "$work/nginx/tmp"
  nginx_port=$(free_port)
  python3 - deploy/nginx/reclab.conf "$work/nginx/reclab.conf" "$nginx_port" "${replica_ports[@]}" <<'PY'
import sys
source, target, listen, ports = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
lines, written = [], False
for line in open(source).read().split("\n"):
    stripped = line.strip()
    if stripped.startswith("server 127.0.0.1:"):
        if not written:
            options = " ".join(stripped.split(" ")[2:])
            lines += [f"        server 127.0.0.1:{port} {options}" for port in ports]
            written = True
    elif stripped.startswith("listen "):
        lines.append(f"        listen 127.0.0.1:{listen};")
    else:
        lines.append(line)
open(target, "w").write("\n".join(lines))
PY
  cp deploy/nginx/proxy.conf "$work/nginx/"   # reclab.conf includes it from its own folder
  chmod 1777 "$work/nginx/tmp"
  nginx -p "$work/nginx" -c "$work/nginx/reclab.conf"
  for _ in $(seq 1 50); do curl -fs -o /dev/null "http://127.0.0.1:$nginx_port/health" && break; sleep 0.1; done
  routes "http://127.0.0.1:$nginx_port" "nginx + PostgreSQL, $replicas replica$([ $replicas = 1 ] || echo s)"
done

python3 - "$work/results.tsv" "$DURATION" "$CONNECTIONS" "$OUT" <<'PY'
import datetime, os, sys
rows = [line.rstrip("\n").split("\t") for line in open(sys.argv[1])]
duration, connections, out = sys.argv[2], sys.argv[3], sys.argv[4]
setups = list(dict.fromkeys(r[0] for r in rows))
routes = list(dict.fromkeys(r[1] for r in rows))
figures = {(r[0], r[1]): r[2:] for r in rows}
section = ["<!-- scale-out:begin (scripts/bench-scale-out.sh writes this section) -->", "",
    "## SQLite against PostgreSQL, and replicas behind nginx", "",
    f"Release build, {os.cpu_count()} cores, {datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%dT%H:%M:%SZ')}. "
    f"`wrk -t2 -c{connections} -d{duration}s` a route; PostgreSQL 15 (a throwaway cluster), the replicas, nginx and wrk "
    "all on this machine. All three data sets; rate limits off; `EVALUATION_CONFIG=none`. Personalized answers rotate over the "
    "610 MovieLens users (cached after each one's first); each posted preference is a new user's. "
    "Regenerate with `scripts/bench-scale-out.sh`.", "",
    "req/s (p99 ms):", "",
    "| route | " + " | ".join(setups) + " |",
    "| --- | " + " | ".join("---:" for _ in setups) + " |"]
for route in routes:
    cells = []
    for setup in setups:
        rate, p50, p99, bad = figures.get((setup, route), ["", "", "", ""])
        cells.append(f"{float(rate):,.0f} ({float(p99):.1f})" + (f", {bad} non-2xx" if bad not in ("", "0") else "") if rate else "")
    section.append(f"| {route} | " + " | ".join(cells) + " |")
section += ["", "<!-- scale-out:end -->"]
text = open(out).read()
begin, end = text.find("<!-- scale-out:begin"), text.find("<!-- scale-out:end -->")
if begin >= 0 and end >= 0:
    text = text[:begin] + "\n".join(section) + text[end + len("<!-- scale-out:end -->"):]
else:
    text = text.rstrip("\n") + "\n\n" + "\n".join(section) + "\n"
open(out, "w").write(text)
PY
echo "wrote the scale-out section of $OUT" >&2

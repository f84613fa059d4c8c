# Sourced by the HTTP benchmarks. `bench_setup` installs wrk if missing, builds the release
# server and reclab-bench, and makes $work, a scratch folder removed on exit together with every
# process listed in $pids; `free_port` prints a port nothing listens on. wrk keeps $CONNECTIONS
# connections open (32 unless set).
CONNECTIONS=${CONNECTIONS:-32}
bench_setup() {
  command -v wrk >/dev/null || scripts/setup.sh
  swift build -c release --product reclab >/dev/null
  swift build -c release --product reclab-bench >/dev/null
  work=$(mktemp -d)
  pids=()
  trap 'for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"' EXIT
}

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# `rotation_scripts USERS` writes $work/personalized.lua and $work/hybrid.lua: users 1 to USERS
# in rotation on the personalized and the hybrid route, one request each in turn.
rotation_scripts() {
  for route in personalized hybrid; do
    python3 - "$route" "$1" >"$work/$route.lua" <<'PY'
import sys
path = "/users/%d/recommendations/personalized?limit=10" if sys.argv[1] == "personalized" else "/recommendations/hybrid/%d?limit=10"
print("paths = {" + ",".join('"%s"' % (path % user) for user in range(1, int(sys.argv[2]) + 1)) + "}")
print("n = 0\nrequest = function() n = n + 1; return wrk.format(\"GET\", paths[(n % #paths) + 1]) end")
PY
  done
}

# `await_ready PORT PID LOG`: waits (up to 20 minutes) until the server PID on PORT is ready;
# exits with LOG's last lines if it stops or never gets there.
await_ready() {
  for _ in $(seq 1 2400); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$1/health/ready")" = 200 ] && return
    kill -0 "$2" 2>/dev/null || break
    sleep 0.5
  done
  grep -v '^ ' "$3" | tail -5 >&2
  echo "the server on port $1 did not get ready" >&2
  exit 1
}

# `measure URL [LUA]` runs wrk once (2 threads, $CONNECTIONS
# connections, $DURATION seconds; its output in $work/wrk.txt) and prints req/s, p50 ms, p99 ms
# and non-2xx answers, tab-separated.
measure() {
  local url=$1 script=${2:-}
  curl -fs -o /dev/null "$url" || { echo "$url does not answer 200" >&2; exit 1; }
  wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" --latency ${script:+-s "$script"} "$url" >"$work/wrk.txt"
  python3 - "$work/wrk.txt" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
def ms(value):
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", value).groups()
    return float(number) * {"us": 0.001, "ms": 1, "s": 1000}[unit]
rate = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
p50 = ms(re.search(r"^\s+50%\s+(\S+)", text, re.M).group(1))
p99 = ms(re.search(r"^\s+99%\s+(\S+)", text, re.M).group(1))
bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", text)
print(f"{rate:.0f}\t{p50:.2f}\t{p99:.2f}\t{bad.group(1) if bad else 0}")
PY
}

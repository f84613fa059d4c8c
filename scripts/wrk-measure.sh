# Sourced by the HTTP benchmarks. `bench_setup` installs wrk if missing, builds the release
# server and reclab-bench, and makes $work, a scratch folder removed on exit together with every
# process listed in $pids; `free_port` prints a port nothing listens on.
bench_setup() {
  command -v wrk >/dev/null || scripts/setup.sh
  swift build -c release --product reclab >/dev/null
  swift build -c release --product reclab-bench >/dev/null
  work=$(mktemp -d)
  pids=()
  trap 'for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"' EXIT
}

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

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

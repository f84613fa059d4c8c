# Sourced by the HTTP benchmarks: `measure URL [LUA]` runs wrk once (2 threads, $CONNECTIONS
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

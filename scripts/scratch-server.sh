# Sourced by the scripts that run a release server of their own (fuzz.sh, console-browser.sh):
# the server on a scratch database in $work with the real data sets and an admin key.
#
#   start_scratch_server NAME   starts $RECLAB_BINARY (or a release build made now); sets
#                               $binary, $key, $base and $server, and stops it on exit
#   wait_for_server NAME READY  waits up to 180 s until the command READY succeeds, failing
#                               (with the log's tail) if the server exits first
# Needs $work (a scratch folder) and $SHARED (the shared folder). LOG_LEVEL defaults to ERROR.
# The script and what it starts after the first server run niced (+10); that server does not.
start_scratch_server() {
  if [ -n "${RECLAB_BINARY:-}" ]; then
    binary=$RECLAB_BINARY
  else
    swift build -c release --product reclab >/dev/null
    binary=.build/release/reclab
  fi
  [ -x "$binary" ] || { echo "$1: no server binary at $binary" >&2; exit 2; }
  local port
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  key=$1-admin-$RANDOM$RANDOM
  base=http://127.0.0.1:$port
  PORT=$port HOST=127.0.0.1 DATABASE_URL="$work/reclab.sqlite" RECLAB_DATA_DIR="$SHARED/datasets" ADMIN_API_KEY=$key \
    LOG_LEVEL=${LOG_LEVEL:-ERROR} OPENBLAS_NUM_THREADS=1 BACKGROUND_NICE=${BACKGROUND_NICE:-0} "$binary" serve >"$work/server.log" 2>&1 &
  server=$!
  # The walk (this shell, its browser, its evaluations) below the tests beside it: the suite runs
  # it in parallel with tests that time what a replica learns within a second, on two cores. The
  # server stays at theirs, its start-up evaluation too (BACKGROUND_NICE=0): a walk waits for it.
  renice -n 10 -p $$ >/dev/null 2>&1 || true
  trap 'kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; ${AFTER_SERVER:-true}' EXIT
}

wait_for_server() {
  for _ in $(seq 1 360); do
    "$2" && return 0
    kill -0 "$server" 2>/dev/null || { tail -20 "$work/server.log" >&2; echo "$1: the server exited before it was ready" >&2; exit 1; }
    sleep 0.5
  done
  tail -20 "$work/server.log" >&2
  echo "$1: the server was not ready in 180 s" >&2
  exit 1
}

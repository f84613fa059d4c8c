#!/usr/bin/env bash
# Installs the Debian packages RecLab builds and tests against, when they are missing. Called
# by the README's commands and by .ci/run; safe to run again.
set -euo pipefail
# chromium and python3: the evaluation report test renders the HTML report to PNG and checks it.
# wrk: scripts/bench-http.sh loads the server over HTTP.
packages=(libsqlite3-dev libopenblas-dev libcurl4-openssl-dev chromium python3 wrk)
# prometheus (with promtool): the observability tests check the exposition and the alerting
# rules with promtool and scrape a running server with a real Prometheus. Its recommended
# exporters are not needed.
bare=(prometheus)
missing() {
  for package in "$@"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || echo "$package"
  done
}
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
updated=false
install() {
  [ $# -gt 0 ] || return 0
  echo "installing $*" >&2
  if [ "$updated" = false ]; then $sudo apt-get update -qq; updated=true; fi
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$@" >/dev/null
}
mapfile -t wanted < <(missing "${packages[@]}")
install "${wanted[@]}"
mapfile -t wanted < <(missing "${bare[@]}")
[ ${#wanted[@]} -eq 0 ] || install --no-install-recommends "${wanted[@]}"

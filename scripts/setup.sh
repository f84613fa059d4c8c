#!/usr/bin/env bash
# Installs the Debian packages RecLab builds and tests against, when they are missing. Called
# by the README's commands and by .ci/run; safe to run again.
set -euo pipefail
# chromium and python3: the evaluation report test renders the HTML report to PNG and checks it.
# python3-venv: the tools' virtual environment below. wrk: scripts/bench-http.sh loads the server.
# postgresql: the PostgreSQL backend's tests start throwaway clusters of their own (initdb,
# pg_ctl, as the postgres user the package creates); the package's own cluster is not used.
# nginx: the scale-out test load-balances three replicas with deploy/nginx/reclab.conf.
packages=(libsqlite3-dev libopenblas-dev libcurl4-openssl-dev libjemalloc-dev chromium python3 python3-venv wrk postgresql nginx)
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

# Python tools from PyPI (scripts/requirements-tools.txt, every version pinned) in .venv/ at the
# repository root, git-ignored: hadolint and kubernetes-validate for the deployment tests,
# schemathesis for fuzzing. Debian's python3, so the set does not depend on the user's PATH.
# Reinstalled only when the requirement list changes (its hash is stamped in the venv).
root="$(cd "$(dirname "$0")/.." && pwd)"
venv="$root/.venv"
requirements="$root/scripts/requirements-tools.txt"
stamp="$venv/requirements.sha256"
wanted_hash="$(sha256sum < "$requirements")"
if ! "$venv/bin/python" -c '' 2>/dev/null || [ "$(cat "$stamp" 2>/dev/null)" != "$wanted_hash" ]; then
  echo "installing the Python tools of $requirements into $venv" >&2
  /usr/bin/python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$requirements"
  echo "$wanted_hash" > "$stamp"
fi

# The Swagger UI and ReDoc assets the server bundles (git-ignored, 1-2 MB each), from PyPI,
# checked against pinned sums; fetched only when one is missing or differs.
"$root/scripts/update-docs-assets.sh" --if-needed

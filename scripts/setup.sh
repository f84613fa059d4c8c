#!/usr/bin/env bash
# Installs the Debian packages RecLab builds against, when they are missing. Called by the
# README's commands and by .ci/run; safe to run again.
set -euo pipefail
# chromium and python3: the evaluation report test renders the HTML report to PNG and checks it.
packages=(libsqlite3-dev libopenblas-dev libcurl4-openssl-dev chromium python3)
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing ${missing[*]}" >&2
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi

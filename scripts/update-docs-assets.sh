#!/usr/bin/env bash
# Fetches the Swagger UI and ReDoc assets that /docs and /redoc serve from the PyPI wheel
# fastapi-offline (which vendors swagger-ui-dist 5 and redoc 2), checks them against the sums
# pinned here and copies them into the server's resources, before the build bundles them.
# They are 1-2 MB each and git-ignored: scripts/setup.sh runs this when one is missing or
# differs, so a clone gets them from the registry, not from the repository. To move to a new wheel, change the
# version and the sums together, and say so in Sources/RecLabServer/Resources/docs/README.md.
# (The wheel's favicon.png is FastAPI's logo, so RecLab's pages do not use it.)
set -euo pipefail
cd "$(dirname "$0")/.."
version=1.7.7
wheel_sha256=60c8399fd7d3e3b01510e14468709e3dea1a0e773ef920372d057392d736a1f9
declare -A sums=(
  [swagger-ui-bundle.js]=4b5a9b35a1adf37f00d39c0bae23cdb37007e2946240ef035137cc85b4d55349
  [swagger-ui.css]=ca238f7d7c2cf4480c1e77a9c3b9da915ab216e96ffd354e69076560c650c6de
  [redoc.standalone.js]=1320f442151c57c447d3b70c7ffc6c4f86d08464020fe34c8cc5d3164e9944f0
)
target=Sources/RecLabServer/Resources/docs/assets
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
if [ "${1:-}" = --if-needed ]; then
  missing=false
  for name in "${!sums[@]}"; do
    echo "${sums[$name]}  $target/$name" | sha256sum --check --quiet --status 2>/dev/null || missing=true
  done
  $missing || exit 0
fi

# The tools' virtual environment (scripts/setup.sh) has pip; Debian's python3 may not.
python=.venv/bin/python
[ -x "$python" ] || python=python3
"$python" -m pip download --quiet --no-deps --dest "$work" "fastapi-offline==$version"
wheel="$work/fastapi_offline-$version-py3-none-any.whl"
echo "$wheel_sha256  $wheel" | sha256sum --check --quiet
python3 -m zipfile -e "$wheel" "$work/unpacked"
for name in "${!sums[@]}"; do
  echo "${sums[$name]}  $work/unpacked/fastapi_offline/static/$name" | sha256sum --check --quiet
  cp "$work/unpacked/fastapi_offline/static/$name" "$target/$name"
done
echo "docs assets of fastapi-offline $version checked and copied to $target"

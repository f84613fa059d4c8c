#!/bin/bash
# Writes benchmarks/scale.md: `reclab synth` data sets of 10^5, 10^6 and 10^7 ratings, each
# imported into SQLite, fitted with benchmarks/scale-strategies.yaml under MODEL_MEMORY_LIMIT, and its
# requests timed (release build). SIZES picks a subset, e.g. SIZES="5 6".
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product reclab >/dev/null
swift build -c release --product reclab-bench >/dev/null
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
# The measured sections go between markers; the hand-written reading, the capacity note and
# bench-scale-out.sh's section around them stay.
out="$work/section.md"
{
  echo "<!-- scale:begin (scripts/bench-scale.sh writes this section) -->"
  echo
  echo "Release build, $(nproc) cores, $(date -u +%Y-%m-%dT%H:%M:%SZ). Data: \`reclab synth\` (Zipf popularity, log-normal user activity, 16 latent factors, seed 42). Regenerate with \`scripts/bench-scale.sh\`."
  echo
  echo "## What EASE^R's item cap costs"
  echo
  echo "ml-latest-small, protocol v1, EASE^R at its chosen parameters fitted on the \`max_items\` most-rated movies (\`experiments/offline/ease-item-cap.yaml\`; train holds 8,239 movies):"
  echo
  .build/release/reclab evaluate --config experiments/offline/ease-item-cap.yaml --reports "$work/reports" --database "$work/eval.sqlite" >/dev/null 2>&1
  sed -n '/^## Results on test/,/^Best value/p' "$work"/reports/*/report.md | sed '1,2d;$d'
  echo
} > "$out"
for size in ${SIZES:-5 6 7}; do
  case $size in
    5) users=2000;   items=5000;   ratings=100000 ;;
    6) users=20000;  items=20000;  ratings=1000000 ;;
    7) users=100000; items=100000; ratings=10000000 ;;
  esac
  /usr/bin/time -f "%e s, peak %M KB" -o "$work/synth.time" .build/release/reclab synth --users $users --items $items --ratings $ratings --seed 42 --output "$work/synth-$size" > "$work/synth.out"
  /usr/bin/time -f "%M" -o "$work/bench.time" .build/release/reclab-bench scale --data "$work/synth-$size" > "$work/bench.md"
  {
    cat "$work/bench.md"
    echo "Synth: $(head -1 "$work/synth.out" | sed 's/ into .* in / in /'); $(cat "$work/synth.time"). $(tail -1 "$work/synth.out"). Whole benchmark process peak: $(( $(cat "$work/bench.time") / 1024 )) MB."
    echo
  } >> "$out"
  rm -rf "$work/synth-$size"
done
echo "<!-- scale:end -->" >> "$out"
python3 - "$out" benchmarks/scale.md <<'PY'
import sys
section, target = open(sys.argv[1]).read(), sys.argv[2]
text = open(target).read()
begin, end = text.find("<!-- scale:begin"), text.find("<!-- scale:end -->")
if begin < 0 or end < 0:
    raise SystemExit(f"{target}: no scale:begin/scale:end markers")
open(target, "w").write(text[:begin] + section.rstrip("\n") + text[end + len("<!-- scale:end -->"):])
PY
sed -n '/<!-- scale:begin/,/<!-- scale:end -->/p' benchmarks/scale.md

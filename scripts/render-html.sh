#!/usr/bin/env bash
# Screenshots an HTML page with headless Chromium (1280x2400 unless RENDER_WINDOW_SIZE says
# otherwise) and prints as JSON what the picture holds, for tests that cannot decode a PNG:
#   width, height; inkShare, the share of pixels clearly darker than paper (any channel
#   below 230); distinctColours; and for each #rrggbb given, its exact-match pixel count
#   and the first and last rows it appears in (null when absent).
# Usage: scripts/render-html.sh page.html out.png ['#rrggbb' ...]
# Needs Debian's chromium (scripts/setup.sh installs it) and python3; CHROMIUM overrides the
# browser command.
set -euo pipefail

if [ $# -lt 2 ]; then
  echo "usage: $0 page.html out.png ['#rrggbb' ...]" >&2
  exit 64
fi
page=$1
png=$2
shift 2
chromium=${CHROMIUM:-chromium}
if ! command -v "$chromium" >/dev/null 2>&1; then
  echo "'$chromium' is not installed: run scripts/setup.sh, which installs Debian's chromium package" >&2
  exit 3
fi

# A profile of its own, so parallel runs never wait on each other's profile lock.
profile=$(mktemp -d)
log=$(mktemp)
trap 'rm -rf "$profile" "$log"' EXIT
url=$(python3 -c 'import pathlib, sys; print(pathlib.Path(sys.argv[1]).resolve().as_uri())' "$page")
rm -f "$png"
# Chromium logs D-Bus complaints even when it succeeds: show its log only on failure.
if ! timeout 120 "$chromium" --headless --disable-gpu --no-sandbox --hide-scrollbars --user-data-dir="$profile" \
    --window-size="${RENDER_WINDOW_SIZE:-1280,2400}" --screenshot="$png" "$url" >"$log" 2>&1 || [ ! -s "$png" ]; then
  echo "chromium could not screenshot $page:" >&2
  cat "$log" >&2
  exit 1
fi

python3 - "$png" "$@" <<'PY'
import json, struct, sys, zlib
from array import array
from collections import Counter


def decode(path):
    """Rows of 0xBBGGRR pixel ints of an 8-bit, non-interlaced RGB or RGBA PNG."""
    data = open(path, 'rb').read()
    if data[:8] != b'\x89PNG\r\n\x1a\n':
        sys.exit(f'{path} is not a PNG')
    position, compressed = 8, []
    while position < len(data):
        length, kind = struct.unpack('>I4s', data[position:position + 8])
        body = data[position + 8:position + 8 + length]
        position += 12 + length
        if kind == b'IHDR':
            width, height, depth, colour, _, _, interlace = struct.unpack('>IIBBBBB', body)
        elif kind == b'IDAT':
            compressed.append(body)
        elif kind == b'IEND':
            break
    if depth != 8 or colour not in (2, 6) or interlace:
        sys.exit(f'unsupported PNG: bit depth {depth}, colour type {colour}, interlace {interlace}')
    channels = 3 if colour == 2 else 4
    raw = zlib.decompress(b''.join(compressed))
    stride = width * channels
    previous = bytearray(stride)
    rows = []
    for y in range(height):
        start = y * (stride + 1)
        method, row = raw[start], bytearray(raw[start + 1:start + 1 + stride])
        if method == 1:
            for i in range(channels, stride):
                row[i] = (row[i] + row[i - channels]) & 255
        elif method == 2:
            row = bytearray((a + b) & 255 for a, b in zip(row, previous))
        elif method == 3:
            for i in range(stride):
                left = row[i - channels] if i >= channels else 0
                row[i] = (row[i] + ((left + previous[i]) >> 1)) & 255
        elif method == 4:
            for i in range(stride):
                a = row[i - channels] if i >= channels else 0
                b = previous[i]
                c = previous[i - channels] if i >= channels else 0
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                row[i] = (row[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        previous = row
        rgba = bytearray(width * 4)
        for channel in range(3):
            rgba[channel::4] = row[channel::channels]
        pixels = array('I', bytes(rgba))
        if sys.byteorder == 'big':
            pixels.byteswap()
        rows.append(pixels)
    return width, height, rows


def key(hex_colour):
    value = int(hex_colour.lstrip('#'), 16)
    return ((value & 0xFF) << 16) | (value & 0xFF00) | (value >> 16)


width, height, rows = decode(sys.argv[1])
counts = Counter()
targets = {colour.lower(): key(colour) for colour in sys.argv[2:]}
spans = {colour: [None, None] for colour in targets}
for y, pixels in enumerate(rows):
    counts.update(pixels)
    present = set(pixels)
    for colour, wanted in targets.items():
        if wanted in present:
            span = spans[colour]
            span[0] = y if span[0] is None else span[0]
            span[1] = y
inked = sum(n for pixel, n in counts.items() if min(pixel & 0xFF, (pixel >> 8) & 0xFF, pixel >> 16) < 230)
print(json.dumps({
    'width': width,
    'height': height,
    'inkShare': inked / (width * height),
    'distinctColours': len(counts),
    'colours': {colour: {'pixels': counts[wanted], 'top': spans[colour][0], 'bottom': spans[colour][1]}
                for colour, wanted in targets.items()},
}))
PY

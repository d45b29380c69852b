#!/bin/sh
# SPDX-License-Identifier: MIT
# The flamegraph of a real traced run, checked as a browser sees it: a
# tracker replay traced with --svg, --folded and --json; the SVG must be
# well-formed XML, hold every folded path as a chain of frames (names,
# nesting, self times, widths, call counts agreeing with the other writers),
# and render in headless Chromium to a non-blank PNG on which the frames'
# colours sit where the SVG puts them. Root only.
#   BUILD=build sh tests/bpf/svg_render.sh
#   SVG_RENDER_KEEP=DIR ...   keeps flamegraph.svg and flamegraph.png in DIR
set -eu
. tests/bpf/common.shlib
SCRIPT=$SHARED/samples/tech_product_launch.md
CHROMIUM=${CHROMIUM:-chromium}

require_root svg_render
require svg_render "$TRACE" "$REPLAY" "$GEN" "$SCRIPT"
command -v "$CHROMIUM" >/dev/null ||
	{ echo "svg_render: $CHROMIUM not installed (make deps: package chromium)" >&2; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
fail() {
	echo "svg_render: FAIL: $*" >&2
	exit 1
}

"$GEN" --seed 5 -o "$tmp/events.jsonl" "$SCRIPT"
"$TRACE" -q --svg "$tmp/flamegraph.svg" --folded "$tmp/tracking.folded" \
	--json "$tmp/report.json" -- "$REPLAY" "$SCRIPT" "$tmp/events.jsonl" \
	> "$tmp/run.log" 2> "$tmp/run.err" || { cat "$tmp/run.err" >&2; fail "traced run failed"; }
[ -s "$tmp/flamegraph.svg" ] || fail "no SVG written"

# well-formed XML
if command -v xmllint >/dev/null; then
	xmllint --noout "$tmp/flamegraph.svg" || fail "xmllint: not well-formed"
	echo "svg_render: xmllint: well-formed"
else
	python3 -c 'import sys, xml.dom.minidom as m; m.parse(sys.argv[1])' "$tmp/flamegraph.svg" ||
		fail "not well-formed XML (python3 xml.dom.minidom)"
	echo "svg_render: xml.dom.minidom: well-formed (xmllint not installed)"
fi

# render: 1200x800 at scale 1, no network, a throwaway profile
profile=$(mktemp -d)
timeout 60 "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-quic \
	--no-first-run --disable-background-networking --disable-component-update \
	--disable-sync --user-data-dir="$profile" --force-device-scale-factor=1 \
	--hide-scrollbars --screenshot="$tmp/flamegraph.png" --window-size=1200,800 \
	"file://$tmp/flamegraph.svg" > "$tmp/chromium.log" 2>&1 ||
	{ rm -rf "$profile"; tail -5 "$tmp/chromium.log" >&2; fail "chromium failed"; }
rm -rf "$profile"
[ -s "$tmp/flamegraph.png" ] || { tail -5 "$tmp/chromium.log" >&2; fail "chromium wrote no screenshot"; }
if [ -n "${SVG_RENDER_KEEP:-}" ]; then
	mkdir -p "$SVG_RENDER_KEEP"
	cp "$tmp/flamegraph.svg" "$tmp/flamegraph.png" "$tmp/tracking.folded" "$SVG_RENDER_KEEP/"
fi

python3 - "$tmp/flamegraph.svg" "$tmp/tracking.folded" "$tmp/report.json" "$tmp/flamegraph.png" <<'EOF'
import json, re, struct, sys, zlib
import xml.etree.ElementTree as ET

svg_path, folded_path, json_path, png_path = sys.argv[1:5]

def fail(msg):
    sys.exit('svg_render: FAIL: ' + msg)

# ---- the SVG's frames -------------------------------------------------------
NS = '{http://www.w3.org/2000/svg}'
root = ET.parse(svg_path).getroot()
frames = []
for g in root.iter(NS + 'g'):
    if 'f' not in g.get('class', '').split():
        continue
    r, t = g.find(NS + 'rect'), g.find(NS + 'title')
    m = re.match(r'^(.*) \(([\d.]+) ms, [\d.]+%, (\d+) calls?(?:, self ([\d.]+) ms)?\)$', t.text)
    if not m:
        fail('frame title not understood: %r' % t.text)
    frames.append(dict(name=g.get('data-n'), x=float(r.get('x')), y=float(r.get('y')),
                       w=float(r.get('width')), h=float(r.get('height')), fill=r.get('fill'),
                       total=float(m.group(2)), calls=int(m.group(3)),
                       self=float(m.group(4)) if m.group(4) else float(m.group(2))))
alls = [f for f in frames if f['name'] == 'all']
if len(alls) != 1:
    fail('want one root frame "all", got %d' % len(alls))
top = alls[0]
ys = sorted({f['y'] for f in frames}, reverse=True)
row = ys[0] - ys[1] if len(ys) > 1 else 0

def children(p):
    return [f for f in frames if abs(f['y'] - (p['y'] - row)) < 0.01 and
            f['x'] >= p['x'] - 0.01 and f['x'] + f['w'] <= p['x'] + p['w'] + 0.01]

# ---- every folded path is a chain of frames, self time as written ---------------
paths = 0
for line in open(folded_path):
    stack, value = line.rsplit(' ', 1)
    node = top
    for name in stack.split(';'):
        kids = [k for k in children(node) if k['name'] == name]
        if len(kids) != 1:
            fail('folded path %s: frame %s above %s found %d times'
                 % (stack, name, node['name'], len(kids)))
        node = kids[0]
    if abs(node['self'] * 1000 - int(value)) > 1.5:
        fail('folded path %s: %s us self in the folded file, %.3f ms in the SVG'
             % (stack, value, node['self']))
    node['seen'] = True
    paths += 1
extra = [f['name'] for f in frames if f is not top and not f.get('seen') and
         not children(f)]
if extra:
    fail('leaf frames with no folded path: %s' % extra)

# ---- geometry: widths follow totals; children fit in their parent ---------------
for f in frames:
    want = top['w'] * f['total'] / top['total']
    if abs(f['w'] - want) > 1.0 + 0.002 * top['w']:
        fail('frame %s: width %.2f px, its total says %.2f px' % (f['name'], f['w'], want))
    kids = children(f)
    if sum(k['w'] for k in kids) > f['w'] + 0.5:
        fail('frame %s: children wider than their parent' % f['name'])

# ---- call counts agree with the JSON report ------------------------------------
stats = {s['name']: s['call_count'] for s in json.load(open(json_path))['stats']}
calls = {}
for f in frames:
    if f is not top:
        calls[f['name']] = calls.get(f['name'], 0) + f['calls']
for name, n in calls.items():
    if stats.get(name) != n:
        fail('%s: %d calls in the SVG frames, %s in the JSON report' % (name, n, stats.get(name)))
print('svg_render: %d folded paths = %d frames (%d rows), widths, self times and calls agree'
      % (paths, len(frames) - 1, len(ys)))

# ---- the screenshot ------------------------------------------------------------
data = open(png_path, 'rb').read()
if len(data) < 8 * 1024:
    fail('screenshot only %d bytes' % len(data))
if data[:8] != b'\x89PNG\r\n\x1a\n':
    fail('screenshot is not a PNG')
pos, idat, hdr = 8, b'', None
while pos < len(data):
    n, kind = struct.unpack('>I4s', data[pos:pos + 8])
    body = data[pos + 8:pos + 8 + n]
    if kind == b'IHDR':
        hdr = struct.unpack('>IIBBBBB', body)
    elif kind == b'IDAT':
        idat += body
    pos += 12 + n
width, height, depth, ctype, _, _, interlace = hdr
if depth != 8 or ctype not in (2, 6) or interlace:
    fail('unexpected PNG format %s' % (hdr,))
bpp = 3 if ctype == 2 else 4
raw = zlib.decompress(idat)
stride = width * bpp
need = min(height, int(max(f['y'] + f['h'] for f in frames)) + 2)
rows, prev = [], bytearray(stride)
for y in range(need):
    ft = raw[y * (stride + 1)]
    cur = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
    if ft == 1:
        for i in range(bpp, stride):
            cur[i] = (cur[i] + cur[i - bpp]) & 255
    elif ft == 2:
        for i in range(stride):
            cur[i] = (cur[i] + prev[i]) & 255
    elif ft == 3:
        for i in range(stride):
            cur[i] = (cur[i] + ((cur[i - bpp] if i >= bpp else 0) + prev[i]) // 2) & 255
    elif ft == 4:
        for i in range(stride):
            a = cur[i - bpp] if i >= bpp else 0
            b, c = prev[i], (prev[i - bpp] if i >= bpp else 0)
            p = a + b - c
            pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            cur[i] = (cur[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
    rows.append(cur)
    prev = cur

def pixel(x, y):
    i = x * bpp
    return tuple(rows[y][i:i + 3])

colours = {pixel(x, y) for y in range(0, need, 2) for x in range(0, width, 2)}
if len(colours) < 16:
    fail('screenshot nearly blank: %d distinct colours' % len(colours))
# every frame wide enough to hit a pixel is drawn in its own fill colour
checked = 0
for f in frames:
    if f['w'] < 6:
        continue
    x, y = int(f['x']) + 2, int(f['y'] + f['h'] / 2)
    want = tuple(int(v) for v in re.findall(r'\d+', f['fill']))
    got = pixel(x, y)
    if max(abs(a - b) for a, b in zip(got, want)) > 4:
        fail('frame %s: pixel (%d, %d) is rgb%s, the SVG fills it with rgb%s'
             % (f['name'], x, y, got, want))
    checked += 1
if checked < 5:
    fail('only %d frames wide enough to check on the screenshot' % checked)
print('svg_render: chromium: %dx%d PNG, %d bytes, %d colours; %d frames drawn in their colours'
      % (width, height, len(data), len(colours), checked))
EOF
echo "svg_render: ok"

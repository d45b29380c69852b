#!/bin/sh
# SPDX-License-Identifier: MIT
# Exact mode (--raw FILE) on a traced tracker replay: the file holds one line
# per call, so its lines per probe equal the table's Calls and the JSON's
# call_count exactly, and so do its durations' sum and the totals; the
# percentiles computed exactly from it (sorted[int(n*q)]) are the report's
# P95x/P99x columns and the JSON's "exact" figures, and the histogram's
# p50/p95/p99 are within 1% of them. Root only.
#   BUILD=build sh tests/bpf/raw_mode.sh
set -eu
. tests/bpf/common.shlib
SCRIPT=$SHARED/samples/evening_news_broadcast.md

require_root raw_mode
require raw_mode "$TRACE" "$REPLAY" "$GEN" "$SCRIPT"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

"$GEN" --seed 11 -o "$tmp/events.jsonl" "$SCRIPT"
rc=0
# raw figures: the file, table and JSON compared to the nanosecond, with
# no resolution bounds in the way
"$TRACE" -q --no-compensate --raw "$tmp/calls.raw" --json "$tmp/report.json" \
	-- "$REPLAY" "$SCRIPT" "$tmp/events.jsonl" > "$tmp/run.out" 2> "$tmp/run.err" || rc=$?
if [ $rc -ne 0 ]; then
	cat "$tmp/run.err" >&2
	echo "raw_mode: FAIL: traced run exited $rc" >&2
	exit 1
fi
grep -v '^{"i": ' "$tmp/run.out" > "$tmp/table" || true

python3 - "$tmp/table" "$tmp/calls.raw" "$tmp/report.json" <<'EOF'
import json, re, sys

table_path, raw_path, json_path = sys.argv[1:4]
errors = []

def fail(msg):
    errors.append(msg)

# ---- the table: P95x/P99x next to the histogram's P95/P99 --------------------
lines = open(table_path).read().splitlines()
head = [l for l in lines if l.startswith('Function ')]
if len(head) != 1:
    sys.exit('raw_mode: FAIL: want one table, got %d' % len(head))
cols = [c for c in head[0].split() if c != 'Probes%']
want = ['Function', 'Calls', 'Total(ms)', 'Avg(ms)', 'Min(ms)', 'Max(ms)', 'Median(ms)',
        'P95(ms)', 'P95x(ms)', 'P99(ms)', 'P99x(ms)']
if cols != want:
    sys.exit('raw_mode: FAIL: columns %s, want %s' % (cols, want))
rows = {}
for l in lines:
    m = re.match(r'^(\w+)\*?\s+(\d+(?:\s+[\d.]+){9})$', l)
    if m:
        v = m.group(2).split()
        rows[m.group(1)] = dict(zip(want[1:], [int(v[0])] + [float(x) for x in v[1:]]))

# ---- the raw file: one line per call ------------------------------------------
durs, depths, tids, calls = {}, {}, set(), {}
with open(raw_path) as f:
    for l in f:
        if l.startswith('#'):
            continue
        name, tid, start, dur, depth, cold = l.split()
        calls[name] = calls.get(name, 0) + 1
        # a site's first calls are cold: counted, kept out of the figures
        if cold == '0':
            durs.setdefault(name, []).append(int(dur))
        depths.setdefault(name, set()).add(int(depth))
        tids.add(tid)

report = json.load(open(json_path))
stats = {s['name']: s for s in report['stats'] if s['call_count']}
if sum(report['dropped'].values()) - report['dropped'].get('total', 0) or report['dropped'].get('total'):
    fail('events dropped: %s' % report['dropped'])
# probes called only cold (once-run parsing) have bounds, not figures
warm = {n for n in stats if stats[n]['call_count'] > stats[n]['cold_calls']}
if set(calls) != set(stats) or set(durs) != warm or set(rows) != warm:
    fail('probes: raw %s, table %s, json %s' % (sorted(durs), sorted(rows), sorted(stats)))
if len(tids) != 1:
    fail('the replay is single-threaded, raw file has tids %s' % sorted(tids))
if depths.get('tracker_update') != {0}:
    fail('tracker_update is always outermost, raw depths %s' % depths.get('tracker_update'))

def rank(sorted_v, q):
    n = len(sorted_v)
    return sorted_v[min(int(n * q), n - 1)]

print('raw_mode: %-34s %6s  %9s %9s %9s  (histogram vs exact, us)' % ('probe', 'calls', 'p50', 'p95', 'p99'))
worst = 0.0
for name in sorted(stats, key=lambda n: -len(durs.get(n, []))):
    s, d, r = stats[name], sorted(durs.get(name, [])), rows.get(name)
    if not d or not r:
        continue
    n = len(d)
    # exact counts: the file, the table, the JSON
    if not (calls[name] == r['Calls'] == s['call_count'] and
            n == s['exact']['samples'] == s['call_count'] - s['cold_calls']):
        fail('%s: %d raw lines (%d warm), table %d calls, json %d (exact samples %d)'
             % (name, calls[name], n, r['Calls'], s['call_count'], s['exact']['samples']))
    if abs(sum(d) / 1e6 - s['total_time_ms']) > 1e-6 * n + 1e-6:
        fail('%s: raw durations sum to %.6f ms, json total %.6f ms' % (name, sum(d) / 1e6, s['total_time_ms']))
    cells = []
    for q, hist_key, exact_key, col in ((0.5, 'median_time_ms', 'p50_time_ms', None),
                                        (0.95, 'p95_time_ms', 'p95_time_ms', 'P95x(ms)'),
                                        (0.99, 'p99_time_ms', 'p99_time_ms', 'P99x(ms)')):
        exact = rank(d, q)
        hist = s[hist_key] * 1e6
        # the JSON's exact figures and the table's exact columns are these
        if abs(s['exact'][exact_key] * 1e6 - exact) > 1.0:
            fail('%s p%g: json exact %.0f ns, raw file %d ns' % (name, q * 100, s['exact'][exact_key] * 1e6, exact))
        if col and abs(r[col] - exact / 1e6) > 0.0005 + 1e-9:
            fail('%s %s: table %.3f ms, raw file %.6f ms' % (name, col, r[col], exact / 1e6))
        # the histogram: within 1% (values under 100 ns: within 1 ns, the
        # histogram's unit there)
        err = abs(hist - exact)
        rel = err / exact if exact else (0 if err < 1 else 1)
        if exact >= 100:
            worst = max(worst, rel)
        if err > max(0.01 * exact, 1.0):
            fail('%s p%g: histogram %.0f ns, exact %d ns (%.2f%%)' % (name, q * 100, hist, exact, rel * 100))
        cells.append('%9s' % ('%.3f/%.3f' % (hist / 1e3, exact / 1e3) if exact >= 1000 else '%.0f/%dns' % (hist, exact)))
    print('raw_mode: %-34s %6d  %s' % (name, n, ' '.join(cells)))
print('raw_mode: histogram vs exact: worst relative error %.3f%% (values >= 100 ns)' % (worst * 100))
if errors:
    sys.exit('raw_mode: FAIL:\n  ' + '\n  '.join(errors))
EOF
echo "raw_mode: ok"

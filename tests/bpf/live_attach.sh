#!/bin/sh
# SPDX-License-Identifier: MIT
# The live-PID workflow (issue #4): a paced autocue-replay runs, fed through
# a named pipe like a live recogniser; two autocue-trace attach to it by PID
# at the same time, one printing a table every second (cumulative) and a
# final one, the other starting every interval from zero
# (--reset-each-interval) with a JSON report per interval; both detach after
# their --duration with exit 0; the replay carries on, finishes, and its
# output is byte-identical to an untraced run. Root only.
#   BUILD=build sh tests/bpf/live_attach.sh
set -eu
. tests/bpf/common.shlib
SCRIPT=$SHARED/samples/sample_script.md
PACE=20		# ms an event: at most 1000 / PACE tracker updates a second

require_root live_attach
require live_attach "$TRACE" "$REPLAY" "$GEN" "$SCRIPT"

tmp=$(mktemp -d)
pid=
cleanup() {
	exec 3>&- 2>/dev/null || true
	[ -n "$pid" ] && kill "$pid" 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM
fail() {
	echo "live_attach: FAIL: $*" >&2
	exit 1
}

"$GEN" --seed 3 -o "$tmp/events.jsonl" "$SCRIPT"
"$REPLAY" "$SCRIPT" "$tmp/events.jsonl" > "$tmp/untraced.jsonl"
events=$(wc -l < "$tmp/events.jsonl")
first=200	# 4 s of events while the tracers are attached (3 s)
[ "$events" -gt $((first + 50)) ] || fail "session too short ($events events)"

# The replay reads its events from a named pipe, as from a live recogniser:
# the first 4 s of events now, the rest once both tracers have detached, so
# it is still running then however long detaching takes.
mkfifo "$tmp/events.fifo"
"$REPLAY" --realtime=$PACE "$SCRIPT" "$tmp/events.fifo" > "$tmp/traced.jsonl" &
pid=$!
exec 3> "$tmp/events.fifo"
sed -n "1,${first}p" "$tmp/events.jsonl" >&3
n=0
while [ ! -s "$tmp/traced.jsonl" ]; do
	n=$((n + 1))
	[ $n -lt 100 ] || fail "the replay printed nothing in 5 s"
	sleep 0.05
done

"$TRACE" -p "$pid" --interval 1 -d 2 > "$tmp/cumulative.txt" 2> "$tmp/cumulative.err" &
t1=$!
"$TRACE" -p "$pid" --interval 1 --reset-each-interval -d 3 --json "$tmp/last.json" \
	> "$tmp/reset.txt" 2> "$tmp/reset.err" &
t2=$!
rc1=0; wait $t1 || rc1=$?
rc2=0; wait $t2 || rc2=$?
[ $rc1 -eq 0 ] || { cat "$tmp/cumulative.err" >&2; fail "autocue-trace -p -i 1 -d 2 exited $rc1"; }
[ $rc2 -eq 0 ] || { cat "$tmp/reset.err" >&2; fail "autocue-trace --reset-each-interval exited $rc2"; }

# both tracers are gone; the replay is still running: the rest of the
# session, then the end of input, and it finishes
kill -0 "$pid" 2>/dev/null || fail "the replay died while traced"
sed -n "$((first + 1)),\$p" "$tmp/events.jsonl" >&3
exec 3>&-
rc=0; wait "$pid" || rc=$?
pid=
[ $rc -eq 0 ] || fail "the replay exited $rc after being traced"
cmp -s "$tmp/traced.jsonl" "$tmp/untraced.jsonl" ||
	fail "the traced replay's output differs from the untraced run's"

python3 - "$tmp/cumulative.txt" "$tmp/reset.txt" "$tmp/last.json" "$PACE" <<'EOF'
import json, re, sys

def tables(path):
    """[(title, {name: calls})] in order; title '' when the table has none."""
    out, title, rows = [], None, None
    for line in open(path):
        line = line.rstrip('\n')
        if line.startswith('Function '):
            rows = {}
            out.append((title or '', rows))
            title = None
        elif re.match(r"^(interval \d+ \([\d.]+ s\), \d\d:\d\d:\d\d|final|session total \(.*\))$", line):
            title, rows = line, None
        elif rows is not None:
            m = re.match(r'^(\w+)\*?\s+(\d+)\s', line)
            if m:
                rows[m.group(1)] = int(m.group(2))
            elif not line.startswith('-'):
                rows = None
    return out

def fail(msg):
    sys.exit('live_attach: FAIL: ' + msg)

cum, reset, js, pace = tables(sys.argv[1]), tables(sys.argv[2]), sys.argv[3], int(sys.argv[4])
for name, t in (('cumulative', cum), ('reset', reset)):
    titles = [x[0] for x in t]
    print('live_attach: %s tables: %s' % (name, ', '.join(
        '%s [tracker_update %d]' % (ti or '(untitled)', r.get('tracker_update', 0)) for ti, r in t)))
    last = 'final' if name == 'cumulative' else 'session total'
    if len(t) < 2 or not titles[0].startswith('interval 1 ') or not titles[-1].startswith(last):
        fail('%s: want interval tables then a "%s" one, got %s' % (name, last, titles))
    for ti, rows in t:
        if rows.get('tracker_update', 0) == 0:
            fail('%s: table "%s" has no tracker_update calls' % (name, ti))

# cumulative: counts never go down from one table to the next
# and the final one (2 s) holds the first interval's calls plus at least
# half of what the pacing delivers in the second: a table that restarted
# from zero would hold about the first interval's count again
c = [r['tracker_update'] for _, r in cum]
if c != sorted(c):
    fail('cumulative tables decrease: %s' % c)
if c[-1] < c[0] + 0.5 * 1000 / pace:
    fail('cumulative: final %d calls, not first interval %d + a second\'s worth (%d)'
         % (c[-1], c[0], 1000 / pace))

# reset each interval: every interval's count is bounded by what the pacing
# allows in its own duration (a cumulative table would hold ~2x in the
# second interval); intervals 1 and 2 both present
ints = [(ti, r) for ti, r in reset if ti.startswith('interval')]
if [ti.split()[1] for ti, _ in ints] != ['1', '2']:
    fail('reset: want intervals 1 and 2, got %s' % [ti for ti, _ in ints])
for ti, r in ints:
    secs = float(re.search(r'\(([\d.]+) s\)', ti).group(1))
    bound = (secs + 0.1) * 1000 / pace + 2
    if r['tracker_update'] > bound:
        fail('reset: %s has %d tracker_update calls, more than %d events can arrive in %.1f s'
             % (ti, r['tracker_update'], bound, secs))
if ints[1][1]['tracker_update'] >= cum[-1][1]['tracker_update']:
    fail('reset: interval 2 (%d calls) is not smaller than the cumulative 2 s total (%d)'
         % (ints[1][1]['tracker_update'], cum[-1][1]['tracker_update']))

# with --reset-each-interval the final table is the session total, not the
# last part: exactly the intervals' calls added up, with the last part's
total = reset[-1][1]['tracker_update']
parts = sum(r['tracker_update'] for ti, r in ints)
if total < parts or total < cum[-1][1]['tracker_update'] * 0.5:
    fail('reset: the session total (%d calls) is not the intervals\' sum (%d) and more'
         % (total, parts))

# --json with --interval: JSON Lines, one report a line per interval, then
# the final one; with --reset-each-interval each interval covers its own
# only, and the final one is the session total
with open(js) as f:
    j = [json.loads(line) for line in f]
if len(j) != len(reset) or not all(isinstance(r, dict) for r in j):
    fail('--json: want %d lines of reports (intervals + final), got %d'
         % (len(reset), len(j)))
for k, (rep, (ti, rows)) in enumerate(zip(j, reset)):
    stats = {s['name']: s for s in rep['stats']}
    if rep.get('interval') != k + 1:
        fail('--json report %d: interval %s' % (k, rep.get('interval')))
    if rep.get('final') != (k == len(j) - 1):
        fail('--json report %d: final is %s' % (k, rep.get('final')))
    final = k == len(j) - 1
    if not final and rep['duration_s'] > 1.5:
        fail('--json report %d covers %.2f s, not one interval' % (k, rep['duration_s']))
    if final and rep['duration_s'] < 2.5:
        fail('--json final report covers %.2f s, not the 3 s session' % rep['duration_s'])
    if stats['tracker_update']['call_count'] != rows['tracker_update']:
        fail('--json report %d: tracker_update %d calls, its table "%s" says %d'
             % (k, stats['tracker_update']['call_count'], ti, rows['tracker_update']))
print('live_attach: --json: %d reports, tracker_update %s, as in the tables'
      % (len(j), [ {s['name']: s for s in r['stats']}['tracker_update']['call_count'] for r in j]))
EOF
echo "live_attach: ok ($events events, $first while traced; traced output identical to untraced)"

#!/bin/sh
# make soak: the tracer's memory over a long session (root). autocue-trace
# traces overhead_target's tight loop of traced calls (the highest call
# rate this machine sustains: one core calling, the other tracing) with a
# table, a JSON Lines report and folded stacks every second, for
# SOAK_SECONDS (default 600). Its RSS is sampled every second; after the
# first minute it must stay within 1 MiB (SOAK_SLACK_KB). Prints the
# figures the README quotes; exits 1 when memory grew.
set -eu
BUILD=${BUILD:-build}
SECS=${SOAK_SECONDS:-600}
WARM=${SOAK_WARMUP:-60}
SLACK=${SOAK_SLACK_KB:-1024}
TRACE=$BUILD/autocue-trace
TARGET=$BUILD/bench/overhead_target
OUT=${SOAK_DIR:-$BUILD/soak}

[ "$(id -u)" -eq 0 ] || { echo "soak: needs root (BPF)" >&2; exit 1; }
mkdir -p "$OUT"
rm -f "$OUT/rss.log" "$OUT/soak.jsonl" "$OUT/soak.folded"

"$TRACE" -q -i 1 -d "$SECS" --json "$OUT/soak.jsonl" --folded "$OUT/soak.folded" \
	-- "$TARGET" loop 1000000000000 1 > /dev/null 2> "$OUT/soak.err" &
tracer=$!
t=0
while kill -0 $tracer 2>/dev/null; do
	rss=$(awk '/^VmRSS:/ { print $2 }' /proc/$tracer/status 2>/dev/null || true)
	[ -n "$rss" ] && echo "$t $rss" >> "$OUT/rss.log"
	sleep 1
	t=$((t + 1))
done
rc=0
wait $tracer || rc=$?
[ $rc -eq 0 ] || { echo "soak: autocue-trace exited $rc: $(cat "$OUT/soak.err")" >&2; exit 1; }

python3 - "$OUT" "$WARM" "$SLACK" <<'PY'
import json, sys
out, warm, slack = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
samples = [tuple(map(int, l.split())) for l in open(out + '/rss.log')]
after = [kb for t, kb in samples if t >= warm]
lines = [json.loads(l) for l in open(out + '/soak.jsonl')]
calls = sum(s['call_count'] for s in lines[-1]['stats'])
dur = lines[-1]['duration_s']
if not after:
    sys.exit('soak: no samples after %d s' % warm)
lo, hi = min(after), max(after)
print('soak: %d s, %d calls (%.2f M/s), %d JSON lines; tracer RSS %d KiB at %d s, '
      '%d KiB at the end, %d..%d KiB after %d s (spread %d KiB, allowed %d)'
      % (dur, calls, calls / dur / 1e6, len(lines), samples[0][1], samples[0][0],
         samples[-1][1], lo, hi, warm, hi - lo, slack))
if not lines[-1].get('final'):
    sys.exit('soak: the JSON Lines file has no final report')
if hi - lo > slack:
    sys.exit('soak: tracer memory grew by %d KiB after the first %d s' % (hi - lo, warm))
PY

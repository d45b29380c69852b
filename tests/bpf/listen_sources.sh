#!/bin/sh
# --listen with the other ways of choosing what to trace (issue 12): --comm
# matching two processes (a series per process, each labelled with its own
# PID, counts exact; tables every -i), --func on a libc function and
# --python in a CPython process by PID (exact counts, no table printed
# while serving); the tracer's gauges and an unmatched return counted as a
# lost event. Scraped with curl on loopback, the port the kernel's.
# Root only.
set -u
. tests/bpf/common.shlib
require_root listen_sources
require listen_sources "$TRACE" "$TARGET"
TMP=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; wait 2>/dev/null; rm -rf "$TMP"' EXIT
. tests/common/check.shlib
PY=/usr/bin/python3

# serve NAME ARGS...: autocue-trace ARGS --listen 127.0.0.1:0 in the
# background ($trc), its address in $addr once it serves
serve() {
	name=$1
	shift
	"$TRACE" "$@" --listen 127.0.0.1:0 >"$TMP/$name.out" 2>"$TMP/$name.err" &
	trc=$!
	until grep -q '^Serving metrics on' "$TMP/$name.err" 2>/dev/null || ! kill -0 $trc 2>/dev/null; do
		sleep 0.05
	done
	addr=$(sed -n 's|^Serving metrics on http://\(.*\)/metrics$|\1|p' "$TMP/$name.err")
	# attached once it says so
	until grep -q '^Tracing' "$TMP/$name.err" 2>/dev/null || ! kill -0 $trc 2>/dev/null; do
		sleep 0.05
	done
}

# metric LABELS_REGEX START: the value of the sample whose line starts with
# START and whose labels match
metric() {
	curl -s --max-time 5 "http://$addr/metrics" |
		awk -v n="$2" -v l="$1" 'index($0, n) == 1 && $0 ~ l { print $NF; exit }'
}

# --- --comm: two processes of a name, a series each -------------------------
# a latency_target of ROUNDS rounds waiting on FIFO, whose writer is opened
# next (the open of the reader waits for it); its PID in $tp
start_target() {	# FIFO ROUNDS
	mkfifo "$TMP/$1"
	$TARGET -w -r "$2" <"$TMP/$1" >"$TMP/$1.out" &
	tp=$!
}
wait_ready() {
	until grep -q ready "$TMP/$1.out" 2>/dev/null || ! kill -0 $2 2>/dev/null; do
		sleep 0.01
	done
}
start_target a 1
pa=$tp
exec 4>"$TMP/a"
start_target b 2
pb=$tp
exec 5>"$TMP/b"
wait_ready a $pa
wait_ready b $pb
serve comm --comm latency_target -i 0.3 4>&- 5>&-
echo go >&4
echo go >&5
until grep -q done "$TMP/a.out" && grep -q done "$TMP/b.out"; do sleep 0.05; done
# one round: round 1, outer 10, work_1ms 5 (latency_target's comment)
got="$(metric "pid=\"$pa\"" 'autocue_calls_total{probe="round"') $(metric "pid=\"$pb\"" 'autocue_calls_total{probe="round"')"
got="$got $(metric "pid=\"$pa\"" 'autocue_calls_total{probe="outer"') $(metric "pid=\"$pb\"" 'autocue_calls_total{probe="outer"')"
if [ "$got" = "1 2 10 20" ] &&
   [ "$(metric "pid=\"$pb\",comm=\"latency_target\"" 'autocue_call_duration_seconds_count{probe="work_1ms"')" -ge 8 ]; then
	ok "--comm NAME --listen: a series per process, each its own PID's counts (round 1 and 2, outer 10 and 20)"
else
	bad "--comm --listen: round, outer of $pa and $pb: $got; $(cat "$TMP/comm.err")"
fi
# the tracer's own gauges, live
curl -s "http://$addr/metrics" >"$TMP/comm.prom"
g() { awk -v n="$1{" 'index($0, n) == 1 { print $NF; exit }' "$TMP/comm.prom"; }
if [ "$(g autocue_attached_probes)" = 11 ] &&
   $PY -c 'import sys; sys.exit(not all(float(v) > 0 for v in sys.argv[1:]))' \
	"$(g autocue_map_bytes)" "$(g autocue_probe_cost_seconds)" \
	"$(g autocue_tracer_cpu_seconds_total)" "$(g autocue_resolution_seconds)" 2>/dev/null; then
	ok "gauges: 11 probes attached, map bytes $(g autocue_map_bytes), probe cost $(g autocue_probe_cost_seconds) s, tracer CPU $(g autocue_tracer_cpu_seconds_total) s"
else
	bad "gauges: $(grep -E '^autocue_(attached|map|probe_cost|tracer|resolution)' "$TMP/comm.prom")"
fi
sleep 0.5
grep -q '^Function' "$TMP/comm.out" && ok "--listen -i 0.3: tables every interval" ||
	bad "--listen -i: no table: $(head -3 "$TMP/comm.out")"
kill -TERM $trc
wait $trc && ok "SIGTERM: exit 0" || bad "--comm --listen: SIGTERM exit $?"
exec 4>&- 5>&-

# --- a return without its entry: counted as lost, reason unmatched_returns ---
# (latency_target -m waits inside "waiting": the tracer attaches mid-call)
mkfifo "$TMP/m"
$TARGET -m -r 1 <"$TMP/m" >"$TMP/m.out" &
pm=$!
exec 4>"$TMP/m"
wait_ready m $pm
serve unmatched -p $pm 4>&-
echo go >&4
until grep -q done "$TMP/m.out"; do sleep 0.05; done
got=$(metric 'reason="unmatched_returns"' 'autocue_lost_events_total{')
[ "$got" = 1 ] && ok "the return of a call begun before attach: autocue_lost_events_total{reason=\"unmatched_returns\"} 1" ||
	bad "unmatched returns: $got; $(cat "$TMP/unmatched.err")"
kill -TERM $trc
wait $trc || bad "-m --listen: SIGTERM exit $?"
exec 4>&-

# --- --func and --python in a CPython process by PID -------------------------
mkdir "$TMP/py"
printf 'def f():\n    return g()\n\n\ndef g():\n    return 1\n' >"$TMP/py/lsrc.py"
mkfifo "$TMP/py.in"
# CPython 3.11 fires function__entry only while a profiler is set
$PY -c 'import os, sys
sys.path.insert(0, sys.argv[1])
import lsrc
sys.setprofile(lambda *a: None)
print("ready", flush=True)
for line in sys.stdin:
    for i in range(50):
        lsrc.f()
    for i in range(70):
        os.getppid()
    print("done", flush=True)' "$TMP/py" <"$TMP/py.in" >"$TMP/py.out" &
pyp=$!
exec 4>"$TMP/py.in"
until grep -q ready "$TMP/py.out" 2>/dev/null || ! kill -0 $pyp 2>/dev/null; do sleep 0.01; done

serve python -p $pyp --python 'lsrc.*' 4>&-
echo go >&4
until [ "$(grep -c done "$TMP/py.out")" -ge 1 ]; do sleep 0.05; done
got="$(metric "pid=\"$pyp\"" 'autocue_calls_total{probe="lsrc.f"') $(metric "pid=\"$pyp\"" 'autocue_calls_total{probe="lsrc.g"')"
[ "$got" = "50 50" ] && ok "--python --listen by PID: lsrc.f and lsrc.g 50 calls each" ||
	bad "--python --listen: lsrc.f, lsrc.g: $got; $(cat "$TMP/python.err")"
[ ! -s "$TMP/python.out" ] && ok "--listen without -i prints no table" ||
	bad "--listen printed: $(head -3 "$TMP/python.out")"
kill -TERM $trc
wait $trc || bad "--python --listen: SIGTERM exit $?"

serve func -p $pyp --func getppid 4>&-
echo go >&4
until [ "$(grep -c done "$TMP/py.out")" -ge 2 ]; do sleep 0.05; done
got=$(metric "pid=\"$pyp\"" 'autocue_calls_total{probe="getppid"')
[ "$got" = 70 ] && ok "--func getppid --listen by PID: 70 calls of libc's getppid" ||
	bad "--func --listen: getppid $got; $(cat "$TMP/func.err")"
kill -TERM $trc
wait $trc || bad "--func --listen: SIGTERM exit $?"
exec 4>&-
finish listen_sources

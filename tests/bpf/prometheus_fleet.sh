#!/bin/sh
# System-wide by binary: `-b BINARY --listen` without -p, scraped by a real
# Prometheus (started here on loopback). Three processes of one binary: A
# and B running before the attach, C started after it; B exits mid-run.
# Each appears with its pid and comm labels and exact counts; B's series
# disappear and its calls move to the pid="exited" series, so sums over
# processes never go down. Then --max-series: calls beyond it stay in the
# totals and are counted as lost. Root only.
set -u
. tests/bpf/common.shlib
require_root prometheus_fleet
require prometheus_fleet "$TRACE" "$TARGET"
TMP=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; wait 2>/dev/null; rm -rf "$TMP"' EXIT
. tests/common/check.shlib
PY=/usr/bin/python3
. tests/bpf/prometheus.shlib
need_tools prometheus_fleet
BIN=$(realpath "$TARGET")

# start NAME FD ROUNDS: latency_target -w on a fifo this shell holds on FD;
# its PID in $spid once it said "ready"
start() {
	mkfifo "$TMP/$1.in"
	$TARGET -w -r $3 <"$TMP/$1.in" >"$TMP/$1.out" 5>&- 6>&- 7>&- &
	spid=$!
	eval "exec $2>\"$TMP/$1.in\""
	until grep -q ready "$TMP/$1.out" 2>/dev/null || ! kill -0 $spid 2>/dev/null; do
		sleep 0.01
	done
}

# wait_done NAME: its rounds are over (it waits for EOF then)
wait_done() {
	until grep -q done "$TMP/$1.out" 2>/dev/null; do sleep 0.02; done
}

start A 5 1
A=$spid
start B 6 2
B=$spid
$TRACE -b "$BIN" --listen 127.0.0.1:0 --json "$TMP/final.json" \
	>"$TMP/trace.out" 2>"$TMP/trace.err" 5>&- 6>&- 7>&- &
trc=$!
until grep -q '^Serving metrics on' "$TMP/trace.err" 2>/dev/null || ! kill -0 $trc 2>/dev/null; do
	sleep 0.05
done
addr=$(sed -n 's|^Serving metrics on http://\(.*\)/metrics$|\1|p' "$TMP/trace.err")
grep -q "every process running it" "$TMP/trace.err" && [ -n "$addr" ] &&
	ok "-b alone: every process running it, metrics on $addr" ||
	bad "system-wide start: $(cat "$TMP/trace.err")"
echo go >&5
echo go >&6
start C 7 3
C=$spid
echo go >&7
wait_done A
wait_done B
wait_done C

PPORT=$(free_port)
cat >"$TMP/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
scrape_configs:
  - job_name: fleet
    static_configs:
      - targets: ['$addr']
EOF
prometheus --config.file="$TMP/prometheus.yml" --storage.tsdb.path="$TMP/data" \
	--web.listen-address="127.0.0.1:$PPORT" >"$TMP/prom.log" 2>&1 5>&- 6>&- 7>&- &
prom=$!

# inner: 30 a round; work_1ms: 5 a round (one thread)
all=1
for pr in $A:1 $B:2 $C:3; do
	pid=${pr%:*} r=${pr#*:}
	for pc in inner:$((30 * r)) work_1ms:$((5 * r)) work_1us:$((100 * r)); do
		probe=${pc%:*} n=${pc#*:}
		sel="{job=\"fleet\",pid=\"$pid\",comm=\"latency_target\",probe=\"$probe\"}"
		wait_for "autocue_calls_total$sel" $n ||
			{ bad "pid $pid $probe: $(query "autocue_calls_total$sel"), not $n"; all=0; }
	done
done
[ $all = 1 ] && ok "A (before attach, 1 round), B (before, 2), C (after, 3): each its own pid and comm, exact counts"
# each process pays the uprobe set-up at its own first hits: its first
# call of each probe is cold, C's too though A and B hit the sites before
all=1
for pid in $A $B $C; do
	v=$(query "autocue_cold_calls_total{job=\"fleet\",pid=\"$pid\",probe=\"work_1ms\"}")
	[ "$v" != none ] && [ "$v" -ge 1 ] || { bad "pid $pid: $v cold work_1ms calls"; all=0; }
done
[ $all = 1 ] && ok "A, B and C: each one's first work_1ms calls cold (kept out of its durations)"
wait_for "sum(autocue_calls_total{job=\"fleet\",probe=\"inner\"})" 180 &&
	ok "summed over processes: 180 inner calls" ||
	bad "sum of inner: $(query "sum(autocue_calls_total{job=\"fleet\",probe=\"inner\"})")"

# B exits: its series go, its calls land in pid="exited"
exec 6>&-
wait $B
if wait_for "autocue_calls_total{job=\"fleet\",pid=\"exited\",probe=\"inner\"}" 60 &&
   wait_for "count(autocue_calls_total{job=\"fleet\",pid=\"$B\"})" none &&
   wait_for "sum(autocue_calls_total{job=\"fleet\",probe=\"inner\"})" 180 &&
   [ "$(query "autocue_calls_total{job=\"fleet\",pid=\"$A\",probe=\"inner\"}")" = 30 ]; then
	ok "B exited: its series gone, its 60 inner calls under pid=\"exited\", the sum still 180"
else
	bad "after B's exit: exited $(query "autocue_calls_total{job=\"fleet\",pid=\"exited\",probe=\"inner\"}"), B's series $(query "count(autocue_calls_total{job=\"fleet\",pid=\"$B\"})"), sum $(query "sum(autocue_calls_total{job=\"fleet\",probe=\"inner\"})")"
fi
# the histogram of one process, through Prometheus
hc=$(query "autocue_call_duration_seconds_count{job=\"fleet\",pid=\"$C\",probe=\"work_1ms\"} + ignoring() autocue_cold_calls_total{job=\"fleet\",pid=\"$C\",probe=\"work_1ms\"}")
[ "$hc" = 15 ] && ok "C's work_1ms histogram: _count + cold = 15" || bad "C's work_1ms histogram count: $hc"
kill -TERM $trc
wait $trc
rc=$?
tot=$($PY -c 'import json, sys
r = json.load(open(sys.argv[1]))
print([s for s in r["stats"] if s["name"] == "inner"][0]["call_count"])' "$TMP/final.json" 2>/dev/null)
[ $rc -eq 0 ] && [ "$tot" = 180 ] && ok "SIGTERM: exit 0, --json totals of every process: 180 inner calls" ||
	bad "SIGTERM: exit $rc, json inner $tot"
exec 5>&- 7>&-
wait $A $C

# --- --max-series: 3 (process, probe) pairs kept apart in the kernel, calls
# beyond counted; one 2-thread process exits first, one stays
$TRACE -b "$BIN" --listen 127.0.0.1:0 --max-series 3 --json "$TMP/ms.json" \
	>"$TMP/ms.out" 2>"$TMP/ms.err" &
trc=$!
until grep -q '^Serving metrics on' "$TMP/ms.err" 2>/dev/null || ! kill -0 $trc 2>/dev/null; do
	sleep 0.05
done
addr=$(sed -n 's|^Serving metrics on http://\(.*\)/metrics$|\1|p' "$TMP/ms.err")
$TARGET -r 1 -t 2 >/dev/null
# an exited process's entries are folded within a second: room again
sleep 1.5
start D 5 1
D=$spid
echo go >&5
wait_done D
curl -s "http://$addr/metrics" >"$TMP/ms.prom"
exec 5>&-
wait $D
kill -TERM $trc
wait $trc
# the live process: 3 of its 9 called probes kept apart (the exited
# set adds at most one series a probe)
series=$(grep -c "^autocue_calls_total{.*pid=\"$D\"" "$TMP/ms.prom")
lost=$(sed -n 's/^autocue_lost_events_total{.*reason="per_process_full"} //p' "$TMP/ms.prom")
tot=$($PY -c 'import json, sys
r = json.load(open(sys.argv[1]))
print([s for s in r["stats"] if s["name"] == "inner"][0]["call_count"])' "$TMP/ms.json" 2>/dev/null)
[ "$series" -eq 3 ] && [ "${lost:-0}" -gt 0 ] && [ "$tot" = 90 ] &&
	ok "--max-series 3: a live process's series 3, $lost calls counted as per_process_full, totals exact (90 inner calls)" ||
	bad "--max-series: $series series, lost $lost, inner total $tot"
expect_error "--max-series 0" "invalid --max-series" $TRACE -b "$BIN" --max-series 0
expect_error "--max-overhead without a process" "needs one process" $TRACE -b "$BIN" --max-overhead 5
kill $prom
wait $prom 2>/dev/null
finish prometheus_fleet

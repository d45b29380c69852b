#!/bin/sh
# make bench-metrics (root): what a Prometheus scrape of --listen costs.
# 16 processes of probes64_target (64 probe pairs, each called 10 times a
# second) traced system-wide with `-b BINARY --listen`; then SCRAPES
# scrapes with curl, 0.2 s apart: the median scrape latency and response
# size, and the tracer's own CPU per scrape (its threads' run time over the
# scrape, less what it spends idle over the same time), hence its share of
# a CPU when scraped every second; in the text format, then in protobuf
# with native histograms (what Prometheus asks for with
# --enable-feature=native-histograms). Anchor, side by side: Prometheus's own
# /metrics endpoint (Go's client library), scraped the same way.
set -u
BUILD=${BUILD:-build}
TRACE=$BUILD/autocue-trace
T64=$(realpath "$BUILD/bench/probes64_target")
NPROC=${NPROC:-16}
SCRAPES=${SCRAPES:-50}
PY=/usr/bin/python3
TMP=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; wait 2>/dev/null; rm -rf "$TMP"' EXIT
[ "$(id -u)" -eq 0 ] || { echo "bench-metrics: needs root" >&2; exit 1; }

# cpu_ns PID: CPU time of all its threads, in ns (schedstat: the server
# thread is not the main one)
cpu_ns() {
	cat /proc/$1/task/*/schedstat 2>/dev/null | awk '{ s += $1 } END { printf "%.0f\n", s }'
}
now() { date +%s.%N; }

# scrape_run URL [ACCEPT] [PID]: SCRAPES scrapes, GAP seconds apart (more
# than the endpoint's 100 ms of sharing one rendering: each scrape renders
# anew); per line: seconds, bytes, and PID's CPU ns and wall seconds over
# the scrape
GAP=0.2
scrape_run() {
	i=0
	while [ $i -lt $SCRAPES ]; do
		c0=$(cpu_ns ${3:-$$}) t0=$(now)
		r=$(curl -s -o /dev/null ${2:+-H "Accept: $2"} \
			-w '%{time_total} %{size_download}' "$1")
		c1=$(cpu_ns ${3:-$$}) t1=$(now)
		echo "$r $((c1 - c0)) $t0 $t1"
		sleep $GAP
		i=$((i + 1))
	done
}

median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

$TRACE -b "$T64" --listen 127.0.0.1:0 ${BUCKETS:+--buckets $BUCKETS} >/dev/null 2>"$TMP/trace.err" &
trc=$!
until grep -q '^Serving metrics on' "$TMP/trace.err" 2>/dev/null || ! kill -0 $trc 2>/dev/null; do
	sleep 0.05
done
addr=$(sed -n 's|^Serving metrics on http://\(.*\)/metrics$|\1|p' "$TMP/trace.err")
i=0
while [ $i -lt $NPROC ]; do
	"$T64" 120 10 &
	i=$((i + 1))
done
# every process has called every probe: 64 x NPROC call counters
want=$((64 * NPROC))
for _ in $(seq 100); do
	n=$(curl -s "http://$addr/metrics" | grep -c '^autocue_calls_total{.*pid="[0-9]')
	[ "$n" -ge $want ] && break
	sleep 0.1
done
echo "bench-metrics: --buckets ${BUCKETS:-2,1us,17s (default)}; $n (process, probe) series of $NPROC processes x 64 probes, $(sed -n 's/.*probe cost \([0-9.]* us\) per call.*/probe cost \1/p' "$TMP/trace.err")"

# idle: what the tracer spends without scrapes (its 100 ms poll, the fold)
c0=$(cpu_ns $trc) t0=$(now)
sleep 5
c1=$(cpu_ns $trc) t1=$(now)
idle_rate=$($PY -c "print(($c1 - $c0) / 1e9 / ($t1 - $t0))")

# cpu_median FILE IDLE: per scrape, the CPU over it less IDLE (CPU seconds
# a second) over that time; the median of SCRAPES, in seconds
cpu_median() {
	$PY -c 'import statistics, sys
idle = float(sys.argv[2])
v = [int(l.split()[2]) / 1e9 - idle * (float(l.split()[4]) - float(l.split()[3]))
     for l in open(sys.argv[1])]
print(max(0, statistics.median(v)))' "$1" "$2"
}
PB='application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited'
scrape_run "http://$addr/metrics" "" $trc >"$TMP/ours"
scrape_run "http://$addr/metrics" "$PB" $trc >"$TMP/pb"
cpu_per=$(cpu_median "$TMP/ours" $idle_rate)
lat=$(cut -d' ' -f1 "$TMP/ours" | median)
size=$(cut -d' ' -f2 "$TMP/ours" | median)
lines=$(curl -s "http://$addr/metrics" | wc -l)
pb_cpu=$(cpu_median "$TMP/pb" $idle_rate)
pb_lat=$(cut -d' ' -f1 "$TMP/pb" | median)
pb_size=$(cut -d' ' -f2 "$TMP/pb" | median)

# the anchor: Prometheus's own endpoint
PPORT=$($PY -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
printf 'global:\n  scrape_interval: 1m\n' >"$TMP/p.yml"
prometheus --config.file="$TMP/p.yml" --storage.tsdb.path="$TMP/data" \
	--web.listen-address="127.0.0.1:$PPORT" >/dev/null 2>&1 &
prom=$!
until curl -s -o /dev/null "http://127.0.0.1:$PPORT/metrics"; do sleep 0.2; done
scrape_run "http://127.0.0.1:$PPORT/metrics" >/dev/null	# warm
scrape_run "http://127.0.0.1:$PPORT/metrics" "" $prom >"$TMP/theirs"
plat=$(cut -d' ' -f1 "$TMP/theirs" | median)
psize=$(cut -d' ' -f2 "$TMP/theirs" | median)
pcpu=$(cpu_median "$TMP/theirs" 0)

$PY - "$lat" "$size" "$lines" "$cpu_per" "$idle_rate" "$plat" "$psize" "$pcpu" "$SCRAPES" \
	"$pb_lat" "$pb_size" "$pb_cpu" <<'EOF'
import sys
lat, size, lines, cpu, idle, plat, psize, pcpu = map(float, sys.argv[1:9])
n = int(sys.argv[9])
pblat, pbsize, pbcpu = map(float, sys.argv[10:13])
print(f"{'endpoint':<42}{'median scrape':>14}{'bytes':>11}{'CPU/scrape':>12}")
print(f"{'autocue-trace --listen (text)':<42}{lat * 1e3:>11.1f} ms{size:>11.0f}{cpu * 1e3:>9.1f} ms")
print(f"{'autocue-trace --listen (protobuf, native)':<42}{pblat * 1e3:>11.1f} ms{pbsize:>11.0f}{pbcpu * 1e3:>9.1f} ms")
print(f"{'prometheus own /metrics (anchor)':<42}{plat * 1e3:>11.1f} ms{psize:>11.0f}{pcpu * 1e3:>9.1f} ms")
print(f"ratio (text / anchor): latency {lat / plat:.1f}x for {size / psize:.0f}x the bytes; "
      f"{lines:.0f} lines; medians of {n} scrapes, each rendered anew")
print(f"tracer CPU at one scrape a second: text {cpu * 100:.2f}% of a CPU, protobuf {pbcpu * 100:.2f}% "
      f"(+ {idle * 100:.2f}% idle: polling, folding exited processes)")
EOF
kill $prom $trc
wait 2>/dev/null

#!/bin/sh
# make bench-metrics (root): what a Prometheus scrape of --listen costs.
# 16 processes of probes64_target (64 probe pairs, each called 10 times a
# second) traced system-wide with `-b BINARY --listen`; then SCRAPES
# scrapes with curl, 0.2 s apart: the median scrape latency and response
# size, and the tracer's own CPU per scrape (its utime + stime over the
# scrapes, less what it spends idle over the same time), hence its share of
# a CPU when scraped every second. Anchor, side by side: Prometheus's own
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

# cpu_ticks PID: utime + stime in clock ticks (fields 14 and 15 of stat)
cpu_ticks() {
	sed 's/.*) //' /proc/$1/stat | awk '{ print $12 + $13 }'
}
now() { date +%s.%N; }

# scrape_run URL [ACCEPT]: SCRAPES scrapes, GAP seconds apart (more than the
# endpoint's 100 ms of sharing one rendering: each scrape renders anew);
# per line: seconds and bytes
GAP=0.2
scrape_run() {
	i=0
	while [ $i -lt $SCRAPES ]; do
		curl -s -o /dev/null ${2:+-H "Accept: $2"} \
			-w '%{time_total} %{size_download}\n' "$1"
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
echo "bench-metrics: --buckets ${BUCKETS:-3,1us,17s (default)}; $n (process, probe) series of $NPROC processes x 64 probes, $(sed -n 's/.*probe cost \([0-9.]* us\) per call.*/probe cost \1/p' "$TMP/trace.err")"

# idle: what the tracer spends without scrapes (its 100 ms poll, the fold)
c0=$(cpu_ticks $trc) t0=$(now)
sleep 5
c1=$(cpu_ticks $trc) t1=$(now)
tick=$(getconf CLK_TCK)
idle_rate=$($PY -c "print(($c1 - $c0) / $tick / ($t1 - $t0))")

c0=$(cpu_ticks $trc) t0=$(now)
scrape_run "http://$addr/metrics" >"$TMP/ours"
c1=$(cpu_ticks $trc) t1=$(now)
cpu_per=$($PY -c "print(max(0, (($c1 - $c0) / $tick - $idle_rate * ($t1 - $t0))) / $SCRAPES)")
lat=$(cut -d' ' -f1 "$TMP/ours" | median)
size=$(cut -d' ' -f2 "$TMP/ours" | median)
lines=$(curl -s "http://$addr/metrics" | wc -l)

# the anchor: Prometheus's own endpoint
PPORT=$($PY -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
printf 'global:\n  scrape_interval: 1m\n' >"$TMP/p.yml"
prometheus --config.file="$TMP/p.yml" --storage.tsdb.path="$TMP/data" \
	--web.listen-address="127.0.0.1:$PPORT" >/dev/null 2>&1 &
prom=$!
until curl -s -o /dev/null "http://127.0.0.1:$PPORT/metrics"; do sleep 0.2; done
scrape_run "http://127.0.0.1:$PPORT/metrics" >/dev/null	# warm
pc0=$(cpu_ticks $prom) pt0=$(now)
scrape_run "http://127.0.0.1:$PPORT/metrics" >"$TMP/theirs"
pc1=$(cpu_ticks $prom) pt1=$(now)
plat=$(cut -d' ' -f1 "$TMP/theirs" | median)
psize=$(cut -d' ' -f2 "$TMP/theirs" | median)
pcpu=$($PY -c "print(($pc1 - $pc0) / $tick / $SCRAPES)")

$PY - "$lat" "$size" "$lines" "$cpu_per" "$idle_rate" "$plat" "$psize" "$pcpu" "$SCRAPES" <<'EOF'
import sys
lat, size, lines, cpu, idle, plat, psize, pcpu = map(float, sys.argv[1:9])
n = int(sys.argv[9])
print(f"{'endpoint':<34}{'median scrape':>14}{'bytes':>11}{'CPU/scrape':>12}")
print(f"{'autocue-trace --listen (text)':<34}{lat * 1e3:>11.1f} ms{size:>11.0f}{cpu * 1e3:>9.1f} ms")
print(f"{'prometheus own /metrics (anchor)':<34}{plat * 1e3:>11.1f} ms{psize:>11.0f}{pcpu * 1e3:>9.1f} ms")
print(f"ratio (ours / anchor): latency {lat / plat:.1f}x for {size / psize:.0f}x the bytes; "
      f"{lines:.0f} lines; medians of {n} scrapes")
print(f"tracer CPU at one scrape a second: {cpu * 100:.2f}% of a CPU for the scrapes "
      f"(+ {idle * 100:.2f}% idle: polling, folding exited processes)")
EOF
kill $prom $trc
wait 2>/dev/null

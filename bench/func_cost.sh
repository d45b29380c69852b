#!/bin/sh
# The attached cost of a traced function without probes (--func: an entry
# uprobe on its first instruction, a return uprobe on the same address,
# uprobe_multi links), beside a USDT pair of ours on the same empty function
# and beside the other tools' uprobe + uretprobe on it: bpftrace's
# latency-histogram program and libbpf-tools' funclatency. Each run times
# CALLS calls of the empty bench_call() in-process (median batch, after a
# warm-up); the cost is the traced figure minus the untraced one, medians
# of RUNS runs, side by side in one run. Our two sessions compensate (the
# default): beside what the calls cost, the probe cost each calibrated and
# subtracts (--json's compensation.pair_ns, compensation.func), and the
# kind of bench_call's entry (an empty function: "ret" first, which the
# kernel single-steps).
#   BUILD=build RUNS=5 CALLS=200000 sh bench/func_cost.sh      (root)
set -u
BUILD=${BUILD:-build}
RUNS=${RUNS:-5}
CALLS=${CALLS:-200000}
BATCHES=20
TRACE=$BUILD/autocue-trace
abs() { (cd "$(dirname "$1")" && printf '%s/%s\n' "$(pwd -P)" "$(basename "$1")"); }
# no USDT probes in it: bench_call is a plain (static) function
PLAIN=$(abs "$BUILD/bench/overhead_target_noprobes")
FAST=$(abs "$BUILD/bench/overhead_target")
FUNCLAT=$(command -v funclatency || echo /usr/sbin/funclatency)
[ "$(id -u)" -eq 0 ] || { echo "bench-func: SKIP (needs root)"; exit 0; }
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

ns_of() { awk '$1 == "ns_per_call" { print $2; exit }' "$1"; }
# json_get FILE EXPR: EXPR of the report's "compensation" object (c)
json_get() { python3 -c 'import json, sys
c = json.load(open(sys.argv[1]))["compensation"]
print(eval(sys.argv[2]))' "$1" "$2" 2>/dev/null; }
record() { [ -n "$2" ] && echo "$2" >> "$TMP/$1"; }
median() { [ -f "$TMP/$1" ] && sort -g "$TMP/$1" | awk '{ v[NR] = $1 }
	END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }' || echo nan; }

bt_func='uprobe:'"$PLAIN"':bench_call { @s[tid] = nsecs; }
uretprobe:'"$PLAIN"':bench_call /@s[tid]/ { @h = hist(nsecs - @s[tid]); delete(@s[tid]); }'

printf 'bench-func: %s runs of %s calls ' "$RUNS" "$CALLS"
for r in $(seq "$RUNS"); do
	"$PLAIN" loop "$CALLS" $BATCHES > "$TMP/out"; record none "$(ns_of "$TMP/out")"
	"$TRACE" -q --func bench_call --json "$TMP/f.json" -- "$PLAIN" loop "$CALLS" $BATCHES > "$TMP/out" 2>&1
	record ac_func "$(ns_of "$TMP/out")"
	record ac_func_cal "$(json_get "$TMP/f.json" 'list(c["func"].values())[0]["pair_ns"]')"
	kind=$(json_get "$TMP/f.json" 'list(c["func"])[0]')
	"$FAST" loop "$CALLS" $BATCHES > "$TMP/out"; record fast "$(ns_of "$TMP/out")"
	"$TRACE" -q --probes bench_call --json "$TMP/u.json" -- "$FAST" loop "$CALLS" $BATCHES > "$TMP/out" 2>&1
	record ac_usdt "$(ns_of "$TMP/out")"
	record ac_usdt_cal "$(json_get "$TMP/u.json" 'c["pair_ns"]')"
	if command -v bpftrace >/dev/null 2>&1; then
		bpftrace -c "$PLAIN loop $CALLS $BATCHES" -e "$bt_func" > "$TMP/out" 2>&1
		record bt_func "$(ns_of "$TMP/out")"
	fi
	if [ -x "$FUNCLAT" ]; then
		# system-wide on the binary: it cannot start a command
		"$FUNCLAT" "$PLAIN:bench_call" > "$TMP/fl" 2>&1 &
		flpid=$!
		i=0
		until grep -q '^Tracing' "$TMP/fl" || [ $i -ge 200 ]; do sleep 0.05; i=$((i + 1)); done
		"$PLAIN" loop "$CALLS" $BATCHES > "$TMP/out"
		kill -INT $flpid; wait $flpid
		record funclat "$(ns_of "$TMP/out")"
	fi
	printf '.'
done
echo
none=$(median none); fast=$(median fast)
row() {	# LABEL NAME BASE
	m=$(median "$2")
	awk -v l="$1" -v m="$m" -v b="$3" 'BEGIN {
		if (m == "nan" || m == "") { printf("  %-52s %10s\n", l, "n/a"); exit }
		printf("  %-52s %8.1f ns  (%.1f - %.1f untraced)\n", l, m - b, m, b) }'
}
echo "attached cost per call (entry + return), medians of $RUNS runs:"
row "autocue-trace --func, compensated (uprobe + uretprobe)" ac_func "$none"
row "autocue-trace USDT pair, compensated (5-byte sites)" ac_usdt "$fast"
row "bpftrace uprobe + uretprobe, hist()" bt_func "$none"
row "libbpf-tools funclatency (uprobe + uretprobe)" funclat "$none"
f=$(median ac_func); u=$(median ac_usdt); b=$(median bt_func); l=$(median funclat)
awk -v f="$f" -v n="$none" -v u="$u" -v fa="$fast" -v b="$b" -v l="$l" 'BEGIN {
	cf = f - n; printf("  ratios: --func / USDT pair %.2fx", cf / (u - fa));
	if (b != "nan" && b != "") printf(", --func / bpftrace %.2fx", cf / (b - n));
	if (l != "nan" && l != "") printf(", --func / funclatency %.2fx", cf / (l - n));
	printf("\n") }'
# what each session calibrated and subtracts per call: a check on the
# figures above, measured by the tracer itself
awk -v f="$(median ac_func_cal)" -v u="$(median ac_usdt_cal)" -v k="${kind:-?}" 'BEGIN {
	printf("  probe cost the sessions subtract (their calibration, medians): --func (entry %s) %.1f ns, USDT pair %.1f ns, ratio %.2fx\n",
	       k, f, u, f / u) }'

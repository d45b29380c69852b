#!/bin/sh
# SPDX-License-Identifier: MIT
#
# python_overhead.sh - what autocue-trace --python costs a Python program
# (issue 11): bench/python_workload.py's loop of CALLS small-function calls
# (one in five to the two functions the narrow glob matches), timed by
# itself, median of RUNS interleaved rounds:
#   plain        no profiler, untraced: the program as it runs every day
#   hook         sys.setprofile(slice), untraced: CPython 3.11 fires its
#                entry probe only on its tracing path (gh-98894), which a
#                profiler hook opens...
#   line         ...or python:line's semaphore (what autocue-trace raises
#                on 3.11 without a hook), untraced: that path's cost alone
#   decorator    Autocue's own kind of timing decorator on the 2 matched
#                functions, no hook
#   narrow       autocue-trace --python 'python_workload.matched_*' on the
#                plain program (python:line raised by the tracer)
#   all          autocue-trace --python (every function), plain program
#   narrow-hook  the hooked program, --python-hooked ... 'matched_*'
#   all-hook     the hooked program, --python-hooked (every function)
# Per-call costs: (narrow - line) / CALLS and (narrow-hook - hook) / CALLS
# are an unmatched call's cost (one probe hit and a map lookup, both sides)
# averaged with the matched ones'.
# py-spy, the usual anchor, is not in Debian (nor is any Python sampling
# profiler): there is no anchor run.
# Environment: BUILD (default build), RUNS (default and minimum 5), CALLS
# (default 300000). Needs root.

BUILD=${BUILD:-build}
RUNS=${RUNS:-5}
CALLS=${CALLS:-300000}
TRACE=$BUILD/autocue-trace
PY=/usr/bin/python3
WL=bench/python_workload.py
CONFIGS="plain hook line decorator narrow all narrow-hook all-hook"

[ "$(id -u)" -eq 0 ] || { echo "python_overhead: needs root"; exit 1; }
[ "$RUNS" -ge 5 ] || RUNS=5
# python:line's semaphore (the "line" run sets it itself: a non-PIE python)
AUTOCUE_LINE_SEMA=$(readelf -n "$(readlink -f "$PY")" |
	awk '/Name: line$/ { getline; print $NF }')
export AUTOCUE_LINE_SEMA
[ -n "$AUTOCUE_LINE_SEMA" ] || { echo "python_overhead: $PY has no python:line probe"; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

one() {	# CONFIG: one run's loop ns appended to $tmp/CONFIG
	case $1 in
	plain|hook|line|decorator) "$PY" "$WL" "$1" "$CALLS" ;;
	narrow) "$TRACE" -q --python 'python_workload.matched_*' -- \
		"$PY" "$WL" plain "$CALLS" 2>/dev/null ;;
	narrow-hook) "$TRACE" -q --python 'python_workload.matched_*' \
		--python-hooked -- "$PY" "$WL" hook "$CALLS" 2>/dev/null ;;
	all|all-hook)
		if [ "$1" = all ]; then set -- all plain; else set -- all-hook hook --python-hooked; fi
		"$TRACE" -q --python $3 --json "$tmp/$1.json" -- \
			"$PY" "$WL" "$2" "$CALLS" 2>/dev/null
		"$PY" -c 'import json, sys
print(json.load(open(sys.argv[1]))["compensation"]["pair_ns"], file=sys.stderr)' \
			"$tmp/$1.json" 2>> "$tmp/pair-$1" ;;
	esac | awk '/^loop_ns/ { print $2 }' >> "$tmp/$1"
}

for r in $(seq "$RUNS"); do
	for c in $CONFIGS; do
		one $c
	done
done
median() { sort -n "$tmp/$1" | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
plain=$(median plain)
echo "Python per-function tracing, $CALLS calls a run, median of $RUNS runs ($($PY -V))"
printf '%-12s %12s %10s %16s\n' config "loop ms" "x plain" "ns/call vs base"
for c in $CONFIGS; do
	m=$(median $c)
	case $c in
	narrow|all) base=$(median line) ;;
	narrow-hook|all-hook) base=$(median hook) ;;
	*) base= ;;
	esac
	awk -v c=$c -v m="$m" -v p="$plain" -v b="$base" -v n="$CALLS" 'BEGIN {
		d = b != "" ? sprintf("%.0f", (m - b) / n) : "-"
		printf "%-12s %12.1f %10.2f %16s\n", c, m / 1e6, m / p, d }'
done
for c in all all-hook; do
	echo "the host's probe cost ($c): a traced Python call's probe pair, as calibrated at start (median): $(sort -n "$tmp/pair-$c" | awk '{ v[NR] = $1 } END { printf "%.1f us", v[int((NR + 1) / 2)] / 1000 }')"
done

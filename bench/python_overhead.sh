#!/bin/sh
# SPDX-License-Identifier: MIT
#
# python_overhead.sh - what autocue-trace --python costs a Python program
# (issue 11): bench/python_workload.py's loop of CALLS small-function calls
# (one in five to the two functions the narrow glob matches), timed by
# itself, median of RUNS interleaved rounds:
#   plain       no profiler, untraced: the program as it runs every day
#   hook        sys.setprofile(slice): CPython 3.11 fires its entry probe
#               only under a profiler (gh-98894), so tracing needs it
#   decorator   Autocue's own kind of timing decorator on the 2 matched
#               functions, no hook
#   narrow      hook + autocue-trace --python 'python_workload.matched_*'
#   all         hook + autocue-trace --python (every function)
# Per-call costs: (narrow - hook) / CALLS is an unmatched call's cost (one
# probe hit and a map lookup, both sides) averaged with the matched ones.
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

[ "$(id -u)" -eq 0 ] || { echo "python_overhead: needs root"; exit 1; }
[ "$RUNS" -ge 5 ] || RUNS=5
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

one() {	# CONFIG: one run's loop ns appended to $tmp/CONFIG
	case $1 in
	plain|hook|decorator) "$PY" "$WL" "$1" "$CALLS" ;;
	narrow) "$TRACE" -q --python 'python_workload.matched_*' -- \
		"$PY" "$WL" hook "$CALLS" 2>/dev/null ;;
	all) "$TRACE" -q --python --json "$tmp/all.json" -- \
		"$PY" "$WL" hook "$CALLS" 2>/dev/null
	     "$PY" -c 'import json, sys
print(json.load(open(sys.argv[1]))["compensation"]["pair_ns"], file=sys.stderr)' \
		"$tmp/all.json" 2>> "$tmp/pair" ;;
	esac | awk '/^loop_ns/ { print $2 }' >> "$tmp/$1"
}

for r in $(seq "$RUNS"); do
	for c in plain hook decorator narrow all; do
		one $c
	done
done
median() { sort -n "$tmp/$1" | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
plain=$(median plain)
hook=$(median hook)
echo "Python per-function tracing, $CALLS calls a run, median of $RUNS runs ($($PY -V))"
printf '%-10s %12s %10s %14s\n' config "loop ms" "x plain" "ns/call vs hook"
for c in plain hook decorator narrow all; do
	m=$(median $c)
	awk -v c=$c -v m="$m" -v p="$plain" -v h="$hook" -v n="$CALLS" 'BEGIN {
		d = (c == "narrow" || c == "all") ? sprintf("%.0f", (m - h) / n) : "-"
		printf "%-10s %12.1f %10.2f %14s\n", c, m / 1e6, m / p, d }'
done
echo "the host's probe cost: a traced Python call's probe pair, as calibrated at start (median of the 'all' runs): $(sort -n "$tmp/pair" | awk '{ v[NR] = $1 } END { printf "%.1f us", v[int((NR + 1) / 2)] / 1000 }')"

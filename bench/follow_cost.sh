#!/bin/sh
# What --follow costs the traced program's forks and execs: each operation
# timed inside the program (bench/follow_bench.c: from the fork to the
# child reaped), bare, under autocue-trace without --follow (the kernel
# keeps the process tree all the same, for the hint), with --follow, and
# under strace -f as an anchor (a tracer that stops at every system call).
# An exec of an image not seen before stops (SIGSTOP) until the tracer has
# searched it and attached its probes; a copy of fork_target per exec
# measures that; an image seen before is not stopped.
#   BUILD=build RUNS=5 FORKS=400 EXECS=200 NEW=40 sh bench/follow_cost.sh (root)
set -u
BUILD=${BUILD:-build}
RUNS=${RUNS:-5}
FORKS=${FORKS:-400}
EXECS=${EXECS:-200}
NEW=${NEW:-40}
TRACE=$BUILD/autocue-trace
FB=$(realpath "$BUILD/bench/follow_bench")
FT=$(realpath "$BUILD/tests/targets/fork_target")
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
[ "$(id -u)" -eq 0 ] || { echo "follow_cost: needs root" >&2; exit 1; }
command -v strace >/dev/null || { echo "follow_cost: strace missing (make deps)" >&2; exit 1; }

# median of the numbers on stdin
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

# one MODE WORKLOAD: the median (us) of RUNS runs' medians
one() {
	mode=$1 work=$2
	for r in $(seq "$RUNS"); do
		case $work in
		fork) set -- fork "$FORKS" ;;
		exec) set -- exec "$EXECS" "$FT" -n 0 ;;
		each)
			rm -rf "$TMP/imgs"; mkdir "$TMP/imgs"
			for i in $(seq 0 $((NEW - 1))); do cp "$FT" "$TMP/imgs/prog-$i"; done
			set -- each "$NEW" "$TMP/imgs" -n 0 ;;
		esac
		case $mode in
		bare) "$FB" "$@" ;;
		traced) "$TRACE" -q -- "$FB" "$@" 2>"$TMP/err" ;;
		follow) "$TRACE" --follow -- "$FB" "$@" 2>"$TMP/err" ;;
		strace) strace -f -qq -o /dev/null "$FB" "$@" ;;
		esac | awk '$1 == "median_us" { print $2 }'
	done | median
}

printf '%-34s %10s %10s %10s %10s\n' "us per operation (median)" bare traced --follow "strace -f"
for w in fork exec each; do
	case $w in
	fork) label="fork, child exits" ;;
	exec) label="fork + exec, image seen before" ;;
	each) label="fork + exec, a new image each" ;;
	esac
	printf '%-34s %10s %10s %10s %10s\n' "$label" "$(one bare $w)" \
		"$(one traced $w)" "$(one follow $w)" "$(one strace $w)"
done
cost=$(grep -o 'probe cost [0-9.]* us per call' "$TMP/err" | head -1)
echo "(${RUNS} runs of $FORKS forks, $EXECS execs, $NEW new images; this host's $cost;" \
	"traced: autocue-trace without --follow, which keeps the process tree for its hint)"

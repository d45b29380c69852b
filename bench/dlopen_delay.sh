#!/bin/sh
# How long a library loaded after the attach (dlopen) runs untraced: the
# target loads libtraced.so once the tracer is attached to it and calls
# lib_work without a pause for 300 ms; the first call the tracer recorded
# (--raw) started this long after dlopen returned. The dynamic linker's
# r_brk (_dl_debug_state) wakes the tracer, which reads the maps and
# attaches at once (user/session/dlwatch.c); without it (a static or musl
# program) the maps are read every 20 ms: up to 20 ms plus the attach.
#   BUILD=build RUNS=7 sh bench/dlopen_delay.sh      (root)
set -u
BUILD=${BUILD:-build}
RUNS=${RUNS:-7}
TRACE=$BUILD/autocue-trace
T=$BUILD/tests/targets/dlopen_lib
LIB=$BUILD/tests/targets/libtraced.so
TMP=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$TMP"' EXIT
for r in $(seq "$RUNS"); do
	rm -f "$TMP/in"
	mkfifo "$TMP/in"
	"$T" -d "$LIB" 300 <"$TMP/in" >"$TMP/out" &
	spid=$!
	exec 4>"$TMP/in"
	until grep -q ready "$TMP/out" 2>/dev/null; do sleep 0.01; done
	"$TRACE" -p $spid --raw "$TMP/raw" >/dev/null 2>"$TMP/err" 4>&- &
	tpid=$!
	until grep -q '^Tracing' "$TMP/err" 2>/dev/null || ! kill -0 $tpid 2>/dev/null; do
		sleep 0.01
	done
	echo go >&4
	exec 4>&-
	wait $spid
	wait $tpid
	loaded=$(awk '/^loaded/ { print $2 }' "$TMP/out")
	first=$(awk '$1 == "lib_work" { print $3; exit }' "$TMP/raw")
	if [ -z "$first" ] || [ -z "$loaded" ]; then
		echo "run $r: no lib_work call recorded" >&2
		continue
	fi
	echo $(( (first - loaded) / 1000 ))
done | sort -n > "$TMP/us"
n=$(wc -l < "$TMP/us")
[ "$n" -gt 0 ] || { echo "dlopen_delay: no run recorded a call" >&2; exit 1; }
echo "dlopen pick-up delay (dlopen's return to the first traced call), $n runs:" \
	"median $(sed -n "$(( (n + 1) / 2 ))p" "$TMP/us") us," \
	"min $(head -1 "$TMP/us") us, max $(tail -1 "$TMP/us") us" \
	"(a dlopen wakes the tracer through the linker's r_brk; the maps are read every 20 ms besides)"

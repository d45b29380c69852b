#!/bin/sh
# Choosing processes the way users do: several PIDs (a comma list, -p
# again), a process name (-p NAME, --comm NAME: every match), rows merged
# across them or split by process (--per-pid); exact counts. Root only.
set -u
. tests/bpf/common.shlib
require_root multi
require multi "$TRACE" "$BUILD/tests/targets/uselib" "$BUILD/tests/targets/libtraced.so"
TMP=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; wait 2>/dev/null; rm -rf "$TMP"' EXIT
. tests/common/check.shlib

row() { awk -v n="$2" '($1 == n || $1 == n "*" || $1 == n "~") && $2 ~ /^[0-9]+$/ { print $2; exit }' "$1"; }

# a name of our own (a copy of uselib, beside its library): only our processes have it
NAME=acmulti$$
NAME=$(printf '%.15s' "$NAME")
cp "$BUILD/tests/targets/uselib" "$TMP/$NAME"
cp "$BUILD/tests/targets/libtraced.so" "$TMP/"

# start3: three copies waiting on fifos (fds 5 6 7), calling lib_work
# 100, 200 and 300 times once released; p1 p2 p3 their PIDs
start3() {
	for k in 1 2 3; do
		rm -f "$TMP/in$k"
		mkfifo "$TMP/in$k"
		"$TMP/$NAME" -w $((k * 100)) <"$TMP/in$k" >"$TMP/out$k" &
		eval p$k=$!
	done
	exec 5>"$TMP/in1" 6>"$TMP/in2" 7>"$TMP/in3"
	for k in 1 2 3; do
		until grep -q ready "$TMP/out$k" 2>/dev/null; do sleep 0.01; done
	done
}
# run OUT ARGS...: trace with ARGS, release all three, wait for the end
run() {
	out=$1
	shift
	"$TRACE" "$@" >"$TMP/$out" 2>"$TMP/$out.err" 5>&- 6>&- 7>&- &
	tpid=$!
	i=0
	until grep -q '^Tracing' "$TMP/$out.err" 2>/dev/null || ! kill -0 $tpid 2>/dev/null || [ $i -ge 600 ]; do
		sleep 0.05; i=$((i + 1))
	done
	echo go >&5; echo go >&6; echo go >&7
	exec 5>&- 6>&- 7>&-
	wait $p1 $p2 $p3
	wait $tpid
	rc=$?
}

# --- a comma list and -p again, rows across the processes ------------------
start3
run list -p "$p1,$p2" -p "$p3"
if [ $rc -eq 0 ] && [ "$(row "$TMP/list" lib_work)" = 600 ] &&
   grep -q "PIDs $p1, $p2, $p3 " "$TMP/list.err"; then
	ok "-p A,B -p C: one row across three processes, 600 calls of 100+200+300"
else
	bad "-p list (exit $rc): $(cat "$TMP/list.err"; head -4 "$TMP/list")"
fi

# --- by name, a row per process ---------------------------------------------
start3
run name -p "$NAME" --per-pid
if [ $rc -eq 0 ] && [ "$(row "$TMP/name" "lib_work[$p1]")" = 100 ] &&
   [ "$(row "$TMP/name" "lib_work[$p2]")" = 200 ] &&
   [ "$(row "$TMP/name" "lib_work[$p3]")" = 300 ] &&
   [ "$(grep -c "libtraced\.so (1, PID" "$TMP/name.err")" -eq 1 ] &&
   grep -q "PID $p1)" "$TMP/name.err" && grep -q "PID $p3)" "$TMP/name.err"; then
	ok "-p NAME --per-pid: every process of the name, a row each: 100, 200, 300 calls"
else
	bad "-p NAME --per-pid (exit $rc): $(cat "$TMP/name.err"; head -6 "$TMP/name")"
fi
start3
run comm --comm "$NAME" -q
[ $rc -eq 0 ] && [ "$(row "$TMP/comm" lib_work)" = 600 ] &&
	ok "--comm NAME: 600 calls of 600" || bad "--comm (exit $rc): $(cat "$TMP/comm.err"; head -4 "$TMP/comm")"

# --- errors ---------------------------------------------------------------------
expect_error "-p a name nobody has" "no process named nosuch_proc_x" $TRACE -p nosuch_proc_x
expect_error "-p a number that is no PID" "invalid PID: 0" $TRACE -p 0
expect_error "--list with several processes" "list takes one process" $TRACE --list -p 1,$$
expect_error "--per-pid with an assertion" "assertions judge whole probes" \
	$TRACE -p $$ --per-pid --assert 'x:count>1'

finish multi.sh

#!/bin/sh
# --follow: the processes a traced one forks, and the programs they exec,
# traced from their first call (exact counts); without it, a hint names
# the children with probes left untraced. --per-thread: a row per thread,
# named after it, exact counts. Root only.
set -u
. tests/bpf/common.shlib
require_root follow
FT=$BUILD/tests/targets/fork_target
require follow "$TRACE" "$FT" "$BUILD/tests/targets/uselib" "$BUILD/tests/targets/libtraced.so"
TMP=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; wait 2>/dev/null; rm -rf "$TMP"' EXIT
. tests/common/check.shlib
FT=$(realpath "$FT")
USELIB=$(realpath "$BUILD/tests/targets/uselib")

row() { awk -v n="$2" '($1 == n || $1 == n "*" || $1 == n "~") && $2 ~ /^[0-9]+$/ { print $2; exit }' "$1"; }
# the counts of the rows of probe NAME split by process or thread, sorted
split_counts() { awk -v n="$2" 'index($1, n "[") == 1 && $2 ~ /^[0-9]+$/ { print $2 }' "$1" | sort -n | tr '\n' ' '; }
# trace OUT ARGS...: autocue-trace ARGS, bounded (a process left stopped
# would hang it), its exit status in rc
trace() {
	out=$1
	shift
	timeout 60 "$TRACE" "$@" >"$TMP/$out" 2>"$TMP/$out.err"
	rc=$?
}
# expect_rows LABEL OUT PROBE=N...: exit 0 and each probe's row of that
# many calls
expect_rows() {
	label=$1 out=$2
	shift 2
	good=$((rc == 0))
	for pn in "$@"; do
		[ "$(row "$TMP/$out" "${pn%=*}")" = "${pn#*=}" ] || good=0
	done
	[ $good = 1 ] && ok "$label" ||
		bad "$label (exit $rc): $(cat "$TMP/$out.err"; head -5 "$TMP/$out")"
}
# no process of ours left stopped (state T) by an exec's stop
none_stopped() { ! ps -o stat=,args= -C fork_target,uselib 2>/dev/null | grep -q '^T'; }

# --- through fork: the parent's 100 calls, 100 and 200 in two children ----
trace fork --follow -- "$FT" -n 100 -f 2
expect_rows "--follow -- CMD forking 2 children: 400 calls of 100+100+200" fork fork_work=400
trace forkpid --follow --per-pid --json "$TMP/forkpid.json" -q -- "$FT" -n 100 -f 2
procs=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(len(d["processes"]))' "$TMP/forkpid.json" 2>/dev/null)
[ $rc -eq 0 ] && [ "$(split_counts "$TMP/forkpid" fork_work)" = "100 100 200 " ] &&
   [ "$procs" = 3 ] &&
	ok "--follow --per-pid: a row per process, 100, 100, 200 calls; JSON names 3 processes" ||
	bad "--follow --per-pid (exit $rc, $procs processes): $(cat "$TMP/forkpid.err"; head -6 "$TMP/forkpid")"

# --- through exec ------------------------------------------------------------
trace execsh --follow -q -- sh -c "exec '$FT' -n 100"
expect_rows "--follow -- sh -c 'exec CMD': the exec'd program's 100 calls of 100" execsh fork_work=100
trace forksh --follow -q -- sh -c "'$FT' -n 50 -f 1; true"
expect_rows "--follow -- sh -c 'CMD; true': a fork+exec from a shell, then its own fork: 100 calls of 50+50" forksh fork_work=100
# a different program, whose probes are in a library it links: attached
# before its first instruction
trace other --follow -- "$FT" -n 100 -e "$USELIB" 300
grep -q "loaded .*libtraced\.so: 1 probe pairs attached" "$TMP/other.err" || rc=99
expect_rows "--follow, fork+exec of another program (probes in its library): 100 and 300 calls, the library named" \
	other fork_work=100 lib_work=300
# the same image exec'd again is attached already: no stop, same counts
trace again --follow -q -- sh -c "'$FT' -n 10 -e '$FT' -n 20 -e '$FT' -n 30"
expect_rows "--follow, one image exec'd three times: 60 calls of 10+20+30" again fork_work=60
# a script as the command (a wrapper, pyenv's shims): its interpreter's
# exec is searched like any
printf '#!/bin/sh\nexec "%s" -n 30\n' "$FT" >"$TMP/wrapper"
chmod +x "$TMP/wrapper"
trace script --follow -q -- "$TMP/wrapper"
expect_rows "--follow -- SCRIPT: what the script execs, 30 calls of 30" script fork_work=30
# -b: that object alone, attached for every process from the start
trace bobj --follow -q -b "$FT" -- sh -c "'$FT' -n 50 -f 1; true"
expect_rows "--follow -b OBJ -- sh -c: 100 calls of 50+50" bobj fork_work=100
none_stopped && ok "no traced process left stopped" || bad "a process left stopped: $(ps -o pid=,stat=,args= -C fork_target,uselib)"

# --- -p PID --follow: children forked after the attach ------------------------
rm -f "$TMP/in"
mkfifo "$TMP/in"
"$FT" -w -n 100 -f 2 <"$TMP/in" >"$TMP/pout" &
p=$!
exec 5>"$TMP/in"
until grep -q ready "$TMP/pout" 2>/dev/null; do sleep 0.01; done
"$TRACE" --follow -p "$p" >"$TMP/pid" 2>"$TMP/pid.err" 5>&- &
tpid=$!
wait_banner "$TMP/pid.err" $tpid
echo go >&5
exec 5>&-
wait $p
wait $tpid
rc=$?
expect_rows "-p PID --follow: 400 calls of 100+100+200" pid fork_work=400

# a -p process's children already running: followed, their objects found
rm -f "$TMP/in"
mkfifo "$TMP/in"
sh -c "'$FT' -w -n 100 -f 1 <'$TMP/in' >'$TMP/cout'; true" &
p=$!
exec 5>"$TMP/in"
until grep -q ready "$TMP/cout" 2>/dev/null; do sleep 0.01; done
"$TRACE" --follow -p "$p" >"$TMP/kids" 2>"$TMP/kids.err" 5>&- &
tpid=$!
wait_banner "$TMP/kids.err" $tpid
echo go >&5
exec 5>&-
wait $p
wait $tpid
rc=$?
grep -q "^Tracing 1 probe pairs in $FT, PID $p and the processes they fork" "$TMP/kids.err" || rc=99
expect_rows "-p SHELL --follow: its running child (and the child's own fork) found, 200 calls of 100+100" \
	kids fork_work=200

# --- without --follow: the hint ---------------------------------------------
trace hint -- "$FT" -n 100 -f 2
[ $rc -eq 0 ] && [ "$(row "$TMP/hint" fork_work)" = 100 ] &&
   grep -q "^autocue-trace: PID [0-9]* forked 2 processes with probes, not traced: add --follow$" "$TMP/hint.err" &&
	ok "no --follow: the parent's 100 calls, and the hint: $(grep forked "$TMP/hint.err")" ||
	bad "hint (exit $rc): $(cat "$TMP/hint.err"; head -4 "$TMP/hint")"
trace hintsh -b "$FT" -- sh -c "'$FT' -n 50; true"
[ $rc -eq 0 ] && grep -q "no calls recorded" "$TMP/hintsh" &&
   grep -q "forked 1 process with probes, not traced: add --follow$" "$TMP/hintsh.err" &&
	ok "no --follow, sh -c forking the program: 'no calls recorded' explained" ||
	bad "hint sh -c (exit $rc): $(cat "$TMP/hintsh.err"; head -4 "$TMP/hintsh")"
trace nohint -- "$FT" -n 10 -e /bin/true
[ $rc -eq 0 ] && ! grep -q forked "$TMP/nohint.err" &&
	ok "no hint for a child that exec's a program without probes" ||
	bad "no hint (exit $rc): $(cat "$TMP/nohint.err")"
expect_error "a shell without probes: --follow suggested" "add --follow if it starts the program" \
	"$TRACE" -- sh -c "'$FT'; true"

# --- --per-thread: 4 named threads, 100..400 calls ----------------------------
trace thr --per-thread -q --json "$TMP/thr.json" -- "$FT" -n 100 -t 4
ok_thr=1
for k in 1 2 3 4; do
	n=$(awk -v k="worker-$k" '$1 ~ "^fork_work\\[[0-9]+:" k "\\]" { print $2 }' "$TMP/thr")
	[ "$n" = $((k * 100)) ] || ok_thr=0
done
threads=$(python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
print(" ".join(sorted("%s=%d" % (s["thread_name"], s["call_count"]) for s in d["stats"])), len(d["threads"]), len(d["processes"]))' "$TMP/thr.json" 2>/dev/null)
[ $rc -eq 0 ] && [ $ok_thr = 1 ] && [ "$(split_counts "$TMP/thr" fork_work)" = "100 200 300 400 " ] &&
   [ "$threads" = "worker-1=100 worker-2=200 worker-3=300 worker-4=400 4 1" ] &&
	ok "--per-thread: NAME[TID:worker-k], 100, 200, 300, 400 calls; JSON threads and processes" ||
	bad "--per-thread (exit $rc, JSON: $threads): $(cat "$TMP/thr.err"; head -6 "$TMP/thr")"
trace thrpid --per-thread --per-pid -q -- "$FT" -n 50 -t 2
[ $rc -eq 0 ] && grep -q "^fork_work\[[0-9]*/[0-9]*:worker-2\]\*\? *100 " "$TMP/thrpid" &&
   grep -q "^fork_work\[[0-9]*/[0-9]*:worker-1\]\*\? *50 " "$TMP/thrpid" &&
	ok "--per-thread --per-pid: NAME[PID/TID:name], 50 and 100 calls" ||
	bad "--per-thread --per-pid (exit $rc): $(cat "$TMP/thrpid.err"; head -4 "$TMP/thrpid")"
# histograms exact per row: each row's buckets add up to its warm calls
hist_ok=$(python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
print(all(sum(b[2] for b in s["buckets"]) == s["call_count"] - s["cold_calls"] for s in d["stats"]))' "$TMP/thr.json" 2>/dev/null)
[ "$hist_ok" = True ] && ok "--per-thread: each row's histogram holds its own calls" ||
	bad "--per-thread histograms: $hist_ok"

# --- errors -------------------------------------------------------------------
expect_error "--follow with -b alone" "go with -p PID or -- CMD" "$TRACE" --follow -b "$FT"
expect_error "--per-pid with -b alone" "go with -p PID or -- CMD" "$TRACE" --per-pid -b "$FT"
expect_error "--per-thread with --folded" "rows split by thread" \
	"$TRACE" --per-thread --folded "$TMP/f" -- "$FT"
expect_error "--follow with --list" "list shows one process" "$TRACE" --follow --list -b "$FT"

finish follow

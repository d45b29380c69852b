#!/bin/sh
# Functions without probes (--func): entry and return probes on function
# symbols, exact counts through nesting, recursion, a tail call, a longjmp,
# 4 threads, mixed with a USDT scope; assertions and folded paths on them;
# functions of a library in a Python process, by PID; a stripped object.
# Root only.
set -u
. tests/bpf/common.shlib
require_root func
FT=$BUILD/tests/targets/func_target
require func "$TRACE" "$FT" "$BUILD/libautocue.so.0"
TMP=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; wait 2>/dev/null; rm -rf "$TMP"' EXIT
. tests/common/check.shlib

# row FILE NAME: the Calls column of NAME's row in the table
row() { awk -v n="$2" '($1 == n || $1 == n "*" || $1 == n "~") && $2 ~ /^[0-9]+$/ { print $2; exit }' "$1"; }

# --- --list shows what would be attached -----------------------------------
"$TRACE" --list --func 'fn_*' -b "$FT" >"$TMP/list" 2>&1
# each with its kind of pair, from its first instruction as gcc -O2 builds
# it here: fn_leaf pushes %rbp, fn_outer calls (both emulated by the
# kernel), fn_jump subtracts from %rsp (single-stepped)
if [ "$(grep -c '^fn_' "$TMP/list")" -eq 8 ] && grep -Eq '^batch +1 +1  usdt ' "$TMP/list" &&
   grep -Eq '^fn_rec +1 +1  func:' "$TMP/list" &&
   grep -Eq '^fn_leaf +1 +1  func:emulated ' "$TMP/list" &&
   grep -Eq '^fn_outer +1 +1  func:emulated ' "$TMP/list" &&
   grep -Eq '^fn_jump +1 +1  func:stepped ' "$TMP/list"; then
	ok "--list --func 'fn_*': the 8 functions beside the USDT pair, each with its kind of entry"
else
	bad "--list --func: $(cat "$TMP/list")"
fi

# --- exact counts: 3 rounds in 4 threads -------------------------------------
"$TRACE" --func 'fn_*' --all --folded "$TMP/f.folded" \
	--assert 'fn_leaf:p50>15us' --assert 'fn_rec:count>=240' \
	-- "$FT" -r 3 -t 4 >"$TMP/f" 2>"$TMP/f.err"
rc=$?
# per round and thread: batch 1, fn_leaf 100, fn_outer 10, fn_inner 30,
# fn_rec 20 (4 x 5 nested), fn_tail_a 10, fn_tail_b 10, fn_jump 5; fn_throw
# never returns (longjmp): its 5 frames are unwound by fn_jump's return
want="batch 12 fn_leaf 1200 fn_outer 120 fn_inner 360 fn_rec 240 fn_tail_a 120 fn_tail_b 120 fn_jump 60 fn_throw 0"
got=""
set -- $want
while [ $# -gt 0 ]; do
	got="$got $1 $(row "$TMP/f" "$1")"
	shift 2
done
if [ $rc -eq 0 ] && [ "${got# }" = "$want" ] &&
   grep -q '^lost events: 60 unwound frames' "$TMP/f" &&
   grep -Eq -- '--func pairs: entry emulated \([0-9]+ functions?\) [0-9.]+ us a call.*; entry single-stepped \([0-9]+ functions?\) [0-9.]+ us a call.*; compensated' "$TMP/f.err"; then
	ok "--func 'fn_*' in 4 threads: exact counts through nesting, recursion, tail calls and a longjmp (60 frames unwound, counted)"
else
	bad "--func counts (exit $rc): got$got; $(cat "$TMP/f.err"; cat "$TMP/f")"
fi
if grep -q '^batch;fn_leaf ' "$TMP/f.folded" && grep -q '^fn_rec;fn_rec;fn_rec;fn_rec;fn_rec ' "$TMP/f.folded" &&
   grep -q '^fn_outer;fn_inner ' "$TMP/f.folded"; then
	ok "folded paths: a function inside a USDT scope, recursion 5 deep, nesting"
else
	bad "folded: $(head -5 "$TMP/f.folded")"
fi
grep -Eq '^fn_leaf +p50 +> +15us +[0-9.]+us +PASS' "$TMP/f" &&
   grep -q '^assertions: all 2 passed' "$TMP/f" &&
	ok "assertions on functions: $(grep '^fn_leaf *p50' "$TMP/f")" ||
	bad "assertion on fn_leaf: $(tail -5 "$TMP/f")"

# --- a library's function in a Python process, by PID, beside its probes ----
mkfifo "$TMP/py.in"
python3 examples/tracker_host.py --lib "$BUILD/libautocue.so.0" --rounds 2 --wait \
	examples/speech.md <"$TMP/py.in" >"$TMP/py.out" &
spid=$!
exec 4>"$TMP/py.in"
until grep -q ready "$TMP/py.out" 2>/dev/null || ! kill -0 $spid 2>/dev/null; do sleep 0.01; done
pypid=$(awk '/^ready/ { print $2 }' "$TMP/py.out")
"$TRACE" -p "$pypid" --func 'ac_tracker_update,ac_script_parse' >"$TMP/py" 2>"$TMP/py.err" 4>&- &
tpid=$!
i=0
until grep -q '^Tracing' "$TMP/py.err" 2>/dev/null || ! kill -0 $tpid 2>/dev/null || [ $i -ge 600 ]; do
	sleep 0.05; i=$((i + 1))
done
echo go >&4
exec 4>&-
wait $spid
wait $tpid
rc=$?
if [ $rc -eq 0 ] && [ "$(row "$TMP/py" ac_tracker_update)" = 120 ] &&
   [ "$(row "$TMP/py" tracker_update)" = 120 ]; then
	ok "-p PYTHON --func ac_tracker_update: 120 calls, as its USDT pair counts"
else
	bad "--func in a Python process (exit $rc): $(cat "$TMP/py.err"; head -5 "$TMP/py")"
fi

# --- stripped: a clear error naming the object -------------------------------
strip -o "$TMP/stripped" "$FT"
expect_error "--func on a stripped binary" "no function matching 'fn_leaf' in .*/stripped: its symbols are stripped" \
	"$TRACE" --func fn_leaf -b "$TMP/stripped" -- "$TMP/stripped"
expect_error "--func matching nothing" "no function matching 'zzz\*' in .*/func_target or the [0-9]* libraries it links" \
	"$TRACE" --func 'zzz*' -- "$FT"

finish func.sh

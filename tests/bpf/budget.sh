#!/bin/sh
# SPDX-License-Identifier: MIT
# --max-overhead: after a first phase with every probe, only the probes
# whose cost fits the budget stay attached; the others are named and left
# out, the most called first. On this host and as on a dearer one
# (--test-hit-delay, a test-only knob: every hit made 10 us dearer).
set -eu
. tests/bpf/common.shlib
require_root budget
require budget "$TRACE" "$TARGET"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "budget: FAIL: $*" >&2; exit 1; }

# calls per round of latency_target (one thread)
rate() {
	case $1 in
	work_1us) echo 100 ;; work_10us) echo 50 ;; inner) echo 30 ;;
	work_100us|recurse) echo 20 ;; outer) echo 10 ;; work_1ms) echo 5 ;;
	work_10ms|round) echo 1 ;; *) fail "unknown probe $1" ;;
	esac
}

run() {	# budget delay
	"$TRACE" --max-overhead "$1" --overhead-phase 0.5 -d 2.5 \
		--test-hit-delay "$2" --json "$tmp/r.json" \
		-- "$TARGET" -l >"$tmp/out" 2>"$tmp/err" ||
		fail "exit $? (budget $1%, delay $2 ns): $(cat "$tmp/err")"
	grep -q "probes kept after" "$tmp/err" || fail "no summary: $(cat "$tmp/err")"
	sed -n 's/.*leaving out \([a-z_0-9]*\): .*/\1/p' "$tmp/err" >"$tmp/out_probes"
	python3 - "$tmp/r.json" "$tmp/out_probes" <<'PY' >"$tmp/kept"
import json, sys
r = json.load(open(sys.argv[1]))
left = set(open(sys.argv[2]).read().split())
for s in r["stats"]:
    if s["name"] in left:
        sys.exit("left-out probe %s still recorded %d calls" % (s["name"], s["call_count"]))
    print(s["name"])
if r["dropped"]["depth_overflow"] or r["dropped"]["no_thread_storage"]:
    sys.exit("re-attaching broke the stacks: %s" % r["dropped"])
PY
	[ -s "$tmp/kept" ] || fail "nothing kept at $1%"
	# every probe left out is called at least as often as every one kept
	maxkept=0
	for p in $(cat "$tmp/kept"); do
		r=$(rate "$p"); [ "$r" -gt "$maxkept" ] && maxkept=$r
	done
	for p in $(cat "$tmp/out_probes"); do
		[ "$(rate "$p")" -ge "$maxkept" ] ||
			fail "left out $p ($(rate "$p")/round) but kept one of $maxkept/round"
	done
	wc -l <"$tmp/out_probes"
}

# what every probe costs the program on this host, as the tool measures it
# (0.7% where a pair costs 0.5 us, 2-3% at 3.5 us): half of that as the
# budget, so the hottest must go on any host
n=$(run 100 0)
[ "$n" -eq 0 ] || fail "100%: $n left out"
full=$(sed -n 's/.*expected cost \([0-9.]*\)% .*/\1/p' "$tmp/err")
[ -n "$full" ] || fail "no expected cost at 100%: $(cat "$tmp/err")"
b=$(awk -v f="$full" 'BEGIN { printf "%.2f", f / 2 }')
n0=$(run "$b" 0)
[ "$n0" -ge 1 ] || fail "$b% (half of $full%): nothing left out"
grep -q "leaving out work_1us" "$tmp/err" || fail "$b%: work_1us kept: $(cat "$tmp/err")"
echo "  ok    --max-overhead $b (every probe: $full%): $n0 probes left out, the most called"
# a dearer host: the same budget holds fewer probes
n1=$(run "$b" 10000)
[ "$n1" -ge "$n0" ] || fail "10 us dearer hits left out fewer probes ($n1 < $n0)"
[ "$n1" -gt "$n0" ] || [ "$n0" -ge 10 ] ||
	fail "10 us dearer hits left out no more probes than before ($n1)"
echo "  ok    --max-overhead $b, hits 10 us dearer: $n1 left out"
# a budget everything fits: nothing left out, no re-attach
n2=$(run 50 0)
[ "$n2" -eq 0 ] || fail "50%: $n2 left out"
echo "  ok    --max-overhead 50: every probe kept"
# refused combinations and values
"$TRACE" --max-overhead 5 --no-compensate -- true 2>"$tmp/err" && fail "--no-compensate accepted"
grep -q "needs the calibrated probe cost" "$tmp/err" || fail "$(cat "$tmp/err")"
"$TRACE" --max-overhead 200 -- true 2>"$tmp/err" && fail "200% accepted"
grep -q "invalid --max-overhead" "$tmp/err" || fail "$(cat "$tmp/err")"
echo "budget: ok"

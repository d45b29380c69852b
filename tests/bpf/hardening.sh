#!/bin/sh
# SPDX-License-Identifier: MIT
# autocue-trace left running and fed input nobody vetted (issue 14): memory
# that does not grow with the session (interval JSON, exact mode), input
# quoted on its way to the terminal, messages that say what happened, a
# tracee's violent death reported, the maps' kernel memory shown. Root only.
set -u
. tests/bpf/common.shlib
LOOP=$BUILD/bench/overhead_target
require_root hardening
require hardening "$TRACE" "$TARGET" "$LOOP"
TMP=$(mktemp -d)
trap 'umount "$TMP/small" 2>/dev/null; rm -rf "$TMP"; kill $(jobs -p) 2>/dev/null' EXIT
. tests/common/check.shlib

# rss_growth CMD...: runs CMD in the background and prints how far its RSS
# (KiB) rose above the first sample taken after its first second; 0 under
# make asan, whose allocator keeps freed memory in quarantine
rss_growth() {
	"$@" >"$TMP/rss.out" 2>"$TMP/rss.err" &
	pid=$! t=0 base= top=0
	while kv=$(awk '/^VmRSS:/ { print $2 }' /proc/$pid/status 2>/dev/null) && [ -n "$kv" ]; do
		if [ $t -ge 10 ]; then
			[ -n "$base" ] || base=$kv
			[ "$kv" -gt "$top" ] && top=$kv
		fi
		sleep 0.1
		t=$((t + 1))
	done
	wait $pid
	if [ -n "${ASAN_OPTIONS:-}" ]; then echo 0; else echo $((top - ${base:-0})); fi
}

# --- memory that does not grow with the session ---------------------------
# -i with --json: one line per interval, nothing kept between them (it used
# to keep every report and rewrite the whole array: ~300 KB/s at -i 1)
grow=$(rss_growth $TRACE -q -i 0.1 -d 5 --json "$TMP/i.jsonl" -- $LOOP loop 1000000000000 1)
[ "$grow" -lt 512 ] && ok "-i 0.1 --json for 5 s: RSS grew $grow KiB after the first second" ||
	bad "-i 0.1 --json: RSS grew $grow KiB after the first second"
python3 - "$TMP/i.jsonl" <<'PY' && ok "--json with -i: JSON Lines, interval 1..N, the last final" || bad "--json with -i: not JSON Lines"
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
assert len(lines) >= 40, len(lines)
assert [r['interval'] for r in lines] == list(range(1, len(lines) + 1))
assert [r['final'] for r in lines] == [False] * (len(lines) - 1) + [True]
assert all(r['stats'] and r['map_bytes'] > 0 for r in lines)
PY
# exact mode: every call's duration in a temporary file, not in memory (it
# used to keep 8 bytes a call, and copy them for the final percentiles)
grow=$(rss_growth $TRACE -q --raw /dev/null --json "$TMP/raw.json" -- $LOOP loop 500000 1)
[ "$grow" -lt 1024 ] && ok "--raw over 500k calls: RSS grew $grow KiB after the first second" ||
	bad "--raw over 500k calls: RSS grew $grow KiB (8 bytes a call would be 3900)"
python3 -c "
import json, sys
s = json.load(open('$TMP/raw.json'))['stats'][0]
assert s['exact']['samples'] == s['call_count'] - s['cold_calls'] >= 499998, s
assert s['exact']['p99_time_ms'] >= s['exact']['p50_time_ms'] >= 0
" && ok "--raw: exact percentiles over every call" || bad "--raw: exact figures missing"
# exact mode's temporary file on a full disk: the session ends, saying so
mkdir "$TMP/small" && mount -t tmpfs -o size=64k none "$TMP/small"
STREAMED=1
expect_error "exact mode's temporary file on a full disk" \
	"exact mode: cannot write its temporary file in $TMP/small: No space left on device" \
	env TMPDIR="$TMP/small" $TRACE -q --raw /dev/null -- $LOOP loop 200000 1
STREAMED=0
umount "$TMP/small"

# --- the maps' kernel memory: banner, table, JSON ---------------------------
$TRACE --json "$TMP/m.json" -- $TARGET -r 1 >"$TMP/m.out" 2>"$TMP/m.err"
kib=$(sed -n 's/.*kernel maps \([0-9]*\) KiB.*/\1/p' "$TMP/m.err")
[ -n "$kib" ] && [ "$kib" -gt 0 ] && grep -q "^kernel maps: $kib KiB$" "$TMP/m.out" &&
	python3 -c "import json; b = json.load(open('$TMP/m.json'))['map_bytes']; assert (b + 1023) // 1024 == $kib" &&
	ok "kernel maps: $kib KiB in the banner, the summary and the JSON" ||
	bad "map memory: banner '$(cat "$TMP/m.err")', summary '$(grep kernel "$TMP/m.out")'"

# --- a tracee killed by a signal says so; exit status stays 0 --------------
$TRACE -q --json "$TMP/k.json" -- $TARGET -r 100000 >"$TMP/k.out" 2>"$TMP/k.err" &
tracer=$!
# the tracee by its name once exec'd: the tracer forks short-lived helpers
# too (ld.so --list, for the objects a program links)
child=
for _ in $(seq 100); do
	child=$(pgrep -P $tracer -x "$(basename "$TARGET" | cut -c1-15)") && break
	sleep 0.1
done
sleep 0.5
kill -KILL "$child" || { kill -KILL $tracer; bad "no tracee under the tracer: '$child'"; }
wait $tracer
rc=$?
[ $rc -eq 0 ] && grep -q "^process $child killed by SIGKILL$" "$TMP/k.out" &&
	python3 -c "import json; assert json.load(open('$TMP/k.json'))['killed_by'] == 'SIGKILL'" &&
	ok "a tracee killed by SIGKILL: said in the summary and the JSON, exit 0" ||
	bad "killed tracee: exit $rc, $(tail -3 "$TMP/k.out") $(cat "$TMP/k.err")"
$TRACE -q --json "$TMP/n.json" -- $TARGET -r 1 >/dev/null 2>&1 &&
	python3 -c "import json; assert json.load(open('$TMP/n.json'))['killed_by'] is None" &&
	ok "a tracee that exits: killed_by null" || bad "killed_by after a normal exit"

# --- messages that say what happened -----------------------------------------
expect_error "--targets on a directory" "cannot read targets file /tmp: Is a directory" \
	$TRACE --targets /tmp -- $TARGET
expect_error "a stray argument beside -p" "unexpected argument '1' (a command goes after --)" \
	$TRACE -p $$ -d 20 1 -i 1
expect_error "-p and -- CMD" "give -p PID or -- CMD, not both" $TRACE -p $$ -- $TARGET
python3 -c "print('x:p95<1ms #' + 'y' * 5000)" >"$TMP/long.conf"
expect_error "a targets line past 4 KiB" "long.conf:1: line longer than 4096 bytes" \
	$TRACE --targets "$TMP/long.conf" -- $TARGET
python3 -c "print('x:p95<1ms\n' * 120000, end='')" >"$TMP/big.conf"
expect_error "a targets file past 1 MiB" "big.conf:[0-9]*: targets file larger than 1048576 bytes" \
	$TRACE --targets "$TMP/big.conf" -- $TARGET

# --- input quoted on its way to the terminal --------------------------------
esc=$(printf '\033]0;pwned\007\033[31mRED')
printf '%s\n' "$esc" >"$TMP/evil.conf"
expect_quoted "targets line with escapes" "evil.conf:1: bad assertion '\\\\x1b]0;pwned\\\\x07\\\\x1b\[31mRED'" \
	$TRACE --targets "$TMP/evil.conf" -- $TARGET
printf '%s:p95<1ms\n' "$esc" >"$TMP/evil2.conf"
expect_quoted "probe name with escapes in a target" "is not a C identifier" \
	$TRACE --targets "$TMP/evil2.conf" -- $TARGET
expect_quoted "--assert with escapes" "bad assertion '\\\\x1b" $TRACE --assert "$esc" -- $TARGET
mkdir "$TMP/$esc"
expect_quoted "targets file name with escapes" "\\\\x1b\[31mRED/none.conf: No such file" \
	$TRACE --targets "$TMP/$esc/none.conf" -- $TARGET
expect_quoted "--json path with escapes" "cannot write .*\\\\x1b\[31mRED/no/r.json" \
	$TRACE --json "$TMP/$esc/no/r.json" -- $TARGET
expect_quoted "--raw path with escapes" "cannot write .*\\\\x07" \
	$TRACE --raw "$TMP/$esc/no/r.raw" -- $TARGET
expect_quoted "-b path with escapes" "\\\\x1b\[31mRED/bin" $TRACE -b "$TMP/$esc/bin" -- $TARGET
expect_quoted "--list -b path with escapes" "\\\\x1b\[31mRED/bin" $TRACE --list -b "$TMP/$esc/bin"
expect_quoted "a command with escapes" "command not found: .*\\\\x1b" $TRACE -- "$TMP/$esc/cmd"
expect_quoted "--probes pattern with escapes" "matches '\\\\x1b\[31m'" \
	$TRACE --probes "$(printf '\033[31m')" -- $TARGET
expect_quoted "--provider with escapes" "no '\\\\x1b\[31m' probe" \
	$TRACE --list --provider "$(printf '\033[31m')" -b $TARGET
expect_quoted "an option value with escapes" "invalid duration: \\\\x1b\[31m" \
	$TRACE -d "$(printf '\033[31m')" -- $TARGET
expect_quoted "a stray argument with escapes" "unexpected argument '\\\\x1b" \
	$TRACE -p $$ "$(printf '\033[31m')"
# probe names a hostile build wrote into its stapsdt notes: never a pair,
# warned about escaped, in --list and when tracing
EVIL=$BUILD/tests/targets/evilnames
for mode in list trace; do
	if [ $mode = list ]; then
		$TRACE --list -b $EVIL >"$TMP/evil.out" 2>"$TMP/evil.err"
	else
		$TRACE -- $EVIL >"$TMP/evil.out" 2>"$TMP/evil.err"
	fi
	rc=$?
	if [ $rc -eq 0 ] && [ "$(grep -c 'unpaired probe' "$TMP/evil.err")" -eq 3 ] &&
	   grep -q 'unpaired probe .*\\x1b\]0;pwned\\x07\\x1b\[31mRED__return' "$TMP/evil.err" &&
	   grep -q 'unpaired probe .*\\xc2\\x9b2J__entry' "$TMP/evil.err" &&
	   grep -q '^plain ' "$TMP/evil.out" && ! grep -q 'RED' "$TMP/evil.out" &&
	   ! LC_ALL=C grep -q "$(printf '[\001-\011\013-\037\177]')" "$TMP/evil.err" "$TMP/evil.out"; then
		ok "probe names with escapes in the notes ($mode): unpaired, warned about escaped"
	else
		bad "probe names with escapes ($mode): exit $rc, $(cat "$TMP/evil.err" "$TMP/evil.out")"
	fi
done
expect_quoted "an unknown option with escapes" "unrecognized option '--\\\\x1b\[31m'" \
	$TRACE "$(printf -- '--\033[31m')" -p 1
expect_quoted "an unknown short option with escapes" "unrecognized option '-\\\\x1b'" \
	$TRACE "$(printf -- '-\033')" -p 1
$TRACE -q --json="$TMP/$esc/j.json" -- $TARGET -r 1 >/dev/null 2>&1 && [ -s "$TMP/$esc/j.json" ] &&
	ok "--json=FILE with escapes in FILE is a file name, not an unknown option" ||
	bad "--json=FILE with escapes"

finish hardening

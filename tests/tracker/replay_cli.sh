#!/bin/sh
# SPDX-License-Identifier: MIT
# autocue-replay as a user drives it: event formats, stdin, options, and bad
# input (one clear line and exit 1, never a crash); and the library with its
# probes compiled out gives the same positions and carries no probe notes.
set -u
BUILD=${BUILD:-build}
SHARED=${SHARED:-../shared}
REPLAY=$BUILD/autocue-replay
NOPROBES=$BUILD/noprobes/autocue-replay
SCRIPT=$SHARED/samples/sample_script.md
SESSIONS=$SHARED/conformance/sessions
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
. tests/common/check.shlib

# --- bad input ---------------------------------------------------------------
printf 'Hello \377\376 world\n' >"$TMP/bad.md"
expect_error "invalid UTF-8 in the script" "UTF-8" $REPLAY "$TMP/bad.md" /dev/null
: >"$TMP/empty.md"
expect_error "empty script" "empty\|no speakable" $REPLAY "$TMP/empty.md" /dev/null
expect_error "missing script" "no/such.md" $REPLAY /no/such.md /dev/null
expect_error "missing events" "no/such.jsonl" $REPLAY "$SCRIPT" /no/such.jsonl
printf '{"partial": "hello"}\n{"text": "unterminated\n' >"$TMP/broken.jsonl"
STREAMED=1
expect_error "malformed JSON, named by file:line" "broken.jsonl:2: malformed JSON" $REPLAY "$SCRIPT" "$TMP/broken.jsonl"
STREAMED=0
printf '{"partial": "a \377 b"}\n' >"$TMP/badutf.jsonl"
$REPLAY "$SCRIPT" "$TMP/badutf.jsonl" >"$TMP/out" 2>"$TMP/err"
rc=$?
[ $rc -le 1 ] && [ "$(wc -l <"$TMP/err")" -le 1 ] &&
	ok "invalid UTF-8 in an event: exit $rc, $(cat "$TMP/err")" || bad "invalid UTF-8 event: exit $rc"
# bad option values: one line naming the value, exit 1 (not argp's 64)
for o in "--window-size 0" "--match-threshold 200" "--match-threshold -1" \
	 "--loop -1" "--realtime=-5" "--max-jump-distance -1"; do
	# shellcheck disable=SC2086 # option and value, split on purpose
	expect_error "$o" "invalid.*'${o##*[ =]}'" $REPLAY $o "$SCRIPT" /dev/null
done
expect_error "script is a directory" "$TMP: Is a directory" $REPLAY "$TMP" /dev/null
printf '{"jump_to": "5"}\n' >"$TMP/badjump.jsonl"
expect_error "jump_to not an integer" "badjump.jsonl:1: jump_to is not an integer" \
	$REPLAY "$SCRIPT" "$TMP/badjump.jsonl"
# JSON lines hold exactly one event; text with "\u0000" would be cut short
STREAMED=1
printf '{"text": "hello world"} trailing\n' >"$TMP/trail.jsonl"
expect_error "trailing data after an event" "trail.jsonl:1: malformed JSON: more after the JSON value" \
	$REPLAY "$SCRIPT" "$TMP/trail.jsonl"
printf '{"text": "hello"}{"reset": true}\n' >"$TMP/two.jsonl"
expect_error "two events on a line" "two.jsonl:1: malformed JSON" $REPLAY "$SCRIPT" "$TMP/two.jsonl"
printf '{"text": "hello\\u0000world"}\n' >"$TMP/nul.jsonl"
expect_error "NUL in event text" "nul.jsonl:1: text holds a NUL character" \
	$REPLAY "$SCRIPT" "$TMP/nul.jsonl"
STREAMED=0
printf 'Hello\000world\n' >"$TMP/nul.md"
expect_error "NUL in the script" "nul.md: contains a NUL byte" $REPLAY "$TMP/nul.md" /dev/null
# a byte-order mark before the first JSON line: still JSON events
printf '\357\273\277{"text": "hello"}\n{"reset": true}\n' >"$TMP/bom.jsonl"
printf '{"text": "hello"}\n{"reset": true}\n' >"$TMP/nobom.jsonl"
$REPLAY "$SCRIPT" "$TMP/bom.jsonl" >"$TMP/bom.out" 2>&1 &&
	$REPLAY "$SCRIPT" "$TMP/nobom.jsonl" | cmp -s - "$TMP/bom.out" &&
	ok "a UTF-8 byte-order mark before JSON events" || bad "BOM: $(cat "$TMP/bom.out")"
# --loop 0 (forever): over no events is an error, and so is a full disk
: >"$TMP/none.jsonl"
expect_error "--loop 0 over no events" "no events to loop over" \
	timeout 10 $REPLAY --loop 0 "$SCRIPT" "$TMP/none.jsonl"
timeout 10 $REPLAY --loop 0 "$SCRIPT" "$TMP/nobom.jsonl" >/dev/full 2>"$TMP/err"
rc=$?
[ $rc -eq 1 ] && grep -q "No space left on device" "$TMP/err" &&
	ok "--loop 0 to a full disk: exit 1" || bad "--loop 0 to /dev/full: exit $rc"
printf '{"jump_to": -5}\n{"jump_to": 99999999999}\n' >"$TMP/jumps.jsonl"
$REPLAY "$SCRIPT" "$TMP/jumps.jsonl" >"$TMP/out" 2>"$TMP/err"
rc=$?
[ $rc -eq 0 ] && [ ! -s "$TMP/err" ] &&
	n=$($REPLAY --words "$SCRIPT" | sed -n 's/.*"total_speakable_words": \([0-9]*\).*/\1/p') &&
	[ "$(sed -n 's/.*"speakable_index": \([0-9]*\).*/\1/p' "$TMP/out" | tr '\n' ' ')" = \
	  "0 $((n - 1)) " ] &&
	ok "jump_to out of range: clamped to the script" || bad "jump_to clamping: exit $rc $(cat "$TMP/out" "$TMP/err" | head -c 300)"
# a huge skip budget is bounded by the script, not walked to its end
timeout 20 $REPLAY --max-skip-distance 500000000 "$SCRIPT" \
	"$SESSIONS/sample_script__app__1.events.jsonl" >"$TMP/out" 2>"$TMP/err"
rc=$?
[ $rc -eq 0 ] && ok "--max-skip-distance 500000000 finishes" ||
	bad "--max-skip-distance 500000000: exit $rc"
# one 10 MB final, allowed by --max-line: read whole, handled, no crash
# (replay_limits.sh: refused without it)
head -c 10000000 /dev/zero | tr '\0' 'a' >"$TMP/huge.txt"
echo >>"$TMP/huge.txt"
echo "good morning" >>"$TMP/huge.txt"
$REPLAY --max-line 10000001 "$SCRIPT" "$TMP/huge.txt" >"$TMP/out" 2>"$TMP/err"
rc=$?
[ $rc -eq 0 ] && [ "$(wc -l <"$TMP/out")" -eq 2 ] && ok "a 10 MB line is one event" ||
	bad "10 MB line: exit $rc $(head -c 200 "$TMP/err")"

# --- formats, stdin, options ---------------------------------------------------
printf '=== Transcript started ===\ngood evening and welcome\n\nto the news\n' >"$TMP/plain.txt"
$REPLAY "$SHARED/samples/evening_news_broadcast.md" "$TMP/plain.txt" >"$TMP/plain.out" 2>&1
[ "$(wc -l <"$TMP/plain.out")" -eq 2 ] && ok "plain transcript: one final per non-empty line, === skipped" ||
	bad "plain transcript: $(cat "$TMP/plain.out")"
S=$SESSIONS/sample_script__clean__1.events.jsonl
$REPLAY "$SCRIPT" "$S" >"$TMP/file.out"
$REPLAY "$SCRIPT" - <"$S" >"$TMP/stdin.out"
cmp -s "$TMP/file.out" "$TMP/stdin.out" && ok "'-' reads stdin" || bad "stdin differs from file"
$REPLAY --loop 2 "$SCRIPT" "$S" >"$TMP/loop.out"
[ "$(wc -l <"$TMP/loop.out")" -eq $((2 * $(wc -l <"$S"))) ] &&
	[ "$(head -n "$(wc -l <"$S")" "$TMP/loop.out" | md5sum)" = "$(md5sum <"$TMP/file.out")" ] &&
	ok "--loop 2 replays the session twice, reset between" || bad "--loop 2"
$REPLAY --words "$SCRIPT" | head -1 | grep -q '"kind": "summary"' && ok "--words" || bad "--words"
$REPLAY --threaded --realtime=60 "$SCRIPT" "$S" 2>/dev/null | head -20 >"$TMP/thr.out"
head -20 "$TMP/file.out" | cmp -s - "$TMP/thr.out" &&
	ok "--threaded --realtime: same positions as the direct tracker" || bad "--threaded"

# a burst of jumps fills the worker's queue of 10: with --threaded none may
# be lost, so every final lands where the direct tracker puts it
: >"$TMP/burst.jsonl"
for r in 1 2 3; do
	for k in $(seq 1 25); do echo "{\"jump_to\": $((k * 7 + r))}"; done
	echo '{"text": "hello world"}'
done >>"$TMP/burst.jsonl"
$REPLAY --threaded "$SCRIPT" "$TMP/burst.jsonl" >"$TMP/burst.thr" 2>&1
$REPLAY "$SCRIPT" "$TMP/burst.jsonl" | grep -F -f "$TMP/burst.thr" >"$TMP/burst.seq"
[ "$(wc -l <"$TMP/burst.thr")" -eq 3 ] && cmp -s "$TMP/burst.thr" "$TMP/burst.seq" &&
	ok "--threaded: a burst of 25 jumps before each final loses nothing" ||
	bad "--threaded burst: $(head -3 "$TMP/burst.thr")"

# --- probes compiled out change nothing ---------------------------------------
if [ -x "$NOPROBES" ]; then
	same=1
	for s in sample_script__heavy__1 number_test_script__ctrl__1 maths_explained__mild__1; do
		sc=${s%%__*}
		$REPLAY "$SHARED/samples/$sc.md" "$SESSIONS/$s.events.jsonl" >"$TMP/a"
		$NOPROBES "$SHARED/samples/$sc.md" "$SESSIONS/$s.events.jsonl" >"$TMP/b"
		cmp -s "$TMP/a" "$TMP/b" || same=0
	done
	notes=$(readelf -n "$NOPROBES" | grep -c stapsdt)
	[ $same -eq 1 ] && [ "$notes" -eq 0 ] && [ "$(readelf -n "$REPLAY" | grep -c stapsdt)" -gt 0 ] &&
		ok "-DAUTOCUE_NO_PROBES: same positions, no probe notes" ||
		bad "-DAUTOCUE_NO_PROBES: same=$same notes=$notes"
else
	bad "$NOPROBES not built"
fi

finish replay_cli

#!/bin/sh
# SPDX-License-Identifier: MIT
# autocue-replay on input nobody vetted: lines and files past the documented
# limits are refused with FILE:LINE and exit 1 before memory proportional
# to them is spent; events that only look right are refused, not guessed
# at; names quoted in messages reach the terminal escaped.
set -u
BUILD=${BUILD:-build}
SHARED=${SHARED:-../shared}
REPLAY=$BUILD/autocue-replay
SCRIPT=$SHARED/samples/sample_script.md
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
. tests/common/check.shlib

# peak RSS in KiB of CMD... (its output discarded)
peak_kb() {
	"$@" >/dev/null 2>&1 &
	pid=$! peak=0
	while kv=$(awk '/^VmHWM:/ { print $2 }' /proc/$pid/status 2>/dev/null) && [ -n "$kv" ]; do
		peak=$kv
		sleep 0.05
	done
	wait $pid
	echo "$peak"
}

# --- limits --------------------------------------------------------------
# a 64 MiB line of plain text: refused at the limit, in bounded memory
python3 -c "import sys; sys.stdout.write('word ' * (64 << 18))" >"$TMP/huge.txt"
STREAMED=1
expect_error "a line past 1 MiB" "huge.txt:1: line longer than 1048576 bytes (--max-line)" \
	$REPLAY "$SCRIPT" "$TMP/huge.txt"
# (not under make asan: its allocator keeps freed memory in quarantine)
if [ -z "${ASAN_OPTIONS:-}" ]; then
	kb=$(peak_kb $REPLAY "$SCRIPT" "$TMP/huge.txt")
	[ "$kb" -lt 32768 ] && ok "a 64 MiB line is refused in $kb KiB" ||
		bad "a 64 MiB line took $kb KiB"
fi
# the same in a JSON partial
python3 -c "import sys; sys.stdout.write('{\"partial\": \"' + 'word ' * (1 << 18) + '\"}\n')" >"$TMP/huge.jsonl"
expect_error "a JSON partial past 1 MiB" "huge.jsonl:1: line longer than" \
	$REPLAY "$SCRIPT" "$TMP/huge.jsonl"
# --max-line raises (or lowers) it; lines up to it pass
printf 'hello world\n%s\n' "$(python3 -c "print('x' * 200)")" >"$TMP/200.txt"
expect_error "--max-line 100" "200.txt:2: line longer than 100 bytes" \
	$REPLAY --max-line 100 "$SCRIPT" "$TMP/200.txt"
$REPLAY --max-line 2048 "$SCRIPT" "$TMP/huge.txt" >/dev/null 2>"$TMP/err"
$REPLAY --max-line 1000 "$SCRIPT" "$TMP/200.txt" >"$TMP/out" 2>&1 &&
	[ "$(wc -l <"$TMP/out")" -eq 2 ] && ok "--max-line 1000 takes a 201-byte line" ||
	bad "--max-line 1000: $(head -c 200 "$TMP/out")"
STREAMED=0
expect_error "--max-line 0" "invalid --max-line '0'" $REPLAY --max-line 0 "$SCRIPT" /dev/null
# the script is read whole: limited by --max-file (default 64 MiB)
expect_error "a script past --max-file" "sample_script.md:1: larger than 1000 bytes (--max-file)" \
	$REPLAY --max-file 1000 "$SCRIPT" /dev/null
# --loop keeps every event for the next loop: bounded by --max-file too
yes '{"text": "hello world"}' | head -n 1000 >"$TMP/many.jsonl"
STREAMED=1
expect_error "--loop's events past --max-file" "many.jsonl:[0-9]*: events past 10000 bytes" \
	$REPLAY --loop 2 --max-file 10000 "$SCRIPT" "$TMP/many.jsonl"
STREAMED=0

# --- strict events ---------------------------------------------------------
STREAMED=1
printf '{"text": "hello"}\n{"reset": "yes"}\n' >"$TMP/reset.jsonl"
expect_error "reset that is not true" "reset.jsonl:2: reset is not true" $REPLAY "$SCRIPT" "$TMP/reset.jsonl"
printf '{"reset": false}\n' >"$TMP/reset0.jsonl"
expect_error "reset: false" "reset0.jsonl:1: reset is not true" $REPLAY "$SCRIPT" "$TMP/reset0.jsonl"
printf '{"partial": "a", "text": "b"}\n' >"$TMP/both.jsonl"
expect_error "partial and text in one event" "both.jsonl:1: event holds both partial and text" \
	$REPLAY "$SCRIPT" "$TMP/both.jsonl"
printf '{"text": "a", "jump_to": 3}\n' >"$TMP/both2.jsonl"
expect_error "text and jump_to in one event" "both2.jsonl:1: event holds both text and jump_to" \
	$REPLAY "$SCRIPT" "$TMP/both2.jsonl"
for j in 99999999999999999999 -99999999999999999999 18446744073709551615 9223372036854775808; do
	printf '{"jump_to": %s}\n' $j >"$TMP/jump.jsonl"
	expect_error "jump_to $j" "jump.jsonl:1: jump_to is out of range" $REPLAY "$SCRIPT" "$TMP/jump.jsonl"
done
STREAMED=0
# Vosk's finals carry more than the text: other keys are fine; a jump_to
# int64 holds is clamped to the script (replay_cli.sh checks where)
printf '{"result": [], "text": "hello"}\n{"jump_to": 9223372036854775806}\n{"reset": true}\n' >"$TMP/vosk.jsonl"
$REPLAY "$SCRIPT" "$TMP/vosk.jsonl" >"$TMP/out" 2>&1 && [ "$(wc -l <"$TMP/out")" -eq 3 ] &&
	ok "Vosk finals with a result array, jump_to within int64, reset true" ||
	bad "valid events: $(head -c 300 "$TMP/out")"

# --- quoted names ------------------------------------------------------------
esc=$(printf '\033]0;pwned\007\033[31mRED')
mkdir "$TMP/$esc"
printf '{"text": 5}\n' >"$TMP/$esc/ev.jsonl"
STREAMED=1
expect_quoted "events file name with escapes" 'ev.jsonl:1: text is not a string' \
	$REPLAY "$SCRIPT" "$TMP/$esc/ev.jsonl"
STREAMED=0
expect_quoted "missing events file with escapes" '\\x1b]0;pwned\\x07\\x1b\[31mRED' \
	$REPLAY "$SCRIPT" "$TMP/$esc/none.jsonl"
expect_quoted "missing script with escapes" '\\x1b]0;pwned\\x07' $REPLAY "$TMP/$esc/none.md" /dev/null
expect_quoted "option value with escapes" "invalid number '\\\\x1b\[31m'" \
	$REPLAY --window-size "$(printf '\033[31m')" "$SCRIPT" /dev/null
expect_quoted "C1 control (U+009B, CSI) in a name" '\\xc2\\x9b31m' \
	$REPLAY "$SCRIPT" "$TMP/$(printf '\302\23331m')"
expect_quoted "an unknown option with escapes" "unrecognized option '--\\\\x1b\[31m'" \
	$REPLAY "$SCRIPT" /dev/null "$(printf -- '--\033[31m')"

finish replay_limits

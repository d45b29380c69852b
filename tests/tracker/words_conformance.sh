#!/bin/sh
# SPDX-License-Identifier: MIT
# The parse of every conformance script must equal the reference's
# (shared/conformance/words/*.words.jsonl), compared as JSON line by line.
# Run from the top directory with BUILD set (tests/tests.mk does this).
set -eu

BUILD=${BUILD:-build}
SHARED=${SHARED:-../shared}
[ -d "$SHARED/conformance" ] || SHARED=/work/shared
REPLAY=$BUILD/autocue-replay
WORDS=$SHARED/conformance/words
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

[ -x "$REPLAY" ] || { echo "words_conformance: $REPLAY missing" >&2; exit 1; }
[ -d "$WORDS" ] || { echo "words_conformance: $WORDS missing" >&2; exit 1; }

if [ -x /usr/bin/python3 ]; then
	compare() {
		/usr/bin/python3 - "$1" "$2" <<'PY'
import json, sys
def load(p):
    # split on "\n" only: texts may hold U+2028 and friends
    with open(p, encoding="utf-8", newline="") as f:
        return [json.loads(l) for l in f.read().split("\n") if l]
exp, got = load(sys.argv[1]), load(sys.argv[2])
bad = [i for i, (a, b) in enumerate(zip(exp, got)) if a != b]
if len(exp) != len(got):
    print("  %d lines, expected %d" % (len(got), len(exp)))
for i in bad[:3]:
    print("  line %d\n    want %s\n    got  %s" % (i + 1,
          json.dumps(exp[i], ensure_ascii=False)[:300],
          json.dumps(got[i], ensure_ascii=False)[:300]))
sys.exit(1 if bad or len(exp) != len(got) else 0)
PY
	}
elif command -v jq >/dev/null 2>&1; then
	compare() {
		jq -cS . "$1" > "$TMP/want" && jq -cS . "$2" > "$TMP/got" &&
			cmp -s "$TMP/want" "$TMP/got"
	}
else
	echo "words_conformance: needs /usr/bin/python3 or jq" >&2
	exit 1
fi

fail=0
n=0
for want in "$WORDS"/*.words.jsonl; do
	name=$(basename "$want" .words.jsonl)
	script=$SHARED/samples/$name.md
	[ -f "$script" ] || script=$SHARED/conformance/scripts/$name.md
	n=$((n + 1))
	if ! "$REPLAY" --words "$script" > "$TMP/$name.jsonl"; then
		echo "FAIL $name: autocue-replay --words failed"
		fail=$((fail + 1))
	elif compare "$want" "$TMP/$name.jsonl"; then
		echo "ok   $name"
	else
		echo "FAIL $name"
		fail=$((fail + 1))
	fi
done
[ "$n" -gt 0 ] || { echo "words_conformance: no expected files" >&2; exit 1; }
echo "words conformance: $((n - fail))/$n scripts identical"
[ "$fail" -eq 0 ]

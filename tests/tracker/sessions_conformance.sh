#!/bin/sh
# SPDX-License-Identifier: MIT
# Replays every conformance session through autocue-replay and requires the
# reference's positions event for event (positions and is_jump exact,
# progress within 1e-9). Run from the repository root:
#   BUILD=build sh tests/tracker/sessions_conformance.sh [NAME-FILTER]
set -eu

BUILD=${BUILD:-build}
SHARED=${SHARED:-../shared}
CONF=$SHARED/conformance
REPLAY=${REPLAY:-$BUILD/autocue-replay}
FILTER=${1:-}

if [ ! -x /usr/bin/python3 ]; then
	echo "sessions_conformance: /usr/bin/python3 is needed to compare" >&2
	exit 1
fi
if [ ! -x "$REPLAY" ]; then
	echo "sessions_conformance: $REPLAY not built (make $REPLAY)" >&2
	exit 1
fi
if [ ! -f "$CONF/manifest.json" ]; then
	echo "sessions_conformance: $CONF/manifest.json not found (set SHARED)" >&2
	exit 1
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

# one line per session: NAME<TAB>SCRIPT PATH<TAB>ARGS
/usr/bin/python3 - "$CONF" "$SHARED" "$FILTER" >"$tmp/list" <<'EOF'
import json, os, sys
conf, shared, filt = sys.argv[1:4]
m = json.load(open(os.path.join(conf, "manifest.json")))
for s in m["sessions"]:
    if filt and filt not in s["name"]:
        continue
    script = os.path.join(shared, "samples", s["script"])
    if not os.path.exists(script):
        script = os.path.join(conf, "scripts", s["script"])
    print("\t".join([s["name"], script, " ".join(s["tracker_args"])]))
EOF

pass=0
fail=0
failed=""
while IFS="$(printf '\t')" read -r name script args; do
	# shellcheck disable=SC2086 # args are flags, split on purpose
	if ! "$REPLAY" $args "$script" "$CONF/sessions/$name.events.jsonl" \
		>"$tmp/$name.out" 2>"$tmp/$name.err"; then
		echo "  FAIL  $name: autocue-replay failed: $(head -1 "$tmp/$name.err")"
		fail=$((fail + 1))
		failed="$failed $name"
		continue
	fi
	if /usr/bin/python3 - "$CONF/sessions/$name.expected.jsonl" \
		"$tmp/$name.out" "$name" <<'EOF'
import json, sys
exp_path, got_path, name = sys.argv[1:4]
exp = [json.loads(l) for l in open(exp_path) if l.strip()]
got = [json.loads(l) for l in open(got_path) if l.strip()]
bad = []
for e, g in zip(exp, got):
    diff = [k for k in e if k != "progress" and e[k] != g.get(k)]
    if set(g) != set(e) or abs(e["progress"] - g["progress"]) > 1e-9:
        diff.append("progress/keys")
    if diff:
        bad.append((e, g, diff))
ok = len(exp) == len(got) and not bad
if ok:
    print("  ok    %-45s %5d events" % (name, len(exp)))
    sys.exit(0)
print("  FAIL  %-45s %d/%d events differ (%d expected, %d printed)"
      % (name, len(bad), len(exp), len(exp), len(got)))
for e, g, diff in bad[:3]:
    print("        expected", json.dumps(e))
    print("        got     ", json.dumps(g))
sys.exit(1)
EOF
	then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
		failed="$failed $name"
	fi
done <"$tmp/list"

echo "sessions_conformance: $pass passed, $fail failed"
if [ "$fail" -ne 0 ]; then
	echo "failed:$failed"
	exit 1
fi

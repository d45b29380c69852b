#!/bin/sh
# SPDX-License-Identifier: MIT
# -v passes libbpf's messages through; without it the tracer prints only
# its banner (the library itself prints nothing).
set -eu
. tests/bpf/common.shlib
require_root verbose
require verbose "$TRACE" "$TARGET"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$TRACE" -v -- "$TARGET" -r 1 >/dev/null 2>"$tmp/v"
grep -q "^libbpf: loading object" "$tmp/v" ||
	{ echo "verbose: FAIL: -v shows no libbpf messages: $(head -3 "$tmp/v")" >&2; exit 1; }
"$TRACE" -- "$TARGET" -r 1 >/dev/null 2>"$tmp/q"
[ "$(grep -vc '^Tracing ' "$tmp/q")" -eq 0 ] ||
	{ echo "verbose: FAIL: without -v: $(cat "$tmp/q")" >&2; exit 1; }
echo "verbose: ok"

#!/bin/sh
# SPDX-License-Identifier: MIT
# `make install PREFIX=DIR` gives a usable tree: the binaries run, and
# programs built only from its headers and pkg-config files link and work
# (the tracker follows the speaker; the C API answers; the usdt header's
# probes land in the program's notes).
#   BUILD=build sh tests/install/install.sh
set -eu
BUILD=${BUILD:-build}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
fails=0
ok() { echo "  ok    $*"; }
fail() { echo "  FAIL  $*" >&2; fails=$((fails + 1)); }

p=$tmp/prefix
make -s install PREFIX="$p" BUILD="$BUILD" > "$tmp/install.log" 2>&1 ||
	{ cat "$tmp/install.log" >&2; echo "install: FAIL: make install" >&2; exit 1; }
v=$("$p/bin/autocue-trace" --version) && [ "$v" = "autocue-trace $(sed -n 's/^VERSION := //p' Makefile)" ] &&
	ok "installed autocue-trace runs: $v" || fail "installed autocue-trace --version: ${v:-}"
"$p/bin/autocue-replay" --help > /dev/null 2>&1 &&
	ok "installed autocue-replay runs" || fail "installed autocue-replay --help"

export PKG_CONFIG_PATH="$p/lib/pkgconfig"
build() {	# PKG SRC OUT
	# shellcheck disable=SC2046
	${CC:-cc} -O2 $(pkg-config --cflags "$1") "$2" $(pkg-config --libs "$1") -o "$3" \
		2> "$tmp/cc.err" || { cat "$tmp/cc.err" >&2; return 1; }
}
if build autocue tests/install/use_tracker.c "$tmp/use_tracker" &&
   [ "$("$tmp/use_tracker")" = "speakable_index 4" ]; then
	ok "pkg-config autocue: a program built on the installed tracker follows the speaker"
else
	fail "pkg-config autocue: build or run"
fi
if build autocue-trace tests/install/use_trace.c "$tmp/use_trace" &&
   [ "$("$tmp/use_trace")" = "1 no process with PID 999999" ] &&
   readelf -n "$tmp/use_trace" | grep -q 'installed__return'; then
	ok "pkg-config autocue-trace: the C API links and answers; the probes are in the notes"
else
	fail "pkg-config autocue-trace: build, run or notes"
fi
[ $fails -eq 0 ] || { echo "install: $fails failed" >&2; exit 1; }
echo "install: ok"

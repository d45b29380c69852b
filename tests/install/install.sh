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
# -lautocue finds the shared library first, as on any system; the prefix
# is not on the loader's path, hence LD_LIBRARY_PATH
if build autocue tests/install/use_tracker.c "$tmp/use_tracker" &&
   readelf -d "$tmp/use_tracker" | grep -q 'NEEDED.*\[libautocue\.so\.0\]' &&
   [ "$(LD_LIBRARY_PATH="$p/lib" "$tmp/use_tracker")" = "speakable_index 4" ]; then
	ok "pkg-config autocue: a program built on the installed libautocue.so.0 follows the speaker"
else
	fail "pkg-config autocue: build, link to libautocue.so.0 or run"
fi
# the static library still links alone, with pkg-config's private libs
# shellcheck disable=SC2046
if ${CC:-cc} -O2 $(pkg-config --cflags autocue) tests/install/use_tracker.c \
	"$p/lib/libautocue.a" $(pkg-config --libs-only-l --static autocue | sed 's/-lautocue//') \
	-o "$tmp/use_tracker_static" 2> "$tmp/cc.err" &&
   ! readelf -d "$tmp/use_tracker_static" | grep -q libautocue &&
   [ "$("$tmp/use_tracker_static")" = "speakable_index 4" ]; then
	ok "libautocue.a and pkg-config --static autocue: a static build runs"
else
	cat "$tmp/cc.err" >&2; fail "static build on libautocue.a"
fi
soname=$(readelf -d "$p/lib/libautocue.so" | sed -n 's/.*SONAME.*\[\(.*\)\]/\1/p')
if [ "$soname" = libautocue.so.0 ] && [ -L "$p/lib/libautocue.so.0" ] &&
   [ "$(readlink "$p/lib/libautocue.so")" = "libautocue.so.$(sed -n 's/^VERSION := //p' Makefile)" ] &&
   [ "$(pkg-config --modversion autocue)" = "$(sed -n 's/^VERSION := //p' Makefile)" ]; then
	ok "libautocue.so: soname $soname, versioned file and links, pkg-config version"
else
	fail "libautocue.so: soname '${soname:-}' or links"
fi
# the Python host of examples/ drives the installed library through ctypes
out=$(python3 examples/tracker_host.py --lib "$p/lib/libautocue.so.0" examples/speech.md | tail -1)
if [ "$out" = "rounds 1 partials 53 finals 7" ]; then
	ok "examples/tracker_host.py drives the installed libautocue.so.0"
else
	fail "examples/tracker_host.py: '$out'"
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

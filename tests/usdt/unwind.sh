#!/bin/sh
# SPDX-License-Identifier: MIT
# A debugger stopped at a probe sees the whole call stack: the red-zone
# guard moves %rsp around each fast site, so the header keeps the frame's
# call-frame information on %rbp. gdb breaks on the probes themselves
# (break -probe-stap) in a leaf called from mid called from main, built
# with gcc and clang at -O0, -O2 and -Os, and must show leaf, mid, main.
# Also: the header compiles as C89 and as C++.
#   sh tests/usdt/unwind.sh
set -eu
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
fails=0
ok() { echo "  ok    $*"; }
fail() { echo "  FAIL  $*" >&2; fails=$((fails + 1)); }

for tool in gdb gcc clang g++; do
	command -v $tool >/dev/null 2>&1 ||
		{ echo "unwind: FAIL: $tool missing (make deps installs it)" >&2; exit 1; }
done

cat > "$tmp/t.c" <<'C'
#include "autocue_usdt.h"
AUTOCUE_PROBE(leaf);
__attribute__((noinline)) int leaf(int x)
{
	AUTOCUE_TRACE(leaf);
	return x * 3;
}
__attribute__((noinline)) int mid(int x) { return leaf(x) + 1; }
int main(int argc, char **argv) { (void)argv; return mid(argc) == 4 ? 0 : 1; }
C

for cc in gcc clang; do
	for opt in -O0 -O2 -Os; do
		bin=$tmp/t-$cc$opt
		$cc $opt -g -Iusdt "$tmp/t.c" -o "$bin"
		for probe in leaf__entry leaf__return; do
			gdb -q -batch -ex "break -probe-stap autocue:$probe" -ex run -ex bt \
				"$bin" > "$tmp/bt" 2>&1 || true
			# a return site sits in the scope guard, inlined into
			# leaf: gdb shows that inline frame first
			frames=$(grep -Eo '^#[0-9]+ +(0x[0-9a-f]+ in )?[a-z_]+' "$tmp/bt" |
				awk '{ print $NF }' | grep -v '^autocue__leave_' |
				head -3 | tr '\n' ' ')
			if [ "$frames" = "leaf mid main " ]; then
				ok "$cc $opt, stopped at $probe: leaf, mid, main"
			else
				fail "$cc $opt, stopped at $probe: frames '$frames'"
				grep '^#' "$tmp/bt" >&2 || cat "$tmp/bt" >&2
			fi
		done
	done
done

gcc -std=c89 -Iusdt -c "$tmp/t.c" -o "$tmp/c89.o" 2> "$tmp/cc.err" &&
	ok "compiles as C89" || { fail "C89: $(head -3 "$tmp/cc.err")"; }
cp "$tmp/t.c" "$tmp/t.cc"
g++ -O2 -Iusdt "$tmp/t.cc" -o "$tmp/tcc" 2> "$tmp/cc.err" && "$tmp/tcc" &&
	ok "compiles and runs as C++" || { fail "C++: $(head -3 "$tmp/cc.err")"; }

[ $fails -eq 0 ] || { echo "unwind: $fails failed" >&2; exit 1; }
echo "unwind: ok"

#!/bin/sh
# SPDX-License-Identifier: MIT
# Other tools see and use our probes (DESIGN.md): on the demo target built
# with the fast sites (default) and with the classic ones,
#  - `bpftrace -l` lists exactly the probes `autocue-trace --list` pairs;
#  - bpftrace counts every entry and return, exactly, over 2 threads;
#  - perf (sdt_autocue:* events through its build-id cache) counts them too.
# Root only.
#   BUILD=build sh tests/bpf/other_tools.sh
set -eu
. tests/bpf/common.shlib
CLASSIC=$BUILD/tests/targets/latency_target_classic

require_root other_tools
require other_tools "$TRACE" "$TARGET" "$CLASSIC"
for tool in bpftrace perf; do
	command -v $tool >/dev/null 2>&1 ||
		{ echo "other_tools: FAIL: $tool missing (make deps installs it)" >&2; exit 1; }
done

tmp=$(mktemp -d)
mounted=
added=		# the perf events this run made, each deleted by its name
drop_events() {
	for e in $added; do
		perf probe -q -d "$e" >/dev/null 2>&1 || true
	done
	added=
}
cleanup() {
	drop_events
	[ -z "$mounted" ] || umount "$mounted" 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM
fails=0
ok() { echo "  ok    $*"; }
fail() { echo "  FAIL  $*" >&2; fails=$((fails + 1)); }

ROUNDS=2
THREADS=2
# per round and thread (latency_target.c): work_1us x100, outer x10 with
# inner x3 each, recurse(5) x4
expect() {
	case $1 in
	work_1us) echo $((100 * ROUNDS * THREADS)) ;;
	inner) echo $((30 * ROUNDS * THREADS)) ;;
	recurse) echo $((20 * ROUNDS * THREADS)) ;;
	esac
}
COUNTED="work_1us inner recurse"

# perf reads tracefs; a fresh machine may not have it mounted
if [ ! -e /sys/kernel/tracing/uprobe_events ]; then
	mount -t tracefs nodev /sys/kernel/tracing && mounted=/sys/kernel/tracing
fi

check() {	# NAME BINARY
	name=$1
	bin=$(realpath "$2")

	# the probe lists agree
	bpftrace -l "usdt:$bin:autocue:*" 2>/dev/null |
		sed 's/.*:autocue://' | sort > "$tmp/bt.list"
	"$TRACE" --list -b "$bin" 2>/dev/null |
		awk 'NR > 1 && NF { print $1 "__entry"; print $1 "__return" }' |
		sort > "$tmp/ac.list"
	if [ -s "$tmp/bt.list" ] && cmp -s "$tmp/bt.list" "$tmp/ac.list"; then
		ok "$name: bpftrace -l lists the $(wc -l < "$tmp/bt.list") probes autocue-trace --list pairs"
	else
		fail "$name: bpftrace -l and autocue-trace --list differ"
		diff "$tmp/bt.list" "$tmp/ac.list" >&2 || true
	fi

	# bpftrace counts every entry and return
	prog=
	for p in $COUNTED; do
		prog="$prog usdt:$bin:autocue:${p}__entry { @${p}_entry = count(); }"
		prog="$prog usdt:$bin:autocue:${p}__return { @${p}_return = count(); }"
	done
	if ! bpftrace -e "$prog" -c "$bin -r $ROUNDS -t $THREADS" > "$tmp/bt.out" 2>&1; then
		fail "$name: bpftrace run failed"
		cat "$tmp/bt.out" >&2
		return
	fi
	for p in $COUNTED; do
		for end in entry return; do
			got=$(awk -v k="@${p}_$end:" '$1 == k { print $2 }' "$tmp/bt.out")
			if [ "$got" = "$(expect $p)" ]; then
				ok "$name: bpftrace counts ${p}__$end $got times"
			else
				fail "$name: bpftrace counted ${p}__$end ${got:-0} times, expected $(expect $p)"
			fi
		done
	done

	# perf: the SDT notes through its build-id cache, then uprobe events
	perf --buildid-dir "$tmp/debug" buildid-cache --add "$bin" 2>"$tmp/perf.err" ||
		{ fail "$name: perf buildid-cache: $(head -1 "$tmp/perf.err")"; return; }
	events=
	for p in $COUNTED; do
		for end in entry return; do
			e=sdt_autocue:${p}__$end
			# perf names SDT events itself: one already there is
			# someone's (or a killed run's), and is not ours to drop
			if perf probe -l "$e" 2>/dev/null | grep -q .; then
				fail "$name: $e is already defined (perf probe -l): remove it with perf probe -d $e"
				drop_events
				return
			fi
			if ! perf --buildid-dir "$tmp/debug" probe -q -x "$bin" \
				"$e" 2>"$tmp/perf.err"; then
				fail "$name: perf probe $e: $(head -1 "$tmp/perf.err")"
				drop_events
				return
			fi
			added="$added $e"
			events="${events:+$events,}$e"
		done
	done
	perf stat -x, -e "$events" -- "$bin" -r $ROUNDS -t $THREADS \
		> /dev/null 2> "$tmp/perf.out" || true
	for p in $COUNTED; do
		for end in entry return; do
			got=$(awk -F, -v k="sdt_autocue:${p}__$end" '$3 == k { print $1 }' "$tmp/perf.out")
			if [ "$got" = "$(expect $p)" ]; then
				ok "$name: perf counts ${p}__$end $got times"
			else
				fail "$name: perf counted ${p}__$end ${got:-0} times, expected $(expect $p)"
			fi
		done
	done
	drop_events
}

check "fast sites" "$TARGET"
check "classic sites" "$CLASSIC"

if [ $fails -ne 0 ]; then
	echo "other_tools: $fails failed" >&2
	exit 1
fi
echo "other_tools: ok"

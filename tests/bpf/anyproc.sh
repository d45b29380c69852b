#!/bin/sh
# Any process, its libraries found by themselves: a Python host driving
# libautocue.so through ctypes traced by PID alone; a command whose probes
# are in a library it links; a library loaded after the attach (dlopen);
# a process in another mount and pid namespace, its files on a path the
# host lacks. Exact counts throughout. Root only.
set -u
. tests/bpf/common.shlib
require_root anyproc
LIB=$BUILD/tests/targets/libtraced.so
require anyproc "$TRACE" "$LIB" "$BUILD/tests/targets/uselib" \
	"$BUILD/tests/targets/dlopen_lib" "$BUILD/libautocue.so.0"
TMP=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; wait 2>/dev/null; rm -rf "$TMP"' EXIT
. tests/common/check.shlib

# start_on_fifo NAME CMD...: CMD in the background reading NAME.in (fd 4
# holds it open), once it printed "ready"; spid its PID
start_on_fifo() {
	name=$1
	shift
	rm -f "$TMP/$name.in"
	mkfifo "$TMP/$name.in"
	"$@" <"$TMP/$name.in" >"$TMP/$name.out" 2>"$TMP/$name.cerr" &
	spid=$!
	exec 4>"$TMP/$name.in"
	until grep -q ready "$TMP/$name.out" 2>/dev/null || ! kill -0 $spid 2>/dev/null; do
		sleep 0.01
	done
}

# wait_for FILE PATTERN PID: until FILE has a line matching, or PID ends
wait_for() {
	i=0
	until grep -q "$2" "$1" 2>/dev/null || ! kill -0 "$3" 2>/dev/null || [ $i -ge 600 ]; do
		sleep 0.05
		i=$((i + 1))
	done
}

# row FILE NAME: the Calls column of NAME's row (a '*' may mark it)
row() { awk -v n="$2" '$1 == n || $1 == n "*" || $1 == n "~" { print $2 }' "$1"; }

# --- a Python host, by PID alone ------------------------------------------
# examples/tracker_host.py loads libautocue.so.0 with ctypes; python3 has no
# probes, the library has them: found in the maps, without -b
start_on_fifo py python3 examples/tracker_host.py --lib "$BUILD/libautocue.so.0" \
	--rounds 3 --wait examples/speech.md
pypid=$(awk '/^ready/ { print $2 }' "$TMP/py.out")
"$TRACE" --list -p "$pypid" >"$TMP/py.list" 2>&1
if grep -Eq "^tracker_update +1 +1  .*/libautocue\.so\.0\.1$" "$TMP/py.list" &&
   [ "$(grep -c 'libautocue\.so' "$TMP/py.list")" -eq 16 ]; then
	ok "--list -p PYTHON: the 16 probe pairs of libautocue.so, named with the library"
else
	bad "--list -p PYTHON: $(head -5 "$TMP/py.list")"
fi
"$TRACE" -p "$pypid" >"$TMP/py" 2>"$TMP/py.err" 4>&- &
tpid=$!
wait_for "$TMP/py.err" '^Tracing' $tpid
echo go >&4
exec 4>&-
wait $spid
wait $tpid
rc=$?
# speech.md read three times: 7 lines of words, 53 partials and 7 finals a round
if [ $rc -eq 0 ] && grep -q '^rounds 3 partials 159 finals 21$' "$TMP/py.out" &&
   [ "$(row "$TMP/py" tracker_update)" = 180 ] &&
   [ "$(row "$TMP/py" tracker_update_partial)" = 159 ] &&
   [ "$(row "$TMP/py" tracker_update_final)" = 21 ] &&
   grep -q "^Tracing 16 probe pairs in [^ ]*/libautocue\.so\.0\.1, PID $pypid " "$TMP/py.err"; then
	ok "sudo autocue-trace -p PYTHON: exact counts from libautocue.so (180 updates: 159 partials, 21 finals)"
else
	bad "Python host by PID (exit $rc): $(cat "$TMP/py.err"; head -5 "$TMP/py")"
fi

# --- a command whose probes are in a library it links ----------------------
# uselib has none; libtraced.so, which its dynamic linker loads, has them:
# attached before the first instruction, so every call counts
"$TRACE" -- "$BUILD/tests/targets/uselib" 2500 >"$TMP/cmd" 2>"$TMP/cmd.err"
rc=$?
if [ $rc -eq 0 ] && [ "$(row "$TMP/cmd" lib_work)" = 2500 ] &&
   grep -q '^Tracing 1 probe pairs in [^ ]*/libtraced\.so, PID' "$TMP/cmd.err"; then
	ok "-- CMD: the probes of a library it links, found without -b: 2500 calls of 2500"
else
	bad "-- CMD with a linked library (exit $rc): $(cat "$TMP/cmd.err"; head -4 "$TMP/cmd")"
fi

# --- a library loaded after the attach -------------------------------------
# dlopen_lib's own probe (host_loop) is traced from the start; libtraced.so
# comes later (dlopen), is found in the maps and attached; the calls start
# once the tracer says so
start_on_fifo dl "$BUILD/tests/targets/dlopen_lib" -w "$LIB" 1500
"$TRACE" -p $spid >"$TMP/dl" 2>"$TMP/dl.err" 4>&- &
tpid=$!
wait_for "$TMP/dl.err" '^Tracing' $tpid
echo open >&4
wait_for "$TMP/dl.err" 'loaded .*libtraced\.so: 1 probe pairs attached' $tpid
echo go >&4
exec 4>&-
wait $spid
wait $tpid
rc=$?
if [ $rc -eq 0 ] && [ "$(row "$TMP/dl" lib_work)" = 1500 ] &&
   [ "$(row "$TMP/dl" host_loop)" = 1 ] &&
   grep -q "^Tracing 1 probe pairs in [^ ]*/dlopen_lib, PID $spid" "$TMP/dl.err" &&
   grep -q "PID $spid loaded [^ ]*/libtraced\.so: 1 probe pairs attached" "$TMP/dl.err"; then
	ok "a library loaded after the attach (dlopen) is found and attached: 1500 calls of 1500, inside host_loop (1)"
else
	bad "late library (exit $rc): $(cat "$TMP/dl.err"; head -4 "$TMP/dl")"
fi

# the same found by the dynamic linker's report alone (no periodic reads
# of the maps): the r_brk uprobe (dlwatch.c) wakes the tracer
start_on_fifo dl2 "$BUILD/tests/targets/dlopen_lib" -w "$LIB" 800
"$TRACE" --test-no-periodic-rescan -p $spid >"$TMP/dl2" 2>"$TMP/dl2.err" 4>&- &
tpid=$!
wait_for "$TMP/dl2.err" '^Tracing' $tpid
echo open >&4
wait_for "$TMP/dl2.err" 'loaded .*libtraced\.so: 1 probe pairs attached' $tpid
echo go >&4
exec 4>&-
wait $spid
wait $tpid
rc=$?
if [ $rc -eq 0 ] && [ "$(row "$TMP/dl2" lib_work)" = 800 ] &&
   grep -q "PID $spid loaded [^ ]*/libtraced\.so: 1 probe pairs attached" "$TMP/dl2.err"; then
	ok "a dlopen reported by the dynamic linker (_dl_debug_state), no periodic reads: 800 calls of 800"
else
	bad "dlopen by the linker's report (exit $rc): $(cat "$TMP/dl2.err"; head -4 "$TMP/dl2")"
fi

# --- another mount and pid namespace: a path the host does not have ---------
# the program and its library are copied into a tmpfs mounted only inside
# the namespace, on a directory that is empty on the host
mkdir "$TMP/ns"
cp "$BUILD/tests/targets/uselib" "$LIB" "$TMP/"
start_on_fifo ns unshare --mount --pid --fork --propagation private sh -c \
	"mount -t tmpfs none '$TMP/ns' && mkdir '$TMP/ns/hidden' &&
	 cp '$TMP/uselib' '$TMP/libtraced.so' '$TMP/ns/hidden/' &&
	 exec '$TMP/ns/hidden/uselib' -w 900"
# the program: the child of unshare's child (the namespace's init)
npid=
for i in $(seq 100); do
	npid=$(pgrep -f "^$TMP/ns/hidden/uselib -w 900" | head -1)
	[ -n "$npid" ] && break
	sleep 0.05
done
[ ! -e "$TMP/ns/hidden/uselib" ] && ok "namespace: $TMP/ns/hidden/uselib does not exist on the host" ||
	bad "namespace: the path exists on the host"
"$TRACE" --list -p "$npid" >"$TMP/ns.list" 2>&1
if grep -Eq "^lib_work +1 +1  $TMP/ns/hidden/libtraced\.so$" "$TMP/ns.list"; then
	ok "--list -p PID in another mount namespace: lib_work in $TMP/ns/hidden/libtraced.so"
else
	bad "--list -p in a namespace: $(cat "$TMP/ns.list")"
fi
"$TRACE" -p "$npid" >"$TMP/nst" 2>"$TMP/nst.err" 4>&- &
tpid=$!
wait_for "$TMP/nst.err" '^Tracing' $tpid
echo go >&4
exec 4>&-
wait $tpid
rc=$?
if [ $rc -eq 0 ] && [ "$(row "$TMP/nst" lib_work)" = 900 ] &&
   grep -q "Tracing 1 probe pairs in $TMP/ns/hidden/libtraced\.so" "$TMP/nst.err"; then
	ok "-p PID in another mount and pid namespace: 900 calls of 900, the library named as the process sees it"
else
	bad "-p in a namespace (exit $rc): $(cat "$TMP/nst.err"; head -4 "$TMP/nst")"
fi
wait $spid 2>/dev/null

finish anyproc.sh

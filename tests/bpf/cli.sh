#!/bin/sh
# autocue-trace's command line: outputs, endings and errors, as a user sees
# them. Root only (the runner skips the suite otherwise).
set -u
. tests/bpf/common.shlib
require_root cli
require cli "$TRACE" "$TARGET"
TMP=$(mktemp -d)
trap 'umount "$TMP/small" 2>/dev/null; rm -rf "$TMP"; kill $(jobs -p) 2>/dev/null' EXIT
. tests/common/check.shlib

# --- listing needs no privileges -------------------------------------------
# copies an unprivileged user can reach wherever the checkout lives
mkdir "$TMP/pub" && cp "$TRACE" "$TARGET" "$TMP/pub/" && chmod 755 "$TMP" "$TMP/pub"
NOBODY="setpriv --reuid=65534 --regid=65534 --clear-groups"
if $NOBODY "$TMP/pub/autocue-trace" --list -b "$TMP/pub/latency_target" >"$TMP/list" 2>&1 &&
   grep -q '^work_1us ' "$TMP/list" && [ "$(grep -c . "$TMP/list")" -eq 12 ]; then
	ok "--list as an unprivileged user: 11 pairs"
else
	bad "--list: $(cat "$TMP/list")"
fi
expect_error "--list on a binary without probes" "no 'autocue' probe pairs in /bin/true" \
	$TRACE --list -b /bin/true

# --- errors ----------------------------------------------------------------
expect_error "not root" "run it with sudo" \
	$NOBODY "$TMP/pub/autocue-trace" -- "$TMP/pub/latency_target"
expect_error "no BTF" "no BTF" \
	unshare -m sh -c "mount -t tmpfs none /sys/kernel/btf && exec $TRACE -- $TARGET"
expect_error "PID that does not exist" "no process with PID 999999" $TRACE -p 999999
expect_error "--list on a PID that does not exist" "no process with PID 999999" $TRACE --list -p 999999
expect_error "binary without probes" "no 'autocue' probes in [a-z/]*/sleep" $TRACE -- /bin/sleep 0
expect_error "no probe matches --probes" "matches 'zzz\*'" $TRACE --probes 'zzz*' -- $TARGET
expect_error "command not found" "command not found" $TRACE -- /no/such/cmd
# an empty PATH entry is the current directory, for us as for execvp
mkdir "$TMP/cwd" && cp "$TARGET" "$TMP/cwd/lt"
trace_abs=$(realpath "$TRACE")
for where in leading trailing middle whole; do
	case $where in
	leading) p=":$PATH" ;; trailing) p="$PATH:" ;;
	middle) p="/no/such::/bin" ;; whole) p="" ;;
	esac
	(cd "$TMP/cwd" && PATH="$p" "$trace_abs" -q -- lt -r 1 -t 2) >"$TMP/cwd.out" 2>&1 &&
		grep -Eq '^inner +60 ' "$TMP/cwd.out" &&
		ok "a command found through an empty PATH entry ($where)" ||
		bad "empty PATH entry ($where): $(head -3 "$TMP/cwd.out")"
done
# found and with probes, but the exec fails: its ELF interpreter is missing
cc -O2 -Iusdt -Wl,--dynamic-linker=/no/such/ld.so tests/targets/latency_target.c \
	-lpthread -lm -o "$TMP/noint"
expect_error "a command that cannot be run" "cannot run $TMP/noint: No such file or directory" \
	$TRACE -- "$TMP/noint" -r 1
printf '#!/bin/sh\nexec %s "$@"\n' "$TARGET" >"$TMP/wrapper.sh"
chmod +x "$TMP/wrapper.sh"
expect_error "a script, not a binary" "not an ELF file: give the program's binary with -b" \
	$TRACE -- "$TMP/wrapper.sh"
$TRACE -q -b $TARGET -- "$TMP/wrapper.sh" -r 1 >"$TMP/wrapped" 2>&1 &&
	grep -Eq '^inner +30 ' "$TMP/wrapped" && ok "-b BINARY -- SCRIPT traces the program the script runs" ||
	bad "-b with a wrapper script: $(head -3 "$TMP/wrapped")"
expect_error "unwritable --json" "cannot write /nonexistent/r.json" \
	$TRACE --json /nonexistent/r.json -- $TARGET
expect_error "unwritable --svg" "cannot write /proc/x.svg" $TRACE --svg /proc/x.svg -- $TARGET
expect_error "shared library not mapped by the PID" "does not map" \
	$TRACE -p $$ -b $BUILD/tests/targets/redzone
expect_error "bad assertion" "bad assertion" $TRACE --assert 'x:p95<20' -- $TARGET
expect_error "bad --sort" "invalid sort key: bogus" $TRACE -s bogus -- $TARGET
expect_error "--duration nan" "invalid duration: nan" $TRACE -d nan -- $TARGET
$TRACE --bogus >/dev/null 2>&1; rc=$?
[ $rc -eq 1 ] && ok "unknown option: exit 1" || bad "unknown option: exit $rc"
# stdout closed by its reader (| head): exit 1 with the clean-up, the
# command stopped, no raw file or temporary left
{ $TRACE -i 0.2 --raw "$TMP/rawp" -- $TARGET -r 40 2>"$TMP/pipe.err"
  echo $? > "$TMP/pipe.rc"; } | head -1 > /dev/null
sleep 0.5
if [ "$(cat "$TMP/pipe.rc")" = 1 ] && grep -q "Broken pipe" "$TMP/pipe.err" &&
   ! ls "$TMP"/rawp* >/dev/null 2>&1 && ! pgrep -f "$TARGET -r 40" >/dev/null; then
	ok "stdout closed by its reader: exit 1, command stopped, nothing left behind"
else
	bad "stdout closed (exit $(cat "$TMP/pipe.rc")): $(cat "$TMP/pipe.err"; ls "$TMP")"
fi
# the same with the raw records on stdout: the session ends, one line
{ timeout 20 $TRACE -q --raw - -- $TARGET -l 2>"$TMP/rawp.err"
  echo $? > "$TMP/rawp.rc"; } | head -1 > /dev/null
[ "$(cat "$TMP/rawp.rc")" = 1 ] && [ "$(wc -l <"$TMP/rawp.err")" -eq 1 ] &&
	ok "--raw - closed by its reader: exit 1, one line: $(cat "$TMP/rawp.err")" ||
	bad "--raw - closed (exit $(cat "$TMP/rawp.rc")): $(cat "$TMP/rawp.err")"
# a full stdout at an interval table ends the session too, with one line
timeout 20 $TRACE -q -i 0.2 -- $TARGET -l >/dev/full 2>"$TMP/full.err"; rc=$?
[ $rc -eq 1 ] && [ "$(wc -l <"$TMP/full.err")" -eq 1 ] &&
	grep -q "No space left on device" "$TMP/full.err" &&
	ok "intervals to a full stdout: exit 1, one line" ||
	bad "intervals to /dev/full (exit $rc): $(cat "$TMP/full.err")"
# signals the launcher ignored (nohup) stay ignored: SIGHUP ends nothing
(trap '' HUP; exec $TRACE -q -d 2 -- $TARGET -l) >"$TMP/hup.out" 2>&1 &
hup=$!
sleep 0.5
kill -HUP $hup 2>/dev/null
sleep 0.3
if kill -0 $hup 2>/dev/null && wait $hup && grep -Eq '^work_1us' "$TMP/hup.out"; then
	ok "SIGHUP ignored by the launcher (nohup) stays ignored"
else
	bad "SIGHUP under nohup: $(head -3 "$TMP/hup.out")"
fi
mkdir "$TMP/adir"
expect_error "--json naming a directory, refused before tracing" \
	"cannot write $TMP/adir: Is a directory" $TRACE --json "$TMP/adir" -- $TARGET
# a disk that fills while the report is written, after the session: one
# line, exit 1, the old file untouched, no temporary file left
mkdir "$TMP/small"
if mount -t tmpfs -o size=4k none "$TMP/small"; then
	echo old > "$TMP/small/r.json"
	STREAMED=1 expect_error "disk full when the report is written" \
		"cannot write $TMP/small/r.json: No space left on device" \
		$TRACE -q --json "$TMP/small/r.json" -- $TARGET -r 1
	[ "$(cat "$TMP/small/r.json")" = old ] && [ "$(ls "$TMP/small")" = r.json ] &&
		ok "disk full: the old report is intact, no partial or temporary file" ||
		bad "disk full: left $(ls "$TMP/small" | tr '\n' ' ')"
	umount "$TMP/small"
else
	bad "cannot mount a 4 KiB tmpfs for the disk-full check"
fi

# --- --hist: a distribution per row, in the table's order; its counts add
# up to Calls, and its first and last slots hold Min and Max --------------
if $TRACE -q --hist -- $TARGET -r 2 -t 2 >"$TMP/hist" 2>"$TMP/err" &&
   python3 - "$TMP/hist" <<'EOF'
import re, sys
text = open(sys.argv[1]).read()
rows = re.findall(r'^(\w+)\*? +(\d+) +[\d.]+ +[\d.]+ +([\d.]+) +([\d.]+) ', text, re.M)
units = {'': 1, 'K': 1 << 10, 'M': 1 << 20, 'G': 1 << 30, 'T': 1 << 40}
def bound(s):
    m = re.fullmatch(r'(\d+)([KMGT]?)', s)
    return int(m.group(1)) * units[m.group(2)]
sections = re.findall(r'^(\w+) \(ns\):\n((?:\[.*\n)+)(?:  \(and (\d+) cold.*\n)?', text, re.M)
assert rows and [r[0] for r in rows] == [s[0] for s in sections], (rows, sections)
for (name, calls, mn, mx), (_, body, cold) in zip(rows, sections):
    slots = []
    for m in re.finditer(r'^\[(\w+)(?:, (\w+)\))?\]? *(\d+) \|(@*) *\|$', body, re.M):
        lo = bound(m.group(1))
        hi = bound(m.group(2)) if m.group(2) else lo + 1
        slots.append((lo, hi, int(m.group(3))))
    # the first calls of a site are counted apart, as cold
    assert sum(s[2] for s in slots) + int(cold or 0) == int(calls), (name, calls, slots)
    # the table's figures are ms with 3 decimals: compare to the microsecond
    first, last = slots[0], slots[-1]
    assert first[2] and last[2], name
    lo_ns, hi_ns = float(mn) * 1e6, float(mx) * 1e6
    assert first[0] <= lo_ns + 500 and lo_ns - 500 < first[1], (name, mn, first)
    assert last[0] <= hi_ns + 500 and hi_ns - 500 < last[1], (name, mx, last)
EOF
then ok "--hist: a distribution per row, counts add up to Calls, Min and Max in its end slots"
else bad "--hist: $(head -20 "$TMP/hist")"; fi

# --- a command: the table, JSON and folded output, exit when it exits -------
$TRACE -q --json "$TMP/r.json" --folded "$TMP/r.folded" -- $TARGET -r 2 -t 2 >"$TMP/table" 2>"$TMP/err"
rc=$?
hdr='Function +Calls +Total\(ms\) +Avg\(ms\) +Min\(ms\) +Max\(ms\) +Median\(ms\) +P95\(ms\) +P99\(ms\)( +Probes%)?'
if [ $rc -eq 0 ] && grep -Eq "^$hdr\$" "$TMP/table" && grep -Eq '^work_1us\*? +400 ' "$TMP/table" &&
   grep -Eq '^inner +120 ' "$TMP/table"; then
	ok "tracee exit ends the trace: table with the seed's columns, exact counts"
else
	bad "command run (exit $rc): $(cat "$TMP/err"; head -5 "$TMP/table")"
fi
if python3 - "$TMP/r.json" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
need = {"name", "call_count", "total_time_ms", "avg_time_ms", "median_time_ms",
        "min_time_ms", "max_time_ms", "p95_time_ms", "p99_time_ms", "buckets"}
stats = {s["name"]: s for s in d["stats"]}
assert {"timestamp", "pid", "duration_s", "precision", "dropped"} <= set(d), d.keys()
assert all(need <= set(s) for s in d["stats"])
assert stats["work_1ms"]["call_count"] == 20
assert sum(b[2] for b in stats["work_1ms"]["buckets"]) + stats["work_1ms"]["cold_calls"] == 20
assert 1 <= stats["work_1ms"]["cold_calls"] <= 2
assert abs(stats["work_1ms"]["median_time_ms"] - 1.0) < 0.02
assert d["dropped"]["total"] == 0
EOF
then ok "JSON report: seed keys, buckets, counts"; else bad "JSON report"; fi
if grep -Eq '^round;outer;inner [0-9]+$' "$TMP/r.folded" &&
   ! grep -Eq '^round;inner ' "$TMP/r.folded"; then
	ok "folded stacks"
else
	bad "folded: $(head -3 "$TMP/r.folded")"
fi

# --- in a container: a pid namespace of its own, where the tracer's PIDs
# are not the kernel's; both a command and -p PID, exact counts ----------
unshare -pf --mount-proc sh -c "$TRACE -q -- $TARGET -r 1 -t 2" >"$TMP/ns" 2>&1 &&
	grep -Eq '^inner +60 ' "$TMP/ns" && grep -Eq '^work_1us\*? +200 ' "$TMP/ns" &&
	ok "in a pid namespace, -- CMD: exact counts" || bad "pid namespace, -- CMD: $(head -5 "$TMP/ns")"
# the target waits for its line, which comes once the tracer's banner says
# it is attached; the tracer ends when the target exits. The tracer starts
# once the target's exec is done (or it would find sh), and nothing waits
# more than 10 s.
unshare -pf --mount-proc sh -c "
	{ n=0; while [ ! -e $TMP/nsgo ] && [ \$n -lt 1000 ]; do sleep 0.01; n=\$((n + 1)); done
	  echo go; } | $TARGET -w -r 1 -t 2 > /dev/null & pid=\$!
	n=0
	while [ \"\$(readlink /proc/\$pid/exe)\" != $(readlink -f "$TARGET") ] &&
	      kill -0 \$pid && [ \$n -lt 1000 ]; do
		sleep 0.01; n=\$((n + 1))
	done
	$TRACE -p \$pid > $TMP/nsp 2> $TMP/nsp.banner & tracer=\$!
	n=0
	while ! grep -q '^Tracing' $TMP/nsp.banner && [ \$n -lt 1000 ]; do
		sleep 0.01; n=\$((n + 1))
	done
	touch $TMP/nsgo
	wait \$pid; wait \$tracer" 2>"$TMP/nsp.err"
grep -Eq '^inner +60 ' "$TMP/nsp" && grep -Eq '^work_1us\*? +200 ' "$TMP/nsp" &&
	ok "in a pid namespace, -p PID: exact counts" || bad "pid namespace, -p: $(head -5 "$TMP/nsp" "$TMP/nsp.err")"

# --- the per-site uprobe path of kernels without uprobe_multi links ------
# (the banner names the path taken, so this cannot pass on the other one)
$TRACE --per-site-uprobes -- $TARGET -r 1 -t 2 >"$TMP/single" 2>&1 &&
	grep -q '(one uprobe per site)' "$TMP/single" &&
	grep -Eq '^inner +60 ' "$TMP/single" && grep -Eq '^recurse +40 ' "$TMP/single" &&
	ok "per-site uprobes (pre-6.6 kernels): exact counts" ||
	bad "per-site uprobes: $(head -5 "$TMP/single")"
$TRACE -- $TARGET -r 1 >"$TMP/multi" 2>&1 && grep -q '(uprobe_multi links)' "$TMP/multi" &&
	ok "uprobe_multi links by default (this kernel has them)" ||
	bad "default attach path: $(head -2 "$TMP/multi")"

# --- --top, --sort -----------------------------------------------------------
$TRACE -q -n 3 -s calls -- $TARGET -r 1 >"$TMP/top" 2>/dev/null
rows=$(grep -Ec '^[a-z_0-9]+\*? +[0-9]+ ' "$TMP/top")
first=$(grep -E '^[a-z_0-9]+\*? +[0-9]+ ' "$TMP/top" | head -1 | cut -d' ' -f1)
[ "$rows" -eq 3 ] && [ "$first" = "work_1us*" -o "$first" = "work_1us" ] &&
	ok "--top 3 --sort calls" || bad "--top/--sort: $rows rows, first $first"

# --- a report that cannot reach stdout is an error, not exit 0 ----------------
$TRACE -q -- $TARGET -r 1 >/dev/full 2>"$TMP/full"
rc=$?
[ $rc -eq 1 ] && [ "$(wc -l <"$TMP/full")" -eq 1 ] &&
	grep -q 'cannot write the report to stdout' "$TMP/full" &&
	ok "stdout full: $(cat "$TMP/full")" || bad "stdout full (exit $rc): $(cat "$TMP/full")"

# --- a live process: --duration, then Ctrl-C --------------------------------
$TARGET -l >/dev/null &
pid=$!
sleep 0.2
# a thread id (top -H) is not a process: say which one to give
tid=$(ls /proc/$pid/task | grep -vx $pid | head -1)
expect_error "-p with a thread id" "is a thread of process $pid: give -p $pid" $TRACE -p $tid
start=$(date +%s)
$TRACE -q -p $pid -d 1 >"$TMP/dur" 2>&1
rc=$?
took=$(($(date +%s) - start))
[ $rc -eq 0 ] && [ $took -le 4 ] && grep -Eq '^work_10us\*? +[0-9]+' "$TMP/dur" &&
	ok "--duration 1 ends with the final report, exit 0" ||
	bad "--duration (exit $rc, ${took}s): $(head -3 "$TMP/dur")"

$TRACE -q -p $pid >"$TMP/int" 2>&1 &
tpid=$!
sleep 1.5
kill -INT $tpid
wait $tpid
rc=$?
[ $rc -eq 0 ] && grep -Eq '^work_10us\*? +[0-9]+' "$TMP/int" &&
	ok "Ctrl-C ends with the final report, exit 0" || bad "Ctrl-C (exit $rc)"
kill -0 $pid 2>/dev/null && ok "the traced process carries on after detach" ||
	bad "traced process died"

# start_on_fifo NAME CMD...: CMD in the background, reading a fifo this
# shell holds open on fd 4, writing $TMP/NAME.out; returns once CMD says
# "ready" (or is gone), its PID in $spid. Start a tracer with 4>&-: the
# target's EOF must come from this shell's close.
start_on_fifo() {
	name=$1
	shift
	rm -f "$TMP/$name.in"
	mkfifo "$TMP/$name.in"
	"$@" <"$TMP/$name.in" >"$TMP/$name.out" &
	spid=$!
	exec 4>"$TMP/$name.in"
	until grep -q ready "$TMP/$name.out" 2>/dev/null || ! kill -0 $spid 2>/dev/null; do
		sleep 0.01
	done
}

# --- the tracee exits while attached by PID ----------------------------------
# released once the banner says the probes are live; it exits after its
# round (EOF on its stdin): the report of that round, exact counts
start_on_fifo exit $TARGET -w -r 1
$TRACE -p $spid >"$TMP/exit" 2>"$TMP/exit.err" 4>&- &
tpid=$!
until grep -q '^Tracing' "$TMP/exit.err" 2>/dev/null || ! kill -0 $tpid 2>/dev/null; do
	sleep 0.05
done
echo go >&4
exec 4>&-
wait $tpid
rc=$?
[ $rc -eq 0 ] && grep -Eq '^inner +30 ' "$TMP/exit" && grep -Eq '^work_1ms +5 ' "$TMP/exit" &&
	ok "tracee exit (-p) ends with the final report, exact counts, exit 0" ||
	bad "tracee exit (-p): exit $rc: $(cat "$TMP/exit.err"; head -3 "$TMP/exit")"
kill $pid 2>/dev/null

# --- the tracee exits while autocue-trace is still attaching -----------------
# Load and calibration take ~0.4 s on a slow host; a tracee gone meanwhile
# is an exit like any other: the (empty) report, said plainly, exit 0.
# early_exit picks the moment from what the tracer holds, so the race is
# the same on every run: "bpf" right after the tracer starts (loading,
# past its PID check), 2 mid-calibration (its own two links), 3 between
# the tracee's return and entry links. After 3 the tracer may win (the
# exit takes a while) and attach: then its banner, the same report.
# early_exit_run STAGE: sets rc (the tracer's) and erc (the tracee's)
early_exit_run() {
	start_on_fifo ee $BUILD/tests/targets/early_exit $1
	epid=$spid
	$TRACE -p $epid >"$TMP/ee" 2>"$TMP/ee.err" 4>&- &
	tpid=$!
	echo $tpid >&4
	exec 4>&-
	wait $epid
	erc=$?
	wait $tpid
	rc=$?
}
for stage in bpf 2 3; do
	early_exit_run $stage
	said=$(grep -c "process $epid exited before its probes were attached: nothing recorded" "$TMP/ee.err")
	if [ $erc -eq 0 ] && [ $rc -eq 0 ] && grep -q '^no calls recorded$' "$TMP/ee" &&
	   { [ "$said" -eq 1 ] || { [ $stage != bpf ] && grep -q '^Tracing' "$TMP/ee.err"; }; }; then
		[ "$said" -eq 1 ] && how="before the attach, said so" || how="after the attach"
		ok "tracee gone at stage $stage of the attach: empty report, exit 0 ($how)"
	else
		bad "tracee gone at stage $stage (tracer exit $rc, tracee $erc): $(cat "$TMP/ee.err" "$TMP/ee" | head -5)"
	fi
done

# --- probes in a shared library, by PID ---------------------------------------
LIB=$BUILD/tests/targets/libtraced.so
mkfifo "$TMP/in"
$BUILD/tests/targets/uselib -w 3000 <"$TMP/in" >"$TMP/uselib.out" &
upid=$!
exec 3>"$TMP/in"
until grep -q ready "$TMP/uselib.out" 2>/dev/null; do sleep 0.05; done
$TRACE -p $upid -b "$LIB" >"$TMP/lib" 2>"$TMP/lib.err" &
tpid=$!
# the probes are live once the tracer says so
until grep -q '^Tracing' "$TMP/lib.err" 2>/dev/null || ! kill -0 $tpid 2>/dev/null; do
	sleep 0.05
done
echo go >&3
exec 3>&-
wait $upid
wait $tpid
grep -Eq '^lib_work\*? +3000 ' "$TMP/lib" && ok "-p PID -b LIB.so: exact count in a shared library" ||
	bad "shared library: $(head -4 "$TMP/lib")"

finish cli.sh

#!/bin/sh
# SPDX-License-Identifier: MIT
# autocue-trace --python (issue 11) on a real CPython: Debian's
# /usr/bin/python3, whose python:function__entry/__return probes sit behind
# semaphores. tests/targets/python/pyworkload.py counts its own calls with
# sys.setprofile (which CPython 3.11 needs anyway to fire its entry probe:
# gh-98894); every traced function's call count must equal its own, with
# recursion, 4 threads, a generator, a coroutine, an exception unwinding
# three frames, two classes' methods of one name (rows by qualified name)
# and a package's modules; its busy() of 2 ms must read within 5% of its
# in-process timing. Then: globs (with an exclusion), folded paths, attach
# by PID mid-run with the semaphores raised while attached and back at zero
# after, the interpreter without entries named in one line, and one clear
# line for a binary without the probes. A C library's autocue probe
# (-b libtraced.so, called through ctypes) nests under its Python caller in
# the folded paths. A dynamically linked CPython: its libpython found in
# the process's maps by PID, named with --python-bin for a command. Root
# only.
#   BUILD=build sh tests/bpf/python.sh
set -eu
. tests/bpf/common.shlib
PY=/usr/bin/python3
WL=tests/targets/python/pyworkload.py
LIB=$BUILD/tests/targets/libtraced.so
PYMAIN=$BUILD/tests/targets/pymain	# CPython linked to libpython3.X.so

require_root python
require python "$TRACE" "$PY" "$WL" "$LIB" "$PYMAIN"

tmp=$(mktemp -d)
pid=
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM
fail() {
	echo "python: FAIL: $*" >&2
	exit 1
}

# 1. every function's calls as the program counts them (with its profiler
# hook: --python-hooked, or python:line would make the hook's own Python
# function fire entries too, a row of its own)
AUTOCUE_TEST_LIB=$LIB "$TRACE" -q --python 'pyworkload.*,pkgdemo.*' -b "$LIB" \
	--python-hooked --json "$tmp/r.json" --folded "$tmp/r.folded" \
	-- "$PY" "$WL" "$tmp/counts.json" \
	> "$tmp/table" 2> "$tmp/err" || fail "trace exited $?: $(cat "$tmp/err")"
"$PY" - "$tmp/r.json" "$tmp/counts.json" <<'PYEOF' || fail "counts differ"
import json, statistics, sys
rep = json.load(open(sys.argv[1]))
own = json.load(open(sys.argv[2]))
rows = {p["name"]: p for p in rep["stats"]}
bad = 0
for name, n in sorted(own["calls"].items()):
    got = rows.get(name, {}).get("call_count")
    if got != n:
        print(f"python: {name}: traced {got} calls, the program counted {n}")
        bad = 1
if rows.get("lib_work", {}).get("call_count") != 25:
    print("python: lib_work:", rows.get("lib_work"))
    bad = 1
extra = set(rows) - set(own["calls"]) - {"lib_work"}
if extra:
    print("python: rows the program did not count:", sorted(extra))
    bad = 1
for name, want in (("pyworkload.rec", 600), ("pyworkload.worker", 4),
                   ("pyworkload.gen", 200), ("pyworkload.raiser1", 30),
                   ("pkgdemo.sub.inner", 20), ("pkgdemo.top", 20),
                   ("pyworkload.call_c", 25), ("pyworkload.co_main", 31),
                   ("pyworkload.co", 40), ("pyworkload.Left.step", 70),
                   ("pyworkload.Right.step", 30)):
    if own["calls"].get(name) != want:
        print(f"python: the workload counted {own['calls'].get(name)} {name}, not {want}")
        bad = 1
lost = rep["dropped"]
for key in ("unwound_frames", "depth_overflow", "python_ids_full"):
    if lost.get(key):
        print(f"python: lost {key}: {lost[key]}")
        bad = 1
# the medians within 5%, or within the spread of busy()'s own timings
# where the host's scheduler makes one (other runnable threads on every
# core preempt the 2 ms loops here and there, the probes' windows too)
inproc = statistics.median(own["busy_ns"])
q1, _, q3 = statistics.quantiles(own["busy_ns"], n=4)
traced = rows["pyworkload.busy"]["median_time_ms"] * 1e6
if abs(traced - inproc) > max(0.05 * inproc, q3 - q1):
    print(f"python: busy() median {traced} ns traced, {inproc} ns in-process"
          f" (its quartiles {q1}, {q3})")
    bad = 1
sys.exit(bad)
PYEOF
grep -q '^pyworkload.work;pyworkload.rec;pyworkload.rec;pyworkload.rec ' "$tmp/r.folded" ||
	fail "no nested rec frames in the folded paths"
grep -q '^pyworkload.work;pyworkload.catcher;pyworkload.raiser3;pyworkload.raiser2;pyworkload.raiser1 ' "$tmp/r.folded" ||
	fail "the raising frames do not nest in the folded paths"
grep -q '^pyworkload.work;pyworkload.call_c;lib_work ' "$tmp/r.folded" ||
	fail "the C probe does not nest under its Python caller"
grep -q 'entries' "$tmp/err" && fail "warned about missing entries: $(cat "$tmp/err")"
# the semaphores of function__entry, __return and line, read from a
# process's memory (a non-PIE python: their link-time addresses)
sem_addrs=$(readelf -n "$PY" | awk '/Name: (function__entry|function__return|line)$/ { getline; print $NF }')
[ "$(echo "$sem_addrs" | wc -w)" -eq 3 ] || fail "no semaphores in $PY's notes"
sems() {	# their values in process $1, in the notes' order: line entry return
	"$PY" - "$1" $sem_addrs <<'PYEOF'
import sys
with open(f"/proc/{sys.argv[1]}/mem", "rb") as m:
    out = []
    for a in sys.argv[2:]:
        m.seek(int(a, 16))
        out.append(str(int.from_bytes(m.read(2), "little")))
print(" ".join(out))
PYEOF
}
sems_reach() {	# PID VALUES: within 10 s (a tracer attaching, or its links
	# released, under load)
	for _ in $(seq 200); do
		[ "$(sems $1)" = "$2" ] && return 0
		sleep 0.05
	done
	return 1
}

# 1b. no profiler in the program (CPython 3.11 fires entries then only while
# python:line's semaphore is up): the same counts as a command, and attached
# by PID to a program already running (its open frames' returns unmatched)
same_counts() {	# REPORT.json [NAME...]: its Python rows are test 1's
	# counts, and NAMEs (functions its profiler did not see) called once
	"$PY" - "$tmp/counts.json" "$@" <<'PYEOF'
import json, sys
own = json.load(open(sys.argv[1]))["calls"]
rows = {p["name"]: p["call_count"] for p in json.load(open(sys.argv[2]))["stats"]}
own.update({k: 1 for k in sys.argv[3:]})
py = {k: v for k, v in rows.items() if k != "lib_work"}
if py != own:
    print("python: no profiler: (traced, counted):",
          {k: (py.get(k), own.get(k)) for k in set(py) | set(own)
           if py.get(k) != own.get(k)})
    sys.exit(1)
PYEOF
}
AUTOCUE_TEST_NOPROF=1 AUTOCUE_TEST_LIB=$LIB "$TRACE" -q --python 'pyworkload.*,pkgdemo.*' \
	-b "$LIB" --json "$tmp/n.json" --folded "$tmp/n.folded" \
	-- "$PY" "$WL" "$tmp/nc.json" > /dev/null 2> "$tmp/n.err" ||
	fail "no-profiler command exited $?: $(cat "$tmp/n.err")"
# the modules' and classes' bodies and main() run before the program's
# profiler is set
same_counts "$tmp/n.json" 'pyworkload.<module>' pyworkload.main \
	pyworkload.Left pyworkload.Right 'pkgdemo.<module>' \
	'pkgdemo.sub.<module>' || fail "no-profiler command: counts differ"
grep -q '^pyworkload.<module>;pyworkload.main;pyworkload.work;pyworkload.call_c;lib_work ' "$tmp/n.folded" ||
	fail "no profiler: the C probe does not nest under its Python caller"
grep -q '^pyworkload.<module>;pyworkload.main;pyworkload.work;pyworkload.catcher;pyworkload.raiser3;pyworkload.raiser2;pyworkload.raiser1 ' "$tmp/n.folded" ||
	fail "no profiler: the raising frames do not nest in the folded paths"
grep -q 'entries' "$tmp/n.err" && fail "no profiler: warned about missing entries: $(cat "$tmp/n.err")"
# by_pid WHAT GO "TRACE OPTIONS" PROGRAM...: PROGRAM prints a line when
# ready, then waits for the file GO; traced by PID from then (semaphores
# 0 0 0 before, 1 1 1 while attached; once the tracer's banner says
# every probe is in), it runs to its end, and so does the tracer (its
# stderr in $tmp/WHAT.err)
by_pid() {
	what=$1 go=$2 topts=$3
	shift 3
	mkfifo "$tmp/$what.ready"
	"$@" > "$tmp/$what.ready" &
	pid=$!
	read -r line < "$tmp/$what.ready"
	[ "$(sems $pid)" = "0 0 0" ] || fail "$what: semaphores before attach: $(sems $pid)"
	# shellcheck disable=SC2086 # the options are words
	"$TRACE" -p "$pid" $topts > /dev/null 2> "$tmp/$what.err" &
	tpid=$!
	# the banner comes once every probe is in (the semaphores rise with
	# the interpreter's, and a slow host may still be attaching the rest)
	wait_banner "$tmp/$what.err" $tpid
	grep -q '^Tracing' "$tmp/$what.err" || fail "$what: no banner: $(cat "$tmp/$what.err")"
	sems_reach $pid "1 1 1" || fail "$what: semaphores never read 1 1 1: $(sems $pid)"
	touch "$go"
	wait $pid || fail "$what: the program exited $?"
	pid=
	wait $tpid || fail "$what: attach by PID exited $?: $(cat "$tmp/$what.err")"
}
by_pid np "$tmp/go" "--python pyworkload.*,pkgdemo.* --json $tmp/np.json" \
	env AUTOCUE_TEST_NOPROF=1 AUTOCUE_TEST_LIB="$LIB" "$PY" "$WL" "$tmp/nc2.json" wait "$tmp/go"
"$PY" -c "
import json, sys
p = json.load(open('$tmp/np.json'))
sys.exit(0 if p['dropped'].get('unmatched_returns', 0) >= 1 else 1)" ||
	fail "no profiler by PID: the frames open at attach were not counted as unmatched returns"
same_counts "$tmp/np.json" || fail "no-profiler by PID: counts differ"

# 1c. --func with --python: a C function without probes (lib_plain, called
# by the library's lib_work probe) nests under lib_work under its Python
# caller, counts exact; as a command with -b LIB, and by PID with the
# library found in the process's maps by itself
AUTOCUE_TEST_NOPROF=1 AUTOCUE_TEST_LIB=$LIB "$TRACE" -q --python 'pyworkload.call_c' \
	--func lib_plain -b "$LIB" --json "$tmp/f.json" --folded "$tmp/f.folded" \
	-- "$PY" "$WL" "$tmp/fc.json" > /dev/null 2> "$tmp/f.err" ||
	fail "--python --func command exited $?: $(cat "$tmp/f.err")"
func_rows() {	# REPORT.json N: call_c (or the caller), lib_work, lib_plain N calls each
	"$PY" - "$@" <<'PYEOF'
import json, sys
rep = json.load(open(sys.argv[1]))
rows = {p["name"]: p["call_count"] for p in rep["stats"]}
n = int(sys.argv[2])
want = {sys.argv[3]: n, "lib_work": n, "lib_plain": n}
if rows != want:
    print("python: --python --func rows:", rows, "want", want)
    sys.exit(1)
PYEOF
}
func_rows "$tmp/f.json" 25 pyworkload.call_c || fail "--python --func: counts differ"
grep -qx 'pyworkload.call_c;lib_work;lib_plain [0-9]*' "$tmp/f.folded" ||
	fail "--func does not nest under the probe under the Python caller: $(cat "$tmp/f.folded")"
cat > "$tmp/ctl.py" <<'PYEOF'
import ctypes, os, sys, time
def call(lib):
    return lib.lib_work(7)
def main():
    lib = ctypes.CDLL(sys.argv[1])
    print("ready", flush=True)
    while not os.path.exists(sys.argv[2]):
        time.sleep(0.01)
    for _ in range(300):
        call(lib)
main()
PYEOF
by_pid fp "$tmp/fgo" \
	"--python ctl.call --func lib_plain --json $tmp/fp.json --folded $tmp/fp.folded" \
	"$PY" "$tmp/ctl.py" "$LIB" "$tmp/fgo"
func_rows "$tmp/fp.json" 300 ctl.call || fail "--python --func by PID: counts differ"
grep -qx 'ctl.call;lib_work;lib_plain [0-9]*' "$tmp/fp.folded" ||
	fail "by PID: --func does not nest under the probe under the Python caller: $(cat "$tmp/fp.folded")"

# 2. globs: one function (in exact mode, asserted on); everything of the
# module but leaf
rc=0
"$TRACE" -q --python 'pyworkload.leaf' --json "$tmp/g1.json" \
	--raw "$tmp/g1.raw" --assert 'pyworkload.leaf:count<4000' \
	-- "$PY" "$WL" "$tmp/c1.json" > "$tmp/g1.out" 2>&1 || rc=$?
[ $rc -eq 3 ] || fail "an assertion on 4000 calls < 4000 exited $rc, not 3"
grep -q '^pyworkload.leaf  *count  *<  *4000  *4000  *FAIL' "$tmp/g1.out" ||
	fail "assertion row: $(grep pyworkload.leaf "$tmp/g1.out")"
[ "$(grep -c '^pyworkload.leaf ' "$tmp/g1.raw")" -eq 4000 ] ||
	fail "exact mode streamed $(grep -c '^pyworkload.leaf ' "$tmp/g1.raw") leaf calls, not 4000"
"$TRACE" -q --python='pyworkload.*,!pyworkload.leaf' --json "$tmp/g2.json" \
	-- "$PY" "$WL" "$tmp/c2.json" > /dev/null 2>&1 || fail "exclusion run failed"
"$PY" - "$tmp/g1.json" "$tmp/g2.json" <<'PYEOF' || fail "globs"
import json, sys
one = [p["name"] for p in json.load(open(sys.argv[1]))["stats"]]
rest = {p["name"]: p["call_count"] for p in json.load(open(sys.argv[2]))["stats"]}
ok = one == ["pyworkload.leaf"]
ok &= "pyworkload.leaf" not in rest and rest.get("pyworkload.rec") == 600
ok &= not any(n.startswith("pkgdemo") for n in rest)
if not ok:
    print("python: glob rows:", one, sorted(rest))
sys.exit(0 if ok else 1)
PYEOF

# -b naming the interpreter itself is the interpreter (as --python-bin)
"$TRACE" -q --python 'pyworkload.leaf' -b "$(readlink -f "$PY")" --json "$tmp/bi.json" \
	-- "$PY" "$WL" "$tmp/cbi.json" > /dev/null 2> "$tmp/bi.err" ||
	fail "-b INTERPRETER exited $?: $(cat "$tmp/bi.err")"
"$PY" -c "
import json, sys
p = {r['name']: r['call_count'] for r in json.load(open('$tmp/bi.json'))['stats']}
sys.exit(0 if p == {'pyworkload.leaf': 4000} else 1)" ||
	fail "-b INTERPRETER: rows $(cat "$tmp/bi.json" | head -c 300)"

# per-interval parts add up exactly, functions joining the rows as they
# are first called: each interval's read-out takes its counts out of the
# maps (ac_trace_snapshot_take), so a call ending meanwhile is in the next
# interval, never in none; intervals of 50 ms cut the run in several. Each
# read-out made 30 ms slow between naming the functions and reading the
# maps (a sanitized tracer, a loaded host): the functions first called in
# between were cleared unnamed, their calls in no interval
"$TRACE" -q --python 'pyworkload.*' --python-hooked -i 0.05 --reset-each-interval \
	--test-readout-delay 30000 \
	--json "$tmp/parts.jsonl" -- "$PY" "$WL" "$tmp/c4.json" > /dev/null 2>&1 ||
	fail "per-interval run failed"
"$PY" - "$tmp/parts.jsonl" "$tmp/c4.json" <<'PYEOF' || fail "per-interval parts"
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
final = lines[-1]
rows = {p["name"]: p["call_count"] for p in final["stats"]}
parts = {}
for l in lines[:-1]:
    for p in l["stats"]:
        parts[p["name"]] = parts.get(p["name"], 0) + p["call_count"]
own = {k: v for k, v in json.load(open(sys.argv[2]))["calls"].items()
       if k.startswith("pyworkload.")}
if len(lines) < 4 or not final.get("final") or rows != own:
    print("python: parts:", len(lines), "intervals; total", rows, "counted", own)
    sys.exit(1)
# the last part (after the last interval) is in the total only
if any(parts.get(k, 0) > rows[k] for k in rows):
    print("python: intervals add up to more than the total:", parts, rows)
    sys.exit(1)
PYEOF

# 3. by PID, mid-run: semaphores up while attached, at zero after (after
# the tracer is killed too). A program with a profiler hook in its every
# thread is seen to have one: python:line stays down (0 1 1); one without
# gets it raised (1 1 1).
n=0
for mode in hooked line killed; do
	n=$((n + 1))
	want="1 1 1" noprof=1
	[ $mode = hooked ] && want="0 1 1" noprof=
	mkfifo "$tmp/r3_$n"
	AUTOCUE_TEST_NOPROF=$noprof "$PY" "$WL" "$tmp/c3.json" serve "$tmp/s3_$n" \
		> "$tmp/r3_$n" &
	pid=$!
	read -r line < "$tmp/r3_$n"
	[ "$(sems $pid)" = "0 0 0" ] || fail "semaphores before attach: $(sems $pid)"
	"$TRACE" -q -p "$pid" --python 'pyworkload.leaf' -d 2 --json "$tmp/p.json" \
		> "$tmp/p.table" 2> "$tmp/p.err" &
	tpid=$!
	sems_reach $pid "$want" || fail "semaphores ($mode) never read $want while attached: $(sems $pid)"
	if [ $mode = killed ]; then
		# no detach at all: the kernel lowers them as the links' files close
		kill -KILL $tpid
		wait $tpid 2>/dev/null || true
		sems_reach $pid "0 0 0" ||
			fail "semaphores after the tracer was killed: $(sems $pid)"
	else
		wait $tpid || fail "attach by PID ($mode) exited $?: $(cat "$tmp/p.err")"
		[ "$(sems $pid)" = "0 0 0" ] || fail "semaphores after detach ($mode): $(sems $pid)"
		"$PY" -c "
import json, sys
p = {r['name']: r['call_count'] for r in json.load(open('$tmp/p.json'))['stats']}
sys.exit(0 if p.get('pyworkload.leaf', 0) > 100 else 1)" ||
			fail "attach by PID ($mode) counted no leaf calls: $(cat "$tmp/p.table")"
	fi
	touch "$tmp/s3_$n"
	wait $pid || fail "the workload ($mode) exited $? after the tracer detached"
	pid=
done

# 4. an interpreter whose entries do not fire (--python-hooked, and no
# profiler set): one line
"$TRACE" -q --python --python-hooked -- "$PY" -c 'def f(): return 1
for i in range(2000): f()' > /dev/null 2> "$tmp/noentry" ||
	fail "the no-profiler run failed: $(cat "$tmp/noentry")"
grep -q 'had no entry.*gh-98894' "$tmp/noentry" ||
	fail "no line about missing entries: $(cat "$tmp/noentry")"

# 5. a binary without the probes; a wrapper script
if "$TRACE" -q --python --python-bin "$TRACE" -- "$PY" -c pass 2> "$tmp/noprobe"; then
	fail "a binary without python probes was accepted"
fi
[ "$(wc -l < "$tmp/noprobe")" -eq 1 ] &&
	grep -q 'has no python:function__entry/function__return probes' "$tmp/noprobe" ||
	fail "no-probe message: $(cat "$tmp/noprobe")"
if "$TRACE" -q --python -p $$ 2> "$tmp/nopy"; then
	fail "a shell was taken for a Python process"
fi
[ "$(wc -l < "$tmp/nopy")" -eq 1 ] &&
	grep -q "PID $$ (.*) has no python:function__entry" "$tmp/nopy" ||
	fail "non-Python PID message: $(cat "$tmp/nopy")"
printf '#!/bin/sh\nexec %s "$@"\n' "$PY" > "$tmp/wrapper"
chmod +x "$tmp/wrapper"
if "$TRACE" -q --python -- "$tmp/wrapper" -c pass 2> "$tmp/wrap"; then
	fail "a wrapper script was taken for an interpreter"
fi
grep -q 'is not an ELF file: give the interpreter.*--python-bin' "$tmp/wrap" ||
	fail "wrapper message: $(cat "$tmp/wrap")"
# 6. a dynamically linked interpreter: the probes are libpython's
libpy=$(ldd "$PYMAIN" | awk '/libpython/ { print $3 }')
libpy=$(readlink -f "$libpy")
# (no profiler: python:line's semaphore is libpython's, raised there; the
# code objects read from a _PyRuntime loaded at a bias: qualified names)
AUTOCUE_TEST_NOPROF=1 "$TRACE" -q --python 'pyworkload.leaf,pyworkload.*.step' \
	--python-bin "$libpy" --json "$tmp/d1.json" \
	-- "$PYMAIN" "$WL" "$tmp/d1c.json" > /dev/null 2> "$tmp/d1.err" ||
	fail "--python-bin $libpy: $(cat "$tmp/d1.err")"
"$PY" -c "
import json, sys
p = {r['name']: r['call_count'] for r in json.load(open('$tmp/d1.json'))['stats']}
own = json.load(open('$tmp/counts.json'))['calls']
want = {k: own[k] for k in ('pyworkload.leaf', 'pyworkload.Left.step', 'pyworkload.Right.step')}
sys.exit(0 if p == want else print(p, want))" ||
	fail "libpython by --python-bin: counts differ"
mkfifo "$tmp/ready2"
"$PYMAIN" "$WL" "$tmp/d2c.json" serve "$tmp/stop2" > "$tmp/ready2" &
pid=$!
read -r line < "$tmp/ready2"
"$TRACE" -p "$pid" --python 'pyworkload.leaf' -d 1 --json "$tmp/d2.json" \
	> /dev/null 2> "$tmp/d2.err" || fail "libpython by PID: $(cat "$tmp/d2.err")"
grep -q "in $libpy, PID $pid" "$tmp/d2.err" ||
	fail "libpython not found in the maps: $(cat "$tmp/d2.err")"
"$PY" -c "
import json, sys
p = {r['name']: r['call_count'] for r in json.load(open('$tmp/d2.json'))['stats']}
sys.exit(0 if p.get('pyworkload.leaf', 0) > 100 else 1)" ||
	fail "libpython by PID counted no leaf calls"
touch "$tmp/stop2"
wait $pid || fail "the dynamically linked workload exited $?"
pid=
echo "python: ok"

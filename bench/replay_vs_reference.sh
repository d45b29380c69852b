#!/bin/sh
# SPDX-License-Identifier: MIT
#
# replay_vs_reference.sh - a whole recogniser session, whole process, against
# the reference's whole run on the same session (issue 9, item 7): a noisy
# session for the ~10,000-word long_script (gen-session), replayed by
# autocue-replay (parse, tracker, every event, every output line) and by the
# real Python tracker (../shared/python-autocue/run_tracker.py), with the
# medians of both and their ratio. `make bench-replay` builds and runs it.
#
# Environment: BUILD (default build), SHARED (default ../shared),
#   SEED (gen-session seed, default 1), ROUNDS (default 7; each round is
#   REPLAYS runs of autocue-replay, default 5, and one of the reference,
#   interleaved so that the shared machine's drifts hit both alike),
#   AUTOCUE_REF (an Autocue checkout; without it the reference half is
#   skipped, with a message), PYTHON (default /usr/bin/python3, Debian's).

BUILD=${BUILD:-build}
SHARED=${SHARED:-../shared}
SEED=${SEED:-1}
ROUNDS=${ROUNDS:-7}
REPLAYS=${REPLAYS:-5}
PYTHON=${PYTHON:-/usr/bin/python3}
SCRIPT=$SHARED/conformance/scripts/long_script.md
RUNNER=$SHARED/python-autocue/run_tracker.py
SESSION=$BUILD/bench/long_script__noisy__$SEED.events.jsonl

set -e
mkdir -p "$BUILD/bench"
"$BUILD/gen-session" --seed "$SEED" -o "$SESSION" "$SCRIPT"
set +e

REF=
if [ -z "$AUTOCUE_REF" ]; then
	echo "reference: skipped (AUTOCUE_REF is not set: point it at an Autocue checkout, see $SHARED/python-autocue/README.md)"
elif [ ! -d "$AUTOCUE_REF/src/autocue" ]; then
	echo "reference: skipped (AUTOCUE_REF=$AUTOCUE_REF holds no src/autocue)"
elif ! AUTOCUE_REF="$AUTOCUE_REF" "$PYTHON" "$RUNNER" "$SCRIPT" "$SESSION" >/dev/null 2>"$BUILD/bench/reference.err"; then
	echo "reference: skipped (it does not run here: $(tail -n 1 "$BUILD/bench/reference.err"))"
else
	REF=yes
fi

# Each run's wall time, and its CPU time (user + sys) from the kernel's
# accounting of that finished child (wait4), in milliseconds.
exec "$PYTHON" - "$BUILD/autocue-replay" "$SCRIPT" "$SESSION" "$ROUNDS" \
	"$REPLAYS" "$REF" "$PYTHON" "$RUNNER" <<'PYEOF'
import os, statistics, subprocess, sys, time

replay, script, session, rounds, replays, ref, python, runner = sys.argv[1:]
rounds, replays = int(rounds), int(replays)

def run(argv):
    t0 = time.perf_counter()
    child = subprocess.Popen(argv, stdout=subprocess.DEVNULL)
    _, status, ru = os.wait4(child.pid, 0)  # this child's own rusage
    wall = time.perf_counter() - t0
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode:
        sys.exit(f"{argv[0]} failed: exit {child.returncode}")
    return wall * 1e3, (ru.ru_utime + ru.ru_stime) * 1e3

ours = [replay, script, session]
theirs = [python, runner, script, session]
events = sum(1 for line in open(session) if line.strip())
c, r = [], []
run(ours)                                   # warm-up: page cache, binary
if ref:
    run(theirs)
for _ in range(rounds):
    c += [run(ours) for _ in range(replays)]
    if ref:
        r.append(run(theirs))

def med(v, k):
    return statistics.median(x[k] for x in v)

print(f"session: long_script.md, {events} events ({os.path.basename(session)})")
print(f"{'':28} {'runs':>5} {'wall ms':>10} {'cpu ms':>10}   (medians)")
print(f"{'autocue-replay':28} {len(c):5} {med(c, 0):10.1f} {med(c, 1):10.1f}")
if not ref:
    sys.exit(0)
print(f"{'reference (Python)':28} {len(r):5} {med(r, 0):10.1f} {med(r, 1):10.1f}")
wall, cpu = med(r, 0) / med(c, 0), med(r, 1) / med(c, 1)
print(f"{'speed-up':28} {'':5} {wall:9.0f}x {cpu:9.0f}x   "
      f"{'ok' if min(wall, cpu) >= 100 else 'BELOW 100x'}")
PYEOF

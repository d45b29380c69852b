#!/bin/sh
# SPDX-License-Identifier: MIT
#
# record.sh - what autocue-trace record costs, side by side with perf
# record in one run: a fixed amount of work (hot_target, one thread, ROUNDS
# rounds of ~1.4 ms in two probe scopes, some libc and kernel time), run
# untraced and under each sampler at 99 and 999 Hz, interleaved round by
# round so the shared machine's drifts hit every configuration alike.
# Medians of RUNS runs (default and minimum 5):
#   - target slowdown: its CPU time and wall time (its own clocks, from
#     main to its end) against the untraced runs; the sampler's BPF program
#     and the kernel's unwind run in the target's context and land there;
#   - tracer CPU: user + system time of the tracer process (autocue-trace:
#     load, attach, read-out, symbols and reports; perf: writing
#     perf.data), and for perf also `perf report`'s, which turns its
#     samples into names as record does at its end.
# autocue-trace runs with --no-scopes (sampling alone) and as it comes
# (the probes attached too: the latency programs' cost on top).
# Needs root; perf (linux-perf) for its half.
#   BUILD=build RUNS=5 ROUNDS=1500 sh bench/record.sh

BUILD=${BUILD:-build}
RUNS=${RUNS:-5}
ROUNDS=${ROUNDS:-1500}
TRACE=$BUILD/autocue-trace
HOT=$BUILD/tests/targets/hot_target

if [ "$(id -u)" -ne 0 ]; then
	echo "bench-record: SKIP (needs root: perf events, BPF)"
	exit 0
fi
for f in "$TRACE" "$HOT"; do
	[ -x "$f" ] || { echo "bench-record: $f missing: run it as make bench-record" >&2; exit 1; }
done
case $RUNS in ''|*[!0-9]*) RUNS=5 ;; esac
[ "$RUNS" -ge 5 ] || RUNS=5
case $ROUNDS in ''|*[!0-9]*) ROUNDS=1500 ;; esac
PERF=perf
command -v perf >/dev/null 2>&1 || PERF=

exec python3 - "$TRACE" "$HOT" "$RUNS" "$ROUNDS" "$PERF" <<'PY'
import os, resource, statistics, subprocess, sys, tempfile, time

trace, hot, runs, rounds, perf = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5]
tmp = tempfile.mkdtemp(prefix='autocue-bench-record.')
work = [hot, '-t', '1', '-r', rounds]

def children_cpu():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime

def run(cmd):
    """(target CPU s, target wall s, CPU s of everything else the command
    ran: the tracer)"""
    before = children_cpu()
    t0 = time.monotonic()
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    wall = time.monotonic() - t0
    spent = children_cpu() - before
    if p.returncode:
        sys.exit('bench-record: %s failed (exit %d): %s' % (cmd[0], p.returncode, p.stderr[-500:]))
    cpu = [int(l.split()[1]) for l in p.stdout.splitlines() if l.startswith('cpu_ns ')]
    twall = [int(l.split()[1]) for l in p.stdout.splitlines() if l.startswith('wall_ns ')]
    if not cpu or not twall:
        sys.exit('bench-record: no cpu_ns/wall_ns from the target: %s' % p.stdout[-300:])
    return cpu[0] / 1e9, twall[0] / 1e9, spent - cpu[0] / 1e9

def report_cpu(data):
    before = children_cpu()
    subprocess.run([perf, 'report', '-i', data, '--stdio', '-g', 'none'],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return children_cpu() - before

configs = [('untraced', None)]
for hz in (99, 999):
    configs.append(('autocue-trace record -F %d --no-scopes' % hz,
                    [trace, 'record', '-q', '-F', str(hz), '--no-scopes',
                     '--folded', tmp + '/r.folded', '--'] + work))
    configs.append(('autocue-trace record -F %d (scopes)' % hz,
                    [trace, 'record', '-q', '-F', str(hz),
                     '--folded', tmp + '/r.folded', '--'] + work))
    if perf:
        configs.append(('perf record -F %d -g' % hz,
                        [perf, 'record', '-q', '-F', str(hz), '-g', '-o',
                         tmp + '/perf.data', '--'] + work))
res = {name: [] for name, _ in configs}
rep = {99: [], 999: []}
for i in range(runs):
    for name, cmd in configs:
        res[name].append(run(cmd if cmd else work))
        if cmd and cmd[0] == perf:
            rep[int(name.split()[3])].append(report_cpu(tmp + '/perf.data'))

med = lambda v: statistics.median(v)
base_cpu = med([r[0] for r in res['untraced']])
base_wall = med([r[1] for r in res['untraced']])
print('bench-record: hot_target -t 1 -r %s, medians of %d runs, interleaved' % (rounds, runs))
print('%-40s %11s %9s %11s %9s %12s' % ('', 'target CPU', 'slowdown', 'target wall', 'slowdown', 'tracer CPU'))
for name, _ in configs:
    c = med([r[0] for r in res[name]])
    w = med([r[1] for r in res[name]])
    t = med([r[2] for r in res[name]]) if name != 'untraced' else 0
    print('%-40s %9.3f s %+8.2f%% %9.3f s %+8.2f%% %10.3f s' %
          (name, c, 100 * (c / base_cpu - 1), w, 100 * (w / base_wall - 1), t))
    if name.startswith('perf'):
        hz = int(name.split()[3])
        print('%-40s %11s %9s %11s %9s %10.3f s' % ('  + perf report --stdio (names)', '', '', '', '', med(rep[hz])))
for hz in (99, 999):
    a = med([r[2] for r in res['autocue-trace record -F %d --no-scopes' % hz]])
    if perf:
        p = med([r[2] for r in res['perf record -F %d -g' % hz]]) + med(rep[hz])
        print('tracer CPU at %d Hz, record against perf record + perf report: %.2fx' % (hz, a / p if p else float('nan')))
subprocess.run(['rm', '-rf', tmp])
PY

#!/bin/sh
# SPDX-License-Identifier: MIT
#
# record.sh - what autocue-trace record costs, side by side with perf
# record and bcc's profile in one run: a fixed amount of work (hot_target, one thread, ROUNDS
# rounds of ~1.4 ms in two probe scopes, some libc and kernel time), run
# untraced and under each sampler at 99 and 999 Hz, interleaved round by
# round so the shared machine's drifts hit every configuration alike.
# Medians of RUNS runs (default and minimum 5):
#   - target slowdown: its CPU time and wall time (its own clocks, from
#     main to its end) against the untraced runs; the sampler's BPF program
#     and the kernel's unwind run in the target's context and land there;
#   - tracer CPU: user + system time of the tracer process (autocue-trace:
#     load, attach, read-out, symbols and reports; perf: writing
#     perf.data; bcc's profile: compiling its BPF program with LLVM,
#     reading its maps and naming the stacks), and for perf also `perf
#     report`'s, which turns its samples into names as record does at its
#     end.
# bcc's profile attaches by PID only: the target waits on a line (-w)
# until profile's perf events are open, and profile is stopped (SIGINT,
# it then prints its folded stacks) once the target has exited. bcc
# compiles against kernel headers: without the running kernel's, Debian's
# linux-headers-amd64 (its BPF program reads only pt_regs and the perf
# event's data, whose layouts do not change) merged into one tree here.
# autocue-trace runs with --no-scopes (sampling alone) and as it comes
# (the probes attached too: the latency programs' cost on top).
# Needs root; perf (linux-perf) and bcc's profile (bpfcc-tools,
# linux-headers-amd64) for theirs.
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
BCC=$(command -v profile-bpfcc || true)

exec python3 - "$TRACE" "$HOT" "$RUNS" "$ROUNDS" "$PERF" "$BCC" <<'PY'
import glob, os, resource, signal, statistics, subprocess, sys, tempfile, time

trace, hot, runs, rounds, perf, bcc = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5], sys.argv[6]
tmp = tempfile.mkdtemp(prefix='autocue-bench-record.')
work = [hot, '-t', '1', '-r', rounds]

def bcc_headers():
    """the kernel headers bcc compiles against: the running kernel's, or
    Debian's generic ones merged into one tree (a farm of symlinks)"""
    rel = os.uname().release
    if os.path.isdir('/lib/modules/%s/build/include' % rel) or os.path.exists('/sys/kernel/kheaders.tar.xz'):
        return {}
    arch = sorted(glob.glob('/usr/src/linux-headers-*-amd64'))
    if not arch:
        return None
    common = arch[-1][:-len('amd64')] + 'common'
    tree = tmp + '/kernel-headers'
    for d in (common, arch[-1]):
        subprocess.run(['cp', '-rsf', d + '/.', tree + '/'], check=True)
    return {'BCC_KERNEL_SOURCE': tree}

def perf_events(pid):
    n = 0
    for fd in os.listdir('/proc/%d/fd' % pid):
        try:
            n += os.readlink('/proc/%d/fd/%s' % (pid, fd)) == 'anon_inode:[perf_event]'
        except OSError:
            pass
    return n

def run_bcc(hz):
    """(target CPU s, target wall s from its release, profile's CPU s)"""
    t = subprocess.Popen(work + ['-w'], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    if t.stdout.readline().strip() != 'ready':
        sys.exit('bench-record: the target did not wait for its line')
    with open(tmp + '/bcc.folded', 'w') as out, open(tmp + '/bcc.err', 'w') as err:
        p = subprocess.Popen([bcc, '-F', str(hz), '-f', '-p', str(t.pid)], stdout=out, stderr=err,
                             env=dict(os.environ, **bcc_env))
    end = time.monotonic() + 120
    while perf_events(p.pid) < os.cpu_count():
        if p.poll() is not None or time.monotonic() > end:
            t.kill()
            sys.exit('bench-record: bcc profile did not start: %s' % open(tmp + '/bcc.err').read()[-500:])
        time.sleep(0.01)
    out, _ = t.communicate('go\n')
    p.send_signal(signal.SIGINT)
    _, status, ru = os.wait4(p.pid, 0)
    p.returncode = 0	# reaped here, with its rusage
    if not os.WIFEXITED(status) or os.WEXITSTATUS(status) or os.path.getsize(tmp + '/bcc.folded') == 0:
        sys.exit('bench-record: bcc profile failed (status %d): %s' % (status, open(tmp + '/bcc.err').read()[-500:]))
    cpu = [int(l.split()[1]) for l in out.splitlines() if l.startswith('cpu_ns ')]
    twall = [int(l.split()[1]) for l in out.splitlines() if l.startswith('wall_ns ')]
    return cpu[0] / 1e9, twall[0] / 1e9, ru.ru_utime + ru.ru_stime

bcc_env = bcc_headers() if bcc else None
if bcc and bcc_env is None:
    print('bench-record: no kernel headers for bcc (make deps: linux-headers-amd64): bcc profile left out')
    bcc = ''

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
    if bcc:
        configs.append(('bcc profile -F %d -f' % hz, hz))
res = {name: [] for name, _ in configs}
rep = {99: [], 999: []}
for i in range(runs):
    for name, cmd in configs:
        res[name].append(run_bcc(cmd) if isinstance(cmd, int) else run(cmd if cmd else work))
        if isinstance(cmd, list) and cmd[0] == perf:
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
    if bcc:
        b = med([r[2] for r in res['bcc profile -F %d -f' % hz]])
        print('tracer CPU at %d Hz, record against bcc profile: %.2fx' % (hz, a / b if b else float('nan')))
subprocess.run(['rm', '-rf', tmp])
PY

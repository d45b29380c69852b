#!/bin/sh
# SPDX-License-Identifier: MIT
# autocue-trace record on hot_target, whose threads spend known shares of
# their CPU in known functions inside probe scopes (70% hot_a in scope_x,
# 30% hot_b in scope_x;scope_y, counted in iterations), then some in
# libc's memfrob and in the kernel (reads of /dev/zero):
#  - mixed stacks: hot_a's samples under scope_x, hot_b's under
#    scope_x;scope_y, shares within 5 points of 70/30 (3 standard
#    deviations when a run has under 760 samples there: the 999 Hz run has
#    thousands); the inlined mix() named above each; memfrob (libc)
#    resolved; sample counts within 10% of the process's CPU time x HZ
#    (its own clock; 3 standard deviations under 900), at 99 and 999 Hz;
#    the JSON's per-function counts agree with the folded file;
#  - kernel frames with the default, none with --user-only, only kernel
#    frames with --kernel-only; --no-scopes: no scope prefix;
#  - a stripped binary: addresses, kept, and a warning; one without frame
#    pointers: the warning;
#  - -p on a process that exits mid-run: everything written, names
#    resolved after it is gone; a process in another mount namespace
#    whose binary is at a path ours does not have: resolved;
#  - --latency: the latency table and the samples from one attach;
#  - several processes (-p A,B; -p NAME; --comm NAME): each stack under
#    its comm-PID, every process there, the shares and scopes as for one,
#    the JSON's processes adding up to the samples;
#  - probes in a library only (uselib's libtraced.so), by PID and for a
#    command: its scope found as tracing finds it;
#  - --func and --python targets as scopes: hot_a's samples under the
#    hot_a function's scope, a Python program's 70/30 shares under its
#    Python functions (whose own frames are the interpreter's);
#  - the flamegraph rendered by headless Chromium;
#  - bad input: one line, exit 1, nothing sampled.
# Root only.
set -u
. tests/bpf/common.shlib
HOT=$BUILD/tests/targets/hot_target
PYHOT=tests/targets/python/pyhot.py
CHROMIUM=${CHROMIUM:-chromium}

require_root record
require record "$TRACE" "$HOT" "$BUILD/tests/targets/uselib" "${HOT}_nofp" "${HOT}_stripped" "$PYHOT" /usr/bin/python3

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT INT TERM
fails=0
ok() { echo "record: ok: $*"; }
bad() { echo "record: FAIL: $*" >&2; fails=$((fails + 1)); }

# check NAME FOLDED CHECKS...: python checks on a folded file (below)
check() {
	python3 - "$@" <<'PY'
import json, sys
name, folded = sys.argv[1], sys.argv[2]
checks = sys.argv[3:]
lines = []
for l in open(folded):
    stack, n = l.rstrip('\n').rsplit(' ', 1)
    lines.append((stack.split(';'), int(n)))
total = sum(n for _, n in lines)
errs = []
def share(pred, among=lambda f: True):
    base = sum(n for f, n in lines if among(f))
    return (sum(n for f, n in lines if among(f) and pred(f)) / base if base else 0), base
for c in checks:
    kind, _, arg = c.partition('=')
    if kind == 'procs':
        # every stack starts with its process, comm-PID, each one there;
        # the checks after this one see the stacks without it
        pids = arg.split(',')
        seen = set()
        for f, n in lines:
            pid = f[0].rsplit('-', 1)[-1]
            if pid not in pids:
                errs.append('a stack not under a process given: %s' % ';'.join(f))
                break
            seen.add(pid)
        if seen != set(pids):
            errs.append('processes %s, want %s' % (sorted(seen), sorted(pids)))
        lines[:] = [(f[1:], n) for f, n in lines]
    elif kind == 'jsonprocs':
        path, *pids = arg.split(',')
        procs = json.load(open(path))['processes']
        if sorted(str(p['pid']) for p in procs) != sorted(pids):
            errs.append('JSON processes %s, want %s' % (procs, pids))
        elif sum(p['samples'] for p in procs) != total or min(p['samples'] for p in procs) <= 0:
            errs.append('JSON processes %s, %d samples in the folded file' % (procs, total))
    elif kind == 'first':
        if not any(f[0] == arg for f, n in lines):
            errs.append('no stack under the scope %s' % arg)
    elif kind == 'funcscope':
        # --func 'hot_*': the sampled hot_a under the scope of hot_a's
        # own call, hot_b under scope_y's then hot_b's; in its body (mix),
        # not in the trap of its entry probe, before the scope is pushed
        for f, n in lines:
            sampled = f[f.index('start_thread'):] if 'start_thread' in f else []
            if 'mix' not in sampled:
                continue
            if 'hot_a' in sampled and f[:3] != ['scope_x', 'hot_a', 'start_thread']:
                errs.append('hot_a sampled outside scope_x;hot_a: %s' % ';'.join(f))
                break
            if 'hot_b' in sampled and f[:4] != ['scope_x', 'scope_y', 'hot_b', 'start_thread']:
                errs.append('hot_b sampled outside scope_x;scope_y;hot_b: %s' % ';'.join(f))
                break
        j = json.load(open(arg))
        scopes = {f['name'] for f in j['functions'] if f['kind'] == 'scope'}
        if not {'hot_a', 'hot_b', 'scope_x', 'scope_y'} <= scopes:
            errs.append('JSON scopes %s' % sorted(scopes))
    elif kind == 'pyshares':
        # pyhot.py: hot_a 70% and hot_b 30% of the samples in the work
        # they call (spin), each under scope_x then its own Python frame;
        # not those between the calls: the probes' traps (classic int3
        # sites, ~5 us a hit here, ~10 a call with the profiler's own
        # function) and the profiler's calls, as long for either
        in_x = lambda f: f[0] == 'pyhot.scope_x'
        in_ab = lambda f: in_x(f) and f[1:3] in (['pyhot.hot_a', 'pyhot.spin'], ['pyhot.hot_b', 'pyhot.spin'])
        a, base = share(lambda f: f[1:2] == ['pyhot.hot_a'], in_ab)
        b, _ = share(lambda f: f[1:2] == ['pyhot.hot_b'], in_ab)
        tol = max(0.05, 3 * (0.7 * 0.3 / base) ** 0.5) if base else 1
        if base < 50:
            errs.append('only %d samples under pyhot.scope_x;pyhot.hot_a/b;pyhot.spin' % base)
        elif abs(a - 0.70) > tol or abs(b - 0.30) > tol:
            errs.append('pyhot.hot_a %.1f%%, pyhot.hot_b %.1f%% of %d samples in them, want 70/30 +-%.1f'
                        % (100 * a, 100 * b, base, 100 * tol))
        wrong = [f for f, n in lines if any(x.startswith('pyhot.hot') for x in f) and not in_x(f)]
        if wrong:
            errs.append('a Python function outside pyhot.scope_x: %s' % ';'.join(wrong[0]))
    elif kind == 'mixed':
        in_x = lambda f: f[0] == 'scope_x'
        a, base = share(lambda f: 'hot_a' in f, in_x)
        b, _ = share(lambda f: 'hot_b' in f, in_x)
        if base < 50:
            errs.append('only %d samples under scope_x' % base)
        # +-5 points, or 3 standard deviations of a binomial share when
        # a short run has too few samples for that (n < 760)
        tol = max(0.05, 3 * (0.7 * 0.3 / base) ** 0.5) if base else 1
        if abs(a - 0.70) > tol or abs(b - 0.30) > tol:
            errs.append('hot_a %.1f%%, hot_b %.1f%% of %d samples in scope_x, want 70/30 +-%.1f'
                        % (100 * a, 100 * b, base, 100 * tol))
        wrong = [f for f, n in lines if 'hot_b' in f and f[:2] != ['scope_x', 'scope_y']]
        if wrong:
            errs.append('hot_b outside scope_x;scope_y: %s' % ';'.join(wrong[0]))
        wrong = [f for f, n in lines if 'hot_a' in f and (f[0] != 'scope_x' or 'scope_y' in f)]
        if wrong:
            errs.append('hot_a outside scope_x alone: %s' % ';'.join(wrong[0]))
        m, _ = share(lambda f: f[0] == 'scope_x' and 'hot_a' in f)
        if m <= 0.5:
            errs.append('hot_a under scope_x holds %.1f%% of all samples, not a majority' % (100 * m))
    elif kind == 'inlined':
        # the leaf of hot_a's samples is mix(), inlined into it
        if not any(f[-2:] == ['hot_a', 'mix'] for f, n in lines):
            errs.append('no hot_a;mix frames (the inlined function)')
    elif kind == 'lib':
        if not any(arg in f for f, n in lines):
            errs.append('no frame %s (a libc function)' % arg)
    elif kind == 'has':
        if not any(arg in ';'.join(f) for f, n in lines):
            errs.append('nothing like %s' % arg)
    elif kind == 'hasnot':
        bad = [f for f, n in lines if arg in ';'.join(f)]
        if bad:
            errs.append('%s in %s' % (arg, ';'.join(bad[0])))
    elif kind == 'kernel':
        k, _ = share(lambda f: any(x.endswith('_[k]') for x in f))
        if arg == 'some' and not k:
            errs.append('no kernel frames')
        if arg == 'none' and k:
            errs.append('kernel frames in %.1f%% of samples' % (100 * k))
        if arg == 'only':
            user = [f for f, n in lines if any(not x.endswith('_[k]') and x not in ('scope_x', 'scope_y') for x in f)]
            if user:
                errs.append('a user frame with --kernel-only: %s' % ';'.join(user[0]))
    elif kind == 'noscope':
        if any(f[0].startswith('scope_') for f, n in lines):
            errs.append('a scope prefix with --no-scopes')
    elif kind == 'count':
        # samples = the process's CPU time x HZ, within 10%
        hz, out = arg.split(',')
        cpu = [int(l.split()[1]) for l in open(out) if l.startswith('cpu_ns ')]
        want = cpu[0] / 1e9 * int(hz)
        # 10%, or 3 standard deviations of a Poisson count when fewer
        # than 900 are expected
        if abs(total - want) > max(0.10 * want, 3 * want ** 0.5):
            errs.append('%d samples, %.0f expected (%.3f CPU s at %s Hz)' % (total, want, cpu[0] / 1e9, hz))
    elif kind == 'json':
        j = json.load(open(arg))
        fn = {f['name']: f for f in j['functions'] if f['kind'] == 'function'}
        for want in ('hot_a', 'hot_b', 'mix'):
            tot = sum(n for f, n in lines if want in f[j.get('_skip', 0):] and
                      any(x == want for x in f if x not in ('scope_x', 'scope_y')))
            if want not in fn or fn[want]['total'] != tot:
                errs.append('JSON %s total %s, folded %d' % (want, fn.get(want, {}).get('total'), tot))
        selfmix = sum(n for f, n in lines if f[-1] == 'mix')
        if fn.get('mix', {}).get('self') != selfmix:
            errs.append('JSON mix self %s, folded %d' % (fn.get('mix', {}).get('self'), selfmix))
        if j['samples'] < total or j['hz'] <= 0 or j['samples_per_s'] <= 0:
            errs.append('JSON samples %s (folded %d), hz %s' % (j['samples'], total, j['hz']))
    else:
        errs.append('unknown check ' + c)
if errs:
    print('\n'.join(errs))
    sys.exit(1)
print('%d samples in %d stacks' % (total, len(lines)))
PY
}

# --- mixed stacks, shares, counts, at 99 and 999 Hz ------------------------------
for hz in 99 999; do
	o=$TMP/m$hz
	$TRACE record -q -F $hz --folded $o.folded --json $o.json --svg $o.svg \
		-- $HOT -s 3 >$o.out 2>$o.err
	rc=$?
	if [ $rc -eq 0 ] && r=$(check m$hz $o.folded mixed inlined lib=memfrob \
			kernel=some count=$hz,$o.out json=$o.json); then
		ok "$hz Hz: hot_a/hot_b shares under scope_x and scope_x;scope_y, inlined mix, memfrob, kernel frames, counts = CPU time x HZ, JSON agrees ($r)"
	else
		bad "$hz Hz (exit $rc): ${r:-} $(cat $o.err)"
	fi
	# about hot_target itself: libc has none (a true warning once 10% of
	# the user samples stop in it, as memfrob and read may on a busy host)
	grep -q 'hot_target has no frame pointers' $o.err && bad "$hz Hz: frame-pointer warning on a build with them: $(cat $o.err)"
done

# --- which stacks -----------------------------------------------------------------
$TRACE record -q --user-only -F 499 --folded $TMP/u.folded -- $HOT -s 1 >$TMP/u.out 2>$TMP/u.err &&
	r=$(check u $TMP/u.folded kernel=none mixed lib=__libc_read) &&
	ok "--user-only: no kernel frames, time in read() under the user frame ($r)" ||
	bad "--user-only: ${r:-} $(cat $TMP/u.err)"
$TRACE record -q --kernel-only -F 999 --folded $TMP/k.folded -- $HOT -s 1 >$TMP/k.out 2>$TMP/k.err &&
	r=$(check k $TMP/k.folded kernel=only has=read_zero_) &&
	ok "--kernel-only: kernel frames only ($r)" || bad "--kernel-only: ${r:-} $(cat $TMP/k.err)"
$TRACE record -q --no-scopes --folded $TMP/n.folded -- $HOT -s 1 >$TMP/n.out 2>$TMP/n.err &&
	r=$(check n $TMP/n.folded noscope has=hot_a\;mix) &&
	ok "--no-scopes: plain stacks ($r)" || bad "--no-scopes: ${r:-} $(cat $TMP/n.err)"

# --- binaries that make it hard -------------------------------------------------
$TRACE record -q --folded $TMP/s.folded -- ${HOT}_stripped -s 1 >$TMP/s.out 2>$TMP/s.err
rc=$?
if [ $rc -eq 0 ] && r=$(check s $TMP/s.folded "has=scope_x;scope_y;" "has=[hot_target_stripped+0x" count=99,$TMP/s.out) &&
		grep -q 'hot_target_stripped has no symbols' $TMP/s.err; then
	ok "stripped: frames kept as [object+0xoff] under the scopes, every sample counted, a warning ($r)"
else
	bad "stripped (exit $rc): ${r:-} $(cat $TMP/s.err)"
fi
$TRACE record -q --folded $TMP/f.folded -- ${HOT}_nofp -s 1 >$TMP/f.out 2>$TMP/f.err
rc=$?
[ $rc -eq 0 ] && grep -q 'hot_target_nofp has no frame pointers.*-fno-omit-frame-pointer' $TMP/f.err &&
	ok "no frame pointers: said, with what to do" || bad "no frame pointers (exit $rc): $(cat $TMP/f.err)"

# --- -p: a process that exits mid-run; one in another mount namespace ----------
# record_released NAME FDS ARGS...: record ARGS (outputs $TMP/NAME.*)
# attaches; once it says so, a line to each fd of FDS releases a process
# waiting on it, and the fd is closed; then record must end by itself.
# Sets rc, and took: seconds from the release to record's end
record_released() {
	name=$1
	fds=$2
	shift 2
	rm -f $TMP/$name.err	# not the last run's banner
	$TRACE record "$@" -d 30 --folded $TMP/$name.folded --json $TMP/$name.json \
		>$TMP/$name.rec 2>$TMP/$name.err 4>&- 5>&- 6>&- &
	tpid=$!
	until grep -q '^Sampling' $TMP/$name.err 2>/dev/null || ! kill -0 $tpid 2>/dev/null; do
		sleep 0.05
	done
	start=$(date +%s)
	for fd in $fds; do
		eval "echo go >&$fd; exec $fd>&-"
	done
	wait $tpid
	rc=$?
	took=$(( $(date +%s) - start ))
}

# run_p NAME CMD...: CMD waits for a line; record -p attaches, then CMD is
# released and exits after its 1.5 s; record must end by itself
run_p() {
	name=$1
	shift
	rm -f $TMP/$name.in
	mkfifo $TMP/$name.in
	"$@" <$TMP/$name.in >$TMP/$name.out 2>&1 &
	spid=$!
	exec 4>$TMP/$name.in
	until grep -q ready $TMP/$name.out 2>/dev/null || ! kill -0 $spid 2>/dev/null; do
		sleep 0.01
	done
	# the process itself, not the shell that started it
	pid=$(pgrep -n -f "hot_target.*-w" || echo $spid)
	record_released $name 4 -p $pid
	wait $spid 2>/dev/null
}

run_p exit $HOT -w -s 1.5
[ $rc -eq 0 ] && [ $took -lt 10 ] && r=$(check exit $TMP/exit.folded mixed inlined json=$TMP/exit.json) &&
	ok "-p on a process that exits mid-run: ends with it, writes what it has, names resolved after it is gone ($r)" ||
	bad "-p exit (exit $rc, ${took}s): ${r:-} $(cat $TMP/exit.err)"

if command -v unshare >/dev/null; then
	mkdir $TMP/ns
	run_p ns unshare -m sh -c "mount -t tmpfs none $TMP/ns && cp $HOT $TMP/ns/hot_target_ns && exec $TMP/ns/hot_target_ns -w -s 1.5"
	if [ -e $TMP/ns/hot_target_ns ]; then
		bad "mount namespace: the binary is visible here too; the test proves nothing"
	elif [ $rc -eq 0 ] && r=$(check ns $TMP/ns.folded mixed inlined); then
		ok "another mount namespace: its binary (absent here) resolved ($r)"
	else
		bad "mount namespace (exit $rc): ${r:-} $(cat $TMP/ns.err $TMP/ns.out)"
	fi
else
	bad "unshare missing (make deps: util-linux)"
fi

# --- several processes ---------------------------------------------------------
# run_multi NAME SELECTION...: two processes of $TMP/hot_multi (a name of
# this test's own) wait for a line each; record SELECTION (A and B
# replaced by their PIDs) attaches, then both are released and exit after
# their 1.5 s; record must end by itself once both are gone
cp $HOT $TMP/hot_multi
run_multi() {
	name=$1
	shift
	for i in 1 2; do
		# not the last run's "ready"
		rm -f $TMP/$name.in$i $TMP/$name.out$i
		mkfifo $TMP/$name.in$i
		$TMP/hot_multi -w -s 1.5 <$TMP/$name.in$i >$TMP/$name.out$i 2>&1 &
		eval "spid$i=\$!"
	done
	exec 5>$TMP/$name.in1 6>$TMP/$name.in2
	until grep -q ready $TMP/$name.out1 $TMP/$name.out2 2>/dev/null &&
	      [ "$(cat $TMP/$name.out1 $TMP/$name.out2 | grep -c ready)" -eq 2 ]; do
		sleep 0.01
	done
	# 499 Hz: enough samples in what CPU a busy machine leaves them
	record_released $name "5 6" -F 499 $(echo "$*" | sed "s/A/$spid1/; s/B/$spid2/")
	wait $spid1 $spid2 2>/dev/null
}

for sel in '-p A,B' '-p A -p B' '-p hot_multi' '--comm hot_multi'; do
	run_multi multi $sel
	if [ $rc -eq 0 ] && [ $took -lt 10 ] &&
	   r=$(check multi $TMP/multi.folded procs=$spid1,$spid2 mixed inlined "jsonprocs=$TMP/multi.json,$spid1,$spid2") &&
	   grep -q "^Sampling PIDs $spid1, $spid2 " $TMP/multi.err &&
	   grep -q "hot_multi-$spid2: [0-9]* samples" $TMP/multi.rec; then
		ok "record $sel: both processes, each stack under hot_multi-PID, hot_a/hot_b shares under the scopes, JSON processes add up, ends when both exit ($r)"
	else
		bad "record $sel (exit $rc, ${took}s): ${r:-} $(cat $TMP/multi.err)"
	fi
done

# --- probes in a library only ------------------------------------------------------
USELIB=$BUILD/tests/targets/uselib
rm -f $TMP/lib.in
mkfifo $TMP/lib.in
$USELIB -w 300000 <$TMP/lib.in >$TMP/lib.out 2>&1 &
lpid=$!
exec 4>$TMP/lib.in
until grep -q ready $TMP/lib.out 2>/dev/null || ! kill -0 $lpid 2>/dev/null; do
	sleep 0.01
done
record_released lib 4 -F 999 -p $lpid
wait $lpid 2>/dev/null
[ $rc -eq 0 ] && r=$(check lib $TMP/lib.folded first=lib_work) &&
	ok "-p on a program whose probes are in its library: samples under lib_work ($r)" ||
	bad "-p, probes in a library (exit $rc): ${r:-} $(cat $TMP/lib.err)"
$TRACE record -q -F 999 --folded $TMP/libc.folded -- $USELIB 300000 >$TMP/libc.out 2>$TMP/libc.err
rc=$?
[ $rc -eq 0 ] && r=$(check libc $TMP/libc.folded first=lib_work) &&
	ok "-- CMD whose probes are in its library: samples under lib_work ($r)" ||
	bad "-- CMD, probes in a library (exit $rc): ${r:-} $(cat $TMP/libc.err)"

# --- --func and --python targets as scopes ---------------------------------------
$TRACE record -q -F 499 --func 'hot_*' --folded $TMP/fn.folded --json $TMP/fn.json \
	-- $HOT -s 1 >$TMP/fn.out 2>$TMP/fn.err
rc=$?
[ $rc -eq 0 ] && r=$(check fn $TMP/fn.folded "funcscope=$TMP/fn.json" mixed) &&
	ok "--func 'hot_*': samples of hot_a under scope_x;hot_a, of hot_b under scope_x;scope_y;hot_b, 70/30 ($r)" ||
	bad "--func (exit $rc): ${r:-} $(cat $TMP/fn.err)"
$TRACE record -q -F 499 --python 'pyhot.*,!pyhot.main' --python-hooked --folded $TMP/py.folded \
	-- /usr/bin/python3 $PYHOT 2 >$TMP/py.out 2>$TMP/py.err
rc=$?
[ $rc -eq 0 ] && r=$(check py $TMP/py.folded pyshares) &&
	ok "--python 'pyhot.*,!pyhot.main': samples under pyhot.scope_x;pyhot.hot_a / pyhot.hot_b, 70/30 ($r)" ||
	bad "--python (exit $rc): ${r:-} $(cat $TMP/py.err)"

# --- latency and samples, one attach ------------------------------------------
$TRACE record -q --latency --folded $TMP/l.folded -- $HOT -s 1 >$TMP/l.out 2>$TMP/l.err
rc=$?
[ $rc -eq 0 ] && grep -Eq '^scope_x +[0-9]+ ' $TMP/l.out && grep -Eq '^scope_y +[0-9]+ ' $TMP/l.out &&
	grep -q 'samples in' $TMP/l.out && r=$(check l $TMP/l.folded has=scope_x\;scope_y) &&
	ok "--latency: latency table and samples ($r)" || bad "--latency (exit $rc): $(cat $TMP/l.err $TMP/l.out)"

# --- the flamegraph in a browser ----------------------------------------------
svg=$TMP/m99.svg
if ! command -v "$CHROMIUM" >/dev/null; then
	bad "$CHROMIUM not installed (make deps)"
elif ! xmllint --noout $svg; then
	bad "SVG not well-formed"
else
	profile=$(mktemp -d)
	timeout 60 "$CHROMIUM" --headless --no-sandbox --disable-gpu --no-first-run \
		--disable-background-networking --disable-component-update --disable-sync \
		--user-data-dir="$profile" --force-device-scale-factor=1 --hide-scrollbars \
		--screenshot=$TMP/fg.png --window-size=1200,600 "file://$svg" >$TMP/chromium.log 2>&1
	rm -rf "$profile"
	if r=$(python3 - $svg $TMP/m99.folded $TMP/fg.png <<'PY'
import re, struct, sys, zlib
import xml.etree.ElementTree as ET
svg, folded, png = sys.argv[1:4]
NS = '{http://www.w3.org/2000/svg}'
frames = {}
for g in ET.parse(svg).getroot().iter(NS + 'g'):
    if g.get('class') != 'f':
        continue
    t = g.find(NS + 'title').text
    m = re.match(r'^(.*) \((\d+) samples, [\d.]+%', t)
    if not m:
        sys.exit('title not understood: %r' % t)
    frames.setdefault(m.group(1), []).append(int(m.group(2)))
want = {}
for l in open(folded):
    stack, n = l.rsplit(' ', 1)
    for f in set(stack.split(';')):
        want[f] = want.get(f, 0) + int(n)
for f in ('hot_a', 'scope_x', 'mix'):
    if sum(frames.get(f, [])) != want.get(f):
        sys.exit('%s: %s samples in the SVG, %s in the folded file' % (f, frames.get(f), want.get(f)))
data = open(png, 'rb').read()
if data[:8] != b'\x89PNG\r\n\x1a\n' or len(data) < 8192:
    sys.exit('no screenshot (%d bytes)' % len(data))
pos, idat, hdr = 8, b'', None
while pos < len(data):
    n, kind = struct.unpack('>I4s', data[pos:pos + 8])
    if kind == b'IHDR':
        hdr = struct.unpack('>IIBBBBB', data[pos + 8:pos + 8 + n])
    elif kind == b'IDAT':
        idat += data[pos + 8:pos + 8 + n]
    pos += 12 + n
w, h, depth, ctype, _, _, interlace = hdr
if depth != 8 or ctype not in (2, 6) or interlace:
    sys.exit('unexpected PNG format %s' % (hdr,))
bpp = 3 if ctype == 2 else 4
raw = zlib.decompress(idat)
stride = w * bpp
colours, prev = set(), bytearray(stride)
for y in range(h):
    ft = raw[y * (stride + 1)]
    cur = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
    for i in range(stride):
        a = cur[i - bpp] if i >= bpp else 0
        b, c = prev[i], (prev[i - bpp] if i >= bpp else 0)
        if ft == 1:
            cur[i] = (cur[i] + a) & 255
        elif ft == 2:
            cur[i] = (cur[i] + b) & 255
        elif ft == 3:
            cur[i] = (cur[i] + (a + b) // 2) & 255
        elif ft == 4:
            p = a + b - c
            pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            cur[i] = (cur[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
    if y % 3 == 0:
        colours.update(bytes(cur[i:i + 3]) for i in range(0, stride, bpp * 4))
    prev = cur
if len(colours) < 8:
    sys.exit('screenshot nearly blank (%d colours)' % len(colours))
print('%d frames, %d colours' % (sum(len(v) for v in frames.values()), len(colours)))
PY
	); then
		ok "flamegraph: frame counts agree with the folded file; Chromium draws it ($r)"
	else
		bad "flamegraph: $r $(tail -3 $TMP/chromium.log)"
	fi
fi

# --- bad input: one line, exit 1 --------------------------------------------------
bad_input() {
	want=$1
	shift
	$TRACE record "$@" >$TMP/bad.out 2>$TMP/bad.err
	rc=$?
	if [ $rc -eq 1 ] && grep -q "$want" $TMP/bad.err && [ ! -s $TMP/bad.out ] &&
			! grep -q Sampling $TMP/bad.err; then
		ok "record $*: '$(head -1 $TMP/bad.err)'"
	else
		bad "record $*: exit $rc, $(cat $TMP/bad.err)"
	fi
}
bad_input 'give -p PID or -- CMD'
bad_input 'invalid frequency' -F 0 -p 1
bad_input 'invalid frequency' -F 99x -p 1
bad_input 'exclude each other' --user-only --kernel-only -p 1
bad_input 'no process with PID 2147483647' -p 2147483647
bad_input 'command not found' -- /nonexistent/cmd
bad_input 'cannot write /nonexistent/dir/x.folded' --folded /nonexistent/dir/x.folded -- $HOT -s 1
bad_input 'invalid duration' -d -1 -p 1
bad_input "no 'autocue' probes in /usr/bin/true" -b /usr/bin/true -- /usr/bin/true
bad_input 'no process named nosuch_proc_x' -p nosuch_proc_x
bad_input 'no process named 1' --comm 1
bad_input 'invalid PID: 0' -p 0
bad_input 'drop it or --func/--python' --no-scopes --func 'hot_*' -p 1
bad_input 'without several -p' --python -p 1,2
bad_input 'python-bin goes with --python' --python-bin /usr/bin/python3 -p 1
bad_input 'unrecognized option' --bogus -p 1
$HOT -t 2 -s 5 >/dev/null &
mt=$!
sleep 0.2
thread=$(ls /proc/$mt/task | grep -vx $mt | head -1)
bad_input "$thread is a thread of process $mt: give -p $mt" -p $thread
kill $mt
wait $mt 2>/dev/null

[ $fails -eq 0 ] || { echo "record: $fails failed" >&2; exit 1; }
echo "record: all passed"

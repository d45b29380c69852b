#!/bin/sh
# SPDX-License-Identifier: MIT
# The scope is really timed: every memory access a traced scope makes
# (stores, loads, read-modify-writes, a loop over an array, a call) sits
# between its entry and return sites in the code gcc and clang emit, at
# -O0, -O2, -O3 and -Os, with fast and classic sites. The sites' addresses
# come from the .note.stapsdt notes (readelf -n), the accesses from the
# disassembly (objdump's <symbol> annotations). Without the header's
# compiler barrier the compilers may move them (volatile asm orders only
# against volatile asm); this checks they do not.
#   sh tests/usdt/barrier.sh
set -eu
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
for tool in gcc clang readelf objdump python3; do
	command -v $tool >/dev/null 2>&1 ||
		{ echo "barrier: FAIL: $tool missing (make deps installs it)" >&2; exit 1; }
done

cat > "$tmp/t.c" <<'C'
#include "autocue_usdt.h"
AUTOCUE_PROBE(store);
AUTOCUE_PROBE(load);
AUTOCUE_PROBE(rmw);
AUTOCUE_PROBE(loop);
AUTOCUE_PROBE(calls);
AUTOCUE_PROBE(outside);
int g_store, g_load, g_rmw, g_arr[64], g_outside;
void ext_fn(int);
__attribute__((noinline)) void store(int x) { AUTOCUE_TRACE(store); g_store = x; }
__attribute__((noinline)) int load(void) { AUTOCUE_TRACE(load); return g_load; }
__attribute__((noinline)) void rmw(int x) { AUTOCUE_TRACE(rmw); g_rmw += x; }
__attribute__((noinline)) int loop(void)
{
	AUTOCUE_TRACE(loop);
	int s = 0;
	for (int i = 0; i < 64; i++)
		s += g_arr[i];
	return s;
}
__attribute__((noinline)) void calls(int x) { AUTOCUE_TRACE(calls); ext_fn(x); }
/* the control: a store after the scope ends, which the check must see */
__attribute__((noinline)) void outside(int x)
{
	{
		AUTOCUE_TRACE(outside);
		ext_fn(x);
	}
	g_outside = x;
}
int main(int argc, char **argv)
{
	(void)argv;
	store(argc);
	rmw(argc);
	calls(argc);
	outside(argc);
	return load() + loop();
}
C
cat > "$tmp/ext.c" <<'C'
int g_ext;
void ext_fn(int x) { g_ext = x; }
C

cat > "$tmp/check.py" <<'PY'
import re, subprocess, sys
binary = sys.argv[1]
# site addresses per probe from the notes
notes = subprocess.run(['readelf', '-n', binary], capture_output=True, text=True).stdout
sites, name = {}, None
for line in notes.splitlines():
    m = re.search(r'Name: (\w+)__(entry|return)', line)
    if m:
        name = (m.group(1), m.group(2))
        continue
    m = re.search(r'Location: (0x[0-9a-f]+)', line)
    if m and name:
        sites.setdefault(name[0], {}).setdefault(name[1], []).append(int(m.group(1), 16))
        name = None
# instructions touching each scope's data, per function
dis = subprocess.run(['objdump', '-d', '--no-show-raw-insn', binary],
                     capture_output=True, text=True).stdout
want = {'store': 'g_store', 'load': 'g_load', 'rmw': 'g_rmw', 'loop': 'g_arr',
        'calls': 'ext_fn', 'outside': 'g_outside'}
func, found, bad = None, {}, []
for line in dis.splitlines():
    m = re.match(r'^[0-9a-f]+ <(\w+)>:', line)
    if m:
        func = m.group(1)
        continue
    m = re.match(r'^\s+([0-9a-f]+):\s+(.*)$', line)
    if not m or func not in want:
        continue
    addr, insn = int(m.group(1), 16), m.group(2)
    if '<' + want[func] in insn:
        found.setdefault(func, []).append(addr)
        s = sites.get(func, {})
        if not s.get('entry') or not s.get('return'):
            bad.append('%s: no sites' % func)
        elif (min(s['entry']) < addr < max(s['return'])) == (func == 'outside'):
            if func == 'outside':
                bad.append('the control store after the scope reads as inside it')
                continue
            bad.append('%s: %s at %#x outside its sites %s..%s' % (
                func, insn.strip(), addr, [hex(a) for a in s['entry']],
                [hex(a) for a in s['return']]))
for f in want:
    if f not in found:
        bad.append('%s: no access to %s found' % (f, want[f]))
if bad:
    print('; '.join(bad))
    sys.exit(1)
print('%d accesses inside their scopes, the control outside' %
      sum(len(v) for f, v in found.items() if f != 'outside'))
PY

fails=0
for cc in gcc clang; do
	for opt in -O0 -O2 -O3 -Os; do
		for form in "" -DAUTOCUE_CLASSIC_PROBES; do
			bin=$tmp/t-$cc$opt$form
			$cc $opt $form -Iusdt "$tmp/t.c" "$tmp/ext.c" -o "$bin"
			if out=$(python3 "$tmp/check.py" "$bin"); then
				echo "  ok    $cc $opt ${form:-fast}: $out"
			else
				echo "  FAIL  $cc $opt ${form:-fast}: $out" >&2
				fails=$((fails + 1))
			fi
		done
	done
done
[ $fails -eq 0 ] || { echo "barrier: FAIL: $fails builds time less than the scope" >&2; exit 1; }
echo "barrier: ok"

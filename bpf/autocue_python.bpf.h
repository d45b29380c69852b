/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * autocue_python.bpf.h - Python functions through CPython's own USDT probes
 * python:function__entry/function__return (filename, funcname, lineno),
 * into the same frames, statistics and paths as the C probes. Included by
 * autocue.bpf.c, whose enter()/leave() it uses.
 *
 * Per call: one hash lookup of the code object's (filename, funcname)
 * pointers, and on CPython 3.11 the code object's own address, four
 * pointer reads from _PyRuntime (a method is then told from another
 * of its name, and named by its co_qualname). On a key's first sight (once per function and session) the
 * entry program reads both strings, matches them against the user's globs
 * and, on a match, gives the function the next free probe id; a function
 * outside the globs is cached as id 0 and costs the lookup alone from then
 * on. Naming and the exact glob are user space's (sources/python.c).
 */
#include <bpf/usdt.bpf.h>
#include "autocue_python.h"

/* Python probe ids: py_first_id..py_last_id; none when py_last_id is 0 */
const volatile __u32 py_first_id = 0;
const volatile __u32 py_last_id = 0;
/* Superset patterns ('*' and '?' only) over the dotted name built below;
 * none: every function matches. */
const volatile __u32 py_npats = 0;
const volatile __u32 py_pat_len[AC_PY_MAX_PATS] = {};
const volatile char py_pats[AC_PY_MAX_PATS][AC_PY_PAT_LEN] = {};
__u32 py_next_id = 0;	/* ids handed out so far */
/* CPython 3.11's layout (python.c): _PyRuntime's and the probe sites' ELF
 * addresses, and the offsets; py_runtime 0: code objects not read */
const volatile __u64 py_runtime = 0;
const volatile __u64 py_entry_site = 0;
const volatile __u64 py_return_site = 0;
const volatile __u32 py_off[AC_PY_NOFF] = {};
/* set when a code object found did not hold the probe's co_name (a layout
 * not the interpreter's): code objects are not read from then on */
__u32 py_layout_bad = 0;
/* The loader's Python calibration child while it runs (py_calibrate.c):
 * traced too, every function of it matched. */
__u32 py_calib_tgid = 0;

static __always_inline bool py_calibrating(void)
{
	return py_calib_tgid && (__u32)(current_ids() >> 32) == py_calib_tgid;
}

static __always_inline bool py_traced(void)
{
	return traced_process() || py_calibrating();
}

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, AC_PY_MAX_CODES);
	__type(key, struct ac_py_key);
	__type(value, struct ac_py_val);
} py_codes SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);	/* python ids, set at load */
	__type(key, __u32);
	__type(value, struct ac_py_name);
} py_names SEC(".maps");

struct py_scratch {
	char file[AC_PY_FILE_LEN];
	char func[AC_PY_FUNC_LEN];
	char s[AC_PY_NAME_LEN];
	__u32 skip, n, flen, fulen, slen;	/* file[skip..n) is the module part */
	__u32 pat, plen, pi, si, star, mark;
	int done;	/* 1 matched, -1 not, 0 undecided */
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct py_scratch);
} py_scratch SEC(".maps");

static __always_inline struct py_scratch *scratch(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&py_scratch, &zero);
}

static __always_inline __u64 read_ptr(__u64 addr)
{
	__u64 v = 0;

	if (!addr || bpf_probe_read_user(&v, sizeof(v), (void *)addr))
		return 0;
	return v;
}

/* The running code object: _PyRuntime's current thread state -> its
 * cframe -> current frame (the one entering or returning: the probes fire
 * before a return pops it) -> f_code. _PyRuntime is found from the probe
 * site's own address: both are in one object, loaded at a page-aligned
 * bias. */
static __always_inline __u64 py_code(struct pt_regs *ctx, __u64 site)
{
	__u64 p;

	if (!py_runtime || py_layout_bad)
		return 0;
	p = ((ctx->ip - site) & ~0xfffULL) + py_runtime;
	p = read_ptr(p + py_off[AC_PY_TSTATE]);
	p = p ? read_ptr(p + py_off[AC_PY_CFRAME]) : 0;
	p = p ? read_ptr(p + py_off[AC_PY_FRAME]) : 0;
	return p ? read_ptr(p + py_off[AC_PY_CODE]) : 0;
}

/* A str object's UTF-8 bytes: a compact ASCII one's follow its header,
 * others' are cached behind a pointer (0 if never asked for). */
static __always_inline __u64 py_utf8(__u64 str)
{
	__u32 state = 0;

	if (!str || bpf_probe_read_user(&state, sizeof(state),
					(void *)(str + py_off[AC_PY_USTATE])))
		return 0;
	if ((state & 0x60) == 0x60)
		return str + py_off[AC_PY_ASCII_DATA];
	return read_ptr(str + py_off[AC_PY_UTF8]);
}

/* s = file[skip..n) with '/' -> '.', then '.', then the function name: a
 * name whose dotted suffix is user space's module.function, whatever the
 * package root ("/x/autocue/tracker.py", "update" -> ".x.autocue.tracker.
 * update" ends with "autocue.tracker.update"). */
static long build_step(__u64 i, void *ctx)
{
	struct py_scratch *sc = scratch();
	__u32 mod;
	char c;

	if (!sc || i >= sc->slen)
		return 1;
	mod = sc->n - sc->skip;
	if (i < mod) {
		c = sc->file[(i + sc->skip) & (AC_PY_FILE_LEN - 1)];
		if (c == '/')
			c = '.';
	} else if (i == mod) {
		c = '.';
	} else {
		c = sc->func[(i - mod - 1) & (AC_PY_FUNC_LEN - 1)];
	}
	sc->s[i & (AC_PY_NAME_LEN - 1)] = c;
	return 0;
}

/* One step of glob matching with '*' and '?', backtracking to the last
 * star: O(len(s) * len(pattern)) steps at worst. */
static long match_step(__u64 i, void *ctx)
{
	struct py_scratch *sc = scratch();
	__u32 pat, pi, si;
	char pc, c;

	if (!sc)
		return 1;
	pat = sc->pat & (AC_PY_MAX_PATS - 1);
	pi = sc->pi;
	si = sc->si;
	pc = pi < sc->plen ? py_pats[pat][pi & (AC_PY_PAT_LEN - 1)] : 0;
	if (si < sc->slen) {
		c = sc->s[si & (AC_PY_NAME_LEN - 1)];
		if (pi < sc->plen && pc == '*') {
			sc->star = pi + 1;
			sc->pi = pi + 1;
			sc->mark = si;
		} else if (pi < sc->plen && (pc == '?' || pc == c)) {
			sc->pi = pi + 1;
			sc->si = si + 1;
		} else if (sc->star) {
			sc->pi = sc->star;
			sc->si = ++sc->mark;
		} else {
			sc->done = -1;
			return 1;
		}
		return 0;
	}
	if (pi < sc->plen && pc == '*') {
		sc->pi = pi + 1;
		return 0;
	}
	sc->done = pi == sc->plen ? 1 : -1;
	return 1;
}

static __always_inline bool ends_with(struct py_scratch *sc, const char *suf,
				      __u32 len)
{
	if (sc->n < len)
		return false;
	for (__u32 i = 0; i < len; i++)
		if (sc->file[(sc->n - len + i) & (AC_PY_FILE_LEN - 1)] != suf[i])
			return false;
	return true;
}

static __always_inline bool starts_frozen(struct py_scratch *sc)
{
	const char pre[] = "<frozen ";

	for (int i = 0; i < 8; i++)
		if (sc->file[i] != pre[i])
			return false;
	return true;
}

static __always_inline bool py_matches(struct py_scratch *sc)
{
	if (!py_npats)
		return true;
	sc->n = sc->flen;
	sc->skip = 0;
	if (sc->flen > 9 && starts_frozen(sc) &&
	    sc->file[(sc->flen - 1) & (AC_PY_FILE_LEN - 1)] == '>') {
		sc->skip = 8;	/* "<frozen importlib._bootstrap>" */
		sc->n = sc->flen - 1;
	} else {
		if (ends_with(sc, ".py", 3))
			sc->n -= 3;
		if (ends_with(sc, "/__init__", 9))
			sc->n -= 9;
	}
	sc->slen = sc->n - sc->skip + 1 + sc->fulen;
	if (sc->slen > AC_PY_NAME_LEN)
		sc->slen = AC_PY_NAME_LEN;
	bpf_loop(AC_PY_NAME_LEN, build_step, NULL, 0);
	for (__u32 p = 0; p < AC_PY_MAX_PATS; p++) {
		if (p >= py_npats)
			break;
		sc->pat = p;
		sc->plen = py_pat_len[p];
		sc->pi = sc->si = sc->star = sc->mark = 0;
		sc->done = 0;
		bpf_loop(1 << 16, match_step, NULL, 0);
		/* undecided after 65536 steps: let user space decide */
		if (sc->done >= 0)
			return true;
	}
	return false;
}

/* A new function, on its entry: its id (0: not traced). Its name is its
 * co_qualname's when the code object is known (py_code), whose co_name
 * must then be the probe's: else the layout is wrong, and code objects
 * are not read again (the key keeps code 0). */
static __always_inline __u32 py_resolve(struct ac_py_key *k)
{
	struct ac_py_val val = {}, *v;
	struct ac_py_name *name;
	struct py_scratch *sc = scratch();
	__u64 qual = 0;
	bool qual_missing = false;
	long fl, ul;
	__u32 n;

	if (!sc)
		return 0;
	if (k->code) {
		__u64 name_utf8 = py_utf8(read_ptr(k->code + py_off[AC_PY_NAME]));

		/* 0: a page not present here, not a wrong layout */
		if (!name_utf8 || name_utf8 == k->func) {
			qual = py_utf8(read_ptr(k->code + py_off[AC_PY_QUALNAME]));
			/* unknown: user space reads it (qual_missing) */
			qual_missing = !qual;
		} else {
			py_layout_bad = 1;
			k->code = 0;
			v = bpf_map_lookup_elem(&py_codes, k);
			if (v)
				return v->id;
		}
	}
	fl = bpf_probe_read_user_str(sc->file, sizeof(sc->file),
				     (void *)k->file);
	ul = bpf_probe_read_user_str(sc->func, sizeof(sc->func),
				     (void *)(qual ? qual : k->func));
	/* strings not readable from here (a page not present): matched, so
	 * user space reads them from the process and decides */
	if (fl > 0 && ul > 0 && !qual_missing) {
		sc->flen = fl - 1;
		sc->fulen = ul - 1;
		if (!py_calibrating() && !py_matches(sc)) {
			bpf_map_update_elem(&py_codes, k, &val, BPF_NOEXIST);
			return 0;
		}
	}
	/* claim the key before an id: a full cache must not use ids up */
	if (bpf_map_update_elem(&py_codes, k, &val, BPF_NOEXIST)) {
		v = bpf_map_lookup_elem(&py_codes, k);
		if (!v)
			count_drop(AC_DROP_PY_CACHE_FULL, 1);
		return v ? v->id : 0;
	}
	n = __sync_fetch_and_add(&py_next_id, 1);
	if (py_first_id + n > py_last_id) {
		count_drop(AC_DROP_PY_IDS_FULL, 1);
		return 0;
	}
	name = bpf_map_lookup_elem(&py_names, &n);
	if (!name)
		return 0;
	name->key = *k;
	name->qual = qual;
	fl = bpf_probe_read_user_str(name->file, sizeof(name->file),
				     (void *)k->file);
	ul = bpf_probe_read_user_str(name->func, sizeof(name->func),
				     (void *)(qual ? qual : k->func));
	/* 2: read them yourself */
	name->ready = fl > 0 && ul > 0 && !qual_missing ? 1 : 2;
	val.id = py_first_id + n;
	bpf_map_update_elem(&py_codes, k, &val, BPF_EXIST);
	return val.id;
}

static __always_inline bool py_key(struct pt_regs *ctx, struct ac_py_key *k,
				   __u64 site)
{
	long file = 0, func = 0;

	if (bpf_usdt_arg(ctx, 0, &file) || bpf_usdt_arg(ctx, 1, &func))
		return false;
	k->file = file;
	k->func = func;
	k->code = py_code(ctx, site);
	return true;
}

/* site_hits keys 0 and 1 are id 0's, which no C probe has: the Python
 * entry and return sites' first hits. */
#define PY_ENTRY_SITE	0
#define PY_RETURN_SITE	1

/* The holder of python:line's semaphore (session/python.c): a uprobe on
 * Py_FinalizeEx, which runs once at exit, with the semaphore as its
 * reference counter. Nothing to do. */
SEC("uprobe")
int ac_py_line_gate(struct pt_regs *ctx)
{
	return 0;
}

SEC("usdt")
int ac_py_entry(struct pt_regs *ctx)
{
	struct ac_py_key k;
	struct ac_py_val *v;
	struct tstack *ts;
	__u32 id;

	if (!py_traced() || !py_key(ctx, &k, py_entry_site))
		return 0;
	v = bpf_map_lookup_elem(&py_codes, &k);
	if (v) {
		id = v->id;
	} else {
		id = py_resolve(&k);
		/* that one-time work lands in the callers' time: cold */
		ts = bpf_task_storage_get(&stacks, bpf_get_current_task_btf(),
					  NULL, 0);
		if (ts)
			ts->cold_ns = bpf_ktime_get_ns();
	}
	if (!id)
		return 0;
	test_delay();
	enter(id, PY_ENTRY_SITE);
	return 0;
}

SEC("usdt")
int ac_py_return(struct pt_regs *ctx)
{
	struct ac_py_key k;
	struct ac_py_val *v;
	__u64 now;

	test_delay();
	now = bpf_ktime_get_ns();
	if (!py_traced() || !py_key(ctx, &k, py_return_site))
		return 0;
	v = bpf_map_lookup_elem(&py_codes, &k);
	if (!v) {
		/* entered before attach, or the entry probe never fires
		 * (CPython 3.11-3.14 outside a profiler, gh-98894) */
		count_drop(AC_DROP_UNMATCHED_RETURN, 1);
		return 0;
	}
	if (v->id)
		leave(v->id, AC_KIND_PYTHON, now, PY_RETURN_SITE);
	return 0;
}

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * autocue.bpf.c - latency of USDT entry/return probe pairs, in kernel maps.
 *
 * One program for every entry site, one for every return site; the loader
 * attaches them as plain uprobes on the probe notes' addresses with the
 * probe id as the BPF cookie (the probes carry no arguments, so libbpf's
 * USDT argument machinery would only add cost).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "autocue.h"
#include "scope_stack.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

const volatile __u32 targ_tgid = 0;	/* 0: any process */
const volatile __u32 calib_tgid = 0;	/* the loader, while calibrating */
const volatile __u32 calib_id = 0;	/* the calibration pair's probe id */
/* The loader's pid namespace when it is not the initial one (a container):
 * its PIDs are not the kernel's global ones. 0: the initial namespace. */
const volatile __u64 pidns_dev = 0;
const volatile __u64 pidns_ino = 0;
const volatile __u32 hist_shift = AC_DEFAULT_SHIFT;
const volatile __u32 nbuckets = AC_NBUCKETS(AC_DEFAULT_SHIFT);
const volatile bool fold_paths = true;
const volatile bool raw_events = false;
/* System-wide by binary (--listen): each process's statistics apart too,
 * in proc_vals, for per-process series. */
const volatile bool per_process = false;
/* --per-thread, --follow --per-pid: each (process, thread, probe) apart
 * in series; per_thread: by thread, else by process (tid 0). */
const volatile bool series_on = false;
const volatile bool per_thread = false;
/* Test-only: each hit spends test_hit_delay_ns more in the programs, a
 * quarter at each side of both timestamps, as a dearer host's trap would
 * (half of it inside the call's own time). Lets one host test the others.
 * The knob exists only when asked for at load (the verifier drops it
 * otherwise); its value may change mid-session, as a host's cost does. */
const volatile bool test_knob = false;
__u32 test_hit_delay_ns = 0;

/* Probe cost of each kind of pair (enum ac_kind), measured by the loader
 * once the programs run: pair_ns is what one traced call adds to any
 * enclosing measurement, inner_ns the part of it inside the call's own
 * measurement. Zero = raw figures. */
__u64 pair_ns[AC_KIND_SLOTS];
__u64 inner_ns[AC_KIND_SLOTS];
/* The same for each CPU (0: not measured there, the above apply). */
__u64 pair_cpu_ns[AC_KIND_SLOTS][AC_CAL_CPUS];
__u64 inner_cpu_ns[AC_KIND_SLOTS][AC_CAL_CPUS];
/* Calls begun before this time are cold: set when probes are attached
 * anew (--max-overhead), whose first hits and re-attach work they hold. */
__u64 cold_before_ns = 0;

/* Task storage is freed with the thread; a tid-keyed hash would leak. */
struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct tstack);
} stacks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);	/* read out without syscalls */
	__uint(max_entries, 1);	/* probes + 1, set at load */
	__type(key, __u32);
	__type(value, struct ac_stat);
} stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 1);	/* (probes + 1) * nbuckets, set at load */
	__type(key, __u32);
	__type(value, __u64);
} hists SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1);	/* set at load */
	__type(key, struct ac_path);
	__type(value, struct ac_path_val);
} paths SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, AC_DROP_NR);
	__type(key, __u32);
	__type(value, __u64);
} drops SEC(".maps");

/* Hits per site so far, up to AC_COLD_HITS: key id * 2 (entry), id * 2 + 1
 * (return). One process per session, so the id is the site. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);	/* 2 * (probes + 1), set at load */
	__type(key, __u32);
	__type(value, __u32);
} site_hits SEC(".maps");

/* Per process and probe (system-wide by binary): a slot of proc_vals,
 * handed out at its first call from proc_free; the loader fills the queue
 * at start and gives a slot back when it folds an exited process. An
 * empty queue (--max-series in use) counts AC_DROP_PROC_FULL and the call
 * stays in the totals above. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 1);	/* 2 * --max-series, set at load */
	__type(key, struct ac_proc_key);
	__type(value, __u32);
} proc_slot SEC(".maps");

/* The slots: a struct ac_stat followed by the histogram's nbuckets counts
 * (the value size is set at load), read in place by the loader (mapped:
 * a scrape copies nothing out of the kernel). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 1);	/* --max-series, set at load */
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(struct ac_stat));	/* set at load */
} proc_vals SEC(".maps");

/* Slots free for a new (process, probe): initialized by the loader. */
struct {
	__uint(type, BPF_MAP_TYPE_QUEUE);
	__uint(max_entries, 1);	/* --max-series, set at load */
	__uint(value_size, sizeof(__u32));
} proc_free SEC(".maps");

/* A new series entry's first value (min_ns = UINT64_MAX, the rest 0):
 * too large for the BPF stack. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(struct ac_stat));	/* set at load */
} proc_init SEC(".maps");

/* The same values (struct ac_stat, then nbuckets counts) by struct
 * ac_series_key; entries stay after their thread exits (its row). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 1);	/* --max-series, set at load */
	__uint(key_size, sizeof(struct ac_series_key));
	__uint(value_size, sizeof(struct ac_stat));	/* set at load */
} series SEC(".maps");

/* --per-thread: a thread's name at its first traced call, for a row of a
 * thread gone by the read-out */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1);	/* --max-series, set at load */
	__type(key, __u32);
	__type(value, char[16]);
} thread_comm SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);	/* set at load */
} events SEC(".maps");

static __always_inline void count_drop(__u32 why, __u64 n)
{
	__u64 *v = bpf_map_lookup_elem(&drops, &why);

	if (v)
		__sync_fetch_and_add(v, n);
}

#include "follow.bpf.h"

/* tgid << 32 | tid, as the loader numbers them */
static __always_inline __u64 current_ids(void)
{
	struct bpf_pidns_info ns;

	if (!pidns_ino)
		return bpf_get_current_pid_tgid();
	/* a task outside the loader's namespace has no number there */
	if (bpf_get_ns_current_pid_tgid(pidns_dev, pidns_ino, &ns, sizeof(ns)))
		return 0;
	return (__u64)ns.tgid << 32 | ns.pid;
}

static __always_inline bool traced_process(void)
{
	__u32 tgid = current_ids() >> 32;

	if (follow)
		return tgid == calib_tgid || followed_process(tgid);
	return !targ_tgid || tgid == targ_tgid || tgid == calib_tgid;
}

static __always_inline void update_min(__u64 *p, __u64 v)
{
	__u64 old = *p;

	/* bounded: another CPU can only lower it, a few times at most */
	for (int i = 0; i < 8 && v < old; i++) {
		__u64 seen = __sync_val_compare_and_swap(p, old, v);

		if (seen == old)
			break;
		old = seen;
	}
}

static __always_inline void update_max(__u64 *p, __u64 v)
{
	__u64 old = *p;

	for (int i = 0; i < 8 && v > old; i++) {
		__u64 seen = __sync_val_compare_and_swap(p, old, v);

		if (seen == old)
			break;
		old = seen;
	}
}

/* System-wide (per_process) and in a followed tree (a child's sites are
 * its own uprobes, set up in its own address space), each process pays a
 * site's one-time work at its own first hits (the kernel sets the uprobe up per address
 * space): hits counted per (tgid, site key), LRU-bounded; an evicted
 * entry only makes two more calls cold. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 1);	/* set at load */
	__type(key, struct ac_proc_key);
	__type(value, __u32);
} proc_site_hits SEC(".maps");

static __always_inline bool cold_hit_proc(__u32 key)
{
	struct ac_proc_key k = { (__u32)(current_ids() >> 32), key };
	__u32 one = 1, *n = bpf_map_lookup_elem(&proc_site_hits, &k);

	if (!n)
		return !bpf_map_update_elem(&proc_site_hits, &k, &one,
					    BPF_NOEXIST);
	if (*n >= AC_COLD_HITS)
		return false;
	__sync_fetch_and_add(n, 1);
	return true;
}

static __always_inline bool cold_hit(__u32 key)
{
	__u32 *n = bpf_map_lookup_elem(&site_hits, &key);

	if (!n || *n >= AC_COLD_HITS)
		return false;
	__sync_fetch_and_add(n, 1);
	return true;
}

/* a hit of site among its first: per process where several run it */
static __always_inline bool cold_site_hit(__u32 site)
{
	return per_process || follow ? cold_hit_proc(site) : cold_hit(site);
}

static long spin_cb(__u64 i, void *ctx)
{
	return bpf_ktime_get_ns() >= *(__u64 *)ctx;
}

static __always_inline void test_delay(void)
{
	__u64 until;
	__u32 d;

	if (!test_knob)
		return;
	d = *(volatile __u32 *)&test_hit_delay_ns;
	if (!d)
		return;
	until = bpf_ktime_get_ns() + d / 4;
	bpf_loop(1 << 20, spin_cb, &until, 0);
}

/* One kind's cost on the CPU a call returns on (its children ran there
 * too, as a rule): *pair for each traced call beneath, *inner inside the
 * call's own time. */
static __always_inline void kind_cost(__u32 kind, __u32 cpu, __u64 *pair,
				      __u64 *inner)
{
	kind &= AC_KIND_SLOTS - 1;
	*pair = 0;
	if (cpu < AC_CAL_CPUS) {
		*pair = pair_cpu_ns[kind][cpu];
		*inner = inner_cpu_ns[kind][cpu];
	}
	if (!*pair) {
		*pair = pair_ns[kind];
		*inner = inner_ns[kind];
	}
}

/* What to subtract from a call of the given kind with f's traced calls
 * beneath, each at its own kind's cost. */
static __always_inline __u64 probe_cost(__u32 kind, const struct frame *f)
{
	__u32 cpu = bpf_get_smp_processor_id();
	__u64 pair, inner, own, sum = 0;

	kind_cost(kind, cpu, &pair, &own);
	for (__u32 k = 0; k < AC_KINDS; k++) {
		kind_cost(k, cpu, &pair, &inner);
		sum += f->kdesc[k] * pair;
	}
	return own + sum;
}

static __always_inline void record_cold(__u32 id, __u64 ns)
{
	struct ac_stat *st = bpf_map_lookup_elem(&stats, &id);

	if (!st)
		return;
	update_max(&st->cold_max_ns, ns);
	__sync_fetch_and_add(&st->cold_total_ns, ns);
	__sync_fetch_and_add(&st->cold_count, 1);
	__sync_fetch_and_add(&st->count, 1);
}

/* f's traced calls beneath, into a stat: --func's by kind too */
static __always_inline void add_desc(struct ac_stat *st, const struct frame *f)
{
	__sync_fetch_and_add(&st->desc, f->desc);
	if (f->kdesc[AC_KIND_FUNC_EMULATED])
		__sync_fetch_and_add(&st->func_desc[0],
				     f->kdesc[AC_KIND_FUNC_EMULATED]);
	if (f->kdesc[AC_KIND_FUNC_STEPPED])
		__sync_fetch_and_add(&st->func_desc[1],
				     f->kdesc[AC_KIND_FUNC_STEPPED]);
}

/* A warm call's figures in st, but its bucket */
static __always_inline void record_warm(struct ac_stat *st, __u64 ns,
					const struct frame *f)
{
	add_desc(st, f);
	/* extremes before the count: a reader that sees the call counted
	 * sees them too (user space clears in the same order) */
	update_min(&st->min_ns, ns);
	update_max(&st->max_ns, ns);
	__sync_fetch_and_add(&st->count, 1);
	__sync_fetch_and_add(&st->total_ns, ns);
}

static __always_inline void record_stat(__u32 id, __u64 ns,
					const struct frame *f)
{
	struct ac_stat *st = bpf_map_lookup_elem(&stats, &id);
	__u32 key;
	__u64 *slot;

	if (!st)
		return;
	record_warm(st, ns, f);
	key = id * nbuckets + ac_bucket(ns, hist_shift);
	slot = bpf_map_lookup_elem(&hists, &key);
	if (slot)
		__sync_fetch_and_add(slot, 1);
}

/* The same figures as record_stat()/record_cold(), in st (a struct
 * ac_stat and nbuckets counts: proc_vals, series). mark: the octaves
 * marked too (proc_vals, which scrapes walk in place; a constant, so the
 * series' calls pay nothing for it). */
static __always_inline void record_into(struct ac_stat *st, __u64 ns,
					const struct frame *f, bool cold,
					bool mark)
{
	__u64 oct;
	__u32 b;

	if (cold) {
		update_max(&st->cold_max_ns, ns);
		__sync_fetch_and_add(&st->cold_total_ns, ns);
		__sync_fetch_and_add(&st->cold_count, 1);
		__sync_fetch_and_add(&st->count, 1);
		return;
	}
	record_warm(st, ns, f);
	b = ac_bucket(ns, hist_shift);
	if (b >= nbuckets || b >= AC_NBUCKETS(AC_MIN_SHIFT) << (AC_MAX_SHIFT - AC_MIN_SHIFT))
		return;
	/* the octave's mark before its bucket, a load once it is set: a
	 * scrape walks the marked octaves only */
	oct = 1ULL << ((b >> hist_shift) & 63);
	if (mark && !(st->octaves & oct))
		__sync_fetch_and_or(&st->octaves, oct);
	__sync_fetch_and_add((__u64 *)(st + 1) + b, 1);
}

/* The entry of key in map (series), made at its first call; full: the
 * drop counted when the map is full. */
static __always_inline void record_entry(void *map, void *key, __u64 ns,
					 const struct frame *f, bool cold,
					 __u32 full)
{
	__u32 zero = 0;
	struct ac_stat *st;
	void *init;

	st = bpf_map_lookup_elem(map, key);
	if (!st) {
		init = bpf_map_lookup_elem(&proc_init, &zero);
		if (!init)
			return;
		/* BPF_NOEXIST: another thread of the process may win */
		bpf_map_update_elem(map, key, init, BPF_NOEXIST);
		st = bpf_map_lookup_elem(map, key);
		if (!st) {
			count_drop(full, 1);
			return;
		}
	}
	record_into(st, ns, f, cold, false);
}

/* the process's own slot (system-wide by binary) */
static __always_inline void record_proc(__u32 id, __u64 ns,
					const struct frame *f, bool cold)
{
	struct ac_proc_key key = { (__u32)(current_ids() >> 32), id };
	struct ac_stat *st;
	__u32 *slot, s;

	if (key.tgid == calib_tgid)
		return;
	slot = bpf_map_lookup_elem(&proc_slot, &key);
	if (!slot) {
		if (bpf_map_pop_elem(&proc_free, &s)) {
			count_drop(AC_DROP_PROC_FULL, 1);
			return;
		}
		/* another thread of the process may win: the slot back */
		if (bpf_map_update_elem(&proc_slot, &key, &s, BPF_NOEXIST))
			bpf_map_push_elem(&proc_free, &s, 0);
		slot = bpf_map_lookup_elem(&proc_slot, &key);
		if (!slot) {
			count_drop(AC_DROP_PROC_FULL, 1);
			return;
		}
	}
	st = bpf_map_lookup_elem(&proc_vals, slot);
	if (st)
		record_into(st, ns, f, cold, true);
}

/* the thread's (or process's) series entry */
static __always_inline void record_series(__u32 id, __u64 ns,
					  const struct frame *f, bool cold)
{
	__u64 ids = current_ids();
	struct ac_series_key key = { (__u32)(ids >> 32), 0, id, 0 };
	char comm[16];

	if (per_thread) {
		key.tid = (__u32)ids;
		if (!bpf_map_lookup_elem(&thread_comm, &key.tid)) {
			bpf_get_current_comm(comm, sizeof(comm));
			bpf_map_update_elem(&thread_comm, &key.tid, comm,
					    BPF_NOEXIST);
		}
	}
	record_entry(&series, &key, ns, f, cold, AC_DROP_SERIES_FULL);
}

static __always_inline void record_path(struct tstack *ts, __u32 top,
					__u64 self, __u64 total)
{
	struct ac_path key = {};
	struct ac_path_val *v, init = { 1, self, total };

	for (__u32 i = 0; i < AC_PATH_DEPTH; i++) {
		if (i > top)
			break;
		if (i == AC_PATH_DEPTH - 1 && top > i) {
			key.ids[i] = AC_PATH_CUT;
			break;
		}
		key.ids[i] = ts->f[i].id;
	}
	v = bpf_map_lookup_elem(&paths, &key);
	if (v) {
		__sync_fetch_and_add(&v->calls, 1);
		__sync_fetch_and_add(&v->self_ns, self);
		__sync_fetch_and_add(&v->total_ns, total);
		return;
	}
	if (bpf_map_update_elem(&paths, &key, &init, BPF_NOEXIST)) {
		/* lost a race to create it, or the map is full */
		v = bpf_map_lookup_elem(&paths, &key);
		if (!v) {
			count_drop(AC_DROP_PATH_FULL, 1);
			return;
		}
		__sync_fetch_and_add(&v->calls, 1);
		__sync_fetch_and_add(&v->self_ns, self);
		__sync_fetch_and_add(&v->total_ns, total);
	}
}

static __always_inline void emit_raw(__u32 id, __u32 depth, __u64 start,
				     __u64 dur, bool cold)
{
	struct ac_event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);

	if (!e) {
		count_drop(AC_DROP_RAW_RECORD, 1);
		return;
	}
	e->start_ns = start;
	e->dur_ns = dur;
	e->tid = (__u32)current_ids();
	e->id = id;
	e->depth = depth;
	e->cold = cold;
	bpf_ringbuf_submit(e, 0);
}

static __always_inline __u64 sub_sat(__u64 a, __u64 b)
{
	return a > b ? a - b : 0;
}

/* Pushes a frame for probe id; site: the site_hits key of this entry. */
static __always_inline void enter(__u32 id, __u32 site)
{
	struct tstack *ts;
	struct frame *f;
	__u32 d;

	ts = bpf_task_storage_get(&stacks, bpf_get_current_task_btf(), NULL,
				  BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!ts) {
		count_drop(AC_DROP_NO_STORAGE, 1);
		return;
	}
	d = ts->depth;
	if (ts->overflow || d >= AC_MAX_DEPTH) {
		ts->overflow++;
		count_drop(AC_DROP_DEPTH_OVERFLOW, 1);
		return;
	}
	f = &ts->f[d];
	f->id = id;
	f->child_ns = 0;
	f->desc = 0;
	for (__u32 k = 0; k < AC_KIND_SLOTS; k++)
		f->kdesc[k] = 0;
	/* the one-time work comes after this program: inside this call and
	 * every call open around it */
	f->cold = cold_site_hit(site);
	if (f->cold)
		ts->cold_ns = bpf_ktime_get_ns();
	ts->depth = d + 1;
	/* last, so the handler's own time stays outside the measurement */
	f->start = bpf_ktime_get_ns();
	test_delay();
}

/* Pops the innermost open frame of probe id, a pair of that kind (enum
 * ac_kind), returned at now; site: the site_hits key of this return. */
static __always_inline void leave(__u32 id, __u32 kind, __u64 now,
				  __u32 site)
{
	__u64 raw, dur, self;
	struct tstack *ts;
	struct frame *f, *parent;
	__u32 d, i, top = AC_MAX_DEPTH;
	bool cold;

	ts = bpf_task_storage_get(&stacks, bpf_get_current_task_btf(), NULL, 0);
	if (!ts) {
		count_drop(AC_DROP_UNMATCHED_RETURN, 1);
		return;
	}
	if (ts->overflow) {
		ts->overflow--;
		return;
	}
	d = ts->depth;
	if (d > AC_MAX_DEPTH)
		return;
	/* Find the innermost open frame of this probe: frames above it were
	 * left without a return (longjmp, exception-like unwinding). */
	for (i = 0; i < AC_MAX_DEPTH; i++) {
		__u32 j = (d - 1 - i) & (AC_MAX_DEPTH - 1);	/* verifier */

		if (i >= d)
			break;
		if (ts->f[j].id == id) {
			top = j;
			break;
		}
	}
	if (top >= AC_MAX_DEPTH) {
		count_drop(AC_DROP_UNMATCHED_RETURN, 1);
		return;
	}
	if (d - 1 - top)
		count_drop(AC_DROP_UNWOUND_FRAME, d - 1 - top);
	ts->depth = top;
	/* Read it back from the map: the verifier then sees one unknown
	 * depth instead of a known value per loop exit, each of which it
	 * would otherwise walk through the rest of the program (13,585
	 * instructions and 5.6 ms to load, against a few hundred). */
	top = *(volatile __u32 *)&ts->depth & (AC_MAX_DEPTH - 1);

	f = &ts->f[top];
	raw = now - f->start;
	/* the calibration measures what is subtracted: never from its own */
	dur = id == calib_id ? raw : sub_sat(raw, probe_cost(kind, f));
	self = sub_sat(dur, f->child_ns);
	if (top > 0) {
		parent = &ts->f[(top - 1) & (AC_MAX_DEPTH - 1)];
		parent->child_ns += dur;
		parent->desc += 1 + f->desc;
		for (__u32 k = 0; k < AC_KIND_SLOTS; k++)
			parent->kdesc[k] += f->kdesc[k];
		parent->kdesc[kind & (AC_KIND_SLOTS - 1)]++;
	}

	cold = f->cold || f->start <= ts->cold_ns || f->start < cold_before_ns;
	if (cold)
		record_cold(id, dur);
	else
		record_stat(id, dur, f);
	if (per_process && id != calib_id)
		record_proc(id, dur, f, cold);
	if (series_on && id != calib_id)
		record_series(id, dur, f, cold);
	/* the loader's calibration calls are no path or call of the target */
	if (fold_paths && id != calib_id)
		record_path(ts, top, self, dur);
	if (raw_events && id != calib_id)
		emit_raw(id, top, f->start, dur, cold);
	/* this return's one-time work lands in the callers' time */
	if (cold_site_hit(site))
		ts->cold_ns = bpf_ktime_get_ns();
	test_delay();
}

SEC("uprobe")
int ac_entry(struct pt_regs *ctx)
{
	__u32 id = (__u32)bpf_get_attach_cookie(ctx);

	if (!traced_process())
		return 0;
	test_delay();
	enter(id, id * 2);
	return 0;
}

SEC("uprobe")
int ac_return(struct pt_regs *ctx)
{
	__u64 now, cookie = bpf_get_attach_cookie(ctx);
	__u32 id = (__u32)cookie;

	test_delay();
	now = bpf_ktime_get_ns();
	if (!traced_process())
		return 0;
	leave(id, cookie >> AC_COOKIE_KIND_SHIFT, now, id * 2 + 1);
	return 0;
}

/* Python functions, through the interpreter's own probes */
#include "autocue_python.bpf.h"

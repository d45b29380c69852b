/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * autocue.h - what the BPF program and user space share: map layouts,
 * limits and the log-linear histogram bucket math.
 *
 * Histogram: HdrHistogram-style log-linear buckets with 2^S sub-buckets per
 * power of two. Values below 2^S ns get a bucket each (exact); above, a
 * value v with 2^e <= v < 2^(e+1) falls in one of 2^S equal slices of
 * [2^e, 2^(e+1)), each 2^(e-S) wide. Reporting a bucket's midpoint is then
 * off by at most 2^-(S+1) of the value: 0.78% at the default S = 6.
 */
#ifndef AUTOCUE_TRACE_SHARED_H
#define AUTOCUE_TRACE_SHARED_H

#include "autocue_lost.h"

#ifndef __always_inline
#define __always_inline inline __attribute__((always_inline))
#endif

#define AC_MAX_DEPTH	32	/* frames per thread stack */
#define AC_PATH_DEPTH	12	/* probe ids kept in a folded call path */
#define AC_MAX_PROBES	4096	/* ids are u16; 0xffff marks a cut path */
#define AC_PATH_CUT	0xffff
#define AC_MAX_EXP	35	/* durations clamp below 2^36 ns (68.7 s) */
#define AC_MIN_SHIFT	1
#define AC_MAX_SHIFT	10
#define AC_DEFAULT_SHIFT 6

/* Buckets per probe for sub-bucket bits s: the linear region [0, 2^s)
 * plus 2^s slices for each exponent s..AC_MAX_EXP. */
#define AC_NBUCKETS(s) ((AC_MAX_EXP - (s) + 2) << (s))

/* A site's first hits carry one-time kernel work (the uprobe's set-up in
 * the process, the rewrite of a fast site into a trampoline call, the
 * first page faults on the rewritten page): 5 us to 0.9 ms measured, after
 * the entry program took its timestamp. Calls whose time holds such a hit
 * are cold: counted, their time kept apart from the statistics. */
#define AC_COLD_HITS	2

/* CPUs with a probe cost of their own: the vCPUs of one VM were seen 30%
 * apart at the same moment (14.6 against 11.2 us a trapping pair), which
 * side changing over minutes. Others use the median of these. */
#define AC_CAL_CPUS	64

/* Kinds of probe pair, each with a cost of its own (calibrated apart):
 * the USDT pair (fast or classic as most sites are), --func pairs, whose
 * return goes through the kernel's uretprobe trampoline and whose entry
 * the kernel emulates (push, nop, jmp: ~2x a USDT pair here) or
 * single-steps out of line (any other first instruction: ~7x), and with
 * --python the interpreter's function__entry/__return pair, whose cost
 * includes the interpreter's own work for its probes. The kind rides in
 * the BPF cookie above the probe id (the Python programs pass theirs). */
enum ac_kind {
	AC_KIND_PAIR,
	AC_KIND_FUNC_EMULATED,
	AC_KIND_FUNC_STEPPED,
	AC_KIND_PYTHON,
	AC_KINDS,
};
#define AC_KIND_SLOTS	4	/* AC_KINDS, rounded to a power of two */
#define AC_COOKIE_KIND_SHIFT 32

/* Per-probe totals. count is every call; min/max/sum and the histogram
 * cover the warm calls (count - cold_count), exact (compensated) ns. */
struct ac_stat {
	__u64 count;
	__u64 total_ns;
	__u64 min_ns;	/* UINT64_MAX while no warm call */
	__u64 max_ns;
	__u64 desc;	/* traced calls completed inside the warm calls */
	__u64 cold_count;
	__u64 cold_total_ns;
	__u64 cold_max_ns;
	/* of desc, the --func pairs: AC_KIND_FUNC_EMULATED's, then
	 * AC_KIND_FUNC_STEPPED's (each kind costs its own) */
	__u64 func_desc[2];
	/* proc_vals and series values only: bit o set once a warm call is
	 * counted in buckets [o << S, (o + 1) << S) (a power of two; at
	 * most AC_MAX_EXP + 1 of them), so a reader walks only those */
	__u64 octaves;
};

/* proc_slot key: a process (tgid, in the loader's pid namespace) and a
 * probe id. */
struct ac_proc_key {
	__u32 tgid;
	__u32 id;
};

/* series key (--per-thread, --follow --per-pid): a process and a thread
 * (0 when rows are per process only), global PIDs, and a probe id. */
struct ac_series_key {
	__u32 tgid;
	__u32 tid;
	__u32 id;
	__u32 pad;
};

/* followed: a process of the traced tree (key: its tgid). */
struct ac_follow {
	__u32 root;	/* the traced process it descends from */
	__u8 is_root;
	__u8 probes;	/* its image carries traced probes */
	__u8 counted;	/* counted in forked[root] */
	__u8 pad;
};

/* images: an executable file, as the kernel names it (s_dev, i_ino) */
struct ac_image_key {
	__u64 dev;
	__u64 ino;
};

#define AC_IMAGE_SEARCHED 1	/* its objects are attached: no stop */
#define AC_IMAGE_PROBES 2	/* it carries traced probes */

/* follow_events: a followed process exec'd an image not searched yet; it
 * stops itself (SIGSTOP) until the loader has attached the image. */
struct ac_exec_event {
	__u32 tgid;
	__u32 pad;
};

/* One folded call path: root first, AC_PATH_CUT after the last kept id
 * when the real stack was deeper; unused slots are 0 (ids start at 1). */
struct ac_path {
	__u16 ids[AC_PATH_DEPTH];
};

struct ac_path_val {
	__u64 calls;
	__u64 self_ns;
	__u64 total_ns;
};

/* Exact-mode record (--raw), one per completed call. */
struct ac_event {
	__u64 start_ns;
	__u64 dur_ns;
	__u32 tid;
	__u16 id;
	__u8 depth;
	__u8 cold;	/* held a site's first hits: not in the statistics */
};

/* Event-loss counters, an array indexed by these (autocue_lost.h). */
enum ac_drop {
#define AC_DROP_ENUM(name, label, key) AC_DROP_##name,
	AC_LOST_LIST(AC_DROP_ENUM)
#undef AC_DROP_ENUM
	AC_DROP_NR,
};

/* Floor of log2(v) for v > 0, branch-light so the verifier sees no loop. */
static __always_inline int ac_log2(__u64 v)
{
	int r = 0;

	if (v >> 32) { v >>= 32; r += 32; }
	if (v >> 16) { v >>= 16; r += 16; }
	if (v >> 8) { v >>= 8; r += 8; }
	if (v >> 4) { v >>= 4; r += 4; }
	if (v >> 2) { v >>= 2; r += 2; }
	if (v >> 1) { r += 1; }
	return r;
}

static __always_inline __u32 ac_bucket(__u64 v, int s)
{
	int e;

	if (v >= (1ULL << (AC_MAX_EXP + 1)))
		v = (1ULL << (AC_MAX_EXP + 1)) - 1;
	if (v < (1ULL << s))
		return (__u32)v;
	e = ac_log2(v);
	return (((__u32)(e - s + 1)) << s) + (__u32)((v >> (e - s)) - (1ULL << s));
}

/* Inclusive value range [*lo, *hi] of bucket b. */
static __always_inline void ac_bucket_range(__u32 b, int s, __u64 *lo,
					    __u64 *hi)
{
	__u32 sub = b & ((1U << s) - 1);
	__u32 grp = b >> s;
	int shift;

	if (grp == 0) {
		*lo = *hi = b;
		return;
	}
	shift = grp - 1;
	*lo = ((1ULL << s) + sub) << shift;
	*hi = *lo + (1ULL << shift) - 1;
}

#endif /* AUTOCUE_TRACE_SHARED_H */

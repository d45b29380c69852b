/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * record.h - what the sampler's BPF program (record.bpf.c) and user space
 * share: the key of a sample count and the loss counters.
 *
 * A sample is counted in the kernel under its whole key: the thread's open
 * traced scopes and both stacks' addresses. bcc's profile counts under
 * stack ids of a stack map instead, whose hash buckets hold one stack
 * each: two stacks in one bucket lose one of them (-EEXIST), and the map
 * preallocates every bucket (1 KiB each). A hash map keyed by the stacks
 * themselves has neither problem: memory grows with the distinct stacks.
 */
#ifndef AUTOCUE_RECORD_SHARED_H
#define AUTOCUE_RECORD_SHARED_H

#include "autocue.h"

/* frames a stack map entry holds: the kernel's default
 * perf_event_max_stack; a stack this deep was cut (truncated) */
#define AC_REC_MAX_FRAMES	127
/* frame counts: none asked for, or none to take (a sample in user mode
 * has no kernel stack, a kernel thread no user stack) */
#define AC_REC_NO_STACK		(-1)
/* the unwinder failed on a stack that was there */
#define AC_REC_LOST_STACK	(-2)

struct ac_sample_key {
	/* the thread's open scopes, outermost first, as a folded path's
	 * probe ids (AC_PATH_CUT after the last kept one when deeper) */
	__u16 scope[AC_PATH_DEPTH];
	__s32 nuser, nkern;	/* frames, or AC_REC_NO/LOST_STACK */
	__u32 tgid;		/* whose: addresses are per process */
	__u32 pad;		/* hashed too: zero */
	__u64 user[AC_REC_MAX_FRAMES];	/* leaf first; unused slots 0 */
	__u64 kern[AC_REC_MAX_FRAMES];
};

enum ac_rec_drop {
	AC_REC_SAMPLES,		/* every sample of the target (not a loss) */
	AC_REC_USER_LOST,	/* user stack not taken */
	AC_REC_KERN_LOST,	/* kernel stack not taken */
	AC_REC_COUNT_LOST,	/* sample not counted: counts map full */
	AC_REC_NR,
};

#endif /* AUTOCUE_RECORD_SHARED_H */

/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * record.h - what the sampler's BPF program (record.bpf.c) and user space
 * share: the key of a sample count and the loss counters.
 *
 * A sample is counted in the kernel under (user stack id, kernel stack id,
 * the thread's open traced scopes), as bcc's profile counts (pid, stack
 * ids): one map update per sample, the stacks themselves in a stack map.
 */
#ifndef AUTOCUE_RECORD_SHARED_H
#define AUTOCUE_RECORD_SHARED_H

#include "autocue.h"

/* frames a stack map entry holds: the kernel's default
 * perf_event_max_stack; a stack this deep was cut (truncated) */
#define AC_REC_MAX_FRAMES	127
/* stack id fields: no stack asked for, or none to take (a sample in user
 * mode has no kernel stack, a kernel thread no user stack) */
#define AC_REC_NO_STACK		(-1)
/* a stack was there but the stack map could not keep it */
#define AC_REC_LOST_STACK	(-2)

struct ac_sample_key {
	__s32 user_stack;
	__s32 kern_stack;
	/* the thread's open scopes, outermost first, as a folded path's
	 * probe ids (AC_PATH_CUT after the last kept one when deeper) */
	__u16 scope[AC_PATH_DEPTH];
};

enum ac_rec_drop {
	AC_REC_SAMPLES,		/* every sample of the target (not a loss) */
	AC_REC_USER_LOST,	/* user stack not kept (stack map full or
				 * a hash collision) */
	AC_REC_KERN_LOST,	/* the same, kernel stack */
	AC_REC_COUNT_LOST,	/* sample not counted: counts map full */
	AC_REC_NR,
};

#endif /* AUTOCUE_RECORD_SHARED_H */

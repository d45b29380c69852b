/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * scope_stack.h - a thread's open traced scopes, as the latency programs
 * (autocue.bpf.c) keep them in the task storage map "stacks". The sampler
 * (record.bpf.c) declares the same map and reuses its fd, so both objects
 * must see one layout: this one.
 */
#ifndef AUTOCUE_SCOPE_STACK_H
#define AUTOCUE_SCOPE_STACK_H

#include "autocue.h"

struct frame {
	__u64 start;
	__u64 child_ns;	/* compensated time of direct traced children */
	__u64 desc;	/* traced calls completed inside this one; u64: a
			 * session-long frame can see more than 2^32 */
	__u64 kdesc[AC_KIND_SLOTS];	/* of them, each kind's: what their
					 * probe cost is depends on it */
	__u32 id;
	__u32 cold;	/* its own entry was a cold hit */
};

struct tstack {
	__u32 depth;
	__u32 overflow;	/* entries beyond AC_MAX_DEPTH still open */
	__u64 cold_ns;	/* last cold hit: frames open then are cold */
	struct frame f[AC_MAX_DEPTH];
};

#endif /* AUTOCUE_SCOPE_STACK_H */

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * record.bpf.c - on-CPU stack samples of one process, each under the
 * traced scopes its thread had open.
 *
 * Attached to a CPU-clock perf event on every CPU (bcc's profile does the
 * same): at each tick on a CPU running a thread of the target, the
 * program takes the user and kernel stacks (frame pointers, the kernel's
 * unwinder) into a stack map and counts the sample under both stack ids
 * and the thread's open scopes, read from the task storage the latency
 * programs keep (autocue.bpf.c). The loader hands this object that map's
 * fd, so one attach of the probes serves both.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "record.h"
#include "scope_stack.h"

#define EFAULT 14	/* asm-generic/errno-base.h */

char LICENSE[] SEC("license") = "Dual BSD/GPL";

const volatile __u64 pidns_dev = 0;	/* as autocue.bpf.c's */
const volatile __u64 pidns_ino = 0;
const volatile bool user_stacks = true;
const volatile bool kernel_stacks = true;
/* Set after load, once the process is known (a command is started after
 * this object exists); 0 samples nothing. */
__u32 targ_tgid = 0;

/* autocue.bpf.c's map: the loader reuses its fd when the process carries
 * probes; otherwise this one stays empty */
struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct tstack);
} stacks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_STACK_TRACE);
	__uint(max_entries, 1);	/* set at load */
	__uint(key_size, sizeof(__u32));
	__uint(value_size, AC_REC_MAX_FRAMES * sizeof(__u64));
} stack_traces SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1);	/* set at load */
	__type(key, struct ac_sample_key);
	__type(value, __u64);
} counts SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, AC_REC_NR);
	__type(key, __u32);
	__type(value, __u64);
} rec_drops SEC(".maps");

static __always_inline void bump(__u32 why)
{
	__u64 *v = bpf_map_lookup_elem(&rec_drops, &why);

	if (v)
		*v += 1;	/* per CPU: no atomics needed */
}

static __always_inline __u32 current_tgid(void)
{
	struct bpf_pidns_info ns;

	if (!pidns_ino)
		return bpf_get_current_pid_tgid() >> 32;
	if (bpf_get_ns_current_pid_tgid(pidns_dev, pidns_ino, &ns, sizeof(ns)))
		return 0;
	return ns.tgid;
}

/* a stack id, or why there is none */
static __always_inline __s32 take_stack(void *ctx, __u64 flags, __u32 lost)
{
	long id = bpf_get_stackid(ctx, &stack_traces, flags);

	if (id >= 0)
		return id;
	if (id == -EFAULT)	/* nothing to unwind in that mode */
		return AC_REC_NO_STACK;
	bump(lost);		/* -EEXIST (collision), -ENOMEM (full) */
	return AC_REC_LOST_STACK;
}

static __always_inline void take_scopes(struct ac_sample_key *key)
{
	struct tstack *ts;
	__u32 d;

	ts = bpf_task_storage_get(&stacks, bpf_get_current_task_btf(), NULL, 0);
	if (!ts)
		return;
	d = ts->depth;
	for (__u32 i = 0; i < AC_PATH_DEPTH; i++) {
		if (i >= d || i >= AC_MAX_DEPTH)
			break;
		if (i == AC_PATH_DEPTH - 1 && (d > i + 1 || ts->overflow)) {
			key->scope[i] = AC_PATH_CUT;
			break;
		}
		key->scope[i] = ts->f[i].id;
	}
}

SEC("perf_event")
int ac_sample(struct bpf_perf_event_data *ctx)
{
	struct ac_sample_key key = {};
	__u64 one = 1, *n;
	__u32 tgid = current_tgid();

	if (!targ_tgid || tgid != targ_tgid)
		return 0;
	bump(AC_REC_SAMPLES);
	key.user_stack = user_stacks ?
		take_stack(ctx, BPF_F_USER_STACK, AC_REC_USER_LOST) :
		AC_REC_NO_STACK;
	key.kern_stack = kernel_stacks ?
		take_stack(ctx, 0, AC_REC_KERN_LOST) : AC_REC_NO_STACK;
	take_scopes(&key);

	n = bpf_map_lookup_elem(&counts, &key);
	if (n) {
		__sync_fetch_and_add(n, 1);
		return 0;
	}
	if (bpf_map_update_elem(&counts, &key, &one, BPF_NOEXIST)) {
		n = bpf_map_lookup_elem(&counts, &key);	/* lost a race */
		if (n)
			__sync_fetch_and_add(n, 1);
		else
			bump(AC_REC_COUNT_LOST);
	}
	return 0;
}

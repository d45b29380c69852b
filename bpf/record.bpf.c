// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * record.bpf.c - on-CPU stack samples of the chosen processes, each under
 * the traced scopes its thread had open.
 *
 * Attached to a CPU-clock perf event on every CPU (bcc's profile does the
 * same): at each tick on a CPU running a thread of the target, the
 * program takes the user and kernel stacks (frame pointers, the kernel's
 * unwinder) and counts the sample under them and the thread's open
 * scopes (record.h), read from the task storage the latency
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
/* The processes sampled, tgid -> 1: filled after load, once they are
 * known (a command is started after this object exists); empty samples
 * nothing. A hash map, not a tgid in .bss, since -p takes several. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1);	/* set at load */
	__type(key, __u32);
	__type(value, __u8);
} targets SEC(".maps");

/* autocue.bpf.c's map: the loader reuses its fd when the process carries
 * probes; otherwise this one stays empty */
struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct tstack);
} stacks SEC(".maps");

/* the whole key is hashed: each sample starts from this, not from the
 * last one's frames (one copy; a loop clearing the slots past the stack
 * cost the verifier 55 ms) */
const volatile struct ac_sample_key zero_key = {};

/* where a sample's key is put together: 2 KiB, too big for the stack */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ac_sample_key);
} scratch SEC(".maps");

/* distinct keys, allocated as they come */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
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

/* bpf_pidns_info's layout, declared here rather than taken from
 * vmlinux.h: that one carries CO-RE relocations, and a single one makes
 * libbpf parse the kernel's BTF at load (0.1 s of CPU here) */
struct ac_pidns_info {
	__u32 pid;
	__u32 tgid;
};

static __always_inline __u32 current_tgid(void)
{
	struct ac_pidns_info ns;

	if (!pidns_ino)
		return bpf_get_current_pid_tgid() >> 32;
	if (bpf_get_ns_current_pid_tgid(pidns_dev, pidns_ino,
					(struct bpf_pidns_info *)&ns, sizeof(ns)))
		return 0;
	return ns.tgid;
}

/* the frames of one stack into buf, or why there are none */
static __always_inline __s32 take_stack(void *ctx, __u64 *buf, __u64 flags,
					__u32 lost)
{
	long n = bpf_get_stack(ctx, buf, AC_REC_MAX_FRAMES * sizeof(__u64),
			       flags);
	__s32 frames = n > 0 ? n / sizeof(__u64) : 0;

	if (frames)
		return frames;
	if (n == 0 || n == -EFAULT)	/* nothing to unwind in that mode */
		return AC_REC_NO_STACK;
	bump(lost);
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
	struct ac_sample_key *key;
	__u64 one = 1, *n;
	__u32 tgid = current_tgid(), zero = 0;

	if (!tgid || !bpf_map_lookup_elem(&targets, &tgid))
		return 0;
	key = bpf_map_lookup_elem(&scratch, &zero);
	if (!key)
		return 0;
	bump(AC_REC_SAMPLES);
	bpf_probe_read_kernel(key, sizeof(*key), (const void *)&zero_key);
	key->tgid = tgid;
	key->nuser = user_stacks ?
		take_stack(ctx, key->user, BPF_F_USER_STACK, AC_REC_USER_LOST) :
		AC_REC_NO_STACK;
	key->nkern = kernel_stacks ?
		take_stack(ctx, key->kern, 0, AC_REC_KERN_LOST) :
		AC_REC_NO_STACK;
	take_scopes(key);

	n = bpf_map_lookup_elem(&counts, key);
	if (n) {
		__sync_fetch_and_add(n, 1);
		return 0;
	}
	if (bpf_map_update_elem(&counts, key, &one, BPF_NOEXIST)) {
		n = bpf_map_lookup_elem(&counts, key);	/* lost a race */
		if (n)
			__sync_fetch_and_add(n, 1);
		else
			bump(AC_REC_COUNT_LOST);
	}
	return 0;
}

/* SPDX-License-Identifier: MIT */
/*
 * profile.h - a recording's samples with names: each counted stack as its
 * frames root first, the thread's open traced scopes, then the user
 * frames (inlined functions above the function holding them), then the
 * kernel's:
 *
 *   scope_x;main;run;scope_x;hot_a             (a sample in user mode)
 *   main;read_input;read;entry_SYSCALL_64_[k];...;ksys_read_[k]
 *
 * With several processes, each stack starts with its process,
 * "comm-PID" (as bcc's profile and perf's comm;pid), and each process's
 * addresses are named by its own symbols.
 *
 * Nothing is dropped: an address without a name is "[OBJECT+0xOFF]", a
 * stack the kernel's unwinder failed on "[lost_user_stack]", a stack cut at the
 * unwinder's depth limit starts with "[truncated]". Frame names hold no
 * spaces or semicolons of ours (folded stacks split on them).
 */
#ifndef AUTOCUE_PROFILE_H
#define AUTOCUE_PROFILE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include "sampler.h"
#include "symbols.h"

#define AC_FRAME_LOST_USER	"[lost_user_stack]"
#define AC_FRAME_LOST_KERNEL	"[lost_kernel_stack]"
#define AC_FRAME_CUT		"[truncated]"

struct ac_profile_stack {
	int depth;
	const char **frames;	/* root first; names owned by ac_symbols */
	int nscope;		/* of which nscope after the process are
				 * scopes */
	uint64_t count;
	int nproc;		/* 1: frames[0] is the process, "comm-PID" */
};

/* A process sampled: its symbols (the caller's), and what it got. */
struct ac_profile_proc {
	pid_t pid;
	char comm[16];		/* read at the start: it may be gone */
	struct ac_symbols *sy;
	uint64_t samples;	/* counted in its stacks */
};

/* An object most user samples stopped in that sets up no frame pointer in
 * most of its functions: its callers are missing from those stacks. */
struct ac_fp_note {
	const char *object;
	int with, functions;
	uint64_t leaves;	/* samples whose user leaf is in it */
};

#define AC_PROFILE_MAX_FP_NOTES 4

/* An object many user samples stopped in whose code there has no name
 * (stripped, no debug info): those frames are addresses. */
struct ac_nosym_note {
	const char *object;
	uint64_t leaves, unresolved;
};

struct ac_profile {
	pid_t pid;		/* the first of procs */
	int nprocs;
	struct ac_profile_proc *procs;	/* the caller's */
	int hz;
	double duration_s;
	uint64_t samples;	/* every sample of the target */
	uint64_t counted;	/* in stacks (samples - lost_count) */
	uint64_t lost_user, lost_kernel, lost_count;
	uint64_t truncated;	/* samples with a stack cut at the depth
				 * limit */
	uint64_t unresolved;	/* samples with a frame without a name */
	uint64_t in_scope;	/* samples taken inside a traced scope */
	int nstacks;
	struct ac_profile_stack *stacks;
	int nfp;
	struct ac_fp_note fp[AC_PROFILE_MAX_FP_NOTES];
	int nnosym;
	struct ac_nosym_note nosym[AC_PROFILE_MAX_FP_NOTES];
};

/* procs: the processes sampled (a sample of another is dropped; kernel
 * frames are named by the first's symbols), kept and counted in by out;
 * scope_names[i]: the name of scope id i + 1 (ac_trace_scope_name), NULL
 * for one left out (not shown); nscope_names 0 when no scopes were
 * traced. 0 or -errno. */
int ac_profile_build(const struct ac_samples *raw,
		     struct ac_profile_proc *procs, int nprocs,
		     const char *const *scope_names, int nscope_names,
		     struct ac_profile *out);
void ac_profile_free(struct ac_profile *p);

#endif /* AUTOCUE_PROFILE_H */

/* SPDX-License-Identifier: MIT */
/*
 * sampler.h - on-CPU stack samples of processes (autocue-trace record):
 * a CPU-clock perf event on every CPU at HZ, the BPF program record.bpf.c
 * on each, counts per (user stack, kernel stack, open traced scopes) in
 * kernel maps, read out as raw addresses; symbols are sources/symbols.h's.
 *
 *   ac_sampler_open()  loads the program (its scope-stacks map is then
 *                      there for a latency session to share, see
 *                      ac_trace_opts.scope_stacks_fd)
 *   ac_sampler_start() names the processes and opens the perf events
 *   ac_sampler_read()  the samples so far
 */
#ifndef AUTOCUE_SAMPLER_H
#define AUTOCUE_SAMPLER_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <linux/types.h>
#include "record.h"

struct ac_sampler;

struct ac_sampler_opts {
	int hz;			/* samples per second of CPU time; 0: 99 */
	bool no_user;		/* --kernel-only: kernel-mode samples only */
	bool no_kernel;		/* --user-only: no kernel stacks */
	int max_keys;		/* distinct (scopes, stacks) kept; 0: 16384 */
	int max_procs;		/* processes ac_sampler_start takes; 0: 1 */
	bool verbose;		/* libbpf's messages */
};

/* One counted stack. Addresses leaf first; nuser/nkern 0 with *_lost
 * when the kernel's unwinder failed on it. */
struct ac_sample {
	uint64_t count;
	pid_t tgid;		/* the process (its addresses) */
	int nscope;		/* scope[] ids (probe id = index + 1),
				 * AC_PATH_CUT last when the thread had
				 * more open than a path keeps */
	uint16_t scope[AC_PATH_DEPTH];
	int nuser, nkern;
	uint64_t *user, *kern;
	bool user_lost, kern_lost;
};

struct ac_samples {
	int n;
	struct ac_sample *v;
	uint64_t total;		/* samples of the target the program saw */
	uint64_t counted;	/* of which in v (total - count_lost) */
	uint64_t user_lost, kern_lost, count_lost;
	double duration_s;	/* since start */
};

/* 0 or -errno, with a one-line reason in err. */
int ac_sampler_open(const struct ac_sampler_opts *o, struct ac_sampler **out,
		    char *err, size_t errlen);
/* The task storage map of per-thread scope stacks, for the latency
 * programs to keep (bpf_map__reuse_fd). */
int ac_sampler_scopes_fd(const struct ac_sampler *s);
/* Samples the n processes tgids (at most opts.max_procs) from now on:
 * one perf event a CPU. 0 or -errno. */
int ac_sampler_start(struct ac_sampler *s, const pid_t *tgids, int n,
		     char *err, size_t errlen);
/* Closes the perf events (no more samples). */
void ac_sampler_stop(struct ac_sampler *s);
int ac_sampler_hz(const struct ac_sampler *s);
int ac_sampler_read(struct ac_sampler *s, struct ac_samples *out);
void ac_samples_free(struct ac_samples *v);
void ac_sampler_close(struct ac_sampler *s);

#endif /* AUTOCUE_SAMPLER_H */

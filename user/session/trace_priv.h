/* SPDX-License-Identifier: MIT */
/* trace_priv.h - the tracing session shared by attach, calibration and
 * read-out; not part of the API. */
#ifndef AUTOCUE_TRACE_PRIV_H
#define AUTOCUE_TRACE_PRIV_H

#include <linux/types.h>
#include <pthread.h>
#include <stdarg.h>
#include <time.h>
#include "autocue.h"
#include "autocue_trace.h"
#include "probes.h"

struct ac_exact;
struct ac_procs;
struct ac_cal;
struct ac_recal;

struct ac_trace {
	struct autocue_bpf *skel;
	struct ac_probe_set probes;	/* probe id = index + 1 */
	char *binary;
	pid_t pid;
	bool own_child;		/* started by ac_trace_open_cmd */
	bool reaped;
	bool exited_early;	/* the PID exited before its probes were attached */
	int child_status;
	int go_fd;		/* write end: releases the child to exec */
	int exec_fd;		/* read end: the child's errno if exec fails */
	char *cmd;		/* what the child runs (argv[0]) */
	char *provider, *pattern;
	int shift, max_paths;
	uint32_t nbuckets, nids;	/* ids 0..nids-1; 0 unused */
	bool no_compensate, raw, no_paths;
	unsigned test_hit_delay_ns;
	bool verbose, per_site;
	bool multi;		/* uprobe_multi links */
	struct bpf_link **links;	/* one per site, without multi */
	int nlinks;
	int *link_fds;		/* uprobe_multi links */
	int nlink_fds;
	/* mmap'ed maps */
	struct ac_stat *stats;
	__u64 *hists, *drops;
	size_t stats_len, hists_len, drops_len;
	struct ring_buffer *rb;
	struct ac_exact *exact;		/* exact mode's durations */
	FILE *raw_sink;
	struct ac_prewarm *prewarm;
	bool per_process;	/* ac_trace_open_binary: procs.c */
	int max_series;
	struct ac_procs *procs;
	double pair_ns, inner_ns;
	double pair_tight_ns;	/* in a loop that touches no memory */
	double pair_busy_ns;	/* around code that touches 512 pages */
	double pair_spread_ns;	/* how far pair_ns moved over the rounds */
	double resolution_ns;	/* calibration noise; 0 uncompensated */
	struct ac_cal *cal;	/* what the calibration passes need */
	struct ac_recal *recal;	/* the thread that takes them */
	pthread_mutex_t cal_lock;	/* guards pair_ns, inner_ns, pair_spread_ns,
				 * resolution_ns */
	struct timespec t0;
	char err[512];
};

int ac_trace_fail(struct ac_trace *t, int ret, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void ac_attach_prepare(struct ac_trace *t, bool multi);
int ac_attach_probes(struct ac_trace *t, pid_t pid, const char *binary,
		     const struct ac_probe *probes, int n, __u32 first_id);
void ac_detach_all(struct ac_trace *t);
bool ac_attach_unsupported(int err);
struct ac_prewarm *ac_prewarm_start(void);
void ac_prewarm_release(struct ac_prewarm *p);
void ac_prewarm_free(struct ac_prewarm *p);
int ac_calibrate(struct ac_trace *t);
int ac_calibration_pass(struct ac_trace *t, double *pair, double *inner);
int ac_calibration_reattach(struct ac_trace *t);
void ac_calibration_free(struct ac_trace *t);
/* recalibrate.c: passes while the target runs */
int ac_recal_start(struct ac_trace *t);
void ac_recal_stop(struct ac_trace *t);
void ac_recal_free(struct ac_trace *t);
int ac_readout_init(struct ac_trace *t);
/* procs.c: per-process statistics of a system-wide session */
size_t ac_procs_value_size(uint32_t nbuckets);
int ac_procs_init(struct ac_trace *t);
void ac_procs_free(struct ac_trace *t);
void ac_procs_poll(struct ac_trace *t);
void ac_procs_reset(struct ac_trace *t);
int ac_procs_read(struct ac_trace *t, struct ac_snapshot *s);
void ac_readout_fini(struct ac_trace *t);
void ac_stats_clear(struct ac_trace *t, __u32 id);
void ac_calibration_done(struct ac_trace *t);
int ac_sites_cold_again(struct ac_trace *t);
uint64_t ac_maps_bytes(struct ac_trace *t);
/* procfs.c; ac_proc_field reads "KEY: number" lines (status, fdinfo) */
bool ac_proc_field(const char *path, const char *key, long long *v);
bool ac_pid_alive(pid_t pid);
pid_t ac_tgid_of(pid_t pid);	/* a thread's process; 0 if unknown */
bool ac_maps_binary(pid_t pid, const char *path);
long long ac_proc_cpu_ns(pid_t pid);
__u64 ac_ktime_ns(void);
/* our pid namespace for BPF's PID checks; 0, 0 in the initial one */
void ac_pidns(__u64 *dev, __u64 *ino);

#endif /* AUTOCUE_TRACE_PRIV_H */

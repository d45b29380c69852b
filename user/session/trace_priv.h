/* SPDX-License-Identifier: MIT */
/* trace_priv.h - the tracing session shared by the files of session/,
 * which call each other bottom up only (README, "Loader"); not part of
 * the API. */
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
struct ac_py;

/* One ELF object of the traced process that may carry probes: the
 * executable, a shared library, one named by -b. */
struct ac_object {
	pid_t pid;		/* the process that maps it (0: a command's) */
	char *shown;		/* its path as the process sees it */
	char *path;		/* what the tracer opens and attaches: through
				 * /proc/PID/root for a running process */
	unsigned long long dev, ino;	/* tells a mapping already known */
	struct ac_probe_set probes;	/* all of its probes, unfiltered */
	__u32 *ids;		/* each one's id; 0: not traced (--probes,
				 * or no id left for a late object) */
	int nsel;		/* probes with an id */
	bool late;		/* found after the attach (dlopen) */
	bool symtab;		/* --func: it has .symtab (not stripped) */
	int nfuncs;		/* --func: functions of it matching */
	int attach_err;		/* -errno when its late attach failed */
};

/* ids kept free for probes of objects found after the attach, when the
 * objects are found by themselves (no -b): the maps are sized at load */
#define AC_SPARE_IDS 32
/* how often the maps of a traced process are read again for new objects
 * (at once, too, when its dynamic linker reports a dlopen: dlwatch.c) */
#define AC_RESCAN_MS 20
#define AC_DLWATCH_MAX 256	/* processes whose dlopens wake the tracer */
/* --follow: ids kept free for the probes of images exec'd later */
#define AC_FOLLOW_SPARE_IDS 64
#define AC_FOLLOW_MAX 8192	/* processes of the traced tree at once */
#define AC_FOLLOW_RESCAN_MAX 256	/* of them, whose maps are read again */
struct ac_follow_state;
struct ac_dlwatch;
struct pollfd;

/* A kind of pair's probe cost (enum ac_kind): what one traced call adds
 * to an enclosing measurement, the part of it inside the call's own, how
 * far the pair cost moved over the calibration (the larger side of the
 * middle half), and the calibration noise inside a call (0 uncompensated) */
struct ac_kind_cost {
	double pair_ns, inner_ns, spread_ns, resolution_ns;
};

struct ac_trace {
	struct autocue_bpf *skel;
	struct ac_probe_set probes;	/* probe id = index + 1; the traced
					 * ones of every object, merged */
	struct ac_object *objs;
	int nobjs;
	bool auto_objects;	/* no -b: every object the process maps */
	pid_t *pids;		/* the processes traced (-p), pids[0] == pid */
	int npids;
	bool per_pid;		/* a row per process and probe: NAME[PID], by
				 * ids of their own (not with --follow) */
	/* --follow: the processes the traced ones fork, and the images
	 * they exec (follow.c); track_children: the tree is kept, for
	 * --follow or for the hint at the end without it */
	bool follow, track_children;
	struct ac_follow_state *fl;
	/* rows by thread (--per-thread) or, with --follow, by process
	 * (--per-pid): the series map (series.c) */
	bool per_thread, series_pid;
	struct ac_series_state *series;
	__u32 id_cap;		/* ids 1..id_cap are the target's */
	__u64 next_scan_ns;	/* auto_objects: next read of the maps */
	bool attached;
	int no_room;		/* probes of late objects left without an id */
	struct ac_dlwatch *dlwatch;
	bool no_periodic_rescan;	/* test-only: dlwatch's wake-ups alone */
	char *binary;
	pid_t pid;
	bool own_child;		/* started by ac_trace_open_cmd */
	bool reaped;
	bool exited_early;	/* the PID exited before its probes were attached */
	int child_status;
	int go_fd;		/* write end: releases the child to exec */
	int exec_fd;		/* read end: the child's errno if exec fails */
	char *cmd;		/* what the child runs (argv[0]) */
	char *cmd_exe;		/* its executable, found in PATH */
	char *provider, *pattern;
	char *funcs;		/* --func globs; NULL: none */
	int shift, max_paths;
	uint32_t nbuckets, nids;	/* ids 0..nids-1; 0 unused */
	bool no_compensate, raw, no_paths;
	unsigned test_hit_delay_ns, test_readout_delay_us;
	bool verbose, per_site;
	int scope_stacks_fd;	/* a sampler's map to keep the stacks in */
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
	/* each kind's probe cost: the USDT pair's (or the interpreter's),
	 * --func's */
	struct ac_kind_cost cost[AC_KINDS];
	struct ac_stale_cost stale[2];	/* entry, return (calibrate.c) */
	/* the USDT pair's in a loop that touches no memory, and around code
	 * that touches 512 pages */
	double pair_tight_ns, pair_busy_ns;
	struct ac_cal *cal;	/* what the calibration passes need */
	struct ac_recal *recal;	/* the thread that takes them */
	pthread_mutex_t cal_lock;	/* guards cost */
	struct timespec t0;
	char err[512];
	/* --python: the interpreter's functions, ids after the probes' */
	bool python;
	char *py_binary;	/* the interpreter or libpython */
	char *py_exe;		/* an interpreter running it: calibration */
	int py_max;
	bool py_hooked;		/* ac_trace_opts.python_hooked */
	struct ac_py *py;
};

int ac_trace_fail(struct ac_trace *t, int ret, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void ac_attach_prepare(struct ac_trace *t, bool multi);
int ac_attach_probes(struct ac_trace *t, pid_t pid, const char *binary,
		     const struct ac_probe *probes, int n, __u32 first_id);
/* the same with an id for each probe */
int ac_attach_probes_ids(struct ac_trace *t, pid_t pid, const char *binary,
			 const struct ac_probe *probes, int n,
			 const __u32 *ids);
/* objects.c: the objects of the process and their probes */
int ac_objects_discover(struct ac_trace *t, const char *exe);
int ac_objects_attach(struct ac_trace *t, const bool *keep);
/* The maps are due to be read again (AC_RESCAN_MS, or at once after a
 * dlopen); when they are, the next read is set. */
bool ac_objects_rescan_due(struct ac_trace *t);
/* The maps of the processes pids read again, the objects new in them
 * attached with the ids left. */
void ac_objects_rescan(struct ac_trace *t, const pid_t *pids, int n);
void ac_objects_free(struct ac_trace *t);
/* The image process pid has just exec'd (stopped): its executable and
 * the libraries it links, attached; *probes: it carries traced probes. */
int ac_objects_add_exec(struct ac_trace *t, pid_t pid, bool *probes);
/* follow.c */
int ac_follow_start(struct ac_trace *t);
int ac_follow_fd(const struct ac_trace *t);	/* -1: none */
void ac_follow_poll(struct ac_trace *t);
int ac_follow_pids(const struct ac_trace *t, pid_t *pids, int max);
bool ac_follow_alive(const struct ac_trace *t);
void ac_follow_stop(struct ac_trace *t);
/* series.c: rows by thread or process */
int ac_series_read(struct ac_trace *t, struct ac_snapshot *s);
void ac_series_reset(struct ac_trace *t);
void ac_series_free(struct ac_trace *t);
/* dlwatch.c: the dynamic linkers' r_brk of the traced processes */
void ac_dlwatch_start(struct ac_trace *t);
int ac_dlwatch_count(const struct ac_trace *t);
int ac_dlwatch_fds(const struct ac_trace *t, struct pollfd *pfd, int max);
void ac_dlwatch_drain(struct ac_trace *t);
void ac_dlwatch_close(struct ac_trace *t, int i);
void ac_dlwatch_free(struct ac_trace *t);
/* poll.c: the maps of the processes traced read again when due (with
 * --follow, of every process of the tree) */
void ac_poll_rescan(struct ac_trace *t);
void ac_detach_all(struct ac_trace *t);
bool ac_attach_unsupported(int err);
struct ac_prewarm *ac_prewarm_start(void);
void ac_prewarm_release(struct ac_prewarm *p);
void ac_prewarm_free(struct ac_prewarm *p);
int ac_calibrate(struct ac_trace *t);
/* a short pass on the pair of one kind (enum ac_kind) */
int ac_calibration_pass(struct ac_trace *t, int kind, int *cpu,
			double *pair, double *inner);
/* that kind is calibrated in this session */
bool ac_calibration_kind(const struct ac_trace *t, int kind);
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
/* a snapshot's hold on the slots let go (ac_snapshot.procs_pin) */
void ac_procs_unpin(struct ac_procs_pin *pin);
/* Keys of a hash map (at most max, ksize bytes each), read before
 * anything is deleted (deleting while walking restarts the walk): *n of
 * them, NULL on failure. */
void *ac_map_keys(int fd, size_t ksize, int max, int *n);
/* the figures of a slot of proc_vals or a series value (struct ac_stat, then
 * the histogram's counts) into a row; its buckets are the caller's to
 * point at or copy */
void ac_stat_fill(struct ac_probe_stats *ps, const struct ac_stat *st);
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

/* python.c */
int ac_py_prepare(struct ac_trace *t);
__u32 ac_py_ids(const struct ac_trace *t);
int ac_py_attach(struct ac_trace *t);
void ac_py_detach(struct ac_trace *t);
int ac_py_resolve(struct ac_trace *t);
const char *ac_py_id_name(const struct ac_trace *t, __u32 id);
/* an id the kernel may have given a function since the last resolve: not
 * named yet, so in no row, but its calls are real */
bool ac_py_id_pending(const struct ac_trace *t, __u32 id);
void ac_py_free(struct ac_trace *t);
__u32 ac_py_first_id(const struct ac_trace *t);
/* python:line's semaphore raised while attached (CPython 3.11, no hook) */
bool ac_py_line(const struct ac_trace *t);
/* raises it in pid until the link goes; NULL with errno */
struct bpf_link *ac_py_line_up(struct ac_trace *t, pid_t pid);
/* py_calibrate.c: the probe cost of the interpreter's own probes */
int ac_py_calibrate(struct ac_trace *t, __u32 first);
/* ids.c: the name a probe id is reported under; NULL: not reported */
const char *ac_id_name(const struct ac_trace *t, __u32 id);
/* and its ac_probe_stats.func: 0 for a USDT pair or a Python function,
 * 1 + the kind of entry of a --func function */
int ac_id_func(const struct ac_trace *t, __u32 id);

#endif /* AUTOCUE_TRACE_PRIV_H */

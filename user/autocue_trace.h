/* SPDX-License-Identifier: MIT */
/*
 * autocue_trace.h - C API of autocue-trace: trace the autocue USDT probes of
 * a live process or a command and read latency statistics out of the kernel
 * maps. The CLI is built on it; tests use it to assert on histograms.
 *
 *   struct ac_trace *t;
 *   int err = ac_trace_open_pid(pid, NULL, &t);   // or ac_trace_open_cmd()
 *   if (!err) err = ac_trace_attach(t);
 *   ...
 *   struct ac_snapshot *s = ac_trace_snapshot(t);
 *   const struct ac_probe_stats *p = ac_snapshot_find(s, "parse");
 *   uint64_t p99 = ac_probe_percentile(p, 0.99);
 *   ac_snapshot_free(s);
 *   ac_trace_close(t);
 *
 * Functions returning int return 0 or a negative errno; ac_trace_error()
 * then holds a one-line message saying what to do.
 */
#ifndef AUTOCUE_TRACE_API_H
#define AUTOCUE_TRACE_API_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>
#include "autocue_lost.h"

#ifdef __cplusplus
extern "C" {
#endif

struct ac_trace;

struct ac_trace_opts {
	const char *binary;	/* default: /proc/PID/exe, or the command */
	const char *provider;	/* default: "autocue" */
	const char *probes;	/* fnmatch pattern(s), comma-separated;
				 * NULL: all */
	int precision;		/* sub-bucket bits, 1..10; 0: default 6 */
	bool no_compensate;	/* report raw durations */
	bool raw;		/* exact mode: stream every call */
	int max_paths;		/* folded-path map entries; 0: default */
	bool no_paths;		/* skip folded call paths (cheaper probes) */
	/* Test-only: every probe hit spends this much longer in the kernel,
	 * as on a host where probes are dearer (page-table isolation, older
	 * kernels); so one host can test accuracy for the others. */
	unsigned test_hit_delay_ns;
	/* Test-only: each read-out waits this long between naming the
	 * functions first called so far and reading the maps, as a slow
	 * read-out would (a sanitized build, a loaded host) */
	unsigned test_readout_delay_us;
	bool verbose;		/* libbpf's messages to stderr */
	/* one perf-event uprobe per site, as on kernels before 6.6 (which
	 * get it anyway): slower to attach and detach */
	bool per_site_uprobes;
	/* Python functions: the interpreter's own python:function__entry/
	 * __return; probes then filters "module.function" names, and rows
	 * appear as functions are first called. The autocue probes of
	 * binary are traced too when it is given (all of them), nesting with
	 * the Python frames. */
	bool python;
	const char *python_binary;	/* the interpreter or libpython with
					 * the probes; default: the command,
					 * or found in the process's maps */
	int python_max;		/* functions given a row; 0: 1024 */
	/* CPython 3.11 fires function__entry only under a profiler or tracer
	 * (gh-98894), or while its python:line semaphore is up: the session
	 * raises that one too (the interpreter then takes its tracing path
	 * on every instruction), unless every thread of the running process
	 * has a profiler or tracer set. true: the program sets a profiler
	 * itself (examples/python_hook.py), leave python:line down. */
	bool python_hooked;
	/* > 0: keep the per-thread scope stacks in this task storage map
	 * (a sampler's, autocue-trace record, which reads them to put each
	 * sample under its thread's open scopes) instead of a new one */
	int scope_stacks_fd;
	/* functions without probes, comma-separated globs of symbol names
	 * (.symtab and .dynsym): each matching function of the objects is
	 * traced as a pair too (entry and return probes); NULL: none. The
	 * probe cost is calibrated on USDT pairs only: with functions, the
	 * figures are raw (no_compensate). */
	const char *funcs;
	/* several processes: a row per process and probe, NAME[PID] */
	bool per_pid;
	/* The processes the traced ones fork from now on are traced too
	 * (the kernel adds each child to the traced set as it forks it),
	 * and the image a traced process exec's is searched for probes
	 * and attached while the process waits, stopped, before its first
	 * instruction. Without it, children are counted:
	 * ac_trace_untraced_children(). */
	bool follow;
	/* a row per thread and probe: NAME[TID:threadname], with per_pid
	 * NAME[PID/TID:threadname] (ac_snapshot.owners); folded paths are
	 * not split (the snapshot then has none) */
	bool per_thread;
	/* Test-only: no periodic reads of the maps, so that libraries loaded
	 * later are found only when the dynamic linker reports them */
	bool test_no_periodic_rescan;
	/* ac_trace_open_binary(): (process, probe) pairs whose statistics
	 * are kept apart (ac_snapshot.procs); per_thread (or follow with
	 * per_pid): (thread, probe) rows; 0: default 1024 */
	int max_series;
	/* ac_trace_open_pids(): keep each process's statistics apart too
	 * (ac_snapshot.procs, bounded by max_series), beside the rows
	 * across them, as ac_trace_open_binary() does */
	bool per_process;
};

/* A completed call, in exact mode. */
struct ac_raw_call {
	uint64_t start_ns;	/* CLOCK_MONOTONIC */
	uint64_t dur_ns;
	uint32_t tid;
	uint16_t probe;		/* index into ac_snapshot.probes */
	uint16_t depth;
};

/* The percentiles exact mode computes from every call (ranks as
 * ac_probe_percentile's): 0.50 0.90 0.95 0.99 0.999. */
#define AC_EXACT_NQ 5
extern const double ac_exact_quantiles[AC_EXACT_NQ];

/* How the kernel runs a --func function's first instruction: its kinds
 * of pair, each with a probe cost of its own (ac_snapshot.func). */
enum {
	AC_FUNC_ENTRY_EMULATED,	/* push, nop, jmp, call: in the trap */
	AC_FUNC_ENTRY_STEPPED,	/* the rest: copied out and single-stepped */
	AC_FUNC_ENTRY_NR,
};

/* count is every call. A call whose time holds a probe site's first hits
 * (the kernel's one-time uprobe set-up, 5 us to 1 ms, lands inside it and
 * every call open around it) is cold: counted, its time kept apart in
 * cold_*; total, min, max, the histogram and the percentiles cover the
 * warm calls (count - cold_count). */
struct ac_probe_stats {
	const char *name;
	uint64_t count;
	uint64_t total_ns;	/* warm calls */
	uint64_t min_ns;	/* 0 when no warm call */
	uint64_t max_ns;
	uint64_t desc;		/* traced calls inside the warm calls, each
				 * with its pair's cost subtracted */
	/* of desc, --func pairs of each kind of entry (ac_snapshot.func
	 * states their cost; the rest cost pair_ns) */
	uint64_t func_desc[AC_FUNC_ENTRY_NR];
	/* what this row is: 0 a USDT pair (or a Python function), else a
	 * --func function, 1 + its kind of entry (AC_FUNC_ENTRY_*) */
	int func;
	uint64_t cold_count;
	uint64_t cold_total_ns;
	uint64_t cold_max_ns;	/* an upper bound of each cold call */
	int shift;		/* sub-bucket bits */
	uint32_t nbuckets;
	const uint64_t *buckets;	/* count per bucket */
	/* bit o set: buckets [o << shift, (o + 1) << shift) are known to
	 * be all 0 (the kernel marks a power of two at its first call); 0
	 * knows nothing: walks read every bucket */
	uint64_t empty;
	/* exact mode: how many calls the exact figures cover (0: none, as
	 * outside exact mode and in ac_trace_snapshot_hist()), and their
	 * percentiles at ac_exact_quantiles, exactly */
	uint64_t nexact;
	uint64_t exact_q[AC_EXACT_NQ];
};

/* A folded call path, root first, names of ac_snapshot.probes. */
struct ac_path_stats {
	int depth;
	const int *probes;	/* indices into probes; -1: path cut */
	uint64_t calls;
	uint64_t self_ns;
	uint64_t total_ns;
};

/* One process's statistics, when the session traces every process
 * running a binary (ac_trace_open_binary). */
struct ac_proc_stats {
	pid_t pid;		/* 0: every process that exited, folded */
	char comm[16];		/* "" once gone */
	struct ac_probe_stats *probes;	/* nprobes, the snapshot's order */
};

/* Whose row a row is, with per_thread (or follow with per_pid) */
struct ac_row_owner {
	pid_t pid;
	pid_t tid;		/* 0: rows by process */
	char comm[16];		/* the thread's (or process's) name */
};

/* Lost events, counted by the kernel: AC_LOST_UNMATCHED_RETURN, ...
 * (the list and its meanings: autocue_lost.h). */
enum {
#define AC_LOST_ENUM(name, label, key) AC_LOST_##name,
	AC_LOST_LIST(AC_LOST_ENUM)
#undef AC_LOST_ENUM
	AC_LOST_NR,
};

struct ac_snapshot {
	pid_t pid;
	double duration_s;	/* since attach or the last reset */
	int precision;
	bool compensated;
	double pair_ns;		/* probe cost subtracted per traced call */
	double inner_ns;	/* of which inside the call's own time */
	double pair_tight_ns;	/* the same, measured in a tight loop; the
				 * gap to pair_ns is the cost that depends
				 * on the code around a call (TLB refills) */
	double pair_busy_ns;	/* around code touching many pages: with
				 * pair_tight_ns, the range of what a traced
				 * call costs its callers */
	double pair_spread_ns;	/* how far pair_ns moved over the
				 * calibration's rounds (~0.1 s): the larger
				 * side of their middle half */
	/* How far one compensated duration can be off: the spread of the
	 * probe cost inside a call, at least a quarter of it. A value below
	 * it cannot be told from zero: writers show it as the bound
	 * ac_snapshot_bound_ns() ("<0.6 us"), never as a 0. */
	double resolution_ns;
	/* --func's pairs, compensated as USDT pairs are, with costs of their
	 * own: how the kernel runs a function's first instruction, emulated
	 * in its trap (push, nop, jmp) or single-stepped out of line, makes
	 * the difference. functions: how many traced are of that kind.
	 * Their rows' resolution is their kind's (ac_probe_resolution_ns);
	 * the figures above are the USDT pair's. */
	struct ac_func_cost {
		int functions;
		double pair_ns, inner_ns, pair_spread_ns, resolution_ns;
	} func[AC_FUNC_ENTRY_NR];
	/* What a hit costs inside a call beyond a warm one, after a while
	 * without a hit on the thread (the caches the trap path uses grow
	 * cold): 0 up to onset_ns since the previous hit, then slope_ns more
	 * for each doubling of that time, flat from cap_ns (at_cap_ns: what
	 * the calibration measured there). [0]: the entry hit, after the
	 * time before the call; [1]: the return, after the call's latest
	 * hit inside. Not subtracted (it varies too much with what else
	 * runs): stated, ac_snapshot_stale_ns(); all 0 where the calibration
	 * saw no growth. */
	struct ac_stale_cost {
		double onset_ns, slope_ns, cap_ns, at_cap_ns;
	} stale[2];
	int nprobes;
	struct ac_probe_stats *probes;
	int npaths;
	struct ac_path_stats *paths;
	uint64_t lost[AC_LOST_NR];
	uint64_t map_bytes;	/* kernel memory of the maps */
	/* ac_trace_open_binary(): live processes that made a traced call,
	 * by PID, then the exited ones folded (pid 0); calls beyond
	 * ac_trace_opts.max_series are in the totals above only (lost
	 * AC_LOST_PROC_FULL). 0 and NULL otherwise. */
	int nprocs;
	struct ac_proc_stats *procs;
	struct ac_row_owner *owners;	/* per_thread: nprobes, else NULL */
	void *procs_mem;	/* what procs' buckets point into: the
				 * snapshot's own, freed with it */
	/* a hold on the kernel's slots the other procs' buckets point
	 * into, let go with it */
	struct ac_procs_pin *procs_pin;
	int tracee_signal;	/* the signal that killed the traced command;
				 * 0: it did not, or it is not known (the
				 * CLI sets it at the end of a session) */
};

int ac_trace_open_pid(pid_t pid, const struct ac_trace_opts *opts,
		      struct ac_trace **out);
/* Several processes at once (each traced as -p one is, every object each
 * maps; a PID given twice counts once): one row per probe across them,
 * or per process with opts->per_pid. ac_trace_alive() is then true while
 * any runs, ac_trace_cpu_ns() sums them; the snapshot's pid is the
 * first. */
int ac_trace_open_pids(const pid_t *pids, int n,
		       const struct ac_trace_opts *opts, struct ac_trace **out);
int ac_trace_npids(const struct ac_trace *t);
/* Without opts->follow: the processes that traced process i (as
 * ac_trace_pid_at) forked, directly or not, that carried probes (its
 * own image, or an image with them exec'd) and so went untraced. */
int ac_trace_untraced_children(const struct ac_trace *t, int i);
/* The processes named name (as pgrep -x: the kernel's 15-byte name, and
 * for a longer one, the executable's file name too), the caller left out:
 * how many (up to max written to pids), or -errno. */
int ac_find_processes(const char *name, pid_t *pids, int max);
pid_t ac_trace_pid_at(const struct ac_trace *t, int i);
/* Every process running opts->binary (or mapping it, for a library), now
 * and started later, from their first traced call; the snapshot's totals
 * cover them all and its procs each of them. */
int ac_trace_open_binary(const struct ac_trace_opts *opts,
			 struct ac_trace **out);
/* Starts argv stopped before its first instruction; ac_trace_attach()
 * lets it run once the probes are live. */
int ac_trace_open_cmd(char *const argv[], const struct ac_trace_opts *opts,
		      struct ac_trace **out);
/* Probe discovery alone (--list; no privileges needed): the probe pairs of
 * the process's executable or of opts->binary, filtered by opts->probes;
 * read them with ac_trace_nprobes()/ac_trace_probe(), then close. */
int ac_trace_open_list(pid_t pid, const struct ac_trace_opts *opts,
		       struct ac_trace **out);
/* Loads, calibrates and attaches; for a command, then releases it and
 * waits (up to 5 s) for its exec: a command that cannot be run is an
 * error here (its errno, "cannot run CMD: ..."), with the probes already
 * attached (ac_trace_close() detaches them). 0 or -errno, with the reason
 * in ac_trace_error(). A process traced by PID that exits before its
 * probes are attached is not an error: 0, ac_trace_exited_early() says so,
 * and the snapshots hold nothing, as after any exit. */
int ac_trace_attach(struct ac_trace *t);
/* A -p process that exited before its probes were attached: the session
 * is then empty, not an error. */
bool ac_trace_exited_early(const struct ac_trace *t);
/* Exact mode: moves streamed records into the trace's spill file; and
 * when the objects are found by themselves, reads the process's maps for
 * libraries loaded since (every 20 ms at most); call it regularly (it
 * waits at most timeout_ms). Returns records consumed,
 * or -errno when the spill file cannot be written (a full disk): the
 * exact figures are then lost, and snapshots fail until a reset. */
int ac_trace_poll(struct ac_trace *t, int timeout_ms);
/* Exact mode: also write every call to f as a text line
 * "probe tid start_ns dur_ns depth"; NULL stops it. */
void ac_trace_set_raw_sink(struct ac_trace *t, FILE *f);
/* In exact mode the snapshot's exact percentiles read back every call
 * recorded since the start or the last reset (a few passes over the
 * spill file, exact.h); ac_trace_snapshot_hist() leaves them out, for
 * frequent snapshots of a long session. NULL on failure (out of memory,
 * or in exact mode a spill file that could not be written or read). */
struct ac_snapshot *ac_trace_snapshot(struct ac_trace *t);
struct ac_snapshot *ac_trace_snapshot_hist(struct ac_trace *t);
int ac_trace_reset(struct ac_trace *t);
/* A snapshot (as ac_trace_snapshot_hist) that starts the next interval:
 * the counts and histograms it read are taken out of the maps, so a call
 * ending meanwhile counts in the next one; each call is in exactly one
 * interval. Folded paths, per-process and per-thread rows are reset. */
struct ac_snapshot *ac_trace_snapshot_take(struct ac_trace *t);
/* pid of the traced process; for a command, whether it is still running
 * (with opts->follow, or any process of the traced tree) */
pid_t ac_trace_pid(const struct ac_trace *t);
bool ac_trace_alive(struct ac_trace *t, int *status);
const char *ac_trace_error(const struct ac_trace *t);
/* The binary traced, and its probes that have no partner (X__entry without
 * X__return or the reverse, or outside the naming convention). */
const char *ac_trace_binary(const struct ac_trace *t);
const char *const *ac_trace_unpaired(const struct ac_trace *t, int *n);
const char *ac_trace_provider(const struct ac_trace *t);
/* The probe pairs found, 0..n-1 (the snapshot's order): a name, and how
 * many entry and return sites it has. NULL past the end. */
int ac_trace_nprobes(const struct ac_trace *t);
const char *ac_trace_probe(const struct ac_trace *t, int i, int *entries,
			   int *returns);
/* The ids of the per-thread scope stacks (autocue-trace record reads
 * them, ac_trace_opts.scope_stacks_fd): 1..ac_trace_scope_ids(t), the probe
 * pairs (--func's functions among them: id i + 1 is ac_trace_probe(t,
 * i)), then --python's functions, named as they first appear. The name of
 * one, as the latency table names its row ("scope_x", "parse_line",
 * "app.module.func"); NULL for an id without one (a Python function left
 * out, or not seen yet), once attached. */
unsigned ac_trace_scope_ids(const struct ac_trace *t);
const char *ac_trace_scope_name(struct ac_trace *t, unsigned id);
/* The objects whose probes are traced (without opts->binary: every ELF
 * object the process maps, the executable and its libraries, found by
 * themselves; those it loads later too, once ac_trace_poll() has seen
 * them: at once when the dynamic linker reports a dlopen, or at the next
 * read of the maps, every 20 ms): 0..n-1, each with its path as the
 * process sees it, its probe pairs traced, and whether it was found after
 * the attach (dlopen). NULL past the end. */
int ac_trace_nobjects(const struct ac_trace *t);
const char *ac_trace_object(const struct ac_trace *t, int i, int *npairs,
			    bool *late);
/* The process that maps object i (several with ac_trace_open_pids) */
pid_t ac_trace_object_pid(const struct ac_trace *t, int i);
/* Object i's traced probe pairs, 0..npairs-1, with their sites in it. */
const char *ac_trace_object_probe(const struct ac_trace *t, int i, int j,
				  int *entries, int *returns);
/* What that pair is: -1 a USDT pair, else a --func function's kind of
 * entry (AC_FUNC_ENTRY_EMULATED or AC_FUNC_ENTRY_STEPPED) */
int ac_trace_object_probe_kind(const struct ac_trace *t, int i, int j);
/* Objects found late whose probes could not be attached: how many, and
 * the first one with its -errno. */
int ac_trace_late_failures(const struct ac_trace *t, const char **object,
			   int *err);
/* Probes of late objects left out: no id was left for a new name (the
 * maps are sized at the attach, with room for a few dozen). */
int ac_trace_no_room(const struct ac_trace *t);
/* Every probe pair the objects have, --probes or not: whether name is one,
 * and the i-th distinct name (NULL past the end). */
bool ac_trace_has_probe(const struct ac_trace *t, const char *name);
const char *ac_trace_known_probe(const struct ac_trace *t, int i);
/* How the probes are attached, once attached: "uprobe_multi links" (one
 * per program, kernel 6.6+) or "one uprobe per site" (older kernels). */
const char *ac_trace_attach_kind(const struct ac_trace *t);
/* Detaches the probes whose keep[i] (index into a snapshot's probes) is
 * false, attaches the rest anew and resets: for --max-overhead, after a
 * first phase. 0 or -errno. */
int ac_trace_keep_probes(struct ac_trace *t, const bool *keep);
/* Test-only: change test_hit_delay_ns mid-session, as a host's probe cost
 * may change; only for a session opened with a nonzero one. */
int ac_trace_set_test_hit_delay(struct ac_trace *t, unsigned ns);
/* CPU time the traced process has used so far (every thread), ns; -1 when
 * it is gone. */
long long ac_trace_cpu_ns(const struct ac_trace *t);
/* A process's name (/proc/PID/comm, without its newline); "" once it is
 * gone. */
void ac_process_comm(pid_t pid, char *buf, size_t size);
void ac_trace_close(struct ac_trace *t);
/* --python: a one-line explanation when more function returns than calls
 * matched had no entry (CPython 3.11 to 3.14 fire function__entry only
 * while a profiler or tracer is set: CPython issue gh-98894); NULL
 * otherwise. Points into t. */
const char *ac_trace_python_problem(struct ac_trace *t);

const struct ac_probe_stats *ac_snapshot_find(const struct ac_snapshot *s,
					      const char *name);
/* q in [0, 1]: the value of rank floor(count * q) (clamped to count - 1)
 * of the sorted durations, as the bucket's midpoint, within 2^-(shift+1)
 * of the exact value; exactly when the snapshot holds exact figures and q
 * is one of ac_exact_quantiles. */
uint64_t ac_probe_percentile(const struct ac_probe_stats *p, double q);
uint64_t ac_probe_hist_percentile(const struct ac_probe_stats *p, double q);
/* What one call of p's kind of pair costs: a --func function's kind's,
 * else the snapshot's pair_ns */
double ac_probe_pair_ns(const struct ac_snapshot *s,
			const struct ac_probe_stats *p);
/* The resolution of p's kind of pair: a --func function's kind's, else
 * the snapshot's resolution_ns */
double ac_probe_resolution_ns(const struct ac_snapshot *s,
			      const struct ac_probe_stats *p);
/* The histogram's value at each of q[0..nq) into out, in one walk over
 * the buckets when q ascends (as ac_probe_hist_percentile() each). */
void ac_probe_hist_percentiles(const struct ac_probe_stats *p,
			       const double *q, int nq, uint64_t *out);
/* The first bucket from b on not known to be empty (p->empty), and in
 * *end where its run of such buckets ends; p->nbuckets when none. */
uint32_t ac_probe_hist_run(const struct ac_probe_stats *p, uint32_t b,
			   uint32_t *end);
/* The calls in buckets [from, to) (to <= nbuckets) */
uint64_t ac_probe_hist_sum(const struct ac_probe_stats *p, uint32_t from,
			   uint32_t to);
/* What a duration below resolution_ns is shown as: "<" this, the most it
 * can be (it read less than the resolution, and is off by at most that). */
double ac_snapshot_bound_ns(const struct ac_snapshot *s);
/* How much longer than its own time a call of ns may read for the
 * probe hits' cost growing with the time between them (ac_snapshot.stale):
 * its return hit after up to ns, its entry hit after any gap. 0 where the
 * calibration saw no growth. */
double ac_snapshot_stale_ns(const struct ac_snapshot *s, double ns);
/* Calls whose durations are in the statistics: count - cold_count. */
uint64_t ac_probe_warm_calls(const struct ac_probe_stats *p);
/* Mean of the warm calls; with none, the cold calls' mean (a bound). */
double ac_probe_mean_ns(const struct ac_probe_stats *p);
/* Probe cost of the traced calls inside p's warm calls, subtracted from
 * them, each at its kind of pair's cost: what the row would read more
 * without compensation. */
double ac_probe_beneath_ns(const struct ac_snapshot *s,
			   const struct ac_probe_stats *p);
/* How far that subtraction can be off: the USDT pairs beneath times the
 * widest gap between pair_ns and what code touching no or many pages
 * pays, the --func pairs beneath times their kind's pair_spread_ns. */
double ac_probe_beneath_error_ns(const struct ac_snapshot *s,
				 const struct ac_probe_stats *p);
/* The per-process statistics of s let go (procs, nprocs): they point into
 * the tracer's live slots, which it gives back to exited processes' and a
 * reset's successors only once no snapshot holds them; a snapshot kept
 * longer than a read-out (a session total) drops them first. */
void ac_snapshot_drop_procs(struct ac_snapshot *s);
void ac_snapshot_free(struct ac_snapshot *s);
/* Adds s (a later part of the same session, read out after a reset) into
 * acc: counts, totals, buckets, paths and lost events add up, min and max
 * take the extremes, the probe cost is s's; exact percentiles do not add
 * and are dropped (nexact 0). s may hold more probes after acc's (Python
 * functions first called since): they join acc. 0, -EINVAL for parts of
 * different sessions, or -ENOMEM. */
int ac_snapshot_add(struct ac_snapshot *acc, const struct ac_snapshot *s);

#ifdef __cplusplus
}
#endif

#endif /* AUTOCUE_TRACE_API_H */

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
};

/* A completed call, in exact mode. */
struct ac_raw_call {
	uint64_t start_ns;	/* CLOCK_MONOTONIC */
	uint64_t dur_ns;
	uint32_t tid;
	uint16_t probe;		/* index into ac_snapshot.probes */
	uint16_t depth;
};

struct ac_probe_stats {
	const char *name;
	uint64_t count;
	uint64_t total_ns;
	uint64_t min_ns;	/* 0 when count == 0 */
	uint64_t max_ns;
	int shift;		/* sub-bucket bits */
	uint32_t nbuckets;
	const uint64_t *buckets;	/* count per bucket */
	/* exact mode only: sorted durations of every call, else NULL */
	const uint64_t *exact;
	uint64_t nexact;
};

/* A folded call path, root first, names of ac_snapshot.probes. */
struct ac_path_stats {
	int depth;
	const int *probes;	/* indices into probes; -1: path cut */
	uint64_t calls;
	uint64_t self_ns;
	uint64_t total_ns;
};

enum {
	AC_LOST_UNMATCHED_RETURN,
	AC_LOST_UNWOUND_FRAME,
	AC_LOST_DEPTH_OVERFLOW,
	AC_LOST_PATH_FULL,
	AC_LOST_RAW_RECORD,
	AC_LOST_NO_STORAGE,
	AC_LOST_NR,
};

struct ac_snapshot {
	pid_t pid;
	double duration_s;	/* since attach or the last reset */
	int precision;
	bool compensated;
	double pair_ns;		/* probe cost subtracted per traced call */
	double inner_ns;	/* of which inside the call's own time */
	int nprobes;
	struct ac_probe_stats *probes;
	int npaths;
	struct ac_path_stats *paths;
	uint64_t lost[AC_LOST_NR];
	uint64_t map_bytes;	/* kernel memory of the maps */
};

int ac_trace_open_pid(pid_t pid, const struct ac_trace_opts *opts,
		      struct ac_trace **out);
/* Starts argv stopped before its first instruction; ac_trace_attach()
 * lets it run once the probes are live. */
int ac_trace_open_cmd(char *const argv[], const struct ac_trace_opts *opts,
		      struct ac_trace **out);
/* Loads, calibrates and attaches; for a command, then releases it and
 * waits (up to 5 s) for its exec: a command that cannot be run is an
 * error here (its errno, "cannot run CMD: ..."), with the probes already
 * attached (ac_trace_close() detaches them). 0 or -errno, with the reason
 * in ac_trace_error(). A process traced by PID that exits before its
 * probes are attached is not an error: 0, ac_trace_exited_early() says so,
 * and the snapshots hold nothing, as after any exit. */
int ac_trace_attach(struct ac_trace *t);
bool ac_trace_exited_early(const struct ac_trace *t);
/* Exact mode: moves streamed records into the trace's buffer; call it
 * regularly (it waits at most timeout_ms). Returns records consumed. */
int ac_trace_poll(struct ac_trace *t, int timeout_ms);
/* Exact mode: also write every call to f as a text line
 * "probe tid start_ns dur_ns depth"; NULL stops it. */
void ac_trace_set_raw_sink(struct ac_trace *t, FILE *f);
struct ac_snapshot *ac_trace_snapshot(struct ac_trace *t);
int ac_trace_reset(struct ac_trace *t);
/* pid of the traced process; for a command, whether it is still running */
pid_t ac_trace_pid(const struct ac_trace *t);
bool ac_trace_alive(struct ac_trace *t, int *status);
const char *ac_trace_error(const struct ac_trace *t);
/* The binary traced, and its probes that have no partner (X__entry without
 * X__return or the reverse, or outside the naming convention). */
const char *ac_trace_binary(const struct ac_trace *t);
const char *const *ac_trace_unpaired(const struct ac_trace *t, int *n);
/* How the probes are attached, once attached: "uprobe_multi links" (one
 * per program, kernel 6.6+) or "one uprobe per site" (older kernels). */
const char *ac_trace_attach_kind(const struct ac_trace *t);
void ac_trace_close(struct ac_trace *t);

const struct ac_probe_stats *ac_snapshot_find(const struct ac_snapshot *s,
					      const char *name);
/* q in [0, 1]: the value of rank floor(count * q) (clamped to count - 1)
 * of the sorted durations, as the bucket's midpoint, within 2^-(shift+1)
 * of the exact value; from the exact samples when present. */
uint64_t ac_probe_percentile(const struct ac_probe_stats *p, double q);
uint64_t ac_probe_hist_percentile(const struct ac_probe_stats *p, double q);
void ac_snapshot_free(struct ac_snapshot *s);

#ifdef __cplusplus
}
#endif

#endif /* AUTOCUE_TRACE_API_H */

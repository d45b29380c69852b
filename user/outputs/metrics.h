/* SPDX-License-Identifier: MIT */
/*
 * metrics.h - a snapshot as Prometheus metrics: the text exposition format
 * (version 0.0.4) or OpenMetrics 1.0.0, for `autocue-trace --listen`.
 *
 * Per probe and process (labels probe, pid, comm, binary):
 *
 *   autocue_call_duration_seconds            histogram of the warm calls;
 *                                            le = the kernel's own bucket
 *                                            edges, 2^bits per power of two
 *   autocue_call_duration_quantiles_seconds  summary: p50 p90 p95 p99 p999
 *                                            from the full-precision
 *                                            histogram (within 2^-(S+1))
 *   autocue_calls_total                      every call, cold ones too
 *   autocue_cold_calls_total                 calls holding a site's first
 *                                            hits, kept out of durations
 *
 * Per tracer (label binary): autocue_lost_events_total{reason},
 * autocue_probe_cost_seconds, autocue_resolution_seconds,
 * autocue_map_bytes, autocue_attached_probes, autocue_tracer_cpu_seconds_total,
 * autocue_bucket_error_ratio. Calls that --max-series kept out of the
 * per-process series are lost events, reason "per_process_full".
 *
 * The histogram's buckets are sums of kernel buckets, so every cumulative
 * count is exact; histogram_quantile() interpolates inside one exported
 * bucket [L, L(1 + 2^-bits)), so it is off by at most 2^-bits of the
 * value (12.5% at the default 3 bits) where the summary is off by at most
 * 2^-(S+1) (0.78% at the default precision 6). A bucket counts durations
 * below its edge: one exactly on an edge (an integer ns) counts above it.
 */
#ifndef AUTOCUE_METRICS_H
#define AUTOCUE_METRICS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include "autocue_trace.h"
#include "outbuf.h"

/* 4 le buckets per power of two (97 a series, histogram_quantile within
 * 25%): each le is a series in Prometheus's database and ~150 bytes a
 * scrape, and 8 (12.5%) made 1024 series 200k samples and 32 MB a scrape,
 * 1.3% of a CPU at one a second, mostly the kernel sending them. The
 * precise figures are the summary's and the native histograms'. */
#define AC_METRICS_DEFAULT_BITS	 2
#define AC_METRICS_DEFAULT_MIN_EXP 10	/* 1.024 us */
#define AC_METRICS_DEFAULT_MAX_EXP 34	/* 17.2 s */

/* The exported le buckets: 2^bits per power of two from 2^min_exp ns up
 * to 2^max_exp ns, then +Inf. bits <= the snapshot's precision (a finer
 * edge would split a kernel bucket: not exact). */
struct ac_metrics_buckets {
	int bits;
	int min_exp, max_exp;
};

/* Parses --buckets "BITS[,MIN,MAX]": BITS 0..10 (2^BITS buckets per power
 * of two), MIN and MAX durations with a unit (ns, us, ms, s), rounded out
 * to powers of two. 0, or -EINVAL with a message in err. */
int ac_metrics_buckets_parse(const char *arg, struct ac_metrics_buckets *b,
			     char *err, size_t errlen);
/* How many le lines a histogram has, +Inf included. */
int ac_metrics_nbuckets(const struct ac_metrics_buckets *b);

/* One process's series. */
struct ac_metrics_proc {
	const char *pid;	/* label value: "1234", or "exited" */
	const char *comm;
	const struct ac_probe_stats *probes;	/* the snapshot's nprobes */
	bool skip_uncalled;	/* leave out probes it never called */
};

/* What the snapshot does not hold: the tracer's own figures. */
struct ac_metrics_info {
	const char *binary;
	int nprocs;
	const struct ac_metrics_proc *procs;
	double tracer_cpu_s;	/* user + system time of the tracer */
};

/* The families, in the order written, each named, typed and explained
 * once for every format (a counter's name without its _total). */
enum ac_metrics_family_id {
	AC_FAM_DURATION, AC_FAM_QUANTILES, AC_FAM_CALLS, AC_FAM_COLD,
	AC_FAM_LOST, AC_FAM_PROBE_COST, AC_FAM_RESOLUTION,
	AC_FAM_BUCKET_ERROR, AC_FAM_MAP_BYTES, AC_FAM_ATTACHED,
	AC_FAM_TRACER_CPU, AC_FAM_NR,
};
struct ac_metrics_family {
	const char *name, *type, *help;
};
extern const struct ac_metrics_family ac_metrics_families[AC_FAM_NR];

/* The summary's quantiles. */
#define AC_METRICS_NQ 5
extern const double ac_metrics_quantiles[AC_METRICS_NQ];

/* The formats, and their content types. */
enum ac_metrics_format {
	AC_METRICS_TEXT, AC_METRICS_OPENMETRICS, AC_METRICS_PROTOBUF,
	AC_METRICS_NFORMATS,
};
#define AC_METRICS_TEXT_TYPE "text/plain; version=0.0.4; charset=utf-8"
#define AC_METRICS_OPENMETRICS_TYPE \
	"application/openmetrics-text; version=1.0.0; charset=utf-8"
#define AC_METRICS_PROTOBUF_TYPE "application/vnd.google.protobuf; " \
	"proto=io.prometheus.client.MetricFamily; encoding=delimited"

/* Appends every family to out; 0 or -ENOMEM (out could not grow). */
int ac_metrics_write(struct ac_outbuf *out, const struct ac_snapshot *s,
		     const struct ac_metrics_info *info,
		     const struct ac_metrics_buckets *b, bool openmetrics);

/* The format an HTTP Accept header prefers: the highest q of the three
 * (protobuf only with proto=io.prometheus.client.MetricFamily and
 * encoding=delimited), protobuf then OpenMetrics on a tie; the text
 * format when it names none of them (or is NULL). */
enum ac_metrics_format ac_metrics_negotiate(const char *accept);

/*
 * The protobuf exposition (metrics_pb.c): the same families, with
 * autocue_call_duration_seconds as native histograms (Prometheus
 * --enable-feature=native-histograms) instead of le buckets, which 2.42
 * would ignore beside them. Schema S = min(precision, 8): 2^S buckets per
 * power of two whose edges grow by 2^(2^-S). The kernel's 2^S sub-buckets
 * per power of two are linear, so their edges coincide with the native
 * ones only at powers of two: each kernel bucket goes whole to the native
 * bucket holding its midpoint (exact when it lies inside one, one native
 * bucket off for a duration on the far side of an edge it straddles). So
 * histogram_quantile() on them is within 2^(2^-S) - 1 (a native bucket)
 * plus 2^-S (a kernel bucket) of the value: 2.65% at precision 6.
 * Durations of 0 ns go to the zero bucket, of threshold 2^-128 s
 * (client_golang's default); _count and _sum exact.
 */
#define AC_METRICS_NATIVE_SCHEMA_MAX 8
#define AC_METRICS_NATIVE_ZERO 0x1p-128
int ac_metrics_native_schema(int precision);
/* That bound, relative. */
double ac_metrics_native_error(int precision);
/* Appends every family, delimited; 0 or -ENOMEM. */
int ac_metrics_write_protobuf(struct ac_outbuf *out,
			      const struct ac_snapshot *s,
			      const struct ac_metrics_info *info);

#endif /* AUTOCUE_METRICS_H */

// SPDX-License-Identifier: MIT
/*
 * Probe-cost calibration. Every traced call adds the cost of its probe pair
 * (trap or trampoline, BPF programs, return to user space) to each enclosing
 * measurement, and part of it to its own. The loader measures both on a
 * probe pair of its own, in its own process, with the very programs that
 * will trace the target, and hands them to BPF, which subtracts them as it
 * records (a histogram cannot be corrected afterwards).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include <sys/sdt.h>
#include "autocue_usdt.h"
#include "autocue.skel.h"
#include "trace_priv.h"

#define WARMUP	64	/* the kernel optimises a site after its first hit */
#define BATCHES	7
#define CALLS	150

AUTOCUE_PROBE(autocue_calibrate);

static __attribute__((noinline)) void traced_call(void)
{
	AUTOCUE_TRACE(autocue_calibrate);
	__asm__ __volatile__("" ::: "memory");
}

/* The same pair in sys/sdt.h's classic form, for targets built with
 * -DAUTOCUE_CLASSIC_PROBES: a trapping site costs about twice as much. */
static __attribute__((noinline)) void traced_call_classic(void)
{
	STAP_PROBE(autocue, autocue_calibrate_classic__entry);
	__asm__ __volatile__("" ::: "memory");
	STAP_PROBE(autocue, autocue_calibrate_classic__return);
}

static __attribute__((noinline)) void bare_call(void)
{
	__asm__ __volatile__("" ::: "memory");
}

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static double batch_ns(void (*fn)(void))
{
	double t = now_ns();

	for (int i = 0; i < CALLS; i++)
		fn();
	return (now_ns() - t) / CALLS;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static int attach_self(struct ac_trace *t, __u32 id, const char *name)
{
	struct ac_probe_set self;
	char err[256];
	int ret;

	ret = ac_probes_discover("/proc/self/exe", "autocue", &self, err,
				 sizeof(err));
	if (ret)
		return ac_trace_fail(t, ret, "calibration: %s", err);
	ac_probes_filter(&self, name);
	if (self.n != 1)
		ret = ac_trace_fail(t, -ENOENT,
			"calibration probe missing from /proc/self/exe (use --no-compensate)");
	else
		ret = ac_attach_probes(t, getpid(), "/proc/self/exe", self.p,
				       1, id);
	ac_probes_free(&self);
	return ret;
}

int ac_calibrate(struct ac_trace *t)
{
	__u32 id = t->nids - 1;
	bool classic = ac_probes_mostly_classic(&t->probes);
	void (*call)(void) = classic ? traced_call_classic : traced_call;
	int ret;
	double cost[BATCHES];
	struct ac_probe_stats p;

	/* the link stays until ac_trace_close: detaching a uprobe waits for
	 * RCU grace periods, and nothing calls the probe again */
	ret = attach_self(t, id, classic ? "autocue_calibrate_classic" :
				   "autocue_calibrate");
	if (ret)
		goto cleanup;
	for (int i = 0; i < WARMUP; i++)
		call();
	ac_stats_clear(t, id);
	for (int b = 0; b < BATCHES; b++) {
		double bare = batch_ns(bare_call);

		cost[b] = batch_ns(call) - bare;
	}
	qsort(cost, BATCHES, sizeof(cost[0]), cmp_double);
	/* medians: a preempted batch must not skew the figures */
	t->pair_ns = cost[BATCHES / 2] > 0 ? cost[BATCHES / 2] : 0;
	memset(&p, 0, sizeof(p));
	p.count = t->stats[id].count;
	p.min_ns = t->stats[id].min_ns;
	p.max_ns = t->stats[id].max_ns;
	p.shift = t->shift;
	p.nbuckets = t->nbuckets;
	p.buckets = (const uint64_t *)t->hists + (size_t)id * t->nbuckets;
	t->inner_ns = ac_probe_hist_percentile(&p, 0.5);
	if (t->inner_ns > t->pair_ns)
		t->inner_ns = t->pair_ns;
	t->skel->bss->pair_ns = (__u64)t->pair_ns;
	t->skel->bss->inner_ns = (__u64)t->inner_ns;
cleanup:
	ac_stats_clear(t, id);
	ac_calibration_done(t);
	return ret;
}

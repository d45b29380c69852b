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
/* Many short batches (~0.1 ms at 3 us a pair): a preemption then spoils
 * one batch, not a quarter of them */
#define BATCHES	31
#define CALLS	40
/* Pages the code around each traced call touches: on a host with page-
 * table isolation and no PCID every kernel entry empties the TLB, so code
 * after a hit pays a page walk per page it touches again; a tight loop
 * sees none of that. Measured (PTI, no PCID): +0.1 us at 4 pages, +0.2 us
 * at 64, +0.4 us at 256, +0.9 us at 1000. The cost subtracted is the one
 * at WS_PAGES, a modest working set; WS_MAX_PAGES bounds what busier code
 * pays (the tracker's updates: ~0.4 us more a hit), the uncertainty stated
 * for calls with traced calls beneath. */
#define WS_PAGES 64
#define WS_MAX_PAGES 512
/* Pages the calibration call itself touches after its entry hit, as the
 * smallest real function does (its code, its stack, the data it reads):
 * their refills land inside the call. An empty body read 0.1-0.3 us less
 * than a 1 us busy-wait (clock reads, a store after) on a PTI host. */
#define INNER_PAGES 4
#define WS_STRIDE (3 * 4096)	/* a page apart, not cache-line neighbours */

AUTOCUE_PROBE(autocue_calibrate);

static volatile unsigned long ws_sink;

static __attribute__((noinline)) void touch_pages(const volatile char *ws,
						       int pages)
{
	unsigned long sum = 0;

	for (int i = 0; i < pages; i++)
		sum += ws[(size_t)i * WS_STRIDE];
	ws_sink = sum;
}

/* Each touches `pages` pages of ws inside the traced scope. */
typedef void call_fn(const volatile char *ws, int pages);

static __attribute__((noinline)) void traced_call(const volatile char *ws,
						      int pages)
{
	AUTOCUE_TRACE(autocue_calibrate);
	touch_pages(ws, pages);
}

/* The same pair in sys/sdt.h's classic form, for targets built with
 * -DAUTOCUE_CLASSIC_PROBES: a trapping site costs about twice as much. */
static __attribute__((noinline)) void traced_call_classic(
	const volatile char *ws, int pages)
{
	STAP_PROBE(autocue, autocue_calibrate_classic__entry);
	touch_pages(ws, pages);
	STAP_PROBE(autocue, autocue_calibrate_classic__return);
}

static __attribute__((noinline)) void bare_call(const volatile char *ws,
						    int pages)
{
	touch_pages(ws, pages);
}

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/* Mean ns of fn touching `inside` pages, the code around it `around`. */
static double batch_ns(call_fn *fn, const volatile char *ws, int inside,
		       int around)
{
	double t = now_ns();

	for (int i = 0; i < CALLS; i++) {
		fn(ws, inside);
		touch_pages(ws + WS_STRIDE / 2, around);
	}
	return (now_ns() - t) / CALLS;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* What one call of fn adds over a bare call, with the code around it
 * touching ws (or nothing). The bare loop enters no kernel: its fastest
 * batch is its cost, preemption only adds. The traced loop's first
 * quartile: what a kernel entry costs depends on what the other CPUs do
 * (with both busy, 5.5 us a pair against 3 us idle) and the target pays
 * that, not the best case; but a busy host also preempts threads as they
 * leave the kernel, which spoils whole batches (a median of 2 ms batches
 * read 2x the cost): the quartile takes neither extreme. */
static double pair_cost(call_fn *fn, const volatile char *ws, int pages,
			int batches)
{
	double traced[BATCHES], bare = 1e300;

	for (int b = 0; b < batches; b++) {
		double x = batch_ns(bare_call, ws, INNER_PAGES, pages);

		traced[b] = batch_ns(fn, ws, INNER_PAGES, pages);
		bare = x < bare ? x : bare;
	}
	qsort(traced, batches, sizeof(traced[0]), cmp_double);
	return traced[batches / 4] > bare ? traced[batches / 4] - bare : 0;
}

/* The calibration probe's durations so far, as a snapshot would give. */
static void own_durations(struct ac_trace *t, __u32 id,
			  struct ac_probe_stats *p)
{
	memset(p, 0, sizeof(*p));
	p->count = t->stats[id].count;
	p->min_ns = t->stats[id].min_ns;
	p->max_ns = t->stats[id].max_ns;
	p->shift = t->shift;
	p->nbuckets = t->nbuckets;
	p->buckets = (const uint64_t *)t->hists + (size_t)id * t->nbuckets;
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
	call_fn *call = classic ? traced_call_classic : traced_call;
	size_t ws_len = (size_t)WS_MAX_PAGES * WS_STRIDE;
	char *ws = malloc(ws_len);
	int ret;
	struct ac_probe_stats p;
	double lo, hi, busy, bare = 1e300, body = 1e300;

	/* the link stays until ac_trace_close: detaching a uprobe waits for
	 * RCU grace periods, and nothing calls the probe again */
	ret = attach_self(t, id, classic ? "autocue_calibrate_classic" :
				   "autocue_calibrate");
	if (ret)
		goto cleanup;
	if (!ws) {
		ret = ac_trace_fail(t, -ENOMEM, "out of memory");
		goto cleanup;
	}
	memset(ws, 1, ws_len);
	for (int i = 0; i < WARMUP; i++)
		call(ws, 0);
	ac_stats_clear(t, id);
	t->pair_tight_ns = pair_cost(call, ws, 0, BATCHES);
	t->pair_ns = pair_cost(call, ws, WS_PAGES, BATCHES);
	/* fewer batches: each is 8x longer, and start-up counts */
	t->pair_busy_ns = pair_cost(call, ws, WS_MAX_PAGES, BATCHES / 3);
	/* the calibration probe's own durations: what lands inside a call,
	 * and how much that varies from call to call */
	/* the untraced body's own time, to take out of the durations */
	for (int b = 0; b < BATCHES / 3; b++) {
		double x = batch_ns(bare_call, ws, INNER_PAGES, 0);

		body = x < body ? x : body;
	}
	own_durations(t, id, &p);
	t->inner_ns = ac_probe_hist_percentile(&p, 0.5) - body;
	lo = ac_probe_hist_percentile(&p, 0.05) - body;
	hi = ac_probe_hist_percentile(&p, 0.95) - body;
	/* A call that touches pages after its entry hit pays their page
	 * walks inside its own time: what WS_PAGES cost inside a traced call
	 * beyond their untraced time. */
	ac_stats_clear(t, id);
	for (int b = 0; b < BATCHES / 3; b++) {
		double x = batch_ns(bare_call, ws, WS_PAGES, 0);

		bare = x < bare ? x : bare;
		batch_ns(call, ws, WS_PAGES, 0);
	}
	own_durations(t, id, &p);
	busy = ac_probe_hist_percentile(&p, 0.5) - bare;
	/* the smallest duration told apart from none: the larger side of the
	 * middle 90% of the probe cost inside a call, and what the pages a
	 * call touches may add to it */
	t->resolution_ns = (hi - t->inner_ns > t->inner_ns - lo ?
			    hi - t->inner_ns : t->inner_ns - lo) +
			   (busy > t->inner_ns ? busy - t->inner_ns : 0);
	/* the target is another process, its probe cost inside a call not
	 * quite the loader's: seen 15% apart on trapping sites */
	if (t->resolution_ns < t->inner_ns / 4)
		t->resolution_ns = t->inner_ns / 4;
	if (t->inner_ns > t->pair_ns)
		t->inner_ns = t->pair_ns;
	t->skel->bss->pair_ns = (__u64)t->pair_ns;
	t->skel->bss->inner_ns = (__u64)t->inner_ns;
cleanup:
	free(ws);
	ac_stats_clear(t, id);
	ac_calibration_done(t);
	return ret;
}

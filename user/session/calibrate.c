// SPDX-License-Identifier: MIT
/*
 * Probe-cost calibration. Every traced call adds the cost of its probe pair
 * (trap or trampoline, BPF programs, return to user space) to each enclosing
 * measurement, and part of it to its own. The loader measures both on a
 * probe pair of its own, in its own process, with the very programs that
 * will trace the target, and hands them to BPF, which subtracts them as it
 * records (a histogram cannot be corrected afterwards). The first
 * calibration runs before the target's probes are attached; short passes
 * keep measuring while it runs (ac_calibration_pass, driven by
 * recalibrate.c).
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
 * one batch, not a quarter of them. They are taken in rounds spread over
 * ~0.1 s: what a kernel entry costs moves in spells of a few ms (trapping
 * sites, PTI host: a call's in-call part at 0.6 us for 5 ms, 2.5 us for
 * the next 10), and a calibration that saw one spell (the first 20 ms)
 * read 1.4 us off the session's median on another host, three runs out
 * of three. */
#define ROUNDS	31
#define ROUND_GAP_US 3000
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
/* Each touches `pages` pages of ws inside the traced scope. */
typedef void call_fn(const volatile char *ws, int pages);

/* A pass during the session: one batch of half the calls (0.2 ms of CPU
 * at 10 us a pair), after calls that warm the site and its pages again */
#define PASS_WARMUP 2
#define PASS_CALLS (CALLS / 2)

/* What the passes need from the first calibration. */
struct ac_cal {
	call_fn *call;
	const char *probe;	/* the calibration probe's name */
	char *ws;
	double body;		/* the untraced call, INNER_PAGES inside */
	double bare_around;	/* the same, WS_PAGES touched around it */
};

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
static double calls_ns(call_fn *fn, const volatile char *ws, int inside,
		       int around, int calls)
{
	double t = now_ns();

	for (int i = 0; i < calls; i++) {
		fn(ws, inside);
		touch_pages(ws + WS_STRIDE / 2, around);
	}
	return (now_ns() - t) / calls;
}

static double batch_ns(call_fn *fn, const volatile char *ws, int inside,
		       int around)
{
	return calls_ns(fn, ws, inside, around, CALLS);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* What one call of fn adds over a bare call, with the code around it
 * touching ws (or nothing), from batches taken one a round. The bare loop
 * enters no kernel: its fastest batch is its cost, preemption only adds.
 * The traced loop's median batch: what a kernel entry costs depends on
 * what the other CPUs do and when (spells of a few ms), and the target
 * pays the typical cost, not the best case (a first quartile left nested
 * trapping calls 2.7 us a pair short, on two hosts); short batches (0.4 ms
 * at 10 us a pair) keep a preemption to one of them. The spread: the
 * larger side of the middle half of the batches around it, how far the
 * cost moves over the rounds. */
struct pair_run {
	double traced[ROUNDS], bare;
	int n;
};

static void pair_batch(struct pair_run *c, call_fn *fn,
		       const volatile char *ws, int pages)
{
	double x = batch_ns(bare_call, ws, INNER_PAGES, pages);

	if (!c->n || x < c->bare)
		c->bare = x;
	c->traced[c->n++] = batch_ns(fn, ws, INNER_PAGES, pages);
}

static double pair_cost(struct pair_run *c, double *spread)
{
	double q, q1, q3;

	qsort(c->traced, c->n, sizeof(c->traced[0]), cmp_double);
	q = c->traced[c->n / 2];
	q1 = c->traced[c->n / 4];
	q3 = c->traced[3 * c->n / 4];
	if (spread)
		*spread = q3 - q > q - q1 ? q3 - q : q - q1;
	return q > c->bare ? q - c->bare : 0;
}

/* Durations of the calibration probe, gathered from the map batch by batch
 * into one pool per kind of call (the map holds one probe's). */
struct own_pool {
	uint64_t *buckets;
	uint64_t count, min_ns, max_ns;
};

static void pool_take(struct ac_trace *t, __u32 id, struct own_pool *o)
{
	const __u64 *h = t->hists + (size_t)id * t->nbuckets;
	const struct ac_stat *st = &t->stats[id];

	for (uint32_t b = 0; b < t->nbuckets; b++)
		o->buckets[b] += h[b];
	if (st->count) {
		if (!o->count || st->min_ns < o->min_ns)
			o->min_ns = st->min_ns;
		if (st->max_ns > o->max_ns)
			o->max_ns = st->max_ns;
		o->count += st->count;
	}
	ac_stats_clear(t, id);
}

static double pool_percentile(const struct ac_trace *t,
			      const struct own_pool *o, double q)
{
	struct ac_probe_stats p = {
		.count = o->count, .min_ns = o->min_ns, .max_ns = o->max_ns,
		.shift = t->shift, .nbuckets = t->nbuckets,
		.buckets = o->buckets,
	};

	return ac_probe_hist_percentile(&p, q);
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

static struct ac_cal *cal_new(bool classic)
{
	struct ac_cal *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->ws = malloc((size_t)WS_MAX_PAGES * WS_STRIDE);
	if (!c->ws) {
		free(c);
		return NULL;
	}
	memset(c->ws, 1, (size_t)WS_MAX_PAGES * WS_STRIDE);
	c->call = classic ? traced_call_classic : traced_call;
	c->probe = classic ? "autocue_calibrate_classic" : "autocue_calibrate";
	return c;
}

void ac_calibration_free(struct ac_trace *t)
{
	if (!t->cal)
		return;
	free(t->cal->ws);
	free(t->cal);
	t->cal = NULL;
}

/* The calibration pair again, after ac_detach_all (a session that drops
 * probes re-attaches what it keeps). */
int ac_calibration_reattach(struct ac_trace *t)
{
	return t->cal ? attach_self(t, t->nids - 1, t->cal->probe) : 0;
}

/* One short pass while the target runs: what a pair costs code around
 * it, and the median of what lands inside the calls. */
int ac_calibration_pass(struct ac_trace *t, double *pair, double *inner)
{
	struct ac_cal *c = t->cal;
	__u32 id = t->nids - 1;
	struct ac_probe_stats p = { 0 };
	double x;

	for (int i = 0; i < PASS_WARMUP; i++)
		c->call(c->ws, INNER_PAGES);
	ac_stats_clear(t, id);
	x = calls_ns(c->call, c->ws, INNER_PAGES, WS_PAGES, PASS_CALLS);
	p.count = t->stats[id].count;
	p.min_ns = t->stats[id].min_ns;
	p.max_ns = t->stats[id].max_ns;
	p.shift = t->shift;
	p.nbuckets = t->nbuckets;
	p.buckets = (const uint64_t *)t->hists + (size_t)id * t->nbuckets;
	*pair = x > c->bare_around ? x - c->bare_around : 0;
	*inner = p.count ? ac_probe_hist_percentile(&p, 0.5) - c->body : 0;
	if (*inner < 0)
		*inner = 0;
	ac_stats_clear(t, id);
	return p.count ? 0 : -ENODATA;
}

int ac_calibrate(struct ac_trace *t)
{
	__u32 id = t->nids - 1;
	bool classic = ac_probes_mostly_classic(&t->probes);
	struct ac_cal *c;
	call_fn *call;
	char *ws;
	struct pair_run tight = { 0 }, around = { 0 }, busy_run = { 0 };
	struct own_pool own = { 0 }, own_ws = { 0 };
	const struct timespec gap = { 0, ROUND_GAP_US * 1000L };
	double lo, hi, busy, bare = 1e300, body = 1e300;
	int ret;

	ac_calibration_free(t);	/* a fallback path calibrates again */
	c = t->cal = cal_new(classic);
	own.buckets = calloc(t->nbuckets, sizeof(*own.buckets));
	own_ws.buckets = calloc(t->nbuckets, sizeof(*own_ws.buckets));
	if (!c || !own.buckets || !own_ws.buckets) {
		ret = ac_trace_fail(t, -ENOMEM, "out of memory");
		goto cleanup;
	}
	call = c->call;
	ws = c->ws;
	/* the link stays until ac_trace_close: detaching a uprobe waits for
	 * RCU grace periods, and the passes call the probe again */
	ret = attach_self(t, id, c->probe);
	if (ret)
		goto cleanup;
	for (int i = 0; i < WARMUP; i++)
		call(ws, 0);
	ac_stats_clear(t, id);
	for (int r = 0; r < ROUNDS; r++) {
		double x;

		pair_batch(&tight, call, ws, 0);
		pair_batch(&around, call, ws, WS_PAGES);
		/* fewer: each is 8x longer, and start-up counts */
		if (r % 3 == 0)
			pair_batch(&busy_run, call, ws, WS_MAX_PAGES);
		/* the calibration probe's own durations: what lands inside
		 * a call, and how much that varies from call to call */
		pool_take(t, id, &own);
		/* A call that touches pages after its entry hit pays their
		 * page walks inside its own time: what WS_PAGES cost inside
		 * a traced call beyond their untraced time. */
		x = batch_ns(bare_call, ws, WS_PAGES, 0);
		bare = x < bare ? x : bare;
		batch_ns(call, ws, WS_PAGES, 0);
		pool_take(t, id, &own_ws);
		/* the untraced body's own time, to take out of the durations */
		x = batch_ns(bare_call, ws, INNER_PAGES, 0);
		body = x < body ? x : body;
		nanosleep(&gap, NULL);
	}
	c->body = body;
	c->bare_around = around.bare;
	t->pair_tight_ns = pair_cost(&tight, NULL);
	t->pair_ns = pair_cost(&around, &t->pair_spread_ns);
	t->pair_busy_ns = pair_cost(&busy_run, NULL);
	t->inner_ns = pool_percentile(t, &own, 0.5) - body;
	lo = pool_percentile(t, &own, 0.05) - body;
	hi = pool_percentile(t, &own, 0.95) - body;
	busy = pool_percentile(t, &own_ws, 0.5) - bare;
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
	free(own.buckets);
	free(own_ws.buckets);
	ac_stats_clear(t, id);
	ac_calibration_done(t);
	return ret;
}

// SPDX-License-Identifier: MIT
/*
 * The calibration goes on while the target runs. What a kernel entry costs
 * is not one number over a session: on a host with page-table isolation,
 * trapping sites were seen at 10.0 us a pair in one run and 14.6 us in the
 * next, seconds apart, and nested calls then read 2.7 us short or long per
 * pair beneath them whatever the first calibration had seen. So a thread
 * of the loader takes a short pass (ac_calibration_pass, 20 calls) every
 * 20 ms while the target records calls, seldom after the first second,
 * never while it records none, and BPF subtracts the medians of the last
 * passes: what the probes cost around the time the calls were made.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "autocue.skel.h"
#include "trace_priv.h"

#define RING		15	/* passes the values come from: ~0.3 s */
#define FAST_MS		20
#define FAST_PASSES	50	/* the first second at FAST_MS */
#define SLOW_MS		250

/* One kind of pair's passes (enum ac_kind) */
struct kind_ring {
	/* each CPU's first calibration (its medians where it was not) */
	double pair0[AC_CAL_CPUS], inner0[AC_CAL_CPUS];
	/* the last passes, as changes from their CPU's first calibration */
	double dpair[RING], dinner[RING];
	int n, next;
	double resolution0, spread0;	/* the first calibration's */
	double median_pair0, median_inner0;
};

struct ac_recal {
	pthread_t thread;
	bool running;
	pthread_mutex_t lock;	/* guards stop */
	pthread_cond_t wake;
	bool stop;
	/* the kinds calibrated take turns (--func's beside the USDT pair) */
	struct kind_ring k[AC_KINDS];
	int passes, turn;
	uint64_t calls_seen;	/* the target's calls at the last pass */
};

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* The median of v[0..n), and the larger side of its middle half. */
static double median_spread(const double *v, int n, double *spread)
{
	double s[RING], m;

	memcpy(s, v, n * sizeof(*v));
	qsort(s, n, sizeof(*s), cmp_double);
	m = s[n / 2];
	*spread = s[3 * n / 4] - m > m - s[n / 4] ? s[3 * n / 4] - m
						   : m - s[n / 4];
	return m;
}

static void add(struct kind_ring *r, int cpu, double pair, double inner)
{
	r->dpair[r->next] = pair - r->pair0[cpu];
	r->dinner[r->next] = inner - r->inner0[cpu];
	r->next = (r->next + 1) % RING;
	if (r->n < RING)
		r->n++;
}

/* A pass runs on a CPU the target leaves idle, never on the one it keeps
 * busy: what the passes follow is how the host's cost moved since the
 * first calibration, added to each CPU's own first figure. BPF subtracts
 * those from now on. A snapshot states them for the median CPU, the
 * spread of the passes' pair cost (at least the first calibration's) as
 * how far a nested pair may be off, and a resolution wider by as much as
 * the in-call part moved over them: a call made as it moved was
 * compensated by the older value. */
static void publish(struct ac_trace *t, struct kind_ring *r, int kind)
{
	double dp, di, spread, moved, pair, inner;

	dp = median_spread(r->dpair, r->n, &spread);
	di = median_spread(r->dinner, r->n, &moved);
	for (int c = 0; c < AC_CAL_CPUS; c++) {
		pair = r->pair0[c] + dp;
		inner = r->inner0[c] + di;
		if (!r->pair0[c])
			continue;	/* not measured there: the median */
		t->skel->bss->pair_cpu_ns[kind][c] = (__u64)(pair > 0 ? pair : 0);
		t->skel->bss->inner_cpu_ns[kind][c] = (__u64)(inner > 0 ? inner : 0);
	}
	pair = r->median_pair0 + dp;
	inner = r->median_inner0 + di;
	spread = spread > r->spread0 ? spread : r->spread0;
	pthread_mutex_lock(&t->cal_lock);
	t->cost[kind].pair_ns = pair;
	t->cost[kind].inner_ns = inner;
	t->cost[kind].spread_ns = spread;
	t->cost[kind].resolution_ns = r->resolution0 + moved;
	pthread_mutex_unlock(&t->cal_lock);
	t->skel->bss->pair_ns[kind] = (__u64)(pair > 0 ? pair : 0);
	t->skel->bss->inner_ns[kind] = (__u64)(inner > 0 ? inner : 0);
}

/* The next kind calibrated, in turn */
static int next_kind(struct ac_trace *t, struct ac_recal *r)
{
	for (int i = 0; i < AC_KINDS; i++) {
		int kind = r->turn++ % AC_KINDS;

		if (ac_calibration_kind(t, kind))
			return kind;
	}
	return AC_KIND_PAIR;
}

/* Calls the target made so far (ids 1..n; the calibration's is last). */
static uint64_t target_calls(const struct ac_trace *t)
{
	uint64_t n = 0;

	for (__u32 id = 1; id + 1 < t->nids; id++)
		n += t->stats[id].count + t->stats[id].cold_count;
	return n;
}

static void deadline(struct timespec *ts, int ms)
{
	clock_gettime(CLOCK_MONOTONIC, ts);
	ts->tv_nsec += (long)ms * 1000000L;
	ts->tv_sec += ts->tv_nsec / 1000000000L;
	ts->tv_nsec %= 1000000000L;
}

static void *recal_main(void *arg)
{
	struct ac_trace *t = arg;
	struct ac_recal *r = t->recal;

	pthread_mutex_lock(&r->lock);
	while (!r->stop) {
		struct timespec until;
		double pair, inner;
		uint64_t n;
		int cpu, kind;

		deadline(&until, r->passes < FAST_PASSES ? FAST_MS : SLOW_MS);
		while (!r->stop &&
		       pthread_cond_timedwait(&r->wake, &r->lock, &until) != ETIMEDOUT)
			;
		if (r->stop)
			break;
		/* nothing recorded meanwhile: nothing to compensate */
		n = target_calls(t);
		if (n == r->calls_seen)
			continue;
		r->calls_seen = n;
		pthread_mutex_unlock(&r->lock);
		kind = next_kind(t, r);
		if (!ac_calibration_pass(t, kind, &cpu, &pair, &inner) &&
		    cpu >= 0 && cpu < AC_CAL_CPUS && r->k[kind].pair0[cpu]) {
			add(&r->k[kind], cpu, pair, inner);
			publish(t, &r->k[kind], kind);
		}
		r->passes++;
		pthread_mutex_lock(&r->lock);
	}
	pthread_mutex_unlock(&r->lock);
	return NULL;
}

static struct ac_recal *recal_new(struct ac_trace *t)
{
	struct ac_recal *r = calloc(1, sizeof(*r));
	pthread_condattr_t ca;

	if (!r)
		return NULL;
	pthread_mutex_init(&r->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&r->wake, &ca);
	pthread_condattr_destroy(&ca);
	/* each CPU's first figures: the ring holds changes from them */
	for (int k = 0; k < AC_KINDS; k++) {
		struct kind_ring *kr = &r->k[k];

		kr->median_pair0 = t->cost[k].pair_ns;
		kr->median_inner0 = t->cost[k].inner_ns;
		kr->resolution0 = t->cost[k].resolution_ns;
		kr->spread0 = t->cost[k].spread_ns;
		for (int c = 0; c < AC_CAL_CPUS; c++) {
			kr->pair0[c] = t->skel->bss->pair_cpu_ns[k][c];
			kr->inner0[c] = t->skel->bss->inner_cpu_ns[k][c];
		}
		/* the first calibration (8 to 31 batches a CPU) as a third
		 * of the ring: one pass that a preemption spoiled (100 us
		 * in 20 calls reads 5 us a pair more) then moves nothing,
		 * later passes replace it */
		for (int i = 0; i < RING / 3; i++) {
			kr->dpair[i] = kr->dinner[i] = 0;
			kr->n = kr->next = i + 1;
		}
	}
	return r;
}

int ac_recal_start(struct ac_trace *t)
{
	struct ac_recal *r;
	int err;

	if (!t->cal)
		return 0;	/* uncompensated */
	if (!t->recal && !(t->recal = recal_new(t)))
		return ac_trace_fail(t, -ENOMEM, "out of memory");
	r = t->recal;
	if (r->running)
		return 0;
	r->stop = false;
	r->passes = 0;
	r->calls_seen = target_calls(t);
	err = pthread_create(&r->thread, NULL, recal_main, t);
	if (err)
		return ac_trace_fail(t, -err, "calibration thread: %s",
				     strerror(err));
	r->running = true;
	return 0;
}

void ac_recal_stop(struct ac_trace *t)
{
	struct ac_recal *r = t->recal;

	if (!r || !r->running)
		return;
	pthread_mutex_lock(&r->lock);
	r->stop = true;
	pthread_cond_signal(&r->wake);
	pthread_mutex_unlock(&r->lock);
	pthread_join(r->thread, NULL);
	r->running = false;
}

void ac_recal_free(struct ac_trace *t)
{
	struct ac_recal *r = t->recal;

	if (!r)
		return;
	ac_recal_stop(t);
	pthread_mutex_destroy(&r->lock);
	pthread_cond_destroy(&r->wake);
	free(r);
	t->recal = NULL;
}

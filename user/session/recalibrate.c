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

struct ac_recal {
	pthread_t thread;
	bool running;
	pthread_mutex_t lock;	/* guards stop */
	pthread_cond_t wake;
	bool stop;
	double pair[RING], inner[RING];
	int n, next, passes;
	uint64_t calls_seen;	/* the target's calls at the last pass */
	double resolution0, spread0;	/* the first calibration's */
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

static void add(struct ac_recal *r, double pair, double inner)
{
	r->pair[r->next] = pair;
	r->inner[r->next] = inner;
	r->next = (r->next + 1) % RING;
	if (r->n < RING)
		r->n++;
}

/* BPF subtracts the medians from now on. A snapshot states them, the
 * spread of the pair cost over the last passes (at least the first
 * calibration's) as how far a nested pair may be off, and a resolution
 * wider by as much as the in-call part moved over them: a call made as it
 * moved was compensated by the older value. */
static void publish(struct ac_trace *t, struct ac_recal *r)
{
	double pair, inner, spread, inner_spread;

	pair = median_spread(r->pair, r->n, &spread);
	inner = median_spread(r->inner, r->n, &inner_spread);
	if (inner > pair)
		inner = pair;
	pthread_mutex_lock(&t->cal_lock);
	t->pair_ns = pair;
	t->inner_ns = inner;
	t->pair_spread_ns = spread > r->spread0 ? spread : r->spread0;
	t->resolution_ns = r->resolution0 + inner_spread;
	pthread_mutex_unlock(&t->cal_lock);
	t->skel->bss->pair_ns = (__u64)pair;
	t->skel->bss->inner_ns = (__u64)inner;
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
		if (!ac_calibration_pass(t, &pair, &inner)) {
			add(r, pair, inner);
			publish(t, r);
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
	/* the first calibration is the first value */
	add(r, t->pair_ns, t->inner_ns);
	r->resolution0 = t->resolution_ns;
	r->spread0 = t->pair_spread_ns;
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

// SPDX-License-Identifier: MIT
/*
 * threaded.c - worker-thread tracker (TRACKER-SPEC.md §6) on pthreads.
 *
 * One mutex guards both queues, the cached result and the display
 * settings: every critical section is a few pointer moves, so a finer
 * scheme would buy nothing. Condition variables use CLOCK_MONOTONIC so a
 * wall-clock step cannot stretch a timeout.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "autocue_usdt.h"
#include "threaded.h"

AUTOCUE_PROBE(threaded_submit);
AUTOCUE_PROBE(threaded_process);

enum item_kind { ITEM_TRACK, ITEM_RESET, ITEM_JUMP, ITEM_DISPLAY,
		 ITEM_SHUTDOWN };

struct item {
	enum item_kind kind;
	bool partial;
	char *text;
	unsigned long id;
	int a, b;
};

struct result_node {
	struct ac_threaded_result r;
	struct result_node *next;
};

struct ac_threaded {
	const struct ac_script *s;
	struct ac_threaded_opts o;
	pthread_t thread;
	int joined;		/* 0 running, 1 joined, -1 asked to stop but
				 * still running (joinable) */

	pthread_mutex_t lock;
	pthread_cond_t req_cond;	/* request queue gained an item */
	pthread_cond_t res_cond;	/* result queue gained an item */
	pthread_cond_t start_cond;

	/* bounded request ring */
	struct item *ring;
	int head, count;

	struct result_node *res_head, *res_tail;
	struct ac_threaded_result latest;
	bool have_latest;

	int past, future;
	unsigned long counter;
	struct timespec last_partial;
	bool have_last_partial;
	bool shutdown;
	int started;		/* 0 waiting, 1 running, -1 failed */
};

static double ts_diff_ms(const struct timespec *a, const struct timespec *b)
{
	return (double)(a->tv_sec - b->tv_sec) * 1e3 +
	       (double)(a->tv_nsec - b->tv_nsec) / 1e6;
}

static void deadline(struct timespec *ts, double seconds)
{
	long sec;

	/* a caller's NaN, negative or year-long timeout must not overflow
	 * the conversion: clamp to [0, one day] */
	if (!(seconds > 0))
		seconds = 0;
	if (seconds > 86400)
		seconds = 86400;
	sec = (long)seconds;

	clock_gettime(CLOCK_MONOTONIC, ts);
	ts->tv_sec += sec;
	ts->tv_nsec += (long)((seconds - (double)sec) * 1e9);
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

/* ---- request ring (caller holds the lock) ---------------------------- */

static bool ring_put(struct ac_threaded *tt, const struct item *it)
{
	if (tt->count >= tt->o.max_queue_size)
		return false;
	tt->ring[(tt->head + tt->count) % tt->o.max_queue_size] = *it;
	tt->count++;
	pthread_cond_signal(&tt->req_cond);
	return true;
}

static bool ring_get(struct ac_threaded *tt, struct item *it)
{
	if (!tt->count)
		return false;
	*it = tt->ring[tt->head];
	tt->head = (tt->head + 1) % tt->o.max_queue_size;
	tt->count--;
	return true;
}

/* ---- worker ----------------------------------------------------------- */

static void publish(struct ac_threaded *tt, const struct ac_threaded_result *r)
{
	struct result_node *n = malloc(sizeof(*n));

	pthread_mutex_lock(&tt->lock);
	tt->latest = *r;
	tt->have_latest = true;
	if (n) {
		n->r = *r;
		n->next = NULL;
		if (tt->res_tail)
			tt->res_tail->next = n;
		else
			tt->res_head = n;
		tt->res_tail = n;
		pthread_cond_broadcast(&tt->res_cond);
	}
	pthread_mutex_unlock(&tt->lock);
}

static void process_request(struct ac_threaded *tt, struct ac_tracker *t,
			    const struct item *it)
{
	AUTOCUE_TRACE(threaded_process);
	struct ac_threaded_result r;
	struct timespec t0, t1;
	int past, future;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	r.position = ac_tracker_update(t, it->text, it->partial);
	pthread_mutex_lock(&tt->lock);
	past = tt->past;
	future = tt->future;
	pthread_mutex_unlock(&tt->lock);
	ac_tracker_display_lines(t, past, future, &r.display);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	r.request_id = it->id;
	r.processing_time = ts_diff_ms(&t1, &t0) / 1e3;
	publish(tt, &r);
}

/* Returns false on shutdown. */
static bool handle(struct ac_threaded *tt, struct ac_tracker *t,
		   struct item *it)
{
	bool go_on = true;

	switch (it->kind) {
	case ITEM_TRACK:
		process_request(tt, t, it);
		break;
	case ITEM_RESET:
		ac_tracker_reset(t);
		break;
	case ITEM_JUMP:
		ac_tracker_jump_to(t, it->a);
		break;
	case ITEM_DISPLAY:
		pthread_mutex_lock(&tt->lock);
		tt->past = it->a;
		tt->future = it->b;
		pthread_mutex_unlock(&tt->lock);
		break;
	case ITEM_SHUTDOWN:
		pthread_mutex_lock(&tt->lock);
		tt->shutdown = true;
		pthread_mutex_unlock(&tt->lock);
		go_on = false;
		break;
	}
	free(it->text);
	it->text = NULL;
	return go_on;
}

static void *worker(void *arg)
{
	struct ac_threaded *tt = arg;
	struct ac_tracker *t = ac_tracker_new(tt->s, &tt->o.tracker);

	pthread_mutex_lock(&tt->lock);
	tt->started = t ? 1 : -1;
	pthread_cond_broadcast(&tt->start_cond);
	pthread_mutex_unlock(&tt->lock);
	if (!t)
		return NULL;

	for (;;) {
		struct item it;
		struct timespec ts;
		bool got;

		pthread_mutex_lock(&tt->lock);
		/* the reference polls its shutdown flag every 0.1 s */
		while (!tt->shutdown && !tt->count) {
			deadline(&ts, 0.1);
			pthread_cond_timedwait(&tt->req_cond, &tt->lock, &ts);
		}
		if (tt->shutdown) {
			pthread_mutex_unlock(&tt->lock);
			break;
		}
		got = ring_get(tt, &it);
		pthread_mutex_unlock(&tt->lock);
		if (got && !handle(tt, t, &it))
			break;
	}
	ac_tracker_free(t);
	return NULL;
}

/* ---- public API ------------------------------------------------------- */

static void destroy(struct ac_threaded *tt)
{
	struct item it;
	struct result_node *n;

	while (ring_get(tt, &it))
		free(it.text);
	while ((n = tt->res_head)) {
		tt->res_head = n->next;
		free(n);
	}
	pthread_cond_destroy(&tt->req_cond);
	pthread_cond_destroy(&tt->res_cond);
	pthread_cond_destroy(&tt->start_cond);
	pthread_mutex_destroy(&tt->lock);
	free(tt->ring);
	free(tt);
}

static int init_conds(struct ac_threaded *tt)
{
	pthread_condattr_t ca;
	int err;

	err = pthread_condattr_init(&ca);
	if (err)
		return -err;
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_mutex_init(&tt->lock, NULL);
	pthread_cond_init(&tt->req_cond, &ca);
	pthread_cond_init(&tt->res_cond, &ca);
	pthread_cond_init(&tt->start_cond, &ca);
	pthread_condattr_destroy(&ca);
	return 0;
}

struct ac_threaded *ac_threaded_new(const struct ac_script *s,
				    const struct ac_threaded_opts *opts)
{
	struct ac_threaded *tt;
	struct timespec ts;
	int started;

	if (!s)
		return NULL;
	tt = calloc(1, sizeof(*tt));
	if (!tt)
		return NULL;
	tt->s = s;
	tt->o = opts ? *opts : AC_THREADED_OPTS_DEFAULT;
	if (tt->o.max_queue_size < 1)
		tt->o.max_queue_size = 1;
	tt->past = 1;
	tt->future = 8;
	tt->ring = calloc((size_t)tt->o.max_queue_size, sizeof(*tt->ring));
	if (!tt->ring || init_conds(tt)) {
		free(tt->ring);
		free(tt);
		return NULL;
	}
	if (pthread_create(&tt->thread, NULL, worker, tt)) {
		destroy(tt);
		return NULL;
	}
	deadline(&ts, 5.0);
	pthread_mutex_lock(&tt->lock);
	while (!tt->started &&
	       pthread_cond_timedwait(&tt->start_cond, &tt->lock, &ts) !=
		       ETIMEDOUT)
		;
	started = tt->started;
	pthread_mutex_unlock(&tt->lock);
	if (started != 1) {
		ac_threaded_free(tt);
		return NULL;
	}
	return tt;
}

/* Sheds up to 3 queued partials from the head; the first non-partial item
 * goes back at the tail (as the reference does) and stops the shedding. */
static void shed_partials(struct ac_threaded *tt)
{
	for (int dropped = 0; dropped < 3;) {
		struct item old;

		if (!ring_get(tt, &old))
			break;
		if (old.kind == ITEM_TRACK && old.partial) {
			free(old.text);
			dropped++;
			continue;
		}
		ring_put(tt, &old);
		break;
	}
}

bool ac_threaded_submit(struct ac_threaded *tt, const char *text,
			bool is_partial)
{
	AUTOCUE_TRACE(threaded_submit);
	struct timespec now;
	struct item it = { .kind = ITEM_TRACK, .partial = is_partial };
	bool ok;

	clock_gettime(CLOCK_MONOTONIC, &now);
	pthread_mutex_lock(&tt->lock);
	if (is_partial) {
		if (tt->have_last_partial &&
		    ts_diff_ms(&now, &tt->last_partial) <
			    tt->o.partial_throttle_ms) {
			pthread_mutex_unlock(&tt->lock);
			return false;
		}
		tt->last_partial = now;
		tt->have_last_partial = true;
	}
	/* ids count every request past the throttle, queued or not */
	it.id = ++tt->counter;
	it.text = strdup(text ? text : "");
	if (!it.text) {
		pthread_mutex_unlock(&tt->lock);
		return false;
	}
	ok = ring_put(tt, &it);
	if (!ok && is_partial) {
		shed_partials(tt);
		ok = ring_put(tt, &it);
	}
	pthread_mutex_unlock(&tt->lock);
	if (!ok)
		free(it.text);
	return ok;
}

bool ac_threaded_get_result(struct ac_threaded *tt,
			    struct ac_threaded_result *out, double timeout_s)
{
	struct result_node *n;
	struct timespec ts;

	pthread_mutex_lock(&tt->lock);
	if (timeout_s > 0) {
		deadline(&ts, timeout_s);
		while (!tt->res_head &&
		       pthread_cond_timedwait(&tt->res_cond, &tt->lock, &ts) !=
			       ETIMEDOUT)
			;
	}
	n = tt->res_head;
	if (n) {
		tt->res_head = n->next;
		if (!tt->res_head)
			tt->res_tail = NULL;
	}
	pthread_mutex_unlock(&tt->lock);
	if (!n)
		return false;
	*out = n->r;
	free(n);
	return true;
}

bool ac_threaded_cached_result(struct ac_threaded *tt,
			       struct ac_threaded_result *out)
{
	bool have;

	pthread_mutex_lock(&tt->lock);
	have = tt->have_latest;
	if (have)
		*out = tt->latest;
	pthread_mutex_unlock(&tt->lock);
	return have;
}

static bool command(struct ac_threaded *tt, enum item_kind kind, int a,
		    int b)
{
	struct item it = { .kind = kind, .a = a, .b = b };
	bool ok;

	pthread_mutex_lock(&tt->lock);
	ok = ring_put(tt, &it);
	pthread_mutex_unlock(&tt->lock);
	return ok;
}

bool ac_threaded_reset(struct ac_threaded *tt)
{
	return command(tt, ITEM_RESET, 0, 0);
}

bool ac_threaded_jump_to(struct ac_threaded *tt, int speakable_index)
{
	return command(tt, ITEM_JUMP, speakable_index, 0);
}

bool ac_threaded_update_display_settings(struct ac_threaded *tt, int past,
					 int future)
{
	return command(tt, ITEM_DISPLAY, past, future);
}

unsigned long ac_threaded_request_count(struct ac_threaded *tt)
{
	unsigned long c;

	pthread_mutex_lock(&tt->lock);
	c = tt->counter;
	pthread_mutex_unlock(&tt->lock);
	return c;
}

void ac_threaded_shutdown(struct ac_threaded *tt)
{
	struct item it = { .kind = ITEM_SHUTDOWN };
	struct timespec ts;

	if (tt->joined)
		return;
	/* queue the command (waiting up to 1 s for room), then raise the
	 * flag anyway: the worker checks it between items */
	deadline(&ts, 1.0);
	pthread_mutex_lock(&tt->lock);
	while (!ring_put(tt, &it)) {
		struct timespec now;

		clock_gettime(CLOCK_MONOTONIC, &now);
		if (ts_diff_ms(&ts, &now) <= 0)
			break;
		pthread_mutex_unlock(&tt->lock);
		nanosleep(&(struct timespec){ 0, 1000000 }, NULL);
		pthread_mutex_lock(&tt->lock);
	}
	tt->shutdown = true;
	pthread_cond_broadcast(&tt->req_cond);
	pthread_mutex_unlock(&tt->lock);

	{
		struct timespec rt;
		int err;

		/* pthread_timedjoin_np measures CLOCK_REALTIME; a worker
		 * still busy stays joinable, for ac_threaded_free */
		clock_gettime(CLOCK_REALTIME, &rt);
		rt.tv_sec += 2;
		err = pthread_timedjoin_np(tt->thread, NULL, &rt);
		tt->joined = err == 0 ? 1 : -1;
	}
}

void ac_threaded_free(struct ac_threaded *tt)
{
	if (!tt)
		return;
	ac_threaded_shutdown(tt);
	/* a worker still inside a long update reads the caller's script,
	 * which the caller may free as soon as this returns: wait for it */
	if (tt->joined != 1) {
		/* cannot wait (called from the worker itself): leak rather
		 * than free memory under its feet */
		if (pthread_join(tt->thread, NULL))
			return;
		tt->joined = 1;
	}
	destroy(tt);
}

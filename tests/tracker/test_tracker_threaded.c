// SPDX-License-Identifier: MIT
/* test_tracker_threaded.c - the worker-thread tracker (§6): results,
 * throttling, backpressure, commands, display settings, shutdown (the
 * reference's test_threaded_tracker.py, without its timing assertions). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <string.h>
#include <time.h>

#include "script.h"
#include "threaded.h"

static const char script[] =
	"The quick brown fox jumps over the lazy dog.\n"
	"She sells sea shells by the sea shore.\n"
	"Peter Piper picked a peck of pickled peppers.\n";

static struct ac_script *parse(void)
{
	char err[256];
	struct ac_script *s = ac_script_parse(script, strlen(script), err,
					      sizeof(err));

	assert_non_null(s);
	return s;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static void test_final_produces_result(void **state)
{
	struct ac_script *s = parse();
	struct ac_threaded *tt = ac_threaded_new(s, NULL);
	struct ac_threaded_result r;

	(void)state;
	assert_non_null(tt);
	assert_false(ac_threaded_cached_result(tt, &r));
	assert_true(ac_threaded_submit(tt, "the quick brown", false));
	assert_true(ac_threaded_get_result(tt, &r, 5.0));
	assert_int_equal(r.position.speakable_index, 3);
	assert_int_equal(r.request_id, 1);
	assert_true(r.processing_time >= 0.0);
	assert_true(ac_threaded_cached_result(tt, &r));
	assert_int_equal(r.position.speakable_index, 3);
	/* consumed: nothing more to pop */
	assert_false(ac_threaded_get_result(tt, &r, 0));
	ac_threaded_free(tt);
	ac_script_free(s);
}

static void test_partial_throttle(void **state)
{
	struct ac_script *s = parse();
	struct ac_threaded_opts o = AC_THREADED_OPTS_DEFAULT;
	struct ac_threaded *tt;

	(void)state;
	/* a long throttle makes the test independent of machine speed */
	o.partial_throttle_ms = 10000;
	tt = ac_threaded_new(s, &o);
	assert_non_null(tt);
	assert_true(ac_threaded_submit(tt, "the", true));
	assert_false(ac_threaded_submit(tt, "the quick", true));
	/* finals are never throttled */
	assert_true(ac_threaded_submit(tt, "the quick", false));
	/* throttled calls get no request id */
	assert_int_equal(ac_threaded_request_count(tt), 2);
	ac_threaded_free(tt);
	ac_script_free(s);
}

static void test_throttle_expires(void **state)
{
	struct ac_script *s = parse();
	struct ac_threaded_opts o = AC_THREADED_OPTS_DEFAULT;
	struct ac_threaded *tt;

	(void)state;
	o.partial_throttle_ms = 1;
	tt = ac_threaded_new(s, &o);
	assert_true(ac_threaded_submit(tt, "the", true));
	sleep_ms(20);
	assert_true(ac_threaded_submit(tt, "the quick", true));
	ac_threaded_free(tt);
	ac_script_free(s);
}

static void test_results_in_order(void **state)
{
	struct ac_script *s = parse();
	struct ac_threaded *tt = ac_threaded_new(s, NULL);
	static const char *const finals[] = {
		"the quick", "brown fox", "jumps over", "the lazy dog",
	};
	struct ac_threaded_result r;
	unsigned long last = 0;

	(void)state;
	for (int i = 0; i < 4; i++)
		assert_true(ac_threaded_submit(tt, finals[i], false));
	for (int i = 0; i < 4; i++) {
		assert_true(ac_threaded_get_result(tt, &r, 5.0));
		assert_true(r.request_id > last);
		last = r.request_id;
	}
	assert_int_equal(r.position.speakable_index, 9);
	ac_threaded_free(tt);
	ac_script_free(s);
}

static void test_commands(void **state)
{
	struct ac_script *s = parse();
	struct ac_threaded *tt = ac_threaded_new(s, NULL);
	struct ac_threaded_result r;

	(void)state;
	ac_threaded_submit(tt, "the quick brown fox", false);
	assert_true(ac_threaded_get_result(tt, &r, 5.0));
	assert_int_equal(r.position.speakable_index, 4);
	assert_true(ac_threaded_reset(tt));
	ac_threaded_submit(tt, "the", false);
	assert_true(ac_threaded_get_result(tt, &r, 5.0));
	assert_int_equal(r.position.speakable_index, 1);
	assert_true(ac_threaded_jump_to(tt, 9));
	ac_threaded_submit(tt, "she sells", false);
	assert_true(ac_threaded_get_result(tt, &r, 5.0));
	assert_int_equal(r.position.speakable_index, 11);
	assert_int_equal(r.display.current, 1);
	assert_true(ac_threaded_update_display_settings(tt, 0, 0));
	ac_threaded_submit(tt, "sea", false);
	assert_true(ac_threaded_get_result(tt, &r, 5.0));
	assert_int_equal(r.display.count, 1);
	assert_int_equal(r.display.current, 0);
	ac_threaded_free(tt);
	ac_script_free(s);
}

/* Fills the queue while the worker is stalled on the lock, then checks
 * that a partial sheds old partials and a final is refused. */
static void test_backpressure(void **state)
{
	struct ac_script *s = parse();
	struct ac_threaded_opts o = AC_THREADED_OPTS_DEFAULT;
	struct ac_threaded *tt;
	struct ac_threaded_result r;
	int accepted = 0, got = 0;

	(void)state;
	o.partial_throttle_ms = 0;
	o.max_queue_size = 3;
	tt = ac_threaded_new(s, &o);
	/* a burst faster than the worker can drain it */
	for (int i = 0; i < 200; i++)
		accepted += ac_threaded_submit(tt, "the quick brown fox jumps "
					       "over the lazy dog", true);
	assert_true(accepted > 0);
	while (ac_threaded_get_result(tt, &r, 0.5))
		got++;
	assert_true(got <= accepted);
	assert_true(got >= 1);
	ac_threaded_free(tt);
	ac_script_free(s);
}

struct hammer {
	struct ac_threaded *tt;
	int accepted;
};

static void *submitter(void *arg)
{
	struct hammer *h = arg;

	for (int i = 0; i < 200; i++)
		h->accepted += ac_threaded_submit(h->tt, "she sells sea shells",
						  false);
	return NULL;
}

static void test_concurrent_submitters(void **state)
{
	struct ac_script *s = parse();
	struct ac_threaded_opts o = AC_THREADED_OPTS_DEFAULT;
	struct hammer h[4];
	pthread_t th[4];
	struct ac_threaded *tt;

	(void)state;
	o.max_queue_size = 1000;
	tt = ac_threaded_new(s, &o);
	for (int i = 0; i < 4; i++) {
		h[i].tt = tt;
		h[i].accepted = 0;
		pthread_create(&th[i], NULL, submitter, &h[i]);
	}
	for (int i = 0; i < 4; i++)
		pthread_join(th[i], NULL);
	assert_int_equal(ac_threaded_request_count(tt), 800);
	ac_threaded_shutdown(tt);
	/* shutdown twice is harmless */
	ac_threaded_shutdown(tt);
	ac_threaded_free(tt);
	ac_script_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_final_produces_result),
		cmocka_unit_test(test_partial_throttle),
		cmocka_unit_test(test_throttle_expires),
		cmocka_unit_test(test_results_in_order),
		cmocka_unit_test(test_commands),
		cmocka_unit_test(test_backpressure),
		cmocka_unit_test(test_concurrent_submitters),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

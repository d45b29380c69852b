// SPDX-License-Identifier: MIT
/* ac_snapshot_add: a session read out in parts (--reset-each-interval)
 * adds up to exactly its total. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "autocue_trace.h"

#define NB 8

/* A snapshot of two probes ("a" calls "b") as the session would give. */
static struct ac_snapshot *part(uint64_t calls_a, uint64_t min_a,
				uint64_t max_a, uint64_t cold_a,
				uint64_t path_calls, bool with_b_path)
{
	struct ac_snapshot *s = calloc(1, sizeof(*s));
	static const char *names[] = { "a", "b" };

	s->nprobes = 2;
	s->precision = 3;
	s->duration_s = 1.0;
	s->probes = calloc(2, sizeof(*s->probes));
	for (int i = 0; i < 2; i++) {
		uint64_t *b = calloc(NB, sizeof(*b));
		struct ac_probe_stats *p = &s->probes[i];

		p->name = names[i];
		p->shift = 3;
		p->nbuckets = NB;
		p->count = calls_a * (i + 1) + cold_a;
		p->cold_count = cold_a;
		p->total_ns = 100 * calls_a * (i + 1);
		p->min_ns = min_a;
		p->max_ns = max_a;
		p->desc = i == 0 ? calls_a : 0;
		p->cold_total_ns = 1000 * cold_a;
		p->cold_max_ns = cold_a ? 900 : 0;
		b[i + 2] = calls_a * (i + 1);
		p->buckets = b;
		p->nexact = calls_a;
	}
	s->npaths = with_b_path ? 2 : 1;
	s->paths = calloc(s->npaths, sizeof(*s->paths));
	for (int i = 0; i < s->npaths; i++) {
		int *ids = calloc(2, sizeof(*ids));

		ids[0] = 0;
		ids[1] = 1;
		s->paths[i].depth = i + 1;
		s->paths[i].probes = ids;
		s->paths[i].calls = path_calls;
		s->paths[i].self_ns = 10 * path_calls;
		s->paths[i].total_ns = 20 * path_calls;
	}
	s->lost[0] = 1;
	return s;
}

static void test_parts_add_up(void **state)
{
	struct ac_snapshot *acc = part(10, 50, 500, 2, 10, false);
	struct ac_snapshot *s2 = part(5, 30, 400, 0, 7, true);
	const struct ac_probe_stats *a;

	s2->pair_ns = 3000;
	assert_int_equal(ac_snapshot_add(acc, s2), 0);
	a = &acc->probes[0];
	assert_int_equal(a->count, 10 + 2 + 5);
	assert_int_equal(a->cold_count, 2);
	assert_int_equal(a->total_ns, 1500);
	assert_int_equal(a->min_ns, 30);
	assert_int_equal(a->max_ns, 500);
	assert_int_equal(a->desc, 15);
	assert_int_equal(a->cold_total_ns, 2000);
	assert_int_equal(a->cold_max_ns, 900);
	assert_int_equal(a->buckets[2], 15);
	assert_int_equal(acc->probes[1].buckets[3], 30);
	/* exact percentiles of parts are no total's */
	assert_int_equal(a->nexact, 0);
	assert_int_equal(acc->npaths, 2);
	assert_int_equal(acc->paths[0].calls, 17);
	assert_int_equal(acc->paths[0].total_ns, 340);
	assert_int_equal(acc->paths[1].depth, 2);
	assert_int_equal(acc->paths[1].calls, 7);
	assert_int_equal(acc->lost[0], 2);
	assert_true(acc->duration_s == 2.0);
	assert_true(acc->pair_ns == 3000);
	ac_snapshot_free(s2);
	ac_snapshot_free(acc);
}

/* a part with no warm call has min 0: not a minimum */
static void test_min_of_warm_calls_only(void **state)
{
	struct ac_snapshot *acc = part(0, 0, 0, 3, 1, false);
	struct ac_snapshot *s2 = part(4, 70, 90, 0, 1, false);

	assert_int_equal(ac_snapshot_add(acc, s2), 0);
	assert_int_equal(acc->probes[0].min_ns, 70);
	ac_snapshot_free(s2);
	ac_snapshot_free(acc);
}

static void test_other_session_refused(void **state)
{
	struct ac_snapshot *acc = part(1, 1, 1, 0, 1, false);
	struct ac_snapshot *s2 = part(1, 1, 1, 0, 1, false);

	s2->precision = 4;
	assert_int_equal(ac_snapshot_add(acc, s2), -EINVAL);
	assert_int_equal(acc->probes[0].count, 1);
	ac_snapshot_free(s2);
	ac_snapshot_free(acc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parts_add_up),
		cmocka_unit_test(test_min_of_warm_calls_only),
		cmocka_unit_test(test_other_session_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

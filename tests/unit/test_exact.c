// SPDX-License-Identifier: MIT
/*
 * Exact mode's spill file (user/exact.c): the percentiles it selects in
 * passes over the file are those of sorting every value, for small and
 * huge ranges, duplicates, one value, many probes at once (more than one
 * group of counters), and after a reset
 * (hardening.sh shows the tracer's memory flat over a session).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "autocue_trace.h"
#include "exact.h"

static uint64_t state = 88172645463325252ULL;

static uint64_t rnd(void)
{
	state ^= state << 13;
	state ^= state >> 7;
	state ^= state << 17;
	return state;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

/* ids 1..nids-1 get n[id] values from gen; select; compare with sorting */
static void check(uint32_t nids, const uint64_t *n, uint64_t (*gen)(uint32_t))
{
	struct ac_exact *x = ac_exact_new(nids);
	uint64_t **v = calloc(nids, sizeof(*v)), *out, *k = calloc(nids, sizeof(*k));
	uint64_t total = 0;

	assert_non_null(x);
	for (uint32_t id = 0; id < nids; id++) {
		v[id] = malloc((n[id] + 1) * sizeof(**v));
		total += n[id];
	}
	/* interleaved, as calls of several probes arrive */
	while (total) {
		uint32_t id = rnd() % nids;

		if (k[id] == n[id])
			continue;
		v[id][k[id]] = gen(id);
		assert_int_equal(ac_exact_add(x, id, v[id][k[id]]), 0);
		k[id]++;
		total--;
	}
	out = calloc((size_t)nids * AC_EXACT_NQ, sizeof(*out));
	assert_int_equal(ac_exact_select(x, out), 0);
	for (uint32_t id = 0; id < nids; id++) {
		assert_int_equal(ac_exact_count(x, id), n[id]);
		if (!n[id])
			continue;
		qsort(v[id], n[id], sizeof(**v), cmp_u64);
		for (int q = 0; q < AC_EXACT_NQ; q++)
			assert_int_equal(out[id * AC_EXACT_NQ + q],
					 v[id][ac_rank_of(n[id], ac_exact_quantiles[q])]);
	}
	/* a reset forgets everything; new records alone count */
	assert_int_equal(ac_exact_reset(x), 0);
	assert_int_equal(ac_exact_add(x, nids - 1, 42), 0);
	assert_int_equal(ac_exact_add(x, nids - 1, 7), 0);
	assert_int_equal(ac_exact_select(x, out), 0);
	assert_int_equal(ac_exact_count(x, 0), 0);
	assert_int_equal(out[(nids - 1) * AC_EXACT_NQ + 0], 42);	/* rank 1 of 2 */
	for (uint32_t id = 0; id < nids; id++)
		free(v[id]);
	free(v);
	free(k);
	free(out);
	ac_exact_free(x);
}

static uint64_t gen_small(uint32_t id) { return 1000 + rnd() % 5000 + id; }
static uint64_t gen_wide(uint32_t id) { return rnd() >> (rnd() % 64); }
static uint64_t gen_dups(uint32_t id) { return 100 * (rnd() % 4); }
static uint64_t gen_one(uint32_t id) { return 123456789; }

static void test_small_range(void **state)
{
	uint64_t n[] = { 0, 1, 2, 3, 100, 20000 };

	check(6, n, gen_small);
}

static void test_full_u64_range(void **state)
{
	uint64_t n[] = { 5000, 1, 7, 50000 };

	check(4, n, gen_wide);
}

static void test_duplicates_and_constants(void **state)
{
	uint64_t n[] = { 10000, 3, 999 };

	check(3, n, gen_dups);
	check(3, n, gen_one);
}

/* more probes than one group of counters holds: several groups */
static void test_many_probes(void **state)
{
	uint64_t n[300];

	for (int i = 0; i < 300; i++)
		n[i] = rnd() % 50;
	check(300, n, gen_small);
}

/* ids out of range are ignored, not written past the tables */
static void test_bad_id(void **state)
{
	struct ac_exact *x = ac_exact_new(2);

	assert_int_equal(ac_exact_add(x, 2, 5), 0);
	assert_int_equal(ac_exact_add(x, UINT32_MAX, 5), 0);
	assert_int_equal(ac_exact_count(x, 2), 0);
	ac_exact_free(x);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_small_range),
		cmocka_unit_test(test_full_u64_range),
		cmocka_unit_test(test_duplicates_and_constants),
		cmocka_unit_test(test_many_probes),
		cmocka_unit_test(test_bad_id),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

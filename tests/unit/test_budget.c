// SPDX-License-Identifier: MIT
/* --max-overhead's choice of probes (user/budget.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <cmocka.h>
#include "budget.h"

/* 1 s of CPU of which 3 us x 20,000 calls = 60 ms went to probes: the
 * program's own time is 940 ms. A 1% budget (9.4 ms) keeps the three
 * rare probes (1 + 100 + 2,000 calls: 6.3 ms), not the two hot ones. */
static void test_cheapest_first(void **state)
{
	struct ac_budget_probe p[] = {
		{ .name = "hot", .calls = 15000 },
		{ .name = "init", .calls = 1 },
		{ .name = "update", .calls = 100 },
		{ .name = "warm", .calls = 2899 },
		{ .name = "word", .calls = 2000 },
	};
	double share = ac_budget_choose(p, 5, 3000, 1e9, 0.01);

	assert_false(p[0].keep);
	assert_true(p[1].keep);
	assert_true(p[2].keep);
	assert_false(p[3].keep);
	assert_true(p[4].keep);
	assert_true(fabs(share - 2101 * 3000 / 940e6) < 1e-12);
	assert_true(fabs(p[0].share - 15000 * 3000 / 940e6) < 1e-12);
}

/* Everything fits a generous budget; nothing fits an empty one. */
static void test_all_or_none(void **state)
{
	struct ac_budget_probe p[] = {
		{ .name = "a", .calls = 10 }, { .name = "b", .calls = 20 },
	};

	ac_budget_choose(p, 2, 3000, 1e9, 0.5);
	assert_true(p[0].keep && p[1].keep);
	ac_budget_choose(p, 2, 3000, 1e9, 0);
	assert_true(!p[0].keep && !p[1].keep);
}

/* A phase that was almost all probe cost still divides by something. */
static void test_all_probes(void **state)
{
	struct ac_budget_probe p[] = { { .name = "a", .calls = 1000000 } };
	double share = ac_budget_choose(p, 1, 1000, 1e9, 0.05);

	assert_false(p[0].keep);
	assert_true(share == 0);
	assert_true(isfinite(p[0].share) && p[0].share > 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cheapest_first),
		cmocka_unit_test(test_all_or_none),
		cmocka_unit_test(test_all_probes),
	};

	return cmocka_run_group_tests_name("budget", tests, NULL, NULL);
}

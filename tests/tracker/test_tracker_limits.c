// SPDX-License-Identifier: MIT
/* test_tracker_limits.c - options at the edge of their range (any
 * non-negative int is accepted) behave like "larger than the script", in
 * bounded time, and positions set from outside stay inside the script. */
#include <limits.h>
#include <unistd.h>

#include "tracker_fixture.h"

static const char script[] =
	"alpha bravo charlie delta echo foxtrot golf hotel india juliet "
	"kilo lima mike november oscar papa quebec romeo sierra tango "
	"uniform victor whiskey xray yankee zulu";

/* the finals below, said on a fresh tracker with opts: the positions */
static void run(const struct ac_tracker_opts *o, struct ac_position *out,
		int n)
{
	static const char *const finals[] = {
		"alpha bravo charlie",
		/* unmatched words: the skip search runs for each */
		"alpha bravo charlie zzz yyy xxx www delta",
		/* a word found nowhere: every skip attempt fails */
		"echo qqqq rrrr ssss tttt",
		/* far ahead: a forward jump */
		"quebec romeo sierra tango uniform",
	};
	struct fx f = make_opts(script, o);

	assert_int_equal(n, 4);
	for (int i = 0; i < n; i++)
		out[i] = upd(&f, finals[i]);
	done(&f);
}

static void same_positions(const struct ac_position *a,
			   const struct ac_position *b, int n)
{
	for (int i = 0; i < n; i++) {
		assert_int_equal(a[i].speakable_index, b[i].speakable_index);
		assert_int_equal(a[i].is_jump, b[i].is_jump);
	}
}

/* Used to walk the whole skip budget (2 x max_skip_distance attempts) for
 * every unmatched word, and 2 x INT_MAX overflowed to a negative budget
 * (no skipping at all). The alarm turns the old seconds per unmatched word
 * into a failure. */
static void test_huge_skip_distance(void **state)
{
	struct ac_tracker_opts o = AC_TRACKER_OPTS_DEFAULT;
	struct ac_position want[4], got[4];

	(void)state;
	o.max_skip_distance = 100;	/* more than the script's length */
	run(&o, want, 4);
	alarm(5);
	o.max_skip_distance = 500000000;
	run(&o, got, 4);
	same_positions(want, got, 4);
	o.max_skip_distance = INT_MAX;
	run(&o, got, 4);
	same_positions(want, got, 4);
	alarm(0);
}

/* cur + max_jump_distance and i + window_size overflowed, which emptied
 * the search range and the windows: no jump could be found. */
static void test_huge_jump_distance_and_window(void **state)
{
	struct ac_tracker_opts o = AC_TRACKER_OPTS_DEFAULT;
	struct ac_position want[4], got[4];

	(void)state;
	o.max_jump_distance = 100;
	run(&o, want, 4);
	assert_true(want[3].is_jump);
	o.max_jump_distance = INT_MAX;
	run(&o, got, 4);
	same_positions(want, got, 4);

	o = AC_TRACKER_OPTS_DEFAULT;
	o.window_size = 100;
	run(&o, want, 4);
	o.window_size = INT_MAX;
	run(&o, got, 4);
	same_positions(want, got, 4);
}

/* a negative optimistic position used to index the script before its
 * first word */
static void test_set_optimistic_position_clamped(void **state)
{
	struct fx f = make(script);

	(void)state;
	ac_tracker_set_optimistic_position(f.t, -3);
	assert_int_equal(opt(&f), 0);
	assert_int_equal(fin(&f, "alpha bravo"), 2);
	ac_tracker_set_optimistic_position(f.t, INT_MAX);
	assert_int_equal(opt(&f), 26);
	ac_tracker_set_optimistic_position(f.t, INT_MIN);
	assert_int_equal(opt(&f), 0);
	done(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_huge_skip_distance),
		cmocka_unit_test(test_huge_jump_distance_and_window),
		cmocka_unit_test(test_set_optimistic_position_clamped),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

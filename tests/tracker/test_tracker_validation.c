// SPDX-License-Identifier: MIT
/* test_tracker_validation.c - the reference's test_validation.py: when jump
 * detection is allowed, and which deviations count as a backtrack. */
#include "tracker_fixture.h"

static void test_validation_triggers_after_five_words(void **state)
{
	struct ac_tracker_opts o = AC_TRACKER_OPTS_DEFAULT;
	struct fx f;

	(void)state;
	/* the reference sets tracker.jump_threshold = 5 before any update,
	 * which is the same as constructing with it */
	o.jump_threshold = 5;
	f = make_opts("one two three four five six seven eight", &o);
	assert_false(ac_tracker_allow_jump_detection(f.t));
	read_along(&f, "one two three four", 1, false);
	assert_false(ac_tracker_allow_jump_detection(f.t));
	ac_tracker_update(f.t, "one two three four five", false);
	assert_true(ac_tracker_allow_jump_detection(f.t));
	done(&f);
}

static void test_validation_resets_counter(void **state)
{
	struct fx f = make("one two three four five six seven eight nine "
			   "ten");

	(void)state;
	read_along(&f, "one two three four five", 1, false);
	assert_true(ac_tracker_allow_jump_detection(f.t));
	jump(&f, "one two three four five");
	assert_false(ac_tracker_allow_jump_detection(f.t));
	/* words_since_validation == 0, seen from outside: it takes exactly
	 * jump_threshold (3) more words to allow detection again */
	ac_tracker_update(f.t, "one two three four five six", false);
	ac_tracker_update(f.t, "one two three four five six seven", false);
	assert_false(ac_tracker_allow_jump_detection(f.t));
	ac_tracker_update(f.t, "one two three four five six seven eight",
			  false);
	assert_true(ac_tracker_allow_jump_detection(f.t));
	done(&f);
}

static void test_backtrack_detected_significant_deviation(void **state)
{
	struct fx f = make("The quick brown fox jumps over the lazy dog "
			   "sits quietly");

	(void)state;
	read_along(&f, "the quick brown fox jumps over the lazy", 1, false);
	assert_int_equal(ac_tracker_optimistic_position(f.t), 8);
	assert_true(jump(&f, "the quick brown"));
	assert_true(ac_tracker_optimistic_position(f.t) < 5);
	done(&f);
}

static void test_no_backtrack_for_forward_movement(void **state)
{
	struct fx f = make("The quick brown fox");

	(void)state;
	ac_tracker_update(f.t, "the quick", false);
	assert_false(jump(&f, "the quick brown"));
	done(&f);
}

static void test_no_backtrack_for_small_deviation(void **state)
{
	struct fx f = make("The quick brown fox jumps over the lazy dog");

	(void)state;
	read_along(&f, "the quick brown fox", 1, false);
	assert_int_equal(ac_tracker_optimistic_position(f.t), 4);
	assert_false(jump(&f, "quick brown fox jumps"));
	assert_int_equal(ac_tracker_optimistic_position(f.t), 4);
	done(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_validation_triggers_after_five_words),
		cmocka_unit_test(test_validation_resets_counter),
		cmocka_unit_test(test_backtrack_detected_significant_deviation),
		cmocka_unit_test(test_no_backtrack_for_forward_movement),
		cmocka_unit_test(test_no_backtrack_for_small_deviation),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

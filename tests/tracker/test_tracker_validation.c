// SPDX-License-Identifier: MIT
/* test_tracker_validation.c - the reference's test_validation.py: when jump
 * detection is allowed, and which deviations count as a backtrack. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "script.h"
#include "tracker.h"

struct fx {
	struct ac_script *s;
	struct ac_tracker *t;
};

static struct fx make_opts(const char *md, const struct ac_tracker_opts *o)
{
	char err[256] = "";
	struct fx f;

	f.s = ac_script_parse(md, strlen(md), err, sizeof(err));
	assert_non_null(f.s);
	f.t = ac_tracker_new(f.s, o);
	assert_non_null(f.t);
	return f;
}

static void done(struct fx *f)
{
	ac_tracker_free(f->t);
	ac_script_free(f->s);
}

/* finals, cumulatively, as the reference's update(text) */
static void say(struct fx *f, const char *const *texts, int n)
{
	for (int i = 0; i < n; i++)
		ac_tracker_update(f->t, texts[i], false);
}

static bool jump(struct fx *f, const char *text)
{
	bool moved = false;

	ac_tracker_detect_jump(f->t, text, &moved);
	return moved;
}

static void test_validation_triggers_after_five_words(void **state)
{
	static const char *const texts[] = {
		"one", "one two", "one two three", "one two three four",
	};
	struct ac_tracker_opts o = AC_TRACKER_OPTS_DEFAULT;
	struct fx f;

	(void)state;
	/* the reference sets tracker.jump_threshold = 5 before any update,
	 * which is the same as constructing with it */
	o.jump_threshold = 5;
	f = make_opts("one two three four five six seven eight", &o);
	assert_false(ac_tracker_allow_jump_detection(f.t));
	say(&f, texts, 4);
	assert_false(ac_tracker_allow_jump_detection(f.t));
	ac_tracker_update(f.t, "one two three four five", false);
	assert_true(ac_tracker_allow_jump_detection(f.t));
	done(&f);
}

static void test_validation_resets_counter(void **state)
{
	static const char *const texts[] = {
		"one", "one two", "one two three", "one two three four",
		"one two three four five",
	};
	struct fx f = make_opts("one two three four five six seven eight nine "
				"ten", NULL);

	(void)state;
	say(&f, texts, 5);
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
	static const char *const texts[] = {
		"the", "the quick", "the quick brown", "the quick brown fox",
		"the quick brown fox jumps", "the quick brown fox jumps over",
		"the quick brown fox jumps over the",
		"the quick brown fox jumps over the lazy",
	};
	struct fx f = make_opts("The quick brown fox jumps over the lazy dog "
				"sits quietly", NULL);

	(void)state;
	say(&f, texts, 8);
	assert_int_equal(ac_tracker_optimistic_position(f.t), 8);
	assert_true(jump(&f, "the quick brown"));
	assert_true(ac_tracker_optimistic_position(f.t) < 5);
	done(&f);
}

static void test_no_backtrack_for_forward_movement(void **state)
{
	struct fx f = make_opts("The quick brown fox", NULL);

	(void)state;
	ac_tracker_update(f.t, "the quick", false);
	assert_false(jump(&f, "the quick brown"));
	done(&f);
}

static void test_no_backtrack_for_small_deviation(void **state)
{
	static const char *const texts[] = {
		"the", "the quick", "the quick brown", "the quick brown fox",
	};
	struct fx f = make_opts("The quick brown fox jumps over the lazy dog",
				NULL);

	(void)state;
	say(&f, texts, 4);
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

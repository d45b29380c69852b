// SPDX-License-Identifier: MIT
/* test_tracker_api.c - reset, jump_to, new-word extraction, display lines,
 * progress and skip_headers (the reference's test_api.py and
 * test_skip_headers.py), with quirks Q8/Q9. */
#include <limits.h>
#include "tracker_fixture.h"

static void test_reset_clears_state(void **state)
{
	struct fx f = make("hello world test");

	(void)state;
	fin(&f, "hello world");
	assert_true(ac_tracker_optimistic_position(f.t) > 0);
	ac_tracker_reset(f.t);
	assert_int_equal(ac_tracker_optimistic_position(f.t), 0);
	assert_int_equal(ac_tracker_position(f.t).speakable_index, 0);
	assert_false(ac_tracker_allow_jump_detection(f.t));
	/* the previous final is forgotten: its words count as new again */
	assert_int_equal(fin(&f, "hello world"), 2);
	done(&f);
}

static void test_jump_to_and_clamp(void **state)
{
	struct fx f = make("one two three four five");

	(void)state;
	ac_tracker_jump_to(f.t, 3);
	assert_int_equal(ac_tracker_optimistic_position(f.t), 3);
	assert_int_equal(ac_tracker_position(f.t).speakable_index, 3);
	assert_int_equal(fin(&f, "four"), 4);
	ac_tracker_jump_to(f.t, 100);
	assert_int_equal(ac_tracker_optimistic_position(f.t), 4);
	ac_tracker_jump_to(f.t, -5);
	assert_int_equal(ac_tracker_optimistic_position(f.t), 0);
	done(&f);
}

static void test_new_words(void **state)
{
	struct fx f = make("the quick brown fox");
	int n, k;

	(void)state;
	k = ac_tracker_common_prefix(f.t, "the quick", &n);
	assert_int_equal(k, 0);
	assert_int_equal(n, 2);
	fin(&f, "the quick");
	k = ac_tracker_common_prefix(f.t, "the quick brown", &n);
	assert_int_equal(k, 2);	/* new: "brown" */
	assert_int_equal(n, 3);
	k = ac_tracker_common_prefix(f.t, "hello world testing", &n);
	assert_int_equal(k, 0);
	/* compared normalized; shared leading words are dropped (Q1) */
	k = ac_tracker_common_prefix(f.t, "The, dog ran", &n);
	assert_int_equal(k, 1);
	done(&f);
}

static void test_display_lines(void **state)
{
	struct fx f = make("line one\nline two\nline three\nline four");
	struct ac_display d;

	(void)state;
	fin(&f, "line one line two");
	ac_tracker_display_lines(f.t, 1, 10, &d);
	assert_int_equal(d.start, 1);
	assert_int_equal(d.count, 3);
	assert_int_equal(d.current, 1);
	assert_int_equal(d.word_offset, 0);
	assert_int_equal(ac_tracker_position(f.t).line_index, 2);
	/* extreme settings (the threaded API passes them through): the
	 * spec's arithmetic without overflow */
	ac_tracker_display_lines(f.t, INT_MAX, INT_MAX, &d);
	assert_int_equal(d.start, 0);
	assert_int_equal(d.count, 4);
	assert_int_equal(d.current, 2);
	ac_tracker_display_lines(f.t, INT_MIN, INT_MIN, &d);
	assert_int_equal(d.count, 0);
	done(&f);
}

static void test_progress(void **state)
{
	struct fx f = make("one two three four");
	double p;

	(void)state;
	assert_true(ac_tracker_position(f.t).progress == 0.0);
	fin(&f, "one two");
	p = ac_tracker_position(f.t).progress;
	assert_true(p > 0.0 && p < 1.0);
	fin(&f, "one two three four");
	assert_true(ac_tracker_position(f.t).progress == 1.0);
	done(&f);
}

static void test_reset_keeps_is_jump(void **state)
{
	struct fx f = make("alpha bravo charlie delta echo foxtrot golf hotel "
			   "india juliet kilo lima mike november oscar papa");

	(void)state;
	fin(&f, "alpha bravo");
	assert_true(ac_tracker_update(f.t, "lima mike november oscar papa",
				      false).is_jump);
	/* Q8: reset and jump_to leave the flag alone */
	ac_tracker_reset(f.t);
	assert_true(ac_tracker_position(f.t).is_jump);
	ac_tracker_jump_to(f.t, 2);
	assert_true(ac_tracker_position(f.t).is_jump);
	done(&f);
}

static void test_reset_carries_half_expansion(void **state)
{
	struct fx f = make("We sold 1,100 units today");

	(void)state;
	fin(&f, "we sold one");
	assert_int_equal(ac_tracker_active_expansions(f.t), 2);
	ac_tracker_reset(f.t);
	assert_int_equal(ac_tracker_active_expansions(f.t), 0);
	/* Q9: the committed copy was taken before W was cleared, so the next
	 * final continues "one ..." from position 0 */
	assert_int_equal(fin(&f, "thousand"), 0);
	assert_int_equal(ac_tracker_active_expansions(f.t), 1);
	assert_int_equal(ac_tracker_expansion_position(f.t), 2);
	done(&f);
}

static const char hdr_script[] =
	"# Introduction\n\nThis is the first paragraph.\n\n"
	"## Subsection Header\n\nThis is a subsection.\n\n"
	"# Conclusion\n\nThis is the second paragraph.\n";

static void test_header_flags(void **state)
{
	struct fx f = make(hdr_script);

	(void)state;
	assert_string_equal(f.s->words[0].text, "introduction");
	assert_true(f.s->words[0].header);
	assert_false(f.s->words[1].header);
	done(&f);
}

static void test_skip_headers(void **state)
{
	struct fx f = make(hdr_script);
	struct ac_tracker_opts o = AC_TRACKER_OPTS_DEFAULT;
	struct ac_tracker *t;
	struct ac_position p1, p2, p3;

	(void)state;
	o.skip_headers = true;
	t = ac_tracker_new(f.s, &o);
	p1 = ac_tracker_update(t, "this is the first paragraph", false);
	assert_int_equal(p1.speakable_index, 6);
	p2 = ac_tracker_update(t, "this is a subsection", false);
	assert_true(p2.speakable_index > p1.speakable_index);
	assert_false(f.s->words[p2.speakable_index - 1].header);
	p3 = ac_tracker_update(t, "this is the second paragraph", false);
	assert_true(p3.speakable_index > p2.speakable_index);
	ac_tracker_free(t);

	/* disabled: the header is an ordinary word */
	assert_int_equal(fin(&f, "introduction"), 1);
	done(&f);
}

static void test_bad_options(void **state)
{
	struct fx f = make("hello");
	struct ac_tracker_opts o = AC_TRACKER_OPTS_DEFAULT;

	(void)state;
	o.window_size = 0;
	assert_null(ac_tracker_new(f.s, &o));
	assert_null(ac_tracker_new(NULL, NULL));
	assert_int_equal(ac_tracker_opts(f.t)->window_size, 8);
	assert_true(ac_tracker_opts(f.t)->match_threshold == 70.0);
	assert_int_equal(ac_tracker_opts(f.t)->max_skip_distance, 2);
	done(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reset_clears_state),
		cmocka_unit_test(test_jump_to_and_clamp),
		cmocka_unit_test(test_new_words),
		cmocka_unit_test(test_display_lines),
		cmocka_unit_test(test_progress),
		cmocka_unit_test(test_reset_keeps_is_jump),
		cmocka_unit_test(test_reset_carries_half_expansion),
		cmocka_unit_test(test_header_flags),
		cmocka_unit_test(test_skip_headers),
		cmocka_unit_test(test_bad_options),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

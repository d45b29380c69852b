// SPDX-License-Identifier: MIT
/* test_tracker_skip_headers.c - the reference's test_skip_headers.py: the
 * option's default, header flags in the parse, and tracking that passes
 * over header words when the option is on. */
#include "tracker_fixture.h"

/* skip: -1 = the default options */
static struct fx make_skip(const char *md, int skip)
{
	struct ac_tracker_opts o = AC_TRACKER_OPTS_DEFAULT;

	o.skip_headers = skip == 1;
	return make_opts(md, skip < 0 ? NULL : &o);
}

static const char TWO_HEADERS[] =
	"# Introduction\n\nThis is the introduction text.\n\n"
	"## Section One\n\nThis is section one content.";

static void test_skip_headers_disabled_by_default(void **state)
{
	struct fx f = make_skip(TWO_HEADERS, -1);

	(void)state;
	assert_false(ac_tracker_opts(f.t)->skip_headers);
	done(&f);
}

static void test_skip_headers_enabled(void **state)
{
	struct fx f = make_skip(TWO_HEADERS, 1);

	(void)state;
	assert_true(ac_tracker_opts(f.t)->skip_headers);
	done(&f);
}

static void test_tracking_skips_header_words(void **state)
{
	struct fx f = make_skip("# Introduction\n\nThis is the introduction "
				"text.", 1);
	struct ac_position p;

	(void)state;
	p = ac_tracker_update(f.t, "this", false);
	assert_true(p.speakable_index < f.s->n);
	if (p.speakable_index > 0) {
		assert_string_equal(f.s->words[p.speakable_index - 1].text,
				    "this");
		assert_false(f.s->words[p.speakable_index - 1].header);
	}
	assert_false(f.s->words[p.speakable_index].header);
	done(&f);
}

static void test_header_words_marked_correctly(void **state)
{
	struct fx f = make_skip("# Header One\n\nRegular text here.\n\n"
				"## Header Two\n\nMore regular text.", -1);
	int h1 = -1, h2 = -1, reg = -1;

	(void)state;
	for (int i = 0; i < f.s->n; i++) {
		const struct ac_word *w = &f.s->words[i];

		if (!strcmp(w->text, "header") && w->header && h1 < 0)
			h1 = i;
		else if (!strcmp(w->text, "header") && w->header && h2 < 0)
			h2 = i;
		else if (!strcmp(w->text, "regular") && !w->header && reg < 0)
			reg = i;
	}
	assert_true(h1 >= 0 && h2 >= 0 && reg >= 0);
	assert_true(f.s->words[h1].header);
	assert_true(f.s->words[h2].header);
	assert_false(f.s->words[reg].header);
	done(&f);
}

static void test_skip_headers_with_multiple_headers(void **state)
{
	struct fx f = make_skip("# Main Title\n\n## Subtitle\n\n### Sub-subtitle\n\n"
				"Now here is the actual content.", 1);
	struct ac_position p;

	(void)state;
	p = ac_tracker_update(f.t, "now", false);
	if (p.speakable_index > 0) {
		assert_string_equal(f.s->words[p.speakable_index - 1].text,
				    "now");
		assert_false(f.s->words[p.speakable_index - 1].header);
	}
	done(&f);
}

static void test_skip_headers_partial_updates(void **state)
{
	struct fx f = make_skip("# Introduction\n\nThis is the content.", 1);
	struct ac_position p;

	(void)state;
	/* the reference only asks for a position back */
	p = ac_tracker_update(f.t, "th", true);
	assert_true(p.speakable_index >= 0 && p.speakable_index <= f.s->n);
	done(&f);
}

static void test_no_headers_in_script(void **state)
{
	struct fx f = make_skip("This is plain text with no headers at all.", 1);

	(void)state;
	assert_true(ac_tracker_update(f.t, "this is plain", false)
			    .speakable_index > 0);
	done(&f);
}

static void test_headers_tracked_when_disabled(void **state)
{
	struct fx f = make_skip("# Introduction\n\nContent here.", 0);
	struct ac_position p;

	(void)state;
	p = ac_tracker_update(f.t, "introduction", false);
	if (p.speakable_index > 0) {
		assert_string_equal(f.s->words[p.speakable_index - 1].text,
				    "introduction");
		assert_true(f.s->words[p.speakable_index - 1].header);
	}
	done(&f);
}

static void test_mixed_content_with_headers(void **state)
{
	struct fx f = make_skip("# First Section\n\nThis is the first paragraph.\n\n"
				"## Subsection\n\nThis is a subsection.\n\n"
				"# Second Section\n\nThis is the second paragraph.",
				1);
	int p1, p2;

	(void)state;
	ac_tracker_update(f.t, "this is the first paragraph", false);
	p1 = ac_tracker_position(f.t).speakable_index;
	ac_tracker_update(f.t, "this is a subsection", false);
	p2 = ac_tracker_position(f.t).speakable_index;
	assert_true(p2 > p1);
	ac_tracker_update(f.t, "this is the second paragraph", false);
	assert_true(ac_tracker_position(f.t).speakable_index > p2);
	done(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_skip_headers_disabled_by_default),
		cmocka_unit_test(test_skip_headers_enabled),
		cmocka_unit_test(test_tracking_skips_header_words),
		cmocka_unit_test(test_header_words_marked_correctly),
		cmocka_unit_test(test_skip_headers_with_multiple_headers),
		cmocka_unit_test(test_skip_headers_partial_updates),
		cmocka_unit_test(test_no_headers_in_script),
		cmocka_unit_test(test_headers_tracked_when_disabled),
		cmocka_unit_test(test_mixed_content_with_headers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

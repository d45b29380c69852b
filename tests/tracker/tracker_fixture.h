// SPDX-License-Identifier: MIT
/*
 * tracker_fixture.h - the tracker suites' fixture: a script and a tracker
 * built from a Markdown string, updates fed the way the reference's tests
 * feed them, and the positions they assert on. Each tests/tracker/test_*.c
 * is its own program, so these are static helpers, included where used.
 */
#ifndef AUTOCUE_TESTS_TRACKER_FIXTURE_H
#define AUTOCUE_TESTS_TRACKER_FIXTURE_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <string.h>

#include "script.h"
#include "tracker.h"

struct fx {
	struct ac_script *s;
	struct ac_tracker *t;
};

/* o: NULL for the default options */
static inline struct fx make_opts(const char *md,
				  const struct ac_tracker_opts *o)
{
	char err[256] = "";
	struct fx f;

	f.s = ac_script_parse(md, strlen(md), err, sizeof(err));
	assert_non_null(f.s);
	f.t = ac_tracker_new(f.s, o);
	assert_non_null(f.t);
	return f;
}

static inline struct fx make(const char *md)
{
	return make_opts(md, NULL);
}

static inline void done(struct fx *f)
{
	ac_tracker_free(f->t);
	ac_script_free(f->s);
}

/* update(text): a final, as the reference's default (is_partial=False) */
static inline struct ac_position upd(struct fx *f, const char *text)
{
	return ac_tracker_update(f->t, text, false);
}

/* a final; the next speakable word (current_word_index) */
static inline int fin(struct fx *f, const char *text)
{
	return upd(f, text).speakable_index;
}

static inline int opt(struct fx *f)
{
	return ac_tracker_optimistic_position(f->t);
}

/* current_word_index */
static inline int cur(struct fx *f)
{
	return ac_tracker_position(f->t).speakable_index;
}

/* detect_jump(text) -> is_jump */
static inline bool jump(struct fx *f, const char *text)
{
	bool moved = false;

	ac_tracker_detect_jump(f->t, text, &moved);
	return moved;
}

/* A fresh tracker on md, the finals texts[] (NULL-terminated) said in
 * order: the position after the last. */
static inline struct ac_position finals_on(const char *md,
					   const char *const *texts)
{
	struct fx f = make(md);
	struct ac_position p = ac_tracker_position(f.t);

	for (; *texts; texts++)
		p = upd(&f, *texts);
	done(&f);
	return p;
}

/* AFTER(md, "text", ...): finals_on() with the texts listed */
#define AFTER(md, ...) finals_on(md, (const char *const[]){ __VA_ARGS__, NULL })

/*
 * Reads text (words separated by single spaces) along, a word at a time:
 * each final is the words so far, as a recogniser delivers them, starting
 * with the first `first` words. With check, each final's word_index must be
 * the number of words said. Returns the position after the last.
 */
static inline struct ac_position read_along(struct fx *f, const char *text,
					    int first, bool check)
{
	struct ac_position p = ac_tracker_position(f->t);
	size_t len = strlen(text);
	char buf[2048];
	int words = 0;

	assert_true(len < sizeof(buf));
	for (size_t i = 0; i <= len; i++) {
		if (text[i] && text[i] != ' ')
			continue;
		if (++words < first)
			continue;
		memcpy(buf, text, i);
		buf[i] = '\0';
		p = upd(f, buf);
		if (check)
			assert_int_equal(p.word_index, words);
	}
	return p;
}

/* after the final prefix, the final spoken (prefix + a form) must move the
 * position: the optimistic one, or else the current one */
static inline void assert_advances(const char *md, const char *prefix,
				   const char *spoken, bool optimistic)
{
	struct fx f = make(md);
	int before, after;

	before = upd(&f, prefix).speakable_index;
	if (optimistic)
		before = opt(&f);
	after = upd(&f, spoken).speakable_index;
	if (optimistic)
		after = opt(&f);
	if (after <= before)
		fail_msg("%s: '%s' did not advance past '%s' (%d -> %d)", md,
			 spoken, prefix, before, after);
	done(&f);
}

/* the final first, then the final then: how far the optimistic position
 * moved */
static inline int moved_by(struct fx *f, const char *first, const char *then)
{
	int before;

	upd(f, first);
	before = opt(f);
	upd(f, then);
	return opt(f) - before;
}

#endif

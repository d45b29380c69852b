/* SPDX-License-Identifier: MIT */
/*
 * tracker.h - follows a speaker through a parsed script from ASR partial and
 * final transcripts, reproducing the reference ScriptTracker position for
 * position (TRACKER-SPEC.md §5, quirks §7).
 *
 * One tracker belongs to one thread at a time; the script it reads is
 * immutable and may be shared.
 */
#ifndef AUTOCUE_TRACKER_H
#define AUTOCUE_TRACKER_H

#include <stdbool.h>

#include "script.h"

struct ac_tracker_opts {
	int window_size;	/* words per window in jump search */
	double match_threshold;	/* min ratio for a fuzzy word match */
	int jump_threshold;	/* min queue length / distance for a jump */
	int max_jump_distance;	/* jump search radius and max jump */
	int max_skip_distance;	/* finals skip up to 2x this */
	bool skip_headers;	/* auto-skip header words */
};

#define AC_TRACKER_OPTS_DEFAULT                                               \
	((struct ac_tracker_opts){ .window_size = 8,                          \
				   .match_threshold = 70.0,                   \
				   .jump_threshold = 3,                       \
				   .max_jump_distance = 50,                   \
				   .max_skip_distance = 2,                    \
				   .skip_headers = false })

struct ac_position {
	int speakable_index;	/* next speakable word to be spoken, 0..N */
	int word_index;		/* raw token index (nraw past the end) */
	int line_index;		/* raw Markdown line (loosely aligned, Q11) */
	bool is_jump;		/* a jump happened in the last final (Q4) */
	double progress;	/* word_index / nraw, 0 with no raw tokens */
};

struct ac_display {
	int start;		/* first line shown (index into script lines) */
	int count;		/* lines shown */
	int current;		/* current line within the shown ones */
	int word_offset;	/* current - that line's start (may be < 0) */
};

struct ac_tracker;

/* opts NULL = defaults. Returns NULL on out of memory or invalid options
 * (window_size < 1, negative distances). The script must outlive the
 * tracker. */
struct ac_tracker *ac_tracker_new(const struct ac_script *s,
				  const struct ac_tracker_opts *opts);
void ac_tracker_free(struct ac_tracker *t);

/* Feeds one transcript. Blank text, text that is not valid UTF-8 and
 * out-of-memory leave the state untouched and return the current position. */
struct ac_position ac_tracker_update(struct ac_tracker *t, const char *text,
				     bool is_partial);
struct ac_position ac_tracker_position(const struct ac_tracker *t);

void ac_tracker_reset(struct ac_tracker *t);
void ac_tracker_jump_to(struct ac_tracker *t, int speakable_index);

/* The reference's public detect_jump: jump detection for text against the
 * committed state; on a jump the committed and displayed positions move.
 * Returns the resulting position; *moved says whether it jumped. */
int ac_tracker_detect_jump(struct ac_tracker *t, const char *text,
			   bool *moved);

/* Number of leading words of text that the previous final already had
 * (compared normalized); the new words are the rest (§5.3.3). *nwords gets
 * the word count of text. */
int ac_tracker_common_prefix(const struct ac_tracker *t, const char *text,
			     int *nwords);

void ac_tracker_display_lines(const struct ac_tracker *t, int past,
			      int future, struct ac_display *d);

int ac_tracker_optimistic_position(const struct ac_tracker *t);
/* pos is clamped to 0..N */
void ac_tracker_set_optimistic_position(struct ac_tracker *t, int pos);
bool ac_tracker_allow_jump_detection(const struct ac_tracker *t);
/* Active expansion alternatives of the working matcher and how many of
 * their words were matched. */
int ac_tracker_active_expansions(const struct ac_tracker *t);
int ac_tracker_expansion_position(const struct ac_tracker *t);
/* The reference's clear_expansion_state(): forgets the working matcher's
 * half-spoken expansion (the committed copy is left alone, as there). */
void ac_tracker_clear_expansion_state(struct ac_tracker *t);
int ac_tracker_skip_disabled(const struct ac_tracker *t);
const struct ac_tracker_opts *ac_tracker_opts(const struct ac_tracker *t);
const struct ac_script *ac_tracker_script(const struct ac_tracker *t);

/* The window search of §5.9, exposed for tests and benchmarks: best window
 * start for text around the current position, and its score. */
int ac_tracker_find_best_match(struct ac_tracker *t, const char *text,
			       double *score);

#endif /* AUTOCUE_TRACKER_H */

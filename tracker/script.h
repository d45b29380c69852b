/* SPDX-License-Identifier: MIT */
/*
 * script.h - a teleprompter script parsed into the three views the tracker
 * uses (TRACKER-SPEC.md §1-§3, §5.12): raw tokens (what the UI highlights),
 * speakable words (what the speaker says; numbers and spoken punctuation are
 * one position with several spoken forms), and raw Markdown lines.
 *
 * All strings are NUL-terminated UTF-8 owned by the script; the script is
 * immutable after parsing, so one script may be shared by many trackers and
 * threads.
 */
#ifndef AUTOCUE_SCRIPT_H
#define AUTOCUE_SCRIPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "alt.h"

struct ac_word {
	/* normalized text, or the placeholder "<expansion>" (spoken
	 * punctuation) / "<numeric expansion>" (numbers), verbatim */
	const char *text;
	int raw;		/* index of the raw token it came from */
	bool header;		/* from an h1..h6 element */
	int nalts;		/* 0 for a plain word */
	int len;		/* strlen(text) */
	const struct ac_alt *alts;	/* spoken forms, primary first */
};

struct ac_raw {
	const char *text;	/* as displayed */
	bool header;
	int first, n;		/* speakable words [first, first+n) */
	int len;		/* strlen(text) */
};

struct ac_line {
	const char *text;	/* one line of the raw Markdown */
	int start;		/* running speakable counter at the line */
	int nwords;		/* normalized non-empty whitespace words */
};

struct ac_script {
	int nraw;
	const struct ac_raw *raw;
	int n;			/* N: speakable words */
	const struct ac_word *words;
	int nlines;
	const struct ac_line *lines;
	int nw2l;		/* <= n; misaligned by design (quirk Q11) */
	const int *word_to_line;
};

/* Parses Markdown. Returns NULL on failure (invalid UTF-8, a number the
 * reference cannot name, out of memory) with a one-line reason in err. An
 * empty script parses to n == 0; refusing it is the caller's choice.
 * "\r\n" and "\r" count as "\n" and NUL as U+FFFD, everywhere (lines too). */
struct ac_script *ac_script_parse(const char *md, size_t len, char *err,
				  size_t errlen);
void ac_script_free(struct ac_script *s);

/* speakable index -> raw token index; past-the-end maps to nraw */
int ac_script_speakable_to_raw(const struct ac_script *s, int i);

/* Text of a parse in the format of ../shared/conformance/words/ */
int ac_script_dump_words(const struct ac_script *s, FILE *out);

#endif /* AUTOCUE_SCRIPT_H */

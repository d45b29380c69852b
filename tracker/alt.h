/* SPDX-License-Identifier: MIT */
/* alt.h - a spoken form of an expandable word, the one type the script's
 * word list, number expansion and spoken punctuation all speak. Its own
 * header so that those stages need not see the whole script API. */
#ifndef AUTOCUE_ALT_H
#define AUTOCUE_ALT_H

/* One way of speaking an expandable word: a sequence of lower-case words,
 * e.g. {"eleven", "hundred"} for "1100". */
struct ac_alt {
	int n;
	const char *const *w;
};

#endif /* AUTOCUE_ALT_H */

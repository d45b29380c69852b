/* SPDX-License-Identifier: MIT */
/* numbers.h - number-like tokens and their spoken forms (TRACKER-SPEC.md §3):
 * integers, comma groups, decimals, ordinals, currency, percent, units and
 * rates, with English number names as num2words 0.5.10 writes them. */
#ifndef AUTOCUE_NUMBERS_H
#define AUTOCUE_NUMBERS_H

#include <stdbool.h>
#include <stddef.h>

#include "alt.h"
#include "arena.h"

/* §3.1. Surrounding whitespace is ignored. */
bool ac_number_is_token(const char *s, size_t len);

/* §3.2-§3.7: every spoken form of a number token, primary first, without
 * duplicates, allocated in a (words may also point at static strings).
 * Returns how many (0: not a number token), or -1 with a one-line reason in
 * err (a value of 10^306 or more has no English name; out of memory). */
int ac_number_expand(struct ac_arena *a, const char *s, size_t len,
		     const struct ac_alt **alts, char *err, size_t errlen);

#endif /* AUTOCUE_NUMBERS_H */

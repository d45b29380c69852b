/* SPDX-License-Identifier: MIT */
/* punct.h - character classes with Python's meanings, and the punctuation
 * rules of the script parser (TRACKER-SPEC.md §2.3, §2.5). */
#ifndef AUTOCUE_PUNCT_H
#define AUTOCUE_PUNCT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "alt.h"

/* ac_uc_isspace for c < 0x80 */
static inline bool ac_ascii_isspace(int32_t c)
{
	return c == ' ' || (c >= 0x09 && c <= 0x0d) || (c >= 0x1c && c <= 0x1f);
}

/* Python str.isspace() (what str.split() splits on): bidi class WS, B or S,
 * or category Zs. Spelled out as the list of those code points, inline for
 * the scanning loops; test_utf8 checks the list against utf8proc's
 * properties for every code point. */
static inline bool ac_uc_isspace(int32_t c)
{
	if (c < 0x80)
		return ac_ascii_isspace(c);
	return c == 0x85 || c == 0xa0 || c == 0x1680 ||
	       (c >= 0x2000 && c <= 0x200a) || c == 0x2028 || c == 0x2029 ||
	       c == 0x202f || c == 0x205f || c == 0x3000;
}
/* Python re's \w on str: str.isalnum() (letters, N* numbers) or '_' */
bool ac_uc_isword(int32_t c);

/* Spoken punctuation (§2.5): the expansions of a token that is exactly a
 * table key, or NULL. */
const struct ac_alt *ac_punct_expansions(const char *s, size_t len, int *nalts);

/* Every character is silent punctuation (§2.3), or the text is empty. */
bool ac_punct_is_silent(const char *s, size_t len);

/* Surrounding-punctuation strip used for number detection (§2.3): narrows
 * [*b, *e) in place. ASCII characters only, so byte offsets suffice. */
void ac_punct_strip_surrounding(const char *s, size_t *b, size_t *e);

/* Length of the operator that an operator split (§2.3) cuts out at s, or 0.
 * "-" and "/" are never cut out of a longer token. */
size_t ac_punct_operator_len(const char *s, size_t len);

/* c may start an operator that ac_punct_operator_len cuts out: lets the
 * parser pass over the common token without one in a single scan */
static inline bool ac_punct_may_cut(char c)
{
	switch (c) {
	case '&': case '<': case '>': case '\\': case '~': case '@': case '+':
	case '=': case '%': case '^': case '|': case '*':
		return true;
	default:
		return false;
	}
}

#endif /* AUTOCUE_PUNCT_H */

/* SPDX-License-Identifier: MIT */
/*
 * split.h - Python's str.split() and str.strip() over valid, NUL-terminated
 * UTF-8, on str.isspace() whitespace: how the tracker cuts transcripts and
 * the script's words into words and window tokens. Inline: they are the
 * inner loops of building the index and of every update.
 */
#ifndef AUTOCUE_SPLIT_H
#define AUTOCUE_SPLIT_H

#include <stddef.h>
#include <stdint.h>

#include "punct.h"
#include "utf8.h"

/*
 * Eight bytes of text at once: the top bit of each byte that may end a
 * word, i.e. one past ASCII (the Unicode spaces are multi-byte) or below
 * 0x21 (ASCII whitespace, NUL and the other control bytes). The lowest
 * byte flagged is exact; above it a borrow may flag a byte that is not,
 * so a flag only sends the scan to ac_scan_word, which decides.
 */
static inline uint64_t ac_may_cut8(uint64_t x)
{
	const uint64_t ones = 0x0101010101010101ULL, tops = ones << 7;

	return (x | ((x - 0x21 * ones) & ~x)) & tops;
}

/* Scans the word starting at p (not whitespace) up to its first whitespace
 * character (str.isspace()) or the end of the string, and returns its end;
 * with hash, hashes it too (FNV-1a). Inlined, so that each caller gets the
 * loop with or without the hashing. */
static inline __attribute__((always_inline)) const unsigned char *
ac_scan_word(const unsigned char *p, uint32_t *hash)
{
	uint32_t h = 2166136261u;

	while (*p) {
		const unsigned char *q = p;

		/* ASCII, nearly every byte: one step, no decoding */
		if (*p < 0x80) {
			if (*p <= 0x20 && ac_uc_isspace(*p))
				break;
			if (hash)
				h = (h ^ *p) * 16777619u;
			p++;
			continue;
		}
		if (ac_uc_isspace(ac_utf8_next_valid(&q)))
			break;
		if (!hash)
			p = q;
		for (; p < q; p++)
			h = (h ^ *p) * 16777619u;
	}
	if (hash)
		*hash = h;
	return p;
}

/* First byte at or after p that is not whitespace (maybe the NUL). */
static inline const unsigned char *ac_skip_space(const unsigned char *p)
{
	while (*p) {
		const unsigned char *q = p;

		if (*p < 0x80) {
			if (*p > 0x20 || !ac_uc_isspace(*p))
				break;
			q++;
		} else if (!ac_uc_isspace(ac_utf8_next_valid(&q))) {
			break;
		}
		p = q;
	}
	return p;
}

/* The next word of a str.split() at or after *pp: returns its start and
 * moves *pp to its end; NULL when only whitespace is left. */
static inline const unsigned char *ac_next_word(const unsigned char **pp)
{
	const unsigned char *start = ac_skip_space(*pp);

	if (!*start)
		return NULL;
	*pp = ac_scan_word(start, NULL);
	return start;
}

/* Python str.strip() of s[0..n): returns the start of the trimmed span and
 * its length in *len. The end is found from the end, so the middle of a
 * long transcript is not decoded. */
static inline const char *ac_strip(const char *s, size_t n, size_t *len)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + n, *q;

	while (p < end) {
		q = p;
		if (!ac_uc_isspace((int32_t)ac_utf8_next_valid(&q)))
			break;
		p = q;
	}
	while (end > p) {
		size_t at = (size_t)(end - (const unsigned char *)s);
		const unsigned char *last =
			(const unsigned char *)s + ac_utf8_prev(s, at);

		q = last;
		if (!ac_uc_isspace((int32_t)ac_utf8_next_valid(&q)))
			break;
		end = last;
	}
	*len = (size_t)(end - p);
	return (const char *)p;
}

#endif /* AUTOCUE_SPLIT_H */

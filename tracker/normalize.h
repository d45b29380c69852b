/* SPDX-License-Identifier: MIT */
/* normalize.h - the reference's word normalization (TRACKER-SPEC.md §2.4):
 * full Unicode lower-casing, drop everything that is neither a word character
 * (letter, digit, '_') nor whitespace, trim. Used on every spoken word, so it
 * allocates nothing. */
#ifndef AUTOCUE_NORMALIZE_H
#define AUTOCUE_NORMALIZE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Worst-case output bytes for len input bytes (lower-casing can grow text). */
#define AC_NORM_CAP(len) (3 * (len) + 1)

/* Writes the NUL-terminated normal form of in[0..len) to out (cap bytes).
 * Returns its length, or -1 on invalid UTF-8 or when cap is too small. */
int ac_normalize(const char *in, size_t len, char *out, size_t cap);

/* What normalization does to an ASCII byte: most script and transcript
 * text is ASCII, and this keeps it away from the code-point machinery. */
enum { AC_NORM_DROP, AC_NORM_SPACE, AC_NORM_WORD };
extern const unsigned char ac_norm_ascii_kind[128];

/*
 * ac_normalize of ASCII in[0..len), whose normal form (ASCII too) goes to
 * out (len + 1 bytes of room) and, widened, to cps (len of room); returns
 * its length. The tracker wants both of every spoken word, nearly all of
 * which are ASCII: one loop, no room checks, no call.
 */
static inline int ac_normalize_ascii(const char *in, size_t len, char *out,
				     uint32_t *cps)
{
	size_t o = 0, keep_end = 0;
	bool started = false;

	for (size_t i = 0; i < len; i++) {
		unsigned char b = (unsigned char)in[i];
		/* a letter's case bit set: lower case, and only letters
		 * land in 'a'..'z'. The word bytes by arithmetic, not by
		 * the table, whose load the branch waited for: the same
		 * set (test_parser tries every byte) */
		unsigned char l = b | 0x20;

		if ((unsigned)(l - 'a') < 26 || (unsigned)(b - '0') < 10 ||
		    b == '_') {
			b = (unsigned)(l - 'a') < 26 ? l : b;
			keep_end = o + 1;
			started = true;
		} else if (ac_norm_ascii_kind[b] != AC_NORM_SPACE || !started) {
			continue;
		}
		out[o] = (char)b;
		cps[o++] = b;
	}
	out[keep_end] = '\0';
	return (int)keep_end;
}

#endif /* AUTOCUE_NORMALIZE_H */

/* SPDX-License-Identifier: MIT */
/* normalize.h - the reference's word normalization (TRACKER-SPEC.md §2.4):
 * full Unicode lower-casing, drop everything that is neither a word character
 * (letter, digit, '_') nor whitespace, trim. Used on every spoken word, so it
 * allocates nothing. */
#ifndef AUTOCUE_NORMALIZE_H
#define AUTOCUE_NORMALIZE_H

#include <stddef.h>

/* Worst-case output bytes for len input bytes (lower-casing can grow text). */
#define AC_NORM_CAP(len) (3 * (len) + 1)

/* Writes the NUL-terminated normal form of in[0..len) to out (cap bytes).
 * Returns its length, or -1 on invalid UTF-8 or when cap is too small. */
int ac_normalize(const char *in, size_t len, char *out, size_t cap);

#endif /* AUTOCUE_NORMALIZE_H */

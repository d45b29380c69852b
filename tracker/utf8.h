/* SPDX-License-Identifier: MIT */
/*
 * utf8.h - the one place that knows UTF-8's byte layout. Untrusted text
 * (scripts, transcripts, event lines) is decoded strictly: no overlong
 * forms, no surrogates, nothing above U+10FFFF, as Python's decoder. Text
 * that passed that check is decoded again on hot paths without re-checking.
 *
 * The step decoders are inline: every scanning loop of the parser and the
 * tracker runs them once per non-ASCII character.
 */
#ifndef AUTOCUE_UTF8_H
#define AUTOCUE_UTF8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Decodes one code point of s[0..len), len > 0. Returns its byte length,
 * or -1 on invalid UTF-8 (then *c is undefined). */
static inline int ac_utf8_next(const char *s, size_t len, int32_t *c)
{
	const unsigned char *p = (const unsigned char *)s;
	uint32_t v = p[0];
	int extra;

	if (v < 0x80) {
		*c = (int32_t)v;
		return 1;
	}
	if (v >= 0xc2 && v <= 0xdf)
		extra = 1, v &= 0x1f;
	else if (v >= 0xe0 && v <= 0xef)
		extra = 2, v &= 0x0f;
	else if (v >= 0xf0 && v <= 0xf4)
		extra = 3, v &= 0x07;
	else
		return -1;
	if (len <= (size_t)extra)
		return -1;
	for (int k = 1; k <= extra; k++) {
		if ((p[k] & 0xc0) != 0x80)
			return -1;
		v = (v << 6) | (p[k] & 0x3f);
	}
	/* overlongs, surrogates and > U+10FFFF are not UTF-8 */
	if ((extra == 2 && v < 0x800) || (extra == 3 && v < 0x10000) ||
	    (v >= 0xd800 && v <= 0xdfff) || v > 0x10ffff)
		return -1;
	*c = (int32_t)v;
	return extra + 1;
}

/* Decodes the code point at *pp of text known to be valid UTF-8 and moves
 * *pp past it. */
static inline uint32_t ac_utf8_next_valid(const unsigned char **pp)
{
	const unsigned char *p = *pp;
	uint32_t c = *p;

	if (c < 0x80) {
		*pp = p + 1;
		return c;
	}
	if (c < 0xe0) {
		*pp = p + 2;
		return ((c & 0x1f) << 6) | (p[1] & 0x3f);
	}
	if (c < 0xf0) {
		*pp = p + 3;
		return ((c & 0x0f) << 12) | ((p[1] & 0x3f) << 6) |
		       (p[2] & 0x3f);
	}
	*pp = p + 4;
	return ((c & 0x07) << 18) | ((p[1] & 0x3f) << 12) |
	       ((p[2] & 0x3f) << 6) | (p[3] & 0x3f);
}

/* How many leading bytes of s[0..len) are ASCII (len for ASCII text):
 * sixteen bytes a step. */
size_t ac_ascii_prefix(const char *s, size_t len);

/* Offset of the first byte of s[0..len) that does not start a valid
 * UTF-8 sequence, or len. */
size_t ac_utf8_invalid_at(const char *s, size_t len);

/* The same, stopping at a NUL byte too: the end of s[0..len) as a C string
 * of valid UTF-8 (len when it is one). One pass where strlen and a check
 * took two. */
size_t ac_utf8_text_end(const char *s, size_t len);

static inline bool ac_utf8_valid(const char *s, size_t len)
{
	return ac_utf8_invalid_at(s, len) == len;
}

/* Decodes in[0..len) into out (room for len code points). Returns the
 * number of code points, or -1 on invalid UTF-8. */
long ac_utf8_decode(const char *in, size_t len, uint32_t *out);

/* Code points in valid UTF-8 s[0..len) (Python's len()). */
size_t ac_utf8_count(const char *s, size_t len);

/* Start of the code point that ends at byte offset i of valid UTF-8 s
 * (i > 0). */
static inline size_t ac_utf8_prev(const char *s, size_t i)
{
	do
		i--;
	while (i > 0 && ((unsigned char)s[i] & 0xc0) == 0x80);
	return i;
}

/* Bytes that code point c takes. */
static inline int ac_utf8_len(uint32_t c)
{
	return c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4;
}

/* Writes c (a scalar value) to out; returns the bytes written (1..4). */
int ac_utf8_encode(uint32_t c, char *out);

#endif /* AUTOCUE_UTF8_H */

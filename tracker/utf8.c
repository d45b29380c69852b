// SPDX-License-Identifier: MIT
/* utf8.c - whole-string UTF-8 checks and conversions, built on the step
 * decoders of utf8.h. */
#include <string.h>
#include "sse2.h"
#include "utf8.h"

/* Offset of the first byte with its top bit set in s[i..len) (with nul,
 * or a NUL byte), or len. Transcripts and scripts are mostly ASCII:
 * sixteen bytes a step (SSE2 is x86-64's baseline), eight elsewhere, and
 * the tail as one last overlapping block rather than byte by byte (a byte
 * checked twice is still ASCII). */
#ifdef __SSE2__
static inline int high_stop(__m128i v)
{
	return _mm_movemask_epi8(v);
}

static inline int high_or_nul_stop(__m128i v)
{
	return _mm_movemask_epi8(v) |
	       _mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_setzero_si128()));
}
#endif

static inline __attribute__((always_inline)) size_t
ascii_run(const char *s, size_t i, size_t len, bool nul)
{
#ifdef __SSE2__
	if (len - i >= 16)
		return ac_sse2_first(s, i, len,
				     nul ? high_or_nul_stop : high_stop);
#endif
	if (len - i >= 8) {
		for (;;) {
			const uint64_t ones = 0x0101010101010101ULL;
			uint64_t eight, stop;

			memcpy(&eight, s + i, 8);
			stop = eight;
			/* a zero byte sets its top bit in (x - 1) & ~x */
			if (nul)
				stop |= (eight - ones) & ~eight;
			if (stop & 0x8080808080808080ULL)
				break;
			if (len - i <= 8)
				return len;
			i = len - i >= 16 ? i + 8 : len - 8;
		}
	}
	while (i < len && (unsigned char)s[i] < 0x80 && (!nul || s[i]))
		i++;
	return i;
}

static inline __attribute__((always_inline)) size_t
invalid_at(const char *s, size_t len, bool nul)
{
	size_t i = 0;
	int32_t c;
	int n;

	while ((i = ascii_run(s, i, len, nul)) < len) {
		if (!s[i])
			return i;	/* a NUL stopped the run */
		n = ac_utf8_next(s + i, len - i, &c);
		if (n < 0)
			return i;
		i += (size_t)n;
	}
	return len;
}

size_t ac_ascii_prefix(const char *s, size_t len)
{
	return ascii_run(s, 0, len, false);
}

size_t ac_utf8_invalid_at(const char *s, size_t len)
{
	return invalid_at(s, len, false);
}

size_t ac_utf8_text_end(const char *s, size_t len)
{
	return invalid_at(s, len, true);
}

long ac_utf8_decode(const char *in, size_t len, uint32_t *out)
{
	size_t i = 0;
	long n = 0;
	int32_t c;
	int k;

	while (i < len) {
		if ((unsigned char)in[i] < 0x80) {
			out[n++] = (unsigned char)in[i++];
			continue;
		}
		k = ac_utf8_next(in + i, len - i, &c);
		if (k < 0)
			return -1;
		out[n++] = (uint32_t)c;
		i += (size_t)k;
	}
	return n;
}

size_t ac_utf8_count(const char *s, size_t len)
{
	size_t n = 0;

	/* every byte but a continuation byte starts a code point */
	for (size_t i = 0; i < len; i++)
		n += ((unsigned char)s[i] & 0xc0) != 0x80;
	return n;
}

int ac_utf8_encode(uint32_t c, char *out)
{
	unsigned char *b = (unsigned char *)out;

	if (c < 0x80) {
		b[0] = (unsigned char)c;
		return 1;
	}
	if (c < 0x800) {
		b[0] = (unsigned char)(0xc0 | c >> 6);
		b[1] = (unsigned char)(0x80 | (c & 0x3f));
		return 2;
	}
	if (c < 0x10000) {
		b[0] = (unsigned char)(0xe0 | c >> 12);
		b[1] = (unsigned char)(0x80 | (c >> 6 & 0x3f));
		b[2] = (unsigned char)(0x80 | (c & 0x3f));
		return 3;
	}
	b[0] = (unsigned char)(0xf0 | c >> 18);
	b[1] = (unsigned char)(0x80 | (c >> 12 & 0x3f));
	b[2] = (unsigned char)(0x80 | (c >> 6 & 0x3f));
	b[3] = (unsigned char)(0x80 | (c & 0x3f));
	return 4;
}

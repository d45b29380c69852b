// SPDX-License-Identifier: MIT
/* utf8.c - whole-string UTF-8 checks and conversions, built on the step
 * decoders of utf8.h. */
#include <string.h>

#include "utf8.h"

size_t ac_utf8_invalid_at(const char *s, size_t len)
{
	size_t i = 0;
	int32_t c;
	int n;

	while (i < len) {
		uint64_t eight;

		/* transcripts are mostly ASCII: eight bytes a step while
		 * none has its top bit set */
		if (len - i >= 8) {
			memcpy(&eight, s + i, 8);
			if (!(eight & 0x8080808080808080ULL)) {
				i += 8;
				continue;
			}
		}
		if ((unsigned char)s[i] < 0x80) {
			i++;
			continue;
		}
		n = ac_utf8_next(s + i, len - i, &c);
		if (n < 0)
			return i;
		i += (size_t)n;
	}
	return len;
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

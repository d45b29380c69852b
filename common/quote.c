// SPDX-License-Identifier: MIT
/* Quoting input for messages: see quote.h. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include "quote.h"

/* Length of the valid UTF-8 sequence at s (at most n bytes) and its code
 * point, or 0 when the bytes there are not one (overlong forms,
 * surrogates and values past U+10FFFF are not). */
static size_t utf8_seq(const unsigned char *s, size_t n, uint32_t *cp)
{
	size_t len;
	uint32_t c, min;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	} else if ((s[0] & 0xe0) == 0xc0) {
		len = 2, c = s[0] & 0x1f, min = 0x80;
	} else if ((s[0] & 0xf0) == 0xe0) {
		len = 3, c = s[0] & 0x0f, min = 0x800;
	} else if ((s[0] & 0xf8) == 0xf0) {
		len = 4, c = s[0] & 0x07, min = 0x10000;
	} else {
		return 0;
	}
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return len;
}

static bool bidi_control(uint32_t c)
{
	return (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069);
}

/* The escape for the byte or code point at s, or "" to copy it. */
static size_t escape_at(const unsigned char *s, size_t n, char *esc,
			size_t *used)
{
	uint32_t c;
	size_t len = utf8_seq(s, n, &c);

	*used = len ? len : 1;
	if (!len)
		return (size_t)snprintf(esc, 16, "\\x%02x", s[0]);
	if (c < 0x20 || c == 0x7f)
		return (size_t)snprintf(esc, 16, "\\x%02x", c);
	if (c >= 0x80 && c <= 0x9f)	/* C2 80..C2 9F */
		return (size_t)snprintf(esc, 16, "\\x%02x\\x%02x", s[0], s[1]);
	if (bidi_control(c))
		return (size_t)snprintf(esc, 16, "\\u{%04x}", c);
	return 0;
}

char *ac_quote_n(char *buf, size_t size, const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t o = 0, i = 0;

	if (!buf || size < 8)
		return buf;
	while (i < n) {
		char esc[16];
		size_t used, elen = escape_at(s + i, n - i, esc, &used);
		const char *piece = elen ? esc : (const char *)s + i;
		size_t plen = elen ? elen : used;

		/* room for the piece and, if more follows, "..." */
		if (o + plen + (i + used < n ? 3 : 0) >= size) {
			while (o + 3 >= size)	/* never reached: size >= 8 */
				o--;
			memcpy(buf + o, "...", 3);
			o += 3;
			break;
		}
		memcpy(buf + o, piece, plen);
		o += plen;
		i += used;
	}
	buf[o] = '\0';
	return buf;
}

static bool needs_quoting(const char *s, size_t n)
{
	char esc[16];
	size_t used;

	for (size_t i = 0; i < n; i += used)
		if (escape_at((const unsigned char *)s + i, n - i, esc, &used))
			return true;
	return false;
}

const char *ac_unsafe_option(int argc, char *const argv[],
			     bool stop_at_operand)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "--"))
			break;
		if (a[0] != '-' || !a[1]) {
			if (stop_at_operand)
				break;
			continue;
		}
		/* --name[=value]: the name; -x...: the first letter (the
		 * rest may be its value, which the caller quotes itself) */
		if (a[1] == '-' ? needs_quoting(a + 2, strcspn(a + 2, "="))
				: needs_quoting(a + 1, 1))
			return a;
	}
	return NULL;
}

char *ac_quote(char *buf, size_t size, const char *s)
{
	if (!s)
		s = "(null)";
	return ac_quote_n(buf, size, s, strlen(s));
}

// SPDX-License-Identifier: MIT
/*
 * Python's  re.sub(r'[^\w\s]', '', word.lower()).strip()  without allocating.
 *
 * str.lower() is the full case mapping. The only unconditional multi-code-
 * point lower-case mapping is U+0130 -> "i" U+0307, and U+0307 (a mark) is
 * not a word character, so the simple mapping plus the deletion gives the
 * same text. The one context-dependent rule Python applies is Final_Sigma.
 */
#include <stdbool.h>
#include <stdint.h>

#include <utf8proc.h>

#include "normalize.h"
#include "punct.h"
#include "utf8.h"

static bool is_case_ignorable(int32_t c)
{
	switch (c) {
	/* Word_Break MidLetter, MidNumLet, Single_Quote */
	case 0x27: case 0x2e: case 0x3a: case 0xb7: case 0x387: case 0x55f:
	case 0x5f4: case 0x2018: case 0x2019: case 0x2024: case 0x2027:
	case 0xfe13: case 0xfe52: case 0xfe55: case 0xff07: case 0xff0e:
	case 0xff1a:
		return true;
	}
	switch (utf8proc_category(c)) {
	case UTF8PROC_CATEGORY_MN:
	case UTF8PROC_CATEGORY_ME:
	case UTF8PROC_CATEGORY_CF:
	case UTF8PROC_CATEGORY_LM:
	case UTF8PROC_CATEGORY_SK:
		return true;
	default:
		return false;
	}
}

static bool is_cased(int32_t c)
{
	switch (utf8proc_category(c)) {
	case UTF8PROC_CATEGORY_LU:
	case UTF8PROC_CATEGORY_LL:
	case UTF8PROC_CATEGORY_LT:
		return true;
	default:
		/* Other_Lowercase/Other_Uppercase letters: most have a case
		 * mapping; ª and º are the ones that do not */
		return c == 0xaa || c == 0xba || utf8proc_tolower(c) != c ||
		       utf8proc_toupper(c) != c;
	}
}

/* Code point before byte offset i (0 if none); *start gets its offset. */
static int32_t prev_cp(const char *s, size_t i, size_t *start)
{
	int32_t c = 0;

	if (i > 0)
		i = ac_utf8_prev(s, i);
	*start = i;
	ac_utf8_next(s + i, 4, &c);
	return c;
}

/* Python's Final_Sigma test for the capital sigma at bytes [at, at+2):
 * a cased letter before it and none after it, skipping case-ignorables.
 * Input was validated by the caller's forward pass up to at. */
static bool final_sigma(const char *s, size_t len, size_t at)
{
	size_t i = at, j;
	int32_t c = 0;
	int n;
	bool before = false;

	while (i > 0) {
		c = prev_cp(s, i, &i);
		if (!is_case_ignorable(c)) {
			before = is_cased(c);
			break;
		}
	}
	if (!before)
		return false;
	for (j = at + 2; j < len; j += n) {
		n = ac_utf8_next(s + j, len - j, &c);
		if (n < 0)
			return true;
		if (!is_case_ignorable(c))
			return !is_cased(c);
	}
	return true;
}

const unsigned char ac_norm_ascii_kind[128] = {
	['\t'] = AC_NORM_SPACE, ['\n'] = AC_NORM_SPACE, ['\v'] = AC_NORM_SPACE,
	['\f'] = AC_NORM_SPACE, ['\r'] = AC_NORM_SPACE, [0x1c] = AC_NORM_SPACE,
	[0x1d] = AC_NORM_SPACE, [0x1e] = AC_NORM_SPACE, [0x1f] = AC_NORM_SPACE,
	[' '] = AC_NORM_SPACE,
	['0' ... '9'] = AC_NORM_WORD, ['A' ... 'Z'] = AC_NORM_WORD,
	['a' ... 'z'] = AC_NORM_WORD, ['_'] = AC_NORM_WORD,
};

int ac_normalize(const char *in, size_t len, char *out, size_t cap)
{
	size_t i = 0, o = 0, keep_end = 0;
	bool started = false;
	int32_t c;
	int n;

	/* an ASCII byte yields at most one byte, so while the input is ASCII
	 * and the output has room for all of it, no room check a byte */
	if (cap > len) {
		unsigned char b;

		while (i < len && (b = (unsigned char)in[i]) < 0x80) {
			i++;
			if (ac_norm_ascii_kind[b] == AC_NORM_WORD) {
				out[o++] = (char)(b >= 'A' && b <= 'Z' ?
						  b + ('a' - 'A') : b);
				keep_end = o;
				started = true;
			} else if (ac_norm_ascii_kind[b] == AC_NORM_SPACE &&
				   started) {
				out[o++] = (char)b;
			}
		}
	}
	while (i < len) {
		unsigned char b = (unsigned char)in[i];

		if (b < 0x80) {
			i++;
			switch (ac_norm_ascii_kind[b]) {
			case AC_NORM_DROP:
				continue;
			case AC_NORM_SPACE:
				if (!started)
					continue;
				if (o + 1 >= cap)
					return -1;
				out[o++] = (char)b;
				continue;
			default:
				started = true;
				if (o + 1 >= cap)
					return -1;
				out[o++] = (char)(b >= 'A' && b <= 'Z' ?
						  b + ('a' - 'A') : b);
				keep_end = o;
				continue;
			}
		}
		n = ac_utf8_next(in + i, len - i, &c);
		if (n < 0)
			return -1;
		if (c >= 'A' && c <= 'Z')
			c += 'a' - 'A';
		else if (c == 0x3a3)
			c = final_sigma(in, len, i) ? 0x3c2 : 0x3c3;
		else if (c >= 0x80)
			c = utf8proc_tolower(c);
		i += n;
		if (ac_uc_isword(c)) {
			started = true;
		} else if (!ac_uc_isspace(c) || !started) {
			/* leading whitespace is trimmed by never emitting it */
			continue;
		}
		if (o + (size_t)ac_utf8_len((uint32_t)c) >= cap)
			return -1;
		o += (size_t)ac_utf8_encode((uint32_t)c, out + o);
		if (!ac_uc_isspace(c))
			keep_end = o;
	}
	if (cap == 0)
		return -1;
	out[keep_end] = '\0';
	return (int)keep_end;
}

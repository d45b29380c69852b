// SPDX-License-Identifier: MIT
/* test_utf8.c - the utf8 module (strict decoding as Python's decoder,
 * encoding) and the whitespace class the tokenizers split on. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>
#include <utf8proc.h>

#include "punct.h"
#include "utf8.h"

static void test_invalid_at(void **state)
{
	(void)state;
	assert_int_equal(ac_utf8_invalid_at("abc", 3), 3);
	assert_int_equal(ac_utf8_invalid_at("a\xc3\xa9z", 4), 4);
	/* cut short, overlong, overlong, surrogate, above U+10FFFF */
	assert_int_equal(ac_utf8_invalid_at("ab\xc3", 3), 2);
	assert_int_equal(ac_utf8_invalid_at("a\xc1\xbf", 3), 1);
	assert_int_equal(ac_utf8_invalid_at("\xe0\x9f\xbf", 3), 0);
	assert_int_equal(ac_utf8_invalid_at("x\xed\xb0\x80", 4), 1);
	assert_int_equal(ac_utf8_invalid_at("\xf4\x90\x80\x80", 4), 0);
	assert_int_equal(ac_utf8_invalid_at("\xf0\x9f\x98\x80!", 5), 5);
	assert_true(ac_utf8_valid("", 0));
	assert_false(ac_utf8_valid("\x80", 1));
	assert_false(ac_utf8_valid("\xff", 1));
	assert_true(ac_utf8_valid("plain", 5));
}

/* ASCII is checked sixteen (or eight) bytes a step, the tail as an
 * overlapping block: a bad byte, or a good multi-byte character, at every
 * offset of a long ASCII run, and at its end, is found where it is. */
static void test_invalid_in_ascii_runs(void **state)
{
	static const char *const bad[] = { "\x80", "\xff", "\xc3", "\xed\xb0\x80" };
	char buf[64];

	(void)state;
	for (size_t at = 0; at < 40; at++) {
		for (size_t b = 0; b < sizeof(bad) / sizeof(bad[0]); b++) {
			size_t bl = strlen(bad[b]);

			memset(buf, 'a', sizeof(buf));
			memcpy(buf + at, bad[b], bl);
			assert_int_equal(ac_utf8_invalid_at(buf, sizeof(buf)), at);
			/* cut right after it: still found */
			assert_int_equal(ac_utf8_invalid_at(buf, at + bl), at);
		}
		memset(buf, 'a', sizeof(buf));
		memcpy(buf + at, "\xc3\xa9", 2);
		assert_int_equal(ac_utf8_invalid_at(buf, sizeof(buf)), sizeof(buf));
		/* a character cut by the length is invalid where it starts */
		assert_int_equal(ac_utf8_invalid_at(buf, at + 1), at);
	}
	/* every length, every offset of one bad byte in it; a NUL is text
	 * to ac_utf8_invalid_at and the end to ac_utf8_text_end, which
	 * still finds a bad byte before it */
	for (size_t len = 1; len <= sizeof(buf); len++)
		for (size_t at = 0; at < len; at++) {
			memset(buf, 'a', sizeof(buf));
			buf[at] = '\x80';
			assert_int_equal(ac_utf8_invalid_at(buf, len), at);
			assert_int_equal(ac_utf8_text_end(buf, len), at);
			assert_int_equal(ac_ascii_prefix(buf, len), at);
			buf[at] = '\0';
			assert_int_equal(ac_utf8_invalid_at(buf, len), len);
			assert_int_equal(ac_utf8_text_end(buf, len), at);
			if (at + 2 < len) {
				memcpy(buf + at + 1, "\xc3\xa9", 2);
				assert_int_equal(ac_utf8_text_end(buf, len), at);
				buf[at] = 'a';
				assert_int_equal(ac_utf8_text_end(buf, len), len);
				buf[at + 1] = '\xff';
				assert_int_equal(ac_utf8_text_end(buf, len),
						 at + 1);
				memset(buf + at + 1, 'a', 2);
			}
			buf[at] = 'a';
			assert_int_equal(ac_utf8_invalid_at(buf, len), len);
			assert_int_equal(ac_ascii_prefix(buf, len), len);
		}
}

/* Every scalar value survives encode -> strict decode -> valid decode,
 * and the byte counts agree. */
static void test_round_trip(void **state)
{
	(void)state;
	for (uint32_t c = 0; c <= 0x10ffff; c++) {
		char b[4];
		const unsigned char *p = (const unsigned char *)b;
		int32_t got;
		int n;

		if (c >= 0xd800 && c <= 0xdfff)
			continue;
		n = ac_utf8_encode(c, b);
		assert_int_equal(n, ac_utf8_len(c));
		assert_int_equal(ac_utf8_next(b, (size_t)n, &got), n);
		assert_int_equal((uint32_t)got, c);
		assert_int_equal(ac_utf8_next_valid(&p), c);
		assert_ptr_equal(p, (const unsigned char *)b + n);
		assert_int_equal(ac_utf8_count(b, (size_t)n), 1);
		assert_int_equal(ac_utf8_prev(b, (size_t)n), 0);
	}
}

static void test_decode(void **state)
{
	uint32_t out[8];

	(void)state;
	assert_int_equal(ac_utf8_decode("a\xc3\xa9\xe2\x80\x94", 6, out), 3);
	assert_int_equal(out[0], 'a');
	assert_int_equal(out[1], 0xe9);
	assert_int_equal(out[2], 0x2014);
	assert_int_equal(ac_utf8_decode("ok\xff", 3, out), -1);
	assert_int_equal(ac_utf8_decode("\xc3", 1, out), -1);
	assert_int_equal(ac_utf8_decode("\xc0\x80", 2, out), -1);
	assert_int_equal(ac_utf8_decode("\xed\xa0\x80", 3, out), -1);
}

/* The spelled-out list is Python's definition, for every code point. */
static void test_isspace_is_pythons(void **state)
{
	(void)state;
	for (int32_t c = 0; c <= 0x10ffff; c++) {
		const utf8proc_property_t *p = utf8proc_get_property(c);
		bool want = c < 0x80 ?
			(c == ' ' || (c >= 0x09 && c <= 0x0d) ||
			 (c >= 0x1c && c <= 0x1f)) :
			(p->category == UTF8PROC_CATEGORY_ZS ||
			 p->bidi_class == UTF8PROC_BIDI_CLASS_WS ||
			 p->bidi_class == UTF8PROC_BIDI_CLASS_B ||
			 p->bidi_class == UTF8PROC_BIDI_CLASS_S);

		if (ac_uc_isspace(c) != want)
			fail_msg("U+%04X: isspace %d, Python says %d", c,
				 ac_uc_isspace(c), want);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_invalid_at),
		cmocka_unit_test(test_invalid_in_ascii_runs),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_decode),
		cmocka_unit_test(test_isspace_is_pythons),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

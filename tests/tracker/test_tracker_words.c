// SPDX-License-Identifier: MIT
/*
 * test_tracker_words.c - the update's words (tracker/tracker_words.c): a
 * load keeps the normal forms of the leading words it shares with the
 * previous load. Whatever came before, a load must give exactly what a
 * load into a fresh utterance gives: the same words, raw spans, code point
 * counts, normal forms and their code points.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "normalize.h"
#include "split.h"
#include "tracker_int.h"

/* u (loaded after others) against a fresh load of the same text */
static void assert_same_as_fresh(const struct utterance *u, const char *text)
{
	struct utterance f = { 0 };

	assert_int_equal(ac_tk_load_words(&f, text, strlen(text)), 0);
	assert_int_equal(u->n, f.n);
	assert_string_equal(u->text, f.text);
	for (int i = 0; i < f.n; i++) {
		const struct spoken_word *a = &u->w[i], *b = &f.w[i];

		assert_int_equal(a->raw - u->text, b->raw - f.text);
		assert_int_equal(a->rawlen, b->rawlen);
		assert_int_equal(a->rawcp, b->rawcp);
		assert_int_equal(a->normlen, b->normlen);
		assert_string_equal(ac_tk_norm(u, i), ac_tk_norm(&f, i));
		assert_int_equal(a->cp.len, b->cp.len);
		assert_memory_equal(ac_tk_cps(u, i), ac_tk_cps(&f, i),
				    b->cp.len * sizeof(uint32_t));
	}
	ac_tk_utterance_free(&f);
}

static void load_all(const char *const *texts, size_t n)
{
	struct utterance u = { 0 };

	for (size_t i = 0; i < n; i++) {
		assert_int_equal(ac_tk_load_words(&u, texts[i],
						  strlen(texts[i])), 0);
		assert_same_as_fresh(&u, texts[i]);
	}
	ac_tk_utterance_free(&u);
}

static void test_growing_partials(void **state)
{
	static const char *const texts[] = {
		"evening", "evening news", "evening news broadcast",
		"evening news broadcast", "evening news broadcasting",
		"evening new", "Evening new", "evening", "",
		"the quick brown fox", "the quick brown fox jumps over",
		"the slow brown fox jumps over", "the quick",
	};

	(void)state;
	load_all(texts, sizeof(texts) / sizeof(texts[0]));
}

static void test_word_boundaries(void **state)
{
	/* U+2003 (em space) splits, U+2010 (hyphen) does not, and they
	 * share their first two bytes; a word may grow or shrink at a
	 * boundary; case and punctuation change the normal form */
	static const char *const texts[] = {
		"a\xe2\x80\x83" "b c", "a\xe2\x80\x90" "b c", "a\xe2\x80\x83" "b c",
		"don't stop", "don't stop!", "don't", "dont", "DON'T stop",
		"caf\xc3\xa9 au lait", "caf\xc3\xa9" "s au lait", "caf au lait",
		"x  y\t z", "x y z", "x\ty z zz",
	};

	(void)state;
	load_all(texts, sizeof(texts) / sizeof(texts[0]));
}

static void test_random_sequences(void **state)
{
	static const char *const words[] = {
		"one", "One", "two", "twenty-two", "\xc3\xa9t\xc3\xa9", "hmm",
		"a", "I'm", "\xe2\x80\x94", "1,000", "stra\xc3\x9f" "e", "x",
	};
	const size_t nw = sizeof(words) / sizeof(words[0]);
	struct utterance u = { 0 };
	char text[512];
	unsigned seed = 12345;

	(void)state;
	for (int round = 0; round < 2000; round++) {
		size_t len = 0, count;

		/* mostly the previous text with a word added, changed or
		 * cut, as a recogniser's partials go */
		seed = seed * 1103515245u + 12345u;
		if ((seed >> 16) % 4 == 0 || !u.text)
			text[0] = '\0';
		else
			strcpy(text, u.text);
		len = strlen(text);
		seed = seed * 1103515245u + 12345u;
		count = (seed >> 16) % 3;
		if ((seed >> 20) % 5 == 0 && len) {
			/* cut anywhere, but between characters */
			len = (seed >> 8) % len;
			while (len && ((unsigned char)text[len] & 0xc0) == 0x80)
				len--;
			text[len] = '\0';
		}
		for (size_t k = 0; k < count && len < 400; k++) {
			seed = seed * 1103515245u + 12345u;
			len += (size_t)sprintf(text + len, "%s%s",
					       len ? " " : "",
					       words[(seed >> 16) % nw]);
		}
		assert_int_equal(ac_tk_load_words(&u, text, strlen(text)), 0);
		assert_same_as_fresh(&u, text);
	}
	ac_tk_utterance_free(&u);
}

/* word i's normal form and code points are ac_normalize's of its raw
 * bytes */
static void assert_word_norm(const struct utterance *u, int i)
{
	const struct spoken_word *w = &u->w[i];
	char want[256];
	uint32_t cps[256];
	int n = ac_normalize(w->raw, w->rawlen, want, sizeof(want));
	long nc;

	assert_true(n >= 0);
	assert_int_equal(w->normlen, (uint32_t)n);
	assert_string_equal(ac_tk_norm(u, i), want);
	nc = ac_utf8_decode(want, (size_t)n, cps);
	assert_int_equal(w->cp.len, (uint32_t)nc);
	assert_memory_equal(ac_tk_cps(u, i), cps, (size_t)nc * sizeof(*cps));
}

/* The words a load splits are str.split()'s, as split.h's byte-by-byte
 * scan finds them, normalized as ac_normalize does: words of every length around the eight-byte steps,
 * the text's last word among them, joined and cut by ASCII and other
 * whitespace, with control characters, hyphens and letters past ASCII
 * (whose bytes share the first two with a space) inside words. */
static void test_split_as_str_split(void **state)
{
	static const char *const seps[] = {
		" ", "\t", "\x1c", "\x1f", "\n ", "\xe2\x80\x83",
		"\xc2\xa0", "\xe3\x80\x80",
	};
	static const char *const inner[] = {
		"a", "Z", "\x01", "\x7f", "!", "\xe2\x80\x90", "\xc3\xa9",
		"\xe2\x80\x8b", "7", "_", "'", "Q", "@", "[", "`", "{",
		"/", ":", "0", "9",
	};
	struct utterance u = { 0 };
	char text[512];
	unsigned seed = 2024;

	(void)state;
	for (int round = 0; round < 3000; round++) {
		size_t len = 0, words = (size_t)(rand_r(&seed) % 6) + 1;
		const unsigned char *p;
		const unsigned char *w;
		int n = 0;

		for (size_t k = 0; k < words; k++) {
			size_t wl = (size_t)(rand_r(&seed) % 20) + 1;

			if (k)
				len += (size_t)sprintf(text + len, "%s",
					seps[(size_t)rand_r(&seed) % 8]);
			for (size_t c = 0; c < wl; c++)
				len += (size_t)sprintf(text + len, "%s",
					rand_r(&seed) % 4 ? "x" :
					inner[(size_t)rand_r(&seed) % 20]);
		}
		assert_int_equal(ac_tk_load_words(&u, text, len), 0);
		p = (const unsigned char *)u.text;
		while ((w = ac_next_word(&p))) {
			assert_true(n < u.n);
			assert_ptr_equal(u.w[n].raw, (const char *)w);
			assert_int_equal(u.w[n].rawlen, (uint32_t)(p - w));
			assert_word_norm(&u, n);
			n++;
		}
		assert_int_equal(n, u.n);
	}
	ac_tk_utterance_free(&u);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_growing_partials),
		cmocka_unit_test(test_word_boundaries),
		cmocka_unit_test(test_random_sequences),
		cmocka_unit_test(test_split_as_str_split),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

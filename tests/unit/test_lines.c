// SPDX-License-Identifier: MIT
/*
 * The line reader (common/lines.c) cuts lines out of 256 KiB reads: lines
 * that straddle a read come back whole, the limit counts the newline and
 * holds at exactly max_line bytes, a last line without a newline is a line,
 * NULs are kept (the length says so), and a pipe's line comes back before
 * the writer closes it.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "lines.h"

/* a temporary file holding len bytes of data, rewound */
static FILE *file_of(const char *data, size_t len)
{
	FILE *f = tmpfile();

	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fflush(f), 0);
	rewind(f);
	return f;
}

static void test_lines_across_reads(void **state)
{
	/* lines of 1..199 bytes: many straddle the 256 KiB boundaries */
	size_t cap = 1 << 20, len = 0, n = 0;
	char *data = malloc(cap);
	struct ac_lines l = { .max_line = 1 << 20 };

	assert_non_null(data);
	for (size_t k = 1; len + k + 1 < cap; k = k % 199 + 1, n++) {
		memset(data + len, 'a' + (int)(n % 26), k);
		len += k;
		data[len++] = '\n';
	}
	l.f = file_of(data, len);
	for (size_t i = 0, at = 0, k = 1; i < n; i++, k = k % 199 + 1) {
		assert_int_equal(ac_lines_next(&l), 1);
		assert_int_equal(l.len, k + 1);
		assert_memory_equal(l.line, data + at, k + 1);
		assert_int_equal(l.line[l.len], '\0');
		assert_int_equal(l.lineno, (long)i + 1);
		at += k + 1;
	}
	assert_int_equal(ac_lines_next(&l), 0);
	assert_int_equal(ac_lines_next(&l), 0);
	ac_lines_free(&l);
	fclose(l.f);
	free(data);
}

static void test_limit_counts_the_newline(void **state)
{
	static const char data[] = "12345\n123456\n12";
	struct ac_lines l = { .max_line = 6 };

	l.f = file_of(data, sizeof(data) - 1);
	assert_int_equal(ac_lines_next(&l), 1);
	assert_string_equal(l.line, "12345\n");
	assert_int_equal(ac_lines_next(&l), -E2BIG);
	assert_int_equal(l.lineno, 2);
	ac_lines_free(&l);
	fclose(l.f);

	/* the last line, without a newline, up to the limit */
	l = (struct ac_lines){ .max_line = 2, .f = file_of("12", 2) };
	assert_int_equal(ac_lines_next(&l), 1);
	assert_string_equal(l.line, "12");
	assert_int_equal(ac_lines_next(&l), 0);
	ac_lines_free(&l);
	fclose(l.f);
}

static void test_limit_past_a_read(void **state)
{
	/* a line longer than one read: refused, not held whole */
	size_t len = 3 << 18;
	char *data = malloc(len);
	struct ac_lines l = { .max_line = 300000 };

	assert_non_null(data);
	memset(data, 'x', len);
	l.f = file_of(data, len);
	assert_int_equal(ac_lines_next(&l), -E2BIG);
	assert_int_equal(l.lineno, 1);
	assert_true(l.cap <= 2 * l.max_line);
	ac_lines_free(&l);
	fclose(l.f);
	free(data);
}

static void test_nul_kept(void **state)
{
	static const char data[] = "a\0b\nc\n";
	struct ac_lines l = { .max_line = 100 };

	l.f = file_of(data, sizeof(data) - 1);
	assert_int_equal(ac_lines_next(&l), 1);
	assert_int_equal(l.len, 4);
	assert_memory_equal(l.line, "a\0b\n", 4);
	assert_int_equal(ac_lines_next(&l), 1);
	assert_string_equal(l.line, "c\n");
	assert_int_equal(ac_lines_next(&l), 0);
	ac_lines_free(&l);
	fclose(l.f);
}

static void test_pipe_line_before_close(void **state)
{
	int fd[2];
	struct ac_lines l = { .max_line = 100 };

	/* a live recogniser: the line is there while the writer still
	 * holds the pipe open (a read that waited for 256 KiB would hang) */
	assert_int_equal(pipe(fd), 0);
	assert_int_equal(write(fd[1], "one\ntw", 6), 6);
	l.f = fdopen(fd[0], "r");
	assert_non_null(l.f);
	assert_int_equal(ac_lines_next(&l), 1);
	assert_string_equal(l.line, "one\n");
	assert_int_equal(write(fd[1], "o\n", 2), 2);
	assert_int_equal(ac_lines_next(&l), 1);
	assert_string_equal(l.line, "two\n");
	close(fd[1]);
	assert_int_equal(ac_lines_next(&l), 0);
	ac_lines_free(&l);
	fclose(l.f);
}

static void test_read_error(void **state)
{
	struct ac_lines l = { .max_line = 100 };

	/* a directory opens, and its reads fail with EISDIR */
	l.f = fopen("/", "r");
	assert_non_null(l.f);
	assert_int_equal(ac_lines_next(&l), -EISDIR);
	ac_lines_free(&l);
	fclose(l.f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lines_across_reads),
		cmocka_unit_test(test_limit_counts_the_newline),
		cmocka_unit_test(test_limit_past_a_read),
		cmocka_unit_test(test_nul_kept),
		cmocka_unit_test(test_pipe_line_before_close),
		cmocka_unit_test(test_read_error),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

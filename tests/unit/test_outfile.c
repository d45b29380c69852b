// SPDX-License-Identifier: MIT
/*
 * All-or-nothing output files (user/outputs/outfile.c): a regular file is
 * replaced whole by a rename; a path that is not a regular file (a FIFO
 * here, /dev/null in `--raw /dev/null`) is written in place and stays what
 * it was: renamed over, /dev/null became a regular file for every process
 * on the machine.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>
#include "outfile.h"

static int print_hello(FILE *f, const void *arg)
{
	return fputs(arg, f) < 0 ? -EIO : 0;
}

static void test_regular_file_replaced(void **state)
{
	char dir[] = "/tmp/outfile.XXXXXX", path[64], tmp[80], buf[32] = "";
	struct stat st;
	FILE *f;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/out", dir);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	assert_int_equal(ac_outfile_write(path, print_hello, "one"), 0);
	assert_int_equal(ac_outfile_write(path, print_hello, "two"), 0);
	f = fopen(path, "r");
	assert_non_null(f);
	assert_non_null(fgets(buf, sizeof(buf), f));
	fclose(f);
	assert_string_equal(buf, "two");
	assert_int_equal(stat(tmp, &st), -1);
	unlink(path);
	rmdir(dir);
}

static void test_fifo_written_in_place(void **state)
{
	char dir[] = "/tmp/outfile.XXXXXX", path[64], tmp[80], buf[32] = "";
	struct stat st;
	pid_t pid;
	int status, fd;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/fifo", dir);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	assert_int_equal(mkfifo(path, 0600), 0);
	/* the reader first, not blocking: the writer's open does not wait,
	 * and what it wrote waits in the pipe (renamed over, the FIFO would
	 * get nothing) */
	fd = open(path, O_RDONLY | O_NONBLOCK);
	assert_true(fd >= 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(ac_outfile_write(path, print_hello, "through") ? 1 : 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_true(read(fd, buf, sizeof(buf) - 1) > 0);
	close(fd);
	assert_string_equal(buf, "through");
	/* still a FIFO, and nothing left beside it */
	assert_int_equal(lstat(path, &st), 0);
	assert_true(S_ISFIFO(st.st_mode));
	assert_int_equal(stat(tmp, &st), -1);
	unlink(path);
	rmdir(dir);
}

static void test_abort_in_place(void **state)
{
	char dir[] = "/tmp/outfile.XXXXXX", path[64];
	struct ac_outfile o;
	struct stat st;
	int fd;

	/* opened in place (a FIFO with a reader), aborted: closed, kept */
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/fifo", dir);
	assert_int_equal(mkfifo(path, 0600), 0);
	fd = open(path, O_RDONLY | O_NONBLOCK);
	assert_true(fd >= 0);
	assert_int_equal(ac_outfile_open(&o, path), 0);
	assert_non_null(o.f);
	ac_outfile_abort(&o);
	assert_null(o.f);
	close(fd);
	assert_int_equal(lstat(path, &st), 0);
	assert_true(S_ISFIFO(st.st_mode));
	unlink(path);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_regular_file_replaced),
		cmocka_unit_test(test_fifo_written_in_place),
		cmocka_unit_test(test_abort_in_place),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

// SPDX-License-Identifier: MIT
/*
 * follow_bench - what a fork, or a fork and exec, costs the process that
 * makes it: N of them, each timed (CLOCK_MONOTONIC) from the fork to the
 * child reaped; prints the median and the 90th percentile in us. Run
 * bare, under autocue-trace with and without --follow, and under
 * strace -f, by bench/follow_cost.sh.
 *
 *   follow_bench fork N              fork; the child exits at once
 *   follow_bench exec N PROG [ARGS]  fork; the child exec's PROG ARGS
 *   follow_bench each N DIR [ARGS]   fork; child i exec's DIR/prog-i ARGS:
 *                                    an image not seen before each time
 * It carries a probe pair of its own (bench_iteration, around each
 * iteration), so that autocue-trace takes it as a command.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "autocue_usdt.h"

AUTOCUE_PROBE(bench_iteration);

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* one fork (and exec of prog, if given), until the child is reaped */
static int iteration(char *prog, char **argv)
{
	int st;
	pid_t pid;

	AUTOCUE_TRACE(bench_iteration);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		if (prog) {
			argv[0] = prog;
			execv(prog, argv);
		}
		_exit(prog ? 127 : 0);
	}
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st))
		return -1;
	return 0;
}

int main(int argc, char **argv)
{
	char path[4096], *prog = NULL;
	long n;
	double *t;

	if (argc < 3 || (strcmp(argv[1], "fork") && argc < 4)) {
		fprintf(stderr, "usage: follow_bench fork|exec|each N [PROG|DIR [ARGS...]]\n");
		return 2;
	}
	n = atol(argv[2]);
	t = calloc(n > 0 ? n : 1, sizeof(*t));
	if (!t || n < 1)
		return 2;
	for (long i = 0; i < n; i++) {
		double t0 = now_us();

		if (!strcmp(argv[1], "each")) {
			snprintf(path, sizeof(path), "%s/prog-%ld", argv[3], i);
			prog = path;
		} else if (!strcmp(argv[1], "exec")) {
			prog = argv[3];
		}
		if (iteration(prog, argv + 3)) {
			fprintf(stderr, "follow_bench: iteration %ld failed\n", i);
			return 1;
		}
		t[i] = now_us() - t0;
	}
	qsort(t, n, sizeof(*t), cmp);
	printf("median_us %.1f p90_us %.1f\n", t[n / 2], t[n * 9 / 10]);
	return 0;
}

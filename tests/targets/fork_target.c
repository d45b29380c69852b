// SPDX-License-Identifier: MIT
/*
 * fork_target - known numbers of calls in processes and threads it makes,
 * for --follow and --per-thread.
 *
 *   fork_target [-n N] [-f K] [-e PROG [ARGS...]] [-t T] [-w]
 *     -n N  calls of fork_work in each worker (default 100)
 *     -f K  fork K children; child i (1..K) makes N * i calls; the parent
 *           makes N calls itself after they exit
 *     -t T  T threads named "worker-1".."worker-T"; thread i makes N * i
 *           calls (the main thread none)
 *     -e PROG ARGS  then fork a child that exec's PROG ARGS (a different
 *           program), and wait for it
 *     -w    print "ready" and wait for a line on stdin first
 *     -x    exec PROG ARGS (-e) in this process, after the rest
 * Without -f and -t, the process makes N calls.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "autocue_usdt.h"

AUTOCUE_PROBE(fork_work);

static volatile unsigned long sink;

static __attribute__((noinline)) void fork_work(void)
{
	AUTOCUE_TRACE(fork_work);
	for (int i = 0; i < 200; i++)
		sink += i;
}

static void calls(long n)
{
	for (long i = 0; i < n; i++)
		fork_work();
}

struct worker {
	pthread_t th;
	int i;
	long n;
};

static void *thread_main(void *arg)
{
	struct worker *w = arg;
	char name[16];

	/* named before the first call: rows read it */
	snprintf(name, sizeof(name), "worker-%d", w->i);
	pthread_setname_np(pthread_self(), name);
	calls(w->n * w->i);
	return NULL;
}

static int wait_child(pid_t pid)
{
	int st;

	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st))
		return 1;
	return 0;
}

int main(int argc, char **argv)
{
	long n = 100, forks = 0, threads = 0;
	char **exec_argv = NULL, line[16];
	int opt, ret = 0, wait = 0, exec_self = 0;

	while ((opt = getopt(argc, argv, "+n:f:t:e:wx")) != -1) {
		switch (opt) {
		case 'n': n = atol(optarg); break;
		case 'f': forks = atol(optarg); break;
		case 't': threads = atol(optarg); break;
		case 'e': exec_argv = argv + optind - 1; break;
		case 'w': wait = 1; break;
		case 'x': exec_self = 1; break;
		default:
			fprintf(stderr, "usage: fork_target [-n N] [-f K] [-t T] [-w] [-x] [-e PROG ARGS...]\n");
			return 2;
		}
		if (exec_argv)
			break;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (wait) {
		printf("ready\n");
		if (!fgets(line, sizeof(line), stdin))
			return 1;
	}
	for (long i = 1; i <= forks; i++) {
		pid_t pid = fork();

		if (pid < 0)
			return 1;
		if (pid == 0) {
			calls(n * i);
			_exit(0);
		}
		ret |= wait_child(pid);
	}
	if (threads) {
		struct worker *w = calloc(threads, sizeof(*w));

		for (long i = 0; w && i < threads; i++) {
			w[i].i = i + 1;
			w[i].n = n;
			pthread_create(&w[i].th, NULL, thread_main, &w[i]);
		}
		for (long i = 0; w && i < threads; i++)
			pthread_join(w[i].th, NULL);
		free(w);
	}
	if (!threads && !exec_self)
		calls(n);
	if (exec_argv && exec_self) {
		execvp(exec_argv[0], exec_argv);
		return 127;
	}
	if (exec_argv) {
		pid_t pid = fork();

		if (pid < 0)
			return 1;
		if (pid == 0) {
			execvp(exec_argv[0], exec_argv);
			_exit(127);
		}
		ret |= wait_child(pid);
	}
	printf("done\n");
	return ret;
}

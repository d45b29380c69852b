// SPDX-License-Identifier: MIT
/*
 * hot_target - known shares of CPU in known functions inside probe scopes,
 * for autocue-trace record's tests.
 *
 *   hot_target [-t THREADS] [-s SECONDS | -r ROUNDS] [-w]
 *     -t N  threads doing rounds (default 2)
 *     -s S  stop after S seconds (default 3; 0: run until killed)
 *     -r N  do N rounds a thread, then stop (a fixed amount of work: the
 *           benchmark's)
 *     -w    print "ready" and wait for a line on stdin before working
 *
 * One round, per thread: in scope "scope_x", hot_a does 7 units of work,
 * then in the nested scope "scope_y" hot_b does 3 units (so 70% and 30%
 * of the CPU inside scope_x, whatever the preemption: the work is counted
 * in iterations, not time); then, outside any scope, libc's memfrob runs
 * over a buffer (a library function) and kernel_work() reads /dev/zero
 * (time in the kernel). The work itself is mix(), always inlined into
 * both hot functions: an inlined frame above each. At the end it prints
 * "cpu_ns N", the process's CPU time, which sample counts are held to, and
 * "wall_ns N", from the start of main, or with -w from the line that
 * released it (a sampler attached by PID waits on it: bench/record.sh).
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "autocue_usdt.h"

AUTOCUE_PROBE(scope_x);
AUTOCUE_PROBE(scope_y);

#define UNIT 100000	/* iterations: ~0.1 ms */

static double seconds = 3;
static long rounds;	/* > 0: a fixed number instead */
static volatile unsigned long long sink;

static inline __attribute__((always_inline)) unsigned long long
mix(unsigned long long x, long n)
{
	for (long i = 0; i < n; i++) {
		x = x * 6364136223846793005ULL + 1442695040888963407ULL;
		__asm__ volatile("" : "+r"(x));
	}
	return x;
}

__attribute__((noinline)) unsigned long long hot_a(unsigned long long x)
{
	return mix(x, 7 * UNIT);
}

__attribute__((noinline)) unsigned long long hot_b(unsigned long long x)
{
	return mix(x, 3 * UNIT);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

__attribute__((noinline)) static unsigned long long round_in_scope(
	unsigned long long x)
{
	AUTOCUE_TRACE(scope_x);
	x = hot_a(x);
	AUTOCUE_ENTRY(scope_y);
	x = hot_b(x);
	AUTOCUE_RETURN(scope_y);
	return x;
}

__attribute__((noinline)) static void kernel_work(int fd, char *buf,
						   size_t len)
{
	if (read(fd, buf, len) < 0)
		abort();
}

static void *worker(void *arg)
{
	unsigned long long x = (unsigned long)arg;
	double end = now_s() + seconds;
	int fd = open("/dev/zero", O_RDONLY);
	char *buf = malloc(1 << 20);

	if (fd < 0 || !buf)
		abort();
	for (long r = 0; rounds ? r < rounds : !seconds || now_s() < end; r++) {
		x = round_in_scope(x);
		memfrob(buf, 128 << 10);
		kernel_work(fd, buf, 1 << 20);
	}
	free(buf);
	close(fd);
	sink = x;
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t th[64];
	int nthreads = 2, opt;
	bool wait = false;
	struct timespec cpu;
	char line[16];
	double t0 = now_s();

	while ((opt = getopt(argc, argv, "t:s:r:w")) != -1) {
		switch (opt) {
		case 't': nthreads = atoi(optarg); break;
		case 's': seconds = atof(optarg); break;
		case 'r': rounds = atol(optarg); break;
		case 'w': wait = true; break;
		default:
			fprintf(stderr, "usage: hot_target [-t THREADS] [-s SECONDS | -r ROUNDS] [-w]\n");
			return 2;
		}
	}
	if (nthreads < 1 || nthreads > 64)
		return 2;
	if (wait) {
		printf("ready\n");
		fflush(stdout);
		if (!fgets(line, sizeof(line), stdin))
			return 1;
		t0 = now_s();
	}
	for (int i = 0; i < nthreads; i++)
		pthread_create(&th[i], NULL, worker, (void *)(long)(i + 1));
	for (int i = 0; i < nthreads; i++)
		pthread_join(th[i], NULL);
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &cpu);
	printf("cpu_ns %lld\n", cpu.tv_sec * 1000000000LL + cpu.tv_nsec);
	printf("wall_ns %lld\n", (long long)((now_s() - t0) * 1e9));
	return 0;
}

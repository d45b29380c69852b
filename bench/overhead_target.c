// SPDX-License-Identifier: MIT
/*
 * overhead_target - the traced program of `make bench-overhead`. Built three
 * ways from this one file: fast probe sites (default), classic sys/sdt.h
 * sites (-DAUTOCUE_CLASSIC_PROBES) and no probes (-DAUTOCUE_NO_PROBES).
 *
 *   overhead_target loop CALLS BATCHES
 *       warm up, then CALLS calls of the traced, empty bench_call() in
 *       BATCHES timed batches; prints "ns_per_call X" (median batch)
 *   overhead_target busy NS CALLS
 *       CALLS calls of bench_busy(), whose body spins NS ns and times itself
 *       between its probes; prints "inproc_mean_ns X"
 *   overhead_target tick US SECONDS
 *       calls bench_tick() every US microseconds (sleeping between calls)
 *       for at most SECONDS, or until SIGTERM; prints nothing
 *
 * Timing is in-process, CLOCK_MONOTONIC.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>
#include "autocue_usdt.h"

AUTOCUE_PROBE(bench_call);
AUTOCUE_PROBE(bench_busy);
AUTOCUE_PROBE(bench_tick);

#define WARMUP 2000	/* the kernel optimises a fast site after its first hit */

static volatile sig_atomic_t stop;

static unsigned long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static __attribute__((noinline)) void bench_call(void)
{
	AUTOCUE_TRACE(bench_call);
	__asm__ __volatile__("" ::: "memory");
}

static __attribute__((noinline)) unsigned long long bench_busy(unsigned long long ns)
{
	AUTOCUE_TRACE(bench_busy);
	unsigned long long t0 = now_ns(), t;

	while ((t = now_ns()) - t0 < ns)
		;
	return t - t0;
}

static __attribute__((noinline)) void bench_tick(void)
{
	AUTOCUE_TRACE(bench_tick);
	__asm__ __volatile__("" ::: "memory");
}

static int cmp_ull(const void *a, const void *b)
{
	unsigned long long x = *(const unsigned long long *)a;
	unsigned long long y = *(const unsigned long long *)b;

	return (x > y) - (x < y);
}

static int run_loop(long calls, int batches)
{
	unsigned long long *t = calloc(batches, sizeof(*t));
	long per = calls / batches;

	if (!t || per < 1)
		return 2;
	for (int i = 0; i < WARMUP; i++)
		bench_call();
	for (int b = 0; b < batches; b++) {
		unsigned long long t0 = now_ns();

		for (long i = 0; i < per; i++)
			bench_call();
		t[b] = now_ns() - t0;
	}
	qsort(t, batches, sizeof(*t), cmp_ull);
	printf("ns_per_call %.1f\n", (double)t[batches / 2] / per);
	free(t);
	return 0;
}

static int run_busy(unsigned long long ns, long calls)
{
	unsigned long long sum = 0;

	/* no warm-up: the tracer's mean covers every call, so must ours */
	for (long i = 0; i < calls; i++)
		sum += bench_busy(ns);
	printf("inproc_mean_ns %.1f\n", (double)sum / calls);
	return 0;
}

static void on_term(int sig)
{
	stop = 1;
}

static int run_tick(long us, double seconds)
{
	struct sigaction sa = { .sa_handler = on_term };
	struct timespec gap = { us / 1000000, us % 1000000 * 1000 };
	unsigned long long end = now_ns() + (unsigned long long)(seconds * 1e9);

	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	prctl(PR_SET_TIMERSLACK, 1UL);	/* sleep US, not US + 50 */
	while (!stop && now_ns() < end) {
		bench_tick();
		nanosleep(&gap, NULL);
	}
	return 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 4 && !strcmp(argv[1], "loop"))
		return run_loop(atol(argv[2]), atoi(argv[3]));
	if (argc == 4 && !strcmp(argv[1], "busy"))
		return run_busy(strtoull(argv[2], NULL, 10), atol(argv[3]));
	if (argc == 4 && !strcmp(argv[1], "tick"))
		return run_tick(atol(argv[2]), atof(argv[3]));
	fprintf(stderr, "usage: %s loop CALLS BATCHES | busy NS CALLS | tick US SECONDS\n",
		argv[0]);
	return 2;
}

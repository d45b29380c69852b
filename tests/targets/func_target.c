// SPDX-License-Identifier: MIT
/*
 * func_target - plain functions, no probes in them, for --func: a leaf,
 * nesting, recursion, a tail call, a longjmp out of a function; and one
 * USDT scope (batch) around some of them, to mix both kinds of pairs.
 *
 *   func_target [-r ROUNDS] [-t THREADS]
 *
 * One round, per thread: fn_leaf x100 (about 20 us each, inside batch),
 * batch x1, fn_outer x10 (each: fn_inner x3), fn_rec(5) x4 (5 nested calls
 * each), fn_tail_a x10 (each ends in a tail call to fn_tail_b), fn_jump x5
 * (each calls fn_throw, which longjmps back to it: fn_throw never returns).
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include "autocue_usdt.h"

AUTOCUE_PROBE(batch);

static volatile int sink;

static unsigned long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* external and noinline: a symbol of its own, called, not inlined */
__attribute__((noinline)) void fn_leaf(void)
{
	unsigned long long end = now_ns() + 20000;

	while (now_ns() < end)
		;
}

__attribute__((noinline)) void fn_inner(void)
{
	sink++;
}

__attribute__((noinline)) void fn_outer(void)
{
	for (int i = 0; i < 3; i++)
		fn_inner();
}

/* real recursion: the barrier keeps the compiler from making a loop */
__attribute__((noinline)) int fn_rec(int n)
{
	int r;

	if (n <= 1)
		return 1;
	r = fn_rec(n - 1);
	__asm__ volatile("" : "+r"(r) : : "memory");
	return r + 1;
}

__attribute__((noinline)) int fn_tail_b(int x)
{
	sink += x;
	return sink;
}

/* -O2: "jmp fn_tail_b", fn_tail_b returns straight to our caller */
__attribute__((noinline)) int fn_tail_a(int x)
{
	sink++;
	return fn_tail_b(x + 1);
}

static __thread jmp_buf *jb;

__attribute__((noinline)) void fn_throw(void)
{
	sink++;
	longjmp(*jb, 1);
}

__attribute__((noinline)) int fn_jump(void)
{
	jmp_buf here;

	jb = &here;
	if (setjmp(here))
		return 1;
	fn_throw();
	return 0;
}

static void one_round(void)
{
	{
		AUTOCUE_TRACE(batch);

		for (int i = 0; i < 100; i++)
			fn_leaf();
	}
	for (int i = 0; i < 10; i++)
		fn_outer();
	for (int i = 0; i < 4; i++)
		fn_rec(5);
	for (int i = 0; i < 10; i++)
		fn_tail_a(i);
	for (int i = 0; i < 5; i++)
		fn_jump();
}

static int rounds = 1;

static void *worker(void *arg)
{
	for (int r = 0; r < rounds; r++)
		one_round();
	return arg;
}

int main(int argc, char **argv)
{
	int threads = 1, c;
	pthread_t tid[64];

	while ((c = getopt(argc, argv, "r:t:")) != -1) {
		if (c == 'r')
			rounds = atoi(c == 'r' ? optarg : "1");
		else if (c == 't')
			threads = atoi(optarg);
		else
			return 2;
	}
	if (threads < 1 || threads > 64 || rounds < 1)
		return 2;
	for (int i = 1; i < threads; i++)
		pthread_create(&tid[i], NULL, worker, NULL);
	worker(NULL);
	for (int i = 1; i < threads; i++)
		pthread_join(tid[i], NULL);
	printf("done rounds=%d threads=%d\n", rounds, threads);
	return 0;
}

// SPDX-License-Identifier: MIT
/*
 * func_timed - plain functions of known durations, for --func's
 * compensation tests: busy-waits timed in-process, beside the same kinds
 * of nesting as the USDT targets, with USDT scopes inside functions and
 * functions inside USDT scopes.
 *
 *   func_timed [-x] [-r ROUNDS] [-t THREADS]
 *     -x  print "exact NAME MEDIAN_NS" for each function and scope: what
 *         its body took, measured in-process (each call's first two are
 *         left out as a tracer leaves them out: their time holds the
 *         kernel's one-time set-up of the probe sites)
 *
 * Functions fe_* begin with an instruction the kernel's uprobe emulates
 * (push %rbp: a frame pointer asked for), fs_* and the rest with one it
 * single-steps (sub $N,%rsp), as gcc -O2 builds them here; the tests
 * check what the tracer found. One round, per
 * thread: fe_1us x100, fe_10us x50, fe_100us x20, fe_1ms x5, fs_10us x50,
 * fs_100us x20, scope_outer x10 (a USDT scope: 10 us of its own and three
 * fe_20us), fo_outer x10 (a function: 10 us of its own and three USDT
 * scopes usdt_inner of 20 us), fm_outer x10 (10 us and three fs_inner of
 * 20 us), fr_rec(5) x4 (5 nested calls, 5 us of their own each).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "autocue_usdt.h"
#include "spin.h"

AUTOCUE_PROBE(scope_outer);
AUTOCUE_PROBE(usdt_inner);

enum { W_E1US, W_E10US, W_E100US, W_E1MS, W_S10US, W_S100US, W_E20US,
       W_SINNER, W_UINNER, W_SCOPE_SELF, W_FO_SELF, W_FM_SELF, W_REC, W_NR };
static const char *const w_name[W_NR] = { "fe_1us", "fe_10us", "fe_100us",
	"fe_1ms", "fs_10us", "fs_100us", "fe_20us", "fs_inner", "usdt_inner",
	NULL, NULL, NULL, "fr_rec" };

/* each thread's own durations, gathered after the join */
static __thread struct durs *own;
static int exact;

static __attribute__((noinline)) void record(int w, unsigned long long ns)
{
	if (exact)
		durs_add(&own[w], ns);
}

/* push first: a frame pointer, whatever the build's flags */
#define FE(name, id, ns)						\
	__attribute__((noinline, optimize("no-omit-frame-pointer")))	\
	void name(void)							\
	{								\
		record(id, spin(ns));					\
	}
FE(fe_1us, W_E1US, 1000)
FE(fe_10us, W_E10US, 10000)
FE(fe_100us, W_E100US, 100000)
FE(fe_1ms, W_E1MS, 1000000)
FE(fe_20us, W_E20US, 20000)

/* sub first: a stack slot the compiler must keep (volatile), nothing
 * kept in a callee-saved register */
#define FS(name, id, ns)						\
	__attribute__((noinline)) void name(void)			\
	{								\
		volatile unsigned long long d[4];			\
									\
		d[0] = spin(ns);					\
		record(id, d[0]);					\
	}
FS(fs_10us, W_S10US, 10000)
FS(fs_100us, W_S100US, 100000)
FS(fs_inner, W_SINNER, 20000)

static __attribute__((noinline)) void usdt_inner(void)
{
	AUTOCUE_TRACE(usdt_inner);
	record(W_UINNER, spin(20000));
}

/* Their own clock cannot time a whole body: the traced calls' probe cost
 * would be in it; the reader adds three inner calls to the own part. */
static __attribute__((noinline)) void scope_outer(void)
{
	AUTOCUE_TRACE(scope_outer);
	record(W_SCOPE_SELF, spin(10000));
	for (int i = 0; i < 3; i++)
		fe_20us();
}

__attribute__((noinline)) void fo_outer(void)
{
	record(W_FO_SELF, spin(10000));
	for (int i = 0; i < 3; i++)
		usdt_inner();
}

__attribute__((noinline)) void fm_outer(void)
{
	record(W_FM_SELF, spin(10000));
	for (int i = 0; i < 3; i++)
		fs_inner();
}

/* Returns the in-process time of its whole recursion: each level's own
 * 5 us and the levels beneath, as the trace times the call. */
__attribute__((noinline)) unsigned long long fr_rec(int n)
{
	unsigned long long t = spin(5000);

	if (n > 1)
		t += fr_rec(n - 1);
	record(W_REC, t);
	return t;
}

static void one_round(void)
{
	for (int i = 0; i < 100; i++)
		fe_1us();
	for (int i = 0; i < 50; i++)
		fe_10us();
	for (int i = 0; i < 20; i++)
		fe_100us();
	for (int i = 0; i < 5; i++)
		fe_1ms();
	for (int i = 0; i < 50; i++)
		fs_10us();
	for (int i = 0; i < 20; i++)
		fs_100us();
	for (int i = 0; i < 10; i++)
		scope_outer();
	for (int i = 0; i < 10; i++)
		fo_outer();
	for (int i = 0; i < 10; i++)
		fm_outer();
	for (int i = 0; i < 4; i++)
		fr_rec(5);
}

struct job {
	int rounds;
	struct durs own[W_NR];
};

static void *worker(void *arg)
{
	struct job *j = arg;

	own = j->own;
	for (int r = 0; r < j->rounds; r++)
		one_round();
	return NULL;
}

/* Every thread's durations of w, but the first two calls of the first
 * thread (the site's first hits: a tracer leaves them out); the median */
static double median(struct job *jobs, int threads, int w)
{
	struct durs all = { 0 };
	unsigned long long m;

	for (int i = 0; i < threads; i++) {
		struct durs *d = &jobs[i].own[w];
		int skip = i ? 0 : (d->n > 2 ? 2 : 0);

		all.v = realloc(all.v, (all.n + d->n) * sizeof(*all.v));
		if (!all.v)
			abort();
		memcpy(all.v + all.n, d->v + skip, (d->n - skip) * sizeof(*all.v));
		all.n += d->n - skip;
	}
	if (!all.n)
		return 0;
	qsort(all.v, all.n, sizeof(*all.v), cmp_ull);
	m = all.v[all.n / 2];
	free(all.v);
	return m;
}

static void print_exact(struct job *jobs, int threads)
{
	double m[W_NR];

	for (int w = 0; w < W_NR; w++)
		m[w] = median(jobs, threads, w);
	for (int w = 0; w < W_NR; w++)
		if (w_name[w])
			printf("exact %s %.0f\n", w_name[w], m[w]);
	printf("exact scope_outer %.0f\n", m[W_SCOPE_SELF] + 3 * m[W_E20US]);
	printf("exact fo_outer %.0f\n", m[W_FO_SELF] + 3 * m[W_UINNER]);
	printf("exact fm_outer %.0f\n", m[W_FM_SELF] + 3 * m[W_SINNER]);
}

int main(int argc, char **argv)
{
	int threads = 1, rounds = 1, opt;
	pthread_t tid[64];
	struct job *jobs;

	while ((opt = getopt(argc, argv, "xr:t:")) != -1) {
		switch (opt) {
		case 'x': exact = 1; break;
		case 'r': rounds = atoi(optarg); break;
		case 't': threads = atoi(optarg); break;
		default:
			fprintf(stderr, "usage: %s [-x] [-r ROUNDS] [-t THREADS]\n",
				argv[0]);
			return 2;
		}
	}
	if (threads < 1 || threads > 64 || rounds < 0) {
		fprintf(stderr, "func_timed: bad -t or -r\n");
		return 2;
	}
	jobs = calloc(threads, sizeof(*jobs));
	if (!jobs)
		return 1;
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (int i = 0; i < threads; i++) {
		jobs[i].rounds = rounds;
		pthread_create(&tid[i], NULL, worker, &jobs[i]);
	}
	for (int i = 0; i < threads; i++)
		pthread_join(tid[i], NULL);
	if (exact)
		print_exact(jobs, threads);
	printf("done rounds=%d threads=%d\n", rounds, threads);
	return 0;
}

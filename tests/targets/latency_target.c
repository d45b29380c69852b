// SPDX-License-Identifier: MIT
/*
 * latency_target - a traced program with functions of known behaviour, for
 * the BPF and CLI suites and the demo.
 *
 *   latency_target [-w] [-r ROUNDS] [-t THREADS] [-l]
 *     -w  print "ready", wait for a line on stdin before working, and after
 *         working print "done" and wait for EOF (attach-to-running tests)
 *     -m  like -w, but wait inside the traced function "waiting", so a
 *         tracer attaching meanwhile sees a return without its entry
 *     -D N  also call deep(N): N nested traced calls (stack-depth limits)
 *     -x    (one thread) print "exact NAME MEDIAN_NS": the durations of the
 *           work_* and inner bodies measured in-process, and of outer's
 *           own part (outer_self), each after its first two calls, which
 *           a tracer keeps out of its statistics (their time holds the
 *           kernel's one-time set-up of the probe sites)
 *     -l  loop forever
 *
 * One round: work_1us x100, work_10us x50, work_100us x20, work_1ms x5,
 * work_10ms x1, outer x10 (each: inner x3), recurse(5) x4 (5 nested calls
 * each), per thread. Exact counts per round are printed at the end.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "autocue_usdt.h"
#include "spin.h"

AUTOCUE_PROBE(work_1us);
AUTOCUE_PROBE(work_10us);
AUTOCUE_PROBE(work_100us);
AUTOCUE_PROBE(work_1ms);
AUTOCUE_PROBE(work_10ms);
AUTOCUE_PROBE(outer);
AUTOCUE_PROBE(inner);
AUTOCUE_PROBE(recurse);
AUTOCUE_PROBE(round);
AUTOCUE_PROBE(waiting);
AUTOCUE_PROBE(deep);

/* In-process durations of the bodies, for -x (one thread only). */
enum { W_1US, W_10US, W_100US, W_1MS, W_10MS, W_OUTER_SELF, W_INNER, W_NR };
static const char *const w_name[W_NR] = { "work_1us", "work_10us",
	"work_100us", "work_1ms", "work_10ms", "outer_self", "inner" };
static struct durs own[W_NR];
static int exact;

static void record(int w, unsigned long long ns)
{
	if (exact)
		durs_add(&own[w], ns);
}

static void print_exact(void)
{
	for (int w = 0; w < W_NR; w++) {
		if (!own[w].n)
			continue;
		int n = own[w].n > 2 ? own[w].n - 2 : own[w].n;
		unsigned long long *v = own[w].v + (own[w].n - n);

		qsort(v, n, sizeof(*v), cmp_ull);
		printf("exact %s %llu\n", w_name[w], v[n / 2]);
	}
}

#define WORK(name, id, ns)                                                    \
	static __attribute__((noinline)) void name(void)                      \
	{                                                                     \
		AUTOCUE_TRACE(name);                                          \
		record(id, spin(ns));                                         \
	}
WORK(work_1us, W_1US, 1000)
WORK(work_10us, W_10US, 10000)
WORK(work_100us, W_100US, 100000)
WORK(work_1ms, W_1MS, 1000000)
WORK(work_10ms, W_10MS, 10000000)
WORK(inner, W_INNER, 20000)

static __attribute__((noinline)) void outer(void)
{
	AUTOCUE_TRACE(outer);
	/* its own clock cannot time the whole body: the traced calls' probe
	 * cost would be in it; the reader adds three inner calls */
	record(W_OUTER_SELF, spin(10000));
	for (int i = 0; i < 3; i++)
		inner();
}

static __attribute__((noinline)) int recurse(int n)
{
	AUTOCUE_TRACE(recurse);
	spin(5000);
	return n > 1 ? 1 + recurse(n - 1) : 1;
}

static __attribute__((noinline)) int deep(int n)
{
	AUTOCUE_TRACE(deep);
	return n > 1 ? 1 + deep(n - 1) : 1;
}

/* Says "ready" from inside, past its entry probe: a tracer attaching on
 * that word is certain to see this call's return without its entry. */
static __attribute__((noinline)) int waiting(char *line, int len)
{
	AUTOCUE_TRACE(waiting);
	printf("ready %d\n", getpid());
	return fgets(line, len, stdin) != NULL;
}

static void one_round(void)
{
	AUTOCUE_TRACE(round);
	for (int i = 0; i < 100; i++)
		work_1us();
	for (int i = 0; i < 50; i++)
		work_10us();
	for (int i = 0; i < 20; i++)
		work_100us();
	for (int i = 0; i < 5; i++)
		work_1ms();
	work_10ms();
	for (int i = 0; i < 10; i++)
		outer();
	for (int i = 0; i < 4; i++)
		recurse(5);
}

struct job {
	int rounds;
	int forever;
};

static void *worker(void *arg)
{
	struct job *j = arg;

	for (int r = 0; j->forever || r < j->rounds; r++)
		one_round();
	return NULL;
}

int main(int argc, char **argv)
{
	struct job job = { .rounds = 1 };
	int threads = 1, wait = 0, mid = 0, depth = 0, opt;
	pthread_t tid[64];
	char line[64];

	while ((opt = getopt(argc, argv, "wmxr:t:D:l")) != -1) {
		switch (opt) {
		case 'w': wait = 1; break;
		case 'm': wait = mid = 1; break;
		case 'x': exact = 1; break;
		case 'D': depth = atoi(optarg); break;
		case 'r': job.rounds = atoi(optarg); break;
		case 't': threads = atoi(optarg); break;
		case 'l': job.forever = 1; break;
		default:
			fprintf(stderr, "usage: %s [-w|-m] [-x] [-r ROUNDS] [-t THREADS] [-D DEPTH] [-l]\n",
				argv[0]);
			return 2;
		}
	}
	if (threads < 1 || threads > 64 || job.rounds < 0 ||
	    (exact && (threads > 1 || job.forever))) {
		fprintf(stderr, "latency_target: bad -t or -r\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (wait) {
		if (!mid)
			printf("ready %d\n", getpid());
		if (mid ? !waiting(line, sizeof(line)) :
			  !fgets(line, sizeof(line), stdin))
			return 1;
	}
	for (int i = 0; i < threads; i++)
		pthread_create(&tid[i], NULL, worker, &job);
	for (int i = 0; i < threads; i++)
		pthread_join(tid[i], NULL);
	if (depth > 0)
		deep(depth);
	print_exact();
	printf("done rounds=%d threads=%d\n", job.rounds, threads);
	if (wait)
		while (fgets(line, sizeof(line), stdin))
			;
	return 0;
}

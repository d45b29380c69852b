/* SPDX-License-Identifier: MIT */
/* spin.h - busy-waits timed in-process, and the durations a target keeps
 * of them, for the targets of known durations (latency_target,
 * func_timed). */
#ifndef AUTOCUE_TARGETS_SPIN_H
#define AUTOCUE_TARGETS_SPIN_H

#include <stdlib.h>
#include <time.h>

static unsigned long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* Spins ns; returns how long it really took (preemption included). Never
 * inlined: a function that calls it keeps the same first instruction
 * whatever the spin's code (func_timed's kinds of entry). */
static __attribute__((noinline, unused)) unsigned long long
spin(unsigned long long ns)
{
	unsigned long long start = now_ns(), t;

	while ((t = now_ns()) < start + ns)
		;
	return t - start;
}

/* durations of one kind of call, in call order */
struct durs {
	unsigned long long *v;
	int n, cap;
};

static __attribute__((unused)) void durs_add(struct durs *d,
					     unsigned long long ns)
{
	if (d->n == d->cap) {
		d->cap = d->cap ? 2 * d->cap : 256;
		d->v = realloc(d->v, d->cap * sizeof(*d->v));
		if (!d->v)
			abort();
	}
	d->v[d->n++] = ns;
}

static __attribute__((unused)) int cmp_ull(const void *a, const void *b)
{
	unsigned long long x = *(const unsigned long long *)a;
	unsigned long long y = *(const unsigned long long *)b;

	return (x > y) - (x < y);
}

#endif /* AUTOCUE_TARGETS_SPIN_H */

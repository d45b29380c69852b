// SPDX-License-Identifier: MIT
/*
 * Log-linear histogram: bucket bounds (bpf/autocue.h) and percentile
 * estimates (user/hist.c) against exact values computed here.
 */
#include <linux/types.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "autocue.h"
#include "autocue_trace.h"
#include "report.h"

static const int precisions[] = { 1, 2, 3, 4, 6, 8, 10 };
#define NPREC (sizeof(precisions) / sizeof(precisions[0]))
#define LIMIT (1ULL << (AC_MAX_EXP + 1))	/* first clamped value */

static void range(__u32 b, int s, __u64 *lo, __u64 *hi)
{
	ac_bucket_range(b, s, lo, hi);
}

/* v in its bucket's bounds, for every power of two and its neighbours */
static void test_powers_of_two(void **state)
{
	for (size_t k = 0; k < NPREC; k++) {
		int s = precisions[k];

		for (int e = 0; e <= AC_MAX_EXP; e++) {
			for (int d = -1; d <= 1; d++) {
				__u64 v = (1ULL << e) + d, lo, hi;
				__u32 b = ac_bucket(v, s);

				assert_true(b < (__u32)AC_NBUCKETS(s));
				range(b, s, &lo, &hi);
				if (lo > v || v > hi)
					fail_msg("s=%d v=%llu: bucket %u is "
						 "[%llu, %llu]", s,
						 (unsigned long long)v, b,
						 (unsigned long long)lo,
						 (unsigned long long)hi);
			}
		}
	}
}

/* every bucket: contiguous with the next, its own bounds map back to it,
 * and no wider than 2^-S of its lower bound */
static void test_buckets_contiguous(void **state)
{
	for (size_t k = 0; k < NPREC; k++) {
		int s = precisions[k];
		__u32 n = AC_NBUCKETS(s);
		__u64 lo, hi, nlo, nhi;

		range(0, s, &lo, &hi);
		assert_int_equal(lo, 0);
		for (__u32 b = 0; b < n; b++) {
			range(b, s, &lo, &hi);
			assert_true(lo <= hi);
			assert_int_equal(ac_bucket(lo, s), b);
			assert_int_equal(ac_bucket(hi, s), b);
			if (lo >= (1ULL << s) &&
			    ((hi - lo + 1) << s) > lo)
				fail_msg("s=%d bucket %u [%llu, %llu] wider "
					 "than 2^-%d", s, b,
					 (unsigned long long)lo,
					 (unsigned long long)hi, s);
			if (b + 1 == n)
				break;
			range(b + 1, s, &nlo, &nhi);
			if (hi + 1 != nlo)
				fail_msg("s=%d: gap after bucket %u: hi %llu, "
					 "next lo %llu", s, b,
					 (unsigned long long)hi,
					 (unsigned long long)nlo);
		}
		/* the last bucket ends where clamping starts */
		range(n - 1, s, &lo, &hi);
		assert_int_equal(hi, LIMIT - 1);
	}
}

static void test_monotonic(void **state)
{
	for (size_t k = 0; k < NPREC; k++) {
		int s = precisions[k];
		__u32 prev = 0;

		/* dense at the bottom, then a geometric walk to the top */
		for (__u64 v = 0; v < LIMIT; v = v < 4096 ? v + 1 : v + v / 97) {
			__u32 b = ac_bucket(v, s);

			assert_true(b >= prev);
			assert_true(b <= prev + 1 || v >= 4096);
			prev = b;
		}
	}
}

static void test_clamp(void **state)
{
	for (size_t k = 0; k < NPREC; k++) {
		int s = precisions[k];
		__u32 last = AC_NBUCKETS(s) - 1;

		assert_int_equal(ac_bucket(LIMIT - 1, s), last);
		assert_int_equal(ac_bucket(LIMIT, s), last);
		assert_int_equal(ac_bucket(LIMIT + 1, s), last);
		assert_int_equal(ac_bucket(1ULL << 40, s), last);
		assert_int_equal(ac_bucket(UINT64_MAX, s), last);
	}
}

/* small values are exact: one bucket each */
static void test_linear_region(void **state)
{
	for (size_t k = 0; k < NPREC; k++) {
		int s = precisions[k];

		for (__u64 v = 0; v < (1ULL << s); v++) {
			__u64 lo, hi;

			assert_int_equal(ac_bucket(v, s), v);
			range(v, s, &lo, &hi);
			assert_int_equal(lo, v);
			assert_int_equal(hi, v);
		}
	}
}

/* --- percentiles ------------------------------------------------------ */

#define NSAMPLES 100000

/* xorshift64*: the same data on every libc */
static uint64_t rng_state;

static uint64_t rnd(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545F4914F6CDD1DULL;
}

static double rnd01(void)	/* (0, 1) */
{
	return ((rnd() >> 11) + 0.5) / 9007199254740992.0;
}

struct fake {
	struct ac_probe_stats p;
	uint64_t *buckets;
	uint64_t *sorted;
	uint64_t n;
};

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* what the BPF program would have recorded for these durations */
static void fake_build(struct fake *f, uint64_t *v, uint64_t n, int s)
{
	memset(f, 0, sizeof(*f));
	f->buckets = calloc(AC_NBUCKETS(s), sizeof(uint64_t));
	assert_non_null(f->buckets);
	f->p.name = "fake";
	f->p.shift = s;
	f->p.nbuckets = AC_NBUCKETS(s);
	f->p.buckets = f->buckets;
	f->p.min_ns = UINT64_MAX;
	for (uint64_t i = 0; i < n; i++) {
		if (v[i] >= LIMIT)
			v[i] = LIMIT - 1;
		f->buckets[ac_bucket(v[i], s)]++;
		f->p.count++;
		f->p.total_ns += v[i];
		if (v[i] < f->p.min_ns)
			f->p.min_ns = v[i];
		if (v[i] > f->p.max_ns)
			f->p.max_ns = v[i];
	}
	qsort(v, n, sizeof(*v), cmp_u64);
	f->sorted = v;
	f->n = n;
}

static void fake_free(struct fake *f)
{
	free(f->buckets);
}

/* the seed's definition: sorted[int(n * q)], clamped */
static uint64_t exact_q(const struct fake *f, double q)
{
	uint64_t r = (uint64_t)((double)f->n * q);

	return f->sorted[r >= f->n ? f->n - 1 : r];
}

static const double qs[] = { 0.5, 0.9, 0.95, 0.99, 0.999 };

static void check_within(const char *what, uint64_t *v, uint64_t n, int s,
			 double tol)
{
	struct fake f;

	fake_build(&f, v, n, s);
	for (size_t i = 0; i < sizeof(qs) / sizeof(qs[0]); i++) {
		double want = (double)exact_q(&f, qs[i]);
		double got = (double)ac_probe_hist_percentile(&f.p, qs[i]);
		double err = want ? fabs(got - want) / want : fabs(got);

		if (err > tol)
			fail_msg("%s s=%d q=%g: estimate %.0f, exact %.0f "
				 "(%.3f%% off)", what, s, qs[i], got, want,
				 100 * err);
	}
	/* one walk for several quantiles gives each one's value, in any
	 * order (the extremes and a step back included) */
	{
		static const double mixed[] = { 0.5, 0.9, 0.95, 0.99, 0.999,
						0.3, 0, 1, 0.7 };
		enum { NM = sizeof(mixed) / sizeof(mixed[0]) };
		uint64_t all[NM];

		ac_probe_hist_percentiles(&f.p, mixed, NM, all);
		for (int i = 0; i < NM; i++)
			assert_int_equal(all[i],
					 ac_probe_hist_percentile(&f.p, mixed[i]));
	}
	/* with exact figures present, ac_probe_percentile gives them at
	 * their quantiles, and the histogram's elsewhere */
	for (int k = 0; k < AC_EXACT_NQ; k++)
		f.p.exact_q[k] = exact_q(&f, ac_exact_quantiles[k]);
	f.p.nexact = f.n;
	for (int k = 0; k < AC_EXACT_NQ; k++)
		assert_int_equal(ac_probe_percentile(&f.p, ac_exact_quantiles[k]),
				 exact_q(&f, ac_exact_quantiles[k]));
	assert_int_equal(ac_probe_percentile(&f.p, 0.75),
			 ac_probe_hist_percentile(&f.p, 0.75));
	fake_free(&f);
}

static uint64_t *samples(void)
{
	uint64_t *v = malloc(NSAMPLES * sizeof(*v));

	assert_non_null(v);
	return v;
}

static void gen_uniform(uint64_t *v, uint64_t n)
{
	for (uint64_t i = 0; i < n; i++)	/* 1 us .. 10 ms */
		v[i] = 1000 + rnd() % 9999000;
}

static void gen_constant(uint64_t *v, uint64_t n)
{
	for (uint64_t i = 0; i < n; i++)
		v[i] = 123457;
}

static void gen_bimodal(uint64_t *v, uint64_t n)
{
	for (uint64_t i = 0; i < n; i++) {
		/* a fast path near 50 us and a slow one near 20 ms */
		if (rnd() % 10 < 7)
			v[i] = 45000 + rnd() % 10000;
		else
			v[i] = 18000000 + rnd() % 4000000;
	}
}

static void gen_pareto(uint64_t *v, uint64_t n)
{
	for (uint64_t i = 0; i < n; i++)	/* x_m 10 us, alpha 1.2 */
		v[i] = (uint64_t)(10000.0 / pow(rnd01(), 1 / 1.2));
}

static void gen_tiny(uint64_t *v, uint64_t n)
{
	for (uint64_t i = 0; i < n; i++)	/* all in the exact region */
		v[i] = rnd() % 64;
}

static const struct {
	const char *name;
	void (*gen)(uint64_t *, uint64_t);
} dists[] = {
	{ "uniform", gen_uniform }, { "constant", gen_constant },
	{ "bimodal", gen_bimodal }, { "pareto", gen_pareto },
	{ "tiny", gen_tiny },
};

/* the design's promise: within 1% at the default precision */
static void test_percentiles_default(void **state)
{
	uint64_t *v = samples();

	for (size_t d = 0; d < sizeof(dists) / sizeof(dists[0]); d++) {
		rng_state = 0x9E3779B97F4A7C15ULL + d;
		dists[d].gen(v, NSAMPLES);
		check_within(dists[d].name, v, NSAMPLES, AC_DEFAULT_SHIFT,
			     0.01);
	}
	free(v);
}

/* and the header's sharper claim, 2^-(S+1), at every precision */
static void test_percentiles_bound(void **state)
{
	uint64_t *v = samples();

	for (size_t k = 0; k < NPREC; k++) {
		int s = precisions[k];

		for (size_t d = 0; d < sizeof(dists) / sizeof(dists[0]); d++) {
			rng_state = 0x2545F4914F6CDD1DULL + d;
			dists[d].gen(v, NSAMPLES);
			check_within(dists[d].name, v, NSAMPLES, s,
				     ldexp(1, -(s + 1)));
		}
	}
	free(v);
}

static void test_percentile_edges(void **state)
{
	uint64_t v[3] = { 5000000, 1000, 70000000000ULL };	/* > 2^36 */
	struct ac_probe_stats empty = { .name = "empty", .shift = 6 };
	struct fake f;

	assert_int_equal(ac_probe_percentile(NULL, 0.5), 0);
	assert_int_equal(ac_probe_percentile(&empty, 0.5), 0);
	fake_build(&f, v, 3, AC_DEFAULT_SHIFT);
	/* a bucket's midpoint, but never past the exact extremes */
	assert_in_range(ac_probe_hist_percentile(&f.p, 0), 1000, 1007);
	/* 7e10 ns clamps into the last bucket */
	assert_in_range(ac_probe_hist_percentile(&f.p, 1),
			LIMIT - (LIMIT >> (AC_DEFAULT_SHIFT + 1)), LIMIT - 1);
	assert_true(ac_probe_hist_percentile(&f.p, 0.999) <= f.p.max_ns);
	fake_free(&f);
}

/* The kernel's marks (ac_probe_stats.empty, one bit a power of two):
 * walks over the marked ones give what walks over all give, and a
 * walk skips what is marked empty (a count put there is not seen). */
static void test_marked_octaves(void **state)
{
	for (size_t k = 0; k < NPREC; k++) {
		int s = precisions[k];
		uint32_t nb = AC_NBUCKETS(s), end, b;
		uint64_t *bk = calloc(nb, sizeof(*bk)), marks = 0, all = 0;
		uint64_t va[AC_EXACT_NQ], vm[AC_EXACT_NQ];
		struct ac_probe_stats p = { .shift = s, .nbuckets = nb,
					    .buckets = bk, .max_ns = LIMIT };

		assert_non_null(bk);
		/* calls in three powers of two, far apart */
		for (__u64 v = 700; v < 900; v += 7)
			bk[ac_bucket(v, s)] += 3;
		bk[ac_bucket(5000, s)] += 2;
		bk[ac_bucket(30000000, s)] += 1;
		for (b = 0; b < nb; b++)
			if (bk[b]) {
				marks |= 1ULL << (b >> s);
				all += bk[b];
			}
		ac_probe_hist_percentiles(&p, ac_exact_quantiles, AC_EXACT_NQ, va);
		p.empty = ~marks;
		assert_int_equal(ac_probe_hist_sum(&p, 0, nb), all);
		ac_probe_hist_percentiles(&p, ac_exact_quantiles, AC_EXACT_NQ, vm);
		assert_memory_equal(va, vm, sizeof(va));
		/* every run starts in a marked power of two, ends at an
		 * unmarked one (or the end), and the runs cover every call */
		for (b = 0, all = 0; (b = ac_probe_hist_run(&p, b, &end)) < nb;
		     b = end) {
			assert_true(marks >> (b >> s) & 1);
			assert_true(end > b && end <= nb);
			assert_true(end == nb || !(marks >> (end >> s) & 1));
			all += ac_probe_hist_sum(&p, b, end);
		}
		assert_int_equal(all, ac_probe_hist_sum(&p, 0, nb));
		/* a count in a power of two marked empty is not read */
		bk[ac_bucket(1ULL << 33, s)] += 1000;
		assert_int_equal(ac_probe_hist_sum(&p, 0, nb), all);
		p.empty = 0;	/* no marks: every bucket read */
		assert_int_equal(ac_probe_hist_sum(&p, 0, nb), all + 1000);
		free(bk);
	}
}

/* The --hist layout: power-of-two slots from the first to the last that
 * holds a call (empty ones between included), counts folded exactly from
 * the log-linear buckets at every precision, bars scaled to the largest. */
static void test_log2_hist(void **state)
{
	static const char *const want[] = {
		"fake (ns):",
		"[0]                         1 |@@@@@@@                                             |",
		"[1]                         2 |@@@@@@@@@@@@@                                       |",
		"[2, 4)                      1 |@@@@@@@                                             |",
		"[4, 8)                      0 |                                                    |",
		"[512, 1K)                   4 |@@@@@@@@@@@@@@@@@@@@@@@@@@                          |",
		"[1K, 2K)                    0 |                                                    |",
		"[1M, 2M)                    8 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|",
	};
	/* line numbers of want[] in the output: slots 0..21 in order */
	static const int at[] = { 0, 1, 2, 3, 4, 11, 12, 22 };

	for (size_t pi = 0; pi < NPREC; pi++) {
		uint64_t v[] = { 0, 1, 1, 3, 1000, 1023, 512, 700,
				 1500000, 1048576, 2097151, 1100000,
				 1200000, 1300000, 1400000, 2000000 };
		char *buf = NULL, *line, *save = NULL;
		size_t len = 0;
		struct fake f;
		FILE *out;
		int n = 0;

		fake_build(&f, v, sizeof(v) / sizeof(v[0]), precisions[pi]);
		out = open_memstream(&buf, &len);
		assert_non_null(out);
		assert_int_equal(ac_log2_hist_print(out, &f.p), 0);
		fclose(out);
		for (line = strtok_r(buf, "\n", &save); line;
		     line = strtok_r(NULL, "\n", &save), n++)
			for (size_t w = 0; w < sizeof(at) / sizeof(at[0]); w++)
				if (at[w] == n)
					assert_string_equal(line, want[w]);
		assert_int_equal(n, 23);	/* header + 22 slots */
		free(buf);
		fake_free(&f);
	}
	(void)state;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_powers_of_two),
		cmocka_unit_test(test_buckets_contiguous),
		cmocka_unit_test(test_monotonic),
		cmocka_unit_test(test_clamp),
		cmocka_unit_test(test_linear_region),
		cmocka_unit_test(test_percentiles_default),
		cmocka_unit_test(test_percentiles_bound),
		cmocka_unit_test(test_percentile_edges),
		cmocka_unit_test(test_marked_octaves),
		cmocka_unit_test(test_log2_hist),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

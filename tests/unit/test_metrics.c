// SPDX-License-Identifier: MIT
/*
 * Prometheus metrics of a hand-built snapshot (outputs/metrics.c): the
 * text format passes Debian's `promtool check metrics` (parse and lint),
 * OpenMetrics passes prometheus_client's strict parser, every le bucket
 * holds exactly the samples below its edge, the summary's quantiles are
 * within the histogram's precision of the sorted samples, label values
 * are escaped; the protobuf exposition decodes with protobuf-c, its native
 * histogram's _count and _sum are exact and its quantiles (interpolated
 * as Prometheus does) within the stated error of the sorted samples;
 * Accept negotiation and --buckets parsing.
 */
#include <linux/types.h>
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "autocue.h"
#include "autocue_trace.h"
#include "metrics.h"
#include "metrics.pb-c.h"

#define SHIFT	AC_DEFAULT_SHIFT
#define NB	AC_NBUCKETS(SHIFT)
#define NFAST	1000
/* a probe name, comm and binary that need every escape */
#define ODD	"odd\"name\\with\nnewline"

enum { P_FAST, P_NEVER, P_ODD, NPROBES };

struct fixture {
	struct ac_snapshot s;
	struct ac_probe_stats probes[NPROBES];
	uint64_t buckets[NPROBES][NB];
	uint64_t fast[NFAST];
	struct ac_metrics_proc procs[2];
	struct ac_metrics_info info;
	struct ac_metrics_buckets b;
	char dir[64];
};

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* what the read-out would produce for these warm durations */
static void add_probe(struct fixture *fx, int i, const char *name,
		      const uint64_t *v, int n, uint64_t cold)
{
	struct ac_probe_stats *p = &fx->probes[i];

	p->name = name;
	p->shift = SHIFT;
	p->nbuckets = NB;
	p->buckets = fx->buckets[i];
	for (int k = 0; k < n; k++) {
		fx->buckets[i][ac_bucket(v[k], SHIFT)]++;
		p->total_ns += v[k];
		if (!p->count || v[k] < p->min_ns)
			p->min_ns = v[k];
		if (v[k] > p->max_ns)
			p->max_ns = v[k];
		p->count++;
	}
	p->count += cold;
	p->cold_count = cold;
	p->cold_total_ns = cold * 500000;
}

static int setup(void **state)
{
	static const uint64_t odd[] = { 2000000, 3000000 };
	struct fixture *fx = calloc(1, sizeof(*fx));

	assert_non_null(fx);
	/* 0.5 us .. 2 ms, and values exactly on edges (2048, 4096 ns) */
	for (int k = 0; k < NFAST; k++)
		fx->fast[k] = 500 + (uint64_t)k * 7919 % 2000000;
	fx->fast[10] = 2048;
	fx->fast[11] = 4096;
	fx->fast[12] = 4096;
	fx->s = (struct ac_snapshot){
		.pid = 4242, .duration_s = 2.5, .precision = SHIFT,
		.compensated = true, .pair_ns = 3000, .inner_ns = 1250,
		.resolution_ns = 410, .map_bytes = 380000,
		.nprobes = NPROBES, .probes = fx->probes,
	};
	fx->s.lost[AC_LOST_UNMATCHED_RETURN] = 3;
	add_probe(fx, P_FAST, "fast", fx->fast, NFAST, 2);
	add_probe(fx, P_NEVER, "never", NULL, 0, 0);
	add_probe(fx, P_ODD, ODD, odd, 2, 0);
	qsort(fx->fast, NFAST, sizeof(uint64_t), cmp_u64);
	fx->procs[0] = (struct ac_metrics_proc){ "4242", "tracee",
						 fx->probes, false };
	/* invalid UTF-8 and a control byte in a comm */
	fx->procs[1] = (struct ac_metrics_proc){ "exited", "bad\xff\x01\"",
						 fx->probes, true };
	fx->info = (struct ac_metrics_info){
		.binary = "/opt/my \"app\"", .nprocs = 2, .procs = fx->procs,
		.tracer_cpu_s = 0.25,
	};
	assert_int_equal(ac_metrics_buckets_parse("3", &fx->b, NULL, 0), 0);
	strcpy(fx->dir, "/tmp/ac-metrics-XXXXXX");
	assert_non_null(mkdtemp(fx->dir));
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", fx->dir);
	if (system(cmd))
		fprintf(stderr, "could not remove %s\n", fx->dir);
	free(fx);
	return 0;
}

static char *render(struct fixture *fx, bool om, const char *file)
{
	struct ac_outbuf out = {};
	char path[128];
	FILE *f;

	assert_int_equal(ac_metrics_write(&out, &fx->s, &fx->info, &fx->b, om), 0);
	ac_outbuf_write(&out, "", 1);	/* a C string */
	assert_false(out.failed);
	snprintf(path, sizeof(path), "%s/%s", fx->dir, file);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(out.p, f);
	fclose(f);
	return out.p;
}

/* The value of the sample line starting with prefix (the metric name and
 * labels up to the closing brace), -1 when there is none. */
static double sample(const char *text, const char *prefix)
{
	size_t n = strlen(prefix);

	for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : p)
		if (!strncmp(p, prefix, n) && p[n] == ' ')
			return strtod(p + n + 1, NULL);
	return -1;
}

#define FAST_LABELS "probe=\"fast\",pid=\"4242\",comm=\"tracee\"," \
		    "binary=\"/opt/my \\\"app\\\"\""

static void test_promtool(void **state)
{
	struct fixture *fx = *state;
	char cmd[256];

	free(render(fx, false, "text.prom"));
	/* parse errors exit 1, lint problems 3: both fail */
	snprintf(cmd, sizeof(cmd), "promtool check metrics < %s/text.prom",
		 fx->dir);
	assert_int_equal(system(cmd), 0);
}

/* prometheus_client's OpenMetrics parser is strict: it checks the # EOF,
 * counter naming, bucket order, +Inf and _count agreement */
static void test_openmetrics_parser(void **state)
{
	struct fixture *fx = *state;
	char cmd[1024];
	char *om = render(fx, true, "om.txt");

	snprintf(cmd, sizeof(cmd),
		"/usr/bin/python3 -c 'import sys\n"
		"from prometheus_client.openmetrics.parser import text_string_to_metric_families as p\n"
		"fams = list(p(open(sys.argv[1]).read()))\n"
		"names = {f.name: f.type for f in fams}\n"
		"assert names[\"autocue_calls\"] == \"counter\", names\n"
		"assert names[\"autocue_call_duration_seconds\"] == \"histogram\"\n"
		"assert names[\"autocue_call_duration_quantiles_seconds\"] == \"summary\"\n"
		"' %s/om.txt", fx->dir);
	assert_int_equal(system(cmd), 0);
	assert_non_null(strstr(om, "# TYPE autocue_calls counter\n"));
	assert_string_equal(om + strlen(om) - 6, "# EOF\n");
	free(om);
	om = render(fx, false, "text.prom");
	assert_non_null(strstr(om, "# TYPE autocue_calls_total counter\n"));
	assert_null(strstr(om, "# EOF"));
	free(om);
}

/* every le line of "fast": exactly the samples below its edge */
static void test_buckets_exact(void **state)
{
	struct fixture *fx = *state;
	char *text = render(fx, false, "text.prom"), prefix[512];
	int nlines = 0;
	const char *p = text;

	snprintf(prefix, sizeof(prefix),
		 "autocue_call_duration_seconds_bucket{" FAST_LABELS ",le=\"");
	while ((p = strstr(p, prefix))) {
		const char *le = p + strlen(prefix);
		const char *v = strstr(le, "} ");
		uint64_t below = 0, got;

		assert_non_null(v);
		got = strtoull(v + 2, NULL, 10);
		if (!strncmp(le, "+Inf", 4)) {
			below = NFAST;
		} else {
			uint64_t edge = (uint64_t)llround(strtod(le, NULL) * 1e9);

			while (below < NFAST && fx->fast[below] < edge)
				below++;
		}
		assert_int_equal(got, below);
		nlines++;
		p = v;
	}
	assert_int_equal(nlines, ac_metrics_nbuckets(&fx->b));
	assert_int_equal(nlines, (34 - 10) * 8 + 2);
	/* edges are the kernel's, printed exactly */
	assert_true(strstr(text, ",le=\"0.000002048\"} "));
	assert_true(strstr(text, ",le=\"0.000002304\"} "));
	assert_int_equal(sample(text, "autocue_call_duration_seconds_count{"
				FAST_LABELS "}"), NFAST);
	assert_int_equal(sample(text, "autocue_calls_total{" FAST_LABELS "}"),
			 NFAST + 2);
	assert_int_equal(sample(text, "autocue_cold_calls_total{" FAST_LABELS
				"}"), 2);
	/* _sum: the warm total in seconds, exactly */
	{
		uint64_t sum = 0;
		char want[64];

		for (int k = 0; k < NFAST; k++)
			sum += fx->fast[k];
		snprintf(want, sizeof(want), "} %llu.%09llu\n",
			 (unsigned long long)(sum / 1000000000),
			 (unsigned long long)(sum % 1000000000));
		while (want[strlen(want) - 2] == '0') {	/* trailing zeros */
			want[strlen(want) - 2] = '\n';
			want[strlen(want) - 1] = '\0';
		}
		snprintf(prefix, sizeof(prefix),
			 "autocue_call_duration_seconds_sum{" FAST_LABELS "%s",
			 want);
		assert_non_null(strstr(text, prefix));
	}
	free(text);
}

static void test_summary(void **state)
{
	struct fixture *fx = *state;
	char *text = render(fx, false, "text.prom"), prefix[512];
	static const double qs[] = { 0.5, 0.9, 0.95, 0.99, 0.999 };

	for (size_t i = 0; i < sizeof(qs) / sizeof(qs[0]); i++) {
		uint64_t exact = fx->fast[(int)(NFAST * qs[i])];
		double got;

		snprintf(prefix, sizeof(prefix),
			 "autocue_call_duration_quantiles_seconds{" FAST_LABELS
			 ",quantile=\"%g\"}", qs[i]);
		got = sample(text, prefix) * 1e9;
		assert_true(fabs(got - exact) <= exact * ldexp(1, -(SHIFT + 1)) + 1);
	}
	/* a probe never called: NaN quantiles, zero counts, still listed */
	assert_non_null(strstr(text, "autocue_call_duration_quantiles_seconds{probe=\"never\",pid=\"4242\",comm=\"tracee\",binary=\"/opt/my \\\"app\\\"\",quantile=\"0.99\"} NaN\n"));
	free(text);
}

static void test_labels_and_tracer(void **state)
{
	struct fixture *fx = *state;
	char *text = render(fx, false, "text.prom");

	/* quote.h's escapes (no raw control byte, valid UTF-8), then the
	 * format's backslash and quote */
	assert_non_null(strstr(text, "autocue_calls_total{probe=\"odd\\\"name\\\\with\\\\x0anewline\",pid=\"4242\""));
	assert_non_null(strstr(text, "comm=\"bad\\\\xff\\\\x01\\\"\""));
	/* skip_uncalled: the exited group lists only called probes */
	assert_null(strstr(text, "probe=\"never\",pid=\"exited\""));
	assert_non_null(strstr(text, "probe=\"fast\",pid=\"exited\""));
	assert_true(sample(text, "autocue_lost_events_total{binary=\"/opt/my \\\"app\\\"\",reason=\"unmatched_returns\"}") == 3);
	assert_true(sample(text, "autocue_probe_cost_seconds{binary=\"/opt/my \\\"app\\\"\"}") == 3e-6);
	assert_true(sample(text, "autocue_attached_probes{binary=\"/opt/my \\\"app\\\"\"}") == NPROBES);
	assert_true(sample(text, "autocue_bucket_error_ratio{binary=\"/opt/my \\\"app\\\"\"}") == 0.125);
	assert_true(sample(text, "autocue_tracer_cpu_seconds_total{binary=\"/opt/my \\\"app\\\"\"}") == 0.25);
	free(text);
}

/* The delimited protobuf families of a rendering, unpacked; n of them. */
static Io__Prometheus__Client__MetricFamily **unpack_all(struct fixture *fx,
							size_t *n)
{
	static Io__Prometheus__Client__MetricFamily *fam[32];
	struct ac_outbuf out = {};
	size_t at = 0;

	assert_int_equal(ac_metrics_write_protobuf(&out, &fx->s, &fx->info), 0);
	*n = 0;
	while (at < out.len) {
		uint64_t len = 0;
		int shift = 0;

		do {
			assert_true(at < out.len);
			len |= (uint64_t)(out.p[at] & 0x7f) << shift;
			shift += 7;
		} while (out.p[at++] & 0x80);
		assert_true(at + len <= out.len && *n < 32);
		fam[*n] = io__prometheus__client__metric_family__unpack(
			NULL, len, (uint8_t *)out.p + at);
		assert_non_null(fam[*n]);
		(*n)++;
		at += len;
	}
	ac_outbuf_free(&out);
	return fam;
}

static const char *label_of(const Io__Prometheus__Client__Metric *m,
			    const char *name)
{
	for (size_t i = 0; i < m->n_label; i++)
		if (!strcmp(m->label[i]->name, name))
			return m->label[i]->value;
	return NULL;
}

static const Io__Prometheus__Client__Metric *
find(Io__Prometheus__Client__MetricFamily **fam, size_t n, const char *name,
     const char *probe, const char *pid)
{
	for (size_t i = 0; i < n; i++) {
		if (strcmp(fam[i]->name, name))
			continue;
		for (size_t k = 0; k < fam[i]->n_metric; k++) {
			const Io__Prometheus__Client__Metric *m = fam[i]->metric[k];

			if ((!probe || !strcmp(label_of(m, "probe"), probe)) &&
			    (!pid || !strcmp(label_of(m, "pid"), pid)))
				return m;
		}
	}
	return NULL;
}

/* histogram_quantile() of a native histogram as Prometheus 2.42 computes
 * it: the rank's bucket, linearly inside it */
static double native_quantile(const Io__Prometheus__Client__Histogram *h,
			      double q)
{
	double rank = q * h->sample_count, cum = h->zero_count;
	int32_t idx = 0;
	size_t d = 0;
	int64_t count = 0;

	if (rank <= cum)
		return 0;
	for (size_t s = 0; s < h->n_positive_span; s++) {
		idx += h->positive_span[s]->offset;
		for (uint32_t k = 0; k < h->positive_span[s]->length; k++, idx++) {
			double lo = exp2((idx - 1) * exp2(-h->schema));
			double hi = exp2(idx * exp2(-h->schema));

			count += h->positive_delta[d++];
			if (cum + count >= rank)
				return lo + (hi - lo) * (rank - cum) / count;
			cum += count;
		}
	}
	return NAN;
}

static void test_native(void **state)
{
	struct fixture *fx = *state;
	size_t n;
	Io__Prometheus__Client__MetricFamily **fam = unpack_all(fx, &n);
	const Io__Prometheus__Client__Metric *m;
	const Io__Prometheus__Client__Histogram *h;
	double err = ac_metrics_native_error(SHIFT);
	uint64_t sum = 0;

	assert_int_equal(n, AC_FAM_NR);
	m = find(fam, n, "autocue_call_duration_seconds", "fast", "4242");
	assert_non_null(m);
	assert_non_null(m->histogram);
	h = m->histogram;
	assert_int_equal(fam[0]->type, IO__PROMETHEUS__CLIENT__METRIC_TYPE__HISTOGRAM);
	assert_int_equal(h->schema, ac_metrics_native_schema(SHIFT));
	assert_int_equal(h->n_bucket, 0);	/* native only */
	assert_int_equal(h->sample_count, NFAST);
	assert_true(h->sample_sum == fx->probes[P_FAST].total_ns / 1e9);
	for (size_t d = 0, gap = 0; d < h->n_positive_delta; d++) {
		static int64_t count;

		count = d ? count + h->positive_delta[d] : h->positive_delta[d];
		assert_true(count >= 0);
		/* empty buckets only to fill short gaps inside a span */
		gap = count ? 0 : gap + 1;
		assert_true(gap <= 2 && (count || d + 1 < h->n_positive_delta));
		sum += count;
	}
	assert_int_equal(sum + h->zero_count, NFAST);
	for (double q = 0.05; q < 1; q += 0.05) {
		double want = fx->fast[(int)(q * NFAST)] / 1e9;
		double got = native_quantile(h, q);

		if (fabs(got - want) > want * err)
			fail_msg("q %g: native %.9f, exact %.9f: more than %.4f off",
				 q, got, want, err);
	}
	/* a probe never called: still native, for Prometheus 2.42 (a zero
	 * threshold) and later (a span of length 0) */
	m = find(fam, n, "autocue_call_duration_seconds", "never", "4242");
	assert_non_null(m);
	assert_int_equal(m->histogram->sample_count, 0);
	assert_true(m->histogram->zero_threshold > 0);
	assert_int_equal(m->histogram->n_positive_span, 1);
	assert_int_equal(m->histogram->positive_span[0]->length, 0);
	/* counters named as their samples, the rest as in the text format */
	m = find(fam, n, "autocue_calls_total", "fast", "4242");
	assert_non_null(m);
	assert_true(m->counter->value == NFAST + 2);
	m = find(fam, n, "autocue_call_duration_quantiles_seconds", "fast", "4242");
	assert_non_null(m);
	assert_int_equal(m->summary->n_quantile, AC_METRICS_NQ);
	assert_true(m->summary->quantile[3]->value ==
		    ac_probe_hist_percentile(&fx->probes[P_FAST], 0.99) / 1e9);
	m = find(fam, n, "autocue_attached_probes", NULL, NULL);
	assert_non_null(m);
	assert_true(m->gauge->value == NPROBES);
	/* the exited set leaves uncalled probes out, as in the text format */
	assert_null(find(fam, n, "autocue_calls_total", "never", "exited"));
	assert_non_null(find(fam, n, "autocue_calls_total", "fast", "exited"));
	for (size_t i = 0; i < n; i++)
		io__prometheus__client__metric_family__free_unpacked(fam[i], NULL);
}

static void test_accept(void **state)
{
	(void)state;
	/* what Prometheus 2.42 sends */
	assert_int_equal(ac_metrics_negotiate(
		"application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1"),
		AC_METRICS_OPENMETRICS);
	/* and with --enable-feature=native-histograms */
	assert_int_equal(ac_metrics_negotiate(
		"application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited;q=0.8,application/openmetrics-text;version=1.0.0;q=0.7,text/plain;version=0.0.4;q=0.6,*/*;q=0.1"),
		AC_METRICS_PROTOBUF);
	assert_int_equal(ac_metrics_negotiate("application/vnd.google.protobuf; encoding=delimited; proto=io.prometheus.client.MetricFamily"),
			 AC_METRICS_PROTOBUF);
	/* another message or encoding is not ours */
	assert_int_equal(ac_metrics_negotiate("application/vnd.google.protobuf;proto=io.prometheus.client.Other;encoding=delimited"),
			 AC_METRICS_TEXT);
	assert_int_equal(ac_metrics_negotiate("application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=text,application/openmetrics-text;q=0.1"),
			 AC_METRICS_OPENMETRICS);
	assert_int_equal(ac_metrics_negotiate("application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited;q=0.4,text/plain;q=0.5"),
			 AC_METRICS_TEXT);
	assert_int_equal(ac_metrics_negotiate("application/openmetrics-text"),
			 AC_METRICS_OPENMETRICS);
	assert_int_equal(ac_metrics_negotiate(" Application/OpenMetrics-Text ; q=0.9 , text/plain;q=0.8"),
			 AC_METRICS_OPENMETRICS);
	assert_int_equal(ac_metrics_negotiate(NULL), AC_METRICS_TEXT);
	assert_int_equal(ac_metrics_negotiate(""), AC_METRICS_TEXT);
	assert_int_equal(ac_metrics_negotiate("*/*"), AC_METRICS_TEXT);
	assert_int_equal(ac_metrics_negotiate("text/plain"), AC_METRICS_TEXT);
	assert_int_equal(ac_metrics_negotiate("application/openmetrics-text;q=0.1,text/plain;q=0.5"),
			 AC_METRICS_TEXT);
	assert_int_equal(ac_metrics_negotiate("application/openmetrics-text;q=0"),
			 AC_METRICS_TEXT);
	assert_int_equal(ac_metrics_negotiate(",,;;q=,\x01"), AC_METRICS_TEXT);
	assert_int_equal(ac_metrics_negotiate("application/openmetrics-textual"),
			 AC_METRICS_TEXT);
}

static void test_buckets_parse(void **state)
{
	static const char *const bad[] = {
		"", "x", "-1", "11", "3x", "3,1us", "3,10s,1us", "3,1us,100s",
		"3,1,2s", "3,1us,2", "5,16ns,1s", "3,1us,1us", "3,,", "3,1us,2s,",
		"3,nanus,1s", "3,-1us,1s",
	};
	struct ac_metrics_buckets b;
	char err[256];

	(void)state;
	assert_int_equal(ac_metrics_buckets_parse("3,1us,10s", &b, err,
						  sizeof(err)), 0);
	assert_int_equal(b.bits, 3);
	assert_int_equal(b.min_exp, 9);		/* 512 ns <= 1 us */
	assert_int_equal(b.max_exp, 34);	/* 10 s <= 17.2 s */
	assert_int_equal(ac_metrics_nbuckets(&b), 25 * 8 + 2);
	assert_int_equal(ac_metrics_buckets_parse("0,1ms,1s", &b, err,
						  sizeof(err)), 0);
	assert_int_equal(ac_metrics_nbuckets(&b), 11 + 2);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		assert_int_equal(ac_metrics_buckets_parse(bad[i], &b, err,
							  sizeof(err)), -EINVAL);
		assert_non_null(strstr(err, "invalid --buckets"));
		assert_null(strchr(err, '\n'));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_promtool, setup, teardown),
		cmocka_unit_test_setup_teardown(test_openmetrics_parser, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_buckets_exact, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_summary, setup, teardown),
		cmocka_unit_test_setup_teardown(test_labels_and_tracer, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_native, setup, teardown),
		cmocka_unit_test(test_accept),
		cmocka_unit_test(test_buckets_parse),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

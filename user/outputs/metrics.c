// SPDX-License-Identifier: MIT
/* A snapshot as Prometheus metrics: see metrics.h. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <linux/types.h>
#include "autocue.h"
#include "assertions.h"
#include "metrics.h"
#include "quote.h"
#include "report.h"

/* The summary's quantiles: the assertions' and exact mode's set. */
static const double quantiles[] = { 0.5, 0.9, 0.95, 0.99, 0.999 };

/* Labels longer than this are cut by ac_quote() ("..."): a series label
 * set stays bounded whatever a process calls itself. */
#define LABELS_MAX (8 * AC_QUOTE_MAX + 128)

static int parse_dur_ns(const char *s, double *ns)
{
	char *end;
	double v, unit;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || !isfinite(v) || v <= 0)
		return -EINVAL;
	unit = ac_unit_ns(end, strlen(end));
	if (!unit)
		return -EINVAL;
	*ns = v * unit;
	return 0;
}

int ac_metrics_buckets_parse(const char *arg, struct ac_metrics_buckets *b,
			     char *err, size_t errlen)
{
	char buf[64], *min = NULL, *max = NULL, *end;
	double lo, hi;
	long bits;

	*b = (struct ac_metrics_buckets){ AC_METRICS_DEFAULT_BITS,
		AC_METRICS_DEFAULT_MIN_EXP, AC_METRICS_DEFAULT_MAX_EXP };
	if (strlen(arg) >= sizeof(buf))
		goto bad;
	strcpy(buf, arg);
	if ((min = strchr(buf, ','))) {
		*min++ = '\0';
		max = strchr(min, ',');
		if (!max)
			goto bad;
		*max++ = '\0';
	}
	errno = 0;
	bits = strtol(buf, &end, 10);
	if (errno || end == buf || *end || bits < 0 || bits > AC_MAX_SHIFT)
		goto bad;
	b->bits = (int)bits;
	if (min) {
		if (parse_dur_ns(min, &lo) || parse_dur_ns(max, &hi) ||
		    hi <= lo || hi > (double)(1ULL << (AC_MAX_EXP + 1)))
			goto bad;
		/* out to the powers of two around them */
		b->min_exp = (int)floor(log2(lo));
		b->max_exp = (int)ceil(log2(hi));
		if (b->max_exp <= b->min_exp)
			goto bad;
	}
	if (b->min_exp < b->bits) {
		snprintf(err, errlen, "invalid --buckets: %s (with %d bits the "
			 "smallest edge is %llu ns or more)", AC_Q(arg), b->bits,
			 1ULL << b->bits);
		return -EINVAL;
	}
	return 0;
bad:
	snprintf(err, errlen, "invalid --buckets: %s (BITS[,MIN,MAX]: BITS "
		 "0..%d, 2^BITS buckets per power of two; MIN < MAX durations "
		 "up to 68s with ns|us|ms|s, e.g. 3,1us,10s)", AC_Q(arg),
		 AC_MAX_SHIFT);
	return -EINVAL;
}

int ac_metrics_nbuckets(const struct ac_metrics_buckets *b)
{
	return ((b->max_exp - b->min_exp) << b->bits) + 2;
}

/* ns as decimal seconds, exactly: 1024 -> "0.000001024" */
static const char *seconds(char *buf, uint64_t ns)
{
	int n = snprintf(buf, 32, "%llu.%09llu",
			 (unsigned long long)(ns / 1000000000),
			 (unsigned long long)(ns % 1000000000));

	while (buf[n - 1] == '0')
		buf[--n] = '\0';
	if (buf[n - 1] == '.')
		buf[--n] = '\0';
	return buf;
}

/* A label value: quoted as every message quotes input (valid UTF-8 with
 * control bytes as \xHH, which Prometheus requires), then escaped as the
 * format requires (backslash and double quote; no newline is left). */
static void label_value(char *out, size_t size, const char *v)
{
	char q[AC_QUOTE_MAX];
	size_t o = 0;

	ac_quote(q, sizeof(q), v ? v : "");
	for (const char *p = q; *p && o + 3 < size; p++) {
		if (*p == '\\' || *p == '"')
			out[o++] = '\\';
		out[o++] = *p;
	}
	out[o] = '\0';
}

static void probe_labels(char *out, size_t size, const char *probe,
			 const struct ac_metrics_proc *pr, const char *binary)
{
	char n[AC_QUOTE_MAX * 2], p[64], c[AC_QUOTE_MAX * 2],
	     b[AC_QUOTE_MAX * 2];

	label_value(n, sizeof(n), probe);
	label_value(p, sizeof(p), pr->pid);
	label_value(c, sizeof(c), pr->comm);
	label_value(b, sizeof(b), binary);
	snprintf(out, size, "probe=\"%s\",pid=\"%s\",comm=\"%s\",binary=\"%s\"",
		 n, p, c, b);
}

/* HELP and TYPE. OpenMetrics names a counter family without its _total,
 * the text format names it as its samples. */
static void family(FILE *out, const char *name, const char *type,
		   const char *help, bool om)
{
	bool counter = !strcmp(type, "counter");

	fprintf(out, "# HELP %s%s %s\n# TYPE %s%s %s\n", name,
		counter && !om ? "_total" : "", help, name,
		counter && !om ? "_total" : "", type);
}

static bool shown(const struct ac_metrics_proc *pr, int i)
{
	return !pr->skip_uncalled || pr->probes[i].count;
}

static uint64_t warm_in_buckets(const struct ac_probe_stats *p)
{
	uint64_t n = 0;

	for (uint32_t i = 0; i < p->nbuckets; i++)
		n += p->buckets[i];
	return n;
}

/* The exported edges, in ns and as le values: made once a scrape. */
struct edges {
	int n;
	uint64_t *ns;
	char (*le)[32];
};

static int edges_make(struct edges *e, const struct ac_metrics_buckets *b,
		      int shift)
{
	int bits = b->bits < shift ? b->bits : shift;

	e->n = ((b->max_exp - b->min_exp) << bits) + 1;
	e->ns = malloc(e->n * sizeof(*e->ns));
	e->le = malloc(e->n * sizeof(*e->le));
	if (!e->ns || !e->le)
		return -ENOMEM;
	for (int x = b->min_exp, i = 0; x < b->max_exp; x++)
		for (uint64_t j = 0; j < (1ULL << bits); j++, i++)
			e->ns[i] = ((1ULL << bits) + j) << (x - bits);
	e->ns[e->n - 1] = 1ULL << b->max_exp;
	for (int i = 0; i < e->n; i++)
		seconds(e->le[i], e->ns[i]);
	return 0;
}

static void put_u64(FILE *out, uint64_t v)
{
	char buf[24];
	int i = sizeof(buf);

	do
		buf[--i] = (char)('0' + v % 10);
	while (v /= 10);
	fwrite_unlocked(buf + i, 1, sizeof(buf) - i, out);
}

/* The le lines: each edge's cumulative count is a sum of whole kernel
 * buckets, since every edge is one of theirs (bits <= shift). A scrape
 * of a fleet writes hundreds of thousands of them: the line's start is
 * made once a series, the numbers without printf. */
static void histogram(FILE *out, const struct ac_probe_stats *p,
		      const char *labels, const struct edges *e)
{
	char prefix[LABELS_MAX + 64], s[32];
	uint64_t cum = 0;
	__u64 lo, hi;
	uint32_t k = 0;
	int plen;

	plen = snprintf(prefix, sizeof(prefix),
			"autocue_call_duration_seconds_bucket{%s,le=\"", labels);
	if (plen >= (int)sizeof(prefix))
		plen = sizeof(prefix) - 1;
	for (int i = 0; i < e->n; i++) {
		for (; k < p->nbuckets; k++) {
			ac_bucket_range(k, p->shift, &lo, &hi);
			if (lo >= e->ns[i])
				break;
			cum += p->buckets[k];
		}
		fwrite_unlocked(prefix, 1, plen, out);
		fputs_unlocked(e->le[i], out);
		fwrite_unlocked("\"} ", 1, 3, out);
		put_u64(out, cum);
		fputc_unlocked('\n', out);
	}
	for (; k < p->nbuckets; k++)
		cum += p->buckets[k];
	fprintf(out, "autocue_call_duration_seconds_bucket{%s,le=\"+Inf\"} %llu\n"
		"autocue_call_duration_seconds_sum{%s} %s\n"
		"autocue_call_duration_seconds_count{%s} %llu\n",
		labels, (unsigned long long)cum, labels,
		seconds(s, p->total_ns), labels, (unsigned long long)cum);
}

static void summary(FILE *out, const struct ac_probe_stats *p,
		    const char *labels)
{
	uint64_t n = warm_in_buckets(p);
	char s[32];

	for (size_t i = 0; i < sizeof(quantiles) / sizeof(quantiles[0]); i++)
		fprintf(out, "autocue_call_duration_quantiles_seconds{%s,quantile=\"%g\"} %s\n",
			labels, quantiles[i],
			n ? seconds(s, ac_probe_percentile(p, quantiles[i])) :
			    "NaN");
	fprintf(out, "autocue_call_duration_quantiles_seconds_sum{%s} %s\n"
		"autocue_call_duration_quantiles_seconds_count{%s} %llu\n",
		labels, seconds(s, p->total_ns), labels,
		(unsigned long long)n);
}

enum per_probe { HIST, SUMMARY, CALLS, COLD };

static void per_probe(FILE *out, const struct ac_snapshot *s,
		      const struct ac_metrics_info *info,
		      const struct edges *e, enum per_probe what)
{
	char labels[LABELS_MAX];

	for (int k = 0; k < info->nprocs; k++) {
		const struct ac_metrics_proc *pr = &info->procs[k];

		for (int i = 0; i < s->nprobes; i++) {
			const struct ac_probe_stats *p = &pr->probes[i];

			if (!shown(pr, i))
				continue;
			probe_labels(labels, sizeof(labels), s->probes[i].name,
				     pr, info->binary);
			if (what == HIST)
				histogram(out, p, labels, e);
			else if (what == SUMMARY)
				summary(out, p, labels);
			else
				fprintf(out, "%s{%s} %llu\n", what == CALLS ?
					"autocue_calls_total" :
					"autocue_cold_calls_total", labels,
					(unsigned long long)(what == CALLS ?
					p->count : p->cold_count));
		}
	}
}

int ac_metrics_write(FILE *out, const struct ac_snapshot *s,
		     const struct ac_metrics_info *info,
		     const struct ac_metrics_buckets *b, bool om)
{
	char bin[AC_QUOTE_MAX * 2];
	struct edges e = {};
	int ret;

	if (edges_make(&e, b, s->precision)) {
		free(e.ns);
		free(e.le);
		return -ENOMEM;
	}
	label_value(bin, sizeof(bin), info->binary);
	family(out, "autocue_call_duration_seconds", "histogram",
	       "Duration of the warm calls of a probe pair (compensated; "
	       "calls holding a site's first hits are in autocue_cold_calls)",
	       om);
	per_probe(out, s, info, &e, HIST);
	family(out, "autocue_call_duration_quantiles_seconds", "summary",
	       "Quantiles of the warm calls from the kernel's full-precision "
	       "histogram (exact in exact mode)", om);
	per_probe(out, s, info, &e, SUMMARY);
	family(out, "autocue_calls", "counter",
	       "Calls of a probe pair, cold ones included", om);
	per_probe(out, s, info, &e, CALLS);
	family(out, "autocue_cold_calls", "counter",
	       "Calls holding a probe site's first hits (one-time kernel "
	       "set-up inside): counted, kept out of the durations", om);
	per_probe(out, s, info, &e, COLD);

	family(out, "autocue_lost_events", "counter",
	       "Events the kernel side could not record, by reason", om);
	for (int i = 0; i < AC_LOST_NR; i++)
		fprintf(out, "autocue_lost_events_total{binary=\"%s\",reason=\"%s\"} %llu\n",
			bin, ac_lost_key(i), (unsigned long long)s->lost[i]);
	family(out, "autocue_probe_cost_seconds", "gauge",
	       "Probe cost subtracted per traced call (0: not calibrated, "
	       "raw durations)", om);
	fprintf(out, "autocue_probe_cost_seconds{binary=\"%s\"} %.9g\n", bin,
		s->compensated ? s->pair_ns / 1e9 : 0.0);
	family(out, "autocue_resolution_seconds", "gauge",
	       "How far one compensated duration can be off", om);
	fprintf(out, "autocue_resolution_seconds{binary=\"%s\"} %.9g\n", bin,
		s->resolution_ns / 1e9);
	family(out, "autocue_bucket_error_ratio", "gauge",
	       "Most histogram_quantile() can be off over autocue_call_"
	       "duration_seconds, relative to the value (2^-bits)", om);
	fprintf(out, "autocue_bucket_error_ratio{binary=\"%s\"} %.9g\n",
		bin, ldexp(1, -(b->bits < s->precision ? b->bits :
				s->precision)));
	family(out, "autocue_map_bytes", "gauge",
	       "Kernel memory of the tracer's BPF maps", om);
	fprintf(out, "autocue_map_bytes{binary=\"%s\"} %llu\n", bin,
		(unsigned long long)s->map_bytes);
	family(out, "autocue_attached_probes", "gauge",
	       "Probe pairs attached", om);
	fprintf(out, "autocue_attached_probes{binary=\"%s\"} %d\n", bin,
		s->nprobes);
	family(out, "autocue_tracer_cpu_seconds", "counter",
	       "CPU time of the tracer process itself (user and system)", om);
	fprintf(out, "autocue_tracer_cpu_seconds_total{binary=\"%s\"} %.6f\n",
		bin, info->tracer_cpu_s);
	if (om)
		fputs("# EOF\n", out);
	fflush(out);
	ret = ferror(out) ? -EIO : 0;
	free(e.ns);
	free(e.le);
	return ret;
}

/* q of a media range's parameters ("; q=0.5"), 1 without one. */
static double media_q(const char *params, size_t len)
{
	const char *p = params, *end = params + len;

	while (p < end) {
		const char *semi = memchr(p, ';', end - p);
		const char *next = semi ? semi + 1 : end;

		while (p < next && (*p == ' ' || *p == '\t' || *p == ';'))
			p++;
		if (next - p > 2 && (p[0] == 'q' || p[0] == 'Q') && p[1] == '=')
			return strtod(p + 2, NULL);
		p = next;
	}
	return 1;
}

bool ac_metrics_wants_openmetrics(const char *accept)
{
	double om = 0, text = 0;
	const char *p = accept;

	if (!accept)
		return false;
	while (*p) {
		size_t len = strcspn(p, ","), tlen;
		const char *t = p;

		while (len && (*t == ' ' || *t == '\t'))
			t++, len--;
		tlen = strcspn(t, ";,");
		if (tlen > len)
			tlen = len;
		while (tlen && (t[tlen - 1] == ' ' || t[tlen - 1] == '\t'))
			tlen--;
		if (tlen == 28 && !strncasecmp(t, "application/openmetrics-text", 28))
			om = fmax(om, media_q(t + tlen, len - (t + tlen - t)));
		else if (tlen == 10 && !strncasecmp(t, "text/plain", 10))
			text = fmax(text, media_q(t + tlen, len - (t + tlen - t)));
		p = t + len;
		if (*p == ',')
			p++;
	}
	return om > 0 && om >= text;
}

// SPDX-License-Identifier: MIT
/*
 * Report writers on a hand-built snapshot: the text table, folded paths
 * (exact text), JSON (parsed back with json-c), the flamegraph SVG
 * (well-formed XML holding every path's frames) and atomic writes.
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
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>
#include <json-c/json.h>
#include "autocue.h"
#include "autocue_trace.h"
#include "folded.h"
#include "json_report.h"
#include "json_series.h"
#include "report.h"
#include "svg.h"

#define SHIFT	AC_DEFAULT_SHIFT
#define NB	AC_NBUCKETS(SHIFT)
#define ODD	"odd<&>\"'"	/* a name that needs escaping */

enum { P_UPDATE, P_PARTIAL, P_WORD, P_NEVER, P_ODD, NPROBES };

struct fixture {
	struct ac_snapshot s;
	struct ac_probe_stats probes[NPROBES];
	uint64_t buckets[NPROBES][NB];
	uint64_t samples[NPROBES][32];
	int nsamples[NPROBES];
	struct ac_path_stats paths[8];
	int ids[8][AC_PATH_DEPTH];
	char dir[64];
};

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* what the read-out would produce for these durations */
static void add_probe(struct fixture *fx, int i, const char *name,
		      const uint64_t *v, int n, bool exact)
{
	struct ac_probe_stats *p = &fx->probes[i];

	p->name = name;
	p->shift = SHIFT;
	p->nbuckets = NB;
	p->buckets = fx->buckets[i];
	for (int k = 0; k < n; k++) {
		fx->buckets[i][ac_bucket(v[k], SHIFT)]++;
		fx->samples[i][k] = v[k];
		p->total_ns += v[k];
		if (!p->count || v[k] < p->min_ns)
			p->min_ns = v[k];
		if (v[k] > p->max_ns)
			p->max_ns = v[k];
		p->count++;
	}
	qsort(fx->samples[i], n, sizeof(uint64_t), cmp_u64);
	/* exact mode's figures: the sorted samples at its quantiles */
	for (int k = 0; exact && k < AC_EXACT_NQ; k++)
		p->exact_q[k] = fx->samples[i][(int)fmin(n * ac_exact_quantiles[k], n - 1)];
	p->nexact = exact ? n : 0;
	fx->nsamples[i] = n;
}

static void add_path(struct fixture *fx, const int *ids, int depth,
		     uint64_t calls, uint64_t self_ns)
{
	int i = fx->s.npaths++;

	memcpy(fx->ids[i], ids, depth * sizeof(int));
	fx->paths[i] = (struct ac_path_stats){
		.depth = depth, .probes = fx->ids[i], .calls = calls,
		.self_ns = self_ns, .total_ns = self_ns,
	};
}

static int setup(void **state)
{
	static const uint64_t update[] = {
		5000000, 5200000, 4800000, 5100000, 4900000,
		5050000, 4950000, 5300000, 4700000, 5000000,
	};
	static const uint64_t partial[] = {
		900000, 1000000, 1100000, 950000, 1050000, 1000000, 980000,
		1020000, 990000, 1010000, 1200000, 800000, 1000000, 1000000,
		1000000, 1000000, 1000000, 1000000, 1000000, 3000000,
	};
	/* mean 2100.2 ns: not a whole number */
	static const uint64_t word[] = { 2000, 2100, 1900, 2000, 2501 };
	static const uint64_t odd[] = { 2000000 };
	struct fixture *fx = calloc(1, sizeof(*fx));

	assert_non_null(fx);
	fx->s = (struct ac_snapshot){
		.pid = 4242, .duration_s = 2.5, .precision = SHIFT,
		.compensated = true, .pair_ns = 3000, .inner_ns = 1250,
		.nprobes = NPROBES, .probes = fx->probes, .paths = fx->paths,
	};
	fx->s.lost[AC_LOST_UNMATCHED_RETURN] = 3;
	fx->s.lost[AC_LOST_DEPTH_OVERFLOW] = 1;
	add_probe(fx, P_UPDATE, "tracker_update", update, 10, false);
	add_probe(fx, P_PARTIAL, "tracker_update_partial", partial, 20, true);
	add_probe(fx, P_WORD, "tracker_match_single_word", word, 5, false);
	add_probe(fx, P_NEVER, "tracker_never", NULL, 0, false);
	add_probe(fx, P_ODD, ODD, odd, 1, true);

	add_path(fx, (int[]){ P_UPDATE }, 1, 10, 10400000);
	add_path(fx, (int[]){ P_UPDATE, P_PARTIAL }, 2, 20, 20000500);
	add_path(fx, (int[]){ P_UPDATE, P_PARTIAL, P_WORD }, 3, 4, 3299400);
	add_path(fx, (int[]){ P_UPDATE, P_WORD }, 2, 1, 400);
	add_path(fx, (int[]){ P_UPDATE, P_PARTIAL, P_WORD, -1 }, 4, 1,
		 1500000);
	add_path(fx, (int[]){ P_ODD }, 1, 1, 2000000);
	/* one path twice (e.g. a name in two binaries): merged */
	add_path(fx, (int[]){ P_PARTIAL }, 1, 1, 1000);
	add_path(fx, (int[]){ P_PARTIAL }, 1, 1, 1500);

	strcpy(fx->dir, "/tmp/ac-writers-XXXXXX");
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

static char *path_in(struct fixture *fx, const char *name)
{
	static char buf[4][256];
	static int next;
	char *p = buf[next++ % 4];

	snprintf(p, 256, "%s/%s", fx->dir, name);
	return p;
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf;
	long n;

	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = malloc(n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, n, f), n);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static bool exists(const char *path)
{
	struct stat st;

	return !lstat(path, &st);
}

/* --- text table ------------------------------------------------------- */

static char *table(struct fixture *fx, const struct ac_report_opts *o)
{
	char *buf = NULL;
	size_t len;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	assert_int_equal(ac_report_table(f, &fx->s, o), 0);
	fclose(f);
	return buf;
}

/* the i-th line (0-based) of text, into buf */
static const char *line_of(const char *text, int i, char *buf, size_t len)
{
	const char *end;

	while (i-- > 0) {
		text = strchr(text, '\n');
		assert_non_null(text);
		text++;
	}
	end = strchrnul(text, '\n');
	snprintf(buf, len, "%.*s", (int)(end - text), text);
	return buf;
}

static void test_table(void **state)
{
	struct fixture *fx = *state;
	struct ac_report_opts o = { .sort = AC_SORT_TOTAL, .title = "final" };
	char *t = table(fx, &o), l[512];

	assert_string_equal(line_of(t, 0, l, sizeof(l)), "final");
	/* exact samples present: P95x/P99x next to P95/P99 */
	assert_string_equal(line_of(t, 1, l, sizeof(l)),
		"Function                    Calls  Total(ms)  Avg(ms)  "
		"Min(ms)  Max(ms)  Median(ms)  P95(ms)  P95x(ms)  P99(ms)  "
		"P99x(ms)");
	/* by total: update 50 ms, partial 23 ms, odd 2 ms, word 0.0105 ms */
	assert_string_equal(line_of(t, 3, l, sizeof(l)),
		"tracker_update                 10     50.000    5.000    "
		"4.700    5.300       5.014    5.300         -    5.300"
		"         -");
	assert_non_null(strstr(line_of(t, 4, l, sizeof(l)),
			       "tracker_update_partial"));
	assert_non_null(strstr(l, "     3.000"));	/* P95x = P99x = max */
	assert_true(!strncmp(line_of(t, 5, l, sizeof(l)), ODD " ", 9));
	/* mean 2.1 us < 3 probe costs of 3 us: starred */
	assert_true(!strncmp(line_of(t, 6, l, sizeof(l)),
			     "tracker_match_single_word* ", 27));
	assert_null(strstr(t, "tracker_never"));
	assert_non_null(strstr(t, "(1 probe never called, not shown)\n"));
	assert_non_null(strstr(t, "probe cost subtracted per traced call: "
				   "3.000 us (1.250 us of it inside the "
				   "call's own time); resolution 0.000 us"));
	assert_non_null(strstr(t, "lost events: 3 unmatched returns, "
				   "1 depth overflow\n"));
	assert_non_null(strstr(t, "* overhead-dominated: mean within 3 "
				   "probe costs of zero\n"));
	free(t);
}

/* --- bounds: resolution, cold calls, probe cost beneath ----------------- */

/* A stat's column (1-based after the name) in a table row. */
static const char *cell(const char *row, int col, char *buf, size_t len)
{
	const char *p = row;

	for (int c = 0; c <= col; c++) {
		p += strspn(p, " ");
		if (c == col)
			break;
		p += strcspn(p, " ");
	}
	snprintf(buf, len, "%.*s", (int)strcspn(p, " "), p);
	return buf;
}

static const char *row_of(const char *t, const char *name, char *buf,
			  size_t len)
{
	for (int i = 0;; i++) {
		line_of(t, i, buf, len);
		if (!strncmp(buf, name, strlen(name)) &&
		    (buf[strlen(name)] == ' ' || buf[strlen(name)] == '*'))
			return buf;
		assert_non_null(strchr(strstr(t, buf), '\n'));
	}
}

static void test_bounds_in_table(void **state)
{
	struct fixture *fx = *state;
	struct ac_probe_stats *u = &fx->probes[P_UPDATE];
	struct ac_report_opts o = { .sort = AC_SORT_NAME };
	char *t, l[512], c[64];

	/* the word calls (1.9..2.5 us) are below a 2.2 us resolution in
	 * part: those figures become the bound (2 x 2.2 us), never a 0 */
	fx->s.resolution_ns = 2200;
	/* odd: its one call was cold (a site's first hits): a bound */
	fx->probes[P_ODD].cold_count = 1;
	fx->probes[P_ODD].cold_total_ns = 2000000;
	fx->probes[P_ODD].cold_max_ns = 2000000;
	fx->probes[P_ODD].count = 1;
	fx->probes[P_ODD].total_ns = 0;
	memset(fx->buckets[P_ODD], 0, sizeof(fx->buckets[P_ODD]));
	fx->probes[P_ODD].nexact = 0;
	/* update: 4000 traced calls beneath its 10, 3 us each subtracted */
	u->desc = 4000;
	fx->s.pair_tight_ns = 2800;
	fx->s.pair_busy_ns = 3500;
	t = table(fx, &o);
	row_of(t, "tracker_match_single_word", l, sizeof(l));
	assert_string_equal(cell(l, 4, c, sizeof(c)), "<0.004");	/* min */
	assert_string_equal(cell(l, 6, c, sizeof(c)), "<0.004");	/* median */
	assert_string_equal(cell(l, 5, c, sizeof(c)), "0.003");	/* max */
	assert_null(strstr(l, " 0.000 "));
	row_of(t, ODD, l, sizeof(l));
	assert_string_equal(cell(l, 1, c, sizeof(c)), "1");	/* counted */
	assert_string_equal(cell(l, 2, c, sizeof(c)), "~<2.000");
	assert_string_equal(cell(l, 6, c, sizeof(c)), "~<2.000");
	/* Probes%: 4000 * 3 us of 12 ms + 50 ms raw */
	assert_non_null(strstr(t, "Probes%"));
	row_of(t, "tracker_update", l, sizeof(l));
	assert_non_null(strstr(l, " 19%"));
	assert_non_null(strstr(t, "first calls: 1 call (1 row) held a probe "
				   "site's first hits"));
	/* 19% is no majority: no advice yet */
	assert_null(strstr(t, "probe cost dominates"));
	free(t);

	/* 40000 calls beneath: 70% of the raw time, +- 40000 * 0.5 us */
	u->desc = 40000;
	t = table(fx, &o);
	assert_non_null(strstr(t, "probe cost dominates: 71% of "
				   "tracker_update's measured time was the "
				   "probes of the calls beneath it (corrected, "
				   "+- 20.000 ms); leave out "
				   "tracker_match_single_word (5 calls): "
				   "--probes '!tracker_match_single_word'"));
	free(t);
}

static void test_bounds_in_json(void **state)
{
	struct fixture *fx = *state;
	struct json_object *j, *stats, *st, *v;
	const char *name;

	fx->s.resolution_ns = 2200;
	fx->probes[P_UPDATE].desc = 4000;
	fx->s.pair_tight_ns = 2800;
	fx->s.pair_busy_ns = 3500;
	j = ac_json_report(&fx->s, NULL);
	assert_non_null(j);
	assert_true(json_object_object_get_ex(j, "stats", &stats));
	for (size_t i = 0; i < json_object_array_length(stats); i++) {
		st = json_object_array_get_idx(stats, i);
		json_object_object_get_ex(st, "name", &v);
		name = json_object_get_string(v);
		json_object_object_get_ex(st, "below_resolution", &v);
		if (!strcmp(name, "tracker_match_single_word")) {
			/* min 1.9 us and the median: the bound, listed */
			assert_int_equal(json_object_array_length(v), 3);
			assert_string_equal(json_object_get_string(
				json_object_array_get_idx(v, 0)), "avg_time_ms");
			json_object_object_get_ex(st, "min_time_ms", &v);
			assert_true(fabs(json_object_get_double(v) - 0.0044) < 1e-9);
		} else {
			assert_int_equal(json_object_array_length(v), 0);
		}
		if (!strcmp(name, "tracker_update")) {
			json_object_object_get_ex(st, "probe_cost_beneath_ms", &v);
			assert_true(fabs(json_object_get_double(v) - 12.0) < 1e-9);
			json_object_object_get_ex(st,
				"probe_cost_beneath_error_ms", &v);
			assert_true(fabs(json_object_get_double(v) - 2.0) < 1e-9);
		}
		json_object_object_get_ex(st, "cold_calls", &v);
		assert_int_equal(json_object_get_int(v), 0);
	}
	json_object_put(j);
}

static void test_table_sort_top_empty(void **state)
{
	struct fixture *fx = *state;
	struct ac_report_opts o = { .show_empty = true };
	enum ac_sort key;
	char *t, l[512];

	assert_int_equal(ac_sort_parse("name", &key), 0);
	assert_int_equal(key, AC_SORT_NAME);
	assert_int_equal(ac_sort_parse("p99", &key), 0);
	assert_int_equal(key, AC_SORT_P99);
	assert_int_equal(ac_sort_parse("calls", &key), 0);
	assert_int_equal(key, AC_SORT_CALLS);
	assert_int_equal(ac_sort_parse("avg", &key), 0);
	assert_int_equal(ac_sort_parse("total", &key), 0);
	assert_int_equal(ac_sort_parse("bogus", &key), -EINVAL);

	/* by name ascending, never-called probe listed last */
	o.sort = AC_SORT_NAME;
	t = table(fx, &o);
	assert_true(!strncmp(line_of(t, 2, l, sizeof(l)), ODD, 8));
	assert_true(!strncmp(line_of(t, 3, l, sizeof(l)),
			     "tracker_match_single_word*", 26));
	assert_true(!strncmp(line_of(t, 4, l, sizeof(l)),
			     "tracker_update ", 15));
	assert_true(!strncmp(line_of(t, 5, l, sizeof(l)),
			     "tracker_update_partial", 22));
	assert_true(!strncmp(line_of(t, 6, l, sizeof(l)),
			     "tracker_never ", 14));
	assert_non_null(strstr(l, " 0  "));
	free(t);

	/* by calls, top 2 */
	o.sort = AC_SORT_CALLS;
	o.top = 2;
	o.show_empty = false;
	t = table(fx, &o);
	assert_true(!strncmp(line_of(t, 2, l, sizeof(l)),
			     "tracker_update_partial", 22));
	assert_true(!strncmp(line_of(t, 3, l, sizeof(l)),
			     "tracker_update ", 15));
	assert_string_equal(line_of(t, 4, l, sizeof(l)),
			    "(2 more not shown)");
	free(t);

	/* by avg: update 5 ms > odd 2 ms > partial 1.15 ms */
	o.sort = AC_SORT_AVG;
	o.top = 0;
	t = table(fx, &o);
	assert_true(!strncmp(line_of(t, 2, l, sizeof(l)),
			     "tracker_update ", 15));
	assert_true(!strncmp(line_of(t, 3, l, sizeof(l)), ODD, 8));
	free(t);
}

static void test_table_raw(void **state)
{
	struct fixture *fx = *state;
	struct ac_snapshot s = fx->s;
	char *buf = NULL;
	size_t len;
	FILE *f = open_memstream(&buf, &len);

	s.compensated = false;
	s.pair_ns = 0;
	memset(s.lost, 0, sizeof(s.lost));
	for (int i = 0; i < NPROBES; i++)
		s.probes[i].nexact = 0;
	assert_int_equal(ac_report_table(f, &s, NULL), 0);
	fclose(f);
	assert_null(strstr(buf, "P95x"));
	assert_null(strstr(buf, "lost events"));
	assert_null(strstr(buf, "*"));
	assert_non_null(strstr(buf, "raw figures (no compensation)\n"));
	free(buf);
	/* restore the fixture's exact figures */
	fx->probes[P_PARTIAL].nexact = fx->nsamples[P_PARTIAL];
	fx->probes[P_ODD].nexact = fx->nsamples[P_ODD];
}

/* --- folded ----------------------------------------------------------- */

static const char folded_text[] =
	ODD " 2000\n"
	"tracker_update 10400\n"
	"tracker_update;tracker_update_partial 20001\n"
	"tracker_update;tracker_update_partial;tracker_match_single_word 3299\n"
	"tracker_update;tracker_update_partial;tracker_match_single_word;"
	"[truncated] 1500\n"
	"tracker_update_partial 3\n";

/* The writers run as root: a link planted at PATH.tmp is replaced, never
 * written through. */
static void test_tmp_link_not_followed(void **state)
{
	struct fixture *fx = *state;
	char *victim = strdup(path_in(fx, "victim"));
	char *path = strdup(path_in(fx, "linked.folded"));
	char *tmp = strdup(path_in(fx, "linked.folded.tmp")), *text;
	FILE *f = fopen(victim, "w");

	assert_non_null(f);
	fputs("keep\n", f);
	fclose(f);
	assert_int_equal(symlink(victim, tmp), 0);
	assert_int_equal(ac_folded_write(path, &fx->s), 0);
	text = slurp(victim);
	assert_string_equal(text, "keep\n");
	free(text);
	text = slurp(path);
	assert_string_equal(text, folded_text);
	free(text);
	assert_false(exists(tmp));
	free(victim);
	free(path);
	free(tmp);
}

static void test_folded(void **state)
{
	struct fixture *fx = *state;
	char *path = path_in(fx, "out.folded"), *text;

	assert_int_equal(ac_folded_write(path, &fx->s), 0);
	text = slurp(path);
	assert_string_equal(text, folded_text);
	free(text);
	assert_false(exists(path_in(fx, "out.folded.tmp")));

	/* keep_zero keeps the 0.4 us path */
	assert_int_equal(ac_folded_write_ext(path, &fx->s, true), 0);
	text = slurp(path);
	assert_non_null(strstr(text, "\ntracker_update;"
				     "tracker_match_single_word 0\n"));
	free(text);
}

/* --- JSON ------------------------------------------------------------- */

static struct json_object *get(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;

	if (!json_object_object_get_ex(o, key, &v))
		fail_msg("JSON key '%s' missing", key);
	return v;
}

static void assert_ms(struct json_object *o, const char *key, uint64_t ns)
{
	double got = json_object_get_double(get(o, key));

	if (got < ns / 1e6 - 1e-9 || got > ns / 1e6 + 1e-9)
		fail_msg("%s: %.9f, want %.9f", key, got, ns / 1e6);
}

static void check_stat(struct json_object *st, const struct ac_probe_stats *p)
{
	struct json_object *b, *ex;
	size_t nb = 0;

	assert_string_equal(json_object_get_string(get(st, "name")), p->name);
	assert_int_equal(json_object_get_uint64(get(st, "call_count")),
			 p->count);
	assert_ms(st, "total_time_ms", p->total_ns);
	/* rounded to the nanosecond, not truncated */
	assert_ms(st, "avg_time_ms", llround((double)p->total_ns / p->count));
	assert_ms(st, "min_time_ms", p->min_ns);
	assert_ms(st, "max_time_ms", p->max_ns);
	assert_ms(st, "median_time_ms", ac_probe_hist_percentile(p, 0.5));
	assert_ms(st, "p95_time_ms", ac_probe_hist_percentile(p, 0.95));
	assert_ms(st, "p99_time_ms", ac_probe_hist_percentile(p, 0.99));
	assert_ms(st, "p999_time_ms", ac_probe_hist_percentile(p, 0.999));

	b = get(st, "buckets");
	for (uint32_t i = 0; i < p->nbuckets; i++) {
		struct json_object *e;
		__u64 lo, hi;

		if (!p->buckets[i])
			continue;
		ac_bucket_range(i, p->shift, &lo, &hi);
		e = json_object_array_get_idx(b, nb++);
		assert_non_null(e);
		assert_int_equal(json_object_array_length(e), 3);
		assert_int_equal(json_object_get_uint64(
				 json_object_array_get_idx(e, 0)), lo);
		assert_int_equal(json_object_get_uint64(
				 json_object_array_get_idx(e, 1)), hi);
		assert_int_equal(json_object_get_uint64(
				 json_object_array_get_idx(e, 2)),
				 p->buckets[i]);
	}
	assert_int_equal(json_object_array_length(b), nb);

	if (!p->nexact) {
		assert_false(json_object_object_get_ex(st, "exact", NULL));
		return;
	}
	ex = get(st, "exact");
	assert_int_equal(json_object_get_uint64(get(ex, "samples")),
			 p->nexact);
	assert_ms(ex, "p50_time_ms", p->exact_q[0]);
	assert_ms(ex, "p95_time_ms", ac_probe_percentile(p, 0.95));
	assert_ms(ex, "p99_time_ms", ac_probe_percentile(p, 0.99));
}

static void check_report(struct fixture *fx, struct json_object *r)
{
	static const int order[] = { P_UPDATE, P_PARTIAL, P_ODD, P_WORD };
	struct json_object *o, *stats;
	int y, mo, d, h, mi, sec, n = 0;

	/* Python's datetime.now().isoformat() */
	assert_int_equal(sscanf(json_object_get_string(get(r, "timestamp")),
				"%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h,
				&mi, &sec, &n), 6);
	assert_true(n == 19);
	assert_true(y >= 2024 && mo >= 1 && mo <= 12);
	assert_int_equal(json_object_get_int(get(r, "pid")), 4242);
	assert_true(json_object_get_double(get(r, "duration_s")) == 2.5);
	assert_int_equal(json_object_get_int(get(r, "precision")), SHIFT);

	o = get(r, "compensation");
	assert_true(json_object_get_boolean(get(o, "enabled")));
	assert_true(json_object_get_double(get(o, "pair_ns")) == 3000);
	assert_true(json_object_get_double(get(o, "inner_ns")) == 1250);

	o = get(r, "dropped");
	assert_int_equal(json_object_get_uint64(get(o, "unmatched_returns")),
			 3);
	assert_int_equal(json_object_get_uint64(get(o, "unwound_frames")), 0);
	assert_int_equal(json_object_get_uint64(get(o, "depth_overflow")), 1);
	assert_int_equal(json_object_get_uint64(get(o, "folded_paths_full")),
			 0);
	assert_int_equal(json_object_get_uint64(get(o, "raw_records_lost")),
			 0);
	assert_int_equal(json_object_get_uint64(get(o, "no_thread_storage")),
			 0);
	assert_int_equal(json_object_get_uint64(get(o, "total")), 4);

	/* called probes only, by total time descending */
	stats = get(r, "stats");
	assert_int_equal(json_object_array_length(stats), 4);
	for (int i = 0; i < 4; i++)
		check_stat(json_object_array_get_idx(stats, i),
			   &fx->probes[order[i]]);
}

static void test_json(void **state)
{
	struct fixture *fx = *state;
	char *path = path_in(fx, "out.json");
	struct json_object *r, *w;

	assert_int_equal(ac_json_write(path, &fx->s), 0);
	assert_false(exists(path_in(fx, "out.json.tmp")));
	r = json_object_from_file(path);
	assert_non_null(r);
	check_report(fx, r);

	/* the word probe's figures worked out by hand: 1900 2000 2000 2100
	 * 2501 ns; the histogram's percentiles are bucket midpoints (S = 6:
	 * 16 ns wide in [1024, 2048)), kept within the exact min and max */
	w = json_object_array_get_idx(get(r, "stats"), 3);
	assert_string_equal(json_object_get_string(get(w, "name")),
			    "tracker_match_single_word");
	assert_int_equal(json_object_get_uint64(get(w, "call_count")), 5);
	assert_ms(w, "total_time_ms", 10501);
	assert_ms(w, "avg_time_ms", 2100);	/* 2100.2 to the ns */
	assert_ms(w, "min_time_ms", 1900);
	assert_ms(w, "max_time_ms", 2501);
	assert_ms(w, "median_time_ms", 2007);	/* rank 2: 2000 in [2000, 2015] */
	assert_ms(w, "p95_time_ms", 2501);	/* rank 4: the max */
	json_object_put(r);
}

/* --func's kinds of pair: stated in the footer and in JSON's
 * compensation.func, only the kinds traced, only when compensated */
static void test_func_costs(void **state)
{
	struct fixture *fx = *state;
	struct ac_report_opts o = { .sort = AC_SORT_TOTAL };
	char *path = path_in(fx, "func.json"), *t, l[512], c[64];
	struct json_object *r, *f, *k;

	t = table(fx, &o);
	assert_null(strstr(t, "--func"));
	free(t);
	assert_int_equal(ac_json_write(path, &fx->s), 0);
	r = json_object_from_file(path);
	assert_int_equal(json_object_object_length(get(get(r, "compensation"),
						       "func")), 0);
	json_object_put(r);

	fx->s.func[AC_FUNC_ENTRY_STEPPED] = (struct ac_func_cost){
		.functions = 2, .pair_ns = 20500, .inner_ns = 14250,
		.pair_spread_ns = 900, .resolution_ns = 3600 };
	/* the word probe a function of that kind: its durations under its
	 * kind's resolution (3.6 us) read as the bound, the others' not */
	fx->probes[P_WORD].func = 1 + AC_FUNC_ENTRY_STEPPED;
	t = table(fx, &o);
	assert_non_null(strstr(t, "--func pairs: entry single-stepped (2 "
				   "functions) 20.500 us a call, 14.250 us of "
				   "it inside, resolution 3.600 us: subtracted "
				   "as a USDT pair's is\n"));
	assert_null(strstr(t, "entry emulated"));
	assert_string_equal(cell(row_of(t, "tracker_match_single_word", l,
					sizeof(l)), 3, c, sizeof(c)), "<0.007");
	assert_string_equal(cell(row_of(t, "tracker_update", l, sizeof(l)), 3,
				 c, sizeof(c)), "5.000");
	free(t);
	assert_int_equal(ac_json_write(path, &fx->s), 0);
	r = json_object_from_file(path);
	f = get(get(r, "compensation"), "func");
	assert_int_equal(json_object_object_length(f), 1);
	k = get(f, "single_stepped");
	assert_int_equal(json_object_get_int(get(k, "functions")), 2);
	assert_true(json_object_get_double(get(k, "pair_ns")) == 20500);
	assert_true(json_object_get_double(get(k, "inner_ns")) == 14250);
	assert_true(json_object_get_double(get(k, "pair_spread_ns")) == 900);
	assert_true(json_object_get_double(get(k, "resolution_ns")) == 3600);
	json_object_put(r);

	/* raw figures: nothing subtracted, nothing stated */
	fx->s.compensated = false;
	t = table(fx, &o);
	assert_null(strstr(t, "--func"));
	free(t);
}

/* The lines of a JSON Lines file, each parsed (NULL where one is not a
 * JSON value); returns how many. */
static int read_jsonl(const char *path, struct json_object **out, int max)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;
	int n = 0;

	assert_non_null(f);
	while (n < max && getline(&line, &cap, f) > 0) {
		/* one report a line: no newline inside it */
		assert_non_null(strchr(line, '\n'));
		out[n++] = json_tokener_parse(line);
	}
	free(line);
	fclose(f);
	return n;
}

static void test_json_intervals(void **state)
{
	struct fixture *fx = *state;
	char *path = path_in(fx, "series.jsonl");
	struct ac_json_series *js;
	struct json_object *lines[4];
	int n;

	assert_int_equal(ac_json_series_open(path, &js), 0);
	/* a line per interval, complete as soon as it is written */
	for (int i = 1; i <= 2; i++) {
		assert_int_equal(ac_json_series_add(js, &fx->s, false), 0);
		n = read_jsonl(path, lines, 4);
		assert_int_equal(n, i);
		for (int k = 0; k < n; k++) {
			assert_non_null(lines[k]);
			assert_int_equal(json_object_get_int(get(lines[k], "interval")),
					 k + 1);
			assert_false(json_object_get_boolean(get(lines[k], "final")));
			check_report(fx, lines[k]);
			json_object_put(lines[k]);
		}
	}

	/* the end of the trace: one more line, marked final */
	assert_int_equal(ac_json_series_add(js, &fx->s, true), 0);
	assert_int_equal(ac_json_series_close(js), 0);
	n = read_jsonl(path, lines, 4);
	assert_int_equal(n, 3);
	for (int k = 0; k < 3; k++) {
		assert_non_null(lines[k]);
		assert_int_equal(json_object_get_int(get(lines[k], "interval")), k + 1);
		assert_int_equal(json_object_get_boolean(get(lines[k], "final")), k == 2);
		json_object_put(lines[k]);
	}
}

/* A write that fails (a full disk) is an error, not a silent loss. */
static void test_json_intervals_full_disk(void **state)
{
	struct fixture *fx = *state;
	struct ac_json_series *js;

	(void)fx;
	assert_int_equal(ac_json_series_open("/dev/full", &js), 0);
	assert_int_equal(ac_json_series_add(js, &fx->s, false), -ENOSPC);
	ac_json_series_close(js);
}

/* --- SVG -------------------------------------------------------------- */

/*
 * A small XML well-formedness check: balanced, properly nested tags, quoted
 * attributes, no raw '<' or stray '&' in text or attribute values, one
 * root element. Enough to catch escaping bugs; xmllint (from make deps) runs too.
 */
static bool entity_ok(const char *p)
{
	static const char *const ents[] = { "&amp;", "&lt;", "&gt;",
					    "&quot;", "&apos;" };

	for (size_t i = 0; i < sizeof(ents) / sizeof(ents[0]); i++)
		if (!strncmp(p, ents[i], strlen(ents[i])))
			return true;
	if (p[1] == '#') {
		p += 2;
		if (*p == 'x')
			p++;
		while ((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f'))
			p++;
		return *p == ';';
	}
	return false;
}

static const char *xml_fail(const char *doc, const char *at, const char *why)
{
	static char msg[256];

	snprintf(msg, sizeof(msg), "offset %ld: %s near '%.40s'",
		 (long)(at - doc), why, at);
	return msg;
}

static const char *xml_check(const char *doc)
{
	const char *stack[64], *p = doc;
	size_t lens[64];
	int depth = 0, roots = 0;

	while (*p) {
		if (*p == '&' && !entity_ok(p))
			return xml_fail(doc, p, "bad entity");
		if (*p == '>' && depth == 0 && roots == 0)
			return xml_fail(doc, p, "stray '>'");
		if (*p != '<') {
			if (!depth && !strchr(" \t\r\n", *p))
				return xml_fail(doc, p, "text outside root");
			p++;
			continue;
		}
		if (!strncmp(p, "<?", 2)) {
			p = strstr(p, "?>");
			if (!p)
				return "unterminated <?";
			p += 2;
		} else if (!strncmp(p, "<!--", 4)) {
			p = strstr(p, "-->");
			if (!p)
				return "unterminated comment";
			p += 3;
		} else if (!strncmp(p, "<![CDATA[", 9)) {
			p = strstr(p, "]]>");
			if (!p)
				return "unterminated CDATA";
			p += 3;
		} else if (p[1] == '/') {
			const char *name = p + 2;
			size_t len = strcspn(name, " \t\n>");

			if (!depth || len != lens[depth - 1] ||
			    strncmp(name, stack[depth - 1], len))
				return xml_fail(doc, p, "mismatched end tag");
			depth--;
			p = strchr(p, '>');
			if (!p)
				return "unterminated end tag";
			p++;
		} else {
			const char *name = p + 1;
			size_t len = strcspn(name, " \t\n/>");

			if (!len)
				return xml_fail(doc, p, "raw '<'");
			p = name + len;
			/* attributes: name="value" */
			for (;;) {
				char q;

				p += strspn(p, " \t\n");
				if (*p == '>' || !strncmp(p, "/>", 2))
					break;
				p += strcspn(p, "= \t\n>");
				if (*p != '=' || (p[1] != '"' && p[1] != '\''))
					return xml_fail(doc, p, "bad attribute");
				q = p[1];
				for (p += 2; *p && *p != q; p++) {
					if (*p == '<')
						return xml_fail(doc, p, "'<' in "
								"attribute");
					if (*p == '&' && !entity_ok(p))
						return xml_fail(doc, p, "bad "
								"entity");
				}
				if (!*p)
					return "unterminated attribute";
				p++;
			}
			if (*p == '/') {
				p += 2;
				if (!depth)
					roots++;
				continue;
			}
			if (!depth)
				roots++;
			if (depth == 64)
				return "too deep";
			stack[depth] = name;
			lens[depth++] = len;
			p++;
		}
	}
	if (depth)
		return "unclosed element";
	if (roots != 1)
		return "not exactly one root element";
	return NULL;
}

static void test_xml_checker(void **state)
{
	assert_null(xml_check("<?xml version=\"1.0\"?>\n<a x=\"1\"><b/>t"
			      "&amp;<![CDATA[ < & ]]></a>\n"));
	assert_non_null(xml_check("<a><b></a></b>"));
	assert_non_null(xml_check("<a>x & y</a>"));
	assert_non_null(xml_check("<a>x < y</a>"));
	assert_non_null(xml_check("<a t=\"<\"></a>"));
	assert_non_null(xml_check("<a></a><b></b>"));
	assert_non_null(xml_check("<a>"));
}

/* s with XML's five markup characters escaped */
static void xml_escape(const char *s, char *out, size_t len)
{
	size_t n = 0;

	for (; *s && n + 7 < len; s++) {
		const char *e = NULL;

		switch (*s) {
		case '&': e = "&amp;"; break;
		case '<': e = "&lt;"; break;
		case '>': e = "&gt;"; break;
		case '"': e = "&quot;"; break;
		case '\'': e = "&apos;"; break;
		}
		if (e) {
			strcpy(out + n, e);
			n += strlen(e);
		} else {
			out[n++] = *s;
		}
	}
	out[n] = '\0';
}

static void test_svg(void **state)
{
	struct fixture *fx = *state;
	char *path = path_in(fx, "flame.svg"), *svg, *lines, *line, *save;
	struct ac_svg_opts o = { .title = "pid 4242 <test> & \"more\"" };
	const char *why;
	char cmd[512], want[256];

	assert_int_equal(ac_svg_write_opts(path, &fx->s, &o), 0);
	assert_false(exists(path_in(fx, "flame.svg.tmp")));
	svg = slurp(path);
	why = xml_check(svg);
	if (why)
		fail_msg("SVG not well-formed: %s", why);
	/* libxml2-utils is one of make deps' packages */
	if (system("command -v xmllint >/dev/null 2>&1"))
		fail_msg("xmllint missing: run make deps");
	snprintf(cmd, sizeof(cmd), "xmllint --noout '%s'", path);
	assert_int_equal(system(cmd), 0);
	assert_non_null(strstr(svg, "pid 4242 &lt;test&gt; &amp; "
				    "&quot;more&quot;"));
	assert_non_null(strstr(svg, "<script"));
	assert_non_null(strstr(svg, "data-n=\"all\""));

	/* every frame of every folded path is drawn */
	lines = strdup(folded_text);
	for (line = strtok_r(lines, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char *frames = line, *f, *fsave;

		*strrchr(line, ' ') = '\0';
		for (f = strtok_r(frames, ";", &fsave); f;
		     f = strtok_r(NULL, ";", &fsave)) {
			char esc[128];

			xml_escape(f, esc, sizeof(esc));
			snprintf(want, sizeof(want), "data-n=\"%s\"", esc);
			if (!strstr(svg, want))
				fail_msg("frame %s missing from the SVG", f);
		}
	}
	free(lines);
	/* the tooltip: name, time, share, calls */
	assert_non_null(strstr(svg, "<title>tracker_update_partial (24.800 ms"));
	if (!strstr(svg, "20 calls, self 20.000 ms)</title>"))
		fail_msg("tooltip: %s", strstr(svg, "<title>tracker_update_partial"));
	free(svg);
}

static void test_svg_empty(void **state)
{
	struct fixture *fx = *state;
	struct ac_snapshot s = fx->s;
	char *path = path_in(fx, "empty.svg"), *svg;

	s.npaths = 0;
	assert_int_equal(ac_svg_write(path, &s), 0);
	svg = slurp(path);
	assert_null(xml_check(svg));
	assert_non_null(strstr(svg, "no call paths recorded"));
	assert_non_null(strstr(svg, "autocue-trace: pid 4242, 2.5 s"));
	free(svg);
}

/* --- atomic writes ---------------------------------------------------- */

static void test_unwritable(void **state)
{
	struct fixture *fx = *state;
	char *file = path_in(fx, "plain"), *dir = path_in(fx, "adir");
	char bad[300], old[] = "old contents\n", *text;
	FILE *f;

	/* no such directory */
	snprintf(bad, sizeof(bad), "%s/missing/out.json", fx->dir);
	assert_int_equal(ac_json_write(bad, &fx->s), -ENOENT);
	assert_int_equal(ac_folded_write(bad, &fx->s), -ENOENT);
	assert_int_equal(ac_svg_write(bad, &fx->s), -ENOENT);
	assert_false(exists(bad));

	/* a "directory" that is a file */
	f = fopen(file, "w");
	assert_non_null(f);
	fputs(old, f);
	fclose(f);
	snprintf(bad, sizeof(bad), "%s/out.json", file);
	assert_int_equal(ac_json_write(bad, &fx->s), -ENOTDIR);

	/* the rename fails (target is a directory): temporary removed */
	assert_int_equal(mkdir(dir, 0755), 0);
	assert_int_equal(ac_json_write(dir, &fx->s), -EISDIR);
	assert_int_equal(ac_svg_write(dir, &fx->s), -EISDIR);
	assert_int_equal(ac_folded_write(dir, &fx->s), -EISDIR);
	snprintf(bad, sizeof(bad), "%s.tmp", dir);
	assert_false(exists(bad));

	/* an existing file is replaced whole */
	assert_int_equal(ac_folded_write(file, &fx->s), 0);
	text = slurp(file);
	assert_string_equal(text, folded_text);
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_table, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bounds_in_table, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_bounds_in_json, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_table_sort_top_empty,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_table_raw, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_tmp_link_not_followed,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_folded, setup, teardown),
		cmocka_unit_test_setup_teardown(test_json, setup, teardown),
		cmocka_unit_test_setup_teardown(test_func_costs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_json_intervals_full_disk, setup, teardown),
		cmocka_unit_test_setup_teardown(test_json_intervals, setup,
						teardown),
		cmocka_unit_test(test_xml_checker),
		cmocka_unit_test_setup_teardown(test_svg, setup, teardown),
		cmocka_unit_test_setup_teardown(test_svg_empty, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_unwritable, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

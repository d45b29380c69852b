// SPDX-License-Identifier: MIT
/* Latency assertions: parse NAME:STAT<LIMIT, evaluate, print a verdict. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "assertions.h"
#include "lines.h"
#include "quote.h"

#define UNITS	"(ns|us|ms|s)"
#define STATS	"(count|avg|min|max|p50|p90|p95|p99|p999|total)"

static const struct {
	const char *name;
	enum ac_stat_kind stat;
	double q;		/* percentile, for pNN */
} stats[] = {
	{ "count", AC_STAT_COUNT, 0 },	{ "avg", AC_STAT_AVG, 0 },
	{ "min", AC_STAT_MIN, 0 },	{ "max", AC_STAT_MAX, 0 },
	{ "p50", AC_STAT_P50, 0.50 },	{ "p90", AC_STAT_P90, 0.90 },
	{ "p95", AC_STAT_P95, 0.95 },	{ "p99", AC_STAT_P99, 0.99 },
	{ "p999", AC_STAT_P999, 0.999 }, { "total", AC_STAT_TOTAL, 0 },
	{ "median", AC_STAT_P50, 0.50 },	/* alias; printed as p50 */
};

static const struct {
	const char *name;
	double ns;
} units[] = {
	{ "ns", 1 }, { "us", 1e3 }, { "\xc2\xb5s", 1e3 }, { "ms", 1e6 },
	{ "s", 1e9 },
};

static const char *const cmp_names[] = {
	[AC_CMP_LT] = "<", [AC_CMP_LE] = "<=", [AC_CMP_GT] = ">",
	[AC_CMP_GE] = ">=",
};

double ac_unit_ns(const char *unit, size_t len)
{
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (strlen(units[i].name) == len &&
		    !strncmp(unit, units[i].name, len))
			return units[i].ns;
	return 0;
}

const char *ac_stat_name(enum ac_stat_kind stat)
{
	for (size_t i = 0; i < sizeof(stats) / sizeof(stats[0]); i++)
		if (stats[i].stat == stat)
			return stats[i].name;
	return "?";
}

const char *ac_cmp_name(enum ac_cmp op)
{
	return op <= AC_CMP_GE ? cmp_names[op] : "?";
}

static double stat_q(enum ac_stat_kind stat)
{
	for (size_t i = 0; i < sizeof(stats) / sizeof(stats[0]); i++)
		if (stats[i].stat == stat)
			return stats[i].q;
	return 0;
}

__attribute__((format(printf, 4, 5)))
static int fail(char *err, size_t errlen, const char *expr,
		const char *fmt, ...)
{
	char why[160], msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	/* the expression is input (a targets file, an argument): quoted */
	snprintf(msg, sizeof(msg), "bad assertion '%s': %s", expr, why);
	if (err && errlen)
		ac_quote(err, errlen, msg);
	return -EINVAL;
}

static const char *skip_ws(const char *p)
{
	while (isspace((unsigned char)*p))
		p++;
	return p;
}

/* [start, end) without surrounding blanks, as a new string */
static char *trimmed(const char *start, const char *end)
{
	start = skip_ws(start);
	while (end > start && isspace((unsigned char)end[-1]))
		end--;
	return strndup(start, end - start);
}

static int parse_stat(const char **pp, enum ac_stat_kind *stat, char *err,
		      size_t errlen, const char *expr)
{
	const char *p = skip_ws(*pp), *end = p;
	size_t len;

	while (isalnum((unsigned char)*end))
		end++;
	len = end - p;
	if (!len)
		return fail(err, errlen, expr, "missing statistic " STATS);
	for (size_t i = 0; i < sizeof(stats) / sizeof(stats[0]); i++) {
		if (strlen(stats[i].name) == len &&
		    !strncasecmp(p, stats[i].name, len)) {
			*stat = stats[i].stat;
			*pp = end;
			return 0;
		}
	}
	return fail(err, errlen, expr, "unknown statistic '%.*s' " STATS,
		    (int)len, p);
}

static int parse_op(const char **pp, enum ac_cmp *op, char *err,
		    size_t errlen, const char *expr)
{
	const char *p = skip_ws(*pp);

	if (p[0] == '<' || p[0] == '>') {
		bool eq = p[1] == '=';

		if (p[0] == '<')
			*op = eq ? AC_CMP_LE : AC_CMP_LT;
		else
			*op = eq ? AC_CMP_GE : AC_CMP_GT;
		*pp = p + 1 + eq;
		return 0;
	}
	if (*p == '=' || *p == '!')
		return fail(err, errlen, expr, "unsupported comparison "
			    "'%.2s' (<, <=, >, >=)", p);
	return fail(err, errlen, expr, "missing comparison (<, <=, >, >=)");
}

static int parse_limit(const char *p, struct ac_assertion *a, char *err,
		       size_t errlen, const char *expr)
{
	const char *start = skip_ws(p), *u, *end;
	char *num_end;
	double v;
	size_t ulen;

	if (!*start)
		return fail(err, errlen, expr, "missing limit");
	errno = 0;
	v = strtod(start, &num_end);
	if (num_end == start || errno || !isfinite(v))
		return fail(err, errlen, expr, "bad limit '%s'", start);
	if (v < 0)
		return fail(err, errlen, expr, "negative limit");
	u = skip_ws(num_end);
	end = u;
	while (*end && !isspace((unsigned char)*end))
		end++;
	ulen = end - u;
	if (*skip_ws(end))
		return fail(err, errlen, expr, "unexpected '%s' after the "
			    "limit", skip_ws(end));
	if (a->stat == AC_STAT_COUNT) {
		if (ulen)
			return fail(err, errlen, expr, "count takes a plain "
				    "number, not '%.*s'", (int)ulen, u);
		a->limit = v;
		a->unit_ns = 1;
		a->unit[0] = '\0';
		goto done;
	}
	if (!ulen)
		return fail(err, errlen, expr, "missing unit " UNITS);
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strlen(units[i].name) == ulen &&
		    !strncmp(u, units[i].name, ulen)) {
			a->limit = v * units[i].ns;
			a->unit_ns = units[i].ns;
			/* µs prints as us: tables stay ASCII */
			snprintf(a->unit, sizeof(a->unit), "%s",
				 units[i].ns == 1e3 ? "us" : units[i].name);
			goto done;
		}
	}
	return fail(err, errlen, expr, "unknown unit '%.*s' " UNITS,
		    (int)ulen, u);

done:
	a->limit_text = NULL;
	if (asprintf(&a->limit_text, "%.*s%s", (int)(num_end - start), start,
		     a->unit) < 0) {
		a->limit_text = NULL;
		return -ENOMEM;
	}
	return 0;
}

int ac_assertion_parse(const char *expr, struct ac_assertion *a,
		       char *err, size_t errlen)
{
	const char *colon, *p;
	char *shown;
	int ret;

	memset(a, 0, sizeof(*a));
	if (!expr)
		return -EINVAL;
	/* quote the expression without its surrounding blanks */
	shown = trimmed(expr, expr + strlen(expr));
	if (!shown)
		return -ENOMEM;
	colon = strchr(shown, ':');
	if (!colon) {
		ret = fail(err, errlen, shown, "expected NAME:STAT<LIMIT, "
			   "e.g. parse:p95<20ms");
		goto cleanup;
	}
	a->name = trimmed(shown, colon);
	if (!a->name) {
		ret = -ENOMEM;
		goto cleanup;
	}
	if (!*a->name) {
		ret = fail(err, errlen, shown, "missing probe name");
		goto cleanup;
	}
	for (p = a->name; *p; p++) {
		if (isspace((unsigned char)*p)) {
			ret = fail(err, errlen, shown, "probe name '%s' "
				   "contains a blank", a->name);
			goto cleanup;
		}
		/* probes are C identifiers, Python functions dotted names
		 * ("autocue.tracker.<listcomp>"); anything else (a control
		 * byte) would reach the assertion table as it is */
		if (!isalnum((unsigned char)*p) && !strchr("_.<>-", *p)) {
			ret = fail(err, errlen, shown, "probe name '%s' is not "
				   "a C identifier or a Python module.function",
				   a->name);
			goto cleanup;
		}
	}
	p = colon + 1;
	ret = parse_stat(&p, &a->stat, err, errlen, shown);
	if (!ret)
		ret = parse_op(&p, &a->op, err, errlen, shown);
	if (!ret)
		ret = parse_limit(p, a, err, errlen, shown);

cleanup:
	free(shown);
	if (ret)
		ac_assertion_free(a);
	return ret;
}

void ac_assertion_free(struct ac_assertion *a)
{
	if (!a)
		return;
	free(a->name);
	free(a->limit_text);
	free(a->where);
	memset(a, 0, sizeof(*a));
}

static int push(struct ac_assertions *set, struct ac_assertion *a)
{
	if (set->n == set->cap) {
		int cap = set->cap ? set->cap * 2 : 8;
		struct ac_assertion *v = realloc(set->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		set->v = v;
		set->cap = cap;
	}
	set->v[set->n++] = *a;
	return 0;
}

int ac_assertions_add(struct ac_assertions *set, const char *expr,
		      char *err, size_t errlen)
{
	struct ac_assertion a;
	int ret;

	ret = ac_assertion_parse(expr, &a, err, errlen);
	if (ret)
		return ret;
	ret = push(set, &a);
	if (ret) {
		ac_assertion_free(&a);
		if (err && errlen)
			snprintf(err, errlen, "out of memory");
	}
	return ret;
}

/* blank or comment-only after dropping the comment */
static bool strip_comment(char *line)
{
	char *hash = strchr(line, '#');

	if (hash)
		*hash = '\0';
	return !*skip_ws(line);
}

__attribute__((format(printf, 3, 4)))
static void load_error(char *err, size_t errlen, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	ac_quote(err, errlen, msg);
}

int ac_assertions_load(struct ac_assertions *set, const char *path,
		       char *err, size_t errlen)
{
	struct ac_lines in = { .max_line = AC_TARGETS_MAX_LINE };
	char why[512];
	size_t total = 0;
	int first = set->n, ret = 0, got;
	struct ac_assertion a;
	struct stat st;

	in.f = fopen(path, "r");
	if (!in.f) {
		ret = -errno;
		load_error(err, errlen, "cannot read targets file %s: %s",
			   path, strerror(-ret));
		return ret;
	}
	/* a directory opens, then every read fails with EISDIR ("Input/output
	 * error" from ferror alone) */
	if (!fstat(fileno(in.f), &st) && S_ISDIR(st.st_mode)) {
		ret = -EISDIR;
		load_error(err, errlen, "cannot read targets file %s: %s",
			   path, strerror(EISDIR));
		goto cleanup;
	}
	while ((got = ac_lines_next(&in)) > 0) {
		total += in.len;
		if (total > AC_TARGETS_MAX_FILE) {
			ret = -E2BIG;
			load_error(err, errlen, "%s:%ld: targets file larger "
				   "than %d bytes", path, in.lineno,
				   AC_TARGETS_MAX_FILE);
			goto cleanup;
		}
		if (strlen(in.line) != in.len) {
			ret = -EINVAL;
			load_error(err, errlen, "%s:%ld: holds a NUL byte", path,
				   in.lineno);
			goto cleanup;
		}
		if (strip_comment(in.line))
			continue;
		ret = ac_assertion_parse(in.line, &a, why, sizeof(why));
		if (ret) {
			load_error(err, errlen, "%s:%ld: %s", path, in.lineno,
				   ret == -EINVAL ? why : strerror(-ret));
			goto cleanup;
		}
		if (asprintf(&a.where, "%s:%ld", AC_Q(path), in.lineno) < 0) {
			a.where = NULL;
			ac_assertion_free(&a);
			ret = -ENOMEM;
			goto cleanup;
		}
		ret = push(set, &a);
		if (ret) {
			ac_assertion_free(&a);
			goto cleanup;
		}
	}
	if (got == -E2BIG) {
		ret = -E2BIG;
		load_error(err, errlen, "%s:%ld: line longer than %d bytes",
			   path, in.lineno, AC_TARGETS_MAX_LINE);
	} else if (got < 0) {
		ret = got;
		load_error(err, errlen, "cannot read targets file %s: %s",
			   path, strerror(-got));
	}

cleanup:
	if (ret) {
		/* all or nothing: a half-loaded targets file misleads */
		while (set->n > first)
			ac_assertion_free(&set->v[--set->n]);
		if (ret == -ENOMEM && err && errlen)
			snprintf(err, errlen, "out of memory");
	}
	ac_lines_free(&in);
	fclose(in.f);
	return ret;
}

struct ac_assertions *ac_assertions_new(void)
{
	return calloc(1, sizeof(struct ac_assertions));
}

void ac_assertions_free(struct ac_assertions *set)
{
	if (!set)
		return;
	for (int i = 0; i < set->n; i++)
		ac_assertion_free(&set->v[i]);
	free(set->v);
	free(set);
}

int ac_assertions_count(const struct ac_assertions *set)
{
	return set ? set->n : 0;
}

static double actual_of(const struct ac_probe_stats *p,
			enum ac_stat_kind stat)
{
	switch (stat) {
	case AC_STAT_COUNT:
		return (double)p->count;
	case AC_STAT_AVG:
		return ac_probe_mean_ns(p);
	default:
		break;
	}
	/* only cold calls (a once-run init): their extremes bound them all */
	if (!ac_probe_warm_calls(p))
		return stat == AC_STAT_TOTAL ? (double)p->cold_total_ns
					     : (double)p->cold_max_ns;
	switch (stat) {
	case AC_STAT_MIN:
		return (double)p->min_ns;
	case AC_STAT_MAX:
		return (double)p->max_ns;
	case AC_STAT_TOTAL:
		return (double)p->total_ns;
	default:
		/* exact samples when present, else the histogram */
		return (double)ac_probe_percentile(p, stat_q(stat));
	}
}

static bool holds(double actual, enum ac_cmp op, double limit)
{
	switch (op) {
	case AC_CMP_LT: return actual < limit;
	case AC_CMP_LE: return actual <= limit;
	case AC_CMP_GT: return actual > limit;
	case AC_CMP_GE: return actual >= limit;
	}
	return false;
}

/* How far the actual value is from the limit, relative to the limit:
 * "23.4% over", "12.0% under"; absolute when the limit is 0. */
static void margin(const struct ac_assertion *a, double actual, char *buf,
		   size_t len)
{
	double d = actual - a->limit, ad = d < 0 ? -d : d;
	const char *side = d > 0 ? "over" : "under";

	if (d == 0)
		snprintf(buf, len, "at the limit");
	else if (a->limit > 0)
		snprintf(buf, len, "%.1f%% %s", 100 * ad / a->limit, side);
	else
		snprintf(buf, len, "%g%s %s", ad / a->unit_ns, a->unit, side);
}

void ac_assertion_eval(const struct ac_assertion *a,
		       const struct ac_snapshot *s,
		       struct ac_assert_result *r)
{
	const struct ac_probe_stats *p = ac_snapshot_find(s, a->name);

	memset(r, 0, sizeof(*r));
	if (!p) {
		snprintf(r->note, sizeof(r->note), "no such probe");
		return;
	}
	if (!p->count && a->stat != AC_STAT_COUNT) {
		snprintf(r->note, sizeof(r->note), "never called");
		return;
	}
	r->measured = true;
	r->actual = actual_of(p, a->stat);
	r->pass = holds(r->actual, a->op, a->limit);
	margin(a, r->actual, r->note, sizeof(r->note));
}

static void fmt_actual(const struct ac_assertion *a,
		       const struct ac_assert_result *r, char *buf,
		       size_t len)
{
	if (!r->measured)
		snprintf(buf, len, "-");
	else if (a->stat == AC_STAT_COUNT)
		snprintf(buf, len, "%.0f", r->actual);
	else
		snprintf(buf, len, "%.3f%s", r->actual / a->unit_ns, a->unit);
}

#define NCOLS 6

int ac_assertions_check(const struct ac_assertions *set,
			const struct ac_snapshot *s, FILE *out)
{
	static const char *const head[NCOLS] = {
		"NAME", "STAT", "OP", "LIMIT", "ACTUAL", "RESULT",
	};
	struct ac_assert_result *res;
	char (*actual)[48], (*result)[96];
	int w[NCOLS], failed = 0;

	if (!out || !set || !s)
		return -EINVAL;
	res = calloc(set->n + 1, sizeof(*res));
	actual = calloc(set->n + 1, sizeof(*actual));
	result = calloc(set->n + 1, sizeof(*result));
	if (!res || !actual || !result) {
		failed = -ENOMEM;
		goto cleanup;
	}
	for (int c = 0; c < NCOLS; c++)
		w[c] = (int)strlen(head[c]);
	for (int i = 0; i < set->n; i++) {
		const struct ac_assertion *a = &set->v[i];
		const char *cells[NCOLS - 1];

		ac_assertion_eval(a, s, &res[i]);
		failed += !res[i].pass;
		fmt_actual(a, &res[i], actual[i], sizeof(actual[i]));
		snprintf(result[i], sizeof(result[i]), "%s (%s)",
			 res[i].pass ? "PASS" : "FAIL", res[i].note);
		cells[0] = a->name;
		cells[1] = ac_stat_name(a->stat);
		cells[2] = ac_cmp_name(a->op);
		cells[3] = a->limit_text;
		cells[4] = actual[i];
		for (int c = 0; c < NCOLS - 1; c++)
			if ((int)strlen(cells[c]) > w[c])
				w[c] = (int)strlen(cells[c]);
	}
	fprintf(out, "%-*s  %-*s  %-*s  %*s  %*s  %s\n", w[0], head[0], w[1],
		head[1], w[2], head[2], w[3], head[3], w[4], head[4], head[5]);
	for (int i = 0; i < set->n; i++) {
		const struct ac_assertion *a = &set->v[i];

		fprintf(out, "%-*s  %-*s  %-*s  %*s  %*s  %s\n", w[0], a->name,
			w[1], ac_stat_name(a->stat), w[2], ac_cmp_name(a->op),
			w[3], a->limit_text, w[4], actual[i], result[i]);
	}
	if (failed)
		fprintf(out, "assertions: %d of %d failed\n", failed, set->n);
	else
		fprintf(out, "assertions: all %d passed\n", set->n);
	if (fflush(out) || ferror(out))
		failed = -(errno ? errno : EIO);

cleanup:
	free(res);
	free(actual);
	free(result);
	return failed;
}

// SPDX-License-Identifier: MIT
/* The text table: one row per probe, widths fitted to the content. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "report.h"

#define CELL	32	/* a formatted number or "-" */
#define MAX_COLS 12

static const char *const lost_labels[AC_LOST_NR] = {
#define AC_LOST_LABEL(name, label, key) [AC_LOST_##name] = label,
	AC_LOST_LIST(AC_LOST_LABEL)
#undef AC_LOST_LABEL
};

static const char *const lost_keys[AC_LOST_NR] = {
#define AC_LOST_KEY(name, label, key) [AC_LOST_##name] = key,
	AC_LOST_LIST(AC_LOST_KEY)
#undef AC_LOST_KEY
};

const char *ac_lost_label(int i)
{
	return i >= 0 && i < AC_LOST_NR ? lost_labels[i] : NULL;
}

const char *ac_lost_key(int i)
{
	return i >= 0 && i < AC_LOST_NR ? lost_keys[i] : NULL;
}

int ac_sort_parse(const char *name, enum ac_sort *out)
{
	static const struct {
		const char *name;
		enum ac_sort key;
	} keys[] = {
		{ "total", AC_SORT_TOTAL }, { "avg", AC_SORT_AVG },
		{ "calls", AC_SORT_CALLS }, { "p99", AC_SORT_P99 },
		{ "name", AC_SORT_NAME },
	};

	for (size_t i = 0; name && i < sizeof(keys) / sizeof(keys[0]); i++) {
		if (!strcmp(name, keys[i].name)) {
			*out = keys[i].key;
			return 0;
		}
	}
	return -EINVAL;
}

bool ac_overhead_dominated(const struct ac_snapshot *s,
			   const struct ac_probe_stats *p)
{
	double pair = ac_probe_pair_ns(s, p);	/* its own kind's */

	return pair > 0 && p->count && ac_probe_mean_ns(p) < 3 * pair;
}

double ac_beneath_share(const struct ac_snapshot *s,
			const struct ac_probe_stats *p)
{
	double beneath = ac_probe_beneath_ns(s, p);

	return beneath > 0 ? beneath / (beneath + (double)p->total_ns) : 0;
}

struct row {
	const struct ac_probe_stats *p;
	uint64_t p99;	/* sort key, computed once */
};

struct sorter {
	enum ac_sort key;
};

/* qsort has no context argument; qsort_r (glibc) does */
static int cmp_rows(const void *a, const void *b, void *arg)
{
	const struct row *x = a, *y = b;
	const struct sorter *st = arg;
	double dx = 0, dy = 0;

	/* never-called probes always go last */
	if (!x->p->count != !y->p->count)
		return x->p->count ? -1 : 1;
	switch (st->key) {
	case AC_SORT_TOTAL:
		dx = (double)x->p->total_ns, dy = (double)y->p->total_ns;
		break;
	case AC_SORT_AVG:
		dx = ac_probe_mean_ns(x->p), dy = ac_probe_mean_ns(y->p);
		break;
	case AC_SORT_CALLS:
		dx = (double)x->p->count, dy = (double)y->p->count;
		break;
	case AC_SORT_P99:
		dx = (double)x->p99, dy = (double)y->p99;
		break;
	case AC_SORT_NAME:
		break;
	}
	if (dx != dy)
		return dx > dy ? -1 : 1;
	/* ties by name, so the output is deterministic */
	return strcmp(x->p->name, y->p->name);
}

struct table {
	int ncols, nrows;
	const char *head[MAX_COLS];
	bool left[MAX_COLS];
	char (*cells)[MAX_COLS][CELL];	/* nrows rows */
	const char **names;		/* column 0 is a name: any length */
	const struct ac_snapshot *s;	/* what the rows come from */
	int width[MAX_COLS];
};

/* Milliseconds with 3 decimals, or the 3 significant digits a shorter
 * duration needs: 412 ns is 0.000412, not 0.000. */
static void fmt_ms_plain(char *buf, size_t len, double ns)
{
	if (ns >= 1000 || ns <= 0)
		snprintf(buf, len, "%.3f", ns / 1e6);
	else
		snprintf(buf, len, "%.*f", ns >= 100 ? 6 : ns >= 10 ? 7 : 8,
			 ns / 1e6);
}

/* A duration the probe-cost noise hides is shown as the bound it is (p's
 * kind of pair's). */
static void fmt_ms(const struct ac_snapshot *s, const struct ac_probe_stats *p,
		   char *buf, double ns)
{
	if (s->compensated && ns < ac_probe_resolution_ns(s, p)) {
		buf[0] = '<';
		fmt_ms_plain(buf + 1, CELL - 1, 2 * ac_probe_resolution_ns(s, p));
		return;
	}
	fmt_ms_plain(buf, CELL, ns);
}

/* A cold call's duration holds one-time kernel work: an upper bound. */
static void fmt_bound(char *buf, double ns)
{
	buf[0] = '~';
	buf[1] = '<';
	fmt_ms_plain(buf + 2, CELL - 2, ns);
}

static bool has_exact(const struct ac_snapshot *s)
{
	for (int i = 0; i < s->nprobes; i++)
		if (s->probes[i].nexact)
			return true;
	return false;
}

/* An exact-mode column: the exact percentile, or "-" without one. */
static void exact_cell(const struct table *t, char *buf,
		       const struct ac_probe_stats *p, double q)
{
	if (p->nexact)
		fmt_ms(t->s, p, buf, ac_probe_percentile(p, q));
	else
		strcpy(buf, "-");
}

static void fill_row(struct table *t, int r, const struct ac_probe_stats *p,
		     bool exact, bool beneath)
{
	char (*c)[CELL] = t->cells[r];
	int n = 1;

	snprintf(c[n++], CELL, "%llu", (unsigned long long)p->count);
	if (!p->count) {
		/* nothing measured: a dash says so better than 0.000 */
		while (n < t->ncols)
			strcpy(c[n++], "-");
		return;
	}
	if (!ac_probe_warm_calls(p)) {
		/* cold calls only: what they read bounds them */
		fmt_bound(c[n++], (double)p->cold_total_ns);
		fmt_bound(c[n++], ac_probe_mean_ns(p));
		while (n < t->ncols - (beneath ? 1 : 0))
			fmt_bound(c[n++], (double)p->cold_max_ns);
		if (beneath)
			strcpy(c[n++], "-");
		return;
	}
	fmt_ms(t->s, p, c[n++], p->total_ns);
	fmt_ms(t->s, p, c[n++], ac_probe_mean_ns(p));
	fmt_ms(t->s, p, c[n++], p->min_ns);
	fmt_ms(t->s, p, c[n++], p->max_ns);
	fmt_ms(t->s, p, c[n++], ac_probe_hist_percentile(p, 0.50));
	fmt_ms(t->s, p, c[n++], ac_probe_hist_percentile(p, 0.95));
	if (exact)
		exact_cell(t, c[n++], p, 0.95);
	fmt_ms(t->s, p, c[n++], ac_probe_hist_percentile(p, 0.99));
	if (exact)
		exact_cell(t, c[n++], p, 0.99);
	if (beneath)
		snprintf(c[n++], CELL, "%.0f%%", 100 * ac_beneath_share(t->s, p));
}

static void set_columns(struct table *t, bool exact, bool beneath)
{
	int n = 0;

	t->left[n] = true;
	t->head[n++] = "Function";
	t->head[n++] = "Calls";
	t->head[n++] = "Total(ms)";
	t->head[n++] = "Avg(ms)";
	t->head[n++] = "Min(ms)";
	t->head[n++] = "Max(ms)";
	t->head[n++] = "Median(ms)";
	t->head[n++] = "P95(ms)";
	if (exact)
		t->head[n++] = "P95x(ms)";
	t->head[n++] = "P99(ms)";
	if (exact)
		t->head[n++] = "P99x(ms)";
	/* the probe cost of the traced calls beneath, subtracted: the share
	 * of the row's raw time whose correction rests on the calibration */
	if (beneath)
		t->head[n++] = "Probes%";
	t->ncols = n;
}

static void fit_widths(struct table *t, const bool *star)
{
	for (int c = 0; c < t->ncols; c++)
		t->width[c] = (int)strlen(t->head[c]);
	for (int r = 0; r < t->nrows; r++) {
		int w = (int)strlen(t->names[r]) + (star[r] ? 1 : 0);

		if (w > t->width[0])
			t->width[0] = w;
		for (int c = 1; c < t->ncols; c++) {
			w = (int)strlen(t->cells[r][c]);
			if (w > t->width[c])
				t->width[c] = w;
		}
	}
}

static void print_cells(FILE *out, const struct table *t,
			const char *const *text)
{
	for (int c = 0; c < t->ncols; c++) {
		const char *sep = c ? "  " : "";

		if (t->left[c])
			fprintf(out, "%s%-*s", sep, t->width[c], text[c]);
		else
			fprintf(out, "%s%*s", sep, t->width[c], text[c]);
	}
	fputc('\n', out);
}

static void print_table(FILE *out, const struct table *t, const bool *star)
{
	const char *text[MAX_COLS];
	char name[512];
	int total = 0;

	print_cells(out, t, t->head);
	for (int c = 0; c < t->ncols; c++)
		total += t->width[c] + (c ? 2 : 0);
	for (int i = 0; i < total; i++)
		fputc('-', out);
	fputc('\n', out);
	for (int r = 0; r < t->nrows; r++) {
		snprintf(name, sizeof(name), "%s%s", t->names[r],
			 star[r] ? "*" : "");
		text[0] = name;
		for (int c = 1; c < t->ncols; c++)
			text[c] = t->cells[r][c];
		print_cells(out, t, text);
	}
}

/* Rows whose time is mostly probe cost of the calls beneath them, and the
 * probes to leave out: the most called ones whose own mean is within a few
 * probe costs of zero (they say little and cost the most). */
static void print_dominated(FILE *out, const struct ac_snapshot *s)
{
	const struct ac_probe_stats *worst = NULL, *hot = NULL;

	for (int i = 0; i < s->nprobes; i++) {
		const struct ac_probe_stats *p = &s->probes[i];

		if (ac_beneath_share(s, p) > 0.5 &&
		    (!worst || p->total_ns > worst->total_ns))
			worst = p;
		if (p->count && ac_overhead_dominated(s, p) &&
		    (!hot || p->count > hot->count))
			hot = p;
	}
	if (!worst)
		return;
	fprintf(out, "probe cost dominates: %.0f%% of %s's measured time was "
		"the probes of the calls beneath it (corrected, +- %.3f ms)",
		100 * ac_beneath_share(s, worst), worst->name,
		ac_probe_beneath_error_ns(s, worst) / 1e6);
	if (hot)
		fprintf(out, "; leave out %s (%llu calls): --probes '!%s' "
			"or --max-overhead", hot->name,
			(unsigned long long)hot->count, hot->name);
	fputc('\n', out);
}

static void print_cold(FILE *out, const struct ac_snapshot *s)
{
	uint64_t n = 0;
	int rows = 0;

	for (int i = 0; i < s->nprobes; i++) {
		n += s->probes[i].cold_count;
		rows += s->probes[i].cold_count > 0;
	}
	if (n)
		fprintf(out, "first calls: %llu call%s (%d row%s) held a probe "
			"site's first hits, whose one-time kernel set-up they "
			"include; counted, left out of the durations (~< marks "
			"rows that have only such calls: upper bounds)\n",
			(unsigned long long)n, n == 1 ? "" : "s", rows,
			rows == 1 ? "" : "s");
}

void ac_report_func_costs(FILE *out, const struct ac_snapshot *s,
			  int decimals)
{
	static const char *const how[AC_FUNC_ENTRY_NR] = {
		[AC_FUNC_ENTRY_EMULATED] = "entry emulated",
		[AC_FUNC_ENTRY_STEPPED] = "entry single-stepped",
	};
	bool first = true;

	for (int k = 0; k < AC_FUNC_ENTRY_NR; k++) {
		const struct ac_func_cost *f = &s->func[k];

		if (!f->functions)
			continue;
		fprintf(out, "%s%s (%d function%s) %.*f us a call, %.*f us of "
			"it inside, resolution %.*f us", first ? "--func pairs: " :
			"; ", how[k], f->functions, f->functions == 1 ? "" : "s",
			decimals, f->pair_ns / 1e3, decimals, f->inner_ns / 1e3,
			decimals, f->resolution_ns / 1e3);
		first = false;
	}
}

static void print_footer(FILE *out, const struct ac_snapshot *s,
			 bool any_star, int more, int empty_hidden)
{
	bool first = true;

	if (more > 0)
		fprintf(out, "(%d more not shown)\n", more);
	if (empty_hidden > 0)
		fprintf(out, "(%d probe%s never called, not shown)\n",
			empty_hidden, empty_hidden == 1 ? "" : "s");
	if (s->compensated) {
		fprintf(out, "probe cost subtracted per traced call: %.3f us "
			"(%.3f us of it inside the call's own time); "
			"resolution %.3f us: shorter reads as <%.3f us\n",
			s->pair_ns / 1e3, s->inner_ns / 1e3,
			s->resolution_ns / 1e3, ac_snapshot_bound_ns(s) / 1e3);
		if (s->func[0].functions || s->func[1].functions) {
			ac_report_func_costs(out, s, 3);
			fprintf(out, ": subtracted as a USDT pair's is\n");
		}
		/* not subtracted: said, with what it comes to at 1 ms */
		if (ac_snapshot_stale_ns(s, 1e6) > 0)
			fprintf(out, "probe hits after a while without one cost "
				"more (cold caches), not subtracted: a call "
				"may read up to %.3f us long at 100 us, %.3f us "
				"at 1 ms\n", ac_snapshot_stale_ns(s, 1e5) / 1e3,
				ac_snapshot_stale_ns(s, 1e6) / 1e3);
	} else if (s->pair_ns > 0) {
		fprintf(out, "raw figures (no compensation): each traced call "
			"includes ~%.3f us of probe cost\n", s->pair_ns / 1e3);
	} else {
		fprintf(out, "raw figures (no compensation)\n");
	}
	for (int i = 0; i < AC_LOST_NR; i++) {
		if (!s->lost[i])
			continue;
		fprintf(out, "%s %llu %s", first ? "lost events:" : ",",
			(unsigned long long)s->lost[i], lost_labels[i]);
		first = false;
	}
	if (!first)
		fputc('\n', out);
	print_cold(out, s);
	print_dominated(out, s);
	if (any_star)
		fprintf(out, "* overhead-dominated: mean within 3 probe costs "
			"of zero\n");
	if (s->map_bytes)
		fprintf(out, "kernel maps: %llu KiB\n",
			(unsigned long long)(s->map_bytes + 1023) / 1024);
	if (s->tracee_signal)
		fprintf(out, "process %d killed by SIG%s\n", s->pid,
			sigabbrev_np(s->tracee_signal) ?: "?");
}

int ac_report_table(FILE *out, const struct ac_snapshot *s,
		    const struct ac_report_opts *o)
{
	static const struct ac_report_opts defaults = { .sort = AC_SORT_TOTAL };
	struct sorter st;
	struct table t = {};
	struct row *rows = NULL;
	bool *star = NULL, any_star = false, exact, beneath = false;
	int n = 0, shown, empty_hidden = 0, err = 0;

	if (!out || !s)
		return -EINVAL;
	if (!o)
		o = &defaults;
	exact = has_exact(s);
	t.s = s;
	for (int i = 0; i < s->nprobes; i++)
		beneath |= ac_probe_beneath_ns(s, &s->probes[i]) > 0;
	rows = calloc(s->nprobes + 1, sizeof(*rows));
	star = calloc(s->nprobes + 1, sizeof(*star));
	t.cells = calloc(s->nprobes + 1, sizeof(*t.cells));
	t.names = calloc(s->nprobes + 1, sizeof(*t.names));
	if (!rows || !star || !t.cells || !t.names) {
		err = -ENOMEM;
		goto cleanup;
	}
	for (int i = 0; i < s->nprobes; i++) {
		const struct ac_probe_stats *p = &s->probes[i];

		if (!p->count && !o->show_empty) {
			empty_hidden++;
			continue;
		}
		rows[n].p = p;
		rows[n].p99 = ac_probe_hist_percentile(p, 0.99);
		n++;
	}
	st.key = o->sort;
	qsort_r(rows, n, sizeof(*rows), cmp_rows, &st);
	shown = o->top > 0 && o->top < n ? o->top : n;

	set_columns(&t, exact, beneath);
	t.nrows = shown;
	for (int r = 0; r < shown; r++) {
		t.names[r] = rows[r].p->name;
		star[r] = ac_overhead_dominated(s, rows[r].p);
		any_star |= star[r];
		fill_row(&t, r, rows[r].p, exact, beneath);
	}
	fit_widths(&t, star);

	if (o->title)
		fprintf(out, "%s\n", o->title);
	if (shown)
		print_table(out, &t, star);
	else
		fprintf(out, "no calls recorded\n");
	print_footer(out, s, any_star, n - shown, empty_hidden);
	if (o->hist && shown)
		fputc('\n', out);
	for (int r = 0; o->hist && r < shown; r++)
		if (rows[r].p->count)
			ac_log2_hist_print(out, rows[r].p);
	if (fflush(out) || ferror(out))
		err = -(errno ? errno : EIO);

cleanup:
	free(rows);
	free(star);
	free(t.cells);
	free(t.names);
	return err;
}

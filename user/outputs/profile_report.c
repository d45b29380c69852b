// SPDX-License-Identifier: MIT
/* A recording's outputs: top functions, folded, SVG, JSON. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>
#include "folded.h"
#include "json_report.h"
#include "outfile.h"
#include "profile_report.h"
#include "quote.h"
#include "svg.h"

/* frame names by pointer (interned, or a scope's name): index of each */
struct names {
	const char **v;		/* slot -> name */
	bool *scope;
	int *idx;		/* slot -> row */
	size_t cap;
	int n;
};

static uint64_t hash_ptr(const void *p, bool scope)
{
	uint64_t x = (uintptr_t)p ^ scope;

	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	return x ^ (x >> 33);
}

static int names_init(struct names *t, const struct ac_profile *p)
{
	size_t frames = 1;

	for (int i = 0; i < p->nstacks; i++)
		frames += p->stacks[i].depth;
	t->cap = 16;
	while (t->cap < 2 * frames)
		t->cap *= 2;
	t->v = calloc(t->cap, sizeof(*t->v));
	t->scope = calloc(t->cap, sizeof(*t->scope));
	t->idx = calloc(t->cap, sizeof(*t->idx));
	t->n = 0;
	return t->v && t->scope && t->idx ? 0 : -ENOMEM;
}

static void names_free(struct names *t)
{
	free(t->v);
	free(t->scope);
	free(t->idx);
}

/* the row of name; new rows get the next index */
static int name_row(struct names *t, const char *name, bool scope, bool *new)
{
	size_t i = hash_ptr(name, scope) & (t->cap - 1);

	for (; t->v[i]; i = (i + 1) & (t->cap - 1))
		if (t->v[i] == name && t->scope[i] == scope) {
			*new = false;
			return t->idx[i];
		}
	t->v[i] = name;
	t->scope[i] = scope;
	t->idx[i] = t->n++;
	*new = true;
	return t->idx[i];
}

static int cmp_fn(const void *a, const void *b)
{
	const struct ac_profile_fn *x = a, *y = b;

	if (x->self != y->self)
		return x->self < y->self ? 1 : -1;
	if (x->total != y->total)
		return x->total < y->total ? 1 : -1;
	return strcmp(x->name, y->name);
}

static int cmp_fn_total(const void *a, const void *b)
{
	const struct ac_profile_fn *x = a, *y = b;

	if (x->total != y->total)
		return x->total < y->total ? 1 : -1;
	return cmp_fn(a, b);
}

int ac_profile_functions(const struct ac_profile *p, struct ac_profile_fn **out,
			 int *n)
{
	struct ac_profile_fn *fn = NULL;
	struct names t;
	int *seen = NULL, ret = -ENOMEM;

	*out = NULL;
	*n = 0;
	if (names_init(&t, p))
		goto cleanup;
	fn = calloc(t.cap, sizeof(*fn));
	seen = malloc(t.cap * sizeof(*seen));	/* row -> last stack */
	if (!fn || !seen)
		goto cleanup;
	for (int i = 0; i < p->nstacks; i++) {
		const struct ac_profile_stack *st = &p->stacks[i];

		/* the process frame is no function: by process below */
		for (int d = st->nproc; d < st->depth; d++) {
			bool scope = d < st->nproc + st->nscope, new;
			int r = name_row(&t, st->frames[d], scope, &new);

			if (new) {
				fn[r].name = st->frames[d];
				fn[r].scope = scope;
			} else if (seen[r] == i) {
				continue;	/* recursion: once a sample */
			}
			seen[r] = i;
			fn[r].total += st->count;
		}
		if (st->depth > st->nproc + st->nscope) {
			bool new;
			int r = name_row(&t, st->frames[st->depth - 1], false,
					 &new);

			fn[r].self += st->count;
		}
	}
	qsort(fn, t.n, sizeof(*fn), cmp_fn);
	*out = fn;
	*n = t.n;
	fn = NULL;
	ret = 0;
cleanup:
	free(fn);
	free(seen);
	names_free(&t);
	return ret;
}

static double pct(uint64_t n, uint64_t of)
{
	return of ? 100.0 * n / of : 0;
}

static void print_rows(FILE *out, const struct ac_profile_fn *fn, int n,
		       int top, uint64_t of)
{
	fprintf(out, "%7s %8s %7s %8s  %s\n", "Self%", "Self", "Total%",
		"Total", "Function");
	for (int i = 0; i < n && i < top; i++) {
		fprintf(out, "%6.1f%% %8llu %6.1f%% %8llu  ", pct(fn[i].self, of),
			(unsigned long long)fn[i].self, pct(fn[i].total, of),
			(unsigned long long)fn[i].total);
		/* names come from the traced program's files */
		fputs(AC_Q(fn[i].name), out);
		fputs(fn[i].scope ? " (traced scope)\n" : "\n", out);
	}
}

void ac_profile_warnings(FILE *out, const struct ac_profile *p)
{
	for (int i = 0; i < p->nnosym; i++)
		fprintf(out, "warning: %s has no symbols for the code %llu "
			"samples stopped in (stripped?): they show as "
			"[OBJECT+0xOFFSET]; give it a symbol table or its debug "
			"info (-g, or its -dbg package) to name them\n",
			AC_Q(p->nosym[i].object),
			(unsigned long long)p->nosym[i].unresolved);
	for (int i = 0; i < p->nfp; i++)
		fprintf(out, "warning: %s has no frame pointers (%d of the %d "
			"functions that make calls set one up; %.0f%% of user samples stop in "
			"it): its stacks lose their callers; rebuild it with "
			"-fno-omit-frame-pointer\n", AC_Q(p->fp[i].object),
			p->fp[i].with, p->fp[i].functions,
			pct(p->fp[i].leaves, p->counted));
	if (p->truncated)
		fprintf(out, "warning: %llu samples had stacks deeper than %d "
			"frames: their outermost frames are cut "
			"(\"" AC_FRAME_CUT "\")\n",
			(unsigned long long)p->truncated, AC_REC_MAX_FRAMES);
	if (p->lost_user || p->lost_kernel || p->lost_count)
		fprintf(out, "warning: stacks lost: %llu user, %llu kernel (the "
			"kernel's unwinder failed): shown as " AC_FRAME_LOST_USER
			" and " AC_FRAME_LOST_KERNEL "; %llu samples not counted "
			"(more distinct stacks than the map holds)\n",
			(unsigned long long)p->lost_user,
			(unsigned long long)p->lost_kernel,
			(unsigned long long)p->lost_count);
}

int ac_profile_print(FILE *out, const struct ac_profile *p, int top)
{
	struct ac_profile_fn *fn;
	int n, ret;

	ret = ac_profile_functions(p, &fn, &n);
	if (ret)
		return ret;
	if (top <= 0)
		top = 15;
	fprintf(out, "%llu samples in %.1f s at %d Hz (%.1f a second), %llu "
		"lost; %llu in traced scopes, %llu truncated, %llu with "
		"unresolved frames\n", (unsigned long long)p->samples,
		p->duration_s, p->hz,
		p->duration_s > 0 ? p->samples / p->duration_s : 0,
		(unsigned long long)(p->lost_count + p->lost_user +
				     p->lost_kernel),
		(unsigned long long)p->in_scope,
		(unsigned long long)p->truncated,
		(unsigned long long)p->unresolved);
	for (int i = 0; p->nprocs > 1 && i < p->nprocs; i++)
		fprintf(out, "  %s-%d: %llu samples (%.1f%%)\n",
			AC_Q(p->procs[i].comm), (int)p->procs[i].pid,
			(unsigned long long)p->procs[i].samples,
			pct(p->procs[i].samples, p->counted));
	if (!p->counted) {
		fprintf(out, "no samples: the process%s did not run on a CPU "
			"while sampled\n", p->nprocs > 1 ? "es" : "");
	} else {
		fputs("\nby self samples:\n", out);
		print_rows(out, fn, n, top, p->counted);
		qsort(fn, n, sizeof(*fn), cmp_fn_total);
		fputs("\nby total samples:\n", out);
		print_rows(out, fn, n, top, p->counted);
	}
	free(fn);
	if (fflush(out) || ferror(out))
		return -(errno ? errno : EIO);
	return 0;
}

/* The profile as a snapshot of the flamegraph writers: one "probe" a
 * distinct frame name, one path a stack, self_ns its sample count. */
struct fake {
	struct ac_snapshot s;
	struct names t;
	int *ids;
};

static int fake_snapshot(const struct ac_profile *p, struct fake *f)
{
	size_t frames = 0;
	int *at;

	memset(f, 0, sizeof(*f));
	if (names_init(&f->t, p))
		return -ENOMEM;
	for (int i = 0; i < p->nstacks; i++)
		frames += p->stacks[i].depth;
	f->ids = malloc((frames + 1) * sizeof(*f->ids));
	f->s.probes = calloc(f->t.cap, sizeof(*f->s.probes));
	f->s.paths = calloc(p->nstacks + 1, sizeof(*f->s.paths));
	if (!f->ids || !f->s.probes || !f->s.paths)
		return -ENOMEM;
	f->s.pid = p->pid;
	f->s.duration_s = p->duration_s;
	at = f->ids;
	for (int i = 0; i < p->nstacks; i++) {
		const struct ac_profile_stack *st = &p->stacks[i];
		struct ac_path_stats *ps = &f->s.paths[f->s.npaths++];

		ps->depth = st->depth;
		ps->probes = at;
		ps->calls = ps->self_ns = ps->total_ns = st->count;
		for (int d = 0; d < st->depth; d++) {
			bool new;
			int r = name_row(&f->t, st->frames[d], false, &new);

			if (new)
				f->s.probes[r].name = st->frames[d];
			*at++ = r;
		}
	}
	f->s.nprobes = f->t.n;
	return 0;
}

static void fake_free(struct fake *f)
{
	names_free(&f->t);
	free(f->ids);
	free(f->s.probes);
	free(f->s.paths);
}

int ac_profile_write_folded(const char *path, const struct ac_profile *p)
{
	struct fake f;
	int ret = fake_snapshot(p, &f);

	if (!ret)
		ret = ac_folded_write_counts(path, &f.s);
	fake_free(&f);
	return ret;
}

int ac_profile_write_svg(const char *path, const struct ac_profile *p,
			 const char *title)
{
	char sub[160], tbuf[128];
	struct ac_svg_opts o = { .title = title, .unit = "samples",
				 .subtitle = sub };
	struct fake f;
	int ret;

	snprintf(sub, sizeof(sub), "width = on-CPU samples at %d Hz "
		 "(%llu in all); traced scopes below the sampled frames",
		 p->hz, (unsigned long long)p->counted);
	if (!title && p->nprocs > 1) {
		snprintf(tbuf, sizeof(tbuf), "autocue-trace record: %d "
			 "processes, %.1f s", p->nprocs, p->duration_s);
		o.title = tbuf;
	} else if (!title) {
		snprintf(tbuf, sizeof(tbuf), "autocue-trace record: pid %d, "
			 "%.1f s", (int)p->pid, p->duration_s);
		o.title = tbuf;
	}
	ret = fake_snapshot(p, &f);
	if (!ret)
		ret = ac_svg_write_opts(path, &f.s, &o);
	fake_free(&f);
	return ret;
}

static struct json_object *new_pct(uint64_t n, uint64_t of)
{
	char buf[32];
	double v = pct(n, of);

	snprintf(buf, sizeof(buf), "%.2f", v);
	return json_object_new_double_s(v, buf);
}

static const char *kind(const struct ac_profile_fn *fn)
{
	size_t len = strlen(fn->name);

	if (fn->scope)
		return "scope";
	if (len > 4 && !strcmp(fn->name + len - 4, "_[k]"))
		return "kernel";
	return "function";
}

static struct json_object *new_functions(const struct ac_profile *p)
{
	struct json_object *arr = json_object_new_array();
	struct ac_profile_fn *fn;
	int n;

	if (!arr || ac_profile_functions(p, &fn, &n)) {
		json_object_put(arr);
		return NULL;
	}
	for (int i = 0; i < n; i++) {
		struct json_object *o = json_object_new_object();

		if (!o || ac_json_add(o, "name", json_object_new_string(fn[i].name)) ||
		    ac_json_add(o, "kind", json_object_new_string(kind(&fn[i]))) ||
		    ac_json_add(o, "self", json_object_new_uint64(fn[i].self)) ||
		    ac_json_add(o, "total", json_object_new_uint64(fn[i].total)) ||
		    ac_json_add(o, "self_pct", new_pct(fn[i].self, p->counted)) ||
		    ac_json_add(o, "total_pct", new_pct(fn[i].total, p->counted)) ||
		    json_object_array_add(arr, o)) {
			json_object_put(o);
			json_object_put(arr);
			free(fn);
			return NULL;
		}
	}
	free(fn);
	return arr;
}

static struct json_object *new_lost(const struct ac_profile *p)
{
	struct json_object *o = json_object_new_object();

	if (!o || ac_json_add(o, "user_stacks", json_object_new_uint64(p->lost_user)) ||
	    ac_json_add(o, "kernel_stacks", json_object_new_uint64(p->lost_kernel)) ||
	    ac_json_add(o, "samples", json_object_new_uint64(p->lost_count))) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

static struct json_object *new_procs(const struct ac_profile *p)
{
	struct json_object *arr = json_object_new_array();

	for (int i = 0; arr && i < p->nprocs; i++) {
		const struct ac_profile_proc *pr = &p->procs[i];
		struct json_object *o = json_object_new_object();

		if (!o || ac_json_add(o, "pid", json_object_new_int(pr->pid)) ||
		    ac_json_add(o, "comm", json_object_new_string(pr->comm)) ||
		    ac_json_add(o, "samples", json_object_new_uint64(pr->samples)) ||
		    json_object_array_add(arr, o)) {
			json_object_put(o);
			json_object_put(arr);
			return NULL;
		}
	}
	return arr;
}

static struct json_object *new_fp(const struct ac_profile *p)
{
	struct json_object *arr = json_object_new_array();

	for (int i = 0; arr && i < p->nfp; i++) {
		struct json_object *o = json_object_new_object();

		if (!o || ac_json_add(o, "object", json_object_new_string(p->fp[i].object)) ||
		    ac_json_add(o, "functions", json_object_new_int(p->fp[i].functions)) ||
		    ac_json_add(o, "with_frame_pointer", json_object_new_int(p->fp[i].with)) ||
		    json_object_array_add(arr, o)) {
			json_object_put(o);
			json_object_put(arr);
			return NULL;
		}
	}
	return arr;
}

static int print_text(FILE *f, const void *text)
{
	if (fputs(text, f) < 0 || fputc('\n', f) < 0)
		return -(errno ? errno : EIO);
	return 0;
}

int ac_profile_write_json(const char *path, const struct ac_profile *p)
{
	struct json_object *o = json_object_new_object();
	const char *text;
	char rate[32], dur[32];
	double r = p->duration_s > 0 ? p->samples / p->duration_s : 0;
	int ret;

	snprintf(rate, sizeof(rate), "%.1f", r);
	snprintf(dur, sizeof(dur), "%.3f", p->duration_s);
	if (!o || ac_json_add(o, "pid", json_object_new_int(p->pid)) ||
	    ac_json_add(o, "processes", new_procs(p)) ||
	    ac_json_add(o, "hz", json_object_new_int(p->hz)) ||
	    ac_json_add(o, "duration_s", json_object_new_double_s(p->duration_s, dur)) ||
	    ac_json_add(o, "samples", json_object_new_uint64(p->samples)) ||
	    ac_json_add(o, "samples_per_s", json_object_new_double_s(r, rate)) ||
	    ac_json_add(o, "lost", new_lost(p)) ||
	    ac_json_add(o, "truncated", json_object_new_uint64(p->truncated)) ||
	    ac_json_add(o, "unresolved", json_object_new_uint64(p->unresolved)) ||
	    ac_json_add(o, "in_scope", json_object_new_uint64(p->in_scope)) ||
	    ac_json_add(o, "no_frame_pointers", new_fp(p)) ||
	    ac_json_add(o, "functions", new_functions(p))) {
		json_object_put(o);
		return -ENOMEM;
	}
	text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
					      JSON_C_TO_STRING_SPACED |
					      JSON_C_TO_STRING_NOSLASHESCAPE);
	ret = text ? ac_outfile_write(path, print_text, text) : -ENOMEM;
	json_object_put(o);
	return ret;
}

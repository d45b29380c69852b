// SPDX-License-Identifier: MIT
/*
 * The objects of the traced process and their probes. Without -b, every
 * ELF object the process runs is searched: its executable and each
 * library it maps (/proc/PID/maps, opened through /proc/PID/root, so a
 * process in another mount namespace, a container, is read as it sees its
 * files), or for a command not started yet, its executable and what its
 * dynamic linker will load. Probes of the same name in several objects
 * are one row. Libraries loaded later (dlopen) are found by reading the
 * maps again every AC_RESCAN_MS while tracing (poll.c, which names the
 * processes: with --follow, follow.c's tree), and attached with the ids
 * kept spare for them.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "autocue.skel.h"
#include "objects.h"
#include "quote.h"
#include "functions.h"
#include "trace_priv.h"

static bool known(const struct ac_trace *t, pid_t pid,
		  const struct ac_mapped *m)
{
	for (int i = 0; i < t->nobjs; i++) {
		const struct ac_object *o = &t->objs[i];

		/* a command's (0) are its one process's; followed
		 * processes share objects, attached for every process */
		if (o->pid && o->pid != pid && !t->follow)
			continue;
		if ((o->ino && o->dev == m->dev && o->ino == m->ino) ||
		    !strcmp(o->shown, m->path))
			return true;
	}
	return false;
}

/* Adds an object and reads its probes; one that cannot be read (not ELF,
 * gone, no permission) is kept without probes, so it is not read again.
 * Its ids are set by assign_ids(). 0 or -ENOMEM. */
static int add_object(struct ac_trace *t, pid_t pid, const char *shown,
		      const char *path, unsigned long long dev,
		      unsigned long long ino, char *err, size_t errlen)
{
	struct ac_object *v = realloc(t->objs, (t->nobjs + 1) * sizeof(*v));
	struct ac_object *o;
	int ret;

	if (!v)
		return -ENOMEM;
	t->objs = v;
	o = &v[t->nobjs];
	memset(o, 0, sizeof(*o));
	o->pid = pid;
	o->shown = strdup(shown);
	o->path = strdup(path);
	o->dev = dev;
	o->ino = ino;
	if (!o->shown || !o->path) {
		free(o->shown);
		free(o->path);
		return -ENOMEM;
	}
	t->nobjs++;
	ret = ac_probes_discover(path, t->provider, &o->probes, err, errlen);
	if (ret == -ENOMEM)
		return ret;
	if (!ret)	/* the loader's own calibration pair is not the user's */
		ac_probes_remove_reserved(&o->probes);
	if (!ret && t->funcs) {
		struct ac_funcs_info fi;

		if (ac_funcs_add(path, t->funcs, &o->probes, &fi) == -ENOMEM)
			return -ENOMEM;
		o->symtab = fi.symtab;
		o->nfuncs = fi.found;
	}
	if (o->probes.n) {
		o->ids = calloc(o->probes.n, sizeof(*o->ids));
		if (!o->ids)
			return -ENOMEM;
	}
	return ret;
}

/* Gives o's selected probes their ids: a name traced already keeps its id;
 * a new one gets the next, while ids are left. */
static int assign_ids(struct ac_trace *t, struct ac_object *o)
{
	struct ac_probe_set sel = { 0 };
	int *idx, ret = 0, k = 0;

	if (!o->probes.n)
		return 0;
	sel.p = calloc(o->probes.n, sizeof(*sel.p));
	idx = calloc(o->probes.n, sizeof(*idx));
	if (!sel.p || !idx) {
		ret = -ENOMEM;
		goto cleanup;
	}
	/* a shallow copy of the selected ones: the merge only reads it;
	 * with a row per process, under the name NAME[PID] */
	for (int i = 0; i < o->probes.n; i++) {
		if (!ac_probes_match(o->probes.p[i].name, t->pattern))
			continue;
		sel.p[sel.n] = o->probes.p[i];
		if (t->per_pid && asprintf(&sel.p[sel.n].name, "%s[%d]",
					   o->probes.p[i].name, o->pid) < 0) {
			sel.p[sel.n].name = NULL;
			ret = -ENOMEM;
			goto cleanup;
		}
		sel.n++;
	}
	sel.unpaired = o->probes.unpaired;
	sel.nunpaired = o->probes.nunpaired;
	ret = ac_probes_merge(&t->probes, &sel, idx);
	if (ret)
		goto cleanup;
	o->nsel = 0;
	for (int i = 0; i < o->probes.n; i++) {
		if (!ac_probes_match(o->probes.p[i].name, t->pattern))
			continue;
		if (!t->id_cap || (__u32)idx[k] < t->id_cap) {
			o->ids[i] = idx[k] + 1;
			o->nsel++;
		} else {
			t->no_room++;
		}
		k++;
	}
	/* names past the last id have no row */
	if (t->id_cap && t->probes.n > (int)t->id_cap)
		ac_probes_truncate(&t->probes, t->id_cap);
cleanup:
	for (int i = 0; t->per_pid && i < sel.n; i++)
		free(sel.p[i].name);
	free(sel.p);
	free(idx);
	return ret;
}

/* The path through which the tracer reaches a file the process maps: its
 * root (another mount namespace's files too), or for a file deleted or
 * replaced since, the mapping itself (map_files, root only). */
static void reach(pid_t pid, const struct ac_mapped *m, char *buf, size_t len)
{
	if (m->deleted)
		snprintf(buf, len, "/proc/%d/map_files/%llx-%llx", pid,
			 m->start, m->end);
	else
		snprintf(buf, len, "/proc/%d/root%s", pid, m->path);
}

static int add_mapped(struct ac_trace *t, pid_t pid,
		      const struct ac_mapped_list *l, bool late)
{
	char path[PATH_MAX + 64], err[256];
	int ret;

	for (int i = 0; i < l->n; i++) {
		if (known(t, pid, &l->v[i]))
			continue;
		reach(pid, &l->v[i], path, sizeof(path));
		ret = add_object(t, pid, l->v[i].path, path, l->v[i].dev,
				 l->v[i].ino, err, sizeof(err));
		if (ret == -ENOMEM)
			return ret;
		t->objs[t->nobjs - 1].late = late;
	}
	return 0;
}

/* the row name of o's probe j */
static int row_of(const struct ac_trace *t, const struct ac_object *o, int j)
{
	char name[512];

	if (!t->per_pid)
		return ac_probes_index(&t->probes, o->probes.p[j].name);
	snprintf(name, sizeof(name), "%s[%d]", o->probes.p[j].name, o->pid);
	return ac_probes_index(&t->probes, name);
}

static int by_name_ids(struct ac_trace *t)
{
	int ret;

	for (int i = 0; i < t->nobjs; i++)
		if ((ret = assign_ids(t, &t->objs[i])))
			return ret;
	/* the rows in name order, as one object's are; ids follow */
	ac_probes_sort(&t->probes);
	for (int i = 0; i < t->nobjs; i++) {
		struct ac_object *o = &t->objs[i];

		for (int j = 0; j < o->probes.n; j++)
			if (o->ids[j])
				o->ids[j] = row_of(t, o, j) + 1;
	}
	return 0;
}

/* -b PATH: that object alone, in each process */
static int discover_one(struct ac_trace *t, char *err, size_t errlen)
{
	char shown[PATH_MAX];
	struct stat st;
	int ret = 0;

	/* messages name the file itself, not /proc/PID/exe */
	if (!realpath(t->binary, shown))
		snprintf(shown, sizeof(shown), "%s", t->binary);
	for (int k = 0; k < (t->npids ? t->npids : 1) && !ret; k++) {
		ret = add_object(t, t->npids ? t->pids[k] : t->pid, shown,
				 t->binary, 0, 0, err, errlen);
		if (!ret && !stat(t->binary, &st)) {
			t->objs[k].dev = st.st_dev;
			t->objs[k].ino = st.st_ino;
		}
	}
	return ret;
}

/* An executable (shown: as the process names it; path: where the tracer
 * opens it) and what its dynamic linker loads at start, those not known
 * yet. pid: the process that runs it (0: a command not started). */
static int add_image(struct ac_trace *t, pid_t pid, const char *shown,
		     const char *path, bool late, char *err, size_t errlen)
{
	struct ac_mapped_list l;
	struct stat st;
	int ret = 0;

	if (stat(path, &st))
		memset(&st, 0, sizeof(st));
	if (!known(t, pid, &(struct ac_mapped){ .path = (char *)shown,
			      .dev = st.st_dev, .ino = st.st_ino })) {
		ret = add_object(t, pid, shown, path, st.st_dev, st.st_ino,
				 err, errlen);
		if (ret)
			return ret;
		t->objs[t->nobjs - 1].late = late;
	}
	ret = ac_linked_objects(path, &l);
	if (ret == -ENOMEM)
		return ret;
	/* each listed library is opened where the linker found it: the
	 * program runs in our mount namespace */
	for (int i = 0; !ret && i < l.n; i++) {
		if (known(t, pid, &l.v[i]))
			continue;
		ret = add_object(t, pid, l.v[i].path, l.v[i].path, l.v[i].dev,
				 l.v[i].ino, err, errlen);
		if (ret != -ENOMEM)
			ret = 0;
		if (!ret)
			t->objs[t->nobjs - 1].late = late;
	}
	ac_mapped_free(&l);
	return ret;
}

/* a command: its executable and what its dynamic linker loads at start */
static int discover_cmd(struct ac_trace *t, const char *exe, char *err,
			size_t errlen)
{
	char shown[PATH_MAX];

	if (!realpath(exe, shown))
		snprintf(shown, sizeof(shown), "%s", exe);
	return add_image(t, 0, shown, exe, false, err, errlen);
}

int ac_objects_discover(struct ac_trace *t, const char *exe)
{
	char err[256];
	struct ac_mapped_list l;
	int ret;

	if (!t->auto_objects) {
		ret = discover_one(t, err, sizeof(err));
	} else if (exe) {
		ret = discover_cmd(t, exe, err, sizeof(err));
		/* a script: with --follow, its interpreter's exec (and what
		 * that runs) is searched as any exec is */
		if (ret == -ENOEXEC && t->follow)
			ret = 0;
	} else {
		for (int k = 0; k < (t->npids ? t->npids : 1); k++) {
			pid_t pid = t->npids ? t->pids[k] : t->pid;

			ret = ac_maps_read(pid, &l);
			if (ret == -ENOENT || ret == -ESRCH)
				return ac_trace_fail(t, -ESRCH,
					"no process with PID %d", pid);
			if (ret)
				return ac_trace_fail(t, ret,
					"cannot read the maps of PID %d: %s",
					pid, strerror(-ret));
			ret = add_mapped(t, pid, &l, false);
			ac_mapped_free(&l);
			if (ret)
				break;
		}
	}
	if (ret == -ENOMEM)
		return ac_trace_fail(t, ret, "out of memory");
	if (ret)	/* the one object asked for (-b), or the command's */
		return ac_trace_fail(t, ret, "%s", err);
	ret = by_name_ids(t);
	if (ret)
		return ac_trace_fail(t, ret, "out of memory");
	return 0;
}

/* Attaches o's traced probes (keep: by index into t->probes, NULL for
 * all), in one link a side. */
static int attach_object(struct ac_trace *t, const struct ac_object *o,
			 const bool *keep)
{
	struct ac_probe *p = calloc(o->probes.n, sizeof(*p));
	__u32 *ids = calloc(o->probes.n, sizeof(*ids));
	int n = 0, ret = 0;

	if (!p || !ids) {
		free(p);
		free(ids);
		return ac_trace_fail(t, -ENOMEM, "out of memory");
	}
	for (int j = 0; j < o->probes.n; j++) {
		if (!o->ids[j] || (keep && !keep[o->ids[j] - 1]))
			continue;
		p[n] = o->probes.p[j];
		ids[n++] = o->ids[j];
	}
	/* followed processes: every process's hits, the BPF program
	 * keeps those of the tree */
	if (n)
		ret = ac_attach_probes_ids(t, t->follow ? 0 :
					   o->pid ? o->pid : t->pid,
					   o->path, p, n, ids);
	free(p);
	free(ids);
	return ret;
}

int ac_objects_attach(struct ac_trace *t, const bool *keep)
{
	int ret = 0;

	for (int i = 0; i < t->nobjs && !ret; i++) {
		struct ac_object *o = &t->objs[i];

		if (!o->nsel || o->attach_err)
			continue;
		ret = attach_object(t, o, keep);
		/* one of several processes gone meanwhile: the others go on */
		if (ret && t->npids > 1 && !ac_pid_alive(o->pid)) {
			o->attach_err = ret;
			ret = 0;
		}
	}
	return ret;
}

/* New sites are new uprobes: their first hits carry the kernel's set-up */
static void cold_again(struct ac_trace *t, const struct ac_object *o)
{
	int fd = bpf_map__fd(t->skel->maps.site_hits);
	__u32 zero = 0;

	for (int j = 0; j < o->probes.n; j++) {
		__u32 k = o->ids[j] * 2;

		if (!o->ids[j])
			continue;
		bpf_map_update_elem(fd, &k, &zero, BPF_ANY);
		k++;
		bpf_map_update_elem(fd, &k, &zero, BPF_ANY);
	}
}

/* Ids for the objects from first on, and their probes attached. */
static void attach_late(struct ac_trace *t, int first)
{
	for (int i = first; i < t->nobjs; i++) {
		struct ac_object *o = &t->objs[i];
		char *saved;

		if (assign_ids(t, o) || !o->nsel)
			continue;
		cold_again(t, o);
		/* one object at a time, each with its own error: a late
		 * library that cannot be attached is named, the session goes
		 * on (ac_trace_error() keeps the session's own message) */
		saved = strdup(t->err);
		o->attach_err = attach_object(t, o, NULL);
		if (saved) {
			snprintf(t->err, sizeof(t->err), "%s", saved);
			free(saved);
		}
	}
}

bool ac_objects_rescan_due(struct ac_trace *t)
{
	__u64 now = ac_ktime_ns();

	if (!t->auto_objects || !t->attached || now < t->next_scan_ns)
		return false;
	t->next_scan_ns = t->no_periodic_rescan ? UINT64_MAX :
			  now + AC_RESCAN_MS * 1000000ULL;
	return true;
}

void ac_objects_rescan(struct ac_trace *t, const pid_t *pids, int n)
{
	struct ac_mapped_list l;
	int first = t->nobjs;

	for (int k = 0; k < n; k++) {
		int ret;

		if (ac_maps_read(pids[k], &l))
			continue;	/* gone: the caller sees it exit */
		ret = add_mapped(t, pids[k], &l, true);
		ac_mapped_free(&l);
		if (ret)
			return;
	}
	attach_late(t, first);
}

int ac_objects_add_exec(struct ac_trace *t, pid_t pid, bool *probes)
{
	char link[64], shown[PATH_MAX], path[PATH_MAX + 64], err[256];
	int first = t->nobjs, ret;
	ssize_t n;

	*probes = false;
	snprintf(link, sizeof(link), "/proc/%d/exe", pid);
	n = readlink(link, shown, sizeof(shown) - 1);
	if (n <= 0)
		return -errno;
	shown[n] = 0;
	snprintf(path, sizeof(path), "/proc/%d/root%s", pid, shown);
	ret = add_image(t, pid, shown, path, true, err, sizeof(err));
	if (ret == -ENOMEM)
		return ret;
	attach_late(t, first);
	/* what it runs now: its executable and the libraries it links,
	 * found now or before */
	for (int i = 0; i < t->nobjs; i++) {
		const struct ac_object *o = &t->objs[i];

		if (!o->nsel || o->attach_err)
			continue;
		if (i >= first || !strcmp(o->shown, shown))
			*probes = true;
	}
	return 0;
}

void ac_objects_free(struct ac_trace *t)
{
	for (int i = 0; i < t->nobjs; i++) {
		free(t->objs[i].shown);
		free(t->objs[i].path);
		free(t->objs[i].ids);
		ac_probes_free(&t->objs[i].probes);
	}
	free(t->objs);
	t->objs = NULL;
	t->nobjs = 0;
}

/* ---- what the API says about them -------------------------------------- */

static const struct ac_object *traced_object(const struct ac_trace *t, int i)
{
	for (int j = 0; j < t->nobjs; j++)
		if (t->objs[j].nsel && !t->objs[j].attach_err && i-- == 0)
			return &t->objs[j];
	return NULL;
}

int ac_trace_nobjects(const struct ac_trace *t)
{
	int n = 0;

	while (traced_object(t, n))
		n++;
	return n;
}

const char *ac_trace_object(const struct ac_trace *t, int i, int *npairs,
			    bool *late)
{
	const struct ac_object *o = traced_object(t, i);

	if (!o)
		return NULL;
	if (npairs)
		*npairs = o->nsel;
	if (late)
		*late = o->late;
	return o->shown;
}

pid_t ac_trace_object_pid(const struct ac_trace *t, int i)
{
	const struct ac_object *o = traced_object(t, i);

	return o ? (o->pid ? o->pid : t->pid) : 0;
}

const char *ac_trace_object_probe(const struct ac_trace *t, int i, int j,
				  int *entries, int *returns)
{
	const struct ac_object *o = traced_object(t, i);

	for (int k = 0; o && k < o->probes.n; k++) {
		if (!o->ids[k] || j-- > 0)
			continue;
		if (entries)
			*entries = o->probes.p[k].entry.n;
		if (returns)
			*returns = o->probes.p[k].ret.n;
		return o->probes.p[k].name;
	}
	return NULL;
}

int ac_trace_object_probe_kind(const struct ac_trace *t, int i, int j)
{
	const struct ac_object *o = traced_object(t, i);

	for (int k = 0; o && k < o->probes.n; k++) {
		if (!o->ids[k] || j-- > 0)
			continue;
		if (!o->probes.p[k].func)
			return -1;
		return o->probes.p[k].kind == AC_KIND_FUNC_EMULATED ?
		       AC_FUNC_ENTRY_EMULATED : AC_FUNC_ENTRY_STEPPED;
	}
	return -1;
}

int ac_trace_late_failures(const struct ac_trace *t, const char **object,
			   int *err)
{
	int n = 0;

	for (int j = 0; j < t->nobjs; j++) {
		if (!t->objs[j].nsel || !t->objs[j].attach_err)
			continue;
		if (object && !n) {
			*object = t->objs[j].shown;
			*err = t->objs[j].attach_err;
		}
		n++;
	}
	return n;
}

bool ac_trace_has_probe(const struct ac_trace *t, const char *name)
{
	for (int i = 0; i < t->nobjs; i++)
		if (ac_probes_index(&t->objs[i].probes, name) >= 0)
			return true;
	return false;
}

const char *ac_trace_known_probe(const struct ac_trace *t, int i)
{
	for (int o = 0; o < t->nobjs; o++) {
		const struct ac_probe_set *s = &t->objs[o].probes;

		for (int k = 0; k < s->n; k++) {
			bool earlier = false;

			for (int e = 0; e < o && !earlier; e++)
				earlier = ac_probes_index(&t->objs[e].probes,
							  s->p[k].name) >= 0;
			if (!earlier && i-- == 0)
				return s->p[k].name;
		}
	}
	return NULL;
}

int ac_trace_no_room(const struct ac_trace *t)
{
	return t->no_room;
}

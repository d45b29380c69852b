// SPDX-License-Identifier: MIT
/*
 * The names the session's ids are reported under: a probe pair's (--func's
 * functions among them), else a --python function's, as python.c names it
 * when it first appears; the API's scope ids are the same ids. Above
 * python.c, below the rows that carry the names (procs.c, series.c,
 * readout.c).
 */
#include "trace_priv.h"

/* ids 1..n: the probes; then --python's functions; the last: calibration */
const char *ac_id_name(const struct ac_trace *t, __u32 id)
{
	if (id > 0 && id <= (__u32)t->probes.n)
		return t->probes.p[id - 1].name;
	return ac_py_id_name(t, id);
}

int ac_id_func(const struct ac_trace *t, __u32 id)
{
	const struct ac_probe *p;

	if (id == 0 || id > (__u32)t->probes.n)
		return 0;
	p = &t->probes.p[id - 1];
	return p->func ? 1 + p->kind - AC_KIND_FUNC_EMULATED : 0;
}

unsigned ac_trace_scope_ids(const struct ac_trace *t)
{
	/* the last id is the calibration pair's, never a target's scope */
	return t->nids > 1 ? t->nids - 2 : 0;
}

const char *ac_trace_scope_name(struct ac_trace *t, unsigned id)
{
	/* --python's functions are named as they first appear */
	if (ac_py_resolve(t))
		return NULL;
	return ac_id_name(t, id);
}

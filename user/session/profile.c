// SPDX-License-Identifier: MIT
/* Samples to named stacks (profile.h). */
#include <errno.h>
#include <linux/types.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "autocue.h"
#include "profile.h"

/* frames of one sample: its process, scopes, user frames with their
 * inlined ones, the kernel's */
#define MAX_FRAMES (1 + AC_PATH_DEPTH + 2 + \
		    AC_REC_MAX_FRAMES * AC_SYM_MAX_INLINE + AC_REC_MAX_FRAMES)

struct leaf_obj {
	const char *object;
	struct ac_symbols *sy;	/* a process that maps it */
	uint64_t leaves, unresolved;
};

/* NULL: a scope the user left out (a Python function outside --python's
 * globs, which the kernel's coarser filter let through): not shown */
static const char *scope_name(uint16_t id, const char *const *names, int n)
{
	if (id == AC_PATH_CUT)
		return AC_FRAME_CUT;
	if (id >= 1 && id <= n)
		return names[id - 1];
	return "[unknown scope]";
}

static void count_leaf(struct leaf_obj *objs, int *nobjs, int max,
		       const char *object, struct ac_symbols *sy, uint64_t n,
		       bool resolved)
{
	for (int i = 0; i < *nobjs; i++)
		if (objs[i].object == object) {	/* interned */
			objs[i].leaves += n;
			objs[i].unresolved += resolved ? 0 : n;
			return;
		}
	if (*nobjs < max)
		objs[(*nobjs)++] = (struct leaf_obj){ object, sy, n,
						      resolved ? 0 : n };
}

static int cmp_leaves(const void *a, const void *b)
{
	const struct leaf_obj *x = a, *y = b;

	return x->leaves < y->leaves ? 1 : x->leaves > y->leaves ? -1 : 0;
}

/* the process of a sample: the first when none is its (cannot be: the
 * sampler takes only theirs) */
static struct ac_profile_proc *proc_of(struct ac_profile_proc *procs,
				       int nprocs, pid_t tgid)
{
	for (int i = 0; i < nprocs; i++)
		if (procs[i].pid == tgid)
			return &procs[i];
	return &procs[0];
}

/* Each process's names put into the first's symbols: one pointer a
 * name, as the reports count frames by pointer. NULL: out of memory. */
static const char *common_name(struct ac_profile_proc *procs,
			       struct ac_symbols *sy, const char *name)
{
	return sy == procs[0].sy ? name :
	       ac_symbols_intern(procs[0].sy, name);
}

/* "comm-PID", the root frame of a process's stacks when there are
 * several (no spaces or semicolons: folded stacks split on them) */
static const char *proc_frame(struct ac_profile_proc *p,
			      struct ac_symbols *names)
{
	char buf[48], *c;

	snprintf(buf, sizeof(buf), "%s-%d", p->comm[0] ? p->comm : "?",
		 (int)p->pid);
	for (c = buf; *c; c++)
		if (*c == ' ' || *c == ';')
			*c = '_';
	return ac_symbols_intern(names, buf);
}

int ac_profile_build(const struct ac_samples *raw,
		     struct ac_profile_proc *procs, int nprocs,
		     const char *const *scope_names, int nscope_names,
		     struct ac_profile *out)
{
	const char **fr = malloc(MAX_FRAMES * sizeof(*fr));
	struct leaf_obj objs[64];
	int nobjs = 0, ret = 0;
	uint64_t user_samples = 0;

	memset(out, 0, sizeof(*out));
	if (!fr)
		return -ENOMEM;
	out->samples = raw->total;
	out->counted = raw->counted;
	out->lost_user = raw->user_lost;
	out->lost_kernel = raw->kern_lost;
	out->lost_count = raw->count_lost;
	out->duration_s = raw->duration_s;
	out->procs = procs;
	out->nprocs = nprocs;
	out->pid = procs[0].pid;
	for (int i = 0; i < nprocs; i++)
		procs[i].samples = 0;
	out->stacks = calloc(raw->n ? raw->n : 1, sizeof(*out->stacks));
	if (!out->stacks) {
		free(fr);
		return -ENOMEM;
	}
	for (int i = 0; i < raw->n; i++) {
		const struct ac_sample *a = &raw->v[i];
		struct ac_profile_stack *st = &out->stacks[out->nstacks];
		struct ac_profile_proc *pr = proc_of(procs, nprocs, a->tgid);
		struct ac_symbols *sy = pr->sy;
		bool unresolved = false, cut = false;
		int d = 0;

		if (nprocs > 1) {
			if (!(fr[d++] = proc_frame(pr, procs[0].sy))) {
				ret = -ENOMEM;
				goto fail;
			}
			st->nproc = 1;
		}
		pr->samples += a->count;
		for (int k = 0; k < a->nscope; k++)
			if ((fr[d] = scope_name(a->scope[k], scope_names,
						nscope_names)))
				d++;
		st->nscope = d - st->nproc;
		if (a->user_lost)
			fr[d++] = AC_FRAME_LOST_USER;
		if (a->nuser == AC_REC_MAX_FRAMES ||
		    a->nkern == AC_REC_MAX_FRAMES) {
			fr[d++] = AC_FRAME_CUT;
			cut = true;
		}
		/* outermost first; a frame's inlined functions above it */
		for (int k = a->nuser - 1; k >= 0; k--) {
			struct ac_sym s;

			ret = ac_symbols_user(sy, a->user[k], k > 0, &s);
			if (ret)
				goto fail;
			for (int j = s.n - 1; j >= 0; j--)
				if (!(fr[d++] = common_name(procs, sy,
							    s.names[j]))) {
					ret = -ENOMEM;
					goto fail;
				}
			unresolved |= !s.resolved;
			if (k == 0 && s.object)
				count_leaf(objs, &nobjs, 64,
					   common_name(procs, sy, s.object),
					   sy, a->count, s.resolved);
		}
		if (a->nuser)
			user_samples += a->count;
		if (a->kern_lost)
			fr[d++] = AC_FRAME_LOST_KERNEL;
		for (int k = a->nkern - 1; k >= 0; k--)
			fr[d++] = ac_symbols_kernel(procs[0].sy, a->kern[k]);
		if (!d)		/* no stack of any kind: still a sample */
			fr[d++] = "[no stack]";
		st->frames = malloc(d * sizeof(*st->frames));
		if (!st->frames) {
			ret = -ENOMEM;
			goto fail;
		}
		memcpy(st->frames, fr, d * sizeof(*fr));
		st->depth = d;
		st->count = a->count;
		out->nstacks++;
		out->truncated += cut ? a->count : 0;
		out->unresolved += unresolved ? a->count : 0;
		out->in_scope += st->nscope ? a->count : 0;
	}
	/* the objects most user samples stopped in, checked for frame
	 * pointers: without them the unwinder loses the callers */
	qsort(objs, nobjs, sizeof(*objs), cmp_leaves);
	for (int i = 0; i < nobjs && out->nfp < AC_PROFILE_MAX_FP_NOTES; i++) {
		struct ac_fp_note *n = &out->fp[out->nfp];

		if (objs[i].leaves * 10 < user_samples)
			break;
		if (2 * objs[i].unresolved >= objs[i].leaves &&
		    out->nnosym < AC_PROFILE_MAX_FP_NOTES)
			out->nosym[out->nnosym++] = (struct ac_nosym_note){
				objs[i].object, objs[i].leaves,
				objs[i].unresolved };
		if (!ac_symbols_frame_pointers(objs[i].sy, objs[i].object,
					       &n->with, &n->functions))
			continue;
		if (2 * n->with >= n->functions)
			continue;
		n->object = objs[i].object;
		n->leaves = objs[i].leaves;
		out->nfp++;
	}
	free(fr);
	return 0;

fail:
	free(fr);
	ac_profile_free(out);
	return ret;
}

void ac_profile_free(struct ac_profile *p)
{
	for (int i = 0; i < p->nstacks; i++)
		free(p->stacks[i].frames);
	free(p->stacks);
	memset(p, 0, sizeof(*p));
}

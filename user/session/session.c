// SPDX-License-Identifier: MIT
/*
 * The session's state as callers see it: its error message and what it is
 * attached to. The lowest file of session/: the others set errors through
 * ac_trace_fail() and read the state here; it calls none of them.
 */
#include <stdarg.h>
#include <stdio.h>
#include "quote.h"
#include "trace_priv.h"

int ac_trace_fail(struct ac_trace *t, int ret, const char *fmt, ...)
{
	char msg[sizeof(t->err)];
	va_list ap;

	/* messages name files, commands and probes: quoted whole */
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	ac_quote(t->err, sizeof(t->err), msg);
	return ret;
}

const char *ac_trace_error(const struct ac_trace *t)
{
	return t ? t->err : "out of memory";
}

pid_t ac_trace_pid(const struct ac_trace *t)
{
	return t->pid;
}

int ac_trace_npids(const struct ac_trace *t)
{
	return t->npids ? t->npids : 1;
}

pid_t ac_trace_pid_at(const struct ac_trace *t, int i)
{
	if (!t->npids)
		return i ? 0 : t->pid;
	return i >= 0 && i < t->npids ? t->pids[i] : 0;
}

const char *ac_trace_binary(const struct ac_trace *t)
{
	return t->binary;
}

bool ac_trace_exited_early(const struct ac_trace *t)
{
	return t->exited_early;
}

const char *ac_trace_attach_kind(const struct ac_trace *t)
{
	return t->multi ? "uprobe_multi links" : "one uprobe per site";
}

const char *const *ac_trace_unpaired(const struct ac_trace *t, int *n)
{
	*n = t->probes.nunpaired;
	return (const char *const *)t->probes.unpaired;
}

const char *ac_trace_provider(const struct ac_trace *t)
{
	return t->provider;
}

int ac_trace_nprobes(const struct ac_trace *t)
{
	return t->probes.n;
}

const char *ac_trace_probe(const struct ac_trace *t, int i, int *entries,
			   int *returns)
{
	if (i < 0 || i >= t->probes.n)
		return NULL;
	if (entries)
		*entries = t->probes.p[i].entry.n;
	if (returns)
		*returns = t->probes.p[i].ret.n;
	return t->probes.p[i].name;
}

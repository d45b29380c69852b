// SPDX-License-Identifier: MIT
/* --listen: snapshots as Prometheus metrics; see listen.h. */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include "http_server.h"
#include "listen.h"
#include "quote.h"

struct ac_listen {
	struct ac_trace *t;
	struct ac_http *http;
	struct ac_metrics_buckets buckets;
	pthread_mutex_t lock;
	bool attached;		/* until then a scrape gets 503 */
	char binary[PATH_MAX];
};

static double cpu_seconds(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_SELF, &ru))
		return 0;
	return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec +
	       (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

static int render(void *ctx, enum ac_metrics_format fmt,
		  struct ac_outbuf *body)
{
	struct ac_listen *l = ctx;
	struct ac_metrics_info info = { .binary = l->binary };
	struct ac_metrics_proc one = {}, *procs = &one;
	struct ac_snapshot *s;
	char pid[16], comm[64], (*pids)[16] = NULL;
	int ret;

	/* the histogram's: exact mode's percentiles re-read the whole
	 * session's spill file, too dear for every scrape */
	pthread_mutex_lock(&l->lock);
	s = l->attached ? ac_trace_snapshot_hist(l->t) : NULL;
	pthread_mutex_unlock(&l->lock);
	if (!s)
		return l->attached ? -ENOMEM : -EAGAIN;
	if (s->nprocs) {	/* several processes: those that called */
		procs = calloc(s->nprocs, sizeof(*procs));
		pids = calloc(s->nprocs, sizeof(*pids));
		if (!procs || !pids) {
			free(procs);
			free(pids);
			ac_snapshot_free(s);
			return -ENOMEM;
		}
		for (int i = 0; i < s->nprocs; i++) {
			const struct ac_proc_stats *p = &s->procs[i];

			if (p->pid)
				snprintf(pids[i], sizeof(pids[i]), "%d", p->pid);
			else
				snprintf(pids[i], sizeof(pids[i]), "exited");
			procs[i] = (struct ac_metrics_proc){ pids[i], p->comm,
							     p->probes, true };
		}
		info.nprocs = s->nprocs;
	} else if (s->pid) {	/* one process: every probe, called or not */
		snprintf(pid, sizeof(pid), "%d", s->pid);
		ac_process_comm(s->pid, comm, sizeof(comm));
		one = (struct ac_metrics_proc){ pid, comm, s->probes, false };
		info.nprocs = 1;
	}
	info.procs = procs;
	info.tracer_cpu_s = cpu_seconds();
	ret = fmt == AC_METRICS_PROTOBUF ?
	      ac_metrics_write_protobuf(body, s, &info) :
	      ac_metrics_write(body, s, &info, &l->buckets,
			       fmt == AC_METRICS_OPENMETRICS);
	if (procs != &one)
		free(procs);
	free(pids);
	ac_snapshot_free(s);
	return ret;
}

int ac_listen_start(struct ac_trace *t, const struct ac_listen_opts *o,
		    struct ac_listen **out)
{
	struct ac_listen *l = calloc(1, sizeof(*l));
	char err[512];
	int ret;

	*out = NULL;
	if (!l)
		return -ENOMEM;
	l->t = t;
	l->buckets = o->buckets;
	pthread_mutex_init(&l->lock, NULL);
	/* the file's own name, not /proc/PID/exe */
	if (!realpath(ac_trace_binary(t), l->binary))
		snprintf(l->binary, sizeof(l->binary), "%s",
			 ac_trace_binary(t));
	ret = ac_http_start(o->addr, render, l, &l->http, err, sizeof(err));
	if (ret) {
		fprintf(stderr, "autocue-trace: %s\n", err);
		pthread_mutex_destroy(&l->lock);
		free(l);
		return ret;
	}
	*out = l;
	return 0;
}

void ac_listen_attached(struct ac_listen *l)
{
	pthread_mutex_lock(&l->lock);
	l->attached = true;
	pthread_mutex_unlock(&l->lock);
}

const char *ac_listen_address(const struct ac_listen *l)
{
	return ac_http_address(l->http);
}

void ac_listen_lock(struct ac_listen *l)
{
	if (l)
		pthread_mutex_lock(&l->lock);
}

void ac_listen_unlock(struct ac_listen *l)
{
	if (l)
		pthread_mutex_unlock(&l->lock);
}

void ac_listen_stop(struct ac_listen *l)
{
	if (!l)
		return;
	ac_http_stop(l->http);
	pthread_mutex_destroy(&l->lock);
	free(l);
}

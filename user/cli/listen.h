/* SPDX-License-Identifier: MIT */
/*
 * listen.h - `autocue-trace --listen`: the session's snapshots served as
 * Prometheus metrics (outputs/metrics.h) by the HTTP server
 * (http_server.h), each scrape reading the maps once, never resetting.
 */
#ifndef AUTOCUE_LISTEN_H
#define AUTOCUE_LISTEN_H

#include "autocue_trace.h"
#include "metrics.h"

struct ac_listen_opts {
	const char *addr;		/* [ADDR:]PORT; NULL: not listening */
	struct ac_metrics_buckets buckets;
};

struct ac_listen;

/* Listens before the session attaches (a bad address fails at once) and
 * serves t's metrics from the server's thread once ac_listen_attached()
 * says the maps are there (503 until then). 0 or -errno after a one-line
 * message on stderr. */
int ac_listen_start(struct ac_trace *t, const struct ac_listen_opts *o,
		    struct ac_listen **out);
void ac_listen_attached(struct ac_listen *l);
const char *ac_listen_address(const struct ac_listen *l);
/* Held around what changes the session under a scrape (a reset). */
void ac_listen_lock(struct ac_listen *l);
void ac_listen_unlock(struct ac_listen *l);
void ac_listen_stop(struct ac_listen *l);

#endif /* AUTOCUE_LISTEN_H */

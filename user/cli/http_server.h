/* SPDX-License-Identifier: MIT */
/*
 * http_server.h - the /metrics endpoint, on libmicrohttpd: GET or HEAD of
 * /metrics (the body from a render callback, in the format the Accept
 * header prefers: text, OpenMetrics or protobuf) and of / (a page linking
 * to it); any other path is 404, any other method 405.
 *
 * Safe to leave running: one internal thread serves every connection, at
 * most AC_HTTP_MAX_CONN of them, each dropped after AC_HTTP_TIMEOUT_S
 * without progress, with request headers bounded by libmicrohttpd's
 * per-connection memory limit. Scrapes within AC_HTTP_CACHE_MS of a
 * render share its body (a burst of scrapers reads the maps once), and
 * bodies held by clients that do not read are bounded in total
 * (AC_HTTP_MAX_BYTES: beyond it a scrape gets 503, tracing goes on).
 */
#ifndef AUTOCUE_HTTP_SERVER_H
#define AUTOCUE_HTTP_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "metrics.h"
#include "outbuf.h"

#define AC_HTTP_MAX_CONN	64
#define AC_HTTP_TIMEOUT_S	10
#define AC_HTTP_CONN_MEMORY	(32 * 1024)
#define AC_HTTP_CACHE_MS	100
#define AC_HTTP_MAX_BYTES	(256u << 20)
/* Bodies sent keep their memory for the next renderings, up to this many:
 * a scraper every second needs two (the one cached, the one rendered), and
 * a fresh multi-megabyte buffer costs a page fault every 4 KiB. */
#define AC_HTTP_SPARE_BODIES	2

/* Appends the metrics in format fmt to body (empty, and perhaps with room
 * left by an earlier scrape's body); 0 or -errno (the scrape then gets
 * 500; -EAGAIN: 503, not ready yet). */
typedef int (*ac_http_render_fn)(void *ctx, enum ac_metrics_format fmt,
				 struct ac_outbuf *body);

struct ac_http;

/* Listens on "PORT", "ADDR:PORT" or "[IPV6]:PORT" (ADDR a name or a
 * numeric address; default 127.0.0.1) and serves from a thread of its
 * own. 0 or -errno with a one-line reason in err. */
int ac_http_start(const char *listen, ac_http_render_fn render, void *ctx,
		  struct ac_http **out, char *err, size_t errlen);
/* Where it listens, "127.0.0.1:9464" (the port the kernel chose for 0). */
const char *ac_http_address(const struct ac_http *h);
/* Scrapes of /metrics answered (200), and refused for the byte bound. */
uint64_t ac_http_scrapes(const struct ac_http *h);
/* Closes every connection and stops the thread. */
void ac_http_stop(struct ac_http *h);

#endif /* AUTOCUE_HTTP_SERVER_H */

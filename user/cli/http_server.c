// SPDX-License-Identifier: MIT
/* The /metrics endpoint on libmicrohttpd: see http_server.h. */
#include <errno.h>
#include <netdb.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <microhttpd.h>
#include "http_server.h"
#include "metrics.h"
#include "quote.h"

struct cached {
	struct MHD_Response *r;	/* our reference; NULL: none yet */
	struct timespec at;
};

struct ac_http {
	struct MHD_Daemon *d;
	int fd;
	ac_http_render_fn render;
	void *ctx;
	/* touched by the daemon's one thread only (handler and free
	 * callbacks), and by ac_http_stop() after it ended */
	struct cached cache[AC_METRICS_NFORMATS];
	size_t live_bytes;	/* bodies not yet freed */
	struct ac_outbuf spare[AC_HTTP_SPARE_BODIES];	/* emptied, kept */
	int nspare;
	atomic_uint_least64_t scrapes;
	char addr[80];
};

struct body {
	struct ac_http *h;
	struct ac_outbuf b;
};

static const char index_page[] =
	"<html><head><title>autocue-trace</title></head><body>"
	"<h1>autocue-trace</h1><p><a href=\"/metrics\">Metrics</a></p>"
	"</body></html>\n";

static double age_ms(const struct timespec *t)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - t->tv_sec) * 1e3 +
	       (now.tv_nsec - t->tv_nsec) / 1e6;
}

/* A body's buffer back among the spares, or freed when they are enough. */
static void buf_release(struct ac_http *h, struct ac_outbuf *b)
{
	if (h->nspare < AC_HTTP_SPARE_BODIES && !b->failed) {
		b->len = 0;
		h->spare[h->nspare++] = *b;
	} else {
		ac_outbuf_free(b);
	}
}

static struct body *body_new(struct ac_http *h)
{
	struct body *b = calloc(1, sizeof(*b));

	if (!b)
		return NULL;
	b->h = h;
	if (h->nspare)
		b->b = h->spare[--h->nspare];
	return b;
}

static void body_free(void *cls)
{
	struct body *b = cls;

	b->h->live_bytes -= b->b.len;
	buf_release(b->h, &b->b);
	free(b);
}

static enum MHD_Result reply(struct MHD_Connection *c, unsigned status,
			     const char *text, const char *type)
{
	struct MHD_Response *r;
	enum MHD_Result ret;

	r = MHD_create_response_from_buffer(strlen(text), (void *)text,
					    MHD_RESPMEM_PERSISTENT);
	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

static const char *const content_type[AC_METRICS_NFORMATS] = {
	[AC_METRICS_TEXT] = AC_METRICS_TEXT_TYPE,
	[AC_METRICS_OPENMETRICS] = AC_METRICS_OPENMETRICS_TYPE,
	[AC_METRICS_PROTOBUF] = AC_METRICS_PROTOBUF_TYPE,
};

/* A fresh body, or the one rendered moments ago for this format. */
static struct MHD_Response *metrics(struct ac_http *h,
				    enum ac_metrics_format fmt,
				    unsigned *status)
{
	struct cached *c = &h->cache[fmt];
	struct MHD_Response *r;
	struct body *b;
	int ret;

	*status = MHD_HTTP_OK;
	if (c->r && age_ms(&c->at) < AC_HTTP_CACHE_MS)
		return c->r;
	b = body_new(h);
	if (!b)
		return NULL;
	ret = h->render(h->ctx, fmt, &b->b);
	if (ret) {
		buf_release(h, &b->b);
		free(b);
		if (ret == -EAGAIN)	/* not ready yet */
			*status = MHD_HTTP_SERVICE_UNAVAILABLE;
		return NULL;
	}
	/* clients that never read hold their bodies: bounded in sum */
	if (h->live_bytes + b->b.len > AC_HTTP_MAX_BYTES) {
		buf_release(h, &b->b);
		free(b);
		*status = MHD_HTTP_SERVICE_UNAVAILABLE;
		return NULL;
	}
	h->live_bytes += b->b.len;
	r = MHD_create_response_from_buffer_with_free_callback_cls(
		b->b.len, b->b.p, body_free, b);
	if (!r) {
		body_free(b);
		return NULL;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
				content_type[fmt]);
	if (c->r)
		MHD_destroy_response(c->r);
	c->r = r;
	clock_gettime(CLOCK_MONOTONIC, &c->at);
	return r;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c,
			      const char *url, const char *method,
			      const char *version, const char *upload,
			      size_t *upload_size, void **con_cls)
{
	static int seen;
	struct ac_http *h = cls;
	struct MHD_Response *r;
	unsigned status;
	enum ac_metrics_format fmt;

	/* the first call has the headers only; a body is read and dropped */
	if (!*con_cls) {
		*con_cls = &seen;
		return MHD_YES;
	}
	if (*upload_size) {
		*upload_size = 0;
		return MHD_YES;
	}
	if (strcmp(method, MHD_HTTP_METHOD_GET) &&
	    strcmp(method, MHD_HTTP_METHOD_HEAD))
		return reply(c, MHD_HTTP_METHOD_NOT_ALLOWED,
			     "only GET and HEAD\n", "text/plain");
	if (!strcmp(url, "/"))
		return reply(c, MHD_HTTP_OK, index_page, "text/html");
	if (strcmp(url, "/metrics"))
		return reply(c, MHD_HTTP_NOT_FOUND, "not found: try /metrics\n",
			     "text/plain");
	fmt = ac_metrics_negotiate(
		MHD_lookup_connection_value(c, MHD_HEADER_KIND,
					    MHD_HTTP_HEADER_ACCEPT));
	r = metrics(h, fmt, &status);
	if (!r)
		return status == MHD_HTTP_SERVICE_UNAVAILABLE ?
		       reply(c, status, "not ready, or too many unread "
			     "responses: try again\n", "text/plain") :
		       reply(c, MHD_HTTP_INTERNAL_SERVER_ERROR,
			     "cannot read the maps\n", "text/plain");
	atomic_fetch_add(&h->scrapes, 1);
	return MHD_queue_response(c, MHD_HTTP_OK, r);
}

/* "PORT", "ADDR:PORT", "[V6]:PORT" into host and port strings. */
static int split(const char *arg, char *host, size_t hlen, char *port,
		 size_t plen)
{
	const char *colon = strrchr(arg, ':');
	size_t n;

	if (!colon) {
		snprintf(host, hlen, "127.0.0.1");
		snprintf(port, plen, "%s", arg);
	} else {
		const char *h = arg;

		n = colon - arg;
		if (n >= 2 && h[0] == '[' && h[n - 1] == ']')
			h++, n -= 2;
		else if (memchr(arg, ':', n))	/* v6 without brackets */
			return -EINVAL;
		if (n >= hlen)
			return -EINVAL;
		if (!n)
			snprintf(host, hlen, "127.0.0.1");
		else
			snprintf(host, hlen, "%.*s", (int)n, h);
		snprintf(port, plen, "%s", colon + 1);
	}
	n = strlen(port);
	if (!n || n > 5 || strspn(port, "0123456789") != n ||
	    atoi(port) > 65535)
		return -EINVAL;
	return 0;
}

static int listen_on(struct ac_http *h, const char *arg, char *err,
		     size_t errlen)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM,
				  .ai_flags = AI_NUMERICSERV | AI_PASSIVE };
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	char host[256], port[8], num[INET6_ADDRSTRLEN];
	struct addrinfo *ai;
	int one = 1, ret, fd;

	if (split(arg, host, sizeof(host), port, sizeof(port))) {
		snprintf(err, errlen, "invalid --listen: %s ([ADDR:]PORT, "
			 "e.g. 9464 or 127.0.0.1:9464 or [::1]:9464)", AC_Q(arg));
		return -EINVAL;
	}
	ret = getaddrinfo(host, port, &hints, &ai);
	if (ret) {
		snprintf(err, errlen, "invalid --listen: %s: %s", AC_Q(arg),
			 gai_strerror(ret));
		return -EINVAL;
	}
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(fd, ai->ai_addr, ai->ai_addrlen) || listen(fd, 64) ||
	    getsockname(fd, (struct sockaddr *)&ss, &sl)) {
		ret = -errno;
		snprintf(err, errlen, "cannot listen on %s: %s", AC_Q(arg),
			 strerror(errno));
		if (fd >= 0)
			close(fd);
		freeaddrinfo(ai);
		return ret;
	}
	freeaddrinfo(ai);
	h->fd = fd;
	if (ss.ss_family == AF_INET6) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;

		inet_ntop(AF_INET6, &a->sin6_addr, num, sizeof(num));
		snprintf(h->addr, sizeof(h->addr), "[%s]:%u", num,
			 ntohs(a->sin6_port));
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)&ss;

		inet_ntop(AF_INET, &a->sin_addr, num, sizeof(num));
		snprintf(h->addr, sizeof(h->addr), "%s:%u", num,
			 ntohs(a->sin_port));
	}
	return ss.ss_family == AF_INET6;
}

int ac_http_start(const char *arg, ac_http_render_fn render, void *ctx,
		  struct ac_http **out, char *err, size_t errlen)
{
	struct ac_http *h = calloc(1, sizeof(*h));
	sigset_t block, old;
	int v6;

	*out = NULL;
	if (!h) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	h->fd = -1;
	h->render = render;
	h->ctx = ctx;
	v6 = listen_on(h, arg, err, errlen);
	if (v6 < 0) {
		free(h);
		return v6;
	}
	/* the server's thread inherits this mask: SIGINT and SIGTERM go to
	 * the thread that ends the session */
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGHUP);
	sigaddset(&block, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &block, &old);
	h->d = MHD_start_daemon(
		MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO |
		(v6 ? MHD_USE_IPv6 : 0), 0, NULL, NULL, handle, h,
		MHD_OPTION_LISTEN_SOCKET, h->fd,
		MHD_OPTION_CONNECTION_LIMIT, (unsigned)AC_HTTP_MAX_CONN,
		MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)AC_HTTP_TIMEOUT_S,
		MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)AC_HTTP_CONN_MEMORY,
		MHD_OPTION_END);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (!h->d) {
		snprintf(err, errlen, "cannot start the HTTP server on %s",
			 h->addr);
		close(h->fd);
		free(h);
		return -EIO;
	}
	*out = h;
	return 0;
}

const char *ac_http_address(const struct ac_http *h)
{
	return h->addr;
}

uint64_t ac_http_scrapes(const struct ac_http *h)
{
	return atomic_load(&((struct ac_http *)h)->scrapes);
}

void ac_http_stop(struct ac_http *h)
{
	if (!h)
		return;
	MHD_stop_daemon(h->d);
	for (int i = 0; i < AC_METRICS_NFORMATS; i++)
		if (h->cache[i].r)
			MHD_destroy_response(h->cache[i].r);
	while (h->nspare)
		ac_outbuf_free(&h->spare[--h->nspare]);
	/* the daemon closed the listening socket it was given */
	free(h);
}

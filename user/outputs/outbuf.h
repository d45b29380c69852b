/* SPDX-License-Identifier: MIT */
/*
 * outbuf.h - a growing byte buffer for writers that emit megabytes a call
 * (a Prometheus scrape of a fleet: hundreds of thousands of lines). Appends
 * are inline memcpys, no stdio locking or per-call bookkeeping; the buffer
 * keeps its memory when emptied, so a caller that reuses it pays neither
 * the allocation nor the page faults again.
 *
 *   struct ac_outbuf b = {};
 *   ac_outbuf_puts(&b, "x ");
 *   ac_outbuf_u64(&b, 42);
 *   if (b.failed) ...;	// out of memory: the content is cut short
 *   ac_outbuf_free(&b);
 */
#ifndef AUTOCUE_OUTBUF_H
#define AUTOCUE_OUTBUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct ac_outbuf {
	char *p;
	size_t len, cap;
	bool failed;		/* an append could not grow the buffer */
};

/* Room for n more bytes; false (and failed set) when it cannot grow. */
bool ac_outbuf_grow(struct ac_outbuf *b, size_t n);

static inline void ac_outbuf_write(struct ac_outbuf *b, const void *s,
				   size_t n)
{
	if (b->cap - b->len < n && !ac_outbuf_grow(b, n))
		return;
	memcpy(b->p + b->len, s, n);
	b->len += n;
}

static inline void ac_outbuf_puts(struct ac_outbuf *b, const char *s)
{
	ac_outbuf_write(b, s, strlen(s));
}

static inline void ac_outbuf_u64(struct ac_outbuf *b, uint64_t v)
{
	char d[20];
	int i = sizeof(d);

	do
		d[--i] = (char)('0' + v % 10);
	while (v /= 10);
	ac_outbuf_write(b, d + i, sizeof(d) - i);
}

/* printf-style; for the few lines a writer formats once. */
void ac_outbuf_printf(struct ac_outbuf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

void ac_outbuf_free(struct ac_outbuf *b);

#endif /* AUTOCUE_OUTBUF_H */

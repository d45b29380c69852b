// SPDX-License-Identifier: MIT
/* A growing byte buffer: see outbuf.h. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include "outbuf.h"

bool ac_outbuf_grow(struct ac_outbuf *b, size_t n)
{
	size_t cap = b->cap ? b->cap : 4096;
	char *p;

	if (b->failed)
		return false;
	while (cap - b->len < n) {
		if (cap > SIZE_MAX / 2)
			goto fail;
		cap *= 2;
	}
	p = realloc(b->p, cap);
	if (!p)
		goto fail;
	b->p = p;
	b->cap = cap;
	return true;
fail:
	b->failed = true;
	return false;
}

void ac_outbuf_printf(struct ac_outbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!b->p && !ac_outbuf_grow(b, 1))
		return;
	va_start(ap, fmt);
	n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
	va_end(ap);
	if (n < 0) {
		b->failed = true;
		return;
	}
	if ((size_t)n < b->cap - b->len) {
		b->len += n;
		return;
	}
	if (!ac_outbuf_grow(b, (size_t)n + 1))
		return;
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
	va_end(ap);
	b->len += n;
}

void ac_outbuf_free(struct ac_outbuf *b)
{
	free(b->p);
	*b = (struct ac_outbuf){};
}

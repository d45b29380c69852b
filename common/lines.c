// SPDX-License-Identifier: MIT
/* Reading input with limits: see lines.h. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "lines.h"

static int grow(char **buf, size_t *cap, size_t need)
{
	size_t c = *cap ? *cap : 256;
	char *b;

	while (c < need)
		c *= 2;
	if (c == *cap)
		return 0;
	b = realloc(*buf, c);
	if (!b)
		return -ENOMEM;
	*buf = b;
	*cap = c;
	return 0;
}

/* a few reads for a session's events; larger, the buffer pushed
 * autocue-replay's heap past one huge page */
#define AHEAD_BYTES (64 * 1024)

/* Refills l->ahead from f's descriptor: 1, 0 at the end, or -errno. */
static int read_ahead(struct ac_lines *l)
{
	ssize_t got;

	if (l->eof)
		return 0;
	if (!l->ahead && !(l->ahead = malloc(AHEAD_BYTES)))
		return -ENOMEM;
	do
		got = read(fileno(l->f), l->ahead, AHEAD_BYTES);
	while (got < 0 && errno == EINTR);
	if (got < 0)
		return -errno;
	l->ahead_pos = 0;
	l->ahead_end = (size_t)got;
	l->eof = got == 0;
	return got > 0;
}

int ac_lines_next(struct ac_lines *l)
{
	l->len = 0;
	if (grow(&l->line, &l->cap, 1))
		return -ENOMEM;
	l->line[0] = '\0';
	for (;;) {
		const char *p = l->ahead + l->ahead_pos, *nl;
		size_t take;
		int got;

		if (l->ahead_pos == l->ahead_end) {
			got = read_ahead(l);
			if (got < 0)
				return got;
			if (!got)
				break;
			p = l->ahead;
		}
		nl = memchr(p, '\n', l->ahead_end - l->ahead_pos);
		take = nl ? (size_t)(nl - p) + 1 : l->ahead_end - l->ahead_pos;
		/* refused at the first byte past the limit, before the rest
		 * of the line is read */
		if (take > l->max_line - l->len) {
			l->lineno++;
			return -E2BIG;
		}
		if (grow(&l->line, &l->cap, l->len + take + 1))
			return -ENOMEM;
		memcpy(l->line + l->len, p, take);
		l->len += take;
		l->ahead_pos += take;
		if (nl)
			break;
	}
	if (!l->len)
		return 0;
	l->line[l->len] = '\0';
	l->lineno++;
	return 1;
}

void ac_lines_free(struct ac_lines *l)
{
	free(l->line);
	free(l->ahead);
	l->line = l->ahead = NULL;
	l->cap = l->len = l->ahead_pos = l->ahead_end = 0;
}

char *ac_read_file(const char *path, size_t max, size_t *len)
{
	FILE *f = fopen(path, "r");
	struct stat st;
	char *buf = NULL;
	size_t n = 0, cap = 0, got;
	int err = 0;

	if (!f)
		return NULL;
	if (!fstat(fileno(f), &st) && S_ISDIR(st.st_mode)) {
		err = EISDIR;
		goto cleanup;
	}
	/* a regular file's size up front: one allocation, no copying (the
	 * loop still copes with one that grows meanwhile); + 2 leaves room
	 * for the NUL and the read that sees the end */
	if (S_ISREG(st.st_mode) && st.st_size >= 0 &&
	    (uint64_t)st.st_size <= max && grow(&buf, &cap, st.st_size + 2)) {
		err = ENOMEM;
		goto cleanup;
	}
	for (;;) {
		/* one byte past the limit tells a file of max bytes from a
		 * larger one */
		size_t want = max - n + 1 < 65536 ? max - n + 1 : 65536;

		if (grow(&buf, &cap, n + want + 1)) {
			err = ENOMEM;
			goto cleanup;
		}
		errno = 0;
		got = fread(buf + n, 1, want, f);
		n += got;
		if (n > max) {
			err = E2BIG;
			goto cleanup;
		}
		if (got < want)
			break;
	}
	if (ferror(f))
		err = errno ? errno : EIO;
	else
		buf[n] = '\0';
cleanup:
	fclose(f);
	if (err) {
		free(buf);
		errno = err;
		return NULL;
	}
	*len = n;
	return buf;
}

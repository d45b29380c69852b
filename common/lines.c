// SPDX-License-Identifier: MIT
/* Reading input with limits: see lines.h. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
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

int ac_lines_next(struct ac_lines *l)
{
	int c;

	l->len = 0;
	if (grow(&l->line, &l->cap, 1))
		return -ENOMEM;
	l->line[0] = '\0';
	errno = 0;
	while ((c = getc_unlocked(l->f)) != EOF) {
		if (l->len >= l->max_line) {
			l->lineno++;
			return -E2BIG;
		}
		if (grow(&l->line, &l->cap, l->len + 2))
			return -ENOMEM;
		l->line[l->len++] = (char)c;
		if (c == '\n')
			break;
	}
	if (ferror(l->f))
		return -(errno ? errno : EIO);
	if (!l->len)
		return 0;
	l->line[l->len] = '\0';
	l->lineno++;
	return 1;
}

void ac_lines_free(struct ac_lines *l)
{
	free(l->line);
	l->line = NULL;
	l->cap = l->len = 0;
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

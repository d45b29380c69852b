// SPDX-License-Identifier: MIT
/* readfile.c - see readfile.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "readfile.h"

char *ac_read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t cap = 0, n = 0;

	if (!f)
		return NULL;
	errno = 0;
	for (;;) {
		size_t got;

		if (cap - n < 65536) {
			char *nb = realloc(buf, cap ? cap * 2 : 65536 + 1);

			if (!nb) {
				free(buf);
				buf = NULL;
				errno = ENOMEM;
				goto cleanup;
			}
			buf = nb;
			cap = cap ? cap * 2 : 65536 + 1;
		}
		got = fread(buf + n, 1, cap - n - 1, f);
		n += got;
		if (got == 0)
			break;
	}
	if (ferror(f)) {
		/* fread's errno (EISDIR for a directory) says more than EIO */
		int e = errno ? errno : EIO;

		free(buf);
		buf = NULL;
		errno = e;
		goto cleanup;
	}
	buf[n] = '\0';
	*len = n;
cleanup:
	fclose(f);
	return buf;
}

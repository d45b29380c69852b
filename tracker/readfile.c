// SPDX-License-Identifier: MIT
/* readfile.c - see readfile.h. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "readfile.h"

char *ac_read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t cap = 65536, n = 0;
	struct stat st;

	if (!f)
		return NULL;
	/* a regular file's size up front: one allocation, no copying (the
	 * loop still copes with a file that grows meanwhile); + 2 leaves
	 * room for the NUL and for the read that sees the end */
	if (fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode) &&
	    st.st_size >= 0 && (uint64_t)st.st_size < SIZE_MAX / 2)
		cap = (size_t)st.st_size + 2;
	errno = 0;
	for (;;) {
		size_t got;

		if (!buf || cap - n < 2) {
			char *nb;

			if (buf)
				cap *= 2;
			nb = realloc(buf, cap);
			if (!nb) {
				free(buf);
				buf = NULL;
				errno = ENOMEM;
				goto cleanup;
			}
			buf = nb;
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

/* SPDX-License-Identifier: MIT */
/* readfile.h - a whole file in memory, for the tools that read a script
 * (autocue-replay, gen-session). */
#ifndef AUTOCUE_READFILE_H
#define AUTOCUE_READFILE_H

#include <stddef.h>

/* Reads path into a malloc'ed buffer with a NUL after its *len bytes (the
 * file may hold NULs of its own: compare strlen with *len). NULL with errno
 * set on failure; a read error keeps read's errno (EISDIR for a directory)
 * rather than a bare EIO. */
char *ac_read_file(const char *path, size_t *len);

#endif /* AUTOCUE_READFILE_H */

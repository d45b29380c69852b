/* SPDX-License-Identifier: MIT */
/*
 * lines.h - reading input with limits: lines no longer than a maximum and
 * whole files no larger than one, refused before memory proportional to
 * the input is spent (a line past the limit is never held whole).
 */
#ifndef AUTOCUE_LINES_H
#define AUTOCUE_LINES_H

#include <stddef.h>
#include <stdio.h>

struct ac_lines {
	FILE *f;
	size_t max_line;	/* bytes, the newline included */
	char *line;		/* the current line, NUL-terminated, with its
				 * newline if it had one */
	size_t len;		/* its length (it may hold NULs) */
	size_t cap;
	long lineno;		/* of the current line, 1-based */
	/* what was read from f's descriptor past the current line: lines
	 * are cut from 256 KiB reads, not taken a getc() at a time */
	char *ahead;
	size_t ahead_pos, ahead_end;
	int eof;
};

/* The next line of l->f into l->line, read from its descriptor (mix no
 * stdio reads of l->f with these; a pipe's lines come as they are
 * written): 1, 0 at the end of input, -E2BIG
 * for a line longer than l->max_line (lineno is that line's), or -errno
 * of a read error. */
int ac_lines_next(struct ac_lines *l);
void ac_lines_free(struct ac_lines *l);

/* The whole of PATH in a NUL-terminated buffer (*len bytes,
 * it may hold NULs), or NULL with errno: E2BIG for a file larger than max
 * bytes, EISDIR for a directory, or the error that stopped the read. */
char *ac_read_file(const char *path, size_t max, size_t *len);

/* What the programs hold of a file by default (a script, --loop's events):
 * 64 MiB, ~6,000 times the longest sample script; --max-file raises it. */
#define AC_DEFAULT_MAX_FILE (64UL << 20)

#endif /* AUTOCUE_LINES_H */

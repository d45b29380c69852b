/* SPDX-License-Identifier: MIT */
/*
 * outfile.h - all-or-nothing output files for the report writers.
 *
 * A report is written to PATH.tmp in the same directory, flushed, fsync'ed
 * and renamed over PATH, so a reader (or a crash, or a full disk) never sees
 * a partial file: PATH is either the old file or the complete new one.
 * PATH "-" writes to stdout instead, and a PATH that exists and is not a
 * regular file (/dev/null, a FIFO, a terminal) is written in place: a
 * rename would put a regular file where the device was.
 */
#ifndef AUTOCUE_OUTFILE_H
#define AUTOCUE_OUTFILE_H

#include <stdio.h>

struct ac_outfile {
	FILE *f;	/* write here between open and commit */
	char *path;
	char *tmp;	/* NULL for stdout and in-place writes */
	int in_place;	/* f is PATH itself: closed at commit */
};

/* 0 or -errno; on error nothing is left behind. */
int ac_outfile_open(struct ac_outfile *o, const char *path);
/* Flushes, syncs and renames; on any error removes the temporary file and
 * returns -errno. Always releases o. */
int ac_outfile_commit(struct ac_outfile *o);
/* Drops the temporary file, keeping PATH as it was. */
void ac_outfile_abort(struct ac_outfile *o);
/* open, print(f, arg) (0 or -errno), then commit or abort: 0 or -errno */
int ac_outfile_write(const char *path, int (*print)(FILE *f, const void *arg),
		     const void *arg);

#endif /* AUTOCUE_OUTFILE_H */

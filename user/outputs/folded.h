/* SPDX-License-Identifier: MIT */
/*
 * folded.h - folded call paths in FlameGraph's stackcollapse format, read
 * by flamegraph.pl, inferno and speedscope:
 *
 *   tracker_update;tracker_update_partial;tracker_process_words 1234
 *
 * one path a line, frames root first, value = self time in integer
 * microseconds (rounded to nearest). A path cut at the kernel's depth limit
 * ends in the frame "[truncated]". Lines are sorted and equal paths merged,
 * so the output is deterministic.
 */
#ifndef AUTOCUE_FOLDED_H
#define AUTOCUE_FOLDED_H

#include <stdbool.h>
#include <stdio.h>
#include "autocue_trace.h"

#define AC_FRAME_TRUNCATED	"[truncated]"
#define AC_FRAME_UNKNOWN	"[unknown]"

/* Frame name of probe index idx of a path (-1: the cut marker). */
const char *ac_path_frame(const struct ac_snapshot *s, int idx);

/* keep_zero: also print paths whose self time rounds to 0 us.
 * 0 or -errno. */
int ac_folded_print(FILE *out, const struct ac_snapshot *s, bool keep_zero);
/* The same into PATH, atomically ("-": stdout). */
int ac_folded_write_ext(const char *path, const struct ac_snapshot *s,
			bool keep_zero);
/* ac_folded_write_ext() without the zero lines. */
int ac_folded_write(const char *path, const struct ac_snapshot *s);

/* A profile's paths (autocue-trace record): self_ns holds a sample
 * count, printed as is. */
int ac_folded_write_counts(const char *path, const struct ac_snapshot *s);

#endif /* AUTOCUE_FOLDED_H */

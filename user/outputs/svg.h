/* SPDX-License-Identifier: MIT */
/*
 * svg.h - an interactive flamegraph of a snapshot's folded call paths, as
 * one self-contained SVG (Debian has no flamegraph.pl).
 *
 * Root "all" at the bottom, callees above their callers; a frame's width
 * is its total time (self + descendants), siblings sorted by name, colours
 * a hash of the name in a warm palette. Hover a frame for name, time,
 * calls and share of the total; click to zoom into it, "Reset Zoom" to go
 * back; "Search" highlights frames matching a regular expression and shows
 * their share. Viewers without scripts still get the full picture.
 */
#ifndef AUTOCUE_SVG_H
#define AUTOCUE_SVG_H

#include <stdio.h>
#include "autocue_trace.h"

struct ac_svg_opts {
	const char *title;	/* NULL: "autocue-trace: pid N, D s" */
	int width;		/* pixels; <= 0: 1200 */
	/* NULL: the paths hold times (ns). Otherwise they hold counts of
	 * this unit ("samples", autocue-trace record), shown as such */
	const char *unit;
	const char *subtitle;	/* NULL: what the width means */
};

/* 0 or -errno. o may be NULL. */
int ac_svg_print(FILE *out, const struct ac_snapshot *s,
		 const struct ac_svg_opts *o);
/* The same into PATH, atomically ("-": stdout). */
int ac_svg_write_opts(const char *path, const struct ac_snapshot *s,
		      const struct ac_svg_opts *o);
/* ac_svg_write_opts() with the defaults. */
int ac_svg_write(const char *path, const struct ac_snapshot *s);

#endif /* AUTOCUE_SVG_H */

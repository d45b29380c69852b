/* SPDX-License-Identifier: MIT */
/*
 * select.h - what a command line chooses to trace, for the tracing mode
 * and record alike (one argp child, so one definition of each option):
 * the processes (-p 12,34, -p again, -p NAME and --comm NAME: every
 * process of that name, as pgrep -x) and the sources beyond the USDT
 * probes (--func GLOB, --python [GLOB] with --python-bin and
 * --python-hooked), and the checks of how they combine.
 */
#ifndef AUTOCUE_CLI_SELECT_H
#define AUTOCUE_CLI_SELECT_H

#include <argp.h>
#include <sys/types.h>
#include "autocue_trace.h"

#define AC_MAX_PIDS 256

struct ac_select {
	pid_t pids[AC_MAX_PIDS];	/* in the order given, each once */
	int npids;
	char *funcs;			/* --func globs, joined with commas */
	/* where --func and --python go (funcs, python, probes): the
	 * parent's session options, set before argp_parse */
	struct ac_trace_opts *topts;
};

/* The child's input is the parent's struct ac_select: give
 * { &ac_select_argp, 0, NULL, 0 } in the parent's children, and hand the
 * child its input on ARGP_KEY_INIT (state->child_inputs[0]). */
extern const struct argp ac_select_argp;

/* The first process chosen, 0 when none. */
pid_t ac_select_pid(const struct ac_select *s);
void ac_select_free(struct ac_select *s);

#endif /* AUTOCUE_CLI_SELECT_H */

/* SPDX-License-Identifier: MIT */
/*
 * budget.h - --max-overhead: which probes fit a budget of probe cost.
 *
 * Every traced call costs its program one probe pair (pair_ns), whatever
 * the function does. After a short first phase with every probe attached,
 * the calls counted per probe and the CPU time the program used say what
 * each probe costs it; the cheapest probes are kept while the kept set's
 * cost stays within the budget, and the rest are left out (the hot, tiny
 * functions, which also say least: their mean is mostly probe cost).
 */
#ifndef AUTOCUE_BUDGET_H
#define AUTOCUE_BUDGET_H

#include <stdbool.h>
#include <stdint.h>

struct ac_budget_probe {
	const char *name;
	uint64_t calls;		/* in the first phase */
	double share;		/* its probe cost / the program's own CPU */
	bool keep;
};

/* Marks p[i].keep and p[i].share; cpu_ns is the program's CPU time in the
 * phase, probe cost included. Returns the kept set's share (0..), the
 * program's slowdown it is expected to cause. */
double ac_budget_choose(struct ac_budget_probe *p, int n, double pair_ns,
			double cpu_ns, double max_share);

#endif /* AUTOCUE_BUDGET_H */

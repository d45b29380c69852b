// SPDX-License-Identifier: MIT
/* --max-overhead: the probes whose cost fits the budget (budget.h). */
#include <stdlib.h>
#include <string.h>
#include "budget.h"

static int by_calls(const void *a, const void *b)
{
	const struct ac_budget_probe *x = *(const struct ac_budget_probe **)a;
	const struct ac_budget_probe *y = *(const struct ac_budget_probe **)b;

	if (x->calls != y->calls)
		return x->calls < y->calls ? -1 : 1;
	return strcmp(x->name, y->name);
}

double ac_budget_choose(struct ac_budget_probe *p, int n, double pair_ns,
			double cpu_ns, double max_share)
{
	struct ac_budget_probe **order = calloc(n + 1, sizeof(*order));
	double all = 0, own, kept = 0;

	for (int i = 0; i < n; i++)
		all += (double)p[i].calls * pair_ns;
	/* the program's CPU without any probe; a phase that spent nearly
	 * all of it in probes still leaves a floor to divide by */
	own = cpu_ns - all > cpu_ns * 0.01 ? cpu_ns - all : cpu_ns * 0.01;
	for (int i = 0; i < n; i++) {
		p[i].share = own > 0 ? (double)p[i].calls * pair_ns / own : 0;
		p[i].keep = false;
		if (order)
			order[i] = &p[i];
	}
	if (!order) {		/* out of memory: keep everything */
		for (int i = 0; i < n; i++)
			p[i].keep = true;
		return own > 0 ? all / own : 0;
	}
	/* the cheapest first: the most probes that fit */
	qsort(order, n, sizeof(*order), by_calls);
	for (int i = 0; i < n; i++) {
		if (kept + order[i]->share > max_share)
			break;
		kept += order[i]->share;
		order[i]->keep = true;
	}
	free(order);
	return kept;
}

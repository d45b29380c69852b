// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: any bytes as an assertion expression (--assert), parsed
 * and, when it parses, checked against a small snapshot holding the probe
 * it names. Must never crash, hang or leak; errors are quoted.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "assertions.h"
#include "fuzz_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint64_t buckets[4] = { 1, 2, 3, 4 };
	char *expr = strndup((const char *)data, size), err[256] = "";
	struct ac_assertions *set = ac_assertions_new();
	struct ac_probe_stats p = {
		.count = 10, .total_ns = 5000, .min_ns = 1, .max_ns = 3000,
		.shift = 1, .nbuckets = 4, .buckets = buckets,
	};
	struct ac_snapshot s = { .nprobes = 1, .probes = &p };
	FILE *out = fopen("/dev/null", "w");

	if (!expr || !set || !out)
		__builtin_trap();
	if (ac_assertions_add(set, expr, err, sizeof(err))) {
		fuzz_check_quoted(err);
	} else {
		/* the probe the assertion names exists in the snapshot */
		p.name = set->v[0].name;
		ac_assertions_check(set, &s, out);
	}
	fclose(out);
	ac_assertions_free(set);
	free(expr);
	return 0;
}

// SPDX-License-Identifier: MIT
/*
 * A probe's durations as bpftrace's hist() prints them: power-of-two
 * buckets of nanoseconds ([0], [1], [2, 4), ... [1K, 2K) ...), a count and
 * a bar. Folding the log-linear buckets is exact: none straddles a power of
 * two.
 */
#include <errno.h>
#include <linux/types.h>
#include <stdio.h>
#include <string.h>
#include "autocue.h"
#include "report.h"

#define NSLOTS	(AC_MAX_EXP + 3)	/* [0], then [2^k, 2^(k+1)) */
#define BAR	52

/* 1024 -> "1K", as bpftrace writes bucket bounds */
static void fmt_pow2(char *buf, size_t len, int k)
{
	static const char *const suffix[] = { "", "K", "M", "G", "T" };

	snprintf(buf, len, "%llu%s", 1ULL << (k % 10), suffix[k / 10]);
}

static void slot_label(char *buf, size_t len, int slot)
{
	char lo[16], hi[16];

	if (slot <= 1) {	/* [0] and [1] */
		snprintf(buf, len, "[%d]", slot);
		return;
	}
	fmt_pow2(lo, sizeof(lo), slot - 1);
	fmt_pow2(hi, sizeof(hi), slot);
	snprintf(buf, len, "[%s, %s)", lo, hi);
}

int ac_log2_hist_print(FILE *out, const struct ac_probe_stats *p)
{
	uint64_t slots[NSLOTS] = { 0 }, top = 0;
	int first = NSLOTS, last = -1;

	if (!out || !p)
		return -EINVAL;
	for (uint32_t b = 0; p->buckets && b < p->nbuckets; b++) {
		__u64 lo, hi;
		int s;

		if (!p->buckets[b])
			continue;
		ac_bucket_range(b, p->shift, &lo, &hi);
		s = lo ? ac_log2(lo) + 1 : 0;
		slots[s] += p->buckets[b];
	}
	for (int s = 0; s < NSLOTS; s++) {
		if (!slots[s])
			continue;
		if (first == NSLOTS)
			first = s;
		last = s;
		if (slots[s] > top)
			top = slots[s];
	}
	fprintf(out, "%s (ns):\n", p->name);
	if (last < 0)
		fprintf(out, "  no warm calls\n");
	for (int s = first; s <= last; s++) {
		char label[40], bar[BAR + 1];
		int w = (int)((slots[s] * BAR + top - 1) / top);

		slot_label(label, sizeof(label), s);
		memset(bar, '@', w);
		memset(bar + w, ' ', BAR - w);
		bar[BAR] = 0;
		fprintf(out, "%-20s %8llu |%s|\n", label,
			(unsigned long long)slots[s], bar);
	}
	if (p->cold_count)
		fprintf(out, "  (and %llu cold: one-time kernel set-up inside, "
			"up to %llu ns)\n", (unsigned long long)p->cold_count,
			(unsigned long long)p->cold_max_ns);
	fputc('\n', out);
	return ferror(out) ? -EIO : 0;
}

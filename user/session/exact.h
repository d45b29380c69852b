/* SPDX-License-Identifier: MIT */
/*
 * exact.h - exact mode's durations, in bounded memory: every call's
 * (probe id, duration) is appended to an unlinked temporary file (12 bytes
 * a call, in $TMPDIR or /tmp) instead of memory, and the percentiles of
 * ac_exact_quantiles are selected from it on demand, exactly, in a few
 * passes over the file with fixed-size counters (a pass narrows each
 * quantile's range 1024-fold: at most 4 passes for values up to 2^40 ns).
 * Memory stays constant however long the session; disk grows with it, as
 * --raw's own file does (and by less: 12 bytes against ~40 a call).
 */
#ifndef AUTOCUE_EXACT_H
#define AUTOCUE_EXACT_H

#include <stdint.h>

struct ac_exact;

/* For probe ids 0..nids-1: NULL with errno on failure. */
struct ac_exact *ac_exact_new(uint32_t nids);
/* 0 or -errno (a full disk): the record is lost, and so is exactness,
 * which the caller must report. */
int ac_exact_add(struct ac_exact *x, uint32_t id, uint64_t dur_ns);
/* Forgets every record (a reset): 0 or -errno. */
int ac_exact_reset(struct ac_exact *x);
uint64_t ac_exact_count(const struct ac_exact *x, uint32_t id);
/* out[id * AC_EXACT_NQ + k]: the value of rank ac_rank_of(count, q_k) of
 * probe id's sorted durations, for every id with records. 0 or -errno. */
int ac_exact_select(struct ac_exact *x, uint64_t *out);
void ac_exact_free(struct ac_exact *x);

/* The rank of quantile q among n sorted values, the seed profiler's
 * definition: int(n * q), clamped to n - 1 (hist.c). */
uint64_t ac_rank_of(uint64_t n, double q);

#endif /* AUTOCUE_EXACT_H */

/* SPDX-License-Identifier: MIT */
/* arena.h - bump allocator for the many small strings and arrays of a parsed
 * script: everything is freed at once with the script, so per-object frees
 * and their bookkeeping would be pure overhead. */
#ifndef AUTOCUE_ARENA_H
#define AUTOCUE_ARENA_H

#include <stddef.h>

struct ac_arena_chunk;

struct ac_arena {
	struct ac_arena_chunk *head;
	char *p, *end;
};

void ac_arena_init(struct ac_arena *a);
void ac_arena_release(struct ac_arena *a);
/* 8-byte aligned; NULL when out of memory */
void *ac_arena_alloc(struct ac_arena *a, size_t n);
/* n bytes for a string, unaligned; NULL when out of memory */
char *ac_arena_chars(struct ac_arena *a, size_t n);
/* NUL-terminated copy of s[0..len) */
char *ac_arena_strndup(struct ac_arena *a, const char *s, size_t len);

#endif /* AUTOCUE_ARENA_H */

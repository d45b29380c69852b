// SPDX-License-Identifier: MIT
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"

#define CHUNK_SIZE (64 * 1024)

struct ac_arena_chunk {
	struct ac_arena_chunk *next;
	max_align_t data[];
};

void ac_arena_init(struct ac_arena *a)
{
	a->head = NULL;
	a->p = a->end = NULL;
}

void ac_arena_release(struct ac_arena *a)
{
	struct ac_arena_chunk *c = a->head, *next;

	for (; c; c = next) {
		next = c->next;
		free(c);
	}
	ac_arena_init(a);
}

/* Big requests get a chunk of their own, linked behind the current one, so
 * the space left in the current chunk is not thrown away. */
static void *alloc_slow(struct ac_arena *a, size_t n)
{
	struct ac_arena_chunk *c;
	size_t size = n > CHUNK_SIZE / 4 ? n : CHUNK_SIZE;

	if (size > SIZE_MAX - sizeof(*c))
		return NULL;
	c = malloc(sizeof(*c) + size);
	if (!c)
		return NULL;
	if (size != CHUNK_SIZE && a->head) {
		c->next = a->head->next;
		a->head->next = c;
		return c->data;
	}
	c->next = a->head;
	a->head = c;
	a->p = (char *)c->data + n;
	a->end = (char *)c->data + size;
	return c->data;
}

/* Strings need no alignment: packing them byte by byte keeps a parsed
 * script's footprint (and the pages it touches) close to its text's size. */
static void *bump(struct ac_arena *a, size_t n, size_t align)
{
	size_t pad = (size_t)-(uintptr_t)a->p & (align - 1);

	if (n > SIZE_MAX - 8)
		return NULL;
	if (!n)
		n = 1;
	if (!a->p || (size_t)(a->end - a->p) < pad + n)
		return alloc_slow(a, n);
	a->p += pad + n;
	return a->p - n;
}

void *ac_arena_alloc(struct ac_arena *a, size_t n)
{
	return bump(a, n, 8);
}

char *ac_arena_chars(struct ac_arena *a, size_t n)
{
	return bump(a, n, 1);
}

char *ac_arena_strndup(struct ac_arena *a, const char *s, size_t len)
{
	char *d = bump(a, len + 1, 1);

	if (!d)
		return NULL;
	memcpy(d, s, len);
	d[len] = '\0';
	return d;
}

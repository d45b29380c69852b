/* SPDX-License-Identifier: MIT */
/* functions.h - functions without probes (--func): function symbols of an
 * ELF object as probe pairs (entry + return probe on one address). */
#ifndef AUTOCUE_FUNCTIONS_H
#define AUTOCUE_FUNCTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include "probes.h"

struct ac_funcs_info {
	int found;	/* functions added */
	bool symtab;	/* the object has .symtab (not stripped) */
	bool dynsym;
};

/* Appends to set the functions of path whose names match the comma-
 * separated globs (ac_probes_match), each once (by address), but none
 * whose name set already has (a USDT probe pair of that name wins).
 * 0, -ENOEXEC (not ELF), -ENOMEM or the open's -errno. */
int ac_funcs_add(const char *path, const char *globs,
		 struct ac_probe_set *set, struct ac_funcs_info *info);

/* The kind of pair (enum ac_kind) a function makes whose code starts
 * with the n bytes c: how the kernel runs its first instruction. */
int ac_func_entry_kind(const unsigned char *c, size_t n);

#endif /* AUTOCUE_FUNCTIONS_H */

/* SPDX-License-Identifier: MIT */
/* probes.h - find USDT probe pairs in an ELF file's .note.stapsdt notes. */
#ifndef AUTOCUE_PROBES_H
#define AUTOCUE_PROBES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* File offsets of the sites of one probe (inlining makes several). */
struct ac_sites {
	int n;
	uint64_t *off;
	int nclassic;	/* of them, sys/sdt.h's 1-byte nop sites */
};

struct ac_probe {
	char *name;		/* X of X__entry / X__return, or a function */
	struct ac_sites entry, ret;
	/* a function (--func, symbols.c): entry is its first instruction,
	 * and ret the same address, for a return probe (uretprobe) */
	bool func;
	/* what its pair costs (enum ac_kind, bpf/autocue.h): a USDT pair
	 * 0; a function's, how the kernel runs its first instruction */
	uint8_t kind;
};

struct ac_probe_set {
	int n;
	struct ac_probe *p;	/* sorted by name */
	int nunpaired;
	char **unpaired;	/* probe names with no partner */
};

/* Reads the notes of provider in path. Returns 0, or a negative errno
 * with a one-line reason in err (not ELF, unreadable). An ELF file without
 * probes yields n == 0. */
int ac_probes_discover(const char *path, const char *provider,
		       struct ac_probe_set *out, char *err, size_t errlen);
/* The file offset of the semaphore of provider:name in path (a uprobe's
 * reference counter): 0, -ENOENT (no such probe, or no semaphore),
 * -ENOEXEC (not ELF) or the open's -errno. */
int ac_probe_semaphore(const char *path, const char *provider,
		       const char *name, uint64_t *off);

/* A virtual address of elf's as a file offset (uprobes want offsets) */
struct Elf;
int ac_elf_vaddr_to_off(struct Elf *elf, uint64_t vaddr, uint64_t *off);
/* path opened read-only as an ELF file: 0 with *fd and *elf to give to
 * ac_elf_close(); -errno when it cannot be opened, -ENOEXEC when it is not
 * ELF (nothing left open then) */
int ac_elf_open(const char *path, int *fd, struct Elf **elf);
void ac_elf_close(int fd, struct Elf *elf);
/* Names the loader's own calibration pairs use; not the user's probes. */
void ac_probes_remove_reserved(struct ac_probe_set *set);
/* Most sites are the classic 1-byte form (cost calibration follows). */
bool ac_probes_mostly_classic(const struct ac_probe_set *set);
/* Keeps only probes matching one of the comma-separated fnmatch patterns. */
void ac_probes_filter(struct ac_probe_set *set, const char *patterns);
/* name passes that filter (NULL or "": everything does) */
bool ac_probes_match(const char *name, const char *patterns);
void ac_probes_remove(struct ac_probe_set *set, const char *name);
/* keeps the first n probes */
void ac_probes_truncate(struct ac_probe_set *set, int n);
/* Adds src's probes to dst: a name dst has gains src's sites, a new one
 * goes at the end (indices already handed out stay); idx[i] is then
 * src->p[i]'s index in dst. Unpaired names join dst's, once. 0 or
 * -ENOMEM. */
int ac_probes_merge(struct ac_probe_set *dst, const struct ac_probe_set *src,
		    int *idx);
void ac_probes_sort(struct ac_probe_set *set);	/* by name */
int ac_probes_index(const struct ac_probe_set *set, const char *name);
void ac_probes_free(struct ac_probe_set *set);

#endif /* AUTOCUE_PROBES_H */

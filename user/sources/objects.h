/* SPDX-License-Identifier: MIT */
/* objects.h - the ELF objects a process runs: the files it maps with
 * execute permission (/proc/PID/maps), and those a command will map at
 * start (its dynamic linker's --list), where probe sites can be. */
#ifndef AUTOCUE_OBJECTS_H
#define AUTOCUE_OBJECTS_H

#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>

struct ac_mapped {
	char *path;		/* as the process sees it (its mount namespace) */
	unsigned long long dev;	/* makedev() of the maps' major:minor */
	unsigned long long ino;
	unsigned long long start, end;	/* one executable mapping of it */
	bool deleted;		/* the file was unlinked or replaced */
};

struct ac_mapped_list {
	int n;
	struct ac_mapped *v;
};

/* Parses the text of a /proc/PID/maps file: each file with an executable
 * mapping, once (by device and inode), in order of first appearance.
 * Anonymous and special mappings ([vdso], [heap]) are left out; a file
 * whose mapping says " (deleted)" is kept, marked. 0 or -ENOMEM. */
int ac_maps_parse(FILE *f, struct ac_mapped_list *out);
/* The same for a live process; -errno when its maps cannot be read. */
int ac_maps_read(pid_t pid, struct ac_mapped_list *out);
/* The shared libraries a dynamically linked executable loads at start,
 * resolved by its own dynamic linker (PT_INTERP --list, what ldd runs;
 * the linker only lists, the program does not run), with this process's
 * environment (LD_LIBRARY_PATH), as the command started after will see
 * it. Paths as the linker prints them; a static executable has none.
 * 0 or -errno. */
int ac_linked_objects(const char *exe, struct ac_mapped_list *out);
void ac_mapped_free(struct ac_mapped_list *l);

#endif /* AUTOCUE_OBJECTS_H */

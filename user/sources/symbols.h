/* SPDX-License-Identifier: MIT */
/*
 * symbols.h - names for sampled addresses: a process's code with elfutils'
 * libdwfl (function names with the frames inlined into them, from DWARF
 * when present, else the symbol tables), the kernel's from /proc/kallsyms.
 *
 * Objects are found as the process maps them: /proc/PID/map_files/RANGE
 * (the very file mapped, even one replaced or deleted on disk since, in
 * any mount namespace), else /proc/PID/root/PATH; separate debug info by
 * build ID through libdwfl's standard search. Every object is opened when
 * it is first seen, so names still resolve after the process has exited.
 */
#ifndef AUTOCUE_SYMBOLS_H
#define AUTOCUE_SYMBOLS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct ac_symbols;

/* Names of one address, innermost first: the inlined functions, then the
 * function holding them. Strings live as long as the ac_symbols. An
 * address no name covers gets one name, "[OBJECT+0xOFF]" (OFF the ELF
 * address, as addr2line takes it) or "[unknown+0xADDR]" outside every
 * object; never none. */
#define AC_SYM_MAX_INLINE 8
struct ac_sym {
	int n;
	const char *names[AC_SYM_MAX_INLINE];
	bool resolved;		/* a name, not an address */
	const char *object;	/* the object's file name, NULL outside */
};

/* pid's objects as now mapped; 0 or -errno with a reason in err. */
int ac_symbols_open(pid_t pid, struct ac_symbols **out, char *err,
		    size_t errlen);
/* Objects mapped since (dlopen): call while the process lives. */
int ac_symbols_refresh(struct ac_symbols *sy);
/* pc: a return address (every frame but the leaf) is looked up one byte
 * earlier, inside the call. */
int ac_symbols_user(struct ac_symbols *sy, uint64_t addr, bool is_return,
		    struct ac_sym *out);
/* A kernel address: "name_[k]" (flamegraph.pl's mark for kernel frames),
 * or "[kernel+0xADDR]". */
const char *ac_symbols_kernel(struct ac_symbols *sy, uint64_t addr);

/* sy's one copy of s (NULL when out of memory): names from several
 * processes' symbols compare by pointer once put in one of them. */
const char *ac_symbols_intern(struct ac_symbols *sy, const char *s);

/* Does the object OBJECT (as in ac_sym.object) keep frame pointers? Of
 * its functions (symbol table) that make direct calls (leaves may do
 * without), how many begin by setting one up (x86-64: [endbr64] push
 * %rbp; mov %rsp,%rbp). false when that cannot be told (no symbols,
 * another architecture). */
bool ac_symbols_frame_pointers(struct ac_symbols *sy, const char *object,
			       int *with, int *functions);
void ac_symbols_close(struct ac_symbols *sy);

#endif /* AUTOCUE_SYMBOLS_H */

// SPDX-License-Identifier: MIT
/*
 * Functions without probes (--func): the function symbols of an ELF
 * object, from .symtab and .dynsym (libelf's gelf), matching globs. Each
 * becomes a probe pair whose entry is the function's first instruction
 * and whose return is a return probe (uretprobe) on the same address: the
 * kernel swaps the return address, so every return path, recursion and
 * tail calls are covered, and a longjmp past it is cleaned up by the
 * kernel, then by the BPF stack's unwind. Symbols versioned in the name
 * (foo@@VER_1) are matched and shown without the version; aliases of one
 * address are one pair (the first name); undefined symbols (what PLT
 * stubs call) and IFUNC resolvers are not functions of the object.
 */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/types.h>
#include "autocue.h"
#include "probes.h"
#include "functions.h"

struct seen {
	uint64_t *addr;
	int n, cap;
};

static bool seen_add(struct seen *s, uint64_t addr, bool *dup)
{
	for (int i = 0; i < s->n; i++)
		if (s->addr[i] == addr) {
			*dup = true;
			return true;
		}
	*dup = false;
	if (s->n == s->cap) {
		uint64_t *n = realloc(s->addr, (s->cap ? s->cap * 2 : 64) *
					       sizeof(*n));

		if (!n)
			return false;
		s->addr = n;
		s->cap = s->cap ? s->cap * 2 : 64;
	}
	s->addr[s->n++] = addr;
	return true;
}

/* How the kernel's uprobe runs a function's first instruction (x86-64,
 * arch/x86/kernel/uprobes.c): a push of a register (REX 0x41 the only
 * prefix), a nop, a relative jump or call it emulates in the trap;
 * anything else (sub, mov, ret, endbr64) it copies out of line and
 * single-steps, a second trap (~3x the cost here). Other architectures:
 * taken as single-stepped. */
int ac_func_entry_kind(const unsigned char *c, size_t n)
{
#if defined(__x86_64__)
	if (n >= 1 && ((c[0] >= 0x50 && c[0] <= 0x57) ||	/* push reg */
		       c[0] == 0x90 ||				/* nop */
		       c[0] == 0xe8 || c[0] == 0xe9 || c[0] == 0xeb ||	/* call, jmp */
		       (c[0] >= 0x70 && c[0] <= 0x7f)))		/* jcc rel8 */
		return AC_KIND_FUNC_EMULATED;
	if (n >= 2 && ((c[0] == 0x41 && c[1] >= 0x50 && c[1] <= 0x57) ||	/* push %r8.. */
		       (c[0] == 0x66 && c[1] == 0x90) ||	/* xchg %ax,%ax */
		       (c[0] == 0x0f && c[1] == 0x1f) ||	/* nopl, nopw */
		       (c[0] == 0x0f && c[1] >= 0x80 && c[1] <= 0x8f)))	/* jcc rel32 */
		return AC_KIND_FUNC_EMULATED;
#else
	(void)c;
	(void)n;
#endif
	return AC_KIND_FUNC_STEPPED;
}

static int add_func(struct ac_probe_set *set, const char *name, size_t len,
		    uint64_t off, int kind)
{
	struct ac_probe *p;

	for (int i = 0; i < set->n; i++)	/* a name taken: USDT or alias */
		if (strlen(set->p[i].name) == len &&
		    !strncmp(set->p[i].name, name, len))
			return 0;
	p = realloc(set->p, (set->n + 1) * sizeof(*p));
	if (!p)
		return -ENOMEM;
	set->p = p;
	p = &set->p[set->n];
	memset(p, 0, sizeof(*p));
	p->func = true;
	p->kind = kind;
	p->name = strndup(name, len);
	p->entry.off = malloc(sizeof(uint64_t));
	p->ret.off = malloc(sizeof(uint64_t));
	if (!p->name || !p->entry.off || !p->ret.off) {
		free(p->name);
		free(p->entry.off);
		free(p->ret.off);
		return -ENOMEM;
	}
	p->entry.off[0] = p->ret.off[0] = off;
	p->entry.n = p->ret.n = 1;
	set->n++;
	return 0;
}

/* The symbols of one table that match: 0, or -ENOMEM */
static int scan(int fd, Elf *elf, Elf_Scn *scn, const GElf_Shdr *sh,
		const char *globs, struct ac_probe_set *set, struct seen *seen,
		int *found)
{
	Elf_Data *data = elf_getdata(scn, NULL);
	size_t n = sh->sh_entsize ? sh->sh_size / sh->sh_entsize : 0;
	char name[256];

	for (size_t i = 0; data && i < n; i++) {
		unsigned char code[16];
		GElf_Sym sym;
		const char *nm;
		ssize_t got;
		uint64_t off;
		size_t len;
		bool dup;

		if (!gelf_getsym(data, i, &sym) ||
		    GELF_ST_TYPE(sym.st_info) != STT_FUNC ||
		    sym.st_shndx == SHN_UNDEF || !sym.st_value)
			continue;
		nm = elf_strptr(elf, sh->sh_link, sym.st_name);
		if (!nm || !*nm)
			continue;
		len = strcspn(nm, "@");	/* foo@@VER_1: foo */
		if (!len || len >= sizeof(name))
			continue;
		memcpy(name, nm, len);
		name[len] = 0;
		if (!ac_probes_match(name, globs) ||
		    ac_elf_vaddr_to_off(elf, sym.st_value, &off))
			continue;
		if (!seen_add(seen, sym.st_value, &dup))
			return -ENOMEM;
		if (dup)
			continue;
		got = pread(fd, code, sizeof(code), off);
		if (add_func(set, name, len, off,
			     ac_func_entry_kind(code, got > 0 ? got : 0)))
			return -ENOMEM;
		(*found)++;
	}
	return 0;
}

int ac_funcs_add(const char *path, const char *globs,
		 struct ac_probe_set *set, struct ac_funcs_info *info)
{
	struct seen seen = { 0 };
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;
	Elf *elf;
	int fd, ret = 0;

	memset(info, 0, sizeof(*info));
	/* the probes' own addresses are not functions to add again */
	ret = ac_elf_open(path, &fd, &elf);
	if (ret)
		return ret;
	/* .symtab first: it names static functions too; .dynsym adds
	 * nothing new then but is all a stripped object has */
	for (int pass = 0; pass < 2 && !ret; pass++) {
		scn = NULL;
		while ((scn = elf_nextscn(elf, scn)) && !ret) {
			if (!gelf_getshdr(scn, &sh) ||
			    sh.sh_type != (pass ? SHT_DYNSYM : SHT_SYMTAB))
				continue;
			if (pass)
				info->dynsym = true;
			else
				info->symtab = true;
			ret = scan(fd, elf, scn, &sh, globs, set, &seen,
				   &info->found);
		}
	}
	ac_elf_close(fd, elf);
	free(seen.addr);
	return ret;
}

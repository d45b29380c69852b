// SPDX-License-Identifier: MIT
/*
 * A CPython binary's exported Py_Version, Py_FinalizeEx and _PyRuntime
 * (.dynsym, which stripping keeps), its python:line semaphore and function
 * probe sites (the stapsdt notes), and the layout of its structures.
 */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <string.h>
#include <unistd.h>
#include "probes.h"
#include "python_elf.h"

/* The 8 bytes at ELF address vaddr, from the file. */
static int read_u64(Elf *elf, uint64_t vaddr, uint64_t *v)
{
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;

	while ((scn = elf_nextscn(elf, scn))) {
		Elf_Data *d;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type == SHT_NOBITS ||
		    vaddr < sh.sh_addr || vaddr + 8 > sh.sh_addr + sh.sh_size)
			continue;
		d = elf_getdata(scn, NULL);
		if (!d || !d->d_buf || vaddr - sh.sh_addr + 8 > d->d_size)
			return -ENOENT;
		memcpy(v, (char *)d->d_buf + (vaddr - sh.sh_addr), 8);
		return 0;
	}
	return -ENOENT;
}

static void dynsyms(Elf *elf, struct ac_py_elf *out)
{
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;

	while ((scn = elf_nextscn(elf, scn))) {
		Elf_Data *d;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_DYNSYM)
			continue;
		d = elf_getdata(scn, NULL);
		for (size_t i = 0; d && sh.sh_entsize &&
		     i < sh.sh_size / sh.sh_entsize; i++) {
			GElf_Sym sym;
			const char *name;
			uint64_t v;

			if (!gelf_getsym(d, i, &sym) || !sym.st_value)
				continue;
			name = elf_strptr(elf, sh.sh_link, sym.st_name);
			if (!name)
				continue;
			if (!strcmp(name, "Py_Version") &&
			    !read_u64(elf, sym.st_value, &v))
				out->version = v;
			else if (!strcmp(name, "Py_FinalizeEx"))
				ac_elf_vaddr_to_off(elf, sym.st_value,
						    &out->gate_off);
			else if (!strcmp(name, "_PyRuntime"))
				out->runtime = sym.st_value;
		}
	}
}

/* A file offset in a loaded segment as an ELF address */
static uint64_t off_to_vaddr(Elf *elf, uint64_t off)
{
	size_t n;
	GElf_Phdr ph;

	if (elf_getphdrnum(elf, &n))
		return 0;
	for (size_t i = 0; i < n; i++)
		if (gelf_getphdr(elf, i, &ph) && ph.p_type == PT_LOAD &&
		    off >= ph.p_offset && off < ph.p_offset + ph.p_filesz)
			return off - ph.p_offset + ph.p_vaddr;
	return 0;
}

static void sites(Elf *elf, const char *path, struct ac_py_elf *out)
{
	struct ac_probe_set set;
	char err[256];
	int i;

	if (ac_probes_discover(path, "python", &set, err, sizeof(err)))
		return;
	i = ac_probes_index(&set, "function");
	if (i >= 0 && set.p[i].entry.n == 1 && set.p[i].ret.n == 1) {
		out->entry_site = off_to_vaddr(elf, set.p[i].entry.off[0]);
		out->return_site = off_to_vaddr(elf, set.p[i].ret.off[0]);
	}
	ac_probes_free(&set);
}

/* CPython 3.11's offsets (x86-64, a release build), as its
 * Include/internal headers give them (tests/unit/test_py_layout.c checks
 * them against the installed ones). */
static const __u32 layout_311[AC_PY_NOFF] = {
	[AC_PY_TSTATE] = 576, [AC_PY_CFRAME] = 56, [AC_PY_FRAME] = 8,
	[AC_PY_CODE] = 32, [AC_PY_NAME] = 120, [AC_PY_QUALNAME] = 128,
	[AC_PY_USTATE] = 32, [AC_PY_ASCII_DATA] = 48, [AC_PY_UTF8] = 56,
	[AC_PY_INTERP_HEAD] = 40, [AC_PY_THREADS_HEAD] = 16,
	[AC_PY_TSTATE_NEXT] = 8, [AC_PY_PROFILEFUNC] = 64,
	[AC_PY_TRACEFUNC] = 72,
};

int ac_py_layout(const struct ac_py_elf *elf, __u32 off[AC_PY_NOFF])
{
	if (elf->version >> 16 != 0x030b || !elf->runtime ||
	    !elf->entry_site || !elf->return_site)
		return -ENOENT;
	memcpy(off, layout_311, sizeof(layout_311));
	return 0;
}

int ac_py_elf_read(const char *path, struct ac_py_elf *out)
{
	Elf *elf;
	int fd, ret = 0;

	memset(out, 0, sizeof(*out));
	ret = ac_elf_open(path, &fd, &elf);
	if (ret)
		return ret;
	dynsyms(elf, out);
	sites(elf, path, out);
	/* the ELF address at the file's start: a mapping of offset 0 less
	 * this is the load bias */
	out->first_vaddr = off_to_vaddr(elf, 0);
	ac_elf_close(fd, elf);
	if (ac_probe_semaphore(path, "python", "line",
				       &out->line_sema_off))
		out->line_sema_off = 0;
	return ret;
}

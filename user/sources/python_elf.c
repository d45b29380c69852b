// SPDX-License-Identifier: MIT
/*
 * A CPython binary's exported Py_Version and Py_FinalizeEx (.dynsym, which
 * stripping keeps) and its python:line semaphore (the stapsdt notes).
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
		}
	}
}

int ac_py_elf_read(const char *path, struct ac_py_elf *out)
{
	Elf *elf;
	int fd, ret = 0;

	memset(out, 0, sizeof(*out));
	elf_version(EV_CURRENT);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	elf = elf_begin(fd, ELF_C_READ, NULL);
	if (elf && elf_kind(elf) == ELF_K_ELF)
		dynsyms(elf, out);
	else
		ret = -ENOEXEC;
	if (elf)
		elf_end(elf);
	close(fd);
	if (!ret && ac_probe_semaphore(path, "python", "line",
				       &out->line_sema_off))
		out->line_sema_off = 0;
	return ret;
}

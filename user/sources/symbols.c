// SPDX-License-Identifier: MIT
/* Symbols of sampled addresses: libdwfl for a process, kallsyms for the
 * kernel. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <dwarf.h>
#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>
#include "symbols.h"

struct ksym {
	uint64_t addr;
	size_t name;	/* offset in ac_symbols.knames */
};

struct cached {
	uint64_t key;	/* address << 1 | is_return; 0 empty */
	struct ac_sym sym;
};

/* a mapping of the kernel's own, as [uprobes] (the uprobe trampoline a
 * sample can land in) or [vsyscall]: no ELF object to report */
struct special {
	uint64_t lo, hi;
	const char *name;
};

struct ac_symbols {
	pid_t pid;
	struct special *specials;
	size_t nspecials;
	Dwfl *dwfl;
	Dwfl_Callbacks cb;
	char *debuginfo_path;
	/* interned strings: names and unresolved labels */
	char **strs;
	size_t nstrs, strcap;
	/* address cache, open addressing */
	struct cached *cache;
	size_t ncache, cachecap;
	struct ksym *ksyms;
	size_t nksyms;
	char *knames;	/* every kernel name, NUL-separated: ~200k of them,
			 * interned only when a sample names one */
	size_t knames_len;
	bool ksyms_read;
};

/* libdwfl's find_elf callback has no context of ours: the process whose
 * objects are being reported (set around each report; one thread) */
static pid_t reporting_pid;

static uint64_t hash64(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	return x;
}

static uint64_t hash_str(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h ? h : 1;
}

/* one copy of every name: the profile compares them by pointer */
static const char *intern(struct ac_symbols *sy, const char *s)
{
	size_t i;

	if (!s)
		return NULL;
	if (2 * (sy->nstrs + 1) > sy->strcap) {
		size_t cap = sy->strcap ? 2 * sy->strcap : 1024;
		char **v = calloc(cap, sizeof(*v));

		if (!v)
			return NULL;
		for (size_t j = 0; j < sy->strcap; j++) {
			if (!sy->strs[j])
				continue;
			for (i = hash_str(sy->strs[j]) & (cap - 1); v[i];
			     i = (i + 1) & (cap - 1))
				;
			v[i] = sy->strs[j];
		}
		free(sy->strs);
		sy->strs = v;
		sy->strcap = cap;
	}
	for (i = hash_str(s) & (sy->strcap - 1); sy->strs[i];
	     i = (i + 1) & (sy->strcap - 1))
		if (!strcmp(sy->strs[i], s))
			return sy->strs[i];
	sy->strs[i] = strdup(s);
	if (!sy->strs[i])
		return NULL;
	sy->nstrs++;
	return sy->strs[i];
}

const char *ac_symbols_intern(struct ac_symbols *sy, const char *s)
{
	return intern(sy, s);
}

/* The mapping of the module starting at low, as the process sees it:
 * /proc/PID/map_files/LOW-HIGH, whatever became of its path. */
static int open_map_file(pid_t pid, uint64_t low, char *path, size_t len)
{
	char dir[64], prefix[32];
	struct dirent *d;
	DIR *dp;
	int fd = -1;

	snprintf(dir, sizeof(dir), "/proc/%d/map_files", pid);
	snprintf(prefix, sizeof(prefix), "%" PRIx64 "-", low);
	dp = opendir(dir);
	if (!dp)
		return -1;
	while ((d = readdir(dp))) {
		if (strncmp(d->d_name, prefix, strlen(prefix)))
			continue;
		snprintf(path, len, "%s/%s", dir, d->d_name);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		break;
	}
	closedir(dp);
	return fd;
}

static int find_elf(Dwfl_Module *mod, void **userdata, const char *modname,
		    Dwarf_Addr base, char **file_name, Elf **elfp)
{
	char path[4096];
	Dwarf_Addr low;
	int fd;

	dwfl_module_info(mod, NULL, &low, NULL, NULL, NULL, NULL, NULL);
	if (modname[0] == '/') {
		fd = open_map_file(reporting_pid, low, path, sizeof(path));
		if (fd < 0) {
			/* its path in the process's own mount namespace */
			snprintf(path, sizeof(path), "/proc/%d/root%s",
				 reporting_pid, modname);
			fd = open(path, O_RDONLY | O_CLOEXEC);
		}
		if (fd >= 0) {
			/* debug links are looked up beside the file's
			 * real name */
			*file_name = strdup(modname);
			return fd;
		}
	}
	/* the vDSO and the like: libdwfl reads them from memory */
	return dwfl_linux_proc_find_elf(mod, userdata, modname, base,
					file_name, elfp);
}

/* open each object now: once the process has gone, its map_files have
 * too (its DWARF is read from the open file, or found by build ID on
 * this host, when first needed) */
static int open_module(Dwfl_Module *mod, void **userdata, const char *name,
		       Dwarf_Addr start, void *arg)
{
	Dwarf_Addr bias;

	dwfl_module_getelf(mod, &bias);
	return DWARF_CB_OK;
}

static void read_specials(struct ac_symbols *sy)
{
	char path[64], line[4200], name[256];
	unsigned long long lo, hi;
	size_t cap = sy->nspecials;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/maps", sy->pid);
	f = fopen(path, "re");
	if (!f)
		return;
	sy->nspecials = 0;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%llx-%llx %*s %*s %*s %*s %255s", &lo, &hi,
			   name) != 3 || name[0] != '[')
			continue;
		if (sy->nspecials == cap) {
			size_t ncap = cap ? 2 * cap : 8;
			struct special *v = realloc(sy->specials,
						    ncap * sizeof(*v));

			if (!v)
				break;
			sy->specials = v;
			cap = ncap;
		}
		sy->specials[sy->nspecials++] = (struct special){
			lo, hi, intern(sy, name) };
	}
	fclose(f);
}

int ac_symbols_refresh(struct ac_symbols *sy)
{
	int ret;

	read_specials(sy);
	reporting_pid = sy->pid;
	dwfl_report_begin_add(sy->dwfl);
	ret = dwfl_linux_proc_report(sy->dwfl, sy->pid);
	dwfl_report_end(sy->dwfl, NULL, NULL);
	if (ret)
		return ret > 0 ? -ret : -ESRCH;
	dwfl_getmodules(sy->dwfl, open_module, NULL, 0);
	return 0;
}

int ac_symbols_open(pid_t pid, struct ac_symbols **out, char *err,
		    size_t errlen)
{
	struct ac_symbols *sy = calloc(1, sizeof(*sy));
	int ret;

	*out = sy;
	if (!sy)
		return -ENOMEM;
	sy->pid = pid;
	sy->cb.find_elf = find_elf;
	sy->cb.find_debuginfo = dwfl_standard_find_debuginfo;
	sy->cb.debuginfo_path = &sy->debuginfo_path;
	sy->dwfl = dwfl_begin(&sy->cb);
	if (!sy->dwfl) {
		snprintf(err, errlen, "libdwfl: %s", dwfl_errmsg(-1));
		return -ENOMEM;
	}
	ret = ac_symbols_refresh(sy);
	if (ret)
		snprintf(err, errlen, "cannot read the mappings of PID %d: %s",
			 pid, strerror(-ret));
	return ret;
}

static struct cached *cache_slot(struct ac_symbols *sy, uint64_t key)
{
	size_t i;

	if (2 * (sy->ncache + 1) > sy->cachecap) {
		size_t cap = sy->cachecap ? 2 * sy->cachecap : 4096;
		struct cached *v = calloc(cap, sizeof(*v));

		if (!v)
			return NULL;
		for (size_t j = 0; j < sy->cachecap; j++) {
			if (!sy->cache[j].key)
				continue;
			for (i = hash64(sy->cache[j].key) & (cap - 1); v[i].key;
			     i = (i + 1) & (cap - 1))
				;
			v[i] = sy->cache[j];
		}
		free(sy->cache);
		sy->cache = v;
		sy->cachecap = cap;
	}
	for (i = hash64(key) & (sy->cachecap - 1); sy->cache[i].key;
	     i = (i + 1) & (sy->cachecap - 1))
		if (sy->cache[i].key == key)
			return &sy->cache[i];
	return &sy->cache[i];
}

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

static bool is_function(Dwarf_Die *die)
{
	int tag = dwarf_tag(die);

	return tag == DW_TAG_subprogram || tag == DW_TAG_inlined_subroutine;
}

/* the functions inlined at pc, innermost first, then the one holding
 * them, from DWARF; 0 without debug info there */
static int inline_chain(struct ac_symbols *sy, Dwfl_Module *mod,
			Dwarf_Addr pc, struct ac_sym *out)
{
	Dwarf_Addr bias;
	Dwarf_Die *cu = dwfl_module_addrdie(mod, pc, &bias);
	Dwarf_Die *scopes = NULL, *chain = NULL;
	int n, i, nchain;

	if (!cu)
		return 0;
	n = dwarf_getscopes(cu, pc - bias, &scopes);
	for (i = 0; i < n && !is_function(&scopes[i]); i++)
		;
	if (i >= n) {
		free(scopes);
		return 0;
	}
	/* dwarf_getscopes continues past an inlined copy into its abstract
	 * definition's scopes; the concrete ones, where it was inlined
	 * into, come from the DIE itself */
	nchain = dwarf_getscopes_die(&scopes[i], &chain);
	for (int k = 0; k < nchain && out->n < AC_SYM_MAX_INLINE; k++) {
		Dwarf_Attribute attr;
		const char *name;

		if (!is_function(&chain[k]))
			continue;
		/* an inlined copy names its function through its abstract
		 * origin: _integrate follows it */
		name = dwarf_attr_integrate(&chain[k], DW_AT_name, &attr) ?
		       dwarf_formstring(&attr) : NULL;
		if (name)
			out->names[out->n++] = intern(sy, name);
		if (dwarf_tag(&chain[k]) == DW_TAG_subprogram)
			break;
	}
	free(chain);
	free(scopes);
	return out->n;
}

static void resolve(struct ac_symbols *sy, uint64_t pc, struct ac_sym *out)
{
	Dwfl_Module *mod = dwfl_addrmodule(sy->dwfl, pc);
	char label[4200];
	const char *name, *modname;
	Dwarf_Addr low, bias = 0;
	GElf_Off off;
	GElf_Sym sym;

	memset(out, 0, sizeof(*out));
	for (size_t i = 0; !mod && i < sy->nspecials; i++)
		if (pc >= sy->specials[i].lo && pc < sy->specials[i].hi) {
			out->names[out->n++] = sy->specials[i].name;
			return;
		}
	if (!mod) {
		snprintf(label, sizeof(label), "[unknown+0x%" PRIx64 "]", pc);
		out->names[out->n++] = intern(sy, label);
		return;
	}
	modname = dwfl_module_info(mod, NULL, &low, NULL, NULL, NULL, NULL,
				   NULL);
	out->object = intern(sy, modname);
	if (inline_chain(sy, mod, pc, out)) {
		out->resolved = true;
		return;
	}
	name = dwfl_module_addrinfo(mod, pc, &off, &sym, NULL, NULL, NULL);
	if (name) {
		out->names[out->n++] = intern(sy, name);
		out->resolved = true;
		return;
	}
	/* the address as the object's own (an ELF address), as addr2line
	 * and gdb take it */
	if (!dwfl_module_getelf(mod, &bias))
		bias = low;
	snprintf(label, sizeof(label), "[%s+0x%" PRIx64 "]",
		 base_name(modname ? modname : "?"), pc - bias);
	out->names[out->n++] = intern(sy, label);
}

int ac_symbols_user(struct ac_symbols *sy, uint64_t addr, bool is_return,
		    struct ac_sym *out)
{
	uint64_t pc = is_return && addr ? addr - 1 : addr;
	struct cached *c = cache_slot(sy, addr << 1 | is_return | 1ULL << 63);

	if (!c)
		return -ENOMEM;
	if (!c->key) {
		resolve(sy, pc, &c->sym);
		for (int i = 0; i < c->sym.n; i++)
			if (!c->sym.names[i])
				return -ENOMEM;
		c->key = addr << 1 | is_return | 1ULL << 63;
		sy->ncache++;
	}
	*out = c->sym;
	return 0;
}

static int cmp_ksym(const void *a, const void *b)
{
	const struct ksym *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

static void read_kallsyms(struct ac_symbols *sy)
{
	char line[512], name[256], type;
	unsigned long long addr;
	size_t cap = 0, ncap_names = 0;
	FILE *f;

	sy->ksyms_read = true;
	f = fopen("/proc/kallsyms", "re");
	if (!f)
		return;
	/* large reads: each one restarts the kernel's walk of its table */
	setvbuf(f, NULL, _IOFBF, 1 << 20);
	while (fgets(line, sizeof(line), f)) {
		char *p, *end;
		size_t len;

		/* "ffffffff81000000 T name [module]": by hand, as sscanf
		 * costs more than the kernel's generating 200k lines */
		addr = strtoull(line, &p, 16);
		if (p == line || p[0] != ' ' || !p[1] || p[2] != ' ')
			continue;
		type = p[1];
		if (type != 't' && type != 'T' && type != 'w' && type != 'W')
			continue;
		p += 3;
		end = p + strcspn(p, " \t\n");
		if (end == p || end - p >= (ptrdiff_t)sizeof(name))
			continue;
		memcpy(name, p, end - p);
		name[end - p] = '\0';
		len = strlen(name) + 1;
		if (sy->nksyms == cap) {
			size_t ncap = cap ? 2 * cap : 65536;
			struct ksym *v = realloc(sy->ksyms, ncap * sizeof(*v));

			if (!v)
				break;
			sy->ksyms = v;
			cap = ncap;
		}
		if (sy->knames_len + len > ncap_names) {
			size_t ncap = ncap_names ? 2 * ncap_names : 1 << 20;
			char *v;

			while (ncap < sy->knames_len + len)
				ncap *= 2;
			v = realloc(sy->knames, ncap);
			if (!v)
				break;
			sy->knames = v;
			ncap_names = ncap;
		}
		memcpy(sy->knames + sy->knames_len, name, len);
		sy->ksyms[sy->nksyms++] = (struct ksym){ addr, sy->knames_len };
		sy->knames_len += len;
	}
	fclose(f);
	qsort(sy->ksyms, sy->nksyms, sizeof(*sy->ksyms), cmp_ksym);
}

const char *ac_symbols_kernel(struct ac_symbols *sy, uint64_t addr)
{
	size_t lo = 0, hi;
	char label[300];

	if (!sy->ksyms_read)
		read_kallsyms(sy);
	hi = sy->nksyms;
	/* the last symbol at or below addr */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (sy->ksyms[mid].addr <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo && sy->ksyms[lo - 1].addr) {
		snprintf(label, sizeof(label), "%s_[k]",
			 sy->knames + sy->ksyms[lo - 1].name);
		return intern(sy, label);
	}
	/* kallsyms shows 0 addresses to the unprivileged */
	snprintf(label, sizeof(label), "[kernel+0x%" PRIx64 "]", addr);
	return intern(sy, label);
}

struct fp_find {
	const char *object;
	Dwfl_Module *mod;
};

static int find_module(Dwfl_Module *mod, void **userdata, const char *name,
		       Dwarf_Addr start, void *arg)
{
	struct fp_find *f = arg;

	if (name && !strcmp(name, f->object)) {
		f->mod = mod;
		return DWARF_CB_ABORT;
	}
	return DWARF_CB_OK;
}

struct fn_code {
	uint64_t addr;
	size_t len;
	const unsigned char *code;
};

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* the run-time ranges of the object's PLT sections: calls into them are
 * calls into other objects */
static int plt_ranges(Dwfl_Module *mod, uint64_t lo[3], uint64_t hi[3])
{
	GElf_Addr bias;
	Elf *elf = dwfl_module_getelf(mod, &bias);
	Elf_Scn *scn = NULL;
	size_t shstrndx;
	int n = 0;

	if (!elf || elf_getshdrstrndx(elf, &shstrndx))
		return 0;
	while ((scn = elf_nextscn(elf, scn)) && n < 3) {
		GElf_Shdr sh;
		const char *name;

		if (!gelf_getshdr(scn, &sh) ||
		    !(name = elf_strptr(elf, shstrndx, sh.sh_name)))
			continue;
		if (!strcmp(name, ".plt") || !strcmp(name, ".plt.sec") ||
		    !strcmp(name, ".plt.got")) {
			lo[n] = sh.sh_addr + bias;
			hi[n++] = sh.sh_addr + bias + sh.sh_size;
		}
	}
	return n;
}

/* does the function make a direct call (e8 rel32 to a function start or
 * a PLT entry)? A stray e8 byte rarely lands on one exactly. */
static bool makes_calls(const struct fn_code *f, const uint64_t *starts,
			size_t nstarts, const uint64_t *lo, const uint64_t *hi,
			int nplt)
{
	for (size_t i = 0; i + 5 <= f->len; i++) {
		int32_t rel;
		uint64_t to;

		if (f->code[i] != 0xe8)
			continue;
		memcpy(&rel, f->code + i + 1, sizeof(rel));
		to = f->addr + i + 5 + (int64_t)rel;
		for (int k = 0; k < nplt; k++)
			if (to >= lo[k] && to < hi[k])
				return true;
		if (bsearch(&to, starts, nstarts, sizeof(*starts), cmp_u64))
			return true;
	}
	return false;
}

bool ac_symbols_frame_pointers(struct ac_symbols *sy, const char *object,
			       int *with, int *functions)
{
	static const unsigned char endbr64[] = { 0xf3, 0x0f, 0x1e, 0xfa };
	static const unsigned char setup[] = { 0x55, 0x48, 0x89, 0xe5 };
	struct fp_find f = { object, NULL };
	struct fn_code *fns = NULL;
	uint64_t *starts = NULL, plt_lo[3], plt_hi[3];
	size_t nfns = 0;
	int nsyms, nplt;

	*with = *functions = 0;
#ifndef __x86_64__
	return false;
#endif
	if (!object)
		return false;
	dwfl_getmodules(sy->dwfl, find_module, &f, 0);
	if (!f.mod)
		return false;
	nsyms = dwfl_module_getsymtab(f.mod);
	if (nsyms <= 1)
		return false;
	fns = calloc(nsyms, sizeof(*fns));
	starts = calloc(nsyms, sizeof(*starts));
	if (!fns || !starts)
		goto out;
	for (int i = 1; i < nsyms; i++) {
		GElf_Sym sym;
		GElf_Addr addr, rel;
		GElf_Word shndx;
		Dwarf_Addr bias;
		Elf_Scn *scn;
		Elf_Data *data;

		if (!dwfl_module_getsym_info(f.mod, i, &sym, &addr, &shndx,
					     NULL, NULL) ||
		    GELF_ST_TYPE(sym.st_info) != STT_FUNC || !sym.st_size ||
		    shndx == SHN_UNDEF)
			continue;
		rel = addr;
		scn = dwfl_module_address_section(f.mod, &rel, &bias);
		if (!scn || !(data = elf_getdata(scn, NULL)) || !data->d_buf ||
		    rel + sym.st_size > data->d_size)
			continue;
		starts[nfns] = addr;
		fns[nfns++] = (struct fn_code){ addr, sym.st_size,
			(const unsigned char *)data->d_buf + rel };
	}
	qsort(starts, nfns, sizeof(*starts), cmp_u64);
	nplt = plt_ranges(f.mod, plt_lo, plt_hi);
	/* a leaf may do without a frame (GCC leaves it out of leaves even
	 * with -fno-omit-frame-pointer): count the functions that call */
	for (size_t i = 0; i < nfns; i++) {
		const unsigned char *p = fns[i].code;

		if (fns[i].len < 8 ||
		    !makes_calls(&fns[i], starts, nfns, plt_lo, plt_hi, nplt))
			continue;
		if (!memcmp(p, endbr64, sizeof(endbr64)))
			p += sizeof(endbr64);
		(*functions)++;
		if (!memcmp(p, setup, sizeof(setup)))
			(*with)++;
	}
out:
	free(fns);
	free(starts);
	return *functions > 0;
}

void ac_symbols_close(struct ac_symbols *sy)
{
	if (!sy)
		return;
	if (sy->dwfl)
		dwfl_end(sy->dwfl);
	for (size_t i = 0; i < sy->strcap; i++)
		free(sy->strs[i]);
	free(sy->strs);
	free(sy->cache);
	free(sy->ksyms);
	free(sy->knames);
	free(sy->specials);
	free(sy);
}

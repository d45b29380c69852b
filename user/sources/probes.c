// SPDX-License-Identifier: MIT
/*
 * Probe discovery: the stapsdt note format is what sys/sdt.h and our
 * autocue_usdt.h emit (see systemtap's "UserSpaceProbeImplementation"):
 * desc = pc, base of .stapsdt.base, semaphore (address-sized each), then
 * provider, name and argument strings.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <gelf.h>
#include <libelf.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "probes.h"
#include "quote.h"

#define ENTRY_SUFFIX "__entry"
#define RETURN_SUFFIX "__return"

static int fail(char *err, size_t len, int ret, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	/* messages name files and probes: quoted whole */
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	ac_quote(err, len, msg);
	return ret;
}

static int sites_add(struct ac_sites *s, uint64_t off)
{
	uint64_t *n = realloc(s->off, (s->n + 1) * sizeof(*n));

	if (!n)
		return -ENOMEM;
	s->off = n;
	s->off[s->n++] = off;
	return 0;
}

static struct ac_probe *probe_get(struct ac_probe_set *set, const char *name,
				  size_t len)
{
	struct ac_probe *p;

	for (int i = 0; i < set->n; i++)
		if (strlen(set->p[i].name) == len &&
		    !strncmp(set->p[i].name, name, len))
			return &set->p[i];
	p = realloc(set->p, (set->n + 1) * sizeof(*p));
	if (!p)
		return NULL;
	set->p = p;
	p = &set->p[set->n];
	memset(p, 0, sizeof(*p));
	p->name = strndup(name, len);
	if (!p->name)
		return NULL;
	set->n++;
	return p;
}

/* A note's pc is a virtual address; uprobes want a file offset. */
int ac_elf_vaddr_to_off(Elf *elf, uint64_t vaddr, uint64_t *off)
{
	size_t n;
	GElf_Phdr ph;

	if (elf_getphdrnum(elf, &n))
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		if (!gelf_getphdr(elf, i, &ph) || ph.p_type != PT_LOAD)
			continue;
		if (vaddr >= ph.p_vaddr && vaddr < ph.p_vaddr + ph.p_memsz) {
			*off = vaddr - ph.p_vaddr + ph.p_offset;
			return 0;
		}
	}
	return -ENOENT;
}

static bool base_addr(Elf *elf, size_t shstrndx, uint64_t *addr)
{
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;

	while ((scn = elf_nextscn(elf, scn))) {
		const char *nm;

		if (!gelf_getshdr(scn, &sh))
			continue;
		nm = elf_strptr(elf, shstrndx, sh.sh_name);
		if (nm && !strcmp(nm, ".stapsdt.base")) {
			*addr = sh.sh_addr;
			return true;
		}
	}
	return false;
}

static bool identifier(const char *s)
{
	if (!*s || isdigit((unsigned char)*s))
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '_')
			return false;
	return true;
}

static int add_note(struct ac_probe_set *set, Elf *elf, const char *desc,
		    size_t dlen, int cls, bool have_base, uint64_t base_sec,
		    const char *provider)
{
	size_t asz = cls == ELFCLASS64 ? 8 : 4, len;
	uint64_t pc = 0, base = 0, off;
	const char *prov, *name, *end = desc + dlen;
	struct ac_probe *p;
	struct ac_sites *sites;

	if (dlen < 3 * asz + 2)
		return 0;
	memcpy(&pc, desc, asz);
	memcpy(&base, desc + asz, asz);
	prov = desc + 3 * asz;
	name = memchr(prov, 0, end - prov);
	if (!name || ++name >= end || !memchr(name, 0, end - name))
		return 0;
	if (strcmp(prov, provider))
		return 0;
	/* prelink may have moved the binary after the notes were written */
	if (have_base && base)
		pc += base_sec - base;
	if (ac_elf_vaddr_to_off(elf, pc, &off))
		return 0;

	len = strlen(name);
	/* a name that is not a C identifier comes from no AUTOCUE_PROBE:
	 * unpaired (warned about, quoted), never a row, a frame or a key */
	if (identifier(name) && len > strlen(ENTRY_SUFFIX) &&
	    !strcmp(name + len - strlen(ENTRY_SUFFIX), ENTRY_SUFFIX)) {
		p = probe_get(set, name, len - strlen(ENTRY_SUFFIX));
		sites = p ? &p->entry : NULL;
	} else if (identifier(name) && len > strlen(RETURN_SUFFIX) &&
		   !strcmp(name + len - strlen(RETURN_SUFFIX), RETURN_SUFFIX)) {
		p = probe_get(set, name, len - strlen(RETURN_SUFFIX));
		sites = p ? &p->ret : NULL;
	} else {
		/* a probe outside the entry/return convention */
		char **u = realloc(set->unpaired,
				   (set->nunpaired + 1) * sizeof(*u));

		if (!u)
			return -ENOMEM;
		set->unpaired = u;
		u[set->nunpaired] = strdup(name);
		return u[set->nunpaired++] ? 0 : -ENOMEM;
	}
	if (!sites)
		return -ENOMEM;
	return sites_add(sites, off);
}

/* The instruction at each site: a 1-byte nop is sys/sdt.h's classic form
 * (a trap when traced), anything else our 5-byte form. */
static void count_classic(int fd, struct ac_sites *s)
{
	unsigned char op;

	for (int i = 0; i < s->n; i++)
		if (pread(fd, &op, 1, s->off[i]) == 1 && op == 0x90)
			s->nclassic++;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct ac_probe *)a)->name,
		      ((const struct ac_probe *)b)->name);
}

/* Out of memory at probe i: keep it and the ones after it, which are
 * still whole, so that ac_probes_free frees each exactly once. */
static int split_failed(struct ac_probe_set *set, int kept, int i)
{
	while (i < set->n)
		set->p[kept++] = set->p[i++];
	set->n = kept;
	return -ENOMEM;
}

/* Moves probes missing a side to the unpaired list, named as they appear. */
static int split_unpaired(struct ac_probe_set *set)
{
	int kept = 0;

	for (int i = 0; i < set->n; i++) {
		struct ac_probe *p = &set->p[i];
		char **u;

		if (p->entry.n && p->ret.n) {
			set->p[kept++] = *p;
			continue;
		}
		u = realloc(set->unpaired, (set->nunpaired + 1) * sizeof(*u));
		if (!u)
			return split_failed(set, kept, i);
		set->unpaired = u;
		if (asprintf(&u[set->nunpaired], "%s%s", p->name,
			     p->entry.n ? ENTRY_SUFFIX : RETURN_SUFFIX) < 0)
			return split_failed(set, kept, i);
		set->nunpaired++;
		free(p->name);
		free(p->entry.off);
		free(p->ret.off);
	}
	set->n = kept;
	if (set->n)	/* set->p is NULL when there were no probes */
		qsort(set->p, set->n, sizeof(*set->p), by_name);
	return 0;
}

/* Calls fn on the desc of each stapsdt note of elf until it returns
 * non-zero, which is returned. */
static int each_note(Elf *elf, size_t shstrndx,
		     int (*fn)(void *ctx, const char *desc, size_t dlen),
		     void *ctx)
{
	Elf_Scn *scn = NULL;

	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		Elf_Data *data;
		GElf_Nhdr nh;
		size_t off = 0, noff, doff;
		const char *nm;
		int ret;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_NOTE)
			continue;
		nm = elf_strptr(elf, shstrndx, sh.sh_name);
		if (!nm || strcmp(nm, ".note.stapsdt"))
			continue;
		data = elf_getdata(scn, NULL);
		if (!data)
			continue;
		while ((off = gelf_getnote(data, off, &nh, &noff, &doff)) > 0) {
			if (nh.n_type != 3 || nh.n_namesz != 8 ||
			    memcmp((char *)data->d_buf + noff, "stapsdt", 8))
				continue;
			ret = fn(ctx, (char *)data->d_buf + doff, nh.n_descsz);
			if (ret)
				return ret;
		}
	}
	return 0;
}

struct note_ctx {
	struct ac_probe_set *set;
	Elf *elf;
	int cls;
	bool have_base;
	uint64_t base_sec;
	const char *provider;
	const char *name;	/* ac_probe_semaphore's probe */
	uint64_t sema;		/* and its semaphore's address */
};

static int add_one(void *ctx, const char *desc, size_t dlen)
{
	struct note_ctx *c = ctx;

	return add_note(c->set, c->elf, desc, dlen, c->cls, c->have_base,
			c->base_sec, c->provider);
}

int ac_probes_discover(const char *path, const char *provider,
		       struct ac_probe_set *out, char *err, size_t errlen)
{
	Elf *elf = NULL;
	size_t shstrndx;
	struct note_ctx ctx = { .set = out };
	int fd, ret = 0;

	memset(out, 0, sizeof(*out));
	if (!provider)
		provider = "autocue";
	elf_version(EV_CURRENT);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return fail(err, errlen, -errno, "cannot open %s: %s", path,
			    strerror(errno));
	elf = elf_begin(fd, ELF_C_READ, NULL);
	if (!elf || elf_kind(elf) != ELF_K_ELF ||
	    elf_getshdrstrndx(elf, &shstrndx)) {
		ret = fail(err, errlen, -ENOEXEC, "%s is not an ELF file", path);
		goto cleanup;
	}
	ctx.elf = elf;
	ctx.cls = gelf_getclass(elf);
	ctx.have_base = base_addr(elf, shstrndx, &ctx.base_sec);
	ctx.provider = provider;

	ret = each_note(elf, shstrndx, add_one, &ctx);
	if (ret) {
		fail(err, errlen, ret, "out of memory");
		goto cleanup;
	}
	ret = split_unpaired(out);
	if (ret)
		fail(err, errlen, ret, "out of memory");
	for (int i = 0; !ret && i < out->n; i++) {
		count_classic(fd, &out->p[i].entry);
		count_classic(fd, &out->p[i].ret);
	}
cleanup:
	if (elf)
		elf_end(elf);
	close(fd);
	if (ret)
		ac_probes_free(out);
	return ret;
}

/* Selected: matched by a glob (or no glob but "!" ones given) and by no
 * "!GLOB", so "!word_*" means every probe but those. */
static int find_sema(void *ctx, const char *desc, size_t dlen)
{
	struct note_ctx *c = ctx;
	size_t asz = c->cls == ELFCLASS64 ? 8 : 4;
	const char *prov = desc + 3 * asz, *end = desc + dlen, *name;
	uint64_t base = 0, sema = 0;

	if (dlen < 3 * asz + 2)
		return 0;
	name = memchr(prov, 0, end - prov);
	if (!name || ++name >= end || !memchr(name, 0, end - name) ||
	    strcmp(prov, c->provider) || strcmp(name, c->name))
		return 0;
	memcpy(&base, desc + asz, asz);
	memcpy(&sema, desc + 2 * asz, asz);
	if (c->have_base && base && sema)	/* prelinked, as the pc */
		sema += c->base_sec - base;
	c->sema = sema;
	return 1;
}

int ac_elf_open(const char *path, int *fd, Elf **elf)
{
	elf_version(EV_CURRENT);
	*fd = open(path, O_RDONLY | O_CLOEXEC);
	if (*fd < 0)
		return -errno;
	*elf = elf_begin(*fd, ELF_C_READ, NULL);
	if (!*elf || elf_kind(*elf) != ELF_K_ELF) {
		ac_elf_close(*fd, *elf);
		return -ENOEXEC;
	}
	return 0;
}

void ac_elf_close(int fd, Elf *elf)
{
	if (elf)
		elf_end(elf);
	close(fd);
}

int ac_probe_semaphore(const char *path, const char *provider,
		       const char *name, uint64_t *off)
{
	struct note_ctx ctx = { .provider = provider, .name = name };
	Elf *elf;
	size_t shstrndx;
	int fd, ret = -ENOENT;

	elf_version(EV_CURRENT);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	elf = elf_begin(fd, ELF_C_READ, NULL);
	if (elf && elf_kind(elf) == ELF_K_ELF &&
	    !elf_getshdrstrndx(elf, &shstrndx)) {
		ctx.elf = elf;
		ctx.cls = gelf_getclass(elf);
		ctx.have_base = base_addr(elf, shstrndx, &ctx.base_sec);
		if (each_note(elf, shstrndx, find_sema, &ctx) == 1 && ctx.sema)
			ret = ac_elf_vaddr_to_off(elf, ctx.sema, off);
	} else {
		ret = -ENOEXEC;
	}
	if (elf)
		elf_end(elf);
	close(fd);
	return ret;
}

bool ac_probes_match(const char *name, const char *patterns)
{
	char *copy, *save = NULL, *pat;
	bool hit = false, positive = false, excluded = false;

	if (!patterns || !*patterns)
		return true;
	copy = strdup(patterns);
	if (!copy)
		return true;
	for (pat = strtok_r(copy, ",", &save); pat;
	     pat = strtok_r(NULL, ",", &save)) {
		if (*pat == '!') {
			excluded |= !fnmatch(pat + 1, name, 0);
		} else {
			positive = true;
			hit |= !fnmatch(pat, name, 0);
		}
	}
	free(copy);
	return (hit || !positive) && !excluded;
}

static void probe_free(struct ac_probe *p)
{
	free(p->name);
	free(p->entry.off);
	free(p->ret.off);
}

void ac_probes_filter(struct ac_probe_set *set, const char *patterns)
{
	int kept = 0;

	if (!patterns || !*patterns)
		return;
	for (int i = 0; i < set->n; i++) {
		if (ac_probes_match(set->p[i].name, patterns))
			set->p[kept++] = set->p[i];
		else
			probe_free(&set->p[i]);
	}
	set->n = kept;
}

void ac_probes_remove(struct ac_probe_set *set, const char *name)
{
	for (int i = 0; i < set->n; i++) {
		if (strcmp(set->p[i].name, name))
			continue;
		probe_free(&set->p[i]);
		memmove(&set->p[i], &set->p[i + 1],
			(set->n - i - 1) * sizeof(*set->p));
		set->n--;
		return;
	}
}

void ac_probes_remove_reserved(struct ac_probe_set *set)
{
	ac_probes_remove(set, "autocue_calibrate");
	ac_probes_remove(set, "autocue_calibrate_classic");
}

bool ac_probes_mostly_classic(const struct ac_probe_set *set)
{
	int classic = 0, all = 0;

	for (int i = 0; i < set->n; i++) {
		classic += set->p[i].entry.nclassic + set->p[i].ret.nclassic;
		all += set->p[i].entry.n + set->p[i].ret.n;
	}
	return 2 * classic > all;
}

static int sites_append(struct ac_sites *d, const struct ac_sites *s)
{
	for (int i = 0; i < s->n; i++)
		if (sites_add(d, s->off[i]))
			return -ENOMEM;
	d->nclassic += s->nclassic;
	return 0;
}

int ac_probes_merge(struct ac_probe_set *dst, const struct ac_probe_set *src,
		    int *idx)
{
	for (int i = 0; i < src->n; i++) {
		const struct ac_probe *s = &src->p[i];
		struct ac_probe *d = probe_get(dst, s->name, strlen(s->name));

		if (!d || sites_append(&d->entry, &s->entry) ||
		    sites_append(&d->ret, &s->ret))
			return -ENOMEM;
		if (s->func) {
			d->func = true;
			d->kind = s->kind;
		}
		idx[i] = d - dst->p;
	}
	for (int i = 0; i < src->nunpaired; i++) {
		char **u;
		bool known = false;

		for (int j = 0; j < dst->nunpaired && !known; j++)
			known = !strcmp(dst->unpaired[j], src->unpaired[i]);
		if (known)
			continue;
		u = realloc(dst->unpaired, (dst->nunpaired + 1) * sizeof(*u));
		if (!u)
			return -ENOMEM;
		dst->unpaired = u;
		u[dst->nunpaired] = strdup(src->unpaired[i]);
		if (!u[dst->nunpaired])
			return -ENOMEM;
		dst->nunpaired++;
	}
	return 0;
}

void ac_probes_sort(struct ac_probe_set *set)
{
	if (set->n)
		qsort(set->p, set->n, sizeof(*set->p), by_name);
}

void ac_probes_truncate(struct ac_probe_set *set, int n)
{
	while (set->n > n)
		probe_free(&set->p[--set->n]);
}

int ac_probes_index(const struct ac_probe_set *set, const char *name)
{
	for (int i = 0; i < set->n; i++)
		if (!strcmp(set->p[i].name, name))
			return i;
	return -1;
}

void ac_probes_free(struct ac_probe_set *set)
{
	for (int i = 0; i < set->n; i++)
		probe_free(&set->p[i]);
	for (int i = 0; i < set->nunpaired; i++)
		free(set->unpaired[i]);
	free(set->p);
	free(set->unpaired);
	memset(set, 0, sizeof(*set));
}

// SPDX-License-Identifier: MIT
/* Folded call paths (FlameGraph stackcollapse format). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "folded.h"
#include "outfile.h"

struct line {
	char *frames;
	uint64_t self_ns;
};

const char *ac_path_frame(const struct ac_snapshot *s, int idx)
{
	if (idx == -1)
		return AC_FRAME_TRUNCATED;
	if (idx < 0 || idx >= s->nprobes || !s->probes[idx].name)
		return AC_FRAME_UNKNOWN;
	return s->probes[idx].name;
}

/* ';' separates frames and the last ' ' the value: a name must hold
 * neither (probe names are C identifiers, but the notes are not ours). */
static void put_frame(char *dst, const char *name)
{
	for (; *name; name++)
		*dst++ = (*name == ';' || *name == ' ' || *name == '\n') ?
			 '_' : *name;
	*dst = '\0';
}

static char *join_frames(const struct ac_snapshot *s,
			 const struct ac_path_stats *p)
{
	size_t len = 1;
	char *buf, *at;

	for (int d = 0; d < p->depth; d++)
		len += strlen(ac_path_frame(s, p->probes[d])) + 1;
	buf = malloc(len);
	if (!buf)
		return NULL;
	at = buf;
	*at = '\0';
	for (int d = 0; d < p->depth; d++) {
		if (d)
			*at++ = ';';
		put_frame(at, ac_path_frame(s, p->probes[d]));
		at += strlen(at);
	}
	return buf;
}

static int cmp_lines(const void *a, const void *b)
{
	return strcmp(((const struct line *)a)->frames,
		      ((const struct line *)b)->frames);
}

/* unit_ns: what one unit of the printed value is (1000: us; 1: the
 * paths' self_ns as a plain count, as a profile's samples) */
static int print_paths(FILE *out, const struct ac_snapshot *s, bool keep_zero,
		       uint64_t unit_ns)
{
	struct line *lines;
	int n = 0, err = 0;

	if (!out || !s)
		return -EINVAL;
	lines = calloc(s->npaths + 1, sizeof(*lines));
	if (!lines)
		return -ENOMEM;
	for (int i = 0; i < s->npaths; i++) {
		if (s->paths[i].depth <= 0)
			continue;
		lines[n].frames = join_frames(s, &s->paths[i]);
		if (!lines[n].frames) {
			err = -ENOMEM;
			goto cleanup;
		}
		lines[n++].self_ns = s->paths[i].self_ns;
	}
	qsort(lines, n, sizeof(*lines), cmp_lines);
	for (int i = 0; i < n; i++) {
		uint64_t ns = lines[i].self_ns, us;

		/* merge equal paths (e.g. one name in two binaries) */
		while (i + 1 < n && !strcmp(lines[i].frames,
					    lines[i + 1].frames))
			ns += lines[++i].self_ns;
		us = (ns + unit_ns / 2) / unit_ns;
		if (!us && !keep_zero)
			continue;
		fprintf(out, "%s %llu\n", lines[i].frames,
			(unsigned long long)us);
	}
	if (fflush(out) || ferror(out))
		err = -(errno ? errno : EIO);

cleanup:
	for (int i = 0; i < s->npaths; i++)
		free(lines[i].frames);
	free(lines);
	return err;
}

int ac_folded_print(FILE *out, const struct ac_snapshot *s, bool keep_zero)
{
	return print_paths(out, s, keep_zero, 1000);
}

struct folded_args {
	const struct ac_snapshot *s;
	bool keep_zero;
	uint64_t unit_ns;
};

static int print_folded(FILE *f, const void *arg)
{
	const struct folded_args *a = arg;

	return print_paths(f, a->s, a->keep_zero, a->unit_ns);
}

int ac_folded_write_counts(const char *path, const struct ac_snapshot *s)
{
	struct folded_args a = { s, false, 1 };

	return ac_outfile_write(path, print_folded, &a);
}

int ac_folded_write_ext(const char *path, const struct ac_snapshot *s,
			bool keep_zero)
{
	struct folded_args a = { s, keep_zero, 1000 };

	return ac_outfile_write(path, print_folded, &a);
}

int ac_folded_write(const char *path, const struct ac_snapshot *s)
{
	return ac_folded_write_ext(path, s, false);
}

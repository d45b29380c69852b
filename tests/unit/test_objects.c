// SPDX-License-Identifier: MIT
/*
 * The objects of a process (sources/objects.c, symbols.c, the merge in
 * probes.c): which mappings are objects that can hold probe sites, what a
 * dynamic linker lists for a program, function symbols for --func, and how
 * the probes of several objects become one set of rows.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>
#include <errno.h>
#include <limits.h>
#include <unistd.h>
#include <cmocka.h>
#include <linux/types.h>
#include "autocue.h"
#include "objects.h"
#include "probes.h"
#include "functions.h"

#ifndef TEST_BUILD
#define TEST_BUILD "build"
#endif

static const char maps[] =
	/* the executable: four mappings, one executable */
	"55d0c0a00000-55d0c0a01000 r--p 00000000 fd:01 1234 /opt/app/bin/app\n"
	"55d0c0a01000-55d0c0a02000 r-xp 00001000 fd:01 1234 /opt/app/bin/app\n"
	"55d0c0a02000-55d0c0a03000 r--p 00002000 fd:01 1234 /opt/app/bin/app\n"
	"55d0c1000000-55d0c1021000 rw-p 00000000 00:00 0 [heap]\n"
	/* a data file, never executable */
	"7f0000000000-7f0000100000 r--p 00000000 fd:01 77 /usr/lib/locale/locale-archive\n"
	/* a library with a space in its path */
	"7f0000200000-7f0000201000 r--p 00000000 fd:01 88 /opt/my libs/libx.so\n"
	"7f0000201000-7f0000202000 r-xp 00001000 fd:01 88 /opt/my libs/libx.so\n"
	/* replaced on disk since it was mapped */
	"7f0000300000-7f0000301000 r-xp 00000000 fd:01 99 /usr/lib/liby.so (deleted)\n"
	/* the same inode under another name (a hard link): once */
	"7f0000400000-7f0000401000 r-xp 00000000 fd:01 88 /opt/other/libx.so\n"
	/* a library half mapped (only its first, read-only pages so far) */
	"7f0000500000-7f0000501000 r--p 00000000 fd:01 111 /usr/lib/libz.so\n"
	"7ffd00000000-7ffd00001000 r-xp 00000000 00:00 0 [vdso]\n"
	"garbage line\n";

static void test_maps_parse(void **state)
{
	FILE *f = fmemopen((void *)maps, sizeof(maps) - 1, "r");
	struct ac_mapped_list l;

	assert_non_null(f);
	assert_int_equal(ac_maps_parse(f, &l), 0);
	fclose(f);
	assert_int_equal(l.n, 3);
	assert_string_equal(l.v[0].path, "/opt/app/bin/app");
	assert_int_equal(l.v[0].ino, 1234);
	assert_int_equal(l.v[0].dev, makedev(0xfd, 1));
	assert_false(l.v[0].deleted);
	assert_string_equal(l.v[1].path, "/opt/my libs/libx.so");
	assert_string_equal(l.v[2].path, "/usr/lib/liby.so");
	assert_true(l.v[2].deleted);
	assert_int_equal(l.v[2].start, 0x7f0000300000ULL);
	assert_int_equal(l.v[2].end, 0x7f0000301000ULL);
	ac_mapped_free(&l);
}

/* our own maps: the test program and libc, at least */
static void test_maps_read_self(void **state)
{
	struct ac_mapped_list l;
	bool libc = false;

	assert_int_equal(ac_maps_read(getpid(), &l), 0);
	assert_true(l.n >= 2);
	for (int i = 0; i < l.n; i++)
		libc |= strstr(l.v[i].path, "/libc.so") != NULL;
	assert_true(libc);
	ac_mapped_free(&l);
	assert_int_equal(ac_maps_read(999999, &l), -ENOENT);
}

/* what the dynamic linker loads for uselib: libtraced.so, by its path */
static void test_linked_objects(void **state)
{
	struct ac_mapped_list l;
	char want[4096];
	bool found = false;

	assert_non_null(realpath(TEST_BUILD "/tests/targets/libtraced.so", want));
	assert_int_equal(ac_linked_objects(TEST_BUILD "/tests/targets/uselib", &l), 0);
	for (int i = 0; i < l.n; i++)
		found |= !strcmp(l.v[i].path, want);
	assert_true(found);
	ac_mapped_free(&l);
	/* a file that is not a dynamic executable lists nothing */
	assert_int_equal(ac_linked_objects("/etc/hostname", &l), 0);
	assert_int_equal(l.n, 0);
}

static void test_funcs(void **state)
{
	struct ac_probe_set set = { 0 };
	struct ac_funcs_info fi;
	const char *bin = TEST_BUILD "/tests/targets/func_target";
	char err[256];

	assert_int_equal(ac_probes_discover(bin, "autocue", &set, err,
					    sizeof(err)), 0);
	assert_int_equal(set.n, 1);	/* batch */
	assert_int_equal(ac_funcs_add(bin, "fn_*,!fn_tail_*,batch", &set, &fi), 0);
	/* fn_leaf, inner, outer, rec, throw, jump; batch is the USDT pair */
	assert_int_equal(fi.found, 6);
	assert_true(fi.symtab);
	assert_int_equal(set.n, 7);
	for (int i = 0; i < set.n; i++) {
		if (!strcmp(set.p[i].name, "batch")) {
			assert_false(set.p[i].func);
			continue;
		}
		assert_true(set.p[i].func);
		assert_int_equal(set.p[i].entry.n, 1);
		assert_int_equal(set.p[i].ret.n, 1);
		assert_true(set.p[i].entry.off[0] == set.p[i].ret.off[0]);
		assert_null(strchr(set.p[i].name, '@'));
	}
	ac_probes_free(&set);
}

/* The kind of pair a function makes, by its first instruction: what the
 * kernel emulates (push, nop, jmp, call, jcc) and what it single-steps */
static void test_func_entry_kinds(void **state)
{
	static const struct {
		unsigned char code[4];
		size_t n;
		int kind;
	} cases[] = {
		{ { 0x55 }, 1, AC_KIND_FUNC_EMULATED },		/* push %rbp */
		{ { 0x53 }, 1, AC_KIND_FUNC_EMULATED },		/* push %rbx */
		{ { 0x41, 0x57 }, 2, AC_KIND_FUNC_EMULATED },	/* push %r15 */
		{ { 0xe9, 0, 0, 0 }, 4, AC_KIND_FUNC_EMULATED },	/* jmp */
		{ { 0xeb, 0x10 }, 2, AC_KIND_FUNC_EMULATED },	/* jmp short */
		{ { 0xe8, 0, 0, 0 }, 4, AC_KIND_FUNC_EMULATED },	/* call */
		{ { 0x90 }, 1, AC_KIND_FUNC_EMULATED },		/* nop */
		{ { 0x0f, 0x1f, 0x44, 0 }, 4, AC_KIND_FUNC_EMULATED },	/* nopl */
		{ { 0x0f, 0x84, 0, 0 }, 4, AC_KIND_FUNC_EMULATED },	/* je rel32 */
		{ { 0x48, 0x83, 0xec, 0x08 }, 4, AC_KIND_FUNC_STEPPED },	/* sub $8,%rsp */
		{ { 0x8b, 0x05, 0, 0 }, 4, AC_KIND_FUNC_STEPPED },	/* mov x(%rip) */
		{ { 0xc3 }, 1, AC_KIND_FUNC_STEPPED },		/* ret */
		{ { 0xf3, 0x0f, 0x1e, 0xfa }, 4, AC_KIND_FUNC_STEPPED },	/* endbr64 */
		{ { 0x48, 0x55 }, 2, AC_KIND_FUNC_STEPPED },	/* REX.W push: not emulated */
		{ { 0x41 }, 1, AC_KIND_FUNC_STEPPED },		/* cut short */
		{ { 0 }, 0, AC_KIND_FUNC_STEPPED },		/* unreadable */
	};
	struct ac_probe_set set = { 0 };
	struct ac_funcs_info fi;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_int_equal(ac_func_entry_kind(cases[i].code, cases[i].n),
				 cases[i].kind);
	/* as ac_funcs_add reads them from the file: func_timed's fe_* push
	 * a frame pointer, its fs_* subtract from %rsp */
	assert_int_equal(ac_funcs_add(TEST_BUILD "/tests/targets/func_timed",
				      "fe_1us,fs_10us", &set, &fi), 0);
	assert_int_equal(set.n, 2);
	for (int i = 0; i < set.n; i++)
		assert_int_equal(set.p[i].kind, set.p[i].name[1] == 'e' ?
				 AC_KIND_FUNC_EMULATED : AC_KIND_FUNC_STEPPED);
	ac_probes_free(&set);
}

static void test_merge(void **state)
{
	struct ac_probe_set a = { 0 }, b = { 0 }, all = { 0 };
	const char *bin = TEST_BUILD "/tests/targets/latency_target";
	char err[256];
	int idx[64];

	assert_int_equal(ac_probes_discover(bin, "autocue", &a, err, sizeof(err)), 0);
	assert_int_equal(ac_probes_discover(bin, "autocue", &b, err, sizeof(err)), 0);
	assert_int_equal(ac_probes_merge(&all, &a, idx), 0);
	assert_int_equal(all.n, a.n);
	/* the same names again: no new rows, their sites add up */
	assert_int_equal(ac_probes_merge(&all, &b, idx), 0);
	assert_int_equal(all.n, a.n);
	for (int i = 0; i < b.n; i++) {
		assert_string_equal(all.p[idx[i]].name, b.p[i].name);
		assert_int_equal(all.p[idx[i]].entry.n, 2 * b.p[i].entry.n);
	}
	ac_probes_truncate(&all, 3);
	assert_int_equal(all.n, 3);
	assert_int_equal(ac_probes_index(&all, all.p[2].name), 2);
	assert_int_equal(ac_probes_index(&all, "nothere"), -1);
	ac_probes_free(&a);
	ac_probes_free(&b);
	ac_probes_free(&all);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_maps_parse),
		cmocka_unit_test(test_maps_read_self),
		cmocka_unit_test(test_linked_objects),
		cmocka_unit_test(test_funcs),
		cmocka_unit_test(test_func_entry_kinds),
		cmocka_unit_test(test_merge),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

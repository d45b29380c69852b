// SPDX-License-Identifier: MIT
/* Probe discovery from .note.stapsdt, on binaries built by the suite. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "probes.h"

/* the build directory the suite was built for (make BUILD=...) */
#ifndef TEST_BUILD
#define TEST_BUILD "build"
#endif
#define TARGETS TEST_BUILD "/tests/targets/"

static const struct ac_probe *find(const struct ac_probe_set *s,
				   const char *name)
{
	for (int i = 0; i < s->n; i++)
		if (!strcmp(s->p[i].name, name))
			return &s->p[i];
	return NULL;
}

/* Every site's file offset must hold the probe's nop. */
static void assert_sites(const char *path, const struct ac_sites *s,
			 const unsigned char *nop, size_t len)
{
	int fd = open(path, O_RDONLY);
	unsigned char buf[8];

	assert_true(fd >= 0);
	for (int i = 0; i < s->n; i++) {
		assert_int_equal(pread(fd, buf, len, s->off[i]), len);
		assert_memory_equal(buf, nop, len);
	}
	close(fd);
}

static void test_pairs_and_sites(void **state)
{
	static const unsigned char nop5[] = { 0x0f, 0x1f, 0x44, 0x00, 0x00 };
	static const char *names[] = { "deep", "inner", "outer", "recurse",
		"round", "waiting", "work_100us", "work_10ms", "work_10us",
		"work_1ms", "work_1us" };
	struct ac_probe_set s;
	char err[256];

	assert_int_equal(ac_probes_discover(TARGETS "latency_target", NULL, &s,
					    err, sizeof(err)), 0);
	assert_int_equal(s.n, 11);
	assert_int_equal(s.nunpaired, 0);
	for (int i = 0; i < 11; i++) {
		/* sorted by name */
		assert_string_equal(s.p[i].name, names[i]);
		assert_true(s.p[i].entry.n >= 1 && s.p[i].ret.n >= 1);
		assert_sites(TARGETS "latency_target", &s.p[i].entry, nop5, 5);
		assert_sites(TARGETS "latency_target", &s.p[i].ret, nop5, 5);
	}
	ac_probes_filter(&s, "work_1?s,deep");
	assert_int_equal(s.n, 3);
	assert_non_null(find(&s, "work_1us"));
	assert_non_null(find(&s, "work_1ms"));
	assert_null(find(&s, "work_10ms"));
	ac_probes_remove(&s, "deep");
	assert_int_equal(s.n, 2);
	assert_null(find(&s, "deep"));
	ac_probes_free(&s);

	/* "!GLOB" leaves out: alone, from every probe; else from the rest */
	assert_int_equal(ac_probes_discover(TARGETS "latency_target", NULL, &s,
					    err, sizeof(err)), 0);
	ac_probes_filter(&s, "!work_*");
	assert_int_equal(s.n, 6);
	assert_null(find(&s, "work_1us"));
	assert_non_null(find(&s, "inner"));
	ac_probes_filter(&s, "*er,!inner");
	assert_int_equal(s.n, 1);
	assert_non_null(find(&s, "outer"));
	ac_probes_free(&s);
}

/* -DAUTOCUE_CLASSIC_PROBES: sys/sdt.h's 1-byte nops, recognised as such */
static void test_classic_sites(void **state)
{
	static const unsigned char nop1[] = { 0x90 };
	struct ac_probe_set s, fast;
	char err[256];

	assert_int_equal(ac_probes_discover(TARGETS "latency_target_classic",
					    NULL, &s, err, sizeof(err)), 0);
	assert_int_equal(s.n, 11);
	for (int i = 0; i < s.n; i++) {
		assert_sites(TARGETS "latency_target_classic", &s.p[i].entry,
			     nop1, 1);
		assert_int_equal(s.p[i].entry.nclassic, s.p[i].entry.n);
		assert_int_equal(s.p[i].ret.nclassic, s.p[i].ret.n);
	}
	assert_true(ac_probes_mostly_classic(&s));
	assert_int_equal(ac_probes_discover(TARGETS "latency_target", NULL,
					    &fast, err, sizeof(err)), 0);
	assert_false(ac_probes_mostly_classic(&fast));
	ac_probes_free(&s);
	ac_probes_free(&fast);
}

/* Names a hostile build wrote into the notes (terminal escapes, a C1
 * control) are never a pair, even when both halves are there: unpaired,
 * as they appear (the CLI quotes them). */
static void test_names_not_identifiers(void **state)
{
	struct ac_probe_set s;
	char err[256];

	(void)state;
	assert_int_equal(ac_probes_discover(TARGETS "evilnames", "autocue", &s,
					    err, sizeof(err)), 0);
	assert_int_equal(s.n, 1);
	assert_string_equal(s.p[0].name, "plain");
	assert_int_equal(s.nunpaired, 3);
	assert_string_equal(s.unpaired[0],
			    "\033]0;pwned\007\033[31mRED__entry");
	assert_string_equal(s.unpaired[1],
			    "\033]0;pwned\007\033[31mRED__return");
	assert_string_equal(s.unpaired[2], "\302\233" "2J__entry");
	ac_probes_free(&s);
}

static void test_unpaired_and_providers(void **state)
{
	static const unsigned char nop5[] = { 0x0f, 0x1f, 0x44, 0x00, 0x00 };
	struct ac_probe_set s;
	char err[256];

	assert_int_equal(ac_probes_discover(TARGETS "unpaired", "autocue", &s,
					    err, sizeof(err)), 0);
	assert_int_equal(s.n, 1);
	assert_string_equal(s.p[0].name, "paired");
	assert_sites(TARGETS "unpaired", &s.p[0].entry, nop5, 5);
	assert_int_equal(s.nunpaired, 1);
	assert_string_equal(s.unpaired[0], "lonely__entry");
	ac_probes_free(&s);

	/* another provider's probe is sys/sdt.h's classic 1-byte site */
	assert_int_equal(ac_probes_discover(TARGETS "unpaired", "other", &s,
					    err, sizeof(err)), 0);
	assert_int_equal(s.n, 0);
	assert_int_equal(s.nunpaired, 1);
	assert_string_equal(s.unpaired[0], "thing");
	ac_probes_free(&s);
}

static void test_not_elf_and_no_probes(void **state)
{
	struct ac_probe_set s;
	char err[256];

	assert_int_equal(ac_probes_discover("Makefile", NULL, &s, err,
					    sizeof(err)), -ENOEXEC);
	assert_string_equal(err, "Makefile is not an ELF file");
	assert_true(ac_probes_discover("/no/such/file", NULL, &s, err,
				       sizeof(err)) < 0);
	assert_non_null(strstr(err, "cannot open /no/such/file"));
	assert_int_equal(ac_probes_discover("/bin/true", NULL, &s, err,
					    sizeof(err)), 0);
	assert_int_equal(s.n, 0);
	ac_probes_free(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pairs_and_sites),
		cmocka_unit_test(test_classic_sites),
		cmocka_unit_test(test_unpaired_and_providers),
		cmocka_unit_test(test_names_not_identifiers),
		cmocka_unit_test(test_not_elf_and_no_probes),
	};

	return cmocka_run_group_tests_name("probes", tests, NULL, NULL);
}

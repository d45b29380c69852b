// SPDX-License-Identifier: MIT
/*
 * autocue-trace record's user-space half without BPF: the outputs of a
 * hand-built profile (self and total counts, recursion counted once a
 * sample, folded text, JSON parsed back, the SVG's frame titles) and the
 * symbolizer on this very process (a function, the function inlined into
 * another with its caller, an address in no object, a kernel symbol);
 * several processes: each stack under its "comm-PID", named by its own
 * symbols, one row a name across them.
 */
#include <linux/types.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>
#include <json-c/json.h>
#include "profile.h"
#include "profile_report.h"
#include "symbols.h"

static const char *S_X = "scope_x", *MAIN = "main", *F = "f", *G = "g",
		  *K = "h_[k]", *ODD = "odd name;x";

static struct ac_profile_stack stacks[4];

static void build(struct ac_profile *p)
{
	static const char *s1[4], *s2[5], *s3[2], *s4[2];

	s1[0] = S_X; s1[1] = MAIN; s1[2] = F; s1[3] = G;
	s2[0] = S_X; s2[1] = MAIN; s2[2] = F; s2[3] = F; s2[4] = G;
	s3[0] = MAIN; s3[1] = K;
	s4[0] = MAIN; s4[1] = ODD;
	stacks[0] = (struct ac_profile_stack){ .depth = 4, .frames = s1,
					       .nscope = 1, .count = 5 };
	stacks[1] = (struct ac_profile_stack){ .depth = 5, .frames = s2,
					       .nscope = 1, .count = 3 };
	stacks[2] = (struct ac_profile_stack){ .depth = 2, .frames = s3,
					       .count = 2 };
	stacks[3] = (struct ac_profile_stack){ .depth = 2, .frames = s4,
					       .count = 1 };
	memset(p, 0, sizeof(*p));
	p->pid = 42;
	p->hz = 99;
	p->duration_s = 2;
	p->samples = p->counted = 11;
	p->in_scope = 8;
	p->nstacks = 4;
	p->stacks = stacks;
}

static const struct ac_profile_fn *row(const struct ac_profile_fn *fn, int n,
				       const char *name, bool scope)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(fn[i].name, name) && fn[i].scope == scope)
			return &fn[i];
	fail_msg("no row %s", name);
	return NULL;
}

static void test_functions(void **state)
{
	struct ac_profile p;
	struct ac_profile_fn *fn;
	int n;

	build(&p);
	assert_int_equal(ac_profile_functions(&p, &fn, &n), 0);
	/* scope_x, main, f, g, h_[k], odd */
	assert_int_equal(n, 6);
	/* by self samples first */
	assert_string_equal(fn[0].name, "g");
	assert_int_equal(fn[0].self, 8);
	assert_int_equal(fn[0].total, 8);
	/* f recurses in 3 samples: counted once each */
	assert_int_equal(row(fn, n, "f", false)->total, 8);
	assert_int_equal(row(fn, n, "f", false)->self, 0);
	assert_int_equal(row(fn, n, "main", false)->total, 11);
	assert_int_equal(row(fn, n, "scope_x", true)->total, 8);
	assert_int_equal(row(fn, n, "scope_x", true)->self, 0);
	assert_int_equal(row(fn, n, "h_[k]", false)->self, 2);
	free(fn);
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	static char buf[1 << 16];
	size_t n;

	assert_non_null(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static void test_folded(void **state)
{
	char path[] = "/tmp/ac_profile_XXXXXX";
	struct ac_profile p;
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	close(fd);
	build(&p);
	assert_int_equal(ac_profile_write_folded(path, &p), 0);
	/* sorted, sample counts as they are; ';' and ' ' in a name become
	 * '_' (the format's separators) */
	assert_string_equal(slurp(path),
			    "main;h_[k] 2\n"
			    "main;odd_name_x 1\n"
			    "scope_x;main;f;f;g 3\n"
			    "scope_x;main;f;g 5\n");
	unlink(path);
}

static void test_json(void **state)
{
	char path[] = "/tmp/ac_profile_XXXXXX";
	struct json_object *o, *fns, *v;
	struct ac_profile p;
	int fd = mkstemp(path), kinds = 0;

	assert_true(fd >= 0);
	close(fd);
	build(&p);
	assert_int_equal(ac_profile_write_json(path, &p), 0);
	o = json_object_from_file(path);
	assert_non_null(o);
	assert_true(json_object_object_get_ex(o, "samples", &v));
	assert_int_equal(json_object_get_int(v), 11);
	assert_true(json_object_object_get_ex(o, "hz", &v));
	assert_int_equal(json_object_get_int(v), 99);
	assert_true(json_object_object_get_ex(o, "samples_per_s", &v));
	assert_true(json_object_get_double(v) == 5.5);
	assert_true(json_object_object_get_ex(o, "functions", &fns));
	assert_int_equal(json_object_array_length(fns), 6);
	for (size_t i = 0; i < json_object_array_length(fns); i++) {
		struct json_object *f = json_object_array_get_idx(fns, i), *x;
		const char *name, *kind;

		json_object_object_get_ex(f, "name", &x);
		name = json_object_get_string(x);
		json_object_object_get_ex(f, "kind", &x);
		kind = json_object_get_string(x);
		if (!strcmp(name, "h_[k]"))
			kinds += !strcmp(kind, "kernel");
		else if (!strcmp(name, "scope_x"))
			kinds += !strcmp(kind, "scope");
		else if (!strcmp(name, "g")) {
			kinds += !strcmp(kind, "function");
			json_object_object_get_ex(f, "self", &x);
			assert_int_equal(json_object_get_int(x), 8);
			json_object_object_get_ex(f, "self_pct", &x);
			assert_true(json_object_get_double(x) == 72.73);
		}
	}
	assert_int_equal(kinds, 3);
	json_object_put(o);
	unlink(path);
}

static void test_svg(void **state)
{
	char path[] = "/tmp/ac_profile_XXXXXX";
	struct ac_profile p;
	int fd = mkstemp(path);
	char *svg;

	assert_true(fd >= 0);
	close(fd);
	build(&p);
	assert_int_equal(ac_profile_write_svg(path, &p, NULL), 0);
	svg = slurp(path);
	assert_non_null(strstr(svg, "<title>all (11 samples, 100.00%"));
	assert_non_null(strstr(svg, "<title>scope_x (8 samples, 72.73%, self 0)"));
	assert_non_null(strstr(svg, "width = on-CPU samples at 99 Hz"));
	assert_null(strstr(svg, " ms"));	/* no times in a profile */
	unlink(path);
}

/* an inlined function's code, and where it called out */
static void *inlined_ret;

__attribute__((noinline)) static void where(void)
{
	inlined_ret = __builtin_return_address(0);
	__asm__ volatile("");
}

static inline __attribute__((always_inline)) void inlined_part(void)
{
	where();
	__asm__ volatile("");
}

__attribute__((noinline)) void ac_test_outer_function(void)
{
	inlined_part();
	__asm__ volatile("");
}

static void test_symbols(void **state)
{
	struct ac_symbols *sy;
	struct ac_sym s;
	char err[256];
	void *anon;
	FILE *f;
	char line[512];

	ac_test_outer_function();
	assert_int_equal(ac_symbols_open(getpid(), &sy, err, sizeof(err)), 0);

	/* a function's own address */
	assert_int_equal(ac_symbols_user(sy, (uintptr_t)ac_test_outer_function,
					 false, &s), 0);
	assert_true(s.resolved);
	assert_string_equal(s.names[s.n - 1], "ac_test_outer_function");

	/* a return address inside the inlined copy: the inlined function,
	 * then the one it was inlined into */
	assert_int_equal(ac_symbols_user(sy, (uintptr_t)inlined_ret, true, &s),
			 0);
	assert_int_equal(s.n, 2);
	assert_string_equal(s.names[0], "inlined_part");
	assert_string_equal(s.names[1], "ac_test_outer_function");

	/* a libc function, through its dynamic symbols */
	assert_int_equal(ac_symbols_user(sy, (uintptr_t)memfrob + 1, false, &s),
			 0);
	assert_true(s.resolved);
	assert_string_equal(s.names[0], "memfrob");

	/* memory no object maps: an address, never nothing */
	anon = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(anon != MAP_FAILED);
	assert_int_equal(ac_symbols_user(sy, (uintptr_t)anon + 16, false, &s),
			 0);
	assert_false(s.resolved);
	assert_int_equal(s.n, 1);
	assert_true(!strncmp(s.names[0], "[unknown+0x", 11));
	munmap(anon, 4096);

	/* the kernel: a symbol's address and one past it name it */
	f = fopen("/proc/kallsyms", "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		unsigned long long addr;
		char type, name[256], want[300];

		if (sscanf(line, "%llx %c %255s", &addr, &type, name) != 3 ||
		    strcmp(name, "do_syscall_64"))
			continue;
		snprintf(want, sizeof(want), "%s_[k]", name);
		if (addr) /* as root; others see 0 */
			assert_string_equal(ac_symbols_kernel(sy, addr + 1), want);
		break;
	}
	fclose(f);
	ac_symbols_close(sy);
}

/* Two processes of this program (this one and a child, the same
 * addresses): a hand-made sample of each, under a scope. */
static void test_processes(void **state)
{
	struct ac_profile_proc procs[2] = {};
	uint64_t user[2] = { (uintptr_t)where + 1,
			     (uintptr_t)test_processes + 1 };
	struct ac_sample v[2] = {};
	struct ac_samples raw = { .n = 2, .v = v, .total = 7, .counted = 7 };
	const char *scopes[] = { "scope_x" };
	struct ac_profile p;
	struct ac_profile_fn *fn;
	struct json_object *o, *arr, *x;
	char path[] = "/tmp/ac_profile_XXXXXX", want[256], err[256];
	int fd = mkstemp(path), n, pipefd[2];
	pid_t child;
	char b;

	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(pipe(pipefd), 0);
	child = fork();
	assert_true(child >= 0);
	if (!child) {		/* lives until the parent closes the pipe */
		close(pipefd[1]);
		_exit(read(pipefd[0], &b, 1) < 0);
	}
	close(pipefd[0]);
	procs[0].pid = getpid();
	procs[1].pid = child;
	strcpy(procs[0].comm, "one proc");	/* a space: '_' in a frame */
	strcpy(procs[1].comm, "two");
	assert_int_equal(ac_symbols_open(getpid(), &procs[0].sy, err,
					 sizeof(err)), 0);
	assert_int_equal(ac_symbols_open(child, &procs[1].sy, err,
					 sizeof(err)), 0);
	for (int i = 0; i < 2; i++) {
		v[i] = (struct ac_sample){ .count = i ? 5 : 2,
			.tgid = procs[i].pid, .nscope = 1, .scope = { 1 },
			.nuser = 2, .user = user, .nkern = 0 };
	}
	assert_int_equal(ac_profile_build(&raw, procs, 2, scopes, 1, &p), 0);
	assert_int_equal(procs[0].samples, 2);
	assert_int_equal(procs[1].samples, 5);

	/* one row a name across the processes; no row for a process */
	assert_int_equal(ac_profile_functions(&p, &fn, &n), 0);
	assert_int_equal(row(fn, n, "where", false)->total, 7);
	assert_int_equal(row(fn, n, "where", false)->self, 7);
	assert_int_equal(row(fn, n, "scope_x", true)->total, 7);
	for (int i = 0; i < n; i++)
		assert_null(strstr(fn[i].name, "two-"));
	free(fn);

	assert_int_equal(ac_profile_write_folded(path, &p), 0);
	snprintf(want, sizeof(want),
		 "one_proc-%d;scope_x;test_processes;where 2\n"
		 "two-%d;scope_x;test_processes;where 5\n",
		 (int)getpid(), (int)child);
	assert_string_equal(slurp(path), want);

	assert_int_equal(ac_profile_write_json(path, &p), 0);
	o = json_object_from_file(path);
	assert_non_null(o);
	assert_true(json_object_object_get_ex(o, "processes", &arr));
	assert_int_equal(json_object_array_length(arr), 2);
	x = json_object_array_get_idx(arr, 1);
	assert_int_equal(json_object_get_int(json_object_object_get(x, "pid")),
			 child);
	assert_string_equal(json_object_get_string(
		json_object_object_get(x, "comm")), "two");
	assert_int_equal(json_object_get_int(
		json_object_object_get(x, "samples")), 5);
	json_object_put(o);

	ac_profile_free(&p);
	ac_symbols_close(procs[0].sy);
	ac_symbols_close(procs[1].sy);
	close(pipefd[1]);
	waitpid(child, NULL, 0);
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_functions),
		cmocka_unit_test(test_folded),
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_svg),
		cmocka_unit_test(test_symbols),
		cmocka_unit_test(test_processes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

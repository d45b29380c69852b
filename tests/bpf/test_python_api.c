// SPDX-License-Identifier: MIT
/*
 * --python through the C API (ac_trace_opts.python): Debian's python3
 * runs tests/targets/python/pyworkload.py, which counts its own calls; the
 * snapshot's counts must equal them, its paths nest the recursion, and a
 * 2 ms function reads within 5% of the program's own timing (+1.7% seen:
 * the workload's profiler runs four times between its last clock read and
 * the return probe, each time with a probe hit of its own). Needs root;
 * skips with a message otherwise (CI runs it as root).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <sys/wait.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <json-c/json.h>
#include "autocue_trace.h"

#define PYTHON "/usr/bin/python3"
#define WORKLOAD "tests/targets/python/pyworkload.py"
#define GLOBS "pyworkload.*,pkgdemo.*"

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

static void test_counts_paths_and_durations(void **state)
{
	char counts[] = "/tmp/ac_py_counts_XXXXXX";
	int fd = mkstemp(counts);
	char *argv[] = { PYTHON, WORKLOAD, counts, NULL };
	/* the workload's own profiler makes CPython 3.11 fire its entries:
	 * python:line stays down (or that profiler would be traced too) */
	struct ac_trace_opts o = { .python = true, .probes = GLOBS,
				   .python_hooked = true };
	struct ac_trace *t = NULL;
	struct ac_snapshot *s;
	struct json_object *own, *calls, *busy;
	uint64_t *ns, inproc;
	int status, nrec = 0, n;

	(void)state;
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(ac_trace_open_cmd(argv, &o, &t), 0);
	assert_int_equal(ac_trace_attach(t), 0);
	while (ac_trace_alive(t, &status))
		ac_trace_poll(t, 20);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	s = ac_trace_snapshot(t);
	assert_non_null(s);
	assert_null(ac_trace_python_problem(t));

	own = json_object_from_file(counts);
	assert_non_null(own);
	assert_true(json_object_object_get_ex(own, "calls", &calls));
	json_object_object_foreach(calls, name, val) {
		const struct ac_probe_stats *p = ac_snapshot_find(s, name);

		if (!p)
			fail_msg("no row for %s", name);
		assert_int_equal(p->count, json_object_get_int64(val));
	}
	/* and no row the program did not count */
	for (int i = 0; i < s->nprobes; i++)
		assert_true(json_object_object_get_ex(calls, s->probes[i].name,
						      NULL));
	assert_int_equal(ac_snapshot_find(s, "pyworkload.rec")->count, 600);
	assert_int_equal(s->lost[AC_LOST_UNWOUND_FRAME], 0);

	/* rec within rec within rec, under work */
	for (int i = 0; i < s->npaths; i++) {
		const struct ac_path_stats *p = &s->paths[i];

		if (p->depth == 4 && p->probes[3] >= 0 &&
		    !strcmp(s->probes[p->probes[3]].name, "pyworkload.rec") &&
		    !strcmp(s->probes[p->probes[1]].name, "pyworkload.rec") &&
		    !strcmp(s->probes[p->probes[0]].name, "pyworkload.work"))
			nrec++;
	}
	assert_int_equal(nrec, 1);

	/* busy(2000 us): the traced median against the program's own */
	assert_true(json_object_object_get_ex(own, "busy_ns", &busy));
	n = json_object_array_length(busy);
	assert_int_equal(n, 40);
	ns = calloc(n, sizeof(*ns));
	assert_non_null(ns);
	for (int i = 0; i < n; i++)
		ns[i] = json_object_get_int64(json_object_array_get_idx(busy, i));
	qsort(ns, n, sizeof(*ns), cmp_u64);
	inproc = ns[n / 2];
	{
		uint64_t traced = ac_probe_percentile(
			ac_snapshot_find(s, "pyworkload.busy"), 0.5);
		double err = ((double)traced - (double)inproc) / inproc;

		print_message("busy(): traced median %llu ns, in-process %llu ns (%+.2f%%)\n",
			      (unsigned long long)traced,
			      (unsigned long long)inproc, 100 * err);
		assert_true(err < 0.05 && err > -0.05);
	}
	/* a reset empties the Python rows too */
	assert_int_equal(ac_trace_reset(t), 0);
	ac_snapshot_free(s);
	s = ac_trace_snapshot(t);
	assert_non_null(s);
	for (int i = 0; i < s->nprobes; i++)
		assert_int_equal(s->probes[i].count, 0);
	free(ns);
	json_object_put(own);
	ac_snapshot_free(s);
	ac_trace_close(t);
	unlink(counts);
}

static void test_errors(void **state)
{
	char *argv[] = { PYTHON, "-c", "pass", NULL };
	struct ac_trace_opts o = { .python = true,
				   .python_binary = "/bin/true" };
	struct ac_trace *t = NULL;

	(void)state;
	assert_int_equal(ac_trace_open_cmd(argv, &o, &t), -ENOENT);
	assert_non_null(strstr(ac_trace_error(t),
			       "has no python:function__entry/function__return probes"));
	ac_trace_close(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_counts_paths_and_durations),
		cmocka_unit_test(test_errors),
	};

	if (geteuid() != 0) {
		printf("SKIP tests/bpf/test_python_api: needs root (CAP_BPF, CAP_PERFMON); CI runs it as root\n");
		return 0;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}

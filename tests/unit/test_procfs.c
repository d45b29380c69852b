// SPDX-License-Identifier: MIT
/*
 * What the loader reads from /proc (user/procfs.c): a process is alive
 * whatever its name holds (a name may contain ") Z "), and not once it is a
 * zombie; the "Key: value" reader finds a thread's process.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>
#include "trace_priv.h"

/* a child named NAME that waits to be killed */
static pid_t named_child(const char *name)
{
	int go[2];
	pid_t pid;
	char c;

	assert_int_equal(pipe(go), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		prctl(PR_SET_NAME, name, 0, 0, 0);
		if (write(go[1], "r", 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	assert_int_equal(read(go[0], &c, 1), 1);
	close(go[0]);
	close(go[1]);
	return pid;
}

static void wait_zombie(pid_t pid)
{
	siginfo_t si;

	/* WNOWAIT: it stays a zombie for the check */
	assert_int_equal(waitid(P_PID, pid, &si, WEXITED | WNOWAIT), 0);
}

static void test_alive_whatever_the_name(void **state)
{
	static const char *const names[] = { "plain", "w) Z x", ") X )", "a (b) c" };

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		pid_t pid = named_child(names[i]);

		assert_true(ac_pid_alive(pid));
		kill(pid, SIGKILL);
		wait_zombie(pid);
		assert_false(ac_pid_alive(pid));
		waitpid(pid, NULL, 0);
		assert_false(ac_pid_alive(pid));
	}
	(void)state;
}

static void test_proc_field(void **state)
{
	long long v = 0;

	assert_true(ac_proc_field("/proc/self/status", "Tgid", &v));
	assert_int_equal(v, getpid());
	assert_int_equal(ac_tgid_of(getpid()), getpid());
	assert_false(ac_proc_field("/proc/self/status", "NoSuchKey", &v));
	assert_false(ac_proc_field("/nonexistent", "Tgid", &v));
	/* a key is matched whole: "Pid" is not "PPid" */
	assert_true(ac_proc_field("/proc/self/status", "Pid", &v));
	assert_int_equal(v, getpid());
	(void)state;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_alive_whatever_the_name),
		cmocka_unit_test(test_proc_field),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

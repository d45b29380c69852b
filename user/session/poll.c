// SPDX-License-Identifier: MIT
/*
 * The session while the target runs: ac_trace_poll()'s wait for exact
 * mode's records, cut at each read of the maps for objects loaded late
 * (objects.c; with --follow, of every process of follow.c's tree), woken
 * by a dlopen (dlwatch.c) and by an exec under --follow (follow.c attaches
 * the image while its process waits); processes that exited folded
 * (procs.c) and new Python functions named (python.c) on the way. Above
 * the files it drives; only trace.c is above it.
 */
#include <errno.h>
#include <poll.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include "trace_priv.h"

void ac_poll_rescan(struct ac_trace *t)
{
	pid_t fl[AC_FOLLOW_RESCAN_MAX];

	if (!ac_objects_rescan_due(t))
		return;
	/* --follow: every process of the tree, the roots among them */
	if (t->follow)
		ac_objects_rescan(t, fl, ac_follow_pids(t, fl,
							AC_FOLLOW_RESCAN_MAX));
	else
		ac_objects_rescan(t, t->npids ? t->pids : &t->pid,
				  t->npids ? t->npids : 1);
}

/* Waits for records, for the dynamic linkers' reports of a dlopen
 * (dlwatch.c), which make the next read of the maps due now, and for
 * --follow's reports of an exec (follow.c), handled at once: the process
 * waits, stopped. */
static int wait_records(struct ac_trace *t, int timeout_ms)
{
	ac_procs_poll(t);
	/* new Python functions named, and those outside the globs turned
	 * off, while the session runs */
	if (t->py && ac_py_resolve(t))
		return -ENOMEM;
	struct pollfd pfd[AC_DLWATCH_MAX + 2];
	int n, ret, nw = ac_dlwatch_count(t);

	n = ac_dlwatch_fds(t, pfd, AC_DLWATCH_MAX);
	if (t->rb) {
		pfd[n].fd = ring_buffer__epoll_fd(t->rb);
		pfd[n].events = POLLIN;
		pfd[n++].revents = 0;
	}
	if (ac_follow_fd(t) >= 0) {
		pfd[n].fd = ac_follow_fd(t);
		pfd[n].events = POLLIN;
		pfd[n++].revents = 0;
	}
	if (!n) {
		if (timeout_ms > 0)
			usleep(timeout_ms * 1000);
		return 0;
	}
	ret = poll(pfd, n, timeout_ms);
	if (ret < 0)
		return errno == EINTR ? -EINTR : 0;
	ac_follow_poll(t);
	for (int i = 0; i < nw; i++) {
		if (pfd[i].revents & (POLLHUP | POLLERR | POLLNVAL))
			ac_dlwatch_close(t, i);	/* its process exited */
		else if (pfd[i].revents & POLLIN)
			t->next_scan_ns = 0;
	}
	ac_dlwatch_drain(t);
	return t->rb ? ring_buffer__consume(t->rb) : 0;
}

/* The wait is cut in slices at each rescan of the maps (objects.c). */
int ac_trace_poll(struct ac_trace *t, int timeout_ms)
{
	__u64 end = ac_ktime_ns() + (__u64)(timeout_ms > 0 ? timeout_ms : 0) * 1000000;
	int got = 0, ret;

	for (;;) {
		__u64 now = ac_ktime_ns();
		int slice = now < end ? (int)((end - now + 999999) / 1000000) : 0;

		ac_poll_rescan(t);
		if (t->auto_objects && t->attached) {
			now = ac_ktime_ns();
			if (t->next_scan_ns <= now)
				slice = 0;
			else if ((t->next_scan_ns - now) / 1000000 + 1 < (__u64)slice)
				slice = (t->next_scan_ns - now) / 1000000 + 1;
		}
		ret = wait_records(t, slice);
		if (ret < 0)
			return ret;
		got += ret;
		if (ac_ktime_ns() >= end)
			return got;
	}
}

// SPDX-License-Identifier: MIT
/*
 * Attaching the two programs to probe sites. Where the kernel has
 * uprobe_multi links (6.6+), all the sites of one program in one binary go
 * in one link: one syscall to attach, and, what matters more, one to
 * detach: every perf-event uprobe closed waits for RCU grace periods, about
 * 0.1 s each, so 64 probe pairs took 13 s to detach. libbpf 1.1 predates
 * these links, hence the raw syscall. Older kernels get one perf-event
 * uprobe per site.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "autocue.skel.h"
#include "trace_priv.h"

#define AC_TRACE_UPROBE_MULTI 48	/* enum bpf_attach_type, Linux 6.6 */
#define AC_UPROBE_MULTI_RETURN 1	/* BPF_F_UPROBE_MULTI_RETURN */

/* the sites of one link: every entry, the USDT returns, or the return
 * probes (uretprobes) of functions (--func) */
enum side { ENTRIES, USDT_RETURNS, FUNC_RETURNS };

/* BPF_LINK_CREATE's attr for uprobe_multi (include/uapi/linux/bpf.h) */
struct link_create_uprobe_multi {
	__u32 prog_fd;
	__u32 target_fd;
	__u32 attach_type;
	__u32 flags;
	__aligned_u64 path;
	__aligned_u64 offsets;
	__aligned_u64 ref_ctr_offsets;
	__aligned_u64 cookies;
	__u32 cnt;
	__u32 um_flags;
	__u32 pid;
};

void ac_attach_prepare(struct ac_trace *t, bool multi)
{
	t->multi = multi;
	if (!multi)
		return;
	bpf_program__set_expected_attach_type(t->skel->progs.ac_entry,
					      AC_TRACE_UPROBE_MULTI);
	bpf_program__set_expected_attach_type(t->skel->progs.ac_return,
					      AC_TRACE_UPROBE_MULTI);
}

static int keep_fd(struct ac_trace *t, int fd)
{
	int *n = realloc(t->link_fds, (t->nlink_fds + 1) * sizeof(*n));

	if (!n) {
		close(fd);
		return -ENOMEM;
	}
	t->link_fds = n;
	n[t->nlink_fds++] = fd;
	return 0;
}

static int attach_multi(struct ac_trace *t, struct bpf_program *prog,
			pid_t pid, const char *binary, const __u64 *off,
			const __u64 *cookie, int n, bool retprobe)
{
	struct link_create_uprobe_multi attr;
	int fd;

	if (!n)
		return 0;
	memset(&attr, 0, sizeof(attr));
	attr.prog_fd = bpf_program__fd(prog);
	attr.attach_type = AC_TRACE_UPROBE_MULTI;
	attr.path = (__u64)(unsigned long)binary;
	attr.offsets = (__u64)(unsigned long)off;
	attr.cookies = (__u64)(unsigned long)cookie;
	attr.cnt = n;
	attr.pid = pid;
	attr.um_flags = retprobe ? AC_UPROBE_MULTI_RETURN : 0;
	fd = syscall(__NR_bpf, BPF_LINK_CREATE, &attr, sizeof(attr));
	if (fd < 0)
		return -errno;
	return keep_fd(t, fd);
}

static int attach_single(struct ac_trace *t, struct bpf_program *prog,
			 pid_t pid, const char *binary, __u64 off, __u64 cookie,
			 bool retprobe)
{
	LIBBPF_OPTS(bpf_uprobe_opts, uo, .bpf_cookie = cookie,
		    .retprobe = retprobe);
	struct bpf_link *l, **nl;

	/* pid 0 is the session's "every process": -1 to libbpf */
	l = bpf_program__attach_uprobe_opts(prog, pid ? pid : -1, binary, off,
					    &uo);
	if (!l)
		return -errno;
	nl = realloc(t->links, (t->nlinks + 1) * sizeof(*nl));
	if (!nl) {
		bpf_link__destroy(l);
		return -ENOMEM;
	}
	t->links = nl;
	nl[t->nlinks++] = l;
	return 0;
}

static const struct ac_sites *side_sites(const struct ac_probe *p,
					enum side side)
{
	static const struct ac_sites none;

	if (side == ENTRIES)
		return &p->entry;
	return p->func == (side == FUNC_RETURNS) ? &p->ret : &none;
}

/* All sites of one side of probes[0..n), ids first_id.. or ids[] */
static int attach_side(struct ac_trace *t, struct bpf_program *prog,
		       pid_t pid, const char *binary,
		       const struct ac_probe *probes, int n, __u32 first_id,
		       const __u32 *ids, enum side side)
{
	bool retprobe = side == FUNC_RETURNS;
	__u64 *off = NULL, *cookie = NULL;
	int cnt = 0, err = 0;

	for (int i = 0; i < n; i++)
		cnt += side_sites(&probes[i], side)->n;
	off = calloc(cnt + 1, sizeof(*off));
	cookie = calloc(cnt + 1, sizeof(*cookie));
	if (!off || !cookie) {
		err = -ENOMEM;
		goto cleanup;
	}
	cnt = 0;
	for (int i = 0; i < n; i++) {
		const struct ac_sites *s = side_sites(&probes[i], side);

		for (int j = 0; j < s->n; j++) {
			off[cnt] = s->off[j];
			/* the kind tells BPF which probe cost to take off */
			cookie[cnt++] = (ids ? ids[i] : first_id + i) |
				(__u64)probes[i].kind << AC_COOKIE_KIND_SHIFT;
		}
	}
	if (t->multi) {
		err = attach_multi(t, prog, pid, binary, off, cookie, cnt,
				   retprobe);
	} else {
		for (int k = 0; k < cnt && !err; k++)
			err = attach_single(t, prog, pid, binary, off[k],
					    cookie[k], retprobe);
	}
cleanup:
	free(off);
	free(cookie);
	return err;
}

bool ac_attach_unsupported(int err)
{
	return err == -EINVAL || err == -EOPNOTSUPP || err == -524 /* ENOTSUPP */;
}

static int attach_pairs(struct ac_trace *t, pid_t pid, const char *binary,
			const struct ac_probe *probes, int n, __u32 first_id,
			const __u32 *ids)
{
	int err;

	/* returns first: an entry whose return is not attached yet would
	 * leave a frame open forever */
	err = attach_side(t, t->skel->progs.ac_return, pid, binary, probes, n,
			  first_id, ids, USDT_RETURNS);
	if (!err)
		err = attach_side(t, t->skel->progs.ac_return, pid, binary,
				  probes, n, first_id, ids, FUNC_RETURNS);
	if (!err)
		err = attach_side(t, t->skel->progs.ac_entry, pid, binary,
				  probes, n, first_id, ids, ENTRIES);
	if (err)
		return ac_trace_fail(t, err, "cannot attach to %s: %s", binary,
				     strerror(-err));
	return 0;
}

int ac_attach_probes(struct ac_trace *t, pid_t pid, const char *binary,
		     const struct ac_probe *probes, int n, __u32 first_id)
{
	return attach_pairs(t, pid, binary, probes, n, first_id, NULL);
}

int ac_attach_probes_ids(struct ac_trace *t, pid_t pid, const char *binary,
			 const struct ac_probe *probes, int n,
			 const __u32 *ids)
{
	return attach_pairs(t, pid, binary, probes, n, 0, ids);
}

void ac_detach_all(struct ac_trace *t)
{
	/* in reverse, entries before their returns: a return detached first
	 * would leave every entry meanwhile a frame that never closes */
	for (int i = t->nlinks - 1; i >= 0; i--)
		bpf_link__destroy(t->links[i]);
	for (int i = t->nlink_fds - 1; i >= 0; i--)
		close(t->link_fds[i]);
	free(t->links);
	free(t->link_fds);
	t->links = NULL;
	t->link_fds = NULL;
	t->nlinks = t->nlink_fds = 0;
}

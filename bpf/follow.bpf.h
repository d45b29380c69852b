/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * follow.bpf.h - the traced process tree, kept by the kernel (included by
 * autocue.bpf.c, after count_drop()).
 *
 * followed holds every process of the tree: the loader puts the traced
 * processes in (roots), sched_process_fork adds each child as the kernel
 * makes it (so no early call of a child is missed, however soon after the
 * fork it comes), sched_process_exit takes a process out when its last
 * thread exits. With --follow (follow), the probe programs trace exactly
 * this set, the sites being attached for every process (pid -1): children
 * carry their parent's mappings, so its sites. An exec of an image whose
 * objects are not attached yet is reported on follow_events and the
 * process stops itself (SIGSTOP) before its first instruction; the loader
 * attaches the image's objects, marks it searched in images, and lets it
 * go on (SIGCONT). Without --follow the set is kept only to count the
 * children that carry probes (forked), for the hint at the end.
 */
#ifndef AUTOCUE_FOLLOW_BPF_H
#define AUTOCUE_FOLLOW_BPF_H

#define AC_SIGSTOP 19	/* x86 and generic; vmlinux.h has no signal numbers */

const volatile bool track_children = false;	/* the tree is kept */
const volatile bool follow = false;		/* and traced (--follow) */
/* and the images exec'd searched (--follow without -b) */
const volatile bool search_execs = false;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1);	/* set at load */
	__type(key, __u32);
	__type(value, struct ac_follow);
} followed SEC(".maps");

/* children that carried probes, by root: the hint without --follow */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1);	/* set at load: one a root */
	__type(key, __u32);
	__type(value, __u64);
} forked SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, struct ac_image_key);
	__type(value, __u32);	/* AC_IMAGE_* */
} images SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 64 * 1024);
} follow_events SEC(".maps");

/* A child (not a root) counted once, when it carries probes: at an exec
 * of an image with them, or at its exit with its parent's (a child that
 * exec's another program without them is not counted at the fork); the
 * loader counts those still running at the end. */
static __always_inline void count_child(struct ac_follow *f)
{
	__u64 one = 1, *n;

	if (f->is_root || !f->probes || f->counted)
		return;
	f->counted = 1;
	n = bpf_map_lookup_elem(&forked, &f->root);
	if (n)
		__sync_fetch_and_add(n, 1);
	else
		bpf_map_update_elem(&forked, &f->root, &one, BPF_NOEXIST);
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(ac_fork, struct task_struct *parent, struct task_struct *child)
{
	__u32 ptgid, ctgid;
	struct ac_follow *pf, c = {};

	if (!track_children)
		return 0;
	ctgid = child->tgid;
	if (child->pid != ctgid)	/* a thread: its process is followed */
		return 0;
	ptgid = parent->tgid;
	pf = bpf_map_lookup_elem(&followed, &ptgid);
	if (!pf)
		return 0;
	c.root = pf->root;
	c.probes = pf->probes;	/* the same mappings as its parent */
	if (bpf_map_update_elem(&followed, &ctgid, &c, BPF_ANY))
		count_drop(AC_DROP_FOLLOW_FULL, 1);
	return 0;
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(ac_exec, struct task_struct *p, pid_t old_pid,
	     struct linux_binprm *bprm)
{
	struct ac_image_key k;
	struct ac_exec_event *e;
	struct ac_follow *f;
	struct inode *ino;
	__u32 tgid, *img;

	if (!track_children)
		return 0;
	tgid = p->tgid;
	f = bpf_map_lookup_elem(&followed, &tgid);
	if (!f)
		return 0;
	ino = bprm->file->f_inode;
	k.dev = ino->i_sb->s_dev;
	k.ino = ino->i_ino;
	img = bpf_map_lookup_elem(&images, &k);
	/* a root keeps what the loader found: its probes may be in a
	 * library its new image links */
	if (!f->is_root)
		f->probes = img && (*img & AC_IMAGE_PROBES);
	if (f->probes)
		count_child(f);
	if (!search_execs || (img && (*img & AC_IMAGE_SEARCHED)))
		return 0;
	e = bpf_ringbuf_reserve(&follow_events, sizeof(*e), 0);
	if (!e) {
		count_drop(AC_DROP_EXEC_MISSED, 1);
		return 0;
	}
	e->tgid = tgid;
	e->pad = 0;
	/* the stop before the report: the loader's SIGCONT, however soon,
	 * comes after it. It takes effect on the way back to user space,
	 * before the new image's first instruction. */
	bpf_send_signal(AC_SIGSTOP);
	bpf_ringbuf_submit(e, 0);
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(ac_exit, struct task_struct *p, bool group_dead)
{
	struct ac_follow *f;
	__u32 tgid;

	if (!track_children || !group_dead)
		return 0;
	tgid = p->tgid;
	f = bpf_map_lookup_elem(&followed, &tgid);
	if (!f)
		return 0;
	count_child(f);
	bpf_map_delete_elem(&followed, &tgid);
	return 0;
}

/* --follow: the calling process is in the tree */
static __always_inline bool followed_process(__u32 tgid)
{
	return bpf_map_lookup_elem(&followed, &tgid) != NULL;
}

#endif /* AUTOCUE_FOLLOW_BPF_H */

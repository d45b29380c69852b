// SPDX-License-Identifier: MIT
/*
 * The traced process tree (--follow; bpf/follow.bpf.h keeps it in the
 * kernel). Here: the roots put in before the probes are attached, the
 * images already searched marked so that their exec costs nothing, and
 * each exec of a new image handled while its process waits, stopped by
 * the kernel before its first instruction: its executable and the
 * libraries it links are searched and attached (objects.c), then the
 * process goes on (SIGCONT). Without --follow the tree is kept all the
 * same, to count the children that carried probes and went untraced.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "autocue.skel.h"
#include "objects.h"
#include "trace_priv.h"

struct ac_follow_state {
	struct bpf_link *links[3];
	struct ring_buffer *rb;
	bool closing;		/* exec reports then only let go */
};

/* a file as the kernel's images key names it: s_dev is MKDEV's, not
 * the encoding stat() returns */
static int image_key(const char *path, struct ac_image_key *k)
{
	struct stat st;

	if (stat(path, &st))
		return -errno;
	k->dev = (__u64)major(st.st_dev) << 20 | minor(st.st_dev);
	k->ino = st.st_ino;
	return 0;
}

static void mark_image(struct ac_trace *t, const char *path, __u32 flags)
{
	int fd = bpf_map__fd(t->skel->maps.images);
	struct ac_image_key k;
	__u32 old;

	if (image_key(path, &k))
		return;
	if (!bpf_map_lookup_elem(fd, &k, &old))
		flags |= old;
	bpf_map_update_elem(fd, &k, &flags, BPF_ANY);
}

static int on_exec(void *ctx, void *data, size_t len)
{
	struct ac_trace *t = ctx;
	const struct ac_exec_event *e = data;
	char link[64];
	bool probes = false;

	if (len < sizeof(*e))
		return 0;
	snprintf(link, sizeof(link), "/proc/%u/exe", e->tgid);
	if (!t->fl->closing && !ac_objects_add_exec(t, e->tgid, &probes))
		mark_image(t, link, AC_IMAGE_SEARCHED |
			   (probes ? AC_IMAGE_PROBES : 0));
	kill(e->tgid, SIGCONT);
	return 0;
}

/* Whether a command's executable maps the object binary: itself, or a
 * library its linker loads. */
static bool command_maps(const char *exe, const char *binary)
{
	struct ac_image_key a, b;
	struct ac_mapped_list l;
	bool found = false;

	if (image_key(exe, &a) || image_key(binary, &b))
		return false;
	if (a.dev == b.dev && a.ino == b.ino)
		return true;
	if (ac_linked_objects(exe, &l))
		return false;
	for (int i = 0; i < l.n && !found; i++) {
		struct ac_image_key c;

		found = !image_key(l.v[i].path, &c) && c.dev == b.dev &&
			c.ino == b.ino;
	}
	ac_mapped_free(&l);
	return found;
}

static int add_root(struct ac_trace *t, pid_t pid, bool probes)
{
	struct ac_follow f = { .root = pid, .is_root = 1, .probes = probes };
	char link[64];
	__u32 k = pid;

	/* its image is searched already: the exec of a command's, too */
	snprintf(link, sizeof(link), "/proc/%d/exe", pid);
	mark_image(t, t->own_child ? t->cmd_exe : link, AC_IMAGE_SEARCHED);
	if (bpf_map_update_elem(bpf_map__fd(t->skel->maps.followed), &k, &f,
				BPF_ANY))
		return -errno;
	return 0;
}

/* --follow -p: the children a process already has, and theirs, in the
 * tree (/proc/PID/task/TID/children); their objects are found by the next
 * read of the maps, as a running process's are */
static void add_children(struct ac_trace *t, pid_t root, pid_t pid, int depth)
{
	struct ac_follow f = { .root = root, .probes = 1 };
	char path[320];
	struct dirent *d;
	DIR *dir;

	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	dir = opendir(path);
	if (!dir || depth > 64) {
		if (dir)
			closedir(dir);
		return;
	}
	while ((d = readdir(dir))) {
		FILE *c;
		int child;

		if (d->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/%d/task/%s/children", pid,
			 d->d_name);
		c = fopen(path, "re");
		while (c && fscanf(c, "%d", &child) == 1) {
			__u32 k = child;

			if (bpf_map_update_elem(bpf_map__fd(t->skel->maps.followed),
						&k, &f, BPF_NOEXIST))
				continue;	/* known, or the map is full */
			add_children(t, root, child, depth + 1);
		}
		if (c)
			fclose(c);
	}
	closedir(dir);
}

int ac_follow_start(struct ac_trace *t)
{
	struct autocue_bpf *skel = t->skel;
	struct bpf_program *progs[3] = { skel->progs.ac_fork,
		skel->progs.ac_exec, skel->progs.ac_exit };
	int ret = 0;

	if (!t->track_children)
		return 0;
	t->fl = calloc(1, sizeof(*t->fl));
	if (!t->fl)
		return ac_trace_fail(t, -ENOMEM, "out of memory");
	/* an exec of an object with probes makes a child worth naming */
	for (int i = 0; i < t->nobjs; i++)
		if (t->objs[i].nsel)
			mark_image(t, t->objs[i].path, AC_IMAGE_PROBES);
	if (t->own_child)
		ret = add_root(t, t->pid, t->auto_objects ? t->probes.n > 0 :
			       command_maps(t->cmd_exe, t->binary));
	for (int i = 0; !ret && i < t->npids; i++) {
		ret = add_root(t, t->pids[i], true);
		if (!ret && t->follow)
			add_children(t, t->pids[i], t->pids[i], 0);
	}
	if (ret)
		return ac_trace_fail(t, ret, "cannot follow the processes: %s",
				     strerror(-ret));
	if (t->follow) {
		t->fl->rb = ring_buffer__new(bpf_map__fd(skel->maps.follow_events),
					     on_exec, t, NULL);
		if (!t->fl->rb)
			return ac_trace_fail(t, -ENOMEM, "--follow: cannot set up its ring buffer");
	}
	for (int i = 0; i < 3; i++) {
		t->fl->links[i] = bpf_program__attach(progs[i]);
		if (!t->fl->links[i]) {
			ret = -errno;
			return ac_trace_fail(t, ret,
				"cannot attach to the scheduler's fork, exec and exit tracepoints: %s",
				strerror(-ret));
		}
	}
	return 0;
}

int ac_follow_fd(const struct ac_trace *t)
{
	return t->fl && t->fl->rb ? ring_buffer__epoll_fd(t->fl->rb) : -1;
}

void ac_follow_poll(struct ac_trace *t)
{
	if (t->fl && t->fl->rb)
		ring_buffer__consume(t->fl->rb);
}

int ac_follow_pids(const struct ac_trace *t, pid_t *pids, int max)
{
	__u32 key, *prev = NULL;
	int fd, n = 0;

	if (!t->fl)
		return 0;
	fd = bpf_map__fd(t->skel->maps.followed);
	while (n < max && !bpf_map_get_next_key(fd, prev, &key)) {
		pids[n++] = key;
		prev = &key;
	}
	return n;
}

bool ac_follow_alive(const struct ac_trace *t)
{
	pid_t pids[AC_FOLLOW_RESCAN_MAX];
	int n;

	if (!t->follow)
		return false;
	n = ac_follow_pids(t, pids, AC_FOLLOW_RESCAN_MAX);
	for (int i = 0; i < n; i++)
		if (ac_pid_alive(pids[i]))
			return true;
	return false;
}

/* Those counted by the kernel (an exec with probes, an exit), and those
 * still running with their parent's probes. */
int ac_trace_untraced_children(const struct ac_trace *t, int i)
{
	__u32 root = ac_trace_pid_at(t, i), key, *prev = NULL;
	struct ac_follow f;
	__u64 n = 0;
	int fd;

	if (!t->fl || t->follow || !root)
		return 0;
	bpf_map_lookup_elem(bpf_map__fd(t->skel->maps.forked), &root, &n);
	fd = bpf_map__fd(t->skel->maps.followed);
	while (!bpf_map_get_next_key(fd, prev, &key)) {
		prev = &key;
		if (!bpf_map_lookup_elem(fd, &key, &f) && f.root == root &&
		    !f.is_root && f.probes && !f.counted)
			n++;
	}
	return (int)n;
}

/* The tracepoints first, then the reports left: a process stopped at its
 * exec must not stay stopped once nobody is there to let it go. */
void ac_follow_stop(struct ac_trace *t)
{
	if (!t->fl)
		return;
	for (int i = 0; i < 3; i++)
		bpf_link__destroy(t->fl->links[i]);
	if (t->fl->rb) {
		t->fl->closing = true;
		ring_buffer__consume(t->fl->rb);
		ring_buffer__free(t->fl->rb);
	}
	free(t->fl);
	t->fl = NULL;
}

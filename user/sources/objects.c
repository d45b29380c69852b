// SPDX-License-Identifier: MIT
/*
 * The ELF objects of a process. A running process says what it maps in
 * /proc/PID/maps: "start-end perms offset major:minor inode path", the
 * path as seen in the process's own mount namespace (the tracer opens it
 * through /proc/PID/root). A command not started yet maps what its
 * dynamic linker will load: the linker itself answers that with --list,
 * the mode ldd uses, without running the program.
 */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>
#include "objects.h"

#define DELETED " (deleted)"

static int add(struct ac_mapped_list *l, const struct ac_mapped *m)
{
	struct ac_mapped *v = realloc(l->v, (l->n + 1) * sizeof(*v));

	if (!v)
		return -ENOMEM;
	l->v = v;
	v[l->n] = *m;
	v[l->n].path = strdup(m->path);
	if (!v[l->n].path)
		return -ENOMEM;
	l->n++;
	return 0;
}

static bool listed(const struct ac_mapped_list *l, unsigned long long dev,
		   unsigned long long ino)
{
	for (int i = 0; i < l->n; i++)
		if (l->v[i].dev == dev && l->v[i].ino == ino)
			return true;
	return false;
}

int ac_maps_parse(FILE *f, struct ac_mapped_list *out)
{
	char *line = NULL, perms[8];
	size_t cap = 0;
	ssize_t len;
	int ret = 0;

	memset(out, 0, sizeof(*out));
	while (!ret && (len = getline(&line, &cap, f)) > 0) {
		struct ac_mapped m = { 0 };
		unsigned maj, min;
		int at = 0;

		if (line[len - 1] == '\n')
			line[--len] = 0;
		if (sscanf(line, "%llx-%llx %7s %*s %x:%x %llu %n", &m.start,
			   &m.end, perms, &maj, &min, &m.ino, &at) < 6 || !at)
			continue;
		/* text is mapped executable; data files (locale archives,
		 * fonts) and the read-only first pages of a library being
		 * mapped are not where code runs */
		if (perms[2] != 'x' || !m.ino || line[at] != '/')
			continue;
		m.dev = makedev(maj, min);
		if (listed(out, m.dev, m.ino))
			continue;
		m.path = line + at;
		len = strlen(m.path);
		if (len > (ssize_t)strlen(DELETED) &&
		    !strcmp(m.path + len - strlen(DELETED), DELETED)) {
			m.path[len - strlen(DELETED)] = 0;
			m.deleted = true;
		}
		ret = add(out, &m);
	}
	free(line);
	if (ret)
		ac_mapped_free(out);
	return ret;
}

int ac_maps_read(pid_t pid, struct ac_mapped_list *out)
{
	char path[64];
	FILE *f;
	int ret;

	memset(out, 0, sizeof(*out));
	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	ret = ac_maps_parse(f, out);
	fclose(f);
	return ret;
}

/* PT_INTERP of exe into buf; false for a static executable or no ELF */
static bool interpreter(const char *exe, char *buf, size_t len)
{
	size_t n, got = 0;
	GElf_Phdr ph;
	bool found = false;
	Elf *elf;
	int fd;

	elf_version(EV_CURRENT);
	fd = open(exe, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	elf = elf_begin(fd, ELF_C_READ, NULL);
	if (elf && elf_kind(elf) == ELF_K_ELF && !elf_getphdrnum(elf, &n)) {
		for (size_t i = 0; i < n && !found; i++) {
			if (!gelf_getphdr(elf, i, &ph) || ph.p_type != PT_INTERP ||
			    !ph.p_filesz || ph.p_filesz >= len)
				continue;
			got = pread(fd, buf, ph.p_filesz, ph.p_offset);
			found = got == ph.p_filesz && buf[got - 1] == 0 &&
				buf[0] == '/';
		}
	}
	if (elf)
		elf_end(elf);
	close(fd);
	return found;
}

/* "\tlibx.so => /path/libx.so (0x...)" or "\t/lib64/ld-linux.so.2 (0x...)";
 * "=> not found" and the vDSO (no path) name no file */
static int add_listed(struct ac_mapped_list *l, char *line)
{
	char *p = strstr(line, "=> "), *end;
	struct ac_mapped m = { 0 };
	char real[PATH_MAX];
	struct stat st;

	p = p ? p + 3 : line + strspn(line, " \t");
	if (*p != '/')
		return 0;
	end = strstr(p, " (0x");
	if (end)
		*end = 0;
	/* the name the kernel will map it under (merged /usr: /lib is a
	 * link), and its inode, so that the process's maps find it known */
	if (!realpath(p, real) || stat(real, &st))
		return 0;
	m.path = real;
	m.dev = st.st_dev;
	m.ino = st.st_ino;
	return listed(l, m.dev, m.ino) ? 0 : add(l, &m);
}

int ac_linked_objects(const char *exe, struct ac_mapped_list *out)
{
	char interp[PATH_MAX], *line = NULL;
	size_t cap = 0;
	int fds[2], status, ret = 0;
	pid_t pid;
	FILE *f;

	memset(out, 0, sizeof(*out));
	if (!interpreter(exe, interp, sizeof(interp)))
		return 0;
	if (pipe2(fds, O_CLOEXEC))
		return -errno;
	pid = fork();
	if (pid < 0) {
		ret = -errno;
		close(fds[0]);
		close(fds[1]);
		return ret;
	}
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);

		dup2(fds[1], 1);
		if (null >= 0) {
			dup2(null, 0);
			dup2(null, 2);	/* "not found" is not ours to print */
		}
		execl(interp, interp, "--list", exe, (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	f = fdopen(fds[0], "r");
	if (!f) {
		ret = -errno;
		close(fds[0]);
	}
	while (f && !ret && getline(&line, &cap, f) > 0) {
		line[strcspn(line, "\n")] = 0;
		ret = add_listed(out, line);
	}
	if (f)
		fclose(f);
	free(line);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (ret)
		ac_mapped_free(out);
	return ret;
}

void ac_mapped_free(struct ac_mapped_list *l)
{
	for (int i = 0; i < l->n; i++)
		free(l->v[i].path);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

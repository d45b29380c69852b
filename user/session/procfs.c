// SPDX-License-Identifier: MIT
/* What the loader reads about processes and its own maps from /proc. */
#include <errno.h>
#include <limits.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <dirent.h>
#include <time.h>
#include "trace_priv.h"

bool ac_proc_field(const char *path, const char *key, long long *v)
{
	size_t cap = 0, klen = strlen(key);
	char *line = NULL;
	bool found = false;
	FILE *f = fopen(path, "re");

	if (!f)
		return false;
	while (!found && getline(&line, &cap, f) > 0)
		found = !strncmp(line, key, klen) && line[klen] == ':' &&
			sscanf(line + klen + 1, "%lld", v) == 1;
	free(line);
	fclose(f);
	return found;
}

bool ac_pid_alive(pid_t pid)
{
	char path[64], line[512], *p, state = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	f = fopen(path, "re");
	if (!f)
		return false;
	/* "pid (comm) S ...": comm (16 bytes at most) may hold spaces and
	 * parentheses, so the state follows the last ')' */
	if (fgets(line, sizeof(line), f) && (p = strrchr(line, ')')) &&
	    p[1] == ' ')
		state = p[2];
	fclose(f);
	return state && state != 'Z' && state != 'X';
}

pid_t ac_tgid_of(pid_t pid)
{
	char path[64];
	long long tgid;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	return ac_proc_field(path, "Tgid", &tgid) ? (pid_t)tgid : 0;
}

/* A live process that does not map the binary would "attach" fine and
 * never fire. */
bool ac_maps_binary(pid_t pid, const char *path)
{
	char maps[64], real[PATH_MAX], *line = NULL;
	size_t cap = 0;
	bool found = false;
	FILE *f;

	if (!realpath(path, real))
		return false;
	snprintf(maps, sizeof(maps), "/proc/%d/maps", pid);
	f = fopen(maps, "re");
	if (!f)
		return false;
	while (!found && getline(&line, &cap, f) > 0) {
		char *p = strchr(line, '/');

		if (p) {
			p[strcspn(p, "\n")] = 0;
			found = !strcmp(p, real);
		}
	}
	free(line);
	fclose(f);
	return found;
}

/* The initial pid namespace's inode number (PROC_PID_INIT_INO). */
#define PID_NS_INIT_INO 0xEFFFFFFCU

void ac_pidns(__u64 *dev, __u64 *ino)
{
	struct stat st;

	*dev = *ino = 0;
	if (!stat("/proc/self/ns/pid", &st) && st.st_ino != PID_NS_INIT_INO) {
		*dev = st.st_dev;
		*ino = st.st_ino;
	}
}

/* CPU time of every thread of a process so far, in ns (schedstat: the
 * scheduler's own count, to the nanosecond); -1 if it is gone. */
long long ac_proc_cpu_ns(pid_t pid)
{
	char path[64], tpath[64 + 256 + 16];
	struct dirent *d;
	long long sum = 0, ns;
	DIR *dir;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	dir = opendir(path);
	if (!dir)
		return -1;
	while ((d = readdir(dir))) {
		if (d->d_name[0] == '.')
			continue;
		snprintf(tpath, sizeof(tpath), "%s/%s/schedstat", path,
			 d->d_name);
		f = fopen(tpath, "re");
		if (!f)
			continue;	/* a thread that just ended */
		if (fscanf(f, "%lld", &ns) == 1)
			sum += ns;
		fclose(f);
	}
	closedir(dir);
	return sum;
}

/* bpf_ktime_get_ns()'s clock */
__u64 ac_ktime_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* Processes by name, as pgrep -x matches them: the kernel's name of the
 * process (comm, at most 15 bytes: a longer name matches on its first 15
 * and on its executable's file name), ourselves left out. */
int ac_find_processes(const char *name, pid_t *pids, int max)
{
	char path[64], comm[64], exe[PATH_MAX];
	size_t len = strlen(name);
	struct dirent *d;
	int n = 0;
	DIR *dir = opendir("/proc");

	if (!dir)
		return -errno;
	while ((d = readdir(dir))) {
		char *end;
		long pid = strtol(d->d_name, &end, 10);
		ssize_t k;
		FILE *f;

		if (*end || pid <= 0 || pid == getpid())
			continue;
		snprintf(path, sizeof(path), "/proc/%ld/comm", pid);
		f = fopen(path, "re");
		if (!f)
			continue;
		comm[0] = 0;
		if (!fgets(comm, sizeof(comm), f))
			comm[0] = 0;
		fclose(f);
		comm[strcspn(comm, "\n")] = 0;
		if (len <= 15 ? strcmp(comm, name) : strncmp(comm, name, 15))
			continue;
		if (len > 15) {
			const char *base;

			snprintf(path, sizeof(path), "/proc/%ld/exe", pid);
			k = readlink(path, exe, sizeof(exe) - 1);
			if (k <= 0)
				continue;
			exe[k] = 0;
			base = strrchr(exe, '/');
			if (strcmp(base ? base + 1 : exe, name))
				continue;
		}
		if (n < max)
			pids[n] = (pid_t)pid;
		n++;
	}
	closedir(dir);
	return n;
}

void ac_process_comm(pid_t pid, char *buf, size_t size)
{
	char path[64];
	FILE *f;

	buf[0] = '\0';
	snprintf(path, sizeof(path), "/proc/%d/comm", pid);
	f = fopen(path, "re");
	if (!f)
		return;
	if (fgets(buf, size, f))
		buf[strcspn(buf, "\n")] = '\0';
	fclose(f);
}

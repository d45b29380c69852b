// SPDX-License-Identifier: MIT
/* All-or-nothing output files: write PATH.tmp, fsync, rename. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "outfile.h"

static void release(struct ac_outfile *o)
{
	free(o->path);
	free(o->tmp);
	o->path = o->tmp = NULL;
	o->f = NULL;
	o->in_place = 0;
}

int ac_outfile_open(struct ac_outfile *o, const char *path)
{
	struct stat st;
	int err, fd;

	memset(o, 0, sizeof(*o));
	if (!path || !*path)
		return -EINVAL;
	if (!strcmp(path, "-")) {
		o->f = stdout;
		return 0;
	}
	/* the rename at the end would fail: say so before the session */
	if (!stat(path, &st) && S_ISDIR(st.st_mode))
		return -EISDIR;
	/* a device or a FIFO is written as it is: renamed over, /dev/null
	 * became a regular file for every process on the machine */
	if (!stat(path, &st) && !S_ISREG(st.st_mode)) {
		fd = open(path, O_WRONLY | O_NOCTTY | O_CLOEXEC);
		if (fd < 0 || !(o->f = fdopen(fd, "w"))) {
			err = -errno;
			if (fd >= 0)
				close(fd);
			o->f = NULL;
			return err;
		}
		o->in_place = 1;
		return 0;
	}
	o->path = strdup(path);
	if (!o->path || asprintf(&o->tmp, "%s.tmp", path) < 0) {
		o->tmp = NULL;
		err = -ENOMEM;
		goto cleanup;
	}
	/* root writes here: never through a link planted at PATH.tmp, and
	 * a stale one from a crash goes */
	if (unlink(o->tmp) && errno != ENOENT) {
		err = -errno;
		goto cleanup;
	}
	fd = open(o->tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
		  0666);
	if (fd < 0 || !(o->f = fdopen(fd, "w"))) {
		err = -errno;
		if (fd >= 0) {
			close(fd);
			unlink(o->tmp);
		}
		goto cleanup;
	}
	return 0;

cleanup:
	release(o);
	return err;
}

/* The rename is only durable once the directory entry is on disk too;
 * failing that is not worth failing the report for. */
static void sync_dir(const char *path)
{
	char *copy = strdup(path);
	int fd;

	if (!copy)
		return;
	fd = open(dirname(copy), O_RDONLY | O_DIRECTORY);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
	free(copy);
}

int ac_outfile_commit(struct ac_outfile *o)
{
	int err = 0;

	if (!o->f)
		return -EINVAL;
	errno = 0;
	if (!o->tmp) {
		/* stdout or in place: nothing to rename, but report a failed
		 * write */
		if (fflush(o->f) || ferror(o->f))
			err = -(errno ? errno : EIO);
		if (o->in_place && fclose(o->f) && !err)
			err = -(errno ? errno : EIO);
		release(o);
		return err;
	}
	if (fflush(o->f) || ferror(o->f) || fsync(fileno(o->f)))
		err = -(errno ? errno : EIO);
	/* fclose can report a deferred write error (NFS, quota) */
	if (fclose(o->f) && !err)
		err = -(errno ? errno : EIO);
	o->f = NULL;
	if (!err && rename(o->tmp, o->path))
		err = -errno;
	if (err)
		unlink(o->tmp);
	else
		sync_dir(o->path);
	release(o);
	return err;
}

void ac_outfile_abort(struct ac_outfile *o)
{
	if (o->f && o->tmp) {
		fclose(o->f);
		unlink(o->tmp);
	} else if (o->f && o->in_place) {
		fclose(o->f);
	}
	release(o);
}

int ac_outfile_write(const char *path, int (*print)(FILE *f, const void *arg),
		     const void *arg)
{
	struct ac_outfile o;
	int err;

	err = ac_outfile_open(&o, path);
	if (err)
		return err;
	err = print(o.f, arg);
	if (err) {
		ac_outfile_abort(&o);
		return err;
	}
	return ac_outfile_commit(&o);
}

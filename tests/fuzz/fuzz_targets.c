// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: any bytes as a --targets file, read through the
 * loader's own path (ac_assertions_load on a memfd): limits, comments,
 * NULs, every assertion's parse. Must never crash, hang or leak, and an
 * error message never holds a byte a terminal acts on.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "assertions.h"
#include "fuzz_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int fd = memfd_create("targets", 0);
	struct ac_assertions *set = ac_assertions_new();
	char path[64], err[256] = "";

	if (fd < 0 || !set || write(fd, data, size) != (ssize_t)size)
		__builtin_trap();
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	if (ac_assertions_load(set, path, err, sizeof(err)))
		fuzz_check_quoted(err);
	ac_assertions_free(set);
	close(fd);
	return 0;
}

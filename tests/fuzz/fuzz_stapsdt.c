// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: any bytes as the binary probe discovery reads (libelf,
 * .note.stapsdt notes, section and segment tables), seeded with the test
 * targets' ELF files. Must never crash, hang or leak; error messages and
 * every discovered probe name are safe to print (names are C identifiers,
 * the unpaired ones are quoted by the CLI).
 */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "probes.h"
#include "fuzz_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int fd = memfd_create("elf", 0);
	struct ac_probe_set set;
	char path[64], err[256] = "";

	if (fd < 0 || write(fd, data, size) != (ssize_t)size)
		__builtin_trap();
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	if (ac_probes_discover(path, "autocue", &set, err, sizeof(err))) {
		fuzz_check_quoted(err);
	} else {
		for (int i = 0; i < set.n; i++)
			for (const char *c = set.p[i].name; *c; c++)
				if (!isalnum((unsigned char)*c) && *c != '_')
					__builtin_trap();
		ac_probes_free(&set);
	}
	close(fd);
	return 0;
}

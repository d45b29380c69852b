/* SPDX-License-Identifier: MIT */
/* The fuzz targets' shared check: a message holds no byte a terminal acts
 * on (C0 controls, DEL, C1 controls as UTF-8), whatever the input. */
#ifndef AUTOCUE_FUZZ_CHECK_H
#define AUTOCUE_FUZZ_CHECK_H

static inline void fuzz_check_quoted(const char *msg)
{
	for (const unsigned char *p = (const unsigned char *)msg; *p; p++)
		if (*p < 0x20 || *p == 0x7f || (p[0] == 0xc2 && p[1] >= 0x80 &&
						 p[1] <= 0x9f))
			__builtin_trap();
}

#endif /* AUTOCUE_FUZZ_CHECK_H */

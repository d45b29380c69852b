// SPDX-License-Identifier: MIT
/* evilnames - a binary whose stapsdt notes a hostile build could have
 * written: probe names holding terminal escapes, an entry/return pair
 * among them, beside one ordinary pair. Discovery must not make rows of
 * them, and every message naming them must arrive escaped. */
#include <sys/sdt.h>
#include "autocue_usdt.h"

/* a note as sys/sdt.h lays it out, with a name no macro would accept */
#define EVIL_SITE(namestr)                                                    \
	__asm__ __volatile__(                                                 \
		"990: nop\n"                                                  \
		".pushsection .note.stapsdt,\"\",\"note\"\n"                  \
		".balign 4\n"                                                 \
		".4byte 992f-991f, 994f-993f, 3\n"                            \
		"991: .asciz \"stapsdt\"\n"                                   \
		"992: .balign 4\n"                                            \
		"993: .8byte 990b\n"                                          \
		".8byte _.stapsdt.base\n"                                     \
		".8byte 0\n"                                                  \
		".asciz \"autocue\"\n"                                        \
		".asciz \"" namestr "\"\n"                                    \
		".asciz \"\"\n"                                               \
		"994: .balign 4\n"                                            \
		".popsection\n");                                             \
	__asm__ __volatile__(_SDT_ASM_BASE)

int main(void)
{
	AUTOCUE_ENTRY(plain);
	EVIL_SITE("\\033]0;pwned\\007\\033[31mRED__entry");
	EVIL_SITE("\\033]0;pwned\\007\\033[31mRED__return");
	EVIL_SITE("\\302\\233" "2J__entry");
	AUTOCUE_RETURN(plain);
	return 0;
}

/* SPDX-License-Identifier: MIT */
/*
 * quote.h - the one way a message quotes input (file names, probe names,
 * assertions, event text, arguments) before it reaches a terminal.
 *
 * Bytes a terminal would act on are written as escapes instead: C0
 * controls and DEL as \xHH (never \n or \e, which a shell's echo would
 * turn back into the byte), C1 controls (U+0080..U+009F,
 * which UTF-8 terminals honour as CSI and OSC too) and invalid UTF-8 as
 * \xHH per byte, and Unicode's bidirectional overrides (U+202A..U+202E,
 * U+2066..U+2069) as \u{HHHH}. Valid printable UTF-8, backslashes
 * included, passes as it is, so quoting quoted text changes nothing (a
 * library's message may be quoted again by its caller).
 *
 *   fprintf(stderr, "prog: %s: %s\n", AC_Q(path), strerror(err));
 */
#ifndef AUTOCUE_QUOTE_H
#define AUTOCUE_QUOTE_H

#include <stdbool.h>
#include <stddef.h>

/* Longest quoted text, NUL included; longer input ends in "...". */
#define AC_QUOTE_MAX 512

/* s (NULL reads "(null)") quoted into buf of size bytes (>= 8); returns
 * buf. */
char *ac_quote(char *buf, size_t size, const char *s);
/* The same for the first n bytes of s, NULs included (escaped). */
char *ac_quote_n(char *buf, size_t size, const char *s, size_t n);

/* getopt's own "unrecognized option" messages print the option as it is:
 * the first of argv[1..argc) that is an option (before "--", and with
 * stop_at_operand before the first operand too) whose name holds a byte
 * ac_quote() would escape, for the caller to refuse quoted before
 * parsing; NULL when there is none. */
const char *ac_unsafe_option(int argc, char *const argv[],
			     bool stop_at_operand);

/* A quoted copy in a buffer that lives until the end of the enclosing
 * block: for printf arguments. */
#define AC_Q(s) ac_quote((char[AC_QUOTE_MAX]){ 0 }, AC_QUOTE_MAX, (s))

#endif /* AUTOCUE_QUOTE_H */

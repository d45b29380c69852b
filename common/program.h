/* SPDX-License-Identifier: MIT */
/* program.h - finding a command on PATH as execvp(3) will. */
#ifndef AUTOCUE_PROGRAM_H
#define AUTOCUE_PROGRAM_H

/* The file execvp would run for cmd (malloc'ed), or NULL: a name with a
 * '/' as given, else the first executable PATH entry (an empty entry is
 * the current directory). */
char *ac_find_program(const char *cmd);

#endif /* AUTOCUE_PROGRAM_H */

/* SPDX-License-Identifier: MIT */
/* record_cmd.h - autocue-trace record: on-CPU samples under the traced scopes. */
#ifndef AUTOCUE_CLI_RECORD_H
#define AUTOCUE_CLI_RECORD_H

/* argv[0] is "record"; the exit status. */
int ac_record_main(int argc, char **argv);

#endif /* AUTOCUE_CLI_RECORD_H */

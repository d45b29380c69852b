// SPDX-License-Identifier: MIT
/* What a command line chooses to trace (select.h). */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "quote.h"
#include "select.h"

/* keys of their own: argp finds a long option's group by its entry, but
 * distinct keys keep a reader from wondering */
enum {
	OPT_COMM = 0x1000, OPT_FUNC, OPT_PYTHON, OPT_PYTHON_BIN,
	OPT_PYTHON_HOOKED,
};

static const struct argp_option opts[] = {
	{ "pid", 'p', "PID|NAME", 0,
	  "This process; several: a comma list or -p again; a NAME is every process of that name (as pgrep -x)", 0 },
	{ "comm", OPT_COMM, "NAME", 0, "Every process named NAME (-p NAME)", 0 },
	{ "func", OPT_FUNC, "GLOB[,GLOB]", 0,
	  "The functions matching these globs too (symbols of -b's object or of every object the process maps; entry and return probes; in tables their calibrated cost is subtracted as for USDT pairs); repeatable", 0 },
	{ "python", OPT_PYTHON, "GLOB", OPTION_ARG_OPTIONAL,
	  "Python functions instead of probes: the interpreter's python:function__entry/__return, one row per module.function (module.Class.method on 3.11) matching the comma-separated globs (default all; !GLOB leaves out)", 0 },
	{ "python-bin", OPT_PYTHON_BIN, "PATH", 0,
	  "The interpreter or libpython holding the python probes (default: the command, or found in the process's maps); with --python, -b names a binary whose autocue probes nest with the Python frames", 0 },
	{ "python-hooked", OPT_PYTHON_HOOKED, NULL, 0,
	  "The program sets a profiler itself (examples/python_hook.py): leave python:line's semaphore down (CPython 3.11 fires its entries either way; the hook's way is faster). A running process with one in every thread is recognised without it", 0 },
	{},
};

static void add_pid(struct argp_state *state, struct ac_select *s, pid_t pid)
{
	for (int i = 0; i < s->npids; i++)
		if (s->pids[i] == pid)
			return;
	if (s->npids == AC_MAX_PIDS)
		argp_failure(state, 1, 0, "too many processes (at most %d)",
			     AC_MAX_PIDS);
	s->pids[s->npids++] = pid;
}

static bool parse_pid(const char *arg, pid_t *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(arg, &end, 10);
	if (errno || *end || end == arg || v < 1 || v > INT_MAX)
		return false;
	*out = (pid_t)v;
	return true;
}

/* -p 12,34 / -p NAME / --comm NAME: each PID, every process of a name */
static void add_processes(struct argp_state *state, struct ac_select *s,
			  const char *arg, bool name_only)
{
	char *copy = strdup(arg), *save = NULL, *item;
	pid_t found[AC_MAX_PIDS], pid;
	int n, items = 0;

	if (!copy)
		argp_failure(state, 1, ENOMEM, "-p");
	for (item = strtok_r(copy, ",", &save); item;
	     item = strtok_r(NULL, ",", &save)) {
		items++;
		if (!name_only && parse_pid(item, &pid)) {
			add_pid(state, s, pid);
			continue;
		}
		/* a number that is not a PID is an error, not a name */
		if (!name_only && strspn(item, "0123456789-+ ") == strlen(item))
			argp_failure(state, 1, 0, "invalid PID: %s", AC_Q(item));
		n = ac_find_processes(item, found, AC_MAX_PIDS);
		if (n <= 0)
			argp_failure(state, 1, 0, "no process named %s", AC_Q(item));
		for (int i = 0; i < n && i < AC_MAX_PIDS; i++)
			add_pid(state, s, found[i]);
	}
	if (!items)
		argp_failure(state, 1, 0, "invalid PID: %s", AC_Q(arg));
	free(copy);
}

static error_t parse_arg(int key, char *arg, struct argp_state *state)
{
	struct ac_select *s = state->input;

	switch (key) {
	case 'p':
		add_processes(state, s, arg, false);
		break;
	case OPT_COMM:
		add_processes(state, s, arg, true);
		break;
	case OPT_FUNC: {
		char *all;

		if (!*arg)
			argp_failure(state, 1, 0, "--func needs a glob");
		if (asprintf(&all, "%s%s%s", s->funcs ? s->funcs : "",
			     s->funcs ? "," : "", arg) < 0)
			argp_failure(state, 1, ENOMEM, "--func");
		free(s->funcs);
		s->topts->funcs = s->funcs = all;
		break;
	}
	case OPT_PYTHON:
		s->topts->python = true;
		/* "--python GLOB" as well as "--python=GLOB": the next word,
		 * unless it is an option or the command's "--" */
		if (!arg && state->next < state->argc &&
		    state->argv[state->next][0] != '-')
			arg = state->argv[state->next++];
		if (arg) {
			if (s->topts->probes)
				argp_failure(state, 1, 0, "give the Python globs once (--python GLOB or --probes GLOB)");
			s->topts->probes = arg;
		}
		break;
	case OPT_PYTHON_BIN: s->topts->python_binary = arg; break;
	case OPT_PYTHON_HOOKED: s->topts->python_hooked = true; break;
	case ARGP_KEY_END:
		if (s->topts->python_binary && !s->topts->python)
			argp_failure(state, 1, 0, "--python-bin goes with --python");
		if (s->topts->python_hooked && !s->topts->python)
			argp_failure(state, 1, 0, "--python-hooked goes with --python");
		if (s->topts->python && s->npids > 1)
			argp_failure(state, 1, 0, "--python traces one process's interpreter: without several -p");
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

const struct argp ac_select_argp = { .options = opts, .parser = parse_arg };

pid_t ac_select_pid(const struct ac_select *s)
{
	return s->npids ? s->pids[0] : 0;
}

void ac_select_free(struct ac_select *s)
{
	free(s->funcs);
	s->funcs = NULL;
}

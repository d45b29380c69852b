/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * autocue_lost.h - the lost-event counters, listed once: the BPF program
 * counts them (enum ac_drop), the C API names them (AC_LOST_*), every
 * writer prints them (a label for people, a key for JSON). Plain macros,
 * no includes: the BPF object and the installed API header both use it.
 *
 * X(NAME, "label", "json_key")
 */
#ifndef AUTOCUE_LOST_H
#define AUTOCUE_LOST_H

#define AC_LOST_LIST(X)							\
	/* a return with no matching entry */				\
	X(UNMATCHED_RETURN, "unmatched returns", "unmatched_returns")	\
	/* an entry that never returned (longjmp) */			\
	X(UNWOUND_FRAME, "unwound frames", "unwound_frames")		\
	/* a call deeper than AC_MAX_DEPTH */				\
	X(DEPTH_OVERFLOW, "depth overflow", "depth_overflow")		\
	/* the folded-path map was full */				\
	X(PATH_FULL, "folded paths full", "folded_paths_full")		\
	/* an exact-mode record lost */					\
	X(RAW_RECORD, "raw records lost", "raw_records_lost")		\
	/* no per-thread stack could be made */				\
	X(NO_STORAGE, "no thread storage", "no_thread_storage")		\
	/* calls of Python functions past the --python-max ids */	\
	X(PY_IDS_FULL, "python functions past the id limit", "python_ids_full") \
	/* calls of Python functions past the cache's 65536 */		\
	X(PY_CACHE_FULL, "python function cache full", "python_cache_full") \
	/* per-process statistics full (--max-series) */		\
	X(PROC_FULL, "per-process series full", "per_process_full")	\
	/* --follow: a child not followed, the followed-set map full */	\
	X(FOLLOW_FULL, "children not followed (set full)", "follow_full") \
	/* --follow: an exec not reported (ring buffer full) */		\
	X(EXEC_MISSED, "execs not searched", "execs_missed")		\
	/* --per-thread (and --follow --per-pid) rows full */		\
	X(SERIES_FULL, "per-thread rows full", "per_thread_full")

#endif /* AUTOCUE_LOST_H */

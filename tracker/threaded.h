/* SPDX-License-Identifier: MIT */
/*
 * threaded.h - the reference ThreadedTracker (TRACKER-SPEC.md §6): a worker
 * thread owns the tracker so that the recogniser never waits for matching.
 * Partials arriving within partial_throttle_ms of the last accepted one are
 * dropped. On a full request queue a partial sheds up to 3 old partials
 * from the head; a final or command met there is moved to the tail (so,
 * as in the reference, it can be overtaken), and a final that finds the
 * queue full is dropped.
 */
#ifndef AUTOCUE_THREADED_H
#define AUTOCUE_THREADED_H

#include <stdbool.h>

#include "tracker.h"

struct ac_threaded_opts {
	struct ac_tracker_opts tracker;
	int partial_throttle_ms;
	int max_queue_size;
};

/* The application's settings: match threshold 65, not the tracker's 70. */
#define AC_THREADED_OPTS_DEFAULT                                              \
	((struct ac_threaded_opts){                                           \
		.tracker = { .window_size = 8,                                \
			     .match_threshold = 65.0,                         \
			     .jump_threshold = 3,                             \
			     .max_jump_distance = 50,                         \
			     .max_skip_distance = 2,                          \
			     .skip_headers = false },                         \
		.partial_throttle_ms = 50,                                    \
		.max_queue_size = 10 })

struct ac_threaded_result {
	struct ac_position position;
	struct ac_display display;	/* lines around the position */
	unsigned long request_id;
	double processing_time;		/* seconds spent in the worker */
};

struct ac_threaded;

/* Starts the worker and waits (up to 5 s) for it to build its tracker.
 * NULL on failure; a worker still building then is stopped and waited
 * for. opts NULL = AC_THREADED_OPTS_DEFAULT. */
struct ac_threaded *ac_threaded_new(const struct ac_script *s,
				    const struct ac_threaded_opts *opts);
/* Shuts down if needed, waits for the worker to finish what it is doing
 * (however long: it reads the script, which the caller may free next), and
 * frees. */
void ac_threaded_free(struct ac_threaded *tt);

/* Non-blocking. False when the request was throttled or dropped. */
bool ac_threaded_submit(struct ac_threaded *tt, const char *text,
			bool is_partial);

/* Pops the oldest unread result; waits up to timeout_s (0 = don't wait).
 * False if none. */
bool ac_threaded_get_result(struct ac_threaded *tt,
			    struct ac_threaded_result *out, double timeout_s);
/* The newest result without consuming anything; false before the first. */
bool ac_threaded_cached_result(struct ac_threaded *tt,
			       struct ac_threaded_result *out);

/* Queued commands, run in order with the updates; dropped (false) when the
 * queue is full. */
bool ac_threaded_reset(struct ac_threaded *tt);
bool ac_threaded_jump_to(struct ac_threaded *tt, int speakable_index);
bool ac_threaded_update_display_settings(struct ac_threaded *tt, int past,
					 int future);

/* Stops the worker (waits up to 1 s to queue the command, 2 s to join; a
 * worker still busy then is joined by ac_threaded_free). */
void ac_threaded_shutdown(struct ac_threaded *tt);

/* Requests that passed the throttle (the last request id). */
unsigned long ac_threaded_request_count(struct ac_threaded *tt);

#endif /* AUTOCUE_THREADED_H */

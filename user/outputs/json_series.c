// SPDX-License-Identifier: MIT
/* Per-interval JSON reports, streamed as JSON Lines (json_series.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>
#include "json_report.h"
#include "json_series.h"

struct ac_json_series {
	FILE *f;
	bool is_stdout;
	int64_t n;	/* reports written */
};

int ac_json_series_open(const char *path, struct ac_json_series **out)
{
	struct ac_json_series *js = calloc(1, sizeof(*js));

	*out = NULL;
	if (!js)
		return -ENOMEM;
	if (!strcmp(path, "-")) {
		js->f = stdout;
		js->is_stdout = true;
	} else if (!(js->f = fopen(path, "w"))) {
		int err = -errno;

		free(js);
		return err;
	}
	*out = js;
	return 0;
}

int ac_json_series_add(struct ac_json_series *js, const struct ac_snapshot *s,
		       bool final)
{
	struct json_object *o;
	const char *text;
	int err = 0;

	if (!js || !s)
		return -EINVAL;
	o = ac_json_report(s, NULL);
	if (!o)
		return -ENOMEM;
	if (ac_json_add(o, "interval", json_object_new_int64(js->n + 1)) ||
	    ac_json_add(o, "final", json_object_new_boolean(final))) {
		json_object_put(o);
		return -ENOMEM;
	}
	text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
					      JSON_C_TO_STRING_NOSLASHESCAPE);
	errno = 0;
	if (!text)
		err = -ENOMEM;
	else if (fputs(text, js->f) < 0 || fputc('\n', js->f) < 0 ||
		 fflush(js->f))
		err = -(errno ? errno : EIO);
	json_object_put(o);
	if (!err)
		js->n++;
	return err;
}

int ac_json_series_close(struct ac_json_series *js)
{
	int err = 0;

	if (!js)
		return 0;
	errno = 0;
	if (js->is_stdout)
		err = fflush(js->f) ? -(errno ? errno : EIO) : 0;
	else if (ferror(js->f) | fclose(js->f))
		err = -(errno ? errno : EIO);
	free(js);
	return err;
}

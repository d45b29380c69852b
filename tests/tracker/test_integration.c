// SPDX-License-Identifier: MIT
/* test_integration.c - whole-script behaviour: the real recorded transcript
 * of number_test_script.md (the reference's
 * tests/integration/test_tracking_with_transcripts.py) and every sample
 * script read cleanly from start to end. Run from the repository root;
 * SHARED (default ../shared) locates the samples. */
#include <stdio.h>
#include <stdlib.h>

#include "tracker_fixture.h"

static const char *shared(void)
{
	const char *s = getenv("SHARED");

	return s && *s ? s : "../shared";
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	long n;

	if (!f)
		fail_msg("cannot open %s (set SHARED)", path);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static struct ac_script *load(const char *name)
{
	char path[512], err[256];
	char *md;
	struct ac_script *s;

	snprintf(path, sizeof(path), "%s/samples/%s", shared(), name);
	md = slurp(path);
	s = ac_script_parse(md, strlen(md), err, sizeof(err));
	free(md);
	if (!s)
		fail_msg("%s: %s", name, err);
	return s;
}

/* The transcript's content lines (=== markers and blanks dropped). */
static int transcript_lines(char ***out)
{
	char path[512], *buf, *save = NULL, *line;
	char **lines = NULL;
	int n = 0;

	snprintf(path, sizeof(path), "%s/samples/transcript_20251221_000011.txt",
		 shared());
	buf = slurp(path);
	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		while (*line == ' ')
			line++;
		if (!*line || !strncmp(line, "===", 3))
			continue;
		lines = realloc(lines, (size_t)(n + 1) * sizeof(*lines));
		lines[n++] = strdup(line);
	}
	free(buf);
	*out = lines;
	return n;
}

static void free_lines(char **lines, int n)
{
	for (int i = 0; i < n; i++)
		free(lines[i]);
	free(lines);
}

static void test_transcript_loads(void **state)
{
	char **lines;
	int n = transcript_lines(&lines);

	(void)state;
	assert_true(n > 0);
	assert_non_null(strstr(lines[0], "number"));
	free_lines(lines, n);
}

/* number_test_script.md with a tracker, and its transcript's lines */
static struct fx load_number_test(char ***lines, int *n)
{
	struct fx f = { load("number_test_script.md"), NULL };

	f.t = ac_tracker_new(f.s, NULL);
	*n = transcript_lines(lines);
	return f;
}

/* every run over the transcript must reach most of the script */
static void finish(struct fx *f, char **lines, int n)
{
	assert_true(ac_tracker_position(f->t).progress > 0.8);
	free_lines(lines, n);
	done(f);
}

/* grows the cumulative transcript by text (tl bytes), a space between */
static void append(char **cum, size_t *len, const char *text, size_t tl)
{
	*cum = realloc(*cum, *len + tl + 2);
	if (*len)
		(*cum)[(*len)++] = ' ';
	memcpy(*cum + *len, text, tl + 1);
	*len += tl;
}

/* Cumulative text grown one word at a time, each a final: the position
 * must move in small steps and reach most of the script. */
static void test_smooth_word_by_word(void **state)
{
	char **lines, *cum = calloc(1, 1);
	size_t len = 0;
	int n, last = 0, max_jump = 0;
	struct fx f = load_number_test(&lines, &n);

	(void)state;
	for (int i = 0; i < n; i++) {
		char *save = NULL, *w;

		for (w = strtok_r(lines[i], " ", &save); w;
		     w = strtok_r(NULL, " ", &save)) {
			int pos, d;

			append(&cum, &len, w, strlen(w));
			pos = fin(&f, cum);
			d = pos - last;
			if (abs(d) > max_jump)
				max_jump = abs(d);
			last = pos;
		}
	}
	if (max_jump > 6)
		fail_msg("maximum jump %d, expected <= 6", max_jump);
	finish(&f, lines, n);
	free(cum);
}

/* Cumulative text grown a line at a time: no jump far beyond the chunk. */
static void test_smooth_chunk_by_chunk(void **state)
{
	char **lines, *cum = calloc(1, 1);
	size_t len = 0;
	int n, last = 0, bad = 0;
	struct fx f = load_number_test(&lines, &n);

	(void)state;
	for (int i = 0; i < n; i++) {
		size_t ll = strlen(lines[i]);
		int words = 1, pos, limit;

		for (size_t k = 0; k < ll; k++)
			words += lines[i][k] == ' ';
		append(&cum, &len, lines[i], ll);
		pos = fin(&f, cum);
		limit = words * 3 / 2 > 5 ? words * 3 / 2 : 5;
		if (pos - last > limit)
			bad++;
		last = pos;
	}
	assert_int_equal(bad, 0);
	finish(&f, lines, n);
	free(cum);
}

/* Each line as its own final, as Vosk delivers utterances. */
static void test_utterances(void **state)
{
	char **lines;
	int n, backwards = 0, last = 0;
	struct fx f = load_number_test(&lines, &n);

	(void)state;
	for (int i = 0; i < n; i++) {
		int pos = fin(&f, lines[i]);

		if (pos < last - 10)
			backwards++;
		last = pos;
	}
	assert_true(backwards <= 2);
	finish(&f, lines, n);
}

/* Speaks the script as written: each speakable word in its primary form,
 * five words per utterance, each utterance preceded by growing partials. */
static void read_cleanly(const char *name)
{
	struct ac_script *s = load(name);
	struct ac_tracker *t = ac_tracker_new(s, NULL);
	char *utt = malloc(1 << 16);
	size_t len = 0;
	int in_utt = 0, pos;

	for (int i = 0; i < s->n; i++) {
		const struct ac_word *w = &s->words[i];

		if (w->nalts) {
			for (int k = 0; k < w->alts[0].n; k++)
				len += (size_t)sprintf(utt + len, "%s%s",
						       len ? " " : "",
						       w->alts[0].w[k]);
		} else {
			len += (size_t)sprintf(utt + len, "%s%s",
					       len ? " " : "", w->text);
		}
		ac_tracker_update(t, utt, true);
		if (++in_utt == 5 || i == s->n - 1) {
			ac_tracker_update(t, utt, false);
			len = 0;
			utt[0] = '\0';
			in_utt = 0;
		}
	}
	pos = ac_tracker_position(t).speakable_index;
	if (pos != s->n)
		fail_msg("%s: reading it cleanly ends at %d of %d", name, pos,
			 s->n);
	assert_true(ac_tracker_position(t).progress == 1.0);
	free(utt);
	ac_tracker_free(t);
	ac_script_free(s);
}

static void test_samples_read_cleanly(void **state)
{
	static const char *const samples[] = {
		"evening_news_broadcast.md", "maths_explained.md",
		"number_test_script.md", "sample_script.md",
		"tech_product_launch.md", "tutorial_how_to_bake_bread.md",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(samples) / sizeof(samples[0]); i++)
		read_cleanly(samples[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_transcript_loads),
		cmocka_unit_test(test_smooth_word_by_word),
		cmocka_unit_test(test_smooth_chunk_by_chunk),
		cmocka_unit_test(test_utterances),
		cmocka_unit_test(test_samples_read_cleanly),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: MIT */
/* markdown.h - raw tokens of a Markdown script (TRACKER-SPEC.md §2.1-§2.2):
 * the whitespace-separated pieces of the rendered text, broken at every
 * element boundary, with the h1..h6 flag. CommonMark via md4c; where it
 * differs from the reference's Python-Markdown see MARKDOWN-DIFFERENCES.md. */
#ifndef AUTOCUE_MARKDOWN_H
#define AUTOCUE_MARKDOWN_H

#include <stdbool.h>
#include <stddef.h>

/* Called once per raw token, in order; text is valid UTF-8 (if md is) and
 * not NUL-terminated. A non-zero return stops the walk and is returned. */
typedef int (*ac_md_token_fn)(void *ctx, const char *text, size_t len,
			      bool header);

/* Returns 0, the callback's non-zero value, or -1 (out of memory, md4c
 * failure). md must be valid UTF-8. */
int ac_markdown_tokens(const char *md, size_t len, ac_md_token_fn fn,
		       void *ctx);

#endif /* AUTOCUE_MARKDOWN_H */

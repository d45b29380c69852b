// SPDX-License-Identifier: MIT
/* Interactive flamegraph SVG from the folded call paths. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "folded.h"
#include "outfile.h"
#include "svg.h"

#define FRAME_H		16	/* px per level, 1 px of it a gap */
#define FONT_PX		12
#define CHAR_PX		7.0	/* average Verdana glyph width at 12 px */
#define XPAD		10
#define TOP_PAD		64	/* title, subtitle, controls */
#define BOTTOM_PAD	32	/* the details line */
#define MIN_WIDTH_PX	0.1	/* narrower frames are not drawn */

struct node {
	const char *name;
	uint64_t self_ns;
	uint64_t total_ns;	/* self + descendants */
	uint64_t calls;
	struct node **kids;
	int nkids, cap;
};

struct graph {
	struct node root;
	int levels;		/* including the root */
	double px_per_ns;
	int width, height;
};

static struct node *child(struct node *n, const char *name)
{
	struct node *k, **kids;

	for (int i = 0; i < n->nkids; i++)
		if (!strcmp(n->kids[i]->name, name))
			return n->kids[i];
	if (n->nkids == n->cap) {
		int cap = n->cap ? n->cap * 2 : 4;

		kids = realloc(n->kids, cap * sizeof(*kids));
		if (!kids)
			return NULL;
		n->kids = kids;
		n->cap = cap;
	}
	k = calloc(1, sizeof(*k));
	if (!k)
		return NULL;
	k->name = name;
	n->kids[n->nkids++] = k;
	return k;
}

static void free_kids(struct node *n)
{
	for (int i = 0; i < n->nkids; i++) {
		free_kids(n->kids[i]);
		free(n->kids[i]);
	}
	free(n->kids);
}

static int cmp_nodes(const void *a, const void *b)
{
	return strcmp((*(struct node *const *)a)->name,
		      (*(struct node *const *)b)->name);
}

/* totals bottom-up; siblings by name, like flamegraph.pl */
static uint64_t finish(struct node *n, int level, int *levels)
{
	n->total_ns = n->self_ns;
	if (level + 1 > *levels)
		*levels = level + 1;
	if (n->nkids > 1)
		qsort(n->kids, n->nkids, sizeof(*n->kids), cmp_nodes);
	for (int i = 0; i < n->nkids; i++)
		n->total_ns += finish(n->kids[i], level + 1, levels);
	return n->total_ns;
}

static int build(struct graph *g, const struct ac_snapshot *s)
{
	g->root.name = "all";
	for (int i = 0; i < s->npaths; i++) {
		const struct ac_path_stats *p = &s->paths[i];
		struct node *n = &g->root;

		for (int d = 0; d < p->depth; d++) {
			n = child(n, ac_path_frame(s, p->probes[d]));
			if (!n)
				return -ENOMEM;
		}
		if (n == &g->root)
			continue;
		n->self_ns += p->self_ns;
		n->calls += p->calls;
		g->root.calls += p->depth == 1 ? p->calls : 0;
	}
	g->levels = 0;
	finish(&g->root, 0, &g->levels);
	return 0;
}

/* XML text and attribute values: markup characters as entities, and the
 * control characters XML 1.0 forbids as '?' */
static void put_escaped(FILE *out, const char *s, size_t max)
{
	for (size_t i = 0; s[i] && i < max; i++) {
		unsigned char c = s[i];

		switch (c) {
		case '&': fputs("&amp;", out); break;
		case '<': fputs("&lt;", out); break;
		case '>': fputs("&gt;", out); break;
		case '"': fputs("&quot;", out); break;
		case '\'': fputs("&apos;", out); break;
		default:
			fputc(c < 0x20 && c != '\t' && c != '\n' ? '?' : c,
			      out);
		}
	}
}

/* FNV-1a: the same name gets the same colour in every graph */
static uint32_t name_hash(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

static void put_fill(FILE *out, const char *name)
{
	uint32_t h = name_hash(name);
	double v1 = (h & 0xff) / 255.0, v2 = ((h >> 8) & 0xff) / 255.0;
	double v3 = ((h >> 16) & 0xff) / 255.0;

	if (!strcmp(name, AC_FRAME_TRUNCATED) ||
	    !strcmp(name, AC_FRAME_UNKNOWN)) {
		fputs("rgb(190,190,190)", out);
		return;
	}
	/* flamegraph.pl's "hot" palette: reds through yellows */
	fprintf(out, "rgb(%d,%d,%d)", 205 + (int)(50 * v3), (int)(230 * v1),
		(int)(55 * v2));
}

/* The label the script would compute for this width, so the picture is
 * the same without scripts. */
static void put_label(FILE *out, const char *name, double w)
{
	int fit = (int)((w - 6) / CHAR_PX);
	size_t len = strlen(name);

	if (fit < 3)
		return;
	if (len <= (size_t)fit) {
		put_escaped(out, name, len);
		return;
	}
	put_escaped(out, name, fit - 2);
	fputs("..", out);
}

static void put_frame(FILE *out, const struct graph *g, const struct node *n,
		      int level, double x, double w, const char *unit)
{
	double y = g->height - BOTTOM_PAD - (level + 1) * FRAME_H;
	double pct = g->root.total_ns ?
		     100.0 * n->total_ns / g->root.total_ns : 0;

	fputs("<g class=\"f\" data-n=\"", out);
	put_escaped(out, n->name, strlen(n->name));
	fputs("\"><title>", out);
	put_escaped(out, n->name, strlen(n->name));
	if (unit) {
		/* counts: calls would repeat them */
		fprintf(out, " (%llu %s, %.2f%%", (unsigned long long)n->total_ns,
			unit, pct);
		if (n->nkids && n != &g->root)
			fprintf(out, ", self %llu",
				(unsigned long long)n->self_ns);
		goto rect;
	}
	fprintf(out, " (%.3f ms, %.2f%%", n->total_ns / 1e6, pct);
	if (n->calls)
		fprintf(out, ", %llu call%s", (unsigned long long)n->calls,
			n->calls == 1 ? "" : "s");
	if (n->nkids && n != &g->root)
		fprintf(out, ", self %.3f ms", n->self_ns / 1e6);
rect:
	fprintf(out, ")</title><rect x=\"%.2f\" y=\"%.1f\" width=\"%.2f\" "
		"height=\"%d\" rx=\"2\" ry=\"2\" fill=\"", x, y, w,
		FRAME_H - 1);
	put_fill(out, n->name);
	fprintf(out, "\"/><text x=\"%.2f\" y=\"%.1f\">", x + 3,
		y + FRAME_H - 4.5);
	put_label(out, n->name, w);
	fputs("</text></g>\n", out);
}

static void put_frames(FILE *out, const struct graph *g, const struct node *n,
		       int level, double x, const char *unit)
{
	double w = n->total_ns * g->px_per_ns;

	if (w < MIN_WIDTH_PX)
		return;
	put_frame(out, g, n, level, x, w, unit);
	/* children start at the parent's left edge; self time is the gap
	 * on the right */
	for (int i = 0; i < n->nkids; i++) {
		put_frames(out, g, n->kids[i], level + 1, x, unit);
		x += n->kids[i]->total_ns * g->px_per_ns;
	}
}

static const char script[] =
"\"use strict\";\n"
"var W, PAD, frames, details, resetz, searchbtn, matched, searching = false;\n"
"function init() {\n"
"  var svg = document.documentElement;\n"
"  W = +svg.getAttribute(\"width\"); PAD = +svg.getAttribute(\"data-xpad\");\n"
"  frames = Array.prototype.slice.call(document.querySelectorAll(\"g.f\"));\n"
"  details = document.getElementById(\"details\");\n"
"  resetz = document.getElementById(\"resetzoom\");\n"
"  searchbtn = document.getElementById(\"search\");\n"
"  matched = document.getElementById(\"matched\");\n"
"  frames.forEach(function (g) {\n"
"    var r = g.querySelector(\"rect\");\n"
"    g.ox = +r.getAttribute(\"x\"); g.ow = +r.getAttribute(\"width\");\n"
"    g.oy = +r.getAttribute(\"y\"); g.fill = r.getAttribute(\"fill\");\n"
"    g.name = g.getAttribute(\"data-n\");\n"
"    g.tip = g.querySelector(\"title\").textContent;\n"
"    g.addEventListener(\"click\", function () { zoom(g); });\n"
"    g.addEventListener(\"mouseover\", function () { details.textContent = g.tip; });\n"
"    g.addEventListener(\"mouseout\", function () { details.textContent = \" \"; });\n"
"  });\n"
"  resetz.addEventListener(\"click\", unzoom);\n"
"  searchbtn.addEventListener(\"click\", search);\n"
"}\n"
"function place(g, x, w) {\n"
"  var r = g.querySelector(\"rect\"), t = g.querySelector(\"text\");\n"
"  var fit = Math.floor((w - 6) / 7), s = g.name;\n"
"  r.setAttribute(\"x\", x.toFixed(2)); r.setAttribute(\"width\", w.toFixed(2));\n"
"  t.setAttribute(\"x\", (x + 3).toFixed(2));\n"
"  if (fit < 3) s = \"\"; else if (s.length > fit) s = s.substring(0, fit - 2) + \"..\";\n"
"  t.textContent = s;\n"
"}\n"
"function show(g, on) { g.style.display = on ? \"\" : \"none\"; }\n"
"function zoom(z) {\n"
"  var eps = 0.01, scale = (W - 2 * PAD) / z.ow;\n"
"  frames.forEach(function (g) {\n"
"    g.classList.remove(\"parent\");\n"
"    if (g.oy > z.oy) {\n"
"      /* below: an ancestor spans the zoomed frame; stretch it */\n"
"      var anc = g.ox <= z.ox + eps && g.ox + g.ow >= z.ox + z.ow - eps;\n"
"      show(g, anc);\n"
"      if (anc) { g.classList.add(\"parent\"); place(g, PAD, W - 2 * PAD); }\n"
"    } else {\n"
"      var inside = g.ox >= z.ox - eps && g.ox + g.ow <= z.ox + z.ow + eps;\n"
"      show(g, inside);\n"
"      if (inside) place(g, PAD + (g.ox - z.ox) * scale, g.ow * scale);\n"
"    }\n"
"  });\n"
"  resetz.style.display = \"\";\n"
"}\n"
"function unzoom() {\n"
"  frames.forEach(function (g) {\n"
"    g.classList.remove(\"parent\"); show(g, true); place(g, g.ox, g.ow);\n"
"  });\n"
"  resetz.style.display = \"none\";\n"
"}\n"
"function search() {\n"
"  var term, re, spans = [], covered = 0, end = -1;\n"
"  if (searching) {\n"
"    frames.forEach(function (g) { g.querySelector(\"rect\").setAttribute(\"fill\", g.fill); });\n"
"    searchbtn.textContent = \"Search\"; matched.textContent = \"\"; searching = false;\n"
"    return;\n"
"  }\n"
"  term = prompt(\"Search frames (regular expression):\", \"\");\n"
"  if (!term) return;\n"
"  try { re = new RegExp(term); } catch (e) { alert(\"bad expression: \" + e.message); return; }\n"
"  frames.forEach(function (g) {\n"
"    if (!re.test(g.name)) return;\n"
"    g.querySelector(\"rect\").setAttribute(\"fill\", \"rgb(230,0,230)\");\n"
"    spans.push([g.ox, g.ox + g.ow]);\n"
"  });\n"
"  /* share of the whole: a match nested in another counts once */\n"
"  spans.sort(function (a, b) { return a[0] - b[0]; });\n"
"  spans.forEach(function (s) {\n"
"    if (s[1] <= end) return;\n"
"    covered += s[1] - Math.max(s[0], end); end = s[1];\n"
"  });\n"
"  matched.textContent = \"Matched: \" + (100 * covered / (W - 2 * PAD)).toFixed(1) + \"%\";\n"
"  searchbtn.textContent = \"Reset Search\"; searching = true;\n"
"}\n"
"window.addEventListener(\"load\", init);\n";

static const char style[] =
"text { font-family: Verdana, sans-serif; font-size: 12px; fill: #000; }\n"
"g.f text { pointer-events: none; }\n"
"g.f:hover rect { stroke: #000; stroke-width: 0.5; cursor: pointer; }\n"
"g.parent { opacity: 0.5; }\n"
"#title { font-size: 17px; text-anchor: middle; }\n"
"#subtitle { fill: #555; text-anchor: middle; }\n"
"#resetzoom, #search { cursor: pointer; }\n"
"#matched, #search { text-anchor: end; }\n";

static void put_header(FILE *out, const struct graph *g,
		       const struct ac_snapshot *s, const char *title,
		       const char *subtitle)
{
	char buf[128];

	fprintf(out, "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?>\n"
		"<svg version=\"1.1\" xmlns=\"http://www.w3.org/2000/svg\" "
		"width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
		"data-xpad=\"%d\">\n", g->width, g->height, g->width,
		g->height, XPAD);
	fprintf(out, "<style type=\"text/css\"><![CDATA[\n%s]]></style>\n",
		style);
	fprintf(out, "<script type=\"text/ecmascript\"><![CDATA[\n%s]]>"
		"</script>\n", script);
	fprintf(out, "<rect x=\"0\" y=\"0\" width=\"%d\" height=\"%d\" "
		"fill=\"#f8f4ec\"/>\n", g->width, g->height);
	if (!title) {
		snprintf(buf, sizeof(buf), "autocue-trace: pid %d, %.1f s",
			 (int)s->pid, s->duration_s);
		title = buf;
	}
	fprintf(out, "<text id=\"title\" x=\"%d\" y=\"24\">", g->width / 2);
	put_escaped(out, title, strlen(title));
	fprintf(out, "</text>\n<text id=\"subtitle\" x=\"%d\" y=\"44\">",
		g->width / 2);
	if (subtitle)
		put_escaped(out, subtitle, strlen(subtitle));
	else if (s->compensated)
		fprintf(out, "width = time including callees; %.3f us of probe "
			"cost subtracted per call", s->pair_ns / 1e3);
	else
		fputs("width = time including callees; raw figures (no "
		      "compensation)", out);
	fputs("</text>\n", out);
	fprintf(out, "<text id=\"resetzoom\" x=\"%d\" y=\"24\" "
		"style=\"display:none\">Reset Zoom</text>\n", XPAD);
	fprintf(out, "<text id=\"search\" x=\"%d\" y=\"24\">Search</text>\n",
		g->width - XPAD);
	fprintf(out, "<text id=\"matched\" x=\"%d\" y=\"%d\"></text>\n",
		g->width - XPAD, g->height - 12);
	fprintf(out, "<text id=\"details\" x=\"%d\" y=\"%d\"> </text>\n",
		XPAD, g->height - 12);
}

int ac_svg_print(FILE *out, const struct ac_snapshot *s,
		 const struct ac_svg_opts *o)
{
	struct graph g = {};
	int err;

	if (!out || !s)
		return -EINVAL;
	err = build(&g, s);
	if (err)
		goto cleanup;
	g.width = o && o->width > 0 ? o->width : 1200;
	if (g.width < 2 * XPAD + 100)
		g.width = 2 * XPAD + 100;
	g.height = TOP_PAD + g.levels * FRAME_H + BOTTOM_PAD;
	if (g.root.total_ns)
		g.px_per_ns = (double)(g.width - 2 * XPAD) / g.root.total_ns;

	put_header(out, &g, s, o ? o->title : NULL, o ? o->subtitle : NULL);
	if (g.root.total_ns)
		put_frames(out, &g, &g.root, 0, XPAD, o ? o->unit : NULL);
	else
		fprintf(out, "<text x=\"%d\" y=\"%d\">no %s "
			"recorded</text>\n", XPAD, TOP_PAD + FRAME_H,
			o && o->unit ? o->unit : "call paths");
	fputs("</svg>\n", out);
	if (fflush(out) || ferror(out))
		err = -(errno ? errno : EIO);

cleanup:
	free_kids(&g.root);
	return err;
}

struct svg_args {
	const struct ac_snapshot *s;
	const struct ac_svg_opts *o;
};

static int print_svg(FILE *f, const void *arg)
{
	const struct svg_args *a = arg;

	return ac_svg_print(f, a->s, a->o);
}

int ac_svg_write_opts(const char *path, const struct ac_snapshot *s,
		      const struct ac_svg_opts *o)
{
	struct svg_args a = { s, o };

	return ac_outfile_write(path, print_svg, &a);
}

int ac_svg_write(const char *path, const struct ac_snapshot *s)
{
	return ac_svg_write_opts(path, s, NULL);
}

/* read_docx: a Word document (DOCX) to a tt_page (see readers.h).
 *
 * A DOCX is a zip; only word/document.xml is read. Word tables are read as they are
 * written, without drawing anything:
 *   - w:tblGrid's w:gridCol widths are the lattice columns; each w:tr is a lattice row
 *     (w:trHeight its height when given);
 *   - a w:tc covers w:gridSpan columns from where the row has got to (after w:gridBefore);
 *     a w:tc with w:vMerge="restart" opens a vertical merge and each following row's w:tc
 *     with a bare w:vMerge (or "continue") at the same grid column extends it downwards;
 *   - a cell's paragraphs are its lines (w:br and w:cr break lines too); a line's height
 *     is its largest run size (w:sz, half-points), which is what tells a title from notes;
 *     w:textDirection btLr (reads upwards) is rotation 90, tbRl (downwards) 270;
 *   - paragraphs outside the tables are the free text (titles, "Teacher: ...");
 *   - text boxes anchored in a paragraph, and the cells of a frame (a table of at most
 *     2 x 2 cells boxing a table), are read like the body where they stand.
 * Positions are in points, from the grid widths and row heights, so proportional splits
 * work as on a drawn page.
 *
 * A document without tables may hold the timetable as a picture (a screenshot or a scan
 * pasted into Word): tt_docx_picture hands its largest picture to the raster reader.
 *
 * Hostile input: the zip is opened from memory with libzip's consistency checks; the
 * entry count is bounded; document.xml's declared size and compression ratio are checked
 * before a byte is inflated, and inflating stops at the declared size (a bomb is refused,
 * not unpacked). The XML is parsed with libxml2 without network access, without entity
 * substitution and without loading DTDs; a document that declares a DTD at all is refused
 * (Word never writes one; it is how entity bombs and XXE arrive). libxml2 bounds the depth
 * of the parse (256 without XML_PARSE_HUGE) and the walk here bounds its own recursion.
 *
 * Thread safety: no shared state; libxml2 and libzip objects live for one call. */
#include <ctype.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <zip.h>

#include "core/sbuf.h"
#include "document/readers.h"

#define DOCX_MAX_ENTRIES 4096
#define DOCX_MAX_XML     ((zip_uint64_t)16 << 20) /* inflated document.xml */
#define DOCX_RATIO_FROM  ((zip_uint64_t)1 << 20)  /* the ratio bound applies past 1 MiB */
#define DOCX_MAX_RATIO   100                      /* inflated / compressed */
#define DOCX_MAX_DEPTH   64                       /* element nesting the walk follows */
#define DOCX_MAX_TABLES  32
#define DOCX_MAX_GRID    400 /* rows or columns of one table */
#define DOCX_MAX_LINE    4096
#define DOCX_DEFAULT_SZ  22 /* half-points: Word's default run size, 11 pt */

/* ---- the zip ---- */

/* Opens the archive in data (borrowed) with libzip's consistency checks and the entry
 * bound. */
static ap_status zip_open_memory(const unsigned char *data, size_t len, zip_t **out, ap_error *err)
{
    zip_error_t zerr;
    zip_source_t *src;
    *out = NULL;
    zip_error_init(&zerr);
    if (!(src = zip_source_buffer_create(data, len, 0, &zerr))) {
        zip_error_fini(&zerr);
        return ap_fail(err, AP_ERR_NOMEM, "docx: out of memory");
    }
    zip_t *za = zip_open_from_source(src, ZIP_RDONLY | ZIP_CHECKCONS, &zerr);
    if (!za) {
        zip_source_free(src);
        ap_status st = ap_fail(err, AP_ERR_INVALID, "docx: not a readable zip archive: %s",
                               zip_error_strerror(&zerr));
        zip_error_fini(&zerr);
        return st;
    }
    zip_error_fini(&zerr);
    zip_int64_t entries = zip_get_num_entries(za, 0);
    if (entries < 0 || entries > DOCX_MAX_ENTRIES) {
        zip_discard(za);
        return ap_fail(err, AP_ERR_TOO_LARGE, "docx: %lld entries in the archive; at most %d",
                       (long long)entries, DOCX_MAX_ENTRIES);
    }
    *out = za;
    return AP_OK;
}

/* Inflates entry idx into *buf (caller frees, NUL-terminated) after checking its declared
 * size against max and, when ratio_bound, its compression ratio: a bomb is refused before
 * a byte is inflated, and inflating stops one byte past the declared size. */
static ap_status zip_inflate(zip_t *za, zip_int64_t idx, zip_uint64_t max, int ratio_bound,
                             char **buf_out, size_t *len_out, ap_error *err)
{
    ap_status st = AP_OK;
    const char *name = zip_get_name(za, (zip_uint64_t)idx, 0);
    zip_file_t *zf = NULL;
    char *buf = NULL;
    zip_stat_t sb;
    *buf_out = NULL;
    *len_out = 0;
    if (!name) name = "?";
    zip_stat_init(&sb);
    if (zip_stat_index(za, (zip_uint64_t)idx, 0, &sb) != 0 || !(sb.valid & ZIP_STAT_SIZE) ||
        !(sb.valid & ZIP_STAT_COMP_SIZE))
        return ap_fail(err, AP_ERR_INVALID, "docx: %s: %s", name, zip_strerror(za));
    if (sb.size > max)
        return ap_fail(err, AP_ERR_TOO_LARGE, "docx: %s inflates to %llu bytes; at most %llu", name,
                       (unsigned long long)sb.size, (unsigned long long)max);
    zip_uint64_t ratio = sb.size / (sb.comp_size ? sb.comp_size : 1);
    if (ratio_bound && sb.size > DOCX_RATIO_FROM && ratio > DOCX_MAX_RATIO)
        return ap_fail(err, AP_ERR_TOO_LARGE,
                       "docx: %s inflates %llu times (%llu to %llu bytes): refused as a "
                       "decompression bomb",
                       name, (unsigned long long)ratio, (unsigned long long)sb.comp_size,
                       (unsigned long long)sb.size);
    if (!(zf = zip_fopen_index(za, (zip_uint64_t)idx, 0)))
        return ap_fail(err, AP_ERR_INVALID, "docx: %s: %s", name, zip_strerror(za));
    /* One byte more than declared: an entry that inflates past its declared size is
     * caught here instead of being trusted. */
    size_t cap = (size_t)sb.size + 1, got = 0;
    if (!(buf = malloc(cap + 1))) {
        st = ap_fail(err, AP_ERR_NOMEM, "docx: out of memory");
        goto out;
    }
    for (;;) {
        zip_int64_t n = zip_fread(zf, buf + got, cap - got);
        if (n < 0) {
            st = ap_fail(err, AP_ERR_INVALID, "docx: %s: %s", name, zip_file_strerror(zf));
            goto out;
        }
        if (n == 0) break;
        got += (size_t)n;
        if (got >= cap) {
            st = ap_fail(err, AP_ERR_INVALID, "docx: %s inflates past its declared size", name);
            goto out;
        }
    }
    buf[got] = '\0';
    *buf_out = buf;
    *len_out = got;
    buf = NULL;
out:
    free(buf);
    zip_fclose(zf);
    return st;
}

/* Inflates word/document.xml into *xml (caller frees, NUL-terminated). */
static ap_status read_document_xml(const unsigned char *data, size_t len, char **xml,
                                   size_t *xml_len, ap_error *err)
{
    zip_t *za;
    ap_status st = zip_open_memory(data, len, &za, err);
    if (st != AP_OK) return st;
    zip_int64_t idx = zip_name_locate(za, "word/document.xml", 0);
    if (idx < 0)
        st = ap_fail(err, AP_ERR_INVALID,
                     "docx: not a Word document (the archive has no word/document.xml)");
    else
        st = zip_inflate(za, idx, DOCX_MAX_XML, 1, xml, xml_len, err);
    zip_discard(za);
    return st;
}

/* Whether an archive entry is a picture of a kind the raster reader decodes. */
static int is_picture(const char *name)
{
    static const char *const exts[] = {".png",  ".jpg", ".jpeg", ".tif",
                                       ".tiff", ".bmp", ".gif",  ".webp"};
    size_t n = strlen(name);
    if (strncmp(name, "word/media/", 11) != 0) return 0;
    for (size_t k = 0; k < sizeof exts / sizeof exts[0]; k++) {
        size_t e = strlen(exts[k]);
        if (n > 11 + e && strcasecmp(name + n - e, exts[k]) == 0) return 1;
    }
    return 0;
}

ap_status tt_docx_picture(const unsigned char *data, size_t len, size_t max,
                          unsigned char **picture, size_t *picture_len, ap_error *err)
{
    zip_t *za;
    *picture = NULL;
    *picture_len = 0;
    ap_status st = zip_open_memory(data, len, &za, err);
    if (st != AP_OK) return st;
    zip_int64_t best = -1;
    zip_uint64_t best_size = 0;
    zip_int64_t entries = zip_get_num_entries(za, 0);
    for (zip_int64_t i = 0; i < entries; i++) {
        zip_stat_t sb;
        zip_stat_init(&sb);
        if (zip_stat_index(za, (zip_uint64_t)i, 0, &sb) != 0 || !(sb.valid & ZIP_STAT_NAME) ||
            !(sb.valid & ZIP_STAT_SIZE) || !is_picture(sb.name))
            continue;
        if (sb.size > best_size) best = i, best_size = sb.size;
    }
    /* Pictures are compressed already, so no ratio bound: max bounds the memory, and the
     * raster reader bounds the pixels. */
    if (best >= 0) st = zip_inflate(za, best, max, 0, (char **)picture, picture_len, err);
    zip_discard(za);
    return st;
}

/* ---- the XML ---- */

/* Whether node is the WordprocessingML element `name` (transitional or strict namespace). */
static int is_w(const xmlNode *node, const char *name)
{
    if (!node || node->type != XML_ELEMENT_NODE || strcmp((const char *)node->name, name) != 0)
        return 0;
    if (!node->ns || !node->ns->href) return 0;
    const char *href = (const char *)node->ns->href;
    return strcmp(href, "http://schemas.openxmlformats.org/wordprocessingml/2006/main") == 0 ||
           strcmp(href, "http://purl.oclc.org/ooxml/wordprocessingml/main") == 0;
}

static const xmlNode *child_w(const xmlNode *node, const char *name)
{
    for (const xmlNode *c = node ? node->children : NULL; c; c = c->next)
        if (is_w(c, name)) return c;
    return NULL;
}

/* The integer value of attribute `name` (any namespace), or dflt when absent or not a
 * number in [lo, hi]. */
static long attr_long(const xmlNode *node, const char *name, long lo, long hi, long dflt)
{
    if (!node) return dflt;
    xmlChar *v = xmlGetProp(node, (const xmlChar *)name);
    if (!v) return dflt;
    char *end = NULL;
    long n = strtol((const char *)v, &end, 10);
    int ok = end != (char *)v && n >= lo && n <= hi;
    xmlFree(v);
    return ok ? n : dflt;
}

/* Whether attribute `name` equals value; absent counts as dflt_match. */
static int attr_is(const xmlNode *node, const char *name, const char *value, int dflt_match)
{
    xmlChar *v = xmlGetProp(node, (const xmlChar *)name);
    if (!v) return dflt_match;
    int match = strcmp((const char *)v, value) == 0;
    xmlFree(v);
    return match;
}

/* Elements that wrap content without meaning for us (content controls, custom XML,
 * tracked insertions, hyperlinks, smart tags, simple fields): their content is read as
 * if it stood in their place. */
static int is_wrapper(const xmlNode *n)
{
    return is_w(n, "sdt") || is_w(n, "sdtContent") || is_w(n, "customXml") || is_w(n, "ins") ||
           is_w(n, "hyperlink") || is_w(n, "smartTag") || is_w(n, "fldSimple") || is_w(n, "moveTo");
}

typedef struct walk {
    ap_status st;
    ap_error *err;
    int too_deep;
} walk;

/* One paragraph's lines, being built: w:br starts a new one. */
typedef struct para_text {
    sbuf line;
    int size;     /* largest run size in the line, half-points */
    unsigned ink; /* 0xRRGGBB of the first run of that size (w:color; auto is black) */
    tt_line *lines;
    size_t nlines;
} para_text;

static void para_flush(para_text *p, float cell_w_pt)
{
    /* trim spaces at both ends; a line of nothing but spaces is no line */
    char *s = p->line.data;
    size_t len = p->line.len;
    if (s && !p->line.oom) {
        size_t a = 0;
        while (a < len && (s[a] == ' ' || s[a] == '\t'))
            a++;
        while (len > a && (s[len - 1] == ' ' || s[len - 1] == '\t'))
            len--;
        if (len > a) {
            s[len] = '\0';
            float size_pt = (float)(p->size ? p->size : DOCX_DEFAULT_SZ) / 2.0f;
            size_t chars = 0;
            for (size_t i = a; i < len; i++)
                chars += ((unsigned char)s[i] & 0xc0) != 0x80;
            /* Word wraps lines itself, so the width is an estimate (half an em per
             * character) that only says whether a line fills its cell. */
            float width = cell_w_pt > 0 ? (float)chars * size_pt * 0.5f / cell_w_pt : 0;
            if (width > 1) width = 1;
            if (tt_lines_add(&p->lines, &p->nlines, s + a, 100.0f, size_pt, width) != AP_OK) {
                p->line.oom = true;
            } else {
                p->lines[p->nlines - 1].ink = TT_INK_KNOWN | p->ink;
                p->lines[p->nlines - 1].flags = TT_LINE_EXACT;
            }
        }
    }
    bool oom = p->line.oom;
    sbuf_free(&p->line);
    p->line.oom = oom;
    p->size = 0;
    p->ink = 0;
}

/* A run's colour from its w:color (w:val="RRGGBB"); "auto", absent or malformed is black,
 * the colour Word shows for them on a white page. */
static unsigned run_color(const xmlNode *color)
{
    xmlChar *v = color ? xmlGetProp(color, (const xmlChar *)"val") : NULL;
    unsigned rgb = 0;
    if (v && strlen((const char *)v) == 6 && strspn((const char *)v, "0123456789abcdefABCDEF") == 6)
        rgb = (unsigned)strtoul((const char *)v, NULL, 16);
    xmlFree(v);
    return rgb;
}

/* Appends the text under node (a paragraph's content) to p. */
static void para_collect(walk *w, const xmlNode *node, para_text *p, float cell_w, int depth)
{
    if (depth > DOCX_MAX_DEPTH) {
        w->too_deep = 1;
        return;
    }
    for (const xmlNode *c = node->children; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE) continue;
        if (is_w(c, "r")) {
            const xmlNode *rpr = child_w(c, "rPr");
            int size = (int)attr_long(child_w(rpr, "sz"), "val", 1, 3276, DOCX_DEFAULT_SZ);
            unsigned ink = run_color(child_w(rpr, "color"));
            int had_text = 0;
            for (const xmlNode *k = c->children; k; k = k->next) {
                if (is_w(k, "t")) {
                    xmlChar *t = xmlNodeGetContent(k);
                    if (t) {
                        /* a newline inside w:t is white space to Word */
                        for (xmlChar *q = t; *q; q++)
                            if (*q == '\n' || *q == '\r' || *q == '\t') *q = ' ';
                        if (p->line.len + strlen((const char *)t) < DOCX_MAX_LINE)
                            sbuf_puts(&p->line, (const char *)t);
                        had_text |= t[0] != '\0';
                        xmlFree(t);
                    } else {
                        p->line.oom = true;
                    }
                } else if (is_w(k, "tab")) {
                    sbuf_puts(&p->line, " ");
                } else if (is_w(k, "noBreakHyphen")) {
                    sbuf_puts(&p->line, "-");
                } else if (is_w(k, "br") || is_w(k, "cr")) {
                    para_flush(p, cell_w);
                }
                if (had_text && size > p->size) p->size = size, p->ink = ink;
            }
        } else if (is_wrapper(c)) {
            para_collect(w, c, p, cell_w, depth + 1);
        }
    }
}

/* The lines of paragraph node, appended to *lines. */
static void paragraph_lines(walk *w, const xmlNode *node, float cell_w, tt_line **lines,
                            size_t *nlines)
{
    para_text p = {.lines = *lines, .nlines = *nlines};
    para_collect(w, node, &p, cell_w, 0);
    para_flush(&p, cell_w);
    *lines = p.lines;
    *nlines = p.nlines;
    if (p.line.oom && w->st == AP_OK) w->st = ap_fail(w->err, AP_ERR_NOMEM, "docx: out of memory");
}

/* The lines of every paragraph under node (a cell, or a table nested in one), in order. */
static void block_lines(walk *w, const xmlNode *node, float cell_w, tt_line **lines, size_t *nlines,
                        int depth)
{
    if (depth > DOCX_MAX_DEPTH) {
        w->too_deep = 1;
        return;
    }
    for (const xmlNode *c = node->children; c && w->st == AP_OK; c = c->next) {
        if (is_w(c, "p"))
            paragraph_lines(w, c, cell_w, lines, nlines);
        else if (is_w(c, "tbl") || is_w(c, "tr") || is_w(c, "tc") || is_wrapper(c))
            block_lines(w, c, cell_w, lines, nlines, depth + 1);
    }
}

/* ---- tables ---- */

typedef struct tbl_state {
    tt_table *t;
    int widths[DOCX_MAX_GRID]; /* twips */
    int ngrid;
    int heights[DOCX_MAX_GRID]; /* twips */
    int open[DOCX_MAX_GRID];    /* cell index starting at this grid column in the row above */
    size_t cap;
} tbl_state;

static int grid_x(const tbl_state *s, int col)
{
    long x = 0;
    for (int i = 0; i < col && i < DOCX_MAX_GRID; i++)
        x += s->widths[i];
    return (int)(x > INT_MAX ? INT_MAX : x);
}

static void table_cell(walk *w, tbl_state *s, const xmlNode *tc, int row, int *col)
{
    tt_table *t = s->t;
    const xmlNode *pr = child_w(tc, "tcPr");
    int span = (int)attr_long(child_w(pr, "gridSpan"), "val", 1, DOCX_MAX_GRID, 1);
    const xmlNode *vm = child_w(pr, "vMerge");
    int restart = vm && attr_is(vm, "val", "restart", 0);
    int cont = vm && !restart;
    if (*col + span > DOCX_MAX_GRID) {
        w->st =
            ap_fail(w->err, AP_ERR_TOO_LARGE, "docx: a table wider than %d columns", DOCX_MAX_GRID);
        return;
    }
    int above = s->open[*col];
    if (cont && above >= 0 && t->cells[above].col == *col &&
        t->cells[above].row + t->cells[above].nrows == row) {
        t->cells[above].nrows++;
        *col += span;
        return;
    }
    if (t->ncells == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 32;
        tt_cell *grown = realloc(t->cells, cap * sizeof *grown);
        if (!grown) {
            w->st = ap_fail(w->err, AP_ERR_NOMEM, "docx: out of memory");
            return;
        }
        t->cells = grown;
        s->cap = cap;
    }
    tt_cell *cell = &t->cells[t->ncells];
    *cell = (tt_cell){.row = row, .col = *col, .nrows = 1, .ncols = span, .confidence = 100.0f};
    xmlChar *dir = NULL;
    const xmlNode *td = child_w(pr, "textDirection");
    if (td && (dir = xmlGetProp(td, (const xmlChar *)"val"))) {
        const char *d = (const char *)dir;
        cell->rotation = strcmp(d, "btLr") == 0                                  ? 90
                         : strncmp(d, "tbRl", 4) == 0 || strcmp(d, "tbLrV") == 0 ? 270
                                                                                 : 0;
        xmlFree(dir);
    }
    long width = 0;
    for (int k = *col; k < *col + span; k++)
        width += k < s->ngrid ? s->widths[k] : 0;
    /* inner width: less Word's default cell margins (0.08 in each side) */
    float inner = (float)width / 20.0f - 11.5f;
    block_lines(w, tc, inner > 4 ? inner : 4, &cell->lines, &cell->nlines, 0);
    t->ncells++;
    s->open[*col] = (int)t->ncells - 1;
    *col += span;
}

static void table_row(walk *w, tbl_state *s, const xmlNode *tr, int depth)
{
    tt_table *t = s->t;
    if (depth > DOCX_MAX_DEPTH) {
        w->too_deep = 1;
        return;
    }
    if (t->nrows >= DOCX_MAX_GRID) {
        w->st =
            ap_fail(w->err, AP_ERR_TOO_LARGE, "docx: a table longer than %d rows", DOCX_MAX_GRID);
        return;
    }
    int row = t->nrows++;
    const xmlNode *pr = child_w(tr, "trPr");
    int col = (int)attr_long(child_w(pr, "gridBefore"), "val", 0, DOCX_MAX_GRID - 1, 0);
    s->heights[row] = (int)attr_long(child_w(pr, "trHeight"), "val", 0, 31680, 0);
    int needed = 0; /* twips the tallest new cell's lines take */
    for (const xmlNode *c = tr->children; c && w->st == AP_OK; c = c->next) {
        if (is_w(c, "tc")) {
            size_t before = t->ncells;
            table_cell(w, s, c, row, &col);
            for (size_t i = before; i < t->ncells; i++) {
                int h = 0;
                for (size_t k = 0; k < t->cells[i].nlines; k++)
                    h += (int)(t->cells[i].lines[k].height * 24.0f); /* 1.2 line, in twips */
                if (h > needed) needed = h;
            }
        } else if (is_w(c, "sdt") || is_w(c, "sdtContent") || is_w(c, "customXml")) {
            /* a cell wrapped in a content control */
            for (const xmlNode *k = c->children; k && w->st == AP_OK; k = k->next)
                if (is_w(k, "tc"))
                    table_cell(w, s, k, row, &col);
                else if (is_w(k, "sdtContent"))
                    for (const xmlNode *q = k->children; q && w->st == AP_OK; q = q->next)
                        if (is_w(q, "tc")) table_cell(w, s, q, row, &col);
        }
    }
    /* Rows without a declared height: as tall as their text needs, roughly. */
    if (s->heights[row] == 0) s->heights[row] = needed > 300 ? needed : 300;
    if (col > t->ncols) t->ncols = col;
}

/* Reads a w:tbl into t (positions in points from y0 down). */
static void read_table(walk *w, const xmlNode *tbl, tt_table *t, int y0, int depth)
{
    tbl_state *s = calloc(1, sizeof *s);
    if (!s) {
        w->st = ap_fail(w->err, AP_ERR_NOMEM, "docx: out of memory");
        return;
    }
    s->t = t;
    memset(t, 0, sizeof *t);
    for (int i = 0; i < DOCX_MAX_GRID; i++)
        s->open[i] = -1;
    for (const xmlNode *c = child_w(tbl, "tblGrid") ? child_w(tbl, "tblGrid")->children : NULL;
         c && s->ngrid < DOCX_MAX_GRID; c = c->next)
        if (is_w(c, "gridCol")) s->widths[s->ngrid++] = (int)attr_long(c, "w", 0, 31680, 0);
    for (const xmlNode *c = tbl->children; c && w->st == AP_OK; c = c->next) {
        if (is_w(c, "tr"))
            table_row(w, s, c, depth + 1);
        else if (is_w(c, "sdt") || is_w(c, "customXml"))
            for (const xmlNode *k = c->children; k && w->st == AP_OK; k = k->next) {
                if (is_w(k, "tr"))
                    table_row(w, s, k, depth + 1);
                else if (is_w(k, "sdtContent"))
                    for (const xmlNode *q = k->children; q && w->st == AP_OK; q = q->next)
                        if (is_w(q, "tr")) table_row(w, s, q, depth + 1);
            }
    }
    if (w->st != AP_OK) goto out;
    /* Columns the grid does not declare (or declares as 0) get the mean declared width. */
    long sum = 0;
    int known = 0;
    for (int i = 0; i < s->ngrid; i++)
        if (s->widths[i] > 0) sum += s->widths[i], known++;
    int mean = known ? (int)(sum / known) : 1440;
    for (int i = 0; i < t->ncols; i++)
        if (i >= s->ngrid || s->widths[i] <= 0) s->widths[i] = mean;
    if (t->nrows == 0 || t->ncols == 0) goto out;
    t->row_pos = malloc((size_t)(t->nrows + 1) * sizeof *t->row_pos);
    t->col_pos = malloc((size_t)(t->ncols + 1) * sizeof *t->col_pos);
    if (!t->row_pos || !t->col_pos) {
        w->st = ap_fail(w->err, AP_ERR_NOMEM, "docx: out of memory");
        goto out;
    }
    long y = 0;
    for (int r = 0; r <= t->nrows; r++) {
        t->row_pos[r] = y0 + (int)(y / 20);
        if (r < t->nrows) y += s->heights[r];
    }
    for (int c = 0; c <= t->ncols; c++)
        t->col_pos[c] = 54 + grid_x(s, c) / 20;
    for (size_t i = 0; i < t->ncells; i++) {
        tt_cell *cell = &t->cells[i];
        int x0 = t->col_pos[cell->col], x1 = t->col_pos[cell->col + cell->ncols];
        int ya = t->row_pos[cell->row], yb = t->row_pos[cell->row + cell->nrows];
        cell->bbox = (tt_bbox){.page = 1, .x = x0, .y = ya, .w = x1 - x0, .h = yb - ya};
    }
    t->bbox = (tt_bbox){.page = 1,
                        .x = t->col_pos[0],
                        .y = t->row_pos[0],
                        .w = t->col_pos[t->ncols] - t->col_pos[0],
                        .h = t->row_pos[t->nrows] - t->row_pos[0]};
out:
    free(s);
}

/* A table's heading: the paragraphs just above it (after the previous table) that name
 * days ("Daily Schedule" / "Monday - Wednesday") say which days a list of times is for,
 * as a heading row inside a drawn table would. They become a first row spanning the
 * table, so the interpreter reads them with the table they belong to. Lines are copied
 * from the free text, which keeps them for the header fields. */
static ap_status add_heading_row(tt_table *t, const tt_line *lines, size_t n)
{
    int any = 0;
    for (size_t i = 0; i < n; i++)
        any |= tt_text_names_day(lines[i].text, strlen(lines[i].text));
    if (!any || t->ncols == 0 || !t->row_pos) return AP_OK;
    tt_cell *cells = realloc(t->cells, (t->ncells + 1) * sizeof *cells);
    int *rows = realloc(t->row_pos, (size_t)(t->nrows + 2) * sizeof *rows);
    if (cells) t->cells = cells;
    if (rows) t->row_pos = rows;
    if (!cells || !rows) return AP_ERR_NOMEM;
    memmove(t->cells + 1, t->cells, t->ncells * sizeof *t->cells);
    memmove(t->row_pos + 1, t->row_pos, (size_t)(t->nrows + 1) * sizeof *t->row_pos);
    t->ncells++;
    t->nrows++;
    int height = 0;
    for (size_t i = 0; i < n; i++)
        height += (int)(lines[i].height * 1.2f);
    t->row_pos[0] = t->row_pos[1] - height;
    for (size_t i = 1; i < t->ncells; i++)
        t->cells[i].row++;
    tt_cell *c = &t->cells[0];
    *c = (tt_cell){
        .row = 0,
        .col = 0,
        .nrows = 1,
        .ncols = t->ncols,
        .confidence = 100.0f,
        .bbox = {.page = 1, .x = t->bbox.x, .y = t->row_pos[0], .w = t->bbox.w, .h = height}};
    for (size_t i = 0; i < n; i++) {
        if (tt_lines_add(&c->lines, &c->nlines, lines[i].text, lines[i].confidence, lines[i].height,
                         lines[i].width) != AP_OK)
            return AP_ERR_NOMEM;
        c->lines[c->nlines - 1].ink = lines[i].ink;
        c->lines[c->nlines - 1].flags = lines[i].flags;
    }
    return AP_OK;
}

#define DOCX_HEADING_LINES 3 /* paragraph lines above a table that may be its heading */

/* The body's content in order: paragraphs to free text, tables to tables. *y: a running
 * vertical position in points, for the boxes; *since: free lines since the last table. */
static void read_body(walk *w, const xmlNode *node, tt_page *page, int *y, size_t *since,
                      int depth);

/* Text boxes anchored in a paragraph's runs (w:drawing ... wps:txbx, or VML's w:pict ...
 * v:textbox) hold paragraphs and tables like the body: titles and whole timetables are
 * often set in them. Of an mc:AlternateContent only the first choice is read, since its
 * fallback repeats the same box. */
static void read_text_boxes(walk *w, const xmlNode *node, tt_page *page, int *y, size_t *since,
                            int depth)
{
    if (depth > DOCX_MAX_DEPTH) {
        w->too_deep = 1;
        return;
    }
    for (const xmlNode *c = node->children; c && w->st == AP_OK; c = c->next) {
        if (c->type != XML_ELEMENT_NODE) continue;
        if (is_w(c, "txbxContent")) {
            read_body(w, c, page, y, since, depth + 1);
        } else if (strcmp((const char *)c->name, "AlternateContent") == 0) {
            const xmlNode *k = c->children;
            while (k && k->type != XML_ELEMENT_NODE)
                k = k->next;
            if (k) read_text_boxes(w, k, page, y, since, depth + 1);
        } else {
            read_text_boxes(w, c, page, y, since, depth + 1);
        }
    }
}

/* Whether tbl is a frame around a table: at most 2 x 2 cells, one of them holding a table
 * (a title boxed together with the timetable). A frame's cells are read like the body;
 * tables nested in a real timetable's cells (a split cell) stay lines of their cell. */
static int is_frame(const xmlNode *tbl)
{
    int rows = 0, nested = 0;
    for (const xmlNode *tr = tbl->children; tr; tr = tr->next) {
        if (!is_w(tr, "tr")) continue;
        int cells = 0;
        for (const xmlNode *tc = tr->children; tc; tc = tc->next) {
            if (!is_w(tc, "tc")) continue;
            cells++;
            nested |= child_w(tc, "tbl") != NULL;
        }
        if (++rows > 2 || cells > 2) return 0;
    }
    return nested;
}

static void read_body(walk *w, const xmlNode *node, tt_page *page, int *y, size_t *since, int depth)
{
    if (depth > DOCX_MAX_DEPTH) {
        w->too_deep = 1;
        return;
    }
    for (const xmlNode *c = node->children; c && w->st == AP_OK; c = c->next) {
        if (is_w(c, "tbl") && is_frame(c)) {
            for (const xmlNode *tr = c->children; tr && w->st == AP_OK; tr = tr->next)
                if (is_w(tr, "tr"))
                    for (const xmlNode *tc = tr->children; tc && w->st == AP_OK; tc = tc->next)
                        if (is_w(tc, "tc")) read_body(w, tc, page, y, since, depth + 2);
        } else if (is_w(c, "p")) {
            size_t before = page->nfree;
            paragraph_lines(w, c, 0, &page->free_text, &page->nfree);
            for (size_t i = before; i < page->nfree; i++)
                *y += (int)(page->free_text[i].height * 1.2f);
            read_text_boxes(w, c, page, y, since, depth + 1);
        } else if (is_w(c, "tbl")) {
            if (page->ntables >= DOCX_MAX_TABLES) continue;
            tt_table *grown = realloc(page->tables, (page->ntables + 1) * sizeof *grown);
            if (!grown) {
                w->st = ap_fail(w->err, AP_ERR_NOMEM, "docx: out of memory");
                return;
            }
            page->tables = grown;
            tt_table *t = &page->tables[page->ntables++];
            read_table(w, c, t, *y, depth + 1);
            if (w->st != AP_OK) return;
            size_t from = *since, n = page->nfree - from;
            if (n > DOCX_HEADING_LINES) from += n - DOCX_HEADING_LINES, n = DOCX_HEADING_LINES;
            if (add_heading_row(t, page->free_text + from, n) != AP_OK) {
                w->st = ap_fail(w->err, AP_ERR_NOMEM, "docx: out of memory");
                return;
            }
            *since = page->nfree;
            if (t->nrows && t->row_pos) *y = t->row_pos[t->nrows] + 6;
        } else if (is_wrapper(c)) {
            read_body(w, c, page, y, since, depth + 1);
        }
    }
}

/* Whether the XML declares a DTD: Word documents never do. */
static int declares_dtd(const char *xml, size_t len)
{
    static const char tag[] = "<!DOCTYPE";
    size_t n = sizeof tag - 1;
    for (size_t i = 0; i + n <= len; i++)
        if (xml[i] == '<' && memcmp(xml + i, tag, n) == 0) return 1;
    return 0;
}

ap_status tt_read_docx(const unsigned char *data, size_t len, tt_page *page, ap_error *err)
{
    ap_status st;
    char *xml = NULL;
    size_t xml_len = 0;
    xmlParserCtxtPtr pctx = NULL;
    xmlDocPtr doc = NULL;
    memset(page, 0, sizeof *page);
    page->number = 1;
    if ((st = read_document_xml(data, len, &xml, &xml_len, err)) != AP_OK) goto out;
    if (xml_len > INT_MAX) {
        st = ap_fail(err, AP_ERR_TOO_LARGE, "docx: word/document.xml is too large");
        goto out;
    }
    if (declares_dtd(xml, xml_len)) {
        st = ap_fail(err, AP_ERR_INVALID,
                     "docx: word/document.xml declares a DTD (refused: Word never writes "
                     "one, and entities are not expanded)");
        goto out;
    }
    if (!(pctx = xmlNewParserCtxt())) {
        st = ap_fail(err, AP_ERR_NOMEM, "docx: out of memory");
        goto out;
    }
    /* No XML_PARSE_NOENT (no entity substitution), no DTDLOAD/DTDATTR, no HUGE (libxml2
     * keeps its depth and size limits), no network. */
    doc = xmlCtxtReadMemory(pctx, xml, (int)xml_len, "word/document.xml", NULL,
                            XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    if (!doc) {
        const xmlError *e = xmlCtxtGetLastError(pctx);
        char msg[160] = "malformed XML";
        if (e && e->message) {
            snprintf(msg, sizeof msg, "%s", e->message);
            size_t n = strlen(msg);
            while (n && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
                msg[--n] = '\0';
        }
        st = ap_fail(err, AP_ERR_INVALID, "docx: word/document.xml does not parse (line %d): %s",
                     e ? e->line : 0, msg);
        goto out;
    }
    if (doc->intSubset || doc->extSubset) {
        st = ap_fail(err, AP_ERR_INVALID, "docx: word/document.xml declares a DTD");
        goto out;
    }
    const xmlNode *root = xmlDocGetRootElement(doc);
    if (!is_w(root, "document") || !child_w(root, "body")) {
        st = ap_fail(err, AP_ERR_INVALID, "docx: word/document.xml has no w:document/w:body");
        goto out;
    }
    walk w = {.st = AP_OK, .err = err};
    int y = 54;
    size_t since = 0;
    read_body(&w, child_w(root, "body"), page, &y, &since, 0);
    if ((st = w.st) != AP_OK) goto out;
    if (w.too_deep) {
        st =
            ap_fail(err, AP_ERR_INVALID, "docx: elements nested more than %d deep", DOCX_MAX_DEPTH);
        goto out;
    }
out:
    if (st != AP_OK) tt_page_free(page);
    xmlFreeDoc(doc);
    xmlFreeParserCtxt(pctx);
    free(xml);
    return st;
}

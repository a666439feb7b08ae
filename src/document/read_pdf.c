/* read_pdf: a PDF document to tt_page grids through MuPDF (see readers.h).
 *
 * Every page is examined, in order:
 *   1. a collecting device runs the page's content and keeps the rules: stroked straight
 *      segments that run across or down the page, filled rectangles thin enough to be a
 *      line, and the outline of filled cell-sized rectangles (a coloured cell's edge is
 *      where its rules run); it also notes how much of the page images cover;
 *   2. the rules are painted as thin runs into two 1 bpp masks (2 px per point) and handed
 *      to vision/table's lattice stage, the same one the raster path uses, so rules, merged
 *      cells, partial borders and split cells mean the same thing in both paths;
 *   3. the page's structured text (characters with positions, sizes and directions) is
 *      cut into cells by each character's centre; within a cell, pieces on one baseline
 *      are one line, lines ordered the way a reader of the text's direction sees them;
 *      text outside every table is the page's free text (titles, "Teacher: ...");
 *   4. a page with (almost) no text but with drawing, or with text but no ruled table and
 *      a page-sized image (a scan, perhaps with an invisible OCR layer), or with a
 *      picture of a fifth of the page and text that names no day and no time, is rendered
 *      and takes the raster path: at the resolution of the image that covers the most of
 *      the page (its pixels map 1:1), at 200 dpi when no image covers most of it, with
 *      fewer pixels for huge pages.
 * A page without a table or text adds nothing; the interpreter skips what is not a
 * timetable.
 *
 * Bounds: TT_PDF_MAX_PAGES pages (more is refused before any is read), characters per
 * page, rules per page, pixels per rendered page, a wall-clock budget for the vector work
 * and a cap on the memory MuPDF may allocate (its allocator is ours and counts). MuPDF
 * errors are caught at each call (fz_try) and become statuses: a document that does not
 * open is AP_ERR_INVALID, never a crash.
 *
 * Thread safety: MuPDF contexts are not thread-safe, so every call makes its own context
 * (no locks, used by the calling thread only) and drops it before returning; calls on
 * different threads share nothing. */
#include <ctype.h>
#include <math.h>
#include <mupdf/fitz.h>
#include <mupdf/pdf.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/files.h"
#include "core/log.h"
#include "core/sbuf.h"
#include "core/testable.h"
#include "document/page_debug.h"
#include "document/readers.h"
#include "document/timeparse.h"
#include "vision/table.h"

#define PDF_MASK_SCALE 2.0f                /* mask pixels per point when painting rules */
#define PDF_MASK_MAX   5000                /* mask pixels along a side, whatever the page */
#define PDF_MAX_RULES  20000               /* rule segments kept per page */
#define PDF_MAX_CHARS  100000              /* characters read per page */
#define PDF_MIN_TEXT   8                   /* fewer printable characters: a scanned page */
#define PDF_RENDER_DPI 200.0f              /* a scanned page drawn as vectors, not a picture */
#define PDF_MIN_DPI    100.0               /* a coarser scan is enlarged to this */
#define PDF_MAX_RENDER ((size_t)16000000)  /* pixels of one rendered page */
#define PDF_MEM_CAP    ((size_t)512 << 20) /* bytes MuPDF may hold at once */
#define PDF_STORE      ((size_t)64 << 20)  /* MuPDF's resource cache */
#define PDF_TIME_LIMIT 30.0                /* seconds for the vector work of one document */

/* ---- MuPDF's allocator: counts what it holds and refuses past the cap ---- */

typedef struct mem_cap {
    size_t used, cap;
    int hit; /* an allocation was refused for the cap */
} mem_cap;

#define MEM_HDR 16 /* keeps the payload aligned for any type */

static void *cap_malloc(void *user, size_t size)
{
    mem_cap *m = user;
    if (size > m->cap - m->used || size > SIZE_MAX - MEM_HDR) {
        m->hit = 1;
        return NULL;
    }
    unsigned char *p = malloc(size + MEM_HDR);
    if (!p) return NULL;
    memcpy(p, &size, sizeof size);
    m->used += size;
    return p + MEM_HDR;
}

static void cap_free(void *user, void *ptr)
{
    mem_cap *m = user;
    if (!ptr) return;
    unsigned char *p = (unsigned char *)ptr - MEM_HDR;
    size_t size;
    memcpy(&size, p, sizeof size);
    m->used -= size;
    free(p);
}

static void *cap_realloc(void *user, void *ptr, size_t size)
{
    mem_cap *m = user;
    if (!ptr) return cap_malloc(user, size);
    if (size == 0) {
        cap_free(user, ptr);
        return NULL;
    }
    unsigned char *p = (unsigned char *)ptr - MEM_HDR;
    size_t old;
    memcpy(&old, p, sizeof old);
    if ((size > old && size - old > m->cap - m->used) || size > SIZE_MAX - MEM_HDR) {
        m->hit = 1;
        return NULL;
    }
    unsigned char *q = realloc(p, size + MEM_HDR);
    if (!q) return NULL;
    memcpy(q, &size, sizeof size);
    m->used = m->used - old + size;
    return q + MEM_HDR;
}

static void quiet_mupdf(void *user, const char *message)
{
    (void)user;
    log_debug("pdf: mupdf: %s", message);
}

/* ---- rules: the collecting device ---- */

typedef struct rule {
    float x0, y0, x1, y1; /* page points; x0 <= x1, y0 <= y1 */
    float thick;
    int horizontal;
    int drawn; /* drawn as a line (a stroke or a thin bar), not a fill's edge or implied */
} rule;

typedef struct collector {
    fz_device super; /* first: MuPDF hands the device back as this */
    rule *rules;     /* our own malloc, not MuPDF's */
    size_t nrules, cap;
    int oom, too_many, timed_out;
    fz_rect page;
    double page_area, image_area;
    double image_ppp;  /* pixels per point of the image covering the most of the page */
    double image_best; /* the page area that image covers */
    size_t paths;
    struct timespec deadline;
    unsigned calls;
    /* path walking */
    fz_matrix ctm;
    int stroking;
    float thick;
    fz_point cur, start;
    fz_rect *fills; /* coloured cell-sized rectangles: one cell each, never split */
    size_t nfills, fills_cap;
    fz_rect *panels; /* coloured rectangles behind a whole table (a list): its outline */
    size_t npanels, panels_cap;
    fz_point pts[6]; /* the current subpath's corners while it may still be a rectangle */
    int npts, rect_ok;
    int fill_edges; /* the fill is coloured: its rectangles' edges are rules */
} collector;

static int past_deadline(const struct timespec *deadline)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return now.tv_sec > deadline->tv_sec ||
           (now.tv_sec == deadline->tv_sec && now.tv_nsec > deadline->tv_nsec);
}

/* Checked on every drawing call: a content stream built to take forever stops here. */
static void check_time(fz_context *ctx, collector *c)
{
    if ((++c->calls & 63) == 0 && past_deadline(&c->deadline)) {
        c->timed_out = 1;
        fz_throw(ctx, FZ_ERROR_ABORT, "time limit");
    }
}

static void add_rule_as(collector *c, float x0, float y0, float x1, float y1, float thick,
                        int horizontal, int drawn)
{
    if (c->nrules >= PDF_MAX_RULES) {
        c->too_many = 1;
        return;
    }
    if (c->nrules == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 256;
        rule *grown = realloc(c->rules, cap * sizeof *grown);
        if (!grown) {
            c->oom = 1;
            return;
        }
        c->rules = grown;
        c->cap = cap;
    }
    c->rules[c->nrules++] = (rule){.x0 = fminf(x0, x1),
                                   .y0 = fminf(y0, y1),
                                   .x1 = fmaxf(x0, x1),
                                   .y1 = fmaxf(y0, y1),
                                   .thick = thick,
                                   .horizontal = horizontal,
                                   .drawn = drawn};
}

/* A rule implied by a fill's edge or by the text. */
static void add_rule(collector *c, float x0, float y0, float x1, float y1, float thick,
                     int horizontal)
{
    add_rule_as(c, x0, y0, x1, y1, thick, horizontal, 0);
}

/* A stroked segment (page points) is a rule when it runs across or down the page. */
static void stroke_segment(collector *c, fz_point a, fz_point b)
{
    float dx = fabsf(b.x - a.x), dy = fabsf(b.y - a.y);
    if (dx >= 2 && dy <= dx * 0.02f)
        add_rule_as(c, a.x, (a.y + b.y) / 2, b.x, (a.y + b.y) / 2, c->thick, 1, 1);
    else if (dy >= 2 && dx <= dy * 0.02f)
        add_rule_as(c, (a.x + b.x) / 2, a.y, (a.x + b.x) / 2, b.y, c->thick, 0, 1);
}

/* Appends r to a bounded array of rectangles; sets c->oom when out of memory. */
static void push_rect(collector *c, fz_rect **v, size_t *n, size_t *cap, fz_rect r)
{
    if (*n >= PDF_MAX_RULES / 4) return;
    if (*n == *cap) {
        size_t grown_cap = *cap ? *cap * 2 : 64;
        fz_rect *grown = realloc(*v, grown_cap * sizeof *grown);
        if (!grown) {
            c->oom = 1;
            return;
        }
        *v = grown;
        *cap = grown_cap;
    }
    (*v)[(*n)++] = r;
}

/* A panel's outline is drawn like a rule: a table's side, beyond which no text is its. */
static void add_panel(collector *c, fz_rect r)
{
    push_rect(c, &c->panels, &c->npanels, &c->panels_cap, r);
    add_rule_as(c, r.x0, r.y0, r.x1, r.y0, 0.5f, 1, 1);
    add_rule_as(c, r.x0, r.y1, r.x1, r.y1, 0.5f, 1, 1);
    add_rule_as(c, r.x0, r.y0, r.x0, r.y1, 0.5f, 0, 1);
    add_rule_as(c, r.x1, r.y0, r.x1, r.y1, 0.5f, 0, 1);
}

/* A filled rectangle: a thin one is a rule along its length; a cell-sized coloured one
 * gives its four edges and stays one cell (see in_fill); a larger one (over a quarter
 * of the page) is a panel behind a whole table, whose outline it draws; one reaching
 * every edge of the page is the paper's colour, nothing. */
static void fill_rect(collector *c, fz_rect r)
{
    float w = r.x1 - r.x0, h = r.y1 - r.y0;
    if (w <= 0 || h <= 0) return;
    float thin = fminf(w, h), len = fmaxf(w, h);
    if (thin <= 3.0f && len >= 4 * thin && len >= 2) {
        if (w >= h)
            add_rule_as(c, r.x0, (r.y0 + r.y1) / 2, r.x1, (r.y0 + r.y1) / 2, thin, 1, 1);
        else
            add_rule_as(c, (r.x0 + r.x1) / 2, r.y0, (r.x0 + r.x1) / 2, r.y1, thin, 0, 1);
        return;
    }
    if (!c->fill_edges || thin < 4) return;
    /* the paper's own colour: a fill reaching (almost) every edge of the page */
    float mx = 0.03f * (c->page.x1 - c->page.x0), my = 0.03f * (c->page.y1 - c->page.y0);
    if (r.x0 <= c->page.x0 + mx && r.y0 <= c->page.y0 + my && r.x1 >= c->page.x1 - mx &&
        r.y1 >= c->page.y1 - my)
        return;
    if ((double)w * h * 4 > c->page_area) {
        add_panel(c, r);
        return;
    }
    push_rect(c, &c->fills, &c->nfills, &c->fills_cap, r);
    add_rule(c, r.x0, r.y0, r.x1, r.y0, 0.5f, 1);
    add_rule(c, r.x0, r.y1, r.x1, r.y1, 0.5f, 1);
    add_rule(c, r.x0, r.y0, r.x0, r.y1, 0.5f, 0);
    add_rule(c, r.x1, r.y0, r.x1, r.y1, 0.5f, 0);
}

/* The fill subpath ends: four or five corners with axis-aligned sides make a rectangle. */
static void end_subpath(collector *c)
{
    if (c->stroking || c->npts < 4) goto reset;
    int n = c->npts;
    if (n == 5) {
        if (fabsf(c->pts[4].x - c->pts[0].x) > 0.5f || fabsf(c->pts[4].y - c->pts[0].y) > 0.5f)
            goto reset;
        n = 4;
    }
    if (n != 4 || !c->rect_ok) goto reset;
    for (int i = 0; i < 4; i++) {
        fz_point a = c->pts[i], b = c->pts[(i + 1) % 4];
        if (fabsf(a.x - b.x) > 0.5f && fabsf(a.y - b.y) > 0.5f) goto reset;
    }
    fz_rect r = fz_empty_rect;
    for (int i = 0; i < 4; i++)
        r = fz_include_point_in_rect(r, c->pts[i]);
    fill_rect(c, r);
reset:
    c->npts = 0;
    c->rect_ok = 1;
}

static void walk_point(collector *c, fz_point p)
{
    if (c->npts < 6)
        c->pts[c->npts++] = p;
    else
        c->rect_ok = 0;
}

static void w_moveto(fz_context *ctx, void *arg, float x, float y)
{
    (void)ctx;
    collector *c = arg;
    end_subpath(c);
    c->cur = c->start = fz_transform_point_xy(x, y, c->ctm);
    walk_point(c, c->cur);
}

static void w_lineto(fz_context *ctx, void *arg, float x, float y)
{
    (void)ctx;
    collector *c = arg;
    fz_point p = fz_transform_point_xy(x, y, c->ctm);
    if (c->stroking)
        stroke_segment(c, c->cur, p);
    else
        walk_point(c, p);
    c->cur = p;
}

static void w_curveto(fz_context *ctx, void *arg, float x1, float y1, float x2, float y2, float x3,
                      float y3)
{
    (void)ctx, (void)x1, (void)y1, (void)x2, (void)y2;
    collector *c = arg;
    c->rect_ok = 0; /* a curve is no rule and no rectangle */
    c->cur = fz_transform_point_xy(x3, y3, c->ctm);
}

static void w_closepath(fz_context *ctx, void *arg)
{
    (void)ctx;
    collector *c = arg;
    if (c->stroking) stroke_segment(c, c->cur, c->start);
    end_subpath(c);
    c->cur = c->start;
}

static void w_rectto(fz_context *ctx, void *arg, float x1, float y1, float x2, float y2)
{
    (void)ctx;
    collector *c = arg;
    end_subpath(c);
    fz_point p[4] = {fz_transform_point_xy(x1, y1, c->ctm), fz_transform_point_xy(x2, y1, c->ctm),
                     fz_transform_point_xy(x2, y2, c->ctm), fz_transform_point_xy(x1, y2, c->ctm)};
    if (c->stroking) {
        for (int i = 0; i < 4; i++)
            stroke_segment(c, p[i], p[(i + 1) % 4]);
    } else {
        for (int i = 0; i < 4; i++)
            walk_point(c, p[i]);
        end_subpath(c);
    }
    c->cur = c->start = p[0];
}

static const fz_path_walker rule_walker = {
    .moveto = w_moveto,
    .lineto = w_lineto,
    .curveto = w_curveto,
    .closepath = w_closepath,
    .rectto = w_rectto,
};

/* Luminance 0..1 of a device colour; 0 (ink) when it cannot be told. */
static float luminance(fz_context *ctx, fz_colorspace *cs, const float *color,
                       fz_color_params params)
{
    float rgb[3] = {0, 0, 0};
    if (!cs || !color) return 0;
    fz_convert_color(ctx, cs, color, fz_device_rgb(ctx), rgb, NULL, params);
    return 0.299f * rgb[0] + 0.587f * rgb[1] + 0.114f * rgb[2];
}

static void dev_fill_path(fz_context *ctx, fz_device *dev, const fz_path *path, int even_odd,
                          fz_matrix ctm, fz_colorspace *cs, const float *color, float alpha,
                          fz_color_params params)
{
    (void)even_odd;
    collector *c = (collector *)dev;
    check_time(ctx, c);
    c->paths++;
    if (alpha < 0.1f) return;
    c->ctm = ctm;
    c->stroking = 0;
    c->npts = 0;
    c->rect_ok = 1;
    c->fill_edges = luminance(ctx, cs, color, params) < 0.96f;
    fz_walk_path(ctx, path, &rule_walker, c);
    end_subpath(c);
}

static void dev_stroke_path(fz_context *ctx, fz_device *dev, const fz_path *path,
                            const fz_stroke_state *stroke, fz_matrix ctm, fz_colorspace *cs,
                            const float *color, float alpha, fz_color_params params)
{
    collector *c = (collector *)dev;
    check_time(ctx, c);
    c->paths++;
    /* Invisible or white strokes separate nothing a reader sees. */
    if (alpha < 0.1f || luminance(ctx, cs, color, params) > 0.9f) return;
    c->ctm = ctm;
    c->stroking = 1;
    c->thick = fmaxf(0.1f, (stroke ? stroke->linewidth : 1.0f) * fz_matrix_expansion(ctm));
    fz_walk_path(ctx, path, &rule_walker, c);
}

/* Images: the area they cover, and the resolution of the one covering the most (a scan's
 * own pixels per point, whatever its rotation: the unit square's sides as drawn). */
static void dev_fill_image(fz_context *ctx, fz_device *dev, fz_image *img, fz_matrix ctm,
                           float alpha, fz_color_params params)
{
    (void)alpha, (void)params;
    collector *c = (collector *)dev;
    check_time(ctx, c);
    fz_rect r = fz_intersect_rect(fz_transform_rect(fz_unit_rect, ctm), c->page);
    if (fz_is_empty_rect(r)) return;
    double area = (double)(r.x1 - r.x0) * (r.y1 - r.y0);
    c->image_area += area;
    double side_w = hypot(ctm.a, ctm.b), side_h = hypot(ctm.c, ctm.d);
    if (area > c->image_best && img && side_w > 0 && side_h > 0) {
        c->image_best = area;
        c->image_ppp = fmax(img->w / side_w, img->h / side_h);
    }
}

static void dev_fill_text(fz_context *ctx, fz_device *dev, const fz_text *text, fz_matrix ctm,
                          fz_colorspace *cs, const float *color, float alpha,
                          fz_color_params params)
{
    (void)text, (void)ctm, (void)cs, (void)color, (void)alpha, (void)params;
    check_time(ctx, (collector *)dev);
}

/* Runs the page through the collector. Fills c (rules, image area); MuPDF errors
 * propagate as exceptions to the caller's fz_try. */
static void collect_rules(fz_context *ctx, fz_page *page, collector *c)
{
    collector *d = fz_new_derived_device(ctx, collector);
    fz_device *dev = &d->super;
    /* the device was zeroed by MuPDF: copy our state in, then out */
    d->page = c->page;
    d->page_area = c->page_area;
    d->deadline = c->deadline;
    dev->fill_path = dev_fill_path;
    dev->stroke_path = dev_stroke_path;
    dev->fill_image = dev_fill_image;
    dev->fill_text = dev_fill_text;
    fz_try(ctx)
    {
        fz_run_page(ctx, page, dev, fz_identity, NULL);
        fz_close_device(ctx, dev);
    }
    fz_always(ctx)
    {
        c->rules = d->rules;
        c->nrules = d->nrules;
        c->cap = d->cap;
        c->fills = d->fills;
        c->nfills = d->nfills;
        c->fills_cap = d->fills_cap;
        c->panels = d->panels;
        c->npanels = d->npanels;
        c->panels_cap = d->panels_cap;
        c->oom = d->oom;
        c->too_many = d->too_many;
        c->timed_out = d->timed_out;
        c->image_area = d->image_area;
        c->image_ppp = d->image_ppp;
        c->image_best = d->image_best;
        c->paths = d->paths;
        fz_drop_device(ctx, dev);
    }
    fz_catch(ctx) fz_rethrow(ctx);
}

/* ---- the lattice from the rules ---- */

/* Tables of the page from its rules, in page points (the lattice stage of vision/table
 * on masks where each rule is painted as a thin run). */
static ap_status rule_tables(const collector *c, img_table **tables, size_t *ntables,
                             float *scale_out, ap_error *err)
{
    ap_status st = AP_OK;
    float pw = c->page.x1 - c->page.x0, ph = c->page.y1 - c->page.y0;
    float s = PDF_MASK_SCALE;
    if (pw * s > PDF_MASK_MAX) s = PDF_MASK_MAX / pw;
    if (ph * s > PDF_MASK_MAX) s = PDF_MASK_MAX / ph;
    int W = (int)ceilf(pw * s) + 1, H = (int)ceilf(ph * s) + 1;
    *scale_out = s;
    *tables = NULL;
    *ntables = 0;
    if (c->nrules == 0 || W < 8 || H < 8) return AP_OK;
    PIX *hruns = pixCreate(W, H, 1), *vruns = pixCreate(W, H, 1);
    if (!hruns || !vruns) {
        st = ap_fail(err, AP_ERR_NOMEM, "pdf: out of memory");
        goto out;
    }
    for (size_t i = 0; i < c->nrules; i++) {
        const rule *r = &c->rules[i];
        int t = (int)lroundf(r->thick * s);
        t = t < 1 ? 1 : t > 4 ? 4 : t;
        int x0 = (int)lroundf((r->x0 - c->page.x0) * s),
            y0 = (int)lroundf((r->y0 - c->page.y0) * s);
        int x1 = (int)lroundf((r->x1 - c->page.x0) * s),
            y1 = (int)lroundf((r->y1 - c->page.y0) * s);
        /* a rule reaches half its thickness past its ends, the way a stroke's cap
         * closes the corner with the rule across it */
        if (r->horizontal)
            pixRasterop(hruns, x0 - t / 2, y0 - t / 2, x1 - x0 + t, t, PIX_SET, NULL, 0, 0);
        else
            pixRasterop(vruns, x0 - t / 2, y0 - t / 2, t, y1 - y0 + t, PIX_SET, NULL, 0, 0);
    }
    st = img_tables_from_runs(hruns, vruns, tables, ntables, NULL, err);
out:
    pixDestroy(&hruns);
    pixDestroy(&vruns);
    return st;
}

/* ---- completing the lattice from the text ---- */

/* Many timetables rule only part of the grid: coloured cells without borders leave the
 * header row and the day column outside every rule, and "rows only" styles draw no
 * column rules at all. The text shows where the missing rules would run, so rules are
 * added where text lies beside a table:
 *   - a label column: text left of the table, within its rows, gets a column of its own,
 *     cut at the table's row rules wherever no text crosses them;
 *   - a header row: text just above the table (each line within a line's gap of the one
 *     below it, or up to a rule drawn across the table) gets a row of its own, cut at
 *     the table's column rules wherever no text crosses them;
 *   - a table without any column rule gets one at each gap in the text that runs down
 *     most of its rows, drawn in the rows where no text crosses it;
 *   - a frame without inner rules, and a page whose text no ruled table holds (a table
 *     aligned by whitespace alone), get rows from the gaps between lines and columns
 *     from those gaps (text_grid);
 *   - a header row ruled over its top but not at its sides (a rule over the day columns
 *     alone) runs from that rule down to the table, however tall it is;
 *   - lists side by side with nothing around each (see "lists side by side") get a table
 *     each from their text, and one table drawn around several lists is cut into one
 *     per list (split_lists);
 *   - a cell merged only because no rule parts it is split where its text is parted in
 *     step with the lattice (split_merged);
 *   - rows that the rules leave out below a table, once its columns stand (rows_below).
 * Text counts as runs (the words of one line are one box), so no implied rule cuts a
 * line of a cell's text. The lattice is then built again from all the rules. */

typedef struct cbox {
    float x0, y0, x1, y1, size; /* page points, relative to the page's origin */
    int rotated;                /* the character's line runs up or down the page */
    unsigned flags;             /* RUN_DAY, RUN_TIME */
} cbox;

#define RUN_DAY  (1u << 0) /* the run names a weekday ("Monday, Wednesday", "Thu/Fri") */
#define RUN_TIME (1u << 1) /* the run is a time notation and nothing else */

/* Whether any character box in [y0, y1) x [x0, x1) crosses the vertical line at x. */
static int crosses_v(const cbox *b, size_t n, float x, float y0, float y1)
{
    for (size_t i = 0; i < n; i++) {
        float cy = (b[i].y0 + b[i].y1) / 2;
        if (cy > y0 && cy < y1 && b[i].x0 < x - 0.5f && b[i].x1 > x + 0.5f) return 1;
    }
    return 0;
}

static int crosses_h(const cbox *b, size_t n, float y, float x0, float x1)
{
    for (size_t i = 0; i < n; i++) {
        float cx = (b[i].x0 + b[i].x1) / 2;
        if (cx > x0 && cx < x1 && b[i].y0 < y - 0.5f && b[i].y1 > y + 0.5f) return 1;
    }
    return 0;
}

static int inside_tables(const img_table *tables, size_t ntables, float s, float x, float y)
{
    for (size_t t = 0; t < ntables; t++) {
        const img_table *tb = &tables[t];
        if (x * s >= tb->col_x[0] && x * s < tb->col_x[tb->ncols] && y * s >= tb->row_y[0] &&
            y * s < tb->row_y[tb->nrows])
            return 1;
    }
    return 0;
}

static int cmp_float(const void *a, const void *b)
{
    float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

#define MAX_GUTTERS   64
#define MAX_TEXT_ROWS 256

/* Whether a coloured cell (one cell, never split) covers point (x, y) and reaches past
 * the line through it: across x when vertical, across y when not. */
static int in_fill(const collector *c, int vertical, float at, float x, float y)
{
    for (size_t f = 0; f < c->nfills; f++) {
        const fz_rect *fr = &c->fills[f];
        float x0 = fr->x0 - c->page.x0, x1 = fr->x1 - c->page.x0;
        float y0 = fr->y0 - c->page.y0, y1 = fr->y1 - c->page.y0;
        if (vertical ? x0 < at - 2 && x1 > at + 2 && y0 < y && y1 > y
                     : y0 < at - 2 && y1 > at + 2 && x0 < x && x1 > x)
            return 1;
    }
    return 0;
}

/* Column gutters of [X0, X1] over the rows row_y[0..nrows] (points): x positions where,
 * in most rows with text, no character lies, and that do part text in some row (a strip
 * free beside centred text inside one column parts nothing). A column edge the lattice
 * already has inside a gap (a fill's side, col_x in points) wins. Returns the count. */
static int find_gutters(const cbox *b, size_t n, float X0, float X1, const float *row_y, int nrows,
                        const float *col_x, int ncols, float *gut)
{
    int rows_with_text = 0, ngut = 0;
    if (nrows < 2 || X1 - X0 < 40) return 0;
    int width = (int)ceilf(X1 - X0) + 1;
    unsigned short *free_rows = calloc((size_t)width, sizeof *free_rows);
    unsigned short *parts = calloc((size_t)width, sizeof *parts);
    unsigned char *ink = malloc((size_t)width);
    if (!free_rows || !parts || !ink) goto out;
    for (int r = 0; r < nrows; r++) {
        float y0 = row_y[r], y1 = row_y[r + 1];
        memset(ink, 0, (size_t)width);
        int any = 0;
        for (size_t i = 0; i < n; i++) {
            float cy = (b[i].y0 + b[i].y1) / 2, cx = (b[i].x0 + b[i].x1) / 2;
            /* a word set down the page is ink in every row it runs through; one running
             * past X0 or X1 is a cell's that spans this stretch's side, not its text */
            int in_row = b[i].rotated ? b[i].y0 < y1 && b[i].y1 > y0 : cy > y0 && cy < y1;
            if (!in_row || cx <= X0 || cx >= X1 || b[i].x0 < X0 - 1 || b[i].x1 > X1 + 1) continue;
            any = 1;
            int a = (int)floorf(b[i].x0 - X0) - 1, z = (int)ceilf(b[i].x1 - X0) + 1;
            for (int x = a < 0 ? 0 : a; x < z && x < width; x++)
                ink[x] = 1;
        }
        if (!any) continue;
        rows_with_text++;
        /* free x with ink on both sides in this row parts text here */
        int first = -1, last = -1;
        for (int x = 0; x < width; x++)
            if (ink[x]) {
                if (first < 0) first = x;
                last = x;
            }
        for (int x = 0; x < width; x++) {
            free_rows[x] += !ink[x];
            parts[x] += !ink[x] && x > first && x < last;
        }
    }
    if (rows_with_text < 2) goto out;
    /* runs of x free in at least 60% of the rows with text, with text on both sides, two
     * points wide or more: runs already join the words of a phrase (char_boxes), so a
     * narrow strip between runs (a row number close to its time) is a gutter too */
    int need = (rows_with_text * 3 + 4) / 5;
    int first_ink = -1, last_ink = -1;
    for (int x = 0; x < width; x++)
        if (free_rows[x] < rows_with_text) {
            if (first_ink < 0) first_ink = x;
            last_ink = x;
        }
    for (int x = first_ink + 1; x < last_ink && ngut < MAX_GUTTERS;) {
        if (free_rows[x] < need) {
            x++;
            continue;
        }
        int a = x, most = 0, parted = 0;
        while (x < last_ink && free_rows[x] >= need) {
            most = free_rows[x] > most ? free_rows[x] : most;
            parted = parts[x] > parted ? parts[x] : parted;
            x++;
        }
        if (x - a < 2 || !parted) continue;
        /* a gutter in the middle of each stretch free in the most rows, where text in
         * two rows or more stands between two such stretches (a narrow column: a
         * rotated word under its rotated time); text of one row there is a cell that
         * spans the gutter, which then runs through the middle of the run */
        int before = ngut, dip = 0, from = -1, to = -1;
        for (int k = a; k < x; k++) {
            if (free_rows[k] != most) {
                dip = most - free_rows[k] > dip ? most - free_rows[k] : dip;
                continue;
            }
            int e = k;
            while (e + 1 < x && free_rows[e + 1] == most)
                e++;
            if (e - k >= 2) {
                if (from >= 0 && dip >= 2 && ngut < MAX_GUTTERS) {
                    gut[ngut++] = X0 + (float)(from + to) / 2;
                    from = -1;
                }
                if (from < 0) from = k;
                to = e;
                dip = 0;
            }
            k = e;
        }
        if (from >= 0 && ngut < MAX_GUTTERS) gut[ngut++] = X0 + (float)(from + to) / 2;
        if (ngut == before) gut[ngut++] = X0 + (float)(a + x) / 2;
        /* a column edge the lattice already has inside the run takes the nearest one */
        for (int k = 1; k < ncols; k++) {
            if (col_x[k] < X0 + (float)a || col_x[k] > X0 + (float)x) continue;
            int near = before;
            for (int g = before + 1; g < ngut; g++)
                if (fabsf(gut[g] - col_x[k]) < fabsf(gut[near] - col_x[k])) near = g;
            gut[near] = col_x[k];
        }
    }
out:
    free(free_rows);
    free(parts);
    free(ink);
    return ngut;
}

/* Whether any text's centre lies in [x0, x1] x [y0, y1]. */
static int text_in(const cbox *b, size_t n, float x0, float x1, float y0, float y1)
{
    for (size_t i = 0; i < n; i++) {
        float cx = (b[i].x0 + b[i].x1) / 2, cy = (b[i].y0 + b[i].y1) / 2;
        if (cx > x0 && cx < x1 && cy > y0 && cy < y1) return 1;
    }
    return 0;
}

/* Whether text in the row [y0, y1] of the stretch [X0, X1] lies on both sides of x. */
static int text_both_sides(const cbox *b, size_t n, float x, float X0, float X1, float y0, float y1)
{
    int left = 0, right = 0;
    for (size_t i = 0; i < n && !(left && right); i++) {
        float cx = (b[i].x0 + b[i].x1) / 2, cy = (b[i].y0 + b[i].y1) / 2;
        if (cy <= y0 || cy >= y1 || cx <= X0 || cx >= X1) continue;
        left |= cx < x;
        right |= cx > x;
    }
    return left && right;
}

/* Column rules for the columns [k0, k1) of a table that has none there: each gutter
 * becomes a rule in the rows it does not cross, unless one coloured cell spans it there
 * (a Break row stays one). Inside one drawn column (k1 == k0 + 1), a gutter that does not
 * part the first row's text (one header time over the column) is no column's edge: it
 * splits only the rows where it parts text from the text up to the next gutters (split
 * cells), and a cell whose text stands on one side of it is still the whole column's. */
static void gutter_rules(collector *c, const img_table *tb, float s, const cbox *b, size_t n,
                         int k0, int k1)
{
    float X0 = tb->col_x[k0] / s, X1 = tb->col_x[k1] / s;
    int nrows = tb->nrows;
    float gut[MAX_GUTTERS];
    float *row_y = malloc((size_t)(nrows + 1) * sizeof *row_y);
    float *col_x = malloc((size_t)(tb->ncols + 1) * sizeof *col_x);
    if (!row_y || !col_x) goto out;
    for (int r = 0; r <= nrows; r++)
        row_y[r] = tb->row_y[r] / s;
    for (int k = 0; k <= tb->ncols; k++)
        col_x[k] = tb->col_x[k] / s;
    int ngut = find_gutters(b, n, X0, X1, row_y, nrows, col_x, tb->ncols, gut);
    int head = -1; /* the first row holding text here */
    for (int r = 0; r < nrows && head < 0; r++)
        if (text_in(b, n, X0, X1, row_y[r], row_y[r + 1])) head = r;
    for (int g = 0; g < ngut; g++) {
        float lo = X0, hi = X1; /* the neighbouring gutters */
        for (int k = 0; k < ngut; k++) {
            if (gut[k] < gut[g] && gut[k] > lo) lo = gut[k];
            if (gut[k] > gut[g] && gut[k] < hi) hi = gut[k];
        }
        /* a gutter parting the first row's text (the header's times) is a column's edge */
        int edge = k1 > k0 + 1 || (head >= 0 && text_both_sides(b, n, gut[g], lo, hi, row_y[head],
                                                                row_y[head + 1]));
        for (int r = 0; r < nrows; r++) {
            float y0 = row_y[r], y1 = row_y[r + 1];
            if (!in_fill(c, 1, gut[g], 0, (y0 + y1) / 2) && !crosses_v(b, n, gut[g], y0, y1) &&
                (edge || text_both_sides(b, n, gut[g], lo, hi, y0, y1)))
                add_rule(c, gut[g], y0, gut[g], y1, 0.5f, 0);
        }
    }
out:
    free(row_y);
    free(col_x);
}

typedef struct band {
    float y0, y1, size;
} band;

static int cmp_band(const void *a, const void *b)
{
    const band *x = a, *y = b;
    return (x->y0 > y->y0) - (x->y0 < y->y0);
}

/* Row boundaries of [X0, X1] x [Y0, Y1] from its text (points): the characters running
 * across the page, whose boxes overlap, make one band (the lines of one paragraph touch:
 * their boxes span the font's ascent and descent); a boundary lies in the middle of
 * each gap between bands that is wider than 0.4 of the smaller text's size (a gap a
 * paragraph does not leave). Writes up to max positions to ys; returns the count. */
static int text_row_bounds(const cbox *b, size_t n, float X0, float Y0, float X1, float Y1,
                           float *ys, int max)
{
    band *bands = malloc((n ? n : 1) * sizeof *bands);
    int nys = 0;
    size_t nb = 0;
    if (!bands) return 0;
    for (size_t i = 0; i < n; i++) {
        float cx = (b[i].x0 + b[i].x1) / 2, cy = (b[i].y0 + b[i].y1) / 2;
        if (!b[i].rotated && cx > X0 && cx < X1 && cy > Y0 && cy < Y1)
            bands[nb++] = (band){b[i].y0, b[i].y1, b[i].size};
    }
    qsort(bands, nb, sizeof *bands, cmp_band);
    size_t m = 0;
    for (size_t i = 0; i < nb; i++) {
        if (m && bands[i].y0 < bands[m - 1].y1) {
            bands[m - 1].y1 = fmaxf(bands[m - 1].y1, bands[i].y1);
            bands[m - 1].size = fmaxf(bands[m - 1].size, bands[i].size);
        } else {
            bands[m++] = bands[i];
        }
    }
    for (size_t i = 1; i < m && nys < max; i++) {
        float gap = bands[i].y0 - bands[i - 1].y1;
        if (gap > 0.4f * fminf(bands[i].size, bands[i - 1].size))
            ys[nys++] = (bands[i - 1].y1 + bands[i].y0) / 2;
    }
    free(bands);
    return nys;
}

/* A table without inner rules (a frame, a panel, or text aligned on the page alone):
 * rows from its text's baselines, columns from gutters in its text, each inner rule
 * drawn only where no text crosses it and no coloured cell spans it, so a cell merged
 * across rows or columns (a rotated "Lunch", a double lesson) stays one. */
/* Columns of the row [y0, y1) between gutters gut[0..ngut+1] that hold text; *runs: the
 * text runs in it. */
static int row_columns(const cbox *b, size_t n, float y0, float y1, const float *gut, int ngut,
                       int *runs)
{
    int cols = 0;
    *runs = 0;
    for (int g = 0; g <= ngut; g++) {
        int any = 0;
        for (size_t i = 0; i < n; i++) {
            float cx = (b[i].x0 + b[i].x1) / 2, cy = (b[i].y0 + b[i].y1) / 2;
            if (cy > y0 && cy < y1 && cx > gut[g] && cx < gut[g + 1]) any = 1, ++*runs;
        }
        cols += any;
    }
    return cols;
}

static void text_grid(collector *c, float X0, float Y0, float X1, float Y1, const cbox *b, size_t n,
                      int trim, const float *edges, int nedges)
{
    float row_y[MAX_TEXT_ROWS + 2], gut[MAX_GUTTERS + 2];
    int nb = text_row_bounds(b, n, X0, Y0, X1, Y1, row_y + 1, MAX_TEXT_ROWS);
    row_y[0] = Y0;
    row_y[nb + 1] = Y1;
    int nrows = nb + 1;
    float sides[2] = {X0, X1};
    if (!edges) edges = sides, nedges = 1;
    int ngut = find_gutters(b, n, X0, X1, row_y, nrows, edges, nedges, gut + 1);
    gut[0] = X0;
    gut[ngut + 1] = X1;
    /* Text aligned by whitespace alone has no outline: lines above it with text in
     * fewer than half its columns (a title, "Teacher: ...") and single lines below it
     * (a footer) are the page's, not the table's. */
    int first = 0, last = nrows - 1, runs = 0;
    while (trim && first < last &&
           2 * row_columns(b, n, row_y[first], row_y[first + 1], gut, ngut, &runs) < ngut + 1)
        first++;
    while (trim && last > first &&
           row_columns(b, n, row_y[last], row_y[last + 1], gut, ngut, &runs) <= 1 && runs <= 1)
        last--;
    if (first > 0 || last < nrows - 1) {
        memmove(row_y, row_y + first, (size_t)(last - first + 2) * sizeof *row_y);
        nrows = last - first + 1;
        Y0 = row_y[0];
        Y1 = row_y[nrows];
    }
    add_rule(c, X0, Y0, X1, Y0, 0.5f, 1);
    add_rule(c, X0, Y1, X1, Y1, 0.5f, 1);
    add_rule(c, X0, Y0, X0, Y1, 0.5f, 0);
    add_rule(c, X1, Y0, X1, Y1, 0.5f, 0);
    for (int g = 1; g <= ngut; g++)
        for (int r = 0; r < nrows; r++) {
            float y0 = row_y[r], y1 = row_y[r + 1];
            if (!in_fill(c, 1, gut[g], 0, (y0 + y1) / 2) && !crosses_v(b, n, gut[g], y0, y1))
                add_rule(c, gut[g], y0, gut[g], y1, 0.5f, 0);
        }
    for (int r = 1; r < nrows; r++)
        for (int g = 0; g <= ngut; g++) {
            float x0 = gut[g], x1 = gut[g + 1];
            if (!in_fill(c, 0, row_y[r], (x0 + x1) / 2, 0) && !crosses_h(b, n, row_y[r], x0, x1))
                add_rule(c, x0, row_y[r], x1, row_y[r], 0.5f, 1);
        }
}

typedef struct hseg {
    float x0, x1, y;
} hseg;

static int cmp_hseg(const void *a, const void *b)
{
    const hseg *x = a, *y = b;
    if (x->y != y->y) return (x->y > y->y) - (x->y < y->y);
    return (x->x0 > y->x0) - (x->x0 < y->x0);
}

/* The drawn horizontal rules with the pieces of one line that touch joined into one (a
 * row rule drawn one cell at a time is one rule), top to bottom. Caller frees *out;
 * sets c->oom and returns 0 when out of memory. */
static size_t joined_hrules(collector *c, hseg **out)
{
    hseg *v = malloc((c->nrules ? c->nrules : 1) * sizeof *v);
    size_t n = 0, m = 0;
    *out = v;
    if (!v) {
        c->oom = 1;
        return 0;
    }
    for (size_t i = 0; i < c->nrules; i++)
        if (c->rules[i].drawn && c->rules[i].horizontal)
            v[n++] = (hseg){c->rules[i].x0, c->rules[i].x1, c->rules[i].y0};
    qsort(v, n, sizeof *v, cmp_hseg);
    for (size_t i = 0; i < n; i++) {
        if (m && fabsf(v[i].y - v[m - 1].y) <= 0.5f && v[i].x0 <= v[m - 1].x1 + 1) {
            v[m - 1].x1 = fmaxf(v[m - 1].x1, v[i].x1);
            continue;
        }
        v[m++] = v[i];
    }
    return m;
}

/* Horizontal rules drawn with the same ends, stacked down the page (a table ruled in rows
 * only) are one table: its sides are rules too, so the rows hold together. */
static void close_row_tables(collector *c)
{
    hseg *v;
    size_t m = joined_hrules(c, &v);
    /* each group of rules with the same ends is closed once, from its top rule (the
     * first of the group in v, which runs top to bottom) */
    for (size_t i = 0; i < m; i++) {
        const hseg a = v[i];
        if (a.x1 - a.x0 < 100) continue;
        float bottom = a.y;
        int count = 1, first = 1;
        for (size_t j = 0; j < m && first; j++) {
            if (j == i || fabsf(v[j].x0 - a.x0) > 3 || fabsf(v[j].x1 - a.x1) > 3) continue;
            if (j < i) first = 0;
            count++;
            bottom = fmaxf(bottom, v[j].y);
        }
        if (!first || count < 3) continue;
        add_rule(c, a.x0, a.y, a.x0, bottom, 0.5f, 0);
        add_rule(c, a.x1, a.y, a.x1, bottom, 0.5f, 0);
    }
    free(v);
}

#define MAX_BELOW_ROWS 64

/* Whether box bi is a run of text outside every table, between x0 and x1. */
static int outside_run(const img_table *tables, size_t ntables, float s, const cbox *bi, float x0,
                       float x1)
{
    float cx = (bi->x0 + bi->x1) / 2, cy = (bi->y0 + bi->y1) / 2;
    return cx > x0 && cx < x1 && !inside_tables(tables, ntables, s, cx, cy);
}

/* Rows below a table: lines of text under it that its rules leave out (a last row under
 * the frame, the rows after a band where the fills that draw the grid stop short of an
 * edge across it). Each line lies within a row's height (the table's median) of the one
 * above, no run of it crosses a column edge or the table's sides, the first holds text in
 * the first column, and two columns hold text; a line with text in the first column
 * starts a row. Rows part half way between their starting lines, in each column where
 * no text crosses there (a name centred over two rows stays one cell), and end at a
 * rule drawn across the table, or at the end of a rule coming down past the last line,
 * within half a row of it; else just under it. */
static void rows_below(collector *c, const img_table *tables, size_t ntables, const img_table *tb,
                       float s, const cbox *b, size_t n, float em)
{
    float X0 = tb->col_x[0] / s, X1 = tb->col_x[tb->ncols] / s, Y1 = tb->row_y[tb->nrows] / s;
    float heights[MAX_TEXT_ROWS];
    int nh = 0;
    for (int r = 0; r < tb->nrows && nh < MAX_TEXT_ROWS; r++)
        heights[nh++] = (tb->row_y[r + 1] - tb->row_y[r]) / s;
    qsort(heights, (size_t)nh, sizeof *heights, cmp_float);
    float reach = fmaxf(1.5f * em, nh ? heights[nh / 2] : 0);
    float first_x1 = tb->col_x[1] / s;
    float starts[MAX_BELOW_ROWS], last = Y1;
    int nstarts = 0;
    unsigned used = 0; /* columns holding text, a bit each */
    for (;;) {
        const cbox *top = NULL;
        for (size_t i = 0; i < n; i++)
            if ((b[i].y0 + b[i].y1) / 2 > last && outside_run(tables, ntables, s, &b[i], X0, X1) &&
                (!top || b[i].y0 < top->y0))
                top = &b[i];
        if (!top || top->y0 > last + reach) break;
        float ly0 = top->y0, ly1 = top->y1;
        int first = 0, ok = 1;
        for (size_t i = 0; i < n && ok; i++) {
            float cx = (b[i].x0 + b[i].x1) / 2, cy = (b[i].y0 + b[i].y1) / 2;
            if (cy < ly0 || cy > ly1 || !outside_run(tables, ntables, s, &b[i], X0, X1)) continue;
            ok = b[i].x0 > X0 - 1 && b[i].x1 < X1 + 1;
            for (int k = 0; k < tb->ncols && ok; k++) {
                float x = tb->col_x[k] / s, x1 = tb->col_x[k + 1] / s;
                ok = k == 0 || !(b[i].x0 < x - 0.5f && b[i].x1 > x + 0.5f);
                if (cx >= x && cx < x1 && k < 32) used |= 1u << k;
            }
            first |= cx < first_x1;
        }
        if (!ok || (!nstarts && !first)) break;
        if (first && nstarts < MAX_BELOW_ROWS) starts[nstarts++] = (ly0 + ly1) / 2;
        last = ly1;
    }
    if (!nstarts || !(used & (used - 1))) return; /* no row, or text in one column only */
    float B = last + 2, pad = fmaxf(em, reach / 2);
    for (size_t i = 0; i < c->nrules; i++) {
        const rule *r = &c->rules[i];
        float end = r->horizontal ? r->y0 : r->y1;
        int across = r->drawn && r->horizontal && r->x0 <= X0 + 2 && r->x1 >= X1 - 2;
        int down = !r->horizontal && r->x0 > X0 - 2 && r->x0 < X1 + 2 && r->y0 < last;
        if ((across || down) && end > last && end < last + pad && end > B) B = end;
    }
    add_rule(c, X0, B, X1, B, 0.5f, 1);
    add_rule(c, X0, Y1, X0, B, 0.5f, 0);
    add_rule(c, X1, Y1, X1, B, 0.5f, 0);
    for (int k = 1; k < tb->ncols; k++) {
        float x = tb->col_x[k] / s;
        if (!crosses_v(b, n, x, Y1, B)) add_rule(c, x, Y1, x, B, 0.5f, 0);
    }
    for (int i = 1; i < nstarts; i++) {
        float y = (starts[i - 1] + starts[i]) / 2;
        for (int k = 0; k < tb->ncols; k++) {
            float x0 = tb->col_x[k] / s, x1 = tb->col_x[k + 1] / s;
            if (!crosses_h(b, n, y, x0, x1)) add_rule(c, x0, y, x1, y, 0.5f, 1);
        }
    }
}

/* The rows below each table (rows_below), once the rules the text implies around it
 * have made its columns. Returns whether rules were added. */
static int below_rules(collector *c, const img_table *tables, size_t ntables, float s,
                       const cbox *b, size_t n, float em)
{
    size_t before = c->nrules;
    for (size_t t = 0; t < ntables; t++)
        rows_below(c, tables, ntables, &tables[t], s, b, n, em);
    return c->nrules > before;
}

/* Adds the rules the text implies around each table (see above) to c. */
static void text_rules(collector *c, const img_table *tables, size_t ntables, float s,
                       const cbox *b, size_t n)
{
    float *sizes = n ? malloc(n * sizeof *sizes) : NULL;
    if (!sizes) return;
    for (size_t i = 0; i < n; i++)
        sizes[i] = b[i].size;
    qsort(sizes, n, sizeof *sizes, cmp_float);
    float em = sizes[n / 2] > 1 ? sizes[n / 2] : 10;
    free(sizes);
    hseg *hr;
    size_t nh = joined_hrules(c, &hr);
    for (size_t t = 0; t < ntables; t++) {
        const img_table *tb = &tables[t];
        float X0 = tb->col_x[0] / s, X1 = tb->col_x[tb->ncols] / s;
        float Y0 = tb->row_y[0] / s, Y1 = tb->row_y[tb->nrows] / s;
        /* A side drawn as a rule closes the table there: text beyond it is not its. */
        int top_drawn = 0, left_drawn = 0;
        for (size_t i = 0; i < c->nrules; i++) {
            const rule *r = &c->rules[i];
            if (!r->drawn) continue;
            if (r->horizontal && fabsf(r->y0 - Y0) < 3 && r->x1 - r->x0 >= 0.8f * (X1 - X0))
                top_drawn = 1;
            if (!r->horizontal && fabsf(r->x0 - X0) < 3 && r->y1 - r->y0 >= 0.8f * (Y1 - Y0))
                left_drawn = 1;
        }
        /* a table closes: its outline is a rule even where none is drawn */
        add_rule(c, X0, Y0, X1, Y0, 0.5f, 1);
        add_rule(c, X0, Y1, X1, Y1, 0.5f, 1);
        add_rule(c, X0, Y0, X0, Y1, 0.5f, 0);
        add_rule(c, X1, Y0, X1, Y1, 0.5f, 0);
        /* no column rule drawn inside: the columns are where the text leaves gaps */
        int drawn_columns = 0;
        for (size_t i = 0; i < c->nrules && !drawn_columns; i++) {
            const rule *r = &c->rules[i];
            drawn_columns = r->drawn && !r->horizontal && r->x0 > X0 + 3 && r->x0 < X1 - 3 &&
                            r->y1 > Y0 + 3 && r->y0 < Y1 - 3;
        }
        if (tb->nrows == 1 && tb->ncols == 1)
            text_grid(c, X0, Y0, X1, Y1, b, n, 0, NULL, 0);
        else if (!drawn_columns)
            gutter_rules(c, tb, s, b, n, 0, tb->ncols);
        else /* some drawn (one after the day column): each column's own gaps */
            for (int k = 0; k < tb->ncols; k++)
                gutter_rules(c, tb, s, b, n, k, k + 1);
        /* a row holding a whole list (a panel's body under its heading, a column whose
         * row rules are not drawn): rows and columns from its text; a column edge the
         * table has inside a gap in the text stays the column's edge */
        float *col_x = malloc((size_t)(tb->ncols + 1) * sizeof *col_x);
        for (int k = 0; col_x && k <= tb->ncols; k++)
            col_x[k] = tb->col_x[k] / s;
        for (int r = 0; col_x && (tb->nrows > 1 || tb->ncols > 1) ? r < tb->nrows : 0; r++) {
            float y0 = tb->row_y[r] / s, y1 = tb->row_y[r + 1] / s, ys[3];
            if (text_row_bounds(b, n, X0, y0, X1, y1, ys, 3) >= 3)
                text_grid(c, X0, y0, X1, y1, b, n, 0, col_x, tb->ncols);
        }
        free(col_x);
        /* the label column: outside text left of the table, within its rows */
        float L = X0;
        for (size_t i = 0; i < n && !left_drawn; i++) {
            float cx = (b[i].x0 + b[i].x1) / 2, cy = (b[i].y0 + b[i].y1) / 2;
            if (cy > Y0 && cy < Y1 && b[i].x1 <= X0 + 1 && b[i].x0 >= X0 - 0.4f * (X1 - X0) &&
                !inside_tables(tables, ntables, s, cx, cy) && b[i].x0 - 3 < L)
                L = b[i].x0 - 3;
        }
        if (L < X0) {
            add_rule(c, L, Y0, L, Y1, 0.5f, 0);
            for (int r = 0; r <= tb->nrows; r++) {
                float y = tb->row_y[r] / s;
                if (r == 0 || r == tb->nrows || !crosses_h(b, n, y, L, X0))
                    add_rule(c, L, y, X0, y, 0.5f, 1);
            }
        }
        /* the header row: text just above, growing upwards line by line */
        float T = Y0;
        for (int grown = !top_drawn; grown;) {
            grown = 0;
            for (size_t i = 0; i < n; i++) {
                float cx = (b[i].x0 + b[i].x1) / 2, cy = (b[i].y0 + b[i].y1) / 2;
                float gap = T == Y0 ? 1.5f * em : 0.8f * em;
                if (cx > L && cx < X1 && b[i].y1 <= Y0 + 1 && b[i].y0 < T && b[i].y1 >= T - gap &&
                    !inside_tables(tables, ntables, s, cx, cy)) {
                    T = b[i].y0 - 2;
                    grown = 1;
                }
            }
        }
        /* a header row whose sides are not drawn but whose top is (a rule over the header
         * cells alone, from one of the table's column edges to another): the text between
         * that rule and the table, however far below the rule it sits */
        for (size_t i = 0; T == Y0 && i < nh; i++) {
            const hseg *r = &hr[i];
            int from_edge = 0, to_edge = 0;
            for (int k = 0; k <= tb->ncols; k++) {
                from_edge |= fabsf(tb->col_x[k] / s - r->x0) < 3;
                to_edge |= fabsf(tb->col_x[k] / s - r->x1) < 3;
            }
            if (r->y > Y0 - 0.5f * em || r->y < Y0 - 8 * em || !from_edge || !to_edge ||
                r->x1 - r->x0 < 0.5f * (X1 - L))
                continue;
            int text = 0, across = 0;
            for (size_t k = 0; k < n; k++) {
                float cx = (b[k].x0 + b[k].x1) / 2, cy = (b[k].y0 + b[k].y1) / 2;
                if (cx < r->x0 || cx > r->x1) continue;
                text |=
                    cy > r->y && b[k].y1 <= Y0 + 1 && !inside_tables(tables, ntables, s, cx, cy);
                across |= b[k].y0 < r->y - 0.5f && b[k].y1 > r->y + 0.5f;
            }
            if (text && !across) T = r->y;
        }
        /* a header row of times or days standing apart above the table, neither ruled
         * nor near (a tall header row with its times centred in it): text reaching within
         * 6 em above the table (all of it: a time set up the page may start higher), each
         * run inside one of its columns, times or day names in two columns or more */
        if (T == Y0 && !top_drawn) {
            float band_top = Y0;
            int times = 0, days = 0, crossing = 0;
            for (size_t i = 0; i < n; i++) {
                float cx = (b[i].x0 + b[i].x1) / 2, cy = (b[i].y0 + b[i].y1) / 2;
                if (cx <= L || cx >= X1 || b[i].y1 > Y0 + 1 || b[i].y1 < Y0 - 6 * em ||
                    inside_tables(tables, ntables, s, cx, cy))
                    continue;
                for (int k = 1; k < tb->ncols; k++) {
                    float x = tb->col_x[k] / s;
                    crossing |= b[i].x0 < x - 0.5f && b[i].x1 > x + 0.5f;
                }
                times += (b[i].flags & RUN_TIME) != 0;
                days += (b[i].flags & RUN_DAY) != 0;
                band_top = fminf(band_top, b[i].y0);
            }
            if ((times >= 2 || days >= 2) && !crossing) T = band_top - 2;
        }
        if (T < Y0) {
            /* a rule drawn across the table a little above the text closes the row */
            float best = T;
            for (size_t i = 0; i < c->nrules; i++) {
                const rule *r = &c->rules[i];
                if (r->horizontal && r->y0 < T + 2 && r->y0 > T - 2 * em && r->x0 <= X0 + 2 &&
                    r->x1 >= X1 - 2 && r->y0 < best)
                    best = r->y0;
            }
            T = best;
            add_rule(c, L, T, X1, T, 0.5f, 1);
            add_rule(c, L, T, L, Y0, 0.5f, 0);
            add_rule(c, X1, T, X1, Y0, 0.5f, 0);
            for (int k = 0; k <= tb->ncols; k++) {
                float x = tb->col_x[k] / s;
                if (!crosses_v(b, n, x, T, Y0)) add_rule(c, x, T, x, Y0, 0.5f, 0);
            }
        }
    }
    free(hr);
}

/* A page whose text no ruled table holds (at most boxes of one cell: a framed title, a
 * coloured bar) may still be a table aligned by whitespace alone: the box around that
 * text becomes a table read by text_grid. Returns whether rules were added. */
static int borderless_rules(collector *c, const img_table *tables, size_t ntables, float s,
                            const cbox *b, size_t n)
{
    for (size_t t = 0; t < ntables; t++)
        if (tables[t].ncells >= 2) return 0;
    float X0 = INFINITY, Y0 = INFINITY, X1 = -INFINITY, Y1 = -INFINITY;
    size_t outside = 0;
    for (size_t i = 0; i < n; i++) {
        float cx = (b[i].x0 + b[i].x1) / 2, cy = (b[i].y0 + b[i].y1) / 2;
        if (inside_tables(tables, ntables, s, cx, cy)) continue;
        outside++;
        X0 = fminf(X0, b[i].x0), Y0 = fminf(Y0, b[i].y0);
        X1 = fmaxf(X1, b[i].x1), Y1 = fmaxf(Y1, b[i].y1);
    }
    if (outside < 12) return 0; /* runs of text: a title and a line or two are no table */
    size_t before = c->nrules;
    text_grid(c, X0 - 2, Y0 - 2, X1 + 2, Y1 + 2, b, n, 1, NULL, 0);
    return c->nrules > before + 4; /* more than the outline: rows or columns */
}

/* Whether the lattice line at `at` (across when horizontal) parts the text of the cell
 * [x0, x1] x [y0, y1] that it runs through: text on both sides, none across, and a gap
 * wider than the cell's text flow leaves (0.4 of the text's size between lines, a size
 * between words, whose runs are one box already). */
static int parts_cell(const cbox *b, size_t n, int horizontal, float at, float x0, float y0,
                      float x1, float y1)
{
    float before = -INFINITY, after = INFINITY, size_b = 0, size_a = 0;
    for (size_t i = 0; i < n; i++) {
        float cx = (b[i].x0 + b[i].x1) / 2, cy = (b[i].y0 + b[i].y1) / 2;
        if (cx <= x0 || cx >= x1 || cy <= y0 || cy >= y1) continue;
        float lo = horizontal ? b[i].y0 : b[i].x0, hi = horizontal ? b[i].y1 : b[i].x1;
        if (lo < at && hi > at) return 0;
        if (hi <= at && hi > before) before = hi, size_b = b[i].size;
        if (lo >= at && lo < after) after = lo, size_a = b[i].size;
    }
    if (!isfinite(before) || !isfinite(after)) return 0;
    float need = (horizontal ? 0.4f : 1.0f) * fminf(size_a, size_b);
    return after - before > need;
}

/* Whether the text of [x0, x1] x [y0, y1] left and right of x (boxes whose centre lies
 * there) is a block of its own: two lines or more, or a word set up or down the page. */
static int side_block(const cbox *b, size_t n, float x0, float y0, float x1, float y1)
{
    float top = INFINITY;
    int lines = 0;
    for (size_t i = 0; i < n; i++) {
        float cx = (b[i].x0 + b[i].x1) / 2, cy = (b[i].y0 + b[i].y1) / 2;
        if (cx <= x0 || cx >= x1 || cy <= y0 || cy >= y1) continue;
        if (b[i].rotated) return 1;
        if (!lines || fabsf(cy - top) > 0.6f * b[i].size) lines++;
        top = cy;
    }
    return lines >= 2;
}

/* Where the line parting two blocks of text side by side in [x0, x1] x [y0, y1] (parted
 * at gap) runs when each block is centred in its own part, as timetables set text: both
 * blocks put it at the same place (within an em) inside the gap; else the gap's middle.
 * The place decides the parts' times where no time is printed. */
static float centred_split(const cbox *b, size_t n, float x0, float y0, float x1, float y1,
                           float gap)
{
    float lo[2] = {INFINITY, INFINITY}, hi[2] = {-INFINITY, -INFINITY}, size = 0;
    for (size_t i = 0; i < n; i++) {
        float cx = (b[i].x0 + b[i].x1) / 2, cy = (b[i].y0 + b[i].y1) / 2;
        if (cx <= x0 || cx >= x1 || cy <= y0 || cy >= y1) continue;
        int right = cx > gap;
        lo[right] = fminf(lo[right], b[i].x0);
        hi[right] = fmaxf(hi[right], b[i].x1);
        size = fmaxf(size, b[i].size);
    }
    float from_left = lo[0] + hi[0] - x0, from_right = lo[1] + hi[1] - x1;
    float at = (from_left + from_right) / 2;
    return fabsf(from_left - from_right) < size && at > hi[0] && at < lo[1] ? at : gap;
}

/* Where a one-row cell holds two blocks of text side by side, each of two lines or more
 * or set sideways ("PE / ICT suite" beside "Outdoor Learning / bring kit"), parted by a
 * gap of an em or more that no text crosses: x of the gap's middle, or NAN. One line
 * beside another ("Maths   Rm 4") is one cell's name and note. */
static float side_by_side(const cbox *b, size_t n, float x0, float y0, float x1, float y1)
{
    float best = NAN, widest = 0;
    for (size_t i = 0; i < n; i++) {
        float cy = (b[i].y0 + b[i].y1) / 2, cx = (b[i].x0 + b[i].x1) / 2;
        if (cx <= x0 || cx >= x1 || cy <= y0 || cy >= y1) continue;
        /* the gap right of box i: to the nearest box starting right of it */
        float next = INFINITY;
        int crossed = 0;
        for (size_t j = 0; j < n && !crossed; j++) {
            float jy = (b[j].y0 + b[j].y1) / 2, jx = (b[j].x0 + b[j].x1) / 2;
            if (jx <= x0 || jx >= x1 || jy <= y0 || jy >= y1) continue;
            crossed = b[j].x0 < b[i].x1 + 0.5f && b[j].x1 > b[i].x1 + 0.5f;
            if (b[j].x0 >= b[i].x1) next = fminf(next, b[j].x0);
        }
        float gap = next - b[i].x1;
        if (crossed || !isfinite(next) || gap < b[i].size || gap <= widest) continue;
        float at = (b[i].x1 + next) / 2;
        if (side_block(b, n, x0, y0, at, y1) && side_block(b, n, at, y0, x1, y1))
            widest = gap, best = at;
    }
    return isnan(best) ? best : centred_split(b, n, x0, y0, x1, y1, best);
}

/* A cell merged only because no rule parts it (a label column or header row beside a
 * ruled body, a column whose row rules are not drawn) is split where its text is parted
 * in step with the lattice: at each inner lattice line that parts_cell accepts and no
 * coloured cell spans; and where a one-row cell holds two blocks side by side
 * (side_by_side). Returns whether rules were added. */
static int split_merged(collector *c, const img_table *tables, size_t ntables, float s,
                        const cbox *b, size_t n)
{
    size_t before = c->nrules;
    for (size_t t = 0; t < ntables; t++) {
        const img_table *tb = &tables[t];
        for (size_t k = 0; k < tb->ncells; k++) {
            const img_cell *ic = &tb->cells[k];
            float x0 = tb->col_x[ic->col] / s, x1 = tb->col_x[ic->col + ic->ncols] / s;
            float y0 = tb->row_y[ic->row] / s, y1 = tb->row_y[ic->row + ic->nrows] / s;
            for (int r = ic->row + 1; r < ic->row + ic->nrows; r++) {
                float y = tb->row_y[r] / s;
                if (!in_fill(c, 0, y, (x0 + x1) / 2, 0) && parts_cell(b, n, 1, y, x0, y0, x1, y1))
                    add_rule(c, x0, y, x1, y, 0.5f, 1);
            }
            for (int q = ic->col + 1; q < ic->col + ic->ncols; q++) {
                float x = tb->col_x[q] / s;
                if (!in_fill(c, 1, x, 0, (y0 + y1) / 2) && parts_cell(b, n, 0, x, x0, y0, x1, y1))
                    add_rule(c, x, y0, x, y1, 0.5f, 0);
            }
            float x = ic->nrows == 1 ? side_by_side(b, n, x0, y0, x1, y1) : NAN;
            if (!isnan(x)) add_rule(c, x, y0, x, y1, 0.5f, 0);
        }
    }
    return c->nrules > before;
}

/* A cell-sized fill holding several rows of text (four or more, parted by gaps a
 * paragraph does not leave) is a panel behind a list, not one cell: it no longer keeps
 * what it covers in one cell, and it becomes a panel (add_panel). */
static void find_panels(collector *c, const cbox *b, size_t n)
{
    size_t kept = 0;
    for (size_t f = 0; f < c->nfills; f++) {
        fz_rect r = c->fills[f];
        float ys[3];
        int gaps = text_row_bounds(b, n, r.x0 - c->page.x0, r.y0 - c->page.y0, r.x1 - c->page.x0,
                                   r.y1 - c->page.y0, ys, 3);
        if (gaps < 3)
            c->fills[kept++] = r;
        else
            add_panel(c, r);
    }
    c->nfills = kept;
}

/* ---- lists side by side ----
 *
 * A page may hold several lists side by side, one per day or group of days, each under
 * its own day heading ("Monday", "Tuesday, Thursday") with its own column of times. With
 * no rule or panel around each, they are read as one table whose rows mix the lists' days
 * (or, outside every table, not read at all). They are told apart by their headings: two
 * or more day headings on one line, each over a block that holds its own column of times
 * (a time with its event's name beside it on the same line, in most of the block's
 * rows), and a strip free of text running down between each two blocks (the one nearest
 * half way between their headings). A grid with days
 * as columns has times in one column only, and in-cell times stand above or below the
 * name, not beside it: neither is taken for lists. */

#define MAX_LIST_BLOCKS 16

typedef struct list_block {
    float x0, x1, top, bottom; /* points: the block's text */
    float lo, hi;              /* from the near side of the strip on its left to the far side of the
                                  one on its right: the text of its neighbours lies beyond */
} list_block;

static int cmp_cbox_x(const void *a, const void *b)
{
    const cbox *x = a, *y = b;
    return (x->x0 > y->x0) - (x->x0 < y->x0);
}

/* The strip in (lo, hi) at least min_w wide that no run of in[] with its middle in
 * [y0, y1] crosses, the one whose middle is nearest the middle of (lo, hi) (lists of one
 * width centre their headings over them, so the strip between two lists lies about half
 * way between their headings; a wider strip inside a list, between its names and its
 * times, lies off to one side); *a, *z its ends. Returns whether there is one. */
static int middle_gap(const cbox *b, size_t n, const unsigned char *in, float lo, float hi,
                      float y0, float y1, float min_w, float *a, float *z)
{
    cbox *v = malloc((n ? n : 1) * sizeof *v);
    size_t m = 0;
    float at = lo, mid = (lo + hi) / 2, best = INFINITY;
    if (!v) return 0;
    for (size_t i = 0; i < n; i++) {
        float cy = (b[i].y0 + b[i].y1) / 2;
        if (in[i] && cy >= y0 && cy <= y1 && b[i].x1 > lo && b[i].x0 < hi) v[m++] = b[i];
    }
    qsort(v, m, sizeof *v, cmp_cbox_x);
    for (size_t i = 0; i <= m; i++) {
        float next = i < m ? fmaxf(v[i].x0, lo) : hi;
        if (next - at >= min_w && fabsf((at + next) / 2 - mid) < best)
            best = fabsf((at + next) / 2 - mid), *a = at, *z = next;
        if (i < m) at = fmaxf(at, fminf(v[i].x1, hi));
    }
    free(v);
    return isfinite(best);
}

/* Whether block [x0, x1] below y (down to y1) holds its own column of times: three or
 * more time runs with a name beside them on their line, and most of its time runs so. */
static int holds_time_column(const cbox *b, size_t n, const unsigned char *in, float x0, float x1,
                             float y, float y1)
{
    int times = 0, beside = 0;
    for (size_t i = 0; i < n; i++) {
        float cx = (b[i].x0 + b[i].x1) / 2, cy = (b[i].y0 + b[i].y1) / 2;
        if (!in[i] || !(b[i].flags & RUN_TIME) || cx < x0 || cx > x1 || cy <= y || cy > y1)
            continue;
        times++;
        for (size_t k = 0; k < n; k++) {
            float kx = (b[k].x0 + b[k].x1) / 2;
            /* beside: on the same line, or across a time set on two lines */
            float overlap = fminf(b[k].y1, b[i].y1) - fmaxf(b[k].y0, b[i].y0);
            if (k == i || !in[k] || (b[k].flags & RUN_TIME) || kx < x0 || kx > x1 ||
                overlap < 0.4f * fminf(b[k].y1 - b[k].y0, b[i].y1 - b[i].y0) ||
                (b[k].x1 > b[i].x0 && b[k].x0 < b[i].x1))
                continue;
            beside++;
            break;
        }
    }
    return beside >= 3 && 2 * beside >= times;
}

/* The text size most runs have (points). */
static float median_size(const cbox *b, size_t n)
{
    float *sizes = n ? malloc(n * sizeof *sizes) : NULL;
    if (!sizes) return 10;
    for (size_t i = 0; i < n; i++)
        sizes[i] = b[i].size;
    qsort(sizes, n, sizeof *sizes, cmp_float);
    float em = sizes[n / 2] > 1 ? sizes[n / 2] : 10;
    free(sizes);
    return em;
}

/* Whether run i is a day heading (a run naming days and nothing else, set across). */
static int is_day_heading(const cbox *b, size_t i)
{
    return (b[i].flags & (RUN_DAY | RUN_TIME)) == RUN_DAY && !b[i].rotated;
}

/* Lists side by side among the runs of in[] (see above): writes up to max blocks, left
 * to right within each line of headings, and returns the count. A heading of aside[]
 * (may be NULL: runs of another table) counts as a neighbour, so one list of in[] beside
 * a list held elsewhere is found too, but gives no block. em: the page's text size. */
static int find_list_blocks(const cbox *b, size_t n, const unsigned char *in,
                            const unsigned char *aside, float em, list_block *out, int max)
{
    size_t heads[MAX_LIST_BLOCKS];
    int nout = 0;
    unsigned char *done = calloc(n ? n : 1, 1);
    if (!done) return 0;
    for (size_t h = 0; h < n; h++) {
        if (!in[h] || done[h] || !is_day_heading(b, h)) continue;
        /* the day headings on h's line, left to right */
        float cy = (b[h].y0 + b[h].y1) / 2;
        size_t nh = 0;
        for (size_t i = 0; i < n && nh < MAX_LIST_BLOCKS; i++) {
            if (!(in[i] || (aside && aside[i])) || !is_day_heading(b, i) ||
                fabsf((b[i].y0 + b[i].y1) / 2 - cy) > 0.6f * em)
                continue;
            done[i] = 1;
            size_t k = nh++;
            while (k > 0 && b[heads[k - 1]].x0 > b[i].x0) {
                heads[k] = heads[k - 1];
                k--;
            }
            heads[k] = i;
        }
        if (nh < 2 || nout + (int)nh > max) continue;
        /* the lists run down to their lowest time (a footer below them is no list's) */
        float top = b[heads[0]].y0, span = (b[heads[nh - 1]].x1 - b[heads[0]].x0) / (float)(nh - 1);
        for (size_t k = 1; k < nh; k++)
            top = fminf(top, b[heads[k]].y0);
        float lo = b[heads[0]].x0 - span, hi = b[heads[nh - 1]].x1 + span, bottom = top;
        for (size_t i = 0; i < n; i++) {
            float cx = (b[i].x0 + b[i].x1) / 2;
            if (in[i] && (b[i].flags & RUN_TIME) && b[i].y0 > top && cx > lo && cx < hi)
                bottom = fmaxf(bottom, b[i].y1);
        }
        list_block blk[MAX_LIST_BLOCKS];
        int ok = bottom > top;
        for (size_t k = 0; ok && k + 1 < nh; k++) {
            float l = (b[heads[k]].x0 + b[heads[k]].x1) / 2;
            float r = (b[heads[k + 1]].x0 + b[heads[k + 1]].x1) / 2, a = 0, z = 0;
            ok = middle_gap(b, n, in, l, r, top, bottom, 0.8f * em, &a, &z);
            blk[k].hi = z;
            blk[k + 1].lo = a;
        }
        if (!ok) continue;
        blk[0].lo = lo;
        blk[nh - 1].hi = hi;
        for (size_t k = 0; ok && k < nh; k++) {
            list_block *q = &blk[k];
            if (!in[heads[k]]) continue; /* a neighbour's */
            q->x0 = INFINITY, q->x1 = -INFINITY, q->top = top, q->bottom = top;
            for (size_t i = 0; i < n; i++) {
                float cx = (b[i].x0 + b[i].x1) / 2, my = (b[i].y0 + b[i].y1) / 2;
                if (!in[i] || cx <= q->lo || cx >= q->hi || my < top || my > bottom + 0.5f * em)
                    continue;
                q->x0 = fminf(q->x0, b[i].x0), q->x1 = fmaxf(q->x1, b[i].x1);
                q->bottom = fmaxf(q->bottom, b[i].y1);
            }
            ok = q->x1 > q->x0 &&
                 holds_time_column(b, n, in, q->x0, q->x1, b[heads[k]].y1, q->bottom);
        }
        if (!ok) continue;
        for (size_t k = 0; k < nh; k++)
            if (in[heads[k]]) out[nout++] = blk[k];
    }
    free(done);
    return nout;
}

/* Lists side by side in the text outside every table, or one beside a list a table
 * holds, become a table each (text_grid over each block). Returns whether rules were
 * added. */
static int list_rules(collector *c, const img_table *tables, size_t ntables, float s, const cbox *b,
                      size_t n, float em)
{
    unsigned char *in = malloc(n ? n : 1);
    list_block blk[MAX_LIST_BLOCKS];
    if (!in) return 0;
    for (size_t i = 0; i < n; i++)
        in[i] =
            !inside_tables(tables, ntables, s, (b[i].x0 + b[i].x1) / 2, (b[i].y0 + b[i].y1) / 2);
    /* the headings of lists the tables hold are neighbours */
    unsigned char *aside = malloc(n ? n : 1);
    for (size_t i = 0; aside && i < n; i++)
        aside[i] = !in[i];
    int nb = aside ? find_list_blocks(b, n, in, aside, em, blk, MAX_LIST_BLOCKS) : 0;
    free(in);
    free(aside);
    size_t before = c->nrules;
    for (int k = 0; k < nb; k++)
        text_grid(c, blk[k].x0 - 2, blk[k].top - 2, blk[k].x1 + 2, blk[k].bottom + 2, b, n, 0, NULL,
                  0);
    return c->nrules > before;
}

/* A copy of table t's columns [k0, k1): the cells wholly inside them, on the rows they
 * cover. Returns 0 when out of memory or when no cell is inside. */
static int sub_table(const img_table *t, int k0, int k1, img_table *out)
{
    int r0 = t->nrows, r1 = 0;
    size_t count = 0;
    memset(out, 0, sizeof *out);
    for (size_t i = 0; i < t->ncells; i++) {
        const img_cell *ic = &t->cells[i];
        if (ic->col < k0 || ic->col + ic->ncols > k1) continue;
        count++;
        r0 = ic->row < r0 ? ic->row : r0;
        r1 = ic->row + ic->nrows > r1 ? ic->row + ic->nrows : r1;
    }
    if (!count) return 0;
    out->nrows = r1 - r0;
    out->ncols = k1 - k0;
    out->row_y = malloc((size_t)(out->nrows + 1) * sizeof *out->row_y);
    out->col_x = malloc((size_t)(out->ncols + 1) * sizeof *out->col_x);
    out->cells = malloc(count * sizeof *out->cells);
    if (!out->row_y || !out->col_x || !out->cells) {
        free(out->row_y);
        free(out->col_x);
        free(out->cells);
        memset(out, 0, sizeof *out);
        return 0;
    }
    memcpy(out->row_y, t->row_y + r0, (size_t)(out->nrows + 1) * sizeof *out->row_y);
    memcpy(out->col_x, t->col_x + k0, (size_t)(out->ncols + 1) * sizeof *out->col_x);
    for (size_t i = 0; i < t->ncells; i++) {
        img_cell ic = t->cells[i];
        if (ic.col < k0 || ic.col + ic.ncols > k1) continue;
        ic.row -= r0;
        ic.col -= k0;
        out->cells[out->ncells++] = ic;
    }
    out->x = out->col_x[0];
    out->y = out->row_y[0];
    out->w = out->col_x[out->ncols] - out->x;
    out->h = out->row_y[out->nrows] - out->y;
    return 1;
}

/* A table holding lists side by side (a frame drawn around them all) is cut into one
 * table per list, at the lattice column edges inside the strips between them; cells
 * across a strip (a title over them all) are left out, their text the page's. Replaces
 * *tables when it cuts; AP_ERR_NOMEM. */
static ap_status split_lists(img_table **tables, size_t *ntables, float s, const cbox *b, size_t n,
                             float em)
{
    ap_status st = AP_OK;
    unsigned char *in = malloc(n ? n : 1);
    if (!in) return AP_ERR_NOMEM;
    for (size_t t = 0; t < *ntables && st == AP_OK; t++) {
        img_table *tb = &(*tables)[t];
        for (size_t i = 0; i < n; i++)
            in[i] = inside_tables(tb, 1, s, (b[i].x0 + b[i].x1) / 2, (b[i].y0 + b[i].y1) / 2);
        list_block blk[MAX_LIST_BLOCKS];
        int nb = find_list_blocks(b, n, in, NULL, em, blk, MAX_LIST_BLOCKS);
        if (nb < 2) continue;
        /* each block's columns: from the last edge in the strip on its left to the first
         * edge in the strip on its right */
        int k0[MAX_LIST_BLOCKS], k1[MAX_LIST_BLOCKS], ok = 1;
        for (int q = 0; q < nb && ok; q++) {
            k0[q] = -1, k1[q] = -1;
            for (int k = 0; k <= tb->ncols; k++) {
                float x = tb->col_x[k] / s;
                if (x <= blk[q].x0 + 0.5f && x >= blk[q].lo - 0.5f) k0[q] = k;
                if (x >= blk[q].x1 - 0.5f && x <= blk[q].hi + 0.5f && k1[q] < 0) k1[q] = k;
            }
            if (q == 0 && k0[q] < 0) k0[q] = 0;
            if (q == nb - 1 && k1[q] < 0) k1[q] = tb->ncols;
            ok = k0[q] >= 0 && k1[q] > k0[q] && (q == 0 || k0[q] >= k1[q - 1]);
        }
        if (!ok) continue;
        img_table *grown = realloc(*tables, (*ntables + (size_t)nb) * sizeof *grown);
        if (!grown) {
            st = AP_ERR_NOMEM;
            break;
        }
        *tables = grown;
        tb = &grown[t];
        size_t added = 0;
        for (int q = 0; q < nb; q++)
            added += (size_t)sub_table(tb, k0[q], k1[q], &grown[*ntables + added]);
        if (added < 2) { /* out of memory, or the cut leaves no list: keep the table */
            for (size_t a = 0; a < added; a++) {
                free(grown[*ntables + a].row_y);
                free(grown[*ntables + a].col_x);
                free(grown[*ntables + a].cells);
            }
            continue;
        }
        /* the first list takes the table's place, the others go at the end */
        free(tb->row_y);
        free(tb->col_x);
        free(tb->cells);
        *tb = grown[*ntables];
        memmove(&grown[*ntables], &grown[*ntables + 1], (added - 1) * sizeof *grown);
        *ntables += added - 1;
    }
    free(in);
    return st;
}

/* The flags of a run whose text is buf[0, len). */
static unsigned run_flags(const char *buf, size_t len)
{
    return (tt_text_names_day(buf, len) ? RUN_DAY : 0) |
           (tp_is_time_only(buf, len, 0, NULL) ? RUN_TIME : 0);
}

/* Boxes of the page's text runs, relative to its origin: the characters of one line
 * (no spaces) whose gaps are at most 0.6 of their size, so the words of a phrase are one
 * box. An implied rule never runs between the words of one line: a space is part of a
 * cell's text flow, a column's gutter is wider. */
static ap_status char_boxes(const fz_stext_page *sp, fz_rect page, cbox **out, size_t *n)
{
    size_t cap = 0;
    *out = NULL;
    *n = 0;
    for (fz_stext_block *b = sp->first_block; b; b = b->next) {
        if (b->type != FZ_STEXT_BLOCK_TEXT) continue;
        for (fz_stext_line *l = b->u.t.first_line; l; l = l->next) {
            size_t line_start = *n;
            char run[128]; /* the current run's text, for its flags (a prefix is enough) */
            size_t run_len = 0;
            for (fz_stext_char *ch = l->first_char;; ch = ch->next) {
                if (!ch) {
                    if (*n > line_start) (*out)[*n - 1].flags = run_flags(run, run_len);
                    break;
                }
                int rotated = fabsf(l->dir.y) > fabsf(l->dir.x);
                if (ch->c < 0x20) continue;
                if (ch->c == ' ') {
                    if (run_len && run_len < sizeof run) run[run_len++] = ' ';
                    continue;
                }
                fz_rect r = fz_rect_from_quad(ch->quad);
                r = fz_translate_rect(r, -page.x0, -page.y0);
                /* dashes as '-' (a range's connector), other non-ASCII as a mark that is none */
                char u = ch->c < 0x80                                              ? (char)ch->c
                         : (ch->c >= 0x2010 && ch->c <= 0x2015) || ch->c == 0x2212 ? '-'
                                                                                   : '*';
                if (*n > line_start) {
                    cbox *p = &(*out)[*n - 1];
                    float gap = rotated ? fmaxf(r.y0 - p->y1, p->y0 - r.y1)
                                        : fmaxf(r.x0 - p->x1, p->x0 - r.x1);
                    if (gap <= 0.6f * fmaxf(p->size, ch->size)) {
                        p->x0 = fminf(p->x0, r.x0), p->y0 = fminf(p->y0, r.y0);
                        p->x1 = fmaxf(p->x1, r.x1), p->y1 = fmaxf(p->y1, r.y1);
                        p->size = fmaxf(p->size, ch->size);
                        if (run_len < sizeof run) run[run_len++] = u;
                        continue;
                    }
                    p->flags = run_flags(run, run_len);
                }
                run_len = 0;
                run[run_len++] = u;
                if (*n >= PDF_MAX_CHARS) return AP_ERR_TOO_LARGE;
                if (*n == cap) {
                    cap = cap ? cap * 2 : 256;
                    cbox *grown = realloc(*out, cap * sizeof *grown);
                    if (!grown) return AP_ERR_NOMEM;
                    *out = grown;
                }
                (*out)[(*n)++] = (cbox){.x0 = r.x0,
                                        .y0 = r.y0,
                                        .x1 = r.x1,
                                        .y1 = r.y1,
                                        .size = ch->size,
                                        .rotated = rotated};
            }
        }
    }
    return AP_OK;
}

/* ---- text into cells ---- */

typedef struct piece {
    int table, cell; /* -1, -1: outside every table */
    float u0, u1;    /* extent along the reading direction */
    float v;         /* baseline position across it (grows line by line) */
    float size;      /* largest character size, points */
    unsigned ink;    /* TT_INK_KNOWN | 0xRRGGBB of its first character, 0 when empty */
    int rotation;    /* 0, 90 (reads upwards), 270 (reads downwards) */
    size_t order;    /* position in the content, for a stable sort */
    char *text;
} piece;

typedef struct pieces {
    piece *v;
    size_t n, cap;
} pieces;

static void pieces_free(pieces *p)
{
    for (size_t i = 0; i < p->n; i++)
        free(p->v[i].text);
    free(p->v);
    memset(p, 0, sizeof *p);
}

static int rotation_of(fz_point dir)
{
    if (fabsf(dir.y) > fabsf(dir.x)) return dir.y < 0 ? 90 : 270;
    return 0;
}

/* Reading direction and the direction lines follow one another (y grows downwards). */
static void axes(int rotation, fz_point *along, fz_point *down)
{
    *along = rotation == 90    ? fz_make_point(0, -1)
             : rotation == 270 ? fz_make_point(0, 1)
                               : fz_make_point(1, 0);
    *down = fz_make_point(-along->y, along->x);
}

/* The cell of table t holding point (x, y), or -1; unit_cell maps lattice units to cells. */
static int cell_at(const img_table *t, const int *unit_cell, float s, float x, float y)
{
    float px = x * s, py = y * s;
    if (px < t->col_x[0] || px >= t->col_x[t->ncols] || py < t->row_y[0] ||
        py >= t->row_y[t->nrows])
        return -1;
    int c = 0, r = 0;
    while (c + 1 < t->ncols && px >= t->col_x[c + 1])
        c++;
    while (r + 1 < t->nrows && py >= t->row_y[r + 1])
        r++;
    return unit_cell[r * t->ncols + c];
}

static ap_status piece_add(pieces *ps, const piece *p)
{
    if (ps->n == ps->cap) {
        size_t cap = ps->cap ? ps->cap * 2 : 64;
        piece *grown = realloc(ps->v, cap * sizeof *grown);
        if (!grown) return AP_ERR_NOMEM;
        ps->v = grown;
        ps->cap = cap;
    }
    ps->v[ps->n++] = *p;
    return AP_OK;
}

static void put_utf8(sbuf *b, int c)
{
    char u[4];
    size_t n;
    if (c < 0x80)
        u[0] = (char)c, n = 1;
    else if (c < 0x800)
        u[0] = (char)(0xc0 | (c >> 6)), u[1] = (char)(0x80 | (c & 0x3f)), n = 2;
    else if (c < 0x10000)
        u[0] = (char)(0xe0 | (c >> 12)), u[1] = (char)(0x80 | ((c >> 6) & 0x3f)),
        u[2] = (char)(0x80 | (c & 0x3f)), n = 3;
    else if (c < 0x110000)
        u[0] = (char)(0xf0 | (c >> 18)), u[1] = (char)(0x80 | ((c >> 12) & 0x3f)),
        u[2] = (char)(0x80 | ((c >> 6) & 0x3f)), u[3] = (char)(0x80 | (c & 0x3f)), n = 4;
    else
        return;
    sbuf_append(b, u, n);
}

typedef struct cell_map {
    const img_table *tables;
    size_t ntables;
    int **unit_cell; /* per table */
    float s;         /* mask pixels per point */
    fz_rect page;
} cell_map;

/* Cuts every line of the structured text into pieces, one per cell it crosses (and one
 * for each stretch outside the tables). *nchars: printable characters seen. */
static ap_status text_pieces(const fz_stext_page *sp, const cell_map *m, pieces *out,
                             size_t *nchars, ap_error *err)
{
    size_t order = 0;
    *nchars = 0;
    for (fz_stext_block *b = sp->first_block; b; b = b->next) {
        if (b->type != FZ_STEXT_BLOCK_TEXT) continue;
        for (fz_stext_line *l = b->u.t.first_line; l; l = l->next) {
            int rotation = rotation_of(l->dir);
            fz_point along, down;
            axes(rotation, &along, &down);
            sbuf text = {0};
            piece cur = {.table = -2};
            for (fz_stext_char *ch = l->first_char;; ch = ch->next) {
                int table = -1, cell = -1;
                fz_point mid = {0, 0};
                if (ch) {
                    if (++*nchars > PDF_MAX_CHARS) {
                        sbuf_free(&text);
                        return ap_fail(err, AP_ERR_TOO_LARGE,
                                       "pdf: a page holds more than %d characters", PDF_MAX_CHARS);
                    }
                    mid = fz_make_point((ch->quad.ul.x + ch->quad.lr.x) / 2,
                                        (ch->quad.ul.y + ch->quad.lr.y) / 2);
                    for (size_t t = 0; t < m->ntables && cell < 0; t++) {
                        cell = cell_at(&m->tables[t], m->unit_cell[t], m->s, mid.x - m->page.x0,
                                       mid.y - m->page.y0);
                        if (cell >= 0) table = (int)t;
                    }
                }
                if (!ch || table != cur.table || cell != cur.cell) {
                    if (cur.table != -2 && text.len) {
                        if (!(cur.text = sbuf_take(&text, NULL))) goto oom;
                        if (piece_add(out, &cur) != AP_OK) {
                            free(cur.text);
                            goto oom;
                        }
                    }
                    sbuf_free(&text);
                    if (!ch) break;
                    cur = (piece){.table = table,
                                  .cell = cell,
                                  .rotation = rotation,
                                  .order = order++,
                                  .u0 = INFINITY,
                                  .u1 = -INFINITY};
                    cur.v = ch->origin.x * down.x + ch->origin.y * down.y;
                }
                if (ch->c == ' ' && !text.len) continue; /* a cell's text starts with ink */
                if (ch->c < 0x20 || ch->c == 0xfffd) continue;
                put_utf8(&text, ch->c);
                if (ch->c != ' ') {
                    if (!cur.ink) cur.ink = TT_INK_KNOWN | ((unsigned)ch->color & 0xffffffu);
                    float a = ch->quad.ul.x * along.x + ch->quad.ul.y * along.y;
                    float z = ch->quad.lr.x * along.x + ch->quad.lr.y * along.y;
                    cur.u0 = fminf(cur.u0, fminf(a, z));
                    cur.u1 = fmaxf(cur.u1, fmaxf(a, z));
                    cur.size = fmaxf(cur.size, ch->size);
                }
            }
            if (text.oom) goto oom;
        }
    }
    return AP_OK;
oom:
    return ap_fail(err, AP_ERR_NOMEM, "pdf: out of memory");
}

static int cmp_piece(const void *a, const void *b)
{
    const piece *x = a, *y = b;
    if (x->table != y->table) return x->table < y->table ? -1 : 1;
    if (x->cell != y->cell) return x->cell < y->cell ? -1 : 1;
    if (x->v != y->v) return x->v < y->v ? -1 : 1;
    return (x->order > y->order) - (x->order < y->order);
}

static int cmp_u(const void *a, const void *b)
{
    const piece *x = a, *y = b;
    return (x->u0 > y->u0) - (x->u0 < y->u0);
}

/* Lines from pieces[0, n) (one cell, or the free text, sorted by v): pieces whose
 * baselines lie within half a character of each other are one line, joined left to
 * right (a space where they do not touch). inner: the extent a line could fill, for
 * width (0: unknown). Appends to *lines. */
static ap_status pieces_to_lines(piece *ps, size_t n, float inner, tt_line **lines, size_t *nlines)
{
    for (size_t i = 0; i < n;) {
        size_t j = i + 1;
        float size = ps[i].size > 0 ? ps[i].size : 1;
        while (j < n && ps[j].v - ps[i].v < 0.5f * size)
            j++;
        qsort(ps + i, j - i, sizeof *ps, cmp_u);
        sbuf b = {0};
        float u0 = INFINITY, u1 = -INFINITY, height = 0;
        unsigned ink = 0;
        size_t most = 0;
        for (size_t k = i; k < j; k++) {
            size_t len = strlen(ps[k].text);
            while (len && ps[k].text[len - 1] == ' ')
                len--;
            if (!len) continue;
            if (len > most)
                most = len, ink = ps[k].ink; /* the line's colour: its longest piece's */
            if (b.len && b.data[b.len - 1] != ' ' && ps[k].u0 - u1 > 0.15f * size)
                sbuf_puts(&b, " ");
            sbuf_append(&b, ps[k].text, len);
            u0 = fminf(u0, ps[k].u0);
            u1 = fmaxf(u1, ps[k].u1);
            height = fmaxf(height, ps[k].size);
        }
        i = j;
        if (b.oom) return AP_ERR_NOMEM;
        if (!b.len) continue;
        float width = inner > 0 && u1 > u0 ? (u1 - u0) / inner : 0;
        if (width > 1) width = 1;
        ap_status st = tt_lines_add(lines, nlines, b.data, 100.0f, height, width);
        sbuf_free(&b);
        if (st != AP_OK) return st;
        tt_line *l = &(*lines)[*nlines - 1];
        l->ink = ink;
        l->flags = TT_LINE_EXACT;
        /* an upright line's box: its pieces' extent, a type size up from the baseline */
        if (ps[i - 1].rotation == 0 && u1 > u0)
            l->box = (tt_bbox){.x = (int)lroundf(u0),
                               .y = (int)lroundf(ps[i - 1].v - height),
                               .w = (int)lroundf(fmaxf(1, u1 - u0)),
                               .h = (int)lroundf(fmaxf(1, height))};
    }
    return AP_OK;
}

/* The page's tables with their text, and its free text, into page. */
static ap_status fill_page(const img_table *tables, size_t ntables, const cell_map *m, pieces *ps,
                           int number, tt_page *page, ap_error *err)
{
    ap_status st = AP_OK;
    float s = m->s;
    qsort(ps->v, ps->n, sizeof *ps->v, cmp_piece);
    if (ntables && !(page->tables = calloc(ntables, sizeof *page->tables))) goto oom;
    size_t at = 0;
    /* free text first: its pieces sort first (table -1) */
    size_t free_end = 0;
    while (free_end < ps->n && ps->v[free_end].table < 0)
        free_end++;
    if ((st = pieces_to_lines(ps->v, free_end, 0, &page->free_text, &page->nfree)) != AP_OK)
        goto oom;
    at = free_end;
    for (size_t t = 0; t < ntables; t++) {
        const img_table *it = &tables[t];
        tt_table *tt = &page->tables[page->ntables++];
        tt->nrows = it->nrows;
        tt->ncols = it->ncols;
        tt->bbox = (tt_bbox){.page = number,
                             .x = (int)lroundf(it->x / s + m->page.x0),
                             .y = (int)lroundf(it->y / s + m->page.y0),
                             .w = (int)lroundf(it->w / s),
                             .h = (int)lroundf(it->h / s)};
        tt->row_pos = malloc((size_t)(it->nrows + 1) * sizeof *tt->row_pos);
        tt->col_pos = malloc((size_t)(it->ncols + 1) * sizeof *tt->col_pos);
        tt->cells = calloc(it->ncells ? it->ncells : 1, sizeof *tt->cells);
        if (!tt->row_pos || !tt->col_pos || !tt->cells) goto oom;
        for (int r = 0; r <= it->nrows; r++)
            tt->row_pos[r] = (int)lroundf(it->row_y[r] / s);
        for (int c = 0; c <= it->ncols; c++)
            tt->col_pos[c] = (int)lroundf(it->col_x[c] / s);
        for (size_t c = 0; c < it->ncells; c++) {
            const img_cell *ic = &it->cells[c];
            tt_cell *cell = &tt->cells[tt->ncells++];
            float x0 = it->col_x[ic->col] / s, x1 = it->col_x[ic->col + ic->ncols] / s;
            float y0 = it->row_y[ic->row] / s, y1 = it->row_y[ic->row + ic->nrows] / s;
            *cell = (tt_cell){.row = ic->row,
                              .col = ic->col,
                              .nrows = ic->nrows,
                              .ncols = ic->ncols,
                              .confidence = 100.0f,
                              .bbox = {.page = number,
                                       .x = (int)lroundf(x0 + m->page.x0),
                                       .y = (int)lroundf(y0 + m->page.y0),
                                       .w = (int)lroundf(x1 - x0),
                                       .h = (int)lroundf(y1 - y0)}};
            size_t end = at;
            while (end < ps->n && ps->v[end].table == (int)t && ps->v[end].cell == (int)c)
                end++;
            if (end == at) continue;
            /* the cell's direction is its pieces' by the most text */
            size_t votes[3] = {0, 0, 0};
            for (size_t k = at; k < end; k++)
                votes[ps->v[k].rotation / 90 == 3 ? 2 : ps->v[k].rotation / 90] +=
                    strlen(ps->v[k].text);
            int rotation = votes[1] > votes[0] && votes[1] >= votes[2] ? 90
                           : votes[2] > votes[0]                       ? 270
                                                                       : 0;
            cell->rotation = rotation;
            /* inner extent: the cell's side along the text, less a little padding */
            float inner = (rotation == 0 ? x1 - x0 : y1 - y0) - 4.0f;
            st = pieces_to_lines(ps->v + at, end - at, inner, &cell->lines, &cell->nlines);
            if (st != AP_OK) goto oom;
            at = end;
        }
    }
    return AP_OK;
oom:
    return ap_fail(err, AP_ERR_NOMEM, "pdf: out of memory");
}

/* ---- scanned pages: rendered, then the raster path ---- */

/* Pixels per point for rendering a scanned page: the scan's own resolution, so that its
 * pixels map 1:1 (resampling blurs the strokes OCR reads: a 150 dpi scan drawn at 200 dpi
 * loses about a tenth of its strict F1), never below PDF_MIN_DPI (a coarse scan is
 * enlarged for the OCR's sake); PDF_RENDER_DPI for a page that is drawing, not a picture
 * (image_ppp 0); fewer pixels when the page would pass PDF_MAX_RENDER. */
TESTABLE double pdf_render_scale(double width, double height, double image_ppp)
{
    double s = image_ppp > 0 ? fmax(image_ppp, PDF_MIN_DPI / 72.0) : PDF_RENDER_DPI / 72.0;
    if (width > 0 && height > 0 && width * height * s * s > (double)PDF_MAX_RENDER)
        s = sqrt((double)PDF_MAX_RENDER / (width * height));
    return s;
}

/* The page rendered in grey at pdf_render_scale; *scale: pixels per point. Throws on
 * MuPDF errors. */
static fz_pixmap *render_page(fz_context *ctx, fz_page *page, fz_rect bounds, double image_ppp,
                              float *scale)
{
    double w = bounds.x1 - bounds.x0, h = bounds.y1 - bounds.y0;
    double s = pdf_render_scale(w, h, image_ppp);
    *scale = (float)s;
    return fz_new_pixmap_from_page(ctx, page, fz_scale((float)s, (float)s), fz_device_gray(ctx), 0);
}

/* A grey pixmap as a Leptonica image (caller frees); NULL when out of memory. */
static PIX *pix_from_pixmap(fz_context *ctx, fz_pixmap *pm)
{
    int w = fz_pixmap_width(ctx, pm), h = fz_pixmap_height(ctx, pm);
    int n = fz_pixmap_components(ctx, pm);
    ptrdiff_t stride = fz_pixmap_stride(ctx, pm);
    const unsigned char *samples = fz_pixmap_samples(ctx, pm);
    PIX *pix = w > 0 && h > 0 && n >= 1 ? pixCreate(w, h, 8) : NULL;
    if (!pix) return NULL;
    l_uint32 *data = pixGetData(pix);
    int wpl = pixGetWpl(pix);
    for (int y = 0; y < h; y++) {
        const unsigned char *row = samples + (size_t)y * (size_t)stride;
        l_uint32 *line = data + (size_t)y * (size_t)wpl;
        for (int x = 0; x < w; x++)
            SET_DATA_BYTE(line, x, row[(size_t)x * (size_t)n]);
    }
    return pix;
}

/* Boxes of a raster page are in rendered pixels: bring them back to page points. */
static void scale_boxes(tt_page *page, float scale, fz_rect bounds, int number)
{
    page->number = number;
    for (size_t t = 0; t < page->ntables; t++) {
        tt_table *tt = &page->tables[t];
        tt->bbox = (tt_bbox){.page = number,
                             .x = (int)lroundf(tt->bbox.x / scale + bounds.x0),
                             .y = (int)lroundf(tt->bbox.y / scale + bounds.y0),
                             .w = (int)lroundf(tt->bbox.w / scale),
                             .h = (int)lroundf(tt->bbox.h / scale)};
        for (size_t c = 0; c < tt->ncells; c++) {
            tt_bbox *b = &tt->cells[c].bbox;
            *b = (tt_bbox){.page = number,
                           .x = (int)lroundf(b->x / scale + bounds.x0),
                           .y = (int)lroundf(b->y / scale + bounds.y0),
                           .w = (int)lroundf(b->w / scale),
                           .h = (int)lroundf(b->h / scale)};
        }
    }
}

/* ---- one page ---- */

typedef struct reader {
    fz_context *ctx;
    fz_document *doc;
    mem_cap mem;
    struct timespec deadline;
    ocr_engine **engines;
    size_t nengines;
    const tt_extract_options *opts;
} reader;

/* Turns the current MuPDF error into a status (after fz_catch). */
static ap_status mupdf_failure(reader *rd, int number, int timed_out, ap_error *err)
{
    const char *msg = fz_caught_message(rd->ctx);
    if (timed_out)
        return ap_fail(err, AP_ERR_TIMEOUT, "pdf: page %d: over the %.0f s budget for the document",
                       number, PDF_TIME_LIMIT);
    if (rd->mem.hit)
        return ap_fail(err, AP_ERR_TOO_LARGE, "pdf: page %d needs more than %zu MiB", number,
                       PDF_MEM_CAP >> 20);
    if (fz_caught(rd->ctx) == FZ_ERROR_MEMORY)
        return ap_fail(err, AP_ERR_NOMEM, "pdf: page %d: out of memory", number);
    return ap_fail(err, AP_ERR_INVALID, "pdf: page %d cannot be read: %s", number, msg);
}

/* Loads the page, collects its rules into c and its structured text into *text (NULL
 * for an empty page). The fz_try lives here, apart from the caller's many locals, so
 * that nothing the longjmp could clobber is used after it. */
static ap_status load_page(reader *rd, int number, fz_page **page, collector *c,
                           fz_stext_page **text, ap_error *err)
{
    fz_context *ctx = rd->ctx;
    fz_try(ctx)
    {
        *page = fz_load_page(ctx, rd->doc, number - 1);
        c->page = fz_bound_page(ctx, *page);
        c->page_area = (double)(c->page.x1 - c->page.x0) * (c->page.y1 - c->page.y0);
        if (!fz_is_empty_rect(c->page)) {
            collect_rules(ctx, *page, c);
            *text = fz_new_stext_page_from_page(ctx, *page, &(fz_stext_options){.flags = 0});
        }
    }
    fz_catch(ctx) return mupdf_failure(rd, number, c->timed_out, err);
    return AP_OK;
}

static ap_status render(reader *rd, int number, fz_page *page, fz_rect bounds, double image_ppp,
                        fz_pixmap **pm, float *scale, ap_error *err)
{
    fz_context *ctx = rd->ctx;
    fz_try(ctx) *pm = render_page(ctx, page, bounds, image_ppp, scale);
    fz_catch(ctx) return mupdf_failure(rd, number, 0, err);
    return AP_OK;
}

/* --debug-dir: a PDF's pages write their images into DIR/page-N (made here); NULL
 * without a debug directory or when the folder cannot be made. */
static const char *page_debug_dir(const reader *rd, int number, char *buf, size_t size)
{
    ap_error e;
    if (!rd->opts || !rd->opts->debug_dir) return NULL;
    snprintf(buf, size, "%s/page-%d", rd->opts->debug_dir, number);
    return files_mkdir_p(buf, &e) == AP_OK ? buf : NULL;
}

/* A page read from its text, for a person: lines.png (the page with its rules, drawn
 * ones red, those implied by fills or text orange) and page_debug's cells. */
static void write_debug(reader *rd, int number, fz_page *page, const collector *c,
                        const tt_page *out, const char *dir)
{
    char path[1024];
    fz_pixmap *pm = NULL;
    float scale = 1;
    ap_error e;
    if (render(rd, number, page, c->page, 0, &pm, &scale, &e) != AP_OK) return;
    PIX *pix = pix_from_pixmap(rd->ctx, pm);
    fz_drop_pixmap(rd->ctx, pm);
    PIX *lines = pix ? pixConvertTo32(pix) : NULL;
    for (size_t i = 0; lines && i < c->nrules; i++) {
        const rule *r = &c->rules[i];
        pixRenderLineArb(lines, (int)lroundf((r->x0 - c->page.x0) * scale),
                         (int)lroundf((r->y0 - c->page.y0) * scale),
                         (int)lroundf((r->x1 - c->page.x0) * scale),
                         (int)lroundf((r->y1 - c->page.y0) * scale), 2, 255, r->drawn ? 0 : 140, 0);
    }
    if (lines && snprintf(path, sizeof path, "%s/lines.png", dir) < (int)sizeof path &&
        pixWrite(path, lines, IFF_PNG) != 0)
        log_debug("pdf: cannot write %s", path);
    if (pix) tt_page_debug_write(dir, out, "pdf", pix, scale, c->page.x0, c->page.y0);
    pixDestroy(&lines);
    pixDestroy(&pix);
}

/* Reads page number (1-based) into *page. *used: the page gave something (a table or text). */
static ap_status read_page(reader *rd, int number, tt_page *out, int *used, ap_error *err)
{
    ap_status st = AP_OK;
    fz_context *ctx = rd->ctx;
    fz_page *page = NULL;
    fz_stext_page *text = NULL;
    fz_pixmap *pm = NULL;
    PIX *pix = NULL;
    img_table *tables = NULL;
    size_t ntables = 0;
    int **unit_cell = NULL;
    pieces ps = {0};
    collector c;
    char debug_buf[1024];
    const char *debug = page_debug_dir(rd, number, debug_buf, sizeof debug_buf);
    memset(&c, 0, sizeof c);
    memset(out, 0, sizeof *out);
    *used = 0;
    c.deadline = rd->deadline;

    if ((st = load_page(rd, number, &page, &c, &text, err)) != AP_OK) goto out;
    if (!text) goto out; /* an empty page */
    if (c.oom) {
        st = ap_fail(err, AP_ERR_NOMEM, "pdf: out of memory");
        goto out;
    }
    if (c.too_many)
        log_debug("pdf: page %d: more than %d rules, the rest ignored", number, PDF_MAX_RULES);

    float s = 1;
    {
        cbox *boxes = NULL;
        size_t nboxes = 0;
        st = char_boxes(text, c.page, &boxes, &nboxes);
        if (st != AP_OK) {
            free(boxes);
            st = st == AP_ERR_NOMEM ? ap_fail(err, st, "pdf: out of memory")
                                    : ap_fail(err, st, "pdf: page %d holds more than %d characters",
                                              number, PDF_MAX_CHARS);
            goto out;
        }
        find_panels(&c, boxes, nboxes);
        /* a panel is a table even without inner rules (the lattice drops one-cell
         * tables): rows and columns from its text */
        for (size_t p = 0; p < c.npanels; p++)
            text_grid(&c, c.panels[p].x0 - c.page.x0, c.panels[p].y0 - c.page.y0,
                      c.panels[p].x1 - c.page.x0, c.panels[p].y1 - c.page.y0, boxes, nboxes, 0,
                      NULL, 0);
        close_row_tables(&c);
        if ((st = rule_tables(&c, &tables, &ntables, &s, err)) != AP_OK) {
            free(boxes);
            goto out;
        }
        size_t before = c.nrules;
        text_rules(&c, tables, ntables, s, boxes, nboxes);
        if (c.nrules > before && !c.oom) {
            img_tables_free(tables, ntables);
            tables = NULL;
            ntables = 0;
            st = rule_tables(&c, &tables, &ntables, &s, err);
        }
        float em = median_size(boxes, nboxes);
        if (st == AP_OK && !c.oom && below_rules(&c, tables, ntables, s, boxes, nboxes, em)) {
            img_tables_free(tables, ntables);
            tables = NULL;
            ntables = 0;
            st = rule_tables(&c, &tables, &ntables, &s, err);
        }
        if (st == AP_OK && !c.oom && list_rules(&c, tables, ntables, s, boxes, nboxes, em)) {
            img_tables_free(tables, ntables);
            tables = NULL;
            ntables = 0;
            st = rule_tables(&c, &tables, &ntables, &s, err);
        }
        if (st == AP_OK && !c.oom && borderless_rules(&c, tables, ntables, s, boxes, nboxes)) {
            img_tables_free(tables, ntables);
            tables = NULL;
            ntables = 0;
            st = rule_tables(&c, &tables, &ntables, &s, err);
        }
        /* a second round: a cell split into rows may now be parted across too (a text
         * crossing the line in one row kept the cell of all the rows whole) */
        for (int round = 0; round < 2 && st == AP_OK && !c.oom &&
                            split_merged(&c, tables, ntables, s, boxes, nboxes);
             round++) {
            img_tables_free(tables, ntables);
            tables = NULL;
            ntables = 0;
            st = rule_tables(&c, &tables, &ntables, &s, err);
        }
        if (st == AP_OK && !c.oom && split_lists(&tables, &ntables, s, boxes, nboxes, em) != AP_OK)
            st = ap_fail(err, AP_ERR_NOMEM, "pdf: out of memory");
        free(boxes);
        if (st != AP_OK) goto out;
        if (c.oom) goto oom;
    }
    if (ntables && !(unit_cell = calloc(ntables, sizeof *unit_cell))) goto oom;
    for (size_t t = 0; t < ntables; t++) {
        size_t units = (size_t)tables[t].nrows * (size_t)tables[t].ncols;
        if (!(unit_cell[t] = malloc(units * sizeof **unit_cell))) goto oom;
        for (size_t u = 0; u < units; u++)
            unit_cell[t][u] = -1;
        for (size_t k = 0; k < tables[t].ncells; k++) {
            const img_cell *ic = &tables[t].cells[k];
            for (int r = ic->row; r < ic->row + ic->nrows; r++)
                for (int q = ic->col; q < ic->col + ic->ncols; q++)
                    unit_cell[t][r * tables[t].ncols + q] = (int)k;
        }
    }
    cell_map m = {
        .tables = tables, .ntables = ntables, .unit_cell = unit_cell, .s = s, .page = c.page};
    size_t nchars = 0;
    if ((st = text_pieces(text, &m, &ps, &nchars, err)) != AP_OK) goto out;
    size_t printable = 0;
    int axis_text = 0; /* a day or a time is printed as text */
    tp_match tm;
    for (size_t i = 0; i < ps.n; i++) {
        const char *t = ps.v[i].text;
        for (const char *p = t; *p; p++)
            printable += *p != ' ';
        axis_text =
            axis_text || tt_text_names_day(t, strlen(t)) || tp_find(t, strlen(t), 0, 0, &tm);
    }

    /* A scan: (almost) no text but something drawn, or text but no ruled table over a
     * page-sized image (an invisible OCR layer), or a picture of a fifth of the page or
     * more beside text that names no day and no time (a screenshot of a timetable under
     * a title): read the picture instead. */
    int scanned = (printable < PDF_MIN_TEXT && (c.image_area > 0 || c.paths >= 4)) ||
                  (ntables == 0 && c.image_area * 2 > c.page_area) ||
                  (ntables == 0 && !axis_text && c.image_best * 5 > c.page_area);
    if (scanned) {
        float scale = 1;
        /* the scan's own resolution when an image covers most of the page */
        double ppp = c.image_best * 2 > c.page_area ? c.image_ppp : 0;
        if ((st = render(rd, number, page, c.page, ppp, &pm, &scale, err)) != AP_OK) goto out;
        if (!(pix = pix_from_pixmap(ctx, pm))) goto oom;
        tt_extract_options o = {0};
        if (rd->opts) o = *rd->opts;
        o.debug_dir = debug;
        st = tt_read_raster(pix, rd->engines, rd->nengines, rd->opts ? &o : NULL, out, err);
        if (st != AP_OK) goto out;
        scale_boxes(out, scale, c.page, number);
        *used = 1;
        log_debug("pdf: page %d: scanned (%zu characters), read as a %dx%d image", number,
                  printable, pixGetWidth(pix), pixGetHeight(pix));
        goto out;
    }
    out->number = number;
    if ((st = fill_page(tables, ntables, &m, &ps, number, out, err)) != AP_OK) goto out;
    *used = out->ntables > 0 || out->nfree > 0;
    if (debug) write_debug(rd, number, page, &c, out, debug);
    log_debug("pdf: page %d: %zu rules, %zu tables, %zu characters", number, c.nrules, ntables,
              nchars);
    goto out;
oom:
    st = ap_fail(err, AP_ERR_NOMEM, "pdf: out of memory");
out:
    if (st != AP_OK) tt_page_free(out);
    for (size_t t = 0; unit_cell && t < ntables; t++)
        free(unit_cell[t]);
    free(unit_cell);
    img_tables_free(tables, ntables);
    pieces_free(&ps);
    free(c.rules);
    free(c.fills);
    free(c.panels);
    pixDestroy(&pix);
    fz_drop_pixmap(ctx, pm);
    fz_drop_stext_page(ctx, text);
    fz_drop_page(ctx, page);
    return st;
}

/* ---- the document ---- */

static ap_status open_document(reader *rd, const unsigned char *data, size_t len,
                               fz_stream **stream, int *count, ap_error *err)
{
    fz_context *ctx = rd->ctx;
    fz_try(ctx)
    {
        *stream = fz_open_memory(ctx, data, len);
        rd->doc = (fz_document *)pdf_open_document_with_stream(ctx, *stream);
        *count = fz_count_pages(ctx, rd->doc);
    }
    fz_catch(ctx)
    {
        if (rd->mem.hit)
            return ap_fail(err, AP_ERR_TOO_LARGE, "pdf: opening needs more than %zu MiB",
                           PDF_MEM_CAP >> 20);
        return ap_fail(err, AP_ERR_INVALID, "pdf: not a readable PDF: %s", fz_caught_message(ctx));
    }
    return AP_OK;
}

ap_status tt_read_pdf(const unsigned char *data, size_t len, ocr_engine **engines, size_t nengines,
                      const tt_extract_options *opts, tt_page **pages_out, size_t *npages_out,
                      ap_error *err)
{
    ap_status st = AP_OK;
    reader rd = {
        .mem = {.cap = PDF_MEM_CAP}, .engines = engines, .nengines = nengines, .opts = opts};
    fz_alloc_context alloc = {
        .user = &rd.mem, .malloc = cap_malloc, .realloc = cap_realloc, .free = cap_free};
    fz_stream *stream = NULL;
    tt_page *pages = NULL;
    size_t npages = 0;
    int count = 0;
    *pages_out = NULL;
    *npages_out = 0;
    clock_gettime(CLOCK_MONOTONIC, &rd.deadline);
    rd.deadline.tv_sec += (time_t)PDF_TIME_LIMIT;

    if (!(rd.ctx = fz_new_context(&alloc, NULL, PDF_STORE)))
        return ap_fail(err, AP_ERR_NOMEM, "pdf: cannot create a MuPDF context");
    fz_context *ctx = rd.ctx;
    fz_set_warning_callback(ctx, quiet_mupdf, NULL);
    fz_set_error_callback(ctx, quiet_mupdf, NULL);
    if ((st = open_document(&rd, data, len, &stream, &count, err)) != AP_OK) goto out;
    if (count <= 0) {
        st = ap_fail(err, AP_ERR_INVALID, "pdf: the document has no pages");
        goto out;
    }
    if (count > TT_PDF_MAX_PAGES) {
        st = ap_fail(err, AP_ERR_TOO_LARGE, "pdf: %d pages; at most %d are read", count,
                     TT_PDF_MAX_PAGES);
        goto out;
    }
    if (!(pages = calloc((size_t)count, sizeof *pages))) {
        st = ap_fail(err, AP_ERR_NOMEM, "pdf: out of memory");
        goto out;
    }
    for (int i = 1; i <= count; i++) {
        int used = 0;
        if (past_deadline(&rd.deadline)) {
            st = ap_fail(err, AP_ERR_TIMEOUT, "pdf: over the %.0f s budget at page %d",
                         PDF_TIME_LIMIT, i);
            goto out;
        }
        if ((st = read_page(&rd, i, &pages[npages], &used, err)) != AP_OK) goto out;
        if (used)
            npages++;
        else
            tt_page_free(&pages[npages]);
    }
out:
    if (st != AP_OK) {
        for (size_t i = 0; pages && i < npages; i++)
            tt_page_free(&pages[i]);
        free(pages);
        pages = NULL;
        npages = 0;
    }
    fz_drop_document(ctx, rd.doc);
    fz_drop_stream(ctx, stream);
    fz_drop_context(ctx);
    *pages_out = pages;
    *npages_out = npages;
    return st;
}

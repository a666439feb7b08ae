/* pdf_rules: the rules of a PDF page (document/pdf_internal.h). A MuPDF device runs the
 * page's content and keeps stroked straight segments, thin filled bars and the outlines
 * of filled cell-sized rectangles; the rules then become a lattice through vision/table. */
#include <math.h>
#include <stdlib.h>
#include <time.h>

#include "document/pdf_internal.h"

/* ---- rules: the collecting device ---- */

int pdf_past_deadline(const struct timespec *deadline)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return now.tv_sec > deadline->tv_sec ||
           (now.tv_sec == deadline->tv_sec && now.tv_nsec > deadline->tv_nsec);
}

/* Checked on every drawing call: a content stream built to take forever stops here. */
static void check_time(fz_context *ctx, pdf_collector *c)
{
    if ((++c->calls & 63) == 0 && pdf_past_deadline(&c->deadline)) {
        c->timed_out = 1;
        fz_throw(ctx, FZ_ERROR_ABORT, "time limit");
    }
}

static void add_rule_as(pdf_collector *c, float x0, float y0, float x1, float y1, float thick,
                        int horizontal, int drawn)
{
    if (c->nrules >= PDF_MAX_RULES) {
        c->too_many = 1;
        return;
    }
    if (c->nrules == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 256;
        pdf_rule *grown = realloc(c->rules, cap * sizeof *grown);
        if (!grown) {
            c->oom = 1;
            return;
        }
        c->rules = grown;
        c->cap = cap;
    }
    c->rules[c->nrules++] = (pdf_rule){.x0 = fminf(x0, x1),
                                       .y0 = fminf(y0, y1),
                                       .x1 = fmaxf(x0, x1),
                                       .y1 = fmaxf(y0, y1),
                                       .thick = thick,
                                       .horizontal = horizontal,
                                       .drawn = drawn};
}

/* A rule implied by a fill's edge or by the text. */
void pdf_add_rule(pdf_collector *c, float x0, float y0, float x1, float y1, float thick,
                  int horizontal)
{
    add_rule_as(c, x0, y0, x1, y1, thick, horizontal, 0);
}

/* A stroked segment (page points) is a rule when it runs across or down the page. */
static void stroke_segment(pdf_collector *c, fz_point a, fz_point b)
{
    float dx = fabsf(b.x - a.x), dy = fabsf(b.y - a.y);
    if (dx >= 2 && dy <= dx * 0.02f)
        add_rule_as(c, a.x, (a.y + b.y) / 2, b.x, (a.y + b.y) / 2, c->thick, 1, 1);
    else if (dy >= 2 && dx <= dy * 0.02f)
        add_rule_as(c, (a.x + b.x) / 2, a.y, (a.x + b.x) / 2, b.y, c->thick, 0, 1);
}

/* Appends r to a bounded array of rectangles; sets c->oom when out of memory. */
static void push_rect(pdf_collector *c, fz_rect **v, size_t *n, size_t *cap, fz_rect r)
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
void pdf_add_panel(pdf_collector *c, fz_rect r)
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
static void fill_rect(pdf_collector *c, fz_rect r)
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
        pdf_add_panel(c, r);
        return;
    }
    push_rect(c, &c->fills, &c->nfills, &c->fills_cap, r);
    pdf_add_rule(c, r.x0, r.y0, r.x1, r.y0, 0.5f, 1);
    pdf_add_rule(c, r.x0, r.y1, r.x1, r.y1, 0.5f, 1);
    pdf_add_rule(c, r.x0, r.y0, r.x0, r.y1, 0.5f, 0);
    pdf_add_rule(c, r.x1, r.y0, r.x1, r.y1, 0.5f, 0);
}

/* The fill subpath ends: four or five corners with axis-aligned sides make a rectangle. */
static void end_subpath(pdf_collector *c)
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

static void walk_point(pdf_collector *c, fz_point p)
{
    if (c->npts < 6)
        c->pts[c->npts++] = p;
    else
        c->rect_ok = 0;
}

static void w_moveto(fz_context *ctx, void *arg, float x, float y)
{
    (void)ctx;
    pdf_collector *c = arg;
    end_subpath(c);
    c->cur = c->start = fz_transform_point_xy(x, y, c->ctm);
    walk_point(c, c->cur);
}

static void w_lineto(fz_context *ctx, void *arg, float x, float y)
{
    (void)ctx;
    pdf_collector *c = arg;
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
    pdf_collector *c = arg;
    c->rect_ok = 0; /* a curve is no rule and no rectangle */
    c->cur = fz_transform_point_xy(x3, y3, c->ctm);
}

static void w_closepath(fz_context *ctx, void *arg)
{
    (void)ctx;
    pdf_collector *c = arg;
    if (c->stroking) stroke_segment(c, c->cur, c->start);
    end_subpath(c);
    c->cur = c->start;
}

static void w_rectto(fz_context *ctx, void *arg, float x1, float y1, float x2, float y2)
{
    (void)ctx;
    pdf_collector *c = arg;
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
    pdf_collector *c = (pdf_collector *)dev;
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
    pdf_collector *c = (pdf_collector *)dev;
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
    pdf_collector *c = (pdf_collector *)dev;
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
    check_time(ctx, (pdf_collector *)dev);
}

/* Runs the page through the collector. Fills c (rules, image area); MuPDF errors
 * propagate as exceptions to the caller's fz_try. */
void pdf_collect_rules(fz_context *ctx, fz_page *page, pdf_collector *c)
{
    pdf_collector *d = fz_new_derived_device(ctx, pdf_collector);
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
ap_status pdf_rule_tables(const pdf_collector *c, img_table **tables, size_t *ntables,
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
        const pdf_rule *r = &c->rules[i];
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

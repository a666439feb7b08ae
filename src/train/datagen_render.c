/* datagen_render: draws a dg_page with cairo and pango on any cairo surface.
 *
 * The same code draws the raster pages (PNG, JPEG) and the born-digital PDF, so both
 * show the same text in the same cells. User space is the page in points; pango runs at
 * 72 dpi with metric hinting off, so a layout measures the same at every scale and on
 * every surface. While drawing, each text line's box (in device pixels, through cairo's
 * current transform, so rotations and the word-processor window are accounted for) and
 * its exact transcription (pango's own line breaking) go to a dg_lines list: these are the
 * OCR training crops. Nothing here feeds back into the gold.
 *
 * Threads: cairo 1.16's FreeType backend shares its faces between threads and can free a
 * face one thread is still measuring (a crash seen after a few hundred documents on two
 * threads). So every use of fonts (layout, drawing, the cairo_t or PDF surface that holds
 * scaled fonts, their destruction) happens under render_lock, on one font map shared by
 * all threads (dg_render_setup / dg_render_teardown). Degradation, encoding and writing,
 * most of a document's time, stay parallel. */
#include <cairo-pdf.h>
#include <math.h>
#include <pango/pangocairo.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "train/datagen_internal.h"

void dg_fonts_init(dg_fonts *fonts)
{
    memset(fonts, 0, sizeof *fonts);
    PangoFontMap *map = pango_cairo_font_map_new();
    PangoFontFamily **fams = NULL;
    int n = 0;
    if (map) pango_font_map_list_families(map, &fams, &n);
    for (size_t i = 0; i < dg_known_font_count() && fonts->n < 64; i++) {
        bool heldout = false;
        const char *name = dg_known_font(i, &heldout);
        for (int j = 0; j < n; j++)
            if (strcasecmp(pango_font_family_get_name(fams[j]), name) == 0) {
                fonts->heldout[fonts->n] = heldout;
                fonts->names[fonts->n++] = name;
                break;
            }
    }
    g_free(fams);
    if (map) g_object_unref(map);
}

static void set_rgb(cairo_t *cr, uint32_t rgb)
{
    cairo_set_source_rgb(cr, ((rgb >> 16) & 255) / 255.0, ((rgb >> 8) & 255) / 255.0,
                         (rgb & 255) / 255.0);
}

typedef struct rctx {
    cairo_t *cr;
    PangoContext *pctx;
    const dg_page *pg;
    dg_lines *lines; /* NULL: do not record */
} rctx;

/* One run of a text block: the main text, its note or its time. */
typedef struct part {
    const char *text;
    double scale;
    bool bold;
    uint32_t ink, bg;
    dg_kind kind;
} part;

static void lines_push(dg_lines *l, const dg_linebox *b)
{
    if (l->oom) return;
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 128;
        dg_linebox *v = realloc(l->v, cap * sizeof *v);
        if (!v) {
            l->oom = true;
            return;
        }
        l->v = v;
        l->cap = cap;
    }
    l->v[l->n++] = *b;
}

/* Builds the markup of parts at base size `size`; false when out of memory. */
static bool build_markup(const part *parts, int nparts, double size, bool oldstyle, GString *out,
                         int *ends, dg_kind *kinds, int *nk)
{
    g_string_truncate(out, 0);
    int plain = 0;
    *nk = 0;
    for (int i = 0; i < nparts; i++) {
        if (!parts[i].text || !parts[i].text[0]) continue;
        if (*nk) {
            g_string_append_c(out, '\n');
            plain++;
        }
        char bg[40] = "";
        if (parts[i].bg != DG_NO_FILL)
            snprintf(bg, sizeof bg, " background=\"#%06x\"", parts[i].bg);
        char *esc = g_markup_escape_text(parts[i].text, -1);
        if (!esc) return false;
        g_string_append_printf(out, "<span size=\"%d\" foreground=\"#%06x\"%s%s%s>%s</span>",
                               (int)(size * parts[i].scale * PANGO_SCALE), parts[i].ink, bg,
                               parts[i].bold ? " weight=\"bold\"" : "",
                               oldstyle ? " font_features=\"onum\"" : "", esc);
        g_free(esc);
        plain += (int)strlen(parts[i].text);
        ends[*nk] = plain;
        kinds[*nk] = parts[i].kind;
        (*nk)++;
    }
    return true;
}

/* True when a line of the layout starts inside a word (the word was broken at the width). */
static bool breaks_words(PangoLayout *lay)
{
    const char *text = pango_layout_get_text(lay);
    for (GSList *l = pango_layout_get_lines_readonly(lay); l; l = l->next) {
        PangoLayoutLine *line = l->data;
        int s = line->start_index;
        if (s > 0 && text[s - 1] != ' ' && text[s - 1] != '\n' && text[s - 1] != '/' &&
            text[s - 1] != '-')
            return true;
    }
    return false;
}

/* Draws parts centred in the box (x, y, w, h), rotated by `rotation` degrees, shrinking
 * the size until the text fits (and, with fit, until no word is broken). */
static void draw_text(rctx *rc, double x, double y, double w, double h, const part *parts,
                      int nparts, int rotation, int align, bool fit, const char *font, double size)
{
    cairo_t *cr = rc->cr;
    double pad = fmin(4.0, fmin(w, h) * 0.12);
    double along = (rotation ? h : w) - 2 * pad, across = (rotation ? w : h) - 2 * pad;
    if (along < 2 || across < 2) return;
    GString *markup = g_string_new(NULL);
    PangoLayout *lay = pango_layout_new(rc->pctx);
    PangoFontDescription *desc = pango_font_description_from_string(font);
    int ends[4];
    dg_kind kinds[4];
    int nk = 0;
    if (!markup || !lay || !desc) goto out;
    pango_font_description_set_family(desc, font);
    pango_layout_set_font_description(lay, desc);
    pango_layout_set_wrap(lay, PANGO_WRAP_WORD_CHAR);
    pango_layout_set_width(lay, (int)(along * PANGO_SCALE));
    pango_layout_set_alignment(lay, align == 1   ? PANGO_ALIGN_LEFT
                                    : align == 2 ? PANGO_ALIGN_RIGHT
                                                 : PANGO_ALIGN_CENTER);
    PangoRectangle logical = {0};
    size = floor(size * 4 + 0.5) / 4;
    for (int iter = 0; iter < 12; iter++) {
        if (!build_markup(parts, nparts, size, rc->pg && rc->pg->style.oldstyle, markup, ends,
                          kinds, &nk))
            goto out;
        if (nk == 0) goto out;
        pango_layout_set_markup(lay, markup->str, -1);
        pango_layout_get_extents(lay, NULL, &logical);
        bool over = logical.height / (double)PANGO_SCALE > across;
        if (!over && !(fit && breaks_words(lay))) break;
        if (size < 4.5) break;
        /* Quarter-point steps: fewer distinct sizes, so cached fonts are reused. */
        size = floor(size * 0.9 * 4) / 4;
    }
    double th = logical.height / (double)PANGO_SCALE;
    cairo_save(cr);
    if (rotation == 90) {
        cairo_translate(cr, x + (w - th) / 2, y + h - pad);
        cairo_rotate(cr, -M_PI / 2);
    } else if (rotation == 270) {
        cairo_translate(cr, x + (w + th) / 2, y + pad);
        cairo_rotate(cr, M_PI / 2);
    } else {
        cairo_translate(cr, x + pad, y + (h - th) / 2);
    }
    pango_cairo_update_layout(cr, lay);
    cairo_move_to(cr, 0, 0);
    pango_cairo_show_layout(cr, lay);

    if (rc->lines) {
        const char *text = pango_layout_get_text(lay);
        PangoLayoutIter *it = pango_layout_get_iter(lay);
        if (!it) {
            rc->lines->oom = true;
        } else {
            do {
                PangoLayoutLine *line = pango_layout_iter_get_line_readonly(it);
                PangoRectangle r;
                pango_layout_iter_get_line_extents(it, NULL, &r);
                dg_linebox b;
                memset(&b, 0, sizeof b);
                int s = line->start_index, len = line->length;
                while (len > 0 && (text[s + len - 1] == ' ' || text[s + len - 1] == '\n'))
                    len--;
                while (len > 0 && text[s] == ' ')
                    s++, len--;
                if (len <= 0 || (size_t)len >= sizeof b.text) continue;
                memcpy(b.text, text + s, (size_t)len);
                b.kind = kinds[nk - 1];
                for (int k = 0; k < nk; k++)
                    if (s < ends[k]) {
                        b.kind = kinds[k];
                        break;
                    }
                double xs[2] = {r.x / (double)PANGO_SCALE, (r.x + r.width) / (double)PANGO_SCALE};
                double ys[2] = {r.y / (double)PANGO_SCALE, (r.y + r.height) / (double)PANGO_SCALE};
                b.x0 = b.y0 = INFINITY, b.x1 = b.y1 = -INFINITY;
                for (int k = 0; k < 4; k++) {
                    double dx = xs[k & 1], dy = ys[k >> 1];
                    cairo_user_to_device(cr, &dx, &dy);
                    b.x0 = fmin(b.x0, dx), b.x1 = fmax(b.x1, dx);
                    b.y0 = fmin(b.y0, dy), b.y1 = fmax(b.y1, dy);
                }
                double one = 1, zero = 0;
                cairo_user_to_device_distance(cr, &one, &zero);
                b.size_px = size * hypot(one, zero);
                b.rotation = rotation;
                snprintf(b.font, sizeof b.font, "%s", font);
                lines_push(rc->lines, &b);
            } while (pango_layout_iter_next_line(it));
            pango_layout_iter_free(it);
        }
    }
    cairo_restore(cr);
out:
    if (desc) pango_font_description_free(desc);
    if (lay) g_object_unref(lay);
    if (markup) g_string_free(markup, TRUE);
}

static void draw_cell(rctx *rc, const dg_cell *c, double x, double y, double w, double h)
{
    cairo_t *cr = rc->cr;
    const dg_style *s = &rc->pg->style;
    if (c->fill != DG_NO_FILL) {
        set_rgb(cr, c->fill);
        cairo_rectangle(cr, x, y, w, h);
        cairo_fill(cr);
    }
    part parts[3];
    int n = 0;
    part tp = {
        c->time,     0.8, true, c->ink, (c->flags & DG_CELL_HILITE) ? s->hilite_rgb : DG_NO_FILL,
        DG_KIND_TIME};
    if (c->time[0] && !(c->flags & DG_CELL_TBELOW)) parts[n++] = tp;
    parts[n++] = (part){c->text, 1.0, (c->flags & DG_CELL_BOLD) != 0, c->ink, DG_NO_FILL, c->kind};
    if (c->note[0])
        parts[n++] = (part){c->note, 0.78, false, c->note_ink, DG_NO_FILL, DG_KIND_NOTE};
    if (c->time[0] && (c->flags & DG_CELL_TBELOW)) parts[n++] = tp;
    const char *font = (c->flags & DG_CELL_HEADER) ? s->head_font : s->font;
    draw_text(rc, x, y, w, h, parts, n, c->rotation, c->align, !(c->flags & DG_CELL_NOFIT), font,
              c->size);
}

static void stroke_line(cairo_t *cr, double x0, double y0, double x1, double y1)
{
    cairo_move_to(cr, x0, y0);
    cairo_line_to(cr, x1, y1);
    cairo_stroke(cr);
}

static void draw_table(rctx *rc, const dg_table *t, double x, double y, double w, double h)
{
    cairo_t *cr = rc->cr;
    const dg_style *s = &rc->pg->style;
    double base = s->base_pt;
    if (t->title[0][0] || t->title[1][0]) {
        double th = base * 3.6;
        if (t->title_fill != DG_NO_FILL) {
            set_rgb(cr, t->title_fill);
            cairo_rectangle(cr, x, y, w, th);
            cairo_fill(cr);
        }
        part p1 = {t->title[0], 1.5, true, s->ink_rgb, DG_NO_FILL, DG_KIND_TITLE};
        part p2 = {t->title[1], 1.0, false, s->ink_rgb, DG_NO_FILL, DG_KIND_DAY};
        draw_text(rc, x, y, w, th * 0.55, &p1, 1, 0, 0, true, s->head_font, base);
        draw_text(rc, x, y + th * 0.5, w, th * 0.5, &p2, 1, 0, 0, true, s->head_font, base);
        if (s->borders != DG_BORDERS_NONE) {
            set_rgb(cr, s->line_rgb);
            cairo_set_line_width(cr, s->line_w);
            cairo_rectangle(cr, x, y, w, th);
            cairo_stroke(cr);
        }
        y += th, h -= th;
    }
    double xs[DG_MAX_TRACKS + 1], ys[DG_MAX_TRACKS + 1], sw = 0, sh = 0;
    for (int i = 0; i < t->cols; i++)
        sw += t->col_w[i];
    for (int i = 0; i < t->rows; i++)
        sh += t->row_h[i];
    /* Rows of a short list stay a readable height instead of stretching down the page. */
    double row_unit = fmin(h / sh, base * (rc->pg->family == DG_LAYOUT_LISTS ? 3.2 : 7.0));
    xs[0] = x, ys[0] = y;
    for (int i = 0; i < t->cols; i++)
        xs[i + 1] = xs[i] + w * t->col_w[i] / sw;
    for (int i = 0; i < t->rows; i++)
        ys[i + 1] = ys[i] + row_unit * t->row_h[i];
    if (t->body_fill != DG_NO_FILL) {
        set_rgb(cr, t->body_fill);
        cairo_rectangle(cr, x, y, w, ys[t->rows] - y);
        cairo_fill(cr);
    }
    for (size_t i = 0; i < t->ncells; i++) {
        const dg_cell *c = &t->cells[i];
        double cx = xs[c->col], cy = ys[c->row];
        double cw = xs[c->col + c->colspan] - cx, ch = ys[c->row + c->rowspan] - cy;
        draw_cell(rc, c, cx, cy, cw, ch);
    }
    if (s->borders == DG_BORDERS_NONE) return;
    set_rgb(cr, s->line_rgb);
    cairo_set_line_width(cr, s->line_w);
    double x1 = xs[t->cols], y1 = ys[t->rows];
    if (s->borders == DG_BORDERS_FRAME) {
        cairo_rectangle(cr, x, y, x1 - x, y1 - y);
        cairo_stroke(cr);
        stroke_line(cr, x, ys[1], x1, ys[1]);
        stroke_line(cr, xs[1], y, xs[1], y1);
        return;
    }
    for (size_t i = 0; i < t->ncells; i++) {
        const dg_cell *c = &t->cells[i];
        double cx = xs[c->col], cy = ys[c->row];
        double cx1 = xs[c->col + c->colspan], cy1 = ys[c->row + c->rowspan];
        if (s->borders == DG_BORDERS_FULL) {
            cairo_rectangle(cr, cx, cy, cx1 - cx, cy1 - cy);
            cairo_stroke(cr);
        } else {
            stroke_line(cr, cx, cy, cx1, cy);
            stroke_line(cr, cx, cy1, cx1, cy1);
        }
    }
    if (s->borders == DG_BORDERS_FULL) {
        cairo_rectangle(cr, x, y, x1 - x, y1 - y);
        cairo_stroke(cr);
    }
}

/* A word processor around the page: title bar, ribbon, ruler, grey desk. Its words are
 * not recorded: they are not the timetable. */
static void draw_window(rctx *rc, double W, double H)
{
    cairo_t *cr = rc->cr;
    dg_lines *saved = rc->lines;
    rc->lines = NULL;
    set_rgb(cr, 0xe6e6e6);
    cairo_paint(cr);
    set_rgb(cr, 0x2b579a);
    cairo_rectangle(cr, 0, 0, W, H * 0.045);
    cairo_fill(cr);
    part title = {"Timetable.docx - Word", 1.0, false, 0xffffff, DG_NO_FILL, DG_KIND_TITLE};
    draw_text(rc, 0, 0, W, H * 0.045, &title, 1, 0, 0, true, "DejaVu Sans", 9);
    set_rgb(cr, 0xf3f3f3);
    cairo_rectangle(cr, 0, H * 0.045, W, H * 0.11);
    cairo_fill(cr);
    static const char *const tabs[] = {"File",   "Home",       "Insert", "Design",
                                       "Layout", "References", "Review", "View"};
    for (int i = 0; i < 8; i++) {
        part p = {tabs[i], 1.0, false, 0x333333, DG_NO_FILL, DG_KIND_TITLE};
        draw_text(rc, 10 + i * 62, H * 0.05, 60, H * 0.03, &p, 1, 0, 0, true, "DejaVu Sans", 8);
    }
    for (int i = 0; i < 24; i++) {
        set_rgb(cr, i % 3 ? 0xc8c8c8 : 0x9ab7e0);
        cairo_rectangle(cr, 12 + i * 32, H * 0.095, 24, H * 0.045);
        cairo_fill(cr);
    }
    set_rgb(cr, 0xffffff);
    cairo_rectangle(cr, W * 0.08, H * 0.165, W * 0.84, H * 0.02);
    cairo_fill(cr);
    set_rgb(cr, 0x888888);
    cairo_set_line_width(cr, 0.5);
    for (int i = 0; i <= 40; i++)
        stroke_line(cr, W * 0.08 + i * W * 0.021, H * 0.18, W * 0.08 + i * W * 0.021, H * 0.185);
    set_rgb(cr, 0x2b579a);
    cairo_rectangle(cr, 0, H - H * 0.03, W, H * 0.03);
    cairo_fill(cr);
    rc->lines = saved;
    /* The page, smaller, with a drop shadow, below the ribbon. */
    double sc = 0.78;
    double px = (W - W * sc) / 2, py = H * 0.2;
    set_rgb(cr, 0xb0b0b0);
    cairo_rectangle(cr, px + 4, py + 4, W * sc, H * sc);
    cairo_fill(cr);
    cairo_translate(cr, px, py);
    cairo_scale(cr, sc, sc);
    cairo_rectangle(cr, 0, 0, W, H * (1 - 0.2) / sc);
    cairo_clip(cr);
}

static pthread_mutex_t render_lock = PTHREAD_MUTEX_INITIALIZER;
static PangoFontMap *shared_map; /* under render_lock */

ap_status dg_render_setup(ap_error *err)
{
    ap_status st = AP_OK;
    pthread_mutex_lock(&render_lock);
    if (!shared_map && !(shared_map = pango_cairo_font_map_new()))
        st = ap_fail(err, AP_ERR_NOMEM, "datagen: out of memory (font map)");
    pthread_mutex_unlock(&render_lock);
    return st;
}

void dg_render_teardown(void)
{
    pthread_mutex_lock(&render_lock);
    if (shared_map) g_object_unref(shared_map);
    shared_map = NULL;
    pthread_mutex_unlock(&render_lock);
}

/* Draws on cr; the caller holds render_lock. */
static ap_status render_locked(cairo_t *cr, const dg_page *pg, dg_lines *lines, ap_error *err)
{
    ap_status st = AP_OK;
    const dg_style *s = &pg->style;
    rctx rc = {.cr = cr, .pg = pg, .lines = lines};
    cairo_font_options_t *fo = cairo_font_options_create();
    if (!shared_map) {
        cairo_font_options_destroy(fo);
        return ap_fail(err, AP_ERR_INTERNAL, "datagen: dg_render_setup was not called");
    }
    rc.pctx = pango_font_map_create_context(shared_map);
    if (rc.pctx) pango_cairo_update_context(cr, rc.pctx);
    if (!rc.pctx || cairo_font_options_status(fo) != CAIRO_STATUS_SUCCESS) {
        st = ap_fail(err, AP_ERR_NOMEM, "datagen: out of memory (pango)");
        goto out;
    }
    pango_cairo_context_set_resolution(rc.pctx, 72);
    /* Metrics unhinted: a layout measures the same at any scale and on any surface. */
    cairo_font_options_set_hint_metrics(fo, CAIRO_HINT_METRICS_OFF);
    cairo_font_options_set_hint_style(fo, CAIRO_HINT_STYLE_NONE);
    pango_cairo_context_set_font_options(rc.pctx, fo);

    cairo_save(cr);
    double W = pg->w, H = pg->h;
    if (s->window) draw_window(&rc, W, H);
    set_rgb(cr, s->page_rgb);
    cairo_rectangle(cr, 0, 0, W, H);
    cairo_fill(cr);

    double m = 24, y = m, base = s->base_pt;
    double head_top = y;
    if (pg->heading[0]) {
        part p = {pg->heading, 1.0, true, s->ink_rgb, DG_NO_FILL, DG_KIND_TITLE};
        double hh = base * 2.6;
        draw_text(&rc, m, y, W - 2 * m, hh, &p, 1, 0, pg->head_align, true, s->head_font,
                  base * 1.9);
        y += hh;
    }
    for (int i = 0; i < 2; i++) {
        if (!pg->meta[i][0]) continue;
        part p = {pg->meta[i], 1.0, i == 0, s->ink_rgb, DG_NO_FILL, DG_KIND_TITLE};
        double hh = base * 2.1;
        draw_text(&rc, m, y, W - 2 * m, hh, &p, 1, 0, pg->head_align, true, s->head_font,
                  base * 1.45);
        y += hh;
    }
    if (pg->head_box && y > head_top) {
        set_rgb(cr, s->line_rgb);
        cairo_set_line_width(cr, s->line_w);
        cairo_rectangle(cr, m - 4, head_top - 2, W - 2 * m + 8, y - head_top + 4);
        cairo_stroke(cr);
    }
    if (y > head_top) y += base;
    double foot = pg->footer[0] ? base * 2.4 : 0;
    double bottom = H - m - foot;
    double gap = pg->ntables > 1 ? 12 : 0;
    double pw = (W - 2 * m - gap * (pg->ntables - 1)) / (pg->ntables > 0 ? pg->ntables : 1);
    for (int i = 0; i < pg->ntables; i++)
        draw_table(&rc, &pg->tables[i], m + i * (pw + gap), y, pw, bottom - y);
    if (pg->footer[0]) {
        part p = {pg->footer, 1.0, false, s->ink_rgb, DG_NO_FILL, DG_KIND_TITLE};
        draw_text(&rc, m, H - m - foot, W - 2 * m, foot, &p, 1, 0, 0, true, s->head_font,
                  base * 1.2);
    }
    cairo_restore(cr);
    if (cairo_status(cr) != CAIRO_STATUS_SUCCESS) {
        st = ap_fail(err, AP_ERR_PROCESSING, "datagen: cairo: %s",
                     cairo_status_to_string(cairo_status(cr)));
        goto out;
    }
    if (lines && lines->oom) st = ap_fail(err, AP_ERR_NOMEM, "datagen: out of memory (lines)");
out:
    if (rc.pctx) g_object_unref(rc.pctx);
    cairo_font_options_destroy(fo);
    return st;
}

ap_status dg_render_raster(const dg_page *pg, double scale, dg_lines *lines, cairo_surface_t **out,
                           ap_error *err)
{
    ap_status st = AP_OK;
    int W = (int)(pg->w * scale), H = (int)(pg->h * scale);
    cairo_surface_t *surf = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, W, H);
    cairo_t *cr = NULL;
    pthread_mutex_lock(&render_lock);
    cr = cairo_create(surf);
    if (cairo_status(cr) != CAIRO_STATUS_SUCCESS) {
        st = ap_fail(err, AP_ERR_NOMEM, "datagen: cannot create a %dx%d surface", W, H);
    } else {
        cairo_scale(cr, scale, scale);
        st = render_locked(cr, pg, lines, err);
    }
    cairo_destroy(cr);
    pthread_mutex_unlock(&render_lock);
    if (st != AP_OK) {
        cairo_surface_destroy(surf);
        return st;
    }
    *out = surf;
    return AP_OK;
}

ap_status dg_render_pdf(const dg_page *pg, const char *path, ap_error *err)
{
    ap_status st = AP_OK;
    pthread_mutex_lock(&render_lock);
    cairo_surface_t *pdf = cairo_pdf_surface_create(path, pg->w, pg->h);
    /* A fixed date: the same seed gives the same bytes. */
    cairo_pdf_surface_set_metadata(pdf, CAIRO_PDF_METADATA_CREATE_DATE, "2024-09-02T08:00:00Z");
    cairo_pdf_surface_set_metadata(pdf, CAIRO_PDF_METADATA_CREATOR, "aipipe datagen");
    cairo_t *cr = cairo_create(pdf);
    st = render_locked(cr, pg, NULL, err);
    cairo_destroy(cr);
    cairo_surface_finish(pdf);
    cairo_status_t cs = cairo_surface_status(pdf);
    cairo_surface_destroy(pdf);
    pthread_mutex_unlock(&render_lock);
    if (st == AP_OK && cs != CAIRO_STATUS_SUCCESS)
        st = ap_fail(err, AP_ERR_IO, "%s: %s", path, cairo_status_to_string(cs));
    return st;
}

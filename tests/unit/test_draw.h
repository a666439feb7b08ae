/* Drawing helpers of the extraction unit tests: grids drawn with cairo and pango,
 * handed to the vision code as Leptonica PIX. Include after <cmocka.h>. */
#ifndef AP_TEST_DRAW_H
#define AP_TEST_DRAW_H

#include <cairo.h>
#include <math.h>
#include <pango/pangocairo.h>
#include <stdint.h>

#include "document/extract.h"
#include "vision/table.h"

#include "test_blocks.h"

/* A cairo surface's pixels as a 32 bpp PIX. */
static inline PIX *to_pix(cairo_surface_t *s)
{
    cairo_surface_flush(s);
    int w = cairo_image_surface_get_width(s), h = cairo_image_surface_get_height(s);
    int stride = cairo_image_surface_get_stride(s);
    const unsigned char *data = cairo_image_surface_get_data(s);
    PIX *pix = pixCreate(w, h, 32);
    assert_non_null(pix);
    for (int y = 0; y < h; y++) {
        const uint32_t *row = (const uint32_t *)(data + (size_t)y * (size_t)stride);
        for (int x = 0; x < w; x++) {
            uint32_t v = row[x];
            pixSetRGBPixel(pix, x, y, (v >> 16) & 0xff, (v >> 8) & 0xff, v & 0xff);
        }
    }
    return pix;
}

/* A drawn surface (taken) as an 8 bpp grey page, as the vision code reads pages. */
static inline PIX *grey_of(cairo_surface_t *s)
{
    PIX *pix = to_pix(s);
    cairo_surface_destroy(s);
    PIX *grey = pixConvertTo8(pix, 0);
    pixDestroy(&pix);
    assert_non_null(grey);
    return grey;
}

static inline cairo_t *canvas(int w, int h, cairo_surface_t **surface)
{
    *surface = cairo_image_surface_create(CAIRO_FORMAT_RGB24, w, h);
    cairo_t *cr = cairo_create(*surface);
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_paint(cr);
    cairo_set_source_rgb(cr, 0, 0, 0);
    cairo_set_line_width(cr, 2);
    return cr;
}

static inline void rule(cairo_t *cr, double x0, double y0, double x1, double y1)
{
    cairo_move_to(cr, x0, y0);
    cairo_line_to(cr, x1, y1);
    cairo_stroke(cr);
}

/* s laid out in the drawing tests' font, and its size in pixels (caller unrefs). */
static inline PangoLayout *text_layout(cairo_t *cr, const char *s, int *w, int *h)
{
    PangoLayout *layout = pango_cairo_create_layout(cr);
    PangoFontDescription *font = pango_font_description_from_string("Sans 15");
    pango_layout_set_font_description(layout, font);
    pango_layout_set_text(layout, s, -1);
    pango_layout_get_pixel_size(layout, w, h);
    pango_font_description_free(font);
    return layout;
}

/* Width in pixels of s as text() draws it. */
static inline int text_width(cairo_t *cr, const char *s)
{
    int w, h;
    g_object_unref(text_layout(cr, s, &w, &h));
    return w;
}

/* Text centred at (cx, cy); angle -90 sets it bottom-to-top. */
static inline void text(cairo_t *cr, const char *s, double cx, double cy, double angle)
{
    int w, h;
    PangoLayout *layout = text_layout(cr, s, &w, &h);
    cairo_save(cr);
    cairo_translate(cr, cx, cy);
    cairo_rotate(cr, angle * M_PI / 180.0);
    cairo_move_to(cr, -w / 2.0, -h / 2.0);
    pango_cairo_show_layout(cr, layout);
    cairo_restore(cr);
    g_object_unref(layout);
}

/* The week the drawing tests draw: three days as rows, three hours (9:00-12:00) as
 * columns, one subject a cell. */
static inline const char *week_day(int r)
{
    static const char *const days[3] = {"Monday", "Tuesday", "Wednesday"};
    return days[r];
}

static inline const char *week_name(int r, int c)
{
    static const char *const names[3][3] = {{"Maths", "English", "Science"},
                                            {"Music", "Reading", "Art"},
                                            {"Spelling", "History", "Drama"}};
    return names[r][c];
}

/* The week's rules and text on a 760 x 420 canvas, in cr's current colour: rows at y 20,
 * 100, 200, 300, 400 and columns at x 20, 200, 380, 560, 740 (day labels in the first). */
static inline void draw_week_grid(cairo_t *cr)
{
    int xs[5] = {20, 200, 380, 560, 740}, ys[5] = {20, 100, 200, 300, 400};
    for (int i = 0; i < 5; i++) {
        rule(cr, 20, ys[i], 740, ys[i]);
        rule(cr, xs[i], 20, xs[i], 400);
    }
    const char *header[3] = {"9:00 - 10:00", "10:00 - 11:00", "11:00 - 12:00"};
    for (int c = 0; c < 3; c++)
        text(cr, header[c], (xs[c + 1] + xs[c + 2]) / 2.0, 60, 0);
    for (int r = 0; r < 3; r++) {
        double cy = (ys[r + 1] + ys[r + 2]) / 2.0;
        text(cr, week_day(r), 110, cy, 0);
        for (int c = 0; c < 3; c++)
            text(cr, week_name(r, c), (xs[c + 1] + xs[c + 2]) / 2.0, cy, 0);
    }
}

/* How many of the week's nine lessons d holds, each on its day at its hour. */
static inline int week_right(const tt_doc *d)
{
    int right = 0;
    for (int r = 0; r < 3; r++)
        for (int c = 0; c < 3; c++)
            for (size_t i = 0; i < d->nblocks; i++) {
                const tt_block *b = &d->blocks[i];
                if (b->day == r && strcmp(b->name, week_name(r, c)) == 0 &&
                    b->start == 540 + 60 * c && b->end == 600 + 60 * c) {
                    right++;
                    break;
                }
            }
    return right;
}

/* Fails unless d holds all nine lessons of the week, listing what it holds. */
static inline void assert_week_read(const tt_doc *d)
{
    int right = week_right(d);
    if (right < 9) tb_print(d);
    assert_int_equal(right, 9);
}

/* Extracts the drawn page pix (taken) into *d on two threads; skips the test where no
 * OCR model is installed, fails it on any other error. */
static inline void extract_drawn(PIX *pix, tt_doc *d)
{
    ap_error err = {0};
    tt_extract_options opts = {.threads = 2};
    ap_status st = tt_extract_image(pix, &opts, d, &err);
    pixDestroy(&pix);
    if (st == AP_ERR_MODEL_NOT_FOUND) skip();
    if (st != AP_OK) fail_msg("extract: %s", err.msg);
}

static inline const img_cell *cell_at(const img_table *t, int row, int col)
{
    for (size_t i = 0; i < t->ncells; i++)
        if (t->cells[i].row == row && t->cells[i].col == col) return &t->cells[i];
    fail_msg("no cell starts at row %d col %d", row, col);
    return NULL;
}

/* The cell of t whose rectangle holds the point; fails the test when none does. */
static inline const img_cell *cell_covering(const img_table *t, int x, int y)
{
    for (size_t i = 0; i < t->ncells; i++) {
        const img_cell *c = &t->cells[i];
        if (x >= c->x && x < c->x + c->w && y >= c->y && y < c->y + c->h) return c;
    }
    fail_msg("no cell covers (%d, %d)", x, y);
    return NULL;
}

#endif

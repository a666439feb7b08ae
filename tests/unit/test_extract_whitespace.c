/* Proves: vision/whitespace finds the rules a table leaves to whitespace. A row-only
 * table (rows ruled, no column rule) is cut into its columns, and a lesson whose text
 * crosses a column gap stays one merged cell; a frame around a list whose rows are set
 * apart by space alone is cut into rows and columns; a fully ruled grid whose cells hold
 * two lines of text is left as printed (a heading over its subtitle is no row gap). */
#include <cairo.h>
#include <math.h>
#include <pango/pangocairo.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "vision/table.h"
#include "vision/whitespace.h"

/* A cairo surface's pixels as a 32 bpp PIX. */
static PIX *to_pix(cairo_surface_t *s)
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

static cairo_t *canvas(int w, int h, cairo_surface_t **surface)
{
    *surface = cairo_image_surface_create(CAIRO_FORMAT_RGB24, w, h);
    cairo_t *cr = cairo_create(*surface);
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_paint(cr);
    cairo_set_source_rgb(cr, 0, 0, 0);
    cairo_set_line_width(cr, 2);
    return cr;
}

static void rule(cairo_t *cr, double x0, double y0, double x1, double y1)
{
    cairo_move_to(cr, x0, y0);
    cairo_line_to(cr, x1, y1);
    cairo_stroke(cr);
}

/* Text centred at (cx, cy); angle -90 sets it bottom-to-top. */
static void text(cairo_t *cr, const char *s, double cx, double cy, double angle)
{
    PangoLayout *layout = pango_cairo_create_layout(cr);
    PangoFontDescription *font = pango_font_description_from_string("Sans 15");
    pango_layout_set_font_description(layout, font);
    pango_layout_set_text(layout, s, -1);
    int w, h;
    pango_layout_get_pixel_size(layout, &w, &h);
    cairo_save(cr);
    cairo_translate(cr, cx, cy);
    cairo_rotate(cr, angle * M_PI / 180.0);
    cairo_move_to(cr, -w / 2.0, -h / 2.0);
    pango_cairo_show_layout(cr, layout);
    cairo_restore(cr);
    pango_font_description_free(font);
    g_object_unref(layout);
}

static const img_cell *cell_at(const img_table *t, int row, int col)
{
    for (size_t i = 0; i < t->ncells; i++)
        if (t->cells[i].row == row && t->cells[i].col == col) return &t->cells[i];
    fail_msg("no cell starts at row %d col %d", row, col);
    return NULL;
}

static const img_table *only_table(const img_table *tables, size_t n)
{
    assert_int_equal(n, 1);
    return &tables[0];
}

static PIX *grey_of(cairo_surface_t *s)
{
    PIX *pix = to_pix(s);
    cairo_surface_destroy(s);
    PIX *grey = pixConvertTo8(pix, 0);
    pixDestroy(&pix);
    assert_non_null(grey);
    return grey;
}

static void test_row_only(void **state)
{
    (void)state;
    cairo_surface_t *s;
    cairo_t *cr = canvas(760, 420, &s);
    int ys[5] = {40, 110, 180, 250, 320};
    for (int i = 0; i < 5; i++) rule(cr, 40, ys[i], 720, ys[i]);
    const char *days[4] = {"Day", "Monday", "Tuesday", "Friday"};
    for (int r = 0; r < 4; r++) {
        double cy = (ys[r] + ys[r + 1]) / 2.0;
        text(cr, days[r], 110, cy, 0);
        if (r == 2) {
            text(cr, "A long merged lesson", 460, cy, 0); /* over both periods */
            continue;
        }
        text(cr, r ? "Maths" : "9:00", 330, cy, 0);
        text(cr, r ? "Art" : "10:00", 600, cy, 0);
    }
    cairo_destroy(cr);
    PIX *grey = grey_of(s);
    img_table *tables = NULL;
    size_t n = 0;
    ap_error err = {0};
    assert_int_equal(img_find_tables_spaced(grey, &tables, &n, NULL, &err), AP_OK);
    const img_table *t = only_table(tables, n);
    assert_int_equal(t->nrows, 4);
    assert_int_equal(t->ncols, 3);
    assert_int_equal(cell_at(t, 1, 1)->ncols, 1);
    assert_int_equal(cell_at(t, 2, 1)->ncols, 2); /* the merged lesson */
    assert_int_equal(cell_at(t, 3, 2)->ncols, 1);
    img_tables_free(tables, n);
    pixDestroy(&grey);
}

static void test_frame_only_list(void **state)
{
    (void)state;
    cairo_surface_t *s;
    cairo_t *cr = canvas(560, 420, &s);
    rule(cr, 40, 40, 520, 40);
    rule(cr, 40, 380, 520, 380);
    rule(cr, 40, 40, 40, 380);
    rule(cr, 520, 40, 520, 380);
    const char *names[5] = {"Registration", "Phonics", "Maths", "Break", "English"};
    const char *times[5] = {"8:50 - 9:00", "9:00 - 9:30", "9:30 - 10:30", "10:30 - 10:45",
                            "10:45 - 12:00"};
    for (int r = 0; r < 5; r++) {
        double cy = 75 + 65 * r;
        text(cr, names[r], 170, cy, 0);
        text(cr, times[r], 410, cy, 0);
    }
    cairo_destroy(cr);
    PIX *grey = grey_of(s);
    img_table *tables = NULL;
    size_t n = 0;
    ap_error err = {0};
    assert_int_equal(img_find_tables_spaced(grey, &tables, &n, NULL, &err), AP_OK);
    const img_table *t = only_table(tables, n);
    assert_int_equal(t->nrows, 5);
    assert_int_equal(t->ncols, 2);
    assert_int_equal(t->ncells, 10);
    img_tables_free(tables, n);
    pixDestroy(&grey);
}

static void test_ruled_grid_unchanged(void **state)
{
    (void)state;
    cairo_surface_t *s;
    cairo_t *cr = canvas(640, 360, &s);
    int ys[3] = {40, 170, 300}, xs[4] = {40, 220, 400, 580};
    for (int i = 0; i < 3; i++) rule(cr, 40, ys[i], 580, ys[i]);
    for (int i = 0; i < 4; i++) rule(cr, xs[i], 40, xs[i], 300);
    for (int r = 0; r < 2; r++)
        for (int c = 0; c < 3; c++) {
            double cx = (xs[c] + xs[c + 1]) / 2.0, cy = (ys[r] + ys[r + 1]) / 2.0;
            text(cr, "Science", cx, cy - 18, 0);
            text(cr, "Room 4", cx, cy + 18, 0);
        }
    cairo_destroy(cr);
    PIX *grey = grey_of(s);
    img_table *tables = NULL;
    size_t n = 0;
    ap_error err = {0};
    assert_int_equal(img_find_tables_spaced(grey, &tables, &n, NULL, &err), AP_OK);
    const img_table *t = only_table(tables, n);
    assert_int_equal(t->nrows, 2);
    assert_int_equal(t->ncols, 3);
    img_tables_free(tables, n);
    pixDestroy(&grey);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_row_only),
        cmocka_unit_test(test_frame_only_list),
        cmocka_unit_test(test_ruled_grid_unchanged),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Proves: a thin row of a ruled table (vision/table.c), a band across the columns that
 * prints a long name, stays one cell: the stems of its letters, reaching from the row's
 * top rule to its bottom one, are no column rules (they have the rest of their letters
 * beside them), while the short side rules of a thin row of cells, paper on both sides,
 * are. (A stem in line with a column's rule above and below joins them into one rule:
 * the name is set clear of the columns' lines.) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "test_draw.h"

/* Text at (cx, cy) in a bold face big enough that its stems span a row 18 pixels high. */
static void bold_text(cairo_t *cr, const char *s, double cx, double cy)
{
    PangoLayout *layout = pango_cairo_create_layout(cr);
    PangoFontDescription *font = pango_font_description_from_string("Sans Bold 17");
    pango_layout_set_font_description(layout, font);
    pango_layout_set_text(layout, s, -1);
    int w, h;
    pango_layout_get_pixel_size(layout, &w, &h);
    cairo_move_to(cr, cx - w / 2.0, cy - h / 2.0);
    pango_cairo_show_layout(cr, layout);
    pango_font_description_free(font);
    g_object_unref(layout);
}

/* Rows y 20-100, 100-118 (the thin row), 118-200; columns at x 20, 200, 380, 560, 740,
 * cut in the thin row only where cut. */
static PIX *draw(int cut)
{
    cairo_surface_t *s;
    cairo_t *cr = canvas(760, 220, &s);
    int ys[4] = {20, 100, 118, 200}, xs[5] = {20, 200, 380, 560, 740};
    for (int i = 0; i < 4; i++)
        rule(cr, 20, ys[i], 740, ys[i]);
    for (int i = 0; i < 5; i++) {
        rule(cr, xs[i], 20, xs[i], 100);
        rule(cr, xs[i], 118, xs[i], 200);
        if (cut || i == 0 || i == 4) rule(cr, xs[i], 100, xs[i], 118);
    }
    if (!cut)
        bold_text(cr, "Registration", 290, 109);
    else
        for (int c = 0; c < 4; c++)
            text(cr, "Hall", (xs[c] + xs[c + 1]) / 2.0, 109, 0);
    cairo_destroy(cr);
    return grey_of(s);
}

static void test_band_letters_are_no_rules(void **state)
{
    (void)state;
    PIX *grey = draw(0);
    img_table *tables = NULL;
    size_t n = 0;
    ap_error err = {0};
    assert_int_equal(img_find_tables(grey, &tables, &n, NULL, &err), AP_OK);
    assert_int_equal(n, 1);
    const img_table *t = &tables[0];
    assert_int_equal(t->ncols, 4);
    const img_cell *band = cell_covering(t, 290, 109);
    assert_int_equal(band->ncols, 4);
    img_tables_free(tables, n);
    pixDestroy(&grey);
}

static void test_thin_row_keeps_its_rules(void **state)
{
    (void)state;
    PIX *grey = draw(1);
    img_table *tables = NULL;
    size_t n = 0;
    ap_error err = {0};
    assert_int_equal(img_find_tables(grey, &tables, &n, NULL, &err), AP_OK);
    assert_int_equal(n, 1);
    const img_table *t = &tables[0];
    assert_int_equal(t->ncols, 4);
    assert_int_equal(cell_covering(t, 110, 109)->ncols, 1);
    assert_int_equal(cell_covering(t, 470, 109)->ncols, 1);
    img_tables_free(tables, n);
    pixDestroy(&grey);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_band_letters_are_no_rules),
        cmocka_unit_test(test_thin_row_keeps_its_rules),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

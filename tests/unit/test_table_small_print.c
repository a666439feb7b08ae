/* Proves: a row of small print that fills a narrow ruled column from rule to rule (a
 * lesson's times set small in a time column) is no row rule of the table (vision/table.c):
 * the runs a closing along the row makes of its letters' tops and feet meet the column's
 * rules at both ends but have the letters on one side, so each time cell stays one cell,
 * while the rows' own rules, paper on both sides, still part them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "test_draw.h"

#define ROWS 5
#define ROW_H 40
#define TOP 20
#define LEFT 20

/* Text in font laid out at (x, cy), its left edge at x; returns its width. */
static int small_text(cairo_t *cr, const char *font_name, const char *s, double x, double cy,
                      int measure_only)
{
    PangoLayout *layout = pango_cairo_create_layout(cr);
    PangoFontDescription *font = pango_font_description_from_string(font_name);
    pango_layout_set_font_description(layout, font);
    pango_layout_set_text(layout, s, -1);
    int w, h;
    pango_layout_get_pixel_size(layout, &w, &h);
    if (!measure_only) {
        cairo_move_to(cr, x, cy - h / 2.0);
        pango_cairo_show_layout(cr, layout);
    }
    pango_font_description_free(font);
    g_object_unref(layout);
    return w;
}

/* A table of ROWS rows: a time column just wider than its times (set in font, two
 * pixels from each of its rules), then a wide column of names. *time_right gets the time
 * column's right rule. */
static PIX *draw(const char *font, int *time_right)
{
    static const char *const times[ROWS] = {"8:50-9:30", "9:30-9:55", "9:55-10:05",
                                            "10:05-10:20", "10:20-10:35"};
    static const char *const names[ROWS] = {"Gymnastics", "Music", "Reading", "Art",
                                            "Drama"};
    cairo_surface_t *s;
    cairo_t *cr = canvas(760, 2 * TOP + ROWS * ROW_H, &s);
    int widest = 0;
    for (int r = 0; r < ROWS; r++) {
        int w = small_text(cr, font, times[r], 0, 0, 1);
        widest = w > widest ? w : widest;
    }
    int mid = LEFT + widest + 4, right = 740, bottom = TOP + ROWS * ROW_H;
    for (int r = 0; r <= ROWS; r++)
        rule(cr, LEFT, TOP + r * ROW_H, right, TOP + r * ROW_H);
    rule(cr, LEFT, TOP, LEFT, bottom);
    rule(cr, mid, TOP, mid, bottom);
    rule(cr, right, TOP, right, bottom);
    for (int r = 0; r < ROWS; r++) {
        double cy = TOP + r * ROW_H + ROW_H / 2.0;
        int w = small_text(cr, font, times[r], 0, 0, 1);
        small_text(cr, font, times[r], mid - 2 - w, cy, 0);
        text(cr, names[r], (mid + right) / 2.0, cy, 0);
    }
    cairo_destroy(cr);
    *time_right = mid;
    return grey_of(s);
}

/* The table found in a page drawn with times in font has ROWS rows, and the time
 * column one cell a row. */
static void check_rows(const char *font)
{
    int mid = 0;
    PIX *grey = draw(font, &mid);
    img_table *tables = NULL;
    size_t n = 0;
    ap_error err = {0};
    assert_int_equal(img_find_tables(grey, &tables, &n, NULL, &err), AP_OK);
    assert_int_equal(n, 1);
    const img_table *t = &tables[0];
    assert_int_equal(t->nrows, ROWS);
    assert_int_equal(t->ncols, 2);
    for (int r = 0; r < ROWS; r++) {
        const img_cell *c = cell_covering(t, (LEFT + mid) / 2, TOP + r * ROW_H + ROW_H / 2);
        assert_non_null(c);
        assert_int_equal(c->nrows, 1);
    }
    img_tables_free(tables, n);
    pixDestroy(&grey);
}

static void test_small_times_are_no_rules(void **state)
{
    (void)state;
    check_rows("Sans 7");
}

static void test_bold_times_are_no_rules(void **state)
{
    (void)state;
    check_rows("Sans Bold 8");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_small_times_are_no_rules),
        cmocka_unit_test(test_bold_times_are_no_rules),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Proves: a row's rule that runs across part of a column only, solid from one of its
 * sides over a third of it and more, parts the column's cells. A screenshot of a word
 * processor frames the page's table in the window's edges: the first column reaches from
 * the window's edge to the first column rule, and the day rules under its labels start
 * at the page's margin, inside it. Under half of the column ruled, the days' labels were
 * one cell down all the rows, and no lesson had its day. A band merged down the rows,
 * which the neighbouring rules only touch at its sides, stays one cell, and so does a
 * cell struck through from one side where no other column has a rule on that line. */
#include <cairo.h>
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

#include "test_draw.h"

static void test_rules_from_inside_a_column(void **state)
{
    (void)state;
    cairo_surface_t *s;
    cairo_t *cr = canvas(1000, 560, &s);
    int xs[5] = {20, 300, 480, 720, 960}, ys[6] = {40, 120, 200, 280, 360, 440};
    const char *days[4] = {"Monday", "Tuesday", "Wednesday", "Thursday"};
    rule(cr, 20, ys[0], 960, ys[0]);
    rule(cr, 20, ys[5], 960, ys[5]);
    rule(cr, 20, ys[1], 960, ys[1]);
    /* the day rules start at x 180, 120 of the first column's 280 pixels in; the third
     * column is a band down the day rows */
    for (int i = 2; i < 5; i++) {
        rule(cr, 180, ys[i], xs[2], ys[i]);
        rule(cr, xs[3], ys[i], 960, ys[i]);
    }
    for (int i = 0; i < 5; i++)
        rule(cr, xs[i], ys[0], xs[i], ys[5]);
    text(cr, "9:00 - 10:00", (xs[1] + xs[2]) / 2.0, 80, 0);
    text(cr, "10:00 - 11:00", (xs[3] + xs[4]) / 2.0, 80, 0);
    for (int r = 0; r < 4; r++) {
        double cy = (ys[r + 1] + ys[r + 2]) / 2.0;
        text(cr, days[r], 240, cy, 0);
        text(cr, "Maths", (xs[1] + xs[2]) / 2.0, cy, 0);
        text(cr, "Art", (xs[3] + xs[4]) / 2.0, cy, 0);
    }
    text(cr, "Lunch", (xs[2] + xs[3]) / 2.0, 280, 0);
    /* a stroke through the last column's cell from its right side, no rule of a row */
    rule(cr, 860, 320, 960, 320);
    cairo_destroy(cr);
    PIX *grey = grey_of(s);
    img_table *tables = NULL;
    size_t n = 0;
    ap_error err = {0};
    assert_int_equal(img_find_tables(grey, &tables, &n, NULL, &err), AP_OK);
    assert_int_equal(n, 1);
    const img_table *t = &tables[0];
    assert_int_equal(t->ncols, 4);
    for (int r = 0; r < 4; r++) {
        const img_cell *day = cell_covering(t, 240, (ys[r + 1] + ys[r + 2]) / 2);
        assert_in_range(day->y, ys[r + 1] - 2, ys[r + 1] + 8);
        assert_in_range(day->y + day->h, ys[r + 2] - 8, ys[r + 2] + 2);
    }
    const img_cell *band = cell_covering(t, 600, 280);
    assert_in_range(band->y, ys[1] - 2, ys[1] + 8);
    assert_in_range(band->y + band->h, ys[5] - 8, ys[5] + 2);
    /* the struck cell stays whole */
    const img_cell *art = cell_covering(t, 840, 330);
    assert_in_range(art->y, ys[3] - 2, ys[3] + 8);
    assert_in_range(art->y + art->h, ys[4] - 8, ys[4] + 2);
    img_tables_free(tables, n);
    pixDestroy(&grey);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rules_from_inside_a_column),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

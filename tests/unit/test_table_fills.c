/* Proves: a dark cell fill whose grain crosses the rule finder's threshold (a grey of 150
 * with grain of +-30 binarises as ink full of paper specks) adds no rule of its own: the
 * fill's ink between the specks runs both ways in thin strokes, a mesh that would cut
 * the filled row into a column at every stroke. The table keeps its printed columns and
 * the filled row, merged across the days, stays one cell. */
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

#include "test_draw.h"

/* A deterministic grain value in [-30, 30]. */
static int grain(unsigned *state)
{
    *state = *state * 1103515245u + 12345u;
    return (int)((*state >> 16) % 61) - 30;
}

static void test_grainy_dark_fill_adds_no_rule(void **state)
{
    (void)state;
    cairo_surface_t *s;
    cairo_t *cr = canvas(1000, 560, &s);
    int xs[5] = {40, 240, 480, 720, 960}, ys[6] = {40, 120, 220, 280, 380, 480};
    const char *days[3] = {"Monday", "Tuesday", "Wednesday"};
    for (int i = 0; i < 6; i++)
        rule(cr, 40, ys[i], 960, ys[i]);
    for (int i = 0; i < 5; i++) {
        rule(cr, xs[i], 40, xs[i], ys[2]);
        rule(cr, xs[i], ys[3], xs[i], 480);
    }
    rule(cr, 40, ys[2], 40, ys[3]);
    rule(cr, 960, ys[2], 960, ys[3]);
    for (int c = 0; c < 3; c++)
        text(cr, days[c], (xs[c + 1] + xs[c + 2]) / 2.0, 80, 0);
    for (int r = 0; r < 4; r++)
        if (r != 1) text(cr, "9:00 - 10:00", 140, (ys[r + 1] + ys[r + 2]) / 2.0, 0);
    cairo_destroy(cr);
    PIX *grey = grey_of(s);
    /* the row from ys[2] to ys[3], across the days, filled dark and grainy */
    unsigned seed = 7;
    for (int y = ys[2] + 2; y < ys[3] - 1; y++)
        for (int x = xs[1] + 2; x < 959; x++)
            pixSetPixel(grey, x, y, (l_uint32)(150 + grain(&seed)));
    img_table *tables = NULL;
    size_t n = 0;
    ap_error err = {0};
    assert_int_equal(img_find_tables(grey, &tables, &n, NULL, &err), AP_OK);
    assert_int_equal(n, 1);
    const img_table *t = &tables[0];
    assert_int_equal(t->ncols, 4);
    assert_int_equal(t->nrows, 5);
    const img_cell *fill = cell_covering(t, 600, (ys[2] + ys[3]) / 2);
    assert_int_equal(fill->col, 1);
    assert_int_equal(fill->ncols, 3);
    img_tables_free(tables, n);
    pixDestroy(&grey);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_grainy_dark_fill_adds_no_rule),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

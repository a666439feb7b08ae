/* Proves: vision/whitespace cuts no column gap through a word whose middle letters are
 * fainter than the text level while its ends are not (a blurred word on a page whose
 * darkest print, a bold title, sets the level high). A ruled table's wide column holds
 * two lessons side by side in most rows, their gaps lining up, so the column is cut
 * there; the one row whose word lies across that gap, its middle letters light grey,
 * stays one cell. Without the check of the gap against the faint strokes, the light
 * letters are kept only near the dark ones, the rest of the word looks like paper and
 * the word is cut in two. */
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

#include "test_draw.h"

#define COL_X0 40
#define COL_X1 170 /* the labels' column */
#define COL_X2 560
#define ROW_Y0 90
#define ROW_H  60
#define NROWS  6

static void test_no_gap_through_faint_word(void **state)
{
    (void)state;
    cairo_surface_t *s;
    cairo_t *cr = canvas(620, ROW_Y0 + NROWS * ROW_H + 40, &s);
    /* a bold title: the page's darkest print */
    cairo_rectangle(cr, 200, 20, 220, 36);
    cairo_fill(cr);
    for (int r = 0; r <= NROWS; r++)
        rule(cr, COL_X0, ROW_Y0 + r * ROW_H, COL_X2, ROW_Y0 + r * ROW_H);
    rule(cr, COL_X0, ROW_Y0, COL_X0, ROW_Y0 + NROWS * ROW_H);
    rule(cr, COL_X1, ROW_Y0, COL_X1, ROW_Y0 + NROWS * ROW_H);
    rule(cr, COL_X2, ROW_Y0, COL_X2, ROW_Y0 + NROWS * ROW_H);
    const char *days[NROWS] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    const char *left[NROWS] = {"Maths", "Music", "Drama", "Maths", NULL, "Music"};
    const char *right[NROWS] = {"Art", "French", "PE", "Science", NULL, "Art"};
    int mid = (COL_X1 + COL_X2) / 2;
    for (int r = 0; r < NROWS; r++) {
        double cy = ROW_Y0 + r * ROW_H + ROW_H / 2.0;
        text(cr, days[r], (COL_X0 + COL_X1) / 2.0, cy, 0);
        if (left[r]) {
            text(cr, left[r], mid - 100, cy, 0);
            text(cr, right[r], mid + 100, cy, 0);
            continue;
        }
        /* "Geography": "Geo" and "y" dark, "graph" light grey (about 50 below the paper)
         * across the gap the other rows leave */
        int wl = text_width(cr, "graph"), wg = text_width(cr, "Geo"), wy = text_width(cr, "y");
        text(cr, "Geo", mid - wl / 2.0 - wg / 2.0, cy, 0);
        text(cr, "y", mid + wl / 2.0 + wy / 2.0, cy, 0);
        cairo_set_source_rgb(cr, 0.8, 0.8, 0.8);
        text(cr, "graph", mid, cy, 0);
        cairo_set_source_rgb(cr, 0, 0, 0);
    }
    cairo_destroy(cr);
    PIX *grey = grey_of(s);
    img_table *tables = NULL;
    size_t n = 0;
    ap_error err = {0};
    assert_int_equal(img_find_tables_spaced(grey, &tables, &n, NULL, &err), AP_OK);
    assert_true(n >= 1);
    const img_table *t = NULL;
    for (size_t k = 0; k < n && !t; k++)
        if (tables[k].x <= mid && mid < tables[k].x + tables[k].w &&
            tables[k].y <= ROW_Y0 + ROW_H && ROW_Y0 + ROW_H < tables[k].y + tables[k].h)
            t = &tables[k];
    assert_non_null(t);
    /* the rows of two lessons are cut between them */
    int y0 = ROW_Y0 + ROW_H / 2;
    assert_non_null(cell_covering(t, mid - 100, y0));
    assert_true(cell_covering(t, mid - 100, y0) != cell_covering(t, mid + 100, y0));
    /* the faint word is one cell */
    int y4 = ROW_Y0 + 4 * ROW_H + ROW_H / 2;
    const img_cell *word = cell_covering(t, mid - 40, y4);
    assert_non_null(word);
    assert_true(word == cell_covering(t, mid + 40, y4));
    img_tables_free(tables, n);
    pixDestroy(&grey);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_no_gap_through_faint_word),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

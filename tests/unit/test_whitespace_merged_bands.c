/* Proves: vision/whitespace finds the day columns of a table ruled in rows, its times
 * ruled off, no rule between the days, where
 * most rows are one piece of text (breaks across every day, a lesson in one day's column
 * while the others are empty): the column gaps need only line up in most of the rows
 * that are cut at all. A row across the days stays one cell over the gaps it crosses. */
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

#define NBANDS 10

static void test_columns_among_merged_rows(void **state)
{
    (void)state;
    cairo_surface_t *s;
    cairo_t *cr = canvas(1160, 40 + 70 * NBANDS + 40, &s);
    for (int r = 0; r <= NBANDS; r++)
        rule(cr, 20, 40 + 70 * r, 1140, 40 + 70 * r);
    rule(cr, 160, 40, 160, 40 + 70 * NBANDS); /* the times' column, ruled off */
    const char *days[5] = {"Mon", "Tue", "Wed", "Thu", "Fri"};
    const char *lessons[3][5] = {{"Maths", "Art", "Music", "Science", "Drama"},
                                 {"Reading", "Spelling", "History", "French", "Games"},
                                 {"Phonics", "Maths", "Writing", "Computing", "Music"}};
    /* bands: 0 the days, 2, 5 and 8 lessons, 4 a lesson on Friday alone, the rest one
     * piece across every day */
    const char *across[NBANDS] = {NULL,
                                  "Register and morning news",
                                  NULL,
                                  "Recess in the playground",
                                  NULL,
                                  NULL,
                                  "Lunch in the dining hall",
                                  "Story time on the carpet",
                                  NULL,
                                  "Tidy up and home time"};
    for (int r = 0; r < NBANDS; r++) {
        double cy = 40 + 70 * r + 35;
        if (r) text(cr, r % 2 ? "9:00" : "10:00", 90, cy, 0);
        if (across[r]) {
            text(cr, across[r], 660, cy, 0);
            continue;
        }
        for (int c = 0; c < 5; c++) {
            if (r == 4 && c < 4) continue;
            const char *word = r == 0 ? days[c] : r == 4 ? "Swimming" : lessons[r / 3][c];
            text(cr, word, 260 + 200 * c, cy, 0);
        }
    }
    cairo_destroy(cr);
    PIX *grey = grey_of(s);
    img_table *tables = NULL;
    size_t n = 0;
    ap_error err = {0};
    assert_int_equal(img_find_tables_spaced(grey, &tables, &n, NULL, &err), AP_OK);
    assert_int_equal(n, 1);
    const img_table *t = &tables[0];
    assert_int_equal(t->nrows, NBANDS);
    assert_int_equal(t->ncols, 6); /* the times and five days */
    for (int c = 0; c < 5; c++) {
        const img_cell *day = cell_covering(t, 260 + 200 * c, 75);
        assert_int_equal(day->col, c + 1);
        assert_int_equal(day->ncols, 1);
        assert_int_equal(cell_covering(t, 260 + 200 * c, 40 + 70 * 8 + 35)->ncols, 1);
    }
    /* a break across the days is one cell from Monday on, over the gaps its text crosses */
    const img_cell *lunch = cell_covering(t, 660, 40 + 70 * 6 + 35);
    assert_int_equal(lunch->col, 1);
    assert_true(lunch->ncols >= 4);
    img_tables_free(tables, n);
    pixDestroy(&grey);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_columns_among_merged_rows),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Proves: vision/whitespace finds the columns of a table whose print is faint all over (a
 * small page blurred when it was scaled or saved, no stroke reaching the usual text level
 * of 70 darker than the paper): a table ruled in rows only, its text light grey and
 * blurred, is still cut into its columns, and a lesson across both periods stays one
 * merged cell. Without the text level following the page's own contrast, its text is no
 * text and the table one column wide. Two lists printed side by side with no rule, one
 * longer than the other, are one table down to the longer list's last line: its lines
 * of two pieces under the shorter list's end are rows of the table, not text outside it. */
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
#include "test_row_only.h"

static void test_faint_blurred_row_only(void **state)
{
    (void)state;
    cairo_surface_t *s;
    cairo_t *cr = canvas(760, 420, &s);
    /* light grey print: its darkest strokes 71 below the paper before the blur */
    row_only_draw(cr, 0.72);
    cairo_destroy(cr);
    PIX *sharp = grey_of(s);
    PIX *grey = pixBlockconv(sharp, 1, 1);
    pixDestroy(&sharp);
    assert_non_null(grey);
    img_table *tables = NULL;
    size_t n = 0;
    ap_error err = {0};
    assert_int_equal(img_find_tables_spaced(grey, &tables, &n, NULL, &err), AP_OK);
    assert_int_equal(n, 1);
    const img_table *t = &tables[0];
    row_only_assert(t);
    img_tables_free(tables, n);
    pixDestroy(&grey);
}

static void test_borderless_longer_list(void **state)
{
    (void)state;
    cairo_surface_t *s;
    cairo_t *cr = canvas(820, 560, &s);
    const char *left_times[7] = {"8:45", "9:05", "9:55", "10:35", "10:50", "11:25", "11:40"};
    const char *left_names[7] = {"Registration", "Phonics", "Maths", "Break",
                                 "English",      "History", "Lunch"};
    const char *right_times[4] = {"8:25", "8:50", "9:25", "9:55"};
    const char *right_names[4] = {"Assembly", "Science", "Music", "Art"};
    for (int r = 0; r < 7; r++) {
        double cy = 60 + 60 * r;
        text(cr, left_times[r], 90, cy, 0);
        text(cr, left_names[r], 250, cy, 0);
        if (r < 4) {
            text(cr, right_times[r], 520, cy, 0);
            text(cr, right_names[r], 680, cy, 0);
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
    assert_int_equal(t->nrows, 7);
    /* the longer list's last lines: time and name apart, each in its row */
    assert_true(cell_covering(t, 90, 420) != cell_covering(t, 250, 420));
    assert_int_equal(cell_covering(t, 90, 420)->row, 6);
    assert_int_equal(cell_covering(t, 250, 360)->row, 5);
    img_tables_free(tables, n);
    pixDestroy(&grey);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_faint_blurred_row_only),
        cmocka_unit_test(test_borderless_longer_list),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Proves: lists ruled in rows only and narrower than a fifth of the page (a week printed
 * as five lists side by side, one a day) are found as tables. Their row rules, each too
 * short to be kept for its length and meeting no column rule, are kept as a stack: rules
 * that begin and end in line, three or more. Each list is cut into its rows and its time
 * and lesson columns, and a row whose lesson runs across the column gap stays in its list
 * as one merged cell: the list's sides, where its row rules end, hold its rows together.
 * Underlines of words stacked one under another, each of its own length, make no table. */
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

#define LISTS     5
#define LIST_ROWS 6
#define LIST_W    240
#define LIST_GAP  50
#define ROW_H     56
#define TOP       60

/* Five lists ruled in rows only on a 1600 x 500 page, each LIST_W wide (less than a
 * fifth of the page); in list long_list, row long_row holds one lesson across both
 * columns (-1: none). */
static PIX *draw_lists(int long_list, int long_row)
{
    cairo_surface_t *s;
    cairo_t *cr = canvas(1600, 500, &s);
    const char *times[LIST_ROWS] = {"9:00", "9:30", "10:30", "10:45", "12:00", "1:00"};
    const char *names[LIST_ROWS] = {"Phonics", "Maths", "Break", "English", "Lunch", "Art"};
    for (int l = 0; l < LISTS; l++) {
        int x0 = 40 + l * (LIST_W + LIST_GAP);
        for (int r = 0; r <= LIST_ROWS; r++)
            rule(cr, x0, TOP + ROW_H * r, x0 + LIST_W, TOP + ROW_H * r);
        for (int r = 0; r < LIST_ROWS; r++) {
            double cy = TOP + ROW_H * r + ROW_H / 2.0;
            if (l == long_list && r == long_row) {
                text(cr, "Design Technology", x0 + LIST_W / 2.0, cy, 0);
                continue;
            }
            text(cr, times[r], x0 + 40, cy, 0);
            text(cr, names[(r + l) % LIST_ROWS], x0 + 160, cy, 0);
        }
    }
    cairo_destroy(cr);
    return grey_of(s);
}

/* The table whose outline holds the point; fails the test when none does. */
static const img_table *table_at(const img_table *tables, size_t n, int x, int y)
{
    for (size_t i = 0; i < n; i++) {
        const img_table *t = &tables[i];
        if (x >= t->x && x < t->x + t->w && y >= t->y && y < t->y + t->h) return t;
    }
    fail_msg("no table holds (%d, %d)", x, y);
    return NULL;
}

static void test_narrow_lists_ruled_in_rows(void **state)
{
    (void)state;
    PIX *grey = draw_lists(-1, -1);
    img_table *tables = NULL;
    size_t n = 0;
    ap_error err = {0};
    assert_int_equal(img_find_tables_spaced(grey, &tables, &n, NULL, &err), AP_OK);
    assert_int_equal(n, LISTS);
    for (int l = 0; l < LISTS; l++) {
        int x0 = 40 + l * (LIST_W + LIST_GAP);
        const img_table *t = table_at(tables, n, x0 + LIST_W / 2, TOP + ROW_H);
        assert_true(t->w < LIST_W + 20);
        assert_int_equal(t->nrows, LIST_ROWS);
        assert_int_equal(t->ncols, 2);
        assert_int_equal(t->ncells, 2 * LIST_ROWS);
    }
    img_tables_free(tables, n);
    pixDestroy(&grey);
}

static void test_list_row_across_its_gap(void **state)
{
    (void)state;
    PIX *grey = draw_lists(1, 2);
    img_table *tables = NULL;
    size_t n = 0;
    ap_error err = {0};
    assert_int_equal(img_find_tables_spaced(grey, &tables, &n, NULL, &err), AP_OK);
    assert_int_equal(n, LISTS);
    int x0 = 40 + LIST_W + LIST_GAP;
    const img_table *t = table_at(tables, n, x0 + LIST_W / 2, TOP + ROW_H * 2 + ROW_H / 2);
    assert_int_equal(t->nrows, LIST_ROWS);
    assert_int_equal(t->ncols, 2);
    const img_cell *merged = cell_covering(t, x0 + LIST_W / 2, TOP + ROW_H * 2 + ROW_H / 2);
    assert_int_equal(merged->row, 2);
    assert_int_equal(merged->ncols, 2);
    assert_int_equal(cell_covering(t, x0 + 40, TOP + ROW_H * 3 + ROW_H / 2)->ncols, 1);
    img_tables_free(tables, n);
    pixDestroy(&grey);
}

static void test_underlines_make_no_table(void **state)
{
    (void)state;
    cairo_surface_t *s;
    cairo_t *cr = canvas(1600, 500, &s);
    const char *words[4] = {"Homework due", "Bring a packed lunch", "PE kit", "Library books"};
    for (int i = 0; i < 4; i++) {
        int w = text_width(cr, words[i]);
        text(cr, words[i], 200 + w / 2.0, 80 + 60 * i, 0);
        rule(cr, 200, 96 + 60 * i, 200 + w, 96 + 60 * i);
    }
    cairo_destroy(cr);
    PIX *grey = grey_of(s);
    img_table *tables = NULL;
    size_t n = 0;
    ap_error err = {0};
    assert_int_equal(img_find_tables(grey, &tables, &n, NULL, &err), AP_OK);
    assert_int_equal(n, 0);
    img_tables_free(tables, n);
    pixDestroy(&grey);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_narrow_lists_ruled_in_rows),
        cmocka_unit_test(test_list_row_across_its_gap),
        cmocka_unit_test(test_underlines_make_no_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

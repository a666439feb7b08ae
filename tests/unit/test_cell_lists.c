/* Proves: tt_cell_lists (document/readers.h). A list printed without rules that the
 * lattice took as one cell of a ruled table (a heading naming days, then rows of a name
 * and a time on one text line) becomes a table of its own, read on the heading's days at
 * each row's times, and its lines leave the cell; the table's other cells are left as
 * they were. The same lines without their places on the page, and a cell of times
 * under no day heading, are left alone. A list the lattice cut off above more of its rows
 * keeps its heading in the cell, so that those rows are read on its days rather than as
 * the rows of the list beside it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "document/readers.h"
#include "test_blocks.h"

/* Adds a line of text at (x, y), w x h on the page, to cell c; placed 0 leaves its box
 * unknown, as a reader that gives none. */
static void add_line(tt_cell *c, const char *text, int x, int y, int w, int h, int placed)
{
    assert_int_equal(tt_lines_add(&c->lines, &c->nlines, text, 90, 20, 0.3f), AP_OK);
    if (placed) c->lines[c->nlines - 1].box = (tt_bbox){.page = 1, .x = x, .y = y, .w = w, .h = h};
}

/* A page of one table: a cell (0, 0) at x 100-600 holding the list under heading (or
 * under a plain title when heading is NULL), a cell (0, 1) holding "Friday". */
static void list_page(tt_page *page, const char *heading, int placed)
{
    page->number = 1;
    page->tables = calloc(1, sizeof *page->tables);
    assert_non_null(page->tables);
    page->ntables = 1;
    tt_table *t = &page->tables[0];
    t->nrows = 1, t->ncols = 2;
    t->row_pos = malloc(2 * sizeof *t->row_pos);
    t->col_pos = malloc(3 * sizeof *t->col_pos);
    t->cells = calloc(2, sizeof *t->cells);
    assert_true(t->row_pos && t->col_pos && t->cells);
    t->row_pos[0] = 100, t->row_pos[1] = 500;
    t->col_pos[0] = 100, t->col_pos[1] = 600, t->col_pos[2] = 900;
    t->bbox = (tt_bbox){.page = 1, .x = 100, .y = 100, .w = 800, .h = 400};
    t->ncells = 2;
    tt_cell *c = &t->cells[0];
    *c = (tt_cell){.row = 0, .col = 0, .nrows = 1, .ncols = 1, .confidence = 90};
    c->bbox = (tt_bbox){.page = 1, .x = 100, .y = 100, .w = 500, .h = 400};
    add_line(c, "Daily Schedule", 250, 110, 200, 30, placed);
    add_line(c, heading ? heading : "Opening hours", 200, 150, 300, 20, placed);
    const char *names[4] = {"Library", "Maths Meeting", "Design Technology", "Home Time"};
    const char *times[4] = {"8:15 - 8:25", "8:25 - 9:25", "9:25 - 9:40", "14:20"};
    for (int r = 0; r < 4; r++) {
        add_line(c, names[r], 140, 200 + 45 * r, 160, 22, placed);
        add_line(c, times[r], 450, 202 + 45 * r, 100, 18, placed);
    }
    tt_cell *f = &t->cells[1];
    *f = (tt_cell){.row = 0, .col = 1, .nrows = 1, .ncols = 1, .confidence = 90};
    f->bbox = (tt_bbox){.page = 1, .x = 600, .y = 100, .w = 300, .h = 400};
    add_line(f, "Friday", 700, 110, 80, 22, placed);
}

static void test_list_in_cell_becomes_table(void **state)
{
    (void)state;
    tt_page page = {0};
    list_page(&page, "Monday, Tuesday", 1);
    assert_int_equal(tt_cell_lists(&page), AP_OK);
    assert_int_equal(page.ntables, 2);
    assert_int_equal(page.tables[1].ncols, 2);
    assert_int_equal(page.tables[1].nrows, 5);
    assert_int_equal(page.tables[0].cells[0].nlines, 0); /* the list left the cell */
    assert_int_equal(page.tables[0].cells[1].nlines, 1);
    tt_doc d = {0};
    ap_error err = {0};
    assert_int_equal(tt_grid_interpret(&page, 1, &d, &err), AP_OK);
    for (int day = 0; day < 2; day++) {
        tb_check(&d, day, "Library", 8 * 60 + 15, 8 * 60 + 25);
        tb_check(&d, day, "Maths Meeting", 8 * 60 + 25, 9 * 60 + 25);
        tb_check(&d, day, "Design Technology", 9 * 60 + 25, 9 * 60 + 40);
    }
    tt_doc_free(&d);
    tt_page_free(&page);
}

static void test_cell_left_alone(void **state)
{
    (void)state;
    for (int k = 0; k < 2; k++) {
        tt_page page = {0};
        /* k 0: no places on the page; k 1: a list under no day heading */
        list_page(&page, k ? NULL : "Monday, Tuesday", k);
        assert_int_equal(tt_cell_lists(&page), AP_OK);
        assert_int_equal(page.ntables, 1);
        assert_int_equal(page.tables[0].cells[0].nlines, 10);
        tt_page_free(&page);
    }
}

/* A table of two lists side by side: the unruled one under "Tuesday, Thursday" in columns
 * 0-1, its heading and first rows one cell (0, 0) that the lattice cut off above two more
 * rows (1, 0-1) and (2, 0-1); a ruled list under "Friday" in columns 2-3. */
static void cut_list_page(tt_page *page)
{
    page->number = 1;
    page->tables = calloc(1, sizeof *page->tables);
    assert_non_null(page->tables);
    page->ntables = 1;
    tt_table *t = &page->tables[0];
    t->nrows = 3, t->ncols = 4;
    t->row_pos = malloc(4 * sizeof *t->row_pos);
    t->col_pos = malloc(5 * sizeof *t->col_pos);
    t->cells = calloc(10, sizeof *t->cells);
    assert_true(t->row_pos && t->col_pos && t->cells);
    static const int rows[4] = {100, 380, 420, 460}, cols[5] = {100, 350, 600, 800, 900};
    memcpy(t->row_pos, rows, sizeof rows);
    memcpy(t->col_pos, cols, sizeof cols);
    t->bbox = (tt_bbox){.page = 1, .x = 100, .y = 100, .w = 800, .h = 360};
    tt_cell *c = &t->cells[t->ncells++];
    *c = (tt_cell){.row = 0, .col = 0, .nrows = 1, .ncols = 2, .confidence = 90};
    add_line(c, "Our Day", 250, 110, 120, 30, 1);
    add_line(c, "Tuesday, Thursday", 200, 150, 250, 20, 1);
    const char *names[4] = {"Library", "Maths Meeting", "Design Technology", "Assembly"};
    const char *times[4] = {"8:15 - 8:25", "8:25 - 9:25", "9:25 - 9:40", "9:40 - 10:00"};
    for (int r = 0; r < 4; r++) {
        add_line(c, names[r], 140, 200 + 45 * r, 160, 22, 1);
        add_line(c, times[r], 450, 202 + 45 * r, 100, 18, 1);
    }
    const char *low[4] = {"Lunch", "11:40 - 12:10", "Handwriting", "12:10 - 12:40"};
    const char *fri[6] = {"Friday", "", "Art", "11:40 - 12:10", "Drama", "12:10 - 12:40"};
    for (int r = 1; r < 3; r++)
        for (int k = 0; k < 2; k++) {
            c = &t->cells[t->ncells++];
            *c = (tt_cell){.row = r, .col = k, .nrows = 1, .ncols = 1, .confidence = 90};
            add_line(c, low[2 * (r - 1) + k], cols[k] + 40, rows[r] + 10, 150, 20, 1);
        }
    for (int r = 0; r < 3; r++)
        for (int k = 0; k < (r ? 2 : 1); k++) {
            c = &t->cells[t->ncells++];
            *c =
                (tt_cell){.row = r, .col = 2 + k, .nrows = 1, .ncols = r ? 1 : 2, .confidence = 90};
            add_line(c, fri[2 * r + k], cols[2 + k] + 10, rows[r] + 10, 80, 20, 1);
        }
}

static void test_cut_list_keeps_heading(void **state)
{
    (void)state;
    tt_page page = {0};
    cut_list_page(&page);
    assert_int_equal(tt_cell_lists(&page), AP_OK);
    assert_int_equal(page.ntables, 2);
    assert_int_equal(page.tables[0].cells[0].nlines, 2); /* the heading stays */
    tt_doc d = {0};
    ap_error err = {0};
    assert_int_equal(tt_grid_interpret(&page, 1, &d, &err), AP_OK);
    for (int day = 1; day <= 3; day += 2) {
        tb_check(&d, day, "Library", 8 * 60 + 15, 8 * 60 + 25);
        tb_check(&d, day, "Lunch", 11 * 60 + 40, 12 * 60 + 10);
        tb_check(&d, day, "Handwriting", 12 * 60 + 10, 12 * 60 + 40);
    }
    tb_check(&d, 4, "Art", 11 * 60 + 40, 12 * 60 + 10);
    assert_null(tb_find(&d, 4, "Lunch"));
    assert_null(tb_find(&d, 0, "Lunch"));
    tt_doc_free(&d);
    tt_page_free(&page);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_list_in_cell_becomes_table),
        cmocka_unit_test(test_cell_left_alone),
        cmocka_unit_test(test_cut_list_keeps_heading),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

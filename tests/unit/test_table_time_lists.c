/* Proves: tt_table_time_lists (document/readers.h). A list set without rules between ruled
 * ones, whose names and heading ("Tuesday, Thursday") are free text and whose boxed
 * times the lattice joined to the ruled list beside it as that table's first column
 * (under no heading of its own), becomes a list of its own read on its heading's days at
 * those times, and the times leave the table, whose own list ("Friday") keeps its times;
 * the same table without the free names and heading is left alone. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "document/readers.h"
#include "test_free_blocks.h"

#define NROWS 4 /* a heading row, three lessons */

/* Adds a placed line of text at (x, y), w x h to cell c. */
static void add_line(tt_cell *c, const char *text, int x, int y, int w, int h)
{
    assert_int_equal(tt_lines_add(&c->lines, &c->nlines, text, 90, 20, 0.3f), AP_OK);
    c->lines[c->nlines - 1].box = (tt_bbox){.page = 1, .x = x, .y = y, .w = w, .h = h};
}

/* The ruled list: columns x 700-820 (the other list's times), 820-1100 (names), 1100-1250
 * (times); row 0 (y 100-160) an empty cell over the times and "Friday" across the rest;
 * rows 1-3 from y 160, 50 apart. */
static void friday_table(tt_page *page)
{
    page->number = 1;
    page->tables = calloc(1, sizeof *page->tables);
    assert_non_null(page->tables);
    page->ntables = 1;
    tt_table *t = &page->tables[0];
    t->nrows = NROWS, t->ncols = 3;
    t->row_pos = malloc((NROWS + 1) * sizeof *t->row_pos);
    t->col_pos = malloc(4 * sizeof *t->col_pos);
    t->cells = calloc(3 * NROWS, sizeof *t->cells);
    assert_true(t->row_pos && t->col_pos && t->cells);
    t->row_pos[0] = 100;
    for (int r = 1; r <= NROWS; r++)
        t->row_pos[r] = 110 + 50 * r;
    t->col_pos[0] = 700, t->col_pos[1] = 820, t->col_pos[2] = 1100, t->col_pos[3] = 1250;
    t->bbox = (tt_bbox){.page = 1, .x = 700, .y = 100, .w = 550, .h = 310};
    const char *other[3] = {"8:15 - 8:20AM", "8:20 - 8:35AM", "8:35 - 8:55AM"};
    const char *names[3] = {"Doors Open", "Cooking", "Maths Meeting"};
    const char *times[3] = {"9:00 - 9:10AM", "9:10 - 9:40AM", "9:45 - 10:15AM"};
    tt_cell *c = &t->cells[t->ncells++];
    *c = (tt_cell){.row = 0, .col = 0, .nrows = 1, .ncols = 1};
    c = &t->cells[t->ncells++];
    *c = (tt_cell){.row = 0, .col = 1, .nrows = 1, .ncols = 2};
    add_line(c, "Friday", 940, 120, 70, 22);
    for (int r = 1; r < NROWS; r++) {
        int y = t->row_pos[r] + 15;
        const char *text[3] = {other[r - 1], names[r - 1], times[r - 1]};
        for (int k = 0; k < 3; k++) {
            c = &t->cells[t->ncells++];
            *c = (tt_cell){.row = r, .col = k, .nrows = 1, .ncols = 1};
            add_line(c, text[k], t->col_pos[k] + 10, y, 105, 16);
        }
    }
}

static void test_times_leave_table(void **state)
{
    (void)state;
    tt_page page = {0};
    friday_table(&page);
    blocks bs = {0};
    add(&bs, 480, 110, 80, 24, "Schedule");
    add(&bs, 440, 140, 170, 20, "Tuesday, Thursday");
    const char *names[3] = {"Art", "Daily 5: Station 1", "Design Technology"};
    for (int r = 0; r < 3; r++)
        add(&bs, 525 - 9 * (int)strlen(names[r]) / 2, 173 + 50 * r, 9 * (int)strlen(names[r]), 22,
            names[r]);
    unsigned char used[MAX_BLOCKS] = {0};
    assert_int_equal(tt_table_time_lists(bs.b, bs.n, used, &page), AP_OK);
    assert_int_equal(page.ntables, 2);
    for (size_t i = 0; i < bs.n; i++)
        assert_true(used[i]);
    for (size_t i = 0; i < page.tables[0].ncells; i++)
        if (page.tables[0].cells[i].col == 0) assert_int_equal(page.tables[0].cells[i].nlines, 0);
    tt_doc d = {0};
    ap_error err = {0};
    assert_int_equal(tt_grid_interpret(&page, 1, &d, &err), AP_OK);
    for (int day = 1; day <= 3; day += 2) {
        tb_check(&d, day, "Art", 8 * 60 + 15, 8 * 60 + 20);
        tb_check(&d, day, "Daily 5: Station 1", 8 * 60 + 20, 8 * 60 + 35);
        tb_check(&d, day, "Design Technology", 8 * 60 + 35, 8 * 60 + 55);
    }
    tb_check(&d, 4, "Doors Open", 9 * 60, 9 * 60 + 10);
    tb_check(&d, 4, "Maths Meeting", 9 * 60 + 45, 10 * 60 + 15);
    tt_doc_free(&d);
    tt_page_free(&page);
    blocks_free(&bs);
}

static void test_table_left_alone(void **state)
{
    (void)state;
    tt_page page = {0};
    friday_table(&page);
    blocks bs = {0};
    add(&bs, 300, 20, 200, 30, "Weekly Schedule");
    unsigned char used[MAX_BLOCKS] = {0};
    assert_int_equal(tt_table_time_lists(bs.b, bs.n, used, &page), AP_OK);
    assert_int_equal(page.ntables, 1);
    assert_false(used[0]);
    for (size_t i = 0; i < page.tables[0].ncells; i++)
        if (page.tables[0].cells[i].row > 0) assert_int_equal(page.tables[0].cells[i].nlines, 1);
    tt_page_free(&page);
    blocks_free(&bs);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_times_leave_table),
        cmocka_unit_test(test_table_left_alone),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

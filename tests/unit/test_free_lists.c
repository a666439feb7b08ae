/* Proves: tt_free_lists (document/readers.h) on blocks of free text as the raster reader
 * hands them over. A list printed outside every table (a heading naming days, then rows of
 * a row number, a time and a name; one time set on two lines) becomes a table of a time
 * column and a name column under the heading, whose rows the interpreter reads on the
 * heading's days with their own times, and its blocks are marked taken while a title
 * above it stays free; a time set on two lines that OCR read as two blocks ("9:25 -" over
 * "9:40") is one row's range, not two rows; a short time ("8:30") over a column of ranges
 * takes its name as far off as theirs, unless names stand on both sides; a column of times beside
 * names under no day heading, and two times alone, stay free text. A list that is a table with its
 * heading printed above it as free text (tt_free_headings) takes that heading as its first row, and
 * the row of the list left outside its rules under it as its second (also with its time misread),
 * so it is read on the heading's days; a title over it stays free, and a grid's day names over it
 * (one block a day) are no list heading. Two headings side by side over one frame head a list each,
 * and a cell merged across their cut goes to the list its print stands in. */
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

static void test_free_list_becomes_table(void **state)
{
    (void)state;
    blocks bs = {0};
    add(&bs, 300, 10, 300, 30, "Term: Autumn 2 2026");
    add(&bs, 760, 100, 90, 30, "Our Day");
    add(&bs, 780, 135, 50, 22, "Friday");
    const char *times[3] = {"8:40 - 8:50", "8:50 - 9:25", "9:25 -|9:40"};
    const char *names[3] = {"Spelling Test", "Assembly", "Writer's Workshop"};
    for (int r = 0; r < 3; r++) {
        int y = 180 + 40 * r;
        add(&bs, 660, y, 15, 22, r == 0 ? "1" : r == 1 ? "2" : "3");
        add(&bs, 700, r == 2 ? y - 10 : y, 80, r == 2 ? 42 : 22, times[r]);
        add(&bs, 800, y, 140, 24, names[r]);
    }
    unsigned char used[MAX_BLOCKS] = {0};
    tt_page page = {.number = 1};
    assert_int_equal(tt_free_lists(bs.b, bs.n, used, &page), AP_OK);
    assert_int_equal(page.ntables, 1);
    assert_int_equal(page.tables[0].nrows, 4);
    assert_int_equal(page.tables[0].ncols, 2);
    assert_false(used[0]);           /* the title stays free text */
    assert_true(used[1] && used[2]); /* the heading */
    assert_true(used[4] && used[5]); /* a time and its name */
    assert_false(used[3]);           /* a row number is no part of the list */
    tt_doc d = {0};
    ap_error err = {0};
    assert_int_equal(tt_grid_interpret(&page, 1, &d, &err), AP_OK);
    assert_int_equal(d.nblocks, 3);
    tb_check(&d, 4, "Spelling Test", 8 * 60 + 40, 8 * 60 + 50);
    tb_check(&d, 4, "Assembly", 8 * 60 + 50, 9 * 60 + 25);
    tb_check(&d, 4, "Writer's Workshop", 9 * 60 + 25, 9 * 60 + 40);
    tt_doc_free(&d);
    tt_page_free(&page);
    blocks_free(&bs);
}

static void test_free_time_on_two_blocks(void **state)
{
    (void)state;
    blocks bs = {0};
    add(&bs, 760, 100, 90, 30, "Our Day");
    add(&bs, 780, 135, 50, 22, "Friday");
    static const char *const times[4] = {"8:40 -", "8:50", "8:50 -", "9:25"};
    static const char *const names[2] = {"Spelling Test", "Assembly"};
    for (int r = 0; r < 2; r++) {
        int y = 180 + 60 * r;
        add(&bs, 700, y, 60, 20, times[2 * r]);
        add(&bs, 705, y + 22, 45, 20, times[2 * r + 1]);
        add(&bs, 800, y + 10, 140, 24, names[r]);
    }
    add(&bs, 700, 300, 60, 22, "9:25 - 9:40");
    add(&bs, 800, 300, 140, 24, "Writer's Workshop");
    unsigned char used[MAX_BLOCKS] = {0};
    tt_page page = {.number = 1};
    assert_int_equal(tt_free_lists(bs.b, bs.n, used, &page), AP_OK);
    assert_int_equal(page.ntables, 1);
    assert_int_equal(page.tables[0].nrows, 4);
    for (size_t i = 0; i < bs.n; i++)
        assert_true(used[i]);
    tt_doc d = {0};
    ap_error err = {0};
    assert_int_equal(tt_grid_interpret(&page, 1, &d, &err), AP_OK);
    assert_int_equal(d.nblocks, 3);
    tb_check(&d, 4, "Spelling Test", 8 * 60 + 40, 8 * 60 + 50);
    tb_check(&d, 4, "Assembly", 8 * 60 + 50, 9 * 60 + 25);
    tb_check(&d, 4, "Writer's Workshop", 9 * 60 + 25, 9 * 60 + 40);
    tt_doc_free(&d);
    tt_page_free(&page);
    blocks_free(&bs);
}

/* Names centred in a column of their own, far from a column of ranges (a list set without
 * rules): the first row prints a single time ("8:30"), narrower than the ranges under it,
 * and its name stands as far off as theirs. */
static void test_free_short_time_far_name(void **state)
{
    (void)state;
    blocks bs = {0};
    add(&bs, 160, 140, 250, 20, "Monday, Tuesday");
    static const char *const times[4] = {"8:30", "10 - 10:30", "10:30 - 10:45", "10:45 - 11:05"};
    static const char *const names[4] = {"Late Bell Rings", "Forest School", "Break Time",
                                         "Science"};
    static const int tw[4] = {31, 75, 96, 96}, nw[4] = {132, 119, 97, 70};
    for (int r = 0; r < 4; r++) {
        int y = 180 + 40 * r;
        add(&bs, 450 - tw[r] / 2, y, tw[r], 13, times[r]);
        add(&bs, 212 - nw[r] / 2, y - 2, nw[r], 20, names[r]);
    }
    unsigned char used[MAX_BLOCKS] = {0};
    tt_page page = {.number = 1};
    assert_int_equal(tt_free_lists(bs.b, bs.n, used, &page), AP_OK);
    assert_int_equal(page.ntables, 1);
    assert_int_equal(page.tables[0].nrows, 5);
    tt_doc d = {0};
    ap_error err = {0};
    assert_int_equal(tt_grid_interpret(&page, 1, &d, &err), AP_OK);
    for (int day = 0; day < 2; day++) {
        assert_int_equal(tb_get(&d, day, "Late Bell Rings")->start, 8 * 60 + 30);
        tb_check(&d, day, "Forest School", 10 * 60, 10 * 60 + 30);
    }
    tt_doc_free(&d);
    tt_page_free(&page);
    blocks_free(&bs);
}

/* The same short time in a column with names on both sides (a list beside another, their
 * names and times interleaved on one text line): which list a far name is of is unclear,
 * so a row whose name lies out of its own reach is left out, and the heading's list keeps
 * the rows its names are close to. */
static void test_free_short_time_names_both_sides(void **state)
{
    (void)state;
    blocks bs = {0};
    add(&bs, 560, 140, 60, 20, "Friday");
    static const char *const times[4] = {"9:40 - 9:55", "9:55 - 10:10", "10:10 - 11:10", "1:05"};
    static const char *const names[4] = {"Comprehension", "Grammar", "Break", "Pack Up"};
    static const char *const other[3] = {"Science", "PSHE", "Swimming"};
    static const int tw[4] = {70, 75, 83, 26};
    for (int r = 0; r < 4; r++) {
        int y = 180 + 40 * r;
        add(&bs, 480 - tw[r], y, tw[r], 13, times[r]);
        add(&bs, r == 3 ? 590 : 520, y - 2, r == 3 ? 60 : 110, 20, names[r]);
        if (r < 3) add(&bs, 300, y - 2, 90, 20, other[r]);
    }
    unsigned char used[MAX_BLOCKS] = {0};
    tt_page page = {.number = 1};
    assert_int_equal(tt_free_lists(bs.b, bs.n, used, &page), AP_OK);
    assert_int_equal(page.ntables, 1);
    assert_int_equal(page.tables[0].nrows, 4); /* the heading and three rows */
    tt_page_free(&page);
    blocks_free(&bs);
}

static void test_free_times_without_days(void **state)
{
    (void)state;
    blocks bs = {0};
    add(&bs, 100, 100, 200, 30, "Opening hours");
    for (int r = 0; r < 3; r++) {
        add(&bs, 100, 150 + 40 * r, 80, 22,
            r == 0   ? "8:00 - 9:00"
            : r == 1 ? "9:00 - 10:00"
                     : "10:00 - 11:00");
        add(&bs, 200, 150 + 40 * r, 100, 22, r == 0 ? "Reception" : r == 1 ? "Library" : "Office");
    }
    add(&bs, 600, 150, 80, 22, "9:00");
    add(&bs, 600, 190, 80, 22, "10:00");
    unsigned char used[MAX_BLOCKS] = {0};
    tt_page page = {.number = 1};
    assert_int_equal(tt_free_lists(bs.b, bs.n, used, &page), AP_OK);
    assert_int_equal(page.ntables, 0);
    for (size_t i = 0; i < bs.n; i++)
        assert_false(used[i]);
    tt_page_free(&page);
    blocks_free(&bs);
}

/* A ruled list of two rows (a time column and a name column) whose cells name no day:
 * the table of the page, x 100-400, y 200-280. */
static tt_table *list_table(tt_page *page)
{
    page->tables = calloc(1, sizeof *page->tables);
    assert_non_null(page->tables);
    page->ntables = 1;
    tt_table *t = &page->tables[0];
    t->nrows = 2, t->ncols = 2;
    t->row_pos = malloc(3 * sizeof *t->row_pos);
    t->col_pos = malloc(3 * sizeof *t->col_pos);
    t->cells = calloc(4, sizeof *t->cells);
    assert_true(t->row_pos && t->col_pos && t->cells);
    t->row_pos[0] = 200, t->row_pos[1] = 240, t->row_pos[2] = 280;
    t->col_pos[0] = 100, t->col_pos[1] = 180, t->col_pos[2] = 400;
    t->bbox = (tt_bbox){.page = 1, .x = 100, .y = 200, .w = 300, .h = 80};
    const char *text[4] = {"9:00 - 9:30", "Maths", "9:30 - 10:15", "Art"};
    for (int i = 0; i < 4; i++) {
        tt_cell *c = &t->cells[t->ncells++];
        c->row = i / 2, c->col = i % 2, c->nrows = c->ncols = 1;
        c->confidence = 90;
        assert_int_equal(tt_lines_add(&c->lines, &c->nlines, text[i], 90, 20, 0.5f), AP_OK);
    }
    return t;
}

static void test_free_heading_over_table(void **state)
{
    (void)state;
    blocks bs = {0};
    add(&bs, 150, 20, 200, 30, "Riverside Academy");
    add(&bs, 180, 100, 140, 24, "Daily Schedule");
    add(&bs, 170, 128, 160, 22, "Monday - Wednesday");
    add(&bs, 110, 160, 60, 20, "8:30 - 9:00");
    add(&bs, 220, 158, 120, 24, "Registration");
    unsigned char used[MAX_BLOCKS] = {0};
    tt_page page = {.number = 1};
    tt_table *t = list_table(&page);
    assert_int_equal(tt_free_headings(bs.b, bs.n, used, &page), AP_OK);
    assert_false(used[0]); /* the title: more than three rows above */
    for (size_t i = 1; i < bs.n; i++)
        assert_true(used[i]);
    assert_int_equal(t->nrows, 4);
    assert_int_equal(t->ncells, 7);
    assert_int_equal(t->row_pos[0], 100);
    assert_int_equal(t->bbox.y, 100);
    tt_doc d = {0};
    ap_error err = {0};
    assert_int_equal(tt_grid_interpret(&page, 1, &d, &err), AP_OK);
    assert_int_equal(d.nblocks, 3 * 3);
    for (int day = 0; day < 3; day++) {
        tb_check(&d, day, "Registration", 8 * 60 + 30, 9 * 60);
        tb_check(&d, day, "Maths", 9 * 60, 9 * 60 + 30);
        tb_check(&d, day, "Art", 9 * 60 + 30, 10 * 60 + 15);
    }
    tt_doc_free(&d);
    tt_page_free(&page);
    blocks_free(&bs);
}

/* The row outside the rules with its time misread ("83O ~ 9:0O"): the name and the
 * figures stand in two of the table's columns, so they are a row of it all the same. */
static void test_free_heading_row_misread(void **state)
{
    (void)state;
    blocks bs = {0};
    add(&bs, 170, 128, 160, 22, "Monday - Wednesday");
    add(&bs, 110, 160, 60, 20, "83O ~ 9:0O");
    add(&bs, 220, 158, 120, 24, "Registration");
    unsigned char used[MAX_BLOCKS] = {0};
    tt_page page = {.number = 1};
    tt_table *t = list_table(&page);
    assert_int_equal(tt_free_headings(bs.b, bs.n, used, &page), AP_OK);
    for (size_t i = 0; i < bs.n; i++)
        assert_true(used[i]);
    assert_int_equal(t->nrows, 4);
    assert_int_equal(t->cells[0].nlines, 1); /* the heading holds the heading alone */
    tt_page_free(&page);
    blocks_free(&bs);
}

static void test_free_day_names_over_grid(void **state)
{
    (void)state;
    blocks bs = {0};
    static const char *const days[3] = {"Monday", "Tuesday", "Wednesday"};
    for (int k = 0; k < 3; k++)
        add(&bs, 110 + 100 * k, 160, 80, 22, days[k]);
    unsigned char used[MAX_BLOCKS] = {0};
    tt_page page = {.number = 1};
    tt_table *t = list_table(&page);
    assert_int_equal(tt_free_headings(bs.b, bs.n, used, &page), AP_OK);
    assert_int_equal(t->nrows, 2);
    for (size_t i = 0; i < bs.n; i++)
        assert_false(used[i]);
    tt_page_free(&page);
    blocks_free(&bs);
}

/* Two lists side by side in one ruled frame, x 100-700, y 200-320: a time column and a
 * name column each; the second list has ended by the last row, where the rule between the
 * first list's names and the second's times was never drawn (one cell across, its name
 * printed in the first list's column). */
static tt_table *side_lists_table(tt_page *page)
{
    static const int cols[5] = {100, 180, 400, 480, 700};
    static const char *const text[3][4] = {{"9:00 - 9:30", "Maths", "9:10 - 9:40", "Art"},
                                           {"9:30 - 10:15", "English", "9:40 - 10:20", "Music"},
                                           {"10:15 - 10:45", "Science", NULL, ""}};
    page->tables = calloc(1, sizeof *page->tables);
    assert_non_null(page->tables);
    page->ntables = 1;
    tt_table *t = &page->tables[0];
    t->nrows = 3, t->ncols = 4;
    t->row_pos = malloc(4 * sizeof *t->row_pos);
    t->col_pos = malloc(5 * sizeof *t->col_pos);
    t->cells = calloc(12, sizeof *t->cells);
    assert_true(t->row_pos && t->col_pos && t->cells);
    for (int r = 0; r <= 3; r++)
        t->row_pos[r] = 200 + 40 * r;
    memcpy(t->col_pos, cols, sizeof cols);
    t->bbox = (tt_bbox){.page = 1, .x = 100, .y = 200, .w = 600, .h = 120};
    for (int r = 0; r < 3; r++)
        for (int c = 0; c < 4; c++) {
            if (!text[r][c]) continue;
            tt_cell *cell = &t->cells[t->ncells++];
            int wide = r == 2 && c == 1; /* across the second list's time column */
            cell->row = r, cell->col = c, cell->nrows = 1, cell->ncols = wide ? 2 : 1;
            cell->confidence = 90;
            if (!*text[r][c]) continue;
            assert_int_equal(tt_lines_add(&cell->lines, &cell->nlines, text[r][c], 90, 20, 0.5f),
                             AP_OK);
            int mid = (cols[c] + cols[c + 1]) / 2; /* printed in its own column */
            cell->lines[0].box = (tt_bbox){.page = 1, .x = mid - 30, .y = 210 + 40 * r, .w = 60, .h = 20};
        }
    return t;
}

/* Headings printed over the frame, on one line: "Monday to Thursday" over the first list,
 * "Friday" over the second. Each heads its own list (one heading across would give every
 * row both), and the last row's name, in a cell merged across the cut but printed in the
 * first list's column, stays the first list's; the class printed over the times column
 * stays free text (the page's header). */
static void test_free_headings_side_by_side(void **state)
{
    (void)state;
    blocks bs = {0};
    add(&bs, 200, 160, 160, 22, "Monday to Thursday");
    add(&bs, 550, 160, 60, 22, "Friday");
    add(&bs, 105, 130, 60, 22, "Class: 3B");
    unsigned char used[MAX_BLOCKS] = {0};
    tt_page page = {.number = 1};
    side_lists_table(&page);
    assert_int_equal(tt_free_headings(bs.b, bs.n, used, &page), AP_OK);
    assert_true(used[0] && used[1]);
    assert_false(used[2]); /* over the times, under no heading: the page's, not a list's */
    tt_doc d = {0};
    ap_error err = {0};
    assert_int_equal(tt_grid_interpret(&page, 1, &d, &err), AP_OK);
    assert_int_equal(d.nblocks, 4 * 3 + 2);
    for (int day = 0; day < 4; day++) {
        tb_check(&d, day, "Maths", 9 * 60, 9 * 60 + 30);
        tb_check(&d, day, "English", 9 * 60 + 30, 10 * 60 + 15);
        tb_check(&d, day, "Science", 10 * 60 + 15, 10 * 60 + 45);
    }
    tb_check(&d, 4, "Art", 9 * 60 + 10, 9 * 60 + 40);
    tb_check(&d, 4, "Music", 9 * 60 + 40, 10 * 60 + 20);
    tt_doc_free(&d);
    tt_page_free(&page);
    blocks_free(&bs);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_free_list_becomes_table),
        cmocka_unit_test(test_free_time_on_two_blocks),
        cmocka_unit_test(test_free_short_time_far_name),
        cmocka_unit_test(test_free_short_time_names_both_sides),
        cmocka_unit_test(test_free_times_without_days),
        cmocka_unit_test(test_free_heading_over_table),
        cmocka_unit_test(test_free_heading_row_misread),
        cmocka_unit_test(test_free_day_names_over_grid),
        cmocka_unit_test(test_free_headings_side_by_side),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

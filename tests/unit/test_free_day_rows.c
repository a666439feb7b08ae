/* Proves: tt_free_day_rows (document/readers.h) on blocks of free text as the raster
 * reader hands them over. A grid whose later rows are ruled (times in the first column,
 * no day named) and whose day names and first rows are printed above the frame without
 * rules takes the day line as its first row and one row per time label under it, a
 * lesson set halfway between two labels across both, so every lesson has its day and its
 * times; a title further up stays free; day names over two columns only, or a table that
 * names its days itself, take nothing. */
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

/* The ruled body: rows y 300-400 and 400-500, times in x 0-100, the days' lessons in
 * x 100-200, 200-300, 300-400; named: its first row names the days instead. */
static tt_table *body(tt_page *page, int named)
{
    page->tables = calloc(1, sizeof *page->tables);
    assert_non_null(page->tables);
    page->ntables = 1;
    tt_table *t = &page->tables[0];
    t->nrows = 2, t->ncols = 4;
    t->row_pos = malloc(3 * sizeof *t->row_pos);
    t->col_pos = malloc(5 * sizeof *t->col_pos);
    t->cells = calloc(8, sizeof *t->cells);
    assert_true(t->row_pos && t->col_pos && t->cells);
    for (int r = 0; r <= 2; r++)
        t->row_pos[r] = 300 + 100 * r;
    for (int c = 0; c <= 4; c++)
        t->col_pos[c] = 100 * c;
    t->bbox = (tt_bbox){.page = 1, .x = 0, .y = 300, .w = 400, .h = 200};
    static const char *const text[2][2][4] = {{{"11:00 - 12:00", "Science", "Reading", "History"},
                                               {"12:00 - 13:00", "Spelling", "Singing", "Games"}},
                                              {{"", "Monday", "Tuesday", "Wednesday"},
                                               {"12:00 - 13:00", "Spelling", "Singing", "Games"}}};
    for (int r = 0; r < 2; r++)
        for (int c = 0; c < 4; c++) {
            tt_cell *cell = &t->cells[t->ncells++];
            cell->row = r, cell->col = c, cell->nrows = cell->ncols = 1;
            cell->confidence = 90;
            cell->bbox = (tt_bbox){.page = 1, .x = 100 * c, .y = t->row_pos[r], .w = 100, .h = 100};
            assert_int_equal(
                tt_lines_add(&cell->lines, &cell->nlines, text[named][r][c], 90, 20, 0.5f), AP_OK);
        }
    return t;
}

/* The title, the day line and two rows over the frame; "Art" halfway between the rows. */
static void add_upper(blocks *bs, int days)
{
    add(bs, 120, 20, 160, 30, "Weekly Timetable"); /* 0: a title */
    add(bs, 110, 100, 80, 20, "Monday");
    add(bs, 210, 100, 80, 20, days > 2 ? "Tuesday" : "Lessons");
    add(bs, 310, 100, 80, 20, "Wednesday");
    add(bs, 10, 160, 80, 20, "9:00 - 10:00");
    add(bs, 110, 160, 80, 20, "Maths");
    add(bs, 210, 200, 80, 20, "Art");
    add(bs, 310, 160, 80, 20, "Music");
    add(bs, 10, 240, 80, 20, "10:00 - 11:00");
    add(bs, 110, 240, 80, 20, "English");
    add(bs, 310, 240, 80, 20, "Drama");
}

static void test_day_rows_above_frame(void **state)
{
    (void)state;
    blocks bs = {0};
    add_upper(&bs, 3);
    unsigned char used[MAX_BLOCKS] = {0};
    tt_page page = {.number = 1};
    tt_table *t = body(&page, 0);
    assert_int_equal(tt_free_day_rows(bs.b, bs.n, used, &page), AP_OK);
    assert_false(used[0]);
    for (size_t i = 1; i < bs.n; i++)
        assert_true(used[i]);
    assert_int_equal(t->nrows, 5);
    assert_int_equal(t->row_pos[0], 100);
    assert_int_equal(t->bbox.y, 100);
    tt_doc d = {0};
    ap_error err = {0};
    assert_int_equal(tt_grid_interpret(&page, 1, &d, &err), AP_OK);
    tb_check(&d, 0, "Maths", 9 * 60, 10 * 60);
    tb_check(&d, 0, "English", 10 * 60, 11 * 60);
    tb_check(&d, 1, "Art", 9 * 60, 11 * 60); /* across both rows */
    tb_check(&d, 2, "Music", 9 * 60, 10 * 60);
    tb_check(&d, 2, "Drama", 10 * 60, 11 * 60);
    tb_check(&d, 0, "Science", 11 * 60, 12 * 60);
    tb_check(&d, 2, "Games", 12 * 60, 13 * 60);
    assert_int_equal(d.nblocks, 11);
    tt_doc_free(&d);
    tt_page_free(&page);
    blocks_free(&bs);
}

static void test_two_days_are_no_day_row(void **state)
{
    (void)state;
    blocks bs = {0};
    add_upper(&bs, 2);
    unsigned char used[MAX_BLOCKS] = {0};
    tt_page page = {.number = 1};
    tt_table *t = body(&page, 0);
    assert_int_equal(tt_free_day_rows(bs.b, bs.n, used, &page), AP_OK);
    assert_int_equal(t->nrows, 2);
    for (size_t i = 0; i < bs.n; i++)
        assert_false(used[i]);
    tt_page_free(&page);
    blocks_free(&bs);
}

static void test_named_table_takes_nothing(void **state)
{
    (void)state;
    blocks bs = {0};
    add_upper(&bs, 3);
    unsigned char used[MAX_BLOCKS] = {0};
    tt_page page = {.number = 1};
    tt_table *t = body(&page, 1);
    assert_int_equal(tt_free_day_rows(bs.b, bs.n, used, &page), AP_OK);
    assert_int_equal(t->nrows, 2);
    for (size_t i = 0; i < bs.n; i++)
        assert_false(used[i]);
    tt_page_free(&page);
    blocks_free(&bs);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_day_rows_above_frame),
        cmocka_unit_test(test_two_days_are_no_day_row),
        cmocka_unit_test(test_named_table_takes_nothing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

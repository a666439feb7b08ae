/* Proves: tt_free_time_header (document/readers.h) on blocks of free text as the raster
 * reader hands them over, and on a drawn page. A grid whose body is ruled (days as rows)
 * and whose times are printed above its frame, unruled, takes the blocks over its columns
 * as its top row, one cell a column (a time printed up a column in two pieces read bottom
 * to top), so its lessons are timed; a title further up and a time beside the frame stay
 * free; a grid whose top row prints times, or with times over two columns only, takes
 * nothing. A drawn page whose times stand over the frame (one up its column) reads the
 * week with each lesson at its hour. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "document/readers.h"
#include "test_draw.h"
#include "test_free_blocks.h"

/* Days as rows (y 200-300, 300-400, 400-500), labels in x 0-100, lessons in x 100-200,
 * 200-300, 300-400; head: the top row prints times in its cells instead. */
static tt_table *grid(tt_page *page, int head)
{
    page->tables = calloc(1, sizeof *page->tables);
    assert_non_null(page->tables);
    page->ntables = 1;
    tt_table *t = &page->tables[0];
    t->nrows = head ? 4 : 3, t->ncols = 4;
    t->row_pos = malloc((size_t)(t->nrows + 1) * sizeof *t->row_pos);
    t->col_pos = malloc(5 * sizeof *t->col_pos);
    t->cells = calloc((size_t)(4 * t->nrows), sizeof *t->cells);
    assert_true(t->row_pos && t->col_pos && t->cells);
    for (int r = 0; r <= t->nrows; r++)
        t->row_pos[r] = (head ? 100 : 200) + 100 * r;
    for (int c = 0; c <= 4; c++)
        t->col_pos[c] = 100 * c;
    t->bbox = (tt_bbox){.page = 1, .x = 0, .y = t->row_pos[0], .w = 400, .h = 100 * t->nrows};
    static const char *const text[4][4] = {{"", "8:00 - 9:00", "10:00 - 11:00", "11 - 12"},
                                           {"Monday", "Maths", "English", "Science"},
                                           {"Tuesday", "Music", "Reading", "Art"},
                                           {"Wednesday", "Spelling", "History", "Drama"}};
    for (int r = 0; r < t->nrows; r++)
        for (int c = 0; c < 4; c++) {
            tt_cell *cell = &t->cells[t->ncells++];
            cell->row = r, cell->col = c, cell->nrows = cell->ncols = 1;
            cell->confidence = 90;
            cell->bbox = (tt_bbox){.page = 1, .x = 100 * c, .y = t->row_pos[r], .w = 100, .h = 100};
            const char *s = text[r + (head ? 0 : 1)][c];
            assert_int_equal(tt_lines_add(&cell->lines, &cell->nlines, s, 90, 20, 0.5f), AP_OK);
        }
    return t;
}

static void check_week(const tt_doc *d)
{
    static const char *const names[3][3] = {{"Maths", "English", "Science"},
                                            {"Music", "Reading", "Art"},
                                            {"Spelling", "History", "Drama"}};
    for (int day = 0; day < 3; day++)
        for (int c = 0; c < 3; c++)
            tb_check(d, day, names[day][c], 9 * 60 + 60 * c, 10 * 60 + 60 * c);
    assert_int_equal(d->nblocks, 9);
}

/* The times over the frame: the header; "10:00" and "11:00" printed up the last column
 * in two pieces, the start below. */
static void add_header(blocks *bs)
{
    add(bs, 120, 20, 160, 30, "Weekly Timetable"); /* 0: a title, three rows up */
    add(bs, 30, 160, 40, 20, "Day");
    add(bs, 110, 160, 80, 20, "9:00 - 10:00");
    add(bs, 210, 160, 80, 20, "10:00 - 11:00");
    add(bs, 344, 110, 12, 40, "12:00");
    add(bs, 344, 155, 12, 40, "11:00");
    add(bs, 420, 160, 80, 20, "12:00 - 12:30"); /* 6: beside the frame */
}

static void test_header_above_frame(void **state)
{
    (void)state;
    blocks bs = {0};
    add_header(&bs);
    unsigned char used[MAX_BLOCKS] = {0};
    tt_page page = {.number = 1};
    tt_table *t = grid(&page, 0);
    assert_int_equal(tt_free_time_header(bs.b, bs.n, used, &page), AP_OK);
    assert_false(used[0]);
    assert_false(used[6]);
    for (size_t i = 1; i < 6; i++)
        assert_true(used[i]);
    assert_int_equal(t->nrows, 4);
    assert_int_equal(t->ncells, 4 + 12);
    assert_int_equal(t->row_pos[0], 110);
    assert_int_equal(t->bbox.y, 110);
    assert_string_equal(t->cells[3].lines[0].text, "11:00"); /* read up the column */
    tt_doc d = {0};
    ap_error err = {0};
    assert_int_equal(tt_grid_interpret(&page, 1, &d, &err), AP_OK);
    check_week(&d);
    tt_doc_free(&d);
    tt_page_free(&page);
    blocks_free(&bs);
}

static void test_header_in_frame_stays(void **state)
{
    (void)state;
    blocks bs = {0};
    add_header(&bs);
    unsigned char used[MAX_BLOCKS] = {0};
    tt_page page = {.number = 1};
    tt_table *t = grid(&page, 1);
    assert_int_equal(tt_free_time_header(bs.b, bs.n, used, &page), AP_OK);
    assert_int_equal(t->nrows, 4);
    for (size_t i = 0; i < bs.n; i++)
        assert_false(used[i]);
    tt_page_free(&page);
    blocks_free(&bs);
}

static void test_two_times_are_no_header(void **state)
{
    (void)state;
    blocks bs = {0};
    add(&bs, 110, 160, 80, 20, "9:00 - 10:00");
    add(&bs, 210, 160, 80, 20, "10:00 - 11:00");
    add(&bs, 310, 160, 80, 20, "Lessons");
    unsigned char used[MAX_BLOCKS] = {0};
    tt_page page = {.number = 1};
    tt_table *t = grid(&page, 0);
    assert_int_equal(tt_free_time_header(bs.b, bs.n, used, &page), AP_OK);
    assert_int_equal(t->nrows, 3);
    for (size_t i = 0; i < bs.n; i++)
        assert_false(used[i]);
    tt_page_free(&page);
    blocks_free(&bs);
}

/* Drawn: the week's body ruled (and a fourth lesson a day), its times printed over the
 * frame without rules, the fourth up its column (which the reader reads in scraps). */
static void test_header_above_frame_drawn(void **state)
{
    (void)state;
    cairo_surface_t *s;
    cairo_t *cr = canvas(860, 520, &s);
    int xs[6] = {20, 200, 380, 560, 740, 840}, ys[4] = {200, 300, 400, 500};
    for (int i = 0; i < 4; i++)
        rule(cr, 20, ys[i], 840, ys[i]);
    for (int i = 0; i < 6; i++)
        rule(cr, xs[i], 200, xs[i], 500);
    const char *header[3] = {"9:00 - 10:00", "10:00 - 11:00", "11:00 - 12:00"};
    for (int c = 0; c < 3; c++)
        text(cr, header[c], (xs[c + 1] + xs[c + 2]) / 2.0, 170, 0);
    text(cr, "12:00 - 12:30", 790, 120, -90);
    for (int r = 0; r < 3; r++) {
        double cy = (ys[r] + ys[r + 1]) / 2.0;
        text(cr, week_day(r), 110, cy, 0);
        for (int c = 0; c < 3; c++)
            text(cr, week_name(r, c), (xs[c + 1] + xs[c + 2]) / 2.0, cy, 0);
        text(cr, "PE", 790, cy, 0);
    }
    cairo_destroy(cr);
    tt_doc d;
    extract_drawn(to_pix(s), &d);
    cairo_surface_destroy(s);
    int right = week_right(&d);
    if (right < 9)
        for (size_t i = 0; i < d.nblocks; i++)
            print_message("  got day %d '%s' %d-%d\n", d.blocks[i].day, d.blocks[i].name,
                          d.blocks[i].start, d.blocks[i].end);
    assert_int_equal(right, 9);
    tt_doc_free(&d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_header_above_frame),
        cmocka_unit_test(test_header_in_frame_stays),
        cmocka_unit_test(test_two_times_are_no_header),
        cmocka_unit_test(test_header_above_frame_drawn),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

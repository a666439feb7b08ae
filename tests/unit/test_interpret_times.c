/* Proves: the grid interpreter (tt_grid_interpret) times events right where a page prints
 * a range's start and end in two cells of its own ("9:00" | "9:55 am": the rule between
 * them is the dash OCR's line finder took for a column rule), in a grid's header and in a
 * list's time column: the first cell holds the start and the second the end, also where
 * OCR could read only one of them. A header time cell that the grid's lines merged with
 * the body cell under it still times its columns. Two readings of one boundary that OCR
 * read apart in a minute's units digit ("13:46" over "13:40") take the one on a
 * five-minute mark, in a list and in a grid's header. A list's end misread later than the
 * next start is dropped rather than that start: no event lasts no time. A band printed
 * once a day that the grid's lines cut across parts of days is an event a day. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "test_grid_fixture.h"

/* Days as columns; the time column is split in two (start | end) in the rows where the
 * dash stood apart, one cell elsewhere; row 3's start is unreadable. */
static void test_split_header_times(void **state)
{
    (void)state;
    tt_page page = {.number = 1};
    tt_table *t = one_table(&page, 5, 5);
    add_cell(t, 0, 0, 1, 3, "");
    add_cell(t, 0, 3, 1, 1, "Monday");
    add_cell(t, 0, 4, 1, 1, "Tuesday");
    static const char *const rows[4][5] = {
        {"1", "8:35 - 9:00 am", NULL, "Maths", "Art"},
        {"2", "9:00", "9:55 am", "Reading", "Music"},
        {"3", "9 SS", "10:25 am", "Science", "PE"},
        {"4", "10:25", "11:00 am", "History", "Drama"},
    };
    for (int r = 0; r < 4; r++) {
        add_cell(t, r + 1, 0, 1, 1, rows[r][0]);
        add_cell(t, r + 1, 1, 1, rows[r][2] ? 1 : 2, rows[r][1]);
        if (rows[r][2]) add_cell(t, r + 1, 2, 1, 1, rows[r][2]);
        add_cell(t, r + 1, 3, 1, 1, rows[r][3]);
        add_cell(t, r + 1, 4, 1, 1, rows[r][4]);
    }
    tt_doc d;
    interpret(&page, &d);
    for (int day = 0; day < 2; day++) {
        tb_check(&d, day, rows[0][3 + day], HM(8, 35), HM(9, 0));
        tb_check(&d, day, rows[1][3 + day], HM(9, 0), HM(9, 55));
        tb_check(&d, day, rows[2][3 + day], HM(9, 55), HM(10, 25));
        tb_check(&d, day, rows[3][3 + day], HM(10, 25), HM(11, 0));
    }
    assert_int_equal(d.nblocks, 8);
    tt_doc_free(&d);
    tt_page_free(&page);
}

/* A list whose times stand in two columns, start and end; one start is unreadable and
 * the last row's range is one cell across both. */
static void test_split_list_times(void **state)
{
    (void)state;
    tt_page page = {.number = 1};
    tt_table *t = one_table(&page, 6, 4);
    add_cell(t, 0, 0, 1, 4, "Schedule|~Monday, Wednesday");
    static const char *const rows[5][4] = {
        {"1", "Maths", "8:25", "8:55 am"},     {"2", "Reading", "8:55", "9:10 am"},
        {"3", "Art", "5.", "9:40 am"},         {"4", "PE", "9:40", "10 am"},
        {"5", "Snack", "10 - 10:45 am", NULL},
    };
    for (int r = 0; r < 5; r++) {
        add_cell(t, r + 1, 0, 1, 1, rows[r][0]);
        add_cell(t, r + 1, 1, 1, 1, rows[r][1]);
        add_cell(t, r + 1, 2, 1, rows[r][3] ? 1 : 2, rows[r][2]);
        if (rows[r][3]) add_cell(t, r + 1, 3, 1, 1, rows[r][3]);
    }
    tt_doc d;
    interpret(&page, &d);
    for (int day = 0; day <= 2; day += 2) {
        tb_check(&d, day, "Maths", HM(8, 25), HM(8, 55));
        tb_check(&d, day, "Reading", HM(8, 55), HM(9, 10));
        tb_check(&d, day, "Art", HM(9, 10), HM(9, 40));
        tb_check(&d, day, "PE", HM(9, 40), HM(10, 0));
        tb_check(&d, day, "Snack", HM(10, 0), HM(10, 45));
    }
    assert_int_equal(d.nblocks, 10);
    tt_doc_free(&d);
    tt_page_free(&page);
}

/* A header time cell that the grid's lines merged with the body cell under it (a rule
 * drawn too faint to find) still times its columns. */
static void test_header_cell_into_body(void **state)
{
    (void)state;
    tt_page page = {.number = 1};
    tt_table *t = one_table(&page, 3, 5);
    add_cell(t, 0, 0, 1, 1, "");
    add_cell(t, 0, 1, 1, 1, "12:15 - 1:15");
    add_cell(t, 0, 2, 1, 1, "");
    add_cell(t, 0, 3, 2, 2, "1:15-2:10");
    add_cell(t, 1, 0, 1, 1, "Monday");
    add_cell(t, 1, 1, 2, 1, "Lunch");
    add_cell(t, 1, 2, 1, 1, "");
    add_cell(t, 2, 0, 1, 1, "Tuesday");
    add_cell(t, 1, 4, 1, 1, "Mindfulness");
    add_cell(t, 2, 2, 1, 1, "");
    add_cell(t, 2, 3, 1, 1, "Forest School");
    add_cell(t, 2, 4, 1, 1, "Intervention");
    tt_doc d;
    interpret(&page, &d);
    tb_check(&d, 0, "Mindfulness", HM(13, 45), HM(14, 10));
    tb_check(&d, 1, "Forest School", HM(13, 15), HM(13, 45));
    tb_check(&d, 1, "Intervention", HM(13, 45), HM(14, 10));
    tt_doc_free(&d);
    tt_page_free(&page);
}

/* OCR read two readings of one boundary apart in a minute's units digit: the reading on
 * a five-minute mark stands, in a list and in a grid's header. */
static void test_units_misread(void **state)
{
    (void)state;
    tt_page page = {.number = 1};
    tt_table *t = one_table(&page, 4, 2);
    add_cell(t, 0, 0, 1, 2, "Daily Schedule|~Monday");
    add_cell(t, 1, 0, 1, 1, "Assembly");
    add_cell(t, 1, 1, 1, 1, "13:25 - 13:46");
    add_cell(t, 2, 0, 1, 1, "Grammar");
    add_cell(t, 2, 1, 1, 1, "13:40 - 14:10");
    add_cell(t, 3, 0, 1, 1, "Golden Time");
    add_cell(t, 3, 1, 1, 1, "14:16 - 14:55");
    tt_doc d;
    interpret(&page, &d);
    tb_check(&d, 0, "Assembly", HM(13, 25), HM(13, 40));
    tb_check(&d, 0, "Grammar", HM(13, 40), HM(14, 10));
    tb_check(&d, 0, "Golden Time", HM(14, 10), HM(14, 55));
    tt_doc_free(&d);
    tt_page_free(&page);

    tt_page grid = {.number = 1};
    t = one_table(&grid, 3, 3);
    add_cell(t, 0, 0, 1, 1, "");
    add_cell(t, 0, 1, 1, 1, "9:00 - 9:56");
    add_cell(t, 0, 2, 1, 1, "9:50 - 10:30");
    add_cell(t, 1, 0, 1, 1, "Monday");
    add_cell(t, 1, 1, 1, 1, "Maths");
    add_cell(t, 1, 2, 1, 1, "Art");
    add_cell(t, 2, 0, 1, 1, "Tuesday");
    add_cell(t, 2, 1, 1, 2, "Trip");
    interpret(&grid, &d);
    tb_check(&d, 0, "Maths", HM(9, 0), HM(9, 50));
    tb_check(&d, 0, "Art", HM(9, 50), HM(10, 30));
    tb_check(&d, 1, "Trip", HM(9, 0), HM(10, 30));
    tt_doc_free(&d);
    tt_page_free(&grid);
}

/* A list's end misread later than the next row's start ("10:05 - 10:30" over "10:10 -
 * 10:30"): of the two readings, the one that leaves no event lasting no time stands. */
static void test_list_end_misread(void **state)
{
    (void)state;
    tt_page page = {.number = 1};
    tt_table *t = one_table(&page, 4, 2);
    add_cell(t, 0, 0, 1, 2, "Daily Schedule|~Monday - Thursday");
    add_cell(t, 1, 0, 1, 1, "10:05 - 10:30am");
    add_cell(t, 1, 1, 1, 1, "Reading");
    add_cell(t, 2, 0, 1, 1, "10:10 - 10:30am");
    add_cell(t, 2, 1, 1, 1, "Science");
    add_cell(t, 3, 0, 1, 1, "10:30 - 10:50am");
    add_cell(t, 3, 1, 1, 1, "Art");
    tt_doc d;
    interpret(&page, &d);
    for (int day = 0; day < 4; day++) {
        tb_check(&d, day, "Reading", HM(10, 5), HM(10, 10));
        tb_check(&d, day, "Science", HM(10, 10), HM(10, 30));
        tb_check(&d, day, "Art", HM(10, 30), HM(10, 50));
    }
    tt_doc_free(&d);
    tt_page_free(&page);
}

/* A band printed once a day ("Break Time" in each day's rows) that the grid's lines cut
 * into cells across parts of days (Wednesday's rows split in two): each day's label is
 * that day's event, and a cell's end reaching into a day whose label stands in the next
 * cell names no event there; a label centred in all its day's rows, though the cut lets
 * only part of them into its cell, is that day's. */
static void test_band_cut_across_days(void **state)
{
    (void)state;
    tt_page page = {.number = 1};
    tt_table *t = one_table(&page, 6, 3);
    add_cell(t, 0, 0, 1, 1, "");
    add_cell(t, 0, 1, 1, 1, "9:00 - 10:00");
    add_cell(t, 0, 2, 1, 1, "10:00 - 10:15");
    add_cell(t, 1, 0, 1, 1, "Monday");
    add_cell(t, 2, 0, 1, 1, "Tuesday");
    add_cell(t, 3, 0, 2, 1, "Wednesday");
    add_cell(t, 5, 0, 1, 1, "Thursday");
    add_cell(t, 1, 1, 1, 1, "Maths");
    add_cell(t, 2, 1, 1, 1, "Art");
    add_cell(t, 3, 1, 2, 1, "PE");
    add_cell(t, 5, 1, 1, 1, "Music");
    add_cell(t, 1, 2, 3, 1, "Break Time|Break Time"); /* 11: Monday, Tuesday, Wednesday's top */
    add_cell(t, 4, 2, 2, 1, "Break Time|Break Time"); /* 12: Wednesday's foot, Thursday */
    for (size_t i = 0; i < t->ncells; i++)
        place_cell(t, i);
    place_line(t, 11, 0, 215, 145, 60, 12); /* rows are y 100r .. 100(r + 1) */
    place_line(t, 11, 1, 215, 245, 60, 12);
    place_line(t, 12, 0, 215, 402, 60, 12); /* centred in Wednesday's rows 3-4 */
    place_line(t, 12, 1, 215, 545, 60, 12);
    tt_doc d;
    interpret(&page, &d);
    for (int day = 0; day < 4; day++)
        tb_check(&d, day, "Break Time", HM(10, 0), HM(10, 15));
    assert_int_equal(d.nblocks, 4 + 4);
    tt_doc_free(&d);
    tt_page_free(&page);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_split_header_times),    cmocka_unit_test(test_split_list_times),
        cmocka_unit_test(test_header_cell_into_body), cmocka_unit_test(test_units_misread),
        cmocka_unit_test(test_list_end_misread),      cmocka_unit_test(test_band_cut_across_days),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

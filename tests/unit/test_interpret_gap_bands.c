/* Proves: a break whose time the header does not print (or the reader missed) but whose
 * place shows as a gap in time between two slots of a header cell (one ends at 10:00, the
 * next starts at 10:15) takes that gap's times when its name is set sideways once, centred
 * down the week, standing apart in a cell merged across the unruled column: an event on
 * every day at 10:00-10:15, the lessons beside it keeping their slots' times; and that a
 * lesson's line in the same gap, or a header with no gap in time, leaves the word where it
 * is (document/interpret_grid.c, find_slot_bands). Hand-built grids, no OCR. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "document/grid.h"
#include "test_grid_fixture.h"

/* Days as rows (y 100-200, 200-300, 300-400), label column x 0-100, lessons' columns
 * x 100-200 and 200-300 under one header cell printing three times: "9:00 - 10:00" at
 * x 105-150, then (gap: 10:00 to 10:15 when gap, else none) "10:15 - 10:45" or
 * "10:00 - 10:45" at x 205-245 and "10:45 - 11:30" at x 250-295. Tuesday's lessons are
 * one cell merged across both columns, holding "Break" sideways at x 172-184, y 180-320;
 * music_w: the width of Tuesday's first lesson's line from x 110. */
static tt_table *build_gap_week(tt_page *page, int gap, int music_w)
{
    tt_table *t = one_table(page, 4, 3);
    add_cell(t, 0, 0, 1, 1, "");
    add_cell(t, 0, 1, 1, 2,
             gap ? "9:00 - 10:00|10:15 - 10:45|10:45 - 11:30"
                 : "9:00 - 10:00|10:00 - 10:45|10:45 - 11:30"); /* 1 */
    add_cell(t, 1, 0, 1, 1, "Monday");
    add_cell(t, 1, 1, 1, 1, "Maths");     /* 3 */
    add_cell(t, 1, 2, 1, 1, "Art|Games"); /* 4 */
    add_cell(t, 2, 0, 1, 1, "Tuesday");
    add_cell(t, 2, 1, 1, 2, "Music|Break|Drama|Chess"); /* 6 */
    add_cell(t, 3, 0, 1, 1, "Wednesday");
    add_cell(t, 3, 1, 1, 1, "Reading");    /* 8 */
    add_cell(t, 3, 2, 1, 1, "PE|Cooking"); /* 9 */
    for (size_t i = 0; i < t->ncells; i++)
        place_cell(t, i);
    place_line(t, 1, 0, 105, 45, 45, 10);
    place_line(t, 1, 1, 205, 45, 40, 10);
    place_line(t, 1, 2, 250, 45, 45, 10);
    place_line(t, 3, 0, 110, 145, 40, 10);
    place_line(t, 4, 0, 205, 145, 40, 10);
    place_line(t, 4, 1, 250, 145, 45, 10);
    place_line(t, 6, 0, 110, 245, music_w, 10);
    place_line(t, 6, 1, 172, 180, 12, 140);
    place_line(t, 6, 2, 205, 245, 40, 10);
    place_line(t, 6, 3, 250, 245, 45, 10);
    place_line(t, 8, 0, 110, 345, 40, 10);
    place_line(t, 9, 0, 205, 345, 40, 10);
    place_line(t, 9, 1, 250, 345, 45, 10);
    return t;
}

/* The gap 10:00-10:15 holds only the sideways word: every day's break at the gap's times. */
static void test_gap_band_every_day(void **state)
{
    (void)state;
    tt_page page = {.number = 1};
    build_gap_week(&page, 1, 40);
    tt_doc d;
    interpret(&page, &d);
    for (int day = 0; day < 3; day++)
        tb_check(&d, day, "Break", HM(10, 0), HM(10, 15));
    tb_check(&d, 1, "Music", HM(9, 0), HM(10, 0));
    tb_check(&d, 1, "Drama", HM(10, 15), HM(10, 45));
    tb_check(&d, 1, "Chess", HM(10, 45), HM(11, 30));
    tb_check(&d, 0, "Maths", HM(9, 0), HM(10, 0));
    tb_check(&d, 2, "Cooking", HM(10, 45), HM(11, 30));
    tt_doc_free(&d);
    tt_page_free(&page);
}

/* The week of build_gap_week(gap, music_w) gives no day but Tuesday a "Break". */
static void assert_no_band(int gap, int music_w)
{
    tt_page page = {.number = 1};
    build_gap_week(&page, gap, music_w);
    tt_doc d;
    interpret(&page, &d);
    assert_null(tb_find(&d, 0, "Break"));
    assert_null(tb_find(&d, 2, "Break"));
    tt_doc_free(&d);
    tt_page_free(&page);
}

/* A lesson's line reaching into the gap (its middle there too): the word does not stand
 * apart, and is no other day's. */
static void test_gap_shared(void **state)
{
    (void)state;
    assert_no_band(1, 95);
}

/* No gap in time between the slots: nothing to time a band by, the word stays in its cell. */
static void test_no_gap(void **state)
{
    (void)state;
    assert_no_band(0, 40);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gap_band_every_day),
        cmocka_unit_test(test_gap_shared),
        cmocka_unit_test(test_no_gap),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

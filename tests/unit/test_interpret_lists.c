/* Proves: tables without a day axis (document/interpret_lists.c), on hand-built grids
 * without OCR: a list whose heading names its days (single times ending at the next
 * start); lists one under another each on their own heading's days; times OCR could not
 * read, or read out of order, placed from their neighbours in time order; a misread
 * heading ("Fnday"); rows merged into one cell; lists side by side read one by one, also
 * where one list's times are unreadable or each time sits over its name; days as columns
 * with times in the first column alone staying a grid; a list without a readable heading
 * taking the weekdays the others leave out; and a table without times giving no blocks
 * and a warning. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "test_grid_fixture.h"

/* A list schedule: row number, time, event; its heading names the days. */
static void test_list_with_heading_days(void **state)
{
    (void)state;
    tt_page page = {.number = 1};
    tt_table *t = one_table(&page, 5, 3);
    add_cell(t, 0, 0, 1, 3, "Daily Schedule|~Monday, Tuesday and Thursday");
    add_cell(t, 1, 0, 1, 1, "1");
    add_cell(t, 1, 1, 1, 1, "8:35");
    add_cell(t, 1, 2, 1, 1, "Doors open");
    add_cell(t, 2, 0, 1, 1, "2");
    add_cell(t, 2, 1, 1, 1, "9:00-9:15");
    add_cell(t, 2, 2, 1, 1, "Morning Work");
    add_cell(t, 3, 0, 1, 1, "3");
    add_cell(t, 3, 1, 1, 1, "12:30-1:00");
    add_cell(t, 3, 2, 1, 1, "Lunch");
    add_cell(t, 4, 0, 1, 1, "4");
    add_cell(t, 4, 1, 1, 1, "3:15");
    add_cell(t, 4, 2, 1, 1, "Home time");
    /* header fields outside the table */
    assert_int_equal(tt_lines_add(&page.free_text, &page.nfree,
                                  "Class: 4B Teacher: Mr Smith Term: Spring 2025", 90, 20, 1),
                     AP_OK);
    tt_doc d;
    interpret(&page, &d);
    assert_int_equal(d.nblocks, 4 * 3);
    int days[3] = {0, 1, 3};
    for (int k = 0; k < 3; k++) {
        tb_check(&d, days[k], "Doors open", HM(8, 35), HM(9, 0)); /* ends at the next start */
        tb_check(&d, days[k], "Morning Work", HM(9, 0), HM(9, 15));
        tb_check(&d, days[k], "Lunch", HM(12, 30), HM(13, 0));
        tb_check(&d, days[k], "Home time", HM(15, 15), TT_NO_TIME);
    }
    assert_string_equal(d.teacher, "Mr Smith");
    assert_string_equal(d.class_name, "4B");
    assert_string_equal(d.term, "Spring");
    assert_int_equal(d.year, 2025);
    tt_doc_free(&d);
    tt_page_free(&page);
}

/* Two lists one under the other in one table, each under its own heading: the days of a
 * heading are those of the rows under it, and a day named in an event ("Friday Club") is
 * no heading. */
static void test_list_headings_per_section(void **state)
{
    (void)state;
    tt_page page = {.number = 1};
    tt_table *t = one_table(&page, 6, 2);
    add_cell(t, 0, 0, 1, 2, "Daily Schedule|~Monday \xe2\x80\x93 Wednesday");
    add_cell(t, 1, 0, 1, 1, "9:00-9:30");
    add_cell(t, 1, 1, 1, 1, "Maths");
    add_cell(t, 2, 0, 1, 1, "9:30-10:00");
    add_cell(t, 2, 1, 1, 1, "Friday Club");
    add_cell(t, 3, 0, 1, 2, "Schedule|~Thu/Fri");
    add_cell(t, 4, 0, 1, 1, "9:00-9:45");
    add_cell(t, 4, 1, 1, 1, "Art");
    add_cell(t, 5, 0, 1, 1, "9:45-10:00");
    add_cell(t, 5, 1, 1, 1, "Music");
    tt_doc d;
    interpret(&page, &d);
    assert_int_equal(d.nblocks, 2 * 3 + 2 * 2);
    for (int day = 0; day < 3; day++) {
        tb_check(&d, day, "Maths", HM(9, 0), HM(9, 30));
        tb_check(&d, day, "Friday Club", HM(9, 30), HM(10, 0));
    }
    for (int day = 3; day < 5; day++) {
        tb_check(&d, day, "Art", HM(9, 0), HM(9, 45));
        tb_check(&d, day, "Music", HM(9, 45), HM(10, 0));
    }
    tt_doc_free(&d);
    tt_page_free(&page);
}

/* A list whose small print OCR could not read in places: a time cell of garbage, a range
 * whose start is lost ("45 - 10:05am"), one read out of order ("1:30 - 10:50am" for
 * 10:30), a cell of figures and letters that is no day ("S: 20m"). Rows run in time
 * order, so each takes its times from its neighbours; a row placed at one end only is
 * left out. */
static void test_list_unreadable_times(void **state)
{
    (void)state;
    tt_page page = {.number = 1};
    tt_table *t = one_table(&page, 10, 3);
    add_cell(t, 0, 0, 1, 3, "Schedule|~Friday");
    static const char *const rows[9][2] = {
        {"S: 20m", "Doors Open"},            /* unreadable, first: left out */
        {"8:40 - 9:00am", "Library"},        /* read */
        {"BOK) ~ & (6a", "PE"},              /* unreadable: 9:00 to 9:45 */
        {"9:45 - 10:05am", "History"},       /* read */
        {"45 - 10:30am", "Snack"},           /* start lost: 10:05 */
        {"1:30 - 10:50am", "Comprehension"}, /* start out of order: 10:30 */
        {"10:50 - 11:45am", "Phonics"},      /* read */
        {"& Mam", "Lunch"},                  /* two unreadable rows running: left out */
        {"Ke) ~ 1S", "Show and Tell"},
    };
    for (int r = 0; r < 9; r++) {
        char num[4];
        snprintf(num, sizeof num, "%d", r + 1);
        add_cell(t, r + 1, 0, 1, 1, num);
        add_cell(t, r + 1, 1, 1, 1, rows[r][0]);
        add_cell(t, r + 1, 2, 1, 1, rows[r][1]);
    }
    tt_doc d;
    interpret(&page, &d);
    tb_check(&d, 4, "Library", HM(8, 40), HM(9, 0));
    tb_check(&d, 4, "PE", HM(9, 0), HM(9, 45));
    tb_check(&d, 4, "History", HM(9, 45), HM(10, 5));
    tb_check(&d, 4, "Snack", HM(10, 5), HM(10, 30));
    tb_check(&d, 4, "Comprehension", HM(10, 30), HM(10, 50));
    tb_check(&d, 4, "Phonics", HM(10, 50), HM(11, 45));
    for (size_t i = 0; i < d.nblocks; i++) {
        assert_int_equal(d.blocks[i].day, 4);
        assert_string_not_equal(d.blocks[i].name, "Doors Open");
        assert_string_not_equal(d.blocks[i].name, "Lunch");
        assert_string_not_equal(d.blocks[i].name, "Show and Tell");
    }
    assert_int_equal(d.nblocks, 6);
    tt_doc_free(&d);
    tt_page_free(&page);
}

/* A list headed by a short day name alone ("Fr", OCR's reading of "Fri") across it: the
 * day of every row; a lone "we" in one column further down is no heading. */
static void test_list_short_heading(void **state)
{
    (void)state;
    tt_page page = {.number = 1};
    tt_table *t = one_table(&page, 5, 2);
    add_cell(t, 0, 0, 1, 2, "Fr");
    add_cell(t, 1, 0, 1, 1, "9:00-9:30");
    add_cell(t, 1, 1, 1, 1, "Maths");
    add_cell(t, 2, 0, 1, 1, "we");
    add_cell(t, 3, 0, 1, 1, "10:00-10:30");
    add_cell(t, 3, 1, 1, 1, "Art");
    add_cell(t, 4, 0, 1, 1, "10:30-11:00");
    add_cell(t, 4, 1, 1, 1, "Music");
    tt_doc d;
    interpret(&page, &d);
    assert_int_equal(d.nblocks, 3);
    tb_check(&d, 4, "Maths", HM(9, 0), HM(9, 30));
    tb_check(&d, 4, "Art", HM(10, 0), HM(10, 30));
    tb_check(&d, 4, "Music", HM(10, 30), HM(11, 0));
    tt_doc_free(&d);
    tt_page_free(&page);
}

/* A list heading whose day OCR read with "n" for "ri" ("Fnday") still names it. */
static void test_list_heading_misread(void **state)
{
    (void)state;
    tt_page page = {.number = 1};
    tt_table *t = one_table(&page, 3, 2);
    add_cell(t, 0, 0, 1, 2, "Schedule|~Fnday");
    add_cell(t, 1, 0, 1, 1, "8:20-8:35");
    add_cell(t, 1, 1, 1, 1, "PSHE");
    add_cell(t, 2, 0, 1, 1, "8:35-9:25");
    add_cell(t, 2, 1, 1, 1, "Reading");
    tt_doc d;
    interpret(&page, &d);
    assert_int_equal(d.nblocks, 2);
    tb_check(&d, 4, "PSHE", HM(8, 20), HM(8, 35));
    tb_check(&d, 4, "Reading", HM(8, 35), HM(9, 25));
    tt_doc_free(&d);
    tt_page_free(&page);
}

/* Rows of a list merged into one (a banded page where no space parted them): a time cell
 * of two ranges beside a name cell of two names is two events; a name over a note in
 * smaller type beside two ranges stays one event. */
static void test_list_merged_rows(void **state)
{
    (void)state;
    tt_page page = {.number = 1};
    tt_table *t = one_table(&page, 4, 2);
    add_cell(t, 0, 0, 1, 2, "Schedule|~Monday");
    add_cell(t, 1, 0, 1, 1, "9:00 - 9:40");
    add_cell(t, 1, 1, 1, 1, "Drama");
    add_cell(t, 2, 0, 1, 1, "9:40 - 10:10|10:10 - 11:10");
    add_cell(t, 2, 1, 1, 1, "Social Studies|Writer's Workshop");
    add_cell(t, 3, 0, 1, 1, "11:10 - 11:25|13:00 - 13:30");
    add_cell(t, 3, 1, 1, 1, "Break Time|~Room 4");
    tt_doc d;
    interpret(&page, &d);
    assert_int_equal(d.nblocks, 4);
    tb_check(&d, 0, "Drama", HM(9, 0), HM(9, 40));
    tb_check(&d, 0, "Social Studies", HM(9, 40), HM(10, 10));
    tb_check(&d, 0, "Writer's Workshop", HM(10, 10), HM(11, 10));
    tb_check(&d, 0, "Break Time", HM(11, 10), HM(11, 25));
    tt_doc_free(&d);
    tt_page_free(&page);
}

/* Rows merged into one cell where a name has a note under it in smaller type: the note
 * is that row's, the rows stay apart. */
static void test_list_merged_rows_with_notes(void **state)
{
    (void)state;
    tt_page page = {.number = 1};
    tt_table *t = one_table(&page, 3, 2);
    add_cell(t, 0, 0, 1, 2, "Schedule|~Monday");
    add_cell(t, 1, 0, 1, 1, "9:00 - 9:40");
    add_cell(t, 1, 1, 1, 1, "Drama");
    add_cell(t, 2, 0, 1, 1, "9:40 - 10:10|10:10 - 11:10");
    add_cell(t, 2, 1, 1, 1, "Social Studies|~Room 4|Writer's Workshop");
    tt_doc d;
    interpret(&page, &d);
    assert_int_equal(d.nblocks, 3);
    tb_check(&d, 0, "Social Studies", HM(9, 40), HM(10, 10));
    assert_string_equal(tb_get(&d, 0, "Social Studies")->notes, "Room 4");
    tb_check(&d, 0, "Writer's Workshop", HM(10, 10), HM(11, 10));
    tt_doc_free(&d);
    tt_page_free(&page);
}

/* Two lists side by side in one table (their rules joined into one lattice), under a
 * title across both, with an empty gutter column between them: each list is read on its
 * own, its rows on its own heading's days with its own times (list B prints its times
 * right of its names); the title is header text. */
static void build_side_lists(tt_table *t, const char *a_time2)
{
    lattice(t, 5, 5);
    add_cell(t, 0, 0, 1, 5, "Class Timetable");
    add_cell(t, 1, 0, 1, 2, "Our Day|~Monday, Wednesday");
    add_cell(t, 1, 2, 4, 1, "");
    add_cell(t, 1, 3, 1, 2, "Our Day|~Friday");
    add_cell(t, 2, 0, 1, 1, "8:30-9:00");
    add_cell(t, 2, 1, 1, 1, "Maths");
    add_cell(t, 2, 3, 1, 1, "Swimming");
    add_cell(t, 2, 4, 2, 1, "8:15-9:40"); /* one row of B beside two of A */
    add_cell(t, 3, 0, 1, 1, a_time2);
    add_cell(t, 3, 1, 1, 1, "Reading");
    add_cell(t, 3, 3, 2, 1, "");
    add_cell(t, 4, 0, 1, 1, "9:20-10:00");
    add_cell(t, 4, 1, 1, 1, "Art");
    add_cell(t, 4, 3, 1, 1, "Music");
    add_cell(t, 4, 4, 1, 1, "9:40-10:30");
}

static void test_lists_side_by_side(void **state)
{
    (void)state;
    tt_page page = {.number = 1};
    page.tables = calloc(1, sizeof *page.tables);
    assert_non_null(page.tables);
    page.ntables = 1;
    build_side_lists(&page.tables[0], "9:00-9:20");
    tt_doc d;
    interpret(&page, &d);
    assert_int_equal(d.nblocks, 2 * 3 + 2);
    for (int day = 0; day <= 2; day += 2) {
        tb_check(&d, day, "Maths", HM(8, 30), HM(9, 0));
        tb_check(&d, day, "Reading", HM(9, 0), HM(9, 20));
        tb_check(&d, day, "Art", HM(9, 20), HM(10, 0));
    }
    tb_check(&d, 4, "Swimming", HM(8, 15), HM(9, 40));
    tb_check(&d, 4, "Music", HM(9, 40), HM(10, 30));
    tt_doc_free(&d);
    tt_page_free(&page);
}

/* The same with list A's small print unreadable in two rows ("a4). 2D", OCR's garbage
 * for a time): A still stands apart (names beside printed figures), so B's times and
 * days never reach A's rows, and B is read as before. */
static void test_lists_side_by_side_unread(void **state)
{
    (void)state;
    tt_page page = {.number = 1};
    page.tables = calloc(1, sizeof *page.tables);
    assert_non_null(page.tables);
    page.ntables = 1;
    tt_table *t = &page.tables[0];
    build_side_lists(t, "a4). 2D");
    free(t->cells[4].lines[0].text); /* A's first time: "D868" */
    t->cells[4].lines[0].text = strdup("D868");
    free(t->cells[11].lines[0].text); /* A's third: "POD - E20 aes" */
    t->cells[11].lines[0].text = strdup("POD - E20 aes");
    assert_non_null(t->cells[4].lines[0].text);
    assert_non_null(t->cells[11].lines[0].text);
    tt_doc d;
    interpret(&page, &d);
    tb_check(&d, 4, "Swimming", HM(8, 15), HM(9, 40));
    tb_check(&d, 4, "Music", HM(9, 40), HM(10, 30));
    for (size_t i = 0; i < d.nblocks; i++)
        assert_int_equal(d.blocks[i].day, 4);
    tt_doc_free(&d);
    tt_page_free(&page);
}

/* Days as columns, times in the first column only: the day headings of one row are no
 * lists side by side (only the first part has a column of times), so it stays a grid. */
static void test_day_columns_no_side_lists(void **state)
{
    (void)state;
    tt_page page = {.number = 1};
    tt_table *t = one_table(&page, 3, 3);
    add_cell(t, 0, 0, 1, 1, "");
    add_cell(t, 0, 1, 1, 1, "Monday");
    add_cell(t, 0, 2, 1, 1, "Tuesday");
    add_cell(t, 1, 0, 1, 1, "9:00-10:00");
    add_cell(t, 1, 1, 1, 1, "Maths");
    add_cell(t, 1, 2, 1, 1, "Science");
    add_cell(t, 2, 0, 1, 1, "10:00-11:00");
    add_cell(t, 2, 1, 1, 1, "English");
    add_cell(t, 2, 2, 1, 1, "History");
    tt_doc d;
    interpret(&page, &d);
    assert_int_equal(d.nblocks, 4);
    tb_check(&d, 0, "Maths", HM(9, 0), HM(10, 0));
    tb_check(&d, 1, "Science", HM(9, 0), HM(10, 0));
    tb_check(&d, 0, "English", HM(10, 0), HM(11, 0));
    tb_check(&d, 1, "History", HM(10, 0), HM(11, 0));
    tt_doc_free(&d);
    tt_page_free(&page);
}

/* Lists side by side whose rules fall out of line: the lattice merges list A's last
 * name with list B's time beside it, one line on each side of the cut. Each line goes to
 * its own list. */
static void test_side_lists_cell_across_cut(void **state)
{
    (void)state;
    tt_page page = {.number = 1};
    tt_table *t = one_table(&page, 4, 4);
    add_cell(t, 0, 0, 1, 2, "Our Day|~Monday");
    add_cell(t, 0, 2, 1, 2, "Our Day|~Friday");
    static const char *const rows[2][4] = {{"8:30-9:00", "Maths", "8:15-9:40", "Swimming"},
                                           {"9:00-9:20", "Reading", "9:40-10:30", "Cooking"}};
    for (int r = 0; r < 2; r++)
        for (int c = 0; c < 4; c++)
            add_cell(t, r + 1, c, 1, 1, rows[r][c]);
    add_cell(t, 3, 0, 1, 1, "9:20-10:00");
    add_cell(t, 3, 1, 1, 2, "Art|10:30-11:00"); /* 11 */
    add_cell(t, 3, 3, 1, 1, "Music");
    place_line(t, 11, 0, 120, 330, 50, 20);  /* in column 1 (x 100-200) */
    place_line(t, 11, 1, 210, 330, 80, 20);  /* in column 2 */
    tt_doc d;
    interpret(&page, &d);
    tb_check(&d, 0, "Maths", HM(8, 30), HM(9, 0));
    tb_check(&d, 0, "Art", HM(9, 20), HM(10, 0));
    tb_check(&d, 4, "Cooking", HM(9, 40), HM(10, 30));
    tb_check(&d, 4, "Music", HM(10, 30), HM(11, 0));
    assert_int_equal(d.nblocks, 6);
    tt_doc_free(&d);
    tt_page_free(&page);
}

/* Days as columns, days printing their own times over their names, and a break across
 * the days whose word sits inside the middle day's column: the break spans the headings,
 * so the days are no lists side by side; the break is every day's. */
static void test_day_columns_band_no_side_lists(void **state)
{
    (void)state;
    tt_page page = {.number = 1};
    tt_table *t = one_table(&page, 4, 4);
    static const char *const rows[3][4] = {
        {"", "Monday", "Tuesday", "Wednesday"},
        {"9:00-10:00", "Maths", "9:00 - 9:30|Science", "9:00 - 9:30|Art"},
        {"10:00-11:00", "English", "10:00 - 10:30|History", "10:00 - 10:30|Music"}};
    for (int r = 0; r < 3; r++)
        for (int c = 0; c < 4; c++)
            add_cell(t, r, c, 1, 1, rows[r][c]);
    add_cell(t, 3, 0, 1, 1, "11:00-11:15");
    add_cell(t, 3, 1, 1, 3, "Recess"); /* 13 */
    place_line(t, 13, 0, 220, 340, 60, 20); /* centred on the band, inside Tuesday's column */
    tt_doc d;
    interpret(&page, &d);
    tb_check(&d, 0, "Maths", HM(9, 0), HM(10, 0));
    tb_check(&d, 1, "Science", HM(9, 0), HM(9, 30));
    tb_check(&d, 2, "Music", HM(10, 0), HM(10, 30));
    for (int day = 0; day < 3; day++)
        tb_check(&d, day, "Recess", HM(11, 0), HM(11, 15));
    assert_int_equal(d.nblocks, 9);
    tt_doc_free(&d);
    tt_page_free(&page);
}

/* Two lists side by side, each a table: one headed "Monday - Wednesday", the other
 * under a heading OCR misread ("ThwFni" for "Thu/Fri"): the second is Thursday and
 * Friday, not every weekday. */
static void test_list_unheaded_takes_other_days(void **state)
{
    (void)state;
    tt_page page = {.number = 1};
    page.tables = calloc(2, sizeof *page.tables);
    assert_non_null(page.tables);
    page.ntables = 2;
    static const char *const heads[2] = {"Daily Schedule|~Monday - Wednesday",
                                         "Daily Schedule|~ThwFni"};
    static const char *const names[2][2] = {{"Maths", "Art"}, {"Music", "Drama"}};
    for (int k = 0; k < 2; k++) {
        tt_table *t = &page.tables[k];
        lattice(t, 3, 2);
        add_cell(t, 0, 0, 1, 2, heads[k]);
        add_cell(t, 1, 0, 1, 1, "9:00-9:30");
        add_cell(t, 1, 1, 1, 1, names[k][0]);
        add_cell(t, 2, 0, 1, 1, "9:30-10:00");
        add_cell(t, 2, 1, 1, 1, names[k][1]);
    }
    tt_doc d;
    interpret(&page, &d);
    assert_int_equal(d.nblocks, 2 * 3 + 2 * 2);
    for (int day = 0; day < 3; day++)
        tb_check(&d, day, "Art", HM(9, 30), HM(10, 0));
    for (int day = 3; day < 5; day++)
        tb_check(&d, day, "Drama", HM(9, 30), HM(10, 0));
    tt_doc_free(&d);
    /* alone on its page, a list without day names is every weekday */
    tt_table_free(&page.tables[0]);
    page.tables[0] = page.tables[1];
    page.ntables = 1;
    interpret(&page, &d);
    assert_int_equal(d.nblocks, 2 * 5);
    tt_doc_free(&d);
    tt_page_free(&page);
}

/* Lists side by side in one table: A's times in a column of their own, B's each on a
 * line over its name in one cell (no gap parted B's columns). Each is its own list. */
static void test_side_lists_time_over_name(void **state)
{
    (void)state;
    tt_page page = {.number = 1};
    tt_table *t = one_table(&page, 4, 4);
    add_cell(t, 0, 0, 1, 2, "Our Day|~Monday, Wednesday");
    add_cell(t, 0, 2, 4, 1, "");
    add_cell(t, 0, 3, 1, 1, "Our Day|~Friday");
    static const char *const a[3][2] = {
        {"8:30-9:00", "Maths"}, {"9:00-9:20", "Reading"}, {"9:20-10:00", "Art"}};
    static const char *const b[3] = {"8:15|Doors Open", "8:40 - 9:20|Swimming",
                                     "9:20 - 10:00|Music"};
    for (int r = 0; r < 3; r++) {
        add_cell(t, r + 1, 0, 1, 1, a[r][0]);
        add_cell(t, r + 1, 1, 1, 1, a[r][1]);
        add_cell(t, r + 1, 3, 1, 1, b[r]);
    }
    tt_doc d;
    interpret(&page, &d);
    assert_int_equal(d.nblocks, 2 * 3 + 3);
    for (int day = 0; day <= 2; day += 2) {
        tb_check(&d, day, "Maths", HM(8, 30), HM(9, 0));
        tb_check(&d, day, "Art", HM(9, 20), HM(10, 0));
    }
    tb_check(&d, 4, "Doors Open", HM(8, 15), HM(8, 40));
    tb_check(&d, 4, "Swimming", HM(8, 40), HM(9, 20));
    tb_check(&d, 4, "Music", HM(9, 20), HM(10, 0));
    tt_doc_free(&d);
    tt_page_free(&page);
}

static void test_no_timetable(void **state)
{
    (void)state;
    tt_page page = {.number = 1};
    tt_table *t = one_table(&page, 2, 2);
    add_cell(t, 0, 0, 1, 1, "Name");
    add_cell(t, 0, 1, 1, 1, "Room");
    add_cell(t, 1, 0, 1, 1, "Teacher: Ms Lee");
    add_cell(t, 1, 1, 1, 1, "12");
    tt_doc d;
    interpret(&page, &d);
    assert_int_equal(d.nblocks, 0);
    assert_true(d.nwarnings >= 1);
    assert_string_equal(d.teacher, "Ms Lee");
    tt_doc_free(&d);
    tt_page_free(&page);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_list_with_heading_days),
        cmocka_unit_test(test_list_headings_per_section),
        cmocka_unit_test(test_list_unreadable_times),
        cmocka_unit_test(test_list_short_heading),
        cmocka_unit_test(test_list_heading_misread),
        cmocka_unit_test(test_list_merged_rows),
        cmocka_unit_test(test_list_merged_rows_with_notes),
        cmocka_unit_test(test_lists_side_by_side),
        cmocka_unit_test(test_lists_side_by_side_unread),
        cmocka_unit_test(test_day_columns_no_side_lists),
        cmocka_unit_test(test_side_lists_cell_across_cut),
        cmocka_unit_test(test_day_columns_band_no_side_lists),
        cmocka_unit_test(test_list_unheaded_takes_other_days),
        cmocka_unit_test(test_side_lists_time_over_name),
        cmocka_unit_test(test_no_timetable),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

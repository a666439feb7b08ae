/* Proves: breaks printed on every day that the grid cut or merged wrongly
 * (document/interpret.c, document/interpret_grid.c), on hand-built grids without OCR: a
 * word spelled one letter per day row is the whole word on each day also where two of
 * its rows were left merged in one cell ("R" over "E"); a few letters in one column that
 * spell nothing across two cells stay as read; a column whose clear readings all name
 * one break gives that name to the days OCR read as scraps, but not where the clear
 * readings differ, nor where the text was read exactly. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cmocka.h>

#include "test_grid_fixture.h"

/* Days as rows (Monday..Friday in rows 1-5), header "9:00 - 10:00", "10:00 - 10:15",
 * "10:15 - 11:00"; the middle column holds letters[] per cell (cells of rows[k] rows). */
static tt_table *build_column(tt_page *page, const char *const *letters, const int *rows,
                              const float *conf, int n)
{
    static const char *const days[5] = {"Monday", "Tuesday", "Wednesday", "Thursday", "Friday"};
    static const char *const first[5] = {"Maths", "Music", "Reading", "Art", "PE"};
    tt_table *t = one_table(page, 6, 4);
    add_cell(t, 0, 0, 1, 1, "");
    add_cell(t, 0, 1, 1, 1, "9:00 - 10:00");
    add_cell(t, 0, 2, 1, 1, "10:00 - 10:15");
    add_cell(t, 0, 3, 1, 1, "10:15 - 11:00");
    for (int r = 0, k = 0; r < 5; r++) {
        add_cell(t, r + 1, 0, 1, 1, days[r]);
        add_cell(t, r + 1, 1, 1, 1, first[r]);
        int at = 0;
        for (int j = 0; j < k; j++)
            at += rows[j];
        if (k < n && at == r) {
            add_cell(t, r + 1, 2, rows[k], 1, letters[k]);
            if (conf) t->cells[t->ncells - 1].confidence = conf[k];
            k++;
        }
        add_cell(t, r + 1, 3, 1, 1, "Science");
    }
    for (size_t i = 0; i < t->ncells; i++)
        place_cell(t, i);
    return t;
}

static void test_letters_merged_rows(void **state)
{
    (void)state;
    const char *letters[] = {"B", "R|E", "A", "K"};
    const int rows[] = {1, 2, 1, 1};
    tt_page page = {.number = 1};
    build_column(&page, letters, rows, NULL, 4);
    tt_doc d;
    interpret(&page, &d);
    for (int day = 0; day < 5; day++) {
        tb_check(&d, day, "Break", HM(10, 0), HM(10, 15));
        tb_check(&d, day, "Science", HM(10, 15), HM(11, 0));
    }
    assert_int_equal(d.nblocks, 15);
    tt_doc_free(&d);
    tt_page_free(&page);
}

/* "A" over "B" in one cell and nothing else in the column: no word. */
static void test_two_letters_stay(void **state)
{
    (void)state;
    const char *letters[] = {"A|B"};
    const int rows[] = {2};
    tt_page page = {.number = 1};
    build_column(&page, letters, rows, NULL, 1);
    tt_doc d;
    interpret(&page, &d);
    for (size_t i = 0; i < d.nblocks; i++)
        if (strcasecmp(d.blocks[i].name, "Ab") == 0) fail_msg("letters joined on day %d", d.blocks[i].day);
    tt_doc_free(&d);
    tt_page_free(&page);
}

static const char *day_name(const tt_doc *d, int day, int start)
{
    for (size_t i = 0; i < d->nblocks; i++)
        if (d->blocks[i].day == day && d->blocks[i].start == start) return d->blocks[i].name;
    return "";
}

/* "Morning Recess" read clearly on Monday and Thursday, scraps on the other days. */
static void test_column_scraps_filled(void **state)
{
    (void)state;
    const char *words[] = {"Morning Recess", "al", "Wing|Res", "Morning Recess", "al"};
    const int rows[] = {1, 1, 1, 1, 1};
    const float conf[] = {95, 48, 21, 90, 55};
    for (int exact = 0; exact < 2; exact++) {
        tt_page page = {.number = 1};
        tt_table *t = build_column(&page, words, rows, conf, 5);
        if (exact) mark_exact(t);
        tt_doc d;
        interpret(&page, &d);
        for (int day = 0; day < 5; day++) {
            const char *want = exact ? (day == 2 ? "Wing Res" : words[day]) : "Morning Recess";
            if (strcmp(day_name(&d, day, HM(10, 0)), want) != 0)
                fail_msg("day %d: '%s', want '%s'", day, day_name(&d, day, HM(10, 0)), want);
        }
        tt_doc_free(&d);
        tt_page_free(&page);
    }
}

/* Clear readings that differ: a column of lessons, its scraps left as read. */
static void test_column_of_lessons_kept(void **state)
{
    (void)state;
    const char *words[] = {"Maths", "al", "Art", "Music", "Drama"};
    const int rows[] = {1, 1, 1, 1, 1};
    const float conf[] = {95, 40, 95, 95, 95};
    tt_page page = {.number = 1};
    build_column(&page, words, rows, conf, 5);
    tt_doc d;
    interpret(&page, &d);
    if (strcmp(day_name(&d, 1, HM(10, 0)), "al") != 0)
        fail_msg("Tuesday: '%s', want 'al'", day_name(&d, 1, HM(10, 0)));
    tt_doc_free(&d);
    tt_page_free(&page);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_letters_merged_rows),
        cmocka_unit_test(test_two_letters_stay),
        cmocka_unit_test(test_column_scraps_filled),
        cmocka_unit_test(test_column_of_lessons_kept),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

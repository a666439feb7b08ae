/* Proves: cells merged down two days' rows (document/interpret_grid.c), on hand-built grids
 * without OCR, as a rule between two days too faint for the grid's lines leaves them: the
 * day label cell printing each day's name in its own rows labels each row; a lesson
 * centred in each day's rows is an event a day, though their names differ; a lesson
 * centred in one day's rows, the other's empty, is that day's alone; a name of two lines
 * centred across the two days stays one lesson on both, and a name centred in the middle
 * day of three merged days stays on all three. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "test_grid_fixture.h"

static int count_on(const tt_doc *d, int day)
{
    int n = 0;
    for (size_t i = 0; i < d->nblocks; i++)
        n += d->blocks[i].day == day;
    return n;
}

/* Days as rows: header y 0-100, Monday y 100-200, Tuesday 200-300, Wednesday 300-400;
 * columns x 0-100 (labels), 100-200 (9:00-10:00), 200-300 (10:00-11:00). Tuesday and
 * Wednesday are merged: their label cell (cell 4) and both lesson cells (5, 6). */
static tt_table *merged_week(tt_page *page, const char *first, const char *second)
{
    tt_table *t = one_table(page, 4, 3);
    add_cell(t, 0, 0, 1, 1, "");
    add_cell(t, 0, 1, 1, 1, "9:00 - 10:00");
    add_cell(t, 0, 2, 1, 1, "10:00 - 11:00");
    add_cell(t, 1, 0, 1, 1, "Monday");
    add_cell(t, 2, 0, 2, 1, "Tuesday|Wednesday"); /* 4 */
    add_cell(t, 2, 1, 2, 1, first);               /* 5 */
    add_cell(t, 2, 2, 2, 1, second);              /* 6 */
    add_cell(t, 1, 1, 1, 1, "Maths");
    add_cell(t, 1, 2, 1, 1, "English");
    for (size_t i = 0; i < t->ncells; i++) {
        place_cell(t, i);
        tt_cell *c = &t->cells[i];
        for (size_t k = 0; k < c->nlines; k++) /* one line centred in each row */
            place_line(t, i, k, c->bbox.x + 20, c->bbox.y + 40 + 100 * (int)k, 60, 20);
    }
    return t;
}

static void test_two_days_two_lessons(void **state)
{
    (void)state;
    tt_page page = {.number = 1};
    merged_week(&page, "Music|Spelling", "Art");
    tt_doc d;
    interpret(&page, &d);
    tb_check(&d, 0, "Maths", HM(9, 0), HM(10, 0));
    tb_check(&d, 0, "English", HM(10, 0), HM(11, 0));
    tb_check(&d, 1, "Music", HM(9, 0), HM(10, 0));
    tb_check(&d, 2, "Spelling", HM(9, 0), HM(10, 0));
    tb_check(&d, 1, "Art", HM(10, 0), HM(11, 0)); /* in Tuesday's rows only */
    assert_int_equal(count_on(&d, 1), 2);
    assert_int_equal(count_on(&d, 2), 1);
    assert_int_equal(d.nblocks, 5);
    tt_doc_free(&d);
    tt_page_free(&page);
}

/* "Handwriting &" over "Spelling" centred across the two days: one lesson on both. */
static void test_name_across_the_boundary(void **state)
{
    (void)state;
    tt_page page = {.number = 1};
    tt_table *t = merged_week(&page, "Handwriting &|Spelling", "Art");
    place_line(t, 5, 0, 110, 278, 80, 20);
    place_line(t, 5, 1, 110, 302, 80, 20);
    tt_doc d;
    interpret(&page, &d);
    tb_check(&d, 1, "Handwriting & Spelling", HM(9, 0), HM(10, 0));
    tb_check(&d, 2, "Handwriting & Spelling", HM(9, 0), HM(10, 0));
    tt_doc_free(&d);
    tt_page_free(&page);
}

/* A cell merged down three days, its name in the middle of them: every day's. */
static void test_three_days_one_name(void **state)
{
    (void)state;
    tt_page page = {.number = 1};
    tt_table *t = one_table(&page, 4, 2);
    add_cell(t, 0, 0, 1, 1, "");
    add_cell(t, 0, 1, 1, 1, "9:00 - 10:00");
    add_cell(t, 1, 0, 1, 1, "Monday");
    add_cell(t, 2, 0, 1, 1, "Tuesday");
    add_cell(t, 3, 0, 1, 1, "Wednesday");
    add_cell(t, 1, 1, 3, 1, "Lunch");
    for (size_t i = 0; i < t->ncells; i++) {
        place_cell(t, i);
        if (!t->cells[i].nlines) continue;
        place_line(t, i, 0, t->cells[i].bbox.x + 20,
                   t->cells[i].bbox.y + t->cells[i].bbox.h / 2 - 10, 60, 20);
    }
    tt_doc d;
    interpret(&page, &d);
    for (int day = 0; day < 3; day++)
        tb_check(&d, day, "Lunch", HM(9, 0), HM(10, 0));
    assert_int_equal(d.nblocks, 3);
    tt_doc_free(&d);
    tt_page_free(&page);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_two_days_two_lessons),
        cmocka_unit_test(test_name_across_the_boundary),
        cmocka_unit_test(test_three_days_one_name),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

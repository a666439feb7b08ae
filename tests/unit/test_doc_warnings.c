/* Proves: the warnings a document carries for review (document/timetable.h). Blocks of one
 * day that overlap in time are named, a pair once, and never blocks that only touch, lie
 * on other days or have no end; past TT_MAX_OVERLAP_WARNINGS the rest are counted in one
 * warning; only blocks from the given index on are looked at. The interpreter adds the
 * warning when a cell's own printed time runs into its neighbour's column. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "test_grid_fixture.h"

static void add(tt_doc *d, int day, const char *name, int start, int end)
{
    assert_int_equal(tt_doc_add(d, day, name, start, end, NULL, 1.0f, (tt_bbox){0}), AP_OK);
}

static size_t overlap_warnings(const tt_doc *d)
{
    size_t n = 0;
    for (size_t i = 0; i < d->nwarnings; i++)
        n += strstr(d->warnings[i], "overlap") != NULL;
    return n;
}

static void test_overlaps_named(void **state)
{
    (void)state;
    tt_doc d = {0};
    add(&d, 0, "Maths", HM(9, 0), HM(10, 0));
    add(&d, 0, "PE", HM(10, 30), HM(11, 0));       /* touches Art's end: no overlap */
    add(&d, 0, "Art", HM(9, 30), HM(10, 30));      /* overlaps Maths */
    add(&d, 0, "Assembly", HM(9, 15), TT_NO_TIME); /* no end: not looked at */
    add(&d, 1, "Music", HM(9, 0), HM(10, 0));      /* another day */
    assert_int_equal(tt_doc_warn_overlaps(&d, 0), AP_OK);
    assert_int_equal(d.nwarnings, 1);
    assert_string_equal(d.warnings[0],
                        "overlapping times on Monday: 'Maths' 09:00-10:00 and 'Art' 09:30-10:30");
    tt_doc_free(&d);
}

/* A block inside a long one overlaps it, and so does each after it that starts before the
 * long one ends; blocks before `from` are another page's or table's and are left alone. */
static void test_overlaps_counted(void **state)
{
    (void)state;
    tt_doc d = {0};
    add(&d, 2, "Earlier", HM(8, 0), HM(17, 0));
    add(&d, 2, "Trip", HM(9, 0), HM(15, 0));
    for (int k = 0; k < 8; k++)
        add(&d, 2, "Lesson", HM(9 + k / 2, 30 * (k % 2)), HM(9 + k / 2, 30 * (k % 2) + 20));
    assert_int_equal(tt_doc_warn_overlaps(&d, 1), AP_OK);
    assert_int_equal(d.nwarnings, TT_MAX_OVERLAP_WARNINGS + 1);
    for (size_t i = 0; i < TT_MAX_OVERLAP_WARNINGS; i++)
        assert_non_null(strstr(d.warnings[i], "'Trip' 09:00-15:00 and 'Lesson'"));
    assert_string_equal(d.warnings[TT_MAX_OVERLAP_WARNINGS],
                        "3 more blocks overlap another in time");
    tt_doc_free(&d);
}

/* Days as rows, header 9-10 | 10-11: Art prints 9:30 - 10:30 in the first column and so
 * runs into Maths in the second. */
static void test_interpreter_warns(void **state)
{
    (void)state;
    tt_page page = {.number = 1};
    tt_table *t = one_table(&page, 3, 3);
    add_cell(t, 0, 0, 1, 1, "");
    add_cell(t, 0, 1, 1, 1, "9:00 - 10:00");
    add_cell(t, 0, 2, 1, 1, "10:00 - 11:00");
    add_cell(t, 1, 0, 1, 1, "Monday");
    add_cell(t, 1, 1, 1, 1, "9:30 - 10:30|Art");
    add_cell(t, 1, 2, 1, 1, "Maths");
    add_cell(t, 2, 0, 1, 1, "Tuesday");
    add_cell(t, 2, 1, 1, 1, "PE");
    add_cell(t, 2, 2, 1, 1, "Music");
    tt_doc d;
    interpret(&page, &d);
    tb_check(&d, 0, "Art", HM(9, 30), HM(10, 30));
    tb_check(&d, 0, "Maths", HM(10, 0), HM(11, 0));
    assert_int_equal(overlap_warnings(&d), 1);
    tt_doc_free(&d);
    tt_page_free(&page);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_overlaps_named),
        cmocka_unit_test(test_overlaps_counted),
        cmocka_unit_test(test_interpreter_warns),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

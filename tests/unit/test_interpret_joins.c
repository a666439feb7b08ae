/* Proves: a line of text that a false lattice edge cut into two cells side by side is one
 * event again ("Show" | "and Tell", also across two edges and on two lines), while cells
 * whose texts keep a cell's padding apart, a list's time beside its name and a day label
 * beside a lesson stay apart. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "test_grid_fixture.h"

/* Days as rows, header 9-10 | 10-11 over lattice columns 1-2 | 3 (the edge at 200 cuts
 * the first slot in two). Monday's first slot holds `left` | `right`, their lines ending
 * and starting `gap_l` and `gap_r` pixels from the edge at 200, 20 pixels high. */
static void build(tt_page *page, const char *left, const char *right, int gap_l, int gap_r)
{
    tt_table *t = one_table(page, 3, 4);
    add_cell(t, 0, 0, 1, 1, "");
    add_cell(t, 0, 1, 1, 2, "9:00 - 10:00");
    add_cell(t, 0, 3, 1, 1, "10:00 - 11:00");
    add_cell(t, 1, 0, 1, 1, "Monday");
    add_cell(t, 1, 1, 1, 1, left);
    add_cell(t, 1, 2, 1, 1, right);
    add_cell(t, 1, 3, 1, 1, "Maths");
    add_cell(t, 2, 0, 1, 1, "Tuesday");
    add_cell(t, 2, 1, 1, 2, "Art");
    add_cell(t, 2, 3, 1, 1, "Music");
    for (size_t c = 0; c < t->ncells; c++)
        place_cell(t, c);
    for (size_t k = 0; k < t->cells[4].nlines; k++)
        place_line(t, 4, k, 140, 140 + 25 * (int)k, 60 - gap_l, 20);
    for (size_t k = 0; k < t->cells[5].nlines; k++)
        place_line(t, 5, k, 200 + gap_r, 141 + 25 * (int)k, 50, 20);
}

static void test_cut_line_joined(void **state)
{
    (void)state;
    tt_page page = {.number = 1};
    build(&page, "Show", "and Tell", 3, 5);
    tt_doc d;
    interpret(&page, &d);
    tb_check(&d, 0, "Show and Tell", HM(9, 0), HM(10, 0));
    assert_int_equal(d.nblocks, 4);
    tt_doc_free(&d);
    tt_page_free(&page);
}

static void test_two_lines_joined(void **state)
{
    (void)state;
    tt_page page = {.number = 1};
    build(&page, "Golden|Celebra", "Time|tion", 2, 4);
    tt_doc d;
    interpret(&page, &d);
    tb_check(&d, 0, "Golden Time Celebra tion", HM(9, 0), HM(10, 0));
    tt_doc_free(&d);
    tt_page_free(&page);
}

/* Three cells: the joined pair joins the third as well. */
static void test_chain_joined(void **state)
{
    (void)state;
    tt_page page = {.number = 1};
    tt_table *t = one_table(&page, 3, 5);
    add_cell(t, 0, 0, 1, 1, "");
    add_cell(t, 0, 1, 1, 3, "9:00 - 10:00");
    add_cell(t, 0, 4, 1, 1, "10:00 - 11:00");
    add_cell(t, 1, 0, 1, 1, "Monday");
    add_cell(t, 1, 1, 1, 1, "Registration");
    add_cell(t, 1, 2, 1, 1, "and Early");
    add_cell(t, 1, 3, 1, 1, "Morning Work");
    add_cell(t, 1, 4, 1, 1, "Maths");
    add_cell(t, 2, 0, 1, 1, "Tuesday");
    add_cell(t, 2, 1, 1, 3, "Art");
    add_cell(t, 2, 4, 1, 1, "Music");
    for (size_t c = 0; c < t->ncells; c++)
        place_cell(t, c);
    place_line(t, 4, 0, 110, 140, 87, 20);
    place_line(t, 5, 0, 203, 140, 94, 20);
    place_line(t, 6, 0, 304, 141, 86, 20);
    tt_doc d;
    interpret(&page, &d);
    tb_check(&d, 0, "Registration and Early Morning Work", HM(9, 0), HM(10, 0));
    assert_int_equal(d.nblocks, 4);
    tt_doc_free(&d);
    tt_page_free(&page);
}

/* Texts a cell's padding apart on both sides (here 12 + 12 pixels, more than 0.8 of the
 * height) are two cells' texts: two events in the slot's halves. */
static void test_padded_cells_apart(void **state)
{
    (void)state;
    tt_page page = {.number = 1};
    build(&page, "Maths", "Art", 12, 12);
    tt_doc d;
    interpret(&page, &d);
    tb_check(&d, 0, "Maths", HM(9, 0), HM(9, 30));
    tb_check(&d, 0, "Art", HM(9, 30), HM(10, 0));
    tt_doc_free(&d);
    tt_page_free(&page);
}

/* A time beside a name is a list's row, not a cut line. */
static void test_time_beside_name_apart(void **state)
{
    (void)state;
    tt_page page = {.number = 1};
    build(&page, "9:30", "Spelling", 2, 2);
    tt_doc d;
    interpret(&page, &d);
    for (size_t i = 0; i < d.nblocks; i++)
        assert_null(strstr(d.blocks[i].name, "9:30"));
    tt_doc_free(&d);
    tt_page_free(&page);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cut_line_joined),        cmocka_unit_test(test_two_lines_joined),
        cmocka_unit_test(test_chain_joined),           cmocka_unit_test(test_padded_cells_apart),
        cmocka_unit_test(test_time_beside_name_apart),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

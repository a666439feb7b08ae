/* Proves: a break printed once in an unruled column (document/interpret_grid.c, slot
 * bands), on hand-built grids without OCR: a header cell printing more times than the
 * lattice columns under it, one of them a start stacked over an end with no dash, gives
 * each time its slot; a word set sideways, alone in its slot and centred down the whole
 * week, is an event on every day at that slot's times, and the cell it was printed in is
 * read without it; the same word centred on one day only, or read with little confidence,
 * stays where it is; and the same on a drawn page read by OCR. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "test_draw.h"
#include "test_grid_fixture.h"

/* Days as rows (y 100-200, 200-300, 300-400), label column x 0-100, and the lessons'
 * columns x 100-200 and 200-300 under one header cell printing three times: "9:00 -
 * 10:00", "10:00" over "10:15" (the break's, x 190-210), "10:15 - 11:00". The break's
 * word is set sideways at x 193-207, over y from..to, in the cell of row brow. dashed:
 * the start printed with its dash, "10:00 -". */
static tt_table *build_week(tt_page *page, int brow, int from, int to, float confidence, int dashed)
{
    tt_table *t = one_table(page, 4, 3);
    add_cell(t, 0, 0, 1, 1, "");
    add_cell(t, 0, 1, 1, 2,
             dashed ? "9:00 - 10:00|10:00 -|10:15|10:15 - 11:00"
                    : "9:00 - 10:00|10:00|10:15|10:15 - 11:00"); /* 1 */
    const char *days[3] = {"Monday", "Tuesday", "Wednesday"};
    const char *first[3] = {"Maths", "Music", "Reading"}, *last[3] = {"Art", "Drama", "PE"};
    for (int r = 0; r < 3; r++) {
        add_cell(t, r + 1, 0, 1, 1, days[r]);
        char text[64];
        if (r + 1 == brow) {
            snprintf(text, sizeof text, "%s|Break|%s", first[r], last[r]);
            add_cell(t, r + 1, 1, 1, 2, text);
        } else {
            add_cell(t, r + 1, 1, 1, 1, first[r]);
            add_cell(t, r + 1, 2, 1, 1, last[r]);
        }
    }
    for (size_t i = 0; i < t->ncells; i++)
        place_cell(t, i);
    place_line(t, 1, 0, 105, 45, 60, 10);
    place_line(t, 1, 1, 190, 30, 20, 10);
    place_line(t, 1, 2, 190, 60, 20, 10);
    place_line(t, 1, 3, 225, 45, 65, 10);
    for (size_t i = 2; i < t->ncells; i++) {
        tt_cell *c = &t->cells[i];
        if (c->col == 0) continue;
        int y = t->row_pos[c->row] + 45;
        if (c->ncols == 2) {
            place_line(t, i, 0, 120, y, 40, 10);
            place_line(t, i, 1, 193, from, 14, to - from);
            c->lines[1].confidence = confidence;
            place_line(t, i, 2, 240, y, 40, 10);
        } else {
            place_line(t, i, 0, c->col == 1 ? 120 : 240, y, 40, 10);
        }
    }
    return t;
}

static void check_lessons(const tt_doc *d)
{
    tb_check(d, 0, "Maths", HM(9, 0), HM(10, 0));
    tb_check(d, 1, "Music", HM(9, 0), HM(10, 0));
    tb_check(d, 2, "Reading", HM(9, 0), HM(10, 0));
    tb_check(d, 0, "Art", HM(10, 15), HM(11, 0));
    tb_check(d, 1, "Drama", HM(10, 15), HM(11, 0));
    tb_check(d, 2, "PE", HM(10, 15), HM(11, 0));
}

static int count_named(const tt_doc *d, const char *name)
{
    int n = 0;
    for (size_t i = 0; i < d->nblocks; i++)
        n += strcmp(d->blocks[i].name, name) == 0;
    return n;
}

/* "Break" sideways in Tuesday's cell, centred down the week: every day's break. */
static void test_band_every_day(void **state)
{
    (void)state;
    for (int dashed = 0; dashed < 2; dashed++) {
        tt_page page = {.number = 1};
        build_week(&page, 2, 180, 320, 90, dashed);
        tt_doc d;
        interpret(&page, &d);
        check_lessons(&d);
        for (int day = 0; day < 3; day++)
            tb_check(&d, day, "Break", HM(10, 0), HM(10, 15));
        assert_int_equal(d.nblocks, 9);
        tt_doc_free(&d);
        tt_page_free(&page);
    }
}

/* The same word in Monday's cell, centred on Monday: Monday's break only. */
static void test_band_of_one_day(void **state)
{
    (void)state;
    tt_page page = {.number = 1};
    build_week(&page, 1, 110, 190, 90, 0);
    tt_doc d;
    interpret(&page, &d);
    check_lessons(&d);
    tb_check(&d, 0, "Break", HM(10, 0), HM(10, 15));
    assert_int_equal(count_named(&d, "Break"), 1);
    tt_doc_free(&d);
    tt_page_free(&page);
}

/* Read with little confidence: not repeated on every day. */
static void test_band_poorly_read(void **state)
{
    (void)state;
    tt_page page = {.number = 1};
    build_week(&page, 2, 180, 320, 20, 0);
    tt_doc d;
    interpret(&page, &d);
    assert_int_equal(count_named(&d, "Break"), 1);
    tb_check(&d, 1, "Break", HM(10, 0), HM(10, 15));
    tt_doc_free(&d);
    tt_page_free(&page);
}

/* Drawn: the header's middle time stacked "10:00" over "10:15" with no dash, the column
 * under it unruled (the rule between the lessons runs through it on Monday and Wednesday,
 * Tuesday's cell is merged across), "Break" printed once sideways in the middle of the
 * week. */
static void test_band_drawn(void **state)
{
    (void)state;
    cairo_surface_t *s;
    cairo_t *cr = canvas(820, 420, &s);
    int ys[5] = {20, 100, 200, 300, 400};
    for (int i = 0; i < 5; i++)
        rule(cr, 20, ys[i], 800, ys[i]);
    rule(cr, 20, 20, 20, 400);
    rule(cr, 160, 20, 160, 400);
    rule(cr, 800, 20, 800, 400);
    rule(cr, 480, 100, 480, 200);
    rule(cr, 480, 300, 480, 400);
    text(cr, "9:00 - 10:00", 300, 60, 0);
    text(cr, "10:00", 480, 46, 0);
    text(cr, "10:15", 480, 74, 0);
    text(cr, "10:15 - 11:00", 640, 60, 0);
    const char *days[3] = {"Monday", "Tuesday", "Wednesday"};
    const char *first[3] = {"Maths", "Music", "Reading"}, *last[3] = {"Art", "Drama", "PE"};
    for (int r = 0; r < 3; r++) {
        double y = 150 + 100 * r;
        text(cr, days[r], 90, y, 0);
        text(cr, first[r], 300, y, 0);
        text(cr, last[r], 640, y, 0);
    }
    text(cr, "Break", 480, 250, -90);
    cairo_destroy(cr);
    tt_doc d;
    extract_drawn(to_pix(s), &d);
    cairo_surface_destroy(s);
    check_lessons(&d);
    for (int day = 0; day < 3; day++)
        tb_check(&d, day, "Break", HM(10, 0), HM(10, 15));
    assert_int_equal(d.nblocks, 9);
    tt_doc_free(&d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_band_every_day),
        cmocka_unit_test(test_band_of_one_day),
        cmocka_unit_test(test_band_poorly_read),
        cmocka_unit_test(test_band_drawn),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

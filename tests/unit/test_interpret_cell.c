/* Proves: what the interpreter reads from one cell's text (document/interpret_cell.c), on
 * hand-built grids without OCR: OCR's broken ranges repaired ("815-840"), words broken by
 * the cell's width rejoined, times broken between hour and minutes rejoined, short codes
 * in smaller type as notes, a '(' line that the width wrapped kept in the name, and day
 * names OCR read in pieces ("TUE SDAY") still naming their day. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "test_grid_fixture.h"

int tt_ocr_range_repair(const char *text, char *out, size_t cap); /* TESTABLE */

/* OCR of small print: the colon and the dash lost, digits read as look-alikes. Only a cell
 * holding nothing else is taken, and only when its digits split one way. */
static void test_ocr_range_repair(void **state)
{
    (void)state;
    static const struct {
        const char *in, *want; /* want NULL: not a range */
    } cases[] = {
        {"815-840", "8:15-8:40"},
        {"1045. 1105", "10:45-11:05"},
        {"935.1010", "9:35-10:10"},
        {"915 935", "9:15-9:35"},
        {"08 45 - 09 45", "8:45-9:45"},
        {"B15 - 8:40am", "8:15-8:40am"},
        {"to:15 - 10:30am", "10:15-10:30am"},
        {"12 40 - 110", "12:40-1:10"},
        {"1200-1230 pm", "12:00-12:30pm"},
        {"815840", "8:15-8:40"},     /* 3 + 3: the only split */
        {"1010115", NULL},           /* 10:10-1:15 or 1:01-0:115: two ways */
        {"1275-145", NULL},          /* minutes over 59 */
        {"1105-1045", NULL},         /* backwards */
        {"Room 101 - 102", NULL},    /* a word */
        {"Year 10 1045-1105", NULL}, /* more than a time */
        {"8:15", NULL},              /* too few digits */
        {"0800-1000 Maths", NULL},   /* a name after it */
        {"Gold 815-840", NULL},      /* look-alikes only next to digits, and a word */
        /* one dash parts the clocks: either may be an hour alone */
        {"10-10 40AM", "10:00-10:40am"},
        {"9 O5-10AM", "9:05-10:00am"},
        {"10 4O-10 5SAM", "10:40-10:55am"}, /* S where a minute's units stand: 5 */
        {"1:30 \xe2\x80\x93 2 15pm", "1:30-2:15pm"},
        {"8:30-850\na", "8:30-8:50am"}, /* the am cut short to its first letter */
        {"100-105 A", "1:00-1:05"},     /* no 1 am: a stray mark */
        {"1230-115 p", "12:30-1:15pm"},
        {"815-840 pa", NULL}, /* a word, not an am/pm */
        {"9-10", NULL},       /* too few digits to need a repair */
        {"1-2 3-4", NULL},    /* two dashes */
        {"12345-6", NULL},    /* no clock of five digits */
        {"11 20-10", NULL},   /* backwards */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char out[64] = "";
        int ok = tt_ocr_range_repair(cases[i].in, out, sizeof out);
        if (!cases[i].want && ok) fail_msg("'%s' read as '%s'", cases[i].in, out);
        if (cases[i].want && (!ok || strcmp(out, cases[i].want) != 0))
            fail_msg("'%s': got %d '%s', want '%s'", cases[i].in, ok, out, cases[i].want);
    }
}

static void test_broken_words(void **state)
{
    (void)state;
    tt_cell c = {0};
    assert_int_equal(tt_lines_add(&c.lines, &c.nlines, "Math", 90, 20, 0.5f), AP_OK);
    assert_int_equal(tt_lines_add(&c.lines, &c.nlines, "s", 90, 20, 0.1f), AP_OK);
    assert_int_equal(tt_lines_add(&c.lines, &c.nlines, "Con", 90, 20, 0.4f), AP_OK);
    assert_int_equal(tt_lines_add(&c.lines, &c.nlines, "Comprehens", 90, 20, 0.9f), AP_OK);
    assert_int_equal(tt_lines_add(&c.lines, &c.nlines, "ion and", 90, 20, 0.7f), AP_OK);
    assert_int_equal(tt_lines_add(&c.lines, &c.nlines, "reading", 90, 20, 0.5f), AP_OK);
    char *text = tt_cell_text(&c);
    assert_non_null(text);
    assert_string_equal(text, "Maths Con Comprehension and reading");
    free(text);
    tt_lines_free(c.lines, c.nlines);
}

/* A time broken off between its hour and its minutes by a narrow cell joins again;
 * a number ending one line before a word on the next does not. */
static void test_broken_times(void **state)
{
    (void)state;
    static const char *const lines[][2] = {
        {"11:55-12", ":50pm"}, {"9.", "30-10.15"}, {"Year 2", "Hall"}};
    static const char *const want[] = {"11:55-12:50pm", "9.30-10.15", "Year 2 Hall"};
    for (int k = 0; k < 3; k++) {
        tt_cell c = {0};
        for (int i = 0; i < 2; i++)
            assert_int_equal(tt_lines_add(&c.lines, &c.nlines, lines[k][i], 90, 20, 0.9f), AP_OK);
        char *text = tt_cell_text(&c);
        assert_non_null(text);
        assert_string_equal(text, want[k]);
        free(text);
        tt_lines_free(c.lines, c.nlines);
    }
}

/* A short code in smaller type under the title (a room) is a note when the sizes are the
 * document's own; from OCR, where a short piece's box is low without being smaller type
 * (the "s" of "Math"/"s"), it stays in the name. */
static void test_small_codes(void **state)
{
    (void)state;
    for (int exact = 0; exact < 2; exact++) {
        tt_page page = {.number = 1};
        tt_table *t = one_table(&page, 3, 3);
        add_cell(t, 0, 0, 1, 1, "");
        add_cell(t, 0, 1, 1, 1, "9:00-10:00");
        add_cell(t, 0, 2, 1, 1, "10:00-11:00");
        add_cell(t, 1, 0, 1, 1, "Monday");
        add_cell(t, 1, 1, 1, 1, "Maths|~E4|~JKS");
        add_cell(t, 1, 2, 1, 1, "Science|~Lab 2");
        add_cell(t, 2, 0, 1, 1, "Tuesday");
        add_cell(t, 2, 1, 1, 1, "Music");
        add_cell(t, 2, 2, 1, 1, "PE");
        if (exact) mark_exact(t);
        tt_doc d;
        interpret(&page, &d);
        const tt_block *b = tb_get(&d, 0, exact ? "Maths" : "Maths E4");
        if (exact) assert_string_equal(b->notes, "E4 JKS");
        b = tb_get(&d, 0, "Science");
        assert_string_equal(b->notes, "Lab 2");
        tt_doc_free(&d);
        tt_page_free(&page);
    }
}

/* A line opening with '(' in the title's type starts the notes when the cell's author
 * broke the line there ("English" over "(Sentence work)", which would have fitted after
 * it), not when the cell's width did ("Word Work" over "(Phonics)" in a narrow column,
 * too wide to follow "Work"). */
static void test_wrapped_parentheses(void **state)
{
    (void)state;
    tt_page page = {.number = 1};
    tt_table *t = one_table(&page, 3, 3);
    add_cell(t, 0, 0, 1, 1, "");
    add_cell(t, 0, 1, 1, 1, "9:00-10:00");
    add_cell(t, 0, 2, 1, 1, "10:00-11:00");
    add_cell(t, 1, 0, 1, 1, "Monday");
    add_cell(t, 1, 1, 1, 1, "Word|Work|(Phonics)");
    add_cell(t, 1, 2, 1, 1, "English|(Sentence work)");
    add_cell(t, 2, 0, 1, 1, "Tuesday");
    add_cell(t, 2, 1, 1, 2, "PE");
    t->cells[4].lines[1].width = 0.52f, t->cells[4].lines[2].width = 0.94f;
    t->cells[5].lines[0].width = 0.37f, t->cells[5].lines[1].width = 0.60f;
    tt_doc d;
    interpret(&page, &d);
    assert_null(tb_get(&d, 0, "Word Work (Phonics)")->notes);
    assert_string_equal(tb_get(&d, 0, "English")->notes, "(Sentence work)");
    tt_doc_free(&d);
    tt_page_free(&page);
}

/* Day names set in wide letter-spacing come back from OCR in pieces: still days. */
static void test_spaced_day_names(void **state)
{
    (void)state;
    tt_page page = {.number = 1};
    tt_table *t = one_table(&page, 4, 3);
    add_cell(t, 0, 0, 1, 1, "");
    add_cell(t, 0, 1, 1, 1, "9:00 - 10:00");
    add_cell(t, 0, 2, 1, 1, "10:00 - 11:00");
    const char *days[3] = {"MONDAY", "TUE SDAY", "WEDNES DAY"};
    const char *names[3][2] = {{"Maths", "Art"}, {"PE", "Music"}, {"RE", "Drama"}};
    for (int r = 0; r < 3; r++) {
        add_cell(t, r + 1, 0, 1, 1, days[r]);
        add_cell(t, r + 1, 1, 1, 1, names[r][0]);
        add_cell(t, r + 1, 2, 1, 1, names[r][1]);
    }
    tt_doc d;
    interpret(&page, &d);
    tb_check(&d, 1, "PE", HM(9, 0), HM(10, 0));
    tb_check(&d, 1, "Music", HM(10, 0), HM(11, 0));
    tb_check(&d, 2, "Drama", HM(10, 0), HM(11, 0));
    assert_int_equal(d.nblocks, 6);
    tt_doc_free(&d);
    tt_page_free(&page);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ocr_range_repair),    cmocka_unit_test(test_broken_words),
        cmocka_unit_test(test_broken_times),        cmocka_unit_test(test_small_codes),
        cmocka_unit_test(test_wrapped_parentheses), cmocka_unit_test(test_spaced_day_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

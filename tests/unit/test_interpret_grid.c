/* Proves: tables with a day axis (document/interpret_grid.c), on hand-built grids without
 * OCR: days as rows and as columns give the same answer; header times per column, with
 * proportional edges inside a header cell and OCR misreads mended from the neighbours; a
 * cell spanning columns, in-cell times winning over the header, a neighbour's printed time
 * closing a split cell; a merged cell over every day repeated per day; a word spelled one
 * letter per day row; day labels misread take the weekday their neighbours leave out; a
 * break printed sideways or centred across the days covers every day; a header cell
 * printing more times than the columns under it times its events by where their lines
 * lie; a cell merged down the week printing its label per day is an event a day; blocks
 * side by side, each printing its own time, are an event each. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "test_grid_fixture.h"

/* Days as rows: header times in row 0, days in column 0. Columns 1..6:
 * 9:00-10:00 | 10:00-11:00 (two lattice columns: a split in one day) | 11:00-11:15 |
 * 11:15-12:15 | 1-2pm. */
static void build_rows(tt_table *t)
{
    lattice(t, 4, 7);
    add_cell(t, 0, 0, 1, 1, "");
    add_cell(t, 0, 1, 1, 1, "9:00 - 10:00");
    add_cell(t, 0, 2, 1, 2, "10 - 11am");
    add_cell(t, 0, 4, 1, 1, "11:00-11:15");
    add_cell(t, 0, 5, 1, 1, "11.15 - 12.15");
    add_cell(t, 0, 6, 1, 1, "1-2pm");
    add_cell(t, 1, 0, 1, 1, "Monday");
    add_cell(t, 1, 1, 1, 1, "Maths");
    add_cell(t, 1, 2, 1, 1, "Phonics");           /* left half of 10-11: 10:00-10:30 */
    add_cell(t, 1, 3, 1, 1, "10:40 - 11:00|Art"); /* prints its own time */
    add_cell(t, 1, 4, 3, 1, "B|R|E|A|K");         /* merged over all days */
    add_cell(t, 1, 5, 1, 1, "Engli|sh|~(Sentence work)");
    add_cell(t, 1, 6, 1, 1, "Science|~Lab 2");
    add_cell(t, 2, 0, 1, 1, "Tu");
    add_cell(t, 2, 1, 1, 2, "Maths"); /* spans 9:00 .. 10:30 */
    add_cell(t, 2, 3, 1, 1, "PE");
    add_cell(t, 2, 5, 1, 2, "Trip"); /* 11:15 .. 14:00 */
    add_cell(t, 3, 0, 1, 1, "Wed");
    add_cell(t, 3, 1, 1, 1, "RE");
    add_cell(t, 3, 2, 1, 2, "Music");
    add_cell(t, 3, 5, 1, 1, "");
    add_cell(t, 3, 6, 1, 1, "Art");
}

static void check_rows_answer(const tt_doc *d)
{
    tb_check(d, 0, "Maths", HM(9, 0), HM(10, 0));
    tb_check(d, 0, "Phonics", HM(10, 0), HM(10, 40)); /* ends where its neighbour's time starts */
    tb_check(d, 0, "Art", HM(10, 40), HM(11, 0));
    tb_check(d, 0, "English", HM(11, 15), HM(12, 15));
    assert_string_equal(tb_get(d, 0, "English")->notes, "(Sentence work)");
    assert_string_equal(tb_get(d, 0, "Science")->notes, "Lab 2");
    tb_check(d, 0, "Science", HM(13, 0), HM(14, 0));
    for (int day = 0; day < 3; day++)
        tb_check(d, day, "Break", HM(11, 0), HM(11, 15));
    tb_check(d, 1, "Maths", HM(9, 0), HM(10, 30));
    tb_check(d, 1, "PE", HM(10, 30), HM(11, 0));
    tb_check(d, 1, "Trip", HM(11, 15), HM(14, 0));
    tb_check(d, 2, "Music", HM(10, 0), HM(11, 0));
    tb_check(d, 2, "Art", HM(13, 0), HM(14, 0));
    tb_check(d, 2, "RE", HM(9, 0), HM(10, 0));
    assert_int_equal(d->nblocks, 6 + 4 + 4);
}

static void test_days_as_rows(void **state)
{
    (void)state;
    tt_page page = {.number = 1};
    page.tables = calloc(1, sizeof *page.tables);
    page.ntables = 1;
    build_rows(&page.tables[0]);
    tt_doc d;
    interpret(&page, &d);
    check_rows_answer(&d);
    tt_doc_free(&d);
    tt_page_free(&page);
}

/* The same timetable with rows and columns swapped reads the same. */
static void test_days_as_columns(void **state)
{
    (void)state;
    tt_table rows;
    build_rows(&rows);
    tt_page page = {.number = 1};
    tt_table *t = one_table(&page, rows.ncols, rows.nrows);
    for (size_t i = 0; i < rows.ncells; i++) {
        tt_cell c = rows.cells[i];
        int r = c.row, nr = c.nrows;
        c.row = c.col, c.nrows = c.ncols, c.col = r, c.ncols = nr;
        t->cells = realloc(t->cells, (t->ncells + 1) * sizeof *t->cells);
        assert_non_null(t->cells);
        t->cells[t->ncells++] = c;
    }
    free(rows.cells); /* the lines moved to the transposed table */
    free(rows.row_pos);
    free(rows.col_pos);
    tt_doc d;
    interpret(&page, &d);
    check_rows_answer(&d);
    tt_doc_free(&d);
    tt_page_free(&page);
}

/* Header times OCR read without their colons give the columns their times; the same
 * text from a born-digital reader (exact lines) is taken as printed, which holds no
 * time notation. */
static void test_ocr_header_times(void **state)
{
    (void)state;
    for (int exact = 0; exact < 2; exact++) {
        tt_page page = {.number = 1};
        tt_table *t = one_table(&page, 3, 3);
        add_cell(t, 0, 0, 1, 1, "");
        add_cell(t, 0, 1, 1, 1, "900-9:45");
        add_cell(t, 0, 2, 1, 1, "945 1030");
        add_cell(t, 1, 0, 1, 1, "Monday");
        add_cell(t, 1, 1, 1, 1, "Maths");
        add_cell(t, 1, 2, 1, 1, "Art");
        add_cell(t, 2, 0, 1, 1, "Tuesday");
        add_cell(t, 2, 1, 1, 1, "Music");
        add_cell(t, 2, 2, 1, 1, "PE");
        if (exact) mark_exact(t);
        tt_doc d;
        interpret(&page, &d);
        if (!exact) {
            tb_check(&d, 0, "Maths", HM(9, 0), HM(9, 45));
            tb_check(&d, 0, "Art", HM(9, 45), HM(10, 30));
            tb_check(&d, 1, "PE", HM(9, 45), HM(10, 30));
        } else {
            for (size_t i = 0; i < d.nblocks; i++) /* no notation as printed: no times */
                assert_int_equal(d.blocks[i].start, TT_NO_TIME);
        }
        tt_doc_free(&d);
        tt_page_free(&page);
    }
}

/* Header times OCR misread so that they contradict their neighbours: a column that ends
 * before it starts ("9:30 - 9:10" for "9:00 - 9:10") starts where the one before ends,
 * and one that ends after the next column has ended ("10:00 - 2:05", 14:05, before
 * "11:05 - 12:00") ends where the next starts; the columns that agree keep their times. */
static void test_header_times_mended(void **state)
{
    (void)state;
    tt_page page = {.number = 1};
    tt_table *t = one_table(&page, 3, 6);
    const char *header[6] = {
        "", "8:40 - 9:00", "9:30 - 9:10", "9:10 - 10:00", "10:00 - 2:05", "11:05 - 12:00"};
    const char *names[2][6] = {{"Monday", "Maths", "Register", "Art", "PE", "Music"},
                               {"Tuesday", "Drama", "Register", "Science", "RE", "Spelling"}};
    for (int c = 0; c < 6; c++) {
        add_cell(t, 0, c, 1, 1, header[c]);
        add_cell(t, 1, c, 1, 1, names[0][c]);
        add_cell(t, 2, c, 1, 1, names[1][c]);
    }
    tt_doc d;
    interpret(&page, &d);
    tb_check(&d, 0, "Maths", HM(8, 40), HM(9, 0));
    tb_check(&d, 0, "Register", HM(9, 0), HM(9, 10));
    tb_check(&d, 0, "Art", HM(9, 10), HM(10, 0));
    tb_check(&d, 0, "PE", HM(10, 0), HM(11, 5));
    tb_check(&d, 0, "Music", HM(11, 5), HM(12, 0));
    tb_check(&d, 1, "RE", HM(10, 0), HM(11, 5));
    tt_doc_free(&d);
    tt_page_free(&page);
}

/* Day labels OCR misread so that they name no day ("u" for "M", "W3d", "L" for "F") take
 * the weekday that the labels around them leave out; a corner cell over the labels (the
 * header row holds times alone) names no day, even where the week starts on Tuesday. */
static void test_unread_day_labels(void **state)
{
    (void)state;
    tt_page page = {.number = 1};
    tt_table *t = one_table(&page, 6, 3);
    const char *labels[6] = {"", "u", "Tue", "W3d", "Thu", "L"};
    add_cell(t, 0, 1, 1, 1, "9:00 - 10:00");
    add_cell(t, 0, 2, 1, 1, "10:00 - 11:00");
    for (int r = 0; r < 6; r++) {
        add_cell(t, r, 0, 1, 1, labels[r]);
        if (r) {
            add_cell(t, r, 1, 1, 1, r % 2 ? "Maths" : "Art");
            add_cell(t, r, 2, 1, 1, r % 2 ? "Music" : "Drama");
        }
    }
    tt_doc d;
    interpret(&page, &d);
    tb_check(&d, 0, "Maths", HM(9, 0), HM(10, 0));
    tb_check(&d, 2, "Music", HM(10, 0), HM(11, 0));
    tb_check(&d, 4, "Maths", HM(9, 0), HM(10, 0));
    assert_int_equal(d.nblocks, 10);
    tt_doc_free(&d);
    tt_page_free(&page);

    tt_page later = {.number = 1};
    t = one_table(&later, 4, 2);
    const char *days[4] = {"Day", "Tue", "Wed", "Thu"};
    add_cell(t, 0, 1, 1, 1, "9:00 - 10:00");
    for (int r = 0; r < 4; r++) {
        add_cell(t, r, 0, 1, 1, days[r]);
        if (r) add_cell(t, r, 1, 1, 1, "Maths");
    }
    interpret(&later, &d);
    assert_int_equal(d.nblocks, 3);
    for (size_t i = 0; i < d.nblocks; i++)
        assert_true(d.blocks[i].day >= 1);
    tt_doc_free(&d);
    tt_page_free(&later);

    /* one-letter labels misread as another day ("S" for a sideways "W", between Tue and
     * Thu) take the day their order names; a T between Mon and Wed stays Tuesday */
    const char *letters[2][6] = {{"", "M", "Tu", "S", "Th", "L"}, {"", "Mo", "T", "We", "T", "F"}};
    for (int v = 0; v < 2; v++) {
        tt_page p = {.number = 1};
        t = one_table(&p, 6, 2);
        add_cell(t, 0, 1, 1, 1, "9:00 - 10:00");
        for (int r = 0; r < 6; r++) {
            add_cell(t, r, 0, 1, 1, letters[v][r]);
            if (r) add_cell(t, r, 1, 1, 1, "Maths");
        }
        interpret(&p, &d);
        assert_int_equal(d.nblocks, 5);
        for (int day = 0; day < 5; day++)
            tb_check(&d, day, "Maths", HM(9, 0), HM(10, 0));
        tt_doc_free(&d);
        tt_page_free(&p);
    }
}

/* A break printed once, sideways, down a column of a days-as-rows grid whose other rows
 * in that column are empty cells (a borderless table's implied rules cut the column): it
 * is on every day. A sideways event beside others in its column is on its own day. */
static void test_sideways_band(void **state)
{
    (void)state;
    tt_page page = {.number = 1};
    tt_table *t = one_table(&page, 4, 4);
    const char *cells[4][4] = {{"", "9:00-10:00", "10:00-10:20", "10:20-11:00"},
                               {"Monday", "Maths", "", "Art"},
                               {"Tuesday", "PE", "Break", "Music"},
                               {"Wednesday", "RE", "", "Drama"}};
    for (int r = 0; r < 4; r++)
        for (int c = 0; c < 4; c++)
            add_cell(t, r, c, 1, 1, cells[r][c]);
    t->cells[2 * 4 + 2].rotation = 270;
    t->cells[3 * 4 + 3].rotation = 90; /* Drama: sideways, but Art and Music share its column */
    tt_doc d;
    interpret(&page, &d);
    for (int day = 0; day < 3; day++)
        tb_check(&d, day, "Break", HM(10, 0), HM(10, 20));
    tb_check(&d, 2, "Drama", HM(10, 20), HM(11, 0));
    assert_int_equal(d.nblocks, 3 * 3);
    tt_doc_free(&d);
    tt_page_free(&page);
}

/* Days as columns of unequal widths. A "Lunch" alone in its row, in Wednesday's cell but
 * centred on all four days (a banner whose column rules run through it), is on every
 * day; an "Art" alone in its row, centred in Wednesday's cell, is Wednesday's. */
static void test_centred_band(void **state)
{
    (void)state;
    static const int xs[] = {0, 100, 300, 450, 700, 900};
    tt_page page = {.number = 1};
    tt_table *t = one_table(&page, 4, 5);
    for (int k = 0; k <= 5; k++)
        t->col_pos[k] = xs[k];
    const char *cells[4][5] = {{"", "Monday", "Tuesday", "Wednesday", "Thursday"},
                               {"9:00-10:00", "Maths", "Art", "Music", "PE"},
                               {"12:00-1:00", "", "", "Lunch", ""},
                               {"1:00-2:00", "", "", "Art", ""}};
    for (int r = 0; r < 4; r++)
        for (int k = 0; k < 5; k++) {
            add_cell(t, r, k, 1, 1, cells[r][k]);
            tt_cell *c = &t->cells[t->ncells - 1];
            int mid = r == 2 ? 500 : (xs[k] + xs[k + 1]) / 2;
            for (size_t i = 0; i < c->nlines; i++)
                c->lines[i].box = (tt_bbox){.x = mid - 30, .y = 100 * r + 40, .w = 60, .h = 20};
        }
    tt_doc d;
    interpret(&page, &d);
    for (int day = 0; day < 4; day++)
        tb_check(&d, day, "Lunch", HM(12, 0), HM(13, 0));
    tb_check(&d, 2, "Art", HM(13, 0), HM(14, 0));
    assert_int_equal(d.nblocks, 4 + 4 + 1);
    tt_doc_free(&d);
    tt_page_free(&page);
}

/* A cell without a time of its own ends at the end its column's header prints, even
 * where the next cell prints a later start (a gap between lessons), and starts at the
 * start it prints, even where the cell before prints an earlier end; only a column edge
 * whose time the header does not print (a share of a range over two columns) takes the
 * neighbour's. */
static void test_printed_end_stands(void **state)
{
    (void)state;
    tt_page page = {.number = 1};
    tt_table *t = one_table(&page, 3, 4);
    add_cell(t, 0, 0, 1, 1, "");
    add_cell(t, 0, 1, 1, 1, "9:00-9:30");
    add_cell(t, 0, 2, 1, 1, "9:30-10:00");
    add_cell(t, 0, 3, 1, 1, "10:00-10:45");
    add_cell(t, 1, 0, 1, 1, "Monday");
    add_cell(t, 1, 1, 1, 1, "Maths");
    add_cell(t, 1, 2, 1, 1, "English");
    add_cell(t, 1, 3, 1, 1, "10:10 - 10:45|Art");
    add_cell(t, 2, 0, 1, 1, "Tuesday");
    add_cell(t, 2, 1, 1, 1, "9:00 - 9:20|Assembly");
    add_cell(t, 2, 2, 1, 2, "Trip");
    tt_doc d;
    interpret(&page, &d);
    tb_check(&d, 0, "English", HM(9, 30), HM(10, 0));
    tb_check(&d, 0, "Art", HM(10, 10), HM(10, 45));
    tb_check(&d, 1, "Assembly", HM(9, 0), HM(9, 20));
    tb_check(&d, 1, "Trip", HM(9, 30), HM(10, 45));
    tt_doc_free(&d);
    tt_page_free(&page);
}

/* A header cell over two columns that no rule divides, holding one range per column:
 * each column takes its own range, not a share of the first. */
static void test_header_spanning_columns(void **state)
{
    (void)state;
    tt_page page = {.number = 1};
    tt_table *t = one_table(&page, 3, 4);
    add_cell(t, 0, 0, 1, 1, "");
    add_cell(t, 0, 1, 1, 1, "8:30-9:15");
    add_cell(t, 0, 2, 1, 2, "9.15 - 10.05 10.05 - 10.50");
    add_cell(t, 1, 0, 1, 1, "Monday");
    add_cell(t, 1, 1, 1, 1, "Library");
    add_cell(t, 1, 2, 1, 1, "Maths");
    add_cell(t, 1, 3, 1, 1, "Spelling");
    add_cell(t, 2, 0, 1, 1, "Tuesday");
    add_cell(t, 2, 1, 1, 1, "Writing");
    add_cell(t, 2, 2, 1, 2, "PE");
    tt_doc d;
    interpret(&page, &d);
    tb_check(&d, 0, "Maths", HM(9, 15), HM(10, 5));
    tb_check(&d, 0, "Spelling", HM(10, 5), HM(10, 50));
    tb_check(&d, 1, "PE", HM(9, 15), HM(10, 50));
    tt_doc_free(&d);
    tt_page_free(&page);
}

/* A header cell printing more times than the columns under it times its events by place:
 * two times side by side over one column whose Monday cell holds two lessons side by side
 * (an event each, one printing its own time) and whose Tuesday cell is one lesson centred
 * across both; three times over two columns, the middle one over a narrow column the body
 * does not rule (its lessons under the first and third time). Stacked lines of one time
 * ("10:30 -" over "11:00") read in their places' order. Without places (a reader that
 * does not say) the column is timed in proportion, as before. */
static void test_header_times_by_place(void **state)
{
    (void)state;
    for (int placed = 0; placed < 2; placed++) {
        tt_page page = {.number = 1};
        tt_table *t = one_table(&page, 3, 5);
        add_cell(t, 0, 0, 1, 1, "");
        add_cell(t, 0, 1, 1, 1, "9:00-10:00");
        add_cell(t, 0, 2, 1, 1, "10:00-10:30|11:00|10:30 -");           /* 2: read out of order */
        add_cell(t, 0, 3, 1, 2, "11:00-12:00|12:00-12:20|12:20-13:00"); /* 3 */
        add_cell(t, 1, 0, 1, 1, "Monday");
        add_cell(t, 1, 1, 1, 1, "Reading");
        add_cell(t, 1, 2, 1, 1, "Maths|Art|10:40-11:00"); /* 6 */
        add_cell(t, 1, 3, 1, 1, "Science");               /* 7 */
        add_cell(t, 1, 4, 1, 1, "Music");                 /* 8 */
        add_cell(t, 2, 0, 1, 1, "Tuesday");
        add_cell(t, 2, 1, 1, 1, "Writing");
        add_cell(t, 2, 2, 1, 1, "French"); /* 11 */
        add_cell(t, 2, 3, 1, 2, "PE");     /* 12 */
        for (size_t i = 0; i < t->ncells; i++)
            place_cell(t, i);
        if (placed) {
            place_line(t, 2, 0, 205, 40, 40, 10); /* column 2 is x 200-300 */
            place_line(t, 2, 1, 262, 50, 30, 10);
            place_line(t, 2, 2, 260, 30, 35, 10);
            place_line(t, 3, 0, 310, 40, 50, 10); /* columns 3-4 are x 300-500 */
            place_line(t, 3, 1, 385, 40, 40, 10);
            place_line(t, 3, 2, 440, 40, 50, 10);
            place_line(t, 6, 0, 210, 140, 35, 10);
            place_line(t, 6, 1, 265, 140, 25, 10);
            place_line(t, 6, 2, 255, 155, 40, 8);
            place_line(t, 7, 0, 315, 140, 50, 10);
            place_line(t, 8, 0, 445, 140, 40, 10);
            place_line(t, 11, 0, 230, 240, 40, 10);
            place_line(t, 12, 0, 390, 240, 20, 10);
        }
        tt_doc d;
        interpret(&page, &d);
        if (placed) {
            tb_check(&d, 0, "Reading", HM(9, 0), HM(10, 0));
            tb_check(&d, 0, "Maths", HM(10, 0), HM(10, 30));
            tb_check(&d, 0, "Art", HM(10, 40), HM(11, 0));
            tb_check(&d, 1, "French", HM(10, 0), HM(11, 0));
            tb_check(&d, 0, "Science", HM(11, 0), HM(12, 0));
            tb_check(&d, 0, "Music", HM(12, 20), HM(13, 0));
            tb_check(&d, 1, "PE", HM(11, 0), HM(13, 0));
            assert_int_equal(d.nblocks, 8);
        } else {
            tb_check(&d, 0, "Science", HM(11, 0), HM(11, 30));
            tb_check(&d, 0, "Music", HM(11, 30), HM(12, 0));
        }
        tt_doc_free(&d);
        tt_page_free(&page);
    }
}

/* A column's start and end printed at its two edges ("9:00" left, "10:00" right) are no
 * two slots: the lesson under them runs 9:00-10:00. */
static void test_header_edge_times(void **state)
{
    (void)state;
    tt_page page = {.number = 1};
    tt_table *t = one_table(&page, 3, 3);
    add_cell(t, 0, 0, 1, 1, "");
    add_cell(t, 0, 1, 1, 1, "9:00|10:00"); /* 1 */
    add_cell(t, 0, 2, 1, 1, "10:00 - 11:00");
    add_cell(t, 1, 0, 1, 1, "Monday");
    add_cell(t, 1, 1, 1, 1, "Maths"); /* 4 */
    add_cell(t, 1, 2, 1, 1, "Art");
    add_cell(t, 2, 0, 1, 1, "Tuesday");
    add_cell(t, 2, 1, 1, 2, "Trip");
    for (size_t i = 0; i < t->ncells; i++)
        place_cell(t, i);
    place_line(t, 1, 0, 102, 40, 30, 10);
    place_line(t, 1, 1, 165, 40, 33, 10);
    place_line(t, 4, 0, 135, 140, 30, 10);
    tt_doc d;
    interpret(&page, &d);
    tb_check(&d, 0, "Maths", HM(9, 0), HM(10, 0));
    tb_check(&d, 0, "Art", HM(10, 0), HM(11, 0));
    tb_check(&d, 1, "Trip", HM(9, 0), HM(11, 0));
    tt_doc_free(&d);
    tt_page_free(&page);
}

/* Days as columns: a time label cell holding three times one under another beside day
 * cells that hold three lessons one under another (one with its note between) is three
 * rows of lessons, timed by the lines' heights on the page. */
static void test_stacked_label_times(void **state)
{
    (void)state;
    tt_page page = {.number = 1};
    tt_table *t = one_table(&page, 2, 3);
    add_cell(t, 0, 0, 1, 1, "");
    add_cell(t, 0, 1, 1, 1, "Monday");
    add_cell(t, 0, 2, 1, 1, "Tuesday");
    add_cell(t, 1, 0, 1, 1, "13:50 - 14:20|14:20 - 14:50|14:50 - 15:15");  /* 3 */
    add_cell(t, 1, 1, 1, 1, "Times Tables|Cooking|Gymnastics");            /* 4 */
    add_cell(t, 1, 2, 1, 1, "Show and Tell|Intervention|~ICT suite|PSHE"); /* 5 */
    for (size_t i = 0; i < t->ncells; i++)
        place_cell(t, i);
    for (int k = 0; k < 3; k++) {
        place_line(t, 3, (size_t)k, 10, 115 + 30 * k, 70, 10); /* row 1 is y 100-200 */
        place_line(t, 4, (size_t)k, 120, 115 + 30 * k, 60, 10);
    }
    place_line(t, 5, 0, 215, 115, 70, 10);
    place_line(t, 5, 1, 220, 142, 60, 10);
    place_line(t, 5, 2, 230, 153, 40, 6);
    place_line(t, 5, 3, 230, 175, 40, 10);
    tt_doc d;
    interpret(&page, &d);
    tb_check(&d, 0, "Times Tables", HM(13, 50), HM(14, 20));
    tb_check(&d, 0, "Cooking", HM(14, 20), HM(14, 50));
    tb_check(&d, 0, "Gymnastics", HM(14, 50), HM(15, 15));
    tb_check(&d, 1, "Show and Tell", HM(13, 50), HM(14, 20));
    tb_check(&d, 1, "Intervention", HM(14, 20), HM(14, 50));
    assert_string_equal(tb_get(&d, 1, "Intervention")->notes, "ICT suite");
    tb_check(&d, 1, "PSHE", HM(14, 50), HM(15, 15));
    assert_int_equal(d.nblocks, 6);
    tt_doc_free(&d);
    tt_page_free(&page);
}

/* A borderless header leaves the empty corner over the times to the first day's cell:
 * "Monday", printed over its own column, labels that column, and the times beside the
 * corner are still the header's. */
static void test_day_label_over_corner(void **state)
{
    (void)state;
    tt_page page = {.number = 1};
    tt_table *t = one_table(&page, 3, 3);
    add_cell(t, 0, 0, 1, 2, "Monday"); /* 0 */
    add_cell(t, 0, 2, 1, 1, "Tuesday");
    add_cell(t, 1, 0, 1, 1, "9:00 - 10:00");
    add_cell(t, 1, 1, 1, 1, "Maths");
    add_cell(t, 1, 2, 1, 1, "Art");
    add_cell(t, 2, 0, 1, 1, "10:00 - 11:00");
    add_cell(t, 2, 1, 1, 1, "English");
    add_cell(t, 2, 2, 1, 1, "PE");
    for (size_t i = 0; i < t->ncells; i++)
        place_cell(t, i);
    place_line(t, 0, 0, 120, 40, 60, 20); /* in column 1 (x 100-200) */
    tt_doc d;
    interpret(&page, &d);
    tb_check(&d, 0, "Maths", HM(9, 0), HM(10, 0));
    tb_check(&d, 0, "English", HM(10, 0), HM(11, 0));
    tb_check(&d, 1, "Art", HM(9, 0), HM(10, 0));
    tb_check(&d, 1, "PE", HM(10, 0), HM(11, 0));
    assert_int_equal(d.nblocks, 4);
    tt_doc_free(&d);
    tt_page_free(&page);
}

/* A cell merged down the week whose label is printed once in each day's rows (a shaded
 * column, no rule across it) is an event a day, not one name repeated; a name of two
 * lines centred across two days' rows stays one event on both days. */
static void test_label_per_day_in_merged_cell(void **state)
{
    (void)state;
    tt_page page = {.number = 1};
    tt_table *t = one_table(&page, 4, 3);
    add_cell(t, 0, 0, 1, 1, "");
    add_cell(t, 0, 1, 1, 1, "8:45 - 9:00");
    add_cell(t, 0, 2, 1, 1, "9:00 - 10:00");
    add_cell(t, 1, 0, 1, 1, "Monday");
    add_cell(t, 1, 1, 3, 1, "Early|Morning|Work|Early|Morning|Work|Early|Morning|Work"); /* 4 */
    add_cell(t, 1, 2, 2, 1, "Forest|School");                                            /* 5 */
    add_cell(t, 2, 0, 1, 1, "Tuesday");
    add_cell(t, 3, 0, 1, 1, "Wednesday");
    add_cell(t, 3, 2, 1, 1, "Maths");
    for (size_t i = 0; i < t->ncells; i++)
        place_cell(t, i);
    for (int day = 0; day < 3; day++) /* rows are y 100-200, 200-300, 300-400 */
        for (int k = 0; k < 3; k++)
            place_line(t, 4, (size_t)(3 * day + k), 120, 125 + 100 * day + 18 * k, 60, 12);
    place_line(t, 5, 0, 215, 180, 50, 12);
    place_line(t, 5, 1, 215, 205, 50, 12);
    tt_doc d;
    interpret(&page, &d);
    for (int day = 0; day < 3; day++)
        tb_check(&d, day, "Early Morning Work", HM(8, 45), HM(9, 0));
    tb_check(&d, 0, "Forest School", HM(9, 0), HM(10, 0));
    tb_check(&d, 1, "Forest School", HM(9, 0), HM(10, 0));
    assert_int_equal(d.nblocks, 3 + 2 + 1);
    tt_doc_free(&d);
    tt_page_free(&page);
}

/* A cell holding two blocks side by side, each printing its own time, is an event each;
 * blocks side by side of which one prints no time stay one event. */
static void test_timed_blocks_side_by_side(void **state)
{
    (void)state;
    tt_page page = {.number = 1};
    tt_table *t = one_table(&page, 3, 2);
    add_cell(t, 0, 0, 1, 1, "");
    add_cell(t, 0, 1, 1, 1, "1:10 - 2:10");
    add_cell(t, 1, 0, 1, 1, "Monday");
    add_cell(t, 1, 1, 1, 1, "1:10 - 1:30|Library|Maths|1:30 - 2:10"); /* 3 */
    add_cell(t, 2, 0, 1, 1, "Tuesday");
    add_cell(t, 2, 1, 1, 1, "Art|Year 2 hall"); /* 5 */
    for (size_t i = 0; i < t->ncells; i++)
        place_cell(t, i);
    place_line(t, 3, 0, 105, 120, 40, 10); /* column 1 is x 100-200 */
    place_line(t, 3, 1, 110, 135, 30, 10);
    place_line(t, 3, 2, 160, 125, 30, 10);
    place_line(t, 3, 3, 155, 140, 40, 10);
    place_line(t, 5, 0, 110, 240, 30, 10);
    place_line(t, 5, 1, 150, 240, 45, 10);
    tt_doc d;
    interpret(&page, &d);
    tb_check(&d, 0, "Library", HM(13, 10), HM(13, 30));
    tb_check(&d, 0, "Maths", HM(13, 30), HM(14, 10));
    tb_check(&d, 1, "Art Year 2 hall", HM(13, 10), HM(14, 10));
    assert_int_equal(d.nblocks, 3);
    tt_doc_free(&d);
    tt_page_free(&page);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_days_as_rows),
        cmocka_unit_test(test_days_as_columns),
        cmocka_unit_test(test_ocr_header_times),
        cmocka_unit_test(test_header_times_mended),
        cmocka_unit_test(test_unread_day_labels),
        cmocka_unit_test(test_sideways_band),
        cmocka_unit_test(test_centred_band),
        cmocka_unit_test(test_printed_end_stands),
        cmocka_unit_test(test_header_spanning_columns),
        cmocka_unit_test(test_header_times_by_place),
        cmocka_unit_test(test_header_edge_times),
        cmocka_unit_test(test_stacked_label_times),
        cmocka_unit_test(test_day_label_over_corner),
        cmocka_unit_test(test_label_per_day_in_merged_cell),
        cmocka_unit_test(test_timed_blocks_side_by_side),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

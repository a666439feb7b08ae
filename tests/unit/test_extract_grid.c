/* Proves: the grid interpreter (tt_grid_interpret) on hand-built cell grids, without OCR:
 * days as rows and as columns (the same answer), header times per column with
 * proportional edges inside a header cell, a cell spanning columns, in-cell times winning
 * over the header, a neighbour's printed time closing a split cell, a merged cell over
 * every day repeated per day, a word spelled one letter per day row, notes by type size
 * and parentheses, words broken by the cell width rejoined, a list schedule whose heading
 * names its days (single times ending at the next start), header fields from free text,
 * and a table without times giving no blocks and a warning; day names OCR read in
 * pieces ("TUE SDAY") still name their day. Lists one under another in a table each take
 * the days of their own heading (short day names only in a heading across the list); a
 * list's times OCR could not read, or read out of order, come from its neighbours in
 * time order. Lists side by side in one table are read one by one, each on its own
 * heading's days with its own times, also where one list's times are unreadable; days
 * as columns with times in the first column alone stay a grid. A heading's day read with
 * "n" for "ri" ("Fnday") names its day. Header times misread so that a column ends
 * before it starts, or after the next one ends, are mended from their neighbours, and day
 * labels misread so that they name no day, or (one or two letters) another day out of
 * the week's order, take the weekday their neighbours leave out. List rows merged into
 * one cell (two ranges beside two names) are an event each. A list whose heading names
 * no day (OCR could not read it), beside lists whose headings name some, takes the
 * weekdays they leave out. A header cell printing more times than the columns under it
 * times its events by where their lines lie (days as rows and as columns), and splits a
 * cell holding two of them; a cell merged down the week that prints its label in each
 * day's rows is an event a day, and blocks side by side in a cell, each printing its
 * own time, an event each. Lists side by side in one table are read one by one also
 * where one list prints each time on a line over its name in one cell. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "document/grid.h"

#define HM(h, m) ((h)*60 + (m))

/* A table under construction: cells are added with their text lines ("|" separates lines;
 * a leading '~' makes a line small type). */
static void add_cell(tt_table *t, int row, int col, int nrows, int ncols, const char *text)
{
    t->cells = realloc(t->cells, (t->ncells + 1) * sizeof *t->cells);
    assert_non_null(t->cells);
    tt_cell *c = &t->cells[t->ncells++];
    memset(c, 0, sizeof *c);
    c->row = row, c->col = col, c->nrows = nrows, c->ncols = ncols;
    c->confidence = 95;
    c->bbox = (tt_bbox){.page = 1, .x = t->col_pos[col], .y = t->row_pos[row], .w = 10, .h = 10};
    char buf[256];
    snprintf(buf, sizeof buf, "%s", text);
    for (char *line = buf; line && *line;) {
        char *bar = strchr(line, '|');
        if (bar) *bar = '\0';
        float height = 20;
        if (*line == '~') line++, height = 12;
        assert_int_equal(tt_lines_add(&c->lines, &c->nlines, line, 95, height, 0.5f), AP_OK);
        line = bar ? bar + 1 : NULL;
    }
}

/* Evenly spaced lattice positions. */
static void lattice(tt_table *t, int nrows, int ncols)
{
    memset(t, 0, sizeof *t);
    t->nrows = nrows, t->ncols = ncols;
    t->row_pos = malloc((size_t)(nrows + 1) * sizeof *t->row_pos);
    t->col_pos = malloc((size_t)(ncols + 1) * sizeof *t->col_pos);
    assert_non_null(t->row_pos);
    assert_non_null(t->col_pos);
    for (int i = 0; i <= nrows; i++)
        t->row_pos[i] = 100 * i;
    for (int i = 0; i <= ncols; i++)
        t->col_pos[i] = 100 * i;
}

/* Every line of the table as text with its own sizes (PDF, DOCX), not OCR. */
static void mark_exact(tt_table *t)
{
    for (size_t i = 0; i < t->ncells; i++)
        for (size_t k = 0; k < t->cells[i].nlines; k++)
            t->cells[i].lines[k].flags |= TT_LINE_EXACT;
}

/* The page's only table, with an evenly spaced lattice. */
static tt_table *one_table(tt_page *page, int nrows, int ncols)
{
    page->tables = calloc(1, sizeof *page->tables);
    assert_non_null(page->tables);
    page->ntables = 1;
    lattice(&page->tables[0], nrows, ncols);
    return &page->tables[0];
}

static const tt_block *find(const tt_doc *d, int day, const char *name)
{
    for (size_t i = 0; i < d->nblocks; i++)
        if (d->blocks[i].day == day && strcmp(d->blocks[i].name, name) == 0) return &d->blocks[i];
    fail_msg("no block '%s' on day %d (%zu blocks)", name, day, d->nblocks);
    return NULL;
}

static void check(const tt_doc *d, int day, const char *name, int start, int end)
{
    const tt_block *b = find(d, day, name);
    if (b->start != start || b->end != end)
        fail_msg("'%s' day %d: %d-%d, want %d-%d", name, day, b->start, b->end, start, end);
}

static void interpret(tt_page *page, tt_doc *doc)
{
    ap_error err = {0};
    memset(doc, 0, sizeof *doc);
    assert_int_equal(tt_grid_interpret(page, 1, doc, &err), AP_OK);
}

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
    check(d, 0, "Maths", HM(9, 0), HM(10, 0));
    check(d, 0, "Phonics", HM(10, 0), HM(10, 40)); /* ends where its neighbour's time starts */
    check(d, 0, "Art", HM(10, 40), HM(11, 0));
    check(d, 0, "English", HM(11, 15), HM(12, 15));
    assert_string_equal(find(d, 0, "English")->notes, "(Sentence work)");
    assert_string_equal(find(d, 0, "Science")->notes, "Lab 2");
    check(d, 0, "Science", HM(13, 0), HM(14, 0));
    for (int day = 0; day < 3; day++)
        check(d, day, "Break", HM(11, 0), HM(11, 15));
    check(d, 1, "Maths", HM(9, 0), HM(10, 30));
    check(d, 1, "PE", HM(10, 30), HM(11, 0));
    check(d, 1, "Trip", HM(11, 15), HM(14, 0));
    check(d, 2, "Music", HM(10, 0), HM(11, 0));
    check(d, 2, "Art", HM(13, 0), HM(14, 0));
    check(d, 2, "RE", HM(9, 0), HM(10, 0));
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
        check(&d, days[k], "Doors open", HM(8, 35), HM(9, 0)); /* ends at the next start */
        check(&d, days[k], "Morning Work", HM(9, 0), HM(9, 15));
        check(&d, days[k], "Lunch", HM(12, 30), HM(13, 0));
        check(&d, days[k], "Home time", HM(15, 15), TT_NO_TIME);
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
        check(&d, day, "Maths", HM(9, 0), HM(9, 30));
        check(&d, day, "Friday Club", HM(9, 30), HM(10, 0));
    }
    for (int day = 3; day < 5; day++) {
        check(&d, day, "Art", HM(9, 0), HM(9, 45));
        check(&d, day, "Music", HM(9, 45), HM(10, 0));
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
    check(&d, 4, "Library", HM(8, 40), HM(9, 0));
    check(&d, 4, "PE", HM(9, 0), HM(9, 45));
    check(&d, 4, "History", HM(9, 45), HM(10, 5));
    check(&d, 4, "Snack", HM(10, 5), HM(10, 30));
    check(&d, 4, "Comprehension", HM(10, 30), HM(10, 50));
    check(&d, 4, "Phonics", HM(10, 50), HM(11, 45));
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
    check(&d, 4, "Maths", HM(9, 0), HM(9, 30));
    check(&d, 4, "Art", HM(10, 0), HM(10, 30));
    check(&d, 4, "Music", HM(10, 30), HM(11, 0));
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
    check(&d, 4, "PSHE", HM(8, 20), HM(8, 35));
    check(&d, 4, "Reading", HM(8, 35), HM(9, 25));
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
    check(&d, 0, "Drama", HM(9, 0), HM(9, 40));
    check(&d, 0, "Social Studies", HM(9, 40), HM(10, 10));
    check(&d, 0, "Writer's Workshop", HM(10, 10), HM(11, 10));
    check(&d, 0, "Break Time", HM(11, 10), HM(11, 25));
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
        check(&d, day, "Maths", HM(8, 30), HM(9, 0));
        check(&d, day, "Reading", HM(9, 0), HM(9, 20));
        check(&d, day, "Art", HM(9, 20), HM(10, 0));
    }
    check(&d, 4, "Swimming", HM(8, 15), HM(9, 40));
    check(&d, 4, "Music", HM(9, 40), HM(10, 30));
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
    check(&d, 4, "Swimming", HM(8, 15), HM(9, 40));
    check(&d, 4, "Music", HM(9, 40), HM(10, 30));
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
    check(&d, 0, "Maths", HM(9, 0), HM(10, 0));
    check(&d, 1, "Science", HM(9, 0), HM(10, 0));
    check(&d, 0, "English", HM(10, 0), HM(11, 0));
    check(&d, 1, "History", HM(10, 0), HM(11, 0));
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
        {"9-10", NULL},     /* too few digits to need a repair */
        {"1-2 3-4", NULL},  /* two dashes */
        {"12345-6", NULL},  /* no clock of five digits */
        {"11 20-10", NULL}, /* backwards */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char out[64] = "";
        int ok = tt_ocr_range_repair(cases[i].in, out, sizeof out);
        if (!cases[i].want && ok) fail_msg("'%s' read as '%s'", cases[i].in, out);
        if (cases[i].want && (!ok || strcmp(out, cases[i].want) != 0))
            fail_msg("'%s': got %d '%s', want '%s'", cases[i].in, ok, out, cases[i].want);
    }
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
            check(&d, 0, "Maths", HM(9, 0), HM(9, 45));
            check(&d, 0, "Art", HM(9, 45), HM(10, 30));
            check(&d, 1, "PE", HM(9, 45), HM(10, 30));
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
    check(&d, 0, "Maths", HM(8, 40), HM(9, 0));
    check(&d, 0, "Register", HM(9, 0), HM(9, 10));
    check(&d, 0, "Art", HM(9, 10), HM(10, 0));
    check(&d, 0, "PE", HM(10, 0), HM(11, 5));
    check(&d, 0, "Music", HM(11, 5), HM(12, 0));
    check(&d, 1, "RE", HM(10, 0), HM(11, 5));
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
    check(&d, 0, "Maths", HM(9, 0), HM(10, 0));
    check(&d, 2, "Music", HM(10, 0), HM(11, 0));
    check(&d, 4, "Maths", HM(9, 0), HM(10, 0));
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
            check(&d, day, "Maths", HM(9, 0), HM(10, 0));
        tt_doc_free(&d);
        tt_page_free(&p);
    }
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
    check(&d, 1, "PE", HM(9, 0), HM(10, 0));
    check(&d, 1, "Music", HM(10, 0), HM(11, 0));
    check(&d, 2, "Drama", HM(10, 0), HM(11, 0));
    assert_int_equal(d.nblocks, 6);
    tt_doc_free(&d);
    tt_page_free(&page);
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
        const tt_block *b = find(&d, 0, exact ? "Maths" : "Maths E4");
        if (exact) assert_string_equal(b->notes, "E4 JKS");
        b = find(&d, 0, "Science");
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
    assert_null(find(&d, 0, "Word Work (Phonics)")->notes);
    assert_string_equal(find(&d, 0, "English")->notes, "(Sentence work)");
    tt_doc_free(&d);
    tt_page_free(&page);
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
        check(&d, day, "Break", HM(10, 0), HM(10, 20));
    check(&d, 2, "Drama", HM(10, 20), HM(11, 0));
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
        check(&d, day, "Lunch", HM(12, 0), HM(13, 0));
    check(&d, 2, "Art", HM(13, 0), HM(14, 0));
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
    check(&d, 0, "English", HM(9, 30), HM(10, 0));
    check(&d, 0, "Art", HM(10, 10), HM(10, 45));
    check(&d, 1, "Assembly", HM(9, 0), HM(9, 20));
    check(&d, 1, "Trip", HM(9, 30), HM(10, 45));
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
    check(&d, 0, "Maths", HM(9, 15), HM(10, 5));
    check(&d, 0, "Spelling", HM(10, 5), HM(10, 50));
    check(&d, 1, "PE", HM(9, 15), HM(10, 50));
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
        check(&d, day, "Art", HM(9, 30), HM(10, 0));
    for (int day = 3; day < 5; day++)
        check(&d, day, "Drama", HM(9, 30), HM(10, 0));
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

/* Where a line lies on the page (as the raster reader says) and where its cell lies. */
static void place_line(tt_table *t, size_t cell, size_t line, int x, int y, int w, int h)
{
    assert_true(cell < t->ncells && line < t->cells[cell].nlines);
    t->cells[cell].lines[line].box = (tt_bbox){.page = 1, .x = x, .y = y, .w = w, .h = h};
}

static void place_cell(tt_table *t, size_t cell)
{
    tt_cell *c = &t->cells[cell];
    c->bbox = (tt_bbox){.page = 1,
                        .x = t->col_pos[c->col],
                        .y = t->row_pos[c->row],
                        .w = t->col_pos[c->col + c->ncols] - t->col_pos[c->col],
                        .h = t->row_pos[c->row + c->nrows] - t->row_pos[c->row]};
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
            check(&d, 0, "Reading", HM(9, 0), HM(10, 0));
            check(&d, 0, "Maths", HM(10, 0), HM(10, 30));
            check(&d, 0, "Art", HM(10, 40), HM(11, 0));
            check(&d, 1, "French", HM(10, 0), HM(11, 0));
            check(&d, 0, "Science", HM(11, 0), HM(12, 0));
            check(&d, 0, "Music", HM(12, 20), HM(13, 0));
            check(&d, 1, "PE", HM(11, 0), HM(13, 0));
            assert_int_equal(d.nblocks, 8);
        } else {
            check(&d, 0, "Science", HM(11, 0), HM(11, 30));
            check(&d, 0, "Music", HM(11, 30), HM(12, 0));
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
    check(&d, 0, "Maths", HM(9, 0), HM(10, 0));
    check(&d, 0, "Art", HM(10, 0), HM(11, 0));
    check(&d, 1, "Trip", HM(9, 0), HM(11, 0));
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
    check(&d, 0, "Times Tables", HM(13, 50), HM(14, 20));
    check(&d, 0, "Cooking", HM(14, 20), HM(14, 50));
    check(&d, 0, "Gymnastics", HM(14, 50), HM(15, 15));
    check(&d, 1, "Show and Tell", HM(13, 50), HM(14, 20));
    check(&d, 1, "Intervention", HM(14, 20), HM(14, 50));
    assert_string_equal(find(&d, 1, "Intervention")->notes, "ICT suite");
    check(&d, 1, "PSHE", HM(14, 50), HM(15, 15));
    assert_int_equal(d.nblocks, 6);
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
        check(&d, day, "Early Morning Work", HM(8, 45), HM(9, 0));
    check(&d, 0, "Forest School", HM(9, 0), HM(10, 0));
    check(&d, 1, "Forest School", HM(9, 0), HM(10, 0));
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
    check(&d, 0, "Library", HM(13, 10), HM(13, 30));
    check(&d, 0, "Maths", HM(13, 30), HM(14, 10));
    check(&d, 1, "Art Year 2 hall", HM(13, 10), HM(14, 10));
    assert_int_equal(d.nblocks, 3);
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
        check(&d, day, "Maths", HM(8, 30), HM(9, 0));
        check(&d, day, "Art", HM(9, 20), HM(10, 0));
    }
    check(&d, 4, "Doors Open", HM(8, 15), HM(8, 40));
    check(&d, 4, "Swimming", HM(8, 40), HM(9, 20));
    check(&d, 4, "Music", HM(9, 20), HM(10, 0));
    tt_doc_free(&d);
    tt_page_free(&page);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_days_as_rows),
        cmocka_unit_test(test_days_as_columns),
        cmocka_unit_test(test_list_with_heading_days),
        cmocka_unit_test(test_list_headings_per_section),
        cmocka_unit_test(test_list_unreadable_times),
        cmocka_unit_test(test_list_short_heading),
        cmocka_unit_test(test_no_timetable),
        cmocka_unit_test(test_broken_words),
        cmocka_unit_test(test_ocr_range_repair),
        cmocka_unit_test(test_ocr_header_times),
        cmocka_unit_test(test_small_codes),
        cmocka_unit_test(test_header_times_mended),
        cmocka_unit_test(test_unread_day_labels),
        cmocka_unit_test(test_header_spanning_columns),
        cmocka_unit_test(test_header_times_by_place),
        cmocka_unit_test(test_stacked_label_times),
        cmocka_unit_test(test_header_edge_times),
        cmocka_unit_test(test_label_per_day_in_merged_cell),
        cmocka_unit_test(test_timed_blocks_side_by_side),
        cmocka_unit_test(test_spaced_day_names),
        cmocka_unit_test(test_list_heading_misread),
        cmocka_unit_test(test_list_merged_rows),
        cmocka_unit_test(test_lists_side_by_side),
        cmocka_unit_test(test_lists_side_by_side_unread),
        cmocka_unit_test(test_day_columns_no_side_lists),
        cmocka_unit_test(test_wrapped_parentheses),
        cmocka_unit_test(test_sideways_band),
        cmocka_unit_test(test_printed_end_stands),
        cmocka_unit_test(test_broken_times),
        cmocka_unit_test(test_centred_band),
        cmocka_unit_test(test_list_unheaded_takes_other_days),
        cmocka_unit_test(test_side_lists_time_over_name),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

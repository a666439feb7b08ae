/* Proves: a born-digital timetable aligned by whitespace alone, whose only coloured cells
 * are one row of them (a break in each day's cell), is read as one table, every lesson
 * above and below that row included, though the fills alone make a small ruled table
 * of that row. With a lunch set on one coloured bar across all the days, taller than its
 * text, the bar's edges are its row's edges: lunch keeps the times its row prints rather
 * than a share of them. Days as rows on coloured cells under a header of times standing
 * apart above them, one period's cells split in two (each half printing its own time):
 * the period's time, across the split, is still the header's. A frame ruled only under
 * its header and after a column of row numbers, the times beside them and the days over
 * the other columns: each day's name, centred on its own column, is that column's
 * header, though no rule parts it from the times column. Days as rows ruled one cell
 * at a time, nothing upright, the day column's rules 85 points long, a register down all
 * the days beside them: the register is its own cell, not part of the days. A frame
 * with filled header and time cells and an unruled body of days: a break phrase centred
 * over the days (crossing one edge) and a lunch word centred over them (inside one
 * column, off its centre) are each every day's. A ruled cell holding two lessons
 * stacked, each with its own time (over or under its name), is two lessons. */
#include <cairo-pdf.h>
#include <cairo.h>
#include <math.h>
#include <pango/pangocairo.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <cmocka.h>

#include "core/sbuf.h"
#include "document/extract.h"
#include "document/pdf_internal.h"
#include "test_blocks.h"
#include "test_pdf_draw.h"

/* Ends the page cr drew into buf, and extracts the PDF's timeblocks into d. */
static void page_extract(cairo_t *cr, sbuf *buf, tt_doc *d)
{
    cairo_show_page(cr);
    size_t len = 0;
    char *pdf = pdf_end(cr, buf, &len);
    extract_pdf(pdf, len, d);
    free(pdf);
}

/* Text centred at (cx, cy), upright or set bottom-to-top. */
static void text(cairo_t *cr, const char *s, const char *font, double cx, double cy)
{
    pdf_text(cr, s, font, cx, cy, 0);
}

static void text_up(cairo_t *cr, const char *s, const char *font, double cx, double cy)
{
    pdf_text(cr, s, font, cx, cy, -90);
}

static const char *const days[] = {"Monday", "Tuesday", "Wednesday", "Thursday"};
static const char *const times[] = {"9:00-10:00", "10:00-10:15", "10:15-11:15", "11:15-12:00",
                                    "12:00-1:00pm"};
static const int starts[] = {9 * 60, 10 * 60, 10 * 60 + 15, 11 * 60 + 15, 12 * 60, 13 * 60};
static const char *const names[5][4] = {{"Maths", "English", "Science", "Art"},
                                        {"Break", "Break", "Break", "Break"},
                                        {"Reading", "History", "Music", "French"},
                                        {"Drama", "Phonics", "Writing", "Computing"},
                                        {"Geography", "Spelling", "Assembly", "Topic"}};

/* Extracts into d an A4 landscape page: a title, the days over four columns, the times
 * left of five rows, nothing ruled; the break row on a grey fill in each day's cell.
 * lunch: the fourth row is "Lunch" on one bar across the days, 40 points tall. */
static void extract_band_page(int lunch, tt_doc *d)
{
    sbuf buf = {0};
    cairo_t *cr = pdf_begin(&buf);
    cairo_set_source_rgb(cr, 0.75, 0.75, 0.75);
    for (int k = 0; k < 4; k++) {
        cairo_rectangle(cr, 200 + 150 * k, 200, 150, 30);
        cairo_fill(cr);
    }
    if (lunch) {
        cairo_rectangle(cr, 200, 300, 600, 40);
        cairo_fill(cr);
    }
    cairo_set_source_rgb(cr, 0, 0, 0);
    text(cr, "Our Timetable", "Sans Bold 14", 110, 50);
    for (int k = 0; k < 4; k++)
        text(cr, days[k], "Sans Bold 11", 275 + 150 * k, 110);
    static const double ys[] = {160, 215, 270, 320, 375};
    for (int r = 0; r < 5; r++) {
        text(cr, times[r], "Sans 10", 110, ys[r]);
        if (lunch && r == 3) {
            text(cr, "Lunch", "Sans Bold 11", 500, ys[r]);
            continue;
        }
        for (int k = 0; k < 4; k++)
            text(cr, names[r][k], "Sans 11", 275 + 150 * k, ys[r]);
    }
    page_extract(cr, &buf, d);
}

static void test_band_row_in_borderless_table(void **state)
{
    (void)state;
    for (int lunch = 0; lunch < 2; lunch++) {
        tt_doc d;
        extract_band_page(lunch, &d);
        for (int k = 0; k < 4; k++)
            for (int r = 0; r < 5; r++)
                tb_check(&d, k, lunch && r == 3 ? "Lunch" : names[r][k], starts[r], starts[r + 1]);
        if (d.nblocks != 20) {
            tb_print(&d);
            fail_msg("lunch %d: %zu blocks, wanted 20", lunch, d.nblocks);
        }
        tt_doc_free(&d);
    }
}

/* Three days as rows of coloured cells from y = 170, their times standing 40 points
 * above them; the 10:00-11:00 period's cells are two halves side by side, each with its
 * own time over its name. */
static void test_times_apart_over_split_column(void **state)
{
    (void)state;
    static const char *const period[3][3] = {
        {"Maths", "English", "Science"}, {"Art", "PE", NULL}, {"Reading", "History", "Music"}};
    sbuf buf = {0};
    cairo_t *cr = pdf_begin(&buf);
    static const double xs[] = {200, 350, 425, 500, 650};
    for (int r = 0; r < 3; r++)
        for (int k = 0; k < 4; k++) {
            cairo_set_source_rgb(cr, 0.8 + 0.05 * k, 0.9, 0.95 - 0.1 * r);
            cairo_rectangle(cr, xs[k], 170 + 60 * r, xs[k + 1] - xs[k], 60);
            cairo_fill(cr);
        }
    cairo_set_source_rgb(cr, 0, 0, 0);
    text(cr, "9:00-10:00", "Sans 10", 275, 130);
    text(cr, "10:00-11:00", "Sans 10", 425, 130);
    text(cr, "11:00-12:00", "Sans 10", 575, 130);
    for (int r = 0; r < 3; r++) {
        double y = 200 + 60 * r;
        text(cr, days[r], "Sans Bold 11", 110, y);
        text(cr, period[0][r], "Sans 10", 275, y);
        text(cr, "10:00-10:30", "Sans 6", 387.5, y - 8);
        text(cr, period[1][0], "Sans 10", 387.5, y + 6);
        text(cr, "10:30-11:00", "Sans 6", 462.5, y - 8);
        text(cr, period[1][1], "Sans 10", 462.5, y + 6);
        text(cr, period[2][r], "Sans 10", 575, y);
    }
    tt_doc d;
    page_extract(cr, &buf, &d);
    for (int r = 0; r < 3; r++) {
        tb_check(&d, r, period[0][r], 9 * 60, 10 * 60);
        tb_check(&d, r, period[1][0], 10 * 60, 10 * 60 + 30);
        tb_check(&d, r, period[1][1], 10 * 60 + 30, 11 * 60);
        tb_check(&d, r, period[2][r], 11 * 60, 12 * 60);
    }
    if (d.nblocks != 12) {
        tb_print(&d);
        fail_msg("%zu blocks, wanted 12", d.nblocks);
    }
    tt_doc_free(&d);
}

/* A frame ruled under its header and after the row numbers, nothing else; the times and
 * the days' lessons aligned in columns by whitespace alone. */
static void test_day_centred_beside_times(void **state)
{
    (void)state;
    static const char *const lessons[3][4] = {{"Maths", "English", "Science", "Art"},
                                              {"Reading", "History", "Music", "French"},
                                              {"Drama", "Phonics", "Writing", "Topic"}};
    sbuf buf = {0};
    cairo_t *cr = pdf_begin(&buf);
    cairo_set_source_rgb(cr, 0, 0, 0);
    cairo_set_line_width(cr, 1.3);
    cairo_rectangle(cr, 24, 70, 794, 280);
    cairo_move_to(cr, 24, 130);
    cairo_line_to(cr, 818, 130);
    cairo_move_to(cr, 64, 70);
    cairo_line_to(cr, 64, 350);
    cairo_stroke(cr);
    for (int k = 0; k < 4; k++)
        text(cr, days[k], "Sans 11", 260 + 150 * k, 100);
    for (int r = 0; r < 3; r++) {
        char num[4];
        snprintf(num, sizeof num, "%d", r + 1);
        double y = 170 + 70 * r;
        text(cr, num, "Sans 10", 44, y);
        text(cr, times[r == 0 ? 0 : r + 1], "Sans 10", 122, y);
        for (int k = 0; k < 4; k++)
            text(cr, lessons[r][k], "Sans 11", 260 + 150 * k, y);
    }
    tt_doc d;
    page_extract(cr, &buf, &d);
    static const int from[] = {9 * 60, 10 * 60 + 15, 11 * 60 + 15},
                     to[] = {10 * 60, 11 * 60 + 15, 12 * 60};
    for (int r = 0; r < 3; r++)
        for (int k = 0; k < 4; k++)
            tb_check(&d, k, lessons[r][k], from[r], to[r]);
    if (d.nblocks != 12) {
        tb_print(&d);
        fail_msg("%zu blocks, wanted 12", d.nblocks);
    }
    tt_doc_free(&d);
}

/* Text centred at (cx, cy), turned to read upwards (a name down a narrow column). */
/* A horizontal rule from x0 to x1 at y (one cell's edge). */
static void hrule(cairo_t *cr, double x0, double x1, double y)
{
    cairo_move_to(cr, x0, y);
    cairo_line_to(cr, x1, y);
    cairo_stroke(cr);
}

/* Five days as rows 85 points tall, ruled one cell at a time and nothing upright: the
 * day column's rules are 85 points long and it has no header cell; a register column
 * beside it is one cell down all the days ("Register" turned upright), then lessons,
 * and a break and a lunch, each one grey cell down the days. */
static void test_short_ruled_day_column(void **state)
{
    (void)state;
    static const double xs[] = {24,      108.758, 154.617, 270.715, 322.672, 397.883,
                                504.801, 538.078, 643.797, 749.359, 818};
    static const char *const head[] = {"9am-9:20am",     "9:20am-10:15am",  "10:15-10:30",
                                       "10:30am-11:30am", "11:30am-11:55am", "11:55am-12:50pm",
                                       "12:50pm-1:30pm",  "1:30pm-2pm",      "2pm-3pm"};
    static const int from[] = {9 * 60,      9 * 60 + 20, 10 * 60 + 15, 10 * 60 + 30, 11 * 60 + 30,
                               11 * 60 + 55, 12 * 60 + 50, 13 * 60 + 30, 14 * 60, 15 * 60};
    static const char *const lesson[6][5] = {
        {"Computing", "English", "Forest School", "Computing", "Music"},
        {"Phonics", "Reading", "RWI", "Writing", "Spelling"},
        {"Drama", "Times Tables", "Science", "Art", "Maths"},
        {"Intervention", "Science", "History", "Geography", "French"},
        {"Circle Time", "Mental Maths", "Topic", "Assembly", "Art"},
        {"Spanish", "Workshop", "Health", "Music", "PE"}};
    static const int lesson_col[6] = {2, 4, 5, 7, 8, 9}, day_cols[7] = {0, 2, 4, 5, 7, 8, 9};
    const double top = 67.875, body = 140.922, row = 85.314;
    sbuf buf = {0};
    cairo_t *cr = pdf_begin(&buf);
    cairo_set_source_rgb(cr, 0.75, 0.75, 0.75);
    cairo_rectangle(cr, xs[3], body, xs[4] - xs[3], 5 * row);
    cairo_rectangle(cr, xs[6], body, xs[7] - xs[6], 5 * row);
    cairo_fill(cr);
    cairo_set_source_rgb(cr, 0.33, 0.33, 0.33);
    cairo_set_line_width(cr, 0.92);
    cairo_rectangle(cr, 20, 22, 802, 35.7);
    cairo_stroke(cr);
    for (int k = 1; k < 10; k++) {
        hrule(cr, xs[k], xs[k + 1], top);
        hrule(cr, xs[k], xs[k + 1], body);
        hrule(cr, xs[k], xs[k + 1], body + 5 * row);
    }
    hrule(cr, xs[0], xs[1], body);
    for (int c = 0; c < 7; c++)
        for (int r = 1; r <= 5; r++)
            hrule(cr, xs[day_cols[c]], xs[day_cols[c] + 1], body + r * row);
    cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
    text(cr, "Timetable", "Serif Bold 16", 421, 40);
    for (int k = 1; k < 10; k++) {
        double cx = (xs[k] + xs[k + 1]) / 2, cy = (top + body) / 2;
        if (xs[k + 1] - xs[k] < 50)
            text_up(cr, head[k - 1], "Serif Bold 6", cx, cy);
        else
            text(cr, head[k - 1], "Serif Bold 6", cx, cy);
    }
    static const char *const dname[] = {"Mon", "Tues", "Wed", "Thurs", "Fri"};
    for (int r = 0; r < 5; r++) {
        double cy = body + (r + 0.5) * row;
        text(cr, dname[r], "Serif Bold 13", (xs[0] + xs[1]) / 2, cy);
        for (int c = 0; c < 6; c++)
            text(cr, lesson[c][r], "Serif 9", (xs[lesson_col[c]] + xs[lesson_col[c] + 1]) / 2, cy);
    }
    double mid = body + 2.5 * row;
    text_up(cr, "Register", "Serif 11", (xs[1] + xs[2]) / 2, mid);
    text_up(cr, "Morning Recess", "Serif 11", (xs[3] + xs[4]) / 2, mid);
    text_up(cr, "LUNCH", "Serif 11", (xs[6] + xs[7]) / 2, mid);
    tt_doc d;
    page_extract(cr, &buf, &d);
    for (int r = 0; r < 5; r++) {
        tb_check(&d, r, "Register", from[0], from[1]);
        tb_check(&d, r, "Morning Recess", from[2], from[3]);
        tb_check(&d, r, "LUNCH", from[5], from[6]);
        for (int c = 0; c < 6; c++) {
            int k = lesson_col[c] - 1;
            tb_check(&d, r, lesson[c][r], from[k], from[k + 1]);
        }
    }
    if (d.nblocks != 45) {
        tb_print(&d);
        fail_msg("%zu blocks, wanted 45", d.nblocks);
    }
    tt_doc_free(&d);
}

/* A frame ruled round, under its header and after the times; the header's cells and
 * each time's cell filled, the days' body unruled and unfilled. A break row holds one
 * phrase centred over the four days (across the middle edge), a lunch row one word
 * centred over them (inside the third day's column, well off its centre). */
static void test_break_centred_over_days(void **state)
{
    (void)state;
    static const double xs[] = {24, 146.457, 301.586, 457.543, 637.91, 818};
    static const double ys[] = {57, 101, 150, 180, 240, 280, 330};
    sbuf buf = {0};
    cairo_t *cr = pdf_begin(&buf);
    cairo_set_source_rgb(cr, 1, 0.95, 0.7);
    for (int k = 0; k < 5; k++) {
        cairo_rectangle(cr, xs[k], ys[0], xs[k + 1] - xs[k], ys[1] - ys[0]);
        cairo_fill(cr);
    }
    for (int r = 1; r < 6; r++) {
        cairo_rectangle(cr, xs[0], ys[r], xs[1] - xs[0], ys[r + 1] - ys[r]);
        cairo_fill(cr);
    }
    cairo_set_source_rgb(cr, 0.5, 0.5, 0.5);
    cairo_set_line_width(cr, 1);
    cairo_rectangle(cr, xs[0], ys[0], xs[5] - xs[0], ys[6] - ys[0]);
    cairo_stroke(cr);
    hrule(cr, xs[0], xs[5], ys[1]);
    cairo_move_to(cr, xs[1], ys[0]);
    cairo_line_to(cr, xs[1], ys[6]);
    cairo_stroke(cr);
    cairo_set_source_rgb(cr, 0, 0, 0);
    const double mid = (xs[1] + xs[5]) / 2;
    text(cr, "Time", "Sans Bold 8", (xs[0] + xs[1]) / 2, (ys[0] + ys[1]) / 2);
    for (int k = 0; k < 4; k++)
        text(cr, days[k], "Sans Bold 8", (xs[k + 1] + xs[k + 2]) / 2, (ys[0] + ys[1]) / 2);
    for (int r = 0; r < 5; r++) {
        double cy = (ys[r + 1] + ys[r + 2]) / 2;
        text(cr, times[r], "Sans 8", (xs[0] + xs[1]) / 2, cy);
        if (r == 1 || r == 3) {
            text(cr, r == 1 ? "Morning Recess" : "Lunch", "Sans 9", mid, cy);
            continue;
        }
        for (int k = 0; k < 4; k++)
            text(cr, names[r][k], "Sans 9", (xs[k + 1] + xs[k + 2]) / 2, cy);
    }
    tt_doc d;
    page_extract(cr, &buf, &d);
    for (int k = 0; k < 4; k++)
        for (int r = 0; r < 5; r++) {
            const char *name = r == 1 ? "Morning Recess" : r == 3 ? "Lunch" : names[r][k];
            tb_check(&d, k, name, starts[r], starts[r + 1]);
        }
    if (d.nblocks != 20) {
        tb_print(&d);
        fail_msg("%zu blocks, wanted 20", d.nblocks);
    }
    tt_doc_free(&d);
}

/* A ruled grid, three days as columns; the afternoon period's cells each hold two
 * lessons stacked, each with its own time, the time over the name on Monday and
 * Tuesday and under it on Wednesday. A cell printing a start time over its name and an
 * end time under it stays one lesson. */
static void test_two_lessons_stacked_in_cell(void **state)
{
    (void)state;
    static const char *const first[] = {"Writing", "Phonics", "Drama"},
                             *const second[] = {"Science", "Mental Maths", "Specialty Classes"};
    sbuf buf = {0};
    cairo_t *cr = pdf_begin(&buf);
    cairo_set_source_rgb(cr, 0, 0, 0);
    cairo_set_line_width(cr, 1);
    for (int r = 0; r < 3; r++)
        for (int k = 0; k < 4; k++)
            cairo_rectangle(cr, 100 + 150 * k, 100 + 80 * r, 150, 80);
    cairo_stroke(cr);
    for (int k = 0; k < 3; k++)
        text(cr, days[k], "Sans Bold 10", 325 + 150 * k, 140);
    text(cr, "9:00-10:00", "Sans 9", 175, 220);
    text(cr, "2:20-3:05pm", "Sans 9", 175, 300);
    for (int k = 0; k < 3; k++) {
        double cx = 325 + 150 * k;
        if (k == 0) {
            text(cr, "9:00", "Sans 7", cx, 200);
            text(cr, "Maths", "Sans 9", cx, 220);
            text(cr, "10:00", "Sans 7", cx, 240);
        } else
            text(cr, k == 1 ? "English" : "Art", "Sans 9", cx, 220);
        int up = k < 2; /* the time over the name */
        text(cr, "2:20-2:40pm", "Sans 7", cx, up ? 272 : 288);
        text(cr, first[k], "Sans 9", cx, up ? 284 : 274);
        text(cr, "2:40-3:05pm", "Sans 7", cx, up ? 306 : 322);
        text(cr, second[k], "Sans 9", cx, up ? 318 : 308);
    }
    tt_doc d;
    page_extract(cr, &buf, &d);
    tb_check(&d, 0, "Maths", 9 * 60, 10 * 60);
    tb_check(&d, 1, "English", 9 * 60, 10 * 60);
    tb_check(&d, 2, "Art", 9 * 60, 10 * 60);
    for (int k = 0; k < 3; k++) {
        tb_check(&d, k, first[k], 14 * 60 + 20, 14 * 60 + 40);
        tb_check(&d, k, second[k], 14 * 60 + 40, 15 * 60 + 5);
    }
    if (d.nblocks != 9) {
        tb_print(&d);
        fail_msg("%zu blocks, wanted 9", d.nblocks);
    }
    tt_doc_free(&d);
}

/* pdf_centred_in_column on a hand-built row of six lattice columns 100 points wide (the
 * times, then five days): a break word centred on the five days, in a cell an earlier
 * split cut after the third day, the rest of the row empty, is centred on its whole span
 * and no column parts it; a day's name centred on its column, in a header cell merged
 * with the times column, the next day's name beside it, is parted from the times; a
 * day's name centred on its header cell beside an empty corner is not parted. */
static void test_centred_word_in_cut_break(void **state)
{
    (void)state;
    int col_x[] = {0, 100, 200, 300, 400, 500, 600}, row_y[] = {0, 50};
    img_cell cut[] = {{.row = 0, .col = 0, .nrows = 1, .ncols = 1},
                      {.row = 0, .col = 1, .nrows = 1, .ncols = 3},
                      {.row = 0, .col = 4, .nrows = 1, .ncols = 2}};
    img_table tb = {.nrows = 1, .ncols = 6, .row_y = row_y, .col_x = col_x, .cells = cut,
                    .ncells = 3};
    pdf_cbox brk[] = {{.x0 = 30, .y0 = 20, .x1 = 70, .y1 = 30, .size = 10},   /* its time */
                      {.x0 = 330, .y0 = 20, .x1 = 370, .y1 = 30, .size = 10}}; /* "Lunch" */
    for (int q = 2; q <= 3; q++)
        assert_false(pdf_centred_in_column(brk, 2, &tb, 1.0f, &cut[1], q));
    img_cell head[] = {{.row = 0, .col = 0, .nrows = 1, .ncols = 2},
                       {.row = 0, .col = 2, .nrows = 1, .ncols = 1}};
    tb.cells = head, tb.ncells = 2;
    pdf_cbox heads[] = {{.x0 = 125, .y0 = 20, .x1 = 175, .y1 = 30, .size = 10},  /* "Monday" */
                       {.x0 = 225, .y0 = 20, .x1 = 275, .y1 = 30, .size = 10}}; /* "Tuesday" */
    assert_true(pdf_centred_in_column(heads, 2, &tb, 1.0f, &head[0], 1));
    /* a day's name centred on its header cell of three lattice columns (highlighted
     * times inside its body cells cut the column), the wide header corner beside it empty */
    int corner_x[] = {0, 150, 200, 300, 350};
    img_cell day[] = {{.row = 0, .col = 0, .nrows = 1, .ncols = 1},
                      {.row = 0, .col = 1, .nrows = 1, .ncols = 3}};
    tb.ncols = 4, tb.col_x = corner_x, tb.cells = day, tb.ncells = 2;
    pdf_cbox monday = {.x0 = 225, .y0 = 20, .x1 = 275, .y1 = 30, .size = 10};
    for (int q = 2; q <= 3; q++)
        assert_false(pdf_centred_in_column(&monday, 1, &tb, 1.0f, &day[1], q));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_band_row_in_borderless_table),
        cmocka_unit_test(test_times_apart_over_split_column),
        cmocka_unit_test(test_day_centred_beside_times),
        cmocka_unit_test(test_short_ruled_day_column),
        cmocka_unit_test(test_break_centred_over_days),
        cmocka_unit_test(test_two_lessons_stacked_in_cell),
        cmocka_unit_test(test_centred_word_in_cut_break),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

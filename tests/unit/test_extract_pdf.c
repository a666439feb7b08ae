/* Proves: the PDF reader on documents drawn here with cairo's PDF surface. A born-digital
 * timetable (stroked rules, text set with pango: days as rows, header times, a cell merged
 * across two columns, a cell merged down both days with text set bottom-to-top, a note in
 * smaller type, a header line with Teacher/Class, a second page without a timetable) is
 * read from its embedded text and vector rules into exactly the right timeblocks, with
 * no OCR engine at all. The same grid drawn with thin filled rectangles instead of
 * strokes gives the same answer. The same timetable as a 150 dpi picture on the page (a
 * scan) is read by OCR at the picture's own resolution. Two lists side by side keep their
 * own days, whether on coloured panels, as plain text, inside one frame around both, or
 * ruled in rows drawn one cell at a time, or as plain text beside a panelled one, and the
 * footer's unlabelled header fields are read. A grid ruled in rows with one column rule
 * (after the day names) gets its other columns from the gaps in each column's text, a
 * word set down a Break column across every day keeping it one cell; a grid of coloured
 * cells with its times standing 45 points above them (one set bottom-to-top, reaching
 * further up) keeps the times as its header, and day names standing above coloured
 * cells are theirs, under a title across their columns too, and as letters ("Tu"); two
 * blocks side by side in one ruled cell are two cells, timed by where their centring
 * parts them; rows ruled one cell at a time with no column rule, the times under an
 * empty corner and the first row split in two, keep the times' column apart in every
 * row, the header's corner included; a note told from its name by colour alone, and a
 * lower-case one only a little smaller, are notes. Hostile and
 * broken files are refused with a clear status within bounded time: garbage after "%PDF", a
 * truncated file, a page tree claiming 10,000 pages, and a real 60-page document. */
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
#include <string.h>
#include <cmocka.h>

#include "core/sbuf.h"
#include "document/extract.h"
#include "test_blocks.h"
#include "test_pdf_draw.h"

/* A rule from (x0, y0) to (x1, y1): stroked, or a thin filled rectangle. */
static void rule(cairo_t *cr, int filled, double x0, double y0, double x1, double y1)
{
    if (filled) {
        cairo_rectangle(cr, x0 - 0.5, y0 - 0.5, x1 - x0 + 1, y1 - y0 + 1);
        cairo_fill(cr);
    } else {
        cairo_move_to(cr, x0, y0);
        cairo_line_to(cr, x1, y1);
        cairo_stroke(cr);
    }
}

/* The timetable, on an A4 landscape page (points):
 *
 *            | 9:00-10:00 | 10:00-11:00 | 11:00-12:00 | 12:00-12:30 |
 *   Monday   |        Maths (both)      | Art         |      L      |
 *   Tuesday  | Science    | Music       | History     |      U ...  |
 *                           (Room 4)
 * "Lunch" is set bottom-to-top in a cell merged down both days. Page 2: prose only. */
static void draw_timetable(cairo_t *cr, int filled_rules)
{
    cairo_set_source_rgb(cr, 0, 0, 0);
    cairo_set_line_width(cr, 1);
    pdf_text(cr, "Teacher: Miss Smith   Class: 4B   Term: Autumn 2024", "Sans 12", 421, 40, 0);
    const double xs[] = {60, 180, 320, 460, 600, 700};
    const double ys[] = {80, 130, 210, 290};
    for (int i = 0; i < 4; i++) {
        /* the row rule between Monday and Tuesday stops at the merged Lunch cell */
        double x1 = i == 2 ? xs[4] : xs[5];
        rule(cr, filled_rules, xs[0], ys[i], x1, ys[i]);
    }
    for (int i = 0; i < 6; i++) {
        if (i == 2) { /* Maths spans two columns on Monday: no rule there */
            rule(cr, filled_rules, xs[i], ys[0], xs[i], ys[1]);
            rule(cr, filled_rules, xs[i], ys[2], xs[i], ys[3]);
            continue;
        }
        rule(cr, filled_rules, xs[i], ys[0], xs[i], ys[3]);
    }
    const char *times[] = {"9:00-10:00", "10:00-11:00", "11:00-12:00", "12:00-12:30"};
    for (int i = 0; i < 4; i++)
        pdf_text(cr, times[i], "Sans 11", (xs[i + 1] + xs[i + 2]) / 2, 105, 0);
    pdf_text(cr, "Monday", "Sans Bold 12", 120, 170, 0);
    pdf_text(cr, "Tuesday", "Sans Bold 12", 120, 250, 0);
    pdf_text(cr, "Maths", "Sans 13", (xs[1] + xs[3]) / 2, 170, 0);
    pdf_text(cr, "Art", "Sans 13", (xs[3] + xs[4]) / 2, 170, 0);
    pdf_text(cr, "Science", "Sans 13", (xs[1] + xs[2]) / 2, 250, 0);
    pdf_text(cr, "Music", "Sans 13", (xs[2] + xs[3]) / 2, 242, 0);
    pdf_text(cr, "(Room 4)", "Sans 9", (xs[2] + xs[3]) / 2, 262, 0);
    pdf_text(cr, "History", "Sans 13", (xs[3] + xs[4]) / 2, 250, 0);
    pdf_text(cr, "Lunch", "Sans 13", (xs[4] + xs[5]) / 2, 210, -90);
}

static char *draw_pdf(int filled_rules, size_t *len)
{
    sbuf b = {0};
    cairo_t *cr = pdf_begin(&b);
    draw_timetable(cr, filled_rules);
    cairo_show_page(cr);
    pdf_text(cr, "Notes for parents: bring a coat on Fridays.", "Sans 12", 421, 100, 0);
    cairo_show_page(cr);
    return pdf_end(cr, &b, len);
}

static void check(const tt_doc *d, int day, const char *name, int start, int end, const char *notes)
{
    const tt_block *b = tb_get(d, day, name);
    assert_int_equal(b->start, start);
    assert_int_equal(b->end, end);
    if (notes)
        assert_string_equal(b->notes ? b->notes : "(null)", notes);
    else
        assert_null(b->notes);
    assert_int_not_equal(b->bbox.w, 0);
}

static void check_answer(const tt_doc *d)
{
    assert_int_equal(d->nblocks, 7);
    check(d, 0, "Maths", 9 * 60, 11 * 60, NULL);
    check(d, 0, "Art", 11 * 60, 12 * 60, NULL);
    check(d, 1, "Science", 9 * 60, 10 * 60, NULL);
    check(d, 1, "Music", 10 * 60, 11 * 60, "(Room 4)");
    check(d, 1, "History", 11 * 60, 12 * 60, NULL);
    check(d, 0, "Lunch", 12 * 60, 12 * 60 + 30, NULL);
    check(d, 1, "Lunch", 12 * 60, 12 * 60 + 30, NULL);
    assert_string_equal(d->teacher, "Miss Smith");
    assert_string_equal(d->class_name, "4B");
    assert_int_equal(d->year, 2024);
}

static void test_born_digital(void **state)
{
    (void)state;
    for (int filled = 0; filled <= 1; filled++) {
        size_t len = 0;
        char *pdf = draw_pdf(filled, &len);
        tt_doc d;
        extract_pdf(pdf, len, &d);
        /* Lunch spans both rows of one column: its two days count once per day */
        size_t lunch = 0;
        for (size_t i = 0; i < d.nblocks; i++)
            lunch += strcmp(d.blocks[i].name, "Lunch") == 0;
        assert_int_equal(lunch, 2);
        check_answer(&d);
        for (size_t i = 0; i < d.nblocks; i++) {
            assert_float_equal(d.blocks[i].confidence, 1.0, 1e-6); /* exact text */
            assert_int_equal(d.blocks[i].bbox.page, 1);
        }
        tt_doc_free(&d);
        free(pdf);
    }
}

double pdf_render_scale(double width, double height, double image_ppp); /* TESTABLE */

/* The timetable as a scanner writes it: drawn into a 150 dpi picture, which is the whole
 * content of an A4 page (cairo's PDF surface keeps the picture's own pixels). No text
 * layer: the page is rendered at the picture's resolution and read by OCR. */
static void test_scanned(void **state)
{
    (void)state;
    const double dpi = 150, k = dpi / 72;
    cairo_surface_t *img =
        cairo_image_surface_create(CAIRO_FORMAT_RGB24, (int)(842 * k), (int)(595 * k));
    cairo_t *cr = cairo_create(img);
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_paint(cr);
    cairo_scale(cr, k, k);
    draw_timetable(cr, 0);
    cairo_destroy(cr);
    sbuf b = {0};
    cr = pdf_begin(&b);
    cairo_scale(cr, 1 / k, 1 / k);
    cairo_set_source_surface(cr, img, 0, 0);
    cairo_paint(cr);
    cairo_show_page(cr);
    size_t len = 0;
    char *pdf = pdf_end(cr, &b, &len);
    cairo_surface_destroy(img);
    tt_doc d;
    extract_pdf(pdf, len, &d);
    /* OCR: the upright lessons with their header times, boxes back on the page */
    check(&d, 0, "Maths", 9 * 60, 11 * 60, NULL);
    check(&d, 0, "Art", 11 * 60, 12 * 60, NULL);
    check(&d, 1, "Science", 9 * 60, 10 * 60, NULL);
    check(&d, 1, "History", 11 * 60, 12 * 60, NULL);
    const tt_block *art = tb_get(&d, 0, "Art");
    assert_true(art->bbox.x > 460 - 10 && art->bbox.x + art->bbox.w < 600 + 10);
    tt_doc_free(&d);
    free(pdf);

    /* the scale: the picture's own pixels; a coarse one enlarged to 100 dpi; a page drawn
     * as vectors at 200 dpi; never past the pixel cap */
    assert_float_equal(pdf_render_scale(842, 595, k), k, 1e-9);
    assert_float_equal(pdf_render_scale(842, 595, 0.5), 100.0 / 72, 1e-9);
    assert_float_equal(pdf_render_scale(842, 595, 0), 200.0 / 72, 1e-6);
    double big = pdf_render_scale(842, 595, 20);
    assert_true(842 * 595 * big * big <= 16000000.0 * 1.0001 && big < 20);
}

/* Lists side by side, without a rule between them: "Schedule / Monday, Wednesday" and
 * "Schedule / Tuesday", each a column of names beside a column of times, and a footer
 * "Year 3 · Mr Taylor · Autumn 1 2023" under them. Every list keeps its own days, drawn
 * in five styles: on coloured panels taller than a quarter of the page; on compact ones
 * (a fill the size of a cell that holds a list); as plain text with nothing behind it;
 * inside one frame drawn around the title and both lists; the first on a panel and the
 * second under a boxed heading, ruled in rows only, each row's rule drawn in pieces, one
 * per cell; the first on a panel and the second as plain text beside it; as plain text
 * set so close that the strip between the lists is narrower than the one inside each,
 * between its names and its times. */
enum {
    LISTS_PANELS,
    LISTS_COMPACT,
    LISTS_PLAIN,
    LISTS_FRAMED,
    LISTS_PIECES,
    LISTS_BESIDE,
    LISTS_TIGHT,
    LISTS_STYLES
};

static char *draw_lists(int style, size_t *len)
{
    static const char *const names[2][5] = {{"Maths", "Phonics", "Break", "Science", "Art"},
                                            {"English", "Music", "Recess", "History", "PE"}};
    static const char *const times[5] = {"9:00 - 9:45am", "9:45 - 10:30am", "10:30 - 10:45am",
                                         "10:45 - 11:30am", "11:30 - 12:00pm"};
    int compact = style == LISTS_COMPACT;
    sbuf b = {0};
    cairo_t *cr = pdf_begin(&b);
    pdf_text(cr, "Oak Class Timetable", "Sans Bold 16", 421, 30, 0);
    double pitch = compact ? 32 : 60, top = 60, height = 70 + 5 * pitch;
    if (style == LISTS_FRAMED) {
        cairo_set_source_rgb(cr, 0, 0, 0);
        cairo_set_line_width(cr, 1);
        cairo_rectangle(cr, 20, 10, 802, top + height + 10);
        cairo_stroke(cr);
        rule(cr, 0, 20, 50, 822, 50);
    }
    for (int l = 0; l < 2; l++) {
        int tight = style == LISTS_TIGHT;
        double x0 = tight ? 40 + l * 385 : 40 + l * 400, w = compact ? 330 : tight ? 380 : 360;
        if (style <= LISTS_COMPACT ||
            ((style == LISTS_PIECES || style == LISTS_BESIDE) && l == 0)) {
            cairo_set_source_rgb(cr, l ? 0.85 : 0.98, l ? 0.92 : 0.85, l ? 0.98 : 0.8);
            cairo_rectangle(cr, x0, top, w, height);
            cairo_fill(cr);
        }
        if (style == LISTS_PIECES && l == 1) {
            cairo_set_source_rgb(cr, 0, 0, 0);
            cairo_set_line_width(cr, 0.5);
            cairo_rectangle(cr, x0, top, w, 50);
            cairo_stroke(cr);
        }
        cairo_set_source_rgb(cr, 0.1, 0.1, 0.3);
        pdf_text(cr, "Schedule", "Sans Bold 13", x0 + w / 2, top + 18, 0);
        pdf_text(cr, l ? "Tuesday" : "Monday, Wednesday", "Sans 10", x0 + w / 2, top + 38, 0);
        for (int i = 0; i < 5; i++) {
            double y = top + 75 + i * pitch;
            pdf_text(cr, names[l][i], "Sans 11", x0 + w * (tight ? 0.15 : 0.3), y, 0);
            pdf_text(cr, times[i], "Sans 9", x0 + w * (tight ? 0.9 : 0.78), y, 0);
            if (style != LISTS_PIECES || l == 0) continue;
            /* the rule over each row, one piece per cell; and one under the last */
            cairo_set_line_width(cr, 0.5);
            for (int k = 0; k <= (i == 4); k++) {
                double ry = y - pitch / 2 + k * pitch;
                rule(cr, 0, x0, ry, x0 + w * 0.6, ry);
                rule(cr, 0, x0 + w * 0.6, ry, x0 + w, ry);
            }
        }
    }
    cairo_set_source_rgb(cr, 0, 0, 0);
    pdf_text(cr, "Year 3 \xc2\xb7 Mr Taylor \xc2\xb7 Autumn 1 2023", "Sans 10", 421, top + height + 40,
         0);
    cairo_show_page(cr);
    return pdf_end(cr, &b, len);
}

static void test_lists_side_by_side(void **state)
{
    (void)state;
    for (int style = 0; style < LISTS_STYLES; style++) {
        size_t len = 0;
        char *pdf = draw_lists(style, &len);
        tt_doc d;
        extract_pdf(pdf, len, &d);
        if (d.nblocks != 15) {
            for (size_t i = 0; i < d.nblocks; i++)
                print_message("  %d %s\n", d.blocks[i].day, d.blocks[i].name);
            fail_msg("style %d: %zu blocks, wanted 15", style, d.nblocks);
        }
        for (int day = 0; day <= 2; day += 2) {
            check(&d, day, "Maths", 9 * 60, 9 * 60 + 45, NULL);
            check(&d, day, "Break", 10 * 60 + 30, 10 * 60 + 45, NULL);
            check(&d, day, "Art", 11 * 60 + 30, 12 * 60, NULL);
        }
        check(&d, 1, "English", 9 * 60, 9 * 60 + 45, NULL);
        check(&d, 1, "History", 10 * 60 + 45, 11 * 60 + 30, NULL);
        check(&d, 1, "PE", 11 * 60 + 30, 12 * 60, NULL);
        assert_null(tb_find(&d, 1, "Maths"));
        assert_null(tb_find(&d, 0, "English"));
        /* the footer's unlabelled header fields */
        assert_string_equal(d.teacher ? d.teacher : "(none)", "Mr Taylor");
        assert_string_equal(d.class_name ? d.class_name : "(none)", "Year 3");
        assert_string_equal(d.term ? d.term : "(none)", "Autumn 1");
        assert_int_equal(d.year, 2023);
        tt_doc_free(&d);
        free(pdf);
    }
}

/* Days as rows in two styles the lattice alone does not cut (A4 landscape, points):
 *   - ruled in rows only, row rules stopping at a grey Break column (text set down the
 *     page) and one column rule, after the day names: the other columns come from the
 *     gaps in each column's text, and Break stays one cell down every day;
 *   - no rule at all, every lesson a coloured cell, the times 45 points above the cells
 *     (a tall header row with no rule): the times are still the header row.
 *   - a frame, and inside it only the header row's cells ruled, the body bare (but for
 *     the Break column's fill), Tuesday's PE running over the last period too: rows and
 *     columns come from the text, the header's rules kept as the columns' edges.
 * Monday's Science has a note in the title's size and another colour, Tuesday's Drama a
 * lower-case note in slightly smaller type.
 *              9:00-10:00 | 10:00-11:00 | 11:00-11:15 | 11:15-12:15 | 12:15-1:00pm
 *   Monday     Maths      | English     |      B      | Science     | Art
 *   Tuesday    Music      | History     |      r ...  | PE          | Drama
 *   Wednesday  Reading    | Writing     |             | Geography   | French */
static const char *const grid_names[4][4] = {{"Maths", "English", "Science", "Art"},
                                             {"Music", "History", "PE", "Drama"},
                                             {"Reading", "Writing", "Geography", "French"},
                                             {"Spelling", "Computing", "Phonics", "Singing"}};
static const char *const grid_notes[4][4] = {{NULL, NULL, "Room 12", NULL},
                                             {NULL, NULL, NULL, "bring kit"},
                                             {NULL, NULL, NULL, NULL},
                                             {NULL, NULL, NULL, NULL}};
static const int grid_times[6] = {9 * 60, 10 * 60, 11 * 60, 11 * 60 + 15, 12 * 60 + 15, 13 * 60};

enum { GRID_ROWS, GRID_FILLS, GRID_HEADER_RULED, GRID_STYLES };

/* Whether Tuesday's PE runs on over the last period too (GRID_HEADER_RULED). */
static int pe_spans(int style, int r, int k)
{
    return style == GRID_HEADER_RULED && r == 1 && k >= 3;
}

static char *draw_grid(int style, size_t *len)
{
    int fills = style == GRID_FILLS;
    static const double xs[] = {60, 160, 280, 400, 490, 610, 730};
    static const double ys[] = {100, 160, 220, 280, 340};
    static const char *const times[] = {"9:00-10:00", "10:00-11:00", "11:00-11:15", "11:15-12:15",
                                        "12:15-1:00pm"};
    static const char *const days[] = {"Monday", "Tuesday", "Wednesday", "Thursday"};
    sbuf b = {0};
    cairo_t *cr = pdf_begin(&b);
    cairo_set_line_width(cr, 1);
    cairo_set_source_rgb(cr, 0.7, 0.7, 0.7);
    cairo_rectangle(cr, xs[3], ys[0], xs[4] - xs[3], ys[4] - ys[0]);
    cairo_fill(cr);
    for (int r = 0; r < 4; r++)
        for (int k = 0; fills && k < 5; k++) {
            if (k == 2) continue;
            cairo_set_source_rgb(cr, 0.8 + 0.04 * k, 0.9, 0.95 - 0.05 * r);
            cairo_rectangle(cr, xs[k + 1], ys[r], xs[k + 2] - xs[k + 1], ys[r + 1] - ys[r]);
            cairo_fill(cr);
        }
    cairo_set_source_rgb(cr, 0, 0, 0);
    if (style == GRID_ROWS) {
        for (int r = 0; r < 5; r++) {
            rule(cr, 0, xs[0], ys[r], xs[3], ys[r]);
            rule(cr, 0, xs[4], ys[r], xs[6], ys[r]);
        }
        rule(cr, 0, xs[1], ys[0], xs[1], ys[4]);
    } else if (style == GRID_HEADER_RULED) { /* a frame; inside it the header's cells alone */
        cairo_rectangle(cr, xs[0], ys[0] - 30, xs[6] - xs[0], ys[4] - ys[0] + 30);
        cairo_stroke(cr);
        rule(cr, 0, xs[1], ys[0], xs[6], ys[0]);
        for (int k = 1; k <= 6; k++)
            rule(cr, 0, xs[k], ys[0] - 30, xs[k], ys[0]);
    }
    /* with fills, the last time is set bottom-to-top, reaching past 6 em above the cells
     * (no neighbour on its right to take its end from) */
    for (int k = 0; k < 5; k++)
        pdf_text(cr, times[k], "Sans 8", (xs[k + 1] + xs[k + 2]) / 2,
             fills ? ys[0] - (k == 4 ? 70 : 45) : ys[0] - 12, fills && k == 4 ? -90 : 0);
    for (int r = 0; r < 4; r++) {
        double y = (ys[r] + ys[r + 1]) / 2;
        pdf_text(cr, days[r], "Sans Bold 11", (xs[0] + xs[1]) / 2, y, 0);
        for (int k = 0, e = 0; k < 5; k++) {
            if (k == 2 || (pe_spans(style, r, k) && k == 4)) continue;
            const char *note = pe_spans(style, r, k) ? NULL : grid_notes[r][e];
            double x = pe_spans(style, r, k) ? xs[k + 2] : (xs[k + 1] + xs[k + 2]) / 2;
            pdf_text(cr, grid_names[r][e++], "Sans 11", x, note ? y - 8 : y, 0);
            if (!note) continue;
            /* Monday's note only by its colour, Tuesday's a little smaller, lower-case */
            if (r == 0) cairo_set_source_rgb(cr, 0.12, 0.3, 0.6);
            pdf_text(cr, note, r == 0 ? "Sans 11" : "Sans 9.5", x, y + 8, 0);
            cairo_set_source_rgb(cr, 0, 0, 0);
        }
    }
    pdf_text(cr, "Break", "Sans Bold 12", (xs[3] + xs[4]) / 2, (ys[0] + ys[4]) / 2, -90);
    cairo_show_page(cr);
    return pdf_end(cr, &b, len);
}

static void test_grid_styles(void **state)
{
    (void)state;
    for (int style = 0; style < GRID_STYLES; style++) {
        size_t len = 0;
        char *pdf = draw_grid(style, &len);
        tt_doc d;
        extract_pdf(pdf, len, &d);
        size_t want = style == GRID_HEADER_RULED ? 19 : 20;
        if (d.nblocks != want) {
            for (size_t i = 0; i < d.nblocks; i++)
                print_message("  %d %s\n", d.blocks[i].day, d.blocks[i].name);
            fail_msg("style %d: %zu blocks, wanted %zu", style, d.nblocks, want);
        }
        for (int day = 0; day < 4; day++) {
            for (int k = 0, ev = 0; k < 5; k++) {
                if (pe_spans(style, day, k)) { /* one block over the last two periods */
                    if (k == 3)
                        check(&d, day, grid_names[day][2], grid_times[3], grid_times[5], NULL);
                    continue;
                }
                const char *name = k == 2 ? "Break" : grid_names[day][ev];
                const char *note = k == 2 ? NULL : grid_notes[day][ev++];
                check(&d, day, name, grid_times[k], grid_times[k + 1], note);
            }
        }
        tt_doc_free(&d);
        free(pdf);
    }
}

/* A ruled grid whose Monday 9-10 cell holds two blocks side by side with no rule between
 * them, each centred in its part: "PE" over "Hall" and "Music" over "Room 4" (a 2:1 split),
 * while Tuesday's "Art" fills the hour; and a rotated word with a time beside a two-line
 * block in the next column's Monday cell. Each block is a cell of its own, timed by where
 * the parts meet; Tuesday's cells stay whole. */
static void test_split_cells_side_by_side(void **state)
{
    (void)state;
    static const double xs[] = {60, 160, 400, 640}, ys[] = {100, 140, 220, 300};
    sbuf buf = {0};
    cairo_t *cr = pdf_begin(&buf);
    cairo_set_source_rgb(cr, 0, 0, 0);
    cairo_set_line_width(cr, 1);
    for (int i = 0; i < 4; i++) {
        rule(cr, 0, xs[0], ys[i], xs[3], ys[i]);
        rule(cr, 0, xs[i], ys[0], xs[i], ys[3]);
    }
    pdf_text(cr, "9:00-10:00", "Sans 11", (xs[1] + xs[2]) / 2, 120, 0);
    pdf_text(cr, "10:00-11:00", "Sans 11", (xs[2] + xs[3]) / 2, 120, 0);
    pdf_text(cr, "Monday", "Sans Bold 12", 110, 180, 0);
    pdf_text(cr, "Tuesday", "Sans Bold 12", 110, 260, 0);
    double third = (xs[2] - xs[1]) / 3; /* PE takes 40 minutes, Music 20 */
    pdf_text(cr, "PE", "Sans 12", xs[1] + third, 172, 0);
    pdf_text(cr, "Hall", "Sans 9", xs[1] + third, 190, 0);
    pdf_text(cr, "Music", "Sans 12", xs[2] - third / 2, 172, 0);
    pdf_text(cr, "Room 4", "Sans 9", xs[2] - third / 2, 190, 0);
    pdf_text(cr, "10:00-10:30", "Sans 8", xs[2] + 12, 180, -90);
    pdf_text(cr, "Choir", "Sans 12", xs[2] + 28, 180, -90);
    pdf_text(cr, "10:30-11:00", "Sans 10", (xs[2] + xs[3]) / 2 + 30, 170, 0);
    pdf_text(cr, "Drama", "Sans 12", (xs[2] + xs[3]) / 2 + 30, 188, 0);
    pdf_text(cr, "Art", "Sans 12", (xs[1] + xs[2]) / 2, 260, 0);
    pdf_text(cr, "Maths", "Sans 12", (xs[2] + xs[3]) / 2, 260, 0);
    cairo_show_page(cr);
    size_t len = 0;
    char *pdf = pdf_end(cr, &buf, &len);
    tt_doc d;
    extract_pdf(pdf, len, &d);
    check(&d, 0, "PE", 9 * 60, 9 * 60 + 40, "Hall");
    check(&d, 0, "Music", 9 * 60 + 40, 10 * 60, "Room 4");
    check(&d, 0, "Choir", 10 * 60, 10 * 60 + 30, NULL);
    check(&d, 0, "Drama", 10 * 60 + 30, 11 * 60, NULL);
    check(&d, 1, "Art", 9 * 60, 10 * 60, NULL);
    check(&d, 1, "Maths", 10 * 60, 11 * 60, NULL);
    assert_int_equal(d.nblocks, 6);
    tt_doc_free(&d);
    free(pdf);
}

/* Days as columns on coloured cells, their names standing 2.5 em above the cells, the
 * times left of them: the names are the header row, each over its own column. Style 1
 * adds a title over the columns above them, style 2 prints the days as letters ("M",
 * "Tu", "W") under that title: the title, across the column edges, stops the header
 * above the letters and is no part of it. */
static void test_days_standing_apart(void **state)
{
    (void)state;
    static const char *const days[2][3] = {{"Monday", "Tuesday", "Wednesday"}, {"M", "Tu", "W"}};
    static const char *const names[2][3] = {{"Maths", "Art", "Music"},
                                            {"Reading", "Science", "Drama"}};
    static const char *const times[] = {"9:00-10:00", "10:00-11:00"};
    for (int style = 0; style < 3; style++) {
        sbuf buf = {0};
        cairo_t *cr = pdf_begin(&buf);
        for (int r = 0; r < 2; r++)
            for (int k = 0; k < 3; k++) {
                cairo_set_source_rgb(cr, 0.85, 0.9 - 0.05 * k, 0.95 - 0.1 * r);
                cairo_rectangle(cr, 200 + 150 * k, 150 + 80 * r, 150, 80);
                cairo_fill(cr);
            }
        cairo_set_source_rgb(cr, 0, 0, 0);
        if (style) pdf_text(cr, "Weekly Timetable", "Sans Bold 14", 425, 80, 0);
        for (int k = 0; k < 3; k++)
            pdf_text(cr, days[style == 2][k], "Sans Bold 11", 275 + 150 * k, 112, 0);
        for (int r = 0; r < 2; r++) {
            pdf_text(cr, times[r], "Sans 10", 130, 190 + 80 * r, 0);
            for (int k = 0; k < 3; k++)
                pdf_text(cr, names[r][k], "Sans 11", 275 + 150 * k, 190 + 80 * r, 0);
        }
        cairo_show_page(cr);
        size_t len = 0;
        char *pdf = pdf_end(cr, &buf, &len);
        tt_doc d;
        extract_pdf(pdf, len, &d);
        for (int k = 0; k < 3; k++)
            for (int r = 0; r < 2; r++)
                check(&d, k, names[r][k], (9 + r) * 60, (10 + r) * 60, NULL);
        assert_int_equal(d.nblocks, 6);
        tt_doc_free(&d);
        free(pdf);
    }
}

/* Rows ruled across the page and no column rule, the day names over a rule drawn over
 * the day columns alone, the times in a column left of them under an empty corner, and
 * Monday's first row split in two by a short rule: the gap left of Monday is a column's
 * edge in every row, the header's corner included, though the table's first (half) row
 * holds text on its right only. */
static void test_rows_only_corner(void **state)
{
    (void)state;
    static const char *const days[] = {"Monday", "Tuesday", "Wednesday"};
    static const char *const names[3][3] = {{"Reading", "Art", "Music"},
                                            {"English", "Science", "Drama"},
                                            {"History", "French", "Computing"}};
    static const char *const times[] = {"9:00-10:00", "10:00-11:00", "11:00-12:00"};
    sbuf buf = {0};
    cairo_t *cr = pdf_begin(&buf);
    cairo_set_source_rgb(cr, 0, 0, 0);
    cairo_set_line_width(cr, 1);
    for (int k = 0; k < 3; k++)
        rule(cr, 0, 200 + 150 * k, 112, 350 + 150 * k, 112);
    for (int r = 0; r <= 3; r++) /* each cell's border on its own, as word processors do */
        for (int k = 0; k < 4; k++)
            rule(cr, 0, k ? 50 + 150.0 * k : 60, 140 + 70.0 * r, 200 + 150.0 * k, 140 + 70.0 * r);
    rule(cr, 0, 190, 175, 360, 175);
    for (int k = 0; k < 3; k++)
        pdf_text(cr, days[k], "Sans Bold 11", 275 + 150 * k, 127, 0);
    for (int r = 0; r < 3; r++) {
        pdf_text(cr, times[r], "Sans Bold 10", 130, 175 + 70 * r, 0);
        for (int k = 0; k < 3; k++)
            if (r || k) pdf_text(cr, names[r][k], "Sans 11", 275 + 150 * k, 175 + 70 * r, 0);
    }
    pdf_text(cr, "Reading", "Sans 9", 275, 158, 0);
    pdf_text(cr, "Phonics", "Sans 9", 275, 192, 0);
    cairo_show_page(cr);
    size_t len = 0;
    char *pdf = pdf_end(cr, &buf, &len);
    tt_doc d;
    extract_pdf(pdf, len, &d);
    for (int k = 0; k < 3; k++)
        for (int r = 0; r < 3; r++)
            if (r || k) check(&d, k, names[r][k], (9 + r) * 60, (10 + r) * 60, NULL);
    check(&d, 0, "Reading", 9 * 60, 9 * 60 + 30, NULL);
    check(&d, 0, "Phonics", 9 * 60 + 30, 10 * 60, NULL);
    assert_int_equal(d.nblocks, 10);
    tt_doc_free(&d);
    free(pdf);
}

/* A panel for one day: its heading ruled off, then numbered rows with no rule between
 * them, set 20 points apart in a 13-point number (pango's 10 at 96 dpi), so the boxes of
 * neighbouring rows nearly touch; one row holds a lesson and a note. Each row is a row. */
static void test_close_rows(void **state)
{
    (void)state;
    static const char *const names[] = {"Reading", "Maths", "Art", "Science", "Music", "Drama"};
    sbuf buf = {0};
    cairo_t *cr = pdf_begin(&buf);
    cairo_set_source_rgb(cr, 0, 0, 0);
    cairo_set_line_width(cr, 1);
    cairo_rectangle(cr, 100, 80, 400, 190);
    cairo_stroke(cr);
    rule(cr, 0, 100, 125, 500, 125);
    pdf_text(cr, "Timetable", "Serif Bold 11", 300, 95, 0);
    pdf_text(cr, "Monday", "Serif 8", 300, 113, 0);
    for (int r = 0; r < 6; r++) {
        char num[4], when[32];
        snprintf(num, sizeof num, "%d", r + 1);
        snprintf(when, sizeof when, "%d:00-%d:45", 8 + r, 8 + r);
        double y = 140 + 20 * r;
        pdf_text(cr, num, "Serif 10", 115, y, 0);
        pdf_text(cr, when, "Serif 5.5", 200, y, 0);
        pdf_text(cr, names[r], "Serif 7.5", 380, r == 2 ? y - 3 : y, 0);
    }
    pdf_text(cr, "Room 4", "Serif 4.5", 380, 185, 0);
    cairo_show_page(cr);
    size_t len = 0;
    char *pdf = pdf_end(cr, &buf, &len);
    tt_doc d;
    extract_pdf(pdf, len, &d);
    for (int r = 0; r < 6; r++)
        check(&d, 0, names[r], (8 + r) * 60, (8 + r) * 60 + 45, r == 2 ? "Room 4" : NULL);
    assert_int_equal(d.nblocks, 6);
    tt_doc_free(&d);
    free(pdf);
}

static void expect_refused(const char *what, const char *data, size_t len, ap_status want,
                           const char *words)
{
    tt_doc d;
    ap_error e = {0};
    ap_status st = tt_extract_bytes((const unsigned char *)data, len, NULL, &d, &e);
    if (st != want)
        fail_msg("%s: status %s (%s), wanted %s", what, ap_status_str(st), e.msg,
                 ap_status_str(want));
    if (!strstr(e.msg, words)) fail_msg("%s: message \"%s\" lacks \"%s\"", what, e.msg, words);
    assert_int_equal(d.nblocks, 0);
}

static void test_broken_files(void **state)
{
    (void)state;
    static const char garbage[] = "%PDF-1.7\n\x01\x02 this is not a PDF at all \xff\xfe obj";
    expect_refused("garbage", garbage, sizeof garbage - 1, AP_ERR_INVALID, "pdf:");

    /* Cut a real document short: what survives is repaired or refused, never a crash. */
    size_t len = 0;
    char *pdf = draw_pdf(0, &len);
    for (size_t cut = 16; cut < len; cut = cut * 3) {
        tt_doc d;
        ap_error e = {0};
        ap_status st = tt_extract_bytes((const unsigned char *)pdf, cut, NULL, &d, &e);
        if (st != AP_OK && st != AP_ERR_INVALID)
            fail_msg("truncated at %zu: %s (%s)", cut, ap_status_str(st), e.msg);
        if (st == AP_OK)
            tt_doc_free(&d);
        else
            assert_non_null(strstr(e.msg, "pdf:"));
    }
    expect_refused("header only", pdf, 9, AP_ERR_INVALID, "pdf:");
    free(pdf);
}

/* A page tree whose root claims 10,000 pages (one real kid): the claim alone is
 * refused before any page is loaded. Offsets in the xref are computed, so MuPDF reads it
 * as a well-formed file rather than repairing it. */
static void test_huge_page_count(void **state)
{
    (void)state;
    sbuf b = {0};
    size_t off[5];
    sbuf_puts(&b, "%PDF-1.4\n");
    off[1] = b.len;
    sbuf_puts(&b, "1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n");
    off[2] = b.len;
    sbuf_puts(&b, "2 0 obj << /Type /Pages /Kids [3 0 R] /Count 10000 >> endobj\n");
    off[3] = b.len;
    sbuf_puts(&b, "3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >> endobj\n");
    size_t xref = b.len;
    sbuf_puts(&b, "xref\n0 4\n0000000000 65535 f \n");
    for (int i = 1; i <= 3; i++)
        sbuf_printf(&b, "%010zu 00000 n \n", off[i]);
    sbuf_printf(&b, "trailer << /Size 4 /Root 1 0 R >>\nstartxref\n%zu\n%%%%EOF\n", xref);
    size_t len = 0;
    char *pdf = sbuf_take(&b, &len);
    assert_non_null(pdf);
    expect_refused("10,000 pages", pdf, len, AP_ERR_TOO_LARGE, "pages");
    free(pdf);

    /* A real document of 60 (blank) pages. */
    sbuf many = {0};
    cairo_surface_t *s = cairo_pdf_surface_create_for_stream(pdf_write_sbuf, &many, 200, 200);
    cairo_t *cr = cairo_create(s);
    for (int i = 0; i < TT_PDF_MAX_PAGES + 10; i++)
        cairo_show_page(cr);
    cairo_destroy(cr);
    cairo_surface_destroy(s);
    pdf = sbuf_take(&many, &len);
    assert_non_null(pdf);
    expect_refused("60 pages", pdf, len, AP_ERR_TOO_LARGE, "at most");
    free(pdf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_born_digital),
        cmocka_unit_test(test_scanned),
        cmocka_unit_test(test_lists_side_by_side),
        cmocka_unit_test(test_grid_styles),
        cmocka_unit_test(test_split_cells_side_by_side),
        cmocka_unit_test(test_days_standing_apart),
        cmocka_unit_test(test_rows_only_corner),
        cmocka_unit_test(test_close_rows),
        cmocka_unit_test(test_broken_files),
        cmocka_unit_test(test_huge_page_count),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

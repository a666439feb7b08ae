/* Proves: the raster path on grids drawn here with cairo and pango. Lattice detection
 * finds rules drawn in one row only (a split cell), merges cells across columns and rows
 * where a rule is missing, ignores an underline inside a cell and a solid grey fill,
 * and finds two tables side by side; tables a few pixels apart that share no rule (side
 * by side, or under a framed title) stay apart, and the edges of shaded cells bound cells
 * where no rule is printed; short rules a few pixels off a long one do not move its
 * lattice line; units joined through a gap in a rule that runs along most of them are
 * cut apart there, so no cell overlaps another. Two fill edges a few pixels apart that
 * make one lattice line both bound their cells there; a stub no longer than a rule is
 * thick, left on a column rule, is no row rule. End to end, tt_extract_image reads a small
 * timetable (days as rows, header times, a merged cell over both days with text set bottom-to-top)
 * into the right timeblocks on two threads, a page turned by a quarter, a half or
 * three quarters into the same timeblocks as upright, two lists side by side in one
 * frame each on its own heading's days and times, and a header cell holding three times
 * side by side over columns no rule divides there, one on two lines, times each column. */
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

#include "document/extract.h"
#include "vision/image.h"
#include "vision/table.h"

#include "test_draw.h"

static void test_lattice(void **state)
{
    (void)state;
    cairo_surface_t *s;
    cairo_t *cr = canvas(900, 420, &s);
    /* a solid grey fill (darker than the rule threshold) in cell (2,0) */
    cairo_set_source_rgb(cr, 0.45, 0.45, 0.45);
    cairo_rectangle(cr, 51, 201, 123, 73);
    cairo_fill(cr);
    cairo_set_source_rgb(cr, 0, 0, 0);
    int ys[5] = {50, 125, 200, 275, 350}, xs[5] = {50, 175, 300, 425, 550};
    for (int i = 0; i < 5; i++) {
        /* the rule at y=275 is missing under the last column: rows 2-3 merge there */
        rule(cr, 50, ys[i], i == 3 ? 425 : 550, ys[i]);
        /* the rule at x=300 is missing in row 1: columns 1-2 merge there */
        if (i == 2) {
            rule(cr, xs[i], 50, xs[i], 125);
            rule(cr, xs[i], 200, xs[i], 350);
        } else {
            rule(cr, xs[i], 50, xs[i], 350);
        }
    }
    rule(cr, 110, 275, 110, 350); /* a split in row 3 only */
    rule(cr, 190, 100, 280, 100); /* an underline inside cell (0,1) */
    text(cr, "Anti Bullying", 237, 88, 0);
    /* a second table to the right */
    for (int i = 0; i < 3; i++) {
        rule(cr, 620, 50 + 100 * i, 860, 50 + 100 * i);
        rule(cr, 620 + 120 * i, 50, 620 + 120 * i, 250);
    }
    cairo_destroy(cr);
    PIX *grey = grey_of(s);
    img_table *tables = NULL;
    size_t n = 0;
    ap_error err = {0};
    assert_int_equal(img_find_tables(grey, &tables, &n, NULL, &err), AP_OK);
    assert_int_equal(n, 2);
    const img_table *t = tables[0].w > 400 ? &tables[0] : &tables[1];
    const img_table *small = t == &tables[0] ? &tables[1] : &tables[0];
    assert_int_equal(t->nrows, 4);
    assert_int_equal(t->ncols, 5); /* the split adds a lattice column */
    assert_int_equal(t->ncells, 15);
    assert_int_equal(cell_at(t, 0, 0)->ncols, 2); /* the split is not drawn in row 0 */
    assert_int_equal(cell_at(t, 0, 2)->nrows, 1); /* the underline splits nothing */
    assert_int_equal(cell_at(t, 1, 2)->ncols, 2); /* merged across columns */
    assert_int_equal(cell_at(t, 2, 4)->nrows, 2); /* merged across rows */
    assert_int_equal(cell_at(t, 2, 0)->ncols, 2); /* the fill is no rule */
    assert_int_equal(cell_at(t, 3, 0)->ncols, 1); /* split */
    assert_int_equal(cell_at(t, 3, 1)->ncols, 1);
    assert_int_equal(small->nrows, 2);
    assert_int_equal(small->ncols, 2);
    img_tables_free(tables, n);
    pixDestroy(&grey);
}

/* Three ruled tables 12 pixels apart (10 between their strokes), under a framed title 10
 * pixels above them: no rule of one meets a rule of another, so each is a table of its
 * own. */
static void test_close_tables_apart(void **state)
{
    (void)state;
    cairo_surface_t *s;
    cairo_t *cr = canvas(900, 460, &s);
    rule(cr, 40, 30, 860, 30);
    rule(cr, 40, 90, 860, 90);
    rule(cr, 40, 30, 40, 90);
    rule(cr, 860, 30, 860, 90);
    for (int k = 0; k < 3; k++) {
        double x0 = 40 + k * 280, x1 = x0 + 268;
        for (int i = 0; i < 5; i++)
            rule(cr, x0, 100 + 80 * i, x1, 100 + 80 * i);
        rule(cr, x0, 100, x0, 420);
        rule(cr, x0 + 90, 100, x0 + 90, 420);
        rule(cr, x1, 100, x1, 420);
    }
    cairo_destroy(cr);
    PIX *grey = grey_of(s);
    img_table *tables = NULL;
    size_t n = 0;
    ap_error err = {0};
    assert_int_equal(img_find_tables(grey, &tables, &n, NULL, &err), AP_OK);
    /* the title's frame holds one cell, which is no table; it joins none of the three */
    assert_int_equal(n, 3);
    int panels = 0;
    for (size_t i = 0; i < n; i++) {
        assert_true(tables[i].y > 95);
        panels++;
        assert_true(tables[i].w < 280);
        assert_int_equal(tables[i].nrows, 4);
        assert_int_equal(tables[i].ncols, 2);
    }
    assert_int_equal(panels, 3);
    img_tables_free(tables, n);
    pixDestroy(&grey);
}

/* Thin cells ruled a few pixels under a long row rule (a short slot squeezed under a
 * lesson in two columns): their short rules fall in the long rule's cluster, and must not
 * pull its lattice line off the long rule, or the cells beside them lose their row. */
static void test_short_rules_beside_long_one(void **state)
{
    (void)state;
    cairo_surface_t *s;
    cairo_t *cr = canvas(900, 420, &s);
    int ys[4] = {50, 150, 250, 350}, xs[5] = {50, 250, 450, 650, 850};
    for (int i = 0; i < 4; i++)
        rule(cr, xs[0], ys[i], xs[4], ys[i]);
    for (int i = 0; i < 5; i++)
        rule(cr, xs[i], ys[0], xs[i], ys[3]);
    rule(cr, xs[1], 159, xs[2], 159);
    rule(cr, xs[3], 160, xs[4], 160);
    cairo_destroy(cr);
    PIX *grey = grey_of(s);
    img_table *tables = NULL;
    size_t n = 0;
    ap_error err = {0};
    assert_int_equal(img_find_tables(grey, &tables, &n, NULL, &err), AP_OK);
    assert_int_equal(n, 1);
    const img_table *t = &tables[0];
    assert_int_equal(t->ncols, 4);
    assert_in_range(t->row_y[1], 148, 154);
    assert_int_equal(cell_at(t, 0, 0)->nrows, 1);
    assert_int_equal(cell_at(t, 1, 0)->nrows, 1);
    img_tables_free(tables, n);
    pixDestroy(&grey);
}

/* A table printed without rules whose cells are shaded: the edges of the fills are its
 * rules (a light pastel, no darker than the lightest a generator or a teacher picks). */
static void test_fill_edges_are_rules(void **state)
{
    (void)state;
    cairo_surface_t *s;
    cairo_t *cr = canvas(700, 400, &s);
    int xs[4] = {60, 260, 460, 640}, ys[4] = {60, 170, 280, 370};
    for (int r = 0; r < 3; r++)
        for (int c = 0; c < 3; c++) {
            /* a checkerboard of white and pale blue (0xdce9f5) */
            if ((r + c) % 2)
                cairo_set_source_rgb(cr, 1, 1, 1);
            else
                cairo_set_source_rgb(cr, 0xdc / 255.0, 0xe9 / 255.0, 0xf5 / 255.0);
            cairo_rectangle(cr, xs[c], ys[r], xs[c + 1] - xs[c], ys[r + 1] - ys[r]);
            cairo_fill(cr);
        }
    cairo_destroy(cr);
    PIX *grey = grey_of(s);
    img_table *tables = NULL;
    size_t n = 0;
    ap_error err = {0};
    assert_int_equal(img_find_tables(grey, &tables, &n, NULL, &err), AP_OK);
    assert_int_equal(n, 1);
    assert_int_equal(tables[0].nrows, 3);
    assert_int_equal(tables[0].ncols, 3);
    assert_int_equal(tables[0].ncells, 9);
    img_tables_free(tables, n);
    pixDestroy(&grey);
}

/* A table with no printed rule whose header is shaded in a band over the columns and its
 * days in a column of their own, the band ending a few pixels below the top of the day
 * column (as a generator or a teacher lines them up by eye). Both edges are one row line,
 * the mean of the two weighted by their length, far nearer the band's long edge: the day
 * column's edge still bounds its cells there, so the blank corner stays apart from the
 * first day, and that day's label lies in the same row as its lessons. */
static void test_fill_edges_a_few_pixels_apart(void **state)
{
    (void)state;
    cairo_surface_t *s;
    cairo_t *cr = canvas(820, 430, &s);
    cairo_set_source_rgb(cr, 0xc8 / 255.0, 0xe8 / 255.0, 0xe6 / 255.0);
    cairo_rectangle(cr, 200, 40, 600, 80); /* the header band, down to y 120 */
    cairo_fill(cr);
    int tops[3] = {110, 204, 304}, bottoms[3] = {198, 298, 398};
    for (int r = 0; r < 3; r++) { /* the days, the first from y 110 */
        cairo_rectangle(cr, 40, tops[r], 156, bottoms[r] - tops[r]);
        cairo_fill(cr);
    }
    cairo_set_source_rgb(cr, 0, 0, 0);
    for (int i = 0; i < 3; i++)
        rule(cr, 200, 200 + 100 * i, 800, 200 + 100 * i);
    for (int c = 0; c <= 4; c++)
        rule(cr, 200 + 150 * c, 120, 200 + 150 * c, 400);
    const char *days[3] = {"Monday", "Tuesday", "Wednesday"};
    for (int r = 0; r < 3; r++) {
        text(cr, days[r], 118, 160 + 100 * r - (r ? 10 : 0), 0);
        for (int c = 0; c < 4; c++)
            text(cr, (r + c) % 2 ? "Maths" : "Art", 275 + 150 * c, 160 + 100 * r - (r ? 10 : 0), 0);
    }
    for (int c = 0; c < 4; c++)
        text(cr, "9:00", 275 + 150 * c, 80, 0);
    cairo_destroy(cr);
    PIX *grey = grey_of(s);
    img_table *tables = NULL;
    size_t n = 0;
    ap_error err = {0};
    assert_int_equal(img_find_tables(grey, &tables, &n, NULL, &err), AP_OK);
    assert_int_equal(n, 1);
    const img_table *t = &tables[0];
    const img_cell *monday = cell_covering(t, 118, 160), *lesson = cell_covering(t, 275, 160);
    assert_int_equal(monday->row, lesson->row);
    assert_int_equal(monday->nrows, 1);
    assert_true(monday->y >= 105);
    assert_int_equal(cell_covering(t, 275, 80)->row + 1, lesson->row);
    img_tables_free(tables, n);
    pixDestroy(&grey);
}

/* Rules as whitespace leaves them when it takes back a virtual row rule on both sides of a
 * column rule: a stub as long as the column rule is thick, where the row rule crossed it.
 * Such a stub meets the column rule at both ends, yet it is no row rule: the lattice has
 * the printed rows only. */
static void test_stub_on_a_rule_is_no_rule(void **state)
{
    (void)state;
    PIX *h = pixCreate(900, 400, 1), *v = pixCreate(900, 400, 1);
    assert_non_null(h);
    assert_non_null(v);
    int ys[3] = {50, 200, 350}, xs[5] = {50, 250, 450, 650, 850};
    for (int i = 0; i < 3; i++)
        pixRasterop(h, 50, ys[i] - 1, 801, 2, PIX_SET, NULL, 0, 0);
    for (int i = 0; i < 5; i++)
        pixRasterop(v, xs[i] - 1, 50, 2, 301, PIX_SET, NULL, 0, 0);
    pixRasterop(h, 448, 120, 4, 2, PIX_SET, NULL, 0, 0); /* the stub, across x 450 */
    img_table *tables = NULL;
    size_t n = 0;
    ap_error err = {0};
    assert_int_equal(img_tables_from_runs(h, v, &tables, &n, NULL, &err), AP_OK);
    assert_int_equal(n, 1);
    assert_int_equal(tables[0].nrows, 2);
    assert_int_equal(tables[0].ncols, 4);
    assert_int_equal(tables[0].ncells, 8);
    img_tables_free(tables, n);
    pixDestroy(&h);
    pixDestroy(&v);
}

/* A column merged down every row (no row rule crosses it) whose rule on one side is
 * missing in the first row only (a fill's edge that fades there): the units joined
 * through that gap make an L, whose bounding rectangle would overlap the cells beside
 * the column. The rule runs along most of that rectangle, so the L is cut along it:
 * cells cover each unit once, the merged column stays whole and the first row's cell
 * beside it is its own. */
static void test_cells_are_rectangles(void **state)
{
    (void)state;
    cairo_surface_t *s;
    cairo_t *cr = canvas(800, 460, &s);
    int ys[5] = {50, 150, 250, 350, 420}, xs[5] = {50, 200, 450, 600, 750};
    for (int i = 0; i < 5; i++) {
        /* row rules stop at the merged column (x 450-600) */
        rule(cr, xs[0], ys[i], xs[2], ys[i]);
        rule(cr, xs[3], ys[i], xs[4], ys[i]);
    }
    rule(cr, xs[2], ys[0], xs[3], ys[0]);
    rule(cr, xs[2], ys[4], xs[3], ys[4]);
    for (int i = 0; i < 5; i++)
        rule(cr, xs[i], i == 2 ? ys[1] : ys[0], xs[i], ys[4]);
    cairo_destroy(cr);
    PIX *grey = grey_of(s);
    img_table *tables = NULL;
    size_t n = 0;
    ap_error err = {0};
    assert_int_equal(img_find_tables(grey, &tables, &n, NULL, &err), AP_OK);
    assert_int_equal(n, 1);
    const img_table *t = &tables[0];
    assert_int_equal(t->nrows, 4);
    assert_int_equal(t->ncols, 4);
    const img_cell *merged = cell_at(t, 0, 2);
    assert_int_equal(merged->nrows, 4);
    assert_int_equal(merged->ncols, 1);
    assert_int_equal(cell_at(t, 0, 1)->ncols, 1);
    assert_int_equal(cell_at(t, 0, 1)->nrows, 1);
    /* every unit in exactly one cell */
    int units = 0;
    for (size_t i = 0; i < t->ncells; i++)
        units += t->cells[i].nrows * t->cells[i].ncols;
    assert_int_equal(units, t->nrows * t->ncols);
    for (size_t i = 0; i < t->ncells; i++)
        for (size_t j = i + 1; j < t->ncells; j++) {
            const img_cell *a = &t->cells[i], *b = &t->cells[j];
            int apart = a->row + a->nrows <= b->row || b->row + b->nrows <= a->row ||
                        a->col + a->ncols <= b->col || b->col + b->ncols <= a->col;
            assert_true(apart);
        }
    img_tables_free(tables, n);
    pixDestroy(&grey);
}

static void test_extract_drawn_timetable(void **state)
{
    (void)state;
    cairo_surface_t *s;
    cairo_t *cr = canvas(720, 360, &s);
    int xs[6] = {20, 150, 310, 470, 560, 700}, ys[4] = {20, 90, 200, 320};
    for (int i = 0; i < 4; i++)
        rule(cr, 20, ys[i], 700, ys[i]);
    for (int i = 0; i < 6; i++)
        rule(cr, xs[i], 20, xs[i], 320);
    /* the merged column: no rule between the two days under it */
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_rectangle(cr, 472, 198, 86, 4);
    cairo_fill(cr);
    cairo_set_source_rgb(cr, 0, 0, 0);
    const char *header[4] = {"9:00 - 10:00", "10:00 - 11:00", "11-11:15", "11:15 - 12"};
    for (int c = 0; c < 4; c++)
        text(cr, header[c], (xs[c + 1] + xs[c + 2]) / 2.0, 55, 0);
    text(cr, "Monday", 85, 145, 0);
    text(cr, "Tuesday", 85, 260, 0);
    const char *mon[3] = {"Maths", "Science", "History"}, *tue[3] = {"English", "Art", "Music"};
    int cols[3] = {1, 2, 4};
    for (int k = 0; k < 3; k++) {
        text(cr, mon[k], (xs[cols[k]] + xs[cols[k] + 1]) / 2.0, 145, 0);
        text(cr, tue[k], (xs[cols[k]] + xs[cols[k] + 1]) / 2.0, 260, 0);
    }
    text(cr, "Playtime", 515, 205, -90);
    cairo_destroy(cr);
    PIX *pix = to_pix(s);
    cairo_surface_destroy(s);

    tt_doc d;
    ap_error err = {0};
    tt_extract_options opts = {.threads = 2};
    ap_status st = tt_extract_image(pix, &opts, &d, &err);
    if (st == AP_ERR_MODEL_NOT_FOUND) {
        pixDestroy(&pix);
        skip();
    }
    assert_int_equal(st, AP_OK);
    tb_check(&d, 0, "Maths", 540, 600);
    tb_check(&d, 0, "Science", 600, 660);
    tb_check(&d, 0, "History", 675, 720);
    tb_check(&d, 1, "English", 540, 600);
    tb_check(&d, 1, "Art", 600, 660);
    tb_check(&d, 1, "Music", 675, 720);
    tb_check(&d, 0, "Playtime", 660, 675); /* read bottom-to-top, on both days */
    tb_check(&d, 1, "Playtime", 660, 675);
    assert_int_equal(d.nblocks, 8);
    for (size_t i = 0; i < d.nblocks; i++) {
        assert_true(d.blocks[i].confidence > 0.5f);
        assert_true(d.blocks[i].bbox.w > 0);
    }
    tt_doc_free(&d);
    pixDestroy(&pix);
}

/* Two lists side by side in one frame under a title, an empty gutter column between
 * them, rows of different heights (one lattice, as the page's rules join): each list
 * keeps its own heading's days and its own times; read as one list, the rows of one took
 * the other's times and both headings' days. */
static void test_lists_side_by_side_drawn(void **state)
{
    (void)state;
    cairo_surface_t *s;
    cairo_t *cr = canvas(900, 460, &s);
    int xs[6] = {20, 150, 430, 470, 730, 880};
    for (int i = 0; i < 6; i++)
        rule(cr, xs[i], i == 0 || i == 5 ? 20 : i == 1 || i == 4 ? 140 : 70, xs[i], 440);
    rule(cr, 20, 20, 880, 20);
    rule(cr, 20, 70, 880, 70);
    rule(cr, 20, 440, 880, 440);
    int ya[3] = {140, 240, 340}, yb[2] = {140, 290};
    for (int i = 0; i < 3; i++)
        rule(cr, 20, ya[i], 430, ya[i]);
    for (int i = 0; i < 2; i++)
        rule(cr, 470, yb[i], 880, yb[i]);
    text(cr, "Class Timetable", 450, 45, 0);
    text(cr, "Monday, Wednesday", 225, 105, 0);
    text(cr, "Friday", 675, 105, 0);
    const char *a_time[3] = {"8:30 - 9:00", "9:00 - 9:20", "9:20 - 10:00"};
    const char *a_name[3] = {"Maths", "Reading", "Art"};
    for (int r = 0; r < 3; r++) {
        text(cr, a_time[r], 85, ya[r] + 50, 0);
        text(cr, a_name[r], 290, ya[r] + 50, 0);
    }
    const char *b_time[2] = {"8:15 - 9:40", "9:40 - 10:30"}, *b_name[2] = {"Swimming", "Music"};
    for (int r = 0; r < 2; r++) {
        text(cr, b_name[r], 600, yb[r] + 75, 0);
        text(cr, b_time[r], 805, yb[r] + 75, 0);
    }
    cairo_destroy(cr);
    PIX *pix = to_pix(s);
    cairo_surface_destroy(s);

    tt_doc d;
    extract_drawn(pix, &d);
    for (int day = 0; day <= 2; day += 2) {
        tb_check(&d, day, "Maths", 8 * 60 + 30, 9 * 60);
        tb_check(&d, day, "Reading", 9 * 60, 9 * 60 + 20);
        tb_check(&d, day, "Art", 9 * 60 + 20, 10 * 60);
    }
    tb_check(&d, 4, "Swimming", 8 * 60 + 15, 9 * 60 + 40);
    tb_check(&d, 4, "Music", 9 * 60 + 40, 10 * 60 + 30);
    assert_int_equal(d.nblocks, 2 * 3 + 2);
    tt_doc_free(&d);
}

/* A header cell over three columns that no rule divides in the header row, holding their
 * three times side by side, the middle one on two lines ("10:00 -" over "10:20") and the
 * gaps between them narrower than those two lines are high but wider than a line: each
 * time is read apart (read as one block they ran into each other), one per column. */
static void test_header_times_side_by_side(void **state)
{
    (void)state;
    cairo_surface_t *s;
    cairo_t *cr = canvas(760, 330, &s);
    int gap = 34; /* between the pieces: under two lines (about 45), over one */
    int w1 = text_width(cr, "9:00 - 10:00"), w2 = text_width(cr, "10:00 -");
    int w3 = text_width(cr, "10:20 - 11:00");
    int x1 = 200, x2 = x1 + w1 + gap, x3 = x2 + w2 + gap; /* left edges of the pieces */
    int xs[5] = {20, 160, x2 - gap / 2, x3 - gap / 2, x3 + w3 + 40};
    rule(cr, 20, 20, xs[4], 20);
    for (int i = 0; i < 3; i++)
        rule(cr, 20, 100 + 100 * i, xs[4], 100 + 100 * i);
    for (int i = 0; i < 5; i++)
        rule(cr, xs[i], i == 2 || i == 3 ? 100 : 20, xs[i], 300);
    text(cr, "9:00 - 10:00", x1 + w1 / 2.0, 60, 0);
    text(cr, "10:00 -", x2 + w2 / 2.0, 48, 0);
    text(cr, "10:20", x2 + w2 / 2.0, 72, 0);
    text(cr, "10:20 - 11:00", x3 + w3 / 2.0, 60, 0);
    const char *days[2] = {"Monday", "Tuesday"},
               *names[2][3] = {{"Maths", "Break", "Art"}, {"Music", "Break", "Drama"}};
    for (int r = 0; r < 2; r++) {
        text(cr, days[r], 90, 150 + 100 * r, 0);
        for (int c = 0; c < 3; c++)
            text(cr, names[r][c], (xs[c + 1] + xs[c + 2]) / 2.0, 150 + 100 * r, 0);
    }
    cairo_destroy(cr);
    tt_doc d;
    extract_drawn(to_pix(s), &d);
    cairo_surface_destroy(s);
    tb_check(&d, 0, "Maths", 540, 600);
    tb_check(&d, 0, "Break", 600, 620);
    tb_check(&d, 0, "Art", 620, 660);
    tb_check(&d, 1, "Drama", 620, 660);
    tt_doc_free(&d);
}

/* Header fields printed apart on one line above the week: each a block of its own, the
 * class a short bold code in small type (narrower than 20 pixels, its ink half its box:
 * neither a speck nor a picture), read in order. */
static void test_header_spaced_out(void **state)
{
    (void)state;
    cairo_surface_t *s;
    cairo_t *cr = canvas(760, 520, &s);
    text(cr, "Class:", 60, 40, 0);
    PangoLayout *layout = pango_cairo_create_layout(cr);
    PangoFontDescription *font = pango_font_description_from_string("Sans Bold 10");
    pango_layout_set_font_description(layout, font);
    pango_layout_set_text(layout, "6H", -1);
    cairo_move_to(cr, 112, 31);
    pango_cairo_show_layout(cr, layout);
    pango_font_description_free(font);
    g_object_unref(layout);
    text(cr, "Term: Autumn 2 2019", 330, 40, 0);
    text(cr, "Teacher: Mrs Kowalski", 600, 40, 0);
    cairo_translate(cr, 0, 100);
    draw_week_grid(cr);
    cairo_destroy(cr);
    PIX *pix = to_pix(s);
    cairo_surface_destroy(s);

    tt_doc d;
    extract_drawn(pix, &d);
    assert_string_equal(d.class_name ? d.class_name : "(none)", "6H");
    assert_string_equal(d.teacher ? d.teacher : "(none)", "Mrs Kowalski");
    assert_string_equal(d.term ? d.term : "(none)", "Autumn 2");
    assert_int_equal(d.year, 2019);
    assert_int_equal(d.nblocks, 9);
    tt_doc_free(&d);
}

/* A three-day week: days as rows, times in the header, one subject a cell. */
static PIX *draw_week(void)
{
    cairo_surface_t *s;
    cairo_t *cr = canvas(760, 420, &s);
    draw_week_grid(cr);
    cairo_destroy(cr);
    PIX *pix = to_pix(s);
    cairo_surface_destroy(s);
    return pix;
}

/* Header cells printing two times each over a column no rule divides: a Monday cell
 * holding two lessons side by side is an event each, timed by the time above it, and a
 * lesson centred across the column runs over both times; a word set sideways beside a
 * lesson in one cell ("Break" up the page beside "Music") is read turned, as a piece of
 * its own, and timed by the time above it. */
static void test_header_times_by_place_drawn(void **state)
{
    (void)state;
    cairo_surface_t *s;
    cairo_t *cr = canvas(1000, 430, &s);
    int xs[5] = {20, 160, 320, 700, 980};
    rule(cr, 20, 20, xs[4], 20);
    for (int i = 0; i < 4; i++)
        rule(cr, 20, 100 + 100 * i, xs[4], 100 + 100 * i);
    for (int i = 0; i < 5; i++)
        rule(cr, xs[i], 20, xs[i], 400);
    text(cr, "9:00 - 10:00", 240, 60, 0);
    text(cr, "10:00 - 10:30", 415, 60, 0);
    text(cr, "10:30 - 11:00", 605, 60, 0);
    text(cr, "11:00 -", 745, 48, 0);
    text(cr, "11:10", 745, 72, 0);
    text(cr, "11:10 - 12:00", 890, 60, 0);
    const char *days[3] = {"Monday", "Tuesday", "Wednesday"};
    const char *first[3] = {"Reading", "Writing", "Spelling"};
    const char *whole[3] = {NULL, "French", "Science"};
    const char *last[3] = {NULL, "Drama", "Games"};
    for (int r = 0; r < 3; r++) {
        double y = 150 + 100 * r;
        text(cr, days[r], 90, y, 0);
        text(cr, first[r], 240, y, 0);
        if (whole[r]) text(cr, whole[r], 510, y, 0);
        if (last[r]) text(cr, last[r], 840, y, 0);
    }
    text(cr, "Maths", 415, 150, 0);
    text(cr, "Art", 605, 150, 0);
    text(cr, "Break", 745, 150, -90);
    text(cr, "Music", 890, 150, 0);
    cairo_destroy(cr);
    tt_doc d;
    extract_drawn(to_pix(s), &d);
    cairo_surface_destroy(s);
    tb_check(&d, 0, "Reading", 540, 600);
    tb_check(&d, 0, "Maths", 600, 630);
    tb_check(&d, 0, "Art", 630, 660);
    tb_check(&d, 1, "French", 600, 660);
    tb_check(&d, 2, "Science", 600, 660);
    tb_check(&d, 0, "Break", 660, 670);
    tb_check(&d, 0, "Music", 670, 720);
    tb_check(&d, 1, "Drama", 660, 720);
    tt_doc_free(&d);
}

/* A page scanned sideways or upside down reads as the upright one: no timetable, text
 * read with little confidence, or days running backwards send it round again. */
static void test_turned_pages(void **state)
{
    (void)state;
    PIX *upright = draw_week();
    for (int quarters = 0; quarters < 4; quarters++) {
        PIX *pix = quarters ? pixRotateOrth(upright, quarters) : pixClone(upright);
        tt_doc d;
        ap_error err = {0};
        tt_extract_options opts = {.threads = 2};
        ap_status st = tt_extract_image(pix, &opts, &d, &err);
        pixDestroy(&pix);
        if (st == AP_ERR_MODEL_NOT_FOUND) {
            pixDestroy(&upright);
            skip();
        }
        assert_int_equal(st, AP_OK);
        for (int r = 0; r < 3; r++)
            for (int c = 0; c < 3; c++)
                tb_check(&d, r, week_name(r, c), 540 + 60 * c, 600 + 60 * c);
        assert_int_equal(d.nblocks, 9);
        tt_doc_free(&d);
    }
    pixDestroy(&upright);
}

int main(void)
{
    img_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lattice),
        cmocka_unit_test(test_close_tables_apart),
        cmocka_unit_test(test_short_rules_beside_long_one),
        cmocka_unit_test(test_fill_edges_are_rules),
        cmocka_unit_test(test_cells_are_rectangles),
        cmocka_unit_test(test_fill_edges_a_few_pixels_apart),
        cmocka_unit_test(test_stub_on_a_rule_is_no_rule),
        cmocka_unit_test(test_extract_drawn_timetable),
        cmocka_unit_test(test_turned_pages),
        cmocka_unit_test(test_header_spaced_out),
        cmocka_unit_test(test_header_times_side_by_side),
        cmocka_unit_test(test_header_times_by_place_drawn),
        cmocka_unit_test(test_lists_side_by_side_drawn),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

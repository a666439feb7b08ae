/* Proves: vision/whitespace finds the rules a table leaves to whitespace. A row-only table
 * (rows ruled, no column rule) is cut into its columns, and a lesson whose text crosses a
 * column gap stays one merged cell; a frame around a list whose rows are set apart by
 * space alone is cut into rows and columns; a fully ruled grid whose cells hold two lines
 * of text is left as printed (a heading over its subtitle is no row gap), and so is a
 * row holding one cell of four lines beside cells of one. Days set apart by space alone
 * in ruled columns are the rows also where a lesson's three lines leave narrower gaps
 * across the table. In a table
 * printed with no rule at all, a shaded break column labelled once, sideways, stays one
 * cell down every day while the rows are found across it, and a row merged across every
 * day ("Lunchtime") stays one cell beside its time. Cells shaded in pastels of one grey,
 * touching and with no rule, are told apart by their colour. Row rules cut apart by a cell
 * merged down every day, in a table with no column rule, still part the days beside it. A
 * grid shaded every other row, whose printed rules and fill edges lie side by side as
 * thick as a short run is long, keeps every column once rules are drawn in. Lists ruled in
 * rows side by side under a framed title stay two tables; days above and times left of a
 * table of shaded cells are its header and label column, also when one header time lies
 * over a column the body splits in two; a shaded list's title over its
 * first row stays one cell. A time whose dash is printed faintly ("10:05 - 10:50" on a
 * blurred page) stays one cell: the space either side of the dash is no column gap.
 * Times printed well left of columns shaded in turn are the table's label column; a dark
 * row across every day is one merged cell when labelled once and one cell per day when
 * labelled on each day. A list ruled in rows under its framed heading, shaded in every
 * other row, is one table with its heading. A table ruled in rows only whose
 * break rows are shaded from the first day across (their edges going on as row rules
 * across the times) is one table, the row under a rule that stops short of the last day
 * cut into its days too, and its break rows apart from their times. Day labels set
 * outside a table's frame between light grey rules that end in nothing are its label
 * column, also when the header's rule is printed on dark through the labels. Lists side
 * by side in one frame, each framed by its own rules with a narrow gutter between them
 * and rows set apart by space alone, not in line from list to list, are cut into rows
 * each on its own; a sliver between a column rule and its double, both row rules
 * crossing it, is no such gutter. In a table ruled in rows only, a lesson of four lines
 * beside lessons of one stays one cell. */
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

#include "vision/table.h"
#include "vision/whitespace.h"

#include "test_draw.h"
#include "test_row_only.h"

static const img_table *only_table(const img_table *tables, size_t n)
{
    assert_int_equal(n, 1);
    return &tables[0];
}

static void test_row_only(void **state)
{
    (void)state;
    cairo_surface_t *s;
    cairo_t *cr = canvas(760, 420, &s);
    row_only_draw(cr, 0);
    cairo_destroy(cr);
    PIX *grey = grey_of(s);
    img_table *tables = NULL;
    size_t n = 0;
    ap_error err = {0};
    assert_int_equal(img_find_tables_spaced(grey, &tables, &n, NULL, &err), AP_OK);
    const img_table *t = only_table(tables, n);
    row_only_assert(t);
    img_tables_free(tables, n);
    pixDestroy(&grey);
}

static void test_frame_only_list(void **state)
{
    (void)state;
    cairo_surface_t *s;
    cairo_t *cr = canvas(560, 420, &s);
    rule(cr, 40, 40, 520, 40);
    rule(cr, 40, 380, 520, 380);
    rule(cr, 40, 40, 40, 380);
    rule(cr, 520, 40, 520, 380);
    const char *names[5] = {"Registration", "Phonics", "Maths", "Break", "English"};
    const char *times[5] = {"8:50 - 9:00", "9:00 - 9:30", "9:30 - 10:30", "10:30 - 10:45",
                            "10:45 - 12:00"};
    for (int r = 0; r < 5; r++) {
        double cy = 75 + 65 * r;
        text(cr, names[r], 170, cy, 0);
        text(cr, times[r], 410, cy, 0);
    }
    cairo_destroy(cr);
    PIX *grey = grey_of(s);
    img_table *tables = NULL;
    size_t n = 0;
    ap_error err = {0};
    assert_int_equal(img_find_tables_spaced(grey, &tables, &n, NULL, &err), AP_OK);
    const img_table *t = only_table(tables, n);
    assert_int_equal(t->nrows, 5);
    assert_int_equal(t->ncols, 2);
    assert_int_equal(t->ncells, 10);
    img_tables_free(tables, n);
    pixDestroy(&grey);
}

static void test_ruled_grid_unchanged(void **state)
{
    (void)state;
    cairo_surface_t *s;
    cairo_t *cr = canvas(640, 360, &s);
    int ys[3] = {40, 170, 300}, xs[4] = {40, 220, 400, 580};
    for (int i = 0; i < 3; i++)
        rule(cr, 40, ys[i], 580, ys[i]);
    for (int i = 0; i < 4; i++)
        rule(cr, xs[i], 40, xs[i], 300);
    for (int r = 0; r < 2; r++)
        for (int c = 0; c < 3; c++) {
            double cx = (xs[c] + xs[c + 1]) / 2.0, cy = (ys[r] + ys[r + 1]) / 2.0;
            text(cr, "Science", cx, cy - 18, 0);
            text(cr, "Room 4", cx, cy + 18, 0);
        }
    cairo_destroy(cr);
    PIX *grey = grey_of(s);
    img_table *tables = NULL;
    size_t n = 0;
    ap_error err = {0};
    assert_int_equal(img_find_tables_spaced(grey, &tables, &n, NULL, &err), AP_OK);
    const img_table *t = only_table(tables, n);
    assert_int_equal(t->nrows, 2);
    assert_int_equal(t->ncols, 3);
    img_tables_free(tables, n);
    pixDestroy(&grey);
}

static void test_borderless_shaded_column(void **state)
{
    (void)state;
    cairo_surface_t *s;
    cairo_t *cr = canvas(900, 420, &s);
    /* the break column, shaded grey (0xbfbfbf) from the header down */
    cairo_set_source_rgb(cr, 0.75, 0.75, 0.75);
    cairo_rectangle(cr, 520, 100, 70, 265);
    cairo_fill(cr);
    cairo_set_source_rgb(cr, 0, 0, 0);
    const char *times[4] = {"9:00", "10:00", "12:00", "1:00"};
    int xs[4] = {250, 420, 555, 720};
    for (int c = 0; c < 4; c++)
        text(cr, times[c], xs[c], 70, 0);
    const char *days[4] = {"Monday", "Tuesday", "Wednesday", "Thursday"};
    for (int r = 0; r < 4; r++) {
        double cy = 135 + 70 * r;
        text(cr, days[r], 100, cy, 0);
        text(cr, r % 2 ? "Maths" : "Art", 250, cy, 0);
        text(cr, r % 2 ? "Music" : "Phonics", 420, cy, 0);
        text(cr, r % 2 ? "PE" : "Science", 720, cy, 0);
    }
    text(cr, "Lunchtime", 555, 245, -90); /* across the middle two rows */
    cairo_destroy(cr);
    PIX *grey = grey_of(s);
    img_table *tables = NULL;
    size_t n = 0;
    ap_error err = {0};
    assert_int_equal(img_find_tables_spaced(grey, &tables, &n, NULL, &err), AP_OK);
    const img_table *t = only_table(tables, n);
    assert_int_equal(t->nrows, 5); /* the header and four days, across the break */
    const img_cell *lunch = cell_covering(t, 555, 245);
    assert_int_equal(lunch->row, 1);
    assert_int_equal(lunch->nrows, 4);
    assert_int_equal(cell_covering(t, 555, 70)->nrows, 1); /* its time, above it */
    for (int r = 0; r < 4; r++) {
        assert_int_equal(cell_covering(t, 100, 135 + 70 * r)->nrows, 1);
        assert_int_equal(cell_covering(t, 720, 135 + 70 * r)->nrows, 1);
    }
    img_tables_free(tables, n);
    pixDestroy(&grey);
}

static void test_borderless_merged_row(void **state)
{
    (void)state;
    cairo_surface_t *s;
    cairo_t *cr = canvas(900, 380, &s);
    const char *days[4] = {"Monday", "Tuesday", "Wednesday", "Thursday"};
    int xs[4] = {260, 420, 580, 740};
    for (int c = 0; c < 4; c++)
        text(cr, days[c], xs[c], 50, 0);
    const char *times[4] = {"9:00", "10:00", "11:00", "12:00"};
    for (int r = 0; r < 4; r++) {
        double cy = 120 + 70 * r;
        text(cr, times[r], 100, cy, 0);
        if (r == 2) {
            text(cr, "Lunchtime", 500, cy, 0); /* across every day */
            continue;
        }
        for (int c = 0; c < 4; c++)
            text(cr, (r + c) % 2 ? "Maths" : "Art", xs[c], cy, 0);
    }
    cairo_destroy(cr);
    PIX *grey = grey_of(s);
    img_table *tables = NULL;
    size_t n = 0;
    ap_error err = {0};
    assert_int_equal(img_find_tables_spaced(grey, &tables, &n, NULL, &err), AP_OK);
    const img_table *t = only_table(tables, n);
    assert_int_equal(t->nrows, 5);
    assert_int_equal(t->ncols, 5);
    const img_cell *lunch = cell_covering(t, 500, 260);
    assert_int_equal(lunch->col, 1);
    assert_int_equal(lunch->ncols, 4);
    assert_int_equal(cell_covering(t, 100, 260)->ncols, 1); /* its time stays apart */
    assert_int_equal(cell_covering(t, 420, 120)->ncols, 1);
    img_tables_free(tables, n);
    pixDestroy(&grey);
}

static void test_pastels_of_one_grey(void **state)
{
    (void)state;
    cairo_surface_t *s;
    cairo_t *cr = canvas(560, 300, &s);
    /* grey, lavender and green all come out near 217 in grey: only the colour steps */
    const double shades[3][3] = {{0.85, 0.85, 0.85}, {0.88, 0.815, 0.94}, {0.78, 0.90, 0.78}};
    const char *names[3] = {"Assembly", "Spelling", "Geography"};
    for (int r = 0; r < 3; r++)
        for (int c = 0; c < 3; c++) {
            const double *rgb = shades[(r + c) % 3];
            cairo_set_source_rgb(cr, rgb[0], rgb[1], rgb[2]);
            cairo_rectangle(cr, 100 + 110 * c, 60 + 60 * r, 110, 60);
            cairo_fill(cr);
        }
    cairo_set_source_rgb(cr, 0, 0, 0);
    for (int r = 0; r < 3; r++)
        for (int c = 0; c < 3; c++)
            text(cr, names[(r + 2 * c) % 3], 155 + 110 * c, 90 + 60 * r, 0);
    cairo_destroy(cr);
    PIX *rgb = to_pix(s);
    cairo_surface_destroy(s);
    PIX *grey = pixConvertTo8(rgb, 0);
    assert_non_null(grey);
    img_table *tables = NULL;
    size_t n = 0;
    ap_error err = {0};
    /* the grey alone: the words nearly fill their cells, no column gap shows */
    assert_int_equal(img_find_tables_spaced(grey, &tables, &n, NULL, &err), AP_OK);
    assert_true(n == 0 || tables[0].ncols < 3);
    img_tables_free(tables, n);
    assert_int_equal(img_find_tables_coloured(grey, rgb, &tables, &n, NULL, &err), AP_OK);
    const img_table *t = only_table(tables, n);
    assert_int_equal(t->nrows, 3);
    assert_int_equal(t->ncols, 3);
    assert_int_equal(t->ncells, 9);
    img_tables_free(tables, n);
    pixDestroy(&grey);
    pixDestroy(&rgb);
}

static void test_rows_cut_by_merged_cell(void **state)
{
    (void)state;
    cairo_surface_t *s;
    cairo_t *cr = canvas(900, 420, &s);
    int ys[6] = {40, 100, 170, 240, 310, 380};
    rule(cr, 40, ys[0], 860, ys[0]);
    rule(cr, 40, ys[1], 860, ys[1]);
    rule(cr, 40, ys[5], 860, ys[5]);
    for (int r = 2; r < 5; r++) { /* stopped either side of the merged cell */
        rule(cr, 40, ys[r], 170, ys[r]);
        rule(cr, 240, ys[r], 860, ys[r]);
    }
    const char *days[4] = {"Monday", "Tuesday", "Wednesday", "Thursday"};
    const char *times[3] = {"8:45", "9:00", "10:00"};
    int xs[3] = {205, 420, 680};
    for (int c = 0; c < 3; c++)
        text(cr, times[c], xs[c], 70, 0);
    for (int r = 0; r < 4; r++) {
        double cy = (ys[r + 1] + ys[r + 2]) / 2.0;
        text(cr, days[r], 105, cy, 0);
        text(cr, r % 2 ? "Maths" : "Phonics", 420, cy, 0);
        text(cr, r % 2 ? "Science" : "Art", 680, cy, 0);
    }
    text(cr, "Registration", 205, 240, -90);
    cairo_destroy(cr);
    PIX *grey = grey_of(s);
    img_table *tables = NULL;
    size_t n = 0;
    ap_error err = {0};
    assert_int_equal(img_find_tables_spaced(grey, &tables, &n, NULL, &err), AP_OK);
    const img_table *t = only_table(tables, n);
    assert_int_equal(t->nrows, 5);
    const img_cell *reg = cell_covering(t, 205, 240);
    assert_int_equal(reg->row, 1);
    assert_int_equal(reg->nrows, 4);
    for (int r = 0; r < 4; r++)
        assert_int_equal(cell_covering(t, 105, (ys[r + 1] + ys[r + 2]) / 2)->nrows, 1);
    img_tables_free(tables, n);
    pixDestroy(&grey);
}

static void test_zebra_rows_thick_rules(void **state)
{
    (void)state;
    cairo_surface_t *s;
    cairo_t *cr = canvas(1500, 1440, &s); /* a page's size: rules 6 pixels thick */
    int xs[6] = {40, 300, 560, 820, 1080, 1460}, ys[7] = {40, 140, 240, 340, 440, 540, 640};
    /* every other row shaded up to its rules: the fill's edges lie beside the printed
     * rule, which together are as thick as a short piece of column rule is long */
    cairo_set_source_rgb(cr, 0.82, 0.82, 0.82);
    for (int r = 1; r < 6; r += 2) {
        cairo_rectangle(cr, xs[0], ys[r], xs[5] - xs[0], ys[r + 1] - ys[r]);
        cairo_fill(cr);
    }
    cairo_set_source_rgb(cr, 0, 0, 0);
    cairo_set_line_width(cr, 6);
    for (int i = 0; i < 7; i++)
        rule(cr, xs[0], ys[i], xs[5], ys[i]);
    for (int i = 0; i < 6; i++)
        rule(cr, xs[i], ys[0], xs[i], ys[6]);
    for (int r = 0; r < 6; r++) {
        double cy = (ys[r] + ys[r + 1]) / 2.0;
        for (int c = 0; c < 4; c++)
            text(cr, (r + c) % 2 ? "Maths" : "Art", (xs[c] + xs[c + 1]) / 2.0, cy, 0);
        /* the last column is two, set apart by space alone */
        text(cr, r % 2 ? "Music" : "Phonics", 1170, cy, 0);
        text(cr, r % 2 ? "9:00" : "10:30", 1370, cy, 0);
    }
    cairo_destroy(cr);
    PIX *grey = grey_of(s);
    img_table *tables = NULL;
    size_t n = 0;
    ap_error err = {0};
    assert_int_equal(img_find_tables_spaced(grey, &tables, &n, NULL, &err), AP_OK);
    const img_table *t = only_table(tables, n);
    assert_int_equal(t->nrows, 6);
    assert_int_equal(t->ncols, 6);
    assert_int_equal(t->ncells, 36);
    img_tables_free(tables, n);
    pixDestroy(&grey);
}

/* Two lists side by side under a framed title, ruled in rows only, with rows of different
 * heights: each is a table of its own, and the title's frame joins neither. */
static void test_lists_under_framed_title(void **state)
{
    (void)state;
    cairo_surface_t *s;
    cairo_t *cr = canvas(1000, 420, &s);
    rule(cr, 40, 30, 960, 30);
    rule(cr, 40, 90, 960, 90);
    rule(cr, 40, 30, 40, 90);
    rule(cr, 960, 30, 960, 90);
    text(cr, "Weekly Timetable", 500, 60, 0);
    const char *names[5] = {"Phonics", "Maths", "Break", "English", "Science"};
    const char *times[5] = {"9:00", "9:30", "10:30", "10:45", "12:00"};
    for (int i = 0; i < 6; i++) {
        rule(cr, 50, 110 + 50 * i, 480, 110 + 50 * i);
        rule(cr, 520, 110 + 56 * i, 950, 110 + 56 * i);
    }
    for (int r = 0; r < 5; r++) {
        text(cr, names[r], 180, 135 + 50 * r, 0);
        text(cr, times[r], 400, 135 + 50 * r, 0);
        text(cr, names[4 - r], 650, 138 + 56 * r, 0);
        text(cr, times[r], 870, 138 + 56 * r, 0);
    }
    cairo_destroy(cr);
    PIX *grey = grey_of(s);
    img_table *tables = NULL;
    size_t n = 0;
    ap_error err = {0};
    assert_int_equal(img_find_tables_spaced(grey, &tables, &n, NULL, &err), AP_OK);
    int lists = 0;
    for (size_t i = 0; i < n; i++) {
        if (tables[i].y < 100) continue; /* the title's frame, if it stands as a table */
        lists++;
        assert_true(tables[i].w < 460);
        assert_int_equal(tables[i].nrows, 5);
        assert_int_equal(tables[i].ncols, 2);
    }
    assert_int_equal(lists, 2);
    img_tables_free(tables, n);
    pixDestroy(&grey);
}

/* The table of test_header_outside_fills with its days centred at day_y. */
static void header_outside_fills(int day_y)
{
    cairo_surface_t *s;
    cairo_t *cr = canvas(1000, 460, &s);
    const char *days[4] = {"Monday", "Tuesday", "Wednesday", "Thursday"};
    const char *times[4] = {"9:00 - 10:00", "10:00 - 11:00", "11:00 - 12:00", "1:00 - 2:00"};
    for (int r = 0; r < 4; r++)
        for (int c = 0; c < 4; c++) {
            double shade = (r + c) % 2 ? 0.85 : 0.75;
            cairo_set_source_rgb(cr, shade, shade, shade);
            cairo_rectangle(cr, 200 + 190 * c, 100 + 80 * r, 190, 80);
            cairo_fill(cr);
        }
    cairo_set_source_rgb(cr, 0, 0, 0);
    for (int c = 0; c < 4; c++)
        text(cr, days[c], 295 + 190 * c, day_y, 0);
    for (int r = 0; r < 4; r++) {
        text(cr, times[r], 110, 140 + 80 * r, 0);
        for (int c = 0; c < 4; c++)
            text(cr, (r + c) % 2 ? "Maths" : "Art", 295 + 190 * c, 140 + 80 * r, 0);
    }
    cairo_destroy(cr);
    PIX *grey = grey_of(s);
    img_table *tables = NULL;
    size_t n = 0;
    ap_error err = {0};
    assert_int_equal(img_find_tables_spaced(grey, &tables, &n, NULL, &err), AP_OK);
    const img_table *t = only_table(tables, n);
    assert_int_equal(t->nrows, 5);
    assert_int_equal(t->ncols, 5);
    const img_cell *day = cell_covering(t, 295, day_y);
    assert_int_equal(day->row, 0);
    assert_int_equal(day->col, 1);
    assert_int_equal(day->ncols, 1);
    const img_cell *time = cell_covering(t, 110, 220);
    assert_int_equal(time->row, 2);
    assert_int_equal(time->col, 0);
    assert_int_equal(cell_covering(t, 295 + 190 * 3, 140 + 80 * 3)->col, 4);
    img_tables_free(tables, n);
    pixDestroy(&grey);
}

/* A table whose shaded cells are its only rules, its days printed above the shading and
 * its times left of it: the header and the label column are the table's, also when the
 * days stand three text heights above the shading. */
static void test_header_outside_fills(void **state)
{
    (void)state;
    for (int day_y = 75; day_y >= 50; day_y -= 25)
        header_outside_fills(day_y);
}
/* A framed list shaded in alternate rows, its title and subtitle on the first row's shade:
 * the title is one cell across the list, apart from the first row's number, time and
 * name below it. */
static void test_shaded_list_title(void **state)
{
    (void)state;
    cairo_surface_t *s;
    cairo_t *cr = canvas(600, 460, &s);
    int ys[6] = {40, 160, 220, 280, 340, 400};
    for (int r = 0; r < 5; r++) {
        double shade = r % 2 ? 0.93 : 0.84;
        cairo_set_source_rgb(cr, shade, shade, shade);
        cairo_rectangle(cr, 40, ys[r], 520, ys[r + 1] - ys[r]);
        cairo_fill(cr);
    }
    cairo_set_source_rgb(cr, 0, 0, 0);
    rule(cr, 40, 40, 560, 40);
    rule(cr, 40, 400, 560, 400);
    rule(cr, 40, 40, 40, 400);
    rule(cr, 560, 40, 560, 400);
    text(cr, "Our Day", 300, 60, 0);
    text(cr, "Mon/Wed", 300, 95, 0);
    const char *times[5] = {"8:35-9:35", "9:40-9:55", "9:55-10:35", "10:35-10:50", "10:50-11:35"};
    const char *names[5] = {"Drama", "Maths", "Spelling", "Break", "Spanish"};
    for (int r = 0; r < 5; r++) {
        double cy = r ? (ys[r] + ys[r + 1]) / 2.0 : 135;
        char num[4];
        snprintf(num, sizeof num, "%d", r + 1);
        text(cr, num, 60, cy, 0);
        text(cr, times[r], 170, cy, 0);
        text(cr, names[r], 420, cy, 0);
    }
    cairo_destroy(cr);
    PIX *grey = grey_of(s);
    img_table *tables = NULL;
    size_t n = 0;
    ap_error err = {0};
    assert_int_equal(img_find_tables_spaced(grey, &tables, &n, NULL, &err), AP_OK);
    const img_table *t = only_table(tables, n);
    const img_cell *title = cell_covering(t, 300, 60), *first = cell_covering(t, 60, 135);
    assert_true(title != first);
    assert_true(first->y > 100);
    assert_true(cell_covering(t, 170, 135) != first);
    assert_true(cell_covering(t, 420, 135) != cell_covering(t, 170, 135));
    img_tables_free(tables, n);
    pixDestroy(&grey);
}

/* A list ruled in rows whose times print their dash faintly (a light face on a blurred
 * page keeps a thin dash only as light grey): the space either side of the dash is no
 * gap between columns, and each time stays one cell beside its number and its name. */
static void test_faint_dash_in_times(void **state)
{
    (void)state;
    cairo_surface_t *s;
    cairo_t *cr = canvas(620, 420, &s);
    int ys[6] = {40, 110, 180, 250, 320, 390};
    for (int i = 0; i < 6; i++)
        rule(cr, 40, ys[i], 580, ys[i]);
    const char *starts[5] = {"8:40", "9:10", "9:25", "10:05", "10:50"};
    const char *ends[5] = {"9:10", "9:25", "10:05", "10:50", "11:30"};
    const char *names[5] = {"Registration", "Phonics", "Maths", "Break", "English"};
    for (int r = 0; r < 5; r++) {
        double cy = (ys[r] + ys[r + 1]) / 2.0;
        char num[4];
        snprintf(num, sizeof num, "%d", r + 1);
        cairo_set_source_rgb(cr, 0, 0, 0);
        text(cr, num, 65, cy, 0);
        text(cr, starts[r], 140, cy, 0);
        text(cr, ends[r], 210, cy, 0);
        text(cr, names[r], 430, cy, 0);
        /* the dash: one pixel of light grey, 64 below the paper */
        cairo_set_source_rgb(cr, 0.75, 0.75, 0.75);
        cairo_set_line_width(cr, 1);
        rule(cr, 169, floor(cy) + 0.5, 180, floor(cy) + 0.5);
        cairo_set_line_width(cr, 2);
    }
    cairo_destroy(cr);
    PIX *grey = grey_of(s);
    img_table *tables = NULL;
    size_t n = 0;
    ap_error err = {0};
    assert_int_equal(img_find_tables_spaced(grey, &tables, &n, NULL, &err), AP_OK);
    const img_table *t = only_table(tables, n);
    assert_int_equal(t->nrows, 5);
    assert_int_equal(t->ncols, 3);
    for (int r = 0; r < 5; r++) {
        int cy = (ys[r] + ys[r + 1]) / 2;
        const img_cell *time = cell_covering(t, 140, cy);
        assert_true(time == cell_covering(t, 210, cy));
        assert_true(time != cell_covering(t, 65, cy));
        assert_true(time != cell_covering(t, 430, cy));
    }
    img_tables_free(tables, n);
    pixDestroy(&grey);
}

/* As above, times over the columns and days left of them, the first column's lessons in
 * two halves of two shades on every day (a lesson filling part of the hour): the body has
 * a column line under the middle of the first time, which crosses it. The header is the
 * table's still: three of its four times lie each inside one column. */
static void test_header_over_split_column(void **state)
{
    (void)state;
    cairo_surface_t *s;
    cairo_t *cr = canvas(1000, 460, &s);
    const char *days[4] = {"Monday", "Tuesday", "Wednesday", "Thursday"};
    const char *times[4] = {"9:00 - 10:00", "10:00 - 11:00", "11:00 - 12:00", "1:00 - 2:00"};
    for (int r = 0; r < 4; r++)
        for (int c = 0; c < 5; c++) {
            double shade = (r + c) % 2 ? 0.85 : 0.75;
            int x = c < 2 ? 200 + 95 * c : 200 + 190 * (c - 1), w = c < 2 ? 95 : 190;
            cairo_set_source_rgb(cr, shade, shade, shade);
            cairo_rectangle(cr, x, 100 + 80 * r, w, 80);
            cairo_fill(cr);
        }
    cairo_set_source_rgb(cr, 0, 0, 0);
    for (int c = 0; c < 4; c++)
        text(cr, times[c], 295 + 190 * c, 75, 0);
    for (int r = 0; r < 4; r++) {
        text(cr, days[r], 110, 140 + 80 * r, 0);
        text(cr, "PE", 247, 140 + 80 * r, 0);
        text(cr, "Art", 342, 140 + 80 * r, 0);
        for (int c = 1; c < 4; c++)
            text(cr, (r + c) % 2 ? "Maths" : "Music", 295 + 190 * c, 140 + 80 * r, 0);
    }
    cairo_destroy(cr);
    PIX *grey = grey_of(s);
    img_table *tables = NULL;
    size_t n = 0;
    ap_error err = {0};
    assert_int_equal(img_find_tables_spaced(grey, &tables, &n, NULL, &err), AP_OK);
    const img_table *t = only_table(tables, n);
    assert_int_equal(t->nrows, 5);
    assert_int_equal(t->ncols, 6);
    for (int c = 1; c < 4; c++) {
        const img_cell *time = cell_covering(t, 295 + 190 * c, 75);
        assert_int_equal(time->row, 0);
        assert_int_equal(time->ncols, 1);
    }
    assert_int_equal(cell_covering(t, 247, 140)->row, 1);
    assert_int_equal(cell_covering(t, 110, 140)->row, 1);
    img_tables_free(tables, n);
    pixDestroy(&grey);
}

/* Days as columns shaded in turn, with no rule: a dark row across every day at the top
 * labelled once ("Register") and one in the middle labelled on each day ("Snack"), the
 * times printed well left of the shading. The times are the table's label column, the
 * top row one merged cell, the middle row one cell per day. */
static void test_banded_columns_shaded_rows(void **state)
{
    (void)state;
    cairo_surface_t *s;
    cairo_t *cr = canvas(1100, 580, &s);
    const char *days[4] = {"Monday", "Tuesday", "Wednesday", "Thursday"};
    const char *times[6] = {"8:30 - 8:45",   "8:45 - 9:30",   "9:30 - 10:15",
                            "10:15 - 10:30", "10:30 - 11:15", "11:15 - 12:00"};
    cairo_set_source_rgb(cr, 0.92, 0.92, 0.92);
    for (int c = 1; c < 4; c += 2) {
        cairo_rectangle(cr, 300 + 180 * c, 100, 180, 420);
        cairo_fill(cr);
    }
    cairo_set_source_rgb(cr, 0.65, 0.65, 0.65);
    for (int r = 0; r < 6; r += 3) {
        cairo_rectangle(cr, 300, 100 + 70 * r, 720, 50);
        cairo_fill(cr);
    }
    cairo_set_source_rgb(cr, 0, 0, 0);
    for (int c = 0; c < 4; c++)
        text(cr, days[c], 390 + 180 * c, 70, 0);
    for (int r = 0; r < 6; r++) {
        double cy = 100 + 70 * r + (r % 3 ? 35 : 25);
        text(cr, times[r], 160, cy, 0);
        if (r == 0) {
            text(cr, "Register", 660, cy, 0);
            continue;
        }
        for (int c = 0; c < 4; c++)
            text(cr, r == 3 ? "Snack" : (r + c) % 2 ? "Maths" : "Art", 390 + 180 * c, cy, 0);
    }
    cairo_destroy(cr);
    PIX *grey = grey_of(s);
    img_table *tables = NULL;
    size_t n = 0;
    ap_error err = {0};
    assert_int_equal(img_find_tables_spaced(grey, &tables, &n, NULL, &err), AP_OK);
    const img_table *t = only_table(tables, n);
    assert_int_equal(t->ncols, 5);
    const img_cell *time = cell_covering(t, 160, 100 + 70 * 2 + 35);
    assert_int_equal(time->col, 0);
    assert_int_equal(time->ncols, 1);
    assert_true(cell_covering(t, 390, 100 + 70 * 2 + 35) != time);
    const img_cell *reg = cell_covering(t, 660, 125);
    assert_int_equal(reg->col, 1);
    assert_int_equal(reg->ncols, 4);
    assert_true(cell_covering(t, 160, 125) != reg);
    for (int c = 0; c < 4; c++) {
        const img_cell *snack = cell_covering(t, 390 + 180 * c, 100 + 70 * 3 + 25);
        assert_int_equal(snack->col, c + 1);
        assert_int_equal(snack->ncols, 1);
    }
    img_tables_free(tables, n);
    pixDestroy(&grey);
}

/* A list under its own framed heading, ruled in rows only, its names shaded in every
 * other row (a shaded row's rules and its fill's edge make a box of their own): the
 * heading and every row are one table, each row cut into number, time and name. */
static void test_list_rows_shaded_in_turn(void **state)
{
    (void)state;
    cairo_surface_t *s;
    cairo_t *cr = canvas(600, 480, &s);
    int ys[7] = {110, 170, 230, 290, 350, 410, 470};
    for (int r = 0; r < 6; r += 2) {
        cairo_set_source_rgb(cr, 0.85, 0.85, 0.85);
        cairo_rectangle(cr, 230, ys[r] + 1, 330, ys[r + 1] - ys[r] - 2);
        cairo_fill(cr);
    }
    cairo_set_source_rgb(cr, 0, 0, 0);
    rule(cr, 40, 40, 560, 40);
    rule(cr, 40, 40, 40, 110);
    rule(cr, 560, 40, 560, 110);
    for (int i = 0; i < 7; i++)
        rule(cr, 40, ys[i], 560, ys[i]);
    text(cr, "Schedule", 300, 60, 0);
    text(cr, "Tue/Thu", 300, 90, 0);
    const char *times[6] = {"8:40-9:00", "9:00-9:15",  "9:15-9:25",
                            "9:25-9:40", "9:40-10:10", "10:10-10:35"};
    const char *names[6] = {"Reading", "Phonics", "Art", "Swimming", "Assembly", "Maths"};
    for (int r = 0; r < 6; r++) {
        double cy = (ys[r] + ys[r + 1]) / 2.0;
        char num[4];
        snprintf(num, sizeof num, "%d", r + 1);
        text(cr, num, 60, cy, 0);
        text(cr, times[r], 150, cy, 0);
        text(cr, names[r], 400, cy, 0);
    }
    cairo_destroy(cr);
    PIX *grey = grey_of(s);
    img_table *tables = NULL;
    size_t n = 0;
    ap_error err = {0};
    assert_int_equal(img_find_tables_spaced(grey, &tables, &n, NULL, &err), AP_OK);
    const img_table *t = only_table(tables, n);
    const img_cell *heading = cell_covering(t, 300, 75);
    for (int r = 0; r < 6; r++) {
        int cy = (ys[r] + ys[r + 1]) / 2;
        const img_cell *num = cell_covering(t, 60, cy), *time = cell_covering(t, 150, cy),
                       *name = cell_covering(t, 400, cy);
        assert_true(num != time && time != name && name != heading);
        assert_true(name->y > 100);
    }
    img_tables_free(tables, n);
    pixDestroy(&grey);
}

/* A ruled grid whose row holds one cell of four lines (a lesson, its group and its
 * time) beside cells of one line: the gaps above and below the one-line cells run across
 * the whole band, but the strips they would make hold one column's text each, so they
 * are no rows and the four lines stay one cell. */
static void test_tall_cell_keeps_its_row(void **state)
{
    (void)state;
    cairo_surface_t *s;
    cairo_t *cr = canvas(820, 420, &s);
    int ys[4] = {40, 110, 290, 370}, xs[5] = {40, 230, 420, 610, 780};
    for (int i = 0; i < 4; i++)
        rule(cr, xs[0], ys[i], xs[4], ys[i]);
    for (int i = 0; i < 5; i++)
        rule(cr, xs[i], ys[0], xs[i], ys[3]);
    const char *lines[4] = {"Language", "Grammar", "Group A", "9:40-10:40"};
    for (int k = 0; k < 4; k++)
        text(cr, lines[k], 325, 200 + 30 * (k - 1.5), 0);
    const char *one[4] = {"Tuesday", NULL, "Spanish", "Handwriting"};
    for (int c = 0; c < 4; c++) {
        double cx = (xs[c] + xs[c + 1]) / 2.0;
        text(cr, c == 0 ? "Day" : "9:00", cx, 75, 0);
        if (one[c]) text(cr, one[c], cx, 200, 0);
        text(cr, "Maths", cx, 330, 0);
    }
    cairo_destroy(cr);
    PIX *grey = grey_of(s);
    img_table *tables = NULL;
    size_t n = 0;
    ap_error err = {0};
    assert_int_equal(img_find_tables_spaced(grey, &tables, &n, NULL, &err), AP_OK);
    const img_table *t = only_table(tables, n);
    assert_int_equal(t->nrows, 3);
    assert_int_equal(t->ncols, 4);
    const img_cell *tall = cell_covering(t, 325, 200);
    assert_true(tall->y < 200 - 45 - 10 && tall->y + tall->h > 200 + 45 + 10);
    img_tables_free(tables, n);
    pixDestroy(&grey);
}

/* Days set apart by space alone under a ruled header, in ruled columns, where two of the
 * days hold a lesson of three lines beside lessons of one: the space between its lines
 * runs across the table too, but it is narrower than the space between the days. The
 * days are the rows, and each three-line lesson stays one cell. */
static void test_rows_apart_from_cell_lines(void **state)
{
    (void)state;
    cairo_surface_t *s;
    cairo_t *cr = canvas(820, 500, &s);
    int xs[5] = {40, 200, 380, 560, 760};
    rule(cr, xs[0], 40, xs[4], 40);
    rule(cr, xs[0], 100, xs[4], 100);
    rule(cr, xs[0], 460, xs[4], 460);
    for (int i = 0; i < 5; i++)
        rule(cr, xs[i], 40, xs[i], 460);
    const char *days[4] = {"Monday", "Tuesday", "Wednesday", "Thursday"};
    const char *times[4] = {"Day", "9:00", "10:00", "11:00"};
    for (int c = 0; c < 4; c++)
        text(cr, times[c], (xs[c] + xs[c + 1]) / 2.0, 70, 0);
    for (int r = 0; r < 4; r++) {
        double cy = 145 + 90 * r;
        text(cr, days[r], 120, cy, 0);
        if (r % 2 == 0) {
            text(cr, "Guided", 290, cy - 26, 0);
            text(cr, "Reading", 290, cy, 0);
            text(cr, "Year 2", 290, cy + 26, 0);
        } else {
            text(cr, "Maths", 290, cy, 0);
        }
        text(cr, r % 2 ? "Art" : "Music", 470, cy, 0);
        text(cr, r % 2 ? "PE" : "Science", 660, cy, 0);
    }
    cairo_destroy(cr);
    PIX *grey = grey_of(s);
    img_table *tables = NULL;
    size_t n = 0;
    ap_error err = {0};
    assert_int_equal(img_find_tables_spaced(grey, &tables, &n, NULL, &err), AP_OK);
    const img_table *t = only_table(tables, n);
    assert_int_equal(t->nrows, 5); /* the header and four days */
    assert_int_equal(t->ncols, 4);
    for (int r = 0; r < 4; r++) {
        int cy = 145 + 90 * r;
        const img_cell *lesson = cell_covering(t, 290, cy);
        assert_int_equal(lesson->row, r + 1);
        assert_int_equal(lesson->nrows, 1);
        assert_int_equal(cell_covering(t, 470, cy)->row, r + 1);
        if (r % 2 == 0) /* its three lines in one cell */
            assert_true(lesson->y < cy - 36 && lesson->y + lesson->h > cy + 36);
    }
    img_tables_free(tables, n);
    pixDestroy(&grey);
}

/* A table ruled in rows only, its break rows shaded from the first day across, their
 * edges going on as row rules across the times beside them: the rows above, between and
 * below the shaded rows are one table. */
static void test_row_only_shaded_breaks(void **state)
{
    (void)state;
    cairo_surface_t *s;
    cairo_t *cr = canvas(960, 800, &s);
    int ys[9] = {40, 120, 200, 280, 340, 460, 580, 640, 760};
    cairo_set_source_rgb(cr, 0.97, 0.8, 0.7);
    cairo_rectangle(cr, 220, 280, 720, 60);
    cairo_rectangle(cr, 220, 580, 720, 60);
    cairo_fill(cr);
    cairo_set_source_rgb(cr, 0, 0, 0);
    for (int i = 0; i < 9; i++) /* Thursday's lesson runs over two rows at 460 */
        rule(cr, 20, ys[i], i == 5 ? 760 : 940, ys[i]);
    const char *days[4] = {"Monday", "Tuesday", "Wednesday", "Thursday"};
    const char *times[8] = {"Time",          "9:00 - 10:00",  "10:00 - 11:00", "11:00 - 11:20",
                            "11:20 - 12:00", "12:00 - 12:40", "12:40 - 1:30",  "1:30 - 2:30"};
    for (int r = 0; r < 8; r++) {
        double cy = (ys[r] + ys[r + 1]) / 2.0;
        text(cr, times[r], 120, cy, 0);
        if (r == 3 || r == 6) {
            text(cr, r == 3 ? "Break" : "Lunch", 580, cy, 0);
            continue;
        }
        for (int c = 0; c < 4; c++)
            if (c < 3 || (r != 4 && r != 5))
                text(cr, r ? ((r + c) % 2 ? "Maths" : "Art") : days[c], 310 + 180 * c, cy, 0);
    }
    text(cr, "Science", 850, 460, 0);
    cairo_destroy(cr);
    PIX *grey = grey_of(s);
    img_table *tables = NULL;
    size_t n = 0;
    ap_error err = {0};
    assert_int_equal(img_find_tables_spaced(grey, &tables, &n, NULL, &err), AP_OK);
    const img_table *t = only_table(tables, n);
    const img_cell *brk = cell_covering(t, 580, 310);
    assert_true(brk->y >= 275 && brk->y + brk->h <= 345);
    /* from the first day to the last, apart from its time (the fill's edge parts them) */
    assert_int_equal(brk->col, 1);
    assert_int_equal(brk->col + brk->ncols, t->ncols);
    assert_int_equal(cell_covering(t, 120, 310)->ncols, 1);
    /* the row just above the second shaded row, under a rule that stops short of
     * Thursday, cut into its days as the others */
    const img_cell *time = cell_covering(t, 120, 520), *mon = cell_covering(t, 310, 520);
    assert_int_equal(time->ncols, 1);
    assert_int_equal(mon->col, 1);
    assert_int_equal(mon->ncols, 1);
    assert_true(mon->y >= 455 && mon->y + mon->h <= 585);
    img_tables_free(tables, n);
    pixDestroy(&grey);
}

/* Day labels set left of a ruled table's frame, between rules printed light grey (80
 * levels off the paper) that run out to the left from just short of the frame and end
 * there, shorter than a fifth of the page: no rules, with an open end, and no text either
 * (as text they joined the labels into one block across every row line), so the labels
 * are the table's label column, one cell a day, in its rows. */
static void labels_between_light_rules(int dark_header_rule)
{
    cairo_surface_t *s;
    cairo_t *cr = canvas(1400, 520, &s);
    int ys[6] = {40, 120, 220, 320, 420, 500};
    for (int i = 0; i < 6; i++)
        rule(cr, 250, ys[i], 1250, ys[i]);
    for (int c = 0; c < 6; c++)
        rule(cr, 250 + 200 * c, 40, 250 + 200 * c, 500);
    cairo_set_source_rgb(cr, 175 / 255.0, 175 / 255.0, 175 / 255.0);
    for (int i = 1; i < 6; i++)
        rule(cr, 30, ys[i], 238, ys[i]);
    cairo_set_source_rgb(cr, 0, 0, 0);
    if (dark_header_rule) rule(cr, 30, ys[1], 250, ys[1]);
    const char *days[4] = {"Monday", "Tuesday", "Wednesday", "Thursday"};
    const char *times[5] = {"9:00 - 10:00", "10:00 - 11:00", "11:00 - 12:00", "1:00 - 2:00",
                            "2:00 - 3:00"};
    for (int c = 0; c < 5; c++)
        text(cr, times[c], 350 + 200 * c, 80, 0);
    for (int r = 0; r < 4; r++) {
        double cy = (ys[r + 1] + ys[r + 2]) / 2.0;
        text(cr, days[r], 110, cy, 0);
        for (int c = 0; c < 5; c++)
            text(cr, (r + c) % 2 ? "Maths" : "Art", 350 + 200 * c, cy, 0);
    }
    cairo_destroy(cr);
    PIX *grey = grey_of(s);
    img_table *tables = NULL;
    size_t n = 0;
    ap_error err = {0};
    assert_int_equal(img_find_tables_spaced(grey, &tables, &n, NULL, &err), AP_OK);
    const img_table *t = only_table(tables, n);
    for (int r = 0; r < 4; r++) {
        int cy = (ys[r + 1] + ys[r + 2]) / 2;
        const img_cell *day = cell_covering(t, 110, cy), *lesson = cell_covering(t, 350, cy);
        /* (the dark rule's end left of the labels may make an empty column of its own) */
        if (!dark_header_rule) assert_int_equal(day->col, 0);
        assert_int_equal(day->nrows, 1);
        assert_int_equal(day->row, lesson->row);
        assert_int_equal(lesson->col, day->col + 1);
    }
    img_tables_free(tables, n);
    pixDestroy(&grey);
}

/* Two lists side by side under a framed title, each framed by its own rules (a narrow
 * gutter between the frames), rows apart by space alone: the left one's rows print two
 * lines each ("9:00 -" over "9:30"), the right one's one line, half a row lower, so no
 * gap runs across both. Each list is cut into its own rows. */
static void test_side_lists_own_rows(void **state)
{
    (void)state;
    cairo_surface_t *s;
    cairo_t *cr = canvas(1000, 480, &s);
    /* the page's frame and its title row, then each list's frame (hanging from the title
     * row), heading rule and the rule between its times and its names */
    rule(cr, 40, 30, 960, 30);
    rule(cr, 40, 90, 960, 90);
    rule(cr, 40, 460, 960, 460);
    rule(cr, 40, 30, 40, 460);
    rule(cr, 960, 30, 960, 460);
    text(cr, "Weekly Timetable", 500, 60, 0);
    const double x0[2] = {50, 505}, x1[2] = {485, 950}, first[2] = {180, 210};
    const char *days[2] = {"Monday", "Friday"};
    const char *names[5] = {"Phonics", "Maths", "Break", "English", "Science"};
    const char *times[6] = {"9:00", "9:30", "10:30", "10:45", "12:00", "12:30"};
    for (int k = 0; k < 2; k++) {
        rule(cr, x0[k], 450, x1[k], 450);
        rule(cr, x0[k], 90, x0[k], 450);
        rule(cr, x1[k], 90, x1[k], 450);
        rule(cr, x0[k], 150, x1[k], 150);
        rule(cr, x0[k] + 120, 150, x0[k] + 120, 450);
        text(cr, days[k], (x0[k] + x1[k]) / 2, 120, 0);
        for (int r = 0; r < 4; r++) {
            double y = first[k] + 60 * r;
            if (k == 0) {
                char from[16];
                snprintf(from, sizeof from, "%s -", times[r]);
                text(cr, from, x0[k] + 60, y - 9, 0);
                text(cr, times[r + 1], x0[k] + 60, y + 9, 0);
                text(cr, names[r], x0[k] + 270, y - 9, 0);
                text(cr, "Group A", x0[k] + 270, y + 9, 0);
            } else {
                text(cr, times[r], x0[k] + 60, y, 0);
                text(cr, names[r], x0[k] + 270, y, 0);
            }
        }
    }
    cairo_destroy(cr);
    PIX *grey = grey_of(s);
    img_table *tables = NULL;
    size_t n = 0;
    ap_error err = {0};
    assert_int_equal(img_find_tables_spaced(grey, &tables, &n, NULL, &err), AP_OK);
    for (int k = 0; k < 2; k++) {
        int xn = (int)x0[k] + 270, xt = (int)x0[k] + 60;
        const img_table *t = NULL;
        for (size_t i = 0; i < n && !t; i++)
            if (tables[i].x <= xn && tables[i].x + tables[i].w > xn && tables[i].y <= 200 &&
                tables[i].y + tables[i].h > 400)
                t = &tables[i];
        assert_non_null(t);
        /* each row's name in a cell of its own, holding the whole row and none of the
         * rows above and below it, apart from its time */
        for (int r = 0; r < 4; r++) {
            int y = (int)first[k] + 60 * r;
            const img_cell *name = cell_covering(t, xn, y);
            assert_true(name->y <= y - 12 && name->y + name->h >= y + 12);
            if (r > 0) assert_true(name->y > y - 60 + 12);
            if (r < 3) assert_true(name->y + name->h < y + 60 - 12);
            assert_true(name != cell_covering(t, xt, y));
        }
    }
    img_tables_free(tables, n);
    pixDestroy(&grey);
}

/* A column rule printed twice a little apart (a fill's edge a few pixels off its rule),
 * the row rules running on across the sliver between: the sliver is no gutter between
 * lists, so the narrow column beside it is no list of its own, and its cell of three
 * short lines (a name set in a column too narrow for it) stays one cell. */
static void test_doubled_rule_no_gutter(void **state)
{
    (void)state;
    cairo_surface_t *s;
    cairo_t *cr = canvas(600, 400, &s);
    const int xs[5] = {40, 220, 400, 416, 520}, ys[4] = {40, 120, 240, 360};
    for (int i = 0; i < 4; i++)
        rule(cr, xs[0], ys[i], xs[4], ys[i]);
    for (int i = 0; i < 5; i++)
        rule(cr, xs[i], ys[0], xs[i], ys[3]);
    text(cr, "Day", 130, 80, 0);
    text(cr, "9:00", 310, 80, 0);
    text(cr, "15:10", 468, 80, 0);
    for (int r = 1; r < 3; r++) {
        double cy = (ys[r] + ys[r + 1]) / 2.0;
        text(cr, r == 1 ? "Monday" : "Tuesday", 130, cy, 0);
        text(cr, "Maths", 310, cy, 0);
        text(cr, "Go", 468, cy - 26, 0);
        text(cr, "Home", 468, cy, 0);
        text(cr, "Now", 468, cy + 26, 0);
    }
    cairo_destroy(cr);
    PIX *grey = grey_of(s);
    img_table *tables = NULL;
    size_t n = 0;
    ap_error err = {0};
    assert_int_equal(img_find_tables_spaced(grey, &tables, &n, NULL, &err), AP_OK);
    const img_table *t = only_table(tables, n);
    for (int r = 1; r < 3; r++) {
        int cy = (ys[r] + ys[r + 1]) / 2;
        const img_cell *c = cell_covering(t, 468, cy);
        assert_true(c == cell_covering(t, 468, cy - 26));
        assert_true(c == cell_covering(t, 468, cy + 26));
        assert_true(c->y < ys[r] + 10 && c->y + c->h > ys[r + 1] - 10);
    }
    img_tables_free(tables, n);
    pixDestroy(&grey);
}

/* A table ruled in rows only, one lesson printed in four lines beside lessons of one: the
 * gaps across the band above and below the one-line lessons part off the tall cell's
 * first and last lines alone, which are no rows of their own. */
static void test_row_only_tall_cell(void **state)
{
    (void)state;
    cairo_surface_t *s;
    cairo_t *cr = canvas(760, 400, &s);
    const int ys[4] = {40, 110, 260, 330};
    for (int i = 0; i < 4; i++)
        rule(cr, 40, ys[i], 720, ys[i]);
    const char *head[3] = {"Day", "9:00", "10:00"};
    const char *lines[4] = {"Language/", "Grammar", "Group A", "9:40-10:40"};
    for (int c = 0; c < 3; c++)
        text(cr, head[c], 110 + 250 * c, 75, 0);
    text(cr, "Tuesday", 110, 185, 0);
    for (int k = 0; k < 4; k++)
        text(cr, lines[k], 360, 185 - 45 + 30 * k, 0);
    text(cr, "Spanish", 610, 185, 0);
    text(cr, "Wednesday", 110, 295, 0);
    text(cr, "Maths", 360, 295, 0);
    text(cr, "Art", 610, 295, 0);
    cairo_destroy(cr);
    PIX *grey = grey_of(s);
    img_table *tables = NULL;
    size_t n = 0;
    ap_error err = {0};
    assert_int_equal(img_find_tables_spaced(grey, &tables, &n, NULL, &err), AP_OK);
    const img_table *t = only_table(tables, n);
    const img_cell *tall = cell_covering(t, 360, 140);
    assert_true(tall == cell_covering(t, 360, 230));
    assert_true(tall->y < 120 && tall->y + tall->h > 250);
    assert_int_equal(cell_covering(t, 110, 185)->row, tall->row);
    img_tables_free(tables, n);
    pixDestroy(&grey);
}

static void test_labels_between_light_rules(void **state)
{
    (void)state;
    labels_between_light_rules(0);
}

static void test_labels_under_dark_header_rule(void **state)
{
    (void)state;
    labels_between_light_rules(1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_row_only),
        cmocka_unit_test(test_frame_only_list),
        cmocka_unit_test(test_ruled_grid_unchanged),
        cmocka_unit_test(test_tall_cell_keeps_its_row),
        cmocka_unit_test(test_rows_apart_from_cell_lines),
        cmocka_unit_test(test_borderless_shaded_column),
        cmocka_unit_test(test_borderless_merged_row),
        cmocka_unit_test(test_pastels_of_one_grey),
        cmocka_unit_test(test_rows_cut_by_merged_cell),
        cmocka_unit_test(test_zebra_rows_thick_rules),
        cmocka_unit_test(test_lists_under_framed_title),
        cmocka_unit_test(test_header_outside_fills),
        cmocka_unit_test(test_header_over_split_column),
        cmocka_unit_test(test_shaded_list_title),
        cmocka_unit_test(test_faint_dash_in_times),
        cmocka_unit_test(test_banded_columns_shaded_rows),
        cmocka_unit_test(test_list_rows_shaded_in_turn),
        cmocka_unit_test(test_row_only_shaded_breaks),
        cmocka_unit_test(test_labels_between_light_rules),
        cmocka_unit_test(test_side_lists_own_rows),
        cmocka_unit_test(test_labels_under_dark_header_rule),
        cmocka_unit_test(test_doubled_rule_no_gutter),
        cmocka_unit_test(test_row_only_tall_cell),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Proves: the 4-point homography reproduces a known matrix; a ruled grid drawn here,
 * photographed on a desk (Leptonica's projective warp with known corners), gives back
 * its table and page corners within a few pixels; after persp_correct its rules are
 * straight (the lattice is found with every rule, spaced as drawn, and the outline meets
 * at right angles); a flat page and a page that is only rotated come back untouched (the
 * same image); hostile sizes (tiny, needle-thin, large, not grey) are bounded and left.
 * End to end, tt_extract_image reads a photographed timetable (days as rows, times in
 * the header) into the blocks that were drawn. */
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
#include "vision/perspective.h"
#include "vision/table.h"

#include "test_draw.h"

#define PAGE_W 900
#define PAGE_H 640

/* the drawn table: 5 columns, 4 rows, between these rules */
static const double col_x[6] = {60, 200, 330, 470, 650, 840};
static const double row_y[5] = {130, 240, 350, 460, 580};

/* A page with a title and a ruled 4 x 5 grid with text in some cells, as 8 bpp grey. */
static PIX *draw_page(void)
{
    cairo_surface_t *s;
    cairo_t *cr = canvas(PAGE_W, PAGE_H, &s);
    text(cr, "Class Timetable", PAGE_W / 2.0, 60, 0);
    for (int i = 0; i < 5; i++)
        rule(cr, col_x[0], row_y[i], col_x[5], row_y[i]);
    for (int i = 0; i < 6; i++)
        rule(cr, col_x[i], row_y[0], col_x[i], row_y[4]);
    const char *names[] = {"Maths", "English", "Science", "Art", "Music", "History"};
    for (int r = 0; r < 4; r++)
        for (int c = 1; c < 5; c += 1 + (r & 1))
            text(cr, names[(r + c) % 6], (col_x[c] + col_x[c + 1]) / 2,
                 (row_y[r] + row_y[r + 1]) / 2, 0);
    cairo_destroy(cr);
    return grey_of(s);
}

/* The page's corners moved inwards (a phone photo), the rest a dark desk. */
static const persp_quad moved = {{45, 880, 860, 18}, {28, 52, 622, 600}};

static PIX *photograph(PIX *page)
{
    PTA *src = ptaCreate(4), *dst = ptaCreate(4);
    double cx[4] = {0, PAGE_W - 1, PAGE_W - 1, 0}, cy[4] = {0, 0, PAGE_H - 1, PAGE_H - 1};
    for (int i = 0; i < 4; i++) {
        ptaAddPt(src, (float)cx[i], (float)cy[i]);
        ptaAddPt(dst, (float)moved.x[i], (float)moved.y[i]);
    }
    PIX *photo = pixProjectivePtaGray(page, dst, src, 70);
    ptaDestroy(&src);
    ptaDestroy(&dst);
    assert_non_null(photo);
    return photo;
}

static void map(const double h[9], double x, double y, double *u, double *v)
{
    double z = h[6] * x + h[7] * y + h[8];
    *u = (h[0] * x + h[1] * y + h[2]) / z;
    *v = (h[3] * x + h[4] * y + h[5]) / z;
}

static void test_homography_known(void **state)
{
    (void)state;
    const double truth[9] = {0.93, 0.05, 31.0, -0.04, 1.08, 12.5, 2.1e-5, -3.4e-5, 1};
    persp_quad src = {{0, 1800, 1750, 40}, {0, 20, 1250, 1300}}, dst;
    for (int i = 0; i < 4; i++)
        map(truth, src.x[i], src.y[i], &dst.x[i], &dst.y[i]);
    double h[9];
    assert_int_equal(persp_homography(&src, &dst, h), 0);
    for (int i = 0; i < 9; i++)
        assert_true(fabs(h[i] - truth[i]) <= 1e-9 * fmax(1.0, fabs(truth[i])));
    /* and any other point goes where the true matrix sends it */
    double u, v, tu, tv;
    map(h, 900, 600, &u, &v);
    map(truth, 900, 600, &tu, &tv);
    assert_true(fabs(u - tu) < 1e-6 && fabs(v - tv) < 1e-6);
    /* three points on a line have no homography */
    persp_quad line = {{0, 100, 200, 0}, {0, 100, 200, 300}};
    assert_int_equal(persp_homography(&line, &dst, h), -1);
}

static void test_recovers_corners(void **state)
{
    (void)state;
    PIX *page = draw_page(), *photo = photograph(page);
    persp_quad corners = {{0, PAGE_W - 1, PAGE_W - 1, 0}, {0, 0, PAGE_H - 1, PAGE_H - 1}};
    double h[9];
    assert_int_equal(persp_homography(&corners, &moved, h), 0);
    persp_outline o;
    persp_find(photo, &o);
    assert_true(o.has_table);
    assert_true(o.has_page);
    /* the paper's outline agrees with the table's and is larger: the page is used */
    assert_int_equal(o.use, 2);
    assert_true(o.distortion > 1.0);
    /* the table's outer corners are the outer edges of its 2-pixel rules */
    double tx[4] = {col_x[0] - 1, col_x[5] + 1, col_x[5] + 1, col_x[0] - 1};
    double ty[4] = {row_y[0] - 1, row_y[0] - 1, row_y[4] + 1, row_y[4] + 1};
    for (int i = 0; i < 4; i++) {
        double u, v;
        map(h, tx[i], ty[i], &u, &v);
        assert_true(hypot(o.table.x[i] - u, o.table.y[i] - v) < 3.0);
        assert_true(hypot(o.page.x[i] - moved.x[i], o.page.y[i] - moved.y[i]) < 3.0);
    }
    pixDestroy(&photo);
    pixDestroy(&page);
}

static void test_corrected_rules_straight(void **state)
{
    (void)state;
    PIX *page = draw_page(), *photo = photograph(page);
    persp_outline o;
    PIX *flat = persp_correct(photo, NULL, &o);
    assert_non_null(flat);
    assert_ptr_not_equal(flat, photo);
    assert_int_equal(o.use, 2);
    /* bounded: at most the input's pixels */
    assert_true((double)pixGetWidth(flat) * pixGetHeight(flat) <=
                (double)pixGetWidth(photo) * pixGetHeight(photo));
    /* the outline now meets at right angles */
    persp_outline again;
    persp_find(flat, &again);
    assert_true(again.has_table);
    assert_true(again.distortion < 0.3);
    assert_int_equal(again.use, 0);
    /* and the lattice is found with every rule, spaced as drawn: a rule still slanted
     * by more than a few pixels end to end would split or vanish */
    img_table *tables = NULL;
    size_t n = 0;
    ap_error err = {0};
    assert_int_equal(img_find_tables(flat, &tables, &n, NULL, &err), AP_OK);
    assert_true(n >= 1);
    const img_table *t = &tables[0];
    assert_int_equal(t->nrows, 4);
    assert_int_equal(t->ncols, 5);
    double sx = (t->col_x[5] - t->col_x[0]) / (col_x[5] - col_x[0]);
    double sy = (t->row_y[4] - t->row_y[0]) / (row_y[4] - row_y[0]);
    for (int i = 0; i <= 5; i++)
        assert_true(fabs(t->col_x[i] - t->col_x[0] - (col_x[i] - col_x[0]) * sx) < 4.0);
    for (int i = 0; i <= 4; i++)
        assert_true(fabs(t->row_y[i] - t->row_y[0] - (row_y[i] - row_y[0]) * sy) < 4.0);
    /* the desk is gone: the page was cut at the paper's edge, every corner white */
    l_uint32 v;
    int fw = pixGetWidth(flat), fh = pixGetHeight(flat);
    int cxs[4] = {1, fw - 2, fw - 2, 1}, cys[4] = {1, 1, fh - 2, fh - 2};
    for (int i = 0; i < 4; i++) {
        pixGetPixel(flat, cxs[i], cys[i], &v);
        assert_true(v > 200);
    }
    img_tables_free(tables, n);
    pixDestroy(&flat);
    pixDestroy(&photo);
    pixDestroy(&page);
}

/* A page whose only outline is the paper (rules across rows only, no frame). */
static void test_page_outline(void **state)
{
    (void)state;
    cairo_surface_t *s;
    cairo_t *cr = canvas(PAGE_W, PAGE_H, &s);
    text(cr, "Daily Schedule", PAGE_W / 2.0, 60, 0);
    for (int i = 0; i < 5; i++) {
        rule(cr, 80, row_y[i], 520, row_y[i]);
        text(cr, "9:00 - 9:30 Maths", 300, row_y[i] + 25, 0);
    }
    cairo_destroy(cr);
    PIX *pix = to_pix(s);
    cairo_surface_destroy(s);
    PIX *page = pixConvertTo8(pix, 0), *photo = photograph(page);
    persp_outline o;
    persp_find(photo, &o);
    assert_false(o.has_table);
    assert_true(o.has_page);
    assert_int_equal(o.use, 2);
    for (int i = 0; i < 4; i++)
        assert_true(hypot(o.page.x[i] - moved.x[i], o.page.y[i] - moved.y[i]) < 3.0);
    PIX *flat = persp_correct(photo, NULL, NULL);
    persp_outline again;
    persp_find(flat, &again);
    assert_int_equal(again.use, 0);
    pixDestroy(&flat);
    pixDestroy(&photo);
    pixDestroy(&page);
    pixDestroy(&pix);
}

/* Two narrow ruled tables side by side (a week's schedules printed in panels), as 8 bpp
 * grey; the left one a little taller, so that it is the largest piece of ink. When
 * trapezoid is set, the left table is drawn keystoned on the paper itself (narrower at
 * the top) and the right one shorter, so that paper and the largest table disagree
 * about the plane. */
static PIX *draw_panels(int trapezoid)
{
    cairo_surface_t *s;
    cairo_t *cr = canvas(PAGE_W, PAGE_H, &s);
    const double px[2][3] = {{70, 160, 400}, {500, 590, 830}};
    for (int t = 0; t < 2; t++) {
        double top = t ? (trapezoid ? 250 : 120) : 100, bottom = 590;
        double in = trapezoid && t == 0 ? 40 : 0; /* top corners moved inwards */
        for (int i = 0; i < 7; i++) {
            double y = top + (bottom - top) * i / 6, k = (bottom - y) / (bottom - top);
            rule(cr, px[t][0] + in * k, y, px[t][2] - in * k, y);
            if (i < 6) text(cr, "Maths", (px[t][1] + px[t][2]) / 2, y + 30, 0);
        }
        for (int i = 0; i < 3; i++) {
            double xt = px[t][i] + (i == 0 ? in : i == 2 ? -in : in * 0.25);
            rule(cr, xt, top, px[t][i], bottom);
        }
    }
    cairo_destroy(cr);
    return grey_of(s);
}

/* A homography fitted to one narrow table holds poorly on the far side of the page: the
 * paper's outline, larger and agreeing with the table, is used, and both panels come out
 * with straight rules (each found with its three columns, not split by a slant). */
static void test_page_preferred_to_narrow_table(void **state)
{
    (void)state;
    PIX *page = draw_panels(0), *photo = photograph(page);
    persp_outline o;
    PIX *flat = persp_correct(photo, NULL, &o);
    assert_true(o.has_table);
    assert_true(o.has_page);
    assert_int_equal(o.use, 2);
    img_table *tables = NULL;
    size_t n = 0;
    ap_error err = {0};
    assert_int_equal(img_find_tables(flat, &tables, &n, NULL, &err), AP_OK);
    assert_int_equal(n, 2);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(tables[i].ncols, 2);
        assert_int_equal(tables[i].nrows, 6);
    }
    img_tables_free(tables, n);
    pixDestroy(&flat);
    pixDestroy(&photo);
    pixDestroy(&page);
}

/* When the paper's outline would leave the table slanted (the table is not printed
 * square on it), the table is the closer evidence and the paper is not used. */
static void test_disagreeing_page_left(void **state)
{
    (void)state;
    PIX *page = draw_panels(1), *photo = photograph(page);
    persp_outline o;
    persp_find(photo, &o);
    assert_true(o.has_table);
    assert_true(o.has_page);
    assert_int_equal(o.use, 1);
    pixDestroy(&photo);
    pixDestroy(&page);
}

static void test_flat_and_rotated_untouched(void **state)
{
    (void)state;
    PIX *page = draw_page();
    persp_outline o;
    PIX *out = persp_correct(page, NULL, &o);
    assert_ptr_equal(out, page); /* a clone: the same pixels, not a copy */
    assert_int_equal(o.use, 0);
    assert_true(o.has_table);
    pixDestroy(&out);
    /* a scan set a little askew: a rectangle still, deskew's business */
    PIX *rotated =
        pixRotate(page, (float)(2.0 * M_PI / 180), L_ROTATE_AREA_MAP, L_BRING_IN_WHITE, 0, 0);
    assert_non_null(rotated);
    out = persp_correct(rotated, NULL, &o);
    assert_ptr_equal(out, rotated);
    assert_int_equal(o.use, 0);
    assert_true(o.has_table);
    assert_true(o.distortion < 0.5);
    pixDestroy(&out);
    pixDestroy(&rotated);
    pixDestroy(&page);
}

static void test_hostile_sizes(void **state)
{
    (void)state;
    persp_outline o;
    assert_null(persp_correct(NULL, NULL, &o));
    assert_int_equal(o.use, 0);
    int sizes[][2] = {{1, 1}, {63, 900}, {4000, 2}, {12000, 200}, {3000, 2200}};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        PIX *p = pixCreate(sizes[i][0], sizes[i][1], 8);
        assert_non_null(p);
        pixSetAllArbitrary(p, 255);
        /* a dark band: a step the page scan might take for a desk */
        pixRasterop(p, 0, 0, sizes[i][0] / 10 + 1, sizes[i][1], PIX_SET, NULL, 0, 0);
        PIX *out = persp_correct(p, NULL, &o);
        assert_ptr_equal(out, p);
        assert_int_equal(o.use, 0);
        pixDestroy(&out);
        pixDestroy(&p);
    }
    /* colour is not this module's input: left as it is */
    PIX *rgb = pixCreate(200, 200, 32);
    PIX *out = persp_correct(rgb, NULL, &o);
    assert_ptr_equal(out, rgb);
    pixDestroy(&out);
    pixDestroy(&rgb);
    /* the warp refuses empty outputs and keeps to the size it is given */
    double id[9] = {1, 0, 0, 0, 1, 0, 0, 0, 1};
    PIX *g = pixCreate(50, 40, 8);
    assert_null(persp_warp(g, id, 0, 10));
    assert_null(persp_warp(g, id, 10, -1));
    PIX *w = persp_warp(g, id, 70, 30);
    assert_non_null(w);
    assert_int_equal(pixGetWidth(w), 70);
    l_uint32 v;
    pixGetPixel(w, 65, 10, &v); /* beyond the input: white */
    assert_int_equal(v, 255);
    pixGetPixel(w, 10, 10, &v); /* inside: the input's black */
    assert_int_equal(v, 0);
    pixDestroy(&w);
    pixDestroy(&g);
}

static void test_extract_photographed(void **state)
{
    (void)state;
    cairo_surface_t *s;
    cairo_t *cr = canvas(PAGE_W, PAGE_H, &s);
    text(cr, "Class Timetable", PAGE_W / 2.0, 60, 0);
    for (int i = 0; i < 5; i++)
        rule(cr, col_x[0], row_y[i], col_x[5], row_y[i]);
    for (int i = 0; i < 6; i++)
        rule(cr, col_x[i], row_y[0], col_x[i], row_y[4]);
    const char *head[4] = {"9:00 - 10:00", "10:00 - 11:00", "11:00 - 12:00", "1:00 - 2:00"};
    const char *days[3] = {"Monday", "Tuesday", "Wednesday"};
    const char *names[3][4] = {{"Maths", "English", "Science", "History"},
                               {"Music", "Maths", "Reading", "Art"},
                               {"Spelling", "Science", "Writing", "Drama"}};
    for (int c = 0; c < 4; c++)
        text(cr, head[c], (col_x[c + 1] + col_x[c + 2]) / 2, (row_y[0] + row_y[1]) / 2, 0);
    for (int r = 0; r < 3; r++) {
        double cy = (row_y[r + 1] + row_y[r + 2]) / 2;
        text(cr, days[r], (col_x[0] + col_x[1]) / 2, cy, 0);
        for (int c = 0; c < 4; c++)
            text(cr, names[r][c], (col_x[c + 1] + col_x[c + 2]) / 2, cy, 0);
    }
    cairo_destroy(cr);
    PIX *pix = to_pix(s);
    cairo_surface_destroy(s);
    PIX *page = pixConvertTo8(pix, 0), *photo = photograph(page);
    tt_doc d;
    ap_error err = {0};
    tt_extract_options opts = {.threads = 2};
    ap_status st = tt_extract_image(photo, &opts, &d, &err);
    if (st == AP_ERR_MODEL_NOT_FOUND) {
        pixDestroy(&photo), pixDestroy(&page), pixDestroy(&pix);
        skip();
    }
    assert_int_equal(st, AP_OK);
    const int starts[4] = {540, 600, 660, 780};
    for (int r = 0; r < 3; r++)
        for (int c = 0; c < 4; c++) {
            size_t i = 0;
            while (i < d.nblocks && (d.blocks[i].day != r || strcmp(d.blocks[i].name, names[r][c])))
                i++;
            if (i == d.nblocks) fail_msg("no block '%s' on %s", names[r][c], days[r]);
            assert_int_equal(d.blocks[i].start, starts[c]);
            assert_int_equal(d.blocks[i].end, starts[c] + 60);
        }
    assert_int_equal(d.nblocks, 12);
    tt_doc_free(&d);
    pixDestroy(&photo);
    pixDestroy(&page);
    pixDestroy(&pix);
}

int main(void)
{
    img_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_homography_known),
        cmocka_unit_test(test_recovers_corners),
        cmocka_unit_test(test_corrected_rules_straight),
        cmocka_unit_test(test_page_outline),
        cmocka_unit_test(test_flat_and_rotated_untouched),
        cmocka_unit_test(test_hostile_sizes),
        cmocka_unit_test(test_extract_photographed),
        cmocka_unit_test(test_page_preferred_to_narrow_table),
        cmocka_unit_test(test_disagreeing_page_left),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

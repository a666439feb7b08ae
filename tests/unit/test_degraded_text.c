/* Proves: how much darker than the paper ink must be, on clean and on degraded pages.
 * A cell's ink bar (tt_crop_levels) stays at 70 levels for black print, comes down to
 * half the contrast of faint print (grey type, or thin strokes a shrunk and blurred
 * scan left 40-80 levels off the paper), and never under four deviations of the cell's
 * noise; the page-wide bar of faint rules (img_ink_delta) follows the page's noise; a
 * crop's paper, not its median, is stretched to white before it is read.
 * End to end, a timetable printed in light grey, shrunk and blurred as a poor scan is,
 * still gives every lesson. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "document/extract.h"
#include "vision/fill.h"
#include "vision/image.h"

#include "test_draw.h"

int tt_crop_levels(PIX *crop, int tight, int *median, int *delta, float *noise); /* raster_crop.c */
void tt_clear_edge_rules(PIX *crop);                                             /* raster_crop.c */
void tt_stretch_paper(PIX *part, float paper_rank, int dark_ground);             /* raster_crop.c */

/* A w x h grey crop of paper level `paper` holding a block of ink of level `ink` over
 * a sixth of it, with uniform noise of +-amp (deterministic). */
static PIX *crop_of(int w, int h, int paper, int ink, int amp)
{
    PIX *p = pixCreate(w, h, 8);
    assert_non_null(p);
    uint32_t r = 12345;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            int v = (x > w / 3 && x < w / 2 && y > h / 4 && y < 3 * h / 4) ? ink : paper;
            if (amp) {
                r = r * 1103515245u + 12345u;
                v += (int)((r >> 16) % (uint32_t)(2 * amp + 1)) - amp;
            }
            pixSetPixel(p, x, y, (l_uint32)(v < 0 ? 0 : v > 255 ? 255 : v));
        }
    return p;
}

static void test_cell_ink_bar(void **state)
{
    (void)state;
    int median = 0, delta = 0;
    float noise = -1;
    /* black print on white: the usual bar */
    PIX *p = crop_of(120, 40, 255, 0, 0);
    assert_true(tt_crop_levels(p, 0, &median, &delta, &noise));
    assert_int_equal(median, 255);
    assert_int_equal(delta, 70);
    assert_true(noise < 1.0f);
    pixDestroy(&p);
    /* faint print 60 levels off a tinted paper: half its contrast */
    p = crop_of(120, 40, 230, 170, 0);
    assert_true(tt_crop_levels(p, 0, &median, &delta, NULL));
    assert_int_equal(median, 230);
    assert_int_equal(delta, 30);
    pixDestroy(&p);
    /* the same under noise of +-14 (sigma about 8): the bar stays above the noise */
    p = crop_of(120, 40, 230, 170, 14);
    assert_true(tt_crop_levels(p, 0, &median, &delta, &noise));
    assert_true(noise > 5.0f && noise < 13.0f);
    assert_true(delta >= 4 * noise - 1 && delta <= 55);
    pixDestroy(&p);
    /* light print on a dark fill: measured upwards */
    p = crop_of(120, 40, 40, 250, 0);
    assert_true(tt_crop_levels(p, 0, &median, &delta, NULL));
    assert_int_equal(median, 40);
    assert_int_equal(delta, 70);
    pixDestroy(&p);
}

/* A thin cell that runs off the paper onto the grey around it (a screenshot's window, a
 * lattice column wider than the page): its left half and more grey (230), the rest
 * white, a time's ink (110) on the white. The quartiles straddle the two grounds, no
 * noise: the bar is the usual one and the ink is ink, not a cell read empty. A large
 * cell over the same grounds keeps the quartiles' measure. */
static void test_two_grounds_bar(void **state)
{
    (void)state;
    PIX *p = pixCreate(400, 20, 8);
    assert_non_null(p);
    for (int y = 0; y < 20; y++)
        for (int x = 0; x < 400; x++) {
            int v = x < 220 ? 230 : 252;
            if (x >= 300 && x < 360 && y >= 4 && y < 16 && x % 3 == 0) v = 110;
            pixSetPixel(p, x, y, (l_uint32)v);
        }
    int median = 0, delta = 0;
    float noise = -1;
    assert_true(tt_crop_levels(p, 0, &median, &delta, &noise));
    assert_int_equal(median, 230);
    assert_true(noise < 5.0f);
    assert_int_equal(delta, 60); /* half the contrast */
    assert_true(110 < median - delta);
    pixDestroy(&p);
    /* the same grounds in a large cell (a merged corner beside a fill): as before */
    p = pixCreate(400, 100, 8);
    assert_non_null(p);
    for (int y = 0; y < 100; y++)
        for (int x = 0; x < 400; x++)
            pixSetPixel(p, x, y, x < 220 ? 230 : 252);
    assert_true(tt_crop_levels(p, 0, &median, &delta, &noise));
    assert_true(noise > 20.0f);
    pixDestroy(&p);
}

/* Dark pixels (under 128) of an 8 bpp crop. */
static int dark_pixels(PIX *p)
{
    PIX *bin = pixThresholdToBinary(p, 128);
    l_int32 n = 0;
    pixCountPixels(bin, &n, NULL);
    pixDestroy(&bin);
    return n;
}

/* A cell crop of a photographed page whose column rule slants in along its right side,
 * against a right-aligned time: the rule goes, the time's strokes all stay. */
static void test_slanted_rule_cleared(void **state)
{
    (void)state;
    cairo_surface_t *s;
    cairo_t *cr = canvas(140, 44, &s);
    text(cr, "9:00", 90, 22, 0);
    cairo_destroy(cr);
    PIX *colour = to_pix(s);
    PIX *alone = pixConvertTo8(colour, 0);
    pixDestroy(&colour);
    cr = cairo_create(s);
    cairo_set_source_rgb(cr, 0, 0, 0);
    cairo_set_line_width(cr, 2);
    rule(cr, 133, 0, 137, 44);
    cairo_destroy(cr);
    colour = to_pix(s);
    cairo_surface_destroy(s);
    PIX *ruled = pixConvertTo8(colour, 0);
    pixDestroy(&colour);
    int text_only = dark_pixels(alone);
    assert_true(dark_pixels(ruled) > text_only + 60);
    tt_clear_edge_rules(ruled);
    assert_int_equal(dark_pixels(ruled), text_only);
    /* the text alone is left as it is */
    tt_clear_edge_rules(alone);
    assert_int_equal(dark_pixels(alone), text_only);
    pixDestroy(&alone);
    pixDestroy(&ruled);
}

/* A block cut close around bold, blurred text outside the tables: in every six columns two
 * of ink (90), two of its halo (200), two of paper (246). The quartiles spread with the
 * halo and would set the bar past the ink; cut tight, the noise is read from neighbouring
 * pixels and the ink stays ink. */
/* A crop cut tight around print: in every six columns `inked` of ink (ink), two of its
 * halo (halo: the lighter half of the strokes) and the rest paper (paper). */
static PIX *print_crop(int inked, int ink, int halo, int paper)
{
    PIX *p = pixCreate(60, 20, 8);
    assert_non_null(p);
    for (int y = 0; y < 20; y++)
        for (int x = 0; x < 60; x++) {
            int c = x % 6, v = c < inked ? ink : c < inked + 2 ? halo : paper;
            pixSetPixel(p, x, y, (l_uint32)v);
        }
    return p;
}

static l_uint32 level_at(PIX *p, int x)
{
    l_uint32 v = 0;
    pixGetPixel(p, x, 10, &v);
    return v;
}

/* tt_stretch_paper at the CRNN's paper rank (0.9): the paper of a crop that bold print
 * covers more than half of goes to white and its ink to black, while the halo of the
 * strokes stays grey; at the median (Tesseract's, 0.5) the halo, taken for the paper, goes
 * white. Light print on a dark fill (the cell's ground is dark) is turned dark on light
 * the same way, while bold print that fills half its tight crop on a light cell is not
 * turned; a crop of little contrast is left as it is. */
static void test_paper_stretch(void **state)
{
    (void)state;
    PIX *p = print_crop(2, 60, 170, 235); /* bold: ink and halo are 2/3 of the crop */
    tt_stretch_paper(p, 0.9f, 0);
    assert_int_equal(level_at(p, 5), 255);
    assert_int_equal(level_at(p, 0), 0);
    assert_in_range(level_at(p, 3), 100, 220);
    pixDestroy(&p);
    p = print_crop(2, 60, 170, 235);
    tt_stretch_paper(p, 0.5f, 0);
    assert_int_equal(level_at(p, 3), 255);
    assert_int_equal(level_at(p, 0), 0);
    pixDestroy(&p);
    p = print_crop(1, 220, 110, 30); /* light text on a dark fill */
    tt_stretch_paper(p, 0.9f, 1);
    assert_int_equal(level_at(p, 5), 255);
    assert_int_equal(level_at(p, 0), 0);
    assert_in_range(level_at(p, 1), 60, 220);
    pixDestroy(&p);
    /* one bold letter cut tight: its ink is half the crop, the median, yet its cell's
     * ground is light, and it stays dark on light */
    p = print_crop(3, 20, 120, 235);
    tt_stretch_paper(p, 0.9f, 0);
    assert_int_equal(level_at(p, 0), 0);
    assert_int_equal(level_at(p, 5), 255);
    pixDestroy(&p);
    p = print_crop(2, 200, 210, 230); /* too little contrast to stretch */
    tt_stretch_paper(p, 0.9f, 0);
    assert_int_equal(level_at(p, 0), 200);
    assert_int_equal(level_at(p, 5), 230);
    pixDestroy(&p);
}

static void test_tight_block_bar(void **state)
{
    (void)state;
    static const int levels[6] = {90, 90, 200, 200, 246, 246};
    PIX *p = pixCreate(60, 24, 8);
    assert_non_null(p);
    for (int y = 0; y < 24; y++)
        for (int x = 0; x < 60; x++)
            pixSetPixel(p, x, y, (l_uint32)levels[x % 6]);
    int median = 0, delta = 0;
    assert_true(tt_crop_levels(p, 0, &median, &delta, NULL));
    assert_true(median - delta < 90); /* loose: no ink */
    assert_true(tt_crop_levels(p, 1, &median, &delta, NULL));
    assert_true(median - delta > 90 && median - delta < 200);
    pixDestroy(&p);
}

static void test_page_ink_bar(void **state)
{
    (void)state;
    /* a clean page's difference from its background is 0 but for the print */
    PIX *diff = crop_of(600, 400, 0, 200, 0);
    int clean = img_ink_delta(diff, 40, 70);
    pixDestroy(&diff);
    /* a noisy scan's paper sits some levels off its closing, and spreads */
    diff = crop_of(600, 400, 14, 200, 14);
    int noisy = img_ink_delta(diff, 40, 70);
    pixDestroy(&diff);
    diff = crop_of(600, 400, 30, 200, 30);
    int very = img_ink_delta(diff, 40, 70);
    pixDestroy(&diff);
    assert_int_equal(clean, 40);
    assert_true(noisy > 40 && noisy <= 55);
    assert_int_equal(very, 70);
}

/* Days as rows, times in the header, one subject a cell, every stroke in light grey. */
static PIX *draw_faint_week(void)
{
    cairo_surface_t *s;
    cairo_t *cr = canvas(760, 420, &s);
    cairo_set_source_rgb(cr, 0.55, 0.55, 0.55);
    draw_week_grid(cr);
    cairo_destroy(cr);
    PIX *pix = to_pix(s);
    cairo_surface_destroy(s);
    /* a poor scan: grey, shrunk, blurred by a 3 x 3 box */
    PIX *grey = pixConvertTo8(pix, 0);
    PIX *small = grey ? pixScale(grey, 0.8f, 0.8f) : NULL;
    PIX *blurred = small ? pixBlockconv(small, 1, 1) : NULL;
    pixDestroy(&pix);
    pixDestroy(&grey);
    pixDestroy(&small);
    assert_non_null(blurred);
    return blurred;
}

static void test_faint_blurred_page(void **state)
{
    (void)state;
    PIX *pix = draw_faint_week();
    tt_doc d;
    extract_drawn(pix, &d);
    assert_week_read(&d);
    tt_doc_free(&d);
}

int main(void)
{
    img_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cell_ink_bar), cmocka_unit_test(test_two_grounds_bar),         cmocka_unit_test(test_page_ink_bar),
        cmocka_unit_test(test_slanted_rule_cleared), cmocka_unit_test(test_tight_block_bar),
        cmocka_unit_test(test_paper_stretch),        cmocka_unit_test(test_faint_blurred_page),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

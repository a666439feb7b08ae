/* Proves: the page normalisation of the raster path. vision/resolution measures a page's
 * text height in pixels (halved when the page is shrunk to half, the same when the page
 * is turned a quarter), asks for an enlargement only for small print on a small page, by
 * half or more (bounded by IMG_MAX_UPSCALE, the pixels allowed and a short side of 1300,
 * to which a phone photo of 8-pixel print 683 pixels high grows), and enlarges by the
 * factor asked.
 * vision/noise measures grain of a known deviation within a few percent on paper and on a
 * page with text and rules, reads a clean page as clean, and its smoothing takes the grain
 * below the threshold while rules stay dark. End to end, a timetable shrunk to under half
 * its size, and one under heavy grain, read into the blocks that were drawn.
 * vision/light measures a ramp of light across a page within a few percent, reads an
 * evenly lit page as even (shaded cells and all, and panels of fills darker from left
 * to right, upright or turned), and its flattening brings the paper on
 * both sides to one grey while a shaded cell stays as far below its paper as it was. End
 * to end, a shaded timetable lit from one side reads into the blocks that were drawn. */
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
#include "vision/light.h"
#include "vision/noise.h"
#include "vision/resolution.h"

#include "test_draw.h"

/* A week of three days as rows and three hours as columns, ruled, in 32 bpp colour;
 * with shaded, the day column and the middle hour's cells are shaded grey. */
static PIX *draw_week_generic(int shaded)
{
    cairo_surface_t *s;
    cairo_t *cr = canvas(760, 420, &s);
    if (shaded) {
        cairo_set_source_rgb(cr, 0.78, 0.78, 0.78);
        cairo_rectangle(cr, 20, 100, 180, 300);
        cairo_rectangle(cr, 380, 100, 180, 300);
        cairo_fill(cr);
        cairo_set_source_rgb(cr, 0, 0, 0);
    }
    draw_week_grid(cr);
    cairo_destroy(cr);
    PIX *pix = to_pix(s);
    cairo_surface_destroy(s);
    return pix;
}

static PIX *draw_week(void)
{
    return draw_week_generic(0);
}

/* Seeded Gaussian grain of deviation sigma added to every channel of pix (in place). */
static void add_grain(PIX *pix, double sigma, unsigned seed)
{
    srand(seed);
    int w = pixGetWidth(pix), h = pixGetHeight(pix), d = pixGetDepth(pix);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            l_uint32 v;
            pixGetPixel(pix, x, y, &v);
            int ch[3] = {(int)(v >> 24) & 0xff, (int)(v >> 16) & 0xff, (int)(v >> 8) & 0xff};
            if (d == 8) ch[0] = (int)v;
            for (int c = 0; c < (d == 8 ? 1 : 3); c++) {
                double u1 = (rand() + 1.0) / (RAND_MAX + 2.0), u2 = rand() / (RAND_MAX + 1.0);
                int n = ch[c] + (int)lround(sigma * sqrt(-2 * log(u1)) * cos(2 * M_PI * u2));
                ch[c] = n < 0 ? 0 : n > 255 ? 255 : n;
            }
            v = d == 8 ? (l_uint32)ch[0]
                       : ((l_uint32)ch[0] << 24) | ((l_uint32)ch[1] << 16) | ((l_uint32)ch[2] << 8);
            pixSetPixel(pix, x, y, v);
        }
}

/* Light falling off from left to right (in place): each channel times 1 - amount * x/w,
 * as a lamp or a window beside the page gives. */
static void add_ramp(PIX *pix, double amount)
{
    int w = pixGetWidth(pix), h = pixGetHeight(pix);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            double f = 1.0 - amount * x / (w - 1.0);
            l_int32 r, g, b;
            pixGetRGBPixel(pix, x, y, &r, &g, &b);
            pixSetRGBPixel(pix, x, y, (l_int32)(r * f), (l_int32)(g * f), (l_int32)(b * f));
        }
}

/* The mean grey of a w x h box at (x, y). */
static double mean_at(PIX *grey, int x, int y, int w, int h)
{
    double sum = 0;
    for (int j = y; j < y + h; j++)
        for (int i = x; i < x + w; i++) {
            l_uint32 v;
            pixGetPixel(grey, i, j, &v);
            sum += v;
        }
    return sum / (w * h);
}

static void test_light_measure(void **state)
{
    (void)state;
    /* even light: a plain page and a shaded one (fills are not light) */
    PIX *page = draw_week_generic(1), *grey = pixConvertTo8(page, 0);
    assert_true(img_light_range(grey) < IMG_LIGHT_MIN_RANGE);
    PIX *colour_same = NULL, *same = img_flatten_light(grey, page, &colour_same);
    assert_ptr_equal(pixGetData(same), pixGetData(grey));
    assert_ptr_equal(pixGetData(colour_same), pixGetData(page));
    /* a ramp of 30%: measured, then evened out */
    PIX *lit = pixCopy(NULL, page);
    add_ramp(lit, 0.3);
    PIX *lit_grey = pixConvertTo8(lit, 0);
    float range = img_light_range(lit_grey);
    assert_true(range > 0.25f && range < 0.35f);
    PIX *lit_colour = NULL, *flat = img_flatten_light(lit_grey, lit, &lit_colour);
    assert_non_null(flat);
    assert_non_null(lit_colour);
    assert_int_equal(pixGetDepth(lit_colour), 32);
    /* paper left of the grid and right of it (x 5-15 and 745-755), before and after */
    double left = mean_at(lit_grey, 5, 150, 10, 200), right = mean_at(lit_grey, 745, 150, 10, 200);
    assert_true(left - right > 60);
    left = mean_at(flat, 5, 150, 10, 200), right = mean_at(flat, 745, 150, 10, 200);
    assert_true(fabs(left - right) < 6);
    /* the shaded middle column (x 380-560) against the paper of the column beside it */
    double shade = mean_at(flat, 520, 310, 30, 40), paper = mean_at(flat, 700, 310, 30, 40);
    double shade0 = mean_at(grey, 520, 310, 30, 40), paper0 = mean_at(grey, 700, 310, 30, 40);
    assert_true(fabs((paper - shade) - (paper0 - shade0)) < 10);
    /* three panels filling the page, each in its own fill getting darker to the right
     * (as lists printed on yellow, blue and orange): a plane through them rises as a
     * ramp of light does, but no step between neighbouring tiles of one panel does */
    cairo_surface_t *s;
    cairo_t *cr = canvas(900, 600, &s);
    for (int p = 0; p < 3; p++) {
        double g = 0.96 - 0.09 * p;
        cairo_set_source_rgb(cr, g, g, g * 0.9);
        cairo_rectangle(cr, 6 + p * 298, 4, 290, 592);
        cairo_fill(cr);
    }
    cairo_destroy(cr);
    PIX *panels = grey_of(s);
    assert_true(img_light_range(panels) < IMG_LIGHT_MIN_RANGE);
    /* turned on the scanner, white corners and all */
    PIX *skewed =
        pixRotate(panels, (float)(2 * M_PI / 180), L_ROTATE_AREA_MAP, L_BRING_IN_WHITE, 0, 0);
    assert_true(img_light_range(skewed) < IMG_LIGHT_MIN_RANGE);
    pixDestroy(&skewed);
    pixDestroy(&panels);
    /* nothing to fit */
    assert_true(img_light_range(NULL) == 0);
    PIX *tiny = pixCreate(40, 30, 8);
    assert_true(img_light_range(tiny) == 0);
    assert_null(img_flatten_light(page, NULL, NULL)); /* 32 bpp is not a grey */
    pixDestroy(&tiny), pixDestroy(&lit_colour), pixDestroy(&flat), pixDestroy(&lit_grey);
    pixDestroy(&lit), pixDestroy(&colour_same), pixDestroy(&same), pixDestroy(&grey);
    pixDestroy(&page);
}

static void test_text_height(void **state)
{
    (void)state;
    PIX *page = draw_week(), *grey = pixConvertTo8(page, 0);
    int full = img_text_height(grey);
    assert_in_range(full, 10, 18); /* 15-pixel type: capitals, x-height and digits */
    PIX *half = pixScale(grey, 0.5f, 0.5f), *turned = pixRotateOrth(grey, 1);
    int h_half = img_text_height(half), h_turned = img_text_height(turned);
    assert_true(abs(2 * h_half - full) <= 2);
    assert_true(abs(h_turned - full) <= 1);
    /* nothing to measure */
    PIX *blank = pixCreate(400, 300, 8), *rgb = pixCreate(400, 300, 32);
    pixSetAll(blank);
    assert_int_equal(img_text_height(blank), 0);
    assert_int_equal(img_text_height(rgb), 0);
    assert_int_equal(img_text_height(NULL), 0);
    PIX *tiny = pixCreate(20, 20, 8);
    assert_int_equal(img_text_height(tiny), 0);
    pixDestroy(&tiny), pixDestroy(&blank), pixDestroy(&rgb);
    pixDestroy(&half), pixDestroy(&turned), pixDestroy(&grey), pixDestroy(&page);
}

static void test_upscale_factor(void **state)
{
    (void)state;
    const size_t lots = 60000000;
    /* ordinary print, or print of unknown size: as it is */
    assert_true(img_upscale_factor(18, 800, 600, lots) == 1.0f);
    assert_true(img_upscale_factor(0, 300, 200, lots) == 1.0f);
    /* small print on a large page reads as it is (a page of many small cells) */
    assert_true(img_upscale_factor(8, 2400, 1700, lots) == 1.0f);
    /* small print on a small page is enlarged, within bounds */
    float f = img_upscale_factor(7, 754, 464, lots);
    assert_true(f > 1.5f && f <= IMG_MAX_UPSCALE);
    assert_true(img_upscale_factor(2, 100, 80, lots) <= IMG_MAX_UPSCALE);
    f = img_upscale_factor(7, 754, 464, 754 * 464 * 3);
    assert_true(f >= 1.5f && f * f * 754 * 464 <= 754 * 464 * 3 * 1.001);
    assert_true(img_upscale_factor(7, 754, 464, 754 * 464 * 2) == 1.0f); /* only to 1.41 */
    /* a page that would grow by less than half is left (1300 / 870 = 1.49) */
    assert_true(img_upscale_factor(8, 1230, 870, lots) == 1.0f);
    assert_true(img_upscale_factor(8, 1200, 860, lots) >= 1.5f);
    /* a phone photo of 8-pixel print 683 pixels high grows to a short side of 1300 */
    f = img_upscale_factor(8, 966, 683, lots);
    assert_true(f >= 1.5f && f * 683 <= 1300.5f && f * 683 >= 1299.0f);
    assert_true(img_upscale_factor(7, 0, 464, lots) == 1.0f);

    /* the page's own measure: a large page is not measured, a small one is */
    PIX *page = draw_week(), *grey8 = pixConvertTo8(page, 0), *small = pixScale(grey8, 0.4f, 0.4f);
    assert_true(img_page_upscale(grey8, lots) == 1.0f); /* 14-pixel print */
    assert_true(img_page_upscale(small, lots) >= 1.5f);
    PIX *wide = pixCreate(3000, 2000, 8);
    pixSetAll(wide);
    assert_true(img_page_upscale(wide, lots) == 1.0f);
    assert_true(img_page_upscale(NULL, lots) == 1.0f);
    pixDestroy(&wide), pixDestroy(&small), pixDestroy(&grey8), pixDestroy(&page);

    PIX *grey = pixCreate(100, 60, 8);
    PIX *same = img_upscale(grey, 1.0f), *big = img_upscale(grey, 2.5f);
    assert_ptr_equal(same, grey);
    assert_int_equal(pixGetWidth(big), 250);
    assert_int_equal(pixGetHeight(big), 150);
    assert_null(img_upscale(NULL, 2.0f));
    pixDestroy(&same), pixDestroy(&big), pixDestroy(&grey);
}

static void test_noise_measure(void **state)
{
    (void)state;
    /* mid-grey paper: nothing clipped, the deviation is read as added */
    PIX *paper = pixCreate(300, 200, 8);
    pixSetAllArbitrary(paper, 160);
    assert_true(img_noise_sigma(paper) < 0.5f);
    add_grain(paper, 12, 7);
    float got = img_noise_sigma(paper);
    assert_true(fabsf(got - 12.0f) < 1.0f);
    /* a page with text and rules: clean is clean, grain is grain */
    PIX *page = draw_week(), *grey = pixConvertTo8(page, 0);
    assert_true(img_noise_sigma(grey) < 1.0f);
    assert_true(img_noise_sigma(page) < 1.0f);
    PIX *grainy = pixCopy(NULL, page);
    add_grain(grainy, 25, 11);
    PIX *grainy_grey = pixConvertTo8(grainy, 0);
    float sigma = img_noise_sigma(grainy_grey);
    assert_true(sigma >= IMG_NOISY_SIGMA);
    /* smoothed: below the threshold, and a rule's pixel still dark (x = 200 column) */
    PIX *smooth = img_denoise(grainy_grey, sigma);
    assert_non_null(smooth);
    assert_true(img_noise_sigma(smooth) < IMG_NOISY_SIGMA);
    l_uint32 v;
    pixGetPixel(smooth, 200, 250, &v);
    assert_true(v < 100);
    /* a clean page is not filtered; other depths are refused */
    PIX *clone = img_denoise(grey, img_noise_sigma(grey));
    assert_ptr_equal(clone, grey);
    PIX *bin = pixCreate(50, 50, 1);
    assert_null(img_denoise(bin, 20));
    assert_true(img_noise_sigma(bin) == 0);
    assert_true(img_noise_sigma(NULL) == 0);
    pixDestroy(&bin), pixDestroy(&clone), pixDestroy(&smooth), pixDestroy(&grainy_grey);
    pixDestroy(&grainy), pixDestroy(&grey), pixDestroy(&page), pixDestroy(&paper);
}

/* Reads pix and counts the drawn blocks found with their day, name and both times. */
static int read_week_right(PIX *pix)
{
    tt_doc d;
    ap_error err = {0};
    tt_extract_options opts = {.threads = 2};
    ap_status st = tt_extract_image(pix, &opts, &d, &err);
    if (st == AP_ERR_MODEL_NOT_FOUND) skip();
    assert_int_equal(st, AP_OK);
    int right = week_right(&d);
    assert_true(d.nblocks <= 9);
    tt_doc_free(&d);
    return right;
}

/* Shrunk to 0.45 (text 6 pixels high, rules a pixel and faint): read as drawn but for
 * one name at most (a letter of a short word). Read at that size, a column of times came
 * out 11:00-11:00 (two cells' text cut by their rules). */
static void test_extract_shrunk(void **state)
{
    (void)state;
    PIX *page = draw_week(), *small = pixScale(page, 0.45f, 0.45f);
    pixDestroy(&page);
    assert_true(read_week_right(small) >= 8);
    pixDestroy(&small);
}

/* Under grain of deviation 45 per channel, shaded cells included: read as drawn. Read
 * grainy, 3 to 8 of the 9 blocks came out (seeds 1-5). */
static void test_extract_grainy(void **state)
{
    (void)state;
    PIX *page = draw_week_generic(1);
    add_grain(page, 45, 3);
    assert_int_equal(read_week_right(page), 9);
    pixDestroy(&page);
}

/* Shaded cells lit from the left, the right side at 60% of the light: read as drawn.
 * Read with the light as it fell, more blocks came out than were drawn (ramps of 30% and
 * 40%). */
static void test_extract_lit(void **state)
{
    (void)state;
    PIX *page = draw_week_generic(1);
    add_ramp(page, 0.4);
    assert_int_equal(read_week_right(page), 9);
    pixDestroy(&page);
}

int main(void)
{
    img_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_text_height),    cmocka_unit_test(test_upscale_factor),
        cmocka_unit_test(test_noise_measure),  cmocka_unit_test(test_extract_shrunk),
        cmocka_unit_test(test_extract_grainy), cmocka_unit_test(test_light_measure),
        cmocka_unit_test(test_extract_lit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Proves: vision/sharpness measures a page's edges as narrow when it is drawn sharp (upright
 * or turned a quarter, shrunk or not) and as wide once a 3 x 3 box blur has smeared them,
 * tells nothing from a blank page, and sharpens only the blurred page: it comes back
 * with its thin rules darker and its paper white, in grey and in colour, while a
 * sharp page comes back untouched. End to end, a blurred timetable, whose cells the
 * extractor reads sharpened, reads into the blocks that were drawn. */
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
#include "vision/sharpness.h"

#include "test_draw.h"

/* The drawing tests' week in black on white, 32 bpp colour, drawn zoom times as large
 * (strokes of 2 * zoom pixels). */
static PIX *draw_week_colour(int zoom)
{
    cairo_surface_t *s;
    cairo_t *cr = canvas(760 * zoom, 420 * zoom, &s);
    cairo_scale(cr, zoom, zoom);
    draw_week_grid(cr);
    cairo_destroy(cr);
    PIX *pix = to_pix(s);
    cairo_surface_destroy(s);
    return pix;
}

/* Drawn twice as large, the week's strokes are four pixels wide: a 3 x 3 blur spreads
 * their edges over three pixels (drawn at 1, the two-pixel strokes blur into bumps whose
 * sides measure two). */
#define ZOOM 2

static PIX *blur3(PIX *pix)
{
    PIX *b = pixBlockconv(pix, 1, 1);
    assert_non_null(b);
    return b;
}

/* The grey of pix at (x, y). */
static int grey_at(PIX *pix, int x, int y)
{
    l_uint32 v = 0;
    pixGetPixel(pix, x, y, &v);
    return (int)v;
}

static void test_edge_width(void **state)
{
    (void)state;
    PIX *colour = draw_week_colour(ZOOM), *grey = pixConvertTo8(colour, 0);
    PIX *turned = pixRotateOrth(grey, 1), *small = pixScale(grey, 0.7f, 0.7f);
    PIX *blurred = blur3(grey), *blurred_turned = blur3(turned), *blurred_small = blur3(small);
    float sharp = img_edge_width(grey), wide = img_edge_width(blurred);
    assert_true(sharp > 0 && sharp < IMG_BLUR_WIDTH);
    assert_true(img_edge_width(turned) < IMG_BLUR_WIDTH);
    assert_true(img_edge_width(small) < IMG_BLUR_WIDTH);
    assert_true(wide >= IMG_BLUR_WIDTH && wide < 4.5f);
    assert_true(img_edge_width(blurred_turned) >= IMG_BLUR_WIDTH);
    assert_true(img_edge_width(blurred_small) >= IMG_BLUR_WIDTH);
    /* nothing to tell from */
    PIX *blank = pixCreate(300, 200, 8), *tiny = pixCreate(10, 10, 8);
    pixSetAll(blank);
    assert_true(img_edge_width(blank) == 0);
    assert_true(img_edge_width(tiny) == 0);
    assert_true(img_edge_width(colour) == 0); /* 32 bpp is not a grey */
    assert_true(img_edge_width(NULL) == 0);
    pixDestroy(&blank);
    pixDestroy(&tiny);
    pixDestroy(&blurred_small);
    pixDestroy(&blurred_turned);
    pixDestroy(&blurred);
    pixDestroy(&small);
    pixDestroy(&turned);
    pixDestroy(&grey);
    pixDestroy(&colour);
}

/* An 8 bpp white page with a black rule two pixels wide down x = 50-51, blurred by a
 * 3 x 3 box: its core is only two thirds of the way to black. */
static PIX *blurred_thin_rule(void)
{
    PIX *page = pixCreate(100, 100, 8);
    assert_non_null(page);
    pixSetAll(page);
    for (int y = 0; y < 100; y++) {
        pixSetPixel(page, 50, y, 0);
        pixSetPixel(page, 51, y, 0);
    }
    PIX *b = blur3(page);
    pixDestroy(&page);
    return b;
}

static void test_sharpen(void **state)
{
    (void)state;
    PIX *colour = draw_week_colour(ZOOM), *grey = pixConvertTo8(colour, 0);
    /* a sharp page is left as it is */
    PIX *same = img_sharpen(grey, img_edge_width(grey), 0);
    assert_ptr_equal(pixGetData(same), pixGetData(grey));
    pixDestroy(&same);
    /* a blurred one is not */
    PIX *blurred = blur3(grey), *blurred_colour = blur3(colour);
    float wide = img_edge_width(blurred);
    PIX *sharp = img_sharpen(blurred, wide, 0),
        *sharp_colour = img_sharpen(blurred_colour, wide, 0);
    assert_non_null(sharp);
    assert_non_null(sharp_colour);
    assert_ptr_not_equal(pixGetData(sharp), pixGetData(blurred));
    assert_int_equal(pixGetDepth(sharp_colour), 32);
    /* a thin rule darker, the paper beside it still paper, in grey and in colour */
    PIX *rule = blurred_thin_rule(), *rule_rgb = pixConvertTo32(rule);
    PIX *rule_sharp = img_sharpen(rule, IMG_BLUR_WIDTH, 0);
    PIX *rule_rgb_sharp = img_sharpen(rule_rgb, IMG_BLUR_WIDTH, 0);
    PIX *rule_rgb_grey = rule_rgb_sharp ? pixConvertTo8(rule_rgb_sharp, 0) : NULL;
    assert_non_null(rule_rgb_grey);
    int before = grey_at(rule, 50, 50), after = grey_at(rule_sharp, 50, 50);
    assert_true(after < before - 10);
    assert_true(abs(grey_at(rule_rgb_grey, 50, 50) - after) <= 2);
    assert_int_equal(grey_at(rule_sharp, 20, 50), 255);
    assert_null(img_sharpen(NULL, wide, 0));
    PIX *one_bit = pixCreate(20, 20, 1);
    assert_null(img_sharpen(one_bit, wide, 0));
    pixDestroy(&one_bit);
    pixDestroy(&rule_rgb_grey);
    pixDestroy(&rule_rgb_sharp);
    pixDestroy(&rule_sharp);
    pixDestroy(&rule_rgb);
    pixDestroy(&rule);
    pixDestroy(&sharp_colour);
    pixDestroy(&sharp);
    pixDestroy(&blurred_colour);
    pixDestroy(&blurred);
    pixDestroy(&grey);
    pixDestroy(&colour);
}

static void test_blurred_page_reads(void **state)
{
    (void)state;
    tt_doc d;
    /* measured as blurred, so its cells are read sharpened */
    PIX *colour = draw_week_colour(ZOOM), *blurred = blur3(colour);
    pixDestroy(&colour);
    PIX *grey = pixConvertTo8(blurred, 0);
    assert_true(img_edge_width(grey) >= IMG_BLUR_WIDTH);
    pixDestroy(&grey);
    extract_drawn(blurred, &d);
    assert_week_read(&d);
    tt_doc_free(&d);
}

int main(void)
{
    img_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_edge_width),
        cmocka_unit_test(test_sharpen),
        cmocka_unit_test(test_blurred_page_reads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

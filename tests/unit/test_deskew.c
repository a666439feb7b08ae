/* Proves: vision/table's img_deskew finds the angle a page was turned by and turns it
 * back. A ruled week turned 1.2 degrees is measured within 0.03 degrees. A list of
 * short entries on light bands (two panels of a few words, as in a printed day plan),
 * where the text alone gave Leptonica too little to be sure of (confidence under 3, the
 * page left turned), is measured from the bands' edges. An upright page is left as it
 * is, and a page of grain with no lines at all is not turned. */
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

#include "vision/image.h"
#include "vision/table.h"

#include "test_draw.h"

/* pix (8 bpp, taken) turned by deg degrees (positive: clockwise on screen, as a page
 * laid crooked on a scanner), the corners brought in white. */
static PIX *turned(PIX *pix, double deg)
{
    PIX *out =
        pixRotate(pix, (float)(deg * M_PI / 180.0), L_ROTATE_AREA_MAP, L_BRING_IN_WHITE, 0, 0);
    pixDestroy(&pix);
    assert_non_null(out);
    return out;
}

static PIX *draw_ruled_week(void)
{
    cairo_surface_t *s;
    cairo_t *cr = canvas(760, 420, &s);
    draw_week_grid(cr);
    cairo_destroy(cr);
    return grey_of(s);
}

/* Two panels of eight bands each, alternately light grey (lighter than any threshold
 * that keeps ink) and white, a short word at the left of every other band. */
static PIX *draw_banded_list(void)
{
    static const char *const words[] = {"Art", "PE", "Music", "Lunch"};
    cairo_surface_t *s;
    cairo_t *cr = canvas(900, 620, &s);
    for (int p = 0; p < 2; p++) {
        double x0 = 40 + p * 440;
        for (int b = 0; b < 8; b++) {
            double y0 = 60 + b * 64;
            if (b % 2 == 0) {
                cairo_set_source_rgb(cr, 0.88, 0.88, 0.9);
                cairo_rectangle(cr, x0, y0, 400, 64);
                cairo_fill(cr);
            }
            if (b % 4 == 1) {
                cairo_set_source_rgb(cr, 0, 0, 0);
                text(cr, words[(b / 4 + 2 * p) % 4], x0 + 60, y0 + 32, 0);
            }
        }
    }
    cairo_destroy(cr);
    return grey_of(s);
}

static void test_ruled_week_measured(void **state)
{
    (void)state;
    PIX *page = turned(draw_ruled_week(), 1.2);
    float angle = 0;
    PIX *straight = img_deskew(page, &angle);
    assert_non_null(straight);
    /* Leptonica's angle turns the page back: the opposite of the turn given */
    assert_true(fabs(angle + 1.2) < 0.03);
    assert_true(straight != page);
    pixDestroy(&straight);
    pixDestroy(&page);
}

static void test_banded_list_measured(void **state)
{
    (void)state;
    PIX *page = turned(draw_banded_list(), -0.8);
    float angle = 0;
    PIX *straight = img_deskew(page, &angle);
    assert_non_null(straight);
    assert_true(fabs(angle - 0.8) < 0.1);
    pixDestroy(&straight);
    pixDestroy(&page);
}

static void test_upright_left(void **state)
{
    (void)state;
    PIX *pages[2] = {draw_ruled_week(), draw_banded_list()};
    for (int i = 0; i < 2; i++) {
        float angle = 1;
        PIX *same = img_deskew(pages[i], &angle);
        assert_true(fabs(angle) < 0.15);
        /* a clone: the same pixels, not a rotated copy */
        assert_ptr_equal(pixGetData(same), pixGetData(pages[i]));
        pixDestroy(&same);
        pixDestroy(&pages[i]);
    }
}

static void test_grain_not_turned(void **state)
{
    (void)state;
    PIX *page = pixCreate(600, 400, 8);
    assert_non_null(page);
    srand(7);
    for (int y = 0; y < 400; y++)
        for (int x = 0; x < 600; x++)
            pixSetPixel(page, x, y, (l_uint32)(200 + rand() % 56));
    float angle = 0;
    PIX *same = img_deskew(page, &angle);
    assert_ptr_equal(pixGetData(same), pixGetData(page));
    pixDestroy(&same);
    pixDestroy(&page);
}

int main(void)
{
    img_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ruled_week_measured),
        cmocka_unit_test(test_banded_list_measured),
        cmocka_unit_test(test_upright_left),
        cmocka_unit_test(test_grain_not_turned),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

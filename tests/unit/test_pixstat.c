/* Proves: img_grey_histogram and img_grey_histogram_rect give exactly the bins of
 * Leptonica's pixGetGrayHistogram and pixGetGrayHistogramInRect, on random and on
 * blocky (long runs of one level) grey images of widths around multiples of 4 and 32,
 * for sampling factors 1 to 5, and rectangles inside the image, reaching past any of
 * its sides, or wholly outside it; other depths are Leptonica's own. img_threshold gives
 * pixThresholdToBinary's image word for word (padding bits included) on the same images
 * for thresholds from 0 to 256. img_drop_dots leaves a binary image as
 * pixSelectBySize(3, 3, 8-connected, either side at least 3) makes it, on random images of
 * several densities and widths, an empty one and a full one. img_rank_values gives
 * pixGetRankValue's levels, rank by rank. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "vision/pixstat.h"

/* A w x h grey image: pseudo-random levels, or long runs of a few levels when blocky. */
static PIX *grey(int w, int h, unsigned seed, int blocky)
{
    PIX *pix = pixCreate(w, h, 8);
    assert_non_null(pix);
    unsigned state = seed;
    l_uint32 v = 0;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            state = state * 1103515245u + 12345u;
            if (!blocky || (state >> 16) % 23 == 0)
                v = blocky ? 250 + (state >> 8) % 6 : (state >> 8) & 0xff;
            pixSetPixel(pix, x, y, v);
        }
    return pix;
}

static void assert_same_bins(NUMA *want, NUMA *got, const char *what)
{
    assert_non_null(want);
    assert_non_null(got);
    assert_int_equal(numaGetCount(got), numaGetCount(want));
    for (int i = 0; i < numaGetCount(want); i++) {
        l_float32 a = 0, b = 0;
        numaGetFValue(want, i, &a);
        numaGetFValue(got, i, &b);
        if (a != b) fail_msg("%s: bin %d is %g, Leptonica's %g", what, i, b, a);
    }
}

static void test_histogram(void **state)
{
    (void)state;
    const int dims[][2] = {{1, 1}, {3, 2}, {4, 4}, {7, 5}, {32, 3}, {33, 17}, {101, 64}};
    unsigned seed = 11;
    for (size_t d = 0; d < sizeof dims / sizeof dims[0]; d++)
        for (int blocky = 0; blocky < 2; blocky++) {
            PIX *src = grey(dims[d][0], dims[d][1], seed++, blocky);
            for (int factor = 1; factor <= 5; factor++) {
                NUMA *want = pixGetGrayHistogram(src, factor),
                     *got = img_grey_histogram(src, factor);
                assert_same_bins(want, got, "whole image");
                numaDestroy(&want);
                numaDestroy(&got);
            }
            pixDestroy(&src);
        }
}

static void test_histogram_rect(void **state)
{
    (void)state;
    PIX *src = grey(45, 30, 5, 0);
    const int rects[][4] = {{0, 0, 45, 30},  {3, 4, 10, 7},   {-5, -3, 20, 10}, {40, 25, 20, 20},
                            {-7, 2, 100, 5}, {10, -9, 3, 50}, {50, 5, 5, 5},    {-3, 40, 10, 5}};
    for (size_t r = 0; r < sizeof rects / sizeof rects[0]; r++)
        for (int factor = 1; factor <= 4; factor++) {
            BOX *box = boxCreate(rects[r][0], rects[r][1], rects[r][2], rects[r][3]);
            assert_non_null(box);
            NUMA *want = pixGetGrayHistogramInRect(src, box, factor);
            NUMA *got = img_grey_histogram_rect(src, box, factor);
            assert_same_bins(want, got, "rectangle");
            numaDestroy(&want);
            numaDestroy(&got);
            boxDestroy(&box);
        }
    NUMA *whole = pixGetGrayHistogramInRect(src, NULL, 2),
         *got = img_grey_histogram_rect(src, NULL, 2);
    assert_same_bins(whole, got, "no rectangle");
    numaDestroy(&whole);
    numaDestroy(&got);
    pixDestroy(&src);
}

static void test_other_depths(void **state)
{
    (void)state;
    PIX *bin = pixCreate(20, 10, 1);
    assert_non_null(bin);
    pixSetPixel(bin, 3, 3, 1);
    NUMA *want = pixGetGrayHistogram(bin, 1), *got = img_grey_histogram(bin, 1);
    assert_same_bins(want, got, "1 bpp");
    numaDestroy(&want);
    numaDestroy(&got);
    pixDestroy(&bin);
    assert_null(img_grey_histogram(NULL, 1));
    PIX *src = grey(4, 4, 1, 0);
    assert_null(img_grey_histogram(src, 0));
    pixDestroy(&src);
}

static void test_threshold(void **state)
{
    (void)state;
    const int dims[][2] = {{1, 1}, {5, 2}, {31, 3}, {32, 4}, {33, 5}, {64, 2}, {95, 7}, {130, 9}};
    const int thresholds[] = {0, 1, 2, 127, 128, 129, 200, 254, 255, 256};
    unsigned seed = 3;
    for (size_t d = 0; d < sizeof dims / sizeof dims[0]; d++)
        for (int blocky = 0; blocky < 2; blocky++) {
            PIX *src = grey(dims[d][0], dims[d][1], seed++, blocky);
            for (size_t t = 0; t < sizeof thresholds / sizeof thresholds[0]; t++) {
                PIX *want = pixThresholdToBinary(src, thresholds[t]);
                PIX *got = img_threshold(src, thresholds[t]);
                assert_non_null(want);
                assert_non_null(got);
                int words = pixGetWpl(want) * pixGetHeight(want);
                assert_int_equal(pixGetWpl(got) * pixGetHeight(got), words);
                const l_uint32 *a = pixGetData(want), *b = pixGetData(got);
                for (int i = 0; i < words; i++)
                    if (a[i] != b[i])
                        fail_msg("%dx%d image, threshold %d: word %d is %08x, Leptonica's %08x",
                                 dims[d][0], dims[d][1], thresholds[t], i, b[i], a[i]);
                pixDestroy(&want);
                pixDestroy(&got);
            }
            pixDestroy(&src);
        }
    assert_null(img_threshold(NULL, 128));
}

/* img_rank_values against pixGetRankValue, rank by rank, on random and blocky images of
 * several sizes (a single pixel included), for ranks from 0 to 1 and the crop's own. */
static void test_rank_values(void **state)
{
    (void)state;
    const int dims[][2] = {{1, 1}, {3, 2}, {37, 11}, {64, 64}, {203, 31}};
    const float ranks[] = {0.0f, 0.02f, 0.1f, 0.35f, 0.5f, 0.75f, 0.97f, 1.0f};
    const int n = (int)(sizeof ranks / sizeof ranks[0]);
    unsigned seed = 3;
    for (size_t d = 0; d < sizeof dims / sizeof dims[0]; d++)
        for (int blocky = 0; blocky < 2; blocky++) {
            PIX *pix = grey(dims[d][0], dims[d][1], seed++, blocky);
            l_uint32 got[8] = {0};
            assert_int_equal(img_rank_values(pix, ranks, got, n), 0);
            for (int i = 0; i < n; i++) {
                l_uint32 want = 0;
                assert_int_equal(pixGetRankValue(pix, 1, ranks[i], &want), 0);
                if (got[i] != want)
                    fail_msg("rank %.2f of a %dx%d image: %u, Leptonica %u", ranks[i], dims[d][0],
                             dims[d][1], got[i], want);
            }
            pixDestroy(&pix);
        }
    const float bad = 1.5f;
    l_uint32 v = 0;
    PIX *pix = grey(8, 8, 1, 0);
    assert_int_equal(img_rank_values(pix, &bad, &v, 1), 1);
    pixDestroy(&pix);
}

/* A w x h binary image with about density percent of its pixels set, at random. */
static PIX *dots(int w, int h, unsigned seed, int density)
{
    PIX *pix = pixCreate(w, h, 1);
    assert_non_null(pix);
    unsigned state = seed;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            state = state * 1103515245u + 12345u;
            if ((int)((state >> 16) % 100) < density) pixSetPixel(pix, x, y, 1);
        }
    return pix;
}

static void test_drop_dots(void **state)
{
    (void)state;
    const int dims[][2] = {{1, 1}, {2, 2}, {3, 3}, {31, 7}, {33, 20}, {64, 40}, {97, 51}};
    const int densities[] = {0, 2, 8, 20, 40, 70, 100};
    unsigned seed = 9;
    for (size_t d = 0; d < sizeof dims / sizeof dims[0]; d++)
        for (size_t k = 0; k < sizeof densities / sizeof densities[0]; k++) {
            PIX *src = dots(dims[d][0], dims[d][1], seed++, densities[k]);
            PIX *want = pixSelectBySize(src, 3, 3, 8, L_SELECT_IF_EITHER, L_SELECT_IF_GTE, NULL);
            assert_non_null(want);
            assert_int_equal(img_drop_dots(src), 1);
            l_int32 same = 0;
            assert_int_equal(pixEqual(src, want, &same), 0);
            if (!same)
                fail_msg("%dx%d image at %d%%: the dots left differ", dims[d][0], dims[d][1],
                         densities[k]);
            pixDestroy(&src);
            pixDestroy(&want);
        }
    PIX *grey8 = pixCreate(4, 4, 8);
    assert_int_equal(img_drop_dots(grey8), 0);
    assert_int_equal(img_drop_dots(NULL), 0);
    pixDestroy(&grey8);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_histogram),    cmocka_unit_test(test_histogram_rect),
        cmocka_unit_test(test_other_depths), cmocka_unit_test(test_threshold),
        cmocka_unit_test(test_drop_dots),    cmocka_unit_test(test_rank_values),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Proves: the shortcuts taken for speed in vision/ give exactly what the general
 * Leptonica operations give. An opaque RGBA PNG decodes to the same RGB as blending it
 * over white, and one with translucent pixels is still blended; img_decode's own reader
 * of 8-bit RGB(A) PNGs gives Leptonica's reader's words, spp and resolution; the grey and
 * the channels of every colour are Leptonica's. img_close_grey equals
 * pixCloseGray on random and on blocky images, for odd and even sizes, windows larger
 * than the image and one-pixel images. The binary bricks (erode, dilate, open, close)
 * equal Leptonica's on random images of several densities and widths around multiples
 * of 32, for line, square and odd/even bricks, bricks wider than the image included.
 * img_blockrank equals pixBlockrank on the same images for several windows and ranks,
 * windows as large as the image and the cases left to Leptonica included. img_subtract_grey
 * equals pixSubtractGray, the bytes past each row's end included. img_scale_grey equals
 * pixScale (area map, with and without the unsharp mask; the factors left to Leptonica
 * too) with its resolution, input format and text; img_conn_comp_bb lists pixConnCompBB's
 * boxes in its order; img_count_by_row and img_count_by_column give pixCountByRow's and
 * pixCountByColumn's counts and parameters for boxes inside, across and outside the image. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "vision/conncomp.h"
#include "vision/convert.h"
#include "vision/count.h"
#include "vision/image.h"
#include "vision/morph.h"
#include "vision/scale.h"

/* A w x h RGBA image of pseudo-random colours; alpha 255 except at (1, 1) when
 * translucent. */
static PIX *rgba(int w, int h, int translucent)
{
    PIX *pix = pixCreate(w, h, 32);
    assert_non_null(pix);
    pixSetSpp(pix, 4);
    unsigned state = 12345;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            state = state * 1103515245u + 12345u;
            l_uint32 v = (state >> 8) & 0xffffff;
            l_uint32 alpha = translucent && x == 1 && y == 1 ? 100 : 255;
            pixSetPixel(pix, x, y, (v << 8) | alpha);
        }
    return pix;
}

static PIX *decoded_png(PIX *pix)
{
    l_uint8 *buf = NULL;
    size_t len = 0;
    assert_int_equal(pixWriteMemPng(&buf, &len, pix, 0), 0);
    PIX *out = NULL;
    ap_error err = {0};
    assert_int_equal(img_decode(buf, len, 1u << 20, &out, NULL, &err), AP_OK);
    lept_free(buf);
    return out;
}

static void test_decode_alpha(void **state)
{
    (void)state;
    for (int translucent = 0; translucent < 2; translucent++) {
        PIX *src = rgba(37, 23, translucent);
        PIX *want = pixAlphaBlendUniform(src, 0xffffff00);
        PIX *got = decoded_png(src);
        assert_int_equal(pixGetDepth(got), 32);
        assert_int_equal(pixGetSpp(got), 3);
        l_int32 same = 0;
        assert_int_equal(pixEqual(got, want, &same), 0);
        assert_true(same);
        /* word for word, the unused alpha byte included */
        for (int y = 0; y < pixGetHeight(got); y++)
            for (int x = 0; x < pixGetWidth(got); x++) {
                l_uint32 a = 0, b = 0;
                pixGetPixel(got, x, y, &a);
                pixGetPixel(want, x, y, &b);
                assert_int_equal(a, b);
            }
        pixDestroy(&src);
        pixDestroy(&want);
        pixDestroy(&got);
    }
}

/* Whether a and b hold the same words (every byte, the alpha byte included), samples
 * per pixel and resolution. */
static int same_words(PIX *a, PIX *b)
{
    if (pixGetWidth(a) != pixGetWidth(b) || pixGetHeight(a) != pixGetHeight(b) ||
        pixGetDepth(a) != pixGetDepth(b) || pixGetSpp(a) != pixGetSpp(b) ||
        pixGetXRes(a) != pixGetXRes(b) || pixGetYRes(a) != pixGetYRes(b))
        return 0;
    for (int y = 0; y < pixGetHeight(a); y++)
        for (int x = 0; x < pixGetWidth(a); x++) {
            l_uint32 u = 0, v = 0;
            pixGetPixel(a, x, y, &u);
            pixGetPixel(b, x, y, &v);
            if (u != v) return 0;
        }
    return 1;
}

/* img_decode's own PNG reader (8-bit RGB and RGBA) against Leptonica's reader followed
 * by the same normalisation (an opaque alpha dropped to a zero byte, a translucent one
 * blended over white), for RGB, opaque RGBA and translucent RGBA pages of odd sizes, with
 * and without a resolution; a grey PNG takes Leptonica's reader as before. */
static void test_decode_png_rgb(void **state)
{
    (void)state;
    const int dims[][2] = {{1, 1}, {37, 23}, {64, 5}, {203, 97}};
    for (size_t d = 0; d < sizeof dims / sizeof dims[0]; d++)
        for (int kind = 0; kind < 4; kind++) {
            PIX *src = rgba(dims[d][0], dims[d][1], kind == 2);
            if (kind == 0) pixSetSpp(src, 3);
            if (kind == 3) {
                PIX *g = pixConvertRGBToLuminance(src);
                pixDestroy(&src);
                src = g;
            }
            if (d % 2) pixSetResolution(src, 150, 300);
            l_uint8 *buf = NULL;
            size_t len = 0;
            assert_int_equal(pixWriteMemPng(&buf, &len, src, 0), 0);
            PIX *want = pixReadMemPng(buf, len);
            assert_non_null(want);
            if (pixGetSpp(want) == 4 && kind == 1) {
                for (int y = 0; y < pixGetHeight(want); y++)
                    for (int x = 0; x < pixGetWidth(want); x++) {
                        l_uint32 v = 0;
                        pixGetPixel(want, x, y, &v);
                        pixSetPixel(want, x, y, v & 0xffffff00);
                    }
                pixSetSpp(want, 3);
            } else if (pixGetSpp(want) == 4) {
                PIX *blend = pixAlphaBlendUniform(want, 0xffffff00);
                pixCopyResolution(blend, want);
                pixDestroy(&want);
                want = blend;
            }
            if (pixGetXRes(want) < 70) pixSetResolution(want, 300, pixGetYRes(want) ? pixGetYRes(want) : 300);
            PIX *got = NULL;
            ap_error err = {0};
            assert_int_equal(img_decode(buf, len, 1u << 20, &got, NULL, &err), AP_OK);
            if (!same_words(got, want))
                fail_msg("%dx%d PNG of kind %d decodes otherwise", dims[d][0], dims[d][1], kind);
            lept_free(buf);
            pixDestroy(&src);
            pixDestroy(&want);
            pixDestroy(&got);
        }
}

/* img_grey_of and img_channel against pixConvertRGBToLuminance and pixGetRGBComponent on
 * every colour there is (a 4096 x 4096 image, one pixel each, the alpha byte set to
 * catch a channel read from the wrong byte), and on widths that end in a part word. */
static void test_grey_and_channels(void **state)
{
    (void)state;
    const int widths[] = {4096, 4093, 1, 6};
    for (size_t k = 0; k < sizeof widths / sizeof widths[0]; k++) {
        int w = widths[k], h = w == 4096 ? 4096 : 9;
        PIX *rgb = pixCreate(w, h, 32);
        assert_non_null(rgb);
        l_uint32 *data = pixGetData(rgb);
        int wpl = pixGetWpl(rgb);
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++) {
                l_uint32 i = (l_uint32)(y * w + x);
                /* every colour once on the big image, scattered ones on the small */
                data[(size_t)y * (size_t)wpl + (size_t)x] = (w == 4096 ? i : i * 2654435761u) << 8 | 0x5a;
            }
        PIX *want = pixConvertRGBToLuminance(rgb), *got = img_grey_of(rgb);
        assert_non_null(got);
        l_int32 same = 0;
        assert_int_equal(pixEqual(got, want, &same), 0);
        if (!same) fail_msg("grey of a %dx%d image differs", w, h);
        pixDestroy(&want);
        pixDestroy(&got);
        for (int c = COLOR_RED; c <= COLOR_BLUE; c++) {
            want = pixGetRGBComponent(rgb, c);
            got = img_channel(rgb, c);
            assert_non_null(got);
            assert_int_equal(pixEqual(got, want, &same), 0);
            if (!same) fail_msg("channel %d of a %dx%d image differs", c, w, h);
            pixDestroy(&want);
            pixDestroy(&got);
        }
        pixDestroy(&rgb);
    }
    assert_null(img_channel(NULL, COLOR_RED));
}

/* A w x h grey image: random levels, or blocks of a few levels (text-like strokes). */
static PIX *grey(int w, int h, unsigned seed, int blocky)
{
    PIX *pix = pixCreate(w, h, 8);
    assert_non_null(pix);
    unsigned state = seed;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            state = state * 1103515245u + 12345u;
            l_uint32 v = (state >> 16) & 0xff;
            if (blocky) v = ((x / 7 + y / 5) % 3 == 0) ? 40 : (v < 20 ? 120 : 230);
            pixSetPixel(pix, x, y, v);
        }
    return pix;
}

static void test_close_grey(void **state)
{
    (void)state;
    const int dims[][2] = {{1, 1}, {5, 3}, {40, 1}, {1, 33}, {64, 48}, {203, 97}, {13, 200}};
    const int sizes[][2] = {{1, 1}, {3, 3}, {15, 15}, {4, 6}, {21, 5}, {1, 9}, {31, 31}};
    unsigned seed = 7;
    for (size_t d = 0; d < sizeof dims / sizeof dims[0]; d++)
        for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++)
            for (int blocky = 0; blocky < 2; blocky++) {
                PIX *src = grey(dims[d][0], dims[d][1], seed++, blocky);
                PIX *want = pixCloseGray(src, sizes[k][0], sizes[k][1]);
                PIX *got = img_close_grey(src, sizes[k][0], sizes[k][1]);
                assert_non_null(want);
                assert_non_null(got);
                l_int32 same = 0;
                assert_int_equal(pixEqual(got, want, &same), 0);
                if (!same)
                    fail_msg("%dx%d image, %dx%d closing differs", dims[d][0], dims[d][1],
                             sizes[k][0], sizes[k][1]);
                pixDestroy(&src);
                pixDestroy(&want);
                pixDestroy(&got);
            }
    PIX *bin = pixCreate(8, 8, 1);
    assert_null(img_close_grey(bin, 3, 3));
    assert_null(img_close_grey(NULL, 3, 3));
    pixDestroy(&bin);
}

/* A w x h binary image with about density percent of its pixels set, in short runs. */
static PIX *binary(int w, int h, unsigned seed, int density)
{
    PIX *pix = pixCreate(w, h, 1);
    assert_non_null(pix);
    unsigned state = seed;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w;) {
            state = state * 1103515245u + 12345u;
            int on = (int)((state >> 16) % 100) < density, run = 1 + (int)((state >> 8) % 40);
            for (int k = 0; k < run && x < w; k++, x++)
                if (on) pixSetPixel(pix, x, y, 1);
        }
    return pix;
}

static void test_binary_bricks(void **state)
{
    (void)state;
    const int dims[][2] = {{1, 1}, {31, 7}, {32, 40}, {33, 33}, {95, 64}, {200, 150}, {5, 90}};
    const int sizes[][2] = {{1, 1}, {2, 1}, {1, 2},  {3, 1},  {1, 3},   {30, 1}, {1, 30},
                            {5, 5}, {9, 1}, {64, 3}, {4, 70}, {100, 1}, {7, 6},  {33, 2}};
    PIX *(*mine[4])(PIX *, int, int) = {img_erode_brick, img_dilate_brick, img_open_brick,
                                        img_close_brick};
    PIX *(*theirs[4])(PIX *, PIX *, l_int32, l_int32) = {pixErodeBrick, pixDilateBrick,
                                                         pixOpenBrick, pixCloseBrick};
    const char *names[4] = {"erode", "dilate", "open", "close"};
    unsigned seed = 99;
    for (size_t d = 0; d < sizeof dims / sizeof dims[0]; d++)
        for (int density = 20; density <= 80; density += 30) {
            PIX *src = binary(dims[d][0], dims[d][1], seed++, density);
            for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++)
                for (int op = 0; op < 4; op++) {
                    PIX *want = theirs[op](NULL, src, sizes[k][0], sizes[k][1]);
                    PIX *got = mine[op](src, sizes[k][0], sizes[k][1]);
                    assert_non_null(want);
                    assert_non_null(got);
                    l_int32 same = 0;
                    assert_int_equal(pixEqual(got, want, &same), 0);
                    if (!same)
                        fail_msg("%s %dx%d on %dx%d (%d%%) differs", names[op], sizes[k][0],
                                 sizes[k][1], dims[d][0], dims[d][1], density);
                    pixDestroy(&want);
                    pixDestroy(&got);
                }
            pixDestroy(&src);
        }
    PIX *grey8 = pixCreate(8, 8, 8);
    assert_null(img_open_brick(grey8, 3, 1));
    assert_null(img_erode_brick(NULL, 3, 1));
    pixDestroy(&grey8);
}

static void test_subtract_grey(void **state)
{
    (void)state;
    const int widths[] = {1, 2, 3, 4, 5, 7, 8, 31, 33, 64, 101};
    for (size_t i = 0; i < sizeof widths / sizeof widths[0]; i++)
        for (int blocky = 0; blocky < 2; blocky++) {
            int w = widths[i], h = 1 + w % 9;
            PIX *a = grey(w, h, 11u + (unsigned)i, blocky), *b = grey(w, h, 500u + (unsigned)i, 0);
            /* row ends unlike either image's pixels: Leptonica keeps a's */
            for (int y = 0; y < h; y++)
                pixGetData(a)[(size_t)y * (size_t)pixGetWpl(a) + (size_t)pixGetWpl(a) - 1] ^=
                    w % 4 ? 0x5au : 0;
            PIX *want = pixSubtractGray(NULL, a, b), *got = img_subtract_grey(a, b);
            assert_non_null(got);
            size_t words = (size_t)pixGetWpl(a) * (size_t)h;
            assert_memory_equal(pixGetData(got), pixGetData(want), words * sizeof(l_uint32));
            pixDestroy(&want);
            pixDestroy(&got);
            pixDestroy(&a);
            pixDestroy(&b);
        }
}

static void test_blockrank(void **state)
{
    (void)state;
    const int dims[][2] = {{1, 1},   {7, 5},   {31, 7},    {32, 40},
                           {33, 33}, {95, 64}, {200, 150}, {300, 90}};
    const int halves[][2] = {{1, 1}, {2, 2}, {3, 1}, {1, 4}, {5, 5}, {0, 3}, {16, 2}, {3, 20}};
    const float ranks[] = {0.0f, 0.1f, 0.4f, 0.5f, 0.9f, 1.0f};
    unsigned seed = 7;
    for (size_t d = 0; d < sizeof dims / sizeof dims[0]; d++)
        for (int density = 5; density <= 95; density += 30) {
            PIX *src = binary(dims[d][0], dims[d][1], seed++, density);
            for (size_t k = 0; k < sizeof halves / sizeof halves[0]; k++)
                for (size_t r = 0; r < sizeof ranks / sizeof ranks[0]; r++) {
                    int wc = halves[k][0], hc = halves[k][1];
                    PIX *want = pixBlockrank(src, NULL, wc, hc, ranks[r]);
                    PIX *got = img_blockrank(src, wc, hc, ranks[r]);
                    l_int32 same = 0;
                    assert_non_null(got);
                    if (want) assert_int_equal(pixEqual(got, want, &same), 0);
                    if (want && !same)
                        fail_msg("blockrank %d,%d rank %.2f on %dx%d (%d%%) differs", wc, hc,
                                 (double)ranks[r], dims[d][0], dims[d][1], density);
                    pixDestroy(&want);
                    pixDestroy(&got);
                }
            pixDestroy(&src);
        }
    PIX *grey8 = pixCreate(8, 8, 8);
    assert_null(img_blockrank(grey8, 3, 3, 0.4f));
    assert_null(img_blockrank(NULL, 3, 3, 0.4f));
    pixDestroy(&grey8);
}

/* img_scale_grey against pixScale on random and blocky images: factors that sharpen
 * (0.2-0.7) and that do not (under 0.2), Leptonica's special factors and enlargements
 * (passed to pixScale), odd sizes down to an output of one pixel, and a page's size at the
 * perspective check's factor. Resolution, input format and text must follow too. */
static void test_scale_grey(void **state)
{
    (void)state;
    const int dims[][2] = {{5, 3}, {7, 9}, {40, 31}, {203, 97}, {13, 200}, {333, 251}};
    const float factors[] = {0.3f, 0.333f, 0.45f, 0.21f, 0.2f, 0.19f, 0.69f,
                             0.15f, 0.05f, 0.02f, 0.5f, 0.25f, 0.8f, 1.3f};
    unsigned seed = 11;
    for (size_t d = 0; d < sizeof dims / sizeof dims[0]; d++)
        for (size_t k = 0; k < sizeof factors / sizeof factors[0]; k++)
            for (int blocky = 0; blocky < 2; blocky++) {
                PIX *src = grey(dims[d][0], dims[d][1], seed++, blocky);
                pixSetResolution(src, 300, 200);
                pixSetInputFormat(src, IFF_PNG);
                pixSetText(src, "page");
                PIX *want = pixScale(src, factors[k], factors[k]);
                PIX *got = img_scale_grey(src, factors[k]);
                if (!want) {
                    assert_null(got);
                } else {
                    assert_non_null(got);
                    if (!same_words(got, want) ||
                        pixGetInputFormat(got) != pixGetInputFormat(want) ||
                        strcmp(pixGetText(got), pixGetText(want)) != 0)
                        fail_msg("%dx%d image by %g differs", dims[d][0], dims[d][1],
                                 (double)factors[k]);
                }
                pixDestroy(&src);
                pixDestroy(&want);
                pixDestroy(&got);
            }
    PIX *page = grey(2481, 3508, 5, 1);
    float f = 1000.0f / 3508.0f;
    PIX *want = pixScale(page, f, f), *got = img_scale_grey(page, f);
    l_int32 same = 0;
    assert_int_equal(pixEqual(got, want, &same), 0);
    assert_true(same);
    pixDestroy(&page);
    pixDestroy(&want);
    pixDestroy(&got);
    assert_null(img_scale_grey(NULL, 0.3f));
}

/* img_scale_grey_plain against pixScaleGeneral(grey, fx, fy, 0, 0): unequal factors on
 * both sides of 0.2, one at the area map's ends (0.02, just under 0.7) and past them (LI,
 * smooth), Leptonica's halving pairs, and the factors the CRNN's line images take (a crop
 * of w0 x h0 to height 32 or 48, its width w0 * height / h0 rounded). */
static void test_scale_grey_plain(void **state)
{
    (void)state;
    const int dims[][2] = {{5, 3}, {7, 9}, {40, 31}, {203, 97}, {13, 200}, {333, 251}};
    const float pairs[][2] = {{0.3f, 0.45f},  {0.45f, 0.3f}, {0.21f, 0.19f}, {0.69f, 0.05f},
                              {0.02f, 0.6f},  {0.5f, 0.5f},  {0.25f, 0.25f}, {0.5f, 0.25f},
                              {0.333f, 0.333f}, {0.8f, 0.3f}, {0.3f, 1.3f},  {0.015f, 0.3f}};
    unsigned seed = 17;
    int compared = 0;
    for (size_t d = 0; d < sizeof dims / sizeof dims[0]; d++)
        for (size_t k = 0; k < sizeof pairs / sizeof pairs[0] + 2; k++)
            for (int blocky = 0; blocky < 2; blocky++) {
                PIX *src = grey(dims[d][0], dims[d][1], seed++, blocky);
                pixSetResolution(src, 300, 200);
                pixSetInputFormat(src, IFF_PNG);
                pixSetText(src, "line");
                float fx, fy;
                if (k < sizeof pairs / sizeof pairs[0]) {
                    fx = pairs[k][0], fy = pairs[k][1];
                } else { /* nn_image_from_pix's factors */
                    int h = k % 2 ? 32 : 48, w0 = dims[d][0], h0 = dims[d][1];
                    long w = lround((double)w0 * h / h0);
                    w = w < 4 ? 4 : w;
                    fx = (float)w / (float)w0, fy = (float)h / (float)h0;
                }
                PIX *want = pixScaleGeneral(src, fx, fy, 0.0f, 0);
                PIX *got = img_scale_grey_plain(src, fx, fy);
                if (!want) {
                    assert_null(got);
                } else {
                    assert_non_null(got);
                    l_int32 xr, yr, xw, yw;
                    pixGetResolution(got, &xr, &yr);
                    pixGetResolution(want, &xw, &yw);
                    const char *tg = pixGetText(got), *tw = pixGetText(want);
                    if (!same_words(got, want) || xr != xw || yr != yw ||
                        pixGetInputFormat(got) != pixGetInputFormat(want) ||
                        (tg == NULL) != (tw == NULL) || (tg && strcmp(tg, tw) != 0))
                        fail_msg("%dx%d image by %g, %g differs", dims[d][0], dims[d][1],
                                 (double)fx, (double)fy);
                    compared++;
                }
                pixDestroy(&src);
                pixDestroy(&want);
                pixDestroy(&got);
            }
    assert_true(compared > 100);
    assert_null(img_scale_grey_plain(NULL, 0.3f, 0.4f));
}

/* img_conn_comp_bb against pixConnCompBB(bin, 8): the same boxes in the same order, on
 * random images of several densities (sparse specks to nearly solid, where components
 * meet only at corners or wind back up), widths around multiples of 32, set pad bits,
 * one-pixel and empty images. */
static void test_conn_comp_bb(void **state)
{
    (void)state;
    const int dims[][2] = {{1, 1}, {31, 7}, {32, 32}, {33, 40}, {64, 3}, {95, 61},
                           {200, 150}, {1, 90}};
    const int densities[] = {0, 3, 20, 45, 60, 85, 100};
    unsigned seed = 3;
    for (size_t d = 0; d < sizeof dims / sizeof dims[0]; d++)
        for (size_t k = 0; k < sizeof densities / sizeof densities[0]; k++)
            for (int pad = 0; pad < 2; pad++) {
                PIX *bin = binary(dims[d][0], dims[d][1], seed++, densities[k]);
                if (pad) pixSetPadBits(bin, 1);
                BOXA *want = pixConnCompBB(bin, 8), *got = img_conn_comp_bb(bin);
                assert_non_null(want);
                assert_non_null(got);
                int n = boxaGetCount(want);
                if (boxaGetCount(got) != n)
                    fail_msg("%dx%d at %d%%: %d boxes, want %d", dims[d][0], dims[d][1],
                             densities[k], boxaGetCount(got), n);
                for (int i = 0; i < n; i++) {
                    l_int32 a[4], b[4];
                    boxaGetBoxGeometry(got, i, &a[0], &a[1], &a[2], &a[3]);
                    boxaGetBoxGeometry(want, i, &b[0], &b[1], &b[2], &b[3]);
                    if (a[0] != b[0] || a[1] != b[1] || a[2] != b[2] || a[3] != b[3])
                        fail_msg("%dx%d at %d%%: box %d differs", dims[d][0], dims[d][1],
                                 densities[k], i);
                }
                boxaDestroy(&want);
                boxaDestroy(&got);
                pixDestroy(&bin);
            }
    PIX *grey8 = pixCreate(4, 4, 8);
    assert_null(img_conn_comp_bb(grey8));
    assert_null(img_conn_comp_bb(NULL));
    pixDestroy(&grey8);
}

static int same_numa(NUMA *a, NUMA *b)
{
    if (!a || !b) return !a && !b;
    int n = numaGetCount(a);
    if (numaGetCount(b) != n) return 0;
    l_float32 sa, da, sb, db;
    numaGetParameters(a, &sa, &da);
    numaGetParameters(b, &sb, &db);
    if (sa != sb || da != db) return 0;
    for (int i = 0; i < n; i++) {
        l_float32 u = 0, v = 0;
        numaGetFValue(a, i, &u);
        numaGetFValue(b, i, &v);
        if (u != v) return 0;
    }
    return 1;
}

/* img_count_by_row and img_count_by_column against pixCountByRow and pixCountByColumn:
 * boxes inside, across the edges and past the corners of the image, thinner than a word
 * and wider than the image, none at all and one wholly outside (no counts), on random
 * images with and without set pad bits. */
static void test_count_by_line(void **state)
{
    (void)state;
    const int dims[][2] = {{1, 1}, {31, 7}, {33, 40}, {95, 61}, {200, 150}};
    const int boxes[][4] = {{0, 0, 1, 1},   {3, 2, 20, 5},    {-5, -3, 40, 9}, {30, 1, 3, 60},
                            {10, 10, 500, 500}, {-10, 4, 1000, 2}, {31, 0, 2, 3},  {900, 900, 5, 5}};
    unsigned seed = 19;
    for (size_t d = 0; d < sizeof dims / sizeof dims[0]; d++)
        for (int pad = 0; pad < 2; pad++) {
            PIX *bin = binary(dims[d][0], dims[d][1], seed++, 40);
            if (pad) pixSetPadBits(bin, 1);
            for (size_t k = 0; k <= sizeof boxes / sizeof boxes[0]; k++) {
                BOX *box = k ? boxCreate(boxes[k - 1][0], boxes[k - 1][1], boxes[k - 1][2],
                                         boxes[k - 1][3])
                             : NULL;
                NUMA *want[2] = {pixCountByRow(bin, box), pixCountByColumn(bin, box)};
                NUMA *got[2] = {img_count_by_row(bin, box), img_count_by_column(bin, box)};
                for (int c = 0; c < 2; c++) {
                    if (!same_numa(got[c], want[c]))
                        fail_msg("%dx%d, box %zu, %s counts differ", dims[d][0], dims[d][1],
                                 k, c ? "column" : "row");
                    numaDestroy(&want[c]);
                    numaDestroy(&got[c]);
                }
                boxDestroy(&box);
            }
            pixDestroy(&bin);
        }
    assert_null(img_count_by_row(NULL, NULL));
    assert_null(img_count_by_column(NULL, NULL));
}

int main(void)
{
    img_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_decode_alpha),
        cmocka_unit_test(test_decode_png_rgb),
        cmocka_unit_test(test_grey_and_channels),
        cmocka_unit_test(test_close_grey),
        cmocka_unit_test(test_binary_bricks),
        cmocka_unit_test(test_blockrank),
        cmocka_unit_test(test_subtract_grey),
        cmocka_unit_test(test_scale_grey),
        cmocka_unit_test(test_scale_grey_plain),
        cmocka_unit_test(test_conn_comp_bb),
        cmocka_unit_test(test_count_by_line),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

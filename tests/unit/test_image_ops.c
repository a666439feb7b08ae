/* Proves: the shortcuts taken for speed in vision/ give exactly what the general
 * Leptonica operations give. An opaque RGBA PNG decodes to the same RGB as blending it
 * over white, and one with translucent pixels is still blended. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "vision/image.h"

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

int main(void)
{
    img_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_decode_alpha),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

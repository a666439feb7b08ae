/* Proves: img_decode turns a JPEG the way its Exif Orientation says (all eight values, in
 * both byte orders), so a phone photo stored sideways reaches the extractor upright; a
 * JPEG without Exif, and Exif blocks that are truncated, point outside themselves or
 * carry a bad value, decode as stored, never read out of bounds; the pixel limit holds
 * before anything is turned. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "vision/image.h"

#define W 60
#define H 30

/* A W x H grey JPEG, white with a black square in its top-left corner. */
static unsigned char *marked_jpeg(size_t *len)
{
    PIX *pix = pixCreate(W, H, 8);
    assert_non_null(pix);
    pixSetAllArbitrary(pix, 255);
    for (int y = 0; y < 12; y++)
        for (int x = 0; x < 12; x++)
            pixSetPixel(pix, x, y, 0);
    l_uint8 *bytes = NULL;
    assert_int_equal(pixWriteMemJpeg(&bytes, len, pix, 95, 0), 0);
    pixDestroy(&pix);
    return bytes;
}

static void put16(unsigned char *p, unsigned v, int be)
{
    p[be ? 0 : 1] = (unsigned char)(v >> 8);
    p[be ? 1 : 0] = (unsigned char)v;
}

static void put32(unsigned char *p, uint32_t v, int be)
{
    put16(p + (be ? 0 : 2), v >> 16, be);
    put16(p + (be ? 2 : 0), v & 0xffff, be);
}

/* jpeg with an APP1 Exif segment holding one IFD0 entry (tag, type, count, value) inserted
 * after SOI; *len updated. The segment's length field says seglen_adjust bytes more or
 * less than it holds when asked (hostile cases). */
static unsigned char *with_exif(const unsigned char *jpeg, size_t *len, int be, unsigned tag,
                                unsigned type, uint32_t count, unsigned value, uint32_t ifd)
{
    unsigned char seg[4 + 6 + 8 + 2 + 12 + 4] = {0xFF, 0xE1};
    put16(seg + 2, sizeof seg - 2, 1);
    memcpy(seg + 4, "Exif\0\0", 6);
    unsigned char *t = seg + 10;
    t[0] = t[1] = be ? 'M' : 'I';
    put16(t + 2, 42, be);
    put32(t + 4, ifd, be);
    put16(t + 8, 1, be);
    put16(t + 10, tag, be);
    put16(t + 12, type, be);
    put32(t + 14, count, be);
    put16(t + 18, value, be);
    unsigned char *out = malloc(*len + sizeof seg);
    assert_non_null(out);
    memcpy(out, jpeg, 2);
    memcpy(out + 2, seg, sizeof seg);
    memcpy(out + 2 + sizeof seg, jpeg + 2, *len - 2);
    *len += sizeof seg;
    return out;
}

/* Where the black square ended up: 0 top-left, 1 top-right, 2 bottom-right, 3 bottom-left. */
static int dark_corner(PIX *pix)
{
    int w = pixGetWidth(pix), h = pixGetHeight(pix);
    const int xs[4] = {3, w - 4, w - 4, 3}, ys[4] = {3, 3, h - 4, h - 4};
    int found = -1;
    for (int i = 0; i < 4; i++) {
        l_uint32 v = 255;
        pixGetPixel(pix, xs[i], ys[i], &v);
        if (v < 100) {
            assert_int_equal(found, -1); /* one dark corner only */
            found = i;
        }
    }
    return found;
}

static PIX *decode(const unsigned char *data, size_t len)
{
    PIX *pix = NULL;
    img_info info;
    ap_error err = {0};
    assert_int_equal(img_decode(data, len, 1u << 24, &pix, &info, &err), AP_OK);
    assert_int_equal(info.width, pixGetWidth(pix));
    assert_int_equal(info.height, pixGetHeight(pix));
    return pix;
}

static void test_all_orientations(void **state)
{
    (void)state;
    /* Each value's display transform, applied to a square stored top-left. */
    const int corner[9] = {0, 0, 1, 2, 3, 0, 1, 2, 3};
    const int sideways[9] = {0, 0, 0, 0, 0, 1, 1, 1, 1};
    size_t len = 0;
    unsigned char *jpeg = marked_jpeg(&len);
    for (int be = 0; be <= 1; be++)
        for (unsigned o = 1; o <= 8; o++) {
            size_t n = len;
            unsigned char *tagged = with_exif(jpeg, &n, be, 0x0112, 3, 1, o, 8);
            PIX *pix = decode(tagged, n);
            assert_int_equal(pixGetWidth(pix), sideways[o] ? H : W);
            assert_int_equal(dark_corner(pix), corner[o]);
            pixDestroy(&pix);
            free(tagged);
        }
    PIX *plain = decode(jpeg, len);
    assert_int_equal(pixGetWidth(plain), W);
    assert_int_equal(dark_corner(plain), 0);
    pixDestroy(&plain);
    free(jpeg);
}

static void test_bad_exif_decodes_as_stored(void **state)
{
    (void)state;
    size_t len = 0;
    unsigned char *jpeg = marked_jpeg(&len);
    const struct {
        unsigned tag, type;
        uint32_t count;
        unsigned value;
        uint32_t ifd;
    } bad[] = {
        {0x0112, 3, 1, 9, 8},          /* no such orientation */
        {0x0112, 3, 1, 0, 8},          /* nor this */
        {0x0112, 4, 1, 6, 8},          /* LONG, not SHORT */
        {0x0112, 3, 2, 6, 8},          /* two values */
        {0x0112, 3, 1, 6, 0xFFFFFFF0}, /* IFD far outside the block */
        {0x0112, 3, 1, 6, 30},         /* IFD at the block's very end */
        {0x0110, 2, 1, 6, 8},          /* another tag */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        size_t n = len;
        unsigned char *tagged =
            with_exif(jpeg, &n, 0, bad[i].tag, bad[i].type, bad[i].count, bad[i].value, bad[i].ifd);
        PIX *pix = decode(tagged, n);
        assert_int_equal(pixGetWidth(pix), W);
        assert_int_equal(dark_corner(pix), 0);
        pixDestroy(&pix);
        /* the segment's length pointing past the file: the walk stops, nothing is read */
        tagged[4] = 0x7F;
        PIX *cut = NULL;
        ap_error err = {0};
        if (img_decode(tagged, n, 1u << 24, &cut, NULL, &err) == AP_OK) {
            assert_int_equal(pixGetWidth(cut), W);
            pixDestroy(&cut);
        }
        free(tagged);
    }
    free(jpeg);
}

static void test_limit_before_turning(void **state)
{
    (void)state;
    size_t len = 0;
    unsigned char *jpeg = marked_jpeg(&len);
    size_t n = len;
    unsigned char *tagged = with_exif(jpeg, &n, 1, 0x0112, 3, 1, 6, 8);
    PIX *pix = NULL;
    ap_error err = {0};
    assert_int_equal(img_decode(tagged, n, W * H - 1, &pix, NULL, &err), AP_ERR_TOO_LARGE);
    assert_null(pix);
    free(tagged);
    free(jpeg);
}

int main(void)
{
    img_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_all_orientations),
        cmocka_unit_test(test_bad_exif_decodes_as_stored),
        cmocka_unit_test(test_limit_before_turning),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

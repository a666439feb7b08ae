/* convert: colour to grey and channels, and one grey less another (see convert.h).
 * Leptonica's 8 bpp images hold four pixels in a 32-bit word, the first in the most
 * significant byte; each output word is built from four input words, the same way for
 * every word, so the compiler turns the loops into vector instructions. Every pixel's
 * value is Leptonica's formula as it writes it (float products and sums, the rounding
 * half added in double), so the bytes are the same. */
#include "vision/convert.h"

#include <stdint.h>

/* Leptonica's luminance: its weights as floats, (int)(r w_r + g w_g + b w_b + 0.5) */
static inline uint32_t luminance(uint32_t px)
{
    const float rw = 0.3f, gw = 0.5f, bw = 0.2f;
    float r = (float)(int)((px >> L_RED_SHIFT) & 0xff),
          g = (float)(int)((px >> L_GREEN_SHIFT) & 0xff),
          b = (float)(int)((px >> L_BLUE_SHIFT) & 0xff);
    return (uint32_t)(int)((double)(rw * r + gw * g + bw * b) + 0.5);
}

PIX *img_blank_like(PIX *src, int depth)
{
    PIX *pix = pixCreate(pixGetWidth(src), pixGetHeight(src), depth);
    if (!pix) return NULL;
    pixCopyResolution(pix, src);
    pixCopyInputFormat(pix, src);
    return pix;
}

PIX *img_grey_of(PIX *rgb)
{
    if (!rgb) return NULL;
    if (pixGetDepth(rgb) != 32) return pixConvertTo8(rgb, 0);
    int w = pixGetWidth(rgb), h = pixGetHeight(rgb);
    PIX *grey = img_blank_like(rgb, 8);
    if (!grey) return NULL;
    const uint32_t *src = pixGetData(rgb);
    uint32_t *dst = pixGetData(grey);
    size_t swpl = (size_t)pixGetWpl(rgb), dwpl = (size_t)pixGetWpl(grey);
    int whole = w / 4;
    for (int y = 0; y < h; y++) {
        const uint32_t *in = src + (size_t)y * swpl;
        uint32_t *out = dst + (size_t)y * dwpl;
        for (int k = 0; k < whole; k++)
            out[k] = luminance(in[4 * k]) << 24 | luminance(in[4 * k + 1]) << 16 |
                     luminance(in[4 * k + 2]) << 8 | luminance(in[4 * k + 3]);
        for (int x = 4 * whole; x < w; x++)
            SET_DATA_BYTE(out, x, luminance(in[x]));
    }
    return grey;
}

PIX *img_channel(PIX *rgb, int channel)
{
    if (!rgb || pixGetDepth(rgb) != 32 ||
        (channel != COLOR_RED && channel != COLOR_GREEN && channel != COLOR_BLUE))
        return NULL;
    int shift = channel == COLOR_RED     ? L_RED_SHIFT
                : channel == COLOR_GREEN ? L_GREEN_SHIFT
                                         : L_BLUE_SHIFT;
    int w = pixGetWidth(rgb), h = pixGetHeight(rgb);
    PIX *out8 = img_blank_like(rgb, 8);
    if (!out8) return NULL;
    const uint32_t *src = pixGetData(rgb);
    uint32_t *dst = pixGetData(out8);
    size_t swpl = (size_t)pixGetWpl(rgb), dwpl = (size_t)pixGetWpl(out8);
    int whole = w / 4;
    for (int y = 0; y < h; y++) {
        const uint32_t *in = src + (size_t)y * swpl;
        uint32_t *out = dst + (size_t)y * dwpl;
        for (int k = 0; k < whole; k++)
            out[k] = ((in[4 * k] >> shift) & 0xff) << 24 | ((in[4 * k + 1] >> shift) & 0xff) << 16 |
                     ((in[4 * k + 2] >> shift) & 0xff) << 8 | ((in[4 * k + 3] >> shift) & 0xff);
        for (int x = 4 * whole; x < w; x++)
            SET_DATA_BYTE(out, x, (in[x] >> shift) & 0xff);
    }
    return out8;
}

PIX *img_subtract_grey(PIX *a, PIX *b)
{
    if (!a || !b || pixGetDepth(a) != 8 || pixGetDepth(b) != 8 ||
        pixGetWidth(a) != pixGetWidth(b) || pixGetHeight(a) != pixGetHeight(b))
        return pixSubtractGray(NULL, a, b);
    PIX *out = pixCopy(NULL, a); /* row ends as a's, as Leptonica leaves them */
    if (!out) return NULL;
    int w = pixGetWidth(a), h = pixGetHeight(a);
    size_t wpl = (size_t)pixGetWpl(a), whole = 4 * (size_t)(w / 4);
    for (int y = 0; y < h; y++) {
        l_uint32 *drow = pixGetData(out) + (size_t)y * wpl;
        const l_uint32 *srow = pixGetData(b) + (size_t)y * wpl;
        /* a whole word's four pixels are its four bytes, whatever their order */
        uint8_t *d = (uint8_t *)drow;
        const uint8_t *s = (const uint8_t *)srow;
        for (size_t i = 0; i < whole; i++)
            d[i] = (uint8_t)(d[i] > s[i] ? d[i] - s[i] : 0);
        for (int x = (int)whole; x < w; x++) {
            int v = (int)GET_DATA_BYTE(drow, x) - (int)GET_DATA_BYTE(srow, x);
            SET_DATA_BYTE(drow, x, v > 0 ? v : 0);
        }
    }
    return out;
}

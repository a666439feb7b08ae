/* morph: grey closing as running maxima then minima of byte rows, binary bricks as
 * running ANDs and ORs of 32 pixels at a time (see morph.h).
 *
 * Leptonica's pixCloseGray reads the image a column at a time in its vertical passes and
 * takes about as long as decoding the page. Here the pixels are plain bytes, row after
 * row. Along a row (in cache), a window of L pixels is the maximum of two overlapping
 * windows of the largest power of two p <= L, built by doubling (1, 2, 4, .. p) in a copy
 * of the row padded with the neutral value (0 for the maximum, 255 for the minimum); down
 * the columns, van Herk's blocks of suffix and prefix rows (three extremes a pixel for
 * any window, where the maximum of the 2 r + 1 rows around took 2 r).
 * Every step is an element-wise max (or min) of two byte rows, which the compiler turns
 * into vector instructions (at -O3, the Release build). Windows reaching past the image
 * see only its inside: exactly Leptonica's border handling.
 *
 * Binary bricks: Leptonica erodes and dilates by one full-image rasterop per pixel of
 * the brick (60 for a 30-pixel line). Here a line of L pixels is the same doubling
 * (AND for an erosion, OR for a dilation) over whole 32-bit words, along a row's bits
 * or down the rows, with the outside held as paper (Leptonica clears the bands an
 * erosion's brick reaches past the border). */
#include "vision/morph.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* ---- grey ---- */

/* dst = the extreme of a and b, n bytes (dst may be a: each byte reads only its own). */
static void row_extreme(uint8_t *dst, const uint8_t *a, const uint8_t *b, size_t n, int is_max)
{
    if (is_max)
        for (size_t i = 0; i < n; i++)
            dst[i] = a[i] > b[i] ? a[i] : b[i];
    else
        for (size_t i = 0; i < n; i++)
            dst[i] = a[i] < b[i] ? a[i] : b[i];
}

/* dst[i] = max (or min) of src[i .. i + len - 1] for i in [0, n); src holds n + len - 1
 * bytes and is clobbered, tmp is scratch as large. Windows of len are the extreme of two
 * overlapping windows of the largest power of two span <= len, built by doubling. */
static void running(uint8_t *dst, uint8_t *src, uint8_t *tmp, size_t n, int len, int is_max)
{
    size_t total = n + (size_t)len - 1;
    uint8_t *cur = src, *next = tmp;
    int span = 1; /* cur[i] covers span entries from i */
    while (span * 2 <= len) {
        row_extreme(next, cur, cur + span, total - (size_t)(2 * span - 1), is_max);
        uint8_t *t = cur;
        cur = next, next = t;
        span *= 2;
    }
    row_extreme(dst, cur, cur + (len - span), n, is_max);
}

/* Each of the w x h bytes of rows (stride bytes apart) replaced, in place, by the extreme
 * of the 2 rv + 1 rows around it that lie inside the image: van Herk's three extremes a
 * pixel whatever the window. In the image padded with rv neutral rows above and below,
 * output row y is the window of L = 2 rv + 1 padded rows from y; cut the padded rows into
 * blocks of L, and a window starting inside block b is the extreme of the block's suffix
 * from y and the next block's prefix up to y + L - 1. Blocks are read one ahead of the
 * rows written, each before any of its rows is overwritten. bufs holds 3 L rows of w. */
static void columns(uint8_t *rows, size_t stride, int w, int h, int rv, int is_max, uint8_t *bufs)
{
    int len = 2 * rv + 1;
    uint8_t neutral = is_max ? 0 : 255;
    size_t n = (size_t)w;
    uint8_t *suffix = bufs, *next_suffix = bufs + (size_t)len * n,
            *prefix = bufs + 2 * (size_t)len * n;
#define ROW_OF(buf, i) ((buf) + (size_t)(i)*n)
    /* block b's suffixes into suf and prefixes into pre (NULL: not wanted) */
    for (int b = -1; b * len < h; b++) {
        int first = (b + 1) * len; /* the next block's first padded row */
        uint8_t *suf = b < 0 ? suffix : next_suffix;
        for (int i = 0; i < len; i++) {
            int y = first + i - rv; /* its image row */
            if (y >= 0 && y < h)
                memcpy(ROW_OF(suf, i), rows + (size_t)y * stride, n);
            else
                memset(ROW_OF(suf, i), neutral, n);
        }
        if (b >= 0) {
            memcpy(ROW_OF(prefix, 0), ROW_OF(suf, 0), n);
            for (int i = 1; i < len; i++)
                row_extreme(ROW_OF(prefix, i), ROW_OF(prefix, i - 1), ROW_OF(suf, i), n, is_max);
        }
        for (int i = len - 2; i >= 0; i--)
            row_extreme(ROW_OF(suf, i), ROW_OF(suf, i), ROW_OF(suf, i + 1), n, is_max);
        if (b < 0) continue;
        /* the rows of block b: its suffix, with the next block's prefix past a start */
        for (int i = 0; i < len && b * len + i < h; i++) {
            uint8_t *out = rows + (size_t)(b * len + i) * stride;
            if (i == 0)
                memcpy(out, ROW_OF(suffix, 0), n);
            else
                row_extreme(out, ROW_OF(suffix, i), ROW_OF(prefix, i - 1), n, is_max);
        }
        uint8_t *t = suffix;
        suffix = next_suffix, next_suffix = t;
    }
#undef ROW_OF
}

/* One dilation (is_max) or erosion of the w x h bytes of rows (stride bytes apart), in
 * place: each row's running extreme over 2 rh + 1 pixels (in a padded copy of the row,
 * the padding neutral), then each output row the extreme of the 2 rv + 1 rows around it
 * that lie inside the image (columns). line holds 2 (w + 2 rh) bytes; bufs 3 (2 rv + 1)
 * rows of w. */
static void extreme(uint8_t *rows, size_t stride, int w, int h, int rh, int rv, int is_max,
                    uint8_t *line, uint8_t *bufs)
{
    uint8_t neutral = is_max ? 0 : 255;
    size_t pw = (size_t)w + 2 * (size_t)rh;
    for (int y = 0; y < h; y++) {
        uint8_t *row = rows + (size_t)y * stride;
        memset(line, neutral, (size_t)rh);
        memcpy(line + rh, row, (size_t)w);
        memset(line + rh + w, neutral, (size_t)rh);
        running(row, line, line + pw, (size_t)w, 2 * rh + 1, is_max);
    }
    if (rv > 0) columns(rows, stride, w, h, rv, is_max, bufs);
}

PIX *img_close_grey(PIX *grey, int hsize, int vsize)
{
    if (!grey || pixGetDepth(grey) != 8 || hsize < 1 || vsize < 1 || pixGetColormap(grey))
        return NULL;
    hsize |= 1, vsize |= 1;
    int w = pixGetWidth(grey), h = pixGetHeight(grey);
    int rh = hsize / 2, rv = vsize / 2;
    /* the pixels in order, row after row: Leptonica packs 8 bpp pixels in 32-bit words
     * most significant byte first, which is byte order only on big-endian machines */
    PIX *out = pixEndianByteSwapNew(grey);
    uint8_t *line = malloc(2 * ((size_t)w + 2 * (size_t)rh));
    uint8_t *bufs = malloc(3 * (2 * (size_t)rv + 1) * (size_t)w);
    if (!out || !line || !bufs) {
        pixDestroy(&out);
        goto done;
    }
    uint8_t *rows = (uint8_t *)pixGetData(out);
    size_t stride = 4 * (size_t)pixGetWpl(out);
    extreme(rows, stride, w, h, rh, rv, 1, line, bufs);
    extreme(rows, stride, w, h, rh, rv, 0, line, bufs);
    pixEndianByteSwap(out);
done:
    free(line);
    free(bufs);
    return out;
}

/* ---- binary ---- */

/* The offsets a brick of size pixels covers along one axis, origin at size / 2: an
 * erosion reads pixels x + [-(size / 2), size - 1 - size / 2], a dilation the mirror. */
static void brick_span(int size, int erode, int *lo, int *hi)
{
    int c = size / 2;
    *lo = erode ? -c : c - size + 1;
    *hi = erode ? size - 1 - c : c;
}

/* out[i] = a[i] AND (erode) or OR the 32 pixels that start shift pixels after word i of
 * a (Leptonica's order: the first pixel in the most significant bit), for i in [0, n):
 * one plain loop per shift, which the compiler turns into vector instructions. a holds
 * n + shift / 32 + 1 words. */
static void shifted_op(uint32_t *restrict out, const uint32_t *a, size_t n, size_t shift, int erode)
{
    const uint32_t *b = a + (shift >> 5);
    unsigned r = (unsigned)(shift & 31), l = 32 - r;
    if (r == 0 && erode)
        for (size_t i = 0; i < n; i++)
            out[i] = a[i] & b[i];
    else if (r == 0)
        for (size_t i = 0; i < n; i++)
            out[i] = a[i] | b[i];
    else if (erode)
        for (size_t i = 0; i < n; i++)
            out[i] = a[i] & ((b[i] << r) | (b[i + 1] >> l));
    else
        for (size_t i = 0; i < n; i++)
            out[i] = a[i] | ((b[i] << r) | (b[i + 1] >> l));
}

/* Each row of data (w pixels, wpl words) replaced by its AND (erode) or OR over a
 * horizontal line of size pixels. buf and tmp hold nb words each. */
static void line_rows(uint32_t *data, int wpl, int w, int h, int size, int erode, uint32_t *buf,
                      uint32_t *tmp, size_t pad, size_t nb)
{
    int lo, hi;
    brick_span(size, erode, &lo, &hi);
    unsigned tail = (unsigned)(w & 31);
    uint32_t endmask = tail ? 0xffffffffu << (32 - tail) : 0xffffffffu; /* pixels inside */
    for (int y = 0; y < h; y++) {
        uint32_t *row = data + (size_t)y * (size_t)wpl;
        memset(buf, 0, nb * sizeof *buf); /* the outside is paper */
        memcpy(buf + pad, row, (size_t)wpl * sizeof *row);
        buf[pad + (size_t)wpl - 1] &= endmask;
        uint32_t *cur = buf, *next = tmp;
        int span = 1;
        while (span * 2 <= size) {
            size_t last = nb - 1 - ((size_t)span >> 5) - 1; /* reads stay inside */
            shifted_op(next, cur, last + 1, (size_t)span, erode);
            uint32_t *t = cur;
            cur = next, next = t;
            span *= 2;
        }
        /* pixel x: the two windows of span pixels from x + lo and x + hi - span + 1 */
        size_t p = pad * 32 + (size_t)((ptrdiff_t)lo);
        const uint32_t *a = cur + (p >> 5);
        unsigned r = (unsigned)(p & 31);
        if (r == 0) {
            shifted_op(row, a, (size_t)wpl, (size_t)(size - span), erode);
        } else {
            /* the first window's bits aligned into next (as many words as the second
             * window reads), then combined */
            size_t m = (size_t)wpl + ((size_t)(size - span) >> 5) + 1;
            for (size_t k = 0; k < m; k++)
                next[k] = (a[k] << r) | (a[k + 1] >> (32 - r));
            shifted_op(row, next, (size_t)wpl, (size_t)(size - span), erode);
        }
        row[wpl - 1] &= endmask;
    }
}

/* Each pixel of data replaced by the AND (erode) or OR of a vertical line of size pixels,
 * whole rows at a time. buf and tmp hold (h + size) * wpl words each. */
static void line_cols(uint32_t *data, int wpl, int h, int size, int erode, uint32_t *buf,
                      uint32_t *tmp)
{
    int lo, hi;
    brick_span(size, erode, &lo, &hi);
    size_t top = (size_t)(-lo), rows = (size_t)h + (size_t)(hi - lo), stride = (size_t)wpl;
    memset(buf, 0, rows * stride * sizeof *buf); /* the outside is paper */
    memcpy(buf + top * stride, data, (size_t)h * stride * sizeof *data);
    uint32_t *cur = buf, *next = tmp;
    size_t span = 1;
    while (span * 2 <= (size_t)size) {
        size_t n = (rows - span) * stride, shift = span * stride;
        if (erode)
            for (size_t i = 0; i < n; i++)
                next[i] = cur[i] & cur[i + shift];
        else
            for (size_t i = 0; i < n; i++)
                next[i] = cur[i] | cur[i + shift];
        uint32_t *t = cur;
        cur = next, next = t;
        span *= 2;
    }
    /* row y: the windows of span rows starting at rows y + lo and y + hi - span + 1 of
     * the image, which are rows y and y + size - span of the padded buffer */
    size_t n = (size_t)h * stride, shift = ((size_t)size - span) * stride;
    if (erode)
        for (size_t i = 0; i < n; i++)
            data[i] = cur[i] & cur[i + shift];
    else
        for (size_t i = 0; i < n; i++)
            data[i] = cur[i] | cur[i + shift];
}

/* Erodes (erode) or dilates pix in place, rows then columns. Returns 0 out of memory. */
static int brick_in_place(PIX *pix, int hsize, int vsize, int erode)
{
    int w = pixGetWidth(pix), h = pixGetHeight(pix), wpl = pixGetWpl(pix);
    uint32_t *data = pixGetData(pix);
    size_t pad = (size_t)(hsize / 32) + 2, nb = 2 * pad + (size_t)wpl;
    size_t need = nb, cols = ((size_t)h + (size_t)vsize) * (size_t)wpl;
    if (vsize > 1 && cols > need) need = cols;
    /* tmp starts defined: the doubling leaves unused entries at its ends */
    uint32_t *buf = malloc(need * sizeof *buf), *tmp = calloc(need, sizeof *tmp);
    int ok = buf && tmp;
    if (ok && hsize > 1) line_rows(data, wpl, w, h, hsize, erode, buf, tmp, pad, nb);
    if (ok && vsize > 1) {
        line_cols(data, wpl, h, vsize, erode, buf, tmp);
        unsigned tail = (unsigned)(w & 31);
        if (tail)
            for (int y = 0; y < h; y++)
                data[(size_t)y * (size_t)wpl + (size_t)wpl - 1] &= 0xffffffffu << (32 - tail);
    }
    free(buf);
    free(tmp);
    return ok;
}

/* steps: 'e' erode, 'd' dilate, applied in order to a copy of bin. */
static PIX *brick_generic(PIX *bin, int hsize, int vsize, const char *steps)
{
    if (!bin || pixGetDepth(bin) != 1 || hsize < 1 || vsize < 1) return NULL;
    PIX *out = pixCopy(NULL, bin);
    for (const char *s = steps; out && *s; s++)
        if (!brick_in_place(out, hsize, vsize, *s == 'e')) pixDestroy(&out);
    return out;
}

PIX *img_erode_brick(PIX *bin, int hsize, int vsize)
{
    return brick_generic(bin, hsize, vsize, "e");
}

PIX *img_dilate_brick(PIX *bin, int hsize, int vsize)
{
    return brick_generic(bin, hsize, vsize, "d");
}

PIX *img_open_brick(PIX *bin, int hsize, int vsize)
{
    return brick_generic(bin, hsize, vsize, "ed");
}

PIX *img_close_brick(PIX *bin, int hsize, int vsize)
{
    return brick_generic(bin, hsize, vsize, "de");
}

/* ---- block rank ---- */

/* Leptonica's blocksumLow scales a window's count to 255 in float, then, at the border,
 * scales the byte again by the full window over the part it counted; the byte is cut
 * from the float through an int, as its (l_uint8) cast compiles. */
static uint8_t rank_byte(float v)
{
    return (uint8_t)(int32_t)v;
}

/* A border window's level v scaled by the window's rows (normh) and columns (normw) over
 * those counted, 0 where the window is whole that way, in blocksumLow's float order. */
static uint8_t border_level(uint8_t v, float normh, float normw)
{
    if (normh != 0.0f && normw != 0.0f) return rank_byte((float)v * normh * normw);
    if (normh != 0.0f) return rank_byte((float)v * normh);
    return rank_byte((float)v * normw);
}

/* Adds (sign 1) or takes away (-1) the set bits of row to counts, one per column. */
static void count_row(uint16_t *counts, const uint32_t *row, int wpl, int sign)
{
    for (int k = 0; k < wpl; k++) {
        uint32_t word = row[k];
        for (uint16_t *c = counts + 32 * k; word; word <<= 1, c++)
            if (word & 0x80000000u) *c = (uint16_t)(*c + sign);
    }
}

PIX *img_blockrank(PIX *bin, int wc, int hc, float rank)
{
    if (!bin || pixGetDepth(bin) != 1) return NULL;
    int w = pixGetWidth(bin), h = pixGetHeight(bin), fwc = 2 * wc + 1, fhc = 2 * hc + 1;
    /* Leptonica's special cases (a rank of 0, a window of one pixel or larger than the
     * page) and its division by a zero half-size at the border stay with it */
    if (rank <= 0.0f || rank > 1.0f || wc < 1 || hc < 1 || w < fwc || h < fhc || fhc > 65535)
        return pixBlockrank(bin, NULL, wc, hc, rank);
    int thresh = (int)(255. * rank), wpl = pixGetWpl(bin), wpld;
    float norm = (float)(255. / ((float)fwc * (float)fhc));
    PIX *out = pixCreate(w, h, 1);
    /* counts: ink per column over the window's rows; sums: their prefix sums */
    uint16_t *counts = calloc(32 * (size_t)wpl, sizeof *counts);
    uint32_t *sums = malloc(((size_t)w + 1) * sizeof *sums);
    uint8_t *level = malloc(((size_t)fwc * (size_t)fhc + 1) * sizeof *level);
    if (!out || !counts || !sums || !level) {
        pixDestroy(&out);
        goto out;
    }
    pixCopyResolution(out, bin);
    wpld = pixGetWpl(out);
    /* the levels rise with the count: inside, a count is kept from the first that makes
     * the rank on */
    int full = fwc * fhc, cmin = full + 1;
    for (int c = full; c >= 0; c--)
        if ((level[c] = rank_byte(norm * (float)c)) >= thresh) cmin = c;
    const uint32_t *src = pixGetData(bin);
    uint32_t *dst = pixGetData(out);
    /* Window of pixel (x, y): rows (ylo, yhi] and columns (xlo, xhi], where lo is
     * y - hc - 1 (x - wc - 1) held at 0 and hi y + hc (x + wc) held at the last: the
     * accumulator's corners, so a window over the first row or column leaves it out. */
    int ylo = 0, yhi = 0;
    for (int y = 0; y < h; y++) {
        int lo = y - hc - 1 > 0 ? y - hc - 1 : 0, hi = y + hc < h - 1 ? y + hc : h - 1;
        for (; yhi < hi; yhi++)
            count_row(counts, src + (size_t)(yhi + 1) * (size_t)wpl, wpl, 1);
        for (; ylo < lo; ylo++)
            count_row(counts, src + (size_t)(ylo + 1) * (size_t)wpl, wpl, -1);
        sums[0] = 0;
        for (int x = 0; x < w; x++)
            sums[x + 1] = sums[x] + counts[x];
        int hn = y <= hc ? hc + y : y >= h - hc ? hc + h - y : 0;
        float normh = hn ? (float)fhc / (float)hn : 0.0f;
        uint32_t *row = dst + (size_t)y * (size_t)wpld, word = 0;
        for (int x = 0; x < w; x++) {
            /* paper: too little ink under all 32 windows of a word together */
            if (!hn && (x & 31) == 0 && x > wc && x + 31 < w - wc &&
                (int)(sums[x + 31 + wc + 1] - sums[x - wc]) < cmin) {
                row[x >> 5] = 0;
                x += 31;
                continue;
            }
            int on;
            if (!hn && x > wc && x < w - wc) {
                on = (int)(sums[x + wc + 1] - sums[x - wc]) >= cmin;
            } else {
                int xl = x - wc - 1 > 0 ? x - wc - 1 : 0, xh = x + wc < w - 1 ? x + wc : w - 1;
                int wn = x <= wc ? wc + x : x >= w - wc ? wc + w - x : 0;
                on = border_level(level[sums[xh + 1] - sums[xl + 1]], normh,
                                  wn ? (float)fwc / (float)wn : 0.0f) >= thresh;
            }
            word = word << 1 | (uint32_t)on;
            if ((x & 31) == 31) row[x >> 5] = word, word = 0;
        }
        if (w & 31) row[w >> 5] = word << (32 - (w & 31));
    }
out:
    free(counts);
    free(sums);
    free(level);
    return out;
}

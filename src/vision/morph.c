/* morph: grey closing as four passes of a running maximum or minimum, binary bricks as
 * running ANDs and ORs of 32 pixels at a time (see morph.h).
 *
 * Leptonica's pixCloseGray reads the image a column at a time in its vertical passes and
 * takes about as long as decoding the page. Here each pass runs over a padded copy held as
 * plain bytes, row after row: a window of L pixels is the maximum of two overlapping
 * windows of the largest power of two p <= L, built by doubling (1, 2, 4, .. p), so every
 * step is one element-wise max (or min) of the array with itself shifted, which the
 * compiler turns into vector instructions (at -O3, the Release build). The padding holds the
 * neutral value (0 for the maximum, 255 for the minimum), so windows reaching past the image see
 * only its inside: exactly Leptonica's border handling.
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

/* dst[i] = max (or min) of src[i + k * step] for k in [0, len), i in [0, n); src must
 * hold n + (len - 1) * step bytes. tmp (as large as src) is scratch; src is clobbered. */
static void running(uint8_t *dst, uint8_t *src, uint8_t *tmp, size_t n, size_t step, int len,
                    int is_max)
{
    size_t total = n + (size_t)(len - 1) * step;
    uint8_t *cur = src, *next = tmp;
    int span = 1; /* cur[i] covers span windows' worth of entries from i */
    while (span * 2 <= len) {
        size_t valid = total - (size_t)(2 * span - 1) * step;
        size_t shift = (size_t)span * step;
        const uint8_t *a = cur, *b = cur + shift;
        uint8_t *restrict out = next;
        if (is_max)
            for (size_t i = 0; i < valid; i++)
                out[i] = a[i] > b[i] ? a[i] : b[i];
        else
            for (size_t i = 0; i < valid; i++)
                out[i] = a[i] < b[i] ? a[i] : b[i];
        uint8_t *t = cur;
        cur = next, next = t;
        span *= 2;
    }
    /* two windows of span entries, at 0 and at len - span, cover len entries */
    size_t shift = (size_t)(len - span) * step;
    const uint8_t *a = cur, *b = cur + shift;
    if (is_max)
        for (size_t i = 0; i < n; i++)
            dst[i] = a[i] > b[i] ? a[i] : b[i];
    else
        for (size_t i = 0; i < n; i++)
            dst[i] = a[i] < b[i] ? a[i] : b[i];
}

/* One dilation (is_max) or erosion of the w x h bytes at in (row stride w), into out
 * (w x h): the padded plane gets the neutral value around the image, then a horizontal
 * and a vertical running extreme. plane, tmp and rows are scratch of pw * ph bytes. */
static void extreme(const uint8_t *in, uint8_t *out, int w, int h, int rh, int rv, int is_max,
                    uint8_t *plane, uint8_t *tmp, uint8_t *rows)
{
    size_t pw = (size_t)w + 2 * (size_t)rh, ph = (size_t)h + 2 * (size_t)rv;
    uint8_t neutral = is_max ? 0 : 255;
    memset(plane, neutral, pw * ph);
    for (int y = 0; y < h; y++)
        memcpy(plane + ((size_t)y + (size_t)rv) * pw + (size_t)rh, in + (size_t)y * (size_t)w,
               (size_t)w);
    /* rows[i]: the extreme of plane[i .. i + 2 rh]; the last 2 rh entries of the plane
     * have no full window and are left neutral */
    size_t n = pw * ph - 2 * (size_t)rh;
    running(rows, plane, tmp, n, 1, 2 * rh + 1, is_max);
    memset(rows + n, neutral, 2 * (size_t)rh);
    /* columns: rows[y * pw + x] (y in [0, h)) over rows y .. y + 2 rv, which hold the
     * image's rows y - rv .. y + rv; entries x >= w of a row are never read back */
    n = (size_t)h * pw;
    running(plane, rows, tmp, n, pw, 2 * rv + 1, is_max);
    for (int y = 0; y < h; y++)
        memcpy(out + (size_t)y * (size_t)w, plane + (size_t)y * pw, (size_t)w);
}

PIX *img_close_grey(PIX *grey, int hsize, int vsize)
{
    if (!grey || pixGetDepth(grey) != 8 || hsize < 1 || vsize < 1 || pixGetColormap(grey))
        return NULL;
    hsize |= 1, vsize |= 1;
    int w = pixGetWidth(grey), h = pixGetHeight(grey);
    int rh = hsize / 2, rv = vsize / 2;
    size_t pw = (size_t)w + 2 * (size_t)rh, ph = (size_t)h + 2 * (size_t)rv;
    PIX *out = pixCreateTemplate(grey);
    uint8_t *bytes = malloc((size_t)w * (size_t)h);
    uint8_t *scratch = malloc(3 * pw * ph);
    if (!out || !bytes || !scratch) {
        pixDestroy(&out);
        out = NULL;
        goto done;
    }
    /* Leptonica packs 8 bpp pixels in 32-bit words, most significant byte first */
    const l_uint32 *src = pixGetData(grey);
    int wpl = pixGetWpl(grey);
    for (int y = 0; y < h; y++) {
        const l_uint32 *line = src + (size_t)y * (size_t)wpl;
        uint8_t *row = bytes + (size_t)y * (size_t)w;
        for (int x = 0; x < w; x++)
            row[x] = (uint8_t)GET_DATA_BYTE(line, x);
    }
    uint8_t *plane = scratch, *tmp = scratch + pw * ph, *rows = scratch + 2 * pw * ph;
    extreme(bytes, bytes, w, h, rh, rv, 1, plane, tmp, rows);
    extreme(bytes, bytes, w, h, rh, rv, 0, plane, tmp, rows);
    l_uint32 *dst = pixGetData(out);
    int dwpl = pixGetWpl(out);
    for (int y = 0; y < h; y++) {
        l_uint32 *line = dst + (size_t)y * (size_t)dwpl;
        const uint8_t *row = bytes + (size_t)y * (size_t)w;
        for (int x = 0; x < w; x++)
            SET_DATA_BYTE(line, x, row[x]);
    }
done:
    free(bytes);
    free(scratch);
    return out;
}

/* ---- binary ---- */

/* The 32 pixels of a row buffer starting at pixel p (Leptonica's order: the first pixel
 * in the most significant bit). */
static inline uint32_t bits_at(const uint32_t *buf, size_t p)
{
    size_t i = p >> 5;
    unsigned r = (unsigned)(p & 31);
    return r ? (buf[i] << r) | (buf[i + 1] >> (32 - r)) : buf[i];
}

/* The offsets a brick of size pixels covers along one axis, origin at size / 2: an
 * erosion reads pixels x + [-(size / 2), size - 1 - size / 2], a dilation the mirror. */
static void brick_span(int size, int erode, int *lo, int *hi)
{
    int c = size / 2;
    *lo = erode ? -c : c - size + 1;
    *hi = erode ? size - 1 - c : c;
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
            for (size_t i = 0; i <= last; i++) {
                uint32_t o = bits_at(cur, i * 32 + (size_t)span);
                next[i] = erode ? cur[i] & o : cur[i] | o;
            }
            uint32_t *t = cur;
            cur = next, next = t;
            span *= 2;
        }
        /* pixel x: the two windows of span pixels from x + lo and x + hi - span + 1 */
        size_t base = pad * 32;
        for (int k = 0; k < wpl; k++) {
            size_t p = base + (size_t)k * 32 + (size_t)((ptrdiff_t)lo);
            uint32_t a = bits_at(cur, p), b = bits_at(cur, p + (size_t)(size - span));
            row[k] = erode ? a & b : a | b;
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

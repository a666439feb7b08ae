/* morph: grey closing as four passes of a running maximum or minimum (see morph.h).
 *
 * Leptonica's pixCloseGray reads the image a column at a time in its vertical passes and
 * takes about as long as decoding the page. Here each pass runs over a padded copy held as
 * plain bytes, row after row: a window of L pixels is the maximum of two overlapping
 * windows of the largest power of two p <= L, built by doubling (1, 2, 4, .. p), so every
 * step is one element-wise max (or min) of the array with itself shifted, which the
 * compiler turns into vector instructions (at -O3, the Release build). The padding holds the neutral value (0 for
 * the maximum, 255 for the minimum), so windows reaching past the image see only its
 * inside: exactly Leptonica's border handling. */
#include "vision/morph.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

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

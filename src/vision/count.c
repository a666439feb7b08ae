/* count: set pixels per row or column of a box, a word at a time (see count.h). The box
 * is clipped by Leptonica's own boxClipToRectangleParams, so the rows and columns counted
 * are the ones it counts; a NULL box is the whole image. Pad bits past the image's width
 * are never counted. The NUMA carries Leptonica's parameters (first row or column, step 1). */
#include "vision/count.h"

#include <stdint.h>
#include <stdlib.h>

/* The box's span [x0, x1) x [y0, y1), clipped to bin; -1 when nothing is left. */
static int clip_span(PIX *bin, BOX *box, int *x0, int *y0, int *x1, int *y1)
{
    int w = pixGetWidth(bin), h = pixGetHeight(bin);
    if (!box) {
        *x0 = 0, *y0 = 0, *x1 = w, *y1 = h;
        return 0;
    }
    l_int32 xs, ys, xe, ye, bw, bh;
    if (boxClipToRectangleParams(box, w, h, &xs, &ys, &xe, &ye, &bw, &bh) != 0) return -1;
    *x0 = xs, *y0 = ys, *x1 = xe, *y1 = ye;
    return 0;
}

/* Bits x0 .. x1-1 of word k of a row: the mask of those that fall in word k. */
static inline uint32_t span_mask(int k, int x0, int x1)
{
    int lo = x0 - 32 * k, hi = x1 - 32 * k; /* bit positions, 0 = the word's first pixel */
    uint32_t m = 0xffffffffu;
    if (lo > 0) m &= 0xffffffffu >> lo;
    if (hi < 32) m &= ~(0xffffffffu >> hi);
    return m;
}

NUMA *img_count_by_row(PIX *bin, BOX *box)
{
    int x0, y0, x1, y1;
    if (!bin || pixGetDepth(bin) != 1 || clip_span(bin, box, &x0, &y0, &x1, &y1) != 0)
        return NULL;
    NUMA *na = numaCreate(y1 - y0 > 0 ? y1 - y0 : 1);
    if (!na) return NULL;
    numaSetParameters(na, (l_float32)y0, 1);
    const uint32_t *data = pixGetData(bin);
    size_t wpl = (size_t)pixGetWpl(bin);
    int k0 = x0 >> 5, k1 = (x1 + 31) >> 5;
    for (int y = y0; y < y1; y++) {
        const uint32_t *row = data + (size_t)y * wpl;
        int count = 0;
        for (int k = k0; k < k1; k++) count += __builtin_popcount(row[k] & span_mask(k, x0, x1));
        if (numaAddNumber(na, (l_float32)count) != 0) {
            numaDestroy(&na);
            return NULL;
        }
    }
    return na;
}

NUMA *img_count_by_column(PIX *bin, BOX *box)
{
    int x0, y0, x1, y1;
    if (!bin || pixGetDepth(bin) != 1 || clip_span(bin, box, &x0, &y0, &x1, &y1) != 0)
        return NULL;
    int n = x1 - x0;
    int *counts = calloc(n > 0 ? (size_t)n : 1, sizeof *counts);
    NUMA *na = counts ? numaCreate(n > 0 ? n : 1) : NULL;
    if (!na) goto fail;
    numaSetParameters(na, (l_float32)x0, 1);
    const uint32_t *data = pixGetData(bin);
    size_t wpl = (size_t)pixGetWpl(bin);
    int k0 = x0 >> 5, k1 = (x1 + 31) >> 5;
    for (int y = y0; y < y1; y++) {
        const uint32_t *row = data + (size_t)y * wpl;
        for (int k = k0; k < k1; k++)
            for (uint32_t word = row[k] & span_mask(k, x0, x1); word; ) {
                int b = __builtin_clz(word);
                counts[32 * k + b - x0]++;
                word &= ~(0x80000000u >> b);
            }
    }
    for (int i = 0; i < n; i++)
        if (numaAddNumber(na, (l_float32)counts[i]) != 0) goto fail;
    free(counts);
    return na;
fail:
    free(counts);
    numaDestroy(&na);
    return NULL;
}

/* pixstat: integer histograms of 8-bit grey (see pixstat.h). */
#include "vision/pixstat.h"

#include <stdint.h>
#include <string.h>

/* Leptonica's float bin stops growing here: 2^24 + 1 rounds back to 2^24. */
#define FLOAT_COUNT_LIMIT 16777216u

/* Counts rows y0, y0 + factor, .. below y1 and in each the columns x0, x0 + factor, ..
 * below x1 (all inside grey). Returns the histogram as Leptonica's NUMA. */
static NUMA *count_levels(PIX *grey, int x0, int y0, int x1, int y1, int factor)
{
    uint32_t counts[4][256];
    memset(counts, 0, sizeof counts);
    const l_uint32 *data = pixGetData(grey);
    int wpl = pixGetWpl(grey);
    for (int y = y0; y < y1; y += factor) {
        const l_uint32 *line = data + (size_t)y * (size_t)wpl;
        int x = x0;
        /* four tables in turn: a run of one level is four independent chains */
        for (; x + 3 * factor < x1; x += 4 * factor) {
            counts[0][GET_DATA_BYTE(line, x)]++;
            counts[1][GET_DATA_BYTE(line, x + factor)]++;
            counts[2][GET_DATA_BYTE(line, x + 2 * factor)]++;
            counts[3][GET_DATA_BYTE(line, x + 3 * factor)]++;
        }
        for (; x < x1; x += factor)
            counts[0][GET_DATA_BYTE(line, x)]++;
    }
    NUMA *na = numaCreate(256);
    if (!na) return NULL;
    numaSetCount(na, 256);
    l_float32 *bins = numaGetFArray(na, L_NOCOPY);
    for (int v = 0; v < 256; v++) {
        uint64_t n = (uint64_t)counts[0][v] + counts[1][v] + counts[2][v] + counts[3][v];
        bins[v] = n > FLOAT_COUNT_LIMIT ? (l_float32)FLOAT_COUNT_LIMIT : (l_float32)n;
    }
    return na;
}

/* The first multiple of factor at or above -start (the sampling phase kept when a
 * rectangle reaches before the image). */
static int first_inside(int start, int factor)
{
    if (start >= 0) return 0;
    return (-start + factor - 1) / factor * factor;
}

NUMA *img_grey_histogram_rect(PIX *grey, BOX *box, int factor)
{
    if (!grey || factor < 1) return NULL;
    if (pixGetDepth(grey) != 8 || pixGetColormap(grey))
        return box ? pixGetGrayHistogramInRect(grey, box, factor)
                   : pixGetGrayHistogram(grey, factor);
    int w = pixGetWidth(grey), h = pixGetHeight(grey);
    l_int32 bx = 0, by = 0, bw = w, bh = h;
    if (box) boxGetGeometry(box, &bx, &by, &bw, &bh);
    /* Leptonica's i and j run over [0, bh) and [0, bw) by factor from the box's corner,
     * skipping what lies outside the image */
    int i0 = first_inside(by, factor), j0 = first_inside(bx, factor);
    int y1 = by + bh < h ? by + bh : h, x1 = bx + bw < w ? bx + bw : w;
    return count_levels(grey, bx + j0, by + i0, x1, y1, factor);
}

NUMA *img_grey_histogram(PIX *grey, int factor)
{
    return img_grey_histogram_rect(grey, NULL, factor);
}

/* pixstat: integer histograms and vector thresholds of 8-bit grey (see pixstat.h). */
#include "vision/pixstat.h"

#include "vision/conncomp.h"
#include "vision/convert.h"

#include <stdint.h>
#include <string.h>

#if defined(__SSE2__) && defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#include <emmintrin.h>
#define PIXSTAT_SSE2 1
#endif

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

int img_rank_values(PIX *grey, const float *ranks, l_uint32 *values, int n)
{
    if (!grey || !ranks || !values) return 1;
    if (pixGetDepth(grey) != 8 || pixGetColormap(grey)) {
        for (int i = 0; i < n; i++)
            if (pixGetRankValue(grey, 1, ranks[i], &values[i]) != 0) return 1;
        return 0;
    }
    for (int i = 0; i < n; i++)
        if (ranks[i] < 0.0f || ranks[i] > 1.0f) return 1;
    NUMA *hist = img_grey_histogram(grey, 1);
    if (!hist) return 1;
    for (int i = 0; i < n; i++) {
        /* as pixGetRankValueMasked: the lookup's own failure leaves 0 */
        l_float32 v = 0.0f;
        numaHistogramGetValFromRank(hist, ranks[i], &v);
        values[i] = (l_uint32)lept_roundftoi(v);
    }
    numaDestroy(&hist);
    return 0;
}

/* One row of w pixels: dst's bit for pixel j (Leptonica's order, pixel 0 the word's top
 * bit) is set when src's byte for pixel j is below thresh; dst starts cleared. */
static void threshold_row(l_uint32 *dst, const l_uint32 *src, int w, int thresh)
{
    int j = 0;
#ifdef PIXSTAT_SSE2
    if (thresh >= 1) {
        /* x < thresh is min(x, thresh - 1) == x, unsigned */
        const __m128i limit = _mm_set1_epi8((char)(unsigned char)(thresh - 1));
        for (int k = 0; j + 31 < w; j += 32, k++) {
            __m128i a = _mm_loadu_si128((const __m128i *)(src + 8 * k));
            __m128i b = _mm_loadu_si128((const __m128i *)(src + 8 * k + 4));
            uint32_t m = (uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_min_epu8(a, limit), a)) |
                         (uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_min_epu8(b, limit), b))
                             << 16;
            /* bit i of m is memory byte i, which holds pixel i + 3 - 2 (i % 4) (four pixels
             * to a little-endian word, the first in its top byte); pixel p goes to bit
             * 31 - p: the eight nibbles of m in reverse order, each nibble kept */
            m = __builtin_bswap32(m);
            dst[k] = ((m >> 4) & 0x0f0f0f0fu) | ((m & 0x0f0f0f0fu) << 4);
        }
    }
#endif
    for (; j < w; j++)
        if ((int)GET_DATA_BYTE(src, j) < thresh) SET_DATA_BIT(dst, j);
}

PIX *img_threshold(PIX *grey, int thresh)
{
    if (!grey) return NULL;
    if (pixGetDepth(grey) != 8 || pixGetColormap(grey) || thresh < 0 || thresh > 256)
        return pixThresholdToBinary(grey, thresh);
    int w = pixGetWidth(grey), h = pixGetHeight(grey);
    PIX *bin = img_blank_like(grey, 1); /* cleared: the last word's padding stays 0 */
    if (!bin) return NULL;
    const l_uint32 *src = pixGetData(grey);
    l_uint32 *dst = pixGetData(bin);
    size_t swpl = (size_t)pixGetWpl(grey), dwpl = (size_t)pixGetWpl(bin);
    for (int y = 0; y < h; y++)
        threshold_row(dst + (size_t)y * dwpl, src + (size_t)y * swpl, w, thresh);
    return bin;
}

int img_drop_dots(PIX *bin)
{
    if (!bin || pixGetDepth(bin) != 1) return 0;
    BOXA *parts = img_conn_comp_bb(bin);
    if (!parts) return 0;
    int n = boxaGetCount(parts);
    for (int i = 0; i < n; i++) {
        l_int32 x, y, w, h;
        boxaGetBoxGeometry(parts, i, &x, &y, &w, &h);
        if (w < 3 && h < 3) pixRasterop(bin, x, y, w, h, PIX_CLR, NULL, 0, 0);
    }
    boxaDestroy(&parts);
    return 1;
}

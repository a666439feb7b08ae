/* pixstat: histograms and thresholds of grey images, faster than Leptonica's and equal
 * to them.
 *
 * Leptonica counts each pixel by adding 1.0 to a float bin: on paper, where most pixels
 * share a level, every addition waits for the one before it. Here the counts are
 * integers spread over four tables (consecutive pixels land in different ones) and
 * become floats once at the end, clamped as Leptonica's floats clamp (2^24, where adding
 * 1.0 no longer changes a float), so that every bin is the same number. */
#ifndef AP_VISION_PIXSTAT_H
#define AP_VISION_PIXSTAT_H

#include <leptonica/allheaders.h>

/* The 256 bins of grey's levels (8 bpp), every factor-th pixel of every factor-th row,
 * exactly as pixGetGrayHistogram(grey, factor) gives them. Other depths and colour-mapped
 * images are passed to Leptonica. Caller frees; NULL on a bad argument or out of memory. */
NUMA *img_grey_histogram(PIX *grey, int factor);

/* The same over the rectangle box of grey (NULL: the whole image), exactly as
 * pixGetGrayHistogramInRect(grey, box, factor): the sampling starts at the box's corner
 * and the part of the box outside the image counts nothing. */
NUMA *img_grey_histogram_rect(PIX *grey, BOX *box, int factor);

/* values[i] = what pixGetRankValue(grey, 1, ranks[i], &values[i]) gives, for n ranks, from
 * one histogram (img_grey_histogram's, the same bins): a crop's paper and ink levels cost
 * one count of its pixels, not one each. Other depths and colour maps are passed to
 * Leptonica. Returns 0, or 1 on a bad argument or out of memory (as Leptonica). */
int img_rank_values(PIX *grey, const float *ranks, l_uint32 *values, int n);

/* grey (8 bpp) thresholded, exactly as pixThresholdToBinary(grey, thresh): 1 where a
 * pixel is darker than thresh (0..256). 32 pixels at a time on x86 (SSE2), where
 * Leptonica takes them one by one; other depths, colour maps and thresholds are passed
 * to Leptonica. Caller frees; NULL on a bad argument or out of memory. */
PIX *img_threshold(PIX *grey, int thresh);

/* Clears, in bin (1 bpp), the pieces of ink (8-connected) that fit in 2 x 2 pixels, leaving
 * bin exactly as pixSelectBySize(bin, 3, 3, 8, L_SELECT_IF_EITHER, L_SELECT_IF_GTE, NULL)
 * would make it. Leptonica copies out every piece and draws the kept ones back; here only
 * the pieces' boxes are found, and a box of at most 2 x 2 holds its piece alone (every
 * pixel in it touches every other), so it is cleared whole. Returns 0 (bin untouched) when
 * bin is no 1 bpp image or on out of memory. */
int img_drop_dots(PIX *bin);

#endif

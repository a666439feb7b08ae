/* noise: grain measure and bilateral smoothing (see noise.h).
 *
 * The measure: for white noise of deviation s, the difference of two neighbours has
 * deviation s * sqrt(2), and the median of its absolute value is 0.6745 of that; the
 * median, taken from a histogram of every horizontal pair, ignores the page's edges as
 * long as fewer than half the pairs straddle one (a page is mostly paper). */
#include "vision/noise.h"

#include <math.h>

#define RANGE_OVER_SIGMA 2.5f /* the filter's grey range: grain within it is averaged */
#define SPATIAL_STDEV    1.5f /* its reach in pixels: a 7 x 7 window, under a letter */

float img_noise_sigma(PIX *pix)
{
    if (!pix || pixGetColormap(pix)) return 0;
    int depth = pixGetDepth(pix);
    if (depth != 8 && depth != 32) return 0;
    int w = pixGetWidth(pix), h = pixGetHeight(pix), wpl = pixGetWpl(pix);
    if (w < 8 || h < 8) return 0;
    size_t hist[256] = {0}, n = 0;
    const l_uint32 *data = pixGetData(pix);
    for (int y = 0; y < h; y++) {
        const l_uint32 *line = data + (size_t)y * (size_t)wpl;
        int prev = depth == 8 ? GET_DATA_BYTE(line, 0) : (int)((line[0] >> L_GREEN_SHIFT) & 0xff);
        for (int x = 1; x < w; x++) {
            int v = depth == 8 ? GET_DATA_BYTE(line, x) : (int)((line[x] >> L_GREEN_SHIFT) & 0xff);
            hist[v > prev ? v - prev : prev - v]++;
            prev = v;
        }
        n += (size_t)(w - 1);
    }
    size_t half = n / 2, seen = 0;
    int median = 0;
    while (median < 255 && seen + hist[median] <= half)
        seen += hist[median++];
    /* within the median bin, the share of it below the middle (differences are whole
     * numbers: a clean page's median is 0 or 1, its grain fractional) */
    double frac = hist[median] ? (double)(half - seen) / (double)hist[median] : 0;
    double mad = median + frac - 0.5;
    if (mad < 0) mad = 0;
    return (float)(mad / (0.6745 * sqrt(2.0)));
}

PIX *img_denoise(PIX *pix, float sigma)
{
    if (!pix || pixGetColormap(pix) || (pixGetDepth(pix) != 8 && pixGetDepth(pix) != 32))
        return NULL;
    if (!(sigma >= IMG_NOISY_SIGMA)) return pixClone(pix);
    return pixBlockBilateralExact(pix, SPATIAL_STDEV, RANGE_OVER_SIGMA * sigma);
}

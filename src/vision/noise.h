/* noise: sensor grain measured and smoothed away before a page's structure is sought.
 *
 * A photo taken in poor light, or a scan at a high gain, lays grain over the whole page:
 * every pixel of the paper a few grey levels off its neighbours. The edges of cell fills
 * (steps of a dozen grey levels) drown in it, and the binarisations of vision/ see specks
 * everywhere. The measure is robust to the page's own edges, which are few beside the
 * paper: the median absolute difference between horizontally neighbouring pixels. A page
 * whose grain is above IMG_NOISY_SIGMA is smoothed by a bilateral filter, which averages
 * each pixel with neighbours of a similar grey only, so rules, letters and the edges of
 * fills stay sharp. */
#ifndef AP_VISION_NOISE_H
#define AP_VISION_NOISE_H

#include <leptonica/allheaders.h>

/* Grain above this standard deviation (grey levels) is smoothed before analysis. */
#define IMG_NOISY_SIGMA 6.0f

/* The standard deviation of pix's pixel noise in grey levels, estimated from neighbouring
 * pixels: of the grey (8 bpp) or of the green channel (32 bpp; pix borrowed). 0 when pix
 * is of another depth or smaller than 8 x 8. */
float img_noise_sigma(PIX *pix);

/* pix (8 bpp grey or 32 bpp colour, borrowed) with grain of standard deviation sigma
 * (as img_noise_sigma measured it on pix) smoothed away: a bilateral filter, each
 * channel; a clone when sigma is below IMG_NOISY_SIGMA. Caller frees; NULL when out of
 * memory or pix is of another depth. */
PIX *img_denoise(PIX *pix, float sigma);

#endif

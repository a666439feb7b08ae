/* light: uneven light taken off a page before its structure is sought.
 *
 * A page photographed under a lamp or by a window is brighter on one side than the
 * other: its paper runs from white to a grey as dark as a light fill, so one threshold
 * finds fills (and rules, and gaps between fills) on one side that it misses on the
 * other. Light varies slowly across a page, while the page's own greys (fills, rules,
 * text) change in steps: the light is taken as a plane over x and y (a ramp from the lit side)
 * fitted to the paper's brightness, tile by tile, where tiles darker than the surface
 * (fills, blocks of text) are left out of the fit, and each pixel is divided by it.
 * Fills keep their grey against the paper around them; a page whose light varies by less
 * than IMG_LIGHT_MIN_RANGE is left as it is. */
#ifndef AP_VISION_LIGHT_H
#define AP_VISION_LIGHT_H

#include <leptonica/allheaders.h>

/* Light varying by less than this share of the brightest paper is left alone. Scans and
 * clean renders vary by a few percent; light that varies by less than 14% leaves the
 * paper brighter than the fills and rules of the rest of vision/, and evening it out
 * did more harm than good there: on tuning seeds 21 and 43 the 10 lit pages measured at
 * 8-14% gained nothing and 5 lost 1-42 blocks (strict), while of the 43 at 14-35% 24
 * gained 1-43 and 6 lost 1-18. */
#define IMG_LIGHT_MIN_RANGE 0.14f

/* The share by which grey's (8 bpp, borrowed) light varies across the page: 1 - the
 * darkest over the brightest value of the fitted surface, in [0, 1); 0 when grey is not
 * 8 bpp, too small, or shows too little paper to fit. */
float img_light_range(PIX *grey);

/* grey (8 bpp, borrowed) with its light made even, and colour (32 bpp, same size, or
 * NULL) by the same gain when colour_out is not NULL. A clone of each (and
 * *colour_out a clone of colour) when the light varies by less than
 * IMG_LIGHT_MIN_RANGE. Caller frees; NULL when out of memory or grey is not 8 bpp
 * (then *colour_out is NULL too). */
PIX *img_flatten_light(PIX *grey, PIX *colour, PIX **colour_out);

#endif

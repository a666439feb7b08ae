/* resolution: pages whose print is too small for the rest of vision/ made larger.
 *
 * A page scanned or photographed at low resolution, or shrunk before it was sent, prints
 * its text a handful of pixels high: its rules are a pixel wide and faint, the gaps
 * between words and cells a pixel or two, and a cell's ink binarised at that size has
 * lost the shapes that tell "5" from "6". Interpolating the grey page up before it is
 * binarised keeps what the grey still says (a letter's stroke half covering a pixel) for
 * every later step: rules, fills, gaps and the cells' crops.
 *
 * The measure is the page's text height: the median height of the pieces of ink that are
 * clearly darker than the paper around them (letters, or a few letters joined; the
 * larger of the median height and width, so that a page turned a quarter measures the
 * same). A page is enlarged only when that height is below RES_MIN_TEXT_HEIGHT and its
 * short side can grow by half or more before it reaches RES_SHORT_SIDE, and no further
 * than that side (see resolution.c); pages of ordinary print or size come back as they
 * went in. */
#ifndef AP_VISION_RESOLUTION_H
#define AP_VISION_RESOLUTION_H

#include <leptonica/allheaders.h>
#include <stddef.h>

/* The median height in pixels of grey's (8 bpp, borrowed) text pieces; 0 when grey is
 * not 8 bpp, too small, or holds too few pieces to tell. */
int img_text_height(PIX *grey);

/* The factor that brings text of text_height pixels to a comfortable height, for a page
 * of w x h pixels: 1 when the print is large enough or unknown (0), the page large
 * enough, or the factor under 1.5; else at least 1.5, at most IMG_MAX_UPSCALE, and small
 * enough that the page stays within max_pixels. */
float img_upscale_factor(int text_height, int w, int h, size_t max_pixels);

/* Interpolated further than this, a letter's strokes blur over more pixels than they
 * gain: a real page shrunk to 0.45 (7-pixel print, 464 pixels high) read 0.924 strict
 * enlarged 2.8 times, 0.962 at 2.2 (0.951 at 2.16 with the old bound of the short side). */
#define IMG_MAX_UPSCALE 2.2f

/* img_upscale_factor for grey (8 bpp, borrowed) and its measured text height; a page too
 * large to be enlarged is not measured (1 at once, the cost of a look at its size). */
float img_page_upscale(PIX *grey, size_t max_pixels);

/* pix (8 or 32 bpp, borrowed) enlarged by factor (> 1) with linear interpolation, no
 * sharpening; a clone when factor <= 1. Caller frees; NULL when out of memory. */
PIX *img_upscale(PIX *pix, float factor);

#endif

/* morph: grey-level and binary morphology with rectangles, faster than Leptonica's for
 * the sizes vision/ uses and equal to it pixel for pixel. */
#ifndef AP_VISION_MORPH_H
#define AP_VISION_MORPH_H

#include <leptonica/allheaders.h>

/* The grey closing of grey (8 bpp) with an hsize x vsize rectangle, exactly as
 * pixCloseGray(grey, hsize, vsize) computes it: the maximum over the rectangle, then the
 * minimum, each over the part of the rectangle inside the image. Even sizes are raised
 * by one, as Leptonica does. Caller frees; NULL on a bad argument or out of memory. */
PIX *img_close_grey(PIX *grey, int hsize, int vsize);

/* Binary erosion, dilation, opening and closing of bin (1 bpp) with an hsize x vsize
 * brick, exactly as pixErodeBrick, pixDilateBrick, pixOpenBrick and pixCloseBrick (NULL,
 * bin, hsize, vsize) compute them under Leptonica's default (asymmetric) boundary
 * condition: the brick's origin at (hsize / 2, vsize / 2), the outside of the image paper
 * for both. Caller frees; NULL on a bad argument or out of memory. */
PIX *img_erode_brick(PIX *bin, int hsize, int vsize);
PIX *img_dilate_brick(PIX *bin, int hsize, int vsize);
PIX *img_open_brick(PIX *bin, int hsize, int vsize);
PIX *img_close_brick(PIX *bin, int hsize, int vsize);

/* Where bin's (1 bpp) ink covers at least rank of the (2 wc + 1) x (2 hc + 1) window
 * around a pixel, exactly as pixBlockrank(bin, NULL, wc, hc, rank) computes it, border
 * quirks included (its windows over the first row or column leave that row or column
 * out, and a border window's share is scaled by the window over the part counted); a
 * running count of each column's ink where Leptonica builds a 32-bit accumulator and an
 * 8 bpp image. Caller frees; NULL on a bad argument or out of memory. */
PIX *img_blockrank(PIX *bin, int wc, int hc, float rank);

#endif

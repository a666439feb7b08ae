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

#endif

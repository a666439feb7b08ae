/* morph: grey-level morphology, faster than Leptonica's for the sizes vision/ uses and
 * equal to it pixel for pixel. */
#ifndef AP_VISION_MORPH_H
#define AP_VISION_MORPH_H

#include <leptonica/allheaders.h>

/* The grey closing of grey (8 bpp) with an hsize x vsize rectangle, exactly as
 * pixCloseGray(grey, hsize, vsize) computes it: the maximum over the rectangle, then the
 * minimum, each over the part of the rectangle inside the image. Even sizes are raised
 * by one, as Leptonica does. Caller frees; NULL on a bad argument or out of memory. */
PIX *img_close_grey(PIX *grey, int hsize, int vsize);

#endif

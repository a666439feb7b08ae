/* conncomp: the bounding boxes of a binary image's 8-connected components, exactly as
 * pixConnCompBB(bin, 8) lists them.
 *
 * Leptonica finds each component by seed-filling it in a copy of the image (a stack of
 * pixel runs, each pixel pushed and tested), then scans on to the next set pixel; a page's
 * rule and whitespace searches cost ~110 M instructions of Example 1.1's main thread that
 * way. Here runs of set pixels are found a word at a time and joined by union-find with
 * the runs that touch them in the row above; the boxes and their order (by each
 * component's first pixel in raster order, as Leptonica's scan meets them) are the same. */
#ifndef AP_VISION_CONNCOMP_H
#define AP_VISION_CONNCOMP_H

#include <leptonica/allheaders.h>

/* The boxes of bin's (1 bpp) 8-connected components, in the order pixConnCompBB(bin, 8)
 * gives them: by each component's topmost row, then its leftmost pixel in that row.
 * An image with no set pixel gives an empty BOXA. Caller frees; NULL on a bad argument
 * (not 1 bpp) or out of memory. */
BOXA *img_conn_comp_bb(PIX *bin);

#endif

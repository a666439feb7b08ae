/* scale: a grey page reduced for analysis, and a cell's line reduced for the CRNN, exactly
 * as Leptonica reduces them.
 *
 * pixScale of an 8 bpp page by 0.2-0.7 is Leptonica's area map (each output pixel the
 * mean of the source pixels it covers, in 1/16 pixel steps) followed by an unsharp mask
 * (3 x 3 mean, a fifth of the difference added back). Leptonica sums every output pixel's
 * source rectangle pixel by pixel through its byte macros and makes the mask's mean in a
 * float image; the perspective check's reduction of Example 1.1 cost ~175 M instructions
 * that way, the largest kernel on the main thread. Here the same integer sums are taken
 * separably (the area map's weights are a product of a row weight and a column weight, so
 * each output row first sums its source rows, a loop over whole rows the compiler
 * vectorises) and the mask's float arithmetic is Leptonica's, operation for operation.
 * The CRNN's line images are the same area map with unequal factors and no mask
 * (pixScaleGeneral, ~56 M instructions of Example 1.1's reading). */
#ifndef AP_VISION_SCALE_H
#define AP_VISION_SCALE_H

#include <leptonica/allheaders.h>

/* grey scaled by f in both directions, exactly as pixScale(grey, f, f): same pixels, size,
 * resolution, input format and text. Done here for an 8 bpp grey without a colour map and
 * 0.02 <= f < 0.7 other than Leptonica's special factors (1/2, 1/4, 1/8, 1/16); every
 * other case is passed to pixScale. Caller frees; NULL on a bad argument or out of memory. */
PIX *img_scale_grey(PIX *grey, float f);

/* grey scaled by fx across and fy down without sharpening, exactly as
 * pixScaleGeneral(grey, fx, fy, 0, 0) (the CRNN's line images): done here for an 8 bpp
 * grey without a colour map when both factors are in [0.02, 0.7) (Leptonica's area map),
 * other than equal factors 1/2, 1/4, 1/8, 1/16; every other case is passed to
 * pixScaleGeneral. Caller frees; NULL on a bad argument or out of memory. */
PIX *img_scale_grey_plain(PIX *grey, float fx, float fy);

#endif

/* convert: colour to grey, a colour's channel and one grey less another, as Leptonica
 * computes them, a whole word of output at a time.
 *
 * Leptonica converts pixel by pixel through its byte macros, which the compiler cannot
 * vectorise; a page's grey and its three channels cost ~25 ms of Example 1.1's analysis
 * that way. Here the same arithmetic runs over plain loops the compiler vectorises. */
#ifndef AP_VISION_CONVERT_H
#define AP_VISION_CONVERT_H

#include <leptonica/allheaders.h>

/* A blank w x h image of depth bits (cleared) with src's resolution and input format, as
 * a conversion of src returns it. Caller frees; NULL when out of memory. */
PIX *img_blank_like(PIX *src, int depth);

/* The grey of rgb (32 bpp), exactly as pixConvertRGBToLuminance(rgb) makes it (the float
 * weights 0.3, 0.5, 0.2, rounded in double). Other depths are passed to pixConvertTo8.
 * Caller frees; NULL on a bad argument or out of memory. */
PIX *img_grey_of(PIX *rgb);

/* One channel (COLOR_RED, COLOR_GREEN or COLOR_BLUE) of rgb (32 bpp) as an 8 bpp image,
 * exactly as pixGetRGBComponent(rgb, channel). Caller frees; NULL on a bad argument or
 * out of memory. */
PIX *img_channel(PIX *rgb, int channel);

/* a - b (8 bpp, one size) held at 0, exactly as pixSubtractGray(NULL, a, b): a byte at a
 * time over whole rows, where Leptonica reads and writes each pixel through its macros.
 * Other depths or sizes go to pixSubtractGray. Caller frees; NULL on a bad argument or
 * out of memory. */
PIX *img_subtract_grey(PIX *a, PIX *b);

#endif

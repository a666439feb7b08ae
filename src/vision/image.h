/* image: decoding untrusted image bytes into Leptonica PIX, within bounds.
 *
 * The format is sniffed from the bytes, never from a file name or a Content-Type. The
 * dimensions are read from the header before anything is decoded, so a decompression
 * bomb is refused without allocating its pixels. The result is normalised to what the
 * OCR engines and the vision code expect: 8-bit grey or 32-bit RGB, no colour map, no
 * alpha (blended onto white), a resolution of at least 70 dpi (300 when the file says
 * nothing), turned the way a JPEG's Exif Orientation says it is shown (phone photos). */
#ifndef AP_IMAGE_H
#define AP_IMAGE_H

#include <leptonica/allheaders.h>
#include <stddef.h>

#include "core/status.h"

typedef struct img_info {
    const char *format; /* "png", "jpeg", ... (static) */
    int width, height, dpi;
} img_info;

/* Silences Leptonica's messages on stderr (bad input is reported through ap_error). Call
 * once at start-up. */
void img_init(void);

/* Decodes data. On AP_OK *out (caller frees with pixDestroy) and *info are set.
 * AP_ERR_UNSUPPORTED: not an image format we read. AP_ERR_TOO_LARGE: more than max_pixels.
 * AP_ERR_INVALID: a known format that does not decode (truncated, corrupt). */
ap_status img_decode(const unsigned char *data, size_t len, size_t max_pixels, PIX **out,
                     img_info *info, ap_error *err);

#endif

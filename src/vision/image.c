#include "vision/image.h"

#include <stdint.h>

void img_init(void)
{
    setMsgSeverity(L_SEVERITY_NONE);
}

static const char *format_name(int format)
{
    switch (format) {
    case IFF_BMP:
        return "bmp";
    case IFF_JFIF_JPEG:
        return "jpeg";
    case IFF_PNG:
        return "png";
    case IFF_PNM:
        return "pnm";
    case IFF_GIF:
        return "gif";
    case IFF_JP2:
        return "jp2";
    case IFF_WEBP:
        return "webp";
    default:
        return L_FORMAT_IS_TIFF(format) ? "tiff" : NULL;
    }
}

/* Brings any decoded depth to 8-bit grey or 32-bit RGB without alpha. Consumes pix. */
static PIX *normalise(PIX *pix)
{
    PIX *out = NULL;
    if (pixGetColormap(pix))
        out = pixRemoveColormap(pix, REMOVE_CMAP_BASED_ON_SRC);
    else if (pixGetDepth(pix) == 32 && pixGetSpp(pix) == 4)
        out = pixAlphaBlendUniform(pix, 0xffffff00);
    else if (pixGetDepth(pix) == 16)
        out = pixConvert16To8(pix, L_MS_BYTE);
    else if (pixGetDepth(pix) == 2 || pixGetDepth(pix) == 4)
        out = pixConvertTo8(pix, 0);
    else if (pixGetDepth(pix) == 24)
        out = pixConvert24To32(pix);
    else
        return pix;
    pixDestroy(&pix);
    return out ? normalise(out) : NULL;
}

ap_status img_decode(const unsigned char *data, size_t len, size_t max_pixels, PIX **out,
                     img_info *info, ap_error *err)
{
    *out = NULL;
    /* findFileFormatBuffer reads a fixed-size signature: shorter input is no image. */
    if (!data || len < 16) return ap_fail(err, AP_ERR_UNSUPPORTED, "not an image (too short)");
    l_int32 format = IFF_UNKNOWN;
    if (findFileFormatBuffer(data, &format) != 0 || !format_name(format))
        return ap_fail(err, AP_ERR_UNSUPPORTED,
                       "unsupported image format (accepted: png, jpeg, tiff, bmp, pnm, gif, webp, "
                       "jp2)");
    l_int32 w = 0, h = 0, bps = 0, spp = 0, cmap = 0;
    if (pixReadHeaderMem(data, len, &format, &w, &h, &bps, &spp, &cmap) != 0 || w <= 0 || h <= 0)
        return ap_fail(err, AP_ERR_INVALID, "%s image header is corrupt", format_name(format));
    if ((uint64_t)w * (uint64_t)h > max_pixels)
        return ap_fail(err, AP_ERR_TOO_LARGE, "image of %dx%d pixels exceeds the limit of %zu", w,
                       h, max_pixels);
    PIX *pix = pixReadMem(data, len);
    if (!pix)
        return ap_fail(err, AP_ERR_INVALID, "%s image is corrupt or truncated",
                       format_name(format));
    /* The header may disagree with the data; the limit holds for what was decoded. */
    if ((uint64_t)pixGetWidth(pix) * (uint64_t)pixGetHeight(pix) > max_pixels) {
        pixDestroy(&pix);
        return ap_fail(err, AP_ERR_TOO_LARGE, "image exceeds the limit of %zu pixels", max_pixels);
    }
    pix = normalise(pix);
    if (!pix) return ap_fail(err, AP_ERR_NOMEM, "out of memory converting the image");
    l_int32 xres = pixGetXRes(pix);
    if (xres < 70) {
        xres = xres <= 0 ? 300 : 70;
        pixSetResolution(pix, xres, xres);
    }
    if (info)
        *info = (img_info){.format = format_name(format),
                           .width = pixGetWidth(pix),
                           .height = pixGetHeight(pix),
                           .dpi = xres};
    *out = pix;
    return AP_OK;
}

#include "vision/image.h"

#include <png.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>

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

/* Drops the alpha channel of a 32-bit RGBA image in place when every pixel is opaque
 * (screenshots and most PNGs carry one that way): blending such an image over white gives
 * exactly its RGB, and the general blend costs about as much as decoding the page. Returns
 * whether it did. */
static int drop_opaque_alpha(PIX *pix)
{
    l_uint32 *data = pixGetData(pix);
    int w = pixGetWidth(pix), h = pixGetHeight(pix), wpl = pixGetWpl(pix);
    l_uint32 all = 0xff;
    for (int y = 0; y < h && all == 0xff; y++) {
        const l_uint32 *line = data + (size_t)y * (size_t)wpl;
        for (int x = 0; x < w; x++)
            all &= line[x];
    }
    if ((all & 0xff) != 0xff) return 0;
    /* the blend leaves the alpha byte 0 */
    for (int y = 0; y < h; y++) {
        l_uint32 *line = data + (size_t)y * (size_t)wpl;
        for (int x = 0; x < w; x++)
            line[x] &= 0xffffff00;
    }
    pixSetSpp(pix, 3);
    return 1;
}

/* A PNG in memory, for libpng's reader. */
typedef struct png_source {
    const unsigned char *data;
    size_t len, pos;
} png_source;

static void png_source_read(png_structp png, png_bytep out, png_size_t n)
{
    png_source *src = png_get_io_ptr(png);
    if (n > src->len - src->pos) png_error(png, "truncated");
    memcpy(out, src->data + src->pos, n);
    src->pos += n;
}

/* The common PNG of a page (8-bit RGB or RGBA, no palette, no transparency chunk, not
 * interlaced) decoded straight into its PIX, each row byte-swapped into Leptonica's
 * words while in cache, and an opaque alpha dropped on the way (drop_opaque_alpha's
 * result). pixReadMemPng decodes the whole image into rows of its own, then moves every
 * byte into place one at a time: about a third of the page's decoding. The result
 * equals what pixReadMemPng then normalise give, word for word (test_image_ops). NULL
 * when the PNG is of another kind or libpng fails: the caller reads it as before. */
static PIX *read_png_rgb(const unsigned char *data, size_t len)
{
    png_source src = {data, len, 0};
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    PIX *volatile pix = NULL;
    if (!info) goto fail;
    if (setjmp(png_jmpbuf(png))) goto fail;
    png_set_read_fn(png, &src, png_source_read);
#ifdef PNG_IGNORE_ADLER32
    /* The zlib stream's checksum cost a tenth of the decoding: a damaged stream still
     * fails on its codes, and each chunk keeps its CRC check. */
    png_set_option(png, PNG_IGNORE_ADLER32, PNG_OPTION_ON);
#endif
    png_read_info(png, info);
    png_uint_32 w = png_get_image_width(png, info), h = png_get_image_height(png, info);
    int type = png_get_color_type(png, info);
    if (png_get_bit_depth(png, info) != 8 || png_get_interlace_type(png, info) != PNG_INTERLACE_NONE ||
        (type != PNG_COLOR_TYPE_RGB && type != PNG_COLOR_TYPE_RGB_ALPHA) ||
        png_get_valid(png, info, PNG_INFO_tRNS) || w == 0 || h == 0 || w > INT32_MAX / 4 ||
        h > INT32_MAX)
        goto fail;
    int alpha = type == PNG_COLOR_TYPE_RGB_ALPHA;
    /* RGB rows get a fourth byte 0, where pixReadMemPng leaves its zeroed alpha byte */
    if (!alpha) png_set_filler(png, 0, PNG_FILLER_AFTER);
    png_read_update_info(png, info);
    if (png_get_rowbytes(png, info) != 4 * (size_t)w || !(pix = pixCreateNoInit((int)w, (int)h, 32)))
        goto fail;
    l_uint32 *words = pixGetData(pix);
    size_t wpl = (size_t)pixGetWpl(pix);
    l_uint32 opaque = 0xff;
    for (png_uint_32 y = 0; y < h; y++) {
        l_uint32 *row = words + (size_t)y * wpl;
        png_read_row(png, (png_bytep)row, NULL);
        /* bytes R G B A to Leptonica's word 0xRRGGBBAA */
        for (png_uint_32 x = 0; x < w; x++) {
            l_uint32 v = __builtin_bswap32(row[x]);
            opaque &= v;
            row[x] = v;
        }
    }
    png_read_end(png, NULL);
    /* to ppi, as pixReadMemPng converts the pixels per metre */
    pixSetXRes(pix, (l_int32)((l_float32)png_get_x_pixels_per_meter(png, info) / 39.37 + 0.5));
    pixSetYRes(pix, (l_int32)((l_float32)png_get_y_pixels_per_meter(png, info) / 39.37 + 0.5));
    pixSetInputFormat(pix, IFF_PNG);
    png_destroy_read_struct(&png, &info, NULL);
    pixSetSpp(pix, alpha ? 4 : 3);
    if (alpha && (opaque & 0xff) == 0xff) {
        /* drop_opaque_alpha: the blend over white leaves the alpha byte 0 */
        for (png_uint_32 y = 0; y < h; y++) {
            l_uint32 *row = words + (size_t)y * wpl;
            for (png_uint_32 x = 0; x < w; x++)
                row[x] &= 0xffffff00;
        }
        pixSetSpp(pix, 3);
    }
    return pix;
fail:
    png_destroy_read_struct(&png, info ? &info : NULL, NULL);
    PIX *p = pix;
    pixDestroy(&p);
    return NULL;
}

/* Brings any decoded depth to 8-bit grey or 32-bit RGB without alpha. Consumes pix. */
static PIX *normalise(PIX *pix)
{
    PIX *out = NULL;
    if (pixGetColormap(pix))
        out = pixRemoveColormap(pix, REMOVE_CMAP_BASED_ON_SRC);
    else if (pixGetDepth(pix) == 32 && pixGetSpp(pix) == 4 && drop_opaque_alpha(pix))
        return pix;
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

static unsigned get16(const unsigned char *p, int big_endian)
{
    return big_endian ? (unsigned)p[0] << 8 | p[1] : (unsigned)p[1] << 8 | p[0];
}

static uint32_t get32(const unsigned char *p, int big_endian)
{
    return big_endian ? (uint32_t)get16(p, 1) << 16 | get16(p + 2, 1)
                      : (uint32_t)get16(p + 2, 0) << 16 | get16(p, 0);
}

/* The Orientation tag (1-8) of the Exif block of IFD0 (tiff, len bytes); 1 when absent
 * or malformed. Every offset is checked against len. */
static int tiff_orientation(const unsigned char *tiff, size_t len)
{
    if (len < 8 || !((tiff[0] == 'I' && tiff[1] == 'I') || (tiff[0] == 'M' && tiff[1] == 'M')))
        return 1;
    int be = tiff[0] == 'M';
    uint32_t ifd = get32(tiff + 4, be);
    if (get16(tiff + 2, be) != 42 || ifd > len - 2) return 1;
    unsigned n = get16(tiff + ifd, be);
    for (unsigned i = 0; i < n && ifd + 2 + 12 * ((size_t)i + 1) <= len; i++) {
        const unsigned char *e = tiff + ifd + 2 + 12 * (size_t)i;
        /* 0x0112 Orientation: one SHORT, held in the first half of the value field */
        if (get16(e, be) == 0x0112 && get16(e + 2, be) == 3 && get32(e + 4, be) == 1) {
            unsigned o = get16(e + 8, be);
            return o >= 1 && o <= 8 ? (int)o : 1;
        }
    }
    return 1;
}

/* The Exif Orientation of a JPEG (1-8; 1, the stored way up, when there is none): phone
 * cameras store the sensor's rows and say in this tag how to turn them for display. The
 * markers before the image data are walked within len; nothing is trusted. */
static int jpeg_orientation(const unsigned char *data, size_t len)
{
    size_t pos = 2; /* after SOI */
    while (pos + 4 <= len && data[pos] == 0xFF) {
        unsigned marker = data[pos + 1], seglen = get16(data + pos + 2, 1);
        if (marker == 0xDA || marker == 0xD9 || seglen < 2 || pos + 2 + seglen > len) break;
        const unsigned char *body = data + pos + 4;
        if (marker == 0xE1 && seglen >= 8 && memcmp(body, "Exif\0\0", 6) == 0)
            return tiff_orientation(body + 6, seglen - 8);
        pos += 2 + seglen;
    }
    return 1;
}

/* pix turned as Exif orientation o asks (2-8 mirror and/or rotate); consumes pix. */
static PIX *apply_orientation(PIX *pix, int o)
{
    static const int quads[9] = {0, 0, 0, 2, 0, 1, 1, 1, 3};        /* clockwise quarter turns */
    static const int flip[9] = {0, 0, 'h', 0, 'v', 'h', 0, 'v', 0}; /* after the turn */
    PIX *turned = quads[o] ? pixRotateOrth(pix, quads[o]) : pixClone(pix);
    pixDestroy(&pix);
    if (turned && flip[o] == 'h') pixFlipLR(turned, turned);
    if (turned && flip[o] == 'v') pixFlipTB(turned, turned);
    return turned;
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
    PIX *pix = format == IFF_PNG ? read_png_rgb(data, len) : NULL;
    if (!pix) pix = pixReadMem(data, len);
    if (!pix)
        return ap_fail(err, AP_ERR_INVALID, "%s image is corrupt or truncated",
                       format_name(format));
    /* The header may disagree with the data; the limit holds for what was decoded. */
    if ((uint64_t)pixGetWidth(pix) * (uint64_t)pixGetHeight(pix) > max_pixels) {
        pixDestroy(&pix);
        return ap_fail(err, AP_ERR_TOO_LARGE, "image exceeds the limit of %zu pixels", max_pixels);
    }
    pix = normalise(pix);
    int orientation = format == IFF_JFIF_JPEG ? jpeg_orientation(data, len) : 1;
    if (pix && orientation != 1) pix = apply_orientation(pix, orientation);
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

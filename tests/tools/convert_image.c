/* convert_image: rewrites an image in the format its output name says (.jpg, .tif, .bmp,
 * .webp, .pnm, .gif, .png), with Leptonica, so tests can feed every decoder.
 *
 * usage: convert_image IN OUT */
#include <leptonica/allheaders.h>
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: convert_image IN OUT\n");
        return 2;
    }
    static const struct {
        const char *ext;
        int format;
    } formats[] = {{".jpg", IFF_JFIF_JPEG}, {".tif", IFF_TIFF_ZIP}, {".bmp", IFF_BMP},
                   {".webp", IFF_WEBP},     {".pnm", IFF_PNM},      {".gif", IFF_GIF},
                   {".png", IFF_PNG}};
    const char *dot = strrchr(argv[2], '.');
    int format = -1;
    for (size_t i = 0; dot && i < sizeof formats / sizeof formats[0]; i++)
        if (strcmp(dot, formats[i].ext) == 0) format = formats[i].format;
    if (format < 0) {
        fprintf(stderr, "convert_image: unknown output extension\n");
        return 2;
    }
    PIX *pix = pixRead(argv[1]);
    if (!pix) return 1;
    PIX *rgb = pixConvertTo32(pix); /* every writer takes 32 bpp */
    int rc = rgb && pixWrite(argv[2], rgb, format) == 0 ? 0 : 1;
    pixDestroy(&rgb);
    pixDestroy(&pix);
    return rc;
}

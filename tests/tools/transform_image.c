/* transform_image: one scan or photo transformation of a page, with Leptonica, so a real
 * page can be fed to the extractor as it might arrive (bench/bench_extract_robust.sh).
 *
 * usage: transform_image IN OUT.png|OUT.jpg OP [ARG]
 *   rot90 | rot180 | rot270   the page scanned sideways or upside down
 *   skew DEG                  rotated by DEG degrees, white brought in at the corners
 *   scale F                   resampled to F times its size (0.2-2)
 *   gray                      8-bit luminance
 *   blur R                    box blur of half-width R pixels (1-5)
 *   noise S                   Gaussian noise of standard deviation S grey levels (seeded)
 *   persp F                   photographed at an angle: the top corners moved inwards by
 *                             F of the width (0.01-0.15), on a grey desk
 *   jpeg Q                    written as JPEG at quality Q (5-100) whatever OUT's name */
#include <leptonica/allheaders.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int usage(void)
{
    fprintf(stderr, "usage: transform_image IN OUT OP [ARG] (rot90 rot180 rot270 skew scale "
                    "gray blur noise persp jpeg; see the source)\n");
    return 2;
}

/* Adds seeded Gaussian noise (Box-Muller) to every channel. */
static PIX *add_noise(PIX *src, double sigma)
{
    PIX *pix = pixConvertTo32(src);
    if (!pix) return NULL;
    pixSetSpp(pix, 3); /* the values below carry no alpha */
    srand(7);
    l_uint32 *data = pixGetData(pix);
    int n = pixGetWpl(pix) * pixGetHeight(pix);
    for (int i = 0; i < n; i++) {
        int rgb[3];
        extractRGBValues(data[i], &rgb[0], &rgb[1], &rgb[2]);
        for (int c = 0; c < 3; c++) {
            double u1 = (rand() + 1.0) / (RAND_MAX + 2.0), u2 = rand() / (RAND_MAX + 1.0);
            int v = rgb[c] + (int)lround(sigma * sqrt(-2 * log(u1)) * cos(2 * M_PI * u2));
            rgb[c] = v < 0 ? 0 : v > 255 ? 255 : v;
        }
        composeRGBPixel(rgb[0], rgb[1], rgb[2], &data[i]);
    }
    return pix;
}

/* The page as photographed with the camera tilted: a projective map that pulls the top
 * corners inwards, the page laid on a grey desk of the same size. */
static PIX *perspective(PIX *src, double f)
{
    PIX *rgb = pixConvertTo32(src);
    if (!rgb) return NULL;
    float w = (float)pixGetWidth(rgb), h = (float)pixGetHeight(rgb), d = (float)f * w;
    PTA *from = ptaCreate(4), *to = ptaCreate(4);
    ptaAddPt(from, 0, 0), ptaAddPt(from, w - 1, 0), ptaAddPt(from, 0, h - 1);
    ptaAddPt(from, w - 1, h - 1);
    ptaAddPt(to, d, d * 0.5f), ptaAddPt(to, w - 1 - d, d * 0.5f), ptaAddPt(to, 0, h - 1);
    ptaAddPt(to, w - 1, h - 1);
    PIX *out = pixProjectivePtaColor(rgb, to, from, 0x80808000); /* (destination, source) */
    ptaDestroy(&from);
    ptaDestroy(&to);
    pixDestroy(&rgb);
    return out;
}

int main(int argc, char **argv)
{
    if (argc < 4 || argc > 5) return usage();
    const char *op = argv[3];
    double arg = argc == 5 ? atof(argv[4]) : 0;
    PIX *in = pixRead(argv[1]), *out = NULL;
    if (!in) {
        fprintf(stderr, "transform_image: cannot read %s\n", argv[1]);
        return 1;
    }
    int jpeg_q = 0;
    if (strcmp(op, "rot90") == 0)
        out = pixRotateOrth(in, 1);
    else if (strcmp(op, "rot180") == 0)
        out = pixRotateOrth(in, 2);
    else if (strcmp(op, "rot270") == 0)
        out = pixRotateOrth(in, 3);
    else if (strcmp(op, "skew") == 0 && fabs(arg) <= 20)
        out = pixRotate(in, (float)(arg * M_PI / 180), L_ROTATE_AREA_MAP, L_BRING_IN_WHITE, 0, 0);
    else if (strcmp(op, "scale") == 0 && arg >= 0.2 && arg <= 2)
        out = pixScale(in, (float)arg, (float)arg);
    else if (strcmp(op, "gray") == 0)
        out = pixConvertTo8(in, 0);
    else if (strcmp(op, "blur") == 0 && arg >= 1 && arg <= 5) {
        PIX *rgb = pixConvertTo32(in);
        out = rgb ? pixBlockconv(rgb, (int)arg, (int)arg) : NULL;
        pixDestroy(&rgb);
    } else if (strcmp(op, "noise") == 0 && arg > 0 && arg <= 100)
        out = add_noise(in, arg);
    else if (strcmp(op, "persp") == 0 && arg >= 0.01 && arg <= 0.15)
        out = perspective(in, arg);
    else if (strcmp(op, "jpeg") == 0 && arg >= 5 && arg <= 100) {
        out = pixConvertTo32(in);
        jpeg_q = (int)arg;
    } else {
        pixDestroy(&in);
        return usage();
    }
    pixDestroy(&in);
    if (!out) {
        fprintf(stderr, "transform_image: %s failed\n", op);
        return 1;
    }
    int rc = jpeg_q ? pixWriteJpeg(argv[2], out, jpeg_q, 0) : pixWrite(argv[2], out, IFF_PNG);
    pixDestroy(&out);
    return rc == 0 ? 0 : 1;
}

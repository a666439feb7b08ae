/* resolution: the page's text height and the enlargement of small print (resolution.h).
 *
 * Ink for the measure is what is clearly darker than the local paper (the grey closing
 * of the page, which erases letters and rules but keeps the paper and wide fills), so a
 * shaded cell's text counts as well as black on white. Rules join into pieces far taller
 * or flatter than letters and fall outside the heights counted; specks of sensor noise
 * (under 3 x 3 pixels) are not counted either. */
#include "vision/resolution.h"

#include <math.h>
#include <stdint.h>

#include "vision/conncomp.h"
#include "vision/morph.h"

#define BG_SIZE     15  /* closing that erases text strokes, not the paper */
#define INK_DIFF    48  /* grey levels darker than the paper around it */
#define MIN_PIECES  20  /* fewer text pieces tell nothing about the print */
#define MIN_PIECE_H 4   /* shorter pieces are specks, rules seen edge-on, dots */
#define MAX_PIECE_H 200 /* taller ones are rules and pictures */
#define MAX_ASPECT  3   /* longer side over shorter of a piece that is letters */
#define MIN_DIM     32  /* smaller images are left alone */
/* Print under RES_MIN_TEXT_HEIGHT pixels is enlarged towards RES_TARGET_TEXT_HEIGHT, but
 * a page no further than to RES_SHORT_SIDE pixels on its short side: the rest of vision/
 * is drawn for pages of 1000-2200 pixels (A4 at 120-190 dpi), where print of 8-13 pixels
 * reads well; enlarged beyond that, rules grow thick and interpolated fill edges blur
 * (generated pages of 8-pixel print at 1347 x 952 read worse enlarged 2.5 times, 0.63 ->
 * 0). A bound of 1000 left phone photos and shrunk scans of 8-11 pixel print 750-870
 * pixels high as they came (they could not grow by half); 1300 reads them (session 7,
 * docs/BENCHMARKS.md "Photographed pages (session 7)": seed 43 raster +108 blocks, 1200
 * +15). A target of 20 or 24 gave the same. */
#define RES_MIN_TEXT_HEIGHT    14
#define RES_TARGET_TEXT_HEIGHT 20
#define RES_SHORT_SIDE         1300
/* Smaller enlargements are not made: on light-degraded generated pages (seed 5, 40 png and
 * jpg) steps of 1.05-1.45 lost more than they won (a blurred fill's edge spread past
 * vision/fill's reach: 0.690 -> 0.680 strict with them, 0.696 without them), while the
 * pages that gain are those that need half again or more. */
#define RES_MIN_FACTOR 1.5

int img_text_height(PIX *grey)
{
    if (!grey || pixGetDepth(grey) != 8) return 0;
    int w = pixGetWidth(grey), h = pixGetHeight(grey);
    if (w < MIN_DIM || h < MIN_DIM) return 0;
    int height = 0;
    PIX *bg = img_close_grey(grey, BG_SIZE, BG_SIZE), *ink = NULL;
    BOXA *parts = NULL;
    NUMA *heights = NULL, *widths = NULL;
    if (!bg || !(ink = pixCreate(w, h, 1))) goto out;
    int wpl = pixGetWpl(grey), bwpl = pixGetWpl(bg), iwpl = pixGetWpl(ink);
    for (int y = 0; y < h; y++) {
        const l_uint32 *lg = pixGetData(grey) + (size_t)y * (size_t)wpl;
        const l_uint32 *lb = pixGetData(bg) + (size_t)y * (size_t)bwpl;
        l_uint32 *li = pixGetData(ink) + (size_t)y * (size_t)iwpl;
        for (int x = 0; x < w; x++) {
            int v = GET_DATA_BYTE(lg, x), b = GET_DATA_BYTE(lb, x);
            if (b - v >= INK_DIFF && v * 4 < b * 3) SET_DATA_BIT(li, x);
        }
    }
    if (!(parts = img_conn_comp_bb(ink)) || !(heights = numaCreate(0)) || !(widths = numaCreate(0)))
        goto out;
    for (int i = 0; i < boxaGetCount(parts); i++) {
        l_int32 bx, by, bw, bh;
        boxaGetBoxGeometry(parts, i, &bx, &by, &bw, &bh);
        int lo = bw < bh ? bw : bh, hi = bw < bh ? bh : bw;
        /* letters, or two or three joined: not specks, rules, pictures, or whole words
         * run together (which would make a turned page's height a word's length) */
        if (hi < MIN_PIECE_H || hi > MAX_PIECE_H || lo * MAX_ASPECT < hi) continue;
        numaAddNumber(heights, (l_float32)bh);
        numaAddNumber(widths, (l_float32)bw);
    }
    /* A letter is taller than wide, so the larger of the two medians is the height of
     * the text whichever way the page is turned. */
    l_float32 mid_h = 0, mid_w = 0;
    if (numaGetCount(heights) >= MIN_PIECES && numaGetMedian(heights, &mid_h) == 0 &&
        numaGetMedian(widths, &mid_w) == 0)
        height = (int)lroundf(mid_h > mid_w ? mid_h : mid_w);
out:
    numaDestroy(&heights);
    numaDestroy(&widths);
    boxaDestroy(&parts);
    pixDestroy(&ink);
    pixDestroy(&bg);
    return height;
}

float img_upscale_factor(int text_height, int w, int h, size_t max_pixels)
{
    if (text_height <= 0 || text_height >= RES_MIN_TEXT_HEIGHT || w <= 0 || h <= 0) return 1.0f;
    double f = (double)RES_TARGET_TEXT_HEIGHT / text_height;
    f = fmin(f, (double)RES_SHORT_SIDE / (w < h ? w : h));
    f = fmin(f, IMG_MAX_UPSCALE);
    f = fmin(f, sqrt((double)max_pixels / ((double)w * (double)h)));
    return f >= RES_MIN_FACTOR ? (float)f : 1.0f;
}

float img_page_upscale(PIX *grey, size_t max_pixels)
{
    if (!grey) return 1.0f;
    int w = pixGetWidth(grey), h = pixGetHeight(grey);
    /* the factor never exceeds RES_SHORT_SIDE over the short side, nor counts under
     * RES_MIN_FACTOR */
    if ((w < h ? w : h) * RES_MIN_FACTOR >= RES_SHORT_SIDE) return 1.0f;
    return img_upscale_factor(img_text_height(grey), w, h, max_pixels);
}

PIX *img_upscale(PIX *pix, float factor)
{
    if (!pix) return NULL;
    if (!(factor > 1.0f)) return pixClone(pix);
    /* linear interpolation alone: pixScale sharpens enlargements under 1.4, which lifts
     * a JPEG's blocks and grain with the print */
    return pixScaleLI(pix, factor, factor);
}

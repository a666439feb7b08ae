/* raster_crop: a job's crop cut tight around its ink, and what its print measures (the
 * ink's levels and lines, its glyph height, the scale and margin it is read at, its
 * colour). See raster_internal.h. */
#include <math.h>

#include "core/testable.h"
#include "vision/conncomp.h"
#include "vision/count.h"
#include "vision/noise.h"
#include "vision/pixstat.h"

#include "document/raster_internal.h"

/* Whether the ink is a picture (a logo, a crest, a photo) rather than text: one piece
 * of ink spans nearly all of a large ink box, the way a frame or a drawing does and a
 * line of letters never does. */
static int is_picture(PIX *ink, int bw, int bh)
{
    if (bw < 60 || bh < 60) return 0;
    int picture = 0;
    BOXA *parts = img_conn_comp_bb(ink);
    for (int i = 0; parts && i < boxaGetCount(parts) && !picture; i++) {
        l_int32 x, y, w, h;
        boxaGetBoxGeometry(parts, i, &x, &y, &w, &h);
        picture = w * 5 >= bw * 4 && h * 5 >= bh * 4;
    }
    boxaDestroy(&parts);
    return picture;
}

/* A cell whose median grey is darker than this is a dark fill holding light text. */
#define TT_DARK_GROUND 96

/* The ink in crop that is not a speck: pixels darker (or, on a dark fill, lighter) than
 * the crop's median by more than delta. NULL when out of memory. */
static PIX *ink_mask(PIX *crop, int median, int delta)
{
    PIX *ink = NULL;
    if (median >= TT_DARK_GROUND) {
        ink = img_threshold(crop, imax(40, median - delta));
    } else {
        /* light text on a dark fill: invert so ink is 1 */
        PIX *t = img_threshold(crop, imin(215, median + delta));
        if (t) ink = pixInvert(NULL, t);
        pixDestroy(&t);
    }
    if (!ink) return NULL;
    /* Specks and bits of rule at the border are not text. */
    img_drop_dots(ink);
    return ink;
}

/* Text contrast: ink must differ from the crop's median by INK_DELTA, or by half the
 * contrast of the crop's darkest ink when that is less (a page shrunk and blurred keeps a
 * light typeface's strokes only 40-80 levels off the paper, and at 70 such a cell reads as
 * empty or in specks), but never by less than INK_DELTA_MIN or INK_NOISE_SIGMAS deviations
 * of the crop's noise, so that sensor noise is not ink. */
#define INK_DELTA        70
#define INK_DELTA_MIN    24
#define INK_NOISE_SIGMAS 4
/* The darkest ink: the level that this share of the crop, and at least INK_MIN_PIXELS
 * pixels, are darker than (a short word in a wide cell is a few hundred pixels). */
#define INK_DARK_SHARE 0.002
#define INK_MIN_PIXELS 12
/* Faint ink: blur and small type leave thin strokes (a colon, a dash, the side of a 0)
 * only a little off the paper. Sensor noise (sigma up to about 8) stays under this. */
#define FAINT_DELTA 35
/* A crop this many times wider than high, at least, is a band (a break row's cell). */
#define THIN_BAND 8

/* The median grey of crop (8 bpp: the paper or the cell's fill) in *median, and in *delta
 * how far off it ink must be (see INK_DELTA). *noise, when not NULL, gets the crop's noise:
 * a standard deviation estimated from the quartile on the paper's side of the median (ink
 * may fill a quarter of a tight cell and more, never half of it). tight: the crop is cut
 * close around its text (a block outside the tables), which blurred or bold type may fill
 * half and more, spreading that quartile: the noise is then the lesser of it and the
 * estimate from neighbouring pixels (vision/noise). Returns 0 when the histogram cannot
 * be made. */
TESTABLE int tt_crop_levels(PIX *crop, int tight, int *median, int *delta, float *noise)
{
    NUMA *hist = img_grey_histogram(crop, 1);
    l_float32 total = 0;
    int q[3] = {-1, -1, -1}, lo = -1, hi = -1;
    if (!hist || numaGetSum(hist, &total) != 0 || total <= 0) {
        numaDestroy(&hist);
        return 0;
    }
    double dark = total * INK_DARK_SHARE > INK_MIN_PIXELS ? total * INK_DARK_SHARE : INK_MIN_PIXELS;
    double cum = 0;
    for (int i = 0; i < 256; i++) {
        l_float32 v = 0;
        numaGetFValue(hist, i, &v);
        cum += v;
        if (lo < 0 && cum >= dark) lo = i;
        if (hi < 0 && cum >= total - dark) hi = i;
        for (int k = 0; k < 3; k++)
            if (q[k] < 0 && cum >= total * (k + 1) / 4.0) q[k] = i;
    }
    numaDestroy(&hist);
    if (hi < 0) hi = 255;
    int light_on_dark = q[1] < 96; /* as ink_mask tells it */
    double sigma = (light_on_dark ? q[1] - q[0] : q[2] - q[1]) / 0.674;
    if (tight) {
        sigma = fmin(sigma, img_noise_sigma(crop));
    } else if (!light_on_dark && INK_NOISE_SIGMAS * sigma > INK_DELTA &&
               4 * (q[1] - q[0]) < q[2] - q[1] &&
               pixGetWidth(crop) >= THIN_BAND * pixGetHeight(crop)) {
        /* a spread too wide for grain (its floor would pass INK_DELTA) above a median
         * whose darker half is flat, over a band one line high whose neighbouring pixels
         * are calm, is two flat grounds side by side (a break row running from a
         * screenshot's window onto the page, the darker ground the larger), not print:
         * that calm is its noise. A larger cell with such grounds is a merged corner or
         * fill whose print the usual bar already tells apart. */
        float calm = img_noise_sigma(crop);
        if (calm < IMG_NOISY_SIGMA) sigma = calm;
    }
    int contrast = light_on_dark ? hi - q[1] : q[1] - lo;
    *median = q[1];
    if (noise) *noise = (float)sigma;
    int floor = imax(INK_DELTA_MIN, (int)(INK_NOISE_SIGMAS * sigma + 0.5));
    *delta = imax(floor, imin(INK_DELTA, contrast / 2));
    return 1;
}

/* The rectangle of ink in crop: pixels clearly off the crop's median (tt_crop_levels), grown
 * by the faint ink (FAINT_DELTA) around it, at most about a glyph's width on each side,
 * so that the thin strokes of small or blurred text are not cut off. *faint_out gets the
 * faint ink inside that rectangle (the gaps between words are judged on it: a dash or a
 * colon too faint to be ink still joins its neighbours). Returns 0 when there is too
 * little ink to be text. */
int raster_ink_box(PIX *crop, int tight, int *bx, int *by, int *bw, int *bh, PIX **ink_out,
                   PIX **faint_out)
{
    int median = 255, delta = INK_DELTA;
    int found = 0;
    PIX *ink = NULL, *faint = NULL;
    if (!tt_crop_levels(crop, tight, &median, &delta, NULL)) goto out;
    if (!(ink = ink_mask(crop, median, delta))) goto out;
    BOX *b = NULL;
    l_int32 count = 0;
    pixCountPixels(ink, &count, NULL);
    if (count < 12 || pixClipToForeground(ink, NULL, &b) != 0 || !b) goto out;
    boxGetGeometry(b, bx, by, bw, bh);
    boxDestroy(&b);
    found = *bw >= 3 && *bh >= 6 && !is_picture(ink, *bw, *bh);
    if (!found || !faint_out) goto out;
    PIX *all = ink_mask(crop, median, FAINT_DELTA);
    int W = pixGetWidth(crop), H = pixGetHeight(crop), g = imax(3, imin(*bh, 16) * 3 / 4);
    int gx = imax(0, *bx - g), gy = imax(0, *by - g);
    int gw = imin(W, *bx + *bw + g) - gx, gh = imin(H, *by + *bh + g) - gy;
    if (all && (faint = pixCreate(W, H, 1)))
        pixRasterop(faint, gx, gy, gw, gh, PIX_SRC, all, gx, gy);
    pixDestroy(&all);
    l_int32 fx, fy, fw, fh;
    if (faint && pixClipToForeground(faint, NULL, &b) == 0 && b) {
        boxGetGeometry(b, &fx, &fy, &fw, &fh);
        boxDestroy(&b);
        int x1 = imax(*bx + *bw, fx + fw), y1 = imax(*by + *bh, fy + fh);
        *bx = imin(*bx, fx), *by = imin(*by, fy);
        *bw = x1 - *bx, *bh = y1 - *by;
    }
out:
    if (ink_out && found)
        *ink_out = ink;
    else
        pixDestroy(&ink);
    if (faint_out && found)
        *faint_out = faint;
    else
        pixDestroy(&faint);
    return found;
}

/* Clears rule remnants along the crop's edges: edge rows or columns that are mostly ink. */
void raster_trim_rules(PIX *crop, int *x0, int *y0, int *x1, int *y1)
{
    int w = pixGetWidth(crop), h = pixGetHeight(crop);
    int limit = imax(3, imin(w, h) / 8);
    for (int side = 0; side < 4; side++) {
        for (int k = 0; k < limit; k++) {
            int dark = 0, n = side < 2 ? w : h;
            for (int i = 0; i < n; i++) {
                l_uint32 v = 255;
                int px = side < 2 ? i : (side == 2 ? *x0 + k : *x1 - 1 - k);
                int py = side == 0 ? *y0 + k : (side == 1 ? *y1 - 1 - k : i);
                if (px < 0 || py < 0 || px >= w || py >= h) continue;
                pixGetPixel(crop, px, py, &v);
                dark += v < 128;
            }
            if (dark * 2 < n) break;
            if (side == 0)
                (*y0)++;
            else if (side == 1)
                (*y1)--;
            else if (side == 2)
                (*x0)++;
            else
                (*x1)--;
        }
    }
}

/* Paints out, with the paper's grey, what is left of a rule slanting along the crop's
 * sides: a piece of ink running most of the way across the crop in one direction, no
 * thicker than an eighth of it, lying within its outer sixth. A photographed page keeps a
 * slight slant after its perspective is corrected, so the straight lattice misses its
 * rules by a few pixels: the rule is kept as a stroke of the text ("9:00" read sideways as
 * a tall ink box, "9:3C"), where raster_trim_rules clears only whole edge rows and columns. */
void tt_clear_edge_rules(PIX *crop)
{
    int median = 255, delta = INK_DELTA;
    if (!tt_crop_levels(crop, 0, &median, &delta, NULL)) return;
    PIX *ink = ink_mask(crop, median, delta);
    PIXA *masks = NULL;
    BOXA *parts = ink ? pixConnComp(ink, &masks, 8) : NULL;
    int W = pixGetWidth(crop), H = pixGetHeight(crop);
    for (int i = 0; parts && i < boxaGetCount(parts); i++) {
        l_int32 x, y, w, h;
        boxaGetBoxGeometry(parts, i, &x, &y, &w, &h);
        int down = h * 5 >= H * 4 && w * 8 <= imax(W, 24) && (x * 6 < W || (x + w) * 6 > W * 5);
        int across = w * 5 >= W * 4 && h * 8 <= imax(H, 24) && (y * 6 < H || (y + h) * 6 > H * 5);
        if (!down && !across) continue;
        /* the piece's own pixels only: other ink in its box keeps its strokes */
        PIX *piece = pixaGetPix(masks, i, L_CLONE);
        if (piece) pixPaintThroughMask(crop, piece, x, y, (l_uint32)median);
        pixDestroy(&piece);
    }
    boxaDestroy(&parts);
    pixaDestroy(&masks);
    pixDestroy(&ink);
}

/* The white margin raster_crop_margin puts around a scaled crop of w x h pixels. */
int raster_frame_margin(int w, int h)
{
    return imax(8, imin(w, h) / 4);
}

/* A run of inked rows taller than this many glyph heights may be two lines whose ink
 * touches (a descender on the next line's capital, a tight line spacing): one line, from
 * its ascenders to its descenders, is at most about twice its median piece (x-height
 * letters), two lines at least three times it. */
#define LINE_MAX_GLYPHS 2.4f

/* Whether the rows [from, to) of counts (ink per row) are two lines that touch: the
 * emptiest row of the middle half holds at most a fifth of the ink of the fullest row on
 * either side of it (the cores of both lines). One line's middle half is its x-height band,
 * the fullest rows it has; text of two sizes side by side (a small stacked range beside a
 * large time) fills it too. */
static int lines_touch(NUMA *counts, int from, int to)
{
    int side = (to - from) / 4, best = -1;
    l_int32 v = 0, least = 0, above = 0, below = 0;
    for (int i = from + side; i < to - side; i++) {
        numaGetIValue(counts, i, &v);
        if (best < 0 || v < least) best = i, least = v;
    }
    if (best < 0) return 0;
    for (int i = from; i < to; i++) {
        numaGetIValue(counts, i, &v);
        if (i < best && v > above) above = v;
        if (i > best && v > below) below = v;
    }
    return least * 5 <= above && least * 5 <= below;
}

/* Lines of text in the ink rectangle, read across rows (or across columns for text set
 * sideways): runs of inked rows separated by blank ones, not counting runs much thinner
 * than the thickest (the dots of i and j, accents, underlines). A run taller than
 * LINE_MAX_GLYPHS times glyphs (the glyph height across the lines; 0: unknown) whose
 * middle is nearly empty (lines_touch) counts as two. */
int tt_count_text_lines(PIX *ink, int x, int y, int w, int h, int sideways, float glyphs)
{
    BOX *b = boxCreate(x, y, w, h);
    NUMA *counts = b ? (sideways ? img_count_by_column(ink, b) : img_count_by_row(ink, b)) : NULL;
    boxDestroy(&b);
    if (!counts) return 0;
    int n = numaGetCount(counts), runs[64], ends[64], nruns = 0, run = 0, thickest = 0;
    for (int i = 0; i <= n; i++) {
        l_int32 v = 0;
        if (i < n) numaGetIValue(counts, i, &v);
        if (v > 0) {
            run++;
            continue;
        }
        if (run && nruns < 64) runs[nruns] = run, ends[nruns++] = i;
        if (run > thickest) thickest = run;
        run = 0;
    }
    int lines = 0;
    for (int i = 0; i < nruns; i++)
        if (runs[i] * 5 >= thickest * 2)
            lines += glyphs > 0 && (float)runs[i] > LINE_MAX_GLYPHS * glyphs &&
                             lines_touch(counts, ends[i] - runs[i], ends[i])
                         ? 2
                         : 1;
    numaDestroy(&counts);
    return lines;
}

/* Splits the ink columns [bx, bx + bw) of ink at empty runs at least min_gap wide.
 * Returns the number of pieces (1 when there is no such gap, or too many). */
int raster_ink_segments(PIX *ink, int bx, int bw, int min_gap, int *starts, int *ends)
{
    NUMA *cols = img_count_by_column(ink, NULL);
    int n = 0, run = 0, seg_start = bx, last_ink = bx;
    if (!cols) goto one;
    for (int x = bx; x < bx + bw; x++) {
        l_int32 v = 0;
        numaGetIValue(cols, x, &v);
        if (v == 0) {
            run++;
            continue;
        }
        if (run >= min_gap && x > bx) {
            if (n + 1 >= MAX_SEGMENTS) goto one;
            starts[n] = seg_start, ends[n] = last_ink + 1, n++;
            seg_start = x;
        }
        run = 0;
        last_ink = x;
    }
    numaDestroy(&cols);
    starts[n] = seg_start, ends[n] = last_ink + 1, n++;
    return n;
one:
    numaDestroy(&cols);
    starts[0] = bx, ends[0] = bx + bw;
    return 1;
}

/* The rows [*top, *top + *h) that hold ink in columns [x, x + w) of rows [y, y + h) of
 * ink; 0 when there is none. */
int raster_piece_rows(PIX *ink, int x, int w, int y, int h, int *top, int *rows)
{
    BOX *b = boxCreate(x, y, w, h);
    NUMA *counts = b ? img_count_by_row(ink, b) : NULL;
    boxDestroy(&b);
    if (!counts) return 0;
    int n = numaGetCount(counts), first = -1, last = -1;
    for (int i = 0; i < n; i++) {
        l_int32 v = 0;
        numaGetIValue(counts, i, &v);
        if (v > 0) last = i, first = first < 0 ? i : first;
    }
    numaDestroy(&counts);
    if (first < 0) return 0;
    *top = y + first, *rows = last - first + 1;
    return 1;
}

/* The boxes of the pieces of ink (8-connected) inside the rectangle; NULL when out of
 * memory. Caller frees. */
static BOXA *ink_pieces(PIX *ink, int x, int y, int w, int h)
{
    BOX *b = boxCreate(x, y, w, h);
    PIX *part = b ? pixClipRectangle(ink, b, NULL) : NULL;
    BOXA *parts = part ? img_conn_comp_bb(part) : NULL;
    pixDestroy(&part);
    boxDestroy(&b);
    return parts;
}

/* The median height of the pieces of ink (8-connected, 4 pixels high or more) in the
 * rectangle: the height of its glyphs. 0 when there are none or out of memory. */
float raster_glyph_height(PIX *ink, int x, int y, int w, int h)
{
    l_float32 median = 0;
    BOXA *parts = ink_pieces(ink, x, y, w, h);
    NUMA *heights = parts ? numaCreate(0) : NULL;
    if (heights) {
        int n = boxaGetCount(parts);
        for (int i = 0; i < n; i++) {
            l_int32 bx, by, bw, bh;
            boxaGetBoxGeometry(parts, i, &bx, &by, &bw, &bh);
            if (bh >= 4) numaAddNumber(heights, (l_float32)bh);
        }
        if (numaGetCount(heights) == 0 || numaGetMedian(heights, &median) != 0) median = 0;
    }
    numaDestroy(&heights);
    boxaDestroy(&parts);
    return median;
}

/* The scale that brings text of glyphs median pixels high (raster_glyph_height; 0: unknown) to
 * the size Tesseract reads best (glyphs about 26 pixels high): small print is read far
 * better enlarged, and large print is read faster reduced. */
static float text_scale(float median)
{
    float scale = 1.0f;
    if (median > 0) {
        scale = 26.0f / median;
        if (scale < 0.5f) scale = 0.5f;
        if (scale > 3.0f) scale = 3.0f;
        if (scale > 0.8f && scale < 1.3f) scale = 1.0f; /* close enough: no resampling */
    }
    return scale;
}

/* Stretches the paper of part (8 bpp, a crop cut tight around its text; a coloured fill, a
 * grey scan) to white and its ink to black, in place, so that every cell reaches the
 * readers with the same contrast; light text on a dark ground (dark_ground: the median of
 * the whole cell is dark, as raster_ink_box tells it) is turned dark on light first, so that the
 * engine can skip its inverted second reading of every line (OCR_DARK_ON_LIGHT). The
 * ground is the cell's, not the tight crop's: bold print fills more than half of a crop
 * cut tight around one letter (a word spelt down a column, one letter a day), whose median
 * is then the ink ("H" was turned white on black and read "R"). The paper is the level
 * paper_rank of the crop's pixels lie at or below: the median (0.5) is inside the ink where
 * bold or blurred print covers half the crop and more, and turns the lighter half of every
 * stroke white (the CRNN read "09.00 - 09.50" as "@ 0 - 09 40", "French" as "Fren"; see
 * TT_PAPER_RANK). A crop of little contrast is left as it is. */
TESTABLE void tt_stretch_paper(PIX *part, float paper_rank, int dark_ground)
{
    if (dark_ground) pixInvert(part, part);
    /* the paper's level and the ink's (the darkest 2%) */
    const float ranks[2] = {paper_rank, 0.02f};
    l_uint32 levels[2] = {255, 0};
    if (img_rank_values(part, ranks, levels, 2) != 0) return;
    int hi = (int)(levels[0] & 0xff) - 8, lo = (int)(levels[1] & 0xff) + 8;
    if (hi - lo >= 40) pixGammaTRC(part, part, 1.0f, lo, hi);
}

/* The rectangle (x, y, w, h) of crop (the whole cell), scaled to a good text size for its
 * glyphs (text_scale; *scale_out), its paper stretched to white and its ink to black
 * (tt_stretch_paper at paper_rank, on the cell's ground), with a white
 * margin around it: Tesseract reads glyphs that touch the image's edge badly.
 * Caller frees; NULL when out of memory. */
PIX *raster_crop_margin(PIX *crop, int x, int y, int w, int h, float glyphs, float paper_rank,
                        float *scale_out)
{
    float scale = text_scale(glyphs);
    *scale_out = scale;
    BOX *b = boxCreate(x, y, w, h);
    PIX *part = b ? pixClipRectangle(crop, b, NULL) : NULL;
    boxDestroy(&b);
    if (!part) return NULL;
    l_uint32 ground = 255;
    const float median = 0.5f;
    if (img_rank_values(crop, &median, &ground, 1) != 0) ground = 255;
    tt_stretch_paper(part, paper_rank, (int)(ground & 0xff) < TT_DARK_GROUND);
    if (scale != 1.0f) {
        PIX *scaled = pixScale(part, scale, scale);
        pixDestroy(&part);
        if (!scaled) return NULL;
        part = scaled;
    }
    int margin = raster_frame_margin(pixGetWidth(part), pixGetHeight(part));
    PIX *framed = pixAddBorder(part, margin, 255);
    pixDestroy(&part);
    return framed;
}

/* Which way the letters stand: the median height over width of the pieces of ink (each
 * a letter or a few joined), well above 1 for upright Latin text and below 1 for text set
 * sideways. Returns the median ratio; 1.5 (upright) for one or two pieces; 1 (undecided)
 * for none. */
float raster_upright_ratio(PIX *ink, int x, int y, int w, int h)
{
    float ratio = 1.0f;
    BOXA *parts = ink_pieces(ink, x, y, w, h);
    NUMA *ratios = parts ? numaCreate(0) : NULL;
    if (ratios) {
        int n = boxaGetCount(parts);
        for (int i = 0; i < n; i++) {
            l_int32 bx, by, bw, bh;
            boxaGetBoxGeometry(parts, i, &bx, &by, &bw, &bh);
            if (bw >= 3 && bh >= 3) numaAddNumber(ratios, (l_float32)bh / (l_float32)bw);
        }
        l_float32 median = 1.0f;
        if (numaGetCount(ratios) >= 3 && numaGetMedian(ratios, &median) == 0) ratio = median;
        /* One or two glyphs (a row number) say little by their shape; upright is by far
         * the likelier, and a wrong guess is still corrected by its low score. */
        else if (numaGetCount(ratios) >= 1)
            ratio = 1.5f;
    }
    numaDestroy(&ratios);
    boxaDestroy(&parts);
    return ratio;
}

/* The colour a line is printed in, on the colour page rgb (turned as grey was): the mean
 * colour of the darkest tenth of the pixels in its box, the cores of its strokes rather
 * than their blurred edges or the paper between them. 0 (unknown) for a box off the page
 * or too small to tell. */
unsigned tt_line_ink(PIX *rgb, PIX *grey, const tt_bbox *b)
{
    int w = pixGetWidth(grey), h = pixGetHeight(grey);
    int x0 = imax(0, b->x), y0 = imax(0, b->y);
    int x1 = imin(w, b->x + b->w), y1 = imin(h, b->y + b->h);
    if (x1 - x0 < 4 || y1 - y0 < 4 || pixGetWidth(rgb) != w || pixGetHeight(rgb) != h ||
        pixGetDepth(grey) != 8 || pixGetDepth(rgb) != 32)
        return 0;
    const l_uint32 *gd = pixGetData(grey), *cd = pixGetData(rgb);
    int gw = pixGetWpl(grey), cw = pixGetWpl(rgb);
    unsigned hist[256] = {0}, n = 0;
    for (int y = y0; y < y1; y++)
        for (int x = x0; x < x1; x++)
            hist[GET_DATA_BYTE(gd + y * gw, x)]++, n++;
    unsigned want = n / 10 ? n / 10 : 1, below = 0;
    int cut = 0;
    while (cut < 255 && below + hist[cut] < want)
        below += hist[cut++];
    double sum[3] = {0};
    unsigned m = 0;
    for (int y = y0; y < y1; y++)
        for (int x = x0; x < x1; x++) {
            if ((int)GET_DATA_BYTE(gd + y * gw, x) > cut) continue;
            l_uint32 v = cd[y * cw + x];
            sum[0] += (v >> L_RED_SHIFT) & 0xff, sum[1] += (v >> L_GREEN_SHIFT) & 0xff;
            sum[2] += (v >> L_BLUE_SHIFT) & 0xff, m++;
        }
    unsigned r = (unsigned)(sum[0] / m + 0.5), g = (unsigned)(sum[1] / m + 0.5);
    unsigned bl = (unsigned)(sum[2] / m + 0.5);
    return TT_INK_KNOWN | r << 16 | g << 8 | bl;
}

/* sharpness: edge width measured, blurred pages unsharp-masked (see sharpness.h).
 *
 * Each edge is looked at in a window of five pixels across it, centred where the rise
 * over the middle two steps is largest, so that each edge is counted about once and not
 * on its shoulders. A step back of SHARP_BACKSTEP levels is still a climb: JPEG rings
 * beside every edge. */
#include "vision/sharpness.h"

#include <math.h>
#include <stdlib.h>

#include "vision/conncomp.h"

#define SHARP_EDGE_MIN  64   /* grey levels a window must rise to be an edge */
#define SHARP_BACKSTEP  4    /* a step against the rise that still counts as monotone */
#define SHARP_MIN_EDGES 200  /* fewer edges tell nothing about the page */
#define SHARP_BINS      64   /* tenths of a pixel, 0-6.3 */
#define SHARP_ROW_STEP  4    /* rows looked along and through: a page has edges to spare */
#define SHARP_CORE      2.5f /* differences within this many grain deviations are grain */
/* The unsharp mask moves a pixel further from its 3 x 3 mean by SHARP_FRACTION of the
 * difference: seed 21's 22 blurred jpg pages, sharpened whole at c1d0a86, read 1117
 * strict blocks as they came, 1141 at 0.3, 1157 at 0.5, 1142 at 0.7, 1100 at 1.0. */
#define SHARP_HALFWIDTH 1
#define SHARP_FRACTION  0.5f

/* Adds the window s[0..4] to hist when it is a centred monotone edge. */
static void tally_edge(const int *s, unsigned *hist, unsigned *n)
{
    int rise = s[4] - s[0];
    if (abs(rise) < SHARP_EDGE_MIN) return;
    int sg = rise > 0 ? 1 : -1, top = 0;
    for (int k = 0; k < 4; k++) {
        int step = (s[k + 1] - s[k]) * sg;
        if (step < -SHARP_BACKSTEP) return;
        if (step > top) top = step;
    }
    int mid = (s[3] - s[1]) * sg;
    if (mid < (s[2] - s[0]) * sg || mid < (s[4] - s[2]) * sg || top <= 0) return;
    int bin = (int)(10.0 * abs(rise) / top);
    hist[bin < SHARP_BINS ? bin : SHARP_BINS - 1]++;
    (*n)++;
}

float img_edge_width(PIX *grey)
{
    if (!grey || pixGetDepth(grey) != 8 || pixGetColormap(grey)) return 0;
    int w = pixGetWidth(grey), h = pixGetHeight(grey), wpl = pixGetWpl(grey);
    if (w < 16 || h < 16) return 0;
    const l_uint32 *data = pixGetData(grey);
    unsigned hist[SHARP_BINS] = {0}, n = 0;
    int s[5];
    /* every SHARP_ROW_STEP-th row: edges across it (vertical strokes) and down through it;
     * most windows are paper, told by their ends alone */
    for (int y = 2; y < h - 2; y += SHARP_ROW_STEP) {
        const l_uint32 *line[5];
        for (int k = 0; k < 5; k++)
            line[k] = data + (size_t)(y - 2 + k) * (size_t)wpl;
        for (int x = 2; x < w - 2; x++) {
            if (abs(GET_DATA_BYTE(line[2], x + 2) - GET_DATA_BYTE(line[2], x - 2)) >=
                SHARP_EDGE_MIN) {
                for (int k = 0; k < 5; k++)
                    s[k] = GET_DATA_BYTE(line[2], x - 2 + k);
                tally_edge(s, hist, &n);
            }
            if (abs(GET_DATA_BYTE(line[4], x) - GET_DATA_BYTE(line[0], x)) >= SHARP_EDGE_MIN) {
                for (int k = 0; k < 5; k++)
                    s[k] = GET_DATA_BYTE(line[k], x);
                tally_edge(s, hist, &n);
            }
        }
    }
    if (n < SHARP_MIN_EDGES) return 0;
    /* the median, interpolated within its bin */
    unsigned half = n / 2, seen = 0;
    int bin = 0;
    while (bin < SHARP_BINS - 1 && seen + hist[bin] <= half)
        seen += hist[bin++];
    double frac = hist[bin] ? (double)(half - seen) / hist[bin] : 0;
    return (float)((bin + frac) / 10.0);
}

static inline l_uint32 sharpen_value(int v, int mean, int core)
{
    int d = v - mean;
    if (d <= core && d >= -core) return (l_uint32)v;
    int out = v + (int)lroundf(SHARP_FRACTION * (float)d);
    return (l_uint32)(out < 0 ? 0 : out > 255 ? 255 : out);
}

PIX *img_sharpen(PIX *pix, float width, float grain)
{
    if (!pix || pixGetColormap(pix)) return NULL;
    int depth = pixGetDepth(pix);
    if (depth != 8 && depth != 32) return NULL;
    if (!(width >= IMG_BLUR_WIDTH)) return pixClone(pix);
    /* grain differs from its 3 x 3 mean by about its own deviation: within the core it
     * is left alone, so that sharpening does not raise it with the edges */
    int core = (int)lroundf(SHARP_CORE * (grain > 0 ? grain : 0));
    PIX *mean = pixBlockconv(pix, SHARP_HALFWIDTH, SHARP_HALFWIDTH);
    PIX *out = mean ? pixCopy(NULL, pix) : NULL;
    if (!out) {
        pixDestroy(&mean);
        return NULL;
    }
    int w = pixGetWidth(pix), h = pixGetHeight(pix);
    int wpl = pixGetWpl(pix), mwpl = pixGetWpl(mean);
    const l_uint32 *in = pixGetData(pix), *mdata = pixGetData(mean);
    l_uint32 *odata = pixGetData(out);
    for (int y = 0; y < h; y++) {
        const l_uint32 *li = in + (size_t)y * (size_t)wpl, *lm = mdata + (size_t)y * (size_t)mwpl;
        l_uint32 *lo = odata + (size_t)y * (size_t)wpl;
        for (int x = 0; x < w; x++) {
            if (depth == 8) {
                SET_DATA_BYTE(lo, x,
                              sharpen_value(GET_DATA_BYTE(li, x), GET_DATA_BYTE(lm, x), core));
                continue;
            }
            l_uint32 v = 0;
            for (int shift = 8; shift <= 24; shift += 8)
                v |= sharpen_value((int)(li[x] >> shift) & 0xff, (int)(lm[x] >> shift) & 0xff, core)
                     << shift;
            lo[x] = v;
        }
    }
    pixDestroy(&mean);
    return out;
}

/* A cell holds ink when SHARP_INK_PIXELS of its pixels, SHARP_CELL_INSET inside its
 * rules, are darker than SHARP_INK_LEVEL: a letter's stroke, not a rule's shoulder or a
 * speck of grain. A letter is a piece of that ink SHARP_LETTER_MIN to SHARP_LETTER_MAX
 * pixels high and at most SHARP_LETTER_WIDE wide (a normalised page prints 10-40 pixel
 * text; rules and fills are longer, specks smaller). */
#define SHARP_INK_LEVEL   128
#define SHARP_INK_PIXELS  8
#define SHARP_CELL_INSET  3
#define SHARP_LETTER_MIN  4
#define SHARP_LETTER_MAX  60
#define SHARP_LETTER_WIDE 80

/* What a structure does to the page's text: cells holding ink (ink: 1 bpp, dark pixels
 * set; tab: Leptonica's pixel sum table) and letters (boxes) that overlap a cell but lie
 * in none, cut by one of its edges. */
static void cell_text(PIX *ink, l_int32 *tab, BOXA *letters, const img_table *tables, size_t n,
                      size_t *inked, size_t *cut)
{
    *inked = *cut = 0;
    for (size_t i = 0; tables && i < n; i++)
        for (size_t c = 0; c < tables[i].ncells; c++) {
            const img_cell *cell = &tables[i].cells[c];
            int w = cell->w - 2 * SHARP_CELL_INSET, h = cell->h - 2 * SHARP_CELL_INSET;
            if (w <= 0 || h <= 0) continue;
            BOX *b = boxCreate(cell->x + SHARP_CELL_INSET, cell->y + SHARP_CELL_INSET, w, h);
            l_int32 count = 0;
            if (b && pixCountPixelsInRect(ink, b, &count, tab) == 0 && count >= SHARP_INK_PIXELS)
                (*inked)++;
            boxDestroy(&b);
        }
    for (int k = 0; k < boxaGetCount(letters); k++) {
        l_int32 x, y, w, h;
        boxaGetBoxGeometry(letters, k, &x, &y, &w, &h);
        if (h < SHARP_LETTER_MIN || h > SHARP_LETTER_MAX || w > SHARP_LETTER_WIDE) continue;
        int over = 0, within = 0;
        for (size_t i = 0; tables && i < n && !within; i++)
            for (size_t c = 0; c < tables[i].ncells && !within; c++) {
                const img_cell *cell = &tables[i].cells[c];
                if (x + w <= cell->x || x >= cell->x + cell->w || y + h <= cell->y ||
                    y >= cell->y + cell->h)
                    continue;
                over = 1;
                /* a pixel of slack: a letter may touch the edge it stands beside */
                within = x >= cell->x - 1 && y >= cell->y - 1 && x + w <= cell->x + cell->w + 1 &&
                         y + h <= cell->y + cell->h + 1;
            }
        *cut += over && !within;
    }
}

int img_sharp_tables_kept(PIX *grey, const img_table *plain, size_t nplain, const img_table *sharp,
                          size_t nsharp)
{
    if (!grey || pixGetDepth(grey) != 8 || pixGetColormap(grey)) return 0;
    PIX *ink = pixThresholdToBinary(grey, SHARP_INK_LEVEL);
    BOXA *letters = ink ? img_conn_comp_bb(ink) : NULL;
    l_int32 *tab = makePixelSumTab8();
    int kept = 0;
    if (letters && tab) {
        size_t pinked, pcut, sinked, scut;
        cell_text(ink, tab, letters, plain, nplain, &pinked, &pcut);
        cell_text(ink, tab, letters, sharp, nsharp, &sinked, &scut);
        kept = scut < pcut || (scut == pcut && sinked >= pinked);
    }
    LEPT_FREE(tab);
    boxaDestroy(&letters);
    pixDestroy(&ink);
    return kept;
}

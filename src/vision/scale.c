/* scale: Leptonica's area-map reduction of a grey image, computed separably (see scale.h).
 *
 * Leptonica's area map (scaleGrayAreaMapLow) places output pixel (j, i) over the source
 * from (scx j, scy i) to (scx (j+1), scy (i+1)) in 1/16 pixel units, truncated, and sums
 * each covered source pixel times (column weight) x (row weight): 16 - the first pixel's
 * fraction, 16 for whole pixels, the last pixel's fraction. Its integer sum is the same
 * taken in either order, so each output row sums its source rows once, weighted, over the
 * whole row (vertical), then each output pixel sums a few of those column totals. Output
 * pixels whose span reaches the last source row or column are, as in Leptonica, a copy of
 * the span's first source pixel. The arithmetic that sets each span (float products, one
 * of them in double) is Leptonica's as written.
 *
 * The unsharp mask (pixUnsharpMaskingGray2D, half-width 1) is L = (1/9 as a float) times
 * the 3 x 3 sum, N = I + fract (I - L) in float, rounded by adding 0.5 in double; the 3 x 3
 * sum of bytes is exact in any order, the rest is written as Leptonica writes it (ISO C
 * mode: no contraction into fused multiply-adds). Its outer ring is the area map's. */
#include "vision/scale.h"

#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* One output column's (or row's) source span. */
typedef struct {
    int first, last;     /* first and last source pixel covered */
    int w_first, w_last; /* their weights in 1/16: 16 - first's fraction, last's fraction */
    int edge;            /* the span reaches the last source pixel: a copy of first */
} scale_span;

/* Leptonica's spans for nd output pixels over ns source pixels at sc 1/16 steps each:
 * the start truncated from a float product, the end from a double one. */
static void spans_of(scale_span *out, int nd, int ns, float sc)
{
    for (int j = 0; j < nd; j++) {
        int u = (int)(sc * (float)j);
        int l = (int)((double)sc * (j + 1.0));
        out[j].first = u >> 4;
        out[j].w_first = 16 - (u & 15);
        out[j].last = l >> 4;
        out[j].w_last = l & 15;
        out[j].edge = out[j].last > ns - 2;
    }
}

/* A span's weight total as Leptonica counts it (its area's factor). */
static int span_weight(const scale_span *s)
{
    return s->w_first + 16 * (s->last - s->first - 1) + s->w_last;
}

/* Source byte x of a Leptonica row (four pixels a word, the first in the high byte). */
static inline int src_byte(const uint8_t *row, int x)
{
    return row[x ^ 3];
}

/* Exact division by a divisor d fixed for many numerators: n / d for 0 <= n < 2^31 is
 * (n m) >> shift with m = ceil(2^shift / d), shift = 31 + ceil(log2 d) (Granlund and
 * Montgomery, 1994, theorem 4.2: m d exceeds 2^shift by less than d <= 2^ceil(log2 d)).
 * Each output pixel of the area map divides by its area, a product of its column's and
 * its row's weight totals, of which a page has only a few; idiv was half of the map's time. */
typedef struct {
    uint64_t m;
    int shift;
} scale_divisor;

static scale_divisor divisor_of(uint32_t d)
{
    int l = 0;
    while (((uint64_t)1 << l) < d) l++;
    scale_divisor v = {(((uint64_t)1 << (31 + l)) + d - 1) / d, 31 + l};
    return v;
}

static inline uint32_t divide(uint32_t n, scale_divisor v)
{
    return (uint32_t)(((uint64_t)n * v.m) >> v.shift);
}

/* The area map of grey (ws x hs) into out (wd x hd bytes, one a pixel, rows of wd).
 * col holds one int per source byte of a row; div one divisor per column weight
 * total that a column not at the edge has, at div[total - lo]. */
static void area_map(uint8_t *restrict out, int wd, int hd, PIX *grey, const scale_span *xs,
                     const scale_span *ys, int32_t *restrict col, scale_divisor *div, int lo,
                     int hi)
{
    const uint8_t *base = (const uint8_t *)pixGetData(grey);
    size_t bpl = 4 * (size_t)pixGetWpl(grey);
    for (int i = 0; i < hd; i++) {
        const scale_span *ry = &ys[i];
        const uint8_t *top = base + (size_t)ry->first * bpl;
        uint8_t *o = out + (size_t)i * wd;
        if (ry->edge) {
            for (int j = 0; j < wd; j++) o[j] = (uint8_t)src_byte(top, xs[j].first);
            continue;
        }
        /* Column totals over the row's source rows, in the rows' byte order. */
        const uint8_t *bottom = base + (size_t)ry->last * bpl;
        int32_t a = ry->w_first, b = ry->w_last;
        for (size_t k = 0; k < bpl; k++) col[k] = a * top[k] + b * bottom[k];
        for (int y = ry->first + 1; y < ry->last; y++) {
            const uint8_t *mid = base + (size_t)y * bpl;
            for (size_t k = 0; k < bpl; k++) col[k] += 16 * mid[k];
        }
        int hw = span_weight(ry);
        for (int w = lo; w <= hi; w++) div[w - lo] = divisor_of((uint32_t)(w * hw));
        for (int j = 0; j < wd; j++) {
            const scale_span *rx = &xs[j];
            if (rx->edge) {
                o[j] = (uint8_t)src_byte(top, rx->first);
                continue;
            }
            int32_t sum = rx->w_first * col[rx->first ^ 3] + rx->w_last * col[rx->last ^ 3];
            for (int x = rx->first + 1; x < rx->last; x++) sum += 16 * col[x ^ 3];
            /* Leptonica stores the quotient through a byte. */
            o[j] = (uint8_t)divide((uint32_t)(sum + 128), div[span_weight(rx) - lo]);
        }
    }
}

/* pixUnsharpMaskingGray2D(src, 1, fract) of a w x h byte image into dst; csum holds w
 * ints. The outer ring is src's. */
static void unsharp(uint8_t *restrict dst, const uint8_t *restrict src, int w, int h,
                    float fract, int32_t *restrict csum)
{
    memcpy(dst, src, (size_t)w * h);
    if (w < 3 || h < 3) return;
    const float norm = (float)(1.0 / 9.0);
    for (int i = 1; i < h - 1; i++) {
        const uint8_t *r0 = src + (size_t)(i - 1) * w, *r1 = r0 + w, *r2 = r1 + w;
        for (int j = 0; j < w; j++) csum[j] = r0[j] + r1[j] + r2[j];
        uint8_t *o = dst + (size_t)i * w;
        for (int j = 1; j < w - 1; j++) {
            float low = norm * (float)(csum[j - 1] + csum[j] + csum[j + 1]);
            float s = (float)r1[j];
            int v = (int)((double)(s + fract * (s - low)) + 0.5);
            o[j] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
        }
    }
}

/* Rows of w bytes into pix's words, the first pixel in each word's high byte. */
static void store_rows(PIX *pix, const uint8_t *rows, int w, int h)
{
    uint32_t *data = pixGetData(pix);
    size_t wpl = (size_t)pixGetWpl(pix);
    for (int i = 0; i < h; i++) {
        const uint8_t *r = rows + (size_t)i * w;
        uint32_t *o = data + i * wpl;
        int whole = w / 4;
        for (int k = 0; k < whole; k++)
            o[k] = (uint32_t)r[4 * k] << 24 | (uint32_t)r[4 * k + 1] << 16 |
                   (uint32_t)r[4 * k + 2] << 8 | r[4 * k + 3];
        for (int x = 4 * whole; x < w; x++) SET_DATA_BYTE(o, x, r[x]);
    }
}

/* Whether Leptonica's area map (pixScaleAreaMap, 8 bpp) reduces grey by fx, fy: both
 * factors in [0.02, 0.7), not one of the equal pairs it reduces by halving. */
static int handled(PIX *grey, float fx, float fy)
{
    if (!grey || pixGetDepth(grey) != 8 || pixGetColormap(grey)) return 0;
    float lo = fx < fy ? fx : fy, hi = fx < fy ? fy : fx;
    if (!((double)lo >= 0.02 && (double)hi < 0.7)) return 0;
    return fx != fy || (fx != 0.5f && fx != 0.25f && fx != 0.125f && fx != 0.0625f);
}

/* The area map of grey by fx, fy, then pixScale's unsharp mask when sharpen says so;
 * grey must be handled. */
static PIX *scale_generic(PIX *grey, float fx, float fy, int sharpen)
{
    int ws = pixGetWidth(grey), hs = pixGetHeight(grey);
    int wd = (int)((double)(fx * (float)ws) + 0.5), hd = (int)((double)(fy * (float)hs) + 0.5);
    if (wd < 1 || hd < 1) return NULL; /* Leptonica refuses it too */
    float scx = (float)(16.0 * (float)ws / (float)wd);
    float scy = (float)(16.0 * (float)hs / (float)hd);
    size_t n = (size_t)wd * (size_t)hd;
    size_t bpl = 4 * (size_t)pixGetWpl(grey);
    scale_span *xs = malloc(sizeof *xs * ((size_t)wd + hd));
    scale_divisor *div = NULL;
    uint8_t *map = malloc(2 * n);
    int32_t *col = malloc(sizeof *col * (bpl > (size_t)wd ? bpl : (size_t)wd));
    PIX *out = pixCreate(wd, hd, 8);
    if (!xs || !map || !col || !out) {
        pixDestroy(&out);
        goto done;
    }
    scale_span *ys = xs + wd;
    spans_of(xs, wd, ws, scx);
    spans_of(ys, hd, hs, scy);
    /* A factor < 0.7 puts more than 22/16 source pixels under each output pixel: every
     * span covers at least two, so no weight total is zero. */
    assert(wd < 2 || xs[0].last > xs[0].first);
    /* A column's weight total is its span's length in 1/16 pixels: within one of scx. */
    int lo = INT32_MAX, hi = 1;
    for (int j = 0; j < wd; j++) {
        if (xs[j].edge) continue;
        int w = span_weight(&xs[j]);
        lo = w < lo ? w : lo;
        hi = w > hi ? w : hi;
    }
    lo = lo > hi ? hi : lo;
    if (!(div = malloc(sizeof *div * (size_t)(hi - lo + 1)))) {
        pixDestroy(&out);
        goto done;
    }
    area_map(map, wd, hd, grey, xs, ys, col, div, lo, hi);
    const uint8_t *rows = map;
    if (sharpen) {
        unsharp(map + n, map, wd, hd, 0.2f, col);
        rows = map + n;
    }
    store_rows(out, rows, wd, hd);
    pixCopyResolution(out, grey);
    pixScaleResolution(out, fx, fy);
    pixCopyInputFormat(out, grey);
    pixCopyText(out, grey);
done:
    free(xs);
    free(div);
    free(map);
    free(col);
    return out;
}

PIX *img_scale_grey(PIX *grey, float f)
{
    if (!handled(grey, f, f)) return grey ? pixScale(grey, f, f) : NULL;
    PIX *out = scale_generic(grey, f, f, (double)f > 0.2); /* pixScale sharpens above 1/5 */
    return out ? out : pixScale(grey, f, f);
}

PIX *img_scale_grey_plain(PIX *grey, float fx, float fy)
{
    if (!handled(grey, fx, fy)) return grey ? pixScaleGeneral(grey, fx, fy, 0.0f, 0) : NULL;
    PIX *out = scale_generic(grey, fx, fy, 0);
    return out ? out : pixScaleGeneral(grey, fx, fy, 0.0f, 0);
}

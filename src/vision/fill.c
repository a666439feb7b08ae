/* fill: edges of cell fills (see fill.h for the model). Sizes come from the page size,
 * as in vision/table, so that no constant depends on one resolution. */
#include "vision/fill.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vision/convert.h"
#include "vision/morph.h"
#include "vision/pixstat.h"

#define FILL_STEP  14 /* grey levels between a fill and its neighbour (pastels are ~20) */
#define FILL_REACH 2  /* pixels either side of an edge that are compared */

static int imax(int a, int b)
{
    return a > b ? a : b;
}
static int imin(int a, int b)
{
    return a < b ? a : b;
}

PIX *img_background(PIX *grey)
{
    /* Wider than the strokes of large bold type and than any rule; narrower than a
     * cell. Closing keeps what is light and fills in what is dark and thin. */
    int size = imax(9, imin(pixGetWidth(grey), pixGetHeight(grey)) / 100) | 1;
    return img_close_grey(grey, size, size);
}

int img_ink_delta(PIX *diff, int lo, int hi)
{
    int side = imin(pixGetWidth(diff), pixGetHeight(diff));
    NUMA *hist = img_grey_histogram(diff, imax(1, side / 500)); /* sampled on big pages */
    int delta = hi;
    l_float32 total = 0;
    if (!hist || numaGetSum(hist, &total) != 0 || total <= 0) goto out;
    int q[3] = {-1, -1, -1};
    double cum = 0;
    for (int i = 0; i < 256 && q[2] < 0; i++) {
        l_float32 v = 0;
        numaGetFValue(hist, i, &v);
        cum += v;
        for (int k = 0; k < 3; k++)
            if (q[k] < 0 && cum >= total * (k + 1) / 4.0) q[k] = i;
    }
    delta = imax(lo, imin(hi, (int)(q[1] + 3.0 * (q[2] - q[0]) / 1.35 + 0.5)));
out:
    numaDestroy(&hist);
    return delta;
}

PIX *img_fill_mask(PIX *bg)
{
    /* The page's own level: the commonest level of the whole image or of its margins,
     * whichever is lighter. A table of fills in several shades may cover more of the
     * page than its colour does (no one shade does), a list on one shade may cover most
     * of it (its margins are still the page), and a screenshot's margins are the
     * window's grey, darker than its page. */
    int page = 0, w = pixGetWidth(bg), h = pixGetHeight(bg);
    int mw = imax(2, w / 50), mh = imax(2, h / 50);
    BOX *parts[5] = {NULL, boxCreate(0, 0, w, mh), boxCreate(0, h - mh, w, mh),
                     boxCreate(0, 0, mw, h), boxCreate(w - mw, 0, mw, h)};
    NUMA *margins = NULL;
    for (int i = 0; i < 5; i++) {
        NUMA *hist = i ? (parts[i] ? img_grey_histogram_rect(bg, parts[i], 1) : NULL)
                       : img_grey_histogram(bg, 2);
        l_float32 peak = 0;
        l_int32 at = 255;
        if (i == 0) {
            if (hist && numaGetMax(hist, &peak, &at) == 0 && peak > 0) page = at;
        } else if (hist) {
            if (!margins)
                margins = numaCopy(hist);
            else
                numaArithOp(margins, margins, hist, L_ARITH_ADD);
        }
        numaDestroy(&hist);
        boxDestroy(&parts[i]);
    }
    l_float32 peak = 0;
    l_int32 at = 0;
    if (margins && numaGetMax(margins, &peak, &at) == 0 && peak > 0) page = imax(page, at);
    numaDestroy(&margins);
    if (!page) page = 255;
    int lo = page - FILL_STEP, hi = page + FILL_STEP;
    /* below lo, or above hi: two thresholds, one inverted */
    PIX *dark = img_threshold(bg, imax(1, lo));
    PIX *light = hi < 255 ? img_threshold(bg, hi + 1) : NULL;
    PIX *mask = NULL;
    if (!dark) goto out;
    if (light) {
        pixInvert(light, light);
        pixOr(dark, dark, light);
    }
    mask = pixRemoveBorderConnComps(dark, 8);
out:
    pixDestroy(&dark);
    pixDestroy(&light);
    return mask;
}

/* |a[x] - b[x]| for x in [0, n): one row of steps, in a form the compiler vectorises. */
static void row_steps(uint8_t *restrict d, const uint8_t *a, const uint8_t *b, int n)
{
    for (int x = 0; x < n; x++)
        d[x] = (uint8_t)(a[x] > b[x] ? a[x] - b[x] : b[x] - a[x]);
}

/* Whether any of d[0 .. n) is a step (FILL_STEP or more): the compiler checks many bytes
 * at a time, and most of a page is flat, so whole runs of it are passed over at once. */
static int any_step(const uint8_t *d, int n)
{
    uint8_t found = 0;
    for (int i = 0; i < n; i++)
        found |= d[i] >= FILL_STEP;
    return found;
}

#define STEP_RUN 32 /* bytes any_step looks at before the per-pixel test */

/* Marks in edges the steps of the background across one direction (across x for
 * vertical edges): where the difference over 2 * FILL_REACH pixels is at least
 * FILL_STEP, is largest among its neighbours, and a fill lies on one side. bytes holds
 * the background's rows (w x h, stride bytes apart) in pixel order; steps is scratch for
 * 3 * w bytes. */
static void mark_steps(const uint8_t *bytes, size_t stride, int w, int h, PIX *fill, PIX *edges,
                       int vertical, uint8_t *steps)
{
    int r = FILL_REACH, fwpl = pixGetWpl(fill), ewpl = pixGetWpl(edges);
    const l_uint32 *fdata = pixGetData(fill);
    l_uint32 *edata = pixGetData(edges);
#define ROW(y)     (bytes + (size_t)(y)*stride)
#define FILL(x, y) GET_DATA_BIT(fdata + (size_t)(y) * (size_t)fwpl, (x))
    if (vertical) {
        /* d[x] = |bg(x + r) - bg(x - r)| for x in [r, w - r) */
        uint8_t *d = steps;
        for (int y = 0; y < h && w > 2 * r + 2; y++) {
            row_steps(d + r, ROW(y) + 2 * r, ROW(y), w - 2 * r);
            for (int x = r + 1; x + r + 1 < w; x++) {
                if (x + STEP_RUN + r + 1 <= w && !any_step(d + x, STEP_RUN)) {
                    x += STEP_RUN - 1;
                    continue;
                }
                if (d[x] < FILL_STEP || d[x] < d[x - 1] || d[x] <= d[x + 1]) continue;
                if (!FILL(x + r, y) && !FILL(x - r, y)) continue;
                SET_DATA_BIT(edata + (size_t)y * (size_t)ewpl, x);
            }
        }
    } else {
        /* rows of d[x] = |bg(y + r) - bg(y - r)| for y - 1, y and y + 1 */
        uint8_t *prev = steps, *cur = steps + w, *next = steps + 2 * (size_t)w;
        if (h > 2 * r + 2) {
            row_steps(prev, ROW(2 * r), ROW(0), w);
            row_steps(cur, ROW(2 * r + 1), ROW(1), w);
        }
        for (int y = r + 1; y + r + 1 < h; y++) {
            row_steps(next, ROW(y + 1 + r), ROW(y + 1 - r), w);
            for (int x = 0; x < w; x++) {
                if (x + STEP_RUN <= w && !any_step(cur + x, STEP_RUN)) {
                    x += STEP_RUN - 1;
                    continue;
                }
                if (cur[x] < FILL_STEP || cur[x] < prev[x] || cur[x] <= next[x]) continue;
                if (!FILL(x, y + r) && !FILL(x, y - r)) continue;
                SET_DATA_BIT(edata + (size_t)y * (size_t)ewpl, x);
            }
            uint8_t *t = prev;
            prev = cur, cur = next, next = t;
        }
    }
#undef ROW
#undef FILL
}

int img_fill_edges(PIX *grey, PIX *given_bg, PIX *given_fill, PIX **hedges, PIX **vedges)
{
    int ok = 0;
    /* vision/table keeps rules from h / 70 (at least 15 pixels): an edge must be half as
     * long again, as a fill's edge is less sure than a printed rule */
    int min_len = imax(15, pixGetHeight(grey) / 70) * 3 / 2;
    PIX *bg = NULL, *fill = NULL, *bytes = NULL, *marks[2] = {NULL, NULL};
    uint8_t *steps = NULL;
    *hedges = *vedges = NULL;
    if (!(bg = given_bg ? pixClone(given_bg) : img_background(grey)) ||
        !(fill = given_bg && given_fill ? pixClone(given_fill) : img_fill_mask(bg)))
        goto out;
    /* the background's bytes in pixel order (Leptonica packs them in 32-bit words) */
    if (!(bytes = pixEndianByteSwapNew(bg)) || !(steps = malloc(3 * (size_t)pixGetWidth(bg) + 1)))
        goto out;
    for (int d = 0; d < 2; d++) {
        if (!(marks[d] = pixCreateTemplate(fill))) goto out;
        mark_steps((const uint8_t *)pixGetData(bytes), 4 * (size_t)pixGetWpl(bytes),
                   pixGetWidth(bg), pixGetHeight(bg), fill, marks[d], d, steps);
        /* A blurred or slightly slanted edge wanders by a pixel: widen it across before
         * keeping the long runs. */
        PIX *wide = d ? img_dilate_brick(marks[d], 3, 1) : img_dilate_brick(marks[d], 1, 3);
        PIX *runs =
            wide ? (d ? img_open_brick(wide, 1, min_len) : img_open_brick(wide, min_len, 1)) : NULL;
        pixDestroy(&wide);
        if (!runs) goto out;
        pixDestroy(&marks[d]);
        marks[d] = runs;
    }
    *hedges = marks[0], *vedges = marks[1];
    marks[0] = marks[1] = NULL;
    ok = 1;
out:
    free(steps);
    pixDestroy(&bytes);
    pixDestroy(&bg);
    pixDestroy(&fill);
    pixDestroy(&marks[0]);
    pixDestroy(&marks[1]);
    return ok;
}

/* ---- the channels of a colour page ---- */

static void *channel_fills_make(void *arg)
{
    img_channel_fills *cf = arg;
    cf->ok = 1;
    for (int c = 0; c < 3; c++) {
        PIX *chan = img_channel(cf->rgb, COLOR_RED + c);
        PIX *bg = chan ? img_background(chan) : NULL;
        cf->mask[c] = bg ? img_fill_mask(bg) : NULL;
        if (!cf->mask[c] || !img_fill_edges(chan, bg, cf->mask[c], &cf->hedges[c], &cf->vedges[c]))
            cf->ok = 0;
        pixDestroy(&chan);
        pixDestroy(&bg);
    }
    return NULL;
}

void img_channel_fills_start(img_channel_fills *cf, PIX *rgb)
{
    memset(cf, 0, sizeof *cf);
    cf->rgb = rgb;
    cf->threaded = pthread_create(&cf->thread, NULL, channel_fills_make, cf) == 0;
}

int img_channel_fills_finish(img_channel_fills *cf)
{
    if (cf->threaded)
        pthread_join(cf->thread, NULL);
    else
        channel_fills_make(cf);
    cf->threaded = 0;
    cf->rgb = NULL;
    return cf->ok;
}

void img_channel_fills_free(img_channel_fills *cf)
{
    if (cf->threaded) img_channel_fills_finish(cf); /* a caller's path out of its work */
    for (int c = 0; c < 3; c++) {
        pixDestroy(&cf->mask[c]);
        pixDestroy(&cf->hedges[c]);
        pixDestroy(&cf->vedges[c]);
    }
}

/* whitespace: rules left to whitespace (see whitespace.h for the model).
 *
 * Works on three masks of the page: the rules vision/table kept, the text ink (dark
 * pixels that are not rules) and the virtual rules drawn here. A region is a connected
 * group of kept rules; its lattice is the matching table's, or the region's outline when
 * the rules made no lattice (a frame). Positions are page pixels throughout. */
#include "vision/whitespace.h"

#include <stdlib.h>
#include <string.h>

#define MAX_POS  (IMG_TABLE_MAX_LINES + 2)
#define RULE_GAP 3 /* pixels kept clear of a rule when its band is measured */

static int imax(int a, int b)
{
    return a > b ? a : b;
}
static int imin(int a, int b)
{
    return a < b ? a : b;
}

static int cmp_int(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

/* Text ink: clearly darker than the page's median, rules (grown a little) and specks
 * removed; *height gets the median height of its pieces (letters, or a few joined), the
 * unit every gap is measured in. One pass of connected components serves both. Caller
 * frees; NULL on failure. */
static PIX *text_mask(PIX *grey, PIX *lines, int *height)
{
    l_uint32 median = 255;
    *height = 12;
    if (pixGetRankValue(grey, 4, 0.5f, &median) != 0) median = 255;
    PIX *bin = pixThresholdToBinary(grey, imax(40, (int)(median & 0xff) - 70));
    if (!bin) return NULL;
    if (lines) {
        PIX *grown = pixDilateBrick(NULL, lines, 2 * RULE_GAP + 1, 2 * RULE_GAP + 1);
        if (grown) pixSubtract(bin, bin, grown);
        pixDestroy(&grown);
    }
    BOXA *parts = pixConnCompBB(bin, 8);
    NUMA *heights = parts ? numaCreate(0) : NULL;
    for (int i = 0; heights && i < boxaGetCount(parts); i++) {
        l_int32 x, y, w, h;
        boxaGetBoxGeometry(parts, i, &x, &y, &w, &h);
        if (w < 3 && h < 3) {
            /* a speck: its box holds nothing else that small */
            pixRasterop(bin, x, y, w, h, PIX_CLR, NULL, 0, 0);
            continue;
        }
        if (h >= 4 && h <= 200) numaAddNumber(heights, (l_float32)h);
    }
    l_float32 mid = 0;
    if (heights && numaGetCount(heights) >= 10 && numaGetMedian(heights, &mid) == 0 && mid >= 4)
        *height = (int)mid;
    numaDestroy(&heights);
    boxaDestroy(&parts);
    return bin;
}

/* Ink counts of text along the rectangle: per row (across) or per column. The array has
 * *n entries (caller frees); NULL when the rectangle is empty or on failure. */
static int *profile(PIX *text, int x, int y, int w, int h, int per_column, int *n)
{
    *n = 0;
    /* clipped to the image; walked row by row (Leptonica's per-column count walks down
     * each column, a cache miss per pixel on a page-sized mask) */
    int pw = pixGetWidth(text), ph = pixGetHeight(text);
    int x0 = imax(0, x), y0 = imax(0, y), x1 = imin(pw, x + w), y1 = imin(ph, y + h);
    if (x1 <= x0 || y1 <= y0) return NULL;
    int len = per_column ? x1 - x0 : y1 - y0;
    int *out = calloc((size_t)len, sizeof *out);
    if (!out) return NULL;
    const l_uint32 *data = pixGetData(text);
    int wpl = pixGetWpl(text);
    for (int row = y0; row < y1; row++) {
        const l_uint32 *line = data + (size_t)row * (size_t)wpl;
        for (int col = x0; col < x1; col++) {
            /* skip empty words quickly: most of a page is background */
            if ((col & 31) == 0 && col + 32 <= x1 && line[col >> 5] == 0) {
                col += 31;
                continue;
            }
            if (GET_DATA_BIT(line, col)) out[per_column ? col - x0 : row - y0]++;
        }
    }
    *n = len;
    return out;
}

/* Calls back for each run of empty entries at least min_len long that has ink on both
 * sides (the margins at either end are not gaps). Returns the number of runs. */
typedef void (*gap_fn)(void *ctx, int start, int end);
static int interior_gaps(const int *counts, int n, int min_len, gap_fn fn, void *ctx)
{
    int found = 0, first_ink = -1;
    for (int i = 0; i < n && first_ink < 0; i++)
        if (counts[i]) first_ink = i;
    if (first_ink < 0) return 0;
    int run_start = -1;
    for (int i = first_ink; i < n; i++) {
        if (!counts[i]) {
            if (run_start < 0) run_start = i;
            continue;
        }
        if (run_start >= 0 && i - run_start >= min_len) {
            if (fn) fn(ctx, run_start, i);
            found++;
        }
        run_start = -1;
    }
    return found;
}

typedef struct row_ctx {
    int *ys;
    int n, max, base;
} row_ctx;

static void add_row(void *ctx, int start, int end)
{
    row_ctx *c = ctx;
    if (c->n < c->max) c->ys[c->n++] = c->base + (start + end) / 2;
}

typedef struct col_ctx {
    int *support;
} col_ctx;

static void add_support(void *ctx, int start, int end)
{
    col_ctx *c = ctx;
    for (int i = start; i < end; i++)
        c->support[i]++;
}

/* Rows: in each band between row rules, the gaps across the whole region, when the band
 * holds at least two (at least three lines of text one above the other). Adds the rows'
 * positions to rows (kept sorted) and draws them into hmask. */
static void find_rows(PIX *text, PIX *hmask, int x0, int x1, int *rows, int *nrows, int th)
{
    int found[MAX_POS], n0 = *nrows;
    for (int r = 0; r + 1 < n0; r++) {
        int ya = rows[r] + RULE_GAP, yb = rows[r + 1] - RULE_GAP, len = 0;
        int *counts = profile(text, x0 + RULE_GAP, ya, x1 - x0 - 2 * RULE_GAP, yb - ya, 0, &len);
        if (!counts) continue;
        row_ctx ctx = {.ys = found, .max = MAX_POS, .base = ya};
        int min_gap = imax(3, th * 6 / 10);
        if (interior_gaps(counts, len, min_gap, NULL, NULL) >= 2) {
            interior_gaps(counts, len, min_gap, add_row, &ctx);
            for (int k = 0; k < ctx.n && *nrows < MAX_POS; k++) {
                rows[(*nrows)++] = found[k];
                pixRasterop(hmask, x0, found[k] - 1, x1 - x0 + 1, 2, PIX_SET, NULL, 0, 0);
            }
        }
        free(counts);
    }
    qsort(rows, (size_t)*nrows, sizeof *rows, cmp_int);
}

/* Columns: in each column of the lattice that spans most of the region, the gaps wider
 * than a word space that line up in most bands; each is drawn into vmask in the bands
 * where it is free of ink. Returns the number of segments drawn. */
static int find_cols(PIX *text, PIX *vmask, const int *rows, int nrows, int ca, int cb, int th)
{
    int width = cb - ca - 2 * RULE_GAP, drawn = 0, inked = 0, nbands = nrows - 1;
    if (width < 4 * th || nbands < 1) return 0;
    int *support = calloc((size_t)width, sizeof *support);
    int **bands = calloc((size_t)nbands, sizeof *bands); /* ink per column, per band */
    int *has_ink = calloc((size_t)nbands, sizeof *has_ink);
    if (!support || !bands || !has_ink) goto out;
    col_ctx ctx = {.support = support};
    int min_gap = imax(4, th * 6 / 5);
    for (int r = 0; r < nbands; r++) {
        int len = 0, ya = rows[r] + RULE_GAP, yb = rows[r + 1] - RULE_GAP;
        int *counts = profile(text, ca + RULE_GAP, ya, width, yb - ya, 1, &len);
        if (!counts || len != width) {
            free(counts);
            continue;
        }
        for (int i = 0; i < len && !has_ink[r]; i++)
            has_ink[r] = counts[i] != 0;
        inked += has_ink[r];
        interior_gaps(counts, len, min_gap, add_support, &ctx);
        bands[r] = counts;
    }
    int need = imax(2, (inked * 6 + 9) / 10);
    for (int i = 0; i < width;) {
        if (support[i] < need) {
            i++;
            continue;
        }
        /* the middle of the run: where most bands leave the gap free, a cell merged
         * across it only narrows the run at one side */
        int j = i;
        while (j < width && support[j] >= need)
            j++;
        int mid = (i + j) / 2, x = ca + RULE_GAP + mid;
        for (int r = 0; r < nbands; r++) {
            /* Only across text: a band without any (the space between two tables that
             * were found as one region) gets no rule that would join them. */
            if (!bands[r] || !has_ink[r]) continue;
            int free_here = 1;
            for (int k = imax(0, mid - min_gap / 2); k < imin(width, mid + min_gap / 2); k++)
                free_here &= bands[r][k] == 0;
            if (!free_here) continue;
            pixRasterop(vmask, x - 1, rows[r] - 1, 2, rows[r + 1] - rows[r] + 3, PIX_SET, NULL, 0,
                        0);
            drawn++;
        }
        i = j;
    }
out:
    for (int r = 0; bands && r < nbands; r++)
        free(bands[r]);
    free(bands);
    free(has_ink);
    free(support);
    return drawn;
}

/* Positions of the rules in mask that run along at least half the region (rows when
 * across, else columns), with the region's edges first and last; at most MAX_POS. */
static int long_rules(PIX *mask, int x0, int y0, int x1, int y1, int across, int *pos)
{
    int n = 0, len = 0, extent = across ? x1 - x0 : y1 - y0;
    int *counts = profile(mask, x0, y0, x1 - x0, y1 - y0, !across, &len);
    pos[n++] = across ? y0 : x0;
    for (int i = 0; counts && i < len;) {
        if (counts[i] * 2 < extent) {
            i++;
            continue;
        }
        int j = i;
        while (j < len && counts[j] * 2 >= extent)
            j++;
        int at = (across ? y0 : x0) + (i + j) / 2;
        if (at - pos[n - 1] > 2 * RULE_GAP && n < MAX_POS - 1) pos[n++] = at;
        i = j;
    }
    free(counts);
    int end = across ? y1 : x1;
    if (end - pos[n - 1] > 2 * RULE_GAP)
        pos[n++] = end;
    else
        pos[n - 1] = end;
    return n;
}

/* A table printed without any rule: the run of text lines, from the first to the last,
 * that hold three or more pieces set apart by more than a word space (a title or a
 * footer line is one piece). Its outline is drawn as a frame, and its rows and columns
 * are found inside as for a ruled frame. Returns the number of rules drawn. */
static int borderless(PIX *text, PIX *hmask, PIX *vmask, int th)
{
    int w = pixGetWidth(text), h = pixGetHeight(text), len = 0, drawn = 0;
    int *rows_ink = profile(text, 0, 0, w, h, 0, &len);
    int top = -1, bottom = -1, left = w, right = -1, lines = 0, min_gap = imax(4, th * 6 / 5);
    for (int y = 0; rows_ink && y < len;) {
        if (!rows_ink[y]) {
            y++;
            continue;
        }
        int ya = y;
        while (y < len && rows_ink[y])
            y++;
        int n = 0;
        int *cols_ink = profile(text, 0, ya, w, y - ya, 1, &n);
        int pieces = 0, gap = min_gap, lo = -1, hi = -1;
        for (int x = 0; cols_ink && x < n; x++) {
            if (!cols_ink[x]) {
                gap++;
                continue;
            }
            if (gap >= min_gap) pieces++;
            gap = 0;
            if (lo < 0) lo = x;
            hi = x;
        }
        free(cols_ink);
        if (pieces < 3) continue;
        if (top < 0) top = ya;
        bottom = y;
        left = imin(left, lo), right = imax(right, hi);
        lines++;
    }
    free(rows_ink);
    if (lines < 3) return 0;
    int pad = imax(3, th / 2);
    int x0 = imax(0, left - pad), x1 = imin(w - 1, right + pad);
    int y0 = imax(0, top - pad), y1 = imin(h - 1, bottom + pad);
    pixRasterop(hmask, x0, y0, x1 - x0 + 1, 2, PIX_SET, NULL, 0, 0);
    pixRasterop(hmask, x0, y1 - 1, x1 - x0 + 1, 2, PIX_SET, NULL, 0, 0);
    pixRasterop(vmask, x0, y0, 2, y1 - y0 + 1, PIX_SET, NULL, 0, 0);
    pixRasterop(vmask, x1 - 1, y0, 2, y1 - y0 + 1, PIX_SET, NULL, 0, 0);
    int rows[MAX_POS] = {y0, y1}, nrows = 2;
    find_rows(text, hmask, x0, x1, rows, &nrows, th);
    drawn += nrows - 2;
    drawn += find_cols(text, vmask, rows, nrows, x0, x1, th);
    return drawn;
}

/* Joins boxes (in place) one above the other, at most gap apart, that share at least half
 * of the narrower one's width: the rows of a table whose column rules were never drawn. */
static void join_stacked(BOXA *boxes, int gap)
{
    for (int changed = 1; changed;) {
        changed = 0;
        int n = boxaGetCount(boxes);
        for (int i = 0; i < n && !changed; i++)
            for (int j = i + 1; j < n && !changed; j++) {
                l_int32 ax, ay, aw, ah, bx, by, bw, bh;
                boxaGetBoxGeometry(boxes, i, &ax, &ay, &aw, &ah);
                boxaGetBoxGeometry(boxes, j, &bx, &by, &bw, &bh);
                int overlap = imin(ax + aw, bx + bw) - imax(ax, bx);
                int apart = imax(ay, by) - imin(ay + ah, by + bh);
                if (overlap * 2 < imin(aw, bw) || apart > gap) continue;
                int x0 = imin(ax, bx), y0 = imin(ay, by);
                BOX *joined =
                    boxCreate(x0, y0, imax(ax + aw, bx + bw) - x0, imax(ay + ah, by + bh) - y0);
                if (!joined) return;
                boxaReplaceBox(boxes, i, joined);
                boxaRemoveBox(boxes, j);
                changed = 1;
            }
    }
}

ap_status img_find_tables_spaced(PIX *grey, img_table **tables, size_t *ntables, PIX **lines_out,
                                 ap_error *err)
{
    PIX *lines = NULL, *text = NULL, *hmask = NULL, *vmask = NULL, *grown = NULL;
    BOXA *regions = NULL;
    int rows[MAX_POS], cols[MAX_POS];
    if (lines_out) *lines_out = NULL;
    ap_status st = img_find_tables(grey, tables, ntables, &lines, err);
    if (st != AP_OK || !lines) goto out;
    /* Without text or rules to measure, the tables stand as found. */
    int th = 12, drawn = 0;
    if (!(text = text_mask(grey, lines, &th)) || !(hmask = pixOpenBrick(NULL, lines, 9, 1)) ||
        !(vmask = pixOpenBrick(NULL, lines, 1, 9)))
        goto out;
    /* A region: rules that touch, or rows ruled one under another (no column rule joins
     * them in a row-only table). */
    if (!(grown = pixDilateBrick(NULL, lines, 7, 7)) || !(regions = pixConnCompBB(grown, 8)))
        goto out;
    join_stacked(regions, 20 * th);
    for (int i = 0; i < boxaGetCount(regions); i++) {
        l_int32 rx, ry, rw, rh;
        boxaGetBoxGeometry(regions, i, &rx, &ry, &rw, &rh);
        /* back to the rules: the outermost long rules, else the grown outline */
        int x0 = rx + 3, y0 = ry + 3, x1 = rx + rw - 4, y1 = ry + rh - 4;
        BOX *rb = boxCreate(rx, ry, rw, rh);
        BOX *inner = NULL;
        PIX *part = rb ? pixClipRectangle(lines, rb, NULL) : NULL;
        if (part && pixClipToForeground(part, NULL, &inner) == 0 && inner) {
            l_int32 bx, by, bw, bh;
            boxGetGeometry(inner, &bx, &by, &bw, &bh);
            x0 = rx + bx, y0 = ry + by, x1 = rx + bx + bw - 1, y1 = ry + by + bh - 1;
        }
        boxDestroy(&inner);
        boxDestroy(&rb);
        pixDestroy(&part);
        if (x1 - x0 < 10 * th || y1 - y0 < 3 * th) continue;
        int nrows = long_rules(hmask, x0, y0, x1, y1, 1, rows);
        int ncols = long_rules(vmask, x0, y0, x1, y1, 0, cols);
        /* Pieces of a row rule cut apart by a cell merged down the rows (too short for
         * vision/table to keep on their own) rejoin their row. */
        if (nrows > 2) {
            BOX *rb2 = boxCreate(x0, y0, x1 - x0 + 1, y1 - y0 + 1);
            PIX *area = rb2 ? pixClipRectangle(grey, rb2, NULL) : NULL;
            PIX *dark = area ? img_binarize_rules(area) : NULL;
            PIX *pieces = dark ? pixOpenBrick(NULL, dark, 3 * th, 1) : NULL;
            for (int k = 1; pieces && k + 1 < nrows; k++)
                pixRasterop(hmask, x0, rows[k] - 2, x1 - x0 + 1, 5, PIX_SRC | PIX_DST, pieces, 0,
                            rows[k] - 2 - y0);
            boxDestroy(&rb2);
            pixDestroy(&area);
            pixDestroy(&dark);
            pixDestroy(&pieces);
        }
        int before = nrows;
        find_rows(text, hmask, cols[0], cols[ncols - 1], rows, &nrows, th);
        drawn += nrows - before;
        for (int c = 0; c + 1 < ncols; c++)
            if (cols[c + 1] - cols[c] >= 8 * th)
                drawn += find_cols(text, vmask, rows, nrows, cols[c], cols[c + 1], th);
    }
    /* No table at all: perhaps one printed without rules. */
    if (!drawn && *ntables == 0) drawn = borderless(text, hmask, vmask, th);
    if (drawn) {
        img_table *redone = NULL;
        size_t nredone = 0;
        PIX *relines = NULL;
        if (img_tables_from_runs(hmask, vmask, &redone, &nredone, &relines, err) == AP_OK) {
            img_tables_free(*tables, *ntables);
            *tables = redone, *ntables = nredone;
            pixDestroy(&lines);
            lines = relines;
        }
    }
out:
    if (lines_out && st == AP_OK) {
        *lines_out = lines;
        lines = NULL;
    }
    pixDestroy(&lines);
    pixDestroy(&text);
    pixDestroy(&hmask);
    pixDestroy(&vmask);
    pixDestroy(&grown);
    boxaDestroy(&regions);
    return st;
}

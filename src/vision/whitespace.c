/* whitespace: rules left to whitespace (see whitespace.h for the model).
 *
 * Works on masks of the page (struct ws): the rules vision/table kept (printed rules and
 * the edges of fills), the text ink (pixels clearly darker than their background, rules
 * removed), the fills, and the virtual rules drawn here, kept apart from the printed ones
 * until the region is done so that they can be taken back. A region is a connected
 * group of kept rules; its lattice is the matching table's, or the region's outline when
 * the rules made no lattice (a frame). Positions are page pixels throughout. */
#include "vision/morph.h"
#include "vision/whitespace.h"

#include <stdlib.h>
#include <string.h>

#include "vision/conncomp.h"
#include "vision/convert.h"
#include "vision/count.h"
#include "vision/fill.h"
#include "vision/pixstat.h"

#define MAX_POS  (IMG_TABLE_MAX_LINES + 2)
#define RULE_GAP 3 /* pixels kept clear of a rule when its band is measured */
/* How much darker than its background a faint stroke is (text_mask): a thin dash or a
 * light serif's hairline that a blurred or JPEG page leaves between 35 and 70. */
#define FAINT_DARKER 35
/* How much darker than its background text ink is (text_mask). On a page whose darkest
 * tenth of ink (ink_contrast) is less than CORE_MARGIN darker than that, the text is all
 * that much fainter (a small page blurred when it was scaled or saved): its level is
 * CORE_MARGIN short of the darkest tenth, the faint strokes' half that, never below
 * MIN_DARKER (JPEG noise and paper grain). */
#define TEXT_DARKER   70
#define CORE_MARGIN   15
#define FULL_CONTRAST 255 /* no ink measured: levels as they are */
#define MIN_DARKER    20

static int imax(int a, int b)
{
    return a > b ? a : b;
}
static int imin(int a, int b)
{
    return a < b ? a : b;
}

/* A virtual rule drawn in one band: a column rule at x = at from y = from to to, or a row
 * rule at y = at from x = from to to. */
typedef struct vseg {
    int at, from, to;
} vseg;

typedef struct rect {
    int x0, y0, x1, y1;
} rect;

typedef struct ws {
    PIX *text;    /* text ink */
    PIX *faint;   /* text ink with the faint strokes beside it: where column gaps are sought */
    PIX *strokes; /* every stroke at the faint level, beside text ink or not */
    PIX *gaps;    /* text ink less lines of text set sideways: where row gaps are sought */
    PIX *fill;    /* cell fills (vision/fill) */
    PIX *hfill;   /* edges of the fills, horizontal and vertical */
    PIX *vfill;
    PIX *hmask;    /* kept horizontal rules */
    PIX *vmask;    /* kept vertical rules */
    PIX *vrows;    /* virtual row rules of the region in hand */
    PIX *vcols;    /* virtual column rules of the region in hand */
    BOXA *upward;  /* lines of text set sideways, each one cell's */
    vseg *rowsegs; /* what vrows and vcols hold, to be checked and taken back */
    vseg *colsegs;
    int nrowsegs, ncolsegs;
    int th; /* median height of the text's pieces, the unit of every gap */
} ws;

#define MAX_SEGS 4096

static void add_seg(vseg *segs, int *n, int at, int from, int to)
{
    if (*n < MAX_SEGS) segs[(*n)++] = (vseg){at, from, to};
}

static int cmp_int(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

/* Ink pixels of bin in the rectangle (clipped to the image). */
static long ink_in(PIX *bin, int x, int y, int w, int h)
{
    l_int32 count = 0;
    BOX *b = w > 0 && h > 0 ? boxCreate(x, y, w, h) : NULL;
    if (b && pixCountPixelsInRect(bin, b, &count, NULL) != 0) count = 0;
    boxDestroy(&b);
    return count;
}

/* Clears from text ink (bin, and faint: the same with fainter strokes) the rules too
 * light for vision/table to keep (grey rules between day labels set outside a table's
 * frame), which as text would join the labels into one block and lie across every gap
 * between rows. Grain breaks such a rule into dashes in bin, so it is sought in faint:
 * runs each way at least four text heights (th) long once gaps of a few pixels are
 * closed, no thicker than a quarter of one, with next to no text ink along either side
 * within half a text height (a row of a text line's strokes that closing joins has its
 * letters beside it). Left as it is when out of memory. */
static void drop_thin_runs(PIX *bin, PIX *faint, int th)
{
    int thin = imax(3, th / 4), run = 4 * th, side = imax(4, th / 2);
    for (int d = 0; d < 2; d++) {
        PIX *closed = d ? img_close_brick(faint, 1, 5) : img_close_brick(faint, 5, 1);
        PIX *runs = !closed ? NULL
                    : d     ? img_open_brick(closed, 1, run)
                            : img_open_brick(closed, run, 1);
        PIX *thick = !runs ? NULL
                     : d   ? img_open_brick(runs, thin + 1, 1)
                           : img_open_brick(runs, 1, thin + 1);
        if (thick) pixSubtract(runs, runs, thick);
        BOXA *boxes = thick ? img_conn_comp_bb(runs) : NULL;
        for (int i = 0; boxes && i < boxaGetCount(boxes); i++) {
            l_int32 x, y, w, h;
            boxaGetBoxGeometry(boxes, i, &x, &y, &w, &h);
            long beside =
                d ? ink_in(bin, x - side, y, side - 2, h) + ink_in(bin, x + w + 2, y, side - 2, h)
                  : ink_in(bin, x, y - side, w, side - 2) + ink_in(bin, x, y + h + 2, w, side - 2);
            if (beside * 10 >= (d ? h : w)) continue;
            /* with the pixels either side of it that the grain left */
            int cx = d ? x - 2 : x, cy = d ? y : y - 2, cw = d ? w + 4 : w, ch = d ? h : h + 4;
            pixRasterop(bin, cx, cy, cw, ch, PIX_CLR, NULL, 0, 0);
            pixRasterop(faint, cx, cy, cw, ch, PIX_CLR, NULL, 0, 0);
        }
        boxaDestroy(&boxes);
        pixDestroy(&closed);
        pixDestroy(&runs);
        pixDestroy(&thick);
    }
}

/* The contrast of the page's print: how much darker than its background the darkest
 * tenth of its ink is (diff: background less grey; pixels MIN_DARKER darker and more, off
 * the rules grown, where grown is not NULL), FULL_CONTRAST when there is none. Crisp
 * print reaches well past TEXT_DARKER (110 to 255 on the tuning pages); a small page
 * blurred when it was scaled or saved spreads its strokes into grey that seldom reaches
 * it (56 to 65), and at TEXT_DARKER its letters fall apart into specks: the text height
 * comes out a third of the letters' and every word space looks like a column gap. */
static int ink_contrast(PIX *diff, PIX *grown)
{
    PIX *off = grown ? pixInvert(NULL, grown) : NULL;
    NUMA *hist = off ? pixGetGrayHistogramMasked(diff, off, 0, 0, 4) : pixGetGrayHistogram(diff, 4);
    pixDestroy(&off);
    if (!hist) return FULL_CONTRAST;
    double total = 0, seen = 0;
    l_float32 v = 0;
    for (int i = MIN_DARKER; i < 256; i++)
        if (numaGetFValue(hist, i, &v) == 0) total += v;
    int level = FULL_CONTRAST;
    for (int i = 255; total > 0 && i >= MIN_DARKER; i--) {
        if (numaGetFValue(hist, i, &v) == 0) seen += v;
        if (seen * 10 >= total) {
            level = i;
            break;
        }
    }
    numaDestroy(&hist);
    return level;
}

/* Text ink: clearly darker than its own background (the page, or a cell's fill, however
 * dark), rules (grown a little) and specks removed; *height gets the median height of
 * its pieces (letters, or a few joined), the unit every gap is measured in. One pass of
 * connected components serves both. *faint_out (caller frees) gets the same ink with
 * the faint strokes beside it: a blurred or JPEG page keeps the thin dash of "10:25-10:40"
 * or a light face's hairlines only faintly, and without them the space either side of
 * the dash looks like a gap between columns. Only strokes within a text height of clear
 * ink along its line count, so that noise on a grey page is no text. Caller frees; NULL on
 * failure. */
static PIX *text_mask(PIX *grey, PIX *bg, PIX *lines, int *height, PIX **faint_out,
                      PIX **strokes_out)
{
    *height = 12;
    *faint_out = NULL;
    *strokes_out = NULL;
    PIX *diff = img_subtract_grey(bg, grey); /* how much darker than the background */
    PIX *grown = diff && lines ? img_dilate_brick(lines, 2 * RULE_GAP + 1, 2 * RULE_GAP + 1) : NULL;
    int darker = TEXT_DARKER, faint_darker = FAINT_DARKER;
    int contrast = diff ? ink_contrast(diff, grown) : FULL_CONTRAST;
    if (contrast - CORE_MARGIN < TEXT_DARKER) {
        darker = imax(2 * MIN_DARKER, contrast - CORE_MARGIN);
        faint_darker = imax(MIN_DARKER, darker / 2);
    }
    PIX *bin = diff ? img_threshold(diff, darker) : NULL;
    PIX *faint = diff ? img_threshold(diff, faint_darker) : NULL;
    pixDestroy(&diff);
    if (!bin || !faint) {
        pixDestroy(&bin);
        pixDestroy(&faint);
        pixDestroy(&grown);
        return NULL;
    }
    pixInvert(bin, bin);
    pixInvert(faint, faint);
    if (grown) {
        pixSubtract(bin, bin, grown);
        pixSubtract(faint, faint, grown);
    }
    pixDestroy(&grown);
    BOXA *parts = img_conn_comp_bb(bin);
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
    drop_thin_runs(bin, faint, *height);
    PIX *near = img_dilate_brick(bin, 2 * *height + 1, 3);
    PIX *kept = near ? pixAnd(NULL, faint, near) : NULL;
    if (kept) {
        pixOr(kept, kept, bin);
        *faint_out = kept;
        *strokes_out = faint;
        faint = NULL;
    } else {
        pixDestroy(&bin);
    }
    pixDestroy(&near);
    pixDestroy(&faint);
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
    int *ys, *widths;
    int n, max, base;
} row_ctx;

static void add_row(void *ctx, int start, int end)
{
    row_ctx *c = ctx;
    if (c->n < c->max) {
        c->widths[c->n] = end - start;
        c->ys[c->n++] = c->base + (start + end) / 2;
    }
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

/* Whether the rule at pos (a column when vertical) is the edge of a fill along at least
 * a third of the region's extent from lo to hi. Only such rules are extended: a printed
 * rule that stops has stopped at a merged cell. */
static int fill_edge(PIX *edges, int pos, int lo, int hi, int vertical)
{
    BOX *b = vertical ? boxCreate(pos - RULE_GAP, lo, 2 * RULE_GAP + 1, hi - lo)
                      : boxCreate(lo, pos - RULE_GAP, hi - lo, 2 * RULE_GAP + 1);
    NUMA *n = b ? (vertical ? img_count_by_row(edges, b) : img_count_by_column(edges, b)) : NULL;
    boxDestroy(&b);
    int along = 0, len = n ? numaGetCount(n) : 0;
    for (int i = 0; i < len; i++) {
        l_int32 v = 0;
        numaGetIValue(n, i, &v);
        along += v > 0;
    }
    numaDestroy(&n);
    return len && along * 3 >= len;
}

/* Lines of text set sideways (a "Lunch" or "Registration" turned up the page in a cell
 * merged down the days): letters joined along the page across less than one and a half
 * text heights (a word space) make a piece at least three text heights long, three times
 * as long as wide and no wider than two and a half text heights (one line of text,
 * descenders and all). Their word spaces are no row gaps, and no virtual row rule may
 * cross them. Caller frees; NULL on failure. */
static BOXA *sideways_lines(PIX *text, int th)
{
    BOXA *found = boxaCreate(8);
    PIX *joined = img_close_brick(text, 1, (th * 3 / 2) | 1);
    BOXA *parts = joined ? img_conn_comp_bb(joined) : NULL;
    for (int i = 0; found && parts && i < boxaGetCount(parts); i++) {
        l_int32 x, y, w, h;
        boxaGetBoxGeometry(parts, i, &x, &y, &w, &h);
        if (h >= 3 * th && h >= 3 * w && 2 * w <= 5 * th) {
            BOX *b = boxCreate(x, y, w, h);
            if (b) boxaAddBox(found, b, L_INSERT);
        }
    }
    boxaDestroy(&parts);
    pixDestroy(&joined);
    return found;
}

static int has_text(PIX *text, int x, int y, int w, int h);

/* The columns among cols (ncols positions) holding text between y = ya and yb. */
static int inked_columns(PIX *text, const int *cols, int ncols, int ya, int yb)
{
    int n = 0;
    for (int c = 0; c + 1 < ncols; c++)
        n += has_text(text, cols[c] + RULE_GAP, ya, cols[c + 1] - cols[c] - 2 * RULE_GAP, yb - ya);
    return n;
}

/* Whether the strips between the cuts ys (n of them, ascending) of the band from ya to yb
 * are one tall cell's lines: the first strip and the last hold text in one column of
 * text each (of tcols, ntcols positions: piece_columns), the same one, which holds text
 * in every strip, and two others hold text in the strips between. A cell of three
 * or four lines beside cells of one or two, in a table whose columns no rule parts,
 * leaves such gaps across the band; a title over a list's first row stands alone in its
 * strip, but the row's strip holds the list's columns. */
static int tall_cell(PIX *text, const int *tcols, int ntcols, int ya, int yb, const int *ys, int n)
{
    int only = -1, beside = 0;
    for (int c = 0; c + 1 < ntcols; c++) {
        int x = tcols[c] + RULE_GAP, width = tcols[c + 1] - tcols[c] - 2 * RULE_GAP;
        int first = has_text(text, x, ya, width, ys[0] - ya);
        int last = has_text(text, x, ys[n - 1], width, yb - ys[n - 1]);
        if (!first && !last) {
            beside += has_text(text, x, ya, width, yb - ya);
            continue;
        }
        if (!first || !last || only >= 0) return 0;
        only = c;
    }
    /* cells beside it, two at least: a list's names alone, or a framed title whose middle
     * line runs on past a wide space ("Teacher: ... | Class: ..."), are no tall cell */
    if (only < 0 || beside < 2) return 0;
    int x = tcols[only] + RULE_GAP, width = tcols[only + 1] - tcols[only] - 2 * RULE_GAP;
    for (int k = 1; k < n; k++)
        if (!has_text(text, x, ys[k - 1], width, ys[k] - ys[k - 1])) return 0;
    return 1;
}

/* Whether the lines of text between the cuts ys (n of them, ascending) of the band from ya
 * to yb are rows of the table: each strip between two cuts holds text in at least half
 * the columns (of cols) that the band holds text in. A cell of three or four lines beside
 * cells of one line leaves gaps across the band above and below the one-line cells,
 * while its own first and last lines stand alone in their strips; where no rule parts
 * the columns, its columns of text (tcols, ntcols positions) tell it (tall_cell). */
static int strips_are_rows(PIX *text, const int *cols, int ncols, int ya, int yb, const int *ys,
                           int n, const int *tcols, int ntcols)
{
    if (tall_cell(text, tcols, ntcols, ya, yb, ys, n)) return 0;
    int band = inked_columns(text, cols, ncols, ya, yb);
    for (int k = 0; k <= n; k++) {
        int a = k ? ys[k - 1] : ya, b = k < n ? ys[k] : yb;
        if (inked_columns(text, cols, ncols, a, b) * 2 < band) return 0;
    }
    return 1;
}

/* The widest of the gaps ys (n of them, widths given, ascending in y) that part the band
 * from ya to yb into rows (strips_are_rows), at least two, kept in place in ys; returns
 * how many (0 when none do). All of them when they all do; else the gaps narrower than
 * the next width up are dropped, one width at a time: the space between rows is wider
 * than the leading of a cell's lines, which leaves gaps across the band too wherever the
 * cells beside it have fewer lines. */
static int row_gaps(PIX *text, const int *cols, int ncols, int ya, int yb, int *ys,
                    const int *widths, int n, const int *tcols, int ntcols)
{
    int kept[MAX_POS], sorted[MAX_POS];
    memcpy(sorted, widths, (size_t)n * sizeof *sorted);
    qsort(sorted, (size_t)n, sizeof *sorted, cmp_int);
    for (int pass = 0; pass < n; pass++) {
        if (pass && sorted[pass] == sorted[pass - 1]) continue;
        int nk = 0; /* the gaps at least as wide as the pass-th narrowest */
        for (int k = 0; k < n; k++)
            if (widths[k] >= sorted[pass]) kept[nk++] = ys[k];
        if (nk < 2) break;
        if (strips_are_rows(text, cols, ncols, ya, yb, kept, nk, tcols, ntcols)) {
            memcpy(ys, kept, (size_t)nk * sizeof *ys);
            return nk;
        }
    }
    return 0;
}

static int band_pieces(const int *counts, int n, int min_gap, int *starts, int *ends, int max);

/* The columns of text of the band from ya to yb: each lattice column of cols (ncols
 * positions) parted further where the band's ink leaves more than a word space across
 * it, half-way across the space (a table ruled in rows only, or whose only column rules
 * bound a column shaded down the days, has its columns of text in one lattice column).
 * Fills out (at most MAX_POS positions, cols' first and last among them) and returns
 * their count; cols as they are when out of memory. */
static int piece_columns(ws *w, const int *cols, int ncols, int ya, int yb, int *out)
{
    int n = 0, starts[MAX_POS], ends[MAX_POS], min_gap = imax(4, w->th * 6 / 5);
    out[n++] = cols[0];
    for (int c = 0; c + 1 < ncols; c++) {
        int len = 0, x0 = cols[c] + RULE_GAP;
        int *counts =
            profile(w->gaps, x0, ya, cols[c + 1] - cols[c] - 2 * RULE_GAP, yb - ya, 1, &len);
        int pieces =
            !counts ? 0 : imin(MAX_POS, band_pieces(counts, len, min_gap, starts, ends, MAX_POS));
        free(counts);
        /* room is kept for the lattice's own positions still to come */
        for (int p = 1; p < pieces && n < MAX_POS - (ncols - 1 - c); p++)
            out[n++] = x0 + (ends[p - 1] + starts[p]) / 2;
        out[n++] = cols[c + 1];
    }
    return n;
}

/* The row gaps of the band from rows[r] to rows[r + 1] across the columns cols (ncols
 * positions): the gaps across their whole width (lines of text set sideways aside), when
 * the band holds at least two (at least three lines of text one above the other) and the
 * lines between them are rows (row_gaps). Fills found (at most MAX_POS) and returns
 * their count. */
static int band_rows(ws *w, const int *cols, int ncols, const int *rows, int r, int *found)
{
    int x0 = cols[0], x1 = cols[ncols - 1];
    int ya = rows[r] + RULE_GAP, yb = rows[r + 1] - RULE_GAP, len = 0;
    int *counts = profile(w->gaps, x0 + RULE_GAP, ya, x1 - x0 - 2 * RULE_GAP, yb - ya, 0, &len);
    if (!counts) return 0;
    int widths[MAX_POS];
    row_ctx ctx = {.ys = found, .widths = widths, .max = MAX_POS, .base = ya};
    int min_gap = imax(3, w->th * 6 / 10);
    int ngaps = interior_gaps(counts, len, min_gap, NULL, NULL), wide = 0;
    /* One gap is a cell's two lines, unless it is wide and the band ends at the edge
     * of a fill (rows set apart by space alone between shaded break rows). */
    if (ngaps == 1 &&
        (fill_edge(w->hfill, rows[r], x0, x1, 0) || fill_edge(w->hfill, rows[r + 1], x0, x1, 0)))
        wide = interior_gaps(counts, len, w->th * 3 / 2, NULL, NULL) == 1;
    if (ngaps >= 2 || wide) {
        /* its columns of text, where a tall cell's lines are told (tall_cell) */
        int tcols[MAX_POS], ntcols = piece_columns(w, cols, ncols, ya, yb, tcols);
        interior_gaps(counts, len, min_gap, add_row, &ctx);
        if (ctx.n == 1) {
            if (!strips_are_rows(w->gaps, cols, ncols, ya, yb, found, 1, tcols, ntcols)) ctx.n = 0;
        } else {
            ctx.n = row_gaps(w->gaps, cols, ncols, ya, yb, found, widths, ctx.n, tcols, ntcols);
        }
    }
    free(counts);
    return ctx.n;
}

/* Whether lattice column c of cols (ncols positions), in the band from ya to yb, is a
 * gutter: inside the region (not its first or last column), narrower than two text
 * heights, empty, and open at the band's top or bottom rule (the space between the
 * frames of two lists set side by side, each framed by its own rules, which stop at the
 * gutter). A sliver that both rules cross is a cell's edge drawn twice (a fill's edge a
 * few pixels off its printed rule): the cells either side of it are one table's. */
static int gutter(ws *w, const int *cols, int ncols, int c, int ya, int yb)
{
    int width = cols[c + 1] - cols[c], mid = (cols[c] + cols[c + 1]) / 2;
    if (c == 0 || c + 2 >= ncols || width >= 2 * w->th) return 0;
    if (width > 2 * RULE_GAP &&
        has_text(w->gaps, cols[c] + RULE_GAP, ya, width - 2 * RULE_GAP, yb - ya))
        return 0;
    return !has_text(w->hmask, mid - 1, ya - 2 * RULE_GAP, 3, 2 * RULE_GAP + 1) ||
           !has_text(w->hmask, mid - 1, yb, 3, 2 * RULE_GAP + 1);
}

static int long_rules(PIX *mask, int x0, int y0, int x1, int y1, int across, int *pos);

/* Draws a virtual row rule at y from x0 to x1 and adds it to rows (at most MAX_POS; not
 * when rows is NULL). */
static void draw_row(ws *w, int y, int x0, int x1, int *rows, int *nrows)
{
    if (rows) {
        if (*nrows >= MAX_POS) return;
        rows[(*nrows)++] = y;
    }
    pixRasterop(w->vrows, x0, y - 1, x1 - x0 + 1, 2, PIX_SET, NULL, 0, 0);
    add_seg(w->rowsegs, &w->nrowsegs, y, x0, x1);
}

/* Rows: in each band between row rules, the gaps band_rows finds across the whole
 * region (cols, ncols positions). Where it finds none and gutters (gutter) part the band
 * into panels (lists side by side in one frame, each ruled on its own, their rows apart
 * by space alone and not in line with each other's), each panel is a region of its own:
 * its bands lie between the rules across it, and the gaps found there are drawn across
 * that panel alone. Adds the rows' positions to rows (kept sorted; a panel's rows stay
 * out of it, as they are no rows of the other panels' columns) and draws them into
 * w->vrows; returns the number of a panel's rows drawn. */
static int find_rows(ws *w, const int *cols, int ncols, int *rows, int *nrows)
{
    int found[MAX_POS], prows[MAX_POS], n0 = *nrows, in_panels = 0;
    for (int r = 0; r + 1 < n0; r++) {
        int ya = rows[r] + RULE_GAP, yb = rows[r + 1] - RULE_GAP;
        if (yb <= ya) continue;
        int n = band_rows(w, cols, ncols, rows, r, found);
        for (int k = 0; k < n; k++)
            draw_row(w, found[k], cols[0], cols[ncols - 1], rows, nrows);
        int panels = 0;
        for (int c = 0; !n && c + 1 < ncols; c++)
            panels += gutter(w, cols, ncols, c, ya, yb);
        for (int c = 0, from = 0; panels && c < ncols; c++) {
            if (c + 1 < ncols && !gutter(w, cols, ncols, c, ya, yb)) continue;
            int to = c + 1 < ncols ? c : ncols - 1; /* the panel: cols[from] to cols[to] */
            if (to - from >= 1) {
                int np = long_rules(w->hmask, cols[from], rows[r], cols[to], rows[r + 1], 1, prows);
                for (int k = 0; k + 1 < np; k++) {
                    if (prows[k + 1] - prows[k] <= 2 * RULE_GAP) continue;
                    int m = band_rows(w, cols + from, to - from + 1, prows, k, found);
                    for (int q = 0; q < m; q++)
                        draw_row(w, found[q], cols[from], cols[to], NULL, NULL);
                    in_panels += m;
                }
            }
            from = c + 1;
        }
    }
    qsort(rows, (size_t)*nrows, sizeof *rows, cmp_int);
    return in_panels;
}

/* Pieces of text in a band's ink counts: runs of inked columns apart by at least
 * min_gap. Fills starts/ends (at most max) and returns the count. */
static int band_pieces(const int *counts, int n, int min_gap, int *starts, int *ends, int max)
{
    int pieces = 0, gap = min_gap;
    for (int i = 0; i < n; i++) {
        if (!counts[i]) {
            gap++;
            continue;
        }
        if (gap >= min_gap) {
            if (pieces < max) starts[pieces] = i;
            pieces++;
        }
        if (pieces <= max) ends[pieces - 1] = i + 1;
        gap = 0;
    }
    return pieces;
}

/* Whether a band whose ink counts are given is one cell merged across the columns that
 * most bands keep apart (a "Lunchtime" row across every day), perhaps beside its row's
 * label: at most two pieces of text, one of them across a column gap xs (positions in
 * the counts' frame). Such a band is cut only between its pieces. */
static int merged_band(const int *counts, int n, int min_gap, const int *xs, int nxs, int *starts,
                       int *ends)
{
    int pieces = band_pieces(counts, n, min_gap, starts, ends, 2);
    if (pieces < 1 || pieces > 2) return 0;
    for (int p = 0; p < pieces; p++)
        for (int k = 0; k < nxs; k++)
            if (xs[k] > starts[p] && xs[k] < ends[p]) return 1;
    return 0;
}

/* Whether x (in the counts' frame) is free of ink for min_gap around it. */
static int free_at(const int *counts, int n, int x, int min_gap)
{
    for (int k = imax(0, x - min_gap / 2); k < imin(n, x + min_gap / 2); k++)
        if (counts[k]) return 0;
    return 1;
}

/* Which of the gaps xs (ascending) may carry a rule in a band, as a mask of bits (at most
 * the first 64 gaps are considered): those free of ink for min_gap around them; in a
 * merged band, only the first free one after its first piece (the row's label ends there,
 * and the merged cell runs from there over every column). */
static unsigned long long cuts(const int *counts, int n, const int *xs, int nxs, int min_gap,
                               int merged, const int *ends)
{
    unsigned long long mask = 0;
    for (int k = 0; k < nxs && k < 64; k++) {
        if (!free_at(counts, n, xs[k], min_gap)) continue;
        if (merged && xs[k] < ends[0]) continue;
        mask |= 1ull << k;
        if (merged) break;
    }
    return mask;
}

/* Appends to mids[0, n) the middle of each run of positions where at least need bands
 * leave the gap free (support) that holds no mid yet; returns the new count. The middle
 * of the run: where most bands leave the gap free, a cell merged across it only narrows
 * the run at one side. */
static int run_mids(const int *support, int width, int need, int *mids, int n)
{
    int had = n;
    for (int i = 0; i < width;) {
        if (support[i] < need) {
            i++;
            continue;
        }
        int j = i, taken = 0;
        while (j < width && support[j] >= need)
            j++;
        for (int k = 0; k < had && !taken; k++)
            taken = mids[k] >= i && mids[k] < j;
        if (!taken) mids[n++] = (i + j) / 2;
        i = j;
    }
    return n;
}

/* Ink pixels of bin in row y from x0 to x1 (exclusive), clipped to the image. */
static int row_bits(PIX *bin, int y, int x0, int x1)
{
    if (y < 0 || y >= (int)pixGetHeight(bin)) return 0;
    const l_uint32 *line = pixGetData(bin) + (size_t)y * (size_t)pixGetWpl(bin);
    int n = 0;
    for (int x = imax(0, x0); x < imin((int)pixGetWidth(bin), x1); x++)
        n += GET_DATA_BIT(line, x) != 0;
    return n;
}

/* Whether a column gap at x, clear for width around it in the band [ya, yb), runs through
 * a word: on the rows whose text lies on both sides of it within three text heights,
 * faint strokes (a text height's worth) across most of its width. A blurred word whose
 * middle letters fell short of the text level keeps their strokes only near its clear
 * letters (text_mask), which leaves a gap inside the word that is no gap between
 * columns; a fill's edge or a hairline down the gap crosses few of its columns. A gap over
 * 64 pixels wide (print of a text height past 53) is left as it is. */
static int gap_in_word(ws *w, int x, int ya, int yb, int width)
{
    int half = imax(1, width / 2), reach = 3 * w->th, crossed = 0, wide = 0;
    unsigned long long across = 0; /* the window's columns that a stroke crosses */
    if (2 * half > 64 || ink_in(w->strokes, x - half, ya, 2 * half, yb - ya) < w->th) return 0;
    const l_uint32 *data = pixGetData(w->strokes);
    int wpl = pixGetWpl(w->strokes), pw = (int)pixGetWidth(w->strokes);
    for (int y = imax(0, ya); y < imin(yb, (int)pixGetHeight(w->strokes)); y++) {
        if (!row_bits(w->faint, y, x - half - reach, x - half) ||
            !row_bits(w->faint, y, x + half, x + half + reach))
            continue;
        const l_uint32 *line = data + (size_t)y * (size_t)wpl;
        for (int k = 0; k < 2 * half; k++) {
            int px = x - half + k;
            if (px < 0 || px >= pw || !GET_DATA_BIT(line, px)) continue;
            crossed++;
            across |= 1ull << k;
        }
    }
    for (int k = 0; k < 2 * half; k++)
        wide += (int)(across >> k & 1);
    return crossed >= w->th && 2 * wide >= 2 * half;
}

/* Columns: in each column of the lattice that spans most of the region, the gaps wider
 * than a word space that line up in most bands; each is drawn into w->vcols in the bands
 * where it is free of ink. Returns the number of segments drawn. */
static int find_cols(ws *w, const int *rows, int nrows, int ca, int cb)
{
    int width = cb - ca - 2 * RULE_GAP, drawn = 0, nbands = nrows - 1, th = w->th;
    int inked = 0, split = 0, several = 0; /* bands with text, cut at all, cut three times */
    if (width < 4 * th || nbands < 1) return 0;
    int *support = calloc((size_t)width, sizeof *support);
    int **bands = calloc((size_t)nbands, sizeof *bands); /* ink per column, per band */
    int *has_ink = calloc((size_t)nbands, sizeof *has_ink);
    int *mids = calloc((size_t)width, sizeof *mids);
    if (!support || !bands || !has_ink || !mids) goto out;
    col_ctx ctx = {.support = support};
    int min_gap = imax(4, th * 6 / 5);
    for (int r = 0; r < nbands; r++) {
        int len = 0, ya = rows[r] + RULE_GAP, yb = rows[r + 1] - RULE_GAP;
        int *counts = profile(w->faint, ca + RULE_GAP, ya, width, yb - ya, 1, &len);
        if (!counts || len != width) {
            free(counts);
            continue;
        }
        for (int i = 0; i < len && !has_ink[r]; i++)
            has_ink[r] = counts[i] != 0;
        inked += has_ink[r];
        int ngaps = interior_gaps(counts, len, min_gap, add_support, &ctx);
        split += ngaps > 0;
        several += ngaps > 2;
        bands[r] = counts;
    }
    int nmids = run_mids(support, width, imax(2, (inked * 6 + 9) / 10), mids, 0);
    /* A column of the lattice that holds several columns of text (most of its bands that
     * are cut at all are cut three times or more, into four pieces: days in a table
     * ruled in rows only), where many bands are one piece of text (a break across every
     * day, a lesson on one day while the others are empty): those bands say nothing
     * about where the columns part, so gaps that line up in most bands that are cut,
     * and in a third of all with text, part columns too, where none was found. A day's
     * own column keeps the stricter count alone: its lessons' words (on a blurred page,
     * pieces of words) leave two or three pieces in many bands, and their gaps can line
     * up. */
    if (2 * several > split) {
        nmids = run_mids(support, width, imax(2, imax((split * 6 + 9) / 10, (inked + 2) / 3)), mids,
                         nmids);
        qsort(mids, (size_t)nmids, sizeof *mids, cmp_int);
    }
    for (int r = 0; r < nbands; r++) {
        /* Only across text: a band without any (the space between two tables that were
         * found as one region) gets no rule that would join them. */
        if (!bands[r] || !has_ink[r]) continue;
        int starts[2], ends[2];
        int merged = merged_band(bands[r], width, min_gap, mids, nmids, starts, ends);
        /* The header's times are often wider than the lessons under them and close up
         * to their column's edge: there the place is known from the bands below and
         * only its own line, a little more than a word space, need be clear. */
        int clear = r == 0 ? imax(2, th * 2 / 3) : min_gap;
        unsigned long long allowed = cuts(bands[r], width, mids, nmids, clear, merged, ends);
        for (int m = 0; m < nmids && m < 64; m++) {
            if (!(allowed >> m & 1)) continue;
            int x = ca + RULE_GAP + mids[m];
            if (gap_in_word(w, x, rows[r] + RULE_GAP, rows[r + 1] - RULE_GAP, clear)) continue;
            pixRasterop(w->vcols, x - 1, rows[r] - 1, 2, rows[r + 1] - rows[r] + 3, PIX_SET, NULL,
                        0, 0);
            add_seg(w->colsegs, &w->ncolsegs, x, rows[r], rows[r + 1]);
            drawn++;
        }
    }
out:
    for (int r = 0; bands && r < nbands; r++)
        free(bands[r]);
    free(bands);
    free(has_ink);
    free(support);
    free(mids);
    return drawn;
}

static int has_text(PIX *text, int x, int y, int w, int h);
static int rule_cover(PIX *mask, int x, int y, int w, int h, int by_row, int *n);
static int next_rule(PIX *mask, PIX *also, int x, int y, int dx, int dy, int limit);
static int in_fill(PIX *fill, int x, int y, int length, int horizontal);

/* How many of the lattice columns cols (page positions) hold a piece of a band's text
 * (ink counts from page position base) that lies inside that one column. */
static int own_columns(const int *counts, int n, int min_gap, int base, const int *cols, int ncols)
{
    int starts[MAX_POS], ends[MAX_POS], owned = 0;
    int pieces = imin(MAX_POS, band_pieces(counts, n, min_gap, starts, ends, MAX_POS));
    for (int c = 0; c + 1 < ncols; c++) {
        int has = 0;
        for (int p = 0; p < pieces && !has; p++)
            has = base + starts[p] >= cols[c] && base + ends[p] <= cols[c + 1];
        owned += has;
    }
    return owned;
}

/* Column rules that are the edges of fills and stop at a band go on through it where
 * their line is free of ink: through the header (a break column shaded from the header
 * down, the header's times still standing above it), and through a band further down, or
 * a header inside a fill across it, only with text on both sides of the rule, or with
 * text of their own in three columns or more, the band's empty cells then being cells
 * of their own (a shaded "Snack" row printed once per day is one cell per day; a
 * "Registration" row printed once across every day is one merged cell). Returns the
 * number of segments drawn. */
static int extend_cols(ws *w, const int *rows, int nrows, const int *cols, int ncols)
{
    int x0 = cols[0], x1 = cols[ncols - 1], drawn = 0, min_gap = imax(4, w->th * 6 / 5);
    int xs[MAX_POS], nxs = 0;
    for (int c = 1; c + 1 < ncols; c++)
        xs[nxs++] = cols[c] - x0 - RULE_GAP;
    for (int r = 0; r + 1 < nrows && nxs; r++) {
        int ya = rows[r] + RULE_GAP, yb = rows[r + 1] - RULE_GAP, len = 0;
        if (yb - ya < w->th) continue;
        int *counts = profile(w->text, x0 + RULE_GAP, ya, x1 - x0 - 2 * RULE_GAP, yb - ya, 1, &len);
        if (!counts) continue;
        int inked = 0;
        for (int i = 0; i < len && !inked; i++)
            inked = counts[i] != 0;
        int starts[2], ends[2];
        int merged = inked && merged_band(counts, len, min_gap, xs, nxs, starts, ends);
        /* the rule's place is known: only its own line need be clear */
        unsigned long long allowed = cuts(counts, len, xs, nxs, imax(2, w->th / 2), merged, ends);
        int own = inked ? own_columns(counts, len, min_gap, x0 + RULE_GAP, cols, ncols) : 0;
        for (int k = 0; inked && k < nxs && k < 64; k++) {
            int x = cols[k + 1];
            if (!fill_edge(w->vfill, x, rows[0], rows[nrows - 1], 1)) continue;
            /* already drawn along most of the band: nothing to extend */
            int n = 0,
                covered = rule_cover(w->vmask, x - RULE_GAP, ya, 2 * RULE_GAP + 1, yb - ya, 1, &n);
            if (!n || covered * 2 >= n) continue;
            if (!(allowed >> k & 1)) continue;
            if ((r > 0 || in_fill(w->fill, x, ya, yb - ya, 0)) && own < 3 &&
                (!has_text(w->text, cols[k] + RULE_GAP, ya, x - cols[k] - 2 * RULE_GAP, yb - ya) ||
                 !has_text(w->text, x + RULE_GAP, ya, cols[k + 2] - x - 2 * RULE_GAP, yb - ya)))
                continue;
            pixRasterop(w->vmask, x - 1, rows[r] - 1, 2, rows[r + 1] - rows[r] + 3, PIX_SET, NULL,
                        0, 0);
            drawn++;
        }
        free(counts);
    }
    return drawn;
}

/* Row rules that are the edges of fills (rows shaded in turn) and stop at a column go on
 * through it where their line is free of ink, as virtual rules: take_back judges them, so
 * that a column shaded down the rows and labelled once stays one cell, while a column of
 * times beside the shaded rows is cut as they are. Returns the number of pieces drawn. */
static int extend_rows(ws *w, const int *rows, int nrows, int x0, int x1)
{
    int drawn = 0, half = imax(2, w->th / 2);
    for (int k = 1; k + 1 < nrows; k++) {
        int y = rows[k];
        if (!fill_edge(w->hfill, y, x0, x1, 0)) continue;
        for (int a = x0 + RULE_GAP; a < x1;) {
            int b = next_rule(w->vmask, w->vcols, a, y, 1, 0, x1);
            int len = b - a - RULE_GAP;
            if (len > w->th) {
                int n = 0,
                    covered = rule_cover(w->hmask, a, y - RULE_GAP, len, 2 * RULE_GAP + 1, 0, &n);
                if (n && covered * 2 < n && !has_text(w->text, a, y - half, len, 2 * half + 1)) {
                    pixRasterop(w->vrows, a, y - 1, b - a, 2, PIX_SET, NULL, 0, 0);
                    add_seg(w->rowsegs, &w->nrowsegs, y, a, b);
                    drawn++;
                }
            }
            a = b + RULE_GAP;
        }
    }
    return drawn;
}

/* Whether the rectangle holds text ink. */
/* How many of the box's rows (by_row) or columns hold a rule pixel; *n gets how many
 * rows or columns the box has inside the mask (0 when out of memory). */
static int rule_cover(PIX *mask, int x, int y, int w, int h, int by_row, int *n)
{
    BOX *box = boxCreate(x, y, w, h);
    NUMA *cover =
        box ? (by_row ? img_count_by_row(mask, box) : img_count_by_column(mask, box)) : NULL;
    boxDestroy(&box);
    int covered = 0;
    *n = cover ? numaGetCount(cover) : 0;
    for (int i = 0; i < *n; i++) {
        l_int32 v = 0;
        numaGetIValue(cover, i, &v);
        covered += v > 0;
    }
    numaDestroy(&cover);
    return covered;
}

static int has_text(PIX *text, int x, int y, int w, int h)
{
    if (w <= 0 || h <= 0) return 0;
    BOX *b = boxCreate(x, y, w, h);
    l_int32 count = 0;
    if (b) pixCountPixelsInRect(text, b, &count, NULL);
    boxDestroy(&b);
    return count > 0;
}

/* Whether most of the line from (x, y) along length pixels (across when horizontal,
 * else down) lies in a fill. */
static int in_fill(PIX *fill, int x, int y, int length, int horizontal)
{
    if (length <= 0) return 0;
    BOX *b = horizontal ? boxCreate(x, y, length, 1) : boxCreate(x, y, 1, length);
    l_int32 count = 0;
    if (b) pixCountPixelsInRect(fill, b, &count, NULL);
    boxDestroy(&b);
    return count * 2 >= length;
}

/* First position from (x, y) stepping by dx, dy where mask (or also) has ink, or the
 * limit. */
static int next_rule(PIX *mask, PIX *also, int x, int y, int dx, int dy, int limit)
{
    int pos = dx ? x : y;
    for (;;) {
        pos += dx ? dx : dy;
        if ((dx > 0 || dy > 0) ? pos >= limit : pos <= limit) return limit;
        int px = dx ? pos : x, py = dx ? y : pos;
        l_uint32 a = 0, b = 0;
        pixGetPixel(mask, px, py, &a);
        if (also) pixGetPixel(also, px, py, &b);
        if (a || b) return pos;
    }
}

/* Whether the cell of the band from ya to yb (rules) that holds column x has text. The
 * cell runs to the column rules of its own band: a heading merged across the columns
 * (a shaded list's title over its first row) reaches over the row rule's piece below it
 * and holds its text beside that piece, not over it. */
static int cell_has_text(ws *w, int x, int ya, int yb, int x0, int x1)
{
    int g = RULE_GAP, ym = (ya + yb) / 2;
    int left = next_rule(w->vmask, w->vcols, x, ym, -1, 0, x0);
    int right = next_rule(w->vmask, w->vcols, x, ym, 1, 0, x1);
    return has_text(w->text, left + g, ya + g, right - left - 2 * g, yb - ya - 2 * g);
}

/* Takes back the virtual rules that cut a cell merged across them: a row rule across a
 * line of text set sideways, and a rule inside a fill that leaves the fill's text on one
 * side only (a break column shaded down every day and labelled once is one cell; a shaded
 * column labelled on every day is one cell per day). Each row rule is judged piece by
 * piece between the column rules that cross it, each column rule band by band between
 * its neighbours. */
static void take_back(ws *w, int x0, int y0, int x1, int y1)
{
    int g = RULE_GAP;
    /* columns first: a row rule's cells reach to the column rules that stay */
    for (int i = 0; i < w->ncolsegs; i++) {
        const vseg *s = &w->colsegs[i];
        int x = s->at, ym = (s->from + s->to) / 2;
        if (!in_fill(w->fill, x, s->from + g, s->to - s->from - 2 * g, 0)) continue;
        int left = next_rule(w->vmask, w->vcols, x - g, ym, -1, 0, x0);
        int right = next_rule(w->vmask, w->vcols, x + g, ym, 1, 0, x1);
        int h = s->to - s->from - 2 * g;
        if (!has_text(w->text, left + g, s->from + g, x - left - 2 * g, h) ||
            !has_text(w->text, x + g, s->from + g, right - x - 2 * g, h))
            pixRasterop(w->vcols, x - 2, s->from - 1, 4, s->to - s->from + 3, PIX_CLR, NULL, 0, 0);
    }
    for (int i = 0; i < w->nrowsegs; i++) {
        const vseg *s = &w->rowsegs[i];
        int y = s->at;
        for (int a = s->from; a < s->to;) {
            int b = next_rule(w->vmask, w->vcols, a, y, 1, 0, s->to);
            int cut = 0;
            for (int k = 0; k < boxaGetCount(w->upward) && !cut; k++) {
                l_int32 bx, by, bw, bh;
                boxaGetBoxGeometry(w->upward, k, &bx, &by, &bw, &bh);
                cut = bx + bw / 2 > a && bx + bw / 2 < b && by < y && by + bh > y;
            }
            if (!cut && in_fill(w->fill, a, y, b - a, 1)) {
                int above = next_rule(w->hmask, w->vrows, (a + b) / 2, y - g, 0, -1, y0);
                int below = next_rule(w->hmask, w->vrows, (a + b) / 2, y + g, 0, 1, y1);
                cut = !cell_has_text(w, (a + b) / 2, above, y, x0, x1) ||
                      !cell_has_text(w, (a + b) / 2, y, below, x0, x1);
            }
            if (cut) pixRasterop(w->vrows, a + 1, y - 2, b - a - 1, 4, PIX_CLR, NULL, 0, 0);
            a = b + 1;
        }
    }
}

/* Positions of the rules in mask that run along at least half the region (rows when
 * across, else columns), with the region's edges first and last; at most MAX_POS. */
static int long_rules(PIX *mask, int x0, int y0, int x1, int y1, int across, int *pos)
{
    int n = 0, len = 0, extent = across ? x1 - x0 : y1 - y0;
    /* A rule is counted a few pixels either side of its line: the edges of the cells of
     * one shaded column step by a pixel or two from row to row. */
    BOX *box = boxCreate(x0, y0, x1 - x0, y1 - y0);
    PIX *part = box ? pixClipRectangle(mask, box, NULL) : NULL;
    PIX *wide = !part    ? NULL
                : across ? img_dilate_brick(part, 1, 2 * RULE_GAP - 1)
                         : img_dilate_brick(part, 2 * RULE_GAP - 1, 1);
    boxDestroy(&box);
    pixDestroy(&part);
    int *counts = wide ? profile(wide, 0, 0, x1 - x0, y1 - y0, !across, &len) : NULL;
    pixDestroy(&wide);
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

/* Whether each piece of a line's ink (counts, n entries, pieces min_gap apart) lies under
 * ink of the line above it (above, n_above entries). */
static int pieces_under(const int *counts, int n, const int *above, int n_above, int min_gap)
{
    int starts[MAX_POS], ends[MAX_POS];
    int pieces = imin(MAX_POS, band_pieces(counts, n, min_gap, starts, ends, MAX_POS));
    for (int p = 0; p < pieces; p++) {
        int under = 0;
        for (int x = starts[p]; x < ends[p] && x < n_above && !under; x++)
            under = above[x] != 0;
        if (!under) return 0;
    }
    return pieces > 0;
}

/* A table printed without any rule: the run of text lines, from the first to the last,
 * that hold three or more pieces set apart by more than a word space (a title or a
 * footer line is one piece). Fills *x0.. with its outline; returns 0 when there is none.
 * The caller draws it as a frame and finds rows and columns inside as for a ruled one. */
static int borderless(const ws *pg, int *fx0, int *fy0, int *fx1, int *fy1)
{
    PIX *text = pg->gaps;
    int th = pg->th;
    int w = pixGetWidth(text), h = pixGetHeight(text), len = 0;
    int *rows_ink = profile(text, 0, 0, w, h, 0, &len);
    int top = -1, bottom = -1, left = w, right = -1, lines = 0, min_gap = imax(4, th * 6 / 5);
    int pitch = 0; /* the widest space between two lines of three pieces, one under the other */
    int *last = NULL, nlast = 0; /* ink across the frame's last line, and its length */
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
        /* A line of two pieces right under the frame, each under a piece of its last
         * line, goes on with it: the longer of two lists set side by side, once the
         * shorter one has ended. */
        if (pieces == 2 && last && ya - bottom <= pitch &&
            pieces_under(cols_ink, n, last, nlast, min_gap))
            pieces = 3;
        else if (pieces < 3)
            pitch = 0; /* the run of lines stops here */
        if (pieces < 3) {
            free(cols_ink);
            continue;
        }
        if (top < 0) top = ya;
        if (lines && ya - bottom > pitch) pitch = ya - bottom;
        bottom = y;
        left = imin(left, lo), right = imax(right, hi);
        lines++;
        free(last);
        last = cols_ink, nlast = n;
    }
    free(last);
    free(rows_ink);
    if (lines < 3) return 0;
    /* Lines of text set sideways (left out of gaps) that reach into the frame are its
     * own: a header's times set up the page rise above the header's other text. */
    for (int k = 0; k < boxaGetCount(pg->upward); k++) {
        l_int32 bx, by, bw, bh;
        boxaGetBoxGeometry(pg->upward, k, &bx, &by, &bw, &bh);
        if (bx + bw <= left || bx > right || by + bh <= top || by > bottom) continue;
        left = imin(left, bx), right = imax(right, bx + bw - 1);
        top = imin(top, by), bottom = imax(bottom, by + bh);
    }
    /* So are fills mostly inside it: a break column shaded below the last day's text. */
    BOXA *fills = img_conn_comp_bb(pg->fill);
    for (int k = 0; fills && k < boxaGetCount(fills); k++) {
        l_int32 bx, by, bw, bh;
        boxaGetBoxGeometry(fills, k, &bx, &by, &bw, &bh);
        long ox = imin(right, bx + bw) - imax(left, bx), oy = imin(bottom, by + bh) - imax(top, by);
        if (ox <= 0 || oy <= 0 || ox * oy * 2 < (long)bw * bh) continue;
        left = imin(left, bx), right = imax(right, bx + bw - 1);
        top = imin(top, by), bottom = imax(bottom, by + bh);
    }
    boxaDestroy(&fills);
    int pad = imax(3, th / 2);
    *fx0 = imax(0, left - pad), *fx1 = imin(w - 1, right + pad);
    *fy0 = imax(0, top - pad), *fy1 = imin(h - 1, bottom + pad);
    return 1;
}

/* Joins boxes (in place) one above the other, at most gap apart, that share at least half
 * of the narrower one's width, unless both are framed (a column rule down most of each
 * side; vmask holds the column rules): the rows of a table whose column rules were
 * never drawn, lone rules or boxes of rules and a fill's edge (rows shaded in turn). Two
 * framed boxes (a framed title over a table, tables one above the other) stay apart,
 * and a box joins a framed one only when it runs across most of the frame: the first
 * row rule of one of two lists side by side under a framed title is no row of the
 * title, while a list's own framed heading over its rows is. Returns 0 when out of
 * memory (the boxes are left as they are). */
static int join_stacked(BOXA *boxes, PIX *vmask, int gap, int thin)
{
    int n = boxaGetCount(boxes);
    /* framed: a box as found, not a lone rule and not rules joined here, with a column
     * rule down most of each side (a row shaded to one side of the list, its fill's
     * edge its only upright, is a ruled row of the list, not a frame) */
    unsigned char *framed = malloc((size_t)(n ? n : 1));
    if (!framed) return 0;
    for (int i = 0; i < n; i++) {
        l_int32 bx = 0, by = 0, bw = 0, bh = 0;
        boxaGetBoxGeometry(boxes, i, &bx, &by, &bw, &bh);
        int side = imin(bw, 2 * thin), nl = 0, nr = 0;
        int left = rule_cover(vmask, bx, by, side, bh, 1, &nl);
        int right = rule_cover(vmask, bx + bw - side, by, side, bh, 1, &nr);
        framed[i] = bh > thin && left * 2 >= nl && right * 2 >= nr;
    }
    for (int changed = 1; changed;) {
        changed = 0;
        n = boxaGetCount(boxes);
        for (int i = 0; i < n && !changed; i++)
            for (int j = i + 1; j < n && !changed; j++) {
                l_int32 ax, ay, aw, ah, bx, by, bw, bh;
                boxaGetBoxGeometry(boxes, i, &ax, &ay, &aw, &ah);
                boxaGetBoxGeometry(boxes, j, &bx, &by, &bw, &bh);
                int overlap = imin(ax + aw, bx + bw) - imax(ax, bx);
                int apart = imax(ay, by) - imin(ay + ah, by + bh);
                if (overlap * 2 < imin(aw, bw) || apart > gap) continue;
                if (framed[i] && framed[j]) continue;
                if ((framed[i] && overlap * 4 < aw * 3) || (framed[j] && overlap * 4 < bw * 3))
                    continue;
                /* two boxes of rules, not lone rules: rows of one list, across its width */
                if (imin(ah, bh) > thin && (overlap * 4 < aw * 3 || overlap * 4 < bw * 3)) continue;
                int x0 = imin(ax, bx), y0 = imin(ay, by);
                BOX *joined =
                    boxCreate(x0, y0, imax(ax + aw, bx + bw) - x0, imax(ay + ah, by + bh) - y0);
                if (!joined) {
                    free(framed);
                    return 0;
                }
                boxaReplaceBox(boxes, i, joined);
                boxaRemoveBox(boxes, j);
                memmove(&framed[j], &framed[j + 1], (size_t)(n - j - 1));
                framed[i] = 0;
                changed = 1;
            }
    }
    free(framed);
    return 1;
}

/* Moves the region's virtual rules, as they stand after take_back, into the kept rules,
 * and forgets them. */
static void commit_virtual(ws *w)
{
    pixOr(w->hmask, w->hmask, w->vrows);
    pixOr(w->vmask, w->vmask, w->vcols);
    pixClearAll(w->vrows);
    pixClearAll(w->vcols);
    w->nrowsegs = w->ncolsegs = 0;
}

/* Whether any of mask's pixels lie in the rectangle. */
static int any_in(PIX *mask, int x, int y, int w, int h)
{
    return has_text(mask, x, y, w, h);
}

/* The sides of a list ruled in rows only: a region with no column rule down half of it
 * (ncols, the long column rules with its edges, is 2), where four row rules and three in
 * four of the region's row rules (rows, nrows of them, its edges included) end at a side
 * with no column rule, gets a rule there from the first such row rule to the last.
 * Without it, a row whose text crosses the list's column gap (a long lesson name beside
 * its time) gets no virtual column rule, nothing holds the rules above it to those
 * below, and the list falls apart into tables, that row outside all of them. Returns the
 * number of sides drawn. */
static int frame_sides(ws *w, int x0, int y0, int x1, int y1, const int *rows, int nrows, int ncols)
{
    int g = RULE_GAP, reach = imax(2 * g, w->th), drawn = 0;
    if (ncols != 2) return 0;
    for (int side = 0; side < 2; side++) {
        int x = side ? x1 : x0, from = -1, to = -1, ending = 0, n = 0;
        int covered = rule_cover(w->vmask, x - g, y0, 2 * g + 1, y1 - y0 + 1, 1, &n);
        if (n == 0 || covered * 2 >= n) continue;
        for (int r = 0; r < nrows; r++) {
            int lx = side ? x - reach + 1 : x;
            if (!any_in(w->hmask, lx, rows[r] - g, reach, 2 * g + 1)) continue;
            ending++;
            if (from < 0) from = rows[r];
            to = rows[r];
        }
        if (ending < 4 || ending * 4 < nrows * 3) continue;
        pixRasterop(w->vmask, x - 1, from - 1, 2, to - from + 3, PIX_SET, NULL, 0, 0);
        drawn++;
    }
    return drawn;
}

/* Finds and draws the rules a region (its outline x0..y1, rules on it) leaves to
 * whitespace. Returns the number of virtual rules drawn and kept. */
static int spaced_region(ws *w, PIX *grey, int x0, int y0, int x1, int y1)
{
    int rows[MAX_POS], cols[MAX_POS], th = w->th;
    int nrows = long_rules(w->hmask, x0, y0, x1, y1, 1, rows);
    int ncols = long_rules(w->vmask, x0, y0, x1, y1, 0, cols);
    /* Pieces of a row rule cut apart by a cell merged down the rows (too short for
     * vision/table to keep on their own) rejoin their row. */
    if (nrows > 2) {
        BOX *rb2 = boxCreate(x0, y0, x1 - x0 + 1, y1 - y0 + 1);
        PIX *area = rb2 ? pixClipRectangle(grey, rb2, NULL) : NULL;
        PIX *dark = area ? img_binarize_rules(area) : NULL;
        PIX *pieces = dark ? img_open_brick(dark, 3 * th / 2, 1) : NULL;
        for (int k = 1; pieces && k + 1 < nrows; k++)
            pixRasterop(w->hmask, x0, rows[k] - 2, x1 - x0 + 1, 5, PIX_SRC | PIX_DST, pieces, 0,
                        rows[k] - 2 - y0);
        boxDestroy(&rb2);
        pixDestroy(&area);
        pixDestroy(&dark);
        pixDestroy(&pieces);
    }
    int drawn = frame_sides(w, x0, y0, x1, y1, rows, nrows, ncols);
    int before = nrows;
    drawn += find_rows(w, cols, ncols, rows, &nrows);
    drawn += nrows - before;
    for (int c = 0; c + 1 < ncols; c++)
        if (cols[c + 1] - cols[c] >= 8 * th)
            drawn += find_cols(w, rows, nrows, cols[c], cols[c + 1]);
    drawn += extend_cols(w, rows, nrows, cols, ncols);
    int nlong = long_rules(w->hmask, x0, y0, x1, y1, 1, cols);
    drawn += extend_rows(w, cols, nlong, x0, x1);
    take_back(w, x0, y0, x1, y1);
    commit_virtual(w);
    return drawn;
}

/* Where a region's body starts: its first column rule, when nothing upright lies left
 * of it and fewer than half its row rules go on there. A row rule printed on into the
 * column of labels left of a table (the header's, say, where the other rows are parted
 * there by rules too light to keep, or by space alone) takes the region out to the
 * page's margin but frames nothing: attach_labels finds the labels beside the body.
 * Otherwise x0. */
static int body_left(ws *w, int x0, int y0, int x1, int y1)
{
    int g = RULE_GAP, cols[MAX_POS], rows[MAX_POS];
    int ncols = long_rules(w->vmask, x0, y0, x1, y1, 0, cols);
    if (ncols < 3 || cols[1] - x0 < 2 * w->th) return x0;
    int width = cols[1] - g - x0;
    if (any_in(w->vmask, x0, y0, width, y1 - y0 + 1)) return x0;
    int nrows = long_rules(w->hmask, x0, y0, x1, y1, 1, rows), reach = 0;
    for (int r = 0; r < nrows; r++)
        reach += any_in(w->hmask, x0, rows[r] - g, width, 2 * g + 1);
    return reach * 2 < nrows ? cols[1] : x0;
}

/* A column of labels printed just left of a region, outside its rules and fills (the
 * times of a table whose shaded cells are its only rules, often set well apart from
 * them): text within eight text heights of the region's left edge, apart from anything
 * further left by two text heights, in most of the region's rows and across none of its
 * row rules, with no rule of its own (the region's row rules may go on into it). Draws
 * its frame, the region's row rules across it
 * and the region's left edge; *nx0 gets the new left edge. Returns the number of rules
 * drawn (0: none found, *nx0 untouched). */
static int attach_labels(ws *w, int x0, int y0, int x1, int y1, int *nx0)
{
    int th = w->th, g = RULE_GAP, rows[MAX_POS], len = 0, drawn = 0;
    int nrows = long_rules(w->hmask, x0, y0, x1, y1, 1, rows);
    int lo = imax(0, x0 - 30 * th);
    if (nrows < 4 || x0 - g - lo < 2 * th) return 0;
    int *ink = profile(w->text, lo, y0 + g, x0 - g - lo, y1 - y0 - 2 * g, 1, &len);
    if (!ink) return 0;
    int i = len - 1, gap = 0;
    while (i >= 0 && !ink[i] && len - 1 - i < 8 * th)
        i--;
    int right = lo + i + 1, left = right;
    for (; i >= 0; i--) {
        if (ink[i]) {
            gap = 0, left = lo + i;
        } else if (++gap >= 2 * th) {
            break;
        }
    }
    int found = i >= 0 || lo == 0;
    if (right <= lo || !ink[right - 1 - lo]) found = 0;
    free(ink);
    if (!found || right - left < th) return 0;
    /* most rows labelled, no label across a row rule, no rule of another table */
    int bands = 0, labelled = 0;
    for (int r = 0; r + 1 < nrows; r++) {
        if (rows[r + 1] - rows[r] < th) continue;
        bands++;
        labelled +=
            has_text(w->text, left, rows[r] + g, right - left, rows[r + 1] - rows[r] - 2 * g);
    }
    /* (a label's strokes across the line, not a speck of grain left on it) */
    for (int r = 1; r + 1 < nrows; r++)
        if (ink_in(w->text, left, rows[r] - 1, right - left, 3) >= th) return 0;
    if (bands < 3 || labelled * 10 < bands * 6) return 0;
    int pad = imax(3, th / 2), nx = imax(0, left - pad);
    if (any_in(w->vmask, nx, y0 - g, x0 - g - nx, y1 - y0 + 2 * g)) return 0;
    /* rules between the region's rows (its own row rules may go on into the labels) */
    for (int r = 0; r + 1 < nrows; r++)
        if (any_in(w->hmask, nx, rows[r] + g + 1, x0 - g - nx, rows[r + 1] - rows[r] - 2 * g - 2))
            return 0;
    for (int r = 0; r < nrows; r++, drawn++)
        pixRasterop(w->hmask, nx, rows[r] - 1, x0 - nx + 1, 2, PIX_SET, NULL, 0, 0);
    pixRasterop(w->vmask, nx, y0 - 1, 2, y1 - y0 + 2, PIX_SET, NULL, 0, 0);
    /* and the region's old edge, which fills alone may have drawn in part of its rows */
    pixRasterop(w->vmask, x0 - 1, y0 - 1, 2, y1 - y0 + 2, PIX_SET, NULL, 0, 0);
    *nx0 = nx;
    return drawn + 1;
}

/* A header line printed just above a region, outside its rules and fills (the days over a
 * table whose shaded cells are its only rules): the text lines within four text heights
 * above its top edge (lines closer than a text height apart are one header), no wider than
 * the region (text beside it counts unless a rule lies just under that text: the header of
 * a region beside, where a shaded column parts one table in two), with at least three
 * pieces, three in four of them each inside one column of the region (a time over a column
 * the body splits in two, at a lesson filling part of it, crosses that split), in three
 * columns and half of them at least, and no rule of their own. Draws its frame (its foot
 * along the region's top, which a region bounded by its fills does not rule) and the
 * region's column rules up through it where their line is free of text; *ny0 gets the new
 * top. Returns the number of rules drawn (0: none found, *ny0 untouched). */
static int attach_header(ws *w, int x0, int y0, int x1, int y1, int *ny0)
{
    int th = w->th, g = RULE_GAP, cols[MAX_POS], len = 0, drawn = 0;
    int ncols = long_rules(w->vmask, x0, y0, x1, y1, 0, cols);
    int lo = imax(0, y0 - 12 * th);
    if (ncols < 4 || y0 - g - lo < 2 * th) return 0;
    int *ink = profile(w->text, x0 + g, lo, x1 - x0 - 2 * g, y0 - g - lo, 0, &len);
    if (!ink) return 0;
    int i = len - 1, gap = 0;
    while (i >= 0 && !ink[i] && len - 1 - i < 4 * th)
        i--;
    int bottom = lo + i + 1, top = bottom;
    for (; i >= 0; i--) {
        if (ink[i]) {
            gap = 0, top = lo + i;
        } else if (++gap >= th) {
            break;
        }
    }
    int found = i >= 0 && bottom > lo && ink[bottom - 1 - lo];
    free(ink);
    if (!found || bottom - top < th / 2) return 0;
    /* no wider than the region: a title line is not its header */
    int side = 10 * th, below = imin(pixGetHeight(w->hmask) - bottom, 5 * th);
    if ((has_text(w->text, imax(0, x0 - side), top, imin(x0, side), bottom - top) &&
         !any_in(w->hmask, imax(0, x0 - side), bottom, imin(x0, side), below)) ||
        (has_text(w->text, x1 + 1, top, side, bottom - top) &&
         !any_in(w->hmask, x1 + 1, bottom, side, below)))
        return 0;
    int n = 0, starts[MAX_POS], ends[MAX_POS];
    int *across = profile(w->text, x0, top, x1 - x0, bottom - top, 1, &n);
    if (!across) return 0;
    int pieces = band_pieces(across, n, imax(4, th * 6 / 5), starts, ends, MAX_POS);
    free(across);
    if (pieces < 3 || pieces > MAX_POS) return 0;
    unsigned char used[MAX_POS] = {0};
    int inside = 0, columns = 0, wide = 0;
    for (int p = 0; p < pieces; p++)
        for (int c = 0; c + 1 < ncols; c++)
            if (x0 + starts[p] >= cols[c] - g && x0 + ends[p] <= cols[c + 1] + g) {
                inside++;
                columns += !used[c];
                used[c] = 1;
                break;
            }
    for (int c = 0; c + 1 < ncols; c++)
        wide += cols[c + 1] - cols[c] >= 2 * th;
    if (inside * 4 < pieces * 3 || columns < 3 || columns * 2 < wide) return 0;
    int pad = imax(3, th / 2), ny = imax(0, top - pad);
    if (any_in(w->hmask, x0 + g, ny, x1 - x0 - 2 * g, y0 - g - ny) ||
        any_in(w->vmask, x0 - g, ny, x1 - x0 + 2 * g, y0 - g - ny))
        return 0;
    pixRasterop(w->hmask, x0, ny - 1, x1 - x0 + 1, 2, PIX_SET, NULL, 0, 0);
    /* and the line under it: a region bounded by its fills has no rule along its top */
    pixRasterop(w->hmask, x0, y0 - 1, x1 - x0 + 1, 2, PIX_SET, NULL, 0, 0);
    for (int c = 0; c < ncols; c++) {
        int x = cols[c];
        if (c > 0 && c + 1 < ncols && has_text(w->text, x - 1, ny, 3, y0 - ny)) continue;
        pixRasterop(w->vmask, x - 1, ny - 1, 2, y0 - ny + 2, PIX_SET, NULL, 0, 0);
        drawn++;
    }
    *ny0 = ny;
    return drawn + 1;
}

/* Adds to w's fills and fill edges those of one channel of a colour page (mask, h, v:
 * its fill mask and edges, from img_channel_fills; h and v are cut here): two pastels
 * of one grey (lavender and grey) differ in their blue. Only edges away from what the
 * grey already bounds count (htaken, vtaken: the grey's edges and dark runs of each
 * direction, grown across): a fill's edge a few pixels beside its printed rule would
 * make a second, thin row or column. Returns 0 on failure. */
static int add_channel_fills(ws *w, PIX *mask, PIX *h, PIX *v, PIX *htaken, PIX *vtaken,
                             int min_len)
{
    pixSubtract(h, h, htaken);
    pixSubtract(v, v, vtaken);
    PIX *hl = img_open_brick(h, min_len, 1), *vl = img_open_brick(v, 1, min_len);
    int ok = hl && vl;
    if (ok) {
        pixOr(w->fill, w->fill, mask);
        pixOr(w->hfill, w->hfill, hl);
        pixOr(w->vfill, w->vfill, vl);
    }
    pixDestroy(&hl);
    pixDestroy(&vl);
    return ok;
}

/* Whether rgb holds colour worth its channels: more than a trace of pixels whose
 * channels differ clearly (a grey page saved as RGB has none). */
static int has_colour(PIX *rgb)
{
    l_float32 pixfract = 0, colorfract = 0;
    if (pixColorFraction(rgb, 20, 250, 20, 4, &pixfract, &colorfract) != 0) return 0;
    return pixfract * colorfract > 0.002f;
}

ap_status img_find_tables_spaced(PIX *grey, img_table **tables, size_t *ntables, PIX **lines_out,
                                 ap_error *err)
{
    return img_find_tables_coloured(grey, NULL, tables, ntables, lines_out, err);
}

ap_status img_find_tables_coloured(PIX *grey, PIX *rgb, img_table **tables, size_t *ntables,
                                   PIX **lines_out, ap_error *err)
{
    PIX *lines = NULL, *grown = NULL, *bg = NULL, *greyfill = NULL;
    BOXA *regions = NULL;
    ws w = {0};
    rect done[IMG_MAX_TABLES]; /* the regions worked on */
    int ndone = 0;
    *tables = NULL;
    *ntables = 0;
    if (lines_out) *lines_out = NULL;
    ap_status st;
    int coloured = rgb && pixGetDepth(rgb) == 32 && pixGetWidth(rgb) == pixGetWidth(grey) &&
                   pixGetHeight(rgb) == pixGetHeight(grey) && has_colour(rgb);
    img_channel_fills channels = {0};
    if (coloured) img_channel_fills_start(&channels, rgb);
    if (!(bg = img_background(grey)) || !(w.fill = img_fill_mask(bg)) ||
        !img_fill_edges(grey, bg, w.fill, &w.hfill, &w.vfill)) {
        st = ap_fail(err, AP_ERR_PROCESSING, "whitespace: morphology failed");
        goto out;
    }
    /* the grey's own fills, for the rule finder, before the channels' join them */
    if (coloured && !(greyfill = pixCopy(NULL, w.fill))) {
        st = ap_fail(err, AP_ERR_NOMEM, "whitespace: out of memory");
        goto out;
    }
    if (coloured) {
        /* as vision/fill's shortest edge, and vision/table's rule thickness */
        int min_len = imax(15, pixGetHeight(grey) / 70) * 3 / 2;
        int near = imax(5, imin(pixGetWidth(grey), pixGetHeight(grey)) / 180);
        PIX *dark = img_binarize_rules(grey), *taken[2] = {NULL, NULL};
        for (int d = 0; dark && d < 2; d++) {
            PIX *runs = d ? img_open_brick(dark, 1, min_len) : img_open_brick(dark, min_len, 1);
            if (runs) pixOr(runs, runs, d ? w.vfill : w.hfill);
            taken[d] = !runs ? NULL
                       : d   ? img_dilate_brick(runs, 2 * near + 1, 1)
                             : img_dilate_brick(runs, 1, 2 * near + 1);
            pixDestroy(&runs);
        }
        int ok = img_channel_fills_finish(&channels) && taken[0] && taken[1];
        for (int c = 0; ok && c < 3; c++)
            ok = add_channel_fills(&w, channels.mask[c], channels.hedges[c], channels.vedges[c],
                                   taken[0], taken[1], min_len);
        pixDestroy(&dark);
        pixDestroy(&taken[0]);
        pixDestroy(&taken[1]);
        img_channel_fills_free(&channels);
        if (!ok) {
            st = ap_fail(err, AP_ERR_PROCESSING, "whitespace: morphology failed");
            goto out;
        }
    }
    /* The kept rules of each direction as they were kept: opening the union again would
     * take a row rule drawn thick beside a fill's edge for a run down the page, and one
     * such piece joins every column rule that meets it (the lattice loses its columns). */
    st = img_find_tables_filled(grey, bg, coloured ? greyfill : w.fill, w.hfill, w.vfill, tables,
                                ntables, &w.hmask, &w.vmask, err);
    if (st != AP_OK || !w.hmask || !w.vmask || !(lines = pixOr(NULL, w.hmask, w.vmask))) goto out;
    /* Without text or rules to measure, the tables stand as found. */
    int drawn = 0;
    w.rowsegs = malloc(MAX_SEGS * sizeof *w.rowsegs);
    w.colsegs = malloc(MAX_SEGS * sizeof *w.colsegs);
    if (!w.rowsegs || !w.colsegs ||
        !(w.text = text_mask(grey, bg, lines, &w.th, &w.faint, &w.strokes)) ||
        !(w.vrows = pixCreateTemplate(lines)) || !(w.vcols = pixCreateTemplate(lines)) ||
        !(w.upward = sideways_lines(w.text, w.th)) || !(w.gaps = pixCopy(NULL, w.text)))
        goto out;
    int th = w.th;
    for (int k = 0; k < boxaGetCount(w.upward); k++) {
        l_int32 bx, by, bw, bh;
        boxaGetBoxGeometry(w.upward, k, &bx, &by, &bw, &bh);
        /* with a margin: serifs and accents left out of the joined line */
        pixRasterop(w.gaps, bx - th / 3, by - th / 3, bw + 2 * (th / 3), bh + 2 * (th / 3), PIX_CLR,
                    NULL, 0, 0);
    }
    /* A region: rules that touch, or rows ruled one under another (no column rule joins
     * them in a row-only table). */
    if (!(grown = img_dilate_brick(lines, 7, 7)) || !(regions = img_conn_comp_bb(grown))) goto out;
    if (!join_stacked(regions, w.vmask, 20 * th, imax(12, th))) goto out;
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
        x0 = body_left(&w, x0, y0, x1, y1);
        drawn += spaced_region(&w, grey, x0, y0, x1, y1);
        /* labels and header printed outside the region's rules, the labels first: the
         * header's corner lies above them */
        drawn += attach_labels(&w, x0, y0, x1, y1, &x0);
        drawn += attach_header(&w, x0, y0, x1, y1, &y0);
        if (ndone < IMG_MAX_TABLES) done[ndone++] = (rect){x0, y0, x1, y1};
    }
    /* A table printed without rules, unless the tables found cover most of it (fills
     * inside it, a break column shaded down the days, are tables of their own). */
    int fx0, fy0, fx1, fy1;
    if (borderless(&w, &fx0, &fy0, &fx1, &fy1)) {
        long area = (long)(fx1 - fx0) * (fy1 - fy0), covered = 0;
        for (size_t t = 0; t < *ntables + (size_t)ndone; t++) {
            const img_table *tb = t < *ntables ? &(*tables)[t] : NULL;
            rect r = tb ? (rect){tb->x, tb->y, tb->x + tb->w, tb->y + tb->h} : done[t - *ntables];
            long ox = imin(fx1, r.x1) - imax(fx0, r.x0), oy = imin(fy1, r.y1) - imax(fy0, r.y0);
            if (ox > 0 && oy > 0) covered += ox * oy;
        }
        if (covered * 10 < area * 6) {
            pixRasterop(w.hmask, fx0, fy0, fx1 - fx0 + 1, 2, PIX_SET, NULL, 0, 0);
            pixRasterop(w.hmask, fx0, fy1 - 1, fx1 - fx0 + 1, 2, PIX_SET, NULL, 0, 0);
            pixRasterop(w.vmask, fx0, fy0, 2, fy1 - fy0 + 1, PIX_SET, NULL, 0, 0);
            pixRasterop(w.vmask, fx1 - 1, fy0, 2, fy1 - fy0 + 1, PIX_SET, NULL, 0, 0);
            drawn += 4 + spaced_region(&w, grey, fx0, fy0, fx1, fy1);
        }
    }
    if (drawn) {
        img_table *redone = NULL;
        size_t nredone = 0;
        PIX *relines = NULL;
        if (img_tables_from_runs(w.hmask, w.vmask, &redone, &nredone, &relines, err) == AP_OK) {
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
    pixDestroy(&bg);
    pixDestroy(&greyfill);
    img_channel_fills_free(&channels);
    pixDestroy(&w.text);
    pixDestroy(&w.faint);
    pixDestroy(&w.strokes);
    pixDestroy(&w.gaps);
    pixDestroy(&w.fill);
    pixDestroy(&w.hfill);
    pixDestroy(&w.vfill);
    pixDestroy(&w.hmask);
    pixDestroy(&w.vmask);
    pixDestroy(&w.vrows);
    pixDestroy(&w.vcols);
    boxaDestroy(&w.upward);
    free(w.rowsegs);
    free(w.colsegs);
    pixDestroy(&grown);
    boxaDestroy(&regions);
    return st;
}

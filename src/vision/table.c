/* table: ruled-table detection (see table.h for the model).
 *
 * Steps, each sized from the page so that no constant depends on one resolution:
 *   1. binarise dark ink (fills are lighter than rules, and what is not is removed in 3);
 *      ink lighter than that but clearly darker than its own background, outside fills
 *      (a rule a blurred or shrunk scan lightened), adds its thin runs only;
 *   2. open with a long horizontal / vertical bar: what survives is a run of ink at least
 *      that long (rules, and a few long text strokes); inside a dark fill, where ink
 *      covers most of every window, nothing survives away from a lane of paper (the fill's
 *      grain would leave a mesh of thin runs);
 *   3. subtract what survives an opening across the run by more than a rule's thickness
 *      (solid fills, bold blocks), keeping the fill's outline, where its cell's rules are;
 *   4. keep the runs long for the page and stacks of row runs that begin and end in line
 *      (a narrow list ruled in rows only), then, repeatedly, a run whose both ends meet
 *      kept runs across it;
 *   5. connected groups of rules are tables; their rule positions, clustered, the lattice;
 *   6. neighbouring lattice units whose shared edge is less than half drawn are one cell. */
#include "vision/morph.h"
#include "vision/table.h"

#include "vision/conncomp.h"
#include "vision/convert.h"
#include "vision/count.h"
#include "vision/fill.h"
#include "vision/pixstat.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* How far a rule lighter than 160 must stand below its background (img_ink_delta): on
 * white paper 160 itself is 95 below. */
#define RULE_DELTA_MIN 40
#define RULE_DELTA_MAX 95

/* Deskew: Leptonica's sweep (+-7 degrees in 1-degree steps, then a binary search to
 * 0.01) and its own bar for a direction worth trusting (pixDeskew's 3.0). */
#define DESKEW_SWEEP_RANGE    7.0f
#define DESKEW_SWEEP_DELTA    1.0f
#define DESKEW_MIN_DELTA      0.01f
#define DESKEW_MIN_CONFIDENCE 3.0f
/* A grey step across one row that counts as an edge (Sobel response, grey levels): a
 * fill 20 levels off the paper steps about 80, grain of sigma 6 stays below a few. */
#define DESKEW_EDGE_STEP 12

/* Geometry derived from the page size. */
typedef struct rule_params {
    int hlen, vlen; /* shortest run that may be a rule */
    int thick;      /* thickest a rule may be */
    int tol;        /* distance at which two rules meet, or two positions are one rule */
    int page_w, page_h;
} rule_params;

static int imax(int a, int b)
{
    return a > b ? a : b;
}
static int imin(int a, int b)
{
    return a < b ? a : b;
}

PIX *img_binarize_rules(PIX *grey)
{
    /* Rules are drawn dark. 160 keeps grey and coloured rules of scans while pastel fills
     * (and mid-grey fills, removed later by their thickness) stay background. */
    return img_threshold(grey, 160);
}

static rule_params params_for(int w, int h)
{
    rule_params p;
    p.page_w = w;
    p.page_h = h;
    p.hlen = imax(20, w / 60);
    p.vlen = imax(15, h / 70);
    p.thick = imax(5, imin(w, h) / 180);
    p.tol = imax(3, p.thick);
    return p;
}

/* Ink of grey clearly darker than its own background (the page's closing, in which a
 * fill around a rule is background too) but lighter than img_binarize_rules takes: a scan
 * shrunk or blurred lightens thin rules (a 1-pixel black rule under a 3 x 3 blur is 170,
 * a grey one paper-light). 1 bpp, caller frees; NULL on failure. */
static PIX *faint_ink(PIX *grey, PIX *given_bg, PIX *given_fill)
{
    PIX *bg = given_bg ? pixClone(given_bg) : img_background(grey);
    PIX *diff = bg ? img_subtract_grey(bg, grey) : NULL;
    PIX *faint =
        diff ? img_threshold(diff, img_ink_delta(diff, RULE_DELTA_MIN, RULE_DELTA_MAX)) : NULL;
    if (faint) pixInvert(faint, faint);
    /* Inside a fill its edges bound the cells already (vision/fill), and the print on
     * it is what stands off its grey: sideways words there would leave their strokes. */
    PIX *fill = !faint ? NULL : given_fill ? pixClone(given_fill) : img_fill_mask(bg);
    if (fill) pixSubtract(faint, faint, fill);
    pixDestroy(&fill);
    pixDestroy(&bg);
    pixDestroy(&diff);
    return faint;
}

/* Thin runs of faint ink (faint_ink) at least len long in one direction: everything as
 * thick as a rule is left out, edges included, since what is faint and thick is blurred
 * print (a word in bold type), never a solid fill's border, which the dark ink holds. */
static PIX *thin_runs(PIX *faint, int horizontal, const rule_params *p)
{
    int len = horizontal ? p->hlen : p->vlen;
    PIX *closed = horizontal ? img_close_brick(faint, 5, 1) : img_close_brick(faint, 1, 5);
    PIX *runs = closed
                    ? (horizontal ? img_open_brick(closed, len, 1) : img_open_brick(closed, 1, len))
                    : NULL;
    PIX *thick = runs ? (horizontal ? img_open_brick(runs, 1, p->thick + 1)
                                    : img_open_brick(runs, p->thick + 1, 1))
                      : NULL;
    if (thick)
        pixSubtract(runs, runs, thick);
    else
        pixDestroy(&runs);
    pixDestroy(&closed);
    pixDestroy(&thick);
    return runs;
}

/* Where bin's ink covers most of every window about twice a rule's thickness across,
 * less a few pixels at the border: the inside of a dark fill, however grainy. Grain
 * leaves light specks in a fill's binarisation, joined into networks on a normalised
 * page, and the fill's ink between them thin runs both ways: a mesh of false rules that
 * no opening across takes as thick. Text and rules cover no such window; the fill's own
 * outline, where its cell's rules run, lies outside. Caller frees; NULL when out of
 * memory. */
static PIX *dense_ink(PIX *bin, const rule_params *p)
{
    int side = 2 * p->thick + 1;
    PIX *dense = img_blockrank(bin, p->thick, p->thick, 0.4f);
    PIX *wide = dense ? img_open_brick(dense, side, side) : NULL;
    /* where thick rules cross, the ink is dense over a rule's width around the crossing:
     * a fill runs on three times that at least */
    PIX *big = wide ? pixSelectBySize(wide, 3 * side, 3 * side, 8, L_SELECT_IF_EITHER,
                                      L_SELECT_IF_GTE, NULL)
                    : NULL;
    /* a page too small for the window has no fill worth it: nothing is dense */
    PIX *inner = big ? img_erode_brick(big, 7, 7) : dense ? NULL : pixCreateTemplate(bin);
    pixDestroy(&dense);
    pixDestroy(&wide);
    pixDestroy(&big);
    return inner;
}

/* Clears from runs (bin's ink, closed along the direction) dense (dense_ink of bin), except
 * within a rule's thickness of a lane of paper at least a rule long in the direction
 * (horizontal or not): the white gaps that part dark cells from their rule (a narrow
 * column of shaded cells, each inset from the rules between them) are such lanes, and
 * the grain of a fill leaves none. Returns 0 on failure. */
static int cut_dense(PIX *runs, PIX *bin, PIX *dense, int horizontal, const rule_params *p)
{
    l_int32 empty = 1;
    if (pixZero(dense, &empty) != 0) return 0;
    if (empty) return 1;
    int len = horizontal ? p->hlen : p->vlen, reach = 2 * p->thick + 1;
    PIX *paper = pixInvert(NULL, bin);
    PIX *lanes = !paper       ? NULL
                 : horizontal ? img_open_brick(paper, len, 1)
                              : img_open_brick(paper, 1, len);
    PIX *near = !lanes       ? NULL
                : horizontal ? img_dilate_brick(lanes, 1, reach)
                             : img_dilate_brick(lanes, reach, 1);
    PIX *cut = near ? pixSubtract(NULL, dense, near) : NULL;
    int ok = cut != NULL;
    if (cut) pixSubtract(runs, runs, cut);
    pixDestroy(&paper);
    pixDestroy(&lanes);
    pixDestroy(&near);
    pixDestroy(&cut);
    return ok;
}

/* Runs of ink of bin at least len long in one direction, no thicker than p->thick across
 * it, none inside dense (dense_ink of bin) away from paper (cut_dense). */
static PIX *rule_runs(PIX *bin, PIX *dense, int horizontal, const rule_params *p)
{
    PIX *runs = NULL, *thick = NULL;
    int len = horizontal ? p->hlen : p->vlen;
    /* Close small gaps first so that a broken scanned rule is still one run. */
    PIX *closed = horizontal ? img_close_brick(bin, 5, 1) : img_close_brick(bin, 1, 5);
    if (!closed) goto out;
    if (!cut_dense(closed, bin, dense, horizontal, p)) goto out;
    runs = horizontal ? img_open_brick(closed, len, 1) : img_open_brick(closed, 1, len);
    if (!runs) goto out;
    thick =
        horizontal ? img_open_brick(runs, 1, p->thick + 1) : img_open_brick(runs, p->thick + 1, 1);
    if (!thick) {
        pixDestroy(&runs);
        goto out;
    }
    /* A solid fill's top and bottom (left and right) stay: they are where its cell's
     * rules run, merged into the fill by the binarisation. */
    PIX *core = horizontal ? img_erode_brick(thick, 1, 3) : img_erode_brick(thick, 3, 1);
    PIX *edge = core ? pixSubtract(NULL, thick, core) : NULL;
    pixDestroy(&core);
    if (!edge) {
        pixDestroy(&runs);
        goto out;
    }
    pixSubtract(runs, runs, thick);
    pixOr(runs, runs, edge);
    pixDestroy(&edge);
out:
    pixDestroy(&closed);
    pixDestroy(&thick);
    return runs;
}

/* Whether the end of run a (the side given by at_start) meets run b across it. */
static int end_meets(const l_int32 *a, int horizontal, int at_start, const l_int32 *b, int tol)
{
    /* a and b are {x, y, w, h}; the end of a is a small box around its first or last pixel */
    l_int32 ex, ey, ew, eh;
    if (horizontal) {
        ex = (at_start ? a[0] : a[0] + a[2] - 1) - tol, ey = a[1] - tol;
        ew = 2 * tol + 1, eh = a[3] + 2 * tol;
    } else {
        ex = a[0] - tol, ey = (at_start ? a[1] : a[1] + a[3] - 1) - tol;
        ew = a[2] + 2 * tol, eh = 2 * tol + 1;
    }
    return ex < b[0] + b[2] && b[0] < ex + ew && ey < b[1] + b[3] && b[1] < ey + eh;
}

/* Whether run i (of n, geo as {x, y, w, h}, horizontal when d is 0) is a piece of a long
 * rule cut apart by a cell merged across its line (a "Registration" cell merged down
 * every day cuts the row rules between the days): at least min_len long, in a gap of the
 * line of a long run (kept: the runs of a fifth of the page), and long runs on either
 * side of that line (the table's frame or other rows) each span both of them and the
 * stretch between; its outer end is anchored (a rule across it meets it there) or lies at
 * the end of those runs (the edge of a table with no frame at the side). Rules of two
 * tables set side by side line up too, but no rule spans both tables; a letter's stroke
 * is shorter than min_len, or ends nowhere. */
static int bridged(const l_int32 *geo, const unsigned char *kept, int n, int i, int d, int tol,
                   int min_len, int anchored)
{
    const l_int32 *a = &geo[4 * i];
    if (a[d ? 3 : 2] < min_len) return 0;
    int along = d ? 1 : 0, across = d ? 0 : 1; /* coordinate indices along and across */
    int amid = a[across] + a[across + 2] / 2;
    /* beside a kept rule (a letter's stroke next to it) is not on a gap in its line */
    for (int j = 0; j < n; j++) {
        const l_int32 *b = &geo[4 * j];
        if (kept[j] && abs(b[across] + b[across + 2] / 2 - amid) <= tol &&
            a[along] < b[along] + b[along + 2] && b[along] < a[along] + a[along + 2])
            return 0;
    }
    for (int j = 0; j < n; j++) {
        const l_int32 *b = &geo[4 * j];
        if (!kept[j] || abs(b[across] + b[across + 2] / 2 - amid) > tol) continue;
        int lo = imin(a[along], b[along]);
        int hi = imax(a[along] + a[along + 2], b[along] + b[along + 2]);
        int before = 0, after = 0;
        for (int k = 0; k < n && !(before && after); k++) {
            const l_int32 *c = &geo[4 * k];
            if (!kept[k] || c[along] > lo + tol || c[along] + c[along + 2] < hi - tol) continue;
            /* the piece's outer end is held: by a rule across it, or by the frame's edge */
            if (!anchored && abs(c[along] - a[along]) > tol &&
                abs(c[along] + c[along + 2] - a[along] - a[along + 2]) > tol)
                continue;
            int cmid = c[across] + c[across + 2] / 2;
            if (cmid < amid - tol) before = 1;
            if (cmid > amid + tol) after = 1;
        }
        if (before && after) return 1;
    }
    return 0;
}

/* How many of the columns (by_row: rows) of the rectangle hold ink (clipped to the
 * image). */
static int inked_lines(PIX *ink, int x, int y, int w, int h, int by_row)
{
    if (w <= 0 || h <= 0) return 0;
    BOX *band = boxCreate(x, y, w, h);
    NUMA *counts = !band    ? NULL
                   : by_row ? img_count_by_row(ink, band)
                            : img_count_by_column(ink, band);
    boxDestroy(&band);
    int covered = 0, n = counts ? numaGetCount(counts) : 0;
    for (int i = 0; i < n; i++) {
        l_int32 v = 0;
        numaGetIValue(counts, i, &v);
        covered += v > 0;
    }
    numaDestroy(&counts);
    return covered;
}

/* Whether the row run g ({x, y, w, h}) is a bare stroke of ink (1 bpp; NULL: it is): ink
 * along most of it, and the rows just above and just below it (a pixel off, thick deep)
 * inked in at most a quarter of its columns each. A rule is a stroke with paper on both
 * sides; a run a closing made along the tops or feet of a word's letters has their stems
 * beside it, and the edge of a light fill is no ink. */
static int bare(PIX *ink, const l_int32 *g, int thick)
{
    if (!ink) return 1;
    if (inked_lines(ink, g[0], g[1], g[2], g[3], 0) * 2 < g[2]) return 0;
    int top = imax(0, g[1] - 1 - thick);
    return inked_lines(ink, g[0], top, g[2], g[1] - 1 - top, 0) * 4 <= g[2] &&
           inked_lines(ink, g[0], g[1] + g[3] + 1, g[2], thick, 0) * 4 <= g[2];
}

/* How many columns of the band (x, y, w, h) of ink (1 bpp) hold ink outside its rows
 * that ink crosses nearly whole (four fifths of w or more: a rule drawn beside the run, as
 * in a double rule). Clipped to the image; -1 when out of memory. */
static int band_columns_off_rules(PIX *ink, int x, int y, int w, int h)
{
    y = imax(0, y), h = imin(h, pixGetHeight(ink) - y);
    if (w <= 0 || h <= 0) return 0;
    BOX *box = boxCreate(x, y, w, h);
    PIX *band = box ? pixClipRectangle(ink, box, NULL) : NULL;
    NUMA *rows = band ? img_count_by_row(band, NULL) : NULL;
    int covered = -1;
    if (rows) {
        int bw = pixGetWidth(band), bh = pixGetHeight(band);
        for (int i = 0; i < bh; i++) {
            l_int32 v = 0;
            numaGetIValue(rows, i, &v);
            if (5 * v >= 4 * bw) pixRasterop(band, 0, i, bw, 1, PIX_CLR, NULL, 0, 0);
        }
        covered = inked_lines(band, 0, 0, bw, bh, 0);
    }
    numaDestroy(&rows);
    pixDestroy(&band);
    boxDestroy(&box);
    return covered;
}

/* Whether the row run g ({x, y, w, h}) has paper on both sides in ink (1 bpp; NULL: it
 * has): the rows just above and just below it (a pixel off, thick deep) inked in at most a
 * quarter of its columns each, rules alongside it aside. A row of small print that a
 * closing along it joined into runs (its letters' tops and feet) has the letters' bodies
 * on one side; where it starts at one rule and ends at another it would cut its cell in
 * part-rows. */
static int paper_sides(PIX *ink, const l_int32 *g, int thick)
{
    if (!ink) return 1;
    int above = band_columns_off_rules(ink, g[0], g[1] - 1 - thick, g[2], thick);
    int below = band_columns_off_rules(ink, g[0], g[1] + g[3] + 1, g[2], thick);
    return above >= 0 && below >= 0 && above * 4 <= g[2] && below * 4 <= g[2];
}

/* Whether the column run g ({x, y, w, h}) is a bare stroke of ink (1 bpp; NULL: it is),
 * as bare says of a row run: the columns just left and right of it inked in at most a
 * quarter of its rows each. A short side rule of a thin row has paper on both sides; a
 * letter's stem that reaches from the row's top rule to its bottom one has the rest of
 * its letter and its neighbours beside it. */
static int bare_column(PIX *ink, const l_int32 *g, int thick)
{
    if (!ink) return 1;
    int left = imax(0, g[0] - 1 - thick);
    return inked_lines(ink, left, g[1], g[0] - 1 - left, g[3], 1) * 4 <= g[3] &&
           inked_lines(ink, g[0] + g[2] + 1, g[1], thick, g[3], 1) * 4 <= g[3];
}

/* Whether row run i (of n, geo as {x, y, w, h}) goes on the line of a long one (long
 * marks them): on its line within tol, at most gap from its end. Rules drawn on in the
 * column of labels left of a table, short of its frame, are that table's row lines, left
 * to whitespace's labels, not a list of their own. */
static int in_line(const l_int32 *geo, const unsigned char *is_long, int n, int i, int tol, int gap)
{
    const l_int32 *a = &geo[4 * i];
    for (int j = 0; j < n; j++) {
        const l_int32 *b = &geo[4 * j];
        if (is_long[j] && abs(b[1] + b[3] / 2 - a[1] - a[3] / 2) <= tol &&
            b[0] - (a[0] + a[2]) <= gap && a[0] - (b[0] + b[2]) <= gap)
            return 1;
    }
    return 0;
}

/* Whether row run i (of n, geo as {x, y, w, h}) is one of a stack of row rules: at least
 * min_len long, and two other runs on lines of their own (more than 2 tol away) begin
 * and end where it does, within tol, all three bare in ink (see bare; ok marks the runs
 * that are). A list ruled in rows only, narrower than the runs kept for their length,
 * has no rule across its rows to hold their ends; underlines and dashes in text are
 * neither that long nor aligned at both ends three times over, and a lesson's name
 * printed in three rows of one column is no stack of bare runs. */
static int stacked(const l_int32 *geo, const unsigned char *ok, int n, int i, int tol, int min_len)
{
    const l_int32 *a = &geo[4 * i];
    if (a[2] < min_len || !ok[i]) return 0;
    int same = 0;
    for (int j = 0; j < n && same < 2; j++) {
        const l_int32 *b = &geo[4 * j];
        if (j != i && ok[j] && abs(b[0] - a[0]) <= tol && abs(b[0] + b[2] - a[0] - a[2]) <= tol &&
            abs(b[1] + b[3] / 2 - a[1] - a[3] / 2) > 2 * tol)
            same++;
    }
    return same >= 2;
}

/* Keeps the runs that are rules. Long runs (a fifth of the page) and stacks of row rules
 * (stacked; ink, the page's dark ink, or NULL when the runs are known rules) are rules;
 * from them, a shorter run is a rule when rules across it meet both its ends, and so on
 * until nothing changes: a rule ends where it meets other rules, while an underline or a
 * letter's stroke meets a rule at one end at most. Fills *hmask, *vmask (the kept runs'
 * pixels) and *hboxes, *vboxes (their boxes). Returns 0 when out of memory. */
static int keep_rules(PIX *hruns, PIX *vruns, PIX *ink, const rule_params *p, PIX **hmask,
                      PIX **vmask, BOXA **hboxes, BOXA **vboxes)
{
    unsigned char *stack_ok = NULL;
    int ok = 0;
    BOXA *all[2] = {img_conn_comp_bb(hruns), img_conn_comp_bb(vruns)};
    l_int32 *geo[2] = {NULL, NULL};
    unsigned char *kept[2] = {NULL, NULL}, *is_long[2] = {NULL, NULL};
    int n[2] = {0, 0};
    *hmask = *vmask = NULL;
    *hboxes = *vboxes = NULL;
    if (!all[0] || !all[1]) goto out;
    for (int d = 0; d < 2; d++) {
        n[d] = boxaGetCount(all[d]);
        geo[d] = malloc((size_t)(n[d] ? n[d] : 1) * 4 * sizeof *geo[d]);
        kept[d] = calloc((size_t)(n[d] ? n[d] : 1), 1);
        if (!geo[d] || !kept[d]) goto out;
        int long_len = d == 0 ? p->page_w / 5 : p->page_h / 5;
        for (int i = 0; i < n[d]; i++) {
            l_int32 *g = &geo[d][4 * i];
            boxaGetBoxGeometry(all[d], i, &g[0], &g[1], &g[2], &g[3]);
            kept[d][i] = (d == 0 ? g[2] : g[3]) >= long_len;
        }
        if (!(is_long[d] = malloc((size_t)(n[d] ? n[d] : 1)))) goto out;
        memcpy(is_long[d], kept[d], (size_t)n[d]);
    }
    /* stacks of row rules as wide as the narrowest table kept (tables_from_runs) */
    if (!(stack_ok = malloc((size_t)(n[0] ? n[0] : 1)))) goto out;
    for (int i = 0; i < n[0]; i++)
        stack_ok[i] = geo[0][4 * i + 2] >= 4 * p->hlen &&
                      !in_line(geo[0], is_long[0], n[0], i, p->tol, p->hlen) &&
                      bare(ink, &geo[0][4 * i], p->thick);
    for (int i = 0; i < n[0]; i++)
        if (!kept[0][i] && stacked(geo[0], stack_ok, n[0], i, p->tol, 4 * p->hlen)) kept[0][i] = 1;
    for (int changed = 1, rounds = 0; changed && rounds < 8; rounds++) {
        changed = 0;
        for (int d = 0; d < 2; d++)
            for (int i = 0; i < n[d]; i++) {
                if (kept[d][i]) continue;
                /* a row rule no longer than a rule is thick: the stub that whitespace
                 * leaves on a column rule where it took back the virtual row rule on
                 * both sides of it (column rules it takes back whole) */
                if (d == 0 && geo[d][4 * i + 2] <= p->thick) continue;
                /* a short column run held by its ends only: bare, or a letter's stem */
                if (d == 1 && geo[d][4 * i + 3] < 3 * p->vlen &&
                    !bare_column(ink, &geo[d][4 * i], p->thick))
                    continue;
                int start = 0, end = 0;
                for (int j = 0; j < n[1 - d] && !(start && end); j++) {
                    if (!kept[1 - d][j]) continue;
                    start |= end_meets(&geo[d][4 * i], d == 0, 1, &geo[1 - d][4 * j], p->tol);
                    end |= end_meets(&geo[d][4 * i], d == 0, 0, &geo[1 - d][4 * j], p->tol);
                }
                /* held at both ends, but with print on one side: a row of small print */
                if (d == 0 && start && end && !paper_sides(ink, &geo[d][4 * i], p->thick)) continue;
                if ((start && end) || bridged(geo[d], is_long[d], n[d], i, d, p->tol,
                                              2 * (d ? p->vlen : p->hlen), start || end))
                    kept[d][i] = 1, changed = 1;
            }
    }
    PIX *masks[2] = {pixCreateTemplate(hruns), pixCreateTemplate(vruns)};
    BOXA *boxes[2] = {boxaCreate(16), boxaCreate(16)};
    *hmask = masks[0], *vmask = masks[1], *hboxes = boxes[0], *vboxes = boxes[1];
    if (!masks[0] || !masks[1] || !boxes[0] || !boxes[1]) goto out;
    for (int d = 0; d < 2; d++)
        for (int i = 0; i < n[d]; i++) {
            if (!kept[d][i]) continue;
            const l_int32 *g = &geo[d][4 * i];
            pixRasterop(masks[d], g[0], g[1], g[2], g[3], PIX_PAINT, d ? vruns : hruns, g[0], g[1]);
            BOX *b = boxCreate(g[0], g[1], g[2], g[3]);
            if (!b || boxaAddBox(boxes[d], b, L_INSERT) != 0) {
                boxDestroy(&b);
                goto out;
            }
        }
    ok = 1;
out:
    for (int d = 0; d < 2; d++) {
        boxaDestroy(&all[d]);
        free(geo[d]);
        free(kept[d]);
        free(is_long[d]);
    }
    free(stack_ok);
    if (!ok) {
        pixDestroy(hmask);
        pixDestroy(vmask);
        boxaDestroy(hboxes);
        boxaDestroy(vboxes);
    }
    return ok;
}

/* A rule's place across its direction, its length along it, and the first and last
 * rows (columns) its pixels take across it. */
typedef struct rule_pos {
    int at, len, lo, hi;
} rule_pos;

static int cmp_rule_pos(const void *a, const void *b)
{
    int x = ((const rule_pos *)a)->at, y = ((const rule_pos *)b)->at;
    return (x > y) - (x < y);
}

/* Clusters rule places (sorted in place) into rule positions at most tol apart, each the
 * mean of its rules weighted by their length: a fill's short edge a few pixels off a
 * long printed rule (a thin cell shaded beside it) does not move the rule. Adds the
 * outline edges lo and hi when no rule lies near them. band gets, per position, the
 * stretch across it where its line is sought: tol either side of it, and all of its
 * rules' pixels (a header's fill that ends a few pixels below the top of the day
 * column's fill is one row line, and both edges bound its cells). Returns the count
 * written to out (at most max), or -1 when there are too many. */
static int cluster_positions(rule_pos *pos, int n, int tol, int lo, int hi, int *out,
                             int (*band)[2], int max)
{
    qsort(pos, (size_t)n, sizeof *pos, cmp_rule_pos);
    int m = 0;
    if (n == 0 || pos[0].at - lo > 2 * tol) {
        band[m][0] = lo - tol, band[m][1] = lo + tol;
        out[m++] = lo;
    }
    for (int i = 0; i < n;) {
        int j = i;
        long sum = 0, weight = 0;
        int first = pos[i].lo, last = pos[i].hi;
        while (j < n && pos[j].at - pos[i].at <= 2 * tol) {
            sum += (long)pos[j].at * pos[j].len, weight += pos[j].len;
            first = imin(first, pos[j].lo), last = imax(last, pos[j].hi);
            j++;
        }
        if (m >= max) return -1;
        out[m] = weight > 0 ? (int)((sum + weight / 2) / weight) : pos[i].at;
        band[m][0] = imin(out[m] - tol, first), band[m][1] = imax(out[m] + tol, last);
        m++;
        i = j;
    }
    if (hi - out[m - 1] > 2 * tol) {
        if (m >= max) return -1;
        band[m][0] = hi - tol, band[m][1] = hi + tol;
        out[m++] = hi;
    }
    return m;
}

/* Fraction of the edge from a to b (along the rule direction) that rules mask covers
 * across it from lo to hi (both included). */
static double edge_coverage(PIX *mask, int vertical, int lo, int hi, int a, int b)
{
    int len = b - a;
    if (len <= 0) return 1.0;
    BOX *band = vertical ? boxCreate(lo, a, hi - lo + 1, len) : boxCreate(a, lo, len, hi - lo + 1);
    if (!band) return 0.0;
    NUMA *counts = vertical ? img_count_by_row(mask, band) : img_count_by_column(mask, band);
    boxDestroy(&band);
    if (!counts) return 0.0;
    int n = numaGetCount(counts), covered = 0;
    for (int i = 0; i < n; i++) {
        l_int32 v = 0;
        numaGetIValue(counts, i, &v);
        covered += v > 0;
    }
    numaDestroy(&counts);
    return n ? (double)covered / n : 0.0;
}

/* Whether the rule of row band band[] runs solid from one end of the edge from a to b
 * over a third of it: under a column reaching past the rules into a margin (a
 * screenshot's window edge framing the page's table, the day rules starting at the
 * page's margin inside the first column), it parts the units above and below. A rule's
 * stub at a crossing reaches a few pixels into a band merged down the rows, never a
 * third of its width. */
static int ruled_from_side(PIX *hmask, const int band[2], int a, int b)
{
    int third = (b - a) / 3;
    return third > 0 && (edge_coverage(hmask, 0, band[0], band[1], a, a + third) >= 0.95 ||
                         edge_coverage(hmask, 0, band[0], band[1], b - third, b) >= 0.95);
}

static int uf_find(int *parent, int i)
{
    while (parent[i] != i)
        i = parent[i] = parent[parent[i]];
    return i;
}

static void uf_union(int *parent, int a, int b)
{
    a = uf_find(parent, a);
    b = uf_find(parent, b);
    if (a != b) parent[b] = a;
}

static void table_clear(img_table *t)
{
    free(t->row_y);
    free(t->col_x);
    free(t->cells);
    memset(t, 0, sizeof *t);
}

static int cmp_cell(const void *a, const void *b)
{
    const img_cell *x = a, *y = b;
    if (x->row != y->row) return (x->row > y->row) - (x->row < y->row);
    return (x->col > y->col) - (x->col < y->col);
}

/* Appends the cell of lattice units r0..r1 x c0..c1 (t->cells has room for it). */
static void add_cell(img_table *t, int r0, int c0, int r1, int c1, int inset)
{
    img_cell *cell = &t->cells[t->ncells++];
    cell->row = r0, cell->col = c0, cell->nrows = r1 - r0 + 1, cell->ncols = c1 - c0 + 1;
    cell->x = t->col_x[c0] + inset;
    cell->y = t->row_y[r0] + inset;
    cell->w = imax(1, t->col_x[c1 + 1] - inset - cell->x);
    cell->h = imax(1, t->row_y[r1 + 1] - inset - cell->y);
}

/* Bits of a lattice unit's edges (img_table units, one byte each). */
#define EDGE_RIGHT 1u /* a rule runs between the unit and its right neighbour */
#define EDGE_BELOW 2u /* a rule runs between the unit and the one below */
#define EDGE_CUT_R 4u /* no rule there, but the units are kept apart (split_leaks) */
#define EDGE_CUT_B 8u

/* Whether the lattice line under row r is ruled (edges) under a column other than c: a
 * row's rule, not a stroke through one cell's text (a time struck through, underlined). */
static int row_ruled_elsewhere(const unsigned char *edges, const img_table *t, int r, int c)
{
    for (int k = 0; k < t->ncols; k++)
        if (k != c && (edges[r * t->ncols + k] & EDGE_BELOW)) return 1;
    return 0;
}

/* Joins the lattice units (parent: union-find over nrows x ncols) that no rule or cut
 * parts, as edges says. */
static void join_units(int *parent, const unsigned char *edges, int nrows, int ncols)
{
    for (int i = 0; i < nrows * ncols; i++)
        parent[i] = i;
    for (int r = 0; r < nrows; r++)
        for (int c = 0; c < ncols; c++) {
            int id = r * ncols + c;
            if (c + 1 < ncols && !(edges[id] & (EDGE_RIGHT | EDGE_CUT_R)))
                uf_union(parent, id, id + 1);
            if (r + 1 < nrows && !(edges[id] & (EDGE_BELOW | EDGE_CUT_B)))
                uf_union(parent, id, id + ncols);
        }
}

/* The rectangle of the units of group (rows r0..r1, columns c0..c1 in box); returns
 * whether the group fills it. */
static int group_box(int *parent, int nrows, int ncols, int group, int *box)
{
    int count = 0;
    box[0] = nrows, box[1] = ncols, box[2] = box[3] = -1;
    for (int j = 0; j < nrows * ncols; j++) {
        if (uf_find(parent, j) != group) continue;
        int r = j / ncols, c = j % ncols;
        box[0] = imin(box[0], r), box[1] = imin(box[1], c);
        box[2] = imax(box[2], r), box[3] = imax(box[3], c);
        count++;
    }
    return count == (box[2] - box[0] + 1) * (box[3] - box[1] + 1);
}

/* Whether the units of the old group (old_parent) fall into rectangles under parent. */
static int pieces_rectangular(int *old_parent, int *parent, int nrows, int ncols, int group)
{
    for (int j = 0; j < nrows * ncols; j++) {
        int box[4];
        if (uf_find(old_parent, j) == group && uf_find(parent, j) == j &&
            !group_box(parent, nrows, ncols, j, box))
            return 0;
    }
    return 1;
}

/* A group of units that is no rectangle would make a cell overlapping its neighbours.
 * Where a lattice line inside the group's rectangle is ruled along more than half of it
 * (its units and its pixels) and at one of its ends, and cutting the group's gaps on
 * that line leaves rectangles, the group leaked through a gap in that rule (a fill's
 * edge fading beside a cell merged down the rows): the cut is made. A group whose lines
 * are ruled for short stretches only, or away from its edges, or whose cut would leave
 * other shapes (stray strokes of a sideways word inside a merged cell) stays whole, and
 * its rectangle is its cell. Marks the cuts in edges and joins the units again into
 * parent (scratch: units more ints); returns 0 when nothing was cut. */
static int split_leaks(const img_table *t, int *parent, int *scratch, unsigned char *edges)
{
    int nrows = t->nrows, ncols = t->ncols, units = nrows * ncols, changed = 0;
    for (int i = 0; i < units; i++) {
        int box[4];
        if (uf_find(parent, i) != i || group_box(parent, nrows, ncols, i, box)) continue;
        int r0 = box[0], c0 = box[1], r1 = box[2], c1 = box[3];
        int height = r1 - r0 + 1, width = c1 - c0 + 1;
        double tall = t->row_y[r1 + 1] - t->row_y[r0], wide = t->col_x[c1 + 1] - t->col_x[c0];
        /* each line inside the rectangle, vertical ones first: k < width - 1 is the line
         * right of column c0 + k, the rest the line below row r0 + k - (width - 1) */
        for (int k = 0; k < width - 1 + height - 1; k++) {
            int vertical = k < width - 1, line = vertical ? c0 + k : r0 + k - (width - 1);
            int along = vertical ? height : width, ruled = 0, n = 0;
            unsigned bit = vertical ? EDGE_RIGHT : EDGE_BELOW,
                     cut = vertical ? EDGE_CUT_R : EDGE_CUT_B;
            for (int m = 0; m < along; m++) {
                int id = vertical ? (r0 + m) * ncols + line : line * ncols + c0 + m;
                if (!(edges[id] & bit)) continue;
                n++;
                ruled += vertical ? t->row_y[r0 + m + 1] - t->row_y[r0 + m]
                                  : t->col_x[c0 + m + 1] - t->col_x[c0 + m];
            }
            /* more than half of the units and of the pixels: the thin units beside a
             * rule's stub weigh little, and one wide unit of two is no rule along most */
            int first = vertical ? r0 * ncols + line : line * ncols + c0;
            int last = vertical ? r1 * ncols + line : line * ncols + c1;
            if (n * 2 <= along || ruled * 2 <= (vertical ? tall : wide) ||
                !((edges[first] | edges[last]) & bit))
                continue;
            for (int m = 0; m < along; m++) {
                int id = vertical ? (r0 + m) * ncols + line : line * ncols + c0 + m;
                if (!(edges[id] & bit)) edges[id] |= cut;
            }
            join_units(scratch, edges, nrows, ncols);
            if (pieces_rectangular(parent, scratch, nrows, ncols, i)) {
                changed = 1;
                break;
            }
            for (int m = 0; m < along; m++) {
                int id = vertical ? (r0 + m) * ncols + line : line * ncols + c0 + m;
                edges[id] &= (unsigned char)~cut;
            }
        }
    }
    if (changed) join_units(parent, edges, nrows, ncols);
    return changed;
}

/* Builds the lattice and cells of one table whose outline is box. */
static ap_status build_table(BOX *box, BOXA *hboxes, BOXA *vboxes, PIX *hmask, PIX *vmask,
                             const rule_params *p, img_table *t, ap_error *err)
{
    ap_status st = AP_OK;
    rule_pos *pos = NULL;
    int *parent = NULL;
    unsigned char *edges = NULL;
    int *scratch = NULL;
    int row_band[IMG_TABLE_MAX_LINES + 2][2], col_band[IMG_TABLE_MAX_LINES + 2][2];
    l_int32 tx, ty, tw, th;
    boxGetGeometry(box, &tx, &ty, &tw, &th);
    int nh = boxaGetCount(hboxes), nv = boxaGetCount(vboxes);
    memset(t, 0, sizeof *t);
    t->x = tx, t->y = ty, t->w = tw, t->h = th;
    pos = malloc((size_t)(imax(nh, nv) + 1) * sizeof *pos);
    t->row_y = malloc((IMG_TABLE_MAX_LINES + 2) * sizeof *t->row_y);
    t->col_x = malloc((IMG_TABLE_MAX_LINES + 2) * sizeof *t->col_x);
    if (!pos || !t->row_y || !t->col_x) {
        st = ap_fail(err, AP_ERR_NOMEM, "table: out of memory");
        goto out;
    }
    int n = 0;
    for (int i = 0; i < nh; i++) {
        l_int32 x, y, w, h;
        boxaGetBoxGeometry(hboxes, i, &x, &y, &w, &h);
        if (y + h / 2 >= ty && y + h / 2 < ty + th && x + w / 2 >= tx && x + w / 2 < tx + tw)
            pos[n++] = (rule_pos){y + h / 2, w, y, y + h - 1};
    }
    int rows =
        cluster_positions(pos, n, p->tol, ty, ty + th - 1, t->row_y, row_band, IMG_TABLE_MAX_LINES);
    n = 0;
    for (int i = 0; i < nv; i++) {
        l_int32 x, y, w, h;
        boxaGetBoxGeometry(vboxes, i, &x, &y, &w, &h);
        if (y + h / 2 >= ty && y + h / 2 < ty + th && x + w / 2 >= tx && x + w / 2 < tx + tw)
            pos[n++] = (rule_pos){x + w / 2, h, x, x + w - 1};
    }
    int cols =
        cluster_positions(pos, n, p->tol, tx, tx + tw - 1, t->col_x, col_band, IMG_TABLE_MAX_LINES);
    if (rows < 2 || cols < 2) goto out; /* not a lattice: t->ncells stays 0 */
    t->nrows = rows - 1;
    t->ncols = cols - 1;

    size_t units = (size_t)t->nrows * (size_t)t->ncols;
    parent = malloc(units * sizeof *parent);
    if (!parent) {
        st = ap_fail(err, AP_ERR_NOMEM, "table: out of memory");
        goto out;
    }
    edges = calloc(units, 1);
    scratch = malloc(units * sizeof *scratch);
    t->cells = malloc(units * sizeof *t->cells);
    if (!edges || !scratch || !t->cells) {
        st = ap_fail(err, AP_ERR_NOMEM, "table: out of memory");
        goto out;
    }
    int inner = p->tol; /* keep the coverage band off the crossing rules */
    for (int r = 0; r < t->nrows; r++)
        for (int c = 0; c < t->ncols; c++) {
            int id = r * t->ncols + c;
            if (c + 1 < t->ncols &&
                edge_coverage(vmask, 1, col_band[c + 1][0], col_band[c + 1][1], t->row_y[r] + inner,
                              t->row_y[r + 1] - inner) >= 0.5)
                edges[id] |= EDGE_RIGHT;
            if (r + 1 < t->nrows &&
                edge_coverage(hmask, 0, row_band[r + 1][0], row_band[r + 1][1], t->col_x[c] + inner,
                              t->col_x[c + 1] - inner) >= 0.5)
                edges[id] |= EDGE_BELOW;
        }
    for (int r = 0; r + 1 < t->nrows; r++)
        for (int c = 0; c < t->ncols; c++)
            if (!(edges[r * t->ncols + c] & EDGE_BELOW) && row_ruled_elsewhere(edges, t, r, c) &&
                ruled_from_side(hmask, row_band[r + 1], t->col_x[c] + inner,
                                t->col_x[c + 1] - inner))
                edges[r * t->ncols + c] |= EDGE_BELOW;
    join_units(parent, edges, t->nrows, t->ncols);
    split_leaks(t, parent, scratch, edges);
    /* One cell per group: the bounding rectangle of its units. */
    int inset = p->thick / 2 + 2;
    for (size_t i = 0; i < units; i++) {
        if (uf_find(parent, (int)i) != (int)i) continue;
        int r0 = t->nrows, r1 = -1, c0 = t->ncols, c1 = -1;
        for (size_t j = 0; j < units; j++) {
            if (uf_find(parent, (int)j) != (int)i) continue;
            int r = (int)j / t->ncols, c = (int)j % t->ncols;
            r0 = imin(r0, r), r1 = imax(r1, r), c0 = imin(c0, c), c1 = imax(c1, c);
        }
        add_cell(t, r0, c0, r1, c1, inset);
    }
    qsort(t->cells, t->ncells, sizeof *t->cells, cmp_cell);
out:
    free(pos);
    free(parent);
    free(scratch);
    free(edges);
    return st;
}

/* Gap between two boxes {x, y, w, h} along one axis (0 when they overlap). */
static int box_gap(const l_int32 *a, const l_int32 *b, int axis)
{
    int a0 = a[axis], a1 = a[axis] + a[axis + 2], b0 = b[axis], b1 = b[axis] + b[axis + 2];
    return imax(0, imax(b0 - a1, a0 - b1));
}

/* The outlines of the tables the rules make: rules that meet (a row rule and a column
 * rule at most tol apart) or continue each other (pieces of one rule) are one table, and
 * a table drawn inside another's outline belongs to it. Two tables printed side by side,
 * or a framed title over a table, share no rule and stay apart however close they are.
 * Caller frees; NULL when out of memory. */
static BOXA *group_rules(BOXA *hboxes, BOXA *vboxes, int tol)
{
    int nh = boxaGetCount(hboxes), n = nh + boxaGetCount(vboxes);
    l_int32 *g = malloc((size_t)(n ? n : 1) * 4 * sizeof *g);
    int *parent = malloc((size_t)(n ? n : 1) * sizeof *parent);
    l_int32 *outline = malloc((size_t)(n ? n : 1) * 4 * sizeof *outline);
    BOXA *groups = NULL;
    if (!g || !parent || !outline) goto out;
    for (int i = 0; i < n; i++) {
        l_int32 *b = &g[4 * i];
        boxaGetBoxGeometry(i < nh ? hboxes : vboxes, i < nh ? i : i - nh, &b[0], &b[1], &b[2],
                           &b[3]);
        parent[i] = i;
    }
    for (int i = 0; i < n; i++)
        for (int j = i + 1; j < n; j++) {
            const l_int32 *a = &g[4 * i], *b = &g[4 * j];
            int gx = box_gap(a, b, 0), gy = box_gap(a, b, 1), same = (i < nh) == (j < nh);
            int along = i < nh ? gx : gy, across = i < nh ? gy : gx;
            if (same ? across <= 1 && along <= tol : gx <= tol && gy <= tol) uf_union(parent, i, j);
        }
    /* Each group's outline, then groups nested in another's outline join it. */
    for (int i = 0; i < n; i++)
        outline[4 * i] = -1;
    for (int i = 0; i < n; i++) {
        int r = uf_find(parent, i);
        l_int32 *o = &outline[4 * r], *b = &g[4 * i];
        if (o[0] < 0) {
            memcpy(o, b, 4 * sizeof *o);
            continue;
        }
        int x1 = imax(o[0] + o[2], b[0] + b[2]), y1 = imax(o[1] + o[3], b[1] + b[3]);
        o[0] = imin(o[0], b[0]), o[1] = imin(o[1], b[1]);
        o[2] = x1 - o[0], o[3] = y1 - o[1];
    }
    /* roots, listed in g (no longer needed) to keep the pass over groups, not rules */
    int *roots = (int *)g, nroots = 0;
    for (int i = 0; i < n; i++)
        if (parent[i] == i) roots[nroots++] = i;
    for (int a = 0; a < nroots; a++)
        for (int b = 0; b < nroots; b++) {
            int i = roots[a], j = roots[b];
            if (i == j || parent[i] != i || parent[j] != j) continue;
            const l_int32 *oa = &outline[4 * i], *ob = &outline[4 * j];
            if (ob[0] >= oa[0] - tol && ob[1] >= oa[1] - tol &&
                ob[0] + ob[2] <= oa[0] + oa[2] + tol && ob[1] + ob[3] <= oa[1] + oa[3] + tol)
                parent[j] = i; /* inside i's outline, which therefore does not grow */
        }
    if (!(groups = boxaCreate(8))) goto out;
    for (int i = 0; i < n; i++) {
        if (parent[i] != i) continue;
        const l_int32 *o = &outline[4 * i];
        BOX *b = boxCreate(o[0], o[1], o[2], o[3]);
        if (!b || boxaAddBox(groups, b, L_INSERT) != 0) {
            boxDestroy(&b);
            boxaDestroy(&groups);
            goto out;
        }
    }
out:
    free(g);
    free(parent);
    free(outline);
    return groups;
}

/* img_find_tables' body: the fill edges are given (borrowed), or found here when NULL. */
static ap_status tables_from_runs_generic(PIX *hruns, PIX *vruns, PIX *ink, img_table **tables,
                                          size_t *ntables, PIX **lines_out, PIX **hlines,
                                          PIX **vlines, ap_error *err);

static ap_status find_tables_generic(PIX *grey, PIX *bg, PIX *fill, PIX *hfill, PIX *vfill,
                                     img_table **tables, size_t *ntables, PIX **lines_out,
                                     PIX **hlines, PIX **vlines, ap_error *err)
{
    ap_status st;
    PIX *bin = NULL, *hruns = NULL, *vruns = NULL, *hown = NULL, *vown = NULL;
    PIX *faint = NULL, *hthin = NULL, *vthin = NULL, *dense = NULL;
    rule_params p = params_for(pixGetWidth(grey), pixGetHeight(grey));
    *tables = NULL;
    *ntables = 0;
    if (lines_out) *lines_out = NULL;
    if (hlines) *hlines = NULL;
    if (vlines) *vlines = NULL;
    if (!hfill || !vfill) {
        if (!img_fill_edges(grey, NULL, NULL, &hown, &vown))
            return ap_fail(err, AP_ERR_PROCESSING, "table: morphology failed");
        hfill = hown, vfill = vown;
    }
    if (!(bin = img_binarize_rules(grey)) || !(dense = dense_ink(bin, &p)) ||
        !(hruns = rule_runs(bin, dense, 1, &p)) || !(vruns = rule_runs(bin, dense, 0, &p)) ||
        !(faint = faint_ink(grey, bg, fill)) || !(hthin = thin_runs(faint, 1, &p)) ||
        !(vthin = thin_runs(faint, 0, &p))) {
        st = ap_fail(err, AP_ERR_PROCESSING, "table: morphology failed");
    } else {
        /* Rules a blurred or shrunk scan lightened: only where no dark rule runs, so
         * that a dark rule's faint halo does not move its line. */
        PIX *hnear = img_dilate_brick(hruns, 1, 2 * p.thick + 1);
        PIX *vnear = img_dilate_brick(vruns, 2 * p.thick + 1, 1);
        if (hnear) pixSubtract(hthin, hthin, hnear);
        if (vnear) pixSubtract(vthin, vthin, vnear);
        pixDestroy(&hnear);
        pixDestroy(&vnear);
        pixOr(hruns, hruns, hthin);
        pixOr(vruns, vruns, vthin);
        /* The edges of cell fills bound cells as rules do. */
        pixOr(hruns, hruns, hfill);
        pixOr(vruns, vruns, vfill);
        st = tables_from_runs_generic(hruns, vruns, bin, tables, ntables, lines_out, hlines, vlines,
                                      err);
    }
    pixDestroy(&bin);
    pixDestroy(&dense);
    pixDestroy(&faint);
    pixDestroy(&hthin);
    pixDestroy(&vthin);
    pixDestroy(&hruns);
    pixDestroy(&vruns);
    pixDestroy(&hown);
    pixDestroy(&vown);
    return st;
}

ap_status img_find_tables(PIX *grey, img_table **tables, size_t *ntables, PIX **lines_out,
                          ap_error *err)
{
    return find_tables_generic(grey, NULL, NULL, NULL, NULL, tables, ntables, lines_out, NULL, NULL,
                               err);
}

ap_status img_find_tables_filled(PIX *grey, PIX *bg, PIX *fill, PIX *hfill, PIX *vfill,
                                 img_table **tables, size_t *ntables, PIX **hlines, PIX **vlines,
                                 ap_error *err)
{
    return find_tables_generic(grey, bg, fill, hfill, vfill, tables, ntables, NULL, hlines, vlines,
                               err);
}

ap_status img_tables_from_runs(PIX *hruns, PIX *vruns, img_table **tables, size_t *ntables,
                               PIX **lines_out, ap_error *err)
{
    return tables_from_runs_generic(hruns, vruns, NULL, tables, ntables, lines_out, NULL, NULL,
                                    err);
}

static ap_status tables_from_runs_generic(PIX *hruns, PIX *vruns, PIX *ink, img_table **tables,
                                          size_t *ntables, PIX **lines_out, PIX **hlines,
                                          PIX **vlines, ap_error *err)
{
    ap_status st = AP_OK;
    PIX *hmask = NULL, *vmask = NULL;
    PIX *all = NULL;
    BOXA *hboxes = NULL, *vboxes = NULL, *outlines = NULL;
    img_table *out = NULL;
    size_t nout = 0;
    *tables = NULL;
    *ntables = 0;
    if (lines_out) *lines_out = NULL;
    if (hlines) *hlines = NULL;
    if (vlines) *vlines = NULL;
    rule_params p = params_for(pixGetWidth(hruns), pixGetHeight(hruns));

    if (!keep_rules(hruns, vruns, ink, &p, &hmask, &vmask, &hboxes, &vboxes)) {
        st = ap_fail(err, AP_ERR_NOMEM, "table: out of memory");
        goto out;
    }
    if (!(all = pixOr(NULL, hmask, vmask)) || !(outlines = group_rules(hboxes, vboxes, p.tol))) {
        st = ap_fail(err, AP_ERR_NOMEM, "table: out of memory");
        goto out;
    }
    /* Largest first, so that callers meet the main table first. */
    BOXA *sorted = boxaSort(outlines, L_SORT_BY_AREA, L_SORT_DECREASING, NULL);
    if (sorted) {
        boxaDestroy(&outlines);
        outlines = sorted;
    }
    int n = imin(boxaGetCount(outlines), IMG_MAX_TABLES);
    out = calloc((size_t)(n ? n : 1), sizeof *out);
    if (!out) {
        st = ap_fail(err, AP_ERR_NOMEM, "table: out of memory");
        goto out;
    }
    for (int i = 0; i < n; i++) {
        BOX *b = boxaGetBox(outlines, i, L_CLONE);
        l_int32 x, y, w, h;
        boxGetGeometry(b, &x, &y, &w, &h);
        if (w < 4 * p.hlen || h < 2 * p.vlen) {
            boxDestroy(&b);
            continue;
        }
        st = build_table(b, hboxes, vboxes, hmask, vmask, &p, &out[nout], err);
        boxDestroy(&b);
        if (st != AP_OK) {
            nout++;
            goto out;
        }
        if (out[nout].ncells >= 2)
            nout++;
        else
            table_clear(&out[nout]);
    }
    if (lines_out) {
        *lines_out = all;
        all = NULL;
    }
    if (hlines) {
        *hlines = hmask;
        hmask = NULL;
    }
    if (vlines) {
        *vlines = vmask;
        vmask = NULL;
    }
out:
    if (st != AP_OK) {
        img_tables_free(out, nout);
        out = NULL;
        nout = 0;
    }
    *tables = out;
    *ntables = nout;
    pixDestroy(&hmask);
    pixDestroy(&vmask);
    pixDestroy(&all);
    boxaDestroy(&hboxes);
    boxaDestroy(&vboxes);
    boxaDestroy(&outlines);
    return st;
}

void img_tables_free(img_table *tables, size_t ntables)
{
    for (size_t i = 0; tables && i < ntables; i++)
        table_clear(&tables[i]);
    free(tables);
}

/* The skew of bin (1 bpp, ink on) and Leptonica's confidence in it; 0 and 0 when the
 * search fails. fine sweeps at half resolution and searches at full (pixFindSkew's
 * quarter and half): surer on a page of few text lines, but on pages it is sure of
 * anyway its angle, 0.03 degrees nearer the truth on generated pages, read no better
 * (seed 21: as many cells misread as mended by the slightly other resampling). */
static void skew_of(PIX *bin, int fine, float *angle, float *conf)
{
    if (!bin ||
        pixFindSkewSweepAndSearch(bin, angle, conf, fine ? 2 : 4, fine ? 1 : 2, DESKEW_SWEEP_RANGE,
                                  DESKEW_SWEEP_DELTA, DESKEW_MIN_DELTA) != 0)
        *angle = 0, *conf = 0;
}

PIX *img_deskew(PIX *grey, float *angle_out)
{
    float angle = 0, conf = 0;
    PIX *bin = img_threshold(grey, 160);
    skew_of(bin, 0, &angle, &conf);
    if (conf < DESKEW_MIN_CONFIDENCE) {
        /* Few or short text lines (lists, a page of wide fills) leave the search unsure:
         * looked at closer, and then with the horizontal edges, which add the rules' and
         * the fills' own edges (long straight evidence the threshold drops when fills
         * are light). The surest of the three is kept. */
        float fangle = 0, fconf = 0, eangle = 0, econf = 0;
        skew_of(bin, 1, &fangle, &fconf);
        if (fconf > conf) angle = fangle, conf = fconf;
        PIX *edges = pixSobelEdgeFilter(grey, L_HORIZONTAL_EDGES);
        PIX *ebin = edges ? img_threshold(edges, DESKEW_EDGE_STEP) : NULL;
        if (ebin && pixInvert(ebin, ebin)) skew_of(ebin, 1, &eangle, &econf);
        if (econf > conf) angle = eangle, conf = econf;
        pixDestroy(&edges);
        pixDestroy(&ebin);
    }
    pixDestroy(&bin);
    if (angle_out) *angle_out = angle;
    if (conf < DESKEW_MIN_CONFIDENCE || fabsf(angle) < 0.15f) return pixClone(grey);
    PIX *rotated =
        pixRotate(grey, (float)(M_PI / 180.0) * angle, L_ROTATE_AREA_MAP, L_BRING_IN_WHITE, 0, 0);
    return rotated ? rotated : pixClone(grey);
}

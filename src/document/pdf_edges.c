/* pdf_edges: edges of a table that its text's alignment shows where no rule is drawn
 * (document/pdf_internal.h): a header row standing apart above it, a coloured cell's
 * edge as a row's, a column its centred text sets apart in a merged cell, a break centred
 * over the days that no column edge parts, two lessons stacked in one cell. The rules
 * themselves are added by pdf_layout.c. */
#include <math.h>
#include <stdlib.h>

#include "document/pdf_internal.h"

/* Whether run b crosses one of the table's inner column edges. */
static int crosses_column(const img_table *tb, float s, const pdf_cbox *b)
{
    for (int k = 1; k < tb->ncols; k++) {
        float x = tb->col_x[k] / s;
        if (b->x0 < x - 0.5f && b->x1 > x + 0.5f) return 1;
    }
    return 0;
}

/* The top of a header row of times or days standing apart above table tb, neither ruled
 * nor near (a tall header row with its times centred in it, days set a gap above the
 * body): the text right of L reaching within 6 em above the table (all of it: a time set
 * up the page may start higher), each run inside one of its columns but a time or a day
 * (a header cell over a column the body splits), times or day names in two columns or
 * more (letters, "M", "Tu", in three). Read from the table upwards, another run across a
 * column edge wholly above what was read is a title over the table: the band stops
 * under it. Returns Y0, the table's top, when there is no such row. */
float pdf_apart_header(const img_table *tables, size_t ntables, const img_table *tb, float s,
                       const pdf_cbox *b, size_t n, float L, float em)
{
    float X1 = tb->col_x[tb->ncols] / s, Y0 = tb->row_y[0] / s;
    float band_top = Y0;
    int times = 0, days = 0, letters = 0;
    /* runs read bottom first: by (y1, index) down from the last one read */
    float at_y = INFINITY;
    size_t at_i = 0;
    for (;;) {
        size_t next = n;
        for (size_t i = 0; i < n; i++) {
            float cx = (b[i].x0 + b[i].x1) / 2, cy = (b[i].y0 + b[i].y1) / 2;
            if (cx <= L || cx >= X1 || b[i].y1 > Y0 + 1 || b[i].y1 < Y0 - 6 * em ||
                b[i].y1 > at_y || (b[i].y1 == at_y && i >= at_i))
                continue;
            if (next < n && (b[i].y1 < b[next].y1 || (b[i].y1 == b[next].y1 && i < next))) continue;
            if (!pdf_inside_tables(tables, ntables, s, cx, cy)) next = i;
        }
        if (next == n) break;
        at_y = b[next].y1, at_i = next;
        if (!(b[next].flags & (RUN_TIME | RUN_DAY)) && crosses_column(tb, s, &b[next])) {
            if (b[next].y1 <= band_top) break; /* a title above the band */
            return Y0;                         /* a run across the header's columns */
        }
        times += (b[next].flags & RUN_TIME) != 0;
        days += (b[next].flags & RUN_DAY) != 0;
        letters += (b[next].flags & RUN_DAY_LETTERS) != 0;
        band_top = fminf(band_top, b[next].y0);
    }
    return times >= 2 || days >= 2 || letters >= 3 ? band_top - 2 : Y0;
}

/* A row boundary at y between two lines of text moves to the top or bottom edge of a
 * coloured cell in [X0, X1] that lies in the same gap (no text between them), the
 * nearest one: the cell's edge is the row's, and a boundary a little off it would
 * leave a sliver of a row between them. */
float pdf_fill_edge_near(const pdf_collector *c, const pdf_cbox *b, size_t n, float X0, float X1,
                         float y)
{
    float best = y;
    for (size_t f = 0; f < c->nfills; f++) {
        const fz_rect *fr = &c->fills[f];
        float x0 = fr->x0 - c->page.x0, x1 = fr->x1 - c->page.x0;
        if (x1 <= X0 || x0 >= X1) continue;
        for (int side = 0; side < 2; side++) {
            float e = (side ? fr->y1 : fr->y0) - c->page.y0;
            if (fabsf(e - y) >= fabsf(best - y) && best != y) continue;
            float lo = fminf(e, y), hi = fmaxf(e, y);
            int between = 0;
            for (size_t i = 0; i < n && !between; i++) {
                float cx = (b[i].x0 + b[i].x1) / 2;
                between = cx > X0 && cx < X1 && b[i].y0 < hi && b[i].y1 > lo;
            }
            if (!between) best = e;
        }
    }
    return best;
}

/* Whether no text of the page (a box's centre) lies in cell o of tb. */
static int cell_empty(const pdf_cbox *b, size_t n, const img_table *tb, float s, const img_cell *o)
{
    float x0 = tb->col_x[o->col] / s, x1 = tb->col_x[o->col + o->ncols] / s;
    float y0 = tb->row_y[o->row] / s, y1 = tb->row_y[o->row + o->nrows] / s;
    for (size_t i = 0; i < n; i++) {
        float cx = (b[i].x0 + b[i].x1) / 2, cy = (b[i].y0 + b[i].y1) / 2;
        if (cx > x0 && cx < x1 && cy > y0 && cy < y1) return 0;
    }
    return 1;
}

/* The columns [*lo, *hi) of the one-row cell ic widened over the empty one-row cells
 * beside it in its row, the first column (the times' or the days' labels, its header
 * corner often empty) left out: a break ruled across the days whose cell an earlier
 * split cut at an inner edge is still centred on that whole span. */
static void row_span(const pdf_cbox *b, size_t n, const img_table *tb, float s,
                     const img_cell *ic, int *lo, int *hi)
{
    *lo = ic->col, *hi = ic->col + ic->ncols;
    for (int grown = 1; grown;) {
        grown = 0;
        for (size_t k = 0; k < tb->ncells; k++) {
            const img_cell *o = &tb->cells[k];
            if (o->row != ic->row || o->nrows != 1 || o->col == 0 ||
                (o->col + o->ncols != *lo && o->col != *hi))
                continue;
            if (!cell_empty(b, n, tb, s, o)) continue;
            if (o->col == *hi)
                *hi = o->col + o->ncols;
            else
                *lo = o->col;
            grown = 1;
        }
    }
}

/* Whether the text of the one-row cell ic (of tb) lies wholly on one side of its inner lattice
 * edge q, inside one column there and centred on it, well off the centre of the cell and
 * the empty cells beside it in its row (row_span): text is centred in its cell, so the
 * cell was merged only because no rule parts it there (a day's name in a header whose
 * rule after the times column is drawn in the body alone). A word centred on a cell of
 * several columns lies in its middle one, but on the cell's centre too. */
int pdf_centred_in_column(const pdf_cbox *b, size_t n, const img_table *tb, float s,
                          const img_cell *ic, int q)
{
    float x0 = tb->col_x[ic->col] / s, x1 = tb->col_x[ic->col + ic->ncols] / s;
    float y0 = tb->row_y[ic->row] / s, y1 = tb->row_y[ic->row + 1] / s;
    float tx0 = INFINITY, tx1 = -INFINITY;
    for (size_t i = 0; i < n; i++) {
        float cx = (b[i].x0 + b[i].x1) / 2, cy = (b[i].y0 + b[i].y1) / 2;
        if (cx <= x0 || cx >= x1 || cy <= y0 || cy >= y1) continue;
        tx0 = fminf(tx0, b[i].x0), tx1 = fmaxf(tx1, b[i].x1);
    }
    float x = tb->col_x[q] / s;
    if (!isfinite(tx0) || (tx0 < x && tx1 > x)) return 0;
    int lo, hi;
    row_span(b, n, tb, s, ic, &lo, &hi);
    float w0 = tb->col_x[lo] / s, w1 = tb->col_x[hi] / s;
    for (int k = ic->col; k < ic->col + ic->ncols; k++) {
        float a = tb->col_x[k] / s, z = tb->col_x[k + 1] / s;
        if (tx0 < a || tx1 > z) continue;
        float tc = (tx0 + tx1) / 2;
        return fabsf(tc - (a + z) / 2) < 0.1f * (z - a) &&
               fabsf(tc - (w0 + w1) / 2) > 0.15f * (w1 - w0);
    }
    return 0;
}

/* Whether the text of the row [y0, y1] between L and R (the columns after the first:
 * the days) is one piece that crosses one of the gutters gut[0..ngut) between them,
 * centred on them (within 5% of their width): a break set across the days as plain
 * text, with no fill or rule of its own, is every day's, not only those of the columns
 * its words happen to cross. One piece: every gutter inside its extent is crossed by a
 * run (cells side by side leave one gutter clear); or, inside one column, off its centre
 * (a word centred on that column is its own). */
static int centred_across(const pdf_cbox *b, size_t n, float y0, float y1, float L, float R,
                          const float *gut, int ngut)
{
    float ux0 = R, ux1 = L;
    for (size_t i = 0; i < n; i++) {
        float cx = (b[i].x0 + b[i].x1) / 2, cy = (b[i].y0 + b[i].y1) / 2;
        if (cy <= y0 || cy >= y1 || cx <= L || cx >= R) continue;
        ux0 = fminf(ux0, b[i].x0);
        ux1 = fmaxf(ux1, b[i].x1);
    }
    if (ux0 >= ux1 || fabsf((ux0 + ux1) / 2 - (L + R) / 2) > 0.05f * (R - L)) return 0;
    int crossed = 0;
    for (int g = 0; g < ngut; g++) {
        if (gut[g] <= ux0 || gut[g] >= ux1) continue;
        int by_run = 0;
        for (size_t i = 0; i < n && !by_run; i++) {
            float cy = (b[i].y0 + b[i].y1) / 2;
            by_run = cy > y0 && cy < y1 && b[i].x0 < gut[g] - 0.5f && b[i].x1 > gut[g] + 0.5f;
        }
        if (!by_run) return 0;
        crossed = 1;
    }
    if (crossed) return 1;
    /* inside one column: a word short enough to miss the edges ("Lunch") is the days'
     * when it stands well off that column's own centre (more than 0.15 of its width) */
    float cl = L, cr = R, mid = (ux0 + ux1) / 2;
    for (int g = 0; g < ngut; g++) {
        if (gut[g] <= mid && gut[g] > cl) cl = gut[g];
        if (gut[g] > mid && gut[g] < cr) cr = gut[g];
    }
    return fabsf(mid - (cl + cr) / 2) > 0.15f * (cr - cl);
}

/* Whether row r of cell ic, which spans every column after the first (the days), holds
 * one piece of text across their edges, centred on them (centred_across): a break
 * set as plain text over the days, every day's. */
static int centred_across_days(const img_table *tb, float s, const img_cell *ic, int r,
                               const pdf_cbox *b, size_t n)
{
    float edges[64]; /* a timetable has far fewer columns; more are not looked at */
    int ne = 0;
    if (ic->col != 1 || ic->col + ic->ncols != tb->ncols || ic->ncols < 2) return 0;
    for (int q = ic->col + 1; q < tb->ncols && ne < 64; q++)
        edges[ne++] = tb->col_x[q] / s;
    return centred_across(b, n, tb->row_y[r] / s, tb->row_y[r + 1] / s,
                          tb->col_x[ic->col] / s, tb->col_x[tb->ncols] / s, edges, ne);
}

/* A column rule at x down cell ic, left out of its rows that a break centred across the
 * days fills (centred_across_days). */
void pdf_column_rule(pdf_collector *c, const img_table *tb, float s, const img_cell *ic,
                     float x, const pdf_cbox *b, size_t n)
{
    int from = ic->row;
    for (int r = ic->row; r <= ic->row + ic->nrows; r++) {
        int end = r == ic->row + ic->nrows;
        if (!end && !centred_across_days(tb, s, ic, r, b, n)) continue;
        if (r > from) pdf_add_rule(c, x, tb->row_y[from] / s, x, tb->row_y[r] / s, 0.5f, 0);
        from = r + 1;
    }
}

static int cmp_box_top(const void *a, const void *b)
{
    float x = ((const pdf_cbox *)a)->y0, y = ((const pdf_cbox *)b)->y0;
    return (x > y) - (x < y);
}

/* Where a cell [x0, x1] x [y0, y1] holds two lessons stacked, each printing its own time:
 * exactly two runs that are times and nothing else, one above the other, and text that is
 * not a time on both sides of the widest gap between lines from the first time's middle
 * to the second's (the gap between the lessons, whether each prints its time over or
 * under its name). Returns the middle of that gap, or NAN. A start time over the name
 * and an end time under it leave no name on one side. */
float pdf_stacked_times(const pdf_cbox *b, size_t n, float x0, float y0, float x1, float y1)
{
    pdf_cbox in[64];
    int nin = 0, nt = 0;
    float tc[2];
    for (size_t i = 0; i < n; i++) {
        float cx = (b[i].x0 + b[i].x1) / 2, cy = (b[i].y0 + b[i].y1) / 2;
        if (cx <= x0 || cx >= x1 || cy <= y0 || cy >= y1) continue;
        if (b[i].rotated || nin == 64) return NAN;
        in[nin++] = b[i];
        if (!(b[i].flags & RUN_TIME)) continue;
        if (nt == 2) return NAN;
        tc[nt++] = cy;
    }
    if (nt < 2) return NAN;
    qsort(in, (size_t)nin, sizeof *in, cmp_box_top);
    float c0 = fminf(tc[0], tc[1]), c1 = fmaxf(tc[0], tc[1]), cur = c0, gap = 0, at = NAN;
    for (int i = 0; i <= nin; i++) {
        float top = i < nin ? fminf(in[i].y0, c1) : c1;
        if (i < nin && in[i].y1 <= c0) continue;
        if (top - cur > gap) gap = top - cur, at = (top + cur) / 2;
        if (i < nin) cur = fmaxf(cur, in[i].y1);
    }
    if (isnan(at)) return NAN;
    int above = 0, below = 0;
    for (int i = 0; i < nin; i++) {
        if (in[i].flags & RUN_TIME) continue;
        above |= in[i].y1 <= at;
        below |= in[i].y0 >= at;
    }
    return above && below ? at : NAN;
}

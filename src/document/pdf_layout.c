/* pdf_layout: rules a PDF page's text implies where the drawn ones stop short
 * (document/pdf_internal.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "document/pdf_internal.h"
#include "document/timeparse.h"

/* ---- completing the lattice from the text ---- */

/* Many timetables rule only part of the grid: coloured cells without borders leave the
 * header row and the day column outside every rule, and "rows only" styles draw no
 * column rules at all. The text shows where the missing rules would run, so rules are
 * added where text lies beside a table:
 *   - a label column: text left of the table, within its rows, gets a column of its own,
 *     cut at the table's row rules wherever no text crosses them;
 *   - a header row: text just above the table (each line within a line's gap of the one
 *     below it, or up to a rule drawn across the table) gets a row of its own, cut at
 *     the table's column rules wherever no text crosses them;
 *   - a table without any column rule gets one at each gap in the text that runs down
 *     most of its rows, drawn in the rows where no text crosses it;
 *   - a frame without inner rules, and a page whose text no ruled table holds (a table
 *     aligned by whitespace alone), get rows from the gaps between lines and columns
 *     from those gaps (pdf_text_grid);
 *   - a header row ruled over its top but not at its sides (a rule over the day columns
 *     alone) runs from that rule down to the table, however tall it is;
 *   - lists side by side with nothing around each (see "lists side by side") get a table
 *     each from their text, and one table drawn around several lists is cut into one
 *     per list (pdf_split_lists);
 *   - a cell merged only because no rule parts it is split where its text is parted in
 *     step with the lattice (pdf_split_merged);
 *   - rows that the rules leave out below a table, once its columns stand (rows_below).
 * Text counts as runs (the words of one line are one box), so no implied rule cuts a
 * line of a cell's text. The lattice is then built again from all the rules. */

/* Whether any character box in [y0, y1) x [x0, x1) crosses the vertical line at x. */
static int crosses_v(const pdf_cbox *b, size_t n, float x, float y0, float y1)
{
    for (size_t i = 0; i < n; i++) {
        float cy = (b[i].y0 + b[i].y1) / 2;
        if (cy > y0 && cy < y1 && b[i].x0 < x - 0.5f && b[i].x1 > x + 0.5f) return 1;
    }
    return 0;
}

static int crosses_h(const pdf_cbox *b, size_t n, float y, float x0, float x1)
{
    for (size_t i = 0; i < n; i++) {
        float cx = (b[i].x0 + b[i].x1) / 2;
        if (cx > x0 && cx < x1 && b[i].y0 < y - 0.5f && b[i].y1 > y + 0.5f) return 1;
    }
    return 0;
}

int pdf_inside_tables(const img_table *tables, size_t ntables, float s, float x, float y)
{
    for (size_t t = 0; t < ntables; t++) {
        const img_table *tb = &tables[t];
        if (x * s >= tb->col_x[0] && x * s < tb->col_x[tb->ncols] && y * s >= tb->row_y[0] &&
            y * s < tb->row_y[tb->nrows])
            return 1;
    }
    return 0;
}

int pdf_cmp_float(const void *a, const void *b)
{
    float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

#define MAX_GUTTERS   64
#define MAX_TEXT_ROWS 256

/* Whether a coloured cell (one cell, never split) covers point (x, y) and reaches past
 * the line through it: across x when vertical, across y when not. */
static int in_fill(const pdf_collector *c, int vertical, float at, float x, float y)
{
    for (size_t f = 0; f < c->nfills; f++) {
        const fz_rect *fr = &c->fills[f];
        float x0 = fr->x0 - c->page.x0, x1 = fr->x1 - c->page.x0;
        float y0 = fr->y0 - c->page.y0, y1 = fr->y1 - c->page.y0;
        if (vertical ? x0 < at - 2 && x1 > at + 2 && y0 < y && y1 > y
                     : y0 < at - 2 && y1 > at + 2 && x0 < x && x1 > x)
            return 1;
    }
    return 0;
}

/* Column gutters of [X0, X1] over the rows row_y[0..nrows] (points): x positions where,
 * in most rows with text, no character lies, and that do part text in some row (a strip
 * free beside centred text inside one column parts nothing). A column edge the lattice
 * already has inside a gap (a fill's side, col_x in points) wins. Returns the count. */
static int find_gutters(const pdf_cbox *b, size_t n, float X0, float X1, const float *row_y,
                        int nrows, const float *col_x, int ncols, float *gut)
{
    int rows_with_text = 0, ngut = 0;
    if (nrows < 2 || X1 - X0 < 40) return 0;
    int width = (int)ceilf(X1 - X0) + 1;
    unsigned short *free_rows = calloc((size_t)width, sizeof *free_rows);
    unsigned short *parts = calloc((size_t)width, sizeof *parts);
    unsigned char *ink = malloc((size_t)width);
    if (!free_rows || !parts || !ink) goto out;
    for (int r = 0; r < nrows; r++) {
        float y0 = row_y[r], y1 = row_y[r + 1];
        memset(ink, 0, (size_t)width);
        int any = 0;
        for (size_t i = 0; i < n; i++) {
            float cy = (b[i].y0 + b[i].y1) / 2, cx = (b[i].x0 + b[i].x1) / 2;
            /* a word set down the page is ink in every row it runs through; one running
             * past X0 or X1 is a cell's that spans this stretch's side, not its text */
            int in_row = b[i].rotated ? b[i].y0 < y1 && b[i].y1 > y0 : cy > y0 && cy < y1;
            if (!in_row || cx <= X0 || cx >= X1 || b[i].x0 < X0 - 1 || b[i].x1 > X1 + 1) continue;
            any = 1;
            int a = (int)floorf(b[i].x0 - X0) - 1, z = (int)ceilf(b[i].x1 - X0) + 1;
            for (int x = a < 0 ? 0 : a; x < z && x < width; x++)
                ink[x] = 1;
        }
        if (!any) continue;
        rows_with_text++;
        /* free x with ink on both sides in this row parts text here */
        int first = -1, last = -1;
        for (int x = 0; x < width; x++)
            if (ink[x]) {
                if (first < 0) first = x;
                last = x;
            }
        for (int x = 0; x < width; x++) {
            free_rows[x] += !ink[x];
            parts[x] += !ink[x] && x > first && x < last;
        }
    }
    if (rows_with_text < 2) goto out;
    /* runs of x free in at least 60% of the rows with text, with text on both sides, two
     * points wide or more: runs already join the words of a phrase (pdf_char_boxes), so a
     * narrow strip between runs (a row number close to its time) is a gutter too */
    int need = (rows_with_text * 3 + 4) / 5;
    int first_ink = -1, last_ink = -1;
    for (int x = 0; x < width; x++)
        if (free_rows[x] < rows_with_text) {
            if (first_ink < 0) first_ink = x;
            last_ink = x;
        }
    for (int x = first_ink + 1; x < last_ink && ngut < MAX_GUTTERS;) {
        if (free_rows[x] < need) {
            x++;
            continue;
        }
        int a = x, most = 0, parted = 0;
        while (x < last_ink && free_rows[x] >= need) {
            most = free_rows[x] > most ? free_rows[x] : most;
            parted = parts[x] > parted ? parts[x] : parted;
            x++;
        }
        if (x - a < 2 || !parted) continue;
        /* a gutter in the middle of each stretch free in the most rows, where text in
         * two rows or more stands between two such stretches (a narrow column: a
         * rotated word under its rotated time); text of one row there is a cell that
         * spans the gutter, which then runs through the middle of the run */
        int before = ngut, dip = 0, from = -1, to = -1;
        for (int k = a; k < x; k++) {
            if (free_rows[k] != most) {
                dip = most - free_rows[k] > dip ? most - free_rows[k] : dip;
                continue;
            }
            int e = k;
            while (e + 1 < x && free_rows[e + 1] == most)
                e++;
            if (e - k >= 2) {
                if (from >= 0 && dip >= 2 && ngut < MAX_GUTTERS) {
                    gut[ngut++] = X0 + (float)(from + to) / 2;
                    from = -1;
                }
                if (from < 0) from = k;
                to = e;
                dip = 0;
            }
            k = e;
        }
        if (from >= 0 && ngut < MAX_GUTTERS) gut[ngut++] = X0 + (float)(from + to) / 2;
        if (ngut == before) gut[ngut++] = X0 + (float)(a + x) / 2;
        /* a column edge the lattice already has inside the run takes the nearest one */
        for (int k = 1; k < ncols; k++) {
            if (col_x[k] < X0 + (float)a || col_x[k] > X0 + (float)x) continue;
            int near = before;
            for (int g = before + 1; g < ngut; g++)
                if (fabsf(gut[g] - col_x[k]) < fabsf(gut[near] - col_x[k])) near = g;
            gut[near] = col_x[k];
        }
    }
out:
    free(free_rows);
    free(parts);
    free(ink);
    return ngut;
}

/* Whether any text's centre lies in [x0, x1] x [y0, y1]. */
static int text_in(const pdf_cbox *b, size_t n, float x0, float x1, float y0, float y1)
{
    for (size_t i = 0; i < n; i++) {
        float cx = (b[i].x0 + b[i].x1) / 2, cy = (b[i].y0 + b[i].y1) / 2;
        if (cx > x0 && cx < x1 && cy > y0 && cy < y1) return 1;
    }
    return 0;
}

/* Whether text in the row [y0, y1] of the stretch [X0, X1] lies on both sides of x. */
static int text_both_sides(const pdf_cbox *b, size_t n, float x, float X0, float X1, float y0,
                           float y1)
{
    int left = 0, right = 0;
    for (size_t i = 0; i < n && !(left && right); i++) {
        float cx = (b[i].x0 + b[i].x1) / 2, cy = (b[i].y0 + b[i].y1) / 2;
        if (cy <= y0 || cy >= y1 || cx <= X0 || cx >= X1) continue;
        left |= cx < x;
        right |= cx > x;
    }
    return left && right;
}

/* Column rules for the columns [k0, k1) of a table that has none there: each gutter
 * becomes a rule in the rows it does not cross, unless one coloured cell spans it there
 * (a Break row stays one). Inside one drawn column (k1 == k0 + 1), a gutter that parts
 * neither the first row's text (one header time over the column) nor the text of most
 * rows is no column's edge: it splits only the rows where it parts text from the text up
 * to the next gutters (split cells), and a cell whose text stands on one side of it is
 * still the whole column's. One that parts most rows is an edge even where the first row
 * is empty on one side (the empty corner over a column of times). */
static void gutter_rules(pdf_collector *c, const img_table *tb, float s, const pdf_cbox *b,
                         size_t n, int k0, int k1)
{
    float X0 = tb->col_x[k0] / s, X1 = tb->col_x[k1] / s;
    int nrows = tb->nrows;
    float gut[MAX_GUTTERS];
    float *row_y = malloc((size_t)(nrows + 1) * sizeof *row_y);
    float *col_x = malloc((size_t)(tb->ncols + 1) * sizeof *col_x);
    if (!row_y || !col_x) goto out;
    for (int r = 0; r <= nrows; r++)
        row_y[r] = tb->row_y[r] / s;
    for (int k = 0; k <= tb->ncols; k++)
        col_x[k] = tb->col_x[k] / s;
    int ngut = find_gutters(b, n, X0, X1, row_y, nrows, col_x, tb->ncols, gut);
    int head = -1; /* the first row holding text here */
    for (int r = 0; r < nrows && head < 0; r++)
        if (text_in(b, n, X0, X1, row_y[r], row_y[r + 1])) head = r;
    for (int g = 0; g < ngut; g++) {
        float lo = X0, hi = X1; /* the neighbouring gutters */
        for (int k = 0; k < ngut; k++) {
            if (gut[k] < gut[g] && gut[k] > lo) lo = gut[k];
            if (gut[k] > gut[g] && gut[k] < hi) hi = gut[k];
        }
        /* a gutter parting the first row's text (the header's times) is a column's edge */
        int edge = k1 > k0 + 1 || (head >= 0 && text_both_sides(b, n, gut[g], lo, hi, row_y[head],
                                                                row_y[head + 1]));
        int parted = 0, with_text = 0;
        for (int r = 0; r < nrows && !edge; r++) {
            with_text += text_in(b, n, lo, hi, row_y[r], row_y[r + 1]);
            parted += text_both_sides(b, n, gut[g], lo, hi, row_y[r], row_y[r + 1]);
        }
        edge = edge || 2 * parted > with_text;
        for (int r = 0; r < nrows; r++) {
            float y0 = row_y[r], y1 = row_y[r + 1];
            if (!in_fill(c, 1, gut[g], 0, (y0 + y1) / 2) && !crosses_v(b, n, gut[g], y0, y1) &&
                (edge || text_both_sides(b, n, gut[g], lo, hi, y0, y1)))
                pdf_add_rule(c, gut[g], y0, gut[g], y1, 0.5f, 0);
        }
    }
out:
    free(row_y);
    free(col_x);
}

typedef struct band {
    float y0, y1, size;
} band;

static int cmp_band(const void *a, const void *b)
{
    const band *x = a, *y = b;
    return (x->y0 > y->y0) - (x->y0 < y->y0);
}

/* Whether band k is parted from band k - 1 by a gap, however narrow, one pitch below it
 * (within a fifth). */
static int pitch_step(const band *b, size_t k, float pitch)
{
    return b[k].y0 > b[k - 1].y1 && fabsf(b[k].y0 - b[k - 1].y0 - pitch) < 0.2f * pitch;
}

/* Whether the gap before band i (of m, merged and sorted) is one of a run of at least
 * four such steps at one pitch: rows of a list set close, whose row numbers or times
 * nearly touch, where a paragraph's lines would overlap and a cell's lines would not
 * repeat so evenly. */
static int in_row_run(const band *b, size_t m, size_t i)
{
    float pitch = b[i].y0 - b[i - 1].y0;
    if (!pitch_step(b, i, pitch)) return 0;
    size_t lo = i, hi = i;
    while (lo > 1 && pitch_step(b, lo - 1, pitch))
        lo--;
    while (hi + 1 < m && pitch_step(b, hi + 1, pitch))
        hi++;
    return hi - lo + 1 >= 4;
}

/* Row boundaries of [X0, X1] x [Y0, Y1] from its text (points): the characters running
 * across the page, whose boxes overlap, make one band (the lines of one paragraph touch:
 * their boxes span the font's ascent and descent); a boundary lies in the middle of
 * each gap between bands that is wider than 0.4 of the smaller text's size (a gap a
 * paragraph does not leave), or that is one of a run of even gaps (in_row_run). Writes
 * up to max positions to ys; returns the count. */
static int text_row_bounds(const pdf_cbox *b, size_t n, float X0, float Y0, float X1, float Y1,
                           float *ys, int max)
{
    band *bands = malloc((n ? n : 1) * sizeof *bands);
    int nys = 0;
    size_t nb = 0;
    if (!bands) return 0;
    for (size_t i = 0; i < n; i++) {
        float cx = (b[i].x0 + b[i].x1) / 2, cy = (b[i].y0 + b[i].y1) / 2;
        if (!b[i].rotated && cx > X0 && cx < X1 && cy > Y0 && cy < Y1)
            bands[nb++] = (band){b[i].y0, b[i].y1, b[i].size};
    }
    qsort(bands, nb, sizeof *bands, cmp_band);
    size_t m = 0;
    for (size_t i = 0; i < nb; i++) {
        if (m && bands[i].y0 < bands[m - 1].y1) {
            bands[m - 1].y1 = fmaxf(bands[m - 1].y1, bands[i].y1);
            bands[m - 1].size = fmaxf(bands[m - 1].size, bands[i].size);
        } else {
            bands[m++] = bands[i];
        }
    }
    for (size_t i = 1; i < m && nys < max; i++) {
        float gap = bands[i].y0 - bands[i - 1].y1;
        if (gap > 0.4f * fminf(bands[i].size, bands[i - 1].size) || in_row_run(bands, m, i))
            ys[nys++] = (bands[i - 1].y1 + bands[i].y0) / 2;
    }
    free(bands);
    return nys;
}

/* A table without inner rules (a frame, a panel, or text aligned on the page alone):
 * rows from its text's baselines, columns from gutters in its text, each inner rule
 * drawn only where no text crosses it and no coloured cell spans it, so a cell merged
 * across rows or columns (a rotated "Lunch", a double lesson) stays one. */
/* Columns of the row [y0, y1) between gutters gut[0..ngut+1] that hold text; *runs: the
 * text runs in it. */
static int row_columns(const pdf_cbox *b, size_t n, float y0, float y1, const float *gut, int ngut,
                       int *runs)
{
    int cols = 0;
    *runs = 0;
    for (int g = 0; g <= ngut; g++) {
        int any = 0;
        for (size_t i = 0; i < n; i++) {
            float cx = (b[i].x0 + b[i].x1) / 2, cy = (b[i].y0 + b[i].y1) / 2;
            if (cy > y0 && cy < y1 && cx > gut[g] && cx < gut[g + 1]) any = 1, ++*runs;
        }
        cols += any;
    }
    return cols;
}

void pdf_text_grid(pdf_collector *c, float X0, float Y0, float X1, float Y1, const pdf_cbox *b,
                   size_t n, int trim, const float *edges, int nedges)
{
    float row_y[MAX_TEXT_ROWS + 2], gut[MAX_GUTTERS + 2];
    int nb = text_row_bounds(b, n, X0, Y0, X1, Y1, row_y + 1, MAX_TEXT_ROWS);
    row_y[0] = Y0;
    row_y[nb + 1] = Y1;
    int nrows = nb + 1;
    for (int r = 1; r <= nb; r++)
        row_y[r] = pdf_fill_edge_near(c, b, n, X0, X1, row_y[r]);
    float sides[2] = {X0, X1};
    if (!edges) edges = sides, nedges = 1;
    int ngut = find_gutters(b, n, X0, X1, row_y, nrows, edges, nedges, gut + 1);
    gut[0] = X0;
    gut[ngut + 1] = X1;
    /* Text aligned by whitespace alone has no outline: lines above it with text in
     * fewer than half its columns (a title, "Teacher: ...") and single lines below it
     * (a footer) are the page's, not the table's. */
    int first = 0, last = nrows - 1, runs = 0;
    while (trim && first < last &&
           2 * row_columns(b, n, row_y[first], row_y[first + 1], gut, ngut, &runs) < ngut + 1)
        first++;
    while (trim && last > first &&
           row_columns(b, n, row_y[last], row_y[last + 1], gut, ngut, &runs) <= 1 && runs <= 1)
        last--;
    if (first > 0 || last < nrows - 1) {
        memmove(row_y, row_y + first, (size_t)(last - first + 2) * sizeof *row_y);
        nrows = last - first + 1;
        Y0 = row_y[0];
        Y1 = row_y[nrows];
    }
    pdf_add_rule(c, X0, Y0, X1, Y0, 0.5f, 1);
    pdf_add_rule(c, X0, Y1, X1, Y1, 0.5f, 1);
    pdf_add_rule(c, X0, Y0, X0, Y1, 0.5f, 0);
    pdf_add_rule(c, X1, Y0, X1, Y1, 0.5f, 0);
    for (int g = 1; g <= ngut; g++)
        for (int r = 0; r < nrows; r++) {
            float y0 = row_y[r], y1 = row_y[r + 1];
            if (!in_fill(c, 1, gut[g], 0, (y0 + y1) / 2) && !crosses_v(b, n, gut[g], y0, y1))
                pdf_add_rule(c, gut[g], y0, gut[g], y1, 0.5f, 0);
        }
    for (int r = 1; r < nrows; r++)
        for (int g = 0; g <= ngut; g++) {
            float x0 = gut[g], x1 = gut[g + 1];
            if (!in_fill(c, 0, row_y[r], (x0 + x1) / 2, 0) && !crosses_h(b, n, row_y[r], x0, x1))
                pdf_add_rule(c, x0, row_y[r], x1, row_y[r], 0.5f, 1);
        }
}

typedef struct hseg {
    float x0, x1, y;
} hseg;

static int cmp_hseg(const void *a, const void *b)
{
    const hseg *x = a, *y = b;
    if (x->y != y->y) return (x->y > y->y) - (x->y < y->y);
    return (x->x0 > y->x0) - (x->x0 < y->x0);
}

/* The drawn horizontal rules with the pieces of one line that touch joined into one (a
 * row rule drawn one cell at a time is one rule), top to bottom. Caller frees *out;
 * sets c->oom and returns 0 when out of memory. */
static size_t joined_hrules(pdf_collector *c, hseg **out)
{
    hseg *v = malloc((c->nrules ? c->nrules : 1) * sizeof *v);
    size_t n = 0, m = 0;
    *out = v;
    if (!v) {
        c->oom = 1;
        return 0;
    }
    for (size_t i = 0; i < c->nrules; i++)
        if (c->rules[i].drawn && c->rules[i].horizontal)
            v[n++] = (hseg){c->rules[i].x0, c->rules[i].x1, c->rules[i].y0};
    qsort(v, n, sizeof *v, cmp_hseg);
    for (size_t i = 0; i < n; i++) {
        if (m && fabsf(v[i].y - v[m - 1].y) <= 0.5f && v[i].x0 <= v[m - 1].x1 + 1) {
            v[m - 1].x1 = fmaxf(v[m - 1].x1, v[i].x1);
            continue;
        }
        v[m++] = v[i];
    }
    return m;
}

/* Horizontal rules drawn with the same ends, stacked down the page (a table ruled in rows
 * only) are one table: its sides are rules too, so the rows hold together. A column of
 * day names ruled one cell at a time is such a stack on its own, its rules as short as
 * the names (85 points on A4): 50 points lets it close, so text set in the next column
 * down all the days (a register) stays out of the days. */
void pdf_close_row_tables(pdf_collector *c)
{
    hseg *v;
    size_t m = joined_hrules(c, &v);
    /* each group of rules with the same ends is closed once, from its top rule (the
     * first of the group in v, which runs top to bottom) */
    for (size_t i = 0; i < m; i++) {
        const hseg a = v[i];
        if (a.x1 - a.x0 < 50) continue;
        float bottom = a.y;
        int count = 1, first = 1;
        for (size_t j = 0; j < m && first; j++) {
            if (j == i || fabsf(v[j].x0 - a.x0) > 3 || fabsf(v[j].x1 - a.x1) > 3) continue;
            if (j < i) first = 0;
            count++;
            bottom = fmaxf(bottom, v[j].y);
        }
        if (!first || count < 3) continue;
        pdf_add_rule(c, a.x0, a.y, a.x0, bottom, 0.5f, 0);
        pdf_add_rule(c, a.x1, a.y, a.x1, bottom, 0.5f, 0);
    }
    free(v);
}

#define MAX_BELOW_ROWS 64

/* Whether box bi is a run of text outside every table, between x0 and x1. */
static int outside_run(const img_table *tables, size_t ntables, float s, const pdf_cbox *bi,
                       float x0, float x1)
{
    float cx = (bi->x0 + bi->x1) / 2, cy = (bi->y0 + bi->y1) / 2;
    return cx > x0 && cx < x1 && !pdf_inside_tables(tables, ntables, s, cx, cy);
}

/* Rows below a table: lines of text under it that its rules leave out (a last row under
 * the frame, the rows after a band where the fills that draw the grid stop short of an
 * edge across it). Each line lies within a row's height (the table's median) of the one
 * above, no run of it crosses a column edge or the table's sides, the first holds text in
 * the first column, and two columns hold text; a line with text in the first column
 * starts a row. Rows part half way between their starting lines, in each column where
 * no text crosses there (a name centred over two rows stays one cell), and end at a
 * rule drawn across the table, or at the end of a rule coming down past the last line,
 * within half a row of it; else just under it. */
static void rows_below(pdf_collector *c, const img_table *tables, size_t ntables,
                       const img_table *tb, float s, const pdf_cbox *b, size_t n, float em)
{
    float X0 = tb->col_x[0] / s, X1 = tb->col_x[tb->ncols] / s, Y1 = tb->row_y[tb->nrows] / s;
    float heights[MAX_TEXT_ROWS];
    int nh = 0;
    for (int r = 0; r < tb->nrows && nh < MAX_TEXT_ROWS; r++)
        heights[nh++] = (tb->row_y[r + 1] - tb->row_y[r]) / s;
    qsort(heights, (size_t)nh, sizeof *heights, pdf_cmp_float);
    float reach = fmaxf(1.5f * em, nh ? heights[nh / 2] : 0);
    float first_x1 = tb->col_x[1] / s;
    float starts[MAX_BELOW_ROWS], last = Y1;
    int nstarts = 0;
    unsigned used = 0; /* columns holding text, a bit each */
    for (;;) {
        const pdf_cbox *top = NULL;
        for (size_t i = 0; i < n; i++)
            if ((b[i].y0 + b[i].y1) / 2 > last && outside_run(tables, ntables, s, &b[i], X0, X1) &&
                (!top || b[i].y0 < top->y0))
                top = &b[i];
        if (!top || top->y0 > last + reach) break;
        float ly0 = top->y0, ly1 = top->y1;
        int first = 0, ok = 1;
        for (size_t i = 0; i < n && ok; i++) {
            float cx = (b[i].x0 + b[i].x1) / 2, cy = (b[i].y0 + b[i].y1) / 2;
            if (cy < ly0 || cy > ly1 || !outside_run(tables, ntables, s, &b[i], X0, X1)) continue;
            ok = b[i].x0 > X0 - 1 && b[i].x1 < X1 + 1;
            for (int k = 0; k < tb->ncols && ok; k++) {
                float x = tb->col_x[k] / s, x1 = tb->col_x[k + 1] / s;
                ok = k == 0 || !(b[i].x0 < x - 0.5f && b[i].x1 > x + 0.5f);
                if (cx >= x && cx < x1 && k < 32) used |= 1u << k;
            }
            first |= cx < first_x1;
        }
        if (!ok || (!nstarts && !first)) break;
        if (first && nstarts < MAX_BELOW_ROWS) starts[nstarts++] = (ly0 + ly1) / 2;
        last = ly1;
    }
    if (!nstarts || !(used & (used - 1))) return; /* no row, or text in one column only */
    float B = last + 2, pad = fmaxf(em, reach / 2);
    for (size_t i = 0; i < c->nrules; i++) {
        const pdf_rule *r = &c->rules[i];
        float end = r->horizontal ? r->y0 : r->y1;
        int across = r->drawn && r->horizontal && r->x0 <= X0 + 2 && r->x1 >= X1 - 2;
        int down = !r->horizontal && r->x0 > X0 - 2 && r->x0 < X1 + 2 && r->y0 < last;
        if ((across || down) && end > last && end < last + pad && end > B) B = end;
    }
    pdf_add_rule(c, X0, B, X1, B, 0.5f, 1);
    pdf_add_rule(c, X0, Y1, X0, B, 0.5f, 0);
    pdf_add_rule(c, X1, Y1, X1, B, 0.5f, 0);
    for (int k = 1; k < tb->ncols; k++) {
        float x = tb->col_x[k] / s;
        if (!crosses_v(b, n, x, Y1, B)) pdf_add_rule(c, x, Y1, x, B, 0.5f, 0);
    }
    for (int i = 1; i < nstarts; i++) {
        float y = (starts[i - 1] + starts[i]) / 2;
        for (int k = 0; k < tb->ncols; k++) {
            float x0 = tb->col_x[k] / s, x1 = tb->col_x[k + 1] / s;
            if (!crosses_h(b, n, y, x0, x1)) pdf_add_rule(c, x0, y, x1, y, 0.5f, 1);
        }
    }
}

/* The rows below each table (rows_below), once the rules the text implies around it
 * have made its columns. Returns whether rules were added. */
int pdf_below_rules(pdf_collector *c, const img_table *tables, size_t ntables, float s,
                    const pdf_cbox *b, size_t n, float em)
{
    size_t before = c->nrules;
    for (size_t t = 0; t < ntables; t++)
        rows_below(c, tables, ntables, &tables[t], s, b, n, em);
    return c->nrules > before;
}

/* Adds the rules the text implies around each table (see above) to c. */
void pdf_text_rules(pdf_collector *c, const img_table *tables, size_t ntables, float s,
                    const pdf_cbox *b, size_t n)
{
    float *sizes = n ? malloc(n * sizeof *sizes) : NULL;
    if (!sizes) return;
    for (size_t i = 0; i < n; i++)
        sizes[i] = b[i].size;
    qsort(sizes, n, sizeof *sizes, pdf_cmp_float);
    float em = sizes[n / 2] > 1 ? sizes[n / 2] : 10;
    free(sizes);
    hseg *hr;
    size_t nh = joined_hrules(c, &hr);
    for (size_t t = 0; t < ntables; t++) {
        const img_table *tb = &tables[t];
        float X0 = tb->col_x[0] / s, X1 = tb->col_x[tb->ncols] / s;
        float Y0 = tb->row_y[0] / s, Y1 = tb->row_y[tb->nrows] / s;
        /* A side drawn as a rule closes the table there: text beyond it is not its. */
        int top_drawn = 0, left_drawn = 0;
        for (size_t i = 0; i < c->nrules; i++) {
            const pdf_rule *r = &c->rules[i];
            if (!r->drawn) continue;
            if (r->horizontal && fabsf(r->y0 - Y0) < 3 && r->x1 - r->x0 >= 0.8f * (X1 - X0))
                top_drawn = 1;
            if (!r->horizontal && fabsf(r->x0 - X0) < 3 && r->y1 - r->y0 >= 0.8f * (Y1 - Y0))
                left_drawn = 1;
        }
        /* a table closes: its outline is a rule even where none is drawn */
        pdf_add_rule(c, X0, Y0, X1, Y0, 0.5f, 1);
        pdf_add_rule(c, X0, Y1, X1, Y1, 0.5f, 1);
        pdf_add_rule(c, X0, Y0, X0, Y1, 0.5f, 0);
        pdf_add_rule(c, X1, Y0, X1, Y1, 0.5f, 0);
        /* no column rule drawn inside: the columns are where the text leaves gaps */
        int drawn_columns = 0;
        for (size_t i = 0; i < c->nrules && !drawn_columns; i++) {
            const pdf_rule *r = &c->rules[i];
            drawn_columns = r->drawn && !r->horizontal && r->x0 > X0 + 3 && r->x0 < X1 - 3 &&
                            r->y1 > Y0 + 3 && r->y0 < Y1 - 3;
        }
        if (tb->nrows == 1 && tb->ncols == 1)
            pdf_text_grid(c, X0, Y0, X1, Y1, b, n, 0, NULL, 0);
        else if (!drawn_columns)
            gutter_rules(c, tb, s, b, n, 0, tb->ncols);
        else /* some drawn (one after the day column): each column's own gaps */
            for (int k = 0; k < tb->ncols; k++)
                gutter_rules(c, tb, s, b, n, k, k + 1);
        /* a row holding a whole list (a panel's body under its heading, a column whose
         * row rules are not drawn): rows and columns from its text; a column edge the
         * table has inside a gap in the text stays the column's edge */
        float *col_x = malloc((size_t)(tb->ncols + 1) * sizeof *col_x);
        for (int k = 0; col_x && k <= tb->ncols; k++)
            col_x[k] = tb->col_x[k] / s;
        for (int r = 0; col_x && (tb->nrows > 1 || tb->ncols > 1) ? r < tb->nrows : 0; r++) {
            float y0 = tb->row_y[r] / s, y1 = tb->row_y[r + 1] / s, ys[3];
            if (text_row_bounds(b, n, X0, y0, X1, y1, ys, 3) >= 3)
                pdf_text_grid(c, X0, y0, X1, y1, b, n, 0, col_x, tb->ncols);
        }
        free(col_x);
        /* the label column: outside text left of the table, within its rows */
        float L = X0;
        for (size_t i = 0; i < n && !left_drawn; i++) {
            float cx = (b[i].x0 + b[i].x1) / 2, cy = (b[i].y0 + b[i].y1) / 2;
            if (cy > Y0 && cy < Y1 && b[i].x1 <= X0 + 1 && b[i].x0 >= X0 - 0.4f * (X1 - X0) &&
                !pdf_inside_tables(tables, ntables, s, cx, cy) && b[i].x0 - 3 < L)
                L = b[i].x0 - 3;
        }
        if (L < X0) {
            pdf_add_rule(c, L, Y0, L, Y1, 0.5f, 0);
            for (int r = 0; r <= tb->nrows; r++) {
                float y = tb->row_y[r] / s;
                if (r == 0 || r == tb->nrows || !crosses_h(b, n, y, L, X0))
                    pdf_add_rule(c, L, y, X0, y, 0.5f, 1);
            }
        }
        /* the header row: text just above, growing upwards line by line */
        float T = Y0;
        for (int grown = !top_drawn; grown;) {
            grown = 0;
            for (size_t i = 0; i < n; i++) {
                float cx = (b[i].x0 + b[i].x1) / 2, cy = (b[i].y0 + b[i].y1) / 2;
                float gap = T == Y0 ? 1.5f * em : 0.8f * em;
                if (cx > L && cx < X1 && b[i].y1 <= Y0 + 1 && b[i].y0 < T && b[i].y1 >= T - gap &&
                    !pdf_inside_tables(tables, ntables, s, cx, cy)) {
                    T = b[i].y0 - 2;
                    grown = 1;
                }
            }
        }
        /* a header row whose sides are not drawn but whose top is (a rule over the header
         * cells alone, from one of the table's column edges to another): the text between
         * that rule and the table, however far below the rule it sits */
        for (size_t i = 0; T == Y0 && i < nh; i++) {
            const hseg *r = &hr[i];
            int from_edge = 0, to_edge = 0;
            for (int k = 0; k <= tb->ncols; k++) {
                from_edge |= fabsf(tb->col_x[k] / s - r->x0) < 3;
                to_edge |= fabsf(tb->col_x[k] / s - r->x1) < 3;
            }
            if (r->y > Y0 - 0.5f * em || r->y < Y0 - 8 * em || !from_edge || !to_edge ||
                r->x1 - r->x0 < 0.5f * (X1 - L))
                continue;
            int text = 0, across = 0;
            for (size_t k = 0; k < n; k++) {
                float cx = (b[k].x0 + b[k].x1) / 2, cy = (b[k].y0 + b[k].y1) / 2;
                if (cx < r->x0 || cx > r->x1) continue;
                text |= cy > r->y && b[k].y1 <= Y0 + 1 &&
                        !pdf_inside_tables(tables, ntables, s, cx, cy);
                across |= b[k].y0 < r->y - 0.5f && b[k].y1 > r->y + 0.5f;
            }
            if (text && !across) T = r->y;
        }
        /* a header row of times or days standing apart above the table, neither ruled
         * nor near (pdf_apart_header) */
        if (T == Y0 && !top_drawn) T = pdf_apart_header(tables, ntables, tb, s, b, n, L, em);
        if (T < Y0) {
            /* a rule drawn across the table a little above the text closes the row */
            float best = T;
            for (size_t i = 0; i < c->nrules; i++) {
                const pdf_rule *r = &c->rules[i];
                if (r->horizontal && r->y0 < T + 2 && r->y0 > T - 2 * em && r->x0 <= X0 + 2 &&
                    r->x1 >= X1 - 2 && r->y0 < best)
                    best = r->y0;
            }
            T = best;
            pdf_add_rule(c, L, T, X1, T, 0.5f, 1);
            pdf_add_rule(c, L, T, L, Y0, 0.5f, 0);
            pdf_add_rule(c, X1, T, X1, Y0, 0.5f, 0);
            for (int k = 0; k <= tb->ncols; k++) {
                float x = tb->col_x[k] / s;
                if (!crosses_v(b, n, x, T, Y0)) pdf_add_rule(c, x, T, x, Y0, 0.5f, 0);
            }
            /* and at the column rules implied above that reach the table's top */
            for (size_t i = 0, nr = c->nrules; i < nr; i++) {
                pdf_rule r = c->rules[i];
                if (!r.horizontal && !r.drawn && r.x0 > X0 + 1 && r.x0 < X1 - 1 &&
                    fabsf(r.y0 - Y0) < 1 && !crosses_v(b, n, r.x0, T, Y0))
                    pdf_add_rule(c, r.x0, T, r.x0, Y0, 0.5f, 0);
            }
        }
    }
    free(hr);
}

/* A page whose text no ruled table holds (at most boxes of one cell: a framed title, a
 * coloured bar) may still be a table aligned by whitespace alone: the box around that
 * text becomes a table read by pdf_text_grid. Returns whether rules were added. */
int pdf_borderless_rules(pdf_collector *c, const img_table *tables, size_t ntables, float s,
                         const pdf_cbox *b, size_t n)
{
    for (size_t t = 0; t < ntables; t++)
        if (tables[t].ncells >= 2) return 0;
    float X0 = INFINITY, Y0 = INFINITY, X1 = -INFINITY, Y1 = -INFINITY;
    size_t outside = 0;
    for (size_t i = 0; i < n; i++) {
        float cx = (b[i].x0 + b[i].x1) / 2, cy = (b[i].y0 + b[i].y1) / 2;
        if (pdf_inside_tables(tables, ntables, s, cx, cy)) continue;
        outside++;
        X0 = fminf(X0, b[i].x0), Y0 = fminf(Y0, b[i].y0);
        X1 = fmaxf(X1, b[i].x1), Y1 = fmaxf(Y1, b[i].y1);
    }
    if (outside < 12) return 0; /* runs of text: a title and a line or two are no table */
    size_t before = c->nrules;
    pdf_text_grid(c, X0 - 2, Y0 - 2, X1 + 2, Y1 + 2, b, n, 1, NULL, 0);
    return c->nrules > before + 4; /* more than the outline: rows or columns */
}

/* Whether the lattice line at `at` (across when horizontal) parts the text of the cell
 * [x0, x1] x [y0, y1] that it runs through: text on both sides, none across, and a gap
 * wider than the cell's text flow leaves (0.4 of the text's size between lines, a size
 * between words, whose runs are one box already). */
static int parts_cell(const pdf_cbox *b, size_t n, int horizontal, float at, float x0, float y0,
                      float x1, float y1)
{
    float before = -INFINITY, after = INFINITY, size_b = 0, size_a = 0;
    for (size_t i = 0; i < n; i++) {
        float cx = (b[i].x0 + b[i].x1) / 2, cy = (b[i].y0 + b[i].y1) / 2;
        if (cx <= x0 || cx >= x1 || cy <= y0 || cy >= y1) continue;
        float lo = horizontal ? b[i].y0 : b[i].x0, hi = horizontal ? b[i].y1 : b[i].x1;
        if (lo < at && hi > at) return 0;
        if (hi <= at && hi > before) before = hi, size_b = b[i].size;
        if (lo >= at && lo < after) after = lo, size_a = b[i].size;
    }
    if (!isfinite(before) || !isfinite(after)) return 0;
    float need = (horizontal ? 0.4f : 1.0f) * fminf(size_a, size_b);
    return after - before > need;
}

/* Whether the text of [x0, x1] x [y0, y1] left and right of x (boxes whose centre lies
 * there) is a block of its own: two lines or more, or a word set up or down the page. */
static int side_block(const pdf_cbox *b, size_t n, float x0, float y0, float x1, float y1)
{
    float top = INFINITY;
    int lines = 0;
    for (size_t i = 0; i < n; i++) {
        float cx = (b[i].x0 + b[i].x1) / 2, cy = (b[i].y0 + b[i].y1) / 2;
        if (cx <= x0 || cx >= x1 || cy <= y0 || cy >= y1) continue;
        if (b[i].rotated) return 1;
        if (!lines || fabsf(cy - top) > 0.6f * b[i].size) lines++;
        top = cy;
    }
    return lines >= 2;
}

/* Where the line parting two blocks of text side by side in [x0, x1] x [y0, y1] (parted
 * at gap) runs when each block is centred in its own part, as timetables set text: both
 * blocks put it at the same place (within an em) inside the gap; else the gap's middle.
 * The place decides the parts' times where no time is printed. */
static float centred_split(const pdf_cbox *b, size_t n, float x0, float y0, float x1, float y1,
                           float gap)
{
    float lo[2] = {INFINITY, INFINITY}, hi[2] = {-INFINITY, -INFINITY}, size = 0;
    for (size_t i = 0; i < n; i++) {
        float cx = (b[i].x0 + b[i].x1) / 2, cy = (b[i].y0 + b[i].y1) / 2;
        if (cx <= x0 || cx >= x1 || cy <= y0 || cy >= y1) continue;
        int right = cx > gap;
        lo[right] = fminf(lo[right], b[i].x0);
        hi[right] = fmaxf(hi[right], b[i].x1);
        size = fmaxf(size, b[i].size);
    }
    float from_left = lo[0] + hi[0] - x0, from_right = lo[1] + hi[1] - x1;
    float at = (from_left + from_right) / 2;
    return fabsf(from_left - from_right) < size && at > hi[0] && at < lo[1] ? at : gap;
}

/* Where a one-row cell holds two blocks of text side by side, each of two lines or more
 * or set sideways ("PE / ICT suite" beside "Outdoor Learning / bring kit"), parted by a
 * gap of an em or more that no text crosses: x of the gap's middle, or NAN. One line
 * beside another ("Maths   Rm 4") is one cell's name and note. */
static float side_by_side(const pdf_cbox *b, size_t n, float x0, float y0, float x1, float y1)
{
    float best = NAN, widest = 0;
    for (size_t i = 0; i < n; i++) {
        float cy = (b[i].y0 + b[i].y1) / 2, cx = (b[i].x0 + b[i].x1) / 2;
        if (cx <= x0 || cx >= x1 || cy <= y0 || cy >= y1) continue;
        /* the gap right of box i: to the nearest box starting right of it */
        float next = INFINITY;
        int crossed = 0;
        for (size_t j = 0; j < n && !crossed; j++) {
            float jy = (b[j].y0 + b[j].y1) / 2, jx = (b[j].x0 + b[j].x1) / 2;
            if (jx <= x0 || jx >= x1 || jy <= y0 || jy >= y1) continue;
            crossed = b[j].x0 < b[i].x1 + 0.5f && b[j].x1 > b[i].x1 + 0.5f;
            if (b[j].x0 >= b[i].x1) next = fminf(next, b[j].x0);
        }
        float gap = next - b[i].x1;
        if (crossed || !isfinite(next) || gap < b[i].size || gap <= widest) continue;
        float at = (b[i].x1 + next) / 2;
        if (side_block(b, n, x0, y0, at, y1) && side_block(b, n, at, y0, x1, y1))
            widest = gap, best = at;
    }
    return isnan(best) ? best : centred_split(b, n, x0, y0, x1, y1, best);
}

/* A cell merged only because no rule parts it (a label column or header row beside a
 * ruled body, a column whose row rules are not drawn) is split where its text is parted
 * in step with the lattice: at each inner lattice line that parts_cell accepts and no
 * coloured cell spans, or that a one-row cell's text, centred on one column, leaves
 * aside (pdf_centred_in_column); and where a one-row cell holds two blocks side by side
 * (side_by_side). Returns whether rules were added. */
int pdf_split_merged(pdf_collector *c, const img_table *tables, size_t ntables, float s,
                     const pdf_cbox *b, size_t n)
{
    size_t before = c->nrules;
    for (size_t t = 0; t < ntables; t++) {
        const img_table *tb = &tables[t];
        for (size_t k = 0; k < tb->ncells; k++) {
            const img_cell *ic = &tb->cells[k];
            float x0 = tb->col_x[ic->col] / s, x1 = tb->col_x[ic->col + ic->ncols] / s;
            float y0 = tb->row_y[ic->row] / s, y1 = tb->row_y[ic->row + ic->nrows] / s;
            for (int r = ic->row + 1; r < ic->row + ic->nrows; r++) {
                float y = tb->row_y[r] / s;
                if (!in_fill(c, 0, y, (x0 + x1) / 2, 0) && parts_cell(b, n, 1, y, x0, y0, x1, y1))
                    pdf_add_rule(c, x0, y, x1, y, 0.5f, 1);
            }
            for (int q = ic->col + 1; q < ic->col + ic->ncols; q++) {
                float x = tb->col_x[q] / s;
                if (!in_fill(c, 1, x, 0, (y0 + y1) / 2) &&
                    (parts_cell(b, n, 0, x, x0, y0, x1, y1) ||
                     (ic->nrows == 1 && pdf_centred_in_column(b, n, tb, s, ic, q))))
                    pdf_column_rule(c, tb, s, ic, x, b, n);
            }
            float x = ic->nrows == 1 ? side_by_side(b, n, x0, y0, x1, y1) : NAN;
            if (!isnan(x)) pdf_add_rule(c, x, y0, x, y1, 0.5f, 0);
            float y = ic->nrows == 1 ? pdf_stacked_times(b, n, x0, y0, x1, y1) : NAN;
            if (!isnan(y)) pdf_add_rule(c, x0, y, x1, y, 0.5f, 1);
        }
    }
    return c->nrules > before;
}

/* A cell-sized fill holding several rows of text (four or more, parted by gaps a
 * paragraph does not leave) is a panel behind a list, not one cell: it no longer keeps
 * what it covers in one cell, and it becomes a panel (pdf_add_panel). */
void pdf_find_panels(pdf_collector *c, const pdf_cbox *b, size_t n)
{
    size_t kept = 0;
    for (size_t f = 0; f < c->nfills; f++) {
        fz_rect r = c->fills[f];
        float ys[3];
        int gaps = text_row_bounds(b, n, r.x0 - c->page.x0, r.y0 - c->page.y0, r.x1 - c->page.x0,
                                   r.y1 - c->page.y0, ys, 3);
        if (gaps < 3)
            c->fills[kept++] = r;
        else
            pdf_add_panel(c, r);
    }
    c->nfills = kept;
}

/* The flags of a run whose text is buf[0, len). */
/* Whether buf[0, len) is one or two letters that abbreviate a day in a header of letters
 * ("M Tu W Th F"): a capital, then at most one small letter. Alone such a run names no
 * day (a grade, an initial); only several in one header row count. */
static int day_letters(const char *buf, size_t len)
{
    static const char *const pairs[] = {"Mo", "Tu", "We", "Th", "Fr", "Sa", "Su"};
    if (len == 1) return buf[0] && strchr("MTWFS", buf[0]) != NULL;
    for (size_t k = 0; len == 2 && k < sizeof pairs / sizeof pairs[0]; k++)
        if (buf[0] == pairs[k][0] && buf[1] == pairs[k][1]) return 1;
    return 0;
}

static unsigned run_flags(const char *buf, size_t len)
{
    return (tt_text_names_day(buf, len) ? RUN_DAY : 0) |
           (tp_is_time_only(buf, len, 0, NULL) ? RUN_TIME : 0) |
           (day_letters(buf, len) ? RUN_DAY_LETTERS : 0);
}

/* Boxes of the page's text runs, relative to its origin: the characters of one line
 * (no spaces) whose gaps are at most 0.6 of their size, so the words of a phrase are one
 * box. An implied rule never runs between the words of one line: a space is part of a
 * cell's text flow, a column's gutter is wider. */
ap_status pdf_char_boxes(const fz_stext_page *sp, fz_rect page, pdf_cbox **out, size_t *n)
{
    size_t cap = 0;
    *out = NULL;
    *n = 0;
    for (fz_stext_block *b = sp->first_block; b; b = b->next) {
        if (b->type != FZ_STEXT_BLOCK_TEXT) continue;
        for (fz_stext_line *l = b->u.t.first_line; l; l = l->next) {
            size_t line_start = *n;
            char run[128]; /* the current run's text, for its flags (a prefix is enough) */
            size_t run_len = 0;
            for (fz_stext_char *ch = l->first_char;; ch = ch->next) {
                if (!ch) {
                    if (*n > line_start) (*out)[*n - 1].flags = run_flags(run, run_len);
                    break;
                }
                int rotated = fabsf(l->dir.y) > fabsf(l->dir.x);
                if (ch->c < 0x20) continue;
                if (ch->c == ' ') {
                    if (run_len && run_len < sizeof run) run[run_len++] = ' ';
                    continue;
                }
                fz_rect r = fz_rect_from_quad(ch->quad);
                r = fz_translate_rect(r, -page.x0, -page.y0);
                /* dashes as '-' (a range's connector), other non-ASCII as a mark that is none */
                char u = ch->c < 0x80                                              ? (char)ch->c
                         : (ch->c >= 0x2010 && ch->c <= 0x2015) || ch->c == 0x2212 ? '-'
                                                                                   : '*';
                if (*n > line_start) {
                    pdf_cbox *p = &(*out)[*n - 1];
                    float gap = rotated ? fmaxf(r.y0 - p->y1, p->y0 - r.y1)
                                        : fmaxf(r.x0 - p->x1, p->x0 - r.x1);
                    if (gap <= 0.6f * fmaxf(p->size, ch->size)) {
                        p->x0 = fminf(p->x0, r.x0), p->y0 = fminf(p->y0, r.y0);
                        p->x1 = fmaxf(p->x1, r.x1), p->y1 = fmaxf(p->y1, r.y1);
                        p->size = fmaxf(p->size, ch->size);
                        if (run_len < sizeof run) run[run_len++] = u;
                        continue;
                    }
                    p->flags = run_flags(run, run_len);
                }
                run_len = 0;
                run[run_len++] = u;
                if (*n >= PDF_MAX_CHARS) return AP_ERR_TOO_LARGE;
                if (*n == cap) {
                    cap = cap ? cap * 2 : 256;
                    pdf_cbox *grown = realloc(*out, cap * sizeof *grown);
                    if (!grown) return AP_ERR_NOMEM;
                    *out = grown;
                }
                (*out)[(*n)++] = (pdf_cbox){.x0 = r.x0,
                                            .y0 = r.y0,
                                            .x1 = r.x1,
                                            .y1 = r.y1,
                                            .size = ch->size,
                                            .rotated = rotated};
            }
        }
    }
    return AP_OK;
}

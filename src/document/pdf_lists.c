/* pdf_lists: lists printed side by side on a PDF page, told apart by their day headings
 * (document/pdf_internal.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "document/pdf_internal.h"

/* ---- lists side by side ----
 *
 * A page may hold several lists side by side, one per day or group of days, each under
 * its own day heading ("Monday", "Tuesday, Thursday") with its own column of times. With
 * no rule or panel around each, they are read as one table whose rows mix the lists' days
 * (or, outside every table, not read at all). They are told apart by their headings: two
 * or more day headings on one line, each over a block that holds its own column of times
 * (a time with its event's name beside it on the same line, in most of the block's
 * rows), and a strip free of text running down between each two blocks (the one nearest
 * half way between their headings). A grid with days
 * as columns has times in one column only, and in-cell times stand above or below the
 * name, not beside it: neither is taken for lists. */

#define MAX_LIST_BLOCKS 16

typedef struct list_block {
    float x0, x1, top, bottom; /* points: the block's text */
    float lo, hi;              /* from the near side of the strip on its left to the far side of the
                                  one on its right: the text of its neighbours lies beyond */
} list_block;

static int cmp_cbox_x(const void *a, const void *b)
{
    const pdf_cbox *x = a, *y = b;
    return (x->x0 > y->x0) - (x->x0 < y->x0);
}

/* The strip in (lo, hi) at least min_w wide that no run of in[] with its middle in
 * [y0, y1] crosses, the one whose middle is nearest the middle of (lo, hi) (lists of one
 * width centre their headings over them, so the strip between two lists lies about half
 * way between their headings; a wider strip inside a list, between its names and its
 * times, lies off to one side); *a, *z its ends. Returns whether there is one. */
static int middle_gap(const pdf_cbox *b, size_t n, const unsigned char *in, float lo, float hi,
                      float y0, float y1, float min_w, float *a, float *z)
{
    pdf_cbox *v = malloc((n ? n : 1) * sizeof *v);
    size_t m = 0;
    float at = lo, mid = (lo + hi) / 2, best = INFINITY;
    if (!v) return 0;
    for (size_t i = 0; i < n; i++) {
        float cy = (b[i].y0 + b[i].y1) / 2;
        if (in[i] && cy >= y0 && cy <= y1 && b[i].x1 > lo && b[i].x0 < hi) v[m++] = b[i];
    }
    qsort(v, m, sizeof *v, cmp_cbox_x);
    for (size_t i = 0; i <= m; i++) {
        float next = i < m ? fmaxf(v[i].x0, lo) : hi;
        if (next - at >= min_w && fabsf((at + next) / 2 - mid) < best)
            best = fabsf((at + next) / 2 - mid), *a = at, *z = next;
        if (i < m) at = fmaxf(at, fminf(v[i].x1, hi));
    }
    free(v);
    return isfinite(best);
}

/* Whether block [x0, x1] below y (down to y1) holds its own column of times: three or
 * more time runs with a name beside them on their line, and most of its time runs so. */
static int holds_time_column(const pdf_cbox *b, size_t n, const unsigned char *in, float x0,
                             float x1, float y, float y1)
{
    int times = 0, beside = 0;
    for (size_t i = 0; i < n; i++) {
        float cx = (b[i].x0 + b[i].x1) / 2, cy = (b[i].y0 + b[i].y1) / 2;
        if (!in[i] || !(b[i].flags & RUN_TIME) || cx < x0 || cx > x1 || cy <= y || cy > y1)
            continue;
        times++;
        for (size_t k = 0; k < n; k++) {
            float kx = (b[k].x0 + b[k].x1) / 2;
            /* beside: on the same line, or across a time set on two lines */
            float overlap = fminf(b[k].y1, b[i].y1) - fmaxf(b[k].y0, b[i].y0);
            if (k == i || !in[k] || (b[k].flags & RUN_TIME) || kx < x0 || kx > x1 ||
                overlap < 0.4f * fminf(b[k].y1 - b[k].y0, b[i].y1 - b[i].y0) ||
                (b[k].x1 > b[i].x0 && b[k].x0 < b[i].x1))
                continue;
            beside++;
            break;
        }
    }
    return beside >= 3 && 2 * beside >= times;
}

/* The text size most runs have (points). */
float pdf_median_size(const pdf_cbox *b, size_t n)
{
    float *sizes = n ? malloc(n * sizeof *sizes) : NULL;
    if (!sizes) return 10;
    for (size_t i = 0; i < n; i++)
        sizes[i] = b[i].size;
    qsort(sizes, n, sizeof *sizes, pdf_cmp_float);
    float em = sizes[n / 2] > 1 ? sizes[n / 2] : 10;
    free(sizes);
    return em;
}

/* Whether run i is a day heading (a run naming days and nothing else, set across). */
static int is_day_heading(const pdf_cbox *b, size_t i)
{
    return (b[i].flags & (RUN_DAY | RUN_TIME)) == RUN_DAY && !b[i].rotated;
}

/* Lists side by side among the runs of in[] (see above): writes up to max blocks, left
 * to right within each line of headings, and returns the count. A heading of aside[]
 * (may be NULL: runs of another table) counts as a neighbour, so one list of in[] beside
 * a list held elsewhere is found too, but gives no block. em: the page's text size. */
static int find_list_blocks(const pdf_cbox *b, size_t n, const unsigned char *in,
                            const unsigned char *aside, float em, list_block *out, int max)
{
    size_t heads[MAX_LIST_BLOCKS];
    int nout = 0;
    unsigned char *done = calloc(n ? n : 1, 1);
    if (!done) return 0;
    for (size_t h = 0; h < n; h++) {
        if (!in[h] || done[h] || !is_day_heading(b, h)) continue;
        /* the day headings on h's line, left to right */
        float cy = (b[h].y0 + b[h].y1) / 2;
        size_t nh = 0;
        for (size_t i = 0; i < n && nh < MAX_LIST_BLOCKS; i++) {
            if (!(in[i] || (aside && aside[i])) || !is_day_heading(b, i) ||
                fabsf((b[i].y0 + b[i].y1) / 2 - cy) > 0.6f * em)
                continue;
            done[i] = 1;
            size_t k = nh++;
            while (k > 0 && b[heads[k - 1]].x0 > b[i].x0) {
                heads[k] = heads[k - 1];
                k--;
            }
            heads[k] = i;
        }
        if (nh < 2 || nout + (int)nh > max) continue;
        /* the lists run down to their lowest time (a footer below them is no list's) */
        float top = b[heads[0]].y0, span = (b[heads[nh - 1]].x1 - b[heads[0]].x0) / (float)(nh - 1);
        for (size_t k = 1; k < nh; k++)
            top = fminf(top, b[heads[k]].y0);
        float lo = b[heads[0]].x0 - span, hi = b[heads[nh - 1]].x1 + span, bottom = top;
        for (size_t i = 0; i < n; i++) {
            float cx = (b[i].x0 + b[i].x1) / 2;
            if (in[i] && (b[i].flags & RUN_TIME) && b[i].y0 > top && cx > lo && cx < hi)
                bottom = fmaxf(bottom, b[i].y1);
        }
        list_block blk[MAX_LIST_BLOCKS];
        int ok = bottom > top;
        for (size_t k = 0; ok && k + 1 < nh; k++) {
            float l = (b[heads[k]].x0 + b[heads[k]].x1) / 2;
            float r = (b[heads[k + 1]].x0 + b[heads[k + 1]].x1) / 2, a = 0, z = 0;
            ok = middle_gap(b, n, in, l, r, top, bottom, 0.8f * em, &a, &z);
            blk[k].hi = z;
            blk[k + 1].lo = a;
        }
        if (!ok) continue;
        blk[0].lo = lo;
        blk[nh - 1].hi = hi;
        for (size_t k = 0; ok && k < nh; k++) {
            list_block *q = &blk[k];
            if (!in[heads[k]]) continue; /* a neighbour's */
            q->x0 = INFINITY, q->x1 = -INFINITY, q->top = top, q->bottom = top;
            for (size_t i = 0; i < n; i++) {
                float cx = (b[i].x0 + b[i].x1) / 2, my = (b[i].y0 + b[i].y1) / 2;
                if (!in[i] || cx <= q->lo || cx >= q->hi || my < top || my > bottom + 0.5f * em)
                    continue;
                q->x0 = fminf(q->x0, b[i].x0), q->x1 = fmaxf(q->x1, b[i].x1);
                q->bottom = fmaxf(q->bottom, b[i].y1);
            }
            ok = q->x1 > q->x0 &&
                 holds_time_column(b, n, in, q->x0, q->x1, b[heads[k]].y1, q->bottom);
        }
        if (!ok) continue;
        for (size_t k = 0; k < nh; k++)
            if (in[heads[k]]) out[nout++] = blk[k];
    }
    free(done);
    return nout;
}

/* Lists side by side in the text outside every table, or one beside a list a table
 * holds, become a table each (pdf_text_grid over each block). Returns whether rules were
 * added. */
int pdf_list_rules(pdf_collector *c, const img_table *tables, size_t ntables, float s,
                   const pdf_cbox *b, size_t n, float em)
{
    unsigned char *in = malloc(n ? n : 1);
    list_block blk[MAX_LIST_BLOCKS];
    if (!in) return 0;
    for (size_t i = 0; i < n; i++)
        in[i] = !pdf_inside_tables(tables, ntables, s, (b[i].x0 + b[i].x1) / 2,
                                   (b[i].y0 + b[i].y1) / 2);
    /* the headings of lists the tables hold are neighbours */
    unsigned char *aside = malloc(n ? n : 1);
    for (size_t i = 0; aside && i < n; i++)
        aside[i] = !in[i];
    int nb = aside ? find_list_blocks(b, n, in, aside, em, blk, MAX_LIST_BLOCKS) : 0;
    free(in);
    free(aside);
    size_t before = c->nrules;
    for (int k = 0; k < nb; k++)
        pdf_text_grid(c, blk[k].x0 - 2, blk[k].top - 2, blk[k].x1 + 2, blk[k].bottom + 2, b, n, 0,
                      NULL, 0);
    return c->nrules > before;
}

/* A copy of table t's columns [k0, k1): the cells wholly inside them, on the rows they
 * cover. Returns 0 when out of memory or when no cell is inside. */
static int sub_table(const img_table *t, int k0, int k1, img_table *out)
{
    int r0 = t->nrows, r1 = 0;
    size_t count = 0;
    memset(out, 0, sizeof *out);
    for (size_t i = 0; i < t->ncells; i++) {
        const img_cell *ic = &t->cells[i];
        if (ic->col < k0 || ic->col + ic->ncols > k1) continue;
        count++;
        r0 = ic->row < r0 ? ic->row : r0;
        r1 = ic->row + ic->nrows > r1 ? ic->row + ic->nrows : r1;
    }
    if (!count) return 0;
    out->nrows = r1 - r0;
    out->ncols = k1 - k0;
    out->row_y = malloc((size_t)(out->nrows + 1) * sizeof *out->row_y);
    out->col_x = malloc((size_t)(out->ncols + 1) * sizeof *out->col_x);
    out->cells = malloc(count * sizeof *out->cells);
    if (!out->row_y || !out->col_x || !out->cells) {
        free(out->row_y);
        free(out->col_x);
        free(out->cells);
        memset(out, 0, sizeof *out);
        return 0;
    }
    memcpy(out->row_y, t->row_y + r0, (size_t)(out->nrows + 1) * sizeof *out->row_y);
    memcpy(out->col_x, t->col_x + k0, (size_t)(out->ncols + 1) * sizeof *out->col_x);
    for (size_t i = 0; i < t->ncells; i++) {
        img_cell ic = t->cells[i];
        if (ic.col < k0 || ic.col + ic.ncols > k1) continue;
        ic.row -= r0;
        ic.col -= k0;
        out->cells[out->ncells++] = ic;
    }
    out->x = out->col_x[0];
    out->y = out->row_y[0];
    out->w = out->col_x[out->ncols] - out->x;
    out->h = out->row_y[out->nrows] - out->y;
    return 1;
}

/* A table holding lists side by side (a frame drawn around them all) is cut into one
 * table per list, at the lattice column edges inside the strips between them; cells
 * across a strip (a title over them all) are left out, their text the page's. Replaces
 * *tables when it cuts; AP_ERR_NOMEM. */
ap_status pdf_split_lists(img_table **tables, size_t *ntables, float s, const pdf_cbox *b, size_t n,
                          float em)
{
    ap_status st = AP_OK;
    unsigned char *in = malloc(n ? n : 1);
    if (!in) return AP_ERR_NOMEM;
    for (size_t t = 0; t < *ntables && st == AP_OK; t++) {
        img_table *tb = &(*tables)[t];
        for (size_t i = 0; i < n; i++)
            in[i] = pdf_inside_tables(tb, 1, s, (b[i].x0 + b[i].x1) / 2, (b[i].y0 + b[i].y1) / 2);
        list_block blk[MAX_LIST_BLOCKS];
        int nb = find_list_blocks(b, n, in, NULL, em, blk, MAX_LIST_BLOCKS);
        if (nb < 2) continue;
        /* each block's columns: from the last edge in the strip on its left to the first
         * edge in the strip on its right */
        int k0[MAX_LIST_BLOCKS], k1[MAX_LIST_BLOCKS], ok = 1;
        for (int q = 0; q < nb && ok; q++) {
            k0[q] = -1, k1[q] = -1;
            for (int k = 0; k <= tb->ncols; k++) {
                float x = tb->col_x[k] / s;
                if (x <= blk[q].x0 + 0.5f && x >= blk[q].lo - 0.5f) k0[q] = k;
                if (x >= blk[q].x1 - 0.5f && x <= blk[q].hi + 0.5f && k1[q] < 0) k1[q] = k;
            }
            if (q == 0 && k0[q] < 0) k0[q] = 0;
            if (q == nb - 1 && k1[q] < 0) k1[q] = tb->ncols;
            ok = k0[q] >= 0 && k1[q] > k0[q] && (q == 0 || k0[q] >= k1[q - 1]);
        }
        if (!ok) continue;
        img_table *grown = realloc(*tables, (*ntables + (size_t)nb) * sizeof *grown);
        if (!grown) {
            st = AP_ERR_NOMEM;
            break;
        }
        *tables = grown;
        tb = &grown[t];
        size_t added = 0;
        for (int q = 0; q < nb; q++)
            added += (size_t)sub_table(tb, k0[q], k1[q], &grown[*ntables + added]);
        if (added < 2) { /* out of memory, or the cut leaves no list: keep the table */
            for (size_t a = 0; a < added; a++) {
                free(grown[*ntables + a].row_y);
                free(grown[*ntables + a].col_x);
                free(grown[*ntables + a].cells);
            }
            continue;
        }
        /* the first list takes the table's place, the others go at the end */
        free(tb->row_y);
        free(tb->col_x);
        free(tb->cells);
        *tb = grown[*ntables];
        memmove(&grown[*ntables], &grown[*ntables + 1], (added - 1) * sizeof *grown);
        *ntables += added - 1;
    }
    free(in);
    return st;
}

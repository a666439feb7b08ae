/* free_lists: lists printed outside every table on a raster page (see readers.h).
 *
 * A list shaded without rules, or ruled so lightly that no table was found in it, beside
 * lists that are tables, reaches the raster reader as blocks of free text: its heading,
 * and per row a time and a name on one text line. Read as free text, its rows are lost.
 * This builds a table from such blocks when they hold a list: a column of times (three
 * at least, one under another), each beside a name on its text line, always on the same
 * side, under a heading that names days. The table is a time column and a name column
 * under the heading's row, which the interpreter reads as any list. Nothing here reads
 * pixels: only the blocks' boxes and their text.
 *
 * Ownership: blocks are borrowed; the table's lines are copies the page owns. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "document/readers.h"
#include "document/timeparse.h"

#define MAX_FREE_TEXT 256 /* characters of a block's text looked at */

/* The block's lines joined with spaces into buf. */
static void block_text(const tt_free_block *b, char *buf, size_t cap)
{
    size_t len = 0;
    buf[0] = '\0';
    for (size_t k = 0; k < b->nlines && len + 1 < cap; k++) {
        int n = snprintf(buf + len, cap - len, "%s%s", k ? " " : "", b->lines[k].text);
        if (n < 0) break;
        len += (size_t)n < cap - len ? (size_t)n : cap - len - 1;
    }
}

int tt_free_block_is_times(const tt_free_block *b)
{
    char buf[MAX_FREE_TEXT];
    block_text(b, buf, sizeof buf);
    return b->nlines && tp_is_time_only(buf, strlen(buf), 0, NULL);
}

static int names_days(const tt_free_block *b)
{
    char buf[MAX_FREE_TEXT];
    block_text(b, buf, sizeof buf);
    return tt_text_names_day(buf, strlen(buf));
}

/* Whether two blocks stand on one text line: the middle of one lies within the other
 * (a time set on two lines beside a name on one, or the other way round). */
static int on_one_line(const tt_free_block *a, const tt_free_block *b)
{
    int ma = a->y + a->h / 2, mb = b->y + b->h / 2;
    return (ma >= b->y && ma < b->y + b->h) || (mb >= a->y && mb < a->y + a->h);
}

/* Whether two blocks share most of the narrower one's width (one column of text). */
static int same_column(const tt_free_block *a, const tt_free_block *b)
{
    int lo = a->x > b->x ? a->x : b->x;
    int hi = a->x + a->w < b->x + b->w ? a->x + a->w : b->x + b->w;
    int narrow = a->w < b->w ? a->w : b->w;
    return 2 * (hi - lo) > narrow;
}

/* Sorts the block indices idx[0, n) top to bottom (n is small: insertion). */
static void sort_by_y(size_t *idx, size_t n, const tt_free_block *b)
{
    for (size_t i = 1; i < n; i++) {
        size_t v = idx[i], k = i;
        for (; k > 0 && b[idx[k - 1]].y > b[v].y; k--)
            idx[k] = idx[k - 1];
        idx[k] = v;
    }
}

static int letters_of(const tt_free_block *b)
{
    int n = 0;
    for (size_t k = 0; k < b->nlines; k++)
        for (const char *p = b->lines[k].text; *p; p++)
            n += (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (unsigned char)*p >= 0xc0;
    return n;
}

/* The nearest unused block on time block t's text line on one side (side -1 left, +1
 * right), a name (two letters or more, no time), within reach; -1 when none. The reach
 * grows with wide (0: t's own width), the middle width of t's column's times: a short
 * time ("8:30") in a column of ranges is set in the same column, its name as far off as
 * theirs (names centred in a column of their own stand far from the times). */
static long name_beside(const tt_free_block *b, size_t n, const unsigned char *used,
                        const unsigned char *timed, size_t t, int side, int wide)
{
    long best = -1;
    int best_gap = 0, reach = 2 * (wide > b[t].w ? wide : b[t].w) + 4 * b[t].h;
    for (size_t i = 0; i < n; i++) {
        if (i == t || used[i] || timed[i] || !on_one_line(&b[t], &b[i]) || letters_of(&b[i]) < 2)
            continue;
        int gap = side > 0 ? b[i].x - (b[t].x + b[t].w) : b[t].x - (b[i].x + b[i].w);
        if (gap < 0 || gap > reach) continue;
        if (best < 0 || gap < best_gap) best = (long)i, best_gap = gap;
    }
    return best;
}

/* The middle width of blocks idx[0, n) (n >= 1; the upper middle when n is even). */
static int median_width(const tt_free_block *b, const size_t *idx, size_t n)
{
    int w[64];
    size_t m = n < 64 ? n : 64;
    for (size_t i = 0; i < m; i++) {
        int v = b[idx[i]].w;
        size_t k = i;
        for (; k > 0 && w[k - 1] > v; k--)
            w[k] = w[k - 1];
        w[k] = v;
    }
    return w[m / 2];
}

static ap_status copy_lines(tt_cell *cell, const tt_free_block *b)
{
    for (size_t k = 0; k < b->nlines; k++) {
        const tt_line *l = &b->lines[k];
        ap_status st =
            tt_lines_add(&cell->lines, &cell->nlines, l->text, l->confidence, l->height, l->width);
        if (st != AP_OK) return st;
        cell->lines[cell->nlines - 1].ink = l->ink;
        cell->lines[cell->nlines - 1].flags = l->flags;
    }
    cell->bbox = (tt_bbox){.page = 1, .x = b->x, .y = b->y, .w = b->w, .h = b->h};
    cell->confidence = b->nlines ? 0 : 100;
    for (size_t k = 0; k < b->nlines; k++)
        cell->confidence += b->lines[k].confidence / (float)b->nlines;
    return AP_OK;
}

/* Appends the list of rows rows[0, n) (time block, name block, in top-to-bottom order)
 * under heading blocks head[0, nhead) to page as a table. */
static ap_status add_list_table(tt_page *page, const tt_free_block *b, const size_t *times,
                                const size_t *names, size_t n, const size_t *head, size_t nhead)
{
    tt_table *grown = realloc(page->tables, (page->ntables + 1) * sizeof *grown);
    if (!grown) return AP_ERR_NOMEM;
    page->tables = grown;
    tt_table *t = &grown[page->ntables];
    memset(t, 0, sizeof *t);
    t->nrows = (int)n + 1;
    t->ncols = 2;
    t->row_pos = malloc((n + 2) * sizeof *t->row_pos);
    t->col_pos = malloc(3 * sizeof *t->col_pos);
    t->cells = calloc(2 * n + 1, sizeof *t->cells);
    if (!t->row_pos || !t->col_pos || !t->cells) {
        tt_table_free(t);
        return AP_ERR_NOMEM;
    }
    page->ntables++; /* from here the page owns it, whatever fails */
    int time_left = b[times[0]].x < b[names[0]].x;
    int x0 = b[times[0]].x, x1 = b[times[0]].x + b[times[0]].w, split = 0, top = b[times[0]].y;
    for (size_t r = 0; r < n; r++) {
        const tt_free_block *tb = &b[times[r]], *nb = &b[names[r]];
        x0 = tb->x < x0 ? tb->x : x0, x0 = nb->x < x0 ? nb->x : x0;
        x1 = tb->x + tb->w > x1 ? tb->x + tb->w : x1, x1 = nb->x + nb->w > x1 ? nb->x + nb->w : x1;
        split += (time_left ? tb->x + tb->w + nb->x : nb->x + nb->w + tb->x) / 2 / (int)n;
    }
    for (size_t k = 0; k < nhead; k++)
        top = b[head[k]].y < top ? b[head[k]].y : top;
    t->col_pos[0] = x0, t->col_pos[1] = split, t->col_pos[2] = x1;
    t->row_pos[0] = top;
    for (size_t r = 0; r < n; r++) {
        const tt_free_block *tb = &b[times[r]], *nb = &b[names[r]];
        t->row_pos[r + 1] = tb->y < nb->y ? tb->y : nb->y;
        int bottom = tb->y + tb->h > nb->y + nb->h ? tb->y + tb->h : nb->y + nb->h;
        t->row_pos[r + 2] = bottom;
    }
    t->bbox = (tt_bbox){.page = 1, .x = x0, .y = top, .w = x1 - x0, .h = t->row_pos[n + 1] - top};
    /* the heading: one cell across, its blocks top to bottom */
    tt_cell *h = &t->cells[t->ncells++];
    *h = (tt_cell){.row = 0, .col = 0, .nrows = 1, .ncols = 2};
    for (size_t k = 0; k < nhead; k++) {
        tt_cell part = {0};
        ap_status st = copy_lines(&part, &b[head[k]]);
        for (size_t l = 0; st == AP_OK && l < part.nlines; l++) {
            st = tt_lines_add(&h->lines, &h->nlines, part.lines[l].text, part.lines[l].confidence,
                              part.lines[l].height, part.lines[l].width);
        }
        h->confidence = part.confidence;
        tt_lines_free(part.lines, part.nlines);
        if (st != AP_OK) return st;
    }
    h->bbox = (tt_bbox){.page = 1, .x = x0, .y = top, .w = x1 - x0, .h = t->row_pos[1] - top};
    for (size_t r = 0; r < n; r++) {
        tt_cell *tc = &t->cells[t->ncells++];
        *tc = (tt_cell){.row = (int)r + 1, .col = time_left ? 0 : 1, .nrows = 1, .ncols = 1};
        ap_status st = copy_lines(tc, &b[times[r]]);
        if (st != AP_OK) return st;
        tt_cell *nc = &t->cells[t->ncells++];
        *nc = (tt_cell){.row = (int)r + 1, .col = time_left ? 1 : 0, .nrows = 1, .ncols = 1};
        if ((st = copy_lines(nc, &b[names[r]])) != AP_OK) return st;
    }
    return AP_OK;
}

static ap_status lists_in(const tt_free_block *b, size_t n, unsigned char *used, tt_page *page)
{
    ap_status st = AP_ERR_NOMEM;
    size_t *order = malloc((n ? n : 1) * sizeof *order), *col = malloc((n ? n : 1) * sizeof *col);
    size_t *names = malloc((n ? n : 1) * sizeof *names), *head = malloc((n ? n : 1) * sizeof *head);
    unsigned char *timed = calloc(n ? n : 1, 1), *taken = calloc(n ? n : 1, 1);
    if (!order || !col || !names || !head || !timed || !taken) goto out;
    st = AP_OK;
    size_t nt = 0;
    for (size_t i = 0; i < n; i++)
        if (!used[i] && tt_free_block_is_times(&b[i])) timed[i] = 1, order[nt++] = i;
    sort_by_y(order, nt, b);
    for (size_t s = 0; s < nt && st == AP_OK; s++) {
        if (taken[order[s]]) continue;
        /* the column of times under this one: each the next time below in its column,
         * no further down than three times the pitch so far */
        size_t nc = 0;
        col[nc++] = order[s];
        taken[order[s]] = 1;
        for (size_t k = s + 1; k < nt; k++) {
            size_t i = order[k];
            const tt_free_block *last = &b[col[nc - 1]];
            if (taken[i] || !same_column(last, &b[i])) continue;
            int pitch = nc > 1 ? (last->y - b[col[0]].y) / (int)(nc - 1) : 3 * last->h;
            if (b[i].y - last->y > 3 * (pitch > last->h ? pitch : last->h)) break;
            col[nc++] = i;
            taken[i] = 1;
        }
        if (nc < 3) continue;
        /* the names: all on one side, the side more rows have one on */
        int right = 0, left = 0;
        for (size_t r = 0; r < nc; r++) {
            right += name_beside(b, n, used, timed, col[r], 1, 0) >= 0;
            left += name_beside(b, n, used, timed, col[r], -1, 0) >= 0;
        }
        int side = right >= left ? 1 : -1, nx0 = INT_MAX, nx1 = INT_MIN;
        for (size_t r = 0; r < nc; r++) {
            long nm = name_beside(b, n, used, timed, col[r], side, 0);
            if (nm < 0) continue;
            nx0 = b[nm].x < nx0 ? b[nm].x : nx0;
            nx1 = b[nm].x + b[nm].w > nx1 ? b[nm].x + b[nm].w : nx1;
        }
        /* names on both sides (lists side by side): no further than each row's own reach */
        int wide = right && left ? 0 : median_width(b, col, nc);
        size_t rows = 0;
        for (size_t r = 0; r < nc; r++) {
            long nm = name_beside(b, n, used, timed, col[r], side, 0);
            /* a row whose name stands further off takes it where the others' names stand */
            if (nm < 0 && nx0 < nx1 && wide) {
                nm = name_beside(b, n, used, timed, col[r], side, wide);
                int mid = nm >= 0 ? b[nm].x + b[nm].w / 2 : 0;
                if (mid < nx0 || mid > nx1) nm = -1;
            }
            if (nm < 0) continue;
            col[rows] = col[r];
            names[rows++] = (size_t)nm;
        }
        if (rows < 3) continue;
        /* the heading: blocks above the first row, over the list, within three pitches */
        int x0 = b[col[0]].x, x1 = b[col[0]].x + b[col[0]].w, first = b[col[0]].y;
        for (size_t r = 0; r < rows; r++) {
            const tt_free_block *nb = &b[names[r]];
            x0 = nb->x < x0 ? nb->x : x0;
            x1 = nb->x + nb->w > x1 ? nb->x + nb->w : x1;
            first = nb->y < first ? nb->y : first;
        }
        int pitch = (b[col[rows - 1]].y - b[col[0]].y) / (int)(rows - 1);
        size_t nhead = 0;
        int days = 0;
        for (size_t i = 0; i < n; i++) {
            int cx = b[i].x + b[i].w / 2, bottom = b[i].y + b[i].h;
            if (used[i] || timed[i] || cx < x0 || cx > x1 || bottom > first ||
                bottom < first - 3 * pitch)
                continue;
            head[nhead++] = i;
            days |= names_days(&b[i]);
        }
        if (!days) continue;
        sort_by_y(head, nhead, b);
        if ((st = add_list_table(page, b, col, names, rows, head, nhead)) != AP_OK) break;
        for (size_t r = 0; r < rows; r++)
            used[col[r]] = used[names[r]] = 1;
        for (size_t k = 0; k < nhead; k++)
            used[head[k]] = 1;
    }
out:
    free(order);
    free(col);
    free(names);
    free(head);
    free(timed);
    free(taken);
    return st;
}

/* Whether block b is the first line of a time set on two ("08.15 -" over "08.35"): a
 * time, then a dash that ends the block. */
static int time_then_dash(const tt_free_block *b)
{
    char buf[MAX_FREE_TEXT];
    block_text(b, buf, sizeof buf);
    size_t len = strlen(buf);
    while (len && buf[len - 1] == ' ')
        len--;
    size_t dash =
        len && (buf[len - 1] == '-' || buf[len - 1] == '~') ? 1
        : len >= 3 && (unsigned char)buf[len - 3] == 0xe2 && (unsigned char)buf[len - 2] == 0x80 &&
                ((unsigned char)buf[len - 1] == 0x93 || (unsigned char)buf[len - 1] == 0x94)
            ? 3
            : 0;
    return dash && len > dash && tp_is_time_only(buf, len - dash, 0, NULL);
}

ap_status tt_free_lists(const tt_free_block *given, size_t n, unsigned char *used, tt_page *page)
{
    ap_status st = AP_ERR_NOMEM;
    tt_free_block *b = malloc((n ? n : 1) * sizeof *b);
    size_t *below = calloc(n ? n : 1, sizeof *below); /* j + 1: merged with block j */
    unsigned char *u = malloc(n ? n : 1), *away = calloc(n ? n : 1, 1);
    if (!b || !below || !u || !away) goto out;
    memcpy(b, given, n * sizeof *b);
    memcpy(u, used, n);
    /* A time set on two lines, each its own block, is one: the first line's block takes
     * the second's lines and box (lines borrowed, in an array of its own). */
    for (size_t i = 0; i < n; i++) {
        if (used[i] || away[i] || !time_then_dash(&given[i])) continue;
        const tt_free_block *top = &given[i];
        for (size_t j = 0; j < n && !below[i]; j++) {
            const tt_free_block *low = &given[j];
            int gap = low->y - (top->y + top->h);
            if (j == i || used[j] || away[j] || !same_column(top, low) || gap < -top->h / 2 ||
                gap > (top->h > low->h ? top->h : low->h) || !tt_free_block_is_times(low))
                continue;
            tt_line *lines = malloc((top->nlines + low->nlines) * sizeof *lines);
            if (!lines) goto out;
            memcpy(lines, top->lines, top->nlines * sizeof *lines);
            memcpy(lines + top->nlines, low->lines, low->nlines * sizeof *lines);
            int x0 = top->x < low->x ? top->x : low->x;
            int x1 = top->x + top->w > low->x + low->w ? top->x + top->w : low->x + low->w;
            b[i] = (tt_free_block){
                x0, top->y, x1 - x0, low->y + low->h - top->y, lines, top->nlines + low->nlines};
            below[i] = j + 1, away[j] = u[j] = 1;
        }
    }
    st = lists_in(b, n, u, page);
    for (size_t i = 0; st == AP_OK && i < n; i++)
        if (u[i] && !used[i] && !away[i]) {
            used[i] = 1;
            if (below[i]) used[below[i] - 1] = 1;
        }
out:
    for (size_t i = 0; b && below && i < n; i++)
        if (below[i]) free((void *)b[i].lines);
    free(b);
    free(below);
    free(u);
    free(away);
    return st;
}

/* Whether free block fb stands over table k of page (its middle within the table's width,
 * its foot no lower than the table's top and within reach above it), with no other table
 * of the page in between. */
static int stands_over(const tt_page *page, size_t k, const tt_free_block *fb, int reach)
{
    const tt_bbox *t = &page->tables[k].bbox;
    int cx = fb->x + fb->w / 2, foot = fb->y + fb->h;
    if (cx < t->x || cx > t->x + t->w || foot > t->y + fb->h / 2 || foot < t->y - reach) return 0;
    for (size_t o = 0; o < page->ntables; o++) {
        const tt_bbox *ob = &page->tables[o].bbox;
        if (o == k || ob->x > cx || ob->x + ob->w < cx) continue;
        if (ob->y < t->y && ob->y + ob->h > fb->y) return 0;
    }
    return 1;
}

/* The lattice column of t holding the middle of block fb, or -1. */
static int column_at(const tt_table *t, const tt_free_block *fb)
{
    int x = fb->x + fb->w / 2;
    for (int c = 0; c < t->ncols; c++)
        if (x >= t->col_pos[c] && x < t->col_pos[c + 1]) return c;
    return -1;
}

/* Puts the heading blocks head[0, nhead) (top to bottom) as one cell across t, or, when
 * side, as one cell per column they stand over (lists side by side, each headed on its
 * own), and the rows rows[0, nrows) (each the blocks of one text line, listed from
 * row_first[r] to row_first[r + 1] in blocks, top to bottom), above t's first row. */
static ap_status prepend_rows(tt_table *t, const tt_free_block *b, const size_t *head, size_t nhead,
                              int side, const size_t *blocks, const size_t *row_first,
                              size_t nrows)
{
    size_t add = 1 + nrows, nb = row_first[nrows];
    int *row_pos = malloc(((size_t)t->nrows + add + 1) * sizeof *row_pos);
    tt_cell *cells = calloc(t->ncells + 1 + nhead + nb, sizeof *cells);
    if (!row_pos || !cells) {
        free(row_pos);
        free(cells);
        return AP_ERR_NOMEM;
    }
    int top = t->row_pos[0];
    for (size_t k = 0; k < nhead; k++)
        top = b[head[k]].y < top ? b[head[k]].y : top;
    row_pos[0] = top;
    for (size_t r = 0; r < nrows; r++) {
        int y = t->row_pos[0];
        for (size_t k = row_first[r]; k < row_first[r + 1]; k++)
            y = b[blocks[k]].y < y ? b[blocks[k]].y : y;
        row_pos[r + 1] = y > row_pos[r] ? y : row_pos[r] + 1;
    }
    for (int r = 0; r <= t->nrows; r++)
        row_pos[add + (size_t)r] =
            t->row_pos[r] > row_pos[add - 1] ? t->row_pos[r] : row_pos[add - 1] + 1;
    size_t n = 0;
    ap_status st = AP_OK;
    if (!side) {
        tt_cell *h = &cells[n++];
        *h = (tt_cell){.row = 0, .col = 0, .nrows = 1, .ncols = t->ncols, .confidence = 100};
        h->bbox =
            (tt_bbox){.page = 1, .x = t->bbox.x, .y = top, .w = t->bbox.w, .h = row_pos[1] - top};
    }
    for (size_t k = 0; k < nhead && st == AP_OK; k++) {
        tt_cell *h = side ? NULL : &cells[0];
        int col = column_at(t, &b[head[k]]);
        for (size_t i = 0; side && !h && i < n; i++)
            if (cells[i].col == col) h = &cells[i];
        if (!h) {
            h = &cells[n++];
            *h = (tt_cell){.row = 0, .col = col, .nrows = 1, .ncols = 1, .confidence = 100};
            h->bbox = (tt_bbox){.page = 1,
                                .x = t->col_pos[col],
                                .y = top,
                                .w = t->col_pos[col + 1] - t->col_pos[col],
                                .h = row_pos[1] - top};
        }
        for (size_t l = 0; l < b[head[k]].nlines && st == AP_OK; l++) {
            const tt_line *line = &b[head[k]].lines[l];
            st = tt_lines_add(&h->lines, &h->nlines, line->text, line->confidence, line->height,
                              line->width);
            if (st == AP_OK && line->confidence < h->confidence) h->confidence = line->confidence;
        }
    }
    for (size_t r = 0; r < nrows && st == AP_OK; r++)
        for (size_t k = row_first[r]; k < row_first[r + 1] && st == AP_OK; k++) {
            const tt_free_block *fb = &b[blocks[k]];
            tt_cell *c = &cells[n++];
            *c = (tt_cell){
                .row = (int)r + 1, .col = column_at(t, fb), .nrows = 1, .ncols = 1};
            st = copy_lines(c, fb);
        }
    if (st != AP_OK) {
        tt_cells_free(cells, n);
        free(row_pos);
        return st;
    }
    tt_table_add_top_rows(t, row_pos, cells, n, (int)add);
    return AP_OK;
}

/* Whether the heading blocks head[0, nhead) head lists side by side: two of them naming
 * days on one line, over different columns of t, and every heading block over a column
 * ("Monday to Thursday" over one list, "Friday" over the other, in one ruled frame). Read
 * as one heading across the table, every row would take the days of both. */
static int side_headings(const tt_table *t, const tt_free_block *b, const size_t *head,
                         size_t nhead)
{
    for (size_t k = 0; k < nhead; k++)
        if (column_at(t, &b[head[k]]) < 0) return 0;
    long first = -1;
    for (size_t k = 0; k < nhead; k++) {
        int col = column_at(t, &b[head[k]]);
        if (!names_days(&b[head[k]])) continue;
        if (first < 0) {
            first = (long)k;
            continue;
        }
        const tt_free_block *a = &b[head[first]];
        if (on_one_line(a, &b[head[k]]) && column_at(t, a) != col) return 1;
    }
    return 0;
}

/* Of side headings head[0, nhead), into out: those over a column that one naming days
 * stands over (a title over the list's heading); a line over another column (the class
 * printed over the times) is no list's and stays free text. Returns how many. */
static size_t side_heading_columns(const tt_table *t, const tt_free_block *b, const size_t *head,
                                   size_t nhead, size_t *out)
{
    size_t n = 0;
    for (size_t k = 0; k < nhead; k++) {
        int col = column_at(t, &b[head[k]]), headed = 0;
        for (size_t j = 0; j < nhead && !headed; j++)
            headed = names_days(&b[head[j]]) && column_at(t, &b[head[j]]) == col;
        if (headed) out[n++] = head[k];
    }
    return n;
}

ap_status tt_free_headings(const tt_free_block *b, size_t n, unsigned char *used, tt_page *page)
{
    ap_status st = AP_ERR_NOMEM;
    size_t *over = malloc((n ? n : 1) * sizeof *over), *head = malloc((n ? n : 1) * sizeof *head);
    size_t *rows = malloc((n ? n : 1) * sizeof *rows);
    size_t *first = malloc((n + 1) * sizeof *first);
    size_t *side_head = malloc((n ? n : 1) * sizeof *side_head);
    if (!over || !head || !rows || !first || !side_head) goto out;
    st = AP_OK;
    for (size_t k = 0; k < page->ntables && st == AP_OK; k++) {
        tt_table *t = &page->tables[k];
        int pitch = tt_table_row_pitch(t);
        if (!pitch || t->ncols < 1 || tt_table_names_day(t, -1)) continue;
        size_t nover = 0;
        for (size_t i = 0; i < n; i++)
            if (!used[i] && b[i].nlines && stands_over(page, k, &b[i], 3 * pitch))
                over[nover++] = i;
        sort_by_y(over, nover, b);
        /* the last block naming days: the heading ends on its line; a grid's day names
         * (one block a day) are no list's heading */
        long day_at = -1;
        int day_blocks = 0;
        for (size_t j = 0; j < nover; j++)
            if (names_days(&b[over[j]])) day_at = (long)j, day_blocks++;
        if (day_at < 0 || day_blocks > 2) continue;
        /* above and on the heading's line, and lines without a time under it: heading;
         * a line under it holding a time, or blocks in two of the table's columns, all
         * within its columns: a row of the list */
        size_t nhead = 0, nrows = 0, nb = 0, nside = 0;
        for (size_t j = 0; j < nover;) {
            size_t e = j + 1;
            while (e < nover && on_one_line(&b[over[j]], &b[over[e]]))
                e++;
            int timed = 0, inside = 1, first_col = -1, apart = 0;
            for (size_t q = j; q < e; q++) {
                int c = column_at(t, &b[over[q]]);
                timed |= tt_free_block_is_times(&b[over[q]]);
                inside &= c >= 0;
                if (first_col < 0) first_col = c;
                apart |= c != first_col;
            }
            /* a row: a time, or blocks in two columns (a time OCR misread beside a name) */
            if ((long)j > day_at && (timed || apart) && inside) {
                first[nrows++] = nb;
                for (size_t q = j; q < e; q++)
                    rows[nb++] = over[q];
            } else if (nrows == 0 && !timed) {
                /* a line in two columns is no heading across, but may head lists side
                 * by side */
                for (size_t q = j; q < e; q++) {
                    side_head[nside++] = over[q];
                    if (!apart) head[nhead++] = over[q];
                }
            }
            j = e;
        }
        first[nrows] = nb;
        int side = side_headings(t, b, side_head, nside);
        if (side) nhead = side_heading_columns(t, b, side_head, nside, head);
        if ((st = prepend_rows(t, b, head, nhead, side, rows, first, nrows)) != AP_OK) break;
        for (size_t q = 0; q < nhead; q++)
            used[head[q]] = 1;
        for (size_t q = 0; q < nb; q++)
            used[rows[q]] = 1;
    }
out:
    free(over);
    free(head);
    free(rows);
    free(first);
    free(side_head);
    return st;
}

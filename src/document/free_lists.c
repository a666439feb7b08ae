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

static int is_time_block(const tt_free_block *b)
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
 * right), a name (two letters or more, no time), within reach; -1 when none. */
static long name_beside(const tt_free_block *b, size_t n, const unsigned char *used,
                        const unsigned char *timed, size_t t, int side)
{
    long best = -1;
    int best_gap = 0, reach = 2 * b[t].w + 4 * b[t].h;
    for (size_t i = 0; i < n; i++) {
        if (i == t || used[i] || timed[i] || !on_one_line(&b[t], &b[i]) || letters_of(&b[i]) < 2)
            continue;
        int gap = side > 0 ? b[i].x - (b[t].x + b[t].w) : b[t].x - (b[i].x + b[i].w);
        if (gap < 0 || gap > reach) continue;
        if (best < 0 || gap < best_gap) best = (long)i, best_gap = gap;
    }
    return best;
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

ap_status tt_free_lists(const tt_free_block *b, size_t n, unsigned char *used, tt_page *page)
{
    ap_status st = AP_ERR_NOMEM;
    size_t *order = malloc((n ? n : 1) * sizeof *order), *col = malloc((n ? n : 1) * sizeof *col);
    size_t *names = malloc((n ? n : 1) * sizeof *names), *head = malloc((n ? n : 1) * sizeof *head);
    unsigned char *timed = calloc(n ? n : 1, 1), *taken = calloc(n ? n : 1, 1);
    if (!order || !col || !names || !head || !timed || !taken) goto out;
    st = AP_OK;
    size_t nt = 0;
    for (size_t i = 0; i < n; i++)
        if (!used[i] && is_time_block(&b[i])) timed[i] = 1, order[nt++] = i;
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
        int right = 0;
        for (size_t r = 0; r < nc; r++)
            right += (name_beside(b, n, used, timed, col[r], 1) >= 0) -
                     (name_beside(b, n, used, timed, col[r], -1) >= 0);
        size_t rows = 0;
        for (size_t r = 0; r < nc; r++) {
            long nm = name_beside(b, n, used, timed, col[r], right >= 0 ? 1 : -1);
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

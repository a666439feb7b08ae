/* table_time_lists: lists whose times a table beside them took (see readers.h).
 *
 * A list set without rules between ruled ones (its names and heading printed on the
 * paper, its times boxed) reaches the raster reader split in two: its names and heading
 * as free text, and its column of times as the edge column of the ruled list beside it,
 * whose rules the boxes joined. Read so, the list's names are lost and the table beside
 * it takes the wrong times. A table's edge column that holds times alone, at least three,
 * under no heading of its own (the cells above them empty), is offered to tt_free_lists
 * with the free text: when a list is found that takes its times, the times leave the
 * table. Nothing here reads pixels: only the blocks' and lines' boxes and their text.
 *
 * Ownership: blocks are borrowed; lines taken from a table's cells are freed there (the
 * list copies them). */
#include <stdlib.h>
#include <string.h>

#include "document/readers.h"

#define MIN_TIMES 3 /* as tt_free_lists wants */

/* The block of cell c's lines: their boxes' union. */
static tt_free_block cell_block(const tt_cell *c)
{
    int x0 = c->lines[0].box.x, y0 = c->lines[0].box.y;
    int x1 = x0 + c->lines[0].box.w, y1 = y0 + c->lines[0].box.h;
    for (size_t k = 1; k < c->nlines; k++) {
        const tt_bbox *b = &c->lines[k].box;
        x0 = b->x < x0 ? b->x : x0, y0 = b->y < y0 ? b->y : y0;
        x1 = b->x + b->w > x1 ? b->x + b->w : x1, y1 = b->y + b->h > y1 ? b->y + b->h : y1;
    }
    return (tt_free_block){x0, y0, x1 - x0, y1 - y0, c->lines, c->nlines};
}

/* Whether cell c's lines, joined, are times alone, every line placed on the page. */
static int times_only(const tt_cell *c)
{
    for (size_t k = 0; k < c->nlines; k++)
        if (c->lines[k].box.w <= 0 || c->lines[k].box.h <= 0) return 0;
    if (!c->nlines) return 0;
    tt_free_block blk = cell_block(c);
    return tt_free_block_is_times(&blk);
}

/* The cells of table t's column col that make a list's times: every cell with print
 * there lies in that column alone and holds times alone, at least MIN_TIMES of them, and
 * no cell with print stands above the first (no heading of the column's own). Writes
 * their indices, top to bottom, to idx and returns their count, or 0. */
static size_t time_column(const tt_table *t, int col, size_t *idx)
{
    size_t n = 0;
    int first = t->nrows;
    for (size_t i = 0; i < t->ncells; i++) {
        const tt_cell *c = &t->cells[i];
        if (c->col > col || c->col + c->ncols <= col || !c->nlines) continue;
        if (c->ncols != 1 || c->rotation != 0 || !times_only(c)) return 0;
        if (c->row < first) first = c->row;
        idx[n++] = i; /* cells come sorted by row */
    }
    for (size_t i = 0; i < t->ncells; i++) {
        const tt_cell *c = &t->cells[i];
        if (c->nlines && c->row + c->nrows <= first && c->col <= col && col < c->col + c->ncols)
            return 0;
    }
    return n >= MIN_TIMES ? n : 0;
}

/* Offers column col of table k with the free blocks b[0, n) to tt_free_lists; the cells a
 * list takes are emptied, the free blocks it takes marked in used[]. */
static ap_status offer_column(const tt_free_block *b, size_t n, unsigned char *used, tt_page *page,
                              size_t k, int col)
{
    const tt_table *t = &page->tables[k];
    size_t *idx = malloc((t->ncells ? t->ncells : 1) * sizeof *idx);
    tt_free_block *all = malloc((n + t->ncells + 1) * sizeof *all);
    unsigned char *u = calloc(n + t->ncells + 1, 1);
    ap_status st = AP_ERR_NOMEM;
    if (!idx || !all || !u) goto out;
    st = AP_OK;
    size_t m = time_column(t, col, idx);
    if (!m) goto out;
    memcpy(all, b, n * sizeof *all);
    memcpy(u, used, n);
    for (size_t j = 0; j < m; j++)
        all[n + j] = cell_block(&t->cells[idx[j]]);
    size_t before = page->ntables;
    if ((st = tt_free_lists(all, n + m, u, page)) != AP_OK || page->ntables == before) goto out;
    for (size_t j = 0; j < m; j++) {
        if (!u[n + j]) continue;
        tt_cell *c = &page->tables[k].cells[idx[j]]; /* the page's tables moved */
        tt_lines_free(c->lines, c->nlines);
        c->lines = NULL, c->nlines = 0;
    }
    memcpy(used, u, n);
out:
    free(idx);
    free(all);
    free(u);
    return st;
}

ap_status tt_table_time_lists(const tt_free_block *b, size_t n, unsigned char *used, tt_page *page)
{
    size_t ntables = page->ntables; /* lists found are appended: not looked into */
    for (size_t k = 0; k < ntables; k++) {
        int last = page->tables[k].ncols - 1;
        for (int side = 0; side < 2 && last > 0; side++) {
            ap_status st = offer_column(b, n, used, page, k, side ? last : 0);
            if (st != AP_OK) return st;
        }
    }
    return AP_OK;
}

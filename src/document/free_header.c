/* free_header: a grid's times printed above its frame (see readers.h).
 *
 * A timetable may rule its body (the days' rows inside a frame) and print its columns'
 * times above the frame, unruled: the table found holds the days and the lessons but no
 * header, the times reach the raster reader as blocks of free text, and every lesson
 * loses its times. Where a table names days and its top row prints no time, the free
 * blocks standing just over it (their feet within its row pitch of its top, their middles
 * over its columns) that hold times in three of its columns or more are its header: one
 * cell per column over which they stand, added as its top row. Nothing here reads pixels:
 * only the blocks' boxes and their text.
 *
 * Ownership: blocks are borrowed; the new cells' lines are copies the page owns. */
#include <stdlib.h>
#include <string.h>

#include "document/readers.h"
#include "document/timeparse.h"

/* Columns printing a time above the frame, at least, for a header. */
#define HEADER_MIN_TIMED 3

/* The lattice column of t holding x, or -1. */
static int column_of(const tt_table *t, int x)
{
    for (int c = 0; c < t->ncols; c++)
        if (x >= t->col_pos[c] && x < t->col_pos[c + 1]) return c;
    return -1;
}

/* Whether the text of the lines holds a time. */
static int lines_timed(const tt_line *lines, size_t n)
{
    for (size_t k = 0; k < n; k++) {
        tp_match m;
        if (tp_find(lines[k].text, strlen(lines[k].text), 0, 0, &m)) return 1;
    }
    return 0;
}

/* Whether a cell of t's row holds a time. */
static int row_timed(const tt_table *t, int row)
{
    for (size_t i = 0; i < t->ncells; i++)
        if (t->cells[i].row == row && lines_timed(t->cells[i].lines, t->cells[i].nlines)) return 1;
    return 0;
}

/* The column of t block fb stands over (its middle over the column, its foot no lower
 * than t's top and within reach above it, no other table of the page between), or -1. */
static int column_under(const tt_page *page, size_t k, const tt_free_block *fb, int reach)
{
    const tt_table *t = &page->tables[k];
    int cx = fb->x + fb->w / 2, foot = fb->y + fb->h, top = t->row_pos[0];
    if (foot > top + fb->h / 4 || foot < top - reach) return -1;
    for (size_t o = 0; o < page->ntables; o++) {
        const tt_bbox *ob = &page->tables[o].bbox;
        if (o == k || ob->x > cx || ob->x + ob->w < cx) continue;
        if (ob->y < top && ob->y + ob->h > fb->y) return -1;
    }
    return column_of(t, cx);
}

/* Orders the blocks of one column as read: top to bottom, but bottom to top where every
 * one is set sideways (taller than twice its width: a time printed up the column, which
 * the reader found in pieces). */
static void order_column(size_t *idx, size_t n, const tt_free_block *b)
{
    int sideways = 1;
    for (size_t i = 0; i < n; i++)
        sideways &= b[idx[i]].h > 2 * b[idx[i]].w;
    for (size_t i = 1; i < n; i++)
        for (size_t j = i; j > 0; j--) {
            int ya = b[idx[j - 1]].y, yb = b[idx[j]].y;
            if (sideways ? ya >= yb : ya <= yb) break;
            size_t tmp = idx[j];
            idx[j] = idx[j - 1], idx[j - 1] = tmp;
        }
}

/* Puts the blocks col_of[] assigns to t's columns (in[0, nin), -1 for none) above t as a
 * row of one cell per column. */
static ap_status prepend_header(tt_table *t, const tt_free_block *b, const size_t *in, size_t nin,
                                const int *col_of)
{
    int *row_pos = malloc(((size_t)t->nrows + 2) * sizeof *row_pos);
    tt_cell *cells = calloc(t->ncells + (size_t)t->ncols, sizeof *cells);
    size_t *idx = malloc((nin ? nin : 1) * sizeof *idx);
    ap_status st = AP_ERR_NOMEM;
    size_t n = 0;
    if (!row_pos || !cells || !idx) goto fail;
    int top = t->row_pos[0];
    for (size_t i = 0; i < nin; i++)
        top = b[in[i]].y < top ? b[in[i]].y : top;
    row_pos[0] = top < t->row_pos[0] ? top : t->row_pos[0] - 1;
    memcpy(row_pos + 1, t->row_pos, ((size_t)t->nrows + 1) * sizeof *row_pos);
    st = AP_OK;
    for (int c = 0; c < t->ncols && st == AP_OK; c++) {
        size_t m = 0;
        for (size_t i = 0; i < nin; i++)
            if (col_of[i] == c) idx[m++] = in[i];
        if (!m) continue;
        order_column(idx, m, b);
        tt_cell *cell = &cells[n++];
        *cell = (tt_cell){.row = 0, .col = c, .nrows = 1, .ncols = 1, .confidence = 100};
        cell->bbox = (tt_bbox){.page = 1,
                               .x = t->col_pos[c],
                               .y = row_pos[0],
                               .w = t->col_pos[c + 1] - t->col_pos[c],
                               .h = row_pos[1] - row_pos[0]};
        for (size_t j = 0; j < m && st == AP_OK; j++)
            for (size_t l = 0; l < b[idx[j]].nlines && st == AP_OK; l++) {
                const tt_line *line = &b[idx[j]].lines[l];
                if ((st = tt_lines_add_copy(&cell->lines, &cell->nlines, line)) != AP_OK) break;
                if (line->confidence < cell->confidence) cell->confidence = line->confidence;
            }
    }
    if (st != AP_OK) goto fail;
    free(idx);
    tt_table_add_top_rows(t, row_pos, cells, n, 1);
    return AP_OK;
fail:
    tt_cells_free(cells, n);
    free(row_pos);
    free(idx);
    return st;
}

ap_status tt_free_time_header(const tt_free_block *b, size_t n, unsigned char *used, tt_page *page)
{
    size_t *in = malloc((n ? n : 1) * sizeof *in);
    int *col_of = malloc((n ? n : 1) * sizeof *col_of);
    ap_status st = in && col_of ? AP_OK : AP_ERR_NOMEM;
    for (size_t k = 0; k < page->ntables && st == AP_OK; k++) {
        tt_table *t = &page->tables[k];
        int pitch = tt_table_row_pitch(t);
        if (!pitch || t->ncols < HEADER_MIN_TIMED || !tt_table_names_day(t, -1) || row_timed(t, 0))
            continue;
        size_t nin = 0;
        int timed_cols = 0;
        unsigned char seen[256] = {0}; /* columns holding a time, while they fit */
        for (size_t i = 0; i < n; i++) {
            if (used[i] || !b[i].nlines) continue;
            int c = column_under(page, k, &b[i], pitch);
            if (c < 0) continue;
            in[nin] = i, col_of[nin++] = c;
            if (c < (int)sizeof seen && !seen[c] && lines_timed(b[i].lines, b[i].nlines))
                seen[c] = 1, timed_cols++;
        }
        if (timed_cols < HEADER_MIN_TIMED) continue;
        if ((st = prepend_header(t, b, in, nin, col_of)) != AP_OK) break;
        for (size_t i = 0; i < nin; i++)
            used[in[i]] = 1;
    }
    free(in);
    free(col_of);
    return st;
}

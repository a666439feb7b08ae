/* free_day_rows: a grid's day row, and its first rows, printed above its ruled body (see
 * readers.h).
 *
 * A timetable may rule only the later part of its grid: the day names and the first rows
 * (times in the first column, lessons under the days) printed without rules above the
 * frame. The table found holds the later rows under no day; the day row and the rows
 * over the frame reach the raster reader as blocks of free text, and the whole upper part
 * is lost or read as lists. Where a table names no day and a line of free blocks over its
 * columns names days in three of them, with every block between that line and the frame
 * standing over a column (the frame's own columns carried up), those blocks become the
 * table's top rows: the day line its first row, and one row per label of its first
 * column below it (each row reaching halfway to the next label); a block set halfway
 * between two labels spans both rows (a lesson printed across two periods). Nothing here
 * reads pixels: only the blocks' boxes and their text.
 *
 * Ownership: blocks are borrowed; the new cells' lines are copies the page owns. */
#include <stdlib.h>
#include <string.h>

#include "document/readers.h"
#include "document/timeparse.h"

/* Columns naming a day, at least, for a day row. */
#define DAY_ROW_MIN_DAYS 3
/* How far above the frame the day row may stand, in the table's row pitches. */
#define DAY_ROW_REACH 8
/* Rows above the frame, at most (labels of the first column). */
#define MAX_UPPER_ROWS 16

/* The lattice column of t holding x, or -1. */
static int column_of(const tt_table *t, int x)
{
    for (int c = 0; c < t->ncols; c++)
        if (x >= t->col_pos[c] && x < t->col_pos[c + 1]) return c;
    return -1;
}

static int block_names_day(const tt_free_block *fb)
{
    for (size_t k = 0; k < fb->nlines; k++)
        if (tt_text_names_day(fb->lines[k].text, strlen(fb->lines[k].text))) return 1;
    return 0;
}

static int block_timed(const tt_free_block *fb)
{
    for (size_t k = 0; k < fb->nlines; k++) {
        tp_match m;
        if (tp_find(fb->lines[k].text, strlen(fb->lines[k].text), 0, 0, &m)) return 1;
    }
    return 0;
}

/* Whether another table of page lies across the band [y0, y1) over t's width. */
static int band_crossed(const tt_page *page, size_t k, int y0, int y1)
{
    const tt_bbox *tb = &page->tables[k].bbox;
    for (size_t o = 0; o < page->ntables; o++) {
        const tt_bbox *ob = &page->tables[o].bbox;
        if (o == k || ob->x >= tb->x + tb->w || ob->x + ob->w <= tb->x) continue;
        if (ob->y < y1 && ob->y + ob->h > y0) return 1;
    }
    return 0;
}

/* The upper part found over one table: its blocks, their rows and columns. */
typedef struct upper {
    size_t in[256]; /* blocks taken */
    int row[256];   /* the row of each (0: the day row) */
    int span[256];  /* rows it spans */
    int col[256];   /* its column */
    size_t n;
    int row_pos[MAX_UPPER_ROWS + 2]; /* rows' tops, then the frame's top */
    int nrows;                       /* the day row and the rows under it */
} upper;

/* The rows under the day line (foot) down to the frame's top: one per block of column 0,
 * reaching halfway to the next. Returns 0 when there are too many, or when none holds a
 * time (no timed rows: not a grid's first rows). */
static int label_rows(const tt_free_block *b, upper *u, int foot, int top)
{
    int mids[MAX_UPPER_ROWS], nm = 0, timed = 0;
    for (size_t i = 0; i < u->n; i++) {
        const tt_free_block *fb = &b[u->in[i]];
        if (u->row[i] == 0 || u->col[i] != 0) continue;
        if (nm == MAX_UPPER_ROWS) return 0;
        int m = fb->y + fb->h / 2, j = nm++;
        for (; j > 0 && mids[j - 1] > m; j--)
            mids[j] = mids[j - 1];
        mids[j] = m;
        timed |= block_timed(fb);
    }
    u->nrows = 1;
    if (!nm) { /* the day row alone, or lessons under no label */
        for (size_t i = 0; i < u->n; i++)
            if (u->row[i]) return 0;
        return 1;
    }
    if (!timed) return 0;
    u->row_pos[1] = foot;
    for (int j = 1; j < nm; j++)
        u->row_pos[1 + j] = (mids[j - 1] + mids[j]) / 2;
    u->row_pos[1 + nm] = top;
    u->nrows = 1 + nm;
    return 1;
}

/* Places each block under the day line in its row: the one holding its middle, and the
 * next one up or down too where the middle lies nearer that row's edge than its label's
 * middle (a lesson printed across two periods). */
static void place_rows(const tt_free_block *b, upper *u)
{
    for (size_t i = 0; i < u->n; i++) {
        if (u->row[i] == 0) continue;
        const tt_free_block *fb = &b[u->in[i]];
        int m = fb->y + fb->h / 2, r = 1;
        while (r + 1 < u->nrows && m >= u->row_pos[r + 1])
            r++;
        u->row[i] = r, u->span[i] = 1;
        if (u->col[i] == 0) continue;
        int mid = (u->row_pos[r] + u->row_pos[r + 1]) / 2, h = u->row_pos[r + 1] - u->row_pos[r];
        if (m < mid - h / 4 && r > 1)
            u->row[i] = r - 1, u->span[i] = 2;
        else if (m > mid + h / 4 && r + 1 < u->nrows)
            u->span[i] = 2;
    }
}

/* Finds the day line over table k and the blocks between it and the frame; 0 when there
 * is none, or a block there stands over no column. */
static int find_upper(const tt_free_block *b, size_t n, const unsigned char *used,
                      const tt_page *page, size_t k, upper *u)
{
    const tt_table *t = &page->tables[k];
    int top = t->row_pos[0], pitch = tt_table_row_pitch(t);
    /* the day line: the lowest block naming a day over a column, and the blocks on its
     * line */
    long day = -1;
    for (size_t i = 0; i < n; i++) {
        const tt_free_block *fb = &b[i];
        if (used[i] || !fb->nlines || fb->y + fb->h > top ||
            fb->y + fb->h < top - DAY_ROW_REACH * pitch)
            continue;
        if (column_of(t, fb->x + fb->w / 2) < 0 || !block_names_day(fb)) continue;
        if (day < 0 || fb->y > b[day].y) day = (long)i;
    }
    if (day < 0) return 0;
    int line_top = b[day].y, line_foot = b[day].y + b[day].h;
    int days = 0;
    unsigned char named[256] = {0};
    u->n = 0;
    for (size_t i = 0; i < n; i++) {
        const tt_free_block *fb = &b[i];
        if (used[i] || !fb->nlines) continue;
        int m = fb->y + fb->h / 2, c = column_of(t, fb->x + fb->w / 2);
        int on_line = m >= line_top && m < line_foot;
        if (!on_line && (m < line_foot || fb->y + fb->h > top)) continue;
        /* across the table's width but over no column: no part of this grid */
        if (c < 0) {
            if (fb->x + fb->w > t->col_pos[0] && fb->x < t->col_pos[t->ncols]) return 0;
            continue;
        }
        if (u->n == sizeof u->in / sizeof u->in[0]) return 0;
        if (on_line && block_names_day(fb) && c < (int)sizeof named && !named[c])
            named[c] = 1, days++;
        u->in[u->n] = i, u->col[u->n] = c, u->row[u->n] = on_line ? 0 : 1, u->span[u->n++] = 1;
    }
    if (days < DAY_ROW_MIN_DAYS || band_crossed(page, k, line_top, top)) return 0;
    for (size_t i = 0; i < u->n; i++) {
        int foot = b[u->in[i]].y + b[u->in[i]].h;
        if (u->row[i] == 0 && foot > line_foot) line_foot = foot;
    }
    u->row_pos[0] = line_top;
    u->row_pos[1] = top;
    if (!label_rows(b, u, line_foot, top)) return 0;
    place_rows(b, u);
    return 1;
}

/* Copies the lines of the blocks of u in (row, col) into cell, top to bottom. */
static ap_status fill_cell(const tt_free_block *b, const upper *u, int row, int col, tt_cell *cell)
{
    size_t idx[256], m = 0;
    for (size_t i = 0; i < u->n; i++)
        if (u->row[i] == row && u->col[i] == col) {
            size_t j = m++;
            for (; j > 0 && b[idx[j - 1]].y > b[u->in[i]].y; j--)
                idx[j] = idx[j - 1];
            idx[j] = u->in[i];
        }
    for (size_t j = 0; j < m; j++)
        for (size_t l = 0; l < b[idx[j]].nlines; l++) {
            const tt_line *line = &b[idx[j]].lines[l];
            if (tt_lines_add_copy(&cell->lines, &cell->nlines, line) != AP_OK)
                return AP_ERR_NOMEM;
            if (line->confidence < cell->confidence) cell->confidence = line->confidence;
        }
    return AP_OK;
}

/* Puts u's rows above t: a cell for each (row, column) holding blocks. */
static ap_status prepend_rows(tt_table *t, const tt_free_block *b, const upper *u)
{
    int add = u->nrows;
    int *row_pos = malloc(((size_t)t->nrows + (size_t)add + 1) * sizeof *row_pos);
    tt_cell *cells = calloc(t->ncells + (size_t)add * (size_t)t->ncols, sizeof *cells);
    size_t n = 0;
    ap_status st = row_pos && cells ? AP_OK : AP_ERR_NOMEM;
    if (st != AP_OK) goto fail;
    memcpy(row_pos, u->row_pos, (size_t)add * sizeof *row_pos);
    memcpy(row_pos + add, t->row_pos, ((size_t)t->nrows + 1) * sizeof *row_pos);
    for (int r = 0; r < add && st == AP_OK; r++)
        for (int c = 0; c < t->ncols && st == AP_OK; c++) {
            int span = 0;
            for (size_t i = 0; i < u->n; i++)
                if (u->row[i] == r && u->col[i] == c && u->span[i] > span) span = u->span[i];
            if (!span) continue;
            tt_cell *cell = &cells[n++];
            *cell = (tt_cell){.row = r, .col = c, .nrows = span, .ncols = 1, .confidence = 100};
            cell->bbox = (tt_bbox){.page = 1,
                                   .x = t->col_pos[c],
                                   .y = row_pos[r],
                                   .w = t->col_pos[c + 1] - t->col_pos[c],
                                   .h = row_pos[r + span] - row_pos[r]};
            st = fill_cell(b, u, r, c, cell);
        }
    if (st != AP_OK) goto fail;
    tt_table_add_top_rows(t, row_pos, cells, n, add);
    return AP_OK;
fail:
    tt_cells_free(cells, n);
    free(row_pos);
    return st;
}

ap_status tt_free_day_rows(const tt_free_block *b, size_t n, unsigned char *used, tt_page *page)
{
    upper *u = malloc(sizeof *u);
    if (!u) return AP_ERR_NOMEM;
    ap_status st = AP_OK;
    for (size_t k = 0; k < page->ntables && st == AP_OK; k++) {
        tt_table *t = &page->tables[k];
        if (!tt_table_row_pitch(t) || t->ncols < DAY_ROW_MIN_DAYS || tt_table_names_day(t, -1))
            continue;
        if (!find_upper(b, n, used, page, k, u)) continue;
        if ((st = prepend_rows(t, b, u)) != AP_OK) break;
        for (size_t i = 0; i < u->n; i++)
            used[u->in[i]] = 1;
    }
    free(u);
    return st;
}

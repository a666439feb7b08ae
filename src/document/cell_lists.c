/* cell_lists: lists printed without rules inside one cell of a ruled table (see
 * readers.h).
 *
 * A frame around two lists side by side, one ruled and one not, makes one lattice: the
 * ruled list's cells, and the unruled list as a single cell beside them, its heading,
 * names and times all lines of that cell. Read as one cell, the list's rows are lost.
 * Its lines, each with its box on the page, are the blocks tt_free_lists takes from free
 * text; a list found among them becomes a table of its own and leaves the cell.
 *
 * Only a cell that could hold a list is looked at (at least LIST_MIN_TIMES lines that
 * are times alone and a line for each, every line placed on the page, text upright), so
 * an ordinary grid pays a scan of its cells' lines. */
#include <stdlib.h>
#include <string.h>

#include "document/readers.h"
#include "document/timeparse.h"

/* Times in a list: tt_free_lists wants three rows at least; a heading and three rows of a
 * name and a time are seven lines. */
#define LIST_MIN_TIMES 3
#define LIST_MIN_LINES (2 * LIST_MIN_TIMES + 1)

static int may_hold_list(const tt_cell *cell)
{
    if (cell->rotation != 0 || cell->nlines < LIST_MIN_LINES) return 0;
    size_t times = 0;
    for (size_t k = 0; k < cell->nlines; k++) {
        const tt_line *l = &cell->lines[k];
        if (l->box.w <= 0 || l->box.h <= 0) return 0; /* no place to line rows up by */
        times += tp_is_time_only(l->text, strlen(l->text), 0, NULL) != 0;
    }
    return times >= LIST_MIN_TIMES;
}

/* Drops the lines of cell marked in used[] (one flag a line). */
static void drop_lines(tt_cell *cell, const unsigned char *used)
{
    size_t kept = 0;
    for (size_t k = 0; k < cell->nlines; k++) {
        if (used[k]) {
            free(cell->lines[k].text);
            continue;
        }
        cell->lines[kept++] = cell->lines[k];
    }
    cell->nlines = kept;
}

/* Whether table t holds a cell under cell c, within c's columns: the lattice cut the list
 * where its rows happen to fall, and its rows go on below the cell. */
static int rows_below(const tt_table *t, const tt_cell *c)
{
    for (size_t i = 0; i < t->ncells; i++) {
        const tt_cell *o = &t->cells[i];
        if (o->row >= c->row + c->nrows && o->col >= c->col &&
            o->col + o->ncols <= c->col + c->ncols && o->nlines)
            return 1;
    }
    return 0;
}

/* Unmarks in used[] the lines of cell that head list (above its first row): a list whose
 * rows go on below the cell keeps its heading there too, so that the table's rows under
 * it are read as the same list's, on its days (cut from the lists beside it), rather than
 * as the rows of a list beside it. */
static void keep_heading(const tt_cell *cell, const tt_table *list, unsigned char *used)
{
    if (list->nrows < 2) return;
    int first = list->row_pos[1];
    for (size_t k = 0; k < cell->nlines; k++) {
        const tt_bbox *b = &cell->lines[k].box;
        if (used[k] && b->y + b->h / 2 < first) used[k] = 0;
    }
}

/* The lists in cell c of table t of page, as tt_free_lists finds them among its lines. */
static ap_status lists_of_cell(tt_page *page, size_t t, size_t c)
{
    const tt_cell *cell = &page->tables[t].cells[c];
    size_t n = cell->nlines;
    tt_free_block *blocks = malloc(n * sizeof *blocks);
    unsigned char *used = calloc(n, 1);
    ap_status st = AP_ERR_NOMEM;
    if (!blocks || !used) goto out;
    for (size_t k = 0; k < n; k++) {
        const tt_line *l = &cell->lines[k];
        blocks[k] = (tt_free_block){l->box.x, l->box.y, l->box.w, l->box.h, l, 1};
    }
    size_t before = page->ntables;
    /* the lines stay the cell's until the list, which copies them, is built */
    st = tt_free_lists(blocks, n, used, page);
    if (st != AP_OK || page->ntables == before) goto out;
    cell = &page->tables[t].cells[c]; /* the page's tables moved */
    if (page->ntables == before + 1 && rows_below(&page->tables[t], cell))
        keep_heading(cell, &page->tables[before], used);
    drop_lines(&page->tables[t].cells[c], used);
out:
    free(blocks);
    free(used);
    return st;
}

ap_status tt_cell_lists(tt_page *page)
{
    size_t ntables = page->ntables; /* lists found are appended: not looked into */
    for (size_t t = 0; t < ntables; t++)
        for (size_t c = 0; c < page->tables[t].ncells; c++) {
            if (!may_hold_list(&page->tables[t].cells[c])) continue;
            ap_status st = lists_of_cell(page, t, c);
            if (st != AP_OK) return st;
        }
    return AP_OK;
}

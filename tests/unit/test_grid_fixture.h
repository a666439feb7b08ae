/* Hand-built cell grids for the interpreter's unit tests (tt_grid_interpret without OCR):
 * tables built cell by cell, and checks of the blocks they give. Include after <cmocka.h>. */
#ifndef AP_TEST_GRID_FIXTURE_H
#define AP_TEST_GRID_FIXTURE_H

#include "document/grid.h"
#include "test_blocks.h"

#define HM(h, m) ((h)*60 + (m))

/* A table under construction: cells are added with their text lines ("|" separates lines;
 * a leading '~' makes a line small type). */
static inline void add_cell(tt_table *t, int row, int col, int nrows, int ncols, const char *text)
{
    t->cells = realloc(t->cells, (t->ncells + 1) * sizeof *t->cells);
    assert_non_null(t->cells);
    tt_cell *c = &t->cells[t->ncells++];
    memset(c, 0, sizeof *c);
    c->row = row, c->col = col, c->nrows = nrows, c->ncols = ncols;
    c->confidence = 95;
    c->bbox = (tt_bbox){.page = 1, .x = t->col_pos[col], .y = t->row_pos[row], .w = 10, .h = 10};
    char buf[256];
    snprintf(buf, sizeof buf, "%s", text);
    for (char *line = buf; line && *line;) {
        char *bar = strchr(line, '|');
        if (bar) *bar = '\0';
        float height = 20;
        if (*line == '~') line++, height = 12;
        assert_int_equal(tt_lines_add(&c->lines, &c->nlines, line, 95, height, 0.5f), AP_OK);
        line = bar ? bar + 1 : NULL;
    }
}

/* Evenly spaced lattice positions. */
static inline void lattice(tt_table *t, int nrows, int ncols)
{
    memset(t, 0, sizeof *t);
    t->nrows = nrows, t->ncols = ncols;
    t->row_pos = malloc((size_t)(nrows + 1) * sizeof *t->row_pos);
    t->col_pos = malloc((size_t)(ncols + 1) * sizeof *t->col_pos);
    assert_non_null(t->row_pos);
    assert_non_null(t->col_pos);
    for (int i = 0; i <= nrows; i++)
        t->row_pos[i] = 100 * i;
    for (int i = 0; i <= ncols; i++)
        t->col_pos[i] = 100 * i;
}

/* Every line of the table as text with its own sizes (PDF, DOCX), not OCR. */
static inline void mark_exact(tt_table *t)
{
    for (size_t i = 0; i < t->ncells; i++)
        for (size_t k = 0; k < t->cells[i].nlines; k++)
            t->cells[i].lines[k].flags |= TT_LINE_EXACT;
}

/* The page's only table, with an evenly spaced lattice. */
static inline tt_table *one_table(tt_page *page, int nrows, int ncols)
{
    page->tables = calloc(1, sizeof *page->tables);
    assert_non_null(page->tables);
    page->ntables = 1;
    lattice(&page->tables[0], nrows, ncols);
    return &page->tables[0];
}

static inline void interpret(tt_page *page, tt_doc *doc)
{
    ap_error err = {0};
    memset(doc, 0, sizeof *doc);
    assert_int_equal(tt_grid_interpret(page, 1, doc, &err), AP_OK);
}

/* Where a line lies on the page (as the raster reader says) and where its cell lies. */
static inline void place_line(tt_table *t, size_t cell, size_t line, int x, int y, int w, int h)
{
    assert_true(cell < t->ncells && line < t->cells[cell].nlines);
    t->cells[cell].lines[line].box = (tt_bbox){.page = 1, .x = x, .y = y, .w = w, .h = h};
}

static inline void place_cell(tt_table *t, size_t cell)
{
    tt_cell *c = &t->cells[cell];
    c->bbox = (tt_bbox){.page = 1,
                        .x = t->col_pos[c->col],
                        .y = t->row_pos[c->row],
                        .w = t->col_pos[c->col + c->ncols] - t->col_pos[c->col],
                        .h = t->row_pos[c->row + c->nrows] - t->row_pos[c->row]};
}

#endif

/* interpret_columns: a break's column read poorly on some days (document/
 * interpret_internal.h). A break or a registration printed in each day's cell of one
 * column is often set small or sideways to fit a narrow slot, and OCR reads some days'
 * prints as scraps ("al", "Wing Res") while it reads others clearly. Where every day's
 * cell of a column that reads clearly reads the same name, the cells read poorly in
 * that column print it too. Only for OCR text: print read exactly needs no help. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "document/interpret_internal.h"

/* A reading this sure (the cell's mean, 0..100) with a name of three letters or more is
 * clear; one under COLUMN_POOR is a scrap that no day's own lesson can be told from.
 * Readings between are neither: they must agree with the clear ones. */
#define COLUMN_CLEAR 80.0f
#define COLUMN_POOR  60.0f
/* Cells of one column at least: a break's column runs down the whole week. */
#define COLUMN_MIN_CELLS 3

/* Whether the cell lies in the rows of one day of the body. */
static int one_day(const tt_cell *c, const unsigned *row_days, int first_row, int nrows)
{
    if (c->row < first_row || c->row + c->nrows > nrows || !row_days[c->row]) return 0;
    for (int r = c->row + 1; r < c->row + c->nrows; r++)
        if (row_days[r] != row_days[c->row]) return 0;
    return 1;
}

/* The cells of the body in the same lattice columns as cell i, each of one day, into
 * idx (at most cap); returns their number, 0 when some cell there spans other columns
 * or several days (the column is no column of day cells). */
static size_t column_cells(const tt_table *t, const unsigned *row_days, int first_row, size_t i,
                           size_t *idx, size_t cap)
{
    const tt_cell *c = &t->cells[i];
    size_t n = 0;
    for (size_t j = 0; j < t->ncells; j++) {
        const tt_cell *o = &t->cells[j];
        if (o->row < first_row || o->col >= c->col + c->ncols || o->col + o->ncols <= c->col)
            continue;
        if (o->col != c->col || o->ncols != c->ncols ||
            !one_day(o, row_days, first_row, t->nrows) || n == cap)
            return 0;
        idx[n++] = j;
    }
    return n;
}

ap_status it_fill_misread_columns(const tt_table *t, it_cell *ci, const unsigned *row_days,
                                  int first_row, int data_col)
{
    if (!it_ocr_table(t)) return AP_OK;
    size_t idx[64];
    for (size_t i = 0; i < t->ncells; i++) {
        const tt_cell *c = &t->cells[i];
        /* each column once: from its first clear cell */
        if (c->col < data_col || ci[i].confidence < COLUMN_CLEAR || ci[i].letters < 3 ||
            ci[i].ntimes || !it_is_event(&ci[i]))
            continue;
        size_t n = column_cells(t, row_days, first_row, i, idx, sizeof idx / sizeof idx[0]);
        if (n < COLUMN_MIN_CELLS) continue;
        size_t poor = 0, first_clear = n;
        int agree = 1;
        for (size_t k = 0; k < n && agree; k++) {
            const it_cell *o = &ci[idx[k]];
            int clear = o->confidence >= COLUMN_CLEAR && o->letters >= 3;
            if (!o->ntimes && o->letters == 0) continue; /* empty: not filled */
            if (o->confidence < COLUMN_POOR && !o->ntimes) {
                poor++;
                continue;
            }
            if (clear && first_clear == n) first_clear = k;
            agree = it_is_event(o) && !o->ntimes && strcasecmp(o->name, ci[i].name) == 0;
        }
        if (!agree || !poor || idx[first_clear] != i) continue;
        for (size_t k = 0; k < n; k++) {
            it_cell *o = &ci[idx[k]];
            if (o->confidence >= COLUMN_POOR || o->ntimes || o->letters == 0) continue;
            char *copy = strdup(ci[i].name);
            if (!copy) return AP_ERR_NOMEM;
            free(o->name);
            free(o->notes);
            o->name = copy, o->notes = NULL;
            o->letters = ci[i].letters, o->day_label = 0, o->days = 0;
            o->confidence = COLUMN_POOR;
        }
    }
    return AP_OK;
}

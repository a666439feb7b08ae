/* interpret_times: times that grids and lists read alike (interpret_internal.h): a range
 * printed in two cells, and two readings of one boundary that OCR read apart. */
#include "document/interpret_internal.h"

/* Whether a cell's times are one time alone, no range. */
static int single_time(const it_cell *ci)
{
    return ci->ntimes == 1 && ci->end == TT_NO_TIME;
}

int it_ocr_table(const tt_table *t)
{
    for (size_t i = 0; i < t->ncells; i++)
        for (size_t k = 0; k < t->cells[i].nlines; k++)
            if (t->cells[i].lines[k].flags & TT_LINE_EXACT) return 0;
    return 1;
}

void it_mend_units(int *end, int *start)
{
    if (*end == TT_NO_TIME || *start == TT_NO_TIME || *end == *start || *end / 10 != *start / 10)
        return;
    if (*end % 5 && !(*start % 5))
        *end = *start;
    else if (*start % 5 && !(*end % 5))
        *start = *end;
}

/* A cell's place along the time axis and across it (across_rows: across is the rows). */
static int along0(const tt_cell *c, int across_rows)
{
    return across_rows ? c->col : c->row;
}

static int along1(const tt_cell *c, int across_rows)
{
    return across_rows ? c->col + c->ncols : c->row + c->nrows;
}

static int across0(const tt_cell *c, int across_rows)
{
    return across_rows ? c->row : c->col;
}

static int across1(const tt_cell *c, int across_rows)
{
    return across_rows ? c->row + c->nrows : c->col + c->ncols;
}

int it_pair_split_times(const tt_table *t, const it_cell *ci, const unsigned char *cand,
                        int across_rows, int *mate)
{
    const int ar = across_rows;
    for (size_t i = 0; i < t->ncells; i++)
        mate[i] = -1;
    /* each cell's partner just after it across, whatever lines they stand in */
    for (size_t i = 0; i < t->ncells; i++) {
        const tt_cell *c = &t->cells[i];
        if (!cand[i] || !(single_time(&ci[i]) || (!ci[i].ntimes && ci[i].name[0]))) continue;
        for (size_t j = 0; j < t->ncells; j++) {
            const tt_cell *o = &t->cells[j];
            if (j != i && cand[j] && single_time(&ci[j]) && along0(o, ar) == along0(c, ar) &&
                along1(o, ar) == along1(c, ar) && across0(o, ar) == across1(c, ar))
                mate[i] = (int)j;
        }
    }
    /* the pair of lines (first, second across) that most pairs read forward in */
    int best_a = -1, best_b = -1, best_fwd = 0, best_back = 0;
    for (size_t i = 0; i < t->ncells; i++) {
        if (mate[i] < 0) continue;
        int a = across0(&t->cells[i], ar), b = across0(&t->cells[mate[i]], ar), fwd = 0, back = 0;
        for (size_t k = 0; k < t->ncells; k++) {
            if (mate[k] < 0 || !single_time(&ci[k]) || across0(&t->cells[k], ar) != a ||
                across0(&t->cells[mate[k]], ar) != b)
                continue;
            if (ci[mate[k]].start > ci[k].start)
                fwd++;
            else
                back++;
        }
        if (fwd > best_fwd) best_a = a, best_b = b, best_fwd = fwd, best_back = back;
    }
    int keep = best_fwd >= 2 && best_fwd >= 3 * best_back, npairs = 0;
    for (size_t i = 0; i < t->ncells; i++) {
        int j = mate[i];
        if (j < 0) continue;
        if (!keep || across0(&t->cells[i], ar) != best_a || across0(&t->cells[j], ar) != best_b ||
            (single_time(&ci[i]) && ci[j].start <= ci[i].start))
            mate[i] = -1;
        else
            npairs++;
    }
    return npairs;
}

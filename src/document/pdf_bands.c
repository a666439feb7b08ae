/* pdf_bands: a table aligned by whitespace whose only ruled part is a band of coloured
 * cells (document/pdf_internal.h).
 *
 * A borderless timetable may colour one row of its cells (a break set in every day's
 * cell) and nothing else. Those fills make a small ruled table one row deep, and the
 * rules the text implies around a table (pdf_text_rules) grow it by a row or two at
 * most: the rest of the page's aligned text stays outside every table and is read as
 * free text. When the ruled tables are such bands and hold little of the page's text,
 * the page is read as the borderless table it is: rows and columns from all its text
 * (pdf_text_grid), the band's own column edges kept where a gutter runs by them. */
#include <math.h>

#include "document/pdf_internal.h"

#define BAND_MAX_EDGES 64

/* Whether table tb is a band: one row deep or one column wide. */
static int is_band(const img_table *tb)
{
    return tb->nrows == 1 || tb->ncols == 1;
}

int pdf_band_rules(pdf_collector *c, const img_table *tables, size_t ntables, float s,
                   const pdf_cbox *b, size_t n)
{
    const img_table *widest = NULL; /* the band with the most cells gives the edges */
    for (size_t t = 0; t < ntables; t++) {
        if (tables[t].ncells < 2) continue;
        if (!is_band(&tables[t])) return 0;
        if (!widest || tables[t].ncells > widest->ncells) widest = &tables[t];
    }
    if (!widest) return 0; /* no band: pdf_borderless_rules reads such a page */
    float X0 = INFINITY, Y0 = INFINITY, X1 = -INFINITY, Y1 = -INFINITY;
    size_t outside = 0, inside = 0;
    for (size_t i = 0; i < n; i++) {
        float cx = (b[i].x0 + b[i].x1) / 2, cy = (b[i].y0 + b[i].y1) / 2;
        if (pdf_inside_tables(tables, ntables, s, cx, cy)) {
            inside++;
            continue;
        }
        outside++;
        X0 = fminf(X0, b[i].x0), Y0 = fminf(Y0, b[i].y0);
        X1 = fmaxf(X1, b[i].x1), Y1 = fmaxf(Y1, b[i].y1);
    }
    /* the band is a small part of a larger table: most of the text lies outside it, and
     * enough of it to be rows (a title and a line or two are no table) */
    if (outside < 12 || outside < 3 * inside) return 0;
    for (size_t t = 0; t < ntables; t++) {
        const img_table *tb = &tables[t];
        X0 = fminf(X0, tb->col_x[0] / s), X1 = fmaxf(X1, tb->col_x[tb->ncols] / s);
        Y0 = fminf(Y0, tb->row_y[0] / s), Y1 = fmaxf(Y1, tb->row_y[tb->nrows] / s);
    }
    float edges[BAND_MAX_EDGES + 1];
    int nedges = widest->ncols < BAND_MAX_EDGES ? widest->ncols : BAND_MAX_EDGES;
    for (int k = 0; k <= nedges; k++)
        edges[k] = widest->col_x[k] / s;
    size_t before = c->nrules;
    pdf_text_grid(c, X0 - 2, Y0 - 2, X1 + 2, Y1 + 2, b, n, 1, edges, nedges);
    return c->nrules > before + 4; /* more than the outline: rows or columns */
}

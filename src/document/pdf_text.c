/* pdf_text: a PDF page's structured text cut into the cells of its tables
 * (document/pdf_internal.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/sbuf.h"
#include "document/pdf_internal.h"

/* ---- text into cells ---- */

void pdf_pieces_free(pdf_pieces *p)
{
    for (size_t i = 0; i < p->n; i++)
        free(p->v[i].text);
    free(p->v);
    memset(p, 0, sizeof *p);
}

static int rotation_of(fz_point dir)
{
    if (fabsf(dir.y) > fabsf(dir.x)) return dir.y < 0 ? 90 : 270;
    return 0;
}

/* Reading direction and the direction lines follow one another (y grows downwards). */
static void axes(int rotation, fz_point *along, fz_point *down)
{
    *along = rotation == 90    ? fz_make_point(0, -1)
             : rotation == 270 ? fz_make_point(0, 1)
                               : fz_make_point(1, 0);
    *down = fz_make_point(-along->y, along->x);
}

/* The cell of table t holding point (x, y), or -1; unit_cell maps lattice units to cells. */
static int cell_at(const img_table *t, const int *unit_cell, float s, float x, float y)
{
    float px = x * s, py = y * s;
    if (px < t->col_x[0] || px >= t->col_x[t->ncols] || py < t->row_y[0] ||
        py >= t->row_y[t->nrows])
        return -1;
    int c = 0, r = 0;
    while (c + 1 < t->ncols && px >= t->col_x[c + 1])
        c++;
    while (r + 1 < t->nrows && py >= t->row_y[r + 1])
        r++;
    return unit_cell[r * t->ncols + c];
}

static ap_status piece_add(pdf_pieces *ps, const pdf_piece *p)
{
    if (ps->n == ps->cap) {
        size_t cap = ps->cap ? ps->cap * 2 : 64;
        pdf_piece *grown = realloc(ps->v, cap * sizeof *grown);
        if (!grown) return AP_ERR_NOMEM;
        ps->v = grown;
        ps->cap = cap;
    }
    ps->v[ps->n++] = *p;
    return AP_OK;
}

static void put_utf8(sbuf *b, int c)
{
    char u[4];
    size_t n;
    if (c < 0x80)
        u[0] = (char)c, n = 1;
    else if (c < 0x800)
        u[0] = (char)(0xc0 | (c >> 6)), u[1] = (char)(0x80 | (c & 0x3f)), n = 2;
    else if (c < 0x10000)
        u[0] = (char)(0xe0 | (c >> 12)), u[1] = (char)(0x80 | ((c >> 6) & 0x3f)),
        u[2] = (char)(0x80 | (c & 0x3f)), n = 3;
    else if (c < 0x110000)
        u[0] = (char)(0xf0 | (c >> 18)), u[1] = (char)(0x80 | ((c >> 12) & 0x3f)),
        u[2] = (char)(0x80 | ((c >> 6) & 0x3f)), u[3] = (char)(0x80 | (c & 0x3f)), n = 4;
    else
        return;
    sbuf_append(b, u, n);
}

/* Cuts every line of the structured text into pieces, one per cell it crosses (and one
 * for each stretch outside the tables). *nchars: printable characters seen. */
ap_status pdf_text_pieces(const fz_stext_page *sp, const pdf_cell_map *m, pdf_pieces *out,
                          size_t *nchars, ap_error *err)
{
    size_t order = 0;
    *nchars = 0;
    for (fz_stext_block *b = sp->first_block; b; b = b->next) {
        if (b->type != FZ_STEXT_BLOCK_TEXT) continue;
        for (fz_stext_line *l = b->u.t.first_line; l; l = l->next) {
            int rotation = rotation_of(l->dir);
            fz_point along, down;
            axes(rotation, &along, &down);
            sbuf text = {0};
            pdf_piece cur = {.table = -2};
            for (fz_stext_char *ch = l->first_char;; ch = ch->next) {
                int table = -1, cell = -1;
                fz_point mid = {0, 0};
                if (ch) {
                    if (++*nchars > PDF_MAX_CHARS) {
                        sbuf_free(&text);
                        return ap_fail(err, AP_ERR_TOO_LARGE,
                                       "pdf: a page holds more than %d characters", PDF_MAX_CHARS);
                    }
                    mid = fz_make_point((ch->quad.ul.x + ch->quad.lr.x) / 2,
                                        (ch->quad.ul.y + ch->quad.lr.y) / 2);
                    for (size_t t = 0; t < m->ntables && cell < 0; t++) {
                        cell = cell_at(&m->tables[t], m->unit_cell[t], m->s, mid.x - m->page.x0,
                                       mid.y - m->page.y0);
                        if (cell >= 0) table = (int)t;
                    }
                }
                if (!ch || table != cur.table || cell != cur.cell) {
                    if (cur.table != -2 && text.len) {
                        if (!(cur.text = sbuf_take(&text, NULL))) goto oom;
                        if (piece_add(out, &cur) != AP_OK) {
                            free(cur.text);
                            goto oom;
                        }
                    }
                    sbuf_free(&text);
                    if (!ch) break;
                    cur = (pdf_piece){.table = table,
                                      .cell = cell,
                                      .rotation = rotation,
                                      .order = order++,
                                      .u0 = INFINITY,
                                      .u1 = -INFINITY};
                    cur.v = ch->origin.x * down.x + ch->origin.y * down.y;
                }
                if (ch->c == ' ' && !text.len) continue; /* a cell's text starts with ink */
                if (ch->c < 0x20 || ch->c == 0xfffd) continue;
                put_utf8(&text, ch->c);
                if (ch->c != ' ') {
                    if (!cur.ink) cur.ink = TT_INK_KNOWN | ((unsigned)ch->color & 0xffffffu);
                    float a = ch->quad.ul.x * along.x + ch->quad.ul.y * along.y;
                    float z = ch->quad.lr.x * along.x + ch->quad.lr.y * along.y;
                    cur.u0 = fminf(cur.u0, fminf(a, z));
                    cur.u1 = fmaxf(cur.u1, fmaxf(a, z));
                    cur.size = fmaxf(cur.size, ch->size);
                }
            }
            if (text.oom) goto oom;
        }
    }
    return AP_OK;
oom:
    return ap_fail(err, AP_ERR_NOMEM, "pdf: out of memory");
}

static int cmp_piece(const void *a, const void *b)
{
    const pdf_piece *x = a, *y = b;
    if (x->table != y->table) return x->table < y->table ? -1 : 1;
    if (x->cell != y->cell) return x->cell < y->cell ? -1 : 1;
    if (x->v != y->v) return x->v < y->v ? -1 : 1;
    return (x->order > y->order) - (x->order < y->order);
}

static int cmp_u(const void *a, const void *b)
{
    const pdf_piece *x = a, *y = b;
    return (x->u0 > y->u0) - (x->u0 < y->u0);
}

/* Lines from pieces[0, n) (one cell, or the free text, sorted by v): pieces whose
 * baselines lie within half a character of each other are one line, joined left to
 * right (a space where they do not touch). inner: the extent a line could fill, for
 * width (0: unknown). Appends to *lines. */
static ap_status pieces_to_lines(pdf_piece *ps, size_t n, float inner, tt_line **lines,
                                 size_t *nlines)
{
    for (size_t i = 0; i < n;) {
        size_t j = i + 1;
        float size = ps[i].size > 0 ? ps[i].size : 1;
        while (j < n && ps[j].v - ps[i].v < 0.5f * size)
            j++;
        qsort(ps + i, j - i, sizeof *ps, cmp_u);
        sbuf b = {0};
        float u0 = INFINITY, u1 = -INFINITY, height = 0;
        unsigned ink = 0;
        size_t most = 0;
        for (size_t k = i; k < j; k++) {
            size_t len = strlen(ps[k].text);
            while (len && ps[k].text[len - 1] == ' ')
                len--;
            if (!len) continue;
            if (len > most)
                most = len, ink = ps[k].ink; /* the line's colour: its longest piece's */
            if (b.len && b.data[b.len - 1] != ' ' && ps[k].u0 - u1 > 0.15f * size)
                sbuf_puts(&b, " ");
            sbuf_append(&b, ps[k].text, len);
            u0 = fminf(u0, ps[k].u0);
            u1 = fmaxf(u1, ps[k].u1);
            height = fmaxf(height, ps[k].size);
        }
        i = j;
        if (b.oom) return AP_ERR_NOMEM;
        if (!b.len) continue;
        float width = inner > 0 && u1 > u0 ? (u1 - u0) / inner : 0;
        if (width > 1) width = 1;
        ap_status st = tt_lines_add(lines, nlines, b.data, 100.0f, height, width);
        sbuf_free(&b);
        if (st != AP_OK) return st;
        tt_line *l = &(*lines)[*nlines - 1];
        l->ink = ink;
        l->flags = TT_LINE_EXACT;
        /* an upright line's box: its pieces' extent, a type size up from the baseline */
        if (ps[i - 1].rotation == 0 && u1 > u0)
            l->box = (tt_bbox){.x = (int)lroundf(u0),
                               .y = (int)lroundf(ps[i - 1].v - height),
                               .w = (int)lroundf(fmaxf(1, u1 - u0)),
                               .h = (int)lroundf(fmaxf(1, height))};
    }
    return AP_OK;
}

/* The page's tables with their text, and its free text, into page. */
ap_status pdf_fill_page(const img_table *tables, size_t ntables, const pdf_cell_map *m,
                        pdf_pieces *ps, int number, tt_page *page, ap_error *err)
{
    ap_status st = AP_OK;
    float s = m->s;
    qsort(ps->v, ps->n, sizeof *ps->v, cmp_piece);
    if (ntables && !(page->tables = calloc(ntables, sizeof *page->tables))) goto oom;
    size_t at = 0;
    /* free text first: its pieces sort first (table -1) */
    size_t free_end = 0;
    while (free_end < ps->n && ps->v[free_end].table < 0)
        free_end++;
    if ((st = pieces_to_lines(ps->v, free_end, 0, &page->free_text, &page->nfree)) != AP_OK)
        goto oom;
    at = free_end;
    for (size_t t = 0; t < ntables; t++) {
        const img_table *it = &tables[t];
        tt_table *tt = &page->tables[page->ntables++];
        tt->nrows = it->nrows;
        tt->ncols = it->ncols;
        tt->bbox = (tt_bbox){.page = number,
                             .x = (int)lroundf(it->x / s + m->page.x0),
                             .y = (int)lroundf(it->y / s + m->page.y0),
                             .w = (int)lroundf(it->w / s),
                             .h = (int)lroundf(it->h / s)};
        tt->row_pos = malloc((size_t)(it->nrows + 1) * sizeof *tt->row_pos);
        tt->col_pos = malloc((size_t)(it->ncols + 1) * sizeof *tt->col_pos);
        tt->cells = calloc(it->ncells ? it->ncells : 1, sizeof *tt->cells);
        if (!tt->row_pos || !tt->col_pos || !tt->cells) goto oom;
        for (int r = 0; r <= it->nrows; r++)
            tt->row_pos[r] = (int)lroundf(it->row_y[r] / s);
        for (int c = 0; c <= it->ncols; c++)
            tt->col_pos[c] = (int)lroundf(it->col_x[c] / s);
        for (size_t c = 0; c < it->ncells; c++) {
            const img_cell *ic = &it->cells[c];
            tt_cell *cell = &tt->cells[tt->ncells++];
            float x0 = it->col_x[ic->col] / s, x1 = it->col_x[ic->col + ic->ncols] / s;
            float y0 = it->row_y[ic->row] / s, y1 = it->row_y[ic->row + ic->nrows] / s;
            *cell = (tt_cell){.row = ic->row,
                              .col = ic->col,
                              .nrows = ic->nrows,
                              .ncols = ic->ncols,
                              .confidence = 100.0f,
                              .bbox = {.page = number,
                                       .x = (int)lroundf(x0 + m->page.x0),
                                       .y = (int)lroundf(y0 + m->page.y0),
                                       .w = (int)lroundf(x1 - x0),
                                       .h = (int)lroundf(y1 - y0)}};
            size_t end = at;
            while (end < ps->n && ps->v[end].table == (int)t && ps->v[end].cell == (int)c)
                end++;
            if (end == at) continue;
            /* the cell's direction is its pieces' by the most text */
            size_t votes[3] = {0, 0, 0};
            for (size_t k = at; k < end; k++)
                votes[ps->v[k].rotation / 90 == 3 ? 2 : ps->v[k].rotation / 90] +=
                    strlen(ps->v[k].text);
            int rotation = votes[1] > votes[0] && votes[1] >= votes[2] ? 90
                           : votes[2] > votes[0]                       ? 270
                                                                       : 0;
            cell->rotation = rotation;
            /* inner extent: the cell's side along the text, less a little padding */
            float inner = (rotation == 0 ? x1 - x0 : y1 - y0) - 4.0f;
            st = pieces_to_lines(ps->v + at, end - at, inner, &cell->lines, &cell->nlines);
            if (st != AP_OK) goto oom;
            at = end;
        }
    }
    return AP_OK;
oom:
    return ap_fail(err, AP_ERR_NOMEM, "pdf: out of memory");
}

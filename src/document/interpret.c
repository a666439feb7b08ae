/* interpret: cell grids to timeblocks (tt_grid_interpret in grid.h).
 *
 * Per table, in this order:
 *   1. each cell's text is read for day names, times (with the byte span they take) and
 *      what is left: the event's name, and notes in smaller type or in parentheses;
 *   2. the day axis: cells holding nothing but day names that share a lattice column (days
 *      as rows) or a row (days as columns; the table is then transposed so one code path
 *      serves both);
 *   3. with a day axis, the header above the first day gives every lattice column edge a
 *      start and an end time (an edge inside a header cell gets the proportional time;
 *      one under a header cell printing more times than it spans columns, the time of
 *      its place among them, and the events below are timed by where their lines lie);
 *      a cell runs from its left edge to its right edge unless it prints its own times,
 *      or a neighbour in the same day prints the time they share; a cell merged down
 *      several days that prints its label in each day's rows is an event per day, and
 *      blocks side by side in a cell, each printing its own time, are an event each;
 *      a range printed in two header cells, start and end, is one range;
 *   4. without a day axis but with a column of times, each row is an event and the days
 *      come from the heading above it that names them ("Monday, Tuesday, Thursday"),
 *      or, for a list with no such heading beside lists with one, the weekdays the
 *      page's other headings leave out;
 *      the rows under a heading run in time order, which places the times OCR could
 *      not read; a range printed in two cells is one; lists printed side by side in
 *      one table (headings in one row, each list in columns of its own) are read as one
 *      list each, day axis or not;
 *   5. anything else is not a timetable: its text, with the text outside the tables,
 *      feeds the header fields (document/header.h).
 * Nothing here knows a school, a subject or a layout: only days, times and geometry.
 * The steps live in interpret_cell.c (1), interpret_grid.c (3) and interpret_lists.c (4);
 * interpret_times.c holds the times grids and lists read alike. */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "document/header.h"
#include "document/interpret_internal.h"

/* A cell's lines as lines of the header text (the header fields are read from it). */
void it_add_cell_header(it_ctx *cx, const tt_cell *cell)
{
    for (size_t k = 0; k < cell->nlines; k++) {
        sbuf_puts(&cx->header, cell->lines[k].text);
        sbuf_puts(&cx->header, "\n");
    }
}

int it_round5(double minutes)
{
    return (int)((minutes + 2.5) / 5.0) * 5;
}

ap_status it_emit(it_ctx *cx, unsigned days, const it_cell *ci, int start, int end,
                  const tt_cell *cell)
{
    float conf = ci->confidence / 100.0f;
    if (conf < 0) conf = 0;
    if (conf > 1) conf = 1;
    for (int d = 0; d < 7; d++) {
        if (!(days & (1u << d))) continue;
        ap_status st = tt_doc_add(cx->doc, d, ci->name, start, end, ci->notes, conf, cell->bbox);
        if (st != AP_OK) return st;
    }
    if (ci->guessed) cx->guessed_ampm = 1;
    if (ci->confidence < 60.0f) {
        cx->low_conf++;
        return tt_doc_warn(cx->doc, "low OCR confidence (%.0f%%) reading '%s'", ci->confidence,
                           ci->name);
    }
    return AP_OK;
}

/* Whether a cell holds an event: a name with letters, not only a day name or a number. */
int it_is_event(const it_cell *ci)
{
    return ci->letters >= 1 && !ci->day_label;
}

/* A table copy with rows and columns swapped; cells share the original's lines. */
static ap_status transpose(const tt_table *t, tt_table *out)
{
    memset(out, 0, sizeof *out);
    out->nrows = t->ncols;
    out->ncols = t->nrows;
    out->row_pos = malloc((size_t)(t->ncols + 1) * sizeof *out->row_pos);
    out->col_pos = malloc((size_t)(t->nrows + 1) * sizeof *out->col_pos);
    out->cells = malloc((t->ncells ? t->ncells : 1) * sizeof *out->cells);
    if (!out->row_pos || !out->col_pos || !out->cells) {
        free(out->row_pos);
        free(out->col_pos);
        free(out->cells);
        return AP_ERR_NOMEM;
    }
    memcpy(out->row_pos, t->col_pos, (size_t)(t->ncols + 1) * sizeof *out->row_pos);
    memcpy(out->col_pos, t->row_pos, (size_t)(t->nrows + 1) * sizeof *out->col_pos);
    for (size_t i = 0; i < t->ncells; i++) {
        out->cells[i] = t->cells[i];
        out->cells[i].row = t->cells[i].col;
        out->cells[i].col = t->cells[i].row;
        out->cells[i].nrows = t->cells[i].ncols;
        out->cells[i].ncols = t->cells[i].nrows;
    }
    out->ncells = t->ncells;
    out->bbox = t->bbox;
    return AP_OK;
}

/* Resolves lone T / S labels from the label above them (Monday.. order). */
unsigned it_resolve_day(unsigned mask, int prev_day)
{
    if (mask & (1u << 7)) mask = (mask & 0x7fu) | (prev_day >= 2 ? 1u << 3 : 1u << 1);
    if (mask & (1u << 8)) mask = (mask & 0x7fu) | (prev_day >= 5 ? 1u << 6 : 1u << 5);
    return mask & 0x7fu;
}

int it_lowest_day(unsigned mask)
{
    for (int d = 0; d < 7; d++)
        if (mask & (1u << d)) return d;
    return -1;
}

ap_status it_add_header_text(it_ctx *cx, const tt_table *t)
{
    for (size_t i = 0; i < t->ncells; i++)
        it_add_cell_header(cx, &t->cells[i]);
    return cx->header.oom ? AP_ERR_NOMEM : AP_OK;
}

/* ---- lines cut by a false edge ----
 *
 * A lattice edge that runs through a line of text (the gap between two words taken for a
 * gutter, or an edge carried on from another row) parts one cell's text into two cells,
 * which would read as two events in one slot ("Show" | "and Tell"). Two cells side by
 * side in the same rows are one when each line of the left one runs on into the line
 * beside it in the right one: as many lines in both, each pair on one baseline, the left
 * ending and the right starting within half a text height of the edge and no further
 * apart than a word space (0.8 of the height: two cells' texts keep the padding of both
 * cells between them), and no time or day name among them (a list's time beside its name,
 * a day label beside a lesson stay apart). */
static int cut_by_edge(const tt_table *t, const tt_cell *a, const tt_cell *b)
{
    if (a->row != b->row || a->nrows != b->nrows || a->col + a->ncols != b->col) return 0;
    if (a->rotation || b->rotation || !a->nlines || a->nlines != b->nlines) return 0;
    float edge = (float)t->col_pos[b->col];
    for (size_t i = 0; i < a->nlines; i++) {
        const tt_line *l = &a->lines[i], *r = &b->lines[i];
        const tt_bbox *p = &l->box, *q = &r->box;
        if (p->w <= 0 || q->w <= 0 || p->h <= 0 || q->h <= 0) return 0;
        float h = (float)(p->h < q->h ? p->h : q->h);
        int top = p->y > q->y ? p->y : q->y;
        int bottom = p->y + p->h < q->y + q->h ? p->y + p->h : q->y + q->h;
        float gap = (float)(q->x - (p->x + p->w));
        if ((float)(bottom - top) < 0.6f * h || gap > 0.8f * h || gap < -0.2f * h ||
            fabsf((float)(p->x + p->w) - edge) > 0.5f * h || fabsf((float)q->x - edge) > 0.5f * h)
            return 0;
        it_time tm[1];
        if (it_find_times(l->text, tm, 1) || it_find_times(r->text, tm, 1) ||
            tt_text_names_day(l->text, strlen(l->text)) ||
            tt_text_names_day(r->text, strlen(r->text)))
            return 0;
    }
    return 1;
}

/* Cell a with b (cut_by_edge) joined into it: line by line "a b", boxes and bbox joined.
 * a's new lines are its own (caller frees them); AP_ERR_NOMEM. */
static ap_status join_cut(tt_cell *a, const tt_cell *b)
{
    tt_line *lines = calloc(a->nlines, sizeof *lines);
    if (!lines) return AP_ERR_NOMEM;
    tt_bbox cell = {.page = a->bbox.page,
                    .x = a->bbox.x,
                    .y = a->bbox.y,
                    .w = b->bbox.x + b->bbox.w - a->bbox.x,
                    .h = a->bbox.h};
    for (size_t i = 0; i < a->nlines; i++) {
        const tt_line *l = &a->lines[i], *r = &b->lines[i];
        size_t n = strlen(l->text) + strlen(r->text) + 2;
        if (!(lines[i].text = malloc(n))) {
            tt_lines_free(lines, i);
            return AP_ERR_NOMEM;
        }
        snprintf(lines[i].text, n, "%s %s", l->text, r->text);
        lines[i].confidence = l->confidence < r->confidence ? l->confidence : r->confidence;
        lines[i].height = l->height > r->height ? l->height : r->height;
        lines[i].ink = l->ink;
        lines[i].flags = l->flags & r->flags;
        int y0 = l->box.y < r->box.y ? l->box.y : r->box.y;
        int y1 =
            l->box.y + l->box.h > r->box.y + r->box.h ? l->box.y + l->box.h : r->box.y + r->box.h;
        lines[i].box =
            (tt_bbox){l->box.page, l->box.x, y0, r->box.x + r->box.w - l->box.x, y1 - y0};
        lines[i].width = cell.w > 0 ? fminf(1.0f, (float)lines[i].box.w / (float)cell.w) : 0;
    }
    a->lines = lines;
    a->ncols += b->ncols;
    a->bbox = cell;
    a->confidence = a->confidence < b->confidence ? a->confidence : b->confidence;
    return AP_OK;
}

/* t with the cells that false edges cut joined again, into *out (cells of its own, the
 * rest shared with t; free with free_joined); *joined 0 when nothing was cut (out
 * untouched). AP_ERR_NOMEM. */
static ap_status join_cut_cells(const tt_table *t, tt_table *out, unsigned char **owned,
                                int *joined)
{
    *joined = 0;
    for (size_t i = 0; i < t->ncells && !*joined; i++)
        for (size_t j = 0; j < t->ncells && !*joined; j++)
            *joined = cut_by_edge(t, &t->cells[i], &t->cells[j]);
    if (!*joined) return AP_OK;
    *out = *t;
    out->cells = malloc(t->ncells * sizeof *out->cells);
    *owned = calloc(t->ncells, 1);
    if (!out->cells || !*owned) {
        free(out->cells);
        free(*owned);
        *owned = NULL;
        *joined = 0;
        return AP_ERR_NOMEM;
    }
    memcpy(out->cells, t->cells, t->ncells * sizeof *out->cells);
    /* left to right: a cell joined to its right neighbour may join the next one too */
    for (int again = 1; again;) {
        again = 0;
        for (size_t i = 0; i < out->ncells && !again; i++)
            for (size_t j = 0; j < out->ncells && !again; j++) {
                if (i == j || !cut_by_edge(out, &out->cells[i], &out->cells[j])) continue;
                tt_line *before = out->cells[i].lines;
                if (join_cut(&out->cells[i], &out->cells[j]) != AP_OK) return AP_ERR_NOMEM;
                if ((*owned)[i]) tt_lines_free(before, out->cells[i].nlines);
                (*owned)[i] = 1;
                if ((*owned)[j]) tt_lines_free(out->cells[j].lines, out->cells[j].nlines);
                out->cells[j] = out->cells[--out->ncells];
                (*owned)[j] = (*owned)[out->ncells];
                again = 1;
            }
    }
    return AP_OK;
}

static void free_joined(tt_table *t, unsigned char *owned)
{
    for (size_t i = 0; owned && i < t->ncells; i++)
        if (owned[i]) tt_lines_free(t->cells[i].lines, t->cells[i].nlines);
    free(t->cells);
    free(owned);
}

/* The letters of a name that is nothing but single letters, one per line ("R E": two
 * rows of a column the grid's lines left merged), into out (at most cap); 0 for any
 * other name. */
static size_t lone_letters(const char *name, char *out, size_t cap)
{
    size_t n = 0;
    for (const char *p = name; *p; p++) {
        if (*p == ' ') continue;
        if (!isalpha((unsigned char)*p) || (p[1] && p[1] != ' ') || n == cap) return 0;
        out[n++] = *p;
    }
    return n;
}

/* Single letters stacked one per row in one column make a word ("B","R","E","A","K"):
 * each cell of the run takes the whole word. A cell over two rows holding two of the
 * letters (the rule between them too faint to find) adds both. */
#define LETTER_RUN_MAX 64
static ap_status join_vertical_letters(const tt_table *t, it_cell *ci)
{
    for (size_t i = 0; i < t->ncells; i++) {
        char word[LETTER_RUN_MAX + 1];
        size_t len = lone_letters(ci[i].name, word, LETTER_RUN_MAX);
        if (!len) continue;
        size_t run[LETTER_RUN_MAX];
        size_t n = 0;
        run[n++] = i;
        for (size_t j = i + 1; j < t->ncells && n < LETTER_RUN_MAX; j++) {
            const tt_cell *p = &t->cells[run[n - 1]], *c = &t->cells[j];
            if (c->col != p->col || c->ncols != p->ncols || c->row != p->row + p->nrows) continue;
            size_t more = lone_letters(ci[j].name, word + len, LETTER_RUN_MAX - len);
            if (!more) continue;
            len += more;
            run[n++] = j;
        }
        if (len < 3 || n < 2) continue;
        for (size_t k = 0; k < len; k++)
            word[k] = (char)(k ? tolower((unsigned char)word[k]) : toupper((unsigned char)word[k]));
        word[len] = '\0';
        for (size_t k = 0; k < n; k++) {
            char *copy = strdup(word);
            if (!copy) return AP_ERR_NOMEM;
            free(ci[run[k]].name);
            ci[run[k]].name = copy;
            ci[run[k]].letters = (int)len;
            ci[run[k]].day_label = 0;
        }
    }
    return AP_OK;
}

/* The day-label column (or row, when by_row) most labels share; -1 when fewer than 2. A
 * cell across the whole table (a list's heading "Fri") labels no row of it. */
static int label_axis(const tt_table *t, const it_cell *ci, int by_row, int *count)
{
    int best = -1, best_n = 0;
    int limit = by_row ? t->nrows : t->ncols;
    for (int k = 0; k < limit; k++) {
        int n = 0;
        for (size_t i = 0; i < t->ncells; i++) {
            const tt_cell *c = &t->cells[i];
            int across = by_row ? c->nrows >= t->nrows && t->nrows > 1
                                : c->ncols >= t->ncols && t->ncols > 1;
            if (ci[i].day_label && !across && (by_row ? c->row : c->col) == k) n++;
        }
        if (n > best_n) best_n = n, best = k;
    }
    *count = best_n;
    return best_n >= 2 ? best : -1;
}

static ap_status interpret_table(it_ctx *cx, const tt_table *page_table)
{
    tt_table flipped = {0}, joined_table;
    unsigned char *owned = NULL;
    int joined = 0;
    it_cell *ci = NULL;
    ap_status st = join_cut_cells(page_table, &joined_table, &owned, &joined);
    const tt_table *table = joined ? &joined_table : page_table, *t = table;
    if (st != AP_OK || !(ci = calloc(table->ncells ? table->ncells : 1, sizeof *ci))) {
        st = AP_ERR_NOMEM;
        goto out;
    }
    for (size_t i = 0; i < table->ncells; i++)
        if ((st = it_read_cell(&table->cells[i], &ci[i])) != AP_OK) goto out;
    if ((st = join_vertical_letters(table, ci)) != AP_OK) goto out;
    int cuts[MAX_SIDE_LISTS];
    int nlists = it_side_list_cuts(table, ci, cuts);
    if (nlists >= 2) {
        st = it_side_lists(cx, table, ci, cuts, nlists);
        goto out;
    }
    int ncol_labels = 0, nrow_labels = 0;
    int col = label_axis(table, ci, 0, &ncol_labels);
    int row = label_axis(table, ci, 1, &nrow_labels);
    if (row >= 0 && nrow_labels > ncol_labels) {
        if ((st = transpose(table, &flipped)) != AP_OK) goto out;
        t = &flipped;
        col = row;
    }
    if (col >= 0) {
        st = it_grid_rows(cx, t, ci, col, t == &flipped);
    } else {
        int used = 0;
        st = it_list_rows(cx, t, ci, &used);
        if (st == AP_OK && !used) st = it_add_header_text(cx, t);
    }
out:
    if (t == &flipped) {
        free(flipped.row_pos);
        free(flipped.col_pos);
        free(flipped.cells);
    }
    it_cells_free(ci, table->ncells);
    if (joined) free_joined(&joined_table, owned);
    return st;
}

/* The days the headings of a table name: its cells without a time that name days, as
 * it_heading_days reads them. AP_OK or AP_ERR_NOMEM. */
static ap_status table_headed_days(const tt_table *t, unsigned *days)
{
    *days = 0;
    for (size_t i = 0; i < t->ncells; i++) {
        it_cell ci;
        ap_status st = it_read_cell(&t->cells[i], &ci);
        if (st == AP_OK && !ci.ntimes) *days |= it_heading_days(t, &t->cells[i], &ci);
        free(ci.name);
        free(ci.notes);
        if (st != AP_OK) return st;
    }
    return AP_OK;
}

ap_status tt_grid_interpret(const tt_page *pages, size_t npages, tt_doc *doc, ap_error *err)
{
    ap_status st = AP_OK;
    it_ctx cx = {.doc = doc};
    size_t before = doc->nblocks;
    unsigned *days = NULL; /* per table of the page in hand: the days its headings name */
    for (size_t p = 0; p < npages; p++) {
        const tt_page *pg = &pages[p];
        free(days);
        if (!(days = calloc(pg->ntables ? pg->ntables : 1, sizeof *days))) {
            st = AP_ERR_NOMEM;
            goto out;
        }
        for (size_t t = 0; t < pg->ntables; t++)
            if ((st = table_headed_days(&pg->tables[t], &days[t])) != AP_OK) goto out;
        for (size_t i = 0; i < pg->nfree; i++) {
            sbuf_puts(&cx.header, pg->free_text[i].text);
            sbuf_puts(&cx.header, "\n");
        }
        for (size_t t = 0; t < pg->ntables; t++) {
            cx.headed_days = 0;
            for (size_t o = 0; o < pg->ntables; o++)
                if (o != t) cx.headed_days |= days[o];
            if ((st = interpret_table(&cx, &pg->tables[t])) != AP_OK) goto out;
        }
    }
    if (cx.header.oom) {
        st = AP_ERR_NOMEM;
        goto out;
    }
    if (cx.header.len && (st = tt_header_fields(cx.header.data, doc)) != AP_OK) goto out;
    if ((st = tt_doc_warn_overlaps(doc, before)) != AP_OK) goto out;
    if (cx.guessed_ampm &&
        (st = tt_doc_warn(doc, "times without am/pm read as a school day (1:00-5:59 as "
                               "afternoon)")) != AP_OK)
        goto out;
    if (doc->nblocks == before && (st = tt_doc_warn(doc, "no timetable found")) != AP_OK) goto out;
out:
    free(days);
    sbuf_free(&cx.header);
    if (st != AP_OK)
        return ap_fail(err, st, "extract: cannot interpret the page (%s)", ap_status_str(st));
    return AP_OK;
}

/* interpret_lists: tables without a day axis to timeblocks (document/interpret_internal.h):
 * a list is a column of times beside a column of names under a heading that names its
 * days; lists printed side by side in one table are cut apart and read one by one. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "document/interpret_internal.h"
#include "document/timeparse.h"

/* The days a list's heading cell names: words of three letters or more ("Mon/Tue",
 * "Daily Schedule - Monday to Wednesday"), or short day names alone ("Fr") in a cell
 * across most of the list; a lone "we" or "M" in one column is more likely a time OCR
 * read badly than a heading. */
unsigned it_heading_days(const tt_table *t, const tt_cell *c, const it_cell *ci)
{
    int c1 = c->col + c->ncols < t->ncols ? c->col + c->ncols : t->ncols;
    int across = c->col >= 0 && c->col < c1 &&
                 2 * (t->col_pos[c1] - t->col_pos[c->col]) > t->col_pos[t->ncols] - t->col_pos[0];
    return (across && ci->day_label ? it_resolve_day(ci->days, -1) : ci->named_days) & 0x7fu;
}

/* One row of a list as read: its name's cell, its times, its heading's days. */
typedef struct ev {
    int name_cell, start, end; /* TT_NO_TIME: not read */
    unsigned days;
    int section; /* rows under one heading share it */
    int single;  /* printed as one time (an instant, or ending at the next start) */
    int line;    /* the name cell's first line of it (rows merged), or -1: the cell */
    int nlines;  /* its lines from there: the name and the notes under it */
} ev;

/* Times out of order are misread: of the times read in evs[0, n) (each start, then its
 * end, row by row), the longest run that never goes back stays and the others are
 * dropped. No event lasts no time, so neither a start and its own end nor two ends may
 * be equal on the run ("10:05 - 10:30" over "10:10 - 10:30": the first end is the
 * misread one, not the second start). scratch holds 4 * n ints. */
static void drop_out_of_order(ev *evs, int n, int *scratch)
{
    int m = 2 * n, *len = scratch, *from = scratch + m, best = -1;
    for (int i = 0; i < m; i++) {
        int vi = i % 2 ? evs[i / 2].end : evs[i / 2].start;
        len[i] = 0, from[i] = -1;
        if (vi == TT_NO_TIME) continue;
        len[i] = 1;
        for (int j = 0; j < i; j++) {
            int vj = j % 2 ? evs[j / 2].end : evs[j / 2].start;
            int ok = vj != TT_NO_TIME &&
                     (vj < vi || (vj == vi && !(j % 2 == 0 && i == j + 1) && !(j % 2 && i % 2)));
            if (ok && len[j] + 1 > len[i]) len[i] = len[j] + 1, from[i] = j;
        }
        if (best < 0 || len[i] > len[best]) best = i;
    }
    for (int i = 0; i < m; i++)
        len[i] = 0; /* now: on the run */
    for (int i = best; i >= 0; i = from[i])
        len[i] = 1;
    for (int k = 0; k < n; k++) {
        if (evs[k].start != TT_NO_TIME && !len[2 * k]) evs[k].start = TT_NO_TIME, evs[k].single = 0;
        if (evs[k].end != TT_NO_TIME && !len[2 * k + 1]) evs[k].end = TT_NO_TIME;
    }
}

/* Rows of a list merged into one (no rule and too little space parted them, a banded
 * page): the time cell holds k ranges in time order and the name cell k names, each on a
 * line of its own, each followed by any notes set under it in smaller type. Sets
 * first[0, k] to the line each row's name starts at (first[k]: the cell's line count);
 * returns k, or 0 when the row is one event. */
static int merged_rows(const tt_cell *name, const it_cell *time, int *first)
{
    int k = time->ntimes, rows = 0;
    if (k < 2 || !it_times_ascend(time)) return 0;
    for (size_t j = 0; j < name->nlines; j++) {
        const tt_line *l = &name->lines[j];
        it_time t[MAX_TIMES];
        if (it_find_times(l->text, t, MAX_TIMES)) return 0;
        /* a note: set smaller than the name it is under */
        if (rows && l->height < 0.78f * name->lines[first[rows - 1]].height) continue;
        if (rows == k || it_count_letters(l->text) < 2) return 0;
        first[rows++] = (int)j;
    }
    if (rows != k) return 0;
    for (int j = 0; j + 1 < k; j++)
        if (time->times[j][1] == TT_NO_TIME) return 0;
    first[k] = (int)name->nlines;
    return k;
}

/* it_emit for the event named by lines [from, from + n) of a cell of merged rows
 * (merged_rows): its name and the notes under it, read as a cell of their own. */
static ap_status emit_lines(it_ctx *cx, unsigned days, int start, int end, const tt_cell *cell,
                            int from, int n)
{
    tt_cell piece = *cell;
    piece.lines = &cell->lines[from], piece.nlines = (size_t)n;
    it_cell one = {0};
    ap_status st = it_read_cell(&piece, &one);
    if (st == AP_OK) st = it_emit(cx, days, &one, start, end, cell);
    free(one.name);
    free(one.notes);
    return st;
}

/* A list: each row with a time is an event, on the days its heading names (the nearest
 * heading row above it that names days: one table may hold several lists one under
 * another). The rows under a heading run in time order, which places times OCR could not
 * read (small print, a blurred photo): a row whose time cell is printed but unreadable,
 * or read out of order (drop_out_of_order), starts where the event before it ends; an
 * end unread ends where the next event starts, as a single time does; a row placed at
 * one end only is left out. A row whose time cell holds several ranges beside as many
 * names is rows merged (merged_rows): an event each. A list printing each range in two
 * cells, start and end (it_pair_split_times), takes the start from the first and the end
 * from the second. Two readings of one boundary OCR read apart in a minute's units digit
 * take the one on a five-minute mark (it_mend_units), and times out of order that a digit
 * OCR confused explains are mended (it_mend_confusions), before the order is checked. Returns
 * AP_OK with *used 0 when the table has too few times to be a schedule. */
ap_status it_list_rows(it_ctx *cx, const tt_table *t, it_cell *ci, int *used)
{
    ap_status st = AP_ERR_NOMEM;
    *used = 0;
    ev *evs = NULL;
    int *col_times = NULL, *lis = NULL, *mate = NULL, nev = 0;
    unsigned char *cand = NULL;
    size_t nr = (size_t)t->nrows + 1, nc = (size_t)t->ncols + 1;
    size_t ncells = t->ncells ? t->ncells : 1;
    if (!(evs = malloc(nr * MAX_TIMES * sizeof *evs)) ||
        !(col_times = calloc(nc, sizeof *col_times)) || !(mate = malloc(ncells * sizeof *mate)) ||
        !(cand = malloc(ncells)))
        goto out;
    /* ranges printed in two cells, start then end */
    memset(cand, 1, ncells);
    it_pair_split_times(t, ci, cand, 0, mate);
    /* the time column: where most cells holding a time stand */
    int timed_rows = 0, last_row = -1, time_col = -1;
    for (size_t i = 0; i < t->ncells; i++) {
        if (!ci[i].ntimes) continue;
        if (t->cells[i].row != last_row) timed_rows++, last_row = t->cells[i].row;
        if (t->cells[i].col >= 0 && t->cells[i].col < t->ncols) col_times[t->cells[i].col]++;
    }
    for (int c = 0; c < t->ncols; c++)
        if (col_times[c] && (time_col < 0 || col_times[c] > col_times[time_col])) time_col = c;
    st = AP_OK;
    if (timed_rows < 2) goto out;
    *used = 1;
    unsigned days = 0, any_days = 0, first_days = 0;
    int section = 0;
    for (int r = 0; r < t->nrows; r++) {
        int name_cell = -1, timed = -1, time_printed = -1;
        unsigned named = 0;
        for (size_t i = 0; i < t->ncells; i++) {
            const tt_cell *c = &t->cells[i];
            if (c->row != r) continue;
            if (ci[i].ntimes && timed < 0) timed = (int)i;
            if (!ci[i].ntimes) named |= it_heading_days(t, c, &ci[i]);
            /* a cell of the time column alone, with print: a time OCR could not read */
            if (c->col == time_col && c->ncols == 1 && !ci[i].ntimes && ci[i].name[0])
                time_printed = (int)i;
            if (!it_is_event(&ci[i]) || (ci[i].days && ci[i].ntimes == 0 && ci[i].letters < 4))
                continue;
            /* the time column's cell names the event only when no other cell does */
            int here = c->col == time_col,
                best_here = name_cell >= 0 && t->cells[name_cell].col == time_col;
            if (name_cell < 0 || (best_here && !here) ||
                (here == best_here && ci[i].letters > ci[name_cell].letters))
                name_cell = (int)i;
        }
        int unreadable = timed < 0 && time_printed >= 0 && name_cell >= 0 &&
                         name_cell != time_printed && t->cells[name_cell].col != time_col;
        if (timed < 0 && !unreadable) {
            /* a row without a time is a heading or a title: header text, and the days it
             * names are those of the rows under it */
            if (named && !any_days) first_days = named;
            if (named) days = named, any_days |= named, section++;
            for (size_t i = 0; i < t->ncells; i++)
                if (t->cells[i].row == r) it_add_cell_header(cx, &t->cells[i]);
            continue;
        }
        if (name_cell < 0) continue;
        ev v = {name_cell, TT_NO_TIME, TT_NO_TIME, days, section, 0, -1, 0};
        int split = -1;
        for (size_t i = 0; i < t->ncells && split < 0; i++)
            if (t->cells[i].row == r && mate[i] >= 0) split = (int)i;
        if (split >= 0) {
            /* the range's halves; a start unread starts where the event before ends */
            v.start = ci[split].start, v.end = ci[mate[split]].start;
            evs[nev++] = v;
            continue;
        }
        int first[MAX_TIMES + 1];
        int merged = timed >= 0 ? merged_rows(&t->cells[name_cell], &ci[timed], first) : 0;
        for (int k = 0; k < merged; k++) {
            v.start = ci[timed].times[k][0], v.end = ci[timed].times[k][1];
            v.line = first[k], v.nlines = first[k + 1] - first[k];
            v.single = v.end == TT_NO_TIME;
            evs[nev++] = v;
        }
        if (merged) continue;
        if (timed >= 0 && ci[timed].end_only) {
            v.end = ci[timed].start;
        } else if (timed >= 0) {
            v.start = ci[timed].start, v.end = ci[timed].end;
            v.single = v.end == TT_NO_TIME && !ci[timed].start_only;
        }
        evs[nev++] = v;
    }
    /* a list without a heading that names days, beside lists that name some, is the
     * week's other days (lists side by side part the week: "Mon-Wed", then a heading OCR
     * could not read); alone, it is every weekday */
    unsigned unheaded =
        ALL_WEEKDAYS & ~cx->headed_days ? ALL_WEEKDAYS & ~cx->headed_days : ALL_WEEKDAYS;
    if (!any_days &&
        (st = tt_doc_warn(cx->doc, unheaded == ALL_WEEKDAYS
                                       ? "a schedule without day names: read as Monday to Friday"
                                       : "a schedule without day names: read as the weekdays "
                                         "the other schedules leave out")) != AP_OK)
        goto out;
    /* each list under its own heading runs in its own time order */
    if (!(lis = malloc(4 * (size_t)(nev ? nev : 1) * sizeof *lis))) {
        st = AP_ERR_NOMEM;
        goto out;
    }
    for (int a = 0, b; a < nev; a = b) {
        for (b = a + 1; b < nev && evs[b].section == evs[a].section;)
            b++;
        for (int k = a; k + 1 < b && it_ocr_table(t); k++)
            it_mend_units(&evs[k].end, &evs[k + 1].start);
        /* digits OCR confused, where the order shows them (lis is free until the drop) */
        if (it_ocr_table(t)) {
            for (int k = a; k < b; k++)
                lis[2 * (k - a)] = evs[k].start, lis[2 * (k - a) + 1] = evs[k].end;
            it_mend_confusions(lis, 2 * (b - a), 1);
            for (int k = a; k < b; k++)
                evs[k].start = lis[2 * (k - a)], evs[k].end = lis[2 * (k - a) + 1];
        }
        drop_out_of_order(evs + a, b - a, lis);
    }
    for (int k = 0; k < nev; k++) {
        ev *v = &evs[k];
        int first = k == 0 || evs[k - 1].section != v->section;
        int last = k + 1 == nev || evs[k + 1].section != v->section;
        int known_next = last ? TT_NO_TIME : evs[k + 1].start;
        if (v->start == TT_NO_TIME && !first) v->start = evs[k - 1].end;
        if (v->start == TT_NO_TIME) continue;
        if (v->end == TT_NO_TIME && known_next != TT_NO_TIME && known_next > v->start)
            v->end = known_next;
        /* an end unread stays open only for an instant or the last row */
        if (v->end == TT_NO_TIME && !v->single && !last) continue;
        /* rows above every heading: the first heading's days */
        unsigned d = !any_days ? unheaded : v->days ? v->days : first_days;
        if (v->line >= 0) {
            st = emit_lines(cx, d, v->start, v->end, &t->cells[v->name_cell], v->line, v->nlines);
        } else {
            st = it_emit(cx, d, &ci[v->name_cell], v->start, v->end, &t->cells[v->name_cell]);
        }
        if (st != AP_OK) break;
    }
out:
    free(evs);
    free(col_times);
    free(lis);
    free(mate);
    free(cand);
    return st;
}

/* ---- lists side by side ---- */

/* Lists printed side by side come to the interpreter as one table when their rules, or
 * the whitespace between their rows, joined into one lattice (a raster page: the PDF
 * reader parts them itself from the text). Read as one list, each row would take the
 * days of every heading and the times of whichever list has more of them, so the table
 * is cut into one list per heading first. */

/* Whether a cell heads a list: it names days by words (a heading "Our Day / Mon/Wed", or
 * a day name alone) and holds no time. */
static int heads_list(const it_cell *ci)
{
    return !ci->ntimes && (ci->named_days & 0x7fu);
}

/* Whether a line of cell c crosses lattice column edge k, or lies where the reader did not
 * say. The lattice may merge cells of two lists where their rules fall out of line, but
 * each line stays in its own list's columns. */
static int print_across(const tt_table *t, const tt_cell *c, int k)
{
    int edge = t->col_pos[k];
    for (size_t j = 0; j < c->nlines; j++) {
        const tt_bbox *b = &c->lines[j].box;
        if (b->w <= 0 || (b->x < edge && b->x + b->w > edge)) return 1;
    }
    return 0;
}

/* Whether a cell with print, in row from_row or below it, crosses lattice column edge k:
 * its print crosses it, or the cell spans two of the headings heads[0, n) whole (a break
 * across a grid's days, its word inside one day's column). A cell of a letter or two is a
 * speck or a rule OCR read, not text that joins lists. */
static int crosses_edge(const tt_table *t, const it_cell *ci, int k, int from_row,
                        const size_t *heads, int n)
{
    for (size_t i = 0; i < t->ncells; i++) {
        const tt_cell *c = &t->cells[i];
        if (c->row + c->nrows <= from_row || c->col >= k || c->col + c->ncols <= k ||
            (!ci[i].ntimes && ci[i].letters < 3))
            continue;
        int spanned = 0;
        for (int h = 0; h < n; h++) {
            const tt_cell *head = &t->cells[heads[h]];
            spanned += c->col <= head->col && head->col + head->ncols <= c->col + c->ncols;
        }
        if (spanned >= 2 || print_across(t, c, k)) return 1;
    }
    return 0;
}

/* How surely columns [k0, k1) below row top hold a list of their own: 2 when in two rows
 * at least a cell of times alone ("8:20 - 9:05 am") stands beside a cell naming an event
 * in another column (lists print their times in a column of their own; a grid's day
 * column holds names only, its times are the header's, and a cell printing its own
 * times holds its name too); 1 when, in two rows at least, a cell naming an event stands
 * beside print with a figure that OCR could not read as a time (small print), or a cell
 * holds a time on its first line over a name (a list's columns no gap parted); else 0. */
static int part_is_list(const tt_table *t, const it_cell *ci, int k0, int k1, int top)
{
    int timed = 0, printed = 0;
    for (int r = top; r < t->nrows && timed < 2; r++) {
        int time_col = -1, name_col = -1, figure_col = -1;
        for (size_t i = 0; i < t->ncells; i++) {
            const tt_cell *c = &t->cells[i];
            if (c->row != r || c->col < k0 || c->col + c->ncols > k1) continue;
            if (ci[i].ntimes && ci[i].letters <= 4) time_col = c->col;
            if (!ci[i].ntimes && ci[i].letters >= 3 && !ci[i].day_label &&
                (name_col < 0 || ci[i].letters > 3))
                name_col = c->col;
            if (!ci[i].ntimes && strpbrk(ci[i].name, "0123456789")) figure_col = c->col;
            /* a time on a line of its own over the name, in one cell: a list whose time
             * column no gap parted from its names ("8:15" over "Doors Open") */
            if (ci[i].ntimes && ci[i].letters >= 3 && c->nlines >= 2 &&
                tp_is_time_only(c->lines[0].text, strlen(c->lines[0].text), 0, NULL))
                figure_col = name_col = -2 - c->col;
        }
        timed += time_col >= 0 && name_col >= 0 && time_col != name_col;
        printed +=
            figure_col != -1 && name_col != -1 && (figure_col != name_col || figure_col < -1);
    }
    return timed >= 2 ? 2 : printed >= 2 ? 1 : 0;
}

/* The lattice column edges that part lists side by side in t, into cuts[0, n - 1);
 * returns n, the number of lists (0: t is not lists side by side). A row holds two
 * headings or more, each over columns of its own; between two neighbours the cut is an
 * edge that no cell with print crosses from the headings down (the one nearest half way
 * between them), and each part must be a list (part_is_list). */
int it_side_list_cuts(const tt_table *t, const it_cell *ci, int *cuts)
{
    size_t heads[MAX_SIDE_LISTS], best[MAX_SIDE_LISTS];
    int nbest = 0;
    for (int r = 0; r < t->nrows; r++) {
        int n = 0;
        for (size_t i = 0; i < t->ncells && n < MAX_SIDE_LISTS; i++) {
            const tt_cell *c = &t->cells[i];
            if (c->row > r || c->row + c->nrows <= r || !heads_list(&ci[i])) continue;
            int k = n++;
            while (k > 0 && t->cells[heads[k - 1]].col > c->col) {
                heads[k] = heads[k - 1];
                k--;
            }
            heads[k] = i;
        }
        int apart = n >= 2;
        for (int k = 1; apart && k < n; k++)
            apart =
                t->cells[heads[k]].col >= t->cells[heads[k - 1]].col + t->cells[heads[k - 1]].ncols;
        if (apart && n > nbest) {
            nbest = n;
            memcpy(best, heads, (size_t)n * sizeof *heads);
        }
    }
    if (nbest < 2) return 0;
    int top = t->nrows;
    for (int k = 0; k < nbest; k++)
        top = t->cells[best[k]].row < top ? t->cells[best[k]].row : top;
    for (int k = 0; k + 1 < nbest; k++) {
        const tt_cell *a = &t->cells[best[k]], *b = &t->cells[best[k + 1]];
        int lo = a->col + a->ncols, hi = b->col, cut = -1;
        if (lo < 1 || hi >= t->ncols || lo > hi) return 0;
        double mid = (t->col_pos[lo] + t->col_pos[hi]) / 2.0;
        for (int e = lo; e <= hi; e++)
            if (!crosses_edge(t, ci, e, top, best, nbest) &&
                (cut < 0 || fabs(t->col_pos[e] - mid) < fabs(t->col_pos[cut] - mid)))
                cut = e;
        if (cut < 0) return 0;
        cuts[k] = cut;
    }
    /* every part a list, one at least surely */
    int sure = 0;
    for (int k = 0; k < nbest; k++) {
        int p = part_is_list(t, ci, k ? cuts[k - 1] : 0, k + 1 < nbest ? cuts[k] : t->ncols, top);
        if (!p) return 0;
        sure |= p == 2;
    }
    return sure ? nbest : 0;
}

/* Whether cell c's print crosses one of the cuts[0, n - 1) its columns span: a title over
 * the lists, header text. */
static int across_cuts(const tt_table *t, const tt_cell *c, const int *cuts, int n)
{
    for (int k = 0; k + 1 < n; k++)
        if (c->col < cuts[k] && c->col + c->ncols > cuts[k] && print_across(t, c, cuts[k]))
            return 1;
    return 0;
}

/* Reads t as n lists side by side, parted at cuts[0, n - 1): each part a list of its own
 * (it_list_rows). A cell whose print crosses a cut (a title over them all) is header text;
 * one that spans a cut with its lines on both sides is a cell in each part, of the lines
 * in that part's columns. */
ap_status it_side_lists(it_ctx *cx, const tt_table *t, const it_cell *ci, const int *cuts, int n)
{
    ap_status st = AP_ERR_NOMEM;
    size_t cap = t->ncells ? t->ncells : 1, nlines = 1;
    for (size_t i = 0; i < t->ncells; i++)
        nlines += t->cells[i].nlines;
    tt_cell *cells = malloc(cap * sizeof *cells);
    it_cell *sub = calloc(cap, sizeof *sub);
    unsigned char *read = calloc(cap, 1); /* sub[i] read here from a piece: its own */
    tt_line *pool = malloc(nlines * sizeof *pool);
    if (!cells || !sub || !read || !pool) goto out;
    st = AP_OK;
    for (size_t i = 0; i < t->ncells; i++)
        if (across_cuts(t, &t->cells[i], cuts, n)) it_add_cell_header(cx, &t->cells[i]);
    for (int k = 0; k < n && st == AP_OK; k++) {
        int k0 = k ? cuts[k - 1] : 0, k1 = k + 1 < n ? cuts[k] : t->ncols, used = 0;
        int x0 = t->col_pos[k0], x1 = t->col_pos[k1];
        size_t pooled = 0;
        tt_table part = {.nrows = t->nrows,
                         .ncols = k1 - k0,
                         .row_pos = t->row_pos,
                         .col_pos = t->col_pos + k0,
                         .cells = cells,
                         .bbox = t->bbox};
        /* the part's cells and their readings, shallow copies (it_list_rows only reads) */
        for (size_t i = 0; i < t->ncells && st == AP_OK; i++) {
            const tt_cell *c = &t->cells[i];
            int c0 = c->col > k0 ? c->col : k0, c1 = c->col + c->ncols < k1 ? c->col + c->ncols : k1;
            if (c0 >= c1 || across_cuts(t, c, cuts, n)) continue;
            tt_cell *piece = &cells[part.ncells];
            *piece = *c;
            piece->col = c0 - k0, piece->ncols = c1 - c0;
            if (c0 == c->col && c1 == c->col + c->ncols) {
                sub[part.ncells++] = ci[i];
                continue;
            }
            piece->lines = pool + pooled, piece->nlines = 0;
            for (size_t j = 0; j < c->nlines; j++)
                if (c->lines[j].box.x >= x0 && c->lines[j].box.x + c->lines[j].box.w <= x1)
                    piece->lines[piece->nlines++] = c->lines[j];
            pooled += piece->nlines;
            piece->bbox.x = x0 > c->bbox.x ? x0 : c->bbox.x;
            piece->bbox.w = (x1 < c->bbox.x + c->bbox.w ? x1 : c->bbox.x + c->bbox.w) - piece->bbox.x;
            if (!piece->nlines) continue;
            read[part.ncells] = 1;
            st = it_read_cell(piece, &sub[part.ncells++]);
        }
        /* the other parts' headings are other lists' */
        unsigned others = cx->headed_days, outer = others;
        for (size_t i = 0; i < t->ncells; i++) {
            const tt_cell *c = &t->cells[i];
            if ((c->col + c->ncols <= k0 || c->col >= k1) && !ci[i].ntimes)
                others |= it_heading_days(t, c, &ci[i]);
        }
        cx->headed_days = others;
        if (st == AP_OK) st = it_list_rows(cx, &part, sub, &used);
        cx->headed_days = outer;
        if (st == AP_OK && !used) st = it_add_header_text(cx, &part);
        for (size_t i = 0; i < part.ncells; i++)
            if (read[i]) {
                free(sub[i].name);
                free(sub[i].notes);
                read[i] = 0;
            }
    }
out:
    free(cells);
    free(sub);
    free(read);
    free(pool);
    return st;
}

/* interpret_grid: a table with a day axis to timeblocks (document/interpret_internal.h):
 * the header's times at the lattice's column edges, or at the places a header cell prints
 * them (slots), and each cell of a day's rows timed by its edges, its own times or its
 * neighbours'; a break printed once in a slot of its own is every day's. */
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/testable.h"
#include "document/interpret_internal.h"

/* Mends header times that contradict their neighbours, as OCR misreads them ("9:30 -
 * 9:10" for "9:00 - 9:10", "15:30 - 10:30", "8:35 - 14:05" before "9:05 - 9:25"): the
 * columns of a timetable run forward in time, so a column that ends no later than it
 * starts takes its start from the column before (else its end from the column after), and
 * one that ends after the next column has ended ends where that one starts. bstart[k] is
 * the start of column k, bend[k] the end of column k - 1 (nc edges; TT_NO_TIME unknown). */
TESTABLE void tt_mend_header_times(int *bstart, int *bend, size_t nc)
{
    for (size_t k = 0; k + 1 < nc; k++) {
        int s = bstart[k], e = bend[k + 1];
        if (s == TT_NO_TIME || e == TT_NO_TIME || s < e) continue;
        if (k > 0 && bend[k] != TT_NO_TIME && bend[k] < e)
            bstart[k] = bend[k];
        else if (bstart[k + 1] != TT_NO_TIME && bstart[k + 1] > s)
            bend[k + 1] = bstart[k + 1];
    }
    for (size_t k = 0; k + 2 < nc; k++) {
        int s = bstart[k], e = bend[k + 1], next = bstart[k + 1], next_end = bend[k + 2];
        if (e == TT_NO_TIME || next == TT_NO_TIME || next_end == TT_NO_TIME) continue;
        if (e > next_end && (s == TT_NO_TIME || s < next) && next < next_end) bend[k + 1] = next;
    }
}

/* Whether lattice row r of t holds lessons: of its cells outside column skip that hold
 * anything, at least half hold a name (the header row holds times alone). */
static int row_holds_names(const tt_table *t, const it_cell *ci, int r, int skip)
{
    int inked = 0, named = 0;
    for (size_t i = 0; i < t->ncells; i++) {
        const tt_cell *c = &t->cells[i];
        if (c->col == skip || r < c->row || r >= c->row + c->nrows) continue;
        if (!ci[i].ntimes && ci[i].letters == 0) continue;
        inked++;
        named += ci[i].letters >= 2;
    }
    return inked && named * 2 >= inked;
}

/* A day label OCR misread ("u" for "M", "L" or "7" for "F", "TLUBRSDAY") names no day;
 * the week's order names it. A cell of the label column (label_col) holding text but no
 * time and no day, in a row of lessons, takes the one weekday missing between the labels
 * just above and below it ("Mon", ?, "Wed"), or, as the first or last label, the day
 * before or after a run of two in order when it is short (a misread abbreviation: a
 * heading such as "Notes" is longer) and the day is Monday to Friday. A label of one or
 * two letters that names a day out of that order ("S", a sideways "W" misread, between
 * Tue and Thu) is misread too, and takes the day missing between its neighbours. */
static void guess_unread_days(const tt_table *t, it_cell *ci, int label_col)
{
    int idx[64], n = 0;
    for (size_t i = 0; i < t->ncells && n < 64; i++)
        if (t->cells[i].col == label_col && t->cells[i].ncols == 1) idx[n++] = (int)i;
    /* twice: a day named in the first pass is a neighbour in the second */
    for (int pass = 0; pass < 2; pass++)
        for (int k = 0; k < n; k++) {
            it_cell *c = &ci[idx[k]];
            if (c->ntimes || !c->name || !c->name[0]) continue;
            size_t len = strlen(c->name);
            /* a label of one or two letters may be a day misread as another ("S" for a
             * sideways "W"): it is one when it falls outside its neighbours' order */
            int misread = c->day_label && len <= 2;
            if ((c->day_label || c->days) && !misread) continue;
            if (len > 12 || !row_holds_names(t, ci, t->cells[idx[k]].row, label_col)) continue;
            int day[4] = {-1, -1, -1, -1}; /* the labels two above, above, below, two below */
            for (int j = 0; j < 4; j++) {
                int at = k + (j < 2 ? j - 2 : j - 1);
                if (at < 0 || at >= n) continue;
                const it_cell *o = &ci[idx[at]];
                if (o->day_label && o->days && !(o->days & (o->days - 1)))
                    day[j] = it_lowest_day(o->days);
            }
            int d = -1;
            if (misread) {
                /* its own day, as the label above leaves it (T or S alone resolved) */
                int own = it_lowest_day(it_resolve_day(c->days, day[1]));
                if (day[1] >= 0 && day[2] == day[1] + 2 && own != day[1] + 1) d = day[1] + 1;
            } else if (day[1] >= 0 && day[2] == day[1] + 2)
                d = day[1] + 1;
            else if (len <= 3 && day[1] < 0 && day[2] >= 1 && day[3] == day[2] + 1)
                d = day[2] - 1;
            else if (len <= 3 && day[2] < 0 && day[1] >= 0 && day[1] <= 3 && day[0] == day[1] - 1)
                d = day[1] + 1;
            if (d < 0) continue;
            c->days = c->named_days = 1u << d;
            c->day_label = 1;
        }
}

/* Whether cell i is the only event in its columns below first_row, nothing else there
 * printing a time. */
static int alone_in_columns(const tt_table *t, const it_cell *ci, size_t i, int first_row)
{
    const tt_cell *c = &t->cells[i];
    if (c->row < first_row || !it_is_event(&ci[i])) return 0;
    for (size_t j = 0; j < t->ncells; j++) {
        const tt_cell *o = &t->cells[j];
        if (j != i && o->row >= first_row && o->col < c->col + c->ncols &&
            o->col + o->ncols > c->col && (it_is_event(&ci[j]) || ci[j].ntimes))
            return 0;
    }
    return 1;
}

/* ---- header times at their places ----
 *
 * A header cell may print more times than the lattice columns under it: the body rules
 * fewer columns than the header has times (narrow break columns left unruled, a merged
 * column whose cells hold two lessons side by side), or the cell is merged across
 * columns that whitespace cut elsewhere. Where the reader says where each line lies
 * (tt_line.box), each time owns a slot of the time axis, from halfway to the time before
 * to halfway to the time after, and an event lies in the slots its lines lie in: text
 * centred across two slots crosses the line between them. */

#define MAX_SLOT_GROUPS 16
#define MAX_SLOT_LINES  32

typedef struct tslot {
    int lo, hi;             /* along the time axis, page units */
    int label_lo, label_hi; /* where its time is printed */
    int start, end;         /* minutes; end TT_NO_TIME when unknown */
} tslot;

typedef struct slot_group {
    int c0, c1; /* the lattice columns [c0, c1) under the header cell */
    int n;
    tslot s[MAX_TIMES];
} slot_group;

/* A line's extent along the time axis (x; y where days are columns and the table was
 * transposed): 0 when the reader did not say where it lies. */
static int line_extent(const tt_line *l, int along_y, int *lo, int *hi)
{
    if (l->box.w <= 0 || l->box.h <= 0) return 0;
    *lo = along_y ? l->box.y : l->box.x;
    *hi = *lo + (along_y ? l->box.h : l->box.w);
    return 1;
}

/* Whether cell i is a band printed once across every day of the body (a break, a lunch)
 * that the grid's lines cut to one day's cell: alone in its columns, and either set
 * sideways down a days-as-rows grid (a borderless table's implied rules cut it off) or,
 * where the reader says where its lines lie, centred on all the days rather than on its
 * own cell ("LUNCH" over a row whose column rules run through it). */
static int band_over_days(const tt_table *t, const it_cell *ci, size_t i, int first_row,
                          int along_y)
{
    const tt_cell *c = &t->cells[i];
    if (!alone_in_columns(t, ci, i, first_row)) return 0;
    if (c->rotation != 0) return !along_y;
    int lo = INT_MAX, hi = INT_MIN;
    for (size_t k = 0; k < c->nlines; k++) {
        int a, z;
        if (!line_extent(&c->lines[k], !along_y, &a, &z)) return 0;
        lo = a < lo ? a : lo, hi = z > hi ? z : hi;
    }
    float span0 = (float)t->row_pos[first_row], span1 = (float)t->row_pos[t->nrows];
    float cell0 = (float)t->row_pos[c->row], cell1 = (float)t->row_pos[c->row + c->nrows];
    if (hi <= lo || cell1 - cell0 >= 0.9f * (span1 - span0)) return 0;
    float mid = (lo + hi) / 2.0f;
    float off_days = fabsf(mid - (span0 + span1) / 2), off_cell = fabsf(mid - (cell0 + cell1) / 2);
    return off_days < 0.02f * (span1 - span0) && off_cell > 0.05f * (cell1 - cell0) &&
           off_cell > 3 * off_days;
}

/* Whether a line over [lo, hi) along the time axis stands in the stack over [slo, shi):
 * stacked lines are set over one another, the narrower's middle well inside the wider
 * (a quarter of its own extent), not a line that only runs on into the stack's place. */
static int stacked_over(int slo, int shi, int lo, int hi)
{
    int nlo = lo, nhi = hi, wlo = slo, whi = shi;
    if (hi - lo > shi - slo) nlo = slo, nhi = shi, wlo = lo, whi = hi;
    int mid2 = nlo + nhi, margin = (nhi - nlo) / 4;
    return mid2 >= 2 * (wlo + margin) && mid2 <= 2 * (whi - margin);
}

/* Whether a line holds one time and nothing else: no range, no dash, no letters
 * ("10:20" over "10:40" is a range whose dash the reader put elsewhere or the page left
 * out; "10:00 -" over "10:30" has its own). */
static int lone_time(const char *s)
{
    it_time t[2];
    return it_count_letters(s) == 0 && !strchr(s, '-') && !strstr(s, "\u2013") &&
           !strstr(s, "\u2014") && it_find_times(s, t, 2) == 1 && t[0].end == TT_NO_TIME;
}

/* The slots of a header cell's times (see above) into g; returns their number, or 0
 * when the cell holds no more times than it spans columns, a line's place is unknown, a
 * time is no range ("9:00" and "10:00" at a column's two edges are its start and end),
 * or its times do not run forward along the axis. The lines are read in the order of their
 * places: those whose extents overlap form a stack read top to bottom ("10:35 -" over
 * "10:55"), stacks in turn along the axis, whatever order the reader gave them in. */
static int header_slots(const tt_cell *c, int along_y, slot_group *g)
{
    size_t n = c->nlines;
    int lo[MAX_SLOT_LINES], hi[MAX_SLOT_LINES], across[MAX_SLOT_LINES];
    size_t order[MAX_SLOT_LINES], off[MAX_SLOT_LINES], len[MAX_SLOT_LINES];
    if (n < 1 || n > MAX_SLOT_LINES) return 0;
    for (size_t i = 0; i < n; i++) {
        if (!line_extent(&c->lines[i], along_y, &lo[i], &hi[i])) return 0;
        across[i] = along_y ? c->lines[i].box.x : c->lines[i].box.y;
        order[i] = i;
    }
    /* stacks: sorted by start, a line starting before the stack's end joins it */
    for (size_t a = 1; a < n; a++)
        for (size_t b = a; b > 0 && lo[order[b]] < lo[order[b - 1]]; b--) {
            size_t tmp = order[b];
            order[b] = order[b - 1], order[b - 1] = tmp;
        }
    int stack[MAX_SLOT_LINES], nstack = 0, start = 0, end = 0;
    for (size_t a = 0; a < n; a++) {
        if (a == 0 || !stacked_over(start, end, lo[order[a]], hi[order[a]]))
            nstack++, start = lo[order[a]], end = hi[order[a]];
        if (hi[order[a]] > end) end = hi[order[a]];
        stack[a] = nstack;
    }
    for (size_t a = 1; a < n; a++)
        for (size_t b = a;
             b > 0 && stack[b] == stack[b - 1] && across[order[b]] < across[order[b - 1]]; b--) {
            size_t tmp = order[b];
            order[b] = order[b - 1], order[b - 1] = tmp;
        }
    char text[1024];
    size_t used = 0;
    for (size_t a = 0; a < n; a++) {
        const char *l = c->lines[order[a]].text;
        size_t ln = strlen(l);
        if (used + ln + 4 > sizeof text) return 0;
        if (used && a > 0 && stack[a] == stack[a - 1] && lone_time(c->lines[order[a - 1]].text) &&
            lone_time(l)) {
            memcpy(text + used, " - ", 3);
            used += 3;
        } else if (used)
            text[used++] = ' ';
        off[a] = used, len[a] = ln;
        memcpy(text + used, l, ln);
        used += ln;
    }
    text[used] = '\0';
    it_fix_nines(text);
    it_time t[MAX_TIMES];
    int nt = it_find_times(text, t, MAX_TIMES);
    if (nt < 2 || nt <= c->ncols) return 0;
    int tlo[MAX_TIMES], thi[MAX_TIMES];
    for (int k = 0; k < nt; k++) {
        tlo[k] = INT_MAX, thi[k] = INT_MIN;
        for (size_t a = 0; a < n; a++) {
            if (off[a] + len[a] <= t[k].from || off[a] >= t[k].to) continue;
            if (lo[order[a]] < tlo[k]) tlo[k] = lo[order[a]];
            if (hi[order[a]] > thi[k]) thi[k] = hi[order[a]];
        }
        /* a range each: single times side by side may be a column's start and end */
        if (tlo[k] > thi[k] || t[k].end == TT_NO_TIME) return 0;
        /* forward in time and along the axis (a line the reader ran on into the next
         * time's place, "9:35 - 10:20 -" with the dash of the range stacked beside it,
         * overlaps that place: the middles go forward) */
        if (k > 0 && (t[k].start < t[k - 1].start || tlo[k] + thi[k] <= tlo[k - 1] + thi[k - 1]))
            return 0;
    }
    int cell_lo = along_y ? c->bbox.y : c->bbox.x;
    int cell_hi = cell_lo + (along_y ? c->bbox.h : c->bbox.w);
    g->n = nt;
    g->c0 = c->col, g->c1 = c->col + c->ncols;
    for (int k = 0; k < nt; k++) {
        tslot *sl = &g->s[k];
        sl->lo = k == 0 ? cell_lo : (thi[k - 1] + tlo[k]) / 2;
        sl->hi = k == nt - 1 ? cell_hi : (thi[k] + tlo[k + 1]) / 2;
        sl->label_lo = tlo[k], sl->label_hi = thi[k];
        sl->start = t[k].start;
        sl->end = t[k].end;
        /* slots do not overlap in time: a start read before the slot before has ended is
         * that slot's end misread (or this start), and the two share one edge */
        if (k > 0 && g->s[k - 1].end != TT_NO_TIME && sl->start < g->s[k - 1].end &&
            (sl->end == TT_NO_TIME || g->s[k - 1].end < sl->end))
            sl->start = g->s[k - 1].end;
    }
    for (int k = 0; k < nt; k++)
        if (g->s[k].hi <= g->s[k].lo) return 0;
    return nt;
}

/* The time at position p along the axis of a group's slots: proportional inside the
 * slot that holds it; TT_NO_TIME where its slot's times are not both known. */
static int slot_time_at(const slot_group *g, int p)
{
    for (int k = 0; k < g->n; k++) {
        const tslot *sl = &g->s[k];
        if (p >= sl->hi && k + 1 < g->n) continue;
        if (p <= sl->lo || sl->end == TT_NO_TIME) return sl->start;
        if (p >= sl->hi) return sl->end;
        return it_round5(sl->start +
                         (double)(sl->end - sl->start) * (p - sl->lo) / (sl->hi - sl->lo));
    }
    return TT_NO_TIME;
}

/* The slots [*a, *b] of g a line lies in: those holding a quarter of its extent or more,
 * else the one nearest its middle. */
static void line_slots(const slot_group *g, int lo, int hi, int *a, int *b)
{
    *a = -1, *b = -1;
    int len = hi - lo > 0 ? hi - lo : 1, mid = (lo + hi) / 2, best = 0, best_d = INT_MAX;
    for (int k = 0; k < g->n; k++) {
        int ov = (hi < g->s[k].hi ? hi : g->s[k].hi) - (lo > g->s[k].lo ? lo : g->s[k].lo);
        if (ov * 4 >= len) {
            if (*a < 0) *a = k;
            *b = k;
        }
        int d = mid < g->s[k].lo ? g->s[k].lo - mid : mid > g->s[k].hi ? mid - g->s[k].hi : 0;
        if (d < best_d) best_d = d, best = k;
    }
    if (*a < 0) *a = *b = best;
}

/* Reads the lines i of cell c (at most MAX_SLOT_LINES) with part_of[i] == k as a cell of
 * their own: one of the events a cell holds side by side. AP_ERR_NOMEM. */
static ap_status read_part(const tt_cell *c, const int *part_of, int k, it_cell *ci)
{
    tt_line sub[MAX_SLOT_LINES];
    tt_cell piece = *c;
    piece.lines = sub, piece.nlines = 0;
    for (size_t i = 0; i < c->nlines; i++)
        if (part_of[i] == k) sub[piece.nlines++] = c->lines[i];
    return it_read_cell(&piece, ci);
}

/* Emits cell c (info, read from all its lines) by the slots of g: its lines grouped where
 * their slots overlap, each group an event of its own (two lessons side by side in a
 * column the body does not divide), timed by the slots it covers unless it prints its
 * own times. Returns 0 (nothing emitted) when a line's place is unknown, or when the
 * cell, merged across lattice columns, holds one group: it runs across its columns. */
static int emit_by_slots(it_ctx *cx, const slot_group *g, int along_y, unsigned days,
                         const tt_cell *c, const it_cell *info, ap_status *st)
{
    size_t n = c->nlines;
    int sa[MAX_SLOT_LINES], sb[MAX_SLOT_LINES], grp[MAX_SLOT_LINES];
    if (n < 1 || n > MAX_SLOT_LINES) return 0;
    for (size_t i = 0; i < n; i++) {
        int lo, hi;
        if (!line_extent(&c->lines[i], along_y, &lo, &hi)) return 0;
        line_slots(g, lo, hi, &sa[i], &sb[i]);
    }
    /* groups: runs of slots that lines join (slot k in group gk) */
    int slot_grp[MAX_TIMES], ngroups = 0;
    for (int k = 0; k < g->n; k++)
        slot_grp[k] = -1;
    for (int k = 0; k < g->n; k++) {
        int hit = 0, joins = 0;
        for (size_t i = 0; i < n; i++) {
            hit |= sa[i] <= k && k <= sb[i];
            joins |= sa[i] < k && k <= sb[i];
        }
        if (!hit) continue;
        slot_grp[k] = joins && k > 0 && slot_grp[k - 1] >= 0 ? slot_grp[k - 1] : ngroups++;
    }
    /* one lesson in a cell merged across lattice columns runs across them, as drawn */
    if (ngroups == 1 && c->ncols > 1) return 0;
    /* one lesson in part of the cell's slots, centred nearer the cell's middle than the
     * middle of the times printed over it (a short word centred across the column), is
     * the cell's: it runs over every slot the cell spans */
    int whole_a = -1, whole_b = -1;
    if (ngroups == 1) {
        int lo = INT_MAX, hi = INT_MIN, cl, ch, a = -1, b = -1;
        for (size_t i = 0; i < n; i++) {
            int l0 = 0, l1 = 0;
            line_extent(&c->lines[i], along_y, &l0, &l1); /* known: checked above */
            if (l0 < lo) lo = l0;
            if (l1 > hi) hi = l1;
            a = a < 0 || sa[i] < a ? sa[i] : a;
            b = sb[i] > b ? sb[i] : b;
        }
        cl = along_y ? c->bbox.y : c->bbox.x;
        ch = cl + (along_y ? c->bbox.h : c->bbox.w);
        line_slots(g, cl, ch, &whole_a, &whole_b);
        int mid = (lo + hi) / 2, cell_mid = (cl + ch) / 2;
        int label_mid = (g->s[a].label_lo + g->s[b].label_hi) / 2;
        if ((whole_a == a && whole_b == b) || abs(mid - cell_mid) >= abs(mid - label_mid))
            whole_a = whole_b = -1;
    }
    for (size_t i = 0; i < n; i++)
        grp[i] = slot_grp[sa[i]];
    *st = AP_OK;
    for (int gi = 0; gi < ngroups && *st == AP_OK; gi++) {
        int first = -1, last = -1;
        for (int k = 0; k < g->n; k++)
            if (slot_grp[k] == gi) last = k, first = first < 0 ? k : first;
        it_cell part = {0};
        const it_cell *pi = info;
        if (ngroups > 1) {
            if ((*st = read_part(c, grp, gi, &part)) != AP_OK) break;
            pi = &part;
        }
        if (whole_a >= 0) first = whole_a, last = whole_b;
        if (it_is_event(pi)) {
            int s = pi->start != TT_NO_TIME ? pi->start : g->s[first].start;
            int e = pi->end != TT_NO_TIME ? pi->end : g->s[last].end;
            *st = it_emit(cx, days, pi, s, e, c);
        }
        free(part.name);
        free(part.notes);
    }
    return 1;
}

/* Whether cell c lies under one of the slot groups g[0, n) with every line placed. */
static int slot_timed(const slot_group *g, int n, int along_y, const tt_cell *c)
{
    int lo, hi;
    for (size_t i = 0; i < c->nlines; i++)
        if (!line_extent(&c->lines[i], along_y, &lo, &hi)) return 0;
    for (int k = 0; k < n; k++)
        if (g[k].c0 <= c->col && c->col + c->ncols <= g[k].c1) return c->nlines > 0;
    return 0;
}

/* A cell holding blocks side by side along the time axis, each printing its own time
 * ("1.10 - 1.30pm Library" set sideways beside "Maths 1.30 - 2.10pm"), is an event per
 * block: the lines' places part the blocks (lines whose extents overlap are one). Each
 * block's times are mended against the span its columns print (span_from, span_to;
 * it_mend_cell_times). Returns 0 (nothing emitted) unless there are two blocks or more
 * and every one prints a time. */
static int emit_side_by_side(it_ctx *cx, int along_y, unsigned days, const tt_cell *c, int e,
                             int span_from, int span_to, ap_status *st)
{
    size_t n = c->nlines, order[MAX_SLOT_LINES];
    int lo[MAX_SLOT_LINES], hi[MAX_SLOT_LINES], block[MAX_SLOT_LINES], nblocks = 0, end = 0;
    if (n < 2 || n > MAX_SLOT_LINES) return 0;
    for (size_t i = 0; i < n; i++) {
        if (!line_extent(&c->lines[i], along_y, &lo[i], &hi[i])) return 0;
        order[i] = i;
    }
    for (size_t a = 1; a < n; a++)
        for (size_t b = a; b > 0 && lo[order[b]] < lo[order[b - 1]]; b--) {
            size_t tmp = order[b];
            order[b] = order[b - 1], order[b - 1] = tmp;
        }
    for (size_t a = 0; a < n; a++) {
        size_t i = order[a];
        if (a == 0 || lo[i] >= end) nblocks++, end = hi[i];
        if (hi[i] > end) end = hi[i];
        block[i] = nblocks - 1;
    }
    if (nblocks < 2 || nblocks > MAX_TIMES) return 0;
    it_cell part[MAX_TIMES];
    int nparts = 0, timed = 1;
    *st = AP_OK;
    for (int k = 0; k < nblocks; k++) {
        if ((*st = read_part(c, block, k, &part[nparts])) != AP_OK) break;
        timed &= part[nparts].start != TT_NO_TIME && it_is_event(&part[nparts]);
        nparts++;
    }
    int split = *st == AP_OK && timed;
    for (int k = 0; k < nparts; k++) {
        if (split && *st == AP_OK) {
            it_mend_cell_times(&part[k].start, &part[k].end, span_from, span_to);
            int pe = part[k].end != TT_NO_TIME ? part[k].end
                     : k + 1 < nparts          ? part[k + 1].start
                                               : e;
            *st = it_emit(cx, days, &part[k], part[k].start, pe, c);
        }
        free(part[k].name);
        free(part[k].notes);
    }
    return split || *st != AP_OK;
}

/* A cell merged down several days that prints its text once in each day's rows (a
 * column shaded down the week and labelled on every day, no rule drawn across the
 * shading) is an event per day, read from that day's lines. The lines' places say which
 * day's rows hold them; it is so only when every day's rows hold lines of their own,
 * centred in those rows, no line crossing into another day's rows, and the parts read
 * alike or are three or more (a name of two lines centred across two days' rows puts a
 * line in each). A day at either end of the cell whose rows reach past it (the grid's
 * lines cut a band printed once a day across two days' rows) is the cell's when its line
 * lies in the cell, centred in all that day's rows; holding none, it is left to the cell
 * beside. s, e: the cell's times, for a part that prints
 * none. Returns 0 (nothing emitted) otherwise. */
#define MAX_DAY_BANDS 8
static int emit_per_day(it_ctx *cx, const tt_table *t, const unsigned *row_days, int along_y,
                        const tt_cell *c, int s, int e, ap_status *st)
{
    size_t n = c->nlines;
    int band_of[MAX_SLOT_LINES], blo[MAX_DAY_BANDS], bhi[MAX_DAY_BANDS], nb = 0;
    int plo[MAX_DAY_BANDS], phi[MAX_DAY_BANDS], dlo[MAX_DAY_BANDS], dhi[MAX_DAY_BANDS];
    unsigned bdays[MAX_DAY_BANDS];
    if (n < 1 || n > MAX_SLOT_LINES || c->nrows < 2) return 0;
    for (int r = c->row; r < c->row + c->nrows && r < t->nrows; r++) {
        if (!row_days[r]) return 0;
        if (nb && bdays[nb - 1] == row_days[r]) {
            bhi[nb - 1] = t->row_pos[r + 1];
            continue;
        }
        if (nb == MAX_DAY_BANDS) return 0;
        blo[nb] = t->row_pos[r], bhi[nb] = t->row_pos[r + 1], bdays[nb] = row_days[r];
        plo[nb] = INT_MAX, phi[nb] = INT_MIN;
        nb++;
    }
    if (nb < 2) return 0;
    for (size_t i = 0; i < n; i++) {
        int lo, hi;
        if (!line_extent(&c->lines[i], !along_y, &lo, &hi)) return 0;
        band_of[i] = -1;
        for (int k = 0; k < nb; k++)
            if (lo >= blo[k] && hi <= bhi[k]) band_of[i] = k;
        if (band_of[i] < 0) return 0;
        int k = band_of[i];
        if (lo < plo[k]) plo[k] = lo;
        if (hi > phi[k]) phi[k] = hi;
    }
    /* each day's rows in full, past the cell's ends */
    for (int k = 0; k < nb; k++)
        dlo[k] = blo[k], dhi[k] = bhi[k];
    int r1 = c->row + c->nrows, cut_first = 0, cut_last = 0;
    for (int r = c->row - 1; r >= 0 && row_days[r] == bdays[0]; r--)
        dlo[0] = t->row_pos[r], cut_first = plo[0] > phi[0];
    for (int r = r1; r < t->nrows && row_days[r] == bdays[nb - 1]; r++)
        dhi[nb - 1] = t->row_pos[r + 1], cut_last = plo[nb - 1] > phi[nb - 1];
    nb -= cut_last;
    if (cut_first) {
        nb--;
        for (int k = 0; k < nb; k++) {
            blo[k] = blo[k + 1], bhi[k] = bhi[k + 1], bdays[k] = bdays[k + 1];
            plo[k] = plo[k + 1], phi[k] = phi[k + 1], dlo[k] = dlo[k + 1], dhi[k] = dhi[k + 1];
        }
        for (size_t i = 0; i < n; i++)
            band_of[i]--;
    }
    if (nb < 1) return 0;
    /* a cell down two days' rows with all its lines in the middle of one day's rows (an
     * eighth of them), the other's empty: that day's lesson alone (a name centred once
     * across both stands on the boundary between them; across three days or more, the
     * middle day's rows hold the middle of the cell) */
    int filled = 0, only = 0;
    for (int k = 0; k < nb; k++)
        if (plo[k] <= phi[k]) filled++, only = k;
    if (nb == 2 && filled == 1 &&
        abs((plo[only] + phi[only]) / 2 - (dlo[only] + dhi[only]) / 2) * 8 <=
            dhi[only] - dlo[only]) {
        it_cell part = {0};
        if ((*st = it_read_cell(c, &part)) == AP_OK && it_is_event(&part))
            *st = it_emit(cx, bdays[only] & 0x7fu, &part, part.start != TT_NO_TIME ? part.start : s,
                          part.end != TT_NO_TIME ? part.end : e, c);
        free(part.name);
        free(part.notes);
        return 1;
    }
    if (nb < 2) return 0;
    for (int k = 0; k < nb; k++) {
        int mid = (dlo[k] + dhi[k]) / 2, pmid = (plo[k] + phi[k]) / 2;
        if (plo[k] > phi[k] || abs(pmid - mid) * 4 > dhi[k] - dlo[k]) return 0;
    }
    it_cell part[MAX_DAY_BANDS];
    int nparts = 0, alike = 1, ok = 1;
    *st = AP_OK;
    for (int k = 0; k < nb; k++) {
        if ((*st = read_part(c, band_of, k, &part[nparts])) != AP_OK) break;
        nparts++;
        ok &= part[k].letters >= 2 && !part[k].day_label;
        alike &= k == 0 || strcasecmp(part[k].name, part[0].name) == 0;
    }
    /* two days whose lines differ: a lesson each only where each part sits in the middle
     * of its day's rows (an eighth of them) and the parts stand further apart than twice
     * the tallest line (a name of two lines centred across the boundary between the days
     * keeps its line spacing; two lessons keep their cells' padding) */
    int apart = 0;
    if (nb == 2 && !alike) {
        int tallest = 0;
        for (size_t i = 0; i < n; i++) {
            int lo = 0, hi = 0;
            line_extent(&c->lines[i], !along_y, &lo, &hi); /* known: checked above */
            tallest = hi - lo > tallest ? hi - lo : tallest;
        }
        apart = plo[1] - phi[0] > 2 * tallest;
        for (int k = 0; k < nb; k++)
            apart &= abs((plo[k] + phi[k]) / 2 - (dlo[k] + dhi[k]) / 2) * 8 <= dhi[k] - dlo[k];
    }
    int split = *st == AP_OK && ok && (alike || nb >= 3 || apart);
    for (int k = 0; k < nparts; k++) {
        if (split && *st == AP_OK) {
            int ps = part[k].start != TT_NO_TIME ? part[k].start : s;
            int pe = part[k].end != TT_NO_TIME ? part[k].end : e;
            *st = it_emit(cx, bdays[k] & 0x7fu, &part[k], ps, pe, c);
        }
        free(part[k].name);
        free(part[k].notes);
    }
    return split || *st != AP_OK;
}

/* ---- a break printed once in a slot ----
 *
 * A column the body leaves unruled (a break between two lessons' columns, under its own
 * time in a header cell of several) may print its name once, set sideways and centred
 * down the whole week, in whatever cell the grid's lines cut around it. Such a line,
 * the only one of the body whose middle lies in its slot, is an event on every day, at
 * that slot's times; the cell it was printed in is read without it. A break whose time
 * the reader missed in the header (small print stacked in a narrow place) still shows
 * as a gap in time between two slots (one ends at 12:15, the next starts at 13:15): a
 * sideways line standing between those two slots' printed times, the only one of the
 * body there, is that gap's band. */

#define MAX_SLOT_BANDS 8
/* A line's confidence (0..100) below which the reader's guess is too poor to repeat on
 * every day: a sideways word read as a row of text gives scraps at 20 or so. */
#define BAND_MIN_CONFIDENCE 50.0f

typedef struct slot_band {
    size_t cell, line; /* where it is printed */
    int start, end;    /* the slot's (or gap's) times */
} slot_band;

/* The one line of the body's cells under group g whose middle lies in [lo, hi) along the
 * time axis, when it is a band: set sideways, across the days, centred on all of them
 * (span0..span1 across the axis), read clearly enough to stand for every day and, where
 * whole, lying wholly inside [lo, hi]. Sets *cell and *line; 0 when there is none. */
static int lone_band(const tt_table *t, int first_row, int data_col, const slot_group *g,
                     int lo, int hi, int whole, int along_y, float span0, float span1,
                     size_t *cell, size_t *line)
{
    int count = 0, llo = 0, lhi = 0;
    for (size_t i = 0; i < t->ncells; i++) {
        const tt_cell *c = &t->cells[i];
        if (c->row < first_row || c->col < data_col || c->col >= g->c1 ||
            c->col + c->ncols <= g->c0)
            continue;
        for (size_t j = 0; j < c->nlines; j++) {
            int a, b;
            if (!line_extent(&c->lines[j], along_y, &a, &b)) return 0;
            int mid = (a + b) / 2;
            if (mid >= lo && mid < hi) count++, *cell = i, *line = j, llo = a, lhi = b;
        }
    }
    if (count != 1 || t->cells[*cell].nlines > MAX_SLOT_LINES) return 0;
    if (whole && (llo < lo || lhi > hi)) return 0;
    const tt_line *l = &t->cells[*cell].lines[*line];
    int along = along_y ? l->box.h : l->box.w, across = along_y ? l->box.w : l->box.h;
    float mid = along_y ? l->box.x + l->box.w / 2.0f : l->box.y + l->box.h / 2.0f;
    return across >= 2 * along && fabsf(mid - (span0 + span1) / 2) <= 0.03f * (span1 - span0) &&
           l->confidence >= BAND_MIN_CONFIDENCE;
}

/* Cells of the body [first_row, nrows) x [data_col, ncols) holding the bands of the
 * slot groups g[0, ng) into b (at most MAX_SLOT_BANDS), in the slots, then in the gaps
 * in time between two slots side by side; returns their number. */
static int find_slot_bands(const tt_table *t, int first_row, int data_col, const slot_group *g,
                           int ng, int along_y, slot_band *b)
{
    int nb = 0;
    if (first_row >= t->nrows) return 0;
    float span0 = (float)t->row_pos[first_row], span1 = (float)t->row_pos[t->nrows];
    if (along_y) span0 = (float)t->col_pos[data_col], span1 = (float)t->col_pos[t->ncols];
    size_t cell, line;
    for (int gi = 0; gi < ng; gi++)
        for (int k = 0; k < g[gi].n && nb < MAX_SLOT_BANDS; k++) {
            const tslot *sl = &g[gi].s[k];
            if (lone_band(t, first_row, data_col, &g[gi], sl->lo, sl->hi, 0, along_y, span0,
                          span1, &cell, &line))
                b[nb++] = (slot_band){cell, line, sl->start, sl->end};
        }
    for (int gi = 0; gi < ng; gi++)
        for (int k = 0; k + 1 < g[gi].n && nb < MAX_SLOT_BANDS; k++) {
            const tslot *sl = &g[gi].s[k], *next = &g[gi].s[k + 1];
            if (sl->end == TT_NO_TIME || next->start <= sl->end ||
                !lone_band(t, first_row, data_col, &g[gi], sl->label_hi, next->label_lo, 1,
                           along_y, span0, span1, &cell, &line))
                continue;
            int seen = 0;
            for (int o = 0; o < nb; o++)
                seen |= b[o].cell == cell && b[o].line == line;
            if (!seen) b[nb++] = (slot_band){cell, line, sl->end, next->start};
        }
    return nb;
}

/* A label cell merged down the rows of several days (the rule between them too faint for
 * the grid's lines) that prints each day's name in that day's rows labels each row by the
 * name printed in it: every line names one day and lies in one of the cell's rows, and
 * every row holds one. Sets row_days[] for the cell's rows; AP_ERR_NOT_FOUND (nothing
 * set) when the cell is no such label, AP_ERR_NOMEM. */
static ap_status label_rows(const tt_table *t, const tt_cell *c, int along_y, unsigned *row_days)
{
    unsigned got[MAX_DAY_BANDS] = {0};
    if (c->nrows < 2 || c->nrows > MAX_DAY_BANDS || c->nlines < 2 || c->row + c->nrows > t->nrows)
        return AP_ERR_NOT_FOUND;
    for (size_t k = 0; k < c->nlines; k++) {
        int lo, hi, r = -1;
        if (!line_extent(&c->lines[k], !along_y, &lo, &hi)) return AP_ERR_NOT_FOUND;
        int mid = (lo + hi) / 2;
        for (int q = c->row; q < c->row + c->nrows; q++)
            if (mid >= t->row_pos[q] && mid < t->row_pos[q + 1]) r = q;
        tt_cell one = *c;
        one.lines = &c->lines[k], one.nlines = 1;
        it_cell part = {0};
        if (it_read_cell(&one, &part) != AP_OK) return AP_ERR_NOMEM;
        unsigned days = part.day_label ? part.days & 0x7fu : 0;
        free(part.name);
        free(part.notes);
        if (r < 0 || !days || (days & (days - 1))) return AP_ERR_NOT_FOUND;
        got[r - c->row] |= days;
    }
    for (int q = 0; q < c->nrows; q++)
        if (!got[q]) return AP_ERR_NOT_FOUND;
    for (int q = 0; q < c->nrows; q++)
        row_days[c->row + q] |= got[q];
    return AP_OK;
}

/* The first row day label cell i labels. A borderless header parts the empty corner over
 * the time labels from the first day's cell by nothing but paper, so the grid may merge
 * them: the label then reaches over the header's row(s) while its text lies in its own.
 * Where its text lies below its first row, and the rows above hold, beside it, nothing
 * but times that end there (the header), the label starts at the row its text is in. */
static int label_first_row(const tt_table *t, const it_cell *ci, size_t i, int along_y)
{
    const tt_cell *c = &t->cells[i];
    int lo = INT_MAX, l0, l1, top = c->row, header_times = 0;
    if (c->nrows < 2 || !c->nlines) return c->row;
    for (size_t k = 0; k < c->nlines; k++) {
        if (!line_extent(&c->lines[k], !along_y, &l0, &l1)) return c->row;
        if (l0 < lo) lo = l0;
    }
    while (top + 1 < c->row + c->nrows && t->row_pos[top + 1] <= lo)
        top++;
    for (size_t j = 0; j < t->ncells && top > c->row; j++) {
        const tt_cell *d = &t->cells[j];
        if (j == i || d->row >= top || d->row + d->nrows <= c->row) continue;
        if (d->row + d->nrows > top || ci[j].day_label || (!ci[j].ntimes && ci[j].letters))
            return c->row;
        header_times += ci[j].ntimes > 0;
    }
    return header_times ? top : c->row;
}

/* Days as rows, labelled in column label_col; along_y: the table was transposed (days as
 * columns), so its time axis runs down the page. */
ap_status it_grid_rows(it_ctx *cx, const tt_table *t, it_cell *ci, int label_col, int along_y)
{
    ap_status st = AP_ERR_NOMEM;
    slot_group groups[MAX_SLOT_GROUPS];
    int ngroups = 0;
    int *bstart = NULL, *bend = NULL, *order = NULL, *mate = NULL;
    unsigned *row_days = NULL;
    unsigned char *emitted = NULL, *end_printed = NULL, *start_printed = NULL; /* printed times */
    unsigned char *head = NULL;
    slot_band bands[MAX_SLOT_BANDS];
    tt_cell rest[MAX_SLOT_BANDS];
    tt_line rest_lines[MAX_SLOT_BANDS][MAX_SLOT_LINES];
    it_cell rest_info[MAX_SLOT_BANDS];
    int nbands = 0, nrest = 0;
    size_t nc = (size_t)t->ncols + 1, ncells = t->ncells ? t->ncells : 1;
    if (!(bstart = malloc(nc * sizeof *bstart)) || !(bend = malloc(nc * sizeof *bend)) ||
        !(row_days = calloc((size_t)t->nrows, sizeof *row_days)) ||
        !(order = malloc(ncells * sizeof *order)) || !(mate = malloc(ncells * sizeof *mate)) ||
        !(emitted = calloc(ncells, 1)) || !(head = calloc(ncells, 1)) ||
        !(end_printed = calloc(nc, 1)) || !(start_printed = calloc(nc, 1)))
        goto out;
    for (size_t k = 0; k < nc; k++)
        bstart[k] = bend[k] = TT_NO_TIME;

    guess_unread_days(t, ci, label_col);
    /* Day of each lattice row, and where the body starts. */
    int first_row = t->nrows, data_col = label_col + 1, prev_day = -1;
    for (size_t i = 0; i < t->ncells; i++) {
        const tt_cell *c = &t->cells[i];
        if (c->col != label_col || !ci[i].day_label) continue;
        unsigned days = it_resolve_day(ci[i].days, prev_day);
        prev_day = it_lowest_day(days);
        int top = label_first_row(t, ci, i, along_y);
        if (top < first_row) first_row = top;
        if (c->col + c->ncols > data_col) data_col = c->col + c->ncols;
        if (top == c->row && (st = label_rows(t, c, along_y, row_days)) == AP_OK) continue;
        if (top == c->row && st != AP_ERR_NOT_FOUND) goto out;
        st = AP_ERR_NOMEM;
        for (int r = top; r < c->row + c->nrows && r < t->nrows; r++)
            row_days[r] |= days;
    }
    if ((st = it_fill_misread_columns(t, ci, row_days, first_row, data_col)) != AP_OK) goto out;
    st = AP_ERR_NOMEM; /* until the end: what fails below is memory */

    /* Text with no time and no day above the body or before the day labels is not the
     * timetable's: a title the reader took in as the top row, a corner cell naming the
     * class. It joins the header text. */
    for (size_t i = 0; i < t->ncells; i++) {
        const tt_cell *c = &t->cells[i];
        if (!ci[i].ntimes && !ci[i].day_label &&
            (c->row + c->nrows <= first_row || c->col + c->ncols <= label_col))
            it_add_cell_header(cx, c);
    }

    /* The header: time of each column edge, for cells starting and ending there. A cell
     * that starts in the header and holds nothing but times is the header's also where
     * it reaches into the body (the rule under it too faint for the grid's lines). A
     * range printed in two header cells (it_pair_split_times) is read from the first:
     * its start, and the second's time as its end; a start unread leaves the column's
     * start to the column before. */
    for (size_t i = 0; i < t->ncells; i++) {
        const tt_cell *c = &t->cells[i];
        head[i] = c->col >= data_col &&
                  (c->row + c->nrows <= first_row ||
                   (c->row < first_row && ci[i].ntimes && !ci[i].letters && !ci[i].day_label));
    }
    it_pair_split_times(t, ci, head, 1, mate);
    for (size_t i = 0; i < t->ncells; i++)
        if (mate[i] >= 0) head[mate[i]] = 0;
    for (size_t i = 0; i < t->ncells; i++) {
        const tt_cell *c = &t->cells[i];
        if (!head[i] || (!ci[i].ntimes && mate[i] < 0)) continue;
        int c0 = c->col, c1 = c->col + c->ncols;
        int s = ci[i].start, e = ci[i].end;
        if (ci[i].guessed) cx->guessed_ampm = 1;
        if (mate[i] >= 0) {
            e = ci[mate[i]].start;
            if (ci[mate[i]].guessed) cx->guessed_ampm = 1;
            if (s == TT_NO_TIME) {
                bend[c1] = e, end_printed[c1] = 1;
                continue;
            }
        } else if (ngroups < MAX_SLOT_GROUPS && header_slots(c, along_y, &groups[ngroups])) {
            const slot_group *g = &groups[ngroups++];
            for (int k = c0; k <= c1; k++) {
                int tm = k == c0   ? g->s[0].start
                         : k == c1 ? g->s[g->n - 1].end
                                   : slot_time_at(g, t->col_pos[k]);
                if (k < c1) bstart[k] = tm;
                if (k > c0 && tm != TT_NO_TIME) bend[k] = tm;
            }
            continue;
        }
        /* One time per column, in order, where a header cell spans columns that no rule
         * divides ("9.15 - 10.05   10.05 - 10.50" over two columns). */
        if (c->ncols >= 2 && ci[i].ntimes == c->ncols && it_times_ascend(&ci[i])) {
            for (int k = 0; k < c->ncols; k++) {
                bstart[c0 + k] = ci[i].times[k][0], start_printed[c0 + k] = 1;
                if (ci[i].times[k][1] != TT_NO_TIME)
                    bend[c0 + k + 1] = ci[i].times[k][1], end_printed[c0 + k + 1] = 1;
            }
            continue;
        }
        start_printed[c0] = 1;
        if (e == TT_NO_TIME) {
            bstart[c0] = s;
            continue;
        }
        double span = t->col_pos[c1] - t->col_pos[c0];
        for (int k = c0; k <= c1; k++) {
            double f = span > 0 ? (t->col_pos[k] - t->col_pos[c0]) / span : 0;
            int tm = k == c0 ? s : k == c1 ? e : it_round5(s + (e - s) * f);
            if (k < c1) bstart[k] = tm;
            if (k > c0) bend[k] = tm;
        }
        end_printed[c1] = 1;
    }
    /* Digits OCR confused, where the columns' order shows them: each column's start and
     * end as printed, in order (the other reading of a boundary is no evidence here:
     * either may be the misread one, and the cells under them say which). */
    if (it_ocr_table(t) && nc >= 2) {
        int *seq = malloc(2 * nc * sizeof *seq);
        if (!seq) goto out;
        for (size_t k = 0; k + 1 < nc; k++)
            seq[2 * k] = bstart[k], seq[2 * k + 1] = bend[k + 1];
        it_mend_confusions(seq, 2 * (int)(nc - 1), 0);
        for (size_t k = 0; k + 1 < nc; k++)
            bstart[k] = seq[2 * k], bend[k + 1] = seq[2 * k + 1];
        free(seq);
    }
    /* A header with a single time ends where the next one starts. */
    for (size_t k = 1; k < nc; k++)
        if (bend[k] == TT_NO_TIME) bend[k] = bstart[k];
    tt_mend_header_times(bstart, bend, nc);
    for (size_t k = 1; k + 1 < nc && it_ocr_table(t); k++)
        it_mend_units(&bend[k], &bstart[k]);

    /* Breaks printed once in a slot: an event every day; their cells read without them. */
    nbands = find_slot_bands(t, first_row, data_col, groups, ngroups, along_y, bands);
    unsigned week = 0;
    for (int r = first_row; r < t->nrows; r++)
        week |= row_days[r];
    for (int b = 0; b < nbands; b++) {
        const tt_cell *c = &t->cells[bands[b].cell];
        tt_cell one = *c;
        one.lines = &c->lines[bands[b].line], one.nlines = 1;
        it_cell part = {0};
        if ((st = it_read_cell(&one, &part)) != AP_OK) goto out;
        int s = part.start != TT_NO_TIME ? part.start : bands[b].start;
        int e = part.end != TT_NO_TIME ? part.end : bands[b].end;
        if (it_is_event(&part)) st = it_emit(cx, week & 0x7fu, &part, s, e, c);
        free(part.name);
        free(part.notes);
        if (st != AP_OK) goto out;
        st = AP_ERR_NOMEM;
    }
    for (int b = 0; b < nbands; b++) {
        const tt_cell *c = &t->cells[bands[b].cell];
        rest[b] = *c;
        rest[b].lines = rest_lines[b], rest[b].nlines = 0;
        for (size_t j = 0; j < c->nlines; j++) { /* at most MAX_SLOT_LINES: find_slot_bands */
            int banded = 0;
            for (int o = 0; o < nbands; o++)
                banded |= bands[o].cell == bands[b].cell && bands[o].line == j;
            if (!banded) rest_lines[b][rest[b].nlines++] = c->lines[j];
        }
        if (it_read_cell(&rest[b], &rest_info[b]) != AP_OK) goto out;
        nrest = b + 1;
    }

    /* Body: per lattice row band of one day label, the cells in it left to right. */
    int ocr = it_ocr_table(t);
    for (int r = first_row; r < t->nrows;) {
        unsigned days = row_days[r];
        int r1 = r + 1;
        while (r1 < t->nrows && row_days[r1] == days)
            r1++;
        if (!days) {
            r = r1;
            continue;
        }
        size_t n = 0;
        for (size_t i = 0; i < t->ncells; i++) {
            const tt_cell *c = &t->cells[i];
            if (c->col < data_col || c->row >= r1 || c->row + c->nrows <= r) continue;
            order[n++] = (int)i;
        }
        /* left to right (cells come sorted by row, then column) */
        for (size_t a = 1; a < n; a++)
            for (size_t b = a; b > 0 && t->cells[order[b]].col < t->cells[order[b - 1]].col; b--) {
                int tmp = order[b];
                order[b] = order[b - 1];
                order[b - 1] = tmp;
            }
        for (size_t a = 0; a < n; a++) {
            const tt_cell *c = &t->cells[order[a]];
            const it_cell *info = &ci[order[a]];
            for (int b = 0; b < nbands; b++)
                if (bands[b].cell == (size_t)order[a]) c = &rest[b], info = &rest_info[b];
            if (!it_is_event(info)) continue;
            /* days of this cell: every day whose rows it covers, within this band; a
             * band printed once across the days, every day */
            unsigned cdays = 0;
            int band = band_over_days(t, ci, (size_t)order[a], first_row, along_y);
            int from = band ? first_row : c->row, to = band ? t->nrows : c->row + c->nrows;
            for (int rr = from; rr < to && rr < t->nrows; rr++)
                cdays |= row_days[rr];
            /* A cell covering several days is emitted once, for all of them. */
            if (emitted[order[a]]) continue;
            emitted[order[a]] = 1;
            int c0 = c->col, c1 = c->col + c->ncols;
            const slot_group *g = NULL;
            for (int k = 0; k < ngroups && !g; k++)
                if (groups[k].c0 <= c0 && c1 <= groups[k].c1) g = &groups[k];
            if (g && emit_by_slots(cx, g, along_y, cdays & 0x7fu, c, info, &st)) {
                if (st != AP_OK) goto out;
                continue;
            }
            /* the span the header prints for the cell's columns, where OCR's digits
             * in the cell may be the misread ones (it_mend_cell_times) */
            int span0 = ocr && start_printed[c0] ? bstart[c0] : TT_NO_TIME;
            int span1 = ocr && end_printed[c1] ? bend[c1] : TT_NO_TIME;
            int s = info->start, e = info->end;
            it_mend_cell_times(&s, &e, span0, span1);
            /* a time the header prints for this column's edge stands; else the time
             * its neighbour prints, then the header's guess (a share of a range) */
            if (s == TT_NO_TIME && start_printed[c0]) s = bstart[c0];
            if (e == TT_NO_TIME && end_printed[c1]) e = bend[c1];
            /* a neighbour timed by slots prints the times of its parts, not of the edge */
            if (s == TT_NO_TIME) {
                for (size_t b = 0; b < n; b++) {
                    const tt_cell *o = &t->cells[order[b]];
                    if (slot_timed(groups, ngroups, along_y, o)) continue;
                    if (o->col + o->ncols == c0 && ci[order[b]].end != TT_NO_TIME)
                        s = ci[order[b]].end;
                }
                if (s == TT_NO_TIME) s = bstart[c0] != TT_NO_TIME ? bstart[c0] : bend[c0];
            }
            if (e == TT_NO_TIME) {
                for (size_t b = 0; b < n; b++) {
                    const tt_cell *o = &t->cells[order[b]];
                    if (slot_timed(groups, ngroups, along_y, o)) continue;
                    if (o->col == c1 && ci[order[b]].start != TT_NO_TIME &&
                        (s == TT_NO_TIME || ci[order[b]].start > s))
                        e = ci[order[b]].start;
                }
                if (e == TT_NO_TIME) e = bend[c1] != TT_NO_TIME ? bend[c1] : bstart[c1];
            }
            if (!band && emit_per_day(cx, t, row_days, along_y, c, s, e, &st)) {
                if (st != AP_OK) goto out;
                continue;
            }
            if (emit_side_by_side(cx, along_y, cdays & 0x7fu, c, e, span0, span1, &st)) {
                if (st != AP_OK) goto out;
                continue;
            }
            if ((st = it_emit(cx, cdays & 0x7fu, info, s, e, c)) != AP_OK) goto out;
        }
        r = r1;
    }
    st = AP_OK;
out:
    free(bstart);
    free(bend);
    free(row_days);
    free(order);
    free(mate);
    free(emitted);
    free(head);
    free(end_printed);
    free(start_printed);
    for (int b = 0; b < nrest; b++) {
        free(rest_info[b].name);
        free(rest_info[b].notes);
    }
    return st;
}

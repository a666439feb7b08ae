/* interpret_times: times that grids and lists read alike (interpret_internal.h): a range
 * printed in two cells, and two readings of one boundary that OCR read apart. */
#include <limits.h>
#include <stdlib.h>

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

/* ---- digits OCR confuses ----
 *
 * Old-style figures (3, 5, 7 and 9 hang below the line; 1 is a small capital I) and blur
 * make OCR read one digit for another of like shape. A time axis runs forward: where the
 * times read along it do not, the reading that costs the fewest such confusions to put in
 * order is the likelier print. */

/* Digit pairs of like shape that OCR reads one for the other. */
static const char *const confusable[] = {"35", "38", "58", "23", "68", "89"};

static int digits_alike(int a, int b)
{
    for (size_t k = 0; k < sizeof confusable / sizeof confusable[0]; k++)
        if ((confusable[k][0] - '0' == a && confusable[k][1] - '0' == b) ||
            (confusable[k][0] - '0' == b && confusable[k][1] - '0' == a))
            return 1;
    return 0;
}

/* The clock of hour h and minute m as printed, or -1. dial12: h was printed on a
 * twelve-hour dial, and takes its half of the day by the school-day rule (1-5 afternoon,
 * 6-11 morning, 12 noon). */
static int clock_of(int h, int m, int dial12)
{
    if (m > 59 || h > 23) return -1;
    if (dial12) {
        if (h < 1 || h > 12) return -1;
        if (h <= 5) h += 12;
    }
    return h * 60 + m;
}

/* Adds clock c to out[0, *n) (at most cap) unless there, t itself, or outside the
 * school day (07:00-19:00), where no misread is put. */
static void add_clock(int *out, int *n, int cap, int c, int t)
{
    if (c < 7 * 60 || c >= 19 * 60 || c == t) return;
    for (int k = 0; k < *n; k++)
        if (out[k] == c) return;
    if (*n < cap) out[(*n)++] = c;
}

int it_confusable_times(int t, int *out, int cap)
{
    int n = 0;
    if (t < 0 || t >= 24 * 60) return 0;
    int h = t / 60, m = t % 60;
    /* the digits as printed: a morning or noon hour on either dial; an afternoon one as
     * 24-hour digits ("13:30") or twelve-hour ones ("1:30") */
    for (int dial12 = 0; dial12 < 2; dial12++) {
        if (!dial12 && h <= 12) continue;
        int hh = dial12 && h > 12 ? h - 12 : h;
        if (dial12 && hh == 0) continue;
        int d[4] = {hh / 10, hh % 10, m / 10, m % 10};
        for (int at = 0; at < 4; at++)
            for (int v = 0; v <= 9; v++) {
                if (v == d[at] || !digits_alike(v, d[at])) continue;
                int e[4] = {d[0], d[1], d[2], d[3]};
                e[at] = v;
                int c = clock_of(e[0] * 10 + e[1], e[2] * 10 + e[3], dial12);
                if (c >= 0) add_clock(out, &n, cap, c, t);
            }
        /* an hour's leading 1 lost: "11:05" read "1:05" (13:05), "12:10" read "2:10";
         * the old-style 1 is a small capital I that OCR runs into the next */
        if (dial12 && hh <= 2) add_clock(out, &n, cap, (10 + hh) * 60 + m, t);
    }
    /* "0:55" is no school time: "10:55" with its 1 lost */
    if (h == 0) add_clock(out, &n, cap, 10 * 60 + m, t);
    return n;
}

/* ---- putting an axis in order ---- */

#define MEND_ALT      10  /* a reading replaced by a confusable one */
#define MEND_COPY     8   /* a reading replaced by the other reading of its boundary */
#define MEND_DROP     25  /* a reading left out of the order (left to the caller) */
#define MEND_OFFGRID  15  /* a reading off the five-minute grid (lessons keep to it) */
#define MEND_GAP      2   /* an event ending before the next starts: allowed, a tie-breaker */
#define MEND_MAX      256 /* readings on one axis, at most */
#define MEND_MAX_ALTS 24  /* confusable readings and the boundary's other, per reading */
#define MEND_CANDS    (1 + MEND_MAX_ALTS)

/* kind: 0 the reading, 1 a confusable one, 2 the other reading of its boundary */
static int mend_cost(int value, int kind)
{
    return (kind == 1 ? MEND_ALT : kind == 2 ? MEND_COPY : 0) + (value % 5 ? MEND_OFFGRID : 0);
}

/* Whether b may follow a along the axis: i, j are their places in the start, end, start,
 * end... sequence (i < j). An event lasts some time, and two ends are never equal. */
static int mend_follows(int a, int b, int i, int j)
{
    if ((j == i + 1 && i % 2 == 0) || (i % 2 && j % 2)) return a < b;
    return a <= b;
}

void it_mend_confusions(int *v, int n, int copies)
{
    int pos[MEND_MAX], m = 0;
    for (int i = 0; i < n && m < MEND_MAX; i++)
        if (v[i] != TT_NO_TIME) pos[m++] = i;
    if (m < 3 || m == MEND_MAX) return;
    int(*cand)[MEND_CANDS] = malloc(sizeof *cand * (size_t)m);
    int(*best)[MEND_CANDS] = malloc(sizeof *best * (size_t)m);
    short(*from)[MEND_CANDS][2] = malloc(sizeof *from * (size_t)m);
    int *ncand = malloc(sizeof *ncand * (size_t)m), *copy_at = malloc(sizeof *copy_at * (size_t)m);
    if (!cand || !best || !from || !ncand || !copy_at) goto out;
    for (int p = 0; p < m; p++) {
        cand[p][0] = v[pos[p]];
        ncand[p] = 1 + it_confusable_times(v[pos[p]], cand[p] + 1, MEND_MAX_ALTS - 1);
        /* the other reading of the same boundary: an end's next start, a start's end
         * before (last among the candidates: a copy is cheaper than a misread digit) */
        int i = pos[p], other = i % 2 ? i + 1 : i - 1;
        if (copies && other >= 0 && other < n && v[other] != TT_NO_TIME && v[other] != v[i]) {
            for (int c = 1; c < ncand[p]; c++)
                if (cand[p][c] == v[other]) cand[p][c] = cand[p][--ncand[p]];
            cand[p][ncand[p]] = v[other];
            copy_at[p] = ncand[p]++;
        } else {
            copy_at[p] = -1;
        }
    }
    /* best[p][c]: the least cost of the sequence up to p, with p kept as candidate c */
    int end_cost = INT_MAX, end_p = -1, end_c = -1;
    for (int p = 0; p < m; p++)
        for (int c = 0; c < ncand[p]; c++) {
            int own = mend_cost(cand[p][c], c == 0 ? 0 : c == copy_at[p] ? 2 : 1);
            best[p][c] = MEND_DROP * p + own, from[p][c][0] = -1, from[p][c][1] = -1;
            for (int q = 0; q < p; q++)
                for (int d = 0; d < ncand[q]; d++) {
                    int a = cand[q][d], b = cand[p][c];
                    if (!mend_follows(a, b, pos[q], pos[p])) continue;
                    int gap = pos[q] % 2 && pos[p] == pos[q] + 1 && a != b ? MEND_GAP : 0;
                    int cost = best[q][d] + MEND_DROP * (p - q - 1) + gap + own;
                    if (cost < best[p][c])
                        best[p][c] = cost, from[p][c][0] = (short)q, from[p][c][1] = (short)d;
                }
            int total = best[p][c] + MEND_DROP * (m - 1 - p);
            if (total < end_cost) end_cost = total, end_p = p, end_c = c;
        }
    /* ncand now: the candidate kept at p, or -1 where p is left out */
    for (int p = 0; p < m; p++)
        ncand[p] = -1;
    for (int p = end_p, c = end_c; p >= 0;) {
        ncand[p] = c;
        int q = from[p][c][0], d = from[p][c][1];
        p = q, c = d;
    }
    /* a reading is replaced only where the order holds it on both sides: a kept reading
     * next to it, or one past a single reading left out (two misread side by side,
     * "1:55" then "17:55" for "11:55" twice, leave the one between out); not beside two
     * left out (a header OCR read badly throughout), nor at either end, where the order
     * shows one side only */
    for (int p = 1; p + 1 < m; p++) {
        if (ncand[p] <= 0) continue;
        int before = ncand[p - 1] >= 0 || (p >= 2 && ncand[p - 2] >= 0);
        int after = ncand[p + 1] >= 0 || (p + 2 < m && ncand[p + 2] >= 0);
        if (before && after) v[pos[p]] = cand[p][ncand[p]];
    }
out:
    free(cand);
    free(best);
    free(from);
    free(ncand);
    free(copy_at);
}

/* ---- a cell's own times against its column's ---- */

/* The reading one confusable digit away from t (it_confusable_times) within [lo, hi]
 * nearest to want, or TT_NO_TIME. */
static int confusable_within(int t, int lo, int hi, int want)
{
    int alt[MEND_MAX_ALTS], n = it_confusable_times(t, alt, MEND_MAX_ALTS), best = TT_NO_TIME;
    for (int k = 0; k < n; k++)
        if (alt[k] >= lo && alt[k] <= hi &&
            (best == TT_NO_TIME || abs(alt[k] - want) < abs(best - want)))
            best = alt[k];
    return best;
}

void it_mend_cell_times(int *start, int *end, int from, int to)
{
    if (from == TT_NO_TIME || to == TT_NO_TIME || from >= to) return;
    if (*end != TT_NO_TIME && (*end > to + 5 || *end <= from)) {
        int c = confusable_within(*end, from + 5, to, to);
        if (c != TT_NO_TIME && (*start == TT_NO_TIME || c > *start)) *end = c;
    }
    if (*start != TT_NO_TIME && (*start < from - 5 || *start >= to)) {
        int c = confusable_within(*start, from, to - 5, from);
        if (c != TT_NO_TIME && (*end == TT_NO_TIME || c < *end)) *start = c;
    }
}

/* raster_reread: a second reading of the time cells that the first one got wrong. A row
 * or column of a table whose cells are mostly times alone (a grid's header of times, a
 * list's time column) is a time axis; a cell of it whose reading is no time while the
 * times beside it along the axis are good, or whose time runs out of order between them,
 * was most likely misread ("WYO" for a hand-drawn "14:40", "3.30-3.4om", a sideways
 * "3:00 - 3:15 pm" read turned the wrong way as "ess - 00"). Such a cell is read again:
 * by the other engine, by the same one with the crop's paper set as the other engine's
 * (TT_PAPER_RANK, TT_TESS_PAPER_RANK: thinner or bolder strokes), and, when it was read
 * sideways, turned the other way (read upright in a cell taller than wide, turned either
 * way); a reading that fits between its neighbours' times better replaces the first.
 * Where the interpreter needs no reading (a cell between two ranges beside it takes its
 * times from theirs), none is made.
 *
 * The crew that read the page makes the second readings once it has read every job, with
 * the engines it holds (raster_reread_post appends them as jobs, made anew, not taken from
 * the table of readings); the caller chooses among the readings when the crew is done
 * (raster_reread_choose). A page without such a cell (a clean page) pays only the parse
 * of its cells' text. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/testable.h"
#include "document/timeparse.h"

#include "document/raster_internal.h"

#define MAX_REREADS 16 /* cells read again on one page: a page worse than that is unread */
#define MAX_ALTS    4  /* second readings of one cell */
/* The slack (minutes) allowed between a reading and its neighbours' times: header times
 * touch (one's end the next one's start), but a break left out of the header leaves a gap
 * and a reading may end a few minutes past the next start as printed. */
#define FIT_SLACK 5

/* One cell's times as its text gives them: start and end (end TP_NO_TIME for a clock). */
typedef struct axis_time {
    int good; /* the text is one time notation alone */
    int start, end;
} axis_time;

/* Text of a job's lines joined by spaces (a header's range wraps "9:00 -" / "10:00") into
 * buf; 0 when it does not fit. */
static int job_text(const job *jb, char *buf, size_t cap)
{
    size_t at = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < jb->nlines; i++) {
        size_t l = strlen(jb->lines[i].text);
        if (at + l + 2 > cap) return 0;
        if (at) buf[at++] = ' ';
        memcpy(buf + at, jb->lines[i].text, l);
        at += l;
        buf[at] = '\0';
    }
    return 1;
}

/* The times of a cell's text: one time notation alone, or two clocks alone in order, one
 * over the other (a range whose dash was lost, which the interpreter reads as a range). */
static axis_time time_of(const char *text)
{
    tp_match m[3];
    axis_time t = {0, TP_NO_TIME, TP_NO_TIME};
    size_t len = strlen(text);
    if (tp_is_time_only(text, len, 0, m) && !(m[0].flags & TP_INVERTED))
        return (axis_time){1, m[0].start, m[0].flags & TP_RANGE ? m[0].end : TP_NO_TIME};
    if (tp_find_all(text, len, 0, m, 3) != 2 || (m[0].flags | m[1].flags) & TP_RANGE ||
        m[1].start <= m[0].start)
        return t;
    /* nothing but white space and dashes around them */
    for (size_t i = 0; i < len; i++) {
        if ((i >= m[0].begin && i < m[0].end_byte) || (i >= m[1].begin && i < m[1].end_byte))
            continue;
        if (text[i] != ' ' && text[i] != '-' && (unsigned char)text[i] < 0x80) return t;
    }
    return (axis_time){1, m[0].start, m[1].start};
}

static int last_minute(const axis_time *t)
{
    return t->end != TP_NO_TIME ? t->end : t->start;
}

/* How well text fits at its place on an axis between prev and next (either NULL at the
 * axis's ends): 3 a range in order between them (FIT_SLACK), 2 a clock in order between
 * them, 1 times out of order, 0 no time notation alone. */
static int axis_fit(const char *text, const axis_time *prev, const axis_time *next)
{
    axis_time t = time_of(text);
    if (!t.good) return 0;
    int after = !prev || (t.start > prev->start && t.start >= last_minute(prev) - FIT_SLACK);
    /* a range may end where a lone clock after it stands (the day's end: "1:20 - 1:50"
     * over "1:50") */
    int before = !next || (last_minute(&t) <= next->start + FIT_SLACK &&
                           (last_minute(&t) < last_minute(next) || t.start < next->start));
    if (!after || !before) return 1;
    return t.end != TP_NO_TIME ? 3 : 2;
}

/* The nearest good time along an axis from position i (not i itself), stepping by step
 * (-1 or +1); -1 when there is none. */
static long nearest_good(const axis_time *t, size_t n, size_t i, int step)
{
    for (long k = (long)i + step; k >= 0 && k < (long)n; k += step)
        if (t[k].good) return k;
    return -1;
}

/* Whether the cell at position i of an axis of n cells (times t[], texts given) is worth
 * a second reading: it has text and fits worse than a clock in order (axis_fit)
 * between the nearest good times on either side. Its neighbours may be misread too (two
 * misread cells side by side at a header's end). label: the cell is in the table's first
 * column (for a row) or first row (for a column), where a label stands ("Time", a day's
 * name): it is read again only when its text holds a digit. */
static int axis_suspect(const axis_time *t, const char *const *texts, size_t n, size_t i, int label)
{
    if (!texts[i] || !texts[i][0]) return 0;
    if (label && !strpbrk(texts[i], "0123456789")) return 0;
    long p = nearest_good(t, n, i, -1), q = nearest_good(t, n, i, +1);
    if (p < 0 && q < 0) return 0;
    const axis_time *prev = p >= 0 ? &t[p] : NULL, *next = q >= 0 ? &t[q] : NULL;
    int fit = axis_fit(texts[i], prev, next);
    /* out of order where the axis runs on (a list of days one under the other starts
     * its times again: that is no misreading) */
    if (fit == 1) return prev && next && last_minute(prev) <= next->start;
    /* Between two ranges beside it, a cell read as no time or as one clock takes its
     * times from theirs (the interpreter's boundaries: the one before ends where it
     * starts, the one after starts where it ends); a second reading changes nothing. */
    int ranges_beside = prev && next && p == (long)i - 1 && q == (long)i + 1 &&
                        prev->end != TP_NO_TIME && next->end != TP_NO_TIME;
    if (ranges_beside) return 0;
    return fit == 0;
}

/* The fit (axis_fit) of text read at position i of an axis whose cells read texts[0, n)
 * (n at most 256), between the nearest good times on either side: what decides between a
 * cell's readings. For tests, and the one rule both the search and the choice use. */
TESTABLE int tt_axis_fit_at(const char *const *texts, size_t n, size_t i, const char *text)
{
    axis_time t[256];
    if (n > 256) return 0;
    for (size_t k = 0; k < n; k++)
        t[k] = time_of(texts[k] ? texts[k] : "");
    long p = nearest_good(t, n, i, -1), q = nearest_good(t, n, i, +1);
    return axis_fit(text, p >= 0 ? &t[p] : NULL, q >= 0 ? &t[q] : NULL);
}

/* Whether position i of an axis whose cells read texts[0, n) (n at most 256) is read
 * again (axis_suspect); label as there. */
TESTABLE int tt_axis_suspect_at(const char *const *texts, size_t n, size_t i, int label)
{
    axis_time t[256];
    if (n > 256) return 0;
    for (size_t k = 0; k < n; k++)
        t[k] = time_of(texts[k] ? texts[k] : "");
    return axis_suspect(t, texts, n, i, label);
}

/* A cell of an axis: its job, and its place along the axis. */
typedef struct axis_cell {
    size_t job;
    int pos; /* its column (along a row) or row (along a column) */
} axis_cell;

static int by_pos(const void *a, const void *b)
{
    return ((const axis_cell *)a)->pos - ((const axis_cell *)b)->pos;
}

/* A re-read wanted: the first job it reads again, its neighbours' times along the axis. */
typedef struct reread {
    size_t job;
    size_t prev, next; /* the jobs of the nearest good times before and after; SIZE_MAX: none */
} reread;

/* Finds the suspects of one axis of table t (its row or column `at`, across when
 * across); appends to out (up to MAX_REREADS). first is the job of t's first cell. */
static void axis_suspects(const img_table *t, size_t first, const job *jobs, int across, int at,
                          reread *out, size_t *nout)
{
    axis_cell cells[256];
    char texts_buf[256][160];
    axis_time times[256];
    const char *texts[256];
    size_t n = 0, ngood = 0, ninked = 0;
    for (size_t c = 0; c < t->ncells && n < 256; c++) {
        const img_cell *ic = &t->cells[c];
        if ((across ? ic->row : ic->col) != at) continue;
        cells[n++] = (axis_cell){first + c, across ? ic->col : ic->row};
    }
    if (n < 4) return;
    qsort(cells, n, sizeof *cells, by_pos);
    for (size_t i = 0; i < n; i++) {
        const job *jb = &jobs[cells[i].job];
        if (!job_text(jb, texts_buf[i], sizeof texts_buf[i])) texts_buf[i][0] = '\0';
        texts[i] = texts_buf[i];
        times[i] = time_of(texts[i]);
        ngood += times[i].good;
        ninked += jb->inked;
    }
    /* an axis: three times alone at least, most of its written cells */
    if (ngood < 3 || 2 * ngood < ninked) return;
    for (size_t i = 0; i < n && *nout < MAX_REREADS; i++) {
        if (!axis_suspect(times, texts, n, i, cells[i].pos == 0)) continue;
        int known = 0; /* a suspect of the crossing axis too */
        for (size_t k = 0; k < *nout && !known; k++)
            known = out[k].job == cells[i].job;
        if (known) continue;
        long p = nearest_good(times, n, i, -1), q = nearest_good(times, n, i, +1);
        out[(*nout)++] = (reread){cells[i].job, p >= 0 ? cells[p].job : SIZE_MAX,
                                  q >= 0 ? cells[q].job : SIZE_MAX};
    }
}

/* The fit (axis_fit) of a job's reading between prev and next (NULL: none). */
static int reading_fit(const job *jb, const axis_time *prev, const axis_time *next)
{
    char text[512];
    return job_text(jb, text, sizeof text) ? axis_fit(text, prev, next) : 0;
}

/* The times job i (SIZE_MAX: none) reads now into *t; 0 when none or not good. */
static int neighbour_time(const job *jobs, size_t i, axis_time *t)
{
    char text[512];
    if (i == SIZE_MAX || !job_text(&jobs[i], text, sizeof text)) return 0;
    *t = time_of(text);
    return t->good;
}

/* Moves the reading of from into to (to's old lines freed). */
static void take_reading(job *to, job *from)
{
    tt_lines_free(to->lines, to->nlines);
    to->lines = from->lines, to->nlines = from->nlines;
    to->rotation = from->rotation;
    to->confidence = from->confidence;
    to->reader = from->reader;
    from->lines = NULL, from->nlines = 0;
}

/* The suspects of the page's tables (axis_suspects) into want (MAX_REREADS); their
 * number. Only the first readings are looked at: the same jobs each time. */
static size_t find_suspects(const work *wk, reread *want)
{
    size_t nwant = 0, base = 0;
    for (size_t t = 0; t < wk->ntables; base += wk->tables[t].ncells, t++) {
        const img_table *tb = &wk->tables[t];
        if (base + tb->ncells > wk->ncell_jobs) break;
        for (int r = 0; r < tb->nrows; r++)
            axis_suspects(tb, base, wk->jobs, 1, r, want, &nwant);
        for (int c = 0; c < tb->ncols; c++)
            axis_suspects(tb, base, wk->jobs, 0, c, want, &nwant);
    }
    return nwant;
}

/* Appends to wk's jobs the second readings of the time cells the first got wrong (see the
 * module comment): for each, the other engine; the same engine on the crop's paper set at
 * the other rank; and, by the same engine, a cell read sideways turned the other way, one
 * read upright in a cell taller than wide turned either way. Called by a worker holding
 * wk->lock once every job is read; appends nothing on a page without such a cell, or
 * where the jobs have no room. */
void raster_reread_post(work *wk)
{
    reread want[MAX_REREADS];
    if (wk->njobs < wk->ncell_jobs) return;
    size_t nwant = find_suspects(wk, want);
    if (!nwant || wk->njobs + MAX_ALTS * nwant > MAX_JOBS) return;
    for (size_t i = 0; i < nwant; i++) {
        const job *jb = &wk->jobs[want[i].job];
        int same = jb->reader == READ_CRNN ? FORCE_CRNN : FORCE_TESSERACT;
        job blank = {.x = jb->x,
                     .y = jb->y,
                     .w = jb->w,
                     .h = jb->h,
                     .force_reader = same,
                     .reread_of = want[i].job + 1};
        job *alt = &wk->jobs[wk->njobs];
        size_t n = 0;
        if (wk->mode == TT_OCR_AUTO) {
            alt[n] = blank;
            alt[n++].force_reader = same == FORCE_CRNN ? FORCE_TESSERACT : FORCE_CRNN;
        }
        alt[n] = blank;
        alt[n].other_paper = 1;
        alt[n++].force_rot = jb->rotation;
        if (jb->rotation == 90 || jb->rotation == 270) {
            alt[n] = blank;
            alt[n++].force_rot = jb->rotation == 90 ? 270 : 90;
        } else if (jb->rotation == 0 && jb->h > jb->w) {
            for (int rot = 90; rot <= 270; rot += 180) {
                alt[n] = blank;
                alt[n++].force_rot = rot;
            }
        }
        wk->njobs += n;
    }
}

/* Chooses among the first and second readings of the time cells (jobs[njobs, wk->njobs)
 * are second readings, raster_reread_post): in the axis's order, each cell against its
 * neighbours as they read now, a second reading that fits better (axis_fit: a time in
 * order between them) replaces the first. Of two cells out of order with each other,
 * the one read again first and mended puts the other back in order ("10:15-10:50" over
 * "10:30-11:15": the first, read "10:15-10:30", leaves the second as read). The second
 * readings are freed and wk->njobs is njobs again. */
void raster_reread_choose(work *wk, size_t njobs)
{
    reread want[MAX_REREADS];
    job *jobs = wk->jobs;
    size_t nwant = wk->njobs > njobs ? find_suspects(wk, want) : 0;
    for (size_t i = 0; i < nwant; i++) {
        const reread *r = &want[i];
        axis_time prev, next;
        int has_prev = neighbour_time(jobs, r->prev, &prev);
        int has_next = neighbour_time(jobs, r->next, &next);
        int best = reading_fit(&jobs[r->job], has_prev ? &prev : NULL, has_next ? &next : NULL);
        for (size_t k = njobs; k < wk->njobs; k++) {
            if (jobs[k].reread_of != r->job + 1) continue;
            int fit = reading_fit(&jobs[k], has_prev ? &prev : NULL, has_next ? &next : NULL);
            if (fit >= 2 && fit > best) {
                log_debug("extract: a time cell read again (%s%s) fits %d, not %d",
                          jobs[k].force_reader == FORCE_TESSERACT ? "tesseract" : "crnn",
                          jobs[k].force_rot     ? " turned"
                          : jobs[k].other_paper ? " paper"
                                                : "",
                          fit, best);
                take_reading(&jobs[r->job], &jobs[k]);
                best = fit;
            }
        }
    }
    for (size_t k = njobs; k < wk->njobs; k++) {
        tt_lines_free(jobs[k].lines, jobs[k].nlines);
        jobs[k] = (job){0};
    }
    if (wk->njobs > njobs) wk->njobs = njobs;
}

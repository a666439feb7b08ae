/* raster_read: the workers that read a page's jobs. Workers take jobs from a shared
 * counter, crop tight around the ink, choose the reading direction and OCR the crop as one
 * block. Each job writes only its own slot, so the workers share nothing but the counter,
 * the table of readings and the first error.
 *
 * Readers (tt_ocr_mode): each worker holds the CRNN, Tesseract, or both. In auto mode a
 * job is read by the CRNN first (about a tenth of Tesseract's time per line) and read
 * again by Tesseract only when reading_doubtful says so; the worker opens its Tesseract
 * at the first such job, so a page the CRNN reads well never pays Tesseract's start-up.
 *
 * Once every job is read, the first worker to see it appends the second readings of the
 * time cells misread (raster_reread_post, once) and the crew reads them too, with the
 * engines it holds; a job with force_reader set is read by that engine alone. */
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/log.h"
#include "core/testable.h"
#include "document/timeparse.h"

#include "document/raster_internal.h"

/* Auto mode: a CRNN word less sure than this (its least sure character, percent) sends
 * its cell to Tesseract. Correct readings often come at 60-80 (the least sure character
 * of a long line), so a higher bar sends many cells to Tesseract for nothing; measured
 * in docs/BENCHMARKS.md ("Timetable extraction"). */
#define TT_CRNN_DOUBT 70.0f
/* The same for a word holding a digit: a wrong figure moves a time or a row number
 * without looking wrong, so a clock needs each character surer than a word does. The
 * session-6 model (fine-tuned on degraded lines) is less peaked on clean figures: at 90
 * it sent Example 3's cells to Tesseract 27 times (the model before: 11), at 80 19 times;
 * seed-21 raster pages 0.8226 at 90, 0.8217 at 80, 0.8226 at 70 (real pages lose five
 * times at 70). */
#define TT_CRNN_DIGIT_DOUBT 80.0f
/* Auto mode: of a doubtful job's two readings of equal rank, the CRNN's is kept when the
 * character prior finds its text more plausible by this many nats a character
 * (crnn_reading_wins); measured in docs/BENCHMARKS.md ("Cell reading (session 7)"). */
#define TT_PRIOR_MARGIN 0.3
/* A CRNN reading of a turned crop this sure (reading_score) is kept without reading the
 * crop turned the other way: upside-down readings of generated pages scored up to 72, and
 * most cells of a page turned sideways read surer (Example 1.1: 5 of its 75 reads more,
 * where reading every cell both ways took 60 more and 12% more time). */
#define TT_CRNN_TURNED_SURE 85.0f
/* Waiting doubtful jobs that make a second worker open its own Tesseract: a queue that
 * long (~15 ms each) outweighs a second start-up (~140 ms CPU). With 8, both workers
 * opened one on the real timetables (0.71-0.91 s CPU against 0.64-0.76 s with one). */
#define DEFER_OPEN_MIN 24

static int is_dash_at(const char *s, size_t i, size_t *len)
{
    if (s[i] == '-') return *len = 1, 1;
    if ((unsigned char)s[i] == 0xe2 && (unsigned char)s[i + 1] == 0x80 &&
        ((unsigned char)s[i + 2] == 0x93 || (unsigned char)s[i + 2] == 0x94))
        return *len = 3, 1;
    return 0;
}

/* Repairs the OCR slips that break time notations, in place: a long dash read as several
 * ("-—", "- -") becomes one '-', a doubled separator inside a clock one ':', and a lone 'g' or 'q'
 * just before a dash and a digit is the 9 it resembles ("g- 9.30"). Text that is not near a time is
 * left alone. */
static void fix_ocr_line(char *s)
{
    size_t w = 0, n = strlen(s);
    for (size_t i = 0; i < n;) {
        size_t dl;
        if (is_dash_at(s, i, &dl)) {
            size_t j = i + dl, k;
            /* swallow further dashes (and the spaces between them) */
            for (;;) {
                k = j;
                while (s[k] == ' ')
                    k++;
                size_t l2;
                if (k < n && is_dash_at(s, k, &l2))
                    j = k + l2;
                else
                    break;
            }
            if (j - i > dl) {
                s[w++] = '-';
                i = j;
                continue;
            }
        }
        s[w++] = s[i++];
    }
    s[w] = '\0';
    /* "11::20", "9:.30": one separator between the digits of a clock */
    w = 0;
    for (size_t i = 0; s[i]; i++) {
        if (w > 0 && (s[i] == ':' || s[i] == '.') && (s[w - 1] == ':' || s[w - 1] == '.') &&
            w > 1 && s[w - 2] >= '0' && s[w - 2] <= '9' && s[i + 1] >= '0' && s[i + 1] <= '9') {
            s[w - 1] = ':';
            continue;
        }
        s[w++] = s[i];
    }
    s[w] = '\0';
    for (size_t i = 0; s[i]; i++) {
        if ((s[i] != 'g' && s[i] != 'q') || (i > 0 && s[i - 1] != ' ')) continue;
        size_t k = i + 1;
        while (s[k] == ' ')
            k++;
        size_t dl;
        if (!is_dash_at(s, k, &dl)) continue;
        k += dl;
        while (s[k] == ' ')
            k++;
        if (s[k] >= '0' && s[k] <= '9') s[i] = '9';
    }
}

/* Where a reading lies on the page: the page region read, the scale it was read at and
 * the margin put around it (raster_crop_margin). Lines read upright get their words' box; lines
 * read sideways the region's (a word set sideways is one line, its region's height). */
typedef struct placement {
    int x, y, w, h; /* the region read, page pixels */
    float scale;
    int margin;
    int upright;
} placement;

/* The placement of a reading of the w x h region at page (x, y), read at scale, turned
 * rot degrees. The margin is raster_crop_margin's, from the size pixScale gives the region. */
static placement place_of(int x, int y, int w, int h, float scale, int rot)
{
    int sw = scale == 1.0f ? w : (int)(scale * (float)w + 0.5f);
    int sh = scale == 1.0f ? h : (int)(scale * (float)h + 0.5f);
    return (placement){x, y, w, h, scale, raster_frame_margin(sw, sh), rot == 0};
}

/* Lines from the words of r, in reading order: a word that starts left of the previous
 * one or below its middle starts a new line, and so does one set further right of it
 * than three times the line's tallest word (no phrase has such a gap: it parts pieces
 * printed side by side, as "10:35 -" over "10:55" beside the next time of a header cell
 * whose times share rows; their boxes say which is where). inner_w is the width the text
 * could fill; pl says where the reading lies on the page, for each line's box. */
static ap_status words_to_lines(const ocr_result *r, int inner_w, const placement *pl, job *jb)
{
    ap_status st = AP_OK;
    char buf[1024];
    size_t len = 0;
    int left = 0, right = 0, top = 0, bottom = 0, ntall = 0;
    float heights[64];
    double conf = 0;
    int nwords = 0;
    for (size_t i = 0; i <= r->nwords; i++) {
        const ocr_word *w = i < r->nwords ? &r->words[i] : NULL;
        int newline = !w;
        if (w && len) {
            const ocr_word *p = &r->words[i - 1];
            int tallest = 0;
            for (int k = 0; k < ntall; k++)
                tallest = imax(tallest, (int)heights[k]);
            newline = w->left < p->left || w->top > p->top + p->height * 2 / 3 ||
                      w->left - (p->left + p->width) > 3 * tallest;
        }
        if (newline && len) {
            float hsum = 0;
            for (int k = 0; k < ntall; k++)
                hsum += heights[k];
            float height = ntall ? hsum / (float)ntall : 0;
            /* Type size: the geometric mean of word height (inflated by ascenders and
             * descenders) and advance per character (wide for capitals), steadier than
             * either when a title is in capitals and its notes are not. */
            size_t nchars = 0;
            for (size_t k = 0; k < len; k++)
                nchars += ((unsigned char)buf[k] & 0xc0) != 0x80;
            if (nchars && height > 0)
                height = sqrtf(height * (float)(right - left) / (float)nchars);
            fix_ocr_line(buf);
            st = tt_lines_add(&jb->lines, &jb->nlines, buf, (float)(conf / nwords), height,
                              inner_w > 0 ? (float)(right - left) / (float)inner_w : 0);
            if (st != AP_OK) return st;
            if (pl && !pl->upright) {
                jb->lines[jb->nlines - 1].box =
                    (tt_bbox){.page = 1, .x = pl->x, .y = pl->y, .w = pl->w, .h = pl->h};
            } else if (pl && pl->scale > 0) {
                float s = pl->scale;
                int x0 = pl->x + (int)lroundf((float)(left - pl->margin) / s);
                int y0 = pl->y + (int)lroundf((float)(top - pl->margin) / s);
                int x1 = pl->x + (int)lroundf((float)(right - pl->margin) / s);
                int y1 = pl->y + (int)lroundf((float)(bottom - pl->margin) / s);
                jb->lines[jb->nlines - 1].box = (tt_bbox){
                    .page = 1, .x = x0, .y = y0, .w = imax(1, x1 - x0), .h = imax(1, y1 - y0)};
            }
            len = 0, ntall = 0, conf = 0, nwords = 0;
        }
        if (!w) break;
        size_t tl = strlen(w->text);
        if (len + tl + 2 >= sizeof buf) continue;
        if (!len) {
            left = w->left, top = w->top, bottom = w->top + w->height;
        } else {
            buf[len++] = ' ';
            top = imin(top, w->top), bottom = imax(bottom, w->top + w->height);
        }
        memcpy(buf + len, w->text, tl);
        len += tl;
        buf[len] = '\0';
        right = w->left + w->width;
        if (ntall < 64) heights[ntall++] = (float)w->height;
        conf += w->confidence;
        nwords++;
        if (w->confidence < jb->least) jb->least = w->confidence;
        if (w->confidence < jb->least_digit && strpbrk(w->text, "0123456789"))
            jb->least_digit = w->confidence;
    }
    return st;
}

/* How plausible a reading is: the mean word confidence, scaled by the share of letters
 * and digits among the characters (dashes and time punctuation neutral) and lowered by
 * the share of one-character words. Text read in the wrong direction comes out as stray
 * symbols and lone letters that Tesseract can still be fairly sure of. */
static float reading_score(const ocr_result *r)
{
    size_t alnum = 0, total = 0, single = 0;
    for (size_t i = 0; i < r->nwords; i++) {
        size_t chars = 0, marks = 0;
        for (const char *p = r->words[i].text; *p; p++) {
            unsigned char c = (unsigned char)*p;
            if ((c & 0xc0) == 0x80) continue; /* UTF-8 continuation byte */
            chars++;
            if (c == '-' || c == ':' || c == '.' || c == 0xe2) {
                marks++;
                continue;
            }
            total++;
            alnum += (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z');
        }
        single += chars <= 1 && !marks; /* a lone dash between times is fine */
    }
    if (!total || !r->nwords) return 0.0f;
    return r->confidence * (float)alnum / (float)total *
           (1.0f - 0.5f * (float)single / (float)r->nwords);
}

/* Finds a reading of the same ink made before on this page (see `seen`), waiting for one
 * another worker is making. Returns its index, ready; or claims a new entry for the caller
 * (*claimed = 1; it must call seen_fill, and the entry owns key from now on); or -1 when
 * the table is full (the caller reads without it). key is freed on a hit. */
static long seen_claim(work *wk, PIX **key, int directions, int reader, int *claimed)
{
    long found = -1;
    *claimed = 0;
    pthread_mutex_lock(&wk->lock);
    for (size_t i = 0; i < wk->nseen && found < 0; i++) {
        seen *e = &wk->seen[i];
        l_int32 same = 0;
        if (e->directions != directions || e->reader != reader ||
            pixGetWidth(e->ink) != pixGetWidth(*key) || pixGetHeight(e->ink) != pixGetHeight(*key))
            continue;
        if (pixEqual(e->ink, *key, &same) == 0 && same) found = (long)i;
    }
    if (found >= 0) {
        while (!wk->seen[found].ready && wk->status == AP_OK)
            pthread_cond_wait(&wk->seen_cond, &wk->lock);
        wk->seen_hits++;
        pixDestroy(key);
    } else if (wk->seen && wk->nseen < MAX_SEEN) {
        found = (long)wk->nseen++;
        wk->seen[found] = (seen){.ink = *key, .directions = directions, .reader = reader};
        *key = NULL;
        *claimed = 1;
    }
    pthread_mutex_unlock(&wk->lock);
    return found;
}

/* Completes a claimed entry (taking result) and wakes the workers waiting for it. */
static void seen_fill(work *wk, long idx, ocr_result *result, int rotation, float scale)
{
    pthread_mutex_lock(&wk->lock);
    seen *e = &wk->seen[idx];
    e->result = *result;
    *result = (ocr_result){0};
    e->rotation = rotation;
    e->scale = scale;
    e->ready = 1;
    pthread_cond_broadcast(&wk->seen_cond);
    pthread_mutex_unlock(&wk->lock);
}

/* Reads the rectangle (x, y, w, h) of crop, whose ink is ink. A whole cell (directions
 * set) is tried in the reading directions its ink allows; a piece of a line is read
 * upright. On AP_OK *res points at the reading (in the page's table of readings, or in
 * *own, which the caller frees) with its direction and the scale it was read at. */
static ap_status read_region(work *wk, ocr_engine *engine, int reader, PIX *crop, PIX *ink, int x,
                             int y, int w, int h, int directions, job *jb, const ocr_result **res,
                             int *rot_out, float *scale_out, ocr_result *own, ap_error *err)
{
    ap_status st = AP_OK;
    PIX *tight = NULL, *turned = NULL, *key = NULL;
    ocr_result best = {0};
    int best_rot = 0, claimed = 0;
    float best_score = 0, scale = 1.0f;
    long idx = -1;
    BOX *b = boxCreate(x, y, w, h);
    if (b) key = pixClipRectangle(ink, b, NULL);
    boxDestroy(&b);
    /* a second reading (raster_reread.c) is made anew: the first is in the table */
    if (key && !jb->reread_of) idx = seen_claim(wk, &key, directions, reader, &claimed);
    if (idx >= 0 && !claimed) {
        const seen *e = &wk->seen[idx];
        *res = &e->result, *rot_out = e->rotation, *scale_out = e->scale;
        return AP_OK;
    }
    /* A crop Leptonica cannot frame (a sliver) reads as nothing, as an empty cell does. */
    float paper_rank = reader == READ_CRNN ? TT_PAPER_RANK : TT_TESS_PAPER_RANK;
    if (jb->other_paper) paper_rank = reader == READ_CRNN ? TT_TESS_PAPER_RANK : TT_PAPER_RANK;
    float glyphs = raster_glyph_height(ink, x, y, w, h);
    if (!(tight = raster_crop_margin(crop, x, y, w, h, glyphs, paper_rank, &scale))) goto out;
    /* Reading direction: text set bottom-to-top (the usual way in narrow cells) or
     * top-to-bottom makes the ink taller than wide; try turning it upright and keep the
     * reading Tesseract is most sure of. Upright text is tried first when the ink is wide. */
    int tall = directions && h > w * 5 / 4;
    /* The letters' shape decides when it is clear: then only the two ways of turning
     * text sideways (or upright text that reads badly) need a second reading. */
    float letters = directions ? raster_upright_ratio(ink, x, y, w, h) : 1.0f;
    int upright = letters >= 1.05f, sideways = letters <= 0.95f;
    /* Ink twice as wide as high is upright text whatever its letters look like (old-style
     * figures and "am"/"pm" make wide pieces): text turned sideways would need four
     * lines side by side. */
    if (directions && w >= 2 * h) upright = 1, sideways = 0;
    if (upright) tall = 0;
    if (sideways) tall = 1;
    int order_tall[3] = {90, 270, 0}, order_wide[3] = {0, 90, 270};
    int order_forced[3] = {jb->force_rot, 0, 0};
    const int *order = directions && jb->force_rot ? order_forced : tall ? order_tall : order_wide;
    /* Touching lines are looked for across rows only: text read sideways is mostly one
     * word (a break labelled down a column), and upright text counted along its columns
     * would be cut at the narrow pieces' gaps, which reads short lines of upright text
     * turned with a confidence that stops the search before the upright reading. */
    int lines_across = tt_count_text_lines(ink, x, y, w, h, 0, glyphs);
    int lines_along = directions ? tt_count_text_lines(ink, x, y, w, h, 1, 0) : 0;
    for (int k = 0; k < 3; k++) {
        int rot = order[k];
        ocr_result r = {0};
        pixDestroy(&turned);
        turned = rot == 0 ? pixClone(tight) : pixRotateOrth(tight, rot == 90 ? 1 : 3);
        if (!turned) {
            st = ap_fail(err, AP_ERR_NOMEM, "extract: out of memory");
            goto out;
        }
        jb->reads++;
        /* One line of text: Tesseract's single-line mode skips the page layout analysis. */
        int one = (rot == 0 ? lines_across : lines_along) == 1;
        st = ocr_recognize(engine, turned,
                           &(ocr_params){.layout = one ? OCR_LAYOUT_LINE : OCR_LAYOUT_BLOCK,
                                         .timeout_ms = wk->timeout_ms,
                                         .flags = OCR_DARK_ON_LIGHT},
                           &r, err);
        if (st != AP_OK) goto out;
        float score = reading_score(&r);
        if (best.words == NULL || score > best_score) {
            ocr_result_free(&best);
            best = r;
            best_rot = rot;
            best_score = score;
        } else {
            ocr_result_free(&r);
        }
        if (!directions || jb->force_rot) break;
        /* The CRNN reads text upside down nearly as surely as it reads it the right way
         * up ("LUNCH" set top-to-bottom, read bottom-to-top, gave "HONn" at 72): a crop it
         * reads turned one way less surely than TT_CRNN_TURNED_SURE is read turned the
         * other way too before either reading may stop the search. */
        if (reader == READ_CRNN && rot != 0 && k < 2 && order[k + 1] != 0 &&
            best_score < TT_CRNN_TURNED_SURE)
            continue;
        /* Sure enough: stop. The first direction tried is the likely one (upright for wide
         * ink, bottom-to-top for tall ink), and a wrong direction reads as garbage. */
        if (best.nwords && best_score >= (k == 0 ? 70.0f : 85.0f)) break;
        if ((upright || (sideways && k == 1)) && best.nwords && best_score >= 40.0f) break;
        if (sideways && k == 0 && best.nwords && best_score >= 45.0f) break;
        if (!tall && k == 0 && best.nwords && best_score >= 50.0f) break;
        /* Ink twice as wide as high is upright text: turned text would need four lines
         * side by side. */
        if (w >= 2 * h) break;
    }
out:
    if (claimed) {
        /* filled even on failure, so that no worker waits for it forever */
        seen_fill(wk, idx, &best, best_rot, scale);
        const seen *e = &wk->seen[idx];
        *res = &e->result;
    } else {
        *own = best;
        *res = own;
    }
    *rot_out = best_rot, *scale_out = scale;
    pixDestroy(&key);
    pixDestroy(&tight);
    pixDestroy(&turned);
    return st;
}

/* Reads one job with one engine: tight crop, pieces or reading direction, OCR. */
static ap_status read_job_with(work *wk, ocr_engine *engine, int reader, job *jb, ap_error *err)
{
    ap_status st = AP_OK;
    PIX *crop = NULL, *ink = NULL, *faint = NULL;
    ocr_result own = {0};
    BOX *box = boxCreate(jb->x, jb->y, jb->w, jb->h);
    if (!box || !(crop = pixClipRectangle(wk->grey, box, NULL))) goto out;
    int x0 = 0, y0 = 0, x1 = pixGetWidth(crop), y1 = pixGetHeight(crop);
    raster_trim_rules(crop, &x0, &y0, &x1, &y1);
    if (x1 - x0 < 4 || y1 - y0 < 4) goto out;
    int bx, by, bw, bh;
    BOX *inner = boxCreate(x0, y0, x1 - x0, y1 - y0);
    PIX *trimmed = inner ? pixClipRectangle(crop, inner, NULL) : NULL;
    boxDestroy(&inner);
    if (!trimmed) goto out;
    pixDestroy(&crop);
    crop = trimmed;
    if (!jb->outside) tt_clear_edge_rules(crop);
    if (!raster_ink_box(crop, jb->outside, &bx, &by, &bw, &bh, &ink, &faint)) goto out;
    jb->inked = 1;
    int cell_w = x1 - x0, cell_h = y1 - y0;
    int page_x = jb->x + x0, page_y = jb->y + y0; /* the trimmed crop's corner on the page */
    int tall = bh > bw * 5 / 4;
    const ocr_result *r = NULL;
    int rot = 0;
    float scale = 1.0f;
    if (!tall) {
        /* Pieces of text far apart on one line (a row number and a time in a cell whose
         * column rule was never drawn) are read one by one: Tesseract reads such a gap
         * badly, and no gap inside a phrase is wider than its text is high. Where the
         * ink is two lines or more ("10:35 -" over "10:55" between two times of a header
         * merged across three columns), its text is a line high, twice its glyphs. */
        int starts[MAX_SEGMENTS], ends[MAX_SEGMENTS], text_h = bh;
        float glyphs = raster_glyph_height(ink, bx, by, bw, bh);
        if (glyphs > 0 && (int)(2 * glyphs) < text_h) text_h = (int)(2 * glyphs);
        int nseg = raster_ink_segments(faint ? faint : ink, bx, bw, imax(15, text_h), starts, ends);
        if (nseg > 1) {
            double conf = 0;
            for (int k = 0; k < nseg && st == AP_OK; k++) {
                /* a piece much taller than wide, and as wide as half a glyph is high
                 * (no rule's remnant), is a word set sideways (a break labelled up a
                 * column merged into the cell, a header time turned in a narrow column):
                 * it is read in the directions its ink allows */
                int py = by, ph = bh, pw = ends[k] - starts[k], turn = 0;
                if (raster_piece_rows(ink, starts[k], pw, by, bh, &py, &ph) && ph > 2 * pw &&
                    ph >= 3 * (int)glyphs && 2 * pw >= (int)glyphs && pw >= 4)
                    turn = 1;
                else
                    py = by, ph = bh;
                st = read_region(wk, engine, reader, crop, ink, starts[k], py, pw, ph, turn, jb, &r,
                                 &rot, &scale, &own, err);
                placement pl = place_of(page_x + starts[k], page_y + py, pw, ph, scale, rot);
                if (st == AP_OK && words_to_lines(r, (int)((float)(rot ? cell_h : cell_w) * scale),
                                                  &pl, jb) != AP_OK)
                    st = ap_fail(err, AP_ERR_NOMEM, "extract: out of memory");
                if (st == AP_OK) conf += r->confidence;
                ocr_result_free(&own);
            }
            jb->confidence = (float)(conf / nseg);
            goto out;
        }
    }
    st = read_region(wk, engine, reader, crop, ink, bx, by, bw, bh, 1, jb, &r, &rot, &scale, &own,
                     err);
    if (st != AP_OK) goto out;
    jb->rotation = rot;
    jb->confidence = r->confidence;
    placement pl = place_of(page_x + bx, page_y + by, bw, bh, scale, rot);
    st = words_to_lines(r, (int)((float)(rot == 0 ? cell_w : cell_h) * scale), &pl, jb);
    if (st != AP_OK) st = ap_fail(err, AP_ERR_NOMEM, "extract: out of memory");
out:
    ocr_result_free(&own);
    boxDestroy(&box);
    pixDestroy(&crop);
    pixDestroy(&ink);
    pixDestroy(&faint);
    return st;
}

static void record_failure(work *wk, ap_status st, const ap_error *e)
{
    pthread_mutex_lock(&wk->lock);
    if (wk->status == AP_OK) {
        wk->status = st;
        wk->error = *e;
    }
    pthread_cond_broadcast(&wk->seen_cond);
    pthread_mutex_unlock(&wk->lock);
}

/* Whether a line holds what no printed timetable does and a misread time does: a digit
 * between two letters ("S0kum", O read as 0), a letter between two digits ("8S0"), an O,
 * o, l or I touching a digit or a clock's separator ("1O", "9:OO"), or a
 * ':' or '.' between digits (a space allowed on either side) outside every time notation
 * ("9: 35am", "1:051:40"). Names with numbers ("Y5", "Room 12", "5B", "Daily 5: Station
 * 1") and times of any notation pass. */
TESTABLE int tt_line_implausible(const char *s)
{
    size_t n = strlen(s);
    tp_match m[16];
    size_t nm = tp_find_all(s, n, 0, m, 16);
    if (nm > 16) nm = 16;
#define ISDIGIT(c) ((c) >= '0' && (c) <= '9')
#define ISALPHA(c) ((((c) | 0x20) >= 'a' && ((c) | 0x20) <= 'z'))
    for (size_t i = 0; i < n; i++) {
        char c = s[i], prev = i ? s[i - 1] : ' ', next = s[i + 1];
        if (ISDIGIT(c) && ISALPHA(prev) && ISALPHA(next)) return 1;
        if (ISALPHA(c) && ISDIGIT(prev) && ISDIGIT(next)) return 1;
        /* a letter that looks like a digit, touching one or a clock's separator ("1O",
         * "9:OO") */
        if (c == 'O' || c == 'o' || c == 'l' || c == 'I') {
            char p2 = i > 1 ? s[i - 2] : ' ', n2 = next ? s[i + 2] : '\0';
            if (ISDIGIT(prev) || ISDIGIT(next) || ((prev == ':' || prev == '.') && ISDIGIT(p2)) ||
                ((next == ':' || next == '.') && ISDIGIT(n2)))
                return 1;
        }
        if (c != ':' && c != '.') continue;
        char left = prev == ' ' && i > 1 ? s[i - 2] : prev;
        char right = next == ' ' ? s[i + 2] : next; /* s[i + 2] exists: next is no NUL */
        if (!ISDIGIT(left) || !ISDIGIT(right)) continue;
        int inside = 0;
        for (size_t k = 0; k < nm && !inside; k++)
            inside = i >= m[k].begin && i < m[k].end_byte;
        if (!inside) return 1;
    }
#undef ISDIGIT
#undef ISALPHA
    return 0;
}

/* Auto mode: whether the CRNN's reading of a job is worth a second reading by Tesseract:
 * ink but no text, a word read with low confidence (a glyph the model does not know, a
 * font far from its training), or a line tt_line_implausible refuses. */
static int reading_doubtful(const job *jb)
{
    if (jb->inked && jb->nlines == 0) return 1;
    if (jb->nlines && jb->least < TT_CRNN_DOUBT) return 1;
    if (jb->nlines && jb->least_digit < TT_CRNN_DIGIT_DOUBT) return 1;
    for (size_t i = 0; i < jb->nlines; i++)
        if (tt_line_implausible(jb->lines[i].text)) return 1;
    return 0;
}

/* What one line adds to its reading's rank (reading_rank): -1 for an implausible line
 * (tt_line_implausible), +1 for a line that is wholly a time notation ("9:55-10:20"), 0
 * for any other. A small clock whose colon or point a reader loses ("8 55-9 1Sam",
 * "11451215") reads as no time at all, while garbage seldom takes a time's whole shape. */
TESTABLE int tt_line_rank(const char *s)
{
    if (tt_line_implausible(s)) return -1;
    return tp_is_time_only(s, strlen(s), 0, NULL) ? 1 : 0;
}

/* How good a job's reading looks by its text alone, for choosing between the CRNN's and
 * Tesseract's: any text beats none, then the sum of its lines' tt_line_rank (fewer
 * implausible lines, more whole time notations). Equal ranks go to Tesseract, the reader
 * of last resort: so the CRNN's reading stands only where Tesseract's is visibly worse (a
 * clock it breaks that the CRNN reads whole). */
static long reading_rank(const job *jb)
{
    if (!jb->nlines) return 0;
    long rank = 1000;
    for (size_t i = 0; i < jb->nlines; i++)
        rank += tt_line_rank(jb->lines[i].text);
    return rank;
}

/* A job's lines as one text, '\n' between them; NULL when it has none or out of memory.
 * Caller frees. */
static char *reading_text(const job *jb)
{
    size_t len = 0;
    for (size_t i = 0; i < jb->nlines; i++)
        len += strlen(jb->lines[i].text) + 1;
    char *text = len ? malloc(len) : NULL;
    if (!text) return NULL;
    size_t at = 0;
    for (size_t i = 0; i < jb->nlines; i++) {
        size_t l = strlen(jb->lines[i].text);
        memcpy(text + at, jb->lines[i].text, l);
        at += l;
        text[at++] = i + 1 < jb->nlines ? '\n' : '\0';
    }
    return text;
}

/* The words of s for the character prior: its runs of ASCII letters, one space between
 * them (lines joined). Digits, punctuation and dashes are left out: the readers spell a
 * clock's separators and dashes differently ("—" for "–") without being wrong, which the
 * prior would weigh above a misread letter, and times are judged by reading_rank. NULL
 * when out of memory; caller frees. */
static char *prior_words(const char *s)
{
    char *out = malloc(strlen(s) + 1);
    if (!out) return NULL;
    size_t n = 0;
    for (const char *p = s; *p; p++) {
        int letter = ((*p | 0x20) >= 'a' && (*p | 0x20) <= 'z');
        if (letter)
            out[n++] = *p;
        else if (n && out[n - 1] != ' ')
            out[n++] = ' ';
    }
    if (n && out[n - 1] == ' ') n--;
    out[n] = '\0';
    return out;
}

/* Whether the character prior of crnn (ocr_text_prior) finds the words of text a
 * (prior_words) more plausible than those of b by TT_PRIOR_MARGIN nats a character; 0 when
 * it cannot say (no prior, a text without letters, out of memory). */
TESTABLE int tt_prior_prefers(const ocr_engine *crnn, const char *a, const char *b)
{
    double pa = 0, pb = 0;
    int prefers = 0;
    char *wa = crnn && a && b ? prior_words(a) : NULL, *wb = wa ? prior_words(b) : NULL;
    if (wb && *wa && *wb && ocr_text_prior(crnn, wa, &pa) && ocr_text_prior(crnn, wb, &pb))
        prefers = pa > pb + TT_PRIOR_MARGIN;
    free(wa);
    free(wb);
    return prefers;
}

/* Clocks in s shaped as printed with minutes: one or two digits, ':' or '.', two digits,
 * no digit on either side. A letter may touch it ("L1:50", an old-style 1 read as L):
 * the shape, not the notation, is what a reader that lost the clock cannot fake. */
static int clock_shapes(const char *s)
{
#define ISDIGIT(c) ((c) >= '0' && (c) <= '9')
    int n = 0;
    for (size_t i = 0; s[i]; i++) {
        if (!ISDIGIT(s[i]) || (i && ISDIGIT(s[i - 1]))) continue;
        size_t k = i + 1 + ISDIGIT(s[i + 1]);
        if ((s[k] == ':' || s[k] == '.') && ISDIGIT(s[k + 1]) && ISDIGIT(s[k + 2]) &&
            !ISDIGIT(s[k + 3]))
            n++;
    }
#undef ISDIGIT
    return n;
}

static size_t text_lines(const char *s)
{
    size_t n = 1;
    for (; *s; s++)
        n += *s == '\n';
    return n;
}

/* Clocks in the time notations of s: two a range, one a single time. */
static int notation_clocks(const char *s)
{
    tp_match m[16];
    size_t n = tp_find_all(s, strlen(s), 0, m, 16);
    int clocks = 0;
    for (size_t i = 0; i < n && i < 16; i++)
        clocks += m[i].flags & TP_RANGE ? 2 : 1;
    return clocks;
}

/* How the times in two readings of one job (lines joined by '\n') decide between them:
 * 1 when a (the CRNN's) holds a clock and b (Tesseract's) neither a clock nor any time
 * notation, in no more lines than a: a clock the CRNN read part of ("9.10 - 9:5",
 * "10.35 - 1.5", which rank as implausible) against Tesseract's junk for it ("S10 -
 * Sus", "owt / et"), which ranks as a name would (more lines in b may be a name the CRNN
 * missed). 2 when both read as many clocks in time notations and a more of them with a
 * separator: Tesseract drops the thin separators of small print and misreads the digits
 * run together ("1300-1130" for "11:00-11:30") where the CRNN read them; a clock printed
 * without one reads so to both. 0 when the times say nothing. */
TESTABLE int tt_times_decide(const char *a, const char *b)
{
    int ca = clock_shapes(a), cb = clock_shapes(b);
    int na = notation_clocks(a), nb = notation_clocks(b);
    if (ca && !cb && !nb && text_lines(b) <= text_lines(a)) return 1;
    return ca > cb && na == nb ? 2 : 0;
}

/* Whether the CRNN's reading (first) beats Tesseract's (second) of the same job: a clock
 * against junk (tt_times_decide), else a better reading_rank, or an equal rank and more
 * clocks (tt_times_decide), or text the character prior prefers (tt_prior_prefers).
 * Where neither reading is visibly broken, Tesseract misreads thin strokes as letters no
 * word has ("Enghsh", "Tumes Tables") where the CRNN, unsure of itself, read the word; and
 * the CRNN cuts a word short or reads garbage where Tesseract read it whole ("Fren" for
 * "French"): the prior tells them apart where the two readers' confidences, which do not
 * compare, cannot. */
static int crnn_reading_wins(const ocr_engine *crnn, const job *first, const job *second)
{
    long a = reading_rank(first), b = reading_rank(second);
    if (!first->nlines) return 0;
    if (!second->nlines) return 1;
    char *ta = reading_text(first), *tb = reading_text(second);
    int times = ta && tb ? tt_times_decide(ta, tb) : 0, wins;
    if (times == 1)
        wins = 1;
    else if (a != b)
        wins = a > b;
    else
        wins = times == 2 || (crnn && ta && tb && tt_prior_prefers(crnn, ta, tb));
    free(ta);
    free(tb);
    return wins;
}

static void job_reset(job *jb)
{
    tt_lines_free(jb->lines, jb->nlines);
    jb->lines = NULL;
    jb->nlines = 0;
    jb->confidence = 0;
    jb->rotation = 0;
    jb->least = 100.0f;
    jb->least_digit = 100.0f;
}

/* Said once per process: a service without a model would otherwise log it per request. */
static atomic_int model_missing_logged;

static ap_status open_tesseract(work *wk, ocr_engine **out, ap_error *err)
{
    static const ocr_options dflt = {.engine = "tesseract", .language = "eng"};
    return ocr_engine_open(wk->ocr ? wk->ocr : &dflt, out, err);
}

/* Opens the worker's Tesseract for a second reading, once: a failure is logged and
 * remembered (rd->tess stays NULL; the CRNN's readings stand). */
static void open_fallback(work *wk, worker_engines *rd)
{
    if (rd->tess || rd->tess_failed) return;
    ap_error e = {0};
    if (open_tesseract(wk, &rd->own_tess, &e) == AP_OK) {
        rd->tess = rd->own_tess;
    } else {
        log_warn("extract: no fallback reader (%s); the CRNN's readings stand", e.msg);
        rd->tess_failed = 1;
    }
}

/* Reads one job with the worker's engines: the CRNN when it has one, else Tesseract.
 * *doubtful is set when auto mode wants Tesseract to read it again (read_fallback). */
static ap_status read_job(work *wk, worker_engines *rd, job *jb, int *doubtful, ap_error *err)
{
    *doubtful = 0;
    job_reset(jb);
    if (jb->force_reader == FORCE_TESSERACT) {
        if (!rd->tess) open_fallback(wk, rd);
        jb->reader = READ_TESSERACT;
        return rd->tess ? read_job_with(wk, rd->tess, READ_TESSERACT, jb, err) : AP_OK;
    }
    if (jb->force_reader == FORCE_CRNN) {
        jb->reader = READ_CRNN;
        return rd->crnn ? read_job_with(wk, rd->crnn, READ_CRNN, jb, err) : AP_OK;
    }
    if (!rd->crnn) {
        jb->reader = READ_TESSERACT;
        return read_job_with(wk, rd->tess, READ_TESSERACT, jb, err);
    }
    jb->reader = READ_CRNN;
    ap_status st = read_job_with(wk, rd->crnn, READ_CRNN, jb, err);
    *doubtful = st == AP_OK && wk->mode == TT_OCR_AUTO && reading_doubtful(jb);
    return st;
}

/* Reads a job the CRNN read doubtfully again with Tesseract (opened now if the worker has
 * none) and keeps the better reading by its text (crnn_reading_wins); the CRNN's
 * confidences and Tesseract's do not compare. Without Tesseract the CRNN's reading stands. */
static ap_status read_fallback(work *wk, worker_engines *rd, job *jb, ap_error *err)
{
    open_fallback(wk, rd);
    if (!rd->tess) return AP_OK;
    job first = *jb;
    jb->lines = NULL, jb->nlines = 0;
    job_reset(jb);
    ap_status st = read_job_with(wk, rd->tess, READ_TESSERACT, jb, err);
    if (st == AP_OK && crnn_reading_wins(rd->crnn, &first, jb)) {
        tt_lines_free(jb->lines, jb->nlines);
        first.reads = jb->reads;
        *jb = first;
        jb->fallback = 1;
        return AP_OK;
    }
    tt_lines_free(first.lines, first.nlines);
    jb->reader = READ_TESSERACT;
    jb->fallback = 1;
    return st;
}

/* Sets up a worker's engines (see tt_extract_options): the borrowed one in the slot of
 * its kind, the CRNN opened when the mode wants it (a model that does not load leaves the
 * worker on Tesseract), Tesseract opened now unless auto mode can leave it for later. */
static ap_status reader_open(work *wk, ocr_engine *borrowed, worker_engines *rd, ap_error *err)
{
    memset(rd, 0, sizeof *rd);
    if (borrowed && strcmp(ocr_engine_name(borrowed), "fine_tuned_ocr") == 0)
        rd->crnn = borrowed;
    else
        rd->tess = borrowed;
    if (wk->mode == TT_OCR_TESSERACT) rd->crnn = NULL;
    if (wk->mode != TT_OCR_TESSERACT && !rd->crnn) {
        ocr_options co = {.engine = "fine_tuned_ocr", .datapath = wk->model};
        ap_error e = {0};
        if (ocr_engine_open(&co, &rd->own_crnn, &e) == AP_OK)
            rd->crnn = rd->own_crnn;
        else if (atomic_exchange(&model_missing_logged, 1) == 0)
            log_info("extract: no OCR model (%s); cells are read by Tesseract", e.msg);
    }
    if (!rd->crnn && !rd->tess) {
        ap_status st = open_tesseract(wk, &rd->own_tess, err);
        if (st != AP_OK) return st;
        rd->tess = rd->own_tess;
    }
    return AP_OK;
}

static void reader_close(worker_engines *rd)
{
    ocr_engine_close(rd->own_crnn);
    ocr_engine_close(rd->own_tess);
    memset(rd, 0, sizeof *rd);
}

static void *worker_main(void *arg)
{
    worker_arg *a = arg;
    work *wk = a->w;
    worker_engines rd;
    ap_error e = {0};
    ap_status opened = reader_open(wk, a->engine, &rd, &e);
    if (opened != AP_OK) record_failure(wk, opened, &e);
    /* Auto mode: the first worker opens Tesseract while the page is still being analysed
     * (a core the analysis leaves idle), rather than at the first doubtful cell, where
     * its start-up (~100 ms) holds up the end of the page; nearly every scanned page has
     * a few cells the CRNN reads doubtfully. */
    if (opened == AP_OK && wk->mode == TT_OCR_AUTO && rd.crnn && !rd.tess && wk->deferred) {
        pthread_mutex_lock(&wk->lock);
        int first = !wk->tess_claimed;
        wk->tess_claimed = 1;
        pthread_mutex_unlock(&wk->lock);
        ap_error te = {0};
        if (first && open_tesseract(wk, &rd.own_tess, &te) == AP_OK) {
            rd.tess = rd.own_tess;
        } else if (first) {
            log_warn("extract: no fallback reader (%s); the CRNN's readings stand", te.msg);
            rd.tess_failed = 1;
        }
    }
    pthread_mutex_lock(&wk->lock);
    while (!wk->posted)
        pthread_cond_wait(&wk->posted_cond, &wk->lock);
    pthread_mutex_unlock(&wk->lock);
    while (opened == AP_OK) {
        /* The next thing to do: a deferred job when this worker holds Tesseract (or many
         * wait), else a new job; with neither, wait while other workers may still defer
         * jobs, and stop when no more can come or the rest is a holder's. */
        size_t i = SIZE_MAX;
        int again = 0;
        pthread_mutex_lock(&wk->lock);
        for (;;) {
            if (wk->status != AP_OK) break;
            size_t waiting = wk->ndeferred - wk->ntaken;
            if (waiting && (rd.tess || rd.tess_failed || waiting > DEFER_OPEN_MIN)) {
                i = wk->deferred[wk->ntaken++];
                again = 1;
                break;
            }
            if (wk->next < wk->njobs) {
                i = wk->next++;
                break;
            }
            /* every job read, the second readings by Tesseract too: the time cells misread
             * get their second readings here, while the engines are open */
            if (wk->tables && !wk->reread_posted && wk->nfinished == wk->njobs && !waiting &&
                wk->nagain == wk->ntaken) {
                wk->reread_posted = 1;
                raster_reread_post(wk);
                if (wk->next < wk->njobs) {
                    pthread_cond_broadcast(&wk->seen_cond);
                    continue;
                }
            }
            if (wk->nfinished == wk->njobs && (!waiting || !(rd.tess || rd.tess_failed))) break;
            pthread_cond_wait(&wk->seen_cond, &wk->lock);
        }
        pthread_mutex_unlock(&wk->lock);
        if (i == SIZE_MAX) break;
        job *jb = &wk->jobs[i];
        struct timespec t0, t1;
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t0);
        int doubtful = 0;
        ap_status st =
            again ? read_fallback(wk, &rd, jb, &e) : read_job(wk, &rd, jb, &doubtful, &e);
        if (st == AP_OK && doubtful) {
            /* read it again now when this worker holds Tesseract or is the first to need
             * one; else leave it to a worker that does */
            int now = rd.tess || rd.tess_failed;
            pthread_mutex_lock(&wk->lock);
            if (!now && (!wk->tess_claimed || !wk->deferred)) now = wk->tess_claimed = 1;
            if (!now) wk->deferred[wk->ndeferred++] = i;
            pthread_mutex_unlock(&wk->lock);
            if (now) st = read_fallback(wk, &rd, jb, &e);
        }
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t1);
        jb->ms += (float)((double)(t1.tv_sec - t0.tv_sec) * 1e3 +
                          (double)(t1.tv_nsec - t0.tv_nsec) / 1e6);
        if (st != AP_OK) record_failure(wk, st, &e);
        pthread_mutex_lock(&wk->lock);
        if (!again) wk->nfinished++;
        if (again) wk->nagain++;
        pthread_cond_broadcast(&wk->seen_cond);
        pthread_mutex_unlock(&wk->lock);
    }
    /* engine versions for the caller's stats, from the engines that read something */
    pthread_mutex_lock(&wk->lock);
    if (rd.crnn && !*wk->crnn_version)
        snprintf(wk->crnn_version, sizeof wk->crnn_version, "%s", ocr_engine_version(rd.crnn));
    if (rd.tess && !*wk->tess_version)
        snprintf(wk->tess_version, sizeof wk->tess_version, "%s", ocr_engine_version(rd.tess));
    pthread_mutex_unlock(&wk->lock);
    reader_close(&rd);
    return NULL;
}

/* The worker threads: started before the page is analysed, so that opening engines
 * overlaps with finding the tables. */
void raster_crew_start(crew *c, work *wk, ocr_engine **engines, size_t nengines, int threads)
{
    size_t n = engines && nengines ? nengines : (size_t)(threads > 0 ? threads : 2);
    if (n > TT_EXTRACT_MAX_THREADS) n = TT_EXTRACT_MAX_THREADS;
    c->started = 0;
    for (size_t i = 0; i < n; i++) {
        c->args[c->started] =
            (worker_arg){.w = wk, .engine = engines && nengines ? engines[i] : NULL};
        if (pthread_create(&c->threads[c->started], NULL, worker_main, &c->args[c->started]) != 0)
            break;
        c->started++;
    }
}

/* Posts the jobs (njobs may be 0, also to stop the crew after a failure) and waits for
 * the crew. With no thread started, the caller's thread does the work. */
ap_status raster_crew_finish(crew *c, work *wk, ocr_engine **engines, size_t nengines,
                             ap_error *err)
{
    pthread_mutex_lock(&wk->lock);
    wk->posted = 1;
    pthread_cond_broadcast(&wk->posted_cond);
    pthread_mutex_unlock(&wk->lock);
    if (c->started == 0 && wk->njobs) {
        worker_arg self = {.w = wk, .engine = engines && nengines ? engines[0] : NULL};
        worker_main(&self);
    }
    for (size_t i = 0; i < c->started; i++)
        pthread_join(c->threads[i], NULL);
    c->started = 0;
    if (wk->status != AP_OK) {
        if (err) *err = wk->error;
        return wk->status;
    }
    return AP_OK;
}

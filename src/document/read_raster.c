/* read_raster: a page image to a tt_page (see readers.h).
 *
 * Workers start first (one per engine, each engine used by its own thread only; when the
 * caller gave none, each opens its own, which overlaps Tesseract's model loading with the
 * page analysis). The page is turned grey, its grain smoothed (vision/noise), its light
 * evened out (vision/light), flattened when it is a photo (vision/perspective) and
 * deskewed; vision/table finds the ruled tables; every cell with ink, and every block
 * of ink outside the tables, becomes a job.
 * Workers take jobs from a shared counter, crop tight around the ink, choose the reading
 * direction and OCR the crop as one block. Each job writes only its own slot, so the
 * workers share nothing but the counter, the table of readings and the first error.
 *
 * Readers (tt_ocr_mode): each worker holds the CRNN, Tesseract, or both. In auto mode a
 * job is read by the CRNN first (about a tenth of Tesseract's time per line) and read
 * again by Tesseract only when reading_doubtful says so; the worker opens its Tesseract
 * at the first such job, so a page the CRNN reads well never pays Tesseract's start-up. */
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/files.h"
#include "core/log.h"
#include "core/sbuf.h"
#include "core/testable.h"
#include "document/readers.h"
#include "document/timeparse.h"
#include "vision/image.h"
#include "vision/light.h"
#include "vision/morph.h"
#include "vision/noise.h"
#include "vision/perspective.h"
#include "vision/pixstat.h"
#include "vision/resolution.h"
#include "vision/sharpness.h"
#include "vision/table.h"
#include "vision/whitespace.h"

#define MAX_JOBS 4000 /* cells plus free-text blocks in one page */
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
/* A reading of fewer blocks than ORIENT_MIN_BLOCKS, or than ORIENT_MIN_YIELD per cell
 * holding text, or of blocks less sure than ORIENT_MIN_CONFIDENCE on average, is poor
 * (read_oriented). Upright timetables give dozens of blocks at 0.9 and more, most cells
 * one each (header and day cells none); pages turned the wrong way gave 0-6 blocks from
 * 60-180 cells with text. A poor reading is tried again turned only when more than
 * ORIENT_SIDEWAYS_SHARE of its characters were read sideways or they were read less sure
 * than ORIENT_MIN_CONFIDENCE: the real pages turned gave 49-100% sideways or 27-58% sure;
 * poor readings of upright generated pages 0-23% and 34-96%. */
#define ORIENT_MIN_BLOCKS     5
#define ORIENT_MIN_YIELD      0.25f /* blocks per cell with text */
#define ORIENT_MIN_CONFIDENCE 0.6f
#define ORIENT_SIDEWAYS_SHARE 0.4
/* Ink of the text outside the tables: as light as the rules vision/table takes. Times
 * printed small in grey beside their names (a list set without rules beside ruled ones)
 * leave few pixels darker than 128, too few to make a block, and the names were read
 * without their times. */
#define FREE_INK 160
/* Paper kept around each block of text outside the tables, in pixels. */
#define FREE_MARGIN 4
/* A page of small print is enlarged to at most this many pixels (vision/resolution). */
#define RASTER_MAX_UPSCALED ((size_t)16000000)

typedef struct job {
    int x, y, w, h; /* region of the page */
    tt_line *lines; /* results, owned until moved into the page */
    size_t nlines;
    float confidence;
    int rotation;
    int inked;
    int reads;         /* OCR calls spent (directions tried, pieces) */
    int reader;        /* READ_CRNN or READ_TESSERACT: what made the kept reading */
    int fallback;      /* the CRNN's reading was doubtful and Tesseract read it again */
    float least;       /* the lowest word confidence of the kept reading, 0..100 */
    float least_digit; /* the same over the words holding a digit */
    float ms;          /* CPU time spent reading, ms */
    int outside;       /* a block of text outside the tables: no rules around it */
} job;

/* The two readers a worker may hold (seen entries are keyed by the reader too). */
enum { READ_TESSERACT = 0, READ_CRNN = 1 };

/* Readings already made on this page, keyed by the ink they were made from: a cell whose
 * ink is pixel for pixel the ink of one already read (a subject repeated across the week,
 * the same heading in several tables) takes that reading instead of a new OCR call. The
 * key is the binarised region that was read, so equal keys are the same text at the same
 * size; the grey behind the ink (another fill) does not change what it says. Entries are
 * appended under work.lock, into a table that never moves, and never change once ready. */
#define MAX_SEEN 2048

typedef struct seen {
    PIX *ink;       /* the key: 1 bpp, the region read */
    int directions; /* a whole cell (reading directions tried) or a piece of a line */
    int reader;     /* READ_*: which engine read it */
    int ready;      /* result, rotation and scale are set */
    ocr_result result;
    int rotation;
    float scale;
} seen;

/* Shared by the workers. States: workers start (opening their engines, when they were
 * given none, while the caller finds the tables), wait until `posted` (jobs set, or
 * nothing to do), take jobs from `next` until none is left, close what they opened. */
typedef struct work {
    PIX *grey;
    job *jobs;
    size_t njobs;
    size_t next;      /* the next job to read (under lock) */
    size_t nfinished; /* jobs read once (under lock) */
    int timeout_ms;
    const ocr_options *ocr; /* for the Tesseract engines a worker opens itself */
    tt_ocr_mode mode;
    const char *model;                       /* the CRNN's model directory */
    char crnn_version[96], tess_version[96]; /* of the engines the workers held */
    pthread_mutex_t lock;
    pthread_cond_t posted_cond;
    int posted;
    ap_status status; /* the first failure */
    ap_error error;
    seen *seen; /* MAX_SEEN entries, or NULL: no reuse */
    size_t nseen;
    size_t seen_hits; /* readings reused */
    /* Auto mode: jobs the CRNN read doubtfully, waiting for a worker holding Tesseract
     * (MAX_JOBS entries; pushed and taken under lock). One worker claims the first
     * Tesseract; the others queue their doubtful jobs for it rather than each paying
     * Tesseract's start-up, unless more than DEFER_OPEN_MIN are waiting. */
    size_t *deferred;
    size_t ndeferred, ntaken;
    int tess_claimed;
    /* an entry became ready, a job was deferred or finished, or a worker failed */
    pthread_cond_t seen_cond;
} work;

typedef struct worker_arg {
    work *w;
    ocr_engine *engine; /* borrowed, or NULL: the worker opens and closes its own */
} worker_arg;

/* A worker's engines: the CRNN (NULL in Tesseract mode, or without a model) and Tesseract
 * (NULL until needed in auto mode), each borrowed or the worker's own. */
typedef struct worker_engines {
    ocr_engine *crnn, *tess;
    ocr_engine *own_crnn, *own_tess;
    int tess_failed; /* auto: Tesseract could not be opened; the CRNN's readings stand */
} worker_engines;

static int imax(int a, int b)
{
    return a > b ? a : b;
}
static int imin(int a, int b)
{
    return a < b ? a : b;
}

/* Whether the ink is a picture (a logo, a crest, a photo) rather than text: one piece
 * of ink spans nearly all of a large ink box, the way a frame or a drawing does and a
 * line of letters never does. */
static int is_picture(PIX *ink, int bw, int bh)
{
    if (bw < 60 || bh < 60) return 0;
    int picture = 0;
    BOXA *parts = pixConnComp(ink, NULL, 8);
    for (int i = 0; parts && i < boxaGetCount(parts) && !picture; i++) {
        l_int32 x, y, w, h;
        boxaGetBoxGeometry(parts, i, &x, &y, &w, &h);
        picture = w * 5 >= bw * 4 && h * 5 >= bh * 4;
    }
    boxaDestroy(&parts);
    return picture;
}

/* A cell whose median grey is darker than this is a dark fill holding light text. */
#define TT_DARK_GROUND 96

/* The ink in crop that is not a speck: pixels darker (or, on a dark fill, lighter) than
 * the crop's median by more than delta. NULL when out of memory. */
static PIX *ink_mask(PIX *crop, int median, int delta)
{
    PIX *ink = NULL;
    if (median >= TT_DARK_GROUND) {
        ink = img_threshold(crop, imax(40, median - delta));
    } else {
        /* light text on a dark fill: invert so ink is 1 */
        PIX *t = img_threshold(crop, imin(215, median + delta));
        if (t) ink = pixInvert(NULL, t);
        pixDestroy(&t);
    }
    if (!ink) return NULL;
    /* Specks and bits of rule at the border are not text. */
    img_drop_dots(ink);
    return ink;
}

/* Text contrast: ink must differ from the crop's median by INK_DELTA, or by half the
 * contrast of the crop's darkest ink when that is less (a page shrunk and blurred keeps a
 * light typeface's strokes only 40-80 levels off the paper, and at 70 such a cell reads as
 * empty or in specks), but never by less than INK_DELTA_MIN or INK_NOISE_SIGMAS deviations
 * of the crop's noise, so that sensor noise is not ink. */
#define INK_DELTA        70
#define INK_DELTA_MIN    24
#define INK_NOISE_SIGMAS 4
/* The darkest ink: the level that this share of the crop, and at least INK_MIN_PIXELS
 * pixels, are darker than (a short word in a wide cell is a few hundred pixels). */
#define INK_DARK_SHARE 0.002
#define INK_MIN_PIXELS 12
/* Faint ink: blur and small type leave thin strokes (a colon, a dash, the side of a 0)
 * only a little off the paper. Sensor noise (sigma up to about 8) stays under this. */
#define FAINT_DELTA 35

/* The median grey of crop (8 bpp: the paper or the cell's fill) in *median, and in *delta
 * how far off it ink must be (see INK_DELTA). *noise, when not NULL, gets the crop's noise:
 * a standard deviation estimated from the quartile on the paper's side of the median (ink
 * may fill a quarter of a tight cell and more, never half of it). tight: the crop is cut
 * close around its text (a block outside the tables), which blurred or bold type may fill
 * half and more, spreading that quartile: the noise is then the lesser of it and the
 * estimate from neighbouring pixels (vision/noise). Returns 0 when the histogram cannot
 * be made. */
TESTABLE int tt_crop_levels(PIX *crop, int tight, int *median, int *delta, float *noise)
{
    NUMA *hist = img_grey_histogram(crop, 1);
    l_float32 total = 0;
    int q[3] = {-1, -1, -1}, lo = -1, hi = -1;
    if (!hist || numaGetSum(hist, &total) != 0 || total <= 0) {
        numaDestroy(&hist);
        return 0;
    }
    double dark = total * INK_DARK_SHARE > INK_MIN_PIXELS ? total * INK_DARK_SHARE : INK_MIN_PIXELS;
    double cum = 0;
    for (int i = 0; i < 256; i++) {
        l_float32 v = 0;
        numaGetFValue(hist, i, &v);
        cum += v;
        if (lo < 0 && cum >= dark) lo = i;
        if (hi < 0 && cum >= total - dark) hi = i;
        for (int k = 0; k < 3; k++)
            if (q[k] < 0 && cum >= total * (k + 1) / 4.0) q[k] = i;
    }
    numaDestroy(&hist);
    if (hi < 0) hi = 255;
    int light_on_dark = q[1] < 96; /* as ink_mask tells it */
    double sigma = (light_on_dark ? q[1] - q[0] : q[2] - q[1]) / 0.674;
    if (tight) sigma = fmin(sigma, img_noise_sigma(crop));
    int contrast = light_on_dark ? hi - q[1] : q[1] - lo;
    *median = q[1];
    if (noise) *noise = (float)sigma;
    int floor = imax(INK_DELTA_MIN, (int)(INK_NOISE_SIGMAS * sigma + 0.5));
    *delta = imax(floor, imin(INK_DELTA, contrast / 2));
    return 1;
}

/* The rectangle of ink in crop: pixels clearly off the crop's median (tt_crop_levels), grown
 * by the faint ink (FAINT_DELTA) around it, at most about a glyph's width on each side,
 * so that the thin strokes of small or blurred text are not cut off. *faint_out gets the
 * faint ink inside that rectangle (the gaps between words are judged on it: a dash or a
 * colon too faint to be ink still joins its neighbours). Returns 0 when there is too
 * little ink to be text. */
static int ink_box(PIX *crop, int tight, int *bx, int *by, int *bw, int *bh, PIX **ink_out,
                   PIX **faint_out)
{
    int median = 255, delta = INK_DELTA;
    int found = 0;
    PIX *ink = NULL, *faint = NULL;
    if (!tt_crop_levels(crop, tight, &median, &delta, NULL)) goto out;
    if (!(ink = ink_mask(crop, median, delta))) goto out;
    BOX *b = NULL;
    l_int32 count = 0;
    pixCountPixels(ink, &count, NULL);
    if (count < 12 || pixClipToForeground(ink, NULL, &b) != 0 || !b) goto out;
    boxGetGeometry(b, bx, by, bw, bh);
    boxDestroy(&b);
    found = *bw >= 3 && *bh >= 6 && !is_picture(ink, *bw, *bh);
    if (!found || !faint_out) goto out;
    PIX *all = ink_mask(crop, median, FAINT_DELTA);
    int W = pixGetWidth(crop), H = pixGetHeight(crop), g = imax(3, imin(*bh, 16) * 3 / 4);
    int gx = imax(0, *bx - g), gy = imax(0, *by - g);
    int gw = imin(W, *bx + *bw + g) - gx, gh = imin(H, *by + *bh + g) - gy;
    if (all && (faint = pixCreate(W, H, 1)))
        pixRasterop(faint, gx, gy, gw, gh, PIX_SRC, all, gx, gy);
    pixDestroy(&all);
    l_int32 fx, fy, fw, fh;
    if (faint && pixClipToForeground(faint, NULL, &b) == 0 && b) {
        boxGetGeometry(b, &fx, &fy, &fw, &fh);
        boxDestroy(&b);
        int x1 = imax(*bx + *bw, fx + fw), y1 = imax(*by + *bh, fy + fh);
        *bx = imin(*bx, fx), *by = imin(*by, fy);
        *bw = x1 - *bx, *bh = y1 - *by;
    }
out:
    if (ink_out && found)
        *ink_out = ink;
    else
        pixDestroy(&ink);
    if (faint_out && found)
        *faint_out = faint;
    else
        pixDestroy(&faint);
    return found;
}

/* Clears rule remnants along the crop's edges: edge rows or columns that are mostly ink. */
static void trim_rules(PIX *crop, int *x0, int *y0, int *x1, int *y1)
{
    int w = pixGetWidth(crop), h = pixGetHeight(crop);
    int limit = imax(3, imin(w, h) / 8);
    for (int side = 0; side < 4; side++) {
        for (int k = 0; k < limit; k++) {
            int dark = 0, n = side < 2 ? w : h;
            for (int i = 0; i < n; i++) {
                l_uint32 v = 255;
                int px = side < 2 ? i : (side == 2 ? *x0 + k : *x1 - 1 - k);
                int py = side == 0 ? *y0 + k : (side == 1 ? *y1 - 1 - k : i);
                if (px < 0 || py < 0 || px >= w || py >= h) continue;
                pixGetPixel(crop, px, py, &v);
                dark += v < 128;
            }
            if (dark * 2 < n) break;
            if (side == 0)
                (*y0)++;
            else if (side == 1)
                (*y1)--;
            else if (side == 2)
                (*x0)++;
            else
                (*x1)--;
        }
    }
}

/* Paints out, with the paper's grey, what is left of a rule slanting along the crop's
 * sides: a piece of ink running most of the way across the crop in one direction, no
 * thicker than an eighth of it, lying within its outer sixth. A photographed page keeps a
 * slight slant after its perspective is corrected, so the straight lattice misses its
 * rules by a few pixels: the rule is kept as a stroke of the text ("9:00" read sideways as
 * a tall ink box, "9:3C"), where trim_rules clears only whole edge rows and columns. */
TESTABLE void tt_clear_edge_rules(PIX *crop)
{
    int median = 255, delta = INK_DELTA;
    if (!tt_crop_levels(crop, 0, &median, &delta, NULL)) return;
    PIX *ink = ink_mask(crop, median, delta);
    PIXA *masks = NULL;
    BOXA *parts = ink ? pixConnComp(ink, &masks, 8) : NULL;
    int W = pixGetWidth(crop), H = pixGetHeight(crop);
    for (int i = 0; parts && i < boxaGetCount(parts); i++) {
        l_int32 x, y, w, h;
        boxaGetBoxGeometry(parts, i, &x, &y, &w, &h);
        int down = h * 5 >= H * 4 && w * 8 <= imax(W, 24) && (x * 6 < W || (x + w) * 6 > W * 5);
        int across = w * 5 >= W * 4 && h * 8 <= imax(H, 24) && (y * 6 < H || (y + h) * 6 > H * 5);
        if (!down && !across) continue;
        /* the piece's own pixels only: other ink in its box keeps its strokes */
        PIX *piece = pixaGetPix(masks, i, L_CLONE);
        if (piece) pixPaintThroughMask(crop, piece, x, y, (l_uint32)median);
        pixDestroy(&piece);
    }
    boxaDestroy(&parts);
    pixaDestroy(&masks);
    pixDestroy(&ink);
}

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

/* The white margin crop_margin puts around a scaled crop of w x h pixels. */
static int frame_margin(int w, int h)
{
    return imax(8, imin(w, h) / 4);
}

/* Where a reading lies on the page: the page region read, the scale it was read at and
 * the margin put around it (crop_margin). Lines read upright get their words' box; lines
 * read sideways the region's (a word set sideways is one line, its region's height). */
typedef struct placement {
    int x, y, w, h; /* the region read, page pixels */
    float scale;
    int margin;
    int upright;
} placement;

/* The placement of a reading of the w x h region at page (x, y), read at scale, turned
 * rot degrees. The margin is crop_margin's, from the size pixScale gives the region. */
static placement place_of(int x, int y, int w, int h, float scale, int rot)
{
    int sw = scale == 1.0f ? w : (int)(scale * (float)w + 0.5f);
    int sh = scale == 1.0f ? h : (int)(scale * (float)h + 0.5f);
    return (placement){x, y, w, h, scale, frame_margin(sw, sh), rot == 0};
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

#define MAX_SEGMENTS 8

/* A run of inked rows taller than this many glyph heights may be two lines whose ink
 * touches (a descender on the next line's capital, a tight line spacing): one line, from
 * its ascenders to its descenders, is at most about twice its median piece (x-height
 * letters), two lines at least three times it. */
#define LINE_MAX_GLYPHS 2.4f

/* Whether the rows [from, to) of counts (ink per row) are two lines that touch: the
 * emptiest row of the middle half holds at most a fifth of the ink of the fullest row on
 * either side of it (the cores of both lines). One line's middle half is its x-height band,
 * the fullest rows it has; text of two sizes side by side (a small stacked range beside a
 * large time) fills it too. */
static int lines_touch(NUMA *counts, int from, int to)
{
    int side = (to - from) / 4, best = -1;
    l_int32 v = 0, least = 0, above = 0, below = 0;
    for (int i = from + side; i < to - side; i++) {
        numaGetIValue(counts, i, &v);
        if (best < 0 || v < least) best = i, least = v;
    }
    if (best < 0) return 0;
    for (int i = from; i < to; i++) {
        numaGetIValue(counts, i, &v);
        if (i < best && v > above) above = v;
        if (i > best && v > below) below = v;
    }
    return least * 5 <= above && least * 5 <= below;
}

/* Lines of text in the ink rectangle, read across rows (or across columns for text set
 * sideways): runs of inked rows separated by blank ones, not counting runs much thinner
 * than the thickest (the dots of i and j, accents, underlines). A run taller than
 * LINE_MAX_GLYPHS times glyphs (the glyph height across the lines; 0: unknown) whose
 * middle is nearly empty (lines_touch) counts as two. */
TESTABLE int tt_count_text_lines(PIX *ink, int x, int y, int w, int h, int sideways, float glyphs)
{
    BOX *b = boxCreate(x, y, w, h);
    NUMA *counts = b ? (sideways ? pixCountByColumn(ink, b) : pixCountByRow(ink, b)) : NULL;
    boxDestroy(&b);
    if (!counts) return 0;
    int n = numaGetCount(counts), runs[64], ends[64], nruns = 0, run = 0, thickest = 0;
    for (int i = 0; i <= n; i++) {
        l_int32 v = 0;
        if (i < n) numaGetIValue(counts, i, &v);
        if (v > 0) {
            run++;
            continue;
        }
        if (run && nruns < 64) runs[nruns] = run, ends[nruns++] = i;
        if (run > thickest) thickest = run;
        run = 0;
    }
    int lines = 0;
    for (int i = 0; i < nruns; i++)
        if (runs[i] * 5 >= thickest * 2)
            lines += glyphs > 0 && (float)runs[i] > LINE_MAX_GLYPHS * glyphs &&
                             lines_touch(counts, ends[i] - runs[i], ends[i])
                         ? 2
                         : 1;
    numaDestroy(&counts);
    return lines;
}

/* Splits the ink columns [bx, bx + bw) of ink at empty runs at least min_gap wide.
 * Returns the number of pieces (1 when there is no such gap, or too many). */
static int ink_segments(PIX *ink, int bx, int bw, int min_gap, int *starts, int *ends)
{
    NUMA *cols = pixCountByColumn(ink, NULL);
    int n = 0, run = 0, seg_start = bx, last_ink = bx;
    if (!cols) goto one;
    for (int x = bx; x < bx + bw; x++) {
        l_int32 v = 0;
        numaGetIValue(cols, x, &v);
        if (v == 0) {
            run++;
            continue;
        }
        if (run >= min_gap && x > bx) {
            if (n + 1 >= MAX_SEGMENTS) goto one;
            starts[n] = seg_start, ends[n] = last_ink + 1, n++;
            seg_start = x;
        }
        run = 0;
        last_ink = x;
    }
    numaDestroy(&cols);
    starts[n] = seg_start, ends[n] = last_ink + 1, n++;
    return n;
one:
    numaDestroy(&cols);
    starts[0] = bx, ends[0] = bx + bw;
    return 1;
}

/* The rows [*top, *top + *h) that hold ink in columns [x, x + w) of rows [y, y + h) of
 * ink; 0 when there is none. */
static int piece_rows(PIX *ink, int x, int w, int y, int h, int *top, int *rows)
{
    BOX *b = boxCreate(x, y, w, h);
    NUMA *counts = b ? pixCountByRow(ink, b) : NULL;
    boxDestroy(&b);
    if (!counts) return 0;
    int n = numaGetCount(counts), first = -1, last = -1;
    for (int i = 0; i < n; i++) {
        l_int32 v = 0;
        numaGetIValue(counts, i, &v);
        if (v > 0) last = i, first = first < 0 ? i : first;
    }
    numaDestroy(&counts);
    if (first < 0) return 0;
    *top = y + first, *rows = last - first + 1;
    return 1;
}

/* The boxes of the pieces of ink (8-connected) inside the rectangle; NULL when out of
 * memory. Caller frees. */
static BOXA *ink_pieces(PIX *ink, int x, int y, int w, int h)
{
    BOX *b = boxCreate(x, y, w, h);
    PIX *part = b ? pixClipRectangle(ink, b, NULL) : NULL;
    BOXA *parts = part ? pixConnComp(part, NULL, 8) : NULL;
    pixDestroy(&part);
    boxDestroy(&b);
    return parts;
}

/* The median height of the pieces of ink (8-connected, 4 pixels high or more) in the
 * rectangle: the height of its glyphs. 0 when there are none or out of memory. */
static float glyph_height(PIX *ink, int x, int y, int w, int h)
{
    l_float32 median = 0;
    BOXA *parts = ink_pieces(ink, x, y, w, h);
    NUMA *heights = parts ? numaCreate(0) : NULL;
    if (heights) {
        int n = boxaGetCount(parts);
        for (int i = 0; i < n; i++) {
            l_int32 bx, by, bw, bh;
            boxaGetBoxGeometry(parts, i, &bx, &by, &bw, &bh);
            if (bh >= 4) numaAddNumber(heights, (l_float32)bh);
        }
        if (numaGetCount(heights) == 0 || numaGetMedian(heights, &median) != 0) median = 0;
    }
    numaDestroy(&heights);
    boxaDestroy(&parts);
    return median;
}

/* The scale that brings text of glyphs median pixels high (glyph_height; 0: unknown) to
 * the size Tesseract reads best (glyphs about 26 pixels high): small print is read far
 * better enlarged, and large print is read faster reduced. */
static float text_scale(float median)
{
    float scale = 1.0f;
    if (median > 0) {
        scale = 26.0f / median;
        if (scale < 0.5f) scale = 0.5f;
        if (scale > 3.0f) scale = 3.0f;
        if (scale > 0.8f && scale < 1.3f) scale = 1.0f; /* close enough: no resampling */
    }
    return scale;
}

/* The paper's grey in a crop cut tight around its text, for the CRNN (tt_stretch_paper):
 * the level this share of its pixels lies at or below. Such a crop keeps a tenth of paper
 * and more between its strokes, letters and lines, however bold or blurred its print.
 * Tesseract, which binarises what it is given, reads small print better thinned: its
 * crops keep the median (TT_TESS_PAPER_RANK). Measured in docs/BENCHMARKS.md ("Cell
 * reading (session 7)"). */
#define TT_PAPER_RANK      0.9f
#define TT_TESS_PAPER_RANK 0.5f

/* Stretches the paper of part (8 bpp, a crop cut tight around its text; a coloured fill, a
 * grey scan) to white and its ink to black, in place, so that every cell reaches the
 * readers with the same contrast; light text on a dark ground (dark_ground: the median of
 * the whole cell is dark, as ink_box tells it) is turned dark on light first, so that the
 * engine can skip its inverted second reading of every line (OCR_DARK_ON_LIGHT). The
 * ground is the cell's, not the tight crop's: bold print fills more than half of a crop
 * cut tight around one letter (a word spelt down a column, one letter a day), whose median
 * is then the ink ("H" was turned white on black and read "R"). The paper is the level
 * paper_rank of the crop's pixels lie at or below: the median (0.5) is inside the ink where
 * bold or blurred print covers half the crop and more, and turns the lighter half of every
 * stroke white (the CRNN read "09.00 - 09.50" as "@ 0 - 09 40", "French" as "Fren"; see
 * TT_PAPER_RANK). A crop of little contrast is left as it is. */
TESTABLE void tt_stretch_paper(PIX *part, float paper_rank, int dark_ground)
{
    l_uint32 bg = 255, fg = 0;
    if (dark_ground) pixInvert(part, part);
    if (pixGetRankValue(part, 1, paper_rank, &bg) != 0) return;
    if (pixGetRankValue(part, 1, 0.02f, &fg) == 0) {
        int hi = (int)(bg & 0xff) - 8, lo = (int)(fg & 0xff) + 8;
        if (hi - lo >= 40) pixGammaTRC(part, part, 1.0f, lo, hi);
    }
}

/* The rectangle (x, y, w, h) of crop (the whole cell), scaled to a good text size for its
 * glyphs (text_scale; *scale_out), its paper stretched to white and its ink to black
 * (tt_stretch_paper at paper_rank, on the cell's ground), with a white
 * margin around it: Tesseract reads glyphs that touch the image's edge badly.
 * Caller frees; NULL when out of memory. */
static PIX *crop_margin(PIX *crop, int x, int y, int w, int h, float glyphs, float paper_rank,
                        float *scale_out)
{
    float scale = text_scale(glyphs);
    *scale_out = scale;
    BOX *b = boxCreate(x, y, w, h);
    PIX *part = b ? pixClipRectangle(crop, b, NULL) : NULL;
    boxDestroy(&b);
    if (!part) return NULL;
    l_uint32 ground = 255;
    if (pixGetRankValue(crop, 1, 0.5f, &ground) != 0) ground = 255;
    tt_stretch_paper(part, paper_rank, (int)(ground & 0xff) < TT_DARK_GROUND);
    if (scale != 1.0f) {
        PIX *scaled = pixScale(part, scale, scale);
        pixDestroy(&part);
        if (!scaled) return NULL;
        part = scaled;
    }
    int margin = frame_margin(pixGetWidth(part), pixGetHeight(part));
    PIX *framed = pixAddBorder(part, margin, 255);
    pixDestroy(&part);
    return framed;
}

/* Which way the letters stand: the median height over width of the pieces of ink (each
 * a letter or a few joined), well above 1 for upright Latin text and below 1 for text set
 * sideways. Returns the median ratio; 1.5 (upright) for one or two pieces; 1 (undecided)
 * for none. */
static float upright_ratio(PIX *ink, int x, int y, int w, int h)
{
    float ratio = 1.0f;
    BOXA *parts = ink_pieces(ink, x, y, w, h);
    NUMA *ratios = parts ? numaCreate(0) : NULL;
    if (ratios) {
        int n = boxaGetCount(parts);
        for (int i = 0; i < n; i++) {
            l_int32 bx, by, bw, bh;
            boxaGetBoxGeometry(parts, i, &bx, &by, &bw, &bh);
            if (bw >= 3 && bh >= 3) numaAddNumber(ratios, (l_float32)bh / (l_float32)bw);
        }
        l_float32 median = 1.0f;
        if (numaGetCount(ratios) >= 3 && numaGetMedian(ratios, &median) == 0) ratio = median;
        /* One or two glyphs (a row number) say little by their shape; upright is by far
         * the likelier, and a wrong guess is still corrected by its low score. */
        else if (numaGetCount(ratios) >= 1)
            ratio = 1.5f;
    }
    numaDestroy(&ratios);
    boxaDestroy(&parts);
    return ratio;
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
    if (key) idx = seen_claim(wk, &key, directions, reader, &claimed);
    if (idx >= 0 && !claimed) {
        const seen *e = &wk->seen[idx];
        *res = &e->result, *rot_out = e->rotation, *scale_out = e->scale;
        return AP_OK;
    }
    /* A crop Leptonica cannot frame (a sliver) reads as nothing, as an empty cell does. */
    float paper_rank = reader == READ_CRNN ? TT_PAPER_RANK : TT_TESS_PAPER_RANK;
    float glyphs = glyph_height(ink, x, y, w, h);
    if (!(tight = crop_margin(crop, x, y, w, h, glyphs, paper_rank, &scale))) goto out;
    /* Reading direction: text set bottom-to-top (the usual way in narrow cells) or
     * top-to-bottom makes the ink taller than wide; try turning it upright and keep the
     * reading Tesseract is most sure of. Upright text is tried first when the ink is wide. */
    int tall = directions && h > w * 5 / 4;
    /* The letters' shape decides when it is clear: then only the two ways of turning
     * text sideways (or upright text that reads badly) need a second reading. */
    float letters = directions ? upright_ratio(ink, x, y, w, h) : 1.0f;
    int upright = letters >= 1.05f, sideways = letters <= 0.95f;
    /* Ink twice as wide as high is upright text whatever its letters look like (old-style
     * figures and "am"/"pm" make wide pieces): text turned sideways would need four
     * lines side by side. */
    if (directions && w >= 2 * h) upright = 1, sideways = 0;
    if (upright) tall = 0;
    if (sideways) tall = 1;
    int order_tall[3] = {90, 270, 0}, order_wide[3] = {0, 90, 270};
    const int *order = tall ? order_tall : order_wide;
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
        if (!directions) break;
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
    trim_rules(crop, &x0, &y0, &x1, &y1);
    if (x1 - x0 < 4 || y1 - y0 < 4) goto out;
    int bx, by, bw, bh;
    BOX *inner = boxCreate(x0, y0, x1 - x0, y1 - y0);
    PIX *trimmed = inner ? pixClipRectangle(crop, inner, NULL) : NULL;
    boxDestroy(&inner);
    if (!trimmed) goto out;
    pixDestroy(&crop);
    crop = trimmed;
    if (!jb->outside) tt_clear_edge_rules(crop);
    if (!ink_box(crop, jb->outside, &bx, &by, &bw, &bh, &ink, &faint)) goto out;
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
        float glyphs = glyph_height(ink, bx, by, bw, bh);
        if (glyphs > 0 && (int)(2 * glyphs) < text_h) text_h = (int)(2 * glyphs);
        int nseg = ink_segments(faint ? faint : ink, bx, bw, imax(15, text_h), starts, ends);
        if (nseg > 1) {
            double conf = 0;
            for (int k = 0; k < nseg && st == AP_OK; k++) {
                /* a piece much taller than wide, and as wide as half a glyph is high
                 * (no rule's remnant), is a word set sideways (a break labelled up a
                 * column merged into the cell, a header time turned in a narrow column):
                 * it is read in the directions its ink allows */
                int py = by, ph = bh, pw = ends[k] - starts[k], turn = 0;
                if (piece_rows(ink, starts[k], pw, by, bh, &py, &ph) && ph > 2 * pw &&
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

/* Whether the CRNN's reading (first) beats Tesseract's (second) of the same job: a better
 * reading_rank, or an equal rank and text the character prior prefers (tt_prior_prefers).
 * Where neither reading is visibly broken, Tesseract misreads thin strokes as letters no
 * word has ("Enghsh", "Tumes Tables") where the CRNN, unsure of itself, read the word; and
 * the CRNN cuts a word short or reads garbage where Tesseract read it whole ("Fren" for
 * "French"): the prior tells them apart where the two readers' confidences, which do not
 * compare, cannot. */
static int crnn_reading_wins(const ocr_engine *crnn, const job *first, const job *second)
{
    long a = reading_rank(first), b = reading_rank(second);
    if (a != b) return a > b;
    if (!crnn || !first->nlines) return 0;
    char *ta = reading_text(first), *tb = reading_text(second);
    int wins = ta && tb && tt_prior_prefers(crnn, ta, tb);
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

/* Reads one job with the worker's engines: the CRNN when it has one, else Tesseract.
 * *doubtful is set when auto mode wants Tesseract to read it again (read_fallback). */
static ap_status read_job(work *wk, worker_engines *rd, job *jb, int *doubtful, ap_error *err)
{
    *doubtful = 0;
    job_reset(jb);
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
    if (!rd->tess && !rd->tess_failed) {
        ap_error e = {0};
        if (open_tesseract(wk, &rd->own_tess, &e) == AP_OK) {
            rd->tess = rd->own_tess;
        } else {
            log_warn("extract: no fallback reader (%s); the CRNN's readings stand", e.msg);
            rd->tess_failed = 1;
        }
    }
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
typedef struct crew {
    pthread_t threads[TT_EXTRACT_MAX_THREADS];
    worker_arg args[TT_EXTRACT_MAX_THREADS];
    size_t started;
} crew;

static void crew_start(crew *c, work *wk, ocr_engine **engines, size_t nengines, int threads)
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
static ap_status crew_finish(crew *c, work *wk, ocr_engine **engines, size_t nengines,
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

/* Whether the ink of bin in box b (of height h) is solid: areas that survive erosion by a
 * third of the block's height, as a picture's or a bar's do and no letter's strokes do.
 * Short bold words ("6H") fill half their box, so density alone cannot tell them. */
static int solid_ink(PIX *bin, BOX *b, int h)
{
    PIX *clip = pixClipRectangle(bin, b, NULL);
    int k = imax(3, h / 3);
    PIX *core = clip ? img_erode_brick(clip, k, k) : NULL;
    l_int32 area = 0, left = 0;
    int solid = 1;
    if (core) {
        pixCountPixels(clip, &area, NULL);
        pixCountPixels(core, &left, NULL);
        solid = left > area / 10;
    }
    pixDestroy(&clip);
    pixDestroy(&core);
    return solid;
}

/* Blocks of ink outside the tables: titles and header fields. Pictures (dense ink) and
 * specks are left out. Appends jobs; returns the new count. */
static size_t free_text_jobs(PIX *grey, const img_table *tables, size_t ntables, job *jobs,
                             size_t njobs)
{
    PIX *bin = img_threshold(grey, FREE_INK);
    BOXA *blocks = NULL;
    PIX *joined = NULL;
    if (!bin) goto out;
    int W = pixGetWidth(grey), H = pixGetHeight(grey);
    for (size_t t = 0; t < ntables; t++)
        pixRasterop(bin, tables[t].x - 4, tables[t].y - 4, tables[t].w + 8, tables[t].h + 8,
                    PIX_CLR, NULL, 0, 0);
    /* Join letters into words and words into lines. */
    int gap = imax(15, W / 80);
    if (!(joined = img_close_brick(bin, gap, imax(3, H / 300)))) goto out;
    if (!(blocks = pixConnComp(joined, NULL, 8))) goto out;
    int n = boxaGetCount(blocks);
    for (int i = 0; i < n && njobs < MAX_JOBS; i++) {
        l_int32 x, y, w, h, count = 0;
        boxaGetBoxGeometry(blocks, i, &x, &y, &w, &h);
        if (w < 6 || h < 8 || w * h < 150 || h > H / 6) continue; /* specks, rules */
        BOX *b = boxaGetBox(blocks, i, L_CLONE);
        pixCountPixelsInRect(bin, b, &count, NULL);
        int solid = (double)count > 0.45 * w * h && solid_ink(bin, b, h);
        boxDestroy(&b);
        if (solid) continue; /* a picture or a bar */
        int m = FREE_MARGIN;
        int x0 = imax(0, x - m), y0 = imax(0, y - m);
        jobs[njobs++] = (job){.x = x0,
                              .y = y0,
                              .w = imin(W, x + w + m) - x0,
                              .h = imin(H, y + h + m) - y0,
                              .outside = 1};
    }
out:
    pixDestroy(&bin);
    pixDestroy(&joined);
    boxaDestroy(&blocks);
    return njobs;
}

/* Whether one-line blocks a and b sit on one text line: each one's middle lies within the
 * other's height. */
static int same_text_line(const job *a, const job *b)
{
    int ma = a->y + a->h / 2, mb = b->y + b->h / 2;
    return ma >= b->y && ma < b->y + b->h && mb >= a->y && mb < a->y + a->h;
}

/* Whether block b, right of a on one text line, is only a word space away: closer than
 * one and a half times the text's height (widely spaced or monospaced type is cut into
 * words; a header's fields stand further apart). Blocks carry FREE_MARGIN on each side. */
static int word_gap(const job *a, const job *b)
{
    int gap = b->x - (a->x + a->w) + 2 * FREE_MARGIN;
    return 2 * gap < 3 * (imax(a->h, b->h) - 2 * FREE_MARGIN);
}

static int by_top(const void *pa, const void *pb)
{
    const job *a = *(const job *const *)pa, *b = *(const job *const *)pb;
    return (a->y > b->y) - (a->y < b->y);
}

static int by_left(const void *pa, const void *pb)
{
    const job *a = *(const job *const *)pa, *b = *(const job *const *)pb;
    return (a->x > b->x) - (a->x < b->x);
}

/* The free blocks' lines into page->free_text, top to bottom. One-line blocks on one text
 * line are joined left to right, with two spaces, which the header reader takes for a
 * separator: a header spaced out in print ("Class:  6H     Term: Autumn 2") is cut into
 * blocks, and a label needs its value on its own line. Blocks a word space apart are
 * joined with one space (widely spaced type). AP_OK or AP_ERR_NOMEM. */
static ap_status free_text_lines(job *blocks, size_t n, tt_page *page)
{
    ap_status st = AP_OK;
    job **order = malloc((n ? n : 1) * sizeof *order), **row = malloc((n ? n : 1) * sizeof *row);
    unsigned char *used = calloc(n ? n : 1, 1);
    sbuf text = {0};
    if (!order || !row || !used) {
        st = AP_ERR_NOMEM;
        goto out;
    }
    for (size_t i = 0; i < n; i++)
        order[i] = &blocks[i];
    qsort(order, n, sizeof *order, by_top);
    for (size_t i = 0; i < n && st == AP_OK; i++) {
        const job *jb = order[i];
        if (used[i] || !jb->nlines) continue;
        if (jb->nlines > 1) {
            for (size_t k = 0; k < jb->nlines && st == AP_OK; k++) {
                const tt_line *l = &jb->lines[k];
                st = tt_lines_add(&page->free_text, &page->nfree, l->text, l->confidence, l->height,
                                  l->width);
            }
            continue;
        }
        size_t nrow = 0;
        for (size_t j = i; j < n; j++)
            if (!used[j] && order[j]->nlines == 1 && same_text_line(jb, order[j])) {
                used[j] = 1;
                row[nrow++] = order[j];
            }
        qsort(row, nrow, sizeof *row, by_left);
        float confidence = 100, height = 0;
        text.len = 0;
        for (size_t k = 0; k < nrow; k++) {
            const tt_line *l = &row[k]->lines[0];
            if (k) sbuf_puts(&text, word_gap(row[k - 1], row[k]) ? " " : "  ");
            sbuf_puts(&text, l->text);
            confidence = fminf(confidence, l->confidence);
            height = fmaxf(height, l->height);
        }
        if (text.oom)
            st = AP_ERR_NOMEM;
        else
            st = tt_lines_add(&page->free_text, &page->nfree, text.data ? text.data : "",
                              confidence, height, nrow == 1 ? row[0]->lines[0].width : 1);
    }
out:
    sbuf_free(&text);
    free(order);
    free(row);
    free(used);
    return st;
}

/* Lists among the free blocks become tables (tt_free_lists), and lists' headings over
 * tables join them (tt_free_headings); the blocks they take leave the free text. AP_OK or
 * AP_ERR_NOMEM. */
static ap_status free_lists(job *blocks, size_t n, tt_page *page)
{
    tt_free_block *fb = malloc((n ? n : 1) * sizeof *fb);
    unsigned char *used = calloc(n ? n : 1, 1);
    ap_status st = AP_ERR_NOMEM;
    if (!fb || !used) goto out;
    for (size_t i = 0; i < n; i++)
        fb[i] = (tt_free_block){blocks[i].x, blocks[i].y,     blocks[i].w,
                                blocks[i].h, blocks[i].lines, blocks[i].nlines};
    if ((st = tt_free_lists(fb, n, used, page)) != AP_OK ||
        (st = tt_free_headings(fb, n, used, page)) != AP_OK)
        goto out;
    for (size_t i = 0; i < n; i++)
        if (used[i]) {
            tt_lines_free(blocks[i].lines, blocks[i].nlines);
            blocks[i].lines = NULL;
            blocks[i].nlines = 0;
        }
out:
    free(fb);
    free(used);
    return st;
}

/* One cells.tsv row's reading columns: how a job was read and its lines. */
static void debug_reading(FILE *f, const job *j)
{
    fprintf(f, "%d\t%.0f\t%.0f\t%s\t%d\t%.0f\t", j->rotation, j->confidence, j->least,
            j->reader == READ_CRNN ? "crnn"
            : j->fallback          ? "crnn>tess"
                                   : "tess",
            j->reads, j->ms);
    for (size_t k = 0; k < j->nlines; k++) {
        const tt_line *l = &j->lines[k];
        fprintf(f, "%s%s [h%.0f w%.2f", k ? " / " : "", l->text, l->height, l->width);
        if (l->box.w) fprintf(f, " @%d,%d %dx%d", l->box.x, l->box.y, l->box.w, l->box.h);
        if (l->ink & TT_INK_KNOWN) fprintf(f, " #%06x", l->ink & 0xffffffu);
        fputc(']', f);
    }
    fputc('\n', f);
}

/* The colour a line is printed in, on the colour page rgb (turned as grey was): the mean
 * colour of the darkest tenth of the pixels in its box, the cores of its strokes rather
 * than their blurred edges or the paper between them. 0 (unknown) for a box off the page
 * or too small to tell. */
TESTABLE unsigned tt_line_ink(PIX *rgb, PIX *grey, const tt_bbox *b)
{
    int w = pixGetWidth(grey), h = pixGetHeight(grey);
    int x0 = imax(0, b->x), y0 = imax(0, b->y);
    int x1 = imin(w, b->x + b->w), y1 = imin(h, b->y + b->h);
    if (x1 - x0 < 4 || y1 - y0 < 4 || pixGetWidth(rgb) != w || pixGetHeight(rgb) != h ||
        pixGetDepth(grey) != 8 || pixGetDepth(rgb) != 32)
        return 0;
    const l_uint32 *gd = pixGetData(grey), *cd = pixGetData(rgb);
    int gw = pixGetWpl(grey), cw = pixGetWpl(rgb);
    unsigned hist[256] = {0}, n = 0;
    for (int y = y0; y < y1; y++)
        for (int x = x0; x < x1; x++)
            hist[GET_DATA_BYTE(gd + y * gw, x)]++, n++;
    unsigned want = n / 10 ? n / 10 : 1, below = 0;
    int cut = 0;
    while (cut < 255 && below + hist[cut] < want)
        below += hist[cut++];
    double sum[3] = {0};
    unsigned m = 0;
    for (int y = y0; y < y1; y++)
        for (int x = x0; x < x1; x++) {
            if ((int)GET_DATA_BYTE(gd + y * gw, x) > cut) continue;
            l_uint32 v = cd[y * cw + x];
            sum[0] += (v >> L_RED_SHIFT) & 0xff, sum[1] += (v >> L_GREEN_SHIFT) & 0xff;
            sum[2] += (v >> L_BLUE_SHIFT) & 0xff, m++;
        }
    unsigned r = (unsigned)(sum[0] / m + 0.5), g = (unsigned)(sum[1] / m + 0.5);
    unsigned bl = (unsigned)(sum[2] / m + 0.5);
    return TT_INK_KNOWN | r << 16 | g << 8 | bl;
}

/* lines.png, cells.png (cells and, in orange, the text blocks outside the tables) and
 * cells.tsv (what was read in each; the blocks outside as table "free"). */
static void write_debug(const char *dir, PIX *grey, PIX *lines, const img_table *tables,
                        size_t ntables, const job *jobs, size_t ncell_jobs, size_t njobs)
{
    char path[1024];
    if (lines) {
        snprintf(path, sizeof path, "%s/lines.png", dir);
        pixWrite(path, lines, IFF_PNG);
    }
    PIX *overlay = pixConvertTo32(grey);
    if (!overlay) return;
    for (size_t t = 0; t < ntables; t++) {
        BOX *b = boxCreate(tables[t].x, tables[t].y, tables[t].w, tables[t].h);
        if (b) pixRenderBoxArb(overlay, b, 3, 255, 0, 255);
        boxDestroy(&b);
    }
    /* Cells: green upright, red turned 90 (bottom-to-top), blue 270, grey empty. */
    for (size_t i = 0; i < ncell_jobs; i++) {
        const job *j = &jobs[i];
        BOX *b = boxCreate(j->x, j->y, j->w, j->h);
        if (!b) continue;
        int r = 160, g = 160, bl = 160;
        if (j->inked) {
            r = j->rotation == 90 ? 230 : 0;
            g = j->rotation == 0 ? 180 : 0;
            bl = j->rotation == 270 ? 230 : 0;
        }
        pixRenderBoxArb(overlay, b, 2, r, g, bl);
        boxDestroy(&b);
    }
    for (size_t i = ncell_jobs; i < njobs; i++) {
        BOX *b = boxCreate(jobs[i].x, jobs[i].y, jobs[i].w, jobs[i].h);
        if (b) pixRenderBoxArb(overlay, b, 2, 255, 140, 0);
        boxDestroy(&b);
    }
    snprintf(path, sizeof path, "%s/cells.png", dir);
    pixWrite(path, overlay, IFF_PNG);
    pixDestroy(&overlay);
    /* What was read in each cell, for a person comparing with the picture. */
    snprintf(path, sizeof path, "%s/cells.tsv", dir);
    FILE *f = fopen(path, "w");
    if (!f) return;
    fprintf(f, "table\trow\tcol\tnrows\tncols\trotation\tconfidence\tleast\treader\treads\tms\t"
               "lines\n");
    size_t ji = 0;
    for (size_t t = 0; t < ntables; t++)
        for (size_t c = 0; c < tables[t].ncells && ji < ncell_jobs; c++, ji++) {
            const img_cell *cell = &tables[t].cells[c];
            fprintf(f, "%zu\t%d\t%d\t%d\t%d\t", t, cell->row, cell->col, cell->nrows, cell->ncols);
            debug_reading(f, &jobs[ji]);
        }
    for (size_t i = ncell_jobs; i < njobs; i++) {
        fprintf(f, "free\t-\t-\t-\t-\t");
        debug_reading(f, &jobs[i]);
    }
    fclose(f);
}

/* Adds what read the page's jobs to stats. */
static void tally(tt_extract_stats *stats, const work *wk)
{
    size_t tess = 0;
    for (size_t i = 0; i < wk->njobs; i++) {
        const job *jb = &wk->jobs[i];
        if (!jb->inked) continue;
        stats->cells++;
        stats->crnn_cells += jb->reader == READ_CRNN;
        stats->fallback_cells += jb->fallback;
        tess += jb->reader == READ_TESSERACT;
    }
    if (stats->crnn_cells && !*stats->crnn_version)
        snprintf(stats->crnn_version, sizeof stats->crnn_version, "%s", wk->crnn_version);
    if (tess && !*stats->tesseract_version)
        snprintf(stats->tesseract_version, sizeof stats->tesseract_version, "%s", wk->tess_version);
}

/* The page's grey (*grey_out) and its colour (*colour_out, 32 bpp; NULL when the page
 * has none or it is left out), both of one size, normalised before its structure is
 * sought: grain smoothed away (vision/noise), then small print enlarged
 * (vision/resolution); a clean page of ordinary print comes back as it is. A grainy
 * page's colour is left out: its smoothed grey carries its fills (the real pages under
 * noise read the same without the colour), and smoothing three channels would triple
 * the filter's time. *blur_out is the width of its edges (vision/sharpness) and
 * *grain_out the grain left on its grey, for the cells' reading. Caller frees both;
 * AP_ERR_PROCESSING or AP_ERR_NOMEM on failure, with both NULL. */
static ap_status normalise_page(PIX *pix, PIX **grey_out, PIX **colour_out, float *blur_out,
                                float *grain_out, ap_error *err)
{
    *grey_out = *colour_out = NULL;
    PIX *grey = pixGetDepth(pix) == 8 ? pixClone(pix) : pixConvertTo8(pix, 0), *colour = NULL;
    if (!grey) return ap_fail(err, AP_ERR_PROCESSING, "extract: cannot convert the page to grey");
    int has_colour = pixGetDepth(pix) == 32 || pixGetColormap(pix) != NULL;
    /* a colour-mapped grey is read by its map elsewhere: left as it is */
    int plain = pixGetColormap(grey) == NULL;
    float grain = plain ? img_noise_sigma(grey) : 0;
    if (grain >= IMG_NOISY_SIGMA) {
        PIX *smooth = img_denoise(grey, grain);
        pixDestroy(&grey);
        if (!(grey = smooth)) goto nomem;
        has_colour = 0;
        log_debug("extract: grain of %.1f grey levels smoothed", grain);
    }
    if (has_colour && !(colour = pixGetDepth(pix) == 32 ? pixClone(pix) : pixConvertTo32(pix)))
        goto nomem;
    if (plain) {
        /* a page lit from one side has paper as grey as a fill on its dark side: the
         * light is evened out before rules, fills and ink are told from paper */
        PIX *lit_colour = NULL, *lit = img_flatten_light(grey, colour, colour ? &lit_colour : NULL);
        if (!lit || (colour && !lit_colour)) {
            pixDestroy(&lit);
            pixDestroy(&lit_colour);
            goto nomem;
        }
        pixDestroy(&grey);
        grey = lit;
        if (colour) {
            pixDestroy(&colour);
            colour = lit_colour;
        }
    }
    /* measured before the enlargement, which would widen the edges */
    *blur_out = plain ? img_edge_width(grey) : 0;
    *grain_out = *blur_out >= IMG_BLUR_WIDTH ? img_noise_sigma(grey) : 0;
    float upscale = plain ? img_page_upscale(grey, RASTER_MAX_UPSCALED) : 1.0f;
    if (upscale > 1.0f) {
        PIX *big = img_upscale(grey, upscale);
        pixDestroy(&grey);
        if (!(grey = big)) goto nomem;
        if (colour) {
            big = img_upscale(colour, upscale);
            pixDestroy(&colour);
            if (!(colour = big)) goto nomem;
        }
        log_debug("extract: small print, page enlarged %.2f times", upscale);
    }
    *grey_out = grey;
    *colour_out = colour;
    return AP_OK;
nomem:
    pixDestroy(&grey);
    pixDestroy(&colour);
    return ap_fail(err, AP_ERR_NOMEM, "extract: out of memory");
}

/* tt_read_raster's body, for a decoded page (pix, borrowed) or an encoded one (data,
 * decoded here once the workers have started, so that their engines load meanwhile). */
static ap_status read_raster_generic(PIX *pix, const unsigned char *data, size_t len,
                                     ocr_engine **engines, size_t nengines,
                                     const tt_extract_options *opts, tt_page *page,
                                     PIX **decoded_out, ap_error *err)
{
    ap_status st = AP_OK;
    PIX *decoded = NULL, *grey8 = NULL, *grey = NULL, *lines = NULL, *rgb = NULL;
    PIX *colour = NULL; /* the page's colour, normalised as grey8 was; NULL without one */
    PIX *sharp = NULL;  /* the grey sharpened for reading; NULL when not blurred */
    img_table *tables = NULL;
    size_t ntables = 0, njobs = 0, ncell_jobs = 0;
    job *jobs = NULL;
    work wk;
    memset(&wk, 0, sizeof wk);
    memset(page, 0, sizeof *page);
    page->number = 1;
    crew workers = {0};
    wk.timeout_ms = opts ? opts->timeout_ms : 0;
    wk.ocr = opts ? opts->ocr : NULL;
    wk.mode = opts ? opts->ocr_mode : TT_OCR_TESSERACT;
    wk.model = opts && opts->ocr_model ? opts->ocr_model : TT_OCR_MODEL_DEFAULT;
    wk.next = 0;
    if (pthread_mutex_init(&wk.lock, NULL) != 0)
        return ap_fail(err, AP_ERR_INTERNAL, "extract: cannot create a mutex");
    if (pthread_cond_init(&wk.posted_cond, NULL) != 0) {
        pthread_mutex_destroy(&wk.lock);
        return ap_fail(err, AP_ERR_INTERNAL, "extract: cannot create a condition variable");
    }
    if (pthread_cond_init(&wk.seen_cond, NULL) != 0) {
        pthread_cond_destroy(&wk.posted_cond);
        pthread_mutex_destroy(&wk.lock);
        return ap_fail(err, AP_ERR_INTERNAL, "extract: cannot create a condition variable");
    }
    wk.seen = calloc(MAX_SEEN, sizeof *wk.seen); /* without it, every cell is read */
    /* without it, each worker reads its doubtful jobs again itself */
    if (wk.mode == TT_OCR_AUTO) wk.deferred = calloc(MAX_JOBS, sizeof *wk.deferred);
    crew_start(&workers, &wk, engines, nengines, opts ? opts->threads : 0);

    if (!pix) {
        if ((st = img_decode(data, len, TT_EXTRACT_MAX_PIXELS, &decoded, NULL, err)) != AP_OK)
            goto out;
        pix = decoded;
    }
    float blur = 0, grain = 0;
    if ((st = normalise_page(pix, &grey8, &colour, &blur, &grain, err)) != AP_OK) goto out;
    /* a photographed page flattened first (a clone when it is not one) */
    PIX *flat = persp_correct(grey8, opts ? opts->debug_dir : NULL, NULL);
    int flattened = flat != grey8;
    pixDestroy(&grey8);
    grey8 = flat;
    float angle = 0;
    if (!grey8 || !(grey = img_deskew(grey8, &angle))) {
        st = ap_fail(err, AP_ERR_NOMEM, "extract: out of memory");
        goto out;
    }
    /* The colour, turned as the grey was, tells apart fills of one grey; a flattened
     * photo's colour is left out (its grey alone is warped). */
    if (!flattened && colour)
        rgb = grey == grey8 ? pixClone(colour)
                            : pixRotate(colour, (float)(M_PI / 180.0) * angle, L_ROTATE_AREA_MAP,
                                        L_BRING_IN_WHITE, 0, 0);
    st = img_find_tables_coloured(grey, rgb, &tables, &ntables,
                                  opts && opts->debug_dir ? &lines : NULL, err);
    if (st != AP_OK) goto out;

    if (!(jobs = calloc(MAX_JOBS, sizeof *jobs))) {
        st = ap_fail(err, AP_ERR_NOMEM, "extract: out of memory");
        goto out;
    }
    for (size_t t = 0; t < ntables; t++)
        for (size_t c = 0; c < tables[t].ncells && njobs < MAX_JOBS; c++) {
            const img_cell *cell = &tables[t].cells[c];
            jobs[njobs++] = (job){.x = cell->x, .y = cell->y, .w = cell->w, .h = cell->h};
        }
    ncell_jobs = njobs;
    njobs = free_text_jobs(grey, tables, ntables, jobs, njobs);

    /* A blurred page's cells are read from it sharpened; its structure was found on it as
     * it came, where sharpening's halos along fills and rules moved cells. */
    if (blur >= IMG_BLUR_WIDTH && !(sharp = img_sharpen(grey, blur, grain))) {
        st = ap_fail(err, AP_ERR_NOMEM, "extract: out of memory");
        goto out;
    }
    wk.grey = sharp ? sharp : grey;
    wk.jobs = jobs;
    wk.njobs = njobs;
    if ((st = crew_finish(&workers, &wk, engines, nengines, err)) != AP_OK) goto out;
    /* each line's colour: a note set in another colour than its title is told by it */
    for (size_t i = 0; rgb && i < njobs; i++)
        for (size_t k = 0; k < jobs[i].nlines; k++)
            if (jobs[i].lines[k].box.w > 0)
                jobs[i].lines[k].ink = tt_line_ink(rgb, grey, &jobs[i].lines[k].box);

    if (opts && opts->debug_dir)
        write_debug(opts->debug_dir, grey, lines, tables, ntables, jobs, ncell_jobs, njobs);
    if (opts && opts->stats) tally(opts->stats, &wk);

    /* Move the results into the page. */
    if (ntables && !(page->tables = calloc(ntables, sizeof *page->tables))) {
        st = ap_fail(err, AP_ERR_NOMEM, "extract: out of memory");
        goto out;
    }
    size_t ji = 0;
    for (size_t t = 0; t < ntables; t++) {
        const img_table *it = &tables[t];
        tt_table *tt = &page->tables[page->ntables++];
        tt->nrows = it->nrows;
        tt->ncols = it->ncols;
        tt->bbox = (tt_bbox){.page = 1, .x = it->x, .y = it->y, .w = it->w, .h = it->h};
        tt->row_pos = malloc((size_t)(it->nrows + 1) * sizeof *tt->row_pos);
        tt->col_pos = malloc((size_t)(it->ncols + 1) * sizeof *tt->col_pos);
        tt->cells = calloc(it->ncells ? it->ncells : 1, sizeof *tt->cells);
        if (!tt->row_pos || !tt->col_pos || !tt->cells) {
            st = ap_fail(err, AP_ERR_NOMEM, "extract: out of memory");
            goto out;
        }
        memcpy(tt->row_pos, it->row_y, (size_t)(it->nrows + 1) * sizeof *tt->row_pos);
        memcpy(tt->col_pos, it->col_x, (size_t)(it->ncols + 1) * sizeof *tt->col_pos);
        for (size_t c = 0; c < it->ncells && ji < ncell_jobs; c++, ji++) {
            const img_cell *ic = &it->cells[c];
            job *jb = &jobs[ji];
            tt_cell *cell = &tt->cells[tt->ncells++];
            *cell = (tt_cell){.row = ic->row,
                              .col = ic->col,
                              .nrows = ic->nrows,
                              .ncols = ic->ncols,
                              .bbox = {.page = 1, .x = ic->x, .y = ic->y, .w = ic->w, .h = ic->h},
                              .rotation = jb->rotation,
                              .lines = jb->lines,
                              .nlines = jb->nlines,
                              .confidence = jb->confidence};
            jb->lines = NULL;
            jb->nlines = 0;
        }
    }
    if ((st = free_lists(jobs + ncell_jobs, njobs - ncell_jobs, page)) != AP_OK ||
        (st = free_text_lines(jobs + ncell_jobs, njobs - ncell_jobs, page)) != AP_OK) {
        st = ap_fail(err, st, "extract: out of memory");
        goto out;
    }
    log_debug("extract: skew %.2f deg, %zu tables, %zu cells, %zu free blocks, %zu readings "
              "reused",
              angle, ntables, ncell_jobs, njobs - ncell_jobs, wk.seen_hits);
out:
    if (workers.started) {
        /* failed before the jobs were posted: release the crew with nothing to do */
        wk.njobs = 0;
        crew_finish(&workers, &wk, engines, nengines, NULL);
    }
    pthread_cond_destroy(&wk.posted_cond);
    pthread_cond_destroy(&wk.seen_cond);
    pthread_mutex_destroy(&wk.lock);
    for (size_t i = 0; i < wk.nseen; i++) {
        pixDestroy(&wk.seen[i].ink);
        ocr_result_free(&wk.seen[i].result);
    }
    free(wk.seen);
    free(wk.deferred);
    for (size_t i = 0; jobs && i < njobs; i++)
        tt_lines_free(jobs[i].lines, jobs[i].nlines);
    free(jobs);
    img_tables_free(tables, ntables);
    if (decoded_out && st == AP_OK)
        *decoded_out = decoded;
    else
        pixDestroy(&decoded);
    pixDestroy(&grey8);
    pixDestroy(&grey);
    pixDestroy(&sharp);
    pixDestroy(&rgb);
    pixDestroy(&colour);
    pixDestroy(&lines);
    if (st != AP_OK) tt_page_free(page);
    return st;
}

/* Whether the blocks run backwards: printed timetables put later days below or to the
 * right of earlier ones, and later times of a day to the right or below. A page read a
 * quarter turn the wrong way has its days, or its times, the other way round. Only blocks
 * with a box count; three days at least decide the day axis. */
static int runs_backwards(const tt_doc *doc)
{
    double sx[7] = {0}, sy[7] = {0};
    int n[7] = {0};
    for (size_t i = 0; i < doc->nblocks; i++) {
        const tt_block *b = &doc->blocks[i];
        if (b->bbox.w <= 0 || b->day < 0 || b->day > 6) continue;
        sx[b->day] += b->bbox.x + b->bbox.w / 2.0;
        sy[b->day] += b->bbox.y + b->bbox.h / 2.0;
        n[b->day]++;
    }
    int first = -1, last = -1, ndays = 0;
    for (int d = 0; d < 7; d++)
        if (n[d]) {
            if (first < 0) first = d;
            last = d;
            ndays++;
        }
    if (ndays < 3) return 0;
    double dx = sx[last] / n[last] - sx[first] / n[first];
    double dy = sy[last] / n[last] - sy[first] / n[first];
    int days_across = fabs(dx) > fabs(dy); /* days side by side: times run down */
    if ((days_across ? dx : dy) < 0) return 1;
    /* Times: each block against the day's next later block, along the other axis. */
    int forwards = 0, backwards = 0;
    for (size_t i = 0; i < doc->nblocks; i++) {
        const tt_block *a = &doc->blocks[i];
        const tt_block *next = NULL;
        for (size_t j = 0; j < doc->nblocks && a->bbox.w > 0 && a->start != TT_NO_TIME; j++) {
            const tt_block *b = &doc->blocks[j];
            if (b->day == a->day && b->bbox.w > 0 && b->start > a->start &&
                (!next || b->start < next->start))
                next = b;
        }
        if (!next) continue;
        int pa = days_across ? a->bbox.y : a->bbox.x,
            pb = days_across ? next->bbox.y : next->bbox.x;
        if (pb > pa)
            forwards++;
        else if (pb < pa)
            backwards++;
    }
    return backwards > forwards;
}

/* How well a page reads: the interpreter's blocks, their summed confidence, and whether
 * the reading is poor. A page scanned sideways or upside down reads as no timetable, as
 * a few blocks read with little confidence (text at 180 degrees is not read), or as a
 * grid whose days or times run backwards (sideways text is read, and the grid turned). */
static int page_poor(const tt_page *page, float *confidence)
{
    tt_doc doc = {0};
    ap_error e = {0};
    *confidence = 0;
    if (tt_grid_interpret(page, 1, &doc, &e) != AP_OK) return 1;
    for (size_t i = 0; i < doc.nblocks; i++)
        *confidence += doc.blocks[i].confidence;
    size_t written = 0; /* cells with text */
    for (size_t t = 0; t < page->ntables; t++)
        for (size_t c = 0; c < page->tables[t].ncells; c++)
            written += page->tables[t].cells[c].nlines > 0;
    int poor = doc.nblocks < ORIENT_MIN_BLOCKS ||
               (float)doc.nblocks < ORIENT_MIN_YIELD * (float)written ||
               *confidence < ORIENT_MIN_CONFIDENCE * (float)doc.nblocks || runs_backwards(&doc);
    tt_doc_free(&doc);
    return poor;
}

/* Whether the page's text suggests it is turned: most of it (by characters) read
 * sideways, or read with little confidence (text upside down reads as garbage). A poor
 * reading of an upright page shows neither, and is not read again. */
static int text_looks_turned(const tt_page *page)
{
    double all = 0, sideways = 0, sure = 0;
    for (size_t t = 0; t < page->ntables; t++)
        for (size_t c = 0; c < page->tables[t].ncells; c++) {
            const tt_cell *cell = &page->tables[t].cells[c];
            for (size_t l = 0; l < cell->nlines; l++) {
                double n = (double)strlen(cell->lines[l].text);
                all += n;
                if (cell->rotation) sideways += n;
                sure += n * cell->lines[l].confidence / 100.0;
            }
        }
    log_debug("extract: a poor reading: %.0f characters, %.0f%% sideways, %.0f%% sure", all,
              all ? 100 * sideways / all : 0, all ? 100 * sure / all : 0);
    return all > 0 &&
           (sideways > ORIENT_SIDEWAYS_SHARE * all || sure < ORIENT_MIN_CONFIDENCE * all);
}

/* Reads the page as it comes and, when that reading is poor and its text looks turned,
 * turned by a quarter, three quarters and a half as well; a turned reading replaces it
 * only when it is not poor (then the most confident of those: a page read upside down can
 * still give a few confident blocks). Upright pages are read once. */
static ap_status read_oriented(PIX *pix, const unsigned char *data, size_t len,
                               ocr_engine **engines, size_t nengines,
                               const tt_extract_options *opts, tt_page *page, ap_error *err)
{
    PIX *decoded = NULL;
    ap_status st =
        read_raster_generic(pix, data, len, engines, nengines, opts, page, &decoded, err);
    if (st != AP_OK) return st;
    if (!pix) pix = decoded;
    float best;
    int poor = page_poor(page, &best);
    int retry = poor && text_looks_turned(page);
    static const int quarters[3] = {1, 3, 2};
    int turned_by = 0;
    for (int i = 0; i < 3 && pix && retry; i++) {
        PIX *turned = pixRotateOrth(pix, quarters[i]);
        tt_page alt;
        ap_error e = {0};
        /* Each turn's debug images go to a folder of their own (DIR/turned-90, ...), so
         * that DIR keeps the upright reading's. */
        tt_extract_options o = opts ? *opts : (tt_extract_options){0};
        char sub[1024];
        if (opts && opts->debug_dir) {
            snprintf(sub, sizeof sub, "%s/turned-%d", opts->debug_dir, 90 * quarters[i]);
            ap_error me = {0};
            o.debug_dir = files_mkdir_p(sub, &me) == AP_OK ? sub : NULL;
        }
        if (turned && read_raster_generic(turned, NULL, 0, engines, nengines, opts ? &o : NULL,
                                          &alt, NULL, &e) == AP_OK) {
            float conf;
            int alt_poor = page_poor(&alt, &conf);
            /* a poor turned reading is no evidence that the page is turned: an upright
             * page that reads poorly (a hand-drawn face, a blurred scan) can read as
             * more, equally poor, blocks turned */
            if (!alt_poor && (poor || conf > best)) {
                turned_by = 90 * quarters[i];
                tt_page_free(page);
                *page = alt;
                best = conf;
                poor = alt_poor;
            } else {
                tt_page_free(&alt);
            }
        }
        pixDestroy(&turned);
    }
    if (turned_by) log_info("extract: the page was read turned %d degrees clockwise", turned_by);
    pixDestroy(&decoded);
    return AP_OK;
}

ap_status tt_read_raster(PIX *pix, ocr_engine **engines, size_t nengines,
                         const tt_extract_options *opts, tt_page *page, ap_error *err)
{
    return read_oriented(pix, NULL, 0, engines, nengines, opts, page, err);
}

ap_status tt_read_raster_encoded(const unsigned char *data, size_t len, ocr_engine **engines,
                                 size_t nengines, const tt_extract_options *opts, tt_page *page,
                                 ap_error *err)
{
    return read_oriented(NULL, data, len, engines, nengines, opts, page, err);
}

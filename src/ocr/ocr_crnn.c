/* ocr_crnn: the "fine_tuned_ocr" engine, aipipe's own CRNN-CTC line recogniser (src/nn).
 *
 * ocr_options.datapath is the model: a directory holding model.safetensors (what `aipipe
 * train` writes) or the .safetensors file itself. A line or word image is read as one
 * line; a block or page is first cut into text lines by its horizontal ink profile (cells
 * hold one to three lines), each read separately. Decoding: greedy, or, when the model's
 * directory holds lm.safetensors (`aipipe train lm`, src/nn/charlm.h), a beam search with
 * that character prior at the width and weight the file names; each line's
 * characters are cut into words at spaces, boxed where the model emitted them, with the
 * probability of the word's least sure character as its confidence (the result's is the
 * mean over words). The same prior scores any text for a caller (ocr_text_prior), which
 * the extractor uses to choose between two readers' readings of a cell.
 * One handle owns one model arena (batch 1): handles are not shared between threads. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "nn/charlm.h"
#include "nn/crnn.h"
#include "nn/nn.h"
#include "ocr/ocr.h"

#define CRNN_MAX_WIDTH 1024
#define CRNN_MAX_CHARS 256

typedef struct crnn_engine {
    nn_crnn *model;
    nn_charset cs;
    float *input; /* height x CRNN_MAX_WIDTH */
    nn_lm *lm;    /* the character prior beside the model, or NULL: greedy decoding */
    int beam;
    float weight;
} crnn_engine;

static void crnn_close(void *impl)
{
    crnn_engine *e = impl;
    if (!e) return;
    nn_crnn_free(e->model);
    nn_charset_free(&e->cs);
    nn_lm_free(e->lm);
    free(e->input);
    free(e);
}

/* Loads MODEL_DIR/lm.safetensors (the directory of a .safetensors path) when it exists,
 * counted over the model's charset, with the beam width and weight it names. */
static ap_status open_prior(crnn_engine *e, const char *datapath, const char *charset,
                            ap_error *err)
{
    char path[4096];
    struct stat sb;
    if (stat(datapath, &sb) == 0 && S_ISDIR(sb.st_mode)) {
        snprintf(path, sizeof path, "%s/lm.safetensors", datapath);
    } else {
        const char *slash = strrchr(datapath, '/');
        int dl = slash ? (int)(slash - datapath) : 1;
        snprintf(path, sizeof path, "%.*s/lm.safetensors", dl, slash ? datapath : ".");
    }
    if (access(path, F_OK) != 0) return AP_OK;
    ap_status st = nn_lm_load(path, charset, &e->lm, err);
    if (st != AP_OK) return st;
    const char *w = nn_lm_meta(e->lm, "weight"), *b = nn_lm_meta(e->lm, "beam");
    e->weight = w ? strtof(w, NULL) : 0.4f;
    e->beam = b ? atoi(b) : 8;
    if (!(e->weight >= 0 && e->weight <= 100) || e->beam < 1 || e->beam > 256)
        return ap_fail(err, AP_ERR_INVALID, "%s: weight or beam out of range", path);
    return AP_OK;
}

static ap_status crnn_open(const ocr_options *opts, void **impl, char *version, size_t vsize,
                           ap_error *err)
{
    *impl = NULL;
    if (!opts->datapath || !*opts->datapath)
        return ap_fail(err, AP_ERR_MODEL_NOT_FOUND,
                       "fine_tuned_ocr needs a model directory (datapath)");
    crnn_engine *e = calloc(1, sizeof *e);
    if (!e) return ap_fail(err, AP_ERR_NOMEM, "out of memory");
    char *charset = NULL;
    ap_status st = nn_crnn_load(opts->datapath, 1, CRNN_MAX_WIDTH, &e->model, &charset, err);
    if (st == AP_OK) st = nn_charset_parse(&e->cs, charset, err);
    if (st == AP_OK) st = open_prior(e, opts->datapath, charset, err);
    free(charset);
    if (st == AP_OK) {
        e->input = malloc(sizeof(float) * (size_t)nn_crnn_cfg(e->model)->height * CRNN_MAX_WIDTH);
        if (!e->input) st = ap_fail(err, AP_ERR_NOMEM, "out of memory");
    }
    if (st != AP_OK) {
        if (st == AP_ERR_INVALID)
            st = ap_fail(err, AP_ERR_MODEL_NOT_FOUND, "%s", err ? err->msg : "bad model");
        crnn_close(e);
        return st;
    }
    nn_set_threads(1); /* one cell is far too small to split across cores */
    /* the head is named when it is not the original conv one */
    nn_crnn_head head = nn_crnn_cfg(e->model)->head;
    snprintf(version, vsize, "crnn-ctc-v1-%s%s%zup%s",
             head == NN_HEAD_CONV ? "" : nn_crnn_head_name(head), head == NN_HEAD_CONV ? "" : "-",
             nn_crnn_nparams(e->model), e->lm ? "-lm" : "");
    *impl = e;
    return AP_OK;
}

/* How ink is told from paper in a grey image: *mid halfway between its darkest and
 * lightest grey, *dark when the ink is the dark side (ink is the minority, so a light
 * page's mean lies nearer the bright end). Returns 0 for an image without contrast. */
static int ink_level(PIX *grey, int *mid, int *dark)
{
    int w = pixGetWidth(grey), h = pixGetHeight(grey), wpl = pixGetWpl(grey), lo = 255, hi = 0;
    l_uint32 *data = pixGetData(grey);
    long sum = 0;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            int v = GET_DATA_BYTE(data + y * wpl, x);
            lo = v < lo ? v : lo, hi = v > hi ? v : hi, sum += v;
        }
    if (hi - lo < 40) return 0;
    *mid = (lo + hi) / 2;
    *dark = sum / ((long)w * h) >= *mid;
    return 1;
}

/* The bounding box of the ink inside [x0, x1) x [y0, y1) of grey, written back into the
 * bounds. Returns 0 (bounds untouched) when there is none. */
static int ink_extent(PIX *grey, int mid, int dark, int *x0, int *y0, int *x1, int *y1)
{
    l_uint32 *data = pixGetData(grey);
    int wpl = pixGetWpl(grey), ex0 = *x1, ey0 = *y1, ex1 = *x0, ey1 = *y0;
    for (int y = *y0; y < *y1; y++)
        for (int x = *x0; x < *x1; x++) {
            int v = GET_DATA_BYTE(data + y * wpl, x);
            if (dark ? v < mid : v > mid) {
                if (x < ex0) ex0 = x;
                if (x + 1 > ex1) ex1 = x + 1;
                if (y < ey0) ey0 = y;
                if (y + 1 > ey1) ey1 = y + 1;
            }
        }
    if (ex1 <= ex0 || ey1 <= ey0) return 0;
    *x0 = ex0, *y0 = ey0, *x1 = ex1, *y1 = ey1;
    return 1;
}

/* Drops an underline (or a rule) from the bottom of the ink box [x0, x1) x [y0, *y1) of
 * grey: rows inked across nearly all of the box's width are no glyph's, and a word's box
 * that took them in would look a size larger than its letters (an underlined note read
 * as a title). Leaves at least half the box. */
static void drop_underline(PIX *grey, int mid, int dark, int x0, int y0, int x1, int *y1)
{
    l_uint32 *data = pixGetData(grey);
    int wpl = pixGetWpl(grey), w = x1 - x0, bottom = *y1;
    if (w < 8) return;
    while (bottom - y0 > (*y1 - y0) / 2) {
        const l_uint32 *row = data + (bottom - 1) * wpl;
        int ink = 0;
        for (int x = x0; x < x1; x++) {
            int v = GET_DATA_BYTE(row, x);
            ink += dark ? v < mid : v > mid;
        }
        if (ink * 10 < w * 9) break;
        bottom--;
    }
    if (bottom == *y1) return;
    int ex0 = x0, ey0 = y0, ex1 = x1, ey1 = bottom;
    /* the glyphs above it, down to where the rule began */
    *y1 = ink_extent(grey, mid, dark, &ex0, &ey0, &ex1, &ey1) ? ey1 : bottom;
}

/* A line to read: box, a part of the engine's grey image, and the paper margins to add
 * around it where the image ends before the margin the model expects; [ink_top,
 * ink_bottom) are the rows of its own ink, without the margin, which may reach into the
 * next line where two lines' ink touches. */
typedef struct line_crop {
    BOX *box;
    int left, top, right, bottom;
    int ink_top, ink_bottom;
} line_crop;

/* The line to read for the ink rows [y0, y1) of grey: the ink's own extent with margins
 * like the training crops' (pango's line box, a few pixels and up to 0.3 of its height). A line
 * centred in a wide cell would otherwise leave a margin the model never saw, where it reads phantom
 * marks ("18:35" for "8:35"); ink cut close by its cell or crop gets the missing margin as
 * paper (with its first letter at the image's edge the model dropped it: "pecialty"). Returns
 * 0 when the rows hold no ink. */
static int line_box(PIX *grey, int mid, int dark, int y0, int y1, line_crop *out)
{
    int w = pixGetWidth(grey), h = pixGetHeight(grey), x0 = 0, x1 = w;
    if (!ink_extent(grey, mid, dark, &x0, &y0, &x1, &y1)) return 0;
    int pad = (y1 - y0) / 4 + 2; /* the ink about two thirds of the height, as in training */
    out->ink_top = y0, out->ink_bottom = y1;
    out->top = y0 - pad < 0 ? pad - y0 : 0;
    out->bottom = y1 + pad > h ? y1 + pad - h : 0;
    out->left = x0 - pad < 0 ? pad - x0 : 0;
    out->right = x1 + pad > w ? x1 + pad - w : 0;
    y0 = y0 - pad > 0 ? y0 - pad : 0;
    y1 = y1 + pad < h ? y1 + pad : h;
    x0 = x0 - pad > 0 ? x0 - pad : 0;
    x1 = x1 + pad < w ? x1 + pad : w;
    out->box = boxCreate(x0, y0, x1 - x0, y1 - y0);
    return out->box != NULL;
}

/* Reads one line (box of the engine's grey image) and appends its words to out: runs of
 * characters between spaces, each as sure as its least sure character (the way a
 * Tesseract word's confidence follows its worst character) and boxed around its ink,
 * found where the model emitted its characters (a frame is 4 input columns and lies
 * within its glyph, so the search reaches half a glyph either side). The line's text is
 * appended to out->text. */
static ap_status read_line(crnn_engine *e, PIX *grey, int mid, int dark, const line_crop *lc,
                           ocr_result *out, size_t *cap, ap_error *err)
{
    const nn_crnn_config *c = nn_crnn_cfg(e->model);
    int bx, by, bw, bh, width;
    boxGetGeometry(lc->box, &bx, &by, &bw, &bh);
    PIX *sub = pixClipRectangle(grey, lc->box, NULL);
    if (!sub) return ap_fail(err, AP_ERR_PROCESSING, "crop failed");
    if (lc->left || lc->top || lc->right || lc->bottom) {
        /* the paper's grey is the far side of the ink's from mid */
        l_int32 lo = 0, hi = 255;
        pixGetExtremeValue(sub, 1, L_SELECT_MIN, NULL, NULL, NULL, &lo);
        pixGetExtremeValue(sub, 1, L_SELECT_MAX, NULL, NULL, NULL, &hi);
        PIX *padded = pixAddBorderGeneral(sub, lc->left, lc->right, lc->top, lc->bottom,
                                          (l_uint32)(dark ? hi : lo));
        pixDestroy(&sub);
        if (!padded) return ap_fail(err, AP_ERR_NOMEM, "out of memory");
        sub = padded;
        /* from here the line's box is the padded one, reaching outside grey */
        bx -= lc->left, by -= lc->top;
        bw += lc->left + lc->right, bh += lc->top + lc->bottom;
    }
    ap_status st = nn_image_from_pix(e->input, &width, sub, c->height, CRNN_MAX_WIDTH, err);
    pixDestroy(&sub);
    if (st != AP_OK) return st;
    /* the columns nn_image_from_pix filled before padding: bw scaled to the model's height */
    double used = (double)bw * c->height / bh;
    if (used < 4) used = 4;
    if (used > CRNN_MAX_WIDTH) used = CRNN_MAX_WIDTH;
    double to_line = (double)bw / used;    /* input column -> pixel of the line */
    int frames_used = ((int)used + 3) / 4; /* the bigru head reads only the line's frames */
    if (frames_used > width / 4) frames_used = width / 4;
    if (frames_used < 1) frames_used = 1;
    const float *logits = nn_crnn_forward(e->model, e->input, 1, width, &frames_used, 0, 0);
    int cls[CRNN_MAX_CHARS], frames[CRNN_MAX_CHARS], n;
    float probs[CRNN_MAX_CHARS];
    if (e->lm) {
        float conf;
        st = nn_lm_beam_decode(cls, probs, frames, &n, &conf, logits, frames_used, c->nclasses,
                               CRNN_MAX_CHARS, e->beam, e->lm, e->weight);
        if (st != AP_OK) return ap_fail(err, st, "out of memory");
    } else {
        nn_greedy_decode_frames(cls, probs, frames, &n, logits, frames_used, c->nclasses,
                                CRNN_MAX_CHARS);
    }
    int half = c->height / 4, line_started = 0; /* half a glyph, in input columns */
    char chars[CRNN_MAX_CHARS][8];
    for (int i = 0; i < n; i++)
        nn_charset_decode(&e->cs, &cls[i], 1, chars[i], sizeof chars[i]);
    for (int i = 0; i < n;) {
        if (chars[i][0] == ' ') {
            i++;
            continue;
        }
        int j = i;
        float least = 1.0f;
        char word[4 * CRNN_MAX_CHARS + 1];
        size_t wl = 0;
        for (; j < n && chars[j][0] != ' '; j++) {
            if (probs[j] < least) least = probs[j];
            size_t cl = strlen(chars[j]);
            if (wl + cl < sizeof word) memcpy(word + wl, chars[j], cl), wl += cl;
        }
        word[wl] = '\0';
        double f0 = 4.0 * frames[i] - half, f1 = 4.0 * frames[j - 1] + 4 + half;
        int x0 = bx + (int)((f0 < 0 ? 0 : f0) * to_line);
        int x1 = bx + (int)((f1 > used ? used : f1) * to_line) + 1;
        /* a word's box holds its own line's ink, not the next line's in the margin */
        int y0 = lc->ink_top, y1 = lc->ink_bottom;
        if (x1 > bx + bw) x1 = bx + bw;
        /* the word's box lies in grey even where the line was padded */
        int gw = pixGetWidth(grey), gh = pixGetHeight(grey);
        x0 = x0 < 0 ? 0 : x0 >= gw ? gw - 1 : x0;
        x1 = x1 > gw ? gw : x1;
        y0 = y0 < 0 ? 0 : y0;
        y1 = y1 > gh ? gh : y1;
        if (x1 <= x0) x1 = x0 + 1;
        if (ink_extent(grey, mid, dark, &x0, &y0, &x1, &y1))
            drop_underline(grey, mid, dark, x0, y0, x1, &y1);
        if (out->nwords == *cap) {
            size_t ncap = *cap ? *cap * 2 : 8;
            ocr_word *grown = realloc(out->words, ncap * sizeof *grown);
            if (!grown) return ap_fail(err, AP_ERR_NOMEM, "out of memory");
            out->words = grown;
            *cap = ncap;
        }
        size_t tl = out->text ? strlen(out->text) : 0;
        char *text = malloc(wl + 1), *all = realloc(out->text, tl + wl + 2);
        if (all) out->text = all;
        if (!text || !all) {
            free(text);
            return ap_fail(err, AP_ERR_NOMEM, "out of memory");
        }
        memcpy(text, word, wl + 1);
        /* the line's first word follows a newline, unless it opens the text */
        if (tl) all[tl++] = line_started ? ' ' : '\n';
        line_started = 1;
        memcpy(all + tl, word, wl + 1);
        ocr_word *w = &out->words[out->nwords++];
        *w = (ocr_word){.text = text,
                        .confidence = 100.0f * least,
                        .left = x0,
                        .top = y0,
                        .width = x1 - x0,
                        .height = y1 - y0};
        i = j;
    }
    return AP_OK;
}

/* Where the rows [y0, y1) of a block hold two lines whose ink touches (a descender on the
 * next line's parenthesis): the emptiest row with a line's core on either side, the core
 * being a row at least five times as inked; each side keeps a quarter of the rows, so the
 * sparse rows above and below one line's x-height band are never a cut. Returns -1 when
 * the rows are one line. */
static int touching_lines_cut(const int *ink, int y0, int y1)
{
    int side = (y1 - y0) / 4, best = -1;
    if (y1 - y0 < 12) return -1;
    for (int y = y0 + side; y < y1 - side; y++)
        if (best < 0 || ink[y] < ink[best]) best = y;
    if (best < 0) return -1;
    int above = 0, below = 0;
    for (int y = y0; y < best; y++)
        above = ink[y] > above ? ink[y] : above;
    for (int y = best + 1; y < y1; y++)
        below = ink[y] > below ? ink[y] : below;
    return ink[best] * 5 <= above && ink[best] * 5 <= below ? best : -1;
}

/* Adds the line boxes of the ink rows [y0, y1), cut where lines touch. */
static int add_lines(PIX *grey, int mid, int dark, const int *ink, int y0, int y1, line_crop *lines,
                     int n, int max)
{
    int cut = touching_lines_cut(ink, y0, y1);
    if (cut >= 0) {
        n = add_lines(grey, mid, dark, ink, y0, cut, lines, n, max);
        return add_lines(grey, mid, dark, ink, cut + 1, y1, lines, n, max);
    }
    if (y1 - y0 >= 4 && n < max && line_box(grey, mid, dark, y0, y1, &lines[n])) n++;
    return n;
}

/* Cuts a block into line boxes by rows holding ink; returns the count (at most max). */
static int find_lines(PIX *grey, int mid, int dark, line_crop *lines, int max)
{
    int w = pixGetWidth(grey), h = pixGetHeight(grey), wpl = pixGetWpl(grey);
    l_uint32 *data = pixGetData(grey);
    int *ink = calloc((size_t)h + 1, sizeof *ink);
    if (!ink) return 0;
    int n = 0, start = -1, gap = 0, min_gap = h / 40 + 1;
    for (int y = 0; y <= h; y++) {
        for (int x = 0; y < h && x < w; x++) {
            int v = GET_DATA_BYTE(data + y * wpl, x);
            ink[y] += dark ? v < mid : v > mid;
        }
        int row_has =
            y < h && ink[y] > 0 && ink[y] < w * 9 / 10; /* a full-width rule is not text */
        if (!row_has) ink[y] = 0;
        if (row_has) {
            if (start < 0) start = y;
            gap = 0;
        } else if (start >= 0 && (++gap > min_gap || y == h)) {
            n = add_lines(grey, mid, dark, ink, start, y - gap + 1, lines, n, max);
            start = -1;
            gap = 0;
        }
    }
    free(ink);
    return n;
}

static ap_status crnn_recognize(void *impl, PIX *pix, const ocr_params *params, ocr_result *out,
                                ap_error *err)
{
    crnn_engine *e = impl;
    line_crop lines[16];
    int n = 0, mid = 128, dark = 1;
    ap_status st = AP_OK;
    PIX *grey = pixConvertTo8(pix, 0);
    if (!grey) return ap_fail(err, AP_ERR_PROCESSING, "image conversion failed");
    if (!ink_level(grey, &mid, &dark))
        n = 0; /* blank */
    else if (params && (params->layout == OCR_LAYOUT_BLOCK || params->layout == OCR_LAYOUT_PAGE))
        n = find_lines(grey, mid, dark, lines, 16);
    else if (line_box(grey, mid, dark, 0, pixGetHeight(grey), &lines[0]))
        n = 1;
    size_t cap = 0;
    for (int i = 0; i < n && st == AP_OK; i++)
        st = read_line(e, grey, mid, dark, &lines[i], out, &cap, err);
    if (st == AP_OK && !out->text && !(out->text = calloc(1, 1)))
        st = ap_fail(err, AP_ERR_NOMEM, "out of memory");
    for (int i = 0; i < n; i++)
        boxDestroy(&lines[i].box);
    pixDestroy(&grey);
    float confsum = 0;
    for (size_t i = 0; i < out->nwords; i++)
        confsum += out->words[i].confidence;
    out->confidence = out->nwords ? confsum / (float)out->nwords : 0.0f;
    return st;
}

/* ocr_text_prior for the CRNN: its character prior over text, one code point at a time. */
static int crnn_text_prior(const void *impl, const char *text, double *mean)
{
    const crnn_engine *e = impl;
    if (!e->lm || !text) return 0;
    int order = nn_lm_order(e->lm), ctx[NN_LM_MAX_ORDER], nctx = 0;
    double sum = 0, unknown = -log((double)(nn_lm_nclasses(e->lm) - 1));
    long n = 0;
    for (const unsigned char *p = (const unsigned char *)text; *p;) {
        /* the code point's length from its lead byte; a stray byte is one unknown */
        int len = *p < 0x80 ? 1 : (*p & 0xE0) == 0xC0 ? 2 : (*p & 0xF0) == 0xE0 ? 3 : 4;
        char cp[5] = {0};
        int k = 0;
        for (; k < len && p[k]; k++)
            cp[k] = (char)p[k];
        p += k;
        if (cp[0] == '\n') {
            nctx = 0;
            continue;
        }
        int cls = -1;
        if (nn_charset_encode(&e->cs, cp, &cls, 1) != 1 || cls < 1) {
            sum += unknown, n++, nctx = 0;
            continue;
        }
        sum += nn_lm_logprob(e->lm, ctx, nctx, cls);
        n++;
        if (nctx == order - 1 && nctx > 0) {
            memmove(ctx, ctx + 1, sizeof(int) * (size_t)(nctx - 1));
            nctx--;
        }
        if (order > 1) ctx[nctx++] = cls;
    }
    if (!n) return 0;
    *mean = sum / (double)n;
    return 1;
}

const ocr_engine_ops ocr_crnn_ops = {
    .name = "fine_tuned_ocr",
    .open = crnn_open,
    .recognize = crnn_recognize,
    .close = crnn_close,
    .text_prior = crnn_text_prior,
};

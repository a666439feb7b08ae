/* ocr_crnn: the "fine_tuned_ocr" engine, aipipe's own CRNN-CTC line recogniser (src/nn).
 *
 * ocr_options.datapath is the model: a directory holding model.safetensors (what `aipipe
 * train` writes) or the .safetensors file itself. A line or word image is read as one
 * line; a block or page is first cut into text lines by its horizontal ink profile (cells
 * hold one to three lines), each read separately and returned as one "word" with its box.
 * Greedy CTC decoding; the confidence is the mean probability of the emitted characters.
 * One handle owns one model arena (batch 1): handles are not shared between threads. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nn/crnn.h"
#include "nn/nn.h"
#include "ocr/ocr.h"

#define CRNN_MAX_WIDTH 1024
#define CRNN_MAX_CHARS 256

typedef struct crnn_engine {
    nn_crnn *model;
    nn_charset cs;
    float *input; /* height x CRNN_MAX_WIDTH */
} crnn_engine;

static void crnn_close(void *impl)
{
    crnn_engine *e = impl;
    if (!e) return;
    nn_crnn_free(e->model);
    nn_charset_free(&e->cs);
    free(e->input);
    free(e);
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
    snprintf(version, vsize, "crnn-ctc-v1-%s%s%zup",
             head == NN_HEAD_CONV ? "" : nn_crnn_head_name(head), head == NN_HEAD_CONV ? "" : "-",
             nn_crnn_nparams(e->model));
    *impl = e;
    return AP_OK;
}

/* Reads one line image: text (caller frees) and confidence 0..100. */
static ap_status read_line(crnn_engine *e, PIX *pix, char **text, float *conf, ap_error *err)
{
    int width;
    const nn_crnn_config *c = nn_crnn_cfg(e->model);
    ap_status st = nn_image_from_pix(e->input, &width, pix, c->height, CRNN_MAX_WIDTH, err);
    if (st != AP_OK) return st;
    const float *logits = nn_crnn_forward(e->model, e->input, 1, width, NULL, 0, 0);
    int cls[CRNN_MAX_CHARS], n;
    float p;
    nn_greedy_decode(cls, &n, &p, logits, width / 4, c->nclasses, CRNN_MAX_CHARS);
    char *s = malloc(4 * CRNN_MAX_CHARS + 1);
    if (!s) return ap_fail(err, AP_ERR_NOMEM, "out of memory");
    nn_charset_decode(&e->cs, cls, n, s, 4 * CRNN_MAX_CHARS + 1);
    *text = s;
    *conf = 100.0f * p;
    return AP_OK;
}

/* Cuts a block into line boxes by rows holding ink; returns the count (at most max). */
static int find_lines(PIX *grey, BOX **boxes, int max)
{
    int w = pixGetWidth(grey), h = pixGetHeight(grey), wpl = pixGetWpl(grey), lo = 255, hi = 0;
    l_uint32 *data = pixGetData(grey);
    long sum = 0;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            int v = GET_DATA_BYTE(data + y * wpl, x);
            lo = v < lo ? v : lo, hi = v > hi ? v : hi, sum += v;
        }
    if (hi - lo < 40) return 0; /* blank */
    int mid = (lo + hi) / 2, dark_ink = sum / ((long)w * h) >= mid, n = 0, start = -1, gap = 0;
    int min_gap = h / 40 + 1;
    for (int y = 0; y <= h; y++) {
        int ink = 0;
        for (int x = 0; y < h && x < w; x++) {
            int v = GET_DATA_BYTE(data + y * wpl, x);
            ink += dark_ink ? v < mid : v > mid;
        }
        int row_has = y < h && ink > 0 && ink < w * 9 / 10; /* a full-width rule is not text */
        if (row_has) {
            if (start < 0) start = y;
            gap = 0;
        } else if (start >= 0 && (++gap > min_gap || y == h)) {
            int end = y - gap + 1;
            if (end - start >= 4 && n < max) {
                int pad = (end - start) / 6 + 1, y0 = start - pad > 0 ? start - pad : 0;
                int y1 = end + pad < h ? end + pad : h;
                boxes[n++] = boxCreate(0, y0, w, y1 - y0);
            }
            start = -1;
            gap = 0;
        }
    }
    return n;
}

static ap_status crnn_recognize(void *impl, PIX *pix, const ocr_params *params, ocr_result *out,
                                ap_error *err)
{
    crnn_engine *e = impl;
    BOX *boxes[16];
    int n = 0;
    ap_status st = AP_OK;
    PIX *grey = pixConvertTo8(pix, 0);
    if (!grey) return ap_fail(err, AP_ERR_PROCESSING, "image conversion failed");
    if (params && (params->layout == OCR_LAYOUT_BLOCK || params->layout == OCR_LAYOUT_PAGE))
        n = find_lines(grey, boxes, 16);
    else
        boxes[n++] = boxCreate(0, 0, pixGetWidth(grey), pixGetHeight(grey));
    out->words = calloc((size_t)(n ? n : 1), sizeof *out->words);
    size_t cap = 1, len = 0;
    out->text = calloc(1, 1);
    if (!out->words || !out->text) st = ap_fail(err, AP_ERR_NOMEM, "out of memory");
    float confsum = 0;
    for (int i = 0; i < n && st == AP_OK; i++) {
        PIX *sub = pixClipRectangle(grey, boxes[i], NULL);
        char *text = NULL;
        float conf = 0;
        st = sub ? read_line(e, sub, &text, &conf, err)
                 : ap_fail(err, AP_ERR_PROCESSING, "crop failed");
        pixDestroy(&sub);
        if (st != AP_OK) break;
        if (!*text) {
            free(text);
            continue;
        }
        size_t tl = strlen(text);
        char *grown = realloc(out->text, cap + tl + 1);
        if (!grown) {
            free(text);
            st = ap_fail(err, AP_ERR_NOMEM, "out of memory");
            break;
        }
        out->text = grown;
        cap += tl + 1;
        if (len) out->text[len++] = '\n';
        memcpy(out->text + len, text, tl + 1);
        len += tl;
        ocr_word *w = &out->words[out->nwords++];
        w->text = text;
        w->confidence = conf;
        boxGetGeometry(boxes[i], &w->left, &w->top, &w->width, &w->height);
        confsum += conf;
    }
    for (int i = 0; i < n; i++)
        boxDestroy(&boxes[i]);
    pixDestroy(&grey);
    out->confidence = out->nwords ? confsum / (float)out->nwords : 0.0f;
    return st;
}

const ocr_engine_ops ocr_crnn_ops = {
    .name = "fine_tuned_ocr",
    .open = crnn_open,
    .recognize = crnn_recognize,
    .close = crnn_close,
};

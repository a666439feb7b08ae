/* train: the training loop of `aipipe train ocr|lora|distill` (see train.h).
 *
 * One loop serves the three jobs; they differ in what is trained and in the loss:
 *   ocr      all parameters of a fresh model, or of a trained one (--base: a full
 *            fine-tune, which keeps the base's shape and charset); loss CTC.
 *   lora     only the adapters (A, B) of the target matrices; before each step the adapters
 *            are merged into the model's weights (W = W0 + alpha/r B A) and after backward
 *            their gradients are read off the weights' (nn_lora_backward); loss CTC.
 *   distill  all parameters of a smaller student; the frozen teacher runs forward on the
 *            same batch; loss (1-w) CTC + w T^2 KL(softmax(z_t/T) || softmax(z_s/T)) per
 *            frame (Hinton et al. 2015: T^2 keeps the soft term's gradients on the scale of
 *            the hard one's when T changes).
 * The trained vector (all parameters, or the adapters) is one block, with AdamW's two
 * moments beside it; a checkpoint is that vector, the moments and the step, in one
 * safetensors file written atomically. */
#include "train/train.h"

#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/log.h"
#include "core/upload.h"
#include "nn/charlm.h"
#include "nn/nn.h"
#include "nn/safetensors.h"
#include "vision/image.h"

#define MAX_LABEL     128
#define MAX_LINES     2000000
#define MAX_MANIFEST  ((size_t)1 << 30)
#define MAX_IMAGE_PIX 20000000

/* ---- data ---- */

typedef struct line {
    uint8_t *pix; /* height x width, ink 255 */
    int width;
    int label[MAX_LABEL], len;
} line;

typedef struct dataset {
    line *v;
    size_t n;
    size_t skipped; /* unreadable images or characters outside the charset */
    uint64_t hash;  /* FNV-1a 64 of the manifest bytes */
} dataset;

static void dataset_free(dataset *d)
{
    for (size_t i = 0; i < d->n; i++)
        free(d->v[i].pix);
    free(d->v);
    memset(d, 0, sizeof *d);
}

/* DIR or DIR/lines: the directory holding train.jsonl. */
static void data_dir(char *out, size_t size, const char *dir)
{
    char p[4096];
    snprintf(p, sizeof p, "%s/lines/train.jsonl", dir);
    if (access(p, R_OK) == 0)
        snprintf(out, size, "%s/lines", dir);
    else
        snprintf(out, size, "%s", dir);
}

/* Reads charset.txt (one character per line; a line holding one space is the space) and
 * returns it as one UTF-8 string (caller frees). */
static ap_status read_charset(const char *dir, char **out, ap_error *err)
{
    char p[4096];
    snprintf(p, sizeof p, "%s/charset.txt", dir);
    unsigned char *data;
    size_t len;
    ap_status st = upload_read_file(p, 1 << 20, &data, &len, err);
    if (st != AP_OK) return st;
    char *cs = malloc(len + 1);
    if (!cs) {
        free(data);
        return ap_fail(err, AP_ERR_NOMEM, "out of memory");
    }
    size_t o = 0;
    for (size_t i = 0; i < len;) {
        size_t e = i;
        while (e < len && data[e] != '\n')
            e++;
        size_t l = e - i;
        if (l && data[i + l - 1] == '\r') l--;
        memcpy(cs + o, data + i, l);
        o += l;
        i = e + 1;
    }
    cs[o] = '\0';
    free(data);
    *out = cs;
    return AP_OK;
}

static ap_status load_image(const char *path, int rotation, int height, int max_width, float *buf,
                            int *width, ap_error *err)
{
    unsigned char *data;
    size_t len;
    PIX *pix = NULL;
    img_info info;
    ap_status st = upload_read_file(path, 64u << 20, &data, &len, err);
    if (st != AP_OK) return st;
    st = img_decode(data, len, MAX_IMAGE_PIX, &pix, &info, err);
    free(data);
    if (st != AP_OK) return st;
    if (rotation == 90 || rotation == 270) { /* turn upright: 90 reads upwards */
        PIX *r = pixRotateOrth(pix, rotation == 90 ? 1 : 3);
        pixDestroy(&pix);
        if (!r) return ap_fail(err, AP_ERR_NOMEM, "rotation failed");
        pix = r;
    }
    st = nn_image_from_pix(buf, width, pix, height, max_width, err);
    pixDestroy(&pix);
    return st;
}

/* Labels of text for scoring only: a character outside the model's charset becomes class
 * cs->n + 1, which the model never emits, so it counts as an error instead of dropping the
 * line (a narrow-charset model would otherwise be scored on the lines it can spell only).
 * Returns the length, or -1 for malformed UTF-8 or more than cap characters. */
static int encode_scored(const nn_charset *cs, const char *text, int *labels, int cap)
{
    const unsigned char *s = (const unsigned char *)text;
    int n = 0;
    while (*s) {
        int k = *s < 0x80 ? 1 : (*s & 0xe0) == 0xc0 ? 2 : (*s & 0xf0) == 0xe0 ? 3 : 4;
        char one[5] = {0};
        for (int i = 0; i < k; i++) {
            if (!s[i] || (i && (s[i] & 0xc0) != 0x80)) return -1;
            one[i] = (char)s[i];
        }
        if (n >= cap) return -1;
        int cls;
        labels[n++] = nn_charset_encode(cs, one, &cls, 1) == 1 ? cls : cs->n + 1;
        s += k;
    }
    return n;
}

/* Loads manifest dir/name (at most limit lines; 0: all) at the model's height. scored: the
 * labels are for scoring only (encode_scored), so no line is skipped for its characters. */
static ap_status dataset_load(dataset *d, const char *dir, const char *name, const nn_charset *cs,
                              int height, int max_width, size_t limit, bool scored, ap_error *err)
{
    memset(d, 0, sizeof *d);
    char p[4096];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    unsigned char *data;
    size_t len;
    ap_status st = upload_read_file(p, MAX_MANIFEST, &data, &len, err);
    if (st != AP_OK) return st;
    d->hash = 1469598103934665603ull;
    for (size_t i = 0; i < len; i++)
        d->hash = (d->hash ^ data[i]) * 1099511628211ull;
    size_t cap = 0;
    float *buf = malloc(sizeof(float) * (size_t)height * (size_t)max_width);
    if (!buf) {
        free(data);
        return ap_fail(err, AP_ERR_NOMEM, "out of memory");
    }
    for (size_t i = 0; i < len && st == AP_OK;) {
        size_t e = i;
        while (e < len && data[e] != '\n')
            e++;
        json_error_t jerr;
        json_t *o = e > i ? json_loadb((const char *)data + i, e - i, 0, &jerr) : NULL;
        i = e + 1;
        if (!o) continue;
        const char *img = json_string_value(json_object_get(o, "image"));
        const char *text = json_string_value(json_object_get(o, "text"));
        int rot = (int)json_integer_value(json_object_get(o, "rotation"));
        line ln = {0};
        ap_error e2;
        char ip[4096];
        if (!img || !text) {
            d->skipped++;
            json_decref(o);
            continue;
        }
        /* relative to the manifest's directory, or to its parent (datagen writes
         * "lines/doc_0001_000.png" relative to DIR) */
        if (img[0] == '/')
            snprintf(ip, sizeof ip, "%s", img);
        else if (snprintf(ip, sizeof ip, "%s/%s", dir, img) > 0 && access(ip, R_OK) != 0)
            snprintf(ip, sizeof ip, "%s/../%s", dir, img);
        ln.len = scored ? encode_scored(cs, text, ln.label, MAX_LABEL)
                        : nn_charset_encode(cs, text, ln.label, MAX_LABEL);
        if (ln.len < 0 || load_image(ip, rot, height, max_width, buf, &ln.width, &e2) != AP_OK) {
            d->skipped++;
            json_decref(o);
            continue;
        }
        json_decref(o);
        if (d->n == cap) {
            cap = cap ? cap * 2 : 1024;
            line *nv = cap <= MAX_LINES ? realloc(d->v, cap * sizeof *nv) : NULL;
            if (!nv) {
                st = ap_fail(err, AP_ERR_NOMEM, "%s: too many lines", p);
                break;
            }
            d->v = nv;
        }
        ln.pix = malloc((size_t)height * (size_t)ln.width);
        if (!ln.pix) {
            st = ap_fail(err, AP_ERR_NOMEM, "out of memory");
            break;
        }
        for (size_t k = 0; k < (size_t)height * (size_t)ln.width; k++)
            ln.pix[k] = (uint8_t)lrintf(buf[k] * 255.0f);
        d->v[d->n++] = ln;
        if (limit && d->n >= limit) break;
    }
    free(buf);
    free(data);
    if (st == AP_OK && d->n == 0) st = ap_fail(err, AP_ERR_INVALID, "%s: no usable lines", p);
    if (st != AP_OK) dataset_free(d);
    return st;
}

/* Fills images (B, H, W) from lines idx[0..B), W the widest (a multiple of 4). */
static int make_batch(float *images, int *tlen, const int **labels, int *llen, const dataset *d,
                      const size_t *idx, int B, int H)
{
    int W = 4;
    for (int b = 0; b < B; b++)
        W = d->v[idx[b]].width > W ? d->v[idx[b]].width : W;
    for (int b = 0; b < B; b++) {
        const line *l = &d->v[idx[b]];
        for (int y = 0; y < H; y++) {
            float *row = images + ((size_t)b * H + y) * W;
            for (int x = 0; x < l->width; x++)
                row[x] = (float)l->pix[(size_t)y * l->width + x] / 255.0f;
            for (int x = l->width; x < W; x++)
                row[x] = 0.0f;
        }
        tlen[b] = l->width / 4;
        labels[b] = l->label;
        llen[b] = l->len;
    }
    return W;
}

/* Small print: the line is drawn at 1/f of its height (box average) and scaled back up by
 * linear interpolation, as the recogniser scales a cell line 8-16 px high to the model's
 * height; f in 2..4. Thin strokes come back grey; the ink is then stretched to its former
 * peak, as the recogniser stretches each line to its full range. Works on rows (H, w) of
 * a W-wide image in place. */
static void augment_low_res(float *img, int W, int H, int w, uint64_t *rng)
{
    float f = 2.0f + 2.0f * nn_rng_uniform(rng);
    int h = (int)lrintf((float)H / f), cw = (int)lrintf((float)w / f);
    if (h < 4 || cw < 2) return;
    float *small = malloc(sizeof(float) * (size_t)h * (size_t)cw);
    if (!small) return;
    float peak = 0, back = 0;
    for (int y = 0; y < H; y++)
        for (int x = 0; x < w; x++)
            peak = img[(size_t)y * W + x] > peak ? img[(size_t)y * W + x] : peak;
    for (int y = 0; y < h; y++) /* box average of the source rows and columns it covers */
        for (int x = 0; x < cw; x++) {
            int y0 = y * H / h, y1 = (y + 1) * H / h, x0 = x * w / cw, x1 = (x + 1) * w / cw;
            float sum = 0;
            for (int sy = y0; sy < y1; sy++)
                for (int sx = x0; sx < x1; sx++)
                    sum += img[(size_t)sy * W + sx];
            small[(size_t)y * cw + x] = sum / (float)((y1 - y0) * (x1 - x0));
        }
    for (int y = 0; y < H; y++) {
        float sy = ((float)y + 0.5f) * (float)h / (float)H - 0.5f;
        int y0 = sy < 0 ? 0 : (int)sy, y1 = y0 + 1 < h ? y0 + 1 : y0;
        float fy = sy - (float)y0 < 0 ? 0 : sy - (float)y0;
        for (int x = 0; x < w; x++) {
            float sx = ((float)x + 0.5f) * (float)cw / (float)w - 0.5f;
            int x0 = sx < 0 ? 0 : (int)sx, x1 = x0 + 1 < cw ? x0 + 1 : x0;
            float fx = sx - (float)x0 < 0 ? 0 : sx - (float)x0;
            const float *r0 = small + (size_t)y0 * cw, *r1 = small + (size_t)y1 * cw;
            float top = (1 - fx) * r0[x0] + fx * r0[x1], bot = (1 - fx) * r1[x0] + fx * r1[x1];
            img[(size_t)y * W + x] = (1 - fy) * top + fy * bot;
            back = img[(size_t)y * W + x] > back ? img[(size_t)y * W + x] : back;
        }
    }
    free(small);
    if (back > 0)
        for (int y = 0; y < H; y++)
            for (int x = 0; x < w; x++)
                img[(size_t)y * W + x] *= peak / back;
}

/* Augmentation of one training line (rng: the step's stream), so that the model sees
 * more shapes of a glyph than the training fonts draw: a horizontal stretch (0.8..1.25:
 * narrow and wide faces), a vertical shift of up to height/16 rows, a stroke change (a
 * 1x2 max or min filter: bold and light weights), small print (augment_low_res) and lower
 * contrast with noise (faint scans). Writes the line into rows (H, W) of images and
 * returns its width (a multiple of 4, at most max_width). */
static int augment_line(float *img, int W, const line *l, int H, int max_width, uint64_t *rng)
{
    float scale = 0.8f + 0.45f * nn_rng_uniform(rng);
    int w = (int)lrintf((float)l->width * scale) / 4 * 4;
    if (w < 4) w = 4;
    if (w > max_width) w = max_width;
    int shift_max = H / 16,
        shift = (int)(nn_rng_next(rng) % (uint64_t)(2 * shift_max + 1)) - shift_max;
    float u = nn_rng_uniform(rng);
    int stroke = u < 0.2f ? 1 : u < 0.4f ? -1 : 0; /* +1 bolder, -1 lighter */
    float contrast = nn_rng_uniform(rng) < 0.3f ? 0.6f + 0.4f * nn_rng_uniform(rng) : 1.0f;
    float noise = nn_rng_uniform(rng) < 0.3f ? 0.08f * nn_rng_uniform(rng) : 0.0f;
    int low_res = nn_rng_uniform(rng) < 0.25f;
    float row[NN_CRNN_MAX_WIDTH];
    float step = (float)l->width / (float)w; /* source columns per output column */
    for (int y = 0; y < H; y++) {
        float *dst = img + (size_t)y * W;
        int sy = y - shift;
        if (sy < 0 || sy >= H) {
            for (int x = 0; x < W; x++)
                dst[x] = 0.0f;
            continue;
        }
        const uint8_t *src = l->pix + (size_t)sy * l->width;
        for (int x = 0; x < w; x++) { /* linear interpolation between source columns */
            float sx = ((float)x + 0.5f) * step - 0.5f;
            int x0 = sx < 0 ? 0 : (int)sx, x1 = x0 + 1 < l->width ? x0 + 1 : x0;
            float f = sx - (float)x0;
            f = f < 0 ? 0 : f > 1 ? 1 : f;
            row[x] = ((1.0f - f) * src[x0] + f * src[x1]) / 255.0f;
        }
        for (int x = 0; x < w; x++) {
            float v = row[x], n = x + 1 < w ? row[x + 1] : 0.0f;
            if (stroke > 0) v = v > n ? v : n;
            if (stroke < 0) v = v < n ? v : n;
            dst[x] = v * contrast;
        }
        for (int x = w; x < W; x++)
            dst[x] = 0.0f;
    }
    if (low_res) augment_low_res(img, W, H, w, rng);
    for (int y = 0; y < H; y++)
        for (int x = 0; x < w; x++) {
            float v = img[(size_t)y * W + x];
            if (noise > 0) v += noise * nn_rng_normal(rng);
            img[(size_t)y * W + x] = v < 0 ? 0 : v > 1 ? 1 : v;
        }
    return w;
}

/* Fills images (B, H, W) from lines idx[0..B) with augmentation drawn from rng, W the
 * widest augmented line. */
static int make_augmented_batch(float *images, int *tlen, const int **labels, int *llen,
                                const dataset *d, const size_t *idx, int B, int H, int max_width,
                                uint64_t rng)
{
    /* widths first (the batch's W is their maximum): draw each line's augmentation from a
     * stream of its own so that the two passes agree */
    int W = 4, widths[1024];
    float *scratch = malloc(sizeof(float) * (size_t)H * (size_t)max_width);
    if (!scratch) return -1;
    for (int b = 0; b < B; b++) {
        uint64_t r = nn_rng_seed(rng, 8, (uint64_t)b);
        widths[b] = augment_line(scratch, max_width, &d->v[idx[b]], H, max_width, &r);
        W = widths[b] > W ? widths[b] : W;
    }
    free(scratch);
    for (int b = 0; b < B; b++) {
        uint64_t r = nn_rng_seed(rng, 8, (uint64_t)b);
        augment_line(images + (size_t)b * H * W, W, &d->v[idx[b]], H, max_width, &r);
        tlen[b] = widths[b] / 4;
        labels[b] = d->v[idx[b]].label;
        llen[b] = d->v[idx[b]].len;
    }
    return W;
}

/* ---- evaluation ---- */

/* The widest line (after scaling to the model's height) that scoring reads unsqueezed, by
 * the trainer's validation and by `train eval` alike. Training squeezes wider lines to
 * train.max_width (256 by default: memory and speed), but the recogniser reads a line up to
 * 1024 columns wide: validation lines squeezed to the training width scored long lines as
 * no reader sees them (5.6% CER against `train eval`'s 4.3% for the same model and 300
 * lines). */
#define EVAL_WIDTH 512

/* Lines are scored one at a time, each at its own width (W = its width, no padding from
 * wider neighbours), as the recogniser reads them (ocr_crnn), so that the trainer's
 * validation and `train eval` give the same figure for the same model and lines. */
static double eval_cer_with(nn_crnn *m, const dataset *d, int max_samples, double *seconds,
                            const train_decoder *dec)
{
    int B = 1, H = nn_crnn_cfg(m)->height, K = nn_crnn_cfg(m)->nclasses;
    size_t n = d->n < (size_t)max_samples ? d->n : (size_t)max_samples;
    float *images = malloc(sizeof(float) * (size_t)B * H * nn_crnn_max_width(m));
    long errs = 0, total = 0;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (size_t i = 0; images && i < n; i += (size_t)B) {
        int nb = (int)(n - i < (size_t)B ? n - i : (size_t)B), tlen[1024], llen[1024];
        const int *labels[1024];
        size_t idx[1024];
        for (int b = 0; b < nb; b++)
            idx[b] = i + (size_t)b;
        int W = make_batch(images, tlen, labels, llen, d, idx, nb, H);
        const float *logits = nn_crnn_forward(m, images, nb, W, tlen, 0, 0);
        for (int b = 0; b < nb; b++) {
            int out[MAX_LABEL], no;
            float conf;
            const float *z = logits + (size_t)b * (W / 4) * K;
            if (dec && dec->beam > 0)
                nn_lm_beam_decode(out, NULL, NULL, &no, &conf, z, tlen[b], K, MAX_LABEL, dec->beam,
                                  dec->lm, dec->weight);
            else
                nn_greedy_decode(out, &no, &conf, z, tlen[b], K, MAX_LABEL);
            errs += nn_edit_distance(out, no, labels[b], llen[b]);
            total += llen[b];
        }
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    if (seconds)
        *seconds = (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
    free(images);
    return total ? (double)errs / (double)total : 0.0;
}

static double eval_cer(nn_crnn *m, const dataset *d, int max_samples, double *seconds)
{
    return eval_cer_with(m, d, max_samples, seconds, NULL);
}

/* ---- the trained vector: all parameters, or the LoRA adapters ---- */

typedef struct adapter {
    nn_tensor *target; /* the model's weight (out, in) */
    float *W0;         /* the frozen base weight */
    float *A, *B, *dA, *dB;
    int out, in;
    char name[64]; /* layer name: the tensor's without ".weight" */
} adapter;

typedef struct job {
    const train_opts *o;
    nn_crnn *model, *teacher;
    char *charset;
    /* the trained vector and its AdamW state */
    float *theta, *grad, *m, *v;
    size_t ntheta;
    adapter ad[NN_CRNN_MAX_TENSORS];
    int nad;
    float *ad_block; /* A, B, dA, dB, W0 of every adapter */
    float scale;     /* alpha / rank */
    long step;       /* steps done */
} job;

static int is_target(const char *targets, const char *layer)
{
    if (!targets || !*targets) return 1;
    size_t n = strlen(layer);
    for (const char *p = targets; *p;) {
        const char *e = strchr(p, ',');
        size_t l = e ? (size_t)(e - p) : strlen(p);
        if (l == n && strncmp(p, layer, n) == 0) return 1;
        if (!e) break;
        p = e + 1;
    }
    return 0;
}

static ap_status setup_lora(job *j, ap_error *err)
{
    const train_opts *o = j->o;
    size_t total = 0;
    for (size_t i = 0; i < nn_crnn_ntensors(j->model); i++) {
        nn_tensor *t = nn_crnn_tensor(j->model, i);
        if (!t->matrix) continue;
        adapter *a = &j->ad[j->nad];
        snprintf(a->name, sizeof a->name, "%.*s", (int)(strlen(t->name) - 7), t->name);
        if (!is_target(o->targets, a->name)) continue;
        a->target = t;
        a->out = (int)t->shape[0];
        a->in = (int)t->shape[1];
        total += 3 * (size_t)o->rank * (size_t)(a->out + a->in) / 1 + t->n;
        j->nad++;
    }
    if (j->nad == 0)
        return ap_fail(err, AP_ERR_INVALID, "--targets '%s' names no layer", o->targets);
    j->ad_block = calloc(total, sizeof(float));
    if (!j->ad_block) return ap_fail(err, AP_ERR_NOMEM, "out of memory");
    /* theta = all A and B back to back, so one AdamW call and one clip cover them */
    size_t ntheta = 0;
    for (int k = 0; k < j->nad; k++)
        ntheta += (size_t)o->rank * (size_t)(j->ad[k].out + j->ad[k].in);
    float *p = j->ad_block, *g = j->ad_block + ntheta, *w0 = j->ad_block + 2 * ntheta;
    j->theta = p, j->grad = g, j->ntheta = ntheta;
    uint64_t rng = nn_rng_seed(o->seed, 5, 0);
    for (int k = 0; k < j->nad; k++) {
        adapter *a = &j->ad[k];
        size_t na = (size_t)o->rank * a->in, nb = (size_t)a->out * o->rank;
        a->A = p, a->dA = g, p += na, g += na;
        a->B = p, a->dB = g, p += nb, g += nb;
        a->W0 = w0, w0 += a->target->n;
        memcpy(a->W0, a->target->data, sizeof(float) * a->target->n);
        /* PEFT's start: A random, B zero, so the adapted model starts as the base */
        float sd = 1.0f / sqrtf((float)a->in);
        for (size_t i = 0; i < na; i++)
            a->A[i] = sd * nn_rng_normal(&rng);
    }
    j->scale = o->alpha / (float)o->rank;
    return AP_OK;
}

/* ---- checkpoints ---- */

static ap_status save_checkpoint(job *j, ap_error *err)
{
    char path[4096], step[32], seed[32];
    snprintf(path, sizeof path, "%s/checkpoint.safetensors", j->o->out);
    snprintf(step, sizeof step, "%ld", j->step);
    snprintf(seed, sizeof seed, "%llu", (unsigned long long)j->o->seed);
    nn_st_entry e[3] = {{"theta", j->theta, 1, {(int64_t)j->ntheta}},
                        {"adam.m", j->m, 1, {(int64_t)j->ntheta}},
                        {"adam.v", j->v, 1, {(int64_t)j->ntheta}}};
    /* the RNG state is (seed, step): every stream of step s is nn_rng_seed(seed, stream, s) */
    const char *k[] = {"step", "seed", "rng"},
               *v[] = {step, seed, "splitmix64(seed, stream, step)"};
    return nn_st_write(path, e, 3, k, v, 3, err);
}

static ap_status load_checkpoint(job *j, int *found, ap_error *err)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/checkpoint.safetensors", j->o->out);
    *found = 0;
    if (access(path, R_OK) != 0) return AP_OK;
    nn_st_file *f;
    ap_status st = nn_st_read(path, (size_t)1 << 32, &f, err);
    if (st != AP_OK) return st;
    int64_t shape[1] = {(int64_t)j->ntheta};
    const char *step = nn_st_meta(f, "step"), *seed = nn_st_meta(f, "seed");
    char want[32];
    snprintf(want, sizeof want, "%llu", (unsigned long long)j->o->seed);
    if (!step || !seed || strcmp(seed, want) != 0) {
        st = ap_fail(err, AP_ERR_INVALID, "%s: written with another seed", path);
    } else {
        st = nn_st_copy(f, "theta", j->theta, 1, shape, err);
        if (st == AP_OK) st = nn_st_copy(f, "adam.m", j->m, 1, shape, err);
        if (st == AP_OK) st = nn_st_copy(f, "adam.v", j->v, 1, shape, err);
        j->step = strtol(step, NULL, 10);
        *found = st == AP_OK;
    }
    nn_st_free(f);
    return st;
}

/* ---- outputs ---- */

static ap_status write_text(const char *path, const char *text, ap_error *err)
{
    FILE *f = fopen(path, "w");
    if (!f) return ap_fail(err, AP_ERR_IO, "%s: %s", path, strerror(errno));
    fputs(text, f);
    return fclose(f) == 0 ? AP_OK : ap_fail(err, AP_ERR_IO, "%s: write failed", path);
}

static ap_status save_outputs(job *j, const dataset *train, double cer, ap_error *err)
{
    const train_opts *o = j->o;
    char path[4096], hash[40], cers[32], steps[32], params[32];
    snprintf(hash, sizeof hash, "fnv1a64:%016llx", (unsigned long long)train->hash);
    snprintf(cers, sizeof cers, "%.5f", cer);
    snprintf(steps, sizeof steps, "%ld", j->step);
    snprintf(params, sizeof params, "%zu", j->ntheta);
    const char *job_name = o->mode == TRAIN_OCR    ? "ocr"
                           : o->mode == TRAIN_LORA ? "lora"
                                                   : "distill";
    const char *k[] = {"charset", "training_data_hash", "metric.val_cer", "training_steps",
                       "job",     "trained_parameters"};
    const char *v[] = {j->charset, hash, cers, steps, job_name, params};
    ap_status st;
    if (o->mode == TRAIN_LORA) {
        nn_st_entry e[2 * NN_CRNN_MAX_TENSORS];
        char names[2 * NN_CRNN_MAX_TENSORS][128];
        for (int a = 0; a < j->nad; a++) {
            adapter *ad = &j->ad[a];
            snprintf(names[2 * a], 128, "base_model.model.%s.lora_A.weight", ad->name);
            snprintf(names[2 * a + 1], 128, "base_model.model.%s.lora_B.weight", ad->name);
            e[2 * a] = (nn_st_entry){names[2 * a], ad->A, 2, {o->rank, ad->in}};
            e[2 * a + 1] = (nn_st_entry){names[2 * a + 1], ad->B, 2, {ad->out, o->rank}};
        }
        char r[16], al[32], dr[32];
        snprintf(r, sizeof r, "%d", o->rank);
        snprintf(al, sizeof al, "%g", (double)o->alpha);
        snprintf(dr, sizeof dr, "%g", (double)o->lora_dropout);
        const char *ak[] = {"peft_type",      "r",          "lora_alpha",
                            "lora_dropout",   "base_model", "training_data_hash",
                            "metric.val_cer", "charset"};
        const char *av[] = {"LORA", r, al, dr, o->base, hash, cers, j->charset};
        snprintf(path, sizeof path, "%s/adapter_model.safetensors", o->out);
        st = nn_st_write(path, e, (size_t)(2 * j->nad), ak, av, 8, err);
        if (st != AP_OK) return st;
        json_t *cfg =
            json_pack("{s:s, s:i, s:f, s:f, s:s, s:[]}", "peft_type", "LORA", "r", o->rank,
                      "lora_alpha", (double)o->alpha, "lora_dropout", (double)o->lora_dropout,
                      "base_model_name_or_path", o->base, "target_modules");
        for (int a = 0; cfg && a < j->nad; a++)
            json_array_append_new(json_object_get(cfg, "target_modules"),
                                  json_string(j->ad[a].name));
        char *text = cfg ? json_dumps(cfg, JSON_INDENT(2)) : NULL;
        json_decref(cfg);
        snprintf(path, sizeof path, "%s/adapter_config.json", o->out);
        st = text ? write_text(path, text, err) : ap_fail(err, AP_ERR_NOMEM, "out of memory");
        free(text);
        if (st != AP_OK) return st;
    } else {
        snprintf(path, sizeof path, "%s/model.safetensors", o->out);
        st = nn_crnn_save(j->model, path, k, v, 6, err);
        if (st != AP_OK) return st;
    }
    const nn_crnn_config *c = nn_crnn_cfg(j->model);
    json_t *card = json_pack(
        "{s:s, s:s, s:i, s:[i,i,i,i], s:s, s:i, s:i, s:i, s:s, s:s, s:I, s:I, s:{s:f}}",
        "architecture", "crnn-ctc-v1", "job", job_name, "input_height", c->height, "conv_channels",
        c->conv[0], c->conv[1], c->conv[2], c->conv[3], "head", nn_crnn_head_name(c->head), "dim",
        c->dim, "blocks", c->blocks, "nclasses", c->nclasses, "charset", j->charset,
        "training_data_hash", hash, "training_steps", (json_int_t)j->step, "trained_parameters",
        (json_int_t)j->ntheta, "metrics", "val_cer", cer);
    if (card && o->base && *o->base && o->mode != TRAIN_DISTILL)
        json_object_set_new(card, "base_model", json_string(o->base));
    char *text = card ? json_dumps(card, JSON_INDENT(2)) : NULL;
    json_decref(card);
    snprintf(path, sizeof path, "%s/card.json", o->out);
    st = text ? write_text(path, text, err) : ap_fail(err, AP_ERR_NOMEM, "out of memory");
    free(text);
    return st;
}

/* The local tracking run: params.json once, metrics.jsonl a line per logged step.
 * (MLFLOW_TRACKING_URI: the registry client is not in the tree yet; the run dir is what
 * a later sync uploads.) */
static FILE *open_run(const train_opts *o, ap_error *err)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/run", o->out);
    mkdir(path, 0755);
    snprintf(path, sizeof path, "%s/run/artifacts", o->out);
    mkdir(path, 0755);
    json_t *p =
        json_pack("{s:s, s:s, s:I, s:i, s:i, s:f, s:f, s:f, s:I, s:i, s:f, s:f, s:f, s:f}", "job",
                  o->mode == TRAIN_OCR    ? "ocr"
                  : o->mode == TRAIN_LORA ? "lora"
                                          : "distill",
                  "data", o->data, "steps", (json_int_t)o->steps, "batch", o->batch, "warmup",
                  o->warmup, "lr", (double)o->lr, "weight_decay", (double)o->weight_decay, "clip",
                  (double)o->clip, "seed", (json_int_t)o->seed, "rank", o->rank, "alpha",
                  (double)o->alpha, "lora_dropout", (double)o->lora_dropout, "temperature",
                  (double)o->temperature, "distill_weight", (double)o->distill_weight);
    snprintf(path, sizeof path, "%s/run/params.json", o->out);
    if (!p || json_dump_file(p, path, JSON_INDENT(2)) != 0) {
        json_decref(p);
        ap_fail(err, AP_ERR_IO, "%s: cannot write", path);
        return NULL;
    }
    json_decref(p);
    snprintf(path, sizeof path, "%s/run/metrics.jsonl", o->out);
    FILE *f = fopen(path, o->resume ? "a" : "w");
    if (!f) ap_fail(err, AP_ERR_IO, "%s: %s", path, strerror(errno));
    return f;
}

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* CPU seconds used by all of the process's threads: on a machine shared with other work
 * the wall clock measures the neighbours too, this measures the work. */
static double cpu_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static void progress(long step, long total, float loss, double cer, double rate, float lr)
{
    char bar[31];
    int fill = total ? (int)(30 * step / total) : 30;
    for (int i = 0; i < 30; i++)
        bar[i] = i < fill ? '#' : '.';
    bar[30] = '\0';
    fprintf(stderr, "\r[%s] %ld/%ld loss %.3f cer %s%.3f %.1f samples/s lr %.2e   ", bar, step,
            total, (double)loss, cer < 0 ? "-" : "", cer < 0 ? 0.0 : cer, rate, (double)lr);
}

/* ---- the loop ---- */

ap_status train_run(const train_opts *o, ap_error *err)
{
    job j = {.o = o};
    dataset train = {0}, val = {0};
    nn_charset cs = {0};
    float *images = NULL, *dlogits = NULL, *probs_t = NULL, *probs_s = NULL;
    FILE *metrics = NULL;
    ap_status st = AP_OK;
    char dir[3072];
    img_init();
    nn_set_threads(o->threads);
    if (o->steps < 1 || o->batch < 1 || o->batch > 1024)
        return ap_fail(err, AP_ERR_INVALID, "steps >= 1 and batch 1..1024");
    if (mkdir(o->out, 0755) != 0 && errno != EEXIST)
        return ap_fail(err, AP_ERR_IO, "%s: %s", o->out, strerror(errno));
    data_dir(dir, sizeof dir, o->data);
    /* training lines are squeezed to train_w; the arena also fits validation's wider ones */
    int train_w = (o->max_width + 3) / 4 * 4, model_w = train_w > EVAL_WIDTH ? train_w : EVAL_WIDTH;

    /* the model being trained and the charset */
    if (o->mode == TRAIN_LORA || (o->mode == TRAIN_OCR && o->base && *o->base)) {
        if ((st = nn_crnn_load(o->base, o->batch, model_w, &j.model, &j.charset, err)) != AP_OK)
            goto out;
    } else {
        nn_crnn_config c = o->model;
        if (o->mode == TRAIN_DISTILL) {
            if ((st = nn_crnn_load(o->teacher, o->batch, o->max_width, &j.teacher, &j.charset,
                                   err)) != AP_OK)
                goto out;
            c.height = nn_crnn_cfg(j.teacher)->height;
        } else if ((st = read_charset(dir, &j.charset, err)) != AP_OK) {
            goto out;
        }
        if ((st = nn_charset_parse(&cs, j.charset, err)) != AP_OK) goto out;
        c.nclasses = cs.n + 1;
        nn_charset_free(&cs);
        if ((st = nn_crnn_new(&c, o->batch, model_w, &j.model, err)) != AP_OK) goto out;
        nn_crnn_init(j.model, o->seed);
    }
    if ((st = nn_charset_parse(&cs, j.charset, err)) != AP_OK) goto out;
    const nn_crnn_config *c = nn_crnn_cfg(j.model);
    int H = c->height, K = c->nclasses, B = o->batch, maxw = train_w;
    if ((st = dataset_load(&train, dir, "train.jsonl", &cs, H, maxw, 0, false, err)) != AP_OK)
        goto out;
    char vp[4096];
    snprintf(vp, sizeof vp, "%s/val.jsonl", dir);
    if (access(vp, R_OK) != 0 || dataset_load(&val, dir, "val.jsonl", &cs, H, EVAL_WIDTH,
                                              (size_t)o->eval_samples, false, err) != AP_OK) {
        dataset_free(&val);
        val = train; /* no validation split: measure on the training lines (said in the log) */
        val.v = NULL;
    }
    const dataset *evalset = val.v ? &val : &train;
    log_info("train: %zu lines (%zu skipped), validation %s, %d classes", train.n, train.skipped,
             val.v ? "val.jsonl" : "train.jsonl (no val split)", K);

    if (o->mode == TRAIN_LORA) {
        if ((st = setup_lora(&j, err)) != AP_OK) goto out;
    } else {
        j.theta = nn_crnn_params(j.model);
        j.grad = nn_crnn_grads(j.model);
        j.ntheta = nn_crnn_nparams(j.model);
    }
    j.m = calloc(j.ntheta, sizeof(float));
    j.v = calloc(j.ntheta, sizeof(float));
    images = malloc(sizeof(float) * (size_t)B * H * maxw);
    dlogits = malloc(sizeof(float) * (size_t)B * (maxw / 4) * K);
    probs_t = malloc(sizeof(float) * (size_t)B * (maxw / 4) * K);
    probs_s = malloc(sizeof(float) * (size_t)B * (maxw / 4) * K);
    if (!j.m || !j.v || !images || !dlogits || !probs_t || !probs_s) {
        st = ap_fail(err, AP_ERR_NOMEM, "out of memory");
        goto out;
    }
    if (o->resume) {
        int found;
        if ((st = load_checkpoint(&j, &found, err)) != AP_OK) goto out;
        if (found) log_info("train: resumed at step %ld", j.step);
    }
    if (!(metrics = open_run(o, err))) {
        st = err ? err->code : AP_ERR_IO;
        goto out;
    }
    log_info("train: %zu trained parameters of %zu (%.2f%%)", j.ntheta, nn_crnn_nparams(j.model),
             100.0 * (double)j.ntheta / (double)nn_crnn_nparams(j.model));

    nn_adamw opt = {
        .lr = o->lr, .beta1 = 0.9f, .beta2 = 0.999f, .eps = 1e-8f, .weight_decay = o->weight_decay};
    double t_start = now_s(), eval_secs = 0, samples = 0, columns = 0, cer = -1;
    double cpu_start = cpu_s(), eval_cpu = 0;
    float avg_loss = 0;
    while (j.step < o->steps) {
        long s = j.step;
        uint64_t rng = nn_rng_seed(o->seed, 3, (uint64_t)s);
        size_t idx[1024];
        int tlen[1024], llen[1024];
        const int *labels[1024];
        for (int b = 0; b < B; b++)
            idx[b] = nn_rng_next(&rng) % train.n;
        int W = o->augment ? make_augmented_batch(images, tlen, labels, llen, &train, idx, B, H,
                                                  maxw, nn_rng_seed(o->seed, 7, (uint64_t)s))
                           : make_batch(images, tlen, labels, llen, &train, idx, B, H);
        if (W < 0) {
            st = ap_fail(err, AP_ERR_NOMEM, "out of memory");
            goto out;
        }
        int T = W / 4;
        float rank_mask[512];
        if (o->mode == TRAIN_LORA) {
            uint64_t r = nn_rng_seed(o->seed, 6, (uint64_t)s);
            float keep = o->lora_dropout > 0 ? 1.0f / (1.0f - o->lora_dropout) : 1.0f;
            for (int k = 0; k < o->rank && k < 512; k++)
                rank_mask[k] = nn_rng_uniform(&r) < o->lora_dropout ? 0.0f : keep;
            for (int a = 0; a < j.nad; a++)
                nn_lora_merge(j.ad[a].target->data, j.ad[a].W0, j.ad[a].A, j.ad[a].B, rank_mask,
                              j.ad[a].out, j.ad[a].in, o->rank, j.scale);
        }
        const float *logits =
            nn_crnn_forward(j.model, images, B, W, tlen, 1, nn_rng_seed(o->seed, 4, (uint64_t)s));
        float losses[1024], wkd = o->mode == TRAIN_DISTILL ? o->distill_weight : 0.0f;
        memset(dlogits, 0, sizeof(float) * (size_t)B * T * K);
        int skipped;
        if ((st = nn_ctc(losses, dlogits, logits, tlen, labels, llen, B, T, K,
                         (1.0f - wkd) / (float)B, &skipped)) != AP_OK) {
            ap_fail(err, st, "out of memory in CTC");
            goto out;
        }
        float loss = 0;
        for (int b = 0; b < B; b++)
            loss += (1.0f - wkd) * losses[b] / (float)B;
        if (o->mode == TRAIN_DISTILL) {
            /* the teacher's logits are recomputed each step: it is frozen and much cheaper
             * than storing posteriors for every line */
            float Tk = o->temperature;
            memcpy(probs_s, logits,
                   sizeof(float) * (size_t)B * T *
                       K); /* teacher's forward reuses nothing of the student's */
            const float *zt = nn_crnn_forward(j.teacher, images, B, W, tlen, 0, 0);
            nn_softmax(probs_t, zt, B * T, K, Tk);
            float *ps = malloc(sizeof(float) * (size_t)B * T * K);
            if (!ps) {
                st = ap_fail(err, AP_ERR_NOMEM, "out of memory");
                goto out;
            }
            nn_softmax(ps, probs_s, B * T, K, Tk);
            long frames = 0;
            for (int b = 0; b < B; b++)
                frames += tlen[b];
            double kl = 0;
            for (int b = 0; b < B; b++)
                for (int t = 0; t < tlen[b]; t++) {
                    size_t r0 = ((size_t)b * T + t) * K;
                    for (int k = 0; k < K; k++) {
                        float pt = probs_t[r0 + k], pss = ps[r0 + k];
                        if (pt > 0) kl += pt * (log(pt) - log(pss > 1e-30f ? pss : 1e-30f));
                        /* d(T^2 KL)/dz_s = T (p_s - p_t) */
                        dlogits[r0 + k] += wkd * Tk * (pss - pt) / (float)frames;
                    }
                }
            free(ps);
            loss += wkd * Tk * Tk * (float)(kl / (double)frames);
        }
        nn_crnn_zero_grad(j.model);
        nn_crnn_backward(j.model, dlogits);
        float lr = nn_lr_schedule(o->lr, s, o->warmup, o->steps, 0.05f);
        opt.lr = lr;
        if (o->mode == TRAIN_LORA) {
            memset(j.grad, 0, sizeof(float) * j.ntheta);
            for (int a = 0; a < j.nad; a++)
                nn_lora_backward(j.ad[a].dA, j.ad[a].dB, j.ad[a].target->grad, j.ad[a].A, j.ad[a].B,
                                 rank_mask, j.ad[a].out, j.ad[a].in, o->rank, j.scale);
            nn_clip_grad(j.grad, j.ntheta, o->clip);
            nn_adamw_update(j.theta, j.grad, j.m, j.v, j.ntheta, &opt, s + 1, 1);
        } else {
            nn_clip_grad(j.grad, j.ntheta, o->clip);
            for (size_t i = 0; i < nn_crnn_ntensors(j.model); i++) {
                nn_tensor *t = nn_crnn_tensor(j.model, i);
                size_t off = (size_t)(t->data - j.theta);
                nn_adamw_update(t->data, t->grad, j.m + off, j.v + off, t->n, &opt, s + 1,
                                t->matrix);
            }
        }
        j.step = s + 1;
        samples += B;
        columns += (double)B * W; /* padded columns are computed too */
        avg_loss = s == 0 ? loss : 0.95f * avg_loss + 0.05f * loss;
        int last = j.step == o->steps;
        if ((o->eval_every > 0 && j.step % o->eval_every == 0) || last) {
            if (o->mode == TRAIN_LORA) /* evaluate the adapted model without rank dropout */
                for (int a = 0; a < j.nad; a++)
                    nn_lora_merge(j.ad[a].target->data, j.ad[a].W0, j.ad[a].A, j.ad[a].B, NULL,
                                  j.ad[a].out, j.ad[a].in, o->rank, j.scale);
            double t_eval = now_s(), c_eval = cpu_s();
            cer = eval_cer(j.model, evalset, o->eval_samples, NULL);
            eval_secs += now_s() - t_eval;
            eval_cpu += cpu_s() - c_eval;
        }
        double rate = samples / (now_s() - t_start - eval_secs);
        fprintf(metrics, "{\"step\": %ld, \"loss\": %.5f, \"lr\": %.6g, \"samples_per_s\": %.2f%s",
                j.step, (double)loss, (double)lr, rate, "");
        if (cer >= 0 && ((o->eval_every > 0 && j.step % o->eval_every == 0) || last))
            fprintf(metrics, ", \"val_cer\": %.5f", cer);
        fprintf(metrics, "}\n");
        if (o->progress) progress(j.step, o->steps, avg_loss, cer, rate, lr);
        if ((o->checkpoint_every > 0 && j.step % o->checkpoint_every == 0) || last) {
            fflush(metrics);
            if ((st = save_checkpoint(&j, err)) != AP_OK) goto out;
            if (o->crash_at && j.step == o->crash_at) raise(SIGKILL); /* tests: a kill -9 here */
        }
    }
    if (o->progress) fputc('\n', stderr);
    if (samples > 0) {
        /* backward costs about twice the forward (two GEMMs per forward GEMM); the
         * estimate counts GEMM work only; the wall clock is the steps' (batch assembly,
         * forward, loss, backward, update, checkpoints), validation passes excluded */
        double secs = now_s() - t_start - eval_secs, f = nn_crnn_flops_per_column(j.model);
        double cpu = cpu_s() - cpu_start - eval_cpu;
        log_info("train: %.1f samples/s, %.2f GFLOP/s (3 x forward GEMM flops, %.0f MFLOP per "
                 "sample forward); %.2f GFLOP per CPU-second (%.2f cores busy)",
                 samples / secs, 3.0 * f * columns / secs * 1e-9, f * columns / samples * 1e-6,
                 3.0 * f * columns / cpu * 1e-9, cpu / secs);
    }
    if (o->mode == TRAIN_LORA)
        for (int a = 0; a < j.nad; a++)
            nn_lora_merge(j.ad[a].target->data, j.ad[a].W0, j.ad[a].A, j.ad[a].B, NULL, j.ad[a].out,
                          j.ad[a].in, o->rank, j.scale);
    if (cer < 0) cer = eval_cer(j.model, evalset, o->eval_samples, NULL);
    st = save_outputs(&j, &train, cer, err);
    if (st == AP_OK) {
        char p1[4096], p2[4096];
        snprintf(p1, sizeof p1, "%s/card.json", o->out);
        snprintf(p2, sizeof p2, "%s/run/artifacts/card.json", o->out);
        unlink(p2);
        if (link(p1, p2) != 0) log_warn("train: could not link %s into the run's artifacts", p1);
        log_info("train: done, %ld steps, validation CER %.4f, outputs in %s", j.step, cer, o->out);
    }
out:
    if (metrics) fclose(metrics);
    free(images), free(dlogits), free(probs_t), free(probs_s);
    free(j.m), free(j.v), free(j.ad_block), free(j.charset);
    nn_crnn_free(j.model);
    nn_crnn_free(j.teacher);
    nn_charset_free(&cs);
    if (val.v) dataset_free(&val);
    dataset_free(&train);
    return st;
}

ap_status train_merge(const char *base, const char *adapter_dir, const char *out, ap_error *err)
{
    nn_crnn *m = NULL;
    char *charset = NULL, path[4096];
    nn_st_file *f = NULL;
    float *A = NULL, *Bm = NULL;
    ap_status st = nn_crnn_load(base, 1, 4, &m, &charset, err);
    if (st != AP_OK) return st;
    struct stat sb;
    if (stat(adapter_dir, &sb) == 0 && S_ISDIR(sb.st_mode))
        snprintf(path, sizeof path, "%s/adapter_model.safetensors", adapter_dir);
    else
        snprintf(path, sizeof path, "%s", adapter_dir);
    if ((st = nn_st_read(path, (size_t)1 << 31, &f, err)) != AP_OK) goto out;
    const char *rs = nn_st_meta(f, "r"), *as = nn_st_meta(f, "lora_alpha");
    int r = rs ? atoi(rs) : 0;
    float alpha = as ? strtof(as, NULL) : 0;
    if (r < 1 || r > 512 || !(alpha > 0)) {
        st = ap_fail(err, AP_ERR_INVALID, "%s: no LoRA rank/alpha in its metadata", path);
        goto out;
    }
    int merged = 0;
    for (size_t i = 0; i < nn_crnn_ntensors(m) && st == AP_OK; i++) {
        nn_tensor *t = nn_crnn_tensor(m, i);
        if (!t->matrix) continue;
        char na[128], nb[128];
        snprintf(na, sizeof na, "base_model.model.%.*s.lora_A.weight", (int)(strlen(t->name) - 7),
                 t->name);
        snprintf(nb, sizeof nb, "base_model.model.%.*s.lora_B.weight", (int)(strlen(t->name) - 7),
                 t->name);
        int64_t sa[2] = {r, t->shape[1]}, sbh[2] = {t->shape[0], r};
        A = malloc(sizeof(float) * (size_t)r * (size_t)t->shape[1]);
        Bm = malloc(sizeof(float) * (size_t)r * (size_t)t->shape[0]);
        float *W0 = malloc(sizeof(float) * t->n);
        if (!A || !Bm || !W0) {
            free(W0);
            st = ap_fail(err, AP_ERR_NOMEM, "out of memory");
            break;
        }
        ap_status sa_st = nn_st_copy(f, na, A, 2, sa, err);
        if (sa_st == AP_OK && (st = nn_st_copy(f, nb, Bm, 2, sbh, err)) == AP_OK) {
            memcpy(W0, t->data, sizeof(float) * t->n);
            nn_lora_merge(t->data, W0, A, Bm, NULL, (int)t->shape[0], (int)t->shape[1], r,
                          alpha / (float)r);
            merged++;
        } else if (sa_st != AP_ERR_NOT_FOUND) {
            st = sa_st;
        }
        free(W0), free(A), free(Bm);
        A = Bm = NULL;
    }
    if (st == AP_OK && merged == 0)
        st = ap_fail(err, AP_ERR_INVALID, "%s: no adapter matches the base", path);
    if (st != AP_OK) goto out;
    if (mkdir(out, 0755) != 0 && errno != EEXIST) {
        st = ap_fail(err, AP_ERR_IO, "%s: %s", out, strerror(errno));
        goto out;
    }
    snprintf(path, sizeof path, "%s/model.safetensors", out);
    const char *k[] = {"charset", "job", "base_model"}, *v[] = {charset, "lora-merged", base};
    st = nn_crnn_save(m, path, k, v, 3, err);
    if (st == AP_OK) log_info("merge: %d adapters merged into %s", merged, path);
out:
    nn_st_free(f);
    free(A), free(Bm), free(charset);
    nn_crnn_free(m);
    return st;
}

ap_status train_eval_cer(const char *model_path, const char *data, int max_samples, double *cer,
                         double *ms_per_line, double *cpu_ms_per_line, ap_error *err)
{
    return train_eval_cer_decoded(model_path, data, max_samples, NULL, cer, ms_per_line,
                                  cpu_ms_per_line, err);
}

ap_status train_eval_cer_decoded(const char *model_path, const char *data, int max_samples,
                                 const train_decoder *dec, double *cer, double *ms_per_line,
                                 double *cpu_ms_per_line, ap_error *err)
{
    nn_crnn *m = NULL;
    char *charset = NULL, dir[3072];
    nn_charset cs = {0};
    dataset d = {0};
    img_init();
    ap_status st = nn_crnn_load(model_path, 1, EVAL_WIDTH, &m, &charset, err);
    if (st != AP_OK) return st;
    if ((st = nn_charset_parse(&cs, charset, err)) != AP_OK) goto out;
    if (dec && dec->lm && nn_lm_nclasses(dec->lm) != nn_crnn_cfg(m)->nclasses) {
        st = ap_fail(err, AP_ERR_INVALID, "the prior was counted for a model of %d classes, not %d",
                     nn_lm_nclasses(dec->lm), nn_crnn_cfg(m)->nclasses);
        goto out;
    }
    data_dir(dir, sizeof dir, data);
    const char *names[] = {"test.jsonl", "val.jsonl", "train.jsonl"};
    for (int i = 0; i < 3; i++) {
        char p[4096];
        snprintf(p, sizeof p, "%s/%s", dir, names[i]);
        if (access(p, R_OK) != 0) continue;
        st = dataset_load(&d, dir, names[i], &cs, nn_crnn_cfg(m)->height, EVAL_WIDTH,
                          (size_t)max_samples, true, err);
        break;
    }
    if (st == AP_OK && !d.v) st = ap_fail(err, AP_ERR_NOT_FOUND, "%s: no manifest", dir);
    if (st != AP_OK) goto out;
    double secs, cpu0 = cpu_s();
    *cer = eval_cer_with(m, &d, max_samples, &secs, dec);
    if (ms_per_line) *ms_per_line = 1000.0 * secs / (double)d.n;
    if (cpu_ms_per_line) *cpu_ms_per_line = 1000.0 * (cpu_s() - cpu0) / (double)d.n;
out:
    dataset_free(&d);
    nn_charset_free(&cs);
    free(charset);
    nn_crnn_free(m);
    return st;
}

ap_status train_lm(const char *model_path, const char *data, const char *out, int order,
                   int min_count, const train_decoder *use, ap_error *err)
{
    nn_crnn *m = NULL;
    char *charset = NULL, dir[3072], p[4096];
    nn_charset cs = {0};
    nn_lm *lm = NULL;
    unsigned char *buf = NULL;
    size_t len, lines = 0, skipped = 0;
    ap_status st = nn_crnn_load(model_path, 1, 16, &m, &charset, err);
    if (st != AP_OK) return st;
    int K = nn_crnn_cfg(m)->nclasses;
    nn_crnn_free(m);
    if ((st = nn_charset_parse(&cs, charset, err)) != AP_OK) goto out;
    if ((st = nn_lm_new(K, order, &lm, err)) != AP_OK) goto out;
    data_dir(dir, sizeof dir, data);
    snprintf(p, sizeof p, "%s/train.jsonl", dir);
    if ((st = upload_read_file(p, MAX_MANIFEST, &buf, &len, err)) != AP_OK) goto out;
    uint64_t hash = 1469598103934665603ull;
    for (size_t i = 0; i < len; i++)
        hash = (hash ^ buf[i]) * 1099511628211ull;
    for (size_t i = 0; i < len && st == AP_OK;) {
        size_t e = i;
        while (e < len && buf[e] != '\n')
            e++;
        json_error_t je;
        json_t *o = json_loadb((const char *)buf + i, e - i, 0, &je);
        const char *text = json_string_value(json_object_get(o, "text"));
        int cls[MAX_LABEL];
        int n = text ? nn_charset_encode(&cs, text, cls, MAX_LABEL) : -1;
        if (n > 0) {
            st = nn_lm_add(lm, cls, n, err);
            lines++;
        } else if (o) {
            skipped++; /* a character the model cannot emit, or an over-long line */
        }
        json_decref(o);
        i = e + 1;
    }
    if (st == AP_OK && !lines) st = ap_fail(err, AP_ERR_INVALID, "%s: no text lines", p);
    if (st == AP_OK) st = nn_lm_finish(lm, min_count, err);
    if (st == AP_OK) {
        char hs[40], ls[32], mc[16], ws[32], bs[16];
        snprintf(hs, sizeof hs, "fnv1a64:%016llx", (unsigned long long)hash);
        snprintf(ls, sizeof ls, "%zu", lines);
        snprintf(mc, sizeof mc, "%d", min_count);
        snprintf(ws, sizeof ws, "%g", use->weight);
        snprintf(bs, sizeof bs, "%d", use->beam);
        const char *k[] = {"corpus_hash", "corpus_lines", "min_count", "weight", "beam"};
        const char *v[] = {hs, ls, mc, ws, bs};
        st = nn_lm_save(lm, out, charset, k, v, 5, err);
        if (st == AP_OK)
            log_info("train lm: %zu lines (%zu skipped), %zu n-grams of order %d -> %s", lines,
                     skipped, nn_lm_ngrams(lm), order, out);
    }
out:
    free(buf);
    nn_lm_free(lm);
    nn_charset_free(&cs);
    free(charset);
    return st;
}

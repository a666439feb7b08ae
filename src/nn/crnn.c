/* crnn: model, arena, forward/backward, save/load, LoRA, image and charset (see crnn.h).
 *
 * Arena layout: every parameter tensor and every activation is an offset into one block,
 * computed once in layout(); the same offsets index the gradient blocks. Activations are
 * sized for (max_batch, max_width) and used at the current (B, W): a forward at a smaller
 * width uses a prefix of each buffer. Invariant: m->B, m->W and m->len are the sizes and
 * line lengths of the last forward, and backward uses them. */
#include "nn/crnn.h"

#include <assert.h>
#include <cblas.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "nn/gru.h"
#include "nn/nn.h"
#include "nn/parallel.h"
#include "nn/safetensors.h"
#include "vision/scale.h"

static const int POOL_H[4] = {2, 2, 2, 2}, POOL_W[4] = {2, 2, 1, 1};

enum {
    A_IN,
    A_CONV,
    A_POOL = A_CONV + 4,
    A_SEQ = A_POOL + 4,
    A_PROJ,
    A_LN0,
    A_G0,
    A_LOGITS,
    A_BLOCK0
}; /* then per block the slots below */
/* A block's activations. Slots 2-4 and 7 hold what its mixing layer keeps for backward:
 * conv: im2col, the convolution, its GELU (no slot 7); bigru: both directions' gates
 * (2 x (N, 3D/2)), their W_hn h + b_hn (2 x (N, D/2)), the concatenated states (N, D), the
 * states each step started from (2 x (N, D/2)). */
enum { S_X, S_LN, S_COL, S_MIX, S_OUT, S_DROP, S_MASK, S_HPREV, A_BLOCK_N };
#define A_MAX (A_BLOCK0 + A_BLOCK_N * (NN_CRNN_MAX_BLOCKS + 1))

struct nn_crnn {
    nn_crnn_config cfg;
    int max_batch, max_width, B, W;
    size_t nparams, nacts;
    float *params, *grads, *acts, *dacts;
    float *col, *dcol;                  /* im2col scratch, largest layer */
    int *pool_idx[4];                   /* max-pool argmax per stage */
    float *ln_mean, *ln_rstd;           /* (1 + blocks) * max rows each */
    float *gru_step, *gru_dgh, *gru_dh; /* bigru scratch: (B, 3D/2), (N, 3D/2), (B, D/2) */
    int *len;                           /* (max_batch) frames of each line, last forward */
    size_t act_off[A_MAX];              /* offsets into acts/dacts */
    nn_tensor t[NN_CRNN_MAX_TENSORS];
    size_t nt;
    /* parameter tensor indices */
    int conv_w[4], conv_b[4], proj_w, proj_b, ln0_g, ln0_b, out_w, out_b;
    int blk_ln_g[NN_CRNN_MAX_BLOCKS], blk_ln_b[NN_CRNN_MAX_BLOCKS];
    int blk_w[NN_CRNN_MAX_BLOCKS], blk_b[NN_CRNN_MAX_BLOCKS];
    /* bigru: per block and direction (0 forward, 1 reverse) */
    int gru_wih[NN_CRNN_MAX_BLOCKS][2], gru_whh[NN_CRNN_MAX_BLOCKS][2];
    int gru_bih[NN_CRNN_MAX_BLOCKS][2], gru_bhh[NN_CRNN_MAX_BLOCKS][2];
};

const char *nn_crnn_head_name(nn_crnn_head h)
{
    return h == NN_HEAD_BIGRU ? "bigru" : "conv";
}

int nn_crnn_head_parse(const char *name, nn_crnn_head *out)
{
    if (strcmp(name, "conv") == 0)
        *out = NN_HEAD_CONV;
    else if (strcmp(name, "bigru") == 0)
        *out = NN_HEAD_BIGRU;
    else
        return -1;
    return 0;
}

ap_status nn_crnn_check_config(const nn_crnn_config *c, ap_error *err)
{
    if (c->height < 16 || c->height > 64 || c->height % 16)
        return ap_fail(err, AP_ERR_INVALID, "model height %d: 16, 32, 48 or 64", c->height);
    for (int i = 0; i < 4; i++)
        if (c->conv[i] < 1 || c->conv[i] > 512)
            return ap_fail(err, AP_ERR_INVALID, "conv[%d] = %d channels: 1..512", i, c->conv[i]);
    if (c->dim < 1 || c->dim > 1024) return ap_fail(err, AP_ERR_INVALID, "dim %d: 1..1024", c->dim);
    if (c->blocks < 0 || c->blocks > NN_CRNN_MAX_BLOCKS)
        return ap_fail(err, AP_ERR_INVALID, "blocks %d: 0..%d", c->blocks, NN_CRNN_MAX_BLOCKS);
    if (c->kernel < 1 || c->kernel > 15 || c->kernel % 2 == 0)
        return ap_fail(err, AP_ERR_INVALID, "kernel %d: odd, 1..15", c->kernel);
    if (c->nclasses < 2 || c->nclasses > 4096)
        return ap_fail(err, AP_ERR_INVALID, "nclasses %d: 2..4096", c->nclasses);
    if (!(c->dropout >= 0.0f && c->dropout < 1.0f))
        return ap_fail(err, AP_ERR_INVALID, "dropout %g: [0, 1)", (double)c->dropout);
    if (c->head != NN_HEAD_CONV && c->head != NN_HEAD_BIGRU)
        return ap_fail(err, AP_ERR_INVALID, "head %d: conv or bigru", (int)c->head);
    if (c->head == NN_HEAD_BIGRU && (c->dim < 2 || c->dim % 2))
        return ap_fail(err, AP_ERR_INVALID, "dim %d: even for the bigru head (D/2 per direction)",
                       c->dim);
    return AP_OK;
}

static int add_tensor(nn_crnn *m, const char *name, int ndim, int64_t d0, int64_t d1, int matrix)
{
    nn_tensor *t = &m->t[m->nt];
    snprintf(t->name, sizeof t->name, "%s", name);
    t->ndim = ndim;
    t->shape[0] = d0;
    t->shape[1] = d1;
    t->n = (size_t)d0 * (ndim > 1 ? (size_t)d1 : 1);
    t->matrix = matrix;
    t->data = (float *)(uintptr_t)m->nparams; /* an offset until the block exists */
    m->nparams += t->n;
    return (int)m->nt++;
}

/* Names the parameters and computes every offset; returns the activation floats needed. */
static void layout(nn_crnn *m)
{
    const nn_crnn_config *c = &m->cfg;
    char name[48];
    int cin = 1;
    for (int l = 0; l < 4; l++) {
        snprintf(name, sizeof name, "conv%d.weight", l);
        m->conv_w[l] = add_tensor(m, name, 2, c->conv[l], cin * 9, 1);
        snprintf(name, sizeof name, "conv%d.bias", l);
        m->conv_b[l] = add_tensor(m, name, 1, c->conv[l], 0, 0);
        cin = c->conv[l];
    }
    int F = c->conv[3] * (c->height / 16), D = c->dim;
    m->proj_w = add_tensor(m, "proj.weight", 2, D, F, 1);
    m->proj_b = add_tensor(m, "proj.bias", 1, D, 0, 0);
    m->ln0_g = add_tensor(m, "proj_norm.weight", 1, D, 0, 0);
    m->ln0_b = add_tensor(m, "proj_norm.bias", 1, D, 0, 0);
    int Hg = D / 2, Gg = 3 * Hg; /* bigru: units per direction, gate rows */
    for (int j = 0; j < c->blocks; j++) {
        snprintf(name, sizeof name, "blocks.%d.norm.weight", j);
        m->blk_ln_g[j] = add_tensor(m, name, 1, D, 0, 0);
        snprintf(name, sizeof name, "blocks.%d.norm.bias", j);
        m->blk_ln_b[j] = add_tensor(m, name, 1, D, 0, 0);
        if (c->head == NN_HEAD_CONV) {
            snprintf(name, sizeof name, "blocks.%d.conv.weight", j);
            m->blk_w[j] = add_tensor(m, name, 2, D, (int64_t)c->kernel * D, 1);
            snprintf(name, sizeof name, "blocks.%d.conv.bias", j);
            m->blk_b[j] = add_tensor(m, name, 1, D, 0, 0);
            continue;
        }
        /* torch.nn.GRU's weight_ih_l0 = gru.fwd.ih.weight, ..._reverse = gru.bwd.* */
        for (int d = 0; d < 2; d++) {
            const char *dir = d ? "bwd" : "fwd";
            snprintf(name, sizeof name, "blocks.%d.gru.%s.ih.weight", j, dir);
            m->gru_wih[j][d] = add_tensor(m, name, 2, Gg, D, 1);
            snprintf(name, sizeof name, "blocks.%d.gru.%s.ih.bias", j, dir);
            m->gru_bih[j][d] = add_tensor(m, name, 1, Gg, 0, 0);
            snprintf(name, sizeof name, "blocks.%d.gru.%s.hh.weight", j, dir);
            m->gru_whh[j][d] = add_tensor(m, name, 2, Gg, Hg, 1);
            snprintf(name, sizeof name, "blocks.%d.gru.%s.hh.bias", j, dir);
            m->gru_bhh[j][d] = add_tensor(m, name, 1, Gg, 0, 0);
        }
    }
    m->out_w = add_tensor(m, "head.weight", 2, c->nclasses, D, 1);
    m->out_b = add_tensor(m, "head.bias", 1, c->nclasses, 0, 0);

    size_t B = (size_t)m->max_batch, W = (size_t)m->max_width, H = (size_t)c->height;
    size_t T = W / 4, N = B * T, off = 0;
    m->act_off[A_IN] = off, off += B * H * W;
    size_t h = H, w = W;
    for (int l = 0; l < 4; l++) {
        m->act_off[A_CONV + l] = off, off += (size_t)c->conv[l] * B * h * w;
        h /= (size_t)POOL_H[l], w /= (size_t)POOL_W[l];
        m->act_off[A_POOL + l] = off, off += (size_t)c->conv[l] * B * h * w;
    }
    m->act_off[A_SEQ] = off, off += N * (size_t)F;
    m->act_off[A_PROJ] = off, off += N * (size_t)D;
    m->act_off[A_LN0] = off, off += N * (size_t)D;
    m->act_off[A_G0] = off, off += N * (size_t)D;
    m->act_off[A_LOGITS] = off, off += N * (size_t)c->nclasses;
    int gru = c->head == NN_HEAD_BIGRU;
    for (int j = 0; j <= c->blocks; j++) {
        size_t *o = &m->act_off[A_BLOCK0 + A_BLOCK_N * j], ND = N * (size_t)D;
        o[S_X] = off, off += ND; /* the residual stream into block j (x[blocks]: the output) */
        if (j == c->blocks) break;
        o[S_LN] = off, off += ND;
        o[S_COL] = off, off += gru ? 3 * ND : ND * (size_t)c->kernel;
        o[S_MIX] = off, off += ND;
        o[S_OUT] = off, off += ND;
        o[S_DROP] = off, off += ND;
        o[S_MASK] = off, off += ND;
        o[S_HPREV] = off, off += gru ? ND : 0;
    }
    m->nacts = off;
}

#define ACT(m, a)  ((m)->acts + (m)->act_off[a])
#define DACT(m, a) ((m)->dacts + (m)->act_off[a])
#define BLK(j, k)  (A_BLOCK0 + A_BLOCK_N * (j) + (k))
#define P(m, i)    ((m)->t[i].data)
#define G(m, i)    ((m)->t[i].grad)

static size_t col_size(const nn_crnn *m)
{
    size_t best = 0, h = (size_t)m->cfg.height, w = (size_t)m->max_width;
    int cin = 1;
    for (int l = 0; l < 4; l++) {
        size_t s = (size_t)cin * 9 * (size_t)m->max_batch * h * w;
        best = s > best ? s : best;
        cin = m->cfg.conv[l];
        h /= (size_t)POOL_H[l], w /= (size_t)POOL_W[l];
    }
    return best;
}

ap_status nn_crnn_new(const nn_crnn_config *cfg, int max_batch, int max_width, nn_crnn **out,
                      ap_error *err)
{
    *out = NULL;
    ap_status st = nn_crnn_check_config(cfg, err);
    if (st != AP_OK) return st;
    if (max_batch < 1 || max_batch > NN_CRNN_MAX_BATCH || max_width < 4 ||
        max_width > NN_CRNN_MAX_WIDTH)
        return ap_fail(err, AP_ERR_INVALID, "batch %d (1..%d) or width %d (4..%d) out of range",
                       max_batch, NN_CRNN_MAX_BATCH, max_width, NN_CRNN_MAX_WIDTH);
    nn_crnn *m = calloc(1, sizeof *m);
    if (!m) return ap_fail(err, AP_ERR_NOMEM, "out of memory");
    m->cfg = *cfg;
    m->max_batch = max_batch;
    m->max_width = (max_width + 3) / 4 * 4;
    layout(m);
    size_t ncol = col_size(m), rows = (size_t)max_batch * (size_t)(m->max_width / 4);
    m->params = calloc(m->nparams, sizeof(float));
    m->grads = calloc(m->nparams, sizeof(float));
    m->acts = calloc(m->nacts, sizeof(float));
    m->dacts = calloc(m->nacts, sizeof(float));
    m->col = malloc(ncol * sizeof(float));
    m->dcol = malloc(ncol * sizeof(float));
    m->ln_mean = malloc(rows * (size_t)(cfg->blocks + 1) * sizeof(float));
    m->ln_rstd = malloc(rows * (size_t)(cfg->blocks + 1) * sizeof(float));
    size_t gates = 3 * (size_t)(cfg->dim / 2) + 1; /* bigru gate rows (+1: never 0 bytes) */
    m->gru_step = malloc((size_t)max_batch * gates * sizeof(float));
    m->gru_dgh = malloc(rows * gates * sizeof(float));
    m->gru_dh = malloc((size_t)max_batch * gates * sizeof(float));
    m->len = malloc((size_t)max_batch * sizeof(int));
    int ok = m->params && m->grads && m->acts && m->dacts && m->col && m->dcol && m->ln_mean &&
             m->ln_rstd && m->gru_step && m->gru_dgh && m->gru_dh && m->len;
    size_t h = (size_t)cfg->height, w = (size_t)m->max_width;
    for (int l = 0; l < 4 && ok; l++) {
        h /= (size_t)POOL_H[l], w /= (size_t)POOL_W[l];
        ok = (m->pool_idx[l] =
                  malloc((size_t)cfg->conv[l] * (size_t)max_batch * h * w * sizeof(int))) != NULL;
    }
    if (!ok) {
        nn_crnn_free(m);
        return ap_fail(err, AP_ERR_NOMEM, "out of memory for the model's arena");
    }
    for (size_t i = 0; i < m->nt; i++) {
        size_t off = (size_t)(uintptr_t)m->t[i].data;
        m->t[i].data = m->params + off;
        m->t[i].grad = m->grads + off;
    }
    *out = m;
    return AP_OK;
}

void nn_crnn_free(nn_crnn *m)
{
    if (!m) return;
    free(m->params), free(m->grads), free(m->acts), free(m->dacts);
    free(m->col), free(m->dcol), free(m->ln_mean), free(m->ln_rstd);
    free(m->gru_step), free(m->gru_dgh), free(m->gru_dh), free(m->len);
    for (int l = 0; l < 4; l++)
        free(m->pool_idx[l]);
    free(m);
}

void nn_crnn_init(nn_crnn *m, uint64_t seed)
{
    uint64_t rng = nn_rng_seed(seed, 1, 0);
    for (size_t i = 0; i < m->nt; i++) {
        nn_tensor *t = &m->t[i];
        int is_gain = strstr(t->name, "norm.weight") != NULL;
        for (size_t k = 0; k < t->n; k++)
            t->data[k] = is_gain ? 1.0f : 0.0f;
        if (!t->matrix) continue;
        /* He: variance 2 / fan_in keeps activations' scale through ReLU layers; the GRU's
         * gates saturate (sigmoid, tanh), so its matrices take variance 1 / fan_in */
        float sd = sqrtf((strstr(t->name, ".gru.") ? 1.0f : 2.0f) / (float)t->shape[1]);
        if ((int)i == m->out_w) sd *= 0.5f;
        for (size_t k = 0; k < t->n; k++)
            t->data[k] = sd * nn_rng_normal(&rng);
    }
}

const nn_crnn_config *nn_crnn_cfg(const nn_crnn *m)
{
    return &m->cfg;
}
size_t nn_crnn_nparams(const nn_crnn *m)
{
    return m->nparams;
}
float *nn_crnn_params(nn_crnn *m)
{
    return m->params;
}
float *nn_crnn_grads(nn_crnn *m)
{
    return m->grads;
}
size_t nn_crnn_ntensors(const nn_crnn *m)
{
    return m->nt;
}
nn_tensor *nn_crnn_tensor(nn_crnn *m, size_t i)
{
    return i < m->nt ? &m->t[i] : NULL;
}
int nn_crnn_max_width(const nn_crnn *m)
{
    return m->max_width;
}
int nn_crnn_max_batch(const nn_crnn *m)
{
    return m->max_batch;
}

nn_tensor *nn_crnn_find(nn_crnn *m, const char *name)
{
    for (size_t i = 0; i < m->nt; i++)
        if (strcmp(m->t[i].name, name) == 0) return &m->t[i];
    return NULL;
}

double nn_crnn_flops_per_column(const nn_crnn *m)
{
    const nn_crnn_config *c = &m->cfg;
    double f = 0, h = c->height, w = 1;
    int cin = 1;
    for (int l = 0; l < 4; l++) {
        f += 2.0 * c->conv[l] * cin * 9 * h * w;
        cin = c->conv[l];
        h /= POOL_H[l], w /= POOL_W[l];
    }
    double cols = 0.25; /* frames per image column */
    f += cols * 2.0 * c->dim * (c->conv[3] * (c->height / 16));
    if (c->head == NN_HEAD_BIGRU) /* per direction: 3H x D input, 3H x H recurrent, H = D/2 */
        f += cols * c->blocks * 2.0 *
             (2.0 * 1.5 * c->dim * c->dim + 2.0 * 1.5 * c->dim * c->dim / 2);
    else
        f += cols * c->blocks * 2.0 * c->dim * c->dim * c->kernel;
    f += cols * 2.0 * c->nclasses * c->dim;
    return f;
}

/* ReLU then max-pool, fused: max(relu(x)) = relu(max(x)), so the pool runs on the raw
 * convolution output and applies the ReLU to the one value it keeps; the convolution
 * buffer stays pre-activation, which saves a pass over the largest activations. The
 * gradient reaches the window's argmax only where that raw value is > 0: exactly the
 * derivative of relu(max(x)) (with ties, the first maximum, as nn_maxpool_forward).
 * Windows do not overlap, so backward WRITES every input gradient (zero elsewhere), which
 * also spares zeroing those buffers first. */
typedef struct pool_relu_args {
    float *out, *dinp;
    int *idx;
    const float *inp, *dout;
    const int *cidx;
    int H, W, ph, pw;
} pool_relu_args;

static void pool_relu_planes(void *arg, size_t lo, size_t hi)
{
    const pool_relu_args *a = arg;
    int H = a->H, W = a->W, ph = a->ph, pw = a->pw, Ho = H / ph, Wo = W / pw;
    size_t per = (size_t)Ho * Wo;
    nn_maxpool_forward(a->out + lo * per, a->idx + lo * per, a->inp + lo * (size_t)H * W,
                       (int)(hi - lo), H, W, ph, pw);
    for (size_t i = lo * per; i < hi * per; i++)
        a->out[i] = a->out[i] > 0.0f ? a->out[i] : 0.0f;
}

static void pool_relu_back_planes(void *arg, size_t lo, size_t hi)
{
    const pool_relu_args *a = arg;
    size_t plane = (size_t)a->H * a->W, per = (size_t)(a->H / a->ph) * (size_t)(a->W / a->pw);
    for (size_t p = lo; p < hi; p++) {
        float *d = a->dinp + p * plane;
        const float *x = a->inp + p * plane, *g = a->dout + p * per;
        const int *ix = a->cidx + p * per;
        memset(d, 0, sizeof(float) * plane);
        for (size_t o = 0; o < per; o++)
            if (x[ix[o]] > 0.0f) d[ix[o]] = g[o];
    }
}

/* out, idx: (P, H/ph, W/pw); inp: (P, H, W), pre-activation. */
static void pool_relu_forward(float *out, int *idx, const float *inp, int P, int H, int W, int ph,
                              int pw)
{
    pool_relu_args a = {.out = out, .idx = idx, .inp = inp, .H = H, .W = W, .ph = ph, .pw = pw};
    /* nn_maxpool_forward's own nn_par_for runs inline inside each range (parallel.h) */
    nn_par_for((size_t)P, 1, pool_relu_planes, &a);
}

/* dinp (P, H, W) = the gradient (written, not added); inp: the forward's input. */
static void pool_relu_backward(float *dinp, const float *dout, const int *idx, const float *inp,
                               int P, int H, int W, int ph, int pw)
{
    pool_relu_args a = {
        .dinp = dinp, .dout = dout, .cidx = idx, .inp = inp, .H = H, .W = W, .ph = ph, .pw = pw};
    nn_par_for((size_t)P, 1, pool_relu_back_planes, &a);
}

/* One direction's buffers of bigru block j, for the current N = B*T rows (slots: see
 * A_BLOCK_N). base: the activations or their gradients. */
typedef struct gru_bufs {
    float *gates, *cand, *out, *hprev;
} gru_bufs;

static gru_bufs gru_dir(nn_crnn *m, float *base, int j, int d)
{
    size_t N = (size_t)m->B * (size_t)(m->W / 4), Hg = (size_t)m->cfg.dim / 2;
    const size_t *o = &m->act_off[BLK(j, 0)];
    return (gru_bufs){.gates = base + o[S_COL] + (size_t)d * N * 3 * Hg,
                      .cand = base + o[S_MIX] + (size_t)d * N * Hg,
                      .out = base + o[S_OUT] + (size_t)d * Hg,
                      .hprev = base + o[S_HPREV] + (size_t)d * N * Hg};
}

/* x[j] -> the block's mixing output (slot S_OUT), from its layer-normed input (S_LN). */
static void mix_forward(nn_crnn *m, int j)
{
    const nn_crnn_config *c = &m->cfg;
    int B = m->B, T = m->W / 4, N = B * T, D = c->dim;
    const float *ln = ACT(m, BLK(j, S_LN));
    if (c->head == NN_HEAD_CONV) {
        nn_im2col_time(ACT(m, BLK(j, S_COL)), ln, B, T, D, c->kernel);
        nn_linear_forward(ACT(m, BLK(j, S_MIX)), ACT(m, BLK(j, S_COL)), P(m, m->blk_w[j]),
                          P(m, m->blk_b[j]), N, D * c->kernel, D);
        nn_gelu_forward(ACT(m, BLK(j, S_OUT)), ACT(m, BLK(j, S_MIX)), (size_t)N * D);
        return;
    }
    for (int d = 0; d < 2; d++) {
        gru_bufs a = gru_dir(m, m->acts, j, d);
        nn_gru_forward(a.out, D, a.gates, a.cand, a.hprev, m->gru_step, ln, P(m, m->gru_wih[j][d]),
                       P(m, m->gru_whh[j][d]), P(m, m->gru_bih[j][d]), P(m, m->gru_bhh[j][d]),
                       m->len, B, T, D, D / 2, d);
    }
}

/* The adjoint of mix_forward: ADDS into the gradient of S_LN from that of S_OUT. */
static void mix_backward(nn_crnn *m, int j)
{
    const nn_crnn_config *c = &m->cfg;
    int B = m->B, T = m->W / 4, N = B * T, D = c->dim;
    float *dln = DACT(m, BLK(j, S_LN));
    if (c->head == NN_HEAD_CONV) {
        nn_gelu_backward(DACT(m, BLK(j, S_MIX)), DACT(m, BLK(j, S_OUT)), ACT(m, BLK(j, S_MIX)),
                         (size_t)N * D);
        nn_linear_backward(DACT(m, BLK(j, S_COL)), G(m, m->blk_w[j]), G(m, m->blk_b[j]),
                           DACT(m, BLK(j, S_MIX)), ACT(m, BLK(j, S_COL)), P(m, m->blk_w[j]), N,
                           D * c->kernel, D);
        nn_col2im_time(dln, DACT(m, BLK(j, S_COL)), B, T, D, c->kernel);
        return;
    }
    for (int d = 0; d < 2; d++) {
        gru_bufs a = gru_dir(m, m->acts, j, d), g = gru_dir(m, m->dacts, j, d);
        /* the gates' gradient slot holds the input-side gate gradients (dgx) */
        nn_gru_backward(dln, G(m, m->gru_wih[j][d]), G(m, m->gru_whh[j][d]), G(m, m->gru_bih[j][d]),
                        G(m, m->gru_bhh[j][d]), g.gates, m->gru_dgh, m->gru_dh, g.out, D, a.gates,
                        a.cand, a.hprev, ACT(m, BLK(j, S_LN)), P(m, m->gru_wih[j][d]),
                        P(m, m->gru_whh[j][d]), m->len, B, T, D, D / 2, d);
    }
}

const float *nn_crnn_forward(nn_crnn *m, const float *images, int B, int W, const int *tlen,
                             int train, uint64_t rng)
{
    assert(B >= 1 && B <= m->max_batch && W >= 4 && W <= m->max_width && W % 4 == 0);
    const nn_crnn_config *c = &m->cfg;
    m->B = B, m->W = W;
    int H = c->height, T = W / 4, N = B * T, D = c->dim, cin = 1;
    for (int b = 0; b < B; b++) {
        int l = tlen ? tlen[b] : T;
        m->len[b] = l < 1 ? 1 : l > T ? T : l;
    }
    memcpy(ACT(m, A_IN), images, sizeof(float) * (size_t)B * H * W);
    const float *x = ACT(m, A_IN);
    int h = H, w = W;
    for (int l = 0; l < 4; l++) {
        float *co = ACT(m, A_CONV + l);
        nn_conv2d_forward(co, m->col, x, P(m, m->conv_w[l]), P(m, m->conv_b[l]), B, cin, h, w,
                          c->conv[l], 3, 3);
        pool_relu_forward(ACT(m, A_POOL + l), m->pool_idx[l], co, c->conv[l] * B, h, w, POOL_H[l],
                          POOL_W[l]);
        x = ACT(m, A_POOL + l);
        cin = c->conv[l];
        h /= POOL_H[l], w /= POOL_W[l];
    }
    int F = c->conv[3] * h;
    nn_collapse_forward(ACT(m, A_SEQ), x, c->conv[3], B, h, w);
    nn_linear_forward(ACT(m, A_PROJ), ACT(m, A_SEQ), P(m, m->proj_w), P(m, m->proj_b), N, F, D);
    nn_layernorm_forward(ACT(m, A_LN0), m->ln_mean, m->ln_rstd, ACT(m, A_PROJ), P(m, m->ln0_g),
                         P(m, m->ln0_b), N, D);
    nn_gelu_forward(ACT(m, BLK(0, S_X)), ACT(m, A_LN0), (size_t)N * D);
    for (int j = 0; j < c->blocks; j++) {
        const float *xj = ACT(m, BLK(j, S_X));
        size_t rows = (size_t)(j + 1) * (size_t)m->max_batch * (size_t)(m->max_width / 4);
        nn_layernorm_forward(ACT(m, BLK(j, S_LN)), m->ln_mean + rows, m->ln_rstd + rows, xj,
                             P(m, m->blk_ln_g[j]), P(m, m->blk_ln_b[j]), N, D);
        mix_forward(m, j);
        uint64_t r = nn_rng_seed(rng, 2, (uint64_t)j);
        nn_dropout_forward(ACT(m, BLK(j, S_DROP)), ACT(m, BLK(j, S_MASK)), ACT(m, BLK(j, S_OUT)),
                           (size_t)N * D, train ? c->dropout : 0.0f, &r);
        float *xn = ACT(m, BLK(j + 1, S_X));
        memcpy(xn, xj, sizeof(float) * (size_t)N * D);
        nn_add(xn, ACT(m, BLK(j, S_DROP)), (size_t)N * D);
    }
    nn_linear_forward(ACT(m, A_LOGITS), ACT(m, BLK(c->blocks, S_X)), P(m, m->out_w), P(m, m->out_b),
                      N, D, c->nclasses);
    return ACT(m, A_LOGITS);
}

void nn_crnn_zero_grad(nn_crnn *m)
{
    memset(m->grads, 0, sizeof(float) * m->nparams);
}

/* Zeroes the used prefix of every activation gradient (backward adds into them). */
static void zero_dacts(nn_crnn *m)
{
    size_t scale = (size_t)m->B * (size_t)m->W, full = (size_t)m->max_batch * (size_t)m->max_width;
    int last = A_BLOCK0 + A_BLOCK_N * m->cfg.blocks; /* the final residual stream */
    for (int a = 0; a <= last; a++) {
        if (a >= A_CONV && a < A_CONV + 4) continue; /* written whole by pool_relu_backward */
        int slot = a >= A_BLOCK0 ? (a - A_BLOCK0) % A_BLOCK_N : -1;
        if (slot == S_HPREV) continue; /* conv: empty; bigru: no gradient kept */
        if (m->cfg.head == NN_HEAD_BIGRU && (slot == S_COL || slot == S_MIX))
            continue; /* the gates' gradient is written whole; the candidate's is unused */
        size_t start = m->act_off[a], end = m->nacts;
        for (int b = 0; b <= last; b++)
            if (m->act_off[b] > start && m->act_off[b] < end) end = m->act_off[b];
        /* each buffer's size is proportional to B * W: clear the share the last forward used */
        nn_zero(m->dacts + start, (end - start) * scale / full);
    }
}

void nn_crnn_backward(nn_crnn *m, const float *dlogits)
{
    const nn_crnn_config *c = &m->cfg;
    int B = m->B, W = m->W, H = c->height, T = W / 4, N = B * T, D = c->dim;
    zero_dacts(m);
    float *dx = DACT(m, BLK(c->blocks, S_X));
    nn_linear_backward(dx, G(m, m->out_w), G(m, m->out_b), dlogits, ACT(m, BLK(c->blocks, S_X)),
                       P(m, m->out_w), N, D, c->nclasses);
    for (int j = c->blocks - 1; j >= 0; j--) {
        float *dxn = DACT(m, BLK(j + 1, S_X)), *dxj = DACT(m, BLK(j, S_X));
        nn_add(dxj, dxn, (size_t)N * D); /* the residual path */
        nn_dropout_backward(DACT(m, BLK(j, S_OUT)), dxn, ACT(m, BLK(j, S_MASK)), (size_t)N * D);
        mix_backward(m, j);
        size_t rows = (size_t)(j + 1) * (size_t)m->max_batch * (size_t)(m->max_width / 4);
        nn_layernorm_backward(dxj, G(m, m->blk_ln_g[j]), G(m, m->blk_ln_b[j]),
                              DACT(m, BLK(j, S_LN)), ACT(m, BLK(j, S_X)), P(m, m->blk_ln_g[j]),
                              m->ln_mean + rows, m->ln_rstd + rows, N, D);
    }
    nn_gelu_backward(DACT(m, A_LN0), DACT(m, BLK(0, S_X)), ACT(m, A_LN0), (size_t)N * D);
    nn_layernorm_backward(DACT(m, A_PROJ), G(m, m->ln0_g), G(m, m->ln0_b), DACT(m, A_LN0),
                          ACT(m, A_PROJ), P(m, m->ln0_g), m->ln_mean, m->ln_rstd, N, D);
    int hs[5] = {H}, ws[5] = {W};
    for (int l = 0; l < 4; l++)
        hs[l + 1] = hs[l] / POOL_H[l], ws[l + 1] = ws[l] / POOL_W[l];
    int F = c->conv[3] * hs[4];
    nn_linear_backward(DACT(m, A_SEQ), G(m, m->proj_w), G(m, m->proj_b), DACT(m, A_PROJ),
                       ACT(m, A_SEQ), P(m, m->proj_w), N, F, D);
    nn_collapse_backward(DACT(m, A_POOL + 3), DACT(m, A_SEQ), c->conv[3], B, hs[4], ws[4]);
    for (int l = 3; l >= 0; l--) {
        int cin = l ? c->conv[l - 1] : 1;
        float *dco = DACT(m, A_CONV + l);
        pool_relu_backward(dco, DACT(m, A_POOL + l), m->pool_idx[l], ACT(m, A_CONV + l),
                           c->conv[l] * B, hs[l], ws[l], POOL_H[l], POOL_W[l]);
        nn_conv2d_backward(l ? DACT(m, A_POOL + l - 1) : NULL, G(m, m->conv_w[l]),
                           G(m, m->conv_b[l]), m->col, m->dcol, dco,
                           l ? ACT(m, A_POOL + l - 1) : ACT(m, A_IN), P(m, m->conv_w[l]), B, cin,
                           hs[l], ws[l], c->conv[l], 3, 3);
    }
}

/* ---- save / load ---- */

ap_status nn_crnn_save(nn_crnn *m, const char *path, const char *const *keys,
                       const char *const *values, size_t n, ap_error *err)
{
    nn_st_entry e[NN_CRNN_MAX_TENSORS];
    for (size_t i = 0; i < m->nt; i++) {
        e[i].name = m->t[i].name;
        e[i].data = m->t[i].data;
        e[i].ndim = m->t[i].ndim;
        e[i].shape[0] = m->t[i].shape[0];
        e[i].shape[1] = m->t[i].shape[1];
    }
    const nn_crnn_config *c = &m->cfg;
    char vals[9][64];
    snprintf(vals[0], 64, "crnn-ctc-v1");
    snprintf(vals[1], 64, "%d", c->height);
    snprintf(vals[2], 64, "%d,%d,%d,%d", c->conv[0], c->conv[1], c->conv[2], c->conv[3]);
    snprintf(vals[3], 64, "%d", c->dim);
    snprintf(vals[4], 64, "%d", c->blocks);
    snprintf(vals[5], 64, "%d", c->kernel);
    snprintf(vals[6], 64, "%d", c->nclasses);
    snprintf(vals[7], 64, "%g", (double)c->dropout);
    snprintf(vals[8], 64, "%s", nn_crnn_head_name(c->head));
    enum { NCARD = 9 };
    const char *k[NCARD + 32], *v[NCARD + 32];
    const char *names[NCARD] = {"architecture", "input_height", "conv_channels", "dim", "blocks",
                                "kernel",       "nclasses",     "dropout",       "head"};
    for (int i = 0; i < NCARD; i++)
        k[i] = names[i], v[i] = vals[i];
    if (n > 32) return ap_fail(err, AP_ERR_INVALID, "too many metadata entries");
    for (size_t i = 0; i < n; i++)
        k[NCARD + i] = keys[i], v[NCARD + i] = values[i];
    return nn_st_write(path, e, m->nt, k, v, NCARD + n, err);
}

static int meta_int(const nn_st_file *f, const char *key, int *out)
{
    const char *s = nn_st_meta(f, key);
    if (!s) return -1;
    char *end;
    long v = strtol(s, &end, 10);
    if (end == s || *end || v < -100000 || v > 100000) return -1;
    *out = (int)v;
    return 0;
}

ap_status nn_crnn_load(const char *path, int max_batch, int max_width, nn_crnn **out,
                       char **charset, ap_error *err)
{
    *out = NULL;
    *charset = NULL;
    char file[4096];
    struct stat sb;
    if (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode))
        snprintf(file, sizeof file, "%s/model.safetensors", path);
    else
        snprintf(file, sizeof file, "%s", path);
    if (stat(file, &sb) != 0)
        return ap_fail(err, AP_ERR_MODEL_NOT_FOUND, "%s: no model there", file);
    nn_st_file *f = NULL;
    nn_crnn *m = NULL;
    ap_status st = nn_st_read(file, (size_t)1 << 31, &f, err);
    if (st != AP_OK) return st;
    nn_crnn_config c = {0};
    const char *arch = nn_st_meta(f, "architecture"), *conv = nn_st_meta(f, "conv_channels");
    const char *drop = nn_st_meta(f, "dropout"), *cs = nn_st_meta(f, "charset");
    const char *head = nn_st_meta(f, "head"); /* absent in models older than the bigru head */
    if (!arch || strcmp(arch, "crnn-ctc-v1") != 0 || !conv || !cs ||
        sscanf(conv, "%d,%d,%d,%d", &c.conv[0], &c.conv[1], &c.conv[2], &c.conv[3]) != 4 ||
        meta_int(f, "input_height", &c.height) || meta_int(f, "dim", &c.dim) ||
        meta_int(f, "blocks", &c.blocks) || meta_int(f, "kernel", &c.kernel) ||
        meta_int(f, "nclasses", &c.nclasses) || (head && nn_crnn_head_parse(head, &c.head))) {
        st = ap_fail(err, AP_ERR_INVALID, "%s: not a crnn-ctc-v1 model card", file);
        goto out;
    }
    c.dropout = drop ? strtof(drop, NULL) : 0.0f;
    if (!(c.dropout >= 0.0f && c.dropout < 1.0f)) c.dropout = 0.0f;
    if ((st = nn_crnn_new(&c, max_batch, max_width, &m, err)) != AP_OK) goto out;
    for (size_t i = 0; i < m->nt && st == AP_OK; i++)
        st = nn_st_copy(f, m->t[i].name, m->t[i].data, m->t[i].ndim, m->t[i].shape, err);
    if (st != AP_OK) goto out;
    nn_charset set;
    if ((st = nn_charset_parse(&set, cs, err)) != AP_OK) goto out;
    int nchars = set.n;
    nn_charset_free(&set);
    if (nchars + 1 != c.nclasses) {
        st = ap_fail(err, AP_ERR_INVALID, "%s: charset has %d characters for %d classes", file,
                     nchars, c.nclasses);
        goto out;
    }
    if (!(*charset = strdup(cs))) {
        st = ap_fail(err, AP_ERR_NOMEM, "out of memory");
        goto out;
    }
    *out = m;
    m = NULL;
out:
    nn_crnn_free(m);
    nn_st_free(f);
    return st;
}

/* ---- LoRA ---- */

void nn_lora_merge(float *restrict W, const float *restrict W0, const float *restrict A,
                   const float *restrict Bm, const float *restrict rank_mask, int out, int in,
                   int r, float scale)
{
    memcpy(W, W0, sizeof(float) * (size_t)out * in);
    for (int o = 0; o < out; o++)
        for (int k = 0; k < r; k++) {
            float b = scale * Bm[(size_t)o * r + k] * (rank_mask ? rank_mask[k] : 1.0f);
            if (b == 0.0f) continue;
            const float *a = A + (size_t)k * in;
            float *w = W + (size_t)o * in;
            for (int i = 0; i < in; i++)
                w[i] += b * a[i];
        }
}

void nn_lora_backward(float *restrict dA, float *restrict dB, const float *restrict dW,
                      const float *restrict A, const float *restrict Bm,
                      const float *restrict rank_mask, int out, int in, int r, float scale)
{
    for (int o = 0; o < out; o++) {
        const float *g = dW + (size_t)o * in;
        for (int k = 0; k < r; k++) {
            float mk = scale * (rank_mask ? rank_mask[k] : 1.0f);
            if (mk == 0.0f) continue;
            const float *a = A + (size_t)k * in;
            float *da = dA + (size_t)k * in, b = Bm[(size_t)o * r + k] * mk, s = 0.0f;
            for (int i = 0; i < in; i++) {
                da[i] += b * g[i]; /* dA = scale * B^T dW */
                s += g[i] * a[i];
            }
            dB[(size_t)o * r + k] += mk * s; /* dB = scale * dW A^T */
        }
    }
}

/* ---- images ---- */

ap_status nn_image_from_pix(float *out, int *width, PIX *pix, int height, int max_width,
                            ap_error *err)
{
    *width = 0;
    if (!pix || pixGetWidth(pix) < 1 || pixGetHeight(pix) < 1)
        return ap_fail(err, AP_ERR_INVALID, "empty image");
    PIX *grey = pixConvertTo8(pix, 0), *scaled = NULL;
    if (!grey) return ap_fail(err, AP_ERR_NOMEM, "image conversion failed");
    int w0 = pixGetWidth(grey), h0 = pixGetHeight(grey);
    long w = lround((double)w0 * height / h0);
    if (w < 4) w = 4;
    if (w > max_width) w = max_width;
    /* no sharpening: its overshoot would put the paper below its own level */
    scaled = img_scale_grey_plain(grey, (l_float32)w / (l_float32)w0,
                                  (l_float32)height / (l_float32)h0);
    pixDestroy(&grey);
    if (!scaled) return ap_fail(err, AP_ERR_NOMEM, "image scaling failed");
    /* rounding may leave the scaled image a pixel off: read it clamped */
    int sw = pixGetWidth(scaled), sh = pixGetHeight(scaled);
    int pw = ((int)w + 3) / 4 * 4;
    l_uint32 *data = pixGetData(scaled);
    int wpl = pixGetWpl(scaled), lo = 255, hi = 0;
    long sum = 0;
#define PIXEL(x, y) GET_DATA_BYTE(data + ((y) < sh ? (y) : sh - 1) * wpl, (x) < sw ? (x) : sw - 1)
    for (int y = 0; y < height; y++)
        for (int x = 0; x < w; x++) {
            int v = PIXEL(x, y);
            lo = v < lo ? v : lo, hi = v > hi ? v : hi, sum += v;
        }
    /* ink is the minority: on a light page the mean is nearer the bright end */
    int dark_ink = sum / ((long)w * height) >= (lo + hi) / 2;
    float range = hi > lo ? (float)(hi - lo) : 1.0f;
    for (int y = 0; y < height; y++) {
        float *row = out + (size_t)y * pw;
        for (int x = 0; x < w; x++) {
            float v = ((float)PIXEL(x, y) - (float)lo) / range;
            row[x] = dark_ink ? 1.0f - v : v;
        }
        for (int x = (int)w; x < pw; x++)
            row[x] = 0.0f;
    }
#undef PIXEL
    pixDestroy(&scaled);
    *width = pw;
    return AP_OK;
}

/* ---- charset ---- */

/* Decodes one UTF-8 code point at s; returns its length, or 0 when invalid. */
static int utf8_next(const unsigned char *s, uint32_t *cp)
{
    if (s[0] < 0x80) return *cp = s[0], 1;
    int n = (s[0] & 0xE0) == 0xC0 ? 2 : (s[0] & 0xF0) == 0xE0 ? 3 : (s[0] & 0xF8) == 0xF0 ? 4 : 0;
    if (!n) return 0;
    uint32_t c = s[0] & (0x7F >> n);
    for (int i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80) return 0;
        c = (c << 6) | (s[i] & 0x3F);
    }
    if ((n == 2 && c < 0x80) || (n == 3 && c < 0x800) || (n == 4 && (c < 0x10000 || c > 0x10FFFF)))
        return 0;
    *cp = c;
    return n;
}

ap_status nn_charset_parse(nn_charset *cs, const char *utf8, ap_error *err)
{
    size_t len = strlen(utf8);
    cs->n = 0;
    cs->cp = malloc(sizeof(uint32_t) * (len ? len : 1));
    if (!cs->cp) return ap_fail(err, AP_ERR_NOMEM, "out of memory");
    const unsigned char *s = (const unsigned char *)utf8;
    while (*s) {
        uint32_t c;
        int k = utf8_next(s, &c);
        if (!k) {
            nn_charset_free(cs);
            return ap_fail(err, AP_ERR_INVALID, "charset: invalid UTF-8");
        }
        for (int i = 0; i < cs->n; i++)
            if (cs->cp[i] == c) {
                nn_charset_free(cs);
                return ap_fail(err, AP_ERR_INVALID, "charset: U+%04X twice", c);
            }
        cs->cp[cs->n++] = c;
        s += k;
    }
    return AP_OK;
}

void nn_charset_free(nn_charset *cs)
{
    free(cs->cp);
    cs->cp = NULL;
    cs->n = 0;
}

int nn_charset_encode(const nn_charset *cs, const char *utf8, int *classes, int cap)
{
    const unsigned char *s = (const unsigned char *)utf8;
    int n = 0;
    while (*s) {
        uint32_t c;
        int k = utf8_next(s, &c), cls = -1;
        if (!k || n >= cap) return -1;
        for (int i = 0; i < cs->n; i++)
            if (cs->cp[i] == c) cls = i + 1;
        if (cls < 0) return -1;
        classes[n++] = cls;
        s += k;
    }
    return n;
}

void nn_charset_decode(const nn_charset *cs, const int *classes, int n, char *out, size_t size)
{
    size_t o = 0;
    for (int i = 0; i < n; i++) {
        if (classes[i] < 1 || classes[i] > cs->n) continue;
        uint32_t c = cs->cp[classes[i] - 1];
        char buf[4];
        int k;
        if (c < 0x80)
            buf[0] = (char)c, k = 1;
        else if (c < 0x800)
            buf[0] = (char)(0xC0 | (c >> 6)), buf[1] = (char)(0x80 | (c & 0x3F)), k = 2;
        else if (c < 0x10000)
            buf[0] = (char)(0xE0 | (c >> 12)), buf[1] = (char)(0x80 | ((c >> 6) & 0x3F)),
            buf[2] = (char)(0x80 | (c & 0x3F)), k = 3;
        else
            buf[0] = (char)(0xF0 | (c >> 18)), buf[1] = (char)(0x80 | ((c >> 12) & 0x3F)),
            buf[2] = (char)(0x80 | ((c >> 6) & 0x3F)), buf[3] = (char)(0x80 | (c & 0x3F)), k = 4;
        if (o + (size_t)k + 1 > size) break;
        memcpy(out + o, buf, (size_t)k);
        o += (size_t)k;
    }
    if (size) out[o] = '\0';
}

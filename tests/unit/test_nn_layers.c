/* Proves: every layer's backward is the derivative of its forward (central finite
 * differences of L = sum(out * R) for a random R, accumulated in double); the layout
 * permutations are exact adjoints; CTC's loss and gradient equal a brute-force sum over
 * all K^T alignments on tiny cases; the beam search (nn_lm_beam_decode without a prior) finds the
 * most probable labelling; the best alignment of a text puts each character on its own frames with
 * its peak probability, counts look-alike classes as one, and doubts a character beside blanks
 * where the model saw one the text leaves out;
 * AdamW, the schedule, clipping and the edit distance match hand-computed values; a GRU
 * direction's backward through time matches finite differences in both directions with
 * padded samples, and a padded sample's outputs equal those it gets alone, unpadded.
 *
 * Tolerances: smooth layers |analytic - numeric| <= 2e-3 + 2e-2 * |numeric| with h = 1e-2
 * (float forward, O(h^2) truncation); piecewise-linear layers (ReLU, max-pool) use h = 1e-3
 * on inputs drawn away from their kinks. CTC against brute force: 1e-4 relative. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "nn/charlm.h"
#include "nn/gru.h"
#include "nn/nn.h"

static uint64_t rng = 42;

static void fill(float *x, size_t n, float scale)
{
    for (size_t i = 0; i < n; i++)
        x[i] = scale * (2.0f * nn_rng_uniform(&rng) - 1.0f);
}

/* A layer under test: forward() computes out from the current inputs and returns
 * sum(out * R) in double. */
typedef double (*forward_fn)(void *ctx);

/* Checks analytic gradient g (n) of the scalar L against central differences on x (n). */
static void check_grad(forward_fn f, void *ctx, float *x, const float *g, size_t n, float h,
                       const char *what)
{
    for (size_t i = 0; i < n; i++) {
        float keep = x[i];
        x[i] = keep + h;
        double lp = f(ctx);
        x[i] = keep - h;
        double lm = f(ctx);
        x[i] = keep;
        double num = (lp - lm) / (2.0 * h);
        double tol = 2e-3 + 2e-2 * fabs(num);
        if (fabs(num - g[i]) > tol) {
            print_error("%s[%zu]: analytic %g numeric %g\n", what, i, (double)g[i], num);
            fail();
        }
    }
}

static double dot(const float *a, const float *b, size_t n)
{
    double s = 0.0;
    for (size_t i = 0; i < n; i++)
        s += (double)a[i] * b[i];
    return s;
}

/* ---- conv2d ---- */
typedef struct conv_ctx {
    int B, Cin, H, W, Cout, kh, kw;
    float *inp, *w, *b, *out, *col, *R;
} conv_ctx;

static double conv_f(void *p)
{
    conv_ctx *c = p;
    nn_conv2d_forward(c->out, c->col, c->inp, c->w, c->b, c->B, c->Cin, c->H, c->W, c->Cout, c->kh,
                      c->kw);
    return dot(c->out, c->R, (size_t)c->Cout * c->B * c->H * c->W);
}

static void run_conv(int kh, int kw)
{
    conv_ctx c = {.B = 2, .Cin = 2, .H = 4, .W = 5, .Cout = 3, .kh = kh, .kw = kw};
    size_t ni = (size_t)c.Cin * c.B * c.H * c.W, no = (size_t)c.Cout * c.B * c.H * c.W;
    size_t nw = (size_t)c.Cout * c.Cin * kh * kw, ncol = (size_t)c.Cin * kh * kw * c.B * c.H * c.W;
    c.inp = malloc(ni * 4), c.w = malloc(nw * 4), c.b = malloc(c.Cout * 4), c.out = malloc(no * 4);
    c.col = malloc(ncol * 4), c.R = malloc(no * 4);
    float *dcol = malloc(ncol * 4), *di = calloc(ni, 4), *dw = calloc(nw, 4),
          *db = calloc(c.Cout, 4);
    fill(c.inp, ni, 1), fill(c.w, nw, 1), fill(c.b, c.Cout, 1), fill(c.R, no, 1);
    conv_f(&c);
    nn_conv2d_backward(di, dw, db, c.col, dcol, c.R, c.inp, c.w, c.B, c.Cin, c.H, c.W, c.Cout, kh,
                       kw);
    check_grad(conv_f, &c, c.inp, di, ni, 1e-2f, "conv dinp");
    check_grad(conv_f, &c, c.w, dw, nw, 1e-2f, "conv dw");
    check_grad(conv_f, &c, c.b, db, c.Cout, 1e-2f, "conv db");
    free(c.inp), free(c.w), free(c.b), free(c.out), free(c.col), free(c.R);
    free(dcol), free(di), free(dw), free(db);
}

static void test_conv2d(void **state)
{
    (void)state;
    run_conv(3, 3);
    run_conv(1, 5);
    run_conv(1, 1);
}

/* ---- max-pool and ReLU ---- */
typedef struct pool_ctx {
    float *inp, *out, *R;
    int *idx;
} pool_ctx;

static double pool_f(void *p)
{
    pool_ctx *c = p;
    nn_maxpool_forward(c->out, c->idx, c->inp, 3, 4, 6, 2, 2);
    return dot(c->out, c->R, 3 * 2 * 3);
}

static void test_maxpool_relu(void **state)
{
    (void)state;
    float inp[72], out[18], R[18], di[72] = {0};
    int idx[18];
    /* distinct values at least 0.01 apart: h = 1e-3 never changes the argmax */
    for (int i = 0; i < 72; i++)
        inp[i] = (float)((i * 37) % 72) * 0.01f;
    fill(R, 18, 1);
    pool_ctx c = {inp, out, R, idx};
    pool_f(&c);
    nn_maxpool_backward(di, R, idx, 3, 4, 6, 2, 2);
    check_grad(pool_f, &c, inp, di, 72, 1e-3f, "pool dinp");

    float x[64], y[64], r[64], dx[64] = {0};
    for (int i = 0; i < 64; i++)
        x[i] = (i % 2 ? 1.0f : -1.0f) * (0.1f + 0.01f * (float)i);
    fill(r, 64, 1);
    nn_relu_forward(y, x, 64);
    nn_relu_backward(dx, r, y, 64);
    for (int i = 0; i < 64; i++)
        assert_float_equal(dx[i], x[i] > 0 ? r[i] : 0.0f, 0.0f);
}

/* ---- GELU, dropout ---- */
typedef struct ew_ctx {
    float *inp, *out, *R;
    size_t n;
} ew_ctx;

static double gelu_f(void *p)
{
    ew_ctx *c = p;
    nn_gelu_forward(c->out, c->inp, c->n);
    return dot(c->out, c->R, c->n);
}

static void test_gelu_dropout(void **state)
{
    (void)state;
    float x[50], y[50], R[50], dx[50] = {0};
    fill(x, 50, 3), fill(R, 50, 1);
    ew_ctx c = {x, y, R, 50};
    gelu_f(&c);
    nn_gelu_backward(dx, R, x, 50);
    check_grad(gelu_f, &c, x, dx, 50, 1e-2f, "gelu");

    float mask[50], d2[50] = {0};
    uint64_t r = 7;
    nn_dropout_forward(y, mask, x, 50, 0.5f, &r);
    int zeros = 0;
    for (int i = 0; i < 50; i++) {
        zeros += mask[i] == 0.0f;
        assert_float_equal(y[i], x[i] * mask[i], 0.0f);
        assert_true(mask[i] == 0.0f || mask[i] == 2.0f);
    }
    assert_true(zeros > 10 && zeros < 40);
    nn_dropout_backward(d2, R, mask, 50);
    for (int i = 0; i < 50; i++)
        assert_float_equal(d2[i], R[i] * mask[i], 0.0f);
    nn_dropout_forward(y, mask, x, 50, 0.0f, &r);
    for (int i = 0; i < 50; i++)
        assert_float_equal(y[i], x[i], 0.0f);
}

/* ---- linear ---- */
typedef struct lin_ctx {
    float *inp, *w, *b, *out, *R;
} lin_ctx;

static double lin_f(void *p)
{
    lin_ctx *c = p;
    nn_linear_forward(c->out, c->inp, c->w, c->b, 5, 4, 3);
    return dot(c->out, c->R, 15);
}

static void test_linear(void **state)
{
    (void)state;
    float inp[20], w[12], b[3], out[15], R[15], di[20] = {0}, dw[12] = {0}, db[3] = {0};
    fill(inp, 20, 1), fill(w, 12, 1), fill(b, 3, 1), fill(R, 15, 1);
    lin_ctx c = {inp, w, b, out, R};
    lin_f(&c);
    nn_linear_backward(di, dw, db, R, inp, w, 5, 4, 3);
    check_grad(lin_f, &c, inp, di, 20, 1e-2f, "linear dinp");
    check_grad(lin_f, &c, w, dw, 12, 1e-2f, "linear dw");
    check_grad(lin_f, &c, b, db, 3, 1e-2f, "linear db");
}

/* ---- layer norm ---- */
typedef struct ln_ctx {
    float *inp, *g, *b, *out, *mean, *rstd, *R;
} ln_ctx;

static double ln_f(void *p)
{
    ln_ctx *c = p;
    nn_layernorm_forward(c->out, c->mean, c->rstd, c->inp, c->g, c->b, 4, 6);
    return dot(c->out, c->R, 24);
}

static void test_layernorm(void **state)
{
    (void)state;
    float inp[24], g[6], b[6], out[24], mean[4], rstd[4], R[24];
    float di[24] = {0}, dg[6] = {0}, dbeta[6] = {0};
    fill(inp, 24, 2), fill(g, 6, 1), fill(b, 6, 1), fill(R, 24, 1);
    ln_ctx c = {inp, g, b, out, mean, rstd, R};
    ln_f(&c);
    nn_layernorm_backward(di, dg, dbeta, R, inp, g, mean, rstd, 4, 6);
    check_grad(ln_f, &c, inp, di, 24, 1e-2f, "ln dinp");
    check_grad(ln_f, &c, g, dg, 6, 1e-2f, "ln dgamma");
    check_grad(ln_f, &c, b, dbeta, 6, 1e-2f, "ln dbeta");
}

/* ---- GRU, one direction, backward through time ---- */
enum { GB = 3, GT = 5, GD = 4, GH = 3, GG = 3 * GH, GLDO = GH + 2 };
typedef struct gru_ctx {
    float inp[GB * GT * GD], wih[GG * GD], whh[GG * GH], bih[GG], bhh[GG];
    float out[GB * GT * GLDO], gates[GB * GT * GG], hn[GB * GT * GH], hprev[GB * GT * GH];
    float step[GB * GG], R[GB * GT * GLDO];
    int len[GB], reverse;
} gru_ctx;

static double gru_f(void *p)
{
    gru_ctx *c = p;
    nn_gru_forward(c->out, GLDO, c->gates, c->hn, c->hprev, c->step, c->inp, c->wih, c->whh, c->bih,
                   c->bhh, c->len, GB, GT, GD, GH, c->reverse);
    double s = 0.0; /* only this direction's H columns of each row are its output */
    for (int r = 0; r < GB * GT; r++)
        s += dot(c->out + r * GLDO, c->R + r * GLDO, GH);
    return s;
}

static void run_gru(int reverse)
{
    static gru_ctx c;
    memset(&c, 0, sizeof c);
    c.reverse = reverse;
    c.len[0] = GT, c.len[1] = 3, c.len[2] = 1; /* full, padded, a single frame */
    fill(c.inp, sizeof c.inp / 4, 1), fill(c.wih, sizeof c.wih / 4, 0.7f);
    fill(c.whh, sizeof c.whh / 4, 0.7f), fill(c.bih, GG, 0.5f), fill(c.bhh, GG, 0.5f);
    fill(c.R, sizeof c.R / 4, 1);
    static float di[GB * GT * GD], dwih[GG * GD], dwhh[GG * GH], dbih[GG], dbhh[GG];
    static float dgx[GB * GT * GG], dgh[GB * GT * GG], dh[GB * GH];
    memset(di, 0, sizeof di), memset(dwih, 0, sizeof dwih), memset(dwhh, 0, sizeof dwhh);
    memset(dbih, 0, sizeof dbih), memset(dbhh, 0, sizeof dbhh);
    gru_f(&c);
    nn_gru_backward(di, dwih, dwhh, dbih, dbhh, dgx, dgh, dh, c.R, GLDO, c.gates, c.hn, c.hprev,
                    c.inp, c.wih, c.whh, c.len, GB, GT, GD, GH, reverse);
    check_grad(gru_f, &c, c.inp, di, sizeof c.inp / 4, 1e-2f, "gru dinp");
    check_grad(gru_f, &c, c.wih, dwih, GG * GD, 1e-2f, "gru dw_ih");
    check_grad(gru_f, &c, c.whh, dwhh, GG * GH, 1e-2f, "gru dw_hh");
    check_grad(gru_f, &c, c.bih, dbih, GG, 1e-2f, "gru db_ih");
    check_grad(gru_f, &c, c.bhh, dbhh, GG, 1e-2f, "gru db_hh");
    /* padding: no output and no gradient; the state reaches frames 0..len-1 only */
    gru_f(&c);
    for (int b = 0; b < GB; b++)
        for (int t = c.len[b]; t < GT; t++)
            for (int i = 0; i < GH; i++)
                assert_float_equal(c.out[(b * GT + t) * GLDO + i], 0.0f, 0.0f);
    for (int t = c.len[1]; t < GT; t++)
        for (int d = 0; d < GD; d++)
            assert_float_equal(di[(1 * GT + t) * GD + d], 0.0f, 0.0f);
    /* sample 1 (3 of 5 frames) alone at T = 3 gives the outputs it got in the batch */
    enum { T1 = 3 };
    float out1[T1 * GLDO], gates1[T1 * GG], hn1[T1 * GH], hprev1[T1 * GH], step1[GG];
    int len1 = T1;
    nn_gru_forward(out1, GLDO, gates1, hn1, hprev1, step1, c.inp + GT * GD, c.wih, c.whh, c.bih,
                   c.bhh, &len1, 1, T1, GD, GH, reverse);
    for (int t = 0; t < T1; t++)
        for (int i = 0; i < GH; i++)
            assert_float_equal(out1[t * GLDO + i], c.out[(GT + t) * GLDO + i], 1e-6);
}

static void test_gru(void **state)
{
    (void)state;
    run_gru(0);
    run_gru(1);
}

/* ---- permutations: <forward(x), y> == <x, backward(y)> exactly (same terms) ---- */
static void test_adjoints(void **state)
{
    (void)state;
    enum { B = 2, T = 5, D = 3, K = 3 };
    float x[B * T * D], col[B * T * K * D], y[B * T * K * D], dx[B * T * D] = {0};
    fill(x, B * T * D, 1), fill(y, B * T * K * D, 1);
    nn_im2col_time(col, x, B, T, D, K);
    nn_col2im_time(dx, y, B, T, D, K);
    assert_float_equal(dot(col, y, B * T * K * D), dot(x, dx, B * T * D), 1e-4);
    /* the middle tap is the identity */
    for (int i = 0; i < B * T; i++)
        for (int d = 0; d < D; d++)
            assert_float_equal(col[(i * K + 1) * D + d], x[i * D + d], 0);

    enum { C = 3, H = 2, W = 4 };
    float a[C * B * H * W], o[C * B * H * W], r[C * B * H * W], da[C * B * H * W] = {0};
    fill(a, C * B * H * W, 1), fill(r, C * B * H * W, 1);
    nn_collapse_forward(o, a, C, B, H, W);
    nn_collapse_backward(da, r, C, B, H, W);
    assert_float_equal(dot(o, r, C * B * H * W), dot(a, da, C * B * H * W), 1e-5);
    assert_float_equal(o[(1 * W + 2) * C * H + 2 * H + 1], a[((2 * B + 1) * H + 1) * W + 2], 0);
}

/* ---- CTC against brute force ---- */

/* Collapses a path (repeats merged, blanks dropped); returns its length. */
static int collapse_path(int *out, const int *path, int T)
{
    int n = 0, prev = -1;
    for (int t = 0; t < T; t++) {
        if (path[t] != 0 && path[t] != prev) out[n++] = path[t];
        prev = path[t];
    }
    return n;
}

/* p(label) and d(-ln p)/dz by enumerating all K^T paths, in double. */
static double brute_ctc(double *grad, const float *z, int T, int K, const int *label, int L)
{
    double y[8 * 4];
    for (int t = 0; t < T; t++) {
        double s = 0;
        for (int k = 0; k < K; k++)
            s += exp(z[t * K + k]);
        for (int k = 0; k < K; k++)
            y[t * K + k] = exp(z[t * K + k]) / s;
    }
    double p = 0, occ[8 * 4] = {0};
    int npaths = 1;
    for (int t = 0; t < T; t++)
        npaths *= K;
    for (int code = 0; code < npaths; code++) {
        int path[8], c = code, out[8];
        double pp = 1;
        for (int t = 0; t < T; t++)
            path[t] = c % K, c /= K, pp *= y[t * K + path[t]];
        int n = collapse_path(out, path, T);
        if (n != L || memcmp(out, label, sizeof(int) * (size_t)L) != 0) continue;
        p += pp;
        for (int t = 0; t < T; t++)
            occ[t * K + path[t]] += pp;
    }
    for (int i = 0; i < T * K; i++)
        grad[i] = y[i] - occ[i] / p;
    return -log(p);
}

static void test_ctc_brute_force(void **state)
{
    (void)state;
    enum { T = 5, K = 3 };
    const int labels[][3] = {{1, 0, 0}, {1, 1, 0}, {1, 2, 0}, {2, 1, 2}, {0, 0, 0}};
    const int lens[] = {1, 2, 2, 3, 0};
    for (int c = 0; c < 5; c++) {
        float z[T * K], g[T * K] = {0}, loss;
        fill(z, T * K, 2);
        const int *lab = labels[c];
        int tlen = T, skipped = -1;
        assert_int_equal(nn_ctc(&loss, g, z, &tlen, &lab, &lens[c], 1, T, K, 1.0f, &skipped),
                         AP_OK);
        assert_int_equal(skipped, 0);
        double bg[T * K];
        double bl = brute_ctc(bg, z, T, K, lab, lens[c]);
        assert_true(fabs(loss - bl) <= 1e-4 * fabs(bl) + 1e-5);
        for (int i = 0; i < T * K; i++)
            assert_true(fabs(g[i] - bg[i]) <= 1e-4);
    }
    /* "aa" needs 3 frames: with 2 it is impossible, skipped, no gradient */
    float z[2 * K] = {0}, g[2 * K] = {0}, loss = -1;
    const int aa[] = {1, 1}, *lab = aa;
    int tlen = 2, len = 2, skipped = 0;
    assert_int_equal(nn_ctc(&loss, g, z, &tlen, &lab, &len, 1, 2, K, 1.0f, &skipped), AP_OK);
    assert_int_equal(skipped, 1);
    assert_float_equal(loss, 0.0f, 0.0f);
    for (int i = 0; i < 2 * K; i++)
        assert_float_equal(g[i], 0.0f, 0.0f);
}

/* A long sequence must not underflow: the loss stays finite where the plain product is 0. */
static void test_ctc_long(void **state)
{
    (void)state;
    enum { T = 400, K = 50 };
    float *z = calloc(T * K, 4), loss;
    int lab[100];
    for (int i = 0; i < 100; i++)
        lab[i] = 1 + i % (K - 1);
    const int *l = lab;
    int tlen = T, len = 100;
    assert_int_equal(nn_ctc(&loss, NULL, z, &tlen, &l, &len, 1, T, K, 1.0f, NULL), AP_OK);
    assert_true(isfinite(loss) && loss > 1000.0f); /* p ~ 50^-400 * paths: below 1e-308 */
    free(z);
}

/* ---- decoding ---- */
static void test_decode(void **state)
{
    (void)state;
    enum { T = 4, K = 3 };
    for (int trial = 0; trial < 20; trial++) {
        float z[T * K];
        fill(z, T * K, 3);
        /* brute force: the labelling of highest total probability */
        double best = -1;
        int bestl[4], bestn = 0;
        int labs[4];
        for (int L = 0; L <= 4; L++) {
            int count = 1;
            for (int i = 0; i < L; i++)
                count *= K - 1;
            for (int code = 0; code < count; code++) {
                int c = code;
                for (int i = 0; i < L; i++)
                    labs[i] = 1 + c % (K - 1), c /= K - 1;
                double g[T * K];
                int minT = L;
                for (int i = 1; i < L; i++)
                    minT += labs[i] == labs[i - 1];
                if (minT > T) continue;
                double p = exp(-brute_ctc(g, z, T, K, labs, L));
                if (p > best) best = p, bestn = L, memcpy(bestl, labs, sizeof labs);
            }
        }
        int out[8], n;
        float conf;
        assert_int_equal(nn_lm_beam_decode(out, NULL, NULL, &n, &conf, z, T, K, 8, 64, NULL, 0.0f),
                         AP_OK);
        assert_int_equal(n, bestn);
        for (int i = 0; i < n; i++)
            assert_int_equal(out[i], bestl[i]);
        assert_true(conf > 0.0f && conf <= 1.0f);
    }
    /* greedy: argmax per frame, repeats merged, blanks dropped */
    float z[6 * 3] = {0, 5, 0, 0, 5, 0, 5, 0, 0, 0, 5, 0, 0, 0, 5, 0, 0, 5};
    int out[8], n;
    float conf;
    nn_greedy_decode(out, &n, &conf, z, 6, 3, 8);
    assert_int_equal(n, 3);
    assert_int_equal(out[0], 1), assert_int_equal(out[1], 1), assert_int_equal(out[2], 2);
    assert_true(conf > 0.98f);
}

/* ---- optimisation ---- */
/* Frames of probabilities over K = 4 classes (0 blank), one row per frame, as logits. */
static void frames_logits(float *z, const float (*p)[4], int T)
{
    for (int t = 0; t < T; t++)
        for (int k = 0; k < 4; k++)
            z[t * 4 + k] = logf(p[t][k] > 0 ? p[t][k] : 1e-9f);
}

static void test_ctc_align(void **state)
{
    (void)state;
    float z[8 * 4], probs[4];
    int frames[4];
    /* "12": 1 on frames 1-2 (peak 0.9), 2 on frame 4 (0.8) */
    const float a[6][4] = {{1, 0, 0, 0}, {.1f, .6f, .3f, 0}, {.1f, .9f, 0, 0},
                           {1, 0, 0, 0}, {.2f, 0, .8f, 0},   {1, 0, 0, 0}};
    frames_logits(z, a, 6);
    int seq[2] = {1, 2};
    assert_int_equal(nn_ctc_align(probs, frames, seq, 2, z, 6, 4, NULL), AP_OK);
    assert_int_equal(frames[0], 1);
    assert_int_equal(frames[1], 4);
    assert_true(fabsf(probs[0] - 0.9f) < 1e-4f && fabsf(probs[1] - 0.8f) < 1e-4f);
    /* classes 1 and 3 alike: "3" where the frames say 1 is as sure as 1 and 3 together */
    int alike[4] = {0, 1, 2, 1}, seq3[2] = {3, 2};
    assert_int_equal(nn_ctc_align(probs, frames, seq3, 2, z, 6, 4, alike), AP_OK);
    assert_true(fabsf(probs[0] - 0.9f) < 1e-4f);
    assert_int_equal(nn_ctc_align(probs, NULL, seq3, 2, z, 6, 4, NULL), AP_OK);
    assert_true(probs[0] < 0.01f);
    /* "11" needs a blank between its two 1s; read as one "1", the second (0.4 inside the
     * blanks after it) leaves the one kept at most 0.6 sure */
    const float b[8][4] = {{1, 0, 0, 0},     {0, 1, 0, 0}, {1, 0, 0, 0}, {1, 0, 0, 0},
                           {.6f, .4f, 0, 0}, {1, 0, 0, 0}, {1, 0, 0, 0}, {0, 0, 1, 0}};
    frames_logits(z, b, 8);
    int one[2] = {1, 2}, two[3] = {1, 1, 2};
    assert_int_equal(nn_ctc_align(probs, frames, one, 2, z, 8, 4, NULL), AP_OK);
    assert_true(probs[0] < 0.61f && probs[1] < 0.61f);
    assert_int_equal(frames[1], 7);
    assert_int_equal(nn_ctc_align(probs, frames, two, 3, z, 8, 4, NULL), AP_OK);
    assert_int_equal(frames[0], 1);
    assert_int_equal(frames[1], 4);
    assert_true(probs[0] > 0.99f && fabsf(probs[1] - 0.4f) < 1e-4f);
    /* too many classes for the frames: "11" needs three */
    assert_int_equal(nn_ctc_align(probs, frames, two, 2, z, 2, 4, NULL), AP_ERR_INVALID);
    assert_int_equal(nn_ctc_align(probs, frames, two, 0, z, 8, 4, NULL), AP_OK);
}

static void test_optim(void **state)
{
    (void)state;
    nn_adamw opt = {.lr = 0.1f, .beta1 = 0.9f, .beta2 = 0.999f, .eps = 1e-8f, .weight_decay = 0.5f};
    float p[2] = {1.0f, -2.0f}, g[2] = {0.5f, -0.25f}, m[2] = {0}, v[2] = {0};
    nn_adamw_update(p, g, m, v, 2, &opt, 1, 1);
    /* first step: mhat/sqrt(vhat) = sign(g); decay lr*wd*p */
    assert_float_equal(p[0], 1.0f - 0.1f * (1.0f + 0.5f), 1e-5);
    assert_float_equal(p[1], -2.0f - 0.1f * (-1.0f + 0.5f * -2.0f), 1e-5);
    assert_float_equal(nn_lr_schedule(1.0f, 0, 10, 100, 0.1f), 0.1f, 1e-6);
    assert_float_equal(nn_lr_schedule(1.0f, 9, 10, 100, 0.1f), 1.0f, 1e-6);
    assert_float_equal(nn_lr_schedule(1.0f, 10, 10, 100, 0.1f), 1.0f, 1e-6);
    assert_float_equal(nn_lr_schedule(1.0f, 55, 10, 100, 0.1f), 0.55f, 1e-5);
    assert_float_equal(nn_lr_schedule(1.0f, 100, 10, 100, 0.1f), 0.1f, 1e-6);
    float gr[2] = {3.0f, 4.0f};
    assert_float_equal(nn_clip_grad(gr, 2, 1.0f), 5.0f, 1e-6);
    assert_float_equal(gr[0], 0.6f, 1e-5), assert_float_equal(gr[1], 0.8f, 1e-5);
    const int a[] = {1, 2, 3, 4}, b[] = {1, 3, 4, 5};
    assert_int_equal(nn_edit_distance(a, 4, b, 4), 2);
    assert_int_equal(nn_edit_distance(a, 0, b, 4), 4);
    assert_int_equal(nn_edit_distance(a, 4, a, 4), 0);
}

int main(void)
{
    nn_set_threads(1);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_conv2d),       cmocka_unit_test(test_maxpool_relu),
        cmocka_unit_test(test_gelu_dropout), cmocka_unit_test(test_linear),
        cmocka_unit_test(test_layernorm),    cmocka_unit_test(test_gru),
        cmocka_unit_test(test_adjoints),     cmocka_unit_test(test_ctc_brute_force),
        cmocka_unit_test(test_ctc_long),     cmocka_unit_test(test_decode),
        cmocka_unit_test(test_ctc_align),    cmocka_unit_test(test_optim),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

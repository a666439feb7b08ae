/* nn: layers, CTC, decoding and optimisation (see nn.h for layouts and conventions).
 *
 * Invariants every kernel relies on: buffers hold at least the sizes named in nn.h for the
 * sizes passed; sizes are positive; no two restrict arguments alias (nn_relu_forward is
 * the one in-place exception, and says so). Products of sizes fit in size_t: the model
 * bounds batch, height and width before it allocates. */
#include "nn/nn.h"
#include "nn/parallel.h"

#include <assert.h>
#include <cblas.h>
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- random numbers ---- */

uint64_t nn_rng_next(uint64_t *state)
{
    uint64_t z = (*state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

float nn_rng_uniform(uint64_t *state)
{
    return (float)(nn_rng_next(state) >> 40) / 16777216.0f; /* 24 bits: exact in float */
}

float nn_rng_normal(uint64_t *state)
{
    float u1 = nn_rng_uniform(state), u2 = nn_rng_uniform(state);
    if (u1 < 1e-7f) u1 = 1e-7f;
    return sqrtf(-2.0f * logf(u1)) * cosf(6.2831853f * u2);
}

uint64_t nn_rng_seed(uint64_t seed, uint64_t stream, uint64_t step)
{
    uint64_t s = seed ^ (stream * 0xD1B54A32D192ED03ull);
    nn_rng_next(&s);
    s ^= step * 0x9E3779B97F4A7C15ull;
    nn_rng_next(&s);
    return s;
}

void nn_set_threads(int n)
{
    openblas_set_num_threads(n > 0 ? n : 1);
    nn_par_set_threads(n);
}

/* Element-wise loops are split into ranges of at least this many items: below it, waking
 * a thread costs more than the loop. */
#define GRAIN 16384

/* ---- convolution ---- */

typedef struct conv_args {
    float *col, *dinp, *out, *dbias;
    const float *inp, *dcol, *bias, *dout;
    int B, C, H, W, kh, kw, Cout;
} conv_args;

/* col[(c*kh + i)*kw + j][(b*H + y)*W + x] = inp[c][b][y + i - kh/2][x + j - kw/2], 0 outside.
 * Over rows r = (c*kh + i)*kw + j: each row is written by one range. */
static void im2col_rows(void *arg, size_t lo, size_t hi)
{
    const conv_args *a = arg;
    int B = a->B, H = a->H, W = a->W, kh = a->kh, kw = a->kw, ph = kh / 2, pw = kw / 2;
    size_t plane = (size_t)B * H * W;
    for (size_t r = lo; r < hi; r++) {
        int c = (int)(r / (size_t)(kh * kw)), i = (int)(r / (size_t)kw) % kh,
            j = (int)(r % (size_t)kw);
        float *dst = a->col + r * plane;
        int x0 = pw - j > 0 ? pw - j : 0;         /* first x with sx >= 0 */
        int x1 = W + pw - j < W ? W + pw - j : W; /* first x with sx >= W */
        if (x1 < x0) x1 = x0;
        for (int b = 0; b < B; b++)
            for (int y = 0; y < H; y++) {
                float *d = dst + ((size_t)b * H + y) * W;
                int sy = y + i - ph;
                if (sy < 0 || sy >= H) {
                    memset(d, 0, sizeof(float) * (size_t)W);
                    continue;
                }
                /* source column of x is x + j - pw, >= 0 from x0 on */
                const float *s = a->inp + (((size_t)c * a->B + b) * H + sy) * W + (x0 + j - pw);
                for (int x = 0; x < x0; x++)
                    d[x] = 0.0f;
                memcpy(d + x0, s, sizeof(float) * (size_t)(x1 - x0));
                for (int x = x1; x < W; x++)
                    d[x] = 0.0f;
            }
    }
}

/* The adjoint of im2col: adds each column entry back onto the input pixel it came from.
 * Over channels: the kh*kw rows of channel c all add into c's planes, in one fixed order. */
static void col2im_chans(void *arg, size_t lo, size_t hi)
{
    const conv_args *a = arg;
    int B = a->B, H = a->H, W = a->W, kh = a->kh, kw = a->kw, ph = kh / 2, pw = kw / 2;
    size_t plane = (size_t)B * H * W;
    for (size_t c = lo; c < hi; c++)
        for (int i = 0; i < kh; i++)
            for (int j = 0; j < kw; j++) {
                const float *src =
                    a->dcol + ((c * (size_t)kh + (size_t)i) * (size_t)kw + (size_t)j) * plane;
                int x0 = pw - j > 0 ? pw - j : 0;
                int x1 = W + pw - j < W ? W + pw - j : W;
                for (int b = 0; b < B; b++)
                    for (int y = 0; y < H; y++) {
                        int sy = y + i - ph;
                        if (sy < 0 || sy >= H) continue;
                        const float *s = src + ((size_t)b * H + y) * W;
                        float *d =
                            a->dinp + ((c * (size_t)B + (size_t)b) * H + sy) * W + (x0 + j - pw);
                        for (int x = x0; x < x1; x++)
                            d[x - x0] += s[x];
                    }
            }
}

static void conv_bias_fill(void *arg, size_t lo, size_t hi)
{
    const conv_args *a = arg;
    size_t N = (size_t)a->B * a->H * a->W;
    for (size_t o = lo; o < hi; o++) {
        float *row = a->out + o * N, bo = a->bias ? a->bias[o] : 0.0f;
        for (size_t n = 0; n < N; n++)
            row[n] = bo;
    }
}

static void conv_bias_grad(void *arg, size_t lo, size_t hi)
{
    const conv_args *a = arg;
    size_t N = (size_t)a->B * a->H * a->W;
    for (size_t o = lo; o < hi; o++) {
        const float *row = a->dout + o * N;
        /* 16 interleaved partial sums, added in a fixed order: the loop vectorises (one
         * running sum cannot, its additions are ordered) and the result is the same for
         * every thread count */
        float acc[16] = {0};
        size_t n = 0;
        for (; n + 16 <= N; n += 16)
            for (int k = 0; k < 16; k++)
                acc[k] += row[n + (size_t)k];
        float s = 0.0f;
        for (int k = 0; k < 16; k++)
            s += acc[k];
        for (; n < N; n++)
            s += row[n];
        a->dbias[o] += s;
    }
}

void nn_conv2d_forward(float *restrict out, float *restrict col, const float *restrict inp,
                       const float *restrict weight, const float *restrict bias, int B, int Cin,
                       int H, int W, int Cout, int kh, int kw)
{
    int K = Cin * kh * kw, N = B * H * W;
    conv_args a = {.col = col,
                   .out = out,
                   .inp = inp,
                   .bias = bias,
                   .B = B,
                   .C = Cin,
                   .H = H,
                   .W = W,
                   .kh = kh,
                   .kw = kw,
                   .Cout = Cout};
    nn_par_for((size_t)K, 1, im2col_rows, &a);
    nn_par_for((size_t)Cout, 1, conv_bias_fill, &a);
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Cout, N, K, 1.0f, weight, K, col, N,
                1.0f, out, N);
}

void nn_conv2d_backward(float *restrict dinp, float *restrict dweight, float *restrict dbias,
                        float *restrict col, float *restrict dcol, const float *restrict dout,
                        const float *restrict inp, const float *restrict weight, int B, int Cin,
                        int H, int W, int Cout, int kh, int kw)
{
    int K = Cin * kh * kw, N = B * H * W;
    conv_args a = {.col = col,
                   .dinp = dinp,
                   .dbias = dbias,
                   .inp = inp,
                   .dcol = dcol,
                   .dout = dout,
                   .B = B,
                   .C = Cin,
                   .H = H,
                   .W = W,
                   .kh = kh,
                   .kw = kw,
                   .Cout = Cout};
    if (dbias) nn_par_for((size_t)Cout, 1, conv_bias_grad, &a);
    if (dweight) {
        nn_par_for((size_t)K, 1, im2col_rows, &a);
        /* dW (Cout, K) += dout (Cout, N) . col^T (N, K) */
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Cout, K, N, 1.0f, dout, N, col, N,
                    1.0f, dweight, K);
    }
    if (dinp) {
        /* dcol (K, N) = W^T (K, Cout) . dout (Cout, N) */
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, K, N, Cout, 1.0f, weight, K, dout, N,
                    0.0f, dcol, N);
        nn_par_for((size_t)Cin, 1, col2im_chans, &a);
    }
}

/* ---- max-pool ---- */

typedef struct pool_args {
    float *out, *dinp;
    int *idx;
    const float *inp, *dout;
    const int *cidx;
    int H, W, ph, pw;
} pool_args;

/* Over planes. Ties keep the first maximum in (row, column) order, as the generic loop. */
static void maxpool_planes(void *arg, size_t lo, size_t hi)
{
    const pool_args *a = arg;
    int H = a->H, W = a->W, ph = a->ph, pw = a->pw, Ho = H / ph, Wo = W / pw;
    for (size_t p = lo; p < hi; p++) {
        const float *s = a->inp + p * (size_t)H * W;
        float *out = a->out + p * (size_t)Ho * Wo;
        int *idx = a->idx + p * (size_t)Ho * Wo;
        for (int y = 0; y < Ho; y++) {
            const float *r0 = s + (size_t)(y * ph) * W;
            if (ph == 2 && pw == 2) { /* the common windows, without the inner loops */
                const float *r1 = r0 + W;
                for (int x = 0; x < Wo; x++) {
                    int k = 2 * x, best = k;
                    float v = r0[k];
                    if (r0[k + 1] > v) v = r0[k + 1], best = k + 1;
                    if (r1[k] > v) v = r1[k], best = W + k;
                    if (r1[k + 1] > v) v = r1[k + 1], best = W + k + 1;
                    out[y * Wo + x] = v;
                    idx[y * Wo + x] = y * ph * W + best;
                }
            } else if (ph == 2 && pw == 1) {
                const float *r1 = r0 + W;
                for (int x = 0; x < Wo; x++) {
                    int up = r1[x] > r0[x];
                    out[y * Wo + x] = up ? r1[x] : r0[x];
                    idx[y * Wo + x] = (y * ph + up) * W + x;
                }
            } else {
                for (int x = 0; x < Wo; x++) {
                    int best = (y * ph) * W + x * pw;
                    for (int i = 0; i < ph; i++)
                        for (int j = 0; j < pw; j++) {
                            int k = (y * ph + i) * W + x * pw + j;
                            if (s[k] > s[best]) best = k;
                        }
                    out[y * Wo + x] = s[best];
                    idx[y * Wo + x] = best;
                }
            }
        }
    }
}

static void maxpool_back_planes(void *arg, size_t lo, size_t hi)
{
    const pool_args *a = arg;
    size_t per = (size_t)(a->H / a->ph) * (size_t)(a->W / a->pw);
    for (size_t p = lo; p < hi; p++) {
        float *d = a->dinp + p * (size_t)a->H * a->W;
        const float *g = a->dout + p * per;
        const int *ix = a->cidx + p * per;
        for (size_t o = 0; o < per; o++)
            d[ix[o]] += g[o];
    }
}

void nn_maxpool_forward(float *restrict out, int *restrict idx, const float *restrict inp, int P,
                        int H, int W, int ph, int pw)
{
    pool_args a = {.out = out, .idx = idx, .inp = inp, .H = H, .W = W, .ph = ph, .pw = pw};
    nn_par_for((size_t)P, 1, maxpool_planes, &a);
}

void nn_maxpool_backward(float *restrict dinp, const float *restrict dout, const int *restrict idx,
                         int P, int H, int W, int ph, int pw)
{
    pool_args a = {.dinp = dinp, .dout = dout, .cidx = idx, .H = H, .W = W, .ph = ph, .pw = pw};
    nn_par_for((size_t)P, 1, maxpool_back_planes, &a);
}

/* ---- element-wise ---- */

typedef struct ew_args {
    float *out;
    const float *inp, *dout;
} ew_args;

static void relu_range(void *arg, size_t lo, size_t hi)
{
    const ew_args *a = arg;
    for (size_t i = lo; i < hi; i++)
        a->out[i] = a->inp[i] > 0.0f ? a->inp[i] : 0.0f;
}

void nn_relu_forward(float *out, const float *inp, size_t n)
{
    ew_args a = {.out = out, .inp = inp};
    nn_par_for(n, GRAIN, relu_range, &a);
}

static void relu_back_range(void *arg, size_t lo, size_t hi)
{
    const ew_args *a = arg; /* inp: the forward's output */
    for (size_t i = lo; i < hi; i++)
        a->out[i] += a->inp[i] > 0.0f ? a->dout[i] : 0.0f;
}

void nn_relu_backward(float *restrict dinp, const float *restrict dout, const float *restrict out,
                      size_t n)
{
    ew_args a = {.out = dinp, .inp = out, .dout = dout};
    nn_par_for(n, GRAIN, relu_back_range, &a);
}

/* GELU, tanh approximation (as GPT-2 and llm.c). tanh(u) = 1 - 2 / (exp(2u) + 1): one expf
 * instead of tanhf (glibc's goes through expm1f and costs about twice as much); exp's
 * overflow to inf for large u gives exactly 1 and its underflow to 0 gives -1. */
#define GELU_K 0.7978845608f /* sqrt(2 / pi) */
static inline float fast_tanh(float u)
{
    return 1.0f - 2.0f / (expf(2.0f * u) + 1.0f);
}

static void gelu_range(void *arg, size_t lo, size_t hi)
{
    const ew_args *a = arg;
    for (size_t i = lo; i < hi; i++) {
        float x = a->inp[i];
        a->out[i] = 0.5f * x * (1.0f + fast_tanh(GELU_K * (x + 0.044715f * x * x * x)));
    }
}

void nn_gelu_forward(float *restrict out, const float *restrict inp, size_t n)
{
    ew_args a = {.out = out, .inp = inp};
    nn_par_for(n, GRAIN, gelu_range, &a);
}

static void gelu_back_range(void *arg, size_t lo, size_t hi)
{
    const ew_args *a = arg;
    for (size_t i = lo; i < hi; i++) {
        float x = a->inp[i];
        float t = fast_tanh(GELU_K * (x + 0.044715f * x * x * x));
        float sech2 = 1.0f - t * t;
        float g = 0.5f * (1.0f + t) + 0.5f * x * sech2 * GELU_K * (1.0f + 3.0f * 0.044715f * x * x);
        a->out[i] += g * a->dout[i];
    }
}

void nn_gelu_backward(float *restrict dinp, const float *restrict dout, const float *restrict inp,
                      size_t n)
{
    ew_args a = {.out = dinp, .inp = inp, .dout = dout};
    nn_par_for(n, GRAIN, gelu_back_range, &a);
}

void nn_dropout_forward(float *restrict out, float *restrict mask, const float *restrict inp,
                        size_t n, float p, uint64_t *rng)
{
    float keep = 1.0f / (1.0f - p);
    for (size_t i = 0; i < n; i++) {
        mask[i] = (p > 0.0f && nn_rng_uniform(rng) < p) ? 0.0f : (p > 0.0f ? keep : 1.0f);
        out[i] = inp[i] * mask[i];
    }
}

static void dropout_back_range(void *arg, size_t lo, size_t hi)
{
    const ew_args *a = arg; /* inp: the mask */
    for (size_t i = lo; i < hi; i++)
        a->out[i] += a->dout[i] * a->inp[i];
}

void nn_dropout_backward(float *restrict dinp, const float *restrict dout,
                         const float *restrict mask, size_t n)
{
    ew_args a = {.out = dinp, .inp = mask, .dout = dout};
    nn_par_for(n, GRAIN, dropout_back_range, &a);
}

static void add_range(void *arg, size_t lo, size_t hi)
{
    const ew_args *a = arg;
    for (size_t i = lo; i < hi; i++)
        a->out[i] += a->inp[i];
}

void nn_add(float *restrict y, const float *restrict x, size_t n)
{
    ew_args a = {.out = y, .inp = x};
    nn_par_for(n, GRAIN, add_range, &a);
}

static void zero_range(void *arg, size_t lo, size_t hi)
{
    const ew_args *a = arg;
    memset(a->out + lo, 0, sizeof(float) * (hi - lo));
}

void nn_zero(float *x, size_t n)
{
    ew_args a = {.out = x};
    nn_par_for(n, 4 * GRAIN, zero_range, &a);
}

/* ---- linear ---- */

typedef struct linear_args {
    float *out, *dbias;
    const float *bias, *dout;
    int N, OC;
} linear_args;

static void linear_bias_rows(void *arg, size_t lo, size_t hi)
{
    const linear_args *a = arg;
    for (size_t n = lo; n < hi; n++)
        for (int o = 0; o < a->OC; o++)
            a->out[n * (size_t)a->OC + (size_t)o] = a->bias ? a->bias[o] : 0.0f;
}

/* Over output classes o; each dbias[o] sums its rows n in order. */
static void linear_bias_grad(void *arg, size_t lo, size_t hi)
{
    const linear_args *a = arg;
    for (int n = 0; n < a->N; n++) {
        const float *g = a->dout + (size_t)n * a->OC;
        for (size_t o = lo; o < hi; o++)
            a->dbias[o] += g[o];
    }
}

void nn_linear_forward(float *restrict out, const float *restrict inp, const float *restrict weight,
                       const float *restrict bias, int N, int C, int OC)
{
    linear_args a = {.out = out, .bias = bias, .N = N, .OC = OC};
    nn_par_for((size_t)N, (size_t)(GRAIN / OC + 1), linear_bias_rows, &a);
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, N, OC, C, 1.0f, inp, C, weight, C, 1.0f,
                out, OC);
}

void nn_linear_backward(float *restrict dinp, float *restrict dweight, float *restrict dbias,
                        const float *restrict dout, const float *restrict inp,
                        const float *restrict weight, int N, int C, int OC)
{
    if (dinp) /* (N, C) += (N, OC) . (OC, C) */
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, N, C, OC, 1.0f, dout, OC, weight, C,
                    1.0f, dinp, C);
    if (dweight) /* (OC, C) += (N, OC)^T . (N, C) */
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, OC, C, N, 1.0f, dout, OC, inp, C, 1.0f,
                    dweight, C);
    if (dbias) {
        linear_args a = {.dbias = dbias, .dout = dout, .N = N, .OC = OC};
        nn_par_for((size_t)OC, 16, linear_bias_grad, &a);
    }
}

/* ---- layer norm ---- */

typedef struct ln_args {
    float *out, *mean, *rstd, *dinp, *dgamma, *dbeta;
    const float *inp, *gamma, *beta, *dout, *cmean, *crstd;
    int N, C;
} ln_args;

static void layernorm_rows(void *arg, size_t lo, size_t hi)
{
    const ln_args *a = arg;
    int C = a->C;
    for (size_t n = lo; n < hi; n++) {
        const float *x = a->inp + n * (size_t)C;
        float m = 0.0f, v = 0.0f;
        for (int c = 0; c < C; c++)
            m += x[c];
        m /= (float)C;
        for (int c = 0; c < C; c++)
            v += (x[c] - m) * (x[c] - m); /* two passes: no cancellation */
        float s = 1.0f / sqrtf(v / (float)C + 1e-5f);
        float *y = a->out + n * (size_t)C;
        for (int c = 0; c < C; c++)
            y[c] = (x[c] - m) * s * a->gamma[c] + a->beta[c];
        a->mean[n] = m;
        a->rstd[n] = s;
    }
}

void nn_layernorm_forward(float *restrict out, float *restrict mean, float *restrict rstd,
                          const float *restrict inp, const float *restrict gamma,
                          const float *restrict beta, int N, int C)
{
    ln_args a = {.out = out,
                 .mean = mean,
                 .rstd = rstd,
                 .inp = inp,
                 .gamma = gamma,
                 .beta = beta,
                 .N = N,
                 .C = C};
    nn_par_for((size_t)N, (size_t)(GRAIN / C + 1), layernorm_rows, &a);
}

static void layernorm_back_rows(void *arg, size_t lo, size_t hi)
{
    const ln_args *a = arg;
    int C = a->C;
    for (size_t n = lo; n < hi; n++) {
        const float *x = a->inp + n * (size_t)C, *dy = a->dout + n * (size_t)C;
        float m = a->cmean[n], s = a->crstd[n];
        float dnorm_mean = 0.0f, dnorm_norm = 0.0f;
        for (int c = 0; c < C; c++) {
            float xhat = (x[c] - m) * s, dn = a->gamma[c] * dy[c];
            dnorm_mean += dn;
            dnorm_norm += dn * xhat;
        }
        dnorm_mean /= (float)C;
        dnorm_norm /= (float)C;
        float *dx = a->dinp + n * (size_t)C;
        for (int c = 0; c < C; c++) {
            float xhat = (x[c] - m) * s, dn = a->gamma[c] * dy[c];
            dx[c] += (dn - dnorm_mean - xhat * dnorm_norm) * s;
        }
    }
}

/* Over features c; each dgamma[c], dbeta[c] sums its rows n in order. */
static void layernorm_back_params(void *arg, size_t lo, size_t hi)
{
    const ln_args *a = arg;
    int C = a->C;
    for (int n = 0; n < a->N; n++) {
        const float *x = a->inp + (size_t)n * C, *dy = a->dout + (size_t)n * C;
        float m = a->cmean[n], s = a->crstd[n];
        for (size_t c = lo; c < hi; c++) {
            if (a->dbeta) a->dbeta[c] += dy[c];
            if (a->dgamma) a->dgamma[c] += (x[c] - m) * s * dy[c];
        }
    }
}

void nn_layernorm_backward(float *restrict dinp, float *restrict dgamma, float *restrict dbeta,
                           const float *restrict dout, const float *restrict inp,
                           const float *restrict gamma, const float *restrict mean,
                           const float *restrict rstd, int N, int C)
{
    ln_args a = {.dinp = dinp,
                 .dgamma = dgamma,
                 .dbeta = dbeta,
                 .inp = inp,
                 .gamma = gamma,
                 .dout = dout,
                 .cmean = mean,
                 .crstd = rstd,
                 .N = N,
                 .C = C};
    if (dinp) nn_par_for((size_t)N, (size_t)(GRAIN / C + 1), layernorm_back_rows, &a);
    if (dgamma || dbeta) nn_par_for((size_t)C, 16, layernorm_back_params, &a);
}

/* ---- temporal im2col ---- */

typedef struct time_args {
    float *col, *dinp;
    const float *inp, *dcol;
    int T, D, k;
} time_args;

static void im2col_time_samples(void *arg, size_t lo, size_t hi)
{
    const time_args *a = arg;
    int T = a->T, D = a->D, k = a->k, p = k / 2;
    for (size_t b = lo; b < hi; b++)
        for (int t = 0; t < T; t++) {
            float *dst = a->col + (b * (size_t)T + (size_t)t) * (size_t)k * D;
            for (int j = 0; j < k; j++) {
                int st = t + j - p;
                if (st < 0 || st >= T)
                    memset(dst + (size_t)j * D, 0, sizeof(float) * (size_t)D);
                else
                    memcpy(dst + (size_t)j * D, a->inp + (b * (size_t)T + (size_t)st) * D,
                           sizeof(float) * (size_t)D);
            }
        }
}

static void col2im_time_samples(void *arg, size_t lo, size_t hi)
{
    const time_args *a = arg;
    int T = a->T, D = a->D, k = a->k, p = k / 2;
    for (size_t b = lo; b < hi; b++)
        for (int t = 0; t < T; t++) {
            const float *src = a->dcol + (b * (size_t)T + (size_t)t) * (size_t)k * D;
            for (int j = 0; j < k; j++) {
                int st = t + j - p;
                if (st < 0 || st >= T) continue;
                float *d = a->dinp + (b * (size_t)T + (size_t)st) * D;
                for (int c = 0; c < D; c++)
                    d[c] += src[(size_t)j * D + c];
            }
        }
}

void nn_im2col_time(float *restrict col, const float *restrict inp, int B, int T, int D, int k)
{
    time_args a = {.col = col, .inp = inp, .T = T, .D = D, .k = k};
    nn_par_for((size_t)B, 1, im2col_time_samples, &a);
}

void nn_col2im_time(float *restrict dinp, const float *restrict dcol, int B, int T, int D, int k)
{
    time_args a = {.dinp = dinp, .dcol = dcol, .T = T, .D = D, .k = k};
    nn_par_for((size_t)B, 1, col2im_time_samples, &a);
}

/* ---- collapse ---- */

typedef struct collapse_args {
    float *out;
    const float *inp;
    int C, B, H, W;
} collapse_args;

/* Over channels c: channel c owns features c*H..c*H+H-1 of every row, and its own planes. */
static void collapse_chans(void *arg, size_t lo, size_t hi)
{
    const collapse_args *a = arg;
    int C = a->C, B = a->B, H = a->H, W = a->W;
    for (size_t c = lo; c < hi; c++)
        for (int b = 0; b < B; b++)
            for (int h = 0; h < H; h++) {
                const float *s = a->inp + ((c * (size_t)B + (size_t)b) * H + (size_t)h) * W;
                for (int w = 0; w < W; w++)
                    a->out[((size_t)b * W + w) * C * H + c * (size_t)H + (size_t)h] = s[w];
            }
}

static void uncollapse_chans(void *arg, size_t lo, size_t hi)
{
    const collapse_args *a = arg; /* out: dinp (C, B, H, W); inp: dout rows */
    int C = a->C, B = a->B, H = a->H, W = a->W;
    for (size_t c = lo; c < hi; c++)
        for (int b = 0; b < B; b++)
            for (int h = 0; h < H; h++) {
                float *d = a->out + ((c * (size_t)B + (size_t)b) * H + (size_t)h) * W;
                for (int w = 0; w < W; w++)
                    d[w] += a->inp[((size_t)b * W + w) * C * H + c * (size_t)H + (size_t)h];
            }
}

void nn_collapse_forward(float *restrict out, const float *restrict inp, int C, int B, int H, int W)
{
    collapse_args a = {.out = out, .inp = inp, .C = C, .B = B, .H = H, .W = W};
    nn_par_for((size_t)C, 1, collapse_chans, &a);
}

void nn_collapse_backward(float *restrict dinp, const float *restrict dout, int C, int B, int H,
                          int W)
{
    collapse_args a = {.out = dinp, .inp = dout, .C = C, .B = B, .H = H, .W = W};
    nn_par_for((size_t)C, 1, uncollapse_chans, &a);
}

/* ---- softmax ---- */

typedef struct softmax_args {
    float *probs;
    const float *logits;
    int K;
    float temp;
} softmax_args;

static void softmax_rows(void *arg, size_t lo, size_t hi)
{
    const softmax_args *a = arg;
    int K = a->K;
    for (size_t n = lo; n < hi; n++) {
        const float *z = a->logits + n * (size_t)K;
        float *p = a->probs + n * (size_t)K;
        /* Subtracting the maximum keeps expf() from overflowing; the ratio is unchanged. */
        float mx = z[0];
        for (int k = 1; k < K; k++)
            mx = z[k] > mx ? z[k] : mx;
        float s = 0.0f;
        for (int k = 0; k < K; k++)
            s += (p[k] = expf((z[k] - mx) / a->temp));
        for (int k = 0; k < K; k++)
            p[k] /= s;
    }
}

void nn_softmax(float *restrict probs, const float *restrict logits, int N, int K, float temp)
{
    softmax_args a = {.probs = probs, .logits = logits, .K = K, .temp = temp};
    nn_par_for((size_t)N, (size_t)(GRAIN / K + 1), softmax_rows, &a);
}

/* ---- CTC ----
 * Why log space: the probability of a label sums over alignments whose probabilities are
 * products of T per-frame probabilities; for T ~ 100 frames at p ~ 0.01 that is 1e-200,
 * past float's range (1e-38) and close to double's. Logs turn products into sums and the
 * path sums into log-sum-exp, which stays exact to rounding whatever T is. The lattice is
 * kept in double: the gradient subtracts two nearly equal quantities (posterior and
 * occupancy) and float's 7 digits would drown small gradients in rounding. */

static inline double logadd(double a, double b)
{
    if (a == -INFINITY) return b;
    if (b == -INFINITY) return a;
    return a > b ? a + log1p(exp(b - a)) : b + log1p(exp(a - b));
}

/* One sample. logp (T, K): log-softmax of its logits. Returns -ln p, or INFINITY when no
 * alignment exists. grad (T, K) gets scale * d(-ln p)/d logits added when not NULL. */
static ap_status ctc_one(double *loss, float *grad, const double *logp, int T, int K,
                         const int *label, int L, float scale)
{
    int S = 2 * L + 1;
    ap_status st = AP_OK;
    double *alpha = malloc(sizeof(double) * (size_t)S * T);
    double *beta = malloc(sizeof(double) * (size_t)S * T);
    double *occ = malloc(sizeof(double) * (size_t)K);
    if (!alpha || !beta || !occ) {
        st = AP_ERR_NOMEM;
        goto out;
    }
/* the extended label l': blanks between and around the classes */
#define LP(s) ((s) % 2 == 0 ? 0 : label[(s) / 2])
    /* alpha[t][s]: log prob of emitting l'[0..s] in frames 0..t, ending in state s (frame t
     * included). */
    for (int i = 0; i < S * T; i++)
        alpha[i] = beta[i] = -INFINITY;
    alpha[0] = logp[0];
    if (S > 1) alpha[1] = logp[LP(1)];
    for (int t = 1; t < T; t++)
        for (int s = 0; s < S; s++) {
            double a = alpha[(t - 1) * S + s];
            if (s >= 1) a = logadd(a, alpha[(t - 1) * S + s - 1]);
            if (s >= 2 && LP(s) != 0 && LP(s) != LP(s - 2))
                a = logadd(a, alpha[(t - 1) * S + s - 2]);
            alpha[t * S + s] = a == -INFINITY ? a : a + logp[(size_t)t * K + LP(s)];
        }
    /* beta[t][s]: log prob of emitting the rest l'[s+1..] in frames t+1.. given state s at t
     * (frame t excluded), so that sum_s alpha[t][s] * beta[t][s] = p(label) for every t. */
    beta[(T - 1) * S + S - 1] = 0.0;
    if (S > 1) beta[(T - 1) * S + S - 2] = 0.0;
    for (int t = T - 2; t >= 0; t--)
        for (int s = 0; s < S; s++) {
            double b = beta[(t + 1) * S + s] + logp[(size_t)(t + 1) * K + LP(s)];
            if (s + 1 < S)
                b = logadd(b, beta[(t + 1) * S + s + 1] + logp[(size_t)(t + 1) * K + LP(s + 1)]);
            if (s + 2 < S && LP(s + 2) != 0 && LP(s + 2) != LP(s))
                b = logadd(b, beta[(t + 1) * S + s + 2] + logp[(size_t)(t + 1) * K + LP(s + 2)]);
            beta[t * S + s] = b;
        }
    double lp = alpha[(T - 1) * S + S - 1];
    if (S > 1) lp = logadd(lp, alpha[(T - 1) * S + S - 2]);
    if (lp == -INFINITY) {
        *loss = INFINITY;
        goto out;
    }
    *loss = -lp;
    if (grad)
        for (int t = 0; t < T; t++) {
            /* d(-ln p)/d z_tk = y_tk - (1/p) sum_{s: l'_s = k} alpha_t(s) beta_t(s) */
            for (int k = 0; k < K; k++)
                occ[k] = -INFINITY;
            for (int s = 0; s < S; s++)
                occ[LP(s)] = logadd(occ[LP(s)], alpha[t * S + s] + beta[t * S + s]);
            for (int k = 0; k < K; k++)
                grad[(size_t)t * K + k] +=
                    scale * (float)(exp(logp[(size_t)t * K + k]) - exp(occ[k] - lp));
        }
#undef LP
out:
    free(alpha);
    free(beta);
    free(occ);
    return st;
}

typedef struct ctc_args {
    float *losses, *dlogits;
    const float *logits;
    const int *tlen, *const *labels, *llen;
    int Tmax, K;
    float scale;
    unsigned char *skipped; /* (B) 1: no alignment */
    ap_status *st;          /* (B) */
} ctc_args;

/* Over samples: each owns its loss, its rows of dlogits and its lattice. */
static void ctc_samples(void *arg, size_t lo, size_t hi)
{
    const ctc_args *a = arg;
    int K = a->K, Tmax = a->Tmax;
    double *logp = malloc(sizeof(double) * (size_t)Tmax * K);
    for (size_t b = lo; b < hi; b++) {
        a->skipped[b] = 0;
        a->losses[b] = 0.0f;
        if (!logp) {
            a->st[b] = AP_ERR_NOMEM;
            continue;
        }
        int T = a->tlen[b];
        assert(T >= 1 && T <= Tmax);
        const float *z = a->logits + b * (size_t)Tmax * K;
        for (int t = 0; t < T; t++) { /* log-softmax, max subtracted so exp cannot overflow */
            double mx = z[(size_t)t * K];
            for (int k = 1; k < K; k++)
                mx = fmax(mx, z[(size_t)t * K + k]);
            double s = 0.0;
            for (int k = 0; k < K; k++)
                s += exp(z[(size_t)t * K + k] - mx);
            double lse = mx + log(s);
            for (int k = 0; k < K; k++)
                logp[(size_t)t * K + k] = z[(size_t)t * K + k] - lse;
        }
        double loss = 0.0;
        a->st[b] = ctc_one(&loss, a->dlogits ? a->dlogits + b * (size_t)Tmax * K : NULL, logp, T, K,
                           a->labels[b], a->llen[b], a->scale);
        if (a->st[b] == AP_OK && isinf(loss)) {
            a->skipped[b] = 1;
            loss = 0.0;
        }
        a->losses[b] = (float)loss;
    }
    free(logp);
}

ap_status nn_ctc(float *restrict losses, float *restrict dlogits, const float *restrict logits,
                 const int *tlen, const int *const *labels, const int *llen, int B, int Tmax, int K,
                 float scale, int *nskipped)
{
    unsigned char *skipped = malloc((size_t)B);
    ap_status *sts = malloc(sizeof *sts * (size_t)B);
    if (!skipped || !sts) {
        free(skipped), free(sts);
        return AP_ERR_NOMEM;
    }
    ctc_args a = {.losses = losses,
                  .dlogits = dlogits,
                  .logits = logits,
                  .tlen = tlen,
                  .labels = labels,
                  .llen = llen,
                  .Tmax = Tmax,
                  .K = K,
                  .scale = scale,
                  .skipped = skipped,
                  .st = sts};
    nn_par_for((size_t)B, 1, ctc_samples, &a);
    ap_status st = AP_OK;
    int count = 0;
    for (int b = 0; b < B; b++) {
        count += skipped[b];
        if (sts[b] != AP_OK && st == AP_OK) st = sts[b];
    }
    free(skipped), free(sts);
    if (nskipped) *nskipped = count;
    return st;
}

/* ---- decoding ---- */

void nn_greedy_decode_frames(int *out, float *probs, int *frames, int *n, const float *logits,
                             int T, int K, int cap)
{
    int count = 0, prev = 0;
    for (int t = 0; t < T; t++) {
        const float *z = logits + (size_t)t * K;
        int best = 0;
        for (int k = 1; k < K; k++)
            if (z[k] > z[best]) best = k;
        if (best != 0 && best != prev && count < cap) {
            /* softmax of the winner, relative to it so that no exp overflows */
            double s = 0.0;
            for (int k = 0; k < K; k++)
                s += exp((double)z[k] - z[best]);
            if (probs) probs[count] = (float)(1.0 / s);
            if (frames) frames[count] = t;
            out[count++] = best;
        }
        prev = best;
    }
    *n = count;
}

void nn_greedy_decode(int *out, int *n, float *conf, const float *logits, int T, int K, int cap)
{
    float probs[NN_DECODE_MAX];
    if (cap > NN_DECODE_MAX) cap = NN_DECODE_MAX;
    nn_greedy_decode_frames(out, probs, NULL, n, logits, T, K, cap);
    double confsum = 0.0;
    for (int i = 0; i < *n; i++)
        confsum += probs[i];
    *conf = *n ? (float)(confsum / *n) : 0.0f;
}

ap_status nn_ctc_align(float *probs, int *frames, const int *seq, int n, const float *logits, int T,
                       int K, const int *alike)
{
    if (n == 0) return AP_OK;
    /* states: 2i + 1 is class i, the even ones the blanks around them; a path needs a
     * frame per class plus one between each pair of equal neighbours */
    int need = n;
    for (int i = 1; i < n; i++)
        need += seq[i] == seq[i - 1];
    if (n < 0 || T < need) return AP_ERR_INVALID;
    int S = 2 * n + 1;
    double *score = malloc(sizeof(double) * (size_t)S * 2);
    double *lp = malloc(sizeof(double) * (size_t)T * (size_t)K); /* (T, K) log probabilities */
    double *seen = malloc(sizeof(double) * (size_t)T);   /* the likeliest character per frame */
    unsigned char *from = malloc((size_t)S * (size_t)T); /* back step per (t, s): 0, 1, 2 */
    int *state = malloc(sizeof(int) * (size_t)T);
    ap_status st = AP_OK;
    if (!score || !lp || !seen || !from || !state) {
        st = AP_ERR_NOMEM;
        goto out;
    }
    /* softmax per frame (max-shifted so that no exp overflows); a class's probability
     * includes its look-alikes' */
    for (int t = 0; t < T; t++) {
        const float *z = logits + (size_t)t * K;
        double *row = lp + (size_t)t * K, mx = z[0], sum = 0.0;
        for (int k = 1; k < K; k++)
            mx = fmax(mx, z[k]);
        for (int k = 0; k < K; k++)
            sum += row[k] = exp(z[k] - mx);
        seen[t] = 0.0;
        for (int k = 0; k < K; k++) {
            row[k] /= sum;
            if (k) seen[t] = fmax(seen[t], row[k]);
        }
        /* a group's sum lands on its representative, then every member takes it */
        if (alike)
            for (int k = 1; k < K; k++)
                if (alike[k] > 0 && alike[k] < k) row[alike[k]] += row[k];
        for (int k = K - 1; k >= 0; k--) {
            int rep = alike && k && alike[k] > 0 && alike[k] < k ? alike[k] : k;
            row[k] = rep == k ? row[k] : row[rep];
        }
        for (int k = 0; k < K; k++)
            row[k] = log(fmax(row[k], 1e-30));
    }
    double *cur = score, *prev = score + S;
    for (int s = 0; s < S; s++)
        cur[s] = -INFINITY;
    cur[0] = lp[0];
    cur[1] = lp[seq[0]];
    for (int t = 1; t < T; t++) {
        double *tmp = prev;
        prev = cur, cur = tmp;
        const double *row = lp + (size_t)t * K;
        for (int s = 0; s < S; s++) {
            double best = prev[s];
            unsigned char step = 0;
            if (s >= 1 && prev[s - 1] > best) best = prev[s - 1], step = 1;
            /* a class may follow the previous class directly unless it is the same one */
            if ((s & 1) && s >= 3 && seq[s / 2] != seq[s / 2 - 1] && prev[s - 2] > best)
                best = prev[s - 2], step = 2;
            cur[s] = best + row[s & 1 ? seq[s / 2] : 0];
            from[(size_t)t * S + s] = step;
        }
    }
    /* the path ends in the last class or the blank after it; walked back into state */
    int s = cur[S - 1] >= cur[S - 2] ? S - 1 : S - 2;
    for (int t = T - 1; t >= 0; t--) {
        state[t] = s;
        if (t > 0) s -= from[(size_t)t * S + s];
    }
    /* per class: its peak over its frames, and the most any character was seen inside the
     * blanks on either side of it (in score, free now; n < S) */
    double *peak = score, *other = score + S;
    for (int i = 0; i < n; i++) {
        peak[i] = 0.0, other[i] = 0.0;
        if (frames) frames[i] = 0;
    }
    for (int t = 0; t < T; t++) {
        s = state[t];
        if (s & 1) {
            int i = s / 2;
            peak[i] = fmax(peak[i], exp(lp[(size_t)t * K + seq[i]]));
            if (frames && (t == 0 || state[t - 1] != s)) frames[i] = t;
            continue;
        }
        /* A character seen inside a run of blanks, away from the glyphs either side (whose
         * edges fade into the blank), is one the text leaves out: "1:35" kept where the
         * model half saw "11:35". Doubt on both neighbours. */
        if (t == 0 || t == T - 1 || state[t - 1] != s || state[t + 1] != s) continue;
        if (s / 2 - 1 >= 0) other[s / 2 - 1] = fmax(other[s / 2 - 1], seen[t]);
        if (s / 2 < n) other[s / 2] = fmax(other[s / 2], seen[t]);
    }
    for (int i = 0; probs && i < n; i++)
        probs[i] = (float)fmin(peak[i], 1.0 - other[i]);
out:
    free(score);
    free(lp);
    free(seen);
    free(from);
    free(state);
    return st;
}

/* ---- optimisation ---- */

typedef struct adamw_args {
    float *param, *m, *v;
    const float *grad;
    const nn_adamw *opt;
    float c1, c2;
    int decay;
} adamw_args;

static void adamw_range(void *arg, size_t lo, size_t hi)
{
    const adamw_args *a = arg;
    const nn_adamw *opt = a->opt;
    float *restrict param = a->param, *restrict m = a->m, *restrict v = a->v;
    const float *restrict grad = a->grad;
    for (size_t i = lo; i < hi; i++) {
        float g = grad[i];
        m[i] = opt->beta1 * m[i] + (1.0f - opt->beta1) * g;
        v[i] = opt->beta2 * v[i] + (1.0f - opt->beta2) * g * g;
        float mhat = m[i] / a->c1, vhat = v[i] / a->c2;
        param[i] -= opt->lr * (mhat / (sqrtf(vhat) + opt->eps) +
                               (a->decay ? opt->weight_decay * param[i] : 0.0f));
    }
}

void nn_adamw_update(float *restrict param, const float *restrict grad, float *restrict m,
                     float *restrict v, size_t n, const nn_adamw *opt, long t, int decay)
{
    adamw_args a = {.param = param,
                    .m = m,
                    .v = v,
                    .grad = grad,
                    .opt = opt,
                    .decay = decay,
                    .c1 = 1.0f - powf(opt->beta1, (float)t),
                    .c2 = 1.0f - powf(opt->beta2, (float)t)};
    nn_par_for(n, GRAIN, adamw_range, &a);
}

float nn_lr_schedule(float lr, long step, long warmup, long total, float min_ratio)
{
    if (warmup > 0 && step < warmup) return lr * (float)(step + 1) / (float)warmup;
    if (total <= warmup) return lr;
    double progress = (double)(step - warmup) / (double)(total - warmup);
    if (progress > 1.0) progress = 1.0;
    double cosine = 0.5 * (1.0 + cos(3.14159265358979 * progress));
    return lr * (float)(min_ratio + (1.0 - min_ratio) * cosine);
}

float nn_clip_grad(float *grad, size_t n, float max_norm)
{
    double ss = 0.0;
    for (size_t i = 0; i < n; i++)
        ss += (double)grad[i] * grad[i];
    float norm = (float)sqrt(ss);
    if (max_norm > 0.0f && norm > max_norm) {
        float s = max_norm / (norm + 1e-6f);
        for (size_t i = 0; i < n; i++)
            grad[i] *= s;
    }
    return norm;
}

int nn_edit_distance(const int *a, int na, const int *b, int nb)
{
    int *row = malloc(sizeof(int) * (size_t)(nb + 1));
    if (!row) return na > nb ? na : nb; /* an upper bound: never under-reports errors */
    for (int j = 0; j <= nb; j++)
        row[j] = j;
    for (int i = 1; i <= na; i++) {
        int diag = row[0];
        row[0] = i;
        for (int j = 1; j <= nb; j++) {
            int up = row[j];
            int best = diag + (a[i - 1] != b[j - 1]);
            if (up + 1 < best) best = up + 1;
            if (row[j - 1] + 1 < best) best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    int d = row[nb];
    free(row);
    return d;
}

/* nn: layers, CTC, decoding and optimisation (see nn.h for layouts and conventions).
 *
 * Invariants every kernel relies on: buffers hold at least the sizes named in nn.h for the
 * sizes passed; sizes are positive; no two restrict arguments alias (nn_relu_forward is
 * the one in-place exception, and says so). Products of sizes fit in size_t: the model
 * bounds batch, height and width before it allocates. */
#include "nn/nn.h"

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
}

/* ---- convolution ---- */

/* col[(c*kh + i)*kw + j][(b*H + y)*W + x] = inp[c][b][y + i - kh/2][x + j - kw/2], 0 outside. */
static void im2col(float *restrict col, const float *restrict inp, int B, int C, int H, int W,
                   int kh, int kw)
{
    size_t plane = (size_t)B * H * W;
    int ph = kh / 2, pw = kw / 2;
    for (int c = 0; c < C; c++)
        for (int i = 0; i < kh; i++)
            for (int j = 0; j < kw; j++) {
                float *dst = col + ((size_t)(c * kh + i) * kw + j) * plane;
                for (int b = 0; b < B; b++)
                    for (int y = 0; y < H; y++) {
                        float *d = dst + ((size_t)b * H + y) * W;
                        int sy = y + i - ph;
                        if (sy < 0 || sy >= H) {
                            memset(d, 0, sizeof(float) * (size_t)W);
                            continue;
                        }
                        const float *s = inp + (((size_t)c * B + b) * H + sy) * W;
                        int x0 = pw - j > 0 ? pw - j : 0;        /* first x with sx >= 0 */
                        int x1 = W + pw - j < W ? W + pw - j : W; /* first x with sx >= W */
                        for (int x = 0; x < x0; x++) d[x] = 0.0f;
                        for (int x = x0; x < x1; x++) d[x] = s[x + j - pw];
                        for (int x = x1 > x0 ? x1 : x0; x < W; x++) d[x] = 0.0f;
                    }
            }
}

/* The adjoint of im2col: adds each column entry back onto the input pixel it came from. */
static void col2im(float *restrict dinp, const float *restrict dcol, int B, int C, int H, int W,
                   int kh, int kw)
{
    size_t plane = (size_t)B * H * W;
    int ph = kh / 2, pw = kw / 2;
    for (int c = 0; c < C; c++)
        for (int i = 0; i < kh; i++)
            for (int j = 0; j < kw; j++) {
                const float *src = dcol + ((size_t)(c * kh + i) * kw + j) * plane;
                for (int b = 0; b < B; b++)
                    for (int y = 0; y < H; y++) {
                        int sy = y + i - ph;
                        if (sy < 0 || sy >= H) continue;
                        const float *s = src + ((size_t)b * H + y) * W;
                        float *d = dinp + (((size_t)c * B + b) * H + sy) * W;
                        int x0 = pw - j > 0 ? pw - j : 0;
                        int x1 = W + pw - j < W ? W + pw - j : W;
                        for (int x = x0; x < x1; x++) d[x + j - pw] += s[x];
                    }
            }
}

void nn_conv2d_forward(float *restrict out, float *restrict col, const float *restrict inp,
                       const float *restrict weight, const float *restrict bias, int B, int Cin,
                       int H, int W, int Cout, int kh, int kw)
{
    int K = Cin * kh * kw, N = B * H * W;
    im2col(col, inp, B, Cin, H, W, kh, kw);
    for (int o = 0; o < Cout; o++) {
        float *row = out + (size_t)o * N, bo = bias ? bias[o] : 0.0f;
        for (int n = 0; n < N; n++) row[n] = bo;
    }
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Cout, N, K, 1.0f, weight, K, col, N,
                1.0f, out, N);
}

void nn_conv2d_backward(float *restrict dinp, float *restrict dweight, float *restrict dbias,
                        float *restrict col, float *restrict dcol, const float *restrict dout,
                        const float *restrict inp, const float *restrict weight, int B, int Cin,
                        int H, int W, int Cout, int kh, int kw)
{
    int K = Cin * kh * kw, N = B * H * W;
    if (dbias)
        for (int o = 0; o < Cout; o++) {
            const float *row = dout + (size_t)o * N;
            float s = 0.0f;
            for (int n = 0; n < N; n++) s += row[n];
            dbias[o] += s;
        }
    if (dweight) {
        im2col(col, inp, B, Cin, H, W, kh, kw);
        /* dW (Cout, K) += dout (Cout, N) . col^T (N, K) */
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Cout, K, N, 1.0f, dout, N, col, N,
                    1.0f, dweight, K);
    }
    if (dinp) {
        /* dcol (K, N) = W^T (K, Cout) . dout (Cout, N) */
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, K, N, Cout, 1.0f, weight, K, dout, N,
                    0.0f, dcol, N);
        col2im(dinp, dcol, B, Cin, H, W, kh, kw);
    }
}

/* ---- max-pool ---- */

void nn_maxpool_forward(float *restrict out, int *restrict idx, const float *restrict inp, int P,
                        int H, int W, int ph, int pw)
{
    int Ho = H / ph, Wo = W / pw;
    for (int p = 0; p < P; p++) {
        const float *s = inp + (size_t)p * H * W;
        for (int y = 0; y < Ho; y++)
            for (int x = 0; x < Wo; x++) {
                int best = (y * ph) * W + x * pw;
                for (int i = 0; i < ph; i++)
                    for (int j = 0; j < pw; j++) {
                        int k = (y * ph + i) * W + x * pw + j;
                        if (s[k] > s[best]) best = k;
                    }
                size_t o = ((size_t)p * Ho + y) * Wo + x;
                out[o] = s[best];
                idx[o] = best;
            }
    }
}

void nn_maxpool_backward(float *restrict dinp, const float *restrict dout, const int *restrict idx,
                         int P, int H, int W, int ph, int pw)
{
    size_t per = (size_t)(H / ph) * (W / pw);
    for (int p = 0; p < P; p++) {
        float *d = dinp + (size_t)p * H * W;
        for (size_t o = 0; o < per; o++) d[idx[p * per + o]] += dout[p * per + o];
    }
}

/* ---- element-wise ---- */

void nn_relu_forward(float *out, const float *inp, size_t n)
{
    for (size_t i = 0; i < n; i++) out[i] = inp[i] > 0.0f ? inp[i] : 0.0f;
}

void nn_relu_backward(float *restrict dinp, const float *restrict dout, const float *restrict out,
                      size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (out[i] > 0.0f) dinp[i] += dout[i];
}

/* GELU, tanh approximation (as GPT-2 and llm.c). */
#define GELU_K 0.7978845608f /* sqrt(2 / pi) */
void nn_gelu_forward(float *restrict out, const float *restrict inp, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        float x = inp[i];
        out[i] = 0.5f * x * (1.0f + tanhf(GELU_K * (x + 0.044715f * x * x * x)));
    }
}

void nn_gelu_backward(float *restrict dinp, const float *restrict dout, const float *restrict inp,
                      size_t n)
{
    for (size_t i = 0; i < n; i++) {
        float x = inp[i];
        float u = GELU_K * (x + 0.044715f * x * x * x);
        float t = tanhf(u);
        float sech2 = 1.0f - t * t;
        float g = 0.5f * (1.0f + t) + 0.5f * x * sech2 * GELU_K * (1.0f + 3.0f * 0.044715f * x * x);
        dinp[i] += g * dout[i];
    }
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

void nn_dropout_backward(float *restrict dinp, const float *restrict dout,
                         const float *restrict mask, size_t n)
{
    for (size_t i = 0; i < n; i++) dinp[i] += dout[i] * mask[i];
}

/* ---- linear ---- */

void nn_linear_forward(float *restrict out, const float *restrict inp, const float *restrict weight,
                       const float *restrict bias, int N, int C, int OC)
{
    for (int n = 0; n < N; n++)
        for (int o = 0; o < OC; o++) out[(size_t)n * OC + o] = bias ? bias[o] : 0.0f;
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
    if (dbias)
        for (int n = 0; n < N; n++)
            for (int o = 0; o < OC; o++) dbias[o] += dout[(size_t)n * OC + o];
}

/* ---- layer norm ---- */

void nn_layernorm_forward(float *restrict out, float *restrict mean, float *restrict rstd,
                          const float *restrict inp, const float *restrict gamma,
                          const float *restrict beta, int N, int C)
{
    for (int n = 0; n < N; n++) {
        const float *x = inp + (size_t)n * C;
        float m = 0.0f, v = 0.0f;
        for (int c = 0; c < C; c++) m += x[c];
        m /= (float)C;
        for (int c = 0; c < C; c++) v += (x[c] - m) * (x[c] - m); /* two passes: no cancellation */
        float s = 1.0f / sqrtf(v / (float)C + 1e-5f);
        float *y = out + (size_t)n * C;
        for (int c = 0; c < C; c++) y[c] = (x[c] - m) * s * gamma[c] + beta[c];
        mean[n] = m;
        rstd[n] = s;
    }
}

void nn_layernorm_backward(float *restrict dinp, float *restrict dgamma, float *restrict dbeta,
                           const float *restrict dout, const float *restrict inp,
                           const float *restrict gamma, const float *restrict mean,
                           const float *restrict rstd, int N, int C)
{
    for (int n = 0; n < N; n++) {
        const float *x = inp + (size_t)n * C, *dy = dout + (size_t)n * C;
        float m = mean[n], s = rstd[n];
        float dnorm_mean = 0.0f, dnorm_norm = 0.0f;
        for (int c = 0; c < C; c++) {
            float xhat = (x[c] - m) * s, dn = gamma[c] * dy[c];
            dnorm_mean += dn;
            dnorm_norm += dn * xhat;
        }
        dnorm_mean /= (float)C;
        dnorm_norm /= (float)C;
        for (int c = 0; c < C; c++) {
            float xhat = (x[c] - m) * s, dn = gamma[c] * dy[c];
            if (dbeta) dbeta[c] += dy[c];
            if (dgamma) dgamma[c] += xhat * dy[c];
            if (dinp) dinp[(size_t)n * C + c] += (dn - dnorm_mean - xhat * dnorm_norm) * s;
        }
    }
}

/* ---- temporal im2col ---- */

void nn_im2col_time(float *restrict col, const float *restrict inp, int B, int T, int D, int k)
{
    int p = k / 2;
    for (int b = 0; b < B; b++)
        for (int t = 0; t < T; t++) {
            float *dst = col + ((size_t)b * T + t) * k * D;
            for (int j = 0; j < k; j++) {
                int st = t + j - p;
                if (st < 0 || st >= T)
                    memset(dst + (size_t)j * D, 0, sizeof(float) * (size_t)D);
                else
                    memcpy(dst + (size_t)j * D, inp + ((size_t)b * T + st) * D,
                           sizeof(float) * (size_t)D);
            }
        }
}

void nn_col2im_time(float *restrict dinp, const float *restrict dcol, int B, int T, int D, int k)
{
    int p = k / 2;
    for (int b = 0; b < B; b++)
        for (int t = 0; t < T; t++) {
            const float *src = dcol + ((size_t)b * T + t) * k * D;
            for (int j = 0; j < k; j++) {
                int st = t + j - p;
                if (st < 0 || st >= T) continue;
                float *d = dinp + ((size_t)b * T + st) * D;
                for (int c = 0; c < D; c++) d[c] += src[(size_t)j * D + c];
            }
        }
}

/* ---- collapse ---- */

void nn_collapse_forward(float *restrict out, const float *restrict inp, int C, int B, int H, int W)
{
    for (int c = 0; c < C; c++)
        for (int b = 0; b < B; b++)
            for (int h = 0; h < H; h++) {
                const float *s = inp + (((size_t)c * B + b) * H + h) * W;
                for (int w = 0; w < W; w++) out[((size_t)b * W + w) * C * H + c * H + h] = s[w];
            }
}

void nn_collapse_backward(float *restrict dinp, const float *restrict dout, int C, int B, int H,
                          int W)
{
    for (int c = 0; c < C; c++)
        for (int b = 0; b < B; b++)
            for (int h = 0; h < H; h++) {
                float *d = dinp + (((size_t)c * B + b) * H + h) * W;
                for (int w = 0; w < W; w++) d[w] += dout[((size_t)b * W + w) * C * H + c * H + h];
            }
}

/* ---- softmax ---- */

void nn_softmax(float *restrict probs, const float *restrict logits, int N, int K, float temp)
{
    for (int n = 0; n < N; n++) {
        const float *z = logits + (size_t)n * K;
        float *p = probs + (size_t)n * K;
        /* Subtracting the maximum keeps expf() from overflowing; the ratio is unchanged. */
        float mx = z[0];
        for (int k = 1; k < K; k++) mx = z[k] > mx ? z[k] : mx;
        float s = 0.0f;
        for (int k = 0; k < K; k++) s += (p[k] = expf((z[k] - mx) / temp));
        for (int k = 0; k < K; k++) p[k] /= s;
    }
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
    for (int i = 0; i < S * T; i++) alpha[i] = beta[i] = -INFINITY;
    alpha[0] = logp[0];
    if (S > 1) alpha[1] = logp[LP(1)];
    for (int t = 1; t < T; t++)
        for (int s = 0; s < S; s++) {
            double a = alpha[(t - 1) * S + s];
            if (s >= 1) a = logadd(a, alpha[(t - 1) * S + s - 1]);
            if (s >= 2 && LP(s) != 0 && LP(s) != LP(s - 2)) a = logadd(a, alpha[(t - 1) * S + s - 2]);
            alpha[t * S + s] = a == -INFINITY ? a : a + logp[(size_t)t * K + LP(s)];
        }
    /* beta[t][s]: log prob of emitting the rest l'[s+1..] in frames t+1.. given state s at t
     * (frame t excluded), so that sum_s alpha[t][s] * beta[t][s] = p(label) for every t. */
    beta[(T - 1) * S + S - 1] = 0.0;
    if (S > 1) beta[(T - 1) * S + S - 2] = 0.0;
    for (int t = T - 2; t >= 0; t--)
        for (int s = 0; s < S; s++) {
            double b = beta[(t + 1) * S + s] + logp[(size_t)(t + 1) * K + LP(s)];
            if (s + 1 < S) b = logadd(b, beta[(t + 1) * S + s + 1] + logp[(size_t)(t + 1) * K + LP(s + 1)]);
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
            for (int k = 0; k < K; k++) occ[k] = -INFINITY;
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

ap_status nn_ctc(float *restrict losses, float *restrict dlogits, const float *restrict logits,
                 const int *tlen, const int *const *labels, const int *llen, int B, int Tmax, int K,
                 float scale, int *nskipped)
{
    double *logp = malloc(sizeof(double) * (size_t)Tmax * K);
    if (!logp) return AP_ERR_NOMEM;
    ap_status st = AP_OK;
    int skipped = 0;
    for (int b = 0; b < B && st == AP_OK; b++) {
        int T = tlen[b];
        assert(T >= 1 && T <= Tmax);
        const float *z = logits + (size_t)b * Tmax * K;
        for (int t = 0; t < T; t++) { /* log-softmax, max subtracted so exp cannot overflow */
            double mx = z[(size_t)t * K];
            for (int k = 1; k < K; k++) mx = fmax(mx, z[(size_t)t * K + k]);
            double s = 0.0;
            for (int k = 0; k < K; k++) s += exp(z[(size_t)t * K + k] - mx);
            double lse = mx + log(s);
            for (int k = 0; k < K; k++) logp[(size_t)t * K + k] = z[(size_t)t * K + k] - lse;
        }
        double loss = 0.0;
        st = ctc_one(&loss, dlogits ? dlogits + (size_t)b * Tmax * K : NULL, logp, T, K, labels[b],
                     llen[b], scale);
        if (st == AP_OK && isinf(loss)) {
            skipped++;
            loss = 0.0;
        }
        losses[b] = (float)loss;
    }
    free(logp);
    if (nskipped) *nskipped = skipped;
    return st;
}

/* ---- decoding ---- */

void nn_greedy_decode(int *out, int *n, float *conf, const float *logits, int T, int K, int cap)
{
    int count = 0, prev = 0;
    double confsum = 0.0;
    for (int t = 0; t < T; t++) {
        const float *z = logits + (size_t)t * K;
        int best = 0;
        for (int k = 1; k < K; k++)
            if (z[k] > z[best]) best = k;
        if (best != 0 && best != prev && count < cap) {
            double s = 0.0;
            for (int k = 0; k < K; k++) s += exp((double)z[k] - z[best]);
            confsum += 1.0 / s;
            out[count++] = best;
        }
        prev = best;
    }
    *n = count;
    *conf = count ? (float)(confsum / count) : 0.0f;
}

/* Prefix beam search (Hannun et al. 2014): each prefix carries the log probability of the
 * alignments that end in a blank (pb) and in its last class (pnb), because "a" + "a" only
 * extends the prefix after a blank. Prefixes are identified by a 64-bit hash of their
 * classes plus an exact comparison. */
typedef struct beam_entry {
    int len;
    uint64_t hash;
    double pb, pnb;
    int *seq; /* cap classes */
} beam_entry;

static double beam_total(const beam_entry *e)
{
    return logadd(e->pb, e->pnb);
}

static int beam_cmp(const void *a, const void *b)
{
    double x = beam_total(a), y = beam_total(b);
    return x < y ? 1 : x > y ? -1 : 0;
}

static beam_entry *beam_find(beam_entry *set, int nset, const int *seq, int len, uint64_t hash)
{
    for (int i = 0; i < nset; i++)
        if (set[i].hash == hash && set[i].len == len &&
            memcmp(set[i].seq, seq, sizeof(int) * (size_t)len) == 0)
            return &set[i];
    return NULL;
}

ap_status nn_beam_decode(int *out, int *n, float *conf, const float *logits, int T, int K, int cap,
                         int beam)
{
    if (beam < 1) beam = 1;
    int maxnext = beam * K; /* each beam: itself, plus one extension per non-blank class */
    beam_entry *cur = calloc((size_t)beam, sizeof *cur);
    beam_entry *next = calloc((size_t)maxnext, sizeof *next);
    int *store = malloc(sizeof(int) * (size_t)(beam + maxnext) * (size_t)(cap + 1));
    double *logp = malloc(sizeof(double) * (size_t)K);
    ap_status st = AP_OK;
    if (!cur || !next || !store || !logp) {
        st = AP_ERR_NOMEM;
        goto out;
    }
    for (int i = 0; i < beam; i++) cur[i].seq = store + (size_t)i * (cap + 1);
    for (int i = 0; i < maxnext; i++) next[i].seq = store + (size_t)(beam + i) * (cap + 1);
    int ncur = 1;
    cur[0].len = 0;
    cur[0].hash = 1469598103934665603ull;
    cur[0].pb = 0.0;
    cur[0].pnb = -INFINITY;
    for (int t = 0; t < T; t++) {
        const float *z = logits + (size_t)t * K;
        double mx = z[0], s = 0.0;
        for (int k = 1; k < K; k++) mx = fmax(mx, z[k]);
        for (int k = 0; k < K; k++) s += exp(z[k] - mx);
        for (int k = 0; k < K; k++) logp[k] = z[k] - mx - log(s);
        int nnext = 0;
        for (int i = 0; i < ncur; i++) {
            beam_entry *e = &cur[i];
            double tot = beam_total(e);
            /* stay: a blank, or the last class repeated (collapses) */
            beam_entry *x = beam_find(next, nnext, e->seq, e->len, e->hash);
            if (!x) {
                x = &next[nnext++];
                x->len = e->len;
                x->hash = e->hash;
                memcpy(x->seq, e->seq, sizeof(int) * (size_t)e->len);
                x->pb = x->pnb = -INFINITY;
            }
            x->pb = logadd(x->pb, tot + logp[0]);
            if (e->len > 0) x->pnb = logadd(x->pnb, e->pnb + logp[e->seq[e->len - 1]]);
            if (e->len >= cap) continue;
            for (int k = 1; k < K; k++) {
                uint64_t h = (e->hash ^ (uint64_t)k) * 1099511628211ull;
                e->seq[e->len] = k; /* seq has cap + 1 room: compare the extended prefix */
                beam_entry *y = beam_find(next, nnext, e->seq, e->len + 1, h);
                if (!y) {
                    if (nnext >= maxnext) continue;
                    y = &next[nnext++];
                    y->len = e->len + 1;
                    y->hash = h;
                    memcpy(y->seq, e->seq, sizeof(int) * (size_t)(e->len + 1));
                    y->pb = y->pnb = -INFINITY;
                }
                /* the same class twice needs a blank in between */
                double from = (e->len > 0 && e->seq[e->len - 1] == k) ? e->pb : tot;
                y->pnb = logadd(y->pnb, from + logp[k]);
            }
        }
        qsort(next, (size_t)nnext, sizeof *next, beam_cmp);
        ncur = nnext < beam ? nnext : beam;
        for (int i = 0; i < ncur; i++) {
            int *keep = cur[i].seq;
            cur[i] = next[i];
            cur[i].seq = keep;
            memcpy(keep, next[i].seq, sizeof(int) * (size_t)next[i].len);
        }
    }
    memcpy(out, cur[0].seq, sizeof(int) * (size_t)cur[0].len);
    *n = cur[0].len;
    *conf = (float)exp(beam_total(&cur[0]) / (T > 0 ? T : 1));
out:
    free(cur);
    free(next);
    free(store);
    free(logp);
    return st;
}

/* ---- optimisation ---- */

void nn_adamw_update(float *restrict param, const float *restrict grad, float *restrict m,
                     float *restrict v, size_t n, const nn_adamw *opt, long t, int decay)
{
    float c1 = 1.0f - powf(opt->beta1, (float)t), c2 = 1.0f - powf(opt->beta2, (float)t);
    for (size_t i = 0; i < n; i++) {
        float g = grad[i];
        m[i] = opt->beta1 * m[i] + (1.0f - opt->beta1) * g;
        v[i] = opt->beta2 * v[i] + (1.0f - opt->beta2) * g * g;
        float mhat = m[i] / c1, vhat = v[i] / c2;
        param[i] -= opt->lr * (mhat / (sqrtf(vhat) + opt->eps) +
                               (decay ? opt->weight_decay * param[i] : 0.0f));
    }
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
    for (size_t i = 0; i < n; i++) ss += (double)grad[i] * grad[i];
    float norm = (float)sqrt(ss);
    if (max_norm > 0.0f && norm > max_norm) {
        float s = max_norm / (norm + 1e-6f);
        for (size_t i = 0; i < n; i++) grad[i] *= s;
    }
    return norm;
}

int nn_edit_distance(const int *a, int na, const int *b, int nb)
{
    int *row = malloc(sizeof(int) * (size_t)(nb + 1));
    if (!row) return na > nb ? na : nb; /* an upper bound: never under-reports errors */
    for (int j = 0; j <= nb; j++) row[j] = j;
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

/* nn gru: one GRU direction, forward and backward through time (see gru.h).
 *
 * Buffers are rows (B, T, .) as the other sequence layers: row b*T + t. The rows of one time
 * step are therefore T rows apart, which is exactly a leading dimension: the per-step sgemms
 * read the step's B rows in place (lda = T * width) instead of gathering them.
 *
 * Backward through time, per step t (in the reverse of the forward's order), with dh the
 * gradient reaching h_t (from the output and from step t+1's use of it as its state):
 *   dn = dh (1 - z),  dz = dh (h_prev - n),  dh_prev = dh z + da . W_hh
 *   da_n = dn (1 - n^2);  da_r = da_n hn r (1 - r);  da_z = dz z (1 - z)
 * where da is the gradient of the gates' pre-activations. The input side sees
 * (da_r, da_z, da_n) and the recurrent side (da_r, da_z, da_n r), because r multiplies
 * the recurrent candidate (W_hn h + b_hn) only. Both are kept for every step (dgx, dgh) so
 * that the weight gradients are one sgemm each over all steps. */
#include "nn/gru.h"

#include <cblas.h>
#include <math.h>
#include <string.h>

#include "nn/nn.h"

static inline float sigmoidf(float x)
{
    return 1.0f / (1.0f + expf(-x)); /* expf(-x) = inf for x < -88 gives exactly 0 */
}

/* tanh(u) = 1 - 2 / (exp(2u) + 1): one expf, exact limits at +-inf (as nn.c's GELU) */
static inline float tanh_fast(float u)
{
    return 1.0f - 2.0f / (expf(2.0f * u) + 1.0f);
}

void nn_gru_forward(float *restrict out, int ldo, float *restrict gates, float *restrict hn,
                    float *restrict hprev, float *restrict step, const float *restrict inp,
                    const float *restrict w_ih, const float *restrict w_hh,
                    const float *restrict b_ih, const float *restrict b_hh, const int *len, int B,
                    int T, int D, int H, int reverse)
{
    const int G = 3 * H, N = B * T;
    nn_linear_forward(gates, inp, w_ih, b_ih, N, D, G); /* the input side of every step */
    for (int s = 0; s < T; s++) {
        int t = reverse ? T - 1 - s : s, tn = reverse ? t - 1 : t + 1;
        for (int b = 0; b < B; b++) {
            if (s == 0) memset(hprev + ((size_t)b * T + t) * H, 0, sizeof(float) * (size_t)H);
            memcpy(step + (size_t)b * G, b_hh, sizeof(float) * (size_t)G);
        }
        if (s > 0) /* step (B, 3H) += h_prev (B, H; rows T*H apart) . W_hh^T */
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, B, G, H, 1.0f,
                        hprev + (size_t)t * H, T * H, w_hh, H, 1.0f, step, G);
        for (int b = 0; b < B; b++) {
            size_t row = (size_t)b * T + (size_t)t;
            float *g = gates + row * G, *a = hn + row * H, *o = out + row * (size_t)ldo;
            const float *hp = hprev + row * H, *sc = step + (size_t)b * G;
            float *next = s + 1 < T ? hprev + ((size_t)b * T + (size_t)tn) * H : NULL;
            if (t >= len[b]) { /* padding: no output, no state */
                memset(g, 0, sizeof(float) * (size_t)G);
                memset(a, 0, sizeof(float) * (size_t)H);
                memset(o, 0, sizeof(float) * (size_t)H);
                if (next) memset(next, 0, sizeof(float) * (size_t)H);
                continue;
            }
            for (int i = 0; i < H; i++) {
                float r = sigmoidf(g[i] + sc[i]), z = sigmoidf(g[H + i] + sc[H + i]);
                float cand = sc[2 * H + i], n = tanh_fast(g[2 * H + i] + r * cand);
                float h = (1.0f - z) * n + z * hp[i];
                g[i] = r, g[H + i] = z, g[2 * H + i] = n;
                a[i] = cand;
                o[i] = h;
                if (next) next[i] = h;
            }
        }
    }
}

void nn_gru_backward(float *restrict dinp, float *restrict dw_ih, float *restrict dw_hh,
                     float *restrict db_ih, float *restrict db_hh, float *restrict dgx,
                     float *restrict dgh, float *restrict dh, const float *restrict dout, int ldo,
                     const float *restrict gates, const float *restrict hn,
                     const float *restrict hprev, const float *restrict inp,
                     const float *restrict w_ih, const float *restrict w_hh, const int *len, int B,
                     int T, int D, int H, int reverse)
{
    const int G = 3 * H, N = B * T;
    memset(dh, 0, sizeof(float) * (size_t)B * H);
    for (int s = T - 1; s >= 0; s--) {
        int t = reverse ? T - 1 - s : s;
        for (int b = 0; b < B; b++) {
            size_t row = (size_t)b * T + (size_t)t;
            float *dx = dgx + row * G, *dr = dgh + row * G, *d = dh + (size_t)b * H;
            if (t >= len[b]) { /* padding: its output was a constant 0 */
                memset(dx, 0, sizeof(float) * (size_t)G);
                memset(dr, 0, sizeof(float) * (size_t)G);
                memset(d, 0, sizeof(float) * (size_t)H);
                continue;
            }
            const float *g = gates + row * G, *a = hn + row * H, *hp = hprev + row * H,
                        *go = dout + row * (size_t)ldo;
            for (int i = 0; i < H; i++) {
                float r = g[i], z = g[H + i], n = g[2 * H + i], dht = d[i] + go[i];
                float dn = dht * (1.0f - z), dz = dht * (hp[i] - n);
                float dan = dn * (1.0f - n * n);
                float dar = dan * a[i] * r * (1.0f - r), daz = dz * z * (1.0f - z);
                dx[i] = dar, dx[H + i] = daz, dx[2 * H + i] = dan;
                dr[i] = dar, dr[H + i] = daz, dr[2 * H + i] = dan * r;
                d[i] = dht * z; /* the direct path; the recurrent one is added below */
            }
        }
        if (s > 0) /* dh (B, H) += dgh_t (B, 3H; rows T*3H apart) . W_hh (3H, H) */
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, B, H, G, 1.0f,
                        dgh + (size_t)t * G, T * G, w_hh, H, 1.0f, dh, H);
    }
    /* every step at once: the input projection's and the recurrent matrix's gradients */
    nn_linear_backward(dinp, dw_ih, db_ih, dgx, inp, w_ih, N, D, G);
    nn_linear_backward(NULL, dw_hh, db_hh, dgh, hprev, w_hh, N, H, G);
}

/* nn: the numeric kernels of aipipe's own networks (float32, CPU, OpenBLAS GEMM).
 *
 * Each layer is a _forward/_backward pair over explicit buffers that the caller owns (the
 * model carves them from one arena, see nn_model.c). Argument order: outputs first, then
 * inputs, then sizes. Forward keeps (in its output buffers) what backward needs. Backward
 * ADDS into the gradients it is given (parameters and inputs alike): zeroing is the
 * caller's separate call, so a tensor read by two layers sums both contributions.
 *
 * Layouts. Convolution activations are (C, B, H, W): channel-major over the whole batch, so
 * one convolution is ONE sgemm of (Cout x Cin*kh*kw) by (Cin*kh*kw x B*H*W) instead of B
 * small ones (bigger GEMMs run much closer to the machine's peak). Sequence activations are
 * rows (N = B*T, D). Logits for CTC are (B, T, K) with class 0 the CTC blank.
 *
 * Nothing here allocates except nn_ctc (a small double-precision lattice per sample), which
 * reports AP_ERR_NOMEM instead of failing silently. */
#ifndef AP_NN_H
#define AP_NN_H

#include <stddef.h>
#include <stdint.h>

#include "core/status.h"

/* ---- random numbers: splitmix64; a stream is fully described by its 64-bit state ---- */
uint64_t nn_rng_next(uint64_t *state);
float nn_rng_uniform(uint64_t *state); /* [0, 1) */
float nn_rng_normal(uint64_t *state);  /* mean 0, variance 1 (Box-Muller) */
/* A state for (seed, stream, step): independent streams without storing any state. */
uint64_t nn_rng_seed(uint64_t seed, uint64_t stream, uint64_t step);

/* Number of threads OpenBLAS uses for the GEMMs and nn/parallel.h for the other layers
 * (results do not depend on it: see parallel.h). */
void nn_set_threads(int n);

/* ---- convolution, stride 1, "same" zero padding (kh/2, kw/2) ----
 * out:    (Cout, B, H, W)          col: scratch (Cin*kh*kw, B*H*W), clobbered
 * inp:    (Cin, B, H, W)           weight: (Cout, Cin*kh*kw)   bias: (Cout) */
void nn_conv2d_forward(float *restrict out, float *restrict col, const float *restrict inp,
                       const float *restrict weight, const float *restrict bias, int B, int Cin,
                       int H, int W, int Cout, int kh, int kw);
/* dinp may be NULL (the first layer); dweight/dbias may be NULL (frozen). col is recomputed
 * from inp; dcol is scratch of the same size as col. */
void nn_conv2d_backward(float *restrict dinp, float *restrict dweight, float *restrict dbias,
                        float *restrict col, float *restrict dcol, const float *restrict dout,
                        const float *restrict inp, const float *restrict weight, int B, int Cin,
                        int H, int W, int Cout, int kh, int kw);

/* ---- max-pool over (ph, pw) windows, stride = window, floor sizes ----
 * out: (P, H/ph, W/pw) for P planes; idx: (same) flat index of the max in inp. */
void nn_maxpool_forward(float *restrict out, int *restrict idx, const float *restrict inp, int P,
                        int H, int W, int ph, int pw);
void nn_maxpool_backward(float *restrict dinp, const float *restrict dout, const int *restrict idx,
                         int P, int H, int W, int ph, int pw);

/* ---- element-wise ---- */
void nn_relu_forward(float *out, const float *inp, size_t n); /* out may == inp */
void nn_relu_backward(float *restrict dinp, const float *restrict dout, const float *restrict out,
                      size_t n);
void nn_gelu_forward(float *restrict out, const float *restrict inp, size_t n);
void nn_gelu_backward(float *restrict dinp, const float *restrict dout, const float *restrict inp,
                      size_t n);
/* nn_add: y += x (the residual path). nn_zero: x = 0. Both split across the threads. */
void nn_add(float *restrict y, const float *restrict x, size_t n);
void nn_zero(float *x, size_t n);
/* Inverted dropout: mask holds 0 or 1/(1-p); p == 0 copies (mask all 1). */
void nn_dropout_forward(float *restrict out, float *restrict mask, const float *restrict inp,
                        size_t n, float p, uint64_t *rng);
void nn_dropout_backward(float *restrict dinp, const float *restrict dout,
                         const float *restrict mask, size_t n);

/* ---- linear: out (N, OC) = inp (N, C) . weight^T (OC, C) + bias (OC) ---- */
void nn_linear_forward(float *restrict out, const float *restrict inp, const float *restrict weight,
                       const float *restrict bias, int N, int C, int OC);
/* dinp, dweight, dbias may each be NULL. */
void nn_linear_backward(float *restrict dinp, float *restrict dweight, float *restrict dbias,
                        const float *restrict dout, const float *restrict inp,
                        const float *restrict weight, int N, int C, int OC);

/* ---- layer norm over the last dimension: rows (N, C); mean, rstd: (N) kept for backward ---- */
void nn_layernorm_forward(float *restrict out, float *restrict mean, float *restrict rstd,
                          const float *restrict inp, const float *restrict gamma,
                          const float *restrict beta, int N, int C);
void nn_layernorm_backward(float *restrict dinp, float *restrict dgamma, float *restrict dbeta,
                           const float *restrict dout, const float *restrict inp,
                           const float *restrict gamma, const float *restrict mean,
                           const float *restrict rstd, int N, int C);

/* ---- temporal im2col over rows (B, T, D) -> (B, T, k*D), zero outside [0, T) ----
 * A 1-D convolution over time is this followed by nn_linear with weight (Dout, k*D). */
void nn_im2col_time(float *restrict col, const float *restrict inp, int B, int T, int D, int k);
void nn_col2im_time(float *restrict dinp, const float *restrict dcol, int B, int T, int D, int k);

/* ---- (C, B, H, W) <-> rows (B, W, C*H): the CNN's feature map as a sequence over width ---- */
void nn_collapse_forward(float *restrict out, const float *restrict inp, int C, int B, int H,
                         int W);
void nn_collapse_backward(float *restrict dinp, const float *restrict dout, int C, int B, int H,
                          int W);

/* ---- softmax over rows (N, K) at temperature temp ---- */
void nn_softmax(float *restrict probs, const float *restrict logits, int N, int K, float temp);

/* ---- CTC loss (Graves 2006), blank = class 0 ----
 * logits (B, Tmax, K); tlen[b] <= Tmax frames of sample b are used; labels[b] points at
 * llen[b] classes in 1..K-1. losses[b] = -ln p(label | x); an impossible alignment (too
 * few frames) gives losses[b] = 0, no gradient, and counts in *nskipped (may be NULL).
 * dlogits (B, Tmax, K), may be NULL: ADDS scale * d loss_b / d logits. */
ap_status nn_ctc(float *restrict losses, float *restrict dlogits, const float *restrict logits,
                 const int *tlen, const int *const *labels, const int *llen, int B, int Tmax, int K,
                 float scale, int *nskipped);

/* ---- decoding of one sample's logits (T, K) into classes (blank and repeats removed) ----
 * out has room for cap classes; *n gets the count; *conf gets a confidence in [0, 1], the
 * mean over emitted characters of their frame probability. Beam search, with or without
 * a character prior, is nn_lm_beam_decode (charlm.h). */
void nn_greedy_decode(int *out, int *n, float *conf, const float *logits, int T, int K, int cap);
/* Greedy decoding that keeps, for each emitted class i, its frame probability probs[i]
 * and the frame frames[i] it was emitted at (either may be NULL): where each character
 * stands on the line and how sure the model was of it. nn_greedy_decode reads at most
 * NN_DECODE_MAX classes. */
#define NN_DECODE_MAX 1024
void nn_greedy_decode_frames(int *out, float *probs, int *frames, int *n, const float *logits,
                             int T, int K, int cap);
/* The best CTC alignment (Viterbi) of the classes seq[0..n) over logits (T, K): for each
 * class, frames[i] gets the first frame the alignment gives it and probs[i] its highest
 * frame probability over the frames it holds (either may be NULL). A decoder's own
 * emission frames are a by-product of its search (a beam search may record a class at the
 * edge of its glyph, where it is 1e-3 likely); this says where each character of the text
 * it chose stands and how sure the model is of it there. alike (K entries, or NULL: each
 * class its own) names for each class the lowest class of its group of glyphs that cannot
 * be told apart (0 and O; a class not in a group names itself): a group's probabilities
 * count as one, the text's choice among them being a prior's.
 * A character the model sees inside the blanks either side of a class (one the text
 * leaves out) lowers that class's probability to at most 1 minus how sure the model
 * was of it. AP_ERR_INVALID when n classes cannot fit in T frames (nothing written),
 * AP_ERR_NOMEM. */
ap_status nn_ctc_align(float *probs, int *frames, const int *seq, int n, const float *logits, int T,
                       int K, const int *alike);

/* ---- optimisation ---- */
typedef struct nn_adamw {
    float lr, beta1, beta2, eps, weight_decay;
} nn_adamw;
/* One AdamW step (decoupled decay) over n parameters; t is the 1-based step number.
 * decay: apply weight decay (matrices yes, biases and norms no). */
void nn_adamw_update(float *restrict param, const float *restrict grad, float *restrict m,
                     float *restrict v, size_t n, const nn_adamw *opt, long t, int decay);
/* Linear warm-up over warmup steps, then cosine from lr to lr * min_ratio at total. */
float nn_lr_schedule(float lr, long step, long warmup, long total, float min_ratio);
/* Global L2 norm of the n gradients; scales them to max_norm when above (max_norm > 0). */
float nn_clip_grad(float *grad, size_t n, float max_norm);

/* Edit (Levenshtein) distance between two class sequences. */
int nn_edit_distance(const int *a, int na, const int *b, int nb);

#endif

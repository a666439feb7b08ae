/* crnn: the text-line recogniser (a CNN over the image, a sequence head over its columns,
 * CTC over the characters), with its arena, save/load, LoRA and charset.
 *
 *   image (1, B, H, W), ink 1, background 0, H = cfg.height (a multiple of 16)
 *   4 x [conv 3x3 -> ReLU -> max-pool]  pools (2,2) (2,2) (2,1) (2,1): H/16 rows, W/4 columns
 *   collapse to rows (B, T = W/4, conv[3] * H/16) -> linear -> layer norm -> GELU   (B, T, D)
 *   blocks x [x += dropout(MIX(layernorm(x)))]                                      (B, T, D)
 *   linear -> logits (B, T, K), class 0 the CTC blank
 *
 * MIX is the head's choice (cfg.head):
 *   conv   GELU(conv1d_k(.)): a temporal convolution, kernel k, D -> D
 *   bigru  a bidirectional GRU (gru.h), D/2 units per direction, the two directions'
 *          states concatenated back to D; it reads each line's own frames only (padding
 *          neither feeds its state nor gets an output)
 * At dim 160 and kernel 5 a conv block holds 128k parameters and a BiGRU block 116k. The
 * convolution sees +-(blocks * kernel/2) * 4 pixels of context and runs as one GEMM per
 * block over the whole batch; the GRU sees the whole line, but its recurrent half is T
 * small dependent GEMMs per direction. Which is the default, and why, is measured in
 * docs/BENCHMARKS.md ("Sequence head").
 *
 * One arena per model, four blocks (llm.c): parameters, their gradients, activations and
 * activation gradients, each carved into named tensors at nn_crnn_new() for the largest
 * batch and width the model will see; later calls check that B and W fit. Optimiser state
 * is the caller's (one block the size of the parameters per moment). */
#ifndef AP_CRNN_H
#define AP_CRNN_H

#include <leptonica/allheaders.h>
#include <stddef.h>
#include <stdint.h>

#include "core/status.h"

#define NN_CRNN_MAX_BLOCKS  8
#define NN_CRNN_MAX_WIDTH   2048
#define NN_CRNN_MAX_BATCH   1024
#define NN_CRNN_MAX_TENSORS (16 + 10 * NN_CRNN_MAX_BLOCKS)

/* The sequence blocks' mixing layer. Models saved without a "head" key are conv. */
typedef enum nn_crnn_head { NN_HEAD_CONV = 0, NN_HEAD_BIGRU = 1 } nn_crnn_head;

/* "conv" / "bigru"; parse returns -1 for any other name. */
const char *nn_crnn_head_name(nn_crnn_head h);
int nn_crnn_head_parse(const char *name, nn_crnn_head *out);

typedef struct nn_crnn_config {
    int height;        /* input height, pixels: 16, 32, 48 or 64 */
    int conv[4];       /* channels of the four convolutions */
    int dim;           /* width D of the sequence head (even for bigru) */
    int blocks;        /* sequence blocks, 0..NN_CRNN_MAX_BLOCKS */
    int kernel;        /* temporal kernel (odd; conv head only, checked either way) */
    int nclasses;      /* characters + 1 (the blank) */
    float dropout;     /* in the sequence blocks, training only */
    nn_crnn_head head; /* 0 (conv) in a zeroed config */
} nn_crnn_config;

typedef struct nn_crnn nn_crnn;

/* One named parameter tensor (weights are (out, in) matrices; conv weights flatten
 * (Cin, kh, kw) into in). data and grad point into the model's arena. */
typedef struct nn_tensor {
    char name[48];
    float *data, *grad;
    int ndim;
    int64_t shape[4];
    size_t n;
    int matrix; /* a weight matrix: decayed, LoRA-targetable */
} nn_tensor;

/* Checks cfg's bounds; AP_ERR_INVALID with the offending field otherwise. */
ap_status nn_crnn_check_config(const nn_crnn_config *cfg, ap_error *err);

/* Allocates a model for batches of up to max_batch images up to max_width pixels wide
 * (rounded up to a multiple of 4). Parameters are zero until nn_crnn_init or a load. */
ap_status nn_crnn_new(const nn_crnn_config *cfg, int max_batch, int max_width, nn_crnn **out,
                      ap_error *err);
void nn_crnn_free(nn_crnn *m);
/* He-normal weights for the ReLU/GELU layers, zero biases, unit norms. */
void nn_crnn_init(nn_crnn *m, uint64_t seed);

const nn_crnn_config *nn_crnn_cfg(const nn_crnn *m);
size_t nn_crnn_nparams(const nn_crnn *m);
float *nn_crnn_params(nn_crnn *m); /* all parameters, one block */
float *nn_crnn_grads(nn_crnn *m);  /* their gradients, same order */
size_t nn_crnn_ntensors(const nn_crnn *m);
nn_tensor *nn_crnn_tensor(nn_crnn *m, size_t i);
nn_tensor *nn_crnn_find(nn_crnn *m, const char *name);
int nn_crnn_max_width(const nn_crnn *m);
int nn_crnn_max_batch(const nn_crnn *m);
/* Forward floating-point operations per image column (multiply-add = 2), for GFLOP/s. */
double nn_crnn_flops_per_column(const nn_crnn *m);

/* Forward pass. images: (B, H, W) row-major, W a multiple of 4, B <= max_batch, W <=
 * max_width (asserted). tlen: (B) frames of each image that hold its line (its unpadded
 * width / 4, clamped to 1..W/4), or NULL when every image fills W; the bigru head reads
 * only those frames, the conv head ignores tlen. train: dropout on, drawing from rng.
 * Returns the logits (B, W/4, K), owned by the model, valid until the next forward. */
const float *nn_crnn_forward(nn_crnn *m, const float *images, int B, int W, const int *tlen,
                             int train, uint64_t rng);
/* Backward pass of the last forward: ADDS into the parameter gradients. dlogits: (B, W/4, K).
 * Zero the gradients first with nn_crnn_zero_grad. */
void nn_crnn_backward(nn_crnn *m, const float *dlogits);
void nn_crnn_zero_grad(nn_crnn *m);

/* Saves the parameters (names as the tensors') with the model card: the config keys are
 * written by this function, the caller's pairs (charset, metrics, ...) are appended. */
ap_status nn_crnn_save(nn_crnn *m, const char *path, const char *const *keys,
                       const char *const *values, size_t n, ap_error *err);
/* Loads a model saved by nn_crnn_save: path is a .safetensors file or a model directory
 * (holding model.safetensors). On AP_OK *out is the model and *charset (caller frees) the
 * UTF-8 characters of classes 1..K-1. AP_ERR_MODEL_NOT_FOUND when the file is missing;
 * AP_ERR_INVALID when it is not such a model. */
ap_status nn_crnn_load(const char *path, int max_batch, int max_width, nn_crnn **out,
                       char **charset, ap_error *err);

/* ---- LoRA on a weight matrix W (out, in) = W0 + scale * B (out, r) . A (r, in) ----
 * The adapter is merged into the weight before each step and its gradients are read off
 * the weight's: dA = scale * B^T dW, dB = scale * dW A^T (exact, since dW is the gradient
 * with respect to the merged weight). rank_mask (r) zeroes dropped rank components (the
 * adapter's dropout, drawn per step); NULL keeps all. */
void nn_lora_merge(float *restrict W, const float *restrict W0, const float *restrict A,
                   const float *restrict Bm, const float *restrict rank_mask, int out, int in,
                   int r, float scale);
void nn_lora_backward(float *restrict dA, float *restrict dB, const float *restrict dW,
                      const float *restrict A, const float *restrict Bm,
                      const float *restrict rank_mask, int out, int in, int r, float scale);

/* ---- images and characters ---- */

/* Converts a line image to the model's input: grey, contrast stretched so that ink is 1
 * and paper 0 (dark-on-light or light-on-dark), scaled to height keeping the aspect ratio,
 * squeezed to max_width when wider, zero-padded on the right to a multiple of 4.
 * out: height * max_width floats; *width gets the padded width. AP_ERR_INVALID for an
 * empty image, AP_ERR_NOMEM. */
ap_status nn_image_from_pix(float *out, int *width, PIX *pix, int height, int max_width,
                            ap_error *err);

/* The characters of a model, class c = index + 1. */
typedef struct nn_charset {
    uint32_t *cp; /* code points */
    int n;
} nn_charset;
/* Parses UTF-8 (each code point once); AP_ERR_INVALID on bad UTF-8 or a repeat. */
ap_status nn_charset_parse(nn_charset *cs, const char *utf8, ap_error *err);
void nn_charset_free(nn_charset *cs);
/* Encodes text into classes (at most cap); returns the count, or -1 when a character is
 * not in the charset or the text is longer than cap. */
int nn_charset_encode(const nn_charset *cs, const char *utf8, int *classes, int cap);
/* Decodes classes into UTF-8 text (NUL-terminated, at most size bytes). */
void nn_charset_decode(const nn_charset *cs, const int *classes, int n, char *out, size_t size);

#endif

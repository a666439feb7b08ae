/* charlm: a character n-gram language model over an OCR model's classes, and the CTC beam
 * search that uses it as a prior.
 *
 * A CTC reader has no notion of words: at 18-26 px a condensed face's c o s u v w and their
 * capitals, or O and 0, differ by a pixel, and the reader picks one frame by frame. The
 * prior says which spelling text usually has ("Handwriting" rather than "Hondwriting",
 * "9:00" rather than "9:OO"). It is counted by `aipipe train lm` from the generator's own
 * lines (datagen --lines train.jsonl) and saved beside the OCR model as lm.safetensors.
 *
 * The model: interpolated absolute discounting (Ney et al. 1994) up to order N (at most
 * NN_LM_MAX_ORDER characters, the predicted one included):
 *   P_0(w) = 1 / V                              (V: the characters, the blank left out)
 *   P_L(w | h) = max(c(h w) - D_L, 0) / c(h) + D_L * n(h) / c(h) * P_{L-1}(w | h')
 * with h the L-1 characters before w (the start of the line counts as class 0, the CTC
 * blank, which is never predicted), h' h without its oldest character, c(h) the summed
 * counts of h's followers, n(h) how many distinct followers it has, and D_L = n1 / (n1 + 2
 * n2) from the counts of n-grams of length L seen once and twice, kept in [0.1, 0.9] so
 * that every character keeps some probability after every context. A context never seen
 * gives P_{L-1}. Grams of length 3 and more seen fewer than min_count times are dropped
 * (the probabilities stay normalised: c and n are taken over the kept followers).
 *
 * File (safetensors, float32 only): "grams" (G, N + 1): per row the classes of one gram,
 * right-aligned, -1 before it, then its count; "discount" (N): D_1..D_N. Metadata: "order",
 * "charset" (the OCR model's, which must match at load), and the caller's keys (weight,
 * corpus). Loading checks every class, count, length and duplicate. */
#ifndef AP_CHARLM_H
#define AP_CHARLM_H

#include <stddef.h>

#include "core/status.h"

#define NN_LM_MAX_ORDER   7
#define NN_LM_MAX_CLASSES 255
#define NN_LM_MAX_GRAMS   (4u << 20)

typedef struct nn_lm nn_lm;

/* An empty model for counting: nclasses as the OCR model's (blank included), order 1..7. */
ap_status nn_lm_new(int nclasses, int order, nn_lm **out, ap_error *err);
void nn_lm_free(nn_lm *lm);
int nn_lm_order(const nn_lm *lm);
int nn_lm_nclasses(const nn_lm *lm);
size_t nn_lm_ngrams(const nn_lm *lm);

/* Counts one line of classes (each 1..nclasses-1). */
ap_status nn_lm_add(nn_lm *lm, const int *cls, int n, ap_error *err);
/* Ends counting: the discounts from the counts, then grams of length >= 3 seen fewer than
 * min_count times dropped. The model answers queries only after this (or a load). */
ap_status nn_lm_finish(nn_lm *lm, int min_count, ap_error *err);

/* Saves a finished model with charset (the OCR model's characters, UTF-8) and the caller's
 * metadata pairs. AP_ERR_IO when the file cannot be written. */
ap_status nn_lm_save(const nn_lm *lm, const char *path, const char *charset,
                     const char *const *keys, const char *const *values, size_t n, ap_error *err);
/* Loads a model saved by nn_lm_save. When charset is not NULL the file's must equal it.
 * A metadata value (borrowed from the model) comes from nn_lm_meta. AP_ERR_NOT_FOUND for a
 * missing file, AP_ERR_INVALID for a malformed one or another charset. */
ap_status nn_lm_load(const char *path, const char *charset, nn_lm **out, ap_error *err);
const char *nn_lm_meta(const nn_lm *lm, const char *key);

/* ln P(cls | the n classes before it on the line); ctx may be shorter than order - 1. */
double nn_lm_logprob(const nn_lm *lm, const int *ctx, int n, int cls);

/* CTC prefix beam search over logits (T, K) with the prior: a prefix's score is
 * ln P_ctc + weight * ln P_lm (each character given the ones before it). lm NULL or
 * weight 0 is plain beam search. Classes under a frame probability of 1e-4 are not tried
 * as extensions (they cannot win at any sane weight and would make each frame's work
 * beam * K). Outputs as nn_greedy_decode_frames: out, probs (the frame probability of
 * each class where the kept prefix emitted it), frames; *n the count (at most cap, at most
 * NN_LM_MAX_DECODE); *conf the mean of probs. AP_ERR_NOMEM. */
#define NN_LM_MAX_DECODE 1024
ap_status nn_lm_beam_decode(int *out, float *probs, int *frames, int *n, float *conf,
                            const float *logits, int T, int K, int cap, int beam, const nn_lm *lm,
                            float weight);

#endif

/* Proves: the whole model's backward (CNN, collapse, head, residual blocks of either head,
 * conv or bigru, CTC) is the derivative of its forward, against central finite differences
 * on every parameter of a tiny model (h = 1e-2, |a - n| <= 5e-3 + 5e-2 |n|; at most 2% of
 * the checks may miss, for ReLU and max-pool kinks crossed by the step), with one line
 * shorter than its batch; a smaller batch reuses the arena and an image's logits do not
 * depend on the rest of its batch; the bigru head names its tensors as torch.nn.GRU's,
 * per block and direction, and all of its weight matrices are LoRA targets; LoRA's adapter
 * gradients equal finite differences of the merged weight; a model of either head survives
 * save/load bit for bit with its charset and head, and a model card without a "head" key
 * (written before the bigru head existed) loads as conv; images are normalised (ink 1,
 * paper 0) in either polarity; charset encode/decode round-trips. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "nn/crnn.h"
#include "nn/nn.h"
#include "nn/safetensors.h"

static const nn_crnn_config TINY = {.height = 16,
                                    .conv = {3, 4, 4, 5},
                                    .dim = 6,
                                    .blocks = 2,
                                    .kernel = 3,
                                    .nclasses = 4,
                                    .dropout = 0.0f};

static const nn_crnn_config TINY_GRU = {.height = 16,
                                        .conv = {3, 4, 4, 5},
                                        .dim = 6,
                                        .blocks = 2,
                                        .kernel = 3,
                                        .nclasses = 4,
                                        .dropout = 0.0f,
                                        .head = NN_HEAD_BIGRU};

enum { B = 2, W = 12, T = W / 4 };

static float images[B * 16 * W];
static const int lab0[] = {1, 2}, lab1[] = {3};
static const int *labels[B] = {lab0, lab1};
static const int llen[B] = {2, 1}, tlen[B] = {T, T - 1}; /* the second line is padded */

static double model_loss(nn_crnn *m, float *dlogits)
{
    const float *logits = nn_crnn_forward(m, images, B, W, tlen, 0, 0);
    float losses[B];
    if (dlogits) memset(dlogits, 0, sizeof(float) * B * T * TINY.nclasses);
    assert_int_equal(
        nn_ctc(losses, dlogits, logits, tlen, labels, llen, B, T, TINY.nclasses, 1.0f, NULL),
        AP_OK);
    return (double)losses[0] + losses[1];
}

static void model_gradients(const nn_crnn_config *cfg)
{
    nn_crnn *m;
    ap_error err;
    assert_int_equal(nn_crnn_new(cfg, B, W, &m, &err), AP_OK);
    nn_crnn_init(m, 3);
    uint64_t rng = 5;
    for (size_t i = 0; i < sizeof images / sizeof *images; i++)
        images[i] = nn_rng_uniform(&rng);
    /* non-zero biases and gains so that every parameter matters */
    for (size_t i = 0; i < nn_crnn_ntensors(m); i++) {
        nn_tensor *t = nn_crnn_tensor(m, i);
        if (!t->matrix)
            for (size_t k = 0; k < t->n; k++)
                t->data[k] += 0.2f * (nn_rng_uniform(&rng) - 0.5f);
    }
    float dlogits[B * T * 4];
    model_loss(m, dlogits);
    nn_crnn_zero_grad(m);
    nn_crnn_backward(m, dlogits);
    float *p = nn_crnn_params(m), *g = malloc(sizeof(float) * nn_crnn_nparams(m));
    memcpy(g, nn_crnn_grads(m), sizeof(float) * nn_crnn_nparams(m));
    size_t n = nn_crnn_nparams(m), misses = 0;
    const float h = 1e-2f;
    for (size_t i = 0; i < n; i++) {
        float keep = p[i];
        p[i] = keep + h;
        double lp = model_loss(m, NULL);
        p[i] = keep - h;
        double lm = model_loss(m, NULL);
        p[i] = keep;
        double num = (lp - lm) / (2 * h);
        if (fabs(num - g[i]) > 5e-3 + 5e-2 * fabs(num)) {
            misses++;
            print_message("param %zu: analytic %g numeric %g\n", i, (double)g[i], num);
        }
    }
    print_message("model gradient: %zu parameters, %zu outside tolerance\n", n, misses);
    assert_true(misses * 50 <= n);

    /* batch independence: an image alone gives the logits it gets inside a batch */
    float ref[T * 4];
    memcpy(ref, nn_crnn_forward(m, images + 16 * W, 1, W, NULL, 0, 0), sizeof ref);
    const float *lw = nn_crnn_forward(m, images, B, W, NULL, 0, 0);
    for (int k = 0; k < T * 4; k++)
        assert_float_equal(ref[k], lw[T * 4 + k], 1e-4);
    free(g);
    nn_crnn_free(m);
}

static void test_model_gradients(void **state)
{
    (void)state;
    model_gradients(&TINY);
    model_gradients(&TINY_GRU);
}

static void test_bigru_tensors(void **state)
{
    (void)state;
    nn_crnn *m;
    ap_error err;
    assert_int_equal(nn_crnn_new(&TINY_GRU, 1, 16, &m, &err), AP_OK);
    /* per block: norm (2) + 2 directions x (ih, hh) x (weight, bias) */
    assert_int_equal(nn_crnn_ntensors(m), 8 + 6 + 2 * (2 + 8));
    nn_tensor *t = nn_crnn_find(m, "blocks.1.gru.bwd.ih.weight");
    assert_non_null(t);
    assert_int_equal(t->shape[0], 9), assert_int_equal(t->shape[1], 6), assert_true(t->matrix);
    t = nn_crnn_find(m, "blocks.0.gru.fwd.hh.weight");
    assert_non_null(t);
    assert_int_equal(t->shape[0], 9), assert_int_equal(t->shape[1], 3), assert_true(t->matrix);
    t = nn_crnn_find(m, "blocks.0.gru.fwd.hh.bias");
    assert_non_null(t);
    assert_int_equal(t->n, 9), assert_false(t->matrix);
    assert_null(nn_crnn_find(m, "blocks.0.conv.weight"));
    nn_crnn_free(m);
    nn_crnn_config odd = TINY_GRU;
    odd.dim = 7;
    assert_int_equal(nn_crnn_new(&odd, 1, 16, &m, &err), AP_ERR_INVALID);
    nn_crnn_head h;
    assert_int_equal(nn_crnn_head_parse("bigru", &h), 0), assert_int_equal(h, NN_HEAD_BIGRU);
    assert_int_equal(nn_crnn_head_parse("lstm", &h), -1);
}

static void test_lora_gradients(void **state)
{
    (void)state;
    enum { O = 4, I = 5, R = 2 };
    float W0[O * I], A[R * I], Bm[O * R], Wm[O * I], Rw[O * I], dA[R * I] = {0}, dB[O * R] = {0};
    uint64_t rng = 9;
    for (int i = 0; i < O * I; i++)
        W0[i] = nn_rng_normal(&rng), Rw[i] = nn_rng_normal(&rng);
    for (int i = 0; i < R * I; i++)
        A[i] = nn_rng_normal(&rng);
    for (int i = 0; i < O * R; i++)
        Bm[i] = nn_rng_normal(&rng);
    const float mask[R] = {1.0f, 0.0f}, scale = 1.5f;
    /* L = sum(W * Rw) so dL/dW = Rw */
    nn_lora_backward(dA, dB, Rw, A, Bm, mask, O, I, R, scale);
    float *vars[2] = {A, Bm}, *grads[2] = {dA, dB};
    int sizes[2] = {R * I, O * R};
    for (int v = 0; v < 2; v++)
        for (int i = 0; i < sizes[v]; i++) {
            float keep = vars[v][i];
            double l[2];
            for (int s = 0; s < 2; s++) {
                vars[v][i] = keep + (s ? -1e-2f : 1e-2f);
                nn_lora_merge(Wm, W0, A, Bm, mask, O, I, R, scale);
                l[s] = 0;
                for (int k = 0; k < O * I; k++)
                    l[s] += (double)Wm[k] * Rw[k];
            }
            vars[v][i] = keep;
            double num = (l[0] - l[1]) / 2e-2;
            assert_true(fabs(num - grads[v][i]) <= 1e-3 + 1e-3 * fabs(num));
        }
    /* B = 0 (PEFT's initialisation): the merged weight is the base */
    memset(Bm, 0, sizeof Bm);
    nn_lora_merge(Wm, W0, A, Bm, NULL, O, I, R, scale);
    assert_memory_equal(Wm, W0, sizeof W0);
}

static void test_save_load(void **state)
{
    (void)state;
    nn_crnn *m, *m2;
    ap_error err;
    char path[64], *charset;
    snprintf(path, sizeof path, "/tmp/aipipe_crnn_%ld.safetensors", (long)getpid());
    const char *k[] = {"charset"}, *v[] = {"a\xc3\xa9z"};
    assert_int_equal(nn_crnn_new(&TINY_GRU, 1, 16, &m, &err), AP_OK);
    nn_crnn_init(m, 12);
    assert_int_equal(nn_crnn_save(m, path, k, v, 1, &err), AP_OK);
    assert_int_equal(nn_crnn_load(path, 1, 16, &m2, &charset, &err), AP_OK);
    assert_int_equal(nn_crnn_cfg(m2)->head, NN_HEAD_BIGRU);
    assert_int_equal(nn_crnn_nparams(m2), nn_crnn_nparams(m));
    assert_memory_equal(nn_crnn_params(m2), nn_crnn_params(m), nn_crnn_nparams(m) * sizeof(float));
    free(charset);
    nn_crnn_free(m2);
    nn_crnn_free(m);

    assert_int_equal(nn_crnn_new(&TINY, 1, 16, &m, &err), AP_OK);
    nn_crnn_init(m, 11);
    assert_int_equal(nn_crnn_save(m, path, k, v, 1, &err), AP_OK);
    assert_int_equal(nn_crnn_load(path, 1, 16, &m2, &charset, &err), AP_OK);
    assert_string_equal(charset, "a\xc3\xa9z");
    assert_int_equal(nn_crnn_cfg(m2)->head, NN_HEAD_CONV);
    assert_int_equal(nn_crnn_nparams(m2), nn_crnn_nparams(m));
    assert_memory_equal(nn_crnn_params(m2), nn_crnn_params(m), nn_crnn_nparams(m) * sizeof(float));
    free(charset);
    nn_crnn_free(m2);

    /* the card as written before the head key existed: a conv model */
    nn_st_entry e[NN_CRNN_MAX_TENSORS];
    for (size_t i = 0; i < nn_crnn_ntensors(m); i++) {
        nn_tensor *t = nn_crnn_tensor(m, i);
        e[i] = (nn_st_entry){t->name, t->data, t->ndim, {t->shape[0], t->shape[1]}};
    }
    const char *ok[] = {"architecture", "input_height", "conv_channels", "dim",    "blocks",
                        "kernel",       "nclasses",     "dropout",       "charset"};
    const char *ov[] = {"crnn-ctc-v1", "16", "3,4,4,5", "6", "2", "3", "4", "0", "abc"};
    assert_int_equal(nn_st_write(path, e, nn_crnn_ntensors(m), ok, ov, 9, &err), AP_OK);
    assert_int_equal(nn_crnn_load(path, 1, 16, &m2, &charset, &err), AP_OK);
    assert_int_equal(nn_crnn_cfg(m2)->head, NN_HEAD_CONV);
    assert_memory_equal(nn_crnn_params(m2), nn_crnn_params(m), nn_crnn_nparams(m) * sizeof(float));
    free(charset);
    nn_crnn_free(m2);
    /* ... and an unknown head is refused */
    const char *hk[] = {"architecture", "input_height", "conv_channels", "dim",     "blocks",
                        "kernel",       "nclasses",     "dropout",       "charset", "head"};
    const char *hv[] = {"crnn-ctc-v1", "16", "3,4,4,5", "6", "2", "3", "4", "0", "abc", "lstm"};
    assert_int_equal(nn_st_write(path, e, nn_crnn_ntensors(m), hk, hv, 10, &err), AP_OK);
    assert_int_equal(nn_crnn_load(path, 1, 16, &m2, &charset, &err), AP_ERR_INVALID);
    /* a charset that does not match the class count is refused */
    const char *bad[] = {"ab"};
    assert_int_equal(nn_crnn_save(m, path, k, bad, 1, &err), AP_OK);
    assert_int_equal(nn_crnn_load(path, 1, 16, &m2, &charset, &err), AP_ERR_INVALID);
    assert_int_equal(nn_crnn_load("/nonexistent/model", 1, 16, &m2, &charset, &err),
                     AP_ERR_MODEL_NOT_FOUND);
    unlink(path);
    nn_crnn_free(m);
}

static void test_image_and_charset(void **state)
{
    (void)state;
    for (int polarity = 0; polarity < 2; polarity++) {
        PIX *pix = pixCreate(40, 20, 8);
        pixSetAllArbitrary(pix, polarity ? 30 : 230);
        for (int x = 10; x < 14; x++)
            for (int y = 2; y < 18; y++)
                pixSetPixel(pix, x, y, polarity ? 220 : 20);
        float out[16 * 64];
        int w;
        ap_error err;
        assert_int_equal(nn_image_from_pix(out, &w, pix, 16, 64, &err), AP_OK);
        assert_int_equal(w, 32);            /* 40 * 16/20 = 32 */
        assert_true(out[8 * w + 2] < 0.1f); /* paper */
        assert_true(out[8 * w + 9] > 0.9f); /* the stroke at x 10..13 -> 8..10 */
        pixDestroy(&pix);
    }
    nn_charset cs;
    ap_error err;
    assert_int_equal(nn_charset_parse(&cs, "ab\xc3\xa9 1", &err), AP_OK);
    assert_int_equal(cs.n, 5);
    int cls[8];
    assert_int_equal(nn_charset_encode(&cs,
                                       "1 \xc3\xa9"
                                       "a",
                                       cls, 8),
                     4);
    assert_int_equal(cls[0], 5), assert_int_equal(cls[2], 3);
    char text[16];
    nn_charset_decode(&cs, cls, 4, text, sizeof text);
    assert_string_equal(text, "1 \xc3\xa9"
                              "a");
    assert_int_equal(nn_charset_encode(&cs, "x", cls, 8), -1);
    assert_int_equal(nn_charset_encode(&cs, "aaaaaaaaa", cls, 8), -1);
    nn_charset_free(&cs);
    assert_int_equal(nn_charset_parse(&cs, "aa", &err), AP_ERR_INVALID);
    assert_int_equal(nn_charset_parse(&cs, "\xff", &err), AP_ERR_INVALID);
}

int main(void)
{
    nn_set_threads(1);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_model_gradients),   cmocka_unit_test(test_bigru_tensors),
        cmocka_unit_test(test_lora_gradients),    cmocka_unit_test(test_save_load),
        cmocka_unit_test(test_image_and_charset),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

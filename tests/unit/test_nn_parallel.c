/* Proves: nn_par_for runs every index exactly once whatever n, grain and thread count,
 * also when two threads call it at once (one of them runs inline); and a training step of
 * the CRNN (forward with dropout, CTC, backward, AdamW), with the conv head and with the
 * bigru head, gives bit-identical logits, gradients and parameters with 1, 2 and 3 pool
 * threads (OpenBLAS kept at one thread), the property the byte-identical resume test and
 * any thread count rely on. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <cblas.h>

#include "nn/crnn.h"
#include "nn/nn.h"
#include "nn/parallel.h"

static void count_range(void *ctx, size_t lo, size_t hi)
{
    unsigned char *seen = ctx;
    for (size_t i = lo; i < hi; i++)
        seen[i]++;
}

static void test_cover(void **state)
{
    (void)state;
    static unsigned char seen[10007];
    const size_t ns[] = {1, 2, 3, 17, 1000, 10007}, grains[] = {0, 1, 7, 4096};
    for (int t = 1; t <= 4; t++) {
        nn_par_set_threads(t);
        assert_int_equal(nn_par_threads(), t);
        for (size_t a = 0; a < sizeof ns / sizeof *ns; a++)
            for (size_t g = 0; g < sizeof grains / sizeof *grains; g++) {
                memset(seen, 0, sizeof seen);
                nn_par_for(ns[a], grains[g], count_range, seen);
                for (size_t i = 0; i < ns[a]; i++)
                    assert_int_equal(seen[i], 1);
            }
    }
    nn_par_for(0, 1, count_range, NULL); /* nothing to do, fn never called */
    nn_par_set_threads(1);
}

static void *caller(void *arg)
{
    unsigned char *seen = arg;
    for (int r = 0; r < 200; r++)
        nn_par_for(5000, 1, count_range, seen);
    return NULL;
}

static void test_two_callers(void **state)
{
    (void)state;
    nn_par_set_threads(2);
    unsigned char *a = calloc(5000, 1), *b = calloc(5000, 1);
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, caller, a), 0);
    caller(b);
    pthread_join(t, NULL);
    for (int i = 0; i < 5000; i++) {
        assert_int_equal(a[i], 200);
        assert_int_equal(b[i], 200);
    }
    free(a), free(b);
    nn_par_set_threads(1);
}

/* One step at the given pool thread count; out gets logits, gradients, parameters. */
enum { SB = 6, SH = 32, SW = 96, ST = SW / 4, SK = 5 };
static const nn_crnn_config SMALL = {.height = SH,
                                     .conv = {8, 8, 12, 12},
                                     .dim = 24,
                                     .blocks = 2,
                                     .kernel = 3,
                                     .nclasses = SK,
                                     .dropout = 0.2f};

static void one_step(const nn_crnn_config *cfg, int threads, float *out, size_t nout)
{
    nn_par_set_threads(threads);
    nn_crnn *m;
    ap_error err;
    assert_int_equal(nn_crnn_new(cfg, SB, SW, &m, &err), AP_OK);
    nn_crnn_init(m, 11);
    static float images[SB * SH * SW], dlogits[SB * ST * SK];
    uint64_t rng = 9;
    for (size_t i = 0; i < sizeof images / sizeof *images; i++)
        images[i] = nn_rng_uniform(&rng);
    static const int l0[] = {1, 2, 3}, l1[] = {4}, l2[] = {2, 2}, l3[] = {1}, l4[] = {3, 4},
                     l5[] = {1, 1, 1};
    const int *labels[SB] = {l0, l1, l2, l3, l4, l5}, llen[SB] = {3, 1, 2, 1, 2, 3};
    int tlen[SB] = {ST, ST - 2, ST, 5, ST, ST - 1};
    const float *logits = nn_crnn_forward(m, images, SB, SW, tlen, 1, 42);
    size_t nl = (size_t)SB * ST * SK, np = nn_crnn_nparams(m);
    assert_true(nl + 2 * np <= nout);
    memcpy(out, logits, sizeof(float) * nl);
    float losses[SB];
    memset(dlogits, 0, sizeof dlogits);
    assert_int_equal(
        nn_ctc(losses, dlogits, logits, tlen, labels, llen, SB, ST, SK, 1.0f / SB, NULL), AP_OK);
    nn_crnn_zero_grad(m);
    nn_crnn_backward(m, dlogits);
    memcpy(out + nl, nn_crnn_grads(m), sizeof(float) * np);
    float *mom = calloc(2 * np, sizeof(float));
    nn_adamw opt = {
        .lr = 1e-3f, .beta1 = 0.9f, .beta2 = 0.999f, .eps = 1e-8f, .weight_decay = 0.01f};
    nn_adamw_update(nn_crnn_params(m), nn_crnn_grads(m), mom, mom + np, np, &opt, 1, 1);
    memcpy(out + nl + np, nn_crnn_params(m), sizeof(float) * np);
    free(mom);
    nn_crnn_free(m);
}

static void test_step_bit_identical(void **state)
{
    (void)state;
    size_t n = 1 << 20;
    float *ref = calloc(n, sizeof(float)), *got = calloc(n, sizeof(float));
    nn_crnn_config gru = SMALL;
    gru.head = NN_HEAD_BIGRU;
    const nn_crnn_config *cfgs[2] = {&SMALL, &gru};
    for (int c = 0; c < 2; c++) {
        memset(ref, 0, n * sizeof(float));
        one_step(cfgs[c], 1, ref, n);
        for (int t = 2; t <= 3; t++) {
            memset(got, 0, n * sizeof(float));
            one_step(cfgs[c], t, got, n);
            assert_memory_equal(ref, got, n * sizeof(float));
        }
    }
    free(ref), free(got);
    nn_par_set_threads(1);
}

int main(void)
{
    openblas_set_num_threads(1);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cover),
        cmocka_unit_test(test_two_callers),
        cmocka_unit_test(test_step_bit_identical),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Proves: the character n-gram prior is a distribution (over the classes, in seen and unseen
 * contexts, at every order) that prefers what its lines spell; it survives a save/load round
 * trip; loading refuses another charset, a missing file, and grams with a class out of
 * range, a predicted line start or a repeat, and of 400 random mutations of a saved file
 * every one it accepts is still a distribution; counting refuses classes out of range; the beam
 * search with the prior reads "9:00" where the frames lean to "9:OO" (and reads "9:OO"
 * without it, as greedy decoding does), with each character's frame and probability; the
 * beam search's hash index of a frame's prefixes decodes exactly as the linear scan it
 * replaced (random frames, 40 classes, beams 1-24, with and without a prior, short caps). */
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

#include "nn/charlm.h"
#include "nn/nn.h"
#include "nn/safetensors.h"

/* classes: 1 '9', 2 ':', 3 '0', 4 'O', 5 '1' */
#define CHARSET "9:0O1"
#define K       6

static nn_lm *clock_lm(int order, int min_count)
{
    nn_lm *lm;
    ap_error err;
    assert_int_equal(nn_lm_new(K, order, &lm, &err), AP_OK);
    const int a[] = {1, 2, 3, 3}, b[] = {5, 3, 2, 3, 3}, c[] = {5, 5, 2, 1, 3};
    for (int i = 0; i < 5; i++) {
        assert_int_equal(nn_lm_add(lm, a, 4, &err), AP_OK);
        assert_int_equal(nn_lm_add(lm, b, 5, &err), AP_OK);
    }
    assert_int_equal(nn_lm_add(lm, c, 5, &err), AP_OK);
    assert_int_equal(nn_lm_finish(lm, min_count, &err), AP_OK);
    return lm;
}

static double mass(const nn_lm *lm, const int *ctx, int n)
{
    double s = 0;
    for (int k = 1; k < K; k++)
        s += exp(nn_lm_logprob(lm, ctx, n, k));
    return s;
}

static void test_distribution(void **state)
{
    (void)state;
    for (int order = 1; order <= 5; order++)
        for (int mc = 1; mc <= 3; mc += 2) {
            nn_lm *lm = clock_lm(order, mc);
            const int seen[] = {1, 2, 3}, unseen[] = {4, 4, 4, 4};
            for (int n = 0; n <= 3; n++)
                assert_true(fabs(mass(lm, seen, n) - 1.0) < 1e-9);
            assert_true(fabs(mass(lm, unseen, 4) - 1.0) < 1e-9);
            if (order >= 3) { /* after "9:" comes "0", never "O" */
                assert_true(nn_lm_logprob(lm, seen, 2, 3) > log(0.5));
                assert_true(nn_lm_logprob(lm, seen, 2, 4) < nn_lm_logprob(lm, seen, 2, 3) - 2);
            }
            nn_lm_free(lm);
        }
    nn_lm *lm;
    ap_error err;
    assert_int_equal(nn_lm_new(K, 3, &lm, &err), AP_OK);
    const int bad[] = {1, 0}, big[] = {K};
    assert_int_equal(nn_lm_add(lm, bad, 2, &err), AP_ERR_INVALID);
    assert_int_equal(nn_lm_add(lm, big, 1, &err), AP_ERR_INVALID);
    nn_lm_free(lm);
    assert_int_equal(nn_lm_new(K, NN_LM_MAX_ORDER + 1, &lm, &err), AP_ERR_INVALID);
    assert_int_equal(nn_lm_new(NN_LM_MAX_CLASSES + 1, 3, &lm, &err), AP_ERR_INVALID);
}

static void write_grams(const char *path, const float *rows, int64_t n, int order,
                        const char *charset)
{
    float disc[NN_LM_MAX_ORDER] = {0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f};
    char o[8];
    snprintf(o, sizeof o, "%d", order);
    nn_st_entry t[2] = {{"grams", rows, 2, {n, order + 1}}, {"discount", disc, 1, {order}}};
    const char *k[] = {"order", "charset"}, *v[] = {o, charset};
    ap_error err;
    assert_int_equal(nn_st_write(path, t, 2, k, v, 2, &err), AP_OK);
}

static void test_file(void **state)
{
    (void)state;
    char path[64];
    snprintf(path, sizeof path, "/tmp/aipipe_lm_%ld.safetensors", (long)getpid());
    nn_lm *lm = clock_lm(4, 2), *back;
    ap_error err;
    const char *k[] = {"weight"}, *v[] = {"0.4"};
    assert_int_equal(nn_lm_save(lm, path, CHARSET, k, v, 1, &err), AP_OK);
    ap_status st = nn_lm_load(path, CHARSET, &back, &err);
    if (st != AP_OK) fprintf(stderr, "%s\n", err.msg);
    assert_int_equal(st, AP_OK);
    assert_int_equal(nn_lm_order(back), 4);
    assert_int_equal(nn_lm_nclasses(back), K);
    assert_int_equal(nn_lm_ngrams(back), nn_lm_ngrams(lm));
    assert_string_equal(nn_lm_meta(back, "weight"), "0.4");
    const int ctx[] = {5, 3, 2, 1, 3};
    for (int n = 0; n <= 5; n++)
        for (int c = 1; c < K; c++) /* discounts are stored as float32 */
            assert_true(fabs(nn_lm_logprob(lm, ctx, n, c) - nn_lm_logprob(back, ctx, n, c)) < 1e-6);
    nn_lm_free(back);
    assert_int_equal(nn_lm_load(path, "9:0o1", &back, &err), AP_ERR_INVALID);
    nn_lm_free(lm);

    /* hand-made files: a valid one, then one fault each */
    float ok[] = {-1, 1, 3, /* "9" x3 */ 1, 2, 2 /* "9:" x2 */};
    write_grams(path, ok, 2, 2, CHARSET);
    assert_int_equal(nn_lm_load(path, CHARSET, &back, &err), AP_OK);
    assert_true(fabs(mass(back, ctx, 3) - 1.0) < 1e-9);
    nn_lm_free(back);
    float out_of_range[] = {-1, 9, 3};
    write_grams(path, out_of_range, 1, 2, CHARSET);
    assert_int_equal(nn_lm_load(path, CHARSET, &back, &err), AP_ERR_INVALID);
    float predicts_start[] = {1, 0, 3};
    write_grams(path, predicts_start, 1, 2, CHARSET);
    assert_int_equal(nn_lm_load(path, CHARSET, &back, &err), AP_ERR_INVALID);
    float repeated[] = {-1, 1, 3, -1, 1, 2};
    write_grams(path, repeated, 2, 2, CHARSET);
    assert_int_equal(nn_lm_load(path, CHARSET, &back, &err), AP_ERR_INVALID);
    float zero_count[] = {-1, 1, 0};
    write_grams(path, zero_count, 1, 2, CHARSET);
    assert_int_equal(nn_lm_load(path, CHARSET, &back, &err), AP_ERR_INVALID);
    float fraction[] = {-1, 1.5f, 2};
    write_grams(path, fraction, 1, 2, CHARSET);
    assert_int_equal(nn_lm_load(path, CHARSET, &back, &err), AP_ERR_INVALID);
    unlink(path);
    assert_int_equal(nn_lm_load(path, CHARSET, &back, &err), AP_ERR_NOT_FOUND);
}

static void test_mutations(void **state)
{
    (void)state;
    char path[64];
    snprintf(path, sizeof path, "/tmp/aipipe_lm_mut_%ld.safetensors", (long)getpid());
    nn_lm *lm = clock_lm(3, 1), *back;
    ap_error err;
    assert_int_equal(nn_lm_save(lm, path, CHARSET, NULL, NULL, 0, &err), AP_OK);
    nn_lm_free(lm);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    unsigned char orig[65536];
    size_t len = fread(orig, 1, sizeof orig, f);
    fclose(f);
    assert_true(len > 8 && len < sizeof orig);
    uint64_t hlen = 0;
    for (int i = 7; i >= 0; i--)
        hlen = hlen << 8 | orig[i];
    size_t data0 = 8 + (size_t)hlen; /* mutate the tensors mostly: the header has its own test */
    uint64_t rng = 99;
    int accepted = 0;
    for (int round = 0; round < 400; round++) {
        unsigned char b[65536];
        memcpy(b, orig, len);
        int flips = 1 + (int)(nn_rng_next(&rng) % 3);
        for (int k = 0; k < flips; k++) {
            size_t at = nn_rng_next(&rng) % 8 ? data0 + nn_rng_next(&rng) % (len - data0)
                                              : nn_rng_next(&rng) % len;
            b[at] ^= (unsigned char)(1u << (nn_rng_next(&rng) % 8));
        }
        f = fopen(path, "wb");
        assert_non_null(f);
        assert_int_equal(fwrite(b, 1, len, f), len);
        fclose(f);
        if (nn_lm_load(path, NULL, &back, &err) != AP_OK) continue;
        accepted++;
        const int ctx[] = {1, 2, 3, 5};
        if (nn_lm_nclasses(back) == K)
            for (int n = 0; n <= 4; n++)
                assert_true(fabs(mass(back, ctx, n) - 1.0) < 1e-6);
        nn_lm_free(back);
    }
    unlink(path);
    assert_true(accepted > 0 && accepted < 400); /* some flips are harmless, most are caught */
}

/* Frames of "9", ":", then two characters that lean to 'O' (0.55) over '0' (0.45), each
 * followed by blanks; logits are log probabilities. */
static void clock_logits(float *z, int *T)
{
    static const int chars[] = {1, 2, -1, -1};
    int t = 0;
    for (int i = 0; i < 4; i++) {
        for (int f = 0; f < 2; f++, t++) {
            float *row = z + t * K;
            for (int k = 0; k < K; k++)
                row[k] = logf(1e-6f);
            if (f == 1) {
                row[0] = 0.0f; /* blank */
            } else if (chars[i] > 0) {
                row[chars[i]] = 0.0f;
            } else {
                row[4] = logf(0.55f), row[3] = logf(0.45f);
            }
        }
    }
    *T = t;
}

static void test_beam_prior(void **state)
{
    (void)state;
    float z[16 * K];
    int T, out[16], frames[16], n;
    float probs[16], conf;
    clock_logits(z, &T);
    nn_lm *lm = clock_lm(4, 1);
    assert_int_equal(nn_lm_beam_decode(out, probs, frames, &n, &conf, z, T, K, 16, 8, lm, 1.0f),
                     AP_OK);
    int want[] = {1, 2, 3, 3};
    assert_int_equal(n, 4);
    assert_memory_equal(out, want, sizeof want);
    for (int i = 0; i < 4; i++) /* each character where its frame is, as sure as that frame */
        assert_int_equal(frames[i], 2 * i);
    assert_true(fabsf(probs[0] - 1.0f) < 1e-3f && fabsf(probs[3] - 0.45f) < 1e-3f);
    assert_true(fabsf(conf - (1.0f + 1.0f + 0.45f + 0.45f) / 4) < 1e-3f);
    /* without the prior (no model, or weight 0): what greedy decoding reads */
    int greedy[16], ng;
    float gconf;
    nn_greedy_decode(greedy, &ng, &gconf, z, T, K, 16);
    int ow[] = {1, 2, 4, 4};
    assert_int_equal(ng, 4);
    assert_memory_equal(greedy, ow, sizeof ow);
    assert_int_equal(nn_lm_beam_decode(out, probs, frames, &n, &conf, z, T, K, 16, 8, NULL, 1.0f),
                     AP_OK);
    assert_int_equal(n, 4);
    assert_memory_equal(out, ow, sizeof ow);
    assert_int_equal(nn_lm_beam_decode(out, NULL, NULL, &n, &conf, z, T, K, 16, 8, lm, 0.0f),
                     AP_OK);
    assert_memory_equal(out, ow, sizeof ow);
    /* a cap shorter than the line keeps its start */
    assert_int_equal(nn_lm_beam_decode(out, NULL, NULL, &n, &conf, z, T, K, 2, 4, lm, 1.0f), AP_OK);
    assert_int_equal(n, 2);
    assert_int_equal(out[0], 1);
    nn_lm_free(lm);
}

extern int nn_lm_scan_lookup; /* TESTABLE in charlm.c */

/* Random frames over KB classes: a blank-heavy background with a few likely classes a
 * frame, so that beams share and repeat prefixes. */
#define KB 40
static void random_logits(float *z, int T, unsigned *seed)
{
    for (int t = 0; t < T; t++) {
        float *row = z + (size_t)t * KB;
        for (int k = 0; k < KB; k++)
            row[k] = -8.0f + 4.0f * (float)(rand_r(seed) % 1000) / 1000.0f;
        row[0] = (float)(rand_r(seed) % 5); /* blank */
        for (int j = 0; j < 3; j++)
            row[1 + rand_r(seed) % (KB - 1)] = (float)(rand_r(seed) % 6) - 1.0f;
    }
}

static void test_beam_index(void **state)
{
    (void)state;
    enum { T = 80, CAP = 48 };
    unsigned seed = 7;
    nn_lm *lm;
    ap_error err;
    assert_int_equal(nn_lm_new(KB, 4, &lm, &err), AP_OK);
    for (int i = 0; i < 200; i++) {
        int line[12];
        for (int j = 0; j < 12; j++)
            line[j] = 1 + rand_r(&seed) % (KB - 1);
        assert_int_equal(nn_lm_add(lm, line, 12, &err), AP_OK);
    }
    assert_int_equal(nn_lm_finish(lm, 1, &err), AP_OK);
    static float z[T * KB];
    int compared = 0, lengths = 0;
    for (int round = 0; round < 60; round++) {
        random_logits(z, T, &seed);
        int beam = 1 + round % 24, cap = round % 5 == 0 ? 3 : CAP;
        const nn_lm *prior = round % 2 ? lm : NULL;
        int out[2][CAP], frames[2][CAP], n[2];
        float probs[2][CAP], conf[2];
        for (int v = 0; v < 2; v++) {
            nn_lm_scan_lookup = v;
            assert_int_equal(nn_lm_beam_decode(out[v], probs[v], frames[v], &n[v], &conf[v], z,
                                               T, KB, cap, beam, prior, 0.7f),
                             AP_OK);
        }
        nn_lm_scan_lookup = 0;
        assert_int_equal(n[0], n[1]);
        assert_memory_equal(out[0], out[1], sizeof(int) * (size_t)n[0]);
        assert_memory_equal(frames[0], frames[1], sizeof(int) * (size_t)n[0]);
        assert_memory_equal(probs[0], probs[1], sizeof(float) * (size_t)n[0]);
        assert_memory_equal(&conf[0], &conf[1], sizeof(float));
        compared++, lengths += n[0];
    }
    assert_int_equal(compared, 60);
    assert_true(lengths > 60 * 5); /* the frames make lines, not empty readings */
    nn_lm_free(lm);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_distribution), cmocka_unit_test(test_file),
        cmocka_unit_test(test_mutations), cmocka_unit_test(test_beam_prior),
        cmocka_unit_test(test_beam_index)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}

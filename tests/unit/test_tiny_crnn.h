/* A tiny untrained CRNN model directory for the cell-reader unit tests, with a character
 * prior beside it when asked. Include after <cmocka.h>. */
#ifndef AP_TEST_TINY_CRNN_H
#define AP_TEST_TINY_CRNN_H

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "nn/charlm.h"
#include "nn/crnn.h"
#include "ocr/ocr.h"

/* Writes an untrained model (weights from seed) over charset into dir, made when missing,
 * and, when lines is not NULL, a character prior (order 3) counted over those lines
 * beside it. The same arguments write the same model. */
static inline void tiny_crnn_write(const char *dir, const char *charset, uint64_t seed,
                                   const char *const *lines)
{
    char path[128];
    if (mkdir(dir, 0755) != 0) assert_int_equal(errno, EEXIST);
    nn_charset cs;
    ap_error err;
    assert_int_equal(nn_charset_parse(&cs, charset, &err), AP_OK);
    nn_crnn_config c = {.height = 16,
                        .conv = {2, 2, 4, 4},
                        .dim = 8,
                        .blocks = 1,
                        .kernel = 3,
                        .nclasses = cs.n + 1};
    nn_crnn *m;
    assert_int_equal(nn_crnn_new(&c, 1, 16, &m, &err), AP_OK);
    nn_crnn_init(m, seed);
    const char *k[] = {"charset"}, *v[] = {charset};
    snprintf(path, sizeof path, "%s/model.safetensors", dir);
    assert_int_equal(nn_crnn_save(m, path, k, v, 1, &err), AP_OK);
    nn_crnn_free(m);
    if (lines) {
        nn_lm *lm;
        assert_int_equal(nn_lm_new(cs.n + 1, 3, &lm, &err), AP_OK);
        for (size_t i = 0; lines[i]; i++) {
            int cls[64];
            int n = nn_charset_encode(&cs, lines[i], cls, 64);
            assert_true(n > 0);
            assert_int_equal(nn_lm_add(lm, cls, n, &err), AP_OK);
        }
        assert_int_equal(nn_lm_finish(lm, 1, &err), AP_OK);
        snprintf(path, sizeof path, "%s/lm.safetensors", dir);
        assert_int_equal(nn_lm_save(lm, path, charset, NULL, NULL, 0, &err), AP_OK);
        nn_lm_free(lm);
    }
    nn_charset_free(&cs);
}

/* The fine_tuned_ocr engine on dir (caller closes). */
static inline ocr_engine *tiny_crnn_open(const char *dir)
{
    ocr_options opts = {.engine = "fine_tuned_ocr", .datapath = dir};
    ocr_engine *e;
    ap_error err;
    assert_int_equal(ocr_engine_open(&opts, &e, &err), AP_OK);
    return e;
}

/* Removes what tiny_crnn_write wrote, and dir. */
static inline void tiny_crnn_remove(const char *dir)
{
    char path[128];
    snprintf(path, sizeof path, "%s/model.safetensors", dir);
    unlink(path);
    snprintf(path, sizeof path, "%s/lm.safetensors", dir);
    unlink(path);
    rmdir(dir);
}

#endif

/* Proves: the fine_tuned_ocr engine opens a model directory written by nn_crnn_save, with
 * the conv head or the bigru head (its version names the bigru head), reads a line image
 * and a two-line block (one word per line found, boxes inside the image, confidences in
 * 0..100) without depending on the model being trained, and refuses a missing or corrupt
 * model with AP_ERR_MODEL_NOT_FOUND. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "nn/crnn.h"
#include "ocr/ocr.h"

static void run_engine(nn_crnn_head head)
{
    char dir[64], path[96];
    snprintf(dir, sizeof dir, "/tmp/aipipe_ocr_crnn_%ld", (long)getpid());
    snprintf(path, sizeof path, "%s/model.safetensors", dir);
    assert_int_equal(mkdir(dir, 0755), 0);
    nn_crnn_config c = {.height = 16,
                        .conv = {2, 2, 4, 4},
                        .dim = 8,
                        .blocks = 1,
                        .kernel = 3,
                        .nclasses = 4,
                        .dropout = 0,
                        .head = head};
    nn_crnn *m;
    ap_error err;
    assert_int_equal(nn_crnn_new(&c, 1, 16, &m, &err), AP_OK);
    nn_crnn_init(m, 1);
    const char *k[] = {"charset"}, *v[] = {"ab1"};
    assert_int_equal(nn_crnn_save(m, path, k, v, 1, &err), AP_OK);
    nn_crnn_free(m);

    ocr_options opts = {.engine = "fine_tuned_ocr", .datapath = dir};
    ocr_engine *e;
    assert_int_equal(ocr_engine_open(&opts, &e, &err), AP_OK);
    assert_string_equal(ocr_engine_name(e), "fine_tuned_ocr");
    assert_true((strstr(ocr_engine_version(e), "bigru") != NULL) == (head == NN_HEAD_BIGRU));
    PIX *pix = pixCreate(120, 60, 8);
    pixSetAllArbitrary(pix, 240);
    for (int line = 0; line < 2; line++)
        for (int x = 10; x < 100; x += 7)
            for (int y = 8 + 30 * line; y < 20 + 30 * line; y++)
                pixSetPixel(pix, x, y, 10);
    ocr_params lp = {.layout = OCR_LAYOUT_LINE}, bp = {.layout = OCR_LAYOUT_BLOCK};
    ocr_result r;
    assert_int_equal(ocr_recognize(e, pix, &lp, &r, &err), AP_OK);
    assert_non_null(r.text);
    assert_true(r.nwords <= 1 && r.confidence >= 0 && r.confidence <= 100);
    ocr_result_free(&r);
    assert_int_equal(ocr_recognize(e, pix, &bp, &r, &err), AP_OK);
    for (size_t i = 0; i < r.nwords; i++) {
        assert_true(r.words[i].top >= 0 && r.words[i].top + r.words[i].height <= 60);
        assert_true(r.words[i].confidence >= 0 && r.words[i].confidence <= 100);
    }
    ocr_result_free(&r);
    pixDestroy(&pix);
    ocr_engine_close(e);

    /* corrupt and missing models */
    FILE *f = fopen(path, "wb");
    fputs("garbage", f);
    fclose(f);
    assert_int_not_equal(ocr_engine_open(&opts, &e, &err), AP_OK);
    unlink(path);
    rmdir(dir);
    assert_int_equal(ocr_engine_open(&opts, &e, &err), AP_ERR_MODEL_NOT_FOUND);
    opts.datapath = NULL;
    assert_int_equal(ocr_engine_open(&opts, &e, &err), AP_ERR_MODEL_NOT_FOUND);
}

static void test_engine(void **state)
{
    (void)state;
    run_engine(NN_HEAD_CONV);
    run_engine(NN_HEAD_BIGRU);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_engine)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}

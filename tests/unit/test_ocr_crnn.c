/* Proves: the fine_tuned_ocr engine opens a model directory written by nn_crnn_save, with
 * the conv head or the bigru head (its version names the bigru head), reads a line image
 * and a two-line block (one word per line found, boxes inside the image, confidences in
 * 0..100) without depending on the model being trained, and refuses a missing or corrupt
 * model with AP_ERR_MODEL_NOT_FOUND; a line whose ink touches the image's edges reads as
 * the same ink with the margin training crops have (the missing margin is added as paper);
 * a character prior (lm.safetensors) beside the model is loaded and named in the version,
 * and one counted over another charset makes the model fail to open; a block's two lines
 * joined by a stroke (a descender touching the next line) are read as two lines, each word
 * boxed around its own line's ink, while one line with sparse rows above and below its
 * core stays one; the character prior scores text
 * (ocr_text_prior) as its counts say. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "nn/charlm.h"
#include "nn/crnn.h"
#include "ocr/ocr.h"

#include "test_tiny_crnn.h"

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

/* A bar pattern 12 rows high at (ox, oy) of a w x h page (ink 10 on paper 240). */
static PIX *bars(int w, int h, int ox, int oy)
{
    PIX *pix = pixCreate(w, h, 8);
    pixSetAllArbitrary(pix, 240);
    for (int x = 0; x < 90; x++)
        for (int y = 0; y < 12; y++)
            if (x % 7 < 2 || (x % 13 == 5 && y > 6)) pixSetPixel(pix, ox + x, oy + y, 10);
    return pix;
}

/* Writes an untrained model that emits characters rather than blanks (so that every line
 * with ink yields words) into dir = /tmp/aipipe_ocr_NAME_PID (path: its file), and opens
 * the engine on it. */
static ocr_engine *emitting_engine(const char *name, char dir[64], char path[96])
{
    snprintf(dir, 64, "/tmp/aipipe_ocr_%s_%ld", name, (long)getpid());
    snprintf(path, 96, "%s/model.safetensors", dir);
    assert_int_equal(mkdir(dir, 0755), 0);
    nn_crnn_config c = {
        .height = 16, .conv = {2, 2, 4, 4}, .dim = 8, .blocks = 1, .kernel = 3, .nclasses = 4};
    nn_crnn *m;
    ap_error err;
    assert_int_equal(nn_crnn_new(&c, 1, 16, &m, &err), AP_OK);
    nn_crnn_init(m, 3);
    nn_crnn_find(m, "head.bias")->data[0] = -4.0f;
    const char *k[] = {"charset"}, *v[] = {"ab1"};
    assert_int_equal(nn_crnn_save(m, path, k, v, 1, &err), AP_OK);
    nn_crnn_free(m);
    ocr_options opts = {.engine = "fine_tuned_ocr", .datapath = dir};
    ocr_engine *e;
    assert_int_equal(ocr_engine_open(&opts, &e, &err), AP_OK);
    return e;
}

static void test_tight_crop(void **state)
{
    (void)state;
    char dir[64], path[96];
    ocr_engine *e = emitting_engine("tight", dir, path);
    ap_error err;
    /* the engine's margin for 12 rows of ink is 12 / 4 + 2 = 5 pixels */
    PIX *tight = bars(90, 12, 0, 0), *wide = bars(100, 22, 5, 5);
    ocr_params lp = {.layout = OCR_LAYOUT_LINE};
    ocr_result rt = {0}, rw = {0};
    assert_int_equal(ocr_recognize(e, tight, &lp, &rt, &err), AP_OK);
    assert_int_equal(ocr_recognize(e, wide, &lp, &rw, &err), AP_OK);
    assert_true(rw.nwords > 0);
    assert_string_equal(rt.text, rw.text);
    assert_int_equal(rt.nwords, rw.nwords);
    assert_float_equal(rt.confidence, rw.confidence, 1e-4);
    for (size_t i = 0; i < rt.nwords; i++) { /* boxes stay inside the tight image */
        assert_true(rt.words[i].left >= 0 && rt.words[i].left + rt.words[i].width <= 90);
        assert_true(rt.words[i].top >= 0 && rt.words[i].top + rt.words[i].height <= 12);
    }
    ocr_result_free(&rt);
    ocr_result_free(&rw);
    ocr_engine_close(e);

    /* a prior beside the model: beam search with it; over another charset: refused */
    ocr_options opts = {.engine = "fine_tuned_ocr", .datapath = dir};
    char lmpath[96];
    snprintf(lmpath, sizeof lmpath, "%s/lm.safetensors", dir);
    nn_lm *lm;
    assert_int_equal(nn_lm_new(4, 3, &lm, &err), AP_OK);
    const int line[] = {1, 3, 2, 1};
    assert_int_equal(nn_lm_add(lm, line, 4, &err), AP_OK);
    assert_int_equal(nn_lm_finish(lm, 1, &err), AP_OK);
    assert_int_equal(nn_lm_save(lm, lmpath, "ab1", NULL, NULL, 0, &err), AP_OK);
    assert_int_equal(ocr_engine_open(&opts, &e, &err), AP_OK);
    assert_non_null(strstr(ocr_engine_version(e), "-lm"));
    assert_int_equal(ocr_recognize(e, wide, &lp, &rw, &err), AP_OK);
    assert_non_null(rw.text);
    for (size_t i = 0; i < rw.nwords; i++)
        assert_true(rw.words[i].confidence >= 0 && rw.words[i].confidence <= 100);
    ocr_result_free(&rw);
    ocr_engine_close(e);
    assert_int_equal(nn_lm_save(lm, lmpath, "ab2", NULL, NULL, 0, &err), AP_OK);
    assert_int_not_equal(ocr_engine_open(&opts, &e, &err), AP_OK);
    nn_lm_free(lm);
    unlink(lmpath);
    pixDestroy(&tight);
    pixDestroy(&wide);
    unlink(path);
    rmdir(dir);
}

/* Lines of text read in a block: the number of lines in its text. */
static int lines_read(ocr_engine *e, PIX *pix)
{
    ocr_params bp = {.layout = OCR_LAYOUT_BLOCK};
    ocr_result r = {0};
    ap_error err;
    assert_int_equal(ocr_recognize(e, pix, &bp, &r, &err), AP_OK);
    int n = r.text && *r.text;
    for (const char *p = r.text; p && *p; p++)
        n += *p == '\n';
    ocr_result_free(&r);
    return n;
}

static void test_touching_lines(void **state)
{
    (void)state;
    char dir[64], path[96];
    ocr_engine *e = emitting_engine("touch", dir, path);
    /* two lines of bars (rows 8-20 and 30-42), a 2-pixel stroke down the gap between them */
    PIX *two = pixCreate(120, 60, 8);
    pixSetAllArbitrary(two, 240);
    for (int y = 8; y < 42; y++)
        for (int x = 10; x < 100; x++)
            if ((y < 20 || y >= 30) ? x % 7 < 2 : x == 50 || x == 51) pixSetPixel(two, x, y, 10);
    assert_int_equal(lines_read(e, two), 2);
    /* the first line's words are boxed around its own ink (rows 8-20), not the second
     * line's strokes in the margin read with it */
    PIX *joined = pixCreate(120, 60, 8);
    pixSetAllArbitrary(joined, 240);
    for (int y = 8; y < 42; y++)
        for (int x = 10; x < 100; x++)
            if ((y < 20 || y >= 30) ? x % 7 < 2 : x % 30 == 0) pixSetPixel(joined, x, y, 10);
    ocr_result r = {0};
    ap_error err;
    assert_int_equal(ocr_recognize(e, joined, &(ocr_params){.layout = OCR_LAYOUT_BLOCK}, &r, &err),
                     AP_OK);
    int first = 0;
    for (size_t i = 0; i < r.nwords; i++)
        if (r.words[i].top < 20) {
            first++;
            assert_true(r.words[i].top + r.words[i].height <= 21);
        }
    assert_true(first > 0);
    ocr_result_free(&r);
    pixDestroy(&joined);
    /* one line: a dense core (rows 18-32) with sparse strokes above and below it */
    PIX *one = pixCreate(120, 50, 8);
    pixSetAllArbitrary(one, 240);
    for (int y = 10; y < 40; y++)
        for (int x = 10; x < 100; x++)
            if ((y >= 18 && y < 32) ? x % 7 < 2 : x % 29 == 3) pixSetPixel(one, x, y, 10);
    assert_int_equal(lines_read(e, one), 1);
    pixDestroy(&two);
    pixDestroy(&one);
    ocr_engine_close(e);
    unlink(path);
    rmdir(dir);
}

/* A tiny model over " abcdefghijklmnopqrstuvwxyzEFST" in /tmp/aipipe_ocr_NAME_PID, with a
 * prior over lines when not NULL, and the engine opened on it. */
static ocr_engine *prior_engine(const char *name, const char *const *lines, char dir[64])
{
    snprintf(dir, 64, "/tmp/aipipe_ocr_%s_%ld", name, (long)getpid());
    tiny_crnn_write(dir, " abcdefghijklmnopqrstuvwxyzEFST", 3, lines);
    return tiny_crnn_open(dir);
}

/* ocr_text_prior: a word spelt as the prior's lines spell it is more plausible than one
 * with a letter swapped; each line ('\n') starts afresh; a character outside the charset
 * costs a uniform guess over the classes; no text, or no prior, says nothing. */
static void test_text_prior(void **state)
{
    (void)state;
    static const char *const lines[] = {
        "English", "French", "Times Tables", "Forest School", "English and French", NULL};
    char dir[64];
    ocr_engine *e = prior_engine("prior", lines, dir);
    double good = 0, bad = 0, two = 0, odd = 0;
    assert_int_equal(ocr_text_prior(e, "English", &good), 1);
    assert_int_equal(ocr_text_prior(e, "Enghsh", &bad), 1);
    assert_true(good < 0 && bad < good - 0.5);
    assert_int_equal(ocr_text_prior(e, "English\nEnglish", &two), 1);
    assert_true(fabs(two - good) < 1e-9);
    assert_int_equal(ocr_text_prior(e, "##", &odd), 1); /* '#' is no class: 1 / 31 each */
    assert_true(fabs(odd - log(1.0 / 31.0)) < 1e-9);
    assert_int_equal(ocr_text_prior(e, "", &odd), 0);
    ocr_engine_close(e);
    tiny_crnn_remove(dir);
    e = prior_engine("noprior", NULL, dir);
    assert_int_equal(ocr_text_prior(e, "English", &good), 0);
    ocr_engine_close(e);
    tiny_crnn_remove(dir);
}

static void test_engine(void **state)
{
    (void)state;
    run_engine(NN_HEAD_CONV);
    run_engine(NN_HEAD_BIGRU);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_engine), cmocka_unit_test(test_tight_crop),
        cmocka_unit_test(test_touching_lines), cmocka_unit_test(test_text_prior)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}

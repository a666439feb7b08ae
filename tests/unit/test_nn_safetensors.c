/* Proves: tensors and the model card survive a write/read round trip; the reader refuses
 * (with an error, never a crash) truncated files, out-of-bounds header lengths, offsets
 * outside the data, overlapping tensors, shapes that disagree with their byte ranges,
 * overflowing shapes, other dtypes and malformed JSON; nn_st_copy refuses a shape other
 * than the caller's; and 3000 random mutations of a valid file never crash the reader
 * (ASan and valgrind runs of this test make "never a crash" checkable). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "core/upload.h"
#include "nn/nn.h"
#include "nn/safetensors.h"

static char path[64];

static int setup(void **state)
{
    (void)state;
    snprintf(path, sizeof path, "/tmp/aipipe_st_%ld.safetensors", (long)getpid());
    float a[6] = {1, 2, 3, 4, 5, 6}, b[3] = {-1, 0.5f, 7};
    nn_st_entry t[2] = {{"layer.weight", a, 2, {2, 3}}, {"layer.bias", b, 1, {3}}};
    const char *keys[] = {"architecture", "charset"}, *vals[] = {"crnn", "abc\xc3\xa9"};
    ap_error err;
    return nn_st_write(path, t, 2, keys, vals, 2, &err) == AP_OK ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    unlink(path);
    return 0;
}

static unsigned char *load(size_t *len)
{
    unsigned char *buf;
    ap_error err;
    assert_int_equal(upload_read_file(path, 1 << 20, &buf, len, &err), AP_OK);
    return buf;
}

static void test_round_trip(void **state)
{
    (void)state;
    nn_st_file *f;
    ap_error err;
    assert_int_equal(nn_st_read(path, 1 << 20, &f, &err), AP_OK);
    assert_int_equal(nn_st_count(f), 2);
    assert_string_equal(nn_st_meta(f, "architecture"), "crnn");
    assert_string_equal(nn_st_meta(f, "charset"), "abc\xc3\xa9");
    assert_null(nn_st_meta(f, "nope"));
    float a[6], b[3];
    int64_t sa[2] = {2, 3}, sb[1] = {3}, wrong[2] = {3, 2};
    assert_int_equal(nn_st_copy(f, "layer.weight", a, 2, sa, &err), AP_OK);
    assert_int_equal(nn_st_copy(f, "layer.bias", b, 1, sb, &err), AP_OK);
    assert_float_equal(a[5], 6, 0), assert_float_equal(b[2], 7, 0);
    assert_int_equal(nn_st_copy(f, "layer.weight", a, 2, wrong, &err), AP_ERR_INVALID);
    assert_int_equal(nn_st_copy(f, "missing", a, 2, sa, &err), AP_ERR_NOT_FOUND);
    nn_st_free(f);
    nn_st_free(NULL);
}

/* Builds a file image from a header string and n data bytes. */
static ap_status parse_hdr(const char *json, size_t ndata)
{
    size_t hl = strlen(json), len = 8 + hl + ndata;
    unsigned char *buf = calloc(1, len);
    for (int i = 0; i < 8; i++)
        buf[i] = (unsigned char)((uint64_t)hl >> (8 * i));
    memcpy(buf + 8, json, hl);
    nn_st_file *f;
    ap_error err;
    ap_status st = nn_st_parse(buf, len, &f, &err);
    nn_st_free(f);
    return st;
}

static void test_hostile(void **state)
{
    (void)state;
    assert_int_equal(
        parse_hdr("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 8), AP_OK);
    assert_int_equal(parse_hdr("{}", 0), AP_OK);
    /* offsets past the data */
    assert_int_equal(
        parse_hdr("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 4),
        AP_ERR_INVALID);
    /* shape disagrees with the byte range */
    assert_int_equal(
        parse_hdr("{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", 8),
        AP_ERR_INVALID);
    /* overlap */
    assert_int_equal(parse_hdr("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                               "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}",
                               12),
                     AP_ERR_INVALID);
    /* overflowing shape product */
    assert_int_equal(parse_hdr("{\"a\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296,16],"
                               "\"data_offsets\":[0,0]}}",
                               0),
                     AP_ERR_INVALID);
    assert_int_equal(
        parse_hdr("{\"a\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,0]}}", 0),
        AP_ERR_INVALID);
    assert_int_equal(
        parse_hdr("{\"a\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[0,4]}}", 4),
        AP_ERR_UNSUPPORTED);
    assert_int_equal(
        parse_hdr(
            "{\"a\":{\"dtype\":\"F32\",\"shape\":[1,1,1,1,1,1,1,1,1],\"data_offsets\":[0,4]}}", 4),
        AP_ERR_INVALID);
    assert_int_equal(
        parse_hdr("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,0]}}", 4),
        AP_ERR_INVALID);
    assert_int_equal(parse_hdr("{\"a\":3}", 0), AP_ERR_INVALID);
    assert_int_equal(parse_hdr("[1,2]", 0), AP_ERR_INVALID);
    assert_int_equal(parse_hdr("{\"a\":{\"dtype\":\"F32\"", 0), AP_ERR_INVALID);
    assert_int_equal(parse_hdr("{\"__metadata__\":{\"x\":1}}", 0), AP_ERR_INVALID);
    assert_int_equal(parse_hdr("{\"a\":{},\"a\":{}}", 0), AP_ERR_INVALID);

    /* header length beyond the file, and files shorter than the length field */
    size_t len;
    unsigned char *buf = load(&len);
    buf[0] = 0xff, buf[1] = 0xff, buf[7] = 0x7f;
    nn_st_file *f;
    ap_error err;
    assert_int_equal(nn_st_parse(buf, len, &f, &err), AP_ERR_INVALID);
    for (size_t cut = 0; cut < 12; cut++) {
        unsigned char *b = load(&len);
        assert_int_not_equal(nn_st_parse(b, cut, &f, &err), AP_OK);
    }
    /* every truncation of the valid file is refused */
    unsigned char *whole = load(&len);
    for (size_t cut = 0; cut < len; cut++) {
        unsigned char *b = malloc(cut ? cut : 1);
        memcpy(b, whole, cut);
        assert_int_not_equal(nn_st_parse(b, cut, &f, &err), AP_OK);
    }
    free(whole);
}

static void test_fuzz(void **state)
{
    (void)state;
    size_t len;
    unsigned char *orig = load(&len);
    uint64_t rng = 1234;
    int accepted = 0;
    for (int round = 0; round < 3000; round++) {
        size_t n = len;
        if (nn_rng_next(&rng) % 4 == 0) n = nn_rng_next(&rng) % (len + 1); /* truncate */
        unsigned char *b = malloc(n ? n : 1);
        memcpy(b, orig, n);
        int flips = 1 + (int)(nn_rng_next(&rng) % 4);
        for (int k = 0; k < flips && n > 0; k++) {
            size_t at = nn_rng_next(&rng) % n;
            /* mostly mutate the length field and the JSON, where the parser's decisions are */
            if (nn_rng_next(&rng) % 2 && n > 8) at = nn_rng_next(&rng) % (n < 120 ? n : 120);
            b[at] = (unsigned char)nn_rng_next(&rng);
        }
        nn_st_file *f;
        ap_error err;
        if (nn_st_parse(b, n, &f, &err) == AP_OK) {
            accepted++;
            /* whatever parsed must be safe to copy out at its own shape */
            for (size_t i = 0; i < nn_st_count(f); i++) {
                int nd;
                const int64_t *sh;
                const char *name = nn_st_name(f, i, &nd, &sh);
                size_t cnt = 1;
                for (int d = 0; d < nd; d++)
                    cnt *= (size_t)sh[d];
                float *dst = malloc(4 * (cnt ? cnt : 1));
                assert_int_equal(nn_st_copy(f, name, dst, nd, sh, &err), AP_OK);
                free(dst);
            }
            nn_st_free(f);
        }
    }
    free(orig);
    assert_true(accepted < 3000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_hostile),
        cmocka_unit_test(test_fuzz),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}

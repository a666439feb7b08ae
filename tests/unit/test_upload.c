/* Proves: multipart parts are found by name with their file name and type, and malformed
 * bodies are refused; base64 decodes every padding form and refuses bad input and
 * oversize output; image paths resolve only inside allowed directories, symlinks included. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "core/upload.h"

#define CT "multipart/form-data; boundary=XyZ"

static ap_status find(const char *body, const char *field, upload_part *p)
{
    return upload_multipart_find(CT, (const unsigned char *)body, strlen(body), field, p, NULL);
}

static void test_multipart_finds_parts(void **state)
{
    (void)state;
    const char *body = "--XyZ\r\nContent-Disposition: form-data; name=\"model_version\"\r\n\r\n"
                       "v3\r\n--XyZ\r\nContent-Disposition: form-data; name=\"file\"; "
                       "filename=\"a b.png\"\r\nContent-Type: image/png\r\n\r\nPNG\r\n--DATA"
                       "\r\n--XyZ--\r\n";
    upload_part p;
    assert_int_equal(find(body, "file", &p), AP_OK);
    assert_int_equal(p.len, 11); /* "--DATA" is not the delimiter: it is data */
    assert_memory_equal(p.data, "PNG\r\n--DATA", 11);
    assert_string_equal(p.filename, "a b.png");
    assert_string_equal(p.content_type, "image/png");
    assert_int_equal(find(body, "model_version", &p), AP_OK);
    assert_int_equal(p.len, 2);
    assert_int_equal(find(body, "other", &p), AP_ERR_INVALID);
}

static void test_multipart_quoted_boundary(void **state)
{
    (void)state;
    const char *body = "--a:b\r\nContent-Disposition: form-data; name=file\r\n\r\nxy\r\n--a:b--";
    upload_part p;
    assert_int_equal(upload_multipart_find("multipart/form-data; boundary=\"a:b\"",
                                           (const unsigned char *)body, strlen(body), "file", &p,
                                           NULL),
                     AP_OK);
    assert_int_equal(p.len, 2);
}

static void test_multipart_malformed(void **state)
{
    (void)state;
    upload_part p;
    ap_error err = {0};
    /* truncated: no closing delimiter */
    assert_int_equal(
        find("--XyZ\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\nabc", "file", &p),
        AP_ERR_INVALID);
    /* no header terminator */
    assert_int_equal(find("--XyZ\r\nContent-Disposition: form-data; name=\"file\"", "file", &p),
                     AP_ERR_INVALID);
    /* no boundary in the content type */
    assert_int_equal(upload_multipart_find("multipart/form-data", (const unsigned char *)"x", 1,
                                           "file", &p, &err),
                     AP_ERR_INVALID);
    assert_non_null(strstr(err.msg, "boundary"));
    /* empty body */
    assert_int_equal(find("", "file", &p), AP_ERR_INVALID);
    /* too many parts */
    char *body = malloc(100 * 64 + 16);
    size_t n = 0;
    for (int i = 0; i < 100; i++)
        n += (size_t)sprintf(body + n,
                             "--XyZ\r\nContent-Disposition: form-data; name=\"f\"\r\n\r\nx\r\n");
    strcpy(body + n, "--XyZ--");
    assert_int_equal(find(body, "file", &p), AP_ERR_INVALID);
    free(body);
}

static void check_b64(const char *in, const char *expect)
{
    unsigned char *out = NULL;
    size_t len = 0;
    assert_int_equal(upload_base64_decode(in, strlen(in), 1024, &out, &len, NULL), AP_OK);
    assert_int_equal(len, strlen(expect));
    assert_memory_equal(out, expect, len);
    free(out);
}

static void test_base64(void **state)
{
    (void)state;
    check_b64("", "");
    check_b64("Zg==", "f");
    check_b64("Zm8=", "fo");
    check_b64("Zm9v", "foo");
    check_b64("Zm9vYg", "foob");
    check_b64("Zm9v\nYmFy", "foobar");
    check_b64("data:image/png;base64,Zm9vYmE=", "fooba");
    unsigned char *out = NULL;
    size_t len;
    assert_int_equal(upload_base64_decode("Zm9v!", 5, 1024, &out, &len, NULL), AP_ERR_INVALID);
    assert_int_equal(upload_base64_decode("Z", 1, 1024, &out, &len, NULL), AP_ERR_INVALID);
    assert_int_equal(upload_base64_decode("Zg==Zg==", 8, 1024, &out, &len, NULL), AP_ERR_INVALID);
    assert_int_equal(upload_base64_decode("Zg===", 5, 1024, &out, &len, NULL), AP_ERR_INVALID);
    assert_int_equal(upload_base64_decode("data:text/plain,abc", 19, 1024, &out, &len, NULL),
                     AP_ERR_INVALID);
    assert_int_equal(upload_base64_decode("Zm9vYmFy", 8, 5, &out, &len, NULL), AP_ERR_TOO_LARGE);
    assert_null(out);
}

static char root[64];

static int make_tree(void **state)
{
    (void)state;
    snprintf(root, sizeof root, "/tmp/aipipe-up-%d", (int)getpid());
    char p[128];
    mkdir(root, 0755);
    snprintf(p, sizeof p, "%s/allowed", root);
    mkdir(p, 0755);
    snprintf(p, sizeof p, "%s/allowed-not", root);
    mkdir(p, 0755);
    snprintf(p, sizeof p, "%s/allowed/a.png", root);
    FILE *f = fopen(p, "w");
    fputs("12345", f);
    fclose(f);
    snprintf(p, sizeof p, "%s/secret", root);
    f = fopen(p, "w");
    fputs("secret", f);
    fclose(f);
    char link[128];
    snprintf(link, sizeof link, "%s/allowed/escape.png", root);
    symlink(p, link);
    return 0;
}

static int remove_tree(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", root);
    return system(cmd);
}

static void test_paths(void **state)
{
    (void)state;
    char allowed[128], p[256];
    snprintf(allowed, sizeof allowed, "%s/allowed", root);
    const char *dirs[] = {allowed};
    char *real = NULL;

    snprintf(p, sizeof p, "%s/allowed/a.png", root);
    assert_int_equal(upload_resolve_path(p, dirs, 1, &real, NULL), AP_OK);
    unsigned char *data;
    size_t len;
    assert_int_equal(upload_read_file(real, 100, &data, &len, NULL), AP_OK);
    assert_int_equal(len, 5);
    free(data);
    assert_int_equal(upload_read_file(real, 4, &data, &len, NULL), AP_ERR_TOO_LARGE);
    free(real);

    snprintf(p, sizeof p, "%s/allowed/../secret", root);
    assert_int_equal(upload_resolve_path(p, dirs, 1, &real, NULL), AP_ERR_FORBIDDEN);
    snprintf(p, sizeof p, "%s/allowed/escape.png", root);
    assert_int_equal(upload_resolve_path(p, dirs, 1, &real, NULL), AP_ERR_FORBIDDEN);
    /* a sibling whose name starts with the allowed directory's name is outside */
    snprintf(p, sizeof p, "%s/allowed-not", root);
    assert_int_equal(upload_resolve_path(p, dirs, 1, &real, NULL), AP_ERR_FORBIDDEN);
    snprintf(p, sizeof p, "%s/allowed/missing.png", root);
    assert_int_equal(upload_resolve_path(p, dirs, 1, &real, NULL), AP_ERR_NOT_FOUND);
    assert_int_equal(upload_resolve_path("/etc/passwd", dirs, 1, &real, NULL), AP_ERR_FORBIDDEN);
    assert_int_equal(upload_resolve_path("/etc/passwd", dirs, 0, &real, NULL), AP_ERR_FORBIDDEN);
    assert_int_equal(upload_resolve_path("", dirs, 1, &real, NULL), AP_ERR_INVALID);
    assert_int_equal(upload_read_file(allowed, 100, &data, &len, NULL), AP_ERR_INVALID);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_multipart_finds_parts),
        cmocka_unit_test(test_multipart_quoted_boundary),
        cmocka_unit_test(test_multipart_malformed),
        cmocka_unit_test(test_base64),
        cmocka_unit_test_setup_teardown(test_paths, make_tree, remove_tree),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

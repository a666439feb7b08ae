/* Proves: the local artifact store round-trips objects (file and buffer), lists one level
 * and recursively with sizes, deletes (pruning emptied directories), and refuses every
 * path-traversal attempt: "..", ".", absolute keys, backslashes, control bytes, and
 * symbolic links below the root (to a directory or a file outside it) for every
 * operation. Also: URI forms, atomic get to a file, and the S3 ETag forms of a file. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "registry/artifact.h"

typedef struct fixture {
    char root[256];    /* the store */
    char outside[256]; /* a sibling directory the store must never reach */
    char scratch[256]; /* files to put and get */
    art_store *store;
} fixture;

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static char *read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    static char buf[4096];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

static int setup(void **state)
{
    fixture *fx = calloc(1, sizeof *fx);
    char base[] = "/tmp/aipipe-art-XXXXXX";
    assert_non_null(mkdtemp(base));
    snprintf(fx->root, sizeof fx->root, "%s/store", base);
    snprintf(fx->outside, sizeof fx->outside, "%s/outside", base);
    snprintf(fx->scratch, sizeof fx->scratch, "%s/scratch", base);
    assert_int_equal(mkdir(fx->outside, 0755), 0);
    assert_int_equal(mkdir(fx->scratch, 0755), 0);
    char secret[300];
    snprintf(secret, sizeof secret, "%s/secret.txt", fx->outside);
    write_file(secret, "secret");
    art_options opts = {.create = true};
    ap_error err = {0};
    assert_int_equal(art_open(fx->root, &opts, &fx->store, &err), AP_OK);
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    fixture *fx = *state;
    art_close(fx->store);
    char cmd[600];
    char *slash = strrchr(fx->root, '/');
    *slash = '\0';
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", fx->root);
    assert_int_equal(system(cmd), 0);
    free(fx);
    return 0;
}

static void test_roundtrip(void **state)
{
    fixture *fx = *state;
    ap_error err = {0};
    assert_int_equal(art_put_buffer(fx->store, "run1/model/MLmodel", "flavor: x\n", 10, &err),
                     AP_OK);
    char src[300], dst[300];
    snprintf(src, sizeof src, "%s/in.bin", fx->scratch);
    snprintf(dst, sizeof dst, "%s/out.bin", fx->scratch);
    write_file(src, "weights-v1");
    assert_int_equal(art_put_file(fx->store, "run1/model/eng.traineddata", src, &err), AP_OK);
    /* replace: the new content wins */
    write_file(src, "weights-v2!");
    assert_int_equal(art_put_file(fx->store, "run1/model/eng.traineddata", src, &err), AP_OK);

    art_entry e;
    assert_int_equal(art_stat(fx->store, "run1/model/eng.traineddata", &e, &err), AP_OK);
    assert_int_equal(e.size, 11);
    assert_true(e.mtime > 0);
    assert_int_equal(art_stat(fx->store, "run1/model/none", NULL, &err), AP_ERR_NOT_FOUND);
    assert_int_equal(art_stat(fx->store, "run1/model", NULL, &err), AP_ERR_NOT_FOUND);

    assert_int_equal(art_get_file(fx->store, "run1/model/eng.traineddata", dst, &err), AP_OK);
    assert_string_equal(read_file(dst), "weights-v2!");
    unsigned char *data;
    size_t len;
    assert_int_equal(art_get_buffer(fx->store, "run1/model/MLmodel", 100, &data, &len, &err),
                     AP_OK);
    assert_int_equal(len, 10);
    assert_memory_equal(data, "flavor: x\n", 10);
    free(data);
    assert_int_equal(art_get_buffer(fx->store, "run1/model/MLmodel", 5, &data, &len, &err),
                     AP_ERR_TOO_LARGE);
    assert_null(data);
    assert_int_equal(art_get_file(fx->store, "run1/none", dst, &err), AP_ERR_NOT_FOUND);
    /* the failed get left the earlier download alone and no temporary file behind */
    assert_string_equal(read_file(dst), "weights-v2!");
    art_list l;
    char scratch_uri[300];
    snprintf(scratch_uri, sizeof scratch_uri, "file://%s", fx->scratch);
    art_store *scratch = NULL;
    assert_int_equal(art_open(scratch_uri, NULL, &scratch, &err), AP_OK);
    assert_int_equal(art_list_dir(scratch, "", false, &l, &err), AP_OK);
    assert_int_equal(l.n, 2); /* in.bin, out.bin */
    art_list_free(&l);
    art_close(scratch);
    /* empty objects are objects */
    assert_int_equal(art_put_buffer(fx->store, "empty", "", 0, &err), AP_OK);
    assert_int_equal(art_stat(fx->store, "empty", &e, &err), AP_OK);
    assert_int_equal(e.size, 0);
}

static void test_list_and_delete(void **state)
{
    fixture *fx = *state;
    ap_error err = {0};
    const char *keys[] = {"a/x.txt", "a/b/y.txt", "a/b/c/z.txt", "top.txt"};
    for (size_t i = 0; i < 4; i++)
        assert_int_equal(art_put_buffer(fx->store, keys[i], keys[i], strlen(keys[i]), &err), AP_OK);
    art_list l;
    assert_int_equal(art_list_dir(fx->store, "", false, &l, &err), AP_OK);
    assert_int_equal(l.n, 2);
    assert_string_equal(l.items[0].key, "a");
    assert_true(l.items[0].is_dir);
    assert_string_equal(l.items[1].key, "top.txt");
    assert_false(l.items[1].is_dir);
    assert_int_equal(l.items[1].size, 7);
    art_list_free(&l);

    assert_int_equal(art_list_dir(fx->store, "a/", false, &l, &err), AP_OK);
    assert_int_equal(l.n, 2);
    assert_string_equal(l.items[0].key, "a/b");
    assert_string_equal(l.items[1].key, "a/x.txt");
    art_list_free(&l);

    assert_int_equal(art_list_dir(fx->store, "a", true, &l, &err), AP_OK);
    assert_int_equal(l.n, 3);
    assert_string_equal(l.items[0].key, "a/b/c/z.txt");
    assert_int_equal(l.items[0].size, 11);
    assert_string_equal(l.items[1].key, "a/b/y.txt");
    assert_string_equal(l.items[2].key, "a/x.txt");
    art_list_free(&l);

    assert_int_equal(art_list_dir(fx->store, "nothing/here", true, &l, &err), AP_OK);
    assert_int_equal(l.n, 0);
    art_list_free(&l);

    /* bounded: a listing larger than max_list is refused, not truncated */
    art_options small = {.max_list = 2};
    art_store *bounded = NULL;
    assert_int_equal(art_open(fx->root, &small, &bounded, &err), AP_OK);
    assert_int_equal(art_list_dir(bounded, "", true, &l, &err), AP_ERR_TOO_LARGE);
    assert_int_equal(l.n, 0);
    art_close(bounded);

    assert_int_equal(art_delete(fx->store, "a/b/c/z.txt", &err), AP_OK);
    assert_int_equal(art_delete(fx->store, "a/b/c/z.txt", &err), AP_OK); /* idempotent */
    assert_int_equal(art_delete(fx->store, "never/was", &err), AP_OK);
    /* a/b/c was emptied and removed; a/b still holds y.txt */
    struct stat sb;
    char path[400];
    snprintf(path, sizeof path, "%s/a/b/c", fx->root);
    assert_int_not_equal(stat(path, &sb), 0);
    snprintf(path, sizeof path, "%s/a/b", fx->root);
    assert_int_equal(stat(path, &sb), 0);
    assert_int_equal(art_delete(fx->store, "a", &err), AP_ERR_INVALID); /* a directory */
}

static void test_key_rules(void **state)
{
    fixture *fx = *state;
    ap_error err = {0};
    const char *bad[] = {"",          "/etc/passwd", "../outside/secret.txt",
                         "a/../../x", "a/./b",       "a//b",
                         "a/",        ".",           "..",
                         "a\\..\\b",  "a\nb",        "a/..",
                         "./a"};
    char dst[300];
    snprintf(dst, sizeof dst, "%s/got", fx->scratch);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        unsigned char *data;
        size_t len;
        art_list l;
        assert_int_equal(art_key_check(bad[i], &err), AP_ERR_FORBIDDEN);
        assert_int_equal(art_put_buffer(fx->store, bad[i], "x", 1, &err), AP_ERR_FORBIDDEN);
        assert_int_equal(art_get_file(fx->store, bad[i], dst, &err), AP_ERR_FORBIDDEN);
        assert_int_equal(art_get_buffer(fx->store, bad[i], 10, &data, &len, &err),
                         AP_ERR_FORBIDDEN);
        assert_int_equal(art_stat(fx->store, bad[i], NULL, &err), AP_ERR_FORBIDDEN);
        assert_int_equal(art_delete(fx->store, bad[i], &err), AP_ERR_FORBIDDEN);
        if (*bad[i] && strcmp(bad[i], "a/") != 0)
            assert_int_equal(art_list_dir(fx->store, bad[i], true, &l, &err), AP_ERR_FORBIDDEN);
    }
    char longkey[ART_KEY_MAX + 2];
    memset(longkey, 'k', sizeof longkey - 1);
    longkey[sizeof longkey - 1] = '\0';
    assert_int_equal(art_put_buffer(fx->store, longkey, "x", 1, &err), AP_ERR_FORBIDDEN);
    const char *good[] = {"a", "a.b/c..d/.hidden", "run-1/model/eng.traineddata", "x y/z"};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        assert_int_equal(art_key_check(good[i], &err), AP_OK);
    /* nothing was written outside the store */
    char secret[300];
    snprintf(secret, sizeof secret, "%s/secret.txt", fx->outside);
    assert_string_equal(read_file(secret), "secret");
}

static void test_symlink_escape(void **state)
{
    fixture *fx = *state;
    ap_error err = {0};
    char link[400], target[300];
    /* a directory link and a file link, both pointing outside */
    snprintf(link, sizeof link, "%s/evil", fx->root);
    assert_int_equal(symlink(fx->outside, link), 0);
    snprintf(link, sizeof link, "%s/leak.txt", fx->root);
    snprintf(target, sizeof target, "%s/secret.txt", fx->outside);
    assert_int_equal(symlink(target, link), 0);

    char dst[300];
    snprintf(dst, sizeof dst, "%s/got", fx->scratch);
    unsigned char *data;
    size_t len;
    assert_int_equal(art_get_buffer(fx->store, "evil/secret.txt", 100, &data, &len, &err),
                     AP_ERR_FORBIDDEN);
    assert_non_null(strstr(err.msg, "symbolic link"));
    assert_int_equal(art_get_file(fx->store, "evil/secret.txt", dst, &err), AP_ERR_FORBIDDEN);
    assert_int_equal(art_get_buffer(fx->store, "leak.txt", 100, &data, &len, &err),
                     AP_ERR_FORBIDDEN);
    assert_int_equal(art_stat(fx->store, "leak.txt", NULL, &err), AP_ERR_FORBIDDEN);
    assert_int_equal(art_put_buffer(fx->store, "evil/new.txt", "x", 1, &err), AP_ERR_FORBIDDEN);
    assert_int_equal(art_delete(fx->store, "evil/secret.txt", &err), AP_ERR_FORBIDDEN);
    art_list l;
    assert_int_equal(art_list_dir(fx->store, "evil", true, &l, &err), AP_ERR_FORBIDDEN);
    /* a listing of the root skips the links */
    assert_int_equal(art_list_dir(fx->store, "", true, &l, &err), AP_OK);
    assert_int_equal(l.n, 0);
    art_list_free(&l);
    /* putting over a file link replaces the link, never writes through it */
    assert_int_equal(art_put_buffer(fx->store, "leak.txt", "mine", 4, &err), AP_OK);
    assert_string_equal(read_file(target), "secret");
    char newpath[300];
    snprintf(newpath, sizeof newpath, "%s/new.txt", fx->outside);
    assert_int_not_equal(access(newpath, F_OK), 0);
}

static void test_uris(void **state)
{
    fixture *fx = *state;
    ap_error err = {0};
    art_store *s = NULL;
    char uri[300];
    snprintf(uri, sizeof uri, "file://%s", fx->root);
    assert_int_equal(art_open(uri, NULL, &s, &err), AP_OK);
    assert_true(art_is_local(s));
    assert_string_equal(art_uri(s), uri);
    art_close(s);
    assert_int_equal(art_open("file://relative/dir", NULL, &s, &err), AP_ERR_INVALID);
    assert_int_equal(art_open("ftp://x/y", NULL, &s, &err), AP_ERR_INVALID);
    assert_int_equal(art_open("", NULL, &s, &err), AP_ERR_INVALID);
    assert_int_equal(art_open("/nonexistent/aipipe/store", NULL, &s, &err), AP_ERR_NOT_FOUND);
    assert_null(s);
}

static void test_file_etag(void **state)
{
    fixture *fx = *state;
    ap_error err = {0};
    char path[300], etag[80];
    snprintf(path, sizeof path, "%s/e.txt", fx->scratch);
    write_file(path, "abc");
    assert_int_equal(art_file_etag(path, 0, etag, &err), AP_OK);
    assert_string_equal(etag, "900150983cd24fb0d6963f7d28e17f72"); /* MD5("abc") */
    assert_int_equal(art_file_etag(path, 3, etag, &err), AP_OK);   /* exactly one part */
    assert_string_equal(etag, "900150983cd24fb0d6963f7d28e17f72");
    /* two parts "ab" + "c": MD5(MD5("ab") || MD5("c")) "-2" */
    assert_int_equal(art_file_etag(path, 2, etag, &err), AP_OK);
    assert_int_equal(strlen(etag), 34);
    assert_string_equal(etag + 32, "-2");
    assert_int_equal(art_file_etag("/nonexistent/x", 0, etag, &err), AP_ERR_NOT_FOUND);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_roundtrip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_list_and_delete, setup, teardown),
        cmocka_unit_test_setup_teardown(test_key_rules, setup, teardown),
        cmocka_unit_test_setup_teardown(test_symlink_escape, setup, teardown),
        cmocka_unit_test_setup_teardown(test_uris, setup, teardown),
        cmocka_unit_test_setup_teardown(test_file_etag, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

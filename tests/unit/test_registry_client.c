/* Proves: model URIs parse into name and exactly one of version, stage, alias (or none for
 * "latest"), and malformed ones are refused; MLflow model_version objects convert with
 * tags and integer or string versions; checksums.sha256 is written for every file below a
 * directory and catches a changed or missing file. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "registry/client.h"

static void test_model_uris(void **state)
{
    (void)state;
    regc_model_ref r;
    assert_int_equal(regc_parse_model_uri("models:/ocr/3", &r, NULL), AP_OK);
    assert_string_equal(r.name, "ocr");
    assert_string_equal(r.version, "3");
    assert_string_equal(r.stage, "");
    assert_int_equal(regc_parse_model_uri("models:/ocr/Production", &r, NULL), AP_OK);
    assert_string_equal(r.stage, "Production");
    assert_string_equal(r.version, "");
    assert_int_equal(regc_parse_model_uri("models:/ocr@champion", &r, NULL), AP_OK);
    assert_string_equal(r.alias, "champion");
    assert_int_equal(regc_parse_model_uri("models:/ocr", &r, NULL), AP_OK);
    assert_string_equal(r.name, "ocr");
    assert_string_equal(r.version, "");
    assert_string_equal(r.stage, "");
    assert_string_equal(r.alias, "");
    const char *bad[] = {"",
                         "ocr/3",
                         "models:/",
                         "models://3",
                         "models:/ocr/",
                         "models:/ocr/3/x",
                         "models:/ocr@",
                         "models:/a/b@c",
                         "runs:/abc/model"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(regc_parse_model_uri(bad[i], &r, NULL), AP_ERR_INVALID);
}

static void test_version_json(void **state)
{
    (void)state;
    json_t *mv =
        json_pack("{s:s,s:i,s:s,s:s,s:I,s:[{s:s,s:s}]}", "name", "ocr", "version", 7,
                  "current_stage", "Production", "source", "s3://b/m", "creation_timestamp",
                  (json_int_t)1700000000123, "tags", "key", "engine", "value", "crnn");
    regc_version v;
    assert_int_equal(regc_version_from_json(mv, &v, NULL), AP_OK);
    assert_string_equal(v.version, "7");
    assert_string_equal(v.stage, "Production");
    assert_int_equal(v.created_ms, 1700000000123);
    assert_string_equal(json_string_value(json_object_get(v.tags, "engine")), "crnn");
    regc_version_free(&v);
    json_object_set_new(mv, "version", json_string("8"));
    json_object_del(mv, "current_stage");
    assert_int_equal(regc_version_from_json(mv, &v, NULL), AP_OK);
    assert_string_equal(v.version, "8");
    assert_string_equal(v.stage, "None");
    regc_version_free(&v);
    json_object_del(mv, "name");
    assert_int_equal(regc_version_from_json(mv, &v, NULL), AP_ERR_INVALID);
    json_decref(mv);
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void test_checksums(void **state)
{
    (void)state;
    char dir[] = "/tmp/aipipe-regc-XXXXXX", path[256];
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/sub", dir);
    assert_int_equal(mkdir(path, 0755), 0);
    snprintf(path, sizeof path, "%s/eng.traineddata", dir);
    write_file(path, "weights");
    snprintf(path, sizeof path, "%s/sub/card.json", dir);
    write_file(path, "{}");
    ap_error err = {0};
    assert_int_equal(regc_verify_checksums(dir, &err), AP_OK); /* none yet: nothing to check */
    assert_int_equal(regc_write_checksums(dir, &err), AP_OK);
    assert_int_equal(regc_verify_checksums(dir, &err), AP_OK);
    write_file(path, "{\"x\":1}");
    assert_int_equal(regc_verify_checksums(dir, &err), AP_ERR_IO);
    assert_non_null(strstr(err.msg, "sub/card.json"));
    unlink(path);
    assert_int_equal(regc_verify_checksums(dir, &err), AP_ERR_IO);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_model_uris),
        cmocka_unit_test(test_version_json),
        cmocka_unit_test(test_checksums),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

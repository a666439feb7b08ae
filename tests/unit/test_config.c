/* Proves: defaults < YAML < environment < flags; every wrong value is refused with a
 * message naming the key and the accepted values; unknown keys and flags are errors;
 * lists come from YAML sequences and ':'-separated environment values. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "core/config.h"

static const cfg_key keys[] = {
    {"server.port", "TEST_PORT", "port", CFG_INT, "8000", 0, 65535, NULL, "port"},
    {"server.host", "TEST_HOST", "host", CFG_STRING, "127.0.0.1", 0, 0, NULL, "host"},
    {"store.type", "TEST_STORE", "store", CFG_ENUM, "local", 0, 0, "local|s3", "store"},
    {"debug", "TEST_DEBUG", "debug", CFG_BOOL, "false", 0, 0, NULL, "debug"},
    {"paths.allowed", "TEST_ALLOWED", "allowed", CFG_LIST, "", 0, 0, NULL, "dirs"},
};
#define N (sizeof keys / sizeof keys[0])

static char yaml_path[64];

static void write_yaml(const char *text)
{
    snprintf(yaml_path, sizeof yaml_path, "/tmp/aipipe-cfg-%d.yaml", (int)getpid());
    FILE *f = fopen(yaml_path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static int teardown(void **state)
{
    (void)state;
    unlink(yaml_path);
    unsetenv("TEST_PORT");
    unsetenv("TEST_STORE");
    unsetenv("TEST_ALLOWED");
    return 0;
}

static void test_defaults(void **state)
{
    (void)state;
    cfg *c = NULL;
    char *argv[] = {"serve"};
    assert_int_equal(cfg_load(keys, N, NULL, 1, argv, NULL, &c, NULL), AP_OK);
    assert_int_equal(cfg_int(c, "server.port"), 8000);
    assert_string_equal(cfg_str(c, "server.host"), "127.0.0.1");
    assert_false(cfg_bool(c, "debug"));
    assert_int_equal(cfg_list_len(c, "paths.allowed"), 0);
    cfg_free(c);
}

static void test_precedence(void **state)
{
    (void)state;
    write_yaml("server:\n  port: 9000\n  host: 10.0.0.1\ndebug: yes\n");
    cfg *c = NULL;
    char *argv1[] = {"serve"};
    assert_int_equal(cfg_load(keys, N, yaml_path, 1, argv1, NULL, &c, NULL), AP_OK);
    assert_int_equal(cfg_int(c, "server.port"), 9000);
    assert_true(cfg_bool(c, "debug"));
    cfg_free(c);

    setenv("TEST_PORT", "9100", 1);
    assert_int_equal(cfg_load(keys, N, yaml_path, 1, argv1, NULL, &c, NULL), AP_OK);
    assert_int_equal(cfg_int(c, "server.port"), 9100);
    assert_string_equal(cfg_str(c, "server.host"), "10.0.0.1");
    cfg_free(c);

    char *argv2[] = {"serve", "--port", "9200", "--host=::1"};
    assert_int_equal(cfg_load(keys, N, yaml_path, 4, argv2, NULL, &c, NULL), AP_OK);
    assert_int_equal(cfg_int(c, "server.port"), 9200);
    assert_string_equal(cfg_str(c, "server.host"), "::1");
    cfg_free(c);
}

static void test_config_flag_replaces_file(void **state)
{
    (void)state;
    write_yaml("server:\n  port: 7000\n");
    cfg *c = NULL;
    char *argv[] = {"serve", "--config", yaml_path};
    assert_int_equal(cfg_load(keys, N, "/nonexistent.yaml", 3, argv, NULL, &c, NULL), AP_OK);
    assert_int_equal(cfg_int(c, "server.port"), 7000);
    cfg_free(c);
}

static void test_bad_values_name_the_key(void **state)
{
    (void)state;
    cfg *c = NULL;
    ap_error err = {0};
    setenv("TEST_STORE", "gcs", 1);
    char *argv[] = {"serve"};
    assert_int_equal(cfg_load(keys, N, NULL, 1, argv, NULL, &c, &err), AP_ERR_CONFIG);
    assert_null(c);
    assert_non_null(strstr(err.msg, "store.type"));
    assert_non_null(strstr(err.msg, "TEST_STORE"));
    assert_non_null(strstr(err.msg, "local, s3"));
    unsetenv("TEST_STORE");

    char *argv2[] = {"serve", "--port", "70000"};
    assert_int_equal(cfg_load(keys, N, NULL, 3, argv2, NULL, &c, &err), AP_ERR_CONFIG);
    assert_non_null(strstr(err.msg, "server.port"));
    assert_non_null(strstr(err.msg, "0 to 65535"));

    char *argv3[] = {"serve", "--port", "12abc"};
    assert_int_equal(cfg_load(keys, N, NULL, 3, argv3, NULL, &c, &err), AP_ERR_CONFIG);

    write_yaml("debug: maybe\n");
    assert_int_equal(cfg_load(keys, N, yaml_path, 1, argv, NULL, &c, &err), AP_ERR_CONFIG);
    assert_non_null(strstr(err.msg, "debug"));
    assert_non_null(strstr(err.msg, yaml_path));
}

static void test_unknown_keys_and_flags(void **state)
{
    (void)state;
    cfg *c = NULL;
    ap_error err = {0};
    write_yaml("server:\n  prot: 1\n");
    char *argv[] = {"serve"};
    assert_int_equal(cfg_load(keys, N, yaml_path, 1, argv, NULL, &c, &err), AP_ERR_CONFIG);
    assert_non_null(strstr(err.msg, "server.prot"));

    char *argv2[] = {"serve", "--prot", "1"};
    assert_int_equal(cfg_load(keys, N, NULL, 3, argv2, NULL, &c, &err), AP_ERR_CONFIG);
    assert_non_null(strstr(err.msg, "--prot"));

    char *argv3[] = {"serve", "--port"};
    assert_int_equal(cfg_load(keys, N, NULL, 2, argv3, NULL, &c, &err), AP_ERR_CONFIG);
    assert_non_null(strstr(err.msg, "needs a value"));

    write_yaml("server: [1, 2\n");
    assert_int_equal(cfg_load(keys, N, yaml_path, 1, argv, NULL, &c, &err), AP_ERR_CONFIG);
    assert_non_null(strstr(err.msg, "YAML error"));

    assert_int_equal(cfg_load(keys, N, "/nonexistent/x.yaml", 1, argv, NULL, &c, &err),
                     AP_ERR_CONFIG);
}

/* A CFG_SECTION key: another command's mapping in the same file is skipped whole, while a
 * scalar in its place and unknown keys elsewhere are still refused. */
static void test_sections_of_other_commands(void **state)
{
    (void)state;
    static const cfg_key sk[] = {
        {"server.port", NULL, "port", CFG_INT, "8000", 0, 65535, NULL, "port"},
        {"pipeline", NULL, NULL, CFG_SECTION, "", 0, 0, NULL, "another command's"},
    };
    cfg *c = NULL;
    ap_error err = {0};
    char *argv[] = {"train"};
    write_yaml("server:\n  port: 9000\npipeline:\n  work_dir: x\n  data:\n    seed: 3\n");
    assert_int_equal(cfg_load(sk, 2, yaml_path, 1, argv, NULL, &c, &err), AP_OK);
    assert_int_equal(cfg_int(c, "server.port"), 9000);
    cfg_free(c);
    write_yaml("pipeline: 3\n");
    assert_int_equal(cfg_load(sk, 2, yaml_path, 1, argv, NULL, &c, &err), AP_ERR_CONFIG);
    write_yaml("server:\n  prot: 1\npipeline:\n  a: 1\n");
    assert_int_equal(cfg_load(sk, 2, yaml_path, 1, argv, NULL, &c, &err), AP_ERR_CONFIG);
    assert_non_null(strstr(err.msg, "server.prot"));
}

static void test_lists(void **state)
{
    (void)state;
    cfg *c = NULL;
    write_yaml("paths:\n  allowed: [/a, /b/c]\n");
    char *argv[] = {"serve"};
    assert_int_equal(cfg_load(keys, N, yaml_path, 1, argv, NULL, &c, NULL), AP_OK);
    assert_int_equal(cfg_list_len(c, "paths.allowed"), 2);
    assert_string_equal(cfg_list_item(c, "paths.allowed", 1), "/b/c");
    cfg_free(c);

    setenv("TEST_ALLOWED", "/x:/y:/z", 1);
    assert_int_equal(cfg_load(keys, N, yaml_path, 1, argv, NULL, &c, NULL), AP_OK);
    assert_int_equal(cfg_list_len(c, "paths.allowed"), 3);
    assert_string_equal(cfg_list_item(c, "paths.allowed", 2), "/z");
    cfg_free(c);
}

static void test_help_stops_parsing(void **state)
{
    (void)state;
    cfg *c = NULL;
    bool help = false;
    char *argv[] = {"serve", "--help", "--bogus"};
    assert_int_equal(cfg_load(keys, N, NULL, 3, argv, &help, &c, NULL), AP_OK);
    assert_true(help);
    cfg_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_defaults, teardown),
        cmocka_unit_test_teardown(test_precedence, teardown),
        cmocka_unit_test_teardown(test_config_flag_replaces_file, teardown),
        cmocka_unit_test_teardown(test_bad_values_name_the_key, teardown),
        cmocka_unit_test_teardown(test_unknown_keys_and_flags, teardown),
        cmocka_unit_test_teardown(test_sections_of_other_commands, teardown),
        cmocka_unit_test_teardown(test_lists, teardown),
        cmocka_unit_test_teardown(test_help_stops_parsing, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Unit tests of the registry's MLflow filter and order_by parser (registry/reg_filter). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "registry/reg_filter.h"

static void test_clauses(void **state)
{
    (void)state;
    reg_filter f;
    char err[256];
    assert_true(reg_filter_parse("metrics.acc >= 0.9 and params.`lr` = '0.01' AND "
                                 "tags.\"mlflow.user\" LIKE 'an%' and run_name ILIKE 'X'",
                                 &f, err, sizeof err));
    assert_int_equal(f.n, 4);
    assert_int_equal(f.clauses[0].kind, REG_METRIC);
    assert_string_equal(f.clauses[0].key, "acc");
    assert_string_equal(f.clauses[0].op, ">=");
    assert_true(f.clauses[0].is_number);
    assert_true(f.clauses[0].num > 0.89 && f.clauses[0].num < 0.91);
    assert_int_equal(f.clauses[1].kind, REG_PARAM);
    assert_string_equal(f.clauses[1].key, "lr");
    assert_string_equal(f.clauses[1].str, "0.01");
    assert_false(f.clauses[1].is_number);
    assert_int_equal(f.clauses[2].kind, REG_TAG);
    assert_string_equal(f.clauses[2].key, "mlflow.user");
    assert_string_equal(f.clauses[2].op, "LIKE");
    assert_int_equal(f.clauses[3].kind, REG_ATTR);
    assert_string_equal(f.clauses[3].op, "ILIKE");
    reg_filter_free(&f);
}

static void test_in_lists_and_quotes(void **state)
{
    (void)state;
    reg_filter f;
    char err[256];
    assert_true(reg_filter_parse("attributes.run_id NOT IN ('a', \"b\",'it''s') and "
                                 "attr.status <> 'FAILED'",
                                 &f, err, sizeof err));
    assert_int_equal(f.n, 2);
    assert_string_equal(f.clauses[0].op, "NOT IN");
    assert_int_equal(f.clauses[0].nlist, 3);
    assert_string_equal(f.clauses[0].list[2], "it's");
    assert_string_equal(f.clauses[1].op, "!=");
    reg_filter_free(&f);
    assert_true(reg_filter_parse("   ", &f, err, sizeof err));
    assert_int_equal(f.n, 0);
    assert_true(reg_filter_parse(NULL, &f, err, sizeof err));
}

static void test_errors(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "metrics.acc >", "metrics.acc 0.5", "params.x = 'open",       "a = 1 OR b = 2",
        "a = 1 and",     "run_id IN ('a'",  "metrics.acc NOT LIKE 1", "= 3",
        "a = 1 b = 2",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        reg_filter f;
        char err[256] = "";
        assert_false(reg_filter_parse(bad[i], &f, err, sizeof err));
        assert_true(strlen(err) > 0);
        assert_int_equal(f.n, 0);
    }
}

static void test_order_by(void **state)
{
    (void)state;
    reg_key_kind kind;
    char key[64], err[128];
    bool asc;
    assert_true(
        reg_order_parse("metrics.`val loss` DESC", &kind, key, sizeof key, &asc, err, sizeof err));
    assert_int_equal(kind, REG_METRIC);
    assert_string_equal(key, "val loss");
    assert_false(asc);
    assert_true(reg_order_parse("start_time", &kind, key, sizeof key, &asc, err, sizeof err));
    assert_int_equal(kind, REG_ATTR);
    assert_true(asc);
    assert_false(reg_order_parse("name sideways", &kind, key, sizeof key, &asc, err, sizeof err));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_clauses),
        cmocka_unit_test(test_in_lists_and_quotes),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_order_by),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

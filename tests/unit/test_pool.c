/* Proves: the pool hands out each item to one holder at a time, refuses waiters past its
 * queue bound at once (AP_ERR_BUSY), times out waiters, and drains only when every item
 * is back. Also: the HTTP status mapping of every error status. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <unistd.h>
#include <cmocka.h>

#include "core/http.h"
#include "core/pool.h"

static void test_get_put_busy_timeout(void **state)
{
    (void)state;
    ap_pool *p = ap_pool_new(2, 0);
    int a = 1, b = 2;
    assert_int_equal(ap_pool_add(p, &a), AP_OK);
    assert_int_equal(ap_pool_add(p, &b), AP_OK);
    assert_int_equal(ap_pool_add(p, &b), AP_ERR_TOO_LARGE);
    void *x, *y, *z;
    assert_int_equal(ap_pool_get(p, 1, &x), AP_OK);
    assert_int_equal(ap_pool_get(p, 1, &y), AP_OK);
    assert_ptr_not_equal(x, y);
    assert_int_equal(ap_pool_get(p, 1, &z), AP_ERR_BUSY); /* no queue at all */
    ap_pool_put(p, x);
    assert_int_equal(ap_pool_get(p, 1, &z), AP_OK);
    assert_ptr_equal(z, x);
    ap_pool_put(p, z);
    ap_pool_put(p, y);
    ap_pool_free(p);

    p = ap_pool_new(1, 1);
    ap_pool_add(p, &a);
    assert_int_equal(ap_pool_get(p, 1, &x), AP_OK);
    assert_int_equal(ap_pool_get(p, 0.05, &y), AP_ERR_TIMEOUT);
    ap_pool_put(p, x);
    ap_pool_free(p);
}

static void *give_back_later(void *arg)
{
    void **args = arg;
    usleep(50000);
    ap_pool_put(args[0], args[1]);
    return NULL;
}

static void test_waiter_gets_returned_item_and_drain(void **state)
{
    (void)state;
    ap_pool *p = ap_pool_new(1, 4);
    int a = 1;
    ap_pool_add(p, &a);
    void *x, *y;
    assert_int_equal(ap_pool_get(p, 1, &x), AP_OK);
    void *args[] = {p, x};
    pthread_t t;
    pthread_create(&t, NULL, give_back_later, args);
    assert_int_equal(ap_pool_get(p, 5, &y), AP_OK);
    assert_ptr_equal(y, &a);
    pthread_join(t, NULL);
    args[1] = y;
    pthread_create(&t, NULL, give_back_later, args);
    void *items[4];
    assert_int_equal(ap_pool_drain(p, items, 4), 1); /* waits for the borrowed one */
    assert_ptr_equal(items[0], &a);
    pthread_join(t, NULL);
    ap_pool_free(p);
}

static void test_http_status_mapping(void **state)
{
    (void)state;
    const char *code;
    assert_int_equal(http_status_code(AP_ERR_INVALID, &code), 400);
    assert_string_equal(code, "INVALID_REQUEST");
    assert_int_equal(http_status_code(AP_ERR_UNSUPPORTED, &code), 415);
    assert_string_equal(code, "UNSUPPORTED_MEDIA_TYPE");
    assert_int_equal(http_status_code(AP_ERR_TOO_LARGE, &code), 413);
    assert_string_equal(code, "PAYLOAD_TOO_LARGE");
    assert_int_equal(http_status_code(AP_ERR_MODEL_NOT_FOUND, &code), 404);
    assert_string_equal(code, "MODEL_NOT_FOUND");
    assert_int_equal(http_status_code(AP_ERR_RATE_LIMITED, &code), 429);
    assert_string_equal(code, "RATE_LIMIT_EXCEEDED");
    assert_int_equal(http_status_code(AP_ERR_BUSY, &code), 503);
    assert_int_equal(http_status_code(AP_ERR_FORBIDDEN, &code), 403);
    assert_int_equal(http_status_code(AP_ERR_PROCESSING, &code), 500);
    assert_string_equal(code, "PROCESSING_ERROR");
    assert_int_equal(http_status_code(AP_ERR_NOMEM, &code), 500);
    for (int st = 1; st < AP_STATUS_COUNT; st++) {
        int http = http_status_code((ap_status)st, &code);
        assert_true(http >= 400 && http < 600);
        assert_string_not_equal(ap_status_str((ap_status)st), "unknown");
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_get_put_busy_timeout),
        cmocka_unit_test(test_waiter_gets_returned_item_and_drain),
        cmocka_unit_test(test_http_status_mapping),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

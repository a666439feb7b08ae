/* Proves: the exposition format is what Prometheus reads (HELP/TYPE, labels escaped,
 * cumulative histogram buckets with +Inf, _sum and _count); series are bounded; concurrent
 * updates are not lost. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/metrics.h"

static void test_counter_and_gauge(void **state)
{
    (void)state;
    metrics *reg = metrics_new(false);
    metric *c = metrics_counter(reg, "x_total", "Things.", "endpoint,status");
    metric *g = metrics_gauge(reg, "y", "A \"gauge\"\nwith lines.", "");
    assert_non_null(c);
    assert_null(metrics_counter(reg, "x_total", "dup", "")); /* names are unique */
    metric_add(c, (const char *const[]){"ocr", "200"}, 1);
    metric_add(c, (const char *const[]){"ocr", "200"}, 2);
    metric_add(c, (const char *const[]){"a\"b\\c\nd", "500"}, 1);
    metric_set(g, NULL, 0.5);
    size_t len;
    char *text = metrics_render(reg, &len);
    assert_int_equal(strlen(text), len);
    assert_non_null(strstr(text, "# HELP x_total Things.\n# TYPE x_total counter\n"));
    assert_non_null(strstr(text, "x_total{endpoint=\"ocr\",status=\"200\"} 3\n"));
    assert_non_null(strstr(text, "x_total{endpoint=\"a\\\"b\\\\c\\nd\",status=\"500\"} 1\n"));
    assert_non_null(strstr(text, "# HELP y A \"gauge\"\\nwith lines.\n"));
    assert_non_null(strstr(text, "\ny 0.5\n"));
    free(text);
    metrics_free(reg);
}

static void test_histogram(void **state)
{
    (void)state;
    metrics *reg = metrics_new(false);
    const double b[] = {0.1, 1, 10};
    metric *h = metrics_histogram(reg, "lat_seconds", "Latency.", "endpoint", b, 3);
    const char *const lv[] = {"e"};
    metric_observe(h, lv, 0.05);
    metric_observe(h, lv, 0.1); /* le is inclusive */
    metric_observe(h, lv, 5);
    metric_observe(h, lv, 50);
    char *text = metrics_render(reg, NULL);
    assert_non_null(strstr(text, "lat_seconds_bucket{endpoint=\"e\",le=\"0.1\"} 2\n"));
    assert_non_null(strstr(text, "lat_seconds_bucket{endpoint=\"e\",le=\"1\"} 2\n"));
    assert_non_null(strstr(text, "lat_seconds_bucket{endpoint=\"e\",le=\"10\"} 3\n"));
    assert_non_null(strstr(text, "lat_seconds_bucket{endpoint=\"e\",le=\"+Inf\"} 4\n"));
    assert_non_null(strstr(text, "lat_seconds_sum{endpoint=\"e\"} 55.149999999999999\n"));
    assert_non_null(strstr(text, "lat_seconds_count{endpoint=\"e\"} 4\n"));
    free(text);
    metrics_free(reg);
}

static void test_series_limit(void **state)
{
    (void)state;
    metrics *reg = metrics_new(true);
    metric *c = metrics_counter(reg, "many_total", "Many.", "id");
    char id[16];
    for (int i = 0; i < METRICS_MAX_SERIES + 10; i++) {
        snprintf(id, sizeof id, "%d", i);
        metric_add(c, (const char *const[]){id}, 1);
    }
    char *text = metrics_render(reg, NULL);
    assert_non_null(strstr(text, "metrics_series_dropped_total{metric=\"many_total\"} 10\n"));
    assert_non_null(strstr(text, "process_open_fds "));
    assert_non_null(strstr(text, "process_resident_memory_bytes "));
    free(text);
    metrics_free(reg);
}

static void *hammer(void *arg)
{
    for (int i = 0; i < 10000; i++)
        metric_add(arg, (const char *const[]){"t"}, 1);
    return NULL;
}

static void test_concurrent_updates(void **state)
{
    (void)state;
    metrics *reg = metrics_new(false);
    metric *c = metrics_counter(reg, "n_total", "N.", "k");
    pthread_t t[4];
    for (int i = 0; i < 4; i++)
        pthread_create(&t[i], NULL, hammer, c);
    for (int i = 0; i < 4; i++)
        pthread_join(t[i], NULL);
    char *text = metrics_render(reg, NULL);
    assert_non_null(strstr(text, "n_total{k=\"t\"} 40000\n"));
    free(text);
    metrics_free(reg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_counter_and_gauge),
        cmocka_unit_test(test_histogram),
        cmocka_unit_test(test_series_limit),
        cmocka_unit_test(test_concurrent_updates),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Proves: which time cells of a raster page are read a second time, and which second
 * reading replaces the first (raster_reread.c), on hand-built time axes (a grid's header
 * row, a list's time column, as the cells read). A cell whose reading is no time ("WYO",
 * "3.30-3.4om", "ess - 00") or a time out of order between ordered neighbours is read again, beside
 * another misread cell and at the axis's end; the corner label ("Time"), a clean axis, stacked
 * clocks (a range whose dash was lost), an empty cell, an axis whose times start again (day lists
 * one under another) and a cell between two ranges beside it (the interpreter takes its times from
 * theirs) are not. A second reading wins only with a time in order between the neighbours. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

int tt_axis_suspect_at(const char *const *texts, size_t n, size_t i, int label); /* TESTABLE */
int tt_axis_fit_at(const char *const *texts, size_t n, size_t i, const char *text);

#define N(a) (sizeof(a) / sizeof(a)[0])

static void test_clean_axis_reads_once(void **state)
{
    (void)state;
    const char *header[] = {"Time",          "8:50-9:50am",   "9:50-10:15am",
                            "10:15-10:35am", "10:35-11:35am", "11:35-11:55am"};
    for (size_t i = 0; i < N(header); i++)
        assert_false(tt_axis_suspect_at(header, N(header), i, i == 0));
    /* two clocks one over the other: the interpreter reads the range */
    const char *stacked[] = {"", "9:40am - 10:25am", "10:25am 10:45am", "10:45am 11:00am",
                             "11:00am - 11:30am"};
    for (size_t i = 0; i < N(stacked); i++)
        assert_false(tt_axis_suspect_at(stacked, N(stacked), i, i == 0));
    /* a time column of day lists one under another: the times start again */
    const char *days[] = {"Time",      "8:45-9:30",  "9:30-10:15", "10:15-11:00",
                          "8:45-9:30", "9:30-10:15", "10:15-11:00"};
    for (size_t i = 0; i < N(days); i++)
        assert_false(tt_axis_suspect_at(days, N(days), i, i == 0));
    /* a range ending where the day's closing clock stands, that clock */
    const char *close[] = {"", "12:25 - 12:55", "12:55 - 1:20", "1:20 - 1:50", "1:50"};
    for (size_t i = 0; i < N(close); i++)
        assert_false(tt_axis_suspect_at(close, N(close), i, i == 0));
    /* lone clocks throughout: the header prints start times */
    const char *starts[] = {"", "9:00", "9:45", "10:30", "11:15"};
    for (size_t i = 0; i < N(starts); i++)
        assert_false(tt_axis_suspect_at(starts, N(starts), i, i == 0));
}

static void test_misread_cells_read_again(void **state)
{
    (void)state;
    /* at the end, beside another misread cell ("14:25 - 10" is backwards) */
    const char *end[] = {
        "",   "11.55 - 12.10", "12.10 - 13.10", "13.10 - 13.50", "13.50 - 14.25", "14:25 - 10",
        "WYO"};
    assert_true(tt_axis_suspect_at(end, N(end), 5, 0));
    assert_true(tt_axis_suspect_at(end, N(end), 6, 0));
    assert_false(tt_axis_suspect_at(end, N(end), 4, 0));
    const char *last[] = {"", "1:40-2:40pm", "2:40-3:30pm", "3.30-3.4om"};
    assert_true(tt_axis_suspect_at(last, N(last), 3, 0));
    /* the corner holds a digit: a time misread, not a label */
    const char *corner[] = {"8.4O-9:00", "9:00-9:20am", "9:20-10:20am", "10:20-10:40am"};
    assert_true(tt_axis_suspect_at(corner, N(corner), 0, 1));
    const char *sideways[] = {"", "1:45 - 2:30 pm", "2:30 - 3:00 pm", "ess - 00"};
    assert_true(tt_axis_suspect_at(sideways, N(sideways), 3, 0));
    /* in order, but out of order between its neighbours */
    const char *order[] = {"", "9:00-9:45", "9:45-10:30", "16:30-17:15", "11:15-12:00"};
    assert_true(tt_axis_suspect_at(order, N(order), 3, 0));
    /* beside a misread cell, not between two ranges */
    const char *pair[] = {"", "9:00-9:45", "9:45-10:30", "WYO", "1O:3O-11:15", "11:15-12:00"};
    assert_true(tt_axis_suspect_at(pair, N(pair), 3, 0));
    assert_true(tt_axis_suspect_at(pair, N(pair), 4, 0));
}

/* Between two ranges beside it a cell takes its times from theirs in the interpreter:
 * reading it again would change nothing. */
static void test_between_ranges_not_read_again(void **state)
{
    (void)state;
    const char *junk[] = {"", "9:00-9:45", "9:45-10:30", "WYO", "11:15-12:00"};
    assert_false(tt_axis_suspect_at(junk, N(junk), 3, 0));
    const char *part[] = {"", "9:00-9:45", "9:45-10:30", "10:30", "11:15-12:00"};
    assert_false(tt_axis_suspect_at(part, N(part), 3, 0));
}

static void test_second_reading_must_fit(void **state)
{
    (void)state;
    const char *row[] = {"", "1:40-2:40pm", "2:40-3:30pm", "3.30-3.4om"};
    assert_int_equal(tt_axis_fit_at(row, N(row), 3, row[3]), 0);
    assert_int_equal(tt_axis_fit_at(row, N(row), 3, "1D-34om"), 0);
    assert_int_equal(tt_axis_fit_at(row, N(row), 3, "3:30-3:40pm"), 3);
    /* a time that does not run on from the one before it does not fit */
    assert_int_equal(tt_axis_fit_at(row, N(row), 3, "1:30-1:40pm"), 1);
    const char *mid[] = {"", "9:00-9:45", "9:45-10:30", "WYO", "11:15-12:00"};
    assert_int_equal(tt_axis_fit_at(mid, N(mid), 3, "10:30-11:15"), 3);
    assert_int_equal(tt_axis_fit_at(mid, N(mid), 3, "10:30"), 2);
    assert_int_equal(tt_axis_fit_at(mid, N(mid), 3, "10:30-12:15"), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_clean_axis_reads_once),
        cmocka_unit_test(test_misread_cells_read_again),
        cmocka_unit_test(test_between_ranges_not_read_again),
        cmocka_unit_test(test_second_reading_must_fit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

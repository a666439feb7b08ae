/* Proves: times OCR misread by a digit of like shape (old-style figures: "9:30" read
 * "9:50", "3:00" read "5:00") are put back where the axis they stand on shows them
 * misread (it_mend_confusions): a list whose times go back in time takes the reading one
 * confusable digit away that puts them in order; times already in order stay as read,
 * gaps between events included; a reading beside times nothing puts in order stays. The
 * confusable readings of a time (it_confusable_times) follow the digits as printed, on a
 * twelve-hour dial with the school-day rule too. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "document/interpret_internal.h"
#include "test_grid_fixture.h"

#define NT TT_NO_TIME

static int holds(const int *v, int n, int t)
{
    for (int i = 0; i < n; i++)
        if (v[i] == t) return 1;
    return 0;
}

static void test_confusable_times(void **state)
{
    (void)state;
    int alt[32], n = it_confusable_times(HM(9, 50), alt, 32);
    assert_true(holds(alt, n, HM(9, 30)));
    assert_false(holds(alt, n, HM(9, 50))); /* never the time itself */
    /* "5:00" in the afternoon, printed on a twelve-hour dial: "3:00" is 15:00 */
    n = it_confusable_times(HM(17, 0), alt, 32);
    assert_true(holds(alt, n, HM(15, 0)));
    /* a one-digit morning hour misread: "8:15" for "3:15" is 15:15 by the school day */
    n = it_confusable_times(HM(8, 15), alt, 32);
    assert_true(holds(alt, n, HM(15, 15)));
    /* an hour's leading 1 lost: "1:05" (13:05) for "11:05" */
    n = it_confusable_times(HM(13, 5), alt, 32);
    assert_true(holds(alt, n, HM(11, 5)));
    /* an hour of 0 is no school time: "10:55" with its 1 lost */
    n = it_confusable_times(HM(0, 55), alt, 32);
    assert_true(holds(alt, n, HM(10, 55)));
    /* no misread is put outside the school day */
    n = it_confusable_times(HM(7, 30), alt, 32);
    for (int k = 0; k < n; k++)
        assert_true(alt[k] >= HM(7, 0) && alt[k] < HM(19, 0));
    /* bounded by cap */
    assert_int_equal(it_confusable_times(HM(13, 35), alt, 2), 2);
    assert_int_equal(it_confusable_times(-1, alt, 32), 0);
}

static void test_mend_sequence(void **state)
{
    (void)state;
    /* 9:20 - 9:30 read "9:20 - 9:50", and the next start alike: both go back to 9:30 */
    int v[] = {HM(9, 0),  HM(9, 20), HM(9, 20), HM(9, 50),
               HM(9, 50), HM(9, 45), HM(9, 45), HM(10, 5)};
    it_mend_confusions(v, 8, 1);
    assert_int_equal(v[3], HM(9, 30));
    assert_int_equal(v[4], HM(9, 30));
    assert_int_equal(v[5], HM(9, 45));
    assert_int_equal(v[0], HM(9, 0));

    /* in order, a gap included ("11:15" then "11:35"): nothing changes */
    int w[] = {HM(11, 5), HM(11, 15), HM(11, 35), HM(12, 25), HM(12, 25), HM(12, 55)};
    int w0[6];
    memcpy(w0, w, sizeof w);
    it_mend_confusions(w, 6, 1);
    assert_memory_equal(w, w0, sizeof w);

    /* an end misread past the next start: the other reading of the boundary is the
     * cheaper mend where copies are allowed, a confusable digit where they are not */
    int u[] = {HM(14, 0),  HM(14, 15), HM(14, 15), HM(14, 50),
               HM(14, 35), HM(14, 55), HM(14, 55), NT};
    int u2[8];
    memcpy(u2, u, sizeof u);
    it_mend_confusions(u, 8, 1);
    assert_int_equal(u[3], HM(14, 35));
    assert_int_equal(u[4], HM(14, 35));
    assert_int_equal(u[7], NT);
    it_mend_confusions(u2, 8, 0);
    assert_int_equal(u2[3], HM(14, 30));
    assert_int_equal(u2[4], HM(14, 35));

    /* a header read badly throughout: a reading beside one nothing puts in order stays */
    int g[] = {HM(9, 20),  HM(10, 5),  HM(22, 5),  HM(1, 5),
               HM(12, 25), HM(14, 10), HM(12, 10), HM(13, 10)};
    it_mend_confusions(g, 8, 0);
    assert_int_equal(g[6], HM(12, 10));

    /* two readings misread side by side ("11:55" read "1:55", the next start "17:55", its
     * end "2:15" for "12:15"): the start nothing puts in order is left out, and the
     * readings beside it are mended by the kept ones one further on */
    int h[] = {HM(10, 0),  HM(10, 35), HM(10, 35), HM(10, 55), HM(10, 55), HM(13, 55),
               HM(17, 55), HM(14, 15), HM(12, 20), HM(13, 10), HM(13, 10), HM(13, 40)};
    it_mend_confusions(h, 12, 0);
    assert_int_equal(h[5], HM(11, 55));
    assert_int_equal(h[6], HM(17, 55)); /* left out: the caller's to mend */
    assert_int_equal(h[7], HM(12, 15));
    assert_int_equal(h[8], HM(12, 20));

    /* too short to say */
    int s[] = {HM(9, 50), HM(9, 45)};
    it_mend_confusions(s, 2, 1);
    assert_int_equal(s[0], HM(9, 50));
}

/* A list whose time column OCR misread "3" as "5" twice over: the events keep their
 * places in the day. */
static void test_list_confusions(void **state)
{
    (void)state;
    tt_page page = {.number = 1};
    tt_table *t = one_table(&page, 5, 2);
    add_cell(t, 0, 0, 1, 2, "Daily Schedule|~Monday");
    add_cell(t, 1, 0, 1, 1, "9:00 - 9:20am");
    add_cell(t, 1, 1, 1, 1, "Swimming");
    add_cell(t, 2, 0, 1, 1, "9:20 - 9:50am");
    add_cell(t, 2, 1, 1, 1, "Design Technology");
    add_cell(t, 3, 0, 1, 1, "9:50 - 9:45am");
    add_cell(t, 3, 1, 1, 1, "Assembly");
    add_cell(t, 4, 0, 1, 1, "9:45 - 10:05am");
    add_cell(t, 4, 1, 1, 1, "Art");
    tt_doc d;
    interpret(&page, &d);
    tb_check(&d, 0, "Swimming", HM(9, 0), HM(9, 20));
    tb_check(&d, 0, "Design Technology", HM(9, 20), HM(9, 30));
    tb_check(&d, 0, "Assembly", HM(9, 30), HM(9, 45));
    tb_check(&d, 0, "Art", HM(9, 45), HM(10, 5));
    tt_doc_free(&d);
    tt_page_free(&page);
}

/* A cell that prints its own times, OCR misreading the end's leading 1 ("11:00 -
 * 1:35am" under a column of 10:35 - 11:35am): the column's printed end shows the misread,
 * and the cell ends there; a cell whose own times lie within its column keeps them. */
static void test_cell_times_in_column(void **state)
{
    (void)state;
    tt_page page = {.number = 1};
    tt_table *t = one_table(&page, 3, 4);
    add_cell(t, 0, 0, 1, 1, "");
    add_cell(t, 0, 1, 1, 1, "9:35 - 10:35am");
    add_cell(t, 0, 2, 1, 1, "10:35 - 11:35am");
    add_cell(t, 0, 3, 1, 1, "11:35 - 12:15pm");
    add_cell(t, 1, 0, 1, 1, "Monday");
    add_cell(t, 1, 1, 1, 1, "Art|~9:45 - 10:35");
    add_cell(t, 1, 2, 1, 1, "Social Studies|~11:00 - 1:35am");
    add_cell(t, 1, 3, 1, 1, "Music");
    add_cell(t, 2, 0, 1, 1, "Tuesday");
    add_cell(t, 2, 1, 1, 1, "Drama");
    add_cell(t, 2, 2, 1, 1, "Science");
    add_cell(t, 2, 3, 1, 1, "PE");
    tt_doc d;
    interpret(&page, &d);
    tb_check(&d, 0, "Art", HM(9, 45), HM(10, 35));
    tb_check(&d, 0, "Social Studies", HM(11, 0), HM(11, 35));
    tb_check(&d, 0, "Music", HM(11, 35), HM(12, 15));
    tt_doc_free(&d);
    tt_page_free(&page);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_confusable_times),
        cmocka_unit_test(test_mend_sequence),
        cmocka_unit_test(test_list_confusions),
        cmocka_unit_test(test_cell_times_in_column),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

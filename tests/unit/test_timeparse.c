/* Proves: every time notation the extraction issue lists is read into the right minutes
 * (generated over clock formats x connectors x am/pm placement x spacing x surrounding
 * text, several thousand cases), with the exact byte span; the school-day am/pm rule and
 * its range sharing; OCR separators only inside ranges; the negatives (rooms, years, year
 * groups, dates, prices, numbers) never read as times; header-cell detection; stripping
 * times out of names; no read past len. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "document/timeparse.h"

#define H(h, m) ((h)*60 + (m))

static size_t generated_cases;

/* Parses text and checks one notation spanning [begin, end_byte) with the given minutes. */
static void check_one(const char *text, unsigned opts, int start, int end, size_t begin,
                      size_t end_byte)
{
    tp_match m;
    size_t len = strlen(text);
    if (!tp_find(text, len, 0, opts, &m)) fail_msg("no time found in \"%s\"", text);
    if (m.start != start || m.end != end || m.begin != begin || m.end_byte != end_byte)
        fail_msg("\"%s\": got %d-%d span %zu..%zu, want %d-%d span %zu..%zu", text, m.start, m.end,
                 m.begin, m.end_byte, start, end, begin, end_byte);
    assert_int_equal(!!(m.flags & TP_RANGE), end != TP_NO_TIME);
    generated_cases++;
}

static void check_none(const char *text, unsigned opts)
{
    tp_match m;
    if (tp_find(text, strlen(text), 0, opts, &m))
        fail_msg("\"%s\" must not parse, got %d-%d at %zu..%zu", text, m.start, m.end, m.begin,
                 m.end_byte);
}

/* ---- generation ---- */

enum fmt { F12_COLON, F12_DOT, F24_COLON, F24_DOT, F_BARE_OR_COLON, NFMT };

/* Writes minutes v as a clock: 12-hour printed hour, or 24-hour with a leading zero.
 * F_BARE_OR_COLON prints "9" for 9:00 (bare hour) and "9:30" otherwise. */
static int write_clock(char *buf, size_t size, int v, enum fmt f, const char *marker,
                       const char *marker_space)
{
    int h = v / 60, m = v % 60, h12 = h % 12 == 0 ? 12 : h % 12;
    if (!marker[0]) marker_space = "";
    switch (f) {
    case F12_COLON:
        return snprintf(buf, size, "%d:%02d%s%s", h12, m, marker_space, marker);
    case F12_DOT:
        return snprintf(buf, size, "%d.%02d%s%s", h12, m, marker_space, marker);
    case F24_COLON:
        return snprintf(buf, size, "%02d:%02d", h, m);
    case F24_DOT:
        return snprintf(buf, size, "%02d.%02d", h, m);
    default:
        if (m == 0) return snprintf(buf, size, "%d%s%s", h12, marker_space, marker);
        return snprintf(buf, size, "%d:%02d%s%s", h12, m, marker_space, marker);
    }
}

static int is_bare_clock(int v, enum fmt f, const char *marker)
{
    return f == F_BARE_OR_COLON && v % 60 == 0 && marker[0] == '\0';
}

/* School-day ranges: every value lies in 6:00-17:59, where the printed 12-hour form reads
 * back unambiguously under the rules. */
static const int ranges[][2] = {
    {H(9, 0), H(9, 30)},   {H(8, 45), H(9, 15)},   {H(10, 0), H(11, 0)},  {H(11, 30), H(12, 15)},
    {H(12, 0), H(13, 0)},  {H(13, 0), H(13, 15)},  {H(14, 30), H(15, 0)}, {H(11, 0), H(12, 0)},
    {H(11, 45), H(13, 0)}, {H(15, 10), H(15, 15)}, {H(9, 0), H(10, 0)},   {H(12, 30), H(17, 0)},
    {H(6, 30), H(7, 45)},  {H(10, 0), H(14, 0)},
};
static const char *const connectors[] = {
    "-",    " - ",   "- ", " -",     "\xE2\x80\x93", " \xE2\x80\x93 ", "\xE2\x80\x94",
    " to ", " \n- ", "~",  " until "};
static const char *const am_markers[] = {"am", "a.m.", "AM", "A.M."};
static const char *const pm_markers[] = {"pm", "p.m.", "PM", "P.M."};

/* am/pm placement: none, both sides, end only, start only. */
enum placement { P_NONE, P_BOTH, P_END, P_START, NPLACE };

static void test_generated_ranges(void **state)
{
    (void)state;
    size_t before = generated_cases;
    static const char *const prefixes[] = {"", "Maths ", "(", "Lunch\n"};
    for (size_t r = 0; r < sizeof ranges / sizeof ranges[0]; r++)
        for (size_t c = 0; c < sizeof connectors / sizeof connectors[0]; c++)
            for (int p = 0; p < NPLACE; p++)
                for (int fa = 0; fa < NFMT; fa++)
                    for (int fb = 0; fb < NFMT; fb++)
                        for (int sp = 0; sp < 2; sp++) {
                            int a = ranges[r][0], b = ranges[r][1];
                            size_t mk = (r + c + (size_t)fa) % 4; /* vary marker spelling */
                            const char *ma = "", *mb = "", *space = sp ? " " : "";
                            int a24 = fa == F24_COLON || fa == F24_DOT;
                            int b24 = fb == F24_COLON || fb == F24_DOT;
                            /* am/pm only on 12-hour clocks */
                            if ((p == P_BOTH || p == P_START) && a24) continue;
                            if ((p == P_BOTH || p == P_END) && b24) continue;
                            if (p == P_BOTH || p == P_START)
                                ma = a < H(12, 0) ? am_markers[mk] : pm_markers[mk];
                            if (p == P_BOTH || p == P_END)
                                mb = b < H(12, 0) ? am_markers[mk] : pm_markers[mk];
                            /* two bare hours need TP_ALLOW_BARE (tested apart) */
                            if (is_bare_clock(a, fa, ma) && is_bare_clock(b, fb, mb)) continue;
                            /* 24-hour with a leading zero on one side and a bare hour on
                             * the other: fine, but "10-6pm"-style mixes are covered */
                            char ca[32], cb[32], text[128];
                            write_clock(ca, sizeof ca, a, (enum fmt)fa, ma, space);
                            write_clock(cb, sizeof cb, b, (enum fmt)fb, mb, space);
                            const char *pre = prefixes[(r + c + (size_t)p) % 4];
                            const char *post = pre[0] == '(' ? ")" : " Room 4";
                            int n = snprintf(text, sizeof text, "%s%s%s%s%s", pre, ca,
                                             connectors[c], cb, post);
                            assert_true(n > 0 && (size_t)n < sizeof text);
                            size_t begin = strlen(pre);
                            size_t end_byte =
                                begin + strlen(ca) + strlen(connectors[c]) + strlen(cb);
                            check_one(text, 0, a, b, begin, end_byte);
                        }
    print_message("generated ranges: %zu\n", generated_cases - before);
    assert_true(generated_cases - before > 2000);
}

static void test_generated_singles(void **state)
{
    (void)state;
    size_t before = generated_cases;
    for (int v = H(6, 0); v < H(18, 0); v += 5)
        for (int f = 0; f < NFMT; f++)
            for (int marked = 0; marked < 2; marked++)
                for (int sp = 0; sp < 2; sp++) {
                    int f24 = f == F24_COLON || f == F24_DOT;
                    if (marked && f24) continue;
                    size_t mk = (size_t)(v / 5 + f) % 4;
                    const char *marker =
                        marked ? (v < H(12, 0) ? am_markers[mk] : pm_markers[mk]) : "";
                    if (is_bare_clock(v, (enum fmt)f, marker)) continue; /* "10" is no time */
                    char c[32], text[64];
                    write_clock(c, sizeof c, v, (enum fmt)f, marker, sp ? " " : "");
                    snprintf(text, sizeof text, "Assembly %s", c);
                    check_one(text, 0, v, TP_NO_TIME, 9, 9 + strlen(c));
                }
    print_message("generated singles: %zu\n", generated_cases - before);
    assert_true(generated_cases - before > 500);
}

/* ---- the notations the issue names, by hand ---- */

static void test_listed_notations(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        int start, end;
    } cases[] = {
        {"9:00", H(9, 0), TP_NO_TIME},
        {"9.00", H(9, 0), TP_NO_TIME},
        {"09:00", H(9, 0), TP_NO_TIME},
        {"9 - 9.30", H(9, 0), H(9, 30)},
        {"9:30-10am", H(9, 30), H(10, 0)},
        {"1-1.15pm", H(13, 0), H(13, 15)},
        {"12-1pm", H(12, 0), H(13, 0)},
        {"11-12pm", H(11, 0), H(12, 0)},
        {"10am", H(10, 0), TP_NO_TIME},
        {"10 am", H(10, 0), TP_NO_TIME},
        {"10.30a.m.", H(10, 30), TP_NO_TIME},
        {"9:00 \xE2\x80\x93 10:00", H(9, 0), H(10, 0)},
        {"9:00\xE2\x80\x94"
         "10:00",
         H(9, 0), H(10, 0)},
        {"9:00 to 10:00", H(9, 0), H(10, 0)},
        {"9:00 -10:00", H(9, 0), H(10, 0)},
        {"9:00- 10:00", H(9, 0), H(10, 0)},
        {"9,00-9,30", H(9, 0), H(9, 30)},
        {"9;00 - 9;30", H(9, 0), H(9, 30)},
        {"0900-1000", H(9, 0), H(10, 0)},
        {"1330 - 1415", H(13, 30), H(14, 15)},
        /* colons OCR lost on small or blurred print */
        {"900-915", H(9, 0), H(9, 15)},
        {"835 - 905", H(8, 35), H(9, 5)},
        {"930-1015", H(9, 30), H(10, 15)},
        {"1230-100", H(12, 30), H(13, 0)},
        {"900hrs", H(9, 0), TP_NO_TIME},
        {"1:00", H(13, 0), TP_NO_TIME},
        {"5:59", H(17, 59), TP_NO_TIME},
        {"6:00", H(6, 0), TP_NO_TIME},
        {"12:00", H(12, 0), TP_NO_TIME},
        {"12pm", H(12, 0), TP_NO_TIME},
        {"12am", H(0, 0), TP_NO_TIME},
        {"13:00pm", H(13, 0), TP_NO_TIME},
        {"11am-1", H(11, 0), H(13, 0)},
        {"10.05 - 1.05am", H(10, 5), H(13, 5)}, /* no night: the am misread */
        {"11-12am", H(11, 0), H(12, 0)},
        {"8:55 - 8:55am", H(8, 55), H(8, 55)}, /* no twelve-hour lesson: left backwards */
        {"11:30 - 1:00", H(11, 30), H(13, 0)},
        {"10:00-6:00", H(10, 0), H(18, 0)},
        {"3:00-3:30", H(15, 0), H(15, 30)},
        {"12:30-1:15", H(12, 30), H(13, 15)},
        {"9am - 3pm", H(9, 0), H(15, 0)},
        {"8.45 a.m. - 9.00 a.m.", H(8, 45), H(9, 0)},
        {"9:00am\xC2\xA0-\xC2\xA0"
         "10:00am",
         H(9, 0), H(10, 0)},
        {"9.00\n-\n9.30", H(9, 0), H(9, 30)},
        {"9:00Maths", H(9, 0), TP_NO_TIME},
        {"2:15 PM", H(14, 15), TP_NO_TIME},
        {"10.30a.m.-11.00", H(10, 30), H(11, 0)},
        {"12 noon", H(12, 0), TP_NO_TIME},
        {"12.00 Noon", H(12, 0), TP_NO_TIME},
        {"12 noon - 1pm", H(12, 0), H(13, 0)},
        {"12 midday-1.15", H(12, 0), H(13, 15)},
        {"Noon - 1:00", H(12, 0), H(13, 0)},
        {"11:30 to noon", H(11, 30), H(12, 0)},
        {"9h30", H(9, 30), TP_NO_TIME},
        {"09h00-10h15", H(9, 0), H(10, 15)},
        {"1300hrs", H(13, 0), TP_NO_TIME},
        {"0900 hrs - 1000 hrs", H(9, 0), H(10, 0)},
        {"14.30h", H(14, 30), TP_NO_TIME},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        tp_match m;
        const char *t = cases[i].text;
        if (!tp_find(t, strlen(t), 0, 0, &m)) fail_msg("\"%s\" did not parse", t);
        if (m.start != cases[i].start || m.end != cases[i].end)
            fail_msg("\"%s\": got %d-%d, want %d-%d", t, m.start, m.end, cases[i].start,
                     cases[i].end);
    }
}

static void test_flags(void **state)
{
    (void)state;
    tp_match m;
    assert_true(tp_find("1-1.15pm", 8, 0, 0, &m));
    assert_true(m.flags & TP_AMPM_PRINTED);
    assert_true(m.flags & TP_AMPM_SHARED);
    assert_true(m.flags & TP_BARE);
    assert_false(tp_ampm_guessed(&m)); /* pm was printed, only shared */

    assert_true(tp_find("1:00-2:00", 9, 0, 0, &m));
    assert_true(tp_ampm_guessed(&m)); /* the school-day rule decided */
    assert_false(m.flags & TP_AMPM_PRINTED);

    assert_true(tp_find("9:00", 4, 0, 0, &m));
    assert_false(tp_ampm_guessed(&m));
    assert_int_equal(m.flags, 0);

    assert_true(tp_find("9,00-9,30", 9, 0, 0, &m));
    assert_true(m.flags & TP_OCR_SEP);

    assert_true(tp_find("11:30 - noon", 12, 0, 0, &m)); /* noon settles the half of the day */
    assert_false(tp_ampm_guessed(&m));

    assert_true(tp_find("10:00-9:00", 10, 0, 0, &m)); /* read, but marked suspect */
    assert_true(m.flags & TP_INVERTED);
}

/* A leading 0 OCR read as 8, 9 or 6 ("88:55-09:10") is an hour of one digit in a range;
 * alone, or led by another digit (a 3 begins days of the month: "31.12"), it is no clock. */
static void test_round_leading_zero(void **state)
{
    (void)state;
    tp_match m;
    assert_true(tp_find("88:55-09:10", 11, 0, 0, &m));
    assert_int_equal(m.start, 8 * 60 + 55);
    assert_int_equal(m.end, 9 * 60 + 10);
    assert_true(tp_find("09:30 - 99:45", 13, 0, 0, &m));
    assert_int_equal(m.end, 9 * 60 + 45);
    assert_false(tp_find("88:55", 5, 0, 0, &m));
    if (tp_find("38:55-09:10", 11, 0, 0, &m)) assert_int_not_equal(m.begin, 0);
    /* a leading 0 is a school hour's (06-09): "91.25" is a misread 11.25, no 01:25 */
    if (tp_find("99.10-91.25", 11, 0, 0, &m)) assert_int_not_equal(m.begin, 0);
}

static void test_bare_ranges_need_the_option(void **state)
{
    (void)state;
    tp_match m;
    check_none("9-10", 0);
    check_none("9 to 10", 0);
    assert_true(tp_find("9-10", 4, 0, TP_ALLOW_BARE, &m));
    assert_int_equal(m.start, H(9, 0));
    assert_int_equal(m.end, H(10, 0));
    assert_true(m.flags & TP_BARE);
    assert_true(tp_find("2 - 3", 5, 0, TP_ALLOW_BARE, &m));
    assert_int_equal(m.start, H(14, 0));
    assert_int_equal(m.end, H(15, 0));
    /* a bare side that only reads backwards is no range: "Room 5 - 10:00" is a room */
    assert_true(tp_find("Room 5 - 10:00", 14, 0, 0, &m));
    assert_int_equal(m.start, H(10, 0));
    assert_int_equal(m.end, TP_NO_TIME);
    assert_int_equal(m.begin, 9);
}

static void test_negatives(void **state)
{
    (void)state;
    static const char *const never[] = {
        "Room 12",
        "2024",
        "Y5",
        "12/03",
        "12/03/2024",
        "12.03.2024",
        "03.12.24",
        "Year 5-6",
        "Ages 5-7",
        "Room12",
        "\xC2\xA3"
        "9.50",
        "$10.00",
        "3,45",
        "10 amazing",
        "0900",
        "2024-2025",
        "1999-2000",
        "25:00",
        "9:60",
        "9.305",
        "v1.20",
        "Page 3",
        "3rd",
        "5x5",
        "Lesson 10",
        "Tel 0121 496 0000",
        "1/2",
        "Class 4B",
        "KS2",
        "10%",
        "",
        "   ",
        "Daily 5: Station 1",
        "Station 5*",
        "Phase 2 - 3",
        "12-03-2024",
        "9",
        "Autumn 2",
        "2EJ",
        "P.E.",
        "#12:30",
        "Y5:30",
        "9.5",
        "11:5",
        "100:00",
        "1:000",
        "Noon",
        "Midday meal",
        "Lunch at noon",
        "9h",
        "3 hrs",
        "1300",
        "noonday",
        "835",
        "Rooms 101-102",
        "Pages 120-134",
        "2019-2020",
    };
    for (size_t i = 0; i < sizeof never / sizeof never[0]; i++)
        check_none(never[i], 0);
}

/* The parser reads only len bytes: the notation "9:00" cut to "9:0" is not a time, and a
 * buffer without a NUL is safe (ASan would catch a read past it). */
static void test_len_bound(void **state)
{
    (void)state;
    tp_match m;
    char *buf = malloc(4);
    assert_non_null(buf);
    memcpy(buf, "9:00", 4); /* no terminator */
    assert_true(tp_find(buf, 4, 0, 0, &m));
    assert_int_equal(m.end_byte, 4);
    assert_false(tp_find(buf, 3, 0, 0, &m));
    memcpy(buf, "9am-", 4);
    assert_true(tp_find(buf, 4, 0, 0, &m));
    assert_int_equal(m.end_byte, 3);
    free(buf);
    assert_false(tp_find(NULL, 0, 0, 0, &m));
}

static void test_find_all(void **state)
{
    (void)state;
    const char *t = "AM: 9:00-10:30, PM 1.15-3.00 and 3:15pm";
    tp_match m[4];
    assert_int_equal(tp_find_all(t, strlen(t), 0, m, 4), 3);
    assert_int_equal(m[0].start, H(9, 0));
    assert_int_equal(m[0].end, H(10, 30));
    assert_int_equal(m[1].start, H(13, 15));
    assert_int_equal(m[1].end, H(15, 0));
    assert_int_equal(m[2].start, H(15, 15));
    assert_int_equal(m[2].end, TP_NO_TIME);
    /* the count goes on past cap */
    assert_int_equal(tp_find_all(t, strlen(t), 0, m, 1), 3);
}

static void test_time_only(void **state)
{
    (void)state;
    static const char *const header[] = {"9:00 - 9:30",       " (9:00-9:30) ", "9:00",  "10am",
                                         "\n9.00\n-\n9.30\n", "[1-1.15pm]",    "12-1pm"};
    static const char *const not_header[] = {"Maths 9:00",        "9:00 Maths",     "10",        "",
                                             "9:00 - 9:30 Break", "Lunch (12-1pm)", "9:00 10:00"};
    tp_match m;
    for (size_t i = 0; i < sizeof header / sizeof header[0]; i++)
        if (!tp_is_time_only(header[i], strlen(header[i]), 0, &m))
            fail_msg("\"%s\" is only a time", header[i]);
    for (size_t i = 0; i < sizeof not_header / sizeof not_header[0]; i++)
        if (tp_is_time_only(not_header[i], strlen(not_header[i]), 0, NULL))
            fail_msg("\"%s\" is not only a time", not_header[i]);
    assert_true(tp_is_time_only("9-10", 4, TP_ALLOW_BARE, NULL));
}

static void test_strip(void **state)
{
    (void)state;
    static const char *const cases[][2] = {
        {"Maths 9:00-10:00", "Maths"},
        {"Lunch (12-1pm)", "Lunch"},
        {"9:00 - 9:30\nPhonics", "Phonics"},
        {"Maths (Room 4) 9:00", "Maths (Room 4)"},
        {"Break 10:30\xE2\x80\x93"
         "10:45 (playground)",
         "Break (playground)"},
        {"Science/Health/Social Studies", "Science/Health/Social Studies"},
        {"Daily 5: Station 1", "Daily 5: Station 1"},
        {"Assembly @ 9:00am", "Assembly"},
        {"9:00: Registration", "Registration"},
        {"  Guided   Reading  ", "Guided Reading"},
        {"English 9:00-10:00 \xE2\x80\x93 Phonics 10:00-10:30", "English Phonics"},
        {"9:00", ""},
        {"Lunch 12 noon - 1pm", "Lunch"},
        {"Midday meal 12:00-1:00", "Midday meal"},
        {"", ""},
        {"a\x01"
         "b 9:00",
         "a b"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *s = tp_strip(cases[i][0], strlen(cases[i][0]), 0);
        assert_non_null(s);
        if (strcmp(s, cases[i][1]) != 0)
            fail_msg("strip \"%s\": got \"%s\", want \"%s\"", cases[i][0], s, cases[i][1]);
        free(s);
    }
    char *s = tp_strip(NULL, 0, 0);
    assert_non_null(s);
    assert_string_equal(s, "");
    free(s);
}

/* Random bytes never crash the scanner or yield a span outside the text. */
static void test_fuzz(void **state)
{
    (void)state;
    static const char alphabet[] = "0123456789:.,;-~ apmAPM\n()toTO\xE2\x80\x93\xC2\xA0/";
    uint32_t seed = 12345;
    char buf[40];
    for (int iter = 0; iter < 20000; iter++) {
        size_t len = 0, want = (size_t)(iter % (int)sizeof buf);
        while (len < want) {
            seed = seed * 1103515245u + 12345u;
            buf[len++] = alphabet[(seed >> 16) % (sizeof alphabet - 1)];
        }
        tp_match m[8];
        size_t n = tp_find_all(buf, len, (unsigned)iter & TP_ALLOW_BARE, m, 8);
        for (size_t k = 0; k < n && k < 8; k++) {
            assert_true(m[k].begin < m[k].end_byte && m[k].end_byte <= len);
            assert_true(m[k].start >= 0 && m[k].start < 1440);
            assert_true(m[k].end == TP_NO_TIME || (m[k].end >= 0 && m[k].end < 1440));
        }
        char *s = tp_strip(buf, len, 0);
        assert_non_null(s);
        assert_true(strlen(s) <= len);
        free(s);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_generated_ranges),
        cmocka_unit_test(test_generated_singles),
        cmocka_unit_test(test_listed_notations),
        cmocka_unit_test(test_flags),
        cmocka_unit_test(test_round_leading_zero),
        cmocka_unit_test(test_bare_ranges_need_the_option),
        cmocka_unit_test(test_negatives),
        cmocka_unit_test(test_len_bound),
        cmocka_unit_test(test_find_all),
        cmocka_unit_test(test_time_only),
        cmocka_unit_test(test_strip),
        cmocka_unit_test(test_fuzz),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Proves: the EVAL.md score against cases computed by hand: an exact match, a start off by
 * 5 (strict) and 6 (not strict) minutes, names at and around the 0.8 boundary, duplicates
 * on a day resolved by the closest start, greedy by similarity before time, days that
 * never match, null end times, pooled figures that sum counts (not averages of F1s), meta
 * fields scored only where gold gives them, UTF-8 normalisation, bounded work on huge
 * names, and the refusal of a hostile document. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "document/eval.h"
#include "document/timetable.h"

/* internal, reached through TESTABLE */
size_t ev_levenshtein(const uint32_t *a, size_t la, const uint32_t *b, size_t lb, size_t limit);

#define H(h, m) ((h)*60 + (m))
#define NT      TT_NO_TIME
enum { MON, TUE, WED, THU, FRI };

static void add(tt_doc *d, int day, const char *name, int start, int end)
{
    assert_int_equal(tt_doc_add(d, day, name, start, end, NULL, 1.0f, (tt_bbox){0}), AP_OK);
}

static ev_counts score(const tt_doc *gold, const tt_doc *pred)
{
    ev_counts c;
    ap_error err = {0};
    assert_int_equal(ev_score_doc(gold, pred, &c, &err), AP_OK);
    assert_int_equal(c.docs, 1);
    return c;
}

static void assert_f1(double got, double want)
{
    if (got < want - 1e-9 || got > want + 1e-9) fail_msg("F1 %.6f, want %.6f", got, want);
}

/* A three-block Monday used by several cases. */
static void monday(tt_doc *d)
{
    add(d, MON, "Registration", H(8, 45), H(9, 0));
    add(d, MON, "Maths", H(9, 0), H(10, 0));
    add(d, MON, "English", H(10, 15), H(11, 15));
}

static void test_exact_match(void **state)
{
    (void)state;
    tt_doc g = {0}, p = {0};
    monday(&g);
    monday(&p);
    ev_counts c = score(&g, &p);
    assert_int_equal(c.gold, 3);
    assert_int_equal(c.pred, 3);
    assert_int_equal(c.name_tp, 3);
    assert_int_equal(c.strict_tp, 3);
    assert_f1(ev_name_f1(&c), 1.0);
    assert_f1(ev_strict_f1(&c), 1.0);
    tt_doc_free(&g);
    tt_doc_free(&p);
}

static void test_wrong_time(void **state)
{
    (void)state;
    tt_doc g = {0}, p = {0};
    monday(&g);
    add(&p, MON, "Registration", H(8, 50), H(8, 55)); /* both 5 minutes off: strict */
    add(&p, MON, "Maths", H(9, 6), H(10, 0));         /* start 6 off: not strict */
    add(&p, MON, "English", H(10, 15), H(11, 21));    /* end 6 off: not strict */
    ev_counts c = score(&g, &p);
    assert_int_equal(c.name_tp, 3);
    assert_int_equal(c.strict_tp, 1);
    assert_f1(ev_name_f1(&c), 1.0);
    assert_f1(ev_strict_f1(&c), 2.0 * 1 / 6); /* 0.3333 */
    tt_doc_free(&g);
    tt_doc_free(&p);
}

static void test_similarity_boundary(void **state)
{
    (void)state;
    /* 1 - d / L exactly at 0.8 passes, just under fails. */
    assert_f1(ev_similarity("Maths", "Math"), 0.8);            /* d 1, L 5 */
    assert_f1(ev_similarity("abcdefghij", "abXdefYhij"), 0.8); /* d 2, L 10 */
    assert_f1(ev_similarity("abcdefghij", "abXdeYgZij"), 0.7); /* d 3, L 10 */
    assert_f1(ev_similarity("Maths Con", "maths-con!"), 1.0);  /* normalised alike */
    assert_f1(ev_similarity("", "  --  "), 1.0);
    assert_f1(ev_similarity("Art", ""), 0.0);

    tt_doc g = {0}, p = {0};
    add(&g, MON, "Maths", H(9, 0), H(10, 0));       /* vs "Math": 0.8, matches */
    add(&g, MON, "abcdefghij", H(10, 0), H(11, 0)); /* vs 3 edits: 0.7, no */
    add(&g, MON, "RWI", H(11, 0), H(12, 0));        /* vs "RWX": 0.667, no */
    add(&g, MON, "Science", H(13, 0), H(14, 0));    /* vs "Sciense": 0.857, matches */
    add(&g, MON, "Reading", H(14, 0), H(15, 0));    /* vs "Readnig": d 2, 0.714, no */
    add(&p, MON, "Math", H(9, 0), H(10, 0));
    add(&p, MON, "abXdeYgZij", H(10, 0), H(11, 0));
    add(&p, MON, "RWX", H(11, 0), H(12, 0));
    add(&p, MON, "Sciense", H(13, 0), H(14, 0));
    add(&p, MON, "Readnig", H(14, 0), H(15, 0));
    ev_counts c = score(&g, &p);
    assert_int_equal(c.name_tp, 2);
    assert_int_equal(c.strict_tp, 2);
    assert_f1(ev_name_f1(&c), 4.0 / 10);
    tt_doc_free(&g);
    tt_doc_free(&p);
}

static void test_duplicates_on_a_day(void **state)
{
    (void)state;
    tt_doc g = {0}, p = {0};
    /* Two "Maths" on Monday; one prediction at 10:58: it pairs with the closer 11:00 gold
     * block (a tie in similarity is broken by the start), and is strict. */
    add(&g, MON, "Maths", H(9, 0), H(10, 0));
    add(&g, MON, "Maths", H(11, 0), H(12, 0));
    add(&p, MON, "Maths", H(10, 58), H(12, 0));
    ev_match *m = NULL;
    size_t nm = 0;
    ev_counts c;
    assert_int_equal(ev_score_doc_matches(&g, &p, &c, &m, &nm, NULL), AP_OK);
    assert_int_equal(nm, 1);
    assert_int_equal(m[0].gold, 1);
    assert_int_equal(m[0].pred, 0);
    assert_int_equal(m[0].strict, 1);
    assert_int_equal(c.name_tp, 1);
    assert_int_equal(c.strict_tp, 1);
    assert_f1(ev_strict_f1(&c), 2.0 / 3);
    free(m);

    /* Two predictions in the opposite order: one-to-one, each with its own gold. */
    add(&p, MON, "Maths", H(9, 0), H(10, 0));
    c = score(&g, &p);
    assert_int_equal(c.name_tp, 2);
    assert_int_equal(c.strict_tp, 2);

    /* A third prediction has no partner left. */
    add(&p, MON, "Maths", H(9, 0), H(10, 0));
    c = score(&g, &p);
    assert_int_equal(c.name_tp, 2);
    assert_int_equal(c.pred, 3);
    assert_f1(ev_name_f1(&c), 4.0 / 5);
    tt_doc_free(&g);
    tt_doc_free(&p);
}

/* Similarity is taken before time: "Maths" goes to the exact name even when the 0.8 name
 * sits at the same time, and the leftover pairs at 0.8 if it can. */
static void test_greedy_similarity_first(void **state)
{
    (void)state;
    tt_doc g = {0}, p = {0};
    add(&g, MON, "Math", H(9, 0), H(10, 0));
    add(&g, MON, "Maths", H(14, 0), H(15, 0));
    add(&p, MON, "Maths", H(9, 0), H(10, 0));
    ev_match *m = NULL;
    size_t nm = 0;
    ev_counts c;
    assert_int_equal(ev_score_doc_matches(&g, &p, &c, &m, &nm, NULL), AP_OK);
    assert_int_equal(nm, 1);
    assert_int_equal(m[0].gold, 1); /* the exact name, 5 hours away */
    assert_f1(m[0].similarity, 1.0);
    assert_int_equal(c.strict_tp, 0);
    free(m);
    tt_doc_free(&g);
    tt_doc_free(&p);
}

static void test_other_day_never_matches(void **state)
{
    (void)state;
    tt_doc g = {0}, p = {0};
    add(&g, MON, "Maths", H(9, 0), H(10, 0));
    add(&p, TUE, "Maths", H(9, 0), H(10, 0));
    ev_counts c = score(&g, &p);
    assert_int_equal(c.name_tp, 0);
    assert_f1(ev_name_f1(&c), 0.0);
    tt_doc_free(&g);
    tt_doc_free(&p);
}

static void test_null_end(void **state)
{
    (void)state;
    tt_doc g = {0}, p = {0};
    add(&g, MON, "School Dismissed", H(15, 15), NT); /* gold end null: start only */
    add(&g, MON, "Late Bell Rings", H(9, 0), H(9, 5));
    add(&p, MON, "School Dismissed", H(15, 15), H(15, 30));
    add(&p, MON, "Late Bell Rings", H(9, 0), NT); /* prediction lacks an end gold has */
    ev_counts c = score(&g, &p);
    assert_int_equal(c.name_tp, 2);
    assert_int_equal(c.strict_tp, 1);
    tt_doc_free(&g);
    tt_doc_free(&p);

    /* gold end null, start 6 minutes off: not strict */
    tt_doc g2 = {0}, p2 = {0};
    add(&g2, FRI, "Assembly", H(9, 0), NT);
    add(&p2, FRI, "Assembly", H(9, 6), NT);
    c = score(&g2, &p2);
    assert_int_equal(c.name_tp, 1);
    assert_int_equal(c.strict_tp, 0);
    tt_doc_free(&g2);
    tt_doc_free(&p2);
}

static void test_pooled_vs_per_document(void **state)
{
    (void)state;
    /* Doc A: 1 gold, 1 right. Doc B: 9 gold, nothing predicted.
     * Per document F1 1.0 and 0.0 (mean 0.5); pooled 2*1 / (10 + 1) = 0.1818. */
    tt_doc ga = {0}, pa = {0}, gb = {0}, pb = {0};
    add(&ga, MON, "Maths", H(9, 0), H(10, 0));
    add(&pa, MON, "Maths", H(9, 0), H(10, 0));
    for (int i = 0; i < 9; i++)
        add(&gb, i % 5, "Reading", H(9 + i % 3, 0), H(10 + i % 3, 0));
    ev_counts a = score(&ga, &pa), b = score(&gb, &pb), sum = {0};
    assert_f1(ev_strict_f1(&a), 1.0);
    assert_f1(ev_strict_f1(&b), 0.0);
    ev_counts_add(&sum, &a);
    ev_counts_add(&sum, &b);
    assert_int_equal(sum.docs, 2);
    assert_int_equal(sum.gold, 10);
    assert_int_equal(sum.pred, 1);
    assert_int_equal(sum.strict_tp, 1);
    assert_f1(ev_strict_f1(&sum), 2.0 / 11);
    assert_f1(ev_name_f1(&sum), 2.0 / 11);
    tt_doc_free(&ga);
    tt_doc_free(&pa);
    tt_doc_free(&gb);
    tt_doc_free(&pb);
}

static void test_empty(void **state)
{
    (void)state;
    tt_doc g = {0}, p = {0};
    ev_counts c = score(&g, &p);
    assert_f1(ev_strict_f1(&c), 1.0);   /* nothing to find, nothing claimed */
    assert_true(ev_meta_score(&c) < 0); /* no meta to score */
    add(&p, MON, "Maths", H(9, 0), H(10, 0));
    c = score(&g, &p);
    assert_f1(ev_strict_f1(&c), 0.0);
    tt_doc_free(&p);
}

static void test_meta(void **state)
{
    (void)state;
    tt_doc g = {0}, p = {0};
    assert_int_equal(tt_set_str(&g.teacher, "Miss Joynes"), AP_OK);
    assert_int_equal(tt_set_str(&g.class_name, "2EJ"), AP_OK);
    assert_int_equal(tt_set_str(&g.term, "Autumn 2"), AP_OK);
    g.year = 2024;
    assert_int_equal(tt_set_str(&p.teacher, "Miss Joyns"), AP_OK); /* 0.9: right */
    assert_int_equal(tt_set_str(&p.class_name, "2 EJ"), AP_OK);    /* normalised: right */
    assert_int_equal(tt_set_str(&p.term, "Spring"), AP_OK);        /* wrong */
    p.year = 2025;                                                 /* 0.75: wrong */
    ev_counts c = score(&g, &p);
    assert_int_equal(c.meta_given, 4);
    assert_int_equal(c.meta_right, 2);
    assert_int_equal(c.meta_given_mask,
                     EV_META_TEACHER | EV_META_CLASS | EV_META_TERM | EV_META_YEAR);
    assert_int_equal(c.meta_right_mask, EV_META_TEACHER | EV_META_CLASS);
    assert_f1(ev_meta_score(&c), 0.5);

    /* Fields gold does not give are not scored, whatever the prediction says; a field
     * gold gives and the prediction lacks is wrong. */
    tt_set_str(&g.term, NULL);
    g.year = 0;
    tt_set_str(&p.teacher, NULL);
    c = score(&g, &p);
    assert_int_equal(c.meta_given, 2);
    assert_int_equal(c.meta_right, 1);
    p.year = 2024;
    c = score(&g, &p);
    assert_int_equal(c.meta_given, 2);
    tt_doc_free(&g);
    tt_doc_free(&p);
}

static void test_normalize_utf8(void **state)
{
    (void)state;
    uint32_t cp[16];
    /* typographic apostrophe dropped like ASCII punctuation */
    assert_f1(ev_similarity("Writer\xE2\x80\x99s Workshop", "Writers Workshop"), 1.0);
    assert_f1(ev_similarity("Writer's Workshop", "Writers Workshop"), 1.0);
    /* non-ASCII letters kept as code points, and their case folded */
    assert_f1(ev_similarity("Caf\xC3\xA9", "CAF\xC3\x89"), 1.0);
    assert_f1(ev_similarity("Caf\xC3\xA9", "Cafe"), 0.75);
    assert_int_equal(ev_normalize("\xC3\x84rger", cp, 16), 5);
    assert_int_equal(cp[0], 0xE4); /* Ä -> ä, one code point, not two bytes */
    assert_f1(ev_similarity("\xD0\x9C\xD0\xB0\xD1\x82", "\xD0\xBC\xD0\xB0\xD1\x82"), 1.0);
    /* dashes, NBSP, bullets (private use), emoji and invalid bytes are dropped */
    assert_int_equal(ev_normalize("a\xE2\x80\x93"
                                  "b\xC2\xA0"
                                  "c\xEF\x82\xB7"
                                  "d\xF0\x9F\x98\x80"
                                  "e\xFF\xC3"
                                  "f",
                                  cp, 16),
                     6);
    assert_int_equal(cp[5], 'f');
    /* an overlong encoding of '/' is invalid, not a letter */
    assert_int_equal(ev_normalize("\xC0\xAF"
                                  "x",
                                  cp, 16),
                     1);
    /* the cap holds */
    assert_int_equal(ev_normalize("abcdefghijklmnopqrstuvwxyz", cp, 16), 16);
    assert_int_equal(ev_normalize(NULL, cp, 16), 0);
}

static void test_levenshtein(void **state)
{
    (void)state;
    uint32_t a[8], b[8];
    size_t la = ev_normalize("kitten", a, 8), lb = ev_normalize("sitting", b, 8);
    assert_int_equal(ev_levenshtein(a, la, b, lb, 10), 3);
    assert_int_equal(ev_levenshtein(a, la, b, lb, 2), 3); /* past the limit: limit + 1 */
    assert_int_equal(ev_levenshtein(a, la, a, la, 0), 0);
    assert_int_equal(ev_levenshtein(a, 0, b, lb, 10), 7);
}

/* Names of 100 000 characters are compared on their first 256 code points: bounded
 * time and no stack or heap growth with the input. */
static void test_huge_names(void **state)
{
    (void)state;
    size_t n = 100000;
    char *x = malloc(n + 1), *y = malloc(n + 1);
    assert_non_null(x);
    assert_non_null(y);
    memset(x, 'a', n);
    memset(y, 'a', n);
    x[n] = y[n] = '\0';
    y[n - 1] = 'b'; /* differs only past the cap */
    assert_f1(ev_similarity(x, y), 1.0);
    tt_doc g = {0}, p = {0};
    for (int i = 0; i < 50; i++) {
        add(&g, MON, x, H(9, 0), H(10, 0));
        add(&p, MON, y, H(9, 0), H(10, 0));
    }
    ev_counts c = score(&g, &p);
    assert_int_equal(c.name_tp, 50);
    free(x);
    free(y);
    tt_doc_free(&g);
    tt_doc_free(&p);
}

/* 1100 x 1100 identical names on one day are 1.2 M candidate pairs: refused, cleanly. */
static void test_hostile_refused(void **state)
{
    (void)state;
    tt_doc g = {0}, p = {0};
    for (int i = 0; i < 1100; i++) {
        add(&g, MON, "x", H(9, 0), H(10, 0));
        add(&p, MON, "x", H(9, 0), H(10, 0));
    }
    ev_counts c = {.gold = 99};
    ap_error err = {0};
    assert_int_equal(ev_score_doc(&g, &p, &c, &err), AP_ERR_TOO_LARGE);
    assert_int_equal(c.gold, 0);
    assert_non_null(strstr(err.msg, "candidate pairs"));
    tt_doc_free(&g);
    tt_doc_free(&p);
}

static void test_f1_helper(void **state)
{
    (void)state;
    assert_f1(ev_f1(0, 0, 0), 1.0);
    assert_f1(ev_f1(0, 5, 0), 0.0);
    assert_f1(ev_f1(3, 4, 5), 6.0 / 9);
}

/* The day words every reader shares (timetable.c). */
static void test_day_words(void **state)
{
    (void)state;
    static const struct {
        const char *word;
        int day;
    } cases[] = {{"Monday", 0}, {"MON", 0},    {"tues", 1},        {"Tue", 1},
                 {"Weds", 2},   {"wed", 2},    {"Thur", 3},        {"thu", 3},
                 {"THURS", 3},  {"Fri", 4},    {"sat", 5},         {"Sunday", 6},
                 {"Mo", -1},    {"Monda", -1}, {"Wednesdays", -1}, {"", -1}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        assert_int_equal(tt_day_from_word(cases[i].word, strlen(cases[i].word)), cases[i].day);
    assert_true(tt_text_names_day("Week 1: Mon-Fri", 15));
    assert_true(tt_text_names_day("THURSDAY", 8));
    assert_false(tt_text_names_day("Monument", 8));
    assert_false(tt_text_names_day("Maths 9:00", 10));
    assert_false(tt_text_names_day("Mon", 2)); /* reads len bytes only */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_day_words),
        cmocka_unit_test(test_exact_match),
        cmocka_unit_test(test_wrong_time),
        cmocka_unit_test(test_similarity_boundary),
        cmocka_unit_test(test_duplicates_on_a_day),
        cmocka_unit_test(test_greedy_similarity_first),
        cmocka_unit_test(test_other_day_never_matches),
        cmocka_unit_test(test_null_end),
        cmocka_unit_test(test_pooled_vs_per_document),
        cmocka_unit_test(test_empty),
        cmocka_unit_test(test_meta),
        cmocka_unit_test(test_normalize_utf8),
        cmocka_unit_test(test_levenshtein),
        cmocka_unit_test(test_huge_names),
        cmocka_unit_test(test_hostile_refused),
        cmocka_unit_test(test_f1_helper),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Proves: the header-field reader (document/header.h) on the wordings teachers print above
 * and below a timetable: labelled fields with the usual other label names, a year inside
 * a labelled value, labels run together on one line; unlabelled wordings joined by any of
 * the usual separators, over one line or several, in any order, with honorifics, year
 * groups, named classes, class codes, seasons with numbers or term words, numbered and
 * ordinal terms, academic years and dates; the lines holding the most fields winning over
 * stray mentions (a note "with Mrs Patel"); fields already set are kept. And what must
 * not be read: school names with a season in them, titles ("Class Timetable", "Term
 * Dates"), a lone name with nothing beside it, times, a room. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "document/header.h"

typedef struct hcase {
    const char *text;
    const char *teacher, *class_name, *term;
    int year;
} hcase;

static void check(const hcase *c)
{
    tt_doc doc = {0};
    assert_int_equal(tt_header_fields(c->text, &doc), AP_OK);
    const char *got[3] = {doc.teacher, doc.class_name, doc.term};
    const char *want[3] = {c->teacher, c->class_name, c->term};
    static const char *const names[3] = {"teacher", "class", "term"};
    for (int f = 0; f < 3; f++) {
        if ((got[f] == NULL) != (want[f] == NULL) || (got[f] && strcmp(got[f], want[f]) != 0))
            fail_msg("\"%s\": %s is \"%s\", want \"%s\"", c->text, names[f],
                     got[f] ? got[f] : "(none)", want[f] ? want[f] : "(none)");
    }
    if (doc.year != c->year) fail_msg("\"%s\": year is %d, want %d", c->text, doc.year, c->year);
    tt_doc_free(&doc);
}

static void test_labelled(void **state)
{
    (void)state;
    static const hcase cases[] = {
        {"Class:  2EJ      Term: Autumn 2 2024      Teacher: Miss Joynes", "Miss Joynes", "2EJ",
         "Autumn 2", 2024},
        /* a reader that drops the gaps between labels */
        {"Class: 2EJ Term: Autumn 2 2024 Teacher: Miss Joynes", "Miss Joynes", "2EJ", "Autumn 2",
         2024},
        {"Teacher: Mr Ahmed  |  Class: 4B\nSpring 1, 2025", "Mr Ahmed", "4B", "Spring 1", 2025},
        {"Class Teacher: Mrs K. Lee\nForm: 7R\nSemester: Fall\nAcademic Year: 2023/24",
         "Mrs K. Lee", "7R", "Fall", 2023},
        {"Form Tutor : Mr Bell · Tutor Group : 10X2", "Mr Bell", "10X2", NULL, 0},
        {"TEACHER: MS GREEN    CLASS: 5G    TERM: SUMMER 2", "MS GREEN", "5G", "SUMMER 2", 0},
        {"Grade: 3\nHomeroom: Room 12", NULL, "3", NULL, 0},
        {"Year: 2022", NULL, NULL, NULL, 2022},
        {"Year: 4", NULL, "Year 4", NULL, 0},
        {"Name: Jo Smith   Class: Hedgehogs", NULL, "Hedgehogs", NULL, 0},
        /* a label wins over an unlabelled wording earlier on the page */
        {"Mr Stone · Year 6\nTeacher: Mrs Hall", "Mrs Hall", "Year 6", NULL, 0},
        /* a label alone on its line: its value is the next line (two cells, or OCR) */
        {"Teacher:\nMrs Hall\nCLASS;\n4B", "Mrs Hall", "4B", NULL, 0},
        {"Teacher:\nClass: 3P", NULL, "3P", NULL, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
        check(&cases[i]);
}

static void test_unlabelled(void **state)
{
    (void)state;
    static const hcase cases[] = {
        {"Year 3 · Mr Taylor · Autumn 1 2023", "Mr Taylor", "Year 3", "Autumn 1", 2023},
        {"2EJ · Miss Joynes · Summer Term 2023", "Miss Joynes", "2EJ", "Summer Term", 2023},
        {"Maple · Miss Joynes · Summer Term 2023", "Miss Joynes", "Maple", "Summer Term", 2023},
        {"Miss Joynes – 2EJ\nAutumn 2 2024", "Miss Joynes", "2EJ", "Autumn 2", 2024},
        {"Ms Nowak – Oak Class\nAutumn Term 2019", "Ms Nowak", "Oak Class", "Autumn Term", 2019},
        {"Dr Hughes\nTerm 2", "Dr Hughes", NULL, "Term 2", 0},
        {"Greenwood Academy\nR1\nAutumn Term 2024", NULL, "R1", "Autumn Term", 2024},
        {"Weekly Timetable | Mrs O’Brien | Year 5 | Spring 2", "Mrs O’Brien", "Year 5", "Spring 2",
         0},
        {"Mr. J. Smith - Grade 4 - Fall 2022", "Mr. J. Smith", "Grade 4", "Fall", 2022},
        {"Mrs Smith's Class Timetable, Winter Semester 2021-22", "Mrs Smith", NULL,
         "Winter Semester", 2021},
        {"Y6 Timetable\nMiss Ward\nHalf Term 3", "Miss Ward", "Y6", "Half Term 3", 0},
        {"Yr3/4 with Mr Fox", "Mr Fox", "Yr3/4", NULL, 0},
        {"Reception Class — Mrs Patel — Spring Half Term 1", "Mrs Patel", "Reception Class",
         "Spring Half Term 1", 0},
        {"Timetable for Class 5, Mr Chen, 2nd Term", "Mr Chen", "Class 5", "2nd Term", 0},
        {"Yr 5/6 • Ms Begum • Term One • 12/09/2024", "Ms Begum", "Yr 5/6", "Term One", 2024},
        {"Mx Rivera  Kingfishers  Summer 2", "Mx Rivera", "Kingfishers", "Summer 2", 0},
        {"3/4K / Mr Okafor / Trimester II", "Mr Okafor", "3/4K", "Trimester II", 0},
        /* the line with the most fields is the header; a note elsewhere is not */
        {"Reading with Mrs Patel\nOakfield Primary School\n6H · Mr Kowalski · Spring Term 2026",
         "Mr Kowalski", "6H", "Spring Term", 2026},
        /* separators as OCR reads them: a colon, a dash that lost a space, none at all */
        {"6H: Ms O'Brien : Term 2 2022", "Ms O'Brien", "6H", "Term 2", 2022},
        {"2EJ - Ms Joynes -Summer 1 2022", "Ms Joynes", "2EJ", "Summer 1", 2022},
        {"1A- Term 2 2023", NULL, "1A", "Term 2", 2023},
        {"6H Dr Nowak\nSpring 2 2019", "Dr Nowak", "6H", "Spring 2", 2019},
        /* a small middle dot read as '+' or '*' */
        {"2EJ + Mrs Nowak + Spring 2 2022", "Mrs Nowak", "2EJ", "Spring 2", 2022},
        {"4B * Mr Ahmed * Autumn 1", "Mr Ahmed", "4B", "Autumn 1", 0},
        /* fields printed apart on one line, joined by the raster reader with two spaces */
        {"Class: 6H  Term: Autumn 2 2019  Teacher: Mrs Kowalski", "Mrs Kowalski", "6H", "Autumn 2",
         2019},
        {"Mrs A Smith-Jones\nRoom 12 Mr Khan", "Mrs A Smith-Jones", NULL, NULL, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
        check(&cases[i]);
}

static void test_not_fields(void **state)
{
    (void)state;
    static const hcase cases[] = {
        {"Summer Hill Primary School", NULL, NULL, NULL, 0},
        {"Springfield Elementary", NULL, NULL, NULL, 0},
        {"Class Timetable", NULL, NULL, NULL, 0},
        {"Term Dates", NULL, NULL, NULL, 0},
        {"Our Class", NULL, NULL, NULL, 0},
        {"Little Acorns Nursery School", NULL, NULL, NULL, 0},
        /* a name or a code alone, with nothing beside it to say what it is */
        {"Hillcrest", NULL, NULL, NULL, 0},
        {"B12", NULL, NULL, NULL, 0},
        {"Daily Schedule—\nMonday, Tuesday, Thursday", NULL, NULL, NULL, 0},
        {"8:35 – 8.50 am | 9:00am | 10AM", NULL, NULL, NULL, 0},
        {"Year A", NULL, NULL, NULL, 0},
        {"miss the bus · Mrs", NULL, NULL, NULL, 0},
        {"Room 12 in the library", NULL, NULL, NULL, 0},
        {"Call 01234 567890", NULL, NULL, NULL, 0},
        {"", NULL, NULL, NULL, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
        check(&cases[i]);
}

/* Fields the document already holds stay; only the missing ones are read. */
static void test_keeps_set_fields(void **state)
{
    (void)state;
    tt_doc doc = {0};
    assert_int_equal(tt_set_str(&doc.teacher, "Miss Joynes"), AP_OK);
    doc.year = 2020;
    assert_int_equal(tt_header_fields("Mr Taylor · Year 3 · Autumn 1 2023", &doc), AP_OK);
    assert_string_equal(doc.teacher, "Miss Joynes");
    assert_string_equal(doc.class_name, "Year 3");
    assert_string_equal(doc.term, "Autumn 1");
    assert_int_equal(doc.year, 2020);
    tt_doc_free(&doc);
}

/* Bounded input: a line far past the line bound, many lines, separators only. */
static void test_bounds(void **state)
{
    (void)state;
    size_t n = 64 * 1024;
    char *big = malloc(n + 1);
    assert_non_null(big);
    for (size_t i = 0; i < n; i++)
        big[i] = i % 7 == 6 ? ' ' : i % 97 == 0 ? '\n' : "Mr|·2024"[i % 8];
    big[n] = '\0';
    tt_doc doc = {0};
    assert_int_equal(tt_header_fields(big, &doc), AP_OK);
    tt_doc_free(&doc);
    memset(big, '|', n);
    memcpy(big + n - 40, "Teacher: Mr Long", 16);
    doc = (tt_doc){0};
    assert_int_equal(tt_header_fields(big, &doc), AP_OK);
    assert_null(doc.teacher); /* past the line bound */
    tt_doc_free(&doc);
    free(big);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_labelled),   cmocka_unit_test(test_unlabelled),
        cmocka_unit_test(test_not_fields), cmocka_unit_test(test_keeps_set_fields),
        cmocka_unit_test(test_bounds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

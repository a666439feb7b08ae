/* Proves: how a raster cell's OCR lines split into a name and notes
 * (document/interpret_cell.c, document/grid.c): a line a little smaller and a little
 * lighter or tinted than the title is the notes while a title's second line that is only
 * a little smaller stays in the name; a line naming a person or a room is the notes
 * whatever its size; a much smaller lower-case line under a full-width title is a note,
 * not a word's tail; a '(' line in the title's size that nearly fills the cell as
 * measured is part of the name; pieces of a broken time are taken out of the name; a
 * word hyphenated at a line's end is joined again; a name read two times over (a cell
 * covering two cells of one lesson) is said once. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "document/grid.h"
#include "document/interpret_internal.h"

int it_line_names_person_or_room(const char *text); /* TESTABLE */
void it_strip_time_debris(char *name);              /* TESTABLE */
void it_collapse_repeat(char *name);                /* TESTABLE */

typedef struct line_spec {
    const char *text;
    float height, width;
    unsigned rgb; /* measured ink; 0: unknown */
} line_spec;

/* Reads a cell of OCR lines (no exact sizes) and checks its name and notes (NULL: none). */
static void expect_cell(const line_spec *lines, size_t n, const char *name, const char *notes)
{
    tt_cell c = {0};
    c.nrows = c.ncols = 1;
    c.confidence = 95;
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(
            tt_lines_add(&c.lines, &c.nlines, lines[i].text, 95, lines[i].height, lines[i].width),
            AP_OK);
        if (lines[i].rgb) c.lines[i].ink = TT_INK_KNOWN | lines[i].rgb;
    }
    it_cell ci;
    assert_int_equal(it_read_cell(&c, &ci), AP_OK);
    if (strcmp(ci.name, name) != 0) fail_msg("name '%s', want '%s'", ci.name, name);
    if (!notes && ci.notes) fail_msg("notes '%s', want none", ci.notes);
    if (notes && (!ci.notes || strcmp(ci.notes, notes) != 0))
        fail_msg("notes '%s', want '%s'", ci.notes ? ci.notes : "(none)", notes);
    free(ci.name);
    free(ci.notes);
    tt_lines_free(c.lines, c.nlines);
}

static void test_person_or_room(void **state)
{
    (void)state;
    static const char *const yes[] = {"Mr Khan",    "Mrs Evans",    "with Mrs Patel",
                                      "Dr. Okafor", "Miss J Smith", "Room 12",
                                      "Rm B4",      "ROOM 3",       "Rm. 101"};
    static const char *const no[] = {"Maths",
                                     "Mr",
                                     "Mrs evans",
                                     "Room for Improvement",
                                     "Mr Men Stories Book Club",
                                     "Group A",
                                     "in the library",
                                     "Roomy 12",
                                     "Mister Khan",
                                     "Room 1234567"};
    for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++)
        if (!it_line_names_person_or_room(yes[i]))
            fail_msg("'%s' not read as a person or room", yes[i]);
    for (size_t i = 0; i < sizeof no / sizeof no[0]; i++)
        if (it_line_names_person_or_room(no[i])) fail_msg("'%s' read as a person or room", no[i]);
}

static void test_time_debris(void **state)
{
    (void)state;
    static const struct {
        const char *in, *want;
    } cases[] = {
        {"240 PM Drama", "Drama"},
        {"\xe2\x80\x93 10 Cooking", "Cooking"},
        {"Reading \xe2\x80\x93 10", "Reading"},
        {"10:4 0 Show and Tell", "Show and Tell"},
        {"Reading - 10:4", "Reading"},
        {"Maths 9.30 am", "Maths"},
        {"Daily 5: Station 2", "Daily 5: Station 2"}, /* figures between words stay */
        {"Year 6", "Year 6"},                         /* a figure alone after a word stays */
        {"Set 1 2", "Set 1 2"},
        {"12:30", "12:30"}, /* nothing but figures: left as it is */
        {"Maths", "Maths"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char buf[64];
        snprintf(buf, sizeof buf, "%s", cases[i].in);
        it_strip_time_debris(buf);
        if (strcmp(buf, cases[i].want) != 0)
            fail_msg("'%s' -> '%s', want '%s'", cases[i].in, buf, cases[i].want);
    }
}

/* A little smaller and a little lighter (or tinted): the notes. Neither alone is. */
static void test_near_size_notes(void **state)
{
    (void)state;
    const line_spec lighter[] = {{"Library", 28, 0.39f, 0x5f5f5f},
                                 {"PPA cover", 22, 0.38f, 0x848484}};
    expect_cell(lighter, 2, "Library", "PPA cover");
    const line_spec lighter2[] = {{"Intervention", 23, 0.44f, 0x3f3f3f},
                                  {"Group A", 20, 0.25f, 0x676767}};
    expect_cell(lighter2, 2, "Intervention", "Group A");
    const line_spec tinted[] = {{"Music", 24, 0.17f, 0x484864}, {"Group A", 21, 0.2f, 0x545454}};
    expect_cell(tinted, 2, "Music", "Group A");
    /* a title's second line, a little smaller as OCR measures it, in the same ink */
    const line_spec same_ink[] = {{"Specialty", 30, 0.5f, 0x404040},
                                  {"Classes", 26, 0.4f, 0x444444}};
    expect_cell(same_ink, 2, "Specialty Classes", NULL);
    const line_spec grey[] = {{"Lunchtime", 30, 0.12f, 0x010101}, {"Group A", 24, 0.07f, 0x151213}};
    expect_cell(grey, 2, "Lunchtime", "Group A");
    /* 9 levels lighter at 0.87 of the size: within what a title's own lines measure */
    const line_spec nine[] = {{"Morning", 30, 0.6f, 0x303030}, {"Recess", 26, 0.5f, 0x393939}};
    expect_cell(nine, 2, "Morning Recess", NULL);
    /* lighter than the tallest line, but not than the title's other lines: the page's
     * colours wander that much */
    const line_spec wander[] = {{"Early", 25, 0.43f, 0x50708f},
                                {"Morning", 27, 0.77f, 0x3a6080},
                                {"Work", 24, 0.44f, 0x5c7d99}};
    expect_cell(wander, 3, "Early Morning Work", NULL);
    /* darker is no sign of notes: bold or large print measures darker */
    const line_spec darker[] = {{"Handwriting", 30, 0.6f, 0x5a5a5a},
                                {"& Spelling", 26, 0.5f, 0x303030}};
    expect_cell(darker, 2, "Handwriting & Spelling", NULL);
    /* lighter at the title's size: a title line */
    const line_spec same_size[] = {{"Design", 30, 0.5f, 0x303030},
                                   {"Technology", 29, 0.8f, 0x5a5a5a}};
    expect_cell(same_size, 2, "Design Technology", NULL);
}

static void test_person_line_is_notes(void **state)
{
    (void)state;
    const line_spec cell[] = {{"History", 24, 0.26f, 0x2a281e}, {"Mr Khan", 23, 0.25f, 0x28261c}};
    expect_cell(cell, 2, "History", "Mr Khan");
    const line_spec room[] = {{"Topic", 27, 0.07f, 0x888989}, {"Rm 12", 26, 0.09f, 0x888888}};
    expect_cell(room, 2, "Topic", "Rm 12");
    /* the first line is the title even when it names a person */
    const line_spec first[] = {{"Mrs Evans", 28, 0.4f, 0}, {"Maths", 20, 0.3f, 0}};
    expect_cell(first, 2, "Mrs Evans", "Maths");
}

/* "bring kit" much smaller under a title that fills the cell is a note, not the tail of
 * "Vocabulary"; a tail in the title's size still joins. */
static void test_small_line_is_no_word_tail(void **state)
{
    (void)state;
    const line_spec cell[] = {{"Vocabulary", 46, 0.81f, 0x737386},
                              {"bring kit", 30, 0.45f, 0x737386}};
    expect_cell(cell, 2, "Vocabulary", "bring kit");
    const line_spec tail[] = {{"Compr", 33, 0.9f, 0x1b1510}, {"ehension", 25, 0.83f, 0x1b140e}};
    expect_cell(tail, 2, "Comprehension", NULL);
}

/* A '(' line in the title's measured size that the width wrapped is part of the name:
 * OCR's ink stops short of the cell's edge, so a line that nearly fills it did; one that
 * would have fitted after the title, or a smaller one, is the notes. */
static void test_paren_lines(void **state)
{
    (void)state;
    const line_spec same[] = {{"Word Work", 29, 0.5f, 0x403d4c},
                              {"(Phonics)", 29, 0.42f, 0x474653}};
    expect_cell(same, 2, "Word Work (Phonics)", NULL);
    const line_spec chosen[] = {{"English", 29, 0.37f, 0}, {"(Sentence work)", 29, 0.6f, 0}};
    expect_cell(chosen, 2, "English", "(Sentence work)");
    const line_spec smaller[] = {{"Maths", 34, 0.39f, 0}, {"(practical or TTRS)", 21, 0.85f, 0}};
    expect_cell(smaller, 2, "Maths", "(practical or TTRS)");
    /* read by OCR a little under the title's size, in its ink, wrapped by the width */
    const line_spec measured_low[] = {{"Word Work", 34, 0.61f, 0x615325},
                                      {"(Phonics)", 30, 0.47f, 0x5e4f1f}};
    expect_cell(measured_low, 2, "Word Work (Phonics)", NULL);
    /* as low, but the title leaves room for its first word: notes */
    const line_spec roomy[] = {{"Science", 34, 0.3f, 0x615325},
                               {"(bring kit)", 30, 0.4f, 0x5e4f1f}};
    expect_cell(roomy, 2, "Science", "(bring kit)");
    const line_spec between[] = {{"English", 30, 0.36f, 0},
                                 {"(Sentence Stacking 2)", 25, 0.74f, 0}};
    expect_cell(between, 2, "English", "(Sentence Stacking 2)");
}

/* A time OCR broke leaves pieces beside the name: they go. */
static void test_broken_time_left_out(void **state)
{
    (void)state;
    const line_spec cell[] = {{"2.25 PM~240 PM", 24, 0.29f, 0x564419},
                              {"Drama", 27, 0.11f, 0x5c4a1e}};
    expect_cell(cell, 2, "Drama", NULL);
    const line_spec after[] = {{"Reading", 24, 0.47f, 0x767f73},
                               {"14.45 \xe2\x80\x93 10", 20, 0.64f, 0x77633c}};
    expect_cell(after, 2, "Reading", NULL);
    /* no time in the cell: a figure is the name's */
    const line_spec none[] = {{"Daily 5:", 30, 0.5f, 0}, {"Station 2", 30, 0.58f, 0}};
    expect_cell(none, 2, "Daily 5: Station 2", NULL);
}

/* A word hyphenated at the line's end is one word again, without its hyphen; a hyphen
 * after a word that the next line does not go on with stays. */
static void test_hyphenated_words(void **state)
{
    (void)state;
    const line_spec cell[] = {
        {"Gr-", 30, 0.3f, 0x1a130c}, {"am-", 29, 0.5f, 0x160f09}, {"mar", 30, 0.5f, 0x0e0703}};
    expect_cell(cell, 3, "Grammar", NULL);
    const line_spec two[] = {{"Studi-", 30, 0.83f, 0x0f0904}, {"es", 26, 0.27f, 0x140d08}};
    expect_cell(two, 2, "Studies", NULL);
    const line_spec upper[] = {{"Science -", 30, 0.6f, 0}, {"Biology", 30, 0.6f, 0}};
    expect_cell(upper, 2, "Science - Biology", NULL);
    /* a much smaller line is no half of the title's word */
    const line_spec small[] = {{"Art-", 30, 0.3f, 0}, {"bring kit", 18, 0.5f, 0}};
    expect_cell(small, 2, "Art", "bring kit");
}

/* One phrase said two times or more is said once; a word or phrase said once, or words
 * that only start alike, are left alone. */
static void test_repeated_name(void **state)
{
    (void)state;
    static const struct {
        const char *in, *want;
    } cases[] = {
        {"RE RE", "RE"},
        {"Morning Recess Morning Recess", "Morning Recess"},
        {"Snack snack", "Snack"},
        {"Register Register Register Register Register", "Register"},
        {"Maths", "Maths"},
        {"Maths Meeting Maths", "Maths Meeting Maths"},
        {"Daily 5: Station 2", "Daily 5: Station 2"},
        {"RE REx", "RE REx"},
        {"", ""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char buf[64];
        snprintf(buf, sizeof buf, "%s", cases[i].in);
        it_collapse_repeat(buf);
        if (strcmp(buf, cases[i].want) != 0)
            fail_msg("'%s' -> '%s', want '%s'", cases[i].in, buf, cases[i].want);
    }
    /* the lines of a cell that covers two rows of one lesson */
    const line_spec two_rows[] = {{"Gymnastics", 30, 0.5f, 0x303030},
                                  {"Gymnastics", 30, 0.5f, 0x303030}};
    expect_cell(two_rows, 2, "Gymnastics", NULL);
}

/* A break printed in each day's part of one merged cell reads as its name over and over,
 * with rules read as '|' between the copies: the name once. A name that only shares a
 * word with itself, stays. */
static void test_repeated_phrase(void **state)
{
    (void)state;
    static const struct {
        const char *in, *want;
    } cases[] = {
        {"Morning Recess | Morning Recess | Morning Recess", "Morning Recess"},
        {"Recess ; | Recess | Recess | 3", "Recess"},
        {"Snack Snack", "Snack"},
        {"Word Work (Phonics) Word Work (Phonics)", "Word Work (Phonics)"},
        {"Daily 5: Station 1 Daily 5: Station 1", "Daily 5: Station 1"},
        {"Mental Maths Maths", "Mental Maths Maths"},
        {"Group A Group B", "Group A Group B"},
        {"Maths", "Maths"},
        {"A A", "A"},
        {"", ""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char buf[128];
        snprintf(buf, sizeof buf, "%s", cases[i].in);
        it_collapse_repeat(buf);
        if (strcmp(buf, cases[i].want) != 0)
            fail_msg("'%s' -> '%s', want '%s'", cases[i].in, buf, cases[i].want);
    }
    const line_spec band[] = {{"Lunch | Lunch |", 30, 0.6f, 0}, {"Lunch", 30, 0.2f, 0}};
    expect_cell(band, 2, "Lunch", NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_person_or_room),
        cmocka_unit_test(test_time_debris),
        cmocka_unit_test(test_near_size_notes),
        cmocka_unit_test(test_person_line_is_notes),
        cmocka_unit_test(test_small_line_is_no_word_tail),
        cmocka_unit_test(test_paren_lines),
        cmocka_unit_test(test_broken_time_left_out),
        cmocka_unit_test(test_hyphenated_words),
        cmocka_unit_test(test_repeated_name),
        cmocka_unit_test(test_repeated_phrase),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

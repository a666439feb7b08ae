/* header: header fields from the text outside the grid (see header.h).
 *
 * Each line is read on its own into a hline:
 *   1. labels ("Teacher:", "Class Teacher :", "Term:") take the value after the colon, up
 *      to the next label or separator; a year inside a value is the year, and the value
 *      ends before it ("Term: Autumn 2 2024" is term "Autumn 2", year 2024);
 *   2. the rest is cut into segments at separators (· • | ; , – — a spaced dash, a gap of
 *      two spaces or a tab) and segments into words; within a segment, words not yet
 *      taken are matched in turn for a teacher, a year, a term and a class;
 *   3. a line that holds a teacher or a term and exactly one untouched segment that is a
 *      short code ("2EJ", "3/4K") or one or two capitalised words ("Maple") gives that
 *      segment as the class: the other thing such a line names.
 * Then each field of the document comes from the first line that labels it, else from the
 * line holding the most fields, the first of those. Nothing here names a school: the
 * vocabulary is the one of school timetables in English (honorifics, seasons, term and
 * year-group words, and the words of a title that are never a name). */
#include "document/header.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum { F_TEACHER, F_CLASS, F_TERM, F_YEAR, F_NONE };

typedef struct hline {
    char *val[3];              /* teacher, class, term as printed (malloc'd), or NULL */
    int year;                  /* 0 when none */
    unsigned labelled;         /* 1u << field: the field came from a label */
    int found;                 /* fields the line gives */
    size_t code_from, code_to; /* the line is one class code and nothing else ("2EJ") */
} hline;

typedef struct word {
    size_t from, to; /* the word without surrounding punctuation: "(2024)," is 2024 */
    int seg;         /* index of its segment in the line */
    int used;        /* taken by a label or a field */
} word;

#define MAX_WORDS 96

/* ---- vocabulary ---- */

static const char *const honorifics[] = {
    "mr",   "mrs",   "ms",     "miss",     "mx",   "dr",   "prof", "sir", "dame", "mme",
    "mlle", "madam", "madame", "monsieur", "herr", "frau", "sr",   "sra", "srta", "rev"};
static const char *const seasons[] = {"autumn", "spring", "summer", "fall", "winter"};
static const char *const term_words[] = {"term",    "semester",  "trimester",
                                         "quarter", "half-term", "halfterm"};
static const char *const numbers[] = {"one", "two", "three", "four", "five", "six",
                                      "i",   "ii",  "iii",   "iv",   "v",    "vi"};
static const char *const ordinals[] = {"1st",   "2nd",    "3rd",   "4th",    "5th",   "6th",
                                       "first", "second", "third", "fourth", "fifth", "sixth"};
static const char *const year_groups[] = {"year", "yr", "grade", "class", "form", "group", "set"};
static const char *const early_years[] = {"reception", "nursery",   "kindergarten",
                                          "pre-k",     "preschool", "pre-school"};
/* Words of a title or a heading that never make a person's or a class's name. */
static const char *const stop_words[] = {
    "year",     "yr",       "class",     "form",      "grade",     "group",        "set",
    "term",     "semester", "trimester", "quarter",   "half",      "autumn",       "spring",
    "summer",   "fall",     "winter",    "timetable", "schedule",  "week",         "weekly",
    "daily",    "school",   "primary",   "academy",   "college",   "elementary",   "infant",
    "infants",  "junior",   "juniors",   "nursery",   "reception", "kindergarten", "teacher",
    "teachers", "room",     "and",       "the",       "of",        "for",          "our",
    "my",       "your",     "this",      "page",      "date",      "dates",        "updated",
    "lesson",   "lessons",  "plan",      "overview",  "calendar",  "day",          "days",
    "time",     "times",    "am",        "pm",        "monday",    "tuesday",      "wednesday",
    "thursday", "friday",   "saturday",  "sunday",    "mon",       "tue",          "tues",
    "wed",      "thu",      "thur",      "thurs",     "fri",       "sat",          "sun",
    "break",    "lunch",    "key",       "notes",     "name",      "subject",      "subjects"};

typedef struct label {
    const char *text; /* lower case, words joined by one space */
    int field;
} label;

/* Longer labels first where one begins another ("class teacher" before "class"). */
static const label labels[] = {
    {"class teacher", F_TEACHER},
    {"form tutor", F_TEACHER},
    {"teacher name", F_TEACHER},
    {"teacher", F_TEACHER},
    {"tutor group", F_CLASS},
    {"tutor", F_TEACHER},
    {"staff", F_TEACHER},
    {"instructor", F_TEACHER},
    {"class name", F_CLASS},
    {"year group", F_CLASS},
    {"class", F_CLASS},
    {"form", F_CLASS},
    {"group", F_CLASS},
    {"grade", F_CLASS},
    {"homeroom", F_CLASS},
    {"half term", F_TERM},
    {"term", F_TERM},
    {"semester", F_TERM},
    {"trimester", F_TERM},
    {"academic year", F_YEAR},
    {"school year", F_YEAR},
    {"year", F_YEAR},
    {"name", F_NONE},
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static int word_eq(const char *s, const word *w, const char *lower)
{
    size_t len = w->to - w->from;
    return strlen(lower) == len && strncasecmp(s + w->from, lower, len) == 0;
}

static int word_is(const char *s, const word *w, const char *const *list, size_t n)
{
    size_t len = w->to - w->from;
    for (size_t k = 0; k < n; k++)
        if (strlen(list[k]) == len && strncasecmp(s + w->from, list[k], len) == 0) return 1;
    return 0;
}

/* ---- separators and words ---- */

/* Length of the separator at s[i], or 0: | ; , tab, a middle dot, a bullet, an en or em
 * dash, a colon before a space (labels are read first), a dash with a space on either
 * side (OCR drops one: "1A- Term 2", "Joynes -Summer 1"), a slash with a space on each
 * side, a '+' or '*' with a space on each side (OCR's reading of a small middle dot or
 * bullet), two spaces or more. */
static size_t sep_at(const char *s, size_t i, size_t len)
{
    unsigned char c = (unsigned char)s[i];
    int space_before = i > 0 && s[i - 1] == ' ', space_after = i + 1 < len && s[i + 1] == ' ';
    if (c == '|' || c == ';' || c == ',' || c == '\t') return 1;
    if (c == ' ' && i + 1 < len && s[i + 1] == ' ') {
        size_t k = i;
        while (k < len && s[k] == ' ')
            k++;
        return k - i;
    }
    if (c == ':' && (i + 1 == len || space_after)) return 1;
    if (c == '-' && (space_before || space_after) && i > 0 && i + 1 < len) return 1;
    if ((c == '/' || c == '+' || c == '*') && space_before && space_after) return 1;
    if (c == 0xc2 && i + 1 < len && (unsigned char)s[i + 1] == 0xb7) return 2;
    if (c == 0xe2 && i + 2 < len && (unsigned char)s[i + 1] == 0x80) {
        unsigned char d = (unsigned char)s[i + 2];
        if (d == 0xa2 || d == 0x93 || d == 0x94) return 3;
    }
    return 0;
}

/* Words of s[0, len) with their segments; at most max. */
static size_t split_words(const char *s, size_t len, word *w, size_t max)
{
    size_t n = 0;
    int seg = 0;
    for (size_t i = 0; i < len;) {
        size_t sl = sep_at(s, i, len);
        if (sl) {
            seg++;
            i += sl;
            continue;
        }
        if (s[i] == ' ') {
            i++;
            continue;
        }
        size_t j = i;
        while (j < len && s[j] != ' ' && !sep_at(s, j, len))
            j++;
        size_t a = i, z = j;
        while (a < z && strchr("([{\"'*", s[a]))
            a++;
        while (z > a && strchr(".,;:)]}\"'!?*", s[z - 1]))
            z--;
        if (z > a && n < max) w[n++] = (word){.from = a, .to = z, .seg = seg};
        i = j;
    }
    return n;
}

static int is_stop_word(const char *s, const word *w)
{
    return word_is(s, w, stop_words, COUNT(stop_words));
}

/* A word that can be part of a name: capitalised (or a letter outside ASCII), letters,
 * apostrophes, hyphens and dots only ("O’Brien", "Smith-Jones", "J."), no title word. */
static int is_name_word(const char *s, const word *w)
{
    unsigned char c0 = (unsigned char)s[w->from];
    if (!(isupper(c0) || c0 >= 0xc3)) return 0;
    for (size_t i = w->from; i < w->to; i++) {
        unsigned char c = (unsigned char)s[i];
        if (!(isalpha(c) || c == '\'' || c == '-' || c == '.' || c >= 0x80)) return 0;
    }
    return !is_stop_word(s, w);
}

/* Length of w without a possessive "'s" / "’s" ending ("Mrs Smith's class"). */
static size_t unpossessed_end(const char *s, const word *w)
{
    size_t len = w->to - w->from;
    if (len > 2 && s[w->to - 1] == 's' && s[w->to - 2] == '\'') return w->to - 2;
    if (len > 4 && s[w->to - 1] == 's' && (unsigned char)s[w->to - 2] == 0x99 &&
        (unsigned char)s[w->to - 3] == 0x80 && (unsigned char)s[w->to - 4] == 0xe2)
        return w->to - 4;
    return w->to;
}

/* The year a word is (four digits 19xx or 20xx, possibly an academic year "2023/24",
 * "2023-2024" or a date "12/09/2024" ending in one), or 0. */
static int year_of(const char *s, const word *w)
{
    for (size_t i = w->from; i + 4 <= w->to; i++) {
        if (i > w->from && isalnum((unsigned char)s[i - 1])) continue;
        if (i + 4 < w->to && isalnum((unsigned char)s[i + 4])) continue;
        const char *p = s + i;
        if (!((p[0] == '1' && p[1] == '9') || (p[0] == '2' && p[1] == '0'))) continue;
        if (!isdigit((unsigned char)p[2]) || !isdigit((unsigned char)p[3])) continue;
        return (p[0] - '0') * 1000 + (p[1] - '0') * 100 + (p[2] - '0') * 10 + (p[3] - '0');
    }
    return 0;
}

/* A term's number: 1..12, one..six, i..vi. */
static int is_term_number(const char *s, const word *w)
{
    size_t len = w->to - w->from;
    if (len >= 1 && len <= 2 && isdigit((unsigned char)s[w->from]) &&
        (len == 1 || isdigit((unsigned char)s[w->from + 1]))) {
        int v = atoi(s + w->from);
        return v >= 1 && v <= 12;
    }
    return word_is(s, w, numbers, COUNT(numbers));
}

/* A class code: up to 6 characters of letters, digits, '/', '-' that hold a digit or are
 * capitals ("2EJ", "4B", "R1", "3/4K", "5-6", "R", "EJ"), and not a time ("9am"). */
static int is_class_code(const char *s, const word *w)
{
    size_t len = w->to - w->from;
    int digits = 0, lower = 0;
    if (len == 0 || len > 6) return 0;
    for (size_t i = w->from; i < w->to; i++) {
        unsigned char c = (unsigned char)s[i];
        if (!(isalnum(c) || c == '/' || c == '-')) return 0;
        digits += isdigit(c) != 0;
        lower += islower(c) != 0;
    }
    if (lower) return 0;
    if (len >= 3 && isdigit((unsigned char)s[w->to - 3]) &&
        (strncasecmp(s + w->to - 2, "am", 2) == 0 || strncasecmp(s + w->to - 2, "pm", 2) == 0))
        return 0;
    return digits > 0 || len <= 4;
}

/* ---- fields of one segment: words [a, b) ---- */

typedef struct found {
    size_t from, to; /* bytes of the line */
} found;

static int next_free(const word *w, size_t i, size_t b)
{
    return i < b && !w[i].used;
}

/* An honorific and one to three name words: "Mr Taylor", "Mrs J. O’Brien". */
static int find_teacher(const char *s, word *w, size_t a, size_t b, found *f)
{
    for (size_t i = a; i + 1 < b; i++) {
        if (w[i].used || !isupper((unsigned char)s[w[i].from]) ||
            !word_is(s, &w[i], honorifics, COUNT(honorifics)))
            continue;
        size_t j = i + 1, end = 0;
        while (j < b && j <= i + 3 && next_free(w, j, b) && is_name_word(s, &w[j])) {
            end = unpossessed_end(s, &w[j]);
            j++;
            if (end != w[j - 1].to) break; /* "Smith's": the name ends here */
        }
        if (j == i + 1) continue;
        for (size_t k = i; k < j; k++)
            w[k].used = 1;
        *f = (found){w[i].from, end};
        return 1;
    }
    return 0;
}

static int find_year(const char *s, word *w, size_t a, size_t b, int *year)
{
    for (size_t i = a; i < b; i++) {
        int y = w[i].used ? 0 : year_of(s, &w[i]);
        if (!y) continue;
        w[i].used = 1;
        *year = y;
        return 1;
    }
    return 0;
}

/* "Autumn", "Autumn 2", "Summer Term", "Spring Half Term 1", "Term 3", "Semester II",
 * "2nd Term". A season alone is a term only at its segment's end ("Summer Hill" is a
 * place); a term word needs a number or an ordinal ("Term Dates" is none). */
static int find_term(const char *s, word *w, size_t a, size_t b, found *f)
{
    for (size_t i = a; i < b; i++) {
        if (w[i].used) continue;
        size_t j = i + 1;
        int ok = 0;
        if (word_is(s, &w[i], seasons, COUNT(seasons))) {
            if (next_free(w, j, b) && next_free(w, j + 1, b) && word_eq(s, &w[j], "half") &&
                word_eq(s, &w[j + 1], "term"))
                j += 2;
            else if (next_free(w, j, b) && word_is(s, &w[j], term_words, COUNT(term_words)))
                j++;
            if (next_free(w, j, b) && is_term_number(s, &w[j])) j++;
            ok = j > i + 1;
            if (!ok) { /* nothing left in the segment after the season */
                ok = 1;
                for (size_t k = j; k < b; k++)
                    ok &= w[k].used;
            }
        } else {
            int ordinal = word_is(s, &w[i], ordinals, COUNT(ordinals));
            size_t t = ordinal ? i + 1 : i;
            if (next_free(w, t, b) && next_free(w, t + 1, b) && word_eq(s, &w[t], "half") &&
                word_eq(s, &w[t + 1], "term"))
                j = t + 2;
            else if (next_free(w, t, b) && word_is(s, &w[t], term_words, COUNT(term_words)))
                j = t + 1;
            else
                continue;
            if (next_free(w, j, b) && is_term_number(s, &w[j]))
                j++, ok = 1;
            else
                ok = ordinal;
        }
        if (!ok) continue;
        for (size_t k = i; k < j; k++)
            w[k].used = 1;
        *f = (found){w[i].from, w[j - 1].to};
        return 1;
    }
    return 0;
}

/* A year group written as one word: "Y6", "Yr3", "Year5", "Y5/6". */
static int is_joined_year_group(const char *s, const word *w)
{
    size_t i = w->from, len = w->to - w->from;
    if (len < 2 || len > 8 || s[i] != 'Y') return 0;
    if (len > 4 && strncasecmp(s + i, "year", 4) == 0)
        i += 4;
    else if (len > 2 && strncasecmp(s + i, "yr", 2) == 0)
        i += 2;
    else
        i += 1;
    if (i >= w->to || !isdigit((unsigned char)s[i])) return 0;
    for (; i < w->to; i++)
        if (!isdigit((unsigned char)s[i]) && s[i] != '/' && s[i] != '-') return 0;
    return 1;
}

/* "Year 3", "Yr 5/6", "Y6", "Grade 2", "Class 4B", "Form 7R", "Group A"; "Oak Class"; an
 * early-years class alone ("Reception", "Nursery Class"). */
static int find_class(const char *s, word *w, size_t a, size_t b, found *f)
{
    for (size_t i = a; i < b; i++) {
        if (w[i].used) continue;
        size_t j = 0;
        if (is_joined_year_group(s, &w[i])) {
            j = i + 1;
        } else if (word_is(s, &w[i], year_groups, COUNT(year_groups)) && next_free(w, i + 1, b) &&
                   is_class_code(s, &w[i + 1])) {
            /* "Year R" and "Year 3" are year groups, "Year A" is not */
            int numbered = isdigit((unsigned char)s[w[i + 1].from]) ||
                           (w[i + 1].to - w[i + 1].from == 1 && s[w[i + 1].from] == 'R');
            int year_word = strncasecmp(s + w[i].from, "y", 1) == 0 ||
                            strncasecmp(s + w[i].from, "grade", 5) == 0;
            if (numbered || !year_word) j = i + 2;
        } else if (next_free(w, i + 1, b) && word_eq(s, &w[i + 1], "class") &&
                   is_name_word(s, &w[i])) {
            j = i + 2;
        } else if (word_is(s, &w[i], early_years, COUNT(early_years))) {
            j = i + 1;
            if (next_free(w, j, b) && word_eq(s, &w[j], "class")) j++;
            for (size_t k = j; k < b && j; k++)
                if (!w[k].used) j = 0; /* "Nursery School" is a school */
        }
        if (!j) continue;
        for (size_t k = i; k < j; k++)
            w[k].used = 1;
        *f = (found){w[i].from, w[j - 1].to};
        return 1;
    }
    return 0;
}

/* ---- one line ---- */

static ap_status set_val(hline *h, int field, const char *s, size_t from, size_t to, int labelled)
{
    if (field < 0 || field > F_TERM || h->val[field] || to <= from) return AP_OK;
    if (!(h->val[field] = strndup(s + from, to - from))) return AP_ERR_NOMEM;
    h->found++;
    if (labelled) h->labelled |= 1u << field;
    return AP_OK;
}

static void set_year(hline *h, int year, int labelled)
{
    if (h->year || !year) return;
    h->year = year;
    h->found++;
    if (labelled) h->labelled |= 1u << F_YEAR;
}

/* The label starting at s[i] (a word's start) and followed by a colon, or -1; *after:
 * past the colon. */
static int label_at(const char *s, size_t i, size_t len, size_t *after)
{
    if (i > 0 && isalpha((unsigned char)s[i - 1])) return -1;
    for (size_t k = 0; k < COUNT(labels); k++) {
        size_t n = strlen(labels[k].text);
        if (i + n > len || strncasecmp(s + i, labels[k].text, n) != 0) continue;
        size_t q = i + n;
        if (q < len && isalpha((unsigned char)s[q])) continue;
        while (q < len && s[q] == ' ')
            q++;
        /* OCR reads a colon right after the label as a semicolon ("CLASS;") */
        if (q >= len || !(s[q] == ':' || (s[q] == ';' && q == i + n))) continue;
        *after = q + 1;
        return (int)k;
    }
    return -1;
}

/* Whether line s[0, len) is one label and nothing after it ("Teacher:", "  Class : "). */
static int label_only(const char *s, size_t len)
{
    size_t i = 0, after;
    while (i < len && s[i] == ' ')
        i++;
    if (label_at(s, i, len, &after) < 0) return 0;
    while (after < len && s[after] == ' ')
        after++;
    return after == len;
}

/* Labelled fields of line s[0, len): each value is read and its bytes marked in taken. */
static ap_status read_labels(const char *s, size_t len, unsigned char *taken, hline *h)
{
    for (size_t i = 0; i < len; i++) {
        size_t after;
        int k = label_at(s, i, len, &after);
        if (k < 0) continue;
        size_t v = after;
        while (v < len && s[v] == ' ')
            v++;
        size_t e = v, next;
        while (e < len && !sep_at(s, e, len) &&
               !(s[e - 1] == ' ' && label_at(s, e, len, &next) >= 0))
            e++;
        memset(taken + i, 1, e - i);
        word w[MAX_WORDS];
        size_t n = split_words(s + v, e - v, w, MAX_WORDS);
        size_t vend = n ? v + w[n - 1].to : v;
        int field = labels[k].field;
        for (size_t j = 0; j < n; j++) {
            int y = year_of(s + v, &w[j]);
            if (!y) continue;
            set_year(h, y, 1);
            vend = j ? v + w[j - 1].to : v; /* the value ends before its year */
            break;
        }
        ap_status st = AP_OK;
        if (field == F_YEAR && !h->year && n && isdigit((unsigned char)s[v + w[0].from])) {
            /* "Year: 3" names a year group */
            char buf[64];
            int m = (int)(vend - v - w[0].from);
            if (m > 0 && m < 40) {
                snprintf(buf, sizeof buf, "Year %.*s", m, s + v + w[0].from);
                st = set_val(h, F_CLASS, buf, 0, strlen(buf), 1);
            }
        } else if (field != F_YEAR && field != F_NONE && n) {
            st = set_val(h, field, s, v + w[0].from, vend, 1);
        }
        if (st != AP_OK) return st;
        i = e - 1;
    }
    return AP_OK;
}

/* Whether s[0, n) holds one of the bytes of set. */
static int strpbrk_n(const char *s, size_t n, const char *set)
{
    for (size_t i = 0; i < n; i++)
        if (strchr(set, s[i])) return 1;
    return 0;
}

/* Segment [a, b) of the words, as a whole, is a class by itself: a code or one or two
 * capitalised words, nothing taken from it. */
static int lone_class(const char *s, const word *w, size_t a, size_t b)
{
    if (b - a == 1 && is_class_code(s, &w[a]) &&
        strpbrk_n(s + w[a].from, w[a].to - w[a].from, "0123456789"))
        return 1;
    if (b - a > 2 || w[b - 1].to - w[a].from > 24) return 0;
    for (size_t i = a; i < b; i++)
        if (!is_name_word(s, &w[i]) || memchr(s + w[i].from, '.', w[i].to - w[i].from)) return 0;
    return 1;
}

static ap_status read_line(const char *s, size_t len, hline *h)
{
    unsigned char taken[TT_HEADER_MAX_LINE];
    word w[MAX_WORDS];
    memset(taken, 0, len);
    ap_status st = read_labels(s, len, taken, h);
    if (st != AP_OK) return st;
    size_t n = split_words(s, len, w, MAX_WORDS);
    for (size_t i = 0; i < n; i++)
        w[i].used = taken[w[i].from];
    int lone_seg = -1, lone_count = 0;
    size_t lone_a = 0, lone_b = 0;
    for (size_t a = 0; a < n;) {
        size_t b = a;
        int untouched = 1;
        while (b < n && w[b].seg == w[a].seg)
            untouched &= !w[b++].used;
        found f;
        int year, named = 0; /* a teacher or a term in this segment */
        if (find_teacher(s, w, a, b, &f)) st = set_val(h, F_TEACHER, s, f.from, f.to, 0), named = 1;
        if (find_year(s, w, a, b, &year)) set_year(h, year, 0);
        if (st == AP_OK && find_term(s, w, a, b, &f))
            st = set_val(h, F_TERM, s, f.from, f.to, 0), named = 1;
        if (st == AP_OK && find_class(s, w, a, b, &f)) st = set_val(h, F_CLASS, s, f.from, f.to, 0);
        if (st != AP_OK) return st;
        /* One numbered code left beside a teacher or a term, with no separator between
         * them: "6H Dr Nowak", "4B Autumn 2". */
        size_t left = b, nleft = 0;
        for (size_t i = a; i < b; i++)
            if (!w[i].used) left = i, nleft++;
        if (named && nleft == 1 && is_class_code(s, &w[left]) &&
            strpbrk_n(s + w[left].from, w[left].to - w[left].from, "0123456789") &&
            (st = set_val(h, F_CLASS, s, w[left].from, w[left].to, 0)) != AP_OK)
            return st;
        for (size_t i = a; i < b; i++)
            untouched &= !w[i].used;
        if (untouched && lone_class(s, w, a, b)) {
            lone_count++;
            lone_seg = w[a].seg, lone_a = a, lone_b = b;
        }
        a = b;
    }
    if (lone_count == 1 && lone_seg >= 0 && (h->val[F_TEACHER] || h->val[F_TERM]))
        st = set_val(h, F_CLASS, s, w[lone_a].from, w[lone_b - 1].to, 0);
    if (n == 1 && !h->found && lone_count == 1 && is_class_code(s, &w[0]))
        h->code_from = w[0].from, h->code_to = w[0].to;
    return st;
}

/* ---- the document ---- */

ap_status tt_header_fields(const char *text, tt_doc *doc)
{
    ap_status st = AP_OK;
    hline *lines = calloc(TT_HEADER_MAX_LINES, sizeof *lines);
    const char **starts = calloc(TT_HEADER_MAX_LINES, sizeof *starts);
    char **joined = calloc(TT_HEADER_MAX_LINES, sizeof *joined); /* label lines + values */
    size_t nl = 0;
    if (!lines || !starts || !joined) {
        st = AP_ERR_NOMEM;
        goto out;
    }
    for (const char *p = text; p && *p && nl < TT_HEADER_MAX_LINES;) {
        const char *eol = strchr(p, '\n');
        size_t len = eol ? (size_t)(eol - p) : strlen(p);
        if (len > TT_HEADER_MAX_LINE) len = TT_HEADER_MAX_LINE;
        starts[nl] = p;
        p = eol ? eol + 1 : NULL;
        /* A label alone on its line takes the next line as its value (label and value in
         * two cells of a header table, or OCR's two blocks): "Teacher:" / "Mrs Hall". */
        const char *next = p;
        size_t next_len = next ? strcspn(next, "\n") : 0;
        if (next_len && next_len + len < TT_HEADER_MAX_LINE && label_only(starts[nl], len)) {
            if (!(joined[nl] = malloc(len + next_len + 2))) {
                st = AP_ERR_NOMEM;
                goto out;
            }
            memcpy(joined[nl], starts[nl], len);
            joined[nl][len] = ' ';
            memcpy(joined[nl] + len + 1, next, next_len);
            joined[nl][len + 1 + next_len] = '\0';
            starts[nl] = joined[nl];
            len += next_len + 1;
            p = next[next_len] ? next + next_len + 1 : NULL;
        }
        if ((st = read_line(starts[nl], len, &lines[nl])) != AP_OK) goto out;
        nl++;
    }
    /* A line holding one class code beside a line naming a teacher or a term is the
     * class: "Miss Joynes" over "2EJ" over "Autumn 2". */
    for (size_t i = 0; i < nl; i++) {
        int beside = 0;
        for (size_t k = i ? i - 1 : i + 1; k <= i + 1 && k < nl; k += 2)
            beside |= lines[k].val[F_TEACHER] || lines[k].val[F_TERM];
        if (beside && lines[i].code_to > lines[i].code_from &&
            (st = set_val(&lines[i], F_CLASS, starts[i], lines[i].code_from, lines[i].code_to,
                          0)) != AP_OK)
            goto out;
    }
    char **fields[3] = {&doc->teacher, &doc->class_name, &doc->term};
    for (int f = F_TEACHER; f <= F_YEAR; f++) {
        if (f == F_YEAR ? doc->year != 0 : *fields[f] != NULL) continue;
        long best = -1;
        for (size_t i = 0; i < nl; i++) {
            const hline *h = &lines[i];
            if (!(f == F_YEAR ? h->year != 0 : h->val[f] != NULL)) continue;
            if (h->labelled & (1u << f)) {
                best = (long)i;
                break;
            }
            if (best < 0 || (!(lines[best].labelled & (1u << f)) && h->found > lines[best].found))
                best = (long)i;
        }
        if (best < 0) continue;
        if (f == F_YEAR)
            doc->year = lines[best].year;
        else if ((st = tt_set_str(fields[f], lines[best].val[f])) != AP_OK)
            goto out;
    }
out:
    for (size_t i = 0; lines && i < nl; i++)
        for (int f = 0; f < 3; f++)
            free(lines[i].val[f]);
    for (size_t i = 0; joined && i < TT_HEADER_MAX_LINES; i++)
        free(joined[i]);
    free(lines);
    free(starts);
    free(joined);
    return st;
}

/* datagen_text: extra text lines for OCR training (--lines only), beyond a timetable's own
 * vocabulary.
 *
 * A timetable's cells draw from a few dozen subjects, so a model trained on them alone never
 * sees Q, X, Z, j, q, x, z or most punctuation, yet real timetables print any text: room
 * codes, email addresses, prices, quotes, other subjects. For each document this builds a
 * second, small page (never written as a document, it has no gold) in the document's own
 * style (fonts, size, ink, paper, borders): a one- or two-column table whose cells hold
 * lines of four sorts, in fixed proportions:
 *   45% words   1-4 words from a broad list (every letter in both cases), joined by
 *               spaces or timetable punctuation, in title, lower or upper case;
 *   30% codes   mixed alphanumerics (rooms, groups, sets, dates, prices, emails, times);
 *   15% ascii   runs of characters drawn uniformly from printable ASCII (0x21-0x7e),
 *               with single spaces between runs;
 *   10% typo    words wrapped in the typographic characters timetables use
 *               (– — ‘ ’ “ ” · • … £ € °).
 * The renderer crops these lines like any other (kind "text" in the manifest).
 *
 * Determinism: the page draws from its own stream (seed, index | 2^60), so a document and
 * its own line crops are the same bytes with or without these lines. */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "train/datagen_internal.h"

#define TEXT_ROWS 20 /* extra lines per document: about a fifth of a document's own */

/* Words chosen to cover the alphabet in both cases, rare letters included, as school
 * documents use them. */
static const char *const words[] = {
    "Quiz",        "Quick",       "Question",  "Queen",       "Squad",     "Equipment",
    "Liquid",      "Aquatics",    "Technique", "Unique",      "Quality",   "Banquet",
    "Request",     "Quarter",     "Jazz",      "Judo",        "Journal",   "Junior",
    "Jigsaw",      "Jobs",        "Major",     "Project",     "Object",    "Enjoy",
    "Adjective",   "Majesty",     "Xylophone", "Extra",       "Exam",      "Oxford",
    "Boxing",      "Mixed",       "Textiles",  "Fix",         "Six",       "Next",
    "Relax",       "Excursion",   "Explore",   "Index",       "Lexicon",   "Zumba",
    "Zone",        "Zero",        "Puzzle",    "Size",        "Analyse",   "Organize",
    "Zoology",     "Breeze",      "Frozen",    "Wizard",      "Geography", "History",
    "Physics",     "Chemistry",   "Biology",   "Latin",       "German",    "Mandarin",
    "Keyboard",    "Violin",      "Orchestra", "Choir",       "Yoga",      "Gym",
    "Hockey",      "Netball",     "Rugby",     "Cricket",     "Athletics", "Volleyball",
    "Knitting",    "Wellbeing",   "Kitchen",   "Workshop",    "Visit",     "Trip",
    "Tutor",       "Cover",       "Duty",      "Supervision", "Staff",     "Meeting",
    "Playground",  "Hall",        "Block",     "Wing",        "Floor",     "Lab",
    "Room",        "Studio",      "Pavilion",  "Canteen",     "Bus",       "Coach",
    "Homework",    "Revision",    "Mock",      "Resit",       "Deadline",  "Feedback",
    "Vocabulary",  "Grammar",     "Fractions", "Algebra",     "Geometry",  "Statistics",
    "Calculus",    "Poetry",      "Novel",     "Shakespeare", "Debate",    "Film",
    "Photography", "Ceramics",    "Sculpture", "Dance",       "Theatre",   "Economics",
    "Business",    "Psychology",  "Sociology", "Philosophy",  "Ethics",    "Citizenship",
    "Careers",     "Enterprise",  "Robotics",  "Coding",      "Python",    "Scratch",
    "Review",      "Wednesday",   "Thursday",  "Saturday",    "Sunday",    "January",
    "February",    "March",       "April",     "June",        "July",      "August",
    "September",   "October",     "November",  "December",    "Vacation",  "Holiday",
    "Assessment",  "Observation", "Inset",     "Kayaking",    "Archery",   "Fencing",
    "Gardening",   "Beekeeping",  "Chess",     "Quidditch",   "Jujitsu",   "Fizz",
};
static const char *const joins[] = {" ",   " ",   " ",  " ",  " & ",   " / ",  "/",     ", ",
                                    " - ", " + ", ": ", "; ", " and ", " or ", " with "};
static const char *const typo[] = {"–", "—", "‘", "’", "“", "”", "·", "•", "…", "£", "€", "°"};

#define NWORDS         (sizeof words / sizeof words[0])
#define PICK(rng, arr) ((arr)[dg_rng_range((rng), 0, (int)(sizeof(arr) / sizeof((arr)[0])) - 1)])

/* Appends s to buf (size bytes) without overflow; a cut never splits a UTF-8 sequence. */
static void put(char *buf, size_t size, const char *s)
{
    size_t n = strlen(buf), k = strlen(s);
    if (n + k >= size) return; /* whole pieces only: a line never ends in half a character */
    memcpy(buf + n, s, k + 1);
}

static void put_char(char *buf, size_t size, char c)
{
    char s[2] = {c, 0};
    put(buf, size, s);
}

/* A word in title case (as listed), lower case or upper case. */
static void put_word(dg_rng *rng, char *buf, size_t size, int casing)
{
    const char *w = words[dg_rng_range(rng, 0, (int)NWORDS - 1)];
    char tmp[32];
    snprintf(tmp, sizeof tmp, "%s", w);
    for (char *p = tmp; *p; p++) {
        if (casing == 1 && *p >= 'A' && *p <= 'Z') *p = (char)(*p - 'A' + 'a');
        if (casing == 2 && *p >= 'a' && *p <= 'z') *p = (char)(*p - 'a' + 'A');
    }
    put(buf, size, tmp);
}

static void gen_words(dg_rng *rng, char *buf, size_t size)
{
    int casing = dg_rng_range(rng, 0, 9);
    casing = casing < 7 ? 0 : casing < 9 ? 1 : 2;
    int n = dg_rng_range(rng, 1, 4);
    for (int i = 0; i < n; i++) {
        if (i) put(buf, size, PICK(rng, joins));
        put_word(rng, buf, size, casing);
    }
    if (dg_rng_chance(rng, 0.15)) put(buf, size, PICK(rng, ((const char *[]){".", "!", "?", ":"})));
}

static char rnd_upper(dg_rng *rng)
{
    return (char)('A' + dg_rng_range(rng, 0, 25));
}
static char rnd_lower(dg_rng *rng)
{
    return (char)('a' + dg_rng_range(rng, 0, 25));
}
static char rnd_digit(dg_rng *rng)
{
    return (char)('0' + dg_rng_range(rng, 0, 9));
}

/* Expands a template: U upper, l lower, d digit, w a lower-case word, W a word; anything
 * else is copied. */
static void expand(dg_rng *rng, const char *tpl, char *buf, size_t size)
{
    for (const char *t = tpl; *t; t++) {
        switch (*t) {
        case 'U':
            put_char(buf, size, rnd_upper(rng));
            break;
        case 'l':
            put_char(buf, size, rnd_lower(rng));
            break;
        case 'd':
            put_char(buf, size, rnd_digit(rng));
            break;
        case 'w':
            put_word(rng, buf, size, 1);
            break;
        case 'W':
            put_word(rng, buf, size, 0);
            break;
        default:
            put_char(buf, size, *t);
            break;
        }
    }
}

static void gen_code(dg_rng *rng, char *buf, size_t size)
{
    static const char *const tpl[] = {
        "Rm Ud",       "Room dd",   "Udd",        "dUU",     "Y d/Ud",     "Set d",
        "Group U",     "Pd",        "Lab d",      "UUU-dd",  "ext. dddd",  "w@w.org",
        "w.w@w.co.uk", "www.w.com", "dd/dd/dddd", "d.d.dd",  "Week d (U)", "#dd",
        "dd%",         "£d.dd",     "$dd.dd",     "Qd",      "xd",         "d x d",
        "dd:dd-dd:dd", "d.dd-d.dd", "W d",        "W dU",    "Udl",        "ld",
        "W Ud/Ud",     "[U]",       "{dd}",       "<W>",     "W_d",        "d+d=d",
        "Ul ld",       "~dd",       "UUUU",       "llll",    "dddd",       "W (Udd)",
        "dUUl",        "Term d: W", "KSd",        "Yd & Yd", "W @ d:dd",   "d^d",
    };
    expand(rng, PICK(rng, tpl), buf, size);
}

static void gen_ascii(dg_rng *rng, char *buf, size_t size)
{
    int runs = dg_rng_range(rng, 1, 3);
    for (int r = 0; r < runs; r++) {
        if (r) put_char(buf, size, ' ');
        int n = dg_rng_range(rng, 1, 8);
        for (int i = 0; i < n; i++)
            put_char(buf, size, (char)dg_rng_range(rng, 0x21, 0x7e));
    }
}

static void gen_typo(dg_rng *rng, char *buf, size_t size)
{
    switch (dg_rng_range(rng, 0, 5)) {
    case 0: /* a quotation */
        put(buf, size, dg_rng_chance(rng, 0.5) ? "“" : "‘");
        gen_words(rng, buf, size);
        put(buf, size, strstr(buf, "“") ? "”" : "’");
        break;
    case 1: /* two words joined by a dash or a middle dot */
        put_word(rng, buf, size, 0);
        put(buf, size, PICK(rng, ((const char *[]){" – ", " — ", "–", "—", " · ", " • "})));
        put_word(rng, buf, size, 0);
        break;
    case 2: /* a bullet or an ellipsis */
        put(buf, size, dg_rng_chance(rng, 0.5) ? "• " : "· ");
        gen_words(rng, buf, size);
        if (dg_rng_chance(rng, 0.4)) put(buf, size, "…");
        break;
    case 3: /* money and temperatures */
        put(buf, size, dg_rng_chance(rng, 0.5) ? "£" : "€");
        expand(rng, dg_rng_chance(rng, 0.5) ? "d.dd" : "dd", buf, size);
        put(buf, size, dg_rng_chance(rng, 0.5) ? " · " : " – ");
        expand(rng, "dd°U", buf, size);
        break;
    case 4: /* a possessive with a typographic apostrophe */
        put_word(rng, buf, size, 0);
        put(buf, size, "’s ");
        put_word(rng, buf, size, 0);
        break;
    default: /* any of them between words */
        put_word(rng, buf, size, dg_rng_chance(rng, 0.8) ? 0 : 1);
        put(buf, size, " ");
        put(buf, size, PICK(rng, typo));
        put(buf, size, " ");
        put_word(rng, buf, size, 1);
        break;
    }
}

/* One line of text in buf (size bytes, NUL-terminated, never empty). */
static void gen_line(dg_rng *rng, char *buf, size_t size)
{
    buf[0] = 0;
    int k = dg_rng_range(rng, 0, 99);
    if (k < 45)
        gen_words(rng, buf, size);
    else if (k < 75)
        gen_code(rng, buf, size);
    else if (k < 90)
        gen_ascii(rng, buf, size);
    else
        gen_typo(rng, buf, size);
    if (!buf[0]) put(buf, size, "Quiz");
}

ap_status dg_text_page_build(uint64_t seed, size_t index, const dg_page *doc, dg_page *page,
                             ap_error *err)
{
    static const uint32_t fills[] = {0xdce9f5, 0xf2b8bd, 0xd9d9d9, 0xfff2b3, 0xd4edc9,
                                     0xf9d5a7, 0xe3d1f0, 0xc9ece8, 0xfce5cd, 0xbfbfbf};
    dg_rng rng;
    dg_rng_seed(&rng, seed, (uint64_t)index | (1ull << 60));
    memset(page, 0, sizeof *page);
    for (int i = 0; i < DG_MAX_PANELS; i++)
        page->tables[i].title_fill = page->tables[i].body_fill = DG_NO_FILL;
    page->family = DG_LAYOUT_GRID_ROWS;
    page->style = doc->style;
    page->style.window = false;
    page->split = doc->split;
    dg_table *t = &page->tables[0];
    page->ntables = 1;
    t->cols = dg_rng_range(&rng, 1, 2);
    t->rows = TEXT_ROWS / t->cols;
    static_assert(TEXT_ROWS <= DG_MAX_TRACKS, "one row per line must fit a table");
    for (int c = 0; c < t->cols; c++)
        t->col_w[c] = dg_rng_between(&rng, 0.5, 1.0);
    for (int r = 0; r < t->rows; r++)
        t->row_h[r] = 1.0;
    double base = doc->style.base_pt;
    /* Cells 2.5 lines high: a wrapped line still fits before the renderer shrinks it. */
    page->w = t->cols == 1 ? dg_rng_between(&rng, 220, 560) : dg_rng_between(&rng, 400, 800);
    page->h = 48 + t->rows * base * 2.5 * 1.2;
    t->ncells = 0;
    t->cap = (size_t)TEXT_ROWS;
    if (!(t->cells = calloc(t->cap, sizeof *t->cells)))
        return ap_fail(err, AP_ERR_NOMEM, "datagen: out of memory (text lines)");
    for (int r = 0; r < t->rows; r++)
        for (int c = 0; c < t->cols; c++) {
            dg_cell *cell = &t->cells[t->ncells++];
            cell->row = r, cell->col = c, cell->rowspan = cell->colspan = 1;
            gen_line(&rng, cell->text, sizeof cell->text);
            cell->kind = DG_KIND_TEXT;
            cell->flags = 0;
            if (dg_rng_chance(&rng, 0.2)) cell->flags |= DG_CELL_HEADER; /* heading font */
            if (dg_rng_chance(&rng, 0.25)) cell->flags |= DG_CELL_BOLD;
            cell->fill = dg_rng_chance(&rng, 0.3) ? PICK(&rng, fills) : DG_NO_FILL;
            cell->ink = doc->style.ink_rgb;
            cell->note_ink = doc->style.ink_rgb;
            cell->size = base * dg_rng_between(&rng, 0.8, 1.3);
            cell->align = dg_rng_range(&rng, 0, 2);
        }
    return AP_OK;
}

/* interpret: cell grids to timeblocks (tt_grid_interpret in grid.h).
 *
 * Per table, in this order:
 *   1. each cell's text is read for day names, times (with the byte span they take) and
 *      what is left: the event's name, and notes in smaller type or in parentheses;
 *   2. the day axis: cells holding nothing but day names that share a lattice column (days
 *      as rows) or a row (days as columns; the table is then transposed so one code path
 *      serves both);
 *   3. with a day axis, the header above the first day gives every lattice column edge a
 *      start and an end time (an edge inside a header cell gets the proportional time;
 *      one under a header cell printing more times than it spans columns, the time of
 *      its place among them, and the events below are timed by where their lines lie);
 *      a cell runs from its left edge to its right edge unless it prints its own times,
 *      or a neighbour in the same day prints the time they share; a cell merged down
 *      several days that prints its label in each day's rows is an event per day, and
 *      blocks side by side in a cell, each printing its own time, are an event each;
 *   4. without a day axis but with a column of times, each row is an event and the days
 *      come from the heading above it that names them ("Monday, Tuesday, Thursday"),
 *      or, for a list with no such heading beside lists with one, the weekdays the
 *      page's other headings leave out;
 *      the rows under a heading run in time order, which places the times OCR could
 *      not read; lists printed side by side in one table (headings in one row, each
 *      list in columns of its own) are read as one list each, day axis or not;
 *   5. anything else is not a timetable: its text, with the text outside the tables,
 *      feeds the header fields (document/header.h).
 * Nothing here knows a school, a subject or a layout: only days, times and geometry. */
#include <ctype.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/sbuf.h"
#include "core/testable.h"
#include "document/grid.h"
#include "document/header.h"
#include "document/timeparse.h"

#define ALL_WEEKDAYS 0x1fu
#define MAX_TIMES    8

/* ---- times (document/timeparse) ---- */

typedef struct tnote {
    int start, end;  /* minutes, end TT_NO_TIME for a single time */
    size_t from, to; /* byte span in the text */
    int guessed;     /* am/pm came from the school-day rule */
} tnote;

/* A lone 'g' or 'q' just before a dash and a digit is the 9 that OCR took it for
 * ("g - 9.30"); fixed in place, in text about to be read for times. */
static void fix_nines(char *s)
{
    for (size_t i = 0; s[i]; i++) {
        if ((s[i] != 'g' && s[i] != 'q') || (i > 0 && s[i - 1] != ' ') ||
            (s[i + 1] != ' ' && s[i + 1] != '-' && (unsigned char)s[i + 1] != 0xe2))
            continue;
        size_t k = i + 1;
        while (s[k] == ' ')
            k++;
        if (s[k] == '-')
            k++;
        else if ((unsigned char)s[k] == 0xe2 && s[k + 1] && s[k + 2])
            k += 3;
        else
            continue;
        while (s[k] == ' ')
            k++;
        if (s[k] >= '0' && s[k] <= '9') s[i] = '9';
    }
}

/* The digit a letter or mark stands for when OCR reads a small or blurred digit as its
 * look-alike ("to:15" for 10:15, "B15" for 8:15, "O9" for 09), or -1. S, s and $ stand
 * for 5 and 8 alike: DIGIT_5_OR_8, which digits_clock settles by position. */
#define DIGIT_5_OR_8 10
static int digit_lookalike(unsigned char c)
{
    if (c == 'S' || c == 's' || c == '$') return DIGIT_5_OR_8;
    static const char *const like[10] = {"OoDQ", "lI!tf", "Zz", "", "", "", "Gb", "", "B&@", "gq"};
    for (int d = 0; d < 10 && c; d++)
        if (strchr(like[d], c)) return d;
    return -1;
}

static int is_digit_c(unsigned char c)
{
    return c >= '0' && c <= '9';
}

/* A clock from d[0, n) (three digits H MM or four HH MM), as hours * 100 + minutes; -1
 * when it is none. 'S' in d is an S or a $ that OCR read for a 5 or an 8: where a minute's
 * tens stand it can only be 5, where a minute's units stand a timetable's 5 (lessons keep
 * to five minutes; x:x8 is no school clock), where a one-digit hour stands the school
 * day's 8; elsewhere it is either, and no clock. */
static int digits_clock(const char *d, size_t n)
{
    char c[4];
    if (n != 3 && n != 4) return -1;
    for (size_t k = 0; k < n; k++) {
        c[k] = d[k];
        if (c[k] != 'S') continue;
        if (k == n - 2 || k == n - 1)
            c[k] = '5';
        else if (n == 3 && k == 0)
            c[k] = '8';
        else
            return -1;
    }
    int h = n == 3 ? c[0] - '0' : (c[0] - '0') * 10 + (c[1] - '0');
    int m = (c[n - 2] - '0') * 10 + (c[n - 1] - '0');
    return h <= 23 && m <= 59 ? h * 100 + m : -1;
}

/* A clock or an hour alone from d[0, n): one or two digits are the hour ("10" of
 * "10-10 40am"; a lone S the school day's 8), three or four digits_clock. */
static int digits_clock_or_hour(const char *d, size_t n)
{
    if (n == 1) return (d[0] == 'S' ? 8 : d[0] - '0') * 100;
    if (n == 2) {
        if (d[0] == 'S' || d[1] == 'S') return -1;
        int h = (d[0] - '0') * 10 + (d[1] - '0');
        return h <= 23 ? h * 100 : -1;
    }
    return digits_clock(d, n);
}

/* OCR of small or blurred print loses a clock's colon and a range's dash ("815-840",
 * "1045. 1105", "08 45 - / 09 45") and reads digits as their look-alikes. A cell whose
 * text is nothing but six to eight digits (look-alikes among digits counted), marks and
 * spaces between them, and an am/pm at the end, is a range when its digits split into
 * two clocks of three or four digits in exactly one way (at a break in the print, when
 * it is in pieces). When one dash parts five digits or more, the range is split there,
 * and either side may be an hour alone ("10-10 40AM", "9 O5-10AM"). Writes "H:MM-H:MM"
 * and the am/pm to out (cap >= 32) and returns 1, else 0. Only for OCR text: born-digital
 * text is exact. */
TESTABLE int tt_ocr_range_repair(const char *text, char *out, size_t cap)
{
    const unsigned char *s = (const unsigned char *)text;
    size_t n = strlen(text), nd = 0;
    char d[9];
    unsigned breaks = 0;      /* bit k: a break in the print just before digit k */
    char mark_after[9] = {0}; /* 'a' or 'p': an am/pm printed just after digit k - 1 */
    int in_run = 0;
    int dash_at = -1, dashes = 0; /* the digit a dash stands before, and how many stand */
    if (cap < 32) return 0;
    for (size_t i = 0; i < n; i++) {
        int v = is_digit_c(s[i]) ? s[i] - '0' : -1;
        if (v < 0 && digit_lookalike(s[i]) >= 0) {
            /* a look-alike counts inside a run of print that holds a real digit */
            size_t a = i, b = i;
            int real = 0;
            while (a > 0 && (is_digit_c(s[a - 1]) || digit_lookalike(s[a - 1]) >= 0 ||
                             s[a - 1] == ':' || s[a - 1] == '.'))
                a--;
            while (b + 1 < n && (is_digit_c(s[b + 1]) || digit_lookalike(s[b + 1]) >= 0 ||
                                 s[b + 1] == ':' || s[b + 1] == '.'))
                b++;
            for (size_t k = a; k <= b && !real; k++)
                real = is_digit_c(s[k]);
            if (real) v = digit_lookalike(s[i]);
        }
        if (v >= 0) {
            if (nd >= 8) return 0;
            if (!in_run && nd > 0) breaks |= 1u << nd;
            d[nd++] = v == DIGIT_5_OR_8 ? 'S' : (char)('0' + v);
            in_run = 1;
            continue;
        }
        in_run = 0;
        int c = tolower(s[i]);
        if (c == 'a' || c == 'p') {
            /* an am/pm after a clock: "am", "a.m.", "AM" (and nothing glued after it) */
            size_t j = i + 1;
            if (j < n && s[j] == '.') j++;
            if (nd == 0 || j >= n || tolower(s[j]) != 'm') return 0;
            j++;
            if (j < n && s[j] == '.') j++;
            if (j < n && isalnum(s[j])) return 0;
            mark_after[nd] = (char)c;
            i = j - 1;
            continue;
        }
        int dash = s[i] == '-' || s[i] == '~' ||
                   (s[i] == 0xe2 && i + 2 < n && s[i + 1] == 0x80 &&
                    (s[i + 2] == 0x93 || s[i + 2] == 0x94));
        if (dash && nd > 0 && dash_at != (int)nd) dash_at = (int)nd, dashes++;
        if (s[i] >= 0x80 || strchr(" \t\n\r:.,;-~=_'\"()[]|", s[i])) continue;
        return 0;
    }
    int found = 0, best_start = -1, best_end = -1;
    size_t split = 0;
    if (nd >= 5 && dashes == 1 && dash_at < (int)nd) {
        int a = digits_clock_or_hour(d, (size_t)dash_at);
        int b = digits_clock_or_hour(d + dash_at, nd - (size_t)dash_at);
        if (a >= 0 && b >= 0) found = 1, best_start = a, best_end = b, split = (size_t)dash_at;
    }
    if (!found && nd < 6) return 0;
    for (size_t p = 3; p <= 4 && !(found && split == (size_t)dash_at); p++) {
        if (nd - p < 3 || nd - p > 4) continue;
        int a = digits_clock(d, p), b = digits_clock(d + p, nd - p);
        if (a < 0 || b < 0) continue;
        /* print in pieces splits between pieces ("12 13 14" is no 1:21-3:14) */
        if (breaks && !((breaks >> p) & 1u)) continue;
        found++, best_start = a, best_end = b, split = p;
    }
    if (found != 1) return 0;
    /* an am/pm anywhere but after a clock is no time's */
    for (size_t k = 0; k <= nd; k++)
        if (mark_after[k] && k != split && k != nd) return 0;
    const char *ma = mark_after[split] == 'a' ? "am" : mark_after[split] == 'p' ? "pm" : "";
    const char *mb = mark_after[nd] == 'a' ? "am" : mark_after[nd] == 'p' ? "pm" : "";
    snprintf(out, cap, "%d:%02d%s-%d:%02d%s", best_start / 100, best_start % 100, ma,
             best_end / 100, best_end % 100, mb);
    tp_match m;
    return tp_is_time_only(out, strlen(out), 0, &m) && (m.flags & TP_RANGE) &&
           !(m.flags & TP_INVERTED);
}

static int find_times(const char *s, tnote *out, int max)
{
    tp_match m[MAX_TIMES];
    size_t n = tp_find_all(s, strlen(s), 0, m, MAX_TIMES);
    if (n > (size_t)max) n = (size_t)max;
    if (n > MAX_TIMES) n = MAX_TIMES;
    for (size_t i = 0; i < n; i++)
        out[i] = (tnote){.start = m[i].start,
                         .end = m[i].end,
                         .from = m[i].begin,
                         .to = m[i].end_byte,
                         .guessed = tp_ampm_guessed(&m[i])};
    return (int)n;
}

/* ---- days ---- */

/* Two-letter abbreviations, which only a day axis makes days ("Mo", "Tu", ...). */
static const char *const day_pairs[7] = {"mo", "tu", "we", "th", "fr", "sa", "su"};

static int edit_distance_le1(const char *a, size_t na, const char *b, size_t nb)
{
    if (na > nb + 1 || nb > na + 1) return 0;
    size_t i = 0, j = 0;
    int edits = 0;
    while (i < na && j < nb) {
        if (tolower((unsigned char)a[i]) == tolower((unsigned char)b[j])) {
            i++, j++;
            continue;
        }
        if (++edits > 1) return 0;
        if (na > nb)
            i++;
        else if (nb > na)
            j++;
        else
            i++, j++;
    }
    return edits + (int)(na - i) + (int)(nb - j) <= 1;
}

/* The day a word names: 0..6, -2 for a lone T (Tuesday or Thursday), -3 for a lone S,
 * -1 for none. Full names tolerate one OCR error. */
static int day_of_word(const char *w, size_t n)
{
    if (n == 1) {
        switch (toupper((unsigned char)w[0])) {
        case 'M':
            return 0;
        case 'W':
            return 2;
        case 'F':
            return 4;
        case 'T':
            return -2;
        case 'S':
            return -3;
        default:
            return -1;
        }
    }
    int d = tt_day_from_word(w, n);
    if (d >= 0) return d;
    for (d = 0; d < 7; d++) {
        if (n == 2 && strncasecmp(w, day_pairs[d], 2) == 0) return d;
        if (n >= 5 && edit_distance_le1(w, n, tt_day_names[d], strlen(tt_day_names[d]))) return d;
    }
    /* OCR reads "ri" as one "n" ("Fnday"): a full name once an n is "ri" (exactly: the
     * edit that reading made is the one allowed) */
    char wide[16];
    for (size_t k = 0; n >= 4 && n + 1 < sizeof wide && k < n; k++) {
        if (w[k] != 'n') continue;
        memcpy(wide, w, k);
        wide[k] = 'r', wide[k + 1] = 'i';
        memcpy(wide + k + 2, w + k + 1, n - k - 1);
        for (d = 0; d < 7; d++)
            if (strlen(tt_day_names[d]) == n + 1 && strncasecmp(wide, tt_day_names[d], n + 1) == 0)
                return d;
    }
    return -1;
}

/* Whether text[from, to) joins two day names into a range: a dash or "to", "through",
 * "until" between spaces ("Monday to Friday", "Mon - Wed", "Monday–Wednesday"). */
static int joins_range(const char *s, size_t from, size_t to)
{
    static const char *const joins[] = {"-",       "\xe2\x80\x93", "\xe2\x80\x94", "to",
                                        "through", "thru",         "till",         "until"};
    while (from < to && s[from] == ' ')
        from++;
    while (to > from && s[to - 1] == ' ')
        to--;
    for (size_t k = 0; k < sizeof joins / sizeof joins[0]; k++)
        if (strlen(joins[k]) == to - from && strncasecmp(s + from, joins[k], to - from) == 0)
            return 1;
    return 0;
}

/* Reads the day names of text. *only: every word is a day name. Returns a mask of days
 * (bit d); a lone T or S sets bit 7 or 8 to be resolved by position. Two day names
 * joined as a range name every day between them. *named gets the days that words of
 * three letters or more name ("Mon", "Thursday"): a list's heading among other text
 * names its days so, while "th" or "M" there may be the rest of a word OCR broke. */
static unsigned days_in(const char *text, int *only, unsigned *named)
{
    *named = 0;
    unsigned mask = 0;
    int words = 0, day_words = 0, prev_day = -1, prev_named = 0;
    size_t prev_end = 0;
    /* A day name set in wide letter-spacing comes back from OCR in pieces ("TUE SDAY",
     * "WEDNES DAY"): a cell of nothing but letters and spaces whose letters, run
     * together, spell one full day name is that day. Six letters at least, so that two
     * abbreviations ("Mon Wed") are never read as one. */
    char joined[16];
    size_t nj = 0;
    int spaced = 0, other = 0;
    for (const char *p = text; *p && !other; p++) {
        if (!isalpha((unsigned char)*p)) {
            other = *p != ' ';
            spaced |= nj > 0;
        } else if (nj + 1 < sizeof joined) {
            joined[nj++] = *p;
        } else {
            other = 1;
        }
    }
    if (!other && spaced && nj >= 6) {
        int d = day_of_word(joined, nj);
        if (d >= 0) {
            *only = 1;
            *named = 1u << d;
            return 1u << d;
        }
    }
    int digits = strpbrk(text, "0123456789") != NULL;
    for (const char *p = text; *p;) {
        if (!isalpha((unsigned char)*p)) {
            p++;
            continue;
        }
        const char *q = p;
        while (isalpha((unsigned char)*q))
            q++;
        size_t n = (size_t)(q - p);
        words++;
        int d = day_of_word(p, n);
        /* A lone letter names a day only when the cell holds nothing else: no word
         * after it and no figure anywhere ("S: 20m" is a time OCR broke). */
        int lone_ok = !digits && (!q[0] || !q[strspn(q, " .,/&-")]);
        if (n == 1 && !lone_ok) d = -1;
        if (d >= 0) {
            mask |= 1u << d;
            if (n >= 3) *named |= 1u << d;
            day_words++;
            if (n > 1 && prev_day >= 0 && prev_day < d &&
                joins_range(text, prev_end, (size_t)(p - text)))
                for (int k = prev_day; k < d; k++) {
                    mask |= 1u << k;
                    if (n >= 3 && prev_named) *named |= 1u << k;
                }
            if (n > 1) prev_day = d, prev_end = (size_t)(q - text), prev_named = n >= 3;
        } else if (d == -2 || d == -3) {
            mask |= d == -2 ? 1u << 7 : 1u << 8;
            day_words++;
        } else if (!(n <= 3 && (strncasecmp(p, "and", n) == 0 || strncasecmp(p, "to", n) == 0))) {
            /* a connecting word is neutral; anything else is not a day */
        }
        p = q;
    }
    *only = words > 0 && day_words == words;
    if (!*only) mask &= 0x7fu; /* lone letters inside text are not days */
    return mask;
}

/* ---- cells ---- */

typedef struct cinfo {
    char *name;  /* title without times; "" when none */
    char *notes; /* or NULL */
    int start, end;
    int guessed; /* am/pm guessed */
    int ntimes;
    int times[MAX_TIMES][2]; /* every time in the text, in reading order: start, end */
    unsigned days;           /* day names mentioned */
    unsigned named_days;     /* those named by words of three letters or more */
    int day_label;           /* holds nothing but day names */
    int end_only;            /* one time, after a dash: a range whose start OCR could not read */
    int start_only;          /* one time, before a dash: a range whose end OCR could not read */
    int letters;             /* letters in name */
    float confidence;
} cinfo;

static int count_letters(const char *s)
{
    int n = 0;
    for (; *s; s++)
        n += isalpha((unsigned char)*s) || ((unsigned char)*s >= 0xc0);
    return n;
}

/* Copies s[from, to) with leading and trailing separators removed; NULL when empty. */
static char *trim_copy(const char *s, size_t from, size_t to)
{
    while (from < to && (s[from] == ' ' || s[from] == '-' || s[from] == ',' || s[from] == '|' ||
                         s[from] == '_' || s[from] == '=' || s[from] == '~'))
        from++;
    while (to > from && (s[to - 1] == ' ' || s[to - 1] == '-' || s[to - 1] == ',' ||
                         s[to - 1] == '|' || s[to - 1] == '_' || s[to - 1] == '='))
        to--;
    /* a lone dash left by a removed range */
    if (to - from == 3 && (unsigned char)s[from] == 0xe2) return NULL;
    if (to <= from) return NULL;
    return strndup(s + from, to - from);
}

/* Whether a dash stands just before s[at] (spaces aside): "45 - 10:05am" is a range
 * whose start OCR could not read. */
static int after_dash(const char *s, size_t at)
{
    while (at > 0 && s[at - 1] == ' ')
        at--;
    if (at > 0 && (s[at - 1] == '-' || s[at - 1] == '~')) return 1;
    return at >= 3 && (unsigned char)s[at - 3] == 0xe2 && (unsigned char)s[at - 2] == 0x80 &&
           ((unsigned char)s[at - 1] == 0x93 || (unsigned char)s[at - 1] == 0x94);
}

/* Whether a dash stands just after s[at - 1] (spaces aside): "8:45 - 9Ram". */
static int before_dash(const char *s, size_t at)
{
    size_t n = strlen(s);
    while (at < n && s[at] == ' ')
        at++;
    if (at < n && (s[at] == '-' || s[at] == '~')) return 1;
    return at + 2 < n && (unsigned char)s[at] == 0xe2 && (unsigned char)s[at + 1] == 0x80 &&
           ((unsigned char)s[at + 2] == 0x93 || (unsigned char)s[at + 2] == 0x94);
}

/* Removes the spans of times from text (in place) and collapses spaces. */
static void strip_spans(char *text, const tnote *t, int n)
{
    for (int i = n - 1; i >= 0; i--) {
        size_t len = strlen(text);
        if (t[i].to > len) continue;
        memmove(text + t[i].from, text + t[i].to, len - t[i].to + 1);
        /* and the dash that joined a range to text */
    }
    char *w = text;
    for (char *r = text; *r; r++) {
        if (*r == ' ' && (w == text || w[-1] == ' ')) continue;
        *w++ = *r;
    }
    *w = '\0';
}

/* Fills ci from the cell: title lines (the larger type) make the name, smaller lines and
 * lines in parentheses after them the notes; times are taken out of both. */
static ap_status read_cell(const tt_cell *cell, cinfo *ci)
{
    ap_status st = AP_ERR_NOMEM;
    char *all = NULL, *title = NULL, *notes = NULL;
    memset(ci, 0, sizeof *ci);
    ci->start = ci->end = TT_NO_TIME;
    ci->confidence = cell->confidence;
    if (!(all = tt_cell_text(cell))) goto out;
    fix_nines(all);
    tnote t[MAX_TIMES];
    int n = find_times(all, t, MAX_TIMES);
    int ocr_text = !cell->nlines || !(cell->lines[0].flags & TT_LINE_EXACT);
    char repaired[64];
    /* a cell that is one notation as read needs no repair; any other may be a range
     * OCR broke ("9 10am-10 25am" reads as 10am-10) */
    if (ocr_text && !tp_is_time_only(all, strlen(all), 0, NULL) &&
        tt_ocr_range_repair(all, repaired, sizeof repaired)) {
        /* nothing but a time: no name, no notes */
        n = find_times(repaired, t, MAX_TIMES);
        ci->ntimes = n, ci->start = t[0].start, ci->end = t[0].end, ci->guessed = t[0].guessed;
        if ((ci->name = strdup(""))) st = AP_OK;
        goto out;
    }
    ci->ntimes = n;
    if (n) {
        ci->start = t[0].start;
        ci->end = t[0].end;
        ci->guessed = t[0].guessed;
        ci->end_only = n == 1 && t[0].end == TT_NO_TIME && after_dash(all, t[0].from);
        ci->start_only = n == 1 && t[0].end == TT_NO_TIME && before_dash(all, t[0].to);
    }
    for (int k = 0; k < n; k++)
        ci->times[k][0] = t[k].start, ci->times[k][1] = t[k].end;
    int only = 0;
    ci->days = days_in(all, &only, &ci->named_days);
    ci->day_label = only && n == 0;

    /* Title vs notes: the tallest line sets the title's size and colour. After the
     * title, the notes start at the first line clearly smaller (under 0.78 of the
     * title's height, or under 0.92 where both heights are the document's own type
     * sizes) or set in another colour, else at the first line opening with '(' unless
     * it is in the title's type and the cell's width pushed it onto a line of its own
     * ("Word Work" over "(Phonics)" in a narrow column is one name). */
    float tallest = 0;
    const tt_line *title_line = NULL;
    for (size_t i = 0; i < cell->nlines; i++) {
        int tn = find_times(cell->lines[i].text, t, MAX_TIMES);
        size_t len = strlen(cell->lines[i].text);
        int time_only = tn && (t[tn - 1].to - t[0].from) * 10 >= len * 7;
        if (!time_only && cell->lines[i].height > tallest)
            tallest = cell->lines[i].height, title_line = &cell->lines[i];
    }
    size_t split = cell->nlines, paren = cell->nlines;
    int seen_title = 0;
    for (size_t i = 0; i < cell->nlines; i++) {
        const tt_line *l = &cell->lines[i];
        int tn = find_times(l->text, t, MAX_TIMES);
        size_t len = strlen(l->text);
        if (tn && (t[tn - 1].to - t[0].from) * 10 >= len * 7) continue;
        int exact = title_line && (l->flags & title_line->flags & TT_LINE_EXACT) != 0;
        int smaller = l->height < (exact ? 0.92f : 0.78f) * tallest;
        /* the tail of a word broken by the cell's width, or a stray mark, is no note; a
         * short code in smaller type is ("Maths" over a small "Rm 12" or "E4"), where the
         * sizes are the document's own (OCR's box of a short piece such as "s" or "on" is
         * low without being smaller type) */
        int fragment = (i > 0 && tt_line_continues(&cell->lines[i - 1], l)) ||
                       (count_letters(l->text) < 3 && !(exact && smaller));
        if (seen_title && !fragment && title_line) {
            int other_ink = (l->ink & title_line->ink & TT_INK_KNOWN) && l->ink != title_line->ink;
            if (smaller || other_ink) {
                split = i;
                break;
            }
            int same_type = l->height >= 0.92f * tallest;
            if (l->text[0] == '(' && paren == cell->nlines &&
                !(same_type && tt_line_wrapped(&cell->lines[i - 1], l)))
                paren = i;
        }
        seen_title = 1;
    }
    if (split == cell->nlines) split = paren;
    tt_cell head = *cell, tail = *cell;
    head.nlines = split;
    tail.lines = cell->lines + split;
    tail.nlines = cell->nlines - split;
    if (!(title = tt_cell_text(&head)) || !(notes = tt_cell_text(&tail))) goto out;
    n = find_times(title, t, MAX_TIMES);
    strip_spans(title, t, n);
    ci->name = trim_copy(title, 0, strlen(title));
    if (!ci->name && !(ci->name = strdup(""))) goto out;
    n = find_times(notes, t, MAX_TIMES);
    strip_spans(notes, t, n);
    ci->notes = trim_copy(notes, 0, strlen(notes));
    ci->letters = count_letters(ci->name);
    st = AP_OK;
out:
    free(all);
    free(title);
    free(notes);
    return st;
}

static void cinfo_free(cinfo *ci, size_t n)
{
    for (size_t i = 0; ci && i < n; i++) {
        free(ci[i].name);
        free(ci[i].notes);
    }
    free(ci);
}

/* ---- emitting ---- */

typedef struct ctx {
    tt_doc *doc;
    sbuf header; /* text of non-timetable regions, one line each */
    int guessed_ampm;
    int low_conf;
    unsigned headed_days; /* days the headings of the other lists on the page name: those a
                             list without a heading of its own is not (list_rows) */
} ctx;

/* A cell's lines as lines of the header text (the header fields are read from it). */
static void add_cell_header(ctx *cx, const tt_cell *cell)
{
    for (size_t k = 0; k < cell->nlines; k++) {
        sbuf_puts(&cx->header, cell->lines[k].text);
        sbuf_puts(&cx->header, "\n");
    }
}

static int round5(double minutes)
{
    return (int)((minutes + 2.5) / 5.0) * 5;
}

static ap_status emit(ctx *cx, unsigned days, const cinfo *ci, int start, int end,
                      const tt_cell *cell)
{
    float conf = ci->confidence / 100.0f;
    if (conf < 0) conf = 0;
    if (conf > 1) conf = 1;
    for (int d = 0; d < 7; d++) {
        if (!(days & (1u << d))) continue;
        ap_status st = tt_doc_add(cx->doc, d, ci->name, start, end, ci->notes, conf, cell->bbox);
        if (st != AP_OK) return st;
    }
    if (ci->guessed) cx->guessed_ampm = 1;
    if (ci->confidence < 60.0f) {
        cx->low_conf++;
        return tt_doc_warn(cx->doc, "low OCR confidence (%.0f%%) reading '%s'", ci->confidence,
                           ci->name);
    }
    return AP_OK;
}

/* Whether a cell holds an event: a name with letters, not only a day name or a number. */
static int is_event(const cinfo *ci)
{
    return ci->letters >= 1 && !ci->day_label;
}

/* A table copy with rows and columns swapped; cells share the original's lines. */
static ap_status transpose(const tt_table *t, tt_table *out)
{
    memset(out, 0, sizeof *out);
    out->nrows = t->ncols;
    out->ncols = t->nrows;
    out->row_pos = malloc((size_t)(t->ncols + 1) * sizeof *out->row_pos);
    out->col_pos = malloc((size_t)(t->nrows + 1) * sizeof *out->col_pos);
    out->cells = malloc((t->ncells ? t->ncells : 1) * sizeof *out->cells);
    if (!out->row_pos || !out->col_pos || !out->cells) {
        free(out->row_pos);
        free(out->col_pos);
        free(out->cells);
        return AP_ERR_NOMEM;
    }
    memcpy(out->row_pos, t->col_pos, (size_t)(t->ncols + 1) * sizeof *out->row_pos);
    memcpy(out->col_pos, t->row_pos, (size_t)(t->nrows + 1) * sizeof *out->col_pos);
    for (size_t i = 0; i < t->ncells; i++) {
        out->cells[i] = t->cells[i];
        out->cells[i].row = t->cells[i].col;
        out->cells[i].col = t->cells[i].row;
        out->cells[i].nrows = t->cells[i].ncols;
        out->cells[i].ncols = t->cells[i].nrows;
    }
    out->ncells = t->ncells;
    out->bbox = t->bbox;
    return AP_OK;
}

/* Resolves lone T / S labels from the label above them (Monday.. order). */
static unsigned resolve_day(unsigned mask, int prev_day)
{
    if (mask & (1u << 7)) mask = (mask & 0x7fu) | (prev_day >= 2 ? 1u << 3 : 1u << 1);
    if (mask & (1u << 8)) mask = (mask & 0x7fu) | (prev_day >= 5 ? 1u << 6 : 1u << 5);
    return mask & 0x7fu;
}

static int lowest_day(unsigned mask)
{
    for (int d = 0; d < 7; d++)
        if (mask & (1u << d)) return d;
    return -1;
}

/* Days as rows: labels in column label_col. */
/* Whether a cell's times follow one another: each starts no earlier than the one
 * before it ends (or starts, for a single time). */
static int times_ascend(const cinfo *ci)
{
    for (int k = 1; k < ci->ntimes; k++) {
        int prev = ci->times[k - 1][1] != TT_NO_TIME ? ci->times[k - 1][1] : ci->times[k - 1][0];
        if (ci->times[k][0] < prev) return 0;
    }
    return 1;
}

/* Mends header times that contradict their neighbours, as OCR misreads them ("9:30 -
 * 9:10" for "9:00 - 9:10", "15:30 - 10:30", "8:35 - 14:05" before "9:05 - 9:25"): the
 * columns of a timetable run forward in time, so a column that ends no later than it
 * starts takes its start from the column before (else its end from the column after), and
 * one that ends after the next column has ended ends where that one starts. bstart[k] is
 * the start of column k, bend[k] the end of column k - 1 (nc edges; TT_NO_TIME unknown). */
TESTABLE void tt_mend_header_times(int *bstart, int *bend, size_t nc)
{
    for (size_t k = 0; k + 1 < nc; k++) {
        int s = bstart[k], e = bend[k + 1];
        if (s == TT_NO_TIME || e == TT_NO_TIME || s < e) continue;
        if (k > 0 && bend[k] != TT_NO_TIME && bend[k] < e)
            bstart[k] = bend[k];
        else if (bstart[k + 1] != TT_NO_TIME && bstart[k + 1] > s)
            bend[k + 1] = bstart[k + 1];
    }
    for (size_t k = 0; k + 2 < nc; k++) {
        int s = bstart[k], e = bend[k + 1], next = bstart[k + 1], next_end = bend[k + 2];
        if (e == TT_NO_TIME || next == TT_NO_TIME || next_end == TT_NO_TIME) continue;
        if (e > next_end && (s == TT_NO_TIME || s < next) && next < next_end) bend[k + 1] = next;
    }
}

/* Whether lattice row r of t holds lessons: of its cells outside column skip that hold
 * anything, at least half hold a name (the header row holds times alone). */
static int row_holds_names(const tt_table *t, const cinfo *ci, int r, int skip)
{
    int inked = 0, named = 0;
    for (size_t i = 0; i < t->ncells; i++) {
        const tt_cell *c = &t->cells[i];
        if (c->col == skip || r < c->row || r >= c->row + c->nrows) continue;
        if (!ci[i].ntimes && ci[i].letters == 0) continue;
        inked++;
        named += ci[i].letters >= 2;
    }
    return inked && named * 2 >= inked;
}

/* A day label OCR misread ("u" for "M", "L" or "7" for "F", "TLUBRSDAY") names no day;
 * the week's order names it. A cell of the label column (label_col) holding text but no
 * time and no day, in a row of lessons, takes the one weekday missing between the labels
 * just above and below it ("Mon", ?, "Wed"), or, as the first or last label, the day
 * before or after a run of two in order when it is short (a misread abbreviation: a
 * heading such as "Notes" is longer) and the day is Monday to Friday. A label of one or
 * two letters that names a day out of that order ("S", a sideways "W" misread, between
 * Tue and Thu) is misread too, and takes the day missing between its neighbours. */
static void guess_unread_days(const tt_table *t, cinfo *ci, int label_col)
{
    int idx[64], n = 0;
    for (size_t i = 0; i < t->ncells && n < 64; i++)
        if (t->cells[i].col == label_col && t->cells[i].ncols == 1) idx[n++] = (int)i;
    /* twice: a day named in the first pass is a neighbour in the second */
    for (int pass = 0; pass < 2; pass++)
        for (int k = 0; k < n; k++) {
            cinfo *c = &ci[idx[k]];
            if (c->ntimes || !c->name || !c->name[0]) continue;
            size_t len = strlen(c->name);
            /* a label of one or two letters may be a day misread as another ("S" for a
             * sideways "W"): it is one when it falls outside its neighbours' order */
            int misread = c->day_label && len <= 2;
            if ((c->day_label || c->days) && !misread) continue;
            if (len > 12 || !row_holds_names(t, ci, t->cells[idx[k]].row, label_col)) continue;
            int day[4] = {-1, -1, -1, -1}; /* the labels two above, above, below, two below */
            for (int j = 0; j < 4; j++) {
                int at = k + (j < 2 ? j - 2 : j - 1);
                if (at < 0 || at >= n) continue;
                const cinfo *o = &ci[idx[at]];
                if (o->day_label && o->days && !(o->days & (o->days - 1)))
                    day[j] = lowest_day(o->days);
            }
            int d = -1;
            if (misread) {
                /* its own day, as the label above leaves it (T or S alone resolved) */
                int own = lowest_day(resolve_day(c->days, day[1]));
                if (day[1] >= 0 && day[2] == day[1] + 2 && own != day[1] + 1) d = day[1] + 1;
            } else if (day[1] >= 0 && day[2] == day[1] + 2)
                d = day[1] + 1;
            else if (len <= 3 && day[1] < 0 && day[2] >= 1 && day[3] == day[2] + 1)
                d = day[2] - 1;
            else if (len <= 3 && day[2] < 0 && day[1] >= 0 && day[1] <= 3 && day[0] == day[1] - 1)
                d = day[1] + 1;
            if (d < 0) continue;
            c->days = c->named_days = 1u << d;
            c->day_label = 1;
        }
}

/* Whether cell i is the only event in its columns below first_row, nothing else there
 * printing a time. */
static int alone_in_columns(const tt_table *t, const cinfo *ci, size_t i, int first_row)
{
    const tt_cell *c = &t->cells[i];
    if (c->row < first_row || !is_event(&ci[i])) return 0;
    for (size_t j = 0; j < t->ncells; j++) {
        const tt_cell *o = &t->cells[j];
        if (j != i && o->row >= first_row && o->col < c->col + c->ncols &&
            o->col + o->ncols > c->col && (is_event(&ci[j]) || ci[j].ntimes))
            return 0;
    }
    return 1;
}

/* ---- header times at their places ----
 *
 * A header cell may print more times than the lattice columns under it: the body rules
 * fewer columns than the header has times (narrow break columns left unruled, a merged
 * column whose cells hold two lessons side by side), or the cell is merged across
 * columns that whitespace cut elsewhere. Where the reader says where each line lies
 * (tt_line.box), each time owns a slot of the time axis, from halfway to the time before
 * to halfway to the time after, and an event lies in the slots its lines lie in: text
 * centred across two slots crosses the line between them. */

#define MAX_SLOT_GROUPS 16
#define MAX_SLOT_LINES  32

typedef struct tslot {
    int lo, hi;             /* along the time axis, page units */
    int label_lo, label_hi; /* where its time is printed */
    int start, end;         /* minutes; end TT_NO_TIME when unknown */
} tslot;

typedef struct slot_group {
    int c0, c1; /* the lattice columns [c0, c1) under the header cell */
    int n;
    tslot s[MAX_TIMES];
} slot_group;

/* A line's extent along the time axis (x; y where days are columns and the table was
 * transposed): 0 when the reader did not say where it lies. */
static int line_extent(const tt_line *l, int along_y, int *lo, int *hi)
{
    if (l->box.w <= 0 || l->box.h <= 0) return 0;
    *lo = along_y ? l->box.y : l->box.x;
    *hi = *lo + (along_y ? l->box.h : l->box.w);
    return 1;
}

/* Whether cell i is a band printed once across every day of the body (a break, a lunch)
 * that the grid's lines cut to one day's cell: alone in its columns, and either set
 * sideways down a days-as-rows grid (a borderless table's implied rules cut it off) or,
 * where the reader says where its lines lie, centred on all the days rather than on its
 * own cell ("LUNCH" over a row whose column rules run through it). */
static int band_over_days(const tt_table *t, const cinfo *ci, size_t i, int first_row, int along_y)
{
    const tt_cell *c = &t->cells[i];
    if (!alone_in_columns(t, ci, i, first_row)) return 0;
    if (c->rotation != 0) return !along_y;
    int lo = INT_MAX, hi = INT_MIN;
    for (size_t k = 0; k < c->nlines; k++) {
        int a, z;
        if (!line_extent(&c->lines[k], !along_y, &a, &z)) return 0;
        lo = a < lo ? a : lo, hi = z > hi ? z : hi;
    }
    float span0 = (float)t->row_pos[first_row], span1 = (float)t->row_pos[t->nrows];
    float cell0 = (float)t->row_pos[c->row], cell1 = (float)t->row_pos[c->row + c->nrows];
    if (hi <= lo || cell1 - cell0 >= 0.9f * (span1 - span0)) return 0;
    float mid = (lo + hi) / 2.0f;
    float off_days = fabsf(mid - (span0 + span1) / 2), off_cell = fabsf(mid - (cell0 + cell1) / 2);
    return off_days < 0.02f * (span1 - span0) && off_cell > 0.05f * (cell1 - cell0) &&
           off_cell > 3 * off_days;
}

/* The slots of a header cell's times (see above) into g; returns their number, or 0
 * when the cell holds no more times than it spans columns, a line's place is unknown, a
 * time is no range ("9:00" and "10:00" at a column's two edges are its start and end),
 * or its times do not run forward along the axis. The lines are read in the order of their
 * places: those whose extents overlap form a stack read top to bottom ("10:35 -" over
 * "10:55"), stacks in turn along the axis, whatever order the reader gave them in. */
static int header_slots(const tt_cell *c, int along_y, slot_group *g)
{
    size_t n = c->nlines;
    int lo[MAX_SLOT_LINES], hi[MAX_SLOT_LINES], across[MAX_SLOT_LINES];
    size_t order[MAX_SLOT_LINES], off[MAX_SLOT_LINES], len[MAX_SLOT_LINES];
    if (n < 1 || n > MAX_SLOT_LINES) return 0;
    for (size_t i = 0; i < n; i++) {
        if (!line_extent(&c->lines[i], along_y, &lo[i], &hi[i])) return 0;
        across[i] = along_y ? c->lines[i].box.x : c->lines[i].box.y;
        order[i] = i;
    }
    /* stacks: sorted by start, a line starting before the stack's end joins it */
    for (size_t a = 1; a < n; a++)
        for (size_t b = a; b > 0 && lo[order[b]] < lo[order[b - 1]]; b--) {
            size_t tmp = order[b];
            order[b] = order[b - 1], order[b - 1] = tmp;
        }
    int stack[MAX_SLOT_LINES], nstack = 0, end = 0;
    for (size_t a = 0; a < n; a++) {
        if (a == 0 || lo[order[a]] >= end) nstack++, end = hi[order[a]];
        if (hi[order[a]] > end) end = hi[order[a]];
        stack[a] = nstack;
    }
    for (size_t a = 1; a < n; a++)
        for (size_t b = a;
             b > 0 && stack[b] == stack[b - 1] && across[order[b]] < across[order[b - 1]]; b--) {
            size_t tmp = order[b];
            order[b] = order[b - 1], order[b - 1] = tmp;
        }
    char text[1024];
    size_t used = 0;
    for (size_t a = 0; a < n; a++) {
        const char *l = c->lines[order[a]].text;
        size_t ln = strlen(l);
        if (used + ln + 2 > sizeof text) return 0;
        if (used) text[used++] = ' ';
        off[a] = used, len[a] = ln;
        memcpy(text + used, l, ln);
        used += ln;
    }
    text[used] = '\0';
    fix_nines(text);
    tnote t[MAX_TIMES];
    int nt = find_times(text, t, MAX_TIMES);
    if (nt < 2 || nt <= c->ncols) return 0;
    int tlo[MAX_TIMES], thi[MAX_TIMES];
    for (int k = 0; k < nt; k++) {
        tlo[k] = INT_MAX, thi[k] = INT_MIN;
        for (size_t a = 0; a < n; a++) {
            if (off[a] + len[a] <= t[k].from || off[a] >= t[k].to) continue;
            if (lo[order[a]] < tlo[k]) tlo[k] = lo[order[a]];
            if (hi[order[a]] > thi[k]) thi[k] = hi[order[a]];
        }
        /* a range each: single times side by side may be a column's start and end */
        if (tlo[k] > thi[k] || t[k].end == TT_NO_TIME) return 0;
        /* forward in time and along the axis */
        if (k > 0 && (t[k].start < t[k - 1].start || tlo[k] < thi[k - 1])) return 0;
    }
    int cell_lo = along_y ? c->bbox.y : c->bbox.x;
    int cell_hi = cell_lo + (along_y ? c->bbox.h : c->bbox.w);
    g->n = nt;
    g->c0 = c->col, g->c1 = c->col + c->ncols;
    for (int k = 0; k < nt; k++) {
        tslot *sl = &g->s[k];
        sl->lo = k == 0 ? cell_lo : (thi[k - 1] + tlo[k]) / 2;
        sl->hi = k == nt - 1 ? cell_hi : (thi[k] + tlo[k + 1]) / 2;
        sl->label_lo = tlo[k], sl->label_hi = thi[k];
        sl->start = t[k].start;
        sl->end = t[k].end;
        /* slots do not overlap in time: a start read before the slot before has ended is
         * that slot's end misread (or this start), and the two share one edge */
        if (k > 0 && g->s[k - 1].end != TT_NO_TIME && sl->start < g->s[k - 1].end &&
            (sl->end == TT_NO_TIME || g->s[k - 1].end < sl->end))
            sl->start = g->s[k - 1].end;
    }
    return nt;
}

/* The time at position p along the axis of a group's slots: proportional inside the
 * slot that holds it; TT_NO_TIME where its slot's times are not both known. */
static int slot_time_at(const slot_group *g, int p)
{
    for (int k = 0; k < g->n; k++) {
        const tslot *sl = &g->s[k];
        if (p >= sl->hi && k + 1 < g->n) continue;
        if (p <= sl->lo || sl->end == TT_NO_TIME) return sl->start;
        if (p >= sl->hi) return sl->end;
        return round5(sl->start + (double)(sl->end - sl->start) * (p - sl->lo) / (sl->hi - sl->lo));
    }
    return TT_NO_TIME;
}

/* The slots [*a, *b] of g a line lies in: those holding a quarter of its extent or more,
 * else the one nearest its middle. */
static void line_slots(const slot_group *g, int lo, int hi, int *a, int *b)
{
    *a = -1, *b = -1;
    int len = hi - lo > 0 ? hi - lo : 1, mid = (lo + hi) / 2, best = 0, best_d = INT_MAX;
    for (int k = 0; k < g->n; k++) {
        int ov = (hi < g->s[k].hi ? hi : g->s[k].hi) - (lo > g->s[k].lo ? lo : g->s[k].lo);
        if (ov * 4 >= len) {
            if (*a < 0) *a = k;
            *b = k;
        }
        int d = mid < g->s[k].lo ? g->s[k].lo - mid : mid > g->s[k].hi ? mid - g->s[k].hi : 0;
        if (d < best_d) best_d = d, best = k;
    }
    if (*a < 0) *a = *b = best;
}

/* Emits cell c (info, read from all its lines) by the slots of g: its lines grouped where
 * their slots overlap, each group an event of its own (two lessons side by side in a
 * column the body does not divide), timed by the slots it covers unless it prints its
 * own times. Returns 0 (nothing emitted) when a line's place is unknown, or when the
 * cell, merged across lattice columns, holds one group: it runs across its columns. */
static int emit_by_slots(ctx *cx, const slot_group *g, int along_y, unsigned days, const tt_cell *c,
                         const cinfo *info, ap_status *st)
{
    size_t n = c->nlines;
    int sa[MAX_SLOT_LINES], sb[MAX_SLOT_LINES], grp[MAX_SLOT_LINES];
    if (n < 1 || n > MAX_SLOT_LINES) return 0;
    for (size_t i = 0; i < n; i++) {
        int lo, hi;
        if (!line_extent(&c->lines[i], along_y, &lo, &hi)) return 0;
        line_slots(g, lo, hi, &sa[i], &sb[i]);
    }
    /* groups: runs of slots that lines join (slot k in group gk) */
    int slot_grp[MAX_TIMES], ngroups = 0;
    for (int k = 0; k < g->n; k++)
        slot_grp[k] = -1;
    for (int k = 0; k < g->n; k++) {
        int hit = 0, joins = 0;
        for (size_t i = 0; i < n; i++) {
            hit |= sa[i] <= k && k <= sb[i];
            joins |= sa[i] < k && k <= sb[i];
        }
        if (!hit) continue;
        slot_grp[k] = joins && k > 0 && slot_grp[k - 1] >= 0 ? slot_grp[k - 1] : ngroups++;
    }
    /* one lesson in a cell merged across lattice columns runs across them, as drawn */
    if (ngroups == 1 && c->ncols > 1) return 0;
    /* one lesson in part of the cell's slots, centred nearer the cell's middle than the
     * middle of the times printed over it (a short word centred across the column), is
     * the cell's: it runs over every slot the cell spans */
    int whole_a = -1, whole_b = -1;
    if (ngroups == 1) {
        int lo = INT_MAX, hi = INT_MIN, cl, ch, a = -1, b = -1;
        for (size_t i = 0; i < n; i++) {
            int l0 = 0, l1 = 0;
            line_extent(&c->lines[i], along_y, &l0, &l1); /* known: checked above */
            if (l0 < lo) lo = l0;
            if (l1 > hi) hi = l1;
            a = a < 0 || sa[i] < a ? sa[i] : a;
            b = sb[i] > b ? sb[i] : b;
        }
        cl = along_y ? c->bbox.y : c->bbox.x;
        ch = cl + (along_y ? c->bbox.h : c->bbox.w);
        line_slots(g, cl, ch, &whole_a, &whole_b);
        int mid = (lo + hi) / 2, cell_mid = (cl + ch) / 2;
        int label_mid = (g->s[a].label_lo + g->s[b].label_hi) / 2;
        if ((whole_a == a && whole_b == b) || abs(mid - cell_mid) >= abs(mid - label_mid))
            whole_a = whole_b = -1;
    }
    for (size_t i = 0; i < n; i++)
        grp[i] = slot_grp[sa[i]];
    *st = AP_OK;
    for (int gi = 0; gi < ngroups && *st == AP_OK; gi++) {
        int first = -1, last = -1;
        for (int k = 0; k < g->n; k++)
            if (slot_grp[k] == gi) last = k, first = first < 0 ? k : first;
        cinfo part = {0};
        const cinfo *pi = info;
        tt_line sub[MAX_SLOT_LINES];
        if (ngroups > 1) {
            tt_cell piece = *c;
            piece.nlines = 0;
            piece.lines = sub;
            for (size_t i = 0; i < n; i++)
                if (grp[i] == gi) sub[piece.nlines++] = c->lines[i];
            if ((*st = read_cell(&piece, &part)) != AP_OK) break;
            pi = &part;
        }
        if (whole_a >= 0) first = whole_a, last = whole_b;
        if (is_event(pi)) {
            int s = pi->start != TT_NO_TIME ? pi->start : g->s[first].start;
            int e = pi->end != TT_NO_TIME ? pi->end : g->s[last].end;
            *st = emit(cx, days, pi, s, e, c);
        }
        free(part.name);
        free(part.notes);
    }
    return 1;
}

/* Whether cell c lies under one of the slot groups g[0, n) with every line placed. */
static int slot_timed(const slot_group *g, int n, int along_y, const tt_cell *c)
{
    int lo, hi;
    for (size_t i = 0; i < c->nlines; i++)
        if (!line_extent(&c->lines[i], along_y, &lo, &hi)) return 0;
    for (int k = 0; k < n; k++)
        if (g[k].c0 <= c->col && c->col + c->ncols <= g[k].c1) return c->nlines > 0;
    return 0;
}

/* A cell holding blocks side by side along the time axis, each printing its own time
 * ("1.10 - 1.30pm Library" set sideways beside "Maths 1.30 - 2.10pm"), is an event per
 * block: the lines' places part the blocks (lines whose extents overlap are one). Returns
 * 0 (nothing emitted) unless there are two blocks or more and every one prints a time. */
static int emit_side_by_side(ctx *cx, int along_y, unsigned days, const tt_cell *c, int e,
                             ap_status *st)
{
    size_t n = c->nlines, order[MAX_SLOT_LINES];
    int lo[MAX_SLOT_LINES], hi[MAX_SLOT_LINES], block[MAX_SLOT_LINES], nblocks = 0, end = 0;
    if (n < 2 || n > MAX_SLOT_LINES) return 0;
    for (size_t i = 0; i < n; i++) {
        if (!line_extent(&c->lines[i], along_y, &lo[i], &hi[i])) return 0;
        order[i] = i;
    }
    for (size_t a = 1; a < n; a++)
        for (size_t b = a; b > 0 && lo[order[b]] < lo[order[b - 1]]; b--) {
            size_t tmp = order[b];
            order[b] = order[b - 1], order[b - 1] = tmp;
        }
    for (size_t a = 0; a < n; a++) {
        size_t i = order[a];
        if (a == 0 || lo[i] >= end) nblocks++, end = hi[i];
        if (hi[i] > end) end = hi[i];
        block[i] = nblocks - 1;
    }
    if (nblocks < 2 || nblocks > MAX_TIMES) return 0;
    cinfo part[MAX_TIMES];
    int nparts = 0, timed = 1;
    *st = AP_OK;
    for (int k = 0; k < nblocks; k++) {
        tt_line sub[MAX_SLOT_LINES];
        tt_cell piece = *c;
        piece.lines = sub, piece.nlines = 0;
        for (size_t i = 0; i < n; i++)
            if (block[i] == k) sub[piece.nlines++] = c->lines[i];
        if ((*st = read_cell(&piece, &part[nparts])) != AP_OK) break;
        timed &= part[nparts].start != TT_NO_TIME && is_event(&part[nparts]);
        nparts++;
    }
    int split = *st == AP_OK && timed;
    for (int k = 0; k < nparts; k++) {
        if (split && *st == AP_OK) {
            int pe = part[k].end != TT_NO_TIME ? part[k].end
                     : k + 1 < nparts          ? part[k + 1].start
                                               : e;
            *st = emit(cx, days, &part[k], part[k].start, pe, c);
        }
        free(part[k].name);
        free(part[k].notes);
    }
    return split || *st != AP_OK;
}

/* A cell merged down several days that prints its text once in each day's rows (a
 * column shaded down the week and labelled on every day, no rule drawn across the
 * shading) is an event per day, read from that day's lines. The lines' places say which
 * day's rows hold them; it is so only when every day's rows hold lines of their own,
 * centred in those rows, no line crossing into another day's rows, and the parts read
 * alike or are three or more (a name of two lines centred across two days' rows puts a
 * line in each). s, e: the cell's times, for a part that prints none. Returns 0 (nothing
 * emitted) otherwise. */
#define MAX_DAY_BANDS 8
static int emit_per_day(ctx *cx, const tt_table *t, const unsigned *row_days, int along_y,
                        const tt_cell *c, int s, int e, ap_status *st)
{
    size_t n = c->nlines;
    int band_of[MAX_SLOT_LINES], blo[MAX_DAY_BANDS], bhi[MAX_DAY_BANDS], nb = 0;
    int plo[MAX_DAY_BANDS], phi[MAX_DAY_BANDS];
    unsigned bdays[MAX_DAY_BANDS];
    if (n < 2 || n > MAX_SLOT_LINES || c->nrows < 2) return 0;
    for (int r = c->row; r < c->row + c->nrows && r < t->nrows; r++) {
        if (!row_days[r]) return 0;
        if (nb && bdays[nb - 1] == row_days[r]) {
            bhi[nb - 1] = t->row_pos[r + 1];
            continue;
        }
        if (nb == MAX_DAY_BANDS) return 0;
        blo[nb] = t->row_pos[r], bhi[nb] = t->row_pos[r + 1], bdays[nb] = row_days[r];
        plo[nb] = INT_MAX, phi[nb] = INT_MIN;
        nb++;
    }
    if (nb < 2) return 0;
    for (size_t i = 0; i < n; i++) {
        int lo, hi;
        if (!line_extent(&c->lines[i], !along_y, &lo, &hi)) return 0;
        band_of[i] = -1;
        for (int k = 0; k < nb; k++)
            if (lo >= blo[k] && hi <= bhi[k]) band_of[i] = k;
        if (band_of[i] < 0) return 0;
        int k = band_of[i];
        if (lo < plo[k]) plo[k] = lo;
        if (hi > phi[k]) phi[k] = hi;
    }
    for (int k = 0; k < nb; k++) {
        int mid = (blo[k] + bhi[k]) / 2, pmid = (plo[k] + phi[k]) / 2;
        if (plo[k] > phi[k] || abs(pmid - mid) * 4 > bhi[k] - blo[k]) return 0;
    }
    cinfo part[MAX_DAY_BANDS];
    int nparts = 0, alike = 1, ok = 1;
    *st = AP_OK;
    for (int k = 0; k < nb; k++) {
        tt_line sub[MAX_SLOT_LINES];
        tt_cell piece = *c;
        piece.lines = sub, piece.nlines = 0;
        for (size_t i = 0; i < n; i++)
            if (band_of[i] == k) sub[piece.nlines++] = c->lines[i];
        if ((*st = read_cell(&piece, &part[nparts])) != AP_OK) break;
        nparts++;
        ok &= part[k].letters >= 2 && !part[k].day_label;
        alike &= k == 0 || strcasecmp(part[k].name, part[0].name) == 0;
    }
    int split = *st == AP_OK && ok && (alike || nb >= 3);
    for (int k = 0; k < nparts; k++) {
        if (split && *st == AP_OK) {
            int ps = part[k].start != TT_NO_TIME ? part[k].start : s;
            int pe = part[k].end != TT_NO_TIME ? part[k].end : e;
            *st = emit(cx, bdays[k] & 0x7fu, &part[k], ps, pe, c);
        }
        free(part[k].name);
        free(part[k].notes);
    }
    return split || *st != AP_OK;
}

/* Days as rows, labelled in column label_col; along_y: the table was transposed (days as
 * columns), so its time axis runs down the page. */
static ap_status grid_rows(ctx *cx, const tt_table *t, cinfo *ci, int label_col, int along_y)
{
    ap_status st = AP_ERR_NOMEM;
    slot_group groups[MAX_SLOT_GROUPS];
    int ngroups = 0;
    int *bstart = NULL, *bend = NULL, *order = NULL;
    unsigned *row_days = NULL;
    unsigned char *emitted = NULL, *end_printed = NULL, *start_printed = NULL; /* printed times */
    size_t nc = (size_t)t->ncols + 1;
    if (!(bstart = malloc(nc * sizeof *bstart)) || !(bend = malloc(nc * sizeof *bend)) ||
        !(row_days = calloc((size_t)t->nrows, sizeof *row_days)) ||
        !(order = malloc((t->ncells ? t->ncells : 1) * sizeof *order)) ||
        !(emitted = calloc(t->ncells ? t->ncells : 1, 1)) || !(end_printed = calloc(nc, 1)) ||
        !(start_printed = calloc(nc, 1)))
        goto out;
    for (size_t k = 0; k < nc; k++)
        bstart[k] = bend[k] = TT_NO_TIME;

    guess_unread_days(t, ci, label_col);
    /* Day of each lattice row, and where the body starts. */
    int first_row = t->nrows, data_col = label_col + 1, prev_day = -1;
    for (size_t i = 0; i < t->ncells; i++) {
        const tt_cell *c = &t->cells[i];
        if (c->col != label_col || !ci[i].day_label) continue;
        unsigned days = resolve_day(ci[i].days, prev_day);
        prev_day = lowest_day(days);
        if (c->row < first_row) first_row = c->row;
        if (c->col + c->ncols > data_col) data_col = c->col + c->ncols;
        for (int r = c->row; r < c->row + c->nrows && r < t->nrows; r++)
            row_days[r] |= days;
    }

    /* Text with no time and no day above the body or before the day labels is not the
     * timetable's: a title the reader took in as the top row, a corner cell naming the
     * class. It joins the header text. */
    for (size_t i = 0; i < t->ncells; i++) {
        const tt_cell *c = &t->cells[i];
        if (!ci[i].ntimes && !ci[i].day_label &&
            (c->row + c->nrows <= first_row || c->col + c->ncols <= label_col))
            add_cell_header(cx, c);
    }

    /* The header: time of each column edge, for cells starting and ending there. */
    for (size_t i = 0; i < t->ncells; i++) {
        const tt_cell *c = &t->cells[i];
        if (c->row + c->nrows > first_row || c->col < data_col || !ci[i].ntimes) continue;
        int c0 = c->col, c1 = c->col + c->ncols;
        int s = ci[i].start, e = ci[i].end;
        if (ci[i].guessed) cx->guessed_ampm = 1;
        if (ngroups < MAX_SLOT_GROUPS && header_slots(c, along_y, &groups[ngroups])) {
            const slot_group *g = &groups[ngroups++];
            for (int k = c0; k <= c1; k++) {
                int tm = k == c0   ? g->s[0].start
                         : k == c1 ? g->s[g->n - 1].end
                                   : slot_time_at(g, t->col_pos[k]);
                if (k < c1) bstart[k] = tm;
                if (k > c0 && tm != TT_NO_TIME) bend[k] = tm;
            }
            continue;
        }
        /* One time per column, in order, where a header cell spans columns that no rule
         * divides ("9.15 - 10.05   10.05 - 10.50" over two columns). */
        if (c->ncols >= 2 && ci[i].ntimes == c->ncols && times_ascend(&ci[i])) {
            for (int k = 0; k < c->ncols; k++) {
                bstart[c0 + k] = ci[i].times[k][0], start_printed[c0 + k] = 1;
                if (ci[i].times[k][1] != TT_NO_TIME)
                    bend[c0 + k + 1] = ci[i].times[k][1], end_printed[c0 + k + 1] = 1;
            }
            continue;
        }
        start_printed[c0] = 1;
        if (e == TT_NO_TIME) {
            bstart[c0] = s;
            continue;
        }
        double span = t->col_pos[c1] - t->col_pos[c0];
        for (int k = c0; k <= c1; k++) {
            double f = span > 0 ? (t->col_pos[k] - t->col_pos[c0]) / span : 0;
            int tm = k == c0 ? s : k == c1 ? e : round5(s + (e - s) * f);
            if (k < c1) bstart[k] = tm;
            if (k > c0) bend[k] = tm;
        }
        end_printed[c1] = 1;
    }
    /* A header with a single time ends where the next one starts. */
    for (size_t k = 1; k < nc; k++)
        if (bend[k] == TT_NO_TIME) bend[k] = bstart[k];
    tt_mend_header_times(bstart, bend, nc);

    /* Body: per lattice row band of one day label, the cells in it left to right. */
    for (int r = first_row; r < t->nrows;) {
        unsigned days = row_days[r];
        int r1 = r + 1;
        while (r1 < t->nrows && row_days[r1] == days)
            r1++;
        if (!days) {
            r = r1;
            continue;
        }
        size_t n = 0;
        for (size_t i = 0; i < t->ncells; i++) {
            const tt_cell *c = &t->cells[i];
            if (c->col < data_col || c->row >= r1 || c->row + c->nrows <= r) continue;
            order[n++] = (int)i;
        }
        /* left to right (cells come sorted by row, then column) */
        for (size_t a = 1; a < n; a++)
            for (size_t b = a; b > 0 && t->cells[order[b]].col < t->cells[order[b - 1]].col; b--) {
                int tmp = order[b];
                order[b] = order[b - 1];
                order[b - 1] = tmp;
            }
        for (size_t a = 0; a < n; a++) {
            const tt_cell *c = &t->cells[order[a]];
            const cinfo *info = &ci[order[a]];
            if (!is_event(info)) continue;
            /* days of this cell: every day whose rows it covers, within this band; a
             * band printed once across the days, every day */
            unsigned cdays = 0;
            int band = band_over_days(t, ci, (size_t)order[a], first_row, along_y);
            int from = band ? first_row : c->row, to = band ? t->nrows : c->row + c->nrows;
            for (int rr = from; rr < to && rr < t->nrows; rr++)
                cdays |= row_days[rr];
            /* A cell covering several days is emitted once, for all of them. */
            if (emitted[order[a]]) continue;
            emitted[order[a]] = 1;
            int c0 = c->col, c1 = c->col + c->ncols;
            const slot_group *g = NULL;
            for (int k = 0; k < ngroups && !g; k++)
                if (groups[k].c0 <= c0 && c1 <= groups[k].c1) g = &groups[k];
            if (g && emit_by_slots(cx, g, along_y, cdays & 0x7fu, c, info, &st)) {
                if (st != AP_OK) goto out;
                continue;
            }
            int s = info->start, e = info->end;
            /* a time the header prints for this column's edge stands; else the time
             * its neighbour prints, then the header's guess (a share of a range) */
            if (s == TT_NO_TIME && start_printed[c0]) s = bstart[c0];
            if (e == TT_NO_TIME && end_printed[c1]) e = bend[c1];
            /* a neighbour timed by slots prints the times of its parts, not of the edge */
            if (s == TT_NO_TIME) {
                for (size_t b = 0; b < n; b++) {
                    const tt_cell *o = &t->cells[order[b]];
                    if (slot_timed(groups, ngroups, along_y, o)) continue;
                    if (o->col + o->ncols == c0 && ci[order[b]].end != TT_NO_TIME)
                        s = ci[order[b]].end;
                }
                if (s == TT_NO_TIME) s = bstart[c0] != TT_NO_TIME ? bstart[c0] : bend[c0];
            }
            if (e == TT_NO_TIME) {
                for (size_t b = 0; b < n; b++) {
                    const tt_cell *o = &t->cells[order[b]];
                    if (slot_timed(groups, ngroups, along_y, o)) continue;
                    if (o->col == c1 && ci[order[b]].start != TT_NO_TIME &&
                        (s == TT_NO_TIME || ci[order[b]].start > s))
                        e = ci[order[b]].start;
                }
                if (e == TT_NO_TIME) e = bend[c1] != TT_NO_TIME ? bend[c1] : bstart[c1];
            }
            if (!band && emit_per_day(cx, t, row_days, along_y, c, s, e, &st)) {
                if (st != AP_OK) goto out;
                continue;
            }
            if (emit_side_by_side(cx, along_y, cdays & 0x7fu, c, e, &st)) {
                if (st != AP_OK) goto out;
                continue;
            }
            if ((st = emit(cx, cdays & 0x7fu, info, s, e, c)) != AP_OK) goto out;
        }
        r = r1;
    }
    st = AP_OK;
out:
    free(bstart);
    free(bend);
    free(row_days);
    free(order);
    free(emitted);
    free(end_printed);
    free(start_printed);
    return st;
}

/* The days a list's heading cell names: words of three letters or more ("Mon/Tue",
 * "Daily Schedule - Monday to Wednesday"), or short day names alone ("Fr") in a cell
 * across most of the list; a lone "we" or "M" in one column is more likely a time OCR
 * read badly than a heading. */
static unsigned heading_days(const tt_table *t, const tt_cell *c, const cinfo *ci)
{
    int c1 = c->col + c->ncols < t->ncols ? c->col + c->ncols : t->ncols;
    int across = c->col >= 0 && c->col < c1 &&
                 2 * (t->col_pos[c1] - t->col_pos[c->col]) > t->col_pos[t->ncols] - t->col_pos[0];
    return (across && ci->day_label ? resolve_day(ci->days, -1) : ci->named_days) & 0x7fu;
}

/* One row of a list as read: its name's cell, its times, its heading's days. */
typedef struct ev {
    int name_cell, start, end; /* TT_NO_TIME: not read */
    unsigned days;
    int section; /* rows under one heading share it */
    int single;  /* printed as one time (an instant, or ending at the next start) */
    int line;    /* the name cell's line that names it (rows merged), or -1: the cell */
} ev;

/* Times out of order are misread: of the times read in evs[0, n) (each start, then its
 * end, row by row), the longest run that never goes back stays and the others are
 * dropped. scratch holds 4 * n ints. */
static void drop_out_of_order(ev *evs, int n, int *scratch)
{
    int m = 2 * n, *len = scratch, *from = scratch + m, best = -1;
    for (int i = 0; i < m; i++) {
        int vi = i % 2 ? evs[i / 2].end : evs[i / 2].start;
        len[i] = 0, from[i] = -1;
        if (vi == TT_NO_TIME) continue;
        len[i] = 1;
        for (int j = 0; j < i; j++) {
            int vj = j % 2 ? evs[j / 2].end : evs[j / 2].start;
            /* a start and its own end must differ */
            int ok = vj != TT_NO_TIME && (vj < vi || (vj == vi && !(j % 2 == 0 && i == j + 1)));
            if (ok && len[j] + 1 > len[i]) len[i] = len[j] + 1, from[i] = j;
        }
        if (best < 0 || len[i] > len[best]) best = i;
    }
    for (int i = 0; i < m; i++)
        len[i] = 0; /* now: on the run */
    for (int i = best; i >= 0; i = from[i])
        len[i] = 1;
    for (int k = 0; k < n; k++) {
        if (evs[k].start != TT_NO_TIME && !len[2 * k]) evs[k].start = TT_NO_TIME, evs[k].single = 0;
        if (evs[k].end != TT_NO_TIME && !len[2 * k + 1]) evs[k].end = TT_NO_TIME;
    }
}

/* Rows of a list merged into one (no rule and too little space parted them, a banded
 * page): the time cell holds k ranges in time order and the name cell k lines, each a
 * name; returns k, or 0 when the row is one event. */
static int merged_rows(const tt_cell *name, const cinfo *time)
{
    int k = time->ntimes;
    if (k < 2 || (size_t)k != name->nlines || !times_ascend(time)) return 0;
    float tallest = 0;
    for (int j = 0; j < k; j++)
        tallest = name->lines[j].height > tallest ? name->lines[j].height : tallest;
    for (int j = 0; j < k; j++) {
        tnote t[MAX_TIMES];
        /* each line a name of its own: none a note in smaller type, none a time */
        if ((time->times[j][1] == TT_NO_TIME && j + 1 < k) ||
            name->lines[j].height < 0.78f * tallest || count_letters(name->lines[j].text) < 2 ||
            find_times(name->lines[j].text, t, MAX_TIMES))
            return 0;
    }
    return k;
}

/* emit for the event named by line k of a cell of merged rows (merged_rows): the line
 * is its name, without notes. */
static ap_status emit_line(ctx *cx, unsigned days, const cinfo *ci, int start, int end,
                           const tt_cell *cell, int k)
{
    cinfo one = *ci;
    one.notes = NULL;
    if (!(one.name = trim_copy(cell->lines[k].text, 0, strlen(cell->lines[k].text))))
        return AP_ERR_NOMEM;
    ap_status st = emit(cx, days, &one, start, end, cell);
    free(one.name);
    return st;
}

/* A list: each row with a time is an event, on the days its heading names (the nearest
 * heading row above it that names days: one table may hold several lists one under
 * another). The rows under a heading run in time order, which places times OCR could not
 * read (small print, a blurred photo): a row whose time cell is printed but unreadable,
 * or read out of order (drop_out_of_order), starts where the event before it ends; an
 * end unread ends where the next event starts, as a single time does; a row placed at
 * one end only is left out. A row whose time cell holds several ranges beside as many
 * names is rows merged (merged_rows): an event each. Returns AP_OK with *used 0 when the
 * table has too few times to be a schedule. */
static ap_status list_rows(ctx *cx, const tt_table *t, cinfo *ci, int *used)
{
    ap_status st = AP_ERR_NOMEM;
    *used = 0;
    ev *evs = NULL;
    int *col_times = NULL, *lis = NULL, nev = 0;
    size_t nr = (size_t)t->nrows + 1, nc = (size_t)t->ncols + 1;
    if (!(evs = malloc(nr * MAX_TIMES * sizeof *evs)) ||
        !(col_times = calloc(nc, sizeof *col_times)))
        goto out;
    /* the time column: where most cells holding a time stand */
    int timed_rows = 0, last_row = -1, time_col = -1;
    for (size_t i = 0; i < t->ncells; i++) {
        if (!ci[i].ntimes) continue;
        if (t->cells[i].row != last_row) timed_rows++, last_row = t->cells[i].row;
        if (t->cells[i].col >= 0 && t->cells[i].col < t->ncols) col_times[t->cells[i].col]++;
    }
    for (int c = 0; c < t->ncols; c++)
        if (col_times[c] && (time_col < 0 || col_times[c] > col_times[time_col])) time_col = c;
    st = AP_OK;
    if (timed_rows < 2) goto out;
    *used = 1;
    unsigned days = 0, any_days = 0, first_days = 0;
    int section = 0;
    for (int r = 0; r < t->nrows; r++) {
        int name_cell = -1, timed = -1, time_printed = -1;
        unsigned named = 0;
        for (size_t i = 0; i < t->ncells; i++) {
            const tt_cell *c = &t->cells[i];
            if (c->row != r) continue;
            if (ci[i].ntimes && timed < 0) timed = (int)i;
            if (!ci[i].ntimes) named |= heading_days(t, c, &ci[i]);
            /* a cell of the time column alone, with print: a time OCR could not read */
            if (c->col == time_col && c->ncols == 1 && !ci[i].ntimes && ci[i].name[0])
                time_printed = (int)i;
            if (!is_event(&ci[i]) || (ci[i].days && ci[i].ntimes == 0 && ci[i].letters < 4))
                continue;
            /* the time column's cell names the event only when no other cell does */
            int here = c->col == time_col,
                best_here = name_cell >= 0 && t->cells[name_cell].col == time_col;
            if (name_cell < 0 || (best_here && !here) ||
                (here == best_here && ci[i].letters > ci[name_cell].letters))
                name_cell = (int)i;
        }
        int unreadable = timed < 0 && time_printed >= 0 && name_cell >= 0 &&
                         name_cell != time_printed && t->cells[name_cell].col != time_col;
        if (timed < 0 && !unreadable) {
            /* a row without a time is a heading or a title: header text, and the days it
             * names are those of the rows under it */
            if (named && !any_days) first_days = named;
            if (named) days = named, any_days |= named, section++;
            for (size_t i = 0; i < t->ncells; i++)
                if (t->cells[i].row == r) add_cell_header(cx, &t->cells[i]);
            continue;
        }
        if (name_cell < 0) continue;
        ev v = {name_cell, TT_NO_TIME, TT_NO_TIME, days, section, 0, -1};
        int merged = timed >= 0 ? merged_rows(&t->cells[name_cell], &ci[timed]) : 0;
        for (int k = 0; k < merged; k++) {
            v.start = ci[timed].times[k][0], v.end = ci[timed].times[k][1], v.line = k;
            v.single = v.end == TT_NO_TIME;
            evs[nev++] = v;
        }
        if (merged) continue;
        if (timed >= 0 && ci[timed].end_only) {
            v.end = ci[timed].start;
        } else if (timed >= 0) {
            v.start = ci[timed].start, v.end = ci[timed].end;
            v.single = v.end == TT_NO_TIME && !ci[timed].start_only;
        }
        evs[nev++] = v;
    }
    /* a list without a heading that names days, beside lists that name some, is the
     * week's other days (lists side by side part the week: "Mon-Wed", then a heading OCR
     * could not read); alone, it is every weekday */
    unsigned unheaded =
        ALL_WEEKDAYS & ~cx->headed_days ? ALL_WEEKDAYS & ~cx->headed_days : ALL_WEEKDAYS;
    if (!any_days &&
        (st = tt_doc_warn(cx->doc, unheaded == ALL_WEEKDAYS
                                       ? "a schedule without day names: read as Monday to Friday"
                                       : "a schedule without day names: read as the weekdays "
                                         "the other schedules leave out")) != AP_OK)
        goto out;
    /* each list under its own heading runs in its own time order */
    if (!(lis = malloc(4 * (size_t)(nev ? nev : 1) * sizeof *lis))) {
        st = AP_ERR_NOMEM;
        goto out;
    }
    for (int a = 0, b; a < nev; a = b) {
        for (b = a + 1; b < nev && evs[b].section == evs[a].section;)
            b++;
        drop_out_of_order(evs + a, b - a, lis);
    }
    for (int k = 0; k < nev; k++) {
        ev *v = &evs[k];
        int first = k == 0 || evs[k - 1].section != v->section;
        int last = k + 1 == nev || evs[k + 1].section != v->section;
        int known_next = last ? TT_NO_TIME : evs[k + 1].start;
        if (v->start == TT_NO_TIME && !first) v->start = evs[k - 1].end;
        if (v->start == TT_NO_TIME) continue;
        if (v->end == TT_NO_TIME && known_next != TT_NO_TIME && known_next > v->start)
            v->end = known_next;
        /* an end unread stays open only for an instant or the last row */
        if (v->end == TT_NO_TIME && !v->single && !last) continue;
        /* rows above every heading: the first heading's days */
        unsigned d = !any_days ? unheaded : v->days ? v->days : first_days;
        if (v->line >= 0) {
            st = emit_line(cx, d, &ci[v->name_cell], v->start, v->end, &t->cells[v->name_cell],
                           v->line);
        } else {
            st = emit(cx, d, &ci[v->name_cell], v->start, v->end, &t->cells[v->name_cell]);
        }
        if (st != AP_OK) break;
    }
out:
    free(evs);
    free(col_times);
    free(lis);
    return st;
}

static ap_status add_header_text(ctx *cx, const tt_table *t)
{
    for (size_t i = 0; i < t->ncells; i++)
        add_cell_header(cx, &t->cells[i]);
    return cx->header.oom ? AP_ERR_NOMEM : AP_OK;
}

/* ---- lists side by side ---- */

/* Lists printed side by side come to the interpreter as one table when their rules, or
 * the whitespace between their rows, joined into one lattice (a raster page: the PDF
 * reader parts them itself from the text). Read as one list, each row would take the
 * days of every heading and the times of whichever list has more of them, so the table
 * is cut into one list per heading first. */
#define MAX_SIDE_LISTS 8

/* Whether a cell heads a list: it names days by words (a heading "Our Day / Mon/Wed", or
 * a day name alone) and holds no time. */
static int heads_list(const cinfo *ci)
{
    return !ci->ntimes && (ci->named_days & 0x7fu);
}

/* Whether a cell with print, in row from_row or below it, crosses lattice column edge k.
 * A cell of a letter or two is a speck or a rule OCR read, not text that joins lists. */
static int crosses_edge(const tt_table *t, const cinfo *ci, int k, int from_row)
{
    for (size_t i = 0; i < t->ncells; i++) {
        const tt_cell *c = &t->cells[i];
        if (c->row + c->nrows > from_row && c->col < k && c->col + c->ncols > k &&
            (ci[i].ntimes || ci[i].letters >= 3))
            return 1;
    }
    return 0;
}

/* How surely columns [k0, k1) below row top hold a list of their own: 2 when in two rows
 * at least a cell of times alone ("8:20 - 9:05 am") stands beside a cell naming an event
 * in another column (lists print their times in a column of their own; a grid's day
 * column holds names only, its times are the header's, and a cell printing its own
 * times holds its name too); 1 when, in two rows at least, a cell naming an event stands
 * beside print with a figure that OCR could not read as a time (small print), or a cell
 * holds a time on its first line over a name (a list's columns no gap parted); else 0. */
static int part_is_list(const tt_table *t, const cinfo *ci, int k0, int k1, int top)
{
    int timed = 0, printed = 0;
    for (int r = top; r < t->nrows && timed < 2; r++) {
        int time_col = -1, name_col = -1, figure_col = -1;
        for (size_t i = 0; i < t->ncells; i++) {
            const tt_cell *c = &t->cells[i];
            if (c->row != r || c->col < k0 || c->col + c->ncols > k1) continue;
            if (ci[i].ntimes && ci[i].letters <= 4) time_col = c->col;
            if (!ci[i].ntimes && ci[i].letters >= 3 && !ci[i].day_label &&
                (name_col < 0 || ci[i].letters > 3))
                name_col = c->col;
            if (!ci[i].ntimes && strpbrk(ci[i].name, "0123456789")) figure_col = c->col;
            /* a time on a line of its own over the name, in one cell: a list whose time
             * column no gap parted from its names ("8:15" over "Doors Open") */
            if (ci[i].ntimes && ci[i].letters >= 3 && c->nlines >= 2 &&
                tp_is_time_only(c->lines[0].text, strlen(c->lines[0].text), 0, NULL))
                figure_col = name_col = -2 - c->col;
        }
        timed += time_col >= 0 && name_col >= 0 && time_col != name_col;
        printed +=
            figure_col != -1 && name_col != -1 && (figure_col != name_col || figure_col < -1);
    }
    return timed >= 2 ? 2 : printed >= 2 ? 1 : 0;
}

/* The lattice column edges that part lists side by side in t, into cuts[0, n - 1);
 * returns n, the number of lists (0: t is not lists side by side). A row holds two
 * headings or more, each over columns of its own; between two neighbours the cut is an
 * edge that no cell with print crosses from the headings down (the one nearest half way
 * between them), and each part must be a list (part_is_list). */
static int side_list_cuts(const tt_table *t, const cinfo *ci, int *cuts)
{
    size_t heads[MAX_SIDE_LISTS], best[MAX_SIDE_LISTS];
    int nbest = 0;
    for (int r = 0; r < t->nrows; r++) {
        int n = 0;
        for (size_t i = 0; i < t->ncells && n < MAX_SIDE_LISTS; i++) {
            const tt_cell *c = &t->cells[i];
            if (c->row > r || c->row + c->nrows <= r || !heads_list(&ci[i])) continue;
            int k = n++;
            while (k > 0 && t->cells[heads[k - 1]].col > c->col) {
                heads[k] = heads[k - 1];
                k--;
            }
            heads[k] = i;
        }
        int apart = n >= 2;
        for (int k = 1; apart && k < n; k++)
            apart =
                t->cells[heads[k]].col >= t->cells[heads[k - 1]].col + t->cells[heads[k - 1]].ncols;
        if (apart && n > nbest) {
            nbest = n;
            memcpy(best, heads, (size_t)n * sizeof *heads);
        }
    }
    if (nbest < 2) return 0;
    int top = t->nrows;
    for (int k = 0; k < nbest; k++)
        top = t->cells[best[k]].row < top ? t->cells[best[k]].row : top;
    for (int k = 0; k + 1 < nbest; k++) {
        const tt_cell *a = &t->cells[best[k]], *b = &t->cells[best[k + 1]];
        int lo = a->col + a->ncols, hi = b->col, cut = -1;
        if (lo < 1 || hi >= t->ncols || lo > hi) return 0;
        double mid = (t->col_pos[lo] + t->col_pos[hi]) / 2.0;
        for (int e = lo; e <= hi; e++)
            if (!crosses_edge(t, ci, e, top) &&
                (cut < 0 || fabs(t->col_pos[e] - mid) < fabs(t->col_pos[cut] - mid)))
                cut = e;
        if (cut < 0) return 0;
        cuts[k] = cut;
    }
    /* every part a list, one at least surely */
    int sure = 0;
    for (int k = 0; k < nbest; k++) {
        int p = part_is_list(t, ci, k ? cuts[k - 1] : 0, k + 1 < nbest ? cuts[k] : t->ncols, top);
        if (!p) return 0;
        sure |= p == 2;
    }
    return sure ? nbest : 0;
}

/* Reads t as n lists side by side, parted at cuts[0, n - 1): each part a list of its own
 * (list_rows); a cell across a cut (a title over them all) is header text. */
static ap_status side_lists(ctx *cx, const tt_table *t, const cinfo *ci, const int *cuts, int n)
{
    ap_status st = AP_ERR_NOMEM;
    tt_cell *cells = malloc((t->ncells ? t->ncells : 1) * sizeof *cells);
    cinfo *sub = malloc((t->ncells ? t->ncells : 1) * sizeof *sub);
    if (!cells || !sub) goto out;
    st = AP_OK;
    for (size_t i = 0; i < t->ncells; i++) {
        const tt_cell *c = &t->cells[i];
        for (int k = 0; k + 1 < n; k++)
            if (c->col < cuts[k] && c->col + c->ncols > cuts[k]) {
                add_cell_header(cx, c);
                break;
            }
    }
    for (int k = 0; k < n && st == AP_OK; k++) {
        int k0 = k ? cuts[k - 1] : 0, k1 = k + 1 < n ? cuts[k] : t->ncols, used = 0;
        tt_table part = {.nrows = t->nrows,
                         .ncols = k1 - k0,
                         .row_pos = t->row_pos,
                         .col_pos = t->col_pos + k0,
                         .cells = cells,
                         .bbox = t->bbox};
        /* the part's cells and their readings, shallow copies (list_rows only reads) */
        for (size_t i = 0; i < t->ncells; i++) {
            const tt_cell *c = &t->cells[i];
            if (c->col < k0 || c->col + c->ncols > k1) continue;
            cells[part.ncells] = *c;
            cells[part.ncells].col -= k0;
            sub[part.ncells++] = ci[i];
        }
        /* the other parts' headings are other lists' */
        unsigned others = cx->headed_days, outer = others;
        for (size_t i = 0; i < t->ncells; i++) {
            const tt_cell *c = &t->cells[i];
            if ((c->col + c->ncols <= k0 || c->col >= k1) && !ci[i].ntimes)
                others |= heading_days(t, c, &ci[i]);
        }
        cx->headed_days = others;
        st = list_rows(cx, &part, sub, &used);
        cx->headed_days = outer;
        if (st == AP_OK && !used) st = add_header_text(cx, &part);
    }
out:
    free(cells);
    free(sub);
    return st;
}

/* Single letters stacked one per row in one column make a word ("B","R","E","A","K"):
 * each cell of the run takes the whole word. */
static ap_status join_vertical_letters(const tt_table *t, cinfo *ci)
{
    for (size_t i = 0; i < t->ncells; i++) {
        if (strlen(ci[i].name) != 1 || !isalpha((unsigned char)ci[i].name[0])) continue;
        size_t run[64];
        size_t n = 0;
        run[n++] = i;
        for (size_t j = i + 1; j < t->ncells && n < 64; j++) {
            const tt_cell *p = &t->cells[run[n - 1]], *c = &t->cells[j];
            if (c->col == p->col && c->ncols == p->ncols && c->row == p->row + p->nrows &&
                strlen(ci[j].name) == 1 && isalpha((unsigned char)ci[j].name[0]))
                run[n++] = j;
        }
        if (n < 3) continue;
        char word[65];
        for (size_t k = 0; k < n; k++)
            word[k] = (char)(k ? tolower((unsigned char)ci[run[k]].name[0])
                               : toupper((unsigned char)ci[run[k]].name[0]));
        word[n] = '\0';
        for (size_t k = 0; k < n; k++) {
            char *copy = strdup(word);
            if (!copy) return AP_ERR_NOMEM;
            free(ci[run[k]].name);
            ci[run[k]].name = copy;
            ci[run[k]].letters = (int)n;
            ci[run[k]].day_label = 0;
        }
    }
    return AP_OK;
}

/* The day-label column (or row, when by_row) most labels share; -1 when fewer than 2. A
 * cell across the whole table (a list's heading "Fri") labels no row of it. */
static int label_axis(const tt_table *t, const cinfo *ci, int by_row, int *count)
{
    int best = -1, best_n = 0;
    int limit = by_row ? t->nrows : t->ncols;
    for (int k = 0; k < limit; k++) {
        int n = 0;
        for (size_t i = 0; i < t->ncells; i++) {
            const tt_cell *c = &t->cells[i];
            int across = by_row ? c->nrows >= t->nrows && t->nrows > 1
                                : c->ncols >= t->ncols && t->ncols > 1;
            if (ci[i].day_label && !across && (by_row ? c->row : c->col) == k) n++;
        }
        if (n > best_n) best_n = n, best = k;
    }
    *count = best_n;
    return best_n >= 2 ? best : -1;
}

static ap_status interpret_table(ctx *cx, const tt_table *table)
{
    ap_status st = AP_ERR_NOMEM;
    tt_table flipped = {0};
    const tt_table *t = table;
    cinfo *ci = calloc(table->ncells ? table->ncells : 1, sizeof *ci);
    if (!ci) goto out;
    for (size_t i = 0; i < table->ncells; i++)
        if ((st = read_cell(&table->cells[i], &ci[i])) != AP_OK) goto out;
    if ((st = join_vertical_letters(table, ci)) != AP_OK) goto out;
    int cuts[MAX_SIDE_LISTS];
    int nlists = side_list_cuts(table, ci, cuts);
    if (nlists >= 2) {
        st = side_lists(cx, table, ci, cuts, nlists);
        goto out;
    }
    int ncol_labels = 0, nrow_labels = 0;
    int col = label_axis(table, ci, 0, &ncol_labels);
    int row = label_axis(table, ci, 1, &nrow_labels);
    if (row >= 0 && nrow_labels > ncol_labels) {
        if ((st = transpose(table, &flipped)) != AP_OK) goto out;
        t = &flipped;
        col = row;
    }
    if (col >= 0) {
        st = grid_rows(cx, t, ci, col, t == &flipped);
    } else {
        int used = 0;
        st = list_rows(cx, t, ci, &used);
        if (st == AP_OK && !used) st = add_header_text(cx, t);
    }
out:
    if (t == &flipped) {
        free(flipped.row_pos);
        free(flipped.col_pos);
        free(flipped.cells);
    }
    cinfo_free(ci, table->ncells);
    return st;
}

/* The days the headings of a table name: its cells without a time that name days, as
 * heading_days reads them. AP_OK or AP_ERR_NOMEM. */
static ap_status table_headed_days(const tt_table *t, unsigned *days)
{
    *days = 0;
    for (size_t i = 0; i < t->ncells; i++) {
        cinfo ci;
        ap_status st = read_cell(&t->cells[i], &ci);
        if (st == AP_OK && !ci.ntimes) *days |= heading_days(t, &t->cells[i], &ci);
        free(ci.name);
        free(ci.notes);
        if (st != AP_OK) return st;
    }
    return AP_OK;
}

ap_status tt_grid_interpret(const tt_page *pages, size_t npages, tt_doc *doc, ap_error *err)
{
    ap_status st = AP_OK;
    ctx cx = {.doc = doc};
    size_t before = doc->nblocks;
    unsigned *days = NULL; /* per table of the page in hand: the days its headings name */
    for (size_t p = 0; p < npages; p++) {
        const tt_page *pg = &pages[p];
        free(days);
        if (!(days = calloc(pg->ntables ? pg->ntables : 1, sizeof *days))) {
            st = AP_ERR_NOMEM;
            goto out;
        }
        for (size_t t = 0; t < pg->ntables; t++)
            if ((st = table_headed_days(&pg->tables[t], &days[t])) != AP_OK) goto out;
        for (size_t i = 0; i < pg->nfree; i++) {
            sbuf_puts(&cx.header, pg->free_text[i].text);
            sbuf_puts(&cx.header, "\n");
        }
        for (size_t t = 0; t < pg->ntables; t++) {
            cx.headed_days = 0;
            for (size_t o = 0; o < pg->ntables; o++)
                if (o != t) cx.headed_days |= days[o];
            if ((st = interpret_table(&cx, &pg->tables[t])) != AP_OK) goto out;
        }
    }
    if (cx.header.oom) {
        st = AP_ERR_NOMEM;
        goto out;
    }
    if (cx.header.len && (st = tt_header_fields(cx.header.data, doc)) != AP_OK) goto out;
    if (cx.guessed_ampm &&
        (st = tt_doc_warn(doc, "times without am/pm read as a school day (1:00-5:59 as "
                               "afternoon)")) != AP_OK)
        goto out;
    if (doc->nblocks == before && (st = tt_doc_warn(doc, "no timetable found")) != AP_OK) goto out;
out:
    free(days);
    sbuf_free(&cx.header);
    if (st != AP_OK)
        return ap_fail(err, st, "extract: cannot interpret the page (%s)", ap_status_str(st));
    return AP_OK;
}

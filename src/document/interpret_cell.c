/* interpret_cell: what one cell's text says (document/interpret_internal.h): the times it
 * prints and the byte spans they take (OCR's broken ranges repaired), the days it names,
 * and its name and notes, told apart by type size, colour and parentheses. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/testable.h"
#include "document/timeparse.h"
#include "document/interpret_internal.h"

/* ---- times (document/timeparse) ---- */

/* A lone 'g' or 'q' just before a dash and a digit is the 9 that OCR took it for
 * ("g - 9.30"); fixed in place, in text about to be read for times. */
void it_fix_nines(char *s)
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
 * spaces between them, and an am/pm at the end (or its first letter alone, the rest lost:
 * "8:30-850 a"), is a range when its digits split into two clocks of three or four digits
 * in exactly one way (at a break in the print, when it is in pieces). When one dash parts
 * five digits or more, the range is split there, and either side may be an hour alone
 * ("10-10 40AM", "9 O5-10AM"). Writes "H:MM-H:MM" and the am/pm to out (cap >= 32) and
 * returns 1, else 0. Only for OCR text: born-digital text is exact. */
TESTABLE int tt_ocr_range_repair(const char *text, char *out, size_t cap)
{
    const unsigned char *s = (const unsigned char *)text;
    size_t n = strlen(text), nd = 0;
    char d[9];
    unsigned breaks = 0;      /* bit k: a break in the print just before digit k */
    char mark_after[9] = {0}; /* 'a' or 'p': an am/pm printed just after digit k - 1 */
    int cut_mark = 0;         /* the last is a lone letter */
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
            /* a lone "a" or "p" closing the cell is an am/pm OCR cut short */
            if (nd > 0 && strspn(text + j, " \t\n\r") == n - j) {
                mark_after[nd] = (char)c;
                cut_mark = 1;
                break;
            }
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
    /* a lone letter is the am/pm only where the school day agrees ("100-105 A" is no
     * 1 am: a stray mark, the range read without it) */
    int end_h = best_end / 100;
    if (cut_mark && (mark_after[nd] == 'a') != (end_h >= 7 && end_h <= 11)) mark_after[nd] = 0;
    const char *ma = mark_after[split] == 'a' ? "am" : mark_after[split] == 'p' ? "pm" : "";
    const char *mb = mark_after[nd] == 'a' ? "am" : mark_after[nd] == 'p' ? "pm" : "";
    snprintf(out, cap, "%d:%02d%s-%d:%02d%s", best_start / 100, best_start % 100, ma,
             best_end / 100, best_end % 100, mb);
    tp_match m;
    return tp_is_time_only(out, strlen(out), 0, &m) && (m.flags & TP_RANGE) &&
           !(m.flags & TP_INVERTED);
}

int it_find_times(const char *s, it_time *out, int max)
{
    tp_match m[MAX_TIMES];
    size_t n = tp_find_all(s, strlen(s), 0, m, MAX_TIMES);
    if (n > (size_t)max) n = (size_t)max;
    if (n > MAX_TIMES) n = MAX_TIMES;
    for (size_t i = 0; i < n; i++)
        out[i] = (it_time){.start = m[i].start,
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

int it_count_letters(const char *s)
{
    int n = 0;
    for (; *s; s++)
        n += isalpha((unsigned char)*s) || ((unsigned char)*s >= 0xc0);
    return n;
}

/* Copies s[from, to) with leading and trailing separators removed; NULL when empty. */
char *it_trim_copy(const char *s, size_t from, size_t to)
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
static void strip_spans(char *text, const it_time *t, int n)
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

/* ---- names and notes ---- */

/* Whether a measured colour b (a line after the title) is set apart from the title's a a
 * little: b lighter by NOTE_LIGHTER or more, or its hue NOTE_TINT or more away. Well
 * under what tt_ink_differs needs alone, so it counts only with a smaller size
 * (it_read_cell): a title's own second line measured at 0.78 to 0.9 of its size comes
 * out at most 9 levels lighter and 4 apart in hue (84 such lines of generated pages).
 * Small print's strokes come out lighter than large print's of one ink, so smaller and
 * lighter agree; darker is no sign. */
#define NOTE_NEAR_SIZE  0.9f
#define NOTE_LIGHTER    18.0f
#define NOTE_TINT       15.0f
#define NOTE_PAREN_SIZE 0.85f
static int ink_set_apart(unsigned a, unsigned b)
{
    if (!(a & b & TT_INK_KNOWN)) return 0;
    float ca[3], cb[3], la = 0, lb = 0, dhue = 0;
    for (int k = 0; k < 3; k++) {
        ca[k] = (float)((a >> (8 * k)) & 0xff), cb[k] = (float)((b >> (8 * k)) & 0xff);
        la += ca[k] / 3, lb += cb[k] / 3;
    }
    for (int k = 0; k < 3; k++) {
        float d = (ca[k] - la) - (cb[k] - lb);
        dhue += d * d;
    }
    return lb - la >= NOTE_LIGHTER || dhue >= NOTE_TINT * NOTE_TINT;
}

static int word_is(const char *s, size_t n, const char *w)
{
    return strlen(w) == n && strncasecmp(s, w, n) == 0;
}

/* Whether a line names a person by title or a room, as a lesson's notes do ("Mr Khan",
 * "with Mrs Patel", "Dr. O'Neill", "Room 12", "Rm B4"): an honorific followed by a
 * capitalised word, or Room / Rm followed by a short code holding a digit or capitals;
 * four words at most, so that a title line that happens to start so is left alone. */
TESTABLE int it_line_names_person_or_room(const char *text)
{
    static const char *const titles[] = {"Mr", "Mrs", "Ms", "Miss", "Mx", "Dr", "Prof"};
    const char *s = text;
    int words = 0;
    for (const char *p = s; *p;) {
        while (*p == ' ')
            p++;
        if (!*p) break;
        words++;
        while (*p && *p != ' ')
            p++;
    }
    if (words < 2 || words > 4) return 0;
    size_t n = strcspn(s, " ");
    if (word_is(s, n, "with") || word_is(s, n, "w/")) {
        s += n;
        while (*s == ' ')
            s++;
        n = strcspn(s, " ");
    }
    size_t core = n && s[n - 1] == '.' ? n - 1 : n;
    const char *next = s + n;
    while (*next == ' ')
        next++;
    size_t nn = strcspn(next, " ");
    if (!nn) return 0;
    for (size_t k = 0; k < sizeof titles / sizeof titles[0]; k++)
        if (strlen(titles[k]) == core && strncmp(s, titles[k], core) == 0)
            return isupper((unsigned char)next[0]) != 0;
    if ((core == 4 && strncasecmp(s, "Room", 4) == 0) ||
        (core == 2 && strncasecmp(s, "Rm", 2) == 0)) {
        if (nn > 5) return 0;
        int code = 0;
        for (size_t k = 0; k < nn; k++) {
            unsigned char c = (unsigned char)next[k];
            if (!isalnum(c)) return 0;
            code |= isdigit(c) || isupper(c);
        }
        return code;
    }
    return 0;
}

static int is_ampm_word(const char *s, size_t n)
{
    return word_is(s, n, "am") || word_is(s, n, "pm") || word_is(s, n, "a.m.") ||
           word_is(s, n, "p.m.");
}

/* Whether s[0, n) holds no letter: figures and marks (General Punctuation, U+2000 to
 * U+206F, such as dashes, counts as marks; any other non-ASCII character as a letter). */
static int letterless(const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    for (size_t k = 0; k < n; k++) {
        if (u[k] == 0xe2 && k + 2 < n && (u[k + 1] == 0x80 || u[k + 1] == 0x81)) {
            k += 2;
            continue;
        }
        if (isalpha(u[k]) || u[k] >= 0xc0) return 0;
    }
    return 1;
}

/* Removes from a cell's name (in place) the pieces of a time that OCR broke so that no
 * time was read in them, where the cell prints a time: figures, marks and am/pm before
 * the first word ("240 PM Drama", "- 10 Cooking" beside "2.25 PM~"), and after the last
 * word a run of them that holds a dash, colon or point or an am/pm ("Reading - 10");
 * a figure alone after a word stays ("Station 2", "Year 6"). A name that is nothing
 * else is left as it is. */
TESTABLE void it_strip_time_debris(char *name)
{
    size_t len = strlen(name);
    /* words: [from, to) */
    size_t from[64], to[64], nw = 0;
    for (size_t i = 0; i < len && nw < 64;) {
        while (i < len && name[i] == ' ')
            i++;
        if (i >= len) break;
        from[nw] = i;
        while (i < len && name[i] != ' ')
            i++;
        to[nw++] = i;
    }
    if (nw == 64) return;
    size_t first = 0, last = nw;
    while (first < nw && (letterless(name + from[first], to[first] - from[first]) ||
                          is_ampm_word(name + from[first], to[first] - from[first])))
        first++;
    if (first == nw) return;
    size_t run = nw;
    while (run > first && (letterless(name + from[run - 1], to[run - 1] - from[run - 1]) ||
                           is_ampm_word(name + from[run - 1], to[run - 1] - from[run - 1])))
        run--;
    for (size_t w = run; w < nw; w++) {
        size_t n = to[w] - from[w];
        const char *t = name + from[w];
        int mark = is_ampm_word(t, n) || memchr(t, '-', n) || memchr(t, ':', n) ||
                   memchr(t, '.', n) || memchr(t, '~', n) || memchr(t, 0xe2, n);
        if (mark) {
            last = run;
            break;
        }
    }
    size_t a = from[first], b = to[last - 1];
    memmove(name, name + a, b - a);
    name[b - a] = '\0';
}

/* Collapses (in place) a name that is one phrase said two times or more ("RE RE",
 * "Morning Recess Morning Recess", "Recess | Recess | Recess"): what one cell reads where
 * it covers two cells of one lesson that the grid did not part, or a break printed in
 * each day's part of a cell the grid merged across the days. Words are runs of letters
 * and figures and compare without regard to case; marks between the copies ('|' read off
 * a rule, ';') and a character or two after the last copy are the reading's debris
 * ("Group A Group B" is no repeat). */
#define REPEAT_MAX_WORDS 32
TESTABLE void it_collapse_repeat(char *name)
{
    size_t from[REPEAT_MAX_WORDS], to[REPEAT_MAX_WORDS], nw = 0, len = strlen(name);
    const unsigned char *u = (const unsigned char *)name;
    for (size_t i = 0; i < len;) {
        while (i < len && !isalnum(u[i]) && u[i] < 0x80)
            i++;
        if (i >= len) break;
        if (nw == REPEAT_MAX_WORDS) return;
        from[nw] = i;
        while (i < len && (isalnum(u[i]) || u[i] >= 0x80))
            i++;
        to[nw++] = i;
    }
    for (size_t period = 1; 2 * period <= nw; period++) {
        size_t j = 0, stray = 0, w = 0;
        for (; w < nw; w++) {
            size_t n = to[w] - from[w], p = j % period;
            if (!stray && n == to[p] - from[p] &&
                strncasecmp(name + from[w], name + from[p], n) == 0)
                j++;
            else if (n == 1 && j >= period && stray < 2)
                stray++;
            else
                break;
        }
        if (w < nw || j < 2 * period || j % period) continue;
        size_t end = to[period - 1];
        while (end < len && (name[end] == ')' || name[end] == ']'))
            end++;
        memmove(name, name + from[0], end - from[0]);
        name[end - from[0]] = '\0';
        return;
    }
}

/* Whether a line is mostly a time (its times span seven tenths of it): no title line. */
static int line_is_time(const tt_line *l)
{
    it_time t[MAX_TIMES];
    int tn = it_find_times(l->text, t, MAX_TIMES);
    return tn && (t[tn - 1].to - t[0].from) * 10 >= strlen(l->text) * 7;
}

/* Fills ci from the cell: title lines (the larger type) make the name, smaller lines and
 * lines in parentheses after them the notes; times are taken out of both. */
ap_status it_read_cell(const tt_cell *cell, it_cell *ci)
{
    ap_status st = AP_ERR_NOMEM;
    char *all = NULL, *title = NULL, *notes = NULL;
    memset(ci, 0, sizeof *ci);
    ci->start = ci->end = TT_NO_TIME;
    ci->confidence = cell->confidence;
    if (!(all = tt_cell_text(cell))) goto out;
    it_fix_nines(all);
    it_time t[MAX_TIMES];
    int n = it_find_times(all, t, MAX_TIMES);
    int ocr_text = !cell->nlines || !(cell->lines[0].flags & TT_LINE_EXACT);
    char repaired[64];
    /* a cell that is one notation as read needs no repair; any other may be a range
     * OCR broke ("9 10am-10 25am" reads as 10am-10) */
    if (ocr_text && !tp_is_time_only(all, strlen(all), 0, NULL) &&
        tt_ocr_range_repair(all, repaired, sizeof repaired)) {
        /* nothing but a time: no name, no notes */
        n = it_find_times(repaired, t, MAX_TIMES);
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
     * sizes) or set in another colour, or (OCR text, whose sizes and colours are
     * measured) a little smaller (under NOTE_NEAR_SIZE) and a little lighter or tinted
     * (ink_set_apart), or at a line that names a person or a room ("Mr Khan", "Room
     * 12"), else at the first line opening with '(' unless it is in the title's type
     * and the cell's width pushed it onto a line of its own ("Word Work" over
     * "(Phonics)" in a narrow column is one name). */
    float tallest = 0;
    const tt_line *title_line = NULL;
    for (size_t i = 0; i < cell->nlines; i++) {
        if (!line_is_time(&cell->lines[i]) && cell->lines[i].height > tallest)
            tallest = cell->lines[i].height, title_line = &cell->lines[i];
    }
    size_t split = cell->nlines, paren = cell->nlines;
    int seen_title = 0;
    for (size_t i = 0; i < cell->nlines; i++) {
        const tt_line *l = &cell->lines[i];
        if (line_is_time(l)) continue;
        int exact = title_line && (l->flags & title_line->flags & TT_LINE_EXACT) != 0;
        int smaller = l->height < (exact ? 0.92f : 0.78f) * tallest;
        /* the tail of a word broken by the cell's width, or a stray mark, is no note; a
         * short code in smaller type is ("Maths" over a small "Rm 12" or "E4"), where the
         * sizes are the document's own (OCR's box of a short piece such as "s" or "on" is
         * low without being smaller type) */
        int named = it_line_names_person_or_room(l->text);
        int fragment = (i > 0 && (tt_line_continues(&cell->lines[i - 1], l) ||
                                  tt_line_hyphenated(&cell->lines[i - 1], l))) ||
                       (it_count_letters(l->text) < 3 && !(exact && smaller) && !named);
        if (seen_title && !fragment && title_line) {
            int other_ink = tt_ink_differs(l, title_line);
            int set_apart = !exact && l->height < NOTE_NEAR_SIZE * tallest &&
                            ink_set_apart(title_line->ink, l->ink);
            /* and from every line of the title above it: how far the title's own lines
             * measure apart is how far the page's colours wander */
            for (size_t j = 0; set_apart && j < i; j++)
                if ((cell->lines[j].ink & TT_INK_KNOWN) && !line_is_time(&cell->lines[j]))
                    set_apart = ink_set_apart(cell->lines[j].ink, l->ink);
            if (smaller || other_ink || set_apart || named) {
                split = i;
                break;
            }
            /* OCR measures a '(' line low (parentheses are narrow: "(Phonics)" under
             * "Word Work" comes out at 0.85-0.92 of it), where notes in the notes' type
             * come out under 0.85 or in another ink */
            int same_type = l->height >= (exact ? 0.92f : NOTE_PAREN_SIZE) * tallest;
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
    n = it_find_times(title, t, MAX_TIMES);
    strip_spans(title, t, n);
    ci->name = it_trim_copy(title, 0, strlen(title));
    if (!ci->name && !(ci->name = strdup(""))) goto out;
    if (ocr_text && ci->ntimes) it_strip_time_debris(ci->name);
    it_collapse_repeat(ci->name);
    n = it_find_times(notes, t, MAX_TIMES);
    strip_spans(notes, t, n);
    ci->notes = it_trim_copy(notes, 0, strlen(notes));
    /* notes of nothing but figures and marks, beside a time, are what is left of it */
    if (ocr_text && ci->ntimes && ci->notes && letterless(ci->notes, strlen(ci->notes))) {
        free(ci->notes);
        ci->notes = NULL;
    }
    ci->letters = it_count_letters(ci->name);
    st = AP_OK;
out:
    free(all);
    free(title);
    free(notes);
    return st;
}

void it_cells_free(it_cell *ci, size_t n)
{
    for (size_t i = 0; ci && i < n; i++) {
        free(ci[i].name);
        free(ci[i].notes);
    }
    free(ci);
}

/* ---- emitting ---- */

/* Whether a cell's times follow one another: each starts no earlier than the one
 * before it ends (or starts, for a single time). */
int it_times_ascend(const it_cell *ci)
{
    for (int k = 1; k < ci->ntimes; k++) {
        int prev = ci->times[k - 1][1] != TT_NO_TIME ? ci->times[k - 1][1] : ci->times[k - 1][0];
        if (ci->times[k][0] < prev) return 0;
    }
    return 1;
}

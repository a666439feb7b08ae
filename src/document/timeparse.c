/* timeparse: see timeparse.h for what counts as a time and why.
 *
 * The scanner is a hand-written recogniser over bytes: a notation is small, the grammar is
 * three tokens (clock, connector, clock), and a regex engine would still need all the
 * context rules (what may stand before and after) written around it. Every index stays
 * below len; nothing past text[len - 1] is ever read. */
#include "document/timeparse.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

enum { MARK_NONE, MARK_AM, MARK_PM };

/* One clock as printed, before any am/pm reasoning. */
typedef struct clock_tok {
    int h, m;
    int has_min; /* minutes were printed */
    int marker;  /* MARK_* printed on this clock */
    int compact; /* printed as HHMM, or HMM (an OCR that lost the colon) */
    int ocr_sep; /* ',' or ';' separated the minutes */
    int hours;   /* "hrs"/"h" followed: a 24-hour clock said so ("0900hrs") */
    int word;    /* "noon" or "midday" without a number */
    size_t end;  /* byte just past the clock (and its am/pm) */
} clock_tok;

static int is_digit(unsigned char c)
{
    return c >= '0' && c <= '9';
}

static int is_alpha(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int lower(unsigned char c)
{
    return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

/* Spaces that may stand between a clock and its am/pm: space, tab, NBSP (Word and PDF
 * text use U+00A0 between a number and its unit). */
static size_t skip_inline_ws(const unsigned char *s, size_t n, size_t i)
{
    for (;;) {
        if (i < n && (s[i] == ' ' || s[i] == '\t'))
            i++;
        else if (i + 1 < n && s[i] == 0xC2 && s[i + 1] == 0xA0)
            i += 2;
        else
            return i;
    }
}

/* Around a connector line breaks are fine too: narrow header cells wrap. */
static size_t skip_ws(const unsigned char *s, size_t n, size_t i)
{
    for (;;) {
        i = skip_inline_ws(s, n, i);
        if (i < n && (s[i] == '\n' || s[i] == '\r'))
            i++;
        else
            return i;
    }
}

/* "am", "a.m.", "a.m", "AM", "pm", ... at i, not followed by a letter ("10 amazing" is not
 * 10am). Returns the marker and sets *end, or MARK_NONE. */
static int parse_marker(const unsigned char *s, size_t n, size_t i, size_t *end)
{
    if (i >= n) return MARK_NONE;
    int c = lower(s[i]);
    if (c != 'a' && c != 'p') return MARK_NONE;
    int mark = c == 'a' ? MARK_AM : MARK_PM;
    size_t j = i + 1;
    int dotted = 0;
    if (j < n && s[j] == '.') j++, dotted = 1;
    if (j >= n || lower(s[j]) != 'm') return MARK_NONE;
    j++;
    if (j < n && s[j] == '.' && (dotted || j + 1 >= n || !is_digit(s[j + 1]))) j++;
    if (j < n && is_alpha(s[j])) return MARK_NONE;
    *end = j;
    return mark;
}

/* Length of the word w (lower case) at i, matched without case and not followed by a
 * letter ("noon" but not "noonday"); 0 when it is not there. */
static size_t match_word(const unsigned char *s, size_t n, size_t i, const char *w)
{
    size_t len = strlen(w), k = 0;
    while (k < len && i + k < n && lower(s[i + k]) == w[k])
        k++;
    if (k < len || (i + len < n && is_alpha(s[i + len]))) return 0;
    return len;
}

/* "noon" or "midday" at i: its length, or 0. */
static size_t match_noon(const unsigned char *s, size_t n, size_t i)
{
    size_t len = match_word(s, n, i, "noon");
    return len ? len : match_word(s, n, i, "midday");
}

/* "hrs", "hr" or "h" at i (24-hour clocks: "0900hrs", "14.30 h"): its length, or 0. */
static size_t match_hours(const unsigned char *s, size_t n, size_t i)
{
    static const char *const words[] = {"hrs", "hr", "h"};
    for (size_t w = 0; w < sizeof words / sizeof words[0]; w++) {
        size_t len = match_word(s, n, i, words[w]);
        if (len) return len;
    }
    return 0;
}

/* A clock at i: a number (s[i] is a digit) or the word "noon"/"midday". ocr_ok allows ','
 * and ';' as minute separators. */
static int parse_clock(const unsigned char *s, size_t n, size_t i, int ocr_ok, clock_tok *t)
{
    size_t j = i;
    *t = (clock_tok){0};
    if ((j = match_noon(s, n, i)) > 0) {
        *t = (clock_tok){.h = 12, .has_min = 1, .marker = MARK_PM, .word = 1, .end = i + j};
        return 1;
    }
    j = i;
    while (j < n && is_digit(s[j]) && j - i < 5)
        j++;
    size_t digits = j - i;
    if (digits == 1 || digits == 2) {
        t->h = digits == 1 ? s[i] - '0' : (s[i] - '0') * 10 + (s[i + 1] - '0');
        /* 'h' is the separator of French and other European notations ("9h30") */
        int sep = j < n && (s[j] == ':' || s[j] == '.' || lower(s[j]) == 'h' ||
                            (ocr_ok && (s[j] == ',' || s[j] == ';')));
        /* exactly two minute digits: "9.305" is not 9:30 */
        if (sep && j + 2 < n && is_digit(s[j + 1]) && is_digit(s[j + 2]) &&
            !(j + 3 < n && is_digit(s[j + 3]))) {
            t->ocr_sep = s[j] == ',' || s[j] == ';';
            t->m = (s[j + 1] - '0') * 10 + (s[j + 2] - '0');
            t->has_min = 1;
            j += 3;
        }
        /* "88:55" beside another clock: the round leading 0 of "08:55" read as 8, 9 or
         * 6 (no hour and no day of the month starts so); with its minutes only, and only
         * where OCR separators are allowed (a range). A school's hours with a leading 0
         * are 06-09: "91.25" is no "01:25" but a misread "11.25". */
        if (ocr_ok && t->has_min && digits == 2 && t->h > 23 &&
            (s[i] == '6' || s[i] == '8' || s[i] == '9') && s[i + 1] >= '6')
            t->h = s[i + 1] - '0';
    } else if (digits == 4) {
        t->h = (s[i] - '0') * 10 + (s[i + 1] - '0');
        t->m = (s[i + 2] - '0') * 10 + (s[i + 3] - '0');
        t->has_min = 1;
        t->compact = 1;
    } else if (digits == 3) {
        /* "915": a colon too faint for OCR; minutes on the five-minute grid that
         * timetables keep, which room numbers ("101") rarely are */
        t->h = s[i] - '0';
        t->m = (s[i + 1] - '0') * 10 + (s[i + 2] - '0');
        if (t->m % 5) return 0;
        t->has_min = 1;
        t->compact = 1;
    } else {
        return 0;
    }
    if (t->h > 23 || t->m > 59) return 0;
    size_t k = skip_inline_ws(s, n, j), mend = 0, len;
    int mark = parse_marker(s, n, k, &mend);
    if (mark != MARK_NONE && !t->compact) {
        if (t->h == 0) return 0; /* "0am" is not a clock anyone prints */
        if (t->h <= 12) t->marker = mark;
        j = mend; /* "13:00pm": the pm is swallowed but says nothing */
    } else if (t->h == 12 && t->m == 0 && (len = match_noon(s, n, k)) > 0) {
        t->marker = MARK_PM; /* "12 noon", "12.00 midday" */
        j = k + len;
    } else if ((len = match_hours(s, n, k)) > 0) {
        t->hours = 1;
        j = k + len;
    }
    t->end = j;
    return 1;
}

/* A connector at i (after white space). Returns 1 and sets *end past it. */
static int parse_connector(const unsigned char *s, size_t n, size_t i, size_t *end)
{
    static const char *const words[] = {"to", "until", "till"};
    if (i >= n) return 0;
    if (s[i] == '-' || s[i] == '~') {
        *end = i + 1;
        return 1;
    }
    /* U+2010..U+2015 (hyphen, non-breaking hyphen, figure dash, en dash, em dash,
     * horizontal bar) are E2 80 90..95; U+2212 minus is E2 88 92. */
    if (i + 2 < n && s[i] == 0xE2 &&
        ((s[i + 1] == 0x80 && s[i + 2] >= 0x90 && s[i + 2] <= 0x95) ||
         (s[i + 1] == 0x88 && s[i + 2] == 0x92))) {
        *end = i + 3;
        return 1;
    }
    for (size_t w = 0; w < sizeof words / sizeof words[0]; w++) {
        size_t len = strlen(words[w]), k = 0;
        while (k < len && i + k < n && lower(s[i + k]) == words[w][k])
            k++;
        if (k < len) continue;
        /* a word, not the start of one ("tomorrow") */
        if (i + len < n && is_alpha(s[i + len])) continue;
        *end = i + len;
        return 1;
    }
    return 0;
}

/* May a notation start at i? Not glued to a letter or digit, a currency sign, or the tail
 * of another number ("12/03", "12.03.2024", "2-3:00"). */
static int start_ok(const unsigned char *s, size_t i)
{
    if (i == 0) return 1;
    unsigned char p = s[i - 1];
    if (is_digit(p) || is_alpha(p) || p == '$' || p == '#') return 0;
    if ((p == '.' || p == ':' || p == '/' || p == ',' || p == '-') && i >= 2 && is_digit(s[i - 2]))
        return 0;
    if (i >= 2 && s[i - 2] == 0xC2 && p == 0xA3) return 0;                     /* £ */
    if (i >= 3 && s[i - 3] == 0xE2 && s[i - 2] == 0x82 && p == 0xAC) return 0; /* € */
    return 1;
}

/* May a notation end at e? Not followed by a digit or by a separator and a digit (a date
 * or a longer number); a letter may follow a clock with minutes ("9:00Maths", where OCR
 * lost the space) but not a bare hour. */
static int end_ok(const unsigned char *s, size_t n, size_t e, const clock_tok *last)
{
    if (e >= n) return 1;
    unsigned char c = s[e];
    if (is_digit(c)) return 0;
    if ((c == '.' || c == ':' || c == '/' || c == ',' || c == '-') && e + 1 < n &&
        is_digit(s[e + 1]))
        return 0;
    if (is_alpha(c) && !last->has_min && last->marker == MARK_NONE) return 0;
    return 1;
}

/* Minutes of a clock read with a given half of the day. */
static int clock_minutes(const clock_tok *t, int marker)
{
    int h = t->h;
    if (h <= 12 && marker == MARK_AM)
        h = h == 12 ? 0 : h;
    else if (h <= 12 && marker == MARK_PM)
        h = h == 12 ? 12 : h + 12;
    return h * 60 + t->m;
}

/* The school-day reading of an unmarked clock: 1:00-5:59 is afternoon. */
static int school_minutes(const clock_tok *t, unsigned *flags)
{
    if (t->h >= 1 && t->h <= 5) {
        *flags |= TP_PM_GUESSED;
        return (t->h + 12) * 60 + t->m;
    }
    return t->h * 60 + t->m;
}

static int other_half(int marker)
{
    return marker == MARK_AM ? MARK_PM : MARK_AM;
}

static int is_bare(const clock_tok *t)
{
    return !t->has_min && t->marker == MARK_NONE;
}

/* May a clock start at s[i]? A digit, or the first letter of "noon"/"midday". */
static int clock_start(const unsigned char *s, size_t n, size_t i)
{
    return is_digit(s[i]) || match_noon(s, n, i) > 0;
}

/* Start and end of a range from its two clocks (see the header for the rules). */
static void range_minutes(const clock_tok *a, const clock_tok *b, tp_match *m)
{
    unsigned f = TP_RANGE;
    int start, end;
    if (a->marker && b->marker) {
        start = clock_minutes(a, a->marker);
        end = clock_minutes(b, b->marker);
    } else if (b->marker) {
        end = clock_minutes(b, b->marker);
        if (a->h <= 12 && clock_minutes(a, b->marker) < end) {
            start = clock_minutes(a, b->marker);
            f |= TP_AMPM_SHARED;
        } else if (b->marker == MARK_AM && a->h <= 12) {
            /* a school day runs by day, not overnight: "10.05 - 1.05am" is no
             * 22:05-01:05 but a misprinted or misread end ("11-12am" meant noon; OCR
             * reads "11.05am" as "1.05am"): the end is afternoon, a guess the caller
             * may mend by the times around it; where that makes a lesson of six hours
             * or more ("8:55 - 8:55am", "8:00 - 8 am": a digit misread), the range is
             * left backwards in the morning for the caller to mend */
            start = clock_minutes(a, MARK_AM);
            if (clock_minutes(b, MARK_PM) - start < 6 * 60) {
                end = clock_minutes(b, MARK_PM);
                f |= TP_PM_GUESSED;
            }
        } else if (a->h <= 12 && a->h > 0) {
            /* the other half of the day: a guess, unlike sharing the printed half */
            start = clock_minutes(a, other_half(b->marker));
            f |= TP_PM_GUESSED;
        } else {
            start = clock_minutes(a, MARK_NONE);
        }
    } else if (a->marker) {
        start = clock_minutes(a, a->marker);
        if (b->h <= 12 && clock_minutes(b, a->marker) > start) {
            end = clock_minutes(b, a->marker);
            f |= TP_AMPM_SHARED;
        } else if (b->h <= 12 && b->h > 0) {
            end = clock_minutes(b, other_half(a->marker));
            f |= TP_PM_GUESSED;
        } else {
            end = clock_minutes(b, MARK_NONE);
        }
    } else {
        start = school_minutes(a, &f);
        end = school_minutes(b, &f);
        /* An end before the start is an afternoon end when that end is 6 or 7 o'clock
         * (after-school clubs; 1-5 are afternoon already); "10:00-9:00" stays backwards.
         * Only printed clocks earn the benefit of the doubt: with a bare side, a backwards
         * reading means the bare number was not an hour ("Room 5 - 10:00"). */
        if (end <= start && b->h <= 7 && end + 720 > start && !is_bare(a) && !is_bare(b)) {
            end += 720;
            f |= TP_PM_GUESSED;
        }
    }
    if (end <= start) f |= TP_INVERTED;
    m->start = start;
    m->end = end;
    m->flags |= f;
}

/* Tries a notation starting at i: a range first, else a single clock. */
static int parse_at(const unsigned char *s, size_t n, size_t i, unsigned opts, tp_match *out)
{
    clock_tok a, b;
    if (!start_ok(s, i)) return 0;
    /* Range: OCR separators are allowed on both clocks, but only because a second clock
     * follows; the single-clock reading below re-parses without them. */
    if (parse_clock(s, n, i, 1, &a)) {
        size_t k = skip_ws(s, n, a.end), c_end;
        if (parse_connector(s, n, k, &c_end)) {
            k = skip_ws(s, n, c_end);
            if (k < n && clock_start(s, n, k) && parse_clock(s, n, k, 1, &b) &&
                end_ok(s, n, b.end, &b) && (a.compact == b.compact || a.word || b.word)) {
                int bare_both = is_bare(&a) && is_bare(&b);
                int years = a.compact && a.h >= 19 && a.h <= 20 && b.h >= 19 && b.h <= 20;
                tp_match m = {.begin = i, .end_byte = b.end};
                if ((!bare_both || (opts & TP_ALLOW_BARE)) && !years) {
                    range_minutes(&a, &b, &m);
                    if (a.marker || b.marker) m.flags |= TP_AMPM_PRINTED;
                    if (a.ocr_sep || b.ocr_sep) m.flags |= TP_OCR_SEP;
                    if (is_bare(&a) || is_bare(&b)) m.flags |= TP_BARE;
                    /* noon is no guess: the other side's half follows from it */
                    if ((a.word || b.word) && !(m.flags & TP_INVERTED)) m.flags &= ~TP_PM_GUESSED;
                    /* A bare side that only reads as a backwards range was a number
                     * next to a time ("Room 5 - 10:00"), not a range. */
                    if (!((m.flags & TP_INVERTED) && (m.flags & TP_BARE))) {
                        *out = m;
                        return 1;
                    }
                }
            }
        }
    }
    /* A lone three- or four-digit number is a time only with "hrs"; a lone "noon" or
     * "midday" is more often part of a name ("Midday meal") than a time. */
    if (!parse_clock(s, n, i, 0, &a) || (a.compact && !a.hours) || a.word || is_bare(&a) ||
        !end_ok(s, n, a.end, &a))
        return 0;
    unsigned f = a.marker ? TP_AMPM_PRINTED : 0;
    int start = a.marker ? clock_minutes(&a, a.marker) : school_minutes(&a, &f);
    *out = (tp_match){.start = start, .end = TP_NO_TIME, .flags = f, .begin = i, .end_byte = a.end};
    return 1;
}

bool tp_find(const char *text, size_t len, size_t from, unsigned opts, tp_match *out)
{
    const unsigned char *s = (const unsigned char *)text;
    if (!text) return false;
    for (size_t i = from; i < len; i++) {
        if (clock_start(s, len, i) && parse_at(s, len, i, opts, out)) return true;
    }
    return false;
}

size_t tp_find_all(const char *text, size_t len, unsigned opts, tp_match *out, size_t cap)
{
    size_t count = 0, from = 0;
    tp_match m;
    while (from < len && tp_find(text, len, from, opts, &m)) {
        if (count < cap) out[count] = m;
        count++;
        from = m.end_byte;
    }
    return count;
}

static int is_filler(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '(' || c == ')' || c == '[' ||
           c == ']';
}

/* Skips filler (and NBSP) from i forward; returns the first other byte's index. */
static size_t skip_filler(const unsigned char *s, size_t n, size_t i)
{
    for (;;) {
        if (i < n && is_filler(s[i]))
            i++;
        else if (i + 1 < n && s[i] == 0xC2 && s[i + 1] == 0xA0)
            i += 2;
        else
            return i;
    }
}

bool tp_is_time_only(const char *text, size_t len, unsigned opts, tp_match *out)
{
    const unsigned char *s = (const unsigned char *)text;
    tp_match m;
    if (!text) return false;
    size_t i = skip_filler(s, len, 0);
    if (i >= len || !clock_start(s, len, i) || !parse_at(s, len, i, opts, &m)) return false;
    if (skip_filler(s, len, m.end_byte) != len) return false;
    if (out) *out = m;
    return true;
}

/* Length of what a removed notation may leave dangling just before the cut ending at w:
 * white space, an opening bracket or a separator (a closing bracket before the cut closes
 * something the name says: "Maths (Room 4) 9:00"). 0 when none. */
static size_t dangling_before(const char *out, size_t w)
{
    unsigned char c = (unsigned char)(w > 0 ? out[w - 1] : 0);
    if (w == 0) return 0;
    if (c == ' ' || c == '(' || c == '[' || c == ',' || c == '-' || c == '@' || c == ':' ||
        c == ';' || c == '|' || c == '/' || c == '~')
        return 1;
    if (w >= 3 && (unsigned char)out[w - 3] == 0xE2 && (unsigned char)out[w - 2] == 0x80 &&
        c >= 0x90 && c <= 0x95)
        return 3; /* a Unicode dash */
    return 0;
}

/* The same after the cut at r: white space, a closing bracket or a separator. */
static size_t dangling_after(const char *out, size_t o, size_t r)
{
    unsigned char c = (unsigned char)(r < o ? out[r] : 0);
    if (r >= o) return 0;
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == ')' || c == ']' || c == ',' ||
        c == '-' || c == ':' || c == ';' || c == '|' || c == '/' || c == '~')
        return 1;
    if (r + 2 < o && c == 0xE2 && (unsigned char)out[r + 1] == 0x80 &&
        (unsigned char)out[r + 2] >= 0x90 && (unsigned char)out[r + 2] <= 0x95)
        return 3;
    return 0;
}

/* Appends n bytes of text at out + o; a '\x01' in the text (junk in a cell anyway) becomes
 * a space so that it cannot pose as a cut. Returns the new length. */
static size_t copy_text(char *out, size_t o, const unsigned char *text, size_t n)
{
    for (size_t k = 0; k < n; k++)
        out[o++] = text[k] == '\x01' ? ' ' : (char)text[k];
    return o;
}

char *tp_strip(const char *text, size_t len, unsigned opts)
{
    const unsigned char *s = (const unsigned char *)(text ? text : "");
    if (!text) len = 0;
    char *out = malloc(len + 1);
    if (!out) return NULL;
    /* Pass 1: copy everything outside the notations, each cut marked by one '\x01' so
     * that pass 2 knows where dangling punctuation may be dropped. */
    size_t o = 0, from = 0;
    tp_match m;
    while (from < len && tp_find(text, len, from, opts, &m)) {
        o = copy_text(out, o, s + from, m.begin - from);
        out[o++] = '\x01';
        from = m.end_byte;
    }
    o = copy_text(out, o, s + from, len - from);
    /* Pass 2: at each cut, drop white space and dangling punctuation on both sides
     * (only next to a cut: "Science/Health" keeps its slash); then collapse white space. */
    size_t w = 0;
    for (size_t r = 0; r < o; r++) {
        unsigned char c = (unsigned char)out[r];
        if (c == '\x01') {
            size_t k;
            while ((k = dangling_before(out, w)) > 0)
                w -= k;
            while ((k = dangling_after(out, o, r + 1)) > 0 && out[r + 1] != '\x01')
                r += k;
            if (w > 0) out[w++] = ' ';
            continue;
        }
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
            if (w > 0 && out[w - 1] != ' ') out[w++] = ' ';
            continue;
        }
        out[w++] = (char)c;
    }
    while (w > 0 && out[w - 1] == ' ')
        w--;
    out[w] = '\0';
    return out;
}

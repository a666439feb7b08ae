/* timeparse: time notations printed in timetables ("9:00", "9.00", "9 - 9.30", "10am",
 * "10.30a.m.", "1-1.15pm", "12-1pm", "0900-1000", "9:00 to 10:00", "12 noon", "9h30",
 * "1300hrs", ...) found in text and
 * turned into minutes after midnight, with the byte span they occupy so that the extractor
 * can both read a header cell's times and strip in-cell times out of an event's name.
 *
 * What counts as a time (the decisions, each for a reason):
 * - A clock is H or HH, then optionally ':' or '.' and exactly two minute digits, then
 *   optionally am/pm ("am", "a.m.", "AM", "a.m", with or without a space before it).
 *   Hours 0-23, minutes 0-59; am/pm on an hour over 12 is ignored ("13:00pm" is 13:00).
 * - The minute separator may also be 'h' ("9h30", European). "12 noon", "12.00 midday"
 *   are 12:00 pm; the words "noon" and "midday" alone are a clock only as one side of a
 *   range ("noon - 1pm", "11:30 to noon"), since alone they begin names ("Midday meal").
 * - A single clock is a time only with minutes or am/pm: a bare "10" is a room, a year
 *   group or a lesson number far more often than an hour.
 * - A range is clock, connector, clock. Connectors: '-', the Unicode hyphens and dashes
 *   (U+2010-U+2015, U+2212, '~'), "to", "until", "till", with any spacing (also line
 *   breaks: a narrow header cell wraps "9:00 -" / "10:00"). A range needs minutes or
 *   am/pm on at least one side ("9 - 9.30", "12-1pm"); two bare hours ("9-10") only with
 *   TP_ALLOW_BARE, because "Year 5-6" reads the same.
 * - "0900-1000" (four digits each side) is a range; four-digit pairs that both look like
 *   years (1900-2099) are not. So is "900-915" or "930-1015" (three digits: a colon OCR
 *   lost), when each three-digit side's minutes are on the five-minute grid ("101-102"
 *   are rooms). A lone "0900" or "900" is not (a year, a room, a phone prefix), unless
 *   "hrs", "hr" or "h" follows it ("0900hrs").
 * - OCR noise: ',' or ';' read for ':' / '.' is accepted inside a range ("9,00-9,30") but
 *   not for a single clock, where "3,45" is more likely a number. No spaces inside a clock.
 * - Never a time: a clock glued to a letter, a digit or a currency sign before it ("Y5",
 *   "Room12", "£9.50"), more digits after it ("2024", "12.03.2024"), dates ("12/03").
 *
 * School-day am/pm (EVAL.md): a clock without am/pm whose hour is 1-5 is afternoon. In a
 * range, am/pm printed on one side applies to the other when that keeps start < end
 * ("1-1.15pm" = 13:00-13:15, "12-1pm" = 12:00-13:00, "11-12pm" = 11:00-12:00); else the other
 * side takes the other half of the day ("11am-1" = 11:00-13:00), except that a morning
 * end never makes its start evening: "10.05-1.05am" and "11-12am" end in the afternoon
 * (a misprint or a misread, not a night; flagged guessed) when that makes it shorter
 * than six hours, else stay backwards in the morning ("8:55-8:55am": TP_INVERTED). A
 * range without any am/pm whose end (6 or 7 o'clock) falls before its start moves its end
 * to the evening ("10:00-6:00" ends 18:00: clubs); other backwards ranges are returned
 * with TP_INVERTED.
 *
 * Stateless and thread-safe; nothing is allocated except by tp_strip. */
#ifndef AP_TIMEPARSE_H
#define AP_TIMEPARSE_H

#include <stdbool.h>
#include <stddef.h>

#define TP_NO_TIME (-1) /* same value as TT_NO_TIME */

/* Options (the opts argument). */
#define TP_ALLOW_BARE (1u << 0) /* accept ranges of two bare hours ("9-10", "9 to 10") */

/* Result flags (tp_match.flags). */
#define TP_RANGE        (1u << 0) /* end is set */
#define TP_AMPM_PRINTED (1u << 1) /* am or pm appears in the notation */
#define TP_AMPM_SHARED  (1u << 2) /* one side took its am/pm from the other side */
#define TP_PM_GUESSED   (1u << 3) /* the half of the day of an unmarked clock was guessed */
#define TP_INVERTED     (1u << 4) /* end <= start even after the rules: read, but suspect */
#define TP_OCR_SEP      (1u << 5) /* ',' or ';' was read as the minute separator */
#define TP_BARE         (1u << 6) /* a side had neither minutes nor am/pm */

typedef struct tp_match {
    int start;       /* minutes after midnight, 0..1439 */
    int end;         /* minutes after midnight, or TP_NO_TIME for a single time */
    unsigned flags;  /* TP_RANGE, TP_AMPM_PRINTED, ... */
    size_t begin;    /* byte offset of the notation's first byte in the text */
    size_t end_byte; /* byte offset just past its last byte (am/pm and "a.m." dots included) */
} tp_match;

/* True when the half of the day was guessed (the school-day rule, or a side put in the
 * other half from the one printed on its partner): the extractor's "guessed am/pm"
 * warning. Sharing the printed half ("9:30-10am") is not a guess. */
static inline bool tp_ampm_guessed(const tp_match *m)
{
    return (m->flags & TP_PM_GUESSED) != 0;
}

/* Finds the first time notation in text[from, len) (text need not be NUL-terminated; len
 * bytes are read, never more). Returns true and fills *out, or false when there is none
 * (*out untouched). Ranges win over single clocks at the same place. */
bool tp_find(const char *text, size_t len, size_t from, unsigned opts, tp_match *out);

/* Every notation in text, left to right, without overlaps: at most cap are written to
 * out; returns how many there are in all (which may exceed cap). */
size_t tp_find_all(const char *text, size_t len, unsigned opts, tp_match *out, size_t cap);

/* True when text is ONLY one time notation (a header cell): apart from the notation there
 * is nothing but white space and brackets "()[]". Fills *out (may be NULL) when true. */
bool tp_is_time_only(const char *text, size_t len, unsigned opts, tp_match *out);

/* A copy of text without its time notations (the name of an event whose cell prints its
 * times): white space is collapsed, and brackets or separators ("(", ")", ",", "-", "@")
 * left empty or dangling by the removal are dropped. Caller frees; NULL when out of
 * memory. "Maths 9:00-10:00" -> "Maths"; "Lunch (12-1pm)" -> "Lunch". */
char *tp_strip(const char *text, size_t len, unsigned opts);

#endif

/* timetable: a timetable document as aipipe represents it, and its JSON form (the gold
 * format of shared/EVAL.md, plus the extractor's own fields).
 *
 * Owned by the struct: every string is malloc'd and freed by tt_doc_free. Times are
 * minutes after midnight, TT_NO_TIME when absent (JSON null). Days are 0 = Monday ..
 * 6 = Sunday. */
#ifndef AP_TIMETABLE_H
#define AP_TIMETABLE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "core/status.h"

#define TT_NO_TIME    (-1)
#define TT_MAX_BLOCKS 10000 /* a document with more is refused when read */

typedef struct tt_bbox {
    int page, x, y, w, h; /* pixels (or PDF points) of the page; w == 0 when unknown */
} tt_bbox;

typedef struct tt_block {
    int day;          /* 0..6 */
    char *name;       /* as printed; never NULL */
    int start, end;   /* minutes after midnight, or TT_NO_TIME */
    char *notes;      /* or NULL */
    float confidence; /* 0..1; the extractor's, 1 for gold */
    tt_bbox bbox;
} tt_block;

typedef struct tt_doc {
    char *source, *teacher, *class_name, *term; /* each may be NULL */
    int year;                                   /* 0 when unknown */
    tt_block *blocks;
    size_t nblocks, cap;
    char **warnings;
    size_t nwarnings;
} tt_doc;

/* English day names, Monday first. */
extern const char *const tt_day_names[7];
/* Index of a full English day name (case-insensitive), or -1. */
int tt_day_from_name(const char *name);
/* The day that the word w[0, n) names, as a full name or a usual abbreviation (Mon, Tue,
 * Tues, Wed, Weds, Thu, Thur, Thurs, Fri, Sat, Sun; any case), or -1. */
int tt_day_from_word(const char *w, size_t n);
/* Whether any word of text[0, len) names a day (tt_day_from_word). */
bool tt_text_names_day(const char *text, size_t len);

/* Appends a block; name and notes are copied (notes may be NULL). AP_ERR_NOMEM. */
ap_status tt_doc_add(tt_doc *doc, int day, const char *name, int start, int end, const char *notes,
                     float confidence, tt_bbox bbox);
/* Appends a warning (copied). */
ap_status tt_doc_warn(tt_doc *doc, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Warns of each block of doc->blocks[from, nblocks) that starts before another block of
 * its day, begun no later, has ended (both with a start and an end): two lessons cannot
 * share a time, so one of them was read wrong, or the page really prints them in
 * parallel; either way a person should look. The first TT_MAX_OVERLAP_WARNINGS are
 * named, the rest counted in one more warning. AP_ERR_NOMEM. */
#define TT_MAX_OVERLAP_WARNINGS 5
ap_status tt_doc_warn_overlaps(tt_doc *doc, size_t from);
/* Sets one of doc's string fields (source, teacher, ...) to a copy of value (or NULL). */
ap_status tt_set_str(char **field, const char *value);
void tt_doc_free(tt_doc *doc);

/* "HH:MM" for minutes into buf (6 bytes at least); NULL for TT_NO_TIME. */
const char *tt_time_str(int minutes, char *buf, size_t size);
/* Parses exactly "H:MM" or "HH:MM" (the gold format); -1 when malformed. */
int tt_time_from_str(const char *s);

#define TT_JSON_EXTRAS 1u /* include confidence, bbox and warnings */

/* The document as JSON (EVAL.md shape; with TT_JSON_EXTRAS the extractor's fields).
 * Returns a new reference, or NULL when out of memory. */
json_t *tt_doc_to_json(const tt_doc *doc, unsigned flags);
/* Reads the EVAL.md shape. On AP_OK *doc is filled (free with tt_doc_free); AP_ERR_INVALID
 * with the reason in err for a bad document (it says which block and field). */
ap_status tt_doc_from_json(const json_t *root, tt_doc *doc, ap_error *err);
/* Reads a gold or prediction file (at most 16 MiB). */
ap_status tt_doc_load(const char *path, tt_doc *doc, ap_error *err);

#endif

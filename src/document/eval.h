/* eval: the extraction score of shared/EVAL.md, the one definition that `aipipe eval`, the
 * pipeline's evaluate step, the tests and the benchmarks share.
 *
 * Per document, gold and predicted timeblocks are matched one-to-one within the same day:
 * names are normalised (lower case, letters and digits only; non-ASCII letters are kept as
 * code points, see ev_normalize), similarity = 1 - Levenshtein / longer length, and a pair
 * needs similarity >= 0.8. Candidate pairs are taken greedily, highest similarity first,
 * ties by the closest start time (then by gold order, then prediction order, so the result
 * never depends on the sort's mood). A matched pair is "strict" when its start and end both
 * lie within EV_TIME_TOLERANCE minutes of gold; a gold time that is null is not checked.
 * Meta fields (teacher, className, term, year) are scored only where gold gives them.
 *
 * Everything here is counts; F1s are derived from counts, so pooling over a set of
 * documents is summing ev_counts (ev_counts_add) and then computing the F1s, never
 * averaging per-document F1s.
 *
 * Owns nothing beyond what a call allocates and frees itself (ev_matches_free). */
#ifndef AP_EVAL_H
#define AP_EVAL_H

#include <stddef.h>
#include <stdint.h>

#include "core/status.h"
#include "document/timetable.h"

#define EV_MIN_SIMILARITY 0.8      /* a pair (and a meta field) needs at least this */
#define EV_TIME_TOLERANCE 5        /* minutes, either side, for strict matches */
#define EV_MAX_NAME_CHARS 256      /* names are compared on their first 256 code points */
#define EV_MAX_PAIRS      1000000u /* candidate pairs per document before it is refused */

/* Meta fields, as bits of ev_counts' meta masks. */
#define EV_META_TEACHER (1u << 0) /* "teacher" */
#define EV_META_CLASS   (1u << 1) /* "className" */
#define EV_META_TERM    (1u << 2) /* "term" */
#define EV_META_YEAR    (1u << 3) /* "year" (compared as its decimal string) */
#define EV_META_FIELDS  4

typedef struct ev_counts {
    size_t docs;       /* documents summed in */
    size_t gold;       /* gold timeblocks */
    size_t pred;       /* predicted timeblocks */
    size_t name_tp;    /* matched pairs */
    size_t strict_tp;  /* matched pairs with both times within tolerance */
    size_t meta_given; /* meta fields gold gives */
    size_t meta_right; /* of those, fields the prediction has right */
    /* Per document (docs == 1) only: which fields gold gives and which are right. Summing
     * ORs them, which is rarely what you want; use meta_given/meta_right when pooled. */
    unsigned meta_given_mask, meta_right_mask;
} ev_counts;

/* One matched pair: indexes into gold->blocks and pred->blocks. */
typedef struct ev_match {
    size_t gold, pred;
    double similarity;
    int strict; /* 1 when the times are within tolerance */
} ev_match;

/* Scores one document. gold and pred are borrowed. On AP_OK *out holds the counts (docs = 1).
 * AP_ERR_TOO_LARGE when the document has more than EV_MAX_PAIRS candidate pairs (a
 * hostile file, not a timetable); AP_ERR_NOMEM. On failure *out is zeroed. */
ap_status ev_score_doc(const tt_doc *gold, const tt_doc *pred, ev_counts *out, ap_error *err);

/* As ev_score_doc, and also hands over the matched pairs (caller frees with free();
 * *matches is NULL when there are none), in the order they were taken. Unmatched gold or
 * predicted blocks are the indexes that appear in no pair. */
ap_status ev_score_doc_matches(const tt_doc *gold, const tt_doc *pred, ev_counts *out,
                               ev_match **matches, size_t *nmatches, ap_error *err);

/* sum += c (counts add; masks OR). */
void ev_counts_add(ev_counts *sum, const ev_counts *c);

/* F1 = 2 TP / (gold + pred). 1.0 when gold and pred are both empty (nothing to find and
 * nothing claimed is a perfect answer); 0.0 when only one of them is. */
double ev_f1(size_t tp, size_t gold, size_t pred);
double ev_name_f1(const ev_counts *c);
double ev_strict_f1(const ev_counts *c);
/* meta_right / meta_given, or -1 when gold gives no meta field (nothing to score). */
double ev_meta_score(const ev_counts *c);

/* EVAL.md's name similarity of two UTF-8 strings (normalised first), in [0, 1]. Two names
 * that are both empty after normalising are identical (1.0). */
double ev_similarity(const char *a, const char *b);

/* EVAL.md's normalisation into code points: ASCII letters lower-cased, ASCII digits kept,
 * non-ASCII letters kept (Latin-1, Latin Extended-A, Greek and Cyrillic capitals
 * lower-cased), everything else dropped: spaces, punctuation, symbols, combining marks,
 * typographic quotes and dashes, invalid UTF-8 bytes. Writes at most cap code points and
 * returns how many were written (the rest of s is ignored). */
size_t ev_normalize(const char *s, uint32_t *out, size_t cap);

#endif

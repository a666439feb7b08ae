/* eval: EVAL.md's score (see eval.h for the definition and the pooling rule).
 *
 * Invariants: similarities are compared exactly, as the integer pair (distance, longer
 * length), never as rounded doubles, so that a pair at exactly 0.8 ("maths" vs "math")
 * always passes and the greedy order is the same on every machine. Names are cut to
 * EV_MAX_NAME_CHARS code points before Levenshtein, which bounds each comparison at
 * 257 x 257 cells whatever the input. */
#include "document/eval.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/testable.h"

/* ---- normalisation ---- */

/* Decodes one UTF-8 sequence at s (n bytes left, n > 0). Returns its length and the code
 * point in *cp, or 1 with *cp = UINT32_MAX for an invalid byte (overlong forms,
 * surrogates and values past U+10FFFF are invalid too, so no two spellings of one
 * character compare differently). */
static size_t utf8_decode(const unsigned char *s, size_t n, uint32_t *cp)
{
    size_t len = 0;
    uint32_t c = s[0], min = 0;
    *cp = UINT32_MAX;
    if (c < 0x80) {
        *cp = c;
        return 1;
    } else if ((c & 0xE0) == 0xC0) {
        len = 2, c &= 0x1F, min = 0x80;
    } else if ((c & 0xF0) == 0xE0) {
        len = 3, c &= 0x0F, min = 0x800;
    } else if ((c & 0xF8) == 0xF0) {
        len = 4, c &= 0x07, min = 0x10000;
    } else {
        return 1;
    }
    if (len > n) return 1;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80) return 1;
        c = (c << 6) | (s[i] & 0x3F);
    }
    if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) return 1;
    *cp = c;
    return len;
}

/* Non-ASCII code points that are not letters or digits for the purpose of names. Not the
 * whole Unicode database (that would need ICU for one metric): the blocks that actually turn
 * up in typed and OCR'd timetables, i.e. punctuation, typographic quotes and dashes,
 * symbols, bullets (Word's Symbol/Wingdings bullets land in the private use area), emoji,
 * combining marks and invisible characters. Everything else non-ASCII counts as a letter. */
static int is_dropped(uint32_t c)
{
    static const uint32_t ranges[][2] = {
        {0x0080, 0x00A9},   {0x00AB, 0x00B4}, {0x00B6, 0x00B9}, {0x00BB, 0x00BF},
        {0x00D7, 0x00D7},   {0x00F7, 0x00F7}, {0x02B0, 0x036F}, /* modifiers, combining */
        {0x0483, 0x0489},   {0x2000, 0x2BFF},                   /* punctuation .. symbols */
        {0x2E00, 0x2E7F},   {0x3000, 0x303F}, {0xE000, 0xF8FF}, /* CJK punct., private use */
        {0xFE00, 0xFE6F},   {0xFEFF, 0xFEFF}, {0xFF00, 0xFF0F}, {0xFF1A, 0xFF20},
        {0xFF3B, 0xFF40},   {0xFF5B, 0xFF65}, {0xFFF0, 0xFFFF}, {0x1F000, 0x1FAFF},
        {0xE0000, 0xE007F},
    };
    for (size_t i = 0; i < sizeof ranges / sizeof ranges[0]; i++)
        if (c >= ranges[i][0] && c <= ranges[i][1]) return 1;
    return 0;
}

/* Lower case for the scripts a UK/European timetable plausibly uses; other code points are
 * returned unchanged (compared as they are, which is still correct for identical text). */
static uint32_t fold_case(uint32_t c)
{
    if (c >= 'A' && c <= 'Z') return c + 32;
    if (c >= 0xFF21 && c <= 0xFF3A) return c - 0xFF21 + 'a'; /* fullwidth A-Z */
    if (c >= 0xFF41 && c <= 0xFF5A) return c - 0xFF41 + 'a'; /* fullwidth a-z */
    if (c >= 0xFF10 && c <= 0xFF19) return c - 0xFF10 + '0'; /* fullwidth digits */
    if (c >= 0x00C0 && c <= 0x00DE && c != 0x00D7) return c + 32;
    if (c == 0x0130) return 'i'; /* dotted capital I: its pair in the block is dotless ı */
    if (c == 0x0178) return 0x00FF;
    if ((c >= 0x0100 && c <= 0x0137) || (c >= 0x014A && c <= 0x0177)) return c % 2 == 0 ? c + 1 : c;
    if ((c >= 0x0139 && c <= 0x0148) || (c >= 0x0179 && c <= 0x017E)) return c % 2 == 1 ? c + 1 : c;
    if (c >= 0x0391 && c <= 0x03AB && c != 0x03A2) return c + 32; /* Greek */
    if (c == 0x0386) return 0x03AC;
    if (c >= 0x0388 && c <= 0x038A) return c + 37;
    if (c == 0x038C) return 0x03CC;
    if (c == 0x038E || c == 0x038F) return c + 63;
    if (c >= 0x0410 && c <= 0x042F) return c + 32; /* Cyrillic */
    if (c >= 0x0400 && c <= 0x040F) return c + 80;
    if ((c >= 0x1E00 && c <= 0x1E95) || (c >= 0x1EA0 && c <= 0x1EFF)) /* Vietnamese etc. */
        return c % 2 == 0 ? c + 1 : c;
    return c;
}

size_t ev_normalize(const char *s, uint32_t *out, size_t cap)
{
    const unsigned char *p = (const unsigned char *)(s ? s : "");
    size_t n = strlen((const char *)p), len = 0;
    while (n > 0 && len < cap) {
        uint32_t c;
        size_t used = utf8_decode(p, n, &c);
        p += used;
        n -= used;
        if (c == UINT32_MAX) continue;
        if (c < 0x80) {
            if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')))
                continue;
        } else if (is_dropped(c)) {
            continue;
        }
        out[len++] = fold_case(c);
    }
    return len;
}

/* ---- Levenshtein ---- */

/* Edit distance of a and b (each at most EV_MAX_NAME_CHARS long), or limit + 1 as soon as
 * it is certain to exceed limit: every later row's minimum is at least this row's. */
TESTABLE size_t ev_levenshtein(const uint32_t *a, size_t la, const uint32_t *b, size_t lb,
                               size_t limit)
{
    size_t rows[2][EV_MAX_NAME_CHARS + 1];
    size_t *prev = rows[0], *cur = rows[1];
    size_t result;
    if (la > lb ? la - lb > limit : lb - la > limit) return limit + 1;
    for (size_t j = 0; j <= lb; j++)
        prev[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t row_min = cur[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t best = prev[j - 1] + (a[i - 1] != b[j - 1]);
            if (prev[j] + 1 < best) best = prev[j] + 1;
            if (cur[j - 1] + 1 < best) best = cur[j - 1] + 1;
            cur[j] = best;
            if (best < row_min) row_min = best;
        }
        if (row_min > limit) return limit + 1;
        size_t *t = prev;
        prev = cur;
        cur = t;
    }
    result = prev[lb];
    return result > limit ? limit + 1 : result;
}

/* A normalised name. */
typedef struct norm_name {
    uint32_t cp[EV_MAX_NAME_CHARS];
    size_t len;
} norm_name;

/* Distance and longer length of two normalised names, when similarity >= 0.8, i.e.
 * 1 - d / L >= 0.8, i.e. 5 d <= L (exact in integers). Returns 0 when the pair fails. */
static int similar_enough(const norm_name *a, const norm_name *b, size_t *dist, size_t *longer)
{
    size_t l = a->len > b->len ? a->len : b->len;
    size_t d = ev_levenshtein(a->cp, a->len, b->cp, b->len, l / 5);
    *dist = d;
    *longer = l;
    return 5 * d <= l;
}

/* The exact >= 0.8 test on two raw strings (meta fields). */
static int names_similar(const char *a, const char *b)
{
    norm_name na, nb;
    size_t dist, longer;
    na.len = ev_normalize(a, na.cp, EV_MAX_NAME_CHARS);
    nb.len = ev_normalize(b, nb.cp, EV_MAX_NAME_CHARS);
    return similar_enough(&na, &nb, &dist, &longer);
}

double ev_similarity(const char *a, const char *b)
{
    /* Two names on the stack are 2 KiB: fine for a leaf function. */
    norm_name na, nb;
    na.len = ev_normalize(a, na.cp, EV_MAX_NAME_CHARS);
    nb.len = ev_normalize(b, nb.cp, EV_MAX_NAME_CHARS);
    size_t l = na.len > nb.len ? na.len : nb.len;
    if (l == 0) return 1.0;
    size_t d = ev_levenshtein(na.cp, na.len, nb.cp, nb.len, l);
    return 1.0 - (double)d / (double)l;
}

/* ---- matching ---- */

/* 16 bytes: a document may hold EV_MAX_PAIRS of these. Indexes fit 32 bits because a
 * tt_doc read from JSON holds at most TT_MAX_BLOCKS blocks (and score_generic refuses
 * more than 2^32 from elsewhere); lengths fit 16 because names are capped. */
typedef struct candidate {
    uint32_t gold, pred;
    uint16_t dist, longer; /* similarity = 1 - dist / longer; longer == 0: both empty */
    int32_t start_gap;     /* |gold start - pred start|, GAP_UNKNOWN when one is unknown */
} candidate;
_Static_assert(TT_MAX_BLOCKS <= UINT32_MAX && EV_MAX_NAME_CHARS <= UINT16_MAX,
               "candidate fields too narrow");

#define GAP_UNKNOWN (24 * 60 * 8) /* larger than any real gap */

static int start_gap(int g, int p)
{
    if (g == TT_NO_TIME && p == TT_NO_TIME) return 0;
    if (g == TT_NO_TIME || p == TT_NO_TIME) return GAP_UNKNOWN;
    return g > p ? g - p : p - g;
}

/* Higher similarity first (d1 / L1 < d2 / L2 compared as d1 L2 < d2 L1, with an empty
 * pair counted as 0 / 1), then the closer start, then gold order, then prediction order. */
static int candidate_cmp(const void *pa, const void *pb)
{
    const candidate *a = pa, *b = pb;
    uint32_t la = a->longer ? a->longer : 1, lb = b->longer ? b->longer : 1;
    uint32_t x = (uint32_t)a->dist * lb, y = (uint32_t)b->dist * la;
    if (x != y) return x < y ? -1 : 1;
    if (a->start_gap != b->start_gap) return a->start_gap < b->start_gap ? -1 : 1;
    if (a->gold != b->gold) return a->gold < b->gold ? -1 : 1;
    if (a->pred != b->pred) return a->pred < b->pred ? -1 : 1;
    return 0;
}

/* A gold time that is null is not checked (EVAL.md says so for endTime; a null gold
 * start is treated the same way rather than demanding a null prediction). */
static int time_ok(int gold, int pred)
{
    if (gold == TT_NO_TIME) return 1;
    if (pred == TT_NO_TIME) return 0;
    int gap = gold > pred ? gold - pred : pred - gold;
    return gap <= EV_TIME_TOLERANCE;
}

static void score_meta(const tt_doc *gold, const tt_doc *pred, ev_counts *c)
{
    char gyear[16], pyear[16];
    snprintf(gyear, sizeof gyear, "%d", gold->year);
    snprintf(pyear, sizeof pyear, "%d", pred->year);
    const char *g[EV_META_FIELDS] = {gold->teacher, gold->class_name, gold->term,
                                     gold->year ? gyear : NULL};
    const char *p[EV_META_FIELDS] = {pred->teacher, pred->class_name, pred->term,
                                     pred->year ? pyear : NULL};
    for (int i = 0; i < EV_META_FIELDS; i++) {
        if (!g[i] || !g[i][0]) continue; /* gold does not give this field */
        c->meta_given++;
        c->meta_given_mask |= 1u << i;
        /* A missing prediction is wrong, even if gold's field normalises to nothing. */
        if (p[i] && names_similar(g[i], p[i])) {
            c->meta_right++;
            c->meta_right_mask |= 1u << i;
        }
    }
}

static ap_status score_generic(const tt_doc *gold, const tt_doc *pred, ev_counts *out,
                               ev_match **matches_out, size_t *nmatches_out, ap_error *err)
{
    ap_status st = AP_OK;
    norm_name *gnames = NULL, *pnames = NULL;
    candidate *cands = NULL;
    unsigned char *gused = NULL, *pused = NULL;
    ev_match *matches = NULL;
    size_t ncands = 0, capcands = 0, nmatches = 0;
    ev_counts c = {.docs = 1, .gold = gold->nblocks, .pred = pred->nblocks};

    *out = (ev_counts){0};
    if (matches_out) *matches_out = NULL;
    if (nmatches_out) *nmatches_out = 0;

    if (gold->nblocks > UINT32_MAX || pred->nblocks > UINT32_MAX) {
        st = ap_fail(err, AP_ERR_TOO_LARGE, "too many timeblocks to score");
        goto out;
    }
    /* calloc(0) may return NULL: allocate at least one of each. */
    gnames = calloc(gold->nblocks + 1, sizeof *gnames);
    pnames = calloc(pred->nblocks + 1, sizeof *pnames);
    gused = calloc(gold->nblocks + 1, 1);
    pused = calloc(pred->nblocks + 1, 1);
    if (!gnames || !pnames || !gused || !pused) {
        st = ap_fail(err, AP_ERR_NOMEM, "out of memory scoring %zu x %zu timeblocks", gold->nblocks,
                     pred->nblocks);
        goto out;
    }
    for (size_t i = 0; i < gold->nblocks; i++)
        gnames[i].len = ev_normalize(gold->blocks[i].name, gnames[i].cp, EV_MAX_NAME_CHARS);
    for (size_t j = 0; j < pred->nblocks; j++)
        pnames[j].len = ev_normalize(pred->blocks[j].name, pnames[j].cp, EV_MAX_NAME_CHARS);

    for (size_t i = 0; i < gold->nblocks; i++) {
        for (size_t j = 0; j < pred->nblocks; j++) {
            const tt_block *g = &gold->blocks[i], *p = &pred->blocks[j];
            size_t dist, longer;
            if (g->day != p->day || !similar_enough(&gnames[i], &pnames[j], &dist, &longer))
                continue;
            if (ncands == EV_MAX_PAIRS) {
                st = ap_fail(err, AP_ERR_TOO_LARGE, "more than %u candidate pairs: not a timetable",
                             EV_MAX_PAIRS);
                goto out;
            }
            if (ncands == capcands) {
                size_t cap = capcands ? capcands * 2 : 64;
                if (cap > EV_MAX_PAIRS) cap = EV_MAX_PAIRS;
                candidate *grown = realloc(cands, cap * sizeof *grown);
                if (!grown) {
                    st = ap_fail(err, AP_ERR_NOMEM, "out of memory for %zu candidate pairs", cap);
                    goto out;
                }
                cands = grown;
                capcands = cap;
            }
            cands[ncands++] = (candidate){.gold = (uint32_t)i,
                                          .pred = (uint32_t)j,
                                          .dist = (uint16_t)dist,
                                          .longer = (uint16_t)longer,
                                          .start_gap = start_gap(g->start, p->start)};
        }
    }
    if (ncands) qsort(cands, ncands, sizeof *cands, candidate_cmp);

    if (matches_out && ncands) {
        /* At most min(gold, pred) pairs are taken. */
        size_t most = gold->nblocks < pred->nblocks ? gold->nblocks : pred->nblocks;
        if (!(matches = malloc(most * sizeof *matches))) {
            st = ap_fail(err, AP_ERR_NOMEM, "out of memory");
            goto out;
        }
    }
    for (size_t k = 0; k < ncands; k++) {
        const candidate *cd = &cands[k];
        if (gused[cd->gold] || pused[cd->pred]) continue;
        gused[cd->gold] = pused[cd->pred] = 1;
        const tt_block *g = &gold->blocks[cd->gold], *p = &pred->blocks[cd->pred];
        int strict = time_ok(g->start, p->start) && time_ok(g->end, p->end);
        c.name_tp++;
        c.strict_tp += (size_t)strict;
        if (matches)
            matches[nmatches++] = (ev_match){
                .gold = cd->gold,
                .pred = cd->pred,
                .similarity = cd->longer ? 1.0 - (double)cd->dist / (double)cd->longer : 1.0,
                .strict = strict};
    }
    score_meta(gold, pred, &c);
    *out = c;
    if (matches_out) {
        *matches_out = matches;
        *nmatches_out = nmatches;
        matches = NULL;
    }
out:
    free(matches);
    free(cands);
    free(gnames);
    free(pnames);
    free(gused);
    free(pused);
    return st;
}

ap_status ev_score_doc(const tt_doc *gold, const tt_doc *pred, ev_counts *out, ap_error *err)
{
    return score_generic(gold, pred, out, NULL, NULL, err);
}

ap_status ev_score_doc_matches(const tt_doc *gold, const tt_doc *pred, ev_counts *out,
                               ev_match **matches, size_t *nmatches, ap_error *err)
{
    return score_generic(gold, pred, out, matches, nmatches, err);
}

/* ---- figures ---- */

void ev_counts_add(ev_counts *sum, const ev_counts *c)
{
    sum->docs += c->docs;
    sum->gold += c->gold;
    sum->pred += c->pred;
    sum->name_tp += c->name_tp;
    sum->strict_tp += c->strict_tp;
    sum->meta_given += c->meta_given;
    sum->meta_right += c->meta_right;
    sum->meta_given_mask |= c->meta_given_mask;
    sum->meta_right_mask |= c->meta_right_mask;
}

double ev_f1(size_t tp, size_t gold, size_t pred)
{
    if (gold + pred == 0) return 1.0;
    return 2.0 * (double)tp / (double)(gold + pred);
}

double ev_name_f1(const ev_counts *c)
{
    return ev_f1(c->name_tp, c->gold, c->pred);
}

double ev_strict_f1(const ev_counts *c)
{
    return ev_f1(c->strict_tp, c->gold, c->pred);
}

double ev_meta_score(const ev_counts *c)
{
    return c->meta_given ? (double)c->meta_right / (double)c->meta_given : -1.0;
}

/* charlm: character n-gram prior and the CTC beam search that uses it (charlm.h).
 *
 * Grams and contexts live in two open-addressing tables keyed by their classes packed 8
 * bits each, with the length in the top byte (so no key is 0, the empty slot): a gram of
 * length L is its L-1 context classes then the predicted one; a context of length L-1 is
 * keyed as such. Counting fills the gram table; nn_lm_finish (or a load) derives each
 * context's summed count and number of followers. */
#include "nn/charlm.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/testable.h"
#include "nn/nn.h"
#include "nn/safetensors.h"

typedef struct lm_table {
    uint64_t *keys;
    double *a, *b; /* grams: count in a; contexts: summed count in a, followers in b */
    size_t cap, n;
} lm_table;

struct nn_lm {
    int order, nclasses, finished;
    double discount[NN_LM_MAX_ORDER];
    lm_table grams, ctx;
    nn_st_file *file; /* the loaded file, for its metadata */
    /* Per class, the class it cannot be told from by its glyph alone (0 O o; 1 l I |):
     * the prior chooses among them, so decoding's confidence counts them as one. Each
     * class its own unless the charset is known (nn_lm_load). */
    int alike[NN_LM_MAX_CLASSES];
};

/* ---- tables ---- */

static uint64_t key_of(const int *cls, int len)
{
    uint64_t k = (uint64_t)(len + 1) << 56;
    for (int i = 0; i < len; i++)
        k |= (uint64_t)(cls[i] & 0xff) << (8 * (len - 1 - i));
    return k;
}

static size_t slot_of(const lm_table *t, uint64_t key)
{
    uint64_t h = key * 0x9E3779B97F4A7C15ull;
    size_t i = (size_t)(h >> 20) & (t->cap - 1);
    while (t->keys[i] && t->keys[i] != key)
        i = (i + 1) & (t->cap - 1);
    return i;
}

static ap_status table_grow(lm_table *t, ap_error *err)
{
    lm_table g = {.cap = t->cap ? t->cap * 2 : 1024};
    g.keys = calloc(g.cap, sizeof *g.keys);
    g.a = calloc(g.cap, sizeof *g.a);
    g.b = calloc(g.cap, sizeof *g.b);
    if (!g.keys || !g.a || !g.b) {
        free(g.keys), free(g.a), free(g.b);
        return ap_fail(err, AP_ERR_NOMEM, "out of memory");
    }
    for (size_t i = 0; i < t->cap; i++)
        if (t->keys[i]) {
            size_t s = slot_of(&g, t->keys[i]);
            g.keys[s] = t->keys[i], g.a[s] = t->a[i], g.b[s] = t->b[i];
        }
    g.n = t->n;
    free(t->keys), free(t->a), free(t->b);
    *t = g;
    return AP_OK;
}

/* The slot of key, inserted (zero values) when absent; *isnew tells which. */
static ap_status table_put(lm_table *t, uint64_t key, size_t *slot, int *isnew, ap_error *err)
{
    if ((t->n + 1) * 2 > t->cap) {
        ap_status st = table_grow(t, err);
        if (st != AP_OK) return st;
    }
    size_t s = slot_of(t, key);
    *isnew = !t->keys[s];
    if (*isnew) t->keys[s] = key, t->a[s] = t->b[s] = 0, t->n++;
    *slot = s;
    return AP_OK;
}

static const double *table_get(const lm_table *t, uint64_t key, int which)
{
    if (!t->cap) return NULL;
    size_t s = slot_of(t, key);
    if (!t->keys[s]) return NULL;
    return which ? &t->b[s] : &t->a[s];
}

static void table_free(lm_table *t)
{
    free(t->keys), free(t->a), free(t->b);
    memset(t, 0, sizeof *t);
}

/* ---- counting ---- */

ap_status nn_lm_new(int nclasses, int order, nn_lm **out, ap_error *err)
{
    *out = NULL;
    if (nclasses < 2 || nclasses > NN_LM_MAX_CLASSES || order < 1 || order > NN_LM_MAX_ORDER)
        return ap_fail(err, AP_ERR_INVALID, "lm: %d classes, order %d out of range", nclasses,
                       order);
    nn_lm *lm = calloc(1, sizeof *lm);
    if (!lm) return ap_fail(err, AP_ERR_NOMEM, "out of memory");
    lm->order = order, lm->nclasses = nclasses;
    for (int k = 0; k < nclasses; k++)
        lm->alike[k] = k;
    *out = lm;
    return AP_OK;
}

void nn_lm_free(nn_lm *lm)
{
    if (!lm) return;
    table_free(&lm->grams);
    table_free(&lm->ctx);
    nn_st_free(lm->file);
    free(lm);
}

int nn_lm_order(const nn_lm *lm)
{
    return lm->order;
}
int nn_lm_nclasses(const nn_lm *lm)
{
    return lm->nclasses;
}
size_t nn_lm_ngrams(const nn_lm *lm)
{
    return lm->grams.n;
}

ap_status nn_lm_add(nn_lm *lm, const int *cls, int n, ap_error *err)
{
    if (lm->finished) return ap_fail(err, AP_ERR_INVALID, "lm: counting after finish");
    int win[NN_LM_MAX_ORDER] = {0}; /* the last order classes, line start = 0 */
    for (int i = 0; i < n; i++) {
        if (cls[i] < 1 || cls[i] >= lm->nclasses)
            return ap_fail(err, AP_ERR_INVALID, "lm: class %d out of range", cls[i]);
        memmove(win, win + 1, sizeof(int) * (NN_LM_MAX_ORDER - 1));
        win[NN_LM_MAX_ORDER - 1] = cls[i];
        for (int len = 1; len <= lm->order; len++) {
            size_t s;
            int isnew;
            ap_status st =
                table_put(&lm->grams, key_of(win + NN_LM_MAX_ORDER - len, len), &s, &isnew, err);
            if (st != AP_OK) return st;
            if (isnew && lm->grams.n > NN_LM_MAX_GRAMS)
                return ap_fail(err, AP_ERR_TOO_LARGE, "lm: over %u n-grams", NN_LM_MAX_GRAMS);
            lm->grams.a[s] += 1;
        }
    }
    return AP_OK;
}

static int key_len(uint64_t key)
{
    return (int)(key >> 56) - 1;
}

/* Each context's summed count and follower count from the grams. */
static ap_status build_contexts(nn_lm *lm, ap_error *err)
{
    table_free(&lm->ctx);
    for (size_t i = 0; i < lm->grams.cap; i++) {
        uint64_t k = lm->grams.keys[i];
        if (!k) continue;
        int len = key_len(k);
        uint64_t ck = ((uint64_t)len << 56) | ((k & ((1ull << 56) - 1)) >> 8);
        size_t s;
        int isnew;
        ap_status st = table_put(&lm->ctx, ck, &s, &isnew, err);
        if (st != AP_OK) return st;
        lm->ctx.a[s] += lm->grams.a[i];
        lm->ctx.b[s] += 1;
    }
    lm->finished = 1;
    return AP_OK;
}

ap_status nn_lm_finish(nn_lm *lm, int min_count, ap_error *err)
{
    double n1[NN_LM_MAX_ORDER + 1] = {0}, n2[NN_LM_MAX_ORDER + 1] = {0};
    for (size_t i = 0; i < lm->grams.cap; i++) {
        if (!lm->grams.keys[i]) continue;
        int len = key_len(lm->grams.keys[i]);
        n1[len] += lm->grams.a[i] == 1, n2[len] += lm->grams.a[i] == 2;
    }
    /* kept inside [0.1, 0.9]: at 0 a character never seen after a context would get no
     * probability at all there (the beam could never read it), at 1 a gram seen once none */
    for (int L = 1; L <= lm->order; L++) {
        double d = n1[L] + n2[L] > 0 ? n1[L] / (n1[L] + 2 * n2[L]) : 0.5;
        lm->discount[L - 1] = d < 0.1 ? 0.1 : d > 0.9 ? 0.9 : d;
    }
    if (min_count > 1) { /* rebuild without the rare long grams */
        lm_table kept = {0};
        for (size_t i = 0; i < lm->grams.cap; i++) {
            uint64_t k = lm->grams.keys[i];
            if (!k || (key_len(k) >= 3 && lm->grams.a[i] < min_count)) continue;
            size_t s;
            int isnew;
            ap_status st = table_put(&kept, k, &s, &isnew, err);
            if (st != AP_OK) {
                table_free(&kept);
                return st;
            }
            kept.a[s] = lm->grams.a[i];
        }
        table_free(&lm->grams);
        lm->grams = kept;
    }
    return build_contexts(lm, err);
}

/* ---- queries ---- */

double nn_lm_logprob(const nn_lm *lm, const int *ctx, int n, int cls)
{
    int g[NN_LM_MAX_ORDER] = {0}; /* the order - 1 classes before cls (0: line start), cls */
    for (int i = 0; i < lm->order - 1; i++) {
        int j = n - (lm->order - 1) + i;
        g[i] = j >= 0 ? ctx[j] : 0;
    }
    g[lm->order - 1] = cls;
    double p = 1.0 / (lm->nclasses - 1);
    for (int len = 1; len <= lm->order; len++) {
        const int *gram = g + lm->order - len;
        const double *c = table_get(&lm->ctx, key_of(gram, len - 1), 0);
        if (!c) break; /* a longer context holds this one: it was not seen either */
        double nf = lm->ctx.b[c - lm->ctx.a]; /* the followers, in the same slot */
        const double *cw = table_get(&lm->grams, key_of(gram, len), 0);
        double d = lm->discount[len - 1];
        p = ((cw && *cw > d) ? *cw - d : 0.0) / *c + d * nf / *c * p;
    }
    return log(p);
}

/* ---- file ---- */

ap_status nn_lm_save(const nn_lm *lm, const char *path, const char *charset,
                     const char *const *keys, const char *const *values, size_t n, ap_error *err)
{
    if (!lm->finished) return ap_fail(err, AP_ERR_INVALID, "lm: save before finish");
    size_t cols = (size_t)lm->order + 1, g = 0;
    float *rows = malloc(sizeof(float) * (lm->grams.n ? lm->grams.n : 1) * cols);
    const char **mk = malloc(sizeof(char *) * (n + 2)), **mv = malloc(sizeof(char *) * (n + 2));
    if (!rows || !mk || !mv) {
        free(rows), free(mk), free(mv);
        return ap_fail(err, AP_ERR_NOMEM, "out of memory");
    }
    for (size_t i = 0; i < lm->grams.cap; i++) {
        uint64_t k = lm->grams.keys[i];
        if (!k) continue;
        int len = key_len(k);
        float *r = rows + g++ * cols;
        for (int j = 0; j < lm->order; j++) {
            int from_end = lm->order - 1 - j; /* 0: the predicted class */
            r[j] = from_end < len ? (float)((k >> (8 * from_end)) & 0xff) : -1.0f;
        }
        r[lm->order] = (float)lm->grams.a[i];
    }
    float disc[NN_LM_MAX_ORDER];
    for (int i = 0; i < lm->order; i++)
        disc[i] = (float)lm->discount[i];
    char order[16];
    snprintf(order, sizeof order, "%d", lm->order);
    mk[0] = "order", mv[0] = order, mk[1] = "charset", mv[1] = charset ? charset : "";
    for (size_t i = 0; i < n; i++)
        mk[i + 2] = keys[i], mv[i + 2] = values[i];
    nn_st_entry t[2] = {
        {.name = "grams", .data = rows, .ndim = 2, .shape = {(int64_t)g, (int64_t)cols}},
        {.name = "discount", .data = disc, .ndim = 1, .shape = {lm->order}}};
    ap_status st = nn_st_write(path, t, 2, mk, mv, n + 2, err);
    free(rows), free(mk), free(mv);
    return st;
}

ap_status nn_lm_load(const char *path, const char *charset, nn_lm **out, ap_error *err)
{
    *out = NULL;
    nn_st_file *f;
    ap_status st =
        nn_st_read(path, (size_t)NN_LM_MAX_GRAMS * (NN_LM_MAX_ORDER + 1) * 4 + (1u << 20), &f, err);
    if (st != AP_OK) return st;
    const char *ord = nn_st_meta(f, "order"), *cs = nn_st_meta(f, "charset");
    char *end = NULL;
    long order = ord ? strtol(ord, &end, 10) : 0;
    if (!ord || *end || order < 1 || order > NN_LM_MAX_ORDER || !cs) {
        nn_st_free(f);
        return ap_fail(err, AP_ERR_INVALID, "%s: not a character n-gram model", path);
    }
    if (charset && strcmp(cs, charset) != 0) {
        nn_st_free(f);
        return ap_fail(err, AP_ERR_INVALID, "%s: counted over another charset than the model's",
                       path);
    }
    int64_t rows = -1;
    for (size_t i = 0; i < nn_st_count(f); i++) {
        int nd;
        const int64_t *shape;
        const char *name = nn_st_name(f, i, &nd, &shape);
        if (strcmp(name, "grams") == 0 && nd == 2 && shape[1] == order + 1) rows = shape[0];
    }
    /* the charset's code points: classes 1..nclasses-1 */
    size_t ncp = 0;
    for (const unsigned char *s = (const unsigned char *)cs; *s; s++)
        ncp += (*s & 0xC0) != 0x80;
    nn_lm *lm = NULL;
    float *data = NULL;
    if (rows < 0 || rows > (int64_t)NN_LM_MAX_GRAMS) {
        st = ap_fail(err, AP_ERR_INVALID, "%s: no grams tensor of %ld columns", path, order + 1);
        goto fail;
    }
    if ((st = nn_lm_new((int)ncp + 1, (int)order, &lm, err)) != AP_OK) goto fail;
    /* look-alike glyphs: each group's members point at its first member in the charset */
    static const char *const groups[] = {"0Oo", "1lI|"};
    for (size_t g = 0; g < sizeof groups / sizeof groups[0]; g++) {
        int first = -1, k = 1;
        for (const unsigned char *s = (const unsigned char *)cs; *s; s++) {
            if ((*s & 0xC0) == 0x80) continue;
            if (*s < 0x80 && strchr(groups[g], *s)) {
                if (first < 0) first = k;
                lm->alike[k] = first;
            }
            k++;
        }
    }
    size_t cols = (size_t)order + 1;
    data = malloc(sizeof(float) * ((size_t)rows * cols + 1));
    float disc[NN_LM_MAX_ORDER];
    int64_t gshape[2] = {rows, (int64_t)cols}, dshape[1] = {order};
    if (!data) {
        st = ap_fail(err, AP_ERR_NOMEM, "out of memory");
        goto fail;
    }
    if ((st = nn_st_copy(f, "grams", data, 2, gshape, err)) != AP_OK ||
        (st = nn_st_copy(f, "discount", disc, 1, dshape, err)) != AP_OK)
        goto fail;
    for (int i = 0; i < order; i++) {
        if (!(disc[i] > 0 && disc[i] < 1)) { /* 0 would give unseen characters no mass */
            st = ap_fail(err, AP_ERR_INVALID, "%s: discount %d out of (0, 1)", path, i + 1);
            goto fail;
        }
        lm->discount[i] = disc[i];
    }
    for (int64_t r = 0; r < rows; r++) {
        const float *row = data + (size_t)r * cols;
        int cls[NN_LM_MAX_ORDER], len = 0, ok = row[order] >= 1 && row[order] < 1e9f;
        for (int j = 0; j < order && ok; j++) {
            float v = row[j];
            if (v == -1.0f && len == 0) continue; /* padding before the gram */
            /* context classes may be 0 (line start); the predicted one may not */
            ok = v == floorf(v) && v >= (j == order - 1 ? 1 : 0) && v < lm->nclasses;
            cls[len++] = (int)v;
        }
        size_t s;
        int isnew = 0;
        if (ok && len > 0 &&
            (st = table_put(&lm->grams, key_of(cls, len), &s, &isnew, err)) != AP_OK)
            goto fail;
        if (!ok || !len || !isnew) {
            st = ap_fail(err, AP_ERR_INVALID, "%s: gram %ld malformed or repeated", path, (long)r);
            goto fail;
        }
        lm->grams.a[s] = row[order];
    }
    if ((st = build_contexts(lm, err)) != AP_OK) goto fail;
    free(data);
    lm->file = f;
    *out = lm;
    return AP_OK;
fail:
    free(data);
    nn_lm_free(lm);
    nn_st_free(f);
    return st;
}

const char *nn_lm_meta(const nn_lm *lm, const char *key)
{
    return lm->file ? nn_st_meta(lm->file, key) : NULL;
}

/* ---- beam search ---- */

/* A prefix: its classes, where and how surely each was emitted, the log probabilities of
 * its alignments ending in a blank (pb) and in its last class (pnb), and its prior. */
typedef struct lm_beam {
    int len;
    uint64_t hash;
    double pb, pnb, lm;
    int *seq, *frame;
    float *prob;
} lm_beam;

static inline double lse(double a, double b)
{
    if (a == -INFINITY) return b;
    if (b == -INFINITY) return a;
    return a > b ? a + log1p(exp(b - a)) : b + log1p(exp(a - b));
}

static double beam_score(const lm_beam *e, double w)
{
    return lse(e->pb, e->pnb) + w * e->lm;
}

static lm_beam *beam_lookup(lm_beam *set, int n, const int *seq, int len, uint64_t hash)
{
    for (int i = 0; i < n; i++)
        if (set[i].hash == hash && set[i].len == len &&
            memcmp(set[i].seq, seq, sizeof(int) * (size_t)len) == 0)
            return &set[i];
    return NULL;
}

/* The frame's new prefixes by hash: the linear lookup above scanned up to beam x K of them
 * for each of beam x (candidates + 1) lookups a frame (~5% of a cell's reading). A prefix
 * is added only where no equal one exists, so each is in the set once and any match is
 * the scan's. slot[s] holds index + 1 into the set, 0 when empty; open addressing with
 * linear probing, at most half full; used lists the filled slots so a frame clears only
 * those. */
typedef struct {
    int *slot, *used;
    int nused;
    uint64_t mask;
} beam_index;

/* Tests compare the index against the scan it replaces (beam_lookup). */
TESTABLE int nn_lm_scan_lookup;

static size_t beam_slot(const beam_index *ix, uint64_t hash)
{
    return (size_t)((hash * 0x9E3779B97F4A7C15ull) >> 32 & ix->mask);
}

static lm_beam *beam_find(const beam_index *ix, lm_beam *set, int n, const int *seq, int len,
                          uint64_t hash)
{
    if (nn_lm_scan_lookup) return beam_lookup(set, n, seq, len, hash);
    for (size_t s = beam_slot(ix, hash); ix->slot[s]; s = (s + 1) & ix->mask) {
        lm_beam *e = &set[ix->slot[s] - 1];
        if (e->hash == hash && e->len == len &&
            memcmp(e->seq, seq, sizeof(int) * (size_t)len) == 0)
            return e;
    }
    return NULL;
}

/* Records set[i], which beam_find did not find. */
static void beam_add(beam_index *ix, const lm_beam *set, int i)
{
    size_t s = beam_slot(ix, set[i].hash);
    while (ix->slot[s])
        s = (s + 1) & ix->mask;
    ix->slot[s] = i + 1;
    ix->used[ix->nused++] = (int)s;
}

static void beam_clear(beam_index *ix)
{
    for (int i = 0; i < ix->nused; i++)
        ix->slot[ix->used[i]] = 0;
    ix->nused = 0;
}

static void beam_copy(lm_beam *dst, const lm_beam *src, int len)
{
    memcpy(dst->seq, src->seq, sizeof(int) * (size_t)len);
    memcpy(dst->frame, src->frame, sizeof(int) * (size_t)len);
    memcpy(dst->prob, src->prob, sizeof(float) * (size_t)len);
}

ap_status nn_lm_beam_decode(int *out, float *probs, int *frames, int *n, float *conf,
                            const float *logits, int T, int K, int cap, int beam, const nn_lm *lm,
                            float weight)
{
    *n = 0, *conf = 0;
    if (beam < 1) beam = 1;
    if (cap > NN_LM_MAX_DECODE) cap = NN_LM_MAX_DECODE;
    if (cap < 0) cap = 0;
    if (lm && lm->nclasses != K) lm = NULL;
    double w = lm ? weight : 0.0;
    int maxnext = beam * K, total = beam + maxnext;
    lm_beam *all = calloc((size_t)total, sizeof *all);
    int *ints = malloc(sizeof(int) * (size_t)total * (size_t)(cap + 1) * 2);
    float *fl = malloc(sizeof(float) * (size_t)total * (size_t)(cap + 1));
    double *logp = malloc(sizeof(double) * (size_t)K);
    int *cand = malloc(sizeof(int) * (size_t)K);
    beam_index ix = {0};
    size_t nslots = 2;
    while (nslots < 2 * (size_t)maxnext)
        nslots *= 2;
    ix.mask = nslots - 1;
    ix.slot = calloc(nslots, sizeof *ix.slot);
    ix.used = malloc(sizeof *ix.used * (size_t)maxnext);
    ap_status st = AP_OK;
    if (!all || !ints || !fl || !logp || !cand || !ix.slot || !ix.used) {
        st = AP_ERR_NOMEM;
        goto out;
    }
    for (int i = 0; i < total; i++) {
        all[i].seq = ints + (size_t)i * (cap + 1) * 2;
        all[i].frame = all[i].seq + cap + 1;
        all[i].prob = fl + (size_t)i * (cap + 1);
    }
    lm_beam *cur = all, *next = all + beam;
    int ncur = 1;
    cur[0].len = 0, cur[0].hash = 1469598103934665603ull, cur[0].pb = 0, cur[0].pnb = -INFINITY;
    cur[0].lm = 0;
    for (int t = 0; t < T; t++) {
        const float *z = logits + (size_t)t * K;
        double mx = z[0], s = 0.0;
        for (int k = 1; k < K; k++)
            mx = fmax(mx, z[k]);
        for (int k = 0; k < K; k++)
            s += exp(z[k] - mx);
        int ncand = 0;
        double logs = log(s); /* once: log may set errno, so the compiler calls it per class */
        for (int k = 0; k < K; k++) {
            logp[k] = z[k] - mx - logs;
            if (k > 0 && logp[k] > log(1e-4)) cand[ncand++] = k;
        }
        int nnext = 0;
        for (int i = 0; i < ncur; i++) {
            lm_beam *e = &cur[i];
            double tot = lse(e->pb, e->pnb);
            /* stay: a blank, or the last class repeated (collapses) */
            lm_beam *x = beam_find(&ix, next, nnext, e->seq, e->len, e->hash);
            if (!x) {
                x = &next[nnext++];
                x->len = e->len, x->hash = e->hash, x->lm = e->lm;
                beam_add(&ix, next, nnext - 1);
                beam_copy(x, e, e->len);
                x->pb = x->pnb = -INFINITY;
            }
            x->pb = lse(x->pb, tot + logp[0]);
            if (e->len > 0) x->pnb = lse(x->pnb, e->pnb + logp[e->seq[e->len - 1]]);
            if (e->len >= cap) continue;
            for (int c = 0; c < ncand; c++) {
                int k = cand[c];
                uint64_t h = (e->hash ^ (uint64_t)k) * 1099511628211ull;
                e->seq[e->len] = k; /* seq has cap + 1 room: compare the extended prefix */
                /* the same class twice needs a blank in between */
                double from = (e->len > 0 && e->seq[e->len - 1] == k) ? e->pb : tot;
                double add = from + logp[k];
                lm_beam *y = beam_find(&ix, next, nnext, e->seq, e->len + 1, h);
                if (!y) {
                    if (nnext >= maxnext) continue;
                    y = &next[nnext++];
                    y->len = e->len + 1, y->hash = h;
                    beam_add(&ix, next, nnext - 1);
                    beam_copy(y, e, e->len + 1);
                    y->pb = y->pnb = -INFINITY;
                    y->lm = e->lm + (lm ? nn_lm_logprob(lm, e->seq, e->len, k) : 0.0);
                    y->frame[e->len] = t, y->prob[e->len] = (float)exp(logp[k]);
                } else if (add > y->pnb && y->frame[e->len] != t) {
                    /* the likelier path emits the class here */
                    y->frame[e->len] = t, y->prob[e->len] = (float)exp(logp[k]);
                }
                y->pnb = lse(y->pnb, add);
            }
        }
        beam_clear(&ix); /* the selection below moves the prefixes */
        /* keep the best beam prefixes (a partial selection: beam is small) */
        int keep = nnext < beam ? nnext : beam;
        for (int i = 0; i < keep; i++) {
            int best = i;
            double bs = beam_score(&next[i], w);
            for (int j = i + 1; j < nnext; j++) {
                double sj = beam_score(&next[j], w);
                if (sj > bs) best = j, bs = sj;
            }
            if (best != i) {
                lm_beam tmp = next[i];
                next[i] = next[best];
                next[best] = tmp;
            }
        }
        /* the kept prefixes become the current ones; swap the storage roles */
        for (int i = 0; i < keep; i++) {
            lm_beam tmp = cur[i];
            cur[i] = next[i];
            next[i] = tmp;
        }
        ncur = keep;
    }
    {
        const lm_beam *b = &cur[0];
        double sum = 0;
        for (int i = 0; i < b->len; i++) {
            out[i] = b->seq[i];
            if (probs) probs[i] = b->prob[i];
            if (frames) frames[i] = b->frame[i];
        }
        /* A prefix records a class's probability at the frame where it was extended,
         * often the edge of its glyph (1e-3) when its parent then left the beam: the best
         * alignment of the kept text says where each class stands and how sure the model
         * is of it there (the search's own frames stay when it cannot be made). */
        if ((probs || frames) && b->len) {
            float *ap = malloc(sizeof(float) * (size_t)b->len);
            int *af = malloc(sizeof(int) * (size_t)b->len);
            st = ap && af
                     ? nn_ctc_align(ap, af, b->seq, b->len, logits, T, K, lm ? lm->alike : NULL)
                     : AP_ERR_NOMEM;
            if (st == AP_OK) {
                if (probs) memcpy(probs, ap, sizeof(float) * (size_t)b->len);
                if (frames) memcpy(frames, af, sizeof(int) * (size_t)b->len);
            }
            if (st == AP_ERR_INVALID) st = AP_OK;
            free(ap);
            free(af);
            if (st != AP_OK) goto out;
        }
        for (int i = 0; i < b->len; i++)
            sum += probs ? probs[i] : b->prob[i];
        *n = b->len;
        *conf = b->len ? (float)(sum / b->len) : 0.0f;
    }
out:
    free(all);
    free(ints);
    free(fl);
    free(logp);
    free(cand);
    free(ix.slot);
    free(ix.used);
    return st;
}

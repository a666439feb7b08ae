/* conncomp: 8-connected components' boxes by runs and union-find (see conncomp.h).
 *
 * Runs are numbered in raster order. Union keeps the smaller number as the root, so a
 * component's root is its first run, whose first pixel is the component's first pixel
 * in raster order: the pixel where Leptonica's scan starts its seed fill. Listing roots
 * by number therefore lists components in Leptonica's order. Two runs in adjacent rows
 * touch (8-connected) when their column spans overlap after widening one by a pixel on
 * each side. Only the w pixels of each row are read; pad bits are ignored, as Leptonica's
 * scan ignores them. */
#include "vision/conncomp.h"

#include <stdint.h>
#include <stdlib.h>

typedef struct {
    int32_t x0, x1, y; /* first and last pixel of the run, its row */
} cc_run;

typedef struct {
    cc_run *runs;
    int32_t *parent;
    size_t n, cap;
} cc_runs;

static int push_run(cc_runs *r, int32_t x0, int32_t x1, int32_t y)
{
    if (r->n == r->cap) {
        size_t cap = r->cap ? 2 * r->cap : 1024;
        if (cap > INT32_MAX) return -1;
        cc_run *runs = realloc(r->runs, cap * sizeof *runs);
        if (!runs) return -1;
        r->runs = runs;
        int32_t *parent = realloc(r->parent, cap * sizeof *parent);
        if (!parent) return -1;
        r->parent = parent;
        r->cap = cap;
    }
    r->runs[r->n] = (cc_run){x0, x1, y};
    r->parent[r->n] = (int32_t)r->n;
    r->n++;
    return 0;
}

static int32_t find_root(int32_t *parent, int32_t i)
{
    while (parent[i] != i) {
        parent[i] = parent[parent[i]]; /* path halving */
        i = parent[i];
    }
    return i;
}

static void join(int32_t *parent, int32_t a, int32_t b)
{
    a = find_root(parent, a);
    b = find_root(parent, b);
    if (a < b) parent[b] = a;
    else if (b < a) parent[a] = b;
}

/* The first pixel at or after x (< w) whose bit equals want (1 or 0), or w. */
static int next_pixel(const uint32_t *row, int x, int w, int want)
{
    while (x < w) {
        uint32_t word = row[x >> 5] ^ (want ? 0u : 0xffffffffu);
        word &= 0xffffffffu >> (x & 31);
        if (word) {
            int at = (x & ~31) + __builtin_clz(word);
            return at < w ? at : w;
        }
        x = (x & ~31) + 32;
    }
    return w;
}

/* The runs of every row, each joined with the runs it touches in the row above. */
static int find_runs(PIX *bin, cc_runs *r)
{
    int w = pixGetWidth(bin), h = pixGetHeight(bin);
    const uint32_t *data = pixGetData(bin);
    size_t wpl = (size_t)pixGetWpl(bin);
    size_t above = 0, above_end = 0; /* runs of the row above: [above, above_end) */
    for (int y = 0; y < h; y++) {
        const uint32_t *row = data + (size_t)y * wpl;
        size_t start = r->n, k = above;
        for (int x = next_pixel(row, 0, w, 1); x < w;) {
            int end = next_pixel(row, x, w, 0);
            if (push_run(r, x, end - 1, y) != 0) return -1;
            int32_t me = (int32_t)(r->n - 1);
            /* Runs above ending left of x - 1 touch no later run of this row either. */
            while (k < above_end && r->runs[k].x1 < x - 1) k++;
            for (size_t j = k; j < above_end && r->runs[j].x0 <= end; j++)
                join(r->parent, (int32_t)j, me);
            x = next_pixel(row, end, w, 1);
        }
        above = start;
        above_end = r->n;
    }
    return 0;
}

BOXA *img_conn_comp_bb(PIX *bin)
{
    if (!bin || pixGetDepth(bin) != 1) return NULL;
    cc_runs r = {0};
    BOXA *out = NULL;
    int32_t *slot = NULL;
    struct { int32_t x0, y0, x1, y1; } *box = NULL;
    if (find_runs(bin, &r) != 0) goto done;
    size_t count = 0;
    slot = malloc((r.n ? r.n : 1) * sizeof *slot);
    if (!slot) goto done;
    for (size_t i = 0; i < r.n; i++) {
        int32_t root = find_root(r.parent, (int32_t)i);
        if (root == (int32_t)i) {
            slot[i] = (int32_t)count++;
        } else {
            slot[i] = slot[root]; /* root < i: already numbered */
        }
    }
    box = malloc((count ? count : 1) * sizeof *box);
    if (!box) goto done;
    for (size_t c = 0; c < count; c++) box[c].x0 = -1;
    for (size_t i = 0; i < r.n; i++) {
        const cc_run *run = &r.runs[i];
        int32_t c = slot[i];
        if (box[c].x0 < 0) {
            box[c].x0 = run->x0, box[c].x1 = run->x1, box[c].y0 = box[c].y1 = run->y;
            continue;
        }
        if (run->x0 < box[c].x0) box[c].x0 = run->x0;
        if (run->x1 > box[c].x1) box[c].x1 = run->x1;
        box[c].y1 = run->y; /* runs come in row order */
    }
    out = boxaCreate(count ? (l_int32)count : 1);
    if (!out) goto done;
    for (size_t c = 0; c < count; c++) {
        BOX *b = boxCreate(box[c].x0, box[c].y0, box[c].x1 - box[c].x0 + 1,
                           box[c].y1 - box[c].y0 + 1);
        if (!b || boxaAddBox(out, b, L_INSERT) != 0) {
            boxDestroy(&b);
            boxaDestroy(&out);
            goto done;
        }
    }
done:
    free(r.runs);
    free(r.parent);
    free(slot);
    free(box);
    return out;
}
